//! What is overdue or due in registration, for the 总览 and the 问题台账.

use bianzhi_casework::calendar::Calendar;
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::annual::{AnnualReport, ReportStatus};
use crate::application::{AppKind, Application};
use crate::certificate::{self, CertState};
use crate::policy::Policy;
use crate::register::{LegalPerson, Persons, RegId};
use crate::ties::{deregistration_obligations, LedgerFacts};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum FindingKind {
    /// 受理超期.
    AcceptanceOverdue,
    /// 审查决定超期.
    DecisionOverdue,
    /// 已撤销未注销.
    NotDeregistered,
    /// 证章未收缴.
    SealsOutstanding,
    /// 证书临期.
    CertificateExpiring,
    /// 证书已过期.
    CertificateExpired,
    /// 印鉴未备案.
    SealNotFiled,
    /// 年报逾期未报.
    AnnualReportLate,
}

impl FindingKind {
    pub fn label(self) -> &'static str {
        match self {
            FindingKind::AcceptanceOverdue => "登记申请受理超期",
            FindingKind::DecisionOverdue => "登记申请审查超期",
            FindingKind::NotDeregistered => "已撤销未注销",
            FindingKind::SealsOutstanding => "证章未收缴",
            FindingKind::CertificateExpiring => "法人证书临期",
            FindingKind::CertificateExpired => "法人证书已过期",
            FindingKind::SealNotFiled => "印章未备案",
            FindingKind::AnnualReportLate => "年度报告逾期未报",
        }
    }
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub kind: FindingKind,
    pub reg: Option<RegId>,
    pub application: Option<u64>,
    /// The unit's name.
    pub name: String,
    /// The date it was (or is) due.
    pub due: NaiveDate,
    pub detail: String,
}

/// Everything due on `today`. `reports` are the annual reports kept; a
/// legal person set up before the year ended and with no published or filed
/// report for last year after the deadline is late.
#[allow(clippy::too_many_arguments)]
pub fn findings(
    persons: &Persons,
    applications: &[Application],
    reports: &[AnnualReport],
    facts: &LedgerFacts,
    today: NaiveDate,
    cal: &Calendar,
    policy: &Policy,
) -> Vec<Finding> {
    let mut out = Vec::new();
    let name_of = |reg: Option<RegId>, fallback: &str| {
        reg.and_then(|r| persons.get(&r))
            .map(|p| p.particulars.name.clone())
            .unwrap_or_else(|| fallback.to_string())
    };
    for a in applications {
        if let Some((clock, due)) = a.overdue(today, cal, policy) {
            out.push(Finding {
                kind: match clock {
                    crate::application::Clock::Acceptance => FindingKind::AcceptanceOverdue,
                    crate::application::Clock::Decision => FindingKind::DecisionOverdue,
                },
                reg: a.reg,
                application: Some(a.id),
                name: name_of(a.reg, &a.applicant),
                due,
                detail: format!("{}：{}已于 {due} 届满", a.kind().label(), clock.label()),
            });
        }
    }
    for o in deregistration_obligations(facts, persons, policy, today) {
        let pending = applications
            .iter()
            .any(|a| a.reg == Some(o.reg) && a.kind() == AppKind::Deregister && a.status.open());
        if today > o.due {
            out.push(Finding {
                kind: FindingKind::NotDeregistered,
                reg: Some(o.reg),
                application: None,
                name: o.name.clone(),
                due: o.due,
                detail: format!(
                    "机构编制台账已于 {} 撤销（{}），{}",
                    o.abolished_on,
                    o.doc,
                    if pending {
                        "注销申请尚未办结"
                    } else {
                        "尚未申请注销登记"
                    }
                ),
            });
        }
    }
    for p in persons.values() {
        person_findings(p, reports, today, cal, policy, &mut out);
    }
    out.sort_by(|a, b| (a.due, a.kind, &a.name).cmp(&(b.due, b.kind, &b.name)));
    out
}

fn person_findings(
    p: &LegalPerson,
    reports: &[AnnualReport],
    today: NaiveDate,
    cal: &Calendar,
    policy: &Policy,
    out: &mut Vec<Finding>,
) {
    let outstanding: Vec<_> = p.outstanding_seals().collect();
    if let Some(since) = outstanding.iter().filter_map(|s| s.to_collect_since).min() {
        out.push(Finding {
            kind: FindingKind::SealsOutstanding,
            reg: Some(p.reg),
            application: None,
            name: p.particulars.name.clone(),
            due: since,
            detail: format!(
                "{} 枚印章待收缴（{}）",
                outstanding.len(),
                outstanding
                    .iter()
                    .map(|s| s.kind.label())
                    .collect::<Vec<_>>()
                    .join("、")
            ),
        });
    }
    if p.status.ended() {
        return;
    }
    if let Some(c) = &p.certificate {
        match certificate::state(c, today, policy) {
            CertState::Valid => {}
            CertState::Expiring => out.push(Finding {
                kind: FindingKind::CertificateExpiring,
                reg: Some(p.reg),
                application: None,
                name: p.particulars.name.clone(),
                due: c.valid_to,
                detail: format!("法人证书有效期至 {}，请及时申请换领", c.valid_to),
            }),
            CertState::Expired => out.push(Finding {
                kind: FindingKind::CertificateExpired,
                reg: Some(p.reg),
                application: None,
                name: p.particulars.name.clone(),
                due: c.valid_to,
                detail: format!("法人证书已于 {} 到期，自动废止", c.valid_to),
            }),
        }
        if p.seals.is_empty() {
            let due = cal.add_working_days(c.valid_from, policy.seal_filing_days);
            if today > due {
                out.push(Finding {
                    kind: FindingKind::SealNotFiled,
                    reg: Some(p.reg),
                    application: None,
                    name: p.particulars.name.clone(),
                    due,
                    detail: format!(
                        "发证后 {} 个工作日内应办理印章刻制备案",
                        policy.seal_filing_days
                    ),
                });
            }
        }
    }
    // Last year's annual report, for a legal person set up before that year ended.
    let year = today.year() - 1;
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).expect("31 Dec");
    let due = policy.annual_report_deadline(year);
    if p.established_on <= year_end && today > due {
        let filed = reports.iter().any(|r| {
            r.reg == p.reg
                && r.year == year
                && matches!(r.status, ReportStatus::Submitted | ReportStatus::Published)
        });
        if !filed {
            out.push(Finding {
                kind: FindingKind::AnnualReportLate,
                reg: Some(p.reg),
                application: None,
                name: p.particulars.name.clone(),
                due,
                detail: format!("{year} 年度报告应于 {due} 前报送"),
            });
        }
    }
}
