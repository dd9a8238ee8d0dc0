//! The territory (属地): 区 → 镇/街道/园区 → 村/社区, each place with the
//! body that governs it.

use bianzhi_core::UnitId;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A place's identity: dense numbers, as the ledger's ids (the code a
/// source gives is [`Place::code`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct PlaceId(pub u32);

impl std::fmt::Display for PlaceId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "@{}", self.0)
    }
}

/// The kind of place.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PlaceKind {
    /// 区（县）.
    District,
    /// 镇（乡）.
    Town,
    /// 街道.
    Street,
    /// 园区 (功能园区).
    Park,
    /// 村.
    Village,
    /// 社区.
    Community,
}

impl PlaceKind {
    pub fn label(self) -> &'static str {
        match self {
            PlaceKind::District => "区",
            PlaceKind::Town => "镇",
            PlaceKind::Street => "街道",
            PlaceKind::Park => "园区",
            PlaceKind::Village => "村",
            PlaceKind::Community => "社区",
        }
    }

    /// 镇, 街道 or 园区: the places powers are delegated to.
    pub fn is_town_level(self) -> bool {
        matches!(self, PlaceKind::Town | PlaceKind::Street | PlaceKind::Park)
    }

    /// The kinds a place of this kind may sit under.
    fn parent_ok(self, parent: PlaceKind) -> bool {
        match self {
            PlaceKind::District => false,
            PlaceKind::Town | PlaceKind::Street | PlaceKind::Park => parent == PlaceKind::District,
            PlaceKind::Village | PlaceKind::Community => parent.is_town_level(),
        }
    }
}

/// A place.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Place {
    pub id: PlaceId,
    /// 区划代码 or local code, as given.
    pub code: String,
    pub name: String,
    pub kind: PlaceKind,
    pub parent: Option<PlaceId>,
    /// The body governing the place (镇政府, 街道办事处, 园区管委会, 区政府).
    pub governing: Option<UnitId>,
}

/// Why a place was refused.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum TerritoryError {
    #[error("地点 {place} 不存在")]
    UnknownPlace { place: PlaceId },
    #[error("地点标识 {place} 已被使用")]
    DuplicatePlace { place: PlaceId },
    #[error("{kind}“{name}”不能设在{parent_kind}之下（应为 区 → 镇/街道/园区 → 村/社区）")]
    BadParent {
        name: String,
        kind: &'static str,
        parent_kind: &'static str,
    },
    #[error("区只能有一个，且没有上级")]
    BadRoot,
    #[error("{kind}“{name}”缺少上级地点")]
    MissingParent { name: String, kind: &'static str },
}

/// All places of a district.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct Territory {
    places: Vec<Option<Place>>,
}

impl Territory {
    /// The territory the ledger gives: the jurisdiction (governed by its
    /// government's office, if any), and each 镇, 街道 and 园区 (管委会)
    /// under it, governed by that unit.
    pub fn from_ledger(st: &bianzhi_core::State) -> Territory {
        use bianzhi_core::catalog::UnitKind;
        // The district's own body (兜底 of 12345 orders nobody holds): its
        // government's office, when the ledger has one.
        let office = st
            .units
            .iter()
            .flatten()
            .filter(|u| u.is_active() && u.kind == UnitKind::GovDept)
            .find(|u| u.name.ends_with("人民政府办公室") || u.name.ends_with("政府办公室"))
            .map(|u| u.id);
        let mut t = Territory::new();
        let root = t
            .add(Place {
                id: PlaceId(0),
                code: st.jurisdiction.code.clone(),
                name: st.jurisdiction.name.clone(),
                kind: PlaceKind::District,
                parent: None,
                governing: office,
            })
            .expect("the first place is the district");
        let mut towns: Vec<&bianzhi_core::model::Unit> = st
            .units
            .iter()
            .flatten()
            .filter(|u| u.is_active())
            .filter(|u| {
                matches!(
                    u.kind,
                    UnitKind::Town | UnitKind::Subdistrict | UnitKind::ParkCommittee
                )
            })
            .collect();
        towns.sort_by_key(|u| u.id);
        for (i, u) in towns.into_iter().enumerate() {
            let kind = match u.kind {
                UnitKind::Town => PlaceKind::Town,
                UnitKind::Subdistrict => PlaceKind::Street,
                _ => PlaceKind::Park,
            };
            // Ids follow the order; a refused place (none expected) is skipped.
            let _ = t.add(Place {
                id: PlaceId(i as u32 + 1),
                code: format!("{}-{}", st.jurisdiction.code, u.id.0),
                name: u.name.clone(),
                kind,
                parent: Some(root),
                governing: Some(u.id),
            });
        }
        t
    }

    pub fn new() -> Territory {
        Territory::default()
    }

    /// Adds a place; its parent must exist and be of the level above.
    pub fn add(&mut self, place: Place) -> Result<PlaceId, TerritoryError> {
        if self.get(place.id).is_some() {
            return Err(TerritoryError::DuplicatePlace { place: place.id });
        }
        match (place.kind, place.parent) {
            (PlaceKind::District, None) => {
                if self.places().any(|p| p.kind == PlaceKind::District) {
                    return Err(TerritoryError::BadRoot);
                }
            }
            (PlaceKind::District, Some(_)) => return Err(TerritoryError::BadRoot),
            (kind, None) => {
                return Err(TerritoryError::MissingParent {
                    name: place.name.clone(),
                    kind: kind.label(),
                })
            }
            (kind, Some(p)) => {
                let parent = self
                    .get(p)
                    .ok_or(TerritoryError::UnknownPlace { place: p })?;
                if !kind.parent_ok(parent.kind) {
                    return Err(TerritoryError::BadParent {
                        name: place.name.clone(),
                        kind: kind.label(),
                        parent_kind: parent.kind.label(),
                    });
                }
            }
        }
        let i = place.id.0 as usize;
        if self.places.len() <= i {
            self.places.resize(i + 1, None);
        }
        let id = place.id;
        self.places[i] = Some(place);
        Ok(id)
    }

    pub fn get(&self, id: PlaceId) -> Option<&Place> {
        self.places.get(id.0 as usize).and_then(Option::as_ref)
    }

    pub fn places(&self) -> impl Iterator<Item = &Place> {
        self.places.iter().flatten()
    }

    /// The place and its ancestors, nearest first (村 → 镇 → 区).
    pub fn up(&self, id: PlaceId) -> impl Iterator<Item = &Place> {
        let mut next = self.get(id);
        std::iter::from_fn(move || {
            let cur = next?;
            next = cur.parent.and_then(|p| self.get(p));
            Some(cur)
        })
    }

    /// The 镇/街道/园区 a place is in (itself if it is one).
    pub fn town_of(&self, id: PlaceId) -> Option<&Place> {
        self.up(id).find(|p| p.kind.is_town_level())
    }

    /// The place a unit governs.
    pub fn governed_by(&self, unit: UnitId) -> Option<&Place> {
        self.places().find(|p| p.governing == Some(unit))
    }
}
