use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bianzhi_store::ApplicationStatus;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::applications::service::*;
use crate::prelude::*;

/// Applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationList {
    pub items: Vec<ApplicationView>,
    pub page: PageInfo,
}

/// 退回.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    /// 退回意见.
    pub comment: String,
}

/// 批准.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveInput {
    /// 文号 of the approval, e.g. 盐编〔2026〕15号.
    pub doc: String,
    /// 生效日期 (default: the date proposed in the application, else today).
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub effective: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
    /// The 文号 is the same document as another matter's; otherwise a 文号
    /// already used is refused (422 `doc_in_use`).
    #[serde(default)]
    pub same_doc: bool,
}

fn status_param(p: &Params) -> Result<Option<ApplicationStatus>, WebError> {
    match p.typed("status")? {
        None => Ok(None),
        Some(s) => ApplicationStatus::parse(s).map(Some).ok_or_else(|| {
            WebError::invalid(
                "bad_parameter",
                format!("申请状态“{s}”无效，可用：submitted、returned、approved、withdrawn"),
            )
        }),
    }
}

fn kind_param(p: &Params) -> Result<Option<ApplicationKind>, WebError> {
    match p.typed("kind")? {
        None => Ok(None),
        Some(s) => ApplicationKind::parse(s)
            .map(Some)
            .ok_or_else(|| WebError::invalid("bad_parameter", format!("申请类型“{s}”无效"))),
    }
}

/// Applications the user may see, newest first.
#[utoipa::path(get, path = "/api/v1/applications", tag = "申请",
    params(("status" = Option<String>, Query, description = "submitted, returned, approved, withdrawn"),
        ("kind" = Option<String>, Query, description = "hire, onboard, leave, transfer, appoint, remove, correct"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = ApplicationList)))]
async fn applications(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<ApplicationList>> {
    let pager = p.pager(50)?;
    let (items, page) =
        app.list_applications(&user, status_param(&p)?, kind_param(&p)?, None, pager)?;
    Ok(Json(ApplicationList { items, page }))
}

/// Submits an application for the clerk's unit (单位经办).
#[utoipa::path(post, path = "/api/v1/applications", tag = "申请", request_body = ApplicationInput,
    responses((status = 201, body = ApplicationView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn submit(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> ApiResult<Response> {
    let v = blocking(move || app.submit_application(&user, input)).await?;
    let note = audit_note("提交", &v);
    Ok(with_note(
        (StatusCode::CREATED, Json(v)).into_response(),
        note,
    ))
}

/// An application with its history.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "申请",
    params(("id" = i64, Path, minimum = 1, description = "申请编号")),
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn application(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ApplicationView>> {
    let (rec, events) = app.load_application(&user, id)?;
    Ok(Json(app.application_view(&rec, &events)))
}

/// Returns an application to the unit with comments (编办).
#[utoipa::path(post, path = "/api/v1/applications/{id}/return", tag = "申请", request_body = ReturnInput,
    params(("id" = i64, Path, minimum = 1, description = "申请编号")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn return_app(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ReturnInput>,
) -> ApiResult<Response> {
    let v = blocking(move || app.return_application(&user, id, &b.comment)).await?;
    let note = audit_note("退回", &v);
    Ok(with_note(Json(v).into_response(), note))
}

/// Approves an application (编办领导): records the matter. If the ledger refuses
/// (e.g. no vacancy), answers 422 with the reason, the application stays
/// 待审核 and nothing changes.
#[utoipa::path(post, path = "/api/v1/applications/{id}/approve", tag = "申请", request_body = ApproveInput,
    params(("id" = i64, Path, minimum = 1, description = "申请编号")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "台账校验未通过（如超编），台账未作任何改动")))]
async fn approve(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<ApproveInput>,
) -> ApiResult<Response> {
    let v = blocking(move || {
        app.approve_application(
            &user,
            id,
            &b.doc,
            b.same_doc,
            b.effective.as_deref(),
            b.comment.as_deref().unwrap_or(""),
        )
    })
    .await?;
    let note = audit_note("批准", &v);
    Ok(with_note(Json(v).into_response(), note))
}

/// Withdraws an application (the submitting unit).
#[utoipa::path(post, path = "/api/v1/applications/{id}/withdraw", tag = "申请",
    params(("id" = i64, Path, minimum = 1, description = "申请编号")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn withdraw(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Response> {
    let v = blocking(move || app.withdraw_application(&user, id)).await?;
    let note = audit_note("撤回", &v);
    Ok(with_note(Json(v).into_response(), note))
}

/// Resubmits a returned application, with changes (the submitting unit).
#[utoipa::path(post, path = "/api/v1/applications/{id}/resubmit", tag = "申请", request_body = ApplicationInput,
    params(("id" = i64, Path, minimum = 1, description = "申请编号")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn resubmit(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> ApiResult<Response> {
    let v = blocking(move || app.resubmit_application(&user, id, input)).await?;
    let note = audit_note("重新提交", &v);
    Ok(with_note(Json(v).into_response(), note))
}

/// The API routes of 申请.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(applications, submit))
        .routes(routes!(application))
        .routes(routes!(return_app))
        .routes(routes!(approve))
        .routes(routes!(withdraw))
        .routes(routes!(resubmit))
}
