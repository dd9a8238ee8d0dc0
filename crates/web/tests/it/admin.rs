//! 三员: accounts (三员分立, password policy), API tokens (scope, read-only,
//! expiry, revocation), the audit trail.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::{json, Value};

use crate::fixture::*;

#[tokio::test]
async fn accounts_separation_of_duties_and_password_policy() {
    let fx = Fx::new();
    let sec = fx.login("sec").await;
    let mk = |login: &str, roles: Value, pw: &str| json!({"login": login, "name": "测试", "roles": roles, "password": pw});
    for roles in [
        json!(["security_admin", "auditor"]),
        json!(["sys_admin", "auditor"]),
        json!(["security_admin", "office_leader"]),
    ] {
        let (s, v) = fx
            .post(
                "/api/v1/admin/accounts",
                &sec,
                mk("two", roles, "Abcd-1234"),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["code"], "separation_of_duties");
        assert!(v["message"].as_str().unwrap().contains("三员分立"), "{v}");
    }
    for (pw, msg) in [
        ("Ab-1", "至少 8 位"),
        ("abcdefgh", "至少三类"),
        ("newuser-2024", "不得包含用户名"),
    ] {
        let (s, v) = fx
            .post(
                "/api/v1/admin/accounts",
                &sec,
                mk("newuser", json!(["read_only"]), pw),
            )
            .await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert!(v["message"].as_str().unwrap().contains(msg), "{pw}: {v}");
    }
    let (s, v) = fx
        .post("/api/v1/admin/accounts", &sec, json!({"login": "dw3", "name": "单位三", "roles": ["unit_clerk"], "password": "Abcd-1234"}))
        .await;
    assert_eq!(v["code"], "missing_unit", "{s} {v}");
    let (s, v) = fx
        .post(
            "/api/v1/admin/accounts",
            &sec,
            mk("newuser", json!(["read_only"]), "Abcd-1234"),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    // A second administrator role on the existing auditor is refused.
    let (_, accts) = fx.get("/api/v1/admin/accounts", &sec).await;
    let aud_id = accts
        .as_array()
        .unwrap()
        .iter()
        .find(|a| a["login"] == "aud")
        .unwrap()["id"]
        .as_i64()
        .unwrap();
    let (s, v) = fx
        .post(
            &format!("/api/v1/admin/accounts/{aud_id}"),
            &sec,
            json!({"roles": ["auditor", "sys_admin"]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("三员分立"));
    assert!(accts
        .as_array()
        .unwrap()
        .iter()
        .all(|a| a.get("password_hash").is_none()));

    // The new account signs in; a role change ends its session.
    let (s, v) = fx.try_login("newuser", "Abcd-1234", "10.0.0.1").await;
    assert_eq!(s, StatusCode::OK);
    let tok = v["token"].as_str().unwrap().to_string();
    let (s, _) = fx
        .post(
            &format!("/api/v1/admin/accounts/{id}"),
            &sec,
            json!({"roles": ["office_clerk"]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(fx.get("/api/v1/me", &tok).await.0, StatusCode::UNAUTHORIZED);
    let (_, v) = fx.try_login("newuser", "Abcd-1234", "10.0.0.1").await;
    assert_eq!(v["user"]["role"], "office_clerk");
    // Password reset: policy applies, old sessions end, the new password works.
    let tok = v["token"].as_str().unwrap().to_string();
    let (s, _) = fx
        .post(
            &format!("/api/v1/admin/accounts/{id}/password"),
            &sec,
            json!({"password": "short"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    let (s, _) = fx
        .post(
            &format!("/api/v1/admin/accounts/{id}/password"),
            &sec,
            json!({"password": "Efgh-5678"}),
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(fx.get("/api/v1/me", &tok).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        fx.try_login("newuser", "Abcd-1234", "10.0.0.1").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fx.try_login("newuser", "Efgh-5678", "10.0.0.1").await.0,
        StatusCode::OK
    );
    // Disabled: cannot sign in.
    let (s, _) = fx
        .post(
            &format!("/api/v1/admin/accounts/{id}"),
            &sec,
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        fx.try_login("newuser", "Efgh-5678", "10.0.0.1").await.0,
        StatusCode::UNAUTHORIZED
    );

    // Active sessions and forced sign-out.
    let jb = fx.login("jb").await;
    let (_, list) = fx.get("/api/v1/admin/sessions", &sec).await;
    let handle = list
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["login"] == "jb")
        .unwrap()["handle"]
        .as_str()
        .unwrap()
        .to_string();
    assert!(
        !list.to_string().contains(&jb),
        "session ids are never shown"
    );
    let (s, _) = fx
        .raw(
            Method::DELETE,
            &format!("/api/v1/admin/sessions/{handle}"),
            Some(&sec),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(fx.get("/api/v1/me", &jb).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn api_tokens_are_scoped_read_only_expiring_and_revocable() {
    let fx = Fx::new();
    let sec = fx.login("sec").await;
    let jyj = fx.unit("区教育局");
    let school = fx.unit("区实验小学");
    let wjw = fx.unit("区卫生健康委员会");
    let (s, v) = fx
        .post(
            "/api/v1/admin/tokens",
            &sec,
            json!({"name": "市人社局人事系统", "units": [jyj], "days": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let token = v["token"].as_str().unwrap().to_string();
    let tid = v["info"]["id"].as_i64().unwrap();
    assert_eq!(
        fx.get(&format!("/api/v1/units/{school}/roster"), &token)
            .await
            .0,
        StatusCode::OK
    );
    assert!(refused(
        fx.get(&format!("/api/v1/units/{wjw}"), &token).await.0
    ));
    let (s, _) = fx
        .post(
            "/api/v1/matters",
            &token,
            json!({"doc": "x", "effective": "2024-01-01", "ops": []}),
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN, "read-only");
    let pid = person_id(&fx, &token, "wxm").await;
    let (s, _) = fx
        .raw(
            Method::POST,
            &format!("/api/v1/people/{pid}/id_number"),
            Some(&token),
            None,
        )
        .await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "tokens never see unmasked 身份证号"
    );
    // Stored hashed only.
    let stored = fx.app.wf().tokens().unwrap();
    assert_eq!(stored.len(), 1);
    assert_ne!(stored[0].token_hash, token);
    assert!(!stored[0].token_hash.contains(&token[4..]));
    // Expiry.
    fx.app.advance_clock(Duration::days(2));
    assert_eq!(
        fx.get("/api/v1/summary", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
    let sec = fx.login("sec").await;
    let (_, list) = fx.get("/api/v1/admin/tokens", &sec).await;
    assert_eq!(list[0]["status"], "已过期");
    assert_eq!(list[0]["id"], tid);
    // Revocation.
    let (_, v) = fx
        .post(
            "/api/v1/admin/tokens",
            &sec,
            json!({"name": "市财政局", "units": []}),
        )
        .await;
    let token = v["token"].as_str().unwrap().to_string();
    let tid = v["info"]["id"].as_i64().unwrap();
    let (_, v) = fx.get("/api/v1/summary", &token).await;
    assert_eq!(v["units"], 3, "no units: all of them");
    let (s, _) = fx
        .raw(
            Method::DELETE,
            &format!("/api/v1/admin/tokens/{tid}"),
            Some(&sec),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(
        fx.get("/api/v1/summary", &token).await.0,
        StatusCode::UNAUTHORIZED
    );
}

#[tokio::test]
async fn audit_trail_records_sign_ins_changes_approvals_and_reveals() {
    let fx = Fx::new();
    let app_id = submitted(&fx, 4).await;
    let (_, v) = fx.try_login("ld", PW, "192.168.1.7").await;
    let ld = v["token"].as_str().unwrap().to_string();
    let year = chrono::Datelike::year(&fx.app.today());
    let (s, _, v) = fx
        .send(
            Method::POST,
            &format!("/api/v1/applications/{app_id}/approve"),
            &[("authorization", &format!("Bearer {ld}"))],
            Some((
                "application/json",
                serde_json::to_vec(&json!({"doc": format!("盐编〔{year}〕77号")})).unwrap(),
            )),
            Some("192.168.1.7"),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&v));
    let pid = person_id(&fx, &ld, "wxm").await;
    let (s, _, v) = fx
        .send(
            Method::POST,
            &format!("/api/v1/people/{pid}/id_number"),
            &[("authorization", &format!("Bearer {ld}"))],
            None,
            Some("192.168.1.7"),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let v: Value = serde_json::from_slice(&v).unwrap();
    assert_eq!(v["id_number"], idn(1), "the full number");
    let (_, masked) = fx.get(&format!("/api/v1/people/{pid}"), &ld).await;
    assert!(masked.to_string().contains("**********"));
    assert!(
        !masked.to_string().contains(&idn(1)),
        "masked unless revealed"
    );

    let aud = fx.login("aud").await;
    for (q, actor) in [
        ("action=登录&actor=ld", "ld"),
        ("action=批准申请", "ld"),
        ("action=提交申请", "dw"),
        ("action=查看身份证号", "ld"),
    ] {
        let (s, v) = fx.get(&format!("/api/v1/audit?{q}"), &aud).await;
        assert_eq!(s, StatusCode::OK);
        assert!(v["page"]["total"].as_u64().unwrap() >= 1, "{q}: {v}");
        assert_eq!(v["items"][0]["actor"], actor, "{q}: {v}");
        if actor == "ld" {
            assert_eq!(v["items"][0]["ip"], "192.168.1.7", "{q}: {v}");
        }
    }
    let (_, v) = fx.get("/api/v1/audit?action=查看身份证号", &aud).await;
    // The trail names the person by 人员编号, not by name.
    let target = v["items"][0]["target"].as_str().unwrap();
    assert!(
        target.starts_with("人员编号 ") && !target.contains("王小明"),
        "{target}"
    );
    let (s, _, b) = fx
        .send(
            Method::GET,
            "/audit?action=查看身份证号",
            &[("authorization", &format!("Bearer {aud}"))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let page = String::from_utf8_lossy(&b);
    assert!(page.contains("人员编号") && !page.contains("王小明"));
    assert!(fx.app.wf().verify_audit().unwrap() >= 6);

    // Business events in the office's words: who (by name), what, which
    // 文号; a refusal with its reason; times in Beijing time.
    let (_, v) = fx.get("/api/v1/audit?action=批准申请", &aud).await;
    let detail = v["items"][0]["detail"].as_str().unwrap();
    assert!(
        detail.starts_with(&format!(
            "批准申请 #{app_id}（入编，区实验小学），盐编〔{year}〕77号，登记第 "
        )),
        "{detail}"
    );
    let (s, _) = fx
        .post(
            &format!("/api/v1/applications/{app_id}/approve"),
            &ld,
            json!({"doc": format!("盐编〔{year}〕78号")}),
        )
        .await;
    assert_eq!(s.as_u16(), 409, "already approved");
    let (_, v) = fx.get("/api/v1/audit?action=批准申请", &aud).await;
    let detail = v["items"][0]["detail"].as_str().unwrap();
    assert!(detail.starts_with("未通过："), "{detail}");
    let (_, v) = fx.get("/api/v1/audit?action=批准申请", &aud).await;
    assert_eq!(v["items"][0]["actor_name"], "用户ld（编办领导）", "{v}");
    let at: chrono::DateTime<chrono::Utc> = v["items"][0]["at"].as_str().unwrap().parse().unwrap();
    assert_eq!(
        v["items"][0]["time"],
        (at + chrono::Duration::hours(8))
            .format("%Y-%m-%d %H:%M:%S")
            .to_string()
    );
    // Exported by the auditor as xlsx (and the export audited); nobody else.
    let (s, h, b) = fx
        .send(
            Method::GET,
            "/audit/xlsx?action=批准申请",
            &[("authorization", &format!("Bearer {aud}"))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h["content-disposition"]
        .to_str()
        .unwrap()
        .contains("audit-"));
    let sheet = bianzhi_reports::xlsx::read_bytes(&b, "xlsx", None).unwrap();
    let text = format!("{:?}", sheet.rows);
    assert!(
        text.contains("用户ld（编办领导）") && text.contains(&format!("盐编〔{year}〕77号")),
        "{text}"
    );
    let (s, _, _) = fx
        .send(
            Method::GET,
            "/audit/xlsx",
            &[("authorization", &format!("Bearer {ld}"))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, v) = fx.get("/api/v1/audit?action=导出审计记录", &aud).await;
    assert_eq!(v["items"][0]["actor"], "aud", "{v}");
}
