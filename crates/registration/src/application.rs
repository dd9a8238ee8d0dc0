//! 登记申请: 设立 / 变更 / 注销 / 证书补领 / 证书换领, from the unit (or its
//! 举办单位) to the bureau, with their clocks (registration.md §2.3, §9):
//!
//! 待提交 → 已提交 → {补正告知 → 已提交 (once) | 不予受理 ✗ | 已受理}
//! → {准予登记 → 已办结 | 不予登记 ✗ (reasons, 复议/诉讼)}; 已撤回 by the
//! applicant before a decision.
//!
//! 受理 (or the one 补正 notice listing every gap) is due within
//! [`Policy::accept_days`] working days of receipt; past it, the application
//! counts as accepted on the day it was received. The decision is due within
//! [`Policy::decide_days`] working days of 受理. A refused action changes
//! nothing.

use bianzhi_casework::calendar::Calendar;
use bianzhi_core::UnitId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::material::{checklist, Material, MaterialKind};
use crate::particulars::{Change, Particulars, RegMode};
use crate::policy::Policy;
use crate::register::RegId;

/// Kind of application (登记服务事项).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AppKind {
    /// 设立登记.
    Establish,
    /// 变更登记.
    Change,
    /// 注销登记.
    Deregister,
    /// 证书补领.
    Replace,
    /// 证书换领.
    Renew,
}

impl AppKind {
    pub const ALL: [AppKind; 5] = [
        AppKind::Establish,
        AppKind::Change,
        AppKind::Deregister,
        AppKind::Replace,
        AppKind::Renew,
    ];
    pub fn label(self) -> &'static str {
        match self {
            AppKind::Establish => "设立登记",
            AppKind::Change => "变更登记",
            AppKind::Deregister => "注销登记",
            AppKind::Replace => "证书补领",
            AppKind::Renew => "证书换领",
        }
    }
}

/// Where an application stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum AppStatus {
    /// 待提交.
    Draft,
    /// 已提交 (awaiting 受理).
    Submitted,
    /// 待补正 (the 补正 notice was sent).
    Supplement,
    /// 已受理 (审查中).
    Accepted,
    /// 不予受理.
    NotAccepted,
    /// 准予登记 (certificate and 公告 to follow).
    Approved,
    /// 不予登记.
    Refused,
    /// 已办结.
    Done,
    /// 已撤回.
    Withdrawn,
}

impl AppStatus {
    pub fn label(self) -> &'static str {
        match self {
            AppStatus::Draft => "待提交",
            AppStatus::Submitted => "已提交",
            AppStatus::Supplement => "待补正",
            AppStatus::Accepted => "已受理",
            AppStatus::NotAccepted => "不予受理",
            AppStatus::Approved => "准予登记",
            AppStatus::Refused => "不予登记",
            AppStatus::Done => "已办结",
            AppStatus::Withdrawn => "已撤回",
        }
    }
    /// Still open (not ended).
    pub fn open(self) -> bool {
        !matches!(
            self,
            AppStatus::NotAccepted | AppStatus::Refused | AppStatus::Done | AppStatus::Withdrawn
        )
    }
}

/// Who acts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Actor {
    /// The applying unit or its 举办单位.
    Unit,
    /// The 登记管理机关.
    Office,
}

/// What is applied for.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Proposal {
    Establish {
        code: String,
        mode: RegMode,
        particulars: Particulars,
        /// The approval: for a unit in the 机构编制 ledger, its 设立 matter's 文号.
        approval_doc: String,
        /// The unit is outside 编制 (国有资产举办): no ledger matter to cite.
        #[serde(default)]
        outside_establishment: bool,
    },
    Change {
        changes: Vec<Change>,
        /// When the change happened (the 30-working-day clock runs from it).
        event_on: NaiveDate,
        /// The document it rests on (for a 名称: the 更名 matter's 文号).
        basis_doc: String,
    },
    Deregister {
        reason: String,
        /// The 撤销 / 解散 document.
        basis_doc: String,
        /// End of 清算 (the 15-working-day clock runs from it).
        liquidation_end: Option<NaiveDate>,
    },
    Replace {
        reason: String,
    },
    Renew,
}

impl Proposal {
    pub fn kind(&self) -> AppKind {
        match self {
            Proposal::Establish { .. } => AppKind::Establish,
            Proposal::Change { .. } => AppKind::Change,
            Proposal::Deregister { .. } => AppKind::Deregister,
            Proposal::Replace { .. } => AppKind::Replace,
            Proposal::Renew => AppKind::Renew,
        }
    }
    pub fn changes(&self) -> &[Change] {
        match self {
            Proposal::Change { changes, .. } => changes,
            _ => &[],
        }
    }
}

/// An action on an application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum AppAction {
    /// 提交 (or resubmit after 补正).
    Submit,
    /// 补正告知: every gap at once.
    RequestSupplement { gaps: Vec<String> },
    /// 受理.
    Accept,
    /// 不予受理.
    NotAccept { reason: String },
    /// 准予登记.
    Approve,
    /// 不予登记.
    Refuse { reason: String },
    /// 办结: certificate action and 公告 done.
    Complete,
    /// 撤回.
    Withdraw,
}

impl AppAction {
    pub fn label(&self) -> &'static str {
        match self {
            AppAction::Submit => "提交",
            AppAction::RequestSupplement { .. } => "补正告知",
            AppAction::Accept => "受理",
            AppAction::NotAccept { .. } => "不予受理",
            AppAction::Approve => "准予登记",
            AppAction::Refuse { .. } => "不予登记",
            AppAction::Complete => "办结",
            AppAction::Withdraw => "撤回",
        }
    }
}

/// A step in an application's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Step {
    pub on: NaiveDate,
    pub actor: Actor,
    pub action: String,
    pub note: String,
}

/// An application.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Application {
    pub id: u64,
    /// The legal person (`None` for a 设立).
    pub reg: Option<RegId>,
    /// The ledger's unit, when there is one.
    pub unit: Option<UnitId>,
    /// 申请单位 (name as shown).
    pub applicant: String,
    pub proposal: Proposal,
    pub materials: Vec<Material>,
    pub status: AppStatus,
    /// 收到申请 (first submission).
    pub received_on: Option<NaiveDate>,
    /// The last submission (the 受理 clock runs from it).
    pub submitted_on: Option<NaiveDate>,
    /// The 补正 notice, if one was sent.
    pub supplement: Option<(NaiveDate, Vec<String>)>,
    /// 受理日期 (the receipt date when 受理 came late).
    pub accepted_on: Option<NaiveDate>,
    /// Accepted by lapse of the 受理 clock.
    pub deemed_accepted: bool,
    pub decided_on: Option<NaiveDate>,
    /// Reasons of a 不予受理 / 不予登记.
    pub reason: Option<String>,
    pub history: Vec<Step>,
}

/// Why an action was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApplicationError {
    #[error("{actor}不能对“{status}”的申请{action}")]
    NotAllowed {
        actor: &'static str,
        status: &'static str,
        action: &'static str,
    },
    #[error("申请材料不全，缺少：{0}")]
    MissingMaterials(String),
    #[error("申请内容不完整：{0}")]
    Incomplete(String),
    #[error("补正告知须一次性列明全部需补正的内容，且只能告知一次")]
    SecondSupplement,
    #[error("补正告知须列明需补正的内容")]
    EmptySupplement,
    #[error("收到申请已超过 {days} 个工作日（应于 {due} 前告知补正），依法自收到申请之日起即为受理，不能再要求补正")]
    SupplementTooLate { days: u32, due: NaiveDate },
    #[error("须写明理由")]
    NoReason,
    #[error("日期 {on} 早于上一步办理日期 {last}")]
    BackInTime { on: NaiveDate, last: NaiveDate },
    #[error("只能在待提交或待补正时上传材料")]
    MaterialsClosed,
}

impl ApplicationError {
    pub fn code(&self) -> &'static str {
        match self {
            ApplicationError::NotAllowed { .. } => "action_not_allowed",
            ApplicationError::MissingMaterials(_) => "missing_materials",
            ApplicationError::Incomplete(_) => "incomplete_application",
            ApplicationError::SecondSupplement => "second_supplement",
            ApplicationError::EmptySupplement => "empty_supplement",
            ApplicationError::SupplementTooLate { .. } => "supplement_too_late",
            ApplicationError::NoReason => "no_reason",
            ApplicationError::BackInTime { .. } => "back_in_time",
            ApplicationError::MaterialsClosed => "materials_closed",
        }
    }
}

/// A clock of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub enum Clock {
    /// 受理 / 补正告知.
    Acceptance,
    /// 审查决定.
    Decision,
}

impl Clock {
    pub fn label(self) -> &'static str {
        match self {
            Clock::Acceptance => "受理期限",
            Clock::Decision => "审查决定期限",
        }
    }
}

impl Application {
    pub fn new(
        id: u64,
        reg: Option<RegId>,
        unit: Option<UnitId>,
        applicant: &str,
        proposal: Proposal,
    ) -> Application {
        Application {
            id,
            reg,
            unit,
            applicant: applicant.to_string(),
            proposal,
            materials: Vec::new(),
            status: AppStatus::Draft,
            received_on: None,
            submitted_on: None,
            supplement: None,
            accepted_on: None,
            deemed_accepted: false,
            decided_on: None,
            reason: None,
            history: Vec::new(),
        }
    }

    pub fn kind(&self) -> AppKind {
        self.proposal.kind()
    }

    /// The materials this application needs.
    pub fn checklist(&self) -> Vec<MaterialKind> {
        checklist(self.kind(), self.proposal.changes())
    }

    /// The needed materials not yet filed.
    pub fn missing(&self) -> Vec<MaterialKind> {
        self.checklist()
            .into_iter()
            .filter(|k| !self.materials.iter().any(|m| m.kind == *k))
            .collect()
    }

    /// Files a checked material (while the applicant may still change the file set).
    pub fn attach(&mut self, m: Material) -> Result<(), ApplicationError> {
        if !matches!(self.status, AppStatus::Draft | AppStatus::Supplement) {
            return Err(ApplicationError::MaterialsClosed);
        }
        self.materials.push(m);
        Ok(())
    }

    /// When 受理 (or the 补正 notice) is due; `None` unless awaiting 受理.
    pub fn accept_due(&self, cal: &Calendar, policy: &Policy) -> Option<NaiveDate> {
        if self.status != AppStatus::Submitted {
            return None;
        }
        self.submitted_on
            .map(|d| cal.add_working_days(d, policy.accept_days))
    }

    /// When the decision is due; `None` unless accepted and undecided.
    pub fn decide_due(&self, cal: &Calendar, policy: &Policy) -> Option<NaiveDate> {
        if self.status != AppStatus::Accepted {
            return None;
        }
        self.accepted_on
            .map(|d| cal.add_working_days(d, policy.decide_days))
    }

    /// The clock that has run out on `today`, with its due date.
    pub fn overdue(
        &self,
        today: NaiveDate,
        cal: &Calendar,
        policy: &Policy,
    ) -> Option<(Clock, NaiveDate)> {
        if let Some(due) = self.accept_due(cal, policy) {
            if today > due {
                return Some((Clock::Acceptance, due));
            }
        }
        if let Some(due) = self.decide_due(cal, policy) {
            if today > due {
                return Some((Clock::Decision, due));
            }
        }
        None
    }

    /// When the application was due to be filed: a 变更 within
    /// [`Policy::change_days`] working days of the event (a new 住所 before
    /// the move, i.e. by the day of the move); a 注销 within
    /// [`Policy::deregister_after_liquidation_days`] of the end of 清算; a 设立
    /// within [`Policy::establish_after_approval_days`] of the approval
    /// (`approved_on`, the ledger matter's date), where the province sets one.
    pub fn filing_due(
        &self,
        cal: &Calendar,
        policy: &Policy,
        approved_on: Option<NaiveDate>,
    ) -> Option<NaiveDate> {
        match &self.proposal {
            Proposal::Change {
                changes, event_on, ..
            } => {
                let due = cal.add_working_days(*event_on, policy.change_days);
                if changes.iter().any(|c| matches!(c, Change::Domicile { .. })) {
                    Some(due.min(*event_on))
                } else {
                    Some(due)
                }
            }
            Proposal::Deregister {
                liquidation_end, ..
            } => liquidation_end
                .map(|d| cal.add_working_days(d, policy.deregister_after_liquidation_days)),
            Proposal::Establish { .. } => policy
                .establish_after_approval_days
                .zip(approved_on)
                .map(|(n, d)| cal.add_working_days(d, n)),
            Proposal::Replace { .. } | Proposal::Renew => None,
        }
    }

    /// The filing deadline it missed, if it was received after it (an
    /// offence of 未按规定办理变更或注销登记 the sanction ladder counts).
    pub fn filed_late(
        &self,
        cal: &Calendar,
        policy: &Policy,
        approved_on: Option<NaiveDate>,
    ) -> Option<NaiveDate> {
        let due = self.filing_due(cal, policy, approved_on)?;
        self.received_on.filter(|r| *r > due).map(|_| due)
    }

    fn check_content(&self) -> Result<(), ApplicationError> {
        let mut gaps = Vec::new();
        match &self.proposal {
            Proposal::Establish {
                particulars,
                approval_doc,
                code,
                ..
            } => {
                gaps.extend(particulars.gaps());
                if approval_doc.trim().is_empty() {
                    gaps.push("批准文件文号未填写".into());
                }
                if code.trim().is_empty() {
                    gaps.push("统一社会信用代码未填写".into());
                }
            }
            Proposal::Change {
                changes, basis_doc, ..
            } => {
                if changes.is_empty() {
                    gaps.push("未填写变更事项".into());
                }
                if basis_doc.trim().is_empty() {
                    gaps.push("变更依据文件未填写".into());
                }
            }
            Proposal::Deregister {
                reason, basis_doc, ..
            } => {
                if reason.trim().is_empty() {
                    gaps.push("注销原因未填写".into());
                }
                if basis_doc.trim().is_empty() {
                    gaps.push("撤销或解散文件文号未填写".into());
                }
            }
            Proposal::Replace { reason } => {
                if reason.trim().is_empty() {
                    gaps.push("补领原因未填写".into());
                }
            }
            Proposal::Renew => {}
        }
        if gaps.is_empty() {
            Ok(())
        } else {
            Err(ApplicationError::Incomplete(gaps.join("；")))
        }
    }

    /// Takes an action on `on` (the caller's today). A refused action changes
    /// nothing; an accepted one is appended to the history.
    pub fn act(
        &mut self,
        actor: Actor,
        action: AppAction,
        on: NaiveDate,
        note: &str,
        cal: &Calendar,
        policy: &Policy,
    ) -> Result<(), ApplicationError> {
        use AppStatus as S;
        let not_allowed = |s: &Application| ApplicationError::NotAllowed {
            actor: match actor {
                Actor::Unit => "申请单位",
                Actor::Office => "登记管理机关",
            },
            status: s.status.label(),
            action: action.label(),
        };
        if let Some(last) = self.history.last() {
            if on < last.on {
                return Err(ApplicationError::BackInTime { on, last: last.on });
            }
        }
        let mut next = self.clone();
        match (&action, actor, self.status) {
            // The unit submits online; the bureau may enter one brought to
            // its window (窗口代录), e.g. a 注销 it opened after a reform.
            (AppAction::Submit, _, S::Draft | S::Supplement) => {
                next.check_content()?;
                let missing = next.missing();
                if !missing.is_empty() {
                    return Err(ApplicationError::MissingMaterials(
                        missing
                            .iter()
                            .map(|k| k.label())
                            .collect::<Vec<_>>()
                            .join("、"),
                    ));
                }
                next.status = S::Submitted;
                next.received_on.get_or_insert(on);
                next.submitted_on = Some(on);
            }
            (AppAction::RequestSupplement { gaps }, Actor::Office, S::Submitted) => {
                if self.supplement.is_some() {
                    return Err(ApplicationError::SecondSupplement);
                }
                if gaps.iter().all(|g| g.trim().is_empty()) {
                    return Err(ApplicationError::EmptySupplement);
                }
                let due = self.accept_due(cal, policy).expect("submitted");
                if on > due {
                    return Err(ApplicationError::SupplementTooLate {
                        days: policy.accept_days,
                        due,
                    });
                }
                next.supplement = Some((on, gaps.clone()));
                next.status = S::Supplement;
            }
            (AppAction::Accept, Actor::Office, S::Submitted) => {
                let due = self.accept_due(cal, policy).expect("submitted");
                if on > due {
                    // Late: accepted on the day the (re)submission was received.
                    next.accepted_on = self.submitted_on;
                    next.deemed_accepted = true;
                } else {
                    next.accepted_on = Some(on);
                }
                next.status = S::Accepted;
            }
            (AppAction::NotAccept { reason }, Actor::Office, S::Submitted)
            | (AppAction::Refuse { reason }, Actor::Office, S::Accepted) => {
                if reason.trim().is_empty() {
                    return Err(ApplicationError::NoReason);
                }
                next.reason = Some(reason.clone());
                next.decided_on = Some(on);
                next.status = if self.status == S::Submitted {
                    S::NotAccepted
                } else {
                    S::Refused
                };
            }
            (AppAction::Approve, Actor::Office, S::Accepted) => {
                next.decided_on = Some(on);
                next.status = S::Approved;
            }
            (AppAction::Complete, Actor::Office, S::Approved) => {
                next.status = S::Done;
            }
            (AppAction::Withdraw, Actor::Unit, S::Draft | S::Submitted | S::Supplement) => {
                next.status = S::Withdrawn;
            }
            _ => return Err(not_allowed(self)),
        }
        let mut text = note.to_string();
        if let AppAction::RequestSupplement { gaps } = &action {
            text = gaps.join("；");
        }
        if let AppAction::Refuse { reason } | AppAction::NotAccept { reason } = &action {
            text = format!("{reason}。如不服，可依法申请行政复议或提起行政诉讼。");
        }
        next.history.push(Step {
            on,
            actor,
            action: action.label().to_string(),
            note: text,
        });
        *self = next;
        Ok(())
    }
}
