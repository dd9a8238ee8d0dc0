//! 吹哨报到 pages: the list with what is overdue, raising a request with
//! the departments `responsible` suggests, a request's page with each
//! department's clock and the steps the viewer may take, and the statistics
//! per department (table, chart and xlsx).

use askama::Template;
use axum::extract::{Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use bianzhi_core::UnitId;
use bianzhi_grassroots::{
    suggest_departments, ItemId, PlaceId, ReportLimits, WhistleAction, WhistleKind,
};
use bianzhi_reports::table::{Cell, Table};

use crate::prelude::*;
use crate::whistles::service::now_local;
use crate::whistles::views::{whistle_view, WhistleView};

fn layout(app: &App, user: &User, title: &str, path: &str, p: &Params) -> Layout {
    Layout::new(app, user, "grassroots", title, Url::new(path, p), None)
}

fn kind_of(code: &str) -> Option<WhistleKind> {
    match code {
        "daily" | "日常" => Some(WhistleKind::Daily),
        "emergency" | "应急" => Some(WhistleKind::Emergency),
        "special" | "专项" => Some(WhistleKind::Special),
        _ => None,
    }
}

// ---------------------------------------------------------------- list

#[derive(Template)]
#[template(path = "whistles/list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<WhistleView>,
    open: usize,
    overdue: Vec<(i64, String, &'static str, String, String)>,
    can_raise: bool,
    show: String,
}

fn list_page(app: &App, user: &User, p: &Params) -> PageResult {
    let (d, _) = app.grassroots()?;
    let limits = app.whistle_limits()?;
    let now = now_local(app);
    let all = app.whistles(user, &d)?;
    let show = p.get("show").unwrap_or("").to_string();
    let open = all
        .iter()
        .filter(|s| s.rec.whistle.closed_at.is_none())
        .count();
    let rows: Vec<WhistleView> = all
        .iter()
        .filter(|s| show != "open" || s.rec.whistle.closed_at.is_none())
        .map(|s| whistle_view(app, user, &d, s, &limits, now))
        .collect();
    let overdue = {
        let lines = app.whistle_overdue(user)?;
        let db = app.db();
        let st = db.state();
        lines
            .into_iter()
            .map(|l| {
                (
                    i64::from(l.whistle.0),
                    d.territory
                        .get(l.raiser)
                        .map_or_else(String::new, |p| p.name.clone()),
                    l.kind.label(),
                    st.unit_name(l.dept),
                    l.deadline.format("%Y-%m-%d %H:%M").to_string(),
                )
            })
            .collect()
    };
    render(&ListPage {
        l: layout(app, user, "吹哨报到", "/grassroots/whistles", p),
        can_raise: !app.whistle_raisers(user, &d).is_empty(),
        rows,
        open,
        overdue,
        show,
    })
}

async fn list(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    blocking(move || Ok(list_page(&app, &user, &p))).await?
}

// ---------------------------------------------------------------- raise

#[derive(Template)]
#[template(path = "whistles/new.html")]
struct NewPage {
    l: Layout,
    f: FormValues,
    raisers: Vec<(u32, String)>,
    places: Vec<(u32, String)>,
    items: Vec<(u32, String)>,
    chosen_items: Vec<u32>,
    suggested: Vec<(u32, String)>,
    others: Vec<(u32, String)>,
    limits: ReportLimits,
    error: Option<String>,
}

fn all_of(f: &[(String, String)], k: &str) -> Vec<u32> {
    f.iter()
        .filter(|(fk, _)| fk == k)
        .filter_map(|(_, v)| v.trim().parse().ok())
        .collect()
}

fn new_page(
    app: &App,
    user: &User,
    form: &[(String, String)],
    error: Option<String>,
) -> PageResult {
    let (d, _) = app.grassroots()?;
    let raisers = app.whistle_raisers(user, &d);
    if raisers.is_empty() {
        return Err(WebError::Forbidden(format!(
            "{}（{}）无权吹哨：只有镇、街道、园区的经办人员或编办可以吹哨",
            user.name,
            user.role_labels()
        ))
        .into());
    }
    let mut f = FormValues(form.iter().cloned().collect());
    let raiser = field(form, "raiser")
        .parse()
        .ok()
        .map(PlaceId)
        .filter(|r| raisers.contains(r))
        .unwrap_or(raisers[0]);
    f.0.insert("raiser".into(), raiser.0.to_string());
    let today = app.today();
    let places: Vec<(u32, String)> = d
        .territory
        .places()
        .filter(|p| d.territory.up(p.id).any(|x| x.id == raiser))
        .map(|p| {
            let label = if p.id == raiser {
                format!("{}（全域）", p.name)
            } else {
                format!("{} · {}", p.kind.label(), p.name)
            };
            (p.id.0, label)
        })
        .collect();
    let place = field(form, "place")
        .parse()
        .ok()
        .map(PlaceId)
        .filter(|p| places.iter().any(|(x, _)| *x == p.0))
        .unwrap_or(raiser);
    let chosen_items: Vec<u32> = all_of(form, "item");
    let db = app.db();
    let st = db.state();
    let mut items: Vec<(u32, String)> = d
        .catalogue
        .as_of(today)
        .into_values()
        .filter(|i| d.catalogue.is_leaf_at(i.id, today))
        .map(|i| {
            (
                i.id.0,
                format!("{} · {}（{}）", i.code, i.name, st.unit_name(i.holder)),
            )
        })
        .collect();
    items.sort_by(|a, b| a.1.cmp(&b.1));
    let index = d.index();
    let item_ids: Vec<ItemId> = chosen_items.iter().map(|i| ItemId(*i)).collect();
    let suggested: Vec<(u32, String)> =
        suggest_departments(&index, &d.territory, raiser, &item_ids, place, today)
            .into_iter()
            .map(|u| (u.0, st.unit_name(u)))
            .collect();
    let mut others: Vec<(u32, String)> = bianzhi_core::query::units_at(st, today)
        .into_iter()
        .filter(|u| {
            matches!(
                u.kind,
                bianzhi_core::catalog::UnitKind::GovDept
                    | bianzhi_core::catalog::UnitKind::PartyOrgan
                    | bianzhi_core::catalog::UnitKind::Institution
            ) && u.parent.is_none_or(|p| {
                st.unit(p)
                    .is_none_or(|x| x.kind != bianzhi_core::catalog::UnitKind::Institution)
            })
        })
        .filter(|u| !suggested.iter().any(|(s, _)| *s == u.id.0))
        .map(|u| (u.id.0, u.name.clone()))
        .collect();
    others.sort_by(|a, b| a.1.cmp(&b.1));
    drop(db);
    render(&NewPage {
        l: layout(
            app,
            user,
            "吹哨",
            "/grassroots/whistles/new",
            &Params::default(),
        ),
        f,
        raisers: raisers
            .iter()
            .filter_map(|r| d.territory.get(*r))
            .map(|p| (p.id.0, p.name.clone()))
            .collect(),
        places,
        items,
        chosen_items,
        suggested,
        others,
        limits: app.whistle_limits()?,
        error,
    })
}

async fn new(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    let form: Vec<(String, String)> = p.map.into_iter().collect();
    blocking(move || Ok(new_page(&app, &user, &form, None))).await?
}

/// The form again with the departments `responsible` suggests for the
/// chosen items and place (nothing is recorded).
async fn suggest(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    blocking(move || Ok(new_page(&app, &user, &form, None))).await?
}

async fn raise(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2, f2) = (app.clone(), user.clone(), form.clone());
    let r = blocking(move || {
        let raiser = PlaceId(
            field(&f2, "raiser")
                .parse()
                .map_err(|_| WebError::invalid("missing_field", "请选择吹哨单位"))?,
        );
        let kind = kind_of(field(&f2, "kind"))
            .ok_or_else(|| WebError::invalid("missing_field", "请选择吹哨类型"))?;
        let place = PlaceId(
            field(&f2, "place")
                .parse()
                .map_err(|_| WebError::invalid("missing_field", "请选择地点"))?,
        );
        let items: Vec<ItemId> = all_of(&f2, "item").into_iter().map(ItemId).collect();
        let mut depts: Vec<UnitId> = all_of(&f2, "dept").into_iter().map(UnitId).collect();
        for u in all_of(&f2, "extra") {
            if !depts.contains(&UnitId(u)) {
                depts.push(UnitId(u));
            }
        }
        let id = a2.raise_whistle(
            &u2,
            raiser,
            kind,
            items,
            place,
            field(&f2, "description"),
            depts,
        )?;
        Ok((id, kind))
    })
    .await;
    match r {
        Ok((id, kind)) => Ok(with_note(
            Redirect::to(&format!("/grassroots/whistles/{id}?done=raised")).into_response(),
            format!("吹哨（{}）：第 {id} 号", kind.label()),
        )),
        Err(e) => refusal_or(e, |msg| new_page(&app, &user, &form, Some(msg))),
    }
}

// ---------------------------------------------------------------- one request

#[derive(Template)]
#[template(path = "whistles/whistle.html")]
struct WhistlePage {
    l: Layout,
    w: WhistleView,
    others: Vec<(u32, String)>,
    done: Option<String>,
    error: Option<String>,
}

fn whistle_page(
    app: &App,
    user: &User,
    id: i64,
    done: Option<String>,
    error: Option<String>,
) -> PageResult {
    let (d, _) = app.grassroots()?;
    let s = app.whistle(user, &d, id)?;
    let limits = app.whistle_limits()?;
    let w = whistle_view(app, user, &d, &s, &limits, now_local(app));
    let others = if w.raiser_steps && w.open {
        let db = app.db();
        let st = db.state();
        let mut v: Vec<(u32, String)> = bianzhi_core::query::units_at(st, app.today())
            .into_iter()
            .filter(|u| u.kind == bianzhi_core::catalog::UnitKind::GovDept)
            .filter(|u| !w.assignments.iter().any(|a| a.dept == u.id.0))
            .map(|u| (u.id.0, u.name.clone()))
            .collect();
        v.sort_by(|a, b| a.1.cmp(&b.1));
        v
    } else {
        Vec::new()
    };
    render(&WhistlePage {
        l: layout(
            app,
            user,
            &format!("吹哨 第 {id} 号"),
            &format!("/grassroots/whistles/{id}"),
            &Params::default(),
        ),
        w,
        others,
        done,
        error,
    })
}

async fn whistle(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let done = p.get("done").map(|d| match d {
        "raised" => "已吹哨，已通知各部门报到。".to_string(),
        d => format!("已办理：{d}"),
    });
    blocking(move || Ok(whistle_page(&app, &user, id, done, None))).await?
}

async fn step(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2, f2) = (app.clone(), user.clone(), form.clone());
    let r = blocking(move || {
        let dept = || {
            field(&f2, "dept")
                .parse()
                .map(UnitId)
                .map_err(|_| WebError::invalid("missing_field", "请选择部门"))
        };
        let action = match action.as_str() {
            "report" => WhistleAction::Report { dept: dept()? },
            "act" => WhistleAction::Act { dept: dept()? },
            "done" => WhistleAction::Done { dept: dept()? },
            "assign" => WhistleAction::Assign { dept: dept()? },
            "unassign" => WhistleAction::Unassign { dept: dept()? },
            "evaluate" => WhistleAction::Evaluate {
                dept: dept()?,
                score: field(&f2, "score")
                    .parse()
                    .map_err(|_| WebError::invalid("bad_score", "请填写 0–100 的评分"))?,
                comment: field(&f2, "comment").to_string(),
            },
            "close" => WhistleAction::Close,
            _ => return Err(WebError::NotFound("没有这个操作".into())),
        };
        a2.whistle_step(&u2, id, action)
    })
    .await;
    match r {
        Ok(note) => Ok(with_note(
            Redirect::to(&format!("/grassroots/whistles/{id}?done={}", enc(&note))).into_response(),
            format!("吹哨第 {id} 号：{note}"),
        )),
        Err(e) => refusal_or(e, |msg| whistle_page(&app, &user, id, None, Some(msg))),
    }
}

// ---------------------------------------------------------------- statistics

/// A department's figures as shown.
pub struct StatRow {
    pub dept: u32,
    pub name: String,
    pub called: u32,
    pub reported: u32,
    pub on_time: u32,
    pub overdue: u32,
    pub done: u32,
    pub response: String,
    pub on_time_rate: String,
    pub on_time_pct: f64,
    pub score: String,
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |x| format!("{:.1}%", x * 100.0))
}

fn stat_rows(app: &App, user: &User) -> Result<Vec<StatRow>, WebError> {
    let (d, _) = app.grassroots()?;
    let limits = app.whistle_limits()?;
    let ws: Vec<_> = app
        .whistles(user, &d)?
        .into_iter()
        .map(|s| s.rec.whistle)
        .collect();
    let stats = bianzhi_grassroots::department_stats(&ws, &limits, now_local(app));
    let db = app.db();
    let st = db.state();
    let mut rows: Vec<StatRow> = stats
        .into_iter()
        .map(|(u, s)| StatRow {
            dept: u.0,
            name: st.unit_name(u),
            called: s.called,
            reported: s.reported,
            on_time: s.on_time,
            overdue: s.overdue,
            done: s.done,
            response: pct(s.response_rate()),
            on_time_rate: pct(s.on_time_rate()),
            on_time_pct: s.on_time_rate().unwrap_or(0.0) * 100.0,
            score: s
                .average_score()
                .map_or_else(|| "—".into(), |x| format!("{x:.1}")),
        })
        .collect();
    rows.sort_by(|a, b| b.called.cmp(&a.called).then(a.name.cmp(&b.name)));
    Ok(rows)
}

#[derive(Template)]
#[template(path = "whistles/stats.html")]
struct StatsPage {
    l: Layout,
    rows: Vec<StatRow>,
    limits: ReportLimits,
    error: Option<String>,
}

fn stats_page(app: &App, user: &User, error: Option<String>) -> PageResult {
    render(&StatsPage {
        l: layout(
            app,
            user,
            "吹哨报到统计",
            "/grassroots/whistles/stats",
            &Params::default(),
        ),
        rows: stat_rows(app, user)?,
        limits: app.whistle_limits()?,
        error,
    })
}

async fn stats(State(app): State<AppState>, PageUser(user): PageUser) -> PageResult {
    blocking(move || Ok(stats_page(&app, &user, None))).await?
}

async fn stats_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
) -> Result<Response, PageError> {
    let (a2, u2) = (app.clone(), user.clone());
    let rows = blocking(move || stat_rows(&a2, &u2)).await?;
    let mut t = Table::new(
        "吹哨报到部门统计",
        &[
            "部门",
            "被吹哨次数",
            "报到次数",
            "按时报到",
            "超时未到",
            "办结",
            "响应率",
            "按时报到率",
            "平均评价",
        ],
    );
    for r in &rows {
        t.rows.push(vec![
            Cell::text(&r.name),
            Cell::int(r.called),
            Cell::int(r.reported),
            Cell::int(r.on_time),
            Cell::int(r.overdue),
            Cell::int(r.done),
            Cell::text(&r.response),
            Cell::text(&r.on_time_rate),
            Cell::text(&r.score),
        ]);
    }
    app.try_audit(
        &user.login,
        &ip,
        "导出吹哨报到统计",
        "吹哨报到",
        &format!("{} 个部门", rows.len()),
    )?;
    Ok(crate::reports::service::xlsx_response(
        &t,
        "whistle-stats.xlsx",
        "吹哨报到部门统计.xlsx",
    )?)
}

async fn limits_save(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2, f2) = (app.clone(), user.clone(), form.clone());
    let r = blocking(move || {
        let m = |k: &str, what: &str| {
            field(&f2, k).parse::<u32>().map_err(|_| {
                WebError::invalid("bad_limit", format!("请填写{what}报到时限（分钟）"))
            })
        };
        let limits = ReportLimits {
            daily: m("daily", "日常")?,
            emergency: m("emergency", "应急")?,
            special: m("special", "专项")?,
        };
        a2.set_whistle_limits(&u2, limits)?;
        Ok(limits)
    })
    .await;
    match r {
        Ok(l) => Ok(with_note(
            Redirect::to("/grassroots/whistles/stats").into_response(),
            format!(
                "设置报到时限：日常 {} 分钟，应急 {} 分钟，专项 {} 分钟",
                l.daily, l.emergency, l.special
            ),
        )),
        Err(e) => refusal_or(e, |msg| stats_page(&app, &user, Some(msg))),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/grassroots/whistles", get(list).post(raise))
        .route("/grassroots/whistles/new", get(new).post(suggest))
        .route("/grassroots/whistles/stats", get(stats))
        .route("/grassroots/whistles/stats.xlsx", get(stats_xlsx))
        .route("/grassroots/whistles/limits", post(limits_save))
        .route("/grassroots/whistles/{id}", get(whistle))
        .route("/grassroots/whistles/{id}/{action}", post(step))
}
