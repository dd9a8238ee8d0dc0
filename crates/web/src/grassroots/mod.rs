//! 三整合: the catalogue of powers and duties (权责清单) kept as the 编办's
//! record, imported from the xlsx counties publish and exported in the same
//! columns. The rules are `bianzhi_grassroots`'s, the spreadsheet shape is
//! `bianzhi_reports::catalogue`'s. Delegation, 综合执法, `responsible`,
//! 吹哨报到 and 12345 are not served yet.

pub mod api;
pub mod pages;
pub mod service;
