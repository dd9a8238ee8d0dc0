//! The 调控工具 tables: the 周转池 with its loans (and their status through
//! time), and 备案制 with what the 人员控制总量 still allows.

use bianzhi_core::Op;
use bianzhi_reports::report::{build, Kind, Params};
use bianzhi_reports::Cell;

use crate::common::*;

fn texts(row: &[Cell]) -> Vec<String> {
    row.iter().map(Cell::as_text).collect()
}

fn with_instruments() -> bianzhi_core::Ledger {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕9号",
            "2024-10-01",
            vec![
                Op::FundPool {
                    qtype: cat("事业编制"),
                    count: 4,
                },
                Op::Lend {
                    loan: None,
                    account: acct(SCHOOL, "事业编制"),
                    count: 2,
                    due: Some(d("2025-01-01")),
                    on_attrition: false,
                },
                Op::SetStaffCap {
                    unit: unit(SCHOOL),
                    count: Some(3),
                },
                Op::RegisterFiled {
                    person: None,
                    unit: unit(SCHOOL),
                    details: person("备案甲", 7),
                },
            ],
        ),
    )
    .expect("instruments");
    l
}

#[test]
fn the_pool_and_its_loans_as_of_any_date() {
    let l = with_instruments();
    let p = Params::at(d("2024-10-01"));
    let pool = build(&l, Kind::Pool, &p);
    assert_eq!(texts(&pool.rows[0]), ["事业编制", "2", "2", "0", "0", "4"]);
    let loans = build(&l, Kind::Loans, &p);
    assert_eq!(loans.rows.len(), 1);
    let r = texts(&loans.rows[0]);
    assert_eq!(r[1], SCHOOL);
    assert_eq!(r[6..], ["2", "0", "2", "在借"]);
    // Before the loan: nothing; after its due date the free slots came back.
    assert!(build(&l, Kind::Loans, &Params::at(d("2024-09-30")))
        .rows
        .is_empty());
    let later = build(&l, Kind::Loans, &Params::at(d("2025-01-02")));
    assert_eq!(texts(&later.rows[0])[6..], ["2", "2", "0", "已还"]);
    let pool = build(&l, Kind::Pool, &Params::at(d("2025-01-02")));
    assert_eq!(texts(&pool.rows[0])[..3], ["事业编制", "4", "0"]);
    // The pool is the jurisdiction's: not shown for one unit.
    let school = uid(&l, SCHOOL);
    assert!(build(&l, Kind::Pool, &p.unit(school)).rows.is_empty());
    assert_eq!(build(&l, Kind::Loans, &p.unit(school)).rows.len(), 1);
    assert!(build(&l, Kind::Loans, &p.unit(uid(&l, SECOND)))
        .rows
        .is_empty());
}

#[test]
fn the_staff_cap_counts_enrolled_and_filed_people() {
    let l = with_instruments();
    let t = build(&l, Kind::Filed, &Params::at(d("2024-10-01")));
    assert_eq!(t.rows.len(), 1);
    // 控制总量 3; 编制内 0 (both left the school), 备案 1: 2 left.
    assert_eq!(texts(&t.rows[0]), [SCHOOL, "3", "0", "1", "2"]);
}
