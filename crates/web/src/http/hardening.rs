//! HTTP hardening around every route: security headers (a CSP without inline
//! script, frame denial, nosniff, referrer policy, no caching of pages), a
//! request-body limit, a request timeout, the client address (through trusted
//! reverse proxies), HSTS and `Secure` cookies over HTTPS, and the audit of
//! every state-changing request.

use axum::extract::{ConnectInfo, Request, State};
use axum::http::{header, HeaderValue, Method, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::http::client::{client_of, peer_ip, Client, ServedOverTls};
use crate::state::App;

/// Largest request body accepted (JSON and forms).
pub const BODY_LIMIT: usize = 1024 * 1024;

/// Longest time a request may take.
pub const REQUEST_TIMEOUT: Duration = Duration::from_secs(30);

/// The Content-Security-Policy of every answer: scripts only from our own
/// files (no inline script), no framing.
pub const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// Decides the [`Client`] of every request (outermost layer): the TCP peer
/// from `ConnectInfo`, the trusted proxies from the security settings.
pub async fn client(State(app): State<Arc<App>>, mut req: Request, next: Next) -> Response {
    let peer = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .map(|c| c.0.ip());
    let tls = req.extensions().get::<ServedOverTls>().is_some();
    let c = client_of(peer, req.headers(), &app.config.trusted_proxies, tls);
    req.extensions_mut().insert(c);
    next.run(req).await
}

/// `Strict-Transport-Security` of answers over HTTPS: one year.
pub const HSTS: &str = "max-age=31536000";

/// Adds the security headers; over HTTPS also HSTS, and `Secure` on every
/// cookie set (see [`crate::auth::secure_cookie`]).
pub async fn security_headers(req: Request, next: Next) -> Response {
    let is_static = req.uri().path().starts_with("/static/");
    let https = req.extensions().get::<Client>().is_some_and(|c| c.https);
    let mut resp = next.run(req).await;
    let h = resp.headers_mut();
    if https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static(HSTS),
        );
        let cookies: Vec<HeaderValue> = h
            .get_all(header::SET_COOKIE)
            .iter()
            .map(|v| {
                v.to_str()
                    .ok()
                    .and_then(|c| HeaderValue::from_str(&crate::auth::secure_cookie(c)).ok())
                    .unwrap_or_else(|| v.clone())
            })
            .collect();
        if !cookies.is_empty() {
            h.remove(header::SET_COOKIE);
            for c in cookies {
                h.append(header::SET_COOKIE, c);
            }
        }
    }
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CSP),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("same-origin"),
    );
    if !is_static {
        h.insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    }
    resp
}

/// Marks an answer allowed to carry full 身份证号: an audited reveal by a
/// role that may (编办经办, 编办领导), or a form shown back with what its
/// user typed. Every other answer is masked by [`mask_id_numbers`].
#[derive(Debug, Clone, Copy)]
pub struct FullIdNumbers;

/// `resp` marked as allowed to carry full 身份证号 (see [`FullIdNumbers`]).
pub fn full_id_numbers(resp: impl IntoResponse) -> Response {
    let mut resp = resp.into_response();
    resp.extensions_mut().insert(FullIdNumbers);
    resp
}

/// The one masking path of every page and API answer: any valid 18-character
/// 身份证号 in an HTML, JSON or text answer is masked (`3209**********1234`)
/// unless the handler marked the answer with [`FullIdNumbers`]. The views
/// mask what they know to be personal data; this catches what they do not
/// (a matter's raw operations, an application's input, free text).
pub async fn mask_id_numbers(req: Request, next: Next) -> Response {
    let resp = next.run(req).await;
    if resp.extensions().get::<FullIdNumbers>().is_some() {
        return resp;
    }
    let textual = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        // Pages, API answers and plain-text or csv exports; not the static
        // CSS and script files, which hold no personal data.
        .is_some_and(|ct| {
            ["text/html", "application/json", "text/plain", "text/csv"]
                .iter()
                .any(|t| ct.starts_with(t))
        });
    if !textual {
        return resp;
    }
    let (mut parts, body) = resp.into_parts();
    let bytes = match axum::body::to_bytes(body, usize::MAX).await {
        Ok(b) => b,
        Err(_) => {
            return crate::http::error::ApiError(crate::http::error::WebError::Internal(
                "读取应答失败".into(),
            ))
            .into_response();
        }
    };
    let Ok(text) = std::str::from_utf8(&bytes) else {
        return Response::from_parts(parts, axum::body::Body::from(bytes));
    };
    match bianzhi_core::ident::mask_id_numbers(text) {
        std::borrow::Cow::Borrowed(_) => Response::from_parts(parts, axum::body::Body::from(bytes)),
        std::borrow::Cow::Owned(masked) => {
            parts.headers.remove(header::CONTENT_LENGTH);
            Response::from_parts(parts, axum::body::Body::from(masked))
        }
    }
}

/// The code and Chinese message for a refusal the framework made itself
/// (routing, extractors, body limit), by status.
fn framework_refusal(status: StatusCode, api: bool) -> (&'static str, String) {
    match status {
        StatusCode::NOT_FOUND if api => ("not_found", "没有这个接口".into()),
        StatusCode::NOT_FOUND => ("not_found", "页面不存在".into()),
        StatusCode::METHOD_NOT_ALLOWED => ("method_not_allowed", "不支持该请求方法".into()),
        StatusCode::PAYLOAD_TOO_LARGE => (
            "too_large",
            format!("请求体过大（上限 {} MiB）", BODY_LIMIT / (1024 * 1024)),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE if api => (
            "unsupported_media_type",
            "请求的内容类型不受支持：请以 application/json 提交".into(),
        ),
        StatusCode::UNSUPPORTED_MEDIA_TYPE => (
            "unsupported_media_type",
            "请求的内容类型不受支持：请通过页面上的表单提交".into(),
        ),
        StatusCode::UNPROCESSABLE_ENTITY => ("invalid_field", "请求内容无法解读".into()),
        s if s.is_server_error() => ("internal", "服务器内部错误，请稍后重试或联系管理员".into()),
        _ => (
            "bad_request",
            "请求无效：地址中的编号、参数或提交的内容格式不对".into(),
        ),
    }
}

/// Answers in Chinese where the framework refused a request in its own
/// words (plain English text, or nothing): JSON under `/api`, the error page
/// elsewhere. Answers made by handlers (JSON or HTML) pass unchanged.
pub async fn chinese_refusals(req: Request, next: Next) -> Response {
    let api = req.uri().path().starts_with("/api/");
    let resp = next.run(req).await;
    let status = resp.status();
    if !(status.is_client_error() || status.is_server_error()) {
        return resp;
    }
    let ct = resp
        .headers()
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .unwrap_or("");
    if !(ct.is_empty() || ct.starts_with("text/plain")) {
        return resp;
    }
    let (code, message) = framework_refusal(status, api);
    let mut out = if api {
        (
            status,
            axum::Json(crate::http::error::ErrorBody {
                code: code.into(),
                message,
            }),
        )
            .into_response()
    } else {
        crate::http::error::error_page(status, &message)
    };
    // Keep what the refusal said about the request (e.g. `Allow` on 405).
    if let Some(allow) = resp.headers().get(header::ALLOW) {
        out.headers_mut().insert(header::ALLOW, allow.clone());
    }
    out
}

/// Ends a request that takes longer than [`REQUEST_TIMEOUT`].
pub async fn timeout(req: Request, next: Next) -> Response {
    match tokio::time::timeout(REQUEST_TIMEOUT, next.run(req)).await {
        Ok(r) => r,
        Err(_) => (
            StatusCode::SERVICE_UNAVAILABLE,
            axum::Json(crate::http::error::ErrorBody {
                code: "timeout".into(),
                message: "请求处理超时，请稍后重试".into(),
            }),
        )
            .into_response(),
    }
}

/// What a state-changing request does, for the audit trail.
fn action_of(method: &Method, path: &str) -> &'static str {
    let last = path.rsplit('/').next().unwrap_or("");
    if path == "/logout" || (path == "/api/v1/session" && method == Method::DELETE) {
        return "退出登录";
    }
    if path.contains("/admin/accounts") {
        return if last == "password" {
            "重置密码"
        } else {
            "账户管理"
        };
    }
    if path.contains("/admin/sessions") {
        return "强制下线";
    }
    if path.contains("/admin/tokens") {
        return if method == Method::DELETE || last == "revoke" {
            "吊销令牌"
        } else {
            "签发令牌"
        };
    }
    match last {
        "approve" => "批准申请",
        "return" => "退回申请",
        "withdraw" => "撤回申请",
        "resubmit" => "重新提交申请",
        _ if path == "/reconcile" => "上传比对名单",
        _ if path.ends_with("/matters") || path.ends_with("/matters/new") => "登记事项",
        _ if path.ends_with("/applications") || path.ends_with("/applications/new") => "提交申请",
        _ => "修改",
    }
}

/// Audits every state-changing request: actor, address, action, path, answer;
/// and every read refused for want of rights (越权访问). Sign-in and 身份证号
/// reveals are audited by their handlers in more detail.
pub async fn audit_writes(State(app): State<Arc<App>>, req: Request, next: Next) -> Response {
    let method = req.method().clone();
    if matches!(method, Method::GET | Method::HEAD | Method::OPTIONS) {
        let headers = req.headers().clone();
        let ip = peer_ip(req.extensions());
        let path = req.uri().path().to_string();
        let route = req
            .extensions()
            .get::<axum::extract::MatchedPath>()
            .map(|m| m.as_str().to_string())
            .unwrap_or_else(|| path.clone());
        let resp = next.run(req).await;
        let denied = resp.status() == StatusCode::FORBIDDEN
            || resp
                .extensions()
                .get::<crate::http::error::ScopeDenied>()
                .is_some();
        if denied {
            let app2 = app.clone();
            let status = resp.status().as_u16();
            let _ = tokio::task::spawn_blocking(move || {
                let actor = match crate::auth::request::session_of(&app2, &headers) {
                    Ok(Some((u, _))) => u.login,
                    _ => "-".into(),
                };
                app2.audit_denial(
                    &actor,
                    &ip,
                    &route,
                    &path,
                    &format!("{method} {path} → {status}"),
                );
            })
            .await;
        }
        return resp;
    }
    let path = req.uri().path().to_string();
    let skip = path == "/login"
        || (path == "/api/v1/session" && method == Method::POST)
        || path.ends_with("/reveal")
        || path.ends_with("/id_number");
    if skip {
        return next.run(req).await;
    }
    let ip = peer_ip(req.extensions());
    let actor = match crate::auth::request::session_of(&app, req.headers()) {
        Ok(Some((u, _))) => u.login,
        _ => "-".into(),
    };
    let action = action_of(&method, &path);
    let mut req = req;
    req.extensions_mut().insert(crate::http::error::AuditCtx {
        actor: actor.clone(),
        ip: ip.clone(),
        action,
        target: path.clone(),
    });
    let resp = next.run(req).await;
    if resp
        .extensions()
        .get::<crate::http::error::Audited>()
        .is_some()
    {
        return resp;
    }
    let status = resp.status();
    let app2 = app.clone();
    // In the office's words: what the change did, or why it was refused.
    let note = resp.extensions().get::<crate::http::error::AuditNote>();
    let refusal = resp.extensions().get::<crate::http::error::Refusal>();
    let detail = match (note, refusal) {
        (Some(n), _) => n.0.clone(),
        (None, Some(r)) if !status.is_success() && !status.is_redirection() => {
            // Once: a refusal of the rules already reads 未通过：….
            format!("未通过：{}", r.0.strip_prefix("未通过：").unwrap_or(&r.0))
        }
        _ if status.is_success() || status.is_redirection() => "完成".to_string(),
        _ => format!("未通过（{}）", status.as_u16()),
    };
    let _ =
        tokio::task::spawn_blocking(move || app2.audit(&actor, &ip, action, &path, &detail)).await;
    resp
}
