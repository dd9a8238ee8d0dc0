use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::Router;

use axum::routing::get;

use crate::plans::views::*;
use crate::prelude::*;

// ---------------------------------------------------------------- 用编计划

#[derive(Template)]
#[template(path = "plans/plans.html")]
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
    PageQuery(p): PageQuery,
) -> PageResult {
    let scope = app.scope(&user, app.today());
    let f = crate::plans::views::plan_filter(&app, scope.as_deref(), &p)?;
    let pager = p.pager(50)?;
    let (rows, page, years) = app.read(app.today(), |ctx| {
        crate::plans::views::plans(ctx, scope.as_deref(), &f, pager)
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
#[template(path = "plans/plan.html")]
struct PlanPage {
    l: Layout,
    d: PlanLineDetail,
}

async fn plan(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<u32>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let scope = app.scope(&user, app.today());
    let d = app.read(app.today(), |ctx| {
        crate::plans::views::plan_detail(ctx, scope.as_deref(), id)
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

/// The 用编计划 pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/plans", get(plans))
        .route("/plans/{id}", get(plan))
}
