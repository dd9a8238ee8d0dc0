//! Pure domain core of bianzhi (编制): identifiers, units, quota accounts,
//! people, matters and the ledger state machine. No I/O, no async.
//!
//! - [`beijing`]: Beijing time (UTC+8), the one conversion of instants to dates.
//! - [`catalog`]: quota types and funding forms (data), unit kinds and other lists.
//! - [`codes`]: code tables from public standards (民族, 学历, 政治面貌, 性别,
//!   职务层次) and the 行业领域 of units.
//! - [`model`]: the records (units, quota accounts, posts, people, plan lines).
//! - [`matter`]: matters and their operations.
//! - [`state`]: the state machine that applies a matter atomically.
//! - [`ledger`]: journal + state, backdating and as-recorded replays.
//! - [`query`]: as-of queries (编制情况表, 领导职数情况表, rosters, roll-ups).
//! - [`retirement`]: the statutory retirement ages of 2025 as dated data.
//! - [`forecast`]: 自然减员预测, retirements and what becomes of their vacancies.
//! - [`norms`]: 编制标准 as dated, cited data, unit facts and the normative 编制.

pub mod beijing;
pub mod catalog;
pub mod codes;
pub mod forecast;
pub mod ident;
pub mod ids;
pub mod ledger;
pub mod matter;
pub mod model;
pub mod norms;
pub mod query;
mod resolve;
pub mod retirement;
pub mod state;
pub mod violation;

pub use ids::*;
pub use ledger::{
    replay, Decoder, Entry, JournalError, Ledger, MatterHead, MatterSink, RecordError, ReplayError,
    View,
};
pub use matter::{
    AccountRef, AttachmentRef, CatRef, Correction, CorrectionKind, Matter, NewUnit, Op, PersonRef,
    Remap, UnitRef,
};
pub use state::State;
pub use violation::{InputError, MatterError, Violation};
