//! 人员 (实名制): search, a person's placements and history, and the audited
//! reveal of a full 身份证号.

pub mod api;
pub mod pages;
pub mod service;
pub mod views;
