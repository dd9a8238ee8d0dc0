//! 年度报告: window, sponsor review, 形式审查, publication, lateness.

use bianzhi_registration::annual::{
    AnnualReport, ReportAction, ReportActor, ReportStatus, Sections, SPONSOR_STATEMENT,
};
use bianzhi_registration::{Capital, Policy, RegId};
use bianzhi_testkit::d;

pub fn full_sections() -> Sections {
    Sections {
        activities: "全年完成教育教学任务".into(),
        net_assets_begin: Some(Capital(35_000)),
        net_assets_end: Some(Capital(36_250)),
        staff: Some(48),
        changes: "无".into(),
        licences: "办学许可证，有效期至2028年".into(),
        rewards: "无".into(),
        litigation: "无".into(),
        complaints: "无".into(),
        donations: "无".into(),
    }
}

#[test]
fn a_report_is_filed_from_1_january_of_the_next_year() {
    let mut r = AnnualReport::new(RegId(1), 2025);
    let e = r
        .act(
            ReportActor::Unit,
            ReportAction::Save {
                sections: full_sections(),
            },
            d("2025-12-31"),
        )
        .unwrap_err();
    assert_eq!(e.code(), "report_not_open");
    assert!(r.history.is_empty());
    r.act(
        ReportActor::Unit,
        ReportAction::Save {
            sections: full_sections(),
        },
        d("2026-01-05"),
    )
    .unwrap();
}

#[test]
fn an_incomplete_report_cannot_be_submitted() {
    let mut r = AnnualReport::new(RegId(1), 2025);
    let mut s = full_sections();
    s.staff = None;
    s.litigation.clear();
    r.act(
        ReportActor::Unit,
        ReportAction::Save { sections: s },
        d("2026-01-05"),
    )
    .unwrap();
    let e = r
        .act(ReportActor::Unit, ReportAction::Submit, d("2026-01-05"))
        .unwrap_err();
    assert_eq!(e.code(), "report_incomplete");
    assert!(e.to_string().contains("从业人数"));
    assert!(e.to_string().contains("涉及诉讼情况"));
    assert_eq!(r.status, ReportStatus::Draft);
}

#[test]
fn filed_reviewed_by_the_sponsor_returned_then_published() {
    let p = Policy::default();
    let mut r = AnnualReport::new(RegId(1), 2025);
    r.act(
        ReportActor::Unit,
        ReportAction::Save {
            sections: full_sections(),
        },
        d("2026-02-01"),
    )
    .unwrap();
    r.act(ReportActor::Unit, ReportAction::Submit, d("2026-02-01"))
        .unwrap();
    assert_eq!(r.status, ReportStatus::SponsorReview);
    let e = r
        .act(ReportActor::Office, ReportAction::Publish, d("2026-02-02"))
        .unwrap_err();
    assert_eq!(
        e.code(),
        "report_action_not_allowed",
        "the sponsor reviews first"
    );
    r.act(
        ReportActor::Sponsor,
        ReportAction::SponsorApprove,
        d("2026-02-03"),
    )
    .unwrap();
    assert_eq!(r.history.last().unwrap().note, SPONSOR_STATEMENT);
    r.act(
        ReportActor::Office,
        ReportAction::Return {
            reason: "净资产年末数与资产负债表不符".into(),
        },
        d("2026-02-10"),
    )
    .unwrap();
    assert_eq!(r.status, ReportStatus::Returned);
    r.act(ReportActor::Unit, ReportAction::Submit, d("2026-02-11"))
        .unwrap();
    r.act(
        ReportActor::Sponsor,
        ReportAction::SponsorApprove,
        d("2026-02-12"),
    )
    .unwrap();
    r.act(ReportActor::Office, ReportAction::Publish, d("2026-02-15"))
        .unwrap();
    assert_eq!(r.status, ReportStatus::Published);
    assert_eq!(r.published_on, Some(d("2026-02-15")));
    assert!(!r.late(d("2026-06-01"), &p));
}

#[test]
fn a_report_filed_after_31_march_is_late_and_so_is_one_never_filed() {
    let p = Policy::default();
    let mut r = AnnualReport::new(RegId(1), 2025);
    assert!(!r.late(d("2026-03-31"), &p));
    assert!(r.late(d("2026-04-01"), &p));
    r.act(
        ReportActor::Unit,
        ReportAction::Save {
            sections: full_sections(),
        },
        d("2026-04-02"),
    )
    .unwrap();
    r.act(ReportActor::Unit, ReportAction::Submit, d("2026-04-02"))
        .unwrap();
    r.act(
        ReportActor::Sponsor,
        ReportAction::SponsorApprove,
        d("2026-04-03"),
    )
    .unwrap();
    assert!(r.late(d("2026-04-03"), &p));
    // A province that gives until 30 April.
    let later = Policy {
        annual_report_due: (4, 30),
        ..Policy::default()
    };
    assert!(!r.late(d("2026-05-01"), &later));
}
