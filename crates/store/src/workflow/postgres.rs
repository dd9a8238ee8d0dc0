//! The workflow store on PostgreSQL: accounts, sessions, API tokens, the
//! audit trail and applications (申请) of several jurisdictions in one
//! database, shared by every server process of a jurisdiction.
//!
//! Same semantics as [`crate::SqliteWorkflow`] (the rules are in the
//! traits' modules, written once); the differences are those of the
//! journal's PostgreSQL backend ([`crate::PgStore`]):
//!
//! - Every table carries the jurisdiction's 区划 code in a column `ledger`
//!   that starts its primary key, and every query filters by it: two 编办 in
//!   one database never see each other's accounts or applications, and a
//!   distributed PostgreSQL shards these tables on `ledger` with the journal.
//! - Ids (accounts, applications, events, tokens) are numbered per ledger
//!   from 1, as in a SQLite file, by a counter row per (ledger, table)
//!   (`wf_counter`) that is incremented in the inserting transaction.
//! - Several servers write at once. A status change ([`ApplicationStore::transition`])
//!   locks the application's row (`SELECT … FOR UPDATE`), checks the status
//!   and writes in one transaction, so of two servers approving or returning
//!   the same application exactly one sees it 待审核. An audit append locks
//!   the ledger's audit counter row first, so the SM3 chain (see
//!   [`crate::audit_hash`]) stays gap-free and linear whoever writes.
//! - The audit table refuses UPDATE, DELETE and TRUNCATE by trigger;
//!   [`AuditStore::verify_audit`] catches what is done behind the triggers.
//! - Application payloads are sealed (身份证号, phone numbers) under the
//!   process's personal-data key exactly as in SQLite (see [`crate::pii`]).
//! - Versioned records are updated by one conditional statement
//!   (`… WHERE version = $expected`), so of two servers saving the same
//!   version one wins and the other gets [`StoreError::VersionMoved`]; blobs
//!   are stored once per ledger and digest and refuse UPDATE by trigger.
//!
//! Like [`crate::PgStore`] it holds one synchronous connection (reconnected
//! when the server closed it) and must not be called on a current-thread
//! tokio runtime.

use std::cell::{RefCell, RefMut};

use chrono::{DateTime, Utc};
use postgres::types::ToSql;
use postgres::{Client, Config, GenericClient, Row};

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
use crate::postgres::{
    blocking, check_code, connect, migrate, now_micros, parse_url, pg_error, Prepared,
};
use crate::StoreError;

/// Version of the workflow tables below, kept in `wf_schema`.
const WF_SCHEMA_VERSION: i32 = 1;

/// Advisory lock taken while creating the workflow tables (servers starting
/// together).
const WF_SCHEMA_LOCK: i64 = 0x6269_616e_7a68_6902; // "bianzhi" 2

const WF_SCHEMA_V1: &str = r#"
CREATE TABLE wf_schema (version INTEGER NOT NULL);
INSERT INTO wf_schema VALUES (1);

-- Per-ledger id counters; the row of a counter is also the lock that orders
-- the inserts it numbers (the audit chain's appends in particular).
CREATE TABLE wf_counter (
    ledger TEXT   NOT NULL REFERENCES ledger (code),
    name   TEXT   NOT NULL,
    value  BIGINT NOT NULL,
    PRIMARY KEY (ledger, name)
);

CREATE TABLE wf_user (
    ledger        TEXT    NOT NULL REFERENCES ledger (code),
    id            BIGINT  NOT NULL,
    login         TEXT    NOT NULL,
    display_name  TEXT    NOT NULL,
    role          TEXT    NOT NULL,
    unit          BIGINT,
    password_hash TEXT    NOT NULL, -- argon2id PHC string
    active        BOOLEAN NOT NULL DEFAULT TRUE,
    created_at    BIGINT  NOT NULL, -- microseconds since the Unix epoch
    PRIMARY KEY (ledger, id),
    UNIQUE (ledger, login)
);

CREATE TABLE wf_session (
    ledger     TEXT   NOT NULL,
    id         TEXT   NOT NULL, -- random, hex
    user_id    BIGINT NOT NULL,
    csrf       TEXT   NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    PRIMARY KEY (ledger, id),
    FOREIGN KEY (ledger, user_id) REFERENCES wf_user (ledger, id)
);
CREATE INDEX wf_session_by_user ON wf_session (ledger, user_id);

CREATE TABLE wf_application (
    ledger       TEXT   NOT NULL,
    id           BIGINT NOT NULL,
    unit         BIGINT NOT NULL,
    kind         TEXT   NOT NULL,
    title        TEXT   NOT NULL,
    payload      TEXT   NOT NULL, -- the application as JSON, personal fields sealed
    status       TEXT   NOT NULL,
    submitted_by BIGINT NOT NULL,
    submitted_at BIGINT NOT NULL,
    updated_at   BIGINT NOT NULL,
    matter_seq   BIGINT,
    doc_no       TEXT,
    note         TEXT,
    PRIMARY KEY (ledger, id),
    FOREIGN KEY (ledger, submitted_by) REFERENCES wf_user (ledger, id)
);
CREATE INDEX wf_application_by_unit ON wf_application (ledger, unit, id);
CREATE INDEX wf_application_by_status ON wf_application (ledger, status, id);

CREATE TABLE wf_application_event (
    ledger      TEXT   NOT NULL,
    id          BIGINT NOT NULL,
    application BIGINT NOT NULL,
    at          BIGINT NOT NULL,
    actor       BIGINT NOT NULL,
    action      TEXT   NOT NULL,
    comment     TEXT   NOT NULL,
    PRIMARY KEY (ledger, id),
    FOREIGN KEY (ledger, application) REFERENCES wf_application (ledger, id),
    FOREIGN KEY (ledger, actor) REFERENCES wf_user (ledger, id)
);
CREATE INDEX wf_application_event_by_app ON wf_application_event (ledger, application, id);

CREATE TABLE wf_api_token (
    ledger     TEXT   NOT NULL REFERENCES ledger (code),
    id         BIGINT NOT NULL,
    name       TEXT   NOT NULL,
    token_hash TEXT   NOT NULL, -- SM3 of the whole token, hex
    units      TEXT   NOT NULL, -- comma-separated subtree roots; empty: all
    created_by BIGINT NOT NULL,
    created_at BIGINT NOT NULL,
    expires_at BIGINT NOT NULL,
    revoked_at BIGINT,
    PRIMARY KEY (ledger, id),
    UNIQUE (ledger, token_hash)
);

CREATE TABLE wf_audit (
    ledger TEXT   NOT NULL REFERENCES ledger (code),
    seq    BIGINT NOT NULL, -- 1-based, gap-free per ledger
    at     BIGINT NOT NULL,
    actor  TEXT   NOT NULL,
    ip     TEXT   NOT NULL,
    action TEXT   NOT NULL,
    target TEXT   NOT NULL,
    detail TEXT   NOT NULL,
    hash   BYTEA  NOT NULL, -- SM3 chain, see audit_hash
    PRIMARY KEY (ledger, seq)
);
CREATE FUNCTION wf_audit_refuse_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '审计记录只能追加，不能%',
        CASE TG_OP WHEN 'DELETE' THEN '删除' WHEN 'TRUNCATE' THEN '清空' ELSE '修改' END;
END $$;
CREATE TRIGGER wf_audit_no_update BEFORE UPDATE ON wf_audit
    FOR EACH ROW EXECUTE FUNCTION wf_audit_refuse_change();
CREATE TRIGGER wf_audit_no_delete BEFORE DELETE ON wf_audit
    FOR EACH ROW EXECUTE FUNCTION wf_audit_refuse_change();
CREATE TRIGGER wf_audit_no_truncate BEFORE TRUNCATE ON wf_audit
    FOR EACH STATEMENT EXECUTE FUNCTION wf_audit_refuse_change();

-- Versioned JSON records (案件, 问题台账, settings): version 1 on insert, +1
-- on every update, which is conditional on the version the writer read.
CREATE TABLE wf_record (
    ledger     TEXT   NOT NULL REFERENCES ledger (code),
    kind       TEXT   NOT NULL,
    id         BIGINT NOT NULL, -- 1-based within the kind
    version    BIGINT NOT NULL,
    body       TEXT   NOT NULL, -- JSON
    created_at BIGINT NOT NULL,
    updated_at BIGINT NOT NULL,
    PRIMARY KEY (ledger, kind, id)
);

-- Attachments by SM3 digest of their content; never changed.
CREATE TABLE wf_blob (
    ledger     TEXT   NOT NULL REFERENCES ledger (code),
    digest     TEXT   NOT NULL, -- SM3 of the content, lower-case hex
    mime       TEXT   NOT NULL,
    size       BIGINT NOT NULL,
    data       BYTEA  NOT NULL,
    created_at BIGINT NOT NULL,
    PRIMARY KEY (ledger, digest)
);
CREATE FUNCTION wf_blob_refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION '附件内容不能修改';
END $$;
CREATE TRIGGER wf_blob_no_update BEFORE UPDATE ON wf_blob
    FOR EACH ROW EXECUTE FUNCTION wf_blob_refuse_update();
"#;

const USER_COLS: &str = "id, login, display_name, role, unit, password_hash, active";
const SESSION_COLS: &str = "id, user_id, csrf, created_at, expires_at";
const APP_COLS: &str = "id, unit, kind, title, payload, status, submitted_by, submitted_at, \
     updated_at, matter_seq, doc_no, note";
const TOKEN_COLS: &str =
    "id, name, token_hash, units, created_by, created_at, expires_at, revoked_at";
const AUDIT_COLS: &str = "seq, at, actor, ip, action, target, detail, hash";
const RECORD_COLS: &str = "kind, id, version, body, created_at, updated_at";

/// The workflow tables of one jurisdiction in a PostgreSQL database.
pub struct PgWorkflow {
    config: Config,
    target: String,
    /// Always `Some` but while dropping.
    client: RefCell<Option<Client>>,
    ledger: String,
    heads: Option<HeadFile>,
    /// The audit trail's statements, prepared on `client`.
    prepared: Prepared,
}

impl std::fmt::Debug for PgWorkflow {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PgWorkflow")
            .field("target", &self.target)
            .field("ledger", &self.ledger)
            .finish_non_exhaustive()
    }
}

/// `postgres::Error` → [`StoreError`] on a `Result`.
trait Pg<T> {
    fn pg(self) -> Result<T, StoreError>;
}

impl<T> Pg<T> for Result<T, postgres::Error> {
    fn pg(self) -> Result<T, StoreError> {
        self.map_err(pg_error)
    }
}

fn read_user(r: &Row) -> UserRecord {
    UserRecord {
        id: r.get(0),
        login: r.get(1),
        display_name: r.get(2),
        role: r.get(3),
        unit: r.get::<_, Option<i64>>(4).map(|u| u as u32),
        password_hash: r.get(5),
        active: r.get(6),
    }
}

fn read_session(r: &Row) -> SessionRecord {
    SessionRecord {
        id: r.get(0),
        user_id: r.get(1),
        csrf: r.get(2),
        created_at: from_micros(r.get(3)),
        expires_at: from_micros(r.get(4)),
    }
}

fn read_app(r: &Row) -> Result<ApplicationRecord, StoreError> {
    let status = stored_status(r.get(5))?;
    Ok(ApplicationRecord {
        id: r.get(0),
        unit: r.get::<_, i64>(1) as u32,
        kind: r.get(2),
        title: r.get(3),
        payload: unseal_text(r.get(4))?,
        status,
        submitted_by: r.get(6),
        submitted_at: from_micros(r.get(7)),
        updated_at: from_micros(r.get(8)),
        matter_seq: r.get::<_, Option<i64>>(9).map(|s| s as u64),
        doc_no: r.get(10),
        note: r.get(11),
    })
}

fn read_token(r: &Row) -> TokenRecord {
    TokenRecord {
        id: r.get(0),
        name: r.get(1),
        token_hash: r.get(2),
        units: parse_units(r.get(3)),
        created_by: r.get(4),
        created_at: from_micros(r.get(5)),
        expires_at: from_micros(r.get(6)),
        revoked_at: r.get::<_, Option<i64>>(7).map(from_micros),
    }
}

fn read_record(r: &Row) -> RecordRow {
    RecordRow {
        kind: r.get(0),
        id: r.get(1),
        version: r.get(2),
        body: r.get(3),
        created_at: from_micros(r.get(4)),
        updated_at: from_micros(r.get(5)),
    }
}

fn read_audit(r: &Row) -> Result<AuditEntry, StoreError> {
    let seq: i64 = r.get(0);
    let hash: Vec<u8> = r.get(7);
    Ok(AuditEntry {
        seq: seq as u64,
        at: from_micros(r.get(1)),
        actor: r.get(2),
        ip: r.get(3),
        action: r.get(4),
        target: r.get(5),
        detail: r.get(6),
        hash: stored_hash(seq as u64, hash)?,
    })
}

/// The next id of counter `name` in `ledger` (1 for the first). The counter
/// row stays locked until the transaction ends.
const NEXT_ID: &str = "INSERT INTO wf_counter (ledger, name, value) VALUES ($1, $2, 1) \
     ON CONFLICT (ledger, name) DO UPDATE SET value = wf_counter.value + 1 \
     RETURNING value";
const LAST_AUDIT: &str =
    "SELECT seq, hash FROM wf_audit WHERE ledger = $1 ORDER BY seq DESC LIMIT 1";
const INSERT_AUDITS: &str =
    "INSERT INTO wf_audit (ledger, seq, at, actor, ip, action, target, detail, hash, mac) \
     SELECT $1, * FROM unnest($2::int8[], $3::int8[], $4::text[], $5::text[], $6::text[], \
     $7::text[], $8::text[], $9::bytea[], $10::bytea[])";

fn next_id(c: &mut impl GenericClient, ledger: &str, name: &str) -> Result<i64, StoreError> {
    Ok(c.query_one(NEXT_ID, &[&ledger, &name]).pg()?.get(0))
}

fn get_app(
    c: &mut impl GenericClient,
    ledger: &str,
    id: i64,
    lock: bool,
) -> Result<Option<ApplicationRecord>, StoreError> {
    let sql = format!(
        "SELECT {APP_COLS} FROM wf_application WHERE ledger = $1 AND id = $2{}",
        if lock { " FOR UPDATE" } else { "" }
    );
    c.query_opt(&sql, &[&ledger, &id])
        .pg()?
        .map(|r| read_app(&r))
        .transpose()
}

fn insert_event(
    c: &mut impl GenericClient,
    ledger: &str,
    application: i64,
    at: DateTime<Utc>,
    actor: i64,
    action: &str,
    comment: &str,
) -> Result<(), StoreError> {
    let id = next_id(c, ledger, "event")?;
    c.execute(
        "INSERT INTO wf_application_event (ledger, id, application, at, actor, action, comment) \
         VALUES ($1, $2, $3, $4, $5, $6, $7)",
        &[
            &ledger,
            &id,
            &application,
            &micros(at),
            &actor,
            &action,
            &comment,
        ],
    )
    .pg()?;
    Ok(())
}

/// Failed sign-ins per account and per address (added after version 1; created
/// if missing on every open).
const WF_SIGN_IN_FAILURE: &str = r#"
CREATE TABLE IF NOT EXISTS wf_sign_in_failure (
    ledger       TEXT   NOT NULL REFERENCES ledger (code),
    key          TEXT   NOT NULL, -- acct:<login> or ip:<address>
    count        BIGINT NOT NULL,
    first_at     BIGINT NOT NULL, -- microseconds since the Unix epoch
    locked_until BIGINT,
    PRIMARY KEY (ledger, key)
);
"#;

/// Creates the workflow tables if missing (under an advisory lock), refusing
/// a database from a newer program.
fn migrate_workflow(c: &mut Client) -> Result<(), StoreError> {
    fn version(c: &mut impl GenericClient) -> Result<Option<i32>, postgres::Error> {
        let exists: bool = c
            .query_one("SELECT to_regclass('wf_schema') IS NOT NULL", &[])?
            .get(0);
        if !exists {
            return Ok(None);
        }
        Ok(c.query_opt("SELECT MAX(version) FROM wf_schema", &[])?
            .and_then(|r| r.get(0)))
    }
    let check = |v: Option<i32>| -> Result<bool, StoreError> {
        match v {
            Some(WF_SCHEMA_VERSION) => Ok(true),
            None => Ok(false),
            Some(v) if v > WF_SCHEMA_VERSION => Err(StoreError::SchemaTooNew {
                found: v as i64,
                supported: WF_SCHEMA_VERSION as i64,
            }),
            Some(v) => Err(StoreError::corrupt(format!("办理数据结构版本 {v} 不合法"))),
        }
    };
    let has_failures = |c: &mut Client| -> Result<bool, StoreError> {
        Ok(
            c.query_one("SELECT to_regclass('wf_sign_in_failure') IS NOT NULL", &[])
                .pg()?
                .get(0),
        )
    };
    // Added after version 1 without a version of their own: the sign-in
    // failures table and the audit entries' keyed signatures (NULL when
    // written without a key; see chain.rs).
    let has_audit_mac = |c: &mut Client| -> Result<bool, StoreError> {
        Ok(c.query_one(
            "SELECT EXISTS (SELECT 1 FROM information_schema.columns \
             WHERE table_schema = current_schema() AND table_name = 'wf_audit' \
             AND column_name = 'mac')",
            &[],
        )
        .pg()?
        .get(0))
    };
    if check(version(c).pg()?)? && has_failures(c)? && has_audit_mac(c)? {
        return Ok(());
    }
    c.execute("SELECT pg_advisory_lock($1)", &[&WF_SCHEMA_LOCK])
        .pg()?;
    let created = (|| -> Result<(), StoreError> {
        let mut tx = c.transaction().pg()?;
        if !check(version(&mut tx).pg()?)? {
            tx.batch_execute(WF_SCHEMA_V1).pg()?;
        }
        tx.batch_execute(WF_SIGN_IN_FAILURE).pg()?;
        tx.batch_execute("ALTER TABLE wf_audit ADD COLUMN IF NOT EXISTS mac BYTEA;")
            .pg()?;
        tx.commit().pg()
    })();
    let unlocked = c
        .execute("SELECT pg_advisory_unlock($1)", &[&WF_SCHEMA_LOCK])
        .pg();
    created?;
    unlocked?;
    Ok(())
}

impl PgWorkflow {
    /// Opens the workflow tables of jurisdiction `code` in the database at
    /// `url`, creating the tables (and the ledger's row) if missing.
    pub fn open(url: &str, code: &str) -> Result<Self, StoreError> {
        check_code(code)?;
        let (config, target) = parse_url(url)?;
        let mut client = connect(&config, &target)?;
        blocking(|| -> Result<(), StoreError> {
            migrate(&mut client).pg()??;
            migrate_workflow(&mut client)?;
            client
                .execute(
                    "INSERT INTO ledger (code, created_at) VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    &[&code, &now_micros()],
                )
                .pg()?;
            Ok(())
        })?;
        Ok(PgWorkflow {
            config,
            target,
            client: RefCell::new(Some(client)),
            ledger: code.to_string(),
            heads: None,
            prepared: Prepared::default(),
        })
    }

    /// The jurisdiction's 区划 code.
    pub fn jurisdiction(&self) -> &str {
        &self.ledger
    }

    /// The connection, reconnected if the server closed it.
    fn client(&self) -> Result<RefMut<'_, Client>, StoreError> {
        let c = self
            .client
            .try_borrow_mut()
            .map_err(|_| StoreError::corrupt("同一连接被重入使用"))?;
        let mut c = RefMut::map(c, |c| c.as_mut().expect("connection present until dropped"));
        if c.is_closed() {
            *c = connect(&self.config, &self.target)?;
            self.prepared.clear();
        }
        Ok(c)
    }

    /// Runs `f` with the connection and the ledger code.
    fn run<R>(
        &self,
        f: impl FnOnce(&mut Client, &str) -> Result<R, StoreError>,
    ) -> Result<R, StoreError> {
        let mut c = self.client()?;
        blocking(|| f(&mut c, &self.ledger))
    }
}

impl Drop for PgWorkflow {
    fn drop(&mut self) {
        if let Some(c) = self.client.get_mut().take() {
            blocking(|| drop(c));
        }
    }
}

impl AccountStore for PgWorkflow {
    fn create_user(&mut self, u: &NewUser) -> Result<UserRecord, StoreError> {
        check_new_user(u)?;
        self.run(|c, ledger| {
            let mut tx = c.transaction().pg()?;
            let id = next_id(&mut tx, ledger, "user")?;
            let row = tx
                .query_one(
                    &format!(
                        "INSERT INTO wf_user (ledger, id, login, display_name, role, unit, \
                         password_hash, active, created_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, TRUE, $8) RETURNING {USER_COLS}"
                    ),
                    &[
                        &ledger,
                        &id,
                        &u.login,
                        &u.display_name,
                        &u.role,
                        &u.unit.map(i64::from),
                        &u.password_hash,
                        &now_micros(),
                    ],
                )
                .pg()?;
            tx.commit().pg()?;
            Ok(read_user(&row))
        })
    }

    fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        self.run(|c, ledger| {
            Ok(c.query_opt(
                &format!("SELECT {USER_COLS} FROM wf_user WHERE ledger = $1 AND id = $2"),
                &[&ledger, &id],
            )
            .pg()?
            .map(|r| read_user(&r)))
        })
    }

    fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError> {
        if !findable(login) {
            return Ok(None);
        }
        self.run(|c, ledger| {
            Ok(c.query_opt(
                &format!("SELECT {USER_COLS} FROM wf_user WHERE ledger = $1 AND login = $2"),
                &[&ledger, &login],
            )
            .pg()?
            .map(|r| read_user(&r)))
        })
    }

    fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        self.run(|c, ledger| {
            Ok(c.query(
                &format!("SELECT {USER_COLS} FROM wf_user WHERE ledger = $1 ORDER BY id"),
                &[&ledger],
            )
            .pg()?
            .iter()
            .map(read_user)
            .collect())
        })
    }

    fn create_session(&mut self, s: &SessionRecord) -> Result<(), StoreError> {
        check_session(s)?;
        self.run(|c, ledger| {
            let mut tx = c.transaction().pg()?;
            // Expired sessions are dropped whenever a new one starts.
            tx.execute(
                "DELETE FROM wf_session WHERE ledger = $1 AND expires_at <= $2",
                &[&ledger, &micros(s.created_at)],
            )
            .pg()?;
            tx.execute(
                "INSERT INTO wf_session (ledger, id, user_id, csrf, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
                &[
                    &ledger,
                    &s.id,
                    &s.user_id,
                    &s.csrf,
                    &micros(s.created_at),
                    &micros(s.expires_at),
                ],
            )
            .pg()?;
            tx.commit().pg()
        })
    }

    fn session(&self, id: &str, now: DateTime<Utc>) -> Result<Option<SessionRecord>, StoreError> {
        if !findable(id) {
            return Ok(None);
        }
        self.run(|c, ledger| {
            Ok(c.query_opt(
                &format!(
                    "SELECT {SESSION_COLS} FROM wf_session \
                     WHERE ledger = $1 AND id = $2 AND expires_at > $3"
                ),
                &[&ledger, &id, &micros(now)],
            )
            .pg()?
            .map(|r| read_session(&r)))
        })
    }

    fn delete_session(&mut self, id: &str) -> Result<(), StoreError> {
        if !findable(id) {
            return Ok(());
        }
        self.run(|c, ledger| {
            c.execute(
                "DELETE FROM wf_session WHERE ledger = $1 AND id = $2",
                &[&ledger, &id],
            )
            .pg()?;
            // Other servers forget the session at once (see `Watcher`).
            crate::postgres::announce(c, ledger).pg()?;
            Ok(())
        })
    }

    fn touch_session(&mut self, id: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        if !findable(id) {
            return Ok(());
        }
        self.run(|c, ledger| {
            c.execute(
                "UPDATE wf_session SET expires_at = $3 WHERE ledger = $1 AND id = $2",
                &[&ledger, &id, &micros(expires_at)],
            )
            .pg()?;
            Ok(())
        })
    }

    fn sessions(&self, now: DateTime<Utc>) -> Result<Vec<SessionRecord>, StoreError> {
        self.run(|c, ledger| {
            Ok(c.query(
                &format!(
                    "SELECT {SESSION_COLS} FROM wf_session \
                     WHERE ledger = $1 AND expires_at > $2 ORDER BY created_at"
                ),
                &[&ledger, &micros(now)],
            )
            .pg()?
            .iter()
            .map(read_session)
            .collect())
        })
    }

    fn delete_user_sessions(&mut self, user_id: i64) -> Result<Vec<String>, StoreError> {
        self.run(|c, ledger| {
            let ended: Vec<String> = c
                .query(
                    "DELETE FROM wf_session WHERE ledger = $1 AND user_id = $2 RETURNING id",
                    &[&ledger, &user_id],
                )
                .pg()?
                .iter()
                .map(|r| r.get(0))
                .collect();
            if !ended.is_empty() {
                crate::postgres::announce(c, ledger).pg()?;
            }
            Ok(ended)
        })
    }

    fn update_user(&mut self, u: &UserRecord) -> Result<(), StoreError> {
        check_user_update(u)?;
        self.run(|c, ledger| {
            c.execute(
                "UPDATE wf_user SET display_name = $3, role = $4, unit = $5, \
                 password_hash = $6, active = $7 WHERE ledger = $1 AND id = $2",
                &[
                    &ledger,
                    &u.id,
                    &u.display_name,
                    &u.role,
                    &u.unit.map(i64::from),
                    &u.password_hash,
                    &u.active,
                ],
            )
            .pg()?;
            Ok(())
        })
    }

    fn create_token(&mut self, t: &NewToken) -> Result<TokenRecord, StoreError> {
        check_token(t)?;
        self.run(|c, ledger| {
            let mut tx = c.transaction().pg()?;
            let id = next_id(&mut tx, ledger, "token")?;
            let row = tx
                .query_one(
                    &format!(
                        "INSERT INTO wf_api_token (ledger, id, name, token_hash, units, \
                         created_by, created_at, expires_at) \
                         VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING {TOKEN_COLS}"
                    ),
                    &[
                        &ledger,
                        &id,
                        &t.name,
                        &t.token_hash,
                        &units_text(&t.units),
                        &t.created_by,
                        &micros(t.created_at),
                        &micros(t.expires_at),
                    ],
                )
                .pg()?;
            tx.commit().pg()?;
            Ok(read_token(&row))
        })
    }

    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        if !findable(hash) {
            return Ok(None);
        }
        self.run(|c, ledger| {
            Ok(c.query_opt(
                &format!(
                    "SELECT {TOKEN_COLS} FROM wf_api_token WHERE ledger = $1 AND token_hash = $2"
                ),
                &[&ledger, &hash],
            )
            .pg()?
            .map(|r| read_token(&r)))
        })
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        self.run(|c, ledger| {
            Ok(c.query(
                &format!("SELECT {TOKEN_COLS} FROM wf_api_token WHERE ledger = $1 ORDER BY id"),
                &[&ledger],
            )
            .pg()?
            .iter()
            .map(read_token)
            .collect())
        })
    }

    fn revoke_token(&mut self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError> {
        self.run(|c, ledger| {
            let n = c
                .execute(
                    "UPDATE wf_api_token SET revoked_at = COALESCE(revoked_at, $3) \
                     WHERE ledger = $1 AND id = $2",
                    &[&ledger, &id, &micros(at)],
                )
                .pg()?;
            Ok(n > 0)
        })
    }

    fn sign_in_failures(&self, key: &str) -> Result<Option<FailureCount>, StoreError> {
        let key = failure_key(key);
        let key = key.as_ref();
        self.run(|c, ledger| read_failure(c, ledger, key, false))
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
        let key = key.as_ref();
        self.run(|c, ledger| {
            let mut tx = c.transaction().pg()?;
            // The row exists and is locked before it is read, so servers
            // counting at once count one after the other.
            tx.execute(
                "INSERT INTO wf_sign_in_failure (ledger, key, count, first_at) \
                 VALUES ($1, $2, 0, $3) ON CONFLICT DO NOTHING",
                &[&ledger, &key, &micros(now)],
            )
            .pg()?;
            let prev = read_failure(&mut tx, ledger, key, true)?.filter(|p| p.count > 0);
            let next = next_failure(prev, now, window, max, lock);
            tx.execute(
                "UPDATE wf_sign_in_failure SET count = $3, first_at = $4, locked_until = $5 \
                 WHERE ledger = $1 AND key = $2",
                &[
                    &ledger,
                    &key,
                    &i64::from(next.count),
                    &micros(next.first),
                    &next.locked_until.map(micros),
                ],
            )
            .pg()?;
            tx.commit().pg()?;
            Ok(next)
        })
    }

    fn clear_sign_in_failures(&mut self, key: &str) -> Result<(), StoreError> {
        let key = failure_key(key);
        let key = key.as_ref();
        self.run(|c, ledger| {
            c.execute(
                "DELETE FROM wf_sign_in_failure WHERE ledger = $1 AND key = $2",
                &[&ledger, &key],
            )
            .pg()?;
            Ok(())
        })
    }
}

/// Appends audit entries after the ledger's last one, inside `tx` (the
/// workflow's own transaction, or the journal's when a matter and its audit
/// entry are written together), in one statement. The caller commits, then
/// records the new head ([`appended`]).
pub(crate) fn insert_audits(
    tx: &mut postgres::Transaction<'_>,
    prepared: &Prepared,
    ledger: &str,
    es: &[NewAudit],
) -> Result<Vec<AuditEntry>, StoreError> {
    // The counter row orders the appends of this ledger: the next writer
    // waits here until this one commits.
    let count = prepared.get(tx, NEXT_ID).pg()?;
    tx.query_one(&count, &[&ledger, &"audit"]).pg()?;
    let select_last = prepared.get(tx, LAST_AUDIT).pg()?;
    let mut last: Option<(i64, Vec<u8>)> = tx
        .query_opt(&select_last, &[&ledger])
        .pg()?
        .map(|r| (r.get(0), r.get(1)));
    let mut stored = Vec::with_capacity(es.len());
    let mut macs = Vec::with_capacity(es.len());
    for e in es {
        let (e, mac) = next_audit(last.take(), e)?;
        last = Some((e.seq as i64, e.hash.to_vec()));
        stored.push(e);
        macs.push(mac);
    }
    let seqs: Vec<i64> = stored.iter().map(|e| e.seq as i64).collect();
    let ats: Vec<i64> = stored.iter().map(|e| micros(e.at)).collect();
    let text = |f: fn(&AuditEntry) -> &str| stored.iter().map(f).collect::<Vec<&str>>();
    let hashes: Vec<&[u8]> = stored.iter().map(|e| &e.hash[..]).collect();
    let macs: Vec<Option<&[u8]>> = macs.iter().map(|m| m.as_ref().map(|m| &m[..])).collect();
    let insert = prepared.get(tx, INSERT_AUDITS).pg()?;
    tx.execute(
        &insert,
        &[
            &ledger,
            &seqs,
            &ats,
            &text(|e| &e.actor),
            &text(|e| &e.ip),
            &text(|e| &e.action),
            &text(|e| &e.target),
            &text(|e| &e.detail),
            &hashes,
            &macs,
        ],
    )
    .pg()?;
    Ok(stored)
}

impl AuditStore for PgWorkflow {
    fn append_audits(&mut self, es: &[NewAudit]) -> Result<Vec<AuditEntry>, StoreError> {
        if es.is_empty() {
            return Ok(Vec::new());
        }
        let heads = self.heads.clone();
        let prepared = &self.prepared;
        let stored = self.run(|c, ledger| {
            let mut tx = c.transaction().pg()?;
            let stored = insert_audits(&mut tx, prepared, ledger, es)?;
            tx.commit().pg()?;
            Ok(stored)
        })?;
        appended(heads.as_ref(), stored.last().expect("not empty"));
        Ok(stored)
    }

    fn location(&self) -> Option<String> {
        Some(format!("{}#{}", self.target, self.ledger))
    }

    fn audit(&self, f: &AuditFilter) -> Result<(Vec<AuditEntry>, u64), StoreError> {
        let mut wh = vec!["ledger = $1".to_string()];
        let mut args: Vec<Box<dyn ToSql + Sync>> = vec![Box::new(self.ledger.clone())];
        for (col, v) in [
            ("actor", &f.actor),
            ("action", &f.action),
            ("target", &f.target),
            ("ip", &f.ip),
        ] {
            if let Some(v) = v.as_deref().filter(|v| !v.is_empty()) {
                args.push(Box::new(like_pattern(v)));
                wh.push(format!("{col} ILIKE ${}", args.len()));
            }
        }
        if let Some(t) = f.from {
            args.push(Box::new(micros(t)));
            wh.push(format!("at >= ${}", args.len()));
        }
        if let Some(t) = f.to {
            args.push(Box::new(micros(t)));
            wh.push(format!("at < ${}", args.len()));
        }
        let wh = wh.join(" AND ");
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
        self.run(|c, _| {
            let total: i64 = c
                .query_one(
                    &format!("SELECT COUNT(*) FROM wf_audit WHERE {wh}"),
                    &params,
                )
                .pg()?
                .get(0);
            let (limit, offset) = page(f);
            let rows = c
                .query(
                    &format!(
                        "SELECT {AUDIT_COLS} FROM wf_audit WHERE {wh} \
                         ORDER BY seq DESC LIMIT {limit} OFFSET {offset}"
                    ),
                    &params,
                )
                .pg()?;
            let out = rows.iter().map(read_audit).collect::<Result<_, _>>()?;
            Ok((out, total as u64))
        })
    }

    fn set_head_file(&mut self, file: Option<HeadFile>) {
        self.heads = file;
    }

    fn verify_audit_chain(&self) -> Result<(u64, ChainNotes), StoreError> {
        use postgres::fallible_iterator::FallibleIterator;
        let mut check = AuditVerifier::new(self.heads.as_ref())?;
        self.run(|c, ledger| {
            let params: [&(dyn ToSql + Sync); 1] = [&ledger];
            let mut rows = c
                .query_raw(
                    &format!(
                        "SELECT {AUDIT_COLS}, mac FROM wf_audit WHERE ledger = $1 ORDER BY seq"
                    ),
                    params,
                )
                .pg()?;
            while let Some(r) = rows.next().pg()? {
                let mac: Option<Vec<u8>> = r.get(8);
                check.entry(&read_audit(&r)?, mac.as_deref())?;
            }
            Ok(())
        })?;
        check.finish()
    }
}

impl ApplicationStore for PgWorkflow {
    fn create_application(&mut self, a: &NewApplication) -> Result<ApplicationRecord, StoreError> {
        let payload = new_application(a)?;
        self.run(|c, ledger| {
            let mut tx = c.transaction().pg()?;
            let id = next_id(&mut tx, ledger, "application")?;
            tx.execute(
                "INSERT INTO wf_application (ledger, id, unit, kind, title, payload, status, \
                 submitted_by, submitted_at, updated_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $9)",
                &[
                    &ledger,
                    &id,
                    &i64::from(a.unit),
                    &a.kind,
                    &a.title,
                    &payload,
                    &ApplicationStatus::Submitted.code(),
                    &a.submitted_by,
                    &micros(a.at),
                ],
            )
            .pg()?;
            insert_event(&mut tx, ledger, id, a.at, a.submitted_by, "submitted", "")?;
            let rec = get_app(&mut tx, ledger, id, false)?
                .ok_or_else(|| StoreError::corrupt("新建的申请读取不到"))?;
            tx.commit().pg()?;
            Ok(rec)
        })
    }

    fn application(&self, id: i64) -> Result<Option<ApplicationRecord>, StoreError> {
        self.run(|c, ledger| get_app(c, ledger, id, false))
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
        let mut clauses = vec!["ledger = $1".to_string()];
        let mut args: Vec<Box<dyn ToSql + Sync>> = vec![Box::new(self.ledger.clone())];
        if let Some(units) = &f.units {
            args.push(Box::new(
                units.iter().map(|&u| i64::from(u)).collect::<Vec<i64>>(),
            ));
            clauses.push(format!("unit = ANY(${})", args.len()));
        }
        if let Some(s) = f.status {
            args.push(Box::new(s.code()));
            clauses.push(format!("status = ${}", args.len()));
        }
        if let Some(k) = kind {
            args.push(Box::new(k.to_string()));
            clauses.push(format!("kind = ${}", args.len()));
        }
        if let Some(u) = f.submitted_by {
            args.push(Box::new(u));
            clauses.push(format!("submitted_by = ${}", args.len()));
        }
        let wh = clauses.join(" AND ");
        let order = if f.oldest_first { "ASC" } else { "DESC" };
        let limit = if f.limit == 0 {
            "ALL".to_string()
        } else {
            f.limit.min(i64::MAX as u64).to_string()
        };
        let params: Vec<&(dyn ToSql + Sync)> = args.iter().map(|a| a.as_ref()).collect();
        self.run(|c, _| {
            let total: i64 = c
                .query_one(
                    &format!("SELECT COUNT(*) FROM wf_application WHERE {wh}"),
                    &params,
                )
                .pg()?
                .get(0);
            let rows = c
                .query(
                    &format!(
                        "SELECT {APP_COLS} FROM wf_application WHERE {wh} \
                         ORDER BY id {order} LIMIT {limit} OFFSET {}",
                        f.offset.min(i64::MAX as u64)
                    ),
                    &params,
                )
                .pg()?;
            let out = rows.iter().map(read_app).collect::<Result<_, _>>()?;
            Ok((out, total as u64))
        })
    }

    fn events(&self, application: i64) -> Result<Vec<ApplicationEvent>, StoreError> {
        self.run(|c, ledger| {
            Ok(c.query(
                "SELECT id, application, at, actor, action, comment FROM wf_application_event \
                 WHERE ledger = $1 AND application = $2 ORDER BY id",
                &[&ledger, &application],
            )
            .pg()?
            .iter()
            .map(|r| ApplicationEvent {
                id: r.get(0),
                application: r.get(1),
                at: from_micros(r.get(2)),
                actor: r.get(3),
                action: r.get(4),
                comment: r.get(5),
            })
            .collect())
        })
    }

    fn transition(&mut self, id: i64, t: &Transition) -> Result<TransitionOutcome, StoreError> {
        check_transition(t)?;
        self.run(|c, ledger| {
            let mut tx = c.transaction().pg()?;
            // The row lock makes check-and-change atomic across servers: a
            // second server changing the same application waits here, then
            // sees the status the first one left.
            let change = match decide(get_app(&mut tx, ledger, id, true)?, t)? {
                Ok(change) => change,
                Err(outcome) => return Ok(outcome),
            };
            tx.execute(
                "UPDATE wf_application SET status = $3, title = $4, payload = $5, \
                 updated_at = $6, matter_seq = COALESCE($7, matter_seq), \
                 doc_no = COALESCE($8, doc_no), \
                 note = CASE WHEN $9 THEN $10 ELSE note END \
                 WHERE ledger = $1 AND id = $2",
                &[
                    &ledger,
                    &id,
                    &change.status.code(),
                    &change.title,
                    &change.payload,
                    &micros(t.at),
                    &t.matter_seq.map(|s| s as i64),
                    &t.doc_no,
                    &t.note.is_some(),
                    &t.note,
                ],
            )
            .pg()?;
            insert_event(&mut tx, ledger, id, t.at, t.actor, &t.action, &t.comment)?;
            let rec = get_app(&mut tx, ledger, id, false)?
                .ok_or_else(|| StoreError::corrupt("申请读取不到"))?;
            tx.commit().pg()?;
            Ok(TransitionOutcome::Done(rec))
        })
    }

    fn status_counts(
        &self,
        units: Option<&[u32]>,
    ) -> Result<Vec<(ApplicationStatus, u64)>, StoreError> {
        let units: Option<Vec<i64>> = match units {
            None => None,
            Some([]) => return Ok(Vec::new()),
            Some(us) => Some(us.iter().map(|&u| i64::from(u)).collect()),
        };
        self.run(|c, ledger| {
            let rows = match &units {
                None => c.query(
                    "SELECT status, COUNT(*) FROM wf_application WHERE ledger = $1 \
                     GROUP BY status ORDER BY status",
                    &[&ledger],
                ),
                Some(us) => c.query(
                    "SELECT status, COUNT(*) FROM wf_application \
                     WHERE ledger = $1 AND unit = ANY($2) GROUP BY status ORDER BY status",
                    &[&ledger, us],
                ),
            }
            .pg()?;
            Ok(rows
                .iter()
                .filter_map(|r| {
                    let s: String = r.get(0);
                    ApplicationStatus::parse(&s).map(|s| (s, r.get::<_, i64>(1) as u64))
                })
                .collect())
        })
    }
}

impl RecordStore for PgWorkflow {
    fn insert_record(
        &mut self,
        kind: &str,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<RecordRow, StoreError> {
        check_new_record(kind, body)?;
        self.run(|c, ledger| {
            let mut tx = c.transaction().pg()?;
            let id = next_id(&mut tx, ledger, &format!("record:{kind}"))?;
            let row = tx
                .query_one(
                    &format!(
                        "INSERT INTO wf_record (ledger, kind, id, version, body, created_at, \
                         updated_at) VALUES ($1, $2, $3, 1, $4, $5, $5) RETURNING {RECORD_COLS}"
                    ),
                    &[&ledger, &kind, &id, &body, &micros(at)],
                )
                .pg()?;
            tx.commit().pg()?;
            Ok(read_record(&row))
        })
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
        self.run(|c, ledger| {
            // One conditional statement: a concurrent update of the same row
            // waits for the first to commit, then re-checks the version.
            let updated = c
                .query_opt(
                    &format!(
                        "UPDATE wf_record SET version = version + 1, body = $5, updated_at = $6 \
                         WHERE ledger = $1 AND kind = $2 AND id = $3 AND version = $4 \
                         RETURNING {RECORD_COLS}"
                    ),
                    &[&ledger, &kind, &id, &expected_version, &body, &micros(at)],
                )
                .pg()?;
            if let Some(r) = updated {
                return Ok(Some(read_record(&r)));
            }
            let found = c
                .query_opt(
                    "SELECT version FROM wf_record WHERE ledger = $1 AND kind = $2 AND id = $3",
                    &[&ledger, &kind, &id],
                )
                .pg()?;
            version_moved(expected_version, found.map(|r| r.get(0)))
        })
    }

    fn record(&self, kind: &str, id: i64) -> Result<Option<RecordRow>, StoreError> {
        if !findable(kind) {
            return Ok(None);
        }
        self.run(|c, ledger| {
            Ok(c.query_opt(
                &format!(
                    "SELECT {RECORD_COLS} FROM wf_record WHERE ledger = $1 AND kind = $2 AND id = $3"
                ),
                &[&ledger, &kind, &id],
            )
            .pg()?
            .map(|r| read_record(&r)))
        })
    }

    fn records(&self, kind: &str) -> Result<Vec<RecordRow>, StoreError> {
        if !findable(kind) {
            return Ok(Vec::new());
        }
        self.run(|c, ledger| {
            Ok(c.query(
                &format!(
                    "SELECT {RECORD_COLS} FROM wf_record WHERE ledger = $1 AND kind = $2 ORDER BY id"
                ),
                &[&ledger, &kind],
            )
            .pg()?
            .iter()
            .map(read_record)
            .collect())
        })
    }

    fn record_heads(&self, kind: &str) -> Result<Vec<(i64, i64)>, StoreError> {
        if !findable(kind) {
            return Ok(Vec::new());
        }
        self.run(|c, ledger| {
            Ok(c.query(
                "SELECT id, version FROM wf_record WHERE ledger = $1 AND kind = $2 ORDER BY id",
                &[&ledger, &kind],
            )
            .pg()?
            .iter()
            .map(|r| (r.get(0), r.get(1)))
            .collect())
        })
    }

    fn delete_record(&mut self, kind: &str, id: i64) -> Result<bool, StoreError> {
        if !findable(kind) {
            return Ok(false);
        }
        self.run(|c, ledger| {
            Ok(c.execute(
                "DELETE FROM wf_record WHERE ledger = $1 AND kind = $2 AND id = $3",
                &[&ledger, &kind, &id],
            )
            .pg()?
                > 0)
        })
    }

    fn put_blob(&mut self, mime: &str, data: &[u8]) -> Result<String, StoreError> {
        check_mime(mime)?;
        let digest = blob_digest(data);
        self.run(|c, ledger| {
            c.execute(
                "INSERT INTO wf_blob (ledger, digest, mime, size, data, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (ledger, digest) DO NOTHING",
                &[
                    &ledger,
                    &digest,
                    &mime,
                    &(data.len() as i64),
                    &data,
                    &now_micros(),
                ],
            )
            .pg()?;
            Ok(())
        })?;
        Ok(digest)
    }

    fn blob(&self, digest: &str) -> Result<Option<BlobRow>, StoreError> {
        if !findable(digest) {
            return Ok(None);
        }
        self.run(|c, ledger| {
            Ok(c.query_opt(
                "SELECT digest, mime, data FROM wf_blob WHERE ledger = $1 AND digest = $2",
                &[&ledger, &digest],
            )
            .pg()?
            .map(|r| BlobRow {
                digest: r.get(0),
                mime: r.get(1),
                data: r.get(2),
            }))
        })
    }

    fn delete_blob(&mut self, digest: &str) -> Result<bool, StoreError> {
        if !findable(digest) {
            return Ok(false);
        }
        self.run(|c, ledger| {
            Ok(c.execute(
                "DELETE FROM wf_blob WHERE ledger = $1 AND digest = $2",
                &[&ledger, &digest],
            )
            .pg()?
                > 0)
        })
    }
}

fn read_failure(
    c: &mut impl GenericClient,
    ledger: &str,
    key: &str,
    for_update: bool,
) -> Result<Option<FailureCount>, StoreError> {
    let sql = if for_update {
        "SELECT count, first_at, locked_until FROM wf_sign_in_failure \
         WHERE ledger = $1 AND key = $2 FOR UPDATE"
    } else {
        "SELECT count, first_at, locked_until FROM wf_sign_in_failure \
         WHERE ledger = $1 AND key = $2"
    };
    Ok(c.query_opt(sql, &[&ledger, &key])
        .pg()?
        .map(|r| failure_count(r.get(0), r.get(1), r.get(2))))
}
