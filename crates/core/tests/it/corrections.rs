//! 更正 / 撤销: a recorded matter is never edited; a later matter voids it
//! from the start and (更正) puts its own operations in its place, accepted
//! only if every later matter still holds.

use bianzhi_core::*;

use crate::common::*;

fn revoke(doc: &str, effective: &str, of: Seq) -> Matter {
    let mut m = matter(doc, effective, Vec::new());
    m.corrects = Some(Correction {
        of,
        kind: CorrectionKind::Revoke,
        root: 0,
    });
    m
}

fn amend(doc: &str, effective: &str, of: Seq, ops: Vec<Op>) -> Matter {
    let mut m = matter(doc, effective, ops);
    m.corrects = Some(Correction {
        of,
        kind: CorrectionKind::Amend,
        root: 0,
    });
    m
}

fn increase(count: i32) -> Op {
    Op::IncreaseQuota {
        account: acct(SCHOOL, "事业编制"),
        count,
    }
}

fn approved(l: &Ledger, date: &str) -> i32 {
    row(l, SCHOOL, "事业编制", date).counts.approved
}

#[test]
fn a_revoked_matter_is_void_from_its_effective_date_on_every_date() {
    let mut l = fixture();
    let wrong = submit(
        &mut l,
        matter("盐编〔2024〕2号", "2024-03-01", vec![increase(2)]),
    )
    .unwrap();
    submit(
        &mut l,
        matter("盐编〔2024〕3号", "2024-06-01", vec![increase(1)]),
    )
    .unwrap();
    assert_eq!(approved(&l, "2024-04-01"), 5);
    let r = submit(&mut l, revoke("盐编〔2024〕9号", "2024-09-01", wrong)).unwrap();
    // Void from the start, not only from the date of the 撤销.
    assert_eq!(approved(&l, "2024-04-01"), 3);
    assert_eq!(approved(&l, "2024-07-01"), 4);
    assert_eq!(approved(&l, "2024-12-31"), 4);
    assert!(!l.stands(wrong));
    assert!(l.stands(r));
    assert_eq!(l.voided_by(wrong), Some(r));
    assert_eq!(l.voided_by(r), None);
    // The journal keeps both, linked; the 撤销 records its target.
    assert_eq!(l.journal_len(), 4);
    let c = l.entry(r).unwrap().corrects.unwrap();
    assert_eq!(
        (c.of, c.kind, c.root),
        (wrong, CorrectionKind::Revoke, wrong)
    );
    // What the ledger knew before the 撤销 still shows the matter.
    let recorded = l.entry(r).unwrap().recorded_at;
    let earlier = l
        .as_recorded(recorded - chrono::Duration::seconds(1))
        .unwrap();
    assert_eq!(
        query::quota_table(&earlier, uid(&l, SCHOOL), d("2024-04-01"))[0]
            .counts
            .approved,
        5
    );
    // A replay of the journal gives the same state.
    let fresh = replay(
        l.state(),
        l.decoded_journal().unwrap().iter().map(|(s, m)| (*s, m)),
    )
    .unwrap();
    assert_eq!(&fresh, l.state());
}

#[test]
fn a_revocation_that_breaks_a_later_matter_is_refused_and_changes_nothing() {
    let mut l = fixture();
    let hired = submit(
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
            "2024-08-01",
            vec![Op::Onboard { person: pref(1) }],
        ),
    )
    .unwrap();
    let e = refused(&mut l, revoke("盐编〔2024〕9号", "2024-09-01", hired));
    match &e {
        MatterError::Corrected {
            kind,
            of,
            broken_on,
            doc,
            ..
        } => {
            assert_eq!((*kind, *of), ("撤销", hired));
            assert_eq!(*broken_on, d("2024-08-01"));
            assert_eq!(doc, "盐编〔2024〕3号");
        }
        other => panic!("unexpected {other:?}"),
    }
    assert!(e.to_string().contains("不再成立"), "{e}");
    assert!(l.stands(hired));
}

#[test]
fn an_amendment_replaces_the_matter_in_its_place() {
    let mut l = fixture();
    // 核增 1 mistakenly recorded as 核增 3; the same day two people are hired
    // on the 核增 (事业编制 3 + 1 = 4, two already hired there later).
    let wrong = submit(
        &mut l,
        matter("盐编〔2024〕2号", "2024-03-01", vec![increase(3)]),
    )
    .unwrap();
    let ops = (1..=4).map(|i| hire(SCHOOL, 0, "教师", i)).collect();
    submit(&mut l, matter("盐编〔2024〕3号", "2024-03-01", ops)).unwrap();
    assert_eq!(approved(&l, "2024-03-01"), 6);
    // The amendment takes the first matter's place among the matters of
    // 2024-03-01, so the hires after it still hold.
    let fixed = submit(
        &mut l,
        amend("盐编〔2024〕4号", "2024-03-01", wrong, vec![increase(1)]),
    )
    .unwrap();
    assert_eq!(approved(&l, "2024-03-01"), 4);
    assert_eq!(row(&l, SCHOOL, "事业编制", "2024-03-01").counts.frozen, 4);
    assert_eq!(l.voided_by(wrong), Some(fixed));
    assert_eq!(l.entry(fixed).unwrap().corrects.unwrap().root, wrong);
    // An amendment of the amendment continues the chain: still in place.
    let again = submit(
        &mut l,
        amend("盐编〔2024〕5号", "2024-03-01", fixed, vec![increase(2)]),
    )
    .unwrap();
    assert_eq!(approved(&l, "2024-03-01"), 5);
    assert_eq!(l.entry(again).unwrap().corrects.unwrap().root, wrong);
    assert_eq!(l.voided_by(fixed), Some(again));
    // Amending to fewer than the hires need is refused, naming the hires.
    let e = refused(
        &mut l,
        amend("盐编〔2024〕6号", "2024-03-01", again, vec![increase(0)]),
    );
    assert!(
        matches!(e, MatterError::Op { .. }) || matches!(e, MatterError::Corrected { .. }),
        "{e:?}"
    );
    let e = refused(
        &mut l,
        amend(
            "盐编〔2024〕6号",
            "2024-03-01",
            again,
            vec![Op::DecreaseQuota {
                account: acct(SCHOOL, "事业编制"),
                count: 1,
                allow_over: false,
            }],
        ),
    );
    match e {
        MatterError::Corrected { kind, doc, .. } => {
            assert_eq!(kind, "更正");
            assert_eq!(doc, "盐编〔2024〕3号");
        }
        other => panic!("unexpected {other:?}"),
    }
    let fresh = replay(
        l.state(),
        l.decoded_journal().unwrap().iter().map(|(s, m)| (*s, m)),
    )
    .unwrap();
    assert_eq!(&fresh, l.state());
}

#[test]
fn only_a_standing_matter_can_be_corrected_and_a_revocation_is_final() {
    let mut l = fixture();
    let a = submit(
        &mut l,
        matter("盐编〔2024〕2号", "2024-03-01", vec![increase(2)]),
    )
    .unwrap();
    assert_eq!(
        refused(&mut l, revoke("盐编〔2024〕9号", "2024-09-01", 99)),
        MatterError::NoSuchMatter(99)
    );
    // A 撤销 carries no operations; an amendment must carry some.
    let mut with_ops = revoke("盐编〔2024〕9号", "2024-09-01", a);
    with_ops.ops.push(increase(1));
    assert_eq!(refused(&mut l, with_ops), MatterError::RevocationWithOps);
    assert_eq!(
        refused(
            &mut l,
            amend("盐编〔2024〕9号", "2024-09-01", a, Vec::new())
        ),
        MatterError::Empty
    );
    let r = submit(&mut l, revoke("盐编〔2024〕9号", "2024-09-01", a)).unwrap();
    assert_eq!(
        refused(&mut l, revoke("盐编〔2024〕10号", "2024-09-02", a)),
        MatterError::AlreadyCorrected { of: a, by: r }
    );
    assert_eq!(
        refused(
            &mut l,
            amend("盐编〔2024〕10号", "2024-09-02", r, vec![increase(1)])
        ),
        MatterError::RevocationIsFinal(r)
    );
    for e in [
        MatterError::NoSuchMatter(99),
        MatterError::AlreadyCorrected { of: a, by: r },
        MatterError::RevocationIsFinal(r),
        MatterError::RevocationWithOps,
    ] {
        assert!(MatterError::codes().any(|c| c == e.code()), "{}", e.code());
    }
}

#[test]
fn a_snapshot_taken_before_a_correction_resumes_to_the_same_state() {
    let mut l = fixture();
    let a = submit(
        &mut l,
        matter("盐编〔2024〕2号", "2024-03-01", vec![increase(2)]),
    )
    .unwrap();
    let snap = l.state().clone();
    submit(&mut l, revoke("盐编〔2024〕9号", "2024-09-01", a)).unwrap();
    submit(
        &mut l,
        matter("盐编〔2024〕10号", "2024-10-01", vec![increase(1)]),
    )
    .unwrap();
    let resumed = Ledger::from_snapshot(snap, l.decoded_journal().unwrap()).unwrap();
    assert_eq!(resumed.state(), l.state());
    assert_eq!(resumed.voided_by(a), l.voided_by(a));
    // A snapshot taken after the 撤销 resumes without a full replay of it.
    let after = l.state().clone();
    let resumed = Ledger::from_snapshot(after, l.decoded_journal().unwrap()).unwrap();
    assert_eq!(resumed.state(), l.state());
}

#[test]
fn a_document_filed_later_joins_the_journal_and_changes_no_figure() {
    let mut l = fixture();
    let a = submit(
        &mut l,
        matter("盐编〔2024〕2号", "2024-03-01", vec![increase(2)]),
    )
    .unwrap();
    let before = l.state().clone();
    let file = |of: Seq| {
        let mut m = matter("盐编〔2024〕2号", "2024-04-01", Vec::new());
        m.supplements = Some(of);
        m.attachments.push(AttachmentRef {
            name: "批复.pdf".into(),
            sm3: "ab".repeat(32),
            size: 10,
        });
        m
    };
    assert_eq!(refused(&mut l, file(99)), MatterError::NoSuchMatter(99));
    let mut with_ops = file(a);
    with_ops.ops.push(increase(1));
    assert_eq!(refused(&mut l, with_ops), MatterError::SupplementWithOps);
    let mut empty = file(a);
    empty.attachments.clear();
    assert_eq!(refused(&mut l, empty), MatterError::Empty);
    let s = submit(&mut l, file(a)).unwrap();
    // No figure changed; only the 序号 seen moved on.
    let mut expected = before.clone();
    expected.last_seq = s;
    assert_eq!(l.state(), &expected);
    assert_eq!(l.supplements_of(a).unwrap().len(), 1);
    assert!(l.stands(a));
    // Not a matter of its own: neither corrected nor revoked.
    assert_eq!(
        refused(&mut l, revoke("盐编〔2024〕9号", "2024-09-01", s)),
        MatterError::NotCorrectable(s)
    );
    // Replay and a snapshot taken before it give the same state.
    let fresh = replay(
        l.state(),
        l.decoded_journal().unwrap().iter().map(|(s, m)| (*s, m)),
    )
    .unwrap();
    assert_eq!(&fresh, l.state());
    let resumed = Ledger::from_snapshot(before, l.decoded_journal().unwrap()).unwrap();
    assert_eq!(resumed.state(), l.state());
}
