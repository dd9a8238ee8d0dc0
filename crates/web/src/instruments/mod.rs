//! 调控工具: the 周转池 and its loans, 过桥编制, 承兑编制, 动态编制 and 备案制 as
//! of any date, with the forms that act on them (each a matter) and the
//! tables as xlsx and for print (the same report tables as 报表).

pub mod pages;
