//! 事业单位登记管理 over HTTP: the bad-input refusals (wrong-prefix code, a
//! 设立 without a ledger matter, a file of the wrong type or too large) write
//! nothing; a 设立 goes through 补正, 受理 and 准予 into the register with a
//! certificate that verifies; a 变更 of 法定代表人 re-issues it; a unit
//! abolished in the ledger shows as 待注销 and is deregistered in bulk with
//! its seals collected; an annual report is filed, reviewed and published on
//! the public page; a clerk outside the unit sees none of it.

use axum::http::{Method, StatusCode};
use bianzhi_core::ident::make_credit_code;
use serde_json::json;

use crate::fixture::*;

const PDF: &[u8] = b"%PDF-1.4\n% registration test\n";

fn code(n: u32) -> String {
    make_credit_code('1', '2', "320903", &format!("{n:08}"))
        .as_str()
        .to_string()
}

fn establish_fields<'a>(code: &'a str, doc: &'a str) -> Vec<(&'a str, &'a str)> {
    vec![
        ("kind", "establish"),
        ("mode", "登记"),
        ("approval_doc", doc),
        ("code", code),
        ("name", "区实验小学"),
        ("domicile", "盐城市盐都区开放大道1号"),
        ("purpose", "实施小学义务教育"),
        ("legal_rep", "王小明"),
        ("funding", "财政补助"),
        ("capital", "120"),
        ("sponsors", "区教育局"),
    ]
}

fn records(fx: &Fx, kind: &str) -> usize {
    fx.app.wf().records(kind).unwrap().len()
}

fn id_of(location: &str) -> i64 {
    location
        .trim_start_matches("/registration/applications/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap()
}

#[tokio::test]
async fn bad_input_is_refused_in_chinese_and_writes_nothing() {
    let fx = Fx::new();
    let dw = sign_in(&fx, "dw").await;
    // A code of a 机关 (11…), not a 事业单位.
    let wrong = make_credit_code('1', '1', "320903", "00000009")
        .as_str()
        .to_string();
    let (s, _, body) = form(
        &fx,
        &dw,
        "/registration/applications/new",
        &establish_fields(&wrong, "盐编〔2024〕1号"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("应以“12”开头"), "{body}");
    // A 设立 citing a document the ledger does not have.
    let c = code(5);
    let (s, _, body) = form(
        &fx,
        &dw,
        "/registration/applications/new",
        &establish_fields(&c, "盐编〔2024〕99号"),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(
        body.contains("设立登记须引用机构编制台账中的设立事项"),
        "{body}"
    );
    assert_eq!(records(&fx, "reg_application"), 0);
    // A good one, then a file of the wrong type and one too large.
    let (s, loc, _) = form(
        &fx,
        &dw,
        "/registration/applications/new",
        &establish_fields(&c, "盐编〔2024〕1号"),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{loc}");
    let id = id_of(&loc);
    let uri = format!("/registration/applications/{id}/materials");
    let (s, _, body) = upload_file(
        &fx,
        &dw,
        &uri,
        &[("kind", "ApplicationForm")],
        "申请书.pdf",
        b"MZ\x90\x00 an executable",
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("不是 PDF、JPEG、PNG 或 OFD 文件"), "{body}");
    let mut big = PDF.to_vec();
    big.resize(11 * 1024 * 1024, b'x');
    let (s, _, body) = upload_file(
        &fx,
        &dw,
        &uri,
        &[("kind", "ApplicationForm")],
        "大.pdf",
        &big,
    )
    .await;
    assert!(s.is_client_error(), "{s}");
    assert!(body.contains("MB"), "{body}");
    let (_, a) = fx.app.reg_application(&admin_like(&fx), id).unwrap();
    assert!(a.app.materials.is_empty() && a.blobs.is_empty());
    // Submitting without the materials is refused too.
    let (s, _, body) = form(
        &fx,
        &dw,
        &format!("/registration/applications/{id}/submit"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("申请材料不全"), "{body}");
}

/// A user that may read every application (the office clerk).
fn admin_like(fx: &Fx) -> bianzhi_web::auth::User {
    let rec = { fx.app.wf().user_by_login("jb").unwrap().unwrap() };
    bianzhi_web::auth::User::from_record(&rec, "s", "c").unwrap()
}

async fn upload_all(fx: &Fx, who: &(String, String), id: i64) {
    let (_, a) = fx.app.reg_application(&admin_like(fx), id).unwrap();
    for k in a.app.missing() {
        let (s, _, body) = upload_file(
            fx,
            who,
            &format!("/registration/applications/{id}/materials"),
            &[("kind", &format!("{k:?}"))],
            "材料.pdf",
            PDF,
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    }
}

/// Opens, completes and approves a 设立 of 区实验小学; answers the 法人编号.
async fn registered(fx: &Fx) -> u32 {
    let dw = sign_in(fx, "dw").await;
    let jb = sign_in(fx, "jb").await;
    let ld = sign_in(fx, "ld").await;
    let c = code(5);
    let (_, loc, _) = form(
        fx,
        &dw,
        "/registration/applications/new",
        &establish_fields(&c, "盐编〔2024〕1号"),
    )
    .await;
    let id = id_of(&loc);
    upload_all(fx, &dw, id).await;
    let (s, _, b) = form(
        fx,
        &dw,
        &format!("/registration/applications/{id}/submit"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    // One 补正 notice listing everything, then the applicant completes it.
    let (s, _, b) = form(
        fx,
        &jb,
        &format!("/registration/applications/{id}/supplement"),
        &[("reason", "章程草案未经举办单位盖章\n住所证明租期不足一年")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (_, page_html) = page(fx, &dw, &format!("/registration/applications/{id}")).await;
    assert!(page_html.contains("补正告知") && page_html.contains("租期不足一年"));
    let (s, _, b) = upload_file(
        fx,
        &dw,
        &format!("/registration/applications/{id}/materials"),
        &[("kind", "Charter")],
        "章程（盖章）.pdf",
        PDF,
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (s, _, _) = form(
        fx,
        &dw,
        &format!("/registration/applications/{id}/submit"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    // The clerk may not approve; the unit may not accept.
    let (s, _, _) = form(
        fx,
        &dw,
        &format!("/registration/applications/{id}/accept"),
        &[],
    )
    .await;
    assert!(s.is_client_error());
    let (s, _, _) = form(
        fx,
        &jb,
        &format!("/registration/applications/{id}/accept"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (s, _, _) = form(
        fx,
        &jb,
        &format!("/registration/applications/{id}/approve"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, b) = form(
        fx,
        &ld,
        &format!("/registration/applications/{id}/approve"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (s, _, _) = form(
        fx,
        &jb,
        &format!("/registration/applications/{id}/complete"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (register, _) = fx.app.register().unwrap();
    let p = register
        .as_of(fx.app.today())
        .into_values()
        .find(|p| p.code == c)
        .expect("registered");
    assert!(p.certificate.is_some());
    p.reg.0
}

#[tokio::test]
async fn an_establishment_through_supplement_and_approval_gives_a_certificate_that_verifies() {
    let fx = Fx::new();
    let reg = registered(&fx).await;
    let dw = sign_in(&fx, "dw").await;
    let (s, html) = page(&fx, &dw, &format!("/registration/legal/{reg}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("区实验小学") && html.contains("王小明"));
    let code = html
        .split("id=\"cert-code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    // The unit page shows the registration.
    let unit = fx.unit("区实验小学");
    let (_, html) = page(&fx, &dw, &format!("/units/{unit}")).await;
    assert!(html.contains("id=\"unit-registration\""), "{html}");
    // The public check of the certificate's code (no sign-in).
    let (s, _, b) = fx
        .send(
            Method::GET,
            &format!("/public/registration/verify/{code}"),
            &[],
            None,
            None,
        )
        .await;
    let b = String::from_utf8_lossy(&b);
    assert_eq!(s, StatusCode::OK, "{b}");
    assert!(b.contains("verify-ok") && b.contains("区实验小学"));
    let (s, _, _) = fx
        .send(
            Method::GET,
            "/public/registration/verify/0000-0000-0000-0000",
            &[],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // A 变更 of 法定代表人 re-issues the certificate: the old code no longer verifies as current.
    let jb = sign_in(&fx, "jb").await;
    let ld = sign_in(&fx, "ld").await;
    let (s, loc, b) = form(
        &fx,
        &dw,
        "/registration/applications/new",
        &[
            ("kind", "change"),
            ("reg", &reg.to_string()),
            ("new_legal_rep", "李华"),
            ("basis_doc", "盐教任〔2026〕5号"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let id = id_of(&loc);
    upload_all(&fx, &dw, id).await;
    form(
        &fx,
        &dw,
        &format!("/registration/applications/{id}/submit"),
        &[],
    )
    .await;
    form(
        &fx,
        &jb,
        &format!("/registration/applications/{id}/accept"),
        &[],
    )
    .await;
    let (s, _, b) = form(
        &fx,
        &ld,
        &format!("/registration/applications/{id}/approve"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (_, html) = page(&fx, &dw, &format!("/registration/legal/{reg}")).await;
    assert!(html.contains("李华"));
    let new_code = html
        .split("id=\"cert-code\">")
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(new_code, code);
    let (_, _, b) = fx
        .send(
            Method::GET,
            &format!("/public/registration/verify/{code}"),
            &[],
            None,
            None,
        )
        .await;
    assert!(String::from_utf8_lossy(&b).contains("verify-void"));
    let (_, _, b) = fx
        .send(
            Method::GET,
            &format!("/public/registration/verify/{new_code}"),
            &[],
            None,
            None,
        )
        .await;
    assert!(String::from_utf8_lossy(&b).contains("verify-ok"));
    // The certificate PDF (needs the system's CJK font).
    let (s, h, pdf) = fx
        .send(
            Method::GET,
            &format!("/registration/legal/{reg}/certificate.pdf"),
            &[("authorization", &format!("Bearer {}", dw.0))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{}", String::from_utf8_lossy(&pdf));
    assert_eq!(h["content-type"], "application/pdf");
    assert!(pdf.starts_with(b"%PDF"));
    // The audit trail has the approval in the office's words.
    let (audit, _) = fx
        .app
        .wf()
        .audit(&bianzhi_store::AuditFilter {
            limit: 500,
            ..Default::default()
        })
        .unwrap();
    assert!(
        audit
            .iter()
            .any(|e| e.detail.contains("登记申请") && e.detail.contains("准予登记")),
        "{audit:?}"
    );
}

#[tokio::test]
async fn a_clerk_of_another_unit_sees_nothing_of_it() {
    let fx = Fx::new();
    let reg = registered(&fx).await;
    let dw2 = sign_in(&fx, "dw2").await;
    let (s, html) = page(&fx, &dw2, &format!("/registration/legal/{reg}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    assert!(!html.contains("区实验小学"));
    let (_, html) = page(&fx, &dw2, "/registration").await;
    assert!(!html.contains("区实验小学"));
    let (_, v) = fx.get("/api/v1/registration", &dw2.0).await;
    assert_eq!(v["rows"].as_array().unwrap().len(), 0, "{v}");
    let (s, v) = fx
        .get("/api/v1/registration", &sign_in(&fx, "jb").await.0)
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["rows"][0]["name"], json!("区实验小学"));
}

#[tokio::test]
async fn an_abolished_unit_is_pending_deregistration_until_deregistered_with_its_seals_collected() {
    let fx = Fx::new();
    let reg = registered(&fx).await;
    let jb = sign_in(&fx, "jb").await;
    let ld = sign_in(&fx, "ld").await;
    // A seal filed after the certificate.
    let (s, _, b) = form(
        &fx,
        &jb,
        &format!("/registration/legal/{reg}/seal"),
        &[
            ("kind", "公章"),
            ("maker", "盐城市某刻章店"),
            ("doc", "印备2026-1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    // The ledger abolishes the school (its people and quota moved first).
    let today = fx.app.today();
    let m: bianzhi_core::Matter = serde_json::from_value(json!({
        "doc": "盐编〔2026〕77号", "effective": today, "reason": "学校撤并", "recorded_at": chrono::Utc::now(), "actor": "测试",
        "ops": [
            {"op": "leave", "person": crate::fixture::idn(1), "reason": "调出"},
            {"op": "leave", "person": crate::fixture::idn(2), "reason": "调出"},
            {"op": "set_posts", "unit": "区实验小学", "kind": "UnitChief", "count": 0},
            {"op": "reclaim_unit_quotas", "unit": "区实验小学"},
            {"op": "abolish_unit", "unit": "区实验小学"}
        ]
    }))
    .unwrap();
    fx.app.db().submit(m, chrono::Utc::now()).unwrap();
    let (_, html) = page(&fx, &jb, "/registration?only=pending").await;
    assert!(
        html.contains("区实验小学") && html.contains("待注销"),
        "{html}"
    );
    // 批量注销 by the 撤销 document opens its 注销 application.
    let (s, _, html) = form(
        &fx,
        &jb,
        "/registration/bulk",
        &[("doc", "盐编〔2026〕77号")],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("已发起注销登记申请 1 件"), "{html}");
    let (_, _, apps) = fx
        .app
        .reg_applications()
        .unwrap()
        .into_iter()
        .last()
        .unwrap();
    let id = apps.app.id as i64;
    let dw = sign_in(&fx, "dw").await;
    upload_all(&fx, &dw, id).await;
    let (s, _, b) = form(
        &fx,
        &dw,
        &format!("/registration/applications/{id}/submit"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    form(
        &fx,
        &jb,
        &format!("/registration/applications/{id}/accept"),
        &[],
    )
    .await;
    let (s, _, b) = form(
        &fx,
        &ld,
        &format!("/registration/applications/{id}/approve"),
        &[],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (_, html) = page(&fx, &jb, &format!("/registration/legal/{reg}")).await;
    assert!(html.contains("已注销") && html.contains("待收缴"), "{html}");
    // The seal is collected, then destroyed.
    let (s, _, b) = form(
        &fx,
        &jb,
        &format!("/registration/legal/{reg}/collect"),
        &[
            ("seal", "1"),
            ("receiver", "登记局 赵敏"),
            ("doc", "收缴2026-1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (s, _, _) = form(
        &fx,
        &jb,
        &format!("/registration/legal/{reg}/destroy"),
        &[
            ("seal", "1"),
            ("receiver", "区公安分局"),
            ("doc", "销毁2026-1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (_, html) = page(&fx, &jb, &format!("/registration/legal/{reg}")).await;
    assert!(
        html.contains("已销毁") && !html.contains("id=\"person-pending\""),
        "{html}"
    );
    let (_, html) = page(&fx, &jb, "/registration?only=pending").await;
    assert!(!html.contains("reg-row-"), "no unit pending any more");
}

#[tokio::test]
async fn an_annual_report_is_filed_reviewed_and_published_on_the_public_page() {
    let fx = Fx::new();
    let reg = registered(&fx).await;
    // The report of this year opens next January: move the clock there.
    fx.app.advance_clock(chrono::Duration::days(400));
    let year = chrono::Datelike::year(&fx.app.today()) - 1;
    let dw = sign_in(&fx, "dw").await;
    let jb = sign_in(&fx, "jb").await;
    let base = format!("/registration/annual/{reg}/{year}");
    let fields = [
        ("activities", "完成全年教育教学任务"),
        ("net_assets_begin", "350"),
        ("net_assets_end", "362.5"),
        ("staff", "2"),
        ("changes", "无"),
        ("licences", "无"),
        ("rewards", "无"),
        ("litigation", "无"),
        ("complaints", "无"),
        ("donations", "无"),
    ];
    let (s, _, b) = form(&fx, &dw, &format!("{base}/save"), &fields).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    form(&fx, &dw, &format!("{base}/submit"), &[]).await;
    // 区教育局's clerk acts for the 举办单位.
    let (s, _, b) = form(&fx, &dw, &format!("{base}/sponsor_approve"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (s, _, _) = form(&fx, &jb, &format!("{base}/publish"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let c = code(5);
    let (s, _, b) = fx
        .send(
            Method::GET,
            &format!("/public/registration/{c}"),
            &[],
            None,
            None,
        )
        .await;
    let b = String::from_utf8_lossy(&b);
    assert_eq!(s, StatusCode::OK);
    assert!(
        b.contains(&format!("public-report-{year}")) && b.contains("完成全年教育教学任务"),
        "{b}"
    );
    // No personal data beyond the 法定代表人: no 身份证号 anywhere.
    assert!(!b.contains(&crate::fixture::idn(1)));
}

#[tokio::test]
async fn the_province_sets_its_own_deadlines_and_the_clock_follows() {
    let fx = Fx::new();
    let ld = sign_in(&fx, "ld").await;
    let jb = sign_in(&fx, "jb").await;
    let mut fields = vec![
        ("accept_days", "5"),
        ("decide_days", "20"),
        ("change_days", "30"),
        ("deregister_after_liquidation_days", "15"),
        ("establish_after_approval_days", "60"),
        ("deregister_after_abolition_days_calendar", "365"),
        ("certificate_years", "5"),
        ("renewal_window_days_calendar", "30"),
        ("seal_filing_days", "60"),
        ("annual_report_due", "3-31"),
        ("spot_check_permille", "20"),
        ("inspectors_per_unit", "2"),
        ("max_file_mb", "10"),
    ];
    // Only the leader sets them.
    let (s, _, _) = form(&fx, &jb, "/registration/policy", &fields).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    fields[0].1 = "99";
    let (s, _, body) = form(&fx, &ld, "/registration/policy", &fields).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("受理期限"), "{body}");
    assert_eq!(
        fx.app.registration_policy(),
        bianzhi_registration::Policy::default()
    );
    fields[0].1 = "5";
    let (s, _, b) = form(&fx, &ld, "/registration/policy", &fields).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let p = fx.app.registration_policy();
    assert_eq!(
        (
            p.accept_days,
            p.decide_days,
            p.establish_after_approval_days
        ),
        (5, 20, Some(60))
    );
    // An application submitted now is due for 受理 five working days later.
    let dw = sign_in(&fx, "dw").await;
    let (_, loc, _) = form(
        &fx,
        &dw,
        "/registration/applications/new",
        &establish_fields(&code(5), "盐编〔2024〕1号"),
    )
    .await;
    let id = id_of(&loc);
    upload_all(&fx, &dw, id).await;
    form(
        &fx,
        &dw,
        &format!("/registration/applications/{id}/submit"),
        &[],
    )
    .await;
    let (_, a) = fx.app.reg_application(&admin_like(&fx), id).unwrap();
    let cal = fx.app.registration_calendar().unwrap();
    let today = fx.app.today();
    assert_eq!(
        a.app.accept_due(&cal, &p),
        Some(cal.add_working_days(today, 5))
    );
    // Filed long after the approval (2024): late under the 60-working-day rule.
    let (_, html) = page(&fx, &dw, &format!("/registration/applications/{id}")).await;
    assert!(html.contains("id=\"filed-late\""), "{html}");
}

#[tokio::test]
async fn the_api_opens_and_acts_on_applications_with_the_forms_field_names() {
    let fx = Fx::new();
    let dw = sign_in(&fx, "dw").await;
    let jb = sign_in(&fx, "jb").await;
    let c = code(5);
    // A 设立 without a ledger matter: refused, nothing written.
    let r = fx
        .post(
            "/api/v1/registration/applications",
            &dw.0,
            json!({"kind": "establish", "fields": {"approval_doc": "盐编〔2024〕99号", "code": c, "name": "区实验小学",
                "domicile": "开放大道1号", "purpose": "小学教育", "legal_rep": "王小明", "funding": "财政补助",
                "capital": "120", "sponsors": "区教育局"}}),
        )
        .await;
    assert_err(&r, 422, "no_establish_matter");
    assert_eq!(records(&fx, "reg_application"), 0);
    let (s, v) = fx
        .post(
            "/api/v1/registration/applications",
            &dw.0,
            json!({"kind": "establish", "fields": {"approval_doc": "盐编〔2024〕1号", "code": c, "name": "区实验小学",
                "domicile": "开放大道1号", "purpose": "小学教育", "legal_rep": "王小明", "funding": "财政补助",
                "capital": "120", "sponsors": "区教育局"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = v["id"].as_i64().unwrap();
    // Submitting without materials is refused; the office may not withdraw it.
    let r = fx
        .post(
            &format!("/api/v1/registration/applications/{id}/actions"),
            &dw.0,
            json!({"action": "submit"}),
        )
        .await;
    assert_err(&r, 422, "missing_materials");
    let r = fx
        .post(
            &format!("/api/v1/registration/applications/{id}/actions"),
            &jb.0,
            json!({"action": "withdraw"}),
        )
        .await;
    assert_err(&r, 422, "action_not_allowed");
    let (s, v) = fx
        .post(
            &format!("/api/v1/registration/applications/{id}/actions"),
            &dw.0,
            json!({"action": "withdraw"}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["status"], json!("已撤回"));
    // An unknown kind is refused as the API refuses any value outside its schema.
    let (s, _) = fx
        .post(
            "/api/v1/registration/applications",
            &dw.0,
            json!({"kind": "merge"}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
}

#[tokio::test]
async fn only_the_leader_suspends_and_restores_and_a_refusal_writes_nothing() {
    let fx = Fx::new();
    let reg = registered(&fx).await;
    let jb = sign_in(&fx, "jb").await;
    let ld = sign_in(&fx, "ld").await;
    let entries = |fx: &Fx| fx.app.register().unwrap().0.entries().len();
    let (s, _, b) = form(
        &fx,
        &ld,
        &format!("/registration/legal/{reg}/sanction"),
        &[
            ("step", "suspend"),
            ("doc", "盐事登罚〔2026〕1号"),
            ("reason", "年度报告逾期未报"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let before = entries(&fx);
    let (s, _, _) = form(
        &fx,
        &jb,
        &format!("/registration/legal/{reg}/restore"),
        &[("doc", "盐事登〔2026〕2号")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(
        entries(&fx),
        before,
        "the clerk's refused 发还 wrote nothing"
    );
    let (_, html) = page(&fx, &ld, &format!("/registration/legal/{reg}")).await;
    assert!(html.contains("id=\"restore-form\""), "{html}");
    let (s, _, b) = form(
        &fx,
        &ld,
        &format!("/registration/legal/{reg}/restore"),
        &[("doc", "盐事登〔2026〕2号")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{b}");
    let (_, html) = page(&fx, &ld, &format!("/registration/legal/{reg}")).await;
    assert!(html.contains("id=\"person-status\">存续"), "{html}");
}
