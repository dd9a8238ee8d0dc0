//! In the browser, as the 编办 plans a reform: a scenario merging two 事业单位
//! (their people move with them), a second that abolishes one of them
//! instead (its people taken over by the other), the two compared with
//! today, and the first turned into a 动议. The ledger never changes. Then
//! the district's 自然减员预测 and the 周转池's projected inflow.
//! Screenshots go to `target/screenshots/`.

use bianzhi_core::catalog::UnitKind;

use crate::chrome::{Browser, Demo};

/// A scenario made through the pages with one operation: its page's URL.
async fn scenario_with(b: &Browser, name: &str, op: &str, fields: &[(&str, &str)]) -> String {
    b.goto("/scenarios").await;
    b.fill("scenario-name", name).await;
    b.click("scenario-create", "scenario-title").await;
    let url = b.c.current_url().await.unwrap().to_string();
    b.click("scenario-add", "matter-form").await;
    b.select("add_op", op).await;
    b.click("matter-add", "o0-unit").await;
    for (id, v) in fields {
        b.fill(id, v).await;
    }
    b.click("draft-save", "done").await;
    url
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn two_reform_scenarios_are_compared_and_one_becomes_a_case() {
    let demo = Demo::build();
    let app = demo.app.clone();
    let Some(b) = Browser::start(app.clone()).await else {
        return;
    };
    // Two 事业单位 under one parent, both with people.
    let (a, c, people) = {
        let db = app.db();
        let st = db.state();
        let staffed = |u: bianzhi_core::UnitId| {
            st.persons
                .iter()
                .flatten()
                .filter(|p| {
                    p.placement.unit == u
                        && p.placement.status == bianzhi_core::model::PersonStatus::Active
                })
                .count()
        };
        let units: Vec<_> = st
            .units
            .iter()
            .flatten()
            .filter(|u| u.kind == UnitKind::Institution && u.is_active() && staffed(u.id) > 0)
            .collect();
        let (x, y) = units
            .iter()
            .enumerate()
            .find_map(|(i, x)| {
                units[i + 1..]
                    .iter()
                    .find(|y| y.parent == x.parent && y.parent.is_some())
                    .map(|y| (x, y))
            })
            .expect("two staffed 事业单位 under one parent");
        (x.name.clone(), y.name.clone(), staffed(y.id))
    };
    let journal = app.db().ledger().journal_len();
    b.sign_in("jingban", "jingban-2024").await;

    // 1. Merge: c into a.
    let merge = scenario_with(
        &b,
        "合并方案",
        "merge_unit",
        &[("o0-unit", &c), ("o0-into", &a)],
    )
    .await;
    let result = b.text("#scenario-result").await;
    assert!(result.contains("1 件可以办理"), "{result}");
    let moved = b.text("#people-changes").await;
    assert!(moved.contains(&a), "people move into {a}: {moved}");
    b.shot("80-推演-合并方案").await;

    // 2. Abolish c instead, its people taken over by a.
    let abolish = scenario_with(
        &b,
        "撤销方案",
        "abolish_unit",
        &[("o0-unit", &c), ("o0-remap-to", &a)],
    )
    .await;
    assert!(b.text("#scenario-result").await.contains("1 件可以办理"));
    b.shot("81-推演-撤销方案").await;

    // 3. Compared side by side with today.
    let id_of = |u: &str| u.rsplit('/').next().unwrap().to_string();
    b.goto(&format!(
        "/scenarios/compare?s1={}&s2={}",
        id_of(&merge),
        id_of(&abolish)
    ))
    .await;
    let table = b.text("#compare").await;
    assert!(
        table.contains("合并方案") && table.contains("撤销方案"),
        "{table}"
    );
    b.shot("82-推演-比较").await;

    // 4. The merger becomes a 动议 in 事项办理.
    b.c.goto(&merge).await.unwrap();
    b.click("scenario-to-case", "case-stage").await;
    assert!(b.text("main").await.contains("合并方案"));
    b.shot("83-推演-转为动议").await;
    b.c.goto(&merge).await.unwrap();
    b.c.find(fantoccini::Locator::Id("scenario-case-link"))
        .await
        .unwrap();

    // 自然减员预测 of the district: the chart and the pool's inflow.
    b.goto("/forecast").await;
    b.c.find(fantoccini::Locator::Css("#forecast-totals"))
        .await
        .unwrap();
    b.shot("84-自然减员预测").await;
    b.goto("/instruments?tab=pool").await;
    b.c.find(fantoccini::Locator::Id("pool-inflow"))
        .await
        .unwrap();

    // The ledger itself never changed.
    assert_eq!(app.db().ledger().journal_len(), journal);
    assert!(people > 0);
}
