//! 报表 (the statistical tables, on screen, as xlsx and for print) and 名单比对
//! (a roster from 组织部 / 人社 / 财政 checked against the ledger; results kept
//! in the workflow store so every server sees them).

pub mod api;
pub mod pages;
pub mod reconcile;
pub mod reconciled;
pub mod service;
