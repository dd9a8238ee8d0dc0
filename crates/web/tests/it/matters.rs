//! 事项 recorded directly by the 编办 through the API.

use axum::http::StatusCode;
use serde_json::json;

use crate::fixture::*;

#[tokio::test]
async fn office_records_matters_directly() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let dw = fx.login("dw").await;
    let school = fx.unit("区实验小学");
    let ok = json!({"doc": "盐编〔2025〕3号", "effective": "2025-03-01", "reason": "增加教师编制",
        "ops": [{"op": "increase_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 2}]});
    assert_err(
        &fx.post("/api/v1/matters", &dw, ok.clone()).await,
        403,
        "forbidden",
    );
    let (s, v) = fx.post("/api/v1/matters", &jb, ok).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    assert_eq!(v["doc"], "盐编〔2025〕3号");
    assert_eq!(quota(&fx, &jb, school).await["approved"], 5);
    let n = fx.journal_len();
    let bad = [
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": [{"op": "decrease_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 4}]}),
            422,
            "below_usage",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": [{"op": "increase_quota", "unit": "区不存在局", "qtype": "行政编制", "funding": "全额拨款", "count": 1}]}),
            422,
            "unknown_unit",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": [{"op": "increase_quota", "unit": "区实验小学", "qtype": "行政编制", "funding": "全额拨款", "count": 1}]}),
            422,
            "class_forbidden",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": [{"op": "increase_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": "两"}]}),
            422,
            "invalid_field",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": [{"op": "make_coffee"}]}),
            422,
            "invalid_field",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": []}),
            422,
            "missing_field",
        ),
        (
            json!({"doc": "无文号", "effective": "2025-03-02", "ops": [{"op": "fund_pool", "qtype": "事业编制", "count": 1}]}),
            422,
            "bad_doc_no",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "03/02/2025", "ops": [{"op": "fund_pool", "qtype": "事业编制", "count": 1}]}),
            400,
            "bad_date",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "ops": []}),
            422,
            "missing_field",
        ),
    ];
    for (body, status, code) in bad {
        let r = fx.post("/api/v1/matters", &jb, body).await;
        assert_err(&r, status, code);
    }
    assert_eq!(fx.journal_len(), n, "nothing recorded");
    assert_eq!(quota(&fx, &jb, school).await["approved"], 5);
}
