//! A case: an institutional matter (机构编制事项) going through the stages of
//! the 2019 《中国共产党机构编制工作条例》: 动议 → 论证 → 审议决定 → 组织实施,
//! then 跟踪问效 (DOMAIN §4). Each action checks the stage and the actor's
//! role, changes nothing when refused, and appends an event to the history
//! (which is never dropped, also across returns and resubmissions).

use bianzhi_core::catalog::UnitKind;
use bianzhi_core::ident::{parse_doc_no, DocNoError};
use bianzhi_core::{AttachmentRef, Op, State, UnitId, UnitRef};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::assess::Assessment;

/// The stage of a case.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Stage {
    /// 动议.
    Proposal,
    /// 论证 (事前评估 and opinions).
    Assessment,
    /// 审议决定.
    Decision,
    /// 组织实施.
    Implementation,
    /// 跟踪问效.
    FollowUp,
    /// 已办结.
    Closed,
    /// 不予通过.
    Rejected,
    /// 已撤回.
    Withdrawn,
}

impl Stage {
    pub const ALL: [Stage; 8] = [
        Stage::Proposal,
        Stage::Assessment,
        Stage::Decision,
        Stage::Implementation,
        Stage::FollowUp,
        Stage::Closed,
        Stage::Rejected,
        Stage::Withdrawn,
    ];

    /// The Chinese name.
    pub fn label(self) -> &'static str {
        match self {
            Stage::Proposal => "动议",
            Stage::Assessment => "论证",
            Stage::Decision => "审议决定",
            Stage::Implementation => "组织实施",
            Stage::FollowUp => "跟踪问效",
            Stage::Closed => "已办结",
            Stage::Rejected => "不予通过",
            Stage::Withdrawn => "已撤回",
        }
    }

    /// The English code (as in JSON and URLs).
    pub fn code(self) -> &'static str {
        match self {
            Stage::Proposal => "proposal",
            Stage::Assessment => "assessment",
            Stage::Decision => "decision",
            Stage::Implementation => "implementation",
            Stage::FollowUp => "follow_up",
            Stage::Closed => "closed",
            Stage::Rejected => "rejected",
            Stage::Withdrawn => "withdrawn",
        }
    }

    /// Parses the code or the Chinese name.
    pub fn parse(s: &str) -> Option<Stage> {
        let s = s.trim();
        Stage::ALL
            .into_iter()
            .find(|x| x.code() == s || x.label() == s)
    }

    /// Still moving (not 已办结 / 不予通过 / 已撤回).
    pub fn is_open(self) -> bool {
        !matches!(self, Stage::Closed | Stage::Rejected | Stage::Withdrawn)
    }
}

impl std::fmt::Display for Stage {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Who acts on a case (the web maps its roles to this).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "role", rename_all = "snake_case")]
pub enum Actor {
    /// 单位经办, limited to the subtree rooted at `scope`.
    UnitClerk { scope: UnitId },
    /// 编办经办.
    OfficeClerk,
    /// 编办领导.
    OfficeLeader,
}

impl Actor {
    pub fn label(&self) -> &'static str {
        match self {
            Actor::UnitClerk { .. } => "单位经办",
            Actor::OfficeClerk => "编办经办",
            Actor::OfficeLeader => "编办领导",
        }
    }
    /// 编办经办 or 编办领导.
    pub fn is_office(&self) -> bool {
        matches!(self, Actor::OfficeClerk | Actor::OfficeLeader)
    }
}

/// The proposed change: the operations the matter will apply when implemented.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Draft {
    /// 事由 of the matter.
    pub reason: String,
    /// Proposed 生效日期.
    pub effective: NaiveDate,
    pub ops: Vec<Op>,
}

impl Draft {
    /// The existing units each operation touches, names resolved against
    /// `st` as the matter would be (units the draft itself creates are left
    /// out); `None` if a name does not resolve. A proposer limited to some
    /// units may only propose operations all of whose units are among them.
    pub fn units(&self, st: &State) -> Option<Vec<Vec<UnitId>>> {
        let mut m = bianzhi_core::Matter {
            doc: crate::assess::placeholder_doc(self.effective.year()),
            effective: self.effective,
            recorded_at: self.effective.and_hms_opt(0, 0, 0)?.and_utc(),
            actor: String::new(),
            reason: self.reason.clone(),
            ops: self.ops.clone(),
            warnings: Vec::new(),
            attachments: Vec::new(),
            corrects: None,
            supplements: None,
        };
        st.resolve(&mut m).ok()?;
        Some(
            m.ops
                .iter()
                .map(|op| {
                    bianzhi_core::query::op_units(st, op, self.effective)
                        .into_iter()
                        .filter(|u| st.unit(*u).is_some())
                        .collect()
                })
                .collect(),
        )
    }
}

/// Whether an operation belongs in an institutional matter; `Err` says where
/// it goes instead.
fn institutional(op: &Op) -> Result<(), &'static str> {
    match op {
        Op::DefineQuotaType { .. }
        | Op::CreateUnit(_)
        | Op::RenameUnit { .. }
        | Op::SetRank { .. }
        | Op::UpdateUnit { .. }
        | Op::AddSecondName { .. }
        | Op::RemoveSecondName { .. }
        | Op::AddBody { .. }
        | Op::RemoveBody { .. }
        | Op::MoveUnit { .. }
        | Op::MergeUnit { .. }
        | Op::AbolishUnit { .. }
        | Op::SetControlMode { .. }
        | Op::SetQuota { .. }
        | Op::IncreaseQuota { .. }
        | Op::DecreaseQuota { .. }
        | Op::TransferQuota { .. }
        | Op::LockQuota { .. }
        | Op::UnlockQuota { .. }
        | Op::SetPosts { .. }
        | Op::FundPool { .. }
        | Op::Reclaim { .. }
        | Op::ReclaimUnitQuotas { .. }
        | Op::Lend { .. }
        | Op::ReturnLoan { .. }
        | Op::BridgeTransfer { .. }
        | Op::GrantPhased { .. }
        | Op::GrantDynamic { .. }
        | Op::SetStaffCap { .. }
        | Op::SetSector { .. }
        | Op::SetSectorTotal { .. } => Ok(()),
        Op::ApprovePlanLine { .. } => Err("用编计划"),
        Op::Hire { .. }
        | Op::Onboard { .. }
        | Op::WithdrawHire { .. }
        | Op::Leave { .. }
        | Op::Transfer { .. }
        | Op::Appoint { .. }
        | Op::Remove { .. }
        | Op::CorrectPerson { .. }
        | Op::RegisterExisting { .. }
        | Op::RegisterFiled { .. }
        | Op::DirectedEnrol { .. } => Err("申请"),
    }
}

/// Whether an operation belongs in an institutional matter (see
/// [`Draft::check_institutional`]).
pub fn is_institutional(op: &Op) -> bool {
    institutional(op).is_ok()
}

impl Draft {
    /// Only institutional operations belong in a case: units (设立, 撤并, 更名,
    /// 调整规格, 挂牌/摘牌, 内设机构, 划转), quotas (核定, 核增, 核减, 划转编制,
    /// 锁定), 领导职数 and the instruments (周转池, 核减收回, 过桥, 承兑, 动态,
    /// 备案制总量). Person operations go through 申请, use-plan lines through
    /// 用编计划.
    pub fn check_institutional(&self) -> Result<(), CaseError> {
        if self.ops.is_empty() {
            return Err(CaseError::EmptyDraft);
        }
        for (i, op) in self.ops.iter().enumerate() {
            if let Err(channel) = institutional(op) {
                return Err(CaseError::NotInstitutional {
                    op: i + 1,
                    label: op.label(),
                    channel,
                });
            }
        }
        Ok(())
    }
}

/// The kind of a case, derived from its operations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum CaseKind {
    /// 设立机构.
    Establish,
    /// 撤并机构.
    Abolish,
    /// 更名.
    Rename,
    /// 调整规格.
    Rank,
    /// 挂牌 (and 摘牌).
    SecondName,
    /// 编制调整 (核定, 核增, 核减, 划转, 锁定, 核减收回).
    Quota,
    /// 领导职数调整.
    Posts,
    /// 调控工具 (周转池, 过桥, 承兑, 动态, 备案制).
    Instrument,
    /// 其他 (内设机构, 划转隶属关系, 登记事项 …).
    Other,
    /// 综合: operations of several kinds.
    Mixed,
}

impl CaseKind {
    pub const ALL: [CaseKind; 10] = [
        CaseKind::Establish,
        CaseKind::Abolish,
        CaseKind::Rename,
        CaseKind::Rank,
        CaseKind::SecondName,
        CaseKind::Quota,
        CaseKind::Posts,
        CaseKind::Instrument,
        CaseKind::Other,
        CaseKind::Mixed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            CaseKind::Establish => "设立机构",
            CaseKind::Abolish => "撤并机构",
            CaseKind::Rename => "更名",
            CaseKind::Rank => "调整规格",
            CaseKind::SecondName => "挂牌",
            CaseKind::Quota => "编制调整",
            CaseKind::Posts => "领导职数调整",
            CaseKind::Instrument => "调控工具",
            CaseKind::Other => "其他",
            CaseKind::Mixed => "综合",
        }
    }

    /// A 设立 anywhere makes the case 设立机构 (its quotas and posts come
    /// with it), else a 撤销 / 合并 makes it 撤并机构; otherwise the kind all
    /// operations share, or 综合.
    pub fn of(ops: &[Op]) -> CaseKind {
        if ops.iter().any(|o| matches!(o, Op::CreateUnit(_))) {
            return CaseKind::Establish;
        }
        if ops
            .iter()
            .any(|o| matches!(o, Op::AbolishUnit { .. } | Op::MergeUnit { .. }))
        {
            return CaseKind::Abolish;
        }
        let kind = |op: &Op| match op {
            Op::RenameUnit { .. } => CaseKind::Rename,
            Op::SetRank { .. } => CaseKind::Rank,
            Op::AddSecondName { .. } | Op::RemoveSecondName { .. } => CaseKind::SecondName,
            Op::SetQuota { .. }
            | Op::IncreaseQuota { .. }
            | Op::DecreaseQuota { .. }
            | Op::TransferQuota { .. }
            | Op::LockQuota { .. }
            | Op::UnlockQuota { .. }
            | Op::Reclaim { .. }
            | Op::ReclaimUnitQuotas { .. } => CaseKind::Quota,
            Op::SetPosts { .. } => CaseKind::Posts,
            Op::FundPool { .. }
            | Op::Lend { .. }
            | Op::ReturnLoan { .. }
            | Op::BridgeTransfer { .. }
            | Op::GrantPhased { .. }
            | Op::GrantDynamic { .. }
            | Op::SetStaffCap { .. } => CaseKind::Instrument,
            _ => CaseKind::Other,
        };
        let mut kinds = ops.iter().map(kind);
        match kinds.next() {
            None => CaseKind::Other,
            Some(first) => {
                if kinds.all(|k| k == first) {
                    first
                } else {
                    CaseKind::Mixed
                }
            }
        }
    }
}

impl std::fmt::Display for CaseKind {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// An opinion gathered in 论证 (征求意见).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Opinion {
    pub author: String,
    /// The department giving it (组织部, 财政局, 人社局, 编办 …).
    pub dept: String,
    pub text: String,
    pub at: DateTime<Utc>,
}

/// 审议决定.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Decision {
    pub approved: bool,
    /// 编委会议 / 编办主任办公会 / 上级编委.
    pub body: String,
    /// 会议纪要.
    pub meeting: String,
    /// 文号 of the decision (parsed when approved).
    pub doc_no: String,
    pub date: NaiveDate,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// 组织实施: the matter applied to the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Implemented {
    /// Journal sequence number of the matter.
    pub seq: u64,
    pub doc_no: String,
    pub effective: NaiveDate,
    pub at: DateTime<Utc>,
}

/// 跟踪问效.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FollowUp {
    /// When the evaluation is due.
    pub due: NaiveDate,
    pub findings: Option<String>,
    /// 好 / 较好 / 一般 / 差.
    pub rating: Option<String>,
    pub done_at: Option<DateTime<Utc>>,
    pub by: Option<String>,
}

/// The ratings of a follow-up evaluation.
pub const RATINGS: [&str; 4] = ["好", "较好", "一般", "差"];

/// A document stored with the case (the bytes are kept by the caller).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attachment {
    pub name: String,
    pub mime: String,
    pub size: u64,
    /// SM3 digest, lower-case hex.
    pub sm3: String,
    /// The stage it was attached in.
    pub stage: Stage,
    pub by: String,
    pub at: DateTime<Utc>,
}

/// One entry of a case's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CaseEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// What was done, in Chinese (提交论证, 退回, 审议通过 …).
    pub action: String,
    pub from: Stage,
    pub to: Stage,
    pub comment: String,
}

/// An institutional matter (机构编制事项) and its progress.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Case {
    /// 0 until stored.
    pub id: i64,
    pub title: String,
    /// 动议理由.
    pub reasons: String,
    /// 主要涉及单位.
    pub unit: Option<UnitId>,
    pub unit_name: String,
    /// Display name of the proposer.
    pub proposer: String,
    /// The proposing unit (the root of the 单位经办's scope); `None` = the 编办.
    pub proposer_unit: Option<UnitId>,
    pub kind: CaseKind,
    pub draft: Draft,
    /// 镇 / 街道: decided by the upper level's 机构编制部门.
    pub decided_by_upper: bool,
    pub stage: Stage,
    pub stage_since: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub assessment: Option<Assessment>,
    pub opinions: Vec<Opinion>,
    pub decision: Option<Decision>,
    pub implemented: Option<Implemented>,
    pub follow_up: Option<FollowUp>,
    pub attachments: Vec<Attachment>,
    pub history: Vec<CaseEvent>,
}

/// An action on a case.
#[allow(clippy::large_enum_variant)] // actions are short-lived; the assessment is moved into the case
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum Action {
    /// 提交论证: 动议 → 论证 (the proposer).
    Submit,
    /// 撤回: 动议 → 已撤回 (the proposer).
    Withdraw,
    /// 提出意见 (论证; 编办).
    Opinion { dept: String, text: String },
    /// 事前评估 (论证, or 审议决定 for a recomputed one; 编办).
    SetAssessment(Assessment),
    /// 提交审议: 论证 → 审议决定 (编办; needs an assessment and an opinion).
    SendToDecision,
    /// 退回: 论证 (编办) or 审议决定 (编办领导) → 动议.
    Return { comment: String },
    /// 审议决定 (编办领导): → 组织实施 or 不予通过.
    Decide {
        approved: bool,
        body: String,
        meeting: String,
        doc_no: String,
        date: NaiveDate,
    },
    /// 组织实施 done (the matter is in the ledger): → 跟踪问效 (编办).
    Implement {
        seq: u64,
        doc_no: String,
        effective: NaiveDate,
        follow_up_due: NaiveDate,
    },
    /// 跟踪问效 evaluation: → 已办结 (编办).
    Evaluate { findings: String, rating: String },
    /// 上传附件 (any open stage; the proposer only in 动议).
    Attach(Attachment),
}

impl Action {
    /// The Chinese name of the action, as written in the history.
    pub fn label(&self) -> &'static str {
        match self {
            Action::Submit => "提交论证",
            Action::Withdraw => "撤回",
            Action::Opinion { .. } => "提出意见",
            Action::SetAssessment(_) => "事前评估",
            Action::SendToDecision => "提交审议",
            Action::Return { .. } => "退回",
            Action::Decide { approved: true, .. } => "审议通过",
            Action::Decide {
                approved: false, ..
            } => "不予通过",
            Action::Implement { .. } => "组织实施",
            Action::Evaluate { .. } => "跟踪问效",
            Action::Attach(_) => "上传附件",
        }
    }

    /// The name used in "cannot do X now" messages.
    fn verb(&self) -> &'static str {
        match self {
            Action::Decide { .. } => "审议决定",
            other => other.label(),
        }
    }
}

/// Why a case or an action on it was refused. Messages are for a clerk.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum CaseError {
    #[error("拟变更内容为空：至少需要一项机构编制操作")]
    EmptyDraft,
    #[error("第 {op} 项操作“{label}”不属于机构编制事项，应通过{channel}办理")]
    NotInstitutional {
        op: usize,
        label: &'static str,
        channel: &'static str,
    },
    #[error("当前环节为“{stage}”，不能执行“{action}”")]
    WrongStage {
        stage: &'static str,
        action: &'static str,
    },
    #[error("只有{who}可以{action}")]
    Forbidden {
        who: &'static str,
        action: &'static str,
    },
    #[error("{0}不能为空")]
    Required(&'static str),
    #[error("尚未完成事前评估，不能提交审议决定")]
    NoAssessment,
    #[error("尚未征求意见，不能提交审议决定")]
    NoOpinion,
    #[error("审议决定文号有误：{0}")]
    BadDocNo(DocNoError),
    #[error("镇、街道的机构编制事项由上级机构编制部门审批，审议机构应为上级编委（当前为“{0}”）")]
    NeedsUpper(String),
    #[error("{0}")]
    Invalid(String),
}

/// 组织实施 "owner" wording used in refusals.
const OFFICE: &str = "编办经办或编办领导";
const LEADER: &str = "编办领导";
const PROPOSER: &str = "动议人";

impl Case {
    /// Opens a case at 动议 (the history starts with a 动议 event).
    #[allow(clippy::too_many_arguments)]
    pub fn propose(
        title: &str,
        reasons: &str,
        draft: Draft,
        unit: Option<UnitId>,
        unit_name: &str,
        proposer: &str,
        proposer_unit: Option<UnitId>,
        decided_by_upper: bool,
        now: DateTime<Utc>,
    ) -> Result<Case, CaseError> {
        check_text(title, "事项名称")?;
        check_text(reasons, "动议理由")?;
        check_text(proposer, "动议人")?;
        draft.check_institutional()?;
        Ok(Case {
            id: 0,
            title: title.trim().to_string(),
            reasons: reasons.trim().to_string(),
            unit,
            unit_name: unit_name.to_string(),
            proposer: proposer.to_string(),
            proposer_unit,
            kind: CaseKind::of(&draft.ops),
            draft,
            decided_by_upper,
            stage: Stage::Proposal,
            stage_since: now,
            created_at: now,
            assessment: None,
            opinions: Vec::new(),
            decision: None,
            implemented: None,
            follow_up: None,
            attachments: Vec::new(),
            history: vec![CaseEvent {
                at: now,
                actor: proposer.to_string(),
                action: "动议".into(),
                from: Stage::Proposal,
                to: Stage::Proposal,
                comment: String::new(),
            }],
        })
    }

    /// Whether `actor` is on the proposer's side: for an office proposal an
    /// office role; for a unit's proposal a 单位经办 whose subtree (as
    /// `in_scope` tells) holds the proposing unit or the case's unit.
    pub fn is_proposer_side(&self, actor: &Actor, in_scope: &dyn Fn(UnitId) -> bool) -> bool {
        match (actor, self.proposer_unit) {
            (Actor::UnitClerk { .. }, Some(pu)) => in_scope(pu) || self.unit.is_some_and(in_scope),
            (Actor::UnitClerk { .. }, None) => false,
            (a, None) => a.is_office(),
            (_, Some(_)) => false,
        }
    }

    /// Performs an action. A 单位经办's scope is taken as its root unit alone
    /// (see [`Case::act_scoped`] to pass the whole subtree).
    pub fn act(
        &mut self,
        actor: &Actor,
        who: &str,
        action: Action,
        now: DateTime<Utc>,
    ) -> Result<(), CaseError> {
        let scope = match actor {
            Actor::UnitClerk { scope } => Some(*scope),
            _ => None,
        };
        self.act_scoped(actor, who, action, now, &|u| Some(u) == scope)
    }

    /// Performs an action; `in_scope(u)` tells whether unit `u` lies in the
    /// 单位经办's subtree (ignored for office roles). Checks the stage and the
    /// role; on refusal nothing changes; on success an event is appended.
    pub fn act_scoped(
        &mut self,
        actor: &Actor,
        who: &str,
        action: Action,
        now: DateTime<Utc>,
        in_scope: &dyn Fn(UnitId) -> bool,
    ) -> Result<(), CaseError> {
        let from = self.stage;
        let action_label = action.label();
        let wrong_stage = || CaseError::WrongStage {
            stage: from.label(),
            action: action.verb(),
        };
        let proposer = self.is_proposer_side(actor, in_scope);
        let office = actor.is_office();
        let leader = matches!(actor, Actor::OfficeLeader);
        let mut comment = String::new();
        // Check everything first, then change.
        let to = match &action {
            Action::Submit => {
                if from != Stage::Proposal {
                    return Err(wrong_stage());
                }
                if !proposer {
                    return Err(forbidden(PROPOSER, "提交论证"));
                }
                self.draft.check_institutional()?;
                Stage::Assessment
            }
            Action::Withdraw => {
                if from != Stage::Proposal {
                    return Err(wrong_stage());
                }
                if !proposer {
                    return Err(forbidden(PROPOSER, "撤回事项"));
                }
                Stage::Withdrawn
            }
            Action::Opinion { dept, text } => {
                if from != Stage::Assessment {
                    return Err(wrong_stage());
                }
                if !office {
                    return Err(forbidden(OFFICE, "提出论证意见"));
                }
                check_text(dept, "意见部门")?;
                check_text(text, "意见内容")?;
                comment = format!("{}：{}", dept.trim(), text.trim());
                from
            }
            Action::SetAssessment(_) => {
                if !matches!(from, Stage::Assessment | Stage::Decision) {
                    return Err(wrong_stage());
                }
                if !office {
                    return Err(forbidden(OFFICE, "进行事前评估"));
                }
                from
            }
            Action::SendToDecision => {
                if from != Stage::Assessment {
                    return Err(wrong_stage());
                }
                if !office {
                    return Err(forbidden(OFFICE, "提交审议"));
                }
                if self.assessment.is_none() {
                    return Err(CaseError::NoAssessment);
                }
                if self.opinions.is_empty() {
                    return Err(CaseError::NoOpinion);
                }
                Stage::Decision
            }
            Action::Return { comment: c } => {
                match from {
                    Stage::Assessment if office => {}
                    Stage::Assessment => return Err(forbidden(OFFICE, "退回事项")),
                    Stage::Decision if leader => {}
                    Stage::Decision => return Err(forbidden(LEADER, "在审议环节退回事项")),
                    _ => return Err(wrong_stage()),
                }
                check_text(c, "退回理由")?;
                comment = c.trim().to_string();
                Stage::Proposal
            }
            Action::Decide {
                approved,
                body,
                meeting,
                doc_no,
                ..
            } => {
                if from != Stage::Decision {
                    return Err(wrong_stage());
                }
                if !leader {
                    return Err(forbidden(LEADER, "作出审议决定"));
                }
                check_text(body, "审议机构")?;
                check_text(meeting, "会议纪要")?;
                if self.decided_by_upper && !body.contains("上级") {
                    return Err(CaseError::NeedsUpper(body.trim().to_string()));
                }
                if *approved {
                    parse_doc_no(doc_no).map_err(CaseError::BadDocNo)?;
                }
                comment = format!("{}：{}", body.trim(), meeting.trim());
                if *approved {
                    Stage::Implementation
                } else {
                    Stage::Rejected
                }
            }
            Action::Implement {
                doc_no,
                effective,
                follow_up_due,
                ..
            } => {
                if from != Stage::Implementation {
                    return Err(wrong_stage());
                }
                if !office {
                    return Err(forbidden(OFFICE, "组织实施"));
                }
                check_text(doc_no, "文号")?;
                if follow_up_due < effective {
                    return Err(CaseError::Invalid(format!(
                        "跟踪问效期限 {follow_up_due} 不能早于生效日期 {effective}"
                    )));
                }
                comment = format!("{} 自 {effective} 起生效", doc_no.trim());
                Stage::FollowUp
            }
            Action::Evaluate { findings, rating } => {
                if from != Stage::FollowUp {
                    return Err(wrong_stage());
                }
                if !office {
                    return Err(forbidden(OFFICE, "进行跟踪问效评估"));
                }
                check_text(findings, "评估结论")?;
                let r = rating.trim();
                if !r.is_empty() && !RATINGS.contains(&r) {
                    return Err(CaseError::Invalid(format!(
                        "评价等次“{r}”无效：应为 好、较好、一般 或 差"
                    )));
                }
                comment = findings.trim().to_string();
                Stage::Closed
            }
            Action::Attach(a) => {
                if !from.is_open() {
                    return Err(wrong_stage());
                }
                let allowed = office || (from == Stage::Proposal && proposer);
                if !allowed {
                    return Err(if proposer {
                        forbidden(OFFICE, "在动议之后的环节上传附件")
                    } else {
                        forbidden("动议人或编办", "上传附件")
                    });
                }
                check_text(&a.name, "附件名称")?;
                if a.sm3.len() != 64 || !a.sm3.bytes().all(|b| b.is_ascii_hexdigit()) {
                    return Err(CaseError::Invalid(
                        "附件的 SM3 摘要应为 64 位十六进制数".into(),
                    ));
                }
                comment = a.name.clone();
                from
            }
        };

        // Apply.
        match action {
            Action::Opinion { dept, text } => self.opinions.push(Opinion {
                author: who.to_string(),
                dept: dept.trim().to_string(),
                text: text.trim().to_string(),
                at: now,
            }),
            Action::SetAssessment(a) => self.assessment = Some(a),
            Action::Decide {
                approved,
                body,
                meeting,
                doc_no,
                date,
            } => {
                self.decision = Some(Decision {
                    approved,
                    body: body.trim().to_string(),
                    meeting: meeting.trim().to_string(),
                    doc_no: doc_no.trim().to_string(),
                    date,
                    by: who.to_string(),
                    at: now,
                })
            }
            Action::Return { .. } => self.decision = None,
            Action::Implement {
                seq,
                doc_no,
                effective,
                follow_up_due,
            } => {
                self.implemented = Some(Implemented {
                    seq,
                    doc_no: doc_no.trim().to_string(),
                    effective,
                    at: now,
                });
                self.follow_up = Some(FollowUp {
                    due: follow_up_due,
                    findings: None,
                    rating: None,
                    done_at: None,
                    by: None,
                });
            }
            Action::Evaluate { findings, rating } => {
                let due = self.follow_up.as_ref().map_or(now.date_naive(), |f| f.due);
                let r = rating.trim();
                self.follow_up = Some(FollowUp {
                    due,
                    findings: Some(findings.trim().to_string()),
                    rating: (!r.is_empty()).then(|| r.to_string()),
                    done_at: Some(now),
                    by: Some(who.to_string()),
                });
            }
            Action::Attach(mut a) => {
                a.stage = from;
                a.by = who.to_string();
                a.at = now;
                self.attachments.push(a);
            }
            Action::Submit | Action::Withdraw | Action::SendToDecision => {}
        }
        if to != from {
            self.stage = to;
            self.stage_since = now;
        }
        self.history.push(CaseEvent {
            at: now,
            actor: who.to_string(),
            action: action_label.to_string(),
            from,
            to,
            comment,
        });
        Ok(())
    }

    /// The proposer edits the case in 动议 (after a return, before submitting
    /// again). The kind is derived again and a stored assessment is dropped
    /// (it was made for the old draft); the history keeps a 修改动议 event.
    #[allow(clippy::too_many_arguments)]
    pub fn revise(
        &mut self,
        actor: &Actor,
        who: &str,
        title: &str,
        reasons: &str,
        draft: Draft,
        now: DateTime<Utc>,
    ) -> Result<(), CaseError> {
        let scope = match actor {
            Actor::UnitClerk { scope } => Some(*scope),
            _ => None,
        };
        self.revise_scoped(actor, who, title, reasons, draft, now, &|u| {
            Some(u) == scope
        })
    }

    /// [`Case::revise`] with the 单位经办's whole subtree.
    #[allow(clippy::too_many_arguments)]
    pub fn revise_scoped(
        &mut self,
        actor: &Actor,
        who: &str,
        title: &str,
        reasons: &str,
        draft: Draft,
        now: DateTime<Utc>,
        in_scope: &dyn Fn(UnitId) -> bool,
    ) -> Result<(), CaseError> {
        if self.stage != Stage::Proposal {
            return Err(CaseError::WrongStage {
                stage: self.stage.label(),
                action: "修改动议",
            });
        }
        if !self.is_proposer_side(actor, in_scope) {
            return Err(forbidden(PROPOSER, "修改动议"));
        }
        check_text(title, "事项名称")?;
        check_text(reasons, "动议理由")?;
        draft.check_institutional()?;
        self.title = title.trim().to_string();
        self.reasons = reasons.trim().to_string();
        self.kind = CaseKind::of(&draft.ops);
        self.draft = draft;
        self.assessment = None;
        self.history.push(CaseEvent {
            at: now,
            actor: who.to_string(),
            action: "修改动议".into(),
            from: Stage::Proposal,
            to: Stage::Proposal,
            comment: String::new(),
        });
        Ok(())
    }
}

impl Case {
    /// The case's attachments as the matter's [`AttachmentRef`]s (name, SM3,
    /// size), for the matter recorded at 组织实施.
    pub fn attachment_refs(&self) -> Vec<AttachmentRef> {
        self.attachments
            .iter()
            .map(|a| AttachmentRef {
                name: a.name.clone(),
                sm3: a.sm3.clone(),
                size: a.size,
            })
            .collect()
    }
}

fn forbidden(who: &'static str, action: &'static str) -> CaseError {
    CaseError::Forbidden { who, action }
}

fn check_text(s: &str, what: &'static str) -> Result<(), CaseError> {
    if s.trim().is_empty() {
        Err(CaseError::Required(what))
    } else {
        Ok(())
    }
}

/// Whether a matter is decided by the upper level (上级机构编制部门): the
/// case's unit, or any unit the operations touch or set up, is a 镇 or 街道.
pub fn decided_by_upper(st: &State, ops: &[Op], unit: Option<UnitId>) -> bool {
    let town = |k: UnitKind| matches!(k, UnitKind::Town | UnitKind::Subdistrict);
    let is_town = |id: UnitId| st.unit(id).is_some_and(|u| town(u.kind));
    if unit.is_some_and(is_town) {
        return true;
    }
    let date = st.max_effective.unwrap_or(NaiveDate::MIN);
    ops.iter().any(|op| {
        if let Op::CreateUnit(nu) = op {
            if town(nu.kind) {
                return true;
            }
        }
        bianzhi_core::query::op_units(st, op, date)
            .into_iter()
            .any(is_town)
    })
}

/// Resolves a unit reference against the state (id or full name).
pub(crate) fn unit_of(st: &State, r: &UnitRef) -> Option<UnitId> {
    match r {
        UnitRef::Id(id) => Some(*id),
        UnitRef::Name(n) => st.unit_by_name.get(n).copied(),
    }
}
