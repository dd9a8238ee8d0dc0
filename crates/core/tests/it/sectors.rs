//! 行业领域 and 行业编制总量: a total set by the level above for a sector is a
//! hard ceiling on the 核定 (with 已核未下达 承兑 tranches) of its units, checked
//! for 核增, 承兑, 划转 into the sector and a unit moved into it; a matter that
//! adds nothing stands even while the sector is over.

use bianzhi_core::catalog::UnitKind;
use bianzhi_core::*;
use proptest::prelude::*;

use crate::common::*;

const KINDER: &str = "盐都区实验幼儿园";
const HOSPITAL: &str = "盐都区人民医院";

fn sector(u: &str, s: &str) -> Op {
    Op::SetSector {
        unit: unit(u),
        sector: s.into(),
    }
}

fn total(s: &str, qtype: Option<&str>, count: Option<i32>, allow_over: bool) -> Op {
    Op::SetSectorTotal {
        sector: s.into(),
        qtype: qtype.map(cat),
        count,
        allow_over,
    }
}

/// Three schools' worth of 中小学 (实验小学 3 + 第二小学 4 = 7), a kindergarten
/// (2) and a hospital (5), each with 事业编制.
fn district() -> Ledger {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![
                create(SECOND, UnitKind::Institution, Some(BUREAU)),
                set_quota(SECOND, "事业编制", 4),
                create(KINDER, UnitKind::Institution, Some(BUREAU)),
                set_quota(KINDER, "事业编制", 2),
                create(HOSPITAL, UnitKind::Institution, None),
                set_quota(HOSPITAL, "事业编制", 5),
                sector(SCHOOL, "中小学"),
                sector(SECOND, "0101"),
                sector(KINDER, "幼儿园"),
                sector(HOSPITAL, "公立医院"),
            ],
        ),
    )
    .unwrap();
    submit(
        &mut l,
        matter(
            "苏编办〔2024〕8号",
            "2024-03-01",
            vec![total("中小学", Some("事业编制"), Some(9), false)],
        ),
    )
    .unwrap();
    l
}

fn sector_sum(l: &Ledger, code: &str) -> i32 {
    let t = l
        .state()
        .sector_totals
        .iter()
        .find(|t| t.sector == code)
        .expect("total");
    l.state().sector_counted(t)
}

#[test]
fn sectors_are_stored_as_codes_and_shown_by_name() {
    let l = district();
    let u = l.state().unit(uid(&l, SCHOOL)).unwrap();
    assert_eq!(u.sector.as_deref(), Some("0101"));
    assert_eq!(codes::sector_name("0101"), "中小学");
    // The stored matter holds the code, not the name given in the draft.
    let m = &l.decoded_journal().unwrap()[1].1;
    assert!(m
        .ops
        .iter()
        .any(|o| matches!(o, Op::SetSector { sector, .. } if sector == "0102")));
    assert_eq!(sector_sum(&l, "0101"), 7);
    let e = refused(
        &mut l.clone(),
        matter(
            "盐编〔2024〕5号",
            "2024-04-01",
            vec![sector(SCHOOL, "火星教育")],
        ),
    );
    assert!(
        e.to_string().contains("行业领域“火星教育”不在代码表"),
        "{e}"
    );
}

#[test]
fn an_increase_beyond_the_sector_total_is_refused_naming_the_total_and_its_document() {
    let mut l = district();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-04-01",
            vec![increase(SCHOOL, "事业编制", 2)],
        ),
    )
    .unwrap();
    assert_eq!(sector_sum(&l, "0101"), 9);
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕6号",
            "2024-04-02",
            vec![increase(SECOND, "事业编制", 1)],
        ),
    );
    assert_eq!(
        e.to_string(),
        "事项办理后：中小学事业编制总量为 9 名（苏编办〔2024〕8号），本事项使该领域核定编制增加 1 名、达到 10 名，超出总量 1 名"
    );
    // Outside the sector, or another 编制类型, is not limited by it.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕7号",
            "2024-04-03",
            vec![
                increase(KINDER, "事业编制", 3),
                increase(HOSPITAL, "事业编制", 3),
                increase(SCHOOL, "工勤编制", 1),
            ],
        ),
    )
    .unwrap();
}

#[test]
fn a_phased_grant_counts_in_full_and_a_tranche_beyond_the_total_is_refused() {
    let mut l = district();
    let grant = |count: i32| Op::GrantPhased {
        grant: None,
        account: acct(SECOND, "事业编制"),
        tranches: vec![
            model::Tranche {
                date: d("2024-09-01"),
                count: 1,
            },
            model::Tranche {
                date: d("2025-09-01"),
                count,
            },
        ],
        from_pool: false,
    };
    // 7 + 1 + 2 = 10 > 9: the second tranche is beyond the total.
    let e = refused(
        &mut l,
        matter("盐编〔2024〕5号", "2024-05-01", vec![grant(2)]),
    );
    assert!(matches!(
        e.violation(),
        Some(Violation::SectorTotalExceeded {
            total: 9,
            approved: 10,
            added: 3,
            ..
        })
    ));
    submit(
        &mut l,
        matter("盐编〔2024〕6号", "2024-05-01", vec![grant(1)]),
    )
    .unwrap();
    // Releasing the tranches later changes nothing counted.
    assert_eq!(sector_sum(&l, "0101"), 9);
    let st = query::view_at(l.state(), d("2025-12-31"));
    let t = st.sector_totals[0].clone();
    assert_eq!(st.sector_counted(&t), 9);
}

#[test]
fn transfers_and_moves_into_the_sector_count_and_within_it_do_not() {
    let mut l = district();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-04-01",
            vec![increase(SCHOOL, "事业编制", 2)],
        ),
    )
    .unwrap();
    let transfer = |from: &str, to: &str| Op::TransferQuota {
        from: unit(from),
        to: unit(to),
        qtype: cat("事业编制"),
        funding: cat("全额拨款"),
        count: 1,
    };
    // Within the sector: nothing added.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕6号",
            "2024-04-02",
            vec![transfer(SCHOOL, SECOND)],
        ),
    )
    .unwrap();
    // From the hospital into a school: refused.
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕7号",
            "2024-04-03",
            vec![transfer(HOSPITAL, SECOND)],
        ),
    );
    assert!(matches!(
        e.violation(),
        Some(Violation::SectorTotalExceeded { added: 1, .. })
    ));
    // The kindergarten moved into 中小学 brings its 2.
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕8号",
            "2024-04-03",
            vec![sector(KINDER, "中小学")],
        ),
    );
    assert!(matches!(
        e.violation(),
        Some(Violation::SectorTotalExceeded { added: 2, .. })
    ));
    // Out of the sector is always allowed.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕9号",
            "2024-04-04",
            vec![transfer(SECOND, HOSPITAL)],
        ),
    )
    .unwrap();
    assert_eq!(sector_sum(&l, "0101"), 8);
}

#[test]
fn a_field_total_covers_every_sector_in_it() {
    let mut l = district();
    // 教育 = 中小学 7 + 幼儿园 2.
    let e = refused(
        &mut l,
        matter(
            "苏编办〔2024〕9号",
            "2024-04-01",
            vec![total("教育", None, Some(8), false)],
        ),
    );
    assert!(matches!(
        e.violation(),
        Some(Violation::SectorTotalBelowApproved {
            total: 8,
            approved: 9,
            ..
        })
    ));
    submit(
        &mut l,
        matter(
            "苏编办〔2024〕9号",
            "2024-04-01",
            vec![total("教育", None, Some(10), false)],
        ),
    )
    .unwrap();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-04-02",
            vec![increase(KINDER, "事业编制", 1)],
        ),
    )
    .unwrap();
    refused(
        &mut l,
        matter(
            "盐编〔2024〕6号",
            "2024-04-03",
            vec![increase(KINDER, "事业编制", 1)],
        ),
    );
}

#[test]
fn a_total_set_below_the_sector_holds_nothing_added_until_it_is_back_within() {
    let mut l = district();
    submit(
        &mut l,
        matter(
            "苏编办〔2024〕10号",
            "2024-04-01",
            vec![total("中小学", Some("事业编制"), Some(5), true)],
        ),
    )
    .unwrap();
    // The total was replaced, not added beside.
    assert_eq!(l.state().sector_totals.len(), 1);
    assert_eq!(sector_sum(&l, "0101"), 7);
    // Lowering stands, while still over.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-04-02",
            vec![Op::DecreaseQuota {
                account: acct(SECOND, "事业编制"),
                count: 1,
                allow_over: false,
            }],
        ),
    )
    .unwrap();
    // Hiring changes no 核定 and stands.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕6号",
            "2024-04-03",
            vec![hire(SCHOOL, 0, "王芳", 1)],
        ),
    )
    .unwrap();
    refused(
        &mut l,
        matter(
            "盐编〔2024〕7号",
            "2024-04-04",
            vec![increase(SCHOOL, "事业编制", 1)],
        ),
    );
    // Lifting the total lets it through; the old total still reads as of its dates.
    submit(
        &mut l,
        matter(
            "苏编办〔2024〕11号",
            "2024-05-01",
            vec![total("中小学", Some("事业编制"), None, false)],
        ),
    )
    .unwrap();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕8号",
            "2024-05-02",
            vec![increase(SCHOOL, "事业编制", 1)],
        ),
    )
    .unwrap();
    let at = |date: &str| {
        query::sector_totals_at(l.state(), d(date))
            .into_iter()
            .map(|t| (t.count, t.doc))
            .collect::<Vec<_>>()
    };
    assert_eq!(at("2024-02-15"), vec![]);
    assert_eq!(
        at("2024-03-15"),
        vec![(Some(9), "苏编办〔2024〕8号".into())]
    );
    assert_eq!(
        at("2024-04-15"),
        vec![(Some(5), "苏编办〔2024〕10号".into())]
    );
    assert_eq!(at("2024-06-01"), vec![]);
}

#[test]
fn a_backdated_increase_that_breaks_a_later_total_is_refused() {
    let mut l = district();
    // Before the total was set (2024-03-01), but the total's own matter would
    // then no longer hold (7 + 3 = 10 > 9 without allow_over).
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-02-15",
            vec![increase(SCHOOL, "事业编制", 3)],
        ),
    );
    assert!(e.to_string().contains("苏编办〔2024〕8号"), "{e}");
}

#[derive(Debug, Clone)]
enum Step {
    Increase(usize, i32),
    Decrease(usize, i32),
    Transfer(usize, usize),
    Move(usize, bool),
    SetTotal(i32),
}

const UNITS: [&str; 4] = [SCHOOL, SECOND, KINDER, HOSPITAL];

fn step() -> impl Strategy<Value = Step> {
    prop_oneof![
        (0..4usize, 1..4i32).prop_map(|(u, n)| Step::Increase(u, n)),
        (0..4usize, 1..3i32).prop_map(|(u, n)| Step::Decrease(u, n)),
        (0..4usize, 0..4usize).prop_map(|(a, b)| Step::Transfer(a, b)),
        (0..4usize, any::<bool>()).prop_map(|(u, s)| Step::Move(u, s)),
        (3..14i32).prop_map(Step::SetTotal),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(64))]

    /// Whatever is tried: a refused matter changes nothing; an accepted one
    /// either leaves the sector within its total or adds nothing to it; the
    /// state equals a replay of the journal.
    #[test]
    fn the_sector_total_holds_whatever_is_tried(steps in prop::collection::vec(step(), 1..24)) {
        let mut l = district();
        for (i, s) in steps.iter().enumerate() {
            let date = (d("2024-04-01") + chrono::Days::new(i as u64)).to_string();
            let ops = match s {
                Step::Increase(u, n) => vec![increase(UNITS[*u], "事业编制", *n)],
                Step::Decrease(u, n) => vec![Op::DecreaseQuota {
                    account: acct(UNITS[*u], "事业编制"),
                    count: *n,
                    allow_over: false,
                }],
                Step::Transfer(a, b) => vec![Op::TransferQuota {
                    from: unit(UNITS[*a]),
                    to: unit(UNITS[*b]),
                    qtype: cat("事业编制"),
                    funding: cat("全额拨款"),
                    count: 1,
                }],
                Step::Move(u, into) => vec![sector(UNITS[*u], if *into { "中小学" } else { "幼儿园" })],
                Step::SetTotal(n) => vec![total("中小学", Some("事业编制"), Some(*n), true)],
            };
            let before_state = l.state().clone();
            let before = sector_sum(&l, "0101");
            match submit(&mut l, matter(&format!("盐编〔2024〕{}号", i + 10), &date, ops)) {
                Ok(_) => {
                    let after = sector_sum(&l, "0101");
                    let t = l.state().sector_totals[0].count.unwrap();
                    prop_assert!(after <= t || after <= before,
                        "{s:?}: {before} → {after}, total {t}");
                }
                Err(e) => {
                    if let Some(Violation::SectorTotalExceeded { approved, total, .. }) = e.violation() {
                        prop_assert!(approved > total);
                    }
                    prop_assert_eq!(l.state(), &before_state);
                }
            }
        }
        let replayed = Ledger::from_journal(
            State::new("320903", "盐城市盐都区"),
            l.decoded_journal().unwrap(),
        ).unwrap();
        prop_assert_eq!(replayed.state(), l.state());
    }
}

#[test]
fn a_unit_set_up_with_a_sector_counts_in_it_from_the_start() {
    let mut l = district();
    let new_school = |name: &str, sector: &str| {
        let mut op = create(name, UnitKind::Institution, Some(BUREAU));
        if let Op::CreateUnit(nu) = &mut op {
            nu.sector = Some(sector.into());
        }
        op
    };
    submit(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-04-01",
            vec![
                new_school("盐都区第三小学", "中小学"),
                set_quota("盐都区第三小学", "事业编制", 2),
            ],
        ),
    )
    .unwrap();
    let u = l.state().unit(uid(&l, "盐都区第三小学")).unwrap();
    assert_eq!(u.sector.as_deref(), Some("0101"));
    assert_eq!(sector_sum(&l, "0101"), 9);
    let e = refused(
        &mut l,
        matter(
            "盐编〔2024〕6号",
            "2024-04-02",
            vec![
                new_school("盐都区第四小学", "0101"),
                set_quota("盐都区第四小学", "事业编制", 1),
            ],
        ),
    );
    assert!(e.to_string().contains("苏编办〔2024〕8号"), "{e}");
    refused(
        &mut l,
        matter(
            "盐编〔2024〕7号",
            "2024-04-02",
            vec![new_school("盐都区第五小学", "无此领域")],
        ),
    );
}
