//! An index over the journal, extended when a matter is recorded (rebuilt
//! when a correction or a backdated matter changes what came before): which
//! operations touch each unit (the 台账), each person and each 用编计划 line, and
//! the journal in effective-date order. Keeps the unit page and the lists
//! cheap instead of scanning every matter per request.

use bianzhi_core::matter::{Op, PersonRef};
use bianzhi_core::query::op_units;
use bianzhi_core::{Ledger, PersonId, PlanLineId, UnitId};
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
        let st = ledger.state();
        let journal = ledger.journal();
        let mut order: Vec<u32> = (0..journal.len() as u32).collect();
        order.sort_by_key(|i| {
            let (s, m) = &journal[*i as usize];
            (m.effective, *s)
        });
        let mut ix = JournalIndex {
            len: journal.len(),
            ..Default::default()
        };
        for &i in &order {
            let (seq, m) = &journal[i as usize];
            // A matter voided by a 更正 or 撤销 is listed among the matters
            // but no longer in a unit's, a person's or a plan line's 台账.
            if !ledger.stands(*seq) {
                continue;
            }
            for (k, op) in m.ops.iter().enumerate() {
                let at = (i, k as u16);
                for u in op_units(st, op, m.effective) {
                    ix.by_unit.entry(u).or_default().push(at);
                }
                if let Some(p) = person_of(op) {
                    ix.by_person.entry(p).or_default().push(at);
                }
                if let Some(l) = plan_of(op) {
                    ix.by_plan.entry(l).or_default().push(at);
                }
            }
        }
        ix.order = order;
        ix
    }

    /// Brings the index up to the ledger's journal by indexing only the
    /// entries appended since it was built, when that gives what
    /// [`JournalIndex::build`] would: none of them corrects an earlier
    /// matter (which would take that matter out of the 台账) and none is
    /// dated before the latest already indexed (which would reorder them).
    /// Answers whether it did; if not, the index is unchanged.
    pub fn extend(&mut self, ledger: &Ledger) -> bool {
        let journal = ledger.journal();
        if journal.len() < self.len {
            return false;
        }
        let fresh = &journal[self.len..];
        let latest = self.order.last().map(|i| journal[*i as usize].1.effective);
        let in_order = fresh
            .windows(2)
            .all(|w| w[0].1.effective <= w[1].1.effective);
        if !in_order
            || fresh.iter().any(|(_, m)| m.corrects.is_some())
            || fresh
                .first()
                .zip(latest)
                .is_some_and(|((_, m), l)| m.effective < l)
        {
            return false;
        }
        let st = ledger.state();
        for (i, (seq, m)) in journal.iter().enumerate().skip(self.len) {
            self.order.push(i as u32);
            if !ledger.stands(*seq) {
                continue;
            }
            for (k, op) in m.ops.iter().enumerate() {
                let at = (i as u32, k as u16);
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
        self.len = journal.len();
        true
    }
}
