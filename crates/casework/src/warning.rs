//! 预警: what is about to go wrong, before it is a problem — accounts nearly
//! full, 周转编制 loans and 过桥编制 falling due, 承兑编制 tranches about to be
//! released, this year's 用编计划 still unused late in the year, and a
//! sector's 行业编制总量 nearly used up. Computed
//! from the ledger as of a date; the office sets the window and thresholds.

use chrono::{Datelike, Duration, NaiveDate};
use serde::{Deserialize, Serialize};

use bianzhi_core::model::GrantKind;
use bianzhi_core::{query, Ledger, UnitId};

/// The office's settings of the early warnings.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct WarningSettings {
    /// Loans, bridges and tranches falling due within this many days.
    pub days: u32,
    /// An account is nearly full when this share (percent) of its capacity
    /// (核定 + 周转借入 + 过桥) is used (实有 + 冻结 + 锁定).
    pub used_percent: u32,
    /// From this month on, this year's plan lines with places left are listed.
    pub plan_month: u32,
    /// A unit is above its norm when its 核定 exceeds its normative 编制
    /// (编制标准测算) by more than this share (percent).
    pub above_norm_percent: u32,
}

impl Default for WarningSettings {
    /// 30 days, 95 %, from October, 10 % above the norm.
    fn default() -> Self {
        WarningSettings {
            days: 30,
            used_percent: 95,
            plan_month: 10,
            above_norm_percent: 10,
        }
    }
}

/// What a warning is about.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum WarningKind {
    /// 行业编制总量将满 (first: it concerns the whole jurisdiction).
    SectorNearlyFull,
    /// 编制将满.
    NearlyFull,
    /// 周转编制即将到期.
    LoanDue,
    /// 过桥编制即将到期.
    BridgeDue,
    /// 承兑编制即将下达.
    TrancheDue,
    /// 用编计划尚未使用.
    PlanUnused,
    /// 核定高于编制标准 (from 编制标准测算, by the web layer that keeps the facts).
    AboveNorm,
}

impl WarningKind {
    pub const ALL: [WarningKind; 7] = [
        WarningKind::SectorNearlyFull,
        WarningKind::NearlyFull,
        WarningKind::LoanDue,
        WarningKind::BridgeDue,
        WarningKind::TrancheDue,
        WarningKind::PlanUnused,
        WarningKind::AboveNorm,
    ];

    pub fn label(self) -> &'static str {
        match self {
            WarningKind::NearlyFull => "编制将满",
            WarningKind::LoanDue => "周转编制即将到期",
            WarningKind::BridgeDue => "过桥编制即将到期",
            WarningKind::TrancheDue => "承兑编制即将下达",
            WarningKind::PlanUnused => "用编计划尚未使用",
            WarningKind::AboveNorm => "核定高于编制标准",
            WarningKind::SectorNearlyFull => "行业编制总量将满",
        }
    }
}

/// One early warning.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct EarlyWarning {
    pub kind: WarningKind,
    /// The unit it is about; `None` for a sector's warning.
    pub unit: Option<UnitId>,
    /// The unit's name, or the sector's for a sector's warning.
    pub unit_name: String,
    /// The 行业领域 code of a sector's warning.
    pub sector: Option<String>,
    /// The date it falls due, when it has one.
    pub due: Option<NaiveDate>,
    /// In words, e.g. "区实验小学 事业编制(全额拨款) 容量 20 名，已用 19 名（95%），可用空编 1 名".
    pub description: String,
}

/// The early warnings as of `today`, by kind, then date, then unit.
pub fn early_warnings(ledger: &Ledger, today: NaiveDate, s: &WarningSettings) -> Vec<EarlyWarning> {
    let view = ledger.view_at(today);
    let st = &*view;
    let horizon = today + Duration::days(i64::from(s.days));
    let active = |u: UnitId| query::unit_at(st, u, today).is_some_and(|x| x.is_active());
    let mut out = Vec::new();
    for (key, a) in &st.accounts {
        let c = a.counts;
        let cap = c.capacity();
        let used = cap - c.available();
        // 超编 is a problem already (问题台账), not a warning.
        if cap <= 0 || c.over() > 0 || !active(key.unit) {
            continue;
        }
        if i64::from(used) * 100 >= i64::from(cap) * i64::from(s.used_percent) {
            out.push(EarlyWarning {
                kind: WarningKind::NearlyFull,
                unit: Some(key.unit),
                unit_name: st.unit_name(key.unit),
                sector: None,
                due: None,
                description: format!(
                    "{} {} 容量 {} 名，已用 {} 名（{}%），可用空编 {} 名",
                    st.unit_name(key.unit),
                    st.account_label(key),
                    cap,
                    used,
                    i64::from(used) * 100 / i64::from(cap),
                    c.available().max(0)
                ),
            });
        }
    }
    for l in query::loans_at(st, today, false) {
        let Some(due) = l.due else { continue };
        if l.outstanding() > 0 && due > today && due <= horizon {
            out.push(EarlyWarning {
                kind: WarningKind::LoanDue,
                unit: Some(l.key.unit),
                unit_name: st.unit_name(l.key.unit),
                sector: None,
                due: Some(due),
                description: format!(
                    "{} 借用周转编制 {}（{}）{} 名将于 {} 到期，尚有 {} 名未归还",
                    st.unit_name(l.key.unit),
                    st.account_label(&l.key),
                    l.doc,
                    l.count,
                    due,
                    l.outstanding()
                ),
            });
        }
    }
    for b in query::bridges_at(st, today, false) {
        if b.written_off.is_none() && b.deadline >= today && b.deadline <= horizon {
            out.push(EarlyWarning {
                kind: WarningKind::BridgeDue,
                unit: Some(b.key.unit),
                unit_name: st.unit_name(b.key.unit),
                sector: None,
                due: Some(b.deadline),
                description: format!(
                    "{} 过桥编制 {}（{}）应于 {} 前消化，尚未消化",
                    st.unit_name(b.key.unit),
                    st.account_label(&b.key),
                    b.doc,
                    b.deadline
                ),
            });
        }
    }
    for g in query::grants_at(st, today, false) {
        let GrantKind::Phased { tranches, .. } = &g.kind else {
            continue;
        };
        for t in tranches {
            if t.date > today && t.date <= horizon {
                out.push(EarlyWarning {
                    kind: WarningKind::TrancheDue,
                    unit: Some(g.key.unit),
                    unit_name: st.unit_name(g.key.unit),
                    sector: None,
                    due: Some(t.date),
                    description: format!(
                        "{} 承兑编制 {}（{}）将于 {} 下达 {} 名",
                        st.unit_name(g.key.unit),
                        st.account_label(&g.key),
                        g.doc,
                        t.date,
                        t.count
                    ),
                });
            }
        }
    }
    if today.month() >= s.plan_month {
        for p in st.plan_lines.iter().flatten() {
            if p.year == today.year() && p.remaining() > 0 && active(p.unit) {
                out.push(EarlyWarning {
                    kind: WarningKind::PlanUnused,
                    unit: Some(p.unit),
                    unit_name: st.unit_name(p.unit),
                    sector: None,
                    due: NaiveDate::from_ymd_opt(p.year, 12, 31),
                    description: format!(
                        "{} {} 年{}计划 {} 名，已用 {} 名，尚余 {} 名",
                        st.unit_name(p.unit),
                        p.year,
                        p.channel.label(),
                        p.approved,
                        p.used,
                        p.remaining()
                    ),
                });
            }
        }
    }
    for t in query::sector_totals_at(st, today) {
        let Some(total) = t.count.filter(|c| *c > 0) else {
            continue;
        };
        let held = query::sector_at(st, &t.sector, t.qtype, today).counted();
        if i64::from(held) * 100 >= i64::from(total) * i64::from(s.used_percent) {
            let name = bianzhi_core::codes::sector_name(&t.sector);
            out.push(EarlyWarning {
                kind: WarningKind::SectorNearlyFull,
                unit: None,
                unit_name: name.clone(),
                sector: Some(t.sector.clone()),
                due: None,
                description: format!(
                    "{name}{}总量 {total} 名（{}），已核定 {held} 名（{}%），尚余 {} 名",
                    st.sector_total_qtype(&t),
                    t.doc,
                    i64::from(held) * 100 / i64::from(total),
                    (total - held).max(0)
                ),
            });
        }
    }
    sort(&mut out);
    out
}

/// 核定高于编制标准: a unit whose 核定 is above its normative 编制 by more
/// than the office's share; `calculation` says how the norm was computed.
pub fn above_norm(
    unit: UnitId,
    unit_name: &str,
    approved: i64,
    normative: i64,
    calculation: &str,
    s: &WarningSettings,
) -> Option<EarlyWarning> {
    if normative <= 0 || approved * 100 <= normative * (100 + i64::from(s.above_norm_percent)) {
        return None;
    }
    Some(EarlyWarning {
        kind: WarningKind::AboveNorm,
        unit: Some(unit),
        unit_name: unit_name.to_string(),
        sector: None,
        due: None,
        description: format!(
            "{unit_name} 核定事业编制 {approved} 名，按编制标准测算 {normative} 名，高出 {} 名（{}%）；{calculation}",
            approved - normative,
            (approved - normative) * 100 / normative
        ),
    })
}

/// Puts warnings in their order: by kind, then date, then unit.
pub fn sort(out: &mut [EarlyWarning]) {
    out.sort_by(|a, b| {
        (a.kind, a.due, &a.unit_name, &a.description).cmp(&(
            b.kind,
            b.due,
            &b.unit_name,
            &b.description,
        ))
    });
}
