//! Security: the role matrix (every role × every protected action, API and
//! pages), unit scopes against guessed ids, lockout, session expiry and
//! rotation, CSRF, forced sign-out, 三员分立, password policy, API tokens
//! (scope, expiry, revocation), the audit trail, 身份证号 reveal, headers.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::{json, Value};

use crate::fixture::{idn, Fx, PW};

const ROLES: [&str; 8] = ["jb", "ld", "dw", "dw2", "ck", "sa", "sec", "aud"];

fn hire(unit: u32, n: u16, plan: u64) -> Value {
    json!({"kind": "hire", "unit": unit, "name": format!("新人{n}"), "id_number": idn(100 + n),
           "qtype": "事业编制", "funding": "全额拨款", "plan_line": plan, "identity": "事业人员", "reason": "公开招聘"})
}

fn refused(s: StatusCode) -> bool {
    s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND
}

async fn plan_line(fx: &Fx, tok: &str) -> u64 {
    let (_, v) = fx.get("/api/v1/plans?open=true", tok).await;
    v["items"][0]["id"].as_u64().unwrap()
}

/// A submitted application for the school (by the 单位经办 of 区教育局).
async fn submitted(fx: &Fx, n: u16) -> i64 {
    let dw = fx.login("dw").await;
    let school = fx.unit("区实验小学");
    let plan = plan_line(fx, &dw).await;
    let (s, v) = fx
        .post("/api/v1/applications", &dw, hire(school, n, plan))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

async fn person_id(fx: &Fx, tok: &str, q: &str) -> u64 {
    let (_, v) = fx.get(&format!("/api/v1/people?q={q}"), tok).await;
    v["items"][0]["id"].as_u64().unwrap()
}

async fn form_post(fx: &Fx, uri: &str, tok: &str, form: &str) -> StatusCode {
    fx.send(
        Method::POST,
        uri,
        &[("authorization", &format!("Bearer {tok}"))],
        Some((
            "application/x-www-form-urlencoded",
            form.as_bytes().to_vec(),
        )),
        None,
    )
    .await
    .0
}

/// (what, method, path, body, roles allowed).
type Case<'a> = (&'a str, Method, String, Option<Value>, &'a [&'a str]);

#[tokio::test]
async fn role_matrix_api_and_pages() {
    let fx = Fx::new();
    let school = fx.unit("区实验小学");
    let jb = fx.login("jb").await;
    let pid = person_id(&fx, &jb, "wxm").await;
    let app_id = submitted(&fx, 1).await;
    let plan = plan_line(&fx, &jb).await;

    // (what, method, path, body, roles allowed). Allowed: neither 401, 403 nor 404
    // (a 422 for bad input still means the role passed); refused: 403 or 404.
    let cases: Vec<Case> = vec![
        (
            "总览",
            Method::GET,
            "/api/v1/summary".into(),
            None,
            &["jb", "ld", "dw", "dw2", "ck"],
        ),
        (
            "申请列表",
            Method::GET,
            "/api/v1/applications".into(),
            None,
            &["jb", "ld", "dw", "dw2", "ck"],
        ),
        (
            "花名册",
            Method::GET,
            format!("/api/v1/units/{school}/roster"),
            None,
            &["jb", "ld", "dw", "ck"],
        ),
        (
            "人员",
            Method::GET,
            format!("/api/v1/people/{pid}"),
            None,
            &["jb", "ld", "dw", "ck"],
        ),
        (
            "登记事项",
            Method::POST,
            "/api/v1/matters".into(),
            Some(json!({"doc": "不是文号", "effective": "2024-01-01", "ops": []})),
            &["jb", "ld"],
        ),
        (
            "提交申请",
            Method::POST,
            "/api/v1/applications".into(),
            Some(hire(school, 2, plan)),
            &["dw"],
        ),
        (
            "退回",
            Method::POST,
            format!("/api/v1/applications/{app_id}/return"),
            Some(json!({"comment": ""})),
            &["jb", "ld"],
        ),
        (
            "批准",
            Method::POST,
            format!("/api/v1/applications/{app_id}/approve"),
            Some(json!({"doc": "不是文号"})),
            &["ld"],
        ),
        (
            "查看身份证号",
            Method::POST,
            format!("/api/v1/people/{pid}/id_number"),
            None,
            &["jb", "ld"],
        ),
        (
            "账户列表",
            Method::GET,
            "/api/v1/admin/accounts".into(),
            None,
            &["sec"],
        ),
        (
            "建账户",
            Method::POST,
            "/api/v1/admin/accounts".into(),
            Some(json!({"login": "x", "name": "x", "roles": ["read_only"], "password": "short"})),
            &["sec"],
        ),
        (
            "在线会话",
            Method::GET,
            "/api/v1/admin/sessions".into(),
            None,
            &["sec"],
        ),
        (
            "令牌",
            Method::GET,
            "/api/v1/admin/tokens".into(),
            None,
            &["sec"],
        ),
        ("审计", Method::GET, "/api/v1/audit".into(), None, &["aud"]),
        (
            "配置",
            Method::GET,
            "/api/v1/admin/config".into(),
            None,
            &["sa"],
        ),
    ];
    for role in ROLES {
        let tok = fx.login(role).await;
        for (what, m, path, body, allowed) in &cases {
            let (s, v) = fx
                .raw(
                    m.clone(),
                    path,
                    Some(&tok),
                    body.as_ref().map(|b| serde_json::to_vec(b).unwrap()),
                )
                .await;
            if allowed.contains(&role) {
                assert!(
                    !refused(s) && s != StatusCode::UNAUTHORIZED,
                    "{role} should be allowed {what}: {s} {v}"
                );
            } else {
                // A unit outside the scope is answered as one that does not exist.
                let unknown = s == StatusCode::UNPROCESSABLE_ENTITY && v["code"] == "unknown_unit";
                assert!(
                    refused(s) || unknown,
                    "{role} should be refused {what}: {s} {v}"
                );
                let msg = v["message"].as_str().unwrap_or("");
                assert!(
                    msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                    "{msg}"
                );
            }
        }
        // Pages.
        let pages: Vec<(String, &[&str])> = vec![
            ("/".into(), &["jb", "ld", "dw", "dw2", "ck"]),
            (format!("/units/{school}"), &["jb", "ld", "dw", "ck"]),
            (format!("/people/{pid}"), &["jb", "ld", "dw", "ck"]),
            ("/matters/new".into(), &["jb", "ld"]),
            ("/admin/accounts".into(), &["sec"]),
            ("/admin/sessions".into(), &["sec"]),
            ("/admin/tokens".into(), &["sec"]),
            ("/audit".into(), &["aud"]),
            ("/admin/config".into(), &["sa"]),
        ];
        for (path, allowed) in pages {
            let (s, h, _) = fx
                .send(
                    Method::GET,
                    &path,
                    &[("authorization", &format!("Bearer {tok}"))],
                    None,
                    None,
                )
                .await;
            if allowed.contains(&role) {
                assert_eq!(s, StatusCode::OK, "{role} page {path}");
            } else if path == "/" {
                // Administrators are sent to their own pages.
                assert_eq!(s, StatusCode::SEE_OTHER, "{role} page /");
                let to = h["location"].to_str().unwrap();
                assert!(to.starts_with("/admin") || to == "/audit", "{to}");
            } else {
                assert!(refused(s), "{role} page {path}: {s}");
            }
        }
        // The reveal form on the person page.
        let (_, v) = fx.get("/api/v1/me", &tok).await;
        let _ = v;
        let csrf = fx
            .raw(
                Method::POST,
                "/api/v1/session",
                None,
                Some(serde_json::to_vec(&json!({"login": role, "password": PW})).unwrap()),
            )
            .await
            .1;
        let (tok2, csrf) = (
            csrf["token"].as_str().unwrap().to_string(),
            csrf["csrf"].as_str().unwrap().to_string(),
        );
        let s = form_post(
            &fx,
            &format!("/people/{pid}/reveal"),
            &tok2,
            &format!("_csrf={csrf}"),
        )
        .await;
        if ["jb", "ld"].contains(&role) {
            assert_eq!(s, StatusCode::OK, "{role} reveal page");
        } else {
            assert!(refused(s), "{role} reveal page: {s}");
        }
    }
}

#[tokio::test]
async fn unit_clerk_cannot_reach_another_unit_by_guessing_ids() {
    let fx = Fx::new();
    let school = fx.unit("区实验小学");
    let jyj = fx.unit("区教育局");
    let dw2 = fx.login("dw2").await;
    let app_id = submitted(&fx, 3).await;
    // Every person id, every unit id, every matter and plan, both API and pages.
    for id in 0..10u32 {
        let (s, v) = fx.get(&format!("/api/v1/people/{id}"), &dw2).await;
        assert!(refused(s), "person {id}: {s} {v}");
        let (s, _, _) = fx
            .send(
                Method::GET,
                &format!("/people/{id}"),
                &[("authorization", &format!("Bearer {dw2}"))],
                None,
                None,
            )
            .await;
        assert!(refused(s), "person page {id}: {s}");
    }
    for u in [school, jyj] {
        for suffix in ["", "/quota", "/posts", "/roster", "/history"] {
            let (s, _) = fx.get(&format!("/api/v1/units/{u}{suffix}"), &dw2).await;
            assert!(refused(s), "unit {u}{suffix}: {s}");
        }
    }
    // (Matter 1 set up every unit, 卫健委 included, so it may see that one.)
    for seq in 2..=3 {
        let (s, _) = fx.get(&format!("/api/v1/matters/{seq}"), &dw2).await;
        assert!(refused(s), "matter {seq}: {s}");
    }
    let (s, _) = fx
        .get(&format!("/api/v1/applications/{app_id}"), &dw2)
        .await;
    assert!(refused(s));
    let (_, v) = fx
        .get(&format!("/api/v1/people?q={}&status=all", idn(1)), &dw2)
        .await;
    assert_eq!(
        v["page"]["total"], 0,
        "search by 身份证号 finds nothing outside the scope"
    );
    let (_, v) = fx.get("/api/v1/units", &dw2).await;
    assert_eq!(v["page"]["total"], 1, "{v}");
    let (_, v) = fx.get("/api/v1/plans", &dw2).await;
    assert_eq!(v["page"]["total"], 0, "{v}");
    let (_, v) = fx.get("/api/v1/summary", &dw2).await;
    assert_eq!(v["people"], 0, "{v}");
    // Every refused read is in the audit trail.
    let aud = fx.login("aud").await;
    let (_, v) = fx
        .get(
            &format!(
                "/api/v1/audit?action=越权访问&actor=dw2&target=/api/v1/units/{school}/roster"
            ),
            &aud,
        )
        .await;
    assert_eq!(v["page"]["total"], 1, "{v}");
}

#[tokio::test]
async fn lockout_by_account_and_by_address() {
    let fx = Fx::new();
    for _ in 0..5 {
        let (s, _) = fx.try_login("ld", "wrong", "10.0.0.1").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    // Locked now: even the right password, from any address.
    let (s, v) = fx.try_login("ld", PW, "10.0.0.2").await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS, "{v}");
    assert_eq!(v["code"], "locked");
    assert!(v["message"].as_str().unwrap().contains("锁定"), "{v}");
    // Other accounts are not affected.
    assert_eq!(fx.try_login("jb", PW, "10.0.0.1").await.0, StatusCode::OK);
    fx.app.advance_clock(Duration::minutes(16));
    assert_eq!(fx.try_login("ld", PW, "10.0.0.2").await.0, StatusCode::OK);

    // One address trying many accounts.
    for i in 0..20 {
        let (s, _) = fx.try_login(&format!("nobody{i}"), "x", "10.9.9.9").await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    assert_eq!(
        fx.try_login("jb", PW, "10.9.9.9").await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(fx.try_login("jb", PW, "10.0.0.3").await.0, StatusCode::OK);

    // The page shows the lock in Chinese too.
    let (s, _, b) = fx
        .login_form("login=jb&password=secret-1", &[], Some("10.9.9.9"))
        .await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(String::from_utf8_lossy(&b).contains("锁定"));

    // All of it is in the audit trail, with the addresses.
    let aud = fx.login("aud").await;
    let (_, v) = fx
        .get("/api/v1/audit?action=登录失败&ip=10.0.0.1", &aud)
        .await;
    assert_eq!(v["page"]["total"], 5, "{v}");
    assert_eq!(v["items"][0]["actor"], "ld");
    let (_, v) = fx.get("/api/v1/audit?action=锁定", &aud).await;
    assert!(v["page"]["total"].as_u64().unwrap() >= 2, "{v}");
}

/// The failed sign-ins are kept in the database: a lock holds on another
/// server of the same database and after a restart.
#[test]
fn a_lock_holds_on_another_server_and_after_a_restart() {
    use bianzhi_store::{Db, NewUser, SqliteStore, SqliteWorkflow, WorkflowStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    drop(
        Db::init(
            Box::new(SqliteStore::open(&path).unwrap()),
            "320903",
            "盐城市盐都区",
        )
        .unwrap(),
    );
    SqliteWorkflow::open(&path)
        .unwrap()
        .create_user(&NewUser {
            login: "ld".into(),
            display_name: "领导".into(),
            role: "office_leader".into(),
            unit: None,
            password_hash: bianzhi_web::auth::hash_password(PW).unwrap(),
        })
        .unwrap();
    let server = || {
        bianzhi_web::App::new(
            Db::open(Box::new(SqliteStore::open(&path).unwrap())).unwrap(),
            Box::new(SqliteWorkflow::open(&path).unwrap()),
        )
    };
    let (one, two) = (server(), server());
    // Failures on both servers count together: 3 here and 2 there lock it.
    for (app, n) in [(&one, 3), (&two, 2)] {
        for _ in 0..n {
            assert!(matches!(
                app.sign_in("ld", "wrong", "10.0.0.1"),
                Err(bianzhi_web::WebError::BadCredentials)
            ));
        }
    }
    assert!(matches!(
        one.sign_in("ld", PW, "10.0.0.2"),
        Err(bianzhi_web::WebError::Locked(_))
    ));
    drop((one, two));
    let restarted = server();
    assert!(restarted.is_locked("acct:ld"));
    assert!(matches!(
        restarted.sign_in("ld", PW, "10.0.0.2"),
        Err(bianzhi_web::WebError::Locked(_))
    ));
    // The 安全管理员's reset lifts it for every server.
    restarted.unlock("ld").unwrap();
    assert!(restarted.sign_in("ld", PW, "10.0.0.2").is_ok());
}

#[tokio::test]
async fn sessions_expire_when_idle_and_rotate_at_sign_in() {
    let fx = Fx::new();
    let tok = fx.login("jb").await;
    fx.app.advance_clock(Duration::minutes(25));
    assert_eq!(fx.get("/api/v1/me", &tok).await.0, StatusCode::OK);
    fx.app.advance_clock(Duration::minutes(25));
    assert_eq!(
        fx.get("/api/v1/me", &tok).await.0,
        StatusCode::OK,
        "each use moves the idle timeout on"
    );
    fx.app.advance_clock(Duration::minutes(31));
    assert_eq!(fx.get("/api/v1/me", &tok).await.0, StatusCode::UNAUTHORIZED);
    // A page after the timeout goes to the sign-in page.
    let (s, h, _) = fx
        .send(
            Method::GET,
            "/units",
            &[("authorization", &format!("Bearer {tok}"))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(h["location"].to_str().unwrap().starts_with("/login"));

    // Rotation: signing in with an old session cookie ends it and gives a new id.
    let old = fx.login("jb").await;
    let (s, h, b) = fx
        .login_form(
            "login=jb&password=secret-1",
            &[&format!("bz_session={old}")],
            None,
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{}", String::from_utf8_lossy(&b));
    let set = h["set-cookie"].to_str().unwrap();
    assert!(set.contains("HttpOnly") && set.contains("SameSite=Lax"));
    assert!(!set.contains(&old), "a new session id");
    assert_eq!(fx.get("/api/v1/me", &old).await.0, StatusCode::UNAUTHORIZED);
}

#[tokio::test]
async fn csrf_is_required_for_cookie_writes() {
    let fx = Fx::new();
    let (_, v) = fx.try_login("jb", PW, "10.0.0.1").await;
    let (tok, csrf) = (v["token"].as_str().unwrap(), v["csrf"].as_str().unwrap());
    let cookie = format!("bz_session={tok}");
    let body =
        serde_json::to_vec(&json!({"doc": "x", "effective": "2024-01-01", "ops": []})).unwrap();
    for hdr in [None, Some("wrong")] {
        let mut h = vec![("cookie", cookie.as_str())];
        if let Some(x) = hdr {
            h.push(("x-csrf-token", x));
        }
        let (s, _, b) = fx
            .send(
                Method::POST,
                "/api/v1/matters",
                &h,
                Some(("application/json", body.clone())),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert_eq!(v["code"], "csrf");
    }
    let (s, _, _) = fx
        .send(
            Method::POST,
            "/api/v1/matters",
            &[("cookie", &cookie), ("x-csrf-token", csrf)],
            Some(("application/json", body)),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "past the CSRF check");
    // Forms: sign-out without the token is refused and the session lives on.
    let (s, _, _) = fx
        .send(
            Method::POST,
            "/logout",
            &[("cookie", &cookie)],
            Some(("application/x-www-form-urlencoded", b"_csrf=nope".to_vec())),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(fx.get("/api/v1/me", tok).await.0, StatusCode::OK);
    let (s, _, _) = fx
        .send(
            Method::POST,
            "/logout",
            &[("cookie", &cookie)],
            Some((
                "application/x-www-form-urlencoded",
                format!("_csrf={csrf}").into_bytes(),
            )),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(fx.get("/api/v1/me", tok).await.0, StatusCode::UNAUTHORIZED);
}

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
}

#[tokio::test]
async fn security_headers_and_body_limit() {
    let fx = Fx::new();
    let (s, h, _) = fx.send(Method::GET, "/login", &[], None, None).await;
    assert_eq!(s, StatusCode::OK);
    let csp = h["content-security-policy"].to_str().unwrap();
    let script = csp
        .split(';')
        .find(|d| d.trim().starts_with("script-src"))
        .unwrap();
    assert!(
        !script.contains("unsafe-inline") && script.contains("'self'"),
        "{csp}"
    );
    assert!(csp.contains("frame-ancestors 'none'"));
    assert_eq!(h["x-frame-options"], "DENY");
    assert_eq!(h["x-content-type-options"], "nosniff");
    assert!(h.contains_key("referrer-policy"));
    assert_eq!(h["cache-control"], "no-store");
    let (_, h, _) = fx.send(Method::GET, "/api/v1/me", &[], None, None).await;
    assert_eq!(h["x-frame-options"], "DENY", "on API answers too");
    let big = vec![b'a'; 2 * 1024 * 1024];
    let (s, _, _) = fx
        .send(
            Method::POST,
            "/api/v1/session",
            &[],
            Some(("application/json", big)),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::PAYLOAD_TOO_LARGE);
}

/// The demo accounts go only to a ledger recorded as the demo, never to one
/// that merely looks like it (code 320903 and a unit named 区教育局).
#[test]
fn demo_accounts_only_on_a_ledger_recorded_as_the_demo() {
    use bianzhi_store::{Db, SqliteStore, SqliteWorkflow, WorkflowStore};
    // A ledger of code 320903 with a unit named as the demo clerk's.
    let with_bureau = |mut db: Db| {
        let m: bianzhi_core::Matter = serde_json::from_value(serde_json::json!({
            "doc": "盐编〔2024〕1号", "effective": "2024-01-01", "recorded_at": chrono::Utc::now(),
            "actor": "导入", "reason": "导入",
            "ops": [{"op": "create_unit", "name": "区教育局", "kind": "政府工作部门", "rank": "正科级"}]
        }))
        .unwrap();
        db.submit(m, chrono::Utc::now()).unwrap();
        db
    };
    let store = || Box::new(SqliteStore::open_in_memory().unwrap());
    let mut db = with_bureau(Db::init(store(), "320903", "盐城市盐都区").unwrap());
    let mut wf = SqliteWorkflow::open_in_memory().unwrap();
    std::env::remove_var(bianzhi_web::bootstrap::ADMIN_PASSWORD_ENV);
    bianzhi_web::prepare(&mut db, &mut wf, chrono::Utc::now()).unwrap();
    let logins: Vec<String> = wf.users().unwrap().into_iter().map(|u| u.login).collect();
    assert_eq!(logins, ["anquan"], "one 安全管理员, no demo account");
    // The same ledger recorded as the demo gets them.
    let mut demo = with_bureau(Db::init_demo(store(), "320903", "盐城市盐都区").unwrap());
    let mut wf = SqliteWorkflow::open_in_memory().unwrap();
    bianzhi_web::prepare(&mut demo, &mut wf, chrono::Utc::now()).unwrap();
    assert!(wf.users().unwrap().iter().any(|u| u.login == "jingban"));
    // A ledger made by `init` cannot be turned into the demo afterwards.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("real.db");
    drop(
        Db::init(
            Box::new(SqliteStore::open(&path).unwrap()),
            "320903",
            "盐城市盐都区",
        )
        .unwrap(),
    );
    let again = Db::init_demo(
        Box::new(SqliteStore::open(&path).unwrap()),
        "320903",
        "盐城市盐都区",
    );
    assert!(again.is_err());
}

#[test]
fn first_start_creates_one_security_admin_with_a_one_time_password() {
    use bianzhi_store::{Db, SqliteStore, SqliteWorkflow, WorkflowStore};
    let mut db = Db::init(
        Box::new(SqliteStore::open_in_memory().unwrap()),
        "320902",
        "盐城市亭湖区",
    )
    .unwrap();
    let mut wf = SqliteWorkflow::open_in_memory().unwrap();
    std::env::remove_var(bianzhi_web::bootstrap::ADMIN_PASSWORD_ENV);
    let lines = bianzhi_web::prepare(&mut db, &mut wf, chrono::Utc::now()).unwrap();
    let line = lines.join("\n");
    assert!(
        line.contains("anquan") && line.contains("一次性密码"),
        "{line}"
    );
    let pw = line
        .split("一次性密码 ")
        .nth(1)
        .unwrap()
        .split('（')
        .next()
        .unwrap()
        .trim()
        .to_string();
    let users = wf.users().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].role, "security_admin");
    assert!(bianzhi_web::auth::verify_password(
        &pw,
        &users[0].password_hash
    ));
    bianzhi_web::auth::check_password(&pw, "anquan").unwrap();
    assert!(
        bianzhi_web::prepare(&mut db, &mut wf, chrono::Utc::now())
            .unwrap()
            .is_empty(),
        "printed once only"
    );
}

#[tokio::test]
async fn no_plaintext_id_number_in_the_database_file() {
    use bianzhi_store::{pii, Db, NewUser, SqliteStore, SqliteWorkflow, WorkflowStore};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    // The same key for every test of this process (installing is process-wide).
    let key = pii::PiiKey::load_or_create(
        &std::env::temp_dir().join(format!("bianzhi-web-tests-{}.key", std::process::id())),
    )
    .unwrap();
    pii::install(Some(key));
    let mut db = Db::init(
        Box::new(SqliteStore::open(&path).unwrap()),
        "320903",
        "盐城市盐都区",
    )
    .unwrap();
    let year =
        chrono::Datelike::year(&bianzhi_casework::deadline::beijing_date(chrono::Utc::now()));
    let m: bianzhi_core::Matter = serde_json::from_value(json!({
        "doc": format!("盐编〔{year}〕1号"), "effective": format!("{year}-01-01"), "reason": "建账",
        "recorded_at": chrono::Utc::now(), "actor": "测试",
        "ops": [
            {"op": "create_unit", "name": "区实验小学", "kind": "事业单位", "rank": "股级", "category": "公益一类"},
            {"op": "set_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 3},
            {"op": "register_existing", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "enrolled_on": "2015-09-01",
             "details": {"name": "王小明", "id_number": idn(1), "identity": "事业人员"}},
            {"op": "approve_plan_line", "unit": "区实验小学", "year": year, "channel": "公开招聘", "qtype": "事业编制", "count": 1}
        ]
    }))
    .unwrap();
    db.submit(m, chrono::Utc::now()).unwrap();
    db.snapshot().unwrap();
    let school = db.state().unit_by_name["区实验小学"].0;
    let mut wf = SqliteWorkflow::open(&path).unwrap();
    wf.create_user(&NewUser {
        login: "dw".into(),
        display_name: "单位".into(),
        role: "unit_clerk".into(),
        unit: Some(school),
        password_hash: bianzhi_web::auth::hash_password(PW).unwrap(),
    })
    .unwrap();
    let app = bianzhi_web::App::new(db, Box::new(wf));
    let fx = Fx {
        app: app.clone(),
        router: bianzhi_web::router(app),
    };
    let dw = fx.login("dw").await;
    let plan = plan_line(&fx, &dw).await;
    let (s, v) = fx
        .post("/api/v1/applications", &dw, hire(school, 9, plan))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, v) = fx
        .get(&format!("/api/v1/applications/{}", v["id"]), &dw)
        .await;
    assert!(
        v.to_string().contains("新人9"),
        "the application reads back: {v}"
    );
    // Search by 身份证号 still works.
    let (_, v) = fx.get(&format!("/api/v1/people?q={}", idn(1)), &dw).await;
    assert_eq!(v["items"][0]["name"], "王小明", "{v}");
    {
        let c = rusqlite::Connection::open(&path).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let mut bytes = Vec::new();
    for ext in ["", "-wal"] {
        let mut p = path.as_os_str().to_owned();
        p.push(ext);
        bytes.extend(std::fs::read(&p).unwrap_or_default());
    }
    let hay = String::from_utf8_lossy(&bytes);
    assert!(hay.contains("王小明") && hay.contains("sm4gcm:"));
    for n in [idn(1), idn(109)] {
        assert!(!hay.contains(&n), "{n} in plaintext in the database file");
    }
}
