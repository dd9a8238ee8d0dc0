//! The records the workflow store reads and writes, the same on every
//! backend.

use chrono::{DateTime, Utc};

/// Failed sign-ins counted for one key (`acct:<login>` or `ip:<address>`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FailureCount {
    pub count: u32,
    /// The first failure of the current window.
    pub first: DateTime<Utc>,
    /// Locked until then (when the count reached the maximum).
    pub locked_until: Option<DateTime<Utc>>,
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

/// Status of an application: its rules (labels, which action from which
/// status) are `bianzhi-casework`'s; the store keeps its code.
pub use bianzhi_casework::application::ApplicationStatus;

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

/// Result of [`ApplicationStore::transition`](super::ApplicationStore::transition).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TransitionOutcome {
    Done(ApplicationRecord),
    NotFound,
    /// The application was not in one of the required statuses.
    WrongStatus(ApplicationStatus),
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
