use axum::extract::State;
use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::Json;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::auth::request::*;
use crate::prelude::*;

// ---------------------------------------------------------------- types

/// Sign-in request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub login: String,
    pub password: String,
}

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub role_label: String,
    /// Every role of the account.
    pub roles: Vec<Role>,
    /// For a 单位经办: the unit they act for (with the units below it).
    pub unit_id: Option<u32>,
    pub unit: Option<String>,
}

/// A started session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// Send as `Authorization: Bearer <token>` (also set as an HttpOnly cookie).
    pub token: String,
    /// For cookie-signed writes: send as `X-CSRF-Token`.
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
    pub user: Me,
}

// ---------------------------------------------------------------- helpers

fn me(app: &App, u: &User) -> Me {
    Me {
        login: u.login.clone(),
        name: u.name.clone(),
        role: u.role,
        role_label: u.role_labels(),
        roles: u.roles.clone(),
        unit_id: u.unit.map(|x| x.0),
        unit: u.unit.map(|x| app.db().state().unit_name(x)),
    }
}

// ---------------------------------------------------------------- handlers

/// Signs in; answers a token (also set as a cookie).
#[utoipa::path(post, path = "/api/v1/session", tag = "登录", request_body = SignIn,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn sign_in(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<Response> {
    let app2 = app.clone();
    let old = old_session(&headers);
    let user = blocking(move || {
        let u = app2.sign_in(&body.login, &body.password, &ip)?;
        // A new session id at every sign-in: the old one (if any) ends.
        if let Some(old) = old {
            app2.sign_out(&old)?;
        }
        Ok::<_, WebError>(u)
    })
    .await?;
    let info = SessionInfo {
        token: user.session.clone(),
        csrf: user.csrf.clone(),
        expires_at: app.session_expiry(),
        user: me(&app, &user),
    };
    Ok((
        [(header::SET_COOKIE, auth::session_cookie(&user.session))],
        Json(info),
    )
        .into_response())
}

/// Signs out.
#[utoipa::path(delete, path = "/api/v1/session", tag = "登录",
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn sign_out(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
) -> ApiResult<Response> {
    app.sign_out(&user.session)?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, auth::clear_cookie())],
    )
        .into_response())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "登录",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn get_me(State(app): State<AppState>, ApiAnyUser(user): ApiAnyUser) -> Json<Me> {
    Json(me(&app, &user))
}

/// A change of one's own password.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordChange {
    /// 当前密码.
    pub current: String,
    /// 新密码: at least 8 characters of three kinds, not containing the login.
    pub new: String,
}

/// Changes the signed-in user's own password; every session of the account
/// ends (sign in again).
#[utoipa::path(post, path = "/api/v1/me/password", tag = "登录", request_body = PasswordChange,
    responses((status = 204), (status = 401, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "当前密码不正确，或新密码不符合要求")))]
async fn change_password(
    State(app): State<AppState>,
    ApiAnyUser(user): ApiAnyUser,
    ApiJson(body): ApiJson<PasswordChange>,
) -> ApiResult<Response> {
    blocking(move || app.change_own_password(&user, &body.current, &body.new, None)).await?;
    Ok(with_note(
        (
            StatusCode::NO_CONTENT,
            [(header::SET_COOKIE, auth::clear_cookie())],
        )
            .into_response(),
        "修改本人密码（所有会话已结束）",
    ))
}

/// The API routes of signing in and out.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(sign_in, sign_out))
        .routes(routes!(get_me))
        .routes(routes!(change_password))
}
