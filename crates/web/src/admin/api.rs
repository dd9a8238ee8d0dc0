use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::admin::service::*;
use crate::prelude::*;

/// Accounts (安全管理员).
#[utoipa::path(get, path = "/api/v1/admin/accounts", tag = "安全管理",
    responses((status = 200, body = Vec<AccountView>), (status = 403, body = ErrorBody)))]
async fn accounts(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
) -> ApiResult<Json<Vec<AccountView>>> {
    Ok(Json(app.list_accounts(&user)?))
}

/// Creates an account (安全管理员): roles checked for 三员分立, password policy.
#[utoipa::path(post, path = "/api/v1/admin/accounts", tag = "安全管理", request_body = AccountInput,
    responses((status = 201, body = AccountView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_account(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
    ApiJson(a): ApiJson<AccountInput>,
) -> ApiResult<Response> {
    let v = blocking(move || app.create_account(&user, a)).await?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// Changes an account's name, roles and scope, or disables it (安全管理员);
/// its sessions end.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}", tag = "安全管理", request_body = AccountUpdate,
    params(("id" = i64, Path, minimum = 1, description = "账户编号")),
    responses((status = 200, body = AccountView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_account(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(u): ApiJson<AccountUpdate>,
) -> ApiResult<Json<AccountView>> {
    Ok(Json(app.update_account(&user, id, u)?))
}

/// Resets an account's password (安全管理员); its sessions end and a lock is lifted.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/password", tag = "安全管理", request_body = PasswordInput,
    params(("id" = i64, Path, minimum = 1, description = "账户编号")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reset_password(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<PasswordInput>,
) -> ApiResult<StatusCode> {
    blocking(move || app.reset_password(&user, id, &b.password)).await?;
    Ok(StatusCode::NO_CONTENT)
}

/// Active sessions (安全管理员).
#[utoipa::path(get, path = "/api/v1/admin/sessions", tag = "安全管理",
    responses((status = 200, body = Vec<SessionView>), (status = 403, body = ErrorBody)))]
async fn sessions(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
) -> ApiResult<Json<Vec<SessionView>>> {
    Ok(Json(app.list_sessions(&user)?))
}

/// Forces a session to sign out (安全管理员).
#[utoipa::path(delete, path = "/api/v1/admin/sessions/{handle}", tag = "安全管理",
    params(("handle" = String, Path, description = "会话标识（列表中的 handle）")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn end_session(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
    ApiPath(handle): ApiPath<String>,
) -> ApiResult<StatusCode> {
    app.force_sign_out(&user, &handle)?;
    Ok(StatusCode::NO_CONTENT)
}

/// API tokens for other departments (安全管理员).
#[utoipa::path(get, path = "/api/v1/admin/tokens", tag = "安全管理",
    responses((status = 200, body = Vec<TokenView>), (status = 403, body = ErrorBody)))]
async fn tokens(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(app.list_tokens(&user)?))
}

/// Issues a read-only API token limited to some units, with an expiry
/// (安全管理员). The token is shown once; only its SM3 hash is stored.
#[utoipa::path(post, path = "/api/v1/admin/tokens", tag = "安全管理", request_body = TokenInput,
    responses((status = 201, body = IssuedToken), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn issue_token(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
    ApiJson(t): ApiJson<TokenInput>,
) -> ApiResult<Response> {
    let v = app.issue_token(&user, t)?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// Revokes an API token (安全管理员).
#[utoipa::path(delete, path = "/api/v1/admin/tokens/{id}", tag = "安全管理",
    params(("id" = i64, Path, minimum = 1, description = "令牌编号")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<StatusCode> {
    app.revoke_token(&user, id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Audit entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditView>,
    pub page: PageInfo,
}

/// The audit trail, newest first (安全审计员).
#[utoipa::path(get, path = "/api/v1/audit", tag = "安全审计",
    params(("actor" = Option<String>, Query), ("action" = Option<String>, Query, description = "如 登录、登录失败、查看身份证号、批准申请"),
        ("target" = Option<String>, Query), ("ip" = Option<String>, Query),
        ("from" = Option<NaiveDate>, Query, description = "YYYY-MM-DD"), ("to" = Option<NaiveDate>, Query, description = "YYYY-MM-DD"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = AuditList), (status = 403, body = ErrorBody)))]
async fn audit(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<AuditList>> {
    let pager = p.pager(50)?;
    let f = audit_filter(&p, &pager)?;
    let (items, total) = app.search_audit(&user, &f)?;
    let total = total as usize;
    Ok(Json(AuditList {
        items,
        page: PageInfo {
            page: pager.page,
            per_page: pager.per_page,
            total,
            pages: total.div_ceil(pager.per_page),
        },
    }))
}

/// The security configuration (系统管理员).
#[utoipa::path(get, path = "/api/v1/admin/config", tag = "系统管理",
    responses((status = 200, body = ConfigView), (status = 403, body = ErrorBody)))]
async fn config(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
) -> ApiResult<Json<ConfigView>> {
    Ok(Json(app.config_view(&user)?))
}

/// The API routes of the 三员.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(accounts, create_account))
        .routes(routes!(update_account))
        .routes(routes!(reset_password))
        .routes(routes!(sessions))
        .routes(routes!(end_session))
        .routes(routes!(tokens, issue_token))
        .routes(routes!(revoke_token))
        .routes(routes!(audit))
        .routes(routes!(config))
}
