//! The stages of a case: order, roles, refusals that change nothing, returns
//! and resubmissions, and what belongs in a case.

use bianzhi_casework::assess::{assess, AssessConfig};
use bianzhi_casework::*;
use bianzhi_core::catalog::{LeaveReason, PostKind, UnitKind};
use bianzhi_core::Op;

use crate::common::*;

fn assessment(l: &bianzhi_core::Ledger, c: &Case) -> Assessment {
    assess(
        l,
        &c.draft,
        c.unit,
        d("2024-06-05"),
        Vec::new(),
        &AssessConfig::default(),
    )
}

fn opinion() -> Action {
    Action::Opinion {
        dept: "区财政局".into(),
        text: "同意，经费由区财政保障".into(),
    }
}

/// Refused with `msg`, and the case is exactly as before.
fn refused(c: &mut Case, actor: &Actor, action: Action, msg: &str) {
    let before = c.clone();
    let e = c
        .act(actor, "某人", action, at("2024-06-10"))
        .expect_err("refused");
    assert_eq!(e.to_string(), msg);
    assert_eq!(*c, before, "a refused action changed the case");
}

/// Walks a case to 审议决定.
fn to_decision(l: &bianzhi_core::Ledger) -> Case {
    let mut c = bureau_case(l);
    c.act(&clerk(l), "教育局张经办", Action::Submit, at("2024-06-04"))
        .unwrap();
    c.act(&OFFICE, "编办李经办", opinion(), at("2024-06-05"))
        .unwrap();
    let a = assessment(l, &c);
    c.act(
        &OFFICE,
        "编办李经办",
        Action::SetAssessment(a),
        at("2024-06-05"),
    )
    .unwrap();
    c.act(
        &OFFICE,
        "编办李经办",
        Action::SendToDecision,
        at("2024-06-06"),
    )
    .unwrap();
    c
}

#[test]
fn a_case_walks_through_every_stage_with_the_right_roles() {
    let l = district();
    let mut c = bureau_case(&l);
    assert_eq!(c.stage, Stage::Proposal);
    assert_eq!(c.kind, CaseKind::Quota);
    assert_eq!(c.history.len(), 1);
    assert_eq!(c.history[0].action, "动议");
    c.act(
        &clerk(&l),
        "教育局张经办",
        Action::Attach(attachment("请示.pdf")),
        at("2024-06-03"),
    )
    .unwrap();
    c.act(&clerk(&l), "教育局张经办", Action::Submit, at("2024-06-04"))
        .unwrap();
    assert_eq!(
        (c.stage, c.stage_since),
        (Stage::Assessment, at("2024-06-04"))
    );
    c.act(&OFFICE, "编办李经办", opinion(), at("2024-06-05"))
        .unwrap();
    let a = assessment(&l, &c);
    assert!(a.is_current(l.next_seq()));
    c.act(
        &OFFICE,
        "编办李经办",
        Action::SetAssessment(a),
        at("2024-06-05"),
    )
    .unwrap();
    c.act(
        &OFFICE,
        "编办李经办",
        Action::Attach(attachment("论证报告.pdf")),
        at("2024-06-05"),
    )
    .unwrap();
    c.act(
        &OFFICE,
        "编办李经办",
        Action::SendToDecision,
        at("2024-06-06"),
    )
    .unwrap();
    assert_eq!(c.stage, Stage::Decision);
    c.act(
        &LEADER,
        "编办王主任",
        decide(true, "区编委会议"),
        at("2024-06-20"),
    )
    .unwrap();
    assert_eq!(c.stage, Stage::Implementation);
    let dec = c.decision.as_ref().unwrap();
    assert!(dec.approved);
    assert_eq!(
        (dec.by.as_str(), dec.doc_no.as_str()),
        ("编办王主任", "盐编〔2024〕21号")
    );
    c.act(
        &OFFICE,
        "编办李经办",
        Action::Implement {
            seq: 2,
            doc_no: "盐编〔2024〕21号".into(),
            effective: d("2024-09-01"),
            follow_up_due: Limits::default().follow_up_due(d("2024-09-01")),
        },
        at("2024-06-21"),
    )
    .unwrap();
    assert_eq!(c.stage, Stage::FollowUp);
    assert_eq!(c.implemented.as_ref().unwrap().seq, 2);
    assert_eq!(c.follow_up.as_ref().unwrap().due, d("2025-03-01"));
    c.act(
        &LEADER,
        "编办王主任",
        Action::Evaluate {
            findings: "新增编制已全部用于招聘教师，班额下降".into(),
            rating: "好".into(),
        },
        at("2025-03-02"),
    )
    .unwrap();
    assert_eq!(c.stage, Stage::Closed);
    let f = c.follow_up.as_ref().unwrap();
    assert_eq!(f.rating.as_deref(), Some("好"));
    assert_eq!(f.by.as_deref(), Some("编办王主任"));
    let actions: Vec<&str> = c.history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "动议",
            "上传附件",
            "提交论证",
            "提出意见",
            "事前评估",
            "上传附件",
            "提交审议",
            "审议通过",
            "组织实施",
            "跟踪问效"
        ]
    );
    let stages: Vec<(Stage, Stage)> = c.history.iter().map(|e| (e.from, e.to)).collect();
    assert_eq!(stages[2], (Stage::Proposal, Stage::Assessment));
    assert_eq!(stages[9], (Stage::FollowUp, Stage::Closed));
    // Attachments know their stage and uploader; the matter gets their digests.
    assert_eq!(c.attachments[0].stage, Stage::Proposal);
    assert_eq!(c.attachments[1].stage, Stage::Assessment);
    assert_eq!(c.attachments[1].by, "编办李经办");
    assert_eq!(c.attachment_refs().len(), 2);
    // Nothing more happens to a closed case.
    refused(
        &mut c,
        &LEADER,
        Action::Attach(attachment("x.pdf")),
        "当前环节为“已办结”，不能执行“上传附件”",
    );
    // Stored as JSON and read back unchanged.
    let json = serde_json::to_string(&c).unwrap();
    let back: Case = serde_json::from_str(&json).unwrap();
    assert_eq!(back, c);
}

#[test]
fn a_stage_cannot_be_skipped() {
    let l = district();
    let mut c = bureau_case(&l);
    refused(
        &mut c,
        &LEADER,
        decide(true, "区编委会议"),
        "当前环节为“动议”，不能执行“审议决定”",
    );
    refused(
        &mut c,
        &OFFICE,
        Action::SendToDecision,
        "当前环节为“动议”，不能执行“提交审议”",
    );
    refused(
        &mut c,
        &OFFICE,
        opinion(),
        "当前环节为“动议”，不能执行“提出意见”",
    );
    refused(
        &mut c,
        &OFFICE,
        Action::Implement {
            seq: 2,
            doc_no: "盐编〔2024〕21号".into(),
            effective: d("2024-09-01"),
            follow_up_due: d("2025-03-01"),
        },
        "当前环节为“动议”，不能执行“组织实施”",
    );
    refused(
        &mut c,
        &OFFICE,
        Action::Evaluate {
            findings: "好".into(),
            rating: "好".into(),
        },
        "当前环节为“动议”，不能执行“跟踪问效”",
    );
    c.act(&clerk(&l), "教育局张经办", Action::Submit, at("2024-06-04"))
        .unwrap();
    refused(
        &mut c,
        &LEADER,
        decide(true, "区编委会议"),
        "当前环节为“论证”，不能执行“审议决定”",
    );
    refused(
        &mut c,
        &clerk(&l),
        Action::Submit,
        "当前环节为“论证”，不能执行“提交论证”",
    );
    refused(
        &mut c,
        &clerk(&l),
        Action::Withdraw,
        "当前环节为“论证”，不能执行“撤回”",
    );
    // 论证 needs an assessment and an opinion before 审议决定.
    refused(
        &mut c,
        &OFFICE,
        Action::SendToDecision,
        "尚未完成事前评估，不能提交审议决定",
    );
    let a = assessment(&l, &c);
    c.act(
        &OFFICE,
        "编办李经办",
        Action::SetAssessment(a),
        at("2024-06-05"),
    )
    .unwrap();
    refused(
        &mut c,
        &OFFICE,
        Action::SendToDecision,
        "尚未征求意见，不能提交审议决定",
    );
    let mut c = to_decision(&l);
    refused(
        &mut c,
        &OFFICE,
        Action::Implement {
            seq: 2,
            doc_no: "盐编〔2024〕21号".into(),
            effective: d("2024-09-01"),
            follow_up_due: d("2025-03-01"),
        },
        "当前环节为“审议决定”，不能执行“组织实施”",
    );
    c.act(
        &LEADER,
        "编办王主任",
        decide(true, "区编委会议"),
        at("2024-06-20"),
    )
    .unwrap();
    refused(
        &mut c,
        &OFFICE,
        Action::Evaluate {
            findings: "好".into(),
            rating: "好".into(),
        },
        "当前环节为“组织实施”，不能执行“跟踪问效”",
    );
}

#[test]
fn a_wrong_role_is_refused_and_changes_nothing() {
    let l = district();
    let mut c = bureau_case(&l);
    // Another unit's clerk, and the office, may not submit the bureau's case.
    let other = Actor::UnitClerk {
        scope: uid(&l, HEALTH),
    };
    refused(&mut c, &other, Action::Submit, "只有动议人可以提交论证");
    refused(&mut c, &OFFICE, Action::Submit, "只有动议人可以提交论证");
    refused(&mut c, &other, Action::Withdraw, "只有动议人可以撤回事项");
    refused(
        &mut c,
        &other,
        Action::Attach(attachment("x.pdf")),
        "只有动议人或编办可以上传附件",
    );
    c.act(&clerk(&l), "教育局张经办", Action::Submit, at("2024-06-04"))
        .unwrap();
    refused(
        &mut c,
        &clerk(&l),
        opinion(),
        "只有编办经办或编办领导可以提出论证意见",
    );
    refused(
        &mut c,
        &clerk(&l),
        Action::Attach(attachment("x.pdf")),
        "只有编办经办或编办领导可以在动议之后的环节上传附件",
    );
    refused(
        &mut c,
        &clerk(&l),
        Action::Return {
            comment: "自己退回".into(),
        },
        "只有编办经办或编办领导可以退回事项",
    );
    let mut c = to_decision(&l);
    refused(
        &mut c,
        &OFFICE,
        decide(true, "区编委会议"),
        "只有编办领导可以作出审议决定",
    );
    refused(
        &mut c,
        &clerk(&l),
        decide(true, "区编委会议"),
        "只有编办领导可以作出审议决定",
    );
    refused(
        &mut c,
        &OFFICE,
        Action::Return {
            comment: "补充材料".into(),
        },
        "只有编办领导可以在审议环节退回事项",
    );
    // Bad input by the right role changes nothing either.
    refused(
        &mut c,
        &LEADER,
        Action::Decide {
            approved: true,
            body: "区编委会议".into(),
            meeting: "同意".into(),
            doc_no: "第21号".into(),
            date: d("2024-06-20"),
        },
        "审议决定文号有误：文号“第21号”缺少用括号标注的四位年份（应写作 盐编〔2021〕12号）",
    );
    refused(
        &mut c,
        &LEADER,
        Action::Decide {
            approved: true,
            body: " ".into(),
            meeting: "同意".into(),
            doc_no: "盐编〔2024〕21号".into(),
            date: d("2024-06-20"),
        },
        "审议机构不能为空",
    );
    c.act(
        &LEADER,
        "编办王主任",
        decide(true, "区编委会议"),
        at("2024-06-20"),
    )
    .unwrap();
    refused(
        &mut c,
        &clerk(&l),
        Action::Implement {
            seq: 2,
            doc_no: "盐编〔2024〕21号".into(),
            effective: d("2024-09-01"),
            follow_up_due: d("2025-03-01"),
        },
        "只有编办经办或编办领导可以组织实施",
    );
    refused(
        &mut c,
        &OFFICE,
        Action::Implement {
            seq: 2,
            doc_no: "盐编〔2024〕21号".into(),
            effective: d("2024-09-01"),
            follow_up_due: d("2024-08-01"),
        },
        "跟踪问效期限 2024-08-01 不能早于生效日期 2024-09-01",
    );
    c.act(
        &OFFICE,
        "编办李经办",
        Action::Implement {
            seq: 2,
            doc_no: "盐编〔2024〕21号".into(),
            effective: d("2024-09-01"),
            follow_up_due: d("2025-03-01"),
        },
        at("2024-06-21"),
    )
    .unwrap();
    refused(
        &mut c,
        &clerk(&l),
        Action::Evaluate {
            findings: "很好".into(),
            rating: "好".into(),
        },
        "只有编办经办或编办领导可以进行跟踪问效评估",
    );
    refused(
        &mut c,
        &OFFICE,
        Action::Evaluate {
            findings: "".into(),
            rating: "好".into(),
        },
        "评估结论不能为空",
    );
    refused(
        &mut c,
        &OFFICE,
        Action::Evaluate {
            findings: "效果明显".into(),
            rating: "优秀".into(),
        },
        "评价等次“优秀”无效：应为 好、较好、一般 或 差",
    );
}

#[test]
fn a_returned_case_is_revised_resubmitted_and_keeps_its_whole_history() {
    let l = district();
    let mut c = to_decision(&l);
    refused(
        &mut c,
        &LEADER,
        Action::Return {
            comment: "  ".into(),
        },
        "退回理由不能为空",
    );
    c.act(
        &LEADER,
        "编办王主任",
        Action::Return {
            comment: "核增数量依据不足，请补充学位测算".into(),
        },
        at("2024-06-12"),
    )
    .unwrap();
    assert_eq!(
        (c.stage, c.stage_since),
        (Stage::Proposal, at("2024-06-12"))
    );
    assert!(
        c.assessment.is_some(),
        "the old assessment is kept until revised"
    );
    // Only the proposer side revises, only in 动议.
    let e = c
        .revise(
            &OFFICE,
            "编办李经办",
            "x",
            "y",
            draft("2024-09-01", vec![increase(SCHOOL, "事业编制", 1)]),
            at("2024-06-13"),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "只有动议人可以修改动议");
    c.revise(
        &clerk(&l),
        "教育局张经办",
        "实验小学核增事业编制（修改）",
        "新校区启用，学位增加 300 个，按师生比测算需教师 1 名",
        draft("2024-09-01", vec![increase(SCHOOL, "事业编制", 1)]),
        at("2024-06-13"),
    )
    .unwrap();
    assert!(
        c.assessment.is_none(),
        "the assessment was for the old draft"
    );
    assert_eq!(c.title, "实验小学核增事业编制（修改）");
    c.act(&clerk(&l), "教育局张经办", Action::Submit, at("2024-06-14"))
        .unwrap();
    // The opinion given before the return still counts; a new assessment is needed.
    refused(
        &mut c,
        &OFFICE,
        Action::SendToDecision,
        "尚未完成事前评估，不能提交审议决定",
    );
    let a = assessment(&l, &c);
    c.act(
        &OFFICE,
        "编办李经办",
        Action::SetAssessment(a),
        at("2024-06-15"),
    )
    .unwrap();
    // Returned again from 论证, by the office clerk this time.
    c.act(
        &OFFICE,
        "编办李经办",
        Action::Return {
            comment: "请附学位测算表".into(),
        },
        at("2024-06-16"),
    )
    .unwrap();
    c.act(&clerk(&l), "教育局张经办", Action::Submit, at("2024-06-17"))
        .unwrap();
    let log: Vec<(&str, Stage, Stage)> = c
        .history
        .iter()
        .map(|e| (e.action.as_str(), e.from, e.to))
        .collect();
    use Stage::*;
    assert_eq!(
        log,
        [
            ("动议", Proposal, Proposal),
            ("提交论证", Proposal, Assessment),
            ("提出意见", Assessment, Assessment),
            ("事前评估", Assessment, Assessment),
            ("提交审议", Assessment, Decision),
            ("退回", Decision, Proposal),
            ("修改动议", Proposal, Proposal),
            ("提交论证", Proposal, Assessment),
            ("事前评估", Assessment, Assessment),
            ("退回", Assessment, Proposal),
            ("提交论证", Proposal, Assessment),
        ]
    );
    assert_eq!(c.history[5].comment, "核增数量依据不足，请补充学位测算");
    assert_eq!(c.history[5].actor, "编办王主任");
    // Revising outside 动议 is refused.
    let e = c
        .revise(
            &clerk(&l),
            "教育局张经办",
            "x",
            "y",
            draft("2024-09-01", vec![increase(SCHOOL, "事业编制", 1)]),
            at("2024-06-18"),
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "当前环节为“论证”，不能执行“修改动议”");
}

#[test]
fn withdraw_and_reject_end_a_case() {
    let l = district();
    let mut c = bureau_case(&l);
    c.act(
        &clerk(&l),
        "教育局张经办",
        Action::Withdraw,
        at("2024-06-04"),
    )
    .unwrap();
    assert_eq!(c.stage, Stage::Withdrawn);
    assert!(!c.stage.is_open());
    refused(
        &mut c,
        &clerk(&l),
        Action::Submit,
        "当前环节为“已撤回”，不能执行“提交论证”",
    );

    let mut c = to_decision(&l);
    // A refusal needs no 文号.
    c.act(
        &LEADER,
        "编办王主任",
        Action::Decide {
            approved: false,
            body: "区编委会议".into(),
            meeting: "全区事业编制总量已满，不予核增".into(),
            doc_no: String::new(),
            date: d("2024-06-20"),
        },
        at("2024-06-20"),
    )
    .unwrap();
    assert_eq!(c.stage, Stage::Rejected);
    assert_eq!(c.history.last().unwrap().action, "不予通过");
    refused(
        &mut c,
        &OFFICE,
        Action::Implement {
            seq: 2,
            doc_no: "盐编〔2024〕21号".into(),
            effective: d("2024-09-01"),
            follow_up_due: d("2025-03-01"),
        },
        "当前环节为“不予通过”，不能执行“组织实施”",
    );
}

#[test]
fn the_office_proposes_and_submits_its_own_case() {
    let l = district();
    let mut c = Case::propose(
        "区卫健委核减行政编制",
        "职能划出",
        draft(
            "2024-09-01",
            vec![Op::DecreaseQuota {
                account: acct(HEALTH, "行政编制"),
                count: 1,
                allow_over: false,
            }],
        ),
        Some(uid(&l, HEALTH)),
        HEALTH,
        "编办李经办",
        None,
        false,
        at("2024-06-03"),
    )
    .unwrap();
    refused(
        &mut c,
        &Actor::UnitClerk {
            scope: uid(&l, HEALTH),
        },
        Action::Submit,
        "只有动议人可以提交论证",
    );
    c.act(&OFFICE, "编办李经办", Action::Submit, at("2024-06-04"))
        .unwrap();
    assert_eq!(c.stage, Stage::Assessment);
}

#[test]
fn a_clerk_of_a_parent_unit_acts_through_its_subtree() {
    let l = district();
    let school = uid(&l, SCHOOL);
    let bureau = uid(&l, BUREAU);
    // Proposed by the school's own clerk.
    let mut c = Case::propose(
        "实验小学核增事业编制",
        "学位紧张",
        draft("2024-09-01", vec![increase(SCHOOL, "事业编制", 1)]),
        Some(school),
        SCHOOL,
        "实验小学经办",
        Some(school),
        false,
        at("2024-06-03"),
    )
    .unwrap();
    let parent = Actor::UnitClerk { scope: bureau };
    // With the root alone, the bureau's clerk is not the proposer …
    refused(&mut c, &parent, Action::Submit, "只有动议人可以提交论证");
    // … with its subtree it is.
    let subtree = bianzhi_core::query::subtree(l.state(), bureau, d("2024-06-03"));
    c.act_scoped(
        &parent,
        "教育局张经办",
        Action::Submit,
        at("2024-06-04"),
        &|u| subtree.contains(&u),
    )
    .unwrap();
    assert_eq!(c.stage, Stage::Assessment);
}

#[test]
fn only_institutional_operations_belong_in_a_case() {
    let hire = hire(SCHOOL, 0, "王小明", 1);
    let e = draft("2024-09-01", vec![increase(SCHOOL, "事业编制", 1), hire])
        .check_institutional()
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "第 2 项操作“入编”不属于机构编制事项，应通过申请办理"
    );
    let leave = Op::Leave {
        person: pref(1),
        reason: LeaveReason::Retire,
    };
    let e = Case::propose(
        "退休",
        "到龄",
        draft("2024-09-01", vec![leave]),
        None,
        "",
        "某人",
        None,
        false,
        at("2024-06-03"),
    )
    .unwrap_err();
    assert_eq!(
        e.to_string(),
        "第 1 项操作“出编”不属于机构编制事项，应通过申请办理"
    );
    let appoint = appoint(1, PostKind::UnitChief, "局长");
    assert!(draft("2024-09-01", vec![appoint])
        .check_institutional()
        .is_err());
    let plan = plan(SCHOOL, 2024, 1);
    assert_eq!(
        draft("2024-09-01", vec![plan])
            .check_institutional()
            .unwrap_err()
            .to_string(),
        "第 1 项操作“下达用编计划”不属于机构编制事项，应通过用编计划办理"
    );
    assert_eq!(
        draft("2024-09-01", vec![])
            .check_institutional()
            .unwrap_err(),
        CaseError::EmptyDraft
    );
    // Institutional operations of every family pass.
    let ok = vec![
        create("盐都区大数据管理局", UnitKind::GovDept, None),
        Op::RenameUnit {
            unit: unit(HEALTH),
            name: "盐都区卫生健康局".into(),
            short_name: None,
        },
        Op::SetRank {
            unit: unit(BUREAU),
            rank: bianzhi_core::catalog::Rank::FullDivision,
        },
        Op::AddSecondName {
            unit: unit(BUREAU),
            name: "盐都区教育督导室".into(),
        },
        Op::AbolishUnit {
            unit: unit(SECOND),
            remap: None,
        },
        Op::TransferQuota {
            from: unit(SECOND),
            to: unit(SCHOOL),
            qtype: cat("事业编制"),
            funding: cat("全额拨款"),
            count: 1,
        },
        set_posts(BUREAU, PostKind::UnitDeputy, 3),
        Op::Lend {
            loan: None,
            account: acct(SCHOOL, "事业编制"),
            count: 1,
            due: Some(d("2025-09-01")),
            on_attrition: false,
        },
        Op::ReclaimUnitQuotas { unit: unit(SECOND) },
    ];
    assert!(draft("2024-09-01", ok).check_institutional().is_ok());
}

#[test]
fn the_kind_of_a_case_follows_its_operations() {
    let q = increase(SCHOOL, "事业编制", 1);
    assert_eq!(CaseKind::of(std::slice::from_ref(&q)), CaseKind::Quota);
    assert_eq!(
        CaseKind::of(&[
            create("盐都区大数据管理局", UnitKind::GovDept, None),
            set_quota("盐都区大数据管理局", "行政编制", 8),
        ]),
        CaseKind::Establish
    );
    assert_eq!(
        CaseKind::of(&[
            Op::AbolishUnit {
                unit: unit(SECOND),
                remap: None
            },
            Op::ReclaimUnitQuotas { unit: unit(SECOND) },
        ]),
        CaseKind::Abolish
    );
    assert_eq!(
        CaseKind::of(&[set_posts(BUREAU, PostKind::UnitDeputy, 3)]).label(),
        "领导职数调整"
    );
    assert_eq!(
        CaseKind::of(&[Op::AddSecondName {
            unit: unit(BUREAU),
            name: "x".into()
        }])
        .label(),
        "挂牌"
    );
    assert_eq!(
        CaseKind::of(&[q, set_posts(BUREAU, PostKind::UnitDeputy, 3)]),
        CaseKind::Mixed
    );
}

#[test]
fn town_and_street_matters_are_decided_by_the_upper_level() {
    let l = district();
    let st = l.state();
    let town = uid(&l, TOWN);
    let school_ops = vec![increase(SCHOOL, "事业编制", 1)];
    assert!(!decided_by_upper(st, &school_ops, Some(uid(&l, SCHOOL))));
    assert!(decided_by_upper(st, &school_ops, Some(town)));
    let town_ops = vec![increase(TOWN, "行政编制", 2)];
    assert!(decided_by_upper(st, &town_ops, None));
    let street = vec![create("盐都区潘黄街道", UnitKind::Subdistrict, None)];
    assert!(decided_by_upper(st, &street, None));
    let transfer = vec![Op::TransferQuota {
        from: unit(BUREAU),
        to: unit(TOWN),
        qtype: cat("行政编制"),
        funding: cat("全额拨款"),
        count: 1,
    }];
    assert!(decided_by_upper(st, &transfer, Some(uid(&l, BUREAU))));

    let mut c = Case::propose(
        "龙冈镇核增行政编制",
        "撤并村居后管理服务人口增加",
        draft("2024-09-01", town_ops.clone()),
        Some(town),
        TOWN,
        "编办李经办",
        None,
        decided_by_upper(st, &town_ops, Some(town)),
        at("2024-06-03"),
    )
    .unwrap();
    assert!(c.decided_by_upper);
    c.act(&OFFICE, "编办李经办", Action::Submit, at("2024-06-04"))
        .unwrap();
    c.act(&OFFICE, "编办李经办", opinion(), at("2024-06-05"))
        .unwrap();
    let a = assessment(&l, &c);
    c.act(
        &OFFICE,
        "编办李经办",
        Action::SetAssessment(a),
        at("2024-06-05"),
    )
    .unwrap();
    c.act(
        &OFFICE,
        "编办李经办",
        Action::SendToDecision,
        at("2024-06-06"),
    )
    .unwrap();
    refused(
        &mut c,
        &LEADER,
        decide(true, "区编委会议"),
        "镇、街道的机构编制事项由上级机构编制部门审批，审议机构应为上级编委（当前为“区编委会议”）",
    );
    c.act(
        &LEADER,
        "编办王主任",
        decide(true, "上级编委（盐城市编委）"),
        at("2024-06-20"),
    )
    .unwrap();
    assert_eq!(c.stage, Stage::Implementation);
}

#[test]
fn stage_codes_and_labels() {
    for s in Stage::ALL {
        assert_eq!(Stage::parse(s.code()), Some(s));
        assert_eq!(Stage::parse(s.label()), Some(s));
        let json = serde_json::to_string(&s).unwrap();
        assert_eq!(json, format!("\"{}\"", s.code()));
    }
    assert_eq!(Stage::FollowUp.label(), "跟踪问效");
    assert_eq!(Stage::parse("nope"), None);
    let a: Actor = serde_json::from_str(r#"{"role":"unit_clerk","scope":3}"#).unwrap();
    assert_eq!(
        a,
        Actor::UnitClerk {
            scope: bianzhi_core::UnitId(3)
        }
    );
    // Actions travel as JSON too (the web may queue or log them).
    let l = district();
    let c = bureau_case(&l);
    let actions = vec![
        Action::Submit,
        Action::Return {
            comment: "补充".into(),
        },
        decide(true, "区编委会议"),
        Action::Attach(attachment("a.pdf")),
        Action::SetAssessment(assessment(&l, &c)),
    ];
    for a in actions {
        let json = serde_json::to_string(&a).unwrap();
        assert_eq!(serde_json::from_str::<Action>(&json).unwrap(), a, "{json}");
    }
}
