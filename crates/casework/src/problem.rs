//! 问题台账: problems found by inspections (巡视巡察, 督查检查, 审计) or by the
//! system's own checks (超编, 超职数, overdue loans and bridges, roster
//! mismatches), each with its unit, source, deadline, responsible person and
//! rectification status (待整改 → 整改中 → 已整改待销号 → 已销号).

use bianzhi_core::ledger::Ledger;
use bianzhi_core::state::value_at;
use bianzhi_core::{query, UnitId};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::case::Actor;

/// How a problem was found.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemSource {
    /// 巡视巡察.
    Inspection,
    /// 督查检查.
    Supervision,
    /// 审计.
    Audit,
    /// 系统检查：超编.
    OverQuota,
    /// 系统检查：超职数.
    OverPosts,
    /// 系统检查：周转编制逾期未还.
    OverdueLoan,
    /// 系统检查：过桥编制逾期未消化.
    OverdueBridge,
    /// 比对不一致 (reconciliation of another department's roster).
    RosterMismatch,
    /// 其他.
    Other,
}

impl ProblemSource {
    pub const ALL: [ProblemSource; 9] = [
        ProblemSource::Inspection,
        ProblemSource::Supervision,
        ProblemSource::Audit,
        ProblemSource::OverQuota,
        ProblemSource::OverPosts,
        ProblemSource::OverdueLoan,
        ProblemSource::OverdueBridge,
        ProblemSource::RosterMismatch,
        ProblemSource::Other,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ProblemSource::Inspection => "巡视巡察",
            ProblemSource::Supervision => "督查检查",
            ProblemSource::Audit => "审计",
            ProblemSource::OverQuota => "系统检查：超编",
            ProblemSource::OverPosts => "系统检查：超职数",
            ProblemSource::OverdueLoan => "系统检查：周转编制逾期未还",
            ProblemSource::OverdueBridge => "系统检查：过桥编制逾期未消化",
            ProblemSource::RosterMismatch => "比对不一致",
            ProblemSource::Other => "其他",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ProblemSource::Inspection => "inspection",
            ProblemSource::Supervision => "supervision",
            ProblemSource::Audit => "audit",
            ProblemSource::OverQuota => "over_quota",
            ProblemSource::OverPosts => "over_posts",
            ProblemSource::OverdueLoan => "overdue_loan",
            ProblemSource::OverdueBridge => "overdue_bridge",
            ProblemSource::RosterMismatch => "roster_mismatch",
            ProblemSource::Other => "other",
        }
    }

    /// Parses the code or the Chinese label.
    pub fn parse(s: &str) -> Option<ProblemSource> {
        let s = s.trim();
        ProblemSource::ALL
            .into_iter()
            .find(|x| x.code() == s || x.label() == s)
    }

    /// Found by the system itself (from the ledger or a reconciliation).
    pub fn is_system(self) -> bool {
        matches!(
            self,
            ProblemSource::OverQuota
                | ProblemSource::OverPosts
                | ProblemSource::OverdueLoan
                | ProblemSource::OverdueBridge
                | ProblemSource::RosterMismatch
        )
    }
}

impl std::fmt::Display for ProblemSource {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// Rectification status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemStatus {
    /// 待整改.
    Open,
    /// 整改中.
    InProgress,
    /// 已整改待销号.
    Rectified,
    /// 已销号.
    Closed,
}

impl ProblemStatus {
    pub const ALL: [ProblemStatus; 4] = [
        ProblemStatus::Open,
        ProblemStatus::InProgress,
        ProblemStatus::Rectified,
        ProblemStatus::Closed,
    ];

    pub fn label(self) -> &'static str {
        match self {
            ProblemStatus::Open => "待整改",
            ProblemStatus::InProgress => "整改中",
            ProblemStatus::Rectified => "已整改待销号",
            ProblemStatus::Closed => "已销号",
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            ProblemStatus::Open => "open",
            ProblemStatus::InProgress => "in_progress",
            ProblemStatus::Rectified => "rectified",
            ProblemStatus::Closed => "closed",
        }
    }

    /// Parses the code or the Chinese label.
    pub fn parse(s: &str) -> Option<ProblemStatus> {
        let s = s.trim();
        ProblemStatus::ALL
            .into_iter()
            .find(|x| x.code() == s || x.label() == s)
    }

    /// Not yet 销号.
    pub fn is_open(self) -> bool {
        self != ProblemStatus::Closed
    }
}

impl std::fmt::Display for ProblemStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.label())
    }
}

/// One entry of a problem's history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemEvent {
    pub at: DateTime<Utc>,
    pub actor: String,
    /// 登记 / 开始整改 / 报告整改情况 / 销号 / 重新整改.
    pub action: String,
    pub from: ProblemStatus,
    pub to: ProblemStatus,
    pub comment: String,
}

/// A problem in the 问题台账.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    /// 0 until stored.
    pub id: i64,
    pub unit: Option<UnitId>,
    pub unit_name: String,
    pub source: ProblemSource,
    pub description: String,
    pub found_on: NaiveDate,
    /// 整改期限.
    pub deadline: NaiveDate,
    /// 责任人.
    pub responsible: String,
    pub status: ProblemStatus,
    /// For system findings: the key that keeps one problem per finding.
    pub key: Option<String>,
    pub history: Vec<ProblemEvent>,
}

/// An action on a problem.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum ProblemAction {
    /// 开始整改: 待整改 → 整改中.
    Start,
    /// 报告整改情况: 待整改 / 整改中 → 已整改待销号.
    Report { text: String },
    /// 销号 (编办领导): 已整改待销号 → 已销号.
    Close,
    /// 重新整改 (编办): 已整改待销号 / 已销号 → 整改中.
    Reopen { comment: String },
}

impl ProblemStatus {
    /// 开始整改 may be taken from here (待整改).
    pub fn can_start(self) -> bool {
        self == ProblemStatus::Open
    }
    /// 报告整改情况 may be taken from here (待整改, 整改中).
    pub fn can_report(self) -> bool {
        matches!(self, ProblemStatus::Open | ProblemStatus::InProgress)
    }
    /// 销号 may be taken from here (已整改待销号).
    pub fn can_close(self) -> bool {
        self == ProblemStatus::Rectified
    }
    /// 重新整改 may be required from here (已整改待销号, 已销号).
    pub fn can_reopen(self) -> bool {
        matches!(self, ProblemStatus::Rectified | ProblemStatus::Closed)
    }
}

impl ProblemAction {
    pub fn label(&self) -> &'static str {
        match self {
            ProblemAction::Start => "开始整改",
            ProblemAction::Report { .. } => "报告整改情况",
            ProblemAction::Close => "销号",
            ProblemAction::Reopen { .. } => "重新整改",
        }
    }
}

/// Why an action on a problem was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ProblemError {
    #[error("问题当前状态为“{status}”，不能{action}")]
    WrongStatus {
        status: &'static str,
        action: &'static str,
    },
    #[error("只有{who}可以{action}")]
    Forbidden {
        who: &'static str,
        action: &'static str,
    },
    #[error("{0}不能为空")]
    Required(&'static str),
    #[error("整改期限 {deadline} 不能早于发现日期 {found_on}")]
    DeadlineBeforeFound {
        found_on: NaiveDate,
        deadline: NaiveDate,
    },
}

impl Problem {
    /// Registers a problem (status 待整改, history starts with 登记).
    #[allow(clippy::too_many_arguments)]
    pub fn new(
        unit: Option<UnitId>,
        unit_name: &str,
        source: ProblemSource,
        description: &str,
        found_on: NaiveDate,
        deadline: NaiveDate,
        responsible: &str,
        key: Option<String>,
        who: &str,
        now: DateTime<Utc>,
    ) -> Result<Problem, ProblemError> {
        if description.trim().is_empty() {
            return Err(ProblemError::Required("问题描述"));
        }
        if deadline < found_on {
            return Err(ProblemError::DeadlineBeforeFound { found_on, deadline });
        }
        Ok(Problem {
            id: 0,
            unit,
            unit_name: unit_name.to_string(),
            source,
            description: description.trim().to_string(),
            found_on,
            deadline,
            responsible: responsible.trim().to_string(),
            status: ProblemStatus::Open,
            key,
            history: vec![ProblemEvent {
                at: now,
                actor: who.to_string(),
                action: "登记".into(),
                from: ProblemStatus::Open,
                to: ProblemStatus::Open,
                comment: String::new(),
            }],
        })
    }

    /// Registers a system finding as a problem (keeps its dedupe key).
    pub fn from_finding(
        f: Finding,
        found_on: NaiveDate,
        deadline: NaiveDate,
        responsible: &str,
        who: &str,
        now: DateTime<Utc>,
    ) -> Result<Problem, ProblemError> {
        Problem::new(
            f.unit,
            &f.unit_name,
            f.source,
            &f.description,
            found_on,
            deadline,
            responsible,
            Some(f.key),
            who,
            now,
        )
    }

    /// Past its deadline and not yet rectified (待整改 or 整改中).
    pub fn is_overdue(&self, today: NaiveDate) -> bool {
        matches!(self.status, ProblemStatus::Open | ProblemStatus::InProgress)
            && today > self.deadline
    }

    /// Performs an action; a 单位经办's scope is its root unit alone (see
    /// [`Problem::act_scoped`]).
    pub fn act(
        &mut self,
        actor: &Actor,
        who: &str,
        action: ProblemAction,
        now: DateTime<Utc>,
    ) -> Result<(), ProblemError> {
        let scope = match actor {
            Actor::UnitClerk { scope } => Some(*scope),
            _ => None,
        };
        self.act_scoped(actor, who, action, now, &|u| Some(u) == scope)
    }

    /// Performs an action. 编办 roles may do everything but 销号, which is the
    /// 编办领导's; a 单位经办 whose subtree (`in_scope`) holds the problem's
    /// unit may start the rectification and report on it. On refusal nothing
    /// changes; on success an event is appended.
    pub fn act_scoped(
        &mut self,
        actor: &Actor,
        who: &str,
        action: ProblemAction,
        now: DateTime<Utc>,
        in_scope: &dyn Fn(UnitId) -> bool,
    ) -> Result<(), ProblemError> {
        use ProblemStatus::*;
        let from = self.status;
        let office = actor.is_office();
        let unit_side = matches!(actor, Actor::UnitClerk { .. }) && self.unit.is_some_and(in_scope);
        let wrong = |action: &'static str| ProblemError::WrongStatus {
            status: from.label(),
            action,
        };
        let (to, comment) = match &action {
            ProblemAction::Start => {
                if !from.can_start() {
                    return Err(wrong("开始整改"));
                }
                if !(office || unit_side) {
                    return Err(ProblemError::Forbidden {
                        who: "编办或责任单位经办",
                        action: "开始整改",
                    });
                }
                (InProgress, String::new())
            }
            ProblemAction::Report { text } => {
                if !from.can_report() {
                    return Err(wrong("报告整改情况"));
                }
                if !(office || unit_side) {
                    return Err(ProblemError::Forbidden {
                        who: "编办或责任单位经办",
                        action: "报告整改情况",
                    });
                }
                if text.trim().is_empty() {
                    return Err(ProblemError::Required("整改情况"));
                }
                (Rectified, text.trim().to_string())
            }
            ProblemAction::Close => {
                if !from.can_close() {
                    return Err(wrong("销号"));
                }
                if !matches!(actor, Actor::OfficeLeader) {
                    return Err(ProblemError::Forbidden {
                        who: "编办领导",
                        action: "销号",
                    });
                }
                (Closed, String::new())
            }
            ProblemAction::Reopen { comment } => {
                if !from.can_reopen() {
                    return Err(wrong("重新整改"));
                }
                if !office {
                    return Err(ProblemError::Forbidden {
                        who: "编办经办或编办领导",
                        action: "要求重新整改",
                    });
                }
                if comment.trim().is_empty() {
                    return Err(ProblemError::Required("重新整改理由"));
                }
                (InProgress, comment.trim().to_string())
            }
        };
        self.status = to;
        self.history.push(ProblemEvent {
            at: now,
            actor: who.to_string(),
            action: action.label().to_string(),
            from,
            to,
            comment,
        });
        Ok(())
    }
}

/// A problem the system found in the ledger.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    /// Stable key: the same condition found again gives the same key
    /// (`over_quota:<unit>:<type>:<funding>`, `over_posts:<unit>:<body>:<kind>`,
    /// `overdue_loan:<loan>`, `overdue_bridge:<bridge>`).
    pub key: String,
    pub unit: Option<UnitId>,
    pub unit_name: String,
    pub source: ProblemSource,
    pub description: String,
}

/// The system's checks on the ledger as of `today`: 超编 accounts, 超职数
/// posts, 周转池 loans past their due date with slots outstanding, and 过桥编制
/// past their deadline not yet written off. Sorted by key.
pub fn detect(ledger: &Ledger, today: NaiveDate) -> Vec<Finding> {
    let view = ledger.view_at(today);
    let st = &*view;
    let mut out = Vec::new();
    let active = |u: UnitId| query::unit_at(st, u, today).is_some_and(|x| x.is_active());
    for (key, h) in &st.history.accounts {
        let Some((c, digesting)) = value_at(h, today) else {
            continue;
        };
        if c.over() > 0 && active(key.unit) {
            out.push(Finding {
                key: format!("over_quota:{}:{}:{}", key.unit, key.qtype, key.funding),
                unit: Some(key.unit),
                unit_name: st.unit_name(key.unit),
                source: ProblemSource::OverQuota,
                description: format!(
                    "{} {} {}，实有 {} 人，超编 {} 人{}",
                    st.unit_name(key.unit),
                    st.account_label(key),
                    capacity_text(c),
                    c.actual,
                    c.over(),
                    if *digesting {
                        "（超编消化中）"
                    } else {
                        ""
                    }
                ),
            });
        }
    }
    for (key, h) in &st.history.posts {
        let Some((approved, filled)) = value_at(h, today) else {
            continue;
        };
        if filled > approved && active(key.unit) {
            out.push(Finding {
                key: format!(
                    "over_posts:{}:{}:{:?}",
                    key.unit,
                    key.body.map_or("-".to_string(), |b| b.to_string()),
                    key.kind
                ),
                unit: Some(key.unit),
                unit_name: st.unit_name(key.unit),
                source: ProblemSource::OverPosts,
                description: format!(
                    "{} {} 核定 {} 名，实配 {} 名，超职数 {} 名",
                    st.unit_name(key.unit),
                    st.post_label(key),
                    approved,
                    filled,
                    filled - approved
                ),
            });
        }
    }
    for l in query::loans_at(st, today, false) {
        if l.overdue(today) {
            out.push(Finding {
                key: format!("overdue_loan:{}", l.id),
                unit: Some(l.key.unit),
                unit_name: st.unit_name(l.key.unit),
                source: ProblemSource::OverdueLoan,
                description: format!(
                    "{} 借用周转编制 {}（{}）{} 名，{} 到期，尚有 {} 名未归还",
                    st.unit_name(l.key.unit),
                    st.account_label(&l.key),
                    l.doc,
                    l.count,
                    l.due.map(|d| d.to_string()).unwrap_or_default(),
                    l.outstanding()
                ),
            });
        }
    }
    for b in query::bridges_at(st, today, false) {
        if b.overdue(today) {
            let person = st
                .person(b.person)
                .map(|p| p.details.name.clone())
                .unwrap_or_else(|| format!("人员#{}", b.person));
            out.push(Finding {
                key: format!("overdue_bridge:{}", b.id),
                unit: Some(b.key.unit),
                unit_name: st.unit_name(b.key.unit),
                source: ProblemSource::OverdueBridge,
                description: format!(
                    "{} 过桥编制 {}（{}，{}）应于 {} 前消化，尚未消化",
                    st.unit_name(b.key.unit),
                    st.account_label(&b.key),
                    person,
                    b.doc,
                    b.deadline
                ),
            });
        }
    }
    out.sort_by(|a, b| a.key.cmp(&b.key));
    out
}

/// "核定 10 名、周转借入 2 名、过桥 1 名" (the parts that are not zero).
fn capacity_text(c: &bianzhi_core::model::Counts) -> String {
    let mut s = format!("核定 {} 名", c.approved);
    if c.borrowed > 0 {
        s.push_str(&format!("、周转借入 {} 名", c.borrowed));
    }
    if c.bridged > 0 {
        s.push_str(&format!("、过桥 {} 名", c.bridged));
    }
    s
}

/// The findings that have no open problem yet (an open problem = one not
/// 销号 with the same key); duplicates within `found` are dropped.
pub fn new_findings(existing: &[Problem], found: Vec<Finding>) -> Vec<Finding> {
    let mut seen: std::collections::BTreeSet<String> = existing
        .iter()
        .filter(|p| p.status.is_open())
        .filter_map(|p| p.key.clone())
        .collect();
    found
        .into_iter()
        .filter(|f| seen.insert(f.key.clone()))
        .collect()
}
