//! A department's page: its own figures, every unit below it with theirs, and
//! the total with its subordinate units.

use axum::http::StatusCode;

use crate::fixture::*;

#[tokio::test]
async fn a_department_shows_its_own_figures_and_the_total_with_its_units() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let bureau = fx.unit("区教育局");
    let school = fx.unit("区实验小学");
    let (s, v) = fx.get(&format!("/api/v1/units/{bureau}"), &jb.0).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // 本级: 行政编制 5, 实有 1; 区实验小学: 事业编制 3, 实有 2.
    assert_eq!(v["quota_total"]["approved"], 5, "{v}");
    assert_eq!(v["subunits"][0]["id"], school);
    assert_eq!(v["subunits"][0]["figures"]["approved"], 3);
    assert_eq!(v["subunits"][0]["figures"]["actual"], 2);
    let t = &v["with_subunits"];
    assert_eq!(
        (t["approved"].as_i64(), t["actual"].as_i64()),
        (Some(8), Some(3)),
        "{v}"
    );
    assert_eq!(t["available"], 5, "{v}");
    // The school has nothing below it: no total with subordinate units.
    let (_, v) = fx.get(&format!("/api/v1/units/{school}"), &jb.0).await;
    assert!(v["with_subunits"].is_null(), "{v}");
    assert_eq!(v["subunits"].as_array().map(Vec::len), Some(0));
    // The page: 下属单位 as a table, not a list of names.
    let (_, html) = page(&fx, &jb, &format!("/units/{bureau}")).await;
    assert!(html.contains("id=\"subunits-table\""), "{html}");
    assert!(
        html.contains(&format!(
            "<a href=\"/units/{school}\">区实验小学</a></td><td>事业单位</td>"
        )),
        "{html}"
    );
    assert!(
        html.contains(
            "<tr id=\"with-subunits\"><th colspan=\"3\">含下属单位合计</th><th>8</th><th>3</th>"
        ),
        "{html}"
    );
}

/// An account over quota does not offset another's vacancy in a total.
#[tokio::test]
async fn totals_never_net_an_excess_against_a_vacancy() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let school = fx.unit("区实验小学");
    // 核定 3 → 1 with 2 in post: 超编 1, 可用空编 0 (not -1).
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb.0,
            serde_json::json!({"doc": "盐编〔2026〕50号", "effective": "2026-06-01", "ops": [
                {"op": "核定编制", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 1, "allow_over": true}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let bureau = fx.unit("区教育局");
    let (_, v) = fx
        .get(&format!("/api/v1/units/{bureau}?as_of=2026-06-02"), &jb.0)
        .await;
    let t = &v["with_subunits"];
    assert_eq!(t["over"], 1, "{v}");
    assert_eq!(
        t["available"], 4,
        "the bureau's 4 vacancies, not 4 − 1: {v}"
    );
    let (_, v) = fx
        .get(&format!("/api/v1/units/{school}?as_of=2026-06-02"), &jb.0)
        .await;
    assert_eq!(v["quota_total"]["available"], 0, "{v}");
    assert_eq!(v["quota_total"]["over"], 1, "{v}");
    assert_eq!(v["quota"][0]["available"], 0, "one account: 0, not -1: {v}");
    // The unit tree and the 总览 say the same.
    let (_, v) = fx.get("/api/v1/units?as_of=2026-06-02", &jb.0).await;
    let row = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["id"] == school)
        .cloned()
        .unwrap();
    assert_eq!(
        (row["available"].as_i64(), row["over"].as_i64()),
        (Some(0), Some(1)),
        "{row}"
    );
    let (_, v) = fx.get("/api/v1/summary?as_of=2026-06-02", &jb.0).await;
    let t = &v["total"];
    // 行政编制 5 + 4 with 1 in post: 8 vacant; 事业编制: none vacant, 1 over.
    assert_eq!(
        (t["available"].as_i64(), t["over"].as_i64()),
        (Some(8), Some(1)),
        "{v}"
    );
}

/// 行业领域: set by a matter, shown on the unit's page and filterable in the
/// list (a field's name takes in the sectors within it); a total beyond what
/// the sector holds is refused through the API with the total's 文号.
#[tokio::test]
async fn sectors_are_set_by_matter_shown_and_filtered() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let school = fx.unit("区实验小学");
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb.0,
            serde_json::json!({"doc": "盐编〔2026〕51号", "effective": "2026-06-01", "ops": [
                {"op": "调整行业领域", "unit": "区实验小学", "sector": "中小学"},
                {"op": "调整行业领域", "unit": "区教育局", "sector": "教育"},
                {"op": "核定行业编制总量", "sector": "中小学", "qtype": "事业编制", "count": 3}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (_, v) = fx
        .get("/api/v1/units?sector=中小学&as_of=2026-06-02", &jb.0)
        .await;
    let names: Vec<&str> = v["items"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["区实验小学"], "{v}");
    let (_, v) = fx
        .get("/api/v1/units?sector=01&as_of=2026-06-02", &jb.0)
        .await;
    assert_eq!(v["items"].as_array().map(Vec::len), Some(2), "{v}");
    let (s, v) = fx.get("/api/v1/units?sector=火星", &jb.0).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let (_, html) = page(&fx, &jb, &format!("/units/{school}?as_of=2026-06-02")).await;
    assert!(
        html.contains("<dt>行业领域</dt><dd id=\"unit-sector\">中小学</dd>"),
        "{html}"
    );
    // The total is full: one more 核增 in the sector is refused, naming it.
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb.0,
            serde_json::json!({"doc": "盐编〔2026〕52号", "effective": "2026-06-03", "ops": [
                {"op": "核增编制", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 1}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    let msg = v.to_string();
    assert!(
        msg.contains("sector_total_exceeded") && msg.contains("盐编〔2026〕51号"),
        "{msg}"
    );
}
