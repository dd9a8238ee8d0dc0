//! What a user may learn: no full 身份证号 anywhere but the audited reveal,
//! a unit clerk sees only its units' part of anything (refusals included),
//! and the smaller findings of the attack on the release build (escaping,
//! redirects, free text, the framework's own refusals, attachments,
//! tokens, the audit of refusals).

use std::collections::{BTreeSet, VecDeque};

use axum::http::{Method, StatusCode};
use bianzhi_core::ident::find_id_numbers;
use serde_json::{json, Value};

use crate::fixture::{idn, Fx, PW};

/// A request body with its content type.
type Body = Option<(&'static str, Vec<u8>)>;

/// A page or answer as text, signed in with `tok`.
async fn text(fx: &Fx, uri: &str, tok: &str) -> (StatusCode, String) {
    let auth = format!("Bearer {tok}");
    let (s, _, b) = fx
        .send(Method::GET, uri, &[("authorization", &auth)], None, None)
        .await;
    (s, String::from_utf8_lossy(&b).into_owned())
}

/// Every same-site link of a page worth following.
fn links(html: &str) -> Vec<String> {
    html.split("href=\"")
        .skip(1)
        .filter_map(|s| s.split('"').next())
        .map(|s| s.replace("&amp;", "&"))
        .filter(|s| s.starts_with('/') && !s.starts_with("//"))
        .filter(|s| !s.starts_with("/static/") && !s.starts_with("/logout"))
        .filter(|s| !s.contains("/export") && !s.contains(".xlsx") && !s.contains("/download"))
        .collect()
}

/// A matter over two subtrees (区实验小学 under 区教育局, and
/// 区卫生健康委员会), and a person in each, recorded by the office.
async fn matter_over_two_subtrees(fx: &Fx, jb: &str) -> u64 {
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            jb,
            json!({
                "doc": "盐编〔2024〕9号", "effective": "2024-03-01", "reason": "区卫生健康委员会与区实验小学人员登记",
                "ops": [
                    {"op": "register_existing", "unit": "区卫生健康委员会", "qtype": "行政编制", "funding": "全额拨款",
                     "enrolled_on": "2012-07-01", "details": {"name": "赵六", "id_number": idn(20), "identity": "公务员"}},
                    {"op": "increase_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 1}
                ]
            }),
        )
        .await;
    assert!(s.is_success(), "{v}");
    v["seq"].as_u64().expect("seq")
}

#[tokio::test]
async fn no_full_id_number_in_any_answer_or_page_of_any_role() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    matter_over_two_subtrees(&fx, &jb).await;
    // An application whose input carries a 身份证号, and a read-only token.
    let dw = fx.login("dw").await;
    let line = fx.get("/api/v1/plans", &jb).await.1["items"][0]["id"].clone();
    let (s, v) = fx
        .post(
            "/api/v1/applications",
            &dw,
            json!({"kind": "hire", "unit": fx.unit("区实验小学"), "name": "钱七", "id_number": idn(30),
                   "qtype": "事业编制", "funding": "全额拨款", "plan_line": line, "identity": "事业人员"}),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let sec = fx.login("sec").await;
    let (s, v) = fx
        .post(
            "/api/v1/admin/tokens",
            &sec,
            json!({"name": "人社局比对", "days": 30}),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let token = v["token"].as_str().unwrap().to_string();

    let doc: Value = fx.get("/api/v1/openapi.json", &jb).await.1;
    let gets: Vec<String> = doc["paths"]
        .as_object()
        .unwrap()
        .iter()
        .filter(|(_, item)| item.get("get").is_some())
        .map(|(p, _)| p.clone())
        .collect();
    let person = fx.get("/api/v1/people?q=王小明", &jb).await.1["items"][0]["id"]
        .as_u64()
        .unwrap();
    let seqs = fx.journal_len() as u64;
    let mut checked = 0;
    for login in ["jb", "ld", "dw", "dw2", "ck", "sa", "sec", "aud", "token"] {
        let tok = if login == "token" {
            token.clone()
        } else {
            fx.login(login).await
        };
        // Every GET of the API, with each id the fixture has.
        let mut uris: Vec<String> = Vec::new();
        for p in &gets {
            let mut variants = vec![p.clone()];
            for (param, values) in [
                (
                    "{id}",
                    vec![person.to_string(), "1".into(), "2".into(), "3".into()],
                ),
                ("{seq}", (0..seqs).map(|s| s.to_string()).collect()),
                (
                    "{kind}",
                    ["roster", "leavers", "changes", "ledger", "quotas"]
                        .map(String::from)
                        .to_vec(),
                ),
            ] {
                if p.contains(param) {
                    variants = values.iter().map(|v| p.replace(param, v)).collect();
                }
            }
            uris.extend(variants);
        }
        uris.push("/api/v1/people?status=all&per_page=200".into());
        uris.push("/api/v1/applications".into());
        // Every page reachable from the 总览 by links.
        let mut seen: BTreeSet<String> = BTreeSet::new();
        let mut queue: VecDeque<String> = ["/", "/people?status=all", "/matters", "/applications"]
            .into_iter()
            .map(String::from)
            .collect();
        while let Some(u) = queue.pop_front() {
            if seen.len() >= 250 || !seen.insert(u.clone()) {
                continue;
            }
            let (_, body) = text(&fx, &u, &tok).await;
            assert!(
                find_id_numbers(&body).is_empty(),
                "{login}: page {u} shows a full 身份证号"
            );
            checked += 1;
            // Only the audited reveal may show them; never followed here.
            queue.extend(links(&body).into_iter().filter(|l| !l.contains("full=1")));
        }
        for u in uris {
            let (_, body) = text(&fx, &u, &tok).await;
            assert!(
                find_id_numbers(&body).is_empty(),
                "{login}: {u} answers a full 身份证号: {}",
                &body[..body.len().min(300)]
            );
            checked += 1;
        }
    }
    assert!(checked > 400, "{checked} answers checked");

    // The audited reveal does show it, and is in the audit trail.
    let (s, v) = fx
        .post(
            &format!("/api/v1/people/{person}/id_number"),
            &jb,
            json!({}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["id_number"], idn(1));
    let aud = fx.login("aud").await;
    let (_, v) = fx.get("/api/v1/audit?action=查看身份证号", &aud).await;
    let target = v["items"][0]["target"].as_str().unwrap().to_string();
    assert_eq!(target, format!("人员编号 {person}"), "no name in the trail");
}

#[tokio::test]
async fn a_unit_clerk_sees_only_its_part_of_a_matter() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let seq = matter_over_two_subtrees(&fx, &jb).await;
    let dw = fx.login("dw").await;

    let (s, v) = fx.get(&format!("/api/v1/matters/{seq}"), &dw).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let all = v.to_string();
    for other in ["区卫生健康委员会", "赵六", "卫生"] {
        assert!(!all.contains(other), "{other} in {all}");
    }
    assert_eq!(v["lines"].as_array().unwrap().len(), 1);
    assert_eq!(v["hidden_ops"], 1);
    assert_eq!(v["ops"], 1);
    assert!(v["reason"].as_str().unwrap().contains("不予显示"));
    let (_, page) = text(&fx, &format!("/matters/{seq}"), &dw).await;
    assert!(!page.contains("赵六") && !page.contains("区卫生健康委员会"));
    assert!(page.contains("另有 1 项操作涉及其他单位"));
    // The list and the search do not show it either.
    let (_, v) = fx.get("/api/v1/matters?q=卫生", &dw).await;
    assert_eq!(v["page"]["total"], 0, "{v}");
    let (_, v) = fx.get("/api/v1/matters", &dw).await;
    assert!(!v.to_string().contains("区卫生健康委员会"), "{v}");

    // The office sees the whole matter.
    let (_, v) = fx.get(&format!("/api/v1/matters/{seq}"), &jb).await;
    assert_eq!(v["lines"].as_array().unwrap().len(), 2);
    assert_eq!(v["hidden_ops"], 0);
    assert!(v.to_string().contains("赵六"));

    // A matter wholly elsewhere is answered as one that does not exist.
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb,
            json!({"doc": "盐编〔2024〕11号", "effective": "2024-03-02", "reason": "核增",
                   "ops": [{"op": "increase_quota", "unit": "区卫生健康委员会", "qtype": "行政编制",
                            "funding": "全额拨款", "count": 1}]}),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let elsewhere = v["seq"].as_u64().unwrap();
    let (s1, v1) = fx.get(&format!("/api/v1/matters/{elsewhere}"), &dw).await;
    let (s2, v2) = fx.get("/api/v1/matters/10000", &dw).await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(
        v1["message"]
            .as_str()
            .unwrap()
            .replace(&elsewhere.to_string(), "N"),
        v2["message"].as_str().unwrap().replace("10000", "N")
    );
}

#[tokio::test]
async fn refusals_outside_the_scope_say_no_more_than_for_what_does_not_exist() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    matter_over_two_subtrees(&fx, &jb).await;
    let dw = fx.login("dw").await;
    let wjw = fx.unit("区卫生健康委员会");

    // Units by id and by name, in the API and on pages.
    let (s1, v1) = fx.get(&format!("/api/v1/units/{wjw}"), &dw).await;
    let (s2, v2) = fx.get("/api/v1/units/99999", &dw).await;
    assert_eq!((s1, s2), (StatusCode::NOT_FOUND, StatusCode::NOT_FOUND));
    assert_eq!(
        v1["message"]
            .as_str()
            .unwrap()
            .replace(&wjw.to_string(), "N"),
        v2["message"].as_str().unwrap().replace("99999", "N")
    );
    let (s, v) = fx.get(&format!("/api/v1/matters?unit={wjw}"), &dw).await;
    let (s0, v0) = fx.get("/api/v1/matters?unit=99999", &dw).await;
    assert_eq!(s, s0);
    assert_eq!(
        v["message"]
            .as_str()
            .unwrap()
            .replace(&wjw.to_string(), "N"),
        v0["message"].as_str().unwrap().replace("99999", "N")
    );
    let (s, v) = fx.get("/api/v1/matters?unit=区卫生健康委员会", &dw).await;
    assert_ne!(s, StatusCode::OK);
    assert_eq!(v["code"], "unknown_unit");
    let (_, page) = text(&fx, &format!("/matters?unit={wjw}"), &dw).await;
    assert!(
        !page.contains("区卫生健康委员会"),
        "the page names the unit"
    );
    let (_, page) = text(&fx, &format!("/units/{wjw}"), &dw).await;
    assert!(!page.contains("区卫生健康委员会"));

    // A person outside: the same words as for one who is not in the ledger.
    let outside = json!({"kind": "leave", "unit": fx.unit("区实验小学"), "person": idn(20), "reason": "退休"});
    let (s, v) = fx.post("/api/v1/applications", &dw, outside).await;
    let nobody = json!({"kind": "leave", "unit": fx.unit("区实验小学"), "person": idn(99), "reason": "退休"});
    let (s0, v0) = fx.post("/api/v1/applications", &dw, nobody).await;
    assert_eq!(s, s0, "{v} / {v0}");
    assert_eq!(v["code"], v0["code"]);
    let text_of = |v: &Value| v["message"].as_str().unwrap().to_string();
    assert!(
        !text_of(&v).contains("赵六") && !text_of(&v).contains("卫生"),
        "{v}"
    );
    assert_eq!(
        text_of(&v).replace(
            &bianzhi_core::ident::parse_id_number(&idn(20))
                .unwrap()
                .mask(),
            "X"
        ),
        text_of(&v0).replace(
            &bianzhi_core::ident::parse_id_number(&idn(99))
                .unwrap()
                .mask(),
            "X"
        )
    );

    // A proposal with an operation on a unit outside is refused whole.
    let before = fx.get("/api/v1/cases", &jb).await.1["page"]["total"].clone();
    let (s, v) = fx
        .post(
            "/api/v1/cases",
            &dw,
            json!({"title": "调整编制", "reasons": "工作需要", "unit": fx.unit("区实验小学"),
                   "reason": "调整", "effective": "2024-06-01",
                   "ops": [
                       {"op": "increase_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 1},
                       {"op": "decrease_quota", "unit": "区卫生健康委员会", "qtype": "行政编制", "funding": "全额拨款", "count": 1}
                   ]}),
        )
        .await;
    assert!(s.is_client_error(), "{s} {v}");
    assert_eq!(v["code"], "op_out_of_scope", "{v}");
    assert!(!v.to_string().contains("卫生"), "{v}");
    assert_eq!(
        fx.get("/api/v1/cases", &jb).await.1["page"]["total"],
        before
    );

    // The clerk's 总览 counts its own matters, not the district's.
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb,
            json!({"doc": "盐编〔2024〕12号", "effective": "2024-03-05", "reason": "核增",
                   "ops": [{"op": "increase_quota", "unit": "区卫生健康委员会", "qtype": "行政编制",
                            "funding": "全额拨款", "count": 1}]}),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let (_, mine) = fx.get("/api/v1/summary", &dw).await;
    let (_, all) = fx.get("/api/v1/summary", &jb).await;
    let own = fx.get("/api/v1/matters?per_page=1", &dw).await.1["page"]["total"].clone();
    assert_eq!(mine["matters"], own, "{mine}");
    assert!(mine["matters"].as_u64() < all["matters"].as_u64());

    // Each refusal is in the audit trail as 越权访问被拒.
    let aud = fx.login("aud").await;
    let (_, v) = fx.get("/api/v1/audit?action=越权访问被拒", &aud).await;
    assert!(v["page"]["total"].as_u64().unwrap() >= 1, "{v}");
}

#[tokio::test]
async fn repeated_refusals_are_audited_once_with_their_count() {
    let fx = Fx::new();
    let dw = fx.login("dw").await;
    let wjw = fx.unit("区卫生健康委员会");
    for _ in 0..40 {
        let (s, _) = fx.get(&format!("/api/v1/units/{wjw}"), &dw).await;
        assert_eq!(s, StatusCode::NOT_FOUND);
    }
    let aud = fx.login("aud").await;
    let count = |v: &Value| v["page"]["total"].as_u64().unwrap();
    let (_, v) = fx.get("/api/v1/audit?action=越权访问被拒", &aud).await;
    assert_eq!(count(&v), 1, "the first is written, the rest held: {v}");
    fx.app.advance_clock(chrono::Duration::minutes(11));
    fx.app.flush_denials();
    let (_, v) = fx.get("/api/v1/audit?action=越权访问被拒", &aud).await;
    assert_eq!(count(&v), 2, "{v}");
    assert!(v.to_string().contains("另有 39 次"), "{v}");
}

#[tokio::test]
async fn unit_names_are_escaped_in_the_tree() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let evil = "测试x\" onmouseover=\"alert(1)\" data-x=\"";
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb,
            json!({"doc": "盐编〔2024〕10号", "effective": "2024-04-01", "reason": "设立",
                   "ops": [{"op": "create_unit", "name": evil, "kind": "事业单位", "rank": "股级",
                            "category": "公益一类", "parent": "区教育局"}]}),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let (_, page) = text(&fx, "/units", &jb).await;
    assert!(page.contains("测试x"), "the unit is in the tree");
    assert!(
        !page.contains("\" onmouseover=\""),
        "an attribute was injected"
    );
    assert!(page.contains("测试x&#34; onmouseover") || page.contains("测试x&quot; onmouseover"));
}

#[tokio::test]
async fn sign_in_goes_only_to_this_site_and_needs_its_form() {
    let fx = Fx::new();
    for (next, to) in [
        ("%2F%09%2Fevil.example%2F", "/"),
        ("%2F%0A%2Fevil.example", "/"),
        ("%2F%2Fevil.example", "/"),
        ("%2F%5Cevil.example", "/"),
        ("https%3A%2F%2Fevil.example%2F", "/"),
        ("%2Funits%3Fover%3D1", "/units?over=1"),
    ] {
        let (s, h, _) = fx
            .login_form(&format!("login=jb&password={PW}&next={next}"), &[], None)
            .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{next}");
        assert_eq!(h["location"], to, "{next}");
    }
    // Login CSRF: without the form's own token and cookie, nobody signs in.
    let (token, cookie) = fx.login_form_token().await;
    for (headers, body) in [
        (vec![], format!("login=jb&password={PW}")),
        (vec![], format!("login=jb&password={PW}&_csrf={token}")),
        (
            vec![("cookie", cookie.as_str())],
            format!("login=jb&password={PW}&_csrf=0000"),
        ),
    ] {
        let (s, h, b) = fx
            .send(
                Method::POST,
                "/login",
                &headers,
                Some(("application/x-www-form-urlencoded", body.into_bytes())),
                None,
            )
            .await;
        assert_eq!(s, StatusCode::FORBIDDEN);
        assert!(!h
            .get_all("set-cookie")
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("bz_session=")));
        assert!(String::from_utf8_lossy(&b).contains("登录页面已过期"));
    }
}

#[tokio::test]
async fn free_text_is_limited_and_refuses_control_and_direction_characters() {
    let fx = Fx::new();
    let dw = fx.login("dw").await;
    let jb = fx.login("jb").await;
    let line = fx.get("/api/v1/plans", &jb).await.1["items"][0]["id"].clone();
    let hire = |name: &str| {
        json!({"kind": "hire", "unit": fx.unit("区实验小学"), "name": name, "id_number": idn(40),
               "qtype": "事业编制", "funding": "全额拨款", "plan_line": line, "identity": "事业人员"})
    };
    for (name, code) in [
        ("王\u{202E}芳".to_string(), "bad_text"),
        ("王\u{0}芳".to_string(), "bad_text"),
        ("王\u{2066}芳".to_string(), "bad_text"),
        ("王".repeat(100_000), "too_long"),
    ] {
        let (s, v) = fx.post("/api/v1/applications", &dw, hire(&name)).await;
        assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
        assert_eq!(v["code"], code, "{v}");
    }
    let (_, v) = fx.get("/api/v1/applications", &dw).await;
    assert_eq!(v["page"]["total"], 0, "nothing was stored");
    // Forms: bytes that are not UTF-8 are refused, not replaced.
    let (_, session) = fx
        .raw(
            Method::POST,
            "/api/v1/session",
            None,
            Some(serde_json::to_vec(&json!({"login": "dw", "password": PW})).unwrap()),
        )
        .await;
    let auth = format!("Bearer {}", session["token"].as_str().unwrap());
    let csrf = session["csrf"].as_str().unwrap().to_string();
    let body = format!("_csrf={csrf}&kind=hire&name=%FF%FE&id_number={}", idn(41));
    let (s, _, b) = fx
        .send(
            Method::POST,
            "/applications/new",
            &[("authorization", &auth)],
            Some(("application/x-www-form-urlencoded", body.into_bytes())),
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(String::from_utf8_lossy(&b).contains("UTF-8"));
}

#[tokio::test]
async fn the_frameworks_own_refusals_are_answered_in_chinese() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let auth = format!("Bearer {jb}");
    let english = [
        "Invalid URL",
        "Cannot parse",
        "Failed to",
        "Expected request",
        "Content-Type",
    ];
    let cases: Vec<(Method, &str, Body, StatusCode)> = vec![
        (
            Method::GET,
            "/api/v1/units/abc",
            None,
            StatusCode::UNPROCESSABLE_ENTITY,
        ),
        (
            Method::GET,
            "/api/v1/no-such-thing",
            None,
            StatusCode::NOT_FOUND,
        ),
        (
            Method::POST,
            "/api/v1/matters",
            Some(("application/json", vec![b' '; 2 * 1024 * 1024])),
            StatusCode::PAYLOAD_TOO_LARGE,
        ),
        (
            Method::DELETE,
            "/api/v1/units",
            None,
            StatusCode::METHOD_NOT_ALLOWED,
        ),
    ];
    for (m, uri, body, status) in cases {
        let (s, h, b) = fx
            .send(m, uri, &[("authorization", &auth)], body, None)
            .await;
        let t = String::from_utf8_lossy(&b);
        assert_eq!(s, status, "{uri}: {t}");
        assert!(
            h["content-type"]
                .to_str()
                .unwrap()
                .starts_with("application/json"),
            "{uri}"
        );
        let v: Value = serde_json::from_slice(&b).unwrap();
        assert!(
            v["message"]
                .as_str()
                .unwrap()
                .chars()
                .any(|c| c > '\u{2E80}'),
            "{uri}: {t}"
        );
        assert!(!english.iter().any(|e| t.contains(e)), "{uri}: {t}");
    }
    let pages: Vec<(Method, &str, Body)> = vec![
        (Method::GET, "/units/abc", None),
        (Method::GET, "/no-such-page", None),
        (Method::GET, "/people/abc", None),
        (
            Method::POST,
            "/reconcile",
            Some(("text/plain", b"x".to_vec())),
        ),
        (
            Method::POST,
            "/applications/new",
            Some(("application/json", b"{}".to_vec())),
        ),
        (
            Method::POST,
            "/reconcile",
            Some(("multipart/form-data; boundary=x", b"--x\r\nbroken".to_vec())),
        ),
    ];
    for (m, uri, body) in pages {
        let (s, h, b) = fx
            .send(m, uri, &[("authorization", &auth)], body, None)
            .await;
        let t = String::from_utf8_lossy(&b);
        assert!(s.is_client_error(), "{uri}");
        assert!(
            h["content-type"].to_str().unwrap().starts_with("text/html"),
            "{uri}"
        );
        assert!(!english.iter().any(|e| t.contains(e)), "{uri}: {t}");
    }
}

#[tokio::test]
async fn an_api_token_is_not_a_session_cookie() {
    let fx = Fx::new();
    let sec = fx.login("sec").await;
    let (_, v) = fx
        .post(
            "/api/v1/admin/tokens",
            &sec,
            json!({"name": "财政局", "days": 30}),
        )
        .await;
    let token = v["token"].as_str().unwrap().to_string();
    let (s, _) = fx.get("/api/v1/units", &token).await;
    assert_eq!(s, StatusCode::OK, "as a Bearer token it works");
    let cookie = format!("bz_session={token}");
    let (s, _, _) = fx
        .send(
            Method::GET,
            "/api/v1/units",
            &[("cookie", &cookie)],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let (s, h, _) = fx
        .send(Method::GET, "/units", &[("cookie", &cookie)], None, None)
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(h["location"].to_str().unwrap().starts_with("/login"));
}

#[tokio::test]
async fn an_account_update_that_grants_nothing_keeps_its_sessions() {
    let fx = Fx::new();
    let sec = fx.login("sec").await;
    let accounts = fx.get("/api/v1/admin/accounts", &sec).await.1;
    let id_of = |login: &str| {
        accounts
            .as_array()
            .unwrap()
            .iter()
            .find(|a| a["login"] == login)
            .and_then(|a| a["id"].as_i64())
            .unwrap()
    };
    let id = id_of("sec");
    let (s, v) = fx
        .post(&format!("/api/v1/admin/accounts/{id}"), &sec, json!({}))
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(fx.get("/api/v1/me", &sec).await.0, StatusCode::OK);
    let (s, _) = fx
        .post(
            &format!("/api/v1/admin/accounts/{id}"),
            &sec,
            json!({"name": "新名字"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let (s, v) = fx.get("/api/v1/me", &sec).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["name"], "新名字", "{v}");
    // A change of rights still ends the account's sessions.
    let ck = fx.login("ck").await;
    let ck_id = id_of("ck");
    let (s, _) = fx
        .post(
            &format!("/api/v1/admin/accounts/{ck_id}"),
            &sec,
            json!({"active": false}),
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(fx.get("/api/v1/me", &ck).await.0, StatusCode::UNAUTHORIZED);
}

#[test]
fn the_database_file_is_readable_by_its_owner_only() {
    use std::os::unix::fs::PermissionsExt;
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let store = bianzhi_store::SqliteStore::open(&path).unwrap();
    let _wf = bianzhi_store::SqliteWorkflow::open(&path).unwrap();
    drop(store);
    for suffix in ["", "-wal", "-shm"] {
        let p = dir.path().join(format!("t.db{suffix}"));
        if let Ok(m) = std::fs::metadata(&p) {
            assert_eq!(m.permissions().mode() & 0o777, 0o600, "{}", p.display());
        }
    }
    // An existing file with wider rights is narrowed when opened.
    let old = dir.path().join("old.db");
    std::fs::write(&old, b"").unwrap();
    std::fs::set_permissions(&old, std::fs::Permissions::from_mode(0o644)).unwrap();
    bianzhi_store::SqliteStore::open(&old).unwrap();
    let mode = std::fs::metadata(&old).unwrap().permissions().mode() & 0o777;
    assert_eq!(mode, 0o600);
}

#[tokio::test]
async fn a_unit_clerk_reads_other_units_as_other_units_in_histories() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    matter_over_two_subtrees(&fx, &jb).await;
    // 赵六 moves from 区卫生健康委员会 into 区教育局 (the clerk's unit).
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb,
            json!({"doc": "盐编〔2024〕13号", "effective": "2024-05-01", "reason": "调动",
                   "ops": [{"op": "approve_plan_line", "unit": "区教育局", "year": 2024,
                            "channel": "公开招聘", "qtype": "行政编制", "count": 1},
                           {"op": "transfer", "person": idn(20),
                            "unit": "区教育局", "qtype": "行政编制", "funding": "全额拨款",
                            "plan_line": 1}]}),
        )
        .await;
    assert!(s.is_success(), "{v}");
    let dw = fx.login("dw").await;
    let person = fx.get("/api/v1/people?q=赵六", &dw).await.1["items"][0]["id"]
        .as_u64()
        .expect("赵六 is now the clerk's");
    let (s, v) = fx.get(&format!("/api/v1/people/{person}"), &dw).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let all = v.to_string();
    assert!(!all.contains("区卫生健康委员会"), "{all}");
    assert!(all.contains("其他单位"), "{all}");
    let (_, page) = text(&fx, &format!("/people/{person}"), &dw).await;
    assert!(!page.contains("区卫生健康委员会"));
    let jyj = fx.unit("区教育局");
    let (_, v) = fx.get(&format!("/api/v1/units/{jyj}/history"), &dw).await;
    assert!(!v.to_string().contains("区卫生健康委员会"), "{v}");
    // The office reads the unit's name.
    let (_, v) = fx.get(&format!("/api/v1/people/{person}"), &jb).await;
    assert!(v.to_string().contains("区卫生健康委员会"));
}
