use bianzhi_core::forecast::{forecast, Flows, Settings};
use bianzhi_core::{query, UnitId};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ledger::*;
use crate::prelude::*;

/// What became of the vacancies in one year.
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct YearFlows {
    pub year: i32,
    /// 预计退休.
    pub retirements: i32,
    /// 超编消化.
    pub absorbed: i32,
    /// 过桥消化.
    pub bridges: i32,
    /// 动态收回 (退一收一).
    pub dynamic: i32,
    /// 减员收回 (周转编制).
    pub loans: i32,
    /// 可自由使用.
    pub free: i32,
    /// 到期收回 (loans falling due).
    pub due_returned: i32,
    /// 承兑下达.
    pub released: i32,
    /// 流入周转池.
    pub to_pool: i32,
}

impl YearFlows {
    fn of(year: i32, f: &Flows) -> YearFlows {
        YearFlows {
            year,
            retirements: f.retirements,
            absorbed: f.absorbed,
            bridges: f.bridges_written_off,
            dynamic: f.dynamic_reclaimed,
            loans: f.loans_returned,
            free: f.free,
            due_returned: f.due_returned,
            released: f.released,
            to_pool: f.to_pool,
        }
    }
}

/// One unit × 编制类型 of the forecast: retirements and free vacancies per year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitTypeRow {
    pub unit: UnitLink,
    pub qtype: String,
    pub years: Vec<YearFlows>,
}

/// The 周转池 of one 编制类型 at the end of each year.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PoolYear {
    pub qtype: String,
    pub year: i32,
    /// 池内可用 at the year's end.
    pub balance: i32,
}

/// The forecast as a clerk reads it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ForecastView {
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    /// The unit (with the units below it) or, when absent, every unit the
    /// reader may see.
    pub unit: Option<UnitLink>,
    pub years: Vec<i32>,
    /// Per year, summed.
    pub totals: Vec<YearFlows>,
    pub rows: Vec<UnitTypeRow>,
    /// The 周转池 at each year's end (the 编办 only, whole jurisdiction).
    pub pools: Vec<PoolYear>,
    /// People in 编 already past their retirement age.
    pub overdue: usize,
    /// The rules used.
    pub source: String,
}

/// The forecast over `horizon` years for a unit (and the units below it) or
/// every unit in scope.
pub fn forecast_view(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    unit: Option<UnitId>,
    horizon: u32,
) -> Result<ForecastView, WebError> {
    let st = ctx.live;
    let f = forecast(
        st,
        ctx.date,
        Settings {
            horizon,
            ..Settings::default()
        },
    )
    .map_err(|e| WebError::invalid("bad_param", e.to_string()))?;
    let units: Option<Vec<UnitId>> = match unit {
        Some(u) => Some(query::subtree(st, u, ctx.date)),
        None => scope.map(|s| s.to_vec()),
    };
    let keep = |u: UnitId| units.as_ref().is_none_or(|v| v.contains(&u)) && in_scope(scope, u);
    let sums = f.sum(|k| keep(k.unit));
    let totals = sums.iter().map(|(y, fl)| YearFlows::of(*y, fl)).collect();
    let mut rows: Vec<UnitTypeRow> = Vec::new();
    for ((u, q, y), fl) in f.by_unit_type() {
        if !keep(u) {
            continue;
        }
        let qtype = st.qtype_name(q);
        match rows.last_mut() {
            Some(r) if r.unit.id == u.0 && r.qtype == qtype => r.years.push(YearFlows::of(y, &fl)),
            _ => rows.push(UnitTypeRow {
                unit: link(st, u),
                qtype,
                years: vec![YearFlows::of(y, &fl)],
            }),
        }
    }
    // Only units with something happening.
    rows.retain(|r| {
        r.years
            .iter()
            .any(|y| y.retirements > 0 || y.released > 0 || y.due_returned > 0)
    });
    let pools = if scope.is_none() && unit.is_none() {
        f.pools
            .iter()
            .map(|(q, y, p)| PoolYear {
                qtype: st.qtype_name(*q),
                year: *y,
                balance: p.balance,
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(ForecastView {
        as_of: ctx.date,
        unit: unit.map(|u| link(st, u)),
        years: f.years.clone(),
        totals,
        rows,
        pools,
        overdue: f.overdue,
        source: f.source.to_string(),
    })
}

/// The unit asked for (`unit`, by number or name, within scope) and the
/// years (`years`, 1–10, default 5).
pub fn params(
    app: &App,
    scope: Option<&[bianzhi_core::UnitId]>,
    p: &Params,
) -> Result<(Option<bianzhi_core::UnitId>, u32), WebError> {
    let unit = match p.get("unit").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => {
            let key = s
                .parse::<u32>()
                .map(UnitKey::Id)
                .unwrap_or_else(|_| UnitKey::Name(s.to_string()));
            let db = app.db();
            Some(find_unit_in_scope(db.state(), scope, &key)?)
        }
    };
    let years = p.u32("years")?.unwrap_or(5);
    Ok((unit, years))
}

/// Stacked bars per year: free to use, owed (过桥, 动态, 周转编制), 超编消化.
pub fn chart(totals: &[YearFlows]) -> String {
    use std::fmt::Write;
    let (width, height, left, bottom, top) = (560.0, 230.0, 40.0, 24.0, 44.0);
    let max = totals
        .iter()
        .map(|t| t.retirements)
        .max()
        .unwrap_or(0)
        .max(1) as f64;
    let plot_h = height - top - bottom;
    let slot = (width - left - 10.0) / totals.len().max(1) as f64;
    let bar_w = (slot * 0.6).min(48.0);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="各年预计退休及空编去向" xmlns="http://www.w3.org/2000/svg">"#
    );
    for (x, label, class) in [
        (left, "可自由使用", "c-actual"),
        (left + 90.0, "已有去向（过桥、动态、周转）", "c-approved"),
        (left + 290.0, "超编消化", "c-absorbed"),
    ] {
        let _ = write!(
            s,
            r#"<rect x="{x}" y="6" width="10" height="10" class="{class}"/><text x="{}" y="15" class="legend">{label}</text>"#,
            x + 14.0
        );
    }
    for (i, t) in totals.iter().enumerate() {
        let x = left + slot * i as f64 + (slot - bar_w) / 2.0;
        let mut y = height - bottom;
        for (v, class) in [
            (t.free, "c-actual"),
            (t.bridges + t.dynamic + t.loans, "c-approved"),
            (t.absorbed, "c-absorbed"),
        ] {
            if v <= 0 {
                continue;
            }
            let h = plot_h * v as f64 / max;
            y -= h;
            let _ = write!(
                s,
                r#"<rect x="{x:.1}" y="{y:.1}" width="{bar_w:.1}" height="{h:.1}" class="{class}"><title>{v}</title></rect>"#
            );
        }
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="value" text-anchor="middle">{}</text><text x="{:.1}" y="{:.1}" class="tick" text-anchor="middle">{}</text>"#,
            x + bar_w / 2.0,
            y - 4.0,
            t.retirements,
            x + bar_w / 2.0,
            height - 8.0,
            t.year
        );
    }
    s.push_str("</svg>");
    s
}
