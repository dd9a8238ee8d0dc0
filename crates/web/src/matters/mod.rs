//! 事项: the journal of matters (each with its 文号 and effective date), one
//! matter with its operations, and recording a matter directly (编办).

pub mod api;
pub mod documents;
pub mod pages;
pub mod service;
pub mod views;
