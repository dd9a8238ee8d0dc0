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
