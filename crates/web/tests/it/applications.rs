//! 申请 through the API: submitted, returned, resubmitted, approved into a
//! matter; refused beyond quota with nothing changed; bad input refused before
//! anything is stored.

use axum::http::{Method, StatusCode};
use chrono::Datelike;
use serde_json::json;

use crate::fixture::*;

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

/// The approver sees, before approving, what it would do now: the
/// account's 可用空编 before → after, the plan line's balance, and the
/// ledger's refusal when it would not take it.
#[tokio::test]
async fn the_approval_screen_shows_vacancy_plan_and_dry_run() {
    let fx = Fx::new();
    let first = submitted(&fx, 21).await;
    let second = submitted(&fx, 22).await;
    let ld = sign_in(&fx, "ld").await;
    let (_, html) = page(&fx, &ld, &format!("/applications/{first}")).await;
    assert!(html.contains("id=\"check-ok\""), "{html}");
    assert!(html.contains("可用空编 1 → 0"), "{html}");
    assert!(html.contains("尚余 5 名"), "{html}");
    let n = fx.journal_len();
    let year = fx.app.today().format("%Y").to_string();
    let (s, _) = fx
        .post(
            &format!("/api/v1/applications/{first}/approve"),
            &ld.0,
            json!({"doc": format!("盐编〔{year}〕60号")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    // The second would now go beyond quota: said before anyone approves.
    let (_, html) = page(&fx, &ld, &format!("/applications/{second}")).await;
    assert!(html.contains("id=\"check-refusal\""), "{html}");
    assert!(html.contains("可用空编 0"), "{html}");
    assert!(html.contains("尚余 4 名"), "{html}");
    assert_eq!(fx.journal_len(), n + 1, "the check records nothing");
    // The unit clerk sees no such card.
    let dw = sign_in(&fx, "dw").await;
    let (_, html) = page(&fx, &dw, &format!("/applications/{second}")).await;
    assert!(!html.contains("approval-check"), "{html}");
}

/// The office chooses whether 入编 and 报到 are approved together: in two
/// steps the person waits on the 待报到 list (with the days waited); in one
/// the approval records both.
#[tokio::test]
async fn hire_and_onboard_in_one_or_two_steps() {
    let fx = Fx::new();
    let ld = fx.login("ld").await;
    let jb = sign_in(&fx, "jb").await;
    let year = fx.app.today().format("%Y").to_string();
    // Two steps (the default): approved, then waiting for 报到.
    let first = submitted(&fx, 41).await;
    let (s, v) = fx
        .post(
            &format!("/api/v1/applications/{first}/approve"),
            &ld,
            json!({"doc": format!("盐编〔{year}〕61号")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, v) = fx.get("/api/v1/people?status=pending", &ld).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
    assert_eq!(v["items"][0]["waiting_days"], 0, "{v}");
    let (_, html) = page(&fx, &jb, "/people?status=pending").await;
    assert!(html.contains("待报到 0 天"), "{html}");
    // One step: the office says so in its settings.
    let mut s = fx.app.case_settings().unwrap();
    s.0.hire_with_onboard = true;
    fx.app
        .save_case_settings(&crate::cases::office_user(), &s.0, s.1)
        .unwrap();
    // The school had one vacancy, now frozen: give it room.
    let (s2, v) = fx
        .post("/api/v1/matters", &jb.0, json!({"doc": format!("盐编〔{year}〕62号"), "effective": fx.app.today().to_string(),
            "ops": [{"op": "核增编制", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 1}]}))
        .await;
    assert_eq!(s2, StatusCode::CREATED, "{v}");
    let second = submitted(&fx, 42).await;
    let (s, v) = fx
        .post(
            &format!("/api/v1/applications/{second}/approve"),
            &ld,
            json!({"doc": format!("盐编〔{year}〕63号")}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let seq = v["matter_seq"].as_u64().unwrap();
    let (_, m) = fx.get(&format!("/api/v1/matters/{seq}"), &ld).await;
    let kinds = m["kinds"].to_string();
    assert!(kinds.contains("入编") && kinds.contains("报到"), "{m}");
    let (_, v) = fx.get("/api/v1/people?status=pending", &ld).await;
    assert_eq!(
        v["items"].as_array().unwrap().len(),
        1,
        "only the first still waits: {v}"
    );
}

/// The application list filters by type and by unit (with the units below it).
#[tokio::test]
async fn applications_filter_by_kind_and_unit() {
    let fx = Fx::new();
    let first = submitted(&fx, 51).await;
    let jb = sign_in(&fx, "jb").await;
    let count = |html: &str| html.matches("<tr><td><a href=\"/applications/").count();
    let (_, html) = page(&fx, &jb, "/applications").await;
    assert_eq!(count(&html), 1, "{html}");
    assert!(html.contains(&format!("/applications/{first}\"")));
    let (_, html) = page(&fx, &jb, "/applications?kind=leave").await;
    assert_eq!(count(&html), 0, "{html}");
    let (_, html) = page(&fx, &jb, "/applications?kind=hire").await;
    assert_eq!(count(&html), 1, "{html}");
    let (_, html) = page(
        &fx,
        &jb,
        &format!("/applications?unit={}", fx.unit("区教育局")),
    )
    .await;
    assert_eq!(count(&html), 1, "the school is under the bureau: {html}");
    let (_, html) = page(
        &fx,
        &jb,
        &format!("/applications?unit={}", fx.unit("区卫生健康委员会")),
    )
    .await;
    assert_eq!(count(&html), 0, "{html}");
}
