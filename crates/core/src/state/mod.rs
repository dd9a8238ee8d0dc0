//! The ledger state machine: the current figures, the indices to find things,
//! and per-record histories for as-of queries. Matters are applied atomically
//! through a transaction with an undo log: a refused matter leaves the state
//! exactly as it was.
//!
//! - `tx`: the transaction: undo log, history capture, commit and rollback;
//! - `lookup`: finding the unit, account and person an operation names;
//! - `rules`: rules shared by operations (taking a slot, using a plan line…);
//! - `ops`: one function per operation, by family;
//! - `schedule`: date-driven effects (承兑 tranches, loans falling due);
//! - `sectors`: 行业领域 of units and the 行业编制总量 rule;
//! - `closing`: the rules checked once all operations of a matter are done,
//!   and the 超编消化 reset;
//! - `invariants`: what holds of every state ([`State::check_invariants`]),
//!   checked for what each matter touched on commit in debug builds, and in
//!   full by the property tests.

mod closing;
mod invariants;
mod lookup;
mod ops;
mod rules;
mod schedule;
mod sectors;
mod tx;

use std::collections::BTreeMap;

use chrono::NaiveDate;
use compact_str::CompactString;
use rustc_hash::FxHashMap;
use serde::{Deserialize, Serialize};

use crate::catalog::{
    standard_funding_forms, standard_quota_types, FundingDef, PostKind, QuotaTypeDef,
};
use crate::ids::{
    BodyId, BridgeId, FundingId, GrantId, LoanId, PersonId, PlanLineId, QuotaTypeId, Seq, UnitId,
};
use crate::matter::CatRef;
use crate::model::{
    AccountKey, Bridge, Counts, Grant, Loan, Person, Placement, PlanLine, PoolAccount, PostAccount,
    PostKey, QuotaAccount, SectorTotal, Staffing, Unit,
};
use crate::violation::Violation;

/// The shape of [`State`] as snapshots encode it: bump it with any change to
/// the records the state holds, so that a snapshot of another shape is
/// ignored (and the journal replayed) rather than misread.
pub const STATE_FORMAT: u16 = 2;

pub use invariants::{InvariantError, INVARIANTS};

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
    /// 行业编制总量, by their index in [`State::sector_totals`].
    #[serde(default)]
    pub sector_totals: Vec<Timeline<SectorTotal>>,
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
    /// 行业编制总量 set by the level above, one per (sector, 编制类型), in the
    /// order first set (a lifted one stays with no count).
    #[serde(default)]
    pub sector_totals: Vec<SectorTotal>,
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
            sector_totals: Vec::new(),
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
