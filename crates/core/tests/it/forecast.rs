//! 自然减员预测: a small ledger computed by hand, and a property test that the
//! forecast agrees with the ledger once the retirements are recorded.

use std::collections::BTreeMap;

use bianzhi_core::catalog::{LeaveReason, StaffIdentity, UnitKind};
use bianzhi_core::forecast::{forecast, Flows, ForecastError, Settings};
use bianzhi_core::ident::{IdNumber, Sex};
use bianzhi_core::model::{AccountKey, PersonDetails, Tranche};
use bianzhi_core::query::{self, view_at};
use bianzhi_core::retirement::RetirementMonth;
use bianzhi_core::*;
use chrono::{Datelike, Duration, NaiveDate};
use proptest::prelude::*;

use crate::common::*;
use crate::props::cases;

const A: &str = "甲中心";
const B: &str = "乙中心";
const C: &str = "丙局";

fn details(birth: &str, n: u16, sex: Sex, identity: StaffIdentity) -> PersonDetails {
    let mut p = person("测试", n);
    p.id_number = idn_born(birth, n, sex);
    p.identity = identity;
    p
}

fn reg(u: &str, qtype: &str, p: PersonDetails, allow_over: bool) -> Op {
    Op::RegisterExisting {
        person: None,
        account: acct(u, qtype),
        body: None,
        enrolled_on: d("2015-01-01"),
        details: p,
        allow_over,
    }
}

fn settings(horizon: u32) -> Settings {
    Settings {
        horizon,
        month: RetirementMonth::MonthAfter,
    }
}

fn key(l: &Ledger, u: &str, qtype: &str) -> AccountKey {
    let st = l.state();
    AccountKey {
        unit: uid(l, u),
        qtype: st.quota_types.iter().find(|q| q.name == qtype).unwrap().id,
        funding: st.funding_forms[0].id,
    }
}

/// 甲中心: 事业编制 4, 动态编制 2 from the pool, a 减员即还 loan of 1, five
/// people — two retire in 2024 (both reclaimed 退一收一), two in 2025 (the
/// loan returns, then one free). 乙中心: 事业编制 2 with three people (超编消化)
/// — two women workers retire in 2025: the first is absorbed, the second free.
#[test]
fn a_small_ledger_by_hand() {
    use StaffIdentity::*;
    let mut l = Ledger::new("320903", "盐城市盐都区");
    let m = matter(
        "盐编〔2024〕1号",
        "2024-01-02",
        vec![
            create(A, UnitKind::Institution, None),
            create(B, UnitKind::Institution, None),
            set_quota(A, "事业编制", 4),
            set_quota(B, "事业编制", 2),
            Op::FundPool {
                qtype: cat("事业编制"),
                count: 5,
            },
            Op::GrantDynamic {
                grant: None,
                account: ed(A),
                count: 2,
                include_transfer_out: false,
            },
            Op::Lend {
                loan: None,
                account: ed(A),
                count: 1,
                due: None,
                on_attrition: true,
            },
            // 60y → 2024-06-15 → retires 2024-07-01.
            reg(
                A,
                "事业编制",
                details("1964-06-15", 1, Sex::Male, InstitutionStaff),
                false,
            ),
            // Woman cadre, 55y → 2024-11-10 → 2024-12-01.
            reg(
                A,
                "事业编制",
                details("1969-11-10", 2, Sex::Female, InstitutionStaff),
                false,
            ),
            // 60y1m → 2025-03-28 → 2025-04-01.
            reg(
                A,
                "事业编制",
                details("1965-02-28", 3, Sex::Male, InstitutionStaff),
                false,
            ),
            reg(
                A,
                "事业编制",
                details("1990-03-01", 4, Sex::Male, InstitutionStaff),
                false,
            ),
            // 60y2m → 2025-07-10 → 2025-08-01.
            reg(
                A,
                "事业编制",
                details("1965-05-10", 5, Sex::Male, InstitutionStaff),
                false,
            ),
            // Women workers: 50y → 2024-12-05 → 2025-01-01; 50y1m → 2025-02-20 → 2025-03-01.
            reg(
                B,
                "事业编制",
                details("1974-12-05", 6, Sex::Female, Worker),
                false,
            ),
            reg(
                B,
                "事业编制",
                details("1975-01-20", 7, Sex::Female, Worker),
                false,
            ),
            reg(
                B,
                "事业编制",
                details("1980-01-01", 8, Sex::Male, InstitutionStaff),
                true,
            ),
        ],
    );
    submit(&mut l, m).expect("fixture");
    let f = forecast(l.state(), d("2024-01-02"), settings(3)).unwrap();
    assert_eq!(f.years, vec![2024, 2025, 2026]);
    assert_eq!((f.overdue, f.skipped), (0, 0));
    let dates: Vec<NaiveDate> = f.retirees.iter().map(|r| r.date).collect();
    assert_eq!(
        dates,
        [
            "2024-07-01",
            "2024-12-01",
            "2025-01-01",
            "2025-03-01",
            "2025-04-01",
            "2025-08-01"
        ]
        .map(d)
    );

    let (ka, kb) = (key(&l, A, "事业编制"), key(&l, B, "事业编制"));
    let row = |k: AccountKey, y: i32| *f.rows.iter().find(|r| r.key == k && r.year == y).unwrap();
    let a24 = row(ka, 2024);
    assert_eq!(
        a24.flows,
        Flows {
            retirements: 2,
            dynamic_reclaimed: 2,
            to_pool: 2,
            ..Flows::default()
        }
    );
    assert_eq!(
        (a24.end.approved, a24.end.borrowed, a24.end.actual),
        (4, 1, 3)
    );
    let a25 = row(ka, 2025);
    assert_eq!(
        a25.flows,
        Flows {
            retirements: 2,
            loans_returned: 1,
            free: 1,
            to_pool: 1,
            ..Flows::default()
        }
    );
    assert_eq!(
        (a25.end.approved, a25.end.borrowed, a25.end.actual),
        (4, 0, 1)
    );
    assert_eq!(a25.end.available(), 3);
    assert_eq!(row(ka, 2026).flows, Flows::default());
    assert_eq!(row(kb, 2024).flows, Flows::default());
    assert_eq!(
        row(kb, 2025).flows,
        Flows {
            retirements: 2,
            absorbed: 1,
            free: 1,
            ..Flows::default()
        }
    );
    assert_eq!(row(kb, 2025).end.available(), 1);

    // Sums: the jurisdiction, a unit's subtree, the pool.
    let j = f.jurisdiction();
    assert_eq!(j[&2024].retirements, 2);
    assert_eq!(j[&2025].retirements, 4);
    assert_eq!(j[&2025].free, 2);
    assert_eq!(j[&2025].owed(), 1);
    assert_eq!(f.subtree(l.state(), uid(&l, B))[&2025].absorbed, 1);
    let pool = |y| f.pools.iter().find(|(_, yy, _)| *yy == y).unwrap().2;
    assert_eq!((pool(2024).balance, pool(2024).lent), (4, 1));
    assert_eq!((pool(2025).balance, pool(2025).lent), (5, 0));

    // Retiring in the month the age is reached moves the 1974-12-05 worker into 2024.
    let of = forecast(
        l.state(),
        d("2024-01-02"),
        Settings {
            horizon: 3,
            month: RetirementMonth::MonthOf,
        },
    )
    .unwrap();
    assert_eq!(of.jurisdiction()[&2024].retirements, 3);

    // As of later: the 2024 retirees are past the age and still in 编.
    let late = forecast(l.state(), d("2025-02-01"), settings(1)).unwrap();
    assert_eq!(late.overdue, 3);
    assert_eq!(late.retirees[0].date, d("2025-02-02"));

    assert_eq!(
        forecast(l.state(), d("2024-01-02"), settings(0)),
        Err(ForecastError::Horizon(0))
    );
    assert_eq!(
        forecast(l.state(), d("2024-01-02"), settings(11)),
        Err(ForecastError::Horizon(11))
    );
    // Serialisable for the API.
    assert!(serde_json::to_string(&f)
        .unwrap()
        .contains("dynamic_reclaimed"));
}

#[derive(Debug, Clone)]
enum Step {
    Person(usize, u16, i64, bool, u8, bool),
    Dynamic(usize, i32),
    Lend(usize, i32, Option<i64>, bool),
    Bridge(u16, usize, bool),
    Phased(usize, i32, i64),
    Reclaim(usize, i32),
    Over(usize, i32),
}

/// Accounts of the property test: 甲中心 and 乙中心 事业编制, 丙局 行政编制 and 工勤编制.
const ACCOUNTS: [(&str, &str); 4] = [
    (A, "事业编制"),
    (B, "事业编制"),
    (C, "行政编制"),
    (C, "工勤编制"),
];

fn step() -> impl Strategy<Value = Step> {
    let a = 0..4usize;
    prop_oneof![
        8 => (a.clone(), 0..40u16, 0..12_000i64, any::<bool>(), 0..4u8, any::<bool>())
            .prop_map(|(a, n, b, s, i, o)| Step::Person(a, n, b, s, i, o)),
        1 => (a.clone(), 1..3i32).prop_map(|(a, n)| Step::Dynamic(a, n)),
        2 => (a.clone(), 1..3i32, prop::option::of(1..3000i64), any::<bool>())
            .prop_map(|(a, n, due, o)| Step::Lend(a, n, due, o)),
        3 => (0..40u16, a.clone(), any::<bool>()).prop_map(|(p, a, f)| Step::Bridge(p, a, f)),
        1 => (a.clone(), 1..3i32, 1..3000i64).prop_map(|(a, n, g)| Step::Phased(a, n, g)),
        1 => (a.clone(), 1..3i32).prop_map(|(a, n)| Step::Reclaim(a, n)),
        1 => (a, 0..4i32).prop_map(|(a, n)| Step::Over(a, n)),
    ]
}

fn idn_of(n: u16, birth_days: i64, male: bool) -> IdNumber {
    let b = d("1958-01-01") + Duration::days(birth_days);
    idn_born(
        &b.format("%Y-%m-%d").to_string(),
        n,
        if male { Sex::Male } else { Sex::Female },
    )
}

fn to_op(s: &Step, l: &Ledger, now: NaiveDate, ids: &mut BTreeMap<u16, IdNumber>) -> Op {
    let account = |a: usize| acct(ACCOUNTS[a].0, ACCOUNTS[a].1);
    match s.clone() {
        Step::Person(a, n, b, male, identity, over) => {
            let mut p = person("测试", n);
            p.id_number = idn_of(n, b, male);
            p.identity = StaffIdentity::ALL[identity as usize % StaffIdentity::ALL.len()];
            ids.entry(n).or_insert(p.id_number.clone());
            reg(ACCOUNTS[a].0, ACCOUNTS[a].1, p, over)
        }
        Step::Dynamic(a, n) => Op::GrantDynamic {
            grant: None,
            account: account(a),
            count: n,
            include_transfer_out: false,
        },
        Step::Lend(a, n, due, on_attrition) => Op::Lend {
            loan: None,
            account: account(a),
            count: n,
            due: due.map(|x| now + Duration::days(x)),
            on_attrition,
        },
        Step::Bridge(p, a, from_pool) => Op::BridgeTransfer {
            bridge: None,
            person: PersonRef::IdNumber(
                ids.get(&p)
                    .map_or_else(|| idn(499).as_str().into(), |i| i.as_str().into()),
            ),
            to: account(a),
            body: None,
            from_pool,
            deadline: now + Duration::days(400),
        },
        Step::Phased(a, n, gap) => Op::GrantPhased {
            grant: None,
            account: account(a),
            tranches: vec![
                Tranche {
                    date: now,
                    count: 1,
                },
                Tranche {
                    date: now + Duration::days(gap),
                    count: n,
                },
            ],
            from_pool: true,
        },
        // 核定 is never taken below the 动态编制 still to reclaim: the ledger
        // would then refuse the 出编 whose 退一收一 takes 核定 below zero.
        Step::Reclaim(a, n) => Op::Reclaim {
            account: account(a),
            count: n.min(reducible(l, a)),
            allow_over: false,
        },
        Step::Over(a, n) => Op::SetQuota {
            account: account(a),
            count: n.max(dynamic_outstanding(l, a)),
            allow_over: true,
        },
    }
}

fn account_key(l: &Ledger, a: usize) -> AccountKey {
    key(l, ACCOUNTS[a].0, ACCOUNTS[a].1)
}

fn dynamic_outstanding(l: &Ledger, a: usize) -> i32 {
    let k = account_key(l, a);
    l.state()
        .grants
        .iter()
        .flatten()
        .filter(|g| g.key == k && matches!(g.kind, model::GrantKind::Dynamic { .. }))
        .map(|g| g.outstanding())
        .sum()
}

/// 核定 that may go back to the pool without going below the 动态编制 owed.
fn reducible(l: &Ledger, a: usize) -> i32 {
    let k = account_key(l, a);
    let approved = l.state().accounts.get(&k).map_or(0, |x| x.counts.approved);
    (approved - dynamic_outstanding(l, a)).max(0)
}

fn base() -> Ledger {
    let mut l = Ledger::new("320903", "盐城市盐都区");
    let m = matter(
        "盐编〔2024〕1号",
        "2024-01-02",
        vec![
            create(A, UnitKind::Institution, None),
            create(B, UnitKind::Institution, Some(A)),
            create(C, UnitKind::GovDept, None),
            set_quota(A, "事业编制", 4),
            set_quota(B, "事业编制", 3),
            set_quota(C, "行政编制", 3),
            set_quota(C, "工勤编制", 2),
            Op::FundPool {
                qtype: cat("事业编制"),
                count: 6,
            },
            Op::FundPool {
                qtype: cat("行政编制"),
                count: 4,
            },
            Op::FundPool {
                qtype: cat("工勤编制"),
                count: 2,
            },
        ],
    );
    submit(&mut l, m).expect("base");
    l
}

/// Per (unit, year), the ledger's own changes of one kind after the as-of date.
fn auto(st: &State, as_of: NaiveDate, kind: &str) -> BTreeMap<(UnitId, i32), i32> {
    let mut m = BTreeMap::new();
    for e in st
        .auto_events
        .iter()
        .filter(|e| e.kind == kind && e.date > as_of)
    {
        *m.entry((e.unit, e.date.year())).or_default() += e.count.abs();
    }
    m
}

fn fc(
    f: &bianzhi_core::forecast::Forecast,
    pick: fn(&Flows) -> i32,
) -> BTreeMap<(UnitId, i32), i32> {
    let mut m = BTreeMap::new();
    for r in &f.rows {
        let v = pick(&r.flows);
        if v != 0 {
            *m.entry((r.key.unit, r.year)).or_default() += v;
        }
    }
    m
}

proptest! {
    #![proptest_config(ProptestConfig { cases: cases(48), .. ProptestConfig::default() })]

    /// For a random small ledger, recording the forecast retirements as
    /// 出编(退休) matters on their dates gives, at the end of every year, the
    /// accounts and 周转池 the forecast shows, and the ledger's own 过桥消化,
    /// 动态收回, 减员收回, 到期收回 and 承兑下达 are the forecast's.
    #[test]
    fn forecast_agrees_with_the_ledger(
        steps in prop::collection::vec((step(), 0..40i64), 1..40),
        horizon in 1..=10u32,
        after in 0..200i64,
        month_of in any::<bool>(),
    ) {
        let mut l = base();
        let mut date = d("2024-01-02");
        let mut ids = BTreeMap::new();
        for (i, (s, days)) in steps.iter().enumerate() {
            date += Duration::days(*days);
            let op = to_op(s, &l, date, &mut ids);
            let mut m = matter(&format!("盐编〔2024〕{}号", i + 2), "2024-01-02", vec![op]);
            m.effective = date;
            m.recorded_at = at("2024-01-02") + Duration::hours(i as i64);
            let _ = submit(&mut l, m);
        }
        let as_of = date + Duration::days(after);
        let month = if month_of { RetirementMonth::MonthOf } else { RetirementMonth::MonthAfter };
        let f = forecast(l.state(), as_of, Settings { horizon, month }).unwrap();
        prop_assert_eq!(f.skipped, 0);

        let mut by_date: BTreeMap<NaiveDate, Vec<Op>> = BTreeMap::new();
        for r in &f.retirees {
            let p = l.state().person(r.person).unwrap();
            by_date.entry(r.date).or_default().push(Op::Leave {
                person: PersonRef::IdNumber(p.details.id_number.as_str().into()),
                reason: LeaveReason::Retire,
            });
        }
        let mut r = l.clone();
        for (i, (day, ops)) in by_date.into_iter().enumerate() {
            let mut m = matter(&format!("盐人〔2099〕{}号", i + 1), "2024-01-02", ops);
            m.effective = day;
            m.recorded_at = at("2030-01-01") + Duration::hours(i as i64);
            let res = submit(&mut r, m);
            prop_assert!(res.is_ok(), "retirement on {} refused: {:?}", day, res);
        }

        let end = NaiveDate::from_ymd_opt(*f.years.last().unwrap(), 12, 31).unwrap();
        for &y in &f.years {
            let dec31 = NaiveDate::from_ymd_opt(y, 12, 31).unwrap();
            let v = view_at(r.state(), dec31);
            for k in v.history.accounts.keys() {
                let got = query::account_at(&v, k, dec31).map(|(c, _)| c).unwrap_or_default();
                let want = f.rows.iter().find(|x| x.key == *k && x.year == y).map(|x| x.end).unwrap_or_default();
                prop_assert_eq!(got, want, "account {:?} at the end of {}", k, y);
            }
            for (q, p) in query::pools_at(&v, dec31) {
                let want = f.pools.iter().find(|(qq, yy, _)| *qq == q && *yy == y).map(|x| x.2).unwrap_or_default();
                prop_assert_eq!(p, want, "pool {:?} at the end of {}", q, y);
            }
        }
        let v = view_at(r.state(), end);
        let window = |m: BTreeMap<(UnitId, i32), i32>| -> BTreeMap<(UnitId, i32), i32> {
            m.into_iter().filter(|((_, y), _)| *y <= end.year()).collect()
        };
        prop_assert_eq!(window(auto(&v, as_of, "过桥消化")), fc(&f, |x| x.bridges_written_off));
        prop_assert_eq!(window(auto(&v, as_of, "动态收回")), fc(&f, |x| x.dynamic_reclaimed));
        prop_assert_eq!(window(auto(&v, as_of, "减员收回")), fc(&f, |x| x.loans_returned));
        prop_assert_eq!(window(auto(&v, as_of, "到期收回")), fc(&f, |x| x.due_returned));
        prop_assert_eq!(window(auto(&v, as_of, "承兑下达")), fc(&f, |x| x.released));
        // Every retirement is accounted for exactly once.
        for row in &f.rows {
            let x = row.flows;
            prop_assert_eq!(x.retirements, x.absorbed + x.owed() + x.free);
        }
    }
}
