//! In the browser, as the 编办 re-sets a school's 编制 (家家到): the school's
//! enrolment entered on the page reached from its unit page, its normative
//! 编制 shown term by term, the 编制标准测算 report reached from 报表, and a
//! 核增 of the shortfall drafted into a 动议. Screenshots go to
//! `target/screenshots/`.

use bianzhi_core::catalog::UnitKind;
use chrono::Utc;

use crate::chrome::{Browser, Demo};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_school_enrolment_gives_its_normative_quota_and_a_case() {
    let demo = Demo::build();
    let app = demo.app.clone();
    // The demo comes with last autumn's 基础数据 of its schools, kindergartens
    // and health units, some above and some below their norm.
    let facts = app.all_facts().unwrap();
    assert!(facts.len() > 100, "{} units with facts", facts.len());
    // A 小学 with 事业编制 核定.
    let (id, name, approved, sector) = {
        let db = app.db();
        let st = db.state();
        let today = app.today();
        st.units
            .iter()
            .flatten()
            .filter(|u| {
                u.kind == UnitKind::Institution && u.is_active() && u.name.ends_with("小学")
            })
            .find_map(|u| {
                let approved: i32 = st
                    .unit_accounts(u.id)
                    .filter(|a| st.qtype_name(a.key.qtype) == "事业编制")
                    .filter_map(|a| bianzhi_core::query::account_at(st, &a.key, today))
                    .map(|(c, _)| c.approved)
                    .sum();
                (approved > 0).then(|| (u.id.0, u.name.clone(), approved, u.sector.clone()))
            })
            .expect("a 小学 with 事业编制 in the demo")
    };
    // Its sector, if the demo has not set it: a matter as the API would record it.
    if sector.as_deref() != Some("0101") {
        let today = app.today();
        let m: bianzhi_core::Matter = serde_json::from_value(serde_json::json!({
            "doc": "盐编〔2025〕901号", "effective": today, "reason": "设定行业领域",
            "recorded_at": Utc::now(), "actor": "测试",
            "ops": [{"op": "set_sector", "unit": id, "sector": "0101"}]
        }))
        .unwrap();
        app.db().submit(m, Utc::now()).unwrap();
    }
    let Some(b) = Browser::start(app.clone()).await else {
        return;
    };
    b.sign_in("jingban", "jingban-2024").await;

    // From the unit's page to its facts: enough pupils for 10 more than 核定.
    b.goto(&format!("/units/{id}")).await;
    b.click("unit-norms", "facts-form").await;
    let pupils = (approved + 10) * 19;
    b.set_value("facts-as_of", &app.today().to_string()).await;
    b.fill("facts-primary", &pupils.to_string()).await;
    b.fill("facts-junior", "").await;
    b.fill("facts-senior", "").await;
    b.fill("facts-source", "家家到核查").await;
    b.click("facts-save", "done").await;
    let total = b.text("#norms-total").await;
    assert!(total.contains(&(approved + 10).to_string()), "{total}");
    let terms = b.text("#calc-terms").await;
    assert!(terms.contains(&format!("{pupils} ÷ 19")), "{terms}");
    b.shot("90-编制标准测算-学校基础数据").await;

    // The report, from 报表.
    b.goto("/reports").await;
    b.click("report-norms", "norms-title").await;
    let table = b.text("#norms-table").await;
    assert!(
        table.contains(&name) && table.contains("低于标准"),
        "{table}"
    );
    assert!(b
        .text("#norms-basis")
        .await
        .contains("中央编办发〔2014〕72号"));
    b.shot("91-编制标准测算-报表").await;
    b.c.execute(
        "document.getElementById('norms-units').scrollIntoView();",
        vec![],
    )
    .await
    .unwrap();
    b.shot("91b-编制标准测算-分单位").await;

    // 拟核增 from the row: a 动议 carrying the calculation.
    let journal = app.db().ledger().journal_len();
    b.click(&format!("propose-{id}"), "case-stage").await;
    let main = b.text("main").await;
    assert!(
        main.contains("按编制标准核增事业编制 10 名") && main.contains(&format!("{pupils} ÷ 19")),
        "{main}"
    );
    b.shot("92-编制标准测算-拟核增动议").await;
    // Proposing records nothing.
    assert_eq!(app.db().ledger().journal_len(), journal);
}
