//! Applications: materials, the one 补正 notice, the 受理 and decision
//! clocks counted in working days across a holiday and a 调休 day.

use bianzhi_casework::calendar::Calendar;
use bianzhi_registration::application::{
    Actor, AppAction, AppStatus, Application, Clock, Proposal,
};
use bianzhi_registration::material::{check_file, MaterialKind};
use bianzhi_registration::{Change, Policy, RegId};
use bianzhi_testkit::d;

use crate::common::*;

const PDF: &[u8] = b"%PDF-1.7\n%test\n";

fn legal_rep_change() -> Application {
    Application::new(
        1,
        Some(RegId(1)),
        None,
        "盐都区第一小学",
        Proposal::Change {
            changes: vec![Change::LegalRep {
                legal_rep: "李华".into(),
            }],
            event_on: d("2026-09-20"),
            basis_doc: "盐教任〔2026〕5号".into(),
        },
    )
}

fn attach_all(a: &mut Application) {
    for k in a.missing() {
        let m = check_file(k, &format!("{}.pdf", k.label()), PDF, 1 << 20).unwrap();
        a.attach(m).unwrap();
    }
}

fn submitted_on(on: &str, cal: &Calendar) -> Application {
    let mut a = legal_rep_change();
    attach_all(&mut a);
    a.act(
        Actor::Unit,
        AppAction::Submit,
        d(on),
        "",
        cal,
        &Policy::default(),
    )
    .unwrap();
    a
}

#[test]
fn a_change_of_legal_representative_needs_its_materials_before_it_is_submitted() {
    let mut a = legal_rep_change();
    assert_eq!(
        a.checklist(),
        vec![
            MaterialKind::ApplicationForm,
            MaterialKind::LegalRepDocs,
            MaterialKind::Certificate
        ]
    );
    let before = a.clone();
    let e = a
        .act(
            Actor::Unit,
            AppAction::Submit,
            d("2026-09-29"),
            "",
            &Calendar::default(),
            &Policy::default(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "missing_materials");
    assert!(e.to_string().contains("法定代表人登记表"), "{e}");
    assert_eq!(a, before, "a refused action changes nothing");
}

#[test]
fn acceptance_is_due_three_working_days_after_receipt_across_the_holiday_and_the_worked_saturday() {
    let cal = national_day_2026();
    let a = submitted_on("2026-09-30", &cal);
    // 8 Oct (Thu), 9 Oct (Fri), 10 Oct (Sat, 调休上班).
    assert_eq!(
        a.accept_due(&cal, &Policy::default()),
        Some(d("2026-10-10"))
    );
    // Without the holidays it would be 5 Oct.
    let plain = submitted_on("2026-09-30", &Calendar::default());
    assert_eq!(
        plain.accept_due(&Calendar::default(), &Policy::default()),
        Some(d("2026-10-05"))
    );
    // A province with 5 days: 8, 9, 10, 12, 13 Oct.
    let hubei = Policy {
        accept_days: 5,
        ..Policy::default()
    };
    assert_eq!(a.accept_due(&cal, &hubei), Some(d("2026-10-13")));
    assert_eq!(a.overdue(d("2026-10-10"), &cal, &Policy::default()), None);
    assert_eq!(
        a.overdue(d("2026-10-12"), &cal, &Policy::default()),
        Some((Clock::Acceptance, d("2026-10-10")))
    );
}

#[test]
fn a_late_supplement_notice_is_refused_and_a_late_acceptance_counts_from_receipt() {
    let cal = national_day_2026();
    let p = Policy::default();
    let mut a = submitted_on("2026-09-30", &cal);
    let e = a
        .act(
            Actor::Office,
            AppAction::RequestSupplement {
                gaps: vec!["任职文件未盖章".into()],
            },
            d("2026-10-12"),
            "",
            &cal,
            &p,
        )
        .unwrap_err();
    assert_eq!(e.code(), "supplement_too_late");
    assert_eq!(a.status, AppStatus::Submitted);
    a.act(
        Actor::Office,
        AppAction::Accept,
        d("2026-10-12"),
        "",
        &cal,
        &p,
    )
    .unwrap();
    assert!(a.deemed_accepted);
    assert_eq!(a.accepted_on, Some(d("2026-09-30")));
}

#[test]
fn one_supplement_notice_then_resubmission_restarts_the_acceptance_clock() {
    let cal = national_day_2026();
    let p = Policy::default();
    let mut a = submitted_on("2026-09-30", &cal);
    a.act(
        Actor::Office,
        AppAction::RequestSupplement {
            gaps: vec![
                "新任法定代表人身份证明不清晰".into(),
                "任职文件未盖章".into(),
            ],
        },
        d("2026-10-09"),
        "",
        &cal,
        &p,
    )
    .unwrap();
    assert_eq!(a.status, AppStatus::Supplement);
    assert_eq!(a.supplement.as_ref().unwrap().1.len(), 2);
    // The applicant may add files while 待补正.
    let m = check_file(MaterialKind::LegalRepDocs, "补正.pdf", PDF, 1 << 20).unwrap();
    a.attach(m).unwrap();
    a.act(
        Actor::Unit,
        AppAction::Submit,
        d("2026-10-13"),
        "",
        &cal,
        &p,
    )
    .unwrap();
    assert_eq!(a.received_on, Some(d("2026-09-30")));
    assert_eq!(a.accept_due(&cal, &p), Some(d("2026-10-16")));
    let e = a
        .act(
            Actor::Office,
            AppAction::RequestSupplement {
                gaps: vec!["又一处".into()],
            },
            d("2026-10-14"),
            "",
            &cal,
            &p,
        )
        .unwrap_err();
    assert_eq!(e.code(), "second_supplement");
    a.act(
        Actor::Office,
        AppAction::Accept,
        d("2026-10-14"),
        "",
        &cal,
        &p,
    )
    .unwrap();
    assert!(!a.deemed_accepted);
    assert_eq!(a.accepted_on, Some(d("2026-10-14")));
}

#[test]
fn the_decision_is_due_thirty_working_days_after_acceptance() {
    let cal = national_day_2026();
    let p = Policy::default();
    let mut a = submitted_on("2026-09-21", &cal);
    a.act(
        Actor::Office,
        AppAction::Accept,
        d("2026-09-22"),
        "",
        &cal,
        &p,
    )
    .unwrap();
    // 23–30 Sep: 6 working days; 1–7 Oct off; 8, 9, 10 (Sat, worked) = 9;
    // then from 12 Oct, 21 more weekdays: 12 Oct … 9 Nov.
    assert_eq!(a.decide_due(&cal, &p), Some(d("2026-11-09")));
    assert_eq!(
        a.overdue(d("2026-11-10"), &cal, &p),
        Some((Clock::Decision, d("2026-11-09")))
    );
    a.act(
        Actor::Office,
        AppAction::Approve,
        d("2026-11-09"),
        "",
        &cal,
        &p,
    )
    .unwrap();
    assert_eq!(a.overdue(d("2026-12-01"), &cal, &p), None);
    a.act(
        Actor::Office,
        AppAction::Complete,
        d("2026-11-10"),
        "",
        &cal,
        &p,
    )
    .unwrap();
    assert_eq!(a.status, AppStatus::Done);
    assert_eq!(a.history.len(), 4);
}

#[test]
fn a_refusal_needs_reasons_and_tells_of_review_and_litigation() {
    let cal = Calendar::default();
    let p = Policy::default();
    let mut a = submitted_on("2026-09-21", &cal);
    a.act(
        Actor::Office,
        AppAction::Accept,
        d("2026-09-22"),
        "",
        &cal,
        &p,
    )
    .unwrap();
    let e = a
        .act(
            Actor::Office,
            AppAction::Refuse { reason: " ".into() },
            d("2026-09-25"),
            "",
            &cal,
            &p,
        )
        .unwrap_err();
    assert_eq!(e.code(), "no_reason");
    a.act(
        Actor::Office,
        AppAction::Refuse {
            reason: "新任法定代表人非该单位行政负责人".into(),
        },
        d("2026-09-25"),
        "",
        &cal,
        &p,
    )
    .unwrap();
    assert_eq!(a.status, AppStatus::Refused);
    assert!(a.history.last().unwrap().note.contains("行政复议"));
}

#[test]
fn each_side_may_take_only_its_own_actions() {
    let cal = Calendar::default();
    let p = Policy::default();
    let mut a = submitted_on("2026-09-21", &cal);
    let e = a
        .act(
            Actor::Unit,
            AppAction::Accept,
            d("2026-09-22"),
            "",
            &cal,
            &p,
        )
        .unwrap_err();
    assert_eq!(e.code(), "action_not_allowed");
    let e = a
        .act(
            Actor::Office,
            AppAction::Withdraw,
            d("2026-09-22"),
            "",
            &cal,
            &p,
        )
        .unwrap_err();
    assert_eq!(e.code(), "action_not_allowed");
    a.act(
        Actor::Unit,
        AppAction::Withdraw,
        d("2026-09-22"),
        "",
        &cal,
        &p,
    )
    .unwrap();
    assert!(!a.status.open());
    let e = a
        .act(
            Actor::Unit,
            AppAction::Submit,
            d("2026-09-20"),
            "",
            &cal,
            &p,
        )
        .unwrap_err();
    assert_eq!(e.code(), "back_in_time");
}

#[test]
fn an_establishment_without_an_approval_number_is_incomplete() {
    let mut a = Application::new(
        2,
        None,
        None,
        "盐都区第三小学",
        Proposal::Establish {
            code: bianzhi_testkit::credit_code(3),
            mode: bianzhi_registration::RegMode::Registered,
            particulars: particulars("盐都区第三小学"),
            approval_doc: "".into(),
            outside_establishment: false,
        },
    );
    attach_all(&mut a);
    let e = a
        .act(
            Actor::Unit,
            AppAction::Submit,
            d("2026-09-21"),
            "",
            &Calendar::default(),
            &Policy::default(),
        )
        .unwrap_err();
    assert_eq!(e.code(), "incomplete_application");
    assert!(e.to_string().contains("批准文件文号"));
}

#[test]
fn a_change_is_due_thirty_working_days_after_the_event_and_a_new_domicile_before_the_move() {
    let cal = national_day_2026();
    let p = Policy::default();
    // Event on Sun 20 Sep: 21–30 Sep 8 days, 1–7 Oct off, 8, 9, 10 (Sat, worked) = 11,
    // then 19 weekdays from 12 Oct: 5 Nov.
    let a = submitted_on("2026-11-05", &cal);
    assert_eq!(a.filing_due(&cal, &p, None), Some(d("2026-11-05")));
    assert_eq!(a.filed_late(&cal, &p, None), None);
    let late = submitted_on("2026-11-06", &cal);
    assert_eq!(late.filed_late(&cal, &p, None), Some(d("2026-11-05")));
    let mut moving = legal_rep_change();
    moving.proposal = Proposal::Change {
        changes: vec![Change::Domicile {
            domicile: "新址".into(),
        }],
        event_on: d("2026-09-20"),
        basis_doc: "租赁合同".into(),
    };
    assert_eq!(moving.filing_due(&cal, &p, None), Some(d("2026-09-20")));
}

#[test]
fn a_deregistration_is_due_fifteen_working_days_after_liquidation_and_an_establishment_as_the_province_sets(
) {
    let cal = national_day_2026();
    let p = Policy::default();
    let dereg = Application::new(
        3,
        Some(RegId(1)),
        None,
        "盐都区第一小学",
        Proposal::Deregister {
            reason: "撤销".into(),
            basis_doc: "盐编〔2026〕8号".into(),
            liquidation_end: Some(d("2026-09-25")),
        },
    );
    // 28, 29, 30 Sep; 8, 9, 10 Oct; then 9 weekdays from 12 Oct: 22 Oct.
    assert_eq!(dereg.filing_due(&cal, &p, None), Some(d("2026-10-22")));
    let est = Application::new(
        4,
        None,
        None,
        "盐都区第三小学",
        Proposal::Establish {
            code: bianzhi_testkit::credit_code(3),
            mode: bianzhi_registration::RegMode::Registered,
            particulars: particulars("盐都区第三小学"),
            approval_doc: "盐编〔2026〕3号".into(),
            outside_establishment: false,
        },
    );
    assert_eq!(
        est.filing_due(&cal, &p, Some(d("2026-09-01"))),
        None,
        "no national limit"
    );
    let gansu = Policy {
        establish_after_approval_days: Some(60),
        ..Policy::default()
    };
    assert!(est
        .filing_due(&cal, &gansu, Some(d("2026-09-01")))
        .is_some());
}
