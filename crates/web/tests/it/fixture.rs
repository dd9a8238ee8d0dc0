//! A small ledger for the API tests: 区教育局 with 区实验小学 under it (事业编制
//! 核定 3, 实有 2, this year's plan line of 5), and 区卫生健康委员会; one user
//! per role.

use std::sync::Arc;

use axum::body::Body;
use axum::http::{Method, Request, StatusCode};
use bianzhi_core::ident::{make_id_number, Sex};
use bianzhi_store::{Db, NewUser, SqliteStore, SqliteWorkflow, WorkflowStore};
use bianzhi_web::auth::{hash_password, Role};
use bianzhi_web::App;
use chrono::{Datelike, NaiveDate, Utc};
use http_body_util::BodyExt;
use serde_json::{json, Value};
use tower::ServiceExt;

pub fn idn(n: u16) -> String {
    make_id_number(
        "320903",
        NaiveDate::from_ymd_opt(1990, 5, 1).unwrap(),
        n,
        Sex::Female,
    )
    .into_string()
}

fn matter(db: &mut Db, v: Value) {
    let mut v = v;
    v["recorded_at"] = json!(Utc::now());
    v["actor"] = json!("测试");
    let m: bianzhi_core::Matter = serde_json::from_value(v).unwrap();
    db.submit(m, Utc::now()).unwrap();
}

/// The fixture's ledger and one user per role.
fn populate(db: &mut Db, wf: &mut dyn WorkflowStore) {
    matter(
        db,
        json!({
            "doc": "盐编〔2024〕1号", "effective": "2024-01-01", "reason": "建账",
            "ops": [
                {"op": "create_unit", "name": "区教育局", "kind": "政府工作部门", "rank": "正科级"},
                {"op": "create_unit", "name": "区实验小学", "kind": "事业单位", "rank": "股级", "category": "公益一类", "parent": "区教育局"},
                {"op": "create_unit", "name": "区卫生健康委员会", "kind": "政府工作部门", "rank": "正科级"},
                {"op": "set_quota", "unit": "区教育局", "qtype": "行政编制", "funding": "全额拨款", "count": 5},
                {"op": "set_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 3},
                {"op": "set_quota", "unit": "区卫生健康委员会", "qtype": "行政编制", "funding": "全额拨款", "count": 4},
                {"op": "set_posts", "unit": "区实验小学", "kind": "UnitChief", "count": 1}
            ]
        }),
    );
    matter(
        db,
        json!({
            "doc": "盐编〔2024〕2号", "effective": "2024-02-01", "reason": "存量人员登记",
            "ops": [
                {"op": "register_existing", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "enrolled_on": "2015-09-01",
                 "details": {"name": "王小明", "id_number": idn(1), "identity": "事业人员"}},
                {"op": "register_existing", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "enrolled_on": "2016-09-01",
                 "details": {"name": "李华", "id_number": idn(2), "identity": "事业人员"}},
                {"op": "register_existing", "unit": "区教育局", "qtype": "行政编制", "funding": "全额拨款", "enrolled_on": "2010-07-01",
                 "details": {"name": "张伟", "id_number": idn(3), "identity": "公务员"}}
            ]
        }),
    );
    let year = bianzhi_core::beijing::date_of(chrono::Utc::now()).year();
    matter(
        db,
        json!({
            "doc": format!("盐编〔{year}〕1号"), "effective": format!("{year}-01-01"), "reason": "下达用编计划",
            "ops": [{"op": "approve_plan_line", "unit": "区实验小学", "year": year, "channel": "公开招聘", "qtype": "事业编制", "count": 5}]
        }),
    );
    let jyj = db.state().unit_by_name["区教育局"].0;
    let wjw = db.state().unit_by_name["区卫生健康委员会"].0;
    for (login, role, unit) in [
        ("jb", Role::OfficeClerk, None),
        ("ld", Role::OfficeLeader, None),
        ("dw", Role::UnitClerk, Some(jyj)),
        ("dw2", Role::UnitClerk, Some(wjw)),
        ("ck", Role::ReadOnly, None),
        ("sa", Role::SysAdmin, None),
        ("sec", Role::SecAdmin, None),
        ("aud", Role::Auditor, None),
    ] {
        wf.create_user(&NewUser {
            login: login.into(),
            display_name: format!("用户{login}"),
            role: role.code().into(),
            unit,
            password_hash: hash_password(PW).unwrap(),
        })
        .unwrap();
    }
}

pub struct Fx {
    pub app: Arc<App>,
    pub router: axum::Router,
}

pub const PW: &str = "secret-1";

impl Fx {
    pub fn new() -> Fx {
        Fx::with_security(bianzhi_web::state::SecurityConfig::default())
    }

    /// The fixture with other security settings (e.g. trusted proxies).
    pub fn with_security(security: bianzhi_web::state::SecurityConfig) -> Fx {
        let mut db = Db::init(
            Box::new(SqliteStore::open_in_memory().unwrap()),
            "320903",
            "盐城市盐都区",
        )
        .unwrap();
        let mut wf = SqliteWorkflow::open_in_memory().unwrap();
        populate(&mut db, &mut wf);
        let app = App::with_config(db, Box::new(wf), security);
        let router = bianzhi_web::router(app.clone());
        Fx { app, router }
    }

    /// Two servers of one database (two applications on one SQLite file, as
    /// two processes would open it), with the fixture's ledger and users.
    pub fn two_on_file(path: &std::path::Path) -> (Fx, Fx) {
        {
            let mut db = Db::init(
                Box::new(SqliteStore::open(path).unwrap()),
                "320903",
                "盐城市盐都区",
            )
            .unwrap();
            let mut wf = SqliteWorkflow::open(path).unwrap();
            populate(&mut db, &mut wf);
        }
        let server = || {
            let app = App::new(
                Db::open(Box::new(SqliteStore::open(path).unwrap())).unwrap(),
                Box::new(SqliteWorkflow::open(path).unwrap()),
            );
            let router = bianzhi_web::router(app.clone());
            Fx { app, router }
        };
        (server(), server())
    }

    pub fn unit(&self, name: &str) -> u32 {
        self.app.db().state().unit_by_name[name].0
    }

    pub fn journal_len(&self) -> usize {
        self.app.db().ledger().journal_len()
    }

    pub async fn raw(
        &self,
        method: Method,
        uri: &str,
        token: Option<&str>,
        body: Option<Vec<u8>>,
    ) -> (StatusCode, Value) {
        let mut req = Request::builder().method(method).uri(uri);
        if let Some(t) = token {
            req = req.header("authorization", format!("Bearer {t}"));
        }
        let req = match body {
            Some(b) => req
                .header("content-type", "application/json")
                .body(Body::from(b))
                .unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        let v = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        (status, v)
    }

    /// Any request: extra headers, a body with its content type, a peer address.
    pub async fn send(
        &self,
        method: Method,
        uri: &str,
        headers: &[(&str, &str)],
        body: Option<(&str, Vec<u8>)>,
        ip: Option<&str>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let mut req = Request::builder().method(method).uri(uri);
        for (k, v) in headers {
            req = req.header(*k, *v);
        }
        let mut req = match body {
            Some((ct, b)) => req.header("content-type", ct).body(Body::from(b)).unwrap(),
            None => req.body(Body::empty()).unwrap(),
        };
        if let Some(ip) = ip {
            let addr: std::net::SocketAddr = format!("{ip}:40000").parse().unwrap();
            req.extensions_mut()
                .insert(axum::extract::ConnectInfo(addr));
        }
        let resp = self.router.clone().oneshot(req).await.unwrap();
        let status = resp.status();
        let headers = resp.headers().clone();
        let bytes = resp.into_body().collect().await.unwrap().to_bytes();
        (status, headers, bytes.to_vec())
    }

    /// Signs in from an address; answers the status and JSON.
    pub async fn try_login(&self, login: &str, pw: &str, ip: &str) -> (StatusCode, Value) {
        let (s, _, b) = self
            .send(
                Method::POST,
                "/api/v1/session",
                &[],
                Some((
                    "application/json",
                    serde_json::to_vec(&json!({"login": login, "password": pw})).unwrap(),
                )),
                Some(ip),
            )
            .await;
        (s, serde_json::from_slice(&b).unwrap_or(Value::Null))
    }

    /// The sign-in form's token and its cookie (`bz_login=…`).
    pub async fn login_form_token(&self) -> (String, String) {
        let (_, h, b) = self.send(Method::GET, "/login", &[], None, None).await;
        let cookie = h
            .get_all("set-cookie")
            .iter()
            .filter_map(|c| c.to_str().ok())
            .find(|c| c.starts_with("bz_login="))
            .and_then(|c| c.split(';').next())
            .expect("the sign-in page sets its cookie")
            .to_string();
        let html = String::from_utf8(b).unwrap();
        let token = html
            .split("name=\"_csrf\" value=\"")
            .nth(1)
            .and_then(|s| s.split('"').next())
            .expect("the sign-in form has its token")
            .to_string();
        (token, cookie)
    }

    /// Posts the sign-in form as a browser would (with the form's token and
    /// cookie, after any `cookies` given): `fields` is the rest of the body.
    pub async fn login_form(
        &self,
        fields: &str,
        cookies: &[&str],
        ip: Option<&str>,
    ) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
        let (token, cookie) = self.login_form_token().await;
        let mut all: Vec<&str> = cookies.to_vec();
        all.push(&cookie);
        let cookie_header = all.join("; ");
        self.send(
            Method::POST,
            "/login",
            &[("cookie", &cookie_header)],
            Some((
                "application/x-www-form-urlencoded",
                format!("{fields}&_csrf={token}").into_bytes(),
            )),
            ip,
        )
        .await
    }

    pub async fn get(&self, uri: &str, token: &str) -> (StatusCode, Value) {
        self.raw(Method::GET, uri, Some(token), None).await
    }

    pub async fn post(&self, uri: &str, token: &str, body: Value) -> (StatusCode, Value) {
        self.raw(
            Method::POST,
            uri,
            Some(token),
            Some(serde_json::to_vec(&body).unwrap()),
        )
        .await
    }

    /// Signs in; answers the bearer token.
    pub async fn login(&self, login: &str) -> String {
        sign_in(self, login).await.0
    }
}

// ---------------------------------------------------------------- helpers shared by the feature tests

pub fn hire(unit: u32, n: u16, plan: u64) -> Value {
    json!({"kind": "hire", "unit": unit, "name": format!("新人{n}"), "id_number": idn(100 + n),
           "qtype": "事业编制", "funding": "全额拨款", "plan_line": plan, "identity": "事业人员", "reason": "公开招聘"})
}

pub fn assert_err(r: &(StatusCode, Value), status: u16, code: &str) {
    assert_eq!(r.0.as_u16(), status, "{}", r.1);
    assert_eq!(r.1["code"], code, "{}", r.1);
    let msg = r.1["message"].as_str().unwrap_or("");
    assert!(
        msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "message not Chinese: {msg}"
    );
}

pub async fn quota(fx: &Fx, tok: &str, unit: u32) -> Value {
    let (s, v) = fx.get(&format!("/api/v1/units/{unit}/quota"), tok).await;
    assert_eq!(s, StatusCode::OK);
    v["rows"][0].clone()
}

pub fn refused(s: StatusCode) -> bool {
    s == StatusCode::FORBIDDEN || s == StatusCode::NOT_FOUND
}

pub async fn plan_line(fx: &Fx, tok: &str) -> u64 {
    let (_, v) = fx.get("/api/v1/plans?open=true", tok).await;
    v["items"][0]["id"].as_u64().unwrap()
}

/// A submitted application for the school (by the 单位经办 of 区教育局).
pub async fn submitted(fx: &Fx, n: u16) -> i64 {
    let dw = fx.login("dw").await;
    let school = fx.unit("区实验小学");
    let plan = plan_line(fx, &dw).await;
    let (s, v) = fx
        .post("/api/v1/applications", &dw, hire(school, n, plan))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    v["id"].as_i64().unwrap()
}

pub async fn person_id(fx: &Fx, tok: &str, q: &str) -> u64 {
    let (_, v) = fx.get(&format!("/api/v1/people?q={q}"), tok).await;
    v["items"][0]["id"].as_u64().unwrap()
}

/// Signs in; answers (bearer token, CSRF token).
pub async fn sign_in(fx: &Fx, login: &str) -> (String, String) {
    let (s, v) = fx
        .raw(
            Method::POST,
            "/api/v1/session",
            None,
            Some(serde_json::to_vec(&json!({"login": login, "password": PW})).unwrap()),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    (
        v["token"].as_str().unwrap().to_string(),
        v["csrf"].as_str().unwrap().to_string(),
    )
}

pub fn enc(s: &str) -> String {
    bianzhi_web::http::page::enc(s)
}

/// Posts a form as `who`; answers the status, the Location header and the body.
pub async fn form(
    fx: &Fx,
    who: &(String, String),
    uri: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String, String) {
    let mut body = format!("_csrf={}", enc(&who.1));
    for (k, v) in fields {
        body.push_str(&format!("&{}={}", enc(k), enc(v)));
    }
    post_as(
        fx,
        who,
        uri,
        "application/x-www-form-urlencoded",
        body.into_bytes(),
    )
    .await
}

/// Posts a body as `who`; answers the status, the Location header and the body.
async fn post_as(
    fx: &Fx,
    who: &(String, String),
    uri: &str,
    content_type: &str,
    body: Vec<u8>,
) -> (StatusCode, String, String) {
    let (s, h, b) = fx
        .send(
            Method::POST,
            uri,
            &[("authorization", &format!("Bearer {}", who.0))],
            Some((content_type, body)),
            None,
        )
        .await;
    let loc = h
        .get("location")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_string();
    (s, loc, String::from_utf8_lossy(&b).into_owned())
}

/// Posts an upload form (multipart) as `who`: its CSRF token, `fields` and
/// one file; answers the status, the Location header and the body.
pub async fn upload_file(
    fx: &Fx,
    who: &(String, String),
    uri: &str,
    fields: &[(&str, &str)],
    name: &str,
    data: &[u8],
) -> (StatusCode, String, String) {
    let b = "----bianzhi-test-boundary";
    let mut body = Vec::new();
    for (k, v) in [("_csrf", who.1.as_str())].iter().chain(fields) {
        body.extend_from_slice(
            format!("--{b}\r\nContent-Disposition: form-data; name=\"{k}\"\r\n\r\n{v}\r\n")
                .as_bytes(),
        );
    }
    body.extend_from_slice(
        format!(
            "--{b}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"{name}\"\r\nContent-Type: application/octet-stream\r\n\r\n"
        )
        .as_bytes(),
    );
    body.extend_from_slice(data);
    body.extend_from_slice(format!("\r\n--{b}--\r\n").as_bytes());
    post_as(
        fx,
        who,
        uri,
        &format!("multipart/form-data; boundary={b}"),
        body,
    )
    .await
}

pub async fn page(fx: &Fx, who: &(String, String), uri: &str) -> (StatusCode, String) {
    let (s, _, b) = fx
        .send(
            Method::GET,
            uri,
            &[("authorization", &format!("Bearer {}", who.0))],
            None,
            None,
        )
        .await;
    (s, String::from_utf8_lossy(&b).into_owned())
}
