//! 12345 工单 and 职责争议 pages: the orders with what is overdue, their
//! import (all or nothing), an order's page with its hops, 退单 and the
//! steps the viewer may take, the metrics by department, town and item
//! (table and xlsx), and the cases with their steps.

use askama::Template;
use axum::extract::{Multipart, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use bianzhi_core::UnitId;
use bianzhi_grassroots::workorder::RouteBasis;
use bianzhi_grassroots::{
    DisputeAction, DisputeId, District, OrderAction, OrderMetrics, OrderState, WorkOrder,
};
use bianzhi_reports::table::{Cell, Table};

use crate::ledger::unit_in_scope;
use crate::prelude::*;

fn layout(app: &App, user: &User, title: &str, path: &str) -> Layout {
    Layout::new(
        app,
        user,
        "grassroots",
        title,
        Url::new(path, &Params::default()),
        None,
    )
}

fn minute(t: chrono::NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

/// An order in a list.
pub struct OrderRow {
    pub number: String,
    pub received: String,
    pub place: String,
    pub text: String,
    pub item: String,
    pub urgency: &'static str,
    pub state: &'static str,
    pub assignee: String,
    pub returns: usize,
    pub due: String,
    pub overdue: bool,
}

fn order_row(
    d: &District,
    st: &bianzhi_core::State,
    o: &WorkOrder,
    cal: &bianzhi_casework::calendar::Calendar,
    now: chrono::NaiveDateTime,
) -> OrderRow {
    OrderRow {
        number: o.row.number.clone(),
        received: minute(o.row.received),
        place: d
            .territory
            .get(o.row.place)
            .map_or_else(String::new, |p| p.name.clone()),
        text: o.row.text.clone(),
        item: o
            .row
            .item
            .and_then(|i| d.catalogue.item_at(i, o.row.received.date()))
            .map_or_else(|| "（未分类）".into(), |i| i.name.clone()),
        urgency: o.row.urgency.label(),
        state: o.state.label(),
        assignee: o.assignee.map(|u| st.unit_name(u)).unwrap_or_default(),
        returns: o.returns.len(),
        due: minute(o.reply_due(cal)),
        overdue: o.replied_at.is_none() && o.overdue(now, cal),
    }
}

// ---------------------------------------------------------------- list and import

#[derive(Template)]
#[template(path = "hotline/list.html")]
struct ListPage {
    l: Layout,
    rows: Vec<OrderRow>,
    total: usize,
    overdue: usize,
    state: String,
    open_disputes: usize,
    error: Option<String>,
    imported: Option<String>,
}

fn list_page(app: &App, user: &User, p: &Params, error: Option<String>) -> PageResult {
    let (d, _) = app.grassroots()?;
    let orders = app.orders(user, &d)?;
    let cal = app.case_settings()?.0.calendar;
    let now = bianzhi_core::beijing::local(app.now());
    let state = p.get("state").unwrap_or("").to_string();
    let open_disputes = if user.can_review() {
        app.disputes()?
            .0
            .cases
            .iter()
            .filter(|c| c.stage.is_open())
            .count()
    } else {
        0
    };
    let db = app.db();
    let st = db.state();
    let all: Vec<OrderRow> = orders
        .iter()
        .map(|r| order_row(&d, st, &r.order, &cal, now))
        .collect();
    let overdue = all.iter().filter(|r| r.overdue).count();
    let total = all.len();
    let rows: Vec<OrderRow> = all
        .into_iter()
        .filter(|r| match state.as_str() {
            "" => true,
            "overdue" => r.overdue,
            "returned" => r.returns > 0,
            s => r.state == s,
        })
        .take(500)
        .collect();
    drop(db);
    render(&ListPage {
        l: layout(app, user, "12345 工单", "/grassroots/orders"),
        rows,
        total,
        overdue,
        state,
        open_disputes,
        error,
        imported: p.get("imported").map(str::to_string),
    })
}

async fn list(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    blocking(move || Ok(list_page(&app, &user, &p, None))).await?
}

async fn template_xlsx(PageUser(_user): PageUser) -> Result<Response, PageError> {
    Ok(crate::reports::service::xlsx_response(
        &bianzhi_reports::workorders::template(),
        "orders-template.xlsx",
        "12345工单导入模板.xlsx",
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
            list_page(&app, &user, &Params::default(), Some(msg))
        })
    };
    let up = match crate::http::upload::read(mp).await {
        Ok(u) => u,
        Err(e) => return again(e).await,
    };
    if up.fields.get("_csrf") != Some(&user.csrf) {
        return Err(WebError::Csrf.into());
    }
    user.require(user.can_review(), "导入 12345 工单（仅编办）")?;
    let (name, bytes, ext) = match spreadsheet(up.file, "工单") {
        Ok(f) => f,
        Err(e) => return again(e).await,
    };
    let (a2, u2, n2) = (app.clone(), user.clone(), name.clone());
    let r = blocking(move || guarded(|| a2.import_orders(&u2, &bytes, &ext, &n2))).await;
    match r {
        Ok(n) => Ok(with_note(
            Redirect::to(&format!("/grassroots/orders?imported={n}")).into_response(),
            format!("导入 12345 工单：{name}，{n} 件，已按权责清单派单"),
        )),
        Err(e @ (WebError::Internal(_) | WebError::Forbidden(_))) => Err(e.into()),
        Err(e) => again(e).await,
    }
}

// ---------------------------------------------------------------- one order

#[derive(Template)]
#[template(path = "hotline/order.html")]
struct OrderPage {
    l: Layout,
    o: OrderRow,
    co_handlers: Vec<String>,
    hops: Vec<(String, String, String)>,
    returns: Vec<(String, String, String)>,
    steps: Vec<(String, String, String)>,
    outcome: Option<(bool, bool)>,
    /// The assignee the viewer may act for (签收, 退单, 答复).
    assignee: Option<u32>,
    can_sign: bool,
    can_return: bool,
    can_reply: bool,
    can_reassign: bool,
    can_close: bool,
    units: Vec<(u32, String)>,
    done: Option<String>,
    error: Option<String>,
}

fn order_page(
    app: &App,
    user: &User,
    number: &str,
    done: Option<String>,
    error: Option<String>,
) -> PageResult {
    let (d, _) = app.grassroots()?;
    let (r, steps) = app.order(user, &d, number)?;
    let cal = app.case_settings()?.0.calendar;
    let now = bianzhi_core::beijing::local(app.now());
    let o = &r.order;
    // (The layout reads the ledger: made before the ledger is held below.)
    let l = layout(
        app,
        user,
        &format!("工单 {number}"),
        &format!("/grassroots/orders/{}", enc(number)),
    );
    let mine = o
        .assignee
        .filter(|u| user.can_review() || (user.can_apply() && unit_in_scope(app, user, Some(*u))));
    let db = app.db();
    let st = db.state();
    let row = order_row(&d, st, o, &cal, now);
    let hops = o
        .hops
        .iter()
        .map(|h| {
            let basis = match &h.basis {
                RouteBasis::Responsible { doc } => format!("按权责清单（{doc}）"),
                RouteBasis::Fallback => "未分类，区政府兜底".to_string(),
                RouteBasis::Manual { reason } => format!("改派：{reason}"),
            };
            (minute(h.at), st.unit_name(h.to), basis)
        })
        .collect();
    let returns = o
        .returns
        .iter()
        .map(|x| (minute(x.at), st.unit_name(x.by), x.basis.clone()))
        .collect();
    let mut units: Vec<(u32, String)> = if user.can_review() && o.state == OrderState::Returned {
        bianzhi_core::query::units_at(st, app.today())
            .into_iter()
            .filter(|u| {
                matches!(
                    u.kind,
                    bianzhi_core::catalog::UnitKind::GovDept
                        | bianzhi_core::catalog::UnitKind::Town
                        | bianzhi_core::catalog::UnitKind::Subdistrict
                        | bianzhi_core::catalog::UnitKind::ParkCommittee
                )
            })
            .map(|u| (u.id.0, u.name.clone()))
            .collect()
    } else {
        Vec::new()
    };
    units.sort_by(|a, b| a.1.cmp(&b.1));
    let page = OrderPage {
        l,
        co_handlers: o.co_handlers.iter().map(|u| st.unit_name(*u)).collect(),
        hops,
        returns,
        steps: steps
            .into_iter()
            .map(|s| (minute(s.at), s.what, s.by))
            .collect(),
        outcome: o.outcome.map(|x| (x.resolved, x.satisfied)),
        assignee: mine.map(|u| u.0),
        can_sign: mine.is_some() && o.state == OrderState::Assigned,
        can_return: mine.is_some() && matches!(o.state, OrderState::Assigned | OrderState::Signed),
        can_reply: mine.is_some() && o.state == OrderState::Signed,
        can_reassign: user.can_review() && o.state == OrderState::Returned,
        can_close: user.can_review() && o.state == OrderState::Replied,
        units,
        o: row,
        done,
        error,
    };
    drop(db);
    render(&page)
}

async fn order(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(number): Path<String>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let done = p.get("done").map(|d| format!("已办理：{d}"));
    blocking(move || Ok(order_page(&app, &user, &number, done, None))).await?
}

async fn order_step(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((number, action)): Path<(String, String)>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2, f2, n2) = (app.clone(), user.clone(), form.clone(), number.clone());
    let r = blocking(move || {
        let unit = |k: &str| {
            field(&f2, k)
                .parse()
                .map(UnitId)
                .map_err(|_| WebError::invalid("missing_field", "请选择单位"))
        };
        let action = match action.as_str() {
            "sign" => OrderAction::Sign { by: unit("by")? },
            "return" => OrderAction::Return {
                by: unit("by")?,
                basis: field(&f2, "basis").to_string(),
            },
            "reply" => OrderAction::Reply { by: unit("by")? },
            "reassign" => OrderAction::Reassign {
                to: unit("to")?,
                reason: field(&f2, "reason").to_string(),
            },
            "close" => OrderAction::Close {
                resolved: field(&f2, "resolved") == "1",
                satisfied: field(&f2, "satisfied") == "1",
            },
            _ => return Err(WebError::NotFound("没有这个操作".into())),
        };
        a2.order_step(&u2, &n2, action)
    })
    .await;
    match r {
        Ok(note) => Ok(with_note(
            Redirect::to(&format!(
                "/grassroots/orders/{}?done={}",
                enc(&number),
                enc(&note)
            ))
            .into_response(),
            format!("12345 工单 {number}：{note}"),
        )),
        Err(e) => refusal_or(e, |msg| order_page(&app, &user, &number, None, Some(msg))),
    }
}

// ---------------------------------------------------------------- metrics

/// Figures of a department, town or item as shown.
pub struct MetricRow {
    pub name: String,
    pub dispatched: u32,
    pub signed: u32,
    pub returned: u32,
    pub closed: u32,
    pub response: String,
    pub resolution: String,
    pub satisfaction: String,
    pub return_rate: String,
}

fn pct(r: Option<f64>) -> String {
    r.map_or_else(|| "—".into(), |x| format!("{:.1}%", x * 100.0))
}

fn metric_row(name: String, m: &OrderMetrics) -> MetricRow {
    MetricRow {
        name,
        dispatched: m.dispatched,
        signed: m.signed,
        returned: m.returned,
        closed: m.closed,
        response: pct(m.response_rate()),
        resolution: pct(m.resolution_rate()),
        satisfaction: pct(m.satisfaction_rate()),
        return_rate: pct(m.return_rate()),
    }
}

/// (by department, by town, by item).
type Metrics = (Vec<MetricRow>, Vec<MetricRow>, Vec<MetricRow>);

fn metrics(app: &App, user: &User) -> Result<Metrics, WebError> {
    let (d, _) = app.grassroots()?;
    let orders: Vec<WorkOrder> = app.orders(user, &d)?.into_iter().map(|r| r.order).collect();
    let db = app.db();
    let st = db.state();
    let sort = |mut v: Vec<MetricRow>| {
        v.sort_by(|a, b| b.dispatched.cmp(&a.dispatched).then(a.name.cmp(&b.name)));
        v
    };
    let by_dept = sort(
        bianzhi_grassroots::metrics_by_department(&orders)
            .iter()
            .map(|(u, m)| metric_row(st.unit_name(*u), m))
            .collect(),
    );
    let by_town = sort(
        bianzhi_grassroots::metrics_by_town(&orders, &d.territory)
            .iter()
            .map(|(p, m)| {
                let name = d
                    .territory
                    .get(*p)
                    .map_or_else(|| p.to_string(), |x| x.name.clone());
                metric_row(name, m)
            })
            .collect(),
    );
    let today = app.today();
    let by_item = sort(
        bianzhi_grassroots::metrics_by_item(&orders)
            .iter()
            .map(|(i, m)| {
                let name = d
                    .catalogue
                    .item_at(*i, today)
                    .map(|x| x.name.clone())
                    .or_else(|| {
                        d.catalogue
                            .timeline(*i)
                            .iter()
                            .rev()
                            .find_map(|v| v.item.as_ref().map(|x| x.name.clone()))
                    })
                    .unwrap_or_else(|| format!("事项 {}", i.0));
                metric_row(name, m)
            })
            .collect(),
    );
    Ok((by_dept, by_town, by_item))
}

#[derive(Template)]
#[template(path = "hotline/metrics.html")]
struct MetricsPage {
    l: Layout,
    /// Title, what the first column is, rows.
    sections: Vec<(&'static str, &'static str, Vec<MetricRow>)>,
}

async fn metrics_page(State(app): State<AppState>, PageUser(user): PageUser) -> PageResult {
    blocking(move || {
        let (by_dept, by_town, by_item) = metrics(&app, &user)?;
        Ok(render(&MetricsPage {
            l: layout(&app, &user, "12345 工单统计", "/grassroots/orders/metrics"),
            sections: vec![
                ("按部门", "部门", by_dept),
                ("按镇（街道、园区）", "镇（街道、园区）", by_town),
                ("按事项", "事项", by_item),
            ],
        }))
    })
    .await?
}

fn metric_table(title: &str, first: &str, rows: &[MetricRow]) -> Table {
    let mut t = Table::new(
        title,
        &[
            first,
            "派单",
            "签收",
            "退单",
            "办结",
            "响应率",
            "解决率",
            "满意率",
            "退单率",
        ],
    );
    for r in rows {
        t.rows.push(vec![
            Cell::text(&r.name),
            Cell::int(r.dispatched),
            Cell::int(r.signed),
            Cell::int(r.returned),
            Cell::int(r.closed),
            Cell::text(&r.response),
            Cell::text(&r.resolution),
            Cell::text(&r.satisfaction),
            Cell::text(&r.return_rate),
        ]);
    }
    t
}

async fn metrics_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
) -> Result<Response, PageError> {
    let (a2, u2) = (app.clone(), user.clone());
    let (by_dept, by_town, by_item) = blocking(move || metrics(&a2, &u2)).await?;
    let tables = [
        metric_table("按部门", "部门", &by_dept),
        metric_table("按镇街园区", "镇（街道、园区）", &by_town),
        metric_table("按事项", "事项", &by_item),
    ];
    let bytes = bianzhi_reports::xlsx::workbook(&tables.iter().collect::<Vec<_>>())
        .map_err(WebError::internal)?
        .save_to_buffer()
        .map_err(WebError::internal)?;
    app.try_audit(
        &user.login,
        &ip,
        "导出 12345 工单统计",
        "12345 工单",
        &format!("{} 个部门", by_dept.len()),
    )?;
    Ok(crate::reports::service::xlsx_bytes_response(
        bytes,
        "order-metrics.xlsx",
        "12345工单统计.xlsx",
    ))
}

// ---------------------------------------------------------------- disputes

/// A case as shown.
pub struct DisputeRow {
    pub id: u32,
    pub item: String,
    /// 事项编码, to look the item up in the 权责清单.
    pub code: String,
    pub holder: String,
    pub departments: Vec<String>,
    pub orders: Vec<String>,
    pub opened: String,
    pub stage: &'static str,
    pub open: bool,
    pub coordination: bool,
    pub opinion: String,
    pub ruling: String,
    pub history: Vec<(String, String)>,
}

fn dispute_rows(app: &App, user: &User) -> Result<Vec<DisputeRow>, WebError> {
    user.require(
        user.can_review() || user.has(Role::ReadOnly),
        "查看职责争议",
    )?;
    let (d, _) = app.grassroots()?;
    let (ds, _) = app.disputes()?;
    let today = app.today();
    let db = app.db();
    let st = db.state();
    let mut out = Vec::new();
    for c in ds.cases.iter().rev() {
        let item = d.catalogue.item_at(c.item, today).or_else(|| {
            d.catalogue
                .timeline(c.item)
                .iter()
                .rev()
                .find_map(|v| v.item.as_ref())
        });
        let history = c
            .history
            .iter()
            .map(|(at, a)| {
                let what = match a {
                    DisputeAction::Agree {
                        doc,
                        holder,
                        effective,
                        ..
                    } => format!(
                        "协商一致（{doc}）：自 {effective} 起由 {} 承担",
                        st.unit_name(*holder)
                    ),
                    DisputeAction::Escalate { reason } => format!("提请编办协调：{reason}"),
                    DisputeAction::Opinion { text } => format!("编办协调意见：{text}"),
                    DisputeAction::Decide {
                        doc,
                        holder,
                        effective,
                        text,
                    } => format!(
                        "决定（{doc}）：自 {effective} 起由 {} 承担。{text}",
                        st.unit_name(*holder)
                    ),
                };
                (minute(*at), what)
            })
            .collect();
        out.push(DisputeRow {
            id: c.id.0,
            item: item.map_or_else(
                || format!("事项 {}", c.item.0),
                |i| format!("{} · {}", i.code, i.name),
            ),
            code: item.map(|i| i.code.clone()).unwrap_or_default(),
            holder: item.map(|i| st.unit_name(i.holder)).unwrap_or_default(),
            departments: c.departments.iter().map(|u| st.unit_name(*u)).collect(),
            orders: c.orders.clone(),
            opened: minute(c.opened_at),
            stage: c.stage.label(),
            open: c.stage.is_open(),
            coordination: c.stage == bianzhi_grassroots::DisputeStage::Coordination,
            opinion: c.opinion.clone().unwrap_or_default(),
            ruling: c
                .ruling
                .as_ref()
                .map(|r| {
                    format!(
                        "{}：自 {} 起由 {} 承担",
                        r.doc,
                        r.effective,
                        st.unit_name(r.holder)
                    )
                })
                .unwrap_or_default(),
            history,
        });
    }
    Ok(out)
}

#[derive(Template)]
#[template(path = "hotline/disputes.html")]
struct DisputesPage {
    l: Layout,
    rows: Vec<DisputeRow>,
    threshold: usize,
}

async fn disputes(State(app): State<AppState>, PageUser(user): PageUser) -> PageResult {
    blocking(move || {
        let rows = dispute_rows(&app, &user)?;
        Ok(render(&DisputesPage {
            l: layout(&app, &user, "职责争议", "/grassroots/disputes"),
            rows,
            threshold: app.disputes()?.0.threshold,
        }))
    })
    .await?
}

#[derive(Template)]
#[template(path = "hotline/dispute.html")]
struct DisputePage {
    l: Layout,
    c: DisputeRow,
    units: Vec<(u32, String)>,
    done: Option<String>,
    error: Option<String>,
}

fn dispute_page(
    app: &App,
    user: &User,
    id: u32,
    done: Option<String>,
    error: Option<String>,
) -> PageResult {
    let c = dispute_rows(app, user)?
        .into_iter()
        .find(|c| c.id == id)
        .ok_or_else(|| WebError::NotFound(format!("没有第 {id} 号职责争议")))?;
    let units = {
        let db = app.db();
        let st = db.state();
        let mut v: Vec<(u32, String)> = bianzhi_core::query::units_at(st, app.today())
            .into_iter()
            .filter(|u| {
                matches!(
                    u.kind,
                    bianzhi_core::catalog::UnitKind::GovDept
                        | bianzhi_core::catalog::UnitKind::Town
                        | bianzhi_core::catalog::UnitKind::Subdistrict
                        | bianzhi_core::catalog::UnitKind::ParkCommittee
                )
            })
            .map(|u| (u.id.0, u.name.clone()))
            .collect();
        v.sort_by(|a, b| a.1.cmp(&b.1));
        v
    };
    render(&DisputePage {
        l: layout(
            app,
            user,
            &format!("职责争议 第 {id} 号"),
            &format!("/grassroots/disputes/{id}"),
        ),
        c,
        units,
        done,
        error,
    })
}

async fn dispute(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<u32>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let done = p.get("done").map(|d| format!("已办理：{d}"));
    blocking(move || Ok(dispute_page(&app, &user, id, done, None))).await?
}

async fn dispute_step(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((id, action)): Path<(u32, String)>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2, f2) = (app.clone(), user.clone(), form.clone());
    let r = blocking(move || {
        let holder = || {
            field(&f2, "holder")
                .parse()
                .map(UnitId)
                .map_err(|_| WebError::invalid("missing_field", "请选择承担职责的单位"))
        };
        let effective = || {
            crate::http::params::parse_date(field(&f2, "effective"))
                .map_err(|_| WebError::invalid("bad_date", "请填写生效日期（YYYY-MM-DD）"))
        };
        let action = match action.as_str() {
            "agree" => DisputeAction::Agree {
                doc: field(&f2, "doc").to_string(),
                effective: effective()?,
                holder: holder()?,
                text: field(&f2, "text").to_string(),
            },
            "escalate" => DisputeAction::Escalate {
                reason: field(&f2, "reason").to_string(),
            },
            "opinion" => DisputeAction::Opinion {
                text: field(&f2, "text").to_string(),
            },
            "decide" => DisputeAction::Decide {
                doc: field(&f2, "doc").to_string(),
                effective: effective()?,
                holder: holder()?,
                text: field(&f2, "text").to_string(),
            },
            _ => return Err(WebError::NotFound("没有这个操作".into())),
        };
        a2.dispute_step(&u2, DisputeId(id), action)
    })
    .await;
    match r {
        Ok(note) => Ok(with_note(
            Redirect::to(&format!("/grassroots/disputes/{id}?done={}", enc(&note))).into_response(),
            format!("职责争议第 {id} 号：{note}"),
        )),
        Err(e) => refusal_or(e, |msg| dispute_page(&app, &user, id, None, Some(msg))),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/grassroots/orders", get(list))
        .route("/grassroots/orders/template.xlsx", get(template_xlsx))
        .route("/grassroots/orders/metrics", get(metrics_page))
        .route("/grassroots/orders/metrics.xlsx", get(metrics_xlsx))
        .route(
            "/grassroots/orders/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(
                crate::http::upload::SHEET_LIMIT + 256 * 1024,
            )),
        )
        .route("/grassroots/orders/{number}", get(order))
        .route("/grassroots/orders/{number}/{action}", post(order_step))
        .route("/grassroots/disputes", get(disputes))
        .route("/grassroots/disputes/{id}", get(dispute))
        .route("/grassroots/disputes/{id}/{action}", post(dispute_step))
}
