//! Browser test of 全事项网上办理 on the demo district: the office clerk
//! records every kind of instrument matter through the forms alone (no JSON),
//! previews each before recording, and checks the figures on the pages
//! afterwards: a 周转池 借出 and its 归还 picked by loan number, a 过桥调动, a
//! 承兑 grant and a tranche's release, a 动态编制 grant and one 退一收一, a
//! 备案制 staff cap and a 备案人员, a 设立 + 挂牌, a 合并 moving 编制 and
//! people, and a matter beyond quota whose preview shows the refusal and
//! changes nothing.

use bianzhi_core::matter::describe::{self, FieldKind};
use bianzhi_core::model::PersonStatus;
use bianzhi_core::{query, UnitId};
use chrono::{Duration, NaiveDate};

use crate::chrome::{Browser, Demo};

/// A value for one field of an operation.
enum V<'a> {
    /// Typed (text, numbers, unit names, 身份证号 or 人员编号).
    T(&'a str),
    /// Ticked.
    On,
}

/// Records one matter through the form: the operations are added from the
/// menu one by one, filled in, previewed and recorded. Answers the preview's
/// text.
async fn record(
    b: &Browser,
    shot: &str,
    doc: &str,
    effective: NaiveDate,
    ops: &[(&str, Vec<(&str, V<'_>)>)],
) -> String {
    b.goto("/matters/new").await;
    for (i, (code, fields)) in ops.iter().enumerate() {
        b.select("add_op", code).await;
        b.click("matter-add", &format!("op{i}")).await;
        let spec = describe::find(code).unwrap();
        for (key, v) in fields {
            let id = format!("o{i}-{}", key.replace('.', "-"));
            let kind = spec
                .field(key)
                .unwrap_or_else(|| panic!("{code}.{key}"))
                .kind;
            match (kind, v) {
                (_, V::On) => {
                    b.c.find(fantoccini::Locator::Id(&id))
                        .await
                        .unwrap()
                        .click()
                        .await
                        .unwrap()
                }
                (FieldKind::Date, V::T(s)) => b.set_value(&id, s).await,
                (
                    FieldKind::QuotaType
                    | FieldKind::Funding
                    | FieldKind::Choice(_)
                    | FieldKind::Code(_)
                    | FieldKind::PlanLine
                    | FieldKind::Loan,
                    V::T(s),
                ) => b.select(&id, s).await,
                (_, V::T(s)) => b.fill(&id, s).await,
            }
        }
    }
    b.fill("matter-doc", doc).await;
    b.set_value("matter-effective", &effective.to_string())
        .await;
    b.click("matter-preview", "preview").await;
    let preview = b.text("#preview").await;
    b.shot(&format!("{shot}-预览")).await;
    assert!(preview.contains("台账校验通过"), "{doc}: {preview}");
    b.click("matter-record", "matter-title").await;
    preview
}

/// The row of a table (by id) whose text (cells separated by one space)
/// starts with `prefix`.
async fn row(b: &Browser, table: &str, prefix: &str) -> String {
    let rows =
        b.c.find_all(fantoccini::Locator::Css(&format!("#{table} tbody tr")))
            .await
            .unwrap();
    for r in rows {
        let t = r.text().await.unwrap();
        let t = t.split_whitespace().collect::<Vec<_>>().join(" ");
        if t.starts_with(prefix) {
            return t;
        }
    }
    panic!(
        "no row starting {prefix} in #{table}: {}",
        b.text("main").await
    );
}

/// The number of the newest loan, bridge or grant.
fn newest<T>(v: &[Option<T>], id: impl Fn(&T) -> u32) -> u32 {
    v.iter().flatten().map(id).max().expect("one recorded")
}

/// Units with a 事业编制 (全额拨款) account as of `date`, with that account's
/// 可用空编, in id order.
fn institution_accounts(
    st: &bianzhi_core::State,
    date: NaiveDate,
) -> Vec<(UnitId, String, i32, i32)> {
    query::units_at(st, date)
        .into_iter()
        .filter_map(|u| {
            query::quota_table(st, u.id, date)
                .into_iter()
                .find(|r| r.qtype == "事业编制" && r.funding == "全额拨款")
                .map(|r| (u.id, u.name.clone(), r.available, r.counts.actual))
        })
        .collect()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_instrument_is_recorded_through_the_forms() {
    let demo = Demo::build();
    let app = demo.app.clone();
    let Some(b) = Browser::start(app.clone()).await else {
        return;
    };
    let today = app.today();
    let year = today.format("%Y").to_string();
    let doc = |n: u32| format!("盐编〔{year}〕{}号", 900 + n);
    let (accounts, people_in) = {
        let db = app.db();
        let st = db.state();
        let accounts = institution_accounts(st, today);
        // Active people on 事业编制 (全额拨款), by unit.
        let mut people_in = std::collections::BTreeMap::<UnitId, Vec<u32>>::new();
        for p in st.persons.iter().flatten() {
            let pl = &p.placement;
            if pl.status == PersonStatus::Active
                && st.qtype_name(pl.qtype) == "事业编制"
                && st.funding_form(pl.funding).map(|f| f.name.as_str()) == Some("全额拨款")
            {
                people_in.entry(pl.unit).or_default().push(p.id.0);
            }
        }
        (accounts, people_in)
    };
    let staffed: Vec<&(UnitId, String, i32, i32)> = accounts
        .iter()
        .filter(|(u, _, _, actual)| *actual >= 2 && people_in.get(u).is_some_and(|v| v.len() >= 2))
        .collect();
    assert!(staffed.len() >= 8, "the demo has staffed institutions");
    let (school, school_name, _, _) = staffed[0].clone();
    b.sign_in("jingban", "jingban-2024").await;

    // 1. 周转池: 核定周转编制 and 借出 in one matter, then 归还 picked by loan number.
    let pool = |app: &std::sync::Arc<bianzhi_web::App>| {
        let db = app.db();
        let st = db.state();
        let q = st
            .quota_types
            .iter()
            .find(|q| q.name == "事业编制")
            .unwrap()
            .id;
        query::pools_at(st, today)
            .into_iter()
            .find(|(t, _)| *t == q)
            .map(|(_, p)| (p.balance, p.lent))
            .unwrap_or((0, 0))
    };
    let (balance, lent) = pool(&app);
    let due = (today + Duration::days(365)).to_string();
    let preview = record(
        &b,
        "40-周转池借出",
        &doc(1),
        today,
        &[
            (
                "fund_pool",
                vec![("qtype", V::T("事业编制")), ("count", V::T("10"))],
            ),
            (
                "lend",
                vec![
                    ("unit", V::T(&school_name)),
                    ("qtype", V::T("事业编制")),
                    ("funding", V::T("全额拨款")),
                    ("count", V::T("2")),
                    ("due", V::T(&due)),
                ],
            ),
        ],
    )
    .await;
    assert!(preview.contains("周转池"), "{preview}");
    assert!(
        preview.contains(&format!("{balance} → {}", balance + 8)),
        "池内可用 {balance} → {}: {preview}",
        balance + 8
    );
    let loan = newest(&app.db().state().loans, |l| l.id.0);
    b.goto("/instruments?tab=pool").await;
    b.shot("41-调控工具-周转池").await;
    let loan_row = row(&b, "table-loans", &format!("{loan} {school_name}")).await;
    assert!(loan_row.contains(" 2 0 2 在借"), "{loan_row}");
    let pool_row = row(&b, "table-pool", "事业编制").await;
    assert!(
        pool_row.starts_with(&format!("事业编制 {} {}", balance + 8, lent + 2)),
        "{pool_row}"
    );
    b.goto("/matters/new?op=return_loan").await;
    b.select("o0-loan", &loan.to_string()).await;
    b.fill("matter-doc", &doc(2)).await;
    b.click("matter-preview", "preview").await;
    b.click("matter-record", "matter-title").await;
    b.goto("/instruments?tab=pool").await;
    let loan_row = row(&b, "table-loans", &format!("{loan} {school_name}")).await;
    assert!(loan_row.contains(" 2 2 0 已还"), "{loan_row}");
    assert_eq!(pool(&app), (balance + 10, lent));

    // 2. 过桥调动: the receiver's vacancies are locked in the same matter, so
    //    the person moves in on a 过桥编制 from the sender (人编同调).
    let (to_unit, to_name, to_free, _) = staffed[1].clone();
    let (from_unit, _, _, _) = staffed[2].clone();
    let mover = people_in[&from_unit][0].to_string();
    let mover_name = app
        .db()
        .state()
        .person(bianzhi_core::PersonId(people_in[&from_unit][0]))
        .unwrap()
        .details
        .name
        .to_string();
    let mut ops = Vec::new();
    let lock = to_free.max(0).to_string();
    if to_free > 0 {
        ops.push((
            "lock_quota",
            vec![
                ("unit", V::T(&to_name)),
                ("qtype", V::T("事业编制")),
                ("funding", V::T("全额拨款")),
                ("count", V::T(&lock)),
                ("purpose", V::T("预留")),
            ],
        ));
    }
    let deadline = (today + Duration::days(180)).to_string();
    ops.push((
        "bridge_transfer",
        vec![
            ("person", V::T(&mover)),
            ("unit", V::T(&to_name)),
            ("qtype", V::T("事业编制")),
            ("funding", V::T("全额拨款")),
            ("deadline", V::T(&deadline)),
        ],
    ));
    record(&b, "42-过桥调动", &doc(3), today, &ops).await;
    b.goto("/instruments?tab=bridges").await;
    b.shot("43-调控工具-过桥").await;
    let bridge_id = newest(&app.db().state().bridges, |x| x.id.0);
    let bridge = row(&b, "table-bridges", &format!("{bridge_id} {to_name}")).await;
    assert!(bridge.contains(&mover_name), "{bridge}");
    assert!(
        bridge.contains(&to_name) && bridge.contains("人编同调"),
        "{bridge}"
    );
    let _ = to_unit;

    // 3. 承兑: 5 approved, 2 released now and 3 a year on.
    let (phased_unit, phased_name, _, _) = staffed[3].clone();
    let later = today + Duration::days(365);
    let tranches = format!("{today} 2\n{later} 3");
    record(
        &b,
        "44-承兑编制",
        &doc(4),
        today,
        &[(
            "grant_phased",
            vec![
                ("unit", V::T(&phased_name)),
                ("qtype", V::T("事业编制")),
                ("funding", V::T("全额拨款")),
                ("tranches", V::T(&tranches)),
                ("from_pool", V::On),
            ],
        )],
    )
    .await;
    let grant = newest(&app.db().state().grants, |x| x.id.0);
    b.goto("/instruments?tab=phased").await;
    let g = row(&b, "table-phased", &format!("{grant} {phased_name}")).await;
    assert!(g.contains(" 5 2 3 "), "核准 5, 已下达 2, 待下达 3: {g}");
    assert!(g.ends_with("周转池"), "drawn from the pool: {g}");
    b.goto(&format!(
        "/instruments?tab=phased&as_of={}",
        later + Duration::days(1)
    ))
    .await;
    b.shot("45-调控工具-承兑-下达后").await;
    let g = row(&b, "table-phased", &format!("{grant} {phased_name}")).await;
    assert!(g.contains(" 5 5 0 "), "the second tranche released: {g}");
    let _ = phased_unit;

    // 4. 动态编制: 2 from the pool, then one 退休 in the unit reclaims one.
    let (dyn_unit, dyn_name, _, _) = staffed[4].clone();
    record(
        &b,
        "46-动态编制",
        &doc(5),
        today,
        &[(
            "grant_dynamic",
            vec![
                ("unit", V::T(&dyn_name)),
                ("qtype", V::T("事业编制")),
                ("funding", V::T("全额拨款")),
                ("count", V::T("2")),
            ],
        )],
    )
    .await;
    let grant = newest(&app.db().state().grants, |x| x.id.0);
    let retiree = people_in[&dyn_unit][0].to_string();
    // The person picker: typing a name lists the people it finds, each with
    // unit and masked 身份证号, valued by their number.
    let retiree_name = app
        .db()
        .state()
        .person(bianzhi_core::PersonId(people_in[&dyn_unit][0]))
        .unwrap()
        .details
        .name
        .to_string();
    b.goto("/matters/new?op=leave").await;
    b.fill("o0-person", &retiree_name).await;
    let mut found = String::new();
    for _ in 0..40 {
        let opts =
            b.c.find_all(fantoccini::Locator::Css("#o0-person-list option"))
                .await
                .unwrap();
        for o in opts {
            if o.attr("value").await.unwrap().as_deref() == Some(retiree.as_str()) {
                found = o.attr("label").await.unwrap().unwrap_or_default();
            }
        }
        if !found.is_empty() {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(
        found.contains(&retiree_name) && found.contains(&dyn_name),
        "picker: {found:?}"
    );
    assert!(found.contains("**********"), "masked: {found}");
    record(
        &b,
        "47-退休",
        &doc(6),
        today,
        &[(
            "leave",
            vec![("person", V::T(&retiree)), ("reason", V::T("退休"))],
        )],
    )
    .await;
    b.goto("/instruments?tab=dynamic").await;
    b.shot("48-调控工具-动态").await;
    let g = row(&b, "table-dynamic", &format!("{grant} {dyn_name}")).await;
    assert!(g.contains(" 2 1 1 "), "下达 2, 已收回 1, 待收回 1: {g}");

    // 5. 备案制: a staff cap of 5 and one 备案人员 in one matter.
    let (filed_unit, filed_name, _, _) = staffed[5..]
        .iter()
        .find(|(u, ..)| query::staffing_at(app.db().state(), *u, today).is_none())
        .copied()
        .cloned()
        .expect("a unit without 备案制");
    let filed_id = bianzhi_core::ident::make_id_number(
        "320903",
        NaiveDate::from_ymd_opt(1995, 3, 1).unwrap(),
        77,
        bianzhi_core::ident::Sex::Female,
    );
    let enrolled: i32 = query::quota_table(app.db().state(), filed_unit, today)
        .iter()
        .map(|r| r.counts.actual + r.counts.frozen)
        .sum();
    let cap = (enrolled + 5).to_string();
    record(
        &b,
        "49-备案制",
        &doc(7),
        today,
        &[
            (
                "set_staff_cap",
                vec![("unit", V::T(&filed_name)), ("count", V::T(&cap))],
            ),
            (
                "register_filed",
                vec![
                    ("unit", V::T(&filed_name)),
                    ("details.name", V::T("备案测试")),
                    ("details.id_number", V::T(filed_id.as_str())),
                    ("details.identity", V::T("事业人员")),
                ],
            ),
        ],
    )
    .await;
    b.goto("/instruments?tab=filed").await;
    b.shot("49b-调控工具-备案制").await;
    let f = row(&b, "table-filed", &format!("{filed_name} ")).await;
    // The roster of 备案人员 is one click away.
    b.c.find(fantoccini::Locator::LinkText("备案人员名册"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(300)).await;
    assert!(
        b.text("main").await.contains("备案人员"),
        "the 备案人员 listed"
    );
    b.goto(&format!(
        "/people?status=filed&q={}",
        bianzhi_web::http::page::enc("备案测试")
    ))
    .await;
    assert!(
        b.text("main").await.contains("备案测试"),
        "the new 备案人员 found"
    );
    b.goto("/instruments?tab=filed").await;
    assert!(
        f.ends_with(&format!("{cap} {enrolled} 1 4")),
        "控制总量 {cap}, 编制内 {enrolled}, 备案 1, 剩余 4: {f}"
    );

    // 6. 设立 + 挂牌 in one matter.
    let new_name = "区教育质量监测中心";
    record(
        &b,
        "50-设立挂牌",
        &doc(8),
        today,
        &[
            (
                "create_unit",
                vec![
                    ("name", V::T(new_name)),
                    ("kind", V::T("事业单位")),
                    ("rank", V::T("股级")),
                    ("category", V::T("公益一类")),
                    ("parent", V::T("区教育局")),
                ],
            ),
            (
                "add_second_name",
                vec![("unit", V::T(new_name)), ("name", V::T("区教育评估院"))],
            ),
        ],
    )
    .await;
    let created = app.db().state().unit_by_name[new_name];
    b.goto(&format!("/units/{}", created.0)).await;
    assert!(b.text("main").await.contains("区教育评估院"));
    // The department: 下属单位 as a table, the new centre among them.
    let bureau = app.db().state().unit_by_name["区教育局"];
    b.goto(&format!("/units/{}#subunits", bureau.0)).await;
    b.shot("50b-机构-下属单位").await;
    assert!(b.text("#subunits-table").await.contains(new_name));

    // 7. 合并: one school into another; 编制 and people move.
    // A school with no units under it, not used above.
    let (gone, gone_name, _, _) = staffed[6..]
        .iter()
        .find(|(u, ..)| {
            let db = app.db();
            query::subtree(db.state(), *u, today).len() == 1 && *u != school
        })
        .copied()
        .cloned()
        .expect("another school");
    let (_, into_name, _, _) = staffed[0].clone();
    let before = |u: UnitId| {
        let db = app.db();
        let r = query::quota_table(db.state(), u, today)
            .into_iter()
            .find(|r| r.qtype == "事业编制" && r.funding == "全额拨款")
            .unwrap();
        (r.counts.approved, r.counts.actual)
    };
    let (ga, gp) = before(gone);
    let (ia, ip) = before(school);
    record(
        &b,
        "51-合并",
        &doc(9),
        today,
        &[(
            "merge_unit",
            vec![("unit", V::T(&gone_name)), ("into", V::T(&into_name))],
        )],
    )
    .await;
    b.goto(&format!("/units/{}", school.0)).await;
    b.shot("52-合并后").await;
    let q = b.text("#quota-table").await;
    let q = q.split_whitespace().collect::<Vec<_>>().join(" ");
    assert!(
        q.contains(&format!("事业编制 全额拨款 {} {}", ia + ga, ip + gp)),
        "核定 {} 实有 {} after the merger: {q}",
        ia + ga,
        ip + gp
    );

    // 8. Beyond quota: the preview shows the ledger's refusal; nothing changes.
    let n = app.db().ledger().journal_len();
    b.goto("/matters/new?op=decrease_quota").await;
    b.fill("o0-unit", &school_name).await;
    b.select("o0-qtype", "事业编制").await;
    b.select("o0-funding", "全额拨款").await;
    b.fill("o0-count", &(ia + ga).to_string()).await;
    b.fill("matter-doc", &doc(10)).await;
    b.click("matter-preview", "preview-refusal").await;
    b.shot("53-预览-拒绝").await;
    assert!(b.text("#preview-refusal").await.contains(&school_name));
    assert_eq!(app.db().ledger().journal_len(), n, "nothing recorded");

    // 9. The keyboard alone: Enter in a field previews; Tab reaches 登记.
    b.goto("/matters/new?op=fund_pool").await;
    b.fill("matter-doc", &doc(11)).await;
    b.select("o0-qtype", "事业编制").await;
    let count = b.c.find(fantoccini::Locator::Id("o0-count")).await.unwrap();
    count.send_keys("1\u{e007}").await.unwrap();
    let mut previewed = false;
    for _ in 0..50 {
        if b.c.find(fantoccini::Locator::Id("preview")).await.is_ok() {
            previewed = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(previewed, "Enter previews: {}", b.text("main").await);
    let active = || async {
        b.c.execute(
            "return document.activeElement && document.activeElement.id;",
            vec![],
        )
        .await
        .unwrap()
        .as_str()
        .unwrap_or_default()
        .to_string()
    };
    b.c.find(fantoccini::Locator::Id("matter-doc"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let mut reached = false;
    for _ in 0..60 {
        if active().await == "matter-record" {
            reached = true;
            break;
        }
        b.c.active_element()
            .await
            .unwrap()
            .send_keys("\u{e004}")
            .await
            .unwrap();
    }
    assert!(reached, "Tab reaches 校验并登记");
    let n = app.db().ledger().journal_len();
    b.c.active_element()
        .await
        .unwrap()
        .send_keys("\u{e007}")
        .await
        .unwrap();
    for _ in 0..50 {
        if b.c
            .find(fantoccini::Locator::Id("matter-title"))
            .await
            .is_ok()
        {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(
        app.db().ledger().journal_len(),
        n + 1,
        "recorded by keyboard"
    );
}
