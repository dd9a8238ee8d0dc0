//! 超职数 in the 领导职数情况表 and the 超编/超职数 warnings, with leaders
//! appointed against posts, checked against hand-computed figures.
//!
//! The ledger never records a matter that leaves more leaders than posts
//! (checked below), so a 超职数 reaches a ledger only with data taken over from
//! an old system: here a snapshot whose 单位领导副职 were cut from 2 to 1 on
//! 2024-11-01 (三定 revised) while both deputies stayed in office.

use bianzhi_core::catalog::PostKind;
use bianzhi_core::model::PostKey;
use bianzhi_core::Ledger;
use bianzhi_reports::report::{self, Kind, Params};
use bianzhi_reports::{Cell, Table};

use crate::common::*;

fn rows(t: &Table) -> Vec<Vec<String>> {
    t.rows
        .iter()
        .map(|r| r.iter().map(Cell::as_text).collect())
        .collect()
}

/// The fixture plus, in 盐都区教育局: 正职 1 and 副职 2 approved (6号,
/// 2024-10-01); 王五 局长; 赵六, 钱七 副局长 and 孙八 督查专员 (not counted)
/// registered and appointed (7号, 2024-10-08).
fn with_leaders() -> Ledger {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕6号",
            "2024-10-01",
            vec![
                set_posts(BUREAU, PostKind::UnitChief, 1),
                set_posts(BUREAU, PostKind::UnitDeputy, 2),
                appoint(3, PostKind::UnitChief, "局长"),
            ],
        ),
    )
    .expect("matter");
    submit(
        &mut l,
        matter(
            "盐编〔2024〕7号",
            "2024-10-08",
            vec![
                register(BUREAU, "行政编制", "赵六", 4),
                register(BUREAU, "行政编制", "钱七", 5),
                register(BUREAU, "行政编制", "孙八", 6),
                appoint(4, PostKind::UnitDeputy, "副局长"),
                appoint(5, PostKind::UnitDeputy, "副局长"),
                appoint(6, PostKind::UnitDeputy, "督查专员"),
            ],
        ),
    )
    .expect("matter");
    l
}

/// The same ledger taken over with 副职 cut to 1 from 2024-11-01.
fn migrated_over_posts() -> Ledger {
    let l = with_leaders();
    let mut st = l.state().clone();
    let key = PostKey {
        unit: uid(&l, BUREAU),
        body: None,
        kind: PostKind::UnitDeputy,
    };
    st.posts.get_mut(&key).expect("deputy posts").approved = 1;
    st.history
        .posts
        .get_mut(&key)
        .expect("deputy history")
        .push((d("2024-11-01"), (1, 2)));
    Ledger::from_snapshot(st, l.decoded_journal().unwrap()).expect("snapshot")
}

#[test]
fn the_ledger_refuses_a_matter_that_would_leave_too_many_leaders() {
    let mut l = with_leaders();
    let m = matter(
        "盐编〔2024〕8号",
        "2024-11-01",
        vec![set_posts(BUREAU, PostKind::UnitDeputy, 1)],
    );
    let at = m.recorded_at;
    let e = l.submit(m, at).expect_err("超职数 refused");
    assert!(e.to_string().contains("超职数"), "{e}");
}

#[test]
fn posts_fully_filled_give_no_over_posts_warning() {
    let l = with_leaders();
    let p = Params::at(d("2024-10-31")).unit(uid(&l, BUREAU)).only();
    let posts = report::build(&l, Kind::Posts, &p);
    // 督查专员 does not count: 副职 实配 2, not 3.
    assert_eq!(
        rows(&posts),
        [
            ["盐都区教育局", "单位领导正职", "1", "1", "0"],
            ["盐都区教育局", "单位领导副职", "2", "2", "0"],
        ]
    );
    let w = report::build(&l, Kind::Warnings, &p);
    assert!(w.rows.is_empty(), "{}", w.render());
}

#[test]
fn over_posts_appear_from_the_date_of_the_cut() {
    let l = migrated_over_posts();
    let bureau = uid(&l, BUREAU);

    // Before the cut: only the fixture's 超编 of 第二小学 (核定 0, 实有 1).
    let before = report::build(&l, Kind::Warnings, &Params::at(d("2024-10-31")));
    assert_eq!(
        rows(&before),
        [[
            "超编（消化中）",
            SECOND,
            "事业编制（全额拨款）",
            "0",
            "1",
            "1"
        ]]
    );

    // From 2024-11-01: 副职 核定 1, 实配 2 (赵六, 钱七; 孙八 is 督查专员) → 超出 1.
    let after = report::build(&l, Kind::Warnings, &Params::at(d("2024-11-01")));
    assert_eq!(
        rows(&after),
        [
            vec!["超职数", BUREAU, "单位领导副职", "1", "2", "1"],
            vec![
                "超编（消化中）",
                SECOND,
                "事业编制（全额拨款）",
                "0",
                "1",
                "1"
            ],
        ]
    );

    // One unit only: the 超职数 line alone.
    let only = report::build(
        &l,
        Kind::Warnings,
        &Params::at(d("2024-12-31")).unit(bureau).only(),
    );
    assert_eq!(
        rows(&only),
        [["超职数", BUREAU, "单位领导副职", "1", "2", "1"]]
    );

    // 领导职数情况表: 空缺 −1 and totals 核定 2, 实配 3, 空缺 −1.
    let posts = report::build(
        &l,
        Kind::Posts,
        &Params::at(d("2024-11-01")).unit(bureau).only(),
    );
    assert_eq!(
        rows(&posts),
        [
            ["盐都区教育局", "单位领导正职", "1", "1", "0"],
            ["盐都区教育局", "单位领导副职", "1", "2", "-1"],
        ]
    );
    let totals: Vec<String> = posts
        .totals
        .as_ref()
        .expect("totals")
        .iter()
        .map(Cell::as_text)
        .collect();
    assert_eq!(totals, ["合计", "", "2", "3", "-1"]);
}
