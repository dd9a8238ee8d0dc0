//! 自然减员预测: retirements over the next years under the 2025 retirement-age
//! rules (`bianzhi_core::forecast`) and what becomes of each vacancy — free
//! to use, or owed to 过桥, 动态编制 and 周转池 loans — for the jurisdiction, a
//! unit (with the units below it) and the 周转池's inflow.

pub mod api;
pub mod pages;
pub mod views;
