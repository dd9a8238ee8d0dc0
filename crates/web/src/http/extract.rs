use axum::extract::{FromRequestParts, Path, Query};
use axum::http::request::Parts;
use axum::http::Method;
use axum::response::{IntoResponse, Redirect, Response};
use std::collections::HashMap;

use crate::auth::no_business_data;
use crate::auth::request::*;
use crate::auth::User;
use crate::http::client::peer_ip;
use crate::http::error::ApiError;
use crate::http::error::PageError;
use crate::http::error::WebError;
use crate::http::page::enc;
use crate::http::params::Params;
use crate::state::App;
use crate::state::AppState;

/// The client's IP address (through trusted proxies; see [`crate::http::client`]).
pub struct ClientIp(pub String);

impl<S: Send + Sync> FromRequestParts<S> for ClientIp {
    type Rejection = std::convert::Infallible;
    async fn from_request_parts(parts: &mut Parts, _: &S) -> Result<Self, Self::Rejection> {
        Ok(ClientIp(peer_ip(&parts.extensions)))
    }
}

// ---------------------------------------------------------------- extractors

/// Query-string parameters of an API request, read strictly (our own
/// rejection, in Chinese).
pub struct ApiQuery(pub Params);

impl<S: Send + Sync> FromRequestParts<S> for ApiQuery {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError(WebError::invalid("bad_parameter", "查询参数格式不对")))?;
        let mut map = HashMap::with_capacity(pairs.len());
        for (k, v) in pairs {
            if map.contains_key(&k) {
                return Err(ApiError(WebError::invalid(
                    "bad_parameter",
                    format!("参数 {k} 重复出现"),
                )));
            }
            map.insert(k, v);
        }
        Ok(ApiQuery(Params::strict(map)))
    }
}

/// The signed-in user of an API request: `Authorization: Bearer <token>` or
/// the session cookie (then writes need the `X-CSRF-Token` header).
pub struct ApiUser(pub User);

/// The signed-in user of any role (administrators included): for sign-out,
/// `/me` and the administrators' endpoints, which check the role themselves.
pub struct ApiAnyUser(pub User);

fn api_user(parts: &Parts, app: &App) -> Result<User, ApiError> {
    let Some((user, bearer)) = request_user(app, &parts.headers)? else {
        return Err(ApiError(WebError::Unauthorized));
    };
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !bearer {
        let tok = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        if tok != Some(user.csrf.as_str()) {
            return Err(ApiError(WebError::Csrf));
        }
    }
    Ok(user)
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = api_user(parts, app)?;
        if user.is_admin() {
            return Err(ApiError(no_business_data(&user)));
        }
        Ok(ApiUser(user))
    }
}

impl FromRequestParts<AppState> for ApiAnyUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(ApiAnyUser(api_user(parts, app)?))
    }
}

/// A path parameter of an API request (our own rejection, in Chinese).
pub struct ApiPath<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for ApiPath<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| ApiPath(v))
            .map_err(|_| {
                ApiError(WebError::invalid(
                    "bad_parameter",
                    "路径中的编号应为非负整数",
                ))
            })
    }
}

/// The signed-in user of a page request; otherwise the sign-in page.
pub struct PageUser(pub User);

impl FromRequestParts<AppState> for PageUser {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match request_user(app, &parts.headers) {
            Ok(Some((u, _))) if u.is_admin() => {
                if parts.uri.path() == "/" {
                    Err(Redirect::to(admin_home(&u)).into_response())
                } else {
                    Err(PageError(crate::auth::no_business_data(&u)).into_response())
                }
            }
            Ok(Some((u, _))) => Ok(PageUser(u)),
            Ok(None) => {
                let next = parts
                    .uri
                    .path_and_query()
                    .map(|p| p.as_str())
                    .unwrap_or("/");
                Err(Redirect::to(&format!("/login?next={}", enc(next))).into_response())
            }
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

/// Where an administrator starts.
fn admin_home(u: &User) -> &'static str {
    if u.can_manage_accounts() {
        "/admin/accounts"
    } else if u.can_audit() {
        "/audit"
    } else {
        "/admin/config"
    }
}

/// The signed-in user of an administrators' page (any role; the handler
/// checks the role).
pub struct PageAnyUser(pub User);

impl FromRequestParts<AppState> for PageAnyUser {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match request_user(app, &parts.headers) {
            Ok(Some((u, _))) => Ok(PageAnyUser(u)),
            Ok(None) => {
                let next = parts.uri.path();
                Err(Redirect::to(&format!("/login?next={}", enc(next))).into_response())
            }
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

/// Query parameters of a page, read leniently (a form sends its empty fields).
pub struct PageQuery(pub Params);

impl<S: Send + Sync> FromRequestParts<S> for PageQuery {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(m)| PageQuery(Params::new(m)))
            .map_err(|_| {
                PageError(WebError::invalid("bad_parameter", "查询参数格式不对")).into_response()
            })
    }
}
