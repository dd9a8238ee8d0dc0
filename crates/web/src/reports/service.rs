use axum::http::{header, StatusCode};
use axum::response::{IntoResponse, Response};
use bianzhi_core::UnitId;
use bianzhi_reports::report::{self as rpt, Kind};
use bianzhi_reports::{xlsx, Cell, Table};
use chrono::{Datelike, NaiveDate};
use std::sync::Arc;
use std::time::Duration;

use crate::ledger::*;
use crate::prelude::*;
use bianzhi_core::ident::mask_id_value;

/// Largest roster file accepted for 比对.
pub const UPLOAD_LIMIT: usize = 20 * 1024 * 1024;

/// Rosters parsed at once (each may take a few hundred MB within
/// `xlsx::Limits::upload`); a further upload waits up to [`PARSE_WAIT`].
pub const PARSES_AT_ONCE: usize = 2;

pub(crate) static PARSES: tokio::sync::Semaphore =
    tokio::sync::Semaphore::const_new(PARSES_AT_ONCE);

pub(crate) const PARSE_WAIT: Duration = Duration::from_secs(30);

/// Rows of a report shown per page on screen (print and xlsx have them all).
pub(crate) const PER_PAGE: usize = 200;

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
                *s = mask_id_value(s);
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
pub(crate) fn audit_read(
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

/// A unit to choose, indented by depth.
pub struct UnitChoice {
    pub id: u32,
    pub label: String,
}

pub(crate) fn unit_choices(app: &App, user: &User) -> Vec<UnitChoice> {
    let date = app.today();
    let scope = app.scope(user, date);
    let f = crate::units::views::UnitFilter {
        sort: "tree".into(),
        ..Default::default()
    };
    app.read(date, |ctx| {
        crate::units::views::units(ctx, scope.as_deref(), &f)
    })
    .into_iter()
    .map(|u| UnitChoice {
        id: u.id,
        label: format!("{}{}", "　".repeat(u.depth), u.name),
    })
    .collect()
}

/// The kinds for the list and the selector: code, name, description.
pub(crate) fn kinds() -> Vec<(&'static str, &'static str, &'static str)> {
    Kind::ALL
        .iter()
        .map(|(c, k)| (*c, k.label(), k.description()))
        .collect()
}

/// A report asked with full 身份证号 (checked and audited in [`request`] and
/// `audit_read`) is the one kind of answer allowed to carry them.
pub(crate) fn reveal_if_full(r: &Request, resp: Response) -> Response {
    if r.full {
        crate::http::hardening::full_id_numbers(resp)
    } else {
        resp
    }
}

// ---------------------------------------------------------------- xlsx

/// `attachment` with an ASCII fallback and the Chinese name (RFC 6266/5987).
pub fn attachment(ascii: &str, name: &str) -> String {
    format!(
        "attachment; filename=\"{ascii}\"; filename*=UTF-8''{}",
        enc(name)
    )
}

pub(crate) fn xlsx_response(t: &Table, ascii: &str, name: &str) -> Result<Response, WebError> {
    let bytes = xlsx::workbook(&[t])
        .map_err(WebError::internal)?
        .save_to_buffer()
        .map_err(WebError::internal)?;
    Ok(xlsx_bytes_response(bytes, ascii, name))
}

/// A workbook already written, as a download.
pub(crate) fn xlsx_bytes_response(bytes: Vec<u8>, ascii: &str, name: &str) -> Response {
    (
        StatusCode::OK,
        [
            (header::CONTENT_TYPE, XLSX.to_string()),
            (header::CONTENT_DISPOSITION, attachment(ascii, name)),
        ],
        bytes,
    )
        .into_response()
}

/// A file name safe on Windows: no `\/:*?"<>|`.
pub(crate) fn file_name(s: &str) -> String {
    s.chars()
        .map(|c| if "\\/:*?\"<>|".contains(c) { '_' } else { c })
        .collect()
}

pub const REPORT_SCOPES: &[&str] = &["unit", "subtree", "all"];

/// Runs report work (it holds the ledger lock) off the async threads, with
/// the application and the user ([`blocking`]).
pub(crate) async fn on_ledger<T: Send + 'static>(
    app: &Arc<App>,
    user: &User,
    f: impl FnOnce(&App, &User) -> Result<T, WebError> + Send + 'static,
) -> Result<T, WebError> {
    let (app, user) = (app.clone(), user.clone());
    blocking(move || f(&app, &user)).await
}
