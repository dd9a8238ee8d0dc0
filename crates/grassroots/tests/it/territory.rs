//! Places: the hierarchy 区 → 镇/街道/园区 → 村/社区.

use bianzhi_grassroots::{Place, PlaceId, PlaceKind, TerritoryError};

use crate::common::*;

fn place(id: u32, kind: PlaceKind, parent: Option<PlaceId>) -> Place {
    Place {
        id: PlaceId(id),
        code: id.to_string(),
        name: format!("地点{id}"),
        kind,
        parent,
        governing: None,
    }
}

#[test]
fn places_walk_up_to_the_district() {
    let t = territory();
    let names: Vec<_> = t.up(DAGANG_VILLAGE).map(|p| p.name.as_str()).collect();
    assert_eq!(names, ["大冈村", "大冈镇", "盐都区"]);
    assert_eq!(t.town_of(STREET_COMMUNITY).unwrap().id, YANDU_STREET);
    assert_eq!(t.town_of(PARK).unwrap().id, PARK);
    assert!(t.town_of(DISTRICT).is_none());
    assert_eq!(t.governed_by(DAGANG_GOV).unwrap().id, DAGANG);
}

#[test]
fn the_hierarchy_is_enforced() {
    let mut t = territory();
    let n = t.places().count();
    let e = t
        .add(place(50, PlaceKind::Village, Some(DISTRICT)))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "村“地点50”不能设在区之下（应为 区 → 镇/街道/园区 → 村/社区）"
    );
    assert!(matches!(
        t.add(place(51, PlaceKind::Town, Some(DAGANG))),
        Err(TerritoryError::BadParent { .. })
    ));
    assert!(matches!(
        t.add(place(52, PlaceKind::Community, None)),
        Err(TerritoryError::MissingParent { .. })
    ));
    assert_eq!(
        t.add(place(53, PlaceKind::District, None)),
        Err(TerritoryError::BadRoot)
    );
    assert_eq!(
        t.add(place(1, PlaceKind::Town, Some(DISTRICT))),
        Err(TerritoryError::DuplicatePlace { place: DAGANG })
    );
    assert_eq!(
        t.add(place(54, PlaceKind::Village, Some(PlaceId(99)))),
        Err(TerritoryError::UnknownPlace { place: PlaceId(99) })
    );
    assert_eq!(t.places().count(), n, "refused places are not added");
    t.add(place(55, PlaceKind::Village, Some(PARK))).unwrap();
}
