//! 编制标准测算 on the web: a school's facts entered (API and form), its
//! normative 编制 and the report, scopes and roles, the import of a filled
//! template (all or nothing, row and column named), the office's own norm,
//! and 拟核增 drafted into a 动议 carrying the calculation.

use axum::http::StatusCode;
use bianzhi_reports::{xlsx, Cell, Table};
use serde_json::{json, Value};

use crate::fixture::*;

/// 区实验小学 in sector 中小学 (recorded as a matter today).
async fn school_in_sector(fx: &Fx, jb: &str) -> (u32, String) {
    let today = fx.app.today().to_string();
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            jb,
            json!({"doc": "盐编〔2025〕88号", "effective": today, "reason": "设定行业领域",
                   "ops": [{"op": "调整行业领域", "unit": "区实验小学", "sector": "中小学"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    (fx.unit("区实验小学"), today)
}

async fn put(fx: &Fx, tok: &str, unit: u32, body: Value) -> (StatusCode, Value) {
    fx.raw(
        axum::http::Method::PUT,
        &format!("/api/v1/norms/units/{unit}"),
        Some(tok),
        Some(serde_json::to_vec(&body).unwrap()),
    )
    .await
}

fn row(report: &Value, unit: u32) -> &Value {
    report["rows"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["unit"]["id"] == unit)
        .unwrap_or_else(|| panic!("unit {unit} in {report}"))
}

#[tokio::test]
async fn facts_give_the_normative_quota_within_scope_and_role() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let (school, today) = school_in_sector(&fx, &jb.0).await;

    // Writes are the office's: not a unit clerk's, not a read-only user's.
    let facts = json!({"as_of": today, "counts": {"primary": 950}, "source": "家家到核查"});
    for who in ["dw", "ck"] {
        let t = fx.login(who).await;
        let r = put(&fx, &t, school, facts.clone()).await;
        assert_eq!(r.0, StatusCode::FORBIDDEN, "{who}: {}", r.1);
    }
    let (s, v) = put(&fx, &jb.0, school, facts).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    // 950 ÷ 19 = 50.0 → 50; 核定 3 → 47 short.
    assert_eq!(v["row"]["calc"]["total"], 50, "{v}");
    assert_eq!(
        v["row"]["calc"]["terms"][0]["arithmetic"],
        "950 ÷ 19 = 50.0"
    );
    assert_eq!(v["row"]["diff"], -47);
    assert_eq!(v["row"]["status"], "低于标准");
    assert!(v["norms"][0]["doc_no"]
        .as_str()
        .unwrap()
        .contains("中央编办发〔2014〕72号"));
    // Bad input is refused in Chinese.
    assert_err(
        &put(
            &fx,
            &jb.0,
            school,
            json!({"as_of": today, "counts": {"学生": 5}}),
        )
        .await,
        422,
        "invalid_field",
    );
    assert_err(
        &put(&fx, &jb.0, school, json!({"as_of": today, "counts": {}})).await,
        422,
        "missing_field",
    );

    // The report: the school, its sector's sums, the shortfall listed.
    let (s, r) = fx.get("/api/v1/norms", &jb.0).await;
    assert_eq!(s, StatusCode::OK, "{r}");
    assert_eq!(row(&r, school)["calc"]["total"], 50);
    assert_eq!(r["sectors"][0]["sector_name"], "中小学");
    assert_eq!(r["sectors"][0]["normative"], 50);
    assert_eq!(r["sectors"][0]["approved"], 3);
    assert_eq!(r["under"][0]["unit"]["id"], school);
    // Before the facts' date there is nothing to compute from.
    let (_, early) = fx.get("/api/v1/norms?as_of=2024-06-01", &jb.0).await;
    assert!(early["rows"].as_array().unwrap().is_empty(), "{early}");

    // A clerk of 区教育局 sees its school; of 卫健委 neither the row nor the unit.
    let dw = fx.login("dw").await;
    let (_, r) = fx.get("/api/v1/norms", &dw).await;
    assert_eq!(row(&r, school)["calc"]["total"], 50);
    let (s, _) = fx.get(&format!("/api/v1/norms/units/{school}"), &dw).await;
    assert_eq!(s, StatusCode::OK);
    let dw2 = fx.login("dw2").await;
    let (_, r) = fx.get("/api/v1/norms", &dw2).await;
    assert!(r["rows"].as_array().unwrap().is_empty(), "{r}");
    let (s, _) = fx.get(&format!("/api/v1/norms/units/{school}"), &dw2).await;
    assert_eq!(s, StatusCode::NOT_FOUND);

    // The report page, reached from 报表, with the basis and the 拟核增 button.
    let (_, html) = page(&fx, &jb, "/reports").await;
    assert!(html.contains("href=\"/norms\""), "{html}");
    let (s, html) = page(&fx, &jb, "/norms").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("区实验小学")
            && html.contains("中央编办发〔2014〕72号")
            && html.contains("拟核增 47 名"),
        "{html}"
    );
    // The xlsx has the row.
    let (s, _, b) = fx
        .send(
            axum::http::Method::GET,
            "/norms/xlsx",
            &[("authorization", &format!("Bearer {}", jb.0))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let sheet = xlsx::read_bytes(&b, "xlsx", None).unwrap();
    assert!(sheet.rows.iter().any(|(_, r)| r[0].text() == "区实验小学"));
}

#[tokio::test]
async fn the_form_the_office_norm_and_a_case_from_the_shortfall() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let (school, today) = school_in_sector(&fx, &jb.0).await;
    // The unit's page has the form with the sector's measures.
    let (s, html) = page(&fx, &jb, &format!("/norms/units/{school}")).await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("id=\"facts-primary\"") && html.contains("id=\"facts-senior\""),
        "{html}"
    );
    assert!(!html.contains("id=\"facts-beds\""));
    // A bad number: the form again, the value kept, nothing saved.
    let (s, _, html) = form(
        &fx,
        &jb,
        &format!("/norms/units/{school}"),
        &[("as_of", &today), ("primary", "六百")],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("小学在校生应为不小于 0 的整数"), "{html}");
    // 小学 600 → 31.6, 初中 400 → 29.6; 61.2 → 61.
    let (s, loc, _) = form(
        &fx,
        &jb,
        &format!("/norms/units/{school}"),
        &[
            ("as_of", &today),
            ("primary", "600"),
            ("junior", "400"),
            ("source", "家家到"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc, format!("/norms/units/{school}?saved=1"));
    let (_, html) = page(&fx, &jb, &loc).await;
    assert!(
        html.contains("600 ÷ 19 = 31.6") && html.contains("400 ÷ 13.5 = 29.6"),
        "{html}"
    );
    assert!(html.contains("<b>61</b> 名"), "{html}");

    // The office's own 小学 norm 1:17.5 from today: 600 ÷ 17.5 = 34.3; 63.9 → 64.
    let (s, _, html) = form(
        &fx,
        &jb,
        "/norms/standards",
        &[
            ("sector", "0101"),
            ("measure", "primary"),
            ("staff", "1"),
            ("per", "17.5"),
            ("basis", "《某市中小学教职工编制实施办法》"),
            ("doc_no", "某编〔2025〕3号"),
            ("effective", &today),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    let (_, v) = fx
        .get(&format!("/api/v1/norms/units/{school}"), &jb.0)
        .await;
    assert_eq!(v["row"]["calc"]["total"], 64, "{v}");
    assert!(v["norms"]
        .as_array()
        .unwrap()
        .iter()
        .any(|n| n["doc_no"] == "某编〔2025〕3号" && n["origin"] == "本办设定"));
    // A unit clerk may not set one.
    let dw = sign_in(&fx, "dw").await;
    let (s, _, _) = form(
        &fx,
        &dw,
        "/norms/standards",
        &[
            ("sector", "0101"),
            ("measure", "primary"),
            ("staff", "1"),
            ("per", "10"),
            ("basis", "x"),
            ("effective", &today),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // 拟核增: 64 − 3 = 61 into a 动议 whose reasons carry the calculation.
    let (s, loc, _) = form(
        &fx,
        &jb,
        &format!("/norms/units/{school}/propose"),
        &[("as_of", &today)],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let case: i64 = loc.trim_start_matches("/cases/").parse().unwrap();
    let (_, c) = fx.get(&format!("/api/v1/cases/{case}"), &jb.0).await;
    let text = c.to_string();
    assert!(
        text.contains("600 ÷ 17.5 = 34.3")
            && text.contains("某编〔2025〕3号")
            && text.contains("测算编制 64 名")
            && text.contains("拟核增 61 名"),
        "{text}"
    );
    let ops = &c["case"]["draft"]["ops"];
    let ops = if ops.is_null() {
        &c["draft"]["ops"]
    } else {
        ops
    };
    assert_eq!(ops[0]["count"], 61, "{c}");
    // 事前评估 carries the calculation and the 核定 after the draft (3 + 61 =
    // 64: at the norm, nothing to note).
    for action in ["submit", "assess"] {
        let (_, version) = {
            let s = fx
                .app
                .load_case(&crate::cases::office_user(), case)
                .unwrap();
            (s.item, s.version)
        };
        let (s, _, body) = form(
            &fx,
            &jb,
            &format!("/cases/{case}/act/{action}"),
            &[("version", &version.to_string())],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{action}: {body}");
    }
    let c = fx
        .app
        .load_case(&crate::cases::office_user(), case)
        .unwrap()
        .item;
    let verdict = c.assessment.expect("assessed").verdict.join("\n");
    assert!(
        verdict.contains("编制标准测算：测算编制 64 名，现核定事业编制 3 名，拟办事项后 64 名")
            && verdict.contains("600 ÷ 17.5 = 34.3")
            && !verdict.contains("高于编制标准"),
        "{verdict}"
    );
    // A unit with nothing short is not proposed for.
    let (s, _, _) = form(&fx, &dw, &format!("/norms/units/{school}/propose"), &[]).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // The audit trail says what was done.
    let aud = fx.login("aud").await;
    let (_, v) = fx
        .get(&format!("/api/v1/audit?q={}", enc("单位基础数据")), &aud)
        .await;
    assert!(v.to_string().contains("小学在校生 600 人"), "{v}");
    let (_, v) = fx
        .get(&format!("/api/v1/audit?q={}", enc("拟核增")), &aud)
        .await;
    assert!(v.to_string().contains("事业编制 61 名"), "{v}");
}

fn workbook(rows: Vec<Vec<Cell>>) -> Vec<u8> {
    let mut t = Table::new(
        "基础数据",
        &[
            "单位名称",
            "行业领域",
            "统计时点",
            "小学在校生",
            "初中在校生",
            "高中在校生",
            "在园幼儿",
            "床位",
            "服务人口",
            "数据来源",
        ],
    );
    t.rows = rows;
    xlsx::workbook(&[&t]).unwrap().save_to_buffer().unwrap()
}

#[tokio::test]
async fn an_import_is_all_or_nothing() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let (school, today) = school_in_sector(&fx, &jb.0).await;
    // The template lists the school.
    let (s, _, b) = fx
        .send(
            axum::http::Method::GET,
            "/norms/template.xlsx",
            &[("authorization", &format!("Bearer {}", jb.0))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    let t = xlsx::read_bytes(&b, "xlsx", None).unwrap();
    assert_eq!(t.headers[0], "单位名称");
    assert!(t.rows.iter().any(|(_, r)| r[0].text() == "区实验小学"));

    let e = Cell::Empty;
    let good = |n: i64| {
        vec![
            Cell::text("区实验小学"),
            Cell::text("中小学"),
            Cell::text(today.clone()),
            Cell::int(n),
            e.clone(),
            e.clone(),
            e.clone(),
            e.clone(),
            e.clone(),
            Cell::text("家家到"),
        ]
    };
    let mut bad_row = good(1);
    bad_row[0] = Cell::text("区不存在中学");
    bad_row[4] = Cell::text("许多");
    let bytes = workbook(vec![good(380), bad_row]);
    let (s, _, html) = upload_file(&fx, &jb, "/norms/import", &[], "facts.xlsx", &bytes).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{html}");
    assert!(
        html.contains("第 3 行“单位名称”列") && html.contains("第 3 行“初中在校生”列"),
        "{html}"
    );
    let (_, v) = fx
        .get(&format!("/api/v1/norms/units/{school}"), &jb.0)
        .await;
    assert!(
        v["history"].as_array().unwrap().is_empty(),
        "nothing imported: {v}"
    );

    // A unit clerk may not import.
    let dw = sign_in(&fx, "dw").await;
    let bytes = workbook(vec![good(380)]);
    let (s, _, _) = upload_file(&fx, &dw, "/norms/import", &[], "facts.xlsx", &bytes).await;
    assert_eq!(s, StatusCode::FORBIDDEN);

    // 380 ÷ 19 = 20.
    let (s, loc, _) = upload_file(&fx, &jb, "/norms/import", &[], "facts.xlsx", &bytes).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc, "/norms?imported=1");
    let (_, v) = fx
        .get(&format!("/api/v1/norms/units/{school}"), &jb.0)
        .await;
    assert_eq!(v["row"]["calc"]["total"], 20, "{v}");
}

/// 预警: a unit whose 核定 is above its normative 编制 by more than the
/// office's share (10 % by default) is listed in the 问题台账's 预警, with the
/// calculation; one within the share is not.
#[tokio::test]
async fn a_unit_above_its_norm_is_an_early_warning() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let (school, today) = school_in_sector(&fx, &jb.0).await;
    // 核定 3; 38 pupils → 2.0 → 2: 50 % above.
    let (s, v) = put(
        &fx,
        &jb.0,
        school,
        json!({"as_of": today, "counts": {"primary": 38}, "source": "家家到核查"}),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, html) = page(&fx, &jb, "/problems").await;
    assert!(
        html.contains("核定高于编制标准")
            && html.contains("核定事业编制 3 名，按编制标准测算 2 名，高出 1 名（50%）"),
        "{html}"
    );
    // 57 pupils → 3.0 → 3: at the norm, no warning.
    put(
        &fx,
        &jb.0,
        school,
        json!({"as_of": today, "counts": {"primary": 57}, "source": "家家到核查"}),
    )
    .await;
    let (_, html) = page(&fx, &jb, "/problems").await;
    assert!(!html.contains("核定高于编制标准"), "{html}");
}
