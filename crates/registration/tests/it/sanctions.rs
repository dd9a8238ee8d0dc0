//! The sanction ladder and its effect on the register.

use bianzhi_registration::register::{RegisterEvent, SanctionRecord, SealKind, SealStatus};
use bianzhi_registration::sanction::{next_step, SanctionStep, Severity};
use bianzhi_registration::{LegalStatus, RegId};
use bianzhi_testkit::d;

use crate::common::*;

fn rec(step: SanctionStep) -> SanctionRecord {
    SanctionRecord {
        step,
        on: d("2025-01-01"),
        doc: "盐事登罚〔2025〕1号".into(),
        reason: "年报未报".into(),
    }
}

#[test]
fn a_first_minor_offence_is_a_written_warning() {
    assert_eq!(next_step(&[], Severity::Minor), SanctionStep::Warning);
}

#[test]
fn a_second_offence_after_a_warning_is_at_least_suspension() {
    assert_eq!(
        next_step(&[rec(SanctionStep::Warning)], Severity::Minor),
        SanctionStep::Suspend
    );
    assert_eq!(next_step(&[], Severity::Serious), SanctionStep::Suspend);
}

#[test]
fn a_third_offence_or_a_very_serious_one_is_revocation() {
    assert_eq!(
        next_step(
            &[rec(SanctionStep::Warning), rec(SanctionStep::Suspend)],
            Severity::Minor
        ),
        SanctionStep::Revoke
    );
    assert_eq!(next_step(&[], Severity::VerySerious), SanctionStep::Revoke);
    assert_eq!(
        next_step(&[rec(SanctionStep::Revoke)], Severity::Minor),
        SanctionStep::Revoke
    );
}

fn sanction(step: SanctionStep) -> RegisterEvent {
    RegisterEvent::Sanction {
        reg: RegId(1),
        step,
        reason: "未按规定报送年度报告".into(),
    }
}

#[test]
fn suspension_then_restoration_then_revocation_collects_the_seals() {
    let mut r = one_person();
    r.append(draft(
        "盐印备〔2024〕1号",
        "2024-03-05",
        RegisterEvent::FileSeal {
            reg: RegId(1),
            seal: 1,
            kind: SealKind::Official,
            maker: "刻章店".into(),
        },
    ))
    .unwrap();
    r.append(draft(
        "盐事登罚〔2025〕1号",
        "2025-04-10",
        sanction(SanctionStep::Warning),
    ))
    .unwrap();
    assert_eq!(
        r.person(RegId(1), d("2025-04-10")).unwrap().status,
        LegalStatus::Active
    );
    r.append(draft(
        "盐事登罚〔2025〕2号",
        "2025-06-10",
        sanction(SanctionStep::Suspend),
    ))
    .unwrap();
    assert_eq!(
        r.person(RegId(1), d("2025-06-10")).unwrap().status,
        LegalStatus::Suspended
    );
    let e = r
        .append(draft(
            "盐事登〔2025〕3号",
            "2025-05-01",
            RegisterEvent::Restore { reg: RegId(1) },
        ))
        .unwrap_err();
    assert_eq!(e.code(), "not_suspended", "not suspended yet on 1 May");
    r.append(draft(
        "盐事登〔2025〕4号",
        "2025-07-01",
        RegisterEvent::Restore { reg: RegId(1) },
    ))
    .unwrap();
    assert_eq!(
        r.person(RegId(1), d("2025-07-01")).unwrap().status,
        LegalStatus::Active
    );
    r.append(draft(
        "盐事登罚〔2026〕1号",
        "2026-04-10",
        sanction(SanctionStep::Revoke),
    ))
    .unwrap();
    let p = r.person(RegId(1), d("2026-04-10")).unwrap();
    assert_eq!(p.status, LegalStatus::Revoked);
    assert_eq!(p.seals[0].status, SealStatus::ToCollect);
    assert_eq!(p.sanctions.len(), 3);
    assert_eq!(
        next_step(&p.sanctions, Severity::Minor),
        SanctionStep::Revoke
    );
    let e = r
        .append(draft(
            "盐事登罚〔2026〕2号",
            "2026-05-01",
            sanction(SanctionStep::Warning),
        ))
        .unwrap_err();
    assert_eq!(e.code(), "legal_person_ended");
}
