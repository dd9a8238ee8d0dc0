//! Every endpoint of `/api/v1`, with good and bad input: 4xx answers are JSON
//! `{code, message}` in Chinese, and a refused write changes nothing.

use axum::http::{Method, StatusCode};
use chrono::Datelike;
use serde_json::{json, Value};

use crate::fixture::{idn, Fx};

fn hire(unit: u32, n: u16, plan: u64) -> Value {
    json!({"kind": "hire", "unit": unit, "name": format!("新人{n}"), "id_number": idn(100 + n),
           "qtype": "事业编制", "funding": "全额拨款", "plan_line": plan, "identity": "事业人员", "reason": "公开招聘"})
}

fn assert_err(r: &(StatusCode, Value), status: u16, code: &str) {
    assert_eq!(r.0.as_u16(), status, "{}", r.1);
    assert_eq!(r.1["code"], code, "{}", r.1);
    let msg = r.1["message"].as_str().unwrap_or("");
    assert!(
        msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "message not Chinese: {msg}"
    );
}

async fn quota(fx: &Fx, tok: &str, unit: u32) -> Value {
    let (s, v) = fx.get(&format!("/api/v1/units/{unit}/quota"), tok).await;
    assert_eq!(s, StatusCode::OK);
    v["rows"][0].clone()
}

#[tokio::test]
async fn sign_in_me_and_sign_out() {
    let fx = Fx::new();
    let r = fx.raw(Method::GET, "/api/v1/me", None, None).await;
    assert_err(&r, 401, "unauthorized");
    let r = fx
        .raw(
            Method::POST,
            "/api/v1/session",
            None,
            Some(br#"{"login":"ld","password":"wrong"}"#.to_vec()),
        )
        .await;
    assert_err(&r, 401, "bad_credentials");
    let r = fx
        .raw(
            Method::POST,
            "/api/v1/session",
            None,
            Some(br#"{"login":"ld""#.to_vec()),
        )
        .await;
    assert_err(&r, 400, "malformed_json");
    let tok = fx.login("dw").await;
    let (s, me) = fx.get("/api/v1/me", &tok).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(me["role"], "unit_clerk");
    assert_eq!(me["unit"], "区教育局");
    let (s, _) = fx
        .raw(Method::DELETE, "/api/v1/session", Some(&tok), None)
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_err(&fx.get("/api/v1/me", &tok).await, 401, "unauthorized");
}

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

#[tokio::test]
async fn hire_application_submitted_returned_resubmitted_approved() {
    let fx = Fx::new();
    let dw = fx.login("dw").await;
    let jb = fx.login("jb").await;
    let ld = fx.login("ld").await;
    let school = fx.unit("区实验小学");
    let (_, plans) = fx.get("/api/v1/plans", &dw).await;
    let plan = plans["items"][0]["id"].as_u64().unwrap();
    let (s, a) = fx
        .post("/api/v1/applications", &dw, hire(school, 1, plan))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{a}");
    assert_eq!(a["status"], "submitted");
    let id = a["id"].as_i64().unwrap();
    // Only office staff return, only the leader approves.
    assert_err(
        &fx.post(
            &format!("/api/v1/applications/{id}/approve"),
            &dw,
            json!({"doc": "盐编〔2026〕9号"}),
        )
        .await,
        403,
        "forbidden",
    );
    assert_err(
        &fx.post(
            &format!("/api/v1/applications/{id}/approve"),
            &jb,
            json!({"doc": "盐编〔2026〕9号"}),
        )
        .await,
        403,
        "forbidden",
    );
    assert_err(
        &fx.post(
            &format!("/api/v1/applications/{id}/return"),
            &jb,
            json!({"comment": ""}),
        )
        .await,
        422,
        "missing_field",
    );
    let (s, v) = fx
        .post(
            &format!("/api/v1/applications/{id}/return"),
            &jb,
            json!({"comment": "请补充学历"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "returned");
    assert_err(
        &fx.post(
            &format!("/api/v1/applications/{id}/approve"),
            &ld,
            json!({"doc": "盐编〔2026〕9号"}),
        )
        .await,
        409,
        "invalid_state",
    );
    let mut again = hire(school, 1, plan);
    again["education"] = json!("大学本科");
    let (s, v) = fx
        .post(&format!("/api/v1/applications/{id}/resubmit"), &dw, again)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "submitted");
    assert_err(
        &fx.post(
            &format!("/api/v1/applications/{id}/approve"),
            &ld,
            json!({"doc": "盐编2026"}),
        )
        .await,
        422,
        "bad_doc_no",
    );
    assert_err(
        &fx.post(
            &format!("/api/v1/applications/{id}/approve"),
            &ld,
            json!({"doc": "盐编〔2026〕9号", "effective": "2026/03/01"}),
        )
        .await,
        400,
        "bad_date",
    );
    let before = fx.journal_len();
    let year = fx.app.today().year();
    let (s, v) = fx
        .post(
            &format!("/api/v1/applications/{id}/approve"),
            &ld,
            json!({"doc": format!("盐编〔{year}〕9号")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "approved");
    assert_eq!(fx.journal_len(), before + 1);
    let seq = v["matter_seq"].as_u64().unwrap();
    let (_, m) = fx.get(&format!("/api/v1/matters/{seq}"), &ld).await;
    assert_eq!(m["kinds"][0], "入编");
    let row = quota(&fx, &dw, school).await;
    assert_eq!(
        (row["frozen"].as_i64(), row["available"].as_i64()),
        (Some(1), Some(0))
    );
    let (_, list) = fx.get("/api/v1/applications?status=approved", &dw).await;
    assert_eq!(list["page"]["total"], 1);
    let (_, one) = fx.get(&format!("/api/v1/applications/{id}"), &dw).await;
    let actions: Vec<&str> = one["events"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(
        actions,
        ["submitted", "returned", "resubmitted", "approved"]
    );
    // Another unit's clerk cannot see it.
    let dw2 = fx.login("dw2").await;
    assert_err(
        &fx.get(&format!("/api/v1/applications/{id}"), &dw2).await,
        404,
        "not_found",
    );
}

#[tokio::test]
async fn beyond_quota_is_refused_and_nothing_changes() {
    let fx = Fx::new();
    let dw = fx.login("dw").await;
    let ld = fx.login("ld").await;
    let school = fx.unit("区实验小学");
    let (_, plans) = fx.get("/api/v1/plans", &dw).await;
    let plan = plans["items"][0]["id"].as_u64().unwrap();
    let year = fx.app.today().year();
    let mut ids = Vec::new();
    for n in 1..=2 {
        let (s, a) = fx
            .post("/api/v1/applications", &dw, hire(school, n, plan))
            .await;
        assert_eq!(s, StatusCode::CREATED, "{a}");
        ids.push(a["id"].as_i64().unwrap());
    }
    let (s, v) = fx
        .post(
            &format!("/api/v1/applications/{}/approve", ids[0]),
            &ld,
            json!({"doc": format!("盐编〔{year}〕20号")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let before_q = quota(&fx, &dw, school).await;
    let before_j = fx.journal_len();
    let r = fx
        .post(
            &format!("/api/v1/applications/{}/approve", ids[1]),
            &ld,
            json!({"doc": format!("盐编〔{year}〕21号")}),
        )
        .await;
    assert_err(&r, 422, "no_vacancy");
    let msg = r.1["message"].as_str().unwrap();
    assert!(
        msg.contains("区实验小学") && msg.contains("可用空编 0"),
        "{msg}"
    );
    assert_eq!(fx.journal_len(), before_j, "nothing recorded");
    assert_eq!(quota(&fx, &dw, school).await, before_q, "quota unchanged");
    let (_, a) = fx
        .get(&format!("/api/v1/applications/{}", ids[1]), &dw)
        .await;
    assert_eq!(a["status"], "submitted", "stays pending");
    assert!(a["note"].as_str().unwrap().contains("可用空编"), "{a}");
    // The clerk withdraws it.
    let (s, v) = fx
        .post(
            &format!("/api/v1/applications/{}/withdraw", ids[1]),
            &dw,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], "withdrawn");
}

#[tokio::test]
async fn bad_applications_are_refused_before_storing() {
    let fx = Fx::new();
    let dw = fx.login("dw").await;
    let ld = fx.login("ld").await;
    let school = fx.unit("区实验小学");
    let wjw = fx.unit("区卫生健康委员会");
    let post = |b: &'static [u8]| {
        fx.raw(
            Method::POST,
            "/api/v1/applications",
            Some(&dw),
            Some(b.to_vec()),
        )
    };
    assert_err(&post(b"{not json").await, 400, "malformed_json");
    assert_err(&post(b"").await, 400, "malformed_json");
    assert_err(
        &post(br#"{"kind": "hire", "plan_line": "three"}"#).await,
        422,
        "invalid_field",
    );
    assert_err(&post(br#"{"kind": "fire"}"#).await, 422, "invalid_field");
    assert_err(
        &post(br#"{"kind": "hire", "colour": 1}"#).await,
        422,
        "invalid_field",
    );
    let mut h = hire(school, 1, 0);
    h["unit"] = json!("不存在的单位");
    assert_err(
        &fx.post("/api/v1/applications", &dw, h).await,
        422,
        "unknown_unit",
    );
    assert_err(
        &fx.post("/api/v1/applications", &dw, hire(wjw, 1, 0)).await,
        422,
        "unknown_unit",
    );
    let mut h = hire(school, 1, 0);
    h["id_number"] = json!("320903199005010001");
    assert_err(
        &fx.post("/api/v1/applications", &dw, h).await,
        422,
        "bad_id_number",
    );
    let mut h = hire(school, 1, 0);
    h["effective"] = json!("2026-02-30");
    assert_err(
        &fx.post("/api/v1/applications", &dw, h).await,
        400,
        "bad_date",
    );
    let mut h = hire(school, 1, 0);
    h.as_object_mut().unwrap().remove("name");
    assert_err(
        &fx.post("/api/v1/applications", &dw, h).await,
        422,
        "missing_field",
    );
    assert_err(
        &fx.post("/api/v1/applications", &dw, hire(school, 1, 999))
            .await,
        422,
        "unknown_plan_line",
    );
    assert_err(
        &fx.post("/api/v1/applications", &ld, hire(school, 1, 0))
            .await,
        403,
        "forbidden",
    );
    let leave = json!({"kind": "leave", "unit": school, "person": idn(3), "leave_reason": "退休"});
    assert_err(
        &fx.post("/api/v1/applications", &dw, leave).await,
        422,
        "person_not_in_unit",
    );
    let leave = json!({"kind": "leave", "unit": school, "person": idn(1), "leave_reason": "放假"});
    assert_err(
        &fx.post("/api/v1/applications", &dw, leave).await,
        422,
        "bad_leave_reason",
    );
    let (_, list) = fx.get("/api/v1/applications", &dw).await;
    assert_eq!(list["page"]["total"], 0, "nothing stored");
    // The other kinds are accepted.
    for body in [
        json!({"kind": "leave", "unit": school, "person": idn(1), "leave_reason": "退休"}),
        json!({"kind": "appoint", "unit": school, "person": idn(2), "post_kind": "单位领导正职", "title": "校长"}),
        json!({"kind": "correct", "unit": school, "person": idn(2), "name": "李桦"}),
        json!({"kind": "transfer", "person": idn(3), "to_unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "plan_line": 0}),
    ] {
        let (s, v) = fx.post("/api/v1/applications", &dw, body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
    }
}

#[tokio::test]
async fn office_records_matters_directly() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let dw = fx.login("dw").await;
    let school = fx.unit("区实验小学");
    let ok = json!({"doc": "盐编〔2025〕3号", "effective": "2025-03-01", "reason": "增加教师编制",
        "ops": [{"op": "increase_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 2}]});
    assert_err(
        &fx.post("/api/v1/matters", &dw, ok.clone()).await,
        403,
        "forbidden",
    );
    let (s, v) = fx.post("/api/v1/matters", &jb, ok).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["doc"], "盐编〔2025〕3号");
    assert_eq!(quota(&fx, &jb, school).await["approved"], 5);
    let n = fx.journal_len();
    let bad = [
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": [{"op": "decrease_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 4}]}),
            422,
            "below_usage",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": [{"op": "increase_quota", "unit": "区不存在局", "qtype": "行政编制", "funding": "全额拨款", "count": 1}]}),
            422,
            "unknown_unit",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": [{"op": "increase_quota", "unit": "区实验小学", "qtype": "行政编制", "funding": "全额拨款", "count": 1}]}),
            422,
            "class_forbidden",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": [{"op": "increase_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": "两"}]}),
            422,
            "invalid_field",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": [{"op": "make_coffee"}]}),
            422,
            "invalid_field",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": []}),
            422,
            "missing_field",
        ),
        (
            json!({"doc": "无文号", "effective": "2025-03-02", "ops": [{"op": "fund_pool", "qtype": "事业编制", "count": 1}]}),
            422,
            "bad_doc_no",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "03/02/2025", "ops": [{"op": "fund_pool", "qtype": "事业编制", "count": 1}]}),
            400,
            "bad_date",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "ops": []}),
            422,
            "missing_field",
        ),
    ];
    for (body, status, code) in bad {
        let r = fx.post("/api/v1/matters", &jb, body).await;
        assert_err(&r, status, code);
    }
    assert_eq!(fx.journal_len(), n, "nothing recorded");
    assert_eq!(quota(&fx, &jb, school).await["approved"], 5);
}

#[tokio::test]
async fn cookie_writes_need_the_csrf_header() {
    let fx = Fx::new();
    let (s, v) = fx
        .raw(
            Method::POST,
            "/api/v1/session",
            None,
            Some(br#"{"login":"jb","password":"secret-1"}"#.to_vec()),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let tok = v["token"].as_str().unwrap();
    let csrf = v["csrf"].as_str().unwrap();
    let body = serde_json::to_vec(&json!({"comment": "x"})).unwrap();
    let send = |with: bool| {
        let mut req = axum::http::Request::builder()
            .method("POST")
            .uri("/api/v1/applications/1/return")
            .header("cookie", format!("bz_session={tok}"))
            .header("content-type", "application/json");
        if with {
            req = req.header("x-csrf-token", csrf);
        }
        let req = req.body(axum::body::Body::from(body.clone())).unwrap();
        tower::ServiceExt::oneshot(fx.router.clone(), req)
    };
    assert_eq!(send(false).await.unwrap().status(), StatusCode::FORBIDDEN);
    assert_eq!(
        send(true).await.unwrap().status(),
        StatusCode::NOT_FOUND,
        "passes CSRF, then no such application"
    );
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
