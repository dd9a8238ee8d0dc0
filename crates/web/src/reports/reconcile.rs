use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, OriginalUri, Path, State};
use axum::http::StatusCode;
use axum::response::IntoResponse;
use axum::routing::{get, post};
use axum::Router;
use bianzhi_core::{query, UnitId};
use bianzhi_reports::{reconcile, xlsx, Table};
use chrono::NaiveDate;

use crate::ledger::*;
use crate::prelude::*;
use crate::reports::pages::{table_view, TableView};
use crate::reports::service::*;

// ---------------------------------------------------------------- 比对

#[derive(Template)]
#[template(path = "reports/reconcile.html")]
struct ReconcilePage {
    l: Layout,
    error: Option<String>,
    as_of: String,
    result: Option<ResultView>,
    /// Units the comparison may be limited to (the user's scope).
    units: Vec<(u32, String)>,
    /// The form's choice: a unit, and whether only it (`unit`) or with the
    /// units below it (`subtree`).
    unit: Option<u32>,
    mode: &'static str,
    /// The user sees some units only.
    scoped: bool,
}

struct ResultView {
    id: String,
    file: String,
    as_of: String,
    other_rows: usize,
    ledger_rows: usize,
    /// 比对范围 in words.
    scope: String,
    summary: Vec<(&'static str, usize)>,
    t: TableView,
    page: PageInfo,
}

impl ReconcilePage {
    fn picked(&self, id: &u32) -> bool {
        self.unit == Some(*id)
    }
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
        units: crate::ledger::units_in_scope(app, user),
        unit: None,
        mode: "subtree",
        scoped: user.scope.is_some(),
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
    PageQuery(p): PageQuery,
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

fn result_view(s: &crate::reports::reconciled::Stored, pager: Pager) -> ResultView {
    let t = diff_table(&s.diffs, true);
    let (rows, page) = pager.slice(t.rows.clone());
    ResultView {
        id: s.id.clone(),
        file: s.file.clone(),
        as_of: s.as_of.to_string(),
        other_rows: s.other_rows,
        ledger_rows: s.ledger_rows,
        scope: s.scope.clone(),
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
    /// 比对范围: a unit (none: every unit the user sees), and `unit` for it
    /// alone or `subtree` for it and the units below it.
    unit: Option<String>,
    mode: Option<String>,
    file: Option<(String, Vec<u8>)>,
}

async fn read_upload(mut mp: Multipart) -> Result<Upload, ReportError> {
    let mut u = Upload {
        csrf: String::new(),
        as_of: None,
        unit: None,
        mode: None,
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
            "unit" => u.unit = Some(f.text().await.map_err(too_large)?),
            "mode" => u.mode = Some(f.text().await.map_err(too_large)?),
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
    ClientIp(ip): ClientIp,
    mp: Multipart,
) -> PageResult {
    may_reconcile(&user)?;
    let path = uri.path().to_string();
    // The form's choice of units, shown again with an error.
    let choice = std::sync::Mutex::new((None, "subtree"));
    let fail = |e: WebError| -> PageResult {
        let status = e.status();
        let mut page = reconcile_page(
            &app,
            &user,
            &path,
            &Params::default(),
            Some(e.to_string()),
            None,
        );
        (page.unit, page.mode) = *choice.lock().unwrap_or_else(|e| e.into_inner());
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
        Some(s) => match crate::http::params::parse_date(s) {
            Ok(d) => d,
            Err(e) => return fail(e),
        },
        None => app.today(),
    };
    *choice.lock().unwrap_or_else(|e| e.into_inner()) = (
        up.unit.as_deref().and_then(|u| u.trim().parse().ok()),
        match up.mode.as_deref().map(str::trim) {
            Some("unit") => "unit",
            _ => "subtree",
        },
    );
    let within = match compared_units(&up) {
        Ok(c) => c,
        Err(e) => return fail(e),
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
    let r = on_ledger(&app, &user, move |app, user| {
        let _permit = permit;
        let read = std::panic::catch_unwind(|| {
            reconcile::read_roster_bytes(&bytes, &ext, &xlsx::Limits::upload())
        });
        drop(bytes);
        let other = read
            .map_err(|_| ReportError::Unparsable)?
            .map_err(ReportError::from)?;
        let scope = app.scope(user, as_of);
        let (ledger, outside, label) = app.read(as_of, |ctx| {
            ledger_entries(ctx, scope.as_deref(), within, as_of, user.unit)
        })?;
        let diffs = reconcile::reconcile_within(&ledger, &outside, &other);
        Ok((other.len(), ledger.len(), diffs, label))
    })
    .await;
    let (other_rows, ledger_rows, diffs, scope) = match r {
        // A unit outside the user's scope is answered as one that does not
        // exist, on the error page (and audited as such).
        Err(e @ WebError::OutOfScope(..)) => return Err(e.into()),
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
            "比对范围 {scope}，统计时点 {as_of}；名单 {other_rows} 行，台账 {ledger_rows} 人；差异 {} 条（{}）",
            diffs.len(),
            summary.join("，")
        ),
    )?;
    let id = on_ledger(&app, &user, move |app, user| {
        app.keep_reconciliation(
            user,
            crate::reports::reconciled::NewResult {
                file,
                as_of,
                diffs,
                other_rows,
                ledger_rows,
                scope,
            },
        )
    })
    .await?;
    Ok(axum::response::Redirect::to(&format!("/reconcile/{id}")).into_response())
}

/// The 比对范围 asked for: a unit and whether it alone (`true`) or with the
/// units below it; none for every unit the user sees.
fn compared_units(up: &Upload) -> Result<Option<(u32, bool)>, WebError> {
    let Some(u) = up.unit.as_deref().map(str::trim).filter(|s| !s.is_empty()) else {
        return Ok(None);
    };
    let id = u
        .parse()
        .map_err(|_| WebError::invalid("bad_parameter", "请从列表中选择比对的单位"))?;
    let only = match up.mode.as_deref().map(str::trim) {
        None | Some("") | Some("subtree") => false,
        Some("unit") => true,
        Some(_) => {
            return Err(WebError::invalid(
                "bad_parameter",
                "比对范围应为 本单位 或 本单位及下属单位",
            ))
        }
    };
    Ok(Some((id, only)))
}

/// The ledger's roster as of `date` for the comparison: the people of the
/// units compared (the chosen unit, alone or with the units below it, within
/// the user's scope; else every unit of the scope), the people of the other
/// units of the scope (a person on the roster found there is in another
/// unit, not missing from the ledger), and the 比对范围 in words.
fn ledger_entries(
    ctx: &crate::state::ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    within: Option<(u32, bool)>,
    date: NaiveDate,
    own: Option<UnitId>,
) -> Result<(Vec<reconcile::Entry>, Vec<reconcile::Entry>, String), WebError> {
    let st = ctx.ledger.view_at(date);
    let seen = |u: UnitId| in_scope(scope, u);
    let Some((id, only)) = within else {
        let label = match own {
            Some(u) => format!("{}（含下属单位）", st.unit_name(u)),
            None => format!("{}（全区）", st.jurisdiction.name),
        };
        return Ok((
            reconcile::ledger_entries_where(ctx.ledger, date, seen),
            Vec::new(),
            label,
        ));
    };
    let u = check_unit(ctx, scope, id)?;
    let chosen: std::collections::HashSet<UnitId> = if only {
        [u].into()
    } else {
        query::subtree(&st, u, date).into_iter().collect()
    };
    let label = format!(
        "{}（{}）",
        st.unit_name(u),
        if only { "本单位" } else { "含下属单位" }
    );
    Ok((
        reconcile::ledger_entries_where(ctx.ledger, date, |x| seen(x) && chosen.contains(&x)),
        reconcile::ledger_entries_where(ctx.ledger, date, |x| seen(x) && !chosen.contains(&x)),
        label,
    ))
}

/// The roster template (xlsx): the header row the upload is read by, the
/// ledger's 编制类型 as a drop-down.
async fn reconcile_template(State(app): State<AppState>, PageUser(user): PageUser) -> PageResult {
    may_reconcile(&user)?;
    let qtypes: Vec<String> = {
        let db = app.db();
        db.state()
            .quota_types
            .iter()
            .map(|q| q.name.clone())
            .collect()
    };
    let bytes = blocking(move || reconcile::template(&qtypes).map_err(WebError::internal)).await?;
    Ok(xlsx_bytes_response(
        bytes,
        "reconcile-template.xlsx",
        "名单比对模板.xlsx",
    ))
}

async fn reconcile_result(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<String>,
    PageQuery(p): PageQuery,
) -> PageResult {
    may_reconcile(&user)?;
    let pager = p.pager(100)?;
    let v = on_ledger(&app, &user, move |app, user| {
        Ok(result_view(&app.reconciliation(user, &id)?, pager))
    })
    .await?;
    render(&reconcile_page(&app, &user, uri.path(), &p, None, Some(v)))
}

async fn reconcile_download(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<String>,
) -> PageResult {
    may_reconcile(&user)?;
    let s = on_ledger(&app, &user, move |app, user| app.reconciliation(user, &id)).await?;
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
    crate::http::text::Form(form): crate::http::text::Form,
) -> PageResult {
    crate::http::form::check_csrf(&user, &form)?;
    may_reconcile(&user)?;
    let (a2, u2) = (app.clone(), user.clone());
    let n = blocking(move || {
        let s = a2.reconciliation(&u2, &id)?;
        let findings = {
            let db = a2.db();
            crate::cases::service::roster_findings(db.state(), &s.file, s.as_of, &s.diffs)
        };
        a2.problems_from_reconciliation(&u2, findings)
    })
    .await?;
    Ok(
        axum::response::Redirect::to(&format!("/problems?added={n}&from=reconcile"))
            .into_response(),
    )
}

/// The 名单比对 pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/reconcile",
            get(reconcile_form)
                .post(reconcile_upload)
                .layer(DefaultBodyLimit::max(UPLOAD_LIMIT + 64 * 1024)),
        )
        .route("/reconcile/template.xlsx", get(reconcile_template))
        .route("/reconcile/{id}", get(reconcile_result))
        .route("/reconcile/{id}/xlsx", get(reconcile_download))
        .route("/reconcile/{id}/problems", post(reconcile_problems))
}
