use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bianzhi_reports::Cell;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::prelude::*;
use crate::reports::service::*;

// ---------------------------------------------------------------- JSON API

/// A report as JSON (the same table as the page, the xlsx and the print view).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportJson {
    /// 报表代码, e.g. `quotas`.
    pub kind: String,
    /// 报表名称, e.g. 编制情况表.
    pub title: String,
    /// 统计范围 in words, e.g. 区教育局（含下属单位）.
    pub scope: String,
    /// 统计时点 (期间终点).
    pub as_of: NaiveDate,
    /// 期间起点 (减少人员花名册, 人员变动情况表; otherwise equal to `as_of`).
    pub from: NaiveDate,
    pub headers: Vec<String>,
    /// Rows of cells: a number, a text, or null for an empty cell.
    /// 身份证号 are masked unless `full=true` was asked by a role that may.
    pub rows: Vec<Vec<serde_json::Value>>,
    /// 合计 row, for reports that have one.
    pub totals: Option<Vec<serde_json::Value>>,
}

fn json_cell(c: &Cell) -> serde_json::Value {
    match c {
        Cell::Text(s) => s.clone().into(),
        Cell::Int(n) => (*n).into(),
        Cell::Empty => serde_json::Value::Null,
    }
}

/// A report as of a date for a unit, a subtree or the whole jurisdiction.
#[utoipa::path(get, path = "/api/v1/reports/{kind}", tag = "报表",
    params(
        ("kind" = String, Path, description = "报表：ledger（机构编制台账）、quotas（编制情况表）、posts（领导职数情况表）、roster（实名制花名册）、leavers（减少人员花名册）、changes（人员变动情况表）、plans（用编计划执行表）、instruments（编制调控工具）、warnings（超编超职数预警）、annual（统计年报）"),
        ("scope" = Option<String>, Query, description = "统计范围：unit（本单位）、subtree（本单位及下属单位）、all（全区）；限定单位的账户默认且只能为本单位及下属单位"),
        ("unit" = Option<u32>, Query, description = "机构编号"),
        ("as_of" = Option<NaiveDate>, Query, description = "统计时点（期间终点），YYYY-MM-DD，默认今天"),
        ("from" = Option<NaiveDate>, Query, description = "期间起点（减少人员花名册、人员变动情况表），默认当年 1 月 1 日"),
        ("to" = Option<NaiveDate>, Query, description = "期间终点（同 as_of，仅期间报表）"),
        ("full" = Option<bool>, Query, description = "显示完整身份证号（仅编办经办、编办领导，记入审计）")),
    responses((status = 200, body = ReportJson), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_report(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ClientIp(ip): ClientIp,
    ApiPath(kind): ApiPath<String>,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Response> {
    let (r, t) = on_ledger(&app, &user, move |app, user| {
        let r = request(app, user, &kind, &p)?;
        let t = build(app, &r);
        Ok((r, t))
    })
    .await?;
    if r.kind.has_personal_data() {
        audit_read(&app, &user, &ip, "查看报表", &r, t.rows.len())?;
    }
    let body = Json(ReportJson {
        kind: r.kind.code().into(),
        title: t.title.clone(),
        scope: scope_label(&app, &r),
        as_of: r.as_of,
        from: r.from,
        headers: t.headers.clone(),
        rows: t
            .rows
            .iter()
            .map(|row| row.iter().map(json_cell).collect())
            .collect(),
        totals: t
            .totals
            .as_ref()
            .map(|row| row.iter().map(json_cell).collect()),
    });
    Ok(reveal_if_full(&r, body.into_response()))
}

/// The API routes of 报表.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api_report))
}
