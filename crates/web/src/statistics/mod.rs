//! 统计年报（上报格式）: the four tables a 编办 sends upward (机构, 编制,
//! 实有人员, 领导职数) as of a date, over the whole jurisdiction, computed by
//! `bianzhi_reports::statistics` — the page (reached from 报表), the workbook
//! and the JSON document the level above adds up (`/api/v1/statistics`).
//! Only for 编办 roles that see the whole jurisdiction.

pub mod api;
pub mod pages;
pub mod views;
