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
    ClientIp(ip): ClientIp,
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
        Some(s) => match crate::http::params::parse_date(s) {
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
    let id = on_ledger(&app, &user, move |app, user| {
        app.keep_reconciliation(
            user,
            crate::reports::reconciled::NewResult {
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
    ctx: &crate::state::ReadCtx<'_>,
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
        .route("/reconcile/{id}", get(reconcile_result))
        .route("/reconcile/{id}/xlsx", get(reconcile_download))
        .route("/reconcile/{id}/problems", post(reconcile_problems))
}
