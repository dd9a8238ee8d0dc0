use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::Router;

use axum::routing::get;
use chrono::{Datelike, NaiveDate};

use std::sync::Arc;

use crate::prelude::*;
use crate::reports::service::*;

pub(crate) use crate::http::table::{table_view, TableView};

#[derive(Template)]
#[template(path = "reports/reports.html")]
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
#[template(path = "reports/report.html")]
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
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
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
    ClientIp(ip): ClientIp,
    Path(kind): Path<String>,
    PageQuery(p): PageQuery,
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
    let (r, t) = on_ledger(app, user, {
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

async fn download(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    Path(kind): Path<String>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let (r, t) = on_ledger(&app, &user, move |app, user| {
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
#[template(path = "reports/report_print.html")]
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
    /// Which part of a long table this is (rows per print page).
    page: PageInfo,
    /// The first and last row numbers printed.
    first: usize,
    last: usize,
    /// The print view of another page: `print_link(k)`.
    link: String,
    /// The whole table as xlsx.
    xlsx: String,
}

impl PrintPage {
    fn page_link(&self, n: impl std::borrow::Borrow<usize>) -> String {
        let n = n.borrow();
        format!("{}&page={n}", self.link)
    }
}

/// Rows of a report per print page: the whole district's 花名册 or 台账 is
/// printed part by part (the xlsx has every row).
pub(crate) const PRINT_PER_PAGE: usize = 2000;

async fn print(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    Path(kind): Path<String>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let pager = p.pager(PRINT_PER_PAGE)?;
    let (r, t) = on_ledger(&app, &user, move |app, user| {
        let r = request(app, user, &kind, &p)?;
        let t = build(app, &r);
        Ok((r, t))
    })
    .await?;
    let (rows, page) = pager.slice(t.rows.clone());
    if r.kind.has_personal_data() {
        audit_read(&app, &user, &ip, "打印报表", &r, rows.len())?;
    }
    let mut tv = table_view(&t, &rows);
    // The totals are the whole table's: printed once, on the last page.
    if page.page < page.pages {
        tv.totals = None;
    }
    let first = (page.page - 1) * page.per_page + 1;
    let per_page = if pager.per_page == PRINT_PER_PAGE {
        String::new()
    } else {
        format!("&per_page={}", pager.per_page)
    };
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
        first,
        last: first + rows.len().max(1) - 1,
        t: tv,
        back: format!("/reports/{}?{}", r.kind.code(), r.query(r.full)),
        personal: r.kind.has_personal_data(),
        full: r.full,
        page,
        link: format!(
            "/reports/{}/print?{}{per_page}",
            r.kind.code(),
            r.query(r.full)
        ),
        xlsx: format!("/reports/{}/xlsx?{}", r.kind.code(), r.query(r.full)),
    })
    .map(|resp| reveal_if_full(&r, resp))
}

/// The 报表 pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/reports", get(index))
        .route("/reports/{kind}", get(show))
        .route("/reports/{kind}/xlsx", get(download))
        .route("/reports/{kind}/print", get(print))
}
