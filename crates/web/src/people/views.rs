use bianzhi_core::model::{PersonStatus, Placement};
use bianzhi_core::query::{pinyin_initials, placement_at};
use bianzhi_core::{query, FundingId, PersonId, QuotaTypeId, State, UnitId};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashSet;
use utoipa::ToSchema;

use crate::ledger::*;
use crate::matters::views::*;
use crate::prelude::*;

pub const PEOPLE_SORTS: &[&str] = &["id", "name", "unit", "enrolled_on", "birth"];

pub const PERSON_STATUSES: &[&str] = &["enrolled", "active", "pending", "left", "filed", "all"];

/// A person in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonRow {
    pub id: u32,
    pub name: String,
    pub sex: String,
    pub birth: NaiveDate,
    /// 身份证号, masked.
    pub id_number: String,
    pub unit_id: u32,
    pub unit: String,
    /// 编制类型(经费形式).
    pub account: String,
    /// 人员身份.
    pub identity: String,
    /// 人员状态 as of the date.
    pub status: String,
    /// 入编时间.
    pub enrolled_on: NaiveDate,
    /// 入编文号.
    pub enrol_doc: String,
    /// 领导职务.
    pub posts: Vec<String>,
    /// 待报到: days since the 入编 was approved (for people not yet 报到).
    pub waiting_days: Option<i64>,
}

/// One step of a person's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlacementStep {
    pub date: NaiveDate,
    pub unit_id: u32,
    pub unit: String,
    pub account: String,
    pub status: String,
}

/// The person page.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonView {
    #[serde(flatten)]
    pub row: PersonRow,
    /// 民族.
    pub ethnicity: String,
    /// 政治面貌.
    pub political: String,
    /// 学历/学位.
    pub education: String,
    /// 参加工作时间.
    pub work_start: Option<NaiveDate>,
    /// 岗位类别/等级.
    pub post_grade: String,
    /// 职务/职级.
    pub position: String,
    pub history: Vec<PlacementStep>,
    /// Matters that concern the person.
    pub matters: Vec<LedgerLineView>,
}

fn person_row(
    st: &State,
    live: &State,
    id: PersonId,
    pl: &Placement,
    date: NaiveDate,
) -> Option<PersonRow> {
    let p = live.person(id)?;
    Some(PersonRow {
        id: id.0,
        name: p.details.name.clone(),
        sex: p.details.sex().label().into(),
        birth: p.details.birth(),
        id_number: p.details.id_number.mask(),
        unit_id: pl.unit.0,
        unit: live.unit_name(pl.unit),
        account: st.account_label(&pl.key()),
        identity: p.details.identity.label().into(),
        status: status_label(pl.status),
        enrolled_on: p.enrolled_on,
        enrol_doc: p.enrol_doc.to_string(),
        posts: p.posts.iter().map(|h| h.title.clone()).collect(),
        waiting_days: (pl.status == PersonStatus::Pending)
            .then(|| (date - p.enrolled_on).num_days().max(0)),
    })
}

fn status_label(s: PersonStatus) -> String {
    match s {
        PersonStatus::Left(r) => format!("已出编（{r}）"),
        s => s.label().to_string(),
    }
}

/// Filters of the people list.
#[derive(Debug, Clone, Default)]
pub struct PeopleFilter {
    pub q: Option<String>,
    pub unit: Option<UnitId>,
    /// Include the units below `unit`.
    pub subtree: bool,
    pub qtype: Option<QuotaTypeId>,
    pub funding: Option<FundingId>,
    /// `enrolled` (default: 在编 and 已批未报到), `active`, `pending`, `left`, `filed`, `all`.
    pub status: String,
    pub sort: String,
    pub desc: bool,
}

/// 人员: search and filtered lists, as of the date.
pub fn people(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    f: &PeopleFilter,
    pager: Pager,
) -> (Vec<PersonRow>, PageInfo) {
    let st = ctx.st;
    let units: Option<HashSet<UnitId>> = f.unit.map(|u| {
        if f.subtree {
            query::subtree(st, u, ctx.date).into_iter().collect()
        } else {
            [u].into_iter().collect()
        }
    });
    let q = f.q.as_deref().map(str::trim).filter(|q| !q.is_empty());
    let by_idn: Option<Vec<PersonId>> = q.and_then(|q| {
        bianzhi_core::ident::parse_id_number(q).ok().map(|idn| {
            ctx.live
                .person_by_id_number
                .get(idn.as_str())
                .copied()
                .into_iter()
                .collect()
        })
    });
    let ascii = q.is_some_and(|q| q.chars().all(|c| c.is_ascii_alphabetic()));
    let ql = q.map(|q| q.to_lowercase());
    let candidates: Box<dyn Iterator<Item = PersonId>> = match &by_idn {
        Some(v) => Box::new(v.iter().copied()),
        None => Box::new((0..ctx.live.persons.len() as u32).map(PersonId)),
    };
    let mut rows: Vec<PersonRow> = Vec::new();
    for pid in candidates {
        let Some(pl) = placement_at(st, pid, ctx.date) else {
            continue;
        };
        let keep = match f.status.as_str() {
            "all" => true,
            "active" => pl.status == PersonStatus::Active,
            "pending" => pl.status == PersonStatus::Pending,
            "left" => matches!(pl.status, PersonStatus::Left(_)),
            "filed" => pl.status == PersonStatus::Filed,
            _ => pl.is_enrolled(),
        };
        if !keep || !in_scope(scope, pl.unit) {
            continue;
        }
        if let Some(us) = &units {
            if !us.contains(&pl.unit) {
                continue;
            }
        }
        if f.qtype.is_some_and(|q| q != pl.qtype) || f.funding.is_some_and(|x| x != pl.funding) {
            continue;
        }
        let Some(p) = ctx.live.person(pid) else {
            continue;
        };
        if by_idn.is_none() {
            if let Some(q) = q {
                let hit = if ascii {
                    pinyin_initials(&p.details.name).starts_with(ql.as_deref().unwrap_or(""))
                } else {
                    p.details.name.contains(q)
                };
                if !hit {
                    continue;
                }
            }
        }
        if let Some(r) = person_row(st, ctx.live, pid, &pl, ctx.date) {
            rows.push(r);
        }
    }
    match f.sort.as_str() {
        "name" => rows.sort_by(|a, b| a.name.cmp(&b.name).then(a.id.cmp(&b.id))),
        "unit" => rows.sort_by(|a, b| a.unit_id.cmp(&b.unit_id).then(a.id.cmp(&b.id))),
        "enrolled_on" => {
            rows.sort_by(|a, b| a.enrolled_on.cmp(&b.enrolled_on).then(a.id.cmp(&b.id)))
        }
        "birth" => rows.sort_by(|a, b| a.birth.cmp(&b.birth).then(a.id.cmp(&b.id))),
        _ => {}
    }
    if f.desc {
        rows.reverse();
    }
    pager.slice(rows)
}

/// 实名制花名册 of a unit as of the date.
pub fn roster(ctx: &ReadCtx<'_>, unit: UnitId, pager: Pager) -> (Vec<PersonRow>, PageInfo) {
    let rows: Vec<PersonRow> = query::roster_at(ctx.st, unit, ctx.date)
        .into_iter()
        .filter_map(|(pid, pl)| person_row(ctx.st, ctx.live, pid, &pl, ctx.date))
        .collect();
    pager.slice(rows)
}

pub fn person_view(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    id: u32,
) -> Result<PersonView, WebError> {
    let pid = PersonId(id);
    let p = ctx
        .live
        .person(pid)
        .ok_or_else(|| WebError::NotFound(format!("人员编号 {id} 不存在")))?;
    let hist = ctx
        .st
        .history
        .placements
        .get(pid.index())
        .cloned()
        .unwrap_or_default();
    if let Some(s) = scope {
        if !hist.iter().any(|(_, pl)| s.contains(&pl.unit)) {
            return Err(WebError::out_of_scope(WebError::NotFound(format!(
                "人员编号 {id} 不存在"
            ))));
        }
    }
    let pl = placement_at(ctx.st, pid, ctx.date).unwrap_or(p.placement);
    let row = person_row(ctx.st, ctx.live, pid, &pl, ctx.date)
        .ok_or_else(|| WebError::NotFound(format!("人员编号 {id} 不存在")))?;
    let history = hist
        .iter()
        .filter(|(d, _)| *d <= ctx.date)
        .map(|(d, pl)| {
            // Where a person was outside the user's units reads 其他单位.
            let inside = in_scope(scope, pl.unit);
            PlacementStep {
                date: *d,
                unit_id: if inside { pl.unit.0 } else { 0 },
                unit: if inside {
                    ctx.live.unit_name(pl.unit)
                } else {
                    "其他单位".into()
                },
                account: ctx.st.account_label(&pl.key()),
                status: status_label(pl.status),
            }
        })
        .collect();
    let matters = ctx
        .index
        .by_person
        .get(&pid)
        .map(|v| {
            v.iter()
                .filter(|(i, _)| ctx.entry(*i).effective <= ctx.date)
                .map(|(i, k)| {
                    let unit = ctx.matter_at(*i).ok().and_then(|m| {
                        query::op_units(ctx.live, &m.ops[*k as usize], m.effective)
                            .first()
                            .copied()
                    });
                    line_view(ctx, scope, *i, *k, unit)
                })
                .collect()
        })
        .unwrap_or_default();
    let d = &p.details;
    Ok(PersonView {
        row,
        ethnicity: d.ethnicity.to_string(),
        political: d.political.to_string(),
        education: d.education.to_string(),
        work_start: d.work_start,
        post_grade: d.post_grade.to_string(),
        position: d.position.to_string(),
        history,
        matters,
    })
}

/// A list of people.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonList {
    pub as_of: NaiveDate,
    pub items: Vec<PersonRow>,
    pub page: PageInfo,
}

pub fn people_filter(
    app: &App,
    scope: Option<&[UnitId]>,
    p: &Params,
) -> Result<PeopleFilter, WebError> {
    let (sort, desc) = p.sort(PEOPLE_SORTS, "id")?;
    let status = p.typed("status")?.unwrap_or("enrolled").to_string();
    if !PERSON_STATUSES.contains(&status.as_str()) {
        return Err(WebError::invalid(
            "bad_parameter",
            format!("人员状态“{status}”无效，可用：enrolled、active、pending、left、filed、all"),
        ));
    }
    let unit = match p.get("unit") {
        None => None,
        Some(s) => {
            let db = app.db();
            Some(crate::ledger::find_unit_in_scope(
                db.state(),
                scope,
                &UnitKey::Name(s.to_string()),
            )?)
        }
    };
    Ok(PeopleFilter {
        q: p.get("q").map(str::to_string),
        unit,
        subtree: p.flag("subtree")?,
        qtype: parse_qtype(app, p)?,
        funding: parse_funding(app, p)?,
        status,
        sort,
        desc,
    })
}
