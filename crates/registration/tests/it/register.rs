//! The register journal: code rules, as-of dates, seals, corrections, chain.

use bianzhi_core::ident::make_credit_code;
use bianzhi_registration::register::{RegisterEvent, SealAction, SealKind, SealStatus};
use bianzhi_registration::{Change, LegalStatus, RegId, Register, RegisterError};
use bianzhi_testkit::{credit_code, d};
use proptest::prelude::*;

use crate::common::*;

fn with_code(code: String) -> RegisterEvent {
    RegisterEvent::Establish {
        reg: RegId(1),
        code,
        mode: bianzhi_registration::RegMode::Registered,
        particulars: particulars("盐都区第一小学"),
        approval_doc: "盐编〔2024〕1号".into(),
        unit: None,
    }
}

#[test]
fn a_code_not_starting_with_12_is_refused_and_nothing_is_written() {
    let mut r = Register::new(REGISTRAR);
    let code = make_credit_code('1', '1', REGISTRAR, "00000001")
        .as_str()
        .to_string();
    let e = r
        .append(draft("盐编〔2024〕1号", "2024-03-01", with_code(code)))
        .unwrap_err();
    assert!(
        matches!(e, RegisterError::WrongPrefix(ref p) if p == "11"),
        "{e}"
    );
    assert!(e.to_string().contains("应以“12”开头"));
    assert!(r.entries().is_empty());
    assert!(r.as_of(d("2030-01-01")).is_empty());
}

#[test]
fn a_code_of_another_registrar_is_refused() {
    let mut r = Register::new(REGISTRAR);
    let code = make_credit_code('1', '2', "320902", "00000001")
        .as_str()
        .to_string();
    let e = r
        .append(draft("盐编〔2024〕1号", "2024-03-01", with_code(code)))
        .unwrap_err();
    assert_eq!(e.code(), "credit_code_region");
    assert!(e.to_string().contains("320903"));
    assert!(r.entries().is_empty());
}

#[test]
fn a_code_with_a_wrong_check_character_is_refused() {
    let mut r = Register::new(REGISTRAR);
    let mut code = credit_code(7);
    let last = code.pop().unwrap();
    code.push(if last == '0' { '1' } else { '0' });
    let e = r
        .append(draft("盐编〔2024〕1号", "2024-03-01", with_code(code)))
        .unwrap_err();
    assert_eq!(e.code(), "bad_credit_code");
}

#[test]
fn the_same_code_twice_is_refused() {
    let mut r = one_person();
    let e = r
        .append(draft(
            "盐编〔2024〕2号",
            "2024-04-01",
            establish(2, "盐都区第二小学", 1),
        ))
        .unwrap_err();
    assert_eq!(e.code(), "duplicate_credit_code");
    assert_eq!(r.entries().len(), 2);
}

#[test]
fn particulars_are_kept_as_of_any_date() {
    let mut r = one_person();
    r.append(draft(
        "盐事登〔2025〕3号",
        "2025-06-01",
        RegisterEvent::Change {
            reg: RegId(1),
            changes: vec![Change::LegalRep {
                legal_rep: "李华".into(),
            }],
        },
    ))
    .unwrap();
    assert!(r.as_of(d("2024-02-29")).is_empty(), "not yet set up");
    assert_eq!(
        r.person(RegId(1), d("2025-05-31"))
            .unwrap()
            .particulars
            .legal_rep,
        "王明"
    );
    assert_eq!(
        r.person(RegId(1), d("2025-06-01"))
            .unwrap()
            .particulars
            .legal_rep,
        "李华"
    );
    let hist = r.history(RegId(1));
    assert_eq!(hist.len(), 3);
    assert!(hist.iter().all(|(_, void)| !void));
}

#[test]
fn the_chain_detects_an_edited_entry() {
    let r = one_person();
    assert_eq!(r.verify(), Ok(()));
    let mut entries = r.entries().to_vec();
    if let RegisterEvent::Establish { particulars, .. } = &mut entries[0].event {
        particulars.legal_rep = "张三".into();
    }
    assert_eq!(Register::from_entries(REGISTRAR, entries).unwrap_err(), 1);
}

#[test]
fn seals_are_filed_only_after_the_certificate() {
    let mut r = Register::new(REGISTRAR);
    r.append(draft(
        "盐编〔2024〕1号",
        "2024-03-01",
        establish(1, "盐都区第一小学", 1),
    ))
    .unwrap();
    let seal = RegisterEvent::FileSeal {
        reg: RegId(1),
        seal: 1,
        kind: SealKind::Official,
        maker: "盐城市某刻章店".into(),
    };
    let e = r
        .append(draft("盐印备〔2024〕1号", "2024-03-05", seal.clone()))
        .unwrap_err();
    assert_eq!(e.code(), "seal_before_certificate");
    let mut r = one_person();
    r.append(draft("盐印备〔2024〕1号", "2024-03-05", seal))
        .unwrap();
    assert_eq!(r.person(RegId(1), d("2024-03-05")).unwrap().seals.len(), 1);
}

#[test]
fn a_new_name_puts_the_old_seals_to_be_collected_then_they_are_collected_and_destroyed() {
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
        "盐事登〔2025〕1号",
        "2025-01-10",
        RegisterEvent::Change {
            reg: RegId(1),
            changes: vec![Change::Name {
                name: "盐都区实验小学".into(),
            }],
        },
    ))
    .unwrap();
    let p = r.person(RegId(1), d("2025-01-10")).unwrap();
    assert_eq!(p.seals[0].status, SealStatus::ToCollect);
    assert_eq!(p.outstanding_seals().count(), 1);
    let dispose = |action| RegisterEvent::DisposeSeal {
        reg: RegId(1),
        seal: 1,
        action,
        receiver: "登记管理局 赵敏".into(),
    };
    r.append(draft(
        "盐收〔2025〕1号",
        "2025-01-15",
        dispose(SealAction::Collect),
    ))
    .unwrap();
    let e = r
        .append(draft(
            "盐收〔2025〕2号",
            "2025-01-16",
            dispose(SealAction::Collect),
        ))
        .unwrap_err();
    assert_eq!(e.code(), "seal_state");
    r.append(draft(
        "盐收〔2025〕3号",
        "2025-01-20",
        dispose(SealAction::Destroy),
    ))
    .unwrap();
    let p = r.person(RegId(1), d("2025-02-01")).unwrap();
    assert_eq!(p.seals[0].status, SealStatus::Destroyed);
    assert_eq!(p.outstanding_seals().count(), 0);
    // As of before the collection the seal was still outstanding.
    assert_eq!(
        r.person(RegId(1), d("2025-01-14")).unwrap().seals[0].status,
        SealStatus::ToCollect
    );
}

#[test]
fn after_deregistration_nothing_but_seals_may_be_recorded() {
    let mut r = one_person();
    r.append(draft(
        "盐事登〔2025〕9号",
        "2025-05-01",
        RegisterEvent::Deregister {
            reg: RegId(1),
            reason: "机构撤销".into(),
        },
    ))
    .unwrap();
    let p = r.person(RegId(1), d("2025-05-01")).unwrap();
    assert_eq!(p.status, LegalStatus::Deregistered);
    let e = r
        .append(draft(
            "盐事登〔2025〕10号",
            "2025-06-01",
            RegisterEvent::Change {
                reg: RegId(1),
                changes: vec![Change::Domicile {
                    domicile: "新址".into(),
                }],
            },
        ))
        .unwrap_err();
    assert_eq!(e.code(), "legal_person_ended");
}

#[test]
fn a_backdated_entry_that_breaks_a_later_one_is_refused_and_changes_nothing() {
    let mut r = one_person();
    r.append(draft(
        "盐事登〔2025〕3号",
        "2025-06-01",
        RegisterEvent::Change {
            reg: RegId(1),
            changes: vec![Change::LegalRep {
                legal_rep: "李华".into(),
            }],
        },
    ))
    .unwrap();
    let before = r.clone();
    let e = r
        .append(draft(
            "盐事登〔2025〕1号",
            "2025-01-01",
            RegisterEvent::Deregister {
                reg: RegId(1),
                reason: "撤销".into(),
            },
        ))
        .unwrap_err();
    assert_eq!(e.code(), "breaks_later");
    assert_eq!(r, before);
}

#[test]
fn a_correction_voids_an_entry_from_the_start() {
    let mut r = one_person();
    let wrong = r
        .append(draft(
            "盐事登〔2025〕3号",
            "2025-06-01",
            RegisterEvent::Change {
                reg: RegId(1),
                changes: vec![Change::LegalRep {
                    legal_rep: "李华".into(),
                }],
            },
        ))
        .unwrap();
    r.append(draft(
        "盐事登〔2025〕4号",
        "2025-06-03",
        RegisterEvent::Void {
            of: wrong,
            reason: "录入有误".into(),
        },
    ))
    .unwrap();
    assert_eq!(
        r.person(RegId(1), d("2025-07-01"))
            .unwrap()
            .particulars
            .legal_rep,
        "王明"
    );
    let e = r
        .append(draft(
            "盐事登〔2025〕5号",
            "2025-06-04",
            RegisterEvent::Void {
                of: wrong,
                reason: "再次".into(),
            },
        ))
        .unwrap_err();
    assert_eq!(e.code(), "already_void");
    assert!(r
        .history(RegId(1))
        .iter()
        .any(|(e, void)| e.seq == wrong && *void));
    assert_eq!(r.verify(), Ok(()));
}

#[test]
fn two_active_legal_persons_may_not_share_a_name() {
    let mut r = one_person();
    let e = r
        .append(draft(
            "盐编〔2024〕2号",
            "2024-04-01",
            establish(2, "盐都区第一小学", 2),
        ))
        .unwrap_err();
    assert_eq!(e.code(), "duplicate_name");
}

#[derive(Debug, Clone)]
enum Step {
    Establish(u32),
    Rename(u32, u8),
    LegalRep(u32),
    Deregister(u32),
    Certificate(u32),
    Seal(u32),
    Collect(u32),
}

fn step() -> impl Strategy<Value = (Step, u32)> {
    let reg = 1u32..4;
    (
        prop_oneof![
            reg.clone().prop_map(Step::Establish),
            (reg.clone(), 0u8..3).prop_map(|(r, n)| Step::Rename(r, n)),
            reg.clone().prop_map(Step::LegalRep),
            reg.clone().prop_map(Step::Deregister),
            reg.clone().prop_map(Step::Certificate),
            reg.clone().prop_map(Step::Seal),
            reg.prop_map(Step::Collect),
        ],
        0u32..400,
    )
}

proptest! {
    /// A refused entry changes nothing; the register as of the last date
    /// always has distinct names among active persons and distinct codes; a
    /// register rebuilt from its entries is the same.
    #[test]
    fn register_invariants(steps in proptest::collection::vec(step(), 1..30)) {
        let mut r = Register::new(REGISTRAR);
        for (i, (s, day)) in steps.into_iter().enumerate() {
            let on = d("2024-01-01") + chrono::Days::new(day as u64);
            let on = on.format("%Y-%m-%d").to_string();
            let reg = |n: u32| RegId(n);
            let event = match s {
                Step::Establish(n) => establish(n, &format!("单位{n}"), n),
                Step::Rename(n, k) => RegisterEvent::Change { reg: reg(n), changes: vec![Change::Name { name: format!("单位{k}") }] },
                Step::LegalRep(n) => RegisterEvent::Change { reg: reg(n), changes: vec![Change::LegalRep { legal_rep: format!("代表{i}") }] },
                Step::Deregister(n) => RegisterEvent::Deregister { reg: reg(n), reason: "撤销".into() },
                Step::Certificate(n) => RegisterEvent::Certificate { reg: reg(n), number: format!("证{i}"), valid_from: d(&on), valid_to: d(&on) + chrono::Days::new(1000), reason: bianzhi_registration::register::CertReason::Establish },
                Step::Seal(n) => RegisterEvent::FileSeal { reg: reg(n), seal: i as u32, kind: SealKind::Official, maker: "店".into() },
                Step::Collect(n) => RegisterEvent::DisposeSeal { reg: reg(n), seal: 0, action: SealAction::Collect, receiver: "局".into() },
            };
            let before = r.clone();
            if r.append(draft(&format!("盐事登〔2024〕{i}号"), &on, event)).is_err() {
                prop_assert_eq!(&r, &before);
            }
        }
        let persons = r.as_of(d("2026-01-01"));
        let mut names: Vec<_> = persons.values().filter(|p| !p.status.ended()).map(|p| p.particulars.name.clone()).collect();
        let n = names.len();
        names.sort();
        names.dedup();
        prop_assert_eq!(names.len(), n);
        let rebuilt = Register::from_entries(REGISTRAR, r.entries().to_vec()).unwrap();
        prop_assert_eq!(rebuilt.as_of(d("2026-01-01")), persons);
    }
}
