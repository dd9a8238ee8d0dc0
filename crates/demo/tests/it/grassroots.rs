//! The demo 三整合 records built from the demo ledger.

use std::collections::BTreeSet;
use std::sync::OnceLock;

use bianzhi_core::UnitId;
use bianzhi_demo::grassroots::{build_grassroots, usage_periods, DemoGrassroots};
use bianzhi_grassroots::evaluation::idle_delegations;
use bianzhi_grassroots::{
    metrics_by_department, metrics_by_town, overdue_list, DisputeStage, Index, Mode, OrderMetrics,
    OrderState, PlaceKind, ReportLimits, Source, WhistleId,
};
use chrono::NaiveDate;

use super::{demo, ymd};

/// The date the web server would pass.
fn today() -> NaiveDate {
    ymd(2026, 12, 4)
}

fn grassroots() -> &'static DemoGrassroots {
    static G: OnceLock<DemoGrassroots> = OnceLock::new();
    G.get_or_init(|| {
        let t = std::time::Instant::now();
        let g = build_grassroots(&demo().0, today())
            .unwrap_or_else(|e| panic!("the demo grassroots records must build: {e}"));
        eprintln!(
            "demo grassroots built in {:.2?}: {} catalogue entries, {} delegations, {} whistles, {} orders, {} usage rows",
            t.elapsed(),
            g.catalogue.entries().len(),
            g.records.delegations.all().len(),
            g.whistles.len(),
            g.orders.len(),
            g.usage.len()
        );
        g
    })
}

fn index(g: &DemoGrassroots) -> Index<'_> {
    Index::build(
        &g.catalogue,
        &g.records.territory,
        &g.records.delegations,
        &g.records.enforcement,
    )
}

fn unit(name: &str) -> UnitId {
    *demo()
        .0
        .state()
        .unit_by_name
        .get(name)
        .unwrap_or_else(|| panic!("no unit {name}"))
}

#[test]
fn catalogue_is_a_district_list() {
    let g = grassroots();
    g.catalogue.verify().unwrap();
    let items = g.catalogue.as_of(today());
    assert!(
        (200..=400).contains(&items.len()),
        "{} items in force",
        items.len()
    );
    let types: BTreeSet<_> = items.values().map(|i| i.power_type).collect();
    assert!(types.len() >= 8, "{types:?}");
    let depts: BTreeSet<_> = items.values().map(|i| i.holder).collect();
    assert!(depts.len() >= 8, "{} departments", depts.len());
    assert!(items.values().any(|i| i.parent.is_some()), "some 子项");
    assert!(items
        .values()
        .all(|i| !i.basis.is_empty() && !i.duties.is_empty() && !i.accountability.is_empty()));
    // Nothing before the list's document.
    assert!(g.catalogue.as_of(ymd(2024, 11, 30)).is_empty());
    // The territory has villages and communities under the towns.
    let t = &g.records.territory;
    assert!(t.places().any(|p| p.kind == PlaceKind::Village));
    assert!(t.places().any(|p| p.kind == PlaceKind::Community));
}

#[test]
fn delegation_batch_and_duty_lists() {
    let g = grassroots();
    let d = &g.records.delegations;
    let first = &d.batches()[0];
    assert!(first.label.starts_with("首批赋予基层"), "{}", first.label);
    assert!((40..=60).contains(&first.delegations.len()));
    // Second hops to the parks continue a town's delegation.
    assert!(d.all().iter().any(|x| x.entry.chain_parent.is_some()));
    let modes: BTreeSet<_> = d
        .all()
        .iter()
        .map(|x| format!("{:?}", x.entry.mode))
        .collect();
    assert_eq!(modes.len(), 3, "{modes:?}");
    // One 收回, from one town.
    let withdrawn: Vec<_> = d.all().iter().filter(|x| x.withdrawal.is_some()).collect();
    assert_eq!(withdrawn.len(), 1);
    let town = withdrawn[0].entry.to[0];
    let lists = d.duty_lists(&g.catalogue, &g.records.territory, town, today());
    assert!(!lists.basic.is_empty());
    assert_eq!(lists.withdrawn.len(), 1);
    // Every town has duties.
    for p in g
        .records
        .territory
        .places()
        .filter(|p| p.kind == PlaceKind::Town)
    {
        let l = d.duty_lists(&g.catalogue, &g.records.territory, p.id, today());
        assert!(
            !l.basic.is_empty() || !l.cooperating.is_empty(),
            "{}",
            p.name
        );
    }
}

#[test]
fn responsible_follows_the_batch() {
    let g = grassroots();
    let ix = index(g);
    let del = g
        .records
        .delegations
        .all()
        .iter()
        .find(|x| {
            x.entry.mode == Mode::Empower
                && x.entry.chain_parent.is_none()
                && x.withdrawal.is_none()
                && g.records
                    .enforcement
                    .concentrated_at(x.entry.item, today())
                    .is_none()
        })
        .expect("a 赋权 delegation");
    let town = del.entry.to[0];
    let body = g.records.territory.get(town).unwrap().governing.unwrap();
    let after = ix.responsible(del.entry.item, town, today()).unwrap();
    assert_eq!(after.lead, body);
    assert_eq!(after.liable, body);
    assert!(matches!(after.source, Source::Delegation { .. }));
    let before = ix
        .responsible(
            del.entry.item,
            town,
            del.entry.effective.pred_opt().unwrap(),
        )
        .unwrap();
    assert_eq!(before.lead, del.entry.from);
    assert_eq!(before.source, Source::Holder);
    // A concentrated item goes to the 综合执法 body.
    let c = &g.records.enforcement.concentrations()[0];
    assert_eq!(c.body, unit("区城市管理局"));
    let r = ix
        .responsible(c.items[0], bianzhi_grassroots::PlaceId(0), today())
        .unwrap();
    assert_eq!(r.lead, c.body);
    assert!(g.records.enforcement.items().count() >= 35);
    assert!(g
        .records
        .enforcement
        .secondments()
        .iter()
        .any(|s| matches!(s.staff, bianzhi_grassroots::Staff::Persons { .. })));
}

#[test]
fn whistles_have_an_overdue_list() {
    let g = grassroots();
    assert!(g.whistles.len() >= 25);
    for (i, w) in g.whistles.iter().enumerate() {
        assert_eq!(w.id, WhistleId(i as u32));
    }
    let now = today().and_hms_opt(23, 59, 59).unwrap();
    let overdue = overdue_list(&g.whistles, &ReportLimits::default(), now);
    assert!(!overdue.is_empty());
    let closed = g.whistles.iter().filter(|w| w.closed_at.is_some()).count();
    assert!(closed * 2 > g.whistles.len(), "{closed} closed");
    assert!(g
        .whistles
        .iter()
        .flat_map(|w| &w.assignments)
        .filter_map(|a| a.evaluation.as_ref())
        .all(|e| (60..=100).contains(&e.score)));
}

fn rate(x: Option<f64>) -> f64 {
    let r = x.expect("a rate");
    assert!((0.0..=1.0).contains(&r), "{r}");
    r
}

#[test]
fn orders_and_the_one_dispute() {
    let g = grassroots();
    assert!((120..=200).contains(&g.orders.len()));
    assert!(g.orders.iter().any(|o| o.row.item.is_none()));
    assert!(g.orders.iter().filter(|o| !o.returns.is_empty()).count() >= 3);
    let mut all = OrderMetrics::default();
    for m in metrics_by_town(&g.orders, &g.records.territory).values() {
        all.dispatched += m.dispatched;
        all.signed += m.signed;
        all.closed += m.closed;
        all.resolved += m.resolved;
        all.satisfied += m.satisfied;
        all.returned += m.returned;
    }
    assert!(rate(all.resolution_rate()) > 0.7);
    assert!(rate(all.satisfaction_rate()) > 0.6);
    rate(all.response_rate());
    rate(all.return_rate());
    for m in metrics_by_department(&g.orders).values() {
        if let Some(r) = m.response_rate() {
            assert!((0.0..=1.0).contains(&r));
        }
    }
    assert!(g.orders.iter().any(|o| o.state == OrderState::Closed));
    assert_eq!(g.disputes.cases.len(), 1);
    let case = &g.disputes.cases[0];
    assert!(case.stage.is_open());
    assert_eq!(case.stage, DisputeStage::Coordination);
    assert!(case.opinion.is_some() && case.ruling.is_none());
    assert_eq!(case.departments.len(), 2);
}

#[test]
fn idle_delegations_are_flagged() {
    let g = grassroots();
    let periods = usage_periods(today());
    assert!(periods.iter().all(|p| p.end <= today()));
    let idle = idle_delegations(&g.records.delegations, &g.usage, &periods, 2).unwrap();
    assert!(!idle.is_empty());
    assert!(idle.len() < g.records.delegations.all().len());
}

#[test]
fn grassroots_is_deterministic() {
    let a = grassroots();
    let b = build_grassroots(&demo().0, today()).unwrap();
    assert_eq!(a.catalogue.entries(), b.catalogue.entries());
    assert_eq!(format!("{:?}", a.records), format!("{:?}", b.records));
    assert_eq!(a.whistles, b.whistles);
    assert_eq!(a.orders, b.orders);
    assert_eq!(a.disputes, b.disputes);
    assert_eq!(a.usage, b.usage);
}

#[test]
fn grassroots_builds_on_other_dates() {
    for today in [ymd(2026, 3, 31), ymd(2028, 2, 29)] {
        let g = build_grassroots(&demo().0, today)
            .unwrap_or_else(|e| panic!("the records must build as of {today}: {e}"));
        assert_eq!(g.disputes.cases.len(), 1, "{today}");
        let now = today.and_hms_opt(23, 59, 59).unwrap();
        assert!(!overdue_list(&g.whistles, &ReportLimits::default(), now).is_empty());
        assert!(g
            .orders
            .iter()
            .all(|o| o.hops.iter().all(|h| h.at.date() <= today)));
        assert!(g
            .whistles
            .iter()
            .all(|w| w.history.iter().all(|e| e.at <= now)));
    }
}
