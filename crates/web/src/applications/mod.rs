//! 申请 (网上办理): units submit, the 编办 returns or approves into a matter.
//! The rules (kinds, statuses, who may act when) are in `bianzhi-casework`;
//! this feature maps forms and JSON to them and keeps the records.

pub mod api;
pub mod pages;
pub mod service;
