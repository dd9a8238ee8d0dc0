//! The PostgreSQL backend: several jurisdictions' ledgers in one database,
//! several server processes on one ledger.
//!
//! # Layout
//!
//! Every table is keyed by the jurisdiction's 区划 code (column `ledger`), so one
//! database holds the ledgers of a whole city or province and a distributed
//! PostgreSQL (Citus) can shard every table on that one column, keeping each
//! ledger on one node:
//!
//! ```text
//! ledger   (code PK, created_at)                       one row per jurisdiction; its row lock
//!                                                      serialises the writers of that ledger
//! journal  (ledger, seq) PK, doc_no, effective TEXT, recorded_at BIGINT (µs), actor,
//!          payload BYTEA, prev_hash BYTEA, hash BYTEA  append-only (triggers)
//! snapshot (ledger, seq) PK, head_hash, parts, created_at
//! snapshot_part (ledger, seq, part) PK, bytes          the state in 64 MiB parts (a bytea
//!                                                      value is limited to 1 GB)
//! meta     (ledger, key) PK, value
//! ```
//!
//! The journal columns and the hash chain are exactly those of the SQLite
//! backend (the effective date is kept as the same canonical text, not as a
//! `DATE`, so that every date chrono can represent round-trips and a tampered
//! value is still readable for [`JournalStore::verify`] to name), so entries
//! copied between the backends verify on both.
//!
//! # Why the synchronous `postgres` crate
//!
//! [`JournalStore`] is synchronous: the core is pure and the [`crate::Db`]
//! service is a plain struct behind a mutex. The `postgres` crate is the thin
//! blocking face of `tokio-postgres` (one private current-thread runtime per
//! connection); sqlx would need the same private runtime plus its
//! connection-pool, macro and offline-query machinery, none of which a
//! one-connection-per-store design uses, at several times the compile cost.
//! What both share: the blocking client must not run *on* an async worker
//! thread. The web layer calls [`crate::Db`] from `spawn_blocking` (or a thread
//! of its own); as a safety net every call made from a multi-threaded tokio
//! worker steps aside with `block_in_place` instead of panicking. A
//! current-thread runtime cannot do that: never call a `PgStore` from inside
//! one.
//!
//! # Several writers
//!
//! [`JournalStore::append_at`] takes the ledger row `FOR NO KEY UPDATE`,
//! reads the journal's head, and appends only if it is still the head the
//! caller has applied; otherwise it fails with [`StoreError::HeadMoved`] and
//! writes nothing. Writers of different ledgers never wait for each other.
//! The lock does not stop other transactions inserting rows that refer to
//! the ledger (their foreign-key check takes `FOR KEY SHARE`): an audit
//! append elsewhere, holding the audit trail's counter row, can finish while
//! a journal append that writes audit entries waits for that counter (with
//! `FOR UPDATE` the two waited for each other — a deadlock).

use std::cell::{RefCell, RefMut};
use std::str::FromStr;
use std::sync::atomic::{AtomicI32, Ordering};
use std::sync::Arc;
use std::time::Duration;

use chrono::Utc;
use postgres::error::SqlState;
use postgres::{Client, Config, GenericClient, NoTls, Row};

use crate::chain::{
    appended, decode_entry, link, stored_head, ChainNotes, Hash, JournalVerifier, RawEntry,
};
use crate::head::HeadFile;
use crate::{
    AuditEntry, JournalEntry, JournalStore, NewAudit, NewEntry, Snapshot, StoreError, VerifyReport,
    SNAPSHOTS_KEPT,
};

/// Statements prepared on one connection, by their text. A statement sent
/// as text is prepared on every use (two round trips); the write path's few
/// are prepared once per connection.
#[derive(Default)]
pub(crate) struct Prepared(RefCell<std::collections::HashMap<&'static str, postgres::Statement>>);

impl Prepared {
    /// `sql` prepared on the connection `c` belongs to.
    pub(crate) fn get(
        &self,
        c: &mut impl GenericClient,
        sql: &'static str,
    ) -> Result<postgres::Statement, postgres::Error> {
        if let Some(s) = self.0.borrow().get(sql) {
            return Ok(s.clone());
        }
        let s = c.prepare(sql)?;
        self.0.borrow_mut().insert(sql, s.clone());
        Ok(s)
    }

    /// Forgets every statement (the connection they were prepared on is gone).
    pub(crate) fn clear(&self) {
        self.0.borrow_mut().clear();
    }
}

/// Version of the schema below, kept in `bianzhi_schema`.
const SCHEMA_VERSION: i32 = 3;

/// Key of the advisory lock taken while creating or upgrading the schema, so
/// that servers starting together do not race.
const SCHEMA_LOCK: i64 = 0x6269_616e_7a68_6901; // "bianzhi" 1

/// Rows per INSERT statement when appending a large batch.
const INSERT_CHUNK: usize = 1_000;

/// Bytes per stored part of a snapshot.
const SNAPSHOT_PART: usize = 64 << 20;

const SCHEMA_V1: &str = r#"
CREATE TABLE bianzhi_schema (version INTEGER NOT NULL);
INSERT INTO bianzhi_schema VALUES (1);

CREATE TABLE ledger (
    code       TEXT   PRIMARY KEY,
    created_at BIGINT NOT NULL -- microseconds since the Unix epoch
);

CREATE TABLE journal (
    ledger      TEXT   NOT NULL REFERENCES ledger (code),
    seq         BIGINT NOT NULL,
    doc_no      TEXT   NOT NULL,
    effective   TEXT   NOT NULL, -- YYYY-MM-DD, the text that is hashed
    recorded_at BIGINT NOT NULL, -- microseconds since the Unix epoch
    actor       TEXT   NOT NULL,
    payload     BYTEA  NOT NULL,
    prev_hash   BYTEA  NOT NULL,
    hash        BYTEA  NOT NULL,
    PRIMARY KEY (ledger, seq)
);

CREATE TABLE snapshot (
    ledger     TEXT    NOT NULL REFERENCES ledger (code),
    seq        BIGINT  NOT NULL,
    head_hash  BYTEA   NOT NULL,
    parts      INTEGER NOT NULL,
    created_at BIGINT  NOT NULL,
    PRIMARY KEY (ledger, seq)
);
CREATE TABLE snapshot_part (
    ledger TEXT    NOT NULL,
    seq    BIGINT  NOT NULL,
    part   INTEGER NOT NULL,
    bytes  BYTEA   NOT NULL,
    PRIMARY KEY (ledger, seq, part),
    FOREIGN KEY (ledger, seq) REFERENCES snapshot (ledger, seq) ON DELETE CASCADE
);
-- Snapshots are large and already compact (postcard): skip TOAST compression.
ALTER TABLE snapshot_part ALTER COLUMN bytes SET STORAGE EXTERNAL;

CREATE TABLE meta (
    ledger TEXT NOT NULL REFERENCES ledger (code),
    key    TEXT NOT NULL,
    value  TEXT NOT NULL,
    PRIMARY KEY (ledger, key)
);

-- Append-only, as in the SQLite schema: an insert must carry the next
-- sequence number of its ledger; rows can be neither updated nor deleted, and
-- the table cannot be truncated, by anyone who does not first drop the
-- triggers (in production the servers' role does not own the tables).
CREATE FUNCTION journal_append_in_order() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.seq IS DISTINCT FROM
       (SELECT COALESCE(MAX(seq), 0) + 1 FROM journal WHERE ledger = NEW.ledger) THEN
        RAISE EXCEPTION '台账流水只能按序号依次追加';
    END IF;
    RETURN NEW;
END $$;
CREATE FUNCTION journal_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '台账流水只能追加，不能%',
        CASE TG_OP WHEN 'DELETE' THEN '删除' WHEN 'TRUNCATE' THEN '清空' ELSE '修改' END;
END $$;
CREATE TRIGGER journal_append_in_order BEFORE INSERT ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_append_in_order();
CREATE TRIGGER journal_no_update BEFORE UPDATE ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_no_delete BEFORE DELETE ON journal
    FOR EACH ROW EXECUTE FUNCTION journal_refuse_change();
CREATE TRIGGER journal_no_truncate BEFORE TRUNCATE ON journal
    FOR EACH STATEMENT EXECUTE FUNCTION journal_refuse_change();
"#;

/// Version 2: each entry's keyed signature (NULL when written without a key;
/// see `chain.rs`).
const SCHEMA_V2: &str = "
ALTER TABLE journal ADD COLUMN IF NOT EXISTS mac BYTEA;
INSERT INTO bianzhi_schema VALUES (2);
";

/// Version 3: the append-in-order check reads the ledger's last entry by
/// the primary key, always. A connection caches the trigger's plan; made
/// while the journal was small, that plan could be a sequential scan, kept
/// as the journal grew — every appended row then read the whole journal
/// (measured: 0.6–1.2 ms a row at a few thousand entries).
const SCHEMA_V3: &str = "
ALTER FUNCTION journal_append_in_order() SET enable_seqscan = off;
INSERT INTO bianzhi_schema VALUES (3);
";

const LOCK_LEDGER: &str = "SELECT code FROM ledger WHERE code = $1 FOR NO KEY UPDATE";
const NOTIFY: &str = "SELECT pg_notify($1, $2)";
const SELECT_HEAD: &str =
    "SELECT seq, hash FROM journal WHERE ledger = $1 ORDER BY seq DESC LIMIT 1";
const SELECT_ENTRIES_AFTER: &str = "SELECT seq, doc_no, effective, recorded_at, actor, \
     payload, prev_hash, hash FROM journal WHERE ledger = $1 AND seq > $2 ORDER BY seq";
/// [`SELECT_ENTRIES_AFTER`] with the signatures (for `verify`).
const SELECT_SIGNED_ENTRIES_AFTER: &str = "SELECT seq, doc_no, effective, recorded_at, actor, \
     payload, prev_hash, hash, mac FROM journal WHERE ledger = $1 AND seq > $2 ORDER BY seq";
const INSERT_ENTRIES: &str = "INSERT INTO journal \
     (ledger, seq, doc_no, effective, recorded_at, actor, payload, prev_hash, hash, mac) \
     SELECT $1, * FROM unnest($2::int8[], $3::text[], $4::text[], $5::int8[], $6::text[], \
     $7::bytea[], $8::bytea[], $9::bytea[], $10::bytea[])";

/// One jurisdiction's ledger in a PostgreSQL database.
///
/// Holds one connection (reconnected when the server closed it). Several
/// `PgStore`s, in one process or several, may open the same ledger; see the
/// module documentation for how their appends are ordered.
pub struct PgStore {
    config: Config,
    /// `host:port/dbname`, for messages (never the password).
    target: String,
    /// Always `Some` but while dropping (see the `Drop` impl).
    client: RefCell<Option<Client>>,
    ledger: String,
    read_only: bool,
    heads: Option<HeadFile>,
    /// The write path's statements, prepared on `client`.
    prepared: Prepared,
    /// The server process serving `client` (its notifications are this
    /// store's own; see [`PgWatcher`]).
    pid: Arc<AtomicI32>,
}

impl std::fmt::Debug for PgStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgStore")
            .field("target", &self.target)
            .field("ledger", &self.ledger)
            .field("read_only", &self.read_only)
            .finish_non_exhaustive()
    }
}

/// A ledger found in a database by [`PgStore::list_ledgers`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LedgerInfo {
    /// 区划 code.
    pub code: String,
    /// 区划 name, once the ledger is initialised.
    pub name: Option<String>,
    /// Journal entries.
    pub entries: u64,
}

/// Whether `s` names a PostgreSQL database (`postgres://…` or `postgresql://…`).
pub fn is_postgres_url(s: &str) -> bool {
    let s = s.trim_start();
    s.starts_with("postgres://") || s.starts_with("postgresql://")
}

impl PgStore {
    /// Opens the ledger of jurisdiction `code` in the database at `url`
    /// (`postgres://user@host:port/dbname`), creating the schema and the
    /// ledger if missing.
    pub fn open(url: &str, code: &str) -> Result<Self, StoreError> {
        let store = Self::connect(url, code, false)?;
        store.run(|c| {
            c.execute(
                "INSERT INTO ledger (code, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                &[&store.ledger, &now_micros()],
            )
        })?;
        Ok(store)
    }

    /// Holds, until dropped, the right to set up ledger `code` in the
    /// database at `url` (a session advisory lock on a connection of its
    /// own): of servers started at the same moment on an empty database one
    /// builds the ledger, the others wait here and then find it built.
    pub fn setup_lock(url: &str, code: &str) -> Result<SetupLock, StoreError> {
        check_code(code)?;
        let (config, target) = parse_url(url)?;
        let mut client = connect(&config, &target)?;
        let key = format!("bianzhi-setup-{code}");
        blocking(|| client.execute("SELECT pg_advisory_lock(hashtextextended($1, 0))", &[&key]))
            .map_err(pg_error)?;
        Ok(SetupLock { _client: client })
    }

    /// Opens an existing ledger; [`StoreError::NoSuchLedger`] if the database
    /// has none for `code`.
    pub fn open_existing(url: &str, code: &str) -> Result<Self, StoreError> {
        let store = Self::connect(url, code, false)?;
        store.require_ledger()?;
        Ok(store)
    }

    /// Opens an existing ledger for reading only: the session is read-only on
    /// the server, so any write fails (an upper level reading its districts).
    pub fn open_read_only(url: &str, code: &str) -> Result<Self, StoreError> {
        let store = Self::connect(url, code, true)?;
        store.require_ledger()?;
        Ok(store)
    }

    /// The ledgers in the database at `url`, by code.
    pub fn list_ledgers(url: &str) -> Result<Vec<LedgerInfo>, StoreError> {
        let (config, target) = parse_url(url)?;
        let mut client = connect(&config, &target)?;
        blocking(|| {
            if !schema_exists(&mut client)? {
                return Ok(Vec::new());
            }
            let rows = client.query(
                "SELECT l.code, \
                   (SELECT value FROM meta m WHERE m.ledger = l.code \
                      AND m.key = 'jurisdiction_name'), \
                   COALESCE((SELECT MAX(seq) FROM journal j WHERE j.ledger = l.code), 0) \
                 FROM ledger l ORDER BY l.code",
                &[],
            )?;
            Ok(rows
                .iter()
                .map(|r| LedgerInfo {
                    code: r.get(0),
                    name: r.get(1),
                    entries: r.get::<_, i64>(2).max(0) as u64,
                })
                .collect())
        })
        .map_err(pg_error)
    }

    /// Creates the database `name` on the server at `server_url` (whose user
    /// may create databases), for tests, benchmarks and copies into a fresh
    /// database; returns the URL of the new database.
    pub fn create_database(server_url: &str, name: &str) -> Result<String, StoreError> {
        check_database_name(name)?;
        let (config, target) = parse_url(server_url)?;
        let mut client = connect(&config, &target)?;
        blocking(|| client.batch_execute(&format!("CREATE DATABASE \"{name}\"")))
            .map_err(pg_error)?;
        Ok(with_dbname(server_url, name))
    }

    /// Drops the database `name` (and the connections to it), if it exists.
    pub fn drop_database(server_url: &str, name: &str) -> Result<(), StoreError> {
        check_database_name(name)?;
        let (config, target) = parse_url(server_url)?;
        let mut client = connect(&config, &target)?;
        blocking(|| {
            client.batch_execute(&format!("DROP DATABASE IF EXISTS \"{name}\" WITH (FORCE)"))
        })
        .map_err(pg_error)
    }

    /// On-disk size in bytes (with indexes and TOAST) of the journal and the
    /// snapshot tables, all ledgers together: for capacity planning.
    pub fn table_sizes(&self) -> Result<(u64, u64), StoreError> {
        let row = self.run(|c| {
            c.query_one(
                "SELECT pg_total_relation_size('journal'), \
                 pg_total_relation_size('snapshot') + pg_total_relation_size('snapshot_part')",
                &[],
            )
        })?;
        Ok((row.get::<_, i64>(0) as u64, row.get::<_, i64>(1) as u64))
    }

    /// The jurisdiction's 区划 code.
    pub fn jurisdiction(&self) -> &str {
        &self.ledger
    }

    /// Whether the store was opened read-only.
    pub fn is_read_only(&self) -> bool {
        self.read_only
    }

    /// `host:port/dbname` of the server (no password), for messages.
    pub fn target(&self) -> &str {
        &self.target
    }

    fn connect(url: &str, code: &str, read_only: bool) -> Result<Self, StoreError> {
        check_code(code)?;
        let (config, target) = parse_url(url)?;
        let mut client = connect(&config, &target)?;
        blocking(|| migrate(&mut client)).map_err(pg_error)??;
        let pid = Arc::new(AtomicI32::new(backend_pid(&mut client)?));
        if read_only {
            blocking(|| {
                client.batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
            })
            .map_err(pg_error)?;
        }
        Ok(PgStore {
            config,
            target,
            client: RefCell::new(Some(client)),
            ledger: code.to_string(),
            read_only,
            heads: None,
            prepared: Prepared::default(),
            pid,
        })
    }

    fn require_ledger(&self) -> Result<(), StoreError> {
        let found =
            self.run(|c| c.query_opt("SELECT 1 FROM ledger WHERE code = $1", &[&self.ledger]))?;
        if found.is_some() {
            return Ok(());
        }
        let present = self.run(|c| c.query("SELECT code FROM ledger ORDER BY code", &[]))?;
        Err(StoreError::NoSuchLedger {
            code: self.ledger.clone(),
            present: present.iter().map(|r| r.get(0)).collect(),
        })
    }

    /// The connection, reconnected if the server closed it.
    fn client(&self) -> Result<RefMut<'_, Client>, StoreError> {
        let c = self
            .client
            .try_borrow_mut()
            .map_err(|_| StoreError::corrupt("同一连接被重入使用"))?;
        let mut c = RefMut::map(c, |c| c.as_mut().expect("connection present until dropped"));
        if c.is_closed() {
            let mut fresh = connect(&self.config, &self.target)?;
            if self.read_only {
                blocking(|| {
                    fresh.batch_execute("SET SESSION CHARACTERISTICS AS TRANSACTION READ ONLY")
                })
                .map_err(pg_error)?;
            }
            self.pid.store(backend_pid(&mut fresh)?, Ordering::Relaxed);
            *c = fresh;
            self.prepared.clear();
        }
        Ok(c)
    }

    /// Runs `f` on the connection, mapping errors.
    fn run<R>(
        &self,
        f: impl FnOnce(&mut Client) -> Result<R, postgres::Error>,
    ) -> Result<R, StoreError> {
        let mut c = self.client()?;
        blocking(|| f(&mut c)).map_err(pg_error)
    }

    fn append_inner(
        &mut self,
        expected: Option<u64>,
        entries: &[NewEntry],
        audits: &[NewAudit],
    ) -> Result<(Vec<JournalEntry>, Vec<AuditEntry>), StoreError> {
        if entries.is_empty() && audits.is_empty() {
            return Ok((Vec::new(), Vec::new()));
        }
        check_entries(entries)?;
        let ledger = self.ledger.clone();
        let prepared = &self.prepared;
        let mut c = self.client()?;
        blocking(
            || -> Result<(Vec<JournalEntry>, Vec<AuditEntry>), StoreError> {
                let mut tx = c.transaction().map_err(pg_error)?;
                // Serialise the writers of this ledger (and only this ledger): a
                // second writer waits here until the first commits, then reads the
                // head the first one left.
                let lock = prepared.get(&mut tx, LOCK_LEDGER).map_err(pg_error)?;
                let locked = tx.query_opt(&lock, &[&ledger]).map_err(pg_error)?;
                if locked.is_none() {
                    return Err(StoreError::NoSuchLedger {
                        code: ledger.clone(),
                        present: Vec::new(),
                    });
                }
                let select_head = prepared.get(&mut tx, SELECT_HEAD).map_err(pg_error)?;
                let head = match tx.query_opt(&select_head, &[&ledger]).map_err(pg_error)? {
                    Some(row) => Some(stored_head(row.get(0), Some(row.get::<_, &[u8]>(1)))?),
                    None => None,
                };
                let linked = link(expected, head, entries)?;
                let head = head.map_or(0, |(seq, _)| seq);
                let insert = prepared.get(&mut tx, INSERT_ENTRIES).map_err(pg_error)?;
                for chunk in linked.chunks(INSERT_CHUNK) {
                    let seqs: Vec<i64> = chunk.iter().map(|l| l.seq).collect();
                    let docs: Vec<&str> = chunk.iter().map(|l| l.entry.doc_no.as_str()).collect();
                    let dates: Vec<&str> = chunk.iter().map(|l| l.effective.as_str()).collect();
                    let micros: Vec<i64> = chunk.iter().map(|l| l.micros).collect();
                    let actors: Vec<&str> = chunk.iter().map(|l| l.entry.actor.as_str()).collect();
                    let payloads: Vec<&[u8]> =
                        chunk.iter().map(|l| l.entry.payload.as_slice()).collect();
                    let prevs: Vec<&[u8]> = chunk.iter().map(|l| &l.entry.prev_hash[..]).collect();
                    let hashes: Vec<&[u8]> = chunk.iter().map(|l| &l.entry.hash[..]).collect();
                    let macs: Vec<Option<&[u8]>> = chunk
                        .iter()
                        .map(|l| l.mac.as_ref().map(|m| &m[..]))
                        .collect();
                    tx.execute(
                        &insert,
                        &[
                            &ledger, &seqs, &docs, &dates, &micros, &actors, &payloads, &prevs,
                            &hashes, &macs,
                        ],
                    )
                    .map_err(|e| match e.code() {
                        // Only if someone appended without taking the ledger lock.
                        Some(c) if *c == SqlState::UNIQUE_VIOLATION => StoreError::HeadMoved {
                            expected: head,
                            found: head + 1,
                        },
                        _ => pg_error(e),
                    })?;
                }
                // The audit entries of these matters, in the same transaction:
                // both are written or neither.
                let audited = if audits.is_empty() {
                    Vec::new()
                } else {
                    crate::workflow::postgres::insert_audits(&mut tx, prepared, &ledger, audits)?
                };
                let notify = prepared.get(&mut tx, NOTIFY).map_err(pg_error)?;
                tx.execute(&notify, &[&CHANNEL, &ledger])
                    .map_err(pg_error)?;
                tx.commit().map_err(pg_error)?;
                Ok((
                    linked.into_iter().map(|l| l.entry).collect::<Vec<_>>(),
                    audited,
                ))
            },
        )
        .inspect(|(stored, audited)| {
            appended(self.heads.as_ref(), stored);
            if let Some(last) = audited.last() {
                crate::workflow::audit::appended(self.heads.as_ref(), last);
            }
        })
    }

    /// Every stored snapshot's `(seq, head hash)`.
    fn snapshot_heads(&self) -> Result<Vec<(u64, Vec<u8>)>, StoreError> {
        let rows = self.run(|c| {
            c.query(
                "SELECT seq, head_hash FROM snapshot WHERE ledger = $1 ORDER BY seq",
                &[&self.ledger],
            )
        })?;
        Ok(rows
            .iter()
            .filter_map(|r| {
                let seq = u64::try_from(r.get::<_, i64>(0)).ok()?;
                Some((seq, r.get::<_, Vec<u8>>(1)))
            })
            .collect())
    }
}

impl Drop for PgStore {
    fn drop(&mut self) {
        // Closing the connection blocks on the client's runtime too.
        if let Some(c) = self.client.get_mut().take() {
            blocking(|| drop(c));
        }
    }
}

/// See [`PgStore::setup_lock`]; closing the connection releases the lock
/// (also when the process dies).
pub struct SetupLock {
    _client: Client,
}

/// The channel on which a ledger's changes are announced (`NOTIFY`, the
/// payload is the ledger's 区划 code): its head moved, or one of its sessions
/// ended. Delivered when the announcing transaction commits, never before.
pub(crate) const CHANNEL: &str = "bianzhi_ledger";

/// Announces a change of `ledger` on [`CHANNEL`] when `tx` commits.
pub(crate) fn announce(tx: &mut impl GenericClient, ledger: &str) -> Result<(), postgres::Error> {
    tx.execute(NOTIFY, &[&CHANNEL, &ledger]).map(|_| ())
}

/// A connection that `LISTEN`s on [`CHANNEL`] for one ledger.
struct PgWatcher {
    client: Client,
    ledger: String,
    /// The server process of the store this watcher belongs to: its own
    /// appends are no news (the store applied them already).
    own: Arc<AtomicI32>,
}

impl PgWatcher {
    fn listen(
        config: &Config,
        target: &str,
        ledger: &str,
        own: Arc<AtomicI32>,
    ) -> Result<PgWatcher, StoreError> {
        let mut client = connect(config, target)?;
        blocking(|| client.batch_execute(&format!("LISTEN {CHANNEL}"))).map_err(pg_error)?;
        Ok(PgWatcher {
            client,
            ledger: ledger.to_string(),
            own,
        })
    }
}

/// The server process (`pg_backend_pid`) serving connection `c`.
fn backend_pid(c: &mut Client) -> Result<i32, StoreError> {
    blocking(|| c.query_one("SELECT pg_backend_pid()", &[]))
        .map(|r| r.get(0))
        .map_err(pg_error)
}

impl crate::Watcher for PgWatcher {
    fn wait(&mut self, timeout: std::time::Duration) -> Result<bool, StoreError> {
        use postgres::fallible_iterator::FallibleIterator;
        let ledger = &self.ledger;
        let client = &mut self.client;
        let deadline = std::time::Instant::now() + timeout;
        blocking(|| loop {
            let left = deadline.saturating_duration_since(std::time::Instant::now());
            let next = client.notifications().timeout_iter(left).next()?;
            match next {
                None => return Ok(false),
                // This store's own append.
                Some(note) if note.process_id() == self.own.load(Ordering::Relaxed) => continue,
                Some(note) if note.payload() == ledger => {
                    // Whatever else arrived meanwhile is the same news.
                    let mut n = client.notifications();
                    let mut pending = n.iter();
                    while pending.next()?.is_some() {}
                    return Ok(true);
                }
                // Another ledger's news.
                Some(_) => continue,
            }
        })
        .map_err(pg_error)
    }
}

/// Runs blocking client code, stepping out of a multi-threaded tokio worker
/// first if called from one (the client's own runtime cannot be entered from
/// inside another).
pub(crate) fn blocking<R>(f: impl FnOnce() -> R) -> R {
    use tokio::runtime::{Handle, RuntimeFlavor};
    match Handle::try_current() {
        Ok(h) if h.runtime_flavor() == RuntimeFlavor::MultiThread => tokio::task::block_in_place(f),
        _ => f(),
    }
}

/// `url` with its database name replaced by `db` (the query string is kept).
pub fn with_dbname(url: &str, db: &str) -> String {
    let (base, query) = match url.split_once('?') {
        Some((b, q)) => (b, Some(q)),
        None => (url, None),
    };
    let scheme_end = base.find("://").map_or(0, |i| i + 3);
    let host_end = base[scheme_end..]
        .find('/')
        .map_or(base.len(), |i| scheme_end + i);
    let mut out = format!("{}/{db}", &base[..host_end]);
    if let Some(q) = query {
        out.push('?');
        out.push_str(q);
    }
    out
}

fn check_database_name(name: &str) -> Result<(), StoreError> {
    let ok = !name.is_empty()
        && name.len() <= 63
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::InvalidEntry(format!("数据库名“{name}”不合法")))
    }
}

pub(crate) fn check_code(code: &str) -> Result<(), StoreError> {
    let ok = !code.is_empty()
        && code.len() <= 32
        && code
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_');
    if ok {
        Ok(())
    } else {
        Err(StoreError::BadJurisdiction(code.to_string()))
    }
}

/// Text PostgreSQL can store: no NUL characters.
pub(crate) fn check_entries(entries: &[NewEntry]) -> Result<(), StoreError> {
    for e in entries {
        if e.doc_no.contains('\0') {
            return Err(StoreError::InvalidEntry(format!(
                "文号“{}”含有空字符",
                e.doc_no.replace('\0', "\\0")
            )));
        }
        if e.actor.contains('\0') {
            return Err(StoreError::InvalidEntry(format!(
                "登记人“{}”含有空字符",
                e.actor.replace('\0', "\\0")
            )));
        }
    }
    Ok(())
}

pub(crate) fn parse_url(url: &str) -> Result<(Config, String), StoreError> {
    let mut config = Config::from_str(url.trim()).map_err(|source| StoreError::Connect {
        target: redact(url),
        source,
    })?;
    if config.get_connect_timeout().is_none() {
        config.connect_timeout(Duration::from_secs(10));
    }
    if config.get_application_name().is_none() {
        config.application_name("bianzhi");
    }
    let host = config
        .get_hosts()
        .first()
        .map(|h| match h {
            postgres::config::Host::Tcp(h) => h.clone(),
            #[cfg(unix)]
            postgres::config::Host::Unix(p) => p.display().to_string(),
        })
        .unwrap_or_else(|| "localhost".into());
    let port = config.get_ports().first().copied().unwrap_or(5432);
    let db = config
        .get_dbname()
        .or(config.get_user())
        .unwrap_or("postgres");
    let target = format!("{host}:{port}/{db}");
    Ok((config, target))
}

/// The URL without its password, for messages.
fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let userinfo = &url[s + 3..at];
            let user = userinfo.split(':').next().unwrap_or("");
            format!("{}{user}@{}", &url[..s + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

pub(crate) fn connect(config: &Config, target: &str) -> Result<Client, StoreError> {
    let mut c = blocking(|| config.connect(NoTls)).map_err(|source| StoreError::Connect {
        target: target.to_string(),
        source,
    })?;
    // Statements stay prepared on a connection (see `Prepared`): plan each
    // execution for its values, never once for all (a plan made while a
    // table was small would be kept as it grows).
    blocking(|| c.batch_execute("SET plan_cache_mode = force_custom_plan")).map_err(pg_error)?;
    Ok(c)
}

fn schema_exists(c: &mut Client) -> Result<bool, postgres::Error> {
    Ok(
        c.query_one("SELECT to_regclass('bianzhi_schema') IS NOT NULL", &[])?
            .get(0),
    )
}

/// Brings the schema to [`SCHEMA_VERSION`] under an advisory lock, refusing
/// databases from the future.
pub(crate) fn migrate(c: &mut Client) -> Result<Result<(), StoreError>, postgres::Error> {
    fn version(c: &mut impl GenericClient) -> Result<Option<i32>, postgres::Error> {
        let exists: bool = c
            .query_one("SELECT to_regclass('bianzhi_schema') IS NOT NULL", &[])?
            .get(0);
        if !exists {
            return Ok(None);
        }
        Ok(c.query_opt("SELECT MAX(version) FROM bianzhi_schema", &[])?
            .and_then(|r| r.get(0)))
    }
    let check = |v: Option<i32>| -> Result<bool, StoreError> {
        match v {
            Some(SCHEMA_VERSION) => Ok(true),
            None | Some(1) | Some(2) => Ok(false),
            Some(v) if v > SCHEMA_VERSION => Err(StoreError::SchemaTooNew {
                found: v as i64,
                supported: SCHEMA_VERSION as i64,
            }),
            Some(v) => Err(StoreError::corrupt(format!("数据库结构版本 {v} 不合法"))),
        }
    };
    match check(version(c)?) {
        Ok(true) => return Ok(Ok(())),
        Ok(false) => {}
        Err(e) => return Ok(Err(e)),
    }
    // A session lock taken before the transaction starts: the transaction
    // then sees the catalogue as the previous holder left it (a transaction
    // begun before waiting could keep a stale view of which tables exist).
    c.execute("SELECT pg_advisory_lock($1)", &[&SCHEMA_LOCK])?;
    let created = (|| {
        let mut tx = c.transaction()?;
        let found = version(&mut tx)?;
        match check(found) {
            Ok(true) => {}
            Ok(false) => {
                if found.is_none() {
                    tx.batch_execute(SCHEMA_V1)?;
                }
                if found < Some(2) {
                    tx.batch_execute(SCHEMA_V2)?;
                }
                tx.batch_execute(SCHEMA_V3)?;
            }
            Err(e) => return Ok(Err(e)),
        }
        tx.commit()?;
        Ok(Ok(()))
    })();
    let unlocked = c.execute("SELECT pg_advisory_unlock($1)", &[&SCHEMA_LOCK]);
    let created = created?;
    unlocked?;
    Ok(created)
}

/// Maps a driver error to the store's error (the driver error stays the source).
pub(crate) fn pg_error(e: postgres::Error) -> StoreError {
    match e.code() {
        Some(c)
            if *c == SqlState::T_R_SERIALIZATION_FAILURE
                || *c == SqlState::T_R_DEADLOCK_DETECTED
                || *c == SqlState::LOCK_NOT_AVAILABLE
                || *c == SqlState::QUERY_CANCELED
                || *c == SqlState::TOO_MANY_CONNECTIONS
                || *c == SqlState::CANNOT_CONNECT_NOW =>
        {
            StoreError::ServerBusy(e)
        }
        Some(c) if *c == SqlState::READ_ONLY_SQL_TRANSACTION => StoreError::ServerReadOnly(e),
        Some(c) if *c == SqlState::DISK_FULL => StoreError::ServerDiskFull(e),
        None if e.is_closed() => StoreError::ConnectionLost(e),
        _ => StoreError::Server(e),
    }
}

fn read_head(c: &mut impl GenericClient, ledger: &str) -> Result<Option<(u64, Hash)>, StoreError> {
    let Some(row) = c.query_opt(SELECT_HEAD, &[&ledger]).map_err(pg_error)? else {
        return Ok(None);
    };
    stored_head(row.get(0), Some(row.get::<_, &[u8]>(1))).map(Some)
}

/// A journal row; its signature too when the query reads one.
fn read_entry(row: &Row) -> Result<RawEntry, postgres::Error> {
    let seq: i64 = row.try_get(0)?;
    let doc_no: String = row.try_get(1)?;
    let decoded = decode_entry(
        seq,
        doc_no.clone(),
        row.try_get(2)?,
        row.try_get(3)?,
        row.try_get(4)?,
        row.try_get(5)?,
        row.try_get(6)?,
        row.try_get(7)?,
    );
    let mac: Option<Vec<u8>> = if row.len() > 8 { row.try_get(8)? } else { None };
    Ok(RawEntry {
        seq,
        doc_no,
        decoded,
        mac,
    })
}

pub(crate) fn now_micros() -> i64 {
    Utc::now().timestamp_micros()
}

/// Why a streamed read stopped.
enum Stop {
    Pg(postgres::Error),
    Store(StoreError),
}

impl From<postgres::Error> for Stop {
    fn from(e: postgres::Error) -> Self {
        Stop::Pg(e)
    }
}

impl From<Stop> for StoreError {
    fn from(s: Stop) -> Self {
        match s {
            Stop::Pg(e) => pg_error(e),
            Stop::Store(e) => e,
        }
    }
}

impl PgStore {
    /// Streams the rows of the journal after `after`, in order, to `f`.
    fn stream(
        &self,
        after: i64,
        signed: bool,
        f: &mut dyn FnMut(RawEntry) -> Result<bool, StoreError>,
    ) -> Result<(), StoreError> {
        use postgres::fallible_iterator::FallibleIterator;
        let ledger = self.ledger.clone();
        let mut c = self.client()?;
        let sql = if signed {
            SELECT_SIGNED_ENTRIES_AFTER
        } else {
            SELECT_ENTRIES_AFTER
        };
        blocking(|| -> Result<(), Stop> {
            let params: [&(dyn postgres::types::ToSql + Sync); 2] = [&ledger, &after];
            let stmt = self.prepared.get(&mut *c, sql)?;
            let mut rows = c.query_raw(&stmt, params)?;
            while let Some(row) = rows.next()? {
                let raw = read_entry(&row)?;
                if !f(raw).map_err(Stop::Store)? {
                    break;
                }
            }
            Ok(())
        })
        .map_err(StoreError::from)
    }
}

impl JournalStore for PgStore {
    fn append(&mut self, entries: &[NewEntry]) -> Result<Vec<JournalEntry>, StoreError> {
        self.append_inner(None, entries, &[]).map(|(e, _)| e)
    }

    fn append_at(
        &mut self,
        expected_head: u64,
        entries: &[NewEntry],
    ) -> Result<Vec<JournalEntry>, StoreError> {
        self.append_inner(Some(expected_head), entries, &[])
            .map(|(e, _)| e)
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
        Some(format!("{}#{}", self.target, self.ledger))
    }

    fn head(&self) -> Result<Option<(u64, Hash)>, StoreError> {
        let mut c = self.client()?;
        blocking(|| read_head(&mut *c, &self.ledger))
    }

    fn scan(
        &self,
        after: u64,
        f: &mut dyn FnMut(JournalEntry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let Ok(after) = i64::try_from(after) else {
            return Ok(());
        };
        self.stream(after, false, &mut |raw| {
            f(raw.into_entry()?)?;
            Ok(true)
        })
    }

    fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.verify_chain().map(|(r, _)| r)
    }

    fn set_head_file(&mut self, file: Option<HeadFile>) {
        self.heads = file;
    }

    fn verify_chain(&self) -> Result<(VerifyReport, ChainNotes), StoreError> {
        let mut check = JournalVerifier::new(self.heads.as_ref(), || self.snapshot_heads())?;
        self.stream(i64::MIN, true, &mut |raw| Ok(check.row(&raw)))?;
        Ok(check.finish())
    }

    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError> {
        let seq =
            i64::try_from(snapshot.seq).map_err(|_| StoreError::corrupt("快照序号超出范围"))?;
        let ledger = self.ledger.clone();
        let parts: Vec<&[u8]> = if snapshot.state.is_empty() {
            vec![&[]]
        } else {
            snapshot.state.chunks(SNAPSHOT_PART).collect()
        };
        let n_parts = parts.len() as i32;
        self.run(|c| {
            let mut tx = c.transaction()?;
            // Same seq replaces (its parts go with it).
            tx.execute(
                "DELETE FROM snapshot WHERE ledger = $1 AND seq = $2",
                &[&ledger, &seq],
            )?;
            tx.execute(
                "INSERT INTO snapshot (ledger, seq, head_hash, parts, created_at) \
                 VALUES ($1, $2, $3, $4, $5)",
                &[
                    &ledger,
                    &seq,
                    &snapshot.head_hash.as_slice(),
                    &n_parts,
                    &now_micros(),
                ],
            )?;
            for (i, bytes) in parts.iter().enumerate() {
                tx.execute(
                    "INSERT INTO snapshot_part (ledger, seq, part, bytes) VALUES ($1, $2, $3, $4)",
                    &[&ledger, &seq, &(i as i32), bytes],
                )?;
            }
            tx.execute(
                "DELETE FROM snapshot WHERE ledger = $1 AND seq NOT IN \
                 (SELECT seq FROM snapshot WHERE ledger = $1 ORDER BY seq DESC LIMIT $2)",
                &[&ledger, &(SNAPSHOTS_KEPT as i64)],
            )?;
            tx.commit()
        })
    }

    fn latest_snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        let row = self.run(|c| {
            c.query_opt(
                "SELECT seq, head_hash, parts FROM snapshot WHERE ledger = $1 \
                 ORDER BY seq DESC LIMIT 1",
                &[&self.ledger],
            )
        })?;
        let Some(row) = row else {
            return Ok(None);
        };
        let seq: i64 = row.get(0);
        let bad = |detail: &str| StoreError::corrupt(format!("第 {seq} 条处的快照：{detail}"));
        let head_hash: Vec<u8> = row.get(1);
        let n_parts: i32 = row.get(2);
        let mut state = Vec::new();
        let mut found = 0;
        {
            use postgres::fallible_iterator::FallibleIterator;
            let mut c = self.client()?;
            blocking(|| -> Result<(), postgres::Error> {
                let params: [&(dyn postgres::types::ToSql + Sync); 2] = [&self.ledger, &seq];
                let mut rows = c.query_raw(
                    "SELECT part, bytes FROM snapshot_part WHERE ledger = $1 AND seq = $2 \
                     ORDER BY part",
                    params,
                )?;
                while let Some(r) = rows.next()? {
                    if r.get::<_, i32>(0) == found {
                        state.extend_from_slice(r.get::<_, &[u8]>(1));
                        found += 1;
                    }
                }
                Ok(())
            })
            .map_err(pg_error)?;
        }
        if found != n_parts {
            return Err(bad("缺少部分内容"));
        }
        Ok(Some(Snapshot {
            seq: u64::try_from(seq).map_err(|_| bad("序号不合法"))?,
            head_hash: head_hash
                .as_slice()
                .try_into()
                .map_err(|_| bad("快照哈希的长度不对"))?,
            state,
        }))
    }

    fn watcher(&self) -> Result<Option<Box<dyn crate::Watcher>>, StoreError> {
        Ok(Some(Box::new(PgWatcher::listen(
            &self.config,
            &self.target,
            &self.ledger,
            self.pid.clone(),
        )?)))
    }

    fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        let row = self.run(|c| {
            c.query_opt(
                "SELECT value FROM meta WHERE ledger = $1 AND key = $2",
                &[&self.ledger, &key],
            )
        })?;
        Ok(row.map(|r| r.get(0)))
    }

    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        if key.contains('\0') || value.contains('\0') {
            return Err(StoreError::InvalidEntry("设置项含有空字符".into()));
        }
        let ledger = self.ledger.clone();
        self.run(|c| {
            c.execute(
                "INSERT INTO meta (ledger, key, value) VALUES ($1, $2, $3) \
                 ON CONFLICT (ledger, key) DO UPDATE SET value = excluded.value",
                &[&ledger, &key, &value],
            )
        })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls() {
        assert!(is_postgres_url("postgres://u@h/db"));
        assert!(is_postgres_url("postgresql://h/db"));
        assert!(!is_postgres_url("sqlite:x.db"));
        assert!(!is_postgres_url("./bianzhi.db"));
        assert_eq!(
            redact("postgres://u:secret@h:5432/db"),
            "postgres://u@h:5432/db"
        );
        assert_eq!(redact("postgres://h/db"), "postgres://h/db");
        let (_, target) = parse_url("postgres://postgres@127.0.0.1:5433/bz").unwrap();
        assert_eq!(target, "127.0.0.1:5433/bz");
        assert_eq!(
            with_dbname("postgres://postgres@127.0.0.1:5432/postgres", "x"),
            "postgres://postgres@127.0.0.1:5432/x"
        );
        assert_eq!(
            with_dbname("postgres://u@h/db?sslmode=disable", "x"),
            "postgres://u@h/x?sslmode=disable"
        );
        assert_eq!(with_dbname("postgres://h", "x"), "postgres://h/x");
        assert!(check_database_name("bianzhi_test_1").is_ok());
        assert!(check_database_name("x\"; drop").is_err());
    }

    #[test]
    fn codes() {
        assert!(check_code("320903").is_ok());
        assert!(check_code("").is_err());
        assert!(check_code("32 09").is_err());
        assert!(check_code("盐都").is_err());
    }
}
