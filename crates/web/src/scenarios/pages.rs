use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;

use bianzhi_casework::scenario::Totals;

use crate::opform::{Choices, OpView};
use crate::prelude::*;
use crate::scenarios::service::*;

fn layout(app: &App, user: &User, title: impl Into<String>, path: &str, p: &Params) -> Layout {
    Layout::new(app, user, "scenarios", title, Url::new(path, p), None)
}

fn version_of(form: &[(String, String)]) -> Result<i64, WebError> {
    field(form, "version")
        .trim()
        .parse()
        .ok()
        .ok_or_else(|| WebError::invalid("missing_field", "缺少版本号，请刷新页面后重试"))
}

// ---------------------------------------------------------------- list

#[derive(Template)]
#[template(path = "scenarios/scenarios.html")]
struct ScenariosPage {
    l: Layout,
    rows: Vec<ScenarioRow>,
    error: Option<String>,
    name: String,
    note: String,
}

async fn scenarios(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let (a2, u2) = (app.clone(), user.clone());
    let rows = blocking(move || a2.scenarios(&u2)).await?;
    render(&ScenariosPage {
        l: layout(&app, &user, "沙盘推演", uri.path(), &p),
        rows,
        error: None,
        name: String::new(),
        note: String::new(),
    })
}

async fn scenario_create(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let input = ScenarioInput {
        name: field(&form, "name").to_string(),
        note: field(&form, "note").to_string(),
        drafts: Vec::new(),
    };
    let (a2, u2) = (app.clone(), user.clone());
    match blocking(move || a2.create_scenario(&u2, input)).await {
        Ok(id) => Ok(with_note(
            Redirect::to(&format!("/scenarios/{id}")).into_response(),
            format!("新建沙盘推演第 {id} 号：{}", field(&form, "name")),
        )),
        Err(e @ (WebError::Internal(_) | WebError::Forbidden(_))) => Err(e.into()),
        Err(e) => {
            let (a2, u2) = (app.clone(), user.clone());
            let rows = blocking(move || a2.scenarios(&u2)).await?;
            render_status(
                e.status(),
                &ScenariosPage {
                    l: layout(&app, &user, "沙盘推演", "/scenarios", &Params::default()),
                    rows,
                    error: Some(e.to_string()),
                    name: field(&form, "name").to_string(),
                    note: field(&form, "note").to_string(),
                },
            )
        }
    }
}

// ---------------------------------------------------------------- one

#[derive(Template)]
#[template(path = "scenarios/scenario.html")]
struct ScenarioPage {
    l: Layout,
    v: ScenarioView,
    /// 编制类型 shown in the comparison (before or after).
    types: Vec<String>,
}

fn types_of(t: &[&Totals]) -> Vec<String> {
    let mut v: Vec<String> = t.iter().flat_map(|x| x.by_type.keys().cloned()).collect();
    v.sort();
    v.dedup();
    v
}

async fn scenario(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<i64>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let (a2, u2) = (app.clone(), user.clone());
    let v = blocking(move || a2.run_scenario(&u2, id)).await?;
    let types = types_of(&[&v.outcome.before, &v.outcome.after]);
    render(&ScenarioPage {
        l: layout(
            &app,
            &user,
            format!("沙盘推演 {}", v.scenario.name),
            uri.path(),
            &p,
        ),
        v,
        types,
    })
}

async fn scenario_remove_draft(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((id, n)): Path<(i64, usize)>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let version = version_of(&form)?;
    blocking(move || app.remove_scenario_draft(&user, id, version, n)).await?;
    Ok(Redirect::to(&format!("/scenarios/{id}")).into_response())
}

async fn scenario_delete(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let version = version_of(&form)?;
    blocking(move || app.delete_scenario(&user, id, version)).await?;
    Ok(with_note(
        Redirect::to("/scenarios?deleted=1").into_response(),
        format!("删除沙盘推演第 {id} 号"),
    ))
}

async fn scenario_case(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let version = version_of(&form)?;
    let case = blocking(move || app.scenario_to_case(&user, id, version)).await?;
    Ok(with_note(
        Redirect::to(&format!("/cases/{case}")).into_response(),
        format!("沙盘推演第 {id} 号转为动议（办理事项第 {case} 号）"),
    ))
}

// ---------------------------------------------------------------- a draft

#[derive(Template)]
#[template(path = "scenarios/draft.html")]
struct DraftPage {
    l: Layout,
    id: i64,
    name: String,
    version: i64,
    error: Option<String>,
    f: FormValues,
    ops: Vec<OpView>,
    menu: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
    unit_names: Vec<(String, String)>,
}

fn draft_page(
    app: &App,
    user: &User,
    id: i64,
    error: Option<String>,
    f: HashMap<String, String>,
) -> Result<DraftPage, WebError> {
    let (s, version) = app.scenario(user, id)?;
    let today = app.today();
    let choices = {
        let db = app.db();
        Choices::of(db.state(), None, today)
    };
    let version = f
        .get("version")
        .and_then(|v| v.parse().ok())
        .unwrap_or(version);
    Ok(DraftPage {
        l: layout(
            app,
            user,
            format!("沙盘推演 {} · 添加事项", s.name),
            &format!("/scenarios/{id}/add"),
            &Params::default(),
        ),
        id,
        name: s.name,
        version,
        error,
        ops: crate::opform::views(&f, &choices),
        f: FormValues(f),
        menu: crate::opform::menu(),
        unit_names: choices.units,
    })
}

async fn draft_new(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let mut f = HashMap::new();
    f.insert("effective".into(), app.today().to_string());
    f.insert("n".into(), "0".into());
    if let Some(op) = p.get("op") {
        crate::opform::add(&mut f, op)?;
    }
    render(&draft_page(&app, &user, id, None, f)?)
}

async fn draft_add(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let mut f: HashMap<String, String> = form.iter().cloned().collect();
    let action = f.get("action").cloned().unwrap_or_else(|| "save".into());
    if action == "add" {
        let code = f.get("add_op").cloned().unwrap_or_default();
        let error = crate::opform::add(&mut f, &code)
            .err()
            .map(|e| e.to_string());
        return render(&draft_page(&app, &user, id, error, f)?)
            .map(crate::http::hardening::full_id_numbers);
    }
    if let Some(i) = action.strip_prefix("remove").and_then(|i| i.parse().ok()) {
        crate::opform::remove(&mut f, i);
        return render(&draft_page(&app, &user, id, None, f)?)
            .map(crate::http::hardening::full_id_numbers);
    }
    let built = crate::opform::ops_of(&f).and_then(|ops| {
        let version = version_of(&form)?;
        Ok((
            version,
            DraftInput {
                doc: f.get("doc").cloned().unwrap_or_default(),
                effective: f.get("effective").cloned().unwrap_or_default(),
                reason: f.get("reason").cloned().unwrap_or_default(),
                ops,
            },
        ))
    });
    let (a2, u2) = (app.clone(), user.clone());
    let r = match built {
        Ok((version, d)) => blocking(move || a2.add_scenario_draft(&u2, id, version, d)).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(_) => Ok(Redirect::to(&format!("/scenarios/{id}?added=1")).into_response()),
        Err(e @ (WebError::Internal(_) | WebError::Forbidden(_) | WebError::NotFound(_))) => {
            Err(e.into())
        }
        Err(e) => render_status(
            e.status(),
            &draft_page(&app, &user, id, Some(e.to_string()), f)?,
        )
        .map(crate::http::hardening::full_id_numbers),
    }
}

// ---------------------------------------------------------------- compare

/// One column of the comparison.
struct Column {
    id: i64,
    name: String,
    totals: Totals,
    accepted: usize,
    refused: usize,
    /// 机构限额, in the office's order of groups.
    limits: Vec<bianzhi_casework::assess::LimitCheck>,
}

#[derive(Template)]
#[template(path = "scenarios/compare.html")]
struct ComparePage {
    l: Layout,
    as_of: chrono::NaiveDate,
    today: Totals,
    columns: Vec<Column>,
    types: Vec<String>,
    /// 机构限额 groups: name, limit, count now.
    limit_groups: Vec<(String, u32, usize)>,
}

async fn compare(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let mut ids: Vec<i64> = p
        .map
        .iter()
        .filter(|(k, _)| k.starts_with("s"))
        .filter_map(|(_, v)| v.parse().ok())
        .collect();
    ids.sort_unstable();
    ids.dedup();
    if ids.is_empty() || ids.len() > 3 {
        return Err(WebError::invalid("bad_param", "请选择一至三个推演进行比较").into());
    }
    let (a2, u2) = (app.clone(), user.clone());
    let views = blocking(move || {
        ids.iter()
            .map(|id| a2.run_scenario(&u2, *id))
            .collect::<Result<Vec<_>, _>>()
    })
    .await?;
    // One date for every column: the latest any of them reaches.
    let as_of = views
        .iter()
        .map(|v| v.outcome.as_of)
        .max()
        .unwrap_or_else(|| app.today());
    let today = {
        let db = app.db();
        Totals::of(db.state(), as_of)
    };
    let limit_groups = views
        .first()
        .map(|v| {
            v.outcome
                .limits
                .iter()
                .map(|x| (x.group.clone(), x.limit, x.before))
                .collect()
        })
        .unwrap_or_default();
    let columns: Vec<Column> = views
        .into_iter()
        .map(|v| Column {
            id: v.id,
            name: v.scenario.name,
            refused: v.outcome.steps.len() - v.outcome.accepted,
            accepted: v.outcome.accepted,
            totals: v.outcome.after,
            limits: v.outcome.limits,
        })
        .collect();
    let mut all: Vec<&Totals> = vec![&today];
    all.extend(columns.iter().map(|c| &c.totals));
    let types = types_of(&all);
    render(&ComparePage {
        l: layout(&app, &user, "比较推演", uri.path(), &p),
        as_of,
        today,
        columns,
        types,
        limit_groups,
    })
}

/// The 沙盘推演 pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/scenarios", get(scenarios).post(scenario_create))
        .route("/scenarios/compare", get(compare))
        .route("/scenarios/{id}", get(scenario))
        .route("/scenarios/{id}/add", get(draft_new).post(draft_add))
        .route(
            "/scenarios/{id}/drafts/{n}/remove",
            post(scenario_remove_draft),
        )
        .route("/scenarios/{id}/delete", post(scenario_delete))
        .route("/scenarios/{id}/case", post(scenario_case))
}
