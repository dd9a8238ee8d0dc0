use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::response::Response;
use axum::routing::get;
use axum::Router;

use bianzhi_reports::{Cell, Table};

use crate::forecast::views::*;
use crate::ledger::*;
use crate::prelude::*;

#[derive(Template)]
#[template(path = "forecast/forecast.html")]
struct ForecastPage {
    l: Layout,
    v: ForecastView,
    chart: String,
    horizon: u32,
    units: Vec<(u32, String)>,
    /// 周转池: 编制类型 and its balance at each year's end.
    pool_rows: Vec<(String, Vec<i32>)>,
}

async fn forecast_page(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let (unit, horizon) = params(&app, scope.as_deref(), &p)?;
    let v = app.read(date, |ctx| {
        forecast_view(ctx, scope.as_deref(), unit, horizon)
    })?;
    let mut pool_rows: Vec<(String, Vec<i32>)> = Vec::new();
    for q in &v.pools {
        match pool_rows.last_mut() {
            Some((t, bs)) if *t == q.qtype => bs.push(q.balance),
            _ => pool_rows.push((q.qtype.clone(), vec![q.balance])),
        }
    }
    render(&ForecastPage {
        pool_rows,
        l: Layout::new(
            &app,
            &user,
            "reports",
            "自然减员预测",
            Url::new(uri.path(), &p),
            Some(date),
        ),
        chart: chart(&v.totals),
        v,
        horizon,
        units: units_in_scope(&app, &user),
    })
}

/// The forecast as xlsx: one row per unit × 编制类型 × year.
async fn forecast_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
) -> Result<Response, PageError> {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let (unit, horizon) = params(&app, scope.as_deref(), &p)?;
    let v = app.read(date, |ctx| {
        forecast_view(ctx, scope.as_deref(), unit, horizon)
    })?;
    let mut t = Table::new(
        &format!("自然减员预测（{}）", v.as_of),
        &[
            "单位",
            "编制类型",
            "年度",
            "预计退休",
            "超编消化",
            "过桥消化",
            "动态收回",
            "减员收回",
            "可自由使用",
            "到期收回",
            "承兑下达",
            "流入周转池",
        ],
    );
    for r in &v.rows {
        for y in &r.years {
            t.rows.push(vec![
                Cell::text(&r.unit.name),
                Cell::text(&r.qtype),
                Cell::int(y.year),
                Cell::int(y.retirements),
                Cell::int(y.absorbed),
                Cell::int(y.bridges),
                Cell::int(y.dynamic),
                Cell::int(y.loans),
                Cell::int(y.free),
                Cell::int(y.due_returned),
                Cell::int(y.released),
                Cell::int(y.to_pool),
            ]);
        }
    }
    let t = t.with_totals();
    app.try_audit(
        &user.login,
        &ip,
        "导出自然减员预测",
        v.unit.as_ref().map_or("全部单位", |u| u.name.as_str()),
        &format!("{} 年，{} 行", horizon, t.rows.len()),
    )?;
    Ok(crate::reports::service::xlsx_response(
        &t,
        &format!("forecast-{}.xlsx", v.as_of),
        &format!("自然减员预测_{}.xlsx", v.as_of),
    )?)
}

/// The 自然减员预测 pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/forecast", get(forecast_page))
        .route("/forecast/xlsx", get(forecast_xlsx))
}
