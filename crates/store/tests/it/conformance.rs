//! Behaviour every [`JournalStore`] backend must have.
//!
//! `backend_tests!(name, make)` expands to one `#[test]` per function listed in
//! it, each called with `make`, a `fn() -> Box<dyn Fixture>` for the backend;
//! `backend_tests!(name, make, enabled)` skips them when `enabled()` is false
//! (a backend that needs a server the environment does not give). The ledger
//! tests of [`crate::ledger`] run the same way.

use bianzhi_store::{
    entry_hash, JournalEntry, JournalStore, NewEntry, Snapshot, StoreError, VerifyReport,
    GENESIS_HASH, SNAPSHOTS_KEPT,
};
use proptest::prelude::*;
use proptest::test_runner::{Config, TestRunner};

use crate::fixture::*;

macro_rules! backend_tests {
    ($backend:ident, $make:path) => {
        backend_tests!($backend, $make, crate::conformance::always);
    };
    ($backend:ident, $make:path, $enabled:path) => {
        mod $backend {
            conformance_tests!(
                $make, $enabled;
                empty_journal,
                append_scan_head_round_trip,
                sequence_continues_across_appends_and_reopening,
                two_handles_share_one_journal,
                failed_append_leaves_nothing,
                scan_stops_at_callback_error,
                snapshots_latest_replace_and_prune,
                meta_round_trip,
                tamper_payload_byte,
                tamper_doc_no,
                tamper_effective,
                tamper_effective_unreadable,
                tamper_actor,
                tamper_recorded_at,
                tamper_delete_middle_row,
                tamper_swap_payloads,
                tamper_prev_hash,
                tamper_hash_column,
                tamper_rewrite_with_recomputed_hash,
                guard_refuses_update_and_delete,
                random_batches_round_trip,
                append_at_refuses_a_moved_head,
                text_with_nul_is_refused,
            );
            mod ledger {
                ledger_tests!(
                    $make, $enabled;
                    submit_refuse_and_reopen,
                    snapshot_then_reopen,
                    corrections_and_filed_documents_survive_reopening,
                    reopen_decodes_many_matters_in_order,
                    an_undecodable_entry_is_named_when_needed,
                    catch_up_between_two_servers,
                    stale_server_is_refused_not_overbooked,
                    lost_race_is_retried_against_the_new_head,
                    batch_behind_another_server_is_not_written,
                    racing_servers_fill_the_last_vacancy_once,
                    a_group_commit_records_the_rest_when_one_is_refused,
                    racing_servers_commit_groups_for_the_last_vacancies,
                );
            }
            mod chain {
                chain_tests!(
                    $make, $enabled;
                    deleting_the_last_entry_is_detected,
                    deleting_the_last_ten_entries_is_detected,
                    rewritten_history_with_recomputed_hashes_is_detected,
                    rewritten_history_without_signatures_is_detected,
                    forged_appended_entry_is_detected,
                    snapshot_heads_are_compared_with_the_chain,
                    checkpoint_is_signed_and_may_lag,
                );
            }
        }
    };
}

macro_rules! conformance_tests {
    ($make:path, $enabled:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                if $enabled() {
                    crate::conformance::$name(&$make)
                }
            }
        )*
    };
}

macro_rules! ledger_tests {
    ($make:path, $enabled:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                if $enabled() {
                    crate::ledger::$name(&$make)
                }
            }
        )*
    };
}

/// For backends that always run.
pub fn always() -> bool {
    true
}

/// Checks `stored` is `input` appended after `prev_seq`/`prev_hash`.
#[track_caller]
fn assert_stored_as(
    stored: &[JournalEntry],
    input: &[NewEntry],
    prev_seq: u64,
    prev_hash: bianzhi_store::Hash,
) {
    assert_eq!(stored.len(), input.len());
    let mut prev = prev_hash;
    for (i, (s, e)) in stored.iter().zip(input).enumerate() {
        assert_eq!(s.seq, prev_seq + 1 + i as u64);
        assert_eq!(s.doc_no, e.doc_no);
        assert_eq!(s.effective, e.effective);
        assert_eq!(
            s.recorded_at.timestamp_micros(),
            e.recorded_at.timestamp_micros()
        );
        assert_eq!(s.actor, e.actor);
        assert_eq!(s.payload, e.payload);
        assert_eq!(s.prev_hash, prev);
        let h = entry_hash(
            &prev,
            s.seq,
            &s.doc_no,
            s.effective,
            s.recorded_at,
            &s.actor,
            &s.payload,
        );
        assert_eq!(s.hash, h);
        prev = h;
    }
}

pub fn empty_journal(make: Make) {
    let mut fx = make();
    let store = fx.store();
    assert_eq!(store.head().unwrap(), None);
    assert!(scan_all(store, 0).is_empty());
    assert_eq!(
        store.verify().unwrap(),
        VerifyReport::Intact {
            entries: 0,
            head: GENESIS_HASH
        }
    );
    assert_eq!(store.append(&[]).unwrap(), vec![]);
    assert_eq!(store.head().unwrap(), None);
    assert_eq!(store.latest_snapshot().unwrap(), None);
    assert_eq!(store.get_meta("区划").unwrap(), None);
}

pub fn append_scan_head_round_trip(make: Make) {
    let mut fx = make();
    let store = fx.store();
    let input = entries(0, 5);
    let stored = store.append(&input).unwrap();
    assert_stored_as(&stored, &input, 0, GENESIS_HASH);
    assert_eq!(store.head().unwrap(), Some((5, stored[4].hash)));
    assert_eq!(scan_all(store, 0), stored);
    assert_eq!(scan_all(store, 3), stored[3..]);
    assert!(scan_all(store, 5).is_empty());
    assert!(scan_all(store, u64::MAX).is_empty());
    assert_eq!(
        store.verify().unwrap(),
        VerifyReport::Intact {
            entries: 5,
            head: stored[4].hash
        }
    );
}

pub fn sequence_continues_across_appends_and_reopening(make: Make) {
    let mut fx = make();
    let mut all = Vec::new();
    for (from, to) in [(0, 3), (3, 4), (4, 8)] {
        let input = entries(from, to);
        let (prev_seq, prev_hash) = fx.store().head().unwrap().unwrap_or((0, GENESIS_HASH));
        let stored = fx.store().append(&input).unwrap();
        assert_stored_as(&stored, &input, prev_seq, prev_hash);
        all.extend(stored);
    }
    fx.reopen();
    assert_eq!(fx.store().head().unwrap(), Some((8, all[7].hash)));
    let input = entries(8, 10);
    let stored = fx.store().append(&input).unwrap();
    assert_stored_as(&stored, &input, 8, all[7].hash);
    all.extend(stored);
    fx.reopen();
    assert_eq!(scan_all(fx.store(), 0), all);
    assert_intact(fx.store(), 10);
}

pub fn two_handles_share_one_journal(make: Make) {
    let mut fx = make();
    let mut other = fx.open_another();
    for i in 0..6 {
        let store: &mut dyn JournalStore = if i % 2 == 0 { fx.store() } else { &mut *other };
        let stored = store.append(&entries(i * 2, i * 2 + 2)).unwrap();
        assert_eq!(stored[0].seq, i as u64 * 2 + 1);
    }
    assert_eq!(scan_all(&*other, 0), scan_all(fx.store(), 0));
    assert_intact(fx.store(), 12);
}

pub fn failed_append_leaves_nothing(make: Make) {
    let mut fx = make();
    let first = fx.store().append(&entries(0, 2)).unwrap();
    fx.fail_inserts_of("BOOM");
    let mut batch = entries(2, 6);
    batch[2].doc_no = "BOOM".into();
    let err = fx.store().append(&batch).unwrap_err();
    assert!(!err.to_string().is_empty());
    assert_eq!(fx.store().head().unwrap(), Some((2, first[1].hash)));
    assert_eq!(scan_all(fx.store(), 0), first);
    fx.allow_all_inserts();
    let stored = fx.store().append(&batch).unwrap();
    assert_stored_as(&stored, &batch, 2, first[1].hash);
    assert_intact(fx.store(), 6);
}

pub fn scan_stops_at_callback_error(make: Make) {
    let mut fx = make();
    fx.store().append(&entries(0, 5)).unwrap();
    let mut seen = Vec::new();
    let res = fx.store().scan(0, &mut |e| {
        seen.push(e.seq);
        if e.seq == 2 {
            Err(StoreError::corrupt("停"))
        } else {
            Ok(())
        }
    });
    assert!(matches!(res, Err(StoreError::Corrupt { .. })));
    assert_eq!(seen, [1, 2]);
    // The store is still usable afterwards.
    fx.store().append(&entries(5, 6)).unwrap();
    assert_intact(fx.store(), 6);
}

pub fn snapshots_latest_replace_and_prune(make: Make) {
    let mut fx = make();
    let stored = fx.store().append(&entries(0, 30)).unwrap();
    let snap = |seq: u64, tag: &str| Snapshot {
        seq,
        head_hash: stored[seq as usize - 1].hash,
        state: format!("state@{seq}:{tag}").into_bytes(),
    };
    assert_eq!(SNAPSHOTS_KEPT, 3);
    for seq in [5, 10, 15, 20] {
        fx.store().save_snapshot(&snap(seq, "a")).unwrap();
        assert_eq!(fx.store().latest_snapshot().unwrap(), Some(snap(seq, "a")));
    }
    assert_eq!(fx.stored_snapshot_seqs(), [10, 15, 20]);
    // Same seq replaces.
    fx.store().save_snapshot(&snap(20, "b")).unwrap();
    assert_eq!(fx.store().latest_snapshot().unwrap(), Some(snap(20, "b")));
    assert_eq!(fx.stored_snapshot_seqs(), [10, 15, 20]);
    // An older one does not become the latest, and is pruned at once.
    fx.store().save_snapshot(&snap(1, "c")).unwrap();
    assert_eq!(fx.store().latest_snapshot().unwrap(), Some(snap(20, "b")));
    assert_eq!(fx.stored_snapshot_seqs(), [10, 15, 20]);
    fx.store().save_snapshot(&snap(25, "d")).unwrap();
    assert_eq!(fx.stored_snapshot_seqs(), [15, 20, 25]);
    fx.reopen();
    assert_eq!(fx.store().latest_snapshot().unwrap(), Some(snap(25, "d")));
    // Empty state is fine.
    let empty = Snapshot {
        seq: 30,
        head_hash: stored[29].hash,
        state: Vec::new(),
    };
    fx.store().save_snapshot(&empty).unwrap();
    assert_eq!(fx.store().latest_snapshot().unwrap(), Some(empty));
}

pub fn meta_round_trip(make: Make) {
    let mut fx = make();
    let store = fx.store();
    assert_eq!(store.get_meta("区划").unwrap(), None);
    store.set_meta("区划", "320900").unwrap();
    store.set_meta("名称", "盐城市").unwrap();
    assert_eq!(store.get_meta("区划").unwrap().as_deref(), Some("320900"));
    store.set_meta("区划", "320902").unwrap();
    assert_eq!(store.get_meta("区划").unwrap().as_deref(), Some("320902"));
    store.set_meta("空", "").unwrap();
    fx.reopen();
    let store = fx.store();
    assert_eq!(store.get_meta("区划").unwrap().as_deref(), Some("320902"));
    assert_eq!(store.get_meta("名称").unwrap().as_deref(), Some("盐城市"));
    assert_eq!(store.get_meta("空").unwrap().as_deref(), Some(""));
    assert_eq!(store.get_meta("区").unwrap(), None);
}

// ---- tampering ------------------------------------------------------------

/// A journal of 10 entries in two batches, verified intact.
fn tamper_setup(make: Make) -> (Box<dyn Fixture>, Vec<JournalEntry>) {
    let mut fx = make();
    let mut all = fx.store().append(&entries(0, 4)).unwrap();
    all.extend(fx.store().append(&entries(4, 10)).unwrap());
    assert_intact(fx.store(), 10);
    (fx, all)
}

pub fn tamper_payload_byte(make: Make) {
    let (mut fx, all) = tamper_setup(make);
    let mut payload = all[5].payload.clone();
    payload[40] ^= 0x01;
    fx.tamper(&Tamper::Payload { seq: 6, payload }, true)
        .unwrap();
    let reason = assert_broken(fx.store(), 6, &all[5].doc_no);
    assert!(reason.contains("哈希不符"), "{reason}");
}

pub fn tamper_doc_no(make: Make) {
    let (mut fx, _) = tamper_setup(make);
    let doc_no = "盐编〔2021〕99号".to_string();
    fx.tamper(
        &Tamper::DocNo {
            seq: 6,
            doc_no: doc_no.clone(),
        },
        true,
    )
    .unwrap();
    // The report names the entry as it is stored now.
    assert_broken(fx.store(), 6, &doc_no);
}

pub fn tamper_effective(make: Make) {
    let (mut fx, all) = tamper_setup(make);
    let text = (all[5].effective + chrono::Duration::days(1))
        .format("%Y-%m-%d")
        .to_string();
    fx.tamper(&Tamper::Effective { seq: 6, text }, true)
        .unwrap();
    assert_broken(fx.store(), 6, &all[5].doc_no);
}

pub fn tamper_effective_unreadable(make: Make) {
    let (mut fx, all) = tamper_setup(make);
    for text in ["2021-13-45", "2021-1-5", "明天", ""] {
        fx.tamper(
            &Tamper::Effective {
                seq: 6,
                text: text.into(),
            },
            true,
        )
        .unwrap();
        let reason = assert_broken(fx.store(), 6, &all[5].doc_no);
        assert!(reason.contains("无法解读"), "{reason}");
        // Scanning over it reports corrupt data rather than panicking.
        let err = fx.store().scan(0, &mut |_| Ok(())).unwrap_err();
        assert!(matches!(err, StoreError::Corrupt { .. }), "{err:?}");
    }
}

pub fn tamper_actor(make: Make) {
    let (mut fx, all) = tamper_setup(make);
    fx.tamper(
        &Tamper::Actor {
            seq: 6,
            actor: "王五".into(),
        },
        true,
    )
    .unwrap();
    assert_broken(fx.store(), 6, &all[5].doc_no);
}

pub fn tamper_recorded_at(make: Make) {
    let (mut fx, all) = tamper_setup(make);
    let micros = all[5].recorded_at.timestamp_micros() - 1;
    fx.tamper(&Tamper::RecordedAt { seq: 6, micros }, true)
        .unwrap();
    assert_broken(fx.store(), 6, &all[5].doc_no);
}

pub fn tamper_delete_middle_row(make: Make) {
    let (mut fx, _) = tamper_setup(make);
    fx.tamper(&Tamper::Delete { seq: 6 }, true).unwrap();
    let reason = assert_broken(fx.store(), 6, "");
    assert!(reason.contains("缺少第 6 条"), "{reason}");
}

pub fn tamper_swap_payloads(make: Make) {
    let (mut fx, all) = tamper_setup(make);
    fx.tamper(&Tamper::SwapPayloads { a: 4, b: 8 }, true)
        .unwrap();
    assert_eq!(get(fx.store(), 4).payload, all[7].payload);
    assert_broken(fx.store(), 4, &all[3].doc_no);
}

pub fn tamper_prev_hash(make: Make) {
    let (mut fx, all) = tamper_setup(make);
    fx.tamper(
        &Tamper::PrevHash {
            seq: 6,
            hash: all[3].hash,
        },
        true,
    )
    .unwrap();
    let reason = assert_broken(fx.store(), 6, &all[5].doc_no);
    assert!(reason.contains("链接断开"), "{reason}");
}

pub fn tamper_hash_column(make: Make) {
    let (mut fx, all) = tamper_setup(make);
    let mut hash = all[9].hash;
    hash[0] ^= 0x80;
    fx.tamper(&Tamper::Hash { seq: 10, hash }, true).unwrap();
    assert_broken(fx.store(), 10, &all[9].doc_no);
}

/// Someone who edits an entry and recomputes its hash breaks the link from the
/// next entry, and (the fixtures sign with the test key) the entry's own
/// signature.
pub fn tamper_rewrite_with_recomputed_hash(make: Make) {
    let (mut fx, all) = tamper_setup(make);
    let e = &all[5];
    let payload = br#"{"kind":"adjust_quota","delta":1000}"#.to_vec();
    let hash = entry_hash(
        &e.prev_hash,
        e.seq,
        &e.doc_no,
        e.effective,
        e.recorded_at,
        &e.actor,
        &payload,
    );
    fx.tamper(&Tamper::Payload { seq: 6, payload }, true)
        .unwrap();
    fx.tamper(&Tamper::Hash { seq: 6, hash }, true).unwrap();
    let reason = assert_broken(fx.store(), 6, &all[5].doc_no);
    assert!(reason.contains("密钥签名不符"), "{reason}");
    // Without the signature the next entry's link gives it away.
    fx.tamper(&Tamper::Mac { seq: 6, mac: None }, true).unwrap();
    let reason = assert_broken(fx.store(), 6, &all[5].doc_no);
    assert!(reason.contains("没有密钥签名"), "{reason}");
    for seq in 1..=10 {
        fx.tamper(&Tamper::Mac { seq, mac: None }, true).unwrap();
    }
    let reason = assert_broken(fx.store(), 7, &all[6].doc_no);
    assert!(reason.contains("链接断开"), "{reason}");
}

pub fn guard_refuses_update_and_delete(make: Make) {
    let (mut fx, all) = tamper_setup(make);
    for t in [
        Tamper::Payload {
            seq: 6,
            payload: b"{}".to_vec(),
        },
        Tamper::DocNo {
            seq: 6,
            doc_no: "x".into(),
        },
        Tamper::RecordedAt { seq: 6, micros: 0 },
        Tamper::Delete { seq: 6 },
        Tamper::Delete { seq: 10 },
        Tamper::SwapPayloads { a: 1, b: 2 },
    ] {
        assert!(fx.tamper(&t, false).is_err(), "{t:?} was allowed");
    }
    assert_eq!(scan_all(fx.store(), 0), all);
    assert_intact(fx.store(), 10);
}

// ---- property -------------------------------------------------------------

fn arb_entry() -> impl Strategy<Value = NewEntry> {
    use chrono::{DateTime, Datelike, NaiveDate, Utc};
    let days = NaiveDate::MIN.num_days_from_ce()..=NaiveDate::MAX.num_days_from_ce();
    let micros =
        DateTime::<Utc>::MIN_UTC.timestamp_micros()..=DateTime::<Utc>::MAX_UTC.timestamp_micros();
    let near_now = 1_500_000_000_000_000i64..2_000_000_000_000_000;
    (
        // Any text but NUL, which no backend stores (see `text_with_nul_is_refused`).
        any::<String>().prop_map(|s| s.replace('\0', "")),
        prop_oneof![days, 700_000..=750_000i32],
        prop_oneof![micros, near_now],
        "\\PC{0,8}",
        proptest::collection::vec(any::<u8>(), 0..400),
    )
        .prop_map(|(doc_no, day, micros, actor, payload)| NewEntry {
            doc_no,
            effective: NaiveDate::from_num_days_from_ce_opt(day).unwrap(),
            recorded_at: DateTime::from_timestamp_micros(micros).unwrap(),
            actor,
            payload,
        })
}

pub fn random_batches_round_trip(make: Make) {
    let batches = proptest::collection::vec(proptest::collection::vec(arb_entry(), 0..12), 1..5);
    let mut runner = TestRunner::new(Config {
        cases: 24,
        failure_persistence: None,
        ..Config::default()
    });
    runner
        .run(&batches, |batches| {
            let mut fx = make();
            let store = fx.store();
            let mut all = Vec::new();
            for batch in &batches {
                let (prev_seq, prev_hash) = store.head().unwrap().unwrap_or((0, GENESIS_HASH));
                let stored = store.append(batch).unwrap();
                assert_stored_as(&stored, batch, prev_seq, prev_hash);
                all.extend(stored);
            }
            prop_assert_eq!(&scan_all(store, 0), &all);
            let expected = VerifyReport::Intact {
                entries: all.len() as u64,
                head: all.last().map_or(GENESIS_HASH, |e| e.hash),
            };
            prop_assert_eq!(store.verify().unwrap(), expected);
            Ok(())
        })
        .unwrap();
}

// ---- several writers ------------------------------------------------------

/// `append_at` appends only on the head the caller expects; of two handles
/// that read the same head, the second is refused and writes nothing.
pub fn append_at_refuses_a_moved_head(make: Make) {
    let mut fx = make();
    let mut other = fx.open_another();
    let first = fx.store().append_at(0, &entries(0, 2)).unwrap();
    assert_stored_as(&first, &entries(0, 2), 0, GENESIS_HASH);
    // `other` still believes the journal is empty.
    let err = other.append_at(0, &entries(2, 3)).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::HeadMoved {
                expected: 0,
                found: 2
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("其他服务器已先登记"), "{err}");
    // Ahead of the head is refused too.
    assert!(matches!(
        other.append_at(5, &entries(2, 3)).unwrap_err(),
        StoreError::HeadMoved { .. }
    ));
    assert_eq!(scan_all(&*other, 0), first);
    let more = other.append_at(2, &entries(2, 4)).unwrap();
    assert_stored_as(&more, &entries(2, 4), 2, first[1].hash);
    assert!(fx.store().append_at(2, &entries(4, 5)).is_err());
    fx.store().append_at(4, &entries(4, 5)).unwrap();
    assert_eq!(other.append_at(4, &[]).unwrap(), vec![]);
    assert_intact(fx.store(), 5);
}

/// A NUL character in a text field is refused before anything is written, on
/// every backend alike (PostgreSQL text cannot hold it).
pub fn text_with_nul_is_refused(make: Make) {
    let mut fx = make();
    fx.store().append(&entries(0, 1)).unwrap();
    for field in ["doc_no", "actor"] {
        let mut batch = entries(1, 3);
        match field {
            "doc_no" => batch[1].doc_no = "盐编\0〔2021〕1号".into(),
            _ => batch[1].actor = "张\0三".into(),
        }
        let err = fx.store().append(&batch).unwrap_err();
        assert!(matches!(err, StoreError::InvalidEntry(_)), "{err:?}");
        assert!(err.to_string().contains("空字符"), "{err}");
    }
    assert_intact(fx.store(), 1);
}
