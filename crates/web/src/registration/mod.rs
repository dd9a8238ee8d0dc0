//! 事业单位登记管理: the legal-person register beside the ledger, 登记申请
//! from the units (设立 / 变更 / 注销 / 证书补领 / 证书换领) with their clocks,
//! the 法人证书 as PDF, seals, 年度报告, 抽查, bulk 注销 after a reform, and the
//! public query page. The rules are `bianzhi_registration`'s; this feature
//! keeps the records (`service.rs`), computes what pages and API show
//! (`views.rs`) and maps forms and JSON to the rules.

pub mod api;
pub mod pages;
pub mod public;
pub mod service;
pub mod views;
