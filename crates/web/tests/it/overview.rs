//! 总览: as of a past date the figures are that date's, and the workload
//! tiles (today's by nature) say so.

use axum::http::StatusCode;
use serde_json::json;

use crate::fixture::*;

#[tokio::test]
async fn a_past_overview_marks_todays_workload() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let (s, html) = page(&fx, &jb, "/").await;
    assert_eq!(s, StatusCode::OK);
    assert!(!html.contains("不随统计时点"), "{html}");
    let (s, html) = page(&fx, &jb, "/?as_of=2024-06-01").await;
    assert_eq!(s, StatusCode::OK);
    assert!(
        html.contains("待审核申请<small class=\"now\">（今日，不随统计时点）</small>"),
        "{html}"
    );
    // 待审核申请, 在办事项, 未销号问题, 事业单位登记需关注 and 吹哨超时未报到.
    assert_eq!(html.matches("class=\"now\"").count(), 5, "{html}");
}

/// 预警 on the 总览 and the 问题台账, by the office's thresholds, within the
/// reader's units only.
#[tokio::test]
async fn early_warnings_show_within_scope_by_the_offices_thresholds() {
    let fx = Fx::new();
    let jb = sign_in(&fx, "jb").await;
    let today = fx.app.today();
    // The school: 核定 3, 实有 2 (66 %) — not nearly full at 95 %.
    let (_, html) = page(&fx, &jb, "/").await;
    assert!(!html.contains("编制将满"), "{html}");
    // A loan to the school falling due in ten days.
    let due = (today + chrono::Duration::days(10)).to_string();
    let (s, v) = fx
        .post(
            "/api/v1/matters",
            &jb.0,
            json!({"doc": "盐编〔2020〕9号", "effective": today.to_string(), "ops": [
                {"op": "核定周转编制", "qtype": "事业编制", "count": 2},
                {"op": "周转池借出", "unit": "区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 1, "due": due}]}),
        )
        .await;
    assert_eq!(s, StatusCode::CREATED, "{v}");
    // At 50 % the school (2 of 3 + 1 borrowed) is nearly full.
    let mut st = fx.app.case_settings().unwrap();
    st.0.warnings.used_percent = 50;
    fx.app
        .save_case_settings(&crate::cases::office_user(), &st.0, st.1)
        .unwrap();
    let (_, html) = page(&fx, &jb, "/").await;
    assert!(
        html.contains("编制将满") && html.contains("区实验小学"),
        "{html}"
    );
    assert!(html.contains("周转编制即将到期"), "{html}");
    let (_, html) = page(&fx, &jb, "/problems").await;
    assert!(
        html.contains("id=\"warnings\"") && html.contains(&due),
        "{html}"
    );
    // 卫健委's clerk sees neither.
    let dw2 = sign_in(&fx, "dw2").await;
    let (_, html) = page(&fx, &dw2, "/").await;
    assert!(!html.contains("区实验小学"), "{html}");
    assert!(html.contains("暂无预警"), "{html}");
    // A window of 5 days: the loan is not yet warned of.
    let mut st = fx.app.case_settings().unwrap();
    st.0.warnings.days = 5;
    fx.app
        .save_case_settings(&crate::cases::office_user(), &st.0, st.1)
        .unwrap();
    let (_, html) = page(&fx, &jb, "/problems").await;
    assert!(!html.contains("周转编制即将到期"), "{html}");
}
