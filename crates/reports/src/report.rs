//! Pure report computations as of a date. Every entry point takes the
//! [`Ledger`] and queries `ledger.view_at(date)`, so scheduled effects (承兑
//! tranches, loans falling due) are counted the same way everywhere.

use std::collections::BTreeMap;

use bianzhi_core::model::{Counts, PersonStatus};
use bianzhi_core::{query, Ledger, PersonId, State, UnitId};
use chrono::NaiveDate;

use crate::table::{Cell, Table};

/// The report kinds (`bianzhi report KIND`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// 机构编制台账.
    Ledger,
    /// 编制情况表.
    Quotas,
    /// 领导职数情况表.
    Posts,
    /// 实名制花名册.
    Roster,
    /// 减少人员花名册.
    Leavers,
    /// 人员变动情况表.
    Changes,
    /// 用编计划执行表.
    Plans,
    /// 周转池借用 / 过桥 / 承兑 / 动态.
    Instruments,
    /// 周转池 by 编制类型.
    Pool,
    /// 周转池借用, every loan with its status.
    Loans,
    /// 过桥编制.
    Bridges,
    /// 承兑编制.
    Phased,
    /// 动态编制.
    Dynamic,
    /// 备案制.
    Filed,
    /// 超编 and 超职数 warnings.
    Warnings,
    /// 统计年报.
    Annual,
    /// 行业领域编制情况.
    Sectors,
}

impl Kind {
    pub const ALL: [(&'static str, Kind); 17] = [
        ("ledger", Kind::Ledger),
        ("quotas", Kind::Quotas),
        ("posts", Kind::Posts),
        ("roster", Kind::Roster),
        ("leavers", Kind::Leavers),
        ("changes", Kind::Changes),
        ("plans", Kind::Plans),
        ("instruments", Kind::Instruments),
        ("pool", Kind::Pool),
        ("loans", Kind::Loans),
        ("bridges", Kind::Bridges),
        ("phased", Kind::Phased),
        ("dynamic", Kind::Dynamic),
        ("filed", Kind::Filed),
        ("warnings", Kind::Warnings),
        ("annual", Kind::Annual),
        ("sectors", Kind::Sectors),
    ];
    pub fn parse(s: &str) -> Option<Kind> {
        Kind::ALL.iter().find(|(n, _)| *n == s).map(|(_, k)| *k)
    }
    /// The code used on the command line and in URLs (`roster`, …).
    pub fn code(self) -> &'static str {
        Kind::ALL
            .iter()
            .find(|(_, k)| *k == self)
            .map(|(n, _)| *n)
            .unwrap_or("")
    }
    /// The report's name as a clerk says it.
    pub fn label(self) -> &'static str {
        match self {
            Kind::Ledger => "机构编制台账",
            Kind::Quotas => "编制情况表",
            Kind::Posts => "领导职数情况表",
            Kind::Roster => "实名制花名册",
            Kind::Leavers => "减少人员花名册",
            Kind::Changes => "人员变动情况表",
            Kind::Plans => "用编计划执行表",
            Kind::Instruments => "编制调控工具（周转池借用、过桥、承兑、动态）",
            Kind::Pool => "周转池",
            Kind::Loans => "周转池借用",
            Kind::Bridges => "过桥编制",
            Kind::Phased => "承兑编制",
            Kind::Dynamic => "动态编制",
            Kind::Filed => "备案制",
            Kind::Warnings => "超编超职数预警",
            Kind::Annual => "机构编制统计年报",
            Kind::Sectors => "行业领域编制情况",
        }
    }
    /// What the report shows, in one line.
    pub fn description(self) -> &'static str {
        match self {
            Kind::Ledger => "各单位截至统计时点的每一项变动：生效日期、文号、类型、摘要、变动数",
            Kind::Quotas => {
                "按编制类型、经费形式列出核定、实有、冻结、锁定、周转借入、过桥、空编、超编"
            }
            Kind::Posts => "各单位领导职数的核定、实配与空缺（负数为超职数）",
            Kind::Roster => "统计时点在编及已批未报到人员，含身份证号（脱敏显示）",
            Kind::Leavers => "期间起点在编、到期间终点已出编的人员，含减少原因和日期",
            Kind::Changes => "两个日期之间的增加、减少、调动人员和核定编制变动",
            Kind::Plans => "各单位用编计划的计划数、已使用、剩余",
            Kind::Instruments => "未了结的周转池借用、过桥编制、承兑编制、动态编制",
            Kind::Pool => "各编制类型周转池的池内可用、借出未还（含单列区属镇用）、过桥借出",
            Kind::Loans => "周转池每笔借用的单位、数量、借出日期、归还期限和状态",
            Kind::Bridges => "过桥编制及其消化期限、核销情况",
            Kind::Phased => "承兑编制的核准数和各批次下达情况",
            Kind::Dynamic => "动态编制的下达数和退一收一收回情况",
            Kind::Filed => "备案制单位的人员控制总量和备案人员",
            Kind::Warnings => "超编（含消化中）和超职数的单位",
            Kind::Annual => "按机构类别、规格、经费形式、编制类型汇总，与台账合计一致",
            Kind::Sectors => {
                "各行业领域的单位数、核定、实有、空编、占全部核定的比例，及上级核定的行业编制总量和尚余"
            }
        }
    }
    /// Reports over a period (期间起点 and 终点) rather than at one date.
    pub fn is_period(self) -> bool {
        matches!(self, Kind::Leavers | Kind::Changes)
    }
    /// Reports listing people with their 身份证号 (personal data).
    pub fn has_personal_data(self) -> bool {
        matches!(self, Kind::Roster | Kind::Leavers | Kind::Changes)
    }
}

/// What a report covers: one unit with its subtree, or the whole jurisdiction,
/// as of a date (and from a date, for reports over a period).
#[derive(Debug, Clone, Copy)]
pub struct Params {
    pub unit: Option<UnitId>,
    /// Only the unit itself, not its subtree.
    pub only_unit: bool,
    pub as_of: NaiveDate,
    pub from: NaiveDate,
}

impl Params {
    pub fn at(as_of: NaiveDate) -> Params {
        Params {
            unit: None,
            only_unit: false,
            as_of,
            from: as_of,
        }
    }
    pub fn unit(mut self, u: UnitId) -> Params {
        self.unit = Some(u);
        self
    }
    pub fn only(mut self) -> Params {
        self.only_unit = true;
        self
    }
    pub fn from(mut self, d: NaiveDate) -> Params {
        self.from = d;
        self
    }
}

/// Builds a report.
pub fn build(l: &Ledger, kind: Kind, p: &Params) -> Table {
    match kind {
        Kind::Ledger => ledger_book(l, p),
        Kind::Quotas => quotas(l, p),
        Kind::Posts => posts(l, p),
        Kind::Roster => roster(l, p),
        Kind::Leavers => leavers(l, p),
        Kind::Changes => changes(l, p),
        Kind::Plans => plans(l, p),
        Kind::Instruments => instruments(l, p),
        Kind::Pool => crate::instruments::pool(l, p),
        Kind::Loans => crate::instruments::loans(l, p),
        Kind::Bridges => crate::instruments::bridges(l, p),
        Kind::Phased => crate::instruments::phased(l, p),
        Kind::Dynamic => crate::instruments::dynamic(l, p),
        Kind::Filed => crate::instruments::filed(l, p),
        Kind::Warnings => warnings(l, p),
        Kind::Annual => annual(l, p),
        Kind::Sectors => crate::sectors::sectors(l, p),
    }
}

/// The units a report covers as of `date`, in id order.
pub fn scope(st: &State, p: &Params, date: NaiveDate) -> Vec<UnitId> {
    let mut v = match (p.unit, p.only_unit) {
        (Some(u), true) => vec![u],
        (Some(u), false) => query::subtree(st, u, date),
        (None, _) => query::units_at(st, date).iter().map(|u| u.id).collect(),
    };
    v.sort_unstable();
    v.dedup();
    v
}

pub(crate) fn in_scope(st: &State, p: &Params, date: NaiveDate) -> rustc_hash::FxHashSet<UnitId> {
    scope(st, p, date).into_iter().collect()
}

fn s(x: impl ToString) -> Cell {
    Cell::text(x.to_string())
}

fn i(x: i32) -> Cell {
    Cell::int(x)
}

fn funding_name(st: &State, f: bianzhi_core::FundingId) -> String {
    st.funding_form(f)
        .map(|f| f.name.clone())
        .unwrap_or_default()
}

/// 机构编制台账: every change of each unit in scope up to `as_of`, with 文号,
/// date, type, summary and count (matters' operations and the ledger's own
/// automatic changes).
pub fn ledger_book(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let units = scope(&st, p, p.as_of);
    let set: rustc_hash::FxHashSet<UnitId> = units.iter().copied().collect();
    let mut t = Table::new(
        "机构编制台账",
        &["单位", "生效日期", "文号", "类型", "摘要", "变动数"],
    );
    let mut rows: Vec<(UnitId, NaiveDate, u64, Vec<Cell>)> = Vec::new();
    for e in l.entries() {
        // A matter voided by a 更正 or 撤销 is no longer in the 台账.
        if e.effective > p.as_of || !l.stands(e.seq) {
            continue;
        }
        let (seq, m) = match l.decode(e) {
            Ok(m) => (&e.seq, m),
            Err(err) => {
                // Named in the 台账 rather than left out without a word.
                rows.push((
                    UnitId(0),
                    e.effective,
                    e.seq,
                    vec![
                        s("（无法解读）"),
                        s(e.effective),
                        s(&e.doc),
                        s("无法解读"),
                        s(err),
                        i(0),
                    ],
                ));
                continue;
            }
        };
        for op in &m.ops {
            for u in query::op_units(&st, op, m.effective) {
                if set.contains(&u) {
                    let line = query::describe_op(&st, op, u);
                    rows.push((
                        u,
                        m.effective,
                        *seq,
                        vec![
                            s(st.unit_name(u)),
                            s(m.effective),
                            s(&m.doc),
                            s(line.kind),
                            s(line.summary),
                            i(line.count),
                        ],
                    ));
                }
            }
        }
    }
    for e in st.auto_events.iter() {
        if e.date <= p.as_of && set.contains(&e.unit) {
            rows.push((
                e.unit,
                e.date,
                u64::MAX,
                vec![
                    s(st.unit_name(e.unit)),
                    s(e.date),
                    s(format!("{}（自动）", e.doc)),
                    s(&e.kind),
                    s(&e.summary),
                    i(e.count),
                ],
            ));
        }
    }
    rows.sort_by_key(|(u, d, q, _)| (*u, *d, *q));
    t.rows = rows.into_iter().map(|(_, _, _, r)| r).collect();
    t
}

/// 编制情况表: one row per quota account with any number, with totals.
pub fn quotas(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let mut t = Table::new(
        "编制情况表",
        &[
            "单位",
            "编制类型",
            "经费形式",
            "核定",
            "实有",
            "冻结",
            "锁定",
            "周转借入",
            "过桥",
            "已核未下达",
            "可用空编",
            "超编",
        ],
    );
    for u in scope(&st, p, p.as_of) {
        for r in query::quota_table(&st, u, p.as_of) {
            let c = r.counts;
            t.rows.push(vec![
                s(st.unit_name(u)),
                s(&r.qtype),
                s(&r.funding),
                i(c.approved),
                i(c.actual),
                i(c.frozen),
                i(c.locked),
                i(c.borrowed),
                i(c.bridged),
                i(c.unreleased),
                i(r.available),
                i(r.over),
            ]);
        }
    }
    t.with_totals()
}

/// 领导职数情况表.
pub fn posts(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let mut t = Table::new("领导职数情况表", &["单位", "职数", "核定", "实配", "空缺"]);
    for u in scope(&st, p, p.as_of) {
        for r in query::post_table(&st, u, p.as_of) {
            t.rows.push(vec![
                s(st.unit_name(u)),
                s(&r.label),
                i(r.approved),
                i(r.filled),
                i(r.vacant),
            ]);
        }
    }
    t.with_totals()
}

/// Headers of the 实名制花名册 (also the import template's roster columns).
pub const ROSTER_HEADERS: [&str; 9] = [
    "单位",
    "姓名",
    "身份证号",
    "性别",
    "出生日期",
    "编制类型",
    "经费形式",
    "人员状态",
    "入编时间",
];

/// 实名制花名册: people enrolled (在编 or 已批未报到) as of the date.
pub fn roster(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let mut t = Table::new("实名制花名册", &ROSTER_HEADERS);
    for u in scope(&st, p, p.as_of) {
        for (pid, pl) in query::roster_at(&st, u, p.as_of) {
            let Some(person) = st.person(pid) else {
                continue;
            };
            let d = &person.details;
            t.rows.push(vec![
                s(st.unit_name(u)),
                s(&d.name),
                s(d.id_number.as_str()),
                s(d.sex().label()),
                s(d.birth()),
                s(st.qtype_name(pl.qtype)),
                s(funding_name(&st, pl.funding)),
                s(pl.status.label()),
                s(person.enrolled_on),
            ]);
        }
    }
    t
}

/// Placements of a person at two dates.
fn placements(
    st: &State,
    pid: PersonId,
    a: NaiveDate,
    b: NaiveDate,
) -> (
    Option<bianzhi_core::model::Placement>,
    Option<bianzhi_core::model::Placement>,
) {
    (
        query::placement_at(st, pid, a),
        query::placement_at(st, pid, b),
    )
}

fn all_people(st: &State) -> impl Iterator<Item = &bianzhi_core::model::Person> {
    st.persons.iter().flatten()
}

/// 减少人员花名册: people enrolled in scope on `from` who had left 编制 by
/// `as_of`, with the reason and the date they left.
pub fn leavers(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let set = in_scope(&st, p, p.from);
    let mut t = Table::new(
        "减少人员花名册",
        &[
            "单位",
            "姓名",
            "身份证号",
            "编制类型",
            "减少原因",
            "减少日期",
        ],
    );
    for person in all_people(&st) {
        let (a, b) = placements(&st, person.id, p.from, p.as_of);
        let (Some(a), Some(b)) = (a, b) else { continue };
        if !(a.is_enrolled() && set.contains(&a.unit)) {
            continue;
        }
        let PersonStatus::Left(reason) = b.status else {
            continue;
        };
        let date = st.history.placements.get(person.id.index()).and_then(|h| {
            h.iter()
                .find(|(d, pl)| {
                    *d > p.from && *d <= p.as_of && matches!(pl.status, PersonStatus::Left(_))
                })
                .map(|(d, _)| *d)
        });
        t.rows.push(vec![
            s(st.unit_name(a.unit)),
            s(&person.details.name),
            s(person.details.id_number.as_str()),
            s(st.qtype_name(a.qtype)),
            s(reason.label()),
            date.map(s).unwrap_or(Cell::Empty),
        ]);
    }
    t
}

/// 人员变动情况表 between `from` and `as_of`: who came (增加), who left (减少),
/// who moved between units (调动), and changes of 核定 per account (编制变动).
pub fn changes(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let before = in_scope(&st, p, p.from);
    let after = in_scope(&st, p, p.as_of);
    let mut t = Table::new(
        "人员变动情况表",
        &[
            "变动类别",
            "单位",
            "对象",
            "身份证号",
            "变动前",
            "变动后",
            "变动数",
        ],
    );
    for person in all_people(&st) {
        let (a, b) = placements(&st, person.id, p.from, p.as_of);
        let was = a.filter(|a| a.is_enrolled() && before.contains(&a.unit));
        let is = b.filter(|b| b.is_enrolled() && after.contains(&b.unit));
        let name = s(&person.details.name);
        let idn = s(person.details.id_number.as_str());
        match (was, is) {
            (None, Some(b)) => t.rows.push(vec![
                s("增加"),
                s(st.unit_name(b.unit)),
                name,
                idn,
                Cell::Empty,
                s(st.unit_name(b.unit)),
                i(1),
            ]),
            (Some(a), None) => t.rows.push(vec![
                s("减少"),
                s(st.unit_name(a.unit)),
                name,
                idn,
                s(st.unit_name(a.unit)),
                s(b.map(|b| b.status.label()).unwrap_or("")),
                i(-1),
            ]),
            (Some(a), Some(b)) if a.unit != b.unit => t.rows.push(vec![
                s("调动"),
                s(st.unit_name(b.unit)),
                name,
                idn,
                s(st.unit_name(a.unit)),
                s(st.unit_name(b.unit)),
                i(0),
            ]),
            _ => {}
        }
    }
    let mut keys: Vec<_> = st.history.accounts.keys().copied().collect();
    keys.sort_unstable();
    for k in keys {
        if !(before.contains(&k.unit) || after.contains(&k.unit)) {
            continue;
        }
        let ap = |d| {
            query::account_at(&st, &k, d)
                .map(|(c, _)| c.approved)
                .unwrap_or(0)
        };
        let (x, y) = (ap(p.from), ap(p.as_of));
        if x != y {
            t.rows.push(vec![
                s("编制变动"),
                s(st.unit_name(k.unit)),
                s(format!(
                    "{}（{}）",
                    st.qtype_name(k.qtype),
                    funding_name(&st, k.funding)
                )),
                Cell::Empty,
                i(x),
                i(y),
                i(y - x),
            ]);
        }
    }
    t
}

/// 用编计划执行表: the plan lines of units in scope (as they stand now).
pub fn plans(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let set = in_scope(&st, p, p.as_of);
    let mut t = Table::new(
        "用编计划执行表",
        &[
            "单位",
            "年度",
            "渠道",
            "编制类型",
            "计划数",
            "已使用",
            "剩余",
        ],
    );
    for pl in st.plan_lines.iter().flatten() {
        if !set.contains(&pl.unit) {
            continue;
        }
        t.rows.push(vec![
            s(st.unit_name(pl.unit)),
            s(pl.year),
            s(pl.channel.label()),
            s(st.qtype_name(pl.qtype)),
            i(pl.approved),
            i(pl.used),
            i(pl.remaining()),
        ]);
    }
    t.with_totals()
}

/// Outstanding 周转池 loans, 过桥编制, 承兑 and 动态 grants as of the date.
pub fn instruments(l: &Ledger, p: &Params) -> Table {
    use bianzhi_core::model::GrantKind;
    let st = l.view_at(p.as_of);
    let set = in_scope(&st, p, p.as_of);
    let d = p.as_of;
    let mut t = Table::new(
        "编制调控工具（未了结）",
        &[
            "类别",
            "单位",
            "编制类型",
            "文号",
            "起始日期",
            "到期日期",
            "数量",
            "未了结",
            "状态",
        ],
    );
    for x in query::loans_at(&st, d, false) {
        if set.contains(&x.key.unit) {
            t.rows.push(vec![
                s("周转池借用"),
                s(st.unit_name(x.key.unit)),
                s(st.qtype_name(x.key.qtype)),
                s(&x.doc),
                s(x.start),
                x.due.map(s).unwrap_or(Cell::Empty),
                i(x.count),
                i(x.outstanding()),
                s(if x.overdue(d) { "已到期" } else { "" }),
            ]);
        }
    }
    for x in query::bridges_at(&st, d, false) {
        if set.contains(&x.key.unit) {
            t.rows.push(vec![
                s("过桥编制"),
                s(st.unit_name(x.key.unit)),
                s(st.qtype_name(x.key.qtype)),
                s(&x.doc),
                s(x.start),
                s(x.deadline),
                i(1),
                i(1),
                s(if x.overdue(d) { "已超期" } else { "" }),
            ]);
        }
    }
    for x in query::grants_at(&st, d, false) {
        if set.contains(&x.key.unit) {
            let kind = match x.kind {
                GrantKind::Phased { .. } => "承兑编制",
                GrantKind::Dynamic { .. } => "动态编制",
            };
            t.rows.push(vec![
                s(kind),
                s(st.unit_name(x.key.unit)),
                s(st.qtype_name(x.key.qtype)),
                s(&x.doc),
                s(x.start),
                Cell::Empty,
                i(x.count),
                i(x.outstanding()),
                Cell::Empty,
            ]);
        }
    }
    t.with_totals()
}

/// 超编 and 超职数 warnings as of the date.
pub fn warnings(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let mut t = Table::new(
        "超编超职数预警",
        &["预警", "单位", "项目", "核定", "实有", "超出"],
    );
    for u in scope(&st, p, p.as_of) {
        for r in query::quota_table(&st, u, p.as_of) {
            if r.over > 0 {
                t.rows.push(vec![
                    s(if r.digesting {
                        "超编（消化中）"
                    } else {
                        "超编"
                    }),
                    s(st.unit_name(u)),
                    s(format!("{}（{}）", r.qtype, r.funding)),
                    i(r.counts.capacity()),
                    i(r.counts.actual),
                    i(r.over),
                ]);
            }
        }
        for r in query::post_table(&st, u, p.as_of) {
            if r.vacant < 0 {
                t.rows.push(vec![
                    s("超职数"),
                    s(st.unit_name(u)),
                    s(&r.label),
                    i(r.approved),
                    i(r.filled),
                    i(-r.vacant),
                ]);
            }
        }
    }
    t
}

/// One group of the 统计年报.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AnnualGroup {
    /// 机构类别, 规格, 经费形式, 编制类型 as the table reads them.
    pub labels: (String, String, String, String),
    pub counts: Counts,
    /// 可用空编 summed per account (an account over quota counts 0).
    pub available: i32,
    /// 超编 summed per account.
    pub over: i32,
    /// The units with an account in the group.
    pub unit_ids: Vec<UnitId>,
    pub units: usize,
    pub accounts: usize,
}

/// The order of 统计年报 rows: 机构类别 and 规格 in their official order (正处级
/// before 副处级 … not by code point), then 经费形式 and 编制类型 in catalogue
/// order.
pub type AnnualKey = (
    bianzhi_core::catalog::UnitKind,
    bianzhi_core::catalog::Rank,
    bianzhi_core::FundingId,
    bianzhi_core::QuotaTypeId,
);

/// 统计年报 figures: quota accounts grouped by (unit kind, 规格, 经费形式,
/// 编制类型) as of the date. The groups add up exactly to `query::rollup`.
pub fn annual_groups(l: &Ledger, p: &Params) -> BTreeMap<AnnualKey, AnnualGroup> {
    let st = l.view_at(p.as_of);
    let mut out: BTreeMap<AnnualKey, AnnualGroup> = BTreeMap::new();
    for u in scope(&st, p, p.as_of) {
        let Some(unit) = query::unit_at(&st, u, p.as_of) else {
            continue;
        };
        for r in query::quota_table(&st, u, p.as_of) {
            let k = (unit.kind, unit.rank, r.key.funding, r.key.qtype);
            let g = out.entry(k).or_insert_with(|| AnnualGroup {
                labels: (
                    unit.kind.label().to_string(),
                    unit.rank.label().to_string(),
                    r.funding.clone(),
                    r.qtype.clone(),
                ),
                ..Default::default()
            });
            g.counts.add(&r.counts);
            g.available += r.available.max(0);
            g.over += r.over;
            g.accounts += 1;
            if g.unit_ids.last() != Some(&u) {
                g.unit_ids.push(u);
                g.units += 1;
            }
        }
    }
    out
}

/// 统计年报 as a table: a row per group, a 小计 per 机构类别, and the 合计.
/// 单位数 of a 小计 or the 合计 counts each unit once (a unit with accounts of
/// two types is one unit).
pub fn annual(l: &Ledger, p: &Params) -> Table {
    let mut t = Table::new(
        "机构编制统计年报",
        &[
            "机构类别",
            "规格",
            "经费形式",
            "编制类型",
            "单位数",
            "核定",
            "实有",
            "冻结",
            "锁定",
            "周转借入",
            "过桥",
            "可用空编",
            "超编",
        ],
    );
    struct Sum {
        counts: Counts,
        available: i32,
        over: i32,
        units: rustc_hash::FxHashSet<UnitId>,
    }
    impl Sum {
        fn new() -> Sum {
            Sum {
                counts: Counts::default(),
                available: 0,
                over: 0,
                units: Default::default(),
            }
        }
        fn add(&mut self, g: &AnnualGroup) {
            self.counts.add(&g.counts);
            self.available += g.available;
            self.over += g.over;
            self.units.extend(g.unit_ids.iter().copied());
        }
        fn row(&self, first: &str, second: &str) -> Vec<Cell> {
            let c = self.counts;
            vec![
                s(first),
                s(second),
                Cell::Empty,
                Cell::Empty,
                Cell::int(self.units.len() as i64),
                i(c.approved),
                i(c.actual),
                i(c.frozen),
                i(c.locked),
                i(c.borrowed),
                i(c.bridged),
                i(self.available),
                i(self.over),
            ]
        }
    }
    let groups = annual_groups(l, p);
    let mut total = Sum::new();
    let mut kinds: Vec<bianzhi_core::catalog::UnitKind> = groups.keys().map(|k| k.0).collect();
    kinds.dedup();
    for kind in kinds {
        let mut sub = Sum::new();
        for (_, g) in groups.range(
            (
                kind,
                bianzhi_core::catalog::Rank::FullDivision,
                bianzhi_core::FundingId(0),
                bianzhi_core::QuotaTypeId(0),
            )..,
        ) {
            if g.labels.0 != kind.label() {
                break;
            }
            let c = g.counts;
            t.rows.push(vec![
                s(&g.labels.0),
                s(&g.labels.1),
                s(&g.labels.2),
                s(&g.labels.3),
                Cell::int(g.units as i64),
                i(c.approved),
                i(c.actual),
                i(c.frozen),
                i(c.locked),
                i(c.borrowed),
                i(c.bridged),
                i(g.available),
                i(g.over),
            ]);
            sub.add(g);
            total.add(g);
        }
        t.rows.push(sub.row(kind.label(), "小计"));
    }
    let mut totals = total.row("合计", "");
    totals[1] = Cell::Empty;
    t.totals = Some(totals);
    t
}
