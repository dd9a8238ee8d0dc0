//! 吹哨报到: a town, street or park raises a request (日常 / 应急 / 专项)
//! about items at a place; the departments `responsible` suggests (editable)
//! are notified and must 报到 within the limit of the kind, act and report
//! done; the raiser evaluates each department; "事不完、人不撤" — the
//! request cannot close while an assigned department has not reported done.
//! Every step checks the state, changes nothing when refused and is
//! appended to the history. Times are passed in.

use std::collections::BTreeMap;

use bianzhi_core::UnitId;
use chrono::{Duration, NaiveDate, NaiveDateTime};
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalogue::ItemId;
use crate::responsible::Index;
use crate::territory::{PlaceId, Territory};

/// A request's identity.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WhistleId(pub u32);

/// The kind of whistle.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum WhistleKind {
    /// 日常哨.
    Daily,
    /// 应急哨.
    Emergency,
    /// 专项哨 (攻坚).
    Special,
}

impl WhistleKind {
    pub fn label(self) -> &'static str {
        match self {
            WhistleKind::Daily => "日常",
            WhistleKind::Emergency => "应急",
            WhistleKind::Special => "专项",
        }
    }
}

/// Minutes allowed from notification to 报到, per kind.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct ReportLimits {
    pub daily: u32,
    pub emergency: u32,
    pub special: u32,
}

impl Default for ReportLimits {
    /// 应急 30 minutes (平谷's rule); 专项 2 hours and 日常 one day are
    /// local choices to be configured.
    fn default() -> Self {
        ReportLimits {
            daily: 24 * 60,
            emergency: 30,
            special: 120,
        }
    }
}

impl ReportLimits {
    pub fn minutes(&self, kind: WhistleKind) -> u32 {
        match kind {
            WhistleKind::Daily => self.daily,
            WhistleKind::Emergency => self.emergency,
            WhistleKind::Special => self.special,
        }
    }
}

/// Where a department stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DeptStatus {
    /// 已通知.
    Notified,
    /// 已报到.
    Reported,
    /// 处置中.
    Acting,
    /// 已办结.
    Done,
}

impl DeptStatus {
    pub fn label(self) -> &'static str {
        match self {
            DeptStatus::Notified => "已通知",
            DeptStatus::Reported => "已报到",
            DeptStatus::Acting => "处置中",
            DeptStatus::Done => "已办结",
        }
    }
}

/// The raiser's evaluation of a department.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Evaluation {
    /// 0–100.
    pub score: u8,
    pub comment: String,
}

/// A department called by the whistle.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Assignment {
    pub dept: UnitId,
    pub status: DeptStatus,
    pub notified_at: NaiveDateTime,
    pub reported_at: Option<NaiveDateTime>,
    pub acting_at: Option<NaiveDateTime>,
    pub done_at: Option<NaiveDateTime>,
    pub evaluation: Option<Evaluation>,
}

/// A step on a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case")]
pub enum WhistleAction {
    /// 增派: call one more department.
    Assign { dept: UnitId },
    /// Drop a suggested department that has not reported yet.
    Unassign { dept: UnitId },
    /// 报到.
    Report { dept: UnitId },
    /// 开始处置.
    Act { dept: UnitId },
    /// 办结.
    Done { dept: UnitId },
    /// 街乡评价.
    Evaluate {
        dept: UnitId,
        score: u8,
        comment: String,
    },
    /// 归档.
    Close,
}

/// A step taken, in the history.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhistleEvent {
    pub at: NaiveDateTime,
    pub action: WhistleAction,
}

/// A request as raised.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct WhistleRequest {
    pub id: WhistleId,
    /// The town, street or park blowing the whistle.
    pub raiser: PlaceId,
    pub kind: WhistleKind,
    pub items: Vec<ItemId>,
    /// Where (the raiser or a place within it).
    pub place: PlaceId,
    pub description: String,
    /// The departments to call (start from [`suggest_departments`]).
    pub departments: Vec<UnitId>,
    pub raised_at: NaiveDateTime,
}

/// A 吹哨 request and where it stands.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Whistle {
    pub id: WhistleId,
    pub raiser: PlaceId,
    pub kind: WhistleKind,
    pub items: Vec<ItemId>,
    pub place: PlaceId,
    pub description: String,
    pub raised_at: NaiveDateTime,
    pub assignments: Vec<Assignment>,
    pub closed_at: Option<NaiveDateTime>,
    pub history: Vec<WhistleEvent>,
}

/// Why a request or a step was refused (nothing changes).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum WhistleError {
    #[error("吹哨单位 {place} 不是镇、街道或园区")]
    RaiserNotTown { place: PlaceId },
    #[error("地点 {place} 不在吹哨单位辖区内")]
    PlaceOutside { place: PlaceId },
    #[error("未说明需要解决的问题")]
    NoDescription,
    #[error("没有需要报到的部门")]
    NoDepartments,
    #[error("部门 {dept} 重复")]
    DuplicateDept { dept: UnitId },
    #[error("部门 {dept} 未被吹哨")]
    NotAssigned { dept: UnitId },
    #[error("部门 {dept} 当前为“{status}”，不能{action}")]
    WrongStatus {
        dept: UnitId,
        status: &'static str,
        action: &'static str,
    },
    #[error("部门 {dept} 已评价")]
    AlreadyEvaluated { dept: UnitId },
    #[error("评分应在 0–100 之间")]
    BadScore,
    #[error("事不完、人不撤：部门 {dept} 尚未办结，不能归档")]
    NotDone { dept: UnitId },
    #[error("吹哨已于 {at} 归档")]
    Closed { at: NaiveDateTime },
    #[error("时间 {at} 早于上一步（{last}）")]
    TimeGoesBack {
        at: NaiveDateTime,
        last: NaiveDateTime,
    },
    #[error("至少保留一个报到部门")]
    LastDepartment,
}

/// A problem of the 问题清单 (平谷: 42 综合执法问题 → 1891 权力事项), by
/// code, with the items it involves.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Problem {
    pub code: String,
    pub name: String,
    pub items: Vec<ItemId>,
}

/// The 问题清单: problems by code.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProblemList {
    problems: BTreeMap<String, Problem>,
}

impl ProblemList {
    /// Adds or replaces a problem.
    pub fn insert(&mut self, problem: Problem) {
        self.problems.insert(problem.code.clone(), problem);
    }

    pub fn get(&self, code: &str) -> Option<&Problem> {
        self.problems.get(code.trim())
    }

    /// The items of the problems with these codes (unknown codes give
    /// none), each once, in order.
    pub fn items(&self, codes: &[&str]) -> Vec<ItemId> {
        let mut out = Vec::new();
        for c in codes {
            for &i in self.get(c).map_or(&[][..], |p| p.items.as_slice()) {
                if !out.contains(&i) {
                    out.push(i);
                }
            }
        }
        out
    }
}

/// The departments to call for `items` at `place` on `date`: the 主办 and
/// 配合 bodies `responsible` gives, without the raiser's own body, in order.
pub fn suggest_departments(
    index: &Index<'_>,
    territory: &Territory,
    raiser: PlaceId,
    items: &[ItemId],
    place: PlaceId,
    date: NaiveDate,
) -> Vec<UnitId> {
    let own = territory.get(raiser).and_then(|p| p.governing);
    let mut out = Vec::new();
    for &item in items {
        if let Ok(r) = index.responsible(item, place, date) {
            for u in std::iter::once(r.lead).chain(r.support) {
                if Some(u) != own && !out.contains(&u) {
                    out.push(u);
                }
            }
        }
    }
    out
}

impl Whistle {
    /// Raises a request: every department is notified at `raised_at`.
    pub fn raise(territory: &Territory, req: WhistleRequest) -> Result<Whistle, WhistleError> {
        if !territory
            .get(req.raiser)
            .is_some_and(|p| p.kind.is_town_level())
        {
            return Err(WhistleError::RaiserNotTown { place: req.raiser });
        }
        if !territory.up(req.place).any(|p| p.id == req.raiser) {
            return Err(WhistleError::PlaceOutside { place: req.place });
        }
        if req.description.trim().is_empty() {
            return Err(WhistleError::NoDescription);
        }
        if req.departments.is_empty() {
            return Err(WhistleError::NoDepartments);
        }
        let mut assignments: Vec<Assignment> = Vec::new();
        for &dept in &req.departments {
            if assignments.iter().any(|a| a.dept == dept) {
                return Err(WhistleError::DuplicateDept { dept });
            }
            assignments.push(Assignment {
                dept,
                status: DeptStatus::Notified,
                notified_at: req.raised_at,
                reported_at: None,
                acting_at: None,
                done_at: None,
                evaluation: None,
            });
        }
        let history = req
            .departments
            .iter()
            .map(|&dept| WhistleEvent {
                at: req.raised_at,
                action: WhistleAction::Assign { dept },
            })
            .collect();
        Ok(Whistle {
            id: req.id,
            raiser: req.raiser,
            kind: req.kind,
            items: req.items,
            place: req.place,
            description: req.description,
            raised_at: req.raised_at,
            assignments,
            closed_at: None,
            history,
        })
    }

    pub fn assignment(&self, dept: UnitId) -> Option<&Assignment> {
        self.assignments.iter().find(|a| a.dept == dept)
    }

    /// Takes a step at `at`; refused steps change nothing.
    pub fn act(&mut self, at: NaiveDateTime, action: WhistleAction) -> Result<(), WhistleError> {
        if let Some(last) = self.history.last().map(|e| e.at) {
            if at < last {
                return Err(WhistleError::TimeGoesBack { at, last });
            }
        }
        if let Some(c) = self.closed_at {
            if !matches!(action, WhistleAction::Evaluate { .. }) {
                return Err(WhistleError::Closed { at: c });
            }
        }
        let pos = |dept: UnitId| {
            self.assignments
                .iter()
                .position(|a| a.dept == dept)
                .ok_or(WhistleError::NotAssigned { dept })
        };
        let expect = |i: usize, want: DeptStatus, what: &'static str| {
            let a = &self.assignments[i];
            if a.status == want {
                Ok(())
            } else {
                Err(WhistleError::WrongStatus {
                    dept: a.dept,
                    status: a.status.label(),
                    action: what,
                })
            }
        };
        match &action {
            WhistleAction::Assign { dept } => {
                if self.assignment(*dept).is_some() {
                    return Err(WhistleError::DuplicateDept { dept: *dept });
                }
                self.assignments.push(Assignment {
                    dept: *dept,
                    status: DeptStatus::Notified,
                    notified_at: at,
                    reported_at: None,
                    acting_at: None,
                    done_at: None,
                    evaluation: None,
                });
            }
            WhistleAction::Unassign { dept } => {
                let i = pos(*dept)?;
                expect(i, DeptStatus::Notified, "撤销")?;
                if self.assignments.len() == 1 {
                    return Err(WhistleError::LastDepartment);
                }
                self.assignments.remove(i);
            }
            WhistleAction::Report { dept } => {
                let i = pos(*dept)?;
                expect(i, DeptStatus::Notified, "报到")?;
                let a = &mut self.assignments[i];
                a.status = DeptStatus::Reported;
                a.reported_at = Some(at);
            }
            WhistleAction::Act { dept } => {
                let i = pos(*dept)?;
                expect(i, DeptStatus::Reported, "开始处置")?;
                let a = &mut self.assignments[i];
                a.status = DeptStatus::Acting;
                a.acting_at = Some(at);
            }
            WhistleAction::Done { dept } => {
                let i = pos(*dept)?;
                expect(i, DeptStatus::Acting, "办结")?;
                let a = &mut self.assignments[i];
                a.status = DeptStatus::Done;
                a.done_at = Some(at);
            }
            WhistleAction::Evaluate {
                dept,
                score,
                comment,
            } => {
                let i = pos(*dept)?;
                expect(i, DeptStatus::Done, "评价")?;
                if *score > 100 {
                    return Err(WhistleError::BadScore);
                }
                if self.assignments[i].evaluation.is_some() {
                    return Err(WhistleError::AlreadyEvaluated { dept: *dept });
                }
                self.assignments[i].evaluation = Some(Evaluation {
                    score: *score,
                    comment: comment.clone(),
                });
            }
            WhistleAction::Close => {
                if let Some(a) = self
                    .assignments
                    .iter()
                    .find(|a| a.status != DeptStatus::Done)
                {
                    return Err(WhistleError::NotDone { dept: a.dept });
                }
                self.closed_at = Some(at);
            }
        }
        self.history.push(WhistleEvent { at, action });
        Ok(())
    }

    /// The time by which `dept` must 报到.
    pub fn report_deadline(&self, dept: UnitId, limits: &ReportLimits) -> Option<NaiveDateTime> {
        self.assignment(dept)
            .map(|a| a.notified_at + Duration::minutes(i64::from(limits.minutes(self.kind))))
    }

    /// Whether `dept` reported within the limit (`None` while it has not
    /// reported).
    pub fn reported_on_time(&self, dept: UnitId, limits: &ReportLimits) -> Option<bool> {
        let a = self.assignment(dept)?;
        let due = self.report_deadline(dept, limits)?;
        a.reported_at.map(|r| r <= due)
    }

    /// Departments notified and not reported after their deadline at `now`
    /// (超时未到, for 督办).
    pub fn overdue(&self, now: NaiveDateTime, limits: &ReportLimits) -> Vec<UnitId> {
        self.assignments
            .iter()
            .filter(|a| {
                a.status == DeptStatus::Notified
                    && self
                        .report_deadline(a.dept, limits)
                        .is_some_and(|d| now > d)
            })
            .map(|a| a.dept)
            .collect()
    }
}

/// One line of the overdue list (超时未到, for the 总览 and 督办).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct OverdueLine {
    pub whistle: WhistleId,
    pub raiser: PlaceId,
    pub kind: WhistleKind,
    pub dept: UnitId,
    pub deadline: NaiveDateTime,
}

/// Every department overdue at `now` across open whistles, earliest
/// deadline first.
pub fn overdue_list(
    whistles: &[Whistle],
    limits: &ReportLimits,
    now: NaiveDateTime,
) -> Vec<OverdueLine> {
    let mut out: Vec<OverdueLine> = whistles
        .iter()
        .filter(|w| w.closed_at.is_none())
        .flat_map(|w| {
            w.overdue(now, limits)
                .into_iter()
                .map(move |dept| OverdueLine {
                    whistle: w.id,
                    raiser: w.raiser,
                    kind: w.kind,
                    dept,
                    deadline: w.report_deadline(dept, limits).expect("assigned"),
                })
        })
        .collect();
    out.sort_by_key(|l| (l.deadline, l.whistle, l.dept));
    out
}

/// A department's figures over a set of whistles.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct DeptStats {
    /// Times called.
    pub called: u32,
    /// Times it reported (报到).
    pub reported: u32,
    /// Times it reported within the limit.
    pub on_time: u32,
    /// Notified and overdue at `now`.
    pub overdue: u32,
    /// Times it reported done.
    pub done: u32,
    pub evaluations: u32,
    pub score_sum: u32,
}

impl DeptStats {
    /// 响应率: reported / called.
    pub fn response_rate(&self) -> Option<f64> {
        ratio(self.reported, self.called)
    }
    /// 按时报到率: reported on time / called.
    pub fn on_time_rate(&self) -> Option<f64> {
        ratio(self.on_time, self.called)
    }
    /// 平均评价.
    pub fn average_score(&self) -> Option<f64> {
        ratio(self.score_sum, self.evaluations)
    }
}

pub(crate) fn ratio(a: u32, b: u32) -> Option<f64> {
    (b > 0).then(|| f64::from(a) / f64::from(b))
}

/// Figures per department over `whistles`, overdue counted at `now`.
pub fn department_stats(
    whistles: &[Whistle],
    limits: &ReportLimits,
    now: NaiveDateTime,
) -> BTreeMap<UnitId, DeptStats> {
    let mut out: BTreeMap<UnitId, DeptStats> = BTreeMap::new();
    for w in whistles {
        let overdue = w.overdue(now, limits);
        for a in &w.assignments {
            let s = out.entry(a.dept).or_default();
            s.called += 1;
            if a.reported_at.is_some() {
                s.reported += 1;
            }
            if w.reported_on_time(a.dept, limits) == Some(true) {
                s.on_time += 1;
            }
            if overdue.contains(&a.dept) {
                s.overdue += 1;
            }
            if a.status == DeptStatus::Done {
                s.done += 1;
            }
            if let Some(e) = &a.evaluation {
                s.evaluations += 1;
                s.score_sum += u32::from(e.score);
            }
        }
    }
    out
}
