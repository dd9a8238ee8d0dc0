//! Why a matter is refused: typed violations whose Display is the Chinese
//! message a clerk reads, naming the unit, the type and the numbers.

use chrono::NaiveDate;
use thiserror::Error;

use crate::ident::{IdError, UsccError};

/// A broken rule. Names are resolved to text when the violation is raised so the
/// message stands on its own. Every variant has a stable [`Violation::code`].
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum Violation {
    #[error("机构“{0}”不存在")]
    UnknownUnit(String),
    #[error("机构“{name}”已于 {on} 撤销，不能办理此事项")]
    UnitAbolished { name: String, on: NaiveDate },
    #[error("已有同名机构“{0}”")]
    DuplicateUnitName(String),
    #[error("编制类型“{0}”不存在")]
    UnknownQuotaType(String),
    #[error("经费形式“{0}”不存在")]
    UnknownFunding(String),
    #[error("已有编制类型代码或名称“{0}”")]
    DuplicateQuotaType(String),
    #[error("人员“{0}”不存在")]
    UnknownPerson(String),
    #[error("用编计划第 {0} 号不存在")]
    UnknownPlanLine(u32),
    #[error("{unit} 没有编号为 {body} 的内设机构")]
    UnknownBody { unit: String, body: u32 },
    #[error(
        "{unit} 是{kind}，不能使用{qtype}（事业编制不得用于党政机关，行政编制不得用于事业单位）"
    )]
    ClassForbidden {
        unit: String,
        kind: String,
        qtype: String,
    },
    #[error("{unit} 已有{existing}，不能同时核定{qtype}（事业编制与行政编制不得混用）")]
    ClassMixed {
        unit: String,
        existing: String,
        qtype: String,
    },
    #[error("{unit} {account} 可用空编 {available}，不能{action} {requested} 人")]
    NoVacancy {
        unit: String,
        account: String,
        available: i32,
        requested: i32,
        action: &'static str,
    },
    #[error("{unit} {account} 处于超编消化状态（超编 {over} 人），消化前不得进人")]
    Digesting {
        unit: String,
        account: String,
        over: i32,
    },
    #[error("{unit} {year} 年度没有可用的{qtype}用编计划（第 {line} 号计划：{detail}）")]
    PlanUnusable {
        unit: String,
        year: i32,
        qtype: String,
        line: u32,
        detail: String,
    },
    #[error("{unit} {account} {field}将变为 {value}，不能为负数")]
    Negative {
        unit: String,
        account: String,
        field: &'static str,
        value: i32,
    },
    #[error("{unit} {account} 核减后核定 {approved_after} 人，低于实有与冻结合计 {used} 人（如确需核减，须明确进入超编消化）")]
    BelowUsage {
        unit: String,
        account: String,
        approved_after: i32,
        used: i32,
    },
    #[error("{unit} {post} 领导职数核定 {approved} 名，实配将达 {filled} 名，超职数配备")]
    PostsExceeded {
        unit: String,
        post: String,
        approved: i32,
        filled: i32,
    },
    #[error("{name}（{id}）当前状态为“{status}”，不能{action}")]
    PersonState {
        name: String,
        id: String,
        status: &'static str,
        action: &'static str,
    },
    #[error("身份证号 {id} 已在 {unit} 占用编制，不能重复入编")]
    AlreadyEnrolled { id: String, unit: String },
    #[error("身份证号 {id} 已在 {unit} 登记为备案人员，须经定向入编或先办理出编")]
    AlreadyFiled { id: String, unit: String },
    #[error("{name} 未担任 {unit} {post}")]
    NotHoldingPost {
        name: String,
        unit: String,
        post: String,
    },
    #[error("{unit} 撤销后仍有{what}，须在同一事项中转移或核减")]
    UnitNotEmpty { unit: String, what: String },
    #[error("{unit} 不能划转到自身或其下级机构")]
    CyclicParent { unit: String },
    #[error("周转池{qtype}余额 {balance} 名，不能调出 {requested} 名")]
    PoolShort {
        qtype: String,
        balance: i32,
        requested: i32,
    },
    #[error("{unit} 人员控制总量 {cap} 名，编制内 {enrolled} 人加备案人员 {filed} 人将超出")]
    StaffCapExceeded {
        unit: String,
        cap: i32,
        enrolled: i32,
        filed: i32,
    },
    // ---------- rules of single operations ----------
    #[error("{unit} 已有内设机构“{name}”")]
    DuplicateBodyName { unit: String, name: String },
    #[error("{unit} 未加挂“{name}”牌子")]
    UnknownSecondName { unit: String, name: String },
    #[error("统一社会信用代码 {code} 已由{unit}使用")]
    DuplicateCreditCode { code: String, unit: String },
    #[error("{unit} 不是事业单位，不能设定事业单位类别")]
    CategoryNotInstitution { unit: String },
    #[error("不能合并到自身")]
    MergeIntoSelf { unit: String },
    #[error("划出与划入单位相同")]
    TransferSameUnit { unit: String },
    #[error("用编计划年度 {year} 须为事项生效年度 {current} 或次年")]
    PlanYearOutOfRange { year: i32, current: i32 },
    #[error("内设机构领导职务须指明内设机构")]
    BodyPostWithoutBody,
    #[error("周转编制借用 #{0} 不存在")]
    UnknownLoan(u32),
    #[error("借用到期日须晚于生效日期")]
    LoanDueTooEarly {
        due: NaiveDate,
        effective: NaiveDate,
    },
    #[error("周转编制借用须约定到期日或减员即还")]
    LoanWithoutTerm,
    #[error("周转编制借用 #{loan}（{doc}）未还 {outstanding} 名，不能归还 {requested} 名")]
    ReturnExceedsLoan {
        loan: u32,
        doc: String,
        outstanding: i32,
        requested: i32,
    },
    #[error("过桥调动须调往其他单位")]
    BridgeSameUnit { unit: String },
    #[error("{unit} {account} 有可用空编 {available} 名，应按一般调动办理，无需过桥")]
    BridgeNotNeeded {
        unit: String,
        account: String,
        available: i32,
    },
    #[error("过桥编制消化期限须晚于生效日期")]
    BridgeDeadlineTooEarly {
        deadline: NaiveDate,
        effective: NaiveDate,
    },
    #[error("带编调动须为同一编制类型：原单位为{from}，调入单位为{to}")]
    BridgeTypeMismatch { from: String, to: String },
    #[error("承兑编制须列明分批下达计划")]
    TranchesMissing,
    #[error("每批下达人数须为正整数")]
    TrancheNotPositive { count: i32 },
    #[error("分批下达日期须逐批递增")]
    TranchesNotIncreasing,
    #[error("{unit} 未核定人员控制总量，不能登记备案人员")]
    NoStaffCap { unit: String },
    #[error("定向入编须在本单位：{from} 的备案人员不能入编到 {to}")]
    DirectedEnrolOtherUnit { from: String, to: String },
    #[error(
        "{sector}{qtype}总量为 {total} 名（{doc}），本事项使该领域核定编制增加 {added} 名、达到 {approved} 名，超出总量 {over} 名",
        over = approved - total
    )]
    SectorTotalExceeded {
        sector: String,
        qtype: String,
        total: i32,
        doc: String,
        approved: i32,
        added: i32,
    },
    #[error(
        "{sector}{qtype}总量 {total} 名低于该领域已核定的 {approved} 名；如确按此核定，请勾选“允许低于现有核定数”，消化前该领域不得再增加编制"
    )]
    SectorTotalBelowApproved {
        sector: String,
        qtype: String,
        total: i32,
        approved: i32,
    },
    /// A field of the matter is malformed (checked before any rule).
    #[error(transparent)]
    Input(#[from] InputError),
    /// A state the recording path never produces (an id the resolver should
    /// have assigned, a count that cannot go negative): a bug, not a rule.
    #[error("内部错误：{0}")]
    Internal(&'static str),
}

/// A malformed field of a matter: an identifier that does not parse, an empty
/// name, an id already taken, a count that must be positive.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum InputError {
    #[error(transparent)]
    BadIdNumber(#[from] IdError),
    #[error(transparent)]
    BadCreditCode(#[from] UsccError),
    /// `what` is 机构名称, 牌子名称 or 姓名.
    #[error("{what}不能为空")]
    EmptyName { what: &'static str },
    #[error("人数须为正整数，实际为 {0}")]
    CountNotPositive(i32),
    #[error("核定数不能为负数：{0}")]
    NegativeQuota(i32),
    #[error("领导职数不能为负数：{0}")]
    NegativePosts(i32),
    #[error("人员控制总量不能为负数")]
    NegativeStaffCap(i32),
    /// `what` is 机构, 内设机构, 人员, 周转编制借用, 编制批复 or 过桥编制.
    #[error("{what}编号 {id} 已被使用")]
    IdTaken { what: &'static str, id: u32 },
    #[error("用编计划第 {0} 号已存在")]
    PlanLineTaken(u32),
    #[error("人员编号 {0} 与身份证号对应的人员不一致")]
    PersonIdMismatch(u32),
    /// A person's 民族, 政治面貌 or 学历 that no entry of its code table names.
    #[error(transparent)]
    UnknownCode(#[from] crate::codes::UnknownCode),
}

impl InputError {
    /// Stable snake_case code of the input error.
    pub fn code(&self) -> &'static str {
        match self {
            InputError::BadIdNumber(_) => "bad_id_number",
            InputError::BadCreditCode(_) => "bad_credit_code",
            InputError::EmptyName { .. } => "empty_name",
            InputError::CountNotPositive(_) => "count_not_positive",
            InputError::NegativeQuota(_) => "negative_quota",
            InputError::NegativePosts(_) => "negative_posts",
            InputError::NegativeStaffCap(_) => "negative_staff_cap",
            InputError::IdTaken { .. } => "id_taken",
            InputError::PlanLineTaken(_) => "plan_line_taken",
            InputError::PersonIdMismatch(_) => "person_id_mismatch",
            InputError::UnknownCode(_) => "unknown_code",
        }
    }
}

impl Violation {
    /// Every code [`Violation::code`] can return, rules first, then input
    /// errors, then `internal` (for API documents).
    pub const CODES: &'static [&'static str] = &[
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
        "duplicate_body_name",
        "unknown_second_name",
        "duplicate_credit_code",
        "category_not_institution",
        "merge_into_self",
        "transfer_same_unit",
        "plan_year_out_of_range",
        "body_post_without_body",
        "unknown_loan",
        "loan_due_too_early",
        "loan_without_term",
        "return_exceeds_loan",
        "bridge_same_unit",
        "bridge_not_needed",
        "bridge_deadline_too_early",
        "bridge_type_mismatch",
        "tranches_missing",
        "tranche_not_positive",
        "tranches_not_increasing",
        "no_staff_cap",
        "directed_enrol_other_unit",
        "already_filed",
        "sector_total_exceeded",
        "sector_total_below_approved",
        "bad_id_number",
        "bad_credit_code",
        "empty_name",
        "count_not_positive",
        "negative_quota",
        "negative_posts",
        "negative_staff_cap",
        "id_taken",
        "plan_line_taken",
        "person_id_mismatch",
        "unknown_code",
        "internal",
    ];

    /// Stable snake_case code of the broken rule, for API clients.
    pub fn code(&self) -> &'static str {
        match self {
            Violation::UnknownUnit(_) => "unknown_unit",
            Violation::UnitAbolished { .. } => "unit_abolished",
            Violation::DuplicateUnitName(_) => "duplicate_unit_name",
            Violation::UnknownQuotaType(_) => "unknown_quota_type",
            Violation::UnknownFunding(_) => "unknown_funding",
            Violation::DuplicateQuotaType(_) => "duplicate_quota_type",
            Violation::UnknownPerson(_) => "unknown_person",
            Violation::UnknownPlanLine(_) => "unknown_plan_line",
            Violation::UnknownBody { .. } => "unknown_body",
            Violation::ClassForbidden { .. } => "class_forbidden",
            Violation::ClassMixed { .. } => "class_mixed",
            Violation::NoVacancy { .. } => "no_vacancy",
            Violation::Digesting { .. } => "digesting",
            Violation::PlanUnusable { .. } => "plan_unusable",
            Violation::Negative { .. } => "negative",
            Violation::BelowUsage { .. } => "below_usage",
            Violation::PostsExceeded { .. } => "posts_exceeded",
            Violation::PersonState { .. } => "person_state",
            Violation::AlreadyEnrolled { .. } => "already_enrolled",
            Violation::NotHoldingPost { .. } => "not_holding_post",
            Violation::UnitNotEmpty { .. } => "unit_not_empty",
            Violation::CyclicParent { .. } => "cyclic_parent",
            Violation::PoolShort { .. } => "pool_short",
            Violation::StaffCapExceeded { .. } => "staff_cap_exceeded",
            Violation::DuplicateBodyName { .. } => "duplicate_body_name",
            Violation::UnknownSecondName { .. } => "unknown_second_name",
            Violation::DuplicateCreditCode { .. } => "duplicate_credit_code",
            Violation::CategoryNotInstitution { .. } => "category_not_institution",
            Violation::MergeIntoSelf { .. } => "merge_into_self",
            Violation::TransferSameUnit { .. } => "transfer_same_unit",
            Violation::PlanYearOutOfRange { .. } => "plan_year_out_of_range",
            Violation::BodyPostWithoutBody => "body_post_without_body",
            Violation::UnknownLoan(_) => "unknown_loan",
            Violation::LoanDueTooEarly { .. } => "loan_due_too_early",
            Violation::LoanWithoutTerm => "loan_without_term",
            Violation::ReturnExceedsLoan { .. } => "return_exceeds_loan",
            Violation::BridgeSameUnit { .. } => "bridge_same_unit",
            Violation::BridgeNotNeeded { .. } => "bridge_not_needed",
            Violation::BridgeDeadlineTooEarly { .. } => "bridge_deadline_too_early",
            Violation::BridgeTypeMismatch { .. } => "bridge_type_mismatch",
            Violation::TranchesMissing => "tranches_missing",
            Violation::TrancheNotPositive { .. } => "tranche_not_positive",
            Violation::TranchesNotIncreasing => "tranches_not_increasing",
            Violation::NoStaffCap { .. } => "no_staff_cap",
            Violation::DirectedEnrolOtherUnit { .. } => "directed_enrol_other_unit",
            Violation::SectorTotalExceeded { .. } => "sector_total_exceeded",
            Violation::SectorTotalBelowApproved { .. } => "sector_total_below_approved",
            Violation::AlreadyFiled { .. } => "already_filed",
            Violation::Input(e) => e.code(),
            Violation::Internal(_) => "internal",
        }
    }

    /// Whether the violation is a malformed field rather than a broken rule.
    pub fn is_input(&self) -> bool {
        matches!(self, Violation::Input(_))
    }
}

/// A refused matter: which operation (1-based) broke which rule.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum MatterError {
    #[error("第 {op} 项操作（{label}）：{violation}")]
    Op {
        op: usize,
        label: &'static str,
        violation: Violation,
    },
    #[error("事项办理后：{0}")]
    Final(Violation),
    #[error("事项没有任何操作")]
    Empty,
    /// [`crate::State::apply`] takes matters in effective-date order; an
    /// earlier date is a backdated matter, recorded through the ledger.
    #[error("生效日期 {effective} 早于已登记事项的生效日期 {latest}，须按补登事项办理")]
    OutOfOrder {
        effective: NaiveDate,
        latest: NaiveDate,
    },
    #[error("补登事项（生效日期 {effective}）会使 {broken_on} 生效的事项 {doc} 不再成立：{cause}")]
    Backdated {
        effective: NaiveDate,
        broken_on: NaiveDate,
        doc: String,
        cause: Box<MatterError>,
    },
    /// A 更正 or 撤销 would leave a later matter that no longer holds.
    #[error("{kind}第 {of} 号事项后，{broken_on} 生效的事项 {doc} 不再成立：{cause}")]
    Corrected {
        kind: &'static str,
        of: crate::ids::Seq,
        broken_on: NaiveDate,
        doc: String,
        cause: Box<MatterError>,
    },
    #[error("第 {0} 号事项不存在")]
    NoSuchMatter(crate::ids::Seq),
    #[error("第 {of} 号事项已被第 {by} 号事项更正或撤销；请对第 {by} 号事项办理")]
    AlreadyCorrected {
        of: crate::ids::Seq,
        by: crate::ids::Seq,
    },
    #[error("第 {0} 号事项是撤销事项，不能再更正或撤销；撤销有误的，请重新登记原事项")]
    RevocationIsFinal(crate::ids::Seq),
    #[error("撤销事项不含操作：撤销后原事项的全部操作自始不发生")]
    RevocationWithOps,
    #[error("补充附件不含操作，也不更正或撤销事项")]
    SupplementWithOps,
    #[error("第 {0} 号是补充附件，不是机构编制事项，不能更正或撤销")]
    NotCorrectable(crate::ids::Seq),
    /// A journal entry needed to check the matter cannot be decoded.
    #[error(transparent)]
    Journal(#[from] crate::ledger::JournalError),
}

impl MatterError {
    /// The underlying rule violation.
    pub fn violation(&self) -> Option<&Violation> {
        match self {
            MatterError::Op { violation, .. } => Some(violation),
            MatterError::Final(v) => Some(v),
            MatterError::Empty
            | MatterError::OutOfOrder { .. }
            | MatterError::NoSuchMatter(_)
            | MatterError::AlreadyCorrected { .. }
            | MatterError::RevocationIsFinal(_)
            | MatterError::RevocationWithOps
            | MatterError::SupplementWithOps
            | MatterError::NotCorrectable(_)
            | MatterError::Journal(_) => None,
            MatterError::Backdated { cause, .. } | MatterError::Corrected { cause, .. } => {
                cause.violation()
            }
        }
    }

    /// Stable snake_case code: the broken rule's [`Violation::code`] when
    /// there is one (a backdated matter or a correction names the rule the
    /// later matter breaks), else one naming what is wrong with the matter
    /// itself (`empty_matter`, `out_of_order`, or a correction's target).
    pub fn code(&self) -> &'static str {
        match self {
            MatterError::Empty => "empty_matter",
            MatterError::OutOfOrder { .. } => "out_of_order",
            MatterError::Op { violation, .. } | MatterError::Final(violation) => violation.code(),
            MatterError::Backdated { cause, .. } | MatterError::Corrected { cause, .. } => {
                cause.code()
            }
            MatterError::NoSuchMatter(_) => "no_such_matter",
            MatterError::AlreadyCorrected { .. } => "already_corrected",
            MatterError::RevocationIsFinal(_) => "revocation_is_final",
            MatterError::RevocationWithOps => "revocation_with_ops",
            MatterError::SupplementWithOps => "supplement_with_ops",
            MatterError::NotCorrectable(_) => "not_correctable",
            MatterError::Journal(_) => "undecodable_matter",
        }
    }

    /// Every code [`MatterError::code`] can return.
    pub fn codes() -> impl Iterator<Item = &'static str> {
        Violation::CODES.iter().copied().chain([
            "empty_matter",
            "out_of_order",
            "no_such_matter",
            "already_corrected",
            "revocation_is_final",
            "revocation_with_ops",
            "supplement_with_ops",
            "not_correctable",
            "undecodable_matter",
        ])
    }
}
