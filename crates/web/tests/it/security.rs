//! Security across features: the role matrix (every role × every protected
//! action, API and pages), unit scopes against guessed ids, CSRF on forms,
//! headers and the body limit, no plaintext 身份证号 in the database file.

use axum::http::{Method, StatusCode};
use serde_json::{json, Value};

use crate::fixture::*;

const ROLES: [&str; 8] = ["jb", "ld", "dw", "dw2", "ck", "sa", "sec", "aud"];

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
    let year = chrono::Datelike::year(&bianzhi_core::beijing::date_of(chrono::Utc::now()));
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
