//! The records the ledger keeps: units, quota accounts, leadership-post accounts,
//! people and use-plan lines.

use chrono::NaiveDate;
use compact_str::CompactString;
use serde::{Deserialize, Serialize};

use crate::catalog::{
    ControlMode, InstitutionCategory, LeaveReason, PlanChannel, PostKind, Rank, StaffIdentity,
    UnitKind, UnitStatus,
};
use crate::ident::{IdNumber, Sex};
use crate::ids::{BodyId, FundingId, PersonId, PlanLineId, QuotaTypeId, UnitId};

/// An internal body (内设机构: 科/股/室).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct InternalBody {
    pub id: BodyId,
    pub name: String,
    pub abolished: bool,
}

/// A public body (机构) in the jurisdiction's tree.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Unit {
    pub id: UnitId,
    /// 全称.
    pub name: String,
    /// 简称.
    pub short_name: Option<String>,
    /// 挂牌 / 加挂牌子 (second names).
    pub second_names: Vec<String>,
    pub kind: UnitKind,
    /// 规格.
    pub rank: Rank,
    /// 事业单位类别 (事业单位 only).
    pub category: Option<InstitutionCategory>,
    /// 经费形式 of the unit.
    pub funding: Option<FundingId>,
    /// 统一社会信用代码.
    pub credit_code: Option<String>,
    /// Recorded reason when the credit code failed its checksum.
    pub credit_code_warning: Option<String>,
    /// 主管部门 / 上级机构; `None` = directly under the jurisdiction.
    pub parent: Option<UnitId>,
    pub bodies: Vec<InternalBody>,
    /// 主要职能.
    pub functions: String,
    pub status: UnitStatus,
    pub control: ControlMode,
    pub established: NaiveDate,
    pub abolished_on: Option<NaiveDate>,
    /// Set when the unit was merged (合并) into another.
    pub merged_into: Option<UnitId>,
    /// 行业领域: a code of [`crate::codes::SECTOR`].
    #[serde(default)]
    pub sector: Option<String>,
}

impl Unit {
    pub fn is_active(&self) -> bool {
        self.status == UnitStatus::Active
    }

    pub fn body(&self, id: BodyId) -> Option<&InternalBody> {
        self.bodies.iter().find(|b| b.id == id)
    }
}

/// Key of a quota account: (unit, 编制类型, 经费形式).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct AccountKey {
    pub unit: UnitId,
    pub qtype: QuotaTypeId,
    pub funding: FundingId,
}

/// The numbers of a quota account (DOMAIN §2.2).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Counts {
    /// 核定.
    pub approved: i32,
    /// 实有.
    pub actual: i32,
    /// 冻结 (已批未入编).
    pub frozen: i32,
    /// 锁定.
    pub locked: i32,
    /// 周转借入.
    pub borrowed: i32,
    /// 过桥编制: temporary slots held for people who moved in with their quota.
    #[serde(default)]
    pub bridged: i32,
    /// 已核未下达: approved 承兑 tranches not yet released (not usable).
    #[serde(default)]
    pub unreleased: i32,
}

impl Counts {
    /// 可用空编 = 核定 + 周转借入 + 过桥 − 实有 − 冻结 − 锁定.
    pub fn available(&self) -> i32 {
        self.capacity() - self.actual - self.frozen - self.locked
    }

    /// Slots the account may fill: 核定 + 周转借入 + 过桥.
    pub fn capacity(&self) -> i32 {
        self.approved + self.borrowed + self.bridged
    }

    /// 超编 = max(0, 实有 − 核定 − 周转借入 − 过桥).
    pub fn over(&self) -> i32 {
        (self.actual - self.capacity()).max(0)
    }

    /// The signed statistic "空编(或超编)人数": 核定 + 周转借入 + 过桥 − 实有.
    pub fn vacancy_signed(&self) -> i32 {
        self.capacity() - self.actual
    }

    pub fn add(&mut self, o: &Counts) {
        self.approved += o.approved;
        self.actual += o.actual;
        self.frozen += o.frozen;
        self.locked += o.locked;
        self.borrowed += o.borrowed;
        self.bridged += o.bridged;
        self.unreleased += o.unreleased;
    }

    pub fn is_zero(&self) -> bool {
        *self == Counts::default()
    }
}

/// A quota account (编制账户).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaAccount {
    pub key: AccountKey,
    pub counts: Counts,
    /// 超编消化: the account is over quota by an explicit, recorded decision and may
    /// not hire until 可用空编 is back to ≥ 0 (then the flag clears itself).
    pub digesting: bool,
}

/// Key of a leadership-post account: unit or internal body × post kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PostKey {
    pub unit: UnitId,
    pub body: Option<BodyId>,
    pub kind: PostKind,
}

/// A leadership-post account (领导职数).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostAccount {
    pub key: PostKey,
    /// 核定.
    pub approved: i32,
    /// Distinct people holding a counted post of this key (one person holding two
    /// posts counts once); 实配 = `holders.len()`.
    pub holders: Vec<PersonId>,
}

impl PostAccount {
    /// 实配.
    pub fn filled(&self) -> i32 {
        self.holders.len() as i32
    }
    /// 空缺 (negative = 超职数).
    pub fn vacant(&self) -> i32 {
        self.approved - self.filled()
    }
}

/// A leadership post held by a person.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostHolding {
    pub key: PostKey,
    /// 职务名称, e.g. 局长, 副主任.
    pub title: String,
    /// Posts such as 专员 / 督查专员 do not count against 领导职数.
    pub counted: bool,
    pub since: NaiveDate,
}

/// Personal details of a person (实名制信息). Key fields (姓名, 出生日期,
/// 参加工作时间, 身份证号) change only through 关键信息更正. The short
/// fields are [`CompactString`]s (inline up to 24 bytes, the same text in
/// JSON and postcard as a `String`), so copying a person allocates only the
/// name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonDetails {
    /// 姓名.
    pub name: String,
    /// 公民身份号码.
    pub id_number: IdNumber,
    /// 民族.
    #[serde(default = "default_ethnicity")]
    pub ethnicity: CompactString,
    /// 政治面貌.
    #[serde(default)]
    pub political: CompactString,
    /// 学历/学位.
    #[serde(default)]
    pub education: CompactString,
    /// 参加工作时间.
    #[serde(default)]
    pub work_start: Option<NaiveDate>,
    /// 人员身份.
    pub identity: StaffIdentity,
    /// 岗位类别/等级.
    #[serde(default)]
    pub post_grade: CompactString,
    /// 职务/职级.
    #[serde(default)]
    pub position: CompactString,
}

fn default_ethnicity() -> CompactString {
    CompactString::const_new("汉族")
}

impl PersonDetails {
    pub fn sex(&self) -> Sex {
        self.id_number.sex()
    }
    pub fn birth(&self) -> NaiveDate {
        self.id_number.birth_date()
    }
}

/// Where a person sits and in which state; small and `Copy` so its history is cheap.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Placement {
    pub unit: UnitId,
    pub body: Option<BodyId>,
    pub qtype: QuotaTypeId,
    pub funding: FundingId,
    pub status: PersonStatus,
}

impl Placement {
    pub fn key(&self) -> AccountKey {
        AccountKey {
            unit: self.unit,
            qtype: self.qtype,
            funding: self.funding,
        }
    }
    /// Occupies the quota (实有) or holds a frozen slot (冻结).
    pub fn is_enrolled(&self) -> bool {
        matches!(self.status, PersonStatus::Pending | PersonStatus::Active)
    }
}

/// 人员状态.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum PersonStatus {
    /// 已批未报到: approved, holding a frozen slot (冻结).
    Pending,
    /// 在编: occupying the quota (实有).
    Active,
    /// 已出编.
    Left(LeaveReason),
    /// 已批入编被撤回 (approval withdrawn before 报到).
    Withdrawn,
    /// 备案人员: registered staff outside 编制, counted against 人员控制总量.
    Filed,
}

impl PersonStatus {
    pub fn label(&self) -> &'static str {
        match self {
            PersonStatus::Pending => "已批未报到",
            PersonStatus::Active => "在编",
            PersonStatus::Left(_) => "已出编",
            PersonStatus::Withdrawn => "已撤回",
            PersonStatus::Filed => "备案人员",
        }
    }
}

/// A person (实名制人员).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub id: PersonId,
    pub details: PersonDetails,
    pub placement: Placement,
    /// 入编时间 and 入编文号 of the current enrolment.
    pub enrolled_on: NaiveDate,
    pub enrol_doc: CompactString,
    pub posts: Vec<PostHolding>,
}

/// A 用编计划 line: per unit per year, a count by channel and 编制类型.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PlanLine {
    pub id: PlanLineId,
    pub unit: UnitId,
    pub year: i32,
    pub channel: PlanChannel,
    pub qtype: QuotaTypeId,
    pub approved: i32,
    pub used: i32,
}

impl PlanLine {
    pub fn remaining(&self) -> i32 {
        self.approved - self.used
    }
}

/// 周转池: the jurisdiction's pool of one 编制类型.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolAccount {
    /// 池内可用 (owned by the pool, not out).
    pub balance: i32,
    /// 借出未还 (on loans to units).
    pub lent: i32,
    /// 过桥借出 (on bridges sourced from the pool).
    pub bridged: i32,
}

/// A loan from the 周转池 to a unit (周转借入).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Loan {
    pub id: crate::ids::LoanId,
    pub key: AccountKey,
    pub count: i32,
    pub returned: i32,
    /// 文号 of the loan.
    pub doc: String,
    pub start: NaiveDate,
    /// 到期日: outstanding slots that are free then return automatically; the rest
    /// are overdue and return on attrition.
    pub due: Option<NaiveDate>,
    /// 减员即还: each natural attrition in the account returns one slot.
    pub on_attrition: bool,
    /// 区属镇用 (a loan to a 镇 / 街道), reported separately (单列).
    pub town_use: bool,
}

impl Loan {
    pub fn outstanding(&self) -> i32 {
        self.count - self.returned
    }
    /// 逾期未还 as of `date`.
    pub fn overdue(&self, date: NaiveDate) -> bool {
        self.outstanding() > 0 && self.due.is_some_and(|d| d <= date)
    }
}

/// Where a 过桥 slot came from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum BridgeSource {
    /// The sending unit's slot travels with the person (人编同调、带编流动).
    Sender(AccountKey),
    /// 周转池.
    Pool,
}

/// A 过桥编制: a temporary slot in the receiving account.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Bridge {
    pub id: crate::ids::BridgeId,
    pub key: AccountKey,
    pub person: PersonId,
    pub source: BridgeSource,
    pub doc: String,
    pub start: NaiveDate,
    /// 消化期限.
    pub deadline: NaiveDate,
    /// When it was written off against a natural vacancy.
    pub written_off: Option<NaiveDate>,
}

impl Bridge {
    pub fn overdue(&self, date: NaiveDate) -> bool {
        self.written_off.is_none() && self.deadline < date
    }
}

/// One tranche of a 承兑编制 grant.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Tranche {
    pub date: NaiveDate,
    pub count: i32,
}

/// The kind of an instrument grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub enum GrantKind {
    /// 承兑编制: released tranche by tranche.
    Phased {
        tranches: Vec<Tranche>,
        released: i32,
    },
    /// 动态编制 (退一收一): reclaimed one per natural attrition until all are back.
    Dynamic {
        reclaimed: i32,
        /// 调出 counts as attrition too.
        include_transfer_out: bool,
    },
}

/// A 承兑 or 动态 grant.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Grant {
    pub id: crate::ids::GrantId,
    pub key: AccountKey,
    pub count: i32,
    pub doc: String,
    pub start: NaiveDate,
    /// Drawn from the 周转池 (inside the jurisdiction's total) rather than new.
    pub from_pool: bool,
    pub kind: GrantKind,
}

impl Grant {
    /// 承兑: 已核未下达; 动态: not yet reclaimed.
    pub fn outstanding(&self) -> i32 {
        match &self.kind {
            GrantKind::Phased { released, .. } => self.count - released,
            GrantKind::Dynamic { reclaimed, .. } => self.count - reclaimed,
        }
    }
}

/// 备案制 figures of a unit.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Staffing {
    /// 人员控制总量.
    pub cap: Option<i32>,
    /// 备案人员.
    pub filed: i32,
}

/// A total of 编制 set by the level above for a 行业领域 (e.g. the district's
/// 中小学教职工编制总量): the 核定 (with 已核未下达 承兑 tranches) of every
/// unit of the sector, in one 编制类型 or in all, may not go beyond it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SectorTotal {
    /// The sector's code ([`crate::codes::SECTOR`]); a field's two-digit code
    /// covers every sector in it.
    pub sector: String,
    /// The 编制类型 it limits; `None` = every type.
    pub qtype: Option<QuotaTypeId>,
    /// The total; `None` once lifted.
    pub count: Option<i32>,
    /// 文号 of the document that set it.
    pub doc: String,
    /// Effective date of that document.
    pub since: NaiveDate,
}
