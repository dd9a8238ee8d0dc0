//! 预警: accounts nearly full, loans and tranches falling due within the
//! office's window, plans unused late in the year — and nothing once it is a
//! problem already (超编, overdue) or outside the window.

use bianzhi_casework::warning::{early_warnings, WarningKind, WarningSettings};
use bianzhi_core::model::Tranche;
use bianzhi_core::Op;

use crate::common::*;

fn kinds(w: &[bianzhi_casework::warning::EarlyWarning], k: WarningKind) -> Vec<String> {
    w.iter()
        .filter(|x| x.kind == k)
        .map(|x| x.unit_name.clone())
        .collect()
}

#[test]
fn what_is_about_to_go_wrong_is_warned_within_the_window() {
    // 实验小学: 核定 3 + 借入 2 = 5, all filled (100 %); loan due 2024-09-01;
    // 教育局: 超编 (a problem, not a warning); 第二小学: 1 of 6.
    let mut l = staffed();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-01",
            vec![
                Op::GrantPhased {
                    grant: None,
                    account: acct(SECOND, "事业编制"),
                    tranches: vec![
                        Tranche {
                            date: d("2024-03-01"),
                            count: 1,
                        },
                        Tranche {
                            date: d("2024-08-20"),
                            count: 2,
                        },
                    ],
                    from_pool: false,
                },
                plan(SECOND, 2024, 3),
            ],
        ),
    )
    .unwrap();
    let s = WarningSettings::default();
    let w = early_warnings(&l, d("2024-08-10"), &s);
    assert_eq!(
        kinds(&w, WarningKind::NearlyFull),
        vec![SCHOOL.to_string()],
        "{w:#?}"
    );
    assert_eq!(kinds(&w, WarningKind::LoanDue), vec![SCHOOL.to_string()]);
    assert_eq!(kinds(&w, WarningKind::TrancheDue), vec![SECOND.to_string()]);
    let loan = w.iter().find(|x| x.kind == WarningKind::LoanDue).unwrap();
    assert_eq!(loan.due, Some(d("2024-09-01")));
    assert!(
        loan.description.contains("尚有 2 名未归还"),
        "{}",
        loan.description
    );
    // Plans: not before October.
    assert!(kinds(&w, WarningKind::PlanUnused).is_empty());
    // A narrower window: the loan (22 days off) and the tranche (10) drop out
    // in turn.
    let narrow = WarningSettings { days: 15, ..s };
    let w = early_warnings(&l, d("2024-08-10"), &narrow);
    assert!(kinds(&w, WarningKind::LoanDue).is_empty());
    assert_eq!(kinds(&w, WarningKind::TrancheDue), vec![SECOND.to_string()]);
    // Once overdue the loan is a problem, not a warning.
    let w = early_warnings(&l, d("2024-09-02"), &s);
    assert!(kinds(&w, WarningKind::LoanDue).is_empty());
    // In November, this year's plan line with places left is listed.
    let w = early_warnings(&l, d("2024-11-02"), &s);
    assert_eq!(kinds(&w, WarningKind::PlanUnused), vec![SECOND.to_string()]);
    // A higher threshold than any account reaches: none nearly full except
    // the full one; a lower one (10 %) takes 第二小学 (1 of 7) in too.
    let low = WarningSettings {
        used_percent: 10,
        ..s
    };
    let w = early_warnings(&l, d("2024-08-10"), &low);
    let mut full = kinds(&w, WarningKind::NearlyFull);
    full.sort();
    let mut want = vec![SCHOOL.to_string(), SECOND.to_string()];
    want.sort();
    assert_eq!(full, want);
}

#[test]
fn a_sector_total_nearly_used_up_is_warned_from_the_threshold() {
    // 实验小学 3 + 第二小学 (staffed(): 核定 6) in 中小学; total 10.
    let mut l = staffed();
    let total = |count: i32| Op::SetSectorTotal {
        sector: "中小学".into(),
        qtype: Some(cat("事业编制")),
        count: Some(count),
        allow_over: true,
    };
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-01",
            vec![
                Op::SetSector {
                    unit: unit(SCHOOL),
                    sector: "中小学".into(),
                },
                Op::SetSector {
                    unit: unit(SECOND),
                    sector: "0101".into(),
                },
                total(20),
            ],
        ),
    )
    .unwrap();
    let held = bianzhi_core::query::sector_at(l.state(), "0101", None, d("2024-03-02")).counted();
    let s = WarningSettings::default();
    assert!(kinds(
        &early_warnings(&l, d("2024-03-02"), &s),
        WarningKind::SectorNearlyFull
    )
    .is_empty());
    // A total the sector fills to 95 % or more: warned, naming the document.
    let at = held * 100 / 95;
    submit(
        &mut l,
        matter("苏编办〔2024〕4号", "2024-04-01", vec![total(at)]),
    )
    .unwrap();
    let w = early_warnings(&l, d("2024-04-02"), &s);
    let sw: Vec<_> = w
        .iter()
        .filter(|x| x.kind == WarningKind::SectorNearlyFull)
        .collect();
    assert_eq!(sw.len(), 1, "{w:#?}");
    assert_eq!(sw[0].unit, None);
    assert_eq!(sw[0].unit_name, "中小学");
    assert_eq!(sw[0].sector.as_deref(), Some("0101"));
    assert!(
        sw[0].description.contains("苏编办〔2024〕4号")
            && sw[0].description.contains(&format!("已核定 {held} 名")),
        "{}",
        sw[0].description
    );
    // Sector warnings come first.
    assert_eq!(w[0].kind, WarningKind::SectorNearlyFull);
    // One below the threshold: none.
    submit(
        &mut l,
        matter(
            "苏编办〔2024〕5号",
            "2024-05-01",
            vec![total(held * 100 / 95 + 1)],
        ),
    )
    .unwrap();
    assert!(kinds(
        &early_warnings(&l, d("2024-05-02"), &s),
        WarningKind::SectorNearlyFull
    )
    .is_empty());
}

#[test]
fn a_unit_above_its_norm_is_warned_beyond_the_offices_share() {
    use bianzhi_casework::warning::above_norm;
    let s = WarningSettings::default();
    let u = bianzhi_core::UnitId(7);
    // 10 % allowed: 110 of 100 is not warned, 111 is.
    assert!(above_norm(u, SCHOOL, 110, 100, "950÷19=50.0", &s).is_none());
    let w = above_norm(u, SCHOOL, 111, 100, "950÷19=50.0", &s).expect("warned");
    assert_eq!(w.kind, WarningKind::AboveNorm);
    assert_eq!(w.unit, Some(u));
    assert!(
        w.description.contains("高出 11 名（11%）") && w.description.contains("950÷19"),
        "{}",
        w.description
    );
    // Below the norm, or no norm: never.
    assert!(above_norm(u, SCHOOL, 90, 100, "", &s).is_none());
    assert!(above_norm(u, SCHOOL, 5, 0, "", &s).is_none());
    let strict = WarningSettings {
        above_norm_percent: 0,
        ..s
    };
    assert!(above_norm(u, SCHOOL, 101, 100, "", &strict).is_some());
}
