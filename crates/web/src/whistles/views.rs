//! 吹哨报到 as pages show it: names instead of numbers, deadlines and
//! whether each department was on time, and what the viewer may do.

use bianzhi_core::UnitId;
use bianzhi_grassroots::{DeptStatus, District, ReportLimits, Whistle, WhistleAction};
use chrono::NaiveDateTime;

use crate::ledger::unit_in_scope;
use crate::prelude::*;
use crate::whistles::service::Stored;

fn minute(t: NaiveDateTime) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn opt_minute(t: Option<NaiveDateTime>) -> String {
    t.map(minute).unwrap_or_default()
}

/// A department called by a request, as shown.
pub struct AssignmentRow {
    pub dept: u32,
    pub dept_name: String,
    pub status: &'static str,
    pub notified: String,
    pub deadline: String,
    pub reported: String,
    /// 按时 / 超时 / 超时未到 / "" while within the limit.
    pub timeliness: &'static str,
    pub late: bool,
    pub done: String,
    pub score: Option<u8>,
    pub comment: String,
    /// The next step the viewer may take for this department
    /// (`report` / `act` / `done` / `evaluate` / `unassign`), with its label.
    pub steps: Vec<(&'static str, &'static str)>,
}

/// A request as shown on its page and in lists.
pub struct WhistleView {
    pub id: i64,
    pub raiser: String,
    pub kind: &'static str,
    pub emergency: bool,
    pub items: Vec<String>,
    pub place: String,
    pub description: String,
    pub raised_at: String,
    pub raised_by: String,
    pub closed_at: String,
    pub open: bool,
    pub assignments: Vec<AssignmentRow>,
    /// Departments reported / called.
    pub reported: usize,
    pub done: usize,
    pub overdue: usize,
    /// The viewer may take the raiser's steps (增派, 评价, 归档).
    pub raiser_steps: bool,
    /// All departments done: the request may be closed.
    pub closable: bool,
    pub history: Vec<(String, String, String)>,
}

fn action_text(a: &WhistleAction, name: &dyn Fn(UnitId) -> String) -> String {
    match a {
        WhistleAction::Assign { dept } => format!("通知 {} 报到", name(*dept)),
        WhistleAction::Unassign { dept } => format!("撤回 {}", name(*dept)),
        WhistleAction::Report { dept } => format!("{} 报到", name(*dept)),
        WhistleAction::Act { dept } => format!("{} 开始处置", name(*dept)),
        WhistleAction::Done { dept } => format!("{} 办结", name(*dept)),
        WhistleAction::Evaluate {
            dept,
            score,
            comment,
        } => {
            if comment.is_empty() {
                format!("评价 {}：{score} 分", name(*dept))
            } else {
                format!("评价 {}：{score} 分（{comment}）", name(*dept))
            }
        }
        WhistleAction::Close => "归档".to_string(),
    }
}

/// The view of a stored request for `user` at `now`.
pub fn whistle_view(
    app: &App,
    user: &User,
    d: &District,
    s: &Stored,
    limits: &ReportLimits,
    now: NaiveDateTime,
) -> WhistleView {
    let w: &Whistle = &s.rec.whistle;
    let raiser_unit = d.territory.get(w.raiser).and_then(|p| p.governing);
    let open = w.closed_at.is_none();
    let may_raiser = user.can_review()
        || (user.can_apply() && raiser_unit.is_some() && unit_in_scope(app, user, raiser_unit));
    let overdue = w.overdue(now, limits);
    let mut rows = Vec::new();
    for a in &w.assignments {
        let may_dept =
            user.can_review() || (user.can_apply() && unit_in_scope(app, user, Some(a.dept)));
        let deadline = w.report_deadline(a.dept, limits);
        let (timeliness, late) = match w.reported_on_time(a.dept, limits) {
            Some(true) => ("按时", false),
            Some(false) => ("超时", true),
            None if overdue.contains(&a.dept) => ("超时未到", true),
            None => ("", false),
        };
        let mut steps = Vec::new();
        if open && may_dept {
            match a.status {
                DeptStatus::Notified => steps.push(("report", "报到")),
                DeptStatus::Reported => steps.push(("act", "开始处置")),
                DeptStatus::Acting => steps.push(("done", "办结")),
                DeptStatus::Done => {}
            }
        }
        if open && may_raiser && a.status == DeptStatus::Notified && w.assignments.len() > 1 {
            steps.push(("unassign", "撤回"));
        }
        if may_raiser && a.status == DeptStatus::Done && a.evaluation.is_none() {
            steps.push(("evaluate", "评价"));
        }
        rows.push(AssignmentRow {
            dept: a.dept.0,
            dept_name: String::new(),
            status: a.status.label(),
            notified: minute(a.notified_at),
            deadline: opt_minute(deadline),
            reported: opt_minute(a.reported_at),
            timeliness,
            late,
            done: opt_minute(a.done_at),
            score: a.evaluation.as_ref().map(|e| e.score),
            comment: a
                .evaluation
                .as_ref()
                .map(|e| e.comment.clone())
                .unwrap_or_default(),
            steps,
        });
    }
    let db = app.db();
    let st = db.state();
    let name = |u: UnitId| st.unit_name(u);
    for r in &mut rows {
        r.dept_name = name(UnitId(r.dept));
    }
    let place = |p| {
        d.territory
            .get(p)
            .map_or_else(String::new, |x| x.name.clone())
    };
    let items = w
        .items
        .iter()
        .map(|i| {
            d.catalogue
                .item_at(*i, w.raised_at.date())
                .map_or_else(|| format!("事项 {}", i.0), |x| x.name.clone())
        })
        .collect();
    let mut history = Vec::new();
    for (n, e) in w.history.iter().enumerate() {
        let by = if n < s.rec.raised_steps {
            s.rec.raised_by.clone()
        } else {
            s.rec
                .steps_by
                .get(n - s.rec.raised_steps)
                .cloned()
                .unwrap_or_default()
        };
        history.push((minute(e.at), action_text(&e.action, &name), by));
    }
    WhistleView {
        id: s.id,
        raiser: place(w.raiser),
        kind: w.kind.label(),
        emergency: w.kind == bianzhi_grassroots::WhistleKind::Emergency,
        items,
        place: place(w.place),
        description: w.description.clone(),
        raised_at: minute(w.raised_at),
        raised_by: s.rec.raised_by.clone(),
        closed_at: opt_minute(w.closed_at),
        open,
        reported: w
            .assignments
            .iter()
            .filter(|a| a.reported_at.is_some())
            .count(),
        done: w
            .assignments
            .iter()
            .filter(|a| a.status == DeptStatus::Done)
            .count(),
        overdue: overdue.len(),
        raiser_steps: may_raiser,
        closable: open && may_raiser && w.assignments.iter().all(|a| a.status == DeptStatus::Done),
        assignments: rows,
        history,
    }
}
