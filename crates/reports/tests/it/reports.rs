use bianzhi_core::query;
use bianzhi_reports::report::{self, Kind, Params};
use bianzhi_reports::{Cell, Table};

use crate::common::*;

fn col(t: &Table, h: &str) -> Vec<String> {
    let c = t.col(h).expect(h);
    t.rows.iter().map(|r| r[c].as_text()).collect()
}

fn total(t: &Table, h: &str) -> i64 {
    let c = t.col(h).expect(h);
    match t.totals.as_ref().expect("totals")[c] {
        Cell::Int(n) => n,
        ref x => panic!("{x:?}"),
    }
}

#[test]
fn roster_as_of_dates_before_and_after_changes() {
    let l = fixture();
    let t = report::build(&l, Kind::Roster, &Params::at(d("2024-01-15")));
    assert!(t.rows.is_empty());
    let t = report::build(&l, Kind::Roster, &Params::at(d("2024-03-01")));
    let mut names = col(&t, "姓名");
    names.sort();
    assert_eq!(names, ["张三", "李四", "王五"]);
    let t = report::build(&l, Kind::Roster, &Params::at(d("2024-12-31")));
    let pairs: Vec<(String, String)> = col(&t, "单位").into_iter().zip(col(&t, "姓名")).collect();
    assert_eq!(pairs.len(), 2);
    assert!(pairs.contains(&(SECOND.into(), "张三".into())));
    assert!(pairs.contains(&(BUREAU.into(), "王五".into())));
    assert_eq!(
        col(&t, "身份证号").iter().filter(|s| s.len() == 18).count(),
        2
    );
    // One unit only, and a subtree.
    let p = Params::at(d("2024-03-01")).unit(uid(&l, SCHOOL));
    assert_eq!(report::build(&l, Kind::Roster, &p).rows.len(), 2);
    let p = Params::at(d("2024-03-01")).unit(uid(&l, BUREAU)).only();
    assert_eq!(col(&report::build(&l, Kind::Roster, &p), "姓名"), ["王五"]);
}

#[test]
fn quota_table_with_totals() {
    let l = fixture();
    let t = report::build(&l, Kind::Quotas, &Params::at(d("2024-03-01")));
    assert_eq!(total(&t, "核定"), 15);
    assert_eq!(total(&t, "实有"), 3);
    let t = report::build(&l, Kind::Quotas, &Params::at(d("2024-12-31")));
    // 教育局 10/1, 实验小学 5/0, 第二小学 0/1.
    assert_eq!(total(&t, "核定"), 15);
    assert_eq!(total(&t, "实有"), 2);
    assert_eq!(total(&t, "超编"), 1);
    let school = Params::at(d("2024-05-31")).unit(uid(&l, SCHOOL));
    let t = report::build(&l, Kind::Quotas, &school);
    assert_eq!(total(&t, "核定"), 3);
    assert_eq!(total(&t, "可用空编"), 1);
}

#[test]
fn leavers_between_two_dates() {
    let l = fixture();
    let t = report::build(
        &l,
        Kind::Leavers,
        &Params::at(d("2024-12-31")).from(d("2024-03-01")),
    );
    assert_eq!(col(&t, "姓名"), ["李四"]);
    assert_eq!(col(&t, "减少原因"), ["退休"]);
    assert_eq!(col(&t, "减少日期"), ["2024-06-01"]);
    let t = report::build(
        &l,
        Kind::Leavers,
        &Params::at(d("2024-12-31")).from(d("2024-07-01")),
    );
    assert!(t.rows.is_empty());
    let t = report::build(
        &l,
        Kind::Leavers,
        &Params::at(d("2024-05-31")).from(d("2024-03-01")),
    );
    assert!(t.rows.is_empty());
}

#[test]
fn changes_between_two_dates() {
    let l = fixture();
    let t = report::build(
        &l,
        Kind::Changes,
        &Params::at(d("2024-12-31")).from(d("2024-03-01")),
    );
    let got: Vec<(String, String)> = col(&t, "变动类别")
        .into_iter()
        .zip(col(&t, "对象"))
        .collect();
    assert!(got.contains(&("减少".into(), "李四".into())), "{got:?}");
    assert!(got.contains(&("调动".into(), "张三".into())), "{got:?}");
    assert!(got
        .iter()
        .any(|(k, o)| k == "编制变动" && o.starts_with("事业编制")));
    assert_eq!(got.iter().filter(|(k, _)| k == "编制变动").count(), 2); // 3→5 and 2→0
    assert!(!got.iter().any(|(k, _)| k == "增加"));
    let t = report::build(
        &l,
        Kind::Changes,
        &Params::at(d("2024-03-01")).from(d("2024-01-15")),
    );
    assert_eq!(
        t.rows.iter().filter(|r| r[0].as_text() == "增加").count(),
        3
    );
    // Only the school's subtree: 张三 left it (调出 counts as 减少 there).
    let p = Params::at(d("2024-12-31"))
        .from(d("2024-03-01"))
        .unit(uid(&l, SCHOOL));
    let t = report::build(&l, Kind::Changes, &p);
    assert_eq!(
        t.rows.iter().filter(|r| r[0].as_text() == "减少").count(),
        2
    );
}

#[test]
fn warnings_only_after_the_over_quota_matter() {
    let l = fixture();
    assert!(
        report::build(&l, Kind::Warnings, &Params::at(d("2024-08-31")))
            .rows
            .is_empty()
    );
    let t = report::build(&l, Kind::Warnings, &Params::at(d("2024-09-01")));
    assert_eq!(col(&t, "单位"), [SECOND]);
    assert_eq!(col(&t, "超出"), ["1"]);
}

#[test]
fn ledger_book_lists_changes_up_to_the_date() {
    let l = fixture();
    let p = Params::at(d("2024-03-01")).unit(uid(&l, SCHOOL)).only();
    let t = report::build(&l, Kind::Ledger, &p);
    let docs = col(&t, "文号");
    assert!(
        docs.iter().all(|x| x.contains("1号") || x.contains("2号")),
        "{docs:?}"
    );
    assert!(docs.iter().filter(|x| x.contains("2号")).count() == 2);
    let p = Params::at(d("2024-12-31")).unit(uid(&l, SCHOOL)).only();
    let t = report::build(&l, Kind::Ledger, &p);
    let docs = col(&t, "文号");
    assert!(docs.iter().any(|x| x.contains("3号")));
    assert!(
        docs.iter().any(|x| x.contains("4号")),
        "transfer out of the school: {docs:?}"
    );
    assert!(!docs.iter().any(|x| x.contains("5号")));
    let dates = col(&t, "生效日期");
    let mut sorted = dates.clone();
    sorted.sort();
    assert_eq!(dates, sorted);
}

#[test]
fn plan_execution() {
    let l = fixture();
    let t = report::build(&l, Kind::Plans, &Params::at(d("2024-12-31")));
    assert_eq!(total(&t, "计划数"), 10);
    assert_eq!(total(&t, "已使用"), 1); // 张三's 调入 used a 第二小学 line
    assert_eq!(total(&t, "剩余"), 9);
}

#[test]
fn annual_statistics_reconcile_with_the_rollup() {
    let l = fixture();
    for date in [
        "2024-01-01",
        "2024-01-15",
        "2024-03-01",
        "2024-06-15",
        "2024-12-31",
    ] {
        let p = Params::at(d(date));
        let groups = report::annual_groups(&l, &p);
        let mut sum = bianzhi_core::model::Counts::default();
        for g in groups.values() {
            sum.add(&g.counts);
        }
        let st = l.view_at(d(date));
        let r = query::rollup(&st, d(date), None);
        assert_eq!(sum, r.total, "{date}");
        let t = report::build(&l, Kind::Annual, &p);
        if !t.rows.is_empty() {
            assert_eq!(total(&t, "核定"), r.total.approved as i64);
            assert_eq!(total(&t, "实有"), r.total.actual as i64);
        }
    }
    let t = report::build(&l, Kind::Annual, &Params::at(d("2024-03-01")));
    // 政府工作部门/行政编制 and 事业单位/事业编制 (two schools, one group),
    // each followed by its 小计.
    assert_eq!(col(&t, "规格"), ["正科级", "小计", "正科级", "小计"]);
    let units = col(&t, "单位数");
    assert_eq!(units, ["1", "1", "2", "2"]);
    assert_eq!(total(&t, "单位数"), 3, "three units");
}

/// 统计年报 as the level above reads it: 规格 in official order (正科级 before
/// 副科级), a 小计 per 机构类别, 单位数 counting units (not unit × type rows),
/// and 可用空编 net of 冻结 and 锁定, with 超编 apart.
#[test]
fn annual_statistics_order_subtotals_and_count_units_once() {
    use bianzhi_core::catalog::{Rank, UnitKind};
    use bianzhi_core::Op;
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕20号",
            "2024-10-01",
            vec![
                // A 副科级 unit (declared before the 正科级 ones would sort by code point).
                Op::CreateUnit(bianzhi_core::NewUnit {
                    id: None,
                    name: "盐都区档案馆".into(),
                    short_name: None,
                    kind: UnitKind::Institution,
                    rank: Rank::DeputySection,
                    category: None,
                    funding: None,
                    credit_code: None,
                    parent: None,
                    functions: String::new(),
                    sector: None,
                }),
                set_quota("盐都区档案馆", "事业编制", 4),
                // The school has two types: one unit, two rows.
                set_quota(SCHOOL, "工勤编制", 1),
                Op::LockQuota {
                    account: acct(SCHOOL, "事业编制"),
                    count: 1,
                    purpose: "预留".into(),
                },
            ],
        ),
    )
    .expect("matter");
    let t = report::build(&l, Kind::Annual, &Params::at(d("2024-10-01")));
    let ranks = col(&t, "规格");
    let kinds = col(&t, "机构类别");
    let rows: Vec<(String, String)> = kinds.into_iter().zip(ranks).collect();
    let inst: Vec<&(String, String)> = rows.iter().filter(|(k, _)| k == "事业单位").collect();
    let pos = |r: &str| inst.iter().position(|(_, x)| x == r).unwrap();
    assert!(pos("正科级") < pos("副科级"), "{inst:?}");
    assert_eq!(inst.last().unwrap().1, "小计");
    // Units: 教育局, 实验小学, 第二小学, 档案馆 — four, whatever the rows.
    assert_eq!(total(&t, "单位数"), 4);
    let data_rows = t.rows.iter().filter(|r| r[1].as_text() != "小计").count();
    assert!(data_rows > 4 - 1, "more rows than units");
    // 可用空编 = 核定 + 借入 + 过桥 − 实有 − 冻结 − 锁定, summed per account.
    let st = l.view_at(d("2024-10-01"));
    let r = bianzhi_core::query::rollup(&st, d("2024-10-01"), None);
    assert_eq!(total(&t, "可用空编"), r.available as i64);
    assert_eq!(total(&t, "超编"), r.over as i64);
    assert_eq!(total(&t, "锁定"), 1);
}

#[test]
fn instruments_empty_without_loans() {
    let l = fixture();
    let t = report::build(&l, Kind::Instruments, &Params::at(d("2024-12-31")));
    assert!(t.rows.is_empty());
    assert!(t.render().contains("编制调控工具"));
}

#[test]
fn a_pool_loan_shows_as_outstanding_and_clears_the_over_quota_warning() {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2025〕1号",
            "2025-01-02",
            vec![
                bianzhi_core::Op::FundPool {
                    qtype: cat("事业编制"),
                    count: 5,
                },
                bianzhi_core::Op::Lend {
                    loan: None,
                    account: acct(SECOND, "事业编制"),
                    count: 2,
                    due: Some(d("2026-06-30")),
                    on_attrition: false,
                },
            ],
        ),
    )
    .expect("matter");
    let t = report::build(&l, Kind::Instruments, &Params::at(d("2024-12-31")));
    assert!(t.rows.is_empty());
    let t = report::build(&l, Kind::Instruments, &Params::at(d("2025-03-01")));
    assert_eq!(col(&t, "类别"), ["周转池借用"]);
    assert_eq!(col(&t, "单位"), [SECOND]);
    assert_eq!(col(&t, "未了结"), ["2"]);
    assert_eq!(col(&t, "文号"), ["盐编〔2025〕1号"]);
    // 超编 until the loan, none after it (周转借入 counts as capacity).
    assert_eq!(
        report::build(&l, Kind::Warnings, &Params::at(d("2025-01-01")))
            .rows
            .len(),
        1
    );
    assert!(
        report::build(&l, Kind::Warnings, &Params::at(d("2025-03-01")))
            .rows
            .is_empty()
    );
    // Only the 第二小学's subtree sees it; the 实验小学 does not.
    let p = Params::at(d("2025-03-01")).unit(uid(&l, SCHOOL));
    assert!(report::build(&l, Kind::Instruments, &p).rows.is_empty());
    // The 台账 of the 第二小学 lists the loan.
    let p = Params::at(d("2025-03-01")).unit(uid(&l, SECOND)).only();
    let t = report::build(&l, Kind::Ledger, &p);
    assert!(
        col(&t, "文号").iter().any(|x| x.contains("2025")),
        "{:?}",
        col(&t, "文号")
    );
    // Annual statistics still reconcile (周转借入 included).
    let groups = report::annual_groups(&l, &Params::at(d("2025-03-01")));
    let borrowed: i32 = groups.values().map(|g| g.counts.borrowed).sum();
    assert_eq!(borrowed, 2);
}
