use askama::Template;
use axum::extract::{OriginalUri, State};
use axum::routing::get;
use axum::Router;

use crate::http::table::{table_view, TableView};
use crate::prelude::*;
use crate::reports::service::{build, request};

/// One tab of the page: its code, name, report tables and the matters it offers.
struct Tab {
    code: &'static str,
    label: &'static str,
    /// Report kinds shown on the tab.
    reports: &'static [&'static str],
    /// Operations offered: code and the button's words.
    actions: &'static [(&'static str, &'static str)],
}

const TABS: &[Tab] = &[
    Tab {
        code: "pool",
        label: "周转池",
        reports: &["pool", "loans"],
        actions: &[
            ("fund_pool", "核定周转编制"),
            ("lend", "借出"),
            ("return_loan", "归还"),
            ("reclaim", "核减收回"),
            ("reclaim_unit_quotas", "收回撤并单位编制"),
        ],
    },
    Tab {
        code: "bridges",
        label: "过桥编制",
        reports: &["bridges"],
        actions: &[("bridge_transfer", "过桥调动")],
    },
    Tab {
        code: "phased",
        label: "承兑编制",
        reports: &["phased"],
        actions: &[("grant_phased", "核准承兑编制")],
    },
    Tab {
        code: "dynamic",
        label: "动态编制",
        reports: &["dynamic"],
        actions: &[("grant_dynamic", "下达动态编制")],
    },
    Tab {
        code: "filed",
        label: "备案制",
        reports: &["filed"],
        actions: &[
            ("set_staff_cap", "核定人员控制总量"),
            ("register_filed", "备案人员登记"),
            ("directed_enrol", "定向入编"),
        ],
    },
];

/// A table on the page with its downloads.
struct Section {
    code: &'static str,
    title: String,
    t: TableView,
    query: String,
    /// For the loans table: per row, the loan number when it can be returned.
    returnable: Vec<Option<String>>,
}

impl Section {
    /// The loan number of row `i` when it can still be returned, else empty.
    fn loan(&self, i: &usize) -> &str {
        self.returnable
            .get(*i)
            .and_then(|n| n.as_deref())
            .unwrap_or("")
    }
}

#[derive(Template)]
#[template(path = "instruments/instruments.html")]
struct InstrumentsPage {
    l: Layout,
    tabs: Vec<(&'static str, &'static str)>,
    tab: &'static str,
    actions: Vec<(&'static str, &'static str)>,
    sections: Vec<Section>,
    can_record: bool,
    /// 周转池 tab, the 编办: the pool's projected inflow per year and its
    /// balance at each year's end (自然减员预测).
    inflow: Vec<crate::forecast::views::YearFlows>,
}

async fn instruments(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let tab = match p.get("tab") {
        None => &TABS[0],
        Some(t) => TABS
            .iter()
            .find(|x| x.code == t)
            .ok_or_else(|| WebError::invalid("invalid_field", format!("没有“{t}”这一栏")))?,
    };
    let sections = {
        let p = p.clone();
        let app2 = app.clone();
        let user2 = user.clone();
        blocking(move || -> Result<Vec<Section>, WebError> {
            let mut out = Vec::new();
            for kind in tab.reports {
                let r = request(&app2, &user2, kind, &p)?;
                let t = build(&app2, &r);
                let returnable = if *kind == "loans" {
                    t.rows
                        .iter()
                        .map(|row| {
                            let done = row.last().map(|c| c.as_text()) == Some("已还".into());
                            (!done).then(|| row[0].as_text())
                        })
                        .collect()
                } else {
                    Vec::new()
                };
                out.push(Section {
                    code: kind,
                    title: t.title.clone(),
                    t: table_view(&t, &t.rows),
                    query: r.query(false),
                    returnable,
                });
            }
            Ok(out)
        })
        .await?
    };
    let inflow = if tab.code == "pool" && app.scope(&user, date).is_none() {
        app.read(date, |ctx| {
            crate::forecast::views::forecast_view(ctx, None, None, 5).map(|v| v.totals)
        })
        .unwrap_or_default()
    } else {
        Vec::new()
    };
    render(&InstrumentsPage {
        inflow,
        l: Layout::new(
            &app,
            &user,
            "instruments",
            format!("调控工具 · {}", tab.label),
            Url::new(uri.path(), &p),
            Some(date),
        ),
        tabs: TABS.iter().map(|t| (t.code, t.label)).collect(),
        tab: tab.code,
        actions: tab.actions.to_vec(),
        sections,
        can_record: user.can_record(),
    })
}

/// The 调控工具 pages.
pub fn routes() -> Router<AppState> {
    Router::new().route("/instruments", get(instruments))
}
