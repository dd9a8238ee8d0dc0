//! Export from every list: 人员 results, 机构, 事项 as xlsx (read back), a
//! unit's tables through the reports, with the same masking and auditing.

use axum::http::{Method, StatusCode};

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
