use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::Router;

use axum::routing::get;
use bianzhi_store::ApplicationStatus;

use crate::overview::views::*;
use crate::prelude::*;

// ---------------------------------------------------------------- 总览

#[derive(Template)]
#[template(path = "overview/summary.html")]
struct SummaryPage {
    l: Layout,
    s: SummaryView,
    bars: String,
    trend: String,
    pending: u64,
    lp: crate::cases::service::LoopSummary,
    /// 预警 by kind: label and count; and the first few.
    warn_counts: Vec<(&'static str, usize)>,
    warnings: Vec<bianzhi_casework::warning::EarlyWarning>,
    /// 事业单位登记 findings (overdue, 待注销, seals, certificates, annual reports).
    reg_findings: usize,
    /// 吹哨报到: departments overdue to 报到 now (超时未到).
    whistle_overdue: Vec<(i64, String)>,
}

async fn summary(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let s = app.read(date, |ctx| {
        crate::overview::views::summary(ctx, scope.as_deref())
    });
    let units: Option<Vec<u32>> = scope.map(|s| s.iter().map(|u| u.0).collect());
    let pending = app
        .wf()
        .status_counts(units.as_deref())?
        .into_iter()
        .find(|(st, _)| *st == ApplicationStatus::Submitted)
        .map_or(0, |(_, n)| n);
    let (a2, u2) = (app.clone(), user.clone());
    let loop_summary = blocking(move || a2.loop_summary(&u2)).await?;
    let (a2, u2) = (app.clone(), user.clone());
    let mut warnings = blocking(move || a2.early_warnings(&u2, date)).await?;
    let warn_counts = bianzhi_casework::warning::WarningKind::ALL
        .iter()
        .map(|k| (k.label(), warnings.iter().filter(|w| w.kind == *k).count()))
        .filter(|(_, n)| *n > 0)
        .collect();
    warnings.truncate(8);
    let (a2, u2) = (app.clone(), user.clone());
    let reg_findings =
        blocking(move || crate::registration::views::finding_count(&a2, &u2)).await?;
    let (a2, u2) = (app.clone(), user.clone());
    let whistle_overdue = blocking(move || {
        let lines = a2.whistle_overdue(&u2)?;
        let db = a2.db();
        let st = db.state();
        Ok(lines
            .into_iter()
            .map(|l| (i64::from(l.whistle.0), st.unit_name(l.dept)))
            .collect::<Vec<_>>())
    })
    .await?;
    let page = SummaryPage {
        l: Layout::new(
            &app,
            &user,
            "summary",
            "总览",
            Url::new(uri.path(), &p),
            Some(date),
        ),
        bars: crate::overview::charts::quota_bars(&s.by_type),
        trend: crate::overview::charts::trend(&s.trend),
        s,
        pending,
        lp: loop_summary,
        warn_counts,
        warnings,
        reg_findings,
        whistle_overdue,
    };
    render(&page)
}

/// The 总览 page.
pub fn routes() -> Router<AppState> {
    Router::new().route("/", get(summary))
}
