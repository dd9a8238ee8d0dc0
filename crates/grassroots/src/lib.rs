//! Pure domain core of 三整合 (issue 21): the catalogue of powers and duties
//! (权责清单 / 乡镇履职事项清单) as a hash-chained journal, the territory
//! (区 → 镇/街道/园区 → 村/社区), delegation to towns and parks (赋权 / 委托 /
//! 下放, 收回), 综合行政执法 (enforcement catalogue, 相对集中, 下沉),
//! [`responsible`](responsible::Index::responsible) — who is responsible for
//! an item at a place on a date — 吹哨报到 and 12345 work orders with 职责争议.
//!
//! No I/O, no clock, no async: every time is passed in.
//!
//! - [`catalogue`]: items (权责事项) with their power type (codes mapped by
//!   name per source table), 主项/子项, holder, 责任事项, 追责情形, time limit
//!   and 行使层级, in an SM3-chained journal of documents with effective
//!   dates; [`Catalogue::as_of`].
//! - [`territory`], [`delegation`]: places and the delegation batches (赋权 /
//!   委托 / 下放, second hops to parks, terms, 收回), the town duty lists.
//! - [`enforcement`]: the 综合执法 catalogue, 相对集中, 下沉.
//! - [`responsible`]: the indexed `responsible(item, place, date)` and the
//!   change feed; [`bench`](mod@bench) measures it against the naive scan.
//! - [`whistle`], [`workorder`]: 吹哨报到 and 12345 orders with 职责争议;
//!   [`evaluation`]: 收回 review of delegations never used.
//!
//! Where bianzhi stops: it is not the 12345 hotline, the enforcement
//! platform, the 政务服务 platform or the grid system. It owns the record of
//! who holds which duty where and from when, serves them `responsible` and
//! the change feed, and takes in their data (orders already parsed, 退单,
//! use counts) — parsing their files lives in the reports crate.

pub mod bench;
pub mod catalogue;
pub mod delegation;
pub mod district;
pub mod enforcement;
pub mod evaluation;
pub mod responsible;
pub mod territory;
pub mod whistle;
pub mod workorder;

pub use catalogue::{
    Catalogue, CatalogueError, Change, CodeSource, Duty, Entry, Item, ItemId, Level, PowerType,
    TimeLimit, TimeUnit, Version,
};
pub use delegation::{
    BatchId, DelegationBatch, DelegationEntry, DelegationError, DelegationId, Delegations,
    DutyList, DutyLists, Mode, Withdrawal,
};
pub use district::{District, Records};
pub use enforcement::{
    Concentration, ConcentrationId, Domain, Enforcement, EnforcementError, EnforcementItem,
    Secondment, Staff, Transfer,
};
pub use responsible::{
    ChangeKind, ChangeRecord, Index, IndexMaps, Responsible, ResponsibleError, Source,
};
pub use territory::{Place, PlaceId, PlaceKind, Territory, TerritoryError};
pub use whistle::{
    department_stats, overdue_list, suggest_departments, DeptStats, DeptStatus, Problem,
    ProblemList, ReportLimits, Whistle, WhistleAction, WhistleError, WhistleId, WhistleKind,
    WhistleRequest,
};
pub use workorder::{
    metrics_by_department, metrics_by_item, metrics_by_town, overdue_orders, Dispute,
    DisputeAction, DisputeError, DisputeId, DisputeStage, Disputes, OrderAction, OrderError,
    OrderMetrics, OrderRow, OrderState, Urgency, WorkOrder,
};
