//! A district's grassroots records held together: the catalogue, the
//! territory, the delegations and the enforcement records, with the index
//! over them.

use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::catalogue::Catalogue;
use crate::delegation::{BatchDecision, BatchId, DelegationError, Delegations, DutyLists};
use crate::enforcement::Enforcement;
use crate::responsible::{Index, IndexMaps};
use crate::territory::{PlaceId, Territory};

/// The records of one district (区).
#[derive(Debug, Clone, Default)]
pub struct District {
    pub catalogue: Catalogue,
    pub territory: Territory,
    pub delegations: Delegations,
    pub enforcement: Enforcement,
}

/// The parts of a [`District`] other than the catalogue, which is kept as
/// its journal ([`Catalogue::entries`] / [`Catalogue::from_entries`]).
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Records {
    pub territory: Territory,
    pub delegations: Delegations,
    pub enforcement: Enforcement,
}

impl District {
    /// The index answering `responsible` and the change feed (build it again
    /// after a change).
    pub fn index(&self) -> Index<'_> {
        Index::build(
            &self.catalogue,
            &self.territory,
            &self.delegations,
            &self.enforcement,
        )
    }

    /// The index over maps built before from these records
    /// ([`IndexMaps::build`]), at no cost.
    pub fn index_with<'a>(&'a self, maps: &'a IndexMaps) -> Index<'a> {
        Index::with_maps(
            &self.catalogue,
            &self.territory,
            &self.delegations,
            &self.enforcement,
            maps,
        )
    }

    /// The maps of [`District::index`], to keep with the district.
    pub fn index_maps(&self) -> IndexMaps {
        IndexMaps::build(&self.delegations, &self.enforcement)
    }

    /// Records a delegation batch, checked against the catalogue, the
    /// territory and the concentrations.
    pub fn decide(&mut self, batch: BatchDecision) -> Result<BatchId, DelegationError> {
        self.delegations
            .decide(&self.catalogue, &self.territory, &self.enforcement, batch)
    }

    /// A town's three duty lists on `date`.
    pub fn duty_lists(&self, town: PlaceId, date: NaiveDate) -> DutyLists {
        self.delegations
            .duty_lists(&self.catalogue, &self.territory, town, date)
    }
}
