//! Time limits per stage, in working days of a [`Calendar`], and the list of
//! overdue cases.

use chrono::{Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::calendar::Calendar;
use crate::case::{Case, Stage};

/// Time limits: working days per stage, counted from the day the case
/// entered the stage; the follow-up evaluation is due months after the
/// matter took effect.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Limits {
    /// 动议 (until submitted for 论证).
    pub proposal: u32,
    /// 论证.
    pub assessment: u32,
    /// 审议决定.
    pub decision: u32,
    /// 组织实施.
    pub implementation: u32,
    /// 跟踪问效: months after the effective date.
    pub follow_up_months: u32,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            proposal: 10,
            assessment: 10,
            decision: 15,
            implementation: 10,
            follow_up_months: 6,
        }
    }
}

impl Limits {
    /// Working days allowed in `stage` (`None` for 跟踪问效 and closed stages).
    pub fn working_days(&self, stage: Stage) -> Option<u32> {
        match stage {
            Stage::Proposal => Some(self.proposal),
            Stage::Assessment => Some(self.assessment),
            Stage::Decision => Some(self.decision),
            Stage::Implementation => Some(self.implementation),
            Stage::FollowUp | Stage::Closed | Stage::Rejected | Stage::Withdrawn => None,
        }
    }

    /// When the follow-up evaluation of a matter effective on `effective` is
    /// due (the same day `follow_up_months` later, or the month's last day).
    pub fn follow_up_due(&self, effective: NaiveDate) -> NaiveDate {
        effective
            .checked_add_months(Months::new(self.follow_up_months))
            .unwrap_or(NaiveDate::MAX)
    }
}

/// The deadline of the case's current stage: the Beijing date it entered the
/// stage plus the stage's working days; for 跟踪问效 the follow-up's due
/// date; `None` for closed stages.
pub fn stage_deadline(case: &Case, limits: &Limits, cal: &Calendar) -> Option<NaiveDate> {
    match case.stage {
        Stage::FollowUp => case.follow_up.as_ref().map(|f| f.due),
        s => limits
            .working_days(s)
            .map(|n| cal.add_working_days(bianzhi_core::beijing::date_of(case.stage_since), n)),
    }
}

/// A case past the deadline of its stage.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Overdue {
    pub id: i64,
    pub stage: Stage,
    pub deadline: NaiveDate,
    /// Working days in (deadline, today]; 0 when only days off have passed
    /// since the deadline.
    pub working_days_late: i64,
}

/// The open cases whose stage deadline lies before `today`, most overdue first.
pub fn overdue_cases(
    cases: &[Case],
    limits: &Limits,
    cal: &Calendar,
    today: NaiveDate,
) -> Vec<Overdue> {
    let mut v: Vec<Overdue> = cases
        .iter()
        .filter_map(|c| {
            let deadline = stage_deadline(c, limits, cal)?;
            (deadline < today).then(|| Overdue {
                id: c.id,
                stage: c.stage,
                deadline,
                working_days_late: cal.working_days_between(deadline, today),
            })
        })
        .collect();
    v.sort_by(|a, b| a.deadline.cmp(&b.deadline).then(a.id.cmp(&b.id)));
    v
}
