//! The rules of 申请: who may take which action from which status, and
//! `prepare` (an application checked against the ledger and the applicant's
//! scope, built into operations).

use bianzhi_casework::application::{
    find_person_in_scope, find_unit_in_scope, prepare, ApplicationAction, ApplicationActor,
    ApplicationError, ApplicationInput, ApplicationKind, ApplicationStatus, UnitKey,
};
use bianzhi_core::Op;

use crate::common::*;

/// Each action, from each status: only the listed moves are allowed.
#[test]
fn actions_move_applications_only_from_their_statuses() {
    use ApplicationAction::*;
    use ApplicationStatus::*;
    let allowed = [
        (Return, Submitted, Returned),
        (Approve, Submitted, Approved),
        (Withdraw, Submitted, Withdrawn),
        (Withdraw, Returned, Withdrawn),
        (Resubmit, Returned, Submitted),
    ];
    for action in ApplicationAction::ALL {
        for status in ApplicationStatus::ALL {
            let expected = allowed
                .iter()
                .find(|(a, s, _)| *a == action && *s == status)
                .map(|(_, _, to)| *to);
            match (action.check(status), expected) {
                (Ok(to), Some(e)) => assert_eq!(to, e, "{action:?} from {status:?}"),
                (Err(ApplicationError::WrongStatus { .. }), None) => {}
                (got, want) => panic!("{action:?} from {status:?}: {got:?}, expected {want:?}"),
            }
        }
    }
    // An approved or withdrawn application is final.
    for s in [Approved, Withdrawn] {
        assert!(ApplicationAction::ALL.iter().all(|a| a.check(s).is_err()));
    }
    let e = Approve.check(Returned).unwrap_err();
    assert_eq!(e.code(), "invalid_state");
    assert_eq!(e.to_string(), "申请当前状态为“已退回”，不能批准");
}

#[test]
fn each_action_has_its_actor() {
    assert_eq!(ApplicationAction::Submit.actor(), ApplicationActor::Unit);
    assert_eq!(ApplicationAction::Withdraw.actor(), ApplicationActor::Unit);
    assert_eq!(ApplicationAction::Resubmit.actor(), ApplicationActor::Unit);
    assert_eq!(
        ApplicationAction::Return.actor(),
        ApplicationActor::Reviewer
    );
    assert_eq!(
        ApplicationAction::Approve.actor(),
        ApplicationActor::Approver
    );
}

#[test]
fn kinds_and_statuses_read_back_from_their_codes_and_labels() {
    for k in ApplicationKind::ALL {
        assert_eq!(ApplicationKind::parse(k.code()), Some(k));
        assert_eq!(ApplicationKind::parse(k.label()), Some(k));
    }
    for s in ApplicationStatus::ALL {
        assert_eq!(ApplicationStatus::parse(s.code()), Some(s));
    }
    assert_eq!(ApplicationStatus::Submitted.label(), "待审核");
    assert_eq!(ApplicationKind::Hire.label(), "入编");
}

/// An 入编 application: 周敏 (idn 401) into `unit`'s 事业编制 on plan line `line`.
fn hire_application(unit: &str, line: u32) -> ApplicationInput {
    ApplicationInput {
        kind: Some(ApplicationKind::Hire),
        unit: Some(UnitKey::Name(unit.into())),
        name: Some("周敏".into()),
        id_number: Some(idn(401).to_string()),
        qtype: Some("事业编制".into()),
        funding: Some("全额拨款".into()),
        plan_line: Some(line),
        identity: Some("事业人员".into()),
        ..Default::default()
    }
}

/// The district with a 用编计划 line for the school (its number returned).
fn with_plan() -> (bianzhi_core::Ledger, u32) {
    let mut l = district();
    submit(
        &mut l,
        matter("盐编〔2024〕2号", "2024-02-01", vec![plan(SCHOOL, 2024, 2)]),
    )
    .expect("plan");
    let line = l.state().plan_lines.iter().flatten().next().unwrap().id.0;
    (l, line)
}

#[test]
fn a_hire_is_built_into_one_hire_operation() {
    let (l, line) = with_plan();
    let st = l.state();
    let p = prepare(st, None, None, &hire_application(SCHOOL, line)).unwrap();
    assert_eq!(p.kind, ApplicationKind::Hire);
    assert_eq!(p.unit, uid(&l, SCHOOL));
    assert!(p.title.starts_with("入编：周敏"), "{}", p.title);
    assert!(matches!(p.ops.as_slice(), [Op::Hire { .. }]));
}

/// 民族, 政治面貌 and 学历 are taken by their code tables: a common spelling
/// becomes the canonical name, a blank is 汉族 / not known yet, an unknown
/// value is refused when the application is submitted.
#[test]
fn person_codes_are_canonical_or_refused() {
    let (l, line) = with_plan();
    let st = l.state();
    let details = |input: &ApplicationInput| match prepare(st, None, None, input) {
        Ok(p) => match p.ops.as_slice() {
            [Op::Hire { details, .. }] => Ok((
                details.ethnicity.to_string(),
                details.political.to_string(),
                details.education.to_string(),
            )),
            other => panic!("{other:?}"),
        },
        Err(e) => Err((e.code(), e.to_string())),
    };
    let mut a = hire_application(SCHOOL, line);
    assert_eq!(
        details(&a),
        Ok(("汉族".to_string(), String::new(), String::new()))
    );
    a.ethnicity = Some("回".into());
    a.political = Some("党员".into());
    a.education = Some("大专".into());
    assert_eq!(
        details(&a),
        Ok(("回族".into(), "中共党员".into(), "大学专科".into()))
    );
    a.education = Some("博士后".into());
    assert_eq!(
        details(&a),
        Err((
            "unknown_code",
            "学历“博士后”不在代码表（GB/T 4658-2006）中".into()
        ))
    );
}

#[test]
fn refusals_name_the_field_and_the_rule() {
    let (l, line) = with_plan();
    let st = l.state();
    let code = |input: &ApplicationInput| prepare(st, None, None, input).unwrap_err().code();
    assert_eq!(code(&ApplicationInput::default()), "missing_field");
    let mut no_name = hire_application(SCHOOL, line);
    no_name.name = None;
    let e = prepare(st, None, None, &no_name).unwrap_err();
    assert_eq!(e.code(), "missing_field");
    assert!(e.to_string().contains("姓名"), "{e}");
    let mut bad_id = hire_application(SCHOOL, line);
    bad_id.id_number = Some("320903198501010000".into());
    assert_eq!(code(&bad_id), "bad_id_number");
    let mut bad_type = hire_application(SCHOOL, line);
    bad_type.qtype = Some("不存在的编制".into());
    assert_eq!(code(&bad_type), "unknown_quota_type");
    // A plan line of another unit.
    assert_eq!(code(&hire_application(SECOND, line)), "unknown_plan_line");
    let mut no_unit = hire_application(SCHOOL, line);
    no_unit.unit = Some(UnitKey::Name("没有这个单位".into()));
    assert_eq!(code(&no_unit), "unknown_unit");
    let mut bad_date = hire_application(SCHOOL, line);
    bad_date.effective = Some("2024/03/01".into());
    assert_eq!(code(&bad_date), "bad_date");
}

#[test]
fn outside_the_scope_reads_as_not_existing() {
    let (l, line) = with_plan();
    let st = l.state();
    let scope = vec![uid(&l, SECOND)];
    let inside = prepare(st, Some(&scope), None, &hire_application(SCHOOL, line)).unwrap_err();
    let missing = find_unit_in_scope(st, None, &UnitKey::Name("没有这个单位".into())).unwrap_err();
    assert!(
        matches!(inside, ApplicationError::OutOfScope(_)),
        "{inside:?}"
    );
    assert_eq!(inside.code(), missing.code());
    assert_eq!(inside.to_string(), format!("机构“{SCHOOL}”不存在"));
    // A person of another unit, by 身份证号: the same answer as nobody.
    let err = find_person_in_scope(st, Some(&scope), idn(477).as_str()).unwrap_err();
    assert_eq!(err.code(), "unknown_person");
}

#[test]
fn transfers_and_corrections_check_their_own_rules() {
    let (mut l, line) = with_plan();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-01",
            vec![register(SCHOOL, "事业编制", "钱进", 31)],
        ),
    )
    .expect("register");
    let st = l.state();
    let school = uid(&l, SCHOOL);
    let person = idn(31).to_string();
    let same = ApplicationInput {
        kind: Some(ApplicationKind::Transfer),
        unit: Some(UnitKey::Id(school.0)),
        person: Some(person.clone()),
        to_unit: Some(UnitKey::Id(school.0)),
        qtype: Some("事业编制".into()),
        funding: Some("全额拨款".into()),
        plan_line: Some(line),
        ..Default::default()
    };
    assert_eq!(
        prepare(st, None, None, &same).unwrap_err().code(),
        "same_unit"
    );
    let nothing = ApplicationInput {
        kind: Some(ApplicationKind::Correct),
        unit: Some(UnitKey::Id(school.0)),
        person: Some(person.clone()),
        ..Default::default()
    };
    let e = prepare(st, None, None, &nothing).unwrap_err();
    assert_eq!(e.code(), "missing_field");
    // The person must be in the applying unit.
    let elsewhere = ApplicationInput {
        kind: Some(ApplicationKind::Leave),
        unit: Some(UnitKey::Name(SECOND.into())),
        person: Some(person),
        leave_reason: Some("退休".into()),
        ..Default::default()
    };
    assert_eq!(
        prepare(st, None, None, &elsewhere).unwrap_err().code(),
        "person_not_in_unit"
    );
}
