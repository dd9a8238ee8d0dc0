//! 事项办理 (动议 → 论证 → 审议决定 → 组织实施 → 跟踪问效) and the 问题台账:
//! pages, API and the service over `bianzhi-casework`.

pub mod api;
pub mod pages;
pub mod service;
