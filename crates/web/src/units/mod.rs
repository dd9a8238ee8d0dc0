//! 机构: the unit tree and list, a unit's 三定 (编制情况表, 领导职数情况表),
//! its 实名制花名册 and its 机构编制台账.

pub mod api;
pub mod pages;
pub mod views;
