//! 总览: totals by 编制类型, units over quota, 超职数, recent matters, the
//! trend, and the lists forms choose from (catalog).

pub mod api;
pub mod charts;
pub mod pages;
pub mod views;
