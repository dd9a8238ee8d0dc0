//! 评估 after delegation ("接得住、管得好"): use counts per (item, town,
//! period) taken in from the enforcement and 政务服务 platforms; delegated
//! items never used over the last N periods are flagged for 收回 review
//! ("空转" items, as 周庄镇 and 玉山镇 removed).

use std::collections::HashMap;

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalogue::ItemId;
use crate::delegation::{DelegationId, Delegations};
use crate::territory::PlaceId;

/// A period [start, end).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct Period {
    pub start: NaiveDate,
    pub end: NaiveDate,
}

/// 行权次数 of an item in a town over a period, as reported by another
/// system (rows for the same key are added up).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsageRow {
    pub item: ItemId,
    pub town: PlaceId,
    pub period: Period,
    pub count: u32,
}

/// A delegation flagged for 收回 review at one town.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReviewCandidate {
    pub delegation: DelegationId,
    pub item: ItemId,
    pub town: PlaceId,
    /// The periods looked at (the delegation was in force through each).
    pub periods: Vec<Period>,
}

/// Why the evaluation could not run.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum EvaluationError {
    #[error("评估期间 {start}–{end} 无效：结束日期应晚于开始日期")]
    BadPeriod { start: NaiveDate, end: NaiveDate },
    #[error("评估期间 {a} 与 {b} 重叠")]
    Overlapping { a: NaiveDate, b: NaiveDate },
    #[error("至少评估一个期间")]
    NoPeriods,
}

/// Delegations (per receiving town) in force through each of the last
/// `idle` of `periods` with no use reported in any of them. Delegations not
/// in force through a whole period are not judged on it (too new, or
/// withdrawn).
pub fn idle_delegations(
    delegations: &Delegations,
    usage: &[UsageRow],
    periods: &[Period],
    idle: usize,
) -> Result<Vec<ReviewCandidate>, EvaluationError> {
    if idle == 0 || periods.is_empty() {
        return Err(EvaluationError::NoPeriods);
    }
    let mut sorted = periods.to_vec();
    sorted.sort();
    for p in &sorted {
        if p.end <= p.start {
            return Err(EvaluationError::BadPeriod {
                start: p.start,
                end: p.end,
            });
        }
    }
    for w in sorted.windows(2) {
        if w[1].start < w[0].end {
            return Err(EvaluationError::Overlapping {
                a: w[0].start,
                b: w[1].start,
            });
        }
    }
    let last = &sorted[sorted.len().saturating_sub(idle)..];
    let mut uses: HashMap<(ItemId, PlaceId, Period), u64> = HashMap::new();
    for r in usage {
        *uses.entry((r.item, r.town, r.period)).or_default() += u64::from(r.count);
    }
    let mut out = Vec::new();
    for d in delegations.all() {
        let through_all = last
            .iter()
            .all(|p| d.entry.effective <= p.start && d.end().is_none_or(|e| e >= p.end));
        if !through_all || last.len() < idle {
            continue;
        }
        for &town in &d.entry.to {
            let used: u64 = last
                .iter()
                .map(|p| uses.get(&(d.entry.item, town, *p)).copied().unwrap_or(0))
                .sum();
            if used == 0 {
                out.push(ReviewCandidate {
                    delegation: d.id,
                    item: d.entry.item,
                    town,
                    periods: last.to_vec(),
                });
            }
        }
    }
    Ok(out)
}
