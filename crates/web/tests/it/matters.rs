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
            400,
            "invalid_field",
        ),
        (
            json!({"doc": "盐编〔2025〕4号", "effective": "2025-03-02", "ops": [{"op": "make_coffee"}]}),
            400,
            "unknown_operation",
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

/// A value a client might send for a field of this kind, in the fixture's district.
fn sample(kind: bianzhi_core::matter::describe::FieldKind, plan: u64) -> String {
    use bianzhi_core::matter::describe::FieldKind as K;
    match kind {
        K::Unit => "区实验小学".into(),
        K::QuotaType => "事业编制".into(),
        K::Funding => "全额拨款".into(),
        K::Count => "1".into(),
        K::Year => "2026".into(),
        K::Date => "2026-09-01".into(),
        K::Person => idn(1),
        K::IdNumber => idn(40),
        K::PlanLine => plan.to_string(),
        K::Loan | K::Body => "0".into(),
        K::Text => "区语言文字工作委员会办公室".into(),
        K::LongText => "职责".into(),
        K::Flag => "否".into(),
        K::Choice(c) => c.options()[0].1.into(),
        K::Code(c) => c.names().next().unwrap_or_default().into(),
        K::Tranches => "2026-09-01 1".into(),
        K::Assigned => String::new(),
    }
}

/// Every operation is taken by its Chinese name as well as its code: the
/// answer is the ledger's own (recorded, or refused by a rule), never a
/// malformed request.
#[tokio::test]
async fn every_operation_is_accepted_by_chinese_and_english_name() {
    use bianzhi_core::matter::describe::{build, OPS};
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let plan = plan_line(&fx, &jb).await;
    let mut doc = 10;
    for spec in OPS.iter() {
        let op = build(spec, |k| {
            spec.field(k)
                .filter(|f| f.required)
                .map(|f| sample(f.kind, plan))
        })
        .unwrap();
        for name in [spec.label, spec.code] {
            let mut op = op.clone();
            op["op"] = json!(name);
            doc += 1;
            let body = json!({"doc": format!("盐编〔2026〕{doc}号"), "effective": "2026-06-01", "ops": [op]});
            let (s, v) = fx.post("/api/v1/matters", &jb, body).await;
            assert!(
                s == StatusCode::CREATED || s == StatusCode::UNPROCESSABLE_ENTITY,
                "{name}: {s} {v}"
            );
            let code = v["code"].as_str().unwrap_or_default();
            assert!(
                !["invalid_field", "missing_field", "unknown_operation"].contains(&code),
                "{name}: {v}"
            );
        }
    }
}

/// A malformed operation answers 400, naming the operation and the field by
/// their Chinese labels; nothing is recorded.
#[tokio::test]
async fn a_wrong_or_missing_field_is_named_by_its_label() {
    let fx = Fx::new();
    let jb = fx.login("jb").await;
    let n = fx.journal_len();
    let post = |op: serde_json::Value| {
        let body = json!({"doc": "盐编〔2026〕30号", "effective": "2026-06-01", "ops": [op]});
        let fx = &fx;
        let jb = jb.clone();
        async move { fx.post("/api/v1/matters", &jb, body).await }
    };
    let r = post(json!({"op": "周转池借出", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款"})).await;
    assert_err(&r, 400, "missing_field");
    assert_eq!(
        r.1["message"], "第 1 项操作（周转池借出）：“借出数”必须填写",
        "{}",
        r.1
    );
    let r = post(json!({"op": "lend", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": "两个"})).await;
    assert_err(&r, 400, "invalid_field");
    assert!(
        r.1["message"].as_str().unwrap().contains("“借出数”"),
        "{}",
        r.1
    );
    let r = post(json!({"op": "入编", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "plan_line": 0,
        "details": {"name": "甲", "id_number": "123", "identity": "事业人员"}})).await;
    assert_err(&r, 400, "invalid_field");
    assert!(
        r.1["message"].as_str().unwrap().contains("“公民身份号码”"),
        "{}",
        r.1
    );
    let r = post(json!({"op": "借钱", "count": 1})).await;
    assert_err(&r, 400, "unknown_operation");
    assert!(
        r.1["message"]
            .as_str()
            .unwrap()
            .contains("没有“借钱”这种事项类型"),
        "{}",
        r.1
    );
    assert_eq!(fx.journal_len(), n, "nothing recorded");
}

/// The value of the `<option>` whose text contains `needle`.
fn option_value(html: &str, needle: &str) -> String {
    let at = html
        .find(needle)
        .unwrap_or_else(|| panic!("no option with {needle}"));
    let start = html[..at].rfind("<option value=\"").expect("option") + "<option value=\"".len();
    let end = start + html[start..].find('"').unwrap();
    html[start..end].to_string()
}

/// A matter built through the form alone: operations added from the menu,
/// filled in by label, previewed with figures before → after, recorded; a
/// loan returned by picking it from the list of loans; a refused matter's
/// preview shows the refusal and changes nothing; a missing field comes back
/// named, with everything typed kept.
#[tokio::test]
async fn the_form_records_any_operation_with_a_preview() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let school = fx.unit("区实验小学");
    // The menu offers every operation, grouped.
    let (s, html) = page(&fx, &jb, "/matters/new").await;
    assert_eq!(s, StatusCode::OK);
    for spec in bianzhi_core::matter::describe::OPS.iter() {
        assert!(
            html.contains(&format!(">{}</option>", spec.label)),
            "{}",
            spec.label
        );
    }
    // A form for one operation, every field labelled.
    let (_, html) = page(&fx, &jb, "/matters/new?op=lend").await;
    for label in [
        "借入单位",
        "编制类型",
        "经费形式",
        "借出数",
        "归还期限",
        "减员归还",
    ] {
        assert!(html.contains(label), "{label}: {html}");
    }
    assert!(
        html.contains("<label for=\"o0-count\"><span>借出数"),
        "{html}"
    );
    // Add a second operation to the first: 核定周转编制 then 周转池借出.
    let (s, _, html) = form(
        &fx,
        &jb,
        "/matters/new",
        &[
            ("n", "1"),
            ("op0", "lend"),
            ("o0.unit", "区实验小学"),
            ("action", "add"),
            ("add_op", "fund_pool"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("第 2 项：核定周转编制"), "{html}");
    assert!(
        html.contains("value=\"区实验小学\""),
        "typed values are kept"
    );
    let fields = [
        ("doc", "盐编〔2026〕40号"),
        ("effective", "2026-06-01"),
        ("reason", "周转池借出"),
        ("n", "2"),
        ("op0", "fund_pool"),
        ("o0.qtype", "事业编制"),
        ("o0.count", "5"),
        ("op1", "lend"),
        ("o1.unit", "区实验小学"),
        ("o1.qtype", "事业编制"),
        ("o1.funding", "全额拨款"),
        ("o1.count", "2"),
        ("o1.due", "2027-06-01"),
    ];
    // Missing field: named, nothing recorded, the rest kept.
    let n = fx.journal_len();
    let without: Vec<(&str, &str)> = fields
        .iter()
        .copied()
        .filter(|(k, _)| *k != "o1.count")
        .chain([("action", "record")])
        .collect();
    let (s, _, html) = form(&fx, &jb, "/matters/new", &without).await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    assert!(
        html.contains("第 2 项操作（周转池借出）：“借出数”必须填写"),
        "{html}"
    );
    assert!(
        html.contains("value=\"盐编〔2026〕40号\""),
        "the 文号 is kept"
    );
    assert_eq!(fx.journal_len(), n);
    // Preview: the figures before → after, nothing recorded.
    let mut with: Vec<(&str, &str)> = fields.to_vec();
    with.push(("action", "preview"));
    let (s, _, html) = form(&fx, &jb, "/matters/new", &with).await;
    assert_eq!(s, StatusCode::OK, "{html}");
    assert!(html.contains("台账校验通过"), "{html}");
    assert!(html.contains("<td>0 → 2</td>"), "借入 0 → 2: {html}");
    assert!(html.contains("<td>1 → 3</td>"), "可用空编 1 → 3: {html}");
    assert!(html.contains("<td>0 → 3</td>"), "池内可用 0 → 3: {html}");
    assert_eq!(fx.journal_len(), n);
    // Record.
    with.pop();
    with.push(("action", "record"));
    let (s, loc, html) = form(&fx, &jb, "/matters/new", &with).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    assert!(loc.starts_with("/matters/"));
    assert_eq!(fx.journal_len(), n + 1);
    let q = quota(&fx, &jb.0, school).await;
    assert_eq!(q["borrowed"], 2, "{q}");
    // 归还: the loan is picked from the list by its number.
    let (_, html) = page(&fx, &jb, "/matters/new?op=归还周转编制").await;
    let loan = option_value(&html, "区实验小学 · 事业编制(全额拨款) 未还 2");
    let (s, _, html) = form(
        &fx,
        &jb,
        "/matters/new",
        &[
            ("doc", "盐编〔2026〕41号"),
            ("effective", "2026-07-01"),
            ("n", "1"),
            ("op0", "return_loan"),
            ("o0.loan", &loan),
            ("action", "record"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{html}");
    assert_eq!(quota(&fx, &jb.0, school).await["borrowed"], 0);
    // A refused matter: the preview shows the ledger's refusal; nothing changes.
    let n = fx.journal_len();
    let refused = [
        ("doc", "盐编〔2026〕42号"),
        ("effective", "2026-07-02"),
        ("n", "1"),
        ("op0", "decrease_quota"),
        ("o0.unit", "区实验小学"),
        ("o0.qtype", "事业编制"),
        ("o0.funding", "全额拨款"),
        ("o0.count", "3"),
    ];
    let mut p: Vec<(&str, &str)> = refused.to_vec();
    p.push(("action", "preview"));
    let (s, _, html) = form(&fx, &jb, "/matters/new", &p).await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"preview-refusal\">不能登记："), "{html}");
    assert!(html.contains("区实验小学"), "{html}");
    let mut r: Vec<(&str, &str)> = refused.to_vec();
    r.push(("action", "record"));
    let (s, _, _) = form(&fx, &jb, "/matters/new", &r).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert_eq!(fx.journal_len(), n);
    assert_eq!(quota(&fx, &jb.0, school).await["approved"], 3);
}

/// The 事项类型 filter offers every operation, and filters by it.
#[tokio::test]
async fn the_matter_list_filters_by_every_operation() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let (_, html) = page(&fx, &jb, "/matters").await;
    for spec in bianzhi_core::matter::describe::OPS.iter() {
        assert!(
            html.contains(&format!("<option >{}</option>", spec.label))
                || html.contains(&format!(">{}</option>", spec.label)),
            "{}",
            spec.label
        );
    }
    let (s, v) = fx
        .get(
            &format!("/api/v1/matters?kind={}", enc("存量人员登记")),
            &jb.0,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"].as_array().unwrap().len(), 1, "{v}");
}

/// Every field of every operation's form has a label tied to it.
#[tokio::test]
async fn every_form_field_is_labelled() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    for spec in bianzhi_core::matter::describe::OPS.iter() {
        let (s, html) = page(&fx, &jb, &format!("/matters/new?op={}", spec.code)).await;
        assert_eq!(s, StatusCode::OK, "{}", spec.code);
        let mut fields = 0;
        for part in html.split("id=\"o0-").skip(1) {
            let id = &part[..part.find('"').unwrap()];
            if id.ends_with("-picked") || id.ends_with("-list") {
                continue;
            }
            fields += 1;
            assert!(
                html.contains(&format!("for=\"o0-{id}\"")),
                "{}: o0-{id} has no label",
                spec.code
            );
        }
        assert_eq!(
            fields,
            spec.entered().count(),
            "{}: every described field has a control",
            spec.code
        );
    }
}

/// 文号登记: the form offers the office's next 文号; a 文号 already used is
/// refused, naming the matter that has it, unless marked as the same
/// document; the approval of an application obeys the same rule.
#[tokio::test]
async fn a_doc_number_is_used_once_unless_it_is_the_same_document() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let year = fx.app.today().format("%Y").to_string();
    // No 机关代字 set: nothing suggested.
    let (_, html) = page(&fx, &jb, "/matters/new").await;
    assert!(
        html.contains("name=\"doc\" id=\"matter-doc\" value=\"\""),
        "{html}"
    );
    let mut s = fx.app.case_settings().unwrap();
    s.0.doc_prefix = "盐编".into();
    fx.app
        .save_case_settings(&crate::cases::office_user(), &s.0, s.1)
        .unwrap();
    // The fixture used 盐编〔year〕1号: the next is 2.
    let next = format!("盐编〔{year}〕2号");
    let (_, html) = page(&fx, &jb, "/matters/new").await;
    assert!(html.contains(&format!("value=\"{next}\"")), "{html}");
    let op = json!({"op": "核增编制", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 1});
    let n = fx.journal_len();
    let (s, v) = fx
        .post("/api/v1/matters", &jb.0, json!({"doc": format!("盐编[{year}]1号"), "effective": format!("{year}-02-01"), "ops": [op]}))
        .await;
    assert_err(&(s, v.clone()), 422, "doc_in_use");
    assert!(
        v["message"].as_str().unwrap().contains("下达用编计划"),
        "names the matter: {v}"
    );
    assert_eq!(fx.journal_len(), n);
    let (s, v) = fx
        .post("/api/v1/matters", &jb.0, json!({"doc": format!("盐编〔{year}〕1号"), "same_doc": true, "effective": format!("{year}-02-01"), "ops": [op]}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // The form keeps what was typed after the refusal.
    let doc = format!("盐编〔{year}〕1号");
    let (s, _, html) = form(
        &fx,
        &jb,
        "/matters/new",
        &[
            ("doc", &doc),
            ("effective", &format!("{year}-02-02")),
            ("n", "1"),
            ("op0", "fund_pool"),
            ("o0.qtype", "事业编制"),
            ("o0.count", "1"),
            ("action", "record"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(html.contains("已用于第"), "{html}");
    assert!(html.contains(&format!("value=\"{doc}\"")), "{html}");
    // An application's approval: the same rule; the suggestion moves on.
    let dw = fx.login("dw").await;
    let plan = plan_line(&fx, &dw).await;
    let (_, a) = fx
        .post(
            "/api/v1/applications",
            &dw,
            hire(fx.unit("区实验小学"), 30, plan),
        )
        .await;
    let id = a["id"].as_i64().unwrap();
    let ld = fx.login("ld").await;
    let (s, v) = fx
        .post(
            &format!("/api/v1/applications/{id}/approve"),
            &ld,
            json!({"doc": format!("盐编〔{year}〕1号")}),
        )
        .await;
    assert_err(&(s, v), 422, "doc_in_use");
    let (s, v) = fx
        .post(
            &format!("/api/v1/applications/{id}/approve"),
            &ld,
            json!({"doc": next}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (_, html) = page(&fx, &jb, "/matters/new").await;
    assert!(
        html.contains(&format!("value=\"盐编〔{year}〕3号\"")),
        "{html}"
    );
}

/// A matter's raw record (JSON with internal codes) is for the 编办 who
/// record matters only; other roles read its operations in words.
#[tokio::test]
async fn only_the_office_sees_a_matters_raw_record() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let ck = sign_in(&fx, "ck").await;
    let (_, html) = page(&fx, &jb, "/matters/1").await;
    assert!(html.contains("原始记录（JSON）"), "{html}");
    let (s, html) = page(&fx, &ck, "/matters/1").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        !html.contains("原始记录（JSON）") && !html.contains("create_unit"),
        "{html}"
    );
    assert!(html.contains("设立"), "{html}");
}

/// 更正 / 撤销: a mistaken matter is never edited; the 更正 form starts
/// from its operations, and both matters link to each other; a 撤销 voids
/// it; what would break a later matter is refused and changes nothing.
#[tokio::test]
async fn a_mistaken_matter_is_amended_or_revoked_and_both_are_linked() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let year = fx.app.today().format("%Y").to_string();
    let school = fx.unit("区实验小学");
    let approved = |v: serde_json::Value| v["approved"].as_i64().unwrap();
    let base = approved(quota(&fx, &jb.0, school).await);
    let op = json!({"op": "核增编制", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 2});
    let (s, v) = fx
        .post("/api/v1/matters", &jb.0, json!({"doc": format!("盐编〔{year}〕5号"), "effective": format!("{year}-02-01"), "ops": [op]}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let wrong = v["seq"].as_u64().unwrap();
    assert_eq!(approved(quota(&fx, &jb.0, school).await), base + 2);

    // The matter page offers 更正 and 撤销 to the office.
    let (_, html) = page(&fx, &jb, &format!("/matters/{wrong}")).await;
    assert!(
        html.contains("id=\"amend\"") && html.contains("id=\"revoke\""),
        "{html}"
    );
    // The 更正 form starts from the matter's own operations.
    let (s, html) = page(
        &fx,
        &jb,
        &format!("/matters/new?corrects={wrong}&kind=amend"),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("id=\"correcting\""), "{html}");
    assert!(
        html.contains(&format!("name=\"corrects\" value=\"{wrong}\"")),
        "{html}"
    );
    assert!(html.contains("区实验小学"), "{html}");
    let (s, loc, body) = form(
        &fx,
        &jb,
        "/matters/new",
        &[
            ("doc", &format!("盐编〔{year}〕6号")),
            ("effective", &format!("{year}-02-01")),
            ("reason", "更正核增数"),
            ("corrects", &wrong.to_string()),
            ("correction", "amend"),
            ("n", "1"),
            ("op0", "increase_quota"),
            ("o0.unit", "区实验小学"),
            ("o0.qtype", "事业编制"),
            ("o0.funding", "全额拨款"),
            ("o0.count", "1"),
            ("action", "record"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let fixed: u64 = loc
        .trim_start_matches("/matters/")
        .split('?')
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert_eq!(approved(quota(&fx, &jb.0, school).await), base + 1);
    // Both linked, on the pages and in the API.
    let (_, html) = page(&fx, &jb, &format!("/matters/{wrong}")).await;
    assert!(html.contains("id=\"voided-by\""), "{html}");
    assert!(
        html.contains(&format!("href=\"/matters/{fixed}\"")),
        "{html}"
    );
    assert!(
        !html.contains("id=\"amend\""),
        "a voided matter is not corrected again"
    );
    let (_, html) = page(&fx, &jb, &format!("/matters/{fixed}")).await;
    assert!(html.contains("id=\"corrects\""), "{html}");
    assert!(
        html.contains(&format!("href=\"/matters/{wrong}\"")),
        "{html}"
    );
    let (_, v) = fx.get(&format!("/api/v1/matters/{wrong}"), &jb.0).await;
    assert_eq!(v["status"], "已更正", "{v}");
    assert_eq!(v["voided_by"]["seq"], fixed, "{v}");
    let (_, html) = page(&fx, &jb, "/matters").await;
    assert!(html.contains("已更正"), "the list marks it");

    // 撤销 the amendment: the 核增 is gone altogether.
    let revoke = |of: u64, n: u32| {
        json!({"doc": format!("盐编〔{year}〕{n}号"), "effective": format!("{year}-03-01"), "ops": [],
               "corrects": {"of": of, "kind": "revoke"}})
    };
    let (s, v) = fx.post("/api/v1/matters", &jb.0, revoke(fixed, 7)).await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let revocation = v["seq"].as_u64().unwrap();
    assert_eq!(approved(quota(&fx, &jb.0, school).await), base);
    let (_, v) = fx.get(&format!("/api/v1/matters/{fixed}"), &jb.0).await;
    assert_eq!(v["status"], "已撤销", "{v}");
    // Not twice, and a 撤销 is final.
    let n = fx.journal_len();
    assert_err(
        &fx.post("/api/v1/matters", &jb.0, revoke(fixed, 8)).await,
        422,
        "already_corrected",
    );
    assert_err(
        &fx.post("/api/v1/matters", &jb.0, revoke(revocation, 8))
            .await,
        422,
        "revocation_is_final",
    );
    // The matter that set the district up is what everything after stands on.
    let (s, v) = fx.post("/api/v1/matters", &jb.0, revoke(1, 8)).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v}");
    assert!(v["message"].as_str().unwrap().contains("不再成立"), "{v}");
    assert_eq!(fx.journal_len(), n, "a refused correction records nothing");
    assert_eq!(approved(quota(&fx, &jb.0, school).await), base);
    // The audit trail says what was done, in words.
    let aud = fx.login("aud").await;
    let (_, v) = fx.get("/api/v1/audit?action=登记事项", &aud).await;
    let text = v.to_string();
    assert!(text.contains(&format!("撤销第 {fixed} 条事项")), "{text}");
    assert!(text.contains(&format!("更正第 {wrong} 条事项")), "{text}");
    // A unit clerk may not record corrections.
    let dw = sign_in(&fx, "dw").await;
    let (s, _) = page(
        &fx,
        &dw,
        &format!("/matters/new?corrects={revocation}&kind=revoke"),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
}

/// 补充附件: the office files the 批复 with a recorded matter; the content
/// must be what its name says; the digest joins the journal (no figure
/// changes); the download is audited and out of reach of other units.
#[tokio::test]
async fn the_office_files_the_approval_with_a_recorded_matter() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let year = fx.app.today().format("%Y").to_string();
    let school = fx.unit("区实验小学");
    let op = json!({"op": "核增编制", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 1});
    let (s, v) = fx
        .post("/api/v1/matters", &jb.0, json!({"doc": format!("盐编〔{year}〕5号"), "effective": format!("{year}-02-01"), "ops": [op]}))
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let seq = v["seq"].as_u64().unwrap();
    let before = quota(&fx, &jb.0, school).await;
    let (_, html) = page(&fx, &jb, &format!("/matters/{seq}")).await;
    assert!(html.contains("id=\"attach-form\""), "{html}");
    let uri = format!("/matters/{seq}/attachments");
    // A PNG named .pdf is refused, and nothing is recorded.
    let n = fx.journal_len();
    let (s, _, body) = upload_file(&fx, &jb, &uri, &[], "批复.pdf", b"\x89PNG\r\n\x1a\n....").await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{body}");
    assert!(body.contains("不是PDF"), "{body}");
    assert_eq!(fx.journal_len(), n);
    // Without the CSRF token: refused.
    let (s, _, _) = upload_file(
        &fx,
        &(jb.0.clone(), "wrong".into()),
        &uri,
        &[],
        "批复.pdf",
        b"%PDF-1.7",
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    assert_eq!(fx.journal_len(), n);
    let pdf = b"%PDF-1.7\n1 0 obj<<>>endobj\n%%EOF\n";
    let (s, loc, body) = upload_file(&fx, &jb, &uri, &[], "盐编批复.pdf", pdf).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert!(loc.contains("attached=1"), "{loc}");
    assert_eq!(fx.journal_len(), n + 1, "one journal entry");
    let digest = {
        let db = fx.app.db();
        let (_, e) = db
            .ledger()
            .decoded_journal()
            .unwrap()
            .pop()
            .unwrap()
            .clone();
        assert_eq!(e.supplements, Some(seq));
        assert!(e.ops.is_empty());
        e.attachments[0].sm3.clone()
    };
    assert_eq!(quota(&fx, &jb.0, school).await, before, "no figure changes");
    let (_, html) = page(&fx, &jb, &format!("/matters/{seq}")).await;
    assert!(
        html.contains("盐编批复.pdf") && html.contains(&digest),
        "{html}"
    );
    // Download: the content back, audited.
    let (s, h, data) = fx
        .send(
            axum::http::Method::GET,
            &format!("/matters/{seq}/attachments/{digest}"),
            &[("authorization", &format!("Bearer {}", jb.0))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(&data[..], &pdf[..]);
    let aud = fx.login("aud").await;
    for action in ["补充事项附件", "下载事项附件"] {
        let (_, v) = fx
            .get(&format!("/api/v1/audit?action={}", enc(action)), &aud)
            .await;
        assert!(
            v["items"][0]["detail"].as_str().unwrap().contains(&digest),
            "{action}: {v}"
        );
    }
    // 卫健委's clerk sees neither the matter nor its file.
    let dw2 = sign_in(&fx, "dw2").await;
    let (s, _) = page(&fx, &dw2, &format!("/matters/{seq}/attachments/{digest}")).await;
    assert_eq!(s, StatusCode::NOT_FOUND);
    // A unit clerk may not file documents with a matter.
    let dw = sign_in(&fx, "dw").await;
    let (s, _, _) = upload_file(&fx, &dw, &uri, &[], "批复.pdf", pdf).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    // The journal with the entry still verifies and replays.
    let db = fx.app.db();
    let fresh = bianzhi_core::replay(
        db.state(),
        db.ledger()
            .decoded_journal()
            .unwrap()
            .iter()
            .map(|(s, m)| (*s, m)),
    )
    .unwrap();
    assert_eq!(&fresh, db.state());
}

/// Group commit on the API: 24 clerks lock one slot each of the school's 10
/// vacancies at once — exactly 10 are recorded, the 14 others refused
/// (no_vacancy) with nothing written for them, and the chain verifies.
#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_matters_fill_the_vacancies_exactly_once() {
    let fx = std::sync::Arc::new(Fx::new());
    let jb = sign_in(&fx, "jb").await;
    // 核定 3 with 2 in post: 核增 9 gives 10 vacancies.
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb.0,
            json!({"doc": "盐编〔2026〕60号", "effective": "2026-06-01", "ops": [
                {"op": "核增编制", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 9}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    let before = fx.app.db().ledger().journal_len();
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let (fx, tok) = (fx.clone(), jb.0.clone());
            tokio::spawn(async move {
                fx.post(
                    "/api/v1/matters",
                    &tok,
                    json!({"doc": format!("盐编〔2026〕{}号", 100 + i), "effective": "2026-06-02", "ops": [
                        {"op": "锁定编制", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 1}]}),
                )
                .await
            })
        })
        .collect();
    let (mut won, mut refused) = (0, 0);
    for t in tasks {
        let (s, v) = t.await.unwrap();
        match s {
            StatusCode::CREATED => won += 1,
            StatusCode::UNPROCESSABLE_ENTITY => {
                assert!(v.to_string().contains("no_vacancy"), "{v}");
                refused += 1;
            }
            other => panic!("{other}: {v}"),
        }
    }
    assert_eq!((won, refused), (10, 14));
    let db = fx.app.db();
    assert_eq!(db.ledger().journal_len(), before + 10);
    assert!(
        matches!(
            db.verify().unwrap(),
            bianzhi_store::VerifyReport::Intact { .. }
        ),
        "the chain verifies"
    );
}

/// The journal index the pages read is extended as matters are recorded
/// and equals one built afresh — also after a backdated matter and a 撤销,
/// which rebuild it.
#[tokio::test]
async fn the_journal_index_follows_the_journal() {
    use bianzhi_web::state::index::JournalIndex;
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let check = |what: &str| {
        let cached = fx.app.read(fx.app.today(), |ctx| ctx.index.clone());
        let fresh = JournalIndex::build(fx.app.db().ledger());
        assert_eq!(cached, fresh, "after {what}");
    };
    check("opening");
    let post = |doc: &str, effective: &str, op: serde_json::Value| {
        let fx = &fx;
        let tok = jb.0.clone();
        let body = json!({"doc": doc, "effective": effective, "ops": [op]});
        async move {
            let (s, v) = fx.post("/api/v1/matters", &tok, body).await;
            assert_eq!(s, StatusCode::CREATED, "{v}");
            v["seq"].as_u64().unwrap()
        }
    };
    let inc = json!({"op": "核增编制", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 1});
    let first = post("盐编〔2026〕70号", "2026-06-01", inc.clone()).await;
    check("a matter");
    post("盐编〔2026〕71号", "2026-06-01", inc.clone()).await;
    post("盐编〔2026〕72号", "2026-06-02", json!({"op": "核增编制", "unit": "区教育局", "qtype": "行政编制", "funding": "全额拨款", "count": 1})).await;
    check("matters of the same and a later date");
    post("盐编〔2026〕73号", "2026-05-01", inc.clone()).await;
    check("a backdated matter");
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb.0,
            json!({"doc": "盐编〔2026〕74号", "effective": "2026-06-03", "ops": [],
                   "corrects": {"of": first, "kind": "revoke"}}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    check("a 撤销");
}

/// When the audit trail is kept beside the journal (one SQLite file, as
/// `serve` keeps them), a matter's 登记事项 entry is written in the matter's
/// own transaction: exactly one entry per matter, naming what it did, by
/// whom and from where, readable on the other server of the file, and the
/// trail's chain still verifies. A refused matter is audited as refused.
#[tokio::test]
async fn a_matter_and_its_audit_entry_are_written_together() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    let (one, two) = Fx::two_on_file(&path);
    let jb = one.login("jb").await;
    let mut seqs = Vec::new();
    for n in 0..3 {
        let body = json!({"doc": format!("盐编〔2025〕{}号", 40 + n), "effective": "2025-03-01",
            "ops": [{"op": "increase_quota", "unit": "区实验小学", "qtype": "事业编制",
                     "funding": "全额拨款", "count": 1}]});
        let (s, v) = one.post("/api/v1/matters", &jb, body).await;
        assert_eq!(s, StatusCode::CREATED, "{v}");
        seqs.push(v["seq"].as_u64().unwrap());
    }
    // 行政编制 for a 事业单位: refused by the rules, and audited as refused.
    let again = json!({"doc": "盐编〔2025〕49号", "effective": "2025-03-01",
        "ops": [{"op": "increase_quota", "unit": "区实验小学", "qtype": "行政编制",
                 "funding": "全额拨款", "count": 1}]});
    let (s, _) = one.post("/api/v1/matters", &jb, again).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);

    let aud = two.login("aud").await;
    let (s, v) = two
        .get("/api/v1/audit?action=登记事项&per_page=100", &aud)
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let items = v["items"].as_array().expect("items");
    for seq in &seqs {
        let mine: Vec<_> = items
            .iter()
            .filter(|e| {
                e["detail"]
                    .as_str()
                    .unwrap_or("")
                    .starts_with(&format!("登记事项第 {seq} 条，"))
            })
            .collect();
        assert_eq!(mine.len(), 1, "one entry for matter {seq}: {v}");
        assert_eq!(mine[0]["actor"], "jb", "{v}");
        assert!(
            mine[0]["detail"].as_str().unwrap().contains("核增编制"),
            "{v}"
        );
        assert_eq!(mine[0]["target"], "/api/v1/matters", "{v}");
    }
    let refused: Vec<_> = items
        .iter()
        .filter(|e| e["detail"].as_str().unwrap_or("").starts_with("未通过"))
        .collect();
    assert_eq!(refused.len(), 1, "{v}");
    // In the office's words, said once.
    let said = refused[0]["detail"].as_str().unwrap();
    assert!(!said.contains("未通过：未通过"), "{said}");
    assert!(
        said.starts_with("未通过：") && said.contains("区实验小学"),
        "{said}"
    );
    // Both servers' writes make one chain.
    assert!(one.app.wf().verify_audit().unwrap() >= 4);
}
