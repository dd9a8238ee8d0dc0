//! 12345 工单 (接诉即办) and 职责争议: orders imported from the hotline's
//! system and routed to whoever holds the duty by `responsible`, their
//! 签收 / 退单 / 改派 / 答复 / 回访, metrics by department, town and item,
//! and the 职责争议 cases repeated 退单 open for the 编办, which can end in
//! a change of the 权责清单. The rules are `bianzhi_grassroots::workorder`'s;
//! the file shape is `bianzhi_reports::workorders`'s.

pub mod pages;
pub mod service;
