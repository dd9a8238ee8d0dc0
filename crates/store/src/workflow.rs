//! The online workflow before a matter is approved (网上办理): user accounts,
//! sign-in sessions, and applications (申请) with their event log.
//!
//! The journal stays the record of *approved* matters; an application only
//! becomes a matter when the 编办 approves it and the ledger accepts it. The
//! workflow lives in the same database file, in its own tables, behind
//! [`WorkflowStore`] so that a PostgreSQL backend can implement it later.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::{params, Connection, OptionalExtension, Row, TransactionBehavior};

use crate::chain::{ChainNotes, Checker};
use crate::head::{Chain, HeadFile};
use crate::StoreError;

/// Version of the workflow tables, kept in `workflow_schema`.
const WORKFLOW_SCHEMA_VERSION: i64 = 5;

/// The workflow tables (version 1). Independent of the journal's schema.
const WORKFLOW_SCHEMA_V1: &str = "
CREATE TABLE IF NOT EXISTS workflow_schema (version INTEGER NOT NULL);
CREATE TABLE IF NOT EXISTS users (
    id            INTEGER PRIMARY KEY,
    login         TEXT    NOT NULL UNIQUE,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    unit          INTEGER,          -- 单位经办: root of the unit subtree they act for
    password_hash TEXT    NOT NULL, -- argon2id PHC string
    active        INTEGER NOT NULL DEFAULT 1,
    created_at    INTEGER NOT NULL  -- microseconds since the Unix epoch
);
CREATE TABLE IF NOT EXISTS sessions (
    id         TEXT    PRIMARY KEY, -- random, hex
    user_id    INTEGER NOT NULL REFERENCES users(id),
    csrf       TEXT    NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL
);
CREATE TABLE IF NOT EXISTS application (
    id           INTEGER PRIMARY KEY,
    unit         INTEGER NOT NULL,
    kind         TEXT    NOT NULL,
    title        TEXT    NOT NULL,
    payload      TEXT    NOT NULL, -- the application as JSON
    status       TEXT    NOT NULL,
    submitted_by INTEGER NOT NULL REFERENCES users(id),
    submitted_at INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL,
    matter_seq   INTEGER,          -- journal sequence number once approved
    doc_no       TEXT,             -- 文号 of the approving matter
    note         TEXT              -- last comment or refusal, for lists
);
CREATE INDEX IF NOT EXISTS application_by_unit ON application (unit, id);
CREATE INDEX IF NOT EXISTS application_by_status ON application (status, id);
CREATE TABLE IF NOT EXISTS application_event (
    id          INTEGER PRIMARY KEY,
    application INTEGER NOT NULL REFERENCES application(id),
    at          INTEGER NOT NULL,
    actor       INTEGER NOT NULL REFERENCES users(id),
    action      TEXT    NOT NULL,
    comment     TEXT    NOT NULL
);
CREATE INDEX IF NOT EXISTS application_event_by_app ON application_event (application, id);
";

/// Version 2: API tokens for other departments and the audit trail (added to
/// a version-1 database on open).
const WORKFLOW_SCHEMA_V2: &str = "
CREATE TABLE IF NOT EXISTS api_token (
    id         INTEGER PRIMARY KEY,
    name       TEXT    NOT NULL,
    token_hash TEXT    NOT NULL UNIQUE, -- SM3 of the whole token, hex; the token itself is never stored
    units      TEXT    NOT NULL,        -- comma-separated roots of the unit subtrees it may read; empty: all
    created_by INTEGER NOT NULL,
    created_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    revoked_at INTEGER
);
CREATE TABLE IF NOT EXISTS audit (
    seq    INTEGER PRIMARY KEY,         -- 1-based, gap-free
    at     INTEGER NOT NULL,            -- microseconds since the Unix epoch
    actor  TEXT    NOT NULL,
    ip     TEXT    NOT NULL,
    action TEXT    NOT NULL,
    target TEXT    NOT NULL,
    detail TEXT    NOT NULL,
    hash   BLOB    NOT NULL             -- SM3 chain, see audit_hash
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'audit trail is append-only'); END;
";

/// Version 3: versioned JSON records (案件 of the closed loop, 问题台账, the
/// holiday calendar and other settings) and content-addressed blobs
/// (attachments, keyed by their SM3 digest).
const WORKFLOW_SCHEMA_V3: &str = "
CREATE TABLE IF NOT EXISTS record (
    kind       TEXT    NOT NULL,        -- e.g. 'case', 'problem', 'setting'
    id         INTEGER NOT NULL,        -- 1-based within the kind
    version    INTEGER NOT NULL,        -- 1 on insert, +1 on every update
    body       TEXT    NOT NULL,        -- JSON
    created_at INTEGER NOT NULL,
    updated_at INTEGER NOT NULL,
    PRIMARY KEY (kind, id)
);
CREATE TABLE IF NOT EXISTS blob (
    digest     TEXT    PRIMARY KEY,     -- SM3 of the content, lower-case hex
    mime       TEXT    NOT NULL,
    size       INTEGER NOT NULL,
    data       BLOB    NOT NULL,
    created_at INTEGER NOT NULL
);
CREATE TRIGGER IF NOT EXISTS blob_no_update BEFORE UPDATE ON blob
BEGIN SELECT RAISE(ABORT, 'blobs are immutable'); END;
";

/// Version 4: failed sign-ins per account and per address, so that a lock
/// holds across restarts and across the servers sharing the database.
const WORKFLOW_SCHEMA_V4: &str = "
CREATE TABLE IF NOT EXISTS sign_in_failure (
    key          TEXT    PRIMARY KEY,  -- acct:<login> or ip:<address>
    count        INTEGER NOT NULL,
    first_at     INTEGER NOT NULL,     -- microseconds since the Unix epoch
    locked_until INTEGER
);
";

/// Failed sign-ins counted for one key (`acct:<login>` or `ip:<address>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub count: u32,
    /// The first failure of the current window.
    pub first: DateTime<Utc>,
    /// Locked until then (when the count reached the maximum).
    pub locked_until: Option<DateTime<Utc>>,
}

/// The rule of counting one more failure at `now`: a count whose window
/// (from its first failure) has passed, or whose lock has ended, starts
/// again at 1; reaching `max` locks the key for `lock`.
pub fn next_failure(
    prev: Option<FailureCount>,
    now: DateTime<Utc>,
    window: chrono::Duration,
    max: u32,
    lock: chrono::Duration,
) -> FailureCount {
    let fresh = match prev {
        None => true,
        Some(p) => now - p.first > window || p.locked_until.is_some_and(|t| t <= now),
    };
    let (count, first) = match prev {
        Some(p) if !fresh => (p.count.saturating_add(1), p.first),
        _ => (1, now),
    };
    let locked_until = match prev {
        Some(p) if !fresh && p.locked_until.is_some() => p.locked_until,
        _ if count >= max => Some(now + lock),
        _ => None,
    };
    FailureCount {
        count,
        first,
        locked_until,
    }
}

/// A versioned JSON record of the workflow (案件, 问题, settings).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RecordRow {
    pub kind: String,
    pub id: i64,
    /// 1 when inserted; each successful update adds one.
    pub version: i64,
    /// The record as JSON.
    pub body: String,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// A stored blob (an attachment's content).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct BlobRow {
    /// SM3 of `data`, lower-case hex.
    pub digest: String,
    pub mime: String,
    pub data: Vec<u8>,
}

/// SM3 digest of `data` as lower-case hex (the key of a blob).
pub fn blob_digest(data: &[u8]) -> String {
    use sm3::{Digest, Sm3};
    hex::encode(Sm3::digest(data))
}

/// Status of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationStatus {
    /// 待审核: submitted (or resubmitted), waiting for the 编办.
    Submitted,
    /// 已退回: returned to the unit with comments.
    Returned,
    /// 已批准: approved and recorded in the journal.
    Approved,
    /// 已撤回: withdrawn by the unit.
    Withdrawn,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 4] = [
        ApplicationStatus::Submitted,
        ApplicationStatus::Returned,
        ApplicationStatus::Approved,
        ApplicationStatus::Withdrawn,
    ];

    /// Stable code stored in the database and used by the API.
    pub fn code(self) -> &'static str {
        match self {
            ApplicationStatus::Submitted => "submitted",
            ApplicationStatus::Returned => "returned",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Withdrawn => "withdrawn",
        }
    }

    /// What a clerk reads.
    pub fn label(self) -> &'static str {
        match self {
            ApplicationStatus::Submitted => "待审核",
            ApplicationStatus::Returned => "已退回",
            ApplicationStatus::Approved => "已批准",
            ApplicationStatus::Withdrawn => "已撤回",
        }
    }

    pub fn parse(code: &str) -> Option<ApplicationStatus> {
        ApplicationStatus::ALL
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// A user account.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRecord {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    /// Role code (the web layer defines the roles).
    pub role: String,
    /// For a unit clerk: the unit whose subtree they act for.
    pub unit: Option<u32>,
    pub password_hash: String,
    pub active: bool,
}

/// A user to create.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub role: String,
    pub unit: Option<u32>,
    pub password_hash: String,
}

/// A sign-in session.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SessionRecord {
    pub id: String,
    pub user_id: i64,
    /// Token that forms must echo (CSRF).
    pub csrf: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An application (申请) for a unit.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationRecord {
    pub id: i64,
    pub unit: u32,
    /// Kind code (hire, leave, transfer, …; defined by the web layer).
    pub kind: String,
    /// One-line summary, e.g. `入编：王芳（事业编制）`.
    pub title: String,
    /// The application as JSON.
    pub payload: String,
    pub status: ApplicationStatus,
    pub submitted_by: i64,
    pub submitted_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    /// Journal sequence number of the matter that approved it.
    pub matter_seq: Option<u64>,
    pub doc_no: Option<String>,
    /// Last comment (退回意见) or refusal message.
    pub note: Option<String>,
}

/// An application to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewApplication {
    pub unit: u32,
    pub kind: String,
    pub title: String,
    pub payload: String,
    pub submitted_by: i64,
    pub at: DateTime<Utc>,
}

/// One step in an application's life.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ApplicationEvent {
    pub id: i64,
    pub application: i64,
    pub at: DateTime<Utc>,
    pub actor: i64,
    /// Action code: submitted, returned, resubmitted, withdrawn, refused, approved.
    pub action: String,
    pub comment: String,
}

/// A change of an application: the status it must be in, the new status and
/// fields, and the event to log — applied atomically.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Transition {
    /// The statuses the application must currently have.
    pub from: Vec<ApplicationStatus>,
    /// New status (`None`: unchanged, e.g. an approval the ledger refused).
    pub to: Option<ApplicationStatus>,
    pub actor: i64,
    pub action: String,
    pub comment: String,
    pub at: DateTime<Utc>,
    /// Replaces the payload (resubmission with changes).
    pub payload: Option<(String, String)>,
    pub matter_seq: Option<u64>,
    pub doc_no: Option<String>,
    /// New value of `note` (`None`: unchanged).
    pub note: Option<String>,
}

/// Which applications to list.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ApplicationFilter {
    /// Only these units (`None`: all).
    pub units: Option<Vec<u32>>,
    pub status: Option<ApplicationStatus>,
    pub kind: Option<String>,
    pub submitted_by: Option<i64>,
    /// Newest first when false.
    pub oldest_first: bool,
    pub offset: u64,
    pub limit: u64,
}

/// Result of [`WorkflowStore::transition`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionOutcome {
    Done(ApplicationRecord),
    NotFound,
    /// The application was not in one of the required statuses.
    WrongStatus(ApplicationStatus),
}

/// Persistence of users, sessions and applications. Calls are synchronous;
/// each is one transaction.
pub trait WorkflowStore: Send {
    fn create_user(&mut self, user: &NewUser) -> Result<UserRecord, StoreError>;
    fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError>;
    fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError>;
    fn users(&self) -> Result<Vec<UserRecord>, StoreError>;

    fn create_session(&mut self, session: &SessionRecord) -> Result<(), StoreError>;
    /// The session if it exists and has not expired at `now`.
    fn session(&self, id: &str, now: DateTime<Utc>) -> Result<Option<SessionRecord>, StoreError>;
    fn delete_session(&mut self, id: &str) -> Result<(), StoreError>;
    /// Moves a session's expiry (idle timeout: every use pushes it on).
    fn touch_session(&mut self, id: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Sessions not expired at `now`, oldest first.
    fn sessions(&self, now: DateTime<Utc>) -> Result<Vec<SessionRecord>, StoreError>;
    /// Ends every session of a user (disabled, roles changed, password reset).
    fn delete_user_sessions(&mut self, user_id: i64) -> Result<Vec<String>, StoreError>;
    /// Writes the mutable fields of an account (name, roles, unit, hash, active).
    fn update_user(&mut self, user: &UserRecord) -> Result<(), StoreError>;

    fn create_token(&mut self, token: &NewToken) -> Result<TokenRecord, StoreError>;
    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;
    /// Revokes a token; false if there is no such token.
    fn revoke_token(&mut self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// Appends to the audit trail (hash-chained); answers the stored entry.
    fn append_audit(&mut self, entry: &NewAudit) -> Result<AuditEntry, StoreError>;
    /// Matching audit entries, newest first, and their total count.
    fn audit(&self, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, u64), StoreError>;
    /// Recomputes the audit chain; answers the number of entries checked.
    /// With a key installed also checks the entries' signatures and the
    /// head file's checkpoint (see [`WorkflowStore::set_head_file`]).
    fn verify_audit(&self) -> Result<u64, StoreError> {
        self.verify_audit_chain().map(|(n, _)| n)
    }
    /// [`WorkflowStore::verify_audit`], with what was checked beyond the
    /// plain chain.
    fn verify_audit_chain(&self) -> Result<(u64, ChainNotes), StoreError>;
    /// From now on records the audit trail's head in `file` after every
    /// append (while a key is installed), and compares it in
    /// `verify_audit`.
    fn set_head_file(&mut self, file: Option<HeadFile>);

    /// Stores a new application (status 待审核) and its `submitted` event.
    fn create_application(&mut self, app: &NewApplication)
        -> Result<ApplicationRecord, StoreError>;
    fn application(&self, id: i64) -> Result<Option<ApplicationRecord>, StoreError>;
    /// Matching applications and the total count without paging.
    fn applications(
        &self,
        filter: &ApplicationFilter,
    ) -> Result<(Vec<ApplicationRecord>, u64), StoreError>;
    fn events(&self, application: i64) -> Result<Vec<ApplicationEvent>, StoreError>;
    /// Changes an application if it is in one of `t.from`, logging the event.
    fn transition(&mut self, id: i64, t: &Transition) -> Result<TransitionOutcome, StoreError>;
    /// Number of applications per status among `units` (`None`: all).
    fn status_counts(
        &self,
        units: Option<&[u32]>,
    ) -> Result<Vec<(ApplicationStatus, u64)>, StoreError>;

    /// Stores a new record of `kind` (next id within the kind, version 1).
    fn insert_record(
        &mut self,
        kind: &str,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<RecordRow, StoreError>;

    /// Replaces the body of record `(kind, id)` if its version is still
    /// `expected_version`; otherwise writes nothing and fails with
    /// [`StoreError::VersionMoved`] (another clerk or server saved it first).
    /// `Ok(None)` when there is no such record.
    fn update_record(
        &mut self,
        kind: &str,
        id: i64,
        expected_version: i64,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<RecordRow>, StoreError>;

    /// One record.
    fn record(&self, kind: &str, id: i64) -> Result<Option<RecordRow>, StoreError>;

    /// Every record of `kind`, by id.
    fn records(&self, kind: &str) -> Result<Vec<RecordRow>, StoreError>;

    /// Deletes record `(kind, id)`; false if there was none. Only for
    /// records nothing refers to by id (a 比对 result kept a while): on
    /// SQLite the id of the newest record of a kind, once deleted, may be
    /// given again.
    fn delete_record(&mut self, kind: &str, id: i64) -> Result<bool, StoreError>;

    /// Stores `data` under its SM3 digest (returned); storing the same content
    /// again is a no-op. Blobs are never changed.
    fn put_blob(&mut self, mime: &str, data: &[u8]) -> Result<String, StoreError>;

    /// The blob with this digest.
    fn blob(&self, digest: &str) -> Result<Option<BlobRow>, StoreError>;

    /// Deletes the blob with this digest; false if there was none. Only for
    /// blobs nothing else refers to (a 比对 result's differences, whose
    /// content is unique to it): an attachment's digest is in the journal,
    /// and its blob must stay.
    fn delete_blob(&mut self, digest: &str) -> Result<bool, StoreError>;

    /// The failed sign-ins counted for `key`.
    fn sign_in_failures(&self, key: &str) -> Result<Option<FailureCount>, StoreError>;

    /// Counts one more failed sign-in for `key` by [`next_failure`], in one
    /// atomic step (servers sharing the database count together).
    fn count_sign_in_failure(
        &mut self,
        key: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
        max: u32,
        lock: chrono::Duration,
    ) -> Result<FailureCount, StoreError>;

    /// Forgets the failures of `key` (a successful sign-in, a password reset).
    fn clear_sign_in_failures(&mut self, key: &str) -> Result<(), StoreError>;
}

/// An API token to store (the secret itself is never stored, only its hash).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewToken {
    /// Who uses it, e.g. 市人社局人事系统.
    pub name: String,
    /// SM3 of the whole token, hex.
    pub token_hash: String,
    /// Roots of the unit subtrees it may read (empty: all units).
    pub units: Vec<u32>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// A stored API token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TokenRecord {
    pub id: i64,
    pub name: String,
    pub token_hash: String,
    pub units: Vec<u32>,
    pub created_by: i64,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
}

/// An event for the audit trail.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewAudit {
    pub at: DateTime<Utc>,
    /// Login of the actor (or the login tried, for a failed sign-in).
    pub actor: String,
    /// Peer address.
    pub ip: String,
    /// What happened, e.g. 登录, 登录失败, 查看身份证号.
    pub action: String,
    /// What it happened to, e.g. a path or `人员 12`.
    pub target: String,
    pub detail: String,
}

/// A stored audit entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AuditEntry {
    pub seq: u64,
    pub at: DateTime<Utc>,
    pub actor: String,
    pub ip: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    pub hash: [u8; 32],
}

/// Which audit entries to list (every field narrows; text fields match substrings).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct AuditFilter {
    pub actor: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub from: Option<DateTime<Utc>>,
    pub to: Option<DateTime<Utc>>,
    pub offset: u64,
    pub limit: u64,
}

/// Checks one audit entry (in order) against `checker`, after its chain link
/// and hash were found right.
pub(crate) fn check_audit_entry(
    checker: &mut Checker,
    seq: u64,
    hash: &[u8; 32],
    mac: Option<&[u8]>,
) -> Result<(), StoreError> {
    checker
        .entry(seq, hash, mac)
        .map_err(|reason| StoreError::corrupt(format!("审计记录校验失败：{reason}")))
}

/// Ends an audit check of `n` entries.
pub(crate) fn finish_audit(checker: Checker, n: u64) -> Result<ChainNotes, StoreError> {
    checker
        .finish(n)
        .map_err(|(_, reason)| StoreError::corrupt(format!("审计记录校验失败：{reason}")))
}

/// A checker for the audit chain with the checkpoint in `heads`.
pub(crate) fn audit_checker(heads: Option<&HeadFile>) -> Result<Checker, StoreError> {
    Checker::new(Chain::Audit, heads).map_err(StoreError::corrupt)
}

/// SM3 hash of one audit entry chained to `prev`:
/// `SM3("bianzhi-audit-v1" ‖ prev ‖ seq ‖ len‖at ‖ len‖actor ‖ len‖ip ‖ len‖action ‖ len‖target ‖ len‖detail)`
/// (lengths and integers big-endian u64/i64).
pub fn audit_hash(prev: &[u8; 32], seq: u64, e: &NewAudit) -> [u8; 32] {
    use sm3::{Digest, Sm3};
    let mut h = Sm3::new();
    h.update(b"bianzhi-audit-v1");
    h.update(prev);
    h.update(seq.to_be_bytes());
    for f in [
        &e.at.timestamp_micros().to_be_bytes()[..],
        e.actor.as_bytes(),
        e.ip.as_bytes(),
        e.action.as_bytes(),
        e.target.as_bytes(),
        e.detail.as_bytes(),
    ] {
        h.update((f.len() as u64).to_be_bytes());
        h.update(f);
    }
    h.finalize().into()
}

fn units_text(units: &[u32]) -> String {
    units
        .iter()
        .map(|u| u.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

fn read_token(r: &Row<'_>) -> rusqlite::Result<TokenRecord> {
    let units: String = r.get(3)?;
    Ok(TokenRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        token_hash: r.get(2)?,
        units: units.split(',').filter_map(|u| u.parse().ok()).collect(),
        created_by: r.get(4)?,
        created_at: from_micros(r.get(5)?),
        expires_at: from_micros(r.get(6)?),
        revoked_at: r.get::<_, Option<i64>>(7)?.map(from_micros),
    })
}

const TOKEN_COLS: &str =
    "id, name, token_hash, units, created_by, created_at, expires_at, revoked_at";

fn read_audit(r: &Row<'_>) -> rusqlite::Result<(AuditEntry, Vec<u8>)> {
    let hash: Vec<u8> = r.get(7)?;
    Ok((
        AuditEntry {
            seq: r.get::<_, i64>(0)? as u64,
            at: from_micros(r.get(1)?),
            actor: r.get(2)?,
            ip: r.get(3)?,
            action: r.get(4)?,
            target: r.get(5)?,
            detail: r.get(6)?,
            hash: [0; 32],
        },
        hash,
    ))
}

fn with_hash((mut e, h): (AuditEntry, Vec<u8>)) -> Result<AuditEntry, StoreError> {
    e.hash = h
        .try_into()
        .map_err(|_| StoreError::corrupt(format!("审计记录 {} 的散列长度不对", e.seq)))?;
    Ok(e)
}

const AUDIT_COLS: &str = "seq, at, actor, ip, action, target, detail, hash";

/// The workflow tables in a SQLite database (the ledger's own file).
#[derive(Debug)]
pub struct SqliteWorkflow {
    conn: Connection,
    heads: Option<HeadFile>,
}

fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

fn from_micros(m: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(m).unwrap_or_default()
}

/// Text fields of the workflow store hold no NUL character on either
/// backend (PostgreSQL text cannot): a field with one is refused, the same
/// way on SQLite and PostgreSQL.
pub(crate) fn text_ok(what: &str, s: &str) -> Result<(), StoreError> {
    if s.contains('\0') {
        Err(StoreError::InvalidEntry(format!("{what}含有空字符")))
    } else {
        Ok(())
    }
}

/// Audit fields come from requests (paths, logins tried): NUL characters are
/// replaced rather than losing the entry, on both backends. The hash covers
/// the stored text.
pub(crate) fn audit_text(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

impl SqliteWorkflow {
    /// Opens (and creates if missing) the workflow tables in the database file.
    pub fn open(path: &Path) -> Result<Self, StoreError> {
        Self::init(crate::sqlite::open_private(path)?)
    }

    /// Tables held in memory only (tests).
    pub fn open_in_memory() -> Result<Self, StoreError> {
        Self::init(Connection::open_in_memory()?)
    }

    fn init(mut conn: Connection) -> Result<Self, StoreError> {
        conn.busy_timeout(Duration::from_millis(5000))?;
        let _mode: String = conn.query_row("PRAGMA journal_mode = WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "FULL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.execute_batch(WORKFLOW_SCHEMA_V1)?;
        tx.execute_batch(WORKFLOW_SCHEMA_V2)?;
        tx.execute_batch(WORKFLOW_SCHEMA_V3)?;
        tx.execute_batch(WORKFLOW_SCHEMA_V4)?;
        // Version 5: the audit entries' keyed signatures (NULL when written
        // without a key; see chain.rs).
        let has_mac: i64 = tx.query_row(
            "SELECT COUNT(*) FROM pragma_table_info('audit') WHERE name = 'mac'",
            [],
            |r| r.get(0),
        )?;
        if has_mac == 0 {
            tx.execute_batch("ALTER TABLE audit ADD COLUMN mac BLOB;")?;
        }
        let v: Option<i64> = tx
            .query_row("SELECT MAX(version) FROM workflow_schema", [], |r| r.get(0))
            .optional()?
            .flatten();
        match v {
            None => {
                tx.execute(
                    "INSERT INTO workflow_schema (version) VALUES (?1)",
                    [WORKFLOW_SCHEMA_VERSION],
                )?;
            }
            Some(v) if v > WORKFLOW_SCHEMA_VERSION => {
                return Err(StoreError::SchemaTooNew {
                    found: v,
                    supported: WORKFLOW_SCHEMA_VERSION,
                })
            }
            Some(v) if v < WORKFLOW_SCHEMA_VERSION => {
                tx.execute(
                    "INSERT INTO workflow_schema (version) VALUES (?1)",
                    [WORKFLOW_SCHEMA_VERSION],
                )?;
            }
            Some(_) => {}
        }
        tx.commit()?;
        Ok(SqliteWorkflow { conn, heads: None })
    }
}

const USER_COLS: &str = "id, login, display_name, role, unit, password_hash, active";
const APP_COLS: &str = "id, unit, kind, title, payload, status, submitted_by, submitted_at, \
     updated_at, matter_seq, doc_no, note";

fn read_user(r: &Row<'_>) -> rusqlite::Result<UserRecord> {
    Ok(UserRecord {
        id: r.get(0)?,
        login: r.get(1)?,
        display_name: r.get(2)?,
        role: r.get(3)?,
        unit: r.get::<_, Option<i64>>(4)?.map(|u| u as u32),
        password_hash: r.get(5)?,
        active: r.get::<_, i64>(6)? != 0,
    })
}

/// An application's JSON with its 身份证号 sealed (see `pii`).
fn seal_text(payload: &str) -> Result<String, StoreError> {
    let b = crate::pii::seal_payload(payload.as_bytes().to_vec())?;
    String::from_utf8(b).map_err(|_| StoreError::corrupt("申请内容不是 UTF-8"))
}

fn read_app(r: &Row<'_>) -> rusqlite::Result<Result<ApplicationRecord, String>> {
    let status: String = r.get(5)?;
    let Some(status) = ApplicationStatus::parse(&status) else {
        return Ok(Err(format!("申请状态“{status}”无法识别")));
    };
    Ok(Ok(ApplicationRecord {
        id: r.get(0)?,
        unit: r.get::<_, i64>(1)? as u32,
        kind: r.get(2)?,
        title: r.get(3)?,
        payload: {
            let p: String = r.get(4)?;
            match crate::pii::unseal_payload(p.as_bytes()) {
                Ok(std::borrow::Cow::Borrowed(_)) => p,
                Ok(std::borrow::Cow::Owned(b)) => String::from_utf8(b).unwrap_or_default(),
                Err(e) => return Ok(Err(e.to_string())),
            }
        },
        status,
        submitted_by: r.get(6)?,
        submitted_at: from_micros(r.get(7)?),
        updated_at: from_micros(r.get(8)?),
        matter_seq: r.get::<_, Option<i64>>(9)?.map(|s| s as u64),
        doc_no: r.get(10)?,
        note: r.get(11)?,
    }))
}

fn get_app(conn: &Connection, id: i64) -> Result<Option<ApplicationRecord>, StoreError> {
    let mut stmt =
        conn.prepare_cached(&format!("SELECT {APP_COLS} FROM application WHERE id = ?1"))?;
    match stmt.query_row([id], read_app).optional()? {
        None => Ok(None),
        Some(r) => r.map(Some).map_err(StoreError::corrupt),
    }
}

impl WorkflowStore for SqliteWorkflow {
    fn create_user(&mut self, u: &NewUser) -> Result<UserRecord, StoreError> {
        for (what, s) in [
            ("用户名", &u.login),
            ("姓名", &u.display_name),
            ("角色", &u.role),
            ("口令散列", &u.password_hash),
        ] {
            text_ok(what, s)?;
        }
        self.conn
            .prepare_cached(
                "INSERT INTO users (login, display_name, role, unit, password_hash, active, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, 1, ?6)",
            )?
            .execute(params![
                u.login,
                u.display_name,
                u.role,
                u.unit.map(i64::from),
                u.password_hash,
                micros(Utc::now())
            ])?;
        let id = self.conn.last_insert_rowid();
        self.user(id)?
            .ok_or_else(|| StoreError::corrupt("新建的用户读取不到"))
    }

    fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE id = ?1"))?;
        Ok(stmt.query_row([id], read_user).optional()?)
    }

    fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {USER_COLS} FROM users WHERE login = ?1"))?;
        Ok(stmt.query_row([login], read_user).optional()?)
    }

    fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {USER_COLS} FROM users ORDER BY id"))?;
        let rows = stmt.query_map([], read_user)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn create_session(&mut self, s: &SessionRecord) -> Result<(), StoreError> {
        text_ok("会话标识", &s.id)?;
        text_ok("会话令牌", &s.csrf)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        // Expired sessions are dropped whenever a new one starts.
        tx.prepare_cached("DELETE FROM sessions WHERE expires_at <= ?1")?
            .execute([micros(s.created_at)])?;
        tx.prepare_cached(
            "INSERT INTO sessions (id, user_id, csrf, created_at, expires_at) VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![
            s.id,
            s.user_id,
            s.csrf,
            micros(s.created_at),
            micros(s.expires_at)
        ])?;
        tx.commit()?;
        Ok(())
    }

    fn session(&self, id: &str, now: DateTime<Utc>) -> Result<Option<SessionRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, user_id, csrf, created_at, expires_at FROM sessions \
             WHERE id = ?1 AND expires_at > ?2",
        )?;
        Ok(stmt
            .query_row(params![id, micros(now)], |r| {
                Ok(SessionRecord {
                    id: r.get(0)?,
                    user_id: r.get(1)?,
                    csrf: r.get(2)?,
                    created_at: from_micros(r.get(3)?),
                    expires_at: from_micros(r.get(4)?),
                })
            })
            .optional()?)
    }

    fn delete_session(&mut self, id: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM sessions WHERE id = ?1")?
            .execute([id])?;
        Ok(())
    }

    fn touch_session(&mut self, id: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("UPDATE sessions SET expires_at = ?2 WHERE id = ?1")?
            .execute(params![id, micros(expires_at)])?;
        Ok(())
    }

    fn sessions(&self, now: DateTime<Utc>) -> Result<Vec<SessionRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, user_id, csrf, created_at, expires_at FROM sessions \
             WHERE expires_at > ?1 ORDER BY created_at",
        )?;
        let rows = stmt.query_map([micros(now)], |r| {
            Ok(SessionRecord {
                id: r.get(0)?,
                user_id: r.get(1)?,
                csrf: r.get(2)?,
                created_at: from_micros(r.get(3)?),
                expires_at: from_micros(r.get(4)?),
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delete_user_sessions(&mut self, user_id: i64) -> Result<Vec<String>, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let ids: Vec<String> = {
            let mut stmt = tx.prepare_cached("SELECT id FROM sessions WHERE user_id = ?1")?;
            let rows = stmt.query_map([user_id], |r| r.get(0))?;
            rows.collect::<Result<_, _>>()?
        };
        tx.prepare_cached("DELETE FROM sessions WHERE user_id = ?1")?
            .execute([user_id])?;
        tx.commit()?;
        Ok(ids)
    }

    fn update_user(&mut self, u: &UserRecord) -> Result<(), StoreError> {
        for (what, s) in [
            ("姓名", &u.display_name),
            ("角色", &u.role),
            ("口令散列", &u.password_hash),
        ] {
            text_ok(what, s)?;
        }
        self.conn
            .prepare_cached(
                "UPDATE users SET display_name = ?2, role = ?3, unit = ?4, password_hash = ?5, \
                 active = ?6 WHERE id = ?1",
            )?
            .execute(params![
                u.id,
                u.display_name,
                u.role,
                u.unit.map(i64::from),
                u.password_hash,
                u.active as i64
            ])?;
        Ok(())
    }

    fn create_token(&mut self, t: &NewToken) -> Result<TokenRecord, StoreError> {
        text_ok("令牌名称", &t.name)?;
        text_ok("令牌散列", &t.token_hash)?;
        self.conn
            .prepare_cached(
                "INSERT INTO api_token (name, token_hash, units, created_by, created_at, expires_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
            )?
            .execute(params![
                t.name,
                t.token_hash,
                units_text(&t.units),
                t.created_by,
                micros(t.created_at),
                micros(t.expires_at)
            ])?;
        let id = self.conn.last_insert_rowid();
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {TOKEN_COLS} FROM api_token WHERE id = ?1"))?;
        Ok(stmt.query_row([id], read_token)?)
    }

    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {TOKEN_COLS} FROM api_token WHERE token_hash = ?1"
        ))?;
        Ok(stmt.query_row([hash], read_token).optional()?)
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        let mut stmt = self
            .conn
            .prepare_cached(&format!("SELECT {TOKEN_COLS} FROM api_token ORDER BY id"))?;
        let rows = stmt.query_map([], read_token)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn revoke_token(&mut self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError> {
        let n = self
            .conn
            .prepare_cached(
                "UPDATE api_token SET revoked_at = COALESCE(revoked_at, ?2) WHERE id = ?1",
            )?
            .execute(params![id, micros(at)])?;
        Ok(n > 0)
    }

    fn append_audit(&mut self, e: &NewAudit) -> Result<AuditEntry, StoreError> {
        let e = &NewAudit {
            at: e.at,
            actor: audit_text(&e.actor),
            ip: audit_text(&e.ip),
            action: audit_text(&e.action),
            target: audit_text(&e.target),
            detail: audit_text(&e.detail),
        };
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let last: Option<(i64, Vec<u8>)> = tx
            .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
            .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
            .optional()?;
        let (seq, prev) = match last {
            None => (1u64, [0u8; 32]),
            Some((s, h)) => (
                s as u64 + 1,
                h.try_into()
                    .map_err(|_| StoreError::corrupt("审计记录散列长度不对"))?,
            ),
        };
        let hash = audit_hash(&prev, seq, e);
        let mac = crate::chain::mac(Chain::Audit, seq, &hash);
        tx.prepare_cached(
            "INSERT INTO audit (seq, at, actor, ip, action, target, detail, hash, mac) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
        )?
        .execute(params![
            seq as i64,
            micros(e.at),
            e.actor,
            e.ip,
            e.action,
            e.target,
            e.detail,
            &hash[..],
            mac.as_ref().map(|m| &m[..])
        ])?;
        tx.commit()?;
        if let Some(h) = &self.heads {
            // Committed already; see SqliteStore::append.
            let _ = h.record(Chain::Audit, seq, hash);
        }
        Ok(AuditEntry {
            seq,
            at: from_micros(micros(e.at)),
            actor: e.actor.clone(),
            ip: e.ip.clone(),
            action: e.action.clone(),
            target: e.target.clone(),
            detail: e.detail.clone(),
            hash,
        })
    }

    fn audit(&self, f: &AuditFilter) -> Result<(Vec<AuditEntry>, u64), StoreError> {
        let mut wh = vec!["1 = 1".to_string()];
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        for (col, v) in [
            ("actor", &f.actor),
            ("action", &f.action),
            ("target", &f.target),
            ("ip", &f.ip),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                args.push(format!("%{}%", v.replace(['%', '_'], "")).into());
                wh.push(format!("{col} LIKE ?{}", args.len()));
            }
        }
        if let Some(t) = f.from {
            args.push(micros(t).into());
            wh.push(format!("at >= ?{}", args.len()));
        }
        if let Some(t) = f.to {
            args.push(micros(t).into());
            wh.push(format!("at < ?{}", args.len()));
        }
        let wh = wh.join(" AND ");
        let total: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM audit WHERE {wh}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {AUDIT_COLS} FROM audit WHERE {wh} ORDER BY seq DESC LIMIT {} OFFSET {}",
            f.limit.max(1) as i64,
            f.offset as i64
        ))?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), read_audit)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(with_hash(r?)?);
        }
        Ok((out, total as u64))
    }

    fn set_head_file(&mut self, file: Option<HeadFile>) {
        self.heads = file;
    }

    fn verify_audit_chain(&self) -> Result<(u64, ChainNotes), StoreError> {
        let mut checker = audit_checker(self.heads.as_ref())?;
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {AUDIT_COLS}, mac FROM audit ORDER BY seq"))?;
        let rows = stmt.query_map([], |r| {
            let mac = match r.get_ref(8)? {
                rusqlite::types::ValueRef::Null => None,
                rusqlite::types::ValueRef::Blob(b) => Some(b.to_vec()),
                _ => Some(Vec::new()),
            };
            Ok((read_audit(r)?, mac))
        })?;
        let mut prev = [0u8; 32];
        let mut n = 0u64;
        for r in rows {
            let (e, mac) = r?;
            let e = with_hash(e)?;
            n += 1;
            if e.seq != n {
                return Err(StoreError::corrupt(format!(
                    "审计记录不连续：应为第 {n} 条，实为第 {} 条（有记录被删除）",
                    e.seq
                )));
            }
            let want = audit_hash(
                &prev,
                e.seq,
                &NewAudit {
                    at: e.at,
                    actor: e.actor.clone(),
                    ip: e.ip.clone(),
                    action: e.action.clone(),
                    target: e.target.clone(),
                    detail: e.detail.clone(),
                },
            );
            if want != e.hash {
                return Err(StoreError::corrupt(format!(
                    "审计记录第 {n} 条的 SM3 散列不符（记录被篡改）"
                )));
            }
            check_audit_entry(&mut checker, e.seq, &e.hash, mac.as_deref())?;
            prev = e.hash;
        }
        Ok((n, finish_audit(checker, n)?))
    }

    fn create_application(&mut self, a: &NewApplication) -> Result<ApplicationRecord, StoreError> {
        text_ok("申请类别", &a.kind)?;
        text_ok("申请标题", &a.title)?;
        text_ok("申请内容", &a.payload)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        tx.prepare_cached(
            "INSERT INTO application (unit, kind, title, payload, status, submitted_by, submitted_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        )?
        .execute(params![
            i64::from(a.unit),
            a.kind,
            a.title,
            seal_text(&a.payload)?,
            ApplicationStatus::Submitted.code(),
            a.submitted_by,
            micros(a.at)
        ])?;
        let id = tx.last_insert_rowid();
        tx.prepare_cached(
            "INSERT INTO application_event (application, at, actor, action, comment) \
             VALUES (?1, ?2, ?3, 'submitted', '')",
        )?
        .execute(params![id, micros(a.at), a.submitted_by])?;
        let rec = get_app(&tx, id)?.ok_or_else(|| StoreError::corrupt("新建的申请读取不到"))?;
        tx.commit()?;
        Ok(rec)
    }

    fn application(&self, id: i64) -> Result<Option<ApplicationRecord>, StoreError> {
        get_app(&self.conn, id)
    }

    fn applications(
        &self,
        f: &ApplicationFilter,
    ) -> Result<(Vec<ApplicationRecord>, u64), StoreError> {
        let mut clauses: Vec<String> = Vec::new();
        let mut args: Vec<rusqlite::types::Value> = Vec::new();
        if let Some(units) = &f.units {
            if units.is_empty() {
                return Ok((Vec::new(), 0));
            }
            let list: Vec<String> = units.iter().map(|u| u.to_string()).collect();
            // Unit ids are integers we format ourselves: safe to inline.
            clauses.push(format!("unit IN ({})", list.join(",")));
        }
        if let Some(s) = f.status {
            args.push(s.code().to_string().into());
            clauses.push(format!("status = ?{}", args.len()));
        }
        if let Some(k) = &f.kind {
            args.push(k.clone().into());
            clauses.push(format!("kind = ?{}", args.len()));
        }
        if let Some(u) = f.submitted_by {
            args.push(u.into());
            clauses.push(format!("submitted_by = ?{}", args.len()));
        }
        let wh = if clauses.is_empty() {
            String::new()
        } else {
            format!(" WHERE {}", clauses.join(" AND "))
        };
        let total: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM application{wh}"),
            rusqlite::params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let order = if f.oldest_first { "ASC" } else { "DESC" };
        let limit = if f.limit == 0 { u64::MAX >> 1 } else { f.limit };
        let sql = format!(
            "SELECT {APP_COLS} FROM application{wh} ORDER BY id {order} LIMIT {} OFFSET {}",
            limit.min(i64::MAX as u64),
            f.offset.min(i64::MAX as u64)
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(rusqlite::params_from_iter(args.iter()), read_app)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r?.map_err(StoreError::corrupt)?);
        }
        Ok((out, total as u64))
    }

    fn events(&self, application: i64) -> Result<Vec<ApplicationEvent>, StoreError> {
        let mut stmt = self.conn.prepare_cached(
            "SELECT id, application, at, actor, action, comment FROM application_event \
             WHERE application = ?1 ORDER BY id",
        )?;
        let rows = stmt.query_map([application], |r| {
            Ok(ApplicationEvent {
                id: r.get(0)?,
                application: r.get(1)?,
                at: from_micros(r.get(2)?),
                actor: r.get(3)?,
                action: r.get(4)?,
                comment: r.get(5)?,
            })
        })?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn transition(&mut self, id: i64, t: &Transition) -> Result<TransitionOutcome, StoreError> {
        if let Some((title, payload)) = &t.payload {
            text_ok("申请标题", title)?;
            text_ok("申请内容", payload)?;
        }
        for s in [&t.doc_no, &t.note].into_iter().flatten() {
            text_ok("申请备注", s)?;
        }
        text_ok("处理意见", &t.comment)?;
        text_ok("处理动作", &t.action)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(cur) = get_app(&tx, id)? else {
            return Ok(TransitionOutcome::NotFound);
        };
        if !t.from.contains(&cur.status) {
            return Ok(TransitionOutcome::WrongStatus(cur.status));
        }
        let status = t.to.unwrap_or(cur.status);
        let (title, payload) = t
            .payload
            .clone()
            .unwrap_or((cur.title.clone(), cur.payload.clone()));
        tx.prepare_cached(
            "UPDATE application SET status = ?2, title = ?3, payload = ?4, updated_at = ?5, \
             matter_seq = COALESCE(?6, matter_seq), doc_no = COALESCE(?7, doc_no), \
             note = CASE WHEN ?8 THEN ?9 ELSE note END WHERE id = ?1",
        )?
        .execute(params![
            id,
            status.code(),
            title,
            seal_text(&payload)?,
            micros(t.at),
            t.matter_seq.map(|s| s as i64),
            t.doc_no,
            t.note.is_some(),
            t.note
        ])?;
        tx.prepare_cached(
            "INSERT INTO application_event (application, at, actor, action, comment) \
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?
        .execute(params![id, micros(t.at), t.actor, t.action, t.comment])?;
        let rec = get_app(&tx, id)?.ok_or_else(|| StoreError::corrupt("申请读取不到"))?;
        tx.commit()?;
        Ok(TransitionOutcome::Done(rec))
    }

    fn status_counts(
        &self,
        units: Option<&[u32]>,
    ) -> Result<Vec<(ApplicationStatus, u64)>, StoreError> {
        let wh = match units {
            None => String::new(),
            Some([]) => return Ok(Vec::new()),
            Some(us) => {
                let list: Vec<String> = us.iter().map(|u| u.to_string()).collect();
                format!(" WHERE unit IN ({})", list.join(","))
            }
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT status, COUNT(*) FROM application{wh} GROUP BY status"
        ))?;
        let rows = stmt.query_map([], |r| Ok((r.get::<_, String>(0)?, r.get::<_, i64>(1)?)))?;
        let mut out = Vec::new();
        for r in rows {
            let (s, n) = r?;
            if let Some(s) = ApplicationStatus::parse(&s) {
                out.push((s, n as u64));
            }
        }
        Ok(out)
    }

    fn insert_record(
        &mut self,
        kind: &str,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<RecordRow, StoreError> {
        text_ok("记录类别", kind)?;
        text_ok("记录内容", body)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let id: i64 = tx.query_row(
            "SELECT COALESCE(MAX(id), 0) + 1 FROM record WHERE kind = ?1",
            [kind],
            |r| r.get(0),
        )?;
        tx.prepare_cached(
            "INSERT INTO record (kind, id, version, body, created_at, updated_at) \
             VALUES (?1, ?2, 1, ?3, ?4, ?4)",
        )?
        .execute(params![kind, id, body, micros(at)])?;
        let row = Self::get_record(&tx, kind, id)?
            .ok_or_else(|| StoreError::corrupt("新建的记录读取不到"))?;
        tx.commit()?;
        Ok(row)
    }

    fn update_record(
        &mut self,
        kind: &str,
        id: i64,
        expected_version: i64,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<RecordRow>, StoreError> {
        text_ok("记录内容", body)?;
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let Some(cur) = Self::get_record(&tx, kind, id)? else {
            return Ok(None);
        };
        if cur.version != expected_version {
            return Err(StoreError::VersionMoved {
                expected: expected_version,
                found: cur.version,
            });
        }
        tx.prepare_cached(
            "UPDATE record SET version = version + 1, body = ?3, updated_at = ?4 \
             WHERE kind = ?1 AND id = ?2",
        )?
        .execute(params![kind, id, body, micros(at)])?;
        let row = Self::get_record(&tx, kind, id)?;
        tx.commit()?;
        Ok(row)
    }

    fn record(&self, kind: &str, id: i64) -> Result<Option<RecordRow>, StoreError> {
        Self::get_record(&self.conn, kind, id)
    }

    fn records(&self, kind: &str) -> Result<Vec<RecordRow>, StoreError> {
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RECORD_COLS} FROM record WHERE kind = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([kind], Self::read_record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delete_record(&mut self, kind: &str, id: i64) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM record WHERE kind = ?1 AND id = ?2")?
            .execute(params![kind, id])?
            > 0)
    }

    fn put_blob(&mut self, mime: &str, data: &[u8]) -> Result<String, StoreError> {
        text_ok("附件类型", mime)?;
        let digest = blob_digest(data);
        self.conn
            .prepare_cached(
                "INSERT INTO blob (digest, mime, size, data, created_at) \
                 VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (digest) DO NOTHING",
            )?
            .execute(params![
                digest,
                mime,
                data.len() as i64,
                data,
                micros(Utc::now())
            ])?;
        Ok(digest)
    }

    fn blob(&self, digest: &str) -> Result<Option<BlobRow>, StoreError> {
        Ok(self
            .conn
            .prepare_cached("SELECT digest, mime, data FROM blob WHERE digest = ?1")?
            .query_row([digest], |r| {
                Ok(BlobRow {
                    digest: r.get(0)?,
                    mime: r.get(1)?,
                    data: r.get(2)?,
                })
            })
            .optional()?)
    }

    fn delete_blob(&mut self, digest: &str) -> Result<bool, StoreError> {
        Ok(self
            .conn
            .prepare_cached("DELETE FROM blob WHERE digest = ?1")?
            .execute([digest])?
            > 0)
    }

    fn sign_in_failures(&self, key: &str) -> Result<Option<FailureCount>, StoreError> {
        read_failure(&self.conn, key)
    }

    fn count_sign_in_failure(
        &mut self,
        key: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
        max: u32,
        lock: chrono::Duration,
    ) -> Result<FailureCount, StoreError> {
        let tx = self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?;
        let next = next_failure(read_failure(&tx, key)?, now, window, max, lock);
        tx.prepare_cached(
            "INSERT INTO sign_in_failure (key, count, first_at, locked_until) \
             VALUES (?1, ?2, ?3, ?4) ON CONFLICT (key) DO UPDATE SET \
             count = excluded.count, first_at = excluded.first_at, \
             locked_until = excluded.locked_until",
        )?
        .execute(params![
            key,
            next.count,
            micros(next.first),
            next.locked_until.map(micros)
        ])?;
        tx.commit()?;
        Ok(next)
    }

    fn clear_sign_in_failures(&mut self, key: &str) -> Result<(), StoreError> {
        self.conn
            .prepare_cached("DELETE FROM sign_in_failure WHERE key = ?1")?
            .execute([key])?;
        Ok(())
    }
}

impl SqliteWorkflow {
    fn read_record(r: &Row<'_>) -> rusqlite::Result<RecordRow> {
        Ok(RecordRow {
            kind: r.get(0)?,
            id: r.get(1)?,
            version: r.get(2)?,
            body: r.get(3)?,
            created_at: from_micros(r.get(4)?),
            updated_at: from_micros(r.get(5)?),
        })
    }
}

const RECORD_COLS: &str = "kind, id, version, body, created_at, updated_at";

impl SqliteWorkflow {
    fn get_record(conn: &Connection, kind: &str, id: i64) -> Result<Option<RecordRow>, StoreError> {
        Ok(conn
            .prepare_cached(&format!(
                "SELECT {RECORD_COLS} FROM record WHERE kind = ?1 AND id = ?2"
            ))?
            .query_row(params![kind, id], Self::read_record)
            .optional()?)
    }
}

fn read_failure(conn: &Connection, key: &str) -> Result<Option<FailureCount>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT count, first_at, locked_until FROM sign_in_failure WHERE key = ?1")?
        .query_row([key], |r| {
            Ok(FailureCount {
                count: r.get(0)?,
                first: from_micros(r.get(1)?),
                locked_until: r.get::<_, Option<i64>>(2)?.map(from_micros),
            })
        })
        .optional()?)
}
