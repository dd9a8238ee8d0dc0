//! Fixtures of the core tests: a small district with a bureau and a school.
//! The builders (dates, matters, operations, people) are `bianzhi-testkit`'s.

use bianzhi_core::catalog::UnitKind;
use bianzhi_core::*;

pub use bianzhi_testkit::*;

/// A ledger with 盐都区教育局 (行政编制 10) and 盐都区实验小学 (事业编制 3, one
/// 2024 公开招聘 plan line of 5, numbered 0).
pub fn fixture() -> Ledger {
    let mut l = Ledger::new("320903", "盐城市盐都区");
    let m = matter(
        "盐编〔2024〕1号",
        "2024-01-02",
        vec![
            create(BUREAU, UnitKind::GovDept, None),
            set_quota(BUREAU, "行政编制", 10),
            create(SCHOOL, UnitKind::Institution, Some(BUREAU)),
            set_quota(SCHOOL, "事业编制", 3),
            plan(SCHOOL, 2024, 5),
        ],
    );
    submit(&mut l, m).expect("fixture");
    l
}

/// 编制情况表 row of the unit's account of `qtype` as of `date`.
pub fn row(l: &Ledger, name: &str, qtype: &str, date: &str) -> query::QuotaRow {
    query::quota_table(l.state(), uid(l, name), d(date))
        .into_iter()
        .find(|r| r.qtype == qtype)
        .expect("row")
}

/// Submits `m`, which must be refused and leave the ledger (state and
/// journal) unchanged; the refusal.
pub fn refused(l: &mut Ledger, m: Matter) -> MatterError {
    let before = l.state().clone();
    let journal = l.journal_len();
    let e = submit(l, m).expect_err("must be refused");
    assert_eq!(*l.state(), before, "a refused matter changes nothing");
    assert_eq!(l.journal_len(), journal);
    e
}
