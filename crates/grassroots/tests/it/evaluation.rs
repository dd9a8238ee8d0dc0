//! 评估 after delegation: items never used over the last periods are
//! flagged for 收回 review.

use bianzhi_grassroots::evaluation::{idle_delegations, EvaluationError, Period, UsageRow};
use bianzhi_grassroots::{DelegationId, ItemId, PlaceId};

use crate::common::*;
use crate::responsible::delegated;

fn quarters() -> Vec<Period> {
    [(1, 4), (4, 7), (7, 10)]
        .iter()
        .map(|&(a, b)| Period {
            start: d(2022, a, 1),
            end: d(2022, b, 1),
        })
        .chain(std::iter::once(Period {
            start: d(2022, 10, 1),
            end: d(2023, 1, 1),
        }))
        .collect()
}

fn row(item: ItemId, town: PlaceId, q: usize, count: u32) -> UsageRow {
    UsageRow {
        item,
        town,
        period: quarters()[q],
        count,
    }
}

fn flagged(rows: &[UsageRow], dist: &District, idle: usize) -> Vec<(DelegationId, PlaceId)> {
    idle_delegations(&dist.delegations, rows, &quarters(), idle)
        .unwrap()
        .into_iter()
        .map(|c| (c.delegation, c.town))
        .collect()
}

#[test]
fn delegations_never_used_over_the_last_periods_are_flagged() {
    let mut dist = delegated();
    let rows = vec![
        row(FOOD_PENALTY, DAGANG, 2, 3),
        // Used at 龙冈镇 only before the window.
        row(FOOD_PENALTY, LONGGANG, 0, 5),
        row(ECO_PENALTY, DAGANG, 3, 0),
        row(BUILD_PERMIT_A, YANDU_STREET, 3, 1),
        row(BUILD_PERMIT_A, YANDU_STREET, 3, 1),
    ];
    assert_eq!(
        flagged(&rows, &dist, 2),
        vec![
            (DelegationId(0), LONGGANG),
            (DelegationId(2), DAGANG),
            (DelegationId(3), PARK),
        ]
    );
    // Over the whole year 龙冈镇 used it; the park's hop began 2022-03-01,
    // so it is not judged on Q1.
    assert_eq!(flagged(&rows, &dist, 4), vec![(DelegationId(2), DAGANG)]);
    // A delegation withdrawn inside the window is not judged.
    dist.delegations
        .withdraw(
            DelegationId(0),
            "盐都政发〔2022〕60号",
            d(2022, 11, 1),
            "行权频率低",
        )
        .unwrap();
    assert!(!flagged(&rows, &dist, 2)
        .iter()
        .any(|(d, _)| *d == DelegationId(0)));
}

#[test]
fn periods_must_be_valid() {
    let dist = delegated();
    let bad = [Period {
        start: d(2022, 4, 1),
        end: d(2022, 4, 1),
    }];
    assert!(matches!(
        idle_delegations(&dist.delegations, &[], &bad, 1),
        Err(EvaluationError::BadPeriod { .. })
    ));
    let overlapping = [
        Period {
            start: d(2022, 1, 1),
            end: d(2022, 5, 1),
        },
        Period {
            start: d(2022, 4, 1),
            end: d(2022, 7, 1),
        },
    ];
    assert_eq!(
        idle_delegations(&dist.delegations, &[], &overlapping, 1)
            .unwrap_err()
            .to_string(),
        "评估期间 2022-01-01 与 2022-04-01 重叠"
    );
    assert_eq!(
        idle_delegations(&dist.delegations, &[], &quarters(), 0),
        Err(EvaluationError::NoPeriods)
    );
}
