//! An index over the journal, extended when a matter is recorded (rebuilt
//! when a correction or a backdated matter changes what came before): which
//! operations touch each unit (the 台账), each person and each 用编计划 line, and
//! the journal in effective-date order. Keeps the unit page and the lists
//! cheap instead of scanning every matter per request.

use bianzhi_core::matter::{Op, PersonRef};
use bianzhi_core::query::op_units;
use bianzhi_core::{Ledger, Matter, PersonId, PlanLineId, UnitId};
use rustc_hash::FxHashMap;

/// (journal index, operation index).
pub type OpAt = (u32, u16);

#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct JournalIndex {
    /// Number of journal entries indexed.
    pub len: usize,
    /// Journal indices in (effective date, seq) order.
    pub order: Vec<u32>,
    pub by_unit: FxHashMap<UnitId, Vec<OpAt>>,
    pub by_person: FxHashMap<PersonId, Vec<OpAt>>,
    pub by_plan: FxHashMap<PlanLineId, Vec<OpAt>>,
    /// Per journal entry, what the matters list filters on besides the
    /// entry's head: its 事项类型 and 事由. The matters themselves are decoded
    /// while indexing and dropped, so the index holds positions, not matters.
    pub text: Vec<EntryText>,
}

/// What the matters list searches in a journal entry.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct EntryText {
    /// 事项类型 of its operations (distinct, in order).
    pub kinds: Box<[&'static str]>,
    /// 事由.
    pub reason: Box<str>,
}

impl EntryText {
    fn of(m: &Matter) -> EntryText {
        let mut kinds: Vec<&'static str> = Vec::new();
        for op in &m.ops {
            if !kinds.contains(&op.label()) {
                kinds.push(op.label());
            }
        }
        EntryText {
            kinds: kinds.into(),
            reason: m.reason.as_str().into(),
        }
    }
}

fn person_of(op: &Op) -> Option<PersonId> {
    let r = match op {
        Op::Hire { person, .. }
        | Op::RegisterExisting { person, .. }
        | Op::RegisterFiled { person, .. } => return *person,
        Op::Onboard { person }
        | Op::WithdrawHire { person }
        | Op::Leave { person, .. }
        | Op::Transfer { person, .. }
        | Op::Appoint { person, .. }
        | Op::Remove { person, .. }
        | Op::CorrectPerson { person, .. }
        | Op::BridgeTransfer { person, .. }
        | Op::DirectedEnrol { person, .. } => person,
        _ => return None,
    };
    match r {
        PersonRef::Id(id) => Some(*id),
        PersonRef::IdNumber(_) => None,
    }
}

fn plan_of(op: &Op) -> Option<PlanLineId> {
    match op {
        Op::Hire { plan_line, .. } | Op::Transfer { plan_line, .. } => Some(*plan_line),
        Op::ApprovePlanLine { line, .. } => *line,
        _ => None,
    }
}

impl JournalIndex {
    pub fn build(ledger: &Ledger) -> JournalIndex {
        let entries = ledger.entries();
        let mut order: Vec<u32> = (0..entries.len() as u32).collect();
        order.sort_by_key(|i| {
            let e = &entries[*i as usize];
            (e.effective, e.seq)
        });
        let mut ix = JournalIndex {
            len: entries.len(),
            text: vec![EntryText::default(); entries.len()],
            ..Default::default()
        };
        for &i in &order {
            ix.add(ledger, i);
        }
        ix.order = order;
        ix
    }

    /// Indexes journal entry `i`, decoding its matter for the time it takes.
    /// An entry that cannot be decoded is listed (by its head) but in no
    /// 台账; the pages that show it name the error.
    fn add(&mut self, ledger: &Ledger, i: u32) {
        let e = &ledger.entries()[i as usize];
        let Ok(m) = ledger.decode(e) else {
            return;
        };
        self.text[i as usize] = EntryText::of(&m);
        // A matter voided by a 更正 or 撤销 is listed among the matters
        // but no longer in a unit's, a person's or a plan line's 台账.
        if !ledger.stands(e.seq) {
            return;
        }
        let st = ledger.state();
        for (k, op) in m.ops.iter().enumerate() {
            let at = (i, k as u16);
            for u in op_units(st, op, m.effective) {
                self.by_unit.entry(u).or_default().push(at);
            }
            if let Some(p) = person_of(op) {
                self.by_person.entry(p).or_default().push(at);
            }
            if let Some(l) = plan_of(op) {
                self.by_plan.entry(l).or_default().push(at);
            }
        }
    }

    /// Brings the index up to the ledger's journal by indexing only the
    /// entries appended since it was built, when that gives what
    /// [`JournalIndex::build`] would: none of them corrects an earlier
    /// matter (which would take that matter out of the 台账) and none is
    /// dated before the latest already indexed (which would reorder them).
    /// Answers whether it did; if not, the index is unchanged.
    pub fn extend(&mut self, ledger: &Ledger) -> bool {
        let journal = ledger.entries();
        if journal.len() < self.len {
            return false;
        }
        let fresh = &journal[self.len..];
        let latest = self.order.last().map(|i| journal[*i as usize].effective);
        let in_order = fresh.windows(2).all(|w| w[0].effective <= w[1].effective);
        if !in_order
            || fresh.iter().any(|e| e.corrects.is_some())
            || fresh
                .first()
                .zip(latest)
                .is_some_and(|(e, l)| e.effective < l)
        {
            return false;
        }
        self.text.resize(journal.len(), EntryText::default());
        for i in self.len..journal.len() {
            self.order.push(i as u32);
            self.add(ledger, i as u32);
        }
        self.len = journal.len();
        true
    }
}
