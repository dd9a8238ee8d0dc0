//! Integration tests of bianzhi-demo: the demo district and the synthetic
//! province-scale journal.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::OnceLock;

use bianzhi_core::catalog::{StaffIdentity, UnitKind, UnitStatus};
use bianzhi_core::ident::parse_id_number;
use bianzhi_core::model::{AccountKey, PersonStatus};
use bianzhi_core::{query, Ledger, Op, State, UnitId};
use bianzhi_demo::{build_demo, synthetic_province, DemoSummary};
use chrono::{NaiveDate, Timelike};

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A built demo: the ledger, its summary and the progress calls.
type Built = (Ledger, DemoSummary, Vec<(usize, usize)>);

fn build() -> Built {
    let mut ledger = Ledger::new("320903", "盐城市盐都区");
    let mut calls = Vec::new();
    let t = std::time::Instant::now();
    let summary = build_demo(&mut ledger, &mut |done, total| calls.push((done, total)))
        .unwrap_or_else(|e| panic!("the demo district must build: {e}"));
    eprintln!(
        "demo built in {:.2?}: {} matters, {} people enrolled",
        t.elapsed(),
        summary.matters,
        summary.people_enrolled
    );
    (ledger, summary, calls)
}

/// The demo, built once for the tests that only read it.
fn demo() -> &'static Built {
    static DEMO: OnceLock<Built> = OnceLock::new();
    DEMO.get_or_init(build)
}

fn unit(st: &State, name: &str) -> UnitId {
    *st.unit_by_name
        .get(name)
        .unwrap_or_else(|| panic!("unit {name} should exist"))
}

fn is_department(kind: UnitKind) -> bool {
    !matches!(
        kind,
        UnitKind::Institution
            | UnitKind::Town
            | UnitKind::Subdistrict
            | UnitKind::ParkCommittee
            | UnitKind::Other
    )
}

#[test]
fn demo_has_the_size_of_a_district() {
    let (ledger, s, _) = demo();
    let st = ledger.state();
    let enrolled = st
        .persons
        .iter()
        .flatten()
        .filter(|p| p.placement.is_enrolled())
        .count();
    assert_eq!(enrolled, s.people_enrolled);
    assert!(
        (10_200..=13_800).contains(&enrolled),
        "about 12,000 people enrolled, got {enrolled}"
    );
    let active: Vec<_> = st
        .units
        .iter()
        .flatten()
        .filter(|u| u.is_active())
        .collect();
    let institutions = active
        .iter()
        .filter(|u| u.kind == UnitKind::Institution)
        .count();
    let departments = active.iter().filter(|u| is_department(u.kind)).count();
    assert!(institutions >= 250, "{institutions} 事业单位");
    assert!(departments >= 40, "{departments} 区直部门");
    assert_eq!(institutions, s.institutions);
    assert_eq!(departments, s.departments);
    for k in [
        UnitKind::Town,
        UnitKind::Subdistrict,
        UnitKind::ParkCommittee,
    ] {
        assert!(s.units_by_kind.get(&k).copied().unwrap_or(0) >= 2, "{k:?}");
    }
    assert_eq!(s.units_by_kind[&UnitKind::Town], 8);
    assert_eq!(s.units_by_kind[&UnitKind::Subdistrict], 6);
    assert_eq!(s.matters, ledger.journal().len());
    assert!(
        (1_000..50_000).contains(&s.matters),
        "a few thousand matters, got {}",
        s.matters
    );
    assert_eq!(s.date_range.0, ymd(2019, 1, 1));
    assert!(s.date_range.1 >= ymd(2024, 12, 1) && s.date_range.1 <= ymd(2024, 12, 31));
    // The biggest employers are the schools.
    let edu = unit(st, "区教育局");
    let edu_people: usize = query::subtree(st, edu, ymd(2024, 12, 31))
        .into_iter()
        .map(|u| st.roster(u).len())
        .sum();
    assert!(
        edu_people * 2 > enrolled,
        "education {edu_people} of {enrolled}"
    );
    // Every kind of operation of the yearly cycle is there.
    let labels: BTreeSet<&str> = ledger
        .journal()
        .iter()
        .flat_map(|(_, m)| m.ops.iter().map(|o| o.label()))
        .collect();
    for l in [
        "设立",
        "挂牌",
        "摘牌",
        "设立内设机构",
        "合并",
        "更名",
        "调整规格",
        "划转",
        "设置控编模式",
        "核定编制",
        "核增编制",
        "核减编制",
        "划转编制",
        "锁定编制",
        "解锁编制",
        "核定领导职数",
        "下达用编计划",
        "入编",
        "报到",
        "撤回入编",
        "出编",
        "调动",
        "任职",
        "免职",
        "关键信息更正",
        "存量人员登记",
        "变更登记事项",
    ] {
        assert!(labels.contains(l), "no {l} in the demo");
    }
}

#[test]
fn demo_has_the_2021_events() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    let (end2020, end2021) = (ymd(2020, 12, 31), ymd(2021, 12, 31));

    let wgl = unit(st, "区文化广电和旅游局");
    assert_eq!(
        st.unit(wgl).unwrap().short_name.as_deref(),
        Some("区文广旅局")
    );
    let names = |id, d| query::unit_at(st, id, d).unwrap().second_names.clone();
    assert!(names(wgl, end2021).contains(&"区文物局".to_string()));
    assert!(!names(wgl, end2020).contains(&"区文物局".to_string()));
    assert_eq!(st.unit_by_name["区文物局"], wgl);

    let nyj = unit(st, "区农业农村局");
    assert!(names(nyj, end2021).contains(&"区乡村振兴局".to_string()));
    assert!(!names(nyj, end2020).contains(&"区乡村振兴局".to_string()));

    for name in [
        "区未成年人救助保护中心",
        "区粮食物资和储备服务中心",
        "区教育人才储备中心",
        "区职工服务中心",
        "区事业单位登记服务中心",
        "区民族宗教服务中心",
        "盐城市东进路小学",
        "盐城市东进路初级中学",
        "区中医院",
    ] {
        let u = st.unit(unit(st, name)).unwrap();
        assert_eq!(u.kind, UnitKind::Institution, "{name}");
        assert_eq!(u.established.format("%Y").to_string(), "2021", "{name}");
        assert!(!st.roster(u.id).is_empty(), "{name} has staff");
    }
    assert_eq!(
        st.unit(unit(st, "区未成年人救助保护中心")).unwrap().parent,
        Some(unit(st, "区民政局"))
    );

    // The 镇（街道）三定: every 镇属 station abolished into the 综合服务中心, empty.
    let towns: Vec<UnitId> = st
        .units
        .iter()
        .flatten()
        .filter(|u| matches!(u.kind, UnitKind::Town | UnitKind::Subdistrict))
        .map(|u| u.id)
        .collect();
    assert_eq!(towns.len(), 14);
    let mut stations = 0;
    for u in st.units.iter().flatten() {
        let in_town = u.parent.is_some_and(|p| towns.contains(&p));
        if !in_town || u.kind != UnitKind::Institution || u.name.ends_with("综合服务中心") {
            continue;
        }
        if u.established.format("%Y").to_string() != "2019" {
            continue;
        }
        stations += 1;
        assert_eq!(u.status, UnitStatus::Abolished, "{}", u.name);
        assert_eq!(u.abolished_on, Some(ymd(2021, 6, 30)), "{}", u.name);
        assert!(st.roster(u.id).is_empty(), "{} still has people", u.name);
        assert!(query::roster_at(st, u.id, end2021).is_empty());
        assert!(
            !query::roster_at(st, u.id, end2020).is_empty(),
            "{} had staff",
            u.name
        );
        let into = st.unit(u.merged_into.expect("merged")).unwrap();
        assert!(
            into.name.ends_with("综合服务中心"),
            "{} → {}",
            u.name,
            into.name
        );
        assert!(into.is_active());
        for a in st.unit_accounts(u.id) {
            assert!(a.counts.is_zero(), "{} keeps quota", u.name);
        }
    }
    assert!(stations >= 50, "{stations} stations");

    // 高新区 separated from 盐龙街道.
    let gx = st
        .unit(unit(st, "盐城高新技术产业开发区管理委员会"))
        .unwrap();
    assert_eq!(gx.kind, UnitKind::ParkCommittee);
    assert!(st.roster(gx.id).len() >= 10);
    let yl = unit(st, "盐龙街道");
    let xz = st
        .quota_types
        .iter()
        .find(|q| q.name == "行政编制")
        .unwrap()
        .id;
    let key = AccountKey {
        unit: yl,
        qtype: xz,
        funding: st.funding_forms[0].id,
    };
    let before = query::account_at(st, &key, end2020).unwrap().0.approved;
    let after = query::account_at(st, &key, end2021).unwrap().0.approved;
    assert!(after < before, "盐龙街道 行政编制 {before} → {after}");
    let gx_key = AccountKey { unit: gx.id, ..key };
    assert!(query::account_at(st, &gx_key, end2021).unwrap().0.approved >= before - after);

    // 行政复议体制改革 and the 2021 退役士兵安置 lines.
    let sf = st.unit(unit(st, "区司法局")).unwrap();
    assert!(sf.bodies.iter().any(|b| b.name == "行政复议科"));
    let veteran_2021 = st
        .plan_lines
        .iter()
        .flatten()
        .filter(|l| l.year == 2021 && l.channel.label() == "退役士兵安置")
        .count();
    assert!(
        veteran_2021 >= 5,
        "{veteran_2021} 退役士兵安置 lines in 2021"
    );
}

#[test]
fn accounts_below_zero_are_digesting() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    for a in st.accounts.values() {
        if a.counts.available() < 0 {
            assert!(
                a.digesting,
                "{} {}",
                st.unit_name(a.key.unit),
                st.account_label(&a.key)
            );
        }
    }
    // Also at every point of every account's history.
    for (key, hist) in &st.history.accounts {
        for (d, (c, digesting)) in hist {
            assert!(
                c.available() >= 0 || *digesting,
                "{} on {d}",
                st.unit_name(key.unit)
            );
        }
    }
    // The demo shows 超编消化 both at 建账 and at the end.
    let at = |d| query::rollup(st, d, None).digesting_accounts;
    assert!(
        at(ymd(2019, 1, 1)) >= 4,
        "digesting at 建账: {}",
        at(ymd(2019, 1, 1))
    );
    assert!(at(ymd(2024, 12, 31)) >= 1);
    // A few units are 仅预警, and the warnings are recorded.
    let warned: Vec<&str> = ledger
        .journal()
        .iter()
        .flat_map(|(_, m)| m.warnings.iter().map(|w| w.as_str()))
        .collect();
    assert!(warned.iter().any(|w| w.contains("仅预警")));
    assert!(warned
        .iter()
        .any(|w| w.contains("统一社会信用代码校验位不符")));
    assert!(st
        .units
        .iter()
        .flatten()
        .any(|u| u.control == bianzhi_core::catalog::ControlMode::WarnOnly));
}

#[test]
fn demo_is_deterministic() {
    let (ledger, summary, _) = demo();
    let (again, summary2, _) = build();
    assert_eq!(summary, &summary2);
    assert_eq!(ledger.journal().len(), again.journal().len());
    for ((s1, m1), (s2, m2)) in ledger.journal().iter().zip(again.journal()) {
        assert_eq!(s1, s2);
        assert_eq!(m1, m2, "matter {s1} differs");
    }
}

#[test]
fn demo_people_are_valid() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    let mut seen = BTreeSet::new();
    for p in st.persons.iter().flatten() {
        let d = &p.details;
        let parsed = parse_id_number(d.id_number.as_str())
            .unwrap_or_else(|e| panic!("{} {}: {e}", d.name, d.id_number.as_str()));
        assert_eq!(parsed, d.id_number);
        assert!(
            seen.insert(d.id_number.as_str().to_string()),
            "duplicate number"
        );
        let n = d.name.chars().count();
        assert!((2..=4).contains(&n), "{}", d.name);
        assert!(!d.ethnicity.is_empty() && !d.political.is_empty() && !d.education.is_empty());
        assert!(!d.position.is_empty() && !d.post_grade.is_empty());
        let ws = d.work_start.expect("参加工作时间");
        let age_at_work = bianzhi_demo::people::age_on(d.birth(), ws);
        assert!(
            (16..=40).contains(&age_at_work),
            "{} started at {age_at_work}",
            d.name
        );
        let qtype = st.qtype_name(p.placement.qtype);
        let expected = match qtype.as_str() {
            "行政编制" | "政法专项编制" => StaffIdentity::CivilServant,
            "参公事业编制" => StaffIdentity::ReferenceCivilServant,
            "工勤编制" => StaffIdentity::Worker,
            _ => StaffIdentity::InstitutionStaff,
        };
        assert_eq!(d.identity, expected, "{} in {qtype}", d.name);
        if p.placement.is_enrolled() {
            let age = bianzhi_demo::people::age_on(d.birth(), ymd(2024, 12, 31));
            assert!((21..=60).contains(&age), "{} is {age}", d.name);
        }
        if let PersonStatus::Left(r) = p.placement.status {
            assert!(!r.label().is_empty());
        }
    }
    assert!(seen.len() > 12_000);
}

#[test]
fn demo_journal_is_plausible() {
    let (ledger, _, calls) = demo();
    let j = ledger.journal();
    let mut last_number: BTreeMap<(String, u16), u32> = BTreeMap::new();
    for w in j.windows(2) {
        assert!(
            w[0].1.effective <= w[1].1.effective,
            "effective dates in order"
        );
        assert!(
            w[0].1.recorded_at < w[1].1.recorded_at,
            "recorded times increase"
        );
    }
    for (seq, m) in j {
        assert_eq!(m.recorded_at.nanosecond(), 0, "whole seconds");
        let lag = (m.recorded_at.date_naive() - m.effective).num_days();
        assert!(
            (1..=30).contains(&lag),
            "matter {seq} recorded {lag} days after"
        );
        assert_eq!(m.doc.raw, m.doc.to_string(), "文号 in normal form");
        assert_eq!(i32::from(m.doc.year), chrono::Datelike::year(&m.effective));
        let k = (m.doc.agency.clone(), m.doc.year);
        let prev = last_number.insert(k, m.doc.number).unwrap_or(0);
        assert!(m.doc.number > prev, "{} after number {prev}", m.doc);
        assert!(m.actor.contains('·'), "{}", m.actor);
        assert!(!m.reason.is_empty() && !m.reason.is_ascii());
    }
    for agency in ["盐编", "盐编发", "盐编办", "盐政发", "盐委", "盐人社发"] {
        assert!(last_number.keys().any(|(a, _)| a == agency), "{agency}");
    }
    // Progress was reported after every matter.
    assert_eq!(calls.len(), j.len());
    assert!(calls
        .iter()
        .enumerate()
        .all(|(i, (d, t))| *d == i + 1 && t >= d));
}

#[test]
fn demo_replays_to_the_same_state() {
    let (ledger, _, _) = demo();
    let replayed = bianzhi_core::replay(
        &State::new("320903", "盐城市盐都区"),
        ledger.journal().iter().map(|(s, m)| (*s, m)),
    )
    .expect("the journal replays");
    assert!(
        replayed == *ledger.state(),
        "replay differs from the live state"
    );
}

#[test]
fn demo_builds_into_any_sink() {
    // A sink that counts what it records, over an in-memory ledger.
    struct Counting {
        inner: Ledger,
        ops: usize,
    }
    impl bianzhi_core::MatterSink for Counting {
        fn state(&self) -> &State {
            self.inner.state()
        }
        fn record(
            &mut self,
            draft: bianzhi_core::Matter,
        ) -> Result<bianzhi_core::Matter, bianzhi_core::RecordError> {
            self.ops += draft.ops.len();
            self.inner.record(draft)
        }
    }
    let mut sink = Counting {
        inner: Ledger::new("320903", "盐城市盐都区"),
        ops: 0,
    };
    let s = build_demo(&mut sink, &mut |_, _| {}).unwrap();
    assert_eq!(s.operations, sink.ops);
    assert_eq!(&s, &demo().1);
}

#[test]
fn synthetic_province_applies_cleanly() {
    let matters = synthetic_province(200, 20_000, 1);
    assert_eq!(matters, synthetic_province(200, 20_000, 1), "deterministic");
    assert_ne!(matters, synthetic_province(200, 20_000, 2));
    let mut st = State::new("320000", "江苏省");
    for (i, m) in matters.iter().enumerate() {
        st.apply(i as u64 + 1, m)
            .unwrap_or_else(|e| panic!("synthetic matter {} ({}) refused: {e}", i + 1, m.reason));
    }
    let people = st.persons.iter().flatten().count();
    assert!(people >= 20_000, "{people}");
    let enrolled = st
        .persons
        .iter()
        .flatten()
        .filter(|p| p.placement.is_enrolled())
        .count();
    assert!(enrolled >= 20_000, "{enrolled} enrolled");
    assert_eq!(st.units.iter().flatten().count(), 200);
    assert!(matters.windows(2).all(|w| w[0].effective <= w[1].effective));
    let years: BTreeSet<i32> = matters
        .iter()
        .map(|m| chrono::Datelike::year(&m.effective))
        .collect();
    assert!(years.len() >= 4, "{years:?}");
    let labels: BTreeSet<&str> = matters
        .iter()
        .flat_map(|m| m.ops.iter().map(|o| o.label()))
        .collect();
    for l in [
        "设立",
        "核定编制",
        "下达用编计划",
        "存量人员登记",
        "入编",
        "报到",
        "出编",
        "调动",
        "任职",
    ] {
        assert!(labels.contains(l), "no {l}");
    }
    assert!(labels.len() >= 15, "{labels:?}");
    // Already resolved: no names, every new record carries its id.
    for m in &matters {
        for op in &m.ops {
            match op {
                Op::CreateUnit(nu) => assert!(nu.id.is_some()),
                Op::Hire { person, .. } | Op::RegisterExisting { person, .. } => {
                    assert!(person.is_some())
                }
                Op::ApprovePlanLine { line, unit, .. } => {
                    assert!(line.is_some());
                    assert!(matches!(unit, bianzhi_core::UnitRef::Id(_)));
                }
                _ => {}
            }
        }
    }
}

#[test]
fn synthetic_province_small_inputs() {
    assert!(synthetic_province(0, 100, 1).is_empty());
    for (units, people) in [(1, 0), (1, 30), (7, 500), (30, 1_000)] {
        let matters = synthetic_province(units, people, 3);
        let mut st = State::new("320000", "江苏省");
        for (i, m) in matters.iter().enumerate() {
            st.apply(i as u64 + 1, m)
                .unwrap_or_else(|e| panic!("{units}/{people}: matter {} refused: {e}", i + 1));
        }
        assert_eq!(st.units.iter().flatten().count(), units);
        assert!(st.persons.iter().flatten().count() >= people);
    }
}
