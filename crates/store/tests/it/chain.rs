//! What the plain SM3 chain cannot see and the keyed one must (audit §3): the
//! newest entries deleted, a history rewritten with every later hash
//! recomputed, a forged entry appended, a snapshot whose head does not match
//! the chain, and a checkpoint that was edited. Run on every backend, with the
//! test process's key installed (see [`install_key`]) and a head file in a
//! temporary directory, as `bianzhi serve` keeps them apart from the database.

use bianzhi_store::{entry_hash, HeadFile, JournalEntry, Snapshot, VerifyReport};
use tempfile::TempDir;

use crate::fixture::*;

macro_rules! chain_tests {
    ($make:path, $enabled:path; $($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                if $enabled() {
                    crate::chain::$name(&$make)
                }
            }
        )*
    };
}

/// A journal of 20 signed entries (a batch of 10, then 10 single appends)
/// with its head recorded in a head file.
fn signed_setup(make: Make) -> (Box<dyn Fixture>, Vec<JournalEntry>, TempDir) {
    let mut fx = make();
    let dir = tempfile::tempdir().unwrap();
    fx.store()
        .set_head_file(Some(HeadFile::new(dir.path().join("ledger.head"))));
    let mut all = fx.store().append(&entries(0, 10)).unwrap();
    for i in 10..20 {
        all.extend(fx.store().append(&entries(i, i + 1)).unwrap());
    }
    let (report, notes) = fx.store().verify_chain().unwrap();
    assert_eq!(
        report,
        VerifyReport::Intact {
            entries: 20,
            head: all[19].hash
        }
    );
    assert_eq!((notes.signed, notes.unsigned), (20, 0), "{notes:?}");
    assert_eq!(notes.checkpoint, Some(20), "{notes:?}");
    (fx, all, dir)
}

/// `verify` is broken at `seq` with a reason containing `what`.
#[track_caller]
fn assert_broken_with(fx: &mut Box<dyn Fixture>, seq: u64, what: &str) -> String {
    match fx.store().verify().unwrap() {
        VerifyReport::Broken { seq: s, reason, .. } => {
            assert_eq!(s, seq, "{reason}");
            assert!(reason.contains(what), "{reason}");
            assert!(reason.contains(&format!("第 {seq} 条")), "{reason}");
            reason
        }
        intact => panic!("expected a broken journal at {seq} ({what}), got {intact:?}"),
    }
}

/// §3 (a): the last matter deleted behind the triggers.
pub fn deleting_the_last_entry_is_detected(make: Make) {
    let (mut fx, _, _dir) = signed_setup(make);
    fx.tamper(&Tamper::DeleteFrom { seq: 20 }, true).unwrap();
    let reason = assert_broken_with(&mut fx, 20, "末尾的记录被删除");
    assert!(reason.contains("只有 19 条"), "{reason}");
}

/// §3 (b): the last ten matters deleted.
pub fn deleting_the_last_ten_entries_is_detected(make: Make) {
    let (mut fx, _, _dir) = signed_setup(make);
    fx.tamper(&Tamper::DeleteFrom { seq: 11 }, true).unwrap();
    let reason = assert_broken_with(&mut fx, 20, "末尾的记录被删除");
    assert!(reason.contains("只有 10 条"), "{reason}");
}

/// Rewrites entry 5's effective date and recomputes every later hash with
/// plain SM3, as anyone holding the database can.
fn rewrite_from_5(fx: &mut Box<dyn Fixture>, all: &[JournalEntry]) {
    let mut prev = all[3].hash;
    for (i, e) in all.iter().enumerate().skip(4) {
        let effective = if i == 4 {
            e.effective + chrono::Duration::days(200)
        } else {
            e.effective
        };
        let hash = entry_hash(
            &prev,
            e.seq,
            &e.doc_no,
            effective,
            e.recorded_at,
            &e.actor,
            &e.payload,
        );
        if i == 4 {
            let text = effective.format("%Y-%m-%d").to_string();
            fx.tamper(&Tamper::Effective { seq: e.seq, text }, true)
                .unwrap();
        }
        fx.tamper(
            &Tamper::PrevHash {
                seq: e.seq,
                hash: prev,
            },
            true,
        )
        .unwrap();
        fx.tamper(&Tamper::Hash { seq: e.seq, hash }, true).unwrap();
        prev = hash;
    }
}

/// §3 (c): a matter's effective date changed and the later hashes recomputed
/// with plain SM3: the signatures no longer match.
pub fn rewritten_history_with_recomputed_hashes_is_detected(make: Make) {
    let (mut fx, all, _dir) = signed_setup(make);
    rewrite_from_5(&mut fx, &all);
    assert_broken_with(&mut fx, 5, "密钥签名不符");
}

/// §3 (c), with the signatures removed too (so the journal looks as if it had
/// been written before any key): the checkpoint still has the old head.
pub fn rewritten_history_without_signatures_is_detected(make: Make) {
    let (mut fx, all, _dir) = signed_setup(make);
    rewrite_from_5(&mut fx, &all);
    for seq in 1..=20 {
        fx.tamper(&Tamper::Mac { seq, mac: None }, true).unwrap();
    }
    assert_broken_with(&mut fx, 20, "链头检查点");
}

/// A forged matter appended with a correct plain hash: no signature, or one
/// made up.
pub fn forged_appended_entry_is_detected(make: Make) {
    let (mut fx, all, _dir) = signed_setup(make);
    let e = entry(20);
    let hash = entry_hash(
        &all[19].hash,
        21,
        &e.doc_no,
        e.effective,
        e.recorded_at,
        &e.actor,
        &e.payload,
    );
    let forged = JournalEntry {
        seq: 21,
        doc_no: e.doc_no,
        effective: e.effective,
        recorded_at: e.recorded_at,
        actor: e.actor,
        payload: e.payload,
        prev_hash: all[19].hash,
        hash,
    };
    fx.tamper(&Tamper::Insert { entry: forged }, true).unwrap();
    assert_broken_with(&mut fx, 21, "没有密钥签名");
    fx.tamper(
        &Tamper::Mac {
            seq: 21,
            mac: Some(vec![7; 32]),
        },
        true,
    )
    .unwrap();
    assert_broken_with(&mut fx, 21, "密钥签名不符");
}

/// §3: every stored snapshot's head hash is compared with the chain, and a
/// snapshot beyond the journal's end shows the end was cut (with no key and
/// no checkpoint needed).
pub fn snapshot_heads_are_compared_with_the_chain(make: Make) {
    let mut fx = make();
    let all = fx.store().append(&entries(0, 12)).unwrap();
    for seq in [4, 12] {
        fx.store()
            .save_snapshot(&Snapshot {
                seq,
                head_hash: all[seq as usize - 1].hash,
                state: b"state".to_vec(),
            })
            .unwrap();
    }
    let (report, notes) = fx.store().verify_chain().unwrap();
    assert!(matches!(report, VerifyReport::Intact { .. }), "{report:?}");
    assert_eq!(notes.snapshots, 2);

    let mut wrong = all[3].hash;
    wrong[0] ^= 1;
    fx.tamper(
        &Tamper::SnapshotHead {
            seq: 4,
            hash: wrong,
        },
        true,
    )
    .unwrap();
    assert_broken_with(&mut fx, 4, "快照");
    fx.tamper(
        &Tamper::SnapshotHead {
            seq: 4,
            hash: all[3].hash,
        },
        true,
    )
    .unwrap();
    assert_intact(fx.store(), 12);

    fx.tamper(&Tamper::DeleteFrom { seq: 11 }, true).unwrap();
    let reason = assert_broken_with(&mut fx, 12, "快照");
    assert!(reason.contains("末尾的事项被删除"), "{reason}");
}

/// The checkpoint is signed: editing it (here: moving it back before a tail
/// deletion) is reported, not trusted. A chain longer than its checkpoint (a
/// crash after the commit, another server's appends) is fine.
pub fn checkpoint_is_signed_and_may_lag(make: Make) {
    let (mut fx, all, dir) = signed_setup(make);
    let path = dir.path().join("ledger.head");
    // Appended through a handle without the head file: the checkpoint lags.
    let mut other = fx.open_another();
    other.append(&entries(20, 22)).unwrap();
    let (report, notes) = fx.store().verify_chain().unwrap();
    assert!(
        matches!(report, VerifyReport::Intact { entries: 22, .. }),
        "{report:?}"
    );
    assert_eq!(notes.checkpoint, Some(20));

    let text = std::fs::read_to_string(&path).unwrap();
    let edited = text.replace(
        &format!("journal 20 {}", hex(&all[19].hash)),
        &format!("journal 10 {}", hex(&all[9].hash)),
    );
    assert_ne!(edited, text);
    std::fs::write(&path, edited).unwrap();
    fx.tamper(&Tamper::DeleteFrom { seq: 11 }, true).unwrap();
    match fx.store().verify().unwrap() {
        VerifyReport::Broken { seq: 0, reason, .. } => {
            assert!(reason.contains("链头检查点文件"), "{reason}");
            assert!(reason.contains("签名不符"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}
