//! 报表 on the web: every report of `bianzhi-reports` as of a date for one
//! unit, a unit with its subtree or the whole jurisdiction, as a page, an xlsx
//! download and a print view (A4 landscape); and 比对 (reconciliation) of
//! another department's roster uploaded as xlsx, xls or csv.
//!
//! Rights: a user limited to a unit subtree (单位经办, or any account with a
//! unit) sees reports of that subtree only; 身份证号 are masked unless a role
//! that may reveal them (编办经办, 编办领导) asks for them, and that is audited
//! as 查看身份证号; every read of a report listing people, every download and
//! every 比对 is in the audit trail. 比对 is for 编办 roles only.

use std::sync::Arc;
use std::time::Duration;

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, OriginalUri, Path, State};
use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::{Json, Router};
use bianzhi_core::{query, UnitId};
use bianzhi_reports::reconcile;
use bianzhi_reports::report::{self as rpt, Kind};
use bianzhi_reports::{xlsx, Cell, Table};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::api::{ApiUser, Q};
use crate::app::App;
use crate::auth::{mask_id, User};
use crate::error::{ApiResult, ErrorBody, WebError};
use crate::hardening::Peer;
use crate::pages::{enc, render, Layout, PageError, PageResult, PageUser, Url, QP};
use crate::reconciled;
use crate::views::{self, check_unit, in_scope, PageInfo, Pager, Params};

type AppState = Arc<App>;

/// Largest roster file accepted for 比对.
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;
/// Rosters parsed at once (each may take a few hundred MB within
/// `xlsx::Limits::upload`); a further upload waits up to [`PARSE_WAIT`].
pub const PARSES_AT_ONCE: usize = 2;
static PARSES: tokio::sync::Semaphore = tokio::sync::Semaphore::const_new(PARSES_AT_ONCE);
const PARSE_WAIT: Duration = Duration::from_secs(30);
/// Rows of a report shown per page on screen (print and xlsx have them all).
const PER_PAGE: usize = 200;
const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Why a report or 比对 request cannot be served (shown in Chinese).
#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("没有“{0}”这种报表")]
    UnknownKind(String),
    #[error("统计范围“{0}”无效，应为 本单位（unit）、本单位及下属单位（subtree）或 全区（all）")]
    BadScope(String),
    #[error("请选择单位")]
    NoUnit,
    #[error("期间起点 {from} 晚于期间终点 {to}")]
    Period { from: NaiveDate, to: NaiveDate },
    #[error("您只能查看本单位及下属单位的报表")]
    OutOfScope,
    #[error("请选择要比对的名单文件（xlsx、xls 或 csv）")]
    NoFile,
    #[error("名单文件过大（上限 {} MiB），请分批比对", UPLOAD_LIMIT / 1024 / 1024)]
    TooLarge,
    #[error("上传的表单不完整或已损坏，请重新选择文件上传")]
    BadUpload,
    #[error("不支持的文件“{0}”：名单应为 xlsx、xls 或 csv 文件")]
    Extension(String),
    #[error("{0}")]
    Sheet(#[from] xlsx::SheetError),
    #[error("比对结果已过期或不存在，请重新上传名单比对")]
    ResultGone,
    #[error("正在比对的名单较多，服务器繁忙，请稍后再试")]
    Busy,
    #[error("名单文件内容异常，无法解析，请检查文件或另存为 xlsx 后再试")]
    Unparsable,
}

impl From<ReportError> for WebError {
    fn from(e: ReportError) -> WebError {
        match e {
            ReportError::UnknownKind(_) | ReportError::ResultGone => {
                WebError::NotFound(e.to_string())
            }
            ReportError::OutOfScope => WebError::Forbidden(e.to_string()),
            ReportError::TooLarge => WebError::invalid("too_large", e.to_string()),
            ReportError::NoUnit => WebError::invalid("missing_unit", e.to_string()),
            ReportError::Sheet(_) | ReportError::Unparsable => {
                WebError::invalid("bad_file", e.to_string())
            }
            _ => WebError::invalid("bad_parameter", e.to_string()),
        }
    }
}

impl From<ReportError> for PageError {
    fn from(e: ReportError) -> PageError {
        PageError(e.into())
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(index))
        .route("/reports/{kind}", get(show))
        .route("/reports/{kind}/xlsx", get(download))
        .route("/reports/{kind}/print", get(print))
        .route(
            "/reconcile",
            get(reconcile_form)
                .post(reconcile_upload)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT + 64 * 1024)),
        )
        .route("/reconcile/{id}", get(reconcile_result))
        .route("/reconcile/{id}/xlsx", get(reconcile_download))
        .route(
            "/reconcile/{id}/problems",
            axum::routing::post(reconcile_problems),
        )
}

// ---------------------------------------------------------------- request

/// 统计范围.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// 本单位.
    Unit,
    /// 本单位及下属单位.
    Subtree,
    /// 全区 (the whole jurisdiction).
    All,
}

impl Mode {
    pub fn code(self) -> &'static str {
        match self {
            Mode::Unit => "unit",
            Mode::Subtree => "subtree",
            Mode::All => "all",
        }
    }
}

/// A report request, checked: kind, scope, dates, whether 身份证号 are shown.
#[derive(Debug, Clone)]
pub struct Request {
    pub kind: Kind,
    pub mode: Mode,
    pub unit: Option<UnitId>,
    pub as_of: NaiveDate,
    pub from: NaiveDate,
    /// Show 身份证号 in full (only roles that may reveal them).
    pub full: bool,
    pub params: rpt::Params,
}

impl Request {
    /// Query parameters that ask for this report again (for links).
    pub fn query(&self, full: bool) -> String {
        let mut q = vec![format!("scope={}", self.mode.code())];
        if let Some(u) = self.unit {
            q.push(format!("unit={}", u.0));
        }
        if self.kind.is_period() {
            q.push(format!("from={}", self.from));
        }
        q.push(format!("as_of={}", self.as_of));
        if full {
            q.push("full=1".into());
        }
        q.join("&")
    }
}

/// Reads and checks a report request against the user's rights.
pub fn request(app: &App, user: &User, kind: &str, p: &Params) -> Result<Request, WebError> {
    let kind = Kind::parse(kind).ok_or_else(|| ReportError::UnknownKind(kind.to_string()))?;
    let as_of = match p.date("to")? {
        Some(to) if kind.is_period() => to,
        _ => p.as_of(app.today())?,
    };
    let from = match p.date("from")? {
        Some(f) if kind.is_period() => f,
        // A period report without a start covers the year so far.
        _ if kind.is_period() => NaiveDate::from_ymd_opt(as_of.year(), 1, 1).unwrap_or(as_of),
        _ => as_of,
    };
    if from > as_of {
        return Err(ReportError::Period { from, to: as_of }.into());
    }
    let unit = p.u32("unit")?;
    let mode = match p.typed("scope")? {
        Some("unit") => Mode::Unit,
        Some("subtree") => Mode::Subtree,
        Some("all") => Mode::All,
        None if unit.is_some() => Mode::Subtree,
        None if user.scope.is_some() => Mode::Subtree,
        None => Mode::All,
        Some(s) => return Err(ReportError::BadScope(s.to_string()).into()),
    };
    let full = p.flag("full")?;
    if full && kind.has_personal_data() {
        user.require(
            user.can_reveal(),
            "查看完整身份证号（仅编办经办、编办领导）",
        )?;
    }
    let mut params = rpt::Params::at(as_of).from(from);
    let unit = match mode {
        Mode::All => {
            if user.scope.is_some() {
                return Err(ReportError::OutOfScope.into());
            }
            None
        }
        Mode::Unit | Mode::Subtree => {
            let id = match unit {
                Some(u) => u,
                None => user.unit.map(|u| u.0).ok_or(ReportError::NoUnit)?,
            };
            let scope = app.scope(user, as_of);
            let uid = app.read(as_of, |ctx| check_unit(ctx, scope.as_deref(), id))?;
            params = params.unit(uid);
            if mode == Mode::Unit {
                params = params.only();
            }
            // Every unit the report covers (at both dates) must be the user's.
            if let Some(scope) = scope {
                let covered = app.read(as_of, |ctx| {
                    let st = ctx.ledger.view_at(as_of);
                    let mut v = rpt::scope(&st, &params, as_of);
                    v.extend(rpt::scope(&st, &params, from));
                    v
                });
                if covered.iter().any(|u| !in_scope(Some(&scope), *u)) {
                    return Err(ReportError::OutOfScope.into());
                }
            }
            Some(uid)
        }
    };
    Ok(Request {
        kind,
        mode,
        unit,
        as_of,
        from,
        full: full && kind.has_personal_data(),
        params,
    })
}

/// Builds the report, with 身份证号 masked unless `r.full`.
pub fn build(app: &App, r: &Request) -> Table {
    let mut t = app.read(r.as_of, |ctx| rpt::build(ctx.ledger, r.kind, &r.params));
    if !r.full {
        mask_table(&mut t);
    }
    t
}

/// Masks every 身份证号 column of a table.
pub fn mask_table(t: &mut Table) {
    let cols: Vec<usize> = t
        .headers
        .iter()
        .enumerate()
        .filter(|(_, h)| h.contains("身份证号"))
        .map(|(i, _)| i)
        .collect();
    for r in t.rows.iter_mut() {
        for &c in &cols {
            if let Some(Cell::Text(s)) = r.get_mut(c) {
                *s = mask_id(s);
            }
        }
    }
}

/// What the report covers, in words: `盐都区教育局（含下属单位）`.
pub fn scope_label(app: &App, r: &Request) -> String {
    let db = app.db();
    let st = db.state();
    match (r.mode, r.unit) {
        (Mode::Unit, Some(u)) => format!("{}（本单位）", st.unit_name(u)),
        (Mode::Subtree, Some(u)) => format!("{}（含下属单位）", st.unit_name(u)),
        _ => format!("{}（全区）", st.jurisdiction.name),
    }
}

/// `统计时点 2024-12-31` or `期间 2024-01-01 至 2024-12-31`.
pub fn dates_label(r: &Request) -> String {
    if r.kind.is_period() {
        format!("期间 {} 至 {}", r.from, r.as_of)
    } else {
        format!("统计时点 {}", r.as_of)
    }
}

fn audit_target(app: &App, r: &Request) -> String {
    format!(
        "{} · {} · {}",
        r.kind.label(),
        scope_label(app, r),
        dates_label(r)
    )
}

/// Audits a read of a report that lists people, a download or a print; the
/// answer is refused if the audit trail cannot be written.
fn audit_read(
    app: &App,
    user: &User,
    ip: &str,
    action: &str,
    r: &Request,
    rows: usize,
) -> Result<(), WebError> {
    let action = if r.full { "查看身份证号" } else { action };
    let ids = if !r.kind.has_personal_data() {
        ""
    } else if r.full {
        "，身份证号明文"
    } else {
        "，身份证号脱敏"
    };
    app.try_audit(
        &user.login,
        ip,
        action,
        &audit_target(app, r),
        &format!("{rows} 行{ids}"),
    )
}

// ---------------------------------------------------------------- the table on a page

/// One cell as shown.
pub struct CellView {
    pub text: String,
    pub class: &'static str,
}

/// A table ready for a template: numeric columns right-aligned, 身份证号 in
/// monospace, negative figures marked.
pub struct TableView {
    pub headers: Vec<(String, &'static str)>,
    pub rows: Vec<Vec<CellView>>,
    pub totals: Option<Vec<CellView>>,
    pub total_rows: usize,
}

fn table_view(t: &Table, rows: &[Vec<Cell>]) -> TableView {
    let numeric: Vec<bool> = (0..t.headers.len())
        .map(|c| {
            t.rows
                .iter()
                .any(|r| matches!(r.get(c), Some(Cell::Int(_))))
                && !t
                    .rows
                    .iter()
                    .any(|r| matches!(r.get(c), Some(Cell::Text(_))))
        })
        .collect();
    let ids: Vec<bool> = t.headers.iter().map(|h| h.contains("身份证号")).collect();
    let cell = |c: usize, x: &Cell| CellView {
        text: x.as_text(),
        class: match x {
            Cell::Int(n) if *n < 0 => "r bad",
            Cell::Int(_) => "r",
            _ if ids.get(c) == Some(&true) => "mono",
            _ => "",
        },
    };
    TableView {
        headers: t
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), if numeric[i] { "r" } else { "" }))
            .collect(),
        rows: rows
            .iter()
            .map(|r| r.iter().enumerate().map(|(i, x)| cell(i, x)).collect())
            .collect(),
        totals: t
            .totals
            .as_ref()
            .map(|r| r.iter().enumerate().map(|(i, x)| cell(i, x)).collect()),
        total_rows: t.rows.len(),
    }
}

/// A unit to choose, indented by depth.
pub struct UnitChoice {
    pub id: u32,
    pub label: String,
}

fn unit_choices(app: &App, user: &User) -> Vec<UnitChoice> {
    let date = app.today();
    let scope = app.scope(user, date);
    let f = views::UnitFilter {
        sort: "tree".into(),
        ..Default::default()
    };
    app.read(date, |ctx| views::units(ctx, scope.as_deref(), &f))
        .into_iter()
        .map(|u| UnitChoice {
            id: u.id,
            label: format!("{}{}", "　".repeat(u.depth), u.name),
        })
        .collect()
}

/// The kinds for the list and the selector: code, name, description.
fn kinds() -> Vec<(&'static str, &'static str, &'static str)> {
    Kind::ALL
        .iter()
        .map(|(c, k)| (*c, k.label(), k.description()))
        .collect()
}

#[derive(Template)]
#[template(path = "reports.html")]
struct IndexPage {
    l: Layout,
    kinds: Vec<(&'static str, &'static str, &'static str)>,
    units: Vec<UnitChoice>,
    /// The form's current values.
    kind: String,
    mode: &'static str,
    unit: Option<u32>,
    as_of: String,
    from: String,
    scoped: bool,
    can_reconcile: bool,
}

#[derive(Template)]
#[template(path = "report.html")]
struct ReportPage {
    l: Layout,
    kinds: Vec<(&'static str, &'static str, &'static str)>,
    units: Vec<UnitChoice>,
    kind: String,
    mode: &'static str,
    unit: Option<u32>,
    as_of: String,
    from: String,
    scoped: bool,
    can_reconcile: bool,
    title: String,
    scope_label: String,
    dates: String,
    t: TableView,
    page: PageInfo,
    query: String,
    query_full: String,
    personal: bool,
    full: bool,
    can_reveal: bool,
}

async fn index(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Peer(ip): Peer,
    QP(p): QP,
) -> PageResult {
    // The selector form submits here with the kind as a parameter.
    if let Some(k) = p.get("kind").map(str::to_string) {
        return report_page(&app, &user, &ip, &uri, &k, p).await;
    }
    let date = p.as_of(app.today())?;
    render(&IndexPage {
        l: Layout::new(
            &app,
            &user,
            "reports",
            "报表",
            Url::new(uri.path(), &p),
            None,
        ),
        kinds: kinds(),
        units: unit_choices(&app, &user),
        kind: "quotas".into(),
        mode: if user.scope.is_some() {
            "subtree"
        } else {
            "all"
        },
        unit: user.unit.map(|u| u.0),
        as_of: date.to_string(),
        from: NaiveDate::from_ymd_opt(date.year(), 1, 1)
            .unwrap_or(date)
            .to_string(),
        scoped: user.scope.is_some(),
        can_reconcile: user.can_review(),
    })
}

async fn show(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Peer(ip): Peer,
    Path(kind): Path<String>,
    QP(p): QP,
) -> PageResult {
    report_page(&app, &user, &ip, &uri, &kind, p).await
}

async fn report_page(
    app: &Arc<App>,
    user: &User,
    ip: &str,
    uri: &axum::http::Uri,
    kind: &str,
    p: Params,
) -> PageResult {
    let pager = p.pager(PER_PAGE)?;
    let (r, t) = blocking(app, user, {
        let kind = kind.to_string();
        let p = p.clone();
        move |app, user| {
            let r = request(app, user, &kind, &p)?;
            let t = build(app, &r);
            Ok((r, t))
        }
    })
    .await?;
    if r.kind.has_personal_data() {
        audit_read(app, user, ip, "查看报表", &r, t.rows.len())?;
    }
    let (rows, page) = pager.slice(t.rows.clone());
    let tv = table_view(&t, &rows);
    let mut url = Url::new(uri.path(), &p);
    url.path = format!("/reports/{}", r.kind.code());
    url.params.retain(|(k, _)| k != "kind");
    render(&ReportPage {
        l: Layout::new(app, user, "reports", t.title.clone(), url, None),
        kinds: kinds(),
        units: unit_choices(app, user),
        kind: r.kind.code().into(),
        mode: r.mode.code(),
        unit: r.unit.or(user.unit).map(|u| u.0),
        as_of: r.as_of.to_string(),
        // The form's 期间起点 for a report at one date: the start of its year.
        from: if r.kind.is_period() {
            r.from
        } else {
            NaiveDate::from_ymd_opt(r.as_of.year(), 1, 1).unwrap_or(r.as_of)
        }
        .to_string(),
        scoped: user.scope.is_some(),
        can_reconcile: user.can_review(),
        title: t.title.clone(),
        scope_label: scope_label(app, &r),
        dates: dates_label(&r),
        t: tv,
        page,
        query: r.query(r.full),
        query_full: r.query(true),
        personal: r.kind.has_personal_data(),
        full: r.full,
        can_reveal: user.can_reveal(),
    })
    .map(|resp| reveal_if_full(&r, resp))
}

/// A report asked with full 身份证号 (checked and audited in [`request`] and
/// `audit_read`) is the one kind of answer allowed to carry them.
fn reveal_if_full(r: &Request, resp: Response) -> Response {
    if r.full {
        crate::hardening::full_id_numbers(resp)
    } else {
        resp
    }
}

/// Runs report work off the async threads (it holds the ledger lock).
async fn blocking<T: Send + 'static>(
    app: &Arc<App>,
    user: &User,
    f: impl FnOnce(&App, &User) -> Result<T, WebError> + Send + 'static,
) -> Result<T, WebError> {
    let app = app.clone();
    let user = user.clone();
    tokio::task::spawn_blocking(move || f(&app, &user))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))?
}

// ---------------------------------------------------------------- JSON API

/// A report as JSON (the same table as the page, the xlsx and the print view).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportJson {
    /// 报表代码, e.g. `quotas`.
    pub kind: String,
    /// 报表名称, e.g. 编制情况表.
    pub title: String,
    /// 统计范围 in words, e.g. 区教育局（含下属单位）.
    pub scope: String,
    /// 统计时点 (期间终点).
    pub as_of: NaiveDate,
    /// 期间起点 (减少人员花名册, 人员变动情况表; otherwise equal to `as_of`).
    pub from: NaiveDate,
    pub headers: Vec<String>,
    /// Rows of cells: a number, a text, or null for an empty cell.
    /// 身份证号 are masked unless `full=true` was asked by a role that may.
    pub rows: Vec<Vec<serde_json::Value>>,
    /// 合计 row, for reports that have one.
    pub totals: Option<Vec<serde_json::Value>>,
}

fn json_cell(c: &Cell) -> serde_json::Value {
    match c {
        Cell::Text(s) => s.clone().into(),
        Cell::Int(n) => (*n).into(),
        Cell::Empty => serde_json::Value::Null,
    }
}

/// A report as of a date for a unit, a subtree or the whole jurisdiction.
#[utoipa::path(get, path = "/api/v1/reports/{kind}", tag = "报表",
    params(
        ("kind" = String, Path, description = "报表：ledger（机构编制台账）、quotas（编制情况表）、posts（领导职数情况表）、roster（实名制花名册）、leavers（减少人员花名册）、changes（人员变动情况表）、plans（用编计划执行表）、instruments（编制调控工具）、warnings（超编超职数预警）、annual（统计年报）"),
        ("scope" = Option<String>, Query, description = "统计范围：unit（本单位）、subtree（本单位及下属单位）、all（全区）；限定单位的账户默认且只能为本单位及下属单位"),
        ("unit" = Option<u32>, Query, description = "机构编号"),
        ("as_of" = Option<NaiveDate>, Query, description = "统计时点（期间终点），YYYY-MM-DD，默认今天"),
        ("from" = Option<NaiveDate>, Query, description = "期间起点（减少人员花名册、人员变动情况表），默认当年 1 月 1 日"),
        ("to" = Option<NaiveDate>, Query, description = "期间终点（同 as_of，仅期间报表）"),
        ("full" = Option<bool>, Query, description = "显示完整身份证号（仅编办经办、编办领导，记入审计）")),
    responses((status = 200, body = ReportJson), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn api_report(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Peer(ip): Peer,
    crate::api::P(kind): crate::api::P<String>,
    Q(p): Q,
) -> ApiResult<Response> {
    let (r, t) = blocking(&app, &user, move |app, user| {
        let r = request(app, user, &kind, &p)?;
        let t = build(app, &r);
        Ok((r, t))
    })
    .await?;
    if r.kind.has_personal_data() {
        audit_read(&app, &user, &ip, "查看报表", &r, t.rows.len())?;
    }
    let body = Json(ReportJson {
        kind: r.kind.code().into(),
        title: t.title.clone(),
        scope: scope_label(&app, &r),
        as_of: r.as_of,
        from: r.from,
        headers: t.headers.clone(),
        rows: t
            .rows
            .iter()
            .map(|row| row.iter().map(json_cell).collect())
            .collect(),
        totals: t
            .totals
            .as_ref()
            .map(|row| row.iter().map(json_cell).collect()),
    });
    Ok(reveal_if_full(&r, body.into_response()))
}

// ---------------------------------------------------------------- xlsx

/// `attachment` with an ASCII fallback and the Chinese name (RFC 6266/5987).
pub fn attachment(ascii: &str, name: &str) -> String {
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        enc(name)
    )
}

fn xlsx_response(t: &Table, ascii: &str, name: &str) -> Result<Response, WebError> {
    let bytes = xlsx::workbook(&[t])
        .map_err(|e| WebError::Internal(e.to_string()))?
        .save_to_buffer()
        .map_err(|e| WebError::Internal(e.to_string()))?;
    Ok((
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (header::CONTENT_DISPOSITION, attachment(ascii, name)),
        ],
        bytes,
    )
        .into_response())
}

/// A file name safe on Windows: no `\/:*?"<>|`.
fn file_name(s: &str) -> String {
    s.chars()
        .map(|c| if "\\/:*?\"<>|".contains(c) { '_' } else { c })
        .collect()
}

async fn download(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Peer(ip): Peer,
    Path(kind): Path<String>,
    QP(p): QP,
) -> PageResult {
    let (r, t) = blocking(&app, &user, move |app, user| {
        let r = request(app, user, &kind, &p)?;
        let t = build(app, &r);
        Ok((r, t))
    })
    .await?;
    audit_read(&app, &user, &ip, "导出报表", &r, t.rows.len())?;
    let who = match (r.mode, r.unit) {
        (Mode::All, _) | (_, None) => app.db().state().jurisdiction.name.clone(),
        (_, Some(u)) => app.db().state().unit_name(u),
    };
    let date = if r.kind.is_period() {
        format!("{}至{}", r.from, r.as_of)
    } else {
        r.as_of.to_string()
    };
    let name = file_name(&format!("{}_{who}_{date}.xlsx", r.kind.label()));
    let ascii = format!("{}-{}.xlsx", r.kind.code(), r.as_of);
    Ok(xlsx_response(&t, &ascii, &name)?)
}

// ---------------------------------------------------------------- print

#[derive(Template)]
#[template(path = "report_print.html")]
struct PrintPage {
    title: String,
    scope_label: String,
    dates: String,
    maker: String,
    made_by: String,
    today: String,
    t: TableView,
    back: String,
    personal: bool,
    full: bool,
}

async fn print(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Peer(ip): Peer,
    Path(kind): Path<String>,
    QP(p): QP,
) -> PageResult {
    let (r, t) = blocking(&app, &user, move |app, user| {
        let r = request(app, user, &kind, &p)?;
        let t = build(app, &r);
        Ok((r, t))
    })
    .await?;
    if r.kind.has_personal_data() {
        audit_read(&app, &user, &ip, "打印报表", &r, t.rows.len())?;
    }
    // 制表单位: the user's unit, or the 编办 of the jurisdiction.
    let maker = {
        let db = app.db();
        let st = db.state();
        match user.unit {
            Some(u) => st.unit_name(u),
            None => format!("{}机构编制委员会办公室", st.jurisdiction.name),
        }
    };
    render(&PrintPage {
        title: t.title.clone(),
        scope_label: scope_label(&app, &r),
        dates: dates_label(&r),
        maker,
        made_by: user.name.clone(),
        today: app.today().to_string(),
        t: table_view(&t, &t.rows),
        back: format!("/reports/{}?{}", r.kind.code(), r.query(r.full)),
        personal: r.kind.has_personal_data(),
        full: r.full,
    })
    .map(|resp| reveal_if_full(&r, resp))
}

// ---------------------------------------------------------------- 比对

#[derive(Template)]
#[template(path = "reconcile.html")]
struct ReconcilePage {
    l: Layout,
    error: Option<String>,
    as_of: String,
    result: Option<ResultView>,
}

struct ResultView {
    id: String,
    file: String,
    as_of: String,
    other_rows: usize,
    ledger_rows: usize,
    summary: Vec<(&'static str, usize)>,
    t: TableView,
    page: PageInfo,
}

fn reconcile_page(
    app: &App,
    user: &User,
    path: &str,
    p: &Params,
    error: Option<String>,
    result: Option<ResultView>,
) -> ReconcilePage {
    ReconcilePage {
        l: Layout::new(app, user, "reports", "名单比对", Url::new(path, p), None),
        error,
        as_of: app.today().to_string(),
        result,
    }
}

fn may_reconcile(user: &User) -> Result<(), WebError> {
    user.require(
        user.can_review() && !user.token,
        "进行名单比对（仅编办经办、编办领导）",
    )
}

async fn reconcile_form(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    QP(p): QP,
) -> PageResult {
    may_reconcile(&user)?;
    render(&reconcile_page(&app, &user, uri.path(), &p, None, None))
}

/// The differences as a table, 身份证号 masked or not.
fn diff_table(diffs: &[reconcile::Diff], masked: bool) -> Table {
    let mut t = reconcile::table(diffs);
    if masked {
        mask_table(&mut t);
    }
    t
}

fn result_view(s: &reconciled::Stored, pager: Pager) -> ResultView {
    let t = diff_table(&s.diffs, true);
    let (rows, page) = pager.slice(t.rows.clone());
    ResultView {
        id: s.id.clone(),
        file: s.file.clone(),
        as_of: s.as_of.to_string(),
        other_rows: s.other_rows,
        ledger_rows: s.ledger_rows,
        summary: reconcile::summary(&s.diffs)
            .into_iter()
            .map(|(k, n)| (k.label(), n))
            .collect(),
        t: table_view(&t, &rows),
        page,
    }
}

/// What was uploaded.
struct Upload {
    csrf: String,
    as_of: Option<String>,
    file: Option<(String, Vec<u8>)>,
}

async fn read_upload(mut mp: Multipart) -> Result<Upload, ReportError> {
    let mut u = Upload {
        csrf: String::new(),
        as_of: None,
        file: None,
    };
    let too_large = |e: axum::extract::multipart::MultipartError| {
        if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
            ReportError::TooLarge
        } else {
            ReportError::BadUpload
        }
    };
    while let Some(f) = mp.next_field().await.map_err(too_large)? {
        match f.name().unwrap_or("") {
            "_csrf" => u.csrf = f.text().await.map_err(too_large)?,
            "as_of" => u.as_of = Some(f.text().await.map_err(too_large)?),
            "file" => {
                let name = f.file_name().unwrap_or("").to_string();
                let bytes = f.bytes().await.map_err(too_large)?;
                if bytes.len() > UPLOAD_LIMIT {
                    return Err(ReportError::TooLarge);
                }
                if !name.is_empty() || !bytes.is_empty() {
                    u.file = Some((name, bytes.to_vec()));
                }
            }
            _ => {}
        }
    }
    Ok(u)
}

async fn reconcile_upload(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Peer(ip): Peer,
    mp: Multipart,
) -> PageResult {
    may_reconcile(&user)?;
    let path = uri.path().to_string();
    let fail = |e: WebError| -> PageResult {
        let status = e.status();
        let page = reconcile_page(
            &app,
            &user,
            &path,
            &Params::default(),
            Some(e.to_string()),
            None,
        );
        let html = page
            .render()
            .map_err(|e| WebError::Internal(format!("页面渲染失败：{e}")))?;
        Ok((status, axum::response::Html(html)).into_response())
    };
    let up = match read_upload(mp).await {
        Ok(u) => u,
        Err(ReportError::TooLarge) => {
            app.audit(&user.login, &ip, "名单比对", "-", "文件过大，未比对");
            let e: WebError = ReportError::TooLarge.into();
            let mut r = fail(e)?;
            *r.status_mut() = StatusCode::PAYLOAD_TOO_LARGE;
            return Ok(r);
        }
        Err(e) => return fail(e.into()),
    };
    if up.csrf != user.csrf {
        return Err(WebError::Csrf.into());
    }
    let as_of = match up.as_of.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        Some(s) => match views::parse_date(s) {
            Ok(d) => d,
            Err(e) => return fail(e),
        },
        None => app.today(),
    };
    let Some((name, bytes)) = up.file else {
        return fail(ReportError::NoFile.into());
    };
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e)
        .unwrap_or("")
        .to_string();
    if !matches!(
        ext.to_ascii_lowercase().as_str(),
        "xlsx" | "xlsm" | "xls" | "csv"
    ) {
        return fail(ReportError::Extension(name).into());
    }
    let file = name.clone();
    // At most PARSES_AT_ONCE rosters are parsed at a time, on the blocking
    // pool and within the upload limits; the others wait a while, then are
    // told to come back.
    let Ok(Ok(permit)) = tokio::time::timeout(PARSE_WAIT, PARSES.acquire()).await else {
        app.audit(&user.login, &ip, "名单比对", &file, "服务器繁忙，未比对");
        let mut r = fail(ReportError::Busy.into())?;
        *r.status_mut() = StatusCode::SERVICE_UNAVAILABLE;
        return Ok(r);
    };
    let r = blocking(&app, &user, move |app, user| {
        let _permit = permit;
        let read = std::panic::catch_unwind(|| {
            reconcile::read_roster_bytes(&bytes, &ext, &xlsx::Limits::upload())
        });
        drop(bytes);
        let other = read
            .map_err(|_| ReportError::Unparsable)?
            .map_err(ReportError::from)?;
        let scope = app.scope(user, as_of);
        let ledger = app.read(as_of, |ctx| ledger_entries(ctx, scope.as_deref(), as_of));
        let diffs = reconcile::reconcile(&ledger, &other);
        Ok((other.len(), ledger.len(), diffs))
    })
    .await;
    let (other_rows, ledger_rows, diffs) = match r {
        Ok(x) => x,
        Err(e @ WebError::Internal(_)) => return Err(e.into()),
        Err(e) => {
            app.audit(&user.login, &ip, "名单比对", &file, &format!("未比对：{e}"));
            return fail(e);
        }
    };
    let summary: Vec<String> = reconcile::summary(&diffs)
        .into_iter()
        .map(|(k, n)| format!("{}{n}", k.label()))
        .collect();
    app.try_audit(
        &user.login,
        &ip,
        "名单比对",
        &file,
        &format!(
            "统计时点 {as_of}；名单 {other_rows} 行，台账 {ledger_rows} 人；差异 {} 条（{}）",
            diffs.len(),
            summary.join("，")
        ),
    )?;
    let id = blocking(&app, &user, move |app, user| {
        app.keep_reconciliation(
            user,
            reconciled::NewResult {
                file,
                as_of,
                diffs,
                other_rows,
                ledger_rows,
            },
        )
    })
    .await?;
    Ok(axum::response::Redirect::to(&format!("/reconcile/{id}")).into_response())
}

/// The ledger's roster within the user's scope as of `date`.
fn ledger_entries(
    ctx: &crate::app::ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    date: NaiveDate,
) -> Vec<reconcile::Entry> {
    let all = reconcile::ledger_entries(ctx.ledger, date);
    let Some(scope) = scope else {
        return all;
    };
    let st = ctx.ledger.view_at(date);
    let names: std::collections::HashSet<String> = query::units_at(&st, date)
        .into_iter()
        .filter(|u| in_scope(Some(scope), u.id))
        .map(|u| u.name.clone())
        .collect();
    all.into_iter()
        .filter(|e| names.contains(&e.unit))
        .collect()
}

async fn reconcile_result(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    QP(p): QP,
) -> PageResult {
    may_reconcile(&user)?;
    let pager = p.pager(100)?;
    let v = blocking(&app, &user, move |app, user| {
        Ok(result_view(&app.reconciliation(user, &id)?, pager))
    })
    .await?;
    render(&reconcile_page(&app, &user, uri.path(), &p, None, Some(v)))
}

async fn reconcile_download(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Peer(ip): Peer,
    Path(id): Path<String>,
) -> PageResult {
    may_reconcile(&user)?;
    let s = blocking(&app, &user, move |app, user| app.reconciliation(user, &id)).await?;
    // The office follows the differences up by 身份证号: the file has them in
    // full (the uploaded roster had them too); the download is audited.
    let t = diff_table(&s.diffs, false);
    app.try_audit(
        &user.login,
        &ip,
        "导出比对结果",
        &s.file,
        &format!("差异 {} 条，身份证号明文", s.diffs.len()),
    )?;
    let stem = s.file.rsplit_once('.').map_or(s.file.as_str(), |(a, _)| a);
    let name = file_name(&format!("比对结果_{stem}_{}.xlsx", s.as_of));
    Ok(xlsx_response(
        &t,
        &format!("reconcile-{}.xlsx", s.as_of),
        &name,
    )?)
}

/// 登记到问题台账: the result's differences become problems of source
/// 比对不一致 (one per unit and kind; those already open are not repeated).
async fn reconcile_problems(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<String>,
    crate::text::Form(form): crate::text::Form,
) -> PageResult {
    crate::pages::check_csrf(&user, &form)?;
    may_reconcile(&user)?;
    let (a2, u2) = (app.clone(), user.clone());
    let n = tokio::task::spawn_blocking(move || {
        let s = a2.reconciliation(&u2, &id)?;
        let findings = {
            let db = a2.db();
            crate::cases::roster_findings(db.state(), &s.file, s.as_of, &s.diffs)
        };
        a2.problems_from_reconciliation(&u2, findings)
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))??;
    Ok(
        axum::response::Redirect::to(&format!("/problems?added={n}&from=reconcile"))
            .into_response(),
    )
}
