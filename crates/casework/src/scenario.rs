//! 沙盘推演 (what-if): a named set of draft matters tried, in order, on a
//! copy of the ledger. The real ledger and its journal are never touched; the
//! rules are the ledger's own (`Ledger::submit` on the copy), so a scenario
//! refuses exactly what recording would. A refused draft is reported with
//! its refusal and the others go on.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;

use std::collections::{BTreeMap, BTreeSet};

use bianzhi_core::query::{rollup, subtree, units_at, view_at};
use bianzhi_core::{Ledger, Matter, State, UnitId};

use crate::preview::{diff, Preview};

/// One draft matter of a scenario and what the ledger made of it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Step {
    /// Position in the scenario (from 1).
    pub index: usize,
    /// 文号 (a draft may carry a placeholder).
    pub doc: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub effective: NaiveDate,
    /// 事项类型 of its operations.
    pub kinds: Vec<String>,
    /// The refusal, in Chinese, when the ledger would not take it.
    pub refusal: Option<String>,
    /// The machine code of the refusal.
    pub code: Option<String>,
    /// Warnings it would carry.
    pub warnings: Vec<String>,
}

/// Figures as of a date, for the jurisdiction or a unit with the units below
/// it: 核定, 实有, 冻结 (待报到), 可用空编 (summed per account, never below 0),
/// 超编, units in being, 领导职数 (核定, 实配), and 核定 / 实有 by 编制类型.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Totals {
    pub approved: i32,
    pub actual: i32,
    pub frozen: i32,
    pub available: i32,
    pub over: i32,
    pub units: usize,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<i32>))]
    pub posts: (i32, i32),
    /// 编制类型 → (核定, 实有).
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub by_type: BTreeMap<String, (i32, i32)>,
}

impl Totals {
    /// The jurisdiction's figures.
    pub fn of(st: &State, date: NaiveDate) -> Totals {
        Totals::within(st, date, None)
    }

    /// The figures of these units (`None`: the whole jurisdiction).
    pub fn within(st: &State, date: NaiveDate, units: Option<&[UnitId]>) -> Totals {
        let v = view_at(st, date);
        let r = rollup(&v, date, units);
        let inside = |u: UnitId| units.is_none_or(|us| us.contains(&u));
        let mut posts = (0, 0);
        for (k, p) in &v.posts {
            if inside(k.unit) {
                posts.0 += p.approved;
                posts.1 += p.holders.len() as i32;
            }
        }
        Totals {
            approved: r.total.approved,
            actual: r.total.actual,
            frozen: r.total.frozen,
            available: r.available,
            over: r.over,
            units: units_at(&v, date).iter().filter(|u| inside(u.id)).count(),
            posts,
            by_type: r
                .by_type
                .iter()
                .map(|(q, c)| (v.qtype_name(*q), (c.approved, c.actual)))
                .collect(),
        }
    }
}

/// A unit the scenario touches: its figures with the units below it, before
/// and after (after: as the tree then stands; zero once abolished or merged).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct UnitFigures {
    pub unit: String,
    pub before: Totals,
    pub after: Totals,
}

/// What a scenario would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Outcome {
    /// The date the figures are compared at: the latest effective date of
    /// the ledger and the drafts.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = Date))]
    pub as_of: NaiveDate,
    pub steps: Vec<Step>,
    /// How many drafts the ledger would take.
    pub accepted: usize,
    /// Every account, post, 周转池, unit and person changed, before → after.
    pub changes: Preview,
    /// The jurisdiction before and after.
    pub before: Totals,
    pub after: Totals,
    /// Each unit touched, with the units below it.
    pub units: Vec<UnitFigures>,
    /// 机构限额 of each group the office set, before and after.
    pub limits: Vec<crate::assess::LimitCheck>,
}

/// Tries the drafts in order on a copy of the ledger (each as recording
/// would, backdated ones replayed with everything after them).
pub fn run(
    ledger: &Ledger,
    drafts: &[Matter],
    now: DateTime<Utc>,
    today: NaiveDate,
    cfg: &crate::AssessConfig,
) -> Outcome {
    let mut copy = ledger.clone();
    let mut steps = Vec::with_capacity(drafts.len());
    let mut accepted = 0;
    for (i, d) in drafts.iter().enumerate() {
        let mut kinds: Vec<String> = Vec::new();
        for op in &d.ops {
            let l = op.label().to_string();
            if !kinds.contains(&l) {
                kinds.push(l);
            }
        }
        let (refusal, code, warnings) = match copy.submit(d.clone(), now) {
            Ok((_, m)) => {
                accepted += 1;
                (None, None, m.warnings.clone())
            }
            Err(e) => (Some(e.to_string()), Some(e.code().to_string()), Vec::new()),
        };
        steps.push(Step {
            index: i + 1,
            doc: d.doc.to_string(),
            effective: d.effective,
            kinds,
            refusal,
            code,
            warnings,
        });
    }
    let as_of = drafts
        .iter()
        .map(|d| d.effective)
        .chain(ledger.state().max_effective)
        .chain([today])
        .max()
        .unwrap_or(today);
    let (before, after) = (ledger.state(), copy.state());
    let units = touched(before, after)
        .into_iter()
        .map(|u| {
            let within = |st: &State| {
                let live = units_at(st, as_of).iter().any(|x| x.id == u);
                if live {
                    Totals::within(st, as_of, Some(&subtree(st, u, as_of)))
                } else {
                    Totals::default()
                }
            };
            UnitFigures {
                unit: after.unit_name(u),
                before: within(before),
                after: within(after),
            }
        })
        .collect();
    let limits = cfg
        .unit_limits
        .iter()
        .map(|(group, limit)| {
            let kinds = crate::assess::group_kinds(group);
            let count = |st: &State| crate::assess::count_units(&view_at(st, as_of), &kinds, as_of);
            let a = count(after);
            crate::assess::LimitCheck {
                group: group.clone(),
                before: count(before),
                after: a,
                limit: *limit,
                ok: a as u64 <= *limit as u64,
            }
        })
        .collect();
    Outcome {
        as_of,
        units,
        limits,
        changes: diff(ledger.state(), copy.state()),
        before: Totals::of(ledger.state(), as_of),
        after: Totals::of(copy.state(), as_of),
        steps,
        accepted,
    }
}

/// Units whose accounts, posts or record differ between the two states.
fn touched(before: &State, after: &State) -> BTreeSet<UnitId> {
    let mut out = BTreeSet::new();
    for k in before.accounts.keys().chain(after.accounts.keys()) {
        if before.accounts.get(k).map(|a| a.counts) != after.accounts.get(k).map(|a| a.counts) {
            out.insert(k.unit);
        }
    }
    for k in before.posts.keys().chain(after.posts.keys()) {
        let f = |s: &State| s.posts.get(k).map(|p| (p.approved, p.holders.len()));
        if f(before) != f(after) {
            out.insert(k.unit);
        }
    }
    for (i, u) in after.units.iter().enumerate() {
        if before.units.get(i) != Some(u) {
            out.insert(UnitId(i as u32));
        }
    }
    out
}
