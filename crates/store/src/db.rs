//! The durable ledger: the core [`Ledger`] kept in memory, every recorded matter
//! written to a [`JournalStore`] before it is acknowledged, snapshots for a fast
//! start.

use bianzhi_core::{Ledger, Matter, MatterError, MatterSink, RecordError, Seq, State};
use chrono::{DateTime, Utc};

use crate::{JournalStore, NewEntry, Snapshot, StoreError, VerifyReport};

/// Meta keys.
const META_CODE: &str = "jurisdiction_code";
const META_NAME: &str = "jurisdiction_name";

/// Take a snapshot after at least this many matters were replayed or recorded
/// since the last one, and at least a quarter of the journal (so that the cost
/// of writing snapshots stays proportional to the journal, not quadratic).
pub const SNAPSHOT_EVERY: u64 = 2_000;

/// Errors of the durable ledger.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    #[error(transparent)]
    Store(#[from] StoreError),
    #[error(transparent)]
    Refused(#[from] MatterError),
    #[error("数据库尚未建立台账（未设置区划），请先运行 bianzhi demo 或 bianzhi init")]
    NotInitialised,
    #[error("数据库已属于 {0}，不能再初始化为其他区划")]
    AlreadyInitialised(String),
    #[error("第 {seq} 条事项无法解读：{detail}")]
    Decode { seq: Seq, detail: String },
    #[error(transparent)]
    Replay(#[from] bianzhi_core::ReplayError),
}

impl From<DbError> for RecordError {
    fn from(e: DbError) -> Self {
        match e {
            DbError::Refused(m) => RecordError::Refused(m),
            other => RecordError::Store(other.to_string()),
        }
    }
}

/// How the ledger was loaded.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct LoadStats {
    pub matters: u64,
    /// Matters replayed on top of the snapshot (all of them without one).
    pub replayed: u64,
    pub from_snapshot: bool,
}

/// A ledger backed by a durable journal.
pub struct Db {
    store: Box<dyn JournalStore>,
    ledger: Ledger,
    /// Recorded in memory, not yet written (batch mode).
    pending: Vec<NewEntry>,
    since_snapshot: u64,
    pub load_stats: LoadStats,
}

fn encode(m: &Matter) -> NewEntry {
    NewEntry {
        doc_no: m.doc.to_string(),
        effective: m.effective,
        recorded_at: m.recorded_at,
        actor: m.actor.clone(),
        payload: serde_json::to_vec(m).expect("a matter always serialises"),
    }
}

/// Decodes a stored matter.
pub fn decode(seq: Seq, payload: &[u8]) -> Result<Matter, DbError> {
    serde_json::from_slice(payload).map_err(|e| DbError::Decode {
        seq,
        detail: e.to_string(),
    })
}

impl Db {
    /// Creates the ledger of a jurisdiction in an empty store.
    pub fn init(mut store: Box<dyn JournalStore>, code: &str, name: &str) -> Result<Db, DbError> {
        if let Some(existing) = store.get_meta(META_CODE)? {
            if existing != code {
                let n = store.get_meta(META_NAME)?.unwrap_or_default();
                return Err(DbError::AlreadyInitialised(format!("{n}（{existing}）")));
            }
            return Db::open(store);
        }
        store.set_meta(META_CODE, code)?;
        store.set_meta(META_NAME, name)?;
        Db::open(store)
    }

    /// Whether the store already holds a ledger.
    pub fn is_initialised(store: &dyn JournalStore) -> Result<bool, DbError> {
        Ok(store.get_meta(META_CODE)?.is_some())
    }

    /// Opens the ledger: newest valid snapshot, then the matters after it.
    pub fn open(store: Box<dyn JournalStore>) -> Result<Db, DbError> {
        Db::open_with(store, true)
    }

    /// Opens by replaying every matter, ignoring snapshots (for `verify`).
    pub fn open_without_snapshot(store: Box<dyn JournalStore>) -> Result<Db, DbError> {
        Db::open_with(store, false)
    }

    fn open_with(store: Box<dyn JournalStore>, use_snapshot: bool) -> Result<Db, DbError> {
        let code = store.get_meta(META_CODE)?.ok_or(DbError::NotInitialised)?;
        let name = store.get_meta(META_NAME)?.unwrap_or_default();
        let snap = if use_snapshot {
            store.latest_snapshot()?
        } else {
            None
        };
        let mut snap_ok = false;
        let mut journal: Vec<(Seq, Matter)> = Vec::new();
        store.scan(0, &mut |e| {
            if let Some(s) = &snap {
                if s.seq == e.seq {
                    // A snapshot is used only if it still matches the journal.
                    snap_ok = s.head_hash == e.hash;
                }
            }
            let m =
                decode(e.seq, &e.payload).map_err(|err| StoreError::corrupt(err.to_string()))?;
            journal.push((e.seq, m));
            Ok(())
        })?;
        let snapshot = snap
            .filter(|_| snap_ok)
            .and_then(|s| postcard::from_bytes::<State>(&s.state).ok());
        let total = journal.len() as u64;
        let (ledger, stats) = match snapshot {
            Some(st) if st.jurisdiction.code == code => {
                let replayed = journal.iter().filter(|(s, _)| *s > st.last_seq).count() as u64;
                (
                    Ledger::from_snapshot(st, journal)?,
                    LoadStats {
                        matters: total,
                        replayed,
                        from_snapshot: true,
                    },
                )
            }
            _ => (
                Ledger::from_journal(State::new(&code, &name), journal)?,
                LoadStats {
                    matters: total,
                    replayed: total,
                    from_snapshot: false,
                },
            ),
        };
        let mut db = Db {
            store,
            ledger,
            pending: Vec::new(),
            since_snapshot: stats.replayed,
            load_stats: stats,
        };
        if use_snapshot && db.snapshot_due() {
            db.snapshot()?;
        }
        Ok(db)
    }

    pub fn state(&self) -> &State {
        self.ledger.state()
    }

    pub fn ledger(&self) -> &Ledger {
        &self.ledger
    }

    pub fn store(&self) -> &dyn JournalStore {
        &*self.store
    }

    /// Records one matter durably: checked and applied in memory, written to the
    /// journal, then acknowledged. If the write fails, the matter is undone.
    pub fn submit(&mut self, draft: Matter, now: DateTime<Utc>) -> Result<(Seq, Matter), DbError> {
        self.flush()?;
        let (seq, m) = self.submit_in_memory(draft, now)?;
        self.flush()?;
        Ok((seq, m))
    }

    fn submit_in_memory(
        &mut self,
        draft: Matter,
        now: DateTime<Utc>,
    ) -> Result<(Seq, Matter), DbError> {
        let (seq, m) = self.ledger.submit(draft, now)?;
        let m = m.clone();
        self.pending.push(encode(&m));
        Ok((seq, m))
    }

    /// Records a matter in batch mode: it is durable (acknowledged) only after
    /// the next [`Db::flush`], which the batch does every `batch` matters.
    pub fn submit_batched(
        &mut self,
        draft: Matter,
        now: DateTime<Utc>,
        batch: usize,
    ) -> Result<(Seq, Matter), DbError> {
        let r = self.submit_in_memory(draft, now)?;
        if self.pending.len() >= batch {
            self.flush()?;
        }
        Ok(r)
    }

    /// Writes the pending matters in one transaction. On failure they are
    /// dropped from memory too, so memory never runs ahead of the journal.
    pub fn flush(&mut self) -> Result<Seq, DbError> {
        if self.pending.is_empty() {
            return Ok(self.durable_seq());
        }
        let entries = std::mem::take(&mut self.pending);
        let n = entries.len() as u64;
        match self.store.append(&entries) {
            Ok(stored) => {
                let last = stored.last().map(|e| e.seq).unwrap_or(0);
                debug_assert_eq!(last, self.ledger.journal().last().map_or(0, |(s, _)| *s));
                self.since_snapshot += n;
                if self.snapshot_due() {
                    self.snapshot()?;
                }
                Ok(last)
            }
            Err(e) => {
                let keep = self.ledger.next_seq() - 1 - n;
                self.ledger.rollback_to(keep)?;
                Err(e.into())
            }
        }
    }

    /// Drops matters recorded in memory but not yet written.
    pub fn discard_pending(&mut self) -> Result<(), DbError> {
        if self.pending.is_empty() {
            return Ok(());
        }
        let keep = self.durable_seq();
        self.pending.clear();
        self.ledger.rollback_to(keep)?;
        Ok(())
    }

    /// Sequence number of the last durable matter.
    pub fn durable_seq(&self) -> Seq {
        (self.ledger.next_seq() - 1) - self.pending.len() as u64
    }

    fn snapshot_due(&self) -> bool {
        let total = self.ledger.next_seq() - 1;
        self.since_snapshot >= SNAPSHOT_EVERY && self.since_snapshot * 4 >= total
    }

    /// Saves a snapshot of the current state.
    pub fn snapshot(&mut self) -> Result<(), DbError> {
        self.flush_no_snapshot()?;
        let Some((seq, hash)) = self.store.head()? else {
            return Ok(());
        };
        let bytes = postcard::to_allocvec(self.ledger.state()).expect("state serialises");
        self.store.save_snapshot(&Snapshot {
            seq,
            head_hash: hash,
            state: bytes,
        })?;
        self.since_snapshot = 0;
        Ok(())
    }

    fn flush_no_snapshot(&mut self) -> Result<(), DbError> {
        if !self.pending.is_empty() {
            let saved = self.since_snapshot;
            self.since_snapshot = 0;
            let r = self.flush();
            self.since_snapshot = saved;
            r?;
        }
        Ok(())
    }

    pub fn verify(&self) -> Result<VerifyReport, DbError> {
        Ok(self.store.verify()?)
    }

    /// A [`MatterSink`] that records in batches of `batch` (flush at the end!).
    pub fn batch_sink(&mut self, batch: usize) -> BatchSink<'_> {
        BatchSink { db: self, batch }
    }
}

/// Batched recording through the [`MatterSink`] interface.
pub struct BatchSink<'a> {
    db: &'a mut Db,
    batch: usize,
}

impl BatchSink<'_> {
    pub fn flush(&mut self) -> Result<Seq, DbError> {
        self.db.flush()
    }
}

impl MatterSink for BatchSink<'_> {
    fn state(&self) -> &State {
        self.db.state()
    }
    fn record(&mut self, draft: Matter) -> Result<Matter, RecordError> {
        let at = draft.recorded_at;
        Ok(self.db.submit_batched(draft, at, self.batch)?.1)
    }
}
