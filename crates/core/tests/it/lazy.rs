//! The lazy journal: a ledger rebuilt from stored entries (only each
//! entry's head read; matters decoded when needed) serves the same journal
//! and state as one replayed from decoded matters, from a snapshot or not,
//! and a payload that no longer decodes is named when it is needed.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Arc;

use bianzhi_core::*;

use crate::common::*;

fn increase(count: i32) -> Op {
    Op::IncreaseQuota {
        account: acct(SCHOOL, "事业编制"),
        count,
    }
}

/// The fixture, then increases, a revoked one, an amended one and a
/// document filed later: every kind of entry a replay treats apart.
fn ledger() -> (Ledger, State) {
    let mut l = fixture();
    let snapshot = l.state().clone();
    let a = submit(
        &mut l,
        matter("盐编〔2024〕2号", "2024-03-01", vec![increase(2)]),
    )
    .unwrap();
    let b = submit(
        &mut l,
        matter("盐编〔2024〕3号", "2024-06-01", vec![increase(1)]),
    )
    .unwrap();
    let mut revoke = matter("盐编〔2024〕4号", "2024-07-01", Vec::new());
    revoke.corrects = Some(Correction {
        of: a,
        kind: CorrectionKind::Revoke,
        root: 0,
    });
    submit(&mut l, revoke).unwrap();
    let mut amend = matter("盐编〔2024〕5号", "2024-08-01", vec![increase(3)]);
    amend.corrects = Some(Correction {
        of: b,
        kind: CorrectionKind::Amend,
        root: 0,
    });
    submit(&mut l, amend).unwrap();
    let mut file = matter("盐编〔2024〕3号", "2024-09-01", Vec::new());
    file.supplements = Some(b);
    file.attachments.push(AttachmentRef {
        name: "批复.pdf".into(),
        sm3: "ab".repeat(32),
        size: 10,
    });
    submit(&mut l, file).unwrap();
    submit(
        &mut l,
        matter("盐编〔2024〕6号", "2024-10-01", vec![increase(1)]),
    )
    .unwrap();
    (l, snapshot)
}

/// The journal as a store keeps it: JSON payloads, heads read from them.
fn stored(l: &Ledger) -> Vec<Entry> {
    l.decoded_journal()
        .unwrap()
        .into_iter()
        .map(|(s, m)| {
            let json = serde_json::to_vec(&m).unwrap();
            Entry::stored(s, MatterHead::from_json(&json).unwrap(), json)
        })
        .collect()
}

/// A JSON decoder that counts what it decodes.
fn decoder(count: &Arc<AtomicUsize>) -> Decoder {
    let count = count.clone();
    Arc::new(move |_, bytes| {
        count.fetch_add(1, Ordering::Relaxed);
        serde_json::from_slice(bytes).map_err(|e| e.to_string())
    })
}

#[test]
fn head_of_matter_json_equals_its_fields() {
    let (l, _) = ledger();
    for (_, m) in l.decoded_journal().unwrap() {
        let json = serde_json::to_vec(&m).unwrap();
        assert_eq!(MatterHead::from_json(&json).unwrap(), MatterHead::of(&m));
    }
}

#[test]
fn a_ledger_from_stored_entries_serves_the_same_journal() {
    let (l, before) = ledger();
    let base = State::new("320903", "盐城市盐都区");
    let want = l.decoded_journal().unwrap();
    // From the latest state as a snapshot: nothing is decoded to start.
    let n = Arc::new(AtomicUsize::new(0));
    let lazy = Ledger::from_entries(
        base.clone(),
        Some(l.state().clone()),
        stored(&l),
        Some(decoder(&n)),
    )
    .unwrap();
    assert_eq!(n.load(Ordering::Relaxed), 0, "nothing decoded to start");
    assert_eq!(lazy.state(), l.state());
    assert_eq!(lazy.decoded_journal().unwrap(), want);
    assert_eq!(n.load(Ordering::Relaxed), want.len(), "decoded when read");
    for e in l.entries() {
        assert_eq!(lazy.voided_by(e.seq), l.voided_by(e.seq));
        assert_eq!(lazy.stands(e.seq), l.stands(e.seq));
    }
    assert!(
        lazy.entries().iter().all(|e| !e.is_decoded()),
        "nothing kept"
    );
    // From a snapshot before the corrections (a full replay), and without
    // one: the same state and journal, the entries still only stored.
    for snapshot in [Some(before), None] {
        let n = Arc::new(AtomicUsize::new(0));
        let lazy =
            Ledger::from_entries(base.clone(), snapshot, stored(&l), Some(decoder(&n))).unwrap();
        assert_eq!(lazy.state(), l.state());
        assert_eq!(lazy.decoded_journal().unwrap(), want);
        assert!(lazy.entries().iter().all(|e| !e.is_decoded()));
    }
    // Replays over stored entries: as recorded, and a backdated matter.
    let at = want[2].1.recorded_at;
    assert_eq!(lazy.as_recorded(at).unwrap(), l.as_recorded(at).unwrap());
    let (mut a, mut b) = (l.clone(), lazy.clone());
    let late = matter("盐编〔2024〕8号", "2024-05-01", vec![increase(1)]);
    submit(&mut a, late.clone()).unwrap();
    submit(&mut b, late).unwrap();
    assert_eq!(a.state(), b.state());
    assert_eq!(a.decoded_journal().unwrap(), b.decoded_journal().unwrap());
}

#[test]
fn an_entry_that_no_longer_decodes_is_named_when_needed() {
    let (l, _) = ledger();
    let base = State::new("320903", "盐城市盐都区");
    let mut entries = stored(&l);
    // The last entry's operations no longer decode; its head still does.
    let last = entries.len() - 1;
    let seq = entries[last].seq;
    let mut json: serde_json::Value =
        serde_json::from_slice(&serde_json::to_vec(&l.decoded_journal().unwrap()[last].1).unwrap())
            .unwrap();
    json["ops"] = serde_json::json!([{ "op": "no_such_operation" }]);
    let bad = serde_json::to_vec(&json).unwrap();
    entries[last] = Entry::stored(seq, MatterHead::from_json(&bad).unwrap(), bad);
    let n = Arc::new(AtomicUsize::new(0));
    // Opened from the snapshot: not needed yet, so not decoded.
    let lazy = Ledger::from_entries(
        base.clone(),
        Some(l.state().clone()),
        entries.clone(),
        Some(decoder(&n)),
    )
    .unwrap();
    assert_eq!(lazy.state(), l.state());
    assert!(lazy.matter(1).unwrap().is_some());
    let err = lazy.matter(seq).expect_err("does not decode");
    assert_eq!(err.seq, seq);
    let named = format!("第 {seq} 条事项无法解读");
    assert!(err.to_string().starts_with(&named), "{err}");
    assert_eq!(lazy.decoded_journal().unwrap_err().seq, seq);
    // Its head is still known.
    assert_eq!(lazy.entry(seq).unwrap().doc.to_string(), "盐编〔2024〕6号");
    // A replay that needs it names it.
    let err = lazy.as_recorded(chrono::Utc::now()).unwrap_err();
    assert_eq!(err.seq, seq);
    assert!(
        matches!(&*err.cause, MatterError::Journal(j) if j.seq == seq),
        "{err:?}"
    );
    assert!(err.to_string().contains(&named), "{err}");
    let mut live = lazy.clone();
    let late = matter("盐编〔2024〕8号", "2024-05-01", vec![increase(1)]);
    let refused = submit(&mut live, late).unwrap_err();
    assert_eq!(refused.code(), "undecodable_matter");
    assert_eq!(live.state(), lazy.state(), "nothing changed");
    // Without a snapshot the load itself needs it.
    let err = Ledger::from_entries(base, None, entries, Some(decoder(&n))).unwrap_err();
    assert_eq!(err.seq, seq);
    assert!(err.to_string().contains(&named), "{err}");
}
