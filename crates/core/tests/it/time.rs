//! The bitemporal ledger: as-of (effective) dates, backdated matters and
//! "as recorded on" queries.

use bianzhi_core::*;

use crate::common::*;

#[test]
fn as_of_queries_see_each_date() {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-03-01",
            vec![hire(SCHOOL, 0, "王芳", 1)],
        ),
    )
    .unwrap();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-06-01",
            vec![Op::IncreaseQuota {
                account: acct(SCHOOL, "事业编制"),
                count: 2,
            }],
        ),
    )
    .unwrap();
    let approved = |date| row(&l, SCHOOL, "事业编制", date).counts.approved;
    assert_eq!(approved("2024-01-02"), 3);
    assert_eq!(approved("2024-05-31"), 3);
    assert_eq!(approved("2024-06-01"), 5);
    assert!(query::quota_table(l.state(), uid(&l, SCHOOL), d("2024-01-01")).is_empty());
    assert_eq!(row(&l, SCHOOL, "事业编制", "2024-02-28").counts.frozen, 0);
    assert_eq!(row(&l, SCHOOL, "事业编制", "2024-03-01").counts.frozen, 1);
}

#[test]
fn a_valid_backdated_matter_is_accepted_and_rewrites_later_figures() {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-06-01",
            vec![hire(SCHOOL, 0, "王芳", 1)],
        ),
    )
    .unwrap();
    // Recorded later, effective earlier.
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-01",
            vec![Op::IncreaseQuota {
                account: acct(SCHOOL, "事业编制"),
                count: 1,
            }],
        ),
    )
    .unwrap();
    assert_eq!(row(&l, SCHOOL, "事业编制", "2024-02-29").counts.approved, 3);
    let r = row(&l, SCHOOL, "事业编制", "2024-06-01");
    assert_eq!((r.counts.approved, r.counts.frozen, r.available), (4, 1, 3));
    // The live state equals a fresh replay of the journal.
    let fresh = replay(
        l.state(),
        l.decoded_journal().unwrap().iter().map(|(s, m)| (*s, m)),
    )
    .unwrap();
    assert_eq!(&fresh, l.state());
}

#[test]
fn a_backdated_matter_that_breaks_a_later_one_is_refused_naming_date_and_rule() {
    let mut l = fixture();
    let ops = (1..=3).map(|i| hire(SCHOOL, 0, "教师", i)).collect();
    submit(&mut l, matter("盐编〔2024〕2号", "2024-06-01", ops)).unwrap();
    let before = l.state().clone();
    let e = submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-01",
            vec![Op::DecreaseQuota {
                account: acct(SCHOOL, "事业编制"),
                count: 1,
                allow_over: false,
            }],
        ),
    )
    .unwrap_err();
    match &e {
        MatterError::Backdated { broken_on, doc, .. } => {
            assert_eq!(*broken_on, d("2024-06-01"));
            assert_eq!(doc, "盐编〔2024〕2号");
        }
        other => panic!("expected a backdating refusal, got {other}"),
    }
    let msg = e.to_string();
    assert!(msg.contains("2024-06-01"), "{msg}");
    assert!(msg.contains("可用空编 0，不能入编 1 人"), "{msg}");
    assert_eq!(*l.state(), before);
    assert_eq!(l.journal_len(), 2);
}

#[test]
fn as_recorded_shows_what_the_ledger_knew_then() {
    let mut l = fixture();
    let mut m = matter(
        "盐编〔2024〕2号",
        "2024-06-01",
        vec![hire(SCHOOL, 0, "王芳", 1)],
    );
    m.recorded_at = at("2024-06-05");
    submit(&mut l, m).unwrap();
    let mut late = matter(
        "盐编〔2024〕3号",
        "2024-03-01",
        vec![Op::IncreaseQuota {
            account: acct(SCHOOL, "事业编制"),
            count: 1,
        }],
    );
    late.recorded_at = at("2024-07-01");
    submit(&mut l, late).unwrap();
    let known_in_june = l.as_recorded(at("2024-06-30")).unwrap();
    let school = uid(&l, SCHOOL);
    let approved = |st: &State| {
        query::quota_table(st, school, d("2024-06-01"))[0]
            .counts
            .approved
    };
    assert_eq!(approved(&known_in_june), 3);
    assert_eq!(approved(l.state()), 4);
}

#[test]
fn people_as_of_dates_follow_their_moves() {
    let mut l = fixture();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-03-01",
            vec![hire(SCHOOL, 0, "王芳", 1)],
        ),
    )
    .unwrap();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-03-15",
            vec![Op::Onboard { person: pref(1) }],
        ),
    )
    .unwrap();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-09-01",
            vec![Op::Leave {
                person: pref(1),
                reason: catalog::LeaveReason::Resign,
            }],
        ),
    )
    .unwrap();
    let st = l.state();
    let school = uid(&l, SCHOOL);
    assert!(query::roster_at(st, school, d("2024-02-29")).is_empty());
    assert_eq!(query::roster_at(st, school, d("2024-03-01")).len(), 1);
    assert_eq!(query::roster_at(st, school, d("2024-08-31")).len(), 1);
    assert!(query::roster_at(st, school, d("2024-09-01")).is_empty());
    let hits = query::search_people(st, "wf", 10);
    assert_eq!(hits.len(), 1);
    assert_eq!(query::search_people(st, idn(1).as_str(), 10), hits);
    assert_eq!(query::search_people(st, "王", 10), hits);
}
