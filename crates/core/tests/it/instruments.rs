//! The quota instruments of DOMAIN §3: each walked through its whole life with
//! as-of queries before and after every step, and each refusal.

use bianzhi_core::catalog::{LeaveReason, UnitKind};
use bianzhi_core::model::{PersonDetails, Tranche};
use bianzhi_core::query::{self, view_at};
use bianzhi_core::*;

use crate::common::*;

const TOWN: &str = "大纵湖镇";
const CENTRE: &str = "大纵湖镇综合服务中心";

/// The fixture plus a 镇 with its 事业单位 and a second school; the pool of
/// 事业编制 is funded with 2 reclaimed from the bureau's schools.
fn district() -> Ledger {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-01-10",
            vec![
                create(TOWN, UnitKind::Town, None),
                set_quota(TOWN, "行政编制", 20),
                create(CENTRE, UnitKind::Institution, Some(TOWN)),
                set_quota(CENTRE, "事业编制", 1),
                create(SECOND, UnitKind::Institution, Some(BUREAU)),
                set_quota(SECOND, "事业编制", 5),
                plan(SECOND, 2024, 5),
                plan(CENTRE, 2024, 3),
            ],
        ),
    )
    .unwrap();
    l
}

fn acct_row(st: &State, l: &Ledger, unit: &str, date: &str) -> query::QuotaRow {
    let v = view_at(st, d(date));
    query::quota_table(&v, uid(l, unit), d(date))
        .into_iter()
        .find(|r| r.qtype == "事业编制")
        .expect("row")
}

fn pool(st: &State, date: &str) -> model::PoolAccount {
    let v = view_at(st, d(date));
    query::pools_at(&v, d(date))
        .into_iter()
        .find(|(q, _)| *q == QuotaTypeId(2))
        .map(|(_, p)| p)
        .unwrap_or_default()
}

fn reclaim(unit_name: &str, n: i32) -> Op {
    Op::Reclaim {
        account: acct(unit_name, "事业编制"),
        count: n,
        allow_over: false,
    }
}

#[test]
fn reclaim_puts_slots_in_the_pool_and_never_goes_negative() {
    let mut l = district();
    submit(
        &mut l,
        matter("盐编〔2024〕3号", "2024-02-01", vec![reclaim(SCHOOL, 2)]),
    )
    .unwrap();
    assert_eq!(
        acct_row(l.state(), &l, SCHOOL, "2024-01-31")
            .counts
            .approved,
        3
    );
    assert_eq!(
        acct_row(l.state(), &l, SCHOOL, "2024-02-01")
            .counts
            .approved,
        1
    );
    assert_eq!(pool(l.state(), "2024-01-31").balance, 0);
    assert_eq!(pool(l.state(), "2024-02-01").balance, 2);
    let e = refused(
        &mut l,
        matter("盐编〔2024〕4号", "2024-02-02", vec![reclaim(SCHOOL, 2)]),
    );
    assert!(matches!(
        e.violation(),
        Some(Violation::Negative {
            field: "核定", ..
        })
    ));
    // Below usage is refused too: one hired, one slot left.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-02-03",
            vec![hire(SCHOOL, 0, "王芳", 1)],
        ),
    )
    .unwrap();
    let e = refused(
        &mut l,
        matter("盐编〔2024〕5号", "2024-02-04", vec![reclaim(SCHOOL, 1)]),
    );
    assert!(
        matches!(e.violation(), Some(Violation::BelowUsage { .. })),
        "{e}"
    );
}

#[test]
fn pool_loan_to_a_town_life_and_refusals() {
    let mut l = district();
    submit(
        &mut l,
        matter("盐编〔2024〕3号", "2024-02-01", vec![reclaim(SCHOOL, 2)]),
    )
    .unwrap();
    let lend = |n, due: Option<&str>| Op::Lend {
        loan: None,
        account: acct(CENTRE, "事业编制"),
        count: n,
        due: due.map(d),
        on_attrition: false,
    };
    // Over-lending the pool.
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-03-01",
            vec![lend(3, Some("2025-12-31"))],
        ),
    );
    assert_eq!(
        e.violation().unwrap().to_string(),
        "周转池事业编制余额 2 名，不能调出 3 名"
    );
    submit(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-03-01",
            vec![lend(2, Some("2025-12-31"))],
        ),
    )
    .unwrap();
    let r = acct_row(l.state(), &l, CENTRE, "2024-03-01");
    assert_eq!(
        (r.counts.approved, r.counts.borrowed, r.available),
        (1, 2, 3)
    );
    assert_eq!(
        acct_row(l.state(), &l, CENTRE, "2024-02-29")
            .counts
            .borrowed,
        0
    );
    let p = pool(l.state(), "2024-03-01");
    assert_eq!((p.balance, p.lent), (0, 2));
    let loans = query::loans_at(l.state(), d("2024-03-01"), false);
    assert_eq!(loans.len(), 1);
    assert!(loans[0].town_use, "区属镇用 is reported separately");
    // Return one by hand, then the rest; a second full return is refused.
    let ret = |n: Option<i32>| Op::ReturnLoan {
        loan: LoanId(0),
        count: n,
    };
    submit(
        &mut l,
        matter("盐编〔2024〕5号", "2024-06-01", vec![ret(Some(1))]),
    )
    .unwrap();
    submit(
        &mut l,
        matter("盐编〔2024〕6号", "2024-07-01", vec![ret(None)]),
    )
    .unwrap();
    let e = refused(
        &mut l,
        matter("盐编〔2024〕7号", "2024-07-02", vec![ret(None)]),
    );
    assert_eq!(e.code(), "return_exceeds_loan", "{e}");
    assert!(e.to_string().contains("未还 0 名"), "{e}");
    assert_eq!(
        acct_row(l.state(), &l, CENTRE, "2024-06-01")
            .counts
            .borrowed,
        1
    );
    assert_eq!(
        acct_row(l.state(), &l, CENTRE, "2024-07-01")
            .counts
            .borrowed,
        0
    );
    assert_eq!(pool(l.state(), "2024-07-01").balance, 2);
    assert!(query::loans_at(l.state(), d("2024-07-01"), false).is_empty());
}

#[test]
fn a_free_loan_returns_itself_on_its_due_date_and_an_occupied_one_is_overdue() {
    let mut l = district();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-02-01",
            vec![
                reclaim(SCHOOL, 2),
                Op::Lend {
                    loan: None,
                    account: acct(CENTRE, "事业编制"),
                    count: 2,
                    due: Some(d("2024-09-01")),
                    on_attrition: false,
                },
            ],
        ),
    )
    .unwrap();
    // Occupy two of the centre's three slots.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-03-01",
            vec![hire(CENTRE, 2, "人员", 1), hire(CENTRE, 2, "人员", 2)],
        ),
    )
    .unwrap();
    let onboard = vec![
        Op::Onboard { person: pref(1) },
        Op::Onboard { person: pref(2) },
    ];
    submit(&mut l, matter("盐编〔2024〕5号", "2024-03-15", onboard)).unwrap();
    // On 2024-09-01 only one slot is free: one returns, one is overdue. No matter
    // was recorded on that date; the answer is the same whenever it is asked.
    let before = acct_row(l.state(), &l, CENTRE, "2024-08-31");
    assert_eq!(before.counts.borrowed, 2);
    let due = acct_row(l.state(), &l, CENTRE, "2024-09-01");
    assert_eq!((due.counts.borrowed, due.available), (1, 0));
    let v = view_at(l.state(), d("2024-09-01"));
    let loans = query::loans_at(&v, d("2024-09-01"), false);
    assert_eq!(loans.len(), 1);
    assert!(loans[0].overdue(d("2024-09-01")));
    // Record a later matter: the history now holds the due date itself.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕6号",
            "2024-10-01",
            vec![Op::Leave {
                person: pref(1),
                reason: LeaveReason::Retire,
            }],
        ),
    )
    .unwrap();
    assert_eq!(
        acct_row(l.state(), &l, CENTRE, "2024-09-01")
            .counts
            .borrowed,
        1
    );
    // The retirement freed a slot: the overdue loan took it back.
    let r = acct_row(l.state(), &l, CENTRE, "2024-10-01");
    assert_eq!((r.counts.borrowed, r.counts.actual, r.available), (0, 1, 0));
    assert_eq!(pool(l.state(), "2024-10-01").balance, 2);
    assert!(query::loans_at(l.state(), d("2024-10-01"), false).is_empty());
}

#[test]
fn bridge_quota_walks_with_the_person_and_is_written_off_at_the_next_vacancy() {
    let mut l = district();
    // The school is full (3 of 3); 二小 has a teacher.
    let hires: Vec<Op> = (1..=3).map(|i| hire(SCHOOL, 0, "教师", i)).collect();
    submit(&mut l, matter("盐编〔2024〕3号", "2024-02-01", hires)).unwrap();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-02-02",
            vec![hire(SECOND, 1, "人员", 10)],
        ),
    )
    .unwrap();
    let onboard = [1, 2, 3, 10]
        .map(|i| Op::Onboard { person: pref(i) })
        .to_vec();
    submit(&mut l, matter("盐编〔2024〕5号", "2024-02-10", onboard)).unwrap();
    let bridge = |n: u16| Op::BridgeTransfer {
        bridge: None,
        person: pref(n),
        to: acct(SCHOOL, "事业编制"),
        body: None,
        from_pool: false,
        deadline: d("2024-12-31"),
    };
    submit(
        &mut l,
        matter("盐编〔2024〕6号", "2024-03-01", vec![bridge(10)]),
    )
    .unwrap();
    let r = acct_row(l.state(), &l, SCHOOL, "2024-03-01");
    assert_eq!(
        (
            r.counts.approved,
            r.counts.bridged,
            r.counts.actual,
            r.available
        ),
        (3, 1, 4, 0)
    );
    assert_eq!(
        acct_row(l.state(), &l, SECOND, "2024-03-01")
            .counts
            .approved,
        4
    );
    assert_eq!(
        acct_row(l.state(), &l, SECOND, "2024-02-29")
            .counts
            .approved,
        5
    );
    assert_eq!(
        query::bridges_at(l.state(), d("2024-03-01"), false).len(),
        1
    );
    // Overdue after the deadline while not written off.
    let v = view_at(l.state(), d("2025-01-01"));
    assert!(query::bridges_at(&v, d("2025-01-01"), false)[0].overdue(d("2025-01-01")));
    // The next natural vacancy writes it off; the slot returns to 二小.
    submit(
        &mut l,
        matter(
            "盐编〔2025〕1号",
            "2025-02-01",
            vec![Op::Leave {
                person: pref(1),
                reason: LeaveReason::Retire,
            }],
        ),
    )
    .unwrap();
    let r = acct_row(l.state(), &l, SCHOOL, "2025-02-01");
    assert_eq!((r.counts.bridged, r.counts.actual, r.available), (0, 3, 0));
    assert_eq!(
        acct_row(l.state(), &l, SECOND, "2025-02-01")
            .counts
            .approved,
        5
    );
    assert!(query::bridges_at(l.state(), d("2025-02-01"), false).is_empty());
    // A bridge into a unit that has a vacancy is refused (use a plain 调动).
    let e = refused(
        &mut l,
        matter(
            "盐编〔2025〕2号",
            "2025-02-02",
            vec![Op::BridgeTransfer {
                bridge: None,
                person: pref(2),
                to: acct(SECOND, "事业编制"),
                body: None,
                from_pool: false,
                deadline: d("2025-12-31"),
            }],
        ),
    );
    assert_eq!(e.code(), "bridge_not_needed", "{e}");
}

#[test]
fn bridge_from_the_pool() {
    let mut l = district();
    let hires: Vec<Op> = (1..=2).map(|i| hire(SCHOOL, 0, "教师", i)).collect();
    submit(
        &mut l,
        matter("盐编〔2024〕3号", "2024-02-01", {
            let mut v = vec![reclaim(SCHOOL, 1)];
            v.extend(hires);
            v.push(hire(SECOND, 1, "人员", 10));
            v
        }),
    )
    .unwrap();
    let onboard = [1, 2, 10].map(|i| Op::Onboard { person: pref(i) }).to_vec();
    submit(&mut l, matter("盐编〔2024〕4号", "2024-02-10", onboard)).unwrap();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-03-01",
            vec![Op::BridgeTransfer {
                bridge: None,
                person: pref(10),
                to: acct(SCHOOL, "事业编制"),
                body: None,
                from_pool: true,
                deadline: d("2024-12-31"),
            }],
        ),
    )
    .unwrap();
    let p = pool(l.state(), "2024-03-01");
    assert_eq!((p.balance, p.bridged), (0, 1));
    // 二小 keeps its slot (now vacant).
    assert_eq!(
        acct_row(l.state(), &l, SECOND, "2024-03-01")
            .counts
            .approved,
        5
    );
    submit(
        &mut l,
        matter(
            "盐编〔2024〕6号",
            "2024-05-01",
            vec![Op::Leave {
                person: pref(2),
                reason: LeaveReason::Death,
            }],
        ),
    )
    .unwrap();
    let p = pool(l.state(), "2024-05-01");
    assert_eq!((p.balance, p.bridged), (1, 0));
}

#[test]
fn phased_quota_releases_tranches_on_their_dates() {
    let mut l = district();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-01",
            vec![
                create("盐都区东进路学校", UnitKind::Institution, Some(BUREAU)),
                plan("盐都区东进路学校", 2024, 5),
                Op::GrantPhased {
                    grant: None,
                    account: acct("盐都区东进路学校", "事业编制"),
                    tranches: vec![
                        Tranche {
                            date: d("2024-03-01"),
                            count: 1,
                        },
                        Tranche {
                            date: d("2024-09-01"),
                            count: 2,
                        },
                        Tranche {
                            date: d("2025-09-01"),
                            count: 2,
                        },
                    ],
                    from_pool: false,
                },
            ],
        ),
    )
    .unwrap();
    let school = "盐都区东进路学校";
    let at = |l: &Ledger, date: &str| {
        let r = acct_row(l.state(), l, school, date);
        (r.counts.approved, r.counts.unreleased)
    };
    assert_eq!(at(&l, "2024-03-01"), (1, 4));
    assert_eq!(at(&l, "2024-08-31"), (1, 4));
    assert_eq!(at(&l, "2024-09-01"), (3, 2));
    assert_eq!(at(&l, "2025-09-01"), (5, 0));
    // Hiring only against released tranches.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-04-01",
            vec![hire(school, 3, "人员", 1)],
        ),
    )
    .unwrap();
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-04-02",
            vec![hire(school, 3, "人员", 2)],
        ),
    );
    assert!(e.to_string().contains("可用空编 0，不能入编 1 人"), "{e}");
    // After the second tranche the hire goes through, and the release is in the
    // history at its own date.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕6号",
            "2024-10-01",
            vec![hire(school, 3, "人员", 2)],
        ),
    )
    .unwrap();
    assert_eq!(at(&l, "2024-09-01"), (3, 2));
    let g = &query::grants_at(l.state(), d("2024-10-01"), false)[0];
    assert_eq!(g.outstanding(), 2, "已核未下达");
    // Dates must ascend.
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕7号",
            "2024-10-02",
            vec![Op::GrantPhased {
                grant: None,
                account: acct(school, "事业编制"),
                tranches: vec![
                    Tranche {
                        date: d("2025-09-01"),
                        count: 1,
                    },
                    Tranche {
                        date: d("2025-03-01"),
                        count: 1,
                    },
                ],
                from_pool: false,
            }],
        ),
    );
    assert_eq!(e.code(), "tranches_not_increasing", "{e}");
}

#[test]
fn dynamic_quota_is_reclaimed_one_per_natural_attrition() {
    let mut l = district();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-02-01",
            vec![
                reclaim(SECOND, 3),
                Op::GrantDynamic {
                    grant: None,
                    account: acct(SCHOOL, "事业编制"),
                    count: 2,
                    include_transfer_out: false,
                },
            ],
        ),
    )
    .unwrap();
    assert_eq!(
        acct_row(l.state(), &l, SCHOOL, "2024-02-01")
            .counts
            .approved,
        5
    );
    assert_eq!(pool(l.state(), "2024-02-01").balance, 1);
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-02-02",
            vec![Op::GrantDynamic {
                grant: None,
                account: acct(SCHOOL, "事业编制"),
                count: 2,
                include_transfer_out: false,
            }],
        ),
    );
    assert!(matches!(e.violation(), Some(Violation::PoolShort { .. })));
    let hires: Vec<Op> = (1..=5).map(|i| hire(SCHOOL, 0, "教师", i)).collect();
    submit(&mut l, matter("盐编〔2024〕4号", "2024-03-01", hires)).unwrap();
    let onboard = (1..=5).map(|i| Op::Onboard { person: pref(i) }).collect();
    submit(&mut l, matter("盐编〔2024〕5号", "2024-03-10", onboard)).unwrap();
    let leave = |n, reason| Op::Leave {
        person: pref(n),
        reason,
    };
    // 调出 does not count (the grant says so); 退休 and 辞职 do.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕6号",
            "2024-04-01",
            vec![leave(1, LeaveReason::TransferOut)],
        ),
    )
    .unwrap();
    assert_eq!(
        acct_row(l.state(), &l, SCHOOL, "2024-04-01")
            .counts
            .approved,
        5
    );
    submit(
        &mut l,
        matter(
            "盐编〔2024〕7号",
            "2024-05-01",
            vec![leave(2, LeaveReason::Retire)],
        ),
    )
    .unwrap();
    let r = acct_row(l.state(), &l, SCHOOL, "2024-05-01");
    assert_eq!((r.counts.approved, r.counts.actual), (4, 3));
    submit(
        &mut l,
        matter(
            "盐编〔2024〕8号",
            "2024-06-01",
            vec![leave(3, LeaveReason::Resign)],
        ),
    )
    .unwrap();
    assert_eq!(
        acct_row(l.state(), &l, SCHOOL, "2024-06-01")
            .counts
            .approved,
        3
    );
    assert!(query::grants_at(l.state(), d("2024-06-01"), false).is_empty());
    assert_eq!(
        query::grants_at(l.state(), d("2024-05-31"), false)[0].outstanding(),
        1
    );
    // All reclaimed: a further retirement reclaims nothing.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕9号",
            "2024-07-01",
            vec![leave(4, LeaveReason::Retire)],
        ),
    )
    .unwrap();
    assert_eq!(
        acct_row(l.state(), &l, SCHOOL, "2024-07-01")
            .counts
            .approved,
        3
    );
    assert_eq!(pool(l.state(), "2024-07-01").balance, 3);
}

fn filed(name: &str, n: u16) -> PersonDetails {
    let mut p = person(name, n);
    p.identity = catalog::StaffIdentity::InstitutionStaff;
    p
}

#[test]
fn filing_based_staff_within_the_control_total_and_directed_enrolment() {
    let mut l = district();
    let hosp = "盐都区人民医院";
    let mut ops = vec![
        create(hosp, UnitKind::Institution, None),
        set_quota(hosp, "事业编制", 2),
        plan(hosp, 2024, 2),
        Op::SetStaffCap {
            unit: unit(hosp),
            count: Some(4),
        },
    ];
    ops.extend((20..22).map(|i| Op::RegisterFiled {
        person: None,
        unit: unit(hosp),
        details: filed("护士", i),
    }));
    submit(&mut l, matter("盐编〔2024〕3号", "2024-02-01", ops)).unwrap();
    // A 备案 person outside a unit without a control total is refused.
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-02-02",
            vec![Op::RegisterFiled {
                person: None,
                unit: unit(SCHOOL),
                details: filed("护士", 29),
            }],
        ),
    );
    assert_eq!(e.code(), "no_staff_cap", "{e}");
    let hires: Vec<Op> = (1..=2)
        .map(|i| Op::Hire {
            person: None,
            account: acct(hosp, "事业编制"),
            body: None,
            plan_line: PlanLineId(3),
            details: person("医生", i),
        })
        .collect();
    submit(&mut l, matter("盐编〔2024〕4号", "2024-03-01", hires)).unwrap();
    // 2 in 编制 + 2 备案 = 4 = the control total: one more 备案 is refused.
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-03-02",
            vec![Op::RegisterFiled {
                person: None,
                unit: unit(hosp),
                details: filed("护士", 22),
            }],
        ),
    );
    assert_eq!(
        e.violation().unwrap().to_string(),
        "盐都区人民医院 人员控制总量 4 名，编制内 2 人加备案人员 3 人将超出"
    );
    let h = uid(&l, hosp);
    assert_eq!(
        query::staffing_at(l.state(), h, d("2024-03-01"))
            .unwrap()
            .filed,
        2
    );
    assert_eq!(query::filed_at(l.state(), h, d("2024-03-01")).len(), 2);
    // 定向入编: refused while no slot is free; after a departure it moves the
    // 备案 person into the freed slot atomically.
    let directed = Op::DirectedEnrol {
        person: pref(20),
        account: acct(hosp, "事业编制"),
        body: None,
    };
    refused(
        &mut l,
        matter("盐编〔2024〕5号", "2024-03-05", vec![directed.clone()]),
    );
    submit(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-03-10",
            vec![
                Op::Onboard { person: pref(1) },
                Op::Onboard { person: pref(2) },
            ],
        ),
    )
    .unwrap();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕6号",
            "2024-06-01",
            vec![
                Op::Leave {
                    person: pref(1),
                    reason: LeaveReason::Resign,
                },
                directed,
            ],
        ),
    )
    .unwrap();
    let r = acct_row(l.state(), &l, hosp, "2024-06-01");
    assert_eq!(r.counts.actual, 2);
    let s = query::staffing_at(l.state(), h, d("2024-06-01")).unwrap();
    assert_eq!(s.filed, 1);
    assert_eq!(
        query::staffing_at(l.state(), h, d("2024-05-31"))
            .unwrap()
            .filed,
        2
    );
}

#[test]
fn abolishing_a_small_unit_reclaims_its_quota_into_the_pool() {
    let mut l = district();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-02-01",
            vec![
                Op::ReclaimUnitQuotas { unit: unit(CENTRE) },
                Op::AbolishUnit {
                    unit: unit(CENTRE),
                    remap: None,
                },
            ],
        ),
    )
    .unwrap();
    assert_eq!(pool(l.state(), "2024-02-01").balance, 1);
    let total = |date: &str| {
        let v = view_at(l.state(), d(date));
        query::jurisdiction_total(&v, d(date))
    };
    assert_eq!(total("2024-01-31"), total("2024-02-01"));
}

#[test]
fn the_ledger_caches_the_advanced_view_and_drops_it_on_the_next_matter() {
    let mut l = district();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-01",
            vec![Op::GrantPhased {
                grant: None,
                account: acct(SECOND, "事业编制"),
                tranches: vec![Tranche {
                    date: d("2024-09-01"),
                    count: 2,
                }],
                from_pool: false,
            }],
        ),
    )
    .unwrap();
    let s2 = uid(&l, SECOND);
    let approved = |st: &State, date: &str| {
        query::quota_table(st, s2, d(date))
            .into_iter()
            .find(|r| r.qtype == "事业编制")
            .unwrap()
            .counts
            .approved
    };
    // Before the tranche: the live state itself.
    assert!(matches!(l.view_at(d("2024-08-31")), View::Live(_)));
    for date in ["2024-09-01", "2025-01-01"] {
        let v = l.view_at(d(date));
        assert!(matches!(v, View::Advanced(_)));
        assert_eq!(approved(&v, date), 7);
        assert_eq!(*v, *view_at(l.state(), d(date)));
    }
    submit(
        &mut l,
        matter("盐编〔2024〕4号", "2024-10-01", vec![reclaim(SECOND, 1)]),
    )
    .unwrap();
    // Recorded past the tranche: live again, with the release in the history.
    assert!(matches!(l.view_at(d("2025-01-01")), View::Live(_)));
    assert_eq!(approved(l.state(), "2024-09-01"), 7);
    assert_eq!(approved(l.state(), "2024-10-01"), 6);
}

/// A 备案人员 is not hired, registered or filed again while on the filed list
/// (the unit's 备案人员 count would keep them): 定向入编 or 出编 first.
#[test]
fn a_filed_person_is_not_enrolled_or_filed_twice() {
    let mut l = district();
    let hosp = "盐都区人民医院";
    let ops = vec![
        create(hosp, UnitKind::Institution, None),
        Op::SetStaffCap {
            unit: unit(hosp),
            count: Some(4),
        },
        Op::RegisterFiled {
            person: None,
            unit: unit(hosp),
            details: filed("护士", 20),
        },
    ];
    submit(&mut l, matter("盐编〔2024〕3号", "2024-02-01", ops)).unwrap();
    let register = Op::RegisterExisting {
        person: None,
        account: acct(SCHOOL, "事业编制"),
        body: None,
        enrolled_on: d("2015-01-01"),
        details: filed("护士", 20),
        allow_over: false,
    };
    let e = refused(
        &mut l,
        matter("盐编〔2024〕4号", "2024-02-02", vec![register]),
    );
    assert_eq!(e.code(), "already_filed", "{e}");
    assert!(e.to_string().contains(hosp), "{e}");
    let again = Op::RegisterFiled {
        person: None,
        unit: unit(hosp),
        details: filed("护士", 20),
    };
    let e = refused(&mut l, matter("盐编〔2024〕4号", "2024-02-02", vec![again]));
    assert_eq!(e.code(), "already_filed", "{e}");
    l.state().check_invariants().unwrap();
}

/// 退一收一 takes back a slot of 核定: once 核定 has been cut below what a
/// 动态编制 grant still owes, a retirement is recorded and takes nothing back
/// (it was refused before, "核定 −1").
#[test]
fn a_retirement_is_not_refused_when_no_approved_slot_is_left_to_reclaim() {
    let mut l = district();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-02-01",
            vec![
                reclaim(SECOND, 3),
                Op::GrantDynamic {
                    grant: None,
                    account: acct(SCHOOL, "事业编制"),
                    count: 2,
                    include_transfer_out: false,
                },
            ],
        ),
    )
    .unwrap();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-03-01",
            vec![
                Op::SetQuota {
                    account: acct(SCHOOL, "事业编制"),
                    count: 0,
                    allow_over: true,
                },
                Op::Lend {
                    loan: None,
                    account: acct(SCHOOL, "事业编制"),
                    count: 1,
                    due: Some(d("2025-03-01")),
                    on_attrition: false,
                },
                register(SCHOOL, "事业编制", "教师", 1),
            ],
        ),
    )
    .unwrap();
    let before = pool(l.state(), "2024-03-01").balance;
    submit(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-04-01",
            vec![Op::Leave {
                person: pref(1),
                reason: LeaveReason::Retire,
            }],
        ),
    )
    .expect("a retirement is recorded");
    let r = acct_row(l.state(), &l, SCHOOL, "2024-04-01");
    assert_eq!((r.counts.approved, r.counts.actual), (0, 0));
    assert_eq!(
        pool(l.state(), "2024-04-01").balance,
        before,
        "nothing reclaimed"
    );
    assert_eq!(
        query::grants_at(l.state(), d("2024-04-01"), false)[0].outstanding(),
        2
    );
}
