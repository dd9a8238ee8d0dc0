use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::routing::get;
use axum::Router;
use bianzhi_reports::statistics;

use crate::http::table::{table_view, TableView};
use crate::prelude::*;
use crate::reports::service::{file_name, on_ledger, xlsx_bytes_response};
use crate::statistics::views::*;

#[derive(Template)]
#[template(path = "statistics/statistics.html")]
struct StatisticsPage {
    l: Layout,
    title: &'static str,
    maker: String,
    as_of: String,
    version: u32,
    /// Element id, title and table of each of the four.
    tables: Vec<(String, String, TableView)>,
}

async fn page(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    check_reader(&user)?;
    let date = as_of(&app, &p)?;
    let s = on_ledger(&app, &user, move |app, _| Ok(statistics_at(app, date))).await?;
    let tables = s
        .tables()
        .iter()
        .enumerate()
        .map(|(i, t)| {
            (
                format!("statistics-t{}", i + 1),
                t.title.clone(),
                table_view(t, &t.rows),
            )
        })
        .collect();
    render(&StatisticsPage {
        l: Layout::new(
            &app,
            &user,
            "reports",
            statistics::TITLE,
            Url::new(uri.path(), &p),
            Some(date),
        ),
        title: statistics::TITLE,
        maker: s.jurisdiction.name.clone(),
        as_of: s.as_of.to_string(),
        version: s.version,
        tables,
    })
}

/// The four tables as one workbook, a sheet each under its title, 统计时点 and
/// 制表单位.
async fn download(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
) -> PageResult {
    check_reader(&user)?;
    let date = as_of(&app, &p)?;
    let (s, bytes) = on_ledger(&app, &user, move |app, _| {
        let s = statistics_at(app, date);
        let bytes = s
            .workbook()
            .and_then(|mut wb| Ok(wb.save_to_buffer()?))
            .map_err(WebError::internal)?;
        Ok((s, bytes))
    })
    .await?;
    audit(&app, &user, &ip, "xlsx，4 张表", &s)?;
    let name = file_name(&format!(
        "机构编制统计年报_{}_{}.xlsx",
        s.jurisdiction.name, s.as_of
    ));
    Ok(xlsx_bytes_response(
        bytes,
        &format!("statistics-{}.xlsx", s.as_of),
        &name,
    ))
}

/// The 统计年报（上报格式）pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/statistics", get(page))
        .route("/statistics/xlsx", get(download))
}
