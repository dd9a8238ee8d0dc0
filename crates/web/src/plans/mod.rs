//! 用编计划: plan lines by year and unit, and the matters that approved and
//! used each.

pub mod api;
pub mod pages;
pub mod views;
