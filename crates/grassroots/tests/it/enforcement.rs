//! 综合行政执法: the enforcement catalogue, concentration and 下沉.

use bianzhi_core::PersonId;
use bianzhi_grassroots::{Domain, EnforcementError, EnforcementItem, Secondment, Staff};

use crate::common::*;

fn line(item: bianzhi_grassroots::ItemId, original: bianzhi_core::UnitId) -> EnforcementItem {
    EnforcementItem {
        item,
        original,
        basis: "《中华人民共和国城乡规划法》第六十四条".to_owned(),
        domain: Domain::UrbanManagement,
        includes_coercion: false,
    }
}

#[test]
fn the_enforcement_catalogue_holds_penalty_coercion_and_inspection_items() {
    let mut dist = district();
    let e = dist
        .enforcement
        .catalogue_item(&dist.catalogue, line(BUILD_PERMIT_A, HOUSING))
        .unwrap_err();
    assert_eq!(
        e.to_string(),
        "事项 #3 是行政许可，综合执法目录只收行政处罚、行政强制和行政检查事项"
    );
    assert!(matches!(
        dist.enforcement.catalogue_item(
            &dist.catalogue,
            line(bianzhi_grassroots::ItemId(77), HOUSING)
        ),
        Err(EnforcementError::UnknownItem { .. })
    ));
    dist.enforcement
        .catalogue_item(&dist.catalogue, line(BUILD_PENALTY, HOUSING))
        .unwrap();
    assert_eq!(
        dist.enforcement
            .catalogue_item(&dist.catalogue, line(BUILD_PENALTY, HOUSING)),
        Err(EnforcementError::DuplicateItem {
            item: BUILD_PENALTY
        })
    );
    assert_eq!(dist.enforcement.items().count(), 1);
    assert_eq!(Domain::MarketRegulation.label(), "市场监管");
}

#[test]
fn concentration_moves_catalogued_items_of_several_departments() {
    let mut dist = district();
    for (i, u) in [
        (BUILD_PENALTY, HOUSING),
        (ECO_PENALTY, ECOLOGY),
        (FOOD_PENALTY, MARKET),
    ] {
        dist.enforcement
            .catalogue_item(&dist.catalogue, line(i, u))
            .unwrap();
    }
    let doc = "盐都政发〔2022〕30号";
    let e = dist
        .enforcement
        .concentrate(
            &dist.catalogue,
            doc,
            d(2022, 6, 1),
            ENFORCEMENT,
            vec![BUILD_PENALTY, TOWN_SERVICE],
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "事项 #6 不在综合执法目录中，不能集中");
    assert!(
        dist.enforcement.concentrations().is_empty(),
        "refused: nothing recorded"
    );
    assert!(matches!(
        dist.enforcement.concentrate(
            &dist.catalogue,
            doc,
            d(2020, 6, 1),
            ENFORCEMENT,
            vec![BUILD_PENALTY]
        ),
        Err(EnforcementError::NotInForce { .. })
    ));
    assert_eq!(
        dist.enforcement
            .concentrate(&dist.catalogue, doc, d(2022, 6, 1), ENFORCEMENT, vec![]),
        Err(EnforcementError::NoItems)
    );
    assert_eq!(
        dist.enforcement.concentrate(
            &dist.catalogue,
            doc,
            d(2022, 6, 1),
            ENFORCEMENT,
            vec![ECO_PENALTY, ECO_PENALTY]
        ),
        Err(EnforcementError::RepeatedItem { item: ECO_PENALTY })
    );
    let c = dist
        .enforcement
        .concentrate(
            &dist.catalogue,
            doc,
            d(2022, 6, 1),
            ENFORCEMENT,
            vec![BUILD_PENALTY, ECO_PENALTY],
        )
        .unwrap();
    let e = dist
        .enforcement
        .concentrate(
            &dist.catalogue,
            doc,
            d(2023, 1, 1),
            ENFORCEMENT,
            vec![FOOD_PENALTY, ECO_PENALTY],
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "事项 #7 已于 2022-06-01 集中到单位 20");
    assert!(dist
        .enforcement
        .concentrated_at(ECO_PENALTY, d(2022, 5, 31))
        .is_none());
    assert_eq!(
        dist.enforcement
            .concentrated_at(ECO_PENALTY, d(2022, 6, 1))
            .unwrap()
            .id,
        c
    );
    assert!(matches!(
        dist.enforcement
            .end_concentration(c, "盐都政发〔2022〕31号", d(2022, 6, 1), "x"),
        Err(EnforcementError::EndBeforeEffective { .. })
    ));
    dist.enforcement
        .end_concentration(c, "盐都政发〔2024〕2号", d(2024, 1, 1), "机构改革")
        .unwrap();
    assert!(matches!(
        dist.enforcement
            .end_concentration(c, "盐都政发〔2024〕3号", d(2024, 2, 1), "x"),
        Err(EnforcementError::AlreadyEnded { .. })
    ));
    assert!(dist
        .enforcement
        .concentrated_at(ECO_PENALTY, d(2024, 1, 1))
        .is_none());
    // After the end the item may be concentrated again.
    dist.enforcement
        .concentrate(
            &dist.catalogue,
            "盐都政发〔2024〕9号",
            d(2024, 3, 1),
            ENFORCEMENT,
            vec![ECO_PENALTY],
        )
        .unwrap();
}

#[test]
fn staff_sent_down_to_towns_are_counted_per_body() {
    let mut dist = district();
    let t = &dist.territory;
    dist.enforcement
        .send_down(
            t,
            Secondment {
                body: ENFORCEMENT,
                town: DAGANG,
                staff: Staff::Count { count: 12 },
                date: d(2022, 7, 1),
            },
        )
        .unwrap();
    dist.enforcement
        .send_down(
            t,
            Secondment {
                body: ENFORCEMENT,
                town: DAGANG,
                staff: Staff::Persons {
                    persons: vec![PersonId(5), PersonId(6)],
                },
                date: d(2023, 1, 1),
            },
        )
        .unwrap();
    assert_eq!(
        dist.enforcement.send_down(
            t,
            Secondment {
                body: ENFORCEMENT,
                town: DAGANG_VILLAGE,
                staff: Staff::Count { count: 1 },
                date: d(2023, 1, 1),
            },
        ),
        Err(EnforcementError::NotTown {
            place: DAGANG_VILLAGE
        })
    );
    for staff in [
        Staff::Count { count: 0 },
        Staff::Persons {
            persons: vec![PersonId(5), PersonId(5)],
        },
    ] {
        assert_eq!(
            dist.enforcement.send_down(
                t,
                Secondment {
                    body: ENFORCEMENT,
                    town: DAGANG,
                    staff,
                    date: d(2023, 1, 1),
                },
            ),
            Err(EnforcementError::BadStaff)
        );
    }
    assert!(dist.enforcement.staff_in(DAGANG, d(2022, 6, 30)).is_empty());
    assert_eq!(
        dist.enforcement.staff_in(DAGANG, d(2022, 7, 1))[&ENFORCEMENT],
        12
    );
    assert_eq!(
        dist.enforcement.staff_in(DAGANG, d(2023, 1, 1))[&ENFORCEMENT],
        14
    );
    assert_eq!(dist.enforcement.secondments().len(), 2);
}

#[test]
fn the_original_department_transfers_cases_it_finds() {
    let mut dist = district();
    dist.enforcement
        .catalogue_item(&dist.catalogue, line(BUILD_PENALTY, HOUSING))
        .unwrap();
    dist.enforcement
        .concentrate(
            &dist.catalogue,
            "盐都政发〔2022〕30号",
            d(2022, 6, 1),
            ENFORCEMENT,
            vec![BUILD_PENALTY],
        )
        .unwrap();
    let t = |from, to, date| bianzhi_grassroots::Transfer {
        item: BUILD_PENALTY,
        from,
        to,
        date,
        case_ref: "住建监〔2022〕31号".to_owned(),
    };
    assert_eq!(
        dist.enforcement
            .transfer(t(HOUSING, ENFORCEMENT, d(2022, 5, 31))),
        Err(EnforcementError::NotConcentrated {
            item: BUILD_PENALTY,
            date: d(2022, 5, 31)
        })
    );
    assert_eq!(
        dist.enforcement
            .transfer(t(MARKET, ENFORCEMENT, d(2022, 6, 2)))
            .unwrap_err()
            .to_string(),
        "事项 #5 应由原部门 11 移送给单位 20"
    );
    assert!(dist.enforcement.transfers().is_empty());
    dist.enforcement
        .transfer(t(HOUSING, ENFORCEMENT, d(2022, 6, 2)))
        .unwrap();
    assert_eq!(dist.enforcement.transfers().len(), 1);
}
