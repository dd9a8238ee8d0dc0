//! 赋权与履职清单: the delegation batches as of a date with 收回, a town's
//! three duty lists (基本 / 配合 / 上级收回), and the delegations never
//! used (for 收回 review). The 编办 records a batch from a spreadsheet
//! (登记赋权批次) and takes in the use counts other systems report
//! (导入使用情况); both all or nothing, with the templates to fill.

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use bianzhi_grassroots::delegation::{BatchDecision, DelegationEntry, DelegationError};
use bianzhi_grassroots::evaluation::{idle_delegations, Period, UsageRow};
use bianzhi_grassroots::{DelegationId, District, ItemId, PlaceId};
use bianzhi_reports::delegations::DelegationImportError;
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

    /// Records a delegation batch from a spreadsheet (编办 only), all or
    /// nothing: a bad cell is named by row, column and reason; a refusal of
    /// the core names the file's row. Answers the batch's number and how
    /// many entries it has.
    pub fn decide_delegation_file(
        &self,
        user: &User,
        bytes: &[u8],
        ext: &str,
        doc: &str,
        decided: NaiveDate,
        label: &str,
    ) -> Result<(u32, usize), WebError> {
        user.require(user.can_review(), "登记赋权批次（仅编办）")?;
        bianzhi_core::ident::parse_doc_no(doc)
            .map_err(|e| WebError::invalid("invalid_doc", format!("文号有误：{e}")))?;
        let (d, _) = self.grassroots()?;
        let rows = {
            let db = self.db();
            let st = db.state();
            let item = item_resolver(&d, &[decided, self.today()]);
            let unit = |name: &str| {
                // By full name, or by a short name only one unit bears.
                crate::ledger::find_unit(st, &crate::ledger::UnitKey::Name(name.to_string())).ok()
            };
            let place = |name: &str| town_by_name(&d, name);
            bianzhi_reports::delegations::import_batch_rows(bytes, ext, &item, &unit, &place)
        }
        .map_err(import_refusal)?;
        let lines: Vec<usize> = rows.iter().map(|(n, _)| *n).collect();
        let entries: Vec<DelegationEntry> = rows.into_iter().map(|(_, e)| e).collect();
        let n = entries.len();
        let batch = BatchDecision {
            doc: doc.trim().to_owned(),
            decided,
            label: label.trim().to_owned(),
            entries,
        };
        let id = self.change_district(|d| {
            d.decide(batch.clone()).map(|id| id.0).map_err(|e| {
                let db = self.db();
                let msg = batch_refusal(d, db.state(), &lines, &e);
                WebError::invalid("delegation_refused", format!("赋权批次未登记：{msg}"))
            })
        })?;
        Ok((id, n))
    }

    /// Takes in the use counts of delegated items from a spreadsheet (编办
    /// only), all or nothing. Rows are kept by (item, town, period): a row
    /// of the file replaces a stored row of the same item, town and period;
    /// others are added. Answers how many rows the file had and how many of
    /// them replaced stored ones.
    pub fn import_delegation_usage(
        &self,
        user: &User,
        bytes: &[u8],
        ext: &str,
    ) -> Result<(usize, usize), WebError> {
        user.require(user.can_review(), "导入赋权事项使用情况（仅编办）")?;
        let (d, _) = self.grassroots()?;
        let rows = {
            let item = item_resolver(&d, &[self.today()]);
            let place = |name: &str| town_by_name(&d, name);
            bianzhi_reports::delegations::import_usage(bytes, ext, &item, &place)
        }
        .map_err(import_refusal)?;
        for _ in 0..5 {
            let stored = self.wf().records(USAGE)?.into_iter().next();
            let mut all: Vec<UsageRow> = match &stored {
                Some(r) => serde_json::from_str(&r.body).map_err(WebError::internal)?,
                None => Vec::new(),
            };
            let before = all.len();
            all.retain(|o| {
                !rows
                    .iter()
                    .any(|r| (r.item, r.town, r.period) == (o.item, o.town, o.period))
            });
            let replaced = before - all.len();
            all.extend(rows.iter().copied());
            let body = serde_json::to_string(&all).map_err(WebError::internal)?;
            let mut wf = self.wf();
            let saved = match &stored {
                None => {
                    wf.records(USAGE)?.is_empty() && {
                        wf.insert_record(USAGE, &body, self.now())?;
                        true
                    }
                }
                Some(r) => wf
                    .update_record(USAGE, r.id, r.version, &body, self.now())?
                    .is_some(),
            };
            if saved {
                return Ok((rows.len(), replaced));
            }
        }
        Err(WebError::Conflict(
            "使用情况正被他人同时导入，请稍后重试".into(),
        ))
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

/// The sheet's refusal as the page shows it.
fn import_refusal(e: DelegationImportError) -> WebError {
    match e {
        DelegationImportError::Sheet(e) => WebError::invalid("bad_file", e.to_string()),
        e => WebError::invalid("bad_rows", e.to_string()),
    }
}

/// An item by 事项编码 or 事项名称: among the items in force on the first
/// of `dates`, then the next.
fn item_resolver<'a>(d: &District, dates: &[NaiveDate]) -> impl Fn(&str) -> Option<ItemId> + 'a {
    let lists: Vec<Vec<(ItemId, String, String)>> = dates
        .iter()
        .map(|&on| {
            d.catalogue
                .as_of(on)
                .into_values()
                .map(|i| (i.id, i.code, i.name))
                .collect()
        })
        .collect();
    move |s: &str| {
        let s = s.trim();
        lists.iter().find_map(|l| {
            l.iter()
                .find(|(_, code, _)| code == s)
                .or_else(|| l.iter().find(|(_, _, name)| name == s))
                .map(|(id, ..)| *id)
        })
    }
}

/// The names a governing body adds to its place's (潘黄街道办事处 is the
/// place 潘黄街道).
const BODY_SUFFIXES: [&str; 5] = ["办事处", "人民政府", "政府", "管理委员会", "管委会"];

/// A 镇, 街道 or 园区 by its name, its code, or its name without the
/// governing body's suffix.
fn town_by_name(d: &District, name: &str) -> Option<PlaceId> {
    let name = name.trim();
    let towns = || d.territory.places().filter(|p| p.kind.is_town_level());
    towns()
        .find(|p| p.name == name || p.code == name)
        .or_else(|| {
            towns().find(|p| {
                BODY_SUFFIXES
                    .iter()
                    .any(|s| p.name.strip_suffix(s) == Some(name))
            })
        })
        .map(|p| p.id)
}

/// The core's refusal of a batch with the item and unit names, and the
/// file's row instead of the entry's position.
fn batch_refusal(
    d: &District,
    st: &bianzhi_core::State,
    lines: &[usize],
    e: &DelegationError,
) -> String {
    use DelegationError as E;
    let item = |i: ItemId| {
        d.catalogue
            .timeline(i)
            .iter()
            .rev()
            .find_map(|v| v.item.as_ref())
            .map_or_else(|| i.to_string(), |x| format!("“{}”", x.name))
    };
    let (row, msg) = match e {
        E::ItemNotInForce { row, item: i, date } => {
            (*row, format!("事项{}在生效日期 {date} 不在用", item(*i)))
        }
        E::NotLeaf {
            row,
            item: i,
            children,
        } => (
            *row,
            format!(
                "事项{}是主项，下有 {children} 个子项，只能赋权子项",
                item(*i)
            ),
        ),
        E::NotHolder {
            row,
            item: i,
            date,
            holder,
            from,
        } => (
            *row,
            format!(
                "事项{}在 {date} 由{}实施，不是原实施部门{}",
                item(*i),
                st.unit_name(*holder),
                st.unit_name(*from)
            ),
        ),
        E::Overlap {
            row,
            item: i,
            name,
            date,
            existing,
        } => {
            // The batch's own entries come after the recorded ones.
            let recorded = d.delegations.all().len();
            let with = match existing.0.checked_sub(recorded as u32) {
                Some(k) => match lines.get(k as usize) {
                    Some(line) => format!("与本批第 {line} 行重复"),
                    None => format!("与本批第 {} 项重复", k + 1),
                },
                None => {
                    let batch = d
                        .delegations
                        .get(*existing)
                        .and_then(|x| d.delegations.batch(x.batch))
                        .map(|b| format!("（{}，{}）", b.label, b.doc))
                        .unwrap_or_default();
                    format!("已有 {date} 起生效的赋权{batch}")
                }
            };
            (*row, format!("事项{}在{name}{with}", item(*i)))
        }
        E::NoPlace { row }
        | E::DuplicatePlace { row, .. }
        | E::UnknownPlace { row, .. }
        | E::NotTownLevel { row, .. }
        | E::NoGoverningBody { row, .. }
        | E::EffectiveBeforeDecision { row, .. }
        | E::BadChainParent { row, .. }
        | E::ChainFromNotRecipient { row, .. }
        | E::BadTerm { row, .. }
        | E::TermBeyondParent { row, .. } => {
            let text = e.to_string();
            let prefix = format!("第 {row} 项：");
            (*row, text.strip_prefix(&prefix).unwrap_or(&text).to_owned())
        }
        e => return e.to_string(),
    };
    match row.checked_sub(1).and_then(|i| lines.get(i)) {
        Some(line) => format!("第 {line} 行：{msg}"),
        None => format!("第 {row} 项：{msg}"),
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
    /// The quarters the 收回 review looked at, and those without data.
    looked: Vec<String>,
    no_data: Vec<String>,
    usage_rows: usize,
    active: Vec<(u32, String)>,
    error: Option<String>,
    done: Option<String>,
}

/// A quarter as the page names it: 2025年第1季度（2025-01-01 至 2025-03-31）.
fn quarter_label(q: &Period) -> String {
    let last = q.end.pred_opt().unwrap_or(q.end);
    format!(
        "{}年第{}季度（{} 至 {last}）",
        q.start.year(),
        q.start.month0() / 3 + 1,
        q.start
    )
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
    // Each reported row counts for every quarter its period overlaps (a
    // count over a half year that is not zero is use in each of its
    // quarters); the quarters no row overlaps have no data and are left
    // out of the review rather than read as unused.
    let overlaps = |r: &UsageRow, q: &Period| r.period.start < q.end && q.start < r.period.end;
    let looked: Vec<Period> = quarters
        .iter()
        .filter(|q| usage.iter().any(|r| overlaps(r, q)))
        .copied()
        .collect();
    let no_data: Vec<String> = quarters
        .iter()
        .filter(|q| !looked.contains(q))
        .map(quarter_label)
        .collect();
    let folded: Vec<UsageRow> = usage
        .iter()
        .flat_map(|r| {
            looked
                .iter()
                .filter(|q| overlaps(r, q))
                .map(|q| UsageRow { period: *q, ..*r })
        })
        .collect();
    let idle_list = if looked.is_empty() {
        Vec::new()
    } else {
        idle_delegations(&d.delegations, &folded, &looked, looked.len()).unwrap_or_default()
    };
    // Before the ledger's lock is taken: the layout takes it too.
    let layout = Layout::new(
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
                format!("所评估的 {} 个季度均未使用", c.periods.len()),
            )
        })
        .collect();
    let page = DelegationsPage {
        l: layout,
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
        looked: looked.iter().map(quarter_label).collect(),
        no_data,
        usage_rows: usage.len(),
        active,
        error,
        done: if let Some(n) = p.get("imported") {
            Some(format!("已登记赋权批次，共 {n} 项。"))
        } else if let Some(n) = p.get("usage") {
            Some(format!(
                "已导入使用情况 {n} 行（其中替换原有 {} 行）。",
                p.get("replaced").unwrap_or("0")
            ))
        } else {
            p.get("done").map(|_| "已收回。".to_owned())
        },
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

/// The page again with the refusal, under the refusal's status.
async fn refused(app: AppState, user: User, e: WebError) -> PageResult {
    crate::http::upload::page_again(e, move |msg| {
        delegations_page(&app, &user, &Params::default(), Some(msg))
    })
    .await
}

/// 登记赋权批次: 文号, 决定日期, 批次名称 and the file.
async fn import(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    mp: Multipart,
) -> PageResult {
    let up = match crate::http::upload::read(mp).await {
        Ok(u) => u,
        Err(e) => return refused(app, user, e).await,
    };
    if up.fields.get("_csrf") != Some(&user.csrf) {
        return Err(WebError::Csrf.into());
    }
    user.require(user.can_review(), "登记赋权批次（仅编办）")?;
    let text = |k: &str| {
        up.fields
            .get(k)
            .map(|s| s.trim().to_owned())
            .unwrap_or_default()
    };
    let (doc, label) = (text("doc"), text("label"));
    let decided = match crate::http::params::parse_date(&text("decided")) {
        Ok(d) => d,
        Err(_) => {
            let e = WebError::invalid("bad_date", "请填写决定日期（YYYY-MM-DD）");
            return refused(app, user, e).await;
        }
    };
    if label.is_empty() {
        let e = WebError::invalid("missing_field", "请填写批次名称（如“首批”）");
        return refused(app, user, e).await;
    }
    let (name, bytes, ext) = match crate::http::upload::spreadsheet(up.file, "赋权批次") {
        Ok(f) => f,
        Err(e) => return refused(app, user, e).await,
    };
    let (a2, u2, d2, l2) = (app.clone(), user.clone(), doc.clone(), label.clone());
    let r = blocking(move || {
        crate::http::upload::guarded(|| {
            a2.decide_delegation_file(&u2, &bytes, &ext, &d2, decided, &l2)
        })
    })
    .await;
    match r {
        Ok((_, n)) => Ok(with_note(
            Redirect::to(&format!("/grassroots/delegations?imported={n}")).into_response(),
            format!("登记赋权批次：{label}，{doc}，{decided} 决定，{n} 项（{name}）"),
        )),
        Err(e @ (WebError::Internal(_) | WebError::Forbidden(_))) => Err(e.into()),
        Err(e) => refused(app, user, e).await,
    }
}

/// 导入使用情况: the file.
async fn usage(State(app): State<AppState>, PageUser(user): PageUser, mp: Multipart) -> PageResult {
    let up = match crate::http::upload::read(mp).await {
        Ok(u) => u,
        Err(e) => return refused(app, user, e).await,
    };
    if up.fields.get("_csrf") != Some(&user.csrf) {
        return Err(WebError::Csrf.into());
    }
    user.require(user.can_review(), "导入赋权事项使用情况（仅编办）")?;
    let (name, bytes, ext) = match crate::http::upload::spreadsheet(up.file, "使用情况") {
        Ok(f) => f,
        Err(e) => return refused(app, user, e).await,
    };
    let (a2, u2) = (app.clone(), user.clone());
    let r = blocking(move || {
        crate::http::upload::guarded(|| a2.import_delegation_usage(&u2, &bytes, &ext))
    })
    .await;
    match r {
        Ok((n, replaced)) => Ok(with_note(
            Redirect::to(&format!(
                "/grassroots/delegations?usage={n}&replaced={replaced}"
            ))
            .into_response(),
            format!("导入赋权事项使用情况：{name}，{n} 行，替换 {replaced} 行"),
        )),
        Err(e @ (WebError::Internal(_) | WebError::Forbidden(_))) => Err(e.into()),
        Err(e) => refused(app, user, e).await,
    }
}

async fn batch_template(PageUser(_user): PageUser) -> Result<Response, PageError> {
    Ok(crate::reports::service::xlsx_response(
        &bianzhi_reports::delegations::batch_template(),
        "delegation-template.xlsx",
        "赋权批次导入模板.xlsx",
    )?)
}

async fn usage_template(PageUser(_user): PageUser) -> Result<Response, PageError> {
    Ok(crate::reports::service::xlsx_response(
        &bianzhi_reports::delegations::usage_template(),
        "delegation-usage-template.xlsx",
        "赋权事项使用情况导入模板.xlsx",
    )?)
}

pub fn routes() -> Router<AppState> {
    let limit = || DefaultBodyLimit::max(crate::http::upload::SHEET_LIMIT + 256 * 1024);
    Router::new()
        .route("/grassroots/delegations", get(delegations))
        .route("/grassroots/delegations/withdraw", post(withdraw))
        .route(
            "/grassroots/delegations/import",
            post(import).layer(limit()),
        )
        .route("/grassroots/delegations/usage", post(usage).layer(limit()))
        .route("/grassroots/delegations/template.xlsx", get(batch_template))
        .route(
            "/grassroots/delegations/usage-template.xlsx",
            get(usage_template),
        )
}
