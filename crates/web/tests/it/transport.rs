//! Behind a reverse proxy: the client address (lockout, audit) and HTTPS
//! (`Secure` cookies, HSTS) come from `X-Forwarded-For`/`-Proto` only when
//! the TCP peer is a trusted proxy; from anyone else those headers are
//! ignored. (HTTPS served directly is tested end to end in the cli crate.)

use axum::http::{HeaderMap, Method, StatusCode};
use bianzhi_web::state::SecurityConfig;
use serde_json::json;

use crate::fixture::{Fx, PW};

/// The proxy of these tests: one address, and a network of others.
fn behind_proxy() -> Fx {
    Fx::with_security(SecurityConfig {
        trusted_proxies: vec!["10.0.0.1".parse().unwrap(), "fd00::/8".parse().unwrap()],
        ..Default::default()
    })
}

/// Signs in through `peer` with the given forwarding headers.
async fn sign_in(
    fx: &Fx,
    login: &str,
    pw: &str,
    peer: &str,
    headers: &[(&str, &str)],
) -> (StatusCode, HeaderMap) {
    let body = serde_json::to_vec(&json!({"login": login, "password": pw})).unwrap();
    let (s, h, _) = fx
        .send(
            Method::POST,
            "/api/v1/session",
            headers,
            Some(("application/json", body)),
            Some(peer),
        )
        .await;
    (s, h)
}

async fn failed_sign_in_addresses(fx: &Fx) -> Vec<String> {
    let aud = fx.login("aud").await;
    let (s, v) = fx
        .get("/api/v1/audit?action=登录失败&per_page=100", &aud)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let mut ips: Vec<String> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|i| i["ip"].as_str().unwrap().to_string())
        .collect();
    ips.sort();
    ips.dedup();
    ips
}

/// 20 bad passwords from client A behind the proxy lock A's address, not
/// the proxy's: client B behind the same proxy still signs in. The address
/// is the rightmost one the proxy did not add itself (what the client wrote
/// to the left of it is not believed). The audit trail names the clients.
#[tokio::test]
async fn forwarded_for_from_a_trusted_proxy_keys_the_lockout() {
    let fx = behind_proxy();
    for i in 0..20 {
        // The client lies to the left; the proxy appends what it saw.
        let xff = format!("6.6.6.{i}, 1.2.3.4");
        let (s, _) = sign_in(
            &fx,
            &format!("nobody{i}"),
            "x",
            "10.0.0.1",
            &[("x-forwarded-for", &xff)],
        )
        .await;
        assert_eq!(s, StatusCode::UNAUTHORIZED);
    }
    let a = [("x-forwarded-for", "1.2.3.4")];
    assert_eq!(
        sign_in(&fx, "jb", PW, "10.0.0.1", &a).await.0,
        StatusCode::TOO_MANY_REQUESTS,
        "client A is locked"
    );
    let b = [("x-forwarded-for", "5.6.7.8")];
    assert_eq!(
        sign_in(&fx, "jb", PW, "10.0.0.1", &b).await.0,
        StatusCode::OK,
        "client B behind the same proxy is not"
    );
    // Through two proxies (the second in the trusted network, over IPv6).
    let two = [("x-forwarded-for", "1.2.3.4, 10.0.0.1")];
    assert_eq!(
        sign_in(&fx, "jb", PW, "[fd00::7]", &two).await.0,
        StatusCode::TOO_MANY_REQUESTS
    );
    assert_eq!(failed_sign_in_addresses(&fx).await, ["1.2.3.4"]);
}

/// From a peer that is not a trusted proxy `X-Forwarded-For` is ignored:
/// changing it on every try does not escape the address lock, and the
/// audit trail records the TCP peer. Without any trusted proxy (the
/// default) the same.
#[tokio::test]
async fn forwarded_for_from_anyone_else_is_ignored() {
    for fx in [behind_proxy(), Fx::new()] {
        for i in 0..20 {
            let xff = format!("1.2.3.{i}");
            let (s, _) = sign_in(
                &fx,
                &format!("nobody{i}"),
                "x",
                "192.0.2.9",
                &[("x-forwarded-for", &xff)],
            )
            .await;
            assert_eq!(s, StatusCode::UNAUTHORIZED);
        }
        let fresh = [("x-forwarded-for", "5.6.7.8")];
        assert_eq!(
            sign_in(&fx, "jb", PW, "192.0.2.9", &fresh).await.0,
            StatusCode::TOO_MANY_REQUESTS
        );
        assert_eq!(failed_sign_in_addresses(&fx).await, ["192.0.2.9"]);
    }
}

fn set_cookies(h: &HeaderMap) -> Vec<String> {
    h.get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_string())
        .collect()
}

/// `X-Forwarded-Proto: https` from the trusted proxy: the session cookie is
/// `Secure` (on sign-in and sign-out, API and page) and answers carry HSTS.
/// From an untrusted peer, or over plain HTTP, neither.
#[tokio::test]
async fn https_through_a_trusted_proxy_gives_secure_cookies_and_hsts() {
    let fx = behind_proxy();
    let https = [
        ("x-forwarded-proto", "https"),
        ("x-forwarded-for", "1.2.3.4"),
    ];
    let (s, h) = sign_in(&fx, "jb", PW, "10.0.0.1", &https).await;
    assert_eq!(s, StatusCode::OK);
    let cookies = set_cookies(&h);
    assert!(
        !cookies.is_empty() && cookies.iter().all(|c| c.ends_with("; Secure")),
        "{cookies:?}"
    );
    assert_eq!(h["strict-transport-security"], "max-age=31536000");
    // The sign-in page, and signing in through it (with the page's form
    // token and cookie, when it has them).
    let (s, h, page) = fx
        .send(Method::GET, "/login", &https, None, Some("10.0.0.1"))
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["strict-transport-security"], "max-age=31536000");
    let page_cookies = set_cookies(&h);
    assert!(
        page_cookies.iter().all(|c| c.ends_with("; Secure")),
        "{page_cookies:?}"
    );
    let page = String::from_utf8_lossy(&page);
    let token = page
        .split(r#"name="_csrf" value=""#)
        .nth(1)
        .and_then(|t| t.split('"').next())
        .unwrap_or("");
    let cookie: Vec<&str> = page_cookies
        .iter()
        .filter_map(|c| c.split(';').next())
        .collect();
    let cookie = cookie.join("; ");
    let mut headers = https.to_vec();
    headers.push(("cookie", &cookie));
    let form = format!("login=jb&password={PW}&_csrf={token}").into_bytes();
    let (s, h, _) = fx
        .send(
            Method::POST,
            "/login",
            &headers,
            Some(("application/x-www-form-urlencoded", form)),
            Some("10.0.0.1"),
        )
        .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let cookies = set_cookies(&h);
    assert!(
        cookies.iter().any(|c| c.starts_with("bz_session=")),
        "{cookies:?}"
    );
    assert!(
        cookies.iter().all(|c| c.ends_with("; Secure")),
        "{cookies:?}"
    );

    for (peer, headers) in [
        ("192.0.2.9", &https[..]),                          // not our proxy
        ("10.0.0.1", &[("x-forwarded-proto", "http")][..]), // our proxy, plain HTTP
        ("10.0.0.1", &[][..]),
    ] {
        let (s, h) = sign_in(&fx, "jb", PW, peer, headers).await;
        assert_eq!(s, StatusCode::OK);
        let cookies = set_cookies(&h);
        assert!(
            !cookies.is_empty() && cookies.iter().all(|c| !c.contains("Secure")),
            "{peer} {headers:?}: {cookies:?}"
        );
        assert!(!h.contains_key("strict-transport-security"), "{peer}");
    }
}
