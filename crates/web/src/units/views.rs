use bianzhi_core::catalog::UnitKind;
use bianzhi_core::model::Counts;
use bianzhi_core::query::pinyin_initials;
use bianzhi_core::{query, QuotaTypeId, State, UnitId};
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::{BTreeMap, HashSet};
use utoipa::ToSchema;

use crate::ledger::*;
use crate::matters::views::*;
use crate::prelude::*;

/// Query values the handlers accept, by parameter.
pub const UNIT_SORTS: &[&str] = &["tree", "name", "approved", "actual", "available", "over"];

/// One row of a 编制情况表.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuotaRowView {
    pub qtype_id: u16,
    /// 编制类型.
    pub qtype: String,
    pub funding_id: u8,
    /// 经费形式.
    pub funding: String,
    #[serde(flatten)]
    pub figures: Figures,
    /// 超编消化.
    pub digesting: bool,
}

/// 编制情况表 of a unit.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct QuotaTableView {
    pub unit_id: u32,
    pub unit: String,
    pub as_of: NaiveDate,
    pub rows: Vec<QuotaRowView>,
    /// 合计.
    pub total: Figures,
}

/// One row of a 领导职数情况表.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostRowView {
    /// 职数类别.
    pub label: String,
    /// Post kind code, e.g. `UnitChief`.
    pub kind: String,
    /// Internal body id, if the posts belong to a 内设机构.
    pub body: Option<u32>,
    /// 核定.
    pub approved: i32,
    /// 实配.
    pub filled: i32,
    /// 空缺 (negative = 超职数).
    pub vacant: i32,
}

/// A unit in a list, with its totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRow {
    pub id: u32,
    pub name: String,
    /// 拼音首字母 of the name (e.g. 区教育局 → qjyj), for finding it as one types.
    pub initials: String,
    /// 机构类别.
    pub kind: String,
    /// 规格.
    pub rank: String,
    /// 行业领域 (its name), if classified.
    pub sector: Option<String>,
    pub parent_id: Option<u32>,
    pub parent: Option<String>,
    pub depth: usize,
    /// 正常 or 撤销.
    pub status: String,
    #[serde(flatten)]
    pub figures: Figures,
    /// Any account in 超编消化 or over quota.
    pub over_quota: bool,
    /// Number of units directly below.
    pub children: usize,
}

/// The unit page: 基本情况 (三定 summary), tables, and totals.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitView {
    pub id: u32,
    pub name: String,
    pub short_name: Option<String>,
    /// 加挂牌子.
    pub second_names: Vec<String>,
    pub kind: String,
    pub rank: String,
    /// 事业单位类别.
    pub category: Option<String>,
    /// 行业领域 (its name), if classified.
    pub sector: Option<String>,
    /// 经费形式.
    pub funding: Option<String>,
    /// 统一社会信用代码.
    pub credit_code: Option<String>,
    pub credit_code_warning: Option<String>,
    pub parent_id: Option<u32>,
    pub parent: Option<String>,
    /// Path from the top, e.g. 区教育局 › 区实验小学.
    pub path: Vec<UnitLink>,
    /// Units directly below.
    pub children: Vec<UnitLink>,
    /// 下属单位 with their figures (each with its own subordinate units).
    pub subunits: Vec<SubunitRow>,
    /// 含下属单位合计: the unit and every unit below it (None without any).
    pub with_subunits: Option<Figures>,
    /// 内设机构.
    pub bodies: Vec<String>,
    /// 主要职能.
    pub functions: String,
    pub status: String,
    /// 控编模式.
    pub control: String,
    pub established: NaiveDate,
    pub abolished_on: Option<NaiveDate>,
    /// 人员控制总量 (备案制).
    pub staff_cap: Option<i32>,
    /// 备案人员.
    pub filed: i32,
    pub as_of: NaiveDate,
    pub quota: Vec<QuotaRowView>,
    pub quota_total: Figures,
    pub posts: Vec<PostRowView>,
    /// 在编及已批未报到人数.
    pub roster_count: usize,
}

/// A unit directly below another, with the figures of it and its own
/// subordinate units.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SubunitRow {
    pub id: u32,
    pub name: String,
    pub kind: String,
    /// How many units below it in turn.
    pub below: usize,
    pub figures: Figures,
}

/// Totals over units: counts summed; 可用空编 and 超编 summed per account
/// (one account's 超编 never offsets another's vacancy).
pub fn totals(st: &State, units: &[UnitId], date: NaiveDate) -> Figures {
    let mut total = Counts::default();
    let (mut available, mut over) = (0, 0);
    for u in units {
        for r in query::quota_table(st, *u, date) {
            total.add(&r.counts);
            available += r.available.max(0);
            over += r.over;
        }
    }
    Figures::total(&total, over, available)
}

pub fn quota_rows(st: &State, unit: UnitId, date: NaiveDate) -> (Vec<QuotaRowView>, Figures) {
    let mut total = Counts::default();
    let mut over = 0;
    let mut available = 0;
    let rows = query::quota_table(st, unit, date)
        .into_iter()
        .map(|r| {
            total.add(&r.counts);
            over += r.over;
            available += r.available.max(0);
            QuotaRowView {
                qtype_id: r.key.qtype.0,
                qtype: r.qtype,
                funding_id: r.key.funding.0,
                funding: r.funding,
                figures: Figures::of(&r.counts, r.over),
                digesting: r.digesting,
            }
        })
        .collect();
    (rows, Figures::total(&total, over, available))
}

pub fn quota_table(ctx: &ReadCtx<'_>, unit: UnitId) -> QuotaTableView {
    let (rows, total) = quota_rows(ctx.st, unit, ctx.date);
    QuotaTableView {
        unit_id: unit.0,
        unit: ctx.live.unit_name(unit),
        as_of: ctx.date,
        rows,
        total,
    }
}

pub fn post_rows(st: &State, unit: UnitId, date: NaiveDate) -> Vec<PostRowView> {
    query::post_table(st, unit, date)
        .into_iter()
        .map(|p| PostRowView {
            label: p.label,
            kind: format!("{:?}", p.key.kind),
            body: p.key.body.map(|b| b.0),
            approved: p.approved,
            filled: p.filled,
            vacant: p.vacant,
        })
        .collect()
}

/// The unit page's model; `None` if the unit was not set up by `date`.
pub fn unit_view(ctx: &ReadCtx<'_>, scope: Option<&[UnitId]>, id: UnitId) -> Option<UnitView> {
    let st = ctx.st;
    let u = query::unit_at(st, id, ctx.date)?;
    let (quota, quota_total) = quota_rows(st, id, ctx.date);
    let mut path = Vec::new();
    let mut p = u.parent;
    let mut guard = 0;
    while let Some(pid) = p {
        // A user limited to some units sees no name above them.
        if in_scope(scope, pid) {
            path.push(link(ctx.live, pid));
        }
        p = query::unit_at(st, pid, ctx.date).and_then(|x| x.parent);
        guard += 1;
        if guard > 64 {
            break;
        }
    }
    path.reverse();
    let direct: Vec<&bianzhi_core::model::Unit> = query::units_at(st, ctx.date)
        .into_iter()
        .filter(|c| c.parent == Some(id))
        .collect();
    let children = direct
        .iter()
        .map(|c| UnitLink {
            id: c.id.0,
            name: c.name.clone(),
        })
        .collect();
    let subunits: Vec<SubunitRow> = direct
        .iter()
        .map(|c| {
            let tree = query::subtree(st, c.id, ctx.date);
            SubunitRow {
                id: c.id.0,
                name: c.name.clone(),
                kind: c.kind.label().into(),
                below: tree.len().saturating_sub(1),
                figures: totals(st, &tree, ctx.date),
            }
        })
        .collect();
    let with_subunits =
        (!subunits.is_empty()).then(|| totals(st, &query::subtree(st, id, ctx.date), ctx.date));
    let staffing = query::staffing_at(st, id, ctx.date);
    Some(UnitView {
        id: id.0,
        name: u.name.clone(),
        short_name: u.short_name.clone(),
        second_names: u.second_names.clone(),
        kind: u.kind.label().into(),
        rank: u.rank.label().into(),
        category: u.category.map(|c| c.label().to_string()),
        sector: u.sector.as_deref().map(bianzhi_core::codes::sector_name),
        funding: u.funding.map(|f| funding_name(st, f)),
        credit_code: u.credit_code.clone(),
        credit_code_warning: u.credit_code_warning.clone(),
        parent_id: u.parent.filter(|p| in_scope(scope, *p)).map(|p| p.0),
        parent: u
            .parent
            .filter(|p| in_scope(scope, *p))
            .map(|p| ctx.live.unit_name(p)),
        path,
        children,
        subunits,
        with_subunits,
        bodies: u
            .bodies
            .iter()
            .filter(|b| !b.abolished)
            .map(|b| b.name.clone())
            .collect(),
        functions: u.functions.clone(),
        status: u.status.label().into(),
        control: u.control.label().into(),
        established: u.established,
        abolished_on: u.abolished_on,
        staff_cap: staffing.and_then(|s| s.cap),
        filed: staffing.map(|s| s.filed).unwrap_or(0),
        as_of: ctx.date,
        quota,
        quota_total,
        posts: post_rows(st, id, ctx.date),
        roster_count: query::roster_at(st, id, ctx.date).len(),
    })
}

/// 机构编制台账 of a unit: lines effective on or before the date, newest first.
pub fn unit_history(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    unit: UnitId,
    pager: Pager,
) -> (Vec<LedgerLineView>, PageInfo) {
    let lines: Vec<(u32, u16)> = ctx
        .index
        .by_unit
        .get(&unit)
        .map(|v| {
            v.iter()
                .rev()
                .filter(|(i, _)| ctx.entry(*i).effective <= ctx.date)
                .copied()
                .collect()
        })
        .unwrap_or_default();
    let (page, info) = pager.slice(lines);
    (
        page.into_iter()
            .map(|(i, k)| line_view(ctx, scope, i, k, Some(unit)))
            .collect(),
        info,
    )
}

/// Filters of the units list.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub q: Option<String>,
    pub kind: Option<UnitKind>,
    /// Only units of this 行业领域 (a code; a field's code takes in its sectors).
    pub sector: Option<&'static str>,
    /// Only units over quota or in 超编消化.
    pub over: bool,
    /// Only units with an account of this type.
    pub qtype: Option<QuotaTypeId>,
    /// Include abolished units.
    pub all: bool,
    pub sort: String,
    pub desc: bool,
}

/// 机构: every unit in tree order (parents before children) with totals.
pub fn units(ctx: &ReadCtx<'_>, scope: Option<&[UnitId]>, f: &UnitFilter) -> Vec<UnitRow> {
    let st = ctx.st;
    let date = ctx.date;
    let list: Vec<&bianzhi_core::model::Unit> = if f.all {
        ctx.live
            .units
            .iter()
            .flatten()
            .filter_map(|u| query::unit_at(st, u.id, date))
            .collect()
    } else {
        query::units_at(st, date)
    };
    let present: HashSet<UnitId> = list.iter().map(|u| u.id).collect();
    let mut children: BTreeMap<Option<UnitId>, Vec<&bianzhi_core::model::Unit>> = BTreeMap::new();
    for u in &list {
        // A unit whose parent is not listed shows at the top.
        let parent = u.parent.filter(|p| present.contains(p));
        children.entry(parent).or_default().push(u);
    }
    let mut out = Vec::new();
    let mut stack: Vec<(Option<UnitId>, usize)> = vec![(None, 0)];
    // Depth-first walk in id order.
    fn walk(
        ctx: &ReadCtx<'_>,
        children: &BTreeMap<Option<UnitId>, Vec<&bianzhi_core::model::Unit>>,
        parent: Option<UnitId>,
        depth: usize,
        out: &mut Vec<UnitRow>,
    ) {
        for u in children.get(&parent).into_iter().flatten() {
            let rows = query::quota_table(ctx.st, u.id, ctx.date);
            let mut c = Counts::default();
            let (mut over, mut available) = (0, 0);
            let mut flag = false;
            for r in &rows {
                c.add(&r.counts);
                over += r.over;
                available += r.available.max(0);
                flag |= r.over > 0 || r.digesting;
            }
            out.push(UnitRow {
                id: u.id.0,
                name: u.name.clone(),
                initials: query::pinyin_initials(&u.name),
                kind: u.kind.label().into(),
                rank: u.rank.label().into(),
                sector: u.sector.as_deref().map(bianzhi_core::codes::sector_name),
                parent_id: u.parent.map(|p| p.0),
                parent: u.parent.map(|p| ctx.live.unit_name(p)),
                depth,
                status: u.status.label().into(),
                figures: Figures::total(&c, over, available),
                over_quota: flag,
                children: children.get(&Some(u.id)).map_or(0, |v| v.len()),
            });
            walk(ctx, children, Some(u.id), depth + 1, out);
        }
    }
    stack.clear();
    walk(ctx, &children, None, 0, &mut out);
    // A user limited to some units sees no name above them.
    for r in out.iter_mut() {
        if r.parent_id.is_some_and(|p| !in_scope(scope, UnitId(p))) {
            r.parent_id = None;
            r.parent = None;
        }
    }
    let q = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    out.retain(|r| {
        in_scope(scope, UnitId(r.id))
            && q.is_none_or(|q| {
                r.name.contains(q) || {
                    let ascii = q.chars().all(|c| c.is_ascii_alphabetic());
                    ascii && pinyin_initials(&r.name).contains(&q.to_lowercase())
                }
            })
            && f.kind.is_none_or(|k| r.kind == k.label())
            && f.sector.is_none_or(|s| {
                query::unit_at(st, UnitId(r.id), date)
                    .and_then(|u| u.sector.as_deref())
                    .is_some_and(|c| bianzhi_core::codes::sector_covers(s, c))
            })
            && (!f.over || r.over_quota)
            && f.qtype.is_none_or(|t| {
                st.unit_accounts(UnitId(r.id)).any(|a| {
                    a.key.qtype == t
                        && query::account_at(st, &a.key, date).is_some_and(|(c, _)| !c.is_zero())
                })
            })
    });
    let key = |r: &UnitRow| -> i64 {
        match f.sort.as_str() {
            "approved" => r.figures.approved as i64,
            "actual" => r.figures.actual as i64,
            "available" => r.figures.available as i64,
            "over" => r.figures.over as i64,
            _ => 0,
        }
    };
    match f.sort.as_str() {
        "name" => out.sort_by(|a, b| a.name.cmp(&b.name)),
        "approved" | "actual" | "available" | "over" => out.sort_by_key(|r| (key(r), r.id)),
        _ => {}
    }
    if f.desc {
        out.reverse();
    }
    out
}

pub fn unit_filter(app: &App, p: &Params) -> Result<UnitFilter, WebError> {
    let (sort, desc) = p.sort(UNIT_SORTS, "tree")?;
    let kind = match p.typed("kind")? {
        None => None,
        Some(k) => Some(
            UnitKind::parse(k)
                .ok_or_else(|| WebError::invalid("bad_parameter", format!("机构类别“{k}”无效")))?,
        ),
    };
    let sector = match p.typed("sector")? {
        None => None,
        Some(s) => Some(
            bianzhi_core::codes::SECTOR
                .lookup(s)
                .map(|c| c.code)
                .ok_or_else(|| WebError::invalid("bad_parameter", format!("行业领域“{s}”无效")))?,
        ),
    };
    Ok(UnitFilter {
        q: p.get("q").map(str::to_string),
        kind,
        sector,
        over: p.flag("over")?,
        qtype: parse_qtype(app, p)?,
        all: p.flag("all")?,
        sort,
        desc,
    })
}

/// 综合执法下沉 on a unit's page ("visible in both places"): for the body
/// whose staff were sent down, "下沉到 X镇 N 人（姓名…）" per town, with the
/// names only when the viewer's scope covers the body; for the body
/// governing a town, street or park, "下沉执法人员 N 人（来自 …）". As of
/// `date`.
pub fn secondment_lines(
    app: &App,
    user: &User,
    unit: UnitId,
    date: NaiveDate,
) -> Result<Vec<String>, WebError> {
    use bianzhi_grassroots::Staff;
    let (d, _) = app.grassroots()?;
    let e = &d.enforcement;
    let sees = user.can_review() || unit_in_scope(app, user, Some(unit));
    let towns: Vec<_> = d
        .territory
        .places()
        .filter(|p| p.kind.is_town_level() && p.governing == Some(unit))
        .map(|p| p.id)
        .collect();
    let db = app.db();
    let st = db.state();
    let mut out = Vec::new();
    // Sent down from the unit, per town.
    let mut down: BTreeMap<String, (u32, Vec<String>)> = BTreeMap::new();
    for s in e
        .secondments()
        .iter()
        .filter(|s| s.body == unit && s.date <= date)
    {
        let town = d
            .territory
            .get(s.town)
            .map_or_else(|| s.town.to_string(), |p| p.name.clone());
        let x = down.entry(town).or_default();
        x.0 += s.staff.headcount();
        if let (Staff::Persons { persons }, true) = (&s.staff, sees) {
            x.1.extend(
                persons
                    .iter()
                    .filter_map(|p| st.person(*p).map(|x| x.details.name.clone())),
            );
        }
    }
    for (town, (n, names)) in down {
        out.push(if names.is_empty() {
            format!("下沉到 {town} {n} 人")
        } else {
            format!("下沉到 {town} {n} 人（{}）", names.join("、"))
        });
    }
    // Sent down to the towns the unit governs.
    for town in towns {
        let from = e.staff_in(town, date);
        let total: u32 = from.values().sum();
        if total > 0 {
            let bodies: Vec<String> = from
                .iter()
                .map(|(b, n)| format!("{} {n} 人", st.unit_name(*b)))
                .collect();
            out.push(format!(
                "下沉执法人员 {total} 人（来自 {}）",
                bodies.join("、")
            ));
        }
    }
    Ok(out)
}
