//! The closed loop on the web (事项办理): a case walked through every stage by
//! the right roles over HTTP, refusals of skipped stages and wrong roles, a
//! returned case resubmitted with its history, the pre-assessment against the
//! ledger, attachments checked by content, overdue lists against the holiday
//! calendar, and the 问题台账.

use axum::http::{Method, StatusCode};
use bianzhi_casework::{Calendar, Case, Stage};
use bianzhi_core::query::quota_table;
use bianzhi_web::cases::service::{CaseCommand, CaseSettings};
use chrono::{Datelike, Duration, NaiveDate, Utc};
use serde_json::json;

use crate::fixture::{enc, form, page, sign_in, upload_file, Fx};

fn case(fx: &Fx, id: i64) -> (Case, i64) {
    // The office's view (no scope).
    let user = office_user();
    let s = fx.app.load_case(&user, id).unwrap();
    (s.item, s.version)
}

/// An office clerk with no scope, for reading records directly.
pub(crate) fn office_user() -> bianzhi_web::auth::User {
    bianzhi_web::auth::User {
        id: 0,
        login: "test".into(),
        name: "测试".into(),
        role: bianzhi_web::auth::Role::OfficeClerk,
        roles: vec![bianzhi_web::auth::Role::OfficeClerk],
        unit: None,
        scope: None,
        csrf: String::new(),
        session: String::new(),
        token: false,
    }
}

async fn act(
    fx: &Fx,
    who: &(String, String),
    id: i64,
    action: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let (_, version) = case(fx, id);
    let v = version.to_string();
    let mut all: Vec<(&str, &str)> = vec![("version", &v)];
    all.extend_from_slice(fields);
    let (s, _, body) = form(fx, who, &format!("/cases/{id}/act/{action}"), &all).await;
    (s, body)
}

/// A multipart upload of one file.
async fn upload(
    fx: &Fx,
    who: &(String, String),
    id: i64,
    name: &str,
    data: &[u8],
) -> (StatusCode, String) {
    let (_, version) = case(fx, id);
    upload_at(fx, who, id, version, name, data).await
}

/// A multipart upload of one file from a form read at `version`.
async fn upload_at(
    fx: &Fx,
    who: &(String, String),
    id: i64,
    version: i64,
    name: &str,
    data: &[u8],
) -> (StatusCode, String) {
    let (s, _, out) = upload_file(
        fx,
        who,
        &format!("/cases/{id}/attachments"),
        &[("version", &version.to_string())],
        name,
        data,
    )
    .await;
    (s, out)
}

fn approved(fx: &Fx, unit: &str) -> i32 {
    let db = fx.app.db();
    let st = db.state();
    let u = st.unit_by_name[unit];
    quota_table(st, u, fx.app.today())
        .iter()
        .map(|r| r.counts.approved)
        .sum()
}

const PDF: &[u8] =
    b"%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n";
const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x02\0\0\0";

#[tokio::test]
async fn one_case_through_every_stage_with_the_right_roles() {
    let fx = Fx::new();
    let dw = sign_in(&fx, "dw").await; // 单位经办, 区教育局 subtree
    let dw2 = sign_in(&fx, "dw2").await; // 单位经办, 区卫生健康委员会
    let jb = sign_in(&fx, "jb").await; // 编办经办
    let ld = sign_in(&fx, "ld").await; // 编办领导
    let ck = sign_in(&fx, "ck").await; // 只读
    let school = fx.unit("区实验小学").to_string();
    let today = fx.app.today().to_string();

    // 动议 by the unit clerk, for a unit in its subtree.
    let (s, loc, body) = form(
        &fx,
        &dw,
        "/cases/new",
        &[
            ("title", "区实验小学核增事业编制"),
            ("reasons", "学生人数增加，教师缺口较大"),
            ("unit", &school),
            ("effective", &today),
            ("n", "1"),
            ("op0", "increase_quota"),
            ("o0.unit", "区实验小学"),
            ("o0.qtype", "事业编制"),
            ("o0.funding", "全额拨款"),
            ("o0.count", "2"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(loc, "/cases/1");
    let (c, _) = case(&fx, 1);
    assert_eq!(c.stage, Stage::Proposal);
    assert!(!c.decided_by_upper);
    // Found by its name, its unit (or a unit above it), not by another's.
    for (q, found) in [
        (format!("q={}", enc("核增")), true),
        (format!("q={}", enc("撤并")), false),
        (format!("unit={}", fx.unit("区教育局")), true),
        (format!("unit={}", fx.unit("区卫生健康委员会")), false),
    ] {
        let (_, html) = page(&fx, &ck, &format!("/cases?{q}")).await;
        assert_eq!(html.contains("href=\"/cases/1\""), found, "{q}: {html}");
    }
    // Another unit's clerk cannot see it; the read-only role can, but not act.
    // (answered as a case that does not exist)
    assert_eq!(page(&fx, &dw2, "/cases/1").await.0, StatusCode::NOT_FOUND);
    assert_eq!(page(&fx, &ck, "/cases/1").await.0, StatusCode::OK);
    assert_eq!(
        act(&fx, &ck, 1, "submit", &[]).await.0,
        StatusCode::FORBIDDEN
    );
    // Nobody can skip 论证.
    let (s, body) = act(&fx, &ld, 1, "send", &[]).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(body.contains("当前环节为“动议”"), "{body}");
    let decide = [
        ("approved", "yes"),
        ("body", "编委会议"),
        ("meeting", "区编委第3次会议同意"),
        ("doc_no", "盐编〔2026〕30号"),
        ("date", today.as_str()),
    ];
    assert_ne!(
        act(&fx, &ld, 1, "decide", &decide).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(case(&fx, 1).0.stage, Stage::Proposal);

    // 提交论证 by the proposer.
    assert_eq!(
        act(&fx, &dw, 1, "submit", &[]).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(case(&fx, 1).0.stage, Stage::Assessment);
    // The unit clerk cannot give the office's opinion; 提交审议 needs the
    // assessment and an opinion first.
    let opinion = [("dept", "编办"), ("text", "缺口属实，建议核增")];
    assert_eq!(
        act(&fx, &dw, 1, "opinion", &opinion).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, body) = act(&fx, &jb, 1, "send", &[]).await;
    assert_eq!(s, StatusCode::CONFLICT);
    assert!(body.contains("尚未完成事前评估"), "{body}");

    // 事前评估: the unit's figures are the ledger's.
    assert_eq!(
        act(&fx, &jb, 1, "assess", &[]).await.0,
        StatusCode::SEE_OTHER
    );
    let (c, _) = case(&fx, 1);
    let a = c.assessment.clone().expect("assessed");
    let unit = a.unit.clone().expect("unit figures");
    {
        let db = fx.app.db();
        let st = db.state();
        let rows = quota_table(st, st.unit_by_name["区实验小学"], fx.app.today());
        assert_eq!(unit.quotas.len(), rows.len());
        for (q, r) in unit.quotas.iter().zip(&rows) {
            assert_eq!((q.approved, q.actual), (r.counts.approved, r.counts.actual));
        }
    }
    assert_eq!((unit.approved, unit.actual), (3, 2));
    assert!(a.dry_run.is_ok(), "{:?}", a.dry_run);
    // The jurisdiction's total is explained against the 总览's 核定.
    let (_, html) = page(&fx, &jb, "/cases/1").await;
    assert!(html.contains("id=\"assess-totals-note\""), "{html}");
    assert!(a.is_current(fx.app.db().ledger().next_seq()));

    // 退回 with a comment; the proposer revises and resubmits; the history
    // keeps every step.
    assert_eq!(
        act(&fx, &jb, 1, "opinion", &opinion).await.0,
        StatusCode::SEE_OTHER
    );
    let (s, _) = act(&fx, &jb, 1, "return", &[("comment", "")]).await;
    assert_eq!(
        s,
        StatusCode::UNPROCESSABLE_ENTITY,
        "a return needs its reason"
    );
    let ret = [("comment", "请补充近三年学生人数")];
    assert_eq!(
        act(&fx, &jb, 1, "return", &ret).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(case(&fx, 1).0.stage, Stage::Proposal);
    let (_, v) = case(&fx, 1);
    let vs = v.to_string();
    // The edit form shows the draft's operations in the editor, by name.
    let (_, html) = page(&fx, &dw, "/cases/1/edit").await;
    assert!(html.contains("第 1 项：核增编制"), "{html}");
    assert!(
        html.contains("name=\"o0.unit\" type=\"text\" value=\"区实验小学\""),
        "{html}"
    );
    assert!(
        html.contains("name=\"o0.count\" type=\"number\" value=\"2\""),
        "{html}"
    );
    let (s, loc, body) = form(
        &fx,
        &dw,
        "/cases/1/edit",
        &[
            ("version", &vs),
            ("title", "区实验小学核增事业编制"),
            ("reasons", "近三年学生人数由1200人增至1500人"),
            ("effective", &today),
            ("n", "1"),
            ("op0", "increase_quota"),
            ("o0.unit", "区实验小学"),
            ("o0.qtype", "事业编制"),
            ("o0.funding", "全额拨款"),
            ("o0.count", "3"),
            ("unit", &school),
        ],
    )
    .await;
    assert_eq!(
        (s, loc.as_str()),
        (StatusCode::SEE_OTHER, "/cases/1"),
        "{body}"
    );
    assert_eq!(
        act(&fx, &dw, 1, "submit", &[]).await.0,
        StatusCode::SEE_OTHER
    );
    let (c, _) = case(&fx, 1);
    assert!(
        c.assessment.is_none(),
        "a revised draft needs a new assessment"
    );
    let actions: Vec<&str> = c.history.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "动议",
            "提交论证",
            "事前评估",
            "提出意见",
            "退回",
            "修改动议",
            "提交论证"
        ]
    );
    assert_eq!(c.history[4].comment, "请补充近三年学生人数");

    // Second round: assess, opinion, 提交审议.
    assert_eq!(
        act(&fx, &jb, 1, "assess", &[]).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        act(&fx, &jb, 1, "opinion", &opinion).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(act(&fx, &jb, 1, "send", &[]).await.0, StatusCode::SEE_OTHER);
    assert_eq!(case(&fx, 1).0.stage, Stage::Decision);
    let before = case(&fx, 1).0.assessment.unwrap().next_seq;

    // The ledger changes before the decision (another matter is recorded):
    // the decision re-computes the assessment.
    {
        let mut db = fx.app.db();
        let m: bianzhi_core::Matter = serde_json::from_value(json!({
            "doc": "盐编〔2026〕29号", "effective": today, "recorded_at": Utc::now(), "actor": "测试",
            "ops": [{"op": "increase_quota", "unit": "区卫生健康委员会", "qtype": "行政编制", "funding": "全额拨款", "count": 1}]
        }))
        .unwrap();
        db.submit(m, Utc::now()).unwrap();
    }
    // Only the leader decides.
    assert_eq!(
        act(&fx, &jb, 1, "decide", &decide).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        act(&fx, &ld, 1, "decide", &decide).await.0,
        StatusCode::SEE_OTHER
    );
    let (c, _) = case(&fx, 1);
    assert_eq!(c.stage, Stage::Implementation);
    let after = c.assessment.as_ref().unwrap().next_seq;
    assert!(
        after > before,
        "re-assessed at the decision ({before} → {after})"
    );
    assert_eq!(c.decision.as_ref().unwrap().doc_no, "盐编〔2026〕30号");

    // Attachments: content must match the declared type.
    let (s, body) = upload(&fx, &jb, 1, "编委会议纪要.pdf", PDF).await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    let (s, body) = upload(&fx, &jb, 1, "伪装的纪要.pdf", PNG).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("内容不是PDF"), "{body}");
    let mut big = PDF.to_vec();
    big.resize(bianzhi_web::cases::service::ATTACHMENT_LIMIT + 1, b' ');
    let (s, body) = upload(&fx, &jb, 1, "扫描件.pdf", &big).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("附件超过 10 MB"), "{body}");
    let (c, _) = case(&fx, 1);
    assert_eq!(c.attachments.len(), 1, "the refused files are not stored");
    let digest = c.attachments[0].sm3.clone();
    assert_eq!(digest, bianzhi_store::blob_digest(PDF));

    // 组织实施: the matter goes into the ledger with the attachment's digest.
    let journal = fx.journal_len();
    assert_eq!(approved(&fx, "区实验小学"), 3);
    assert_eq!(
        act(&fx, &dw, 1, "implement", &[]).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(fx.journal_len(), journal);
    assert_eq!(
        act(&fx, &jb, 1, "implement", &[]).await.0,
        StatusCode::SEE_OTHER
    );
    assert_eq!(fx.journal_len(), journal + 1);
    assert_eq!(approved(&fx, "区实验小学"), 6);
    let (c, _) = case(&fx, 1);
    assert_eq!(c.stage, Stage::FollowUp);
    let imp = c.implemented.clone().unwrap();
    {
        let db = fx.app.db();
        let (_, m) = db.ledger().decoded_journal().unwrap().pop().unwrap();
        assert_eq!(m.doc.to_string(), "盐编〔2026〕30号");
        assert_eq!(m.attachments.len(), 1);
        assert_eq!(m.attachments[0].sm3, digest);
        assert_eq!(m.attachments[0].name, "编委会议纪要.pdf");
        assert_eq!(
            imp.seq,
            db.ledger().decoded_journal().unwrap().pop().unwrap().0
        );
    }
    let eff = NaiveDate::parse_from_str(&today, "%Y-%m-%d").unwrap();
    assert_eq!(
        c.follow_up.as_ref().unwrap().due,
        eff.checked_add_months(chrono::Months::new(6)).unwrap()
    );

    // 跟踪问效 closes the loop.
    let eval = [("rating", "好"), ("findings", "教师缺口缓解，编制使用规范")];
    assert_eq!(
        act(&fx, &dw, 1, "evaluate", &eval).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        act(&fx, &jb, 1, "evaluate", &eval).await.0,
        StatusCode::SEE_OTHER
    );
    let (c, _) = case(&fx, 1);
    assert_eq!(c.stage, Stage::Closed);
    assert_eq!(c.follow_up.unwrap().rating.as_deref(), Some("好"));
    // Nothing more can happen to a closed case.
    assert_eq!(
        act(&fx, &jb, 1, "evaluate", &eval).await.0,
        StatusCode::CONFLICT
    );

    // Downloads: the office and the proposer's side; audited.
    let uri = format!("/cases/1/attachments/{digest}");
    let (s, h, b) = fx
        .send(
            Method::GET,
            &uri,
            &[("authorization", &format!("Bearer {}", jb.0))],
            None,
            None,
        )
        .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(b, PDF);
    assert_eq!(h["content-type"], "application/pdf");
    assert_eq!(page(&fx, &dw, &uri).await.0, StatusCode::OK);
    assert_eq!(page(&fx, &dw2, &uri).await.0, StatusCode::NOT_FOUND);
    assert_eq!(page(&fx, &ck, &uri).await.0, StatusCode::FORBIDDEN);
    let (entries, _) = fx
        .app
        .wf()
        .audit(&bianzhi_store::AuditFilter {
            action: Some("下载事项附件".into()),
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    assert!(entries.iter().any(|e| e.action == "下载事项附件"));
    let (uploads, _) = fx
        .app
        .wf()
        .audit(&bianzhi_store::AuditFilter {
            action: Some("上传事项附件".into()),
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(uploads.len(), 1, "only the accepted file");
    assert!(uploads[0].detail.contains(&digest));

    // The page shows the whole story in Chinese.
    let (s, html) = page(&fx, &jb, "/cases/1").await;
    assert_eq!(s, StatusCode::OK);
    for want in [
        "已办结",
        "事前评估",
        "区编委第3次会议同意",
        "编委会议纪要.pdf",
        "教师缺口缓解",
    ] {
        assert!(html.contains(want), "case page lacks {want}");
    }
}

#[tokio::test]
async fn a_change_the_ledger_refuses_is_not_implemented() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let ld = sign_in(&fx, "ld").await;
    let school = fx.unit("区实验小学").to_string();
    let today = fx.app.today().to_string();
    // 核减 3 of 3 while 2 people hold quotas: refused by the ledger.
    let (s, _, body) = form(
        &fx,
        &jb,
        "/cases/new",
        &[
            ("title", "核减区实验小学事业编制"),
            ("reasons", "学校撤并"),
            ("unit", &school),
            ("effective", &today),
            ("n", "1"),
            ("op0", "decrease_quota"),
            ("o0.unit", "区实验小学"),
            ("o0.qtype", "事业编制"),
            ("o0.funding", "全额拨款"),
            ("o0.count", "3"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    for (who, a, f) in [
        (&jb, "submit", vec![]),
        (&jb, "assess", vec![]),
        (
            &jb,
            "opinion",
            vec![("dept", "编办"), ("text", "需先分流人员")],
        ),
        (&jb, "send", vec![]),
    ] {
        let (s, body) = act(&fx, who, 1, a, &f).await;
        assert_eq!(s, StatusCode::SEE_OTHER, "{a}: {body}");
    }
    let (c, _) = case(&fx, 1);
    let refusal = c.assessment.as_ref().unwrap().dry_run.clone().unwrap_err();
    assert!(refusal.contains("区实验小学"), "{refusal}");
    let today_s = today.clone();
    let decide = [
        ("approved", "yes"),
        ("body", "编委会议"),
        ("meeting", "同意"),
        ("doc_no", "盐编〔2026〕31号"),
        ("date", today_s.as_str()),
    ];
    assert_eq!(
        act(&fx, &ld, 1, "decide", &decide).await.0,
        StatusCode::SEE_OTHER
    );
    let journal = fx.journal_len();
    let (s, body) = act(&fx, &jb, 1, "implement", &[]).await;
    assert!(s.is_client_error(), "{s}");
    assert!(body.contains("区实验小学"), "the refusal names the unit");
    assert_eq!(fx.journal_len(), journal, "nothing recorded");
    assert_eq!(case(&fx, 1).0.stage, Stage::Implementation);
}

#[tokio::test]
async fn town_matters_are_decided_by_the_level_above() {
    let fx = Fx::new();
    {
        let mut db = fx.app.db();
        let m: bianzhi_core::Matter = serde_json::from_value(json!({
            "doc": "盐编〔2024〕9号", "effective": "2024-03-01", "recorded_at": Utc::now(), "actor": "测试",
            "ops": [
                {"op": "create_unit", "name": "大冈镇", "kind": "镇", "rank": "正科级"},
                {"op": "set_quota", "unit": "大冈镇", "qtype": "行政编制", "funding": "全额拨款", "count": 30}
            ]
        }))
        .unwrap();
        db.submit(m, Utc::now()).unwrap();
    }
    let jb = sign_in(&fx, "jb").await;
    let ld = sign_in(&fx, "ld").await;
    let town = fx.unit("大冈镇").to_string();
    let today = fx.app.today().to_string();
    let (s, _, body) = form(
        &fx,
        &jb,
        "/cases/new",
        &[
            ("title", "大冈镇加挂牌子"),
            ("reasons", "便民服务"),
            ("unit", &town),
            ("effective", &today),
            ("n", "1"),
            ("op0", "add_second_name"),
            ("o0.unit", "大冈镇"),
            ("o0.name", "大冈镇便民服务中心"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert!(case(&fx, 1).0.decided_by_upper);
    let (_, html) = page(&fx, &jb, "/cases/1").await;
    assert!(html.contains("由上级机构编制部门审批"));
    for (a, f) in [
        ("submit", vec![]),
        ("assess", vec![]),
        ("opinion", vec![("dept", "编办"), ("text", "同意报批")]),
        ("send", vec![]),
    ] {
        assert_eq!(
            act(&fx, &jb, 1, a, &f).await.0,
            StatusCode::SEE_OTHER,
            "{a}"
        );
    }
    let mut decide = vec![
        ("approved", "yes"),
        ("body", "编委会议"),
        ("meeting", "同意"),
        ("doc_no", "盐编〔2026〕32号"),
        ("date", today.as_str()),
    ];
    let (s, body) = act(&fx, &ld, 1, "decide", &decide).await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY);
    assert!(body.contains("上级"), "{body}");
    decide[1] = ("body", "上级编委");
    assert_eq!(
        act(&fx, &ld, 1, "decide", &decide).await.0,
        StatusCode::SEE_OTHER
    );
}

#[tokio::test]
async fn overdue_cases_follow_weekends_and_the_edited_calendar() {
    let fx = Fx::new();
    let (jb_tok, _) = sign_in(&fx, "jb").await;
    let jb = fx.app.session_user(&jb_tok).unwrap().unwrap();
    // A proposal made on a Friday (Beijing), 10:00.
    let now = fx.app.now();
    let friday = {
        let mut d = fx.app.today();
        while d.weekday() != chrono::Weekday::Fri {
            d -= Duration::days(1);
        }
        d - Duration::days(14)
    };
    let target = friday.and_hms_opt(2, 0, 0).unwrap().and_utc(); // 10:00 in Beijing
    fx.app.advance_clock(target - now);
    let school = fx.unit("区实验小学");
    let draft = bianzhi_casework::Draft {
        reason: String::new(),
        effective: friday,
        ops: vec![serde_json::from_value(json!({
            "op": "increase_quota", "unit": school, "qtype": "事业编制", "funding": "全额拨款", "count": 1
        }))
        .unwrap()],
    };
    let id = fx
        .app
        .propose_case(&jb, "测试时限", "测试", Some(school), draft)
        .unwrap();
    // 动议 allows 2 working days: Friday + 2 working days = Tuesday.
    let (mut s, v) = fx.app.case_settings().unwrap();
    s.limits.proposal = 2;
    fx.app.save_case_settings(&jb, &s, v).unwrap();
    let deadline = |fx: &Fx| fx.app.case_rows(&jb, None).unwrap()[0].deadline.unwrap();
    let tuesday = friday + Duration::days(4);
    assert_eq!(deadline(&fx), tuesday, "the weekend does not count");

    // Monday is made a holiday: the deadline moves to Wednesday.
    let (mut s, v) = fx.app.case_settings().unwrap();
    s.calendar = Calendar::parse(&format!("{} 休\n", friday + Duration::days(3))).unwrap();
    fx.app.save_case_settings(&jb, &s, v).unwrap();
    assert_eq!(deadline(&fx), tuesday + Duration::days(1));
    // ...and the Saturday a 调休 working day: back to Tuesday.
    let (mut s, v) = fx.app.case_settings().unwrap();
    s.calendar = Calendar::parse(&format!(
        "{} 休\n{} 班\n",
        friday + Duration::days(3),
        friday + Duration::days(1)
    ))
    .unwrap();
    fx.app.save_case_settings(&jb, &s, v).unwrap();
    assert_eq!(deadline(&fx), tuesday);

    // On that Tuesday the case is not late; on Wednesday it is.
    fx.app.advance_clock(Duration::days(4));
    assert_eq!(fx.app.today(), tuesday);
    assert_eq!(fx.app.case_rows(&jb, None).unwrap()[0].late, 0);
    assert_eq!(fx.app.loop_summary(&jb).unwrap().overdue_cases, 0);
    fx.app.advance_clock(Duration::days(1));
    assert_eq!(fx.app.case_rows(&jb, None).unwrap()[0].late, 1);
    assert_eq!(fx.app.loop_summary(&jb).unwrap().overdue_cases, 1);
    // Submitting moves it on to 论证 with a fresh time limit.
    let (_, version) = case(&fx, id);
    fx.app
        .case_act(
            &jb,
            id,
            version,
            CaseCommand::Plain(Box::new(bianzhi_casework::Action::Submit)),
        )
        .unwrap();
    assert_eq!(fx.app.case_rows(&jb, None).unwrap()[0].late, 0);

    // A stale settings version is refused (someone else saved first).
    let (s, _) = fx.app.case_settings().unwrap();
    assert!(matches!(
        fx.app
            .save_case_settings(&jb, &CaseSettings { ..s }, Some(1)),
        Err(bianzhi_web::WebError::Conflict(_))
    ));
}

#[tokio::test]
async fn problem_ledger_from_system_checks_and_inspections() {
    let fx = Fx::new();
    // Plant a 超编: 区实验小学 核定 3 → 1 with 2 people (allowed over: 超编消化).
    {
        let mut db = fx.app.db();
        let m: bianzhi_core::Matter = serde_json::from_value(json!({
            "doc": "盐编〔2024〕10号", "effective": "2024-06-01", "recorded_at": Utc::now(), "actor": "测试",
            "ops": [{"op": "decrease_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 2, "allow_over": true}]
        }))
        .unwrap();
        db.submit(m, Utc::now()).unwrap();
    }
    let jb = sign_in(&fx, "jb").await;
    let ld = sign_in(&fx, "ld").await;
    let dw = sign_in(&fx, "dw").await;
    let dw2 = sign_in(&fx, "dw2").await;
    assert_eq!(
        form(&fx, &dw, "/problems/scan", &[]).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, loc, _) = form(&fx, &jb, "/problems/scan", &[]).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    assert_eq!(loc, "/problems?added=1");
    // Running it again adds nothing (one problem per finding while open).
    assert_eq!(
        form(&fx, &jb, "/problems/scan", &[]).await.1,
        "/problems?added=0"
    );
    let (s, html) = page(&fx, &jb, "/problems").await;
    assert_eq!(s, StatusCode::OK);
    assert!(html.contains("超编"), "{html}");
    // An inspection finding with a deadline already past.
    let wjw = fx.unit("区卫生健康委员会").to_string();
    let (s, loc, body) = form(
        &fx,
        &jb,
        "/problems",
        &[
            ("unit", &wjw),
            ("source", bianzhi_casework::ProblemSource::Inspection.code()),
            ("description", "内设机构超出三定规定"),
            ("found_on", "2024-01-10"),
            ("deadline", "2024-03-31"),
            ("responsible", "王主任"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    assert_eq!(loc, "/problems/2");
    let user = fx.app.session_user(&jb.0).unwrap().unwrap();
    let sum = fx.app.loop_summary(&user).unwrap();
    assert_eq!((sum.open_problems, sum.overdue_problems), (2, 1));
    let (_, html) = page(&fx, &jb, "/").await;
    assert!(
        html.contains("未销号问题（逾期 1）"),
        "dashboard highlights overdue"
    );
    // Scope: 区教育局's clerk sees the school's problem, not 卫健委's.
    assert_eq!(page(&fx, &dw, "/problems/1").await.0, StatusCode::OK);
    assert_eq!(page(&fx, &dw, "/problems/2").await.0, StatusCode::NOT_FOUND);
    assert_eq!(
        page(&fx, &dw2, "/problems/1").await.0,
        StatusCode::NOT_FOUND
    );
    // Rectification: the unit reports, only the leader closes.
    let version = |id: i64| {
        let u = office_user();
        fx.app.load_problem(&u, id).unwrap().version.to_string()
    };
    // Search and unit filter (with the units below it).
    let school = fx.unit("区实验小学");
    let wjw = fx.unit("区卫生健康委员会");
    let bureau = fx.unit("区教育局");
    let ids = |html: String| {
        ["/problems/1\"", "/problems/2\""]
            .into_iter()
            .filter(|x| html.contains(x))
            .count()
    };
    assert_eq!(ids(page(&fx, &jb, "/problems").await.1), 2);
    assert_eq!(
        ids(page(&fx, &jb, &format!("/problems?unit={school}")).await.1),
        1
    );
    assert_eq!(
        ids(page(&fx, &jb, &format!("/problems?unit={bureau}")).await.1),
        1,
        "the school is under the bureau"
    );
    let (_, html) = page(&fx, &jb, &format!("/problems?unit={wjw}")).await;
    assert!(
        html.contains("/problems/2\"") && !html.contains("/problems/1\""),
        "{html}"
    );
    let (_, html) = page(&fx, &jb, &format!("/problems?q={}", enc("没有这样的问题"))).await;
    assert!(html.contains("暂无问题"), "{html}");
    assert!(html.contains("共 0 条"), "{html}");
    // Only the actions its status allows are offered.
    let offered = |html: &str| {
        ["act-start", "act-report", "act-close", "act-reopen"]
            .into_iter()
            .filter(|id| html.contains(&format!("id=\"{id}\"")))
            .collect::<Vec<_>>()
    };
    assert_eq!(
        offered(&page(&fx, &ld, "/problems/1").await.1),
        ["act-start", "act-report"]
    );
    let v = version(1);
    assert_eq!(
        form(
            &fx,
            &dw,
            "/problems/1/act/report",
            &[("version", &v), ("text", "已通过自然减员消化")]
        )
        .await
        .0,
        StatusCode::SEE_OTHER
    );
    let v = version(1);
    assert_eq!(
        form(&fx, &jb, "/problems/1/act/close", &[("version", &v)])
            .await
            .0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        form(&fx, &ld, "/problems/1/act/close", &[("version", &v)])
            .await
            .0,
        StatusCode::SEE_OTHER
    );
    let p = fx.app.load_problem(&office_user(), 1).unwrap().item;
    assert_eq!(p.status, bianzhi_casework::ProblemStatus::Closed);
    assert_eq!(
        offered(&page(&fx, &ld, "/problems/1").await.1),
        ["act-reopen"]
    );
    assert!(
        offered(&page(&fx, &dw, "/problems/1").await.1).is_empty(),
        "the unit has nothing to do"
    );
    assert_eq!(p.history.len(), 3);
    // A stale version is refused and changes nothing.
    let (s, _, _) = form(
        &fx,
        &ld,
        "/problems/1/act/reopen",
        &[("version", "1"), ("comment", "复查")],
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT);
}

#[test]
fn the_demo_district_starts_with_cases_at_several_stages_and_problems() {
    let demo = crate::chrome::Demo::build();
    let app = demo.app;
    let user = office_user();
    let rows = app.case_rows(&user, None).unwrap();
    let mut stages: Vec<Stage> = rows.iter().map(|r| r.case.stage).collect();
    stages.sort_by_key(|s| s.code());
    assert_eq!(
        stages,
        [Stage::Assessment, Stage::FollowUp, Stage::Proposal]
    );
    // The implemented one is in the ledger, with its 文号.
    let done = rows
        .iter()
        .find(|r| r.case.stage == Stage::FollowUp)
        .unwrap();
    let imp = done.case.implemented.as_ref().unwrap();
    {
        let db = app.db();
        let m = db
            .ledger()
            .decoded_journal()
            .unwrap()
            .iter()
            .find(|(s, _)| *s == imp.seq)
            .map(|(_, m)| m.clone())
            .unwrap();
        assert_eq!(m.doc.to_string(), imp.doc_no);
        assert_eq!(m.ops[0].label(), "挂牌");
    }
    // The returned one keeps its return in the history.
    let returned = rows
        .iter()
        .find(|r| r.case.stage == Stage::Proposal)
        .unwrap();
    assert!(returned.case.history.iter().any(|e| e.action == "退回"));
    let sum = app.loop_summary(&user).unwrap();
    assert!(sum.open_problems >= 2, "{sum:?}");
    assert_eq!(sum.overdue_problems, 1, "the inspection finding is overdue");
}

/// Two servers on one database (here: two applications on one SQLite file)
/// both asked to implement the same decided case at the same moment: the
/// matter is recorded once.
#[test]
fn two_servers_implementing_one_case_record_it_once() {
    use bianzhi_casework::Action;
    use bianzhi_store::{Db, SqliteStore, SqliteWorkflow};
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ledger.db");
    {
        let mut db = Db::init(
            Box::new(SqliteStore::open(&path).unwrap()),
            "320903",
            "盐城市盐都区",
        )
        .unwrap();
        let m: bianzhi_core::Matter = serde_json::from_value(json!({
            "doc": "盐编〔2024〕1号", "effective": "2024-01-01", "recorded_at": Utc::now(), "actor": "测试",
            "ops": [
                {"op": "create_unit", "name": "区实验小学", "kind": "事业单位", "rank": "股级", "category": "公益一类"},
                {"op": "set_quota", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 3}
            ]
        }))
        .unwrap();
        db.submit(m, Utc::now()).unwrap();
    }
    let server = || {
        bianzhi_web::App::new(
            Db::open(Box::new(SqliteStore::open(&path).unwrap())).unwrap(),
            Box::new(SqliteWorkflow::open(&path).unwrap()),
        )
    };
    let (one, two) = (server(), server());
    let mut leader = office_user();
    leader.role = bianzhi_web::auth::Role::OfficeLeader;
    leader.roles = vec![bianzhi_web::auth::Role::OfficeLeader];
    let school = one.db().state().unit_by_name["区实验小学"].0;
    let draft = bianzhi_casework::Draft {
        reason: String::new(),
        effective: one.today(),
        ops: vec![serde_json::from_value(json!({
            "op": "increase_quota", "unit": school, "qtype": "事业编制", "funding": "全额拨款", "count": 2
        }))
        .unwrap()],
    };
    let id = one
        .propose_case(&leader, "核增", "测试", Some(school), draft)
        .unwrap();
    let today = one.today();
    for cmd in [
        CaseCommand::Plain(Box::new(Action::Submit)),
        CaseCommand::Assess,
        CaseCommand::Plain(Box::new(Action::Opinion {
            dept: "编办".into(),
            text: "同意".into(),
        })),
        CaseCommand::Plain(Box::new(Action::SendToDecision)),
        CaseCommand::Plain(Box::new(Action::Decide {
            approved: true,
            body: "编委会议".into(),
            meeting: "同意".into(),
            doc_no: "盐编〔2026〕40号".into(),
            date: today,
        })),
    ] {
        let v = one.load_case(&leader, id).unwrap().version;
        one.case_act(&leader, id, v, cmd).unwrap();
    }
    let v = one.load_case(&leader, id).unwrap().version;
    let before = one.db().ledger().journal_len();
    let outcomes: Vec<Result<(), bianzhi_web::WebError>> = std::thread::scope(|s| {
        let a = s.spawn(|| one.case_act(&leader, id, v, CaseCommand::Implement));
        let b = s.spawn(|| two.case_act(&leader, id, v, CaseCommand::Implement));
        vec![a.join().unwrap(), b.join().unwrap()]
    });
    assert_eq!(
        outcomes.iter().filter(|r| r.is_ok()).count(),
        1,
        "{outcomes:?}"
    );
    assert!(outcomes
        .iter()
        .any(|r| matches!(r, Err(bianzhi_web::WebError::Conflict(_)))));
    one.catch_up().unwrap();
    two.catch_up().unwrap();
    assert_eq!(one.db().ledger().journal_len(), before + 1);
    assert_eq!(two.db().ledger().journal_len(), before + 1);
    let c = two.load_case(&leader, id).unwrap().item;
    assert_eq!(c.stage, Stage::FollowUp);
    assert_eq!(
        c.history.iter().filter(|e| e.action == "组织实施").count(),
        1
    );
}

/// The same loop through `/api/v1`: a read-only token sees the cases of its
/// units only and cannot act; the roles are those of the pages.
#[tokio::test]
async fn cases_through_the_api() {
    let fx = Fx::new();
    let dw = fx.login("dw").await;
    let jb = fx.login("jb").await;
    let ld = fx.login("ld").await;
    let ck = fx.login("ck").await;
    let school = fx.unit("区实验小学");
    let today = fx.app.today().to_string();
    let (s, v) = fx
        .post(
            "/api/v1/cases",
            &dw,
            json!({"title": "核增", "reasons": "缺编", "unit": school, "effective": today,
                   "ops": [{"op": "increase_quota", "unit": school, "qtype": "事业编制", "funding": "全额拨款", "count": 1}]}),
        )
        .await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let id = v["case"]["id"].as_i64().unwrap();
    assert_eq!(v["case"]["stage"], "proposal");
    // A person operation does not belong here.
    let (s, v2) = fx
        .post(
            "/api/v1/cases",
            &jb,
            json!({"title": "出编", "reasons": "退休", "effective": today,
                   "ops": [{"op": "leave", "person": 1, "reason": "退休"}]}),
        )
        .await;
    assert_eq!(s, StatusCode::UNPROCESSABLE_ENTITY, "{v2}");
    assert!(v2["message"].as_str().unwrap().contains("申请"), "{v2}");

    let act = |tok: &str, version: i64, action: serde_json::Value| {
        let tok = tok.to_string();
        let fx = &fx;
        async move {
            fx.post(
                &format!("/api/v1/cases/{id}/actions"),
                &tok,
                json!({"version": version, "action": action}),
            )
            .await
        }
    };
    let mut version = v["version"].as_i64().unwrap();
    for (tok, action) in [
        (&dw, json!("submit")),
        (&jb, json!("assess")),
        (
            &jb,
            json!({"action": "opinion", "dept": "编办", "text": "同意"}),
        ),
        (&jb, json!("send_to_decision")),
    ] {
        let (s, v) = act(tok, version, action.clone()).await;
        assert_eq!(s, StatusCode::OK, "{action}: {v}");
        version = v["version"].as_i64().unwrap();
    }
    // The unit's clerk sees its unit's figures, not the jurisdiction's totals.
    let (_, office) = fx.get(&format!("/api/v1/cases/{id}"), &jb).await;
    let (_, unit) = fx.get(&format!("/api/v1/cases/{id}"), &dw).await;
    assert!(!office["case"]["assessment"]["totals"]
        .as_array()
        .unwrap()
        .is_empty());
    assert!(unit["case"]["assessment"]["totals"]
        .as_array()
        .unwrap()
        .is_empty());
    assert_eq!(
        unit["case"]["assessment"]["unit"],
        office["case"]["assessment"]["unit"]
    );
    // A stale version, a client-made assessment and the wrong role are refused.
    assert_eq!(
        act(&ld, version - 1, json!("withdraw")).await.0,
        StatusCode::CONFLICT
    );
    assert_eq!(
        act(&jb, version, json!({"action": "set_assessment"}))
            .await
            .0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
    let decide = json!({"action": "decide", "approved": true, "body": "编委会议",
                        "meeting": "同意", "doc_no": "盐编〔2026〕50号", "date": today});
    assert_eq!(
        act(&jb, version, decide.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        act(&ck, version, decide.clone()).await.0,
        StatusCode::FORBIDDEN
    );
    let (s, v) = act(&ld, version, decide).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    let (s, v) = act(&jb, v["version"].as_i64().unwrap(), json!("implement")).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["case"]["stage"], "follow_up");
    assert!(v["case"]["implemented"]["seq"].as_u64().is_some());

    let (s, v) = fx.get("/api/v1/cases?stage=follow_up", &ck).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(v["items"][0]["stage_label"], "跟踪问效");
    // Another unit's clerk sees nothing of it.
    let dw2 = fx.login("dw2").await;
    let (_, v) = fx.get("/api/v1/cases", &dw2).await;
    assert_eq!(v["items"].as_array().unwrap().len(), 0);
    assert_eq!(
        fx.get(&format!("/api/v1/cases/{id}"), &dw2).await.0,
        StatusCode::NOT_FOUND
    );
    let (s, v) = fx.get("/api/v1/problems?status=open", &jb).await;
    assert_eq!(s, StatusCode::OK, "{v}");
    assert_eq!(v["overdue"], 0);
    assert_eq!(
        fx.get("/api/v1/problems?status=nope", &jb).await.0,
        StatusCode::UNPROCESSABLE_ENTITY
    );
}

#[tokio::test]
async fn attachments_a_stale_upload_stores_nothing_and_same_content_keeps_each_name() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let today = fx.app.today().to_string();
    let school = fx.unit("区实验小学").to_string();
    let (s, _, body) = form(
        &fx,
        &jb,
        "/cases/new",
        &[
            ("title", "区实验小学核增事业编制"),
            ("reasons", "教师缺口"),
            ("unit", &school),
            ("effective", &today),
            ("n", "1"),
            ("op0", "increase_quota"),
            ("o0.unit", "区实验小学"),
            ("o0.qtype", "事业编制"),
            ("o0.funding", "全额拨款"),
            ("o0.count", "1"),
        ],
    )
    .await;
    assert_eq!(s, StatusCode::SEE_OTHER, "{body}");
    // A form read before the case moved on: refused, and the file not kept.
    let (_, stale) = case(&fx, 1);
    let (s, _) = upload(&fx, &jb, 1, "请示.pdf", PDF).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let other = b"%PDF-1.4\n% another document\n%%EOF\n";
    let (s, body) = upload_at(&fx, &jb, 1, stale, "另一份.pdf", other).await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    let digest = bianzhi_store::blob_digest(other);
    assert!(
        fx.app.wf().blob(&digest).unwrap().is_none(),
        "a refused upload stores no blob"
    );
    // The same content under two names downloads under each name.
    let (s, _) = upload(&fx, &jb, 1, "纪要副本.pdf", PDF).await;
    assert_eq!(s, StatusCode::SEE_OTHER);
    let (c, _) = case(&fx, 1);
    assert_eq!(c.attachments.len(), 2);
    let sm3 = c.attachments[0].sm3.clone();
    assert_eq!(c.attachments[1].sm3, sm3);
    let (_, html) = page(&fx, &jb, "/cases/1").await;
    for (n, name) in ["请示.pdf", "纪要副本.pdf"].iter().enumerate() {
        let link = format!("/cases/1/attachments/{sm3}?n={n}");
        assert!(html.contains(&link), "the page links {link}");
        let (s, h, _) = fx
            .send(
                Method::GET,
                &link,
                &[("authorization", &format!("Bearer {}", jb.0))],
                None,
                None,
            )
            .await;
        assert_eq!(s, StatusCode::OK);
        let disposition = h["content-disposition"].to_str().unwrap();
        assert!(disposition.contains(&enc(name)), "{disposition}");
    }
}

/// The office's 机关代字 is a setting: forms suggest 文号 with it (never a
/// code written into the pages), a bad one is refused and changes nothing.
#[tokio::test]
async fn the_doc_prefix_comes_from_the_offices_settings() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let year = fx.app.today().year();
    let (_, html) = page(&fx, &jb, "/matters/new").await;
    assert!(html.contains(&format!("机关代字〔{year}〕12号")), "{html}");
    let (s, v) = fx.app.case_settings().unwrap();
    assert_eq!(s.doc_prefix, "");
    let version = v.map(|v| v.to_string()).unwrap_or_default();
    let proposal = s.limits.proposal.to_string();
    let assessment = s.limits.assessment.to_string();
    let decision = s.limits.decision.to_string();
    let implementation = s.limits.implementation.to_string();
    let follow = s.limits.follow_up_months.to_string();
    let calendar = s.calendar.to_text();
    let limits: String = s
        .assess
        .unit_limits
        .iter()
        .map(|(k, v)| format!("{k} {v}\n"))
        .collect();
    let seconds = s.assess.max_second_names.to_string();
    let suffixes = s.assess.name_suffixes.join(" ");
    let fields = |prefix: &'static str| {
        vec![
            ("version", version.clone()),
            ("proposal", proposal.clone()),
            ("assessment", assessment.clone()),
            ("decision", decision.clone()),
            ("implementation", implementation.clone()),
            ("follow_up_months", follow.clone()),
            ("calendar", calendar.clone()),
            ("unit_limits", limits.clone()),
            ("max_second_names", seconds.clone()),
            ("suffixes", suffixes.clone()),
            ("doc_prefix", prefix.to_string()),
            ("warn_days", "12".to_string()),
            ("warn_percent", "90".to_string()),
        ]
    };
    let post = |prefix: &'static str| {
        let f = fields(prefix);
        let fx = &fx;
        let jb = &jb;
        async move {
            let borrowed: Vec<(&str, &str)> = f.iter().map(|(k, v)| (*k, v.as_str())).collect();
            form(fx, jb, "/settings/casework", &borrowed).await
        }
    };
    // Not a 机关代字: refused, nothing saved.
    let (st, _, body) = post("盐编〔2026〕").await;
    assert_ne!(st, StatusCode::SEE_OTHER, "{body}");
    assert!(body.contains("机关代字“盐编〔2026〕”无效"), "{body}");
    assert_eq!(fx.app.case_settings().unwrap().0.doc_prefix, "");
    // Set: the forms suggest it.
    let (st, loc, body) = post("盐编办").await;
    assert_eq!(st, StatusCode::SEE_OTHER, "{body}");
    assert!(loc.contains("saved=1"));
    assert_eq!(fx.app.case_settings().unwrap().0.doc_prefix, "盐编办");
    // 预警 settings saved with the rest (the month not sent: kept).
    let w = fx.app.case_settings().unwrap().0.warnings;
    assert_eq!((w.days, w.used_percent, w.plan_month), (12, 90, 10));
    let (_, html) = page(&fx, &jb, "/matters/new").await;
    assert!(html.contains(&format!("盐编办〔{year}〕12号")), "{html}");
    let (_, html) = page(&fx, &jb, "/settings/casework").await;
    assert!(html.contains("value=\"盐编办\""), "{html}");
}
