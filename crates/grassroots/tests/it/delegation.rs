//! Delegation batches: refusals (all or nothing), 收回, duty lists.

use bianzhi_grassroots::{DelegationEntry, DelegationError, DelegationId, Mode, PlaceId};

use crate::common::*;
use crate::responsible::{decide, delegated, entry, BATCH_DOC};

fn refused(dist: &mut District, entries: Vec<DelegationEntry>) -> DelegationError {
    let before = (
        dist.delegations.all().to_vec(),
        dist.delegations.batches().to_vec(),
    );
    let e = decide(dist, "盐都政发〔2022〕99号", d(2022, 1, 1), entries).unwrap_err();
    assert_eq!(
        (
            dist.delegations.all().to_vec(),
            dist.delegations.batches().to_vec()
        ),
        before,
        "a refused batch records nothing"
    );
    e
}

#[test]
fn only_leaves_held_by_the_delegating_department_go_to_towns() {
    let mut dist = delegated();
    let date = d(2022, 2, 1);
    let e = refused(
        &mut dist,
        vec![entry(
            BUILD_PERMIT,
            HOUSING,
            &[LONGGANG],
            Mode::Empower,
            date,
        )],
    );
    assert_eq!(
        e.to_string(),
        "第 1 项：事项 #2 是主项，下有 2 个子项，只能下放子项"
    );
    let e = refused(
        &mut dist,
        vec![entry(
            BUILD_PENALTY,
            MARKET,
            &[LONGGANG],
            Mode::Empower,
            date,
        )],
    );
    assert_eq!(
        e.to_string(),
        "第 1 项：事项 #5 在 2022-02-01 由单位 11 实施，不是单位 10"
    );
    let e = refused(
        &mut dist,
        vec![entry(
            BUILD_PENALTY,
            HOUSING,
            &[DAGANG_VILLAGE],
            Mode::Empower,
            date,
        )],
    );
    assert_eq!(
        e.to_string(),
        "第 1 项：大冈村不是镇、街道或园区，不能承接权限"
    );
    let e = refused(
        &mut dist,
        vec![entry(BUILD_PENALTY, HOUSING, &[], Mode::Empower, date)],
    );
    assert_eq!(e, DelegationError::NoPlace { row: 1 });
    let e = refused(
        &mut dist,
        vec![entry(
            BUILD_PENALTY,
            HOUSING,
            &[PlaceId(88)],
            Mode::Empower,
            date,
        )],
    );
    assert!(matches!(e, DelegationError::UnknownPlace { .. }));
    let e = refused(
        &mut dist,
        vec![entry(
            BUILD_PENALTY,
            HOUSING,
            &[LONGGANG],
            Mode::Empower,
            d(2021, 12, 1),
        )],
    );
    assert!(matches!(e, DelegationError::EffectiveBeforeDecision { .. }));
    let e = refused(
        &mut dist,
        vec![entry(
            BUILD_PENALTY,
            HOUSING,
            &[LONGGANG],
            Mode::Empower,
            d(2020, 2, 1),
        )],
    );
    assert!(
        matches!(e, DelegationError::EffectiveBeforeDecision { .. }),
        "{e}"
    );
    assert_eq!(refused(&mut dist, vec![]), DelegationError::EmptyBatch);
    assert_eq!(
        refused(
            &mut dist,
            vec![entry(
                BUILD_PENALTY,
                HOUSING,
                &[LONGGANG, LONGGANG],
                Mode::Empower,
                date
            )],
        ),
        DelegationError::DuplicatePlace {
            row: 1,
            place: LONGGANG
        }
    );
}

#[test]
fn a_batch_is_all_or_nothing_and_overlaps_are_refused() {
    let mut dist = delegated();
    let date = d(2022, 2, 1);
    // The second entry overlaps 首批's delegation of the same item to 大冈镇.
    let e = refused(
        &mut dist,
        vec![
            entry(BUILD_PENALTY, HOUSING, &[LONGGANG], Mode::Empower, date),
            entry(
                FOOD_PENALTY,
                MARKET,
                &[YANDU_STREET, DAGANG],
                Mode::Empower,
                date,
            ),
        ],
    );
    assert_eq!(
        e.to_string(),
        "第 2 项：事项 #1 在大冈镇已有 2022-01-01 起生效的下放（D0）"
    );
    // Overlap inside the batch.
    let e = refused(
        &mut dist,
        vec![
            entry(BUILD_PENALTY, HOUSING, &[LONGGANG], Mode::Empower, date),
            entry(
                BUILD_PENALTY,
                HOUSING,
                &[LONGGANG],
                Mode::Entrust,
                d(2022, 5, 1),
            ),
        ],
    );
    assert!(matches!(e, DelegationError::Overlap { row: 2, .. }));
    // After a 收回, the item can be delegated again.
    dist.delegations
        .withdraw(
            DelegationId(0),
            "盐都政发〔2023〕20号",
            d(2023, 7, 1),
            "承接困难",
        )
        .unwrap();
    decide(
        &mut dist,
        "盐都政发〔2024〕1号",
        d(2024, 1, 1),
        vec![entry(
            FOOD_PENALTY,
            MARKET,
            &[DAGANG],
            Mode::Entrust,
            d(2024, 1, 1),
        )],
    )
    .unwrap();
    // But not overlapping the withdrawn one's active period.
    let e = decide(
        &mut dist,
        "盐都政发〔2022〕98号",
        d(2022, 1, 1),
        vec![entry(
            FOOD_PENALTY,
            MARKET,
            &[YANDU_STREET, LONGGANG],
            Mode::Entrust,
            d(2023, 1, 1),
        )],
    )
    .unwrap_err();
    assert!(matches!(e, DelegationError::Overlap { .. }));
}

#[test]
fn second_hops_must_continue_a_town_delegation() {
    let mut dist = delegated();
    let hop = |parent, from| DelegationEntry {
        chain_parent: Some(DelegationId(parent)),
        ..entry(FOOD_PENALTY, from, &[PARK], Mode::Entrust, d(2022, 2, 1))
    };
    // D1 is another item.
    assert!(matches!(
        refused(&mut dist, vec![hop(1, DAGANG_GOV)]),
        DelegationError::BadChainParent { .. }
    ));
    // 盐渎街道 did not receive D0.
    assert_eq!(
        refused(&mut dist, vec![hop(0, YANDU_STREET_OFFICE)]),
        DelegationError::ChainFromNotRecipient {
            row: 1,
            from: YANDU_STREET_OFFICE
        }
    );
    decide(
        &mut dist,
        "龙冈政发〔2022〕3号",
        d(2022, 2, 1),
        vec![hop(0, LONGGANG_GOV)],
    )
    .unwrap();
}

#[test]
fn withdrawals_are_checked() {
    let mut dist = delegated();
    let id = DelegationId(0);
    assert_eq!(
        dist.delegations
            .withdraw(id, "盐都政发〔2023〕20号", d(2023, 7, 1), " "),
        Err(DelegationError::NoReason)
    );
    assert!(matches!(
        dist.delegations
            .withdraw(id, "盐都政发〔2023〕20号", d(2022, 1, 1), "x"),
        Err(DelegationError::WithdrawalBeforeEffective { .. })
    ));
    assert!(matches!(
        dist.delegations
            .withdraw(DelegationId(40), "盐都政发〔2023〕20号", d(2023, 1, 1), "x"),
        Err(DelegationError::UnknownDelegation { .. })
    ));
    assert!(matches!(
        dist.delegations.withdraw(id, "无文号", d(2023, 1, 1), "x"),
        Err(DelegationError::Doc(_))
    ));
    // Withdrawing the town's delegation before the park's hop began is refused.
    assert!(matches!(
        dist.delegations
            .withdraw(DelegationId(2), "盐都政发〔2022〕21号", d(2022, 2, 1), "x"),
        Err(DelegationError::ChildAfterWithdrawal { .. })
    ));
    assert!(dist
        .delegations
        .all()
        .iter()
        .all(|d| d.withdrawal.is_none()));
    dist.delegations
        .withdraw(id, "盐都政发〔2023〕20号", d(2023, 7, 1), "行权频率低")
        .unwrap();
    assert_eq!(
        dist.delegations
            .withdraw(id, "盐都政发〔2023〕22号", d(2023, 8, 1), "x")
            .unwrap_err()
            .to_string(),
        "下放 D0 已于 2023-07-01 收回"
    );
}

#[test]
fn town_duty_lists_as_of_a_date() {
    let mut dist = delegated();
    dist.delegations
        .withdraw(
            DelegationId(0),
            "盐都政发〔2023〕20号",
            d(2023, 7, 1),
            "行权频率低",
        )
        .unwrap();
    let lists = |place, date| dist.duty_lists(place, date);
    let before = lists(DAGANG, d(2021, 12, 31));
    assert_eq!(
        before.basic.iter().map(|l| l.item).collect::<Vec<_>>(),
        vec![TOWN_SERVICE]
    );
    assert!(before.cooperating.is_empty() && before.withdrawn.is_empty());

    let during = lists(DAGANG, d(2022, 6, 1));
    let basic: Vec<_> = during.basic.iter().map(|l| (l.item, l.lead)).collect();
    assert_eq!(
        basic,
        vec![
            (TOWN_SERVICE, DAGANG_GOV),
            (FOOD_PENALTY, DAGANG_GOV),
            (ECO_PENALTY, DAGANG_GOV)
        ]
    );
    assert_eq!(during.basic[1].doc.to_string(), BATCH_DOC);

    let after = lists(DAGANG, d(2023, 7, 1));
    assert_eq!(after.basic.len(), 2);
    assert_eq!(after.withdrawn.len(), 1);
    assert_eq!(after.withdrawn[0].item, FOOD_PENALTY);
    assert_eq!(after.withdrawn[0].lead, MARKET, "back to the department");
    assert_eq!(after.withdrawn[0].doc.to_string(), "盐都政发〔2023〕20号");

    // 委托 puts the item on the 配合 list with the 主办部门.
    let street = lists(YANDU_STREET, d(2022, 6, 1));
    assert!(street.basic.is_empty());
    assert_eq!(street.cooperating.len(), 1);
    assert_eq!(street.cooperating[0].item, BUILD_PERMIT_A);
    assert_eq!(street.cooperating[0].lead, HOUSING);
    let park = lists(PARK, d(2022, 6, 1));
    assert_eq!(park.cooperating[0].lead, DAGANG_GOV);
}

#[test]
fn an_entrustment_with_a_term_ends_by_itself() {
    let mut dist = delegated();
    let term = DelegationEntry {
        until: Some(d(2023, 1, 1)),
        ..entry(
            BUILD_PENALTY,
            HOUSING,
            &[LONGGANG],
            Mode::Entrust,
            d(2022, 2, 1),
        )
    };
    let bad = DelegationEntry {
        until: Some(d(2022, 2, 1)),
        ..term.clone()
    };
    assert_eq!(
        refused(&mut dist, vec![bad]).to_string(),
        "第 1 项：期限 2022-02-01 应晚于生效日期 2022-02-01"
    );
    decide(
        &mut dist,
        "盐都政发〔2022〕10号",
        d(2022, 1, 20),
        vec![term],
    )
    .unwrap();
    let id = DelegationId(4);
    let idx = bianzhi_grassroots::Index::build(
        &dist.catalogue,
        &dist.territory,
        &dist.delegations,
        &dist.enforcement,
    );
    assert_eq!(
        idx.responsible(BUILD_PENALTY, LONGGANG, d(2022, 12, 31))
            .unwrap()
            .lead,
        LONGGANG_GOV
    );
    assert_eq!(
        idx.responsible(BUILD_PENALTY, LONGGANG, d(2023, 1, 1))
            .unwrap()
            .lead,
        HOUSING
    );
    let feed = idx.changes_since(d(2022, 12, 1));
    assert_eq!(feed.len(), 1);
    assert_eq!(
        feed[0].kind,
        bianzhi_grassroots::ChangeKind::DelegationExpired
    );
    assert_eq!(feed[0].date, d(2023, 1, 1));
    // Not on the town's lists once expired.
    let lists =
        dist.delegations
            .duty_lists(&dist.catalogue, &dist.territory, LONGGANG, d(2023, 1, 1));
    assert!(lists.cooperating.is_empty() && lists.withdrawn.is_empty());
    let lists =
        dist.delegations
            .duty_lists(&dist.catalogue, &dist.territory, LONGGANG, d(2022, 6, 1));
    assert_eq!(lists.cooperating.len(), 1);
    // Withdrawing after the term is refused; before it, allowed.
    assert_eq!(
        dist.delegations
            .withdraw(id, "盐都政发〔2023〕5号", d(2023, 2, 1), "x")
            .unwrap_err()
            .to_string(),
        "下放 D4 已于 2023-01-01 到期"
    );
    // A second hop may not outlast the hop it continues.
    let hop = |until| DelegationEntry {
        chain_parent: Some(id),
        until,
        ..entry(
            BUILD_PENALTY,
            LONGGANG_GOV,
            &[PARK],
            Mode::Entrust,
            d(2022, 3, 1),
        )
    };
    assert_eq!(
        refused(&mut dist, vec![hop(None)]),
        DelegationError::TermBeyondParent {
            row: 1,
            end: d(2023, 1, 1)
        }
    );
    assert!(matches!(
        refused(&mut dist, vec![hop(Some(d(2023, 6, 1)))]),
        DelegationError::TermBeyondParent { .. }
    ));
    decide(
        &mut dist,
        "龙冈政发〔2022〕4号",
        d(2022, 3, 1),
        vec![hop(Some(d(2022, 12, 1)))],
    )
    .unwrap();
    dist.delegations
        .withdraw(id, "盐都政发〔2022〕70号", d(2022, 10, 1), "承接困难")
        .unwrap();
    assert_eq!(
        dist.delegations.get(DelegationId(5)).unwrap().end(),
        Some(d(2022, 10, 1)),
        "the hop ends with the withdrawal"
    );
}

#[test]
fn a_term_before_a_later_delegation_does_not_overlap_it() {
    let mut dist = delegated();
    decide(
        &mut dist,
        "盐都政发〔2024〕1号",
        d(2024, 1, 1),
        vec![entry(
            BUILD_PENALTY,
            HOUSING,
            &[LONGGANG],
            Mode::Empower,
            d(2024, 1, 1),
        )],
    )
    .unwrap();
    let before = |until| DelegationEntry {
        until: Some(until),
        ..entry(
            BUILD_PENALTY,
            HOUSING,
            &[LONGGANG],
            Mode::Entrust,
            d(2022, 6, 1),
        )
    };
    // Ends after the later one starts: overlaps.
    assert!(matches!(
        refused(&mut dist, vec![before(d(2024, 1, 2))]),
        DelegationError::Overlap { .. }
    ));
    // Ends the day it starts: fine.
    decide(
        &mut dist,
        "盐都政发〔2022〕40号",
        d(2022, 6, 1),
        vec![before(d(2024, 1, 1))],
    )
    .unwrap();
    let idx = dist.index();
    let lead = |date| idx.responsible(BUILD_PENALTY, LONGGANG, date).unwrap();
    assert_eq!(lead(d(2022, 5, 31)).lead, HOUSING);
    assert_eq!(lead(d(2022, 6, 1)).liable, HOUSING, "委托 until 2024");
    assert_eq!(lead(d(2024, 1, 1)).liable, LONGGANG_GOV, "赋权 from 2024");
    assert_eq!(
        idx.responsible_naive(BUILD_PENALTY, LONGGANG, d(2023, 12, 31)),
        Ok(lead(d(2023, 12, 31)))
    );
}
