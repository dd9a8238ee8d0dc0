//! 综合行政执法: the enforcement catalogue with each item's original
//! department and basis, the concentrations (相对集中) and the staff sent
//! down (下沉) to towns with their 编制 body, as of a date; and the 编办's
//! forms recording them: the catalogue's import (xlsx, xls or csv, all or
//! nothing), 相对集中 and its end, and 下沉 by headcount or by named
//! people of the body's 编制 on the date.

use askama::Template;
use axum::extract::{Multipart, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use bianzhi_core::{PersonId, UnitId};
use bianzhi_grassroots::{ConcentrationId, ItemId, PlaceId, Secondment, Staff};
use bianzhi_reports::enforcement::{import_enforcement, EnforcementImportError, Resolvers};
use chrono::NaiveDate;

use crate::grassroots::delegations::place_name;
use crate::ledger::unit_in_scope;
use crate::prelude::*;

impl App {
    /// Imports the enforcement catalogue (综合行政执法事项目录) from a
    /// spreadsheet, all or nothing: every bad cell is named by row, column
    /// and reason, and nothing is recorded. Answers how many lines it added.
    pub fn import_enforcement(
        &self,
        user: &User,
        bytes: &[u8],
        ext: &str,
    ) -> Result<usize, WebError> {
        user.require(user.can_review(), "导入综合行政执法事项目录（仅编办）")?;
        let today = self.today();
        let units: Vec<(String, Option<String>, UnitId)> = {
            let db = self.db();
            db.state()
                .units
                .iter()
                .flatten()
                .filter(|u| u.is_active())
                .map(|u| (u.name.clone(), u.short_name.clone(), u.id))
                .collect()
        };
        let unit = |name: &str| {
            let name = name.trim();
            units
                .iter()
                .find(|(n, _, _)| n == name)
                .or_else(|| units.iter().find(|(_, s, _)| s.as_deref() == Some(name)))
                .map(|(_, _, id)| *id)
        };
        self.change_district(|d| {
            let lines = {
                let items = d.catalogue.as_of(today);
                let item = |s: &str| {
                    let s = s.trim();
                    items
                        .values()
                        .find(|i| i.code == s)
                        .or_else(|| items.values().find(|i| i.name == s))
                        .map(|i| i.id)
                };
                import_enforcement(
                    bytes,
                    ext,
                    &Resolvers {
                        item: &item,
                        unit: &unit,
                        catalogue: &d.catalogue,
                        into: &d.enforcement,
                    },
                )
            }
            .map_err(|e| match e {
                EnforcementImportError::Sheet(e) => WebError::invalid("bad_file", e.to_string()),
                e => WebError::invalid("bad_rows", e.to_string()),
            })?;
            let n = lines.len();
            for line in lines {
                d.enforcement
                    .catalogue_item(&d.catalogue, line)
                    .map_err(|e| WebError::invalid("enforcement_refused", e.to_string()))?;
            }
            Ok(n)
        })
    }

    /// 相对集中: `items` of the enforcement catalogue go to `body` from
    /// `effective` by `doc` (编办 only).
    pub fn concentrate(
        &self,
        user: &User,
        doc: &str,
        effective: NaiveDate,
        body: UnitId,
        items: Vec<ItemId>,
    ) -> Result<ConcentrationId, WebError> {
        user.require(user.can_review(), "登记相对集中行政处罚权（仅编办）")?;
        self.active_unit(body, effective, "综合执法机构")?;
        self.change_district(|d| {
            d.enforcement
                .concentrate(&d.catalogue, doc, effective, body, items.clone())
                .map_err(|e| WebError::invalid("concentration_refused", e.to_string()))
        })
    }

    /// Ends a concentration on `date` by `doc` (编办 only).
    pub fn end_concentration(
        &self,
        user: &User,
        id: ConcentrationId,
        doc: &str,
        date: NaiveDate,
        reason: &str,
    ) -> Result<(), WebError> {
        user.require(user.can_review(), "终止相对集中行政处罚权（仅编办）")?;
        if reason.trim().is_empty() {
            return Err(WebError::invalid("missing_field", "请填写终止理由"));
        }
        self.change_district(|d| {
            d.enforcement
                .end_concentration(id, doc, date, reason.trim())
                .map_err(|e| WebError::invalid("concentration_refused", e.to_string()))
        })
    }

    /// 下沉 of staff of `body` to a town, street or park from `date` (编办
    /// only); named people must be in the body's 编制 on the date.
    pub fn send_down(
        &self,
        user: &User,
        body: UnitId,
        town: PlaceId,
        date: NaiveDate,
        staff: Staff,
    ) -> Result<(), WebError> {
        user.require(user.can_review(), "登记执法力量下沉（仅编办）")?;
        let name = self.active_unit(body, date, "原单位")?;
        if let Staff::Persons { persons } = &staff {
            let roster: Vec<PersonId> = self.read(date, |ctx| {
                bianzhi_core::query::roster_at(ctx.st, body, ctx.date)
                    .into_iter()
                    .map(|(p, _)| p)
                    .collect()
            });
            let db = self.db();
            let st = db.state();
            let strangers: Vec<String> = persons
                .iter()
                .filter(|p| !roster.contains(p))
                .map(|p| {
                    st.person(*p)
                        .map_or_else(|| format!("人员 {}", p.0), |x| x.details.name.clone())
                })
                .collect();
            if !strangers.is_empty() {
                return Err(WebError::invalid(
                    "not_in_unit",
                    format!(
                        "{} 在 {date} 不在{name}的编制内，不能作为该单位的下沉人员",
                        strangers.join("、")
                    ),
                ));
            }
        }
        self.change_district(|d| {
            d.enforcement
                .send_down(
                    &d.territory,
                    Secondment {
                        body,
                        town,
                        staff: staff.clone(),
                        date,
                    },
                )
                .map_err(|e| WebError::invalid("secondment_refused", e.to_string()))
        })
    }

    /// The unit's name when it is in the ledger and established on `date`.
    fn active_unit(&self, unit: UnitId, date: NaiveDate, what: &str) -> Result<String, WebError> {
        let db = self.db();
        let st = db.state();
        match st.unit(unit) {
            Some(u) if u.established <= date && u.abolished_on.is_none_or(|a| date < a) => {
                Ok(u.name.clone())
            }
            Some(u) => Err(WebError::invalid(
                "unit_not_active",
                format!("{what}“{}”在 {date} 未设立或已撤销", u.name),
            )),
            None => Err(WebError::invalid("missing_field", format!("请选择{what}"))),
        }
    }
}

/// A 下沉 as shown: body (id, name), town, date, headcount, and the persons
/// (id, name) the viewer may see.
type SecondmentRow = (u32, String, String, String, u32, Vec<(u32, String)>);

#[derive(Template)]
#[template(path = "grassroots/enforcement.html")]
struct EnforcementPage {
    l: Layout,
    /// Item, original department, domain, basis, held by (concentration).
    items: Vec<(String, String, &'static str, String, String)>,
    /// Id, document, body, from, to, items.
    concentrations: Vec<(u32, String, String, String, String, usize)>,
    secondments: Vec<SecondmentRow>,
    /// The forms' choices (编办 only): ledger units, towns, catalogued items
    /// not concentrated today, concentrations not ended.
    units: Vec<(u32, String)>,
    towns: Vec<(u32, String)>,
    free_items: Vec<(u32, String)>,
    open: Vec<(u32, String)>,
    /// The 下沉 form's body and date, and its people in 编制 on the date.
    down_body: u32,
    down_date: String,
    people: Vec<(u32, String)>,
    error: Option<String>,
    done: Option<String>,
}

fn enforcement_page(app: &App, user: &User, p: &Params, error: Option<String>) -> PageResult {
    if user.is_admin() {
        return Err(auth::no_business_data(user).into());
    }
    let date = p.as_of(app.today())?;
    let today = app.today();
    let (d, _) = app.grassroots()?;
    let e = &d.enforcement;
    let sees: Vec<bool> = e
        .secondments()
        .iter()
        .map(|s| user.can_review() || unit_in_scope(app, user, Some(s.body)))
        .collect();
    let down_body = p.u32("body")?.unwrap_or(0);
    let down_date = match p.get("down_date") {
        Some(s) if !s.is_empty() => crate::http::params::parse_date(s)
            .map_err(|_| WebError::invalid("bad_date", "日期应为 YYYY-MM-DD"))?,
        _ => today,
    };
    let people: Vec<(u32, String)> = if user.can_review() && down_body > 0 {
        app.read(down_date, |ctx| {
            bianzhi_core::query::roster_at(ctx.st, UnitId(down_body), ctx.date)
                .into_iter()
                .filter_map(|(pid, _)| {
                    ctx.live
                        .person(pid)
                        .map(|x| (pid.0, x.details.name.clone()))
                })
                .collect()
        })
    } else {
        Vec::new()
    };
    let db = app.db();
    let st = db.state();
    let item_label = |i: ItemId| {
        d.catalogue
            .item_at(i, today)
            .or_else(|| {
                d.catalogue
                    .timeline(i)
                    .iter()
                    .rev()
                    .find_map(|v| v.item.as_ref())
            })
            .map_or_else(
                || format!("事项 {}", i.0),
                |x| format!("{} · {}", x.code, x.name),
            )
    };
    let mut items: Vec<_> = e
        .items()
        .filter_map(|x| {
            let item = d.catalogue.item_at(x.item, date)?;
            let held = e
                .concentrated_at(x.item, date)
                .map(|c| st.unit_name(c.body))
                .unwrap_or_else(|| st.unit_name(x.original));
            Some((
                format!("{} · {}", item.code, item.name),
                st.unit_name(x.original),
                x.domain.label(),
                x.basis.clone(),
                held,
            ))
        })
        .collect();
    items.sort();
    let concentrations = e
        .concentrations()
        .iter()
        .map(|c| {
            (
                c.id.0,
                c.doc.to_string(),
                st.unit_name(c.body),
                c.effective.to_string(),
                c.end
                    .as_ref()
                    .map(|w| w.date.to_string())
                    .unwrap_or_default(),
                c.items.len(),
            )
        })
        .collect();
    let secondments = e
        .secondments()
        .iter()
        .zip(sees)
        .filter(|(s, _)| s.date <= date)
        .map(|(s, sees)| {
            let persons = match (&s.staff, sees) {
                (Staff::Persons { persons }, true) => persons
                    .iter()
                    .filter_map(|id| st.person(*id).map(|x| (id.0, x.details.name.clone())))
                    .collect(),
                _ => Vec::new(),
            };
            (
                s.body.0,
                st.unit_name(s.body),
                place_name(&d, s.town),
                s.date.to_string(),
                s.staff.headcount(),
                persons,
            )
        })
        .collect();
    let (units, towns, free_items, open) = if user.can_review() {
        let units = st
            .units
            .iter()
            .flatten()
            .filter(|u| u.is_active())
            .map(|u| (u.id.0, u.name.clone()))
            .collect();
        let towns = d
            .territory
            .places()
            .filter(|x| x.kind.is_town_level())
            .map(|x| (x.id.0, x.name.clone()))
            .collect();
        let mut free: Vec<(u32, String)> = e
            .items()
            .filter(|x| {
                e.concentrations()
                    .iter()
                    .all(|c| !c.items.contains(&x.item) || c.end.is_some())
            })
            .map(|x| {
                (
                    x.item.0,
                    format!("{}（{}）", item_label(x.item), st.unit_name(x.original)),
                )
            })
            .collect();
        free.sort_by(|a, b| a.1.cmp(&b.1));
        let open = e
            .concentrations()
            .iter()
            .filter(|c| c.end.is_none())
            .map(|c| {
                (
                    c.id.0,
                    format!(
                        "{}（{}，{} 起，{} 项）",
                        c.doc,
                        st.unit_name(c.body),
                        c.effective,
                        c.items.len()
                    ),
                )
            })
            .collect();
        (units, towns, free, open)
    } else {
        Default::default()
    };
    drop(db);
    let page = EnforcementPage {
        l: Layout::new(
            app,
            user,
            "grassroots",
            "综合行政执法",
            Url::new("/grassroots/enforcement", p),
            Some(date),
        ),
        items,
        concentrations,
        secondments,
        units,
        towns,
        free_items,
        open,
        down_body,
        down_date: down_date.to_string(),
        people,
        error,
        done: p.get("done").map(str::to_string),
    };
    render(&page)
}

async fn enforcement(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    blocking(move || Ok(enforcement_page(&app, &user, &p, None))).await?
}

async fn template_xlsx(PageUser(_user): PageUser) -> Result<Response, PageError> {
    Ok(crate::reports::service::xlsx_response(
        &bianzhi_reports::enforcement::template(),
        "enforcement-template.xlsx",
        "综合行政执法事项目录导入模板.xlsx",
    )?)
}

/// Answers a refused form with the page and the reason (422 and the like).
fn refused(app: AppState, user: User, e: WebError) -> PageResult {
    refusal_or(e, |msg| {
        enforcement_page(&app, &user, &Params::default(), Some(msg))
    })
}

fn done(what: &str, note: String) -> PageResult {
    Ok(with_note(
        Redirect::to(&format!(
            "/grassroots/enforcement?done={}",
            crate::http::page::enc(what)
        ))
        .into_response(),
        note,
    ))
}

fn date_field(form: &[(String, String)], k: &str, what: &str) -> Result<NaiveDate, WebError> {
    crate::http::params::parse_date(field(form, k))
        .map_err(|_| WebError::invalid("bad_date", format!("请填写{what}（YYYY-MM-DD）")))
}

fn id_field(form: &[(String, String)], k: &str, what: &str) -> Result<u32, WebError> {
    field(form, k)
        .parse()
        .map_err(|_| WebError::invalid("missing_field", format!("请选择{what}")))
}

fn ids(form: &[(String, String)], k: &str) -> Result<Vec<u32>, WebError> {
    form.iter()
        .filter(|(fk, v)| fk == k && !v.trim().is_empty())
        .map(|(_, v)| {
            v.trim()
                .parse()
                .map_err(|_| WebError::invalid("bad_field", format!("“{v}”不是有效的编号")))
        })
        .collect()
}

async fn import(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    mp: Multipart,
) -> PageResult {
    let up = match crate::http::upload::read(mp).await {
        Ok(u) => u,
        Err(e) => {
            let (a, u) = (app.clone(), user.clone());
            return blocking(move || Ok(refused(a, u, e))).await?;
        }
    };
    if up.fields.get("_csrf") != Some(&user.csrf) {
        return Err(WebError::Csrf.into());
    }
    user.require(user.can_review(), "导入综合行政执法事项目录（仅编办）")?;
    let (a2, u2) = (app.clone(), user.clone());
    let r = blocking(move || {
        let (name, bytes, ext) = crate::http::upload::spreadsheet(up.file, "综合行政执法事项目录")?;
        let n = crate::http::upload::guarded(|| a2.import_enforcement(&u2, &bytes, &ext))?;
        Ok((name, n))
    })
    .await;
    match r {
        Ok((name, n)) => done(
            &format!("已导入 {n} 项执法事项"),
            format!("导入综合行政执法事项目录：{name}，{n} 项"),
        ),
        Err(e) => blocking(move || Ok(refused(app, user, e))).await?,
    }
}

async fn concentrate(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2) = (app.clone(), user.clone());
    blocking(move || {
        let r = (|| -> Result<_, WebError> {
            let doc = field(&form, "doc");
            let effective = date_field(&form, "effective", "生效日期")?;
            let body = UnitId(id_field(&form, "body", "综合执法机构")?);
            let items: Vec<ItemId> = ids(&form, "item")?.into_iter().map(ItemId).collect();
            if items.is_empty() {
                return Err(WebError::invalid("missing_field", "请选择集中的执法事项"));
            }
            let n = items.len();
            a2.concentrate(&u2, doc, effective, body, items)?;
            Ok((doc.to_string(), effective, body, n))
        })();
        Ok(match r {
            Ok((doc, effective, body, n)) => {
                let name = a2.db().state().unit_name(body);
                done(
                    "已登记相对集中",
                    format!("相对集中行政处罚权：{doc}，{n} 项集中到{name}，{effective} 起"),
                )
            }
            Err(e) => refused(a2, u2, e),
        })
    })
    .await?
}

async fn end(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2) = (app.clone(), user.clone());
    blocking(move || {
        let r = (|| -> Result<_, WebError> {
            let id = ConcentrationId(id_field(&form, "concentration", "终止的集中决定")?);
            let date = date_field(&form, "date", "终止日期")?;
            a2.end_concentration(&u2, id, field(&form, "doc"), date, field(&form, "reason"))?;
            Ok((id, date))
        })();
        Ok(match r {
            Ok((id, date)) => done(
                "已终止相对集中",
                format!("终止相对集中行政处罚权：第 {} 号决定，{date} 起", id.0),
            ),
            Err(e) => refused(a2, u2, e),
        })
    })
    .await?
}

async fn send_down(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2) = (app.clone(), user.clone());
    blocking(move || {
        let r = (|| -> Result<_, WebError> {
            let body = UnitId(id_field(&form, "body", "原单位")?);
            let town = PlaceId(id_field(&form, "town", "下沉到的镇（街道、园区）")?);
            let date = date_field(&form, "date", "下沉日期")?;
            let persons: Vec<PersonId> = ids(&form, "person")?.into_iter().map(PersonId).collect();
            let count = field(&form, "count");
            let staff = match (persons.is_empty(), count.is_empty()) {
                (false, true) => Staff::Persons { persons },
                (true, false) => Staff::Count {
                    count: count.parse().ok().filter(|n| *n > 0).ok_or_else(|| {
                        WebError::invalid("bad_count", format!("人数“{count}”应为正整数"))
                    })?,
                },
                (false, false) => {
                    return Err(WebError::invalid(
                        "bad_staff",
                        "填写人数或勾选人员，二者选一",
                    ))
                }
                (true, true) => {
                    return Err(WebError::invalid("bad_staff", "请填写人数或勾选下沉人员"))
                }
            };
            let n = staff.headcount();
            a2.send_down(&u2, body, town, date, staff)?;
            Ok((body, town, date, n))
        })();
        Ok(match r {
            Ok((body, town, date, n)) => {
                let (d, _) = a2.grassroots()?;
                let name = a2.db().state().unit_name(body);
                done(
                    "已登记下沉",
                    format!(
                        "执法力量下沉：{name} {n} 人下沉到{}，{date} 起",
                        place_name(&d, town)
                    ),
                )
            }
            Err(e) => refused(a2, u2, e),
        })
    })
    .await?
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/grassroots/enforcement", get(enforcement))
        .route("/grassroots/enforcement/template.xlsx", get(template_xlsx))
        .route(
            "/grassroots/enforcement/import",
            post(import).layer(axum::extract::DefaultBodyLimit::max(
                crate::http::upload::SHEET_LIMIT + 256 * 1024,
            )),
        )
        .route("/grassroots/enforcement/concentrate", post(concentrate))
        .route("/grassroots/enforcement/end", post(end))
        .route("/grassroots/enforcement/send-down", post(send_down))
}
