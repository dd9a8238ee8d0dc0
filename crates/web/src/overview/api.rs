use axum::extract::State;
use axum::Json;
use bianzhi_core::catalog::{LeaveReason, PlanChannel, PostKind, StaffIdentity, UnitKind};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::applications::service::*;
use crate::overview::views::*;
use crate::prelude::*;

/// A catalogue entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogItem {
    pub id: u16,
    pub code: String,
    pub name: String,
}

/// The lists forms choose from.
#[derive(Debug, Serialize, ToSchema)]
pub struct Catalog {
    /// 编制类型.
    pub quota_types: Vec<CatalogItem>,
    /// 经费形式.
    pub funding_forms: Vec<CatalogItem>,
    pub unit_kinds: Vec<String>,
    pub identities: Vec<String>,
    pub leave_reasons: Vec<String>,
    pub post_kinds: Vec<String>,
    pub plan_channels: Vec<String>,
    pub application_kinds: Vec<ApplicationKind>,
}

/// The lists forms choose from (编制类型, 经费形式, …).
#[utoipa::path(get, path = "/api/v1/catalog", tag = "总览",
    responses((status = 200, body = Catalog), (status = 401, body = ErrorBody)))]
async fn catalog(State(app): State<AppState>, ApiUser(_): ApiUser) -> Json<Catalog> {
    let db = app.db();
    let st = db.state();
    Json(Catalog {
        quota_types: st
            .quota_types
            .iter()
            .map(|q| CatalogItem {
                id: q.id.0,
                code: q.code.clone(),
                name: q.name.clone(),
            })
            .collect(),
        funding_forms: st
            .funding_forms
            .iter()
            .map(|q| CatalogItem {
                id: q.id.0 as u16,
                code: q.code.clone(),
                name: q.name.clone(),
            })
            .collect(),
        unit_kinds: UnitKind::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
        identities: StaffIdentity::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
        leave_reasons: LeaveReason::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
        post_kinds: PostKind::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
        plan_channels: PlanChannel::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
        application_kinds: ApplicationKind::ALL.to_vec(),
    })
}

/// 总览: totals by 编制类型, units over quota, 超职数, recent matters, trend.
#[utoipa::path(get, path = "/api/v1/summary", tag = "总览",
    params(("as_of" = Option<NaiveDate>, Query, description = "统计时点 YYYY-MM-DD，默认今天")),
    responses((status = 200, body = SummaryView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn summary(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<SummaryView>> {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    Ok(Json(app.read(date, |ctx| {
        crate::overview::views::summary(ctx, scope.as_deref())
    })))
}

/// The API routes of the 总览.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(catalog))
        .routes(routes!(summary))
}
