//! 编制标准 (staffing norms) as dated, cited data, the facts of a unit they
//! count (在校生 by stage, 在园幼儿, 床位, 服务人口), and the normative 编制
//! computed from both, term by term, so that the calculation can be shown and
//! attached to a case. Pure: no I/O, no clock.
//!
//! **The default figures and citations below are as recalled** from the
//! published documents and must be checked against the office's copy; they
//! are data, not rules: the office overrides any of them with a norm of its
//! own (the same sector and measure, a later or equal effective date, its
//! own basis text), kept beside the ledger by the web layer, and every page
//! that shows a calculation shows the basis it used. Where the exact day a
//! document took effect is not recalled, its effective date is the first of
//! its year.
//!
//! Rounding (stated on every calculation): each term is rounded half-up to
//! 0.1 person; the unit's normative 编制 is the sum of its rounded terms,
//! rounded half-up to a whole person.

use std::collections::BTreeMap;
use std::fmt;
use std::str::FromStr;

use chrono::NaiveDate;
use serde::{Deserialize, Deserializer, Serialize, Serializer};

use crate::codes::{sector_covers, sector_name};

/// What a norm counts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Measure {
    /// 小学在校生.
    Primary,
    /// 初中在校生.
    Junior,
    /// 高中在校生.
    Senior,
    /// 在园幼儿.
    Children,
    /// 床位 (编制床位).
    Beds,
    /// 服务人口.
    Population,
}

impl Measure {
    pub const ALL: [Measure; 6] = [
        Measure::Primary,
        Measure::Junior,
        Measure::Senior,
        Measure::Children,
        Measure::Beds,
        Measure::Population,
    ];

    /// The label a form and a report column use.
    pub fn label(self) -> &'static str {
        match self {
            Measure::Primary => "小学在校生",
            Measure::Junior => "初中在校生",
            Measure::Senior => "高中在校生",
            Measure::Children => "在园幼儿",
            Measure::Beds => "床位",
            Measure::Population => "服务人口",
        }
    }

    /// What is counted, as a measure word: 人 or 张.
    pub fn unit_word(self) -> &'static str {
        match self {
            Measure::Beds => "张",
            _ => "人",
        }
    }

    /// The code used in forms, JSON and spreadsheets' internal names.
    pub fn code(self) -> &'static str {
        match self {
            Measure::Primary => "primary",
            Measure::Junior => "junior",
            Measure::Senior => "senior",
            Measure::Children => "children",
            Measure::Beds => "beds",
            Measure::Population => "population",
        }
    }

    /// The measure of a code or label.
    pub fn parse(s: &str) -> Option<Measure> {
        let s = s.trim();
        Measure::ALL
            .into_iter()
            .find(|m| m.code() == s || m.label() == s)
    }
}

/// A non-negative decimal with up to three places, kept exactly in
/// thousandths (a ratio's terms: 12.5, 1.3, 1000).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub struct Milli(pub u64);

impl Milli {
    pub const ONE: Milli = Milli(1000);

    pub fn whole(n: u64) -> Milli {
        Milli(n * 1000)
    }
}

impl fmt::Display for Milli {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (i, frac) = (self.0 / 1000, self.0 % 1000);
        if frac == 0 {
            write!(f, "{i}")
        } else {
            let s = format!("{frac:03}");
            write!(f, "{i}.{}", s.trim_end_matches('0'))
        }
    }
}

/// Why a decimal was not read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("“{0}”不是有效的数（应为不小于 0、至多三位小数的数，如 12.5）")]
pub struct BadNumber(pub String);

impl FromStr for Milli {
    type Err = BadNumber;
    fn from_str(s: &str) -> Result<Milli, BadNumber> {
        let bad = || BadNumber(s.trim().to_string());
        let t = s.trim();
        let (i, f) = t.split_once('.').unwrap_or((t, ""));
        if i.is_empty() || !i.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        if f.len() > 3
            || !f.bytes().all(|b| b.is_ascii_digit())
            || (t.contains('.') && f.is_empty())
        {
            return Err(bad());
        }
        let i: u64 = i.parse().map_err(|_| bad())?;
        let mut frac = 0u64;
        for (k, b) in f.bytes().enumerate() {
            frac += u64::from(b - b'0') * [100, 10, 1][k];
        }
        i.checked_mul(1000)
            .and_then(|v| v.checked_add(frac))
            .filter(|v| *v <= 1_000_000_000_000)
            .map(Milli)
            .ok_or_else(bad)
    }
}

impl Serialize for Milli {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_string())
    }
}

impl<'de> Deserialize<'de> for Milli {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Milli, D::Error> {
        let s = String::deserialize(d)?;
        s.parse().map_err(serde::de::Error::custom)
    }
}

/// One 编制标准: for units of `sector` (a field's two-digit code takes in the
/// sectors within it), `staff` 编制 per `per` of `measure` (中小学 高中
/// 1:12.5 is staff 1, per 12.5; 公立医院 床位 1:1.3 is staff 1.3, per 1;
/// 服务人口 1‰ is staff 1, per 1000), from `effective` on, citing its basis.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Norm {
    /// 行业领域 code ([`crate::codes::SECTOR`]).
    pub sector: String,
    pub measure: Measure,
    pub staff: Milli,
    pub per: Milli,
    /// 文件名称.
    pub basis: String,
    /// 文号 (may be empty for an old document).
    #[serde(default)]
    pub doc_no: String,
    pub effective: NaiveDate,
    /// A remark (the range the document allows, the choice made).
    #[serde(default)]
    pub note: String,
}

impl Norm {
    /// The ratio as the documents write it: `编制:小学在校生 = 1:19`,
    /// `床位:编制 = 1:1.3`, `编制:服务人口 = 1:1000（1‰）`.
    pub fn ratio_text(&self) -> String {
        let m = self.measure.label();
        if self.staff == Milli::ONE {
            let permille = if self.per == Milli::whole(1000) {
                "（1‰）"
            } else {
                ""
            };
            format!("编制:{m} = 1:{}{permille}", self.per)
        } else if self.per == Milli::ONE {
            format!("{m}:编制 = 1:{}", self.staff)
        } else {
            format!("编制:{m} = {}:{}", self.staff, self.per)
        }
    }

    /// 文件名称 and 文号: `《…》（中央编办发〔2014〕72号）`.
    pub fn citation(&self) -> String {
        if self.doc_no.trim().is_empty() {
            self.basis.clone()
        } else {
            format!("{}（{}）", self.basis, self.doc_no)
        }
    }

    /// The term for `count`, in tenths of a person, rounded half-up.
    pub fn tenths(&self, count: u64) -> u64 {
        if self.per.0 == 0 {
            return 0;
        }
        // count × staff ÷ per, in tenths: (count × staff_milli × 10) ÷ per_milli.
        let num = u128::from(count) * u128::from(self.staff.0) * 10;
        let den = u128::from(self.per.0);
        ((2 * num + den) / (2 * den)) as u64
    }

    /// Whether the norm is whole: a sector, a positive ratio, a basis.
    pub fn check(&self) -> Result<(), String> {
        if crate::codes::SECTOR.by_code(&self.sector).is_none() {
            return Err(format!("行业领域代码“{}”不在代码表中", self.sector));
        }
        if self.staff.0 == 0 || self.per.0 == 0 {
            return Err("比例的两项都应大于 0".into());
        }
        if self.basis.trim().is_empty() {
            return Err("请填写依据（文件名称）".into());
        }
        Ok(())
    }
}

fn day(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid date")
}

/// The norms in code (figures and citations as recalled; see the module
/// documentation):
///
/// - 中小学 (0101): 《中央编办 教育部 财政部关于统一城乡中小学教职工编制标准的
///   通知》（中央编办发〔2014〕72号）: 高中 1:12.5, 初中 1:13.5, 小学 1:19
///   (教职工:学生), county and rural standards unified with the urban ones.
/// - 幼儿园 (0102): 《幼儿园教职工配备标准（暂行）》（教师〔2013〕1号）: 全日制
///   教职工与幼儿之比 1:5–1:7; 1:7 is taken (the least the standard allows).
/// - 基层医疗卫生机构 (0202), for 乡镇卫生院: 《关于乡镇卫生院机构编制标准的
///   指导意见》（中央编办发〔2011〕28号, 中央编办、卫生部、财政部、民政部）:
///   按服务人口 1‰ 左右.
/// - 公立医院 (0201): 《综合医院组织编制原则（试行草案）》（卫医字〔1978〕
///   1689号）: 床位与工作人员之比 1:1.3 (the lowest band, 300 beds or fewer,
///   allows 1:1.30–1:1.40).
pub fn defaults() -> Vec<Norm> {
    let school = |measure, per: u64, per_frac: u64| Norm {
        sector: "0101".into(),
        measure,
        staff: Milli::ONE,
        per: Milli(per * 1000 + per_frac),
        basis: "《中央编办 教育部 财政部关于统一城乡中小学教职工编制标准的通知》".into(),
        doc_no: "中央编办发〔2014〕72号".into(),
        effective: day(2014, 11, 13),
        note: "教职工与学生比；城市、县镇、农村标准统一".into(),
    };
    vec![
        school(Measure::Senior, 12, 500),
        school(Measure::Junior, 13, 500),
        school(Measure::Primary, 19, 0),
        Norm {
            sector: "0102".into(),
            measure: Measure::Children,
            staff: Milli::ONE,
            per: Milli::whole(7),
            basis: "《幼儿园教职工配备标准（暂行）》".into(),
            doc_no: "教师〔2013〕1号".into(),
            effective: day(2013, 1, 8),
            note: "全日制教职工与幼儿比 1:5–1:7，取 1:7".into(),
        },
        Norm {
            sector: "0202".into(),
            measure: Measure::Population,
            staff: Milli::ONE,
            per: Milli::whole(1000),
            basis: "《关于乡镇卫生院机构编制标准的指导意见》".into(),
            doc_no: "中央编办发〔2011〕28号".into(),
            effective: day(2011, 1, 1),
            note: "乡镇卫生院按服务人口 1‰ 左右核定".into(),
        },
        Norm {
            sector: "0201".into(),
            measure: Measure::Beds,
            staff: Milli(1300),
            per: Milli::ONE,
            basis: "《综合医院组织编制原则（试行草案）》".into(),
            doc_no: "卫医字〔1978〕1689号".into(),
            effective: day(1978, 1, 1),
            note: "床位与人员比 1:1.30–1:1.40（300 张床位以下），取 1:1.3".into(),
        },
    ]
}

/// A set of norms: the defaults followed by the office's overrides. The norm
/// in force for a unit's sector and a measure at a date is the one whose
/// sector is the most specific covering the unit's, then the latest
/// effective on or before the date, then the one given last (an override
/// on the same date as a default wins).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Norms {
    pub entries: Vec<Norm>,
}

impl Norms {
    /// The defaults, then `overrides`.
    pub fn with_overrides(overrides: impl IntoIterator<Item = Norm>) -> Norms {
        let mut entries = defaults();
        entries.extend(overrides);
        Norms { entries }
    }

    /// The norm for units of `sector` counting `measure` at `date`.
    pub fn in_force(&self, sector: &str, measure: Measure, date: NaiveDate) -> Option<&Norm> {
        self.entries
            .iter()
            .enumerate()
            .filter(|(_, n)| {
                n.measure == measure && n.effective <= date && sector_covers(&n.sector, sector)
            })
            .max_by_key(|(i, n)| (n.sector.len(), n.effective, *i))
            .map(|(_, n)| n)
    }

    /// The norms in force at `date` for units of `sector`, in measure order.
    pub fn for_sector(&self, sector: &str, date: NaiveDate) -> Vec<&Norm> {
        Measure::ALL
            .into_iter()
            .filter_map(|m| self.in_force(sector, m, date))
            .collect()
    }

    /// Every norm in force at `date`, one per sector and measure, in sector
    /// then measure order.
    pub fn all_in_force(&self, date: NaiveDate) -> Vec<&Norm> {
        let mut keys: Vec<(&str, Measure)> = self
            .entries
            .iter()
            .filter(|n| n.effective <= date)
            .map(|n| (n.sector.as_str(), n.measure))
            .collect();
        keys.sort();
        keys.dedup();
        keys.into_iter()
            .filter_map(|(s, m)| self.in_force(s, m, date))
            .filter(|n| !n.sector.is_empty())
            .collect()
    }

    /// The sectors some norm in force at `date` is set for.
    pub fn sectors(&self, date: NaiveDate) -> Vec<String> {
        let mut v: Vec<String> = self
            .entries
            .iter()
            .filter(|n| n.effective <= date)
            .map(|n| n.sector.clone())
            .collect();
        v.sort();
        v.dedup();
        v
    }

    /// Whether some norm in force at `date` applies to units of `sector`.
    pub fn applies(&self, sector: &str, date: NaiveDate) -> bool {
        !self.for_sector(sector, date).is_empty()
    }
}

/// The facts of a unit as of a date (a survey such as 家家到, a statistics
/// return): the counts a norm reads, and where they come from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Facts {
    /// 统计时点.
    pub as_of: NaiveDate,
    /// The counts given; a measure left out was not reported.
    pub counts: BTreeMap<Measure, u64>,
    /// 数据来源 (e.g. 2025 年秋季学期教育事业统计、家家到核查).
    #[serde(default)]
    pub source: String,
}

impl Facts {
    pub fn count(&self, m: Measure) -> Option<u64> {
        self.counts.get(&m).copied()
    }
}

/// The facts of a unit in force at `date`: the latest reported on or before
/// it, from a history in any order.
pub fn facts_at(history: &[Facts], date: NaiveDate) -> Option<&Facts> {
    history
        .iter()
        .filter(|f| f.as_of <= date)
        .max_by_key(|f| f.as_of)
}

/// Records `facts` in a unit's history: replaces the facts of the same date,
/// keeps the history in date order.
pub fn record_facts(history: &mut Vec<Facts>, facts: Facts) {
    history.retain(|f| f.as_of != facts.as_of);
    history.push(facts);
    history.sort_by_key(|f| f.as_of);
}

/// One term of a calculation: a count under its norm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Term {
    pub measure: Measure,
    pub count: u64,
    pub norm: Norm,
    /// The result in tenths of a person (rounded half-up).
    pub tenths: u64,
}

impl Term {
    /// `600 ÷ 19 = 31.6`, `300 × 1.3 = 390.0`.
    pub fn arithmetic(&self) -> String {
        let n = &self.norm;
        let expr = if n.staff == Milli::ONE {
            format!("{} ÷ {}", self.count, n.per)
        } else if n.per == Milli::ONE {
            format!("{} × {}", self.count, n.staff)
        } else {
            format!("{} × {} ÷ {}", self.count, n.staff, n.per)
        };
        format!("{expr} = {}", tenths_text(self.tenths))
    }
}

/// Tenths as a decimal with one place: `31.6`, `50.0`.
pub fn tenths_text(t: u64) -> String {
    format!("{}.{}", t / 10, t % 10)
}

/// The rule of rounding, as shown with every calculation.
pub const ROUNDING: &str = "各项按四舍五入保留一位小数，合计四舍五入取整";

/// The normative 编制 of a unit: each term, their sum and the whole result.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Calculation {
    /// The unit's sector.
    pub sector: String,
    /// The date the norms are read at.
    pub date: NaiveDate,
    /// 统计时点 of the facts used.
    pub facts_as_of: NaiveDate,
    pub terms: Vec<Term>,
    /// Measures with a norm but no count in the facts (not counted).
    pub missing: Vec<Measure>,
    /// Σ of the terms, in tenths.
    pub total_tenths: u64,
    /// The normative 编制: the sum rounded half-up to a whole person.
    pub total: u64,
}

impl Calculation {
    /// The calculation in one paragraph, for a case's 动议理由 and a report:
    /// each term with its count, ratio and basis, the sum and the rounding.
    pub fn text(&self) -> String {
        let mut parts = Vec::new();
        for t in &self.terms {
            parts.push(format!(
                "{}{}{}，按{}（{}），{}",
                t.measure.label(),
                t.count,
                t.measure.unit_word(),
                t.norm.citation(),
                t.norm.ratio_text(),
                t.arithmetic()
            ));
        }
        let mut s = format!(
            "编制标准测算（{}，统计时点 {}）：{}；合计 {}，{}，测算编制 {} 名。",
            sector_name(&self.sector),
            self.facts_as_of,
            parts.join("；"),
            tenths_text(self.total_tenths),
            ROUNDING,
            self.total
        );
        if !self.missing.is_empty() {
            let m: Vec<&str> = self.missing.iter().map(|m| m.label()).collect();
            s.push_str(&format!("{}未填报，按 0 人计。", m.join("、")));
        }
        s
    }
}

/// The normative 编制 of a unit of `sector` with `facts`, under the norms in
/// force at `date`: one term per measure that has both a norm and a count
/// (rounded half-up to 0.1), summed, the sum rounded half-up to a whole
/// person. `None` when no norm applies to the sector.
pub fn normative(
    sector: &str,
    facts: &Facts,
    norms: &Norms,
    date: NaiveDate,
) -> Option<Calculation> {
    let in_force = norms.for_sector(sector, date);
    if in_force.is_empty() {
        return None;
    }
    let mut terms = Vec::new();
    let mut missing = Vec::new();
    for n in in_force {
        match facts.count(n.measure) {
            Some(count) => terms.push(Term {
                measure: n.measure,
                count,
                tenths: n.tenths(count),
                norm: n.clone(),
            }),
            None => missing.push(n.measure),
        }
    }
    let total_tenths: u64 = terms.iter().map(|t| t.tenths).sum();
    Some(Calculation {
        sector: sector.to_string(),
        date,
        facts_as_of: facts.as_of,
        terms,
        missing,
        total_tenths,
        total: (total_tenths + 5) / 10,
    })
}
