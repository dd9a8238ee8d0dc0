use askama::Template;
use axum::extract::State;
use axum::http::{header, StatusCode};
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;

use crate::prelude::*;

// ---------------------------------------------------------------- sign-in

#[derive(Template)]
#[template(path = "session/login.html")]
struct LoginPage {
    next: String,
    error: Option<String>,
    login: String,
    jurisdiction: String,
    /// The form token, also in the `bz_login` cookie.
    token: String,
    /// A line shown above the form (e.g. after a password change).
    notice: Option<&'static str>,
}

/// The cookie that carries the sign-in form's token (login CSRF: a form
/// posted from another site has no such cookie, so it cannot sign a browser
/// in to an account of the attacker's choosing).
const LOGIN_COOKIE: &str = "bz_login";

/// The sign-in page with a fresh form token (and its cookie).
fn login_page(
    app: &App,
    status: StatusCode,
    next: &str,
    error: Option<String>,
    login: String,
    notice: Option<&'static str>,
) -> PageResult {
    let token = auth::random_hex(16)?;
    let page = LoginPage {
        next: safe_next(next).to_string(),
        error,
        login,
        jurisdiction: app.db().state().jurisdiction.name.clone(),
        token: token.clone(),
        notice,
    };
    let mut resp = render_status(status, &page)?;
    let cookie =
        format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600");
    if let Ok(v) = header::HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

async fn login_form(State(app): State<AppState>, PageQuery(p): PageQuery) -> PageResult {
    login_page(
        &app,
        StatusCode::OK,
        p.get("next").unwrap_or("/"),
        None,
        String::new(),
        (p.get("changed") == Some("1")).then_some("密码已修改，请用新密码登录"),
    )
}

/// Where to go after signing in: a path on this site only. Anything else
/// (another site, `//host`, a backslash, whitespace or control characters,
/// which browsers drop or read as `/`) goes to the 总览.
fn safe_next(next: &str) -> &str {
    let b = next.as_bytes();
    let ok = b.first() == Some(&b'/')
        && !matches!(b.get(1), Some(b'/' | b'\\'))
        && b.iter().all(|c| (0x21..=0x7e).contains(c) && *c != b'\\');
    if ok {
        next
    } else {
        "/"
    }
}

/// The sign-in form's token from its cookie.
fn login_cookie(headers: &axum::http::HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(|v| auth::cookie_value(v, LOGIN_COOKIE))
        .map(str::to_string)
}

async fn login(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    headers: axum::http::HeaderMap,
    Form(form): Form,
) -> PageResult {
    let login = field(&form, "login").to_string();
    let password = field(&form, "password").to_string();
    let next = safe_next(field(&form, "next")).to_string();
    let token = field(&form, "_csrf");
    if token.is_empty() || login_cookie(&headers).as_deref() != Some(token) {
        return login_page(
            &app,
            StatusCode::FORBIDDEN,
            &next,
            Some("登录页面已过期，请重新输入用户名和密码".into()),
            login,
            None,
        );
    }
    let app2 = app.clone();
    let l2 = login.clone();
    let old = crate::auth::request::old_session(&headers);
    let r = blocking(move || {
        let u = app2.sign_in(&l2, &password, &ip)?;
        // A new session id at every sign-in: the old one (if any) ends.
        if let Some(old) = old {
            app2.sign_out(&old)?;
        }
        Ok::<_, WebError>(u)
    })
    .await;
    match r {
        Ok(user) => Ok((
            StatusCode::SEE_OTHER,
            [
                (header::SET_COOKIE, auth::session_cookie(&user.session)),
                (header::LOCATION, next),
            ],
        )
            .into_response()),
        Err(e @ (WebError::BadCredentials | WebError::Locked(_))) => {
            login_page(&app, e.status(), &next, Some(e.to_string()), login, None)
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(
    State(app): State<AppState>,
    PageAnyUser(user): PageAnyUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    app.sign_out(&user.session)?;
    Ok((
        StatusCode::SEE_OTHER,
        [
            (header::SET_COOKIE, auth::clear_cookie()),
            (header::LOCATION, "/login".to_string()),
        ],
    )
        .into_response())
}

// ---------------------------------------------------------------- own password

#[derive(Template)]
#[template(path = "session/password.html")]
struct PasswordPage {
    l: Layout,
    error: Option<String>,
}

fn password_page(app: &App, user: &User, error: Option<String>) -> PasswordPage {
    PasswordPage {
        l: Layout::new(
            app,
            user,
            "password",
            "修改密码",
            Url {
                path: "/account/password".into(),
                params: vec![],
            },
            None,
        ),
        error,
    }
}

async fn password_form(State(app): State<AppState>, PageAnyUser(user): PageAnyUser) -> PageResult {
    render(&password_page(&app, &user, None))
}

async fn password_change(
    State(app): State<AppState>,
    PageAnyUser(user): PageAnyUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (app2, u2) = (app.clone(), user.clone());
    let f = form.clone();
    let r = blocking(move || {
        app2.change_own_password(
            &u2,
            field(&f, "current"),
            field(&f, "new"),
            Some(field(&f, "confirm")),
        )
    })
    .await;
    match r {
        // Every session ended: sign in again with the new password.
        Ok(()) => Ok(with_note(
            (
                StatusCode::SEE_OTHER,
                [
                    (header::SET_COOKIE, auth::clear_cookie()),
                    (header::LOCATION, "/login?changed=1".to_string()),
                ],
            )
                .into_response(),
            "修改本人密码（所有会话已结束）",
        )),
        Err(e @ WebError::InvalidField { .. }) => {
            render_status(e.status(), &password_page(&app, &user, Some(e.to_string())))
        }
        Err(e) => Err(e.into()),
    }
}

/// The sign-in and sign-out pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route(
            "/account/password",
            get(password_form).post(password_change),
        )
}
