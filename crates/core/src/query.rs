//! As-of queries over the state's histories: 编制情况表, 领导职数情况表, rosters,
//! the unit tree, roll-ups, and person search.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use pinyin::ToPinyin;
use serde::Serialize;

use crate::ids::{PersonId, QuotaTypeId, UnitId};
use crate::model::{AccountKey, Counts, Placement, PostKey, Unit};
use crate::state::{value_at, State};

/// One row of a 编制情况表.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaRow {
    pub key: AccountKey,
    /// 编制类型.
    pub qtype: String,
    /// 经费形式.
    pub funding: String,
    pub counts: Counts,
    /// 可用空编.
    pub available: i32,
    /// 超编.
    pub over: i32,
    /// 超编消化.
    pub digesting: bool,
}

/// One row of a 领导职数情况表.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostRow {
    pub key: PostKey,
    pub label: String,
    /// 核定.
    pub approved: i32,
    /// 实配.
    pub filled: i32,
    /// 空缺 (negative = 超职数).
    pub vacant: i32,
}

/// The unit as it stood at `date` (None if not yet set up then).
pub fn unit_at(st: &State, id: UnitId, date: NaiveDate) -> Option<&Unit> {
    st.history
        .units
        .get(id.index())
        .and_then(|h| value_at(h, date))
}

/// Where a person stood at `date`.
pub fn placement_at(st: &State, id: PersonId, date: NaiveDate) -> Option<Placement> {
    st.history
        .placements
        .get(id.index())
        .and_then(|h| value_at(h, date))
        .copied()
}

/// The quota account's numbers at `date`.
pub fn account_at(st: &State, key: &AccountKey, date: NaiveDate) -> Option<(Counts, bool)> {
    st.history
        .accounts
        .get(key)
        .and_then(|h| value_at(h, date))
        .copied()
}

/// 编制情况表 of a unit as of `date`: one row per account with any number.
pub fn quota_table(st: &State, unit: UnitId, date: NaiveDate) -> Vec<QuotaRow> {
    st.unit_accounts(unit)
        .filter_map(|a| {
            let (counts, digesting) = account_at(st, &a.key, date)?;
            if counts.is_zero() {
                return None;
            }
            Some(QuotaRow {
                key: a.key,
                qtype: st.qtype_name(a.key.qtype),
                funding: st
                    .funding_form(a.key.funding)
                    .map(|f| f.name.clone())
                    .unwrap_or_default(),
                available: counts.available(),
                over: counts.over(),
                counts,
                digesting,
            })
        })
        .collect()
}

/// 领导职数情况表 of a unit as of `date`.
pub fn post_table(st: &State, unit: UnitId, date: NaiveDate) -> Vec<PostRow> {
    st.unit_posts(unit)
        .filter_map(|p| {
            let (approved, filled) = *value_at(st.history.posts.get(&p.key)?, date)?;
            if approved == 0 && filled == 0 {
                return None;
            }
            Some(PostRow {
                key: p.key,
                label: st.post_label(&p.key),
                approved,
                filled,
                vacant: approved - filled,
            })
        })
        .collect()
}

/// 实名制花名册 of a unit as of `date`: people enrolled (在编 or 已批未报到) then.
pub fn roster_at(st: &State, unit: UnitId, date: NaiveDate) -> Vec<(PersonId, Placement)> {
    let Some(ids) = st.unit_people.get(&unit) else {
        return Vec::new();
    };
    let mut ids = ids.clone();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|p| {
            let pl = placement_at(st, p, date)?;
            (pl.unit == unit && pl.is_enrolled()).then_some((p, pl))
        })
        .collect()
}

/// Every unit that existed (set up, not yet abolished) at `date`.
pub fn units_at(st: &State, date: NaiveDate) -> Vec<&Unit> {
    (0..st.units.len() as u32)
        .filter_map(|i| unit_at(st, UnitId(i), date))
        .filter(|u| u.is_active())
        .collect()
}

/// A unit and every unit below it, as the tree stood at `date`.
pub fn subtree(st: &State, root: UnitId, date: NaiveDate) -> Vec<UnitId> {
    let units = units_at(st, date);
    let mut children: BTreeMap<UnitId, Vec<UnitId>> = BTreeMap::new();
    for u in &units {
        if let Some(p) = u.parent {
            children.entry(p).or_default().push(u.id);
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(c) = children.get(&out[i]) {
            out.extend(c.iter().copied());
        }
        i += 1;
    }
    out
}

/// Totals of a set of accounts by 编制类型.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rollup {
    pub by_type: BTreeMap<QuotaTypeId, Counts>,
    /// Sum of 超编 over accounts (an over-quota account does not offset another's vacancy).
    pub over_by_type: BTreeMap<QuotaTypeId, i32>,
    pub total: Counts,
    pub over: i32,
    /// Accounts in 超编消化.
    pub digesting_accounts: usize,
    pub accounts: usize,
}

/// Roll-up of the whole jurisdiction (or of `units` only) as of `date`.
pub fn rollup(st: &State, date: NaiveDate, units: Option<&[UnitId]>) -> Rollup {
    let mut r = Rollup::default();
    let mut add = |key: &AccountKey, c: Counts, digesting: bool| {
        r.by_type.entry(key.qtype).or_default().add(&c);
        *r.over_by_type.entry(key.qtype).or_default() += c.over();
        r.total.add(&c);
        r.over += c.over();
        r.digesting_accounts += digesting as usize;
        r.accounts += 1;
    };
    match units {
        None => {
            for (key, h) in &st.history.accounts {
                if let Some((c, d)) = value_at(h, date) {
                    if !c.is_zero() {
                        add(key, *c, *d);
                    }
                }
            }
        }
        Some(us) => {
            for u in us {
                for a in st.unit_accounts(*u) {
                    if let Some((c, d)) = account_at(st, &a.key, date) {
                        if !c.is_zero() {
                            add(&a.key, c, d);
                        }
                    }
                }
            }
        }
    }
    r
}

/// Pinyin initials of a name, e.g. 王小明 → "wxm".
pub fn pinyin_initials(name: &str) -> String {
    name.chars()
        .map(|c| match c.to_pinyin() {
            Some(p) => p.first_letter().to_string(),
            None => c.to_lowercase().to_string(),
        })
        .collect()
}

/// Finds people by 身份证号 (full, 15 or 18 digits), name (substring) or pinyin
/// initials; people currently enrolled first.
pub fn search_people(st: &State, query: &str, limit: usize) -> Vec<PersonId> {
    let q = query.trim();
    if q.is_empty() {
        return Vec::new();
    }
    if let Ok(idn) = crate::ident::parse_id_number(q) {
        return st
            .person_by_id_number
            .get(idn.as_str())
            .copied()
            .into_iter()
            .collect();
    }
    let ascii = q.chars().all(|c| c.is_ascii_alphabetic());
    let ql = q.to_lowercase();
    let mut hits: Vec<(bool, PersonId)> = st
        .persons
        .iter()
        .flatten()
        .filter(|p| {
            if ascii {
                pinyin_initials(&p.details.name).starts_with(&ql)
            } else {
                p.details.name.contains(q)
            }
        })
        .map(|p| (!p.placement.is_enrolled(), p.id))
        .collect();
    hits.sort_unstable();
    hits.into_iter().take(limit).map(|(_, id)| id).collect()
}
