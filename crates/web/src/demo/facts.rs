//! The demo district's 基础数据 for 编制标准测算: last autumn's enrolment of
//! every school and kindergarten, the beds of the hospitals and the
//! population the 乡镇卫生院 serve — each near what its 核定 would need under
//! the default norms, some above and some below (a deterministic spread of
//! ±15 % by unit), so the 家家到 report has both over- and under-staffed units.

use std::collections::BTreeMap;

use bianzhi_core::norms::{Facts, Measure};
use bianzhi_core::{query, UnitId};
use bianzhi_store::{Db, WorkflowStore};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::norms::service::UNIT_FACTS;
use crate::norms::views::{FactsEntry, UnitFactsRecord};
use crate::prelude::*;

/// What the demo reports of a unit with `approved` 事业编制, by its sector
/// and name; `f` is the unit's spread (0.85–1.15).
fn counts(sector: &str, name: &str, approved: i32, f: f64) -> BTreeMap<Measure, u64> {
    let a = f64::from(approved) * f;
    let n = |x: f64| x.round().max(0.0) as u64;
    let mut c = BTreeMap::new();
    match sector {
        "0101" if name.contains("小学") => {
            c.insert(Measure::Primary, n(a * 19.0));
        }
        "0101" if name.contains("初级中学") => {
            c.insert(Measure::Junior, n(a * 13.5));
        }
        "0101" if name.contains("中学") => {
            c.insert(Measure::Junior, n(a * 0.3 * 13.5));
            c.insert(Measure::Senior, n(a * 0.7 * 12.5));
        }
        "0101" => {
            c.insert(Measure::Primary, n(a * 0.6 * 19.0));
            c.insert(Measure::Junior, n(a * 0.4 * 13.5));
        }
        "0102" => {
            c.insert(Measure::Children, n(a * 7.0));
        }
        "0201" => {
            c.insert(Measure::Beds, n(a / 1.3));
        }
        "0202" => {
            c.insert(Measure::Population, n(a * 1000.0));
        }
        _ => {}
    }
    c
}

/// Records the demo's facts as of last autumn (30 September), unless any
/// unit has facts already; returns a line to print.
pub(crate) fn seed(
    db: &Db,
    wf: &mut dyn WorkflowStore,
    now: DateTime<Utc>,
) -> Result<Option<String>, WebError> {
    if !wf.records(UNIT_FACTS)?.is_empty() {
        return Ok(None);
    }
    let today = bianzhi_core::beijing::date_of(now);
    let year = if today.month() >= 10 {
        today.year()
    } else {
        today.year() - 1
    };
    let Some(as_of) = NaiveDate::from_ymd_opt(year, 9, 30) else {
        return Ok(None);
    };
    let st = db.state();
    let qtype = st
        .quota_types
        .iter()
        .find(|q| q.name == crate::norms::views::QTYPE)
        .map(|q| q.id);
    let mut n = 0;
    for u in query::units_at(st, as_of) {
        let Some(sector) = u.sector.as_deref() else {
            continue;
        };
        let approved: i32 = st
            .unit_accounts(u.id)
            .filter(|a| qtype == Some(a.key.qtype))
            .filter_map(|a| query::account_at(st, &a.key, as_of))
            .map(|(c, _)| c.approved)
            .sum();
        let UnitId(id) = u.id;
        let f = 0.85 + f64::from((id.wrapping_mul(7919)) % 31) / 100.0;
        let counts = counts(sector, &u.name, approved, f);
        if counts.is_empty() || approved == 0 {
            continue;
        }
        let source = if sector.starts_with("01") {
            format!("{year}年秋季学期教育事业统计（家家到核查）")
        } else {
            format!("{year}年卫生健康统计（家家到核查）")
        };
        let rec = UnitFactsRecord {
            unit: id,
            history: vec![FactsEntry {
                facts: Facts {
                    as_of,
                    counts,
                    source,
                },
                by: "区委编办".into(),
                at: now,
            }],
        };
        let body = serde_json::to_string(&rec).map_err(WebError::internal)?;
        wf.insert_record(UNIT_FACTS, &body, now)?;
        n += 1;
    }
    Ok((n > 0).then(|| {
        format!("编制标准测算基础数据：{n} 个学校、幼儿园和医疗卫生机构（统计时点 {as_of}）")
    }))
}
