//! In the browser, 三整合 on the demo: a park blows an 应急 whistle on two
//! items; the departments `responsible` suggests are called; all but one
//! report in time, the late one shows on the 总览 as overdue, reports, and
//! every department acts and finishes; the park evaluates each and closes.
//! Then a 12345 order imported by the office is routed to its holder,
//! returned by it, re-routed and returned again, which opens a 职责争议
//! case; the office takes it through 协调 to a decision that moves the item
//! to another holder in the 权责清单 from the decision's date. Screenshots
//! go to `target/screenshots/`.

use bianzhi_core::UnitId;
use bianzhi_grassroots::{suggest_departments, ItemId, PlaceKind};
use bianzhi_reports::{xlsx, Cell, Table};
use bianzhi_store::NewUser;
use bianzhi_web::auth::{hash_password, User};
use fantoccini::Locator;

use crate::chrome::{Browser, Demo};

const PW: &str = "bumen-test-2026";

fn user(app: &bianzhi_web::state::App, login: &str) -> User {
    let rec = app.wf().user_by_login(login).unwrap().unwrap();
    User::from_record(&rec, "s", "c").unwrap()
}

/// A clerk of `unit` for the test; answers the login.
fn clerk(app: &bianzhi_web::state::App, unit: UnitId) -> String {
    let login = format!("bm{}", unit.0);
    if app.wf().user_by_login(&login).unwrap().is_none() {
        app.wf()
            .create_user(&NewUser {
                login: login.clone(),
                display_name: format!("部门经办{}", unit.0),
                role: "unit_clerk".into(),
                unit: Some(unit.0),
                password_hash: hash_password(PW).unwrap(),
            })
            .unwrap();
    }
    login
}

async fn as_user(b: &Browser, login: &str, pw: &str) {
    b.goto("/login").await;
    if b.c.find(Locator::Id("login")).await.is_err() {
        b.sign_out().await;
    }
    b.sign_in(login, pw).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_park_whistle_and_a_disputed_order_in_the_browser() {
    let demo = Demo::build();
    let app = demo.app.clone();
    let yq = user(&app, "yuanqu");
    let park_unit = UnitId(yq.unit.expect("the park clerk's unit").0);
    let today = app.today();
    let (d, _) = app.grassroots().unwrap();
    let park = d.territory.governed_by(park_unit).expect("the park").id;
    let index = d.index();
    // Two items at the park whose holders are departments, with different
    // holders: the whistle calls at least two departments.
    let mut items: Vec<ItemId> = Vec::new();
    let mut leads: Vec<UnitId> = Vec::new();
    for item in d.catalogue.as_of(today).values() {
        if !d.catalogue.is_leaf_at(item.id, today) {
            continue;
        }
        let s = suggest_departments(&index, &d.territory, park, &[item.id], park, today);
        if let Some(&lead) = s.first() {
            if !leads.contains(&lead) {
                leads.push(lead);
                items.push(item.id);
            }
        }
        if items.len() == 2 {
            break;
        }
    }
    assert_eq!(items.len(), 2, "two items with departments at the park");
    let depts = suggest_departments(&index, &d.territory, park, &items, park, today);
    assert!(depts.len() >= 2, "{depts:?}");
    let names: Vec<String> = {
        let db = app.db();
        depts.iter().map(|u| db.state().unit_name(*u)).collect()
    };
    let logins: Vec<String> = depts.iter().map(|u| clerk(&app, *u)).collect();
    let Some(b) = Browser::start(app.clone()).await else {
        return;
    };

    // The park raises an 应急 whistle with the suggested departments.
    as_user(&b, "yuanqu", "yuanqu-2024").await;
    b.goto("/grassroots/whistles/new").await;
    b.select("kind", "emergency").await;
    for i in &items {
        b.select("item", &i.0.to_string()).await;
    }
    b.fill("description", "园区化工企业储罐区疑似泄漏，需立即处置")
        .await;
    b.click("suggest", "suggested").await;
    for u in &depts {
        assert!(
            b.c.find(Locator::Id(&format!("dept-{}", u.0)))
                .await
                .is_ok(),
            "{} suggested",
            u.0
        );
    }
    b.shot("g0-whistle-suggested").await;
    b.click("raise", "done").await;
    let url = b.c.current_url().await.unwrap();
    let id: i64 = url
        .path()
        .trim_start_matches("/grassroots/whistles/")
        .parse()
        .unwrap();
    let page = format!("/grassroots/whistles/{id}");

    // Every department but the last reports in time, each by its own clerk.
    let late = depts.len() - 1;
    for (k, u) in depts.iter().enumerate().take(late) {
        as_user(&b, &logins[k], PW).await;
        b.goto(&page).await;
        b.click(&format!("report-{}", u.0), "done").await;
    }
    // Half an hour on, the last has not: the 总览 shows it overdue.
    app.advance_clock(chrono::Duration::minutes(31));
    as_user(&b, "jingban", "jingban-2024").await;
    b.goto("/").await;
    let overdue = b.text("#whistle-overdue-list").await;
    assert!(overdue.contains(&names[late]), "{overdue}");
    for n in &names[..late] {
        assert!(!overdue.contains(n.as_str()), "{n} reported: {overdue}");
    }
    b.shot("g1-overview-overdue").await;

    // The late one reports; everyone acts and finishes.
    for (k, u) in depts.iter().enumerate() {
        as_user(&b, &logins[k], PW).await;
        b.goto(&page).await;
        if k == late {
            b.click(&format!("report-{}", u.0), "done").await;
        }
        b.click(&format!("act-{}", u.0), "done").await;
        b.click(&format!("done-{}", u.0), "done").await;
    }
    // The park evaluates each department and closes.
    as_user(&b, "yuanqu", "yuanqu-2024").await;
    b.goto(&page).await;
    let late_cell = b
        .text(&format!("#dept-row-{} .timeliness", depts[late].0))
        .await;
    assert_eq!(late_cell, "超时");
    for (k, u) in depts.iter().enumerate() {
        b.fill(
            &format!("score-{}", u.0),
            if k == late { "60" } else { "95" },
        )
        .await;
        b.fill(
            &format!("comment-{}", u.0),
            if k == late {
                "报到超时"
            } else {
                "响应迅速"
            },
        )
        .await;
        b.click(&format!("evaluate-{}", u.0), "done").await;
    }
    b.click("close", "done").await;
    let h1 = b.text("h1").await;
    assert!(h1.contains("归档"), "{h1}");
    b.shot("g2-whistle-closed").await;
    let (d, _) = app.grassroots().unwrap();
    let w = app
        .whistle(&user(&app, "jingban"), &d, id)
        .unwrap()
        .rec
        .whistle;
    assert!(w.closed_at.is_some());
    assert!(w.assignments.iter().all(|a| a.evaluation.is_some()));
    let limits = app.whistle_limits().unwrap();
    assert_eq!(w.reported_on_time(depts[late], &limits), Some(false));
    assert_eq!(w.reported_on_time(depts[0], &limits), Some(true));

    // A 12345 order on an item no order was returned on, at a town where a
    // department holds it.
    let (ds, _) = app.disputes().unwrap();
    let cases_before = ds.cases.len();
    let returned: Vec<ItemId> = app
        .order_batches()
        .unwrap()
        .into_iter()
        .flat_map(|(_, _, b)| b.orders)
        .filter(|o| !o.returns.is_empty())
        .filter_map(|o| o.row.item)
        .collect();
    let town = d
        .territory
        .places()
        .find(|p| p.kind == PlaceKind::Town)
        .unwrap()
        .clone();
    let index = d.index();
    let (item, first) = d
        .catalogue
        .as_of(today)
        .values()
        .filter(|i| d.catalogue.is_leaf_at(i.id, today) && !returned.contains(&i.id))
        .find_map(|i| {
            let r = index.responsible(i.id, town.id, today).ok()?;
            (Some(r.lead) != town.governing && r.support.is_empty()).then(|| (i.clone(), r.lead))
        })
        .expect("an item a department holds at the town");
    let second = *depts.iter().find(|u| **u != first).unwrap();
    let (first_name, second_name) = {
        let db = app.db();
        (db.state().unit_name(first), db.state().unit_name(second))
    };
    let mut t = Table::new("12345工单", &bianzhi_reports::workorders::COLUMNS);
    t.rows.push(
        [
            "GD20261204001",
            &format!("{today} 09:20"),
            &town.name,
            "",
            "村口河道有人夜间倾倒建筑垃圾",
            &item.code,
            "",
            "一般",
        ]
        .iter()
        .map(|c| {
            if c.is_empty() {
                Cell::Empty
            } else {
                Cell::text(*c)
            }
        })
        .collect(),
    );
    let file = demo.dir.path().join("12345工单.xlsx");
    std::fs::write(
        &file,
        xlsx::workbook(&[&t]).unwrap().save_to_buffer().unwrap(),
    )
    .unwrap();
    as_user(&b, "jingban", "jingban-2024").await;
    b.goto("/grassroots/orders").await;
    b.c.find(Locator::Id("orders-file"))
        .await
        .unwrap()
        .send_keys(&file.to_string_lossy())
        .await
        .unwrap();
    b.click("orders-import", "done").await;
    let order = "/grassroots/orders/GD20261204001";
    b.goto(order).await;
    assert_eq!(b.text("#order-assignee").await, first_name);

    // The holder returns it; the office re-routes it; the second returns it too.
    as_user(&b, &clerk(&app, first), PW).await;
    b.goto(order).await;
    b.fill("return-basis", "依据三定规定，该事项不属本单位职责")
        .await;
    b.click("return", "done").await;
    as_user(&b, "jingban", "jingban-2024").await;
    b.goto(order).await;
    b.select("reassign-to", &second.0.to_string()).await;
    b.fill("reassign-reason", "按属地和行业管理改派").await;
    b.click("reassign", "done").await;
    as_user(&b, &clerk(&app, second), PW).await;
    b.goto(order).await;
    b.fill("return-basis", "本单位无此项执法权").await;
    b.click("return", "done").await;
    let done = b.text("#done").await;
    assert!(done.contains("职责争议"), "{done}");
    b.shot("g3-order-returned-twice").await;

    // The office takes the case through 协调 to a decision.
    as_user(&b, "jingban", "jingban-2024").await;
    b.goto("/grassroots/disputes").await;
    let case = format!("/grassroots/disputes/{cases_before}");
    b.goto(&case).await;
    assert!(b.text("#dispute-item").await.contains(&item.name));
    b.fill("escalate-reason", "两部门均认为不属本部门职责")
        .await;
    b.click("escalate", "done").await;
    b.fill(
        "opinion-text",
        &format!("建议由{second_name}承担，{first_name}配合"),
    )
    .await;
    b.click("opinion", "done").await;
    b.fill("decide-doc", "盐都政办〔2026〕30号").await;
    b.set_value("decide-effective", &today.to_string()).await;
    b.select("decide-holder", &second.0.to_string()).await;
    b.fill("decide-text", "该事项自决定之日起由承接部门承担")
        .await;
    b.click("decide", "done").await;
    let done = b.text("#done").await;
    assert!(done.contains("已记入权责清单"), "{done}");
    b.shot("g4-dispute-decided").await;

    // The 权责清单 shows the new holder from the date, the old one before.
    let row = |html: String| html;
    b.goto(&format!("/grassroots?q={}", item.code)).await;
    let now_row = row(b.text("#catalogue-table tbody").await);
    assert!(now_row.contains(&second_name), "{now_row}");
    let yesterday = today.pred_opt().unwrap();
    b.goto(&format!("/grassroots?q={}&as_of={yesterday}", item.code))
        .await;
    let before = b.text("#catalogue-table tbody").await;
    assert!(
        before.contains(&first_name) && !before.contains(&second_name),
        "{before}"
    );
    b.shot("g5-catalogue-as-of").await;

    // The demo's other 三整合 pages, as the office sees them.
    for (path, id, shot) in [
        ("/grassroots/delegations", "duty-lists", "g6-delegations"),
        ("/grassroots/enforcement", "secondments", "g7-enforcement"),
        (
            "/grassroots/whistles/stats",
            "stats-table",
            "g8-whistle-stats",
        ),
        ("/grassroots/orders", "orders-table", "g9-orders"),
        (
            "/grassroots/orders/metrics",
            "metrics-xlsx",
            "g10-order-metrics",
        ),
    ] {
        b.goto(path).await;
        assert!(
            b.c.find(Locator::Id(id)).await.is_ok(),
            "{path}: {}",
            b.text("main").await
        );
        b.shot(shot).await;
    }
    b.goto("/grassroots/delegations").await;
    let page = b.text("main").await;
    assert!(
        page.contains("首批赋予基层") && page.contains("基本履职事项"),
        "{page}"
    );
}
