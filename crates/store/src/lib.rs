//! Journal and snapshots of the bianzhi ledger.
//!
//! The journal (台账流水) is the source of truth: an append-only sequence of
//! matters, each stored with its 文号, effective date, recorded time, actor and
//! the matter itself as JSON, hash-chained with SM3 so that editing any stored
//! row is detected by [`JournalStore::verify`]. With a key installed every entry
//! is also signed (HMAC-SM3) and the head is checkpointed outside the database
//! ([`HeadFile`]), so that a history rewritten with recomputed hashes, a forged
//! entry and the newest entries deleted are detected too (see `chain.rs`).
//! State is rebuilt by replaying the journal; snapshots make start-up fast.
//!
//! [`JournalStore`] is the one interface; [`SqliteStore`] is the embedded
//! default (one district on one machine), [`PgStore`] the PostgreSQL backend
//! (several jurisdictions in one database, several servers on one ledger).

mod chain;
mod db;
mod error;
mod head;
pub mod pii;
mod postgres;
mod sqlite;
mod workflow;

pub use chain::{entry_hash, ChainNotes, Hash, GENESIS_HASH};
pub use db::{
    decode, BatchSink, Db, DbError, GroupOutcome, GroupRefusal, LoadStats, SNAPSHOT_EVERY,
};
pub use error::StoreError;
pub use head::{Chain, HeadFile, Heads};
pub use postgres::{is_postgres_url, with_dbname, LedgerInfo, PgStore, SetupLock};
pub use sqlite::SqliteStore;
pub use workflow::postgres::PgWorkflow;
pub use workflow::sqlite::SqliteWorkflow;
pub use workflow::{
    audit_hash, blob_digest, next_failure, AccountStore, ApplicationEvent, ApplicationFilter,
    ApplicationRecord, ApplicationStatus, ApplicationStore, AuditEntry, AuditFilter, AuditStore,
    BlobRow, FailureCount, NewApplication, NewAudit, NewToken, NewUser, RecordRow, RecordStore,
    SessionRecord, TokenRecord, Transition, TransitionOutcome, UserRecord, WorkflowStore,
};

use chrono::{DateTime, NaiveDate, Utc};

/// How many snapshots a backend keeps: saving one deletes all but the newest
/// `SNAPSHOTS_KEPT` (by `seq`).
pub const SNAPSHOTS_KEPT: usize = 3;

/// A matter about to be appended; the store assigns its sequence number and hash.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewEntry {
    /// 文号 as normalised text, e.g. `盐编〔2021〕12号`.
    pub doc_no: String,
    /// 生效日期.
    pub effective: NaiveDate,
    /// 登记时间 (microsecond precision).
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    /// The matter as JSON (canonical: produced by serde_json from the core type).
    pub payload: Vec<u8>,
}

/// A stored journal entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct JournalEntry {
    /// 1-based, gap-free sequence number (the recording order).
    pub seq: u64,
    pub doc_no: String,
    pub effective: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    pub payload: Vec<u8>,
    pub prev_hash: Hash,
    pub hash: Hash,
}

/// A snapshot of ledger state taken after applying every entry up to `seq`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Snapshot {
    pub seq: u64,
    /// Hash of entry `seq` when the snapshot was taken; a snapshot whose hash no
    /// longer matches the journal is ignored.
    pub head_hash: Hash,
    /// Opaque state bytes (the core's snapshot encoding).
    pub state: Vec<u8>,
}

/// Result of checking the hash chain.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VerifyReport {
    /// Every entry's hash matches; `entries` were checked.
    Intact { entries: u64, head: Hash },
    /// The first entry whose stored content no longer matches its hash (or whose
    /// link to the previous entry is broken, or whose sequence has a gap).
    Broken {
        seq: u64,
        doc_no: String,
        reason: String,
    },
}

/// The store interface every backend implements. Calls are synchronous; a
/// successful `append` is durable (committed) when it returns.
pub trait JournalStore: Send {
    /// Appends entries in one transaction (all or nothing), assigning consecutive
    /// sequence numbers after the current head and chaining their hashes.
    /// Text fields (文号, actor) must not contain NUL characters (PostgreSQL
    /// text cannot hold them): such an entry is refused with
    /// [`StoreError::InvalidEntry`] on every backend.
    fn append(&mut self, entries: &[NewEntry]) -> Result<Vec<JournalEntry>, StoreError>;

    /// Like [`JournalStore::append`], but only if the journal's last entry is
    /// still `expected_head` (0: the journal is empty) — the head the caller has
    /// applied. Otherwise nothing is written and the error is
    /// [`StoreError::HeadMoved`]. Deciding and appending are one atomic step, so
    /// of several writers that applied the same head exactly one succeeds.
    fn append_at(
        &mut self,
        expected_head: u64,
        entries: &[NewEntry],
    ) -> Result<Vec<JournalEntry>, StoreError>;

    /// [`JournalStore::append_at`] and, in the same transaction, `audits`
    /// appended to the audit trail kept in the same database (see
    /// [`JournalStore::location`]): the matters and their audit entries are
    /// committed together or not at all, with one commit. A store without
    /// an audit trail beside it refuses audits.
    fn append_at_audited(
        &mut self,
        expected_head: u64,
        entries: &[NewEntry],
        audits: &[NewAudit],
    ) -> Result<(Vec<JournalEntry>, Vec<AuditEntry>), StoreError> {
        if !audits.is_empty() {
            return Err(StoreError::InvalidEntry(
                "此台账存储旁没有审计记录，不能在同一事务中写审计".into(),
            ));
        }
        self.append_at(expected_head, entries)
            .map(|e| (e, Vec::new()))
    }

    /// Where the journal's rows are kept (the database file, or the
    /// PostgreSQL database and ledger); `None` in memory. Equal to the audit
    /// trail's `AuditStore::location` when both are in one database.
    fn location(&self) -> Option<String> {
        None
    }

    /// Sequence number and hash of the last entry, `None` for an empty journal.
    fn head(&self) -> Result<Option<(u64, Hash)>, StoreError>;

    /// Calls `f` for every entry with `seq > after`, in sequence order, streaming.
    fn scan(
        &self,
        after: u64,
        f: &mut dyn FnMut(JournalEntry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError>;

    /// Recomputes the hash chain over every stored entry; with a key
    /// installed also checks the entries' signatures, and compares the head
    /// hash of every stored snapshot and of the head file's checkpoint (see
    /// [`JournalStore::set_head_file`]) with the chain.
    fn verify(&self) -> Result<VerifyReport, StoreError>;

    /// [`JournalStore::verify`], with what was checked beyond the plain chain.
    fn verify_chain(&self) -> Result<(VerifyReport, ChainNotes), StoreError> {
        Ok((self.verify()?, ChainNotes::default()))
    }

    /// From now on records the journal's head in `file` after every append
    /// (while a key is installed), and compares it in `verify`. Backends that
    /// cannot keep one ignore it.
    fn set_head_file(&mut self, file: Option<HeadFile>) {
        let _ = file;
    }

    /// Stores a snapshot (keeps only the newest few).
    fn save_snapshot(&mut self, snapshot: &Snapshot) -> Result<(), StoreError>;

    /// The newest snapshot, if any.
    fn latest_snapshot(&self) -> Result<Option<Snapshot>, StoreError>;

    /// Small key/value settings (e.g. the jurisdiction's 区划 code).
    fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError>;
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError>;

    /// A way to be woken when another server moves this ledger's head or
    /// ends a session of it (PostgreSQL: `LISTEN`, on a connection of its
    /// own). `None` for backends that cannot tell: their servers poll.
    fn watcher(&self) -> Result<Option<Box<dyn Watcher>>, StoreError> {
        Ok(None)
    }
}

/// Wakes a server when its ledger changed elsewhere (see
/// [`JournalStore::watcher`]). A wake-up says only that something changed:
/// the server then catches up as it would on a poll, so a lost notification
/// costs at most one poll interval.
pub trait Watcher: Send {
    /// Waits up to `timeout` for a change; `true` if one was announced.
    /// Several announcements that arrived meanwhile count as one.
    fn wait(&mut self, timeout: std::time::Duration) -> Result<bool, StoreError>;
}
