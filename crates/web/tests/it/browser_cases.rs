//! Browser test of the closed loop (事项办理) on the demo district: the unit
//! clerk proposes (动议), the office clerk assesses, gathers an opinion and
//! attaches the meeting record (论证), the leader decides (审议决定), the
//! office records it in the ledger (组织实施) and evaluates it (跟踪问效).
//! Each step is done by the role that owns it, through the pages.

use bianzhi_casework::Stage;
use chrono::Datelike;

use crate::chrome::{Browser, Demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_matter_walks_through_every_stage_in_the_browser() {
    let demo = Demo::build();
    let app = demo.app.clone();
    let Some(b) = Browser::start(app.clone()).await else {
        return;
    };
    let year = app.today().year();
    // A school under 区教育局 (the demo 单位经办's subtree) with 事业编制.
    let (school, approved_before) = {
        let db = app.db();
        let st = db.state();
        let bureau = st.unit_by_name[bianzhi_web::demo::DEMO_CLERK_UNIT];
        let today = app.today();
        bianzhi_core::query::subtree(st, bureau, today)
            .into_iter()
            .filter(|u| *u != bureau)
            .find_map(|u| {
                bianzhi_core::query::quota_table(st, u, today)
                    .into_iter()
                    .find(|r| r.qtype == "事业编制" && r.funding == "全额拨款")
                    .map(|r| (u, r.counts.approved))
            })
            .expect("a school with 事业编制")
    };
    let school_name = app.db().state().unit(school).unwrap().name.clone();

    // 1. 动议: the unit clerk proposes 核增 2 事业编制 for the school.
    b.sign_in("danwei", "danwei-2024").await;
    b.goto("/cases/new").await;
    b.fill("case-title", &format!("{school_name}核增事业编制"))
        .await;
    b.fill("case-reasons", "学生人数增加，现有教师不足").await;
    b.select("case-unit", &school.0.to_string()).await;
    b.select("add_op", "increase_quota").await;
    b.click("matter-add", "op0").await;
    b.fill("o0-unit", &school_name).await;
    b.select("o0-qtype", "事业编制").await;
    b.select("o0-funding", "全额拨款").await;
    b.fill("o0-count", "2").await;
    b.shot("30-事项办理-动议").await;
    b.click("case-submit", "case-stage").await;
    assert_eq!(b.text("#case-stage").await, "动议");
    let case_url = b.c.current_url().await.unwrap().path().to_string();
    b.click("act-submit", "case-stage").await;
    assert_eq!(b.text("#case-stage").await, "论证");
    b.sign_out().await;

    // 2. 论证: the office clerk assesses, records an opinion, attaches the
    //    meeting record and sends it to the decision.
    b.sign_in("jingban", "jingban-2024").await;
    b.goto(&case_url).await;
    b.click("act-assess", "assess-verdict").await;
    assert!(b.text("#assess-dry").await.contains("通过"));
    let quota = b.text("#assess-quota").await;
    assert!(
        quota.contains(&format!("事业编制 全额拨款 {approved_before} ")),
        "{quota}"
    );
    b.fill("opinion-text", "经核实，教师缺口属实，建议核增")
        .await;
    b.click("act-opinion", "case-stage").await;
    let pdf = demo.dir.path().join("编委会议纪要.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n% bianzhi test\n%%EOF\n").unwrap();
    b.c.find(fantoccini::Locator::Id("attach-file"))
        .await
        .unwrap()
        .send_keys(&pdf.to_string_lossy())
        .await
        .unwrap();
    b.click("act-attach", "attachment-list").await;
    assert!(b
        .text("#attachment-list")
        .await
        .contains("编委会议纪要.pdf"));
    b.shot("31-事项办理-论证").await;
    b.click("act-send", "case-stage").await;
    assert_eq!(b.text("#case-stage").await, "审议决定");
    b.sign_out().await;

    // 3. 审议决定 by the leader.
    b.sign_in("lingdao", "lingdao-2024").await;
    b.goto(&case_url).await;
    b.fill("decide-doc", &format!("盐编〔{year}〕88号")).await;
    b.fill("decide-meeting", "区编委第2次会议研究同意").await;
    b.click("act-decide", "case-stage").await;
    assert_eq!(b.text("#case-stage").await, "组织实施");
    b.sign_out().await;

    // 4. 组织实施 and 5. 跟踪问效 by the office clerk.
    b.sign_in("jingban", "jingban-2024").await;
    b.goto(&case_url).await;
    let journal = app.db().ledger().journal_len();
    b.click("act-implement", "implemented").await;
    assert_eq!(b.text("#case-stage").await, "跟踪问效");
    assert_eq!(app.db().ledger().journal_len(), journal + 1);
    let approved_after = {
        let db = app.db();
        bianzhi_core::query::quota_table(db.state(), school, app.today())
            .into_iter()
            .find(|r| r.qtype == "事业编制" && r.funding == "全额拨款")
            .unwrap()
            .counts
            .approved
    };
    assert_eq!(approved_after, approved_before + 2);
    b.fill("evaluate-findings", "教师缺口缓解，编制使用规范")
        .await;
    b.click("act-evaluate", "follow-up-findings").await;
    assert_eq!(b.text("#case-stage").await, "已办结");
    b.shot("32-事项办理-已办结").await;
    let id: i64 = case_url.rsplit('/').next().unwrap().parse().unwrap();
    let user = crate::cases::office_user();
    let c = app.load_case(&user, id).unwrap().item;
    assert_eq!(c.stage, Stage::Closed);
    let actions: Vec<&str> = c.history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "动议",
            "提交论证",
            "事前评估",
            "提出意见",
            "上传附件",
            "提交审议",
            "审议通过",
            "组织实施",
            "跟踪问效"
        ]
    );
    let m = app
        .db()
        .ledger()
        .decoded_journal()
        .unwrap()
        .pop()
        .unwrap()
        .1
        .clone();
    assert_eq!(m.attachments.len(), 1);
    for (name, path) in [("33-事项办理列表", "/cases"), ("34-问题台账", "/problems")] {
        b.goto(path).await;
        b.shot(name).await;
    }
}
