//! The demo register of 事业单位法人登记 built from the demo ledger.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use bianzhi_core::catalog::UnitKind;
use bianzhi_demo::registration::{build_registration, DemoRegistration, REGISTRAR};
use bianzhi_registration::annual::ReportStatus;
use bianzhi_registration::application::{AppStatus, Proposal};
use bianzhi_registration::register::{Register, RegisterEvent, SealStatus};
use bianzhi_registration::ties::{
    check_establish, deregistration_obligations, LedgerEvent, LedgerFacts,
};
use bianzhi_registration::{LegalStatus, Policy};
use chrono::NaiveDate;

use super::{demo, ymd};

/// The date the web server would pass.
fn today() -> NaiveDate {
    ymd(2026, 12, 4)
}

fn registration() -> &'static DemoRegistration {
    static R: OnceLock<DemoRegistration> = OnceLock::new();
    R.get_or_init(|| {
        let t = std::time::Instant::now();
        let r = build_registration(&demo().0, today())
            .unwrap_or_else(|e| panic!("the demo register must build: {e}"));
        eprintln!(
            "demo register built in {:.2?}: {} entries, {} applications, {} reports",
            t.elapsed(),
            r.register.entries().len(),
            r.applications.len(),
            r.reports.len()
        );
        r
    })
}

fn facts() -> &'static LedgerFacts {
    static F: OnceLock<LedgerFacts> = OnceLock::new();
    F.get_or_init(|| LedgerFacts::from_ledger(&demo().0).unwrap())
}

#[test]
fn every_institution_of_the_ledger_is_registered() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    let r = registration();
    let persons = r.register.as_of(today());
    let registered: BTreeSet<_> = persons.values().filter_map(|p| p.unit).collect();
    let institutions: Vec<_> = st
        .units
        .iter()
        .flatten()
        .filter(|u| u.kind == UnitKind::Institution)
        .collect();
    assert!(institutions.len() >= 250);
    for u in &institutions {
        assert!(registered.contains(&u.id), "{} is not registered", u.name);
    }
    assert_eq!(
        persons.len(),
        institutions.len(),
        "one legal person per unit"
    );
    let codes: BTreeSet<_> = persons.values().map(|p| p.code.as_str()).collect();
    assert_eq!(codes.len(), persons.len(), "distinct codes");
    for p in persons.values() {
        assert!(p.code.starts_with("12320903"), "{}", p.code);
        let u = st.unit(p.unit.unwrap()).unwrap();
        if u.is_active() {
            // The registered name follows the ledger's (after its 更名).
            assert_eq!(p.particulars.name, u.name);
            assert_eq!(p.status, LegalStatus::Active, "{}", u.name);
            let cert = p.certificate.as_ref().expect("a certificate");
            assert!(cert.valid_to >= today(), "{}: certificate renewed", u.name);
            assert!(p.seals.iter().any(|s| s.kind.label() == "公章"));
        }
    }
    assert!(r.register.entries().iter().any(|e| matches!(
        e.event,
        RegisterEvent::Certificate {
            reason: bianzhi_registration::register::CertReason::Renew,
            ..
        }
    )));
}

/// The 设立 entries as the application that would carry them.
fn establishments(r: &Register) -> Vec<(NaiveDate, Proposal, Option<bianzhi_core::UnitId>)> {
    r.entries()
        .iter()
        .filter_map(|e| match &e.event {
            RegisterEvent::Establish {
                code,
                mode,
                particulars,
                approval_doc,
                unit,
                ..
            } => Some((
                e.effective,
                Proposal::Establish {
                    code: code.clone(),
                    mode: *mode,
                    particulars: particulars.clone(),
                    approval_doc: approval_doc.clone(),
                    outside_establishment: false,
                },
                *unit,
            )),
            _ => None,
        })
        .collect()
}

/// Every 设立 cites the ledger matter that set its unit up, under the name
/// the ledger gave it; where that matter set up only this one institution
/// (or this one first), `check_establish` accepts it as it stands.
#[test]
fn every_establishment_cites_its_ledger_matter() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    let facts = facts();
    let mut checked = 0;
    for (on, proposal, unit) in establishments(&registration().register) {
        let Proposal::Establish {
            particulars,
            approval_doc,
            ..
        } = &proposal
        else {
            unreachable!()
        };
        let unit = unit.expect("every demo legal person is a ledger unit");
        let act = facts
            .by_doc(approval_doc)
            .find(|a| matches!(&a.event, LedgerEvent::Established { unit: u, .. } if *u == unit))
            .unwrap_or_else(|| panic!("{approval_doc} does not set up {}", particulars.name));
        assert!(act.effective <= on);
        let LedgerEvent::Established { name, .. } = &act.event else {
            unreachable!()
        };
        assert_eq!(&particulars.name, name);
        let first = facts
            .by_doc(approval_doc)
            .find(|a| matches!(a.event, LedgerEvent::Established { .. }))
            .unwrap();
        if first.event.unit() == unit {
            let (u, warnings) = check_establish(facts, st, &proposal, on)
                .unwrap_or_else(|e| panic!("{}: {e}", particulars.name));
            assert_eq!(u, Some(unit));
            assert!(warnings.is_empty(), "{}: {warnings:?}", particulars.name);
            checked += 1;
        }
    }
    assert!(checked >= 30, "{checked} checked");
}

/// The brief's strict form: `check_establish` for every 设立. It fails for a
/// 建账 matter that set up several institutions at once: the registration
/// crate's `check_establish` takes the first 设立 act of the 文号
/// (`facts.by_doc(..).find(..)`) instead of the one naming the applied unit,
/// and reports a name mismatch.
#[test]
fn every_establishment_passes_check_establish() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    for (on, proposal, unit) in establishments(&registration().register) {
        let (u, _) = check_establish(facts(), st, &proposal, on).unwrap_or_else(|e| panic!("{e}"));
        assert_eq!(u, unit);
    }
}

#[test]
fn the_register_chain_verifies() {
    let r = &registration().register;
    let again = Register::from_entries(REGISTRAR, r.entries().to_vec()).expect("the chain holds");
    assert_eq!(&again, r);
    let mut tampered = r.entries().to_vec();
    tampered[10].actor.push('x');
    assert_eq!(Register::from_entries(REGISTRAR, tampered), Err(11));
}

#[test]
fn a_few_abolished_units_are_still_to_be_deregistered() {
    let r = registration();
    let persons = r.register.as_of(today());
    let obligations = deregistration_obligations(facts(), &persons, &Policy::default(), today());
    assert!(
        (3..=5).contains(&obligations.len()),
        "{} 待注销: {obligations:?}",
        obligations.len()
    );
    // The rest of the 2021 restructuring is deregistered, seals collected.
    let deregistered: Vec<_> = persons
        .values()
        .filter(|p| p.status == LegalStatus::Deregistered)
        .collect();
    assert!(deregistered.len() >= 40, "{}", deregistered.len());
    for p in &deregistered {
        let end = facts()
            .ending_of(p.unit.unwrap())
            .expect("ended in the ledger");
        assert!(p.ended_on.unwrap() > end.effective);
        assert!(p.ended_on.unwrap() <= end.effective + chrono::Days::new(200));
        assert!(
            p.seals
                .iter()
                .all(|s| matches!(s.status, SealStatus::SealedUp | SealStatus::Destroyed)),
            "{}",
            p.particulars.name
        );
    }
    // Some of the 待注销 have a 注销 application open.
    let open_deregistrations: BTreeSet<_> = r
        .applications
        .iter()
        .filter(|a| a.status.open() && matches!(a.proposal, Proposal::Deregister { .. }))
        .filter_map(|a| a.reg)
        .collect();
    assert!(!open_deregistrations.is_empty());
    assert!(open_deregistrations
        .iter()
        .all(|reg| obligations.iter().any(|o| o.reg == *reg)));
}

#[test]
fn renamed_units_changed_their_name_and_handed_in_the_old_seals() {
    let persons = registration().register.as_of(today());
    let renamed: Vec<_> = persons
        .values()
        .filter(|p| {
            p.status == LegalStatus::Active
                && registration().register.history(p.reg).iter().any(|(e, _)| {
                    matches!(&e.event, RegisterEvent::Change { changes, .. }
                        if changes.iter().any(|c| c.label() == "名称"))
                })
        })
        .collect();
    assert!(!renamed.is_empty(), "a 名称 变更");
    let outstanding = persons
        .values()
        .filter(|p| p.outstanding_seals().next().is_some())
        .count();
    assert!(
        (1..=2).contains(&outstanding),
        "{outstanding} with seals outstanding"
    );
    assert!(renamed.iter().any(|p| p
        .seals
        .iter()
        .any(|s| s.status == SealStatus::Destroyed || s.status == SealStatus::SealedUp)));
}

#[test]
fn last_years_reports_are_mostly_published() {
    let r = registration();
    let last = 2025;
    let persons = r.register.as_of(ymd(last, 12, 31));
    let due: Vec<_> = persons.values().filter(|p| !p.status.ended()).collect();
    let reports: Vec<_> = r.reports.iter().filter(|x| x.year == last).collect();
    let published = reports
        .iter()
        .filter(|x| x.status == ReportStatus::Published)
        .count();
    let share = published as f64 / due.len() as f64;
    assert!(
        (0.80..=0.95).contains(&share),
        "{published} of {}",
        due.len()
    );
    let missing = due
        .iter()
        .filter(|p| !reports.iter().any(|x| x.reg == p.reg))
        .count();
    assert!(missing >= 1);
    assert!(reports.iter().any(|x| x.status != ReportStatus::Published));
    for x in &reports {
        assert!(x.sections.gaps().is_empty() || x.status == ReportStatus::Draft);
    }
    // The year before: everyone who files published, two late ones warned.
    let before: Vec<_> = r.reports.iter().filter(|x| x.year == last - 1).collect();
    assert!(before.iter().all(|x| x.status == ReportStatus::Published));
    let warned: Vec<_> = r
        .register
        .entries()
        .iter()
        .filter(|e| matches!(e.event, RegisterEvent::Sanction { .. }))
        .collect();
    assert_eq!(warned.len(), 2);
    for w in warned {
        let reg = w.event.reg().unwrap();
        let rep = before.iter().find(|x| x.reg == reg).unwrap();
        assert!(rep.late(today(), &Policy::default()));
    }
}

#[test]
fn applications_are_pending_in_several_statuses() {
    let r = registration();
    let open: Vec<_> = r.applications.iter().filter(|a| a.status.open()).collect();
    assert!((4..=8).contains(&open.len()), "{} open", open.len());
    let statuses: BTreeSet<_> = open.iter().map(|a| a.status.label()).collect();
    assert!(statuses.len() >= 3, "{statuses:?}");
    for a in &open {
        assert!(a.history.iter().all(|s| s.on <= today()));
        if a.status != AppStatus::Draft {
            assert!(a.missing().is_empty());
        }
    }
    // A 设立 is applied for after the ledger's 设立 matter, never before.
    let st = demo().0.state();
    let establishments: Vec<_> = r
        .applications
        .iter()
        .filter(|a| matches!(a.proposal, Proposal::Establish { .. }))
        .collect();
    assert!(establishments.len() >= 10);
    for a in establishments {
        assert_eq!(a.status, AppStatus::Done);
        let u = st.unit(a.unit.unwrap()).unwrap();
        assert!(a.received_on.unwrap() >= u.established, "{}", u.name);
        assert!(!a.deemed_accepted);
    }
    // Completed 法定代表人 变更 with their register entries.
    let done_rep: Vec<_> = r
        .applications
        .iter()
        .filter(|a| {
            a.status == AppStatus::Done
                && a.proposal
                    .changes()
                    .iter()
                    .any(|c| c.label() == "法定代表人")
        })
        .collect();
    assert!(!done_rep.is_empty());
    for a in done_rep {
        let decided = a.decided_on.unwrap();
        assert!(r.register.history(a.reg.unwrap()).iter().any(|(e, _)| {
            e.effective == decided && matches!(e.event, RegisterEvent::Change { .. })
        }));
    }
}

#[test]
fn the_register_is_the_same_on_every_run() {
    let again = build_registration(&demo().0, today()).unwrap();
    assert_eq!(&again, registration());
}

/// What the 总览 and the 问题台账 show on `today`.
#[test]
fn the_findings_are_the_ones_a_district_would_have() {
    use bianzhi_casework::calendar::Calendar;
    use bianzhi_registration::watch::{findings, FindingKind};
    let r = registration();
    let persons = r.register.as_of(today());
    let found = findings(
        &persons,
        &r.applications,
        &r.reports,
        facts(),
        today(),
        &Calendar::default(),
        &Policy::default(),
    );
    let count = |k: FindingKind| found.iter().filter(|f| f.kind == k).count();
    // The pending applications are all within their clocks.
    assert_eq!(count(FindingKind::AcceptanceOverdue), 0);
    assert_eq!(count(FindingKind::DecisionOverdue), 0);
    // The 待注销 units, abolished years ago.
    assert!((3..=5).contains(&count(FindingKind::NotDeregistered)));
    // One or two renamed units still hold an old seal.
    assert!((1..=2).contains(&count(FindingKind::SealsOutstanding)));
    // Every seal was filed; the certificates of units still active are valid.
    assert_eq!(count(FindingKind::SealNotFiled), 0);
    for f in found
        .iter()
        .filter(|f| f.kind == FindingKind::CertificateExpired)
    {
        let p = &persons[&f.reg.unwrap()];
        assert!(
            facts().ending_of(p.unit.unwrap()).is_some(),
            "{} (only the 待注销 let their certificate lapse)",
            f.name
        );
    }
    // Last year's reports not filed (missing, or still with the 举办单位 or returned).
    let late = count(FindingKind::AnnualReportLate);
    assert!((5..=45).contains(&late), "{late} late");
}

/// The server passes the real date: any day from 2025-06-01 gives a sensible
/// register, including one inside the annual-report window.
#[test]
fn the_register_builds_for_other_dates() {
    for today in [ymd(2025, 6, 1), ymd(2027, 2, 15), ymd(2028, 9, 30)] {
        let r = build_registration(&demo().0, today).unwrap_or_else(|e| panic!("{today}: {e}"));
        let persons = r.register.as_of(today);
        assert!(persons.len() >= 300, "{today}");
        assert!(r.register.entries().iter().all(|e| e.effective <= today));
        let open = r.applications.iter().filter(|a| a.status.open()).count();
        assert!((4..=8).contains(&open), "{today}: {open} open");
        let obligations = deregistration_obligations(facts(), &persons, &Policy::default(), today);
        assert!((3..=5).contains(&obligations.len()), "{today}");
        for p in persons.values().filter(|p| !p.status.ended()) {
            if facts().ending_of(p.unit.unwrap()).is_none() {
                let c = p.certificate.as_ref().unwrap();
                assert!(c.valid_to >= today, "{today}: {}", p.particulars.name);
            }
        }
        assert!(r
            .reports
            .iter()
            .all(|x| x.history.iter().all(|s| s.on <= today)));
    }
}
