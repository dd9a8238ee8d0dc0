//! The tie between the register and the 机构编制 ledger (registration.md §7).
//! Hard rules refuse with the rule's name; soft ones give warnings that the
//! clerk sees and the record keeps.

use bianzhi_core::catalog::UnitKind;
use bianzhi_core::ident::parse_doc_no;
use bianzhi_core::matter::{Op, UnitRef};
use bianzhi_core::query::unit_at;
use bianzhi_core::{JournalError, Ledger, State, UnitId};
use chrono::{Days, NaiveDate};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::application::Proposal;
use crate::particulars::{Change, FundingSource};
use crate::policy::Policy;
use crate::register::{LegalPerson, Persons, RegId};

/// What a ledger matter did to a unit, as far as the register cares.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum LedgerEvent {
    /// 设立.
    Established { unit: UnitId, name: String },
    /// 更名.
    Renamed { unit: UnitId, name: String },
    /// 撤销.
    Abolished { unit: UnitId },
    /// 合并 into another unit.
    Merged { unit: UnitId, into: UnitId },
}

impl LedgerEvent {
    pub fn unit(&self) -> UnitId {
        match self {
            LedgerEvent::Established { unit, .. }
            | LedgerEvent::Renamed { unit, .. }
            | LedgerEvent::Abolished { unit }
            | LedgerEvent::Merged { unit, .. } => *unit,
        }
    }
}

/// One such act with the matter it comes from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerAct {
    /// The matter's 序号.
    pub seq: u64,
    /// 文号, normal form.
    pub doc: String,
    pub effective: NaiveDate,
    pub event: LedgerEvent,
}

/// The acts of the ledger's standing matters that bear on registration.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct LedgerFacts {
    pub acts: Vec<LedgerAct>,
}

fn id_of(r: &UnitRef) -> Option<UnitId> {
    match r {
        UnitRef::Id(id) => Some(*id),
        UnitRef::Name(_) => None,
    }
}

/// The 文号 in its normal form when it parses, else trimmed.
pub fn normal_doc(s: &str) -> String {
    parse_doc_no(s)
        .map(|d| d.normal_form())
        .unwrap_or_else(|_| s.trim().to_string())
}

impl LedgerFacts {
    /// Reads the ledger's standing matters (voided ones skipped).
    pub fn from_ledger(l: &Ledger) -> Result<LedgerFacts, JournalError> {
        let mut acts = Vec::new();
        for m in l.matters() {
            let (seq, m) = m?;
            if !l.stands(seq) || m.supplements.is_some() {
                continue;
            }
            for op in &m.ops {
                let event = match op {
                    Op::CreateUnit(n) => n.id.map(|unit| LedgerEvent::Established {
                        unit,
                        name: n.name.clone(),
                    }),
                    Op::RenameUnit { unit, name, .. } => {
                        id_of(unit).map(|unit| LedgerEvent::Renamed {
                            unit,
                            name: name.clone(),
                        })
                    }
                    Op::AbolishUnit { unit, .. } => {
                        id_of(unit).map(|unit| LedgerEvent::Abolished { unit })
                    }
                    Op::MergeUnit { unit, into } => match (id_of(unit), id_of(into)) {
                        (Some(unit), Some(into)) => Some(LedgerEvent::Merged { unit, into }),
                        _ => None,
                    },
                    _ => None,
                };
                if let Some(event) = event {
                    acts.push(LedgerAct {
                        seq,
                        doc: m.doc.normal_form(),
                        effective: m.effective,
                        event,
                    });
                }
            }
        }
        Ok(LedgerFacts { acts })
    }

    /// The acts of a document.
    pub fn by_doc<'a>(&'a self, doc: &str) -> impl Iterator<Item = &'a LedgerAct> + 'a {
        let doc = normal_doc(doc);
        self.acts.iter().filter(move |a| a.doc == doc)
    }

    /// The units a document abolished or merged away (for a bulk 注销).
    pub fn abolished_by(&self, doc: &str) -> Vec<(UnitId, NaiveDate)> {
        self.by_doc(doc)
            .filter(|a| {
                matches!(
                    a.event,
                    LedgerEvent::Abolished { .. } | LedgerEvent::Merged { .. }
                )
            })
            .map(|a| (a.event.unit(), a.effective))
            .collect()
    }

    /// When a unit was abolished or merged away, and by which document.
    pub fn ending_of(&self, unit: UnitId) -> Option<&LedgerAct> {
        self.acts.iter().find(|a| {
            a.event.unit() == unit
                && matches!(
                    a.event,
                    LedgerEvent::Abolished { .. } | LedgerEvent::Merged { .. }
                )
        })
    }
}

/// A hard tie that does not hold.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TieError {
    #[error("设立登记须引用机构编制台账中的设立事项：文号“{0}”下没有设立事业单位的事项（不在编制内的单位请勾选“不占编制（国有资产举办）”）")]
    NoEstablishMatter(String),
    #[error("文号“{doc}”设立的“{name}”是{kind}，不是事业单位，不办理事业单位法人登记")]
    NotInstitution {
        doc: String,
        name: String,
        kind: &'static str,
    },
    #[error(
        "申请登记的名称“{applied}”与机构编制台账核定的名称“{approved}”不一致（以 {doc} 为准）"
    )]
    NameMismatch {
        applied: String,
        approved: String,
        doc: String,
    },
    #[error("名称变更须以机构编制更名事项为依据：台账中没有将该单位更名为“{0}”的事项")]
    NoRenameMatter(String),
    #[error("{name}在机构编制台账中已于 {on} 撤销（{doc}），只能办理注销登记")]
    Abolished {
        name: String,
        on: NaiveDate,
        doc: String,
    },
}

impl TieError {
    pub fn code(&self) -> &'static str {
        match self {
            TieError::NoEstablishMatter(_) => "no_establish_matter",
            TieError::NotInstitution { .. } => "not_institution",
            TieError::NameMismatch { .. } => "name_mismatch",
            TieError::NoRenameMatter(_) => "no_rename_matter",
            TieError::Abolished { .. } => "unit_abolished",
        }
    }
}

/// A soft tie that does not hold: shown and kept with the record.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TieWarning {
    pub rule: String,
    pub message: String,
}

/// The 经费来源 the ledger's 经费形式 calls for (全额/差额 → 财政补助; 自收自支 → 非财政补助).
pub fn funding_for(st: &State, unit: UnitId, date: NaiveDate) -> Option<FundingSource> {
    let u = unit_at(st, unit, date)?;
    let f = st.funding_form(u.funding?)?;
    match f.name.as_str() {
        "全额拨款" | "差额拨款" => Some(FundingSource::Fiscal),
        "自收自支" => Some(FundingSource::NonFiscal),
        _ => None,
    }
}

fn soft_checks(
    st: &State,
    unit: UnitId,
    date: NaiveDate,
    funding: Option<FundingSource>,
    sponsors: Option<&[String]>,
    second_names: Option<&[String]>,
) -> Vec<TieWarning> {
    let mut out = Vec::new();
    let Some(u) = unit_at(st, unit, date) else {
        return out;
    };
    if let (Some(f), Some(want)) = (funding, funding_for(st, unit, date)) {
        if f != want {
            out.push(TieWarning {
                rule: "经费来源与经费形式一致".into(),
                message: format!(
                    "经费来源“{}”与机构编制台账的经费形式（应为“{}”）不一致",
                    f.label(),
                    want.label()
                ),
            });
        }
    }
    if let (Some(sp), Some(parent)) = (sponsors, u.parent) {
        let pname = unit_at(st, parent, date)
            .map(|p| p.name.clone())
            .unwrap_or_default();
        if sp.first().map(String::as_str) != Some(pname.as_str()) {
            out.push(TieWarning {
                rule: "举办单位与主管部门一致".into(),
                message: format!(
                    "举办单位“{}”与机构编制台账的主管部门“{pname}”不一致",
                    sp.join("、")
                ),
            });
        }
    }
    if let Some(names) = second_names {
        if names != u.second_names.as_slice() {
            out.push(TieWarning {
                rule: "挂牌名称与台账一致".into(),
                message: format!(
                    "挂牌名称“{}”与机构编制台账的挂牌“{}”不一致",
                    names.join("、"),
                    u.second_names.join("、")
                ),
            });
        }
    }
    out
}

/// Checks a 设立 against the ledger; the ledger's unit it rests on (if any)
/// and the warnings.
pub fn check_establish(
    facts: &LedgerFacts,
    st: &State,
    proposal: &Proposal,
    date: NaiveDate,
) -> Result<(Option<UnitId>, Vec<TieWarning>), TieError> {
    let Proposal::Establish {
        particulars,
        approval_doc,
        outside_establishment,
        ..
    } = proposal
    else {
        return Ok((None, Vec::new()));
    };
    if *outside_establishment {
        return Ok((
            None,
            vec![TieWarning {
                rule: "不占编制的事业单位".into(),
                message: "不在机构编制台账中（国有资产举办），按批准文件登记".into(),
            }],
        ));
    }
    let doc = normal_doc(approval_doc);
    // A document may set up many units: the one of this name, else the first
    // (whose name then does not match).
    let established: Vec<&LedgerAct> = facts
        .by_doc(&doc)
        .filter(|a| matches!(a.event, LedgerEvent::Established { .. }))
        .collect();
    let act = established
        .iter()
        .find(|a| matches!(&a.event, LedgerEvent::Established { name, .. } if *name == particulars.name))
        .or_else(|| {
            established.iter().find(|a| {
                unit_at(st, a.event.unit(), date).is_some_and(|u| u.name == particulars.name)
            })
        })
        .or(established.first())
        .copied()
        .ok_or_else(|| TieError::NoEstablishMatter(approval_doc.trim().to_string()))?;
    let unit = act.event.unit();
    let kind = st.unit(unit).map(|u| u.kind).unwrap_or(UnitKind::Other);
    let name_now = unit_at(st, unit, date)
        .or_else(|| st.unit(unit))
        .map(|u| u.name.clone())
        .unwrap_or_default();
    if kind != UnitKind::Institution {
        return Err(TieError::NotInstitution {
            doc,
            name: name_now,
            kind: kind.label(),
        });
    }
    if let Some(end) = facts.ending_of(unit).filter(|a| a.effective <= date) {
        return Err(TieError::Abolished {
            name: name_now,
            on: end.effective,
            doc: end.doc.clone(),
        });
    }
    if particulars.name != name_now {
        return Err(TieError::NameMismatch {
            applied: particulars.name.clone(),
            approved: name_now,
            doc,
        });
    }
    let warnings = soft_checks(
        st,
        unit,
        date,
        Some(particulars.funding),
        Some(&particulars.sponsors),
        Some(&particulars.second_names),
    );
    Ok((Some(unit), warnings))
}

/// Checks a 变更 of a registered person against the ledger.
pub fn check_change(
    facts: &LedgerFacts,
    st: &State,
    person: &LegalPerson,
    changes: &[Change],
    date: NaiveDate,
) -> Result<Vec<TieWarning>, TieError> {
    let Some(unit) = person.unit else {
        return Ok(Vec::new());
    };
    if let Some(end) = facts.ending_of(unit).filter(|a| a.effective <= date) {
        return Err(TieError::Abolished {
            name: person.particulars.name.clone(),
            on: end.effective,
            doc: end.doc.clone(),
        });
    }
    let mut warnings = Vec::new();
    for c in changes {
        match c {
            Change::Name { name } => {
                let renamed = facts.acts.iter().any(|a| {
                    a.effective <= date
                        && matches!(&a.event, LedgerEvent::Renamed { unit: u, name: n } if *u == unit && n == name)
                });
                if !renamed {
                    return Err(TieError::NoRenameMatter(name.clone()));
                }
            }
            Change::Funding { funding } => {
                warnings.extend(soft_checks(st, unit, date, Some(*funding), None, None))
            }
            Change::Sponsors { sponsors } => {
                warnings.extend(soft_checks(st, unit, date, None, Some(sponsors), None))
            }
            Change::SecondNames { names } => {
                warnings.extend(soft_checks(st, unit, date, None, None, Some(names)))
            }
            _ => {}
        }
    }
    Ok(warnings)
}

/// A 注销 the ledger's 撤销 (or 合并) calls for: the unit shows as 待注销 until done.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Obligation {
    pub reg: RegId,
    pub unit: UnitId,
    pub name: String,
    /// The 撤销 matter.
    pub doc: String,
    pub abolished_on: NaiveDate,
    /// When it becomes a finding.
    pub due: NaiveDate,
}

/// Every legal person whose ledger unit was abolished (or merged away) on
/// or before `today` and that is not yet deregistered.
pub fn deregistration_obligations(
    facts: &LedgerFacts,
    persons: &Persons,
    policy: &Policy,
    today: NaiveDate,
) -> Vec<Obligation> {
    let mut out = Vec::new();
    for p in persons.values() {
        if p.status.ended() {
            continue;
        }
        let Some(unit) = p.unit else { continue };
        if let Some(end) = facts.ending_of(unit).filter(|a| a.effective <= today) {
            out.push(Obligation {
                reg: p.reg,
                unit,
                name: p.particulars.name.clone(),
                doc: end.doc.clone(),
                abolished_on: end.effective,
                due: end
                    .effective
                    .checked_add_days(Days::new(
                        policy.deregister_after_abolition_days_calendar as u64,
                    ))
                    .unwrap_or(end.effective),
            });
        }
    }
    out
}

/// The 从业人数 the ledger gives for the annual report: people on the 编制本
/// of the unit on 31 Dec of `year`.
pub fn staff_on_establishment(st: &State, unit: UnitId, year: i32) -> usize {
    let d = NaiveDate::from_ymd_opt(year, 12, 31).expect("31 Dec");
    bianzhi_core::query::roster_at(st, unit, d).len()
}
