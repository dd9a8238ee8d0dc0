//! The online workflow before a matter is approved (网上办理): user accounts,
//! sign-in sessions, API tokens, the audit trail, applications (申请) with
//! their event log, versioned records and blobs.
//!
//! The journal stays the record of *approved* matters; an application only
//! becomes a matter when the 编办 approves it and the ledger accepts it. The
//! workflow lives in the ledger's database, in its own tables.
//!
//! # Layout
//!
//! - [`types`]: the records read and written.
//! - One small trait per concern, each with the rules that do not depend on
//!   the database (written once, used by both backends):
//!   [`AccountStore`] (accounts, sessions, tokens, sign-in failures and the
//!   lockout rule [`next_failure`]), [`AuditStore`] (the hash-chained audit
//!   trail: [`audit_hash`], the appending and verifying loop),
//!   [`ApplicationStore`] (applications and the status-transition decision),
//!   [`RecordStore`] (versioned records and content-addressed blobs).
//! - [`WorkflowStore`]: all four behind one trait, what the web layer holds.
//! - `sqlite` and `postgres`: the SQL of each backend and nothing else.
//!
//! # Text policy
//!
//! The same on both backends (PostgreSQL text cannot hold NUL at all, so
//! SQLite follows it): stored text with a NUL character is refused
//! ([`text_ok`]); audit fields, which come from requests, have NUL replaced
//! ([`audit_text`]); a lookup by a key with NUL finds nothing, since nothing
//! stored has one ([`findable`]); sign-in failure keys (an address or a
//! login tried) have NUL replaced like audit fields ([`failure_key`]).

mod accounts;
mod applications;
pub(crate) mod audit;
pub(crate) mod postgres;
mod records;
pub(crate) mod sqlite;
mod types;

use chrono::{DateTime, Utc};

use crate::chain::ChainNotes;
use crate::head::HeadFile;

use crate::StoreError;

pub use accounts::{next_failure, AccountStore};
pub use applications::ApplicationStore;
pub use audit::{audit_hash, AuditStore};
pub use records::{blob_digest, RecordStore};
pub use types::*;

/// Persistence of the whole workflow: accounts, audit trail, applications,
/// records and blobs — what the web layer holds (`Box<dyn WorkflowStore>`).
/// Calls are synchronous; each is one transaction.
///
/// A façade over the four traits a backend implements ([`AccountStore`],
/// [`AuditStore`], [`ApplicationStore`], [`RecordStore`]; every method is
/// documented there), implemented for every type that implements them.
/// It is a trait of its own rather than their sum so that code holding a
/// `dyn WorkflowStore`, a concrete backend or calling
/// `WorkflowStore::create_user(…)` needs this one trait in scope, as
/// before the split.
pub trait WorkflowStore: Send {
    /// [`AccountStore::create_user`].
    fn create_user(&mut self, user: &NewUser) -> Result<UserRecord, StoreError>;
    /// [`AccountStore::user`].
    fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError>;
    /// [`AccountStore::user_by_login`].
    fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError>;
    /// [`AccountStore::users`].
    fn users(&self) -> Result<Vec<UserRecord>, StoreError>;
    /// [`AccountStore::update_user`].
    fn update_user(&mut self, user: &UserRecord) -> Result<(), StoreError>;
    /// [`AccountStore::create_session`].
    fn create_session(&mut self, session: &SessionRecord) -> Result<(), StoreError>;
    /// [`AccountStore::session`].
    fn session(&self, id: &str, now: DateTime<Utc>) -> Result<Option<SessionRecord>, StoreError>;
    /// [`AccountStore::delete_session`].
    fn delete_session(&mut self, id: &str) -> Result<(), StoreError>;
    /// [`AccountStore::touch_session`].
    fn touch_session(&mut self, id: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError>;
    /// [`AccountStore::sessions`].
    fn sessions(&self, now: DateTime<Utc>) -> Result<Vec<SessionRecord>, StoreError>;
    /// [`AccountStore::delete_user_sessions`].
    fn delete_user_sessions(&mut self, user_id: i64) -> Result<Vec<String>, StoreError>;
    /// [`AccountStore::create_token`].
    fn create_token(&mut self, token: &NewToken) -> Result<TokenRecord, StoreError>;
    /// [`AccountStore::token_by_hash`].
    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;
    /// [`AccountStore::tokens`].
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;
    /// [`AccountStore::revoke_token`].
    fn revoke_token(&mut self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError>;
    /// [`AccountStore::sign_in_failures`].
    fn sign_in_failures(&self, key: &str) -> Result<Option<FailureCount>, StoreError>;
    /// [`AccountStore::count_sign_in_failure`].
    fn count_sign_in_failure(
        &mut self,
        key: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
        max: u32,
        lock: chrono::Duration,
    ) -> Result<FailureCount, StoreError>;
    /// [`AccountStore::clear_sign_in_failures`].
    fn clear_sign_in_failures(&mut self, key: &str) -> Result<(), StoreError>;
    /// [`AuditStore::append_audit`].
    fn append_audit(&mut self, entry: &NewAudit) -> Result<AuditEntry, StoreError>;
    /// [`AuditStore::append_audits`].
    fn append_audits(&mut self, entries: &[NewAudit]) -> Result<Vec<AuditEntry>, StoreError>;
    /// [`AuditStore::audit`].
    fn audit(&self, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, u64), StoreError>;
    /// [`AuditStore::verify_audit`].
    fn verify_audit(&self) -> Result<u64, StoreError>;
    /// [`AuditStore::verify_audit_chain`].
    fn verify_audit_chain(&self) -> Result<(u64, ChainNotes), StoreError>;
    /// [`AuditStore::set_head_file`].
    fn set_head_file(&mut self, file: Option<HeadFile>);
    /// [`AuditStore::location`].
    fn location(&self) -> Option<String>;
    /// [`ApplicationStore::create_application`].
    fn create_application(&mut self, app: &NewApplication)
        -> Result<ApplicationRecord, StoreError>;
    /// [`ApplicationStore::application`].
    fn application(&self, id: i64) -> Result<Option<ApplicationRecord>, StoreError>;
    /// [`ApplicationStore::applications`].
    fn applications(
        &self,
        filter: &ApplicationFilter,
    ) -> Result<(Vec<ApplicationRecord>, u64), StoreError>;
    /// [`ApplicationStore::events`].
    fn events(&self, application: i64) -> Result<Vec<ApplicationEvent>, StoreError>;
    /// [`ApplicationStore::transition`].
    fn transition(&mut self, id: i64, t: &Transition) -> Result<TransitionOutcome, StoreError>;
    /// [`ApplicationStore::status_counts`].
    fn status_counts(
        &self,
        units: Option<&[u32]>,
    ) -> Result<Vec<(ApplicationStatus, u64)>, StoreError>;
    /// [`RecordStore::insert_record`].
    fn insert_record(
        &mut self,
        kind: &str,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<RecordRow, StoreError>;
    /// [`RecordStore::update_record`].
    fn update_record(
        &mut self,
        kind: &str,
        id: i64,
        expected_version: i64,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<RecordRow>, StoreError>;
    /// [`RecordStore::record`].
    fn record(&self, kind: &str, id: i64) -> Result<Option<RecordRow>, StoreError>;
    /// [`RecordStore::records`].
    fn records(&self, kind: &str) -> Result<Vec<RecordRow>, StoreError>;
    /// [`RecordStore::record_heads`].
    fn record_heads(&self, kind: &str) -> Result<Vec<(i64, i64)>, StoreError>;
    /// [`RecordStore::delete_record`].
    fn delete_record(&mut self, kind: &str, id: i64) -> Result<bool, StoreError>;
    /// [`RecordStore::put_blob`].
    fn put_blob(&mut self, mime: &str, data: &[u8]) -> Result<String, StoreError>;
    /// [`RecordStore::blob`].
    fn blob(&self, digest: &str) -> Result<Option<BlobRow>, StoreError>;
    /// [`RecordStore::delete_blob`].
    fn delete_blob(&mut self, digest: &str) -> Result<bool, StoreError>;
}

impl<T: AccountStore + AuditStore + ApplicationStore + RecordStore + Send> WorkflowStore for T {
    fn create_user(&mut self, user: &NewUser) -> Result<UserRecord, StoreError> {
        AccountStore::create_user(self, user)
    }

    fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError> {
        AccountStore::user(self, id)
    }

    fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError> {
        AccountStore::user_by_login(self, login)
    }

    fn users(&self) -> Result<Vec<UserRecord>, StoreError> {
        AccountStore::users(self)
    }

    fn update_user(&mut self, user: &UserRecord) -> Result<(), StoreError> {
        AccountStore::update_user(self, user)
    }

    fn create_session(&mut self, session: &SessionRecord) -> Result<(), StoreError> {
        AccountStore::create_session(self, session)
    }

    fn session(&self, id: &str, now: DateTime<Utc>) -> Result<Option<SessionRecord>, StoreError> {
        AccountStore::session(self, id, now)
    }

    fn delete_session(&mut self, id: &str) -> Result<(), StoreError> {
        AccountStore::delete_session(self, id)
    }

    fn touch_session(&mut self, id: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError> {
        AccountStore::touch_session(self, id, expires_at)
    }

    fn sessions(&self, now: DateTime<Utc>) -> Result<Vec<SessionRecord>, StoreError> {
        AccountStore::sessions(self, now)
    }

    fn delete_user_sessions(&mut self, user_id: i64) -> Result<Vec<String>, StoreError> {
        AccountStore::delete_user_sessions(self, user_id)
    }

    fn create_token(&mut self, token: &NewToken) -> Result<TokenRecord, StoreError> {
        AccountStore::create_token(self, token)
    }

    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError> {
        AccountStore::token_by_hash(self, hash)
    }

    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError> {
        AccountStore::tokens(self)
    }

    fn revoke_token(&mut self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError> {
        AccountStore::revoke_token(self, id, at)
    }

    fn sign_in_failures(&self, key: &str) -> Result<Option<FailureCount>, StoreError> {
        AccountStore::sign_in_failures(self, key)
    }

    fn count_sign_in_failure(
        &mut self,
        key: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
        max: u32,
        lock: chrono::Duration,
    ) -> Result<FailureCount, StoreError> {
        AccountStore::count_sign_in_failure(self, key, now, window, max, lock)
    }

    fn clear_sign_in_failures(&mut self, key: &str) -> Result<(), StoreError> {
        AccountStore::clear_sign_in_failures(self, key)
    }

    fn append_audit(&mut self, entry: &NewAudit) -> Result<AuditEntry, StoreError> {
        AuditStore::append_audit(self, entry)
    }

    fn append_audits(&mut self, entries: &[NewAudit]) -> Result<Vec<AuditEntry>, StoreError> {
        AuditStore::append_audits(self, entries)
    }

    fn audit(&self, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, u64), StoreError> {
        AuditStore::audit(self, filter)
    }

    fn verify_audit(&self) -> Result<u64, StoreError> {
        AuditStore::verify_audit(self)
    }

    fn verify_audit_chain(&self) -> Result<(u64, ChainNotes), StoreError> {
        AuditStore::verify_audit_chain(self)
    }

    fn set_head_file(&mut self, file: Option<HeadFile>) {
        AuditStore::set_head_file(self, file)
    }

    fn location(&self) -> Option<String> {
        AuditStore::location(self)
    }

    fn create_application(
        &mut self,
        app: &NewApplication,
    ) -> Result<ApplicationRecord, StoreError> {
        ApplicationStore::create_application(self, app)
    }

    fn application(&self, id: i64) -> Result<Option<ApplicationRecord>, StoreError> {
        ApplicationStore::application(self, id)
    }

    fn applications(
        &self,
        filter: &ApplicationFilter,
    ) -> Result<(Vec<ApplicationRecord>, u64), StoreError> {
        ApplicationStore::applications(self, filter)
    }

    fn events(&self, application: i64) -> Result<Vec<ApplicationEvent>, StoreError> {
        ApplicationStore::events(self, application)
    }

    fn transition(&mut self, id: i64, t: &Transition) -> Result<TransitionOutcome, StoreError> {
        ApplicationStore::transition(self, id, t)
    }

    fn status_counts(
        &self,
        units: Option<&[u32]>,
    ) -> Result<Vec<(ApplicationStatus, u64)>, StoreError> {
        ApplicationStore::status_counts(self, units)
    }

    fn insert_record(
        &mut self,
        kind: &str,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<RecordRow, StoreError> {
        RecordStore::insert_record(self, kind, body, at)
    }

    fn update_record(
        &mut self,
        kind: &str,
        id: i64,
        expected_version: i64,
        body: &str,
        at: DateTime<Utc>,
    ) -> Result<Option<RecordRow>, StoreError> {
        RecordStore::update_record(self, kind, id, expected_version, body, at)
    }

    fn record(&self, kind: &str, id: i64) -> Result<Option<RecordRow>, StoreError> {
        RecordStore::record(self, kind, id)
    }

    fn records(&self, kind: &str) -> Result<Vec<RecordRow>, StoreError> {
        RecordStore::records(self, kind)
    }

    fn record_heads(&self, kind: &str) -> Result<Vec<(i64, i64)>, StoreError> {
        RecordStore::record_heads(self, kind)
    }

    fn delete_record(&mut self, kind: &str, id: i64) -> Result<bool, StoreError> {
        RecordStore::delete_record(self, kind, id)
    }

    fn put_blob(&mut self, mime: &str, data: &[u8]) -> Result<String, StoreError> {
        RecordStore::put_blob(self, mime, data)
    }

    fn blob(&self, digest: &str) -> Result<Option<BlobRow>, StoreError> {
        RecordStore::blob(self, digest)
    }

    fn delete_blob(&mut self, digest: &str) -> Result<bool, StoreError> {
        RecordStore::delete_blob(self, digest)
    }
}

/// Stored text holds no NUL character on either backend (PostgreSQL text
/// cannot): a field with one is refused, the same way on SQLite and
/// PostgreSQL.
pub(crate) fn text_ok(what: &str, s: &str) -> Result<(), StoreError> {
    if s.contains('\0') {
        Err(StoreError::InvalidEntry(format!("{what}含有空字符")))
    } else {
        Ok(())
    }
}

/// [`text_ok`] for several fields.
pub(crate) fn texts_ok<'a>(
    fields: impl IntoIterator<Item = (&'a str, &'a str)>,
) -> Result<(), StoreError> {
    fields
        .into_iter()
        .try_for_each(|(what, s)| text_ok(what, s))
}

/// Audit fields come from requests (paths, logins tried): NUL characters are
/// replaced rather than losing the entry, on both backends. The hash covers
/// the stored text.
pub(crate) fn audit_text(s: &str) -> String {
    s.replace('\0', "\u{FFFD}")
}

/// Whether a lookup by `key` can find anything: no stored text holds NUL
/// (see [`text_ok`]), so a key with one finds nothing — on SQLite, and on
/// PostgreSQL without sending the server a text it cannot take.
pub(crate) fn findable(key: &str) -> bool {
    !key.contains('\0')
}

/// The stored form of a sign-in failure key: it comes from a request (an
/// address, a login tried), so NUL is replaced as in audit fields, and
/// counting, reading and clearing a key with NUL all mean the same row.
pub(crate) fn failure_key(key: &str) -> std::borrow::Cow<'_, str> {
    if findable(key) {
        std::borrow::Cow::Borrowed(key)
    } else {
        std::borrow::Cow::Owned(audit_text(key))
    }
}

/// A text filter of a list as a `LIKE` pattern matching it anywhere: the
/// wildcards, the escape character and NUL are dropped from the text (a
/// filter is a plain substring on both backends).
pub(crate) fn like_pattern(v: &str) -> String {
    format!("%{}%", v.replace(['%', '_', '\\', '\0'], ""))
}

/// Microseconds since the Unix epoch, as times are stored.
pub(crate) fn micros(t: DateTime<Utc>) -> i64 {
    t.timestamp_micros()
}

/// A stored time.
pub(crate) fn from_micros(m: i64) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(m).unwrap_or_default()
}
