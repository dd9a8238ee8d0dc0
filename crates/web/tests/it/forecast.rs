//! 自然减员预测 online: the page (chart, totals, units), xlsx (audited) and
//! API agree with the ledger's forecast, within the reader's units.

use axum::http::StatusCode;
use bianzhi_core::ident::{make_id_number, Sex};
use chrono::NaiveDate;
use serde_json::json;

use crate::fixture::*;

#[tokio::test]
async fn the_forecast_shows_who_retires_and_where_the_vacancy_goes() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    // A man born 1967-03-10 reaches 60 years 7 months on 2027-10-10 and
    // retires from November 2027.
    let man = make_id_number(
        "320903",
        NaiveDate::from_ymd_opt(1967, 3, 10).unwrap(),
        77,
        Sex::Male,
    )
    .into_string();
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb.0,
            json!({"doc": "盐编〔2024〕9号", "effective": "2024-03-01", "ops": [
                {"op": "存量人员登记", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款",
                 "enrolled_on": "1990-09-01", "details": {"name": "赵老师", "id_number": man, "identity": "事业人员"}}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let (s, v) = fx
        .get("/api/v1/forecast?years=3&as_of=2026-12-04", &jb.0)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let y2027 = v["totals"]
        .as_array()
        .unwrap()
        .iter()
        .find(|t| t["year"] == 2027)
        .unwrap()
        .clone();
    assert_eq!(y2027["retirements"], 1, "{v}");
    // 核定 3, 实有 3: the vacancy is the unit's to use.
    assert_eq!(y2027["free"], 1, "{v}");
    assert_eq!(v["rows"][0]["unit"]["name"], "区实验小学", "{v}");
    // The page: chart, totals and the unit.
    let (s, html) = page(&fx, &jb, "/forecast?years=3&as_of=2026-12-04").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("<svg class=\"chart\"") && html.contains("区实验小学"),
        "{html}"
    );
    // The unit page shows its own; the 周转池 tab the pool's inflow.
    let (_, html) = page(&fx, &jb, &format!("/units/{}", fx.unit("区实验小学"))).await;
    assert!(html.contains("id=\"unit-forecast-table\""), "{html}");
    let (_, html) = page(&fx, &jb, "/instruments?tab=pool").await;
    assert!(html.contains("id=\"pool-inflow\""), "{html}");
    // 卫健委's clerk: none of the school's figures; the school answered as missing.
    let dw2 = sign_in(&fx, "dw2").await;
    let (_, v) = fx
        .get("/api/v1/forecast?years=3&as_of=2026-12-04", &dw2.0)
        .await;
    assert!(v["rows"].as_array().unwrap().is_empty(), "{v}");
    assert!(v["pools"].as_array().unwrap().is_empty(), "{v}");
    let school = fx.unit("区实验小学");
    let (s, v) = fx
        .get(&format!("/api/v1/forecast?unit={school}"), &dw2.0)
        .await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "answered as a unit that does not exist: {v}"
    );
    assert!(!v.to_string().contains("区实验小学"), "{v}");
    // Bad horizon: a clear refusal.
    let (s, v) = fx.get("/api/v1/forecast?years=11", &jb.0).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    // xlsx, audited.
    let (s, h, body) = fx
        .send(
            axum::http::Method::GET,
            "/forecast/xlsx?years=3&as_of=2026-12-04",
            &[("authorization", &format!("Bearer {}", jb.0))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert!(h["content-type"].to_str().unwrap().contains("spreadsheet"));
    assert!(body.starts_with(b"PK"));
    let aud = fx.login("aud").await;
    let (_, v) = fx
        .get(
            &format!("/api/v1/audit?action={}", enc("导出自然减员预测")),
            &aud,
        )
        .await;
    assert_eq!(v["page"]["total"], 1, "{v}");
}
