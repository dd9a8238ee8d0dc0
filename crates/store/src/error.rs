//! Errors of the store.
//!
//! Messages are meant for the people keeping the ledger: they are in Chinese and
//! never contain SQL or driver text. The underlying database error, when there is
//! one, is kept as the [`std::error::Error::source`] for logs.

use std::path::PathBuf;

use rusqlite::ErrorCode;

/// An error of a [`JournalStore`](crate::JournalStore) operation.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    /// The database file could not be opened or created.
    #[error("无法打开数据库文件 {}", path.display())]
    Open {
        path: PathBuf,
        #[source]
        source: rusqlite::Error,
    },

    /// Another process (or connection) holds the write lock longer than the
    /// busy timeout.
    #[error("数据库被其他进程占用，请稍后重试")]
    Busy(#[source] rusqlite::Error),

    /// The file is not a SQLite database at all.
    #[error("文件不是有效的台账数据库")]
    NotADatabase(#[source] rusqlite::Error),

    /// SQLite reports the database file itself as malformed.
    #[error("数据库文件已损坏")]
    DatabaseCorrupt(#[source] rusqlite::Error),

    /// The disk (or the file-size quota) is full.
    #[error("磁盘空间不足，无法写入数据库")]
    DiskFull(#[source] rusqlite::Error),

    /// The database file or its directory is not writable.
    #[error("数据库文件只读，无法写入")]
    ReadOnly(#[source] rusqlite::Error),

    /// Any other database failure.
    #[error("数据库读写失败")]
    Database(#[source] rusqlite::Error),

    /// The database was written by a newer version of the program.
    #[error("数据库结构版本为 {found}，本程序只支持到 {supported}，请升级程序")]
    SchemaTooNew { found: i64, supported: i64 },

    /// The PostgreSQL server could not be reached or refused the connection
    /// (also: a malformed `postgres://` address).
    #[error("无法连接数据库服务器 {target}")]
    Connect {
        /// `host:port/dbname` or the address without its password.
        target: String,
        #[source]
        source: postgres::Error,
    },

    /// The connection to the PostgreSQL server was lost.
    #[error("与数据库服务器的连接已断开")]
    ConnectionLost(#[source] postgres::Error),

    /// The PostgreSQL server is busy (lock wait cancelled, too many connections,
    /// serialisation failure); retrying later may succeed.
    #[error("数据库服务器繁忙，请稍后重试")]
    ServerBusy(#[source] postgres::Error),

    /// A write on a read-only PostgreSQL session (an upper level reading a
    /// district's ledger) or a read-only server (a standby).
    #[error("台账以只读方式打开，不能写入")]
    ServerReadOnly(#[source] postgres::Error),

    /// The PostgreSQL server's disk is full.
    #[error("数据库服务器磁盘空间不足，无法写入")]
    ServerDiskFull(#[source] postgres::Error),

    /// Any other PostgreSQL failure.
    #[error("数据库读写失败")]
    Server(#[source] postgres::Error),

    /// The database holds no ledger for this jurisdiction.
    #[error("数据库中没有区划 {code} 的台账{}", present_list(present))]
    NoSuchLedger { code: String, present: Vec<String> },

    /// Not a usable 区划 code for naming a ledger.
    #[error("区划代码“{0}”不合法")]
    BadJurisdiction(String),

    /// A conditional append ([`JournalStore::append_at`](crate::JournalStore::append_at))
    /// found that others appended after the head the caller expected; nothing
    /// was written. The caller catches up and tries again.
    #[error(
        "其他服务器已先登记了事项（台账已到第 {found} 条，本次基于第 {expected} 条），本次未写入"
    )]
    HeadMoved { expected: u64, found: u64 },

    /// An entry that no backend can store (text with a NUL character).
    #[error("事项无法保存：{0}")]
    InvalidEntry(String),

    /// A versioned workflow record changed since the caller read it (another
    /// clerk or server saved it first); nothing was written.
    #[error("该记录已被他人修改（现为第 {found} 版，本次基于第 {expected} 版），请刷新后重试")]
    VersionMoved { expected: i64, found: i64 },

    /// Stored data that cannot be decoded (bad date text, wrong hash length, …).
    /// Callers replaying the journal may also use it for a payload they cannot
    /// decode.
    #[error("台账数据损坏：{detail}")]
    Corrupt { detail: String },
}

impl StoreError {
    /// A [`StoreError::Corrupt`] with the given detail.
    pub fn corrupt(detail: impl Into<String>) -> Self {
        StoreError::Corrupt {
            detail: detail.into(),
        }
    }

    /// Whether retrying later may succeed (the database was locked or busy).
    pub fn is_busy(&self) -> bool {
        matches!(self, StoreError::Busy(_) | StoreError::ServerBusy(_))
    }
}

fn present_list(present: &[String]) -> String {
    if present.is_empty() {
        String::new()
    } else {
        format!("（现有：{}）", present.join("、"))
    }
}

impl From<rusqlite::Error> for StoreError {
    fn from(e: rusqlite::Error) -> Self {
        match e.sqlite_error_code() {
            Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => StoreError::Busy(e),
            Some(ErrorCode::NotADatabase) => StoreError::NotADatabase(e),
            Some(ErrorCode::DatabaseCorrupt) => StoreError::DatabaseCorrupt(e),
            Some(ErrorCode::DiskFull) => StoreError::DiskFull(e),
            Some(ErrorCode::ReadOnly) => StoreError::ReadOnly(e),
            _ => StoreError::Database(e),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::error::Error as _;

    #[test]
    fn database_error_does_not_leak_sql() {
        let conn = rusqlite::Connection::open_in_memory().unwrap();
        let e = conn.execute("SELECT * FROM no_such_table", []).unwrap_err();
        let e = StoreError::from(e);
        assert!(matches!(e, StoreError::Database(_)));
        let shown = e.to_string();
        assert_eq!(shown, "数据库读写失败");
        assert!(e.source().unwrap().to_string().contains("no_such_table"));
    }
}
