//! A browser test with Debian chromium and chromedriver (installed by
//! `.ci/run`): a unit clerk signs in and submits an 入编 application, the
//! office leader approves it, the unit's 编制情况表 shows the change, and an
//! application beyond quota is refused with a clear message while nothing
//! changes. Screenshots of the main pages go to `target/screenshots/`.
//! Skipped, with a message, where chromium or chromedriver is missing.

use bianzhi_core::ident::{make_id_number, Sex};
use bianzhi_web::matters::service::MatterInput;
use chrono::{Datelike, NaiveDate};
use fantoccini::{Client, Locator};
use serde_json::json;

use crate::chrome::{click_then, shot, shots_dir, sign_in, sign_out, text, Browser, Demo};

pub(crate) async fn submit_hire(
    c: &Client,
    base: &str,
    unit: u32,
    plan: u32,
    name: &str,
    idn: &str,
) -> String {
    c.goto(&format!("{base}/applications/new?kind=hire&unit={unit}"))
        .await
        .unwrap();
    c.find(Locator::Id("f-name"))
        .await
        .unwrap()
        .send_keys(name)
        .await
        .unwrap();
    c.find(Locator::Id("f-id-number"))
        .await
        .unwrap()
        .send_keys(idn)
        .await
        .unwrap();
    c.find(Locator::Id("f-plan-line"))
        .await
        .unwrap()
        .select_by_value(&plan.to_string())
        .await
        .unwrap();
    assert!(
        click_then(c, Locator::Id("f-submit"), "app-status").await,
        "app-status"
    );
    c.current_url().await.unwrap().to_string()
}

/// Approves an application with this 文号, or (`""`) with the one the form
/// suggests.
pub(crate) async fn approve(c: &Client, app_url: &str, doc: &str) {
    c.goto(app_url).await.unwrap();
    let field = c.find(Locator::Id("approve-doc")).await.unwrap();
    if !doc.is_empty() {
        field.clear().await.unwrap();
        field.send_keys(doc).await.unwrap();
    }
    assert!(
        click_then(c, Locator::Id("approve-submit"), "app-status").await,
        "app-status"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn clerk_applies_leader_approves_and_beyond_quota_is_refused() {
    // The demo district, as `bianzhi serve` prepares it.
    let demo = Demo::build();
    let (app, dir) = (demo.app.clone(), &demo.dir);
    let Some(browser) = Browser::start(app.clone()).await else {
        return;
    };
    let (c, base) = (browser.c.clone(), browser.base.clone());

    // A school with this year's plan (≥ 2 left): leave exactly one vacancy.
    let year = app.today().year();
    let (unit, plan, funding, available) = {
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
        (l.unit, l.id.0, row.funding.clone(), row.available)
    };
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
    if available > 1 {
        app.record_matter(&leader, MatterInput {
            doc: format!("盐编〔{year}〕90号"),
            effective: app.today().to_string(),
            reason: "锁定编制（测试）".into(),
            same_doc: false,
            corrects: None,
            ops: vec![json!({"op": "lock_quota", "unit": unit.0, "qtype": "事业编制", "funding": funding, "count": available - 1, "purpose": "退役士兵安置"})],
        })
        .unwrap();
    }

    let unit_url = format!("{base}/units/{}", unit.0);
    let quota_cell =
        |class: &'static str| format!("#quota-table tr[data-qtype='事业编制'] td.{class}");

    // 1. The unit clerk signs in and submits an 入编 application.
    sign_in(&c, &base, "danwei", "danwei-2024").await;
    shot(&c, "01-总览-单位经办").await;
    let idn1 = make_id_number(
        "320903",
        NaiveDate::from_ymd_opt(1998, 3, 12).unwrap(),
        77,
        Sex::Female,
    )
    .into_string();
    let app1 = submit_hire(&c, &base, unit.0, plan, "孙悦", &idn1).await;
    assert_eq!(text(&c, "#app-status").await, "待审核");
    shot(&c, "02-申请-已提交").await;
    sign_out(&c).await;

    // 2. The office leader approves it.
    sign_in(&c, &base, "lingdao", "lingdao-2024").await;
    c.goto(&unit_url).await.unwrap();
    let frozen_before: i32 = text(&c, &quota_cell("frozen")).await.parse().unwrap();
    assert_eq!(text(&c, &quota_cell("available")).await, "1");
    // The 文号 the form suggests: the office's next number this year.
    let suggested = app.next_doc().unwrap().expect("the demo's 机关代字");
    approve(&c, &app1, "").await;
    assert_eq!(text(&c, "#app-status").await, "已批准");
    let last = app
        .db()
        .ledger()
        .decoded_journal()
        .unwrap()
        .last()
        .unwrap()
        .1
        .doc
        .raw
        .clone();
    assert_eq!(last, suggested, "recorded under the suggested 文号");
    shot(&c, "03-申请-已批准").await;

    // 3. The unit's 编制情况表 shows it: one more 冻结, no vacancy left.
    c.goto(&unit_url).await.unwrap();
    assert_eq!(
        text(&c, &quota_cell("frozen")).await,
        (frozen_before + 1).to_string()
    );
    assert_eq!(text(&c, &quota_cell("available")).await, "0");
    shot(&c, "04-单位-编制情况表").await;
    sign_out(&c).await;

    // 4. A second application is beyond quota: refused, nothing changes.
    sign_in(&c, &base, "danwei", "danwei-2024").await;
    let idn2 = make_id_number(
        "320903",
        NaiveDate::from_ymd_opt(1999, 7, 1).unwrap(),
        78,
        Sex::Male,
    )
    .into_string();
    let app2 = submit_hire(&c, &base, unit.0, plan, "周航", &idn2).await;
    sign_out(&c).await;
    sign_in(&c, &base, "lingdao", "lingdao-2024").await;
    let journal = app.db().ledger().journal_len();
    approve(&c, &app2, &format!("盐编〔{year}〕92号")).await;
    let msg = text(&c, "#action-error").await;
    assert!(
        msg.contains("可用空编 0") && msg.contains("不能入编"),
        "clear refusal: {msg}"
    );
    assert_eq!(text(&c, "#app-status").await, "待审核");
    shot(&c, "05-申请-超编被拒").await;
    assert_eq!(app.db().ledger().journal_len(), journal, "nothing recorded");
    c.goto(&unit_url).await.unwrap();
    assert_eq!(
        text(&c, &quota_cell("frozen")).await,
        (frozen_before + 1).to_string()
    );
    assert_eq!(text(&c, &quota_cell("available")).await, "0");

    // 5. Screenshots of the main pages.
    for (name, path) in [
        ("06-总览", "/".to_string()),
        ("07-机构树", "/units".to_string()),
        ("08-单位", format!("/units/{}", unit.0)),
        ("09-人员", "/people?q=wxm".to_string()),
        ("10-事项", "/matters".to_string()),
        ("11-申请列表", "/applications".to_string()),
        ("12-用编计划", "/plans".to_string()),
        ("13-登记事项", "/matters/new".to_string()),
        ("14-单位-2020年末", "/units/12?as_of=2020-12-31".to_string()),
    ] {
        c.goto(&format!("{base}{path}")).await.unwrap();
        shot(&c, name).await;
    }

    // 5b. 报表: the form (编制情况表 of 区教育局 with its schools), the page with
    //     its 合计, the print view, the masked 花名册, and a 名单比对 upload.
    let bureau = {
        let db = app.db();
        let st = db.state();
        st.unit_by_name
            .iter()
            .find(|(n, _)| n.ends_with("区教育局"))
            .map(|(_, id)| id.0)
            .expect("区教育局")
    };
    c.goto(&format!("{base}/reports")).await.unwrap();
    shot(&c, "18-报表").await;
    c.find(Locator::Id("report-kind"))
        .await
        .unwrap()
        .select_by_value("quotas")
        .await
        .unwrap();
    c.find(Locator::Id("report-unit"))
        .await
        .unwrap()
        .select_by_value(&bureau.to_string())
        .await
        .unwrap();
    c.find(Locator::Css("input[name=scope][value=subtree]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        click_then(
            &c,
            Locator::Css("#report-form button[type=submit]"),
            "report-table"
        )
        .await,
        "report-table"
    );
    let title = text(&c, "#report-title").await;
    assert!(
        title.contains("编制情况表") && title.contains("含下属单位"),
        "{title}"
    );
    assert!(text(&c, "#report-totals").await.starts_with("合计"));
    shot(&c, "19-报表-编制情况表").await;
    c.goto(&format!(
        "{base}/reports/quotas/print?scope=subtree&unit={bureau}"
    ))
    .await
    .unwrap();
    let src = c.source().await.unwrap();
    assert!(src.contains("@page") && src.contains("A4 landscape"));
    // Kept beside the screenshots, to print to PDF by hand
    // (chromium --headless --print-to-pdf=… 20-报表-打印.html).
    std::fs::write(shots_dir().join("20-报表-打印.html"), &src).unwrap();
    shot(&c, "20-报表-打印").await;
    c.goto(&format!("{base}/reports/roster?scope=unit&unit={}", unit.0))
        .await
        .unwrap();
    assert!(text(&c, "#report-table").await.contains("**********"));
    shot(&c, "21-报表-花名册").await;
    let roster = dir.path().join("工资名单.csv");
    std::fs::write(
        &roster,
        format!("姓名,身份证号,单位,编制类型\n孙悦,{idn1},区教育局,事业编制\n"),
    )
    .unwrap();
    c.goto(&format!("{base}/reconcile")).await.unwrap();
    c.find(Locator::Css("input[type=file]"))
        .await
        .unwrap()
        .send_keys(&roster.to_string_lossy())
        .await
        .unwrap();
    assert!(
        click_then(
            &c,
            Locator::Css("#reconcile-form button[type=submit]"),
            "reconcile-result"
        )
        .await,
        "reconcile-result"
    );
    assert!(text(&c, "#reconcile-result")
        .await
        .contains("台账有、名单无"));
    shot(&c, "22-名单比对").await;

    // 6. The leader reveals a 身份证号 (masked until then); the auditor sees it
    //    in the audit trail; the security admin sees the accounts.
    let pid = app
        .db()
        .state()
        .persons
        .iter()
        .flatten()
        .find(|p| p.details.id_number.as_str() == idn1)
        .map(|p| p.id.0)
        .expect("the approved person");
    c.goto(&format!("{base}/people/{pid}")).await.unwrap();
    assert!(text(&c, "#id-number").await.contains("**********"));
    assert!(
        click_then(&c, Locator::Id("reveal"), "id-number-revealed").await,
        "id-number-revealed"
    );
    assert_eq!(text(&c, "#id-number-revealed").await, idn1);
    shot(&c, "15-人员-显示身份证号").await;
    sign_out(&c).await;
    sign_in(&c, &base, "shenji", "shenji-2024").await;
    c.goto(&format!("{base}/audit?action=查看身份证号"))
        .await
        .unwrap();
    let audit = text(&c, "#audit").await;
    // The auditor reads the person by 人员编号, not by name.
    assert!(
        audit.contains(&format!("人员编号 {pid}"))
            && !audit.contains("孙悦")
            && audit.contains("lingdao"),
        "{audit}"
    );
    shot(&c, "16-审计记录").await;
    c.goto(&format!("{base}/units")).await.unwrap();
    assert!(
        c.source().await.unwrap().contains("三员分立"),
        "no business data"
    );
    c.goto(&format!("{base}/audit")).await.unwrap();
    sign_out(&c).await;
    sign_in(&c, &base, "anquan", "anquan-2024").await;
    c.goto(&format!("{base}/admin/accounts")).await.unwrap();
    assert!(c.source().await.unwrap().contains("shenji"));
    shot(&c, "17-账户管理").await;
    c.close().await.unwrap();
}
