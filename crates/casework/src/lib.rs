//! Casework of bianzhi (编制): the closed loop of institutional matters
//! (机构编制事项) from 动议 through 论证, 审议决定, 组织实施 to 跟踪问效 (DOMAIN §4,
//! issue 8), the pre-assessment (事前评估) computed from the ledger, time limits
//! in working days with an editable holiday calendar, and the problem ledger
//! (问题台账). Pure: no I/O, no async, no clock (times are passed in).
//!
//! - [`application`]: 申请 — kinds, statuses, who may do what from which
//!   status, and `prepare` (an application checked against the ledger).
//! - [`calendar`]: working days, 法定节假日 and 调休上班 days, in an editable text form.
//! - [`case`]: a case ([`Case`]) and the actions that move it between stages.
//! - [`deadline`]: time limits per stage and overdue lists.
//! - [`assess`]: the pre-assessment of a proposed change against the ledger.
//! - [`preview`]: a matter tried on a copy of the ledger (预览), figures before → after.
//! - [`problem`]: the problem ledger and the system's own checks.
//! - [`scenario`]: 沙盘推演 — a set of draft matters tried on a copy of the ledger.
//! - [`warning`]: 预警 — accounts nearly full, loans, bridges and tranches falling due, plans unused.

pub mod application;
pub mod assess;
pub mod calendar;
pub mod case;
pub mod deadline;
pub mod preview;
pub mod problem;
pub mod scenario;
pub mod warning;

pub use assess::{assess, AssessConfig, Assessment};
pub use calendar::{Calendar, CalendarError};
pub use case::{
    decided_by_upper, Action, Actor, Attachment, Case, CaseError, CaseEvent, CaseKind, Decision,
    Draft, FollowUp, Implemented, Opinion, Stage,
};
pub use deadline::{overdue_cases, stage_deadline, Limits, Overdue};
pub use problem::{
    detect, new_findings, Finding, Problem, ProblemAction, ProblemError, ProblemEvent,
    ProblemSource, ProblemStatus,
};
