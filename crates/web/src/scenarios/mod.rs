//! 沙盘推演 (what-if): named scenarios of draft matters tried on a copy of
//! the ledger (`bianzhi_casework::scenario`), kept as versioned records,
//! shared within the 编办, compared side by side and turned into a case.

pub mod api;
pub mod pages;
pub mod service;
