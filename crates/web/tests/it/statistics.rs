//! 统计年报（上报格式）on the web: the JSON document for the level above, the
//! page with the four tables, the workbook, who may read them and the audit.
//! Fixture: 区教育局 (政府工作部门, 正科级) 行政编制 5 with 张伟, 区实验小学 under
//! it (事业单位 公益一类, 股级) 事业编制 3 with 王小明 and 李华 and 单位领导正职
//! 1, 区卫生健康委员会 行政编制 4; all three people women born 1990-05-01.

use axum::http::{Method, StatusCode};
use bianzhi_reports::xlsx;
use chrono::Datelike;
use serde_json::Value;

use crate::fixture::Fx;

async fn page(fx: &Fx, uri: &str, tok: &str) -> (StatusCode, axum::http::HeaderMap, Vec<u8>) {
    fx.send(
        Method::GET,
        uri,
        &[("authorization", &format!("Bearer {tok}"))],
        None,
        Some("10.1.2.3"),
    )
    .await
}

fn n(v: &Value, p: &str) -> i64 {
    v.pointer(p)
        .and_then(Value::as_i64)
        .unwrap_or_else(|| panic!("{p} in {v}"))
}

#[tokio::test]
async fn the_json_document_adds_up_to_the_ledger() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let (s, v) = fx.get("/api/v1/statistics?as_of=2024-12-31", &jb).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["format"], "bianzhi-statistics");
    assert_eq!(v["version"], 1);
    assert_eq!(v["jurisdiction"]["code"], "320903");
    assert_eq!(v["as_of"], "2024-12-31");
    // 表1: two 正科级 政府工作部门 and a 股级 公益一类 事业单位.
    assert_eq!(n(&v, "/totals/units/full_section"), 2);
    assert_eq!(n(&v, "/totals/units/unit_level"), 1);
    let school = v["units"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["category"] == "公益一类")
        .unwrap();
    assert_eq!(
        (n(school, "/total"), school["kind"].as_str()),
        (1, Some("事业单位"))
    );
    // 表2: 核定 5 + 3 + 4, 实有 3; 表3: three women of 34, 汉族.
    assert_eq!(n(&v, "/totals/quotas/approved"), 12);
    assert_eq!(n(&v, "/totals/quotas/actual"), 3);
    assert_eq!(n(&v, "/totals/quotas/vacant"), 9);
    assert_eq!(n(&v, "/totals/people/total"), 3);
    assert_eq!(n(&v, "/totals/people/sex/female"), 3);
    assert_eq!(n(&v, "/totals/people/age/up_to_35"), 3);
    assert_eq!(n(&v, "/totals/people/ethnicity/han"), 3);
    // 表4: one 单位领导正职, vacant.
    assert_eq!(n(&v, "/totals/posts/approved"), 1);
    assert_eq!(n(&v, "/totals/posts/vacant"), 1);
    // It reads back as the document the CLI adds up.
    let s = bianzhi_reports::statistics::Statistics::from_json(&v.to_string()).unwrap();
    assert_eq!(s.totals.people.total, 3);

    // By default, 31 December of last year.
    let (s, v) = fx.get("/api/v1/statistics", &jb).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let year = fx.app.today().year() - 1;
    assert_eq!(v["as_of"], format!("{year}-12-31"));
    // Before the ledger began: nothing, but every row of 表1 is there.
    let (_, v) = fx.get("/api/v1/statistics?as_of=2023-12-31", &jb).await;
    assert_eq!(n(&v, "/totals/people/total"), 0);
    assert!(v["units"].as_array().unwrap().len() >= 12);
    let (s, v) = fx.get("/api/v1/statistics?as_of=2024-13-01", &jb).await;
    assert!(s.is_client_error(), "{v}");

    // Each read is audited.
    let aud = fx.login("aud").await;
    let (_, a) = fx.get("/api/v1/audit?action=导出报表&actor=jb", &aud).await;
    assert!(n(&a, "/page/total") >= 3, "{a}");
    assert!(a["items"][0]["target"]
        .as_str()
        .unwrap()
        .contains("机构编制统计年报（上报格式）"));
}

#[tokio::test]
async fn only_the_office_over_the_whole_jurisdiction_may_read_it() {
    let fx = Fx::new();
    for who in ["ld", "ck"] {
        let t = fx.login(who).await;
        let (s, v) = fx.get("/api/v1/statistics?as_of=2024-12-31", &t).await;
        assert_eq!(s, StatusCode::OK, "{who}: {v}");
    }
    let dw = fx.login("dw").await;
    let (s, v) = fx.get("/api/v1/statistics?as_of=2024-12-31", &dw).await;
    assert_eq!(s, StatusCode::FORBIDDEN, "{v}");
    assert!(v["message"].as_str().unwrap().contains("编办"), "{v}");
    let (s, _, _) = page(&fx, "/statistics", &dw).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _, _) = page(&fx, "/statistics/xlsx", &dw).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The 报表 list offers it to the 编办 only.
    let (_, _, b) = page(&fx, "/reports", &dw).await;
    assert!(!String::from_utf8(b).unwrap().contains("report-statistics"));
    let jb = fx.login("jb").await;
    let (_, _, b) = page(&fx, "/reports", &jb).await;
    assert!(String::from_utf8(b)
        .unwrap()
        .contains("统计年报（上报格式）"));
    let sa = fx.login("sa").await;
    let (s, _) = fx.get("/api/v1/statistics", &sa).await;
    assert_eq!(
        s,
        StatusCode::FORBIDDEN,
        "an administrator sees no business data"
    );
}

#[tokio::test]
async fn the_page_shows_four_tables_and_the_workbook_has_four_sheets() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let (s, _, b) = page(&fx, "/statistics?as_of=2024-12-31", &jb).await;
    let h = String::from_utf8(b).unwrap();
    assert_eq!(s, StatusCode::OK, "{h}");
    for t in [
        "统计年报（上报格式）",
        "制表单位：盐城市盐都区",
        "统计时点 2024-12-31",
        "表1 机构情况",
        "表2 编制情况",
        "表3 实有人员情况",
        "表4 领导职数情况",
        "35岁及以下",
        "政治面貌未识别",
        "id=\"statistics-t4\"",
        "/statistics/xlsx?as_of=2024-12-31",
    ] {
        assert!(h.contains(t), "{t}");
    }
    let (s, hd, b) = page(&fx, "/statistics/xlsx?as_of=2024-12-31", &jb).await;
    assert_eq!(s, StatusCode::OK);
    assert!(hd["content-type"]
        .to_str()
        .unwrap()
        .contains("spreadsheetml"));
    let cd = hd["content-disposition"].to_str().unwrap();
    assert!(cd.contains("statistics-2024-12-31.xlsx"), "{cd}");
    let sheet = xlsx::read_bytes(&b, "xlsx", Some("表2 编制情况")).unwrap();
    assert_eq!(sheet.headers[0], "机构编制统计年报　表2 编制情况");
    let cells: Vec<String> = sheet
        .rows
        .iter()
        .map(|(_, r)| r.iter().map(|c| c.text()).collect::<Vec<_>>().join("|"))
        .collect();
    assert_eq!(cells[0], "统计时点：2024-12-31");
    assert_eq!(cells[1], "制表单位：盐城市盐都区");
    assert!(
        cells.iter().any(|r| r.starts_with("合计||12|")),
        "{cells:?}"
    );
    for name in ["表1 机构情况", "表3 实有人员情况", "表4 领导职数情况"] {
        xlsx::read_bytes(&b, "xlsx", Some(name)).unwrap();
    }
}
