//! Errors of the web layer: one typed error, shown as JSON
//! (`{ "code": "stable_code", "message": "中文" }`) by the API and as a page by
//! the HTML side. Messages are for a clerk: they never carry SQL, file paths or
//! Rust error text; internal details go to the server log only.

use askama::Template;

use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Redirect, Response};
use bianzhi_casework::application::ApplicationError;
use bianzhi_core::MatterError;
use bianzhi_store::{DbError, StoreError};

use serde::Serialize;
use utoipa::ToSchema;

/// The body of every API error.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ErrorBody {
    /// Stable machine-readable code, e.g. `no_vacancy`, `bad_date`, `malformed_json`.
    pub code: String,
    /// What went wrong, in Chinese, for the clerk.
    pub message: String,
}

/// Every way a request can fail.
#[derive(Debug, thiserror::Error)]
pub enum WebError {
    #[error("请先登录")]
    Unauthorized,
    #[error("用户名或密码不对")]
    BadCredentials,
    #[error("{0}")]
    Forbidden(String),
    /// Too many failed sign-ins: the account or address is locked for a while.
    #[error("{0}")]
    Locked(String),
    #[error("页面已过期，请刷新后重试（表单校验码不符）")]
    Csrf,
    #[error("{0}")]
    NotFound(String),
    #[error("日期“{0}”格式不对，应为 YYYY-MM-DD，如 2021-12-31")]
    BadDate(String),
    #[error("请求体不是有效的 JSON：{0}")]
    MalformedJson(String),
    #[error("{message}")]
    InvalidField { code: &'static str, message: String },
    /// An operation of a matter that is not well formed (unknown 事项类型, a
    /// field missing or of the wrong kind): 400, named by the field's label.
    #[error("{message}")]
    BadOperation { code: &'static str, message: String },
    #[error("{0}")]
    UnknownUnit(String),
    #[error("{0}")]
    UnknownPerson(String),
    /// The ledger refused the matter: nothing was recorded.
    #[error("未通过：{0}")]
    Refused(MatterError),
    #[error("{0}")]
    Conflict(String),
    #[error("请求体过大（上限 1 MiB）")]
    TooLarge,
    #[error("服务器内部错误，请稍后重试或联系管理员")]
    Internal(String),
    /// A record outside the user's unit scope: answered exactly as the
    /// wrapped error a record that does not exist gets (so nothing outside
    /// the scope can be learnt from a refusal, not even that it exists), and
    /// audited as 越权访问.
    #[error("{0}")]
    OutOfScope(Box<WebError>),
}

/// What a change did, in the office's words, for the audit trail (set by a
/// handler on its answer; `audit_writes` records it).
#[derive(Debug, Clone)]
pub struct AuditNote(pub String);

/// Why a change was refused, in Chinese, for the audit trail (set on every
/// refused answer).
#[derive(Debug, Clone)]
pub struct Refusal(pub String);

/// An answer with the reason it was refused attached for the audit trail.
pub fn with_refusal(mut resp: Response, e: &WebError) -> Response {
    resp.extensions_mut().insert(Refusal(e.to_string()));
    resp
}

/// Who made a change and from where, with the action and target the audit
/// trail records it under: set by `audit_writes` on every state-changing
/// request, for a handler that writes the audit entry together with the
/// change (a matter and its 登记事项 entry in one transaction).
#[derive(Debug, Clone)]
pub struct AuditCtx {
    pub actor: String,
    pub ip: String,
    pub action: &'static str,
    pub target: String,
}

/// Marks an answer whose change was audited together with it (see
/// [`AuditCtx`]): `audit_writes` writes no second entry.
#[derive(Debug, Clone, Copy)]
pub struct Audited;

/// An answer whose change was audited together with it ([`Audited`]).
pub fn audited(mut resp: Response) -> Response {
    resp.extensions_mut().insert(Audited);
    resp
}

/// An answer with what it did attached for the audit trail.
pub fn with_note(mut resp: Response, note: impl Into<String>) -> Response {
    resp.extensions_mut().insert(AuditNote(note.into()));
    resp
}

/// Marks an answer refused for want of scope (see [`WebError::OutOfScope`]),
/// for the audit of refused reads.
#[derive(Debug, Clone, Copy)]
pub struct ScopeDenied;

impl WebError {
    /// An internal error from any other error (logged where it is answered;
    /// the user reads only that something went wrong).
    pub fn internal(e: impl std::fmt::Display) -> WebError {
        WebError::Internal(e.to_string())
    }

    pub fn invalid(code: &'static str, message: impl Into<String>) -> WebError {
        WebError::InvalidField {
            code,
            message: message.into(),
        }
    }

    /// The refusal of a record outside the user's scope, answered as
    /// `as_missing` (the error the same request gets when nothing exists).
    pub fn out_of_scope(as_missing: WebError) -> WebError {
        match as_missing {
            e @ WebError::OutOfScope(_) => e,
            e => WebError::OutOfScope(Box::new(e)),
        }
    }

    /// Whether this is a refusal for want of scope.
    pub fn is_out_of_scope(&self) -> bool {
        matches!(self, WebError::OutOfScope(_))
    }

    pub fn status(&self) -> StatusCode {
        match self {
            WebError::OutOfScope(e) => e.status(),
            WebError::Unauthorized | WebError::BadCredentials => StatusCode::UNAUTHORIZED,
            WebError::Forbidden(_) | WebError::Csrf => StatusCode::FORBIDDEN,
            WebError::Locked(_) => StatusCode::TOO_MANY_REQUESTS,
            WebError::NotFound(_) => StatusCode::NOT_FOUND,
            WebError::BadDate(_) | WebError::MalformedJson(_) | WebError::BadOperation { .. } => {
                StatusCode::BAD_REQUEST
            }
            WebError::InvalidField { .. }
            | WebError::UnknownUnit(_)
            | WebError::UnknownPerson(_)
            | WebError::Refused(_) => StatusCode::UNPROCESSABLE_ENTITY,
            WebError::Conflict(_) => StatusCode::CONFLICT,
            WebError::TooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            WebError::Internal(_) => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The stable code.
    pub fn code(&self) -> &'static str {
        match self {
            WebError::OutOfScope(e) => e.code(),
            WebError::Unauthorized => "unauthorized",
            WebError::BadCredentials => "bad_credentials",
            WebError::Forbidden(_) => "forbidden",
            WebError::Locked(_) => "locked",
            WebError::Csrf => "csrf",
            WebError::NotFound(_) => "not_found",
            WebError::BadDate(_) => "bad_date",
            WebError::MalformedJson(_) => "malformed_json",
            WebError::InvalidField { code, .. } | WebError::BadOperation { code, .. } => code,
            WebError::UnknownUnit(_) => "unknown_unit",
            WebError::UnknownPerson(_) => "unknown_person",
            // The broken rule's own code (`Violation::code`).
            WebError::Refused(e) => e.code(),
            WebError::Conflict(_) => "invalid_state",
            WebError::TooLarge => "too_large",
            WebError::Internal(_) => "internal",
        }
    }

    pub fn body(&self) -> ErrorBody {
        ErrorBody {
            code: self.code().to_string(),
            message: self.to_string(),
        }
    }
}

impl From<StoreError> for WebError {
    fn from(e: StoreError) -> Self {
        // The store's messages are already Chinese and free of SQL text; the
        // source goes to the log.
        log_error(&e);
        WebError::Internal(e.to_string())
    }
}

impl From<ApplicationError> for WebError {
    fn from(e: ApplicationError) -> Self {
        match e {
            ApplicationError::Invalid { code, message } => WebError::invalid(code, message),
            ApplicationError::BadDate(s) => WebError::BadDate(s),
            ApplicationError::UnknownUnit(m) => WebError::UnknownUnit(m),
            ApplicationError::UnknownPerson(m) => WebError::UnknownPerson(m),
            ApplicationError::OutOfScope(inner) => WebError::out_of_scope((*inner).into()),
            e @ ApplicationError::WrongStatus { .. } => WebError::Conflict(e.to_string()),
        }
    }
}

impl From<DbError> for WebError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Refused(m) => WebError::Refused(m),
            other => {
                log_error(&other);
                WebError::Internal(other.to_string())
            }
        }
    }
}

impl From<bianzhi_core::JournalError> for WebError {
    fn from(e: bianzhi_core::JournalError) -> Self {
        // Names the journal entry in the log; the user gets the usual answer.
        log_error(&e);
        WebError::Internal(e.to_string())
    }
}

fn log_error(e: &dyn std::error::Error) {
    let mut s = e.to_string();
    let mut src = e.source();
    while let Some(c) = src {
        s.push_str(" ← ");
        s.push_str(&c.to_string());
        src = c.source();
    }
    tracing::error!("{s}");
}

/// An error answered as JSON (API routes).
#[derive(Debug)]
pub struct ApiError(pub WebError);

impl From<WebError> for ApiError {
    fn from(e: WebError) -> Self {
        ApiError(e)
    }
}

impl From<StoreError> for ApiError {
    fn from(e: StoreError) -> Self {
        ApiError(e.into())
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        if let WebError::Internal(detail) = &self.0 {
            tracing::error!("internal error: {detail}");
        }
        let denied = self.0.is_out_of_scope();
        let mut resp = (self.0.status(), axum::Json(self.0.body())).into_response();
        if denied {
            resp.extensions_mut().insert(ScopeDenied);
        }
        resp.extensions_mut().insert(Refusal(self.0.to_string()));
        resp
    }
}

pub type ApiResult<T> = Result<T, ApiError>;

// ---------------------------------------------------------------- plumbing

/// An error shown as a page.
pub struct PageError(pub WebError);

impl From<bianzhi_store::StoreError> for PageError {
    fn from(e: bianzhi_store::StoreError) -> Self {
        PageError(e.into())
    }
}

impl From<WebError> for PageError {
    fn from(e: WebError) -> Self {
        PageError(e)
    }
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorPage {
    status: u16,
    message: String,
}

/// The error page with `status` and `message` (for answers made outside a
/// handler, e.g. the framework's own refusals).
pub(crate) fn error_page(status: StatusCode, message: &str) -> Response {
    let page = ErrorPage {
        status: status.as_u16(),
        message: message.to_string(),
    };
    (status, Html(page.render().unwrap_or_default())).into_response()
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        if matches!(self.0, WebError::Unauthorized) {
            return Redirect::to("/login").into_response();
        }
        if let WebError::Internal(d) = &self.0 {
            tracing::error!("internal error: {d}");
        }
        let status = self.0.status();
        let page = ErrorPage {
            status: status.as_u16(),
            message: self.0.to_string(),
        };
        let mut resp = (status, Html(page.render().unwrap_or_default())).into_response();
        resp.extensions_mut().insert(Refusal(self.0.to_string()));
        if self.0.is_out_of_scope() {
            resp.extensions_mut()
                .insert(crate::http::error::ScopeDenied);
        }
        resp
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

/// The page answer of a refusal: the page again with the message, or the
/// error page for what is not the user's to fix.
pub(crate) fn refusal_or<F>(e: WebError, page: F) -> PageResult
where
    F: FnOnce(String) -> PageResult,
{
    match e {
        e @ (WebError::Internal(_)
        | WebError::Csrf
        | WebError::Forbidden(_)
        | WebError::NotFound(_)
        | WebError::OutOfScope(_)) => Err(e.into()),
        e => {
            let status = e.status();
            let msg = e.to_string();
            page(msg).map(|r| {
                let (mut parts, body) = r.into_parts();
                parts.status = status;
                with_refusal(Response::from_parts(parts, body), &e)
            })
        }
    }
}
