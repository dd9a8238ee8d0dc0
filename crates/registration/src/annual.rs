//! 年度报告 (细则 Art. 65; 年报公示办法): the unit fills in the statutory
//! sections from 1 Jan to 31 Mar for the previous year, its 举办单位 signs the
//! 保密审查, the bureau does the 形式审查 and publishes or returns it.
//!
//! 待提交 → 待举办单位审查 → 已提交 → {已退回 → 待提交… | 已公示}.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::particulars::Capital;
use crate::policy::Policy;
use crate::register::RegId;

/// The statutory sections (registration.md §5).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sections {
    /// 开展业务活动情况.
    pub activities: String,
    /// 净资产 年初 / 年末 (万元).
    pub net_assets_begin: Option<Capital>,
    pub net_assets_end: Option<Capital>,
    /// 从业人数 (people on the 编制本 on 31 Dec).
    pub staff: Option<u32>,
    /// 执行变更登记规定情况 (or 无).
    pub changes: String,
    /// 相关资质认可或执业许可证明文件及有效期.
    pub licences: String,
    /// 绩效和受奖惩情况.
    pub rewards: String,
    /// 涉及诉讼情况.
    pub litigation: String,
    /// 社会投诉情况.
    pub complaints: String,
    /// 接受捐赠资助及使用情况.
    pub donations: String,
}

impl Sections {
    /// What is still missing, in Chinese.
    pub fn gaps(&self) -> Vec<&'static str> {
        let mut g = Vec::new();
        if self.activities.trim().is_empty() {
            g.push("开展业务活动情况");
        }
        if self.net_assets_begin.is_none() || self.net_assets_end.is_none() {
            g.push("净资产（年初数、年末数）");
        }
        if self.staff.is_none() {
            g.push("从业人数");
        }
        for (v, l) in [
            (&self.changes, "执行变更登记规定情况"),
            (&self.rewards, "绩效和受奖惩情况"),
            (&self.litigation, "涉及诉讼情况"),
            (&self.complaints, "社会投诉情况"),
            (&self.donations, "接受捐赠资助及使用情况"),
        ] {
            if v.trim().is_empty() {
                g.push(l);
            }
        }
        g
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReportStatus {
    /// 待提交.
    Draft,
    /// 待举办单位审查.
    SponsorReview,
    /// 已提交 (待形式审查).
    Submitted,
    /// 已退回.
    Returned,
    /// 已公示.
    Published,
}

impl ReportStatus {
    pub fn label(self) -> &'static str {
        match self {
            ReportStatus::Draft => "待提交",
            ReportStatus::SponsorReview => "待举办单位审查",
            ReportStatus::Submitted => "已提交（待形式审查）",
            ReportStatus::Returned => "已退回",
            ReportStatus::Published => "已公示",
        }
    }
}

/// Who acts on a report.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum ReportActor {
    Unit,
    /// 举办单位.
    Sponsor,
    Office,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ReportAction {
    /// 保存 the sections.
    Save { sections: Sections },
    /// 提交举办单位审查.
    Submit,
    /// 举办单位: 情况属实，经保密审查，可以向社会公示.
    SponsorApprove,
    /// 举办单位 sends it back.
    SponsorReturn { reason: String },
    /// 形式审查 not passed.
    Return { reason: String },
    /// 公示.
    Publish,
}

impl ReportAction {
    pub fn label(&self) -> &'static str {
        match self {
            ReportAction::Save { .. } => "保存",
            ReportAction::Submit => "提交举办单位审查",
            ReportAction::SponsorApprove => "举办单位审查同意",
            ReportAction::SponsorReturn { .. } => "举办单位退回",
            ReportAction::Return { .. } => "形式审查退回",
            ReportAction::Publish => "公示",
        }
    }
}

/// The sentence the 举办单位 signs.
pub const SPONSOR_STATEMENT: &str = "情况属实，经保密审查，可以向社会公示。";

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportStep {
    pub on: NaiveDate,
    pub actor: ReportActor,
    pub action: String,
    pub note: String,
}

/// One unit's report for one year.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AnnualReport {
    pub reg: RegId,
    pub year: i32,
    pub status: ReportStatus,
    pub sections: Sections,
    /// When it reached the bureau (举办单位 approval).
    pub filed_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    pub history: Vec<ReportStep>,
}

#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ReportError {
    #[error("{year} 年度报告自 {opens} 起报送")]
    NotOpen { year: i32, opens: NaiveDate },
    #[error("年度报告尚有未填写的内容：{0}")]
    Incomplete(String),
    #[error("“{status}”的年度报告不能{action}")]
    NotAllowed {
        status: &'static str,
        action: &'static str,
    },
    #[error("须写明退回理由")]
    NoReason,
}

impl ReportError {
    pub fn code(&self) -> &'static str {
        match self {
            ReportError::NotOpen { .. } => "report_not_open",
            ReportError::Incomplete(_) => "report_incomplete",
            ReportError::NotAllowed { .. } => "report_action_not_allowed",
            ReportError::NoReason => "no_reason",
        }
    }
}

impl AnnualReport {
    pub fn new(reg: RegId, year: i32) -> AnnualReport {
        AnnualReport {
            reg,
            year,
            status: ReportStatus::Draft,
            sections: Sections::default(),
            filed_on: None,
            published_on: None,
            history: Vec::new(),
        }
    }

    /// The first day the report may be filed.
    pub fn opens(year: i32) -> NaiveDate {
        NaiveDate::from_ymd_opt(year + 1, 1, 1).expect("1 Jan")
    }

    /// Filed after the deadline (or not filed and the deadline past).
    pub fn late(&self, today: NaiveDate, policy: &Policy) -> bool {
        let due = policy.annual_report_deadline(self.year);
        match self.filed_on {
            Some(f) => f > due,
            None => today > due,
        }
    }

    /// Takes an action; a refused one changes nothing.
    pub fn act(
        &mut self,
        actor: ReportActor,
        action: ReportAction,
        on: NaiveDate,
    ) -> Result<(), ReportError> {
        use ReportStatus as S;
        let opens = Self::opens(self.year);
        if on < opens {
            return Err(ReportError::NotOpen {
                year: self.year,
                opens,
            });
        }
        let not_allowed = ReportError::NotAllowed {
            status: self.status.label(),
            action: action.label(),
        };
        let mut next = self.clone();
        let mut note = String::new();
        match (&action, actor, self.status) {
            (ReportAction::Save { sections }, ReportActor::Unit, S::Draft | S::Returned) => {
                next.sections = sections.clone();
                next.status = S::Draft;
            }
            (ReportAction::Submit, ReportActor::Unit, S::Draft | S::Returned) => {
                let gaps = self.sections.gaps();
                if !gaps.is_empty() {
                    return Err(ReportError::Incomplete(gaps.join("、")));
                }
                next.status = S::SponsorReview;
            }
            (ReportAction::SponsorApprove, ReportActor::Sponsor, S::SponsorReview) => {
                next.status = S::Submitted;
                next.filed_on = Some(on);
                note = SPONSOR_STATEMENT.to_string();
            }
            (ReportAction::SponsorReturn { reason }, ReportActor::Sponsor, S::SponsorReview)
            | (ReportAction::Return { reason }, ReportActor::Office, S::Submitted) => {
                if reason.trim().is_empty() {
                    return Err(ReportError::NoReason);
                }
                next.status = S::Returned;
                note = reason.clone();
            }
            (ReportAction::Publish, ReportActor::Office, S::Submitted) => {
                next.status = S::Published;
                next.published_on = Some(on);
            }
            _ => return Err(not_allowed),
        }
        next.history.push(ReportStep {
            on,
            actor,
            action: action.label().to_string(),
            note,
        });
        *self = next;
        Ok(())
    }
}
