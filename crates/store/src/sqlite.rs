//! The embedded SQLite backend.

use std::path::Path;
use std::time::Duration;

use chrono::Utc;
use rusqlite::types::ValueRef;
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use crate::chain::{
    appended, decode_entry, link, stored_head, ChainNotes, Hash, JournalVerifier, RawEntry,
};
use crate::head::HeadFile;
use crate::SNAPSHOTS_KEPT;
use crate::{
    AuditEntry, JournalEntry, JournalStore, NewAudit, NewEntry, Snapshot, StoreError, VerifyReport,
};

/// The database file a connection has open (`None` in memory): the
/// [`JournalStore::location`] and `AuditStore::location` of SQLite.
pub(crate) fn file_location(conn: &Connection) -> Option<String> {
    conn.path()
        .filter(|p| !p.is_empty())
        .map(|p| format!("sqlite:{p}"))
}

/// Version of the schema below, kept in `PRAGMA user_version`.
const SCHEMA_VERSION: i64 = 2;

/// Default time to wait for another connection's write lock.
const BUSY_TIMEOUT: Duration = Duration::from_millis(5000);

/// Schema version 1. The triggers make the journal append-only for anyone going
/// through SQLite without first dropping them: rows can be neither updated nor
/// deleted, and an insert must carry the next sequence number (which also rules
/// out `INSERT OR REPLACE` over an existing row, whose implicit delete would not
/// fire the delete trigger).
const SCHEMA_V1: &str = "
CREATE TABLE journal (
    seq         INTEGER PRIMARY KEY,
    doc_no      TEXT    NOT NULL,
    effective   TEXT    NOT NULL,
    recorded_at INTEGER NOT NULL, -- microseconds since the Unix epoch
    actor       TEXT    NOT NULL,
    payload     BLOB    NOT NULL,
    prev_hash   BLOB    NOT NULL,
    hash        BLOB    NOT NULL
);
CREATE TRIGGER journal_append_in_order BEFORE INSERT ON journal
WHEN NEW.seq IS NOT (SELECT IFNULL(MAX(seq), 0) + 1 FROM journal)
BEGIN
    SELECT RAISE(ABORT, '台账流水只能按序号依次追加');
END;
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
BEGIN
    SELECT RAISE(ABORT, '台账流水只能追加，不能修改');
END;
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
BEGIN
    SELECT RAISE(ABORT, '台账流水只能追加，不能删除');
END;
CREATE TABLE snapshot (
    seq        INTEGER PRIMARY KEY,
    head_hash  BLOB    NOT NULL,
    state      BLOB    NOT NULL,
    created_at INTEGER NOT NULL -- microseconds since the Unix epoch
);
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
PRAGMA user_version = 1;
";

/// Schema version 2: each entry's keyed signature (NULL when written without
/// a key; see `chain.rs`).
const SCHEMA_V2: &str = "
ALTER TABLE journal ADD COLUMN mac BLOB;
PRAGMA user_version = 2;
";

const INSERT_ENTRY: &str = "INSERT INTO journal \
     (seq, doc_no, effective, recorded_at, actor, payload, prev_hash, hash, mac) \
     VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)";
const SELECT_HEAD: &str = "SELECT seq, hash FROM journal ORDER BY seq DESC LIMIT 1";
const SELECT_ENTRIES_AFTER: &str = "SELECT seq, doc_no, effective, recorded_at, actor, \
     payload, prev_hash, hash FROM journal WHERE seq > ?1 ORDER BY seq";
const SELECT_ALL_ENTRIES: &str = "SELECT seq, doc_no, effective, recorded_at, actor, \
     payload, prev_hash, hash, mac FROM journal ORDER BY seq";

/// The journal in a SQLite database file (WAL mode, `synchronous=FULL`).
///
/// Several `SqliteStore`s, in one process or several, may share a file: each
/// `append` takes the write lock for its whole transaction, and a writer waits
/// up to the busy timeout (5 s by default) before failing with
/// [`StoreError::Busy`].
#[derive(Debug)]
pub struct SqliteStore {
    conn: Connection,
    heads: Option<HeadFile>,
}

/// Opens a database file readable by its owner only (0600, like the key
/// beside it: it holds names and the audit trail). A new file is created so;
/// an existing one is narrowed to it. SQLite gives its `-wal` and `-shm`
/// files the database file's permissions.
pub(crate) fn open_private(path: &Path) -> Result<Connection, StoreError> {
    let failed = |e: std::io::Error| StoreError::Open {
        path: path.to_owned(),
        source: rusqlite::Error::SqliteFailure(
            rusqlite::ffi::Error::new(rusqlite::ffi::SQLITE_CANTOPEN),
            Some(e.to_string()),
        ),
    };
    #[cfg(unix)]
    {
        use std::os::unix::fs::{OpenOptionsExt, PermissionsExt};
        let in_memory = path.as_os_str().is_empty() || path == Path::new(":memory:");
        if !in_memory {
            // Only a new file is opened (and closed) here: closing a
            // descriptor of a file drops every POSIX lock this process
            // holds on it, and the other connections of the process would
            // lose the shared lock that tells another process closing its
            // last connection not to checkpoint and delete the WAL under
            // them.
            match std::fs::OpenOptions::new()
                .write(true)
                .create_new(true)
                .mode(0o600)
                .open(path)
            {
                Ok(_) => {}
                Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {}
                Err(e) => return Err(failed(e)),
            }
            for suffix in ["", "-wal", "-shm"] {
                let mut p = path.as_os_str().to_owned();
                p.push(suffix);
                let p = std::path::PathBuf::from(p);
                if let Ok(m) = std::fs::metadata(&p) {
                    if m.permissions().mode() & 0o077 != 0 {
                        std::fs::set_permissions(&p, std::fs::Permissions::from_mode(0o600))
                            .map_err(failed)?;
                    }
                }
            }
        }
    }
    Connection::open(path).map_err(|source| StoreError::Open {
        path: path.to_owned(),
        source,
    })
}

impl SqliteStore {
    /// Opens the journal database at `path`, creating the file and its schema
    /// if missing.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::init(open_private(path)?)
    }

    /// A fresh journal held in memory only (for tests and demos).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    /// How long a write waits for another connection's lock before failing
    /// with [`StoreError::Busy`] (5 s unless changed).
    pub fn set_busy_timeout(&self, timeout: Duration) -> Result<(), StoreError> {
        self.conn.busy_timeout(timeout)?;
        Ok(())
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(BUSY_TIMEOUT)?;
        // Returns the resulting mode: "wal", or "memory" for an in-memory
        // database. Either way durability comes from synchronous=FULL.
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        conn.set_prepared_statement_cache_capacity(32);
        migrate(&mut conn)?;
        Ok(SqliteStore { conn, heads: None })
    }
}

fn user_version(conn: &Connection) -> Result<i64, StoreError> {
    Ok(conn.query_row("PRAGMA user_version", [], |r| r.get(0))?)
}

/// Brings the schema to [`SCHEMA_VERSION`], refusing databases from the future.
fn migrate(conn: &mut Connection) -> Result<(), StoreError> {
    let check = |found: i64| -> Result<bool, StoreError> {
        match found {
            SCHEMA_VERSION => Ok(true),
            0 | 1 => Ok(false),
            v if v > SCHEMA_VERSION => Err(StoreError::SchemaTooNew {
                found: v,
                supported: SCHEMA_VERSION,
            }),
            v => Err(StoreError::corrupt(format!("数据库结构版本 {v} 不合法"))),
        }
    };
    if check(user_version(conn)?)? {
        return Ok(());
    }
    // Another process may be creating the schema at the same moment: decide
    // again under the write lock.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = user_version(&tx)?;
    if !check(found)? {
        if found == 0 {
            tx.execute_batch(SCHEMA_V1)?;
        }
        tx.execute_batch(SCHEMA_V2)?;
    }
    tx.commit()?;
    Ok(())
}

/// A journal row; its signature too when the row has a ninth column.
fn read_entry(row: &Row<'_>) -> rusqlite::Result<RawEntry> {
    let seq: i64 = row.get(0)?;
    let doc_no = match row.get_ref(1)? {
        ValueRef::Text(t) => String::from_utf8_lossy(t).into_owned(),
        _ => String::new(),
    };
    let cols = [
        row.get_ref(1)?,
        row.get_ref(2)?,
        row.get_ref(3)?,
        row.get_ref(4)?,
        row.get_ref(5)?,
        row.get_ref(6)?,
        row.get_ref(7)?,
    ];
    // SQLite does not hold a column to its declared type: what is not of
    // the type written is reported, as a PostgreSQL column could not be.
    let decoded = (|| {
        decode_entry(
            seq,
            text(cols[0], "文号")?,
            &text(cols[1], "生效日期")?,
            match cols[2] {
                ValueRef::Integer(micros) => micros,
                _ => return Err("登记时间的存储类型不对".to_string()),
            },
            text(cols[3], "登记人")?,
            blob(cols[4], "事项内容")?.to_vec(),
            blob(cols[5], "前一条哈希")?,
            blob(cols[6], "哈希")?,
        )
    })();
    let mac = match row.as_ref().column_count() > 8 {
        false => None,
        true => match row.get_ref(8)? {
            ValueRef::Null => None,
            ValueRef::Blob(b) => Some(b.to_vec()),
            _ => Some(Vec::new()),
        },
    };
    Ok(RawEntry {
        seq,
        doc_no,
        decoded,
        mac,
    })
}

fn text(v: ValueRef<'_>, what: &str) -> Result<String, String> {
    match v {
        ValueRef::Text(t) => {
            String::from_utf8(t.to_vec()).map_err(|_| format!("{what}不是有效的文本"))
        }
        _ => Err(format!("{what}的存储类型不对")),
    }
}

fn blob<'a>(v: ValueRef<'a>, what: &str) -> Result<&'a [u8], String> {
    match v {
        ValueRef::Blob(b) => Ok(b),
        _ => Err(format!("{what}的存储类型不对")),
    }
}

fn hash(v: ValueRef<'_>, what: &str) -> Result<Hash, String> {
    blob(v, what)?
        .try_into()
        .map_err(|_| format!("{what}的长度不对"))
}

fn read_head(conn: &Connection) -> Result<Option<(u64, Hash)>, StoreError> {
    let mut stmt = conn.prepare_cached(SELECT_HEAD)?;
    let row = stmt
        .query_row([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get_ref(1)?.as_blob().ok().map(<[u8]>::to_vec),
            ))
        })
        .optional()?;
    row.map(|(seq, h)| stored_head(seq, h.as_deref()))
        .transpose()
}

fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

impl SqliteStore {
    fn append_inner(
        &mut self,
        expected: Option<u64>,
        entries: &[NewEntry],
        audits: &[NewAudit],
    ) -> Result<(Vec<JournalEntry>, Vec<AuditEntry>), StoreError> {
        if entries.is_empty() && audits.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        crate::postgres::check_entries(entries)?;
        // IMMEDIATE: take the write lock before reading the head, so no other
        // writer can append between the read and our inserts.
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let linked = link(expected, read_head(&tx)?, entries)?;
        {
            let mut insert = tx.prepare_cached(INSERT_ENTRY)?;
            for l in &linked {
                let e = &l.entry;
                insert.execute(params![
                    l.seq,
                    e.doc_no,
                    l.effective,
                    l.micros,
                    e.actor,
                    e.payload,
                    e.prev_hash,
                    e.hash,
                    l.mac
                ])?;
            }
        }
        // The audit entries of these matters, in the same transaction: both
        // are written or neither.
        let audited = if audits.is_empty() {
            Vec::new()
        } else {
            crate::workflow::sqlite::insert_audits(&tx, audits)?
        };
        tx.commit()?;
        let stored: Vec<JournalEntry> = linked.into_iter().map(|l| l.entry).collect();
        appended(self.heads.as_ref(), &stored);
        if let Some(last) = audited.last() {
            crate::workflow::audit::appended(self.heads.as_ref(), last);
        }
        Ok((stored, audited))
    }

    /// Every stored snapshot's `(seq, head hash)`.
    fn snapshot_heads(&self) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT seq, head_hash FROM snapshot ORDER BY seq")?;
        let rows = stmt.query_map([], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get_ref(1)?
                    .as_blob()
                    .map(<[u8]>::to_vec)
                    .unwrap_or_default(),
            ))
        })?;
        let mut out = Vec::new();
        for r in rows {
            let (seq, h) = r?;
            // A snapshot at seq 0 or less never matches a journal entry; it
            // cannot be used either.
            if let Ok(seq) = u64::try_from(seq) {
                out.push((seq, h));
            }
        }
        Ok(out)
    }
}

impl JournalStore for SqliteStore {
    fn append(&mut self, entries: &[NewEntry]) -> Result<Vec<JournalEntry>, StoreError> {
        self.append_inner(None, entries, &[]).map(|(e, _)| e)
    }

    fn append_at_audited(
        &mut self,
        expected_head: u64,
        entries: &[NewEntry],
        audits: &[NewAudit],
    ) -> Result<(Vec<JournalEntry>, Vec<AuditEntry>), StoreError> {
        self.append_inner(Some(expected_head), entries, audits)
    }

    fn location(&self) -> Option<String> {
        file_location(&self.conn)
    }

    fn append_at(
        &mut self,
        expected_head: u64,
        entries: &[NewEntry],
    ) -> Result<Vec<JournalEntry>, StoreError> {
        self.append_inner(Some(expected_head), entries, &[])
            .map(|(e, _)| e)
    }

    fn head(&self) -> Result<Option<(u64, Hash)>, StoreError> {
        read_head(&self.conn)
    }

    fn scan(
        &self,
        after: u64,
        f: &mut dyn FnMut(JournalEntry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let Ok(after) = i64::try_from(after) else {
            return Ok(());
        };
        let mut stmt = self.conn.prepare_cached(SELECT_ENTRIES_AFTER)?;
        let mut rows = stmt.query([after])?;
        while let Some(row) = rows.next()? {
            f(read_entry(row)?.into_entry()?)?;
        }
        Ok(())
    }

    fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.verify_chain().map(|(r, _)| r)
    }

    fn set_head_file(&mut self, file: Option<HeadFile>) {
        self.heads = file;
    }

    fn verify_chain(&self) -> Result<(VerifyReport, ChainNotes), StoreError> {
        let mut check = JournalVerifier::new(self.heads.as_ref(), || self.snapshot_heads())?;
        let mut stmt = self.conn.prepare_cached(SELECT_ALL_ENTRIES)?;
        let mut rows = stmt.query([])?;
        while let Some(row) = rows.next()? {
            if !check.row(&read_entry(row)?) {
                break;
            }
        }
        Ok(check.finish())
    }

    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let seq =
            i64::try_from(snapshot.seq).map_err(|_| StoreError::corrupt("快照序号超出范围"))?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.prepare_cached(
            "INSERT OR REPLACE INTO snapshot (seq, head_hash, state, created_at) \
             VALUES (?1, ?2, ?3, ?4)",
        )?
        .execute(params![
            seq,
            snapshot.head_hash,
            snapshot.state,
            now_micros()
        ])?;
        tx.prepare_cached(
            "DELETE FROM snapshot WHERE seq NOT IN \
             (SELECT seq FROM snapshot ORDER BY seq DESC LIMIT ?1)",
        )?
        .execute([SNAPSHOTS_KEPT as i64])?;
        tx.commit()?;
        Ok(())
    }

    fn latest_snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT seq, head_hash, state FROM snapshot ORDER BY seq DESC LIMIT 1",
        )?;
        let row = stmt
            .query_row([], |r| {
                let seq: i64 = r.get(0)?;
                let head_hash = hash(r.get_ref(1)?, "快照哈希");
                let state = blob(r.get_ref(2)?, "快照内容").map(<[u8]>::to_vec);
                Ok((seq, head_hash, state))
            })
            .optional()?;
        let Some((seq, head_hash, state)) = row else {
            return Ok(None);
        };
        let bad = |detail: String| StoreError::corrupt(format!("第 {seq} 条处的快照：{detail}"));
        Ok(Some(Snapshot {
            seq: u64::try_from(seq).map_err(|_| bad("序号不合法".to_string()))?,
            head_hash: head_hash.map_err(bad)?,
            state: state.map_err(bad)?,
        }))
    }

    fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached("SELECT value FROM meta WHERE key = ?1")?;
        Ok(stmt.query_row([key], |r| r.get(0)).optional()?)
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "INSERT INTO meta (key, value) VALUES (?1, ?2) \
             ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        )?;
        stmt.execute([key, value])?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::{DateTime, NaiveDate};

    #[test]
    fn pragmas_are_set() {
        let dir = tempfile::tempdir().unwrap();
        let store = SqliteStore::open(&dir.path().join("j.db")).unwrap();
        let c = &store.conn;
        let mode: String = c
            .query_row("PRAGMA journal_mode", [], |r| r.get(0))
            .unwrap();
        assert_eq!(mode, "wal");
        let sync: i64 = c.query_row("PRAGMA synchronous", [], |r| r.get(0)).unwrap();
        assert_eq!(sync, 2, "FULL");
        let fk: i64 = c
            .query_row("PRAGMA foreign_keys", [], |r| r.get(0))
            .unwrap();
        assert_eq!(fk, 1);
        let busy: i64 = c
            .query_row("PRAGMA busy_timeout", [], |r| r.get(0))
            .unwrap();
        assert_eq!(busy, 5000);
        assert_eq!(user_version(c).unwrap(), SCHEMA_VERSION);
    }

    #[test]
    fn nanoseconds_are_truncated_to_microseconds() {
        let mut store = SqliteStore::open_in_memory().unwrap();
        let t = DateTime::from_timestamp(1_700_000_000, 123_456_789).unwrap();
        let stored = store
            .append(&[NewEntry {
                doc_no: "x".into(),
                effective: NaiveDate::from_ymd_opt(2024, 1, 1).unwrap(),
                recorded_at: t,
                actor: "a".into(),
                payload: vec![],
            }])
            .unwrap();
        assert_eq!(stored[0].recorded_at.timestamp_subsec_nanos(), 123_456_000);
        let mut scanned = Vec::new();
        store
            .scan(0, &mut |e| {
                scanned.push(e);
                Ok(())
            })
            .unwrap();
        assert_eq!(scanned, stored);
        assert!(matches!(
            store.verify().unwrap(),
            VerifyReport::Intact { entries: 1, .. }
        ));
    }
}
