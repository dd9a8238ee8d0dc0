//! 编制标准测算: the default norms, overrides by date, and the normative 编制
//! of three schools worked by hand.

use std::collections::BTreeMap;

use bianzhi_core::norms::*;
use chrono::NaiveDate;

fn d(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

fn facts(as_of: &str, counts: &[(Measure, u64)]) -> Facts {
    Facts {
        as_of: d(as_of),
        counts: counts.iter().copied().collect::<BTreeMap<_, _>>(),
        source: "家家到核查".into(),
    }
}

/// Three schools, the norms of 中央编办发〔2014〕72号 (小学 1:19, 初中 1:13.5,
/// 高中 1:12.5), each term rounded half-up to 0.1, each school's sum rounded
/// half-up to a whole person:
///
/// - 甲小学: 小学 950 → 950 ÷ 19 = 50.0 exactly; total 50.0 → **50**.
/// - 乙九年一贯制学校: 小学 600 → 600 ÷ 19 = 31.578… → 31.6; 初中 400 →
///   400 ÷ 13.5 = 29.629… → 29.6; sum 31.6 + 29.6 = 61.2 → **61**.
/// - 丙完全中学: 初中 520 → 520 ÷ 13.5 = 38.518… → 38.5; 高中 750 →
///   750 ÷ 12.5 = 60.0; sum 38.5 + 60.0 = 98.5 → half-up **99** (rounding
///   only the total, 38.518… + 60 = 98.518… would also give 99; rounding
///   down would give 98).
///
/// The sector's normative 编制: 50 + 61 + 99 = **210**.
#[test]
fn three_schools_worked_by_hand() {
    let norms = Norms::with_overrides([]);
    let date = d("2025-09-30");
    let a = normative(
        "0101",
        &facts("2025-09-01", &[(Measure::Primary, 950)]),
        &norms,
        date,
    )
    .unwrap();
    assert_eq!(a.terms.len(), 1);
    assert_eq!(a.terms[0].tenths, 500);
    assert_eq!(a.terms[0].arithmetic(), "950 ÷ 19 = 50.0");
    assert_eq!((a.total_tenths, a.total), (500, 50));
    // 初中, 高中 have norms but no counts: listed as not reported.
    assert_eq!(a.missing, vec![Measure::Junior, Measure::Senior]);

    let b = normative(
        "0101",
        &facts(
            "2025-09-01",
            &[(Measure::Primary, 600), (Measure::Junior, 400)],
        ),
        &norms,
        date,
    )
    .unwrap();
    let t: Vec<(Measure, u64)> = b.terms.iter().map(|t| (t.measure, t.tenths)).collect();
    assert_eq!(t, vec![(Measure::Primary, 316), (Measure::Junior, 296)]);
    assert_eq!(b.terms[1].arithmetic(), "400 ÷ 13.5 = 29.6");
    assert_eq!((b.total_tenths, b.total), (612, 61));

    let c = normative(
        "0101",
        &facts(
            "2025-09-01",
            &[(Measure::Junior, 520), (Measure::Senior, 750)],
        ),
        &norms,
        date,
    )
    .unwrap();
    let t: Vec<(Measure, u64)> = c.terms.iter().map(|t| (t.measure, t.tenths)).collect();
    assert_eq!(t, vec![(Measure::Junior, 385), (Measure::Senior, 600)]);
    assert_eq!(c.terms[1].arithmetic(), "750 ÷ 12.5 = 60.0");
    assert_eq!((c.total_tenths, c.total), (985, 99));

    assert_eq!(a.total + b.total + c.total, 210);

    // The text carries every term, the basis and the rounding rule.
    let text = b.text();
    for part in [
        "小学在校生600人",
        "中央编办发〔2014〕72号",
        "编制:初中在校生 = 1:13.5",
        "600 ÷ 19 = 31.6",
        "合计 61.2",
        ROUNDING,
        "测算编制 61 名",
    ] {
        assert!(text.contains(part), "{part} in {text}");
    }
}

#[test]
fn the_other_default_norms() {
    let norms = Norms::with_overrides([]);
    let date = d("2025-01-01");
    // 幼儿园 1:7: 210 children → 30.0.
    let k = normative(
        "0102",
        &facts("2024-09-01", &[(Measure::Children, 210)]),
        &norms,
        date,
    )
    .unwrap();
    assert_eq!((k.total_tenths, k.total), (300, 30));
    assert!(k.terms[0].norm.citation().contains("教师〔2013〕1号"));
    // 乡镇卫生院 1‰ of 45,300 served → 45.3 → 45.
    let h = normative(
        "0202",
        &facts("2024-12-31", &[(Measure::Population, 45_300)]),
        &norms,
        date,
    )
    .unwrap();
    assert_eq!((h.total_tenths, h.total), (453, 45));
    assert_eq!(h.terms[0].arithmetic(), "45300 ÷ 1000 = 45.3");
    assert!(h.terms[0].norm.ratio_text().contains("1‰"));
    // 公立医院 床位 1:1.3: 305 beds → 396.5 → 397 (half-up).
    let p = normative(
        "0201",
        &facts("2024-12-31", &[(Measure::Beds, 305)]),
        &norms,
        date,
    )
    .unwrap();
    assert_eq!((p.total_tenths, p.total), (3965, 397));
    assert_eq!(p.terms[0].arithmetic(), "305 × 1.3 = 396.5");
    assert_eq!(p.terms[0].norm.ratio_text(), "床位:编制 = 1:1.3");
    // No norm for 农业农村: no calculation.
    assert!(normative("03", &facts("2024-12-31", &[]), &norms, date).is_none());
}

#[test]
fn an_override_takes_effect_on_its_date() {
    let own = Norm {
        sector: "0101".into(),
        measure: Measure::Primary,
        staff: Milli::ONE,
        per: "17.5".parse().unwrap(),
        basis: "《某市中小学教职工编制实施办法》".into(),
        doc_no: "某编〔2025〕3号".into(),
        effective: d("2025-09-01"),
        note: String::new(),
    };
    let norms = Norms::with_overrides([own.clone()]);
    let before = norms
        .in_force("0101", Measure::Primary, d("2025-08-31"))
        .unwrap();
    assert_eq!(before.per, Milli::whole(19));
    let after = norms
        .in_force("0101", Measure::Primary, d("2025-09-01"))
        .unwrap();
    assert_eq!(after, &own);
    // 初中 unchanged by an override of 小学.
    assert_eq!(
        norms
            .in_force("0101", Measure::Junior, d("2025-09-01"))
            .unwrap()
            .per
            .to_string(),
        "13.5"
    );
    // Before a norm's effective date it does not apply at all.
    assert!(norms
        .in_force("0101", Measure::Primary, d("2014-11-12"))
        .is_none());
    // An override on the same date as a default wins.
    let same = Norm {
        effective: d("2014-11-13"),
        ..own
    };
    let norms = Norms::with_overrides([same.clone()]);
    assert_eq!(
        norms.in_force("0101", Measure::Primary, d("2020-01-01")),
        Some(&same)
    );
    assert_eq!(norms.all_in_force(d("2020-01-01")).len(), 6);
}

#[test]
fn decimals_and_facts_history() {
    for (s, m) in [("12.5", 12_500), ("1", 1000), ("1.3", 1300), ("0.125", 125)] {
        let v: Milli = s.parse().unwrap();
        assert_eq!(v.0, m);
        assert_eq!(v.to_string(), s);
    }
    for bad in ["", "-1", "1.", ".5", "1.2345", "一", "1e3"] {
        assert!(bad.parse::<Milli>().is_err(), "{bad}");
    }
    let mut h = Vec::new();
    record_facts(&mut h, facts("2025-09-01", &[(Measure::Primary, 900)]));
    record_facts(&mut h, facts("2024-09-01", &[(Measure::Primary, 800)]));
    record_facts(&mut h, facts("2025-09-01", &[(Measure::Primary, 950)]));
    assert_eq!(h.len(), 2);
    assert_eq!(
        facts_at(&h, d("2025-01-01"))
            .unwrap()
            .count(Measure::Primary),
        Some(800)
    );
    assert_eq!(
        facts_at(&h, d("2025-10-01"))
            .unwrap()
            .count(Measure::Primary),
        Some(950)
    );
    assert!(facts_at(&h, d("2024-01-01")).is_none());
    // Stored as JSON by measure code.
    let j = serde_json::to_value(&h[1]).unwrap();
    assert_eq!(j["counts"]["primary"], 950);
}
