//! 权责清单: the catalogue as of a date, its import (all or nothing) and
//! export in the columns counties publish, and the template.

use askama::Template;
use axum::extract::{Multipart, OriginalUri, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use crate::grassroots::api::{catalogue_view, CatalogueView};
use crate::prelude::*;

#[derive(Template)]
#[template(path = "grassroots/catalogue.html")]
struct CataloguePage {
    l: Layout,
    v: CatalogueView,
    rows: Vec<crate::grassroots::api::CatalogueItem>,
    q: String,
    by_type: Vec<(String, usize)>,
    error: Option<String>,
    imported: Option<String>,
}

fn page(app: &App, user: &User, p: &Params, error: Option<String>) -> PageResult {
    if user.is_admin() {
        return Err(auth::no_business_data(user).into());
    }
    let date = p.as_of(app.today())?;
    let v = catalogue_view(app, date)?;
    let q = p.get("q").unwrap_or("").to_string();
    let rows: Vec<_> = v
        .items
        .iter()
        .filter(|i| {
            q.is_empty()
                || i.name.contains(&q)
                || i.code.contains(&q)
                || i.holder_name.contains(&q)
                || i.power_type == q
        })
        .cloned()
        .collect();
    let mut by_type: Vec<(String, usize)> = Vec::new();
    for i in &v.items {
        match by_type.iter_mut().find(|(t, _)| *t == i.power_type) {
            Some(x) => x.1 += 1,
            None => by_type.push((i.power_type.clone(), 1)),
        }
    }
    render(&CataloguePage {
        l: Layout::new(
            app,
            user,
            "grassroots",
            "权责清单",
            Url::new("/grassroots", p),
            Some(date),
        ),
        v,
        rows,
        q,
        by_type,
        error,
        imported: p.get("imported").map(str::to_string),
    })
}

async fn catalogue(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(_uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let (a2, u2) = (app.clone(), user.clone());
    blocking(move || Ok(page(&a2, &u2, &p, None))).await?
}

async fn template_xlsx(PageUser(_user): PageUser) -> Result<Response, PageError> {
    Ok(crate::reports::service::xlsx_response(
        &bianzhi_reports::catalogue::template(),
        "catalogue-template.xlsx",
        "权责清单导入模板.xlsx",
    )?)
}

async fn export_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
) -> Result<Response, PageError> {
    if user.is_admin() {
        return Err(auth::no_business_data(&user).into());
    }
    let date = p.as_of(app.today())?;
    let items = app.catalogue_items(date)?;
    let t = {
        let db = app.db();
        let st = db.state();
        bianzhi_reports::catalogue::export_catalogue(&items, &|u| st.unit_name(u))
    };
    app.try_audit(
        &user.login,
        &ip,
        "导出权责清单",
        "权责清单",
        &format!("统计时点 {date}，{} 项", items.len()),
    )?;
    Ok(crate::reports::service::xlsx_response(
        &t,
        &format!("catalogue-{date}.xlsx"),
        &format!("权责清单_{date}.xlsx"),
    )?)
}

async fn import(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    mp: Multipart,
) -> PageResult {
    use crate::http::upload::{guarded, page_again, spreadsheet};
    let again = |e: WebError| {
        let (app, user) = (app.clone(), user.clone());
        page_again(e, move |msg| {
            page(&app, &user, &Params::default(), Some(msg))
        })
    };
    let up = match crate::http::upload::read(mp).await {
        Ok(u) => u,
        Err(e) => return again(e).await,
    };
    if up.fields.get("_csrf") != Some(&user.csrf) {
        return Err(WebError::Csrf.into());
    }
    user.require(user.can_review(), "导入权责清单（仅编办）")?;
    let doc = up.fields.get("doc").cloned().unwrap_or_default();
    let effective = match crate::http::params::parse_date(
        up.fields.get("effective").map(String::as_str).unwrap_or(""),
    ) {
        Ok(d) => d,
        Err(_) => {
            return again(WebError::invalid(
                "bad_date",
                "请填写生效日期（YYYY-MM-DD）",
            ))
            .await
        }
    };
    let (name, bytes, ext) = match spreadsheet(up.file, "权责清单") {
        Ok(f) => f,
        Err(e) => return again(e).await,
    };
    let (a2, u2, d2) = (app.clone(), user.clone(), doc.clone());
    let r =
        blocking(move || guarded(|| a2.import_catalogue(&u2, &bytes, &ext, &d2, effective))).await;
    match r {
        Ok(n) => Ok(with_note(
            Redirect::to(&format!("/grassroots?imported={n}")).into_response(),
            format!("导入权责清单：{name}，{doc}，{effective} 起 {n} 项"),
        )),
        Err(e @ (WebError::Internal(_) | WebError::Forbidden(_))) => Err(e.into()),
        Err(e) => again(e).await,
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/grassroots", get(catalogue))
        .route("/grassroots/template.xlsx", get(template_xlsx))
        .route("/grassroots/xlsx", get(export_xlsx))
        .route(
            "/grassroots/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(
                crate::http::upload::SHEET_LIMIT + 256 * 1024,
            )),
        )
}
