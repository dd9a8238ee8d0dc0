use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::Router;

use axum::routing::get;
use bianzhi_core::catalog::UnitKind;
use chrono::Datelike;

use crate::ledger::*;
use crate::matters::views::*;
use crate::people::views::*;
use crate::plans::views::*;
use crate::prelude::*;
use crate::units::views::*;

// ---------------------------------------------------------------- 机构

#[derive(Template)]
#[template(path = "units/units.html")]
struct UnitsPage {
    l: Layout,
    rows: Vec<UnitRow>,
    list: bool,
    page: PageInfo,
    kinds: Vec<&'static str>,
    /// 行业领域: code, name, whether a sector within a field.
    sectors: Vec<(&'static str, &'static str, bool)>,
    qtypes: Vec<(u16, String)>,
    tree: Vec<TreeStep>,
}

/// One step of the unit tree drawn as nested `<details>`: the template walks
/// the steps (askama has no recursion) and escapes every name itself.
pub(crate) enum TreeStep {
    /// A unit with units below it: opens its `<details>`.
    Node(UnitRow),
    /// A unit with none below it.
    Leaf(UnitRow),
    /// Closes the innermost open node.
    Close,
}

/// The steps that draw `rows` (in tree order with depths) as a tree.
fn tree_steps(rows: Vec<UnitRow>) -> Vec<TreeStep> {
    let mut steps = Vec::with_capacity(rows.len() * 2);
    let mut depth = 0usize;
    let next_depths: Vec<Option<usize>> = rows
        .iter()
        .skip(1)
        .map(|r| Some(r.depth))
        .chain(std::iter::once(None))
        .collect();
    for (r, next) in rows.into_iter().zip(next_depths) {
        while depth > r.depth {
            steps.push(TreeStep::Close);
            depth -= 1;
        }
        if next.is_some_and(|d| d > r.depth) {
            depth += 1;
            steps.push(TreeStep::Node(r));
        } else {
            steps.push(TreeStep::Leaf(r));
        }
    }
    steps.extend((0..depth).map(|_| TreeStep::Close));
    steps
}

async fn units(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let f = crate::units::views::unit_filter(&app, &p)?;
    let list = p.get("view") == Some("list")
        || f.q.is_some()
        || f.kind.is_some()
        || f.sector.is_some()
        || f.over
        || f.qtype.is_some()
        || f.sort != "tree";
    let scope = app.scope(&user, date);
    let rows = app.read(date, |ctx| {
        crate::units::views::units(ctx, scope.as_deref(), &f)
    });
    let l = Layout::new(
        &app,
        &user,
        "units",
        "机构",
        Url::new(uri.path(), &p),
        Some(date),
    );
    let (rows, page, tree) = if list {
        let (r, pi) = p.pager(50)?.slice(rows);
        (r, pi, Vec::new())
    } else {
        let n = rows.len();
        (
            Vec::new(),
            PageInfo {
                page: 1,
                per_page: n.max(1),
                total: n,
                pages: 1,
            },
            tree_steps(rows),
        )
    };
    let qtypes = app
        .db()
        .state()
        .quota_types
        .iter()
        .map(|q| (q.id.0, q.name.clone()))
        .collect();
    render(&UnitsPage {
        l,
        rows,
        list,
        page,
        kinds: UnitKind::ALL.iter().map(|k| k.label()).collect(),
        sectors: bianzhi_core::codes::SECTOR
            .entries
            .iter()
            .map(|c| (c.code, c.name, c.code.len() > 2))
            .collect(),
        qtypes,
        tree,
    })
}

#[derive(Template)]
#[template(path = "units/unit.html")]
struct UnitPage {
    l: Layout,
    u: UnitView,
    roster: Vec<PersonRow>,
    roster_page: PageInfo,
    ledger: Vec<LedgerLineView>,
    ledger_page: PageInfo,
    plans: Vec<PlanLineView>,
    /// 自然减员预测 of the unit and the units below it, next five years.
    forecast: Vec<crate::forecast::views::YearFlows>,
    /// 事业单位法人登记 of the unit, if registered.
    registration: Option<crate::registration::views::UnitRegistration>,
    /// 综合执法下沉 from or to the unit.
    secondments: Vec<String>,
}

async fn unit(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Path(id): Path<u32>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let rp = Pager {
        page: p.u32("roster_page")?.unwrap_or(1).max(1) as usize,
        per_page: 50,
    };
    let lp = Pager {
        page: p.u32("ledger_page")?.unwrap_or(1).max(1) as usize,
        per_page: 30,
    };
    let scope = app.scope(&user, date);
    let r = app.read(date, |ctx| -> Result<_, WebError> {
        let uid = check_unit(ctx, scope.as_deref(), id)?;
        let Some(u) = crate::units::views::unit_view(ctx, scope.as_deref(), uid) else {
            let now = ctx.live.unit(uid).map(|u| (u.name.clone(), u.established));
            let (name, est) = now.unwrap_or_default();
            return Err(WebError::NotFound(format!(
                "{name} 于 {date} 尚未设立（设立日期 {est}）"
            )));
        };
        let (roster, roster_page) = crate::people::views::roster(ctx, uid, rp);
        let (ledger, ledger_page) =
            crate::units::views::unit_history(ctx, scope.as_deref(), uid, lp);
        let (plans, _, _) = crate::plans::views::plans(
            ctx,
            None,
            &PlanFilter {
                unit: Some(uid),
                year: Some(date.year()),
                ..Default::default()
            },
            Pager {
                page: 1,
                per_page: 50,
            },
        );
        let forecast = crate::forecast::views::forecast_view(ctx, scope.as_deref(), Some(uid), 5)
            .map(|v| v.totals)
            .unwrap_or_default();
        // Shown only when someone retires within the five years.
        let forecast = if forecast.iter().any(|y| y.retirements > 0) {
            forecast
        } else {
            Vec::new()
        };
        Ok((u, roster, roster_page, ledger, ledger_page, plans, forecast))
    })?;
    let (u, roster, roster_page, ledger, ledger_page, plans, forecast) = r;
    let registration = crate::registration::views::unit_registration(&app, id, date)?;
    let secondments =
        crate::units::views::secondment_lines(&app, &user, bianzhi_core::UnitId(id), date)?;
    render(&UnitPage {
        l: Layout::new(
            &app,
            &user,
            "units",
            u.name.clone(),
            Url::new(uri.path(), &p),
            Some(date),
        ),
        u,
        roster,
        roster_page,
        ledger,
        ledger_page,
        plans,
        forecast,
        registration,
        secondments,
    })
}

/// The 机构 pages.
/// The units a search finds (all, in tree order, without one), as xlsx.
async fn units_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    use crate::http::table::text;
    use bianzhi_reports::Cell;
    let date = p.as_of(app.today())?;
    let f = crate::units::views::unit_filter(&app, &p)?;
    let scope = app.scope(&user, date);
    let rows = app.read(date, |ctx| {
        crate::units::views::units(ctx, scope.as_deref(), &f)
    });
    let mut t = bianzhi_reports::Table::new(
        "机构名录",
        &[
            "单位",
            "机构类别",
            "规格",
            "行业领域",
            "主管部门",
            "状态",
            "核定",
            "实有",
            "冻结",
            "锁定",
            "周转借入",
            "可用空编",
            "超编",
        ],
    );
    for r in &rows {
        let x = &r.figures;
        t.rows.push(vec![
            text(format!("{}{}", "　".repeat(r.depth), r.name)),
            text(&r.kind),
            text(&r.rank),
            text(r.sector.clone().unwrap_or_default()),
            text(r.parent.clone().unwrap_or_default()),
            text(&r.status),
            Cell::int(x.approved),
            Cell::int(x.actual),
            Cell::int(x.frozen),
            Cell::int(x.locked),
            Cell::int(x.borrowed),
            Cell::int(x.available),
            Cell::int(x.over),
        ]);
    }
    let t = t.with_totals();
    Ok(crate::reports::service::xlsx_response(
        &t,
        &format!("units-{date}.xlsx"),
        &format!("机构名录_{date}.xlsx"),
    )?)
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/units", get(units))
        .route("/units/xlsx", get(units_xlsx))
        .route("/units/{id}", get(unit))
}
