//! Export from every list: 人员 results, 机构, 事项, 申请, 事项办理 and 问题台账
//! as xlsx (read back), a unit's tables through the reports, with the same
//! filters, scope, masking and auditing.

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::fixture::*;

async fn xlsx(fx: &Fx, tok: &str, uri: &str) -> bianzhi_reports::xlsx::Sheet {
    let (s, h, b) = fx
        .send(
            Method::GET,
            uri,
            &[("authorization", &format!("Bearer {tok}"))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{uri}: {}", String::from_utf8_lossy(&b));
    assert!(
        h["content-type"]
            .to_str()
            .unwrap()
            .contains("spreadsheetml"),
        "{uri}"
    );
    bianzhi_reports::xlsx::read_bytes(&b, "xlsx", None).unwrap()
}

fn cells(sheet: &bianzhi_reports::xlsx::Sheet) -> String {
    format!("{:?}", sheet.rows)
}

#[tokio::test]
async fn every_list_exports_what_it_shows() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let dw = fx.login("dw2").await;
    // 人员: the search's people, 身份证号 masked; the export audited.
    let sheet = xlsx(&fx, &jb, "/people/xlsx?unit=区实验小学").await;
    assert_eq!(sheet.headers[0], "姓名");
    assert_eq!(sheet.rows.len(), 2, "{}", cells(&sheet));
    let text = cells(&sheet);
    assert!(
        text.contains("王小明") && text.contains("李华") && !text.contains("张伟"),
        "{text}"
    );
    assert!(
        !text.contains(&idn(1)) && text.contains("**********"),
        "masked: {text}"
    );
    let aud = fx.login("aud").await;
    let (_, v) = fx.get("/api/v1/audit?action=导出人员名单", &aud).await;
    assert_eq!(v["items"][0]["actor"], "jb", "{v}");
    // A unit clerk exports only their scope.
    let sheet = xlsx(&fx, &dw, "/people/xlsx").await;
    assert!(
        !cells(&sheet).contains("王小明"),
        "another unit's people: {}",
        cells(&sheet)
    );
    // 机构: every unit with its figures and a totals row.
    let sheet = xlsx(&fx, &jb, "/units/xlsx").await;
    let text = cells(&sheet);
    assert!(
        text.contains("区教育局") && text.contains("区卫生健康委员会") && text.contains("合计"),
        "{text}"
    );
    let sheet = xlsx(&fx, &dw, "/units/xlsx").await;
    assert!(
        !cells(&sheet).contains("区教育局"),
        "scope: {}",
        cells(&sheet)
    );
    // 事项: the journal as filtered.
    let sheet = xlsx(
        &fx,
        &jb,
        &format!("/matters/xlsx?kind={}", enc("存量人员登记")),
    )
    .await;
    assert_eq!(sheet.rows.len(), 1, "{}", cells(&sheet));
    assert!(cells(&sheet).contains("盐编〔2024〕2号"));
    // A unit's page links its tables to the reports (xlsx and print).
    let school = fx.unit("区实验小学");
    let who = sign_in(&fx, "jb").await;
    let (_, html) = page(&fx, &who, &format!("/units/{school}")).await;
    for kind in ["quotas", "posts", "roster", "ledger"] {
        let href = format!("/reports/{kind}/xlsx?unit={school}&amp;scope=unit");
        assert!(html.contains(&href), "{kind}: {html}");
    }
    let roster = xlsx(
        &fx,
        &jb,
        &format!("/reports/roster/xlsx?unit={school}&scope=unit"),
    )
    .await;
    assert_eq!(roster.rows.len(), 2, "{}", cells(&roster));
}

/// The newest audit entry of an action: (actor, target, detail).
async fn last_audit(fx: &Fx, action: &str) -> (String, String, String) {
    let aud = fx.login("aud").await;
    let (s, v) = fx
        .get(&format!("/api/v1/audit?action={}", enc(action)), &aud)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let e = &v["items"][0];
    let f = |k: &str| e[k].as_str().unwrap_or_default().to_string();
    (f("actor"), f("target"), f("detail"))
}

/// The values of one column (by header) of a sheet.
fn column(sheet: &bianzhi_reports::xlsx::Sheet, header: &str) -> Vec<String> {
    let c = sheet
        .headers
        .iter()
        .position(|h| h == header)
        .unwrap_or_else(|| panic!("no column {header}: {:?}", sheet.headers));
    sheet.rows.iter().map(|(_, r)| r[c].text()).collect()
}

#[tokio::test]
async fn applications_export_as_filtered_within_scope() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let dw = fx.login("dw").await;
    let dw2 = fx.login("dw2").await;
    let school = fx.unit("区实验小学");
    let bureau = fx.unit("区教育局");
    let wjw = fx.unit("区卫生健康委员会");
    submitted(&fx, 1).await; // 入编 新人1 at the school
    let (s, v) = fx
        .post(
            "/api/v1/applications",
            &dw,
            json!({"kind": "leave", "unit": bureau, "person": idn(3), "leave_reason": "退休"}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // The list links its export with the filters it shows.
    let who = sign_in(&fx, "jb").await;
    let (_, html) = page(&fx, &who, "/applications?kind=leave").await;
    assert!(
        html.contains("href=\"/applications/xlsx?kind=leave\""),
        "{html}"
    );
    // Everything the office sees; 身份证号 masked.
    let sheet = xlsx(&fx, &jb, "/applications/xlsx").await;
    assert_eq!(sheet.headers[0], "编号");
    assert_eq!(sheet.rows.len(), 2, "{}", cells(&sheet));
    let text = cells(&sheet);
    assert!(
        !text.contains(&idn(101)) && text.contains(&bianzhi_core::ident::mask_id_value(&idn(101))),
        "masked: {text}"
    );
    assert_eq!(column(&sheet, "姓名"), ["", "新人1"], "newest first");
    // The filters of the page: type, unit (with the units below it), status.
    let sheet = xlsx(&fx, &jb, "/applications/xlsx?kind=leave").await;
    assert_eq!(column(&sheet, "单位"), ["区教育局"], "{}", cells(&sheet));
    let sheet = xlsx(&fx, &jb, &format!("/applications/xlsx?unit={school}")).await;
    assert_eq!(column(&sheet, "姓名"), ["新人1"], "{}", cells(&sheet));
    let sheet = xlsx(&fx, &jb, &format!("/applications/xlsx?unit={bureau}")).await;
    assert_eq!(sheet.rows.len(), 2, "the school is under the bureau");
    let sheet = xlsx(&fx, &jb, "/applications/xlsx?status=approved").await;
    assert!(sheet.rows.is_empty(), "{}", cells(&sheet));
    // A unit clerk of another unit: nothing, not even with the unit asked for.
    for uri in [
        "/applications/xlsx".to_string(),
        format!("/applications/xlsx?unit={school}"),
        format!("/applications/xlsx?unit={wjw}"),
    ] {
        let sheet = xlsx(&fx, &dw2, &uri).await;
        let text = cells(&sheet);
        assert!(sheet.rows.is_empty(), "{uri}: {text}");
    }
    let (actor, target, _) = last_audit(&fx, "导出申请").await;
    assert_eq!(actor, "dw2");
    assert!(
        !target.contains("区实验小学"),
        "no unit outside the scope named: {target}"
    );
    // Audited in the office's words.
    xlsx(
        &fx,
        &jb,
        &format!("/applications/xlsx?kind=leave&unit={bureau}"),
    )
    .await;
    let (actor, target, detail) = last_audit(&fx, "导出申请").await;
    assert_eq!(actor, "jb");
    assert_eq!(target, "申请 · 出编 · 区教育局（含下属单位）");
    assert!(
        detail.contains("1 件") && detail.contains("身份证号脱敏"),
        "{detail}"
    );
}

#[tokio::test]
async fn cases_export_as_filtered_within_scope() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let dw = fx.login("dw").await;
    let dw2 = fx.login("dw2").await;
    let school = fx.unit("区实验小学");
    let wjw = fx.unit("区卫生健康委员会");
    let today = fx.app.today().to_string();
    for (tok, title, unit, qtype) in [
        (&dw, "区实验小学核增事业编制", school, "事业编制"),
        (&jb, "区卫生健康委员会核增行政编制", wjw, "行政编制"),
    ] {
        let (s, v) = fx
            .post(
                "/api/v1/cases",
                tok,
                json!({"title": title, "reasons": "缺编", "unit": unit, "effective": today,
                       "ops": [{"op": "increase_quota", "unit": unit, "qtype": qtype, "funding": "全额拨款", "count": 1}]}),
            )
            .await;
        assert_eq!(s, StatusCode::OK, "{v}");
    }
    let who = sign_in(&fx, "jb").await;
    let (_, html) = page(&fx, &who, &format!("/cases?q={}", enc("核增"))).await;
    assert!(
        html.contains(&format!("href=\"/cases/xlsx?q={}\"", enc("核增"))),
        "{html}"
    );
    let sheet = xlsx(&fx, &jb, "/cases/xlsx").await;
    assert_eq!(sheet.headers[1], "事项名称");
    assert_eq!(
        column(&sheet, "事项名称"),
        ["区卫生健康委员会核增行政编制", "区实验小学核增事业编制"]
    );
    assert_eq!(column(&sheet, "当前环节"), ["动议", "动议"]);
    // Search, unit (the school is under the bureau), stage.
    let sheet = xlsx(&fx, &jb, &format!("/cases/xlsx?q={}", enc("行政编制"))).await;
    assert_eq!(sheet.rows.len(), 1, "{}", cells(&sheet));
    let sheet = xlsx(
        &fx,
        &jb,
        &format!("/cases/xlsx?unit={}", fx.unit("区教育局")),
    )
    .await;
    assert_eq!(column(&sheet, "涉及单位"), ["区实验小学"]);
    let sheet = xlsx(&fx, &jb, "/cases/xlsx?stage=decision").await;
    assert!(sheet.rows.is_empty(), "{}", cells(&sheet));
    // Scope: each unit clerk has its own case only.
    let sheet = xlsx(&fx, &dw, "/cases/xlsx").await;
    assert_eq!(column(&sheet, "涉及单位"), ["区实验小学"]);
    let sheet = xlsx(&fx, &dw2, &format!("/cases/xlsx?unit={school}")).await;
    assert!(sheet.rows.is_empty(), "{}", cells(&sheet));
    let sheet = xlsx(&fx, &dw2, "/cases/xlsx").await;
    assert!(
        !cells(&sheet).contains("区实验小学"),
        "scope: {}",
        cells(&sheet)
    );
    let (actor, target, detail) = last_audit(&fx, "导出办理事项").await;
    assert_eq!((actor.as_str(), target.as_str()), ("dw2", "事项办理"));
    assert!(detail.starts_with("1 件"), "{detail}");
}

#[tokio::test]
async fn problems_export_as_filtered_within_scope() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let school = fx.unit("区实验小学");
    let wjw = fx.unit("区卫生健康委员会");
    for (unit, text, who) in [
        (wjw, "内设机构超出三定规定", "王主任"),
        (school, "超职数配备副校长", "李校长"),
    ] {
        let (s, _, body) = form(
            &fx,
            &jb,
            "/problems",
            &[
                ("unit", &unit.to_string()),
                ("source", bianzhi_casework::ProblemSource::Inspection.code()),
                ("description", text),
                ("found_on", "2024-01-10"),
                ("deadline", "2024-03-31"),
                ("responsible", who),
            ],
        )
        .await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    }
    let (_, html) = page(&fx, &jb, &format!("/problems?unit={school}")).await;
    assert!(
        html.contains(&format!("href=\"/problems/xlsx?unit={school}\"")),
        "{html}"
    );
    let sheet = xlsx(&fx, &jb.0, "/problems/xlsx").await;
    assert_eq!(sheet.headers[3], "问题");
    assert_eq!(sheet.rows.len(), 2, "{}", cells(&sheet));
    assert_eq!(column(&sheet, "逾期"), ["逾期", "逾期"]);
    let sheet = xlsx(&fx, &jb.0, &format!("/problems/xlsx?q={}", enc("王主任"))).await;
    assert_eq!(column(&sheet, "单位"), ["区卫生健康委员会"]);
    let sheet = xlsx(
        &fx,
        &jb.0,
        &format!("/problems/xlsx?unit={}", fx.unit("区教育局")),
    )
    .await;
    assert_eq!(column(&sheet, "问题"), ["超职数配备副校长"]);
    let sheet = xlsx(&fx, &jb.0, "/problems/xlsx?status=closed").await;
    assert!(sheet.rows.is_empty());
    // A unit clerk: its unit's problem only, whatever it asks for.
    let dw = fx.login("dw").await;
    let sheet = xlsx(&fx, &dw, "/problems/xlsx").await;
    assert_eq!(column(&sheet, "单位"), ["区实验小学"]);
    let sheet = xlsx(&fx, &dw, &format!("/problems/xlsx?unit={wjw}")).await;
    assert!(sheet.rows.is_empty(), "{}", cells(&sheet));
    let (actor, target, detail) = last_audit(&fx, "导出问题台账").await;
    assert_eq!(actor, "dw");
    assert!(!target.contains("卫生"), "{target}");
    assert!(detail.starts_with("0 个"), "{detail}");
}
