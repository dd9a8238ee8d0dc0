use crate::auth::User;
use crate::http::error::PageError;
use crate::http::error::PageResult;
use crate::http::error::WebError;
use crate::http::params::Params;
use crate::state::App;
use askama::Template;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse};
use chrono::NaiveDate;

pub(crate) fn render<T: Template>(t: &T) -> PageResult {
    render_status(StatusCode::OK, t)
}

pub(crate) fn render_status<T: Template>(status: StatusCode, t: &T) -> PageResult {
    let html = t
        .render()
        .map_err(|e| WebError::Internal(format!("页面渲染失败：{e}")))?;
    Ok((status, Html(html)).into_response())
}

/// Percent-encodes a URL component.
pub fn enc(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

/// The current page's URL, to build links that change one parameter.
#[derive(Debug, Clone)]
pub struct Url {
    pub path: String,
    pub params: Vec<(String, String)>,
}

impl Url {
    pub(crate) fn new(path: &str, p: &Params) -> Url {
        let mut params: Vec<(String, String)> = p
            .map
            .iter()
            .filter(|(k, v)| !v.trim().is_empty() && !k.starts_with('_'))
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        params.sort();
        Url {
            path: path.to_string(),
            params,
        }
    }
    fn build(&self, params: &[(String, String)]) -> String {
        if params.is_empty() {
            return self.path.clone();
        }
        let q: Vec<String> = params
            .iter()
            .map(|(k, v)| format!("{}={}", enc(k), enc(v)))
            .collect();
        format!("{}?{}", self.path, q.join("&"))
    }
    /// This URL with `k` set to `v` (and back to page 1 unless `k` is a page).
    pub fn with(&self, k: &str, v: &str) -> String {
        let mut p: Vec<(String, String)> = self
            .params
            .iter()
            .filter(|(pk, _)| pk != k && (k.ends_with("page") || !pk.ends_with("page")))
            .cloned()
            .collect();
        if !v.is_empty() {
            p.push((k.into(), v.into()));
        }
        self.build(&p)
    }
    /// The query string of this URL without paging (`?a=1&b=2`, or empty),
    /// for a download of the same selection.
    pub fn query(&self) -> String {
        let p: Vec<(String, String)> = self
            .params
            .iter()
            .filter(|(k, _)| !k.ends_with("page"))
            .cloned()
            .collect();
        let mut u = self.clone();
        u.path = String::new();
        u.build(&p)
    }
    pub fn page(&self, n: impl std::borrow::Borrow<usize>) -> String {
        self.with("page", &n.borrow().to_string())
    }
    pub fn pagek(&self, key: &str, n: impl std::borrow::Borrow<usize>) -> String {
        self.with(key, &n.borrow().to_string())
    }
    /// Sort link: same key toggles the direction.
    pub fn sort(&self, key: &str) -> String {
        let cur = self.get("sort");
        let dir = self.get("dir");
        let mut p: Vec<(String, String)> = self
            .params
            .iter()
            .filter(|(k, _)| k != "sort" && k != "dir" && k != "page")
            .cloned()
            .collect();
        p.push(("sort".into(), key.into()));
        if cur == Some(key) && dir != Some("desc") {
            p.push(("dir".into(), "desc".into()));
        }
        self.build(&p)
    }
    pub fn arrow(&self, key: &str) -> &'static str {
        if self.get("sort") == Some(key) {
            if self.get("dir") == Some("desc") {
                " ▼"
            } else {
                " ▲"
            }
        } else {
            ""
        }
    }
    pub fn get(&self, k: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(pk, _)| pk == k)
            .map(|(_, v)| v.as_str())
    }
    pub fn val(&self, k: &str) -> String {
        self.get(k).unwrap_or("").to_string()
    }
    /// Hidden inputs to keep the other parameters in a GET form.
    pub fn hidden_except(&self, k: &str) -> Vec<(String, String)> {
        self.params
            .iter()
            .filter(|(pk, _)| pk != k && !pk.ends_with("page"))
            .cloned()
            .collect()
    }
}

/// What every page's frame needs.
pub struct Layout {
    pub title: String,
    pub nav: &'static str,
    pub user: String,
    pub role: String,
    pub csrf: String,
    /// The as-of selector (pages that show ledger data).
    pub as_of: Option<String>,
    pub today: String,
    pub url: Url,
    pub can_apply: bool,
    pub can_review: bool,
    pub can_record: bool,
    pub business: bool,
    pub can_accounts: bool,
    pub can_audit: bool,
    pub can_configure: bool,
    pub jurisdiction: String,
}

impl Layout {
    pub(crate) fn new(
        app: &App,
        u: &User,
        nav: &'static str,
        title: impl Into<String>,
        url: Url,
        as_of: Option<NaiveDate>,
    ) -> Layout {
        Layout {
            title: title.into(),
            nav,
            user: u.name.clone(),
            role: u.role_labels(),
            csrf: u.csrf.clone(),
            as_of: as_of.map(|d| d.to_string()),
            today: app.today().to_string(),
            url,
            can_apply: u.can_apply(),
            can_review: u.can_review(),
            can_record: u.can_record(),
            business: !u.is_admin(),
            can_accounts: u.can_manage_accounts(),
            can_audit: u.can_audit(),
            can_configure: u.can_configure(),
            jurisdiction: app.db().state().jurisdiction.name.clone(),
        }
    }
    /// `?as_of=…` to carry the date into links (empty for today).
    pub fn asq(&self) -> String {
        match &self.as_of {
            Some(d) if *d != self.today => format!("?as_of={d}"),
            _ => String::new(),
        }
    }
    /// `&as_of=…` for links that already have a query.
    pub fn asa(&self) -> String {
        match &self.as_of {
            Some(d) if *d != self.today => format!("&as_of={d}"),
            _ => String::new(),
        }
    }
    pub fn active(&self, nav: &str) -> &'static str {
        if self.nav == nav {
            "active"
        } else {
            ""
        }
    }
}

/// Any other page.
pub async fn not_found() -> PageError {
    PageError(WebError::NotFound("页面不存在".into()))
}
