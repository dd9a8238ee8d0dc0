//! 编制标准测算 as of a date: per unit of a sector with norms, its facts, the
//! normative 编制 term by term, 核定 and 实有 of its 事业编制 and the
//! difference; per-sector sums; the units above and below the norm.

use std::collections::HashMap;

use bianzhi_core::codes::sector_name;
use bianzhi_core::norms::{facts_at, normative, tenths_text, Calculation, Facts, Norm, Norms};
use bianzhi_core::{query, UnitId};
use chrono::NaiveDate;
use chrono::{DateTime, Utc};
use serde::Deserialize;
use serde::Serialize;
use utoipa::ToSchema;

use crate::ledger::*;
use crate::prelude::*;

/// The 编制类型 a normative 编制 is compared with and a 核增 adds to.
pub const QTYPE: &str = "事业编制";

/// A norm the office set, as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct NormRecord {
    pub norm: Norm,
    /// Who set it (name).
    pub author: String,
    /// 停用: kept (ids are never given again) but no longer applied.
    #[serde(default)]
    pub retired: bool,
}

/// One dated report of a unit's facts, with who entered it and when.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct FactsEntry {
    pub facts: Facts,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// A unit's facts as stored.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct UnitFactsRecord {
    pub unit: u32,
    pub history: Vec<FactsEntry>,
}

impl UnitFactsRecord {
    pub fn facts(&self) -> Vec<Facts> {
        self.history.iter().map(|e| e.facts.clone()).collect()
    }
}

/// The facts in words, for the audit trail and a case: `小学在校生 950 人、初中在校生 400 人`.
pub fn facts_words(f: &Facts) -> String {
    f.counts
        .iter()
        .map(|(m, n)| format!("{} {n} {}", m.label(), m.unit_word()))
        .collect::<Vec<_>>()
        .join("、")
}

/// A norm as shown: its ratio, basis and whether it is the office's own.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NormView {
    /// The office's own norm (record number); absent for a default.
    pub id: Option<i64>,
    /// 行业领域 code.
    pub sector: String,
    pub sector_name: String,
    /// What it counts (`primary`, `junior`, `senior`, `children`, `beds`, `population`).
    pub measure: String,
    pub measure_label: String,
    /// 编制 per `per` counted.
    pub staff: String,
    pub per: String,
    /// The ratio as the documents write it.
    pub ratio: String,
    /// 文件名称.
    pub basis: String,
    /// 文号.
    pub doc_no: String,
    #[schema(value_type = String, format = Date)]
    pub effective: NaiveDate,
    pub note: String,
    /// 本办设定 or 默认（据文件）.
    pub origin: String,
    /// Applied at the report's date (not replaced by a later or own norm).
    pub in_force: bool,
    /// Retired by the office (own norms only).
    pub retired: bool,
}

impl NormView {
    fn of(n: &Norm, id: Option<i64>, in_force: bool, retired: bool) -> NormView {
        NormView {
            id,
            sector: n.sector.clone(),
            sector_name: sector_name(&n.sector),
            measure: n.measure.code().into(),
            measure_label: n.measure.label().into(),
            staff: n.staff.to_string(),
            per: n.per.to_string(),
            ratio: n.ratio_text(),
            basis: n.basis.clone(),
            doc_no: n.doc_no.clone(),
            effective: n.effective,
            note: n.note.clone(),
            origin: if id.is_some() {
                "本办设定".into()
            } else {
                "默认（据文件）".into()
            },
            in_force,
            retired,
        }
    }
}

/// Every norm, the defaults then the office's own, each marked in force or not at `date`.
pub fn norm_views(norms: &Norms, own: &[(i64, NormRecord)], date: NaiveDate) -> Vec<NormView> {
    let in_force = norms.all_in_force(date);
    let live = |n: &Norm| in_force.contains(&n);
    let mut v: Vec<NormView> = bianzhi_core::norms::defaults()
        .iter()
        .map(|n| NormView::of(n, None, live(n), false))
        .collect();
    for (id, r) in own {
        v.push(NormView::of(
            &r.norm,
            Some(*id),
            !r.retired && live(&r.norm),
            r.retired,
        ));
    }
    v
}

/// A norm in force, marked as the office's own when it is.
fn view_in_force(n: &Norm, own: &[(i64, NormRecord)]) -> NormView {
    let id = own
        .iter()
        .find(|(_, r)| !r.retired && &r.norm == n)
        .map(|(i, _)| *i);
    NormView::of(n, id, true, false)
}

/// One term of a calculation.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TermView {
    pub measure: String,
    pub measure_label: String,
    pub count: u64,
    pub ratio: String,
    /// 文件名称（文号）.
    pub citation: String,
    /// The term, one decimal place.
    pub result: String,
    /// `600 ÷ 19 = 31.6`.
    pub arithmetic: String,
}

/// A unit's normative 编制 with each term, as shown and attached to a case.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CalcView {
    /// 统计时点 of the facts used.
    #[schema(value_type = String, format = Date)]
    pub facts_as_of: NaiveDate,
    pub terms: Vec<TermView>,
    /// Measures with a norm but not reported (not counted).
    pub missing: Vec<String>,
    /// Σ of the terms, one decimal place.
    pub sum: String,
    /// 测算编制: the sum rounded half-up to a whole person.
    pub total: i64,
    /// The rounding rule.
    pub rounding: String,
    /// The whole calculation in one paragraph.
    pub text: String,
}

impl CalcView {
    pub fn of(c: &Calculation) -> CalcView {
        CalcView {
            facts_as_of: c.facts_as_of,
            terms: c
                .terms
                .iter()
                .map(|t| TermView {
                    measure: t.measure.code().into(),
                    measure_label: t.measure.label().into(),
                    count: t.count,
                    ratio: t.norm.ratio_text(),
                    citation: t.norm.citation(),
                    result: tenths_text(t.tenths),
                    arithmetic: t.arithmetic(),
                })
                .collect(),
            missing: c.missing.iter().map(|m| m.label().to_string()).collect(),
            sum: tenths_text(c.total_tenths),
            total: c.total as i64,
            rounding: bianzhi_core::norms::ROUNDING.into(),
            text: c.text(),
        }
    }
}

/// One unit of the report.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitNormRow {
    pub unit: UnitLink,
    pub sector: String,
    pub sector_name: String,
    /// The facts used (the latest reported on or before the date), in words.
    pub facts: Option<String>,
    /// The counts used, by measure code.
    #[schema(value_type = Object)]
    pub counts: std::collections::BTreeMap<String, u64>,
    /// Where the facts come from.
    pub source: Option<String>,
    /// The calculation; absent when no facts were reported by the date.
    pub calc: Option<CalcView>,
    /// 核定 of the unit's 事业编制.
    pub approved: i32,
    /// 实有 in the unit's 事业编制.
    pub actual: i32,
    /// 核定 − 测算编制: above 0 over the norm, below 0 short of it.
    pub diff: Option<i64>,
    /// 超出标准, 低于标准, 符合标准 or 未填报.
    pub status: String,
    /// 经费形式 of the 事业编制 account a 核增 would add to.
    pub funding: Option<String>,
}

/// The unit's row at the context's date; `None` when the unit has no
/// sector or no norm applies to it.
pub fn unit_row(
    ctx: &ReadCtx<'_>,
    uid: UnitId,
    norms: &Norms,
    history: &[Facts],
) -> Option<UnitNormRow> {
    let u = query::unit_at(ctx.st, uid, ctx.date)?;
    let sector = u.sector.clone()?;
    if !norms.applies(&sector, ctx.date) {
        return None;
    }
    let (mut approved, mut actual) = (0, 0);
    let mut best: Option<(i32, String)> = None;
    for a in ctx.st.unit_accounts(uid) {
        if ctx.st.qtype_name(a.key.qtype) != QTYPE {
            continue;
        }
        if let Some((c, _)) = query::account_at(ctx.st, &a.key, ctx.date) {
            approved += c.approved;
            actual += c.actual;
            if best.as_ref().is_none_or(|(n, _)| c.approved > *n) {
                best = Some((c.approved, funding_name(ctx.st, a.key.funding)));
            }
        }
    }
    let funding = best
        .map(|(_, f)| f)
        .or_else(|| u.funding.map(|f| funding_name(ctx.st, f)))
        .filter(|f| !f.is_empty());
    let facts = facts_at(history, ctx.date);
    let calc = facts.and_then(|f| normative(&sector, f, norms, ctx.date));
    let diff = calc.as_ref().map(|c| approved as i64 - c.total as i64);
    let status = match diff {
        None => "未填报",
        Some(d) if d > 0 => "超出标准",
        Some(d) if d < 0 => "低于标准",
        Some(_) => "符合标准",
    };
    Some(UnitNormRow {
        unit: link(ctx.live, uid),
        sector_name: sector_name(&sector),
        sector,
        facts: facts.map(facts_words),
        counts: facts
            .map(|f| {
                f.counts
                    .iter()
                    .map(|(m, n)| (m.code().to_string(), *n))
                    .collect()
            })
            .unwrap_or_default(),
        source: facts.map(|f| f.source.clone()),
        calc: calc.as_ref().map(CalcView::of),
        approved,
        actual,
        diff,
        status: status.into(),
        funding,
    })
}

/// The sums of one sector.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SectorSum {
    pub sector: String,
    pub sector_name: String,
    /// Units of the sector.
    pub units: usize,
    /// Units with facts reported.
    pub reported: usize,
    /// Σ 测算编制 of the units reported.
    pub normative: i64,
    /// Σ 核定 of the units reported.
    pub approved: i64,
    /// Σ 实有 of the units reported.
    pub actual: i64,
    /// Σ 核定 − Σ 测算编制.
    pub diff: i64,
}

/// 编制标准测算: the report as of a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct NormReport {
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    pub rows: Vec<UnitNormRow>,
    pub sectors: Vec<SectorSum>,
    /// Units whose 核定 is above their normative 编制.
    pub over: Vec<UnitNormRow>,
    /// Units whose 核定 is below their normative 编制 (a 核增 may be proposed).
    pub under: Vec<UnitNormRow>,
    /// Units of a sector with norms that reported no facts by the date.
    pub unreported: usize,
    /// The norms in force at the date, with their basis.
    pub norms: Vec<NormView>,
    pub rounding: String,
}

/// The report over every unit the reader may see, as of the context's date.
pub fn report(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    norms: &Norms,
    own: &[(i64, NormRecord)],
    facts: &HashMap<u32, Vec<Facts>>,
) -> NormReport {
    let none: Vec<Facts> = Vec::new();
    let mut rows: Vec<UnitNormRow> = query::units_at(ctx.st, ctx.date)
        .into_iter()
        .filter(|u| in_scope(scope, u.id))
        .filter_map(|u| unit_row(ctx, u.id, norms, facts.get(&u.id.0).unwrap_or(&none)))
        .collect();
    rows.sort_by(|a, b| a.sector.cmp(&b.sector));
    let mut sectors: Vec<SectorSum> = Vec::new();
    for r in &rows {
        if sectors.last().is_none_or(|s| s.sector != r.sector) {
            sectors.push(SectorSum {
                sector: r.sector.clone(),
                sector_name: r.sector_name.clone(),
                units: 0,
                reported: 0,
                normative: 0,
                approved: 0,
                actual: 0,
                diff: 0,
            });
        }
        let s = sectors.last_mut().expect("pushed above");
        s.units += 1;
        if let Some(c) = &r.calc {
            s.reported += 1;
            s.normative += c.total;
            s.approved += i64::from(r.approved);
            s.actual += i64::from(r.actual);
            s.diff = s.approved - s.normative;
        }
    }
    let over = rows
        .iter()
        .filter(|r| r.diff.is_some_and(|d| d > 0))
        .cloned()
        .collect();
    let under = rows
        .iter()
        .filter(|r| r.diff.is_some_and(|d| d < 0))
        .cloned()
        .collect();
    let unreported = rows.iter().filter(|r| r.calc.is_none()).count();
    let norms_view = norms
        .all_in_force(ctx.date)
        .into_iter()
        .map(|n| view_in_force(n, own))
        .collect();
    NormReport {
        as_of: ctx.date,
        rows,
        sectors,
        over,
        under,
        unreported,
        norms: norms_view,
        rounding: bianzhi_core::norms::ROUNDING.into(),
    }
}

/// A unit's page of facts: its row at the date and its reported facts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitFactsView {
    pub unit: UnitLink,
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    /// 行业领域 (code and name), if set.
    pub sector: Option<String>,
    pub sector_name: Option<String>,
    /// The calculation at the date; absent when the unit has no sector with norms.
    pub row: Option<UnitNormRow>,
    /// The norms for the unit's sector at the date.
    pub norms: Vec<NormView>,
    /// Every report of facts, newest first.
    pub history: Vec<FactsLine>,
}

/// One report of facts.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FactsLine {
    #[schema(value_type = String, format = Date)]
    pub as_of: NaiveDate,
    /// The counts by measure code.
    #[schema(value_type = Object)]
    pub counts: std::collections::BTreeMap<String, u64>,
    pub words: String,
    pub source: String,
    /// Who entered it, and when.
    pub by: String,
    pub at: String,
}

pub fn unit_facts_view(
    ctx: &ReadCtx<'_>,
    uid: UnitId,
    norms: &Norms,
    own: &[(i64, NormRecord)],
    entries: &[FactsEntry],
) -> UnitFactsView {
    let history: Vec<Facts> = entries.iter().map(|e| e.facts.clone()).collect();
    let sector = query::unit_at(ctx.st, uid, ctx.date)
        .or_else(|| ctx.live.unit(uid))
        .and_then(|u| u.sector.clone());
    let unit_norms = sector
        .as_deref()
        .map(|s| {
            norms
                .for_sector(s, ctx.date)
                .into_iter()
                .map(|n| view_in_force(n, own))
                .collect()
        })
        .unwrap_or_default();
    UnitFactsView {
        unit: link(ctx.live, uid),
        as_of: ctx.date,
        sector_name: sector.as_deref().map(sector_name),
        sector,
        row: unit_row(ctx, uid, norms, &history),
        norms: unit_norms,
        history: entries
            .iter()
            .rev()
            .map(|e| FactsLine {
                as_of: e.facts.as_of,
                counts: e
                    .facts
                    .counts
                    .iter()
                    .map(|(m, n)| (m.code().to_string(), *n))
                    .collect(),
                words: facts_words(&e.facts),
                source: e.facts.source.clone(),
                by: e.by.clone(),
                at: crate::state::fmt_time(e.at),
            })
            .collect(),
    }
}
