use bianzhi_core::catalog::UnitKind;
use bianzhi_core::{query, State, UnitId};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use std::collections::BTreeMap;
use utoipa::ToSchema;

use crate::ledger::*;
use crate::matters::views::*;
use crate::prelude::*;

/// Totals of one 编制类型.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TypeTotals {
    pub qtype_id: u16,
    pub qtype: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A unit over quota or in 超编消化.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverQuotaUnit {
    pub id: u32,
    pub name: String,
    /// e.g. 行政编制(全额拨款) 超编 1 人（超编消化）.
    pub accounts: Vec<String>,
    pub over: i32,
}

/// A leadership-post account with more holders than approved (超职数).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostViolation {
    pub unit_id: u32,
    pub unit: String,
    pub post: String,
    pub approved: i32,
    pub filled: i32,
}

/// Year-end figures for the trend chart.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendPoint {
    pub date: NaiveDate,
    pub approved: i32,
    pub actual: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindCount {
    pub kind: String,
    pub count: usize,
}

/// 总览.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SummaryView {
    pub jurisdiction: String,
    pub code: String,
    pub as_of: NaiveDate,
    /// Whether the figures cover only the user's units (单位经办).
    pub scoped: bool,
    pub units: usize,
    pub units_by_kind: Vec<KindCount>,
    pub by_type: Vec<TypeTotals>,
    pub total: Figures,
    /// 在编及已批未报到人员.
    pub people: usize,
    pub over_units: Vec<OverQuotaUnit>,
    pub post_violations: Vec<PostViolation>,
    pub recent: Vec<MatterRow>,
    pub matters: u64,
    pub last_effective: Option<NaiveDate>,
    pub trend: Vec<TrendPoint>,
}

/// Rolls figures of the units in `units` (all units when `None`).
fn totals(st: &State, date: NaiveDate, units: Option<&[UnitId]>) -> (Vec<TypeTotals>, Figures) {
    let r = query::rollup(st, date, units);
    let by_type = r
        .by_type
        .iter()
        .map(|(q, c)| TypeTotals {
            qtype_id: q.0,
            qtype: st.qtype_name(*q),
            figures: Figures::total(
                c,
                r.over_by_type.get(q).copied().unwrap_or(0),
                r.available_by_type.get(q).copied().unwrap_or(0),
            ),
        })
        .collect();
    (by_type, Figures::total(&r.total, r.over, r.available))
}

/// 总览 of the jurisdiction (or of the user's units).
pub fn summary(ctx: &ReadCtx<'_>, scope: Option<&[UnitId]>) -> SummaryView {
    let st = ctx.st;
    let date = ctx.date;
    let units: Vec<&bianzhi_core::model::Unit> = query::units_at(st, date)
        .into_iter()
        .filter(|u| in_scope(scope, u.id))
        .collect();
    let mut by_kind: BTreeMap<UnitKind, usize> = BTreeMap::new();
    for u in &units {
        *by_kind.entry(u.kind).or_default() += 1;
    }
    let ids: Vec<UnitId> = units.iter().map(|u| u.id).collect();
    let (by_type, total) = totals(st, date, scope.map(|_| ids.as_slice()));
    let mut over_units = Vec::new();
    let mut post_violations = Vec::new();
    let mut people = 0;
    for u in &units {
        let rows = query::quota_table(st, u.id, date);
        let bad: Vec<String> = rows
            .iter()
            .filter(|r| r.over > 0 || r.digesting)
            .map(|r| {
                format!(
                    "{}({}) 超编 {} 人{}",
                    r.qtype,
                    r.funding,
                    r.over,
                    if r.digesting {
                        "（超编消化）"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        if !bad.is_empty() {
            over_units.push(OverQuotaUnit {
                id: u.id.0,
                name: u.name.clone(),
                accounts: bad,
                over: rows.iter().map(|r| r.over).sum(),
            });
        }
        for p in query::post_table(st, u.id, date) {
            if p.vacant < 0 {
                post_violations.push(PostViolation {
                    unit_id: u.id.0,
                    unit: u.name.clone(),
                    post: p.label,
                    approved: p.approved,
                    filled: p.filled,
                });
            }
        }
        people += rows
            .iter()
            .map(|r| r.counts.actual + r.counts.frozen)
            .sum::<i32>() as usize;
    }
    let (recent, _) = matters(
        ctx,
        scope,
        &MatterFilter {
            desc: true,
            ..Default::default()
        },
        Pager {
            page: 1,
            per_page: 8,
        },
    );
    // Year ends from the first matter's year to the date.
    let first = ctx
        .index
        .order
        .first()
        .map(|i| ctx.entry(*i).effective.year())
        .unwrap_or(date.year());
    let mut trend = Vec::new();
    for y in first..=date.year() {
        let d = NaiveDate::from_ymd_opt(y, 12, 31).expect("valid").min(date);
        let r = query::rollup(st, d, scope.map(|_| ids.as_slice()));
        trend.push(TrendPoint {
            date: d,
            approved: r.total.approved,
            actual: r.total.actual,
        });
    }
    SummaryView {
        jurisdiction: st.jurisdiction.name.clone(),
        code: st.jurisdiction.code.clone(),
        as_of: date,
        scoped: scope.is_some(),
        units: units.len(),
        units_by_kind: by_kind
            .into_iter()
            .map(|(k, n)| KindCount {
                kind: k.label().into(),
                count: n,
            })
            .collect(),
        by_type,
        total,
        people,
        over_units,
        post_violations,
        recent,
        // For a user limited to some units, the matters touching them only.
        matters: match scope {
            None => ctx
                .index
                .order
                .iter()
                .filter(|i| ctx.entry(**i).effective <= date)
                .count() as u64,
            Some(sc) => {
                let mut v: Vec<u32> = sc
                    .iter()
                    .filter_map(|u| ctx.index.by_unit.get(u))
                    .flat_map(|v| v.iter().map(|(i, _)| *i))
                    .filter(|i| ctx.entry(*i).effective <= date)
                    .collect();
                v.sort_unstable();
                v.dedup();
                v.len() as u64
            }
        },
        last_effective: ctx.live.max_effective,
        trend,
    }
}
