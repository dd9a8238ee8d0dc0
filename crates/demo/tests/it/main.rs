//! Integration tests of bianzhi-demo: the demo district and the synthetic
//! province-scale journal.

use std::collections::{BTreeMap, BTreeSet};
use std::sync::{Mutex, OnceLock};

use bianzhi_core::catalog::{LeaveReason, StaffIdentity, UnitKind, UnitStatus};
use bianzhi_core::ident::parse_id_number;
use bianzhi_core::model::{AccountKey, BridgeSource, Counts, GrantKind, PersonStatus, PoolAccount};
use bianzhi_core::query::view_at;
use bianzhi_core::{query, Ledger, Matter, Op, QuotaTypeId, State, UnitId};
use bianzhi_demo::{build_demo, synthetic_province, DemoSummary};
use chrono::{Datelike, NaiveDate, Timelike};

mod grassroots;
mod registration;

fn ymd(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A built demo: the ledger, its summary and the progress calls.
type Built = (Ledger, DemoSummary, Vec<(usize, usize)>);

/// The journal of a ledger built in memory, decoded (every matter of such a
/// ledger is held decoded), kept for the rest of the test run.
fn journal(l: &Ledger) -> &'static [(bianzhi_core::Seq, Matter)] {
    type Cached = Vec<(usize, usize, &'static [(bianzhi_core::Seq, Matter)])>;
    static CACHE: Mutex<Cached> = Mutex::new(Vec::new());
    let key = (l as *const Ledger as usize, l.journal_len());
    let mut cache = CACHE.lock().unwrap();
    let same = |j: &[(bianzhi_core::Seq, Matter)]| {
        j.iter()
            .zip(l.entries())
            .all(|((s, m), e)| *s == e.seq && m.effective == e.effective && m.doc == e.doc)
    };
    if let Some((_, _, j)) = cache.iter().find(|(a, n, j)| (*a, *n) == key && same(j)) {
        return j;
    }
    let j: &'static [_] = Box::leak(l.decoded_journal().unwrap().into_boxed_slice());
    cache.push((key.0, key.1, j));
    j
}

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
    assert_eq!(s.matters, ledger.journal_len());
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
    let labels: BTreeSet<&str> = journal(ledger)
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
    let warned: Vec<&str> = journal(ledger)
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
    assert_eq!(ledger.journal_len(), again.journal_len());
    for ((s1, m1), (s2, m2)) in journal(ledger).iter().zip(journal(&again)) {
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
        assert_canonical(d);
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

/// 民族, 政治面貌 and 学历 are the canonical names of their code tables
/// (blank 政治面貌 and 学历 allowed), as a recorded matter keeps them.
fn assert_canonical(d: &bianzhi_core::model::PersonDetails) {
    use bianzhi_core::codes;
    for (value, table) in [
        (&d.ethnicity, &codes::ETHNICITY),
        (&d.political, &codes::POLITICAL),
        (&d.education, &codes::EDUCATION),
    ] {
        assert!(
            (value.is_empty() && table.name != "民族")
                || table
                    .lookup(value)
                    .is_some_and(|c| c.name == value.as_str()),
            "{} {}“{value}” is not a canonical name",
            d.name,
            table.name
        );
    }
}

#[test]
fn demo_journal_is_plausible() {
    let (ledger, _, calls) = demo();
    let j = journal(ledger);
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
        journal(ledger).iter().map(|(s, m)| (*s, m)),
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
    // Applied without the resolver, so generated as the canonical names.
    for p in st.persons.iter().flatten() {
        assert_canonical(&p.details);
    }
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

// ----------------------------------------------------------------------
// The quota instruments of the source document (DOMAIN §3)
// ----------------------------------------------------------------------

fn qtype(st: &State, name: &str) -> QuotaTypeId {
    st.quota_types
        .iter()
        .find(|q| q.name == name)
        .unwrap_or_else(|| panic!("quota type {name}"))
        .id
}

/// The 周转池 of 事业编制 as of `d`.
fn pool_at(st: &State, d: NaiveDate) -> PoolAccount {
    let q = qtype(st, "事业编制");
    let v = view_at(st, d);
    query::pools_at(&v, d)
        .into_iter()
        .find(|(t, _)| *t == q)
        .map(|(_, p)| p)
        .unwrap_or_default()
}

/// An account's numbers as of `d` (zero before it existed).
fn counts_at(st: &State, key: &AccountKey, d: NaiveDate) -> Counts {
    let v = view_at(st, d);
    query::account_at(&v, key, d)
        .map(|(c, _)| c)
        .unwrap_or_default()
}

fn prev(d: NaiveDate) -> NaiveDate {
    d.pred_opt().unwrap()
}

fn matters_on(ledger: &Ledger, d: NaiveDate) -> impl Iterator<Item = &Matter> {
    journal(ledger)
        .iter()
        .map(|(_, m)| m)
        .filter(move |m| m.effective == d)
}

/// Whether a natural departure (退休, 死亡, 辞职 …) of someone in `unit`
/// was recorded on `d`; with `retire`, a 退休 only.
fn natural_departure(ledger: &Ledger, unit: UnitId, d: NaiveDate, retire: bool) -> bool {
    let st = ledger.state();
    matters_on(ledger, d)
        .flat_map(|m| &m.ops)
        .any(|op| match op {
            Op::Leave {
                person: bianzhi_core::PersonRef::Id(p),
                reason,
            } => {
                reason.is_natural_attrition()
                    && (!retire || *reason == LeaveReason::Retire)
                    && query::placement_at(st, *p, prev(d)).is_some_and(|pl| pl.unit == unit)
            }
            _ => false,
        })
}

const END: (i32, u32, u32) = (2024, 12, 31);

#[test]
fn demo_uses_every_instrument() {
    let (ledger, _, _) = demo();
    let labels: BTreeSet<&str> = journal(ledger)
        .iter()
        .flat_map(|(_, m)| m.ops.iter().map(|o| o.label()))
        .collect();
    for l in [
        "核减收回",
        "收回撤并单位编制",
        "撤销",
        "周转池借出",
        "归还周转编制",
        "过桥调动",
        "承兑编制",
        "动态编制",
        "核定人员控制总量",
        "备案人员登记",
        "定向入编",
    ] {
        assert!(labels.contains(l), "no {l} in the demo");
    }
    // Every instrument matter is dated 2021–2024, carries its own 文号 and a
    // reason, and was recorded a few days after it took effect.
    let mut docs = BTreeSet::new();
    for (_, m) in journal(ledger) {
        let instrument = m.ops.iter().any(|o| {
            matches!(
                o,
                Op::Reclaim { .. }
                    | Op::ReclaimUnitQuotas { .. }
                    | Op::Lend { .. }
                    | Op::ReturnLoan { .. }
                    | Op::BridgeTransfer { .. }
                    | Op::GrantPhased { .. }
                    | Op::GrantDynamic { .. }
                    | Op::SetStaffCap { .. }
                    | Op::RegisterFiled { .. }
                    | Op::DirectedEnrol { .. }
            )
        });
        if !instrument {
            continue;
        }
        assert!((2021..=2024).contains(&m.effective.year()), "{}", m.doc);
        assert!(docs.insert(m.doc.to_string()), "{} used twice", m.doc);
        assert!(m.reason.chars().count() >= 20, "{}: {}", m.doc, m.reason);
        let lag = (m.recorded_at.date_naive() - m.effective).num_days();
        assert!(
            (1..=10).contains(&lag),
            "{} recorded {lag} days after",
            m.doc
        );
    }
    assert!(docs.len() >= 15, "{} instrument matters", docs.len());
}

#[test]
fn reclaims_fund_the_pool() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    let sanding = ymd(2021, 6, 30);
    let reform = ymd(2022, 4, 20);
    // Nothing in the pool before the 镇 三定.
    assert_eq!(pool_at(st, prev(sanding)), PoolAccount::default());
    let reclaimed = |d: NaiveDate| -> i32 {
        matters_on(ledger, d)
            .flat_map(|m| &m.ops)
            .map(|op| match op {
                Op::Reclaim { count, .. } => *count,
                _ => 0,
            })
            .sum()
    };
    // 镇 三定: the merged stations' vacancies, exactly.
    let n = reclaimed(sanding);
    assert!(n >= 10, "{n} reclaimed by the 镇 三定");
    assert_eq!(pool_at(st, sanding).balance, n);
    // 深化事业单位改革: merges with 核减收回, and a 小散弱 unit abolished after
    // its people moved and its remaining quota was reclaimed.
    let abolished: Vec<(UnitId, i32)> = matters_on(ledger, reform)
        .flat_map(|m| {
            let moved: i32 = m
                .ops
                .iter()
                .map(|o| match o {
                    Op::TransferQuota { count, .. } => *count,
                    _ => 0,
                })
                .sum();
            m.ops.iter().filter_map(move |o| match o {
                Op::ReclaimUnitQuotas {
                    unit: bianzhi_core::UnitRef::Id(u),
                } => Some((*u, moved)),
                _ => None,
            })
        })
        .collect();
    assert_eq!(abolished.len(), 1, "one 小散弱 unit reclaimed whole");
    let (gone, moved) = abolished[0];
    let u = st.unit(gone).unwrap();
    assert_eq!(u.status, UnitStatus::Abolished);
    assert_eq!(u.abolished_on, Some(reform));
    assert!(u.merged_into.is_none(), "撤销, not 合并");
    assert!(query::roster_at(st, gone, reform).is_empty());
    assert!(!query::roster_at(st, gone, prev(reform)).is_empty());
    let before: i32 = query::quota_table(st, gone, prev(reform))
        .iter()
        .map(|r| r.counts.approved)
        .sum();
    let whole = before - moved;
    assert!(whole >= 1);
    let r = reclaimed(reform);
    assert!(r >= 1, "the merges reclaim something");
    let delta = pool_at(st, reform).balance - pool_at(st, prev(reform)).balance;
    // Departures that day may hand back 动态 slots too; nothing leaves the pool.
    assert!(delta >= r + whole, "pool +{delta}, reclaimed {r} + {whole}");
    // 市三院 “三定”: its vacancies reclaimed (one pool slot bridges a doctor in).
    let sy = qtype(st, "事业编制");
    let third = unit(st, "盐城市第三人民医院");
    let sanding3 = ymd(2021, 8, 26);
    let cut: i32 = matters_on(ledger, sanding3)
        .flat_map(|m| &m.ops)
        .map(|op| match op {
            Op::Reclaim { account, count, .. }
                if account.unit == bianzhi_core::UnitRef::Id(third) =>
            {
                *count
            }
            _ => 0,
        })
        .sum();
    assert!(cut >= 1);
    let p0 = pool_at(st, prev(sanding3));
    let p1 = pool_at(st, sanding3);
    assert!(p1.balance - p0.balance >= cut - 1);
    assert_eq!(p1.bridged - p0.bridged, 1);
    // The pool's history shows each of them.
    let hist = &st.history.pools[&sy];
    for d in [sanding, sanding3, reform] {
        assert!(hist.iter().any(|(hd, _)| *hd == d), "no pool entry on {d}");
    }
    // Pool figures are never negative, and what is out matches the loans and
    // bridges outstanding, at every date of its history.
    for (d, p) in hist {
        assert!(
            p.balance >= 0 && p.lent >= 0 && p.bridged >= 0,
            "{d}: {p:?}"
        );
        let v = view_at(st, *d);
        let lent: i32 = query::loans_at(&v, *d, false)
            .iter()
            .filter(|l| l.key.qtype == sy)
            .map(|l| l.outstanding())
            .sum();
        assert_eq!(p.lent, lent, "{d}");
        let bridged = query::bridges_at(&v, *d, false)
            .iter()
            .filter(|b| b.key.qtype == sy && b.source == BridgeSource::Pool)
            .count() as i32;
        assert_eq!(p.bridged, bridged, "{d}");
    }
}

#[test]
fn pool_loans_to_the_towns() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    let end = ymd(END.0, END.1, END.2);
    let lent_on = ymd(2021, 11, 10);
    let v = view_at(st, end);
    let loans = query::loans_at(&v, end, true);
    assert!(query::loans_at(st, prev(lent_on), true).is_empty());
    assert_eq!(query::loans_at(st, lent_on, true).len(), loans.len());
    let is_centre = |u: UnitId| st.unit_name(u).ends_with("综合服务中心");
    let is_fire = |u: UnitId| st.unit_name(u).ends_with("消防救援站");
    let safety: Vec<_> = loans.iter().filter(|l| is_centre(l.key.unit)).collect();
    let fire: Vec<_> = loans.iter().filter(|l| is_fire(l.key.unit)).collect();
    assert_eq!(safety.len(), 8, "one 安监 loan per 镇");
    assert!(fire.len() >= 2, "{} 消防 loans", fire.len());
    assert_eq!(safety.len() + fire.len(), loans.len());
    for l in &loans {
        // 区属镇用: every loan goes to a 镇 and is reported separately.
        assert!(l.town_use, "{}", st.unit_name(l.key.unit));
        let town = st
            .unit(st.unit(l.key.unit).unwrap().parent.unwrap())
            .unwrap();
        assert_eq!(town.kind, UnitKind::Town);
        assert!(l.due.is_some() && l.start == lent_on && l.doc.starts_with("盐编〔2021〕"));
        assert_eq!(counts_at(st, &l.key, prev(lent_on)).borrowed, 0);
        assert_eq!(counts_at(st, &l.key, lent_on).borrowed, l.count);
    }
    // The stations live on loaned slots: no 核定 of their own, staffed in full.
    for l in &fire {
        let after = ymd(2022, 1, 31);
        let c = counts_at(st, &l.key, after);
        assert_eq!((c.approved, c.borrowed), (0, l.count));
        assert!(c.actual >= 2, "{} staffed", st.unit_name(l.key.unit));
        assert!(!query::roster_at(st, l.key.unit, after).is_empty());
    }
    // Returned by hand: a station given its own 核定 gives the slots back.
    let returns: Vec<(NaiveDate, bianzhi_core::LoanId)> = journal(ledger)
        .iter()
        .flat_map(|(_, m)| {
            m.ops.iter().filter_map(move |o| match o {
                Op::ReturnLoan { loan, .. } => Some((m.effective, *loan)),
                _ => None,
            })
        })
        .collect();
    assert!(!returns.is_empty(), "a loan returned by hand");
    for (d, id) in &returns {
        let before = query::loans_at(st, prev(*d), true);
        let after = query::loans_at(st, *d, true);
        let b = before.iter().find(|l| l.id == *id).unwrap();
        let a = after.iter().find(|l| l.id == *id).unwrap();
        assert!(b.outstanding() > 0 && a.outstanding() == 0);
        assert!(
            !a.overdue(*d) && a.due.unwrap() > *d,
            "returned before its due date"
        );
        let c = counts_at(st, &a.key, *d);
        assert_eq!((c.approved, c.borrowed), (a.count, 0));
        assert_eq!(
            pool_at(st, *d).lent,
            pool_at(st, prev(*d)).lent - a.count,
            "back in the pool"
        );
    }
    // Returned at the due date, with nobody recording it: the slot was free.
    let hand: BTreeSet<_> = returns.iter().map(|(_, id)| *id).collect();
    let mut auto = 0;
    for l in loans.iter().filter(|l| !hand.contains(&l.id)) {
        let due = l.due.unwrap();
        if due > end {
            continue;
        }
        let at = |d| {
            query::loans_at(&view_at(st, d), d, true)
                .into_iter()
                .find(|x| x.id == l.id)
                .unwrap()
        };
        if at(prev(due)).outstanding() > 0 && at(due).outstanding() == 0 {
            auto += 1;
            let c = counts_at(st, &l.key, prev(due));
            assert!(c.available() >= l.outstanding(), "a free slot to return");
            assert!(matters_on(ledger, due)
                .all(|m| !m.ops.iter().any(|o| matches!(o, Op::ReturnLoan { .. }))));
        }
    }
    assert!(auto >= 1, "a loan returned automatically at its due date");
    // Overdue at the end: occupied past the due date, still listed.
    let overdue: Vec<_> = query::loans_at(&v, end, false)
        .into_iter()
        .filter(|l| l.overdue(end))
        .collect();
    assert!(!overdue.is_empty(), "an overdue loan at the end");
    for l in &overdue {
        let c = counts_at(st, &l.key, end);
        assert!(c.available() < l.outstanding(), "its slots are occupied");
        assert!(c.borrowed >= l.outstanding());
    }
    assert_eq!(
        pool_at(st, end).lent,
        query::loans_at(&v, end, false)
            .iter()
            .map(|l| l.outstanding())
            .sum::<i32>()
    );
}

#[test]
fn bridges_into_the_third_hospital_and_the_high_tech_zone() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    let end = ymd(END.0, END.1, END.2);
    let third = unit(st, "盐城市第三人民医院");
    let gx = unit(st, "盐城高新技术产业开发区管理委员会");
    let bridges = query::bridges_at(&view_at(st, end), end, true);
    let into = |u: UnitId| bridges.iter().filter(move |b| b.key.unit == u);
    assert!(into(third).any(|b| matches!(b.source, BridgeSource::Sender(_))));
    assert!(into(third).any(|b| b.source == BridgeSource::Pool));
    assert!(into(gx).count() >= 1);
    for b in &bridges {
        let d = b.start;
        // The person was in another unit the day before, in the receiver then.
        let was = query::placement_at(st, b.person, prev(d)).unwrap();
        let is = query::placement_at(st, b.person, d).unwrap();
        assert_ne!(was.unit, b.key.unit);
        assert_eq!(is.unit, b.key.unit);
        assert_eq!(is.status, PersonStatus::Active);
        // No vacancy in the receiver that day: that is why it is a bridge.
        let after = counts_at(st, &b.key, d);
        assert!(
            after.available() <= 0,
            "{} had room",
            st.unit_name(b.key.unit)
        );
        assert!(after.bridged >= 1);
        assert!(b.deadline > d);
        if let BridgeSource::Sender(k) = b.source {
            assert_eq!(k.unit, was.unit, "the slot travels with the person");
            assert_eq!(
                counts_at(st, &k, d).approved,
                counts_at(st, &k, prev(d)).approved - 1
            );
        }
    }
    // Written off against a natural vacancy (退休) in the receiving account.
    let written: Vec<_> = bridges.iter().filter(|b| b.written_off.is_some()).collect();
    assert!(!written.is_empty(), "a bridge written off");
    assert!(written
        .iter()
        .any(|b| { natural_departure(ledger, b.key.unit, b.written_off.unwrap(), true) }));
    for b in &written {
        let w = b.written_off.unwrap();
        assert!(natural_departure(ledger, b.key.unit, w, false));
        assert!(query::bridges_at(st, prev(w), false)
            .iter()
            .any(|x| x.id == b.id));
        assert!(!query::bridges_at(st, w, false).iter().any(|x| x.id == b.id));
        if let BridgeSource::Sender(k) = b.source {
            // The sender gets its slot back.
            assert!(counts_at(st, &k, w).approved > counts_at(st, &k, prev(w)).approved - 1);
        }
    }
    // Still outstanding at the end, counted in the receiver's 过桥编制.
    let open = query::bridges_at(st, end, false);
    assert!(!open.is_empty(), "a bridge outstanding at the end");
    for b in &open {
        let n = open.iter().filter(|x| x.key == b.key).count() as i32;
        assert_eq!(counts_at(st, &b.key, end).bridged, n);
    }
    assert!(open.iter().any(|b| b.key.unit == gx));
}

#[test]
fn phased_grants_release_on_their_dates() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    let end = ymd(END.0, END.1, END.2);
    let grants = query::grants_at(&view_at(st, end), end, true);
    for name in ["盐城市东进路小学", "盐城市东进路初级中学", "区中医院"] {
        let u = unit(st, name);
        let g = grants
            .iter()
            .find(|g| g.key.unit == u && matches!(g.kind, GrantKind::Phased { .. }))
            .unwrap_or_else(|| panic!("no 承兑 grant for {name}"));
        let GrantKind::Phased { tranches, released } = &g.kind else {
            unreachable!()
        };
        assert!(!g.from_pool);
        assert_eq!(*released, g.count, "all released by the end");
        if name != "区中医院" {
            assert_eq!(tranches.len(), 3, "{name}: three tranches");
            assert!(tranches
                .iter()
                .all(|t| (t.date.month(), t.date.day()) == (9, 1)));
            // Nobody before the first release.
            assert!(query::roster_at(st, u, prev(tranches[0].date)).is_empty());
        }
        let mut released_so_far = 0;
        for t in tranches {
            let before = counts_at(st, &g.key, prev(t.date));
            let after = counts_at(st, &g.key, t.date);
            if t.date > g.start {
                assert_eq!(
                    before.approved + before.unreleased,
                    after.approved + after.unreleased
                );
                assert_eq!(
                    after.unreleased,
                    before.unreleased - t.count,
                    "{name} {}",
                    t.date
                );
            }
            released_so_far += t.count;
            let view = view_at(st, t.date);
            let gg = query::grants_at(&view, t.date, true)
                .into_iter()
                .find(|x| x.id == g.id)
                .unwrap();
            assert_eq!(g.count - gg.outstanding(), released_so_far);
            // Hired and moved in only after the release.
            let staffed = after.actual + after.frozen;
            assert!(staffed <= after.capacity());
        }
        // 已核未下达 never hires: at every point of the account's history.
        for (d, (c, _)) in &st.history.accounts[&g.key] {
            assert!(c.actual + c.frozen <= c.capacity(), "{name} on {d}");
        }
        // The tranches replace successive 核增.
        let last = tranches.last().unwrap().date;
        assert!(!journal(ledger).iter().any(|(_, m)| m.effective <= last
            && m.ops.iter().any(|o| matches!(
                o,
                Op::IncreaseQuota { account, .. } if account.unit == bianzhi_core::UnitRef::Id(u)
            ))));
    }
    // The schools were staffed after each release.
    let school = unit(st, "盐城市东进路小学");
    let n = |d| query::roster_at(st, school, d).len();
    assert!(n(ymd(2021, 12, 31)) >= 20);
    assert!(n(ymd(2022, 12, 31)) > n(ymd(2022, 8, 31)));
    assert!(n(ymd(2023, 12, 31)) > n(ymd(2023, 8, 31)));
}

#[test]
fn dynamic_grants_come_back_one_per_departure() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    let end = ymd(END.0, END.1, END.2);
    let grants: Vec<_> = query::grants_at(&view_at(st, end), end, true)
        .into_iter()
        .filter(|g| matches!(g.kind, GrantKind::Dynamic { .. }))
        .collect();
    let names: BTreeSet<String> = grants.iter().map(|g| st.unit_name(g.key.unit)).collect();
    assert!(names.contains("区淮剧团"), "{names:?}");
    assert!(names.contains("盐城市龙冈中学"), "{names:?}");
    let edu = unit(st, "区教育局");
    for g in &grants {
        assert!(g.from_pool);
        let name = st.unit_name(g.key.unit);
        assert!(
            name == "区淮剧团" || st.unit(g.key.unit).unwrap().parent == Some(edu),
            "{name}"
        );
        // Granted from the pool: the unit's 核定 rises as the pool falls.
        let d = g.start;
        let a0 = counts_at(st, &g.key, prev(d)).approved;
        assert_eq!(counts_at(st, &g.key, d).approved, a0 + g.count);
        // Each reclaim is a natural departure in the unit that day.
        let hist = &st.history.grants[g.id.index()];
        for w in hist.windows(2) {
            let (d1, g1) = (&w[1].0, &w[1].1);
            let back = w[0].1.outstanding() - g1.outstanding();
            if back > 0 {
                assert!(
                    natural_departure(ledger, g.key.unit, *d1, false),
                    "{name}: reclaim on {d1} without a departure"
                );
                assert!(pool_at(st, *d1).balance >= back);
            }
        }
    }
    assert!(
        grants.iter().any(|g| g.outstanding() == 0),
        "a dynamic grant fully reclaimed"
    );
    assert!(
        grants.iter().any(|g| g.outstanding() > 0),
        "a dynamic grant outstanding at the end"
    );
    // The troupe and the school recruited against them.
    for name in ["区淮剧团", "盐城市龙冈中学"] {
        let u = unit(st, name);
        assert!(st.plan_lines.iter().flatten().any(|l| l.unit == u
            && l.year == 2021
            && l.channel == bianzhi_core::catalog::PlanChannel::TalentIntroduction
            && l.used >= 1));
    }
}

#[test]
fn filing_based_staff_stay_within_the_cap() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    let end = ymd(END.0, END.1, END.2);
    let mut directed = 0;
    for name in ["区人民医院", "盐城市盐都区张庄幼儿园"] {
        let u = unit(st, name);
        let hist = &st.history.staffing[&u];
        let since = hist[0].0;
        assert_eq!(since.year(), 2022);
        assert!(query::staffing_at(st, u, prev(since)).is_none());
        let s = query::staffing_at(st, u, end).unwrap();
        let cap = s.cap.expect("人员控制总量");
        assert!(s.filed >= 3, "{name}: {} 备案人员", s.filed);
        assert_eq!(query::filed_at(st, u, end).len() as i32, s.filed);
        // 编制实有 + 备案人员 ≤ 人员控制总量, month by month.
        let mut d = since;
        while d <= end {
            let s = query::staffing_at(st, u, d).unwrap();
            let enrolled: i32 = query::quota_table(st, u, d)
                .iter()
                .map(|r| r.counts.actual + r.counts.frozen)
                .sum();
            assert!(enrolled + s.filed <= cap, "{name} on {d}");
            d = d.checked_add_months(chrono::Months::new(1)).unwrap();
        }
        // 定向入编: a 备案 person takes a freed slot of the same unit.
        for m in journal(ledger).iter().map(|(_, m)| m) {
            for op in &m.ops {
                let Op::DirectedEnrol {
                    person: bianzhi_core::PersonRef::Id(p),
                    account,
                    ..
                } = op
                else {
                    continue;
                };
                if account.unit != bianzhi_core::UnitRef::Id(u) {
                    continue;
                }
                directed += 1;
                let d = m.effective;
                let was = query::placement_at(st, *p, prev(d)).unwrap();
                let is = query::placement_at(st, *p, d).unwrap();
                assert_eq!((was.unit, was.status), (u, PersonStatus::Filed));
                assert_eq!((is.unit, is.status), (u, PersonStatus::Active));
                assert_eq!(st.qtype_name(is.qtype), "事业编制");
                let key = is.key();
                assert!(
                    counts_at(st, &key, prev(d)).available() >= 1,
                    "a freed slot"
                );
                assert!(!query::filed_at(st, u, d).contains(p));
            }
        }
    }
    assert!(directed >= 1, "a 定向入编");
}

#[test]
fn instrument_matters_conserve_the_jurisdiction_total() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    // Operations that change the jurisdiction's total 核定.
    let changes = |m: &Matter| {
        m.ops.iter().any(|o| {
            matches!(
                o,
                Op::SetQuota { .. }
                    | Op::IncreaseQuota { .. }
                    | Op::DecreaseQuota { .. }
                    | Op::FundPool { .. }
                    | Op::GrantPhased {
                        from_pool: false,
                        ..
                    }
            )
        })
    };
    let mut changing: BTreeSet<NaiveDate> = BTreeSet::new();
    let mut instrument: BTreeSet<NaiveDate> = BTreeSet::new();
    for (_, m) in journal(ledger) {
        if changes(m) {
            changing.insert(m.effective);
        }
        if m.ops.iter().any(|o| {
            matches!(
                o,
                Op::Reclaim { .. }
                    | Op::ReclaimUnitQuotas { .. }
                    | Op::Lend { .. }
                    | Op::ReturnLoan { .. }
                    | Op::BridgeTransfer { .. }
                    | Op::GrantDynamic { .. }
            )
        }) {
            instrument.insert(m.effective);
        }
    }
    let total = |d| query::jurisdiction_total(&view_at(st, d), d);
    let mut d = ymd(2021, 1, 1);
    let end = ymd(END.0, END.1, END.2);
    let mut checked = 0;
    let mut prev_total = total(prev(d));
    while d <= end {
        let t = total(d);
        if !changing.contains(&d) {
            assert_eq!(t, prev_total, "total changed on {d} without a 核定 change");
            checked += 1;
        }
        prev_total = t;
        d = d.succ_opt().unwrap();
    }
    assert!(checked > 1000);
    // Most instrument dates carry nothing else that changes the total.
    let clean: Vec<_> = instrument.difference(&changing).collect();
    assert!(clean.len() >= 5, "{clean:?}");
    // The total is what the units and the pool hold.
    let v = view_at(st, end);
    let r = query::rollup(&v, end, None);
    let pools: i32 = query::pools_at(&v, end)
        .iter()
        .map(|(_, p)| p.balance)
        .sum();
    assert_eq!(
        total(end),
        r.total.approved + r.total.unreleased + r.total.borrowed + r.total.bridged + pools
    );
}

#[test]
fn instrument_accounts_below_zero_are_digesting_as_of_any_date() {
    let (ledger, _, _) = demo();
    let st = ledger.state();
    let mut dates: BTreeSet<NaiveDate> = journal(ledger)
        .iter()
        .map(|(_, m)| m.effective)
        .filter(|d| d.year() >= 2021)
        .collect();
    for g in st.grants.iter().flatten() {
        if let GrantKind::Phased { tranches, .. } = &g.kind {
            dates.extend(tranches.iter().map(|t| t.date));
        }
    }
    dates.extend(st.loans.iter().flatten().filter_map(|l| l.due));
    dates.insert(ymd(END.0, END.1, END.2));
    // Every unit an instrument touched, at every matter date and effect date.
    let mut units: BTreeSet<UnitId> = BTreeSet::new();
    units.extend(st.loans.iter().flatten().map(|l| l.key.unit));
    units.extend(st.grants.iter().flatten().map(|g| g.key.unit));
    for b in st.bridges.iter().flatten() {
        units.insert(b.key.unit);
        if let BridgeSource::Sender(k) = b.source {
            units.insert(k.unit);
        }
    }
    units.extend(st.staffing.keys().copied());
    assert!(units.len() >= 15);
    for d in &dates {
        let v = view_at(st, *d);
        for u in &units {
            for r in query::quota_table(&v, *u, *d) {
                assert!(
                    r.available >= 0 || r.digesting,
                    "{} {} on {d}: 可用空编 {}",
                    st.unit_name(*u),
                    r.qtype,
                    r.available
                );
            }
        }
    }
    // And across the whole district at the end.
    let end = ymd(END.0, END.1, END.2);
    let v = view_at(st, end);
    for u in query::units_at(&v, end) {
        for r in query::quota_table(&v, u.id, end) {
            assert!(r.available >= 0 || r.digesting, "{} {}", u.name, r.qtype);
        }
    }
}

#[test]
fn demo_units_have_sectors_and_the_school_total_holds() {
    let (l, _, _) = demo();
    let st = l.state();
    let end = st.max_effective.unwrap();
    let active: Vec<_> = query::units_at(st, end);
    let missing: Vec<&str> = active
        .iter()
        .filter(|u| u.sector.is_none())
        .map(|u| u.name.as_str())
        .collect();
    assert!(missing.is_empty(), "units without a sector: {missing:?}");
    for u in &active {
        assert!(
            bianzhi_core::codes::SECTOR
                .by_code(u.sector.as_deref().unwrap())
                .is_some(),
            "{}",
            u.name
        );
    }
    let schools: Vec<_> = active
        .iter()
        .filter(|u| u.sector.as_deref() == Some("0101"))
        .collect();
    assert!(schools.len() > 20, "{} schools", schools.len());
    assert!(schools.iter().all(|u| !u.name.contains("幼儿园")));
    let totals = query::sector_totals_at(st, end);
    assert_eq!(totals.len(), 1);
    let t = &totals[0];
    let held = query::sector_at(st, "0101", t.qtype, end).counted();
    let total = t.count.unwrap();
    assert!(
        held <= total && held * 100 >= total * 94,
        "{held} of {total}"
    );
    // Before the classification nothing had a sector total.
    assert!(query::sector_totals_at(st, ymd(2024, 1, 1)).is_empty());
}
