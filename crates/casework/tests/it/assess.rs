//! 事前评估: its numbers are the ledger's, the dry run never touches the
//! ledger, and totals, 机构限额, 挂牌, naming and the 周转池 are checked.

use bianzhi_casework::assess::{assess, check_name, type_totals, AssessConfig, Assessment};
use bianzhi_casework::Draft;
use bianzhi_core::catalog::UnitKind;
use bianzhi_core::{query, Ledger, Op};

use crate::common::*;

fn run(l: &Ledger, ops: Vec<Op>, unit: Option<&str>, today: &str) -> Assessment {
    run_cfg(l, ops, unit, today, &AssessConfig::default())
}

fn run_cfg(
    l: &Ledger,
    ops: Vec<Op>,
    unit: Option<&str>,
    today: &str,
    cfg: &AssessConfig,
) -> Assessment {
    let dr = draft("2024-09-01", ops);
    assess(l, &dr, unit.map(|u| uid(l, u)), d(today), Vec::new(), cfg)
}

fn has(a: &Assessment, line: &str) -> bool {
    a.verdict.iter().any(|v| v == line)
}

#[test]
fn the_unit_figures_are_the_ledgers() {
    let l = staffed();
    let today = d("2024-06-05");
    for name in [SCHOOL, BUREAU, SECOND] {
        let a = run(
            &l,
            vec![increase(SCHOOL, "事业编制", 2)],
            Some(name),
            "2024-06-05",
        );
        let u = a.unit.as_ref().expect("unit usage");
        let id = uid(&l, name);
        let table = query::quota_table(l.state(), id, today);
        assert_eq!(u.quotas.len(), table.len());
        for (q, r) in u.quotas.iter().zip(&table) {
            assert_eq!(q.qtype, r.qtype);
            assert_eq!(q.funding, r.funding);
            assert_eq!(
                (q.approved, q.actual, q.frozen, q.locked, q.borrowed, q.vacant, q.over),
                (
                    r.counts.approved,
                    r.counts.actual,
                    r.counts.frozen,
                    r.counts.locked,
                    r.counts.borrowed,
                    r.available,
                    r.over
                )
            );
        }
        let posts = query::post_table(l.state(), id, today);
        assert_eq!(u.posts.len(), posts.len());
        for (p, r) in u.posts.iter().zip(&posts) {
            assert_eq!(
                (p.kind.as_str(), p.approved, p.actual, p.vacant),
                (r.label.as_str(), r.approved, r.filled, r.vacant)
            );
        }
    }
    // Hand-checked: the school is full on 3 + 2 borrowed; the bureau is 1 over.
    let a = run(
        &l,
        vec![increase(SCHOOL, "事业编制", 2)],
        Some(SCHOOL),
        "2024-06-05",
    );
    let q = &a.unit.as_ref().unwrap().quotas[0];
    assert_eq!((q.approved, q.borrowed, q.actual, q.vacant), (3, 2, 5, 0));
    let a = run(
        &l,
        vec![increase(SCHOOL, "事业编制", 2)],
        Some(BUREAU),
        "2024-06-05",
    );
    let u = a.unit.as_ref().unwrap();
    assert_eq!((u.approved, u.actual, u.over), (10, 11, 1));
    assert_eq!(u.second_names, ["盐都区语言文字工作委员会办公室"]);
    assert!(has(&a, "注意：盐都区教育局 现超编 1 名"));
    // Similar units: the other school.
    let a = run(
        &l,
        vec![increase(SCHOOL, "事业编制", 2)],
        Some(SCHOOL),
        "2024-06-05",
    );
    let s = a.similar.as_ref().unwrap();
    assert_eq!((s.kind.as_str(), s.count), ("事业单位", 1));
    assert_eq!((s.avg_approved, s.avg_actual), (6.0, 1.0));
    // Recent changes of the school, newest first, as in its 台账.
    let docs: Vec<&str> = a.recent.iter().map(|r| r.doc_no.as_str()).collect();
    assert_eq!(docs, ["盐编〔2024〕2号", "盐编〔2024〕1号"]);
    // Person operations (存量人员登记) are left out.
    assert_eq!(a.recent[0].label, "周转池借出");
    assert_eq!(
        a.recent[0].summary,
        "周转池借入 事业编制(全额拨款) 2 名，2024-09-01 到期"
    );
    assert!(a.recent[1].summary.contains("核定 事业编制(全额拨款) 3 名"));
}

#[test]
fn totals_before_and_after_a_quota_increase() {
    let l = staffed();
    let today = d("2024-06-05");
    let before = l.state().clone();
    let a = run(
        &l,
        vec![increase(SCHOOL, "事业编制", 2)],
        Some(SCHOOL),
        "2024-06-05",
    );
    // The real ledger is untouched.
    assert_eq!(*l.state(), before);
    assert_eq!(a.next_seq, l.next_seq());
    assert!(a.is_current(l.next_seq()));
    assert_eq!(a.dry_run, Ok(vec![]));
    assert_eq!(a.compared_on, d("2024-09-01"));
    // The sum over types is the ledger's jurisdiction total.
    let sum: i32 = a.totals.iter().map(|t| t.before).sum();
    assert_eq!(sum, query::jurisdiction_total(l.state(), today));
    assert_eq!(sum, query::jurisdiction_total(l.state(), d("2024-09-01")));
    let t: Vec<(&str, i32, Option<i32>)> = a
        .totals
        .iter()
        .map(|t| (t.qtype.as_str(), t.before, t.after))
        .collect();
    assert_eq!(t, [("行政编制", 38, Some(38)), ("事业编制", 14, Some(16))]);
    assert_eq!(
        type_totals(l.state(), today).values().sum::<i32>(),
        query::jurisdiction_total(l.state(), today)
    );
    assert!(has(
        &a,
        "注意：全区编制总量增加：事业编制由 14 名增至 16 名，须在上级核定的总量内解决"
    ));
    assert!(has(&a, "按现有台账试算，拟变更可以办理"));
    assert!(a.needs_attention());
    // Stored as JSON with the case.
    let json = serde_json::to_string(&a).unwrap();
    assert_eq!(serde_json::from_str::<Assessment>(&json).unwrap(), a);
    // Stale once a matter is recorded.
    let mut l2 = l.clone();
    submit(
        &mut l2,
        matter(
            "盐编〔2024〕9号",
            "2024-07-01",
            vec![increase(SECOND, "事业编制", 1)],
        ),
    )
    .unwrap();
    assert!(!a.is_current(l2.next_seq()));
}

#[test]
fn moves_inside_the_jurisdiction_keep_its_total() {
    let l = staffed();
    let a = run(
        &l,
        vec![Op::TransferQuota {
            from: unit(SECOND),
            to: unit(SCHOOL),
            qtype: cat("事业编制"),
            funding: cat("全额拨款"),
            count: 2,
        }],
        Some(SCHOOL),
        "2024-06-05",
    );
    assert!(a.totals.iter().all(|t| t.after == Some(t.before)));
    assert!(has(&a, "全区编制总量不增加（在总量内调剂）"));
    // A loan from the pool: the pool shrinks, the total stays.
    let a = run(
        &l,
        vec![Op::Lend {
            loan: None,
            account: acct(SECOND, "事业编制"),
            count: 2,
            due: Some(d("2025-09-01")),
            on_attrition: false,
        }],
        Some(SECOND),
        "2024-06-05",
    );
    assert!(a.totals.iter().all(|t| t.after == Some(t.before)));
    let p = &a.pool[0];
    assert_eq!(
        (p.qtype.as_str(), p.balance, p.lent, p.balance_after),
        ("事业编制", 3, 2, Some(1))
    );
}

#[test]
fn a_change_beyond_what_the_jurisdiction_holds_is_refused_in_the_dry_run() {
    let l = staffed();
    let before = l.state().clone();
    let a = run(
        &l,
        vec![Op::Lend {
            loan: None,
            account: acct(SECOND, "事业编制"),
            count: 10,
            due: Some(d("2025-09-01")),
            on_attrition: false,
        }],
        Some(SECOND),
        "2024-06-05",
    );
    let msg = "第 1 项操作（周转池借出）：周转池事业编制余额 3 名，不能调出 10 名";
    assert_eq!(a.dry_run, Err(msg.to_string()));
    assert!(has(&a, &format!("注意：按现有台账试算不能办理：{msg}")));
    assert!(a.totals.iter().all(|t| t.after.is_none()));
    assert_eq!(a.pool[0].balance_after, None);
    assert_eq!(*l.state(), before);
    // Moving more quota out of a unit than it has free.
    let a = run(
        &l,
        vec![Op::TransferQuota {
            from: unit(SCHOOL),
            to: unit(SECOND),
            qtype: cat("事业编制"),
            funding: cat("全额拨款"),
            count: 2,
        }],
        Some(SCHOOL),
        "2024-06-05",
    );
    let e = a.dry_run.unwrap_err();
    assert!(
        e.starts_with("第 1 项操作（划转编制）：盐都区实验小学"),
        "{e}"
    );
    // A backdated change is tried against every later matter.
    let dr = Draft {
        reason: "补登".into(),
        effective: d("2024-01-15"),
        ops: vec![Op::DecreaseQuota {
            account: acct(SCHOOL, "事业编制"),
            count: 2,
            allow_over: false,
        }],
    };
    let a = assess(
        &l,
        &dr,
        Some(uid(&l, SCHOOL)),
        d("2024-06-05"),
        Vec::new(),
        &AssessConfig::default(),
    );
    assert!(
        a.dry_run.as_ref().unwrap_err().starts_with("补登事项"),
        "{:?}",
        a.dry_run
    );
    let dr = Draft {
        ops: vec![increase(SCHOOL, "事业编制", 1)],
        ..dr
    };
    let a = assess(
        &l,
        &dr,
        None,
        d("2024-06-05"),
        Vec::new(),
        &AssessConfig::default(),
    );
    assert_eq!(a.dry_run, Ok(vec![]));
    assert_eq!(*l.state(), before);
}

#[test]
fn unit_limits_are_checked_for_a_new_unit() {
    let l = staffed();
    let new_bureau = vec![
        create("盐都区大数据管理局", UnitKind::GovDept, None),
        set_quota("盐都区大数据管理局", "行政编制", 5),
    ];
    let cfg = |n| AssessConfig {
        unit_limits: [("党政机构".to_string(), n), ("事业单位".to_string(), 2)]
            .into_iter()
            .collect(),
        ..AssessConfig::default()
    };
    let a = run_cfg(&l, new_bureau.clone(), None, "2024-06-05", &cfg(3));
    let lim: Vec<(&str, usize, usize, u32, bool)> = a
        .limits
        .iter()
        .map(|c| (c.group.as_str(), c.before, c.after, c.limit, c.ok))
        .collect();
    assert_eq!(
        lim,
        [("事业单位", 2, 2, 2, true), ("党政机构", 2, 3, 3, true)]
    );
    assert!(has(&a, "党政机构 3 个，未超过限额 3 个"));
    let a = run_cfg(&l, new_bureau.clone(), None, "2024-06-05", &cfg(2));
    assert!(!a.limits[1].ok);
    assert!(has(&a, "注意：党政机构 将为 3 个，超过机构限额 2 个"));
    // Similar units of the kind being set up.
    assert_eq!(a.similar.as_ref().unwrap().count, 2);
    // Counted from the operations when the dry run is refused.
    let mut failing = new_bureau;
    failing.push(increase("不存在的单位", "行政编制", 1));
    let a = run_cfg(&l, failing, None, "2024-06-05", &cfg(2));
    assert!(a.dry_run.is_err());
    assert_eq!(
        (a.limits[1].before, a.limits[1].after, a.limits[1].ok),
        (2, 3, false)
    );
    // A merger lowers the count of 事业单位.
    let a = run_cfg(
        &l,
        vec![Op::MergeUnit {
            unit: unit(SECOND),
            into: unit(SCHOOL),
        }],
        Some(SECOND),
        "2024-06-05",
        &cfg(3),
    );
    assert_eq!(a.dry_run, Ok(vec![]));
    assert_eq!((a.limits[0].before, a.limits[0].after), (2, 1));
}

#[test]
fn second_names_are_counted() {
    let l = staffed();
    let hang = |name: &str| Op::AddSecondName {
        unit: unit(BUREAU),
        name: name.into(),
    };
    let a = run(
        &l,
        vec![hang("盐都区教育督导室"), hang("盐都区招生考试中心")],
        Some(BUREAU),
        "2024-06-05",
    );
    let s = a.second_names.as_ref().unwrap();
    assert_eq!(
        (s.unit.as_str(), s.before, s.after, s.max, s.ok),
        (BUREAU, 1, 3, 3, true)
    );
    let a = run(
        &l,
        vec![
            hang("盐都区教育督导室"),
            hang("盐都区招生考试中心"),
            hang("盐都区教师发展中心"),
        ],
        Some(BUREAU),
        "2024-06-05",
    );
    let s = a.second_names.as_ref().unwrap();
    assert_eq!((s.after, s.ok), (4, false));
    assert!(has(&a, "注意：盐都区教育局 挂牌将达 4 块，超过 3 块"));
    // No 挂牌 operation, no check.
    let a = run(
        &l,
        vec![increase(SCHOOL, "事业编制", 1)],
        Some(BUREAU),
        "2024-06-05",
    );
    assert!(a.second_names.is_none());
}

#[test]
fn new_names_follow_the_naming_rules() {
    let l = staffed();
    let a = run(
        &l,
        vec![
            create("盐都区大数据管理局", UnitKind::GovDept, None),
            create("盐都区数据资源", UnitKind::Institution, None),
            Op::RenameUnit {
                unit: unit(HEALTH),
                name: BUREAU.into(),
                short_name: None,
            },
            Op::AddSecondName {
                unit: unit(HEALTH),
                name: "盐都区语言文字工作委员会办公室".into(),
            },
        ],
        None,
        "2024-06-05",
    );
    let n: Vec<(&str, &str, bool)> = a
        .naming
        .iter()
        .map(|n| (n.name.as_str(), n.what.as_str(), n.ok))
        .collect();
    assert_eq!(
        n,
        [
            ("盐都区大数据管理局", "设立", true),
            ("盐都区数据资源", "设立", false),
            (BUREAU, "更名", false),
            ("盐都区语言文字工作委员会办公室", "挂牌", false),
        ]
    );
    assert!(a.naming[1].problems[0].starts_with("名称应以规范的机构称谓结尾（局、委"));
    assert_eq!(a.naming[2].problems, ["已有同名机构“盐都区教育局”"]);
    assert_eq!(
        a.naming[3].problems,
        ["“盐都区语言文字工作委员会办公室”已是 盐都区教育局 的牌子"]
    );
    assert!(has(&a, "名称“盐都区大数据管理局”符合命名规范"));
    let c = check_name(
        l.state(),
        "盐都区 教育 中心",
        "设立",
        &AssessConfig::default(),
    );
    assert_eq!(c.problems, ["名称中不应有空格"]);
}

#[test]
fn problems_posts_and_overdue_loans_show_in_the_verdict() {
    let l = over_posts();
    let dr = draft("2024-10-01", vec![increase(BUREAU, "行政编制", 1)]);
    let a = assess(
        &l,
        &dr,
        Some(uid(&l, BUREAU)),
        d("2024-09-02"),
        vec!["盐都区教育局 超编 1 人".into()],
        &AssessConfig::default(),
    );
    assert!(
        has(&a, "注意：盐都区教育局 超职数配备：单位领导副职超配 1 名"),
        "{:?}",
        a.verdict
    );
    assert!(has(&a, "注意：问题台账中有 1 个问题尚未销号"));
    assert!(has(&a, "注意：周转池事业编制有 1 笔借用逾期未还，共 2 名"));
    let p = &a.pool[0];
    assert_eq!(
        (p.balance, p.lent, p.overdue_loans, p.overdue_slots),
        (3, 2, 1, 2)
    );
}
