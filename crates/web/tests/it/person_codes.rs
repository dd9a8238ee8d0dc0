//! A person's 民族, 政治面貌 and 学历 are entered from the code tables
//! (GB 3304, GB/T 4762, GB/T 4658): the operation editor and the 申请 form
//! offer the canonical names; the API takes a common spelling and records
//! the name, and refuses a value no table knows before anything is stored.

use axum::http::StatusCode;
use serde_json::json;

use crate::fixture::*;

fn hire_op(
    n: u16,
    plan: u64,
    ethnicity: &str,
    political: &str,
    education: &str,
) -> serde_json::Value {
    json!({"op": "hire", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "plan_line": plan,
        "details": {"name": format!("新人{n}"), "id_number": idn(100 + n), "identity": "事业人员",
            "ethnicity": ethnicity, "political": political, "education": education}})
}

#[tokio::test]
async fn the_api_records_canonical_names_and_refuses_unknown_ones() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let plan = plan_line(&fx, &jb).await;
    let n = fx.journal_len();
    let body = |doc: &str, op| json!({"doc": doc, "effective": "2026-06-01", "ops": [op]});
    let r = fx
        .post(
            "/api/v1/matters",
            &jb,
            body(
                "盐编〔2026〕31号",
                hire_op(1, plan, "火星族", "群众", "大学本科"),
            ),
        )
        .await;
    assert_err(&r, 400, "invalid_field");
    assert_eq!(
        r.1["message"], "第 1 项操作（入编）：“民族”不在代码表（GB 3304-1991）中，收到“火星族”",
        "{}",
        r.1
    );
    assert_eq!(fx.journal_len(), n, "nothing recorded");
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb,
            body(
                "盐编〔2026〕31号",
                hire_op(1, plan, "回", "中国共产党党员", "大专"),
            ),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let id = person_id(&fx, &jb, "新人1").await;
    let (_, p) = fx.get(&format!("/api/v1/people/{id}"), &jb).await;
    assert_eq!(
        (&p["ethnicity"], &p["political"], &p["education"]),
        (&json!("回族"), &json!("中共党员"), &json!("大学专科")),
        "{p}"
    );
}

#[tokio::test]
async fn the_operation_editor_offers_the_code_tables() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let (s, html) = page(&fx, &jb, "/matters/new?op=hire").await;
    assert_eq!(s, StatusCode::OK);
    for (id, first, last) in [
        ("o0-details-ethnicity", "汉族", "外国血统中国籍人士"),
        ("o0-details-political", "中共党员", "群众"),
        ("o0-details-education", "博士研究生", "其他"),
    ] {
        let at = html
            .find(&format!("<select id=\"{id}\""))
            .unwrap_or_else(|| panic!("{id} is a select: {html}"));
        let select = &html[at..at + html[at..].find("</select>").unwrap()];
        assert!(
            select.contains("<option value=\"\" selected>（不填）</option>"),
            "{select}"
        );
        assert!(
            select.contains(&format!("<option value=\"{first}\" >{first}</option>")),
            "{select}"
        );
        assert!(
            select.contains(&format!("<option value=\"{last}\" >{last}</option>")),
            "{select}"
        );
    }
    assert!(html.contains("<span>学历</span>"), "{html}");
}

#[tokio::test]
async fn an_application_takes_the_code_tables() {
    let fx = Fx::new();
    let dw = fx.login("dw").await;
    let school = fx.unit("区实验小学");
    let plan = plan_line(&fx, &dw).await;
    let mut bad = hire(school, 1, plan);
    bad["political"] = json!("积极分子");
    let r = fx.post("/api/v1/applications", &dw, bad).await;
    assert_err(&r, 422, "unknown_code");
    assert!(
        r.1["message"]
            .as_str()
            .unwrap()
            .contains("政治面貌“积极分子”不在代码表"),
        "{}",
        r.1
    );
    let mut ok = hire(school, 1, plan);
    ok["education"] = json!("本科");
    ok["ethnicity"] = json!("满");
    let (s, v) = fx.post("/api/v1/applications", &dw, ok).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let dw = sign_in(&fx, "dw").await;
    let (s, html) = page(&fx, &dw, "/applications/new?kind=hire").await;
    assert_eq!(s, StatusCode::OK);
    for field in ["ethnicity", "political", "education"] {
        assert!(
            html.contains(&format!("<select name=\"{field}\" id=\"f-{field}\">")),
            "{field}: {html}"
        );
    }

    assert!(html.contains("<option >中共预备党员</option>"), "{html}");
}
