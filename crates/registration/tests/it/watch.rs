//! Findings for the 总览 and the 问题台账.

use bianzhi_casework::calendar::Calendar;
use bianzhi_registration::annual::{AnnualReport, ReportAction, ReportActor};
use bianzhi_registration::certificate::{self, CertState};
use bianzhi_registration::register::{RegisterEvent, SealKind};
use bianzhi_registration::ties::LedgerFacts;
use bianzhi_registration::watch::{findings, FindingKind};
use bianzhi_registration::{Change, Policy, RegId};
use bianzhi_testkit::d;

use crate::common::*;

fn kinds(
    today: &str,
    reports: &[AnnualReport],
    r: &bianzhi_registration::Register,
) -> Vec<FindingKind> {
    findings(
        &r.as_of(d(today)),
        &[],
        reports,
        &LedgerFacts::default(),
        d(today),
        &Calendar::default(),
        &Policy::default(),
    )
    .into_iter()
    .map(|f| f.kind)
    .collect()
}

#[test]
fn a_missing_annual_report_is_a_finding_after_the_deadline_only() {
    let r = one_person();
    assert!(!kinds("2025-03-31", &[], &r).contains(&FindingKind::AnnualReportLate));
    assert!(kinds("2025-04-01", &[], &r).contains(&FindingKind::AnnualReportLate));
    let mut rep = AnnualReport::new(RegId(1), 2024);
    rep.act(
        ReportActor::Unit,
        ReportAction::Save {
            sections: crate::annual::full_sections(),
        },
        d("2025-02-01"),
    )
    .unwrap();
    rep.act(ReportActor::Unit, ReportAction::Submit, d("2025-02-01"))
        .unwrap();
    rep.act(
        ReportActor::Sponsor,
        ReportAction::SponsorApprove,
        d("2025-02-02"),
    )
    .unwrap();
    assert!(!kinds("2025-04-01", &[rep], &r).contains(&FindingKind::AnnualReportLate));
}

#[test]
fn a_certificate_in_its_last_thirty_days_is_expiring_then_expired() {
    let r = one_person();
    let p = Policy::default();
    let cert = r
        .person(RegId(1), d("2029-01-01"))
        .unwrap()
        .certificate
        .unwrap();
    assert_eq!(
        certificate::state(&cert, d("2029-01-29"), &p),
        CertState::Valid
    );
    assert_eq!(
        certificate::state(&cert, d("2029-01-30"), &p),
        CertState::Expiring
    );
    assert!(certificate::renewable(&cert, d("2029-02-28"), &p));
    assert_eq!(
        certificate::state(&cert, d("2029-03-01"), &p),
        CertState::Expired
    );
    let (from, to) = certificate::validity(d("2024-03-01"), &p);
    assert_eq!((from, to), (d("2024-03-01"), d("2029-02-28")));
    assert!(kinds("2029-02-01", &[], &r).contains(&FindingKind::CertificateExpiring));
    assert!(kinds("2029-03-02", &[], &r).contains(&FindingKind::CertificateExpired));
}

#[test]
fn seals_not_filed_sixty_working_days_after_the_certificate_and_seals_not_collected() {
    let mut r = one_person();
    // 60 working days after Fri 1 Mar 2024 (no holidays): Fri 24 May.
    assert!(!kinds("2024-05-24", &[], &r).contains(&FindingKind::SealNotFiled));
    assert!(kinds("2024-05-27", &[], &r).contains(&FindingKind::SealNotFiled));
    r.append(draft(
        "盐印备〔2024〕1号",
        "2024-05-20",
        RegisterEvent::FileSeal {
            reg: RegId(1),
            seal: 1,
            kind: SealKind::Official,
            maker: "刻章店".into(),
        },
    ))
    .unwrap();
    assert!(!kinds("2024-05-27", &[], &r).contains(&FindingKind::SealNotFiled));
    r.append(draft(
        "盐事登〔2024〕9号",
        "2024-09-01",
        RegisterEvent::Change {
            reg: RegId(1),
            changes: vec![Change::Name {
                name: "盐都区实验学校".into(),
            }],
        },
    ))
    .unwrap();
    let f = findings(
        &r.as_of(d("2024-09-02")),
        &[],
        &[],
        &LedgerFacts::default(),
        d("2024-09-02"),
        &Calendar::default(),
        &Policy::default(),
    );
    let seals = f
        .iter()
        .find(|f| f.kind == FindingKind::SealsOutstanding)
        .unwrap();
    assert!(seals.detail.contains("公章"));
    assert_eq!(seals.due, d("2024-09-01"));
}

#[test]
fn certificate_verification_code_comes_from_the_entry_hash() {
    let r = one_person();
    let cert = r
        .person(RegId(1), d("2025-01-01"))
        .unwrap()
        .certificate
        .unwrap();
    let hash = &r.entry(cert.entry).unwrap().hash;
    let code = certificate::verification_code(hash);
    assert_eq!(code.len(), 19);
    assert_eq!(
        certificate::normalise_code(&code.to_lowercase().replace('-', " ")),
        hash[..16].to_uppercase()
    );
}
