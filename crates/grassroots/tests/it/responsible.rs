//! `responsible(item, place, date)` hand-worked across a delegation, a 收回,
//! a concentration, 委托 vs 赋权, the park's second hop and villages; the
//! change feed.

use bianzhi_grassroots::delegation::BatchDecision;
use bianzhi_grassroots::{
    BatchId, ChangeKind, DelegationEntry, DelegationId, Mode, Responsible, ResponsibleError, Source,
};
use bianzhi_grassroots::{Domain, EnforcementItem, Index};

use crate::common::*;

pub const BATCH_DOC: &str = "盐都政发〔2021〕50号";

pub fn entry(
    item: bianzhi_grassroots::ItemId,
    from: bianzhi_core::UnitId,
    to: &[bianzhi_grassroots::PlaceId],
    mode: Mode,
    effective: chrono::NaiveDate,
) -> DelegationEntry {
    DelegationEntry {
        item,
        from,
        to: to.to_vec(),
        mode,
        conditions: "配备持执法证人员不少于2名".to_owned(),
        effective,
        chain_parent: None,
        until: None,
    }
}

pub fn decide(
    dist: &mut District,
    doc: &str,
    decided: chrono::NaiveDate,
    entries: Vec<DelegationEntry>,
) -> Result<BatchId, bianzhi_grassroots::DelegationError> {
    dist.decide(BatchDecision {
        doc: doc.to_owned(),
        decided,
        label: "首批".to_owned(),
        entries,
    })
}

/// 首批 (2022-01-01): 食品处罚 赋权 to 大冈镇 and 龙冈镇; 规划许可（新建）
/// 委托 to 盐渎街道; 秸秆处罚 赋权 to 大冈镇, then 大冈镇 委托 it to the park
/// from 2022-03-01 (second hop).
pub fn delegated() -> District {
    let mut dist = district();
    decide(
        &mut dist,
        BATCH_DOC,
        d(2021, 12, 20),
        vec![
            entry(
                FOOD_PENALTY,
                MARKET,
                &[DAGANG, LONGGANG],
                Mode::Empower,
                d(2022, 1, 1),
            ),
            entry(
                BUILD_PERMIT_A,
                HOUSING,
                &[YANDU_STREET],
                Mode::Entrust,
                d(2022, 1, 1),
            ),
            entry(
                ECO_PENALTY,
                ECOLOGY,
                &[DAGANG],
                Mode::Empower,
                d(2022, 1, 1),
            ),
        ],
    )
    .unwrap();
    let hop = DelegationEntry {
        chain_parent: Some(DelegationId(2)),
        ..entry(
            ECO_PENALTY,
            DAGANG_GOV,
            &[PARK],
            Mode::Entrust,
            d(2022, 3, 1),
        )
    };
    decide(&mut dist, "大冈政发〔2022〕8号", d(2022, 2, 20), vec![hop]).unwrap();
    dist
}

fn ask(
    dist: &District,
    item: bianzhi_grassroots::ItemId,
    place: bianzhi_grassroots::PlaceId,
    date: chrono::NaiveDate,
) -> Responsible {
    let idx = Index::build(
        &dist.catalogue,
        &dist.territory,
        &dist.delegations,
        &dist.enforcement,
    );
    let r = idx.responsible(item, place, date).unwrap();
    assert_eq!(idx.responsible_naive(item, place, date).unwrap(), r);
    r
}

#[test]
fn before_and_after_a_delegation() {
    let dist = delegated();
    let before = ask(&dist, FOOD_PENALTY, DAGANG_VILLAGE, d(2021, 12, 31));
    assert_eq!(before.lead, MARKET);
    assert_eq!(before.liable, MARKET);
    assert!(before.support.is_empty());
    assert_eq!(before.mode, None);
    assert_eq!(before.source, Source::Holder);
    assert_eq!(before.basis.to_string(), DOC_LIST);

    let after = ask(&dist, FOOD_PENALTY, DAGANG_VILLAGE, d(2022, 1, 1));
    assert_eq!(after.lead, DAGANG_GOV, "the village resolves to its town");
    assert_eq!(after.liable, DAGANG_GOV, "赋权: the town is liable");
    assert_eq!(after.support, vec![MARKET]);
    assert_eq!(after.mode, Some(Mode::Empower));
    assert_eq!(
        after.source,
        Source::Delegation {
            id: DelegationId(0),
            place: DAGANG
        }
    );
    assert_eq!(after.basis.to_string(), BATCH_DOC);
    assert_eq!(
        ask(&dist, FOOD_PENALTY, LONGGANG, d(2022, 1, 1)).lead,
        LONGGANG_GOV
    );
    // Not delegated to the street: the department.
    assert_eq!(
        ask(&dist, FOOD_PENALTY, STREET_COMMUNITY, d(2022, 1, 1)).lead,
        MARKET
    );
    assert_eq!(
        ask(&dist, FOOD_PENALTY, DISTRICT, d(2022, 1, 1)).lead,
        MARKET
    );
}

#[test]
fn before_and_after_a_withdrawal() {
    let mut dist = delegated();
    dist.delegations
        .withdraw(
            DelegationId(0),
            "盐都政发〔2023〕20号",
            d(2023, 7, 1),
            "行权频率低",
        )
        .unwrap();
    let on = ask(&dist, FOOD_PENALTY, DAGANG, d(2023, 6, 30));
    assert_eq!(on.lead, DAGANG_GOV);
    let off = ask(&dist, FOOD_PENALTY, DAGANG, d(2023, 7, 1));
    assert_eq!(off.lead, MARKET);
    assert_eq!(off.source, Source::Holder);
    assert_eq!(off.basis.to_string(), DOC_LIST);
    // Both towns of the entry: the withdrawal covers the whole delegation.
    assert_eq!(
        ask(&dist, FOOD_PENALTY, LONGGANG, d(2023, 7, 1)).lead,
        MARKET
    );
    // The past is unchanged.
    assert_eq!(
        ask(&dist, FOOD_PENALTY, LONGGANG, d(2022, 7, 1)).lead,
        LONGGANG_GOV
    );
}

fn enforcement_line(
    item: bianzhi_grassroots::ItemId,
    original: bianzhi_core::UnitId,
) -> EnforcementItem {
    EnforcementItem {
        item,
        original,
        basis: "《城市管理执法办法》".to_owned(),
        domain: Domain::UrbanManagement,
        includes_coercion: true,
    }
}

#[test]
fn before_and_after_a_concentration() {
    let mut dist = delegated();
    dist.enforcement
        .catalogue_item(&dist.catalogue, enforcement_line(BUILD_PENALTY, HOUSING))
        .unwrap();
    dist.enforcement
        .catalogue_item(&dist.catalogue, enforcement_line(FOOD_PENALTY, MARKET))
        .unwrap();
    let c = dist
        .enforcement
        .concentrate(
            &dist.catalogue,
            "盐都政发〔2022〕30号",
            d(2022, 6, 1),
            ENFORCEMENT,
            vec![BUILD_PENALTY, FOOD_PENALTY],
        )
        .unwrap();
    let before = ask(&dist, BUILD_PENALTY, DAGANG_VILLAGE, d(2022, 5, 31));
    assert_eq!(before.lead, HOUSING);
    let after = ask(&dist, BUILD_PENALTY, DAGANG_VILLAGE, d(2022, 6, 1));
    assert_eq!(after.lead, ENFORCEMENT);
    assert_eq!(after.liable, ENFORCEMENT);
    assert_eq!(
        after.support,
        vec![HOUSING],
        "the department keeps 行业监管"
    );
    assert_eq!(after.source, Source::Concentration { id: c });
    assert_eq!(after.basis.to_string(), "盐都政发〔2022〕30号");
    // Where the item is delegated to a town, the town leads; the
    // concentration's original department still supports.
    let town = ask(&dist, FOOD_PENALTY, DAGANG, d(2022, 6, 1));
    assert_eq!(town.lead, DAGANG_GOV);
    assert_eq!(town.support, vec![MARKET]);
    let street = ask(&dist, FOOD_PENALTY, YANDU_STREET, d(2022, 6, 1));
    assert_eq!(street.lead, ENFORCEMENT);
    // Ended.
    dist.enforcement
        .end_concentration(c, "盐都政发〔2024〕2号", d(2024, 1, 1), "机构改革")
        .unwrap();
    assert_eq!(
        ask(&dist, BUILD_PENALTY, DISTRICT, d(2023, 12, 31)).lead,
        ENFORCEMENT
    );
    assert_eq!(
        ask(&dist, BUILD_PENALTY, DISTRICT, d(2024, 1, 1)).lead,
        HOUSING
    );
}

#[test]
fn entrusting_keeps_the_department_liable_empowering_does_not() {
    let dist = delegated();
    let entrusted = ask(&dist, BUILD_PERMIT_A, STREET_COMMUNITY, d(2022, 1, 1));
    assert_eq!(entrusted.lead, YANDU_STREET_OFFICE, "the street acts");
    assert_eq!(entrusted.liable, HOUSING, "委托: in the department's name");
    assert_eq!(entrusted.mode, Some(Mode::Entrust));
    let empowered = ask(&dist, FOOD_PENALTY, DAGANG, d(2022, 1, 1));
    assert_eq!(empowered.liable, DAGANG_GOV);
    assert!(Mode::Empower.recipient_liable() && Mode::Devolve.recipient_liable());
    assert!(!Mode::Entrust.recipient_liable());
}

#[test]
fn a_park_via_the_second_hop() {
    let mut dist = delegated();
    // Before the hop: the park is not under the town, so the department.
    assert_eq!(
        ask(&dist, ECO_PENALTY, PARK_VILLAGE, d(2022, 2, 28)).lead,
        ECOLOGY
    );
    let r = ask(&dist, ECO_PENALTY, PARK_VILLAGE, d(2022, 3, 1));
    assert_eq!(r.lead, PARK_COMMITTEE);
    assert_eq!(
        r.liable, DAGANG_GOV,
        "委托 by the town, which holds it by 赋权"
    );
    assert_eq!(r.support, vec![DAGANG_GOV, ECOLOGY]);
    assert_eq!(r.mode, Some(Mode::Entrust));
    assert_eq!(r.basis.to_string(), "大冈政发〔2022〕8号");
    // Withdrawing the town's delegation ends the park's hop too.
    dist.delegations
        .withdraw(
            DelegationId(2),
            "盐都政发〔2023〕21号",
            d(2023, 1, 1),
            "无监管对象",
        )
        .unwrap();
    assert_eq!(
        ask(&dist, ECO_PENALTY, PARK_VILLAGE, d(2022, 12, 31)).lead,
        PARK_COMMITTEE
    );
    assert_eq!(
        ask(&dist, ECO_PENALTY, PARK_VILLAGE, d(2023, 1, 1)).lead,
        ECOLOGY
    );
    assert_eq!(ask(&dist, ECO_PENALTY, DAGANG, d(2023, 1, 1)).lead, ECOLOGY);
    assert!(dist
        .delegations
        .get(DelegationId(3))
        .unwrap()
        .withdrawal
        .is_some());
}

#[test]
fn no_answer_for_an_item_not_in_force_or_an_unknown_place() {
    let dist = delegated();
    let idx = Index::build(
        &dist.catalogue,
        &dist.territory,
        &dist.delegations,
        &dist.enforcement,
    );
    assert_eq!(
        idx.responsible(FOOD_PENALTY, DAGANG, d(2020, 1, 1)),
        Err(ResponsibleError::ItemNotInForce {
            item: FOOD_PENALTY,
            date: d(2020, 1, 1)
        })
    );
    let e = idx
        .responsible(FOOD_PENALTY, bianzhi_grassroots::PlaceId(77), d(2022, 1, 1))
        .unwrap_err();
    assert_eq!(e.to_string(), "地点 @77 不存在");
}

#[test]
fn the_change_feed_lists_what_changed_since_a_date() {
    let mut dist = delegated();
    dist.delegations
        .withdraw(
            DelegationId(0),
            "盐都政发〔2023〕20号",
            d(2023, 7, 1),
            "行权频率低",
        )
        .unwrap();
    let idx = Index::build(
        &dist.catalogue,
        &dist.territory,
        &dist.delegations,
        &dist.enforcement,
    );
    let all = idx.changes_since(d(2020, 12, 31));
    assert_eq!(
        all.iter()
            .filter(|c| c.kind == ChangeKind::ItemAdded)
            .count(),
        7
    );
    let since = idx.changes_since(d(2022, 1, 1));
    let kinds: Vec<_> = since.iter().map(|c| (c.date, c.kind, c.item)).collect();
    assert_eq!(
        kinds,
        vec![
            (d(2022, 3, 1), ChangeKind::DelegationStarted, ECO_PENALTY),
            (d(2023, 7, 1), ChangeKind::DelegationWithdrawn, FOOD_PENALTY),
        ]
    );
    assert_eq!(since[0].places, vec![PARK]);
    assert_eq!(since[1].doc.to_string(), "盐都政发〔2023〕20号");
    assert_eq!(since[1].places, vec![DAGANG, LONGGANG]);
    assert!(idx.changes_since(d(2023, 7, 1)).is_empty());
}

#[test]
fn a_district_saved_and_loaded_answers_the_same() {
    let mut dist = delegated();
    dist.delegations
        .withdraw(
            DelegationId(0),
            "盐都政发〔2023〕20号",
            d(2023, 7, 1),
            "行权频率低",
        )
        .unwrap();
    let records = bianzhi_grassroots::Records {
        territory: dist.territory.clone(),
        delegations: dist.delegations.clone(),
        enforcement: dist.enforcement.clone(),
    };
    let json = serde_json::to_string(&records).unwrap();
    let journal = serde_json::to_string(dist.catalogue.entries()).unwrap();
    let back: bianzhi_grassroots::Records = serde_json::from_str(&json).unwrap();
    let loaded = District {
        catalogue: bianzhi_grassroots::Catalogue::from_entries(
            serde_json::from_str(&journal).unwrap(),
        )
        .unwrap(),
        territory: back.territory,
        delegations: back.delegations,
        enforcement: back.enforcement,
    };
    let (a, b) = (dist.index(), loaded.index());
    for item in [FOOD_PENALTY, BUILD_PERMIT_A, ECO_PENALTY, BUILD_PENALTY] {
        for place in [DAGANG_VILLAGE, LONGGANG, STREET_COMMUNITY, PARK_VILLAGE] {
            for date in [d(2021, 6, 1), d(2022, 1, 1), d(2022, 3, 1), d(2023, 7, 1)] {
                assert_eq!(
                    a.responsible(item, place, date),
                    b.responsible(item, place, date)
                );
            }
        }
    }
    assert_eq!(
        a.changes_since(d(2020, 1, 1)),
        b.changes_since(d(2020, 1, 1))
    );
}
