//! 预览: a matter tried on a copy of the ledger shows the figures before →
//! after for what it touches, or the ledger's refusal, and changes nothing.

use bianzhi_casework::preview::preview;
use bianzhi_core::Op;

use crate::common::*;

#[test]
fn a_loan_shows_the_account_and_the_pool_before_and_after() {
    let l = district();
    let before = l.state().clone();
    let m = matter(
        "盐编〔2024〕9号",
        "2024-03-01",
        vec![Op::Lend {
            loan: None,
            account: acct(SCHOOL, "事业编制"),
            count: 2,
            due: Some(d("2025-03-01")),
            on_attrition: false,
        }],
    );
    let p = preview(&l, m, at("2024-03-01"));
    assert!(p.accepted(), "{:?}", p.refusal);
    assert_eq!(p.accounts.len(), 1, "{:?}", p.accounts);
    let a = &p.accounts[0];
    assert_eq!(a.unit, SCHOOL);
    assert_eq!(a.account, "事业编制(全额拨款)");
    assert_eq!((a.before.borrowed, a.after.borrowed), (0, 2));
    assert_eq!(a.available, (3, 5));
    assert_eq!(p.pools.len(), 1);
    assert_eq!(p.pools[0].qtype, "事业编制");
    assert_eq!(p.pools[0].before, (5, 0, 0));
    assert_eq!(p.pools[0].after, (3, 2, 0));
    assert_eq!(l.state(), &before, "the ledger itself is untouched");
}

#[test]
fn a_matter_beyond_quota_shows_the_refusal_and_no_change() {
    let l = district();
    let m = matter(
        "盐编〔2024〕9号",
        "2024-03-01",
        vec![
            register(SCHOOL, "事业编制", "甲", 1),
            register(SCHOOL, "事业编制", "乙", 2),
            register(SCHOOL, "事业编制", "丙", 3),
            register(SCHOOL, "事业编制", "丁", 4),
        ],
    );
    let p = preview(&l, m, at("2024-03-01"));
    assert!(!p.accepted());
    assert_eq!(p.code.as_deref(), Some("no_vacancy"), "{:?}", p.refusal);
    assert!(
        p.refusal.as_deref().unwrap().contains(SCHOOL),
        "{:?}",
        p.refusal
    );
    assert!(p.accounts.is_empty() && p.people.is_empty());
    assert_eq!(l.journal_len(), 1);
}

#[test]
fn a_merger_shows_people_posts_and_both_units() {
    let l = staffed();
    let m = matter(
        "盐编〔2024〕9号",
        "2024-03-01",
        vec![Op::MergeUnit {
            unit: unit(SECOND),
            into: unit(SCHOOL),
        }],
    );
    let p = preview(&l, m, at("2024-03-01"));
    assert!(p.accepted(), "{:?}", p.refusal);
    assert!(
        p.units
            .iter()
            .any(|u| u.contains(SECOND) && u.contains("撤销")),
        "{:?}",
        p.units
    );
    assert!(
        p.people
            .iter()
            .any(|s| s.contains("教师31") && s.contains(SCHOOL)),
        "{:?}",
        p.people
    );
    let second = p
        .accounts
        .iter()
        .find(|a| a.unit == SECOND)
        .expect("second school's account");
    assert_eq!((second.before.approved, second.before.actual), (6, 1));
    assert_eq!((second.after.approved, second.after.actual), (0, 0));
    let school = p
        .accounts
        .iter()
        .find(|a| a.unit == SCHOOL)
        .expect("school's account");
    assert_eq!(school.after.approved - school.before.approved, 6);
    assert_eq!(school.after.actual - school.before.actual, 1);
    assert!(
        !p.people.iter().any(|s| s.contains("320903")),
        "ids are masked: {:?}",
        p.people
    );
}
