//! 机构编制统计年报 in the layout a 编办 sends upward: four tables as of a date
//! (usually 31 December) over the whole jurisdiction, each adding up to the
//! ledger's own totals (DOMAIN §7: an upload that differs from the 台账 is
//! rejected).
//!
//! 1. 机构: units by 机构类别 × 规格, 事业单位 also by 事业单位类别
//!    (`query::units_at`).
//! 2. 编制: 核定, 实有, 空编, 超编 … by 编制类型 × 经费形式 (`query::rollup`
//!    by type).
//! 3. 实有人员: per 编制类型, by 性别 (from the 身份证号), 年龄段, 学历, 民族,
//!    政治面貌 (through the code tables of `bianzhi_core::codes`); every
//!    dimension's columns add up to the row's 合计, values no table knows
//!    falling in a 未识别 column.
//! 4. 领导职数: 核定, 实配, 空缺, 超职数 by 机构类别 × 职数类别.
//!
//! [`Statistics`] is also the machine-readable document the level above reads
//! (`to_json` / `from_json`, with a format version); [`sum`] adds up the
//! documents of several jurisdictions row by row, refusing another format
//! version or another 统计时点.

use std::collections::BTreeMap;

use bianzhi_core::catalog::{InstitutionCategory, PostKind, Rank, UnitKind};
use bianzhi_core::codes;
use bianzhi_core::ident::Sex;
use bianzhi_core::model::{PersonDetails, PersonStatus};
use bianzhi_core::{query, Ledger};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::table::{Cell, Table};
use crate::xlsx::{self, SheetError};

/// The `format` of the JSON document.
pub const FORMAT: &str = "bianzhi-statistics";
/// The version of the JSON document's layout; a file of another version is
/// refused when added up.
pub const FORMAT_VERSION: u32 = 1;
/// The report's name.
pub const TITLE: &str = "机构编制统计年报（上报格式）";

/// The 统计时点 of an annual report for `year`: 31 December.
pub fn year_end(year: i32) -> NaiveDate {
    NaiveDate::from_ymd_opt(year, 12, 31).expect("31 December exists")
}

macro_rules! figures {
    ($(#[$m:meta])* $name:ident { $($(#[$fm:meta])* $field:ident => $label:literal),+ $(,)? }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
        #[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
        pub struct $name { $($(#[$fm])* pub $field: i64),+ }

        impl $name {
            /// The column headers, in order.
            pub const LABELS: &'static [&'static str] = &[$($label),+];
            /// The figures in the order of [`Self::LABELS`].
            pub fn values(&self) -> Vec<i64> {
                vec![$(self.$field),+]
            }
            pub fn add(&mut self, o: &Self) {
                $(self.$field += o.$field;)+
            }
            /// The sum of every column.
            pub fn sum(&self) -> i64 {
                0 $(+ self.$field)+
            }
        }
    };
}

figures! {
    /// Units by 规格.
    ByRank {
        /// 正处级.
        full_division => "正处级",
        /// 副处级.
        deputy_division => "副处级",
        /// 正科级.
        full_section => "正科级",
        /// 副科级.
        deputy_section => "副科级",
        /// 股级.
        unit_level => "股级",
        /// 未定规格.
        undefined => "未定规格",
    }
}

impl ByRank {
    fn count(&mut self, r: Rank) {
        *match r {
            Rank::FullDivision => &mut self.full_division,
            Rank::DeputyDivision => &mut self.deputy_division,
            Rank::FullSection => &mut self.full_section,
            Rank::DeputySection => &mut self.deputy_section,
            Rank::Unit => &mut self.unit_level,
            Rank::Undefined => &mut self.undefined,
        } += 1;
    }
}

figures! {
    /// The figures of a group of quota accounts (DOMAIN §2.2).
    QuotaFigures {
        /// 核定.
        approved => "核定",
        /// 已核未下达 (承兑 tranches not yet released).
        unreleased => "已核未下达",
        /// 周转借入.
        borrowed => "周转借入",
        /// 过桥.
        bridged => "过桥",
        /// 实有.
        actual => "实有",
        /// 冻结 (已批未报到).
        frozen => "冻结",
        /// 锁定.
        locked => "锁定",
        /// 空编: 可用空编 summed per account (an account over quota counts 0).
        vacant => "空编",
        /// 超编, summed per account.
        over => "超编",
    }
}

figures! {
    /// 性别, read from the 身份证号.
    BySex {
        male => "男",
        female => "女",
    }
}

figures! {
    /// 年龄段 in whole years on the 统计时点.
    ByAge {
        /// 35岁及以下.
        up_to_35 => "35岁及以下",
        /// 36至40岁.
        from_36_to_40 => "36至40岁",
        /// 41至45岁.
        from_41_to_45 => "41至45岁",
        /// 46至50岁.
        from_46_to_50 => "46至50岁",
        /// 51至54岁.
        from_51_to_54 => "51至54岁",
        /// 55岁及以上.
        from_55 => "55岁及以上",
    }
}

figures! {
    /// 学历 (GB/T 4658-2006): 11 and 14 研究生, 21 大学本科, 31 大学专科, every
    /// other code 中专及以下; a value the table does not know is 未识别.
    ByEducation {
        /// 研究生.
        postgraduate => "研究生",
        /// 大学本科.
        bachelor => "大学本科",
        /// 大学专科.
        college => "大学专科",
        /// 中专及以下.
        secondary_or_below => "中专及以下",
        /// 学历未识别.
        unknown => "学历未识别",
    }
}

figures! {
    /// 民族 (GB 3304-1991): 01 汉族, 02–56 少数民族; 其他未识别民族, 外国血统
    /// and values the table does not know are 未识别.
    ByEthnicity {
        /// 汉族.
        han => "汉族",
        /// 少数民族.
        minority => "少数民族",
        /// 民族未识别.
        unknown => "民族未识别",
    }
}

figures! {
    /// 政治面貌 (GB/T 4762-1984): 01–02 中共党员 (预备党员 included), 04–11
    /// 民主党派, 12 无党派人士, 03 共青团员, 13 群众; anything else 未识别.
    ByPolitical {
        /// 中共党员 (含预备党员).
        cpc => "中共党员",
        /// 民主党派.
        democratic => "民主党派",
        /// 无党派人士.
        independent => "无党派人士",
        /// 共青团员.
        league => "共青团员",
        /// 群众.
        masses => "群众",
        /// 政治面貌未识别.
        unknown => "政治面貌未识别",
    }
}

figures! {
    /// 领导职数 of a group of post accounts.
    PostFigures {
        /// 核定.
        approved => "核定",
        /// 实配.
        filled => "实配",
        /// 空缺, summed per post account (an account over its 职数 counts 0).
        vacant => "空缺",
        /// 超职数, summed per post account.
        over => "超职数",
    }
}

/// A jurisdiction (区划): GB/T 2260 code and name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Jurisdiction {
    /// 区划代码, e.g. `320903`.
    pub code: String,
    /// 名称, e.g. 盐城市盐都区.
    pub name: String,
}

/// 表1 机构: one row per 机构类别 (事业单位: per 事业单位类别).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitKindRow {
    /// 机构类别, e.g. 政府工作部门.
    pub kind: String,
    /// 事业单位类别 (事业单位 only; 未定类别 where none was recorded).
    pub category: Option<String>,
    /// 机构数 by 规格.
    pub ranks: ByRank,
    /// 机构数.
    pub total: i64,
}

/// 表2 编制: one row per 编制类型 × 经费形式.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuotaRow {
    /// 编制类型.
    pub qtype: String,
    /// 经费形式.
    pub funding: String,
    pub figures: QuotaFigures,
}

/// 表3 实有人员: one row per 编制类型 (and the 合计).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PeopleRow {
    /// 编制类型.
    pub qtype: String,
    /// 实有人数.
    pub total: i64,
    pub sex: BySex,
    pub age: ByAge,
    pub education: ByEducation,
    pub ethnicity: ByEthnicity,
    pub political: ByPolitical,
}

impl PeopleRow {
    fn add(&mut self, o: &PeopleRow) {
        self.total += o.total;
        self.sex.add(&o.sex);
        self.age.add(&o.age);
        self.education.add(&o.education);
        self.ethnicity.add(&o.ethnicity);
        self.political.add(&o.political);
    }

    /// Each dimension's sum, with its name: all equal `total` in a sound row.
    pub fn dimensions(&self) -> [(&'static str, i64); 5] {
        [
            ("性别", self.sex.sum()),
            ("年龄段", self.age.sum()),
            ("学历", self.education.sum()),
            ("民族", self.ethnicity.sum()),
            ("政治面貌", self.political.sum()),
        ]
    }

    /// Counts one person as of `as_of`.
    fn count(&mut self, d: &PersonDetails, as_of: NaiveDate) {
        self.total += 1;
        match d.sex() {
            Sex::Male => self.sex.male += 1,
            Sex::Female => self.sex.female += 1,
        }
        let a = &mut self.age;
        *match as_of.years_since(d.birth()).unwrap_or(0) {
            0..=35 => &mut a.up_to_35,
            36..=40 => &mut a.from_36_to_40,
            41..=45 => &mut a.from_41_to_45,
            46..=50 => &mut a.from_46_to_50,
            51..=54 => &mut a.from_51_to_54,
            _ => &mut a.from_55,
        } += 1;
        let e = &mut self.education;
        *match codes::EDUCATION.lookup(&d.education).map(|c| c.code) {
            Some("11" | "14") => &mut e.postgraduate,
            Some("21") => &mut e.bachelor,
            Some("31") => &mut e.college,
            Some(_) => &mut e.secondary_or_below,
            None => &mut e.unknown,
        } += 1;
        let n = &mut self.ethnicity;
        let code = codes::ETHNICITY
            .lookup(&d.ethnicity)
            .and_then(|c| c.code.parse::<u8>().ok());
        *match code {
            Some(1) => &mut n.han,
            Some(2..=56) => &mut n.minority,
            _ => &mut n.unknown,
        } += 1;
        let p = &mut self.political;
        let code = codes::POLITICAL
            .lookup(&d.political)
            .and_then(|c| c.code.parse::<u8>().ok());
        *match code {
            Some(1 | 2) => &mut p.cpc,
            Some(3) => &mut p.league,
            Some(4..=11) => &mut p.democratic,
            Some(12) => &mut p.independent,
            Some(13) => &mut p.masses,
            _ => &mut p.unknown,
        } += 1;
    }
}

/// 表4 领导职数: one row per 机构类别 × 职数类别.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostRow {
    /// 机构类别.
    pub unit_kind: String,
    /// 职数类别, e.g. 单位领导正职.
    pub post_kind: String,
    pub figures: PostFigures,
}

/// The 合计 of each table (what the level above checks against the 台账).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct StatisticsTotals {
    /// 表1: 机构数 by 规格.
    pub units: ByRank,
    /// 表2: every account.
    pub quotas: QuotaFigures,
    /// 表3: every person (编制类型 reads 合计).
    pub people: PeopleRow,
    /// 表4: every post account.
    pub posts: PostFigures,
}

/// The 统计年报 of one jurisdiction, or the sum of several: the four tables as
/// typed rows (each table's rows in official order), their totals, and what
/// a reader needs to accept it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Statistics {
    /// Always `bianzhi-statistics`.
    pub format: String,
    /// The layout's version (currently 1); another version is refused.
    pub version: u32,
    /// 制表单位: the jurisdiction the figures are of.
    pub jurisdiction: Jurisdiction,
    /// The jurisdictions whose ledgers the figures add up (the jurisdiction
    /// itself for one ledger; every part for a sum).
    pub includes: Vec<Jurisdiction>,
    /// 统计时点.
    pub as_of: NaiveDate,
    /// 表1 机构.
    pub units: Vec<UnitKindRow>,
    /// 表2 编制.
    pub quotas: Vec<QuotaRow>,
    /// 表3 实有人员.
    pub people: Vec<PeopleRow>,
    /// 表4 领导职数.
    pub posts: Vec<PostRow>,
    pub totals: StatisticsTotals,
}

/// Why a statistics document is refused, in Chinese.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum StatError {
    #[error("不是统计年报数据文件（应为本系统导出的 JSON）：{0}")]
    NotStatistics(String),
    #[error("统计年报数据格式版本为 {found}，本系统读取的是第 {FORMAT_VERSION} 版，请用同一版本重新导出")]
    Version { found: String },
    #[error("统计时点不一致：{first_name}为 {first}，{other_name}为 {other}；只能汇总同一统计时点的年报")]
    AsOf {
        first: NaiveDate,
        first_name: String,
        other: NaiveDate,
        other_name: String,
    },
    #[error("{0}的年报重复，不能汇总两次")]
    Duplicate(String),
    #[error("{name}的年报数据不一致：{what}")]
    Inconsistent { name: String, what: String },
    #[error("没有要汇总的年报")]
    Empty,
}

// ---------------------------------------------------------------- order

/// Position of a label in an official list (unknown labels after it, by name).
fn pos(list: &[&str], label: &str) -> (usize, String) {
    match list.iter().position(|l| *l == label) {
        Some(i) => (i, String::new()),
        None => (list.len(), label.to_string()),
    }
}

const QTYPES: &[&str] = &[
    "行政编制",
    "政法专项编制",
    "事业编制",
    "参公事业编制",
    "工勤编制",
];
const FUNDINGS: &[&str] = &["全额拨款", "差额拨款", "自收自支"];
/// The 事业单位类别 of a 事业单位 that has none recorded.
pub const NO_CATEGORY: &str = "未定类别";

fn unit_kinds() -> Vec<&'static str> {
    UnitKind::ALL.iter().map(|k| k.label()).collect()
}
fn categories() -> Vec<&'static str> {
    let mut v: Vec<&str> = InstitutionCategory::ALL.iter().map(|c| c.label()).collect();
    v.push(NO_CATEGORY);
    v
}
fn post_kinds() -> Vec<&'static str> {
    PostKind::ALL.iter().map(|k| k.label()).collect()
}

type Key2 = ((usize, String), (usize, String));

fn unit_key(r: &UnitKindRow) -> Key2 {
    (
        pos(&unit_kinds(), &r.kind),
        r.category
            .as_deref()
            .map_or((0, String::new()), |c| pos(&categories(), c)),
    )
}
fn quota_key(r: &QuotaRow) -> Key2 {
    (pos(QTYPES, &r.qtype), pos(FUNDINGS, &r.funding))
}
fn post_key(r: &PostRow) -> Key2 {
    (
        pos(&unit_kinds(), &r.unit_kind),
        pos(&post_kinds(), &r.post_kind),
    )
}

/// Adds up rows with the same key, in key order.
fn merge<R: Clone>(
    rows: impl IntoIterator<Item = R>,
    key: impl Fn(&R) -> Key2,
    same: impl Fn(&R, &R) -> bool,
    add: impl Fn(&mut R, &R),
) -> Vec<R> {
    let mut out: BTreeMap<Key2, Vec<R>> = BTreeMap::new();
    for r in rows {
        let v = out.entry(key(&r)).or_default();
        // Unknown labels share a position: keep them apart by the label too.
        match v.iter_mut().find(|x| same(x, &r)) {
            Some(x) => add(x, &r),
            None => v.push(r),
        }
    }
    out.into_values().flatten().collect()
}

fn merge_units(rows: impl IntoIterator<Item = UnitKindRow>) -> Vec<UnitKindRow> {
    merge(
        rows,
        unit_key,
        |a, b| a.kind == b.kind && a.category == b.category,
        |a, b| {
            a.ranks.add(&b.ranks);
            a.total += b.total;
        },
    )
}
fn merge_quotas(rows: impl IntoIterator<Item = QuotaRow>) -> Vec<QuotaRow> {
    merge(
        rows,
        quota_key,
        |a, b| a.qtype == b.qtype && a.funding == b.funding,
        |a, b| a.figures.add(&b.figures),
    )
}
fn merge_people(rows: impl IntoIterator<Item = PeopleRow>) -> Vec<PeopleRow> {
    merge(
        rows,
        |r| (pos(QTYPES, &r.qtype), (0, String::new())),
        |a, b| a.qtype == b.qtype,
        PeopleRow::add,
    )
}
fn merge_posts(rows: impl IntoIterator<Item = PostRow>) -> Vec<PostRow> {
    merge(
        rows,
        post_key,
        |a, b| a.unit_kind == b.unit_kind && a.post_kind == b.post_kind,
        |a, b| a.figures.add(&b.figures),
    )
}

/// Every row of 表1, empty: each 机构类别, 事业单位 by each 事业单位类别.
fn unit_layout() -> Vec<UnitKindRow> {
    let mut v = Vec::new();
    for k in UnitKind::ALL {
        let cats: Vec<Option<String>> = if *k == UnitKind::Institution {
            categories()
                .into_iter()
                .map(|c| Some(c.to_string()))
                .collect()
        } else {
            vec![None]
        };
        for category in cats {
            v.push(UnitKindRow {
                kind: k.label().to_string(),
                category,
                ranks: ByRank::default(),
                total: 0,
            });
        }
    }
    v
}

// ---------------------------------------------------------------- compute

/// The 统计年报 of the ledger's jurisdiction as of `as_of`.
pub fn compute(l: &Ledger, as_of: NaiveDate) -> Statistics {
    let st = l.view_at(as_of);
    let units = query::units_at(&st, as_of);
    let mut unit_rows = unit_layout();
    let mut quotas = Vec::new();
    let mut people: BTreeMap<String, PeopleRow> = BTreeMap::new();
    let mut posts = Vec::new();
    for u in &units {
        let mut ranks = ByRank::default();
        ranks.count(u.rank);
        let category = (u.kind == UnitKind::Institution)
            .then(|| u.category.map_or(NO_CATEGORY, |c| c.label()).to_string());
        unit_rows.push(UnitKindRow {
            kind: u.kind.label().to_string(),
            category,
            ranks,
            total: 1,
        });
        for r in query::quota_table(&st, u.id, as_of) {
            let c = r.counts;
            quotas.push(QuotaRow {
                qtype: r.qtype,
                funding: r.funding,
                figures: QuotaFigures {
                    approved: c.approved.into(),
                    unreleased: c.unreleased.into(),
                    borrowed: c.borrowed.into(),
                    bridged: c.bridged.into(),
                    actual: c.actual.into(),
                    frozen: c.frozen.into(),
                    locked: c.locked.into(),
                    vacant: r.available.max(0).into(),
                    over: r.over.into(),
                },
            });
        }
        for (pid, pl) in query::roster_at(&st, u.id, as_of) {
            if pl.status != PersonStatus::Active {
                continue;
            }
            let Some(p) = st.person(pid) else { continue };
            let qtype = st.qtype_name(pl.qtype);
            people
                .entry(qtype.clone())
                .or_insert_with(|| PeopleRow {
                    qtype,
                    ..Default::default()
                })
                .count(&p.details, as_of);
        }
        for r in query::post_table(&st, u.id, as_of) {
            posts.push(PostRow {
                unit_kind: u.kind.label().to_string(),
                post_kind: r.key.kind.label().to_string(),
                figures: PostFigures {
                    approved: r.approved.into(),
                    filled: r.filled.into(),
                    vacant: r.vacant.max(0).into(),
                    over: (-r.vacant).max(0).into(),
                },
            });
        }
    }
    let j = Jurisdiction {
        code: st.jurisdiction.code.clone(),
        name: st.jurisdiction.name.clone(),
    };
    assemble(
        j.clone(),
        vec![j],
        as_of,
        merge_units(unit_rows),
        merge_quotas(quotas),
        merge_people(people.into_values()),
        merge_posts(posts),
    )
}

fn assemble(
    jurisdiction: Jurisdiction,
    includes: Vec<Jurisdiction>,
    as_of: NaiveDate,
    units: Vec<UnitKindRow>,
    quotas: Vec<QuotaRow>,
    people: Vec<PeopleRow>,
    posts: Vec<PostRow>,
) -> Statistics {
    let mut s = Statistics {
        format: FORMAT.to_string(),
        version: FORMAT_VERSION,
        jurisdiction,
        includes,
        as_of,
        units,
        quotas,
        people,
        posts,
        totals: StatisticsTotals::default(),
    };
    s.totals = s.recount();
    s
}

impl Statistics {
    /// The totals as the rows add them up.
    pub fn recount(&self) -> StatisticsTotals {
        let mut t = StatisticsTotals {
            people: PeopleRow {
                qtype: "合计".into(),
                ..Default::default()
            },
            ..Default::default()
        };
        for r in &self.units {
            t.units.add(&r.ranks);
        }
        for r in &self.quotas {
            t.quotas.add(&r.figures);
        }
        for r in &self.people {
            t.people.add(r);
        }
        for r in &self.posts {
            t.posts.add(&r.figures);
        }
        t
    }

    /// 表2 by 编制类型 (the 小计 rows), in official order.
    pub fn quotas_by_type(&self) -> Vec<(String, QuotaFigures)> {
        let mut v: Vec<(String, QuotaFigures)> = Vec::new();
        for r in &self.quotas {
            match v.last_mut() {
                Some((q, f)) if *q == r.qtype => f.add(&r.figures),
                _ => v.push((r.qtype.clone(), r.figures)),
            }
        }
        v
    }

    /// Checks that every row and total adds up: a row's 机构数 is the sum of
    /// its 规格, each dimension of 表3 adds up to the row's 人数, and the
    /// totals are the rows' sums.
    pub fn check(&self) -> Result<(), StatError> {
        let bad = |what: String| StatError::Inconsistent {
            name: self.jurisdiction.name.clone(),
            what,
        };
        for r in &self.units {
            if r.ranks.sum() != r.total {
                return Err(bad(format!(
                    "表1“{}{}”各规格之和 {} 与机构数 {} 不等",
                    r.kind,
                    r.category
                        .as_deref()
                        .map(|c| format!("（{c}）"))
                        .unwrap_or_default(),
                    r.ranks.sum(),
                    r.total
                )));
            }
        }
        for r in &self.people {
            for (dim, n) in r.dimensions() {
                if n != r.total {
                    return Err(bad(format!(
                        "表3“{}”按{}分列之和 {} 与实有人数 {} 不等",
                        r.qtype, dim, n, r.total
                    )));
                }
            }
        }
        let mut total = self.recount();
        total.people.qtype = self.totals.people.qtype.clone();
        if total != self.totals {
            return Err(bad("合计与各行之和不等".into()));
        }
        Ok(())
    }

    /// The document as pretty JSON.
    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("statistics serialise")
    }

    /// Reads a document written by [`Statistics::to_json`]: refused if it is
    /// not one, is of another format version, or does not add up.
    pub fn from_json(text: &str) -> Result<Statistics, StatError> {
        let v: serde_json::Value =
            serde_json::from_str(text).map_err(|e| StatError::NotStatistics(e.to_string()))?;
        if v.get("format").and_then(|f| f.as_str()) != Some(FORMAT) {
            return Err(StatError::NotStatistics(format!("缺少格式标识“{FORMAT}”")));
        }
        match v.get("version") {
            Some(n) if n.as_u64() == Some(FORMAT_VERSION.into()) => {}
            other => {
                return Err(StatError::Version {
                    found: other.map_or("（未注明）".into(), |n| n.to_string()),
                })
            }
        }
        let s: Statistics =
            serde_json::from_value(v).map_err(|e| StatError::NotStatistics(e.to_string()))?;
        s.check()?;
        Ok(s)
    }

    /// The four tables (with 小计 and 合计 rows) for the screen, the
    /// terminal and the workbook.
    pub fn tables(&self) -> [Table; 4] {
        [
            self.units_table(),
            self.quotas_table(),
            self.people_table(),
            self.posts_table(),
        ]
    }

    /// The lines above each table: title, 统计时点, 制表单位.
    pub fn heading(&self, t: &Table) -> Vec<String> {
        vec![
            format!("机构编制统计年报　{}", t.title),
            format!("统计时点：{}", self.as_of),
            format!("制表单位：{}", self.jurisdiction.name),
        ]
    }

    /// One workbook, one sheet per table, each headed by [`Self::heading`].
    pub fn workbook(&self) -> Result<rust_xlsxwriter::Workbook, SheetError> {
        let tables = self.tables();
        let headings: Vec<Vec<String>> = tables.iter().map(|t| self.heading(t)).collect();
        let sheets: Vec<(&Table, &[String])> = tables
            .iter()
            .zip(&headings)
            .map(|(t, h)| (t, h.as_slice()))
            .collect();
        xlsx::workbook_headed(&sheets)
    }

    fn units_table(&self) -> Table {
        let mut h = vec!["机构类别", "事业单位类别", "合计"];
        h.extend(ByRank::LABELS);
        let mut t = Table::new("表1 机构情况", &h);
        let row = |a: &str, b: &str, total: i64, r: &ByRank| {
            let mut v = vec![text(a), text(b), Cell::Int(total)];
            v.extend(r.values().into_iter().map(Cell::Int));
            v
        };
        for (kind, rows) in groups(&self.units, |r| &r.kind) {
            let mut sub = ByRank::default();
            for r in rows {
                t.rows.push(row(
                    &r.kind,
                    r.category.as_deref().unwrap_or(""),
                    r.total,
                    &r.ranks,
                ));
                sub.add(&r.ranks);
            }
            if rows.len() > 1 || rows.iter().any(|r| r.category.is_some()) {
                t.rows.push(row(kind, "小计", sub.sum(), &sub));
            }
        }
        let u = &self.totals.units;
        t.totals = Some(row("合计", "", u.sum(), u));
        t
    }

    fn quotas_table(&self) -> Table {
        let mut h = vec!["编制类型", "经费形式"];
        h.extend(QuotaFigures::LABELS);
        let mut t = Table::new("表2 编制情况", &h);
        let row = |a: &str, b: &str, f: &QuotaFigures| {
            let mut v = vec![text(a), text(b)];
            v.extend(f.values().into_iter().map(Cell::Int));
            v
        };
        for (qtype, rows) in groups(&self.quotas, |r| &r.qtype) {
            let mut sub = QuotaFigures::default();
            for r in rows {
                t.rows.push(row(&r.qtype, &r.funding, &r.figures));
                sub.add(&r.figures);
            }
            t.rows.push(row(qtype, "小计", &sub));
        }
        t.totals = Some(row("合计", "", &self.totals.quotas));
        t
    }

    fn people_table(&self) -> Table {
        let mut h = vec!["编制类型", "合计"];
        h.extend(BySex::LABELS);
        h.extend(ByAge::LABELS);
        h.extend(ByEducation::LABELS);
        h.extend(ByEthnicity::LABELS);
        h.extend(ByPolitical::LABELS);
        let mut t = Table::new("表3 实有人员情况", &h);
        let row = |r: &PeopleRow| {
            let mut v = vec![text(&r.qtype), Cell::Int(r.total)];
            for vals in [
                r.sex.values(),
                r.age.values(),
                r.education.values(),
                r.ethnicity.values(),
                r.political.values(),
            ] {
                v.extend(vals.into_iter().map(Cell::Int));
            }
            v
        };
        t.rows = self.people.iter().map(row).collect();
        let mut total = self.totals.people.clone();
        total.qtype = "合计".into();
        t.totals = Some(row(&total));
        t
    }

    fn posts_table(&self) -> Table {
        let mut h = vec!["机构类别", "职数类别"];
        h.extend(PostFigures::LABELS);
        let mut t = Table::new("表4 领导职数情况", &h);
        let row = |a: &str, b: &str, f: &PostFigures| {
            let mut v = vec![text(a), text(b)];
            v.extend(f.values().into_iter().map(Cell::Int));
            v
        };
        for (kind, rows) in groups(&self.posts, |r| &r.unit_kind) {
            let mut sub = PostFigures::default();
            for r in rows {
                t.rows.push(row(&r.unit_kind, &r.post_kind, &r.figures));
                sub.add(&r.figures);
            }
            t.rows.push(row(kind, "小计", &sub));
        }
        t.totals = Some(row("合计", "", &self.totals.posts));
        t
    }
}

fn text(s: &str) -> Cell {
    Cell::text(s)
}

/// Consecutive rows with the same label.
fn groups<R>(rows: &[R], label: impl Fn(&R) -> &String) -> Vec<(&str, &[R])> {
    let mut out: Vec<(&str, &[R])> = Vec::new();
    let mut start = 0;
    for i in 1..=rows.len() {
        if i == rows.len() || label(&rows[i]) != label(&rows[start]) {
            out.push((label(&rows[start]).as_str(), &rows[start..i]));
            start = i;
        }
    }
    out
}

// ---------------------------------------------------------------- sum

/// Adds up the 统计年报 of several jurisdictions row by row, as the
/// `jurisdiction` above them. Refused if any is of another format version,
/// of another 统计时点, if a jurisdiction comes twice, or if one does not add
/// up in itself.
pub fn sum(parts: &[Statistics], jurisdiction: Jurisdiction) -> Result<Statistics, StatError> {
    let first = parts.first().ok_or(StatError::Empty)?;
    let mut includes: Vec<Jurisdiction> = Vec::new();
    for p in parts {
        if p.format != FORMAT {
            return Err(StatError::NotStatistics(format!(
                "{}：格式标识“{}”",
                p.jurisdiction.name, p.format
            )));
        }
        if p.version != FORMAT_VERSION {
            return Err(StatError::Version {
                found: p.version.to_string(),
            });
        }
        if p.as_of != first.as_of {
            return Err(StatError::AsOf {
                first: first.as_of,
                first_name: first.jurisdiction.name.clone(),
                other: p.as_of,
                other_name: p.jurisdiction.name.clone(),
            });
        }
        p.check()?;
        for j in &p.includes {
            if includes.iter().any(|x| x.code == j.code) {
                return Err(StatError::Duplicate(format!("{}（{}）", j.name, j.code)));
            }
            includes.push(j.clone());
        }
    }
    Ok(assemble(
        jurisdiction,
        includes,
        first.as_of,
        merge_units(
            unit_layout()
                .into_iter()
                .chain(parts.iter().flat_map(|p| p.units.clone())),
        ),
        merge_quotas(parts.iter().flat_map(|p| p.quotas.clone())),
        merge_people(parts.iter().flat_map(|p| p.people.clone())),
        merge_posts(parts.iter().flat_map(|p| p.posts.clone())),
    ))
}
