//! The workflow tables in a SQLite database (the ledger's own file): the SQL
//! of every [`WorkflowStore`](super::WorkflowStore) operation. The rules
//! (text policy, audit chain, transition decision, lockout) are in the
//! traits' modules.

use std::path::Path;
use std::time::Duration;

use chrono::{DateTime, Utc};
use rusqlite::types::{Value, ValueRef};
use rusqlite::{params, params_from_iter, Connection, OptionalExtension, Row, TransactionBehavior};

use super::accounts::{
    check_new_user, check_session, check_token, check_user_update, failure_count, parse_units,
    units_text,
};
use super::applications::{
    check_transition, decide, kind_filter, new_application, stored_status, unseal_text,
};
use super::audit::{appended, next_audit, page, stored_hash, AuditVerifier};
use super::records::{check_body, check_mime, check_new_record, version_moved};
use super::{
    blob_digest, failure_key, findable, from_micros, like_pattern, micros, next_failure,
    AccountStore, ApplicationEvent, ApplicationFilter, ApplicationRecord, ApplicationStatus,
    ApplicationStore, AuditEntry, AuditFilter, AuditStore, BlobRow, FailureCount, NewApplication,
    NewAudit, NewToken, NewUser, RecordRow, RecordStore, SessionRecord, TokenRecord, Transition,
    TransitionOutcome, UserRecord,
};
use crate::chain::ChainNotes;
use crate::head::HeadFile;
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
/// The workflow tables in a SQLite database (the ledger's own file).
#[derive(Debug)]
pub struct SqliteWorkflow {
    conn: Connection,
    heads: Option<HeadFile>,
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
const SESSION_COLS: &str = "id, user_id, csrf, created_at, expires_at";
const APP_COLS: &str = "id, unit, kind, title, payload, status, submitted_by, submitted_at, \
     updated_at, matter_seq, doc_no, note";
const TOKEN_COLS: &str =
    "id, name, token_hash, units, created_by, created_at, expires_at, revoked_at";
const AUDIT_COLS: &str = "seq, at, actor, ip, action, target, detail, hash";
const RECORD_COLS: &str = "kind, id, version, body, created_at, updated_at";

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

fn read_session(r: &Row<'_>) -> rusqlite::Result<SessionRecord> {
    Ok(SessionRecord {
        id: r.get(0)?,
        user_id: r.get(1)?,
        csrf: r.get(2)?,
        created_at: from_micros(r.get(3)?),
        expires_at: from_micros(r.get(4)?),
    })
}

fn read_token(r: &Row<'_>) -> rusqlite::Result<TokenRecord> {
    Ok(TokenRecord {
        id: r.get(0)?,
        name: r.get(1)?,
        token_hash: r.get(2)?,
        units: parse_units(&r.get::<_, String>(3)?),
        created_by: r.get(4)?,
        created_at: from_micros(r.get(5)?),
        expires_at: from_micros(r.get(6)?),
        revoked_at: r.get::<_, Option<i64>>(7)?.map(from_micros),
    })
}

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

/// An audit row; `Err` inside: its hash is damaged.
fn read_audit(r: &Row<'_>) -> rusqlite::Result<Result<AuditEntry, StoreError>> {
    let seq = r.get::<_, i64>(0)? as u64;
    let e = AuditEntry {
        seq,
        at: from_micros(r.get(1)?),
        actor: r.get(2)?,
        ip: r.get(3)?,
        action: r.get(4)?,
        target: r.get(5)?,
        detail: r.get(6)?,
        hash: [0; 32],
    };
    Ok(stored_hash(seq, r.get(7)?).map(|hash| AuditEntry { hash, ..e }))
}

/// An application row; `Err` inside: it cannot be read as one.
fn read_app(r: &Row<'_>) -> rusqlite::Result<Result<ApplicationRecord, StoreError>> {
    let status: String = r.get(5)?;
    let payload: String = r.get(4)?;
    let (status, payload) = match (stored_status(&status), unseal_text(payload)) {
        (Ok(s), Ok(p)) => (s, p),
        (Err(e), _) | (_, Err(e)) => return Ok(Err(e)),
    };
    Ok(Ok(ApplicationRecord {
        id: r.get(0)?,
        unit: r.get::<_, i64>(1)? as u32,
        kind: r.get(2)?,
        title: r.get(3)?,
        payload,
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
    stmt.query_row([id], read_app).optional()?.transpose()
}

fn get_record(conn: &Connection, kind: &str, id: i64) -> Result<Option<RecordRow>, StoreError> {
    Ok(conn
        .prepare_cached(&format!(
            "SELECT {RECORD_COLS} FROM record WHERE kind = ?1 AND id = ?2"
        ))?
        .query_row(params![kind, id], read_record)
        .optional()?)
}

fn read_failure(conn: &Connection, key: &str) -> Result<Option<FailureCount>, StoreError> {
    Ok(conn
        .prepare_cached("SELECT count, first_at, locked_until FROM sign_in_failure WHERE key = ?1")?
        .query_row([key], |r| {
            Ok(failure_count(r.get(0)?, r.get(1)?, r.get(2)?))
        })
        .optional()?)
}

/// `WHERE` clauses joined (none: every row).
fn where_clause(clauses: &[String]) -> String {
    if clauses.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", clauses.join(" AND "))
    }
}

/// `unit IN (…)`: unit ids are integers formatted here, safe to inline.
fn units_in(units: &[u32]) -> String {
    format!("unit IN ({})", units_text(units))
}

impl SqliteWorkflow {
    fn immediate(&mut self) -> Result<rusqlite::Transaction<'_>, StoreError> {
        Ok(self
            .conn
            .transaction_with_behavior(TransactionBehavior::Immediate)?)
    }
}

impl AccountStore for SqliteWorkflow {
    fn create_user(&mut self, u: &NewUser) -> Result<UserRecord, StoreError> {
        check_new_user(u)?;
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
        if !findable(login) {
            return Ok(None);
        }
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

    fn update_user(&mut self, u: &UserRecord) -> Result<(), StoreError> {
        check_user_update(u)?;
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

    fn create_session(&mut self, s: &SessionRecord) -> Result<(), StoreError> {
        check_session(s)?;
        let tx = self.immediate()?;
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
        if !findable(id) {
            return Ok(None);
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SESSION_COLS} FROM sessions WHERE id = ?1 AND expires_at > ?2"
        ))?;
        Ok(stmt
            .query_row(params![id, micros(now)], read_session)
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
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {SESSION_COLS} FROM sessions WHERE expires_at > ?1 ORDER BY created_at"
        ))?;
        let rows = stmt.query_map([micros(now)], read_session)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn delete_user_sessions(&mut self, user_id: i64) -> Result<Vec<String>, StoreError> {
        let tx = self.immediate()?;
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

    fn create_token(&mut self, t: &NewToken) -> Result<TokenRecord, StoreError> {
        check_token(t)?;
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
        if !findable(hash) {
            return Ok(None);
        }
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

    fn sign_in_failures(&self, key: &str) -> Result<Option<FailureCount>, StoreError> {
        read_failure(&self.conn, &failure_key(key))
    }

    fn count_sign_in_failure(
        &mut self,
        key: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
        max: u32,
        lock: chrono::Duration,
    ) -> Result<FailureCount, StoreError> {
        let key = failure_key(key);
        let tx = self.immediate()?;
        let next = next_failure(read_failure(&tx, &key)?, now, window, max, lock);
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
            .execute([failure_key(key)])?;
        Ok(())
    }
}

/// Appends audit entries after the trail's last one, inside `tx` (a
/// transaction holding the write lock: the workflow's own, or the journal's
/// when a matter and its audit entry are written together). The caller
/// commits, then records the new head ([`appended`]).
pub(crate) fn insert_audits(
    tx: &rusqlite::Transaction<'_>,
    es: &[NewAudit],
) -> Result<Vec<AuditEntry>, StoreError> {
    let mut last: Option<(i64, Vec<u8>)> = tx
        .prepare_cached("SELECT seq, hash FROM audit ORDER BY seq DESC LIMIT 1")?
        .query_row([], |r| Ok((r.get(0)?, r.get(1)?)))
        .optional()?;
    let mut stored = Vec::with_capacity(es.len());
    let mut insert = tx.prepare_cached(
        "INSERT INTO audit (seq, at, actor, ip, action, target, detail, hash, mac) \
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for e in es {
        let (e, mac) = next_audit(last.take(), e)?;
        insert.execute(params![
            e.seq as i64,
            micros(e.at),
            e.actor,
            e.ip,
            e.action,
            e.target,
            e.detail,
            &e.hash[..],
            mac.as_ref().map(|m| &m[..])
        ])?;
        last = Some((e.seq as i64, e.hash.to_vec()));
        stored.push(e);
    }
    Ok(stored)
}

impl AuditStore for SqliteWorkflow {
    fn append_audits(&mut self, es: &[NewAudit]) -> Result<Vec<AuditEntry>, StoreError> {
        if es.is_empty() {
            return Ok(Vec::new());
        }
        let tx = self.immediate()?;
        let stored = insert_audits(&tx, es)?;
        tx.commit()?;
        appended(self.heads.as_ref(), stored.last().expect("not empty"));
        Ok(stored)
    }

    fn location(&self) -> Option<String> {
        crate::sqlite::file_location(&self.conn)
    }

    fn audit(&self, f: &AuditFilter) -> Result<(Vec<AuditEntry>, u64), StoreError> {
        let mut wh = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        for (col, v) in [
            ("actor", &f.actor),
            ("action", &f.action),
            ("target", &f.target),
            ("ip", &f.ip),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                args.push(like_pattern(v).into());
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
        let wh = where_clause(&wh);
        let total: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM audit{wh}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let (limit, offset) = page(f);
        let mut stmt = self.conn.prepare(&format!(
            "SELECT {AUDIT_COLS} FROM audit{wh} ORDER BY seq DESC LIMIT {limit} OFFSET {offset}"
        ))?;
        let rows = stmt.query_map(params_from_iter(args.iter()), read_audit)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r??);
        }
        Ok((out, total as u64))
    }

    fn verify_audit_chain(&self) -> Result<(u64, ChainNotes), StoreError> {
        let mut check = AuditVerifier::new(self.heads.as_ref())?;
        let mut stmt = self
            .conn
            .prepare(&format!("SELECT {AUDIT_COLS}, mac FROM audit ORDER BY seq"))?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let mac = match r.get_ref(8)? {
                ValueRef::Null => None,
                ValueRef::Blob(b) => Some(b.to_vec()),
                _ => Some(Vec::new()),
            };
            check.entry(&read_audit(r)??, mac.as_deref())?;
        }
        check.finish()
    }

    fn set_head_file(&mut self, file: Option<HeadFile>) {
        self.heads = file;
    }
}

impl ApplicationStore for SqliteWorkflow {
    fn create_application(&mut self, a: &NewApplication) -> Result<ApplicationRecord, StoreError> {
        let payload = new_application(a)?;
        let tx = self.immediate()?;
        tx.prepare_cached(
            "INSERT INTO application (unit, kind, title, payload, status, submitted_by, submitted_at, updated_at) \
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?7)",
        )?
        .execute(params![
            i64::from(a.unit),
            a.kind,
            a.title,
            payload,
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
        let (Ok(kind), false) = (
            kind_filter(f),
            f.units.as_ref().is_some_and(|u| u.is_empty()),
        ) else {
            return Ok((Vec::new(), 0));
        };
        let mut clauses: Vec<String> = Vec::new();
        let mut args: Vec<Value> = Vec::new();
        if let Some(units) = &f.units {
            clauses.push(units_in(units));
        }
        if let Some(s) = f.status {
            args.push(s.code().to_string().into());
            clauses.push(format!("status = ?{}", args.len()));
        }
        if let Some(k) = kind {
            args.push(k.to_string().into());
            clauses.push(format!("kind = ?{}", args.len()));
        }
        if let Some(u) = f.submitted_by {
            args.push(u.into());
            clauses.push(format!("submitted_by = ?{}", args.len()));
        }
        let wh = where_clause(&clauses);
        let total: i64 = self.conn.query_row(
            &format!("SELECT COUNT(*) FROM application{wh}"),
            params_from_iter(args.iter()),
            |r| r.get(0),
        )?;
        let order = if f.oldest_first { "ASC" } else { "DESC" };
        let limit = if f.limit == 0 {
            -1
        } else {
            f.limit.min(i64::MAX as u64) as i64
        };
        let sql = format!(
            "SELECT {APP_COLS} FROM application{wh} ORDER BY id {order} LIMIT {limit} OFFSET {}",
            f.offset.min(i64::MAX as u64)
        );
        let mut stmt = self.conn.prepare(&sql)?;
        let rows = stmt.query_map(params_from_iter(args.iter()), read_app)?;
        let mut out = Vec::new();
        for r in rows {
            out.push(r??);
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
        check_transition(t)?;
        // IMMEDIATE: the write lock is held from the read on, so the status
        // checked is the status changed.
        let tx = self.immediate()?;
        let change = match decide(get_app(&tx, id)?, t)? {
            Ok(change) => change,
            Err(outcome) => return Ok(outcome),
        };
        tx.prepare_cached(
            "UPDATE application SET status = ?2, title = ?3, payload = ?4, updated_at = ?5, \
             matter_seq = COALESCE(?6, matter_seq), doc_no = COALESCE(?7, doc_no), \
             note = CASE WHEN ?8 THEN ?9 ELSE note END WHERE id = ?1",
        )?
        .execute(params![
            id,
            change.status.code(),
            change.title,
            change.payload,
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
            Some(us) => where_clause(&[units_in(us)]),
        };
        let mut stmt = self.conn.prepare(&format!(
            "SELECT status, COUNT(*) FROM application{wh} GROUP BY status ORDER BY status"
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
}

impl RecordStore for SqliteWorkflow {
    fn insert_record(
        &mut self,
        kind: &str,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<RecordRow, StoreError> {
        check_new_record(kind, body)?;
        let tx = self.immediate()?;
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
        let row =
            get_record(&tx, kind, id)?.ok_or_else(|| StoreError::corrupt("新建的记录读取不到"))?;
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
        check_body(body)?;
        if !findable(kind) {
            return Ok(None);
        }
        let tx = self.immediate()?;
        let n = tx
            .prepare_cached(
                "UPDATE record SET version = version + 1, body = ?4, updated_at = ?5 \
                 WHERE kind = ?1 AND id = ?2 AND version = ?3",
            )?
            .execute(params![kind, id, expected_version, body, micros(at)])?;
        let row = get_record(&tx, kind, id)?;
        tx.commit()?;
        if n > 0 {
            Ok(row)
        } else {
            version_moved(expected_version, row.map(|r| r.version))
        }
    }

    fn record(&self, kind: &str, id: i64) -> Result<Option<RecordRow>, StoreError> {
        if !findable(kind) {
            return Ok(None);
        }
        get_record(&self.conn, kind, id)
    }

    fn records(&self, kind: &str) -> Result<Vec<RecordRow>, StoreError> {
        if !findable(kind) {
            return Ok(Vec::new());
        }
        let mut stmt = self.conn.prepare_cached(&format!(
            "SELECT {RECORD_COLS} FROM record WHERE kind = ?1 ORDER BY id"
        ))?;
        let rows = stmt.query_map([kind], read_record)?;
        Ok(rows.collect::<Result<_, _>>()?)
    }

    fn record_heads(&self, kind: &str) -> Result<Vec<(i64, i64)>, StoreError> {
        if !findable(kind) {
            return Ok(Vec::new());
        }
        let mut stmt = self
            .conn
            .prepare_cached("SELECT id, version FROM record WHERE kind = ?1 ORDER BY id")?;
        let rows = stmt.query_map([kind], |r| Ok((r.get(0)?, r.get(1)?)))?;
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
        check_mime(mime)?;
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
        if !findable(digest) {
            return Ok(None);
        }
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
}
