//! 问题台账: the system's checks on the ledger and the rectification steps.

use bianzhi_casework::*;
use bianzhi_core::Ledger;

use crate::common::*;

fn register_all(found: Vec<Finding>) -> Vec<Problem> {
    found
        .into_iter()
        .map(|f| {
            Problem::from_finding(
                f,
                d("2024-09-02"),
                d("2024-10-31"),
                "张科长",
                "系统",
                at("2024-09-02"),
            )
            .unwrap()
        })
        .collect()
}

#[test]
fn detect_finds_over_quota_over_posts_and_an_overdue_loan() {
    assert!(detect(&district(), d("2024-09-02")).is_empty());
    let l = over_posts();
    // Before the cut and before the due date: only the 超编.
    let early = detect(&l, d("2024-02-15"));
    let sources: Vec<ProblemSource> = early.iter().map(|f| f.source).collect();
    assert_eq!(sources, [ProblemSource::OverQuota]);
    let f = &early[0];
    assert_eq!(f.unit, Some(uid(&l, BUREAU)));
    assert_eq!(f.unit_name, BUREAU);
    assert_eq!(
        f.description,
        "盐都区教育局 行政编制(全额拨款) 核定 10 名，实有 11 人，超编 1 人（超编消化中）"
    );
    // On 2024-09-01 the loan falls due with no free slot: overdue.
    assert_eq!(detect(&l, d("2024-08-31")).len(), 2);
    let found = detect(&l, d("2024-09-02"));
    let got: Vec<(ProblemSource, &str)> = found
        .iter()
        .map(|f| (f.source, f.unit_name.as_str()))
        .collect();
    assert_eq!(
        got,
        [
            (ProblemSource::OverPosts, BUREAU),
            (ProblemSource::OverQuota, BUREAU),
            (ProblemSource::OverdueLoan, SCHOOL),
        ]
    );
    assert_eq!(
        found[0].description,
        "盐都区教育局 单位领导副职 核定 1 名，实配 2 名，超职数 1 名"
    );
    assert_eq!(
        found[2].description,
        "盐都区实验小学 借用周转编制 事业编制(全额拨款)（盐编〔2024〕2号）2 名，2024-09-01 到期，尚有 2 名未归还"
    );
    assert!(found.iter().all(|f| f.source.is_system()));
    // The same conditions give the same keys whenever asked.
    assert_eq!(detect(&l, d("2024-09-02")), found);
    let keys: Vec<&str> = found.iter().map(|f| f.key.as_str()).collect();
    let again = detect(&l, d("2024-12-31"));
    assert_eq!(
        again.iter().map(|f| f.key.as_str()).collect::<Vec<_>>(),
        keys
    );
}

#[test]
fn only_findings_without_an_open_problem_are_new() {
    let l: Ledger = over_posts();
    let found = detect(&l, d("2024-09-02"));
    assert_eq!(new_findings(&[], found.clone()).len(), 3);
    let mut problems = register_all(vec![found[1].clone()]);
    let new = new_findings(&problems, found.clone());
    assert_eq!(new.len(), 2);
    assert!(new.iter().all(|f| f.key != found[1].key));
    // Duplicates within one run are dropped too.
    let mut twice = found.clone();
    twice.extend(found.clone());
    assert_eq!(new_findings(&problems, twice).len(), 2);
    // Once 销号, the same condition found again is a new problem.
    let p = &mut problems[0];
    p.act(
        &OFFICE,
        "编办李经办",
        ProblemAction::Start,
        at("2024-09-03"),
    )
    .unwrap();
    p.act(
        &OFFICE,
        "编办李经办",
        ProblemAction::Report {
            text: "已调出 1 人".into(),
        },
        at("2024-09-20"),
    )
    .unwrap();
    p.act(
        &LEADER,
        "编办王主任",
        ProblemAction::Close,
        at("2024-09-25"),
    )
    .unwrap();
    assert_eq!(new_findings(&problems, found).len(), 3);
}

#[test]
fn rectification_steps_check_status_and_role() {
    let l = staffed();
    let found = detect(&l, d("2024-09-02"));
    let mut p = register_all(vec![found[0].clone()]).remove(0);
    assert_eq!((p.status, p.history.len()), (ProblemStatus::Open, 1));
    assert_eq!(p.key.as_deref(), Some(found[0].key.as_str()));
    assert!(!p.is_overdue(d("2024-10-31")));
    assert!(p.is_overdue(d("2024-11-01")));
    let before = p.clone();
    // Another unit's clerk may not touch it.
    let other = Actor::UnitClerk {
        scope: uid(&l, HEALTH),
    };
    let e = p
        .act(&other, "卫健委经办", ProblemAction::Start, at("2024-09-03"))
        .unwrap_err();
    assert_eq!(e.to_string(), "只有编办或责任单位经办可以开始整改");
    let e = p
        .act(
            &OFFICE,
            "编办李经办",
            ProblemAction::Close,
            at("2024-09-03"),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "问题当前状态为“待整改”，不能销号");
    assert_eq!(p, before);
    // The bureau's own clerk starts and reports.
    p.act(
        &clerk(&l),
        "教育局张经办",
        ProblemAction::Start,
        at("2024-09-03"),
    )
    .unwrap();
    assert_eq!(p.status, ProblemStatus::InProgress);
    let e = p
        .act(
            &clerk(&l),
            "教育局张经办",
            ProblemAction::Report { text: " ".into() },
            at("2024-09-20"),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "整改情况不能为空");
    p.act(
        &clerk(&l),
        "教育局张经办",
        ProblemAction::Report {
            text: "1 人已调出，超编消除".into(),
        },
        at("2024-09-20"),
    )
    .unwrap();
    assert_eq!(p.status, ProblemStatus::Rectified);
    assert!(!p.is_overdue(d("2024-12-01")), "rectified, awaiting 销号");
    // 销号 is the leader's.
    let e = p
        .act(
            &OFFICE,
            "编办李经办",
            ProblemAction::Close,
            at("2024-09-21"),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "只有编办领导可以销号");
    let e = p
        .act(
            &clerk(&l),
            "教育局张经办",
            ProblemAction::Close,
            at("2024-09-21"),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "只有编办领导可以销号");
    // The office sends it back; the unit may not.
    let e = p
        .act(
            &clerk(&l),
            "教育局张经办",
            ProblemAction::Reopen {
                comment: "x".into(),
            },
            at("2024-09-21"),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "只有编办经办或编办领导可以要求重新整改");
    p.act(
        &OFFICE,
        "编办李经办",
        ProblemAction::Reopen {
            comment: "调出手续未完成".into(),
        },
        at("2024-09-22"),
    )
    .unwrap();
    assert_eq!(p.status, ProblemStatus::InProgress);
    p.act(
        &clerk(&l),
        "教育局张经办",
        ProblemAction::Report {
            text: "调出手续已办结".into(),
        },
        at("2024-09-28"),
    )
    .unwrap();
    p.act(
        &LEADER,
        "编办王主任",
        ProblemAction::Close,
        at("2024-09-30"),
    )
    .unwrap();
    assert_eq!(p.status, ProblemStatus::Closed);
    let actions: Vec<&str> = p.history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "登记",
            "开始整改",
            "报告整改情况",
            "重新整改",
            "报告整改情况",
            "销号"
        ]
    );
    let json = serde_json::to_string(&p).unwrap();
    assert_eq!(serde_json::from_str::<Problem>(&json).unwrap(), p);
}

#[test]
fn problems_found_by_inspection_are_registered_by_hand() {
    let e = Problem::new(
        None,
        "",
        ProblemSource::Inspection,
        "  ",
        d("2024-09-02"),
        d("2024-10-31"),
        "张科长",
        None,
        "编办李经办",
        at("2024-09-02"),
    )
    .unwrap_err();
    assert_eq!(e.to_string(), "问题描述不能为空");
    let e = Problem::new(
        None,
        "",
        ProblemSource::Audit,
        "机构设置不规范",
        d("2024-09-02"),
        d("2024-08-31"),
        "张科长",
        None,
        "编办李经办",
        at("2024-09-02"),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "整改期限 2024-08-31 不能早于发现日期 2024-09-02"
    );
    for s in ProblemSource::ALL {
        assert_eq!(ProblemSource::parse(s.code()), Some(s));
        assert_eq!(ProblemSource::parse(s.label()), Some(s));
    }
    assert!(!ProblemSource::Inspection.is_system());
    assert!(ProblemSource::RosterMismatch.is_system());
    for s in ProblemStatus::ALL {
        assert_eq!(ProblemStatus::parse(s.code()), Some(s));
        assert_eq!(ProblemStatus::parse(s.label()), Some(s));
    }
}

#[test]
fn detect_finds_an_overdue_bridge() {
    let mut l = staffed();
    // 教师31 moves from 第二小学 into the full 实验小学 with a bridge slot from
    // the sender, to be absorbed by 2024-12-31.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-03-01",
            vec![bianzhi_core::Op::BridgeTransfer {
                bridge: None,
                person: pref(31),
                to: acct(SCHOOL, "事业编制"),
                body: None,
                from_pool: false,
                deadline: d("2024-12-31"),
            }],
        ),
    )
    .unwrap();
    let keys = |date: &str| -> Vec<(ProblemSource, String)> {
        detect(&l, d(date))
            .into_iter()
            .map(|f| (f.source, f.unit_name))
            .collect()
    };
    assert!(!keys("2024-12-31").contains(&(ProblemSource::OverdueBridge, SCHOOL.to_string())));
    let found = detect(&l, d("2025-01-01"));
    let b = found
        .iter()
        .find(|f| f.source == ProblemSource::OverdueBridge)
        .expect("overdue bridge");
    assert_eq!(b.unit, Some(uid(&l, SCHOOL)));
    assert_eq!(
        b.description,
        "盐都区实验小学 过桥编制 事业编制(全额拨款)（教师31，盐编〔2024〕5号）应于 2024-12-31 前消化，尚未消化"
    );
}
