//! HTML pages, server-rendered with askama (templates in `templates/`), in
//! 简体中文. Each handler computes its view model under the ledger lock (via
//! `App::read`), releases it, then renders.

use std::collections::HashMap;
use std::sync::Arc;

use crate::text::Form;
use askama::Template;
use axum::extract::{FromRequestParts, OriginalUri, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, StatusCode};
use axum::response::{Html, IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use bianzhi_core::catalog::{LeaveReason, PostKind, StaffIdentity, UnitKind};
use bianzhi_core::{PlanLineId, UnitId};
use bianzhi_store::ApplicationStatus;
use chrono::{Datelike, NaiveDate};

use crate::api::{self, request_user, MatterInput};
use crate::app::App;
use crate::apps::{ApplicationInput, ApplicationKind, ApplicationView};
use crate::auth::{self, User};
use crate::error::WebError;
use crate::hardening::Peer;
use crate::views::{self, *};

type AppState = Arc<App>;

const CSS: &str = include_str!("../static/app.css");
const JS: &str = include_str!("../static/app.js");

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
        if self.0.is_out_of_scope() {
            resp.extensions_mut().insert(crate::error::ScopeDenied);
        }
        resp
    }
}

pub(crate) type PageResult = Result<Response, PageError>;

pub(crate) fn render<T: Template>(t: &T) -> PageResult {
    render_status(StatusCode::OK, t)
}

pub(crate) fn render_status<T: Template>(status: StatusCode, t: &T) -> PageResult {
    let html = t
        .render()
        .map_err(|e| WebError::Internal(format!("页面渲染失败：{e}")))?;
    Ok((status, Html(html)).into_response())
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
                    Err(PageError(api::no_business_data(&u)).into_response())
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
pub struct AnyPageUser(pub User);

impl FromRequestParts<AppState> for AnyPageUser {
    type Rejection = Response;
    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        match request_user(app, &parts.headers) {
            Ok(Some((u, _))) => Ok(AnyPageUser(u)),
            Ok(None) => {
                let next = parts.uri.path();
                Err(Redirect::to(&format!("/login?next={}", enc(next))).into_response())
            }
            Err(e) => Err(PageError(e).into_response()),
        }
    }
}

/// Query parameters of a page.
pub struct QP(pub Params);

impl<S: Send + Sync> FromRequestParts<S> for QP {
    type Rejection = Response;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Query::<HashMap<String, String>>::from_request_parts(parts, state)
            .await
            .map(|Query(m)| QP(Params::new(m)))
            .map_err(|_| {
                PageError(WebError::invalid("bad_parameter", "查询参数格式不对")).into_response()
            })
    }
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

/// The values a form was filled with, to show it again (after an error, or
/// to edit): `f.v("name")`, and `f.sel(…)` / `f.seln(…)` for `<option>`s.
#[derive(Debug, Clone, Default)]
pub(crate) struct FormValues(pub HashMap<String, String>);

impl FormValues {
    pub fn v(&self, k: &str) -> String {
        self.0.get(k).cloned().unwrap_or_default()
    }
    pub fn sel(&self, k: &str, v: &str) -> &'static str {
        if self.0.get(k).map(String::as_str) == Some(v) {
            "selected"
        } else {
            ""
        }
    }
    pub fn seln(&self, k: &str, v: &u32) -> &'static str {
        self.sel(k, &v.to_string())
    }
}

pub(crate) fn check_csrf(user: &User, form: &[(String, String)]) -> Result<(), WebError> {
    let tok = form
        .iter()
        .find(|(k, _)| k == "_csrf")
        .map(|(_, v)| v.as_str());
    if tok == Some(user.csrf.as_str()) {
        Ok(())
    } else {
        Err(WebError::Csrf)
    }
}

pub(crate) fn field<'a>(form: &'a [(String, String)], k: &str) -> &'a str {
    form.iter()
        .find(|(fk, _)| fk == k)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

// ---------------------------------------------------------------- static

async fn css() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/css; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        CSS,
    )
        .into_response()
}

async fn js() -> Response {
    (
        [
            (header::CONTENT_TYPE, "text/javascript; charset=utf-8"),
            (header::CACHE_CONTROL, "public, max-age=3600"),
        ],
        JS,
    )
        .into_response()
}

// ---------------------------------------------------------------- sign-in

#[derive(Template)]
#[template(path = "login.html")]
struct LoginPage {
    next: String,
    error: Option<String>,
    login: String,
    jurisdiction: String,
    /// The form token, also in the `bz_login` cookie.
    token: String,
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
) -> PageResult {
    let token = auth::random_hex(16)?;
    let page = LoginPage {
        next: safe_next(next).to_string(),
        error,
        login,
        jurisdiction: app.db().state().jurisdiction.name.clone(),
        token: token.clone(),
    };
    let mut resp = render_status(status, &page)?;
    let cookie =
        format!("{LOGIN_COOKIE}={token}; Path=/login; HttpOnly; SameSite=Strict; Max-Age=3600");
    if let Ok(v) = header::HeaderValue::from_str(&cookie) {
        resp.headers_mut().append(header::SET_COOKIE, v);
    }
    Ok(resp)
}

async fn login_form(State(app): State<AppState>, QP(p): QP) -> PageResult {
    login_page(
        &app,
        StatusCode::OK,
        p.get("next").unwrap_or("/"),
        None,
        String::new(),
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
    Peer(ip): Peer,
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
        );
    }
    let app2 = app.clone();
    let l2 = login.clone();
    let old = api::old_session(&headers);
    let r = tokio::task::spawn_blocking(move || {
        let u = app2.sign_in(&l2, &password, &ip)?;
        // A new session id at every sign-in: the old one (if any) ends.
        if let Some(old) = old {
            app2.sign_out(&old)?;
        }
        Ok::<_, WebError>(u)
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?;
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
            login_page(&app, e.status(), &next, Some(e.to_string()), login)
        }
        Err(e) => Err(e.into()),
    }
}

async fn logout(
    State(app): State<AppState>,
    AnyPageUser(user): AnyPageUser,
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

// ---------------------------------------------------------------- 总览

#[derive(Template)]
#[template(path = "summary.html")]
struct SummaryPage {
    l: Layout,
    s: SummaryView,
    bars: String,
    trend: String,
    pending: u64,
    lp: crate::cases::LoopSummary,
}

async fn summary(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    QP(p): QP,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let s = app.read(date, |ctx| views::summary(ctx, scope.as_deref()));
    let units: Option<Vec<u32>> = scope.map(|s| s.iter().map(|u| u.0).collect());
    let pending = app
        .wf()
        .status_counts(units.as_deref())?
        .into_iter()
        .find(|(st, _)| *st == ApplicationStatus::Submitted)
        .map_or(0, |(_, n)| n);
    let (a2, u2) = (app.clone(), user.clone());
    let loop_summary = tokio::task::spawn_blocking(move || a2.loop_summary(&u2))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))??;
    let page = SummaryPage {
        l: Layout::new(
            &app,
            &user,
            "summary",
            "总览",
            Url::new(uri.path(), &p),
            Some(date),
        ),
        bars: crate::charts::quota_bars(&s.by_type),
        trend: crate::charts::trend(&s.trend),
        s,
        pending,
        lp: loop_summary,
    };
    render(&page)
}

// ---------------------------------------------------------------- 机构

#[derive(Template)]
#[template(path = "units.html")]
struct UnitsPage {
    l: Layout,
    rows: Vec<UnitRow>,
    list: bool,
    page: PageInfo,
    kinds: Vec<&'static str>,
    qtypes: Vec<(u16, String)>,
    tree: Vec<TreeStep>,
}

/// One step of the unit tree drawn as nested `<details>`: the template walks
/// the steps (askama has no recursion) and escapes every name itself.
pub(crate) enum TreeStep {
    /// A unit with units below it: opens its `<details>`.
    Node(UnitRow),
    /// A unit with none below it.
    Leaf(UnitRow),
    /// Closes the innermost open node.
    Close,
}

/// The steps that draw `rows` (in tree order with depths) as a tree.
fn tree_steps(rows: Vec<UnitRow>) -> Vec<TreeStep> {
    let mut steps = Vec::with_capacity(rows.len() * 2);
    let mut depth = 0usize;
    let next_depths: Vec<Option<usize>> = rows
        .iter()
        .skip(1)
        .map(|r| Some(r.depth))
        .chain(std::iter::once(None))
        .collect();
    for (r, next) in rows.into_iter().zip(next_depths) {
        while depth > r.depth {
            steps.push(TreeStep::Close);
            depth -= 1;
        }
        if next.is_some_and(|d| d > r.depth) {
            depth += 1;
            steps.push(TreeStep::Node(r));
        } else {
            steps.push(TreeStep::Leaf(r));
        }
    }
    steps.extend((0..depth).map(|_| TreeStep::Close));
    steps
}

async fn units(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    QP(p): QP,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let f = api::unit_filter(&app, &p)?;
    let list = p.get("view") == Some("list")
        || f.q.is_some()
        || f.kind.is_some()
        || f.over
        || f.qtype.is_some()
        || f.sort != "tree";
    let scope = app.scope(&user, date);
    let rows = app.read(date, |ctx| views::units(ctx, scope.as_deref(), &f));
    let l = Layout::new(
        &app,
        &user,
        "units",
        "机构",
        Url::new(uri.path(), &p),
        Some(date),
    );
    let (rows, page, tree) = if list {
        let (r, pi) = p.pager(50)?.slice(rows);
        (r, pi, Vec::new())
    } else {
        let n = rows.len();
        (
            Vec::new(),
            PageInfo {
                page: 1,
                per_page: n.max(1),
                total: n,
                pages: 1,
            },
            tree_steps(rows),
        )
    };
    let qtypes = app
        .db()
        .state()
        .quota_types
        .iter()
        .map(|q| (q.id.0, q.name.clone()))
        .collect();
    render(&UnitsPage {
        l,
        rows,
        list,
        page,
        kinds: UnitKind::ALL.iter().map(|k| k.label()).collect(),
        qtypes,
        tree,
    })
}

#[derive(Template)]
#[template(path = "unit.html")]
struct UnitPage {
    l: Layout,
    u: UnitView,
    roster: Vec<PersonRow>,
    roster_page: PageInfo,
    ledger: Vec<LedgerLineView>,
    ledger_page: PageInfo,
    plans: Vec<PlanLineView>,
}

async fn unit(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<u32>,
    QP(p): QP,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let rp = Pager {
        page: p.u32("roster_page")?.unwrap_or(1).max(1) as usize,
        per_page: 50,
    };
    let lp = Pager {
        page: p.u32("ledger_page")?.unwrap_or(1).max(1) as usize,
        per_page: 30,
    };
    let scope = app.scope(&user, date);
    let r = app.read(date, |ctx| -> Result<_, WebError> {
        let uid = check_unit(ctx, scope.as_deref(), id)?;
        let Some(u) = views::unit_view(ctx, scope.as_deref(), uid) else {
            let now = ctx.live.unit(uid).map(|u| (u.name.clone(), u.established));
            let (name, est) = now.unwrap_or_default();
            return Err(WebError::NotFound(format!(
                "{name} 于 {date} 尚未设立（设立日期 {est}）"
            )));
        };
        let (roster, roster_page) = views::roster(ctx, uid, rp);
        let (ledger, ledger_page) = views::unit_history(ctx, scope.as_deref(), uid, lp);
        let (plans, _, _) = views::plans(
            ctx,
            None,
            &PlanFilter {
                unit: Some(uid),
                year: Some(date.year()),
                ..Default::default()
            },
            Pager {
                page: 1,
                per_page: 50,
            },
        );
        Ok((u, roster, roster_page, ledger, ledger_page, plans))
    })?;
    let (u, roster, roster_page, ledger, ledger_page, plans) = r;
    render(&UnitPage {
        l: Layout::new(
            &app,
            &user,
            "units",
            u.name.clone(),
            Url::new(uri.path(), &p),
            Some(date),
        ),
        u,
        roster,
        roster_page,
        ledger,
        ledger_page,
        plans,
    })
}

// ---------------------------------------------------------------- 人员

#[derive(Template)]
#[template(path = "people.html")]
struct PeoplePage {
    l: Layout,
    rows: Vec<PersonRow>,
    page: PageInfo,
    unit_name: Option<String>,
    qtypes: Vec<(u16, String)>,
    searched: bool,
}

async fn people(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    QP(p): QP,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let f = api::people_filter(&app, scope.as_deref(), &p)?;
    let pager = p.pager(50)?;
    let (rows, page) = app.read(date, |ctx| views::people(ctx, scope.as_deref(), &f, pager));
    let (unit_name, qtypes) = {
        let db = app.db();
        let st = db.state();
        (
            f.unit.map(|u| st.unit_name(u)),
            st.quota_types
                .iter()
                .map(|q| (q.id.0, q.name.clone()))
                .collect(),
        )
    };
    render(&PeoplePage {
        l: Layout::new(
            &app,
            &user,
            "people",
            "人员",
            Url::new(uri.path(), &p),
            Some(date),
        ),
        rows,
        page,
        unit_name,
        qtypes,
        searched: f.q.is_some() || f.unit.is_some() || f.qtype.is_some(),
    })
}

#[derive(Template)]
#[template(path = "person.html")]
struct PersonPage {
    l: Layout,
    p: PersonView,
    can_reveal: bool,
    /// The full 身份证号, after an explicit (audited) reveal.
    revealed: Option<String>,
}

async fn person(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<u32>,
    QP(p): QP,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let v = app.read(date, |ctx| views::person_view(ctx, scope.as_deref(), id))?;
    render(&PersonPage {
        l: Layout::new(
            &app,
            &user,
            "people",
            v.row.name.clone(),
            Url::new(uri.path(), &p),
            Some(date),
        ),
        p: v,
        can_reveal: user.can_reveal(),
        revealed: None,
    })
}

/// 显示完整身份证号: an explicit, audited action (编办经办, 编办领导).
async fn person_reveal(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Peer(ip): Peer,
    Path(id): Path<u32>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let app2 = app.clone();
    let u2 = user.clone();
    let r = tokio::task::spawn_blocking(move || app2.reveal_id_number(&u2, &ip, id))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))??;
    let date = app.today();
    let scope = app.scope(&user, date);
    let v = app.read(date, |ctx| views::person_view(ctx, scope.as_deref(), id))?;
    render(&PersonPage {
        l: Layout::new(
            &app,
            &user,
            "people",
            v.row.name.clone(),
            Url::new(&format!("/people/{id}"), &Params::default()),
            Some(date),
        ),
        p: v,
        can_reveal: false,
        revealed: Some(r.id_number),
    })
    // The audited reveal: the one page that carries the full number.
    .map(crate::hardening::full_id_numbers)
}

// ---------------------------------------------------------------- 事项

#[derive(Template)]
#[template(path = "matters.html")]
struct MattersPage {
    l: Layout,
    rows: Vec<MatterRow>,
    page: PageInfo,
    kinds: Vec<&'static str>,
    unit_name: Option<String>,
}

const MATTER_KINDS: [&str; 20] = [
    "设立",
    "更名",
    "撤销",
    "合并",
    "划转",
    "核定编制",
    "核增编制",
    "核减编制",
    "划转编制",
    "锁定编制",
    "核定领导职数",
    "下达用编计划",
    "入编",
    "报到",
    "出编",
    "调动",
    "任职",
    "免职",
    "关键信息更正",
    "存量人员登记",
];

async fn matters(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    QP(p): QP,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let f = api::matter_filter(&app, scope.as_deref(), &p)?;
    let pager = p.pager(50)?;
    let (rows, page) = app.read(date, |ctx| views::matters(ctx, scope.as_deref(), &f, pager));
    let unit_name = f.unit.map(|u| app.db().state().unit_name(u));
    render(&MattersPage {
        l: Layout::new(
            &app,
            &user,
            "matters",
            "事项",
            Url::new(uri.path(), &p),
            Some(date),
        ),
        rows,
        page,
        kinds: MATTER_KINDS.to_vec(),
        unit_name,
    })
}

#[derive(Template)]
#[template(path = "matter.html")]
struct MatterPage {
    l: Layout,
    m: MatterView,
    json: String,
}

async fn matter(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Path(seq): Path<u64>,
    QP(p): QP,
) -> PageResult {
    let scope = app.scope(&user, app.today());
    let m = app.read(app.today(), |ctx| {
        views::matter_view(ctx, scope.as_deref(), seq)
    })?;
    let json = serde_json::to_string_pretty(&m.ops_json).unwrap_or_default();
    render(&MatterPage {
        l: Layout::new(
            &app,
            &user,
            "matters",
            format!("事项 {}", m.row.doc),
            Url::new(uri.path(), &p),
            None,
        ),
        m,
        json,
    })
}

#[derive(Template)]
#[template(path = "matter_new.html")]
struct MatterNewPage {
    l: Layout,
    error: Option<String>,
    f: FormValues,
    units: Vec<(u32, String)>,
    qtypes: Vec<String>,
    fundings: Vec<String>,
    channels: Vec<&'static str>,
}

fn matter_form_page(
    app: &App,
    user: &User,
    uri: &str,
    error: Option<String>,
    f: HashMap<String, String>,
) -> MatterNewPage {
    let l = Layout::new(
        app,
        user,
        "matters",
        "登记事项",
        Url {
            path: uri.into(),
            params: vec![],
        },
        None,
    );
    let db = app.db();
    let st = db.state();
    let units = bianzhi_core::query::units_at(st, app.today())
        .into_iter()
        .map(|u| (u.id.0, u.name.clone()))
        .collect();
    MatterNewPage {
        l,
        error,
        f: FormValues(f),
        units,
        qtypes: st.quota_types.iter().map(|q| q.name.clone()).collect(),
        fundings: st.funding_forms.iter().map(|q| q.name.clone()).collect(),
        channels: bianzhi_core::catalog::PlanChannel::ALL
            .iter()
            .map(|c| c.label())
            .collect(),
    }
}

async fn matter_new(State(app): State<AppState>, PageUser(user): PageUser) -> PageResult {
    user.require(user.can_record(), "直接登记事项（仅编办）")?;
    let mut f = HashMap::new();
    f.insert("effective".into(), app.today().to_string());
    f.insert("year".into(), app.today().year().to_string());
    render(&matter_form_page(&app, &user, "/matters/new", None, f))
}

/// The operation described by the structured part of the form.
fn op_from_form(f: &HashMap<String, String>) -> Result<serde_json::Value, WebError> {
    let g = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let unit = g("unit");
    if unit.is_empty() {
        return Err(WebError::invalid("missing_field", "请选择机构"));
    }
    let unit_v: serde_json::Value = unit
        .parse::<u32>()
        .map(Into::into)
        .unwrap_or_else(|_| unit.clone().into());
    let count: i32 = g("count").parse().map_err(|_| {
        WebError::invalid(
            "invalid_field",
            format!("数量应为整数，收到“{}”", g("count")),
        )
    })?;
    let op = g("op");
    let v = match op.as_str() {
        "increase_quota" | "decrease_quota" | "set_quota" | "lock_quota" | "unlock_quota" => {
            serde_json::json!({
                "op": op, "unit": unit_v, "qtype": g("qtype"), "funding": g("funding"), "count": count
            })
        }
        "approve_plan_line" => {
            let year: i32 = g("year")
                .parse()
                .map_err(|_| WebError::invalid("invalid_field", "年度应为四位数字"))?;
            serde_json::json!({
                "op": op, "unit": unit_v, "year": year, "channel": g("channel"), "qtype": g("qtype"), "count": count
            })
        }
        _ => return Err(WebError::invalid("invalid_field", "请选择操作类型")),
    };
    Ok(v)
}

async fn matter_create(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    user.require(user.can_record(), "直接登记事项（仅编办）")?;
    let f: HashMap<String, String> = form.iter().cloned().collect();
    let built = (|| -> Result<MatterInput, WebError> {
        let json = f.get("ops_json").map(|s| s.trim()).unwrap_or("");
        let ops: Vec<serde_json::Value> = if json.is_empty() {
            vec![op_from_form(&f)?]
        } else {
            match crate::json::parse::<serde_json::Value>(json.as_bytes())? {
                serde_json::Value::Array(v) => v,
                o @ serde_json::Value::Object(_) => vec![o],
                _ => {
                    return Err(WebError::invalid(
                        "invalid_field",
                        "操作 JSON 应为对象或对象数组",
                    ))
                }
            }
        };
        Ok(MatterInput {
            doc: f.get("doc").cloned().unwrap_or_default(),
            effective: f.get("effective").cloned().unwrap_or_default(),
            reason: f.get("reason").cloned().unwrap_or_default(),
            ops,
        })
    })();
    let app2 = app.clone();
    let u2 = user.clone();
    let r = match built {
        Ok(input) => tokio::task::spawn_blocking(move || app2.record_matter(&u2, input))
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?,
        Err(e) => Err(e),
    };
    match r {
        Ok(seq) => Ok(Redirect::to(&format!("/matters/{seq}")).into_response()),
        Err(e @ (WebError::Internal(_) | WebError::Csrf | WebError::Forbidden(_))) => Err(e.into()),
        Err(e) => {
            let status = e.status();
            // The form comes back with what the clerk typed, 身份证号 included.
            render_status(
                status,
                &matter_form_page(&app, &user, "/matters/new", Some(e.to_string()), f),
            )
            .map(crate::hardening::full_id_numbers)
        }
    }
}

// ---------------------------------------------------------------- 申请

#[derive(Template)]
#[template(path = "applications.html")]
struct ApplicationsPage {
    l: Layout,
    rows: Vec<ApplicationView>,
    page: PageInfo,
    statuses: Vec<(&'static str, &'static str)>,
}

async fn applications(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    QP(p): QP,
) -> PageResult {
    let status = match p.get("status") {
        None => None,
        Some(s) => Some(
            ApplicationStatus::parse(s)
                .ok_or_else(|| WebError::invalid("bad_parameter", format!("申请状态“{s}”无效")))?,
        ),
    };
    let kind = p.get("kind").and_then(ApplicationKind::parse);
    let (rows, page) = app.list_applications(&user, status, kind, p.pager(30)?)?;
    render(&ApplicationsPage {
        l: Layout::new(
            &app,
            &user,
            "applications",
            "申请",
            Url::new(uri.path(), &p),
            None,
        ),
        rows,
        page,
        statuses: ApplicationStatus::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
    })
}

#[derive(Template)]
#[template(path = "application.html")]
struct ApplicationPage {
    l: Layout,
    a: ApplicationView,
    error: Option<String>,
    can_approve: bool,
    can_review: bool,
    is_owner: bool,
    suggested_doc: String,
    fields: Vec<(String, String)>,
}

fn input_fields(i: &ApplicationInput, st: &bianzhi_core::State) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, x: Option<String>| {
        if let Some(x) = x.filter(|s| !s.is_empty()) {
            v.push((k.to_string(), x));
        }
    };
    push("姓名", i.name.clone());
    push(
        "身份证号",
        i.id_number.as_deref().map(|s| {
            bianzhi_core::ident::parse_id_number(s)
                .map(|n| n.mask())
                .unwrap_or_else(|_| s.to_string())
        }),
    );
    push(
        "人员",
        i.person
            .as_deref()
            .map(|s| match crate::apps::find_person(st, s) {
                Ok(pid) => st
                    .person(pid)
                    .map(|p| format!("{}（{}）", p.details.name, p.details.id_number.mask()))
                    .unwrap_or_default(),
                Err(_) => s.to_string(),
            }),
    );
    push("编制类型", i.qtype.clone());
    push("经费形式", i.funding.clone());
    push(
        "用编计划",
        i.plan_line.map(|n| match st.plan_line(PlanLineId(n)) {
            Some(l) => format!(
                "第 {n} 号：{} 年度 {} {} 计划 {} 名，已用 {}",
                l.year,
                l.channel,
                st.qtype_name(l.qtype),
                l.approved,
                l.used
            ),
            None => format!("第 {n} 号"),
        }),
    );
    push("人员身份", i.identity.clone());
    push("学历", i.education.clone());
    push("政治面貌", i.political.clone());
    push("职务职级", i.position.clone());
    push("参加工作时间", i.work_start.clone());
    push("出编原因", i.leave_reason.clone());
    push(
        "调入单位",
        i.to_unit.as_ref().map(|u| match u {
            crate::apps::UnitKey::Id(id) => st.unit_name(UnitId(*id)),
            crate::apps::UnitKey::Name(n) => n.clone(),
        }),
    );
    push("职数类别", i.post_kind.clone());
    push("职务名称", i.title.clone());
    push("拟生效日期", i.effective.clone());
    push("事由", i.reason.clone());
    v
}

fn application_page(
    app: &App,
    user: &User,
    id: i64,
    error: Option<String>,
) -> Result<ApplicationPage, WebError> {
    let (rec, events) = app.load_application(user, id)?;
    let a = app.application_view(&rec, &events);
    let fields = input_fields(&a.input, app.db().state());
    let year = app.today().year();
    Ok(ApplicationPage {
        l: Layout::new(
            app,
            user,
            "applications",
            format!("申请 #{id}"),
            Url {
                path: format!("/applications/{id}"),
                params: vec![],
            },
            None,
        ),
        can_approve: user.can_approve() && a.status == "submitted",
        can_review: user.can_review() && a.status == "submitted",
        is_owner: user.can_apply(),
        suggested_doc: format!("盐编〔{year}〕号"),
        fields,
        a,
        error,
    })
}

async fn application(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    render(&application_page(&app, &user, id, None)?)
}

async fn application_action(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let app2 = app.clone();
    let u2 = user.clone();
    let f2 = form.clone();
    let r = tokio::task::spawn_blocking(move || match action.as_str() {
        "approve" => {
            let eff = field(&f2, "effective");
            app2.approve_application(
                &u2,
                id,
                field(&f2, "doc"),
                (!eff.is_empty()).then_some(eff),
                field(&f2, "comment"),
            )
        }
        "return" => app2.return_application(&u2, id, field(&f2, "comment")),
        "withdraw" => app2.withdraw_application(&u2, id),
        _ => Err(WebError::NotFound("没有这个操作".into())),
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))?;
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/applications/{id}")).into_response()),
        Err(
            e @ (WebError::Internal(_)
            | WebError::Csrf
            | WebError::Forbidden(_)
            | WebError::NotFound(_)),
        ) => Err(e.into()),
        Err(e) => {
            let status = e.status();
            render_status(
                status,
                &application_page(&app, &user, id, Some(e.to_string()))?,
            )
        }
    }
}

#[derive(Template)]
#[template(path = "application_new.html")]
struct ApplicationNewPage {
    l: Layout,
    kind: String,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    f: FormValues,
    units: Vec<(u32, String)>,
    plan_lines: Vec<(u32, String)>,
    qtypes: Vec<String>,
    fundings: Vec<String>,
    identities: Vec<&'static str>,
    leave_reasons: Vec<&'static str>,
    post_kinds: Vec<&'static str>,
    all_units: Vec<(u32, String)>,
    action: String,
}

fn new_app_page(
    app: &App,
    user: &User,
    kind: &str,
    action: String,
    error: Option<String>,
    f: HashMap<String, String>,
) -> ApplicationNewPage {
    let date = app.today();
    let scope = app.scope(user, date);
    let l = Layout::new(
        app,
        user,
        "applications",
        "提交申请",
        Url {
            path: "/applications/new".into(),
            params: vec![],
        },
        None,
    );
    let db = app.db();
    let st = db.state();
    let units: Vec<(u32, String)> = bianzhi_core::query::units_at(st, date)
        .into_iter()
        .filter(|u| in_scope(scope.as_deref(), u.id))
        .map(|u| (u.id.0, u.name.clone()))
        .collect();
    let plan_lines = st
        .plan_lines
        .iter()
        .flatten()
        .filter(|l| l.year == date.year() && l.remaining() > 0)
        .map(|l| {
            (
                l.id.0,
                format!(
                    "第 {} 号｜{}｜{} 年度{}｜{}｜剩余 {} 名",
                    l.id,
                    st.unit_name(l.unit),
                    l.year,
                    l.channel,
                    st.qtype_name(l.qtype),
                    l.remaining()
                ),
            )
        })
        .filter(|(_, _)| true)
        .collect::<Vec<_>>();
    let all_units = bianzhi_core::query::units_at(st, date)
        .into_iter()
        .map(|u| (u.id.0, u.name.clone()))
        .collect();
    ApplicationNewPage {
        l,
        kind: kind.to_string(),
        kinds: ApplicationKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        error,
        f: FormValues(f),
        units,
        plan_lines,
        qtypes: st.quota_types.iter().map(|q| q.name.clone()).collect(),
        fundings: st.funding_forms.iter().map(|q| q.name.clone()).collect(),
        identities: StaffIdentity::ALL.iter().map(|k| k.label()).collect(),
        leave_reasons: LeaveReason::ALL.iter().map(|k| k.label()).collect(),
        post_kinds: PostKind::ALL.iter().map(|k| k.label()).collect(),
        all_units,
        action,
    }
}

async fn application_new(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    QP(p): QP,
) -> PageResult {
    user.require(user.can_apply(), "提交申请（仅单位经办可提交本单位的申请）")?;
    let kind = p
        .get("kind")
        .and_then(ApplicationKind::parse)
        .unwrap_or(ApplicationKind::Hire);
    let mut f: HashMap<String, String> = HashMap::new();
    if let Some(u) = p.get("unit") {
        f.insert("unit".into(), u.into());
    } else if let Some(u) = user.unit {
        f.insert("unit".into(), u.0.to_string());
    }
    if let Some(x) = p.get("person") {
        f.insert("person".into(), x.into());
    }
    f.insert("identity".into(), "事业人员".into());
    f.insert("qtype".into(), "事业编制".into());
    f.insert("funding".into(), "全额拨款".into());
    render(&new_app_page(
        &app,
        &user,
        kind.code(),
        "/applications/new".into(),
        None,
        f,
    ))
}

/// A form's fields as an [`ApplicationInput`].
fn form_input(form: &[(String, String)]) -> Result<ApplicationInput, WebError> {
    let mut o = serde_json::Map::new();
    for (k, v) in form {
        let v = v.trim();
        if k.starts_with('_') || v.is_empty() {
            continue;
        }
        let val: serde_json::Value = match k.as_str() {
            "plan_line" | "body" => v
                .parse::<u32>()
                .map(Into::into)
                .unwrap_or_else(|_| v.into()),
            "unit" | "to_unit" => v
                .parse::<u32>()
                .map(Into::into)
                .unwrap_or_else(|_| v.into()),
            "exempt" => (v == "on" || v == "true" || v == "1").into(),
            _ => v.into(),
        };
        o.insert(k.clone(), val);
    }
    crate::json::from_value(serde_json::Value::Object(o))
}

async fn application_submit(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let f: HashMap<String, String> = form.iter().cloned().collect();
    let kind = f.get("kind").cloned().unwrap_or_else(|| "hire".into());
    let app2 = app.clone();
    let u2 = user.clone();
    let r = match form_input(&form) {
        Ok(input) => tokio::task::spawn_blocking(move || app2.submit_application(&u2, input))
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?,
        Err(e) => Err(e),
    };
    match r {
        Ok(v) => Ok(Redirect::to(&format!("/applications/{}", v.id)).into_response()),
        Err(e @ (WebError::Internal(_) | WebError::Csrf)) => Err(e.into()),
        Err(e) => {
            let status = e.status();
            // The form comes back with what its user typed, 身份证号 included.
            render_status(
                status,
                &new_app_page(
                    &app,
                    &user,
                    &kind,
                    "/applications/new".into(),
                    Some(e.to_string()),
                    f,
                ),
            )
            .map(crate::hardening::full_id_numbers)
        }
    }
}

async fn application_edit(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    user.require(user.can_apply(), "修改申请")?;
    let (rec, _) = app.load_application(&user, id)?;
    let v = serde_json::to_value(app.application_view(&rec, &[]).input).unwrap_or_default();
    let f: HashMap<String, String> = v
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    render(&new_app_page(
        &app,
        &user,
        &rec.kind,
        format!("/applications/{id}/resubmit"),
        None,
        f,
    ))
}

async fn application_resubmit(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let f: HashMap<String, String> = form.iter().cloned().collect();
    let kind = f.get("kind").cloned().unwrap_or_else(|| "hire".into());
    let app2 = app.clone();
    let u2 = user.clone();
    let r = match form_input(&form) {
        Ok(input) => tokio::task::spawn_blocking(move || app2.resubmit_application(&u2, id, input))
            .await
            .map_err(|e| WebError::Internal(e.to_string()))?,
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/applications/{id}")).into_response()),
        Err(e @ (WebError::Internal(_) | WebError::Csrf | WebError::Forbidden(_))) => Err(e.into()),
        Err(e) => render_status(
            e.status(),
            &new_app_page(
                &app,
                &user,
                &kind,
                format!("/applications/{id}/resubmit"),
                Some(e.to_string()),
                f,
            ),
        )
        .map(crate::hardening::full_id_numbers),
    }
}

// ---------------------------------------------------------------- 用编计划

#[derive(Template)]
#[template(path = "plans.html")]
struct PlansPage {
    l: Layout,
    rows: Vec<PlanLineView>,
    page: PageInfo,
    years: Vec<i32>,
    unit_name: Option<String>,
}

async fn plans(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    QP(p): QP,
) -> PageResult {
    let scope = app.scope(&user, app.today());
    let f = api::plan_filter(&app, scope.as_deref(), &p)?;
    let pager = p.pager(50)?;
    let (rows, page, years) = app.read(app.today(), |ctx| {
        views::plans(ctx, scope.as_deref(), &f, pager)
    });
    let unit_name = f.unit.map(|u| app.db().state().unit_name(u));
    render(&PlansPage {
        l: Layout::new(
            &app,
            &user,
            "plans",
            "用编计划",
            Url::new(uri.path(), &p),
            None,
        ),
        rows,
        page,
        years,
        unit_name,
    })
}

#[derive(Template)]
#[template(path = "plan.html")]
struct PlanPage {
    l: Layout,
    d: PlanLineDetail,
}

async fn plan(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<u32>,
    QP(p): QP,
) -> PageResult {
    let scope = app.scope(&user, app.today());
    let d = app.read(app.today(), |ctx| {
        views::plan_detail(ctx, scope.as_deref(), id)
    })?;
    render(&PlanPage {
        l: Layout::new(
            &app,
            &user,
            "plans",
            format!("用编计划第 {id} 号"),
            Url::new(uri.path(), &p),
            None,
        ),
        d,
    })
}

async fn not_found() -> PageError {
    PageError(WebError::NotFound("页面不存在".into()))
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/", get(summary))
        .route("/static/app.css", get(css))
        .route("/static/app.js", get(js))
        .route("/login", get(login_form).post(login))
        .route("/logout", post(logout))
        .route("/units", get(units))
        .route("/units/{id}", get(unit))
        .route("/people", get(people))
        .route("/people/{id}", get(person))
        .route("/people/{id}/reveal", post(person_reveal))
        .merge(crate::admin_pages::routes())
        .merge(crate::reports::routes())
        .route("/matters", get(matters))
        .route("/matters/new", get(matter_new).post(matter_create))
        .route("/matters/{seq}", get(matter))
        .route("/applications", get(applications))
        .route(
            "/applications/new",
            get(application_new).post(application_submit),
        )
        .route("/applications/{id}", get(application))
        .route("/applications/{id}/edit", get(application_edit))
        .route("/applications/{id}/resubmit", post(application_resubmit))
        .route("/applications/{id}/{action}", post(application_action))
        .route("/plans", get(plans))
        .route("/plans/{id}", get(plan))
        .fallback(not_found)
}
