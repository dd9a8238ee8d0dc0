//! 吹哨报到: a park blows an 应急 whistle; departments report, one late;
//! "事不完、人不撤"; evaluation and statistics.

use bianzhi_grassroots::{
    department_stats, suggest_departments, DeptStatus, Index, ReportLimits, Whistle, WhistleAction,
    WhistleError, WhistleId, WhistleKind, WhistleRequest,
};
use chrono::{Duration, NaiveDateTime};

use crate::common::*;
use crate::responsible::delegated;

fn t0() -> NaiveDateTime {
    d(2022, 6, 1).and_hms_opt(9, 0, 0).unwrap()
}

fn min(m: i64) -> NaiveDateTime {
    t0() + Duration::minutes(m)
}

fn raise(dist: &District) -> Whistle {
    let idx = Index::build(
        &dist.catalogue,
        &dist.territory,
        &dist.delegations,
        &dist.enforcement,
    );
    let items = vec![ECO_PENALTY, BUILD_PENALTY];
    let suggested = suggest_departments(
        &idx,
        &dist.territory,
        PARK,
        &items,
        PARK_VILLAGE,
        t0().date(),
    );
    // 秸秆: the park leads (its own body is left out), 大冈镇 and 生态环境局
    // support; 违法建设: 住建局.
    assert_eq!(suggested, vec![DAGANG_GOV, ECOLOGY, HOUSING]);
    Whistle::raise(
        &dist.territory,
        WhistleRequest {
            id: WhistleId(1),
            raiser: PARK,
            kind: WhistleKind::Emergency,
            items,
            place: PARK_VILLAGE,
            description: "园区村露天焚烧并伴有违法搭建，需执法力量".to_owned(),
            departments: suggested,
            raised_at: t0(),
        },
    )
    .unwrap()
}

#[test]
fn an_emergency_whistle_from_a_park() {
    let dist = delegated();
    let limits = ReportLimits::default();
    let mut w = raise(&dist);
    // The suggestion is editable: the town is dropped, 市场监管 added.
    w.act(min(1), WhistleAction::Unassign { dept: DAGANG_GOV })
        .unwrap();
    w.act(min(2), WhistleAction::Assign { dept: MARKET })
        .unwrap();
    assert_eq!(w.report_deadline(ECOLOGY, &limits), Some(min(30)));
    assert_eq!(w.report_deadline(MARKET, &limits), Some(min(32)));
    w.act(min(20), WhistleAction::Report { dept: ECOLOGY })
        .unwrap();
    w.act(min(30), WhistleAction::Report { dept: MARKET })
        .unwrap();
    assert!(
        w.overdue(min(30), &limits).is_empty(),
        "the limit itself is in time"
    );
    assert_eq!(w.overdue(min(31), &limits), vec![HOUSING]);
    // 住建局 arrives late.
    w.act(min(45), WhistleAction::Report { dept: HOUSING })
        .unwrap();
    assert!(w.overdue(min(46), &limits).is_empty());
    assert_eq!(w.reported_on_time(ECOLOGY, &limits), Some(true));
    assert_eq!(w.reported_on_time(HOUSING, &limits), Some(false));
    for dept in [ECOLOGY, MARKET, HOUSING] {
        w.act(min(50), WhistleAction::Act { dept }).unwrap();
    }
    w.act(min(120), WhistleAction::Done { dept: ECOLOGY })
        .unwrap();
    w.act(min(130), WhistleAction::Done { dept: MARKET })
        .unwrap();

    // 事不完、人不撤.
    let before = w.clone();
    let e = w.act(min(140), WhistleAction::Close).unwrap_err();
    assert_eq!(e.to_string(), "事不完、人不撤：部门 11 尚未办结，不能归档");
    assert_eq!(w, before, "a refused step changes nothing");

    w.act(min(180), WhistleAction::Done { dept: HOUSING })
        .unwrap();
    w.act(
        min(190),
        WhistleAction::Evaluate {
            dept: ECOLOGY,
            score: 95,
            comment: "到场迅速".to_owned(),
        },
    )
    .unwrap();
    w.act(
        min(190),
        WhistleAction::Evaluate {
            dept: HOUSING,
            score: 60,
            comment: "超时报到".to_owned(),
        },
    )
    .unwrap();
    w.act(min(200), WhistleAction::Close).unwrap();
    assert_eq!(w.closed_at, Some(min(200)));
    // Evaluation still possible after 归档; other steps are not.
    w.act(
        min(210),
        WhistleAction::Evaluate {
            dept: MARKET,
            score: 80,
            comment: String::new(),
        },
    )
    .unwrap();
    assert_eq!(
        w.act(min(220), WhistleAction::Assign { dept: ECOLOGY }),
        Err(WhistleError::Closed { at: min(200) })
    );
    // The history keeps every step.
    // 3 raised, 2 edits, 3 报到, 3 处置, 3 办结, 3 评价, 1 归档.
    assert_eq!(w.history.len(), 3 + 2 + 3 + 3 + 3 + 3 + 1);

    let stats = department_stats(&[w], &limits, min(300));
    assert_eq!(stats[&HOUSING].called, 1);
    assert_eq!(stats[&HOUSING].response_rate(), Some(1.0));
    assert_eq!(stats[&HOUSING].on_time_rate(), Some(0.0));
    assert_eq!(stats[&ECOLOGY].on_time_rate(), Some(1.0));
    assert_eq!(stats[&ECOLOGY].average_score(), Some(95.0));
    assert!(!stats.contains_key(&DAGANG_GOV));
}

#[test]
fn steps_follow_the_department_states() {
    let dist = delegated();
    let mut w = raise(&dist);
    let before = w.clone();
    let e = w
        .act(min(5), WhistleAction::Done { dept: ECOLOGY })
        .unwrap_err();
    assert_eq!(e.to_string(), "部门 12 当前为“已通知”，不能办结");
    assert!(matches!(
        w.act(min(5), WhistleAction::Act { dept: ECOLOGY }),
        Err(WhistleError::WrongStatus { .. })
    ));
    assert!(matches!(
        w.act(
            min(5),
            WhistleAction::Evaluate {
                dept: ECOLOGY,
                score: 90,
                comment: String::new()
            }
        ),
        Err(WhistleError::WrongStatus { .. })
    ));
    assert_eq!(
        w.act(min(5), WhistleAction::Report { dept: MARKET }),
        Err(WhistleError::NotAssigned { dept: MARKET })
    );
    assert_eq!(
        w.act(min(5), WhistleAction::Assign { dept: ECOLOGY }),
        Err(WhistleError::DuplicateDept { dept: ECOLOGY })
    );
    assert_eq!(w, before);
    w.act(min(10), WhistleAction::Report { dept: ECOLOGY })
        .unwrap();
    // Time does not go back.
    assert!(matches!(
        w.act(min(9), WhistleAction::Report { dept: HOUSING }),
        Err(WhistleError::TimeGoesBack { .. })
    ));
    // A reported department cannot be dropped.
    assert!(matches!(
        w.act(min(11), WhistleAction::Unassign { dept: ECOLOGY }),
        Err(WhistleError::WrongStatus { .. })
    ));
    w.act(min(12), WhistleAction::Act { dept: ECOLOGY })
        .unwrap();
    w.act(min(13), WhistleAction::Done { dept: ECOLOGY })
        .unwrap();
    assert_eq!(
        w.act(
            min(14),
            WhistleAction::Evaluate {
                dept: ECOLOGY,
                score: 101,
                comment: String::new()
            }
        ),
        Err(WhistleError::BadScore)
    );
    w.act(
        min(14),
        WhistleAction::Evaluate {
            dept: ECOLOGY,
            score: 70,
            comment: String::new(),
        },
    )
    .unwrap();
    assert_eq!(
        w.act(
            min(15),
            WhistleAction::Evaluate {
                dept: ECOLOGY,
                score: 70,
                comment: String::new()
            }
        ),
        Err(WhistleError::AlreadyEvaluated { dept: ECOLOGY })
    );
    assert_eq!(w.assignment(ECOLOGY).unwrap().status, DeptStatus::Done);
}

#[test]
fn only_towns_and_parks_raise_within_their_area() {
    let dist = delegated();
    let req = |raiser, place, departments: Vec<_>, description: &str| WhistleRequest {
        id: WhistleId(2),
        raiser,
        kind: WhistleKind::Daily,
        items: vec![],
        place,
        description: description.to_owned(),
        departments,
        raised_at: t0(),
    };
    let t = &dist.territory;
    assert_eq!(
        Whistle::raise(t, req(DAGANG_VILLAGE, DAGANG_VILLAGE, vec![MARKET], "x")).unwrap_err(),
        WhistleError::RaiserNotTown {
            place: DAGANG_VILLAGE
        }
    );
    assert_eq!(
        Whistle::raise(t, req(PARK, DAGANG_VILLAGE, vec![MARKET], "x"))
            .unwrap_err()
            .to_string(),
        "地点 @10 不在吹哨单位辖区内"
    );
    assert_eq!(
        Whistle::raise(t, req(DAGANG, DAGANG_VILLAGE, vec![], "x")).unwrap_err(),
        WhistleError::NoDepartments
    );
    assert_eq!(
        Whistle::raise(t, req(DAGANG, DAGANG, vec![MARKET], " ")).unwrap_err(),
        WhistleError::NoDescription
    );
    assert_eq!(
        Whistle::raise(t, req(DAGANG, DAGANG, vec![MARKET, MARKET], "x")).unwrap_err(),
        WhistleError::DuplicateDept { dept: MARKET }
    );
    let w = Whistle::raise(t, req(DAGANG, DAGANG_VILLAGE, vec![MARKET], "x")).unwrap();
    let limits = ReportLimits::default();
    // 日常: one day by default; configurable.
    assert!(w.overdue(t0() + Duration::hours(23), &limits).is_empty());
    assert_eq!(w.overdue(t0() + Duration::hours(25), &limits), vec![MARKET]);
    let strict = ReportLimits {
        daily: 60,
        ..limits
    };
    assert_eq!(
        w.overdue(t0() + Duration::minutes(61), &strict),
        vec![MARKET]
    );
}

#[test]
fn the_overview_lists_overdue_departments_of_open_whistles() {
    let dist = delegated();
    let limits = ReportLimits::default();
    let mut a = raise(&dist);
    a.act(min(10), WhistleAction::Report { dept: ECOLOGY })
        .unwrap();
    let mut b = raise(&dist);
    b.id = WhistleId(2);
    b.kind = WhistleKind::Special;
    let lines = bianzhi_grassroots::overdue_list(&[a.clone(), b.clone()], &limits, min(40));
    let got: Vec<_> = lines
        .iter()
        .map(|l| (l.whistle, l.dept, l.deadline))
        .collect();
    assert_eq!(
        got,
        vec![
            (WhistleId(1), HOUSING, min(30)),
            (WhistleId(1), DAGANG_GOV, min(30)),
        ],
        "专项 has two hours"
    );
    let later = bianzhi_grassroots::overdue_list(&[a, b], &limits, min(121));
    assert_eq!(later.len(), 2 + 3);
    assert_eq!(later[2].whistle, WhistleId(2));
    assert_eq!(later[2].deadline, min(120));
}

#[test]
fn a_problem_code_gives_its_items_and_their_departments() {
    let dist = delegated();
    let mut list = bianzhi_grassroots::ProblemList::default();
    list.insert(bianzhi_grassroots::Problem {
        code: "ZF-07".to_owned(),
        name: "露天焚烧".to_owned(),
        items: vec![ECO_PENALTY],
    });
    list.insert(bianzhi_grassroots::Problem {
        code: "ZF-12".to_owned(),
        name: "违法建设".to_owned(),
        items: vec![BUILD_PENALTY, ECO_PENALTY],
    });
    let items = list.items(&["ZF-12", " ZF-07", "ZF-99"]);
    assert_eq!(items, vec![BUILD_PENALTY, ECO_PENALTY]);
    assert_eq!(list.get("ZF-07").unwrap().name, "露天焚烧");
    let idx = dist.index();
    // At 龙冈镇 nothing is delegated: the departments.
    assert_eq!(
        suggest_departments(
            &idx,
            &dist.territory,
            LONGGANG,
            &items,
            LONGGANG,
            t0().date()
        ),
        vec![HOUSING, ECOLOGY]
    );
    // At 大冈镇 the town holds 秸秆 by 赋权: it leads, 生态环境局 supports.
    assert_eq!(
        suggest_departments(
            &idx,
            &dist.territory,
            DAGANG,
            &items,
            DAGANG_VILLAGE,
            t0().date()
        ),
        vec![HOUSING, ECOLOGY]
    );
}
