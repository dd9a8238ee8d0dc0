//! 统计年报（上报格式）: hand-computed figures on the fixture ledger, the demo
//! district, and a property over generated ledgers — every table adds up to
//! the ledger's own totals (`query::units_at`, `query::rollup`, the
//! 领导职数情况表) and every dimension of 表3 to the row's 人数.

use std::collections::BTreeMap;

use bianzhi_core::catalog::{
    InstitutionCategory, LeaveReason, PostKind, Rank, StaffIdentity, UnitKind,
};
use bianzhi_core::ident::Sex;
use bianzhi_core::*;
use bianzhi_reports::statistics::{self, Jurisdiction, QuotaFigures, StatError, Statistics};
use bianzhi_reports::Cell;
use proptest::prelude::*;

use crate::common::*;

/// Checks `s` against the ledger it was computed from, as of its date.
fn check_against_ledger(l: &Ledger, s: &Statistics) {
    let date = s.as_of;
    let st = l.view_at(date);
    s.check().expect("the document adds up in itself");
    // 表1: every unit of the jurisdiction counted once.
    let units = query::units_at(&st, date);
    assert_eq!(s.totals.units.sum(), units.len() as i64, "表1 合计");
    assert_eq!(
        s.units.iter().map(|r| r.total).sum::<i64>(),
        units.len() as i64
    );
    for k in UnitKind::ALL {
        let n = units.iter().filter(|u| u.kind == *k).count() as i64;
        let rows: i64 = s
            .units
            .iter()
            .filter(|r| r.kind == k.label())
            .map(|r| r.total)
            .sum();
        assert_eq!(rows, n, "表1 {}", k.label());
    }
    // 表2: the roll-up's totals by 编制类型.
    let r = query::rollup(&st, date, None);
    let mut want: BTreeMap<String, QuotaFigures> = BTreeMap::new();
    for (q, c) in &r.by_type {
        if c.is_zero() {
            continue;
        }
        want.insert(
            st.qtype_name(*q),
            QuotaFigures {
                approved: c.approved.into(),
                unreleased: c.unreleased.into(),
                borrowed: c.borrowed.into(),
                bridged: c.bridged.into(),
                actual: c.actual.into(),
                frozen: c.frozen.into(),
                locked: c.locked.into(),
                vacant: r.available_by_type[q].into(),
                over: r.over_by_type[q].into(),
            },
        );
    }
    let got: BTreeMap<String, QuotaFigures> = s.quotas_by_type().into_iter().collect();
    assert_eq!(got, want, "表2 小计 = rollup by type");
    assert_eq!(s.totals.quotas.approved, i64::from(r.total.approved));
    assert_eq!(s.totals.quotas.actual, i64::from(r.total.actual));
    assert_eq!(s.totals.quotas.vacant, i64::from(r.available));
    assert_eq!(s.totals.quotas.over, i64::from(r.over));
    // 表3: 实有 per 编制类型 is the roll-up's, and each dimension adds up.
    assert_eq!(s.totals.people.total, i64::from(r.total.actual), "表3 合计");
    for row in &s.people {
        let q = r
            .by_type
            .iter()
            .find(|(q, _)| st.qtype_name(**q) == row.qtype)
            .map(|(_, c)| c.actual)
            .unwrap_or(0);
        assert_eq!(row.total, i64::from(q), "表3 {}", row.qtype);
    }
    for row in s.people.iter().chain([&s.totals.people]) {
        for (dim, n) in row.dimensions() {
            assert_eq!(n, row.total, "表3 {} {dim}", row.qtype);
        }
    }
    // 表4: the 领导职数情况表 of every unit.
    let (mut approved, mut filled) = (0i64, 0i64);
    for u in &units {
        for p in query::post_table(&st, u.id, date) {
            approved += i64::from(p.approved);
            filled += i64::from(p.filled);
        }
    }
    let t = s.totals.posts;
    assert_eq!((t.approved, t.filled), (approved, filled), "表4 合计");
    assert_eq!(t.approved - t.filled, t.vacant - t.over);
    // The tables shown: each 合计 row is the sum of its detail rows.
    let [t1, t2, t3, t4] = s.tables();
    let int = |c: &Cell| match c {
        Cell::Int(n) => *n,
        _ => 0,
    };
    let detail_sum = |t: &bianzhi_reports::Table, col: usize, sub: usize| -> i64 {
        t.rows
            .iter()
            .filter(|r| r[sub] != Cell::text("小计"))
            .map(|r| int(&r[col]))
            .sum()
    };
    let total = |t: &bianzhi_reports::Table, col: usize| int(&t.totals.as_ref().unwrap()[col]);
    assert_eq!(total(&t1, 2), units.len() as i64);
    assert_eq!(detail_sum(&t1, 2, 1), units.len() as i64);
    for c in 2..t2.headers.len() {
        assert_eq!(
            detail_sum(&t2, c, 1),
            total(&t2, c),
            "表2 {}",
            t2.headers[c]
        );
    }
    for c in 1..t3.headers.len() {
        assert_eq!(
            detail_sum(&t3, c, 0),
            total(&t3, c),
            "表3 {}",
            t3.headers[c]
        );
    }
    for c in 2..t4.headers.len() {
        assert_eq!(
            detail_sum(&t4, c, 1),
            total(&t4, c),
            "表4 {}",
            t4.headers[c]
        );
    }
    // The JSON document reads back as it was, and one part sums to itself.
    assert_eq!(&Statistics::from_json(&s.to_json()).unwrap(), s);
    let one = statistics::sum(std::slice::from_ref(s), s.jurisdiction.clone()).unwrap();
    assert_eq!(one.units, s.units);
    assert_eq!(one.quotas, s.quotas);
    assert_eq!(one.people, s.people);
    assert_eq!(one.posts, s.posts);
    assert_eq!(one.totals, s.totals);
}

#[test]
fn fixture_figures_by_hand() {
    let l = fixture();
    let s = statistics::compute(&l, statistics::year_end(2024));
    check_against_ledger(&l, &s);
    assert_eq!(s.format, "bianzhi-statistics");
    assert_eq!(s.version, 1);
    assert_eq!(s.jurisdiction.code, "320903");
    assert_eq!(s.as_of, d("2024-12-31"));
    // 表1: 教育局 a 正科级 政府工作部门, two 正科级 事业单位 with no category.
    let gov = s.units.iter().find(|r| r.kind == "政府工作部门").unwrap();
    assert_eq!((gov.total, gov.ranks.full_section), (1, 1));
    let inst: Vec<_> = s.units.iter().filter(|r| r.kind == "事业单位").collect();
    assert_eq!(inst.len(), 5, "four 事业单位类别 and 未定类别");
    assert_eq!(inst.last().unwrap().category.as_deref(), Some("未定类别"));
    assert_eq!(inst.last().unwrap().total, 2);
    assert_eq!(s.totals.units.sum(), 3);
    // 表2: 行政编制 10 (王五), 事业编制 5 + 0 with 张三 in 第二小学 (超编 1).
    let q: Vec<(String, i64, i64, i64, i64)> = s
        .quotas
        .iter()
        .map(|r| {
            let f = r.figures;
            (r.qtype.clone(), f.approved, f.actual, f.vacant, f.over)
        })
        .collect();
    assert_eq!(
        q,
        [
            ("行政编制".into(), 10, 1, 9, 0),
            ("事业编制".into(), 5, 1, 5, 1),
        ]
    );
    // 表3: 王五 (行政编制) and 张三 (事业编制): men born 1990, 34 on the day,
    // 汉族, 群众, 大学本科.
    assert_eq!(s.people.len(), 2);
    let p = &s.totals.people;
    assert_eq!(p.total, 2);
    assert_eq!((p.sex.male, p.sex.female), (2, 0));
    assert_eq!(p.age.up_to_35, 2);
    assert_eq!(p.education.bachelor, 2);
    assert_eq!(p.ethnicity.han, 2);
    assert_eq!(p.political.masses, 2);
    // The workbook: four sheets.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.xlsx");
    s.workbook().unwrap().save(&path).unwrap();
    let sheet = bianzhi_reports::xlsx::read_workbook(&path, Some("表3 实有人员情况")).unwrap();
    // The reader takes the first row (the title) as its header row.
    assert_eq!(sheet.headers[0], "机构编制统计年报　表3 实有人员情况");
    let text: Vec<String> = sheet
        .rows
        .iter()
        .take(3)
        .map(|(_, r)| r.first().map(|c| c.text()).unwrap_or_default())
        .collect();
    assert_eq!(
        text,
        ["统计时点：2024-12-31", "制表单位：盐城市盐都区", "编制类型"]
    );
}

#[test]
fn people_are_counted_by_every_dimension() {
    let mut l = fixture();
    let who = |n: u16, birth: &str, sex: Sex, edu: &str, eth: &str, pol: &str| {
        let mut p = person(&format!("人员{n}"), n);
        p.id_number = idn_born(birth, n, sex);
        p.education = edu.into();
        p.ethnicity = eth.into();
        p.political = pol.into();
        p.identity = StaffIdentity::CivilServant;
        Op::RegisterExisting {
            person: None,
            account: ad(BUREAU),
            body: None,
            enrolled_on: d("2015-01-01"),
            details: p,
            allow_over: false,
        }
    };
    submit(
        &mut l,
        matter(
            "盐编〔2024〕9号",
            "2024-10-01",
            vec![
                who(
                    20,
                    "1989-12-31",
                    Sex::Female,
                    "硕士研究生",
                    "回族",
                    "中共预备党员",
                ),
                who(
                    21,
                    "1984-01-01",
                    Sex::Female,
                    "博士研究生",
                    "汉族",
                    "九三学社社员",
                ),
                who(
                    22,
                    "1979-06-30",
                    Sex::Male,
                    "大学专科",
                    "其他",
                    "无党派人士",
                ),
                who(23, "1974-01-01", Sex::Male, "中等专科", "满族", "共青团员"),
                who(24, "1970-12-31", Sex::Male, "普通高中", "汉族", "民革党员"),
                who(25, "1969-12-31", Sex::Female, "", "汉族", ""),
            ],
        ),
    )
    .expect("matter");
    let s = statistics::compute(&l, statistics::year_end(2024));
    check_against_ledger(&l, &s);
    let row = s.people.iter().find(|r| r.qtype == "行政编制").unwrap();
    assert_eq!(row.total, 7, "王五 and six more");
    assert_eq!((row.sex.male, row.sex.female), (4, 3));
    // Ages on 2024-12-31: 34 (王五), 35, 40, 45, 50, 54, 55.
    let a = row.age;
    assert_eq!(a.values(), [2, 1, 1, 1, 1, 1], "35岁及以下 … 55岁及以上");
    assert_eq!(row.education.values(), [2, 1, 1, 2, 1]);
    assert_eq!(row.ethnicity.values(), [4, 2, 1]);
    assert_eq!(row.political.values(), [1, 2, 1, 1, 1, 1]);
}

#[test]
fn files_of_another_version_or_date_are_refused_when_summed() {
    let l = fixture();
    let s = statistics::compute(&l, statistics::year_end(2024));
    let mut v: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
    v["version"] = 2.into();
    let e = Statistics::from_json(&v.to_string()).unwrap_err();
    assert!(matches!(e, StatError::Version { .. }), "{e}");
    assert!(e.to_string().contains("格式版本为 2"), "{e}");
    let e = Statistics::from_json("{\"a\": 1}").unwrap_err();
    assert!(e.to_string().contains("不是统计年报数据文件"), "{e}");
    // A changed figure no longer adds up.
    let mut v: serde_json::Value = serde_json::from_str(&s.to_json()).unwrap();
    v["people"][0]["sex"]["male"] = 9.into();
    let e = Statistics::from_json(&v.to_string()).unwrap_err();
    assert!(e.to_string().contains("按性别分列之和"), "{e}");

    let other = statistics::compute(&l, d("2024-06-30"));
    let up = Jurisdiction {
        code: "320900".into(),
        name: "盐城市".into(),
    };
    let e = statistics::sum(&[s.clone(), other], up.clone()).unwrap_err();
    assert!(e.to_string().contains("统计时点不一致"), "{e}");
    let e = statistics::sum(&[s.clone(), s.clone()], up.clone()).unwrap_err();
    assert!(e.to_string().contains("重复"), "{e}");
    // Two jurisdictions add up row by row.
    let mut b = s.clone();
    b.jurisdiction.code = "320902".into();
    b.includes[0].code = "320902".into();
    let sum = statistics::sum(&[s.clone(), b], up).unwrap();
    assert_eq!(sum.includes.len(), 2);
    assert_eq!(sum.totals.units.sum(), 2 * s.totals.units.sum());
    assert_eq!(sum.totals.people.total, 2 * s.totals.people.total);
    assert_eq!(sum.quotas.len(), s.quotas.len());
    assert_eq!(
        sum.quotas[0].figures.approved,
        2 * s.quotas[0].figures.approved
    );
    sum.check().unwrap();
}

#[test]
fn demo_district_adds_up() {
    let mut l = Ledger::new("320903", "盐城市盐都区");
    bianzhi_demo::build_demo(&mut l, &mut |_, _| {}).expect("the demo builds");
    for date in [d("2023-12-31"), d("2024-12-31")] {
        let s = statistics::compute(&l, date);
        check_against_ledger(&l, &s);
        assert!(s.totals.units.sum() > 10);
        assert!(s.totals.people.total > 100);
        let p = &s.totals.people;
        assert!(p.sex.male > 0 && p.sex.female > 0);
        assert!(p.age.up_to_35 > 0 && p.age.from_55 > 0, "{:?}", p.age);
    }
}

// ---------------------------------------------------------------- property

const NAMES: [&str; 5] = ["甲局", "乙中心", "丙办", "丁站", "戊所"];

#[derive(Debug, Clone)]
enum Action {
    Quota(usize, usize, usize, i32, bool),
    Register(usize, usize, usize, u16, u16, bool),
    Leave(u16),
    Posts(usize, usize, i32),
    Appoint(u16, usize),
}

#[derive(Debug, Clone)]
struct UnitSpec {
    kind: usize,
    rank: usize,
    category: Option<usize>,
}

const EDU: [&str; 8] = [
    "博士研究生",
    "硕士",
    "本科",
    "大专",
    "中专",
    "初中",
    "其他",
    "",
];
const ETH: [&str; 6] = ["汉族", "汉", "回族", "壮族", "其他", "外国血统中国籍人士"];
const POL: [&str; 9] = [
    "中共党员",
    "预备党员",
    "共青团员",
    "民盟盟员",
    "台盟盟员",
    "无党派人士",
    "群众",
    "",
    "党员",
];
/// 职数 of a unit itself (those of a 内设机构 need one).
const UNIT_POSTS: [PostKind; 3] = [PostKind::UnitChief, PostKind::UnitDeputy, PostKind::Other];
const QTYPES: [&str; 5] = [
    "行政编制",
    "政法专项编制",
    "事业编制",
    "参公事业编制",
    "工勤编制",
];
const FUNDINGS: [&str; 3] = ["全额拨款", "差额拨款", "自收自支"];

fn unit_spec() -> impl Strategy<Value = UnitSpec> {
    (
        0..UnitKind::ALL.len(),
        0..Rank::ALL.len(),
        prop::option::of(0..InstitutionCategory::ALL.len()),
    )
        .prop_map(|(kind, rank, category)| UnitSpec {
            kind,
            rank,
            category,
        })
}

fn action() -> impl Strategy<Value = Action> {
    let u = 0..NAMES.len();
    let p = 0..40u16;
    prop_oneof![
        3 => (u.clone(), 0..3usize, 0..3usize, 0..6i32, any::<bool>())
            .prop_map(|(u, q, f, n, o)| Action::Quota(u, q, f, n, o)),
        6 => (u.clone(), 0..3usize, 0..3usize, p.clone(), 0..3000u16, prop::bool::weighted(0.7))
            .prop_map(|(u, q, f, p, b, o)| Action::Register(u, q, f, p, b, o)),
        1 => p.clone().prop_map(Action::Leave),
        2 => (u, 0..UNIT_POSTS.len(), 0..3i32).prop_map(|(u, k, n)| Action::Posts(u, k, n)),
        2 => (p, 0..UNIT_POSTS.len()).prop_map(|(p, k)| Action::Appoint(p, k)),
    ]
}

/// Person `p`'s 身份证号 and details: born on one of 4000 days from 1962,
/// either sex, and 学历 / 民族 / 政治面貌 from the tables (blank included).
fn details(p: u16, b: u16) -> bianzhi_core::model::PersonDetails {
    let birth = d("1962-01-01") + chrono::Duration::days(i64::from(b) * 4);
    let sex = match b % 2 {
        0 => Sex::Male,
        _ => Sex::Female,
    };
    let mut x = person(&format!("人员{p}"), p);
    x.id_number = bianzhi_core::ident::make_id_number("320903", birth, p, sex);
    x.education = EDU[(b as usize / 3) % EDU.len()].into();
    x.ethnicity = ETH[(b as usize / 5) % ETH.len()].into();
    x.political = POL[(b as usize / 7) % POL.len()].into();
    x
}

fn build(units: &[UnitSpec], actions: &[Action]) -> Ledger {
    let mut l = Ledger::new("320903", "盐城市盐都区");
    let mut ops = Vec::new();
    for (i, u) in units.iter().enumerate() {
        let Op::CreateUnit(mut n) = create(NAMES[i], UnitKind::ALL[u.kind], None) else {
            unreachable!()
        };
        n.rank = Rank::ALL[u.rank];
        // Only a 事业单位 has a 事业单位类别.
        if n.kind == UnitKind::Institution {
            n.category = u.category.map(|c| InstitutionCategory::ALL[c]);
        }
        ops.push(Op::CreateUnit(n));
    }
    submit(&mut l, matter("盐编〔2020〕1号", "2020-01-01", ops)).expect("units");
    // Only the people of this run's ledger: a 身份证号 is registered once.
    let mut registered: std::collections::BTreeSet<u16> = Default::default();
    for (i, a) in actions.iter().enumerate() {
        let u = |k: usize| NAMES[k % units.len()];
        let op = match a.clone() {
            Action::Quota(k, q, f, n, over) => Op::SetQuota {
                account: acct_funded(u(k), qtype(units, k, q), FUNDINGS[f]),
                count: n,
                allow_over: over,
            },
            Action::Register(k, q, f, p, b, over) => {
                if registered.contains(&p) {
                    continue;
                }
                Op::RegisterExisting {
                    person: None,
                    account: acct_funded(u(k), qtype(units, k, q), FUNDINGS[f]),
                    body: None,
                    enrolled_on: d("2015-01-01"),
                    details: details(p, b),
                    allow_over: over,
                }
            }
            Action::Leave(p) if !registered.is_empty() => Op::Leave {
                person: PersonRef::IdNumber(id_of(&l, nth(&registered, p))),
                reason: LeaveReason::Retire,
            },
            Action::Posts(k, kind, n) => set_posts(u(k), UNIT_POSTS[kind], n),
            Action::Appoint(p, kind) if !registered.is_empty() => Op::Appoint {
                person: PersonRef::IdNumber(id_of(&l, nth(&registered, p))),
                body: None,
                kind: UNIT_POSTS[kind],
                title: "职务".into(),
                exempt: false,
            },
            Action::Leave(_) | Action::Appoint(..) => continue,
        };
        let reg = match a {
            Action::Register(_, _, _, p, _, _) => Some(*p),
            _ => None,
        };
        let date = d("2020-02-01") + chrono::Duration::days(20 * i as i64);
        let doc = format!("盐编〔{}〕{}号", chrono::Datelike::year(&date), i + 2);
        // A refused matter changes nothing; the run goes on.
        if submit(&mut l, matter(&doc, &date.to_string(), vec![op])).is_ok() {
            if let Some(p) = reg {
                registered.insert(p);
            }
        }
    }
    l
}

/// The `i`-th person registered (modulo their number).
fn nth(registered: &std::collections::BTreeSet<u16>, i: u16) -> u16 {
    *registered
        .iter()
        .nth(i as usize % registered.len())
        .expect("someone")
}

/// The `q`-th 编制类型 a unit of its kind may hold (of three).
fn qtype(units: &[UnitSpec], k: usize, q: usize) -> &'static str {
    let kind = UnitKind::ALL[units[k % units.len()].kind];
    let allowed: Vec<&str> = QTYPES
        .iter()
        .copied()
        .filter(|t| match *t {
            "行政编制" | "政法专项编制" => kind != UnitKind::Institution,
            "事业编制" | "参公事业编制" => !kind.is_party_or_government(),
            _ => true,
        })
        .collect();
    allowed[q % allowed.len()]
}

/// The 身份证号 person `p` was registered with.
fn id_of(l: &Ledger, p: u16) -> String {
    let name = format!("人员{p}");
    l.state()
        .persons
        .iter()
        .flatten()
        .find(|x| x.details.name == name)
        .map(|x| x.details.id_number.as_str().to_string())
        .expect("registered")
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 48, ..ProptestConfig::default() })]

    /// Over generated ledgers, at several dates: every table adds up to the
    /// ledger's totals and every dimension to its row's 人数.
    #[test]
    fn every_table_adds_up_to_the_ledger(
        units in prop::collection::vec(unit_spec(), 1..=NAMES.len()),
        actions in prop::collection::vec(action(), 1..60),
        at in prop::collection::vec(0..1300i64, 1..4),
    ) {
        let l = build(&units, &actions);
        for days in at {
            let date = d("2020-01-01") + chrono::Duration::days(days);
            let s = statistics::compute(&l, date);
            check_against_ledger(&l, &s);
        }
    }
}
