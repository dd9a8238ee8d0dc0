//! Documents of a matter: the 入编通知单 as PDF (read back), its
//! verification code checked on the public page (no sign-in, no personal
//! data), a changed digit refused, and another unit's clerk refused.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::fixture::*;

async fn get(
    fx: &Fx,
    uri: &str,
    tok: Option<&str>,
) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    let auth = tok.map(|t| format!("Bearer {t}"));
    let headers: Vec<(&str, &str)> = auth.iter().map(|a| ("authorization", a.as_str())).collect();
    fx.send(Method::GET, uri, &headers, None, None).await
}

#[tokio::test]
async fn a_hire_notice_verifies_by_its_code() {
    let fx = Fx::new();
    let id = submitted(&fx, 61).await;
    let ld = fx.login("ld").await;
    let year = fx.app.today().format("%Y").to_string();
    let doc = format!("盐编〔{year}〕70号");
    let (s, v) = fx
        .post(
            &format!("/api/v1/applications/{id}/approve"),
            &ld,
            json!({"doc": doc}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let seq = v["matter_seq"].as_u64().unwrap();
    // The matter page offers the notice.
    let jb = sign_in(&fx, "jb").await;
    let (_, html) = page(&fx, &jb, &format!("/matters/{seq}")).await;
    assert!(
        html.contains(&format!("/matters/{seq}/documents/hire.pdf")),
        "{html}"
    );
    // The PDF: 文号, unit, person, code.
    let (s, h, pdf) = get(
        &fx,
        &format!("/matters/{seq}/documents/hire.pdf"),
        Some(&jb.0),
    )
    .await;
    if s == StatusCode::UNPROCESSABLE_ENTITY && std::env::var_os("CI").is_none() {
        println!("跳过：未找到中文字体");
        return;
    }
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(h["content-type"], "application/pdf");
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    let flat: String = text.split_whitespace().collect();
    for want in ["入编通知单", doc.as_str(), "区实验小学", "新人61"] {
        assert!(flat.contains(want), "{want}: {text}");
    }
    let code = flat
        .split("核验码：")
        .nth(1)
        .map(|r| {
            r.chars()
                .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
                .collect::<String>()
        })
        .expect("a code");
    assert!(code.starts_with(&format!("RB-{seq}-")), "{code}");
    // The public page: no sign-in, verifies, shows no personal data.
    let (s, _, body) = get(&fx, &format!("/verify/{code}"), None).await;
    let body = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(s, StatusCode::OK, "{body}");
    assert!(
        body.contains("id=\"verify-ok\"") && body.contains(&doc) && body.contains("入编通知单"),
        "{body}"
    );
    assert!(
        !body.contains("新人61") && !body.contains("区实验小学"),
        "no personal data: {body}"
    );
    // One digit changed: refused.
    let last = code.chars().last().unwrap();
    let other = if last == '0' { '1' } else { '0' };
    let forged = format!("{}{other}", &code[..code.len() - 1]);
    let (s, _, body) = get(&fx, &format!("/verify/{forged}"), None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(String::from_utf8_lossy(&body).contains("id=\"verify-fail\""));
    // Another kind under the same number: refused too.
    let (s, _, _) = get(
        &fx,
        &format!("/verify/{}", code.replacen("RB", "CB", 1)),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // 卫健委's clerk cannot download the school's notice (answered as missing).
    let dw2 = fx.login("dw2").await;
    let (s, _, _) = get(
        &fx,
        &format!("/matters/{seq}/documents/hire.pdf"),
        Some(&dw2),
    )
    .await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // The download is in the audit trail.
    let aud = fx.login("aud").await;
    let (_, v) = fx
        .get(&format!("/api/v1/audit?action={}", enc("下载通知单")), &aud)
        .await;
    assert!(
        v["items"][0]["detail"].as_str().unwrap().contains(&code),
        "{v}"
    );
    // Once the 入编 is revoked, the document is still found but no longer
    // stands, and the page says so.
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb.0,
            json!({"doc": format!("盐编〔{year}〕71号"), "effective": fx.app.today().to_string(),
                   "ops": [], "corrects": {"of": seq, "kind": "撤销"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, _, body) = get(&fx, &format!("/verify/{code}"), None).await;
    let body = String::from_utf8_lossy(&body).into_owned();
    assert_eq!(s, StatusCode::OK);
    assert!(
        body.contains("id=\"verify-voided\"") && !body.contains("id=\"verify-ok\""),
        "{body}"
    );
    assert!(body.contains("已撤销"), "{body}");
}

/// 文件核验 is public, so lookups from one address are limited: a code
/// cannot be guessed by trying many.
#[tokio::test]
async fn public_lookups_are_limited_per_address() {
    let fx = Fx::new();
    let n = bianzhi_web::state::LOOKUPS_PER_MINUTE;
    for i in 0..n {
        let (s, _, _) = get(&fx, &format!("/verify/RB-1-{i:08X}"), None).await;
        assert_eq!(s, StatusCode::NOT_FOUND, "lookup {i}");
    }
    let (s, _, body) = get(&fx, "/verify/RB-1-00000000", None).await;
    assert_eq!(s, StatusCode::TOO_MANY_REQUESTS);
    assert!(String::from_utf8_lossy(&body).contains("过于频繁"));
    // A minute on, lookups are answered again.
    fx.app.advance_clock(chrono::Duration::seconds(61));
    let (s, _, _) = get(&fx, "/verify/RB-1-00000000", None).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
}
