//! View models: what the pages and the API show, computed from the ledger as
//! of a date. The same structs are serialised by the API and rendered by the
//! templates, so both always say the same thing.

use std::collections::{BTreeMap, HashMap, HashSet};

use bianzhi_core::catalog::UnitKind;
use bianzhi_core::model::{AccountKey, Counts, PersonStatus, Placement};
use bianzhi_core::query::{self, pinyin_initials, placement_at};
use bianzhi_core::{FundingId, PersonId, PlanLineId, QuotaTypeId, Seq, State, UnitId};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::app::ReadCtx;
use crate::error::WebError;

// ---------------------------------------------------------------- parameters

/// Query-string parameters, parsed by hand so that every bad value gets a
/// clear Chinese message and a stable code.
///
/// Pages read them leniently (a form sends its empty fields, a checkbox
/// `on`); the API reads them strictly, as its OpenAPI document types them: a
/// date, integer, boolean or one-of-a-list parameter that is present must be
/// exactly such a value (not empty, no spaces around it, booleans `true` or
/// `false`, `page` ≥ 1, `per_page` 1–500), and a parameter may not be repeated.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub map: HashMap<String, String>,
    pub strict: bool,
}

/// The largest page the API serves (`per_page`).
pub const MAX_PER_PAGE: usize = 500;

impl Params {
    /// Parameters of a page (lenient).
    pub fn new(map: HashMap<String, String>) -> Params {
        Params { map, strict: false }
    }
    /// Parameters of an API request (strict).
    pub fn strict(map: HashMap<String, String>) -> Params {
        Params { map, strict: true }
    }
    /// A free-text parameter, trimmed; absent if empty.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.map.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
    /// A typed parameter (date, number, boolean, one of a list) as sent.
    /// Leniently as [`Params::get`]; strictly an empty or padded value is
    /// refused (422 `bad_parameter`).
    pub fn typed(&self, k: &str) -> Result<Option<&str>, WebError> {
        if !self.strict {
            return Ok(self.get(k));
        }
        match self.map.get(k) {
            None => Ok(None),
            Some(v) if v.is_empty() || v.trim() != v => Err(WebError::invalid(
                "bad_parameter",
                format!("参数 {k} 不能为空，也不能带空格，收到“{v}”"),
            )),
            Some(v) => Ok(Some(v)),
        }
    }
    /// A date parameter, `YYYY-MM-DD` (400 `bad_date` otherwise).
    pub fn date(&self, k: &str) -> Result<Option<NaiveDate>, WebError> {
        match self.map.get(k) {
            Some(v) if self.strict && (v.is_empty() || v.trim() != v) => {
                Err(WebError::BadDate(v.clone()))
            }
            _ => self.get(k).map(parse_date).transpose(),
        }
    }
    /// `as_of` (default `today`, the application's: `App::today`).
    pub fn as_of(&self, today: NaiveDate) -> Result<NaiveDate, WebError> {
        Ok(self.date("as_of")?.unwrap_or(today))
    }
    pub fn u32(&self, k: &str) -> Result<Option<u32>, WebError> {
        match self.typed(k)? {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                WebError::invalid("bad_parameter", format!("参数 {k} 应为非负整数，收到“{s}”"))
            }),
        }
    }
    pub fn i32(&self, k: &str) -> Result<Option<i32>, WebError> {
        match self.typed(k)? {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                WebError::invalid("bad_parameter", format!("参数 {k} 应为整数，收到“{s}”"))
            }),
        }
    }
    /// A whole number in `min..=max`: leniently clamped into it, strictly
    /// refused outside it.
    fn bounded(&self, k: &str, min: u32, max: u32) -> Result<Option<u32>, WebError> {
        match self.u32(k)? {
            Some(n) if self.strict && !(min..=max).contains(&n) => Err(WebError::invalid(
                "bad_parameter",
                format!("参数 {k} 应在 {min} 到 {max} 之间，收到“{n}”"),
            )),
            n => Ok(n.map(|n| n.clamp(min, max))),
        }
    }
    /// A yes/no parameter: strictly `true` or `false`; leniently also `1`,
    /// `on`, `yes` (a checkbox), anything else being no.
    pub fn flag(&self, k: &str) -> Result<bool, WebError> {
        match self.typed(k)? {
            None => Ok(false),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(v) if self.strict => Err(WebError::invalid(
                "bad_parameter",
                format!("参数 {k} 应为 true 或 false，收到“{v}”"),
            )),
            Some(v) => Ok(matches!(v, "1" | "on" | "yes")),
        }
    }
    pub fn pager(&self, default_per_page: usize) -> Result<Pager, WebError> {
        let page = self.bounded("page", 1, i32::MAX as u32)?.unwrap_or(1) as usize;
        let per_page = self
            .bounded("per_page", 1, MAX_PER_PAGE as u32)?
            .map(|n| n as usize)
            .unwrap_or(default_per_page);
        Ok(Pager { page, per_page })
    }
    /// Sort key and whether descending (`dir=desc`).
    pub fn sort(&self, allowed: &[&str], default: &str) -> Result<(String, bool), WebError> {
        let key = self.typed("sort")?.unwrap_or(default);
        if !allowed.contains(&key) {
            return Err(WebError::invalid(
                "bad_parameter",
                format!("不能按“{key}”排序，可用：{}", allowed.join("、")),
            ));
        }
        let desc = match self.typed("dir")? {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(d) => {
                return Err(WebError::invalid(
                    "bad_parameter",
                    format!("排序方向应为 asc 或 desc，收到“{d}”"),
                ))
            }
        };
        Ok((key.to_string(), desc))
    }
}

/// Parses `YYYY-MM-DD` (four-digit year, two-digit month and day).
pub fn parse_date(s: &str) -> Result<NaiveDate, WebError> {
    let t = s.trim();
    let ok = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) if ok => Ok(d),
        _ => Err(WebError::BadDate(s.to_string())),
    }
}

/// Page number and size.
#[derive(Debug, Clone, Copy)]
pub struct Pager {
    pub page: usize,
    pub per_page: usize,
}

impl Pager {
    pub fn slice<T>(&self, v: Vec<T>) -> (Vec<T>, PageInfo) {
        let total = v.len();
        let items = v
            .into_iter()
            .skip((self.page - 1) * self.per_page)
            .take(self.per_page)
            .collect();
        (
            items,
            PageInfo {
                page: self.page,
                per_page: self.per_page,
                total,
                pages: total.div_ceil(self.per_page).max(1),
            },
        )
    }
}

/// Where a list page stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct PageInfo {
    pub page: usize,
    pub per_page: usize,
    /// Matching items in all pages.
    pub total: usize,
    pub pages: usize,
}

// ---------------------------------------------------------------- figures

/// The numbers of a quota account or a total (DOMAIN §2.2).
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct Figures {
    /// 核定.
    pub approved: i32,
    /// 实有.
    pub actual: i32,
    /// 冻结 (已批未入编).
    pub frozen: i32,
    /// 锁定.
    pub locked: i32,
    /// 周转借入.
    pub borrowed: i32,
    /// 过桥.
    pub bridged: i32,
    /// 已核未下达.
    pub unreleased: i32,
    /// 可用空编.
    pub available: i32,
    /// 超编.
    pub over: i32,
}

impl Figures {
    fn of(c: &Counts, over: i32) -> Figures {
        Figures {
            approved: c.approved,
            actual: c.actual,
            frozen: c.frozen,
            locked: c.locked,
            borrowed: c.borrowed,
            bridged: c.bridged,
            unreleased: c.unreleased,
            available: c.available(),
            over,
        }
    }
}

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
    /// 机构类别.
    pub kind: String,
    /// 规格.
    pub rank: String,
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

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitLink {
    pub id: u32,
    pub name: String,
}

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

/// One line of a 台账: what a matter did (to a unit or a person).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerLineView {
    pub seq: u64,
    pub effective: NaiveDate,
    /// 文号.
    pub doc: String,
    /// 事项类型.
    pub kind: String,
    /// 摘要.
    pub summary: String,
    /// 变动数.
    pub count: i32,
}

/// A matter in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatterRow {
    pub seq: u64,
    pub doc: String,
    pub effective: NaiveDate,
    pub recorded_at: String,
    /// 经办人.
    pub actor: String,
    /// 事由.
    pub reason: String,
    /// 事项类型 of its operations (distinct).
    pub kinds: Vec<String>,
    pub ops: usize,
    /// Units touched (first few).
    pub units: Vec<UnitLink>,
}

/// A matter with its operations.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatterView {
    #[serde(flatten)]
    pub row: MatterRow,
    pub lines: Vec<MatterLine>,
    /// Operations of the matter on other units, not shown to a user limited
    /// to some units.
    pub hidden_ops: usize,
    pub warnings: Vec<String>,
    /// The stored operations as JSON (身份证号 masked; for a user limited to
    /// some units, only the operations wholly within them).
    #[schema(value_type = Vec<Object>)]
    pub ops_json: Vec<serde_json::Value>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatterLine {
    pub kind: String,
    pub summary: String,
    pub units: Vec<UnitLink>,
}

/// Totals of one 编制类型.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TypeTotals {
    pub qtype_id: u16,
    pub qtype: String,
    #[serde(flatten)]
    pub figures: Figures,
}

/// A unit over quota or in 超编消化.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OverQuotaUnit {
    pub id: u32,
    pub name: String,
    /// e.g. 行政编制(全额拨款) 超编 1 人（超编消化）.
    pub accounts: Vec<String>,
    pub over: i32,
}

/// A leadership-post account with more holders than approved (超职数).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PostViolation {
    pub unit_id: u32,
    pub unit: String,
    pub post: String,
    pub approved: i32,
    pub filled: i32,
}

/// Year-end figures for the trend chart.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TrendPoint {
    pub date: NaiveDate,
    pub approved: i32,
    pub actual: i32,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KindCount {
    pub kind: String,
    pub count: usize,
}

/// 总览.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SummaryView {
    pub jurisdiction: String,
    pub code: String,
    pub as_of: NaiveDate,
    /// Whether the figures cover only the user's units (单位经办).
    pub scoped: bool,
    pub units: usize,
    pub units_by_kind: Vec<KindCount>,
    pub by_type: Vec<TypeTotals>,
    pub total: Figures,
    /// 在编及已批未报到人员.
    pub people: usize,
    pub over_units: Vec<OverQuotaUnit>,
    pub post_violations: Vec<PostViolation>,
    pub recent: Vec<MatterRow>,
    pub matters: u64,
    pub last_effective: Option<NaiveDate>,
    pub trend: Vec<TrendPoint>,
}

/// A 用编计划 line and its use.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanLineView {
    pub id: u32,
    pub unit_id: u32,
    pub unit: String,
    pub year: i32,
    /// 渠道.
    pub channel: String,
    pub qtype: String,
    /// 计划数.
    pub approved: i32,
    /// 已使用.
    pub used: i32,
    /// 剩余.
    pub remaining: i32,
    /// 执行率 (percent).
    pub rate: i32,
}

/// A plan line with the matters that approved and used it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlanLineDetail {
    #[serde(flatten)]
    pub line: PlanLineView,
    pub uses: Vec<LedgerLineView>,
}

// ---------------------------------------------------------------- builders

fn funding_name(st: &State, f: FundingId) -> String {
    st.funding_form(f)
        .map(|f| f.name.clone())
        .unwrap_or_default()
}

pub fn in_scope(scope: Option<&[UnitId]>, u: UnitId) -> bool {
    scope.is_none_or(|s| s.binary_search(&u).is_ok() || s.contains(&u))
}

/// Checks that a unit exists and the user may see it.
pub fn check_unit(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    id: u32,
) -> Result<UnitId, WebError> {
    let u = UnitId(id);
    let missing = || WebError::NotFound(format!("机构编号 {id} 不存在"));
    if ctx.live.unit(u).is_none() {
        return Err(missing());
    }
    if !in_scope(scope, u) {
        return Err(WebError::out_of_scope(missing()));
    }
    Ok(u)
}

pub fn quota_rows(st: &State, unit: UnitId, date: NaiveDate) -> (Vec<QuotaRowView>, Figures) {
    let mut total = Counts::default();
    let mut over = 0;
    let rows = query::quota_table(st, unit, date)
        .into_iter()
        .map(|r| {
            total.add(&r.counts);
            over += r.over;
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
    (rows, Figures::of(&total, over))
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

fn link(st: &State, u: UnitId) -> UnitLink {
    UnitLink {
        id: u.0,
        name: st.unit_name(u),
    }
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
    let children = query::units_at(st, ctx.date)
        .into_iter()
        .filter(|c| c.parent == Some(id))
        .map(|c| UnitLink {
            id: c.id.0,
            name: c.name.clone(),
        })
        .collect();
    let staffing = query::staffing_at(st, id, ctx.date);
    Some(UnitView {
        id: id.0,
        name: u.name.clone(),
        short_name: u.short_name.clone(),
        second_names: u.second_names.clone(),
        kind: u.kind.label().into(),
        rank: u.rank.label().into(),
        category: u.category.map(|c| c.label().to_string()),
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

fn person_row(st: &State, live: &State, id: PersonId, pl: &Placement) -> Option<PersonRow> {
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
        if let Some(r) = person_row(st, ctx.live, pid, &pl) {
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

fn line_view(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    i: u32,
    k: u16,
    unit: Option<UnitId>,
) -> LedgerLineView {
    let (seq, m) = ctx.entry(i);
    let op = &m.ops[k as usize];
    let (kind, summary, count) = match unit {
        Some(u) => {
            let l = query::describe_op(ctx.live, op, u);
            (l.kind.to_string(), l.summary, l.count)
        }
        None => {
            let units = query::op_units(ctx.live, op, m.effective);
            let u = units.first().copied().unwrap_or(UnitId(0));
            let l = query::describe_op(ctx.live, op, u);
            let unit_name = units
                .first()
                .map(|u| format!("{}：", ctx.live.unit_name(*u)))
                .unwrap_or_default();
            (
                l.kind.to_string(),
                format!("{unit_name}{}", l.summary),
                l.count,
            )
        }
    };
    // A user limited to some units reads other units as 其他单位.
    let summary = match scope {
        None => summary,
        Some(_) => {
            let others: Vec<UnitId> = query::op_units(ctx.live, op, m.effective)
                .into_iter()
                .filter(|u| !in_scope(scope, *u))
                .collect();
            withhold_names(ctx.live, &summary, &others)
        }
    };
    LedgerLineView {
        seq: *seq,
        effective: m.effective,
        doc: m.doc.to_string(),
        kind,
        summary,
        count,
    }
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
                .filter(|(i, _)| ctx.entry(*i).1.effective <= ctx.date)
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

/// 实名制花名册 of a unit as of the date.
pub fn roster(ctx: &ReadCtx<'_>, unit: UnitId, pager: Pager) -> (Vec<PersonRow>, PageInfo) {
    let rows: Vec<PersonRow> = query::roster_at(ctx.st, unit, ctx.date)
        .into_iter()
        .filter_map(|(pid, pl)| person_row(ctx.st, ctx.live, pid, &pl))
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
    let row = person_row(ctx.st, ctx.live, pid, &pl)
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
                .filter(|(i, _)| ctx.entry(*i).1.effective <= ctx.date)
                .map(|(i, k)| {
                    let unit = query::op_units(
                        ctx.live,
                        &ctx.entry(*i).1.ops[*k as usize],
                        ctx.entry(*i).1.effective,
                    )
                    .first()
                    .copied();
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

/// The part of a matter a user may see. A user limited to some units
/// (单位经办, a scoped token) sees the operations that touch its units, with
/// the names of other units replaced; the 事由 and warnings only when the
/// whole matter is within its units.
struct MatterPart {
    /// Operations shown, with the units each touches.
    ops: Vec<(usize, Vec<UnitId>)>,
    /// Whether every operation touches only the user's units.
    whole: bool,
}

impl MatterPart {
    fn of(ctx: &ReadCtx<'_>, m: &bianzhi_core::Matter, scope: Option<&[UnitId]>) -> MatterPart {
        let mut ops = Vec::with_capacity(m.ops.len());
        let mut whole = true;
        for (i, op) in m.ops.iter().enumerate() {
            let us = query::op_units(ctx.live, op, m.effective);
            let inside = us.iter().filter(|u| in_scope(scope, **u)).count();
            if inside < us.len() {
                whole = false;
            }
            if inside > 0 || (scope.is_none() && us.is_empty()) {
                ops.push((i, us));
            } else if us.is_empty() {
                // An operation on no unit (e.g. a catalogue entry) is shown
                // to the office only.
                whole = false;
            }
        }
        MatterPart { ops, whole }
    }

    fn visible(&self) -> bool {
        !self.ops.is_empty()
    }

    /// Units of the shown operations within the scope.
    fn units(&self, scope: Option<&[UnitId]>) -> Vec<UnitId> {
        let mut v: Vec<UnitId> = self
            .ops
            .iter()
            .flat_map(|(_, us)| us.iter().copied())
            .filter(|u| in_scope(scope, *u))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// What a user limited to some units reads instead of a 事由 that may name others.
const REASON_WITHHELD: &str = "（该事项还涉及其他单位，事由不予显示）";

fn matter_row(
    ctx: &ReadCtx<'_>,
    seq: Seq,
    m: &bianzhi_core::Matter,
    part: &MatterPart,
    scope: Option<&[UnitId]>,
) -> MatterRow {
    let mut kinds: Vec<String> = Vec::new();
    for (i, _) in &part.ops {
        let l = m.ops[*i].label().to_string();
        if !kinds.contains(&l) {
            kinds.push(l);
        }
    }
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("offset");
    MatterRow {
        seq,
        doc: m.doc.to_string(),
        effective: m.effective,
        recorded_at: m
            .recorded_at
            .with_timezone(&tz)
            .format("%Y-%m-%d %H:%M")
            .to_string(),
        actor: m.actor.clone(),
        reason: if part.whole {
            m.reason.clone()
        } else {
            REASON_WITHHELD.to_string()
        },
        kinds,
        ops: part.ops.len(),
        units: part
            .units(scope)
            .iter()
            .take(5)
            .map(|u| link(ctx.live, *u))
            .collect(),
    }
}

/// `text` with the names of `others` (units outside the user's scope)
/// replaced by 其他单位, longest names first.
fn withhold_names(st: &State, text: &str, others: &[UnitId]) -> String {
    let mut names: Vec<String> = others
        .iter()
        .flat_map(|u| {
            let mut v = vec![st.unit_name(*u)];
            if let Some(un) = st.unit(*u) {
                v.extend(un.short_name.iter().map(|s| s.to_string()));
            }
            v
        })
        .filter(|n| !n.is_empty())
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    let mut out = text.to_string();
    for n in names {
        out = out.replace(&n, "其他单位");
    }
    out
}

/// An operation as JSON with every 身份证号 in it masked.
fn masked_op_json(op: &bianzhi_core::matter::Op) -> serde_json::Value {
    fn mask(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => {
                if let std::borrow::Cow::Owned(m) = bianzhi_core::ident::mask_id_numbers(s) {
                    *s = m;
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(mask),
            serde_json::Value::Object(o) => o.values_mut().for_each(mask),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(op).unwrap_or_default();
    mask(&mut v);
    v
}

/// Filters of the matters list.
#[derive(Debug, Clone, Default)]
pub struct MatterFilter {
    pub unit: Option<UnitId>,
    /// 事项类型 label, e.g. 入编.
    pub kind: Option<String>,
    pub year: Option<i32>,
    /// Text in the 文号 or 事由.
    pub q: Option<String>,
    pub sort: String,
    pub desc: bool,
}

/// 事项 (the journal), effective on or before the date.
pub fn matters(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    f: &MatterFilter,
    pager: Pager,
) -> (Vec<MatterRow>, PageInfo) {
    let journal = ctx.ledger.journal();
    let candidates: Vec<u32> = match f.unit {
        Some(u) => {
            let mut v: Vec<u32> = ctx
                .index
                .by_unit
                .get(&u)
                .map(|v| v.iter().map(|(i, _)| *i).collect())
                .unwrap_or_default();
            v.dedup();
            v
        }
        None => ctx.index.order.clone(),
    };
    let q = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let mut hits: Vec<u32> = candidates
        .into_iter()
        .filter(|i| {
            let (_, m) = &journal[*i as usize];
            m.effective <= ctx.date
                && f.year.is_none_or(|y| m.effective.year() == y)
                && f.kind
                    .as_deref()
                    .is_none_or(|k| m.ops.iter().any(|op| op.label() == k))
                && q.is_none_or(|q| {
                    m.doc.to_string().contains(q) || m.doc.raw.contains(q) || m.reason.contains(q)
                })
        })
        .collect();
    if scope.is_some() {
        hits.retain(|i| {
            let (_, m) = &journal[*i as usize];
            let part = MatterPart::of(ctx, m, scope);
            // A 事由 withheld from the user is not searched either.
            part.visible()
                && (part.whole
                    || q.is_none_or(|q| m.doc.to_string().contains(q) || m.doc.raw.contains(q)))
        });
    }
    // Index order is (effective, seq); the default list shows the newest first.
    match f.sort.as_str() {
        "seq" => hits.sort_by_key(|i| journal[*i as usize].0),
        "doc" => hits.sort_by(|a, b| {
            let (ma, mb) = (&journal[*a as usize].1, &journal[*b as usize].1);
            (ma.doc.agency.as_str(), ma.doc.year, ma.doc.number).cmp(&(
                mb.doc.agency.as_str(),
                mb.doc.year,
                mb.doc.number,
            ))
        }),
        _ => {}
    }
    if f.desc {
        hits.reverse();
    }
    let (page, info) = pager.slice(hits);
    let rows = page
        .into_iter()
        .map(|i| {
            let (seq, m) = &journal[i as usize];
            matter_row(ctx, *seq, m, &MatterPart::of(ctx, m, scope), scope)
        })
        .collect();
    (rows, info)
}

pub fn matter_view(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    seq: u64,
) -> Result<MatterView, WebError> {
    let journal = ctx.ledger.journal();
    let missing = || WebError::NotFound(format!("第 {seq} 号事项不存在"));
    let Some((s, m)) = journal.iter().find(|(s, _)| *s == seq) else {
        return Err(missing());
    };
    let part = MatterPart::of(ctx, m, scope);
    if !part.visible() {
        return Err(WebError::out_of_scope(missing()));
    }
    let lines = part
        .ops
        .iter()
        .map(|(i, us)| {
            let op = &m.ops[*i];
            let l = query::describe_op(ctx.live, op, us.first().copied().unwrap_or(UnitId(0)));
            let others: Vec<UnitId> = us
                .iter()
                .copied()
                .filter(|u| !in_scope(scope, *u))
                .collect();
            MatterLine {
                kind: l.kind.to_string(),
                summary: if others.is_empty() {
                    l.summary
                } else {
                    withhold_names(ctx.live, &l.summary, &others)
                },
                units: us
                    .iter()
                    .filter(|u| in_scope(scope, **u))
                    .map(|u| link(ctx.live, *u))
                    .collect(),
            }
        })
        .collect();
    Ok(MatterView {
        row: matter_row(ctx, *s, m, &part, scope),
        lines,
        hidden_ops: m.ops.len() - part.ops.len(),
        warnings: if part.whole {
            m.warnings.clone()
        } else {
            Vec::new()
        },
        // The raw operations: those wholly within the user's units, 身份证号 masked.
        ops_json: part
            .ops
            .iter()
            .filter(|(_, us)| us.iter().all(|u| in_scope(scope, *u)))
            .map(|(i, _)| masked_op_json(&m.ops[*i]))
            .collect(),
    })
}

/// Rolls figures of the units in `units` (all units when `None`).
fn totals(st: &State, date: NaiveDate, units: Option<&[UnitId]>) -> (Vec<TypeTotals>, Figures) {
    let r = query::rollup(st, date, units);
    let by_type = r
        .by_type
        .iter()
        .map(|(q, c)| TypeTotals {
            qtype_id: q.0,
            qtype: st.qtype_name(*q),
            figures: Figures::of(c, r.over_by_type.get(q).copied().unwrap_or(0)),
        })
        .collect();
    (by_type, Figures::of(&r.total, r.over))
}

/// 总览 of the jurisdiction (or of the user's units).
pub fn summary(ctx: &ReadCtx<'_>, scope: Option<&[UnitId]>) -> SummaryView {
    let st = ctx.st;
    let date = ctx.date;
    let units: Vec<&bianzhi_core::model::Unit> = query::units_at(st, date)
        .into_iter()
        .filter(|u| in_scope(scope, u.id))
        .collect();
    let mut by_kind: BTreeMap<UnitKind, usize> = BTreeMap::new();
    for u in &units {
        *by_kind.entry(u.kind).or_default() += 1;
    }
    let ids: Vec<UnitId> = units.iter().map(|u| u.id).collect();
    let (by_type, total) = totals(st, date, scope.map(|_| ids.as_slice()));
    let mut over_units = Vec::new();
    let mut post_violations = Vec::new();
    let mut people = 0;
    for u in &units {
        let rows = query::quota_table(st, u.id, date);
        let bad: Vec<String> = rows
            .iter()
            .filter(|r| r.over > 0 || r.digesting)
            .map(|r| {
                format!(
                    "{}({}) 超编 {} 人{}",
                    r.qtype,
                    r.funding,
                    r.over,
                    if r.digesting {
                        "（超编消化）"
                    } else {
                        ""
                    }
                )
            })
            .collect();
        if !bad.is_empty() {
            over_units.push(OverQuotaUnit {
                id: u.id.0,
                name: u.name.clone(),
                accounts: bad,
                over: rows.iter().map(|r| r.over).sum(),
            });
        }
        for p in query::post_table(st, u.id, date) {
            if p.vacant < 0 {
                post_violations.push(PostViolation {
                    unit_id: u.id.0,
                    unit: u.name.clone(),
                    post: p.label,
                    approved: p.approved,
                    filled: p.filled,
                });
            }
        }
        people += rows
            .iter()
            .map(|r| r.counts.actual + r.counts.frozen)
            .sum::<i32>() as usize;
    }
    let (recent, _) = matters(
        ctx,
        scope,
        &MatterFilter {
            desc: true,
            ..Default::default()
        },
        Pager {
            page: 1,
            per_page: 8,
        },
    );
    // Year ends from the first matter's year to the date.
    let first = ctx
        .index
        .order
        .first()
        .map(|i| ctx.entry(*i).1.effective.year())
        .unwrap_or(date.year());
    let mut trend = Vec::new();
    for y in first..=date.year() {
        let d = NaiveDate::from_ymd_opt(y, 12, 31).expect("valid").min(date);
        let r = query::rollup(st, d, scope.map(|_| ids.as_slice()));
        trend.push(TrendPoint {
            date: d,
            approved: r.total.approved,
            actual: r.total.actual,
        });
    }
    SummaryView {
        jurisdiction: st.jurisdiction.name.clone(),
        code: st.jurisdiction.code.clone(),
        as_of: date,
        scoped: scope.is_some(),
        units: units.len(),
        units_by_kind: by_kind
            .into_iter()
            .map(|(k, n)| KindCount {
                kind: k.label().into(),
                count: n,
            })
            .collect(),
        by_type,
        total,
        people,
        over_units,
        post_violations,
        recent,
        // For a user limited to some units, the matters touching them only.
        matters: match scope {
            None => ctx
                .index
                .order
                .iter()
                .filter(|i| ctx.entry(**i).1.effective <= date)
                .count() as u64,
            Some(sc) => {
                let mut v: Vec<u32> = sc
                    .iter()
                    .filter_map(|u| ctx.index.by_unit.get(u))
                    .flat_map(|v| v.iter().map(|(i, _)| *i))
                    .filter(|i| ctx.entry(*i).1.effective <= date)
                    .collect();
                v.sort_unstable();
                v.dedup();
                v.len() as u64
            }
        },
        last_effective: ctx.live.max_effective,
        trend,
    }
}

/// Filters of the units list.
#[derive(Debug, Clone, Default)]
pub struct UnitFilter {
    pub q: Option<String>,
    pub kind: Option<UnitKind>,
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
            let mut over = 0;
            let mut flag = false;
            for r in &rows {
                c.add(&r.counts);
                over += r.over;
                flag |= r.over > 0 || r.digesting;
            }
            out.push(UnitRow {
                id: u.id.0,
                name: u.name.clone(),
                kind: u.kind.label().into(),
                rank: u.rank.label().into(),
                parent_id: u.parent.map(|p| p.0),
                parent: u.parent.map(|p| ctx.live.unit_name(p)),
                depth,
                status: u.status.label().into(),
                figures: Figures::of(&c, over),
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

fn plan_view(st: &State, l: &bianzhi_core::model::PlanLine) -> PlanLineView {
    PlanLineView {
        id: l.id.0,
        unit_id: l.unit.0,
        unit: st.unit_name(l.unit),
        year: l.year,
        channel: l.channel.label().into(),
        qtype: st.qtype_name(l.qtype),
        approved: l.approved,
        used: l.used,
        remaining: l.remaining(),
        rate: if l.approved > 0 {
            l.used * 100 / l.approved
        } else {
            0
        },
    }
}

/// Filters of the 用编计划 list.
#[derive(Debug, Clone, Default)]
pub struct PlanFilter {
    pub unit: Option<UnitId>,
    pub year: Option<i32>,
    /// Only lines with something left.
    pub open: bool,
    pub sort: String,
    pub desc: bool,
}

/// 用编计划 lines (as they stand now: a plan's use is not kept per date).
pub fn plans(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    f: &PlanFilter,
    pager: Pager,
) -> (Vec<PlanLineView>, PageInfo, Vec<i32>) {
    let st = ctx.live;
    let mut years: Vec<i32> = st.plan_lines.iter().flatten().map(|l| l.year).collect();
    years.sort_unstable();
    years.dedup();
    let mut rows: Vec<PlanLineView> = st
        .plan_lines
        .iter()
        .flatten()
        .filter(|l| {
            in_scope(scope, l.unit)
                && f.unit.is_none_or(|u| u == l.unit)
                && f.year.is_none_or(|y| y == l.year)
                && (!f.open || l.remaining() > 0)
        })
        .map(|l| plan_view(st, l))
        .collect();
    match f.sort.as_str() {
        "unit" => rows.sort_by_key(|r| (r.unit_id, r.year, r.id)),
        "remaining" => rows.sort_by_key(|r| (r.remaining, r.id)),
        "rate" => rows.sort_by_key(|r| (r.rate, r.id)),
        _ => rows.sort_by_key(|r| (std::cmp::Reverse(r.year), r.id)),
    }
    if f.desc {
        rows.reverse();
    }
    let (page, info) = pager.slice(rows);
    (page, info, years)
}

pub fn plan_detail(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    id: u32,
) -> Result<PlanLineDetail, WebError> {
    let l = ctx
        .live
        .plan_line(PlanLineId(id))
        .ok_or_else(|| WebError::NotFound(format!("第 {id} 号用编计划不存在")))?;
    if !in_scope(scope, l.unit) {
        return Err(WebError::out_of_scope(WebError::NotFound(format!(
            "第 {id} 号用编计划不存在"
        ))));
    }
    let uses = ctx
        .index
        .by_plan
        .get(&l.id)
        .map(|v| {
            v.iter()
                .map(|(i, k)| line_view(ctx, scope, *i, *k, Some(l.unit)))
                .collect()
        })
        .unwrap_or_default();
    Ok(PlanLineDetail {
        line: plan_view(ctx.live, l),
        uses,
    })
}

/// Account key text for links: `qtype-funding`.
pub fn account_param(k: &AccountKey) -> String {
    format!("{}-{}", k.qtype.0, k.funding.0)
}
