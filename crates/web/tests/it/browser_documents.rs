//! In the browser, as the office works: an 入编 approved under the 文号 the
//! form suggests; its 入编通知单 downloaded with the clerk's session and read
//! back (text extraction finds the 文号, the unit and the verification
//! code); the public 文件核验 page, signed out, verifies the code and refuses
//! it with one digit changed; a mistaken matter corrected through the 更正
//! form, both matters linked. Screenshots go to `target/screenshots/`.

use bianzhi_core::ident::{make_id_number, Sex};
use bianzhi_web::matters::service::MatterInput;
use chrono::{Datelike, NaiveDate};
use serde_json::json;

use crate::browser::{approve, submit_hire};
use crate::chrome::{Browser, Demo};

/// Fetches `path` with the browser's session; the bytes.
async fn fetch_bytes(b: &Browser, path: &str) -> Vec<u8> {
    let v =
        b.c.execute_async(
            "const done = arguments[arguments.length - 1];
             fetch(arguments[0], {credentials: 'same-origin'})
               .then(r => r.ok ? r.arrayBuffer() : Promise.reject(r.status))
               .then(buf => done(Array.from(new Uint8Array(buf))))
               .catch(e => done('error ' + e));",
            vec![json!(path)],
        )
        .await
        .unwrap();
    let arr = v
        .as_array()
        .unwrap_or_else(|| panic!("download failed: {v}"));
    arr.iter().map(|x| x.as_u64().unwrap() as u8).collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_approved_hire_notice_verifies_and_a_mistake_is_corrected() {
    let demo = Demo::build();
    let app = demo.app.clone();
    let Some(b) = Browser::start(app.clone()).await else {
        return;
    };
    let year = app.today().year();
    let (unit, unit_name, plan, funding) = {
        let db = app.db();
        let st = db.state();
        let l = st
            .plan_lines
            .iter()
            .flatten()
            .find(|l| l.year == year && l.remaining() >= 2)
            .expect("a plan line of this year");
        let row = bianzhi_core::query::quota_table(st, l.unit, app.today())
            .into_iter()
            .find(|r| r.qtype == "事业编制")
            .expect("事业编制 account");
        assert!(row.available >= 1, "a vacancy for the hire");
        (l.unit, st.unit_name(l.unit), l.id.0, row.funding.clone())
    };

    // 1. The unit applies; the office leader approves with the suggested 文号.
    b.sign_in("danwei", "danwei-2024").await;
    let idn = make_id_number(
        "320903",
        NaiveDate::from_ymd_opt(2000, 3, 9).unwrap(),
        91,
        Sex::Female,
    )
    .into_string();
    let app_url = submit_hire(&b.c, &b.base, unit.0, plan, "林晓", &idn).await;
    b.sign_out().await;
    b.sign_in("lingdao", "lingdao-2024").await;
    let suggested = app.next_doc().unwrap().expect("the demo's 机关代字");
    approve(&b.c, &app_url, "").await;
    assert_eq!(b.text("#app-status").await, "已批准");
    let seq = {
        let db = app.db();
        let (seq, m) = db.ledger().decoded_journal().unwrap().pop().unwrap();
        assert_eq!(m.doc.raw, suggested, "recorded under the suggested 文号");
        seq
    };

    // 2. Its 入编通知单: offered on the matter page, downloaded, read back.
    b.goto(&format!("/matters/{seq}")).await;
    b.c.find(fantoccini::Locator::Id("doc-hire")).await.unwrap();
    b.shot("70-事项-入编-通知单").await;
    let pdf = fetch_bytes(&b, &format!("/matters/{seq}/documents/hire.pdf")).await;
    assert!(pdf.starts_with(b"%PDF-"), "a PDF");
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    let flat: String = text.split_whitespace().collect();
    for want in ["入编通知单", suggested.as_str(), unit_name.as_str(), "林晓"] {
        assert!(flat.contains(want), "{want} in the notice: {text}");
    }
    let code: String = flat
        .split("核验码：")
        .nth(1)
        .expect("a verification code")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    assert!(code.starts_with(&format!("RB-{seq}-")), "{code}");

    // 3. The public page, signed out: verifies; one digit changed: refused.
    b.sign_out().await;
    b.goto(&format!("/verify/{code}")).await;
    b.c.find(fantoccini::Locator::Id("verify-ok"))
        .await
        .unwrap();
    assert_eq!(b.text("#verify-doc").await, suggested);
    assert_eq!(b.text("#verify-status").await, "有效");
    let page = b.text("main").await;
    assert!(
        !page.contains("林晓") && !page.contains(&unit_name),
        "{page}"
    );
    b.shot("71-文件核验-通过").await;
    let last = code.chars().last().unwrap();
    let forged = format!(
        "{}{}",
        &code[..code.len() - 1],
        if last == '0' { '1' } else { '0' }
    );
    b.goto(&format!("/verify/{forged}")).await;
    b.c.find(fantoccini::Locator::Id("verify-fail"))
        .await
        .unwrap();
    b.shot("72-文件核验-不通过").await;

    // 4. A mistaken 核增 (2 instead of 1) is corrected through the 更正 form.
    let leader = bianzhi_web::auth::User {
        id: 2,
        login: "lingdao".into(),
        name: "王建国".into(),
        role: bianzhi_web::auth::Role::OfficeLeader,
        roles: vec![bianzhi_web::auth::Role::OfficeLeader],
        unit: None,
        scope: None,
        csrf: String::new(),
        session: String::new(),
        token: false,
    };
    let wrong = app
        .record_matter(
            &leader,
            MatterInput {
                doc: format!("盐编〔{year}〕93号"),
                effective: app.today().to_string(),
                reason: "核增编制".into(),
                same_doc: false,
                corrects: None,
                ops: vec![json!({"op": "核增编制", "unit": unit.0, "qtype": "事业编制", "funding": funding, "count": 2})],
            },
        )
        .unwrap();
    let approved = || {
        let db = app.db();
        bianzhi_core::query::quota_table(db.state(), unit, app.today())
            .into_iter()
            .filter(|r| r.qtype == "事业编制")
            .map(|r| r.counts.approved)
            .sum::<i32>()
    };
    let with_mistake = approved();
    b.sign_in("lingdao", "lingdao-2024").await;
    b.goto(&format!("/matters/{wrong}")).await;
    b.click("amend", "correcting").await;
    b.shot("73-更正-表单").await;
    assert_eq!(
        b.c.find(fantoccini::Locator::Id("o0-count"))
            .await
            .unwrap()
            .prop("value")
            .await
            .unwrap()
            .as_deref(),
        Some("2"),
        "the form starts from the matter's operations"
    );
    b.fill("o0-count", "1").await;
    b.fill("matter-doc", &format!("盐编〔{year}〕94号")).await;
    b.click("matter-record", "corrects").await;
    assert_eq!(approved(), with_mistake - 1);
    b.shot("74-更正-已登记").await;
    // Both linked: the correction names the matter; the matter its correction.
    b.c.find(fantoccini::Locator::Css(&format!(
        "#corrects a[href='/matters/{wrong}']"
    )))
    .await
    .unwrap()
    .click()
    .await
    .unwrap();
    b.c.wait()
        .for_element(fantoccini::Locator::Id("voided-by"))
        .await
        .unwrap();
    let note = b.text("#voided-by").await;
    assert!(note.contains("更正") && note.contains("94号"), "{note}");
    b.shot("75-原事项-已更正").await;
    b.goto("/matters").await;
    assert!(b.text("main").await.contains("已更正"));
}
