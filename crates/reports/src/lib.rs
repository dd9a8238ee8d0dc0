//! Reports, xlsx export and reconciliation (比对) for bianzhi.
//!
//! - [`table`]: the report table model (text and number cells, totals row),
//!   rendered as plain text here and as xlsx in [`xlsx`].
//! - [`report`]: pure report computations as of a date over one unit, a subtree
//!   or the whole jurisdiction (台账, 编制情况表, 领导职数情况表, 花名册, 减少人员,
//!   人员变动, 用编计划执行, 调控工具, 超编/超职数 warnings, 统计年报).
//! - [`xlsx`]: writing tables as xlsx (Chinese headers, frozen header row, widths,
//!   身份证号 and codes as text cells) and reading sheets (xlsx, xls, csv).
//! - [`reconcile`]: 比对 of another department's roster with the ledger's.
//! - [`catalogue`]: the 权责清单's import from the columns counties publish
//!   (all or nothing, with row and column messages) and export.
//! - [`statistics`]: the 统计年报 in the layout sent upward (four tables, a
//!   JSON document with a format version, the sum of several jurisdictions').
//! - [`workorders`]: 12345 work orders as the hotline's system exports them
//!   (xlsx, xls, csv in GBK or UTF-8; all or nothing, with row and column
//!   messages), its template and the orders' export.
//! - [`delegations`]: a delegation batch (赋权批次) and the use counts of
//!   delegated items (赋权后评估) from spreadsheets, all or nothing, with
//!   their templates.
//! - [`enforcement`]: the 综合行政执法事项目录's import (all or nothing,
//!   with row and column messages), its template and export.

pub mod bench;
pub mod catalogue;
mod cfb;
pub mod delegations;
pub mod enforcement;
mod guard;
pub mod hostile;
pub mod import;
pub mod instruments;
pub mod pdf;
pub mod reconcile;
pub mod report;
pub mod rows;
pub mod sectors;
pub mod statistics;
pub mod table;
pub mod workorders;
pub mod xlsx;

pub use table::{Cell, Table};
