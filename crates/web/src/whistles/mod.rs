//! 吹哨报到: a town, street or park blows the whistle on a problem, the
//! departments `responsible` names are notified and must 报到 within the
//! limit of the kind, act and report done; the raiser evaluates them and
//! closes ("事不完、人不撤"). The rules are `bianzhi_grassroots::whistle`'s;
//! the 总览 shows the departments overdue.

pub mod pages;
pub mod service;
pub mod views;
