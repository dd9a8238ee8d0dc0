//! 双随机 抽查: reproducible from its seed, within the ratio, distinct draws.

use bianzhi_registration::spotcheck::draw;
use bianzhi_registration::RegId;
use proptest::prelude::*;

fn units(n: u32) -> Vec<RegId> {
    (1..=n).map(RegId).collect()
}

fn inspectors() -> Vec<String> {
    ["赵敏", "钱进", "孙丽", "李强", "周洁"]
        .iter()
        .map(|s| s.to_string())
        .collect()
}

#[test]
fn the_same_seed_draws_the_same_units_and_inspectors() {
    let a = draw(2025, 20260415, &units(250), &inspectors(), 20, 2).unwrap();
    let mut shuffled = units(250);
    shuffled.reverse();
    let b = draw(2025, 20260415, &shuffled, &inspectors(), 20, 2).unwrap();
    assert_eq!(a, b, "the order of the 名录库 does not matter");
    // 2 % of 250 = 5 units.
    assert_eq!(a.draws.len(), 5);
    let c = draw(2025, 20260416, &units(250), &inspectors(), 20, 2).unwrap();
    assert_ne!(a.draws, c.draws);
}

#[test]
fn at_least_one_unit_and_two_inspectors() {
    let a = draw(2025, 1, &units(10), &inspectors(), 10, 1).unwrap();
    assert_eq!(a.draws.len(), 1);
    assert_eq!(a.draws[0].1.len(), 2);
    let e = draw(2025, 1, &units(10), &inspectors()[..1], 10, 2).unwrap_err();
    assert!(e.to_string().contains("检查人员"));
    assert!(draw(2025, 1, &[], &inspectors(), 10, 2).is_err());
    assert!(draw(2025, 1, &units(10), &inspectors(), 0, 2).is_err());
}

proptest! {
    #[test]
    fn draws_are_distinct_members_of_the_pool(n in 1u32..600, permille in 10u32..=30, seed in any::<u64>()) {
        let s = draw(2025, seed, &units(n), &inspectors(), permille, 2).unwrap();
        let expect = ((n as usize * permille as usize).div_ceil(1000)).max(1);
        prop_assert_eq!(s.draws.len(), expect);
        let mut ids: Vec<_> = s.draws.iter().map(|(u, _)| *u).collect();
        prop_assert!(ids.iter().all(|u| u.0 >= 1 && u.0 <= n));
        ids.sort();
        ids.dedup();
        prop_assert_eq!(ids.len(), expect);
        for (_, insp) in &s.draws {
            let mut i = insp.clone();
            i.sort();
            i.dedup();
            prop_assert_eq!(i.len(), 2);
        }
    }
}
