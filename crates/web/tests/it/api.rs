//! Every endpoint of `/api/v1` read with good and bad input: 4xx answers are
//! JSON `{code, message}` in Chinese; query parameters read as the document
//! types them; a unit clerk sees only their units. Each feature's writes are
//! tested in its own file (`applications.rs`, `matters.rs`, `cases.rs`, …).

use axum::http::{Method, StatusCode};
use chrono::Datelike;
use serde_json::json;

use crate::fixture::*;

#[tokio::test]
async fn read_endpoints() {
    let fx = Fx::new();
    let tok = fx.login("ck").await;
    let school = fx.unit("区实验小学");
    let (s, v) = fx.get("/api/v1/summary", &tok).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["units"], 3);
    assert_eq!(v["people"], 3);
    assert_eq!(v["total"]["approved"], 12);
    let (s, v) = fx.get("/api/v1/summary?as_of=2024-01-15", &tok).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["people"], 0, "before the people were registered");
    let (_, v) = fx.get("/api/v1/catalog", &tok).await;
    assert!(v["quota_types"].as_array().unwrap().len() >= 5);
    let (_, v) = fx.get("/api/v1/units?sort=approved&dir=desc", &tok).await;
    assert_eq!(v["items"][0]["name"], "区教育局");
    assert_eq!(v["page"]["total"], 3);
    let (_, v) = fx.get("/api/v1/units?q=syxx", &tok).await;
    assert_eq!(v["items"][0]["name"], "区实验小学", "pinyin initials");
    let (_, v) = fx.get(&format!("/api/v1/units/{school}"), &tok).await;
    assert_eq!(v["name"], "区实验小学");
    assert_eq!(v["parent"], "区教育局");
    assert_eq!(v["posts"][0]["approved"], 1);
    let row = quota(&fx, &tok, school).await;
    assert_eq!(
        (
            row["approved"].as_i64(),
            row["actual"].as_i64(),
            row["available"].as_i64()
        ),
        (Some(3), Some(2), Some(1))
    );
    let (_, v) = fx.get(&format!("/api/v1/units/{school}/posts"), &tok).await;
    assert_eq!(v["rows"][0]["label"], "单位领导正职");
    let (_, v) = fx
        .get(&format!("/api/v1/units/{school}/roster"), &tok)
        .await;
    assert_eq!(v["page"]["total"], 2);
    let masked = v["items"][0]["id_number"].as_str().unwrap();
    assert!(masked.contains("**********"), "身份证号 masked: {masked}");
    let (_, v) = fx
        .get(&format!("/api/v1/units/{school}/history"), &tok)
        .await;
    assert!(v["items"]
        .as_array()
        .unwrap()
        .iter()
        .any(|l| l["doc"] == "盐编〔2024〕1号"));
    let (_, v) = fx.get("/api/v1/people?q=wxm", &tok).await;
    assert_eq!(v["items"][0]["name"], "王小明");
    let (_, v) = fx.get(&format!("/api/v1/people?q={}", idn(2)), &tok).await;
    assert_eq!(v["items"][0]["name"], "李华");
    let pid = v["items"][0]["id"].as_u64().unwrap();
    let (_, v) = fx.get(&format!("/api/v1/people/{pid}"), &tok).await;
    assert_eq!(v["history"][0]["unit"], "区实验小学");
    let (_, v) = fx.get("/api/v1/matters?per_page=2", &tok).await;
    assert_eq!(v["page"]["total"], 3);
    assert_eq!(v["items"].as_array().unwrap().len(), 2);
    let (_, v) = fx.get("/api/v1/matters/1", &tok).await;
    assert_eq!(v["doc"], "盐编〔2024〕1号");
    let (_, v) = fx.get("/api/v1/plans", &tok).await;
    assert_eq!(v["items"][0]["remaining"], 5);
    let plan = v["items"][0]["id"].as_u64().unwrap();
    let (s, v) = fx.get(&format!("/api/v1/plans/{plan}"), &tok).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = fx.get("/api/v1/openapi.json", &tok).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["openapi"], "3.1.0");
}

#[tokio::test]
async fn bad_queries_are_clear_4xx() {
    let fx = Fx::new();
    let tok = fx.login("ck").await;
    assert_err(
        &fx.get("/api/v1/summary?as_of=2021-13-01", &tok).await,
        400,
        "bad_date",
    );
    assert_err(
        &fx.get("/api/v1/units/1/quota?as_of=20211231", &tok).await,
        400,
        "bad_date",
    );
    assert_err(&fx.get("/api/v1/units/999", &tok).await, 404, "not_found");
    assert_err(
        &fx.get("/api/v1/units/abc", &tok).await,
        422,
        "bad_parameter",
    );
    assert_err(
        &fx.get("/api/v1/units?sort=colour", &tok).await,
        422,
        "bad_parameter",
    );
    assert_err(
        &fx.get("/api/v1/people?unit=不存在的单位", &tok).await,
        422,
        "unknown_unit",
    );
    assert_err(
        &fx.get("/api/v1/people/99999", &tok).await,
        404,
        "not_found",
    );
    assert_err(
        &fx.get("/api/v1/matters/99999", &tok).await,
        404,
        "not_found",
    );
    assert_err(
        &fx.get("/api/v1/no-such-thing", &tok).await,
        404,
        "not_found",
    );
    assert_err(
        &fx.get("/api/v1/applications?status=maybe", &tok).await,
        422,
        "bad_parameter",
    );
}

#[tokio::test]
async fn unit_clerk_sees_only_own_units() {
    let fx = Fx::new();
    let tok = fx.login("dw2").await;
    let school = fx.unit("区实验小学");
    assert_err(
        &fx.get(&format!("/api/v1/units/{school}/quota"), &tok).await,
        404,
        "not_found",
    );
    let (_, v) = fx.get("/api/v1/units", &tok).await;
    assert_eq!(v["page"]["total"], 1);
    let (_, v) = fx.get("/api/v1/summary", &tok).await;
    assert_eq!(v["scoped"], true);
    assert_eq!(v["people"], 0);
}

/// Query parameters as the OpenAPI document types them (the security
/// audit's `open=-1.79e308`, and what the schema fuzz test found): a typed
/// value that is not one is refused, pages keep their lenient reading.
#[tokio::test]
async fn query_parameters_are_read_as_the_document_types_them() {
    let fx = Fx::new();
    let tok = fx.login("jb").await;
    for (uri, status, code) in [
        ("/api/v1/plans?open=-1.79e308", 422, "bad_parameter"),
        ("/api/v1/plans?open=1", 422, "bad_parameter"),
        ("/api/v1/units?over=", 422, "bad_parameter"),
        (
            "/api/v1/people?subtree=true&subtree=true",
            422,
            "bad_parameter",
        ),
        ("/api/v1/units?per_page=501", 422, "bad_parameter"),
        ("/api/v1/units?per_page=0", 422, "bad_parameter"),
        ("/api/v1/matters?page=0", 422, "bad_parameter"),
        ("/api/v1/units?sort=", 422, "bad_parameter"),
        ("/api/v1/units?dir=%20desc", 422, "bad_parameter"),
        ("/api/v1/applications?status=", 422, "bad_parameter"),
        ("/api/v1/summary?as_of=", 400, "bad_date"),
        ("/api/v1/summary?as_of=%202024-01-01", 400, "bad_date"),
        ("/api/v1/summary?as_of=+202-01-01", 400, "bad_date"),
        ("/api/v1/reports/roster?to=2024-13-01", 400, "bad_date"),
    ] {
        let r = fx.get(uri, &tok).await;
        assert_err(&r, status, code);
    }
    for uri in [
        "/api/v1/plans?open=true",
        "/api/v1/plans?open=false",
        "/api/v1/units?per_page=500&page=1&dir=desc",
        "/api/v1/summary?as_of=2024-01-01",
        "/api/v1/units?q=",
    ] {
        let (s, v) = fx.get(uri, &tok).await;
        assert_eq!(s, StatusCode::OK, "{uri}: {v}");
    }
    // Pages: a checkbox says `on`, an empty date field means today.
    let (s, _, _) = fx
        .send(
            Method::GET,
            "/plans?open=on&per_page=1000&as_of=",
            &[("cookie", &format!("bz_session={tok}"))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

/// A body must be a JSON object: serde would read a struct from an array.
#[tokio::test]
async fn a_body_that_is_not_an_object_is_refused() {
    let fx = Fx::new();
    let sec = fx.login("sec").await;
    let r = fx
        .raw(
            Method::POST,
            "/api/v1/admin/accounts/1",
            Some(&sec),
            Some(b"[null, null]".to_vec()),
        )
        .await;
    assert_err(&r, 422, "invalid_field");
    let tok = fx.login("jb").await;
    let r = fx
        .raw(
            Method::POST,
            "/api/v1/matters",
            Some(&tok),
            Some(b"[]".to_vec()),
        )
        .await;
    assert_err(&r, 422, "invalid_field");
}

/// "Today" is the application's clock (`App::today`): moving it moves the
/// default as-of date, and a matter scheduled for a later day takes effect
/// in the answers once the clock reaches it.
#[tokio::test]
async fn the_default_date_follows_the_applications_clock() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let today = fx.app.today();
    let later = today + chrono::Duration::days(10);
    let (s, v) = fx.get("/api/v1/summary", &jb).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["as_of"], today.to_string());
    let approved = v["total"]["approved"].as_i64().unwrap();
    let m = json!({"doc": format!("盐编〔{}〕77号", later.year()), "effective": later.to_string(),
        "reason": "增加教师编制（下旬生效）",
        "ops": [{"op": "increase_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 2}]});
    let (s, v) = fx.post("/api/v1/matters", &jb, m).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, v) = fx.get("/api/v1/summary", &jb).await;
    assert_eq!(v["total"]["approved"], approved, "not yet in effect: {v}");

    fx.app.advance_clock(chrono::Duration::days(10));
    assert_eq!(fx.app.today(), later);
    // Ten days idle ends the session: sign in again.
    let jb = fx.login("jb").await;
    let (s, v) = fx.get("/api/v1/summary", &jb).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["as_of"], later.to_string());
    assert_eq!(v["total"]["approved"], approved + 2, "in effect now: {v}");
}
