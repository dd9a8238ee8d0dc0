//! 沙盘推演: scenarios of draft matters tried on a copy of the ledger — the
//! journal untouched, refusals named at their draft, kept and shared within
//! the 编办, compared side by side, turned into a case, and out of reach of
//! unit clerks.

use axum::http::StatusCode;
use serde_json::{json, Value};

use crate::fixture::*;

fn merger(year: &str) -> Value {
    json!({
        "name": "两校合并方案", "note": "区第二小学并入区实验小学",
        "drafts": [
            {"effective": format!("{year}-03-01"), "reason": "设立（推演）", "ops": [
                {"op": "设立", "name": "区第二小学", "kind": "事业单位", "rank": "股级", "category": "公益一类", "parent": "区教育局"},
                {"op": "核定编制", "unit": "区第二小学", "qtype": "事业编制", "funding": "全额拨款", "count": 2}]},
            {"effective": format!("{year}-04-01"), "ops": [
                {"op": "合并", "unit": "区第二小学", "into": "区实验小学"}]},
            {"effective": format!("{year}-04-02"), "ops": [
                {"op": "核减编制", "unit": "区教育局", "qtype": "行政编制", "funding": "全额拨款", "count": 10}]}
        ]
    })
}

#[tokio::test]
async fn a_scenario_shows_what_it_would_do_and_changes_nothing() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let year = fx.app.today().format("%Y").to_string();
    let (journal, state) = {
        let db = fx.app.db();
        (db.ledger().decoded_journal().unwrap(), db.state().clone())
    };
    let (s, v) = fx.post("/api/v1/scenarios", &jb.0, merger(&year)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    let out = &v["outcome"];
    assert_eq!(out["accepted"], 2, "{out}");
    assert!(
        out["steps"][2]["refusal"]
            .as_str()
            .unwrap()
            .contains("核减"),
        "{out}"
    );
    assert!(out["steps"][0]["refusal"].is_null());
    // 实验小学 3 + 第二小学 2 after the merger; the jurisdiction's 核定 +2.
    let school = out["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|u| u["unit"] == "区实验小学")
        .unwrap();
    assert_eq!(
        (
            school["before"]["approved"].as_i64(),
            school["after"]["approved"].as_i64()
        ),
        (Some(3), Some(5))
    );
    assert_eq!(
        out["after"]["approved"].as_i64().unwrap(),
        out["before"]["approved"].as_i64().unwrap() + 2
    );
    // The real ledger: not one byte changed.
    {
        let db = fx.app.db();
        assert_eq!(db.ledger().decoded_journal().unwrap(), &journal[..]);
        assert_eq!(db.state(), &state);
    }
    // Listed, shown as a page, shared within the 编办.
    let ld = sign_in(&fx, "ld").await;
    let (_, v) = fx.get("/api/v1/scenarios", &ld.0).await;
    assert_eq!(v["items"][0]["name"], "两校合并方案", "{v}");
    let (s, html) = page(&fx, &ld, &format!("/scenarios/{id}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("id=\"refusal-3\"") && html.contains("区第二小学"),
        "{html}"
    );
    // A unit clerk sees none of it.
    let dw = sign_in(&fx, "dw").await;
    let (s, _) = fx.get("/api/v1/scenarios", &dw.0).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = page(&fx, &dw, &format!("/scenarios/{id}")).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, html) = page(&fx, &dw, "/").await;
    assert!(!html.contains("href=\"/scenarios\""), "no menu entry");
}

#[tokio::test]
async fn scenarios_are_edited_compared_turned_into_a_case_and_deleted() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let year = fx.app.today().format("%Y").to_string();
    let (_, v) = fx.post("/api/v1/scenarios", &jb.0, merger(&year)).await;
    let first = v["id"].as_i64().unwrap();
    // A second scenario through the pages: abolish instead of merging.
    let (s, loc, body) = form(
        &fx,
        &jb,
        "/scenarios",
        &[("name", "撤销方案"), ("note", "")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let second: i64 = loc.trim_start_matches("/scenarios/").parse().unwrap();
    let (_, html) = page(
        &fx,
        &jb,
        &format!("/scenarios/{second}/add?op=increase_quota"),
    )
    .await;
    assert!(html.contains("o0-count"), "{html}");
    let version = fx
        .app
        .scenario(&crate::cases::office_user(), second)
        .unwrap()
        .1
        .to_string();
    let (s, loc, body) = form(
        &fx,
        &jb,
        &format!("/scenarios/{second}/add"),
        &[
            ("version", &version),
            ("effective", &format!("{year}-05-01")),
            ("n", "1"),
            ("op0", "increase_quota"),
            ("o0.unit", "区卫生健康委员会"),
            ("o0.qtype", "行政编制"),
            ("o0.funding", "全额拨款"),
            ("o0.count", "3"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert!(loc.contains("added=1"));
    // Saved from a stale form: refused, nothing added.
    let (s, _, _) = form(
        &fx,
        &jb,
        &format!("/scenarios/{second}/add"),
        &[("version", &version), ("effective", &format!("{year}-05-01")), ("ops_json", r#"{"op": "核增编制", "unit": "区卫生健康委员会", "qtype": "行政编制", "funding": "全额拨款", "count": 1}"#), ("action", "save")],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
    let (_, v) = fx.get(&format!("/api/v1/scenarios/{second}"), &jb.0).await;
    assert_eq!(v["scenario"]["drafts"].as_array().unwrap().len(), 1, "{v}");
    // Side by side with today.
    let (s, html) = page(
        &fx,
        &jb,
        &format!("/scenarios/compare?s1={first}&s2={second}"),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains("两校合并方案") && html.contains("撤销方案"),
        "{html}"
    );
    // Turned into a case: a 动议 carrying the operations.
    let version = v["version"].as_i64().unwrap();
    let (s, v) = fx
        .post(
            &format!("/api/v1/scenarios/{second}/case"),
            &jb.0,
            json!({"version": version}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let case = v["case_id"].as_i64().unwrap();
    let (s, html) = page(&fx, &jb, &format!("/cases/{case}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("撤销方案"), "{html}");
    let (_, v) = fx.get(&format!("/api/v1/scenarios/{second}"), &jb.0).await;
    assert_eq!(v["scenario"]["case_id"], case);
    // Deleted: gone from the list and the page.
    let version = v["version"].as_i64().unwrap();
    let (s, _, _) = form(
        &fx,
        &jb,
        &format!("/scenarios/{second}/delete"),
        &[("version", &version.to_string())],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _) = page(&fx, &jb, &format!("/scenarios/{second}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, v) = fx.get("/api/v1/scenarios", &jb.0).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1);
    // The audit trail names them in words.
    let aud = fx.login("aud").await;
    let (_, v) = fx
        .get(&format!("/api/v1/audit?q={}", enc("沙盘推演")), &aud)
        .await;
    let text = v.to_string();
    assert!(
        text.contains("转为动议") && text.contains("删除沙盘推演"),
        "{text}"
    );
}
