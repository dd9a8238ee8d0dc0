//! 编制标准测算: the norms of each sector (defaults as dated, cited data in
//! `bianzhi_core::norms`, the office's own kept as records), the facts of
//! each unit (entered on its page or imported from a spreadsheet), the
//! normative 编制 of every unit as a report (家家到), and 拟核增: a 核增 of a
//! unit short of its norm drafted into a 动议.

pub mod api;
pub mod pages;
pub mod service;
pub mod views;
