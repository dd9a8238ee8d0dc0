//! 登录: signing in and out, the session cookie and its CSRF header, lockout by
//! account and by address (also across servers and restarts), idle expiry and
//! rotation at sign-in.

use axum::http::{Method, StatusCode};
use chrono::Duration;
use serde_json::json;

use crate::fixture::*;

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

/// 修改本人密码: the current password is checked and the policy enforced;
/// afterwards every session of the account has ended, the old password no
/// longer signs in and the new one does. An API token cannot change it.
#[tokio::test]
async fn users_change_their_own_password() {
    let fx = Fx::new();
    let dw = fx.login("dw").await;
    let other = fx.login("dw").await;
    let change = |tok: &str, current: &str, new: &str| {
        let body = json!({"current": current, "new": new});
        let fx = &fx;
        let tok = tok.to_string();
        async move { fx.post("/api/v1/me/password", &tok, body).await }
    };
    assert_err(
        &change(&dw, "wrong-Pass1", "New-pass-2026").await,
        422,
        "wrong_password",
    );
    assert_err(&change(&dw, PW, "short").await, 422, "weak_password");
    assert_err(
        &change(&dw, PW, "Dw-is-me-2026").await,
        422,
        "weak_password",
    );
    assert_eq!(
        fx.get("/api/v1/me", &dw).await.0,
        StatusCode::OK,
        "a refusal changes nothing"
    );
    let (s, _) = change(&dw, PW, "New-pass-2026").await;
    assert_eq!(s, StatusCode::NO_CONTENT);
    assert_eq!(fx.get("/api/v1/me", &dw).await.0, StatusCode::UNAUTHORIZED);
    assert_eq!(
        fx.get("/api/v1/me", &other).await.0,
        StatusCode::UNAUTHORIZED,
        "every session ended"
    );
    assert_eq!(
        fx.try_login("dw", PW, "10.0.0.1").await.0,
        StatusCode::UNAUTHORIZED
    );
    assert_eq!(
        fx.try_login("dw", "New-pass-2026", "10.0.0.1").await.0,
        StatusCode::OK
    );

    // An API token: refused.
    let sec = fx.login("sec").await;
    let jyj = fx.unit("区教育局");
    let (s, v) = fx
        .post(
            "/api/v1/admin/tokens",
            &sec,
            json!({"name": "对接", "units": [jyj], "days": 1}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let token = v["token"].as_str().unwrap().to_string();
    assert_eq!(
        change(&token, PW, "Another-pass-1").await.0,
        StatusCode::FORBIDDEN
    );

    // The page, for any role (here the 安全管理员), with the confirmation.
    let sa = sign_in(&fx, "sec").await;
    let (s, html) = page(&fx, &sa, "/account/password").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("for=\"pw-current\""), "{html}");
    let (s, _, html) = form(
        &fx,
        &sa,
        "/account/password",
        &[
            ("current", PW),
            ("new", "Strong-pw-2026!"),
            ("confirm", "Strong-pw-2027!"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("两次输入的新密码不一致"), "{html}");
    let (s, loc, _) = form(
        &fx,
        &sa,
        "/account/password",
        &[
            ("current", PW),
            ("new", "Strong-pw-2026!"),
            ("confirm", "Strong-pw-2026!"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc, "/login?changed=1");
    let (_, _, body) = fx
        .send(Method::GET, "/login?changed=1", &[], None, None)
        .await;
    assert!(String::from_utf8_lossy(&body).contains("密码已修改，请用新密码登录"));
    assert_eq!(
        fx.try_login("sec", "Strong-pw-2026!", "10.0.0.2").await.0,
        StatusCode::OK
    );
}
