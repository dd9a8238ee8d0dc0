//! 三员 administration: accounts, sessions and API tokens (安全管理员), the
//! audit trail (安全审计员), the security configuration (系统管理员).

pub mod api;
pub mod pages;
pub mod service;
