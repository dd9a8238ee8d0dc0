//! The SQLite backend: its fixture and the tests that only make sense for it.

use std::path::{Path, PathBuf};
use std::time::Duration;

use bianzhi_store::{JournalStore, SqliteStore, StoreError, VerifyReport};
use rusqlite::{params, Connection};
use tempfile::TempDir;

use crate::fixture::*;

/// A journal in a file in a temporary directory.
pub struct SqliteFixture {
    _dir: TempDir,
    path: PathBuf,
    store: Option<SqliteStore>,
}

impl SqliteFixture {
    pub fn new() -> Self {
        install_key();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("台账.db");
        let store = SqliteStore::open(&path).unwrap();
        SqliteFixture {
            _dir: dir,
            path,
            store: Some(store),
        }
    }

    pub fn boxed() -> Box<dyn Fixture> {
        Box::new(Self::new())
    }

    /// A plain connection to the file, as any SQLite tool would open.
    fn raw(&self) -> Connection {
        let c = Connection::open(&self.path).unwrap();
        c.busy_timeout(Duration::from_secs(5)).unwrap();
        c
    }
}

const DROP_GUARD: &str = "
    DROP TRIGGER IF EXISTS journal_no_update;
    DROP TRIGGER IF EXISTS journal_no_delete;
    DROP TRIGGER IF EXISTS journal_append_in_order;
";

impl Fixture for SqliteFixture {
    fn store(&mut self) -> &mut dyn JournalStore {
        self.store.as_mut().unwrap()
    }

    fn reopen(&mut self) {
        self.store = None;
        self.store = Some(SqliteStore::open(&self.path).unwrap());
    }

    fn open_another(&self) -> Box<dyn JournalStore> {
        Box::new(SqliteStore::open(&self.path).unwrap())
    }

    fn fail_inserts_of(&mut self, doc_no: &str) {
        let quoted = doc_no.replace('\'', "''");
        self.raw()
            .execute_batch(&format!(
                "CREATE TRIGGER test_injected_failure BEFORE INSERT ON journal \
                 WHEN NEW.doc_no = '{quoted}' \
                 BEGIN SELECT RAISE(ABORT, 'injected failure'); END;"
            ))
            .unwrap();
    }

    fn allow_all_inserts(&mut self) {
        self.raw()
            .execute_batch("DROP TRIGGER IF EXISTS test_injected_failure")
            .unwrap();
    }

    fn tamper(&mut self, t: &Tamper, drop_guard: bool) -> Result<(), String> {
        let mut c = self.raw();
        if drop_guard {
            c.execute_batch(DROP_GUARD).unwrap();
        }
        let set = |c: &Connection, column: &str, seq: u64, value: &dyn rusqlite::ToSql| {
            let n = c.execute(
                &format!("UPDATE journal SET {column} = ?1 WHERE seq = ?2"),
                params![value, seq as i64],
            )?;
            assert_eq!(n, 1, "no entry {seq}");
            Ok::<_, rusqlite::Error>(())
        };
        let res = match t {
            Tamper::Payload { seq, payload } => set(&c, "payload", *seq, payload),
            Tamper::DocNo { seq, doc_no } => set(&c, "doc_no", *seq, doc_no),
            Tamper::Effective { seq, text } => set(&c, "effective", *seq, text),
            Tamper::Actor { seq, actor } => set(&c, "actor", *seq, actor),
            Tamper::RecordedAt { seq, micros } => set(&c, "recorded_at", *seq, micros),
            Tamper::PrevHash { seq, hash } => set(&c, "prev_hash", *seq, hash),
            Tamper::Hash { seq, hash } => set(&c, "hash", *seq, hash),
            Tamper::Delete { seq } => c
                .execute("DELETE FROM journal WHERE seq = ?1", [*seq as i64])
                .map(|n| assert_eq!(n, 1)),
            Tamper::DeleteFrom { seq } => c
                .execute("DELETE FROM journal WHERE seq >= ?1", [*seq as i64])
                .map(|n| assert!(n > 0)),
            Tamper::Mac { seq, mac } => set(&c, "mac", *seq, mac),
            Tamper::Insert { entry: e } => c
                .execute(
                    "INSERT INTO journal (seq, doc_no, effective, recorded_at, actor, payload, \
                     prev_hash, hash) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
                    params![
                        e.seq as i64,
                        e.doc_no,
                        e.effective.format("%Y-%m-%d").to_string(),
                        e.recorded_at.timestamp_micros(),
                        e.actor,
                        e.payload,
                        e.prev_hash,
                        e.hash
                    ],
                )
                .map(drop),
            Tamper::SnapshotHead { seq, hash } => c
                .execute(
                    "UPDATE snapshot SET head_hash = ?1 WHERE seq = ?2",
                    params![hash, *seq as i64],
                )
                .map(|n| assert_eq!(n, 1)),
            Tamper::SwapPayloads { a, b } => (|| {
                let tx = c.transaction()?;
                let get = |seq: u64| {
                    tx.query_row(
                        "SELECT payload FROM journal WHERE seq = ?1",
                        [seq as i64],
                        |r| r.get::<_, Vec<u8>>(0),
                    )
                };
                let (pa, pb) = (get(*a)?, get(*b)?);
                set(&tx, "payload", *a, &pb)?;
                set(&tx, "payload", *b, &pa)?;
                tx.commit()
            })(),
        };
        res.map_err(|e| e.to_string())
    }

    fn stored_snapshot_seqs(&mut self) -> Vec<u64> {
        let c = self.raw();
        let mut stmt = c.prepare("SELECT seq FROM snapshot ORDER BY seq").unwrap();
        let seqs = stmt
            .query_map([], |r| r.get::<_, i64>(0))
            .unwrap()
            .map(|s| s.unwrap() as u64)
            .collect();
        seqs
    }
}

fn intact_entries(store: &dyn JournalStore) -> u64 {
    match store.verify().unwrap() {
        VerifyReport::Intact { entries, .. } => entries,
        broken => panic!("{broken:?}"),
    }
}

#[test]
fn in_memory_store() {
    let mut store = SqliteStore::open_in_memory().unwrap();
    let stored = store.append(&entries(0, 3)).unwrap();
    assert_eq!(scan_all(&store, 0), stored);
    store.set_meta("k", "v").unwrap();
    assert_eq!(store.get_meta("k").unwrap().as_deref(), Some("v"));
    assert_eq!(intact_entries(&store), 3);
}

#[test]
fn store_is_send() {
    fn send<T: Send>(_: T) {}
    send(SqliteStore::open_in_memory().unwrap());
}

#[test]
fn open_creates_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("new.db");
    assert!(!path.exists());
    drop(SqliteStore::open(&path).unwrap());
    assert!(path.exists());
}

#[test]
fn open_in_missing_directory_fails_in_chinese() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("没有这个目录").join("j.db");
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::Open { .. }), "{err:?}");
    let shown = err.to_string();
    assert!(shown.starts_with("无法打开数据库文件"), "{shown}");
    assert!(shown.contains("没有这个目录"), "{shown}");
}

#[test]
fn garbage_file_is_not_a_database() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("j.db");
    std::fs::write(&path, "这不是数据库".repeat(400)).unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(matches!(err, StoreError::NotADatabase(_)), "{err:?}");
    assert_eq!(err.to_string(), "文件不是有效的台账数据库");
}

#[test]
fn newer_schema_is_refused() {
    let fx = SqliteFixture::new();
    let path = fx.path.clone();
    drop(fx.store);
    fx_raw(&path)
        .pragma_update(None, "user_version", 7)
        .unwrap();
    let err = SqliteStore::open(&path).unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::SchemaTooNew {
                found: 7,
                supported: 2
            }
        ),
        "{err:?}"
    );
    assert!(err.to_string().contains("请升级程序"));
}

fn fx_raw(path: &Path) -> Connection {
    Connection::open(path).unwrap()
}

#[test]
fn busy_database_is_reported() {
    let mut fx = SqliteFixture::new();
    let raw = fx.raw();
    raw.execute_batch("BEGIN IMMEDIATE").unwrap();
    let store = fx.store.as_mut().unwrap();
    store.set_busy_timeout(Duration::from_millis(50)).unwrap();
    let err = store.append(&entries(0, 2)).unwrap_err();
    assert!(err.is_busy(), "{err:?}");
    assert_eq!(err.to_string(), "数据库被其他进程占用，请稍后重试");
    raw.execute_batch("ROLLBACK").unwrap();
    store.append(&entries(0, 2)).unwrap();
    assert_eq!(intact_entries(store), 2);
}

/// `INSERT OR REPLACE` would delete the old row without firing the delete
/// trigger; the insert trigger refuses it, and any insert out of order.
#[test]
fn guard_refuses_replace_and_out_of_order_inserts() {
    let mut fx = SqliteFixture::new();
    let all = fx.store().append(&entries(0, 5)).unwrap();
    let raw = fx.raw();
    let insert = |verb: &str, seq: i64| {
        let e = &all[1];
        raw.execute(
            &format!(
                "{verb} INTO journal (seq, doc_no, effective, recorded_at, actor, payload, \
                 prev_hash, hash) VALUES (?1, ?2, '2021-01-01', 0, ?3, ?4, ?5, ?6)"
            ),
            params![seq, e.doc_no, e.actor, b"{}".to_vec(), e.prev_hash, e.hash],
        )
    };
    assert!(insert("INSERT OR REPLACE", 2).is_err());
    assert!(insert("REPLACE", 5).is_err());
    assert!(insert("INSERT", 7).is_err());
    assert!(insert("INSERT", 0).is_err());
    assert!(insert("INSERT", -1).is_err());
    assert_eq!(scan_all(fx.store(), 0), all);
    assert_eq!(intact_entries(fx.store()), 5);
}

/// With the guard dropped, a row slipped in before the first entry is reported.
#[test]
fn row_with_non_positive_seq_is_reported() {
    let mut fx = SqliteFixture::new();
    let all = fx.store().append(&entries(0, 3)).unwrap();
    let raw = fx.raw();
    raw.execute_batch(DROP_GUARD).unwrap();
    let e = &all[0];
    raw.execute(
        "INSERT INTO journal VALUES (0, ?1, '2021-01-01', 0, ?2, ?3, ?4, ?5, NULL)",
        params![e.doc_no, e.actor, e.payload, e.prev_hash, e.hash],
    )
    .unwrap();
    match fx.store().verify().unwrap() {
        VerifyReport::Broken { seq, reason, .. } => {
            assert_eq!(seq, 0);
            assert!(reason.contains("不合法"), "{reason}");
        }
        intact => panic!("{intact:?}"),
    }
}

/// Editing the database file's bytes directly (no SQL at all) is detected.
#[test]
fn file_byte_edit_is_detected() {
    let fx = SqliteFixture::new();
    let path = fx.path.clone();
    let mut store = fx.store.unwrap();
    let mut batch = entries(0, 12);
    for (i, e) in batch.iter_mut().enumerate() {
        e.payload = format!(r#"{{"marker":"MARK-{i:04}-END","n":{i}}}"#).into_bytes();
    }
    let all = store.append(&batch).unwrap();
    // Closing the last connection checkpoints the WAL into the main file.
    drop(store);
    let wal = PathBuf::from(format!("{}-wal", path.display()));
    assert!(!wal.exists() || std::fs::metadata(&wal).unwrap().len() == 0);

    let mut bytes = std::fs::read(&path).unwrap();
    let needle = b"MARK-0007-END";
    let hits: Vec<usize> = bytes
        .windows(needle.len())
        .enumerate()
        .filter(|(_, w)| w == needle)
        .map(|(i, _)| i)
        .collect();
    assert_eq!(hits.len(), 1);
    bytes[hits[0] + 8] = b'8'; // MARK-0008-END, same length
    std::fs::write(&path, bytes).unwrap();

    let store = SqliteStore::open(&path).unwrap();
    let reason = assert_broken(&store, 8, &all[7].doc_no);
    assert!(reason.contains("哈希不符"), "{reason}");
}

/// An append that returned is in the database even if the process dies
/// without closing it (no clean shutdown, no checkpoint).
#[test]
fn acknowledged_append_survives_unclean_exit() {
    let fx = SqliteFixture::new();
    let path = fx.path.clone();
    let mut store = fx.store.unwrap();
    let all = store.append(&entries(0, 7)).unwrap();
    std::mem::forget(store);
    // A plain reader sees it through the WAL...
    let n: i64 = fx_raw(&path)
        .query_row("SELECT count(*) FROM journal", [], |r| r.get(0))
        .unwrap();
    assert_eq!(n, 7);
    // ...and so does a new store.
    let store = SqliteStore::open(&path).unwrap();
    assert_eq!(scan_all(&store, 0), all);
    assert_eq!(intact_entries(&store), 7);
    drop(fx._dir);
}

#[test]
fn errors_do_not_show_sql() {
    let mut fx = SqliteFixture::new();
    fx.fail_inserts_of("BOOM");
    let mut batch = entries(0, 2);
    batch[1].doc_no = "BOOM".into();
    let err = fx.store().append(&batch).unwrap_err();
    let shown = err.to_string();
    assert_eq!(shown, "数据库读写失败");
    let source = std::error::Error::source(&err).unwrap().to_string();
    assert!(source.contains("injected failure"), "{source}");
}
