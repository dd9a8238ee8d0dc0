//! What the conformance tests need from a backend beyond the trait, and
//! helpers to make entries.

use bianzhi_store::{pii, Hash, JournalEntry, JournalStore, NewEntry, VerifyReport};
use chrono::{DateTime, Duration, NaiveDate};

/// The key of this test process, installed before any fixture writes (so
/// every test signs its chains; sealing is transparent to the tests).
pub fn install_key() {
    static KEY: std::sync::OnceLock<tempfile::TempDir> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let key = pii::PiiKey::load_or_create(&dir.path().join("test.key")).unwrap();
        pii::install(Some(key));
        dir
    });
}

/// Makes a fresh, empty backend.
pub type Make<'a> = &'a dyn Fn() -> Box<dyn Fixture>;

/// A backend under test, owning its (temporary) database.
pub trait Fixture {
    /// The store under test.
    fn store(&mut self) -> &mut dyn JournalStore;

    /// Closes the store and opens it again on the same data, as a restart does.
    fn reopen(&mut self);

    /// A second, independent handle on the same data.
    fn open_another(&self) -> Box<dyn JournalStore>;

    /// From now on the database rejects inserting any entry whose 文号 is
    /// `doc_no`, to simulate a failure in the middle of a batch.
    fn fail_inserts_of(&mut self, doc_no: &str);

    /// Undoes [`Fixture::fail_inserts_of`].
    fn allow_all_inserts(&mut self);

    /// Edits the stored rows directly, through a separate database connection,
    /// as someone with write access to the database would. With `drop_guard`
    /// the append-only protection is removed first. `Err` carries the
    /// database's refusal.
    fn tamper(&mut self, t: &Tamper, drop_guard: bool) -> Result<(), String>;

    /// Sequence numbers of the snapshots currently stored, ascending.
    fn stored_snapshot_seqs(&mut self) -> Vec<u64>;
}

/// A direct edit of the journal table.
#[derive(Debug, Clone)]
pub enum Tamper {
    Payload {
        seq: u64,
        payload: Vec<u8>,
    },
    DocNo {
        seq: u64,
        doc_no: String,
    },
    /// Sets the stored effective-date text.
    Effective {
        seq: u64,
        text: String,
    },
    Actor {
        seq: u64,
        actor: String,
    },
    /// Sets the stored recorded time (microseconds since the epoch).
    RecordedAt {
        seq: u64,
        micros: i64,
    },
    PrevHash {
        seq: u64,
        hash: Hash,
    },
    Hash {
        seq: u64,
        hash: Hash,
    },
    Delete {
        seq: u64,
    },
    /// Deletes every entry from `seq` on (the newest ones).
    DeleteFrom {
        seq: u64,
    },
    SwapPayloads {
        a: u64,
        b: u64,
    },
    /// Sets the stored signature (`None`: NULL).
    Mac {
        seq: u64,
        mac: Option<Vec<u8>>,
    },
    /// Inserts a row (without a signature).
    Insert {
        entry: JournalEntry,
    },
    /// Sets the head hash stored with the snapshot at `seq`.
    SnapshotHead {
        seq: u64,
        hash: Hash,
    },
}

pub fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).unwrap()
}

/// A plausible entry number `i` (payload of roughly 300 bytes).
pub fn entry(i: usize) -> NewEntry {
    let base = DateTime::from_timestamp_micros(1_700_000_000_000_000).unwrap();
    NewEntry {
        doc_no: format!("盐编〔2021〕{i}号"),
        effective: date(2021, 1, 1) + Duration::days(i as i64 % 1000),
        recorded_at: base + Duration::seconds(i as i64) + Duration::microseconds(i as i64 % 997),
        actor: ["张三", "李四"][i % 2].to_string(),
        payload: format!(
            r#"{{"kind":"adjust_quota","unit":"盐城市{i}局","category":"行政编制","delta":{},"note":"根据盐编〔2021〕{i}号文件核定编制数额，调整后由机构编制部门统一登记管理。"}}"#,
            i % 7
        )
        .into_bytes(),
    }
}

/// Entries `from..to`.
pub fn entries(from: usize, to: usize) -> Vec<NewEntry> {
    (from..to).map(entry).collect()
}

/// Everything `scan(after)` yields.
pub fn scan_all(store: &dyn JournalStore, after: u64) -> Vec<JournalEntry> {
    let mut out = Vec::new();
    store
        .scan(after, &mut |e| {
            out.push(e);
            Ok(())
        })
        .unwrap();
    out
}

/// The stored entry `seq`.
pub fn get(store: &dyn JournalStore, seq: u64) -> JournalEntry {
    scan_all(store, seq - 1).into_iter().next().unwrap()
}

#[track_caller]
pub fn assert_intact(store: &dyn JournalStore, entries: u64) {
    match store.verify().unwrap() {
        VerifyReport::Intact { entries: n, head } => {
            assert_eq!(n, entries);
            let expected = store.head().unwrap().map(|(_, h)| h);
            assert_eq!(Some(head).filter(|_| n > 0), expected);
        }
        broken => panic!("expected an intact journal, got {broken:?}"),
    }
}

/// Asserts `verify` names entry `seq` (with 文号 `doc_no`) and returns the reason.
#[track_caller]
pub fn assert_broken(store: &dyn JournalStore, seq: u64, doc_no: &str) -> String {
    match store.verify().unwrap() {
        VerifyReport::Broken {
            seq: s,
            doc_no: d,
            reason,
        } => {
            assert_eq!((s, d.as_str()), (seq, doc_no), "reason: {reason}");
            assert!(reason.contains(&format!("第 {seq} 条")), "{reason}");
            reason
        }
        intact => panic!("expected a broken journal at {seq}, got {intact:?}"),
    }
}
