//! 赋权与履职清单: the delegation batches as of a date with 收回, a town's
//! three duty lists (基本 / 配合 / 上级收回), and the delegations never
//! used (for 收回 review).

use askama::Template;
use axum::extract::State;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use bianzhi_grassroots::evaluation::{idle_delegations, Period, UsageRow};
use bianzhi_grassroots::{DelegationId, District, PlaceId};
use chrono::{Datelike, NaiveDate};

use crate::prelude::*;

/// Record kind of the use counts of delegated items (one record), as the
/// other systems report them.
pub const USAGE: &str = "delegation_usage";

impl App {
    /// The use counts of delegated items per town and period.
    pub fn delegation_usage(&self) -> Result<Vec<UsageRow>, WebError> {
        Ok(match self.wf().records(USAGE)?.into_iter().next() {
            Some(r) => serde_json::from_str(&r.body).map_err(WebError::internal)?,
            None => Vec::new(),
        })
    }

    /// 收回 of a delegation (编办 only), from `date` on, by document.
    pub fn withdraw_delegation(
        &self,
        user: &User,
        id: DelegationId,
        doc: &str,
        date: NaiveDate,
        reason: &str,
    ) -> Result<(), WebError> {
        user.require(user.can_review(), "收回赋权事项（仅编办）")?;
        self.change_district(|d| {
            d.delegations
                .withdraw(id, doc, date, reason)
                .map_err(|e| WebError::invalid("withdrawal_refused", e.to_string()))
        })
    }
}

/// A delegation as shown.
pub struct DelegationRow {
    pub id: u32,
    pub item: String,
    pub from: String,
    pub to: String,
    pub mode: &'static str,
    pub conditions: String,
    pub effective: String,
    pub end: String,
    pub active: bool,
}

/// A batch as shown.
pub struct BatchRow {
    pub doc: String,
    pub decided: String,
    pub label: String,
    pub rows: Vec<DelegationRow>,
}

/// A duty line as shown: item, body, document.
type Line = (String, String, String);

#[derive(Template)]
#[template(path = "grassroots/delegations.html")]
struct DelegationsPage {
    l: Layout,
    batches: Vec<BatchRow>,
    towns: Vec<(u32, String)>,
    town: u32,
    /// The three lists: title, what the body column is, lines.
    lists: Vec<(&'static str, &'static str, Vec<Line>)>,
    idle: Vec<(String, String, String)>,
    active: Vec<(u32, String)>,
    error: Option<String>,
    done: bool,
}

pub(crate) fn place_name(d: &District, p: PlaceId) -> String {
    d.territory
        .get(p)
        .map_or_else(|| p.to_string(), |x| x.name.clone())
}

fn delegations_page(app: &App, user: &User, p: &Params, error: Option<String>) -> PageResult {
    if user.is_admin() {
        return Err(auth::no_business_data(user).into());
    }
    let date = p.as_of(app.today())?;
    let (d, _) = app.grassroots()?;
    let towns: Vec<(u32, String)> = d
        .territory
        .places()
        .filter(|x| x.kind.is_town_level())
        .map(|x| (x.id.0, x.name.clone()))
        .collect();
    let town = p
        .u32("town")?
        .filter(|t| towns.iter().any(|(x, _)| x == t))
        .or_else(|| towns.first().map(|t| t.0))
        .unwrap_or(0);
    let usage = app.delegation_usage()?;
    // The last four quarters before the date, for the 收回 review.
    let quarters: Vec<Period> = (1..=4)
        .rev()
        .filter_map(|k| {
            let q0 = (date.year() * 4 + (date.month0() as i32) / 3) - k;
            let start = NaiveDate::from_ymd_opt(q0 / 4, (q0 % 4) as u32 * 3 + 1, 1)?;
            let q1 = q0 + 1;
            let end = NaiveDate::from_ymd_opt(q1 / 4, (q1 % 4) as u32 * 3 + 1, 1)?;
            Some(Period { start, end })
        })
        .collect();
    let idle_list = if usage.is_empty() {
        Vec::new()
    } else {
        idle_delegations(&d.delegations, &usage, &quarters, 4).unwrap_or_default()
    };
    // (The layout reads the ledger: made before the ledger is held below.)
    let l = Layout::new(
        app,
        user,
        "grassroots",
        "赋权与履职清单",
        Url::new("/grassroots/delegations", p),
        Some(date),
    );
    let db = app.db();
    let st = db.state();
    let item_name = |i: bianzhi_grassroots::ItemId, on: NaiveDate| {
        d.catalogue
            .item_at(i, on)
            .or_else(|| {
                d.catalogue
                    .timeline(i)
                    .iter()
                    .rev()
                    .find_map(|v| v.item.as_ref())
            })
            .map_or_else(|| format!("事项 {}", i.0), |x| x.name.clone())
    };
    let batches = d
        .delegations
        .batches()
        .iter()
        .rev()
        .map(|b| BatchRow {
            doc: b.doc.to_string(),
            decided: b.decided.to_string(),
            label: b.label.clone(),
            rows: b
                .delegations
                .iter()
                .filter_map(|id| d.delegations.get(*id))
                .map(|x| DelegationRow {
                    id: x.id.0,
                    item: item_name(x.entry.item, x.entry.effective),
                    from: st.unit_name(x.entry.from),
                    to: x
                        .entry
                        .to
                        .iter()
                        .map(|p| place_name(&d, *p))
                        .collect::<Vec<_>>()
                        .join("、"),
                    mode: x.entry.mode.label(),
                    conditions: x.entry.conditions.clone(),
                    effective: x.entry.effective.to_string(),
                    end: x.end().map(|e| e.to_string()).unwrap_or_default(),
                    active: x.active_on(date),
                })
                .collect(),
        })
        .collect();
    let lists = d.duty_lists(PlaceId(town), date);
    let line = |l: &bianzhi_grassroots::delegation::DutyLine| {
        (l.name.clone(), st.unit_name(l.lead), l.doc.to_string())
    };
    let active = d
        .delegations
        .all()
        .iter()
        .filter(|x| x.withdrawal.is_none() && x.active_on(app.today()))
        .map(|x| {
            (
                x.id.0,
                format!(
                    "{} → {}（{}）",
                    item_name(x.entry.item, x.entry.effective),
                    x.entry
                        .to
                        .iter()
                        .map(|p| place_name(&d, *p))
                        .collect::<Vec<_>>()
                        .join("、"),
                    x.entry.mode.label()
                ),
            )
        })
        .collect();
    let idle = idle_list
        .iter()
        .map(|c| {
            (
                item_name(c.item, date),
                place_name(&d, c.town),
                format!("近 {} 个季度未使用", c.periods.len()),
            )
        })
        .collect();
    let page = DelegationsPage {
        l,
        batches,
        towns,
        town,
        lists: vec![
            (
                "基本履职事项（必须为、负全责）",
                "承担",
                lists.basic.iter().map(line).collect(),
            ),
            (
                "配合履职事项（配合为、尽次责）",
                "主办部门",
                lists.cooperating.iter().map(line).collect(),
            ),
            (
                "上级部门收回事项",
                "收回部门",
                lists.withdrawn.iter().map(line).collect(),
            ),
        ],
        idle,
        active,
        error,
        done: p.get("done").is_some(),
    };
    drop(db);
    render(&page)
}

async fn delegations(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    blocking(move || Ok(delegations_page(&app, &user, &p, None))).await?
}

async fn withdraw(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2, f2) = (app.clone(), user.clone(), form.clone());
    let r = blocking(move || {
        let id = field(&f2, "delegation")
            .parse()
            .map(DelegationId)
            .map_err(|_| WebError::invalid("missing_field", "请选择收回的事项"))?;
        let date = crate::http::params::parse_date(field(&f2, "date"))
            .map_err(|_| WebError::invalid("bad_date", "请填写收回日期（YYYY-MM-DD）"))?;
        a2.withdraw_delegation(&u2, id, field(&f2, "doc"), date, field(&f2, "reason"))?;
        Ok((id, date))
    })
    .await;
    match r {
        Ok((id, date)) => Ok(with_note(
            Redirect::to("/grassroots/delegations?done=1").into_response(),
            format!("收回赋权事项：第 {} 项，{date} 起", id.0),
        )),
        Err(e) => refusal_or(e, |msg| {
            delegations_page(&app, &user, &Params::default(), Some(msg))
        }),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/grassroots/delegations", get(delegations))
        .route("/grassroots/delegations/withdraw", post(withdraw))
}
