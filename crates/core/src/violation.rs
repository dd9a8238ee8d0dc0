//! Why a matter is refused: typed violations whose Display is the Chinese
//! message a clerk reads, naming the unit, the type and the numbers.

use chrono::NaiveDate;
use thiserror::Error;

/// A broken rule. Names are resolved to text when the violation is raised so the
/// message stands on its own.
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
    #[error("{0}")]
    Invalid(String),
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
    #[error("补登事项（生效日期 {effective}）会使 {broken_on} 生效的事项 {doc} 不再成立：{cause}")]
    Backdated {
        effective: NaiveDate,
        broken_on: NaiveDate,
        doc: String,
        cause: Box<MatterError>,
    },
}

impl MatterError {
    /// The underlying rule violation.
    pub fn violation(&self) -> Option<&Violation> {
        match self {
            MatterError::Op { violation, .. } => Some(violation),
            MatterError::Final(v) => Some(v),
            MatterError::Empty => None,
            MatterError::Backdated { cause, .. } => cause.violation(),
        }
    }
}
