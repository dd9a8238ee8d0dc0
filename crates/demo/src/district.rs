//! The demo district 盐城市盐都区 (320903), built entirely through matters:
//! 建账 on 2019-01-01, yearly cycles 2019–2024 (用编计划, 入编/报到, 退休 and
//! other departures, 调动, 任免, quota adjustments) and the 2021 events of
//! the source document (挂牌, new 事业单位, 镇 三定, 高新区 区街分设, 行政复议),
//! with every quota instrument of the source document in its history
//! (周转池 funded by 核减收回 and lent to the 镇, 过桥编制, 承兑编制, 动态编制,
//! 备案制; see `instruments`).
//!
//! A check made before drafting looks at the state as of the draft's date
//! (`query::view_at`) where a date-driven effect (a 承兑 tranche, a loan
//! falling due) may have happened since the last matter.
//!
//! Events are kept in a date-ordered queue so that matters are recorded in
//! non-decreasing effective-date order; every draft is checked against the
//! current state (vacancies, plan lines, rosters) before it is recorded, and a
//! refusal is returned as an error.

use std::collections::{BTreeMap, BTreeSet};

use bianzhi_core::catalog::{
    ControlMode, InstitutionCategory, LeaveReason, PlanChannel, PostKind, Rank, UnitKind,
};
use bianzhi_core::ident::{make_credit_code, parse_doc_no, DocNo, Sex};
use bianzhi_core::model::{AccountKey, Person, PersonStatus};
use bianzhi_core::{
    AccountRef, BodyId, CatRef, Matter, MatterSink, NewUnit, Op, PersonId, PersonRef, PlanLineId,
    RecordError, State, UnitId, UnitRef,
};
use chrono::{DateTime, Datelike, Duration, NaiveDate, NaiveTime, Utc, Weekday};

use crate::catalogue::{self, body_title, Dept, Inst, Sector, Township};

mod cycle;
mod establish;
mod instruments;
mod sectors;
mod special;

use crate::people::{age_on, identity_for, retirement_date, PersonGen, Profile, Role, Spec};
use crate::rng::Rng;

/// The fixed seed of the demo district.
pub const DEMO_SEED: u64 = 0x0032_0903_2019_0101;

/// Rough number of matters the demo records (for progress bars).
pub const DEMO_MATTERS_ESTIMATE: usize = 4_400;

const ACT_ORG: &str = "区委编办·张敏";
const ACT_PLAN: &str = "区委编办·王磊";
const ACT_POST: &str = "区委编办·刘洋";

fn act_real(year: i32) -> &'static str {
    if year >= 2022 {
        "区委编办·周婷"
    } else {
        "区委编办·陈静"
    }
}

pub(crate) fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

/// What the demo knows about a unit beyond the ledger.
#[derive(Debug, Clone)]
struct Meta {
    sector: Sector,
    profile: Profile,
    chiefs: Vec<&'static str>,
    deputy: &'static str,
    deputy_titles: Vec<&'static str>,
    other: Option<&'static str>,
    female_share: Option<f64>,
    urban_school: bool,
    rural_school: bool,
    village_school: bool,
    /// Agency code of the 任免 documents.
    agency: &'static str,
}

impl Meta {
    fn inst(i: &Inst, agency: &'static str) -> Meta {
        Meta {
            sector: i.sector,
            profile: i.profile,
            chiefs: vec![i.chief],
            deputy: i.deputy,
            deputy_titles: Vec::new(),
            other: None,
            female_share: i.female_share,
            urban_school: i.urban_school,
            rural_school: i.rural_school,
            village_school: i.village_school,
            agency,
        }
    }
}

/// A leadership post to fill at 建账.
#[derive(Debug, Clone)]
struct Slot {
    kind: PostKind,
    body: Option<BodyId>,
    title: String,
}

/// A queued event.
#[derive(Debug, Clone)]
enum Ev {
    Year(i32),
    Retire,
    Appointments {
        rotate: bool,
    },
    QuotaAdjust,
    Lock,
    Plans,
    Hire {
        line: PlanLineId,
        count: i32,
    },
    Onboard {
        people: Vec<PersonId>,
        /// The 入编 approval the people were hired under.
        doc: DocNo,
    },
    Depart {
        person: PersonId,
        reason: LeaveReason,
    },
    Selection {
        line: PlanLineId,
    },
    MiscTransfer,
    TeacherExchange,
    VeteranPlan,
    Special(Special),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Special {
    Supervisor,
    FixName,
    CulturalRelics,
    RuralRevitalization,
    MinorsCentre,
    Grain,
    EduReserve,
    ServiceCentres,
    TownSanding,
    HighTechZone,
    Dongjinlu,
    AdminReview,
    ThirdHospital,
    PhasedStaffing,
    DynamicGrants,
    TcmHospital,
    GrassrootsSafety,
    HighTechBridge,
    SmallUnitsMerge,
    StaffCap,
    GovernanceCentre,
    NewSchool2022,
    FiledRegister,
    FixId,
    DirectedEnrol,
    UpdateUnits,
    FireReform,
    NewKindergarten2023,
    Reform2024,
    DynamicGrant2024,
    Sectors,
    SchoolTotal,
}

/// One-off events. The quota instruments of the source document (周转池,
/// 过桥编制, 承兑编制, 动态编制, 备案制, 核减收回) are among them; their
/// date-driven effects (承兑 tranches released, loans falling due) happen in
/// the ledger on their own dates.
const SPECIALS: &[(i32, u32, u32, Special)] = &[
    (2020, 3, 18, Special::Supervisor),
    (2020, 5, 12, Special::FixName),
    (2021, 3, 25, Special::CulturalRelics),
    (2021, 4, 15, Special::RuralRevitalization),
    (2021, 4, 20, Special::MinorsCentre),
    (2021, 5, 10, Special::Grain),
    (2021, 5, 20, Special::EduReserve),
    (2021, 6, 10, Special::ServiceCentres),
    (2021, 6, 30, Special::TownSanding),
    (2021, 7, 1, Special::HighTechZone),
    (2021, 7, 20, Special::Dongjinlu),
    (2021, 8, 16, Special::AdminReview),
    (2021, 8, 26, Special::ThirdHospital),
    (2021, 9, 1, Special::PhasedStaffing),
    (2021, 9, 15, Special::DynamicGrants),
    (2021, 10, 8, Special::TcmHospital),
    (2021, 11, 10, Special::GrassrootsSafety),
    (2021, 12, 6, Special::HighTechBridge),
    (2022, 4, 20, Special::SmallUnitsMerge),
    (2022, 5, 18, Special::StaffCap),
    (2022, 6, 10, Special::GovernanceCentre),
    (2022, 7, 15, Special::NewSchool2022),
    (2022, 8, 22, Special::FiledRegister),
    (2022, 9, 1, Special::PhasedStaffing),
    (2023, 3, 20, Special::FixId),
    (2023, 4, 17, Special::DirectedEnrol),
    (2023, 5, 10, Special::UpdateUnits),
    (2023, 6, 15, Special::FireReform),
    (2023, 7, 15, Special::NewKindergarten2023),
    (2023, 8, 21, Special::FiledRegister),
    (2023, 9, 1, Special::PhasedStaffing),
    (2024, 3, 28, Special::Reform2024),
    (2024, 8, 12, Special::DynamicGrant2024),
    (2024, 10, 15, Special::Sectors),
    (2024, 11, 5, Special::SchoolTotal),
];

const FIRST_YEAR: i32 = 2019;
const LAST_YEAR: i32 = 2024;

/// Counts of the demo build.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DemoSummary {
    /// Active units at the end, by kind.
    pub units_by_kind: BTreeMap<UnitKind, usize>,
    /// Units abolished (merged) along the way.
    pub units_abolished: usize,
    /// 区直 departments active at the end (党政机关, 人大/政协, 法院, 检察院, 群团).
    pub departments: usize,
    /// 事业单位 active at the end.
    pub institutions: usize,
    /// People enrolled (在编 or 已批未报到) at the end.
    pub people_enrolled: usize,
    /// Everyone ever recorded, including those who left.
    pub people_recorded: usize,
    /// Matters recorded by the build.
    pub matters: usize,
    /// Operations in those matters.
    pub operations: usize,
    /// Matters recorded with warnings (仅预警 units, 超编消化, credit-code checks).
    pub matters_with_warnings: usize,
    /// First and last effective date.
    pub date_range: (NaiveDate, NaiveDate),
    /// First and last 登记时间.
    pub recorded_range: (DateTime<Utc>, DateTime<Utc>),
}

pub(crate) struct Builder<'a> {
    sink: &'a mut dyn MatterSink,
    progress: &'a mut dyn FnMut(usize, usize),
    rng: Rng,
    gen: PersonGen,
    clock: Option<DateTime<Utc>>,
    docs: BTreeMap<(String, i32), u32>,
    matters: usize,
    ops: usize,
    warned: usize,
    first_recorded: Option<DateTime<Utc>>,
    first_eff: Option<NaiveDate>,
    now: NaiveDate,
    retire_age: Vec<u8>,
    meta: BTreeMap<UnitId, Meta>,
    queue: BTreeMap<(NaiveDate, u64), Ev>,
    qseq: u64,
    locks: Vec<(AccountKey, i32)>,
    credit_serial: u32,
    bad_codes: BTreeSet<&'static str>,
}

fn uref(id: UnitId) -> UnitRef {
    UnitRef::Id(id)
}

fn acct(unit: UnitId, qtype: &str, funding: &str) -> AccountRef {
    AccountRef {
        unit: UnitRef::Id(unit),
        qtype: CatRef::Name(qtype.into()),
        funding: CatRef::Name(funding.into()),
    }
}

fn acct_key(k: &AccountKey) -> AccountRef {
    AccountRef {
        unit: UnitRef::Id(k.unit),
        qtype: CatRef::Id(k.qtype.0),
        funding: CatRef::Id(u16::from(k.funding.0)),
    }
}

fn names_of(st: &State, people: &[PersonId]) -> String {
    let s: Vec<String> = people
        .iter()
        .take(3)
        .filter_map(|p| st.person(*p).map(|p| p.details.name.clone()))
        .collect();
    let mut s = s.join("、");
    if people.len() > 3 {
        s.push_str(&format!("等{}人", people.len()));
    }
    s
}

/// A random active internal body of a unit (None if it has none).
fn random_body(rng: &mut Rng, st: &State, unit: UnitId) -> Option<BodyId> {
    let b: Vec<BodyId> = st
        .unit(unit)
        .map(|u| {
            u.bodies
                .iter()
                .filter(|b| !b.abolished)
                .map(|b| b.id)
                .collect()
        })
        .unwrap_or_default();
    (!b.is_empty()).then(|| *rng.pick(&b))
}

/// The unit's top-level ancestor (its 主管 system).
fn root_of(st: &State, mut u: UnitId) -> UnitId {
    for _ in 0..16 {
        match st.unit(u).and_then(|x| x.parent) {
            Some(p) => u = p,
            None => break,
        }
    }
    u
}

fn age(p: &Person, on: NaiveDate) -> i32 {
    age_on(p.details.birth(), on)
}

fn is_party(p: &Person) -> bool {
    p.details.political.starts_with("中共")
}

impl<'a> Builder<'a> {
    pub(crate) fn new(
        sink: &'a mut dyn MatterSink,
        progress: &'a mut dyn FnMut(usize, usize),
    ) -> Builder<'a> {
        Builder {
            sink,
            progress,
            rng: Rng::new(DEMO_SEED),
            gen: PersonGen::new(),
            clock: None,
            docs: BTreeMap::new(),
            matters: 0,
            ops: 0,
            warned: 0,
            first_recorded: None,
            first_eff: None,
            now: ymd(FIRST_YEAR, 1, 1),
            retire_age: Vec::new(),
            meta: BTreeMap::new(),
            queue: BTreeMap::new(),
            qseq: 0,
            locks: Vec::new(),
            credit_serial: 0,
            bad_codes: ["区淮剧团", "区殡仪馆"].into_iter().collect(),
        }
    }

    fn st(&self) -> &State {
        self.sink.state()
    }

    // ------------------------------------------------------------------
    // Recording
    // ------------------------------------------------------------------

    fn next_doc(&mut self, agency: &str, year: i32) -> DocNo {
        let n = self.docs.entry((agency.to_string(), year)).or_insert(0);
        *n += 1;
        parse_doc_no(&format!("{agency}〔{year}〕{n}号")).expect("well-formed 文号")
    }

    /// A plausible 登记时间: a few working days after the effective date,
    /// within office hours (UTC+8), strictly after the previous matter.
    fn stamp(&mut self, eff: NaiveDate) -> DateTime<Utc> {
        let mut day = eff + Duration::days(self.rng.range(2, 5));
        while matches!(day.weekday(), Weekday::Sat | Weekday::Sun) {
            day += Duration::days(1);
        }
        let open = NaiveTime::from_hms_opt(8, 30, 0).expect("time");
        // Local (UTC+8) wall-clock time; converted at the end.
        let base = day.and_time(open) + Duration::seconds(self.rng.range(0, 7200));
        let step = Duration::seconds(self.rng.range(45, 480));
        let mut t = match self.clock {
            Some(c) => {
                let c_local = bianzhi_core::beijing::local(c);
                if c_local + step > base {
                    c_local + step
                } else {
                    base
                }
            }
            None => base,
        };
        let close = NaiveTime::from_hms_opt(17, 30, 0).expect("time");
        if t.time() > close || t.time() < open {
            let mut d = if t.time() > close {
                t.date() + Duration::days(1)
            } else {
                t.date()
            };
            while matches!(d.weekday(), Weekday::Sat | Weekday::Sun) {
                d += Duration::days(1);
            }
            t = d.and_time(open) + Duration::seconds(self.rng.range(0, 1200));
        }
        let utc = bianzhi_core::beijing::instant(t);
        self.clock = Some(utc);
        utc
    }

    fn record_doc(
        &mut self,
        doc: DocNo,
        eff: NaiveDate,
        actor: &str,
        reason: String,
        ops: Vec<Op>,
    ) -> Result<Matter, RecordError> {
        debug_assert!(eff >= self.now, "matters must come in date order");
        self.now = eff;
        let recorded_at = self.stamp(eff);
        let n_ops = ops.len();
        let m = Matter {
            doc,
            effective: eff,
            recorded_at,
            actor: actor.to_string(),
            reason,
            ops,
            warnings: Vec::new(),
            attachments: Vec::new(),
            corrects: None,
            supplements: None,
        };
        let r = self.sink.record(m)?;
        self.matters += 1;
        self.ops += n_ops;
        self.warned += usize::from(!r.warnings.is_empty());
        self.first_recorded.get_or_insert(recorded_at);
        self.first_eff.get_or_insert(eff);
        let est = DEMO_MATTERS_ESTIMATE.max(self.matters + 1);
        (self.progress)(self.matters, est);
        Ok(r)
    }

    fn record(
        &mut self,
        agency: &str,
        eff: NaiveDate,
        actor: &str,
        reason: String,
        ops: Vec<Op>,
    ) -> Result<Matter, RecordError> {
        let doc = self.next_doc(agency, eff.year());
        self.record_doc(doc, eff, actor, reason, ops)
    }

    fn schedule(&mut self, date: NaiveDate, ev: Ev) {
        debug_assert!(date >= self.now);
        self.qseq += 1;
        self.queue.insert((date, self.qseq), ev);
    }

    fn set_retire_age(&mut self, id: PersonId, age: i32) {
        let i = id.index();
        if self.retire_age.len() <= i {
            self.retire_age.resize(i + 1, 60);
        }
        self.retire_age[i] = age as u8;
    }

    fn retire_age_of(&self, p: &Person) -> i32 {
        self.retire_age.get(p.id.index()).map_or_else(
            || if p.details.sex() == Sex::Male { 60 } else { 55 },
            |a| i32::from(*a),
        )
    }

    fn credit_code(&mut self, kind: char, name: &str) -> String {
        self.credit_serial += 1 + self.rng.below(40) as u32;
        let lead = if kind == '2' { 46 } else { 1 };
        let body = format!("{:02}{:06}", lead, 140_000 + self.credit_serial * 7);
        let code = make_credit_code('1', kind, "320903", &body).into_string();
        if self.bad_codes.contains(name) {
            // A pre-2016 code that fails the MOD 31 check (accepted with a warning).
            let last = code.chars().last().expect("18 chars");
            let wrong = if last == '9' { '8' } else { '9' };
            return format!("{}{}", &code[..17], wrong);
        }
        code
    }

    fn unit_id(&self, name: &str) -> Option<UnitId> {
        self.st().unit_by_name.get(name).copied()
    }

    fn must_unit(&self, name: &str) -> UnitId {
        self.unit_id(name)
            .unwrap_or_else(|| panic!("demo unit {name} should exist"))
    }

    fn next_body(&self) -> u32 {
        self.st().next_body_id().0
    }

    fn next_line(&self) -> u32 {
        self.st().next_plan_line_id().0
    }

    /// Person ids allocated by a recorded matter, in op order.
    fn new_people(m: &Matter) -> Vec<PersonId> {
        m.ops
            .iter()
            .filter_map(|op| match op {
                Op::Hire { person, .. } | Op::RegisterExisting { person, .. } => *person,
                _ => None,
            })
            .collect()
    }

    // ------------------------------------------------------------------
    // The build
    // ------------------------------------------------------------------

    pub(crate) fn run(mut self) -> Result<DemoSummary, RecordError> {
        self.establish()?;
        self.schedule(ymd(FIRST_YEAR, 1, 1), Ev::Year(FIRST_YEAR));
        for (y, m, d, s) in SPECIALS {
            self.schedule(ymd(*y, *m, *d), Ev::Special(*s));
        }
        while let Some(((date, _), ev)) = self.queue.pop_first() {
            if date.year() > LAST_YEAR {
                break;
            }
            self.event(date, ev)?;
        }
        Ok(self.summary())
    }

    fn summary(&self) -> DemoSummary {
        let st = self.st();
        let mut units_by_kind = BTreeMap::new();
        let mut abolished = 0;
        for u in st.units.iter().flatten() {
            if u.is_active() {
                *units_by_kind.entry(u.kind).or_insert(0) += 1;
            } else {
                abolished += 1;
            }
        }
        let departments = units_by_kind
            .iter()
            .filter(|(k, _)| {
                !matches!(
                    k,
                    UnitKind::Institution
                        | UnitKind::Town
                        | UnitKind::Subdistrict
                        | UnitKind::ParkCommittee
                        | UnitKind::Other
                )
            })
            .map(|(_, n)| n)
            .sum();
        let institutions = units_by_kind
            .get(&UnitKind::Institution)
            .copied()
            .unwrap_or(0);
        let people_enrolled = st
            .persons
            .iter()
            .flatten()
            .filter(|p| p.placement.is_enrolled())
            .count();
        DemoSummary {
            units_by_kind,
            units_abolished: abolished,
            departments,
            institutions,
            people_enrolled,
            people_recorded: st.persons.iter().flatten().count(),
            matters: self.matters,
            operations: self.ops,
            matters_with_warnings: self.warned,
            date_range: (
                self.first_eff.unwrap_or(self.now),
                st.max_effective.unwrap_or(self.now),
            ),
            recorded_range: (
                self.first_recorded.unwrap_or_default(),
                self.clock.unwrap_or_default(),
            ),
        }
    }

    fn event(&mut self, date: NaiveDate, ev: Ev) -> Result<(), RecordError> {
        match ev {
            Ev::Year(y) => {
                self.year(y);
                Ok(())
            }
            Ev::Retire => self.retirements(date),
            Ev::Appointments { rotate } => self.fill_posts(date, None, rotate),
            Ev::QuotaAdjust => self.quota_adjust(date),
            Ev::Lock => self.lock(date),
            Ev::Plans => self.plans(date),
            Ev::Hire { line, count } => self.hire(date, line, count),
            Ev::Onboard { people, doc } => self.onboard(date, people, doc),
            Ev::Depart { person, reason } => self.depart(date, person, reason),
            Ev::Selection { line } => self.selection(date, line),
            Ev::MiscTransfer => self.misc_transfer(date),
            Ev::TeacherExchange => self.teacher_exchange(date),
            Ev::VeteranPlan => self.veteran_plan(date),
            Ev::Special(s) => self.special(date, s),
        }
    }
}
