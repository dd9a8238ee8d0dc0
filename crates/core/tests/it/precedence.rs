//! Refusals by descending precedence, operation by operation (after
//! TigerBeetle's "errors by descending precedence"): for each operation a
//! valid instance, then one case per rule in the order the rules are checked
//! (names resolved when the matter is recorded first, then the operation's own
//! rules, then the rules checked once the matter is done). Each case breaks
//! exactly one rule and must be refused with that rule's code; breaking a rule
//! together with any later one must still report the earlier rule.

use bianzhi_core::catalog::{ControlMode, LeaveReason, PostKind, QuotaClass, Rank, UnitKind};
use bianzhi_core::model::Tranche;
use bianzhi_core::*;

use crate::common::*;

const HOSP: &str = "盐都区人民医院";
const OLD: &str = "盐都区档案馆";
const TOWN: &str = "盐都区大纵湖镇";
/// A 群团机关: may hold 行政编制 and 事业编制, not both.
const YOUTH: &str = "共青团盐都区委员会";
const NOWHERE: &str = "无此单位";
/// The abolished 档案馆, by id (by name it is unknown).
const OLD_ID: UnitId = UnitId(3);
const ANNEX: &str = "盐都区少年宫";

type Mutation = Box<dyn Fn(&mut Vec<Op>, &mut Op)>;

struct Case {
    code: &'static str,
    mutate: Mutation,
    /// Whether the case is also tried under each higher-precedence case. Off
    /// for cases that point the operation at another unit or account (the
    /// earlier rule may then not be broken there).
    combine: bool,
}

fn solo(c: Case) -> Case {
    Case {
        combine: false,
        ..c
    }
}

struct Spec {
    name: &'static str,
    /// Operations before the one under test, in the same matter.
    pre: Vec<Op>,
    op: Op,
    /// By descending precedence.
    cases: Vec<Case>,
}

/// `case!("code", |pre, op| …)`: a case breaking the rule with that code.
macro_rules! case {
    ($code:literal, |$pre:ident, $op:ident| $body:expr) => {
        Case {
            code: $code,
            mutate: Box::new(
                #[allow(unused_variables)]
                move |$pre: &mut Vec<Op>, $op: &mut Op| {
                    $body;
                },
            ),
            combine: true,
        }
    };
}

/// `set!(op, Variant.field = value)`.
macro_rules! set {
    ($op:expr, $v:ident . $f:ident = $val:expr) => {
        match $op {
            Op::$v { $f, .. } => *$f = $val,
            other => panic!("not {}: {other:?}", stringify!($v)),
        }
    };
}

fn lock(u: &str, n: i32) -> Op {
    Op::LockQuota {
        account: ed(u),
        count: n,
        purpose: String::new(),
    }
}

fn account_of(op: &mut Op) -> &mut AccountRef {
    match op {
        Op::SetQuota { account, .. }
        | Op::IncreaseQuota { account, .. }
        | Op::DecreaseQuota { account, .. }
        | Op::LockQuota { account, .. }
        | Op::UnlockQuota { account, .. }
        | Op::Hire { account, .. }
        | Op::RegisterExisting { account, .. }
        | Op::Reclaim { account, .. }
        | Op::Lend { account, .. }
        | Op::GrantPhased { account, .. }
        | Op::GrantDynamic { account, .. }
        | Op::DirectedEnrol { account, .. } => account,
        Op::Transfer { to, .. } | Op::BridgeTransfer { to, .. } => to,
        other => panic!("no account: {other:?}"),
    }
}

fn details_of(op: &mut Op) -> &mut model::PersonDetails {
    match op {
        Op::Hire { details, .. }
        | Op::RegisterExisting { details, .. }
        | Op::RegisterFiled { details, .. } => details,
        other => panic!("no details: {other:?}"),
    }
}

// Cases shared by many operations.
fn unknown_unit() -> Case {
    case!("unknown_unit", |pre, op| account_of(op).unit =
        unit(NOWHERE))
}
fn unknown_quota_type() -> Case {
    case!("unknown_quota_type", |pre, op| account_of(op).qtype =
        cat("无此类型"))
}
fn unknown_funding() -> Case {
    case!("unknown_funding", |pre, op| account_of(op).funding =
        cat("无此经费"))
}
fn abolished() -> Case {
    case!("unit_abolished", |pre, op| account_of(op).unit =
        UnitRef::Id(OLD_ID))
}
fn class_forbidden() -> Case {
    // 事业编制 in a 党政机关.
    solo(case!("class_forbidden", |pre, op| account_of(op).unit =
        unit(BUREAU)))
}
fn bad_person() -> Case {
    case!("bad_id_number", |pre, op| *op.person_mut() =
        PersonRef::IdNumber("12345".into()))
}
fn unknown_person() -> Case {
    case!("unknown_person", |pre, op| *op.person_mut() = pref(99))
}
fn person_state(n: u16) -> Case {
    case!("person_state", |pre, op| *op.person_mut() = pref(n))
}
fn not_positive() -> Case {
    case!("count_not_positive", |pre, op| *op.count_mut() = 0)
}
fn unit_field(op: &mut Op) -> &mut UnitRef {
    match op {
        Op::RenameUnit { unit, .. }
        | Op::SetSector { unit, .. }
        | Op::SetRank { unit, .. }
        | Op::UpdateUnit { unit, .. }
        | Op::AddSecondName { unit, .. }
        | Op::RemoveSecondName { unit, .. }
        | Op::AddBody { unit, .. }
        | Op::RemoveBody { unit, .. }
        | Op::MoveUnit { unit, .. }
        | Op::MergeUnit { unit, .. }
        | Op::AbolishUnit { unit, .. }
        | Op::SetControlMode { unit, .. }
        | Op::SetPosts { unit, .. }
        | Op::ApprovePlanLine { unit, .. }
        | Op::ReclaimUnitQuotas { unit }
        | Op::SetStaffCap { unit, .. }
        | Op::RegisterFiled { unit, .. } => unit,
        other => panic!("no unit: {other:?}"),
    }
}
fn unknown_unit_of() -> Case {
    case!("unknown_unit", |pre, op| *unit_field(op) = unit(NOWHERE))
}
fn abolished_unit() -> Case {
    case!("unit_abolished", |pre, op| *unit_field(op) =
        UnitRef::Id(OLD_ID))
}
fn empty_name() -> Case {
    case!("empty_name", |pre, op| details_of(op).name = " ".into())
}
fn already_enrolled() -> Case {
    case!("already_enrolled", |pre, op| details_of(op).id_number =
        idn(1))
}
fn already_filed() -> Case {
    case!("already_filed", |pre, op| details_of(op).id_number =
        idn(30))
}

/// The `person` / `count` field of whichever variant an operation is.
trait Fields {
    fn person_mut(&mut self) -> &mut PersonRef;
    fn count_mut(&mut self) -> &mut i32;
}

impl Fields for Op {
    fn person_mut(&mut self) -> &mut PersonRef {
        match self {
            Op::Onboard { person }
            | Op::WithdrawHire { person }
            | Op::Leave { person, .. }
            | Op::Transfer { person, .. }
            | Op::Appoint { person, .. }
            | Op::Remove { person, .. }
            | Op::CorrectPerson { person, .. }
            | Op::BridgeTransfer { person, .. }
            | Op::DirectedEnrol { person, .. } => person,
            other => panic!("no person: {other:?}"),
        }
    }
    fn count_mut(&mut self) -> &mut i32 {
        match self {
            Op::FundPool { count, .. }
            | Op::Reclaim { count, .. }
            | Op::Lend { count, .. }
            | Op::GrantDynamic { count, .. }
            | Op::SetQuota { count, .. }
            | Op::IncreaseQuota { count, .. }
            | Op::DecreaseQuota { count, .. }
            | Op::TransferQuota { count, .. }
            | Op::LockQuota { count, .. }
            | Op::UnlockQuota { count, .. }
            | Op::SetPosts { count, .. }
            | Op::ApprovePlanLine { count, .. } => count,
            other => panic!("no count: {other:?}"),
        }
    }
}

/// The common fixture plus: 人民医院 (事业编制 2, plan line 1, 人员控制总量 4,
/// one 备案 nurse, idn 30), the abolished 档案馆, 大纵湖镇 (行政编制 1, full:
/// idn 6), the 周转池 (事业 5, 行政 2), 教育局's 办公室 (body 1), 局长 1 (held
/// by idn 5) and 副局长 2, 实验小学 with 王芳 (idn 1, 在编), 李强 (idn 2,
/// 已批未报到), the 少年宫 sign and loan 0 (事业编制 1 until 2025).
/// 实验小学 then has 核定 3, 借入 1, 实有 1, 冻结 1: 可用空编 2.
fn base() -> State {
    let mut l = fixture();
    let ops = vec![
        create(HOSP, UnitKind::Institution, None),
        set_quota(HOSP, "事业编制", 2),
        plan(HOSP, 2024, 2),
        Op::SetStaffCap {
            unit: unit(HOSP),
            count: Some(4),
        },
        Op::RegisterFiled {
            person: None,
            unit: unit(HOSP),
            details: person("护士甲", 30),
        },
        create(OLD, UnitKind::Institution, None),
        create(TOWN, UnitKind::Town, None),
        set_quota(TOWN, "行政编制", 1),
        register(TOWN, "行政编制", "镇干部", 6),
        create(YOUTH, UnitKind::MassOrg, None),
        set_quota(YOUTH, "行政编制", 1),
        Op::FundPool {
            qtype: cat("事业编制"),
            count: 5,
        },
        Op::FundPool {
            qtype: cat("行政编制"),
            count: 2,
        },
        Op::AddBody {
            unit: unit(BUREAU),
            body: None,
            name: "办公室".into(),
        },
        set_posts(BUREAU, PostKind::UnitChief, 1),
        set_posts(BUREAU, PostKind::UnitDeputy, 2),
        register(BUREAU, "行政编制", "张伟", 5),
        hire(SCHOOL, 0, "王芳", 1),
        hire(SCHOOL, 0, "李强", 2),
        Op::AddSecondName {
            unit: unit(SCHOOL),
            name: ANNEX.into(),
        },
    ];
    submit(&mut l, matter("盐编〔2024〕2号", "2024-01-10", ops)).unwrap();
    let ops = vec![
        Op::Onboard { person: pref(1) },
        appoint(5, PostKind::UnitChief, "局长"),
        Op::AbolishUnit {
            unit: unit(OLD),
            remap: None,
        },
        Op::Lend {
            loan: None,
            account: ed(SCHOOL),
            count: 1,
            due: Some(d("2025-01-01")),
            on_attrition: false,
        },
    ];
    submit(&mut l, matter("盐编〔2024〕3号", "2024-01-20", ops)).unwrap();
    let st = l.state().clone();
    assert_eq!(st.unit_by_name.get(OLD), None);
    assert_eq!(st.unit(OLD_ID).map(|u| u.name.as_str()), Some(OLD));
    st.check_invariants().unwrap();
    st
}

/// Records `pre` + `op` as one matter on a copy of `base`.
fn attempt(base: &State, pre: &[Op], op: &Op) -> Result<(), MatterError> {
    let mut ops = pre.to_vec();
    ops.push(op.clone());
    let mut m = matter("盐编〔2024〕9号", "2024-03-01", ops);
    let mut st = base.clone();
    st.resolve(&mut m)?;
    let r = st.apply(99, &m).map(|_| ());
    if r.is_err() {
        assert_eq!(st, *base, "a refused matter changed the state");
    } else {
        st.check_invariants().unwrap();
    }
    r
}

fn run(base: &State, spec: Spec) {
    let name = spec.name;
    if let Err(e) = attempt(base, &spec.pre, &spec.op) {
        panic!("{name}: the valid operation is refused: {e}");
    }
    let mutated = |idx: &[usize]| {
        let (mut pre, mut op) = (spec.pre.clone(), spec.op.clone());
        for &i in idx {
            (spec.cases[i].mutate)(&mut pre, &mut op);
        }
        (pre, op)
    };
    for (i, case) in spec.cases.iter().enumerate() {
        let (pre, op) = mutated(&[i]);
        match attempt(base, &pre, &op) {
            Ok(()) => panic!("{name}: case {i} ({}) is accepted", case.code),
            Err(e) => assert_eq!(e.code(), case.code, "{name}: case {i}: {e}"),
        }
        // Together with any rule checked later, this one is still reported.
        for j in i + 1..spec.cases.len() {
            if !spec.cases[j].combine {
                continue;
            }
            let (pre, op) = mutated(&[j, i]);
            match attempt(base, &pre, &op) {
                Ok(()) => panic!("{name}: cases {j} + {i} are accepted"),
                Err(e) => assert_eq!(
                    e.code(),
                    case.code,
                    "{name}: case {i} ({}) with case {j} ({}): {e}",
                    case.code,
                    spec.cases[j].code
                ),
            }
        }
    }
}

fn specs() -> Vec<Spec> {
    let when = |s: &str| d(s);
    vec![
        // ---------- units ----------
        Spec {
            name: "设立",
            pre: vec![],
            op: Op::CreateUnit(NewUnit {
                id: None,
                name: "盐都区图书馆".into(),
                short_name: None,
                kind: UnitKind::Institution,
                rank: Rank::FullSection,
                category: None,
                funding: Some(cat("全额拨款")),
                credit_code: Some(credit_code(1)),
                parent: Some(unit(BUREAU)),
                functions: String::new(),
                sector: None,
            }),
            cases: vec![
                case!("unknown_unit", |pre, op| new_unit(op).parent =
                    Some(unit(NOWHERE))),
                case!("unknown_funding", |pre, op| new_unit(op).funding =
                    Some(cat("无此经费"))),
                case!("empty_name", |pre, op| new_unit(op).name = " ".into()),
                case!("duplicate_unit_name", |pre, op| new_unit(op).name =
                    SCHOOL.into()),
                case!("id_taken", |pre, op| new_unit(op).id = Some(UnitId(0))),
                case!("unit_abolished", |pre, op| new_unit(op).parent =
                    Some(UnitRef::Id(OLD_ID))),
                case!("category_not_institution", |pre, op| {
                    let nu = new_unit(op);
                    nu.kind = UnitKind::GovDept;
                    nu.category = Some(catalog::InstitutionCategory::PublicWelfare1);
                }),
                case!("bad_credit_code", |pre, op| new_unit(op).credit_code =
                    Some("123".into())),
                case!("duplicate_credit_code", |pre, op| pre.push(
                    Op::UpdateUnit {
                        unit: unit(SCHOOL),
                        category: None,
                        funding: None,
                        credit_code: Some(credit_code(1)),
                        functions: None,
                    }
                )),
            ],
        },
        Spec {
            name: "更名",
            pre: vec![],
            op: Op::RenameUnit {
                unit: unit(HOSP),
                name: "盐都区第一人民医院".into(),
                short_name: None,
            },
            cases: vec![
                unknown_unit_of(),
                abolished_unit(),
                case!("empty_name", |pre, op| set!(
                    op,
                    RenameUnit.name = " ".into()
                )),
                case!("duplicate_unit_name", |pre, op| set!(
                    op,
                    RenameUnit.name = SCHOOL.into()
                )),
            ],
        },
        Spec {
            name: "调整规格",
            pre: vec![],
            op: Op::SetRank {
                unit: unit(HOSP),
                rank: Rank::DeputyDivision,
            },
            cases: vec![unknown_unit_of(), abolished_unit()],
        },
        Spec {
            name: "变更登记事项",
            pre: vec![],
            op: Op::UpdateUnit {
                unit: unit(HOSP),
                category: None,
                funding: Some(cat("全额拨款")),
                credit_code: Some(credit_code(2)),
                functions: None,
            },
            cases: vec![
                unknown_unit_of(),
                case!("unknown_funding", |pre, op| set!(
                    op,
                    UpdateUnit.funding = Some(cat("无此经费"))
                )),
                abolished_unit(),
                case!("bad_credit_code", |pre, op| set!(
                    op,
                    UpdateUnit.credit_code = Some("123".into())
                )),
                case!("duplicate_credit_code", |pre, op| pre.push(
                    Op::UpdateUnit {
                        unit: unit(SCHOOL),
                        category: None,
                        funding: None,
                        credit_code: Some(credit_code(2)),
                        functions: None,
                    }
                )),
            ],
        },
        Spec {
            name: "挂牌",
            pre: vec![],
            op: Op::AddSecondName {
                unit: unit(HOSP),
                name: "盐都区急救中心".into(),
            },
            cases: vec![
                unknown_unit_of(),
                abolished_unit(),
                case!("empty_name", |pre, op| set!(
                    op,
                    AddSecondName.name = " ".into()
                )),
                case!("duplicate_unit_name", |pre, op| set!(
                    op,
                    AddSecondName.name = ANNEX.into()
                )),
            ],
        },
        Spec {
            name: "摘牌",
            pre: vec![],
            op: Op::RemoveSecondName {
                unit: unit(SCHOOL),
                name: ANNEX.into(),
            },
            cases: vec![
                unknown_unit_of(),
                abolished_unit(),
                case!("unknown_second_name", |pre, op| set!(
                    op,
                    RemoveSecondName.name = "无此牌子".into()
                )),
            ],
        },
        Spec {
            name: "设立内设机构",
            pre: vec![],
            op: Op::AddBody {
                unit: unit(BUREAU),
                body: None,
                name: "人事科".into(),
            },
            cases: vec![
                unknown_unit_of(),
                abolished_unit(),
                case!("duplicate_body_name", |pre, op| set!(
                    op,
                    AddBody.name = "办公室".into()
                )),
                case!("id_taken", |pre, op| set!(
                    op,
                    AddBody.body = Some(BodyId(1))
                )),
            ],
        },
        Spec {
            name: "撤销内设机构",
            pre: vec![],
            op: Op::RemoveBody {
                unit: unit(BUREAU),
                body: BodyId(1),
            },
            cases: vec![
                unknown_unit_of(),
                abolished_unit(),
                case!("unknown_body", |pre, op| set!(
                    op,
                    RemoveBody.body = BodyId(99)
                )),
                case!("unit_not_empty", |pre, op| pre.push(Op::SetPosts {
                    unit: unit(BUREAU),
                    body: Some(BodyId(1)),
                    kind: PostKind::BodyChief,
                    count: 1,
                })),
            ],
        },
        Spec {
            name: "划转",
            pre: vec![],
            op: Op::MoveUnit {
                unit: unit(HOSP),
                parent: Some(unit(BUREAU)),
            },
            cases: vec![
                unknown_unit_of(),
                abolished_unit(),
                case!("cyclic_parent", |pre, op| {
                    *unit_field(op) = unit(BUREAU);
                    set!(op, MoveUnit.parent = Some(unit(SCHOOL)));
                }),
            ],
        },
        Spec {
            name: "合并",
            pre: vec![],
            op: Op::MergeUnit {
                unit: unit(HOSP),
                into: unit(SCHOOL),
            },
            cases: vec![
                unknown_unit_of(),
                case!("unit_abolished", |pre, op| set!(
                    op,
                    MergeUnit.into = UnitRef::Id(OLD_ID)
                )),
                case!("merge_into_self", |pre, op| set!(
                    op,
                    MergeUnit.into = unit(HOSP)
                )),
                // 事业编制 would move into a 党政机关 (checked once the matter is done).
                case!("class_forbidden", |pre, op| set!(
                    op,
                    MergeUnit.into = unit(BUREAU)
                )),
            ],
        },
        Spec {
            name: "撤销",
            pre: vec![],
            op: Op::AbolishUnit {
                unit: unit(HOSP),
                remap: Some(Remap { to: unit(SCHOOL) }),
            },
            cases: vec![
                unknown_unit_of(),
                abolished_unit(),
                case!("merge_into_self", |pre, op| set!(
                    op,
                    AbolishUnit.remap = Some(Remap { to: unit(HOSP) })
                )),
                case!("unit_not_empty", |pre, op| set!(
                    op,
                    AbolishUnit.remap = None
                )),
            ],
        },
        Spec {
            name: "设置控编模式",
            pre: vec![],
            op: Op::SetControlMode {
                unit: unit(HOSP),
                mode: ControlMode::WarnOnly,
            },
            cases: vec![unknown_unit_of(), abolished_unit()],
        },
        Spec {
            name: "调整行业领域",
            pre: vec![],
            op: Op::SetSector {
                unit: unit(HOSP),
                sector: "公立医院".into(),
            },
            cases: vec![
                unknown_unit_of(),
                abolished_unit(),
                case!("unknown_code", |pre, op| set!(
                    op,
                    SetSector.sector = "火星医院".into()
                )),
                case!("sector_total_exceeded", |pre, op| pre.push(
                    Op::SetSectorTotal {
                        sector: "卫生健康".into(),
                        qtype: None,
                        count: Some(0),
                        allow_over: false,
                    }
                )),
            ],
        },
        Spec {
            name: "核定行业编制总量",
            pre: vec![],
            op: Op::SetSectorTotal {
                sector: "公立医院".into(),
                qtype: Some(cat("事业编制")),
                count: Some(100),
                allow_over: false,
            },
            cases: vec![
                case!("unknown_quota_type", |pre, op| set!(
                    op,
                    SetSectorTotal.qtype = Some(cat("无此类型"))
                )),
                case!("unknown_code", |pre, op| set!(
                    op,
                    SetSectorTotal.sector = "火星医院".into()
                )),
                case!("negative_quota", |pre, op| set!(
                    op,
                    SetSectorTotal.count = Some(-1)
                )),
                case!("sector_total_below_approved", |pre, op| {
                    pre.push(Op::SetSector {
                        unit: unit(HOSP),
                        sector: "0201".into(),
                    });
                    set!(op, SetSectorTotal.count = Some(0))
                }),
            ],
        },
        Spec {
            name: "核定人员控制总量",
            pre: vec![],
            op: Op::SetStaffCap {
                unit: unit(HOSP),
                count: Some(5),
            },
            cases: vec![
                unknown_unit_of(),
                abolished_unit(),
                case!("negative_staff_cap", |pre, op| set!(
                    op,
                    SetStaffCap.count = Some(-1)
                )),
                case!("staff_cap_exceeded", |pre, op| set!(
                    op,
                    SetStaffCap.count = Some(0)
                )),
            ],
        },
        // ---------- quotas, posts, plans ----------
        Spec {
            name: "增设编制类型",
            pre: vec![],
            op: Op::DefineQuotaType {
                code: "ZX".into(),
                name: "专项编制".into(),
                class: QuotaClass::Other,
            },
            cases: vec![case!("duplicate_quota_type", |pre, op| set!(
                op,
                DefineQuotaType.name = "事业编制".into()
            ))],
        },
        Spec {
            name: "核定编制",
            pre: vec![],
            op: Op::SetQuota {
                account: ed(SCHOOL),
                count: 4,
                allow_over: false,
            },
            cases: vec![
                unknown_unit(),
                unknown_quota_type(),
                unknown_funding(),
                abolished(),
                case!("negative_quota", |pre, op| set!(op, SetQuota.count = -1)),
                case!("below_usage", |pre, op| set!(op, SetQuota.count = 0)),
                class_forbidden(),
                // 事业编制 beside the 团委's 行政编制.
                solo(case!("class_mixed", |pre, op| account_of(op).unit = unit(YOUTH))),
            ],
        },
        Spec {
            name: "核增编制",
            pre: vec![],
            op: Op::IncreaseQuota {
                account: ed(SCHOOL),
                count: 1,
            },
            cases: vec![
                unknown_unit(),
                not_positive(),
                abolished(),
                class_forbidden(),
            ],
        },
        Spec {
            name: "核减编制",
            pre: vec![],
            op: Op::DecreaseQuota {
                account: ed(SCHOOL),
                count: 1,
                allow_over: false,
            },
            cases: vec![
                unknown_unit(),
                not_positive(),
                abolished(),
                case!("negative", |pre, op| *op.count_mut() = 4),
                case!("below_usage", |pre, op| *op.count_mut() = 3),
            ],
        },
        Spec {
            name: "划转编制",
            pre: vec![],
            op: Op::TransferQuota {
                from: unit(SCHOOL),
                to: unit(HOSP),
                qtype: cat("事业编制"),
                funding: cat("全额拨款"),
                count: 1,
            },
            cases: vec![
                case!("unknown_unit", |pre, op| set!(
                    op,
                    TransferQuota.from = unit(NOWHERE)
                )),
                case!("unknown_quota_type", |pre, op| set!(
                    op,
                    TransferQuota.qtype = cat("无此类型")
                )),
                case!("unknown_funding", |pre, op| set!(
                    op,
                    TransferQuota.funding = cat("无此经费")
                )),
                not_positive(),
                case!("unit_abolished", |pre, op| set!(
                    op,
                    TransferQuota.to = UnitRef::Id(OLD_ID)
                )),
                case!("transfer_same_unit", |pre, op| set!(
                    op,
                    TransferQuota.to = unit(SCHOOL)
                )),
                case!("negative", |pre, op| *op.count_mut() = 4),
                case!("below_usage", |pre, op| *op.count_mut() = 3),
                case!("class_forbidden", |pre, op| set!(
                    op,
                    TransferQuota.to = unit(BUREAU)
                )),
            ],
        },
        Spec {
            name: "锁定编制",
            pre: vec![],
            op: lock(SCHOOL, 1),
            cases: vec![
                unknown_unit(),
                not_positive(),
                abolished(),
                case!("no_vacancy", |pre, op| *op.count_mut() = 3),
            ],
        },
        Spec {
            name: "解锁编制",
            pre: vec![lock(SCHOOL, 1)],
            op: Op::UnlockQuota {
                account: ed(SCHOOL),
                count: 1,
            },
            cases: vec![
                unknown_unit(),
                not_positive(),
                abolished(),
                case!("negative", |pre, op| *op.count_mut() = 2),
            ],
        },
        Spec {
            name: "核定领导职数",
            pre: vec![],
            op: set_posts(BUREAU, PostKind::UnitDeputy, 3),
            cases: vec![
                unknown_unit_of(),
                abolished_unit(),
                case!("unknown_body", |pre, op| set!(
                    op,
                    SetPosts.body = Some(BodyId(99))
                )),
                case!("negative_posts", |pre, op| *op.count_mut() = -1),
                case!("posts_exceeded", |pre, op| {
                    set!(op, SetPosts.kind = PostKind::UnitChief);
                    *op.count_mut() = 0;
                }),
            ],
        },
        Spec {
            name: "下达用编计划",
            pre: vec![],
            op: plan(SCHOOL, 2024, 2),
            cases: vec![
                unknown_unit_of(),
                case!("unknown_quota_type", |pre, op| set!(
                    op,
                    ApprovePlanLine.qtype = cat("无此类型")
                )),
                not_positive(),
                abolished_unit(),
                case!("class_forbidden", |pre, op| *unit_field(op) = unit(BUREAU)),
                case!("plan_year_out_of_range", |pre, op| set!(
                    op,
                    ApprovePlanLine.year = 2022
                )),
                case!("plan_line_taken", |pre, op| set!(
                    op,
                    ApprovePlanLine.line = Some(PlanLineId(0))
                )),
            ],
        },
        // ---------- people ----------
        Spec {
            name: "入编",
            pre: vec![],
            op: hire(SCHOOL, 0, "赵六", 10),
            cases: vec![
                unknown_unit(),
                abolished(),
                case!("unknown_body", |pre, op| set!(
                    op,
                    Hire.body = Some(BodyId(99))
                )),
                class_forbidden(),
                case!("no_vacancy", |pre, op| pre.push(lock(SCHOOL, 2))),
                // Registered beyond 核定: the school is in 超编消化.
                case!("digesting", |pre, op| {
                    pre.push(lock(SCHOOL, 2));
                    pre.push(register_over(SCHOOL, "事业编制", "超编人员", 20));
                }),
                case!("unknown_plan_line", |pre, op| set!(
                    op,
                    Hire.plan_line = PlanLineId(99)
                )),
                case!("plan_unusable", |pre, op| set!(
                    op,
                    Hire.plan_line = PlanLineId(1)
                )),
                empty_name(),
                already_enrolled(),
                already_filed(),
                // 王芳 has left (a vacancy: not combined with the earlier
                // cases); her 身份证号 with another person's number.
                solo(case!("person_id_mismatch", |pre, op| {
                    pre.push(Op::Leave {
                        person: pref(1),
                        reason: LeaveReason::Retire,
                    });
                    details_of(op).id_number = idn(1);
                    set!(op, Hire.person = Some(PersonId(0)));
                })),
                case!("id_taken", |pre, op| set!(
                    op,
                    Hire.person = Some(PersonId(0))
                )),
            ],
        },
        Spec {
            name: "存量人员登记",
            pre: vec![],
            op: register(SCHOOL, "事业编制", "钱七", 11),
            cases: vec![
                unknown_unit(),
                abolished(),
                case!("unknown_body", |pre, op| set!(
                    op,
                    RegisterExisting.body = Some(BodyId(99))
                )),
                class_forbidden(),
                case!("no_vacancy", |pre, op| pre.push(lock(SCHOOL, 2))),
                empty_name(),
                already_enrolled(),
                already_filed(),
                case!("id_taken", |pre, op| set!(
                    op,
                    RegisterExisting.person = Some(PersonId(0))
                )),
            ],
        },
        Spec {
            name: "报到",
            pre: vec![],
            op: Op::Onboard { person: pref(2) },
            cases: vec![bad_person(), unknown_person(), person_state(1)],
        },
        Spec {
            name: "撤回入编",
            pre: vec![],
            op: Op::WithdrawHire { person: pref(2) },
            cases: vec![bad_person(), unknown_person(), person_state(1)],
        },
        Spec {
            name: "出编",
            pre: vec![],
            op: Op::Leave {
                person: pref(1),
                reason: LeaveReason::Retire,
            },
            cases: vec![bad_person(), unknown_person(), person_state(2)],
        },
        Spec {
            name: "调动",
            pre: vec![],
            op: Op::Transfer {
                person: pref(1),
                to: ed(HOSP),
                body: None,
                plan_line: PlanLineId(1),
            },
            cases: vec![
                bad_person(),
                unknown_person(),
                unknown_unit(),
                person_state(2),
                abolished(),
                case!("unknown_body", |pre, op| set!(
                    op,
                    Transfer.body = Some(BodyId(99))
                )),
                class_forbidden(),
                case!("no_vacancy", |pre, op| pre.push(lock(HOSP, 2))),
                case!("unknown_plan_line", |pre, op| set!(
                    op,
                    Transfer.plan_line = PlanLineId(99)
                )),
                case!("plan_unusable", |pre, op| set!(
                    op,
                    Transfer.plan_line = PlanLineId(0)
                )),
                case!("staff_cap_exceeded", |pre, op| pre.push(Op::SetStaffCap {
                    unit: unit(HOSP),
                    count: Some(1),
                })),
            ],
        },
        Spec {
            name: "任职",
            pre: vec![],
            op: Op::Appoint {
                person: pref(5),
                body: None,
                kind: PostKind::UnitDeputy,
                title: "副局长".into(),
                exempt: false,
            },
            cases: vec![
                bad_person(),
                unknown_person(),
                person_state(2),
                case!("unknown_body", |pre, op| set!(
                    op,
                    Appoint.body = Some(BodyId(99))
                )),
                case!("body_post_without_body", |pre, op| set!(
                    op,
                    Appoint.kind = PostKind::BodyChief
                )),
                case!("posts_exceeded", |pre, op| pre.push(set_posts(
                    BUREAU,
                    PostKind::UnitDeputy,
                    0
                ))),
            ],
        },
        Spec {
            name: "免职",
            pre: vec![],
            op: Op::Remove {
                person: pref(5),
                body: None,
                kind: PostKind::UnitChief,
            },
            cases: vec![
                bad_person(),
                unknown_person(),
                case!("not_holding_post", |pre, op| set!(
                    op,
                    Remove.kind = PostKind::UnitDeputy
                )),
            ],
        },
        Spec {
            name: "关键信息更正",
            pre: vec![],
            op: Op::CorrectPerson {
                person: pref(1),
                name: Some("王芳芳".into()),
                id_number: Some(idn(12).as_str().into()),
                work_start: None,
            },
            cases: vec![
                bad_person(),
                unknown_person(),
                case!("bad_id_number", |pre, op| set!(
                    op,
                    CorrectPerson.id_number = Some("123".into())
                )),
                case!("already_enrolled", |pre, op| set!(
                    op,
                    CorrectPerson.id_number = Some(idn(5).as_str().into())
                )),
                case!("empty_name", |pre, op| set!(
                    op,
                    CorrectPerson.name = Some(" ".into())
                )),
            ],
        },
        Spec {
            name: "备案人员登记",
            pre: vec![],
            op: Op::RegisterFiled {
                person: None,
                unit: unit(HOSP),
                details: person("护士乙", 31),
            },
            cases: vec![
                unknown_unit_of(),
                abolished_unit(),
                case!("no_staff_cap", |pre, op| *unit_field(op) = unit(SCHOOL)),
                empty_name(),
                already_enrolled(),
                already_filed(),
                case!("id_taken", |pre, op| set!(
                    op,
                    RegisterFiled.person = Some(PersonId(0))
                )),
                case!("staff_cap_exceeded", |pre, op| pre.push(Op::SetStaffCap {
                    unit: unit(HOSP),
                    count: Some(1),
                })),
            ],
        },
        Spec {
            name: "定向入编",
            pre: vec![],
            op: Op::DirectedEnrol {
                person: pref(30),
                account: ed(HOSP),
                body: None,
            },
            cases: vec![
                bad_person(),
                unknown_person(),
                unknown_unit(),
                person_state(1),
                abolished(),
                case!("directed_enrol_other_unit", |pre, op| account_of(op).unit =
                    unit(SCHOOL)),
                case!("unknown_body", |pre, op| set!(
                    op,
                    DirectedEnrol.body = Some(BodyId(99))
                )),
                case!("class_forbidden", |pre, op| account_of(op).qtype =
                    cat("行政编制")),
                case!("no_vacancy", |pre, op| pre.push(lock(HOSP, 2))),
            ],
        },
        // ---------- instruments ----------
        Spec {
            name: "核定周转编制",
            pre: vec![],
            op: Op::FundPool {
                qtype: cat("事业编制"),
                count: 1,
            },
            cases: vec![
                case!("unknown_quota_type", |pre, op| set!(
                    op,
                    FundPool.qtype = cat("无此类型")
                )),
                not_positive(),
            ],
        },
        Spec {
            name: "核减收回",
            pre: vec![],
            op: Op::Reclaim {
                account: ed(SCHOOL),
                count: 1,
                allow_over: false,
            },
            cases: vec![
                unknown_unit(),
                unknown_quota_type(),
                unknown_funding(),
                not_positive(),
                abolished(),
                case!("negative", |pre, op| *op.count_mut() = 4),
                case!("below_usage", |pre, op| *op.count_mut() = 3),
            ],
        },
        Spec {
            name: "收回撤并单位编制",
            pre: vec![],
            op: Op::ReclaimUnitQuotas { unit: unit(HOSP) },
            cases: vec![
                unknown_unit_of(),
                abolished_unit(),
                case!("below_usage", |pre, op| pre.push(register(
                    HOSP,
                    "事业编制",
                    "医生",
                    40
                ))),
            ],
        },
        Spec {
            name: "周转池借出",
            pre: vec![],
            op: Op::Lend {
                loan: None,
                account: ed(SCHOOL),
                count: 1,
                due: Some(when("2025-01-01")),
                on_attrition: false,
            },
            cases: vec![
                unknown_unit(),
                not_positive(),
                abolished(),
                class_forbidden(),
                case!("loan_due_too_early", |pre, op| set!(
                    op,
                    Lend.due = Some(d("2024-03-01"))
                )),
                case!("loan_without_term", |pre, op| set!(op, Lend.due = None)),
                case!("pool_short", |pre, op| *op.count_mut() = 9),
            ],
        },
        Spec {
            name: "归还周转编制",
            pre: vec![],
            op: Op::ReturnLoan {
                loan: LoanId(0),
                count: Some(1),
            },
            cases: vec![
                case!("unknown_loan", |pre, op| set!(
                    op,
                    ReturnLoan.loan = LoanId(9)
                )),
                case!("return_exceeds_loan", |pre, op| set!(
                    op,
                    ReturnLoan.count = Some(2)
                )),
                case!("no_vacancy", |pre, op| pre.push(lock(SCHOOL, 2))),
            ],
        },
        Spec {
            name: "过桥调动",
            pre: vec![],
            op: Op::BridgeTransfer {
                bridge: None,
                person: pref(5),
                to: ad(TOWN),
                body: None,
                from_pool: false,
                deadline: when("2025-01-01"),
            },
            cases: vec![
                bad_person(),
                unknown_person(),
                unknown_unit(),
                person_state(2),
                abolished(),
                case!("unknown_body", |pre, op| set!(
                    op,
                    BridgeTransfer.body = Some(BodyId(99))
                )),
                // 事业编制 in the 教育局 (a 党政机关).
                case!("class_forbidden", |pre, op| *account_of(op) = ed(BUREAU)),
                case!("bridge_same_unit", |pre, op| account_of(op).unit =
                    unit(BUREAU)),
                case!("bridge_not_needed", |pre, op| pre.push(Op::IncreaseQuota {
                    account: ad(TOWN),
                    count: 1,
                })),
                case!("bridge_deadline_too_early", |pre, op| set!(
                    op,
                    BridgeTransfer.deadline = d("2024-03-01")
                )),
                // 王芳 holds 事业编制, the town slot is 行政编制.
                solo(case!("bridge_type_mismatch", |pre, op| *op.person_mut() = pref(1))),
            ],
        },
        Spec {
            name: "过桥调动（周转池）",
            pre: vec![],
            op: Op::BridgeTransfer {
                bridge: None,
                person: pref(5),
                to: ad(TOWN),
                body: None,
                from_pool: true,
                deadline: when("2025-01-01"),
            },
            cases: vec![case!("pool_short", |pre, op| pre.push(Op::GrantDynamic {
                grant: None,
                account: ad(BUREAU),
                count: 2,
                include_transfer_out: false,
            }))],
        },
        Spec {
            name: "承兑编制",
            pre: vec![],
            op: Op::GrantPhased {
                grant: None,
                account: ed(SCHOOL),
                tranches: vec![
                    Tranche {
                        date: when("2024-03-01"),
                        count: 1,
                    },
                    Tranche {
                        date: when("2024-09-01"),
                        count: 1,
                    },
                ],
                from_pool: true,
            },
            cases: vec![
                unknown_unit(),
                abolished(),
                class_forbidden(),
                case!("tranches_missing", |pre, op| set!(
                    op,
                    GrantPhased.tranches = Vec::new()
                )),
                case!("tranche_not_positive", |pre, op| tranche(op, 0).count = 0),
                case!("tranches_not_increasing", |pre, op| tranche(op, 1).date =
                    d("2024-03-01")),
                case!("pool_short", |pre, op| tranche(op, 1).count = 9),
            ],
        },
        Spec {
            name: "动态编制",
            pre: vec![],
            op: Op::GrantDynamic {
                grant: None,
                account: ed(SCHOOL),
                count: 1,
                include_transfer_out: false,
            },
            cases: vec![
                unknown_unit(),
                not_positive(),
                abolished(),
                class_forbidden(),
                case!("pool_short", |pre, op| *op.count_mut() = 9),
            ],
        },
    ]
}

fn new_unit(op: &mut Op) -> &mut NewUnit {
    match op {
        Op::CreateUnit(nu) => nu,
        other => panic!("not 设立: {other:?}"),
    }
}

/// Tranche `i` of a 承兑 grant (a dummy when the list was emptied by a
/// higher-precedence case).
fn tranche(op: &mut Op, i: usize) -> &mut Tranche {
    match op {
        Op::GrantPhased { tranches, .. } => {
            if tranches.len() <= i {
                tranches.resize(
                    i + 1,
                    Tranche {
                        date: d("2030-01-01"),
                        count: 1,
                    },
                );
            }
            &mut tranches[i]
        }
        other => panic!("not 承兑: {other:?}"),
    }
}

#[test]
fn every_operation_refuses_by_descending_precedence() {
    let base = base();
    let specs = specs();
    let mut covered: Vec<&str> = specs.iter().map(|s| s.name).collect();
    for spec in specs {
        run(&base, spec);
    }
    // Every operation has its table.
    covered.sort_unstable();
    covered.dedup();
    let labels = [
        "增设编制类型",
        "设立",
        "更名",
        "调整规格",
        "变更登记事项",
        "挂牌",
        "摘牌",
        "设立内设机构",
        "撤销内设机构",
        "划转",
        "合并",
        "撤销",
        "设置控编模式",
        "核定编制",
        "核增编制",
        "核减编制",
        "划转编制",
        "锁定编制",
        "解锁编制",
        "核定领导职数",
        "下达用编计划",
        "入编",
        "报到",
        "撤回入编",
        "出编",
        "调动",
        "任职",
        "免职",
        "关键信息更正",
        "存量人员登记",
        "核定周转编制",
        "核减收回",
        "收回撤并单位编制",
        "周转池借出",
        "归还周转编制",
        "过桥调动",
        "承兑编制",
        "动态编制",
        "核定人员控制总量",
        "备案人员登记",
        "定向入编",
        "调整行业领域",
        "核定行业编制总量",
    ];
    assert_eq!(labels.len(), 43);
    for l in labels {
        assert!(covered.contains(&l), "no precedence table for {l}");
    }
}

/// Every refusal a matter can meet is in some table (bar `internal`, which no
/// recorded matter reaches).
#[test]
fn every_code_has_a_precedence_case() {
    let mut seen: Vec<&str> = specs()
        .iter()
        .flat_map(|s| s.cases.iter().map(|c| c.code))
        .collect();
    seen.sort_unstable();
    seen.dedup();
    let missing: Vec<&str> = Violation::CODES
        .iter()
        .copied()
        .filter(|c| *c != "internal" && !seen.contains(c))
        .collect();
    assert!(missing.is_empty(), "no precedence case for {missing:?}");
}
