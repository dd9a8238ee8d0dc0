use bianzhi_core::{PlanLineId, State, UnitId};

use serde::Serialize;
use utoipa::ToSchema;

use crate::ledger::*;
use crate::matters::views::*;
use crate::prelude::*;

pub const PLAN_SORTS: &[&str] = &["year", "unit", "remaining", "rate"];

/// A 用编计划 line and its use.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanLineView {
    pub id: u32,
    pub unit_id: u32,
    pub unit: String,
    pub year: i32,
    /// 渠道.
    pub channel: String,
    pub qtype: String,
    /// 计划数.
    pub approved: i32,
    /// 已使用.
    pub used: i32,
    /// 剩余.
    pub remaining: i32,
    /// 执行率 (percent).
    pub rate: i32,
}

/// A plan line with the matters that approved and used it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanLineDetail {
    #[serde(flatten)]
    pub line: PlanLineView,
    pub uses: Vec<LedgerLineView>,
}

fn plan_view(st: &State, l: &bianzhi_core::model::PlanLine) -> PlanLineView {
    PlanLineView {
        id: l.id.0,
        unit_id: l.unit.0,
        unit: st.unit_name(l.unit),
        year: l.year,
        channel: l.channel.label().into(),
        qtype: st.qtype_name(l.qtype),
        approved: l.approved,
        used: l.used,
        remaining: l.remaining(),
        rate: if l.approved > 0 {
            l.used * 100 / l.approved
        } else {
            0
        },
    }
}

/// Filters of the 用编计划 list.
#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    pub unit: Option<UnitId>,
    pub year: Option<i32>,
    /// Only lines with something left.
    pub open: bool,
    pub sort: String,
    pub desc: bool,
}

/// 用编计划 lines (as they stand now: a plan's use is not kept per date).
pub fn plans(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    f: &PlanFilter,
    pager: Pager,
) -> (Vec<PlanLineView>, PageInfo, Vec<i32>) {
    let st = ctx.live;
    let mut years: Vec<i32> = st.plan_lines.iter().flatten().map(|l| l.year).collect();
    years.sort_unstable();
    years.dedup();
    let mut rows: Vec<PlanLineView> = st
        .plan_lines
        .iter()
        .flatten()
        .filter(|l| {
            in_scope(scope, l.unit)
                && f.unit.is_none_or(|u| u == l.unit)
                && f.year.is_none_or(|y| y == l.year)
                && (!f.open || l.remaining() > 0)
        })
        .map(|l| plan_view(st, l))
        .collect();
    match f.sort.as_str() {
        "unit" => rows.sort_by_key(|r| (r.unit_id, r.year, r.id)),
        "remaining" => rows.sort_by_key(|r| (r.remaining, r.id)),
        "rate" => rows.sort_by_key(|r| (r.rate, r.id)),
        _ => rows.sort_by_key(|r| (std::cmp::Reverse(r.year), r.id)),
    }
    if f.desc {
        rows.reverse();
    }
    let (page, info) = pager.slice(rows);
    (page, info, years)
}

pub fn plan_detail(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    id: u32,
) -> Result<PlanLineDetail, WebError> {
    let l = ctx
        .live
        .plan_line(PlanLineId(id))
        .ok_or_else(|| WebError::NotFound(format!("第 {id} 号用编计划不存在")))?;
    if !in_scope(scope, l.unit) {
        return Err(WebError::out_of_scope(WebError::NotFound(format!(
            "第 {id} 号用编计划不存在"
        ))));
    }
    let uses = ctx
        .index
        .by_plan
        .get(&l.id)
        .map(|v| {
            v.iter()
                .map(|(i, k)| line_view(ctx, scope, *i, *k, Some(l.unit)))
                .collect()
        })
        .unwrap_or_default();
    Ok(PlanLineDetail {
        line: plan_view(ctx.live, l),
        uses,
    })
}

pub fn plan_filter(
    app: &App,
    scope: Option<&[UnitId]>,
    p: &Params,
) -> Result<PlanFilter, WebError> {
    let (sort, desc) = p.sort(PLAN_SORTS, "year")?;
    let unit = match p.get("unit") {
        None => None,
        Some(s) => {
            let db = app.db();
            Some(crate::ledger::find_unit_in_scope(
                db.state(),
                scope,
                &UnitKey::Name(s.to_string()),
            )?)
        }
    };
    Ok(PlanFilter {
        unit,
        year: p.i32("year")?,
        open: p.flag("open")?,
        sort,
        desc,
    })
}
