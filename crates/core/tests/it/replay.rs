//! Replays skip the undo log (the replayed state is dropped on the first
//! refusal) but keep every check: a journal that no longer applies is still
//! refused, naming the matter.

use bianzhi_core::{replay, Ledger, MatterError, State};

use crate::common::*;

/// The fixture plus three hires into 盐都区实验小学 (事业编制 3): full.
fn full_school() -> Ledger {
    let mut l = fixture();
    for n in 1..=3u16 {
        let m = matter(
            &format!("盐编〔2024〕{}号", n + 1),
            "2024-02-01",
            vec![hire(SCHOOL, 0, &format!("张{n}"), n)],
        );
        submit(&mut l, m).expect("hire");
    }
    l
}

/// The stored journal with one more hire appended as if written behind the
/// ledger's back: it does not apply (可用空编 0).
fn tampered(l: &Ledger) -> Vec<(u64, bianzhi_core::Matter)> {
    let mut journal = l.decoded_journal().unwrap();
    let (seq, last) = journal.last().cloned().expect("matters");
    let mut extra = matter(
        "盐编〔2024〕9号",
        "2024-03-01",
        vec![hire(SCHOOL, 0, "李四", 9)],
    );
    // Resolved as the recorded matters are (ids, not names).
    l.state().resolve(&mut extra).expect("resolves");
    extra.recorded_at = last.recorded_at;
    journal.push((seq + 1, extra));
    journal
}

#[test]
fn a_journal_that_no_longer_applies_is_refused_on_replay() {
    let l = full_school();
    let journal = tampered(&l);
    let base = State::new("320903", "盐城市盐都区");
    let err = Ledger::from_journal(base, journal.clone()).expect_err("does not apply");
    assert_eq!(err.seq, 5);
    assert_eq!(err.doc, "盐编〔2024〕9号");
    assert!(err.to_string().contains("可用空编 0"), "{err}");
    // The same from a snapshot taken before it.
    let snap = l.state().clone();
    let err = Ledger::from_snapshot(snap, journal.clone()).expect_err("does not apply");
    assert_eq!(err.seq, 5);
    // And from a snapshot before every hire (the fallback to a full replay is
    // not taken: the matters after it are in order).
    let err = Ledger::from_snapshot(fixture().state().clone(), journal).expect_err("no");
    assert_eq!(err.seq, 5);
}

#[test]
fn an_unlogged_refusal_is_the_logged_one() {
    let l = full_school();
    let journal = tampered(&l);
    let (seq, m) = journal.last().unwrap();
    let mut logged = l.state().clone();
    let mut unlogged = l.state().clone();
    let a = logged.apply(*seq, m).expect_err("refused");
    let b = unlogged.apply_unlogged(*seq, m).expect_err("refused");
    assert_eq!(a.to_string(), b.to_string());
    assert!(matches!(a, MatterError::Op { op: 1, .. }), "{a:?}");
    // The logged apply rolled back; the replay of the good part is the live state.
    assert_eq!(&logged, l.state());
    let good = replay(
        l.state(),
        l.decoded_journal().unwrap().iter().map(|(s, m)| (*s, m)),
    )
    .unwrap();
    assert_eq!(&good, l.state());
}
