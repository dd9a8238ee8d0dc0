//! 三整合's 权责清单 over HTTP: a county's list with bad rows is refused
//! whole, each bad cell named by row, column and a Chinese reason, and
//! nothing is recorded; a good one is imported under its 文号 and date and
//! is served as of that date by the page and the API.

use axum::http::StatusCode;
use bianzhi_reports::catalogue::COLUMNS;
use bianzhi_reports::{xlsx, Cell, Table};

use crate::fixture::*;

fn sheet(rows: &[[&str; 12]]) -> Vec<u8> {
    let mut t = Table::new("权责清单", &COLUMNS);
    for r in rows {
        t.rows.push(
            r.iter()
                .map(|c| {
                    if c.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::text(*c)
                    }
                })
                .collect(),
        );
    }
    xlsx::workbook(&[&t]).unwrap().save_to_buffer().unwrap()
}

const GOOD: [[&str; 12]; 3] = [
    [
        "1",
        "320903-XK-001",
        "民办学校设立审批",
        "",
        "",
        "行政许可",
        "《民办教育促进法》第十二条",
        "区教育局",
        "受理、审查、决定",
        "未依法履行审批职责的",
        "20个工作日",
        "县级",
    ],
    [
        "2",
        "320903-CF-001",
        "对学校违规招生的处罚",
        "",
        "",
        "行政处罚",
        "《教育法》第七十六条",
        "区教育局",
        "立案、调查、决定",
        "",
        "",
        "县级",
    ],
    [
        "3",
        "320903-JC-001",
        "医疗机构执业监督检查",
        "",
        "",
        "行政检查",
        "《医疗机构管理条例》",
        "区卫生健康委员会",
        "检查、处理",
        "",
        "",
        "县级",
    ],
];

#[tokio::test]
async fn a_list_with_bad_rows_is_refused_whole_and_a_good_one_is_served_as_of_its_date() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let mut bad = GOOD;
    bad[1][5] = "行政许诺";
    bad[2][7] = "区不存在局";
    let (s, _, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/import",
        &[("doc", "盐政办〔2021〕15号"), ("effective", "2021-07-01")],
        "权责清单.xlsx",
        &sheet(&bad),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("第 3 行") && body.contains("职权类型") && body.contains("行政许诺"),
        "{body}"
    );
    assert!(
        body.contains("第 4 行") && body.contains("实施主体") && body.contains("区不存在局"),
        "{body}"
    );
    assert!(body.contains("未导入任何事项"), "{body}");
    assert!(
        fx.app.catalogue().unwrap().0.entries().is_empty(),
        "nothing recorded"
    );
    // A unit clerk may not import.
    let dw = sign_in(&fx, "dw").await;
    let (s, _, _) = upload_file(
        &fx,
        &dw,
        "/grassroots/import",
        &[("doc", "盐政办〔2021〕15号"), ("effective", "2021-07-01")],
        "权责清单.xlsx",
        &sheet(&GOOD),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, loc, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/import",
        &[("doc", "盐政办〔2021〕15号"), ("effective", "2021-07-01")],
        "权责清单.xlsx",
        &sheet(&GOOD),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(loc, "/grassroots?imported=3");
    let (_, html) = page(&fx, &jb, "/grassroots").await;
    assert!(
        html.contains("民办学校设立审批") && html.contains("医疗机构执业监督检查"),
        "{html}"
    );
    let (s, v) = fx.get("/api/v1/grassroots/catalogue", &jb.0).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"].as_array().unwrap().len(), 3, "{v}");
    assert_eq!(v["items"][0]["holder_name"], "区教育局");
    // Before its effective date the list had none of them.
    let (_, v) = fx
        .get("/api/v1/grassroots/catalogue?as_of=2021-06-30", &jb.0)
        .await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0, "{v}");
    // The chain of the stored journal verifies.
    fx.app.catalogue().unwrap().0.verify().unwrap();
}

/// `responsible` across a delegation: 赋权 makes the town the 主办 and the
/// liable body from the effective date; 委托 leaves the department liable.
#[tokio::test]
async fn responsible_follows_a_delegation_from_its_date_and_the_mode_decides_who_is_liable() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let (s, _, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/import",
        &[("doc", "盐政办〔2021〕15号"), ("effective", "2021-07-01")],
        "权责清单.xlsx",
        &sheet(&GOOD),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let m: bianzhi_core::Matter = serde_json::from_value(serde_json::json!({
        "doc": "盐编〔2024〕30号", "effective": "2024-01-01", "reason": "设立街道", "recorded_at": chrono::Utc::now(), "actor": "测试",
        "ops": [{"op": "create_unit", "name": "潘黄街道办事处", "kind": "街道", "rank": "正科级"}]
    }))
    .unwrap();
    fx.app.db().submit(m, chrono::Utc::now()).unwrap();
    let (_, places) = fx.get("/api/v1/grassroots/places", &jb.0).await;
    let street = places
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "潘黄街道办事处")
        .expect("the street as a place")["id"]
        .as_u64()
        .unwrap();
    let (_, cat) = fx.get("/api/v1/grassroots/catalogue", &jb.0).await;
    let item = |name: &str| {
        cat["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .unwrap()["id"]
            .as_u64()
            .unwrap()
    };
    let (check, punish) = (item("医疗机构执业监督检查"), item("对学校违规招生的处罚"));
    let (wjw, jyj) = (fx.unit("区卫生健康委员会"), fx.unit("区教育局"));
    let (s, v) = fx
        .post(
            "/api/v1/grassroots/delegations",
            &jb.0,
            serde_json::json!({"doc": "盐政发〔2024〕9号", "decided": "2024-12-20", "label": "首批", "entries": [
                {"item": check, "from": wjw, "to": [street], "mode": "empower", "conditions": "配备执法人员", "effective": "2025-01-01"},
                {"item": punish, "from": jyj, "to": [street], "mode": "entrust", "effective": "2025-01-01"}
            ]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let ask = |item: u64, date: &str| {
        format!("/api/v1/grassroots/responsible?item={item}&place={street}&as_of={date}")
    };
    let (_, before) = fx.get(&ask(check, "2024-12-31"), &jb.0).await;
    assert_eq!(before["lead"]["name"], "区卫生健康委员会", "{before}");
    assert_eq!(before["basis"], "盐政办〔2021〕15号");
    let (_, after) = fx.get(&ask(check, "2025-01-01"), &jb.0).await;
    assert_eq!(after["lead"]["name"], "潘黄街道办事处", "{after}");
    assert_eq!(after["liable"]["name"], "潘黄街道办事处");
    assert_eq!(after["support"][0]["name"], "区卫生健康委员会");
    assert_eq!(after["basis"], "盐政发〔2024〕9号");
    let (_, entrusted) = fx.get(&ask(punish, "2025-06-01"), &jb.0).await;
    assert_eq!(entrusted["lead"]["name"], "潘黄街道办事处", "{entrusted}");
    assert_eq!(
        entrusted["liable"]["name"], "区教育局",
        "委托: the department bears the legal effect"
    );
    // A batch delegating an item from a body that does not hold it is refused whole.
    let r = fx
        .post(
            "/api/v1/grassroots/delegations",
            &jb.0,
            serde_json::json!({"doc": "盐政发〔2025〕1号", "decided": "2025-03-01", "entries": [
                {"item": check, "from": jyj, "to": [street], "mode": "empower", "effective": "2025-04-01"}
            ]}),
        )
        .await;
    assert_err(&r, 422, "delegation_refused");
}

/// The fixture with the list imported, a street and its clerk `jd`;
/// answers the office's and the street clerk's sessions, the street's
/// place and the two items (检查 held by 卫健委, 处罚 by 教育局).
async fn district() -> (Fx, (String, String), (String, String), u64, u64, u64) {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let (s, _, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/import",
        &[("doc", "盐政办〔2021〕15号"), ("effective", "2021-07-01")],
        "权责清单.xlsx",
        &sheet(&GOOD),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let m: bianzhi_core::Matter = serde_json::from_value(serde_json::json!({
        "doc": "盐编〔2024〕30号", "effective": "2024-01-01", "reason": "设立街道", "recorded_at": chrono::Utc::now(), "actor": "测试",
        "ops": [{"op": "create_unit", "name": "潘黄街道办事处", "kind": "街道", "rank": "正科级"}]
    }))
    .unwrap();
    fx.app.db().submit(m, chrono::Utc::now()).unwrap();
    let street_unit = fx.unit("潘黄街道办事处");
    fx.app
        .wf()
        .create_user(&bianzhi_store::NewUser {
            login: "jd".into(),
            display_name: "街道经办".into(),
            role: "unit_clerk".into(),
            unit: Some(street_unit),
            password_hash: bianzhi_web::auth::hash_password(PW).unwrap(),
        })
        .unwrap();
    let jd = sign_in(&fx, "jd").await;
    let (_, places) = fx.get("/api/v1/grassroots/places", &jb.0).await;
    let street = places
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["name"] == "潘黄街道办事处")
        .unwrap()["id"]
        .as_u64()
        .unwrap();
    let (_, cat) = fx.get("/api/v1/grassroots/catalogue", &jb.0).await;
    let item = |name: &str| {
        cat["items"]
            .as_array()
            .unwrap()
            .iter()
            .find(|i| i["name"] == name)
            .unwrap()["id"]
            .as_u64()
            .unwrap()
    };
    let (check, punish) = (item("医疗机构执业监督检查"), item("对学校违规招生的处罚"));
    (fx, jb, jd, street, check, punish)
}

/// 吹哨报到 over HTTP: the street raises an 应急 whistle calling the two
/// departments; each department's clerk acts only for its own; the request
/// cannot close while a department has not reported done (事不完、人不撤);
/// the department that did not report in 30 minutes is on the 总览 and
/// counts as late in the statistics; a clerk of a body not called sees
/// nothing of it.
#[tokio::test]
async fn a_whistle_is_answered_department_by_department_and_cannot_close_early() {
    let (fx, _, jd, street, check, punish) = district().await;
    let jb = sign_in(&fx, "jb").await;
    let (wjw, jyj) = (fx.unit("区卫生健康委员会"), fx.unit("区教育局"));
    let (street_s, check_s, punish_s) = (street.to_string(), check.to_string(), punish.to_string());
    let (wjw_s, jyj_s) = (wjw.to_string(), jyj.to_string());
    // The form suggests both holders.
    let (s, _, html) = form(
        &fx,
        &jd,
        "/grassroots/whistles/new",
        &[
            ("raiser", &street_s),
            ("kind", "emergency"),
            ("place", &street_s),
            ("item", &check_s),
            ("item", &punish_s),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(
        html.contains(&format!("id=\"dept-{wjw}\""))
            && html.contains(&format!("id=\"dept-{jyj}\"")),
        "{html}"
    );
    let (s, loc, body) = form(
        &fx,
        &jd,
        "/grassroots/whistles",
        &[
            ("raiser", &street_s),
            ("kind", "emergency"),
            ("place", &street_s),
            ("item", &check_s),
            ("item", &punish_s),
            ("description", "诊所无证行医且违规招收学员"),
            ("dept", &wjw_s),
            ("dept", &jyj_s),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let id: i64 = loc
        .trim_start_matches("/grassroots/whistles/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    let at = |a: &str| format!("/grassroots/whistles/{id}/{a}");
    // 教育局's clerk reports for its own department, not for 卫健委.
    let dw = sign_in(&fx, "dw").await;
    let (s, _, _) = form(&fx, &dw, &at("report"), &[("dept", &wjw_s)]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, body) = form(&fx, &dw, &at("report"), &[("dept", &jyj_s)]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    for a in ["act", "done"] {
        let (s, _, body) = form(&fx, &dw, &at(a), &[("dept", &jyj_s)]).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{a}: {body}");
    }
    // Closing while 卫健委 has not reported done is refused and changes nothing.
    let (s, _, body) = form(&fx, &jd, &at("close"), &[]).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("事不完、人不撤") && body.contains("区卫生健康委员会"),
        "{body}"
    );
    let office = bianzhi_web::auth::User::from_record(
        &fx.app.wf().user_by_login("jb").unwrap().unwrap(),
        "s",
        "c",
    )
    .unwrap();
    let (d, _) = fx.app.grassroots().unwrap();
    assert!(fx
        .app
        .whistle(&office, &d, id)
        .unwrap()
        .rec
        .whistle
        .closed_at
        .is_none());
    // Half an hour on, 卫健委 has not reported: the 总览 says so.
    let (_, html) = page(&fx, &jb, "/").await;
    assert!(
        !html.contains("id=\"whistle-overdue-list\""),
        "not yet overdue"
    );
    fx.app.advance_clock(chrono::Duration::minutes(31));
    // (Sessions idle for half an hour have ended.)
    let (jb, jd) = (sign_in(&fx, "jb").await, sign_in(&fx, "jd").await);
    let (_, html) = page(&fx, &jb, "/").await;
    assert!(html.contains("id=\"whistle-overdue-list\""), "{html}");
    let list = html.split("id=\"whistle-overdue-list\"").nth(1).unwrap();
    assert!(
        list.contains("区卫生健康委员会")
            && !list[..list.find("</p>").unwrap()].contains("区教育局"),
        "{list}"
    );
    // 卫健委 reports late, acts and reports done; the street evaluates and closes.
    let dw2 = sign_in(&fx, "dw2").await;
    for a in ["report", "act", "done"] {
        let (s, _, body) = form(&fx, &dw2, &at(a), &[("dept", &wjw_s)]).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{a}: {body}");
    }
    let (_, html) = page(&fx, &jd, &format!("/grassroots/whistles/{id}")).await;
    assert!(
        html.contains(">超时</span>") && html.contains(">按时</span>"),
        "{html}"
    );
    for (dept, score) in [(&wjw_s, "70"), (&jyj_s, "95")] {
        let (s, _, body) = form(
            &fx,
            &jd,
            &at("evaluate"),
            &[("dept", dept), ("score", score), ("comment", "")],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    }
    let (s, _, body) = form(&fx, &jd, &at("close"), &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (_, html) = page(&fx, &jb, "/grassroots/whistles/stats").await;
    let row = |name: &str| {
        let i = html
            .find(&format!("<tr><td>{name}</td>"))
            .unwrap_or_else(|| panic!("{name}: {html}"));
        html[i..i + html[i..].find("</tr>").unwrap()].to_string()
    };
    assert!(
        row("区卫生健康委员会").contains("<td>0.0%</td><td>70.0</td>"),
        "{}",
        row("区卫生健康委员会")
    );
    assert!(
        row("区教育局").contains("<td>100.0%</td><td>95.0</td>"),
        "{}",
        row("区教育局")
    );
    // A whistle calling 教育局 only is not seen by 卫健委's clerk, not even its number.
    let (s, loc, body) = form(
        &fx,
        &jd,
        "/grassroots/whistles",
        &[
            ("raiser", &street_s),
            ("kind", "daily"),
            ("place", &street_s),
            ("item", &punish_s),
            ("description", "校外培训机构扰民"),
            ("dept", &jyj_s),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let other = loc.split('?').next().unwrap().to_string();
    let (s, _) = page(&fx, &dw2, &other).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    let (_, html) = page(&fx, &dw2, "/grassroots/whistles").await;
    assert!(
        !html.contains("校外培训机构扰民") && html.contains("诊所无证行医"),
        "{html}"
    );
}

const BATCH_HEADER: &str =
    "事项编码,事项名称,原实施部门,承接单位,赋权方式,承接条件,生效日期,期限至";

/// The street's section of the delegations page: the 收回 review.
fn review_section(html: &str) -> &str {
    let from = html.find("id=\"idle\"").expect("the review section");
    let len = html[from..].find("</section>").unwrap();
    &html[from..from + len]
}

/// 登记赋权批次 from a file: a bad cell refuses the batch whole with row,
/// column and reason; a refusal of the core names the file's row and the
/// names of item and units; a unit clerk may not record; a good file is
/// recorded and `responsible` follows it from its effective date.
#[tokio::test]
async fn a_batch_file_with_a_bad_row_is_refused_whole_and_a_good_one_is_followed_by_responsible() {
    let (fx, jb, jd, street, check, punish) = district().await;
    let fields = [
        ("doc", "盐政发〔2024〕9号"),
        ("decided", "2024-12-20"),
        ("label", "首批"),
    ];
    let upload = |who: &(String, String), csv: String| {
        let (fx, who) = (&fx, who.clone());
        async move {
            upload_file(
                fx,
                &who,
                "/grassroots/delegations/import",
                &fields,
                "首批赋权事项.csv",
                csv.as_bytes(),
            )
            .await
        }
    };
    let good_row = "320903-JC-001,,区卫生健康委员会,潘黄街道,赋权,配备执法人员,2025-01-01,";
    // A bad cell: refused whole, nothing recorded.
    let bad = format!(
        "{BATCH_HEADER}\n{good_row}\n,对学校违规招生的处罚,区教育局,潘黄街道,授权,,2025-01-01,\n"
    );
    let (s, _, body) = upload(&jb, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("第 3 行“赋权方式”列：“授权”不是有效的赋权方式"),
        "{body}"
    );
    assert!(body.contains("未导入任何一行"), "{body}");
    let recorded = || fx.app.grassroots().unwrap().0.delegations.all().len();
    assert_eq!(recorded(), 0, "nothing recorded");
    // The core refuses row 3 (the item is not 卫健委's): named by the file's row.
    let wrong = format!(
        "{BATCH_HEADER}\n{good_row}\n,对学校违规招生的处罚,区卫生健康委员会,潘黄街道,委托,,2025-01-01,\n"
    );
    let (s, _, body) = upload(&jb, wrong).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("赋权批次未登记：第 3 行：事项“对学校违规招生的处罚”在 2025-01-01 由区教育局实施，不是原实施部门区卫生健康委员会"),
        "{body}"
    );
    // The same item to the same street twice in one file.
    let twice = format!("{BATCH_HEADER}\n{good_row}\n{good_row}\n");
    let (s, _, body) = upload(&jb, twice).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("第 3 行：事项“医疗机构执业监督检查”在潘黄街道办事处与本批第 2 行重复"),
        "{body}"
    );
    assert_eq!(recorded(), 0, "nothing recorded");
    let good = format!(
        "{BATCH_HEADER}\n{good_row}\n,对学校违规招生的处罚,区教育局,潘黄街道办事处,委托,,2025-01-01,2026-12-31\n"
    );
    // A unit clerk may not record a batch.
    let (s, _, _) = upload(&jd, good.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(recorded(), 0);
    let (s, loc, body) = upload(&jb, good).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(loc, "/grassroots/delegations?imported=2");
    let (_, html) = page(&fx, &jb, &loc).await;
    assert!(
        html.contains("已登记赋权批次，共 2 项") && html.contains("首批（盐政发〔2024〕9号"),
        "{html}"
    );
    let ask = |item: u64, date: &str| {
        format!("/api/v1/grassroots/responsible?item={item}&place={street}&as_of={date}")
    };
    let (_, before) = fx.get(&ask(check, "2024-12-31"), &jb.0).await;
    assert_eq!(before["lead"]["name"], "区卫生健康委员会", "{before}");
    let (_, after) = fx.get(&ask(check, "2025-01-01"), &jb.0).await;
    assert_eq!(after["lead"]["name"], "潘黄街道办事处", "{after}");
    assert_eq!(after["liable"]["name"], "潘黄街道办事处");
    assert_eq!(after["basis"], "盐政发〔2024〕9号");
    let (_, entrusted) = fx.get(&ask(punish, "2025-06-01"), &jb.0).await;
    assert_eq!(entrusted["liable"]["name"], "区教育局", "{entrusted}");
    // 期限至 2026-12-31 is the last day of the 委托.
    let (_, last) = fx.get(&ask(punish, "2026-12-31"), &jb.0).await;
    assert_eq!(last["lead"]["name"], "潘黄街道办事处", "{last}");
    let (_, ended) = fx.get(&ask(punish, "2027-01-01"), &jb.0).await;
    assert_eq!(ended["lead"]["name"], "区教育局", "{ended}");
    // The template downloads.
    let (s, _, _) = fx
        .send(
            axum::http::Method::GET,
            "/grassroots/delegations/template.xlsx",
            &[("authorization", &format!("Bearer {}", jb.0))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
}

/// 导入使用情况: an item delegated and never used over the quarters looked
/// at comes up for 收回 review, the page names the quarters; a bad row
/// refuses the file whole; a row of the same item, town and period replaces
/// the stored one; a unit clerk may not import.
#[tokio::test]
async fn usage_import_puts_an_item_never_used_on_the_review_list() {
    let (fx, jb, jd, _, _, _) = district().await;
    let batch = format!(
        "{BATCH_HEADER}\n320903-JC-001,,区卫生健康委员会,潘黄街道,赋权,,2025-01-01,\n\
         320903-CF-001,,区教育局,潘黄街道,赋权,,2025-01-01,\n"
    );
    let (s, _, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/delegations/import",
        &[
            ("doc", "盐政发〔2024〕9号"),
            ("decided", "2024-12-20"),
            ("label", "首批"),
        ],
        "首批.csv",
        batch.as_bytes(),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let at = "/grassroots/delegations?as_of=2026-01-01";
    let (_, html) = page(&fx, &jb, at).await;
    assert!(
        review_section(&html).contains("近四个季度都没有导入使用情况"),
        "{html}"
    );
    let header = "事项编码,事项名称,镇（街道、园区）,起始日期,截止日期,使用次数";
    let usage = format!(
        "{header}\n320903-JC-001,,潘黄街道,2025-01-01,2025-03-31,3\n\
         320903-JC-001,,潘黄街道,2025-04-01,2025-06-30,0\n\
         320903-JC-001,,潘黄街道,2025-07-01,2025-09-30,1\n\
         320903-JC-001,,潘黄街道,2025-10-01,2025-12-31,2\n\
         ,对学校违规招生的处罚,潘黄街道,2025-01-01,2025-12-31,0\n"
    );
    let send = |who: &(String, String), csv: String| {
        let (fx, who) = (&fx, who.clone());
        async move {
            upload_file(
                fx,
                &who,
                "/grassroots/delegations/usage",
                &[],
                "使用情况.csv",
                csv.as_bytes(),
            )
            .await
        }
    };
    let (s, _, _) = send(&jd, usage.clone()).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // A negative count refuses the whole file.
    let bad = usage.replace("2025-12-31,2\n", "2025-12-31,-2\n");
    let (s, _, body) = send(&jb, bad).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("第 5 行“使用次数”列：“-2”不是非负整数"),
        "{body}"
    );
    assert!(
        fx.app.delegation_usage().unwrap().is_empty(),
        "nothing stored"
    );
    let (s, loc, body) = send(&jb, usage).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(loc, "/grassroots/delegations?usage=5&replaced=0");
    let (_, html) = page(&fx, &jb, at).await;
    let review = review_section(&html);
    assert!(
        review.contains("对学校违规招生的处罚") && !review.contains("医疗机构执业监督检查"),
        "{review}"
    );
    assert!(
        review.contains("2025年第1季度（2025-01-01 至 2025-03-31）")
            && review.contains("2025年第4季度（2025-10-01 至 2025-12-31）"),
        "{review}"
    );
    // The same item, town and period again replaces the stored row.
    let again = format!("{header}\n320903-CF-001,,潘黄街道,2025-01-01,2025-12-31,4\n");
    let (s, loc, body) = send(&jb, again).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(loc, "/grassroots/delegations?usage=1&replaced=1");
    assert_eq!(fx.app.delegation_usage().unwrap().len(), 5);
    let (_, html) = page(&fx, &jb, at).await;
    assert!(
        !review_section(&html).contains("对学校违规招生的处罚"),
        "{html}"
    );
}
