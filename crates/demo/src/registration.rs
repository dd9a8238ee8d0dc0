//! The demo district's 事业单位法人登记 register, built through the
//! registration crate's own code paths (`Register::append` with drafts,
//! `Application::new` + `act`, `AnnualReport::act`) from the demo ledger:
//!
//! * every 事业单位 of the ledger (existing or abolished) registered a few
//!   weeks after its ledger 设立 matter (the 建账 units on an early date of the
//!   journal, as a 存量登记), with its certificate (renewed when the 5 years
//!   ran out) and its filed seals;
//! * each ledger 更名 followed by a 名称 变更, a new certificate and new seals,
//!   the old seals collected (one or two left outstanding);
//! * the 2021 restructuring: most abolished or merged units deregistered with
//!   their seals collected, a few left 待注销;
//! * a few completed 法定代表人 变更, a few applications pending on `today`;
//! * annual reports for the last two complete years, a couple of 书面警告 for
//!   late reports.
//!
//! Deterministic: a fixed seed, no clock, no hashing of addresses.

use std::collections::{BTreeMap, BTreeSet};

use bianzhi_casework::calendar::Calendar;
use bianzhi_core::catalog::UnitKind;
use bianzhi_core::ident::{make_credit_code, Sex};
use bianzhi_core::query::unit_at;
use bianzhi_core::{Ledger, State, UnitId};
use bianzhi_registration::annual::{AnnualReport, ReportAction, ReportActor, Sections};
use bianzhi_registration::application::{Actor, AppAction, AppStatus, Application, Proposal};
use bianzhi_registration::material::{check_file, MaterialKind};
use bianzhi_registration::register::{
    check_code, CertReason, Draft, RegId, Register, RegisterEvent, SealAction, SealKind,
};
use bianzhi_registration::sanction::SanctionStep;
use bianzhi_registration::ties::{self, LedgerEvent, LedgerFacts};
use bianzhi_registration::{Capital, Change, FundingSource, Particulars, Policy, RegMode};
use chrono::{DateTime, Datelike, Days, NaiveDate, Utc};

use crate::people::Names;
use crate::rng::Rng;

/// The fixed seed of the demo register.
pub const REGISTRATION_SEED: u64 = 0x0032_0903_2014_0401;

/// The registrar's 行政区划代码 (盐都区).
pub const REGISTRAR: &str = "320903";

/// How many legal persons abolished in the ledger stay 待注销.
const NOT_DEREGISTERED: usize = 4;

const CLERKS: [&str; 2] = ["区事业单位登记服务中心·孙丽", "区事业单位登记服务中心·钱峰"];

const ROADS: [&str; 12] = [
    "开放大道",
    "世纪大道",
    "盐马路",
    "新都路",
    "西环路",
    "解放南路",
    "人民南路",
    "毓龙西路",
    "范公路",
    "大庆西路",
    "腾飞路",
    "戴庄路",
];

const TOWN_STREETS: [&str; 5] = ["人民路", "建设路", "振兴路", "富民路", "文化路"];

/// The demo register: the journal, the applications and the annual reports.
#[derive(Debug, Clone, PartialEq)]
pub struct DemoRegistration {
    pub register: Register,
    pub applications: Vec<Application>,
    pub reports: Vec<AnnualReport>,
}

/// A seal as the generator tracks it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum SealState {
    InUse,
    ToCollect,
    Done,
}

#[derive(Debug, Clone)]
struct SealNote {
    id: u32,
    state: SealState,
}

/// What the generator knows about a registered institution.
#[derive(Debug, Clone)]
struct Person {
    reg: RegId,
    unit: UnitId,
    name: String,
    established: NaiveDate,
    deregistered: Option<NaiveDate>,
    /// The ledger's 撤销 / 合并 (date, 文号, merged into).
    ending: Option<(NaiveDate, String, Option<UnitId>)>,
    cert_to: NaiveDate,
    seals: Vec<SealNote>,
    capital: Capital,
}

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("valid date")
}

fn plus(d: NaiveDate, days: i64) -> NaiveDate {
    if days >= 0 {
        d.checked_add_days(Days::new(days as u64)).unwrap_or(d)
    } else {
        d.checked_sub_days(Days::new((-days) as u64)).unwrap_or(d)
    }
}

/// The first working day on or after `d`.
fn working_on_or_after(cal: &Calendar, d: NaiveDate) -> NaiveDate {
    if cal.is_working_day(d) {
        d
    } else {
        cal.add_working_days(d, 1)
    }
}

/// The `n`-th working day before `d`.
fn working_days_before(cal: &Calendar, d: NaiveDate, n: u32) -> NaiveDate {
    let mut out = d;
    let mut left = n;
    while left > 0 {
        out = out.pred_opt().expect("a date after year 1");
        if cal.is_working_day(out) {
            left -= 1;
        }
    }
    out
}

struct Gen<'a> {
    st: &'a State,
    facts: LedgerFacts,
    today: NaiveDate,
    cal: Calendar,
    policy: Policy,
    rng: Rng,
    names: Names,
    register: Register,
    applications: Vec<Application>,
    decisions: BTreeMap<i32, u32>,
    code_serial: u32,
    used_codes: BTreeSet<String>,
}

impl<'a> Gen<'a> {
    fn clerk(&mut self) -> &'static str {
        self.rng.pick_copy(&CLERKS)
    }

    /// The next 登记 decision number of `year`.
    fn decision(&mut self, year: i32) -> String {
        let n = self.decisions.entry(year).or_insert(0);
        *n += 1;
        format!("盐都事登〔{year}〕{n}号")
    }

    fn append(&mut self, doc: String, on: NaiveDate, event: RegisterEvent) -> Result<u64, String> {
        let minutes = 90 + self.register.entries().len() as i64 % 420;
        let recorded_at: DateTime<Utc> = on
            .and_hms_opt(0, 0, 0)
            .expect("midnight")
            .and_utc()
            .checked_add_signed(chrono::Duration::minutes(minutes))
            .expect("in range");
        let actor = self.clerk().to_string();
        let label = event.label();
        self.register
            .append(Draft {
                doc,
                effective: on,
                recorded_at,
                actor,
                event,
            })
            .map_err(|e| format!("登记簿拒绝了 {on} 的“{label}”：{e}"))
    }

    fn legal_rep(&mut self) -> String {
        let sex = if self.rng.chance(0.3) {
            Sex::Female
        } else {
            Sex::Male
        };
        let birth = self.rng.range(1966, 1984) as i32;
        self.names.full_name(&mut self.rng, sex, birth)
    }

    fn domicile(&mut self, unit: UnitId, on: NaiveDate) -> String {
        let st = self.st;
        let town = unit_at(st, unit, on)
            .and_then(|u| u.parent)
            .and_then(|p| unit_at(st, p, on))
            .filter(|p| matches!(p.kind, UnitKind::Town | UnitKind::Subdistrict))
            .map(|p| p.name.clone());
        let n = self.rng.range(1, 268);
        match town {
            Some(t) => {
                let street = self.rng.pick_copy(&TOWN_STREETS);
                format!("盐城市盐都区{t}{street}{n}号")
            }
            None => {
                let road = self.rng.pick_copy(&ROADS);
                format!("盐城市盐都区{road}{n}号")
            }
        }
    }

    fn purpose(&self, unit: UnitId, name: &str) -> String {
        let f = self
            .st
            .unit(unit)
            .map(|u| u.functions.trim().to_string())
            .unwrap_or_default();
        // The demo ledger's 事业单位 carry a placeholder sentence as 主要职能.
        if !f.is_empty() && !f.contains("事业单位法人登记的宗旨和业务范围") {
            return f;
        }
        let by_kind = if name.contains("小学") || name.contains("中学") || name.contains("学校")
        {
            "实施义务教育，促进基础教育发展。学历教育、教育教学研究、学生管理与服务"
        } else if name.contains("幼儿园") {
            "实施学前教育，促进幼儿身心健康发展。幼儿保育与教育"
        } else if name.contains("医院") || name.contains("卫生") {
            "为人民身体健康提供医疗与护理保健服务。医疗、预防保健、康复、健康教育"
        } else if name.contains("档案") {
            "收集、保管和利用档案，服务社会。档案接收、整理、保管、编研和利用服务"
        } else if name.contains("综合服务中心") || name.ends_with("站") || name.ends_with("所")
        {
            "为镇（街道）经济社会发展提供公共服务。农业农村、社会事务、村镇建设等技术服务和便民服务"
        } else if name.contains("剧团") || name.contains("文化") || name.contains("图书馆") {
            "繁荣群众文化，满足群众精神文化需求。文艺演出、公共文化服务、非物质文化遗产保护"
        } else if name.contains("检测") || name.contains("检验") || name.contains("监测") {
            "为监督管理提供技术支撑。检验检测、监测评价和技术咨询"
        } else {
            "为经济社会发展提供公益服务。承担主管部门交办的技术支持、业务服务和辅助性工作"
        };
        by_kind.to_string()
    }

    fn sponsor(&self, unit: UnitId, on: NaiveDate) -> String {
        unit_at(self.st, unit, on)
            .and_then(|u| u.parent)
            .and_then(|p| unit_at(self.st, p, on).or_else(|| self.st.unit(p)))
            .map(|p| p.name.clone())
            .unwrap_or_else(|| "盐城市盐都区人民政府".to_string())
    }

    /// The unit's own code when it is a good 12320903 code, else a new one.
    fn code_for(&mut self, unit: UnitId) -> String {
        if let Some(c) = self.st.unit(unit).and_then(|u| u.credit_code.clone()) {
            if let Ok(c) = check_code(&c, REGISTRAR) {
                if self.used_codes.insert(c.clone()) {
                    return c;
                }
            }
        }
        loop {
            self.code_serial += 1 + self.rng.below(9) as u32;
            let body = format!("47{:06}", 210_000 + self.code_serial * 3);
            let c = make_credit_code('1', '2', REGISTRAR, &body).into_string();
            if self.used_codes.insert(c.clone()) {
                return c;
            }
        }
    }

    fn material(&self, app: u64, kind: MaterialKind) -> bianzhi_registration::material::Material {
        let bytes = format!(
            "%PDF-1.4\n% bianzhi demo: application {app}, {}\n1 0 obj << /Type /Catalog >> endobj\n%%EOF\n",
            kind.label()
        );
        check_file(
            kind,
            &format!("{}.pdf", kind.label()),
            bytes.as_bytes(),
            self.policy.max_file_bytes,
        )
        .expect("a small PDF is a valid material")
    }

    /// A new application with every material of its checklist attached.
    fn application(
        &mut self,
        reg: Option<RegId>,
        unit: Option<UnitId>,
        applicant: &str,
        proposal: Proposal,
        leave_out: Option<MaterialKind>,
    ) -> Result<Application, String> {
        let id = self.applications.len() as u64 + 1;
        let mut a = Application::new(id, reg, unit, applicant, proposal);
        for k in a.checklist() {
            if Some(k) == leave_out {
                continue;
            }
            a.attach(self.material(id, k)).map_err(|e| e.to_string())?;
        }
        Ok(a)
    }

    fn act(
        &self,
        a: &mut Application,
        actor: Actor,
        action: AppAction,
        on: NaiveDate,
        note: &str,
    ) -> Result<(), String> {
        let label = action.label();
        a.act(actor, action, on, note, &self.cal, &self.policy)
            .map_err(|e| format!("申请 {} 在 {on} {label}被拒绝：{e}", a.id))
    }

    /// Takes an application from 提交 to 办结: submitted `before` working days
    /// before `decided` (not before `not_before`, the event it follows),
    /// accepted one or two working days later, approved on `decided` and
    /// completed the same day.
    fn run_to_done(
        &mut self,
        mut a: Application,
        not_before: NaiveDate,
        decided: NaiveDate,
        before: u32,
    ) -> Result<(), String> {
        let submitted = working_days_before(&self.cal, decided, before.max(3))
            .max(working_on_or_after(&self.cal, not_before))
            .min(decided);
        let accepted = self
            .cal
            .add_working_days(submitted, 1 + self.rng.below(2) as u32)
            .min(decided);
        self.act(&mut a, Actor::Unit, AppAction::Submit, submitted, "")?;
        self.act(&mut a, Actor::Office, AppAction::Accept, accepted, "")?;
        self.act(
            &mut a,
            Actor::Office,
            AppAction::Approve,
            decided,
            "材料齐全，符合法定形式，准予登记",
        )?;
        self.act(
            &mut a,
            Actor::Office,
            AppAction::Complete,
            decided,
            "证书已发放，已公告",
        )?;
        self.applications.push(a);
        Ok(())
    }

    fn certificate(
        &mut self,
        p: &mut Person,
        on: NaiveDate,
        reason: CertReason,
    ) -> Result<(), String> {
        let (from, to) = bianzhi_registration::certificate::validity(on, &self.policy);
        let doc = self.decision(on.year());
        self.append(
            doc,
            on,
            RegisterEvent::Certificate {
                reg: p.reg,
                number: bianzhi_registration::certificate::number(REGISTRAR, p.reg),
                valid_from: from,
                valid_to: to,
                reason,
            },
        )?;
        p.cert_to = to;
        Ok(())
    }

    /// 公章 always, 财务专用章 for most, now and then a 合同专用章.
    fn file_seals(&mut self, p: &mut Person, cert_on: NaiveDate) -> Result<(), String> {
        let on = working_on_or_after(&self.cal, plus(cert_on, self.rng.range(3, 20)));
        let mut kinds = vec![SealKind::Official];
        if self.rng.chance(0.85) {
            kinds.push(SealKind::Finance);
        }
        if self.rng.chance(0.12) {
            kinds.push(SealKind::Contract);
        }
        let maker = *self.rng.pick(&[
            "盐城市盐都区诚信印章刻制有限公司",
            "盐城市鼎盛印章有限公司",
            "盐城市盐都区公安局备案刻章点（新都路）",
        ]);
        for kind in kinds {
            let seal = self.register.next_seal(p.reg);
            let doc = format!("印鉴备案〔{}〕{}-{seal}号", on.year(), p.reg.0);
            self.append(
                doc,
                on,
                RegisterEvent::FileSeal {
                    reg: p.reg,
                    seal,
                    kind,
                    maker: maker.to_string(),
                },
            )?;
            p.seals.push(SealNote {
                id: seal,
                state: SealState::InUse,
            });
        }
        Ok(())
    }

    /// Collects the seals to be collected on or after `from`, then seals them
    /// up or destroys them.
    fn dispose_seals(&mut self, p: &mut Person, from: NaiveDate) -> Result<(), String> {
        let collect_on = working_on_or_after(&self.cal, plus(from, self.rng.range(0, 12)));
        let destroy = self.rng.chance(0.6);
        let final_on = working_on_or_after(&self.cal, plus(collect_on, self.rng.range(20, 75)));
        for i in 0..p.seals.len() {
            if p.seals[i].state != SealState::ToCollect {
                continue;
            }
            let seal = p.seals[i].id;
            for (action, on, receiver) in [
                (SealAction::Collect, collect_on, "区事业单位登记服务中心"),
                (
                    if destroy {
                        SealAction::Destroy
                    } else {
                        SealAction::SealUp
                    },
                    final_on,
                    if destroy {
                        "盐城市公安局盐都分局治安管理大队"
                    } else {
                        "区事业单位登记服务中心档案室"
                    },
                ),
            ] {
                if on > self.today {
                    break;
                }
                let doc = format!("收缴凭证〔{}〕{}-{seal}号", collect_on.year(), p.reg.0);
                self.append(
                    doc,
                    on,
                    RegisterEvent::DisposeSeal {
                        reg: p.reg,
                        seal,
                        action,
                        receiver: receiver.to_string(),
                    },
                )?;
                p.seals[i].state = SealState::Done;
            }
        }
        Ok(())
    }

    /// Renews the certificate (换领, in the 30 days before it runs out) while
    /// it would run out before `until`.
    fn renew_until(&mut self, p: &mut Person, until: NaiveDate) -> Result<(), String> {
        while p.cert_to < until {
            let on = working_days_before(&self.cal, p.cert_to, 1 + self.rng.below(15) as u32);
            if on > self.today {
                break;
            }
            self.certificate(p, on, CertReason::Renew)?;
        }
        Ok(())
    }
}

/// Builds the demo register of the ledger's 事业单位 as of `today`
/// (deterministic: the same result on every run).
pub fn build_registration(ledger: &Ledger, today: NaiveDate) -> Result<DemoRegistration, String> {
    let st = ledger.state();
    let facts = LedgerFacts::from_ledger(ledger).map_err(|e| e.to_string())?;
    let mut g = Gen {
        st,
        facts,
        today,
        cal: Calendar::default(),
        policy: Policy::default(),
        rng: Rng::new(REGISTRATION_SEED),
        names: Names::load(),
        register: Register::new(REGISTRAR),
        applications: Vec::new(),
        decisions: BTreeMap::new(),
        code_serial: 0,
        used_codes: BTreeSet::new(),
    };
    let journal_start = g
        .facts
        .acts
        .iter()
        .map(|a| a.effective)
        .min()
        .ok_or("台账中没有设立事项")?;

    // Every institution of the ledger, with the matter that set it up.
    let mut insts: Vec<(NaiveDate, UnitId, String, String)> = Vec::new();
    for a in &g.facts.acts {
        if let LedgerEvent::Established { unit, name } = &a.event {
            if st
                .unit(*unit)
                .is_some_and(|u| u.kind == UnitKind::Institution)
                && a.effective <= today
            {
                insts.push((a.effective, *unit, name.clone(), a.doc.clone()));
            }
        }
    }
    insts.sort();

    // The ones abolished or merged away, and which of them stay 待注销.
    let ending = |facts: &LedgerFacts, u: UnitId| {
        facts.ending_of(u).map(|a| {
            let into = match a.event {
                LedgerEvent::Merged { into, .. } => Some(into),
                _ => None,
            };
            (a.effective, a.doc.clone(), into)
        })
    };
    let mut ended: Vec<UnitId> = insts
        .iter()
        .filter(|(_, u, _, _)| ending(&g.facts, *u).is_some_and(|(d, _, _)| d <= today))
        .map(|(_, u, _, _)| *u)
        .collect();
    g.rng.shuffle(&mut ended);
    let zombies: BTreeSet<UnitId> = ended.iter().take(NOT_DEREGISTERED).copied().collect();

    // Renamed institutions; one or two keep an old seal outstanding.
    let mut renamed: Vec<UnitId> = insts
        .iter()
        .map(|(_, u, _, _)| *u)
        .filter(|u| {
            ending(&g.facts, *u).is_none()
                && g.facts
                    .acts
                    .iter()
                    .any(|a| matches!(&a.event, LedgerEvent::Renamed { unit, .. } if unit == u))
        })
        .collect();
    g.rng.shuffle(&mut renamed);
    let outstanding: BTreeSet<UnitId> = renamed.iter().take(2).copied().collect();

    // Completed 法定代表人 变更 of a few units (in the two years before today).
    let mut rep_change_units: Vec<UnitId> = insts
        .iter()
        .map(|(_, u, _, _)| *u)
        .filter(|u| ending(&g.facts, *u).is_none() && !renamed.contains(u))
        .collect();
    g.rng.shuffle(&mut rep_change_units);
    let rep_changes: BTreeMap<UnitId, NaiveDate> = rep_change_units
        .iter()
        .take(3)
        .enumerate()
        .map(|(i, u)| {
            let d = plus(today, -(90 + 170 * i as i64));
            (*u, working_on_or_after(&g.cal, d))
        })
        .collect();

    let mut persons: Vec<Person> = Vec::new();
    for (est_ledger, unit, name, doc) in &insts {
        let end = ending(&g.facts, *unit);
        let est_on = if *est_ledger == journal_start {
            plus(journal_start, g.rng.range(10, 80))
        } else {
            plus(*est_ledger, g.rng.range(14, 40))
        };
        let mut est_on = working_on_or_after(&g.cal, est_on);
        if let Some((d, _, _)) = &end {
            if est_on >= *d {
                est_on = working_days_before(&g.cal, *d, 3).max(*est_ledger);
            }
        }
        if est_on > today {
            continue;
        }
        let reg = g.register.next_reg();
        let code = g.code_for(*unit);
        let second_names = unit_at(st, *unit, est_on)
            .map(|u| u.second_names.clone())
            .unwrap_or_default();
        let capital = Capital(g.rng.range(20, 900) * 100 + g.rng.range(0, 99));
        let particulars = Particulars {
            name: name.clone(),
            second_names,
            domicile: g.domicile(*unit, est_on),
            purpose: g.purpose(*unit, name),
            legal_rep: g.legal_rep(),
            funding: ties::funding_for(st, *unit, est_on).unwrap_or(FundingSource::Fiscal),
            capital,
            sponsors: vec![g.sponsor(*unit, est_on)],
        };
        let proposal = Proposal::Establish {
            code: code.clone(),
            mode: RegMode::Registered,
            particulars: particulars.clone(),
            approval_doc: doc.clone(),
            outside_establishment: false,
        };
        // Units set up after 建账 applied online; the 建账 ones are 存量登记.
        if *est_ledger != journal_start {
            let a = g.application(None, Some(*unit), name, proposal.clone(), None)?;
            let before = 5 + g.rng.below(8) as u32;
            g.run_to_done(a, *est_ledger, est_on, before)?;
        }
        g.append(
            doc.clone(),
            est_on,
            RegisterEvent::Establish {
                reg,
                code,
                mode: RegMode::Registered,
                particulars,
                approval_doc: doc.clone(),
                unit: Some(*unit),
            },
        )?;
        let mut p = Person {
            reg,
            unit: *unit,
            name: name.clone(),
            established: est_on,
            deregistered: None,
            ending: end.clone(),
            cert_to: est_on,
            seals: Vec::new(),
            capital,
        };
        let cert_on = working_on_or_after(&g.cal, plus(est_on, g.rng.range(0, 4)));
        g.certificate(&mut p, cert_on, CertReason::Establish)?;
        g.file_seals(&mut p, cert_on)?;

        // Its later history: 更名, 法定代表人 变更, the end, renewals between.
        let stop = end.as_ref().map(|(d, _, _)| *d).unwrap_or(today).min(today);
        let mut events: Vec<(NaiveDate, Option<(String, String)>)> = g
            .facts
            .acts
            .iter()
            .filter_map(|a| match &a.event {
                LedgerEvent::Renamed { unit: u, name } if u == unit => {
                    Some((a.effective, Some((name.clone(), a.doc.clone()))))
                }
                _ => None,
            })
            .collect();
        if let Some(d) = rep_changes.get(unit) {
            events.push((*d, None));
        }
        events.sort();
        for (d, what) in events {
            let on = match &what {
                Some(_) => working_on_or_after(&g.cal, plus(d, g.rng.range(12, 35))),
                None => d,
            };
            if on > stop || on <= cert_on {
                continue;
            }
            g.renew_until(&mut p, on)?;
            match what {
                Some((new_name, basis)) => {
                    let proposal = Proposal::Change {
                        changes: vec![Change::Name {
                            name: new_name.clone(),
                        }],
                        event_on: d,
                        basis_doc: basis.clone(),
                    };
                    let a = g.application(Some(reg), Some(*unit), &p.name, proposal, None)?;
                    let before = 4 + g.rng.below(6) as u32;
                    g.run_to_done(a, d, on, before)?;
                    let doc = g.decision(on.year());
                    g.append(
                        doc,
                        on,
                        RegisterEvent::Change {
                            reg,
                            changes: vec![Change::Name {
                                name: new_name.clone(),
                            }],
                        },
                    )?;
                    p.name = new_name;
                    for s in &mut p.seals {
                        if s.state == SealState::InUse {
                            s.state = SealState::ToCollect;
                        }
                    }
                    g.certificate(&mut p, on, CertReason::Change)?;
                    if !outstanding.contains(unit) {
                        g.dispose_seals(&mut p, on)?;
                    }
                    g.file_seals(&mut p, on)?;
                }
                None => {
                    let rep = g.legal_rep();
                    let changes = vec![Change::LegalRep { legal_rep: rep }];
                    let proposal = Proposal::Change {
                        changes: changes.clone(),
                        event_on: plus(on, -20),
                        basis_doc: format!("{}任〔{}〕{}号", "盐人社", on.year(), reg.0 % 90 + 3),
                    };
                    let a = g.application(Some(reg), Some(*unit), &p.name, proposal, None)?;
                    let before = 6 + g.rng.below(6) as u32;
                    g.run_to_done(a, plus(on, -20), on, before)?;
                    let doc = g.decision(on.year());
                    g.append(doc, on, RegisterEvent::Change { reg, changes })?;
                    g.certificate(&mut p, on, CertReason::Change)?;
                }
            }
        }
        match &end {
            Some((d, basis, into)) if *d <= today && !zombies.contains(unit) => {
                // 注销 within a few months, through an application.
                let on = working_on_or_after(&g.cal, plus(*d, g.rng.range(30, 120)));
                if on <= today {
                    g.renew_until(&mut p, on)?;
                    let reason = match into.and_then(|i| unit_at(st, i, *d)) {
                        Some(i) => format!("机构改革，并入{}", i.name),
                        None => "机构编制部门撤销该单位".to_string(),
                    };
                    let proposal = Proposal::Deregister {
                        reason: reason.clone(),
                        basis_doc: basis.clone(),
                        liquidation_end: Some(plus(on, -20)),
                    };
                    let a = g.application(Some(reg), Some(*unit), &p.name, proposal, None)?;
                    let before = 5 + g.rng.below(6) as u32;
                    g.run_to_done(a, *d, on, before)?;
                    let doc = g.decision(on.year());
                    g.append(doc, on, RegisterEvent::Deregister { reg, reason })?;
                    p.deregistered = Some(on);
                    for s in &mut p.seals {
                        if s.state == SealState::InUse {
                            s.state = SealState::ToCollect;
                        }
                    }
                    g.dispose_seals(&mut p, on)?;
                }
            }
            Some(_) => {}
            None => g.renew_until(&mut p, today)?,
        }
        persons.push(p);
    }

    pending_applications(&mut g, &persons, &zombies)?;
    let reports = annual_reports(&mut g, &persons, &zombies)?;
    Ok(DemoRegistration {
        register: g.register,
        applications: g.applications,
        reports,
    })
}

/// The applications open on `today`: 变更 awaiting 受理, one with a 补正
/// notice, one under review, 注销 of 待注销 units, a draft.
fn pending_applications(
    g: &mut Gen,
    persons: &[Person],
    zombies: &BTreeSet<UnitId>,
) -> Result<(), String> {
    let today = g.today;
    let mut active: Vec<&Person> = persons
        .iter()
        .filter(|p| p.ending.is_none() && p.deregistered.is_none() && p.established < today)
        .collect();
    g.rng.shuffle(&mut active);
    let mut next = active.into_iter();
    let mut take = || next.next().ok_or("存续的事业单位不足".to_string());

    // 1. 法定代表人 变更 submitted, awaiting 受理.
    let p = take()?;
    let rep = g.legal_rep();
    let submitted = working_days_before(&g.cal, today, 1);
    let proposal = Proposal::Change {
        changes: vec![Change::LegalRep { legal_rep: rep }],
        event_on: plus(submitted, -12),
        basis_doc: format!("盐人社任〔{}〕{}号", submitted.year(), 40 + p.reg.0 % 50),
    };
    let mut a = g.application(Some(p.reg), Some(p.unit), &p.name, proposal, None)?;
    g.act(&mut a, Actor::Unit, AppAction::Submit, submitted, "")?;
    g.applications.push(a);

    // 2. 法定代表人 and 住所 变更 with a 补正 notice.
    let p = take()?;
    let rep = g.legal_rep();
    let domicile = g.domicile(p.unit, today);
    let submitted = working_days_before(&g.cal, today, 6);
    let noticed = g.cal.add_working_days(submitted, 2);
    let proposal = Proposal::Change {
        changes: vec![
            Change::LegalRep { legal_rep: rep },
            Change::Domicile { domicile },
        ],
        event_on: plus(submitted, -15),
        basis_doc: format!("盐人社任〔{}〕{}号", submitted.year(), 60 + p.reg.0 % 30),
    };
    let mut a = g.application(Some(p.reg), Some(p.unit), &p.name, proposal, None)?;
    g.act(&mut a, Actor::Unit, AppAction::Submit, submitted, "")?;
    g.act(
        &mut a,
        Actor::Office,
        AppAction::RequestSupplement {
            gaps: vec![
                "住所证明：租赁合同期限不足一年，请提供一年以上的租赁合同及产权证明".into(),
                "法定代表人登记表未加盖举办单位印章".into(),
            ],
        },
        noticed,
        "",
    )?;
    g.applications.push(a);

    // 3. 开办资金 变更 accepted, under review.
    let p = take()?;
    let capital = Capital(p.capital.0 + p.capital.0 / 3 + 100);
    let submitted = working_days_before(&g.cal, today, 12);
    let accepted = g.cal.add_working_days(submitted, 2);
    let proposal = Proposal::Change {
        changes: vec![Change::Capital { capital }],
        event_on: ymd(today.year() - 1, 12, 31),
        basis_doc: format!("开办资金确认书〔{}〕{}号", today.year(), p.reg.0),
    };
    let mut a = g.application(Some(p.reg), Some(p.unit), &p.name, proposal, None)?;
    g.act(&mut a, Actor::Unit, AppAction::Submit, submitted, "")?;
    g.act(&mut a, Actor::Office, AppAction::Accept, accepted, "")?;
    g.applications.push(a);

    // 4. A 证书补领 still in draft (待提交: the 遗失声明 not yet uploaded).
    let p = take()?;
    let proposal = Proposal::Replace {
        reason: "法人证书副本遗失".into(),
    };
    let a = g.application(
        Some(p.reg),
        Some(p.unit),
        &p.name,
        proposal,
        Some(MaterialKind::LossNotice),
    )?;
    g.applications.push(a);

    // 5–6. 注销 of two 待注销 units: one accepted, one awaiting 受理.
    let zs: Vec<&Person> = persons
        .iter()
        .filter(|p| zombies.contains(&p.unit) && p.deregistered.is_none())
        .collect();
    for (i, p) in zs.iter().take(2).enumerate() {
        let Some((_, basis, into)) = &p.ending else {
            continue;
        };
        let reason = match into.and_then(|u| g.st.unit(u)) {
            Some(u) => format!("机构改革，并入{}", u.name),
            None => "机构编制部门撤销该单位".to_string(),
        };
        let submitted = working_days_before(&g.cal, today, if i == 0 { 9 } else { 2 });
        let proposal = Proposal::Deregister {
            reason,
            basis_doc: basis.clone(),
            liquidation_end: Some(plus(submitted, -10)),
        };
        let mut a = g.application(Some(p.reg), Some(p.unit), &p.name, proposal, None)?;
        g.act(&mut a, Actor::Unit, AppAction::Submit, submitted, "")?;
        if i == 0 {
            let accepted = g.cal.add_working_days(submitted, 1);
            g.act(&mut a, Actor::Office, AppAction::Accept, accepted, "")?;
        }
        g.applications.push(a);
    }
    debug_assert!(g
        .applications
        .iter()
        .any(|a| a.status == AppStatus::Supplement));
    Ok(())
}

fn activities(name: &str, year: i32) -> String {
    let what = if name.contains("学") {
        "围绕立德树人根本任务，完成年度教育教学工作，组织教研活动和学生综合素质评价"
    } else if name.contains("幼儿园") {
        "按照《幼儿园工作规程》开展保育教育工作，组织家园共育活动"
    } else if name.contains("医院") || name.contains("卫生") {
        "完成门诊、住院诊疗和基本公共卫生服务任务，开展家庭医生签约服务"
    } else if name.contains("综合服务中心") {
        "承担镇（街道）农业农村、社会事务、便民服务等公共服务和辅助性工作"
    } else {
        "按照宗旨和业务范围开展公益服务，完成主管部门交办的各项工作任务"
    };
    format!("{year}年度，本单位{what}，全年未发生违法违规行为。")
}

/// The annual reports of the last two complete years.
fn annual_reports(
    g: &mut Gen,
    persons: &[Person],
    zombies: &BTreeSet<UnitId>,
) -> Result<Vec<AnnualReport>, String> {
    let today = g.today;
    let last = today.year() - 1;
    let mut out = Vec::new();
    for year in [last - 1, last] {
        let end = ymd(year, 12, 31);
        let persons_then = g.register.as_of(end);
        // Units set up before the year ended and not ended by then.
        let mut due: Vec<&Person> = persons
            .iter()
            .filter(|p| {
                persons_then
                    .get(&p.reg)
                    .is_some_and(|lp| !lp.status.ended())
            })
            .collect();
        due.sort_by_key(|p| p.reg);
        // A couple of late filers in the year before last, warned.
        let late: BTreeSet<RegId> = if year == last - 1 {
            let mut cands: Vec<RegId> = due
                .iter()
                .filter(|p| p.ending.is_none())
                .map(|p| p.reg)
                .collect();
            g.rng.shuffle(&mut cands);
            cands.into_iter().take(2).collect()
        } else {
            BTreeSet::new()
        };
        for p in due {
            if zombies.contains(&p.unit) {
                // Abolished in the ledger, no staff, nobody files.
                continue;
            }
            let roll = g.rng.f64();
            let fate = if year < last {
                0
            } else if roll < 0.03 {
                3 // missing
            } else if roll < 0.07 {
                1 // sponsor review
            } else if roll < 0.10 {
                2 // returned
            } else {
                0
            };
            if fate == 3 {
                continue;
            }
            let lp = &persons_then[&p.reg];
            let staff = ties::staff_on_establishment(g.st, p.unit, year) as u32;
            let begin = Capital(lp.particulars.capital.0 * g.rng.range(90, 260) / 100);
            let end_assets = Capital(begin.0 * g.rng.range(92, 112) / 100);
            let changed = g.register.history(p.reg).iter().any(|(e, void)| {
                !void
                    && e.effective.year() == year
                    && matches!(e.event, RegisterEvent::Change { .. })
            });
            let licences = if lp.particulars.name.contains("医院") {
                format!("医疗机构执业许可证，有效期至{}年12月31日", year + 4)
            } else if lp.particulars.name.contains("学") || lp.particulars.name.contains("幼儿园")
            {
                format!("办学许可证，有效期至{}年8月31日", year + 3)
            } else {
                "无".to_string()
            };
            let sections = Sections {
                activities: activities(&lp.particulars.name, year),
                net_assets_begin: Some(begin),
                net_assets_end: Some(end_assets),
                staff: Some(staff),
                changes: if changed {
                    "本年度已按规定办理变更登记".into()
                } else {
                    "无".into()
                },
                licences,
                rewards: if g.rng.chance(0.15) {
                    format!("{year}年度获区级先进集体表彰")
                } else {
                    "无".into()
                },
                litigation: "无".into(),
                complaints: "无".into(),
                donations: "无".into(),
            };
            let mut r = AnnualReport::new(p.reg, year);
            let is_late = late.contains(&p.reg);
            let filed = if is_late {
                // Warned in April, filed in May.
                let warned =
                    working_on_or_after(&g.cal, ymd(year + 1, 4, g.rng.range(8, 20) as u32));
                if warned <= today {
                    let doc = format!("盐都事登罚〔{}〕{}号", year + 1, p.reg.0 % 50 + 1);
                    g.append(
                        doc,
                        warned,
                        RegisterEvent::Sanction {
                            reg: p.reg,
                            step: SanctionStep::Warning,
                            reason: format!("未按规定报送{year}年度报告，书面警告并通报举办单位"),
                        },
                    )?;
                }
                working_on_or_after(&g.cal, ymd(year + 1, 5, g.rng.range(6, 28) as u32))
            } else if fate == 1 {
                // Still with the 举办单位: submitted in late March.
                working_on_or_after(&g.cal, ymd(year + 1, 3, g.rng.range(20, 28) as u32))
            } else {
                let day = g.rng.range(0, 80);
                working_on_or_after(&g.cal, plus(ymd(year + 1, 1, 5), day))
            };
            let save_on = plus(filed, -g.rng.range(2, 10)).max(AnnualReport::opens(year));
            let submit_on = plus(filed, -g.rng.range(0, 2)).max(save_on);
            let publish_on = g.cal.add_working_days(filed, 2 + g.rng.below(8) as u32);
            let steps: Vec<(ReportActor, ReportAction, NaiveDate)> = match fate {
                1 => vec![
                    (ReportActor::Unit, ReportAction::Save { sections }, save_on),
                    (ReportActor::Unit, ReportAction::Submit, submit_on),
                ],
                2 => vec![
                    (ReportActor::Unit, ReportAction::Save { sections }, save_on),
                    (ReportActor::Unit, ReportAction::Submit, submit_on),
                    (ReportActor::Sponsor, ReportAction::SponsorApprove, filed),
                    (
                        ReportActor::Office,
                        ReportAction::Return {
                            reason: "资产负债表年末净资产与报告所填数额不一致，请核实后重新报送"
                                .into(),
                        },
                        publish_on,
                    ),
                ],
                _ => vec![
                    (ReportActor::Unit, ReportAction::Save { sections }, save_on),
                    (ReportActor::Unit, ReportAction::Submit, submit_on),
                    (ReportActor::Sponsor, ReportAction::SponsorApprove, filed),
                    (ReportActor::Office, ReportAction::Publish, publish_on),
                ],
            };
            for (actor, action, on) in steps {
                if on > today {
                    break;
                }
                let label = action.label();
                r.act(actor, action, on).map_err(|e| {
                    format!("{year}年度报告（第{}号法人）{label}被拒绝：{e}", p.reg.0)
                })?;
            }
            if !r.history.is_empty() {
                out.push(r);
            }
        }
    }
    Ok(out)
}
