//! Fixtures: a small district with towns, a street, a park and villages,
//! departments and a few items.

use bianzhi_core::UnitId;
use bianzhi_grassroots::{
    Catalogue, Change, Delegations, Duty, Enforcement, Item, ItemId, Level, Place, PlaceId,
    PlaceKind, PowerType, Territory, TimeLimit,
};
use chrono::NaiveDate;

pub fn d(y: i32, m: u32, day: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, day).unwrap()
}

pub const DISTRICT_GOV: UnitId = UnitId(1);
pub const MARKET: UnitId = UnitId(10);
pub const HOUSING: UnitId = UnitId(11);
pub const ECOLOGY: UnitId = UnitId(12);
pub const ENFORCEMENT: UnitId = UnitId(20);
pub const DAGANG_GOV: UnitId = UnitId(101);
pub const LONGGANG_GOV: UnitId = UnitId(102);
pub const YANDU_STREET_OFFICE: UnitId = UnitId(103);
pub const PARK_COMMITTEE: UnitId = UnitId(104);

pub const DISTRICT: PlaceId = PlaceId(0);
pub const DAGANG: PlaceId = PlaceId(1);
pub const LONGGANG: PlaceId = PlaceId(2);
pub const YANDU_STREET: PlaceId = PlaceId(3);
pub const PARK: PlaceId = PlaceId(4);
pub const DAGANG_VILLAGE: PlaceId = PlaceId(10);
pub const STREET_COMMUNITY: PlaceId = PlaceId(11);
pub const PARK_VILLAGE: PlaceId = PlaceId(12);

/// 处罚 item of 市场监管局, leaf.
pub const FOOD_PENALTY: ItemId = ItemId(1);
/// 主项 of 住建局 with two 子项.
pub const BUILD_PERMIT: ItemId = ItemId(2);
pub const BUILD_PERMIT_A: ItemId = ItemId(3);
pub const BUILD_PERMIT_B: ItemId = ItemId(4);
/// 处罚 item of 住建局, leaf.
pub const BUILD_PENALTY: ItemId = ItemId(5);
/// The town's own 公共服务 item.
pub const TOWN_SERVICE: ItemId = ItemId(6);
/// 处罚 item of 生态环境局.
pub const ECO_PENALTY: ItemId = ItemId(7);

pub const DOC_LIST: &str = "盐都编〔2021〕3号";

pub fn territory() -> Territory {
    let mut t = Territory::new();
    let place = |id: PlaceId, name: &str, kind, parent, governing| Place {
        id,
        code: format!("320903{:03}", id.0),
        name: name.to_owned(),
        kind,
        parent,
        governing,
    };
    t.add(place(
        DISTRICT,
        "盐都区",
        PlaceKind::District,
        None,
        Some(DISTRICT_GOV),
    ))
    .unwrap();
    t.add(place(
        DAGANG,
        "大冈镇",
        PlaceKind::Town,
        Some(DISTRICT),
        Some(DAGANG_GOV),
    ))
    .unwrap();
    t.add(place(
        LONGGANG,
        "龙冈镇",
        PlaceKind::Town,
        Some(DISTRICT),
        Some(LONGGANG_GOV),
    ))
    .unwrap();
    t.add(place(
        YANDU_STREET,
        "盐渎街道",
        PlaceKind::Street,
        Some(DISTRICT),
        Some(YANDU_STREET_OFFICE),
    ))
    .unwrap();
    t.add(place(
        PARK,
        "盐都高新区",
        PlaceKind::Park,
        Some(DISTRICT),
        Some(PARK_COMMITTEE),
    ))
    .unwrap();
    t.add(place(
        DAGANG_VILLAGE,
        "大冈村",
        PlaceKind::Village,
        Some(DAGANG),
        None,
    ))
    .unwrap();
    t.add(place(
        STREET_COMMUNITY,
        "新都社区",
        PlaceKind::Community,
        Some(YANDU_STREET),
        None,
    ))
    .unwrap();
    t.add(place(
        PARK_VILLAGE,
        "园区村",
        PlaceKind::Village,
        Some(PARK),
        None,
    ))
    .unwrap();
    t
}

pub fn item(id: ItemId, name: &str, power_type: PowerType, holder: UnitId) -> Item {
    Item {
        id,
        code: format!("QL-{:04}", id.0),
        parent: None,
        name: name.to_owned(),
        power_type,
        basis: "《中华人民共和国行政处罚法》".to_owned(),
        holder,
        duties: vec![Duty {
            stage: "立案".to_owned(),
            text: "对符合立案条件的，10个工作日内立案".to_owned(),
            time_limit: Some(TimeLimit::working_days(10)),
        }],
        accountability: vec!["不履行或不正确履行职责的".to_owned()],
        time_limit: Some(TimeLimit::working_days(20)),
        level: Level::County,
        supersedes: Vec::new(),
    }
}

pub fn child(id: ItemId, parent: ItemId, name: &str, holder: UnitId) -> Item {
    Item {
        parent: Some(parent),
        ..item(id, name, PowerType::Licensing, holder)
    }
}

/// The catalogue in force from 2021-01-01.
pub fn catalogue() -> Catalogue {
    let mut c = Catalogue::new();
    let start = d(2021, 1, 1);
    for it in [
        item(
            FOOD_PENALTY,
            "对生产经营不符合食品安全标准食品的处罚",
            PowerType::Penalty,
            MARKET,
        ),
        item(
            BUILD_PERMIT,
            "建设工程规划许可",
            PowerType::Licensing,
            HOUSING,
        ),
        child(
            BUILD_PERMIT_A,
            BUILD_PERMIT,
            "建设工程规划许可（新建）",
            HOUSING,
        ),
        child(
            BUILD_PERMIT_B,
            BUILD_PERMIT,
            "建设工程规划许可（变更）",
            HOUSING,
        ),
        item(
            BUILD_PENALTY,
            "对违法建设的处罚",
            PowerType::Penalty,
            HOUSING,
        ),
        item(
            TOWN_SERVICE,
            "农村低保申请受理",
            PowerType::PublicService,
            DAGANG_GOV,
        ),
        item(
            ECO_PENALTY,
            "对露天焚烧秸秆的处罚",
            PowerType::Penalty,
            ECOLOGY,
        ),
    ] {
        c.record(DOC_LIST, start, Change::Add { item: it }).unwrap();
    }
    c
}

pub use bianzhi_grassroots::District;

pub fn district() -> District {
    District {
        catalogue: catalogue(),
        territory: territory(),
        delegations: Delegations::new(),
        enforcement: Enforcement::new(),
    }
}
