//! Working days, the editable holiday calendar, stage deadlines and overdue
//! lists across weekends and edited holidays.

use bianzhi_casework::*;
use bianzhi_core::beijing::date_of as beijing_date;
use chrono::{Duration, NaiveDate, TimeZone, Utc};
use proptest::prelude::*;

use crate::common::*;

#[test]
fn weekends_are_skipped() {
    let cal = Calendar::default();
    // 2026-11-27 is a Friday.
    assert!(cal.is_working_day(d("2026-11-27")));
    assert!(!cal.is_working_day(d("2026-11-28")));
    assert!(!cal.is_working_day(d("2026-11-29")));
    assert_eq!(cal.add_working_days(d("2026-11-27"), 1), d("2026-11-30"));
    assert_eq!(cal.add_working_days(d("2026-11-27"), 5), d("2026-12-04"));
    // From a Saturday the first working day is Monday.
    assert_eq!(cal.add_working_days(d("2026-11-28"), 1), d("2026-11-30"));
    assert_eq!(cal.add_working_days(d("2026-11-28"), 0), d("2026-11-28"));
    assert_eq!(
        cal.working_days_between(d("2026-11-27"), d("2026-11-30")),
        1
    );
    assert_eq!(
        cal.working_days_between(d("2026-11-30"), d("2026-11-27")),
        -1
    );
    assert_eq!(
        cal.working_days_between(d("2026-11-28"), d("2026-11-29")),
        0
    );
    assert_eq!(
        cal.working_days_between(d("2026-11-02"), d("2026-11-30")),
        20
    );
}

const NATIONAL_DAY: &str = "# 2026 年国庆节、中秋节\n\
2026-10-01~2026-10-07 休\n\
\n\
2026-10-10 班   # 周六上班\n\
2026-09-27 班\n";

#[test]
fn the_text_form_is_read_and_written_back() {
    let cal = Calendar::parse(NATIONAL_DAY).unwrap();
    assert_eq!(cal.holidays.len(), 7);
    assert!(cal.workdays.contains(&d("2026-10-10")));
    assert!(!cal.is_working_day(d("2026-10-05"))); // a Monday off
    assert!(cal.is_working_day(d("2026-10-10"))); // a Saturday worked
    let text = cal.to_text();
    assert!(text.contains("2026-10-01 休\n"));
    assert!(text.contains("2026-10-10 班\n"));
    assert_eq!(Calendar::parse(&text).unwrap(), cal);
    assert_eq!(Calendar::parse("").unwrap(), Calendar::default());
    assert_eq!(
        Calendar::parse(&Calendar::default().to_text()).unwrap(),
        Calendar::default()
    );
}

#[test]
fn bad_lines_name_their_line_and_reason() {
    let cases = [
        (
            "2026-10-01 休\n2026-13-01 休\n",
            "节假日安排第 2 行：日期“2026-13-01”无效（应写作 2026-10-01）",
        ),
        (
            "# x\n\n2026-10-01\n",
            "节假日安排第 3 行：“2026-10-01”缺少标记（应写作 2026-10-01 休 或 2026-10-10 班）",
        ),
        (
            "2026-10-01 放风\n",
            "节假日安排第 1 行：标记“放风”无法识别：应为“休”（放假）或“班”（调休上班）",
        ),
        (
            "2026-10-01 休\n2026-10-01 班\n",
            "节假日安排第 2 行：2026-10-01 已标为“休”，不能同时标为“班”",
        ),
        (
            "2026-10-07~2026-10-01 休\n",
            "节假日安排第 1 行：日期范围“2026-10-07~2026-10-01”的结束日期早于开始日期",
        ),
        (
            "2026-10-01 休 国庆\n",
            "节假日安排第 1 行：“国庆”无法识别（每行只写一个日期和一个标记）",
        ),
    ];
    for (text, msg) in cases {
        let e = Calendar::parse(text).unwrap_err();
        assert_eq!(e.to_string(), msg, "{text}");
    }
    assert_eq!(Calendar::parse("x\n").unwrap_err().line, 1);
}

fn case_in_stage(stage_since: &str) -> Case {
    let l = district();
    let mut c = bureau_case(&l);
    c.id = 7;
    c.act(&clerk(&l), "教育局张经办", Action::Submit, at(stage_since))
        .unwrap();
    c
}

#[test]
fn a_holiday_pushes_a_deadline_and_a_worked_weekend_pulls_it_back() {
    // Entered 论证 on Monday 2026-09-21; 10 working days → Monday 2026-10-05
    // without holidays.
    let c = case_in_stage("2026-09-21");
    let limits = Limits::default();
    let plain = Calendar::default();
    assert_eq!(stage_deadline(&c, &limits, &plain), Some(d("2026-10-05")));
    // 国庆 10-01..10-07 off: the five weekdays in it push the deadline by a week.
    let mut cal = Calendar::parse("2026-10-01~2026-10-07 休").unwrap();
    assert_eq!(stage_deadline(&c, &limits, &cal), Some(d("2026-10-12")));
    // 调休: Saturday 10-10 worked pulls it back to that Saturday, Sunday
    // 09-27 worked one more day.
    cal.workdays.insert(d("2026-10-10"));
    assert_eq!(stage_deadline(&c, &limits, &cal), Some(d("2026-10-10")));
    cal.workdays.insert(d("2026-09-27"));
    assert_eq!(stage_deadline(&c, &limits, &cal), Some(d("2026-10-09")));
    // Edited through the text form, the same answer.
    let cal2 = Calendar::parse(NATIONAL_DAY).unwrap();
    assert_eq!(cal2, cal);
    assert_eq!(stage_deadline(&c, &limits, &cal2), Some(d("2026-10-09")));

    // Overdue lists follow the calendar.
    let cases = vec![c.clone()];
    assert!(overdue_cases(&cases, &limits, &cal2, d("2026-10-09")).is_empty());
    // The worked Saturday counts as a working day late.
    let o = overdue_cases(&cases, &limits, &cal2, d("2026-10-10"));
    assert_eq!(
        o,
        [Overdue {
            id: 7,
            stage: Stage::Assessment,
            deadline: d("2026-10-09"),
            working_days_late: 1,
        }]
    );
    assert_eq!(
        overdue_cases(&cases, &limits, &cal2, d("2026-10-12"))[0].working_days_late,
        2
    );
    // Without the holidays it was overdue a week earlier.
    assert_eq!(
        overdue_cases(&cases, &limits, &plain, d("2026-10-06"))[0].deadline,
        d("2026-10-05")
    );
    // Adding one more holiday on the deadline's Monday pushes it again.
    let mut cal3 = Calendar::default();
    cal3.holidays.insert(d("2026-10-05"));
    assert_eq!(stage_deadline(&c, &limits, &cal3), Some(d("2026-10-06")));
    assert!(overdue_cases(&cases, &limits, &cal3, d("2026-10-06")).is_empty());
}

#[test]
fn overdue_across_a_weekend() {
    // Entered 论证 on Friday 2026-11-13: 10 working days → Friday 2026-11-27.
    let c = case_in_stage("2026-11-13");
    let limits = Limits::default();
    let cal = Calendar::default();
    assert_eq!(stage_deadline(&c, &limits, &cal), Some(d("2026-11-27")));
    let cases = vec![c];
    assert!(overdue_cases(&cases, &limits, &cal, d("2026-11-27")).is_empty());
    // Saturday: past the deadline, no working day lost yet.
    let sat = overdue_cases(&cases, &limits, &cal, d("2026-11-28"));
    assert_eq!(sat[0].working_days_late, 0);
    let sun = overdue_cases(&cases, &limits, &cal, d("2026-11-29"));
    assert_eq!(sun[0].working_days_late, 0);
    let mon = overdue_cases(&cases, &limits, &cal, d("2026-11-30"));
    assert_eq!(mon[0].working_days_late, 1);
    let wed = overdue_cases(&cases, &limits, &cal, d("2026-12-02"));
    assert_eq!(wed[0].working_days_late, 3);
}

#[test]
fn stage_dates_are_beijing_dates_and_closed_cases_have_no_deadline() {
    // 17:30 UTC on Sunday is 01:30 on Monday in Beijing.
    let t = Utc.with_ymd_and_hms(2026, 11, 29, 17, 30, 0).unwrap();
    assert_eq!(beijing_date(t), d("2026-11-30"));
    let mut c = case_in_stage("2026-11-13");
    c.stage_since = t;
    // Monday + 10 working days.
    assert_eq!(
        stage_deadline(&c, &Limits::default(), &Calendar::default()),
        Some(d("2026-12-14"))
    );
    c.stage_since = t - Duration::hours(10); // Sunday 15:30 Beijing
    assert_eq!(
        stage_deadline(&c, &Limits::default(), &Calendar::default()),
        Some(d("2026-12-11"))
    );
    c.stage = Stage::FollowUp;
    assert_eq!(
        stage_deadline(&c, &Limits::default(), &Calendar::default()),
        None
    );
    c.follow_up = Some(FollowUp {
        due: d("2027-03-01"),
        findings: None,
        rating: None,
        done_at: None,
        by: None,
    });
    assert_eq!(
        stage_deadline(&c, &Limits::default(), &Calendar::default()),
        Some(d("2027-03-01"))
    );
    for s in [Stage::Closed, Stage::Rejected, Stage::Withdrawn] {
        c.stage = s;
        assert_eq!(
            stage_deadline(&c, &Limits::default(), &Calendar::default()),
            None
        );
    }
    assert!(overdue_cases(
        &[c],
        &Limits::default(),
        &Calendar::default(),
        d("2030-01-01")
    )
    .is_empty());
}

#[test]
fn follow_up_is_due_months_after_the_effective_date() {
    let l = Limits::default();
    assert_eq!(l.follow_up_due(d("2024-09-01")), d("2025-03-01"));
    assert_eq!(l.follow_up_due(d("2024-08-31")), d("2025-02-28"));
    let l = Limits {
        follow_up_months: 12,
        ..Limits::default()
    };
    assert_eq!(l.follow_up_due(d("2024-02-29")), d("2025-02-28"));
    let json = serde_json::to_string(&Limits::default()).unwrap();
    assert_eq!(
        serde_json::from_str::<Limits>(&json).unwrap(),
        Limits::default()
    );
}

fn arb_calendar() -> impl Strategy<Value = (NaiveDate, Calendar)> {
    let base = NaiveDate::from_ymd_opt(2026, 1, 1).unwrap();
    (
        0i64..365,
        prop::collection::vec(0i64..400, 0..60),
        prop::collection::vec(0i64..400, 0..20),
    )
        .prop_map(move |(start, hol, work)| {
            let mut cal = Calendar::default();
            for h in hol {
                cal.holidays.insert(base + Duration::days(h));
            }
            for w in work {
                let day = base + Duration::days(w);
                if !cal.holidays.contains(&day) {
                    cal.workdays.insert(day);
                }
            }
            (base + Duration::days(start), cal)
        })
}

proptest! {
    #[test]
    fn adding_working_days_lands_on_a_working_day_n_days_on(
        (start, cal) in arb_calendar(),
        n in 1u32..80,
    ) {
        let end = cal.add_working_days(start, n);
        prop_assert!(cal.is_working_day(end));
        prop_assert!(end > start);
        prop_assert_eq!(cal.working_days_between(start, end), n as i64);
        prop_assert_eq!(cal.working_days_between(end, start), -(n as i64));
        // The text form keeps the calendar.
        prop_assert_eq!(Calendar::parse(&cal.to_text()).unwrap(), cal);
    }
}
