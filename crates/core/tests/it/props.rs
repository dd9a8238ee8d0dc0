//! Property tests of the ledger invariants over random sequences of matters.

use bianzhi_core::catalog::{ControlMode, LeaveReason, UnitKind};
use bianzhi_core::query::view_at;
use bianzhi_core::*;
use chrono::Duration;
use proptest::prelude::*;

use crate::common::*;

const UNITS: [&str; 3] = ["甲中心", "乙中心", "丙局"];

fn account(u: usize) -> AccountRef {
    let qtype = if u == 2 {
        "行政编制"
    } else {
        "事业编制"
    };
    acct(UNITS[u], qtype)
}

#[derive(Debug, Clone)]
enum Action {
    SetQuota(usize, i32, bool),
    Increase(usize, i32),
    Decrease(usize, i32, bool),
    Transfer(usize, usize, i32),
    Lock(usize, i32),
    Unlock(usize, i32),
    Plan(usize, i32),
    Hire(usize, u32, u16),
    Register(usize, u16, bool),
    Onboard(u16),
    Withdraw(u16),
    Leave(u16),
    Move(u16, usize, u32),
    WarnOnly(usize, bool),
    Merge(usize, usize),
    Reclaim(usize, i32),
    Lend(usize, i32, Option<i64>, bool),
    ReturnLoan(u32, Option<i32>),
    Bridge(u16, usize, bool, i64),
    Phased(usize, i32, i32, i64, bool),
    Dynamic(usize, i32, bool),
    StaffCap(usize, Option<i32>),
    Filed(usize, u16),
    Directed(u16, usize),
}

/// Operations that only move 核定 around (instruments, people, transfers).
fn conserving_action() -> impl Strategy<Value = Action> {
    let u = 0..3usize;
    let p = 0..12u16;
    prop_oneof![
        (u.clone(), 1..3i32).prop_map(|(u, n)| Action::Reclaim(u, n)),
        (
            u.clone(),
            1..3i32,
            prop::option::of(1..400i64),
            any::<bool>()
        )
            .prop_map(|(u, n, due, a)| Action::Lend(u, n, due, a)),
        (0..4u32, prop::option::of(1..3i32)).prop_map(|(l, n)| Action::ReturnLoan(l, n)),
        (p.clone(), u.clone(), any::<bool>(), 1..300i64)
            .prop_map(|(p, u, f, dl)| Action::Bridge(p, u, f, dl)),
        (u.clone(), 1..3i32, 1..3i32, 1..300i64)
            .prop_map(|(u, a, b, g)| Action::Phased(u, a, b, g, true)),
        (u.clone(), 1..3i32, any::<bool>()).prop_map(|(u, n, t)| Action::Dynamic(u, n, t)),
        (u.clone(), prop::option::of(0..8i32)).prop_map(|(u, n)| Action::StaffCap(u, n)),
        (u.clone(), p.clone()).prop_map(|(u, p)| Action::Filed(u, p)),
        (p.clone(), u.clone()).prop_map(|(p, u)| Action::Directed(p, u)),
        (u.clone(), 0..8u32, p.clone()).prop_map(|(u, l, p)| Action::Hire(u, l, p)),
        (u.clone(), p.clone(), any::<bool>()).prop_map(|(u, p, o)| Action::Register(u, p, o)),
        p.clone().prop_map(Action::Onboard),
        p.clone().prop_map(Action::Leave),
        (p, u.clone(), 0..8u32).prop_map(|(p, u, l)| Action::Move(p, u, l)),
        (u.clone(), u.clone(), 1..3i32).prop_map(|(a, b, n)| Action::Transfer(a, b, n)),
        (u.clone(), u).prop_map(|(a, b)| Action::Merge(a, b)),
    ]
}

fn action() -> impl Strategy<Value = Action> {
    let u = 0..3usize;
    let p = 0..12u16;
    prop_oneof![
        (u.clone(), 0..6i32, any::<bool>()).prop_map(|(u, n, o)| Action::SetQuota(u, n, o)),
        (u.clone(), 1..3i32).prop_map(|(u, n)| Action::Increase(u, n)),
        (u.clone(), 1..3i32, any::<bool>()).prop_map(|(u, n, o)| Action::Decrease(u, n, o)),
        (u.clone(), u.clone(), 1..3i32).prop_map(|(a, b, n)| Action::Transfer(a, b, n)),
        (u.clone(), 1..3i32).prop_map(|(u, n)| Action::Lock(u, n)),
        (u.clone(), 1..3i32).prop_map(|(u, n)| Action::Unlock(u, n)),
        (u.clone(), 1..4i32).prop_map(|(u, n)| Action::Plan(u, n)),
        (u.clone(), 0..8u32, p.clone()).prop_map(|(u, l, p)| Action::Hire(u, l, p)),
        (u.clone(), p.clone(), any::<bool>()).prop_map(|(u, p, o)| Action::Register(u, p, o)),
        p.clone().prop_map(Action::Onboard),
        p.clone().prop_map(Action::Withdraw),
        p.clone().prop_map(Action::Leave),
        (p, u.clone(), 0..8u32).prop_map(|(p, u, l)| Action::Move(p, u, l)),
        (u.clone(), any::<bool>()).prop_map(|(u, w)| Action::WarnOnly(u, w)),
        (u.clone(), u.clone()).prop_map(|(a, b)| Action::Merge(a, b)),
        conserving_action(),
        (u, 1..3i32, 1..3i32, 1..300i64).prop_map(|(u, a, b, g)| Action::Phased(u, a, b, g, false)),
    ]
}

fn to_op(a: &Action, st: &State, now: chrono::NaiveDate) -> Op {
    let p = |n: u16| pref(n + 1);
    match a.clone() {
        Action::SetQuota(u, n, allow_over) => Op::SetQuota {
            account: account(u),
            count: n,
            allow_over,
        },
        Action::Increase(u, n) => Op::IncreaseQuota {
            account: account(u),
            count: n,
        },
        Action::Decrease(u, n, allow_over) => Op::DecreaseQuota {
            account: account(u),
            count: n,
            allow_over,
        },
        Action::Transfer(a, b, n) => Op::TransferQuota {
            from: unit(UNITS[a]),
            to: unit(UNITS[b]),
            qtype: cat(if a == 2 {
                "行政编制"
            } else {
                "事业编制"
            }),
            funding: cat("全额拨款"),
            count: n,
        },
        Action::Lock(u, n) => Op::LockQuota {
            account: account(u),
            count: n,
            purpose: String::new(),
        },
        Action::Unlock(u, n) => Op::UnlockQuota {
            account: account(u),
            count: n,
        },
        Action::Plan(u, n) => Op::ApprovePlanLine {
            line: None,
            unit: unit(UNITS[u]),
            year: st
                .max_effective
                .map_or(2020, |d| chrono::Datelike::year(&d)),
            channel: catalog::PlanChannel::OpenRecruitment,
            qtype: account(u).qtype,
            count: n,
        },
        Action::Hire(u, line, n) => Op::Hire {
            person: None,
            account: account(u),
            body: None,
            plan_line: PlanLineId(line),
            details: person("测试", n + 1),
        },
        Action::Register(u, n, allow_over) => Op::RegisterExisting {
            person: None,
            account: account(u),
            body: None,
            enrolled_on: d("2015-01-01"),
            details: person("存量", n + 1),
            allow_over,
        },
        Action::Onboard(n) => Op::Onboard { person: p(n) },
        Action::Withdraw(n) => Op::WithdrawHire { person: p(n) },
        Action::Leave(n) => Op::Leave {
            person: p(n),
            reason: LeaveReason::Retire,
        },
        Action::Move(n, u, line) => Op::Transfer {
            person: p(n),
            to: account(u),
            body: None,
            plan_line: PlanLineId(line),
        },
        Action::WarnOnly(u, w) => Op::SetControlMode {
            unit: unit(UNITS[u]),
            mode: if w {
                ControlMode::WarnOnly
            } else {
                ControlMode::Hard
            },
        },
        Action::Merge(a, b) => Op::MergeUnit {
            unit: unit(UNITS[a]),
            into: unit(UNITS[b]),
        },
        Action::Reclaim(u, n) => Op::Reclaim {
            account: account(u),
            count: n,
            allow_over: false,
        },
        Action::Lend(u, n, due, on_attrition) => Op::Lend {
            loan: None,
            account: account(u),
            count: n,
            due: due.map(|days| now + Duration::days(days)),
            on_attrition,
        },
        Action::ReturnLoan(l, n) => Op::ReturnLoan {
            loan: LoanId(l),
            count: n,
        },
        Action::Bridge(n, u, from_pool, days) => Op::BridgeTransfer {
            bridge: None,
            person: p(n),
            to: account(u),
            body: None,
            from_pool,
            deadline: now + Duration::days(days),
        },
        Action::Phased(u, a, b, gap, from_pool) => Op::GrantPhased {
            grant: None,
            account: account(u),
            tranches: vec![
                model::Tranche {
                    date: now,
                    count: a,
                },
                model::Tranche {
                    date: now + Duration::days(gap),
                    count: b,
                },
            ],
            from_pool,
        },
        Action::Dynamic(u, n, include_transfer_out) => Op::GrantDynamic {
            grant: None,
            account: account(u),
            count: n,
            include_transfer_out,
        },
        Action::StaffCap(u, n) => Op::SetStaffCap {
            unit: unit(UNITS[u]),
            count: n,
        },
        Action::Filed(u, n) => Op::RegisterFiled {
            person: None,
            unit: unit(UNITS[u]),
            details: person("备案", n + 1),
        },
        Action::Directed(n, u) => Op::DirectedEnrol {
            person: p(n),
            account: account(u),
            body: None,
        },
    }
}

fn setup() -> Ledger {
    let mut l = Ledger::new("320903", "盐城市盐都区");
    submit(
        &mut l,
        matter(
            "盐编〔2020〕1号",
            "2020-01-01",
            vec![
                create(UNITS[0], UnitKind::Institution, None),
                create(UNITS[1], UnitKind::Institution, None),
                create(UNITS[2], UnitKind::GovDept, None),
                set_quota(UNITS[0], "事业编制", 3),
                set_quota(UNITS[1], "事业编制", 2),
                set_quota(UNITS[2], "行政编制", 2),
                plan(UNITS[0], 2020, 3),
                Op::FundPool {
                    qtype: cat("事业编制"),
                    count: 3,
                },
                Op::FundPool {
                    qtype: cat("行政编制"),
                    count: 2,
                },
            ],
        ),
    )
    .unwrap();
    l
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(64), .. ProptestConfig::default() })]

    /// 更正 / 撤销 among random matters: a refused correction changes
    /// nothing; an accepted one voids its target for good; the state always
    /// keeps every invariant and equals a replay of the journal and a start
    /// from a snapshot taken before the correction; revoking the latest
    /// matter gives back the figures from before it, as of every date.
    #[test]
    fn corrections_keep_every_invariant_and_replay(
        steps in prop::collection::vec(
            (action(), prop::collection::vec(action(), 0..3), 0..45i64, 0..8u8, any::<u8>()),
            1..30,
        )
    ) {
        let mut l = setup();
        let mut date = d("2020-01-01");
        let mut snapshot: Option<State> = None;
        // The state before the latest accepted ordinary matter, and its 序号.
        let mut before_last: Option<(State, Seq)> = None;
        for (i, (first, more, days, corr, pick)) in steps.iter().enumerate() {
            date += Duration::days(*days);
            let mut ops = vec![to_op(first, l.state(), date)];
            ops.extend(more.iter().map(|a| to_op(a, l.state(), date)));
            let mut m = matter(&format!("盐编〔2020〕{}号", i + 2), "2020-01-01", ops);
            m.effective = date;
            m.recorded_at = at("2020-01-01") + Duration::hours(i as i64);
            let before = l.state().clone();
            let journal_before = l.journal_len();
            let target = match corr {
                0 | 1 => Some(l.decoded_journal().unwrap()[*pick as usize % l.journal_len()].0),
                2 => before_last.as_ref().map(|(_, s)| *s),
                _ => None,
            };
            if let Some(of) = target {
                let kind = if *corr == 1 { CorrectionKind::Amend } else { CorrectionKind::Revoke };
                if kind == CorrectionKind::Revoke {
                    m.ops.clear();
                }
                m.corrects = Some(Correction { of, kind, root: 0 });
                if snapshot.is_none() {
                    snapshot = Some(before.clone());
                }
            }
            match submit(&mut l, m) {
                Err(_) => {
                    prop_assert_eq!(l.state(), &before, "a refused matter changed the state");
                    prop_assert_eq!(l.journal_len(), journal_before);
                    if let Some(of) = target {
                        // Refused only for a reason: the target is void or a
                        // 撤销, or a later matter (or the amendment) breaks.
                        prop_assert!(l.entry(of).is_some());
                    }
                }
                Ok(seq) => {
                    if let Some(of) = target {
                        prop_assert_eq!(l.voided_by(of), Some(seq));
                        prop_assert!(!l.stands(of));
                        if *corr == 2 {
                            // Revoking the latest ordinary matter, with nothing
                            // recorded after it but this: the figures before it.
                            let (prev, _) = before_last.take().expect("target");
                            for dd in [d("2020-01-01"), date, d("2099-12-31")] {
                                prop_assert_eq!(
                                    figures(&view_at(l.state(), dd), dd),
                                    figures(&view_at(&prev, dd), dd),
                                    "revoked latest matter, as of {}", dd
                                );
                            }
                        }
                        before_last = None;
                    } else {
                        before_last = Some((before, seq));
                    }
                }
            }
            check_accounts(l.state())?;
            invariants(l.state(), &format!("after step {i}"))?;
        }
        // Nothing is voided twice, and only corrections void.
        let correctors: Vec<_> = l.decoded_journal().unwrap().iter().filter_map(|(_, m)| m.corrects).collect();
        let mut targets: Vec<_> = correctors.iter().map(|c| c.of).collect();
        targets.sort();
        targets.dedup();
        prop_assert_eq!(targets.len(), correctors.len());
        // Replaying the journal, or starting from a snapshot taken before the
        // first correction, gives the live state.
        let replayed = replay(l.state(), l.decoded_journal().unwrap().iter().map(|(s, m)| (*s, m))).unwrap();
        prop_assert_eq!(&replayed, l.state());
        if let Some(snap) = snapshot {
            let resumed = Ledger::from_snapshot(snap, l.decoded_journal().unwrap()).unwrap();
            prop_assert_eq!(resumed.state(), l.state());
            prop_assert_eq!(
                l.decoded_journal().unwrap().iter().map(|(s, _)| l.voided_by(*s)).collect::<Vec<_>>(),
                l.decoded_journal().unwrap().iter().map(|(s, _)| resumed.voided_by(*s)).collect::<Vec<_>>()
            );
        }
    }
}

/// Every account, at every date of its history: no negative number, and
/// 可用空编 < 0 only when flagged 超编消化.
fn check_accounts(st: &State) -> Result<(), TestCaseError> {
    for (key, hist) in &st.history.accounts {
        for (date, (c, digesting)) in hist {
            for v in [c.approved, c.actual, c.frozen, c.locked, c.borrowed] {
                prop_assert!(v >= 0, "negative count in {key:?} on {date}: {c:?}");
            }
            prop_assert!(
                c.available() >= 0 || *digesting,
                "可用空编 {} < 0 without 超编消化 in {key:?} on {date}",
                c.available()
            );
        }
    }
    Ok(())
}

/// Number of cases: `PROPTEST_CASES` when set (for a longer run), else `default`.
pub(crate) fn cases(default: u32) -> u32 {
    std::env::var("PROPTEST_CASES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

/// Every invariant of the state machine (counters agree with the records,
/// class, post, staff-cap, pool and abolished-unit rules, conservation).
fn invariants(st: &State, when: &str) -> Result<(), TestCaseError> {
    if let Err(e) = st.check_invariants() {
        return Err(TestCaseError::fail(format!("{when}: {e}")));
    }
    Ok(())
}

fn figures(st: &State, date: chrono::NaiveDate) -> Vec<String> {
    (0..st.units.len() as u32)
        .map(|i| {
            let u = UnitId(i);
            format!(
                "{:?}|{:?}|{:?}|{:?}",
                query::unit_at(st, u, date).map(|u| (&u.name, u.status)),
                query::quota_table(st, u, date),
                query::post_table(st, u, date),
                query::roster_at(st, u, date)
            )
        })
        .chain([format!(
            "{:?}|{:?}|{:?}|{:?}",
            query::pools_at(st, date),
            query::loans_at(st, date, true),
            query::bridges_at(st, date, true),
            query::grants_at(st, date, true)
        )])
        .collect()
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(96), .. ProptestConfig::default() })]

    #[test]
    fn random_matters_keep_every_invariant(
        steps in prop::collection::vec((action(), prop::collection::vec(action(), 0..3), 0..45i64, 0..10u8), 1..40)
    ) {
        let mut l = setup();
        let mut date = d("2020-01-01");
        for (i, (first, more, days, backdate)) in steps.iter().enumerate() {
            // One matter in ten is backdated before the latest effective date.
            let effective = if *backdate == 0 {
                date - Duration::days(*days / 2)
            } else {
                date += Duration::days(*days);
                date
            };
            let mut ops = vec![to_op(first, l.state(), effective)];
            ops.extend(more.iter().map(|a| to_op(a, l.state(), effective)));
            // A backdated transfer is followed by later matters, which may set
            // 核定 outright (核定编制), so only an in-order one is compared.
            let is_transfer = *backdate != 0
                && ops.iter().all(|o| matches!(o, Op::TransferQuota { .. } | Op::MergeUnit { .. }));
            let mut m = matter(&format!("盐编〔2020〕{}号", i + 2), "2020-01-01", ops);
            m.effective = effective;
            m.recorded_at = at("2020-01-01") + Duration::hours(i as i64);
            let before = l.state().clone();
            let journal_before = l.journal_len();
            // Without the undo log (as replays apply) a matter is refused
            // exactly as with it, and accepted into the same state.
            let mut resolved = m.clone();
            if *backdate != 0 && before.resolve(&mut resolved).is_ok() {
                let (mut logged, mut unlogged) = (before.clone(), before.clone());
                let seq = l.next_seq();
                let a = logged.apply(seq, &resolved).map_err(|e| e.to_string());
                let b = unlogged.apply_unlogged(seq, &resolved).map_err(|e| e.to_string());
                prop_assert_eq!(&a, &b);
                if a.is_ok() {
                    prop_assert_eq!(&logged, &unlogged);
                } else {
                    prop_assert_eq!(&logged, &before, "a refused matter changed the state");
                }
            }
            let far = d("2099-12-31");
            let total_before = query::jurisdiction_total(&view_at(&before, far), far);
            match submit(&mut l, m) {
                Err(_) => {
                    prop_assert_eq!(l.state(), &before, "a refused matter changed the state");
                    prop_assert_eq!(l.journal_len(), journal_before);
                }
                Ok(_) => {
                    if is_transfer {
                        let after = query::jurisdiction_total(&view_at(l.state(), far), far);
                        prop_assert_eq!(total_before, after, "quota transfers conserve 核定");
                    }
                }
            }
            check_accounts(l.state())?;
            invariants(l.state(), &format!("after step {i}"))?;
            invariants(&view_at(l.state(), far), &format!("after step {i}, clock at {far}"))?;
        }
        // Replaying the journal gives the live state.
        let replayed = replay(l.state(), l.decoded_journal().unwrap().iter().map(|(s, m)| (*s, m))).unwrap();
        prop_assert_eq!(&replayed, l.state());
        // The state as of D equals replaying only the matters effective on or before D.
        let mut dates: Vec<_> = l.decoded_journal().unwrap().iter().map(|(_, m)| m.effective).collect();
        dates.sort();
        dates.dedup();
        for dd in dates {
            let partial = replay(
                l.state(),
                l.decoded_journal().unwrap().iter().filter(|(_, m)| m.effective <= dd).map(|(s, m)| (*s, m)),
            )
            .unwrap();
            invariants(&partial, &format!("matters effective by {dd}"))?;
            invariants(&view_at(&partial, dd), &format!("as of {dd}"))?;
            prop_assert_eq!(
                figures(&view_at(l.state(), dd), dd),
                figures(&view_at(&partial, dd), dd),
                "as of {}",
                dd
            );
        }
    }

}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(256), .. ProptestConfig::default() })]

    #[test]
    fn instruments_conserve_the_jurisdiction_total(
        steps in prop::collection::vec((conserving_action(), prop::collection::vec(conserving_action(), 0..4), 0..60i64), 1..60)
    ) {
        let mut l = setup();
        let start = d("2020-01-01");
        let total = |st: &State, date| query::jurisdiction_total(&view_at(st, date), date);
        let expected = total(l.state(), start);
        let mut date = start;
        for (i, (first, more, days)) in steps.iter().enumerate() {
            date += Duration::days(*days);
            let mut ops = vec![to_op(first, l.state(), date)];
            ops.extend(more.iter().map(|a| to_op(a, l.state(), date)));
            let mut m = matter(&format!("盐编〔2020〕{}号", i + 2), "2020-01-01", ops);
            m.effective = date;
            m.recorded_at = at("2020-01-01") + Duration::hours(i as i64);
            let _ = submit(&mut l, m);
            check_accounts(l.state())?;
            invariants(l.state(), &format!("after step {i}"))?;
            prop_assert_eq!(l.state().quota_total(), i64::from(expected));
        }
        let mut dates: Vec<_> = l.decoded_journal().unwrap().iter().map(|(_, m)| m.effective).collect();
        dates.push(d("2099-12-31"));
        for dd in dates {
            prop_assert_eq!(total(l.state(), dd), expected, "total 核定 as of {}", dd);
            let partial = replay(
                l.state(),
                l.decoded_journal().unwrap().iter().filter(|(_, m)| m.effective <= dd).map(|(s, m)| (*s, m)),
            )
            .unwrap();
            let at = view_at(&partial, dd);
            invariants(&at, &format!("as of {dd}"))?;
            prop_assert_eq!(at.quota_total(), i64::from(expected), "total as of {}", dd);
        }
    }
}
