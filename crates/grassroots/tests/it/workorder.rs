//! 12345 work orders: routing by responsible, 退单 and 改派, a 职责争议
//! case ending in a catalogue change, metrics.

use bianzhi_casework::calendar::Calendar;
use bianzhi_grassroots::workorder::RouteBasis;
use bianzhi_grassroots::{
    metrics_by_department, metrics_by_item, metrics_by_town, DisputeAction, DisputeError,
    DisputeId, DisputeStage, Disputes, Index, OrderAction, OrderError, OrderRow, OrderState,
    Urgency, WorkOrder,
};
use chrono::{Duration, NaiveDateTime};

use crate::common::*;
use crate::responsible::{delegated, BATCH_DOC};

fn at(day: u32, h: u32) -> NaiveDateTime {
    d(2022, 7, day).and_hms_opt(h, 0, 0).unwrap()
}

fn order(
    n: u32,
    place: bianzhi_grassroots::PlaceId,
    item: Option<bianzhi_grassroots::ItemId>,
    received: NaiveDateTime,
) -> WorkOrder {
    WorkOrder::new(OrderRow {
        number: format!("12345-2022-{n:05}"),
        received,
        place,
        text: "反映小区旁有人违法搭建".to_owned(),
        item,
        urgency: Urgency::General,
    })
}

fn route(
    dist: &District,
    o: &mut WorkOrder,
    when: NaiveDateTime,
) -> Result<bianzhi_core::UnitId, OrderError> {
    let idx = Index::build(
        &dist.catalogue,
        &dist.territory,
        &dist.delegations,
        &dist.enforcement,
    );
    o.route(&idx, &dist.territory, when)
}

#[test]
fn orders_go_to_whoever_responsible_names() {
    let dist = delegated();
    let mut street = order(1, STREET_COMMUNITY, Some(FOOD_PENALTY), at(1, 9));
    assert_eq!(route(&dist, &mut street, at(1, 9)).unwrap(), MARKET);
    assert_eq!(
        street.hops[0].basis,
        RouteBasis::Responsible {
            doc: bianzhi_core::ident::parse_doc_no(DOC_LIST).unwrap()
        }
    );
    let mut village = order(2, DAGANG_VILLAGE, Some(FOOD_PENALTY), at(1, 9));
    assert_eq!(route(&dist, &mut village, at(1, 9)).unwrap(), DAGANG_GOV);
    assert_eq!(village.co_handlers, vec![MARKET], "the department 协办");
    assert!(street.co_handlers.is_empty());
    assert!(
        matches!(&village.hops[0].basis, RouteBasis::Responsible { doc } if doc.to_string() == BATCH_DOC)
    );
    let mut unclassified = order(3, DAGANG_VILLAGE, None, at(1, 9));
    assert_eq!(
        route(&dist, &mut unclassified, at(1, 9)).unwrap(),
        DISTRICT_GOV
    );
    assert_eq!(unclassified.hops[0].basis, RouteBasis::Fallback);
    // Routing twice is refused; so is an item not in force.
    let before = street.clone();
    assert!(matches!(
        route(&dist, &mut street, at(1, 10)),
        Err(OrderError::WrongState { .. })
    ));
    assert_eq!(street, before);
    let mut old = order(
        4,
        DAGANG,
        Some(FOOD_PENALTY),
        d(2020, 1, 1).and_hms_opt(9, 0, 0).unwrap(),
    );
    assert!(matches!(
        route(&dist, &mut old, d(2020, 1, 1).and_hms_opt(9, 0, 0).unwrap()),
        Err(OrderError::Responsible(_))
    ));
    assert_eq!(old.state, OrderState::Received);
}

#[test]
fn order_steps_are_checked_and_refusals_change_nothing() {
    let dist = delegated();
    let mut o = order(1, STREET_COMMUNITY, Some(BUILD_PENALTY), at(1, 9));
    route(&dist, &mut o, at(1, 9)).unwrap();
    let check = |o: &mut WorkOrder, action: OrderAction| {
        let before = o.clone();
        let e = o.act(at(1, 10), action).unwrap_err();
        assert_eq!(*o, before);
        e
    };
    assert_eq!(
        check(&mut o, OrderAction::Sign { by: MARKET }).to_string(),
        "工单 12345-2022-00001 不在单位 10 名下"
    );
    assert_eq!(
        check(
            &mut o,
            OrderAction::Return {
                by: HOUSING,
                basis: " ".to_owned()
            }
        ),
        OrderError::NoBasis
    );
    assert_eq!(
        check(&mut o, OrderAction::Reply { by: HOUSING }).to_string(),
        "工单 12345-2022-00001 当前为“已派单”，不能答复"
    );
    assert!(matches!(
        check(
            &mut o,
            OrderAction::Close {
                resolved: true,
                satisfied: true
            }
        ),
        OrderError::WrongState { .. }
    ));
    assert!(matches!(
        check(
            &mut o,
            OrderAction::Reassign {
                to: MARKET,
                reason: "x".to_owned()
            }
        ),
        OrderError::WrongState { .. }
    ));
    o.act(
        at(1, 10),
        OrderAction::Return {
            by: HOUSING,
            basis: "属城管执法职责".to_owned(),
        },
    )
    .unwrap();
    assert_eq!(
        check(
            &mut o,
            OrderAction::Reassign {
                to: ENFORCEMENT,
                reason: "".to_owned()
            }
        ),
        OrderError::NoReason
    );
    o.act(
        at(1, 11),
        OrderAction::Reassign {
            to: ENFORCEMENT,
            reason: "依退单依据改派".to_owned(),
        },
    )
    .unwrap();
    o.act(at(1, 12), OrderAction::Sign { by: ENFORCEMENT })
        .unwrap();
    o.act(at(2, 9), OrderAction::Reply { by: ENFORCEMENT })
        .unwrap();
    o.act(
        at(3, 9),
        OrderAction::Close {
            resolved: true,
            satisfied: false,
        },
    )
    .unwrap();
    assert_eq!(o.state, OrderState::Closed);
    assert_eq!(o.hops.len(), 2);
}

#[test]
fn reply_limits_by_urgency() {
    let cal = Calendar::default();
    let mut o = order(1, DAGANG, None, at(1, 9));
    o.row.urgency = Urgency::Urgent;
    assert_eq!(o.reply_due(&cal), at(1, 11));
    assert!(!o.overdue(at(1, 11), &cal));
    assert!(o.overdue(at(1, 11) + Duration::minutes(1), &cal));
    o.row.urgency = Urgency::General;
    assert_eq!(o.reply_due(&cal), at(8, 9));
    o.row.urgency = Urgency::Complex;
    assert_eq!(o.reply_due(&cal), at(16, 9));
}

/// Two 退单 on 违法建设 (住建局 says 城管, 综合执法局 says 住建) open a
/// 职责争议; while it is coordinated orders still go to 住建局; the
/// decision moves the item to 综合执法局 from its date.
#[test]
fn two_returns_make_a_dispute_that_ends_in_a_catalogue_change() {
    let mut dist = delegated();
    let mut disputes = Disputes::default();
    let mut o = order(1, STREET_COMMUNITY, Some(BUILD_PENALTY), at(1, 9));
    assert_eq!(route(&dist, &mut o, at(1, 9)).unwrap(), HOUSING);
    o.act(
        at(1, 10),
        OrderAction::Return {
            by: HOUSING,
            basis: "《城市管理执法办法》第八条".to_owned(),
        },
    )
    .unwrap();
    let orders = vec![o.clone()];
    assert!(
        disputes.observe(&orders, at(1, 10)).is_empty(),
        "one return is not a dispute"
    );
    o.act(
        at(1, 11),
        OrderAction::Reassign {
            to: ENFORCEMENT,
            reason: "改派城管".to_owned(),
        },
    )
    .unwrap();
    o.act(
        at(1, 12),
        OrderAction::Return {
            by: ENFORCEMENT,
            basis: "属住建部门职责".to_owned(),
        },
    )
    .unwrap();
    let orders = vec![o.clone()];
    let opened = disputes.observe(&orders, at(1, 13));
    assert_eq!(opened, vec![DisputeId(0)]);
    let case = disputes.get(DisputeId(0)).unwrap();
    assert_eq!(case.item, BUILD_PENALTY);
    assert_eq!(case.departments, vec![HOUSING, ENFORCEMENT]);
    assert_eq!(case.orders, vec!["12345-2022-00001".to_owned()]);
    assert_eq!(case.stage, DisputeStage::Negotiation);
    // No second case while it is open.
    assert!(disputes.observe(&orders, at(1, 14)).is_empty());

    // The old division stays in force during coordination.
    let mut next = order(2, STREET_COMMUNITY, Some(BUILD_PENALTY), at(5, 9));
    assert_eq!(route(&dist, &mut next, at(5, 9)).unwrap(), HOUSING);

    let id = DisputeId(0);
    let decide = DisputeAction::Decide {
        doc: "盐都政办〔2022〕15号".to_owned(),
        effective: d(2022, 8, 1),
        holder: ENFORCEMENT,
        text: "违法建设查处由综合行政执法局负责".to_owned(),
    };
    assert!(matches!(
        disputes.act(id, at(2, 9), decide.clone()),
        Err(DisputeError::WrongStage { .. })
    ));
    disputes
        .act(
            id,
            at(3, 9),
            DisputeAction::Escalate {
                reason: "两轮书面协商未果".to_owned(),
            },
        )
        .unwrap();
    let before = disputes.clone();
    assert_eq!(
        disputes.act(id, at(4, 9), decide.clone()),
        Err(DisputeError::NoOpinion)
    );
    assert_eq!(disputes, before);
    disputes
        .act(
            id,
            at(4, 9),
            DisputeAction::Opinion {
                text: "建议由综合行政执法局负责".to_owned(),
            },
        )
        .unwrap();
    disputes.act(id, at(6, 9), decide).unwrap();
    let case = disputes.get(id).unwrap();
    assert_eq!(case.stage, DisputeStage::Decided);
    assert_eq!(case.history.len(), 3);

    let (doc, effective, change) = case.catalogue_change(&dist.catalogue).unwrap().unwrap();
    dist.catalogue.record(&doc, effective, change).unwrap();
    let idx = Index::build(
        &dist.catalogue,
        &dist.territory,
        &dist.delegations,
        &dist.enforcement,
    );
    assert_eq!(
        idx.responsible(BUILD_PENALTY, STREET_COMMUNITY, d(2022, 7, 31))
            .unwrap()
            .lead,
        HOUSING
    );
    let after = idx
        .responsible(BUILD_PENALTY, STREET_COMMUNITY, d(2022, 8, 1))
        .unwrap();
    assert_eq!(after.lead, ENFORCEMENT);
    assert_eq!(after.basis.to_string(), "盐都政办〔2022〕15号");

    // Returns after the case opened count towards a new case.
    assert!(disputes.observe(&orders, at(9, 9)).is_empty());
    let mut third = order(3, DAGANG, Some(BUILD_PENALTY), at(10, 9));
    route(&dist, &mut third, at(10, 9)).unwrap();
    third
        .act(
            at(10, 10),
            OrderAction::Return {
                by: HOUSING,
                basis: "x".to_owned(),
            },
        )
        .unwrap();
    third
        .act(
            at(10, 11),
            OrderAction::Reassign {
                to: MARKET,
                reason: "x".to_owned(),
            },
        )
        .unwrap();
    third
        .act(
            at(10, 12),
            OrderAction::Return {
                by: MARKET,
                basis: "y".to_owned(),
            },
        )
        .unwrap();
    assert_eq!(
        disputes.observe(&[o, third], at(10, 13)),
        vec![DisputeId(1)]
    );
}

#[test]
fn an_agreement_is_filed_and_a_ruling_keeping_the_holder_changes_nothing() {
    let dist = delegated();
    let mut disputes = Disputes::new(3);
    let mut orders = Vec::new();
    for n in 0..2 {
        let mut o = order(n, DISTRICT, Some(ECO_PENALTY), at(1, 9));
        route(&dist, &mut o, at(1, 9)).unwrap();
        o.act(
            at(1, 10),
            OrderAction::Return {
                by: ECOLOGY,
                basis: "x".to_owned(),
            },
        )
        .unwrap();
        orders.push(o);
    }
    assert!(
        disputes.observe(&orders, at(1, 11)).is_empty(),
        "threshold 3"
    );
    let mut o = order(9, DISTRICT, Some(ECO_PENALTY), at(1, 9));
    route(&dist, &mut o, at(1, 9)).unwrap();
    o.act(
        at(1, 10),
        OrderAction::Return {
            by: ECOLOGY,
            basis: "x".to_owned(),
        },
    )
    .unwrap();
    orders.push(o);
    let id = disputes.observe(&orders, at(1, 11))[0];
    assert_eq!(disputes.get(id).unwrap().departments, vec![ECOLOGY]);
    assert_eq!(
        disputes.get(id).unwrap().catalogue_change(&dist.catalogue),
        Ok(None)
    );
    disputes
        .act(
            id,
            at(2, 9),
            DisputeAction::Agree {
                doc: "盐都编〔2022〕20号".to_owned(),
                effective: d(2022, 7, 2),
                holder: ECOLOGY,
                text: "仍由生态环境局负责".to_owned(),
            },
        )
        .unwrap();
    let case = disputes.get(id).unwrap();
    assert_eq!(case.stage, DisputeStage::Agreed);
    assert_eq!(case.catalogue_change(&dist.catalogue), Ok(None));
    assert!(matches!(
        disputes.act(
            id,
            at(3, 9),
            DisputeAction::Escalate {
                reason: "x".to_owned()
            }
        ),
        Err(DisputeError::WrongStage { .. })
    ));
    assert_eq!(
        disputes.act(
            DisputeId(7),
            at(3, 9),
            DisputeAction::Escalate {
                reason: "x".to_owned()
            }
        ),
        Err(DisputeError::UnknownDispute { id: DisputeId(7) })
    );
}

#[test]
fn metrics_by_department_town_and_item() {
    let dist = delegated();
    let mut orders = Vec::new();
    // 1: 大冈村, 食品 → 大冈镇, signed, replied, closed resolved+satisfied.
    let mut o = order(1, DAGANG_VILLAGE, Some(FOOD_PENALTY), at(1, 9));
    route(&dist, &mut o, at(1, 9)).unwrap();
    o.act(at(1, 10), OrderAction::Sign { by: DAGANG_GOV })
        .unwrap();
    o.act(at(1, 11), OrderAction::Reply { by: DAGANG_GOV })
        .unwrap();
    o.act(
        at(1, 12),
        OrderAction::Close {
            resolved: true,
            satisfied: true,
        },
    )
    .unwrap();
    orders.push(o);
    // 2: 新都社区, 违法建设 → 住建局 returns → 综合执法局 signs, replies,
    // closed resolved, not satisfied.
    let mut o = order(2, STREET_COMMUNITY, Some(BUILD_PENALTY), at(1, 9));
    route(&dist, &mut o, at(1, 9)).unwrap();
    o.act(
        at(1, 10),
        OrderAction::Return {
            by: HOUSING,
            basis: "x".to_owned(),
        },
    )
    .unwrap();
    o.act(
        at(1, 11),
        OrderAction::Reassign {
            to: ENFORCEMENT,
            reason: "x".to_owned(),
        },
    )
    .unwrap();
    o.act(at(1, 12), OrderAction::Sign { by: ENFORCEMENT })
        .unwrap();
    o.act(at(1, 13), OrderAction::Reply { by: ENFORCEMENT })
        .unwrap();
    o.act(
        at(1, 14),
        OrderAction::Close {
            resolved: true,
            satisfied: false,
        },
    )
    .unwrap();
    orders.push(o);
    // 3: 大冈镇, 违法建设 → 住建局, not signed yet.
    let mut o = order(3, DAGANG, Some(BUILD_PENALTY), at(1, 9));
    route(&dist, &mut o, at(1, 9)).unwrap();
    orders.push(o);
    // 4: received, never routed: counts nowhere.
    orders.push(order(4, DAGANG, Some(BUILD_PENALTY), at(1, 9)));

    let dept = metrics_by_department(&orders);
    let housing = dept[&HOUSING];
    assert_eq!(
        (
            housing.dispatched,
            housing.signed,
            housing.returned,
            housing.closed
        ),
        (2, 0, 1, 0)
    );
    assert_eq!(housing.response_rate(), Some(0.0));
    assert_eq!(housing.return_rate(), Some(0.5));
    assert_eq!(housing.resolution_rate(), None);
    let enf = dept[&ENFORCEMENT];
    assert_eq!(
        (
            enf.dispatched,
            enf.signed,
            enf.closed,
            enf.resolved,
            enf.satisfied
        ),
        (1, 1, 1, 1, 0)
    );
    assert_eq!(enf.satisfaction_rate(), Some(0.0));
    assert_eq!(dept[&DAGANG_GOV].satisfaction_rate(), Some(1.0));

    let town = metrics_by_town(&orders, &dist.territory);
    let dagang = town[&DAGANG];
    assert_eq!(
        (
            dagang.dispatched,
            dagang.signed,
            dagang.closed,
            dagang.satisfied
        ),
        (2, 1, 1, 1)
    );
    assert_eq!(dagang.response_rate(), Some(0.5));
    assert_eq!(town[&YANDU_STREET].return_rate(), Some(1.0));

    let item = metrics_by_item(&orders);
    let build = item[&BUILD_PENALTY];
    assert_eq!(
        (
            build.dispatched,
            build.returned,
            build.closed,
            build.resolved
        ),
        (2, 1, 1, 1)
    );
    assert_eq!(build.resolution_rate(), Some(1.0));
    assert_eq!(item[&FOOD_PENALTY].dispatched, 1);
}

#[test]
fn overdue_orders_for_reminders() {
    let dist = delegated();
    let cal = Calendar::default();
    let mut urgent = order(1, DAGANG, Some(FOOD_PENALTY), at(1, 9));
    urgent.row.urgency = Urgency::Urgent;
    let general = order(2, DAGANG, Some(FOOD_PENALTY), at(1, 8));
    let mut replied = order(3, DAGANG, Some(FOOD_PENALTY), at(1, 9));
    replied.row.urgency = Urgency::Urgent;
    route(&dist, &mut replied, at(1, 9)).unwrap();
    replied
        .act(at(1, 9), OrderAction::Sign { by: DAGANG_GOV })
        .unwrap();
    replied
        .act(at(1, 10), OrderAction::Reply { by: DAGANG_GOV })
        .unwrap();
    let orders = vec![general, urgent, replied];
    let numbers = |now| {
        bianzhi_grassroots::overdue_orders(&orders, now, &cal)
            .iter()
            .map(|o| o.row.number.clone())
            .collect::<Vec<_>>()
    };
    assert!(numbers(at(1, 11)).is_empty());
    assert_eq!(numbers(at(1, 12)), vec!["12345-2022-00001"]);
    assert_eq!(
        numbers(at(8, 9)),
        vec!["12345-2022-00001", "12345-2022-00002"]
    );
}

#[test]
fn co_handlers_come_from_responsible_and_go_with_a_reassignment() {
    let dist = delegated();
    let mut o = order(1, DAGANG_VILLAGE, Some(FOOD_PENALTY), at(1, 9));
    route(&dist, &mut o, at(1, 9)).unwrap();
    assert_eq!(
        (o.assignee, o.co_handlers.clone()),
        (Some(DAGANG_GOV), vec![MARKET])
    );
    o.act(
        at(1, 10),
        OrderAction::Return {
            by: DAGANG_GOV,
            basis: "非本镇辖区".to_owned(),
        },
    )
    .unwrap();
    assert_eq!(o.co_handlers, vec![MARKET], "kept until 改派");
    o.act(
        at(1, 11),
        OrderAction::Reassign {
            to: LONGGANG_GOV,
            reason: "属龙冈镇".to_owned(),
        },
    )
    .unwrap();
    assert!(o.co_handlers.is_empty());
}
