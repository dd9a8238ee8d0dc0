//! A small fixture ledger: 盐都区教育局 with two schools, people registered,
//! one retiring, one transferring, quota changes and an 超编.
//!
//! The builders (dates, matters, operations, people) are `bianzhi-testkit`'s.

use bianzhi_core::catalog::{LeaveReason, UnitKind};
use bianzhi_core::*;

pub use bianzhi_testkit::*;

/// 1号 2024-01-02: units, 行政编制 10 / 事业编制 3 / 事业编制 2, plan lines 0 and 1.
/// 2号 2024-02-01: 张三(1), 李四(2) registered in 实验小学, 王五(3) in 教育局.
/// 3号 2024-06-01: 李四 retires; 实验小学 核定 3 → 5.
/// 4号 2024-07-01: 张三 transfers to 第二小学.
/// 5号 2024-09-01: 第二小学 核定 2 → 0 (超编 1, 消化).
pub fn fixture() -> Ledger {
    let mut l = Ledger::new("320903", "盐城市盐都区");
    submit(
        &mut l,
        matter(
            "盐编〔2024〕1号",
            "2024-01-02",
            vec![
                create(BUREAU, UnitKind::GovDept, None),
                set_quota(BUREAU, "行政编制", 10),
                create(SCHOOL, UnitKind::Institution, Some(BUREAU)),
                set_quota(SCHOOL, "事业编制", 3),
                create(SECOND, UnitKind::Institution, Some(BUREAU)),
                set_quota(SECOND, "事业编制", 2),
                plan(SCHOOL, 2024, 5),
                plan(SECOND, 2024, 5),
            ],
        ),
    )
    .expect("matter");
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![
                register(SCHOOL, "事业编制", "张三", 1),
                register(SCHOOL, "事业编制", "李四", 2),
                register(BUREAU, "行政编制", "王五", 3),
            ],
        ),
    )
    .expect("matter");
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-06-01",
            vec![
                Op::Leave {
                    person: pref(2),
                    reason: LeaveReason::Retire,
                },
                set_quota(SCHOOL, "事业编制", 5),
            ],
        ),
    )
    .expect("matter");
    submit(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-07-01",
            vec![Op::Transfer {
                person: pref(1),
                to: acct(SECOND, "事业编制"),
                body: None,
                plan_line: PlanLineId(1),
            }],
        ),
    )
    .expect("matter");
    submit(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-09-01",
            vec![set_quota_over(SECOND, "事业编制", 0)],
        ),
    )
    .expect("matter");
    l
}
