//! 沙盘推演 (what-if): a named set of draft matters tried, in order, on a
//! copy of the ledger. The real ledger and its journal are never touched; the
//! rules are the ledger's own (`Ledger::submit` on the copy), so a scenario
//! refuses exactly what recording would. A refused draft is reported with
//! its refusal and the others go on.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use bianzhi_core::query::{rollup, view_at};
use bianzhi_core::{Ledger, Matter, State};

use crate::preview::{diff, Preview};

/// One draft matter of a scenario and what the ledger made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Step {
    /// Position in the scenario (from 1).
    pub index: usize,
    /// 文号 (a draft may carry a placeholder).
    pub doc: String,
    pub effective: NaiveDate,
    /// 事项类型 of its operations.
    pub kinds: Vec<String>,
    /// The refusal, in Chinese, when the ledger would not take it.
    pub refusal: Option<String>,
    /// The machine code of the refusal.
    pub code: Option<String>,
    /// Warnings it would carry.
    pub warnings: Vec<String>,
}

/// Jurisdiction figures as of a date: 核定, 实有, 冻结 (待报到), 可用空编
/// (summed per account, never below 0), 超编, and units in being.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Totals {
    pub approved: i32,
    pub actual: i32,
    pub frozen: i32,
    pub available: i32,
    pub over: i32,
    pub units: usize,
}

impl Totals {
    pub fn of(st: &State, date: NaiveDate) -> Totals {
        let v = view_at(st, date);
        let r = rollup(&v, date, None);
        Totals {
            approved: r.total.approved,
            actual: r.total.actual,
            frozen: r.total.frozen,
            available: r.available,
            over: r.over,
            units: bianzhi_core::query::units_at(&v, date).len(),
        }
    }
}

/// What a scenario would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Outcome {
    /// The date the figures are compared at: the latest effective date of
    /// the ledger and the drafts.
    pub as_of: NaiveDate,
    pub steps: Vec<Step>,
    /// How many drafts the ledger would take.
    pub accepted: usize,
    /// Every account, post, 周转池, unit and person changed, before → after.
    pub changes: Preview,
    /// The jurisdiction before and after.
    pub before: Totals,
    pub after: Totals,
}

/// Tries the drafts in order on a copy of the ledger (each as recording
/// would, backdated ones replayed with everything after them).
pub fn run(ledger: &Ledger, drafts: &[Matter], now: DateTime<Utc>, today: NaiveDate) -> Outcome {
    let mut copy = ledger.clone();
    let mut steps = Vec::with_capacity(drafts.len());
    let mut accepted = 0;
    for (i, d) in drafts.iter().enumerate() {
        let mut kinds: Vec<String> = Vec::new();
        for op in &d.ops {
            let l = op.label().to_string();
            if !kinds.contains(&l) {
                kinds.push(l);
            }
        }
        let (refusal, code, warnings) = match copy.submit(d.clone(), now) {
            Ok((_, m)) => {
                accepted += 1;
                (None, None, m.warnings.clone())
            }
            Err(e) => (Some(e.to_string()), Some(e.code().to_string()), Vec::new()),
        };
        steps.push(Step {
            index: i + 1,
            doc: d.doc.to_string(),
            effective: d.effective,
            kinds,
            refusal,
            code,
            warnings,
        });
    }
    let as_of = drafts
        .iter()
        .map(|d| d.effective)
        .chain(ledger.state().max_effective)
        .chain([today])
        .max()
        .unwrap_or(today);
    Outcome {
        as_of,
        changes: diff(ledger.state(), copy.state()),
        before: Totals::of(ledger.state(), as_of),
        after: Totals::of(copy.state(), as_of),
        steps,
        accepted,
    }
}
