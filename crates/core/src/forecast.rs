//! 自然减员预测: the retirements of the people in 编 over the next years
//! (statutory ages of [`crate::retirement`]) and what becomes of each vacancy
//! under the instruments in force. Pure: no I/O, no clock.
//!
//! The forecast replays, in date order, the retirements as 出编(退休) and the
//! scheduled effects (承兑 tranches released, 周转池 loans falling due), with
//! the ledger's own rule for a departure (`Tx::on_vacancy` in
//! `state/rules.rs`), so that it agrees with what the ledger shows once those
//! retirements are recorded:
//!
//! 1. the account loses one 实有; if it then has no real vacancy (可用空编 < 1:
//!    an account over quota, in 超编消化) the vacancy is **absorbed**;
//! 2. otherwise the first open 过桥编制 of the account is **written off**
//!    (the slot goes back to the sender's 核定 or the 周转池);
//! 3. otherwise the first 动态编制 grant with slots outstanding **reclaims** one
//!    (退一收一: 核定 − 1, 周转池 + 1);
//! 4. otherwise the first 周转池 loan with slots outstanding that returns on
//!    attrition (减员即还) or is overdue **returns** one;
//! 5. otherwise the vacancy is **free to use**.
//!
//! Effects and retirements of one day: the effects first (as the ledger
//! advances its clock before a matter's operations), then the retirements by
//! person id. A loan falling due takes free vacancies of its account
//! (`due_returned`), those left by retirements included.
//!
//! People already past their retirement date at the as-of date but still in
//! 编 are counted as `overdue` and forecast to retire the day after it.

use std::collections::BTreeMap;

use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use thiserror::Error;

use crate::ids::{BridgeId, GrantId, LoanId, PersonId, QuotaTypeId, UnitId};
use crate::model::{AccountKey, BridgeSource, Counts, GrantKind, PersonStatus, PoolAccount};
use crate::query;
use crate::retirement::{self, Category, RetirementMonth};
use crate::state::{Effect, State};

/// Longest horizon, years.
pub const MAX_HORIZON: u32 = 10;

/// Why a forecast cannot be made.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ForecastError {
    #[error("预测年限须为 1 至 {MAX_HORIZON} 年，收到 {0}")]
    Horizon(u32),
    #[error("预测起始日期 {0} 超出可计算的日期范围")]
    OutOfRange(NaiveDate),
}

/// What the forecast is asked.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Settings {
    /// Years covered: the as-of year (from the day after the as-of date) and
    /// the `horizon − 1` calendar years after it. 1–10.
    pub horizon: u32,
    /// When retirement starts (default: the month after reaching the age).
    pub month: RetirementMonth,
}

impl Default for Settings {
    fn default() -> Self {
        Settings {
            horizon: 5,
            month: RetirementMonth::MonthAfter,
        }
    }
}

/// What became of the vacancies of one account (or a sum) in one year.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Flows {
    /// 预计退休 (出编).
    pub retirements: i32,
    /// 超编消化: no real vacancy opened (the account was over quota).
    pub absorbed: i32,
    /// 过桥消化: 过桥编制 written off.
    pub bridges_written_off: i32,
    /// 动态收回 (退一收一): 动态编制 reclaimed into the 周转池.
    pub dynamic_reclaimed: i32,
    /// 减员收回: 周转池 loans returned on attrition (减员即还 or overdue).
    pub loans_returned: i32,
    /// 可自由使用: vacancies left to the unit.
    pub free: i32,
    /// 到期收回: loan slots returned when the loan fell due (taking free
    /// vacancies, not only those this forecast opened).
    pub due_returned: i32,
    /// 承兑下达: 承兑 tranches released (核定 added).
    pub released: i32,
    /// Slots flowing into the 周转池: 动态收回, loans returned (both ways),
    /// 过桥 written off that came from the pool.
    pub to_pool: i32,
}

impl Flows {
    pub fn add(&mut self, o: &Flows) {
        self.retirements += o.retirements;
        self.absorbed += o.absorbed;
        self.bridges_written_off += o.bridges_written_off;
        self.dynamic_reclaimed += o.dynamic_reclaimed;
        self.loans_returned += o.loans_returned;
        self.free += o.free;
        self.due_returned += o.due_returned;
        self.released += o.released;
        self.to_pool += o.to_pool;
    }

    /// Vacancies already owed: 过桥, 动态 and loans.
    pub fn owed(&self) -> i32 {
        self.bridges_written_off + self.dynamic_reclaimed + self.loans_returned
    }
}

/// One account in one year.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Row {
    pub key: AccountKey,
    pub year: i32,
    pub flows: Flows,
    /// The account's figures at the end of the year (or of the horizon).
    pub end: Counts,
}

/// A person forecast to retire within the horizon.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Retiree {
    pub person: PersonId,
    pub key: AccountKey,
    pub category: Category,
    pub reaches_age: NaiveDate,
    /// The forecast 出编 date (the day after the as-of date when overdue).
    pub date: NaiveDate,
}

/// The forecast.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Forecast {
    pub as_of: NaiveDate,
    pub settings: Settings,
    /// The calendar years covered, in order.
    pub years: Vec<i32>,
    /// Per account and year, accounts in key order then years; every account
    /// that has any figure at the as-of date or later.
    pub rows: Vec<Row>,
    /// Per 编制类型 and year: the 周转池 at the end of the year.
    pub pools: Vec<(QuotaTypeId, i32, PoolAccount)>,
    /// Retirements within the horizon, by date then person.
    pub retirees: Vec<Retiree>,
    /// People in 编 already past their retirement date (已达退休年龄未出编).
    pub overdue: usize,
    /// People in 编 whose retirement date cannot be computed (skipped).
    pub skipped: usize,
    /// The legal source of the ages used.
    pub source: &'static str,
}

impl Forecast {
    /// Sums per year over the accounts `keep` selects.
    pub fn sum(&self, keep: impl Fn(&AccountKey) -> bool) -> BTreeMap<i32, Flows> {
        let mut out: BTreeMap<i32, Flows> =
            self.years.iter().map(|y| (*y, Flows::default())).collect();
        for r in self.rows.iter().filter(|r| keep(&r.key)) {
            out.entry(r.year).or_default().add(&r.flows);
        }
        out
    }

    /// Sums per year over the whole jurisdiction.
    pub fn jurisdiction(&self) -> BTreeMap<i32, Flows> {
        self.sum(|_| true)
    }

    /// Sums per year over a unit and the units below it (the tree as of the
    /// as-of date).
    pub fn subtree(&self, st: &State, root: UnitId) -> BTreeMap<i32, Flows> {
        let units: std::collections::BTreeSet<UnitId> =
            query::subtree(st, root, self.as_of).into_iter().collect();
        self.sum(|k| units.contains(&k.unit))
    }

    /// Sums per unit × 编制类型 and year (funding forms added together).
    pub fn by_unit_type(&self) -> BTreeMap<(UnitId, QuotaTypeId, i32), Flows> {
        let mut out: BTreeMap<(UnitId, QuotaTypeId, i32), Flows> = BTreeMap::new();
        for r in &self.rows {
            out.entry((r.key.unit, r.key.qtype, r.year))
                .or_default()
                .add(&r.flows);
        }
        out
    }
}

struct Sim {
    counts: BTreeMap<AccountKey, Counts>,
    pools: BTreeMap<QuotaTypeId, PoolAccount>,
    /// Open bridges by id: (key, source).
    bridges: BTreeMap<BridgeId, (AccountKey, BridgeSource)>,
    /// 动态 grants with slots outstanding: (key, outstanding).
    dynamic: BTreeMap<GrantId, (AccountKey, i32)>,
    /// Loans: (key, outstanding, due, on_attrition).
    loans: BTreeMap<LoanId, (AccountKey, i32, Option<NaiveDate>, bool)>,
    /// 承兑 grants' accounts.
    phased: BTreeMap<GrantId, AccountKey>,
    flows: BTreeMap<(AccountKey, i32), Flows>,
}

impl Sim {
    fn flows(&mut self, key: AccountKey, date: NaiveDate) -> &mut Flows {
        self.flows.entry((key, date.year())).or_default()
    }

    fn effect(&mut self, date: NaiveDate, e: Effect) {
        match e {
            Effect::Release { grant, count } => {
                let Some(key) = self.phased.get(&grant).copied() else {
                    return;
                };
                let c = self.counts.entry(key).or_default();
                c.approved += count;
                c.unreleased -= count;
                self.flows(key, date).released += count;
            }
            Effect::LoanDue { loan } => {
                let Some((key, outstanding, ..)) = self.loans.get(&loan).copied() else {
                    return;
                };
                let free = self.counts.get(&key).map_or(0, |c| c.available().max(0));
                let n = outstanding.min(free);
                if n > 0 {
                    self.return_loan(loan, n);
                    let f = self.flows(key, date);
                    f.due_returned += n;
                    f.to_pool += n;
                }
            }
        }
    }

    fn return_loan(&mut self, loan: LoanId, n: i32) {
        let Some(l) = self.loans.get_mut(&loan) else {
            return;
        };
        l.1 -= n;
        let key = l.0;
        self.counts.entry(key).or_default().borrowed -= n;
        let p = self.pools.entry(key.qtype).or_default();
        p.lent -= n;
        p.balance += n;
    }

    /// A retirement in `key` on `date`: the ledger's `on_vacancy` for a natural
    /// attrition.
    fn retire(&mut self, key: AccountKey, date: NaiveDate) {
        self.flows(key, date).retirements += 1;
        let c = self.counts.entry(key).or_default();
        c.actual -= 1;
        if c.available() < 1 {
            self.flows(key, date).absorbed += 1;
            return;
        }
        let bridge = self
            .bridges
            .iter()
            .find(|(_, (k, _))| *k == key)
            .map(|(id, (_, s))| (*id, *s));
        if let Some((id, source)) = bridge {
            self.bridges.remove(&id);
            self.counts.entry(key).or_default().bridged -= 1;
            let to_pool = match source {
                BridgeSource::Sender(s) => {
                    self.counts.entry(s).or_default().approved += 1;
                    0
                }
                BridgeSource::Pool => {
                    let p = self.pools.entry(key.qtype).or_default();
                    p.bridged -= 1;
                    p.balance += 1;
                    1
                }
            };
            let f = self.flows(key, date);
            f.bridges_written_off += 1;
            f.to_pool += to_pool;
            return;
        }
        // As the ledger: no 核定 left, nothing to take back.
        let has_approved = self.counts.get(&key).is_some_and(|c| c.approved >= 1);
        let grant = self
            .dynamic
            .iter()
            .find(|(_, (k, n))| has_approved && *k == key && *n > 0)
            .map(|(id, _)| *id);
        if let Some(id) = grant {
            if let Some(g) = self.dynamic.get_mut(&id) {
                g.1 -= 1;
            }
            self.counts.entry(key).or_default().approved -= 1;
            self.pools.entry(key.qtype).or_default().balance += 1;
            let f = self.flows(key, date);
            f.dynamic_reclaimed += 1;
            f.to_pool += 1;
            return;
        }
        let loan = self
            .loans
            .iter()
            .find(|(_, (k, n, due, attr))| {
                *k == key && *n > 0 && (*attr || due.is_some_and(|d| d <= date))
            })
            .map(|(id, _)| *id);
        if let Some(id) = loan {
            self.return_loan(id, 1);
            let f = self.flows(key, date);
            f.loans_returned += 1;
            f.to_pool += 1;
            return;
        }
        self.flows(key, date).free += 1;
    }
}

enum Event {
    Effect(Effect),
    Retire(AccountKey),
}

/// The natural-attrition forecast of the ledger `st` as of `as_of`.
pub fn forecast(
    st: &State,
    as_of: NaiveDate,
    settings: Settings,
) -> Result<Forecast, ForecastError> {
    if settings.horizon == 0 || settings.horizon > MAX_HORIZON {
        return Err(ForecastError::Horizon(settings.horizon));
    }
    let first = as_of.year();
    let last = first + settings.horizon as i32 - 1;
    let end = NaiveDate::from_ymd_opt(last, 12, 31).ok_or(ForecastError::OutOfRange(as_of))?;
    let start = as_of.succ_opt().ok_or(ForecastError::OutOfRange(as_of))?;
    let years: Vec<i32> = (first..=last).collect();
    let v = query::view_at(st, as_of);
    let st: &State = &v;

    let mut sim = Sim {
        counts: BTreeMap::new(),
        pools: query::pools_at(st, as_of).into_iter().collect(),
        bridges: BTreeMap::new(),
        dynamic: BTreeMap::new(),
        loans: BTreeMap::new(),
        phased: BTreeMap::new(),
        flows: BTreeMap::new(),
    };
    for key in st.history.accounts.keys() {
        if let Some((c, _)) = query::account_at(st, key, as_of) {
            sim.counts.insert(*key, c);
        }
    }
    for b in query::bridges_at(st, as_of, false) {
        sim.bridges.insert(b.id, (b.key, b.source));
    }
    for l in query::loans_at(st, as_of, false) {
        sim.loans
            .insert(l.id, (l.key, l.outstanding(), l.due, l.on_attrition));
    }
    let grants = query::grants_at(st, as_of, true);
    for g in &grants {
        match g.kind {
            GrantKind::Dynamic { .. } if g.outstanding() > 0 => {
                sim.dynamic.insert(g.id, (g.key, g.outstanding()));
            }
            GrantKind::Phased { .. } => {
                sim.phased.insert(g.id, g.key);
            }
            _ => {}
        }
    }

    // Scheduled effects after the as-of date, in the ledger's order.
    let mut events: Vec<((NaiveDate, u8, u64, u32), Event)> = Vec::new();
    let live = st.max_effective.is_none_or(|m| m <= as_of);
    if live {
        for ((d, n), e) in st.schedule.range((start, 0)..) {
            if *d <= end {
                events.push(((*d, 0, *n, 0), Event::Effect(*e)));
            }
        }
    } else {
        // Looking back: the effects then still to come, from the records.
        for g in &grants {
            if let GrantKind::Phased { tranches, .. } = &g.kind {
                for t in tranches.iter().filter(|t| t.date > as_of && t.date <= end) {
                    let e = Effect::Release {
                        grant: g.id,
                        count: t.count,
                    };
                    events.push(((t.date, 0, g.id.0 as u64, 0), Event::Effect(e)));
                }
            }
        }
        for l in query::loans_at(st, as_of, false) {
            if let Some(d) = l.due.filter(|d| *d > as_of && *d <= end) {
                let e = Effect::LoanDue { loan: l.id };
                events.push(((d, 0, u64::MAX / 2 + l.id.0 as u64, 0), Event::Effect(e)));
            }
        }
    }

    let mut retirees = Vec::new();
    let (mut overdue, mut skipped) = (0, 0);
    for i in 0..st.persons.len() as u32 {
        let id = PersonId(i);
        let Some(pl) = query::placement_at(st, id, as_of) else {
            continue;
        };
        if pl.status != PersonStatus::Active {
            continue;
        }
        let Some(p) = st.person(id) else {
            skipped += 1;
            continue;
        };
        let class = st.quota_type(pl.qtype).map(|q| q.class);
        let category = Category::of(p.details.identity, class);
        let birth = p.details.birth();
        let sex = p.details.sex();
        let (Ok(reaches), Ok(date)) = (
            retirement::reaches_age_on(birth, sex, category),
            retirement::retirement_date(birth, sex, category, settings.month),
        ) else {
            skipped += 1;
            continue;
        };
        let date = if date <= as_of {
            overdue += 1;
            start
        } else {
            date
        };
        if date > end {
            continue;
        }
        retirees.push(Retiree {
            person: id,
            key: pl.key(),
            category,
            reaches_age: reaches,
            date,
        });
        events.push(((date, 1, 0, i), Event::Retire(pl.key())));
    }
    retirees.sort_by_key(|r| (r.date, r.person));
    events.sort_by_key(|(k, _)| *k);

    let mut rows_end: BTreeMap<(AccountKey, i32), Counts> = BTreeMap::new();
    let mut pools = Vec::new();
    let mut events = events.into_iter().peekable();
    for &y in &years {
        while let Some(((d, ..), _)) = events.peek() {
            if d.year() > y {
                break;
            }
            let Some(((d, ..), e)) = events.next() else {
                break;
            };
            match e {
                Event::Effect(e) => sim.effect(d, e),
                Event::Retire(key) => sim.retire(key, d),
            }
        }
        for (k, c) in &sim.counts {
            rows_end.insert((*k, y), *c);
        }
        for (q, p) in &sim.pools {
            pools.push((*q, y, *p));
        }
    }

    let rows = rows_end
        .into_iter()
        .filter(|((k, y), c)| !c.is_zero() || sim.flows.contains_key(&(*k, *y)))
        .map(|((key, year), end)| Row {
            key,
            year,
            flows: sim.flows.get(&(key, year)).copied().unwrap_or_default(),
            end,
        })
        .collect();
    Ok(Forecast {
        as_of,
        settings,
        years,
        rows,
        pools,
        retirees,
        overdue,
        skipped,
        source: retirement::SOURCE,
    })
}
