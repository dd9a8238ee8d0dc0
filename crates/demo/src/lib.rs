//! Demo and benchmark data for bianzhi, generated through matters.
//!
//! - [`build_demo`]: the demo district 盐城市盐都区 (320903), 2019–2024, recorded
//!   matter by matter into any [`MatterSink`] (the in-memory
//!   [`bianzhi_core::Ledger`] or a durable one). Deterministic: the same journal on
//!   every run. Its history uses every quota instrument of the source document:
//!   核减收回 into the 周转池, loans to the 镇 (安监, 消防), 过桥编制 (市三院,
//!   高新区), 承兑编制 (东进路 schools, 区中医院), 动态编制 (区淮剧团, teachers)
//!   and 备案制 (区人民医院, a public kindergarten).
//! - [`registration::build_registration`]: the demo district's 事业单位法人登记
//!   register as of a date (every 事业单位 of the ledger registered, the 2021
//!   注销, a few 待注销, pending applications, annual reports), built through
//!   the registration crate's own code paths from the demo ledger.
//! - [`grassroots::build_grassroots`]: the demo district's 三整合 records as of
//!   a date (权责清单, 综合执法, the first delegation batch and a 收回, a month
//!   of 吹哨报到 and 12345 orders with one 职责争议, use counts), built through
//!   the grassroots crate's own code paths from the demo ledger.
//! - [`synthetic_province`]: a fast generator of a province-scale journal of
//!   already-resolved matters for benchmarks, applied with
//!   [`bianzhi_core::State::apply`].
//!
//! Reference data (names, township codes) is embedded from `data/`.

mod catalogue;
mod district;
pub mod grassroots;
pub mod people;
pub mod registration;
pub mod rng;
mod synthetic;

use bianzhi_core::{MatterSink, RecordError};

pub use district::{DemoSummary, DEMO_MATTERS_ESTIMATE, DEMO_SEED};
pub use synthetic::synthetic_province;

/// Builds the demo district into `sink` (a ledger created with
/// `State::new("320903", "盐城市盐都区")`), entirely through matters.
/// `progress(done, total_estimate)` is called after every recorded matter.
///
/// The sink must hold an empty ledger: the demo creates every unit and person.
/// A refused matter is returned as the error (the demo is expected to be
/// valid; a refusal means the generator or the rules changed).
pub fn build_demo(
    sink: &mut dyn MatterSink,
    progress: &mut dyn FnMut(usize, usize),
) -> Result<DemoSummary, RecordError> {
    district::Builder::new(sink, progress).run()
}
