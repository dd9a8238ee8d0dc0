//! The transaction a matter is applied in: every change is undo-logged (a
//! refused matter leaves the state exactly as it was) and the records it
//! touches are captured into the histories on commit.

use chrono::NaiveDate;
use compact_str::CompactString;

use super::{AutoEvent, Effect, State};
use crate::ids::{BridgeId, GrantId, LoanId, PersonId, PlanLineId, QuotaTypeId, Seq, UnitId};
use crate::matter::Matter;
use crate::model::{
    AccountKey, Bridge, Counts, Grant, Loan, Person, Placement, PlanLine, PoolAccount, PostAccount,
    PostKey, QuotaAccount, SectorTotal, Staffing, Unit,
};
use crate::violation::{InputError, MatterError, Violation};

#[derive(Debug)]
pub(in crate::state) enum Undo {
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
    /// A 行业编制总量 changed (its old value) or added (`None`).
    SectorTotal(usize, Option<Box<SectorTotal>>),
    ScheduleAdd((NaiveDate, u64), u64),
    ScheduleRemove((NaiveDate, u64), Effect),
    AutoEvents(usize),
}

/// A history entry captured with its values at a date.
#[derive(Debug)]
pub(in crate::state) enum HistEntry {
    Account(AccountKey, (Counts, bool)),
    Post(PostKey, (i32, i32)),
    Unit(Box<Unit>),
    Placement(PersonId, Placement),
    Pool(QuotaTypeId, PoolAccount),
    Loan(Box<Loan>),
    Grant(Box<Grant>),
    Bridge(Box<Bridge>),
    Staffing(UnitId, Staffing),
    SectorTotal(usize, Box<SectorTotal>),
}

pub(in crate::state) fn set_slot<T>(v: &mut Vec<Option<T>>, i: usize, value: Option<T>) {
    if i >= v.len() {
        v.resize_with(i + 1, || None);
    }
    v[i] = value;
    while matches!(v.last(), Some(None)) {
        v.pop();
    }
}

impl State {
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
        let total_before = if cfg!(debug_assertions) {
            self.quota_total()
        } else {
            0
        };
        let doc = compact_str::ToCompactString::to_compact_string(&matter.doc);
        let mut tx = Tx::new(self, logging, matter.effective, doc);
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
        let settled = match tx.final_checks() {
            Ok(settled) => settled,
            Err(v) => {
                tx.rollback();
                return Err(MatterError::Final(v));
            }
        };
        tx.settle_digesting(&settled);
        let warnings = std::mem::take(&mut tx.warnings);
        let touched = tx.commit(seq, matter.ops.len());
        if cfg!(debug_assertions) {
            self.debug_check_commit(matter, &touched, total_before);
        }
        Ok(warnings)
    }

    pub(in crate::state) fn push_entry(&mut self, date: NaiveDate, e: HistEntry) {
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
            HistEntry::SectorTotal(i, t) => push_hist(slot(&mut h.sector_totals, i), date, *t),
        }
    }
}

/// Undo-logged access to the instrument records kept in `Vec<Option<T>>` slots
/// (loans, grants, bridges): `$get` for a change, `$put` for a new record.
macro_rules! instrument_accessors {
    ($get:ident, $put:ident, $field:ident, $touched:ident, $Id:ident, $T:ident, $what:literal) => {
        pub(in crate::state) fn $get(&mut self, id: $Id) -> R<&mut $T> {
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

        pub(in crate::state) fn $put(&mut self, x: $T) -> R {
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

pub(in crate::state) struct Tx<'s> {
    pub(in crate::state) st: &'s mut State,
    /// Whether changes are undo-logged (a refused matter is rolled back);
    /// off only for replays whose state is dropped on the first refusal.
    pub(in crate::state) logging: bool,
    pub(in crate::state) undo: Vec<Undo>,
    pub(in crate::state) t_accounts: Vec<AccountKey>,
    pub(in crate::state) t_posts: Vec<PostKey>,
    pub(in crate::state) t_units: Vec<UnitId>,
    pub(in crate::state) t_persons: Vec<PersonId>,
    pub(in crate::state) t_pools: Vec<QuotaTypeId>,
    pub(in crate::state) t_loans: Vec<LoanId>,
    pub(in crate::state) t_grants: Vec<GrantId>,
    pub(in crate::state) t_bridges: Vec<BridgeId>,
    pub(in crate::state) t_staffing: Vec<UnitId>,
    pub(in crate::state) t_sector_totals: Vec<usize>,
    pub(in crate::state) captured: Vec<(NaiveDate, HistEntry)>,
    pub(in crate::state) effective: NaiveDate,
    pub(in crate::state) doc: CompactString,
    pub(in crate::state) warnings: Vec<String>,
    /// What the transaction changed (kept in debug builds only, for the
    /// invariant check on commit).
    pub(in crate::state) touched: Touched,
}

/// The units and 领导职数 a transaction changed.
#[derive(Debug, Default)]
pub(in crate::state) struct Touched {
    pub(in crate::state) units: Vec<UnitId>,
    pub(in crate::state) posts: Vec<PostKey>,
}

pub(in crate::state) type R<T = ()> = Result<T, Violation>;

impl<'s> Tx<'s> {
    /// A transaction on `st` at `effective`, for the matter numbered `doc`.
    pub(in crate::state) fn new(
        st: &'s mut State,
        logging: bool,
        effective: NaiveDate,
        doc: CompactString,
    ) -> Tx<'s> {
        Tx {
            st,
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
            t_sector_totals: Vec::new(),
            captured: Vec::new(),
            effective,
            doc,
            warnings: Vec::new(),
            touched: Touched::default(),
        }
    }
}

impl Tx<'_> {
    // ---------- undo-logged primitives ----------

    /// Records how to undo a change (nothing when the transaction is not
    /// logged, see [`State::apply_unlogged`]).
    pub(in crate::state) fn log(&mut self, u: Undo) {
        if self.logging {
            self.undo.push(u);
        }
    }

    /// As [`Tx::log`], building the record (which may allocate) only if logged.
    pub(in crate::state) fn log_with(&mut self, u: impl FnOnce() -> Undo) {
        if self.logging {
            self.undo.push(u());
        }
    }

    pub(in crate::state) fn rollback(mut self) {
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
                Undo::SectorTotal(i, v) => match v {
                    Some(t) => st.sector_totals[i] = *t,
                    None => {
                        st.sector_totals.truncate(i);
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
    pub(in crate::state) fn capture(&mut self, date: NaiveDate) {
        fn drain<T: Ord>(v: &mut Vec<T>) -> Vec<T> {
            let mut v = std::mem::take(v);
            v.sort_unstable();
            v.dedup();
            v
        }
        if cfg!(debug_assertions) {
            self.note_touched_units();
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
        for i in drain(&mut self.t_sector_totals) {
            if let Some(t) = st.sector_totals.get(i) {
                out.push(HistEntry::SectorTotal(i, Box::new(t.clone())));
            }
        }
        self.captured.extend(out.into_iter().map(|e| (date, e)));
    }

    /// Adds the units and posts of the records touched so far to `touched`.
    fn note_touched_units(&mut self) {
        let st = &*self.st;
        self.touched.posts.extend(self.t_posts.iter().copied());
        let u = &mut self.touched.units;
        u.extend(self.t_accounts.iter().map(|k| k.unit));
        u.extend(self.t_posts.iter().map(|k| k.unit));
        u.extend(self.t_units.iter().copied());
        u.extend(self.t_staffing.iter().copied());
        u.extend(
            self.t_persons
                .iter()
                .filter_map(|p| st.person(*p))
                .map(|p| p.placement.unit),
        );
        u.extend(
            self.t_loans
                .iter()
                .filter_map(|l| st.loan(*l))
                .map(|l| l.key.unit),
        );
        u.extend(
            self.t_grants
                .iter()
                .filter_map(|g| st.grant(*g))
                .map(|g| g.key.unit),
        );
        for b in self.t_bridges.iter().filter_map(|b| st.bridge(*b)) {
            u.push(b.key.unit);
            if let crate::model::BridgeSource::Sender(k) = b.source {
                u.push(k.unit);
            }
        }
    }

    /// Records the matter's changes in the histories and moves the clock.
    /// Returns what the matter touched (debug builds; empty otherwise).
    pub(in crate::state) fn commit(mut self, seq: Seq, ops: usize) -> Touched {
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
        let mut touched = self.touched;
        touched.units.sort_unstable();
        touched.units.dedup();
        touched.posts.sort_unstable();
        touched.posts.dedup();
        touched
    }

    pub(in crate::state) fn unit_mut(&mut self, id: UnitId) -> R<&mut Unit> {
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

    pub(in crate::state) fn put_unit(&mut self, unit: Unit) {
        let id = unit.id;
        self.log(Undo::Unit(id, None));
        self.t_units.push(id);
        set_slot(&mut self.st.units, id.index(), Some(unit));
    }

    pub(in crate::state) fn account_mut(&mut self, key: AccountKey) -> &mut QuotaAccount {
        let old = self.st.accounts.get(&key).copied();
        self.log(Undo::Account(key, old));
        self.t_accounts.push(key);
        self.st.accounts.entry(key).or_insert(QuotaAccount {
            key,
            counts: Counts::default(),
            digesting: false,
        })
    }

    pub(in crate::state) fn pool_mut(&mut self, q: QuotaTypeId) -> &mut PoolAccount {
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

    /// Sets the 行业编制总量 of (sector, 编制类型), undo-logged; returns its index.
    pub(in crate::state) fn put_sector_total(&mut self, t: SectorTotal) -> usize {
        let at = self
            .st
            .sector_totals
            .iter()
            .position(|x| x.sector == t.sector && x.qtype == t.qtype);
        let i = match at {
            Some(i) => {
                let old = Box::new(self.st.sector_totals[i].clone());
                self.log(Undo::SectorTotal(i, Some(old)));
                self.st.sector_totals[i] = t;
                i
            }
            None => {
                let i = self.st.sector_totals.len();
                self.log(Undo::SectorTotal(i, None));
                self.st.sector_totals.push(t);
                i
            }
        };
        self.t_sector_totals.push(i);
        i
    }

    pub(in crate::state) fn staffing_mut(&mut self, u: UnitId) -> &mut Staffing {
        let old = self.st.staffing.get(&u).copied();
        self.log(Undo::Staffing(u, old));
        self.t_staffing.push(u);
        self.st.staffing.entry(u).or_default()
    }

    pub(in crate::state) fn auto_event(
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

    pub(in crate::state) fn counts(&self, key: &AccountKey) -> Counts {
        self.st
            .accounts
            .get(key)
            .map(|a| a.counts)
            .unwrap_or_default()
    }

    pub(in crate::state) fn post_mut(&mut self, key: PostKey) -> &mut PostAccount {
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

    pub(in crate::state) fn person_mut(&mut self, id: PersonId) -> R<&mut Person> {
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

    pub(in crate::state) fn put_person(&mut self, p: Person) {
        let id = p.id;
        if self.logging {
            let old = self.st.person(id).cloned().map(Box::new);
            self.undo.push(Undo::Person(id, old));
        }
        self.t_persons.push(id);
        set_slot(&mut self.st.persons, id.index(), Some(p));
    }

    pub(in crate::state) fn plan_mut(&mut self, id: PlanLineId) -> R<&mut PlanLine> {
        let Some(old) = self.st.plan_line(id) else {
            return Err(Violation::UnknownPlanLine(id.0));
        };
        if self.logging {
            let old = old.clone();
            self.undo.push(Undo::Plan(id, Some(old)));
        }
        Ok(self.st.plan_lines[id.index()].as_mut().expect("checked"))
    }

    pub(in crate::state) fn set_unit_name(&mut self, name: &str, id: Option<UnitId>) {
        let old = self.st.unit_by_name.get(name).copied();
        self.log_with(|| Undo::UnitName(name.to_string(), old));
        match id {
            Some(id) => self.st.unit_by_name.insert(name.to_string(), id),
            None => self.st.unit_by_name.remove(name),
        };
    }

    pub(in crate::state) fn index_person(&mut self, idn: &str, id: PersonId) {
        let old = self.st.person_by_id_number.get(idn).copied();
        if old == Some(id) {
            return;
        }
        self.log_with(|| Undo::PersonIndex(idn.into(), old));
        self.st
            .person_by_id_number
            .insert(CompactString::from(idn), id);
    }

    pub(in crate::state) fn unindex_person(&mut self, idn: &str) {
        let old = self.st.person_by_id_number.remove(idn);
        self.log_with(|| Undo::PersonIndex(idn.into(), old));
    }

    pub(in crate::state) fn place_in_unit(&mut self, unit: UnitId, person: PersonId) {
        let v = self.st.unit_people.entry(unit).or_default();
        if v.last() == Some(&person) {
            return;
        }
        v.push(person);
        self.log(Undo::UnitPeoplePush(unit));
    }
}

fn push_hist<T>(h: &mut Vec<(NaiveDate, T)>, d: NaiveDate, v: T) {
    match h.last_mut() {
        Some((ld, lv)) if *ld == d => *lv = v,
        _ => h.push((d, v)),
    }
}
