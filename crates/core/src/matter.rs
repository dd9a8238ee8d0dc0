//! Matters (机构编制事项): a 文号, an effective date, the recorded time, the
//! actor, a reason and a list of operations applied atomically.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

pub mod describe;

use crate::catalog::{
    ControlMode, InstitutionCategory, LeaveReason, PlanChannel, PostKind, QuotaClass, Rank,
    UnitKind,
};
use crate::ident::DocNo;
use crate::ids::{BodyId, BridgeId, GrantId, LoanId, PersonId, PlanLineId, UnitId};
use crate::model::{PersonDetails, Tranche};

/// A reference to a unit: its id, or (in drafts) its full name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum UnitRef {
    Id(UnitId),
    Name(String),
}

impl From<UnitId> for UnitRef {
    fn from(id: UnitId) -> Self {
        UnitRef::Id(id)
    }
}

/// A reference to a quota type or funding form: its numeric id, code or name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum CatRef {
    Id(u16),
    Name(String),
}

/// A reference to a person: id, or (in drafts) 公民身份号码.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(untagged)]
pub enum PersonRef {
    Id(PersonId),
    IdNumber(String),
}

impl From<PersonId> for PersonRef {
    fn from(id: PersonId) -> Self {
        PersonRef::Id(id)
    }
}

/// The quota account an operation addresses.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AccountRef {
    pub unit: UnitRef,
    /// 编制类型.
    pub qtype: CatRef,
    /// 经费形式.
    pub funding: CatRef,
}

/// Attributes of a unit being set up (设立).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NewUnit {
    /// Assigned when the matter is recorded.
    #[serde(default)]
    pub id: Option<UnitId>,
    pub name: String,
    #[serde(default)]
    pub short_name: Option<String>,
    pub kind: UnitKind,
    pub rank: Rank,
    #[serde(default)]
    pub category: Option<InstitutionCategory>,
    #[serde(default)]
    pub funding: Option<CatRef>,
    #[serde(default)]
    pub credit_code: Option<String>,
    #[serde(default)]
    pub parent: Option<UnitRef>,
    #[serde(default)]
    pub functions: String,
    /// 行业领域 (a code of [`crate::codes::SECTOR`]; its name in drafts).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sector: Option<String>,
}

/// What happens to the people and quotas of a unit that is abolished.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Remap {
    /// People and quota accounts move to this unit (same 编制类型 and 经费形式).
    pub to: UnitRef,
}

/// One operation of a matter.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum Op {
    /// Adds a local quota type (员额, 单列编制 …) to the catalogue.
    DefineQuotaType {
        code: String,
        name: String,
        class: QuotaClass,
    },
    /// 设立 a unit.
    CreateUnit(NewUnit),
    /// 更名.
    RenameUnit {
        unit: UnitRef,
        name: String,
        #[serde(default)]
        short_name: Option<String>,
    },
    /// 调整规格.
    SetRank { unit: UnitRef, rank: Rank },
    /// 变更 of registration attributes (事业单位类别, 经费形式, 统一社会信用代码, 职能).
    UpdateUnit {
        unit: UnitRef,
        #[serde(default)]
        category: Option<InstitutionCategory>,
        #[serde(default)]
        funding: Option<CatRef>,
        #[serde(default)]
        credit_code: Option<String>,
        #[serde(default)]
        functions: Option<String>,
    },
    /// 挂牌: hang a second name on a unit.
    AddSecondName { unit: UnitRef, name: String },
    /// 摘牌.
    RemoveSecondName { unit: UnitRef, name: String },
    /// 设立内设机构.
    AddBody {
        unit: UnitRef,
        #[serde(default)]
        body: Option<BodyId>,
        name: String,
    },
    /// 撤销内设机构 (must be empty of people and posts).
    RemoveBody { unit: UnitRef, body: BodyId },
    /// 划转: move a unit under another parent (`None` = directly under the jurisdiction).
    MoveUnit {
        unit: UnitRef,
        #[serde(default)]
        parent: Option<UnitRef>,
    },
    /// 合并: the unit's people, quotas and leadership posts are re-mapped into
    /// `into`, and the unit is abolished.
    MergeUnit { unit: UnitRef, into: UnitRef },
    /// 撤销: with `remap`, people and quotas move in the same operation; without,
    /// earlier operations of the same matter must have emptied the unit.
    AbolishUnit {
        unit: UnitRef,
        #[serde(default)]
        remap: Option<Remap>,
    },
    /// Sets the unit's control mode (严格控制 / 仅预警).
    SetControlMode { unit: UnitRef, mode: ControlMode },
    /// 核定: sets the approved count of an account.
    SetQuota {
        #[serde(flatten)]
        account: AccountRef,
        count: i32,
        /// Accept going below 实有 (the account enters 超编消化).
        #[serde(default)]
        allow_over: bool,
    },
    /// 核增.
    IncreaseQuota {
        #[serde(flatten)]
        account: AccountRef,
        count: i32,
    },
    /// 核减.
    DecreaseQuota {
        #[serde(flatten)]
        account: AccountRef,
        count: i32,
        #[serde(default)]
        allow_over: bool,
    },
    /// 划转编制 between units (same type and funding form).
    TransferQuota {
        from: UnitRef,
        to: UnitRef,
        qtype: CatRef,
        funding: CatRef,
        count: i32,
    },
    /// 锁定.
    LockQuota {
        #[serde(flatten)]
        account: AccountRef,
        count: i32,
        #[serde(default)]
        purpose: String,
    },
    /// 解锁.
    UnlockQuota {
        #[serde(flatten)]
        account: AccountRef,
        count: i32,
    },
    /// 核定领导职数.
    SetPosts {
        unit: UnitRef,
        #[serde(default)]
        body: Option<BodyId>,
        kind: PostKind,
        count: i32,
    },
    /// Approve a 用编计划 line.
    ApprovePlanLine {
        #[serde(default)]
        line: Option<PlanLineId>,
        unit: UnitRef,
        year: i32,
        channel: PlanChannel,
        qtype: CatRef,
        count: i32,
    },
    /// 入编 (approval): the person holds a frozen slot (冻结) until 报到.
    Hire {
        #[serde(default)]
        person: Option<PersonId>,
        #[serde(flatten)]
        account: AccountRef,
        #[serde(default)]
        body: Option<BodyId>,
        plan_line: PlanLineId,
        details: PersonDetails,
    },
    /// 报到: the frozen slot becomes 实有.
    Onboard { person: PersonRef },
    /// Withdraw an approved hire before 报到 (releases the frozen slot).
    WithdrawHire { person: PersonRef },
    /// 出编.
    Leave {
        person: PersonRef,
        reason: LeaveReason,
    },
    /// 调动: one 出编 + one 入编, atomic; the person keeps identity and history.
    Transfer {
        person: PersonRef,
        #[serde(flatten)]
        to: AccountRef,
        #[serde(default)]
        body: Option<BodyId>,
        /// The receiving unit's 用编计划 line (调入 consumes the plan like any 入编).
        plan_line: PlanLineId,
    },
    /// 任职.
    Appoint {
        person: PersonRef,
        #[serde(default)]
        body: Option<BodyId>,
        kind: PostKind,
        title: String,
        /// Posts that do not count against 领导职数 (专员, 督查专员 …).
        #[serde(default)]
        exempt: bool,
    },
    /// 免职.
    Remove {
        person: PersonRef,
        #[serde(default)]
        body: Option<BodyId>,
        kind: PostKind,
    },
    /// 关键信息更正 (by the 编办 only).
    CorrectPerson {
        person: PersonRef,
        #[serde(default)]
        name: Option<String>,
        #[serde(default)]
        id_number: Option<String>,
        #[serde(default)]
        work_start: Option<NaiveDate>,
    },
    /// 存量人员登记 (建账): registers a person already occupying a quota when the
    /// ledger is first set up, without a use plan; checks the quota like 入编.
    RegisterExisting {
        #[serde(default)]
        person: Option<PersonId>,
        #[serde(flatten)]
        account: AccountRef,
        #[serde(default)]
        body: Option<BodyId>,
        enrolled_on: NaiveDate,
        details: PersonDetails,
        /// Accept registering beyond quota (the account enters 超编消化).
        #[serde(default)]
        allow_over: bool,
    },
    /// 上级核定周转编制: adds slots to the 周转池 of a type.
    FundPool { qtype: CatRef, count: i32 },
    /// 核减收回: lowers a unit's 核定; the slots go to the 周转池.
    Reclaim {
        #[serde(flatten)]
        account: AccountRef,
        count: i32,
        /// Accept going below 实有 (the account enters 超编消化).
        #[serde(default)]
        allow_over: bool,
    },
    /// 收回撤并单位编制: every 核定 slot of a unit goes to the 周转池 (before it is
    /// abolished; its people must have been re-mapped).
    ReclaimUnitQuotas { unit: UnitRef },
    /// 周转池借出 to a unit (周转借入).
    Lend {
        #[serde(default)]
        loan: Option<LoanId>,
        #[serde(flatten)]
        account: AccountRef,
        count: i32,
        #[serde(default)]
        due: Option<NaiveDate>,
        /// Return one slot per natural attrition in the account.
        #[serde(default)]
        on_attrition: bool,
    },
    /// 归还周转编制 by hand.
    ReturnLoan {
        loan: LoanId,
        /// Default: everything outstanding.
        #[serde(default)]
        count: Option<i32>,
    },
    /// 过桥编制: a 调动 into an account with no vacancy; the receiver gets a
    /// temporary slot from the sender (人编同调) or from the 周转池.
    BridgeTransfer {
        #[serde(default)]
        bridge: Option<BridgeId>,
        person: PersonRef,
        #[serde(flatten)]
        to: AccountRef,
        #[serde(default)]
        body: Option<BodyId>,
        /// Take the slot from the 周转池 instead of the sender.
        #[serde(default)]
        from_pool: bool,
        /// 消化期限.
        deadline: NaiveDate,
    },
    /// 承兑编制: approve N at once, released tranche by tranche on their dates.
    GrantPhased {
        #[serde(default)]
        grant: Option<GrantId>,
        #[serde(flatten)]
        account: AccountRef,
        tranches: Vec<Tranche>,
        /// Drawn from the 周转池 (reserved now) instead of new approval.
        #[serde(default)]
        from_pool: bool,
    },
    /// 动态编制 (退一收一): N slots from the 周转池, reclaimed one per natural
    /// attrition in the account until all N are back.
    GrantDynamic {
        #[serde(default)]
        grant: Option<GrantId>,
        #[serde(flatten)]
        account: AccountRef,
        count: i32,
        #[serde(default)]
        include_transfer_out: bool,
    },
    /// 人员控制总量 of a unit under 备案制 (`None` lifts it).
    SetStaffCap {
        unit: UnitRef,
        #[serde(default)]
        count: Option<i32>,
    },
    /// 备案人员登记: staff registered outside 编制.
    RegisterFiled {
        #[serde(default)]
        person: Option<PersonId>,
        unit: UnitRef,
        details: PersonDetails,
    },
    /// 定向入编: a 备案 person moves into a freed 编制 slot.
    DirectedEnrol {
        person: PersonRef,
        #[serde(flatten)]
        account: AccountRef,
        #[serde(default)]
        body: Option<BodyId>,
    },
    /// 调整行业领域: sets the sector of a unit (its code or name in drafts).
    SetSector { unit: UnitRef, sector: String },
    /// 核定行业编制总量: the level above sets (or lifts, without a count) the
    /// total of 编制 of a sector, in one 编制类型 or all.
    SetSectorTotal {
        sector: String,
        #[serde(default)]
        qtype: Option<CatRef>,
        #[serde(default)]
        count: Option<i32>,
        /// Accept a total below what the sector already holds: nothing may
        /// be added to the sector until it is back within the total.
        #[serde(default)]
        allow_over: bool,
    },
}

impl Op {
    /// The Chinese name of the operation (事项类型), from its description.
    pub fn label(&self) -> &'static str {
        self.spec().label
    }
}

/// A matter (机构编制事项).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Matter {
    /// 文号.
    pub doc: DocNo,
    /// 生效日期.
    pub effective: NaiveDate,
    /// 登记时间 (set by the ledger when the matter is recorded).
    pub recorded_at: DateTime<Utc>,
    /// 经办人.
    pub actor: String,
    /// 事由.
    #[serde(default)]
    pub reason: String,
    pub ops: Vec<Op>,
    /// Warnings accepted with the matter (e.g. a hire beyond quota in a unit in
    /// 仅预警 mode), recorded so the journal shows the decision.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
    /// Documents filed with the matter (决定文件, 会议纪要, 论证材料 …), each by
    /// its SM3 digest, so the hash-chained journal fixes their content; the
    /// files themselves are kept by the workflow store.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub attachments: Vec<AttachmentRef>,
    /// 更正 / 撤销: the earlier matter this one corrects, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub corrects: Option<Correction>,
    /// 补充附件: documents filed later with an earlier matter (its 序号). Such
    /// an entry has no operations and changes no figure; it puts the
    /// documents' SM3 digests into the hash-chained journal.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub supplements: Option<crate::ids::Seq>,
}

/// 更正 / 撤销: a recorded matter is never edited. A later matter voids it
/// from the start (自始无效) and, for an amendment (更正), puts its own
/// operations in its place; the ledger replays everything after to check
/// that it still holds, as for a backdated matter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Correction {
    /// The matter corrected (its 序号); it must still stand.
    pub of: crate::ids::Seq,
    pub kind: CorrectionKind,
    /// The first matter of the chain an amendment continues (set by the
    /// ledger when recorded): the amendment is applied where that matter
    /// was, among matters of the same effective date.
    #[serde(default)]
    pub root: crate::ids::Seq,
}

/// Whether a correction voids a matter (撤销) or replaces it (更正).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CorrectionKind {
    /// 撤销: the matter is void from the start; the 撤销 has no operations.
    Revoke,
    /// 更正: the matter is void and this matter's operations take its place.
    Amend,
}

impl CorrectionKind {
    pub fn label(self) -> &'static str {
        match self {
            CorrectionKind::Revoke => "撤销",
            CorrectionKind::Amend => "更正",
        }
    }
}

/// A document filed with a matter: its name and the SM3 digest of its content.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachmentRef {
    /// File name as uploaded (e.g. `编委会议纪要.pdf`).
    pub name: String,
    /// SM3 of the content, lower-case hex.
    pub sm3: String,
    /// Size in bytes.
    pub size: u64,
}

impl Matter {
    /// How many person records the matter may add (入编, 登记, 备案人员登记):
    /// a bound for sizing the tables before a replay.
    pub fn people_added(&self) -> usize {
        self.ops
            .iter()
            .filter(|o| {
                matches!(
                    o,
                    Op::Hire { .. } | Op::RegisterExisting { .. } | Op::RegisterFiled { .. }
                )
            })
            .count()
    }
}
