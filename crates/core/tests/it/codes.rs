//! Every refusal has a stable, unique snake_case code, listed in
//! `Violation::CODES`, and keeps its Chinese message.

use std::collections::BTreeSet;

use bianzhi_core::catalog::UnitKind;
use bianzhi_core::ident::{IdError, UsccError};
use bianzhi_core::*;

use crate::common::*;

/// One value of every variant. The `match` in [`variant_name`] is exhaustive:
/// a new variant does not compile until it is added there and here.
fn samples() -> Vec<Violation> {
    let s = String::new;
    let date = d("2024-01-01");
    vec![
        Violation::UnknownUnit(s()),
        Violation::UnitAbolished {
            name: s(),
            on: date,
        },
        Violation::DuplicateUnitName(s()),
        Violation::UnknownQuotaType(s()),
        Violation::UnknownFunding(s()),
        Violation::DuplicateQuotaType(s()),
        Violation::UnknownPerson(s()),
        Violation::UnknownPlanLine(0),
        Violation::UnknownBody { unit: s(), body: 0 },
        Violation::ClassForbidden {
            unit: s(),
            kind: s(),
            qtype: s(),
        },
        Violation::ClassMixed {
            unit: s(),
            existing: s(),
            qtype: s(),
        },
        Violation::NoVacancy {
            unit: s(),
            account: s(),
            available: 0,
            requested: 1,
            action: "入编",
        },
        Violation::Digesting {
            unit: s(),
            account: s(),
            over: 1,
        },
        Violation::PlanUnusable {
            unit: s(),
            year: 2024,
            qtype: s(),
            line: 0,
            detail: s(),
        },
        Violation::Negative {
            unit: s(),
            account: s(),
            field: "核定",
            value: -1,
        },
        Violation::BelowUsage {
            unit: s(),
            account: s(),
            approved_after: 0,
            used: 1,
        },
        Violation::PostsExceeded {
            unit: s(),
            post: s(),
            approved: 0,
            filled: 1,
        },
        Violation::PersonState {
            name: s(),
            id: s(),
            status: "在编",
            action: "报到",
        },
        Violation::AlreadyEnrolled { id: s(), unit: s() },
        Violation::AlreadyFiled { id: s(), unit: s() },
        Violation::NotHoldingPost {
            name: s(),
            unit: s(),
            post: s(),
        },
        Violation::UnitNotEmpty {
            unit: s(),
            what: s(),
        },
        Violation::CyclicParent { unit: s() },
        Violation::PoolShort {
            qtype: s(),
            balance: 0,
            requested: 1,
        },
        Violation::StaffCapExceeded {
            unit: s(),
            cap: 0,
            enrolled: 0,
            filed: 1,
        },
        Violation::DuplicateBodyName {
            unit: s(),
            name: s(),
        },
        Violation::UnknownSecondName {
            unit: s(),
            name: s(),
        },
        Violation::DuplicateCreditCode {
            code: s(),
            unit: s(),
        },
        Violation::CategoryNotInstitution { unit: s() },
        Violation::MergeIntoSelf { unit: s() },
        Violation::TransferSameUnit { unit: s() },
        Violation::PlanYearOutOfRange {
            year: 2020,
            current: 2024,
        },
        Violation::BodyPostWithoutBody,
        Violation::UnknownLoan(0),
        Violation::LoanDueTooEarly {
            due: date,
            effective: date,
        },
        Violation::LoanWithoutTerm,
        Violation::ReturnExceedsLoan {
            loan: 0,
            doc: s(),
            outstanding: 0,
            requested: 1,
        },
        Violation::BridgeSameUnit { unit: s() },
        Violation::BridgeNotNeeded {
            unit: s(),
            account: s(),
            available: 1,
        },
        Violation::BridgeDeadlineTooEarly {
            deadline: date,
            effective: date,
        },
        Violation::BridgeTypeMismatch { from: s(), to: s() },
        Violation::TranchesMissing,
        Violation::TrancheNotPositive { count: 0 },
        Violation::TranchesNotIncreasing,
        Violation::NoStaffCap { unit: s() },
        Violation::DirectedEnrolOtherUnit { from: s(), to: s() },
        Violation::SectorTotalExceeded {
            sector: s(),
            qtype: s(),
            total: 9,
            doc: s(),
            approved: 10,
            added: 1,
        },
        Violation::SectorTotalBelowApproved {
            sector: s(),
            qtype: s(),
            total: 8,
            approved: 9,
        },
        InputError::BadIdNumber(IdError::Empty).into(),
        InputError::BadCreditCode(UsccError::Empty).into(),
        InputError::EmptyName { what: "姓名" }.into(),
        InputError::CountNotPositive(0).into(),
        InputError::NegativeQuota(-1).into(),
        InputError::NegativePosts(-1).into(),
        InputError::NegativeStaffCap(-1).into(),
        InputError::IdTaken {
            what: "机构",
            id: 0,
        }
        .into(),
        InputError::PlanLineTaken(0).into(),
        InputError::PersonIdMismatch(0).into(),
        InputError::UnknownCode(
            bianzhi_core::codes::ETHNICITY
                .canonical("火星族")
                .unwrap_err(),
        )
        .into(),
        Violation::Internal("借用未编号"),
    ]
}

/// The variant's name; exhaustive on purpose (see [`samples`]).
fn variant_name(v: &Violation) -> &'static str {
    match v {
        Violation::UnknownUnit(_) => "UnknownUnit",
        Violation::UnitAbolished { .. } => "UnitAbolished",
        Violation::DuplicateUnitName(_) => "DuplicateUnitName",
        Violation::UnknownQuotaType(_) => "UnknownQuotaType",
        Violation::UnknownFunding(_) => "UnknownFunding",
        Violation::DuplicateQuotaType(_) => "DuplicateQuotaType",
        Violation::UnknownPerson(_) => "UnknownPerson",
        Violation::UnknownPlanLine(_) => "UnknownPlanLine",
        Violation::UnknownBody { .. } => "UnknownBody",
        Violation::ClassForbidden { .. } => "ClassForbidden",
        Violation::ClassMixed { .. } => "ClassMixed",
        Violation::NoVacancy { .. } => "NoVacancy",
        Violation::Digesting { .. } => "Digesting",
        Violation::PlanUnusable { .. } => "PlanUnusable",
        Violation::Negative { .. } => "Negative",
        Violation::BelowUsage { .. } => "BelowUsage",
        Violation::PostsExceeded { .. } => "PostsExceeded",
        Violation::PersonState { .. } => "PersonState",
        Violation::AlreadyEnrolled { .. } => "AlreadyEnrolled",
        Violation::AlreadyFiled { .. } => "AlreadyFiled",
        Violation::NotHoldingPost { .. } => "NotHoldingPost",
        Violation::UnitNotEmpty { .. } => "UnitNotEmpty",
        Violation::CyclicParent { .. } => "CyclicParent",
        Violation::PoolShort { .. } => "PoolShort",
        Violation::StaffCapExceeded { .. } => "StaffCapExceeded",
        Violation::DuplicateBodyName { .. } => "DuplicateBodyName",
        Violation::UnknownSecondName { .. } => "UnknownSecondName",
        Violation::DuplicateCreditCode { .. } => "DuplicateCreditCode",
        Violation::CategoryNotInstitution { .. } => "CategoryNotInstitution",
        Violation::MergeIntoSelf { .. } => "MergeIntoSelf",
        Violation::TransferSameUnit { .. } => "TransferSameUnit",
        Violation::PlanYearOutOfRange { .. } => "PlanYearOutOfRange",
        Violation::BodyPostWithoutBody => "BodyPostWithoutBody",
        Violation::UnknownLoan(_) => "UnknownLoan",
        Violation::LoanDueTooEarly { .. } => "LoanDueTooEarly",
        Violation::LoanWithoutTerm => "LoanWithoutTerm",
        Violation::ReturnExceedsLoan { .. } => "ReturnExceedsLoan",
        Violation::BridgeSameUnit { .. } => "BridgeSameUnit",
        Violation::BridgeNotNeeded { .. } => "BridgeNotNeeded",
        Violation::BridgeDeadlineTooEarly { .. } => "BridgeDeadlineTooEarly",
        Violation::BridgeTypeMismatch { .. } => "BridgeTypeMismatch",
        Violation::TranchesMissing => "TranchesMissing",
        Violation::TrancheNotPositive { .. } => "TrancheNotPositive",
        Violation::TranchesNotIncreasing => "TranchesNotIncreasing",
        Violation::NoStaffCap { .. } => "NoStaffCap",
        Violation::DirectedEnrolOtherUnit { .. } => "DirectedEnrolOtherUnit",
        Violation::SectorTotalExceeded { .. } => "SectorTotalExceeded",
        Violation::SectorTotalBelowApproved { .. } => "SectorTotalBelowApproved",
        Violation::Input(e) => match e {
            InputError::BadIdNumber(_) => "Input::BadIdNumber",
            InputError::BadCreditCode(_) => "Input::BadCreditCode",
            InputError::EmptyName { .. } => "Input::EmptyName",
            InputError::CountNotPositive(_) => "Input::CountNotPositive",
            InputError::NegativeQuota(_) => "Input::NegativeQuota",
            InputError::NegativePosts(_) => "Input::NegativePosts",
            InputError::NegativeStaffCap(_) => "Input::NegativeStaffCap",
            InputError::IdTaken { .. } => "Input::IdTaken",
            InputError::PlanLineTaken(_) => "Input::PlanLineTaken",
            InputError::PersonIdMismatch(_) => "Input::PersonIdMismatch",
            InputError::UnknownCode(_) => "Input::UnknownCode",
        },
        Violation::Internal(_) => "Internal",
    }
}

fn is_snake_case(s: &str) -> bool {
    !s.is_empty()
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && !s.ends_with('_')
        && !s.contains("__")
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
}

#[test]
fn codes_are_unique_snake_case_and_listed() {
    let listed: BTreeSet<&str> = Violation::CODES.iter().copied().collect();
    assert_eq!(listed.len(), Violation::CODES.len(), "CODES has duplicates");
    for c in Violation::CODES {
        assert!(is_snake_case(c), "{c} is not snake_case");
    }
    let samples = samples();
    let mut names = BTreeSet::new();
    let mut produced = BTreeSet::new();
    for v in &samples {
        assert!(names.insert(variant_name(v)), "{} twice", variant_name(v));
        assert!(
            produced.insert(v.code()),
            "{} shares code {} with another variant",
            variant_name(v),
            v.code()
        );
        assert!(listed.contains(v.code()), "{} not in CODES", v.code());
        assert!(!v.to_string().is_empty());
    }
    assert_eq!(produced, listed, "CODES lists a code no variant has");
    assert!(!listed.contains("invalid_matter"));
}

#[test]
fn the_codes_clients_already_use_are_kept() {
    for c in [
        "unknown_unit",
        "unit_abolished",
        "duplicate_unit_name",
        "unknown_quota_type",
        "unknown_funding",
        "duplicate_quota_type",
        "unknown_person",
        "unknown_plan_line",
        "unknown_body",
        "class_forbidden",
        "class_mixed",
        "no_vacancy",
        "digesting",
        "plan_unusable",
        "negative",
        "below_usage",
        "posts_exceeded",
        "person_state",
        "already_enrolled",
        "not_holding_post",
        "unit_not_empty",
        "cyclic_parent",
        "pool_short",
        "staff_cap_exceeded",
    ] {
        assert!(Violation::CODES.contains(&c), "{c}");
    }
}

#[test]
fn matter_error_codes() {
    let all: Vec<&str> = MatterError::codes().collect();
    let set: BTreeSet<&str> = all.iter().copied().collect();
    assert_eq!(set.len(), all.len());
    assert_eq!(MatterError::Empty.code(), "empty_matter");
    let v = Violation::MergeIntoSelf { unit: "甲".into() };
    let op = MatterError::Op {
        op: 1,
        label: "合并",
        violation: v.clone(),
    };
    assert_eq!(op.code(), "merge_into_self");
    assert_eq!(MatterError::Final(v).code(), "merge_into_self");
    let back = MatterError::Backdated {
        effective: d("2024-01-01"),
        broken_on: d("2024-02-01"),
        doc: "盐编〔2024〕2号".into(),
        cause: Box::new(op),
    };
    assert_eq!(back.code(), "merge_into_self");
    for e in [MatterError::Empty, back] {
        assert!(set.contains(e.code()));
    }
}

/// The messages of the rules that used to be free text are unchanged.
#[test]
fn messages_name_unit_type_and_numbers_as_before() {
    let cases: Vec<(Violation, &str)> = vec![
        (
            Violation::ReturnExceedsLoan {
                loan: 3,
                doc: "盐编〔2024〕5号".into(),
                outstanding: 2,
                requested: 4,
            },
            "周转编制借用 #3（盐编〔2024〕5号）未还 2 名，不能归还 4 名",
        ),
        (
            Violation::BridgeNotNeeded {
                unit: "甲".into(),
                account: "事业编制(全额拨款)".into(),
                available: 2,
            },
            "甲 事业编制(全额拨款) 有可用空编 2 名，应按一般调动办理，无需过桥",
        ),
        (
            Violation::BridgeTypeMismatch {
                from: "行政编制".into(),
                to: "事业编制".into(),
            },
            "带编调动须为同一编制类型：原单位为行政编制，调入单位为事业编制",
        ),
        (
            Violation::PlanYearOutOfRange {
                year: 2022,
                current: 2024,
            },
            "用编计划年度 2022 须为事项生效年度 2024 或次年",
        ),
        (
            InputError::IdTaken {
                what: "周转编制借用",
                id: 7,
            }
            .into(),
            "周转编制借用编号 7 已被使用",
        ),
        (
            InputError::IdTaken {
                what: "内设机构",
                id: 7,
            }
            .into(),
            "内设机构编号 7 已被使用",
        ),
        (
            InputError::CountNotPositive(0).into(),
            "人数须为正整数，实际为 0",
        ),
        (
            InputError::EmptyName {
                what: "牌子名称"
            }
            .into(),
            "牌子名称不能为空",
        ),
        (
            InputError::BadIdNumber(IdError::Length { len: 5 }).into(),
            "身份证号长度应为18位（或15位旧号码），实际为 5 位",
        ),
        (
            Violation::DirectedEnrolOtherUnit {
                from: "甲".into(),
                to: "乙".into(),
            },
            "定向入编须在本单位：甲 的备案人员不能入编到 乙",
        ),
    ];
    for (v, msg) in cases {
        assert_eq!(v.to_string(), msg);
    }
}

fn refused_code(l: &mut Ledger, m: Matter) -> &'static str {
    refused(l, m).code()
}

#[test]
fn former_free_text_refusals_have_codes_end_to_end() {
    let mut l = fixture();
    let m = |ops| matter("盐编〔2024〕2号", "2024-03-01", ops);
    assert_eq!(
        refused_code(
            &mut l,
            m(vec![Op::MergeUnit {
                unit: unit(SCHOOL),
                into: unit(SCHOOL),
            }])
        ),
        "merge_into_self"
    );
    assert_eq!(
        refused_code(
            &mut l,
            m(vec![Op::TransferQuota {
                from: unit(SCHOOL),
                to: unit(SCHOOL),
                qtype: cat("事业编制"),
                funding: cat("全额拨款"),
                count: 1,
            }])
        ),
        "transfer_same_unit"
    );
    assert_eq!(
        refused_code(&mut l, m(vec![create("  ", UnitKind::Institution, None)])),
        "empty_name"
    );
    assert_eq!(
        refused_code(
            &mut l,
            m(vec![Op::Onboard {
                person: PersonRef::IdNumber("12345".into()),
            }])
        ),
        "bad_id_number"
    );
    assert_eq!(
        refused_code(&mut l, m(vec![set_quota(SCHOOL, "事业编制", -1)])),
        "negative_quota"
    );
    assert_eq!(
        refused_code(
            &mut l,
            m(vec![Op::IncreaseQuota {
                account: acct(SCHOOL, "事业编制"),
                count: 0,
            }])
        ),
        "count_not_positive"
    );
    assert_eq!(
        refused_code(&mut l, m(vec![plan(SCHOOL, 2022, 1)])),
        "plan_year_out_of_range"
    );
}

#[test]
fn a_state_refuses_an_earlier_date_as_out_of_order() {
    let l = fixture();
    let mut st = l.state().clone();
    let m = matter(
        "盐编〔2023〕9号",
        "2023-06-01",
        vec![set_quota(SCHOOL, "事业编制", 4)],
    );
    let e = st
        .apply(99, &m)
        .expect_err("earlier than the latest matter");
    assert_eq!(e.code(), "out_of_order");
    assert_eq!(
        e.to_string(),
        "生效日期 2023-06-01 早于已登记事项的生效日期 2024-01-02，须按补登事项办理"
    );
}

/// A person named by a 身份证号 the ledger does not hold: the refusal names
/// them by the masked number only (refusals are shown and logged).
#[test]
fn an_unknown_person_is_named_by_the_masked_number() {
    let mut l = fixture();
    let e = submit(
        &mut l,
        matter(
            "盐编〔2024〕90号",
            "2024-06-01",
            vec![Op::Onboard { person: pref(321) }],
        ),
    )
    .unwrap_err();
    assert_eq!(e.code(), "unknown_person");
    let text = e.to_string();
    assert!(!text.contains(idn(321).as_str()), "{text}");
    assert!(text.contains(&idn(321).mask()), "{text}");
}
