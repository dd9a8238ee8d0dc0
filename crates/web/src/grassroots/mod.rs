//! 三整合 at the base: the catalogue of powers and duties (权责清单) kept as
//! the 编办's record, imported from the xlsx counties publish and exported in
//! the same columns; delegation batches to towns, streets and parks with
//! 收回 and the town duty lists; 综合执法 (concentrations, 下沉); and
//! `responsible(item, place, date)` with its change feed over the API. The
//! rules are `bianzhi_grassroots`'s, the spreadsheet shape is
//! `bianzhi_reports::catalogue`'s. 吹哨报到 and 12345 are their own features
//! (`whistles`, `hotline`) reading this one's records.

pub mod api;
pub mod delegations;
pub mod enforcement;
pub mod pages;
pub mod service;
