//! `responsible(item, place, date)`: who leads (主办) and who supports (配合)
//! an item at a place on a date, in which mode and on which document — the
//! join of the catalogue's holder, concentrations (相对集中) and active
//! delegations found walking the territory up (村/社区 → 镇/街道/园区 → 区).
//!
//! [`Index`] answers from per-item and per-(item, place) date-sorted
//! intervals; [`Index::responsible_naive`] answers the same by scanning every
//! record, as the baseline the index is tested and measured against.

use std::borrow::Cow;
use std::collections::HashMap;

use bianzhi_core::ident::DocNo;
use bianzhi_core::UnitId;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use crate::catalogue::{Catalogue, ItemId, Version};
use crate::delegation::{DelegationId, Delegations, Mode};
use crate::enforcement::{Concentration, ConcentrationId, Enforcement};
use crate::territory::{PlaceId, Territory};

/// Where the answer comes from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Source {
    /// The catalogue's holder (实施主体).
    Holder,
    /// 相对集中 to a 综合执法 body.
    Concentration { id: ConcentrationId },
    /// A delegation to the place or one of its ancestors.
    Delegation { id: DelegationId, place: PlaceId },
}

/// The answer of `responsible`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Responsible {
    /// 主办: the body that handles the item there.
    pub lead: UnitId,
    /// The body bearing the legal effect (the department under 委托).
    pub liable: UnitId,
    /// 配合: the delegating departments and the original department (which
    /// keeps 行业监管), nearest first, without the lead.
    pub support: Vec<UnitId>,
    /// The delegation mode, when delegated.
    pub mode: Option<Mode>,
    pub source: Source,
    /// The basis document: the catalogue entry, the concentration decision
    /// or the delegation batch.
    pub basis: DocNo,
}

/// Why there is no answer.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ResponsibleError {
    #[error("地点 {place} 不存在")]
    UnknownPlace { place: PlaceId },
    #[error("事项 {item} 在 {date} 不在用")]
    ItemNotInForce { item: ItemId, date: NaiveDate },
}

/// What a change record says.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ChangeKind {
    /// 事项新增.
    ItemAdded,
    /// 事项调整.
    ItemAmended,
    /// 事项取消.
    ItemCancelled,
    /// 下放生效.
    DelegationStarted,
    /// 下放收回.
    DelegationWithdrawn,
    /// 下放到期.
    DelegationExpired,
    /// 集中生效.
    ConcentrationStarted,
    /// 集中终止.
    ConcentrationEnded,
}

impl ChangeKind {
    pub fn label(self) -> &'static str {
        match self {
            ChangeKind::ItemAdded => "事项新增",
            ChangeKind::ItemAmended => "事项调整",
            ChangeKind::ItemCancelled => "事项取消",
            ChangeKind::DelegationStarted => "下放生效",
            ChangeKind::DelegationWithdrawn => "下放收回",
            ChangeKind::DelegationExpired => "下放到期",
            ChangeKind::ConcentrationStarted => "集中生效",
            ChangeKind::ConcentrationEnded => "集中终止",
        }
    }
}

/// One line of the change feed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChangeRecord {
    /// The effective date of the change.
    pub date: NaiveDate,
    pub kind: ChangeKind,
    pub item: ItemId,
    /// The places concerned (delegations only).
    pub places: Vec<PlaceId>,
    pub doc: DocNo,
}

/// An interval [start, end) of a record.
#[derive(Debug, Clone, Copy)]
struct Span<T> {
    start: NaiveDate,
    end: Option<NaiveDate>,
    what: T,
}

fn find<T: Copy>(spans: &[Span<T>], date: NaiveDate) -> Option<T> {
    let i = spans.partition_point(|s| s.start <= date);
    let s = spans[..i].last()?;
    s.end.is_none_or(|e| date < e).then_some(s.what)
}

/// The interval maps of an [`Index`]: per item its concentrations, per
/// (item, place) its delegations, each sorted by start. Built from the
/// delegations and the enforcement records alone, so a server can keep them
/// with the district they were built from and make an [`Index`] per request
/// at no cost ([`Index::with_maps`]).
#[derive(Debug, Clone, Default)]
pub struct IndexMaps {
    concentrations: HashMap<ItemId, Vec<Span<ConcentrationId>>>,
    delegated: HashMap<(ItemId, PlaceId), Vec<Span<DelegationId>>>,
}

impl IndexMaps {
    /// Builds the maps (again after the delegations or concentrations change).
    pub fn build(delegations: &Delegations, enforcement: &Enforcement) -> IndexMaps {
        let mut concentrations: HashMap<ItemId, Vec<Span<ConcentrationId>>> = HashMap::new();
        for c in enforcement.concentrations() {
            for &item in &c.items {
                concentrations.entry(item).or_default().push(Span {
                    start: c.effective,
                    end: c.end.as_ref().map(|w| w.date),
                    what: c.id,
                });
            }
        }
        let mut delegated: HashMap<(ItemId, PlaceId), Vec<Span<DelegationId>>> = HashMap::new();
        for d in delegations.all() {
            for &p in &d.entry.to {
                delegated.entry((d.entry.item, p)).or_default().push(Span {
                    start: d.entry.effective,
                    end: d.end(),
                    what: d.id,
                });
            }
        }
        for v in concentrations.values_mut() {
            v.sort_by_key(|s| s.start);
        }
        for v in delegated.values_mut() {
            v.sort_by_key(|s| s.start);
        }
        IndexMaps {
            concentrations,
            delegated,
        }
    }
}

/// The records of a district and the index over them.
pub struct Index<'a> {
    catalogue: &'a Catalogue,
    territory: &'a Territory,
    delegations: &'a Delegations,
    enforcement: &'a Enforcement,
    maps: Cow<'a, IndexMaps>,
}

impl<'a> Index<'a> {
    /// Builds the index (rebuild it after the records change).
    pub fn build(
        catalogue: &'a Catalogue,
        territory: &'a Territory,
        delegations: &'a Delegations,
        enforcement: &'a Enforcement,
    ) -> Index<'a> {
        Index {
            catalogue,
            territory,
            delegations,
            enforcement,
            maps: Cow::Owned(IndexMaps::build(delegations, enforcement)),
        }
    }

    /// The index over records whose maps were built before (they must have
    /// been built from these `delegations` and `enforcement`).
    pub fn with_maps(
        catalogue: &'a Catalogue,
        territory: &'a Territory,
        delegations: &'a Delegations,
        enforcement: &'a Enforcement,
        maps: &'a IndexMaps,
    ) -> Index<'a> {
        Index {
            catalogue,
            territory,
            delegations,
            enforcement,
            maps: Cow::Borrowed(maps),
        }
    }

    /// 主办, 配合, mode and basis for `item` at `place` on `date`.
    pub fn responsible(
        &self,
        item: ItemId,
        place: PlaceId,
        date: NaiveDate,
    ) -> Result<Responsible, ResponsibleError> {
        if self.territory.get(place).is_none() {
            return Err(ResponsibleError::UnknownPlace { place });
        }
        let version = self
            .catalogue
            .version_at(item, date)
            .ok_or(ResponsibleError::ItemNotInForce { item, date })?;
        let conc = self
            .maps
            .concentrations
            .get(&item)
            .and_then(|s| find(s, date))
            .map(|id| &self.enforcement.concentrations()[id.0 as usize]);
        let deleg = self.territory.up(place).find_map(|p| {
            self.maps
                .delegated
                .get(&(item, p.id))
                .and_then(|s| find(s, date))
                .map(|d| (d, p.id))
        });
        Ok(self.combine(version, conc, deleg))
    }

    /// The same answer by scanning every record (no index).
    pub fn responsible_naive(
        &self,
        item: ItemId,
        place: PlaceId,
        date: NaiveDate,
    ) -> Result<Responsible, ResponsibleError> {
        if self.territory.get(place).is_none() {
            return Err(ResponsibleError::UnknownPlace { place });
        }
        let mut version = None;
        for v in self.catalogue.timeline(item) {
            if v.effective <= date {
                version = Some(v);
            }
        }
        let version = version
            .filter(|v| v.item.is_some())
            .ok_or(ResponsibleError::ItemNotInForce { item, date })?;
        let conc = self.enforcement.concentrated_at(item, date);
        let mut deleg = None;
        for p in self.territory.up(place) {
            if let Some(d) =
                self.delegations.all().iter().find(|d| {
                    d.entry.item == item && d.entry.to.contains(&p.id) && d.active_on(date)
                })
            {
                deleg = Some((d.id, p.id));
                break;
            }
        }
        Ok(self.combine(version, conc, deleg))
    }

    fn combine(
        &self,
        version: &Version,
        conc: Option<&Concentration>,
        deleg: Option<(DelegationId, PlaceId)>,
    ) -> Responsible {
        let holder = version.item.as_ref().expect("in force").holder;
        let mut r = Responsible {
            lead: holder,
            liable: holder,
            support: Vec::new(),
            mode: None,
            source: Source::Holder,
            basis: version.doc.clone(),
        };
        if let Some(c) = conc {
            r.lead = c.body;
            r.liable = c.body;
            r.support = vec![holder];
            r.source = Source::Concentration { id: c.id };
            r.basis = c.doc.clone();
        }
        if let Some((id, place)) = deleg {
            let d = self.delegations.get(id).expect("indexed");
            let mut support = Vec::new();
            let mut hop = Some(d);
            while let Some(h) = hop {
                support.push(h.entry.from);
                hop = h.entry.chain_parent.and_then(|p| self.delegations.get(p));
            }
            support.append(&mut r.support);
            let lead = self
                .territory
                .get(place)
                .and_then(|p| p.governing)
                .unwrap_or(d.entry.from);
            let mut seen = vec![lead];
            support.retain(|u| {
                let fresh = !seen.contains(u);
                seen.push(*u);
                fresh
            });
            r.lead = lead;
            r.liable = self
                .delegations
                .liable(self.territory, id, place)
                .unwrap_or(d.entry.from);
            r.support = support;
            r.mode = Some(d.entry.mode);
            r.source = Source::Delegation { id, place };
            r.basis = self
                .delegations
                .batch(d.batch)
                .expect("batch of a delegation")
                .doc
                .clone();
        }
        r
    }

    /// What changed with an effective date after `since` (items,
    /// delegations, concentrations), by date — for other systems' dispatch
    /// catalogues.
    pub fn changes_since(&self, since: NaiveDate) -> Vec<ChangeRecord> {
        let mut out = Vec::new();
        for id in self.catalogue.item_ids() {
            for (i, v) in self.catalogue.timeline(id).iter().enumerate() {
                if v.effective <= since {
                    continue;
                }
                let kind = match (&v.item, i) {
                    (None, _) => ChangeKind::ItemCancelled,
                    (Some(_), 0) => ChangeKind::ItemAdded,
                    (Some(_), _) => ChangeKind::ItemAmended,
                };
                out.push(ChangeRecord {
                    date: v.effective,
                    kind,
                    item: id,
                    places: Vec::new(),
                    doc: v.doc.clone(),
                });
            }
        }
        for d in self.delegations.all() {
            if d.entry.effective > since {
                out.push(ChangeRecord {
                    date: d.entry.effective,
                    kind: ChangeKind::DelegationStarted,
                    item: d.entry.item,
                    places: d.entry.to.clone(),
                    doc: self.delegations.batch(d.batch).expect("batch").doc.clone(),
                });
            }
            let withdrawn = d.withdrawal.as_ref().map(|w| w.date);
            if let Some(until) = d
                .entry
                .until
                .filter(|u| *u > since && withdrawn.is_none_or(|w| w > *u))
            {
                out.push(ChangeRecord {
                    date: until,
                    kind: ChangeKind::DelegationExpired,
                    item: d.entry.item,
                    places: d.entry.to.clone(),
                    doc: self.delegations.batch(d.batch).expect("batch").doc.clone(),
                });
            }
            if let Some(w) = d
                .withdrawal
                .as_ref()
                .filter(|w| w.date > since && d.entry.until.is_none_or(|u| w.date < u))
            {
                out.push(ChangeRecord {
                    date: w.date,
                    kind: ChangeKind::DelegationWithdrawn,
                    item: d.entry.item,
                    places: d.entry.to.clone(),
                    doc: w.doc.clone(),
                });
            }
        }
        for c in self.enforcement.concentrations() {
            for &item in &c.items {
                if c.effective > since {
                    out.push(ChangeRecord {
                        date: c.effective,
                        kind: ChangeKind::ConcentrationStarted,
                        item,
                        places: Vec::new(),
                        doc: c.doc.clone(),
                    });
                }
                if let Some(w) = c.end.as_ref().filter(|w| w.date > since) {
                    out.push(ChangeRecord {
                        date: w.date,
                        kind: ChangeKind::ConcentrationEnded,
                        item,
                        places: Vec::new(),
                        doc: w.doc.clone(),
                    });
                }
            }
        }
        out.sort_by_key(|a| (a.date, a.kind, a.item));
        out
    }
}
