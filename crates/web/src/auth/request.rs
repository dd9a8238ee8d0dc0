//! Who is making a request: the session behind its cookie or its
//! `Authorization: Bearer` token.

use crate::auth;
use crate::auth::User;
use crate::http::error::WebError;
use crate::state::App;
use axum::http::{header, HeaderMap};

/// The session id in the request's cookie, if any (ended at a new sign-in).
pub fn old_session(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(auth::session_from_cookie)
        .map(str::to_string)
}

/// Finds the session of a request; `csrf_ok` is false for a cookie-signed
/// write without a matching `X-CSRF-Token`. Records the login on the
/// request's span ([`crate::trace`]).
pub fn request_user(app: &App, headers: &HeaderMap) -> Result<Option<(User, bool)>, WebError> {
    let user = session_of(app, headers)?;
    if let Some((u, _)) = &user {
        crate::http::trace::record_user(&u.login);
    }
    Ok(user)
}

/// [`request_user`] without recording the login on the request's span (for
/// the layers, which run before the handler's extractor records it).
pub(crate) fn session_of(app: &App, headers: &HeaderMap) -> Result<Option<(User, bool)>, WebError> {
    if let Some(tok) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Ok(app.session_user(tok.trim())?.map(|u| (u, true)));
    }
    let Some(id) = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(auth::session_from_cookie)
    else {
        return Ok(None);
    };
    // The cookie carries a session, never an API token: a token is for other
    // systems, sent as `Authorization: Bearer`, and is read-only.
    if id.starts_with(auth::TOKEN_PREFIX) {
        return Ok(None);
    }
    Ok(app.session_user(id)?.map(|u| (u, false)))
}
