//! Versioned JSON records (案件 of the closed loop, 问题台账, settings) and
//! content-addressed blobs (attachments).

use chrono::{DateTime, Utc};

use super::{text_ok, BlobRow, RecordRow};
use crate::StoreError;

/// Versioned records and blobs.
pub trait RecordStore {
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

    /// The (id, version) of every record of `kind`, by id, without their
    /// bodies: what a cache of a large record checks before reading it.
    fn record_heads(&self, kind: &str) -> Result<Vec<(i64, i64)>, StoreError>;

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
}

/// SM3 digest of `data` as lower-case hex (the key of a blob).
pub fn blob_digest(data: &[u8]) -> String {
    use sm3::{Digest, Sm3};
    hex::encode(Sm3::digest(data))
}

/// The text of a new record.
pub(crate) fn check_new_record(kind: &str, body: &str) -> Result<(), StoreError> {
    text_ok("记录类别", kind)?;
    check_body(body)
}

/// The body a record update writes.
pub(crate) fn check_body(body: &str) -> Result<(), StoreError> {
    text_ok("记录内容", body)
}

/// The type of a new blob.
pub(crate) fn check_mime(mime: &str) -> Result<(), StoreError> {
    text_ok("附件类型", mime)
}

/// The answer to an update whose conditional write changed nothing: the
/// record's version now, if there is one, was not the expected one.
pub(crate) fn version_moved(
    expected: i64,
    found: Option<i64>,
) -> Result<Option<RecordRow>, StoreError> {
    match found {
        None => Ok(None),
        Some(found) => Err(StoreError::VersionMoved { expected, found }),
    }
}
