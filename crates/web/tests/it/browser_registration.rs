//! In the browser, 事业单位登记管理 on the demo: a school's clerk applies for
//! a 变更 of 法定代表人 with files, gets a 补正 notice, completes it, the
//! office accepts and the leader approves; the new certificate PDF carries
//! the new name and its code verifies on the public page. A unit abolished in
//! the ledger shows as 待注销, is deregistered through 批量注销 and its seals
//! are collected. An annual report is filed, passed by the 举办单位, published
//! by the office and shown on the public query page. Screenshots go to
//! `target/screenshots/`.

use bianzhi_registration::annual::ReportStatus;
use bianzhi_registration::application::AppKind;
use bianzhi_web::registration::views::register_view;
use fantoccini::Locator;
use serde_json::json;

use crate::chrome::{Browser, Demo};

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

/// Uploads `file` as each material the application still lacks.
async fn upload_missing(
    b: &Browser,
    id: i64,
    file: &std::path::Path,
    app: &bianzhi_web::state::App,
    who: &bianzhi_web::auth::User,
) {
    let (_, a) = app.reg_application(who, id).unwrap();
    for k in a.app.missing() {
        b.select("upload-kind", &format!("{k:?}")).await;
        b.c.find(Locator::Id("upload-file"))
            .await
            .unwrap()
            .send_keys(&file.to_string_lossy())
            .await
            .unwrap();
        b.click("upload-submit", "done").await;
    }
}

fn office(app: &bianzhi_web::state::App) -> bianzhi_web::auth::User {
    let rec = app.wf().user_by_login("jingban").unwrap().unwrap();
    bianzhi_web::auth::User::from_record(&rec, "s", "c").unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn change_deregistration_and_annual_report_in_the_browser() {
    let demo = Demo::build();
    let app = demo.app.clone();
    let clerk = {
        let rec = app.wf().user_by_login("danwei").unwrap().unwrap();
        bianzhi_web::auth::User::from_record(&rec, "s", "c").unwrap()
    };
    let jb = office(&app);
    let today = app.today();
    // A school of the clerk's with no open application, and one whose last
    // year's report is not in; a unit 待注销 with no 注销 application.
    let view = register_view(&app, &clerk, today).unwrap();
    let open: Vec<(Option<u32>, AppKind)> = app
        .reg_applications()
        .unwrap()
        .into_iter()
        .filter(|(_, _, a)| a.app.status.open())
        .map(|(_, _, a)| (a.app.reg.map(|r| r.0), a.app.kind()))
        .collect();
    let school = view
        .rows
        .iter()
        .find(|r| {
            r.status == "存续"
                && !r.pending_deregistration
                && !open.iter().any(|(g, _)| *g == Some(r.reg))
                && r.name.contains("小学")
        })
        .expect("a school of the clerk's")
        .clone();
    let year = chrono::Datelike::year(&today) - 1;
    let reports = app.annual_reports().unwrap();
    let reporter = view
        .rows
        .iter()
        .filter(|r| r.status == "存续" && !r.pending_deregistration && r.reg != school.reg)
        .find(|r| {
            !reports.iter().any(|(_, _, x)| {
                x.reg.0 == r.reg
                    && x.year == year
                    && matches!(
                        x.status,
                        ReportStatus::Published
                            | ReportStatus::Submitted
                            | ReportStatus::SponsorReview
                    )
            })
        })
        .expect("a unit of the clerk's whose report is not in")
        .clone();
    let all = register_view(&app, &jb, today).unwrap();
    let pending = all
        .rows
        .iter()
        .find(|r| {
            r.pending_deregistration
                && !open
                    .iter()
                    .any(|(g, k)| *g == Some(r.reg) && *k == AppKind::Deregister)
        })
        .expect("a unit 待注销 with no 注销 application")
        .clone();
    let dir = tempfile::tempdir().unwrap();
    let file = dir.path().join("材料.pdf");
    std::fs::write(&file, b"%PDF-1.4\n% scanned material\n").unwrap();
    let Some(b) = Browser::start(app.clone()).await else {
        return;
    };

    // 1. The clerk applies for a 变更 of 法定代表人 with files.
    b.sign_in("danwei", "danwei-2024").await;
    b.goto("/registration").await;
    b.shot("a0-登记管理-登记簿").await;
    b.goto(&format!("/registration/legal/{}", school.reg)).await;
    b.click("apply-change", "reg-app-form").await;
    b.fill("f-new_legal_rep", "周晓梅").await;
    b.fill("f-basis_doc", "盐教任〔2026〕18号").await;
    b.click("reg-app-create", "upload-form").await;
    let id: i64 =
        b.c.current_url()
            .await
            .unwrap()
            .path()
            .rsplit('/')
            .next()
            .unwrap()
            .parse()
            .unwrap();
    upload_missing(&b, id, &file, &app, &clerk).await;
    b.click("app-submit", "done").await;
    assert_eq!(b.text("#app-status").await, "已提交");
    b.shot("a1-登记申请-已提交").await;
    b.sign_out().await;

    // 2. The office sends one 补正 notice; the clerk completes it.
    b.sign_in("jingban", "jingban-2024").await;
    b.goto(&format!("/registration/applications/{id}")).await;
    b.fill(
        "supplement-text",
        "新任法定代表人任职文件须加盖举办单位公章",
    )
    .await;
    b.click("app-supplement", "supplement-notice").await;
    b.sign_out().await;
    b.sign_in("danwei", "danwei-2024").await;
    b.goto(&format!("/registration/applications/{id}")).await;
    assert!(b
        .text("#supplement-notice")
        .await
        .contains("加盖举办单位公章"));
    b.select("upload-kind", "LegalRepDocs").await;
    b.c.find(Locator::Id("upload-file"))
        .await
        .unwrap()
        .send_keys(&file.to_string_lossy())
        .await
        .unwrap();
    b.click("upload-submit", "done").await;
    b.click("app-submit", "done").await;
    b.sign_out().await;

    // 3. 受理 by the clerk of the office, 准予 by the leader, then 办结.
    b.sign_in("jingban", "jingban-2024").await;
    b.goto(&format!("/registration/applications/{id}")).await;
    b.click("app-accept", "done").await;
    b.sign_out().await;
    b.sign_in("lingdao", "lingdao-2024").await;
    b.goto(&format!("/registration/applications/{id}")).await;
    b.click("app-approve", "done").await;
    b.click("app-complete", "done").await;
    assert_eq!(b.text("#app-status").await, "已办结");
    b.goto(&format!("/registration/legal/{}", school.reg)).await;
    assert_eq!(b.text("#person-legal-rep").await, "周晓梅");
    b.shot("a2-法人-变更后").await;
    let pdf = fetch_bytes(
        &b,
        &format!("/registration/legal/{}/certificate.pdf", school.reg),
    )
    .await;
    assert!(pdf.starts_with(b"%PDF-"));
    let text = pdf_extract::extract_text_from_mem(&pdf).unwrap();
    let flat: String = text.split_whitespace().collect();
    assert!(
        flat.contains("周晓梅") && flat.contains("事业单位法人证书"),
        "{text}"
    );
    let code: String = flat
        .split("核验码：")
        .nth(1)
        .expect("a verification code")
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '-')
        .collect();
    b.sign_out().await;
    b.goto(&format!("/public/registration/verify/{code}")).await;
    b.c.find(Locator::Id("verify-ok")).await.unwrap();
    assert!(b.text("#verify-name").await.contains(&school.name));
    b.shot("a3-证书核验-通过").await;

    // 4. A unit abolished in the ledger: 待注销, 批量注销, seals collected.
    b.sign_in("jingban", "jingban-2024").await;
    b.goto("/registration?only=pending").await;
    assert!(b.text("#register-table").await.contains(&pending.name));
    let doc = {
        let (register, _) = app.register().unwrap();
        let facts = app.ledger_facts().unwrap();
        let unit = register
            .person(bianzhi_registration::RegId(pending.reg), today)
            .unwrap()
            .unit
            .unwrap();
        facts.ending_of(unit).unwrap().doc.clone()
    };
    b.goto("/registration/bulk").await;
    b.select("bulk-doc", &doc).await;
    b.click("bulk-submit", "bulk-opened").await;
    b.shot("a4-批量注销").await;
    let dereg = app
        .reg_applications()
        .unwrap()
        .into_iter()
        .find(|(_, _, a)| {
            a.app.reg.map(|r| r.0) == Some(pending.reg)
                && a.app.kind() == AppKind::Deregister
                && a.app.status.open()
        })
        .expect("its 注销 application")
        .0;
    b.goto(&format!("/registration/applications/{dereg}")).await;
    upload_missing(&b, dereg, &file, &app, &jb).await;
    b.click("app-submit", "done").await;
    b.click("app-accept", "done").await;
    b.sign_out().await;
    b.sign_in("lingdao", "lingdao-2024").await;
    b.goto(&format!("/registration/applications/{dereg}")).await;
    b.click("app-approve", "done").await;
    b.click("app-complete", "done").await;
    b.sign_out().await;
    b.sign_in("jingban", "jingban-2024").await;
    b.goto(&format!("/registration/legal/{}", pending.reg))
        .await;
    assert_eq!(b.text("#person-status").await, "已注销");
    let seals = {
        let (register, _) = app.register().unwrap();
        register
            .person(bianzhi_registration::RegId(pending.reg), today)
            .unwrap()
            .outstanding_seals()
            .map(|s| s.id)
            .collect::<Vec<_>>()
    };
    assert!(
        !seals.is_empty(),
        "the deregistered unit's seals are to be collected"
    );
    for s in seals {
        b.fill(&format!("seal-doc-{s}"), &format!("收缴{s}")).await;
        b.fill(&format!("seal-receiver-{s}"), "赵敏").await;
        b.click(&format!("seal-collect-{s}"), "done").await;
    }
    let seals_text = b.text("#seals").await;
    assert!(!seals_text.contains("待收缴"), "{seals_text}");
    b.shot("a5-注销-证章收缴").await;
    b.sign_out().await;

    // 5. An annual report: filed by the unit, passed by its 举办单位, published.
    b.sign_in("danwei", "danwei-2024").await;
    b.goto(&format!("/registration/annual/{}/{year}", reporter.reg))
        .await;
    for (id, v) in [
        ("r-activities", "全年完成义务教育教学任务，开展课后服务"),
        ("r-begin", "420.00"),
        ("r-end", "436.50"),
        ("r-changes", "无"),
        ("r-licences", "无"),
        ("r-rewards", "无"),
        ("r-litigation", "无"),
        ("r-complaints", "无"),
        ("r-donations", "无"),
    ] {
        b.fill(id, v).await;
    }
    b.click("report-save", "done").await;
    b.click("report-submit", "sponsor-review").await;
    b.click("sponsor-approve", "done").await;
    b.sign_out().await;
    b.sign_in("jingban", "jingban-2024").await;
    b.goto(&format!("/registration/annual/{}/{year}", reporter.reg))
        .await;
    b.click("report-publish", "done").await;
    assert_eq!(b.text("#report-status").await, "已公示");
    b.sign_out().await;
    b.goto(&format!("/public/registration?q={}", reporter.code))
        .await;
    b.goto(&format!("/public/registration/{}", reporter.code))
        .await;
    let public = b.text("main").await;
    assert!(
        public.contains("全年完成义务教育教学任务") && public.contains(&format!("{year} 年度")),
        "{public}"
    );
    b.shot("a6-公开查询-年度报告").await;
}
