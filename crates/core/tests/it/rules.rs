//! Each rule of DOMAIN.md §2 that the core enforces, with a test that fails if
//! the rule breaks.

use bianzhi_core::catalog::{ControlMode, LeaveReason, PostKind, UnitKind};
use bianzhi_core::*;

use crate::common::*;

#[test]
fn hire_freezes_then_onboard_occupies() {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-03-01",
            vec![hire(SCHOOL, 0, "王芳", 1)],
        ),
    )
    .unwrap();
    let r = row(&l, SCHOOL, "事业编制", "2024-03-01");
    assert_eq!((r.counts.frozen, r.counts.actual, r.available), (1, 0, 2));
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-20",
            vec![Op::Onboard { person: pref(1) }],
        ),
    )
    .unwrap();
    let r = row(&l, SCHOOL, "事业编制", "2024-03-20");
    assert_eq!((r.counts.frozen, r.counts.actual, r.available), (0, 1, 2));
    // The plan line was consumed once.
    assert_eq!(l.state().plan_line(PlanLineId(0)).unwrap().used, 1);
}

#[test]
fn no_hire_beyond_quota_with_a_message_naming_unit_type_and_numbers() {
    let mut l = fixture();
    let ops = (1..=3).map(|i| hire(SCHOOL, 0, "教师", i)).collect();
    submit(&mut l, matter("盐编〔2024〕2号", "2024-03-01", ops)).unwrap();
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-02",
            vec![hire(SCHOOL, 0, "李强", 4)],
        ),
    );
    assert_eq!(
        e.violation().unwrap().to_string(),
        "盐都区实验小学 事业编制(全额拨款) 可用空编 0，不能入编 1 人"
    );
    assert!(e.to_string().starts_with("第 1 项操作（入编）："), "{e}");
}

#[test]
fn hire_needs_a_usable_plan_line() {
    let mut l = fixture();
    // Unknown line.
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-03-01",
            vec![hire(SCHOOL, 9, "王芳", 1)],
        ),
    );
    assert!(matches!(e.violation(), Some(Violation::UnknownPlanLine(9))));
    // The 2024 line lapses at year end.
    let e = refused(
        &mut l,
        matter(
            "盐编〔2025〕1号",
            "2025-01-05",
            vec![hire(SCHOOL, 0, "王芳", 1)],
        ),
    );
    assert!(
        matches!(e.violation(), Some(Violation::PlanUnusable { .. })),
        "{e}"
    );
}

#[test]
fn exhausted_plan_line_refuses() {
    let mut l = fixture();
    submit(
        &mut l,
        matter("盐编〔2024〕2号", "2024-02-01", vec![plan(SCHOOL, 2024, 1)]),
    )
    .unwrap();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-01",
            vec![hire(SCHOOL, 1, "王芳", 1)],
        ),
    )
    .unwrap();
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-03-02",
            vec![hire(SCHOOL, 1, "李强", 2)],
        ),
    );
    assert!(e.to_string().contains("已用完"), "{e}");
}

#[test]
fn warn_only_mode_records_the_warning_and_enters_digesting() {
    let mut l = fixture();
    let mut ops: Vec<Op> = vec![Op::SetControlMode {
        unit: unit(SCHOOL),
        mode: ControlMode::WarnOnly,
    }];
    ops.extend((1..=4).map(|i| hire(SCHOOL, 0, "教师", i)));
    submit(&mut l, matter("盐编〔2024〕2号", "2024-03-01", ops)).unwrap();
    let stored = &l.decoded_journal().unwrap().pop().unwrap().1;
    assert_eq!(stored.warnings.len(), 1, "{:?}", stored.warnings);
    assert!(stored.warnings[0].contains("仅预警"));
    let r = row(&l, SCHOOL, "事业编制", "2024-03-01");
    assert_eq!(r.available, -1);
    assert!(r.digesting);
}

#[test]
fn digesting_unit_cannot_hire_until_back_under() {
    let mut l = fixture();
    let ops: Vec<Op> = (1..=3).map(|i| hire(SCHOOL, 0, "教师", i)).collect();
    submit(&mut l, matter("盐编〔2024〕2号", "2024-03-01", ops)).unwrap();
    let onboard = (1..=3).map(|i| Op::Onboard { person: pref(i) }).collect();
    submit(&mut l, matter("盐编〔2024〕3号", "2024-03-02", onboard)).unwrap();
    // 核减 2 below 实有 3 is refused unless explicitly entering 超编消化.
    let cut = |allow_over| Op::DecreaseQuota {
        account: acct(SCHOOL, "事业编制"),
        count: 2,
        allow_over,
    };
    let e = refused(
        &mut l,
        matter("盐编〔2024〕4号", "2024-04-01", vec![cut(false)]),
    );
    assert!(matches!(e.violation(), Some(Violation::BelowUsage { .. })));
    submit(
        &mut l,
        matter("盐编〔2024〕4号", "2024-04-01", vec![cut(true)]),
    )
    .unwrap();
    let r = row(&l, SCHOOL, "事业编制", "2024-04-01");
    assert!(r.digesting);
    assert_eq!((r.over, r.available), (2, -2));
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-04-02",
            vec![hire(SCHOOL, 0, "李强", 9)],
        ),
    );
    assert!(
        matches!(e.violation(), Some(Violation::Digesting { over: 2, .. })),
        "{e}"
    );
    // Two leavers bring it back to 0: the flag clears, but there is still no vacancy.
    let leave = |i| Op::Leave {
        person: pref(i),
        reason: LeaveReason::Retire,
    };
    submit(
        &mut l,
        matter("盐编〔2024〕6号", "2024-05-01", vec![leave(1), leave(2)]),
    )
    .unwrap();
    let r = row(&l, SCHOOL, "事业编制", "2024-05-01");
    assert!(!r.digesting);
    assert_eq!(r.available, 0);
    submit(
        &mut l,
        matter(
            "盐编〔2024〕7号",
            "2024-06-01",
            vec![leave(3), hire(SCHOOL, 0, "李强", 9)],
        ),
    )
    .unwrap();
}

#[test]
fn institutional_quota_never_used_by_party_or_government_organs() {
    let mut l = fixture();
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![set_quota(BUREAU, "事业编制", 2)],
        ),
    );
    assert!(
        matches!(e.violation(), Some(Violation::ClassForbidden { .. })),
        "{e}"
    );
    assert!(e.to_string().contains("事业编制不得用于党政机关"));
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![set_quota(SCHOOL, "行政编制", 2)],
        ),
    );
    assert!(matches!(
        e.violation(),
        Some(Violation::ClassForbidden { .. })
    ));
}

#[test]
fn institutional_and_administrative_quotas_never_mixed() {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![
                create("团区委", UnitKind::MassOrg, None),
                set_quota("团区委", "行政编制", 3),
                set_quota("团区委", "工勤编制", 1),
            ],
        ),
    )
    .unwrap();
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-02-02",
            vec![set_quota("团区委", "参公事业编制", 2)],
        ),
    );
    assert!(
        matches!(e.violation(), Some(Violation::ClassMixed { .. })),
        "{e}"
    );
}

#[test]
fn leadership_posts_filled_never_exceed_approved() {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![
                register(BUREAU, "行政编制", "干部", 1),
                register(BUREAU, "行政编制", "干部", 2),
                register(BUREAU, "行政编制", "干部", 3),
                set_posts(BUREAU, PostKind::UnitChief, 1),
                set_posts(BUREAU, PostKind::UnitDeputy, 1),
                appoint(1, PostKind::UnitChief, "局长"),
                // The same person holding a second chief post counts once.
                appoint(1, PostKind::UnitChief, "党组书记"),
                appoint(2, PostKind::UnitDeputy, "副局长"),
                // 督查专员 does not count against 领导职数.
                appoint(3, PostKind::UnitDeputy, "督查专员"),
            ],
        ),
    )
    .unwrap();
    let posts = query::post_table(l.state(), uid(&l, BUREAU), d("2024-02-01"));
    assert_eq!(
        posts
            .iter()
            .map(|p| (p.approved, p.filled))
            .collect::<Vec<_>>(),
        vec![(1, 1), (1, 1)]
    );
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-02-02",
            vec![appoint(3, PostKind::UnitDeputy, "副局长")],
        ),
    );
    assert_eq!(
        e.violation().unwrap().to_string(),
        "盐都区教育局 单位领导副职 领导职数核定 1 名，实配将达 2 名，超职数配备"
    );
    // Lowering the approved count below those in post is refused too.
    refused(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-02-02",
            vec![set_posts(BUREAU, PostKind::UnitChief, 0)],
        ),
    );
    // …unless the holder is removed in the same matter.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-02-02",
            vec![
                set_posts(BUREAU, PostKind::UnitChief, 0),
                Op::Remove {
                    person: pref(1),
                    body: None,
                    kind: PostKind::UnitChief,
                },
            ],
        ),
    )
    .unwrap();
}

#[test]
fn no_negative_counts() {
    let mut l = fixture();
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![Op::UnlockQuota {
                account: acct(SCHOOL, "事业编制"),
                count: 1,
            }],
        ),
    );
    assert!(matches!(
        e.violation(),
        Some(Violation::Negative {
            field: "锁定", ..
        })
    ));
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![Op::DecreaseQuota {
                account: acct(SCHOOL, "事业编制"),
                count: 4,
                allow_over: true,
            }],
        ),
    );
    assert!(matches!(
        e.violation(),
        Some(Violation::Negative {
            field: "核定", ..
        })
    ));
}

#[test]
fn lock_reserves_vacancies() {
    let mut l = fixture();
    let lock = |n| Op::LockQuota {
        account: acct(SCHOOL, "事业编制"),
        count: n,
        purpose: "军转安置".into(),
    };
    refused(
        &mut l,
        matter("盐编〔2024〕2号", "2024-02-01", vec![lock(4)]),
    );
    submit(
        &mut l,
        matter("盐编〔2024〕2号", "2024-02-01", vec![lock(3)]),
    )
    .unwrap();
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-02-02",
            vec![hire(SCHOOL, 0, "王芳", 1)],
        ),
    );
    assert!(matches!(
        e.violation(),
        Some(Violation::NoVacancy { available: 0, .. })
    ));
}

#[test]
fn abolishing_a_unit_remaps_people_and_quotas_in_the_same_matter() {
    let mut l = fixture();
    let hires = (1..=2).map(|i| hire(SCHOOL, 0, "教师", i)).collect();
    submit(&mut l, matter("盐编〔2024〕2号", "2024-03-01", hires)).unwrap();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-02",
            vec![
                create(SECOND, UnitKind::Institution, Some(BUREAU)),
                set_quota(SECOND, "事业编制", 4),
            ],
        ),
    )
    .unwrap();
    // Abolishing without re-mapping leaves people and quota behind: refused.
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-04-01",
            vec![Op::AbolishUnit {
                unit: unit(SCHOOL),
                remap: None,
            }],
        ),
    );
    assert!(
        matches!(e.violation(), Some(Violation::UnitNotEmpty { .. })),
        "{e}"
    );
    let school = uid(&l, SCHOOL);
    submit(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-04-01",
            vec![Op::MergeUnit {
                unit: unit(SCHOOL),
                into: unit(SECOND),
            }],
        ),
    )
    .unwrap();
    let r = row(&l, SECOND, "事业编制", "2024-04-01");
    assert_eq!((r.counts.approved, r.counts.frozen), (7, 2));
    let st = l.state();
    assert!(st.roster(school).is_empty());
    assert!(!st.unit(school).unwrap().is_active());
    // As of the day before, the school still stood with its people.
    assert_eq!(query::roster_at(st, school, d("2024-03-31")).len(), 2);
    assert!(query::unit_at(st, school, d("2024-03-31"))
        .unwrap()
        .is_active());
    // Quotas are conserved by the merge.
    assert_eq!(
        query::rollup(st, d("2024-04-01"), None).total.approved,
        query::rollup(st, d("2024-03-31"), None).total.approved
    );
}

#[test]
fn transfer_is_atomic_and_needs_a_vacancy_at_the_receiver() {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![
                create(SECOND, UnitKind::Institution, Some(BUREAU)),
                set_quota(SECOND, "事业编制", 1),
                plan(SECOND, 2024, 2),
                hire(SCHOOL, 0, "王芳", 1),
                hire(SCHOOL, 0, "李强", 2),
            ],
        ),
    )
    .unwrap();
    let onboard = (1..=2).map(|i| Op::Onboard { person: pref(i) }).collect();
    submit(&mut l, matter("盐编〔2024〕3号", "2024-02-10", onboard)).unwrap();
    let mv = |n| Op::Transfer {
        person: pref(n),
        to: acct(SECOND, "事业编制"),
        body: None,
        plan_line: PlanLineId(1),
    };
    submit(&mut l, matter("盐编〔2024〕4号", "2024-03-01", vec![mv(1)])).unwrap();
    let e = refused(&mut l, matter("盐编〔2024〕5号", "2024-03-02", vec![mv(2)]));
    assert_eq!(
        e.violation().unwrap().to_string(),
        "盐都区第二小学 事业编制(全额拨款) 可用空编 0，不能调入 1 人"
    );
    assert_eq!(row(&l, SCHOOL, "事业编制", "2024-03-02").counts.actual, 1);
}

#[test]
fn one_person_occupies_one_quota() {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-03-01",
            vec![hire(SCHOOL, 0, "王芳", 1)],
        ),
    )
    .unwrap();
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-02",
            vec![hire(SCHOOL, 0, "王芳", 1)],
        ),
    );
    assert!(matches!(
        e.violation(),
        Some(Violation::AlreadyEnrolled { .. })
    ));
    assert!(e.to_string().contains("3209**********"), "masked: {e}");
}

#[test]
fn quota_transfer_conserves_the_total() {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![
                create(SECOND, UnitKind::Institution, Some(BUREAU)),
                Op::TransferQuota {
                    from: unit(SCHOOL),
                    to: unit(SECOND),
                    qtype: cat("事业编制"),
                    funding: cat("全额拨款"),
                    count: 2,
                },
            ],
        ),
    )
    .unwrap();
    assert_eq!(row(&l, SCHOOL, "事业编制", "2024-02-01").counts.approved, 1);
    assert_eq!(row(&l, SECOND, "事业编制", "2024-02-01").counts.approved, 2);
    let total = |date| query::rollup(l.state(), d(date), None).total.approved;
    assert_eq!(total("2024-02-01"), total("2024-01-31"));
}

#[test]
fn names_second_names_and_rank_are_kept_as_of_each_date() {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2021〕30号",
            "2024-06-01",
            vec![
                Op::AddSecondName {
                    unit: unit(BUREAU),
                    name: "盐都区语言文字工作委员会办公室".into(),
                },
                Op::RenameUnit {
                    unit: unit(SCHOOL),
                    name: "盐都区实验小学教育集团".into(),
                    short_name: None,
                },
            ],
        ),
    )
    .unwrap();
    let st = l.state();
    let bureau = uid(&l, BUREAU);
    let school = uid(&l, "盐都区实验小学教育集团");
    assert!(query::unit_at(st, bureau, d("2024-05-31"))
        .unwrap()
        .second_names
        .is_empty());
    assert_eq!(
        query::unit_at(st, bureau, d("2024-06-01"))
            .unwrap()
            .second_names,
        vec!["盐都区语言文字工作委员会办公室".to_string()]
    );
    assert_eq!(
        query::unit_at(st, school, d("2024-05-31")).unwrap().name,
        SCHOOL
    );
    assert!(query::unit_at(st, school, d("2023-12-31")).is_none());
    // A second name is unique like a full name; 摘牌 removes it.
    refused(
        &mut l,
        matter(
            "盐编〔2024〕9号",
            "2024-06-02",
            vec![Op::RenameUnit {
                unit: unit("盐都区实验小学教育集团"),
                name: "盐都区语言文字工作委员会办公室".into(),
                short_name: None,
            }],
        ),
    );
}

#[test]
fn credit_code_checksum_failure_is_a_recorded_warning() {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![Op::UpdateUnit {
                unit: unit(SCHOOL),
                category: None,
                funding: None,
                credit_code: Some("91350211M0000XUF46".into()),
                functions: None,
            }],
        ),
    )
    .unwrap();
    let m = &l.decoded_journal().unwrap().pop().unwrap().1;
    assert_eq!(m.warnings.len(), 1);
    assert!(m.warnings[0].contains("校验"), "{:?}", m.warnings);
    let u = l.state().unit(uid(&l, SCHOOL)).unwrap();
    assert!(u.credit_code_warning.is_some());
    // A malformed code is an error.
    refused(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-02-02",
            vec![Op::UpdateUnit {
                unit: unit(SCHOOL),
                category: None,
                funding: None,
                credit_code: Some("12345".into()),
                functions: None,
            }],
        ),
    );
}

#[test]
fn a_matter_is_all_or_nothing() {
    let mut l = fixture();
    // The first op alone would pass; the second fails, so neither applies.
    refused(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-03-01",
            vec![
                set_quota(SCHOOL, "事业编制", 10),
                set_quota(BUREAU, "事业编制", 1),
            ],
        ),
    );
    assert_eq!(row(&l, SCHOOL, "事业编制", "2024-03-01").counts.approved, 3);
}

/// 文号登记: the matters under one 文号 however it is written, and the next
/// number of a 机关代字 in a year.
#[test]
fn the_doc_register_finds_a_doc_and_suggests_the_next() {
    use bianzhi_core::ident::parse_doc_no;
    let mut l = crate::common::fixture();
    let m = matter(
        "盐编〔2024〕7号",
        "2024-03-01",
        vec![set_quota(SCHOOL, "事业编制", 4)],
    );
    let seq = submit(&mut l, m).unwrap();
    assert_eq!(
        l.matters_with_doc(&parse_doc_no("盐编[2024]7号").unwrap()),
        vec![seq]
    );
    assert_eq!(
        l.matters_with_doc(&parse_doc_no("盐编〔2024〕07号").unwrap()),
        vec![seq]
    );
    assert!(l
        .matters_with_doc(&parse_doc_no("盐编〔2024〕8号").unwrap())
        .is_empty());
    assert!(l
        .matters_with_doc(&parse_doc_no("盐编办〔2024〕7号").unwrap())
        .is_empty());
    assert_eq!(l.next_doc_number("盐编", 2024), 8);
    assert_eq!(l.next_doc_number("盐编", 2025), 1);
    assert_eq!(l.next_doc_number("盐编办", 2024), 1);
}
