use axum::extract::State;
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::plans::views::*;
use crate::prelude::*;

/// 用编计划 lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanList {
    pub items: Vec<PlanLineView>,
    pub page: PageInfo,
    /// Years that have plan lines.
    pub years: Vec<i32>,
}

/// 用编计划 lines and their use.
#[utoipa::path(get, path = "/api/v1/plans", tag = "用编计划",
    params(("unit" = Option<String>, Query), ("year" = Option<i32>, Query), ("open" = Option<bool>, Query, description = "只看有剩余的计划"),
        ("sort" = Option<String>, Query, description = "year, unit, remaining, rate"), ("dir" = Option<String>, Query),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = PlanList)))]
async fn plans(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<PlanList>> {
    let date = app.today();
    let scope = app.scope(&user, date);
    let f = plan_filter(&app, scope.as_deref(), &p)?;
    let pager = p.pager(50)?;
    let (items, page, years) = app.read(date, |ctx| {
        crate::plans::views::plans(ctx, scope.as_deref(), &f, pager)
    });
    Ok(Json(PlanList { items, page, years }))
}

/// A 用编计划 line with the matters that approved and used it.
#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "用编计划",
    params(("id" = u32, Path, description = "计划编号")),
    responses((status = 200, body = PlanLineDetail), (status = 404, body = ErrorBody)))]
async fn plan(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<u32>,
) -> ApiResult<Json<PlanLineDetail>> {
    let date = app.today();
    let scope = app.scope(&user, date);
    Ok(Json(app.read(date, |ctx| {
        crate::plans::views::plan_detail(ctx, scope.as_deref(), id)
    })?))
}

/// The API routes of 用编计划.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(plans))
        .routes(routes!(plan))
}
