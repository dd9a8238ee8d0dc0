//! 总览: as of a past date the figures are that date's, and the workload
//! tiles (today's by nature) say so.

use axum::http::StatusCode;

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
    assert_eq!(html.matches("class=\"now\"").count(), 3, "{html}");
}
