use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use chrono::NaiveDate;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::matters::service::*;
use crate::matters::views::*;
use crate::prelude::*;

/// Matters.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatterList {
    pub as_of: NaiveDate,
    pub items: Vec<MatterRow>,
    pub page: PageInfo,
}

/// 事项: the journal, newest first; filter by unit, 事项类型, year, 文号.
#[utoipa::path(get, path = "/api/v1/matters", tag = "事项",
    params(("as_of" = Option<NaiveDate>, Query), ("unit" = Option<String>, Query), ("kind" = Option<String>, Query, description = "事项类型，如 入编"),
        ("year" = Option<i32>, Query), ("q" = Option<String>, Query, description = "文号或事由"),
        ("sort" = Option<String>, Query, description = "effective, seq, doc"), ("dir" = Option<String>, Query),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = MatterList), (status = 400, body = ErrorBody)))]
async fn matters(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<MatterList>> {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let f = matter_filter(&app, scope.as_deref(), &p)?;
    let pager = p.pager(50)?;
    let (items, page) = app.read(date, |ctx| {
        crate::matters::views::matters(ctx, scope.as_deref(), &f, pager)
    });
    Ok(Json(MatterList {
        as_of: date,
        items,
        page,
    }))
}

/// A matter with its operations.
#[utoipa::path(get, path = "/api/v1/matters/{seq}", tag = "事项",
    params(("seq" = u64, Path, description = "事项序号")),
    responses((status = 200, body = MatterView), (status = 404, body = ErrorBody)))]
async fn matter(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(seq): ApiPath<u64>,
) -> ApiResult<Json<MatterView>> {
    let date = app.today();
    let scope = app.scope(&user, date);
    Ok(Json(app.read(date, |ctx| {
        crate::matters::views::matter_view(ctx, scope.as_deref(), seq)
    })?))
}

/// Records a matter directly (编办): any list of operations, all or nothing.
#[utoipa::path(post, path = "/api/v1/matters", tag = "事项", request_body = MatterInput,
    responses((status = 201, body = MatterView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "未通过校验（如超编、机构不存在），台账未作任何改动")))]
async fn create_matter(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    audit: Option<Extension<AuditCtx>>,
    ApiJson(input): ApiJson<MatterInput>,
) -> ApiResult<Response> {
    // The answer is read off the async workers too: the ledger's lock may
    // be held by a group commit writing to disk.
    let (v, note) = blocking(move || {
        let (r, v) = app.record_matter_audited(&user, input, audit.as_ref().map(|a| &a.0), true)?;
        // The writer reads every view asked for of a matter it recorded.
        let v =
            v.ok_or_else(|| WebError::internal(format!("第 {} 条事项的答复未读出", r.seq)))??;
        Ok((v, (!r.audited).then(|| app.matter_note(r.seq))))
    })
    .await?;
    let resp = (StatusCode::CREATED, Json(v)).into_response();
    Ok(match note {
        Some(note) => with_note(resp, note),
        None => audited(resp),
    })
}

/// The API routes of 事项.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(matters, create_matter))
        .routes(routes!(matter))
}
