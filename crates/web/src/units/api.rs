use axum::extract::State;
use axum::Json;
use bianzhi_core::UnitId;
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::ledger::*;
use crate::matters::views::*;
use crate::people::views::*;
use crate::prelude::*;
use crate::units::views::*;

/// A list of units.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitList {
    pub as_of: NaiveDate,
    pub items: Vec<UnitRow>,
    pub page: PageInfo,
}

/// 台账 lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerPage {
    pub unit_id: u32,
    pub unit: String,
    pub as_of: NaiveDate,
    pub items: Vec<LedgerLineView>,
    pub page: PageInfo,
}

/// 领导职数情况表.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostTableView {
    pub unit_id: u32,
    pub unit: String,
    pub as_of: NaiveDate,
    pub rows: Vec<PostRowView>,
}

fn unit_id(app: &App, user: &User, id: u32, date: NaiveDate) -> Result<UnitId, WebError> {
    let scope = app.scope(user, date);
    app.read(date, |ctx| check_unit(ctx, scope.as_deref(), id))
}

/// 机构: units in tree order with totals; filter, sort, page.
#[utoipa::path(get, path = "/api/v1/units", tag = "机构",
    params(("as_of" = Option<NaiveDate>, Query, description = "YYYY-MM-DD"),
        ("q" = Option<String>, Query, description = "名称或拼音首字母"),
        ("kind" = Option<String>, Query, description = "机构类别，如 事业单位"),
        ("sector" = Option<String>, Query, description = "行业领域的代码或名称，如 0101 或 中小学；大类（如 教育）含其下各领域"),
        ("over" = Option<bool>, Query, description = "只看超编或超编消化单位"),
        ("qtype" = Option<String>, Query, description = "有此编制类型的单位"),
        ("all" = Option<bool>, Query, description = "含已撤销机构"),
        ("sort" = Option<String>, Query, description = "tree, name, approved, actual, available, over"),
        ("dir" = Option<String>, Query, description = "asc 或 desc"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = UnitList), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn units(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<UnitList>> {
    let date = p.as_of(app.today())?;
    let f = unit_filter(&app, &p)?;
    let pager = p.pager(100)?;
    let scope = app.scope(&user, date);
    let rows = app.read(date, |ctx| {
        crate::units::views::units(ctx, scope.as_deref(), &f)
    });
    let (items, page) = pager.slice(rows);
    Ok(Json(UnitList {
        as_of: date,
        items,
        page,
    }))
}

/// The unit: 基本情况 (三定), 编制情况表, 领导职数情况表.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "机构",
    params(("id" = u32, Path, description = "机构编号"), ("as_of" = Option<NaiveDate>, Query)),
    responses((status = 200, body = UnitView), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn unit(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<u32>,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<UnitView>> {
    let date = p.as_of(app.today())?;
    let u = unit_id(&app, &user, id, date)?;
    let scope = app.scope(&user, date);
    app.read(date, |ctx| {
        crate::units::views::unit_view(ctx, scope.as_deref(), u)
    })
    .map(Json)
    .ok_or_else(|| {
        ApiError(WebError::NotFound(format!(
            "机构编号 {id} 于 {date} 尚未设立"
        )))
    })
}

/// 编制情况表 of a unit.
#[utoipa::path(get, path = "/api/v1/units/{id}/quota", tag = "机构",
    params(("id" = u32, Path, description = "机构编号"), ("as_of" = Option<NaiveDate>, Query)),
    responses((status = 200, body = QuotaTableView), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn unit_quota(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<u32>,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<QuotaTableView>> {
    let date = p.as_of(app.today())?;
    let u = unit_id(&app, &user, id, date)?;
    Ok(Json(app.read(date, |ctx| {
        crate::units::views::quota_table(ctx, u)
    })))
}

/// 领导职数情况表 of a unit.
#[utoipa::path(get, path = "/api/v1/units/{id}/posts", tag = "机构",
    params(("id" = u32, Path, description = "机构编号"), ("as_of" = Option<NaiveDate>, Query)),
    responses((status = 200, body = PostTableView), (status = 404, body = ErrorBody)))]
async fn unit_posts(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<u32>,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<PostTableView>> {
    let date = p.as_of(app.today())?;
    let u = unit_id(&app, &user, id, date)?;
    Ok(Json(app.read(date, |ctx| PostTableView {
        unit_id: id,
        unit: ctx.live.unit_name(u),
        as_of: date,
        rows: crate::units::views::post_rows(ctx.st, u, date),
    })))
}

/// 实名制花名册 of a unit.
#[utoipa::path(get, path = "/api/v1/units/{id}/roster", tag = "机构",
    params(("id" = u32, Path, description = "机构编号"), ("as_of" = Option<NaiveDate>, Query),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = PersonList), (status = 404, body = ErrorBody)))]
async fn unit_roster(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<u32>,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<PersonList>> {
    let date = p.as_of(app.today())?;
    let pager = p.pager(100)?;
    let u = unit_id(&app, &user, id, date)?;
    let (items, page) = app.read(date, |ctx| crate::people::views::roster(ctx, u, pager));
    Ok(Json(PersonList {
        as_of: date,
        items,
        page,
    }))
}

/// 机构编制台账 of a unit (every change with its 文号), newest first.
#[utoipa::path(get, path = "/api/v1/units/{id}/history", tag = "机构",
    params(("id" = u32, Path, description = "机构编号"), ("as_of" = Option<NaiveDate>, Query),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = LedgerPage), (status = 404, body = ErrorBody)))]
async fn unit_history(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<u32>,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<LedgerPage>> {
    let date = p.as_of(app.today())?;
    let pager = p.pager(50)?;
    let u = unit_id(&app, &user, id, date)?;
    let scope = app.scope(&user, date);
    let (items, page) = app.read(date, |ctx| {
        crate::units::views::unit_history(ctx, scope.as_deref(), u, pager)
    });
    Ok(Json(LedgerPage {
        unit_id: id,
        unit: app.db().state().unit_name(u),
        as_of: date,
        items,
        page,
    }))
}

/// The API routes of 机构.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(units))
        .routes(routes!(unit))
        .routes(routes!(unit_quota))
        .routes(routes!(unit_posts))
        .routes(routes!(unit_roster))
        .routes(routes!(unit_history))
}
