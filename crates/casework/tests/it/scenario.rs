//! 沙盘推演: draft matters tried in order on a copy of the ledger — the real
//! ledger and journal untouched, the result the same as recording the drafts
//! on a copy, every refusal reported while the other drafts go on.

use bianzhi_casework::scenario::{run, Totals};
use bianzhi_core::Op;

use crate::common::*;

fn merge() -> Matter {
    matter(
        "盐编〔2024〕91号",
        "2024-06-01",
        vec![Op::MergeUnit {
            unit: unit(SECOND),
            into: unit(SCHOOL),
        }],
    )
}

fn beyond_quota() -> Matter {
    matter(
        "盐编〔2024〕92号",
        "2024-06-02",
        vec![Op::DecreaseQuota {
            account: acct(BUREAU, "行政编制"),
            count: 11,
            allow_over: false,
        }],
    )
}

fn increase() -> Matter {
    matter(
        "盐编〔2024〕93号",
        "2024-06-03",
        vec![Op::IncreaseQuota {
            account: acct(SCHOOL, "事业编制"),
            count: 2,
        }],
    )
}

use bianzhi_core::Matter;

/// 机构限额: 事业单位 at most 2.
fn cfg() -> bianzhi_casework::AssessConfig {
    let mut c = bianzhi_casework::AssessConfig::default();
    c.unit_limits.insert("事业单位".into(), 2);
    c
}

#[test]
fn a_scenario_changes_nothing_real_and_equals_recording_on_a_copy() {
    let l = district();
    let (state, journal) = (l.state().clone(), l.decoded_journal().unwrap());
    let drafts = vec![merge(), beyond_quota(), increase()];
    let out = run(&l, &drafts, at("2024-05-01"), d("2024-05-01"), &cfg());
    // The real ledger is byte-identical.
    assert_eq!(l.state(), &state);
    assert_eq!(l.decoded_journal().unwrap(), &journal[..]);
    assert_eq!(
        serde_json::to_vec(&l.decoded_journal().unwrap()).unwrap(),
        serde_json::to_vec(&journal).unwrap()
    );
    // Every refusal named at its draft; the others went on.
    assert_eq!(out.accepted, 2);
    assert_eq!(out.steps.len(), 3);
    assert!(out.steps[0].refusal.is_none(), "{:?}", out.steps[0]);
    let refused = &out.steps[1];
    assert_eq!(refused.index, 2);
    assert!(
        refused.refusal.as_deref().unwrap().contains("核减"),
        "{refused:?}"
    );
    assert!(refused.code.is_some());
    assert!(out.steps[2].refusal.is_none());
    // The same as recording the accepted drafts on a copy.
    let mut copy = l.clone();
    for m in [merge(), increase()] {
        submit(&mut copy, m).unwrap();
    }
    assert_eq!(out.as_of, d("2024-06-03"));
    assert_eq!(out.after, Totals::of(copy.state(), out.as_of));
    assert_eq!(out.before, Totals::of(l.state(), out.as_of));
    // 第二小学 merged into 实验小学: one unit fewer; 核定 2 more.
    assert_eq!(out.after.units, out.before.units - 1);
    assert_eq!(out.after.approved, out.before.approved + 2);
    assert!(
        out.changes.units.iter().any(|u| u.contains(SECOND)),
        "{:?}",
        out.changes.units
    );
    assert!(
        out.changes.accounts.iter().any(|a| a.unit == SCHOOL),
        "{:?}",
        out.changes.accounts
    );
    // Each touched unit before and after: 第二小学's 6 go to 实验小学 (3 + 6
    // + 2); 第二小学 itself is gone.
    let unit = |name: &str| out.units.iter().find(|u| u.unit == name).unwrap();
    assert_eq!(unit(SCHOOL).before.approved, 3);
    assert_eq!(unit(SCHOOL).after.approved, 11);
    assert_eq!(unit(SECOND).before.approved, 6);
    assert_eq!(unit(SECOND).after, Totals::default());
    assert_eq!(out.before.by_type["事业编制"].0, 9);
    // 机构限额: two 事业单位 (at the limit) become one.
    let lim = out.limits.iter().find(|x| x.group == "事业单位").unwrap();
    assert_eq!((lim.before, lim.after, lim.limit, lim.ok), (2, 1, 2, true));
    assert_eq!(out.after.by_type["事业编制"].0, 11);
}

#[test]
fn an_empty_scenario_changes_nothing() {
    let l = district();
    let out = run(&l, &[], at("2024-05-01"), d("2024-05-01"), &cfg());
    assert_eq!(out.accepted, 0);
    assert_eq!(out.before, out.after);
    assert!(out.changes.accounts.is_empty() && out.changes.units.is_empty());
}
