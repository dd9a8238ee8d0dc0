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

fn orders_sheet(rows: &[[&str; 8]]) -> Vec<u8> {
    let mut t = Table::new("12345工单", &bianzhi_reports::workorders::COLUMNS);
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

/// The enforcement catalogue (综合行政执法事项目录) as a file: 事项编码,
/// 事项名称, 原实施部门, 执法领域, 实施依据, 含行政强制措施.
fn enforcement_sheet(rows: &[[&str; 6]]) -> Vec<u8> {
    let mut t = Table::new(
        "综合行政执法事项目录",
        &bianzhi_reports::enforcement::COLUMNS,
    );
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

/// 12345 over HTTP: a file with a bad row is refused whole; a good one is
/// routed by `responsible`; the order returned twice (by 卫健委, then after
/// 改派 by 教育局) becomes a 职责争议 case, which the 编办 takes through
/// 协调 to a decision recorded in the 权责清单 as of its date.
#[tokio::test]
async fn an_order_returned_twice_becomes_a_dispute_that_ends_in_a_catalogue_change() {
    let (fx, jb, _, _, check, _) = district().await;
    let (wjw, jyj) = (fx.unit("区卫生健康委员会"), fx.unit("区教育局"));
    let good = [
        "12345-2026-0001",
        "2026-11-03 09:15",
        "潘黄街道办事处",
        "",
        "小区旁诊所夜间无证输液",
        "",
        "医疗机构执业监督检查",
        "一般",
    ];
    let mut bad = good;
    bad[0] = "12345-2026-0002";
    bad[2] = "火星街道";
    let (s, _, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/orders/import",
        &[],
        "工单.xlsx",
        &orders_sheet(&[good, bad]),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("第 3 行") && body.contains("火星街道"),
        "{body}"
    );
    assert!(
        fx.app.order_batches().unwrap().is_empty(),
        "nothing recorded"
    );
    let (s, loc, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/orders/import",
        &[],
        "工单.xlsx",
        &orders_sheet(&[good]),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(loc, "/grassroots/orders?imported=1");
    // The same order again is refused.
    let (s, _, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/orders/import",
        &[],
        "工单.xlsx",
        &orders_sheet(&[good]),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("已导入过"), "{body}");
    let uri = "/grassroots/orders/12345-2026-0001";
    let (_, html) = page(&fx, &jb, uri).await;
    assert!(
        html.contains("区卫生健康委员会") && html.contains("按权责清单（盐政办〔2021〕15号）"),
        "{html}"
    );
    // 卫健委 returns it with its basis; the hotline (编办) re-routes to 教育局, which returns it too.
    let dw2 = sign_in(&fx, "dw2").await;
    let (s, _, body) = form(
        &fx,
        &dw2,
        &format!("{uri}/return"),
        &[("by", &wjw.to_string()), ("basis", "")],
    )
    .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a 退单 needs its basis: {body}"
    );
    let (s, _, body) = form(
        &fx,
        &dw2,
        &format!("{uri}/return"),
        &[
            ("by", &wjw.to_string()),
            ("basis", "培训机构监管属教育部门"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (s, _, body) = form(
        &fx,
        &jb,
        &format!("{uri}/reassign"),
        &[("to", &jyj.to_string()), ("reason", "涉及违规招收学员")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let dw = sign_in(&fx, "dw").await;
    let (s, loc, body) = form(
        &fx,
        &dw,
        &format!("{uri}/return"),
        &[
            ("by", &jyj.to_string()),
            ("basis", "无证行医属卫生健康部门职责"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert!(loc.contains(&enc("职责争议")), "{loc}");
    let (ds, _) = fx.app.disputes().unwrap();
    assert_eq!(ds.cases.len(), 1);
    assert_eq!(ds.cases[0].item.0 as u64, check);
    // A unit clerk cannot act on a case.
    let (s, _, _) = form(
        &fx,
        &dw,
        "/grassroots/disputes/0/escalate",
        &[("reason", "x")],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // Deciding before the 协调意见 is refused; then 协调 and the decision.
    let (s, _, body) = form(
        &fx,
        &jb,
        "/grassroots/disputes/0/escalate",
        &[("reason", "两部门均认为不属本部门职责")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let today = fx.app.today();
    let decide = [
        ("doc", "盐都政办〔2026〕30号"),
        ("effective", &today.to_string()[..]),
        ("holder", &wjw.to_string()[..]),
        ("text", "无证行医由卫生健康部门查处"),
    ];
    let (s, _, body) = form(&fx, &jb, "/grassroots/disputes/0/decide", &decide).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("协调意见"), "{body}");
    let (s, _, body) = form(
        &fx,
        &jb,
        "/grassroots/disputes/0/opinion",
        &[("text", "由区卫生健康委员会牵头查处，教育部门配合")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    // The ruling keeps the holder: nothing changes in the catalogue.
    let (s, loc, body) = form(&fx, &jb, "/grassroots/disputes/0/decide", &decide).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert!(loc.contains(&enc("维持")), "{loc}");
    let entries = fx.app.catalogue().unwrap().0.entries().len();
    // A second order on the same item returned twice opens a second case, which moves the item.
    let second = [
        "12345-2026-0003",
        "2026-11-20 10:00",
        "潘黄街道办事处",
        "",
        "诊所医疗废物随意丢弃",
        "",
        "医疗机构执业监督检查",
        "一般",
    ];
    let (s, _, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/orders/import",
        &[],
        "工单2.xlsx",
        &orders_sheet(&[second]),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let uri = "/grassroots/orders/12345-2026-0003";
    form(
        &fx,
        &dw2,
        &format!("{uri}/return"),
        &[
            ("by", &wjw.to_string()),
            ("basis", "医疗废物属生态环境部门"),
        ],
    )
    .await;
    form(
        &fx,
        &jb,
        &format!("{uri}/reassign"),
        &[("to", &jyj.to_string()), ("reason", "试派")],
    )
    .await;
    let (s, loc, _) = form(
        &fx,
        &dw,
        &format!("{uri}/return"),
        &[("by", &jyj.to_string()), ("basis", "不属教育部门")],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert!(loc.contains(&enc("职责争议")), "{loc}");
    let (s, _, body) = form(
        &fx,
        &jb,
        "/grassroots/disputes/1/agree",
        &[
            ("doc", "盐都编协〔2026〕2号"),
            ("effective", &today.to_string()),
            ("holder", &jyj.to_string()),
            ("text", "协商一致"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(fx.app.catalogue().unwrap().0.entries().len(), entries + 1);
    let holder = |date: chrono::NaiveDate| {
        let items = fx.app.catalogue_items(date).unwrap();
        items
            .into_iter()
            .find(|i| u64::from(i.id.0) == check)
            .unwrap()
            .holder
            .0
    };
    assert_eq!(holder(today), jyj, "the agreed holder from its date");
    assert_eq!(
        holder(today.pred_opt().unwrap()),
        wjw,
        "the old division before it"
    );
    fx.app.catalogue().unwrap().0.verify().unwrap();
    // The metrics count each department's returns.
    let (s, html) = page(&fx, &jb, "/grassroots/orders/metrics").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<tr><td>区卫生健康委员会</td><td>2</td><td>0</td><td>2</td>"),
        "{html}"
    );
    let (s, _) = page(&fx, &jb, "/grassroots/orders/metrics.xlsx").await;
    assert_eq!(s, StatusCode::OK);
}

/// `responsible` over HTTP on a district of 30,000 items (the synthetic
/// district of `bianzhi_grassroots::bench`), against the same queries to
/// the in-memory index in the same run. A measurement, not a check of
/// speed: run with `--ignored --nocapture` (figures in the closing note).
#[tokio::test]
#[ignore]
async fn responsible_over_http_at_district_scale() {
    use bianzhi_grassroots::bench::{Params, Synthetic};
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let s = Synthetic::build(Params::district());
    let now = chrono::Utc::now();
    {
        let mut wf = fx.app.wf();
        let cat = serde_json::to_string(&bianzhi_web::grassroots::service::CatalogueBody {
            entries: s.catalogue.entries().to_vec(),
        })
        .unwrap();
        wf.insert_record(bianzhi_web::grassroots::service::CATALOGUE, &cat, now)
            .unwrap();
        let rec = serde_json::to_string(&bianzhi_grassroots::Records {
            territory: s.territory.clone(),
            delegations: s.delegations.clone(),
            enforcement: s.enforcement.clone(),
        })
        .unwrap();
        wf.insert_record(bianzhi_web::grassroots::service::RECORDS, &rec, now)
            .unwrap();
    }
    let qs = s.queries(7, 300);
    let uri = |(i, p, d): &(
        bianzhi_grassroots::ItemId,
        bianzhi_grassroots::PlaceId,
        chrono::NaiveDate,
    )| {
        format!(
            "/api/v1/grassroots/responsible?item={}&place={}&as_of={d}",
            i.0, p.0
        )
    };
    let t = std::time::Instant::now();
    let first = fx.get(&uri(&qs[0]), &jb.0).await;
    let cold = t.elapsed();
    assert!(
        first.0 == StatusCode::OK || first.0 == StatusCode::NOT_FOUND,
        "{first:?}"
    );
    let t = std::time::Instant::now();
    let mut answers = Vec::new();
    for q in &qs {
        answers.push(fx.get(&uri(q), &jb.0).await);
    }
    let http = t.elapsed().as_secs_f64() * 1e3 / qs.len() as f64;
    let idx = bianzhi_grassroots::Index::build(
        &s.catalogue,
        &s.territory,
        &s.delegations,
        &s.enforcement,
    );
    let t = std::time::Instant::now();
    let direct: Vec<_> = qs
        .iter()
        .map(|(i, p, d)| idx.responsible(*i, *p, *d).ok())
        .collect();
    let mem = t.elapsed().as_secs_f64() * 1e3 / qs.len() as f64;
    for ((s, v), d) in answers.iter().zip(&direct) {
        match d {
            Some(r) => assert_eq!(
                (s.as_u16(), v["lead"]["id"].as_u64()),
                (200, Some(u64::from(r.lead.0)))
            ),
            None => assert_eq!(s.as_u16(), 404),
        }
    }
    println!(
        "responsible, {} items: first request {:.1} ms (reads the district); then {:.3} ms per request over HTTP vs {:.4} ms in memory ({:.0}×)",
        s.catalogue.as_of(chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap()).len(),
        cold.as_secs_f64() * 1e3,
        http,
        mem,
        http / mem.max(1e-9)
    );
}

const ENFORCEMENT: [[&str; 6]; 2] = [
    [
        "320903-CF-001",
        "对学校违规招生的处罚",
        "区教育局",
        "其他",
        "《教育法》第七十六条",
        "否",
    ],
    [
        "320903-JC-001",
        "",
        "区卫生健康委员会",
        "其他",
        "《医疗机构管理条例》",
        "是",
    ],
];

/// [`district`] with a 区综合行政执法局 (行政编制 5, 赵执法 in it since
/// 2024-01-01) and the enforcement catalogue imported; answers the
/// district's parts and the body's id.
async fn enforcement_district() -> (Fx, (String, String), (String, String), u64, u64, u64, u32) {
    let (fx, jb, jd, street, check, punish) = district().await;
    let m: bianzhi_core::Matter = serde_json::from_value(serde_json::json!({
        "doc": "盐编〔2024〕31号", "effective": "2024-01-01", "reason": "组建综合行政执法局", "recorded_at": chrono::Utc::now(), "actor": "测试",
        "ops": [
            {"op": "create_unit", "name": "区综合行政执法局", "kind": "政府工作部门", "rank": "正科级"},
            {"op": "set_quota", "unit": "区综合行政执法局", "qtype": "行政编制", "funding": "全额拨款", "count": 5},
            {"op": "register_existing", "unit": "区综合行政执法局", "qtype": "行政编制", "funding": "全额拨款", "enrolled_on": "2020-01-01",
             "details": {"name": "赵执法", "id_number": idn(10), "identity": "公务员"}}
        ]
    }))
    .unwrap();
    fx.app.db().submit(m, chrono::Utc::now()).unwrap();
    let (s, loc, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/enforcement/import",
        &[],
        "综合行政执法事项目录.xlsx",
        &enforcement_sheet(&ENFORCEMENT),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert!(loc.starts_with("/grassroots/enforcement?done="), "{loc}");
    let body_id = fx.unit("区综合行政执法局");
    (fx, jb, jd, street, check, punish, body_id)
}

/// A file with a 行政许可 item and an unknown department is refused whole,
/// naming each bad cell; nothing is recorded; a good one is recorded.
#[tokio::test]
async fn an_enforcement_catalogue_with_a_bad_row_is_refused_whole() {
    let (fx, jb, _, _, _, _) = district().await;
    let (s, body) = page(&fx, &jb, "/grassroots/enforcement/template.xlsx").await;
    assert_eq!(s, StatusCode::OK, "{body}");
    let mut bad = vec![ENFORCEMENT[0], ENFORCEMENT[1]];
    bad.push([
        "320903-XK-001",
        "",
        "区教育局",
        "其他",
        "《民办教育促进法》",
        "否",
    ]);
    bad[1][2] = "区不存在局";
    let (s, _, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/enforcement/import",
        &[],
        "目录.xlsx",
        &enforcement_sheet(&bad),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(
        body.contains("第 3 行“原实施部门”列") && body.contains("区不存在局"),
        "{body}"
    );
    assert!(
        body.contains("第 4 行“事项编码”列") && body.contains("行政许可"),
        "{body}"
    );
    assert!(body.contains("未导入任何执法事项"), "{body}");
    assert_eq!(
        fx.app.grassroots().unwrap().0.enforcement.items().count(),
        0,
        "nothing recorded"
    );
    let (s, _, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/enforcement/import",
        &[],
        "目录.xlsx",
        &enforcement_sheet(&ENFORCEMENT),
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (_, html) = page(&fx, &jb, "/grassroots/enforcement").await;
    assert!(
        html.contains("对学校违规招生的处罚") && html.contains("医疗机构执业监督检查"),
        "{html}"
    );
    // The same file again: the items are in the catalogue already.
    let (s, _, body) = upload_file(
        &fx,
        &jb,
        "/grassroots/enforcement/import",
        &[],
        "目录.xlsx",
        &enforcement_sheet(&ENFORCEMENT),
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("已在综合执法目录中"), "{body}");
    assert_eq!(
        fx.app.grassroots().unwrap().0.enforcement.items().count(),
        2
    );
}

/// 相对集中 by the form: `responsible` answers the 综合执法 body as lead
/// from the effective date and the original department before; the same
/// item cannot be concentrated twice; ending it gives the item back.
#[tokio::test]
async fn a_concentration_makes_the_body_lead_from_its_date() {
    let (fx, jb, _, street, check, punish, body) = enforcement_district().await;
    let (check_s, punish_s, body_s) = (check.to_string(), punish.to_string(), body.to_string());
    let (s, loc, html) = form(
        &fx,
        &jb,
        "/grassroots/enforcement/concentrate",
        &[
            ("doc", "盐政发〔2024〕12号"),
            ("effective", "2024-07-01"),
            ("body", &body_s),
            ("item", &check_s),
            ("item", &punish_s),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    assert!(loc.starts_with("/grassroots/enforcement?done="), "{loc}");
    let ask = |date: &str| {
        format!("/api/v1/grassroots/responsible?item={check}&place={street}&as_of={date}")
    };
    let (_, before) = fx.get(&ask("2024-06-30"), &jb.0).await;
    assert_eq!(before["lead"]["name"], "区卫生健康委员会", "{before}");
    let (_, after) = fx.get(&ask("2024-07-01"), &jb.0).await;
    assert_eq!(after["lead"]["name"], "区综合行政执法局", "{after}");
    assert_eq!(after["basis"], "盐政发〔2024〕12号");
    assert!(
        after["support"]
            .as_array()
            .unwrap()
            .iter()
            .any(|u| u["name"] == "区卫生健康委员会"),
        "the department keeps 行业监管: {after}"
    );
    // Again: refused whole and re-rendered with the reason.
    let (s, _, html) = form(
        &fx,
        &jb,
        "/grassroots/enforcement/concentrate",
        &[
            ("doc", "盐政发〔2024〕13号"),
            ("effective", "2024-09-01"),
            ("body", &body_s),
            ("item", &punish_s),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("id=\"error\"") && html.contains("已于"),
        "{html}"
    );
    assert_eq!(
        fx.app
            .grassroots()
            .unwrap()
            .0
            .enforcement
            .concentrations()
            .len(),
        1
    );
    // Ended from 2025-01-01: the department leads again.
    let (s, _, html) = form(
        &fx,
        &jb,
        "/grassroots/enforcement/end",
        &[
            ("concentration", "0"),
            ("doc", "盐政发〔2024〕30号"),
            ("date", "2025-01-01"),
            ("reason", "调整执法体制"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    let (_, later) = fx.get(&ask("2025-01-02"), &jb.0).await;
    assert_eq!(later["lead"]["name"], "区卫生健康委员会", "{later}");
}

/// 下沉 by the form: a person of another unit is refused and nothing is
/// recorded; the body's own person is recorded and shows on the body's
/// page with the name and on the street's page with the count.
#[tokio::test]
async fn staff_sent_down_show_on_both_unit_pages_and_strangers_are_refused() {
    let (fx, jb, jd, street, _, _, body) = enforcement_district().await;
    let (street_s, body_s) = (street.to_string(), body.to_string());
    // The form lists the body's people in 编制 on the date.
    let (s, html) = page(
        &fx,
        &jb,
        &format!("/grassroots/enforcement?body={body}&down_date=2024-08-01"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let zhao = person_id(&fx, &jb.0, &enc("赵执法")).await;
    assert!(html.contains(&format!("id=\"person-{zhao}\"")), "{html}");
    let zhang = person_id(&fx, &jb.0, &enc("张伟")).await;
    let (s, _, html) = form(
        &fx,
        &jb,
        "/grassroots/enforcement/send-down",
        &[
            ("body", &body_s),
            ("town", &street_s),
            ("date", "2024-08-01"),
            ("person", &zhao.to_string()),
            ("person", &zhang.to_string()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("张伟") && html.contains("不在区综合行政执法局的编制内"),
        "{html}"
    );
    assert!(fx
        .app
        .grassroots()
        .unwrap()
        .0
        .enforcement
        .secondments()
        .is_empty());
    let (s, _, html) = form(
        &fx,
        &jb,
        "/grassroots/enforcement/send-down",
        &[
            ("body", &body_s),
            ("town", &street_s),
            ("date", "2024-08-01"),
            ("person", &zhao.to_string()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    // And two more by headcount.
    let (s, _, html) = form(
        &fx,
        &jb,
        "/grassroots/enforcement/send-down",
        &[
            ("body", &body_s),
            ("town", &street_s),
            ("date", "2024-09-01"),
            ("count", "2"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    let (_, html) = page(&fx, &jb, &format!("/units/{body}")).await;
    assert!(
        html.contains("下沉到 潘黄街道办事处 3 人（赵执法）"),
        "{html}"
    );
    let street_unit = fx.unit("潘黄街道办事处");
    let (_, html) = page(&fx, &jb, &format!("/units/{street_unit}")).await;
    assert!(
        html.contains("下沉执法人员 3 人（来自 区综合行政执法局 3 人）"),
        "{html}"
    );
    // The street's clerk sees the count on its page, not names of a body
    // outside its scope.
    let (s, html) = page(&fx, &jd, &format!("/units/{street_unit}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("下沉执法人员 3 人") && !html.contains("赵执法"),
        "{html}"
    );
    // Before the date, nothing.
    let (_, html) = page(&fx, &jb, &format!("/units/{body}?as_of=2024-07-31")).await;
    assert!(!html.contains("下沉到"), "{html}");
}

/// The forms are the 编办's: a unit clerk gets 403 and nothing changes.
#[tokio::test]
async fn a_unit_clerk_may_not_record_enforcement() {
    let (fx, _, _, street, check, _, body) = enforcement_district().await;
    let dw = sign_in(&fx, "dw").await;
    let (s, _, _) = upload_file(
        &fx,
        &dw,
        "/grassroots/enforcement/import",
        &[],
        "目录.xlsx",
        &enforcement_sheet(&ENFORCEMENT),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = form(
        &fx,
        &dw,
        "/grassroots/enforcement/concentrate",
        &[
            ("doc", "盐政发〔2024〕12号"),
            ("effective", "2024-07-01"),
            ("body", &body.to_string()),
            ("item", &check.to_string()),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = form(
        &fx,
        &dw,
        "/grassroots/enforcement/send-down",
        &[
            ("body", &body.to_string()),
            ("town", &street.to_string()),
            ("date", "2024-08-01"),
            ("count", "2"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = form(
        &fx,
        &dw,
        "/grassroots/enforcement/end",
        &[
            ("concentration", "0"),
            ("doc", "盐政发〔2024〕30号"),
            ("date", "2025-01-01"),
            ("reason", "x"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (_, html) = page(&fx, &dw, "/grassroots/enforcement").await;
    assert!(
        !html.contains("/grassroots/enforcement/concentrate"),
        "{html}"
    );
    let (d, _) = fx.app.grassroots().unwrap();
    assert!(d.enforcement.concentrations().is_empty() && d.enforcement.secondments().is_empty());
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
