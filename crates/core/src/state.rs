//! The ledger state machine: the current figures, the indices to find things,
//! and per-record histories for as-of queries. Matters are applied atomically
//! through a transaction with an undo log: a refused matter leaves the state
//! exactly as it was.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use compact_str::CompactString;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::catalog::{
    standard_funding_forms, standard_quota_types, ControlMode, FundingDef, PostKind, QuotaClass,
    QuotaTypeDef, UnitStatus,
};
use crate::ident::{parse_credit_code, parse_id_number};
use crate::ids::{
    BodyId, BridgeId, FundingId, GrantId, LoanId, PersonId, PlanLineId, QuotaTypeId, Seq, UnitId,
};
use crate::matter::{AccountRef, CatRef, Matter, NewUnit, Op, PersonRef, UnitRef};
use crate::model::{
    AccountKey, Bridge, BridgeSource, Counts, Grant, GrantKind, InternalBody, Loan, Person,
    PersonStatus, Placement, PlanLine, PoolAccount, PostAccount, PostHolding, PostKey,
    QuotaAccount, Staffing, Unit,
};
use crate::violation::{InputError, MatterError, Violation};

/// The jurisdiction (区划) whose 编办 keeps this ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Jurisdiction {
    /// GB/T 2260 code, e.g. `320903`.
    pub code: String,
    pub name: String,
}

/// A record's values by effective date.
pub type Timeline<T> = Vec<(NaiveDate, T)>;

/// A person's placements by effective date; most people have one or two
/// entries, kept inline (no allocation per person).
pub type PlacementTimeline = smallvec::SmallVec<[(NaiveDate, Placement); 2]>;

/// Histories for as-of queries: every change of a record, keyed by effective date
/// (the last change on a date wins).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct History {
    pub accounts: FxHashMap<AccountKey, Timeline<(Counts, bool)>>,
    pub posts: FxHashMap<PostKey, Timeline<(i32, i32)>>,
    pub units: Vec<Timeline<Unit>>,
    pub placements: Vec<PlacementTimeline>,
    #[serde(default)]
    pub pools: FxHashMap<QuotaTypeId, Timeline<PoolAccount>>,
    #[serde(default)]
    pub loans: Vec<Timeline<Loan>>,
    #[serde(default)]
    pub grants: Vec<Timeline<Grant>>,
    #[serde(default)]
    pub bridges: Vec<Timeline<Bridge>>,
    #[serde(default)]
    pub staffing: FxHashMap<UnitId, Timeline<Staffing>>,
}

/// A date-driven effect, applied when the ledger's clock passes its date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Effect {
    /// A 承兑 tranche is released (已核未下达 → 核定).
    Release { grant: GrantId, count: i32 },
    /// A 周转池 loan falls due: outstanding slots that are free return.
    LoanDue { loan: LoanId },
}

/// A change the ledger made by itself: a date-driven effect or a vacancy taken
/// by an instrument (过桥 written off, 动态 reclaimed, loan returned). Shown in
/// the unit's 台账 beside the matters.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AutoEvent {
    pub date: NaiveDate,
    pub unit: UnitId,
    /// 事项类型.
    pub kind: String,
    pub summary: String,
    /// 文号 of the instrument that caused it.
    pub doc: String,
    /// Signed change of 核定 / capacity.
    pub count: i32,
}

/// Placement quota type of 备案人员 (outside 编制).
pub const FILED_QTYPE: QuotaTypeId = QuotaTypeId(u16::MAX);
/// Placement funding form of 备案人员.
pub const FILED_FUNDING: FundingId = FundingId(u8::MAX);

/// The value in force at `date` in a date-ordered history.
pub fn value_at<T>(hist: &[(NaiveDate, T)], date: NaiveDate) -> Option<&T> {
    let i = hist.partition_point(|(d, _)| *d <= date);
    if i == 0 {
        None
    } else {
        Some(&hist[i - 1].1)
    }
}

/// The whole ledger state.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct State {
    pub jurisdiction: Jurisdiction,
    pub quota_types: Vec<QuotaTypeDef>,
    pub funding_forms: Vec<FundingDef>,
    pub units: Vec<Option<Unit>>,
    pub accounts: BTreeMap<AccountKey, QuotaAccount>,
    pub posts: BTreeMap<PostKey, PostAccount>,
    pub persons: Vec<Option<Person>>,
    pub plan_lines: Vec<Option<PlanLine>>,
    /// Highest internal-body id in use (ids are global).
    pub max_body: u32,
    /// Active units by full name.
    pub unit_by_name: FxHashMap<String, UnitId>,
    /// Every person ever recorded, by 公民身份号码.
    pub person_by_id_number: FxHashMap<CompactString, PersonId>,
    /// Every person ever placed in a unit (for as-of rosters).
    pub unit_people: FxHashMap<UnitId, Vec<PersonId>>,
    /// 周转池 per 编制类型.
    pub pools: BTreeMap<QuotaTypeId, PoolAccount>,
    pub loans: Vec<Option<Loan>>,
    pub grants: Vec<Option<Grant>>,
    pub bridges: Vec<Option<Bridge>>,
    /// 备案制 figures per unit.
    pub staffing: FxHashMap<UnitId, Staffing>,
    /// Date-driven effects not yet applied, by (date, order).
    pub schedule: BTreeMap<(NaiveDate, u64), Effect>,
    pub schedule_next: u64,
    /// Changes the ledger made by itself, in the order made.
    #[serde(default)]
    pub auto_events: Vec<AutoEvent>,
    pub history: History,
    /// Highest sequence number applied.
    pub last_seq: Seq,
    /// Latest effective date applied.
    pub max_effective: Option<NaiveDate>,
    /// Number of matters applied and of operations applied.
    pub matters_applied: u64,
    pub ops_applied: u64,
}

#[derive(Debug)]
enum Undo {
    Unit(UnitId, Option<Box<Unit>>),
    Account(AccountKey, Option<QuotaAccount>),
    Post(PostKey, Option<PostAccount>),
    Person(PersonId, Option<Box<Person>>),
    Plan(PlanLineId, Option<PlanLine>),
    QuotaTypes(usize),
    UnitName(String, Option<UnitId>),
    PersonIndex(CompactString, Option<PersonId>),
    UnitPeoplePush(UnitId),
    MaxBody(u32),
    Pool(QuotaTypeId, Option<PoolAccount>),
    Loan(LoanId, Option<Box<Loan>>),
    Grant(GrantId, Option<Box<Grant>>),
    Bridge(BridgeId, Option<Box<Bridge>>),
    Staffing(UnitId, Option<Staffing>),
    ScheduleAdd((NaiveDate, u64), u64),
    ScheduleRemove((NaiveDate, u64), Effect),
    AutoEvents(usize),
}

/// A history entry captured with its values at a date.
#[derive(Debug)]
enum HistEntry {
    Account(AccountKey, (Counts, bool)),
    Post(PostKey, (i32, i32)),
    Unit(Box<Unit>),
    Placement(PersonId, Placement),
    Pool(QuotaTypeId, PoolAccount),
    Loan(Box<Loan>),
    Grant(Box<Grant>),
    Bridge(Box<Bridge>),
    Staffing(UnitId, Staffing),
}

fn set_slot<T>(v: &mut Vec<Option<T>>, i: usize, value: Option<T>) {
    if i >= v.len() {
        v.resize_with(i + 1, || None);
    }
    v[i] = value;
    while matches!(v.last(), Some(None)) {
        v.pop();
    }
}

impl State {
    /// An empty ledger for a jurisdiction, with the standard catalogues.
    pub fn new(code: &str, name: &str) -> State {
        State {
            jurisdiction: Jurisdiction {
                code: code.into(),
                name: name.into(),
            },
            quota_types: standard_quota_types(),
            funding_forms: standard_funding_forms(),
            units: Vec::new(),
            accounts: BTreeMap::new(),
            posts: BTreeMap::new(),
            persons: Vec::new(),
            plan_lines: Vec::new(),
            max_body: 0,
            unit_by_name: FxHashMap::default(),
            person_by_id_number: FxHashMap::default(),
            unit_people: FxHashMap::default(),
            pools: BTreeMap::new(),
            loans: Vec::new(),
            grants: Vec::new(),
            bridges: Vec::new(),
            staffing: FxHashMap::default(),
            schedule: BTreeMap::new(),
            schedule_next: 0,
            auto_events: Vec::new(),
            history: History::default(),
            last_seq: 0,
            max_effective: None,
            matters_applied: 0,
            ops_applied: 0,
        }
    }

    pub fn unit(&self, id: UnitId) -> Option<&Unit> {
        self.units.get(id.index()).and_then(|u| u.as_ref())
    }
    pub fn person(&self, id: PersonId) -> Option<&Person> {
        self.persons.get(id.index()).and_then(|p| p.as_ref())
    }
    pub fn plan_line(&self, id: PlanLineId) -> Option<&PlanLine> {
        self.plan_lines.get(id.index()).and_then(|p| p.as_ref())
    }
    pub fn loan(&self, id: LoanId) -> Option<&Loan> {
        self.loans.get(id.index()).and_then(|x| x.as_ref())
    }
    pub fn grant(&self, id: GrantId) -> Option<&Grant> {
        self.grants.get(id.index()).and_then(|x| x.as_ref())
    }
    pub fn bridge(&self, id: BridgeId) -> Option<&Bridge> {
        self.bridges.get(id.index()).and_then(|x| x.as_ref())
    }
    pub fn quota_type(&self, id: QuotaTypeId) -> Option<&QuotaTypeDef> {
        self.quota_types.get(id.index())
    }
    pub fn funding_form(&self, id: FundingId) -> Option<&FundingDef> {
        self.funding_forms.get(id.index())
    }
    pub fn unit_name(&self, id: UnitId) -> String {
        self.unit(id)
            .map(|u| u.name.clone())
            .unwrap_or_else(|| format!("机构#{id}"))
    }
    pub fn qtype_name(&self, id: QuotaTypeId) -> String {
        self.quota_type(id)
            .map(|q| q.name.clone())
            .unwrap_or_else(|| format!("编制类型#{id}"))
    }
    /// "事业编制(全额拨款)".
    pub fn account_label(&self, key: &AccountKey) -> String {
        if key.qtype == FILED_QTYPE {
            return "备案人员(编外)".into();
        }
        let f = self
            .funding_form(key.funding)
            .map(|f| f.name.as_str())
            .unwrap_or("?");
        format!("{}({})", self.qtype_name(key.qtype), f)
    }
    pub fn post_label(&self, key: &PostKey) -> String {
        match key.body {
            None => key.kind.label().to_string(),
            Some(b) => {
                let body = self
                    .unit(key.unit)
                    .and_then(|u| u.body(b))
                    .map(|b| b.name.clone())
                    .unwrap_or_else(|| format!("内设机构#{b}"));
                format!("{body}{}", key.kind.label())
            }
        }
    }
    /// Accounts of one unit, in key order.
    pub fn unit_accounts(&self, unit: UnitId) -> impl Iterator<Item = &QuotaAccount> {
        let lo = AccountKey {
            unit,
            qtype: QuotaTypeId(0),
            funding: FundingId(0),
        };
        let hi = AccountKey {
            unit,
            qtype: QuotaTypeId(u16::MAX),
            funding: FundingId(u8::MAX),
        };
        self.accounts.range(lo..=hi).map(|(_, a)| a)
    }
    /// Leadership-post accounts of one unit.
    pub fn unit_posts(&self, unit: UnitId) -> impl Iterator<Item = &PostAccount> {
        self.posts
            .range(
                PostKey {
                    unit,
                    body: None,
                    kind: PostKind::UnitChief,
                }..,
            )
            .take_while(move |(k, _)| k.unit == unit)
            .map(|(_, p)| p)
    }
    /// Ids of the people currently enrolled (在编 or 已批未报到) in a unit.
    pub fn roster(&self, unit: UnitId) -> Vec<PersonId> {
        self.unit_people
            .get(&unit)
            .map(|ids| {
                let mut v: Vec<PersonId> = ids
                    .iter()
                    .copied()
                    .filter(|p| {
                        self.person(*p)
                            .is_some_and(|p| p.placement.unit == unit && p.placement.is_enrolled())
                    })
                    .collect();
                v.sort_unstable();
                v.dedup();
                v
            })
            .unwrap_or_default()
    }
    /// Direct children of a unit (or top-level units for `None`).
    pub fn children(&self, parent: Option<UnitId>) -> Vec<UnitId> {
        self.units
            .iter()
            .flatten()
            .filter(|u| u.parent == parent)
            .map(|u| u.id)
            .collect()
    }

    /// Applies the scheduled effects dated on or before `date` (used to look at
    /// a date beyond the latest matter; matters advance the clock themselves).
    pub fn advance_clock(&mut self, date: NaiveDate) {
        if self.schedule.keys().next().is_none_or(|(d, _)| *d > date) {
            return;
        }
        let mut tx = Tx {
            st: self,
            logging: true,
            undo: Vec::new(),
            t_accounts: Vec::new(),
            t_posts: Vec::new(),
            t_units: Vec::new(),
            t_persons: Vec::new(),
            t_pools: Vec::new(),
            t_loans: Vec::new(),
            t_grants: Vec::new(),
            t_bridges: Vec::new(),
            t_staffing: Vec::new(),
            captured: Vec::new(),
            effective: date,
            doc: CompactString::default(),
            warnings: Vec::new(),
        };
        tx.advance(date);
        let st = tx.st;
        for (d, e) in tx.captured {
            st.push_entry(d, e);
        }
    }

    fn push_entry(&mut self, date: NaiveDate, e: HistEntry) {
        fn slot<V: Default>(v: &mut Vec<V>, i: usize) -> &mut V {
            if v.len() <= i {
                v.resize_with(i + 1, V::default);
            }
            &mut v[i]
        }
        let h = &mut self.history;
        match e {
            HistEntry::Account(k, v) => push_hist(h.accounts.entry(k).or_default(), date, v),
            HistEntry::Post(k, v) => push_hist(h.posts.entry(k).or_default(), date, v),
            HistEntry::Unit(u) => push_hist(slot(&mut h.units, u.id.index()), date, *u),
            HistEntry::Placement(id, p) => {
                let t = slot(&mut h.placements, id.index());
                match t.last_mut() {
                    Some((ld, lv)) if *ld == date => *lv = p,
                    _ => t.push((date, p)),
                }
            }
            HistEntry::Pool(q, p) => push_hist(h.pools.entry(q).or_default(), date, p),
            HistEntry::Loan(l) => push_hist(slot(&mut h.loans, l.id.index()), date, *l),
            HistEntry::Grant(g) => push_hist(slot(&mut h.grants, g.id.index()), date, *g),
            HistEntry::Bridge(b) => push_hist(slot(&mut h.bridges, b.id.index()), date, *b),
            HistEntry::Staffing(u, v) => push_hist(h.staffing.entry(u).or_default(), date, v),
        }
    }

    /// Makes room for `n` more people (the person table, its index and the
    /// placement histories), so a replay does not grow them step by step.
    pub fn reserve_people(&mut self, n: usize) {
        self.persons.reserve(n);
        self.person_by_id_number.reserve(n);
        self.history.placements.reserve(n);
    }

    /// Next ids to allocate when recording a matter.
    pub fn next_unit_id(&self) -> UnitId {
        UnitId(self.units.len() as u32)
    }
    pub fn next_person_id(&self) -> PersonId {
        PersonId(self.persons.len() as u32)
    }
    pub fn next_plan_line_id(&self) -> PlanLineId {
        PlanLineId(self.plan_lines.len() as u32)
    }
    pub fn next_body_id(&self) -> BodyId {
        BodyId(self.max_body + 1)
    }

    /// Applies one matter atomically. Matters must come in non-decreasing
    /// effective-date order (the [`crate::Ledger`] replays for backdated ones).
    /// On refusal the state is unchanged.
    pub fn apply(&mut self, seq: Seq, matter: &Matter) -> Result<Vec<String>, MatterError> {
        self.apply_with(seq, matter, true)
    }

    /// Applies one matter with every check of [`State::apply`] but without
    /// the undo log: on refusal the error is the same, but the state is left
    /// **half-changed** and must be dropped. For replays into a state that is
    /// discarded on the first refusal (a journal that no longer applies is
    /// still detected, matter and rule named); saves copying the old value of
    /// every record a matter touches.
    pub fn apply_unlogged(
        &mut self,
        seq: Seq,
        matter: &Matter,
    ) -> Result<Vec<String>, MatterError> {
        self.apply_with(seq, matter, false)
    }

    fn apply_with(
        &mut self,
        seq: Seq,
        matter: &Matter,
        logging: bool,
    ) -> Result<Vec<String>, MatterError> {
        if matter.ops.is_empty() {
            return Err(MatterError::Empty);
        }
        if let Some(max) = self.max_effective {
            if matter.effective < max {
                return Err(MatterError::OutOfOrder {
                    effective: matter.effective,
                    latest: max,
                });
            }
        }
        let mut tx = Tx {
            st: self,
            logging,
            undo: Vec::new(),
            t_accounts: Vec::new(),
            t_posts: Vec::new(),
            t_units: Vec::new(),
            t_persons: Vec::new(),
            t_pools: Vec::new(),
            t_loans: Vec::new(),
            t_grants: Vec::new(),
            t_bridges: Vec::new(),
            t_staffing: Vec::new(),
            captured: Vec::new(),
            effective: matter.effective,
            doc: compact_str::ToCompactString::to_compact_string(&matter.doc),
            warnings: Vec::new(),
        };
        tx.advance(matter.effective);
        for (i, op) in matter.ops.iter().enumerate() {
            if let Err(violation) = tx.op(op) {
                tx.rollback();
                return Err(MatterError::Op {
                    op: i + 1,
                    label: op.label(),
                    violation,
                });
            }
        }
        if let Err(v) = tx.final_checks() {
            tx.rollback();
            return Err(MatterError::Final(v));
        }
        let warnings = std::mem::take(&mut tx.warnings);
        tx.commit(seq, matter.ops.len());
        Ok(warnings)
    }
}

/// Undo-logged access to the instrument records kept in `Vec<Option<T>>` slots
/// (loans, grants, bridges): `$get` for a change, `$put` for a new record.
macro_rules! instrument_accessors {
    ($get:ident, $put:ident, $field:ident, $touched:ident, $Id:ident, $T:ident, $what:literal) => {
        fn $get(&mut self, id: $Id) -> R<&mut $T> {
            let Some(old) = self.st.$field.get(id.index()).and_then(|x| x.as_ref()) else {
                return Err(Violation::Internal(concat!($what, "不存在")));
            };
            if self.logging {
                let old = Box::new(old.clone());
                self.undo.push(Undo::$T(id, Some(old)));
            }
            self.$touched.push(id);
            Ok(self.st.$field[id.index()].as_mut().expect("checked"))
        }

        fn $put(&mut self, x: $T) -> R {
            let id = x.id;
            if self.st.$field.get(id.index()).is_some_and(|x| x.is_some()) {
                return Err(InputError::IdTaken {
                    what: $what,
                    id: id.0,
                }
                .into());
            }
            self.log(Undo::$T(id, None));
            self.$touched.push(id);
            set_slot(&mut self.st.$field, id.index(), Some(x));
            Ok(())
        }
    };
}

struct Tx<'s> {
    st: &'s mut State,
    /// Whether changes are undo-logged (a refused matter is rolled back);
    /// off only for replays whose state is dropped on the first refusal.
    logging: bool,
    undo: Vec<Undo>,
    t_accounts: Vec<AccountKey>,
    t_posts: Vec<PostKey>,
    t_units: Vec<UnitId>,
    t_persons: Vec<PersonId>,
    t_pools: Vec<QuotaTypeId>,
    t_loans: Vec<LoanId>,
    t_grants: Vec<GrantId>,
    t_bridges: Vec<BridgeId>,
    t_staffing: Vec<UnitId>,
    captured: Vec<(NaiveDate, HistEntry)>,
    effective: NaiveDate,
    doc: CompactString,
    warnings: Vec<String>,
}

type R<T = ()> = Result<T, Violation>;

impl Tx<'_> {
    // ---------- undo-logged primitives ----------

    /// Records how to undo a change (nothing when the transaction is not
    /// logged, see [`State::apply_unlogged`]).
    fn log(&mut self, u: Undo) {
        if self.logging {
            self.undo.push(u);
        }
    }

    /// As [`Tx::log`], building the record (which may allocate) only if logged.
    fn log_with(&mut self, u: impl FnOnce() -> Undo) {
        if self.logging {
            self.undo.push(u());
        }
    }

    fn rollback(mut self) {
        while let Some(u) = self.undo.pop() {
            let st = &mut *self.st;
            match u {
                Undo::Unit(id, v) => set_slot(&mut st.units, id.index(), v.map(|b| *b)),
                Undo::Person(id, v) => set_slot(&mut st.persons, id.index(), v.map(|b| *b)),
                Undo::Plan(id, v) => set_slot(&mut st.plan_lines, id.index(), v),
                Undo::Account(k, v) => match v {
                    Some(a) => {
                        st.accounts.insert(k, a);
                    }
                    None => {
                        st.accounts.remove(&k);
                    }
                },
                Undo::Post(k, v) => match v {
                    Some(a) => {
                        st.posts.insert(k, a);
                    }
                    None => {
                        st.posts.remove(&k);
                    }
                },
                Undo::QuotaTypes(n) => st.quota_types.truncate(n),
                Undo::UnitName(name, v) => match v {
                    Some(id) => {
                        st.unit_by_name.insert(name, id);
                    }
                    None => {
                        st.unit_by_name.remove(&name);
                    }
                },
                Undo::PersonIndex(idn, v) => match v {
                    Some(id) => {
                        st.person_by_id_number.insert(idn, id);
                    }
                    None => {
                        st.person_by_id_number.remove(&idn);
                    }
                },
                Undo::UnitPeoplePush(u) => {
                    if let Some(v) = st.unit_people.get_mut(&u) {
                        v.pop();
                        if v.is_empty() {
                            st.unit_people.remove(&u);
                        }
                    }
                }
                Undo::MaxBody(m) => st.max_body = m,
                Undo::Pool(q, v) => match v {
                    Some(p) => {
                        st.pools.insert(q, p);
                    }
                    None => {
                        st.pools.remove(&q);
                    }
                },
                Undo::Loan(id, v) => set_slot(&mut st.loans, id.index(), v.map(|b| *b)),
                Undo::Grant(id, v) => set_slot(&mut st.grants, id.index(), v.map(|b| *b)),
                Undo::Bridge(id, v) => set_slot(&mut st.bridges, id.index(), v.map(|b| *b)),
                Undo::Staffing(u, v) => match v {
                    Some(x) => {
                        st.staffing.insert(u, x);
                    }
                    None => {
                        st.staffing.remove(&u);
                    }
                },
                Undo::ScheduleAdd(k, next) => {
                    st.schedule.remove(&k);
                    st.schedule_next = next;
                }
                Undo::ScheduleRemove(k, e) => {
                    st.schedule.insert(k, e);
                }
                Undo::AutoEvents(n) => st.auto_events.truncate(n),
            }
        }
    }

    /// Turns the records touched so far into history entries dated `date`,
    /// with their values now.
    fn capture(&mut self, date: NaiveDate) {
        fn drain<T: Ord>(v: &mut Vec<T>) -> Vec<T> {
            let mut v = std::mem::take(v);
            v.sort_unstable();
            v.dedup();
            v
        }
        let st = &*self.st;
        let mut out: Vec<HistEntry> = Vec::new();
        for k in drain(&mut self.t_accounts) {
            let v = st
                .accounts
                .get(&k)
                .map(|a| (a.counts, a.digesting))
                .unwrap_or_default();
            out.push(HistEntry::Account(k, v));
        }
        for k in drain(&mut self.t_posts) {
            let v = st
                .posts
                .get(&k)
                .map(|p| (p.approved, p.filled()))
                .unwrap_or_default();
            out.push(HistEntry::Post(k, v));
        }
        for id in drain(&mut self.t_units) {
            if let Some(u) = st.unit(id) {
                out.push(HistEntry::Unit(Box::new(u.clone())));
            }
        }
        for id in drain(&mut self.t_persons) {
            if let Some(p) = st.person(id) {
                out.push(HistEntry::Placement(id, p.placement));
            }
        }
        for q in drain(&mut self.t_pools) {
            out.push(HistEntry::Pool(
                q,
                st.pools.get(&q).copied().unwrap_or_default(),
            ));
        }
        for id in drain(&mut self.t_loans) {
            if let Some(l) = st.loan(id) {
                out.push(HistEntry::Loan(Box::new(l.clone())));
            }
        }
        for id in drain(&mut self.t_grants) {
            if let Some(g) = st.grant(id) {
                out.push(HistEntry::Grant(Box::new(g.clone())));
            }
        }
        for id in drain(&mut self.t_bridges) {
            if let Some(b) = st.bridge(id) {
                out.push(HistEntry::Bridge(Box::new(b.clone())));
            }
        }
        for u in drain(&mut self.t_staffing) {
            out.push(HistEntry::Staffing(
                u,
                st.staffing.get(&u).copied().unwrap_or_default(),
            ));
        }
        self.captured.extend(out.into_iter().map(|e| (date, e)));
    }

    fn commit(mut self, seq: Seq, ops: usize) {
        let d = self.effective;
        self.capture(d);
        let st = self.st;
        for (date, e) in self.captured {
            st.push_entry(date, e);
        }
        st.last_seq = st.last_seq.max(seq);
        st.max_effective = Some(st.max_effective.map_or(d, |m| m.max(d)));
        st.matters_applied += 1;
        st.ops_applied += ops as u64;
    }

    fn unit_mut(&mut self, id: UnitId) -> R<&mut Unit> {
        let Some(old) = self.st.unit(id) else {
            return Err(Violation::UnknownUnit(format!("#{id}")));
        };
        if self.logging {
            let old = Box::new(old.clone());
            self.undo.push(Undo::Unit(id, Some(old)));
        }
        self.t_units.push(id);
        Ok(self.st.units[id.index()].as_mut().expect("checked"))
    }

    fn put_unit(&mut self, unit: Unit) {
        let id = unit.id;
        self.log(Undo::Unit(id, None));
        self.t_units.push(id);
        set_slot(&mut self.st.units, id.index(), Some(unit));
    }

    fn account_mut(&mut self, key: AccountKey) -> &mut QuotaAccount {
        let old = self.st.accounts.get(&key).copied();
        self.log(Undo::Account(key, old));
        self.t_accounts.push(key);
        self.st.accounts.entry(key).or_insert(QuotaAccount {
            key,
            counts: Counts::default(),
            digesting: false,
        })
    }

    fn pool_mut(&mut self, q: QuotaTypeId) -> &mut PoolAccount {
        let old = self.st.pools.get(&q).copied();
        self.log(Undo::Pool(q, old));
        self.t_pools.push(q);
        self.st.pools.entry(q).or_default()
    }

    instrument_accessors!(
        loan_mut,
        put_loan,
        loans,
        t_loans,
        LoanId,
        Loan,
        "周转编制借用"
    );
    instrument_accessors!(
        grant_mut,
        put_grant,
        grants,
        t_grants,
        GrantId,
        Grant,
        "编制批复"
    );
    instrument_accessors!(
        bridge_mut,
        put_bridge,
        bridges,
        t_bridges,
        BridgeId,
        Bridge,
        "过桥编制"
    );

    fn staffing_mut(&mut self, u: UnitId) -> &mut Staffing {
        let old = self.st.staffing.get(&u).copied();
        self.log(Undo::Staffing(u, old));
        self.t_staffing.push(u);
        self.st.staffing.entry(u).or_default()
    }

    fn schedule(&mut self, date: NaiveDate, e: Effect) {
        let k = (date, self.st.schedule_next);
        self.log(Undo::ScheduleAdd(k, self.st.schedule_next));
        self.st.schedule_next += 1;
        self.st.schedule.insert(k, e);
    }

    /// Moves the clock to `date`: applies every scheduled effect dated on or
    /// before it, each recorded in the histories at its own date.
    fn advance(&mut self, date: NaiveDate) {
        while let Some((&k, &e)) = self.st.schedule.iter().next() {
            if k.0 > date {
                break;
            }
            self.st.schedule.remove(&k);
            self.log(Undo::ScheduleRemove(k, e));
            match e {
                Effect::Release { grant, count } => {
                    let (key, doc) = match self.grant_mut(grant) {
                        Ok(g) => {
                            if let GrantKind::Phased { released, .. } = &mut g.kind {
                                *released += count;
                            }
                            (g.key, g.doc.clone())
                        }
                        Err(_) => continue,
                    };
                    let a = self.account_mut(key);
                    a.counts.approved += count;
                    a.counts.unreleased -= count;
                    let label = self.st.account_label(&key);
                    self.auto_event(
                        k.0,
                        key.unit,
                        "承兑下达",
                        format!("承兑编制按期下达 {label} {count} 名"),
                        doc,
                        count,
                    );
                }
                Effect::LoanDue { loan } => {
                    let Some(l) = self.st.loan(loan).cloned() else {
                        continue;
                    };
                    let free = self.counts(&l.key).available().max(0);
                    let n = l.outstanding().min(free);
                    if n > 0 {
                        self.return_loan_slots(loan, n);
                        let label = self.st.account_label(&l.key);
                        self.auto_event(
                            k.0,
                            l.key.unit,
                            "到期收回",
                            format!("周转编制借用到期，收回 {label} {n} 名"),
                            l.doc.clone(),
                            -n,
                        );
                    } else {
                        // Nothing returned: still record the date it fell due.
                        self.t_loans.push(loan);
                    }
                    if l.outstanding() > n {
                        self.auto_event(
                            k.0,
                            l.key.unit,
                            "到期未还",
                            format!(
                                "周转编制借用到期，{} 名仍在使用，逾期待减员收回",
                                l.outstanding() - n
                            ),
                            l.doc.clone(),
                            0,
                        );
                    }
                }
            }
            self.capture(k.0);
        }
    }

    /// Returns `n` slots of a loan to the pool (no checks).
    fn return_loan_slots(&mut self, loan: LoanId, n: i32) {
        let key = {
            let l = self.loan_mut(loan).expect("exists");
            l.returned += n;
            l.key
        };
        self.account_mut(key).counts.borrowed -= n;
        let p = self.pool_mut(key.qtype);
        p.lent -= n;
        p.balance += n;
    }

    /// A slot freed in `key` (a departure). The vacancy first writes off a 过桥
    /// slot, else reclaims a 动态 slot, else returns a due or attrition-bound loan.
    /// Only a real vacancy (可用空编 ≥ 1 after the departure) is used.
    fn on_vacancy(&mut self, key: AccountKey, natural: bool, transfer_out: bool) {
        if self.counts(&key).available() < 1 {
            return;
        }
        let eff = self.effective;
        if natural {
            let bridge = self
                .st
                .bridges
                .iter()
                .flatten()
                .find(|b| b.key == key && b.written_off.is_none())
                .map(|b| (b.id, b.source));
            if let Some((id, source)) = bridge {
                let doc = self
                    .st
                    .bridge(id)
                    .map(|b| b.doc.clone())
                    .unwrap_or_default();
                let to = match source {
                    BridgeSource::Sender(k) => self.st.unit_name(k.unit),
                    BridgeSource::Pool => "周转池".into(),
                };
                self.auto_event(
                    eff,
                    key.unit,
                    "过桥消化",
                    format!("自然减员出现空编，消化过桥编制 1 名，归还{to}"),
                    doc,
                    -1,
                );
                self.bridge_mut(id).expect("exists").written_off = Some(eff);
                self.account_mut(key).counts.bridged -= 1;
                match source {
                    BridgeSource::Sender(k) => self.account_mut(k).counts.approved += 1,
                    BridgeSource::Pool => {
                        let p = self.pool_mut(key.qtype);
                        p.bridged -= 1;
                        p.balance += 1;
                    }
                }
                return;
            }
        }
        let dynamic = self
            .st
            .grants
            .iter()
            .flatten()
            .find(|g| {
                g.key == key
                    && g.outstanding() > 0
                    && matches!(g.kind, GrantKind::Dynamic { include_transfer_out, .. }
                        if natural || (transfer_out && include_transfer_out))
            })
            .map(|g| g.id);
        if let Some(id) = dynamic {
            let doc = self.st.grant(id).map(|g| g.doc.clone()).unwrap_or_default();
            self.auto_event(
                eff,
                key.unit,
                "动态收回",
                "退一收一：收回动态编制 1 名，纳入周转池".into(),
                doc,
                -1,
            );
            if let GrantKind::Dynamic { reclaimed, .. } =
                &mut self.grant_mut(id).expect("exists").kind
            {
                *reclaimed += 1;
            }
            self.account_mut(key).counts.approved -= 1;
            self.pool_mut(key.qtype).balance += 1;
            return;
        }
        if natural {
            let loan = self
                .st
                .loans
                .iter()
                .flatten()
                .find(|l| l.key == key && l.outstanding() > 0 && (l.on_attrition || l.overdue(eff)))
                .map(|l| l.id);
            if let Some(id) = loan {
                let doc = self.st.loan(id).map(|l| l.doc.clone()).unwrap_or_default();
                self.auto_event(
                    eff,
                    key.unit,
                    "减员收回",
                    "自然减员，收回周转编制 1 名".into(),
                    doc,
                    -1,
                );
                self.return_loan_slots(id, 1);
            }
        }
    }

    fn auto_event(
        &mut self,
        date: NaiveDate,
        unit: UnitId,
        kind: &str,
        summary: String,
        doc: String,
        count: i32,
    ) {
        self.log(Undo::AutoEvents(self.st.auto_events.len()));
        self.st.auto_events.push(AutoEvent {
            date,
            unit,
            kind: kind.to_string(),
            summary,
            doc,
            count,
        });
    }

    /// Seats a person in an account as 在编 from this matter's date and 文号
    /// (调动, 过桥调动, 定向入编): the placement, the unit's people and 实有.
    fn seat(&mut self, id: PersonId, key: AccountKey, body: Option<BodyId>) -> R {
        let eff = self.effective;
        let doc = self.doc.clone();
        let p = self.person_mut(id)?;
        p.placement = Placement {
            unit: key.unit,
            body,
            qtype: key.qtype,
            funding: key.funding,
            status: PersonStatus::Active,
        };
        p.enrolled_on = eff;
        p.enrol_doc = doc;
        self.place_in_unit(key.unit, id);
        self.account_mut(key).counts.actual += 1;
        Ok(())
    }

    fn pool_short(&self, q: QuotaTypeId, requested: i32) -> R {
        let balance = self.st.pools.get(&q).map_or(0, |p| p.balance);
        if balance < requested {
            return Err(Violation::PoolShort {
                qtype: self.st.qtype_name(q),
                balance,
                requested,
            });
        }
        Ok(())
    }

    fn counts(&self, key: &AccountKey) -> Counts {
        self.st
            .accounts
            .get(key)
            .map(|a| a.counts)
            .unwrap_or_default()
    }

    fn post_mut(&mut self, key: PostKey) -> &mut PostAccount {
        if self.logging {
            let old = self.st.posts.get(&key).cloned();
            self.undo.push(Undo::Post(key, old));
        }
        self.t_posts.push(key);
        self.st.posts.entry(key).or_insert(PostAccount {
            key,
            approved: 0,
            holders: Vec::new(),
        })
    }

    fn person_mut(&mut self, id: PersonId) -> R<&mut Person> {
        let Some(old) = self.st.person(id) else {
            return Err(Violation::UnknownPerson(format!("#{id}")));
        };
        if self.logging {
            let old = Box::new(old.clone());
            self.undo.push(Undo::Person(id, Some(old)));
        }
        self.t_persons.push(id);
        Ok(self.st.persons[id.index()].as_mut().expect("checked"))
    }

    fn put_person(&mut self, p: Person) {
        let id = p.id;
        if self.logging {
            let old = self.st.person(id).cloned().map(Box::new);
            self.undo.push(Undo::Person(id, old));
        }
        self.t_persons.push(id);
        set_slot(&mut self.st.persons, id.index(), Some(p));
    }

    fn plan_mut(&mut self, id: PlanLineId) -> R<&mut PlanLine> {
        let Some(old) = self.st.plan_line(id) else {
            return Err(Violation::UnknownPlanLine(id.0));
        };
        if self.logging {
            let old = old.clone();
            self.undo.push(Undo::Plan(id, Some(old)));
        }
        Ok(self.st.plan_lines[id.index()].as_mut().expect("checked"))
    }

    fn set_unit_name(&mut self, name: &str, id: Option<UnitId>) {
        let old = self.st.unit_by_name.get(name).copied();
        self.log_with(|| Undo::UnitName(name.to_string(), old));
        match id {
            Some(id) => self.st.unit_by_name.insert(name.to_string(), id),
            None => self.st.unit_by_name.remove(name),
        };
    }

    fn index_person(&mut self, idn: &str, id: PersonId) {
        let old = self.st.person_by_id_number.get(idn).copied();
        if old == Some(id) {
            return;
        }
        self.log_with(|| Undo::PersonIndex(idn.into(), old));
        self.st
            .person_by_id_number
            .insert(CompactString::from(idn), id);
    }

    fn unindex_person(&mut self, idn: &str) {
        let old = self.st.person_by_id_number.remove(idn);
        self.log_with(|| Undo::PersonIndex(idn.into(), old));
    }

    fn place_in_unit(&mut self, unit: UnitId, person: PersonId) {
        let v = self.st.unit_people.entry(unit).or_default();
        if v.last() == Some(&person) {
            return;
        }
        v.push(person);
        self.log(Undo::UnitPeoplePush(unit));
    }

    // ---------- lookups ----------

    fn unit_id(&self, r: &UnitRef) -> R<UnitId> {
        match r {
            UnitRef::Id(id) => self
                .st
                .unit(*id)
                .map(|u| u.id)
                .ok_or_else(|| Violation::UnknownUnit(format!("#{id}"))),
            UnitRef::Name(n) => self
                .st
                .unit_by_name
                .get(n.trim())
                .copied()
                .ok_or_else(|| Violation::UnknownUnit(n.clone())),
        }
    }

    fn active_unit(&self, r: &UnitRef) -> R<UnitId> {
        let id = self.unit_id(r)?;
        let u = self.st.unit(id).expect("resolved");
        if !u.is_active() {
            return Err(Violation::UnitAbolished {
                name: u.name.clone(),
                on: u.abolished_on.unwrap_or(self.effective),
            });
        }
        Ok(id)
    }

    fn qtype(&self, r: &CatRef) -> R<QuotaTypeId> {
        resolve_qtype(self.st, r)
    }

    fn funding(&self, r: &CatRef) -> R<FundingId> {
        resolve_funding(self.st, r)
    }

    fn account_key(&self, a: &AccountRef) -> R<AccountKey> {
        Ok(AccountKey {
            unit: self.active_unit(&a.unit)?,
            qtype: self.qtype(&a.qtype)?,
            funding: self.funding(&a.funding)?,
        })
    }

    fn person_id(&self, r: &PersonRef) -> R<PersonId> {
        match r {
            PersonRef::Id(id) => self
                .st
                .person(*id)
                .map(|p| p.id)
                .ok_or_else(|| Violation::UnknownPerson(format!("#{id}"))),
            PersonRef::IdNumber(s) => {
                let norm = parse_id_number(s)
                    .map(|i| i.as_str().to_string())
                    .unwrap_or_else(|_| s.trim().to_uppercase());
                self.st
                    .person_by_id_number
                    .get(norm.as_str())
                    .copied()
                    .ok_or_else(|| Violation::UnknownPerson(mask(&norm)))
            }
        }
    }

    fn label(&self, key: &AccountKey) -> (String, String) {
        (self.st.unit_name(key.unit), self.st.account_label(key))
    }

    fn check_body(&self, unit: UnitId, body: Option<BodyId>) -> R {
        if let Some(b) = body {
            let u = self.st.unit(unit).expect("resolved");
            if u.body(b).is_none_or(|b| b.abolished) {
                return Err(Violation::UnknownBody {
                    unit: u.name.clone(),
                    body: b.0,
                });
            }
        }
        Ok(())
    }

    fn person_state_err(&self, id: PersonId, action: &'static str) -> Violation {
        let p = self.st.person(id).expect("resolved");
        Violation::PersonState {
            name: p.details.name.clone(),
            id: p.details.id_number.mask(),
            status: p.placement.status.label(),
            action,
        }
    }

    // ---------- rules shared by several operations ----------

    /// The gate for taking a slot (入编, 调入, 登记): 可用空编 ≥ 1, not 超编消化.
    /// In 仅预警 mode a shortfall becomes a recorded warning and the account enters
    /// 超编消化.
    fn take_slot(&mut self, key: AccountKey, action: &'static str, allow_over: bool) -> R {
        let acct = self.st.accounts.get(&key).copied();
        let counts = acct.map(|a| a.counts).unwrap_or_default();
        let digesting = acct.is_some_and(|a| a.digesting);
        if counts.available() >= 1 && !digesting {
            return Ok(());
        }
        let (unit, account) = self.label(&key);
        let v = if digesting {
            Violation::Digesting {
                unit,
                account,
                over: counts.over().max(-counts.available()),
            }
        } else {
            Violation::NoVacancy {
                unit,
                account,
                available: counts.available(),
                requested: 1,
                action,
            }
        };
        let warn_only = self.st.unit(key.unit).expect("resolved").control == ControlMode::WarnOnly;
        if allow_over || warn_only {
            if warn_only {
                self.warnings
                    .push(format!("{v}（该单位为仅预警模式，已记录）"));
            } else {
                self.warnings.push(format!("{v}（按超编消化登记）"));
            }
            self.account_mut(key).digesting = true;
            Ok(())
        } else {
            Err(v)
        }
    }

    /// 用编计划 check and consumption.
    fn use_plan(&mut self, line: PlanLineId, key: AccountKey) -> R {
        let year = self.effective.year();
        let Some(pl) = self.st.plan_line(line) else {
            return Err(Violation::UnknownPlanLine(line.0));
        };
        let problem = if pl.unit != key.unit {
            Some(format!("该计划属于{}", self.st.unit_name(pl.unit)))
        } else if pl.qtype != key.qtype {
            Some(format!("该计划为{}", self.st.qtype_name(pl.qtype)))
        } else if pl.year != year {
            Some(format!("该计划为 {} 年度计划，已失效或未到期", pl.year))
        } else if pl.remaining() < 1 {
            Some(format!("计划 {} 名已用完", pl.approved))
        } else {
            None
        };
        if let Some(detail) = problem {
            let v = Violation::PlanUnusable {
                unit: self.st.unit_name(key.unit),
                year,
                qtype: self.st.qtype_name(key.qtype),
                line: line.0,
                detail,
            };
            if self.st.unit(key.unit).expect("resolved").control == ControlMode::WarnOnly {
                self.warnings
                    .push(format!("{v}（该单位为仅预警模式，已记录）"));
                if self.st.plan_line(line).is_some_and(|p| p.remaining() >= 1) {
                    self.plan_mut(line)?.used += 1;
                }
                return Ok(());
            }
            return Err(v);
        }
        self.plan_mut(line)?.used += 1;
        Ok(())
    }

    fn positive(count: i32) -> R {
        if count <= 0 {
            return Err(InputError::CountNotPositive(count).into());
        }
        Ok(())
    }

    /// Lowers 核定 by `count`, refusing to go below what is used unless the
    /// account explicitly enters 超编消化.
    fn lower_approved(&mut self, key: AccountKey, count: i32, allow_over: bool) -> R {
        let c = self.counts(&key);
        let after = c.approved - count;
        if after < 0 {
            let (unit, account) = self.label(&key);
            return Err(Violation::Negative {
                unit,
                account,
                field: "核定",
                value: after,
            });
        }
        let used = c.actual + c.frozen + c.locked - c.borrowed - c.bridged;
        if after < used {
            if !allow_over {
                let (unit, account) = self.label(&key);
                return Err(Violation::BelowUsage {
                    unit,
                    account,
                    approved_after: after,
                    used,
                });
            }
            self.account_mut(key).digesting = true;
        }
        self.account_mut(key).counts.approved = after;
        Ok(())
    }

    /// Removes every post the person holds (on leaving or moving).
    fn vacate_posts(&mut self, id: PersonId) -> R {
        let holdings = self
            .st
            .person(id)
            .map(|p| p.posts.clone())
            .unwrap_or_default();
        if holdings.is_empty() {
            return Ok(());
        }
        for h in &holdings {
            if h.counted {
                self.post_mut(h.key).holders.retain(|p| *p != id);
            }
        }
        self.person_mut(id)?.posts.clear();
        Ok(())
    }

    /// Moves every person, quota account and post of `from` into `to` (合并 / 撤销 with remap).
    fn remap_unit(&mut self, from: UnitId, to: UnitId) -> R {
        if from == to {
            return Err(Violation::MergeIntoSelf {
                unit: self.st.unit_name(from),
            });
        }
        let keys: Vec<AccountKey> = self.st.unit_accounts(from).map(|a| a.key).collect();
        for k in keys {
            let src = *self.account_mut(k);
            let tk = AccountKey { unit: to, ..k };
            let t = self.account_mut(tk);
            t.counts.add(&src.counts);
            t.digesting |= src.digesting;
            self.account_mut(k).counts = Counts::default();
            self.account_mut(k).digesting = false;
        }
        let rekey = |k: &mut AccountKey| {
            if k.unit == from {
                k.unit = to;
            }
        };
        let loans: Vec<LoanId> = self
            .st
            .loans
            .iter()
            .flatten()
            .filter(|l| l.key.unit == from)
            .map(|l| l.id)
            .collect();
        for id in loans {
            rekey(&mut self.loan_mut(id)?.key);
        }
        let grants: Vec<GrantId> = self
            .st
            .grants
            .iter()
            .flatten()
            .filter(|g| g.key.unit == from)
            .map(|g| g.id)
            .collect();
        for id in grants {
            rekey(&mut self.grant_mut(id)?.key);
        }
        let bridges: Vec<BridgeId> = self
            .st
            .bridges
            .iter()
            .flatten()
            .filter(|b| {
                b.key.unit == from || matches!(b.source, BridgeSource::Sender(k) if k.unit == from)
            })
            .map(|b| b.id)
            .collect();
        for id in bridges {
            let b = self.bridge_mut(id)?;
            rekey(&mut b.key);
            if let BridgeSource::Sender(k) = &mut b.source {
                rekey(k);
            }
        }
        let filed: Vec<PersonId> = self
            .st
            .unit_people
            .get(&from)
            .into_iter()
            .flatten()
            .copied()
            .filter(|p| {
                self.st.person(*p).is_some_and(|p| {
                    p.placement.unit == from && p.placement.status == PersonStatus::Filed
                })
            })
            .collect();
        for pid in filed {
            self.person_mut(pid)?.placement.unit = to;
            self.place_in_unit(to, pid);
            self.staffing_mut(from).filed -= 1;
            self.staffing_mut(to).filed += 1;
        }
        for pid in self.st.roster(from) {
            self.vacate_posts(pid)?;
            let p = self.person_mut(pid)?;
            p.placement.unit = to;
            p.placement.body = None;
            self.place_in_unit(to, pid);
        }
        let post_keys: Vec<PostKey> = self.st.unit_posts(from).map(|p| p.key).collect();
        for k in post_keys {
            self.post_mut(k).approved = 0;
        }
        for child in self.st.children(Some(from)) {
            if self.st.unit(child).is_some_and(|u| u.is_active()) {
                self.unit_mut(child)?.parent = Some(to);
            }
        }
        Ok(())
    }

    fn abolish(&mut self, id: UnitId, merged_into: Option<UnitId>) -> R {
        let eff = self.effective;
        let (name, seconds) = {
            let u = self.unit_mut(id)?;
            u.status = UnitStatus::Abolished;
            u.abolished_on = Some(eff);
            u.merged_into = merged_into;
            (u.name.clone(), u.second_names.clone())
        };
        self.set_unit_name(&name, None);
        for s in seconds {
            if self.st.unit_by_name.get(&s) == Some(&id) {
                self.set_unit_name(&s, None);
            }
        }
        Ok(())
    }

    // ---------- operations ----------

    fn op(&mut self, op: &Op) -> R {
        match op {
            Op::FundPool { qtype, count } => {
                Self::positive(*count)?;
                let q = self.qtype(qtype)?;
                self.pool_mut(q).balance += count;
                Ok(())
            }
            Op::Reclaim {
                account,
                count,
                allow_over,
            } => {
                Self::positive(*count)?;
                let key = self.account_key(account)?;
                self.lower_approved(key, *count, *allow_over)?;
                self.pool_mut(key.qtype).balance += count;
                Ok(())
            }
            Op::ReclaimUnitQuotas { unit } => {
                let id = self.active_unit(unit)?;
                let accts: Vec<(AccountKey, i32)> = self
                    .st
                    .unit_accounts(id)
                    .filter(|a| a.counts.approved > 0)
                    .map(|a| (a.key, a.counts.approved))
                    .collect();
                for (k, n) in accts {
                    self.lower_approved(k, n, false)?;
                    self.pool_mut(k.qtype).balance += n;
                }
                Ok(())
            }
            Op::Lend {
                loan,
                account,
                count,
                due,
                on_attrition,
            } => {
                Self::positive(*count)?;
                let key = self.account_key(account)?;
                self.check_class(key.unit, key.qtype)?;
                if let Some(due) = due.filter(|d| *d <= self.effective) {
                    return Err(Violation::LoanDueTooEarly {
                        due,
                        effective: self.effective,
                    });
                }
                if due.is_none() && !on_attrition {
                    return Err(Violation::LoanWithoutTerm);
                }
                self.pool_short(key.qtype, *count)?;
                let p = self.pool_mut(key.qtype);
                p.balance -= count;
                p.lent += count;
                self.account_mut(key).counts.borrowed += count;
                // 区属镇用: the unit is a 镇 / 街道 or sits under one.
                let mut town_use = false;
                let mut cur = Some(key.unit);
                while let Some(u) = cur.and_then(|c| self.st.unit(c)) {
                    if matches!(
                        u.kind,
                        crate::catalog::UnitKind::Town | crate::catalog::UnitKind::Subdistrict
                    ) {
                        town_use = true;
                        break;
                    }
                    cur = u.parent;
                }
                let id = loan.ok_or(Violation::Internal("借用未编号"))?;
                self.put_loan(Loan {
                    id,
                    key,
                    count: *count,
                    returned: 0,
                    doc: self.doc.to_string(),
                    start: self.effective,
                    due: *due,
                    on_attrition: *on_attrition,
                    town_use,
                })?;
                if let Some(d) = due {
                    self.schedule(*d, Effect::LoanDue { loan: id });
                }
                Ok(())
            }
            Op::ReturnLoan { loan, count } => {
                let l = self
                    .st
                    .loan(*loan)
                    .cloned()
                    .ok_or(Violation::UnknownLoan(loan.0))?;
                let n = count.unwrap_or(l.outstanding());
                if n < 1 || n > l.outstanding() {
                    return Err(Violation::ReturnExceedsLoan {
                        loan: loan.0,
                        doc: l.doc.clone(),
                        outstanding: l.outstanding(),
                        requested: n,
                    });
                }
                let c = self.counts(&l.key);
                if c.available() < n {
                    let (unit, account) = self.label(&l.key);
                    return Err(Violation::NoVacancy {
                        unit,
                        account,
                        available: c.available(),
                        requested: n,
                        action: "归还周转编制",
                    });
                }
                self.return_loan_slots(*loan, n);
                Ok(())
            }
            Op::BridgeTransfer {
                bridge,
                person,
                to,
                body,
                from_pool,
                deadline,
            } => {
                let id = self.person_id(person)?;
                let pl = self.st.person(id).expect("resolved").placement;
                if pl.status != PersonStatus::Active {
                    return Err(self.person_state_err(id, "过桥调动"));
                }
                let key = self.account_key(to)?;
                self.check_body(key.unit, *body)?;
                self.check_class(key.unit, key.qtype)?;
                if key.unit == pl.unit {
                    return Err(Violation::BridgeSameUnit {
                        unit: self.st.unit_name(key.unit),
                    });
                }
                let free = self.counts(&key).available();
                if free >= 1 {
                    let (unit, account) = self.label(&key);
                    return Err(Violation::BridgeNotNeeded {
                        unit,
                        account,
                        available: free,
                    });
                }
                if *deadline <= self.effective {
                    return Err(Violation::BridgeDeadlineTooEarly {
                        deadline: *deadline,
                        effective: self.effective,
                    });
                }
                self.vacate_posts(id)?;
                let from = pl.key();
                self.account_mut(from).counts.actual -= 1;
                let source = if *from_pool {
                    self.pool_short(key.qtype, 1)?;
                    let p = self.pool_mut(key.qtype);
                    p.balance -= 1;
                    p.bridged += 1;
                    self.on_vacancy(from, false, true);
                    BridgeSource::Pool
                } else {
                    if from.qtype != key.qtype {
                        return Err(Violation::BridgeTypeMismatch {
                            from: self.st.qtype_name(from.qtype),
                            to: self.st.qtype_name(key.qtype),
                        });
                    }
                    self.lower_approved(from, 1, false)?;
                    BridgeSource::Sender(from)
                };
                let bid = bridge.ok_or(Violation::Internal("过桥编制未编号"))?;
                self.put_bridge(Bridge {
                    id: bid,
                    key,
                    person: id,
                    source,
                    doc: self.doc.to_string(),
                    start: self.effective,
                    deadline: *deadline,
                    written_off: None,
                })?;
                self.seat(id, key, *body)?;
                self.account_mut(key).counts.bridged += 1;
                Ok(())
            }
            Op::GrantPhased {
                grant,
                account,
                tranches,
                from_pool,
            } => {
                let key = self.account_key(account)?;
                self.check_class(key.unit, key.qtype)?;
                if tranches.is_empty() {
                    return Err(Violation::TranchesMissing);
                }
                if let Some(t) = tranches.iter().find(|t| t.count <= 0) {
                    return Err(Violation::TrancheNotPositive { count: t.count });
                }
                if tranches.windows(2).any(|w| w[0].date >= w[1].date) {
                    return Err(Violation::TranchesNotIncreasing);
                }
                let total: i32 = tranches.iter().map(|t| t.count).sum();
                if *from_pool {
                    self.pool_short(key.qtype, total)?;
                    self.pool_mut(key.qtype).balance -= total;
                }
                let id = grant.ok_or(Violation::Internal("批复未编号"))?;
                let eff = self.effective;
                let now: i32 = tranches
                    .iter()
                    .filter(|t| t.date <= eff)
                    .map(|t| t.count)
                    .sum();
                self.put_grant(Grant {
                    id,
                    key,
                    count: total,
                    doc: self.doc.to_string(),
                    start: eff,
                    from_pool: *from_pool,
                    kind: GrantKind::Phased {
                        tranches: tranches.clone(),
                        released: now,
                    },
                })?;
                let a = self.account_mut(key);
                a.counts.approved += now;
                a.counts.unreleased += total - now;
                for t in tranches.iter().filter(|t| t.date > eff) {
                    self.schedule(
                        t.date,
                        Effect::Release {
                            grant: id,
                            count: t.count,
                        },
                    );
                }
                Ok(())
            }
            Op::GrantDynamic {
                grant,
                account,
                count,
                include_transfer_out,
            } => {
                Self::positive(*count)?;
                let key = self.account_key(account)?;
                self.check_class(key.unit, key.qtype)?;
                self.pool_short(key.qtype, *count)?;
                self.pool_mut(key.qtype).balance -= count;
                self.account_mut(key).counts.approved += count;
                let id = grant.ok_or(Violation::Internal("批复未编号"))?;
                self.put_grant(Grant {
                    id,
                    key,
                    count: *count,
                    doc: self.doc.to_string(),
                    start: self.effective,
                    from_pool: true,
                    kind: GrantKind::Dynamic {
                        reclaimed: 0,
                        include_transfer_out: *include_transfer_out,
                    },
                })
            }
            Op::SetStaffCap { unit, count } => {
                let id = self.active_unit(unit)?;
                if let Some(c) = count.filter(|c| *c < 0) {
                    return Err(InputError::NegativeStaffCap(c).into());
                }
                self.staffing_mut(id).cap = *count;
                Ok(())
            }
            Op::RegisterFiled {
                person,
                unit,
                details,
            } => {
                let id = self.active_unit(unit)?;
                if self.st.staffing.get(&id).and_then(|s| s.cap).is_none() {
                    return Err(Violation::NoStaffCap {
                        unit: self.st.unit_name(id),
                    });
                }
                let key = AccountKey {
                    unit: id,
                    qtype: FILED_QTYPE,
                    funding: FILED_FUNDING,
                };
                let eff = self.effective;
                self.enrol(*person, key, None, details, PersonStatus::Filed, eff)?;
                self.staffing_mut(id).filed += 1;
                Ok(())
            }
            Op::DirectedEnrol {
                person,
                account,
                body,
            } => {
                let id = self.person_id(person)?;
                let pl = self.st.person(id).expect("resolved").placement;
                if pl.status != PersonStatus::Filed {
                    return Err(self.person_state_err(id, "定向入编"));
                }
                let key = self.account_key(account)?;
                if key.unit != pl.unit {
                    return Err(Violation::DirectedEnrolOtherUnit {
                        from: self.st.unit_name(pl.unit),
                        to: self.st.unit_name(key.unit),
                    });
                }
                self.check_body(key.unit, *body)?;
                self.check_class(key.unit, key.qtype)?;
                self.take_slot(key, "定向入编", false)?;
                self.staffing_mut(key.unit).filed -= 1;
                self.seat(id, key, *body)
            }
            Op::DefineQuotaType { code, name, class } => {
                if self
                    .st
                    .quota_types
                    .iter()
                    .any(|q| q.code == *code || q.name == *name)
                {
                    return Err(Violation::DuplicateQuotaType(name.clone()));
                }
                self.log(Undo::QuotaTypes(self.st.quota_types.len()));
                let id = QuotaTypeId(self.st.quota_types.len() as u16);
                self.st.quota_types.push(QuotaTypeDef {
                    id,
                    code: code.clone(),
                    name: name.clone(),
                    class: *class,
                });
                Ok(())
            }
            Op::CreateUnit(nu) => self.create_unit(nu),
            Op::RenameUnit {
                unit,
                name,
                short_name,
            } => {
                let id = self.active_unit(unit)?;
                let name = name.trim().to_string();
                if name.is_empty() {
                    return Err(InputError::EmptyName {
                        what: "机构名称"
                    }
                    .into());
                }
                if self.st.unit_by_name.get(&name).is_some_and(|o| *o != id) {
                    return Err(Violation::DuplicateUnitName(name));
                }
                let old = self.st.unit(id).expect("resolved").name.clone();
                self.set_unit_name(&old, None);
                self.set_unit_name(&name, Some(id));
                let u = self.unit_mut(id)?;
                u.name = name;
                if short_name.is_some() {
                    u.short_name = short_name.clone();
                }
                Ok(())
            }
            Op::SetRank { unit, rank } => {
                let id = self.active_unit(unit)?;
                self.unit_mut(id)?.rank = *rank;
                Ok(())
            }
            Op::UpdateUnit {
                unit,
                category,
                funding,
                credit_code,
                functions,
            } => {
                let id = self.active_unit(unit)?;
                let funding = funding.as_ref().map(|f| self.funding(f)).transpose()?;
                let credit = credit_code
                    .as_deref()
                    .map(|c| self.check_credit_code(id, c))
                    .transpose()?;
                let u = self.unit_mut(id)?;
                if category.is_some() {
                    u.category = *category;
                }
                if funding.is_some() {
                    u.funding = funding;
                }
                if let Some((code, warning)) = credit {
                    u.credit_code = Some(code);
                    u.credit_code_warning = warning;
                }
                if let Some(f) = functions {
                    u.functions = f.clone();
                }
                Ok(())
            }
            Op::AddSecondName { unit, name } => {
                let id = self.active_unit(unit)?;
                let name = name.trim().to_string();
                if name.is_empty() {
                    return Err(InputError::EmptyName {
                        what: "牌子名称"
                    }
                    .into());
                }
                if self.st.unit_by_name.contains_key(&name) {
                    return Err(Violation::DuplicateUnitName(name));
                }
                self.set_unit_name(&name, Some(id));
                self.unit_mut(id)?.second_names.push(name);
                Ok(())
            }
            Op::RemoveSecondName { unit, name } => {
                let id = self.active_unit(unit)?;
                let u = self.st.unit(id).expect("resolved");
                if !u.second_names.iter().any(|n| n == name.trim()) {
                    return Err(Violation::UnknownSecondName {
                        unit: u.name.clone(),
                        name: name.trim().to_string(),
                    });
                }
                self.set_unit_name(name.trim(), None);
                self.unit_mut(id)?.second_names.retain(|n| n != name.trim());
                Ok(())
            }
            Op::AddBody { unit, body, name } => {
                let id = self.active_unit(unit)?;
                let u = self.st.unit(id).expect("resolved");
                if u.bodies.iter().any(|b| !b.abolished && b.name == *name) {
                    return Err(Violation::DuplicateBodyName {
                        unit: u.name.clone(),
                        name: name.clone(),
                    });
                }
                let bid = body.unwrap_or_else(|| self.st.next_body_id());
                if self
                    .st
                    .units
                    .iter()
                    .flatten()
                    .any(|u| u.body(bid).is_some())
                {
                    return Err(InputError::IdTaken {
                        what: "内设机构",
                        id: bid.0,
                    }
                    .into());
                }
                if bid.0 > self.st.max_body {
                    self.log(Undo::MaxBody(self.st.max_body));
                    self.st.max_body = bid.0;
                }
                self.unit_mut(id)?.bodies.push(InternalBody {
                    id: bid,
                    name: name.clone(),
                    abolished: false,
                });
                Ok(())
            }
            Op::RemoveBody { unit, body } => {
                let id = self.active_unit(unit)?;
                self.check_body(id, Some(*body))?;
                let in_body = self
                    .st
                    .roster(id)
                    .into_iter()
                    .filter(|p| self.st.person(*p).unwrap().placement.body == Some(*body))
                    .count();
                let posts: i32 = self
                    .st
                    .unit_posts(id)
                    .filter(|p| p.key.body == Some(*body))
                    .map(|p| p.approved.max(p.filled()))
                    .sum();
                if in_body > 0 || posts > 0 {
                    return Err(Violation::UnitNotEmpty {
                        unit: self.st.unit_name(id),
                        what: format!("内设机构人员 {in_body} 人、领导职数 {posts} 名"),
                    });
                }
                let u = self.unit_mut(id)?;
                if let Some(b) = u.bodies.iter_mut().find(|b| b.id == *body) {
                    b.abolished = true;
                }
                Ok(())
            }
            Op::MoveUnit { unit, parent } => {
                let id = self.active_unit(unit)?;
                let parent = parent.as_ref().map(|p| self.active_unit(p)).transpose()?;
                // The new parent may not be the unit itself or below it.
                let mut cur = parent;
                while let Some(c) = cur {
                    if c == id {
                        return Err(Violation::CyclicParent {
                            unit: self.st.unit_name(id),
                        });
                    }
                    cur = self.st.unit(c).and_then(|u| u.parent);
                }
                self.unit_mut(id)?.parent = parent;
                Ok(())
            }
            Op::MergeUnit { unit, into } => {
                let from = self.active_unit(unit)?;
                let to = self.active_unit(into)?;
                self.remap_unit(from, to)?;
                self.abolish(from, Some(to))
            }
            Op::AbolishUnit { unit, remap } => {
                let id = self.active_unit(unit)?;
                if let Some(r) = remap {
                    let to = self.active_unit(&r.to)?;
                    self.remap_unit(id, to)?;
                }
                self.abolish(id, None)
            }
            Op::SetControlMode { unit, mode } => {
                let id = self.active_unit(unit)?;
                self.unit_mut(id)?.control = *mode;
                Ok(())
            }
            Op::SetQuota {
                account,
                count,
                allow_over,
            } => {
                let key = self.account_key(account)?;
                if *count < 0 {
                    return Err(InputError::NegativeQuota(*count).into());
                }
                let cur = self.counts(&key).approved;
                if *count >= cur {
                    self.account_mut(key).counts.approved = *count;
                    Ok(())
                } else {
                    self.lower_approved(key, cur - count, *allow_over)
                }
            }
            Op::IncreaseQuota { account, count } => {
                Self::positive(*count)?;
                let key = self.account_key(account)?;
                self.account_mut(key).counts.approved += count;
                Ok(())
            }
            Op::DecreaseQuota {
                account,
                count,
                allow_over,
            } => {
                Self::positive(*count)?;
                let key = self.account_key(account)?;
                self.lower_approved(key, *count, *allow_over)
            }
            Op::TransferQuota {
                from,
                to,
                qtype,
                funding,
                count,
            } => {
                Self::positive(*count)?;
                let (q, f) = (self.qtype(qtype)?, self.funding(funding)?);
                let fk = AccountKey {
                    unit: self.active_unit(from)?,
                    qtype: q,
                    funding: f,
                };
                let tk = AccountKey {
                    unit: self.active_unit(to)?,
                    qtype: q,
                    funding: f,
                };
                if fk.unit == tk.unit {
                    return Err(Violation::TransferSameUnit {
                        unit: self.st.unit_name(fk.unit),
                    });
                }
                self.lower_approved(fk, *count, false)?;
                self.account_mut(tk).counts.approved += count;
                Ok(())
            }
            Op::LockQuota { account, count, .. } => {
                Self::positive(*count)?;
                let key = self.account_key(account)?;
                let c = self.counts(&key);
                if c.available() < *count {
                    let (unit, account) = self.label(&key);
                    return Err(Violation::NoVacancy {
                        unit,
                        account,
                        available: c.available(),
                        requested: *count,
                        action: "锁定",
                    });
                }
                self.account_mut(key).counts.locked += count;
                Ok(())
            }
            Op::UnlockQuota { account, count } => {
                Self::positive(*count)?;
                let key = self.account_key(account)?;
                let c = self.counts(&key);
                if c.locked < *count {
                    let (unit, account) = self.label(&key);
                    return Err(Violation::Negative {
                        unit,
                        account,
                        field: "锁定",
                        value: c.locked - count,
                    });
                }
                self.account_mut(key).counts.locked -= count;
                Ok(())
            }
            Op::SetPosts {
                unit,
                body,
                kind,
                count,
            } => {
                let id = self.active_unit(unit)?;
                self.check_body(id, *body)?;
                if *count < 0 {
                    return Err(InputError::NegativePosts(*count).into());
                }
                self.post_mut(PostKey {
                    unit: id,
                    body: *body,
                    kind: *kind,
                })
                .approved = *count;
                Ok(())
            }
            Op::ApprovePlanLine {
                line,
                unit,
                year,
                channel,
                qtype,
                count,
            } => {
                Self::positive(*count)?;
                let uid = self.active_unit(unit)?;
                let q = self.qtype(qtype)?;
                self.check_class(uid, q)?;
                let y = self.effective.year();
                if *year < y || *year > y + 1 {
                    return Err(Violation::PlanYearOutOfRange {
                        year: *year,
                        current: y,
                    });
                }
                let id = line.unwrap_or_else(|| self.st.next_plan_line_id());
                if self.st.plan_line(id).is_some() {
                    return Err(InputError::PlanLineTaken(id.0).into());
                }
                self.log(Undo::Plan(id, None));
                set_slot(
                    &mut self.st.plan_lines,
                    id.index(),
                    Some(PlanLine {
                        id,
                        unit: uid,
                        year: *year,
                        channel: *channel,
                        qtype: q,
                        approved: *count,
                        used: 0,
                    }),
                );
                Ok(())
            }
            Op::Hire {
                person,
                account,
                body,
                plan_line,
                details,
            } => {
                let key = self.account_key(account)?;
                self.check_body(key.unit, *body)?;
                self.check_class(key.unit, key.qtype)?;
                self.take_slot(key, "入编", false)?;
                self.use_plan(*plan_line, key)?;
                let eff = self.effective;
                self.enrol(*person, key, *body, details, PersonStatus::Pending, eff)?;
                self.account_mut(key).counts.frozen += 1;
                Ok(())
            }
            Op::RegisterExisting {
                person,
                account,
                body,
                enrolled_on,
                details,
                allow_over,
            } => {
                let key = self.account_key(account)?;
                self.check_body(key.unit, *body)?;
                self.check_class(key.unit, key.qtype)?;
                self.take_slot(key, "登记", *allow_over)?;
                self.enrol(
                    *person,
                    key,
                    *body,
                    details,
                    PersonStatus::Active,
                    *enrolled_on,
                )?;
                self.account_mut(key).counts.actual += 1;
                Ok(())
            }
            Op::Onboard { person } => {
                let id = self.person_id(person)?;
                let pl = self.st.person(id).expect("resolved").placement;
                if pl.status != PersonStatus::Pending {
                    return Err(self.person_state_err(id, "报到"));
                }
                let eff = self.effective;
                let p = self.person_mut(id)?;
                p.placement.status = PersonStatus::Active;
                p.enrolled_on = eff;
                let a = self.account_mut(pl.key());
                a.counts.frozen -= 1;
                a.counts.actual += 1;
                Ok(())
            }
            Op::WithdrawHire { person } => {
                let id = self.person_id(person)?;
                let pl = self.st.person(id).expect("resolved").placement;
                if pl.status != PersonStatus::Pending {
                    return Err(self.person_state_err(id, "撤回入编"));
                }
                self.person_mut(id)?.placement.status = PersonStatus::Withdrawn;
                self.account_mut(pl.key()).counts.frozen -= 1;
                Ok(())
            }
            Op::Leave { person, reason } => {
                let id = self.person_id(person)?;
                let pl = self.st.person(id).expect("resolved").placement;
                match pl.status {
                    PersonStatus::Active => {
                        self.vacate_posts(id)?;
                        self.person_mut(id)?.placement.status = PersonStatus::Left(*reason);
                        self.account_mut(pl.key()).counts.actual -= 1;
                        self.on_vacancy(
                            pl.key(),
                            reason.is_natural_attrition(),
                            *reason == crate::catalog::LeaveReason::TransferOut,
                        );
                        Ok(())
                    }
                    PersonStatus::Filed => {
                        self.person_mut(id)?.placement.status = PersonStatus::Left(*reason);
                        self.staffing_mut(pl.unit).filed -= 1;
                        Ok(())
                    }
                    _ => Err(self.person_state_err(id, "出编")),
                }
            }
            Op::Transfer {
                person,
                to,
                body,
                plan_line,
            } => {
                let id = self.person_id(person)?;
                let pl = self.st.person(id).expect("resolved").placement;
                if pl.status != PersonStatus::Active {
                    return Err(self.person_state_err(id, "调动"));
                }
                let key = self.account_key(to)?;
                self.check_body(key.unit, *body)?;
                self.check_class(key.unit, key.qtype)?;
                if key == pl.key() {
                    // 内部调整: only the internal body changes.
                    self.person_mut(id)?.placement.body = *body;
                    return Ok(());
                }
                self.vacate_posts(id)?;
                self.account_mut(pl.key()).counts.actual -= 1;
                if key.unit != pl.unit {
                    self.on_vacancy(pl.key(), false, true);
                }
                self.take_slot(key, "调入", false)?;
                if key.unit != pl.unit {
                    self.use_plan(*plan_line, key)?;
                }
                self.seat(id, key, *body)
            }
            Op::Appoint {
                person,
                body,
                kind,
                title,
                exempt,
            } => {
                let id = self.person_id(person)?;
                let pl = self.st.person(id).expect("resolved").placement;
                if pl.status != PersonStatus::Active {
                    return Err(self.person_state_err(id, "任职"));
                }
                self.check_body(pl.unit, *body)?;
                if body.is_none() && matches!(kind, PostKind::BodyChief | PostKind::BodyDeputy) {
                    return Err(Violation::BodyPostWithoutBody);
                }
                let key = PostKey {
                    unit: pl.unit,
                    body: *body,
                    kind: *kind,
                };
                let counted = !exempt && !title.contains("专员");
                let eff = self.effective;
                self.person_mut(id)?.posts.push(PostHolding {
                    key,
                    title: title.clone(),
                    counted,
                    since: eff,
                });
                if counted {
                    let post = self.post_mut(key);
                    if !post.holders.contains(&id) {
                        post.holders.push(id);
                    }
                }
                Ok(())
            }
            Op::Remove { person, body, kind } => {
                let id = self.person_id(person)?;
                let p = self.st.person(id).expect("resolved");
                let key = PostKey {
                    unit: p.placement.unit,
                    body: *body,
                    kind: *kind,
                };
                if !p.posts.iter().any(|h| h.key == key) {
                    return Err(Violation::NotHoldingPost {
                        name: p.details.name.clone(),
                        unit: self.st.unit_name(key.unit),
                        post: self.st.post_label(&key),
                    });
                }
                self.person_mut(id)?.posts.retain(|h| h.key != key);
                if self
                    .st
                    .posts
                    .get(&key)
                    .is_some_and(|a| a.holders.contains(&id))
                {
                    self.post_mut(key).holders.retain(|h| *h != id);
                }
                Ok(())
            }
            Op::CorrectPerson {
                person,
                name,
                id_number,
                work_start,
            } => {
                let id = self.person_id(person)?;
                let new_idn = match id_number {
                    Some(s) => {
                        let idn = parse_id_number(s).map_err(InputError::from)?;
                        if let Some(other) = self.st.person_by_id_number.get(idn.as_str()) {
                            if *other != id {
                                return Err(Violation::AlreadyEnrolled {
                                    id: idn.mask(),
                                    unit: self.st.unit_name(
                                        self.st.person(*other).expect("indexed").placement.unit,
                                    ),
                                });
                            }
                        }
                        Some(idn)
                    }
                    None => None,
                };
                if let Some(idn) = &new_idn {
                    let old = self
                        .st
                        .person(id)
                        .expect("resolved")
                        .details
                        .id_number
                        .clone();
                    self.unindex_person(old.as_str());
                    self.index_person(idn.as_str(), id);
                }
                let p = self.person_mut(id)?;
                if let Some(n) = name {
                    let n = n.trim();
                    if n.is_empty() {
                        return Err(InputError::EmptyName { what: "姓名" }.into());
                    }
                    p.details.name = n.to_string();
                }
                if let Some(idn) = new_idn {
                    p.details.id_number = idn;
                }
                if work_start.is_some() {
                    p.details.work_start = *work_start;
                }
                Ok(())
            }
        }
    }

    fn check_credit_code(&mut self, unit: UnitId, code: &str) -> R<(String, Option<String>)> {
        let c = parse_credit_code(code).map_err(InputError::from)?;
        if let Some(w) = &c.warning {
            let name = self
                .st
                .unit(unit)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            self.warnings.push(format!("{name}：{w}"));
        }
        if let Some(other) = self.st.units.iter().flatten().find(|u| {
            u.id != unit && u.is_active() && u.credit_code.as_deref() == Some(c.code.as_str())
        }) {
            return Err(Violation::DuplicateCreditCode {
                code: c.code.to_string(),
                unit: other.name.clone(),
            });
        }
        Ok((c.code.to_string(), c.warning))
    }

    fn create_unit(&mut self, nu: &NewUnit) -> R {
        let name = nu.name.trim().to_string();
        if name.is_empty() {
            return Err(InputError::EmptyName {
                what: "机构名称"
            }
            .into());
        }
        if self.st.unit_by_name.contains_key(&name) {
            return Err(Violation::DuplicateUnitName(name));
        }
        let id = nu.id.unwrap_or_else(|| self.st.next_unit_id());
        if self.st.unit(id).is_some() {
            return Err(InputError::IdTaken {
                what: "机构",
                id: id.0,
            }
            .into());
        }
        let parent = nu
            .parent
            .as_ref()
            .map(|p| self.active_unit(p))
            .transpose()?;
        let funding = nu.funding.as_ref().map(|f| self.funding(f)).transpose()?;
        if nu.category.is_some() && nu.kind != crate::catalog::UnitKind::Institution {
            return Err(Violation::CategoryNotInstitution { unit: name });
        }
        // Placeholder so that credit-code warnings can name the unit.
        let mut unit = Unit {
            id,
            name: name.clone(),
            short_name: nu.short_name.clone(),
            second_names: Vec::new(),
            kind: nu.kind,
            rank: nu.rank,
            category: nu.category,
            funding,
            credit_code: None,
            credit_code_warning: None,
            parent,
            bodies: Vec::new(),
            functions: nu.functions.clone(),
            status: UnitStatus::Active,
            control: ControlMode::Hard,
            established: self.effective,
            abolished_on: None,
            merged_into: None,
        };
        self.put_unit(unit.clone());
        if let Some(code) = &nu.credit_code {
            let (c, w) = self.check_credit_code(id, code)?;
            unit.credit_code = Some(c);
            unit.credit_code_warning = w;
            *self.unit_mut(id)? = unit;
        }
        self.set_unit_name(&name, Some(id));
        Ok(())
    }

    fn check_class(&self, unit: UnitId, qtype: QuotaTypeId) -> R {
        let u = self.st.unit(unit).expect("resolved");
        let q = self
            .st
            .quota_type(qtype)
            .ok_or_else(|| Violation::UnknownQuotaType(format!("#{qtype}")))?;
        if !u.kind.allows(q.class) {
            return Err(Violation::ClassForbidden {
                unit: u.name.clone(),
                kind: u.kind.label().into(),
                qtype: q.name.clone(),
            });
        }
        Ok(())
    }

    /// Creates or re-enrols a person (a person who left and comes back keeps id and history).
    fn enrol(
        &mut self,
        person: Option<PersonId>,
        key: AccountKey,
        body: Option<BodyId>,
        details: &crate::model::PersonDetails,
        status: PersonStatus,
        enrolled_on: NaiveDate,
    ) -> R<PersonId> {
        let idn = details.id_number.as_str();
        if details.name.trim().is_empty() {
            return Err(InputError::EmptyName { what: "姓名" }.into());
        }
        let existing = self.st.person_by_id_number.get(idn).copied();
        if let Some(e) = existing {
            let p = self.st.person(e).expect("indexed");
            if p.placement.is_enrolled() {
                return Err(Violation::AlreadyEnrolled {
                    id: p.details.id_number.mask(),
                    unit: self.st.unit_name(p.placement.unit),
                });
            }
            if person.is_some_and(|id| id != e) {
                return Err(InputError::PersonIdMismatch(person.expect("checked").0).into());
            }
        }
        let id = existing
            .or(person)
            .unwrap_or_else(|| self.st.next_person_id());
        if existing.is_none() && self.st.person(id).is_some() {
            return Err(InputError::IdTaken {
                what: "人员",
                id: id.0,
            }
            .into());
        }
        let placement = Placement {
            unit: key.unit,
            body,
            qtype: key.qtype,
            funding: key.funding,
            status,
        };
        self.put_person(Person {
            id,
            details: details.clone(),
            placement,
            enrolled_on,
            enrol_doc: self.doc.clone(),
            posts: Vec::new(),
        });
        self.index_person(idn, id);
        self.place_in_unit(key.unit, id);
        Ok(id)
    }

    /// Rules checked once all operations of the matter are done.
    fn final_checks(&mut self) -> R {
        let mut keys = self.t_accounts.clone();
        keys.sort_unstable();
        keys.dedup();
        let mut units: Vec<UnitId> = keys.iter().map(|k| k.unit).collect();
        for k in &keys {
            let Some(a) = self.st.accounts.get(k).copied() else {
                continue;
            };
            let c = a.counts;
            for (field, v) in [
                ("核定", c.approved),
                ("实有", c.actual),
                ("冻结", c.frozen),
                ("锁定", c.locked),
                ("周转借入", c.borrowed),
                ("过桥编制", c.bridged),
                ("已核未下达", c.unreleased),
            ] {
                if v < 0 {
                    let (unit, account) = self.label(k);
                    return Err(Violation::Negative {
                        unit,
                        account,
                        field,
                        value: v,
                    });
                }
            }
            if c.available() >= 0 {
                if a.digesting {
                    self.account_mut(*k).digesting = false;
                }
            } else if !a.digesting {
                let (unit, account) = self.label(k);
                return Err(Violation::Negative {
                    unit,
                    account,
                    field: "可用空编",
                    value: c.available(),
                });
            }
        }
        units.extend(self.t_units.iter().copied());
        units.extend(self.t_staffing.iter().copied());
        units.sort_unstable();
        units.dedup();
        for u in units {
            self.check_unit_accounts(u)?;
        }
        let mut posts = self.t_posts.clone();
        posts.sort_unstable();
        posts.dedup();
        for k in posts {
            if let Some(p) = self.st.posts.get(&k) {
                if p.approved < 0 {
                    return Err(Violation::Internal("领导职数不能为负数"));
                }
                if p.filled() > p.approved {
                    return Err(Violation::PostsExceeded {
                        unit: self.st.unit_name(k.unit),
                        post: self.st.post_label(&k),
                        approved: p.approved,
                        filled: p.filled(),
                    });
                }
            }
        }
        Ok(())
    }

    /// Class rules over a unit's accounts, 人员控制总量, and emptiness of
    /// abolished units.
    fn check_unit_accounts(&self, id: UnitId) -> R {
        let Some(u) = self.st.unit(id) else {
            return Ok(());
        };
        if let Some(s) = self.st.staffing.get(&id) {
            if s.filed < 0 {
                return Err(Violation::Internal("备案人员数不能为负数"));
            }
            if let Some(cap) = s.cap {
                let enrolled: i32 = self
                    .st
                    .unit_accounts(id)
                    .map(|a| a.counts.actual + a.counts.frozen)
                    .sum();
                if enrolled + s.filed > cap {
                    return Err(Violation::StaffCapExceeded {
                        unit: u.name.clone(),
                        cap,
                        enrolled,
                        filed: s.filed,
                    });
                }
            }
        }
        let mut admin: Option<QuotaTypeId> = None;
        let mut inst: Option<QuotaTypeId> = None;
        for a in self.st.unit_accounts(id) {
            if a.counts.is_zero() {
                continue;
            }
            let q = self.st.quota_type(a.key.qtype).expect("catalogued");
            if !u.kind.allows(q.class) {
                return Err(Violation::ClassForbidden {
                    unit: u.name.clone(),
                    kind: u.kind.label().into(),
                    qtype: q.name.clone(),
                });
            }
            match q.class {
                QuotaClass::Administrative => admin = admin.or(Some(q.id)),
                QuotaClass::Institutional => inst = inst.or(Some(q.id)),
                _ => {}
            }
        }
        if let (Some(a), Some(i)) = (admin, inst) {
            return Err(Violation::ClassMixed {
                unit: u.name.clone(),
                existing: self.st.qtype_name(a),
                qtype: self.st.qtype_name(i),
            });
        }
        if !u.is_active() {
            let mut what = Vec::new();
            let held: i32 = self
                .st
                .unit_accounts(id)
                .map(|a| {
                    a.counts.approved + a.counts.borrowed + a.counts.bridged + a.counts.unreleased
                })
                .sum();
            if held > 0 {
                what.push(format!("核定编制 {held} 名"));
            }
            let people = self.st.roster(id).len();
            if people > 0 {
                what.push(format!("在编人员 {people} 人"));
            }
            let filed = self.st.staffing.get(&id).map_or(0, |s| s.filed);
            if filed > 0 {
                what.push(format!("备案人员 {filed} 人"));
            }
            let posts: i32 = self
                .st
                .unit_posts(id)
                .map(|p| p.approved.max(p.filled()))
                .sum();
            if posts > 0 {
                what.push(format!("领导职数 {posts} 名"));
            }
            let children = self
                .st
                .children(Some(id))
                .into_iter()
                .filter(|c| self.st.unit(*c).is_some_and(|u| u.is_active()))
                .count();
            if children > 0 {
                what.push(format!("下属机构 {children} 个"));
            }
            if !what.is_empty() {
                return Err(Violation::UnitNotEmpty {
                    unit: u.name.clone(),
                    what: what.join("、"),
                });
            }
        }
        Ok(())
    }
}

fn push_hist<T>(h: &mut Vec<(NaiveDate, T)>, d: NaiveDate, v: T) {
    match h.last_mut() {
        Some((ld, lv)) if *ld == d => *lv = v,
        _ => h.push((d, v)),
    }
}

fn mask(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..4].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}{}{tail}", "*".repeat(chars.len() - 8))
}

/// Finds a quota type by id, code or name.
pub fn resolve_qtype(st: &State, r: &CatRef) -> Result<QuotaTypeId, Violation> {
    match r {
        CatRef::Id(i) => st
            .quota_type(QuotaTypeId(*i))
            .map(|q| q.id)
            .ok_or_else(|| Violation::UnknownQuotaType(i.to_string())),
        CatRef::Name(n) => {
            let n = n.trim();
            st.quota_types
                .iter()
                .find(|q| q.name == n || q.code == n)
                .map(|q| q.id)
                .ok_or_else(|| Violation::UnknownQuotaType(n.to_string()))
        }
    }
}

/// Finds a funding form by id, code or name.
pub fn resolve_funding(st: &State, r: &CatRef) -> Result<FundingId, Violation> {
    match r {
        CatRef::Id(i) => u8::try_from(*i)
            .ok()
            .and_then(|i| st.funding_form(FundingId(i)))
            .map(|f| f.id)
            .ok_or_else(|| Violation::UnknownFunding(i.to_string())),
        CatRef::Name(n) => {
            let n = n.trim();
            st.funding_forms
                .iter()
                .find(|f| f.name == n || f.code == n)
                .map(|f| f.id)
                .ok_or_else(|| Violation::UnknownFunding(n.to_string()))
        }
    }
}
