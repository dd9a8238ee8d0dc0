//! The durable ledger: the core [`Ledger`] kept in memory, every recorded matter
//! written to a [`JournalStore`] before it is acknowledged, snapshots for a fast
//! start.
//!
//! # Several servers on one ledger
//!
//! Each `Db` serves reads from its own in-memory state. Before it validates a
//! write it catches up ([`Db::catch_up`]): it applies the matters that others
//! appended after its last one, in journal order, exactly as they were recorded.
//! It then appends conditionally ([`JournalStore::append_at`]): only if the
//! journal's head is still the one it validated against. Of two servers racing
//! to fill the last vacancy, one appends; the other's append fails with
//! [`StoreError::HeadMoved`], so it undoes the matter in memory, catches up
//! (now seeing the other's hire), validates again and is refused with the
//! usual message (…可用空编 0，不能入编 1 人). Never both, and nothing acknowledged
//! is lost: a matter is acknowledged only after its append committed.

use bianzhi_core::{
    Decoder, Entry, Ledger, Matter, MatterError, MatterHead, MatterSink, RecordError, Seq, State,
};
use chrono::{DateTime, Utc};

use crate::{
    AuditEntry, Hash, JournalStore, NewAudit, NewEntry, Snapshot, StoreError, VerifyReport,
    GENESIS_HASH,
};

/// Meta keys.
const META_CODE: &str = "jurisdiction_code";
const META_NAME: &str = "jurisdiction_name";
/// Set on a ledger created to hold the demo district (演示台账), by the
/// command that created it; never inferred from what the ledger contains.
const META_DEMO: &str = "demo";

/// Take a snapshot after at least this many matters were replayed or recorded
/// since the last one, and at least a quarter of the journal (so that the cost
/// of writing snapshots stays proportional to the journal, not quadratic).
pub const SNAPSHOT_EVERY: u64 = 2_000;

/// How many times [`Db::submit`] validates again after losing a race to
/// another server before giving up with [`DbError::Contended`].
const MAX_ATTEMPTS: usize = 50;

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
    /// The journal no longer continues the matters this server has applied
    /// (it was replaced or rewritten underneath); reopen the ledger.
    #[error("台账第 {seq} 条与本服务器已载入的记录不相接（台账可能被替换），请重新打开台账")]
    Diverged { seq: Seq },
    /// Other servers kept appending first, every time.
    #[error("其他服务器持续登记事项，连续 {0} 次未能写入，请稍后重试")]
    Contended(usize),
}

/// What became of one matter of a group commit: its 序号 and the matter as
/// recorded, or why it was refused.
pub type GroupOutcome<E> = Result<(Seq, Matter), GroupRefusal<E>>;

/// Why one matter of a group commit was refused: by the caller's check or
/// by the ledger (the others of the group go on).
#[derive(Debug)]
pub enum GroupRefusal<E> {
    Check(E),
    Db(DbError),
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
    /// Hash of the last durable entry (the one at [`Db::durable_seq`]).
    head_hash: Hash,
    since_snapshot: u64,
    /// Appends lost to another server since opening (each retried).
    conflicts: u64,
    pub load_stats: LoadStats,
}

fn encode(m: &Matter) -> NewEntry {
    NewEntry {
        doc_no: m.doc.to_string(),
        effective: m.effective,
        recorded_at: m.recorded_at,
        actor: m.actor.clone(),
        payload: crate::pii::seal_payload(
            serde_json::to_vec(m).expect("a matter always serialises"),
        )
        .expect("sealing personal data"),
    }
}

/// Entries read per task by [`read_parallel`].
const DECODE_CHUNK: usize = 256;

/// Turns the payloads `scan` hands over (in sequence order) into journal
/// entries on every core: the scan reads on this thread while workers parse
/// chunks. An entry after `decode_after` is decoded (it will be replayed);
/// one up to it keeps its stored bytes with only its head read
/// ([`bianzhi_core::MatterHead`]), to be decoded when needed. Returns the
/// entries in scan order, or the first error in that order.
fn read_parallel<'scope, 'env>(
    scope: &'scope std::thread::Scope<'scope, 'env>,
    decode_after: Seq,
    scan: impl FnOnce(&mut dyn FnMut(Seq, Vec<u8>)) -> Result<(), StoreError>,
) -> Result<Vec<Entry>, DbError> {
    type Chunk = (usize, Vec<(Seq, Vec<u8>)>);
    type Read = (usize, Result<Vec<Entry>, DbError>);
    let workers = std::thread::available_parallelism().map_or(1, |n| n.get());
    let (work_tx, work_rx) = std::sync::mpsc::sync_channel::<Chunk>(workers * 2);
    let work_rx = std::sync::Arc::new(std::sync::Mutex::new(work_rx));
    let (done_tx, done_rx) = std::sync::mpsc::channel::<Read>();
    for _ in 0..workers {
        let (rx, tx) = (work_rx.clone(), done_tx.clone());
        scope.spawn(move || loop {
            let next = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
            let Ok((i, chunk)) = next else { return };
            let read = chunk
                .into_iter()
                .map(|(seq, payload)| read_entry(seq, payload, seq > decode_after))
                .collect();
            if tx.send((i, read)).is_err() {
                return;
            }
        });
    }
    drop(done_tx);
    let mut chunks = 0usize;
    let mut chunk = Vec::with_capacity(DECODE_CHUNK);
    let scanned = scan(&mut |seq, payload| {
        chunk.push((seq, payload));
        if chunk.len() == DECODE_CHUNK {
            let full = std::mem::replace(&mut chunk, Vec::with_capacity(DECODE_CHUNK));
            // Workers only stop once the queue is closed, so this cannot fail.
            let _ = work_tx.send((chunks, full));
            chunks += 1;
        }
    });
    if !chunk.is_empty() {
        let _ = work_tx.send((chunks, chunk));
        chunks += 1;
    }
    drop(work_tx);
    let mut read: Vec<Read> = done_rx.iter().collect();
    scanned?;
    read.sort_by_key(|(i, _)| *i);
    debug_assert_eq!(read.len(), chunks);
    let mut journal = Vec::with_capacity(chunks * DECODE_CHUNK);
    for (_, part) in read {
        journal.extend(part?);
    }
    Ok(journal)
}

/// A stored entry for the ledger: decoded, or its head read and its bytes kept.
fn read_entry(seq: Seq, payload: Vec<u8>, decoded: bool) -> Result<Entry, DbError> {
    if decoded {
        let m = decode(seq, &payload)?;
        return Ok(Entry::stored_decoded(seq, m, payload));
    }
    // The head fields are never sealed, so the stored bytes are read as they are.
    let head = MatterHead::from_json(&payload).map_err(|detail| DbError::Decode { seq, detail })?;
    Ok(Entry::stored(seq, head, payload))
}

/// Decodes a stored matter.
pub fn decode(seq: Seq, payload: &[u8]) -> Result<Matter, DbError> {
    let payload = crate::pii::unseal_payload(payload).map_err(|e| DbError::Decode {
        seq,
        detail: e.to_string(),
    })?;
    serde_json::from_slice(&payload).map_err(|e| DbError::Decode {
        seq,
        detail: e.to_string(),
    })
}

/// The ledger's decoder of stored entries: [`decode`], the reason in words.
fn decoder() -> Decoder {
    std::sync::Arc::new(|seq, payload| {
        decode(seq, payload).map_err(|e| match e {
            DbError::Decode { detail, .. } => detail,
            other => other.to_string(),
        })
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

    /// Creates the demo ledger (演示台账) in an empty store: like [`Db::init`],
    /// and marked as the demo, so that demo accounts and demo data are only
    /// ever given to it. Refused on a store that already holds a ledger not
    /// so marked (a real office's, made by `bianzhi init`).
    pub fn init_demo(
        mut store: Box<dyn JournalStore>,
        code: &str,
        name: &str,
    ) -> Result<Db, DbError> {
        if Db::is_initialised(&*store)? {
            if store.get_meta(META_DEMO)?.as_deref() != Some("1") {
                let n = store.get_meta(META_NAME)?.unwrap_or_default();
                return Err(DbError::AlreadyInitialised(format!(
                    "{n}（正式台账，不是演示台账）"
                )));
            }
            return Db::open(store);
        }
        store.set_meta(META_DEMO, "1")?;
        Db::init(store, code, name)
    }

    /// Whether this ledger was created as the demo (see [`Db::init_demo`]).
    pub fn is_demo(&self) -> Result<bool, DbError> {
        Ok(self.store().get_meta(META_DEMO)?.as_deref() == Some("1"))
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
        let mut head_hash = GENESIS_HASH;
        let snap_seq = snap.as_ref().map(|s| (s.seq, s.head_hash));
        let (journal, snapshot) = std::thread::scope(|scope| {
            // The snapshot is decoded beside the journal, and used only if it
            // still matches the journal (checked once the scan has passed it).
            let snapshot = snap.as_ref().map(|s| {
                scope.spawn(|| {
                    let bytes = crate::pii::unseal_snapshot(&s.state)?;
                    decode_state(&bytes)
                })
            });
            // Only the matters after the snapshot are decoded now.
            let decode_after = snap_seq.map_or(0, |(seq, _)| seq);
            let journal = read_parallel(scope, decode_after, |f| {
                store.scan(0, &mut |e| {
                    head_hash = e.hash;
                    if let Some((seq, hash)) = snap_seq {
                        if seq == e.seq {
                            snap_ok = hash == e.hash;
                        }
                    }
                    f(e.seq, e.payload);
                    Ok(())
                })
            });
            let snapshot = snapshot.and_then(|h| h.join().expect("snapshot decoder"));
            (journal, snapshot)
        });
        let journal = journal?;
        let snapshot = snapshot
            .filter(|_| snap_ok)
            .filter(|st| st.jurisdiction.code == code);
        let total = journal.len() as u64;
        let replayed = match &snapshot {
            Some(st) => journal.iter().filter(|e| e.seq > st.last_seq).count() as u64,
            None => total,
        };
        let stats = LoadStats {
            matters: total,
            replayed,
            from_snapshot: snapshot.is_some(),
        };
        let ledger =
            Ledger::from_entries(State::new(&code, &name), snapshot, journal, Some(decoder()))?;
        let mut db = Db {
            store,
            ledger,
            pending: Vec::new(),
            head_hash,
            since_snapshot: stats.replayed,
            conflicts: 0,
            load_stats: stats,
        };
        if use_snapshot {
            // Not fatal (a read-only store, as an upper level opens its
            // districts with, cannot save one).
            db.snapshot_if_due();
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

    /// Records one matter durably: catches up with matters other servers
    /// recorded, checks and applies it in memory, appends it if nobody appended
    /// meanwhile (otherwise undoes it, catches up and checks again), then
    /// acknowledges it. If the write fails, the matter is undone.
    pub fn submit(&mut self, draft: Matter, now: DateTime<Utc>) -> Result<(Seq, Matter), DbError> {
        self.flush()?;
        for _ in 0..MAX_ATTEMPTS {
            self.catch_up()?;
            let base = self.durable_seq();
            let (seq, m) = self.submit_in_memory(draft.clone(), now)?;
            match self.write_pending() {
                Ok(_) => return Ok((seq, m)),
                Err(DbError::Store(StoreError::HeadMoved { .. })) => {
                    self.conflicts += 1;
                    continue;
                }
                Err(e) => {
                    debug_assert_eq!(self.durable_seq(), base);
                    return Err(e);
                }
            }
        }
        Err(DbError::Contended(MAX_ATTEMPTS))
    }

    /// Group commit: records several matters with one write (one
    /// transaction, one fsync). Each draft is checked by `check` against the
    /// ledger as it stands with the group's earlier matters applied, then
    /// submitted; a draft refused (by `check` or by a rule) changes nothing
    /// and gets its own refusal while the others go on. The accepted ones are
    /// appended together and only then answered; if another server appended
    /// first, the whole group is tried again on top of its matters. The
    /// outer error is a failure of the store: nothing of the group was
    /// written.
    pub fn submit_group<E>(
        &mut self,
        drafts: &[Matter],
        now: DateTime<Utc>,
        check: impl FnMut(&Ledger, usize, &Matter) -> Result<(), E>,
    ) -> Result<Vec<GroupOutcome<E>>, DbError> {
        self.submit_group_audited(drafts, now, check, |_, _, _| None)
            .map(|(out, _)| out)
    }

    /// [`Db::submit_group`], each accepted matter with its audit entry
    /// (`audit`: the ledger with the matter applied, the draft's index and
    /// its 序号) appended to the audit trail in the journal's own
    /// transaction: a matter is never durable without its audit entry, nor
    /// the entry without the matter. The store must keep the audit trail
    /// beside the journal ([`JournalStore::append_at_audited`]).
    pub fn submit_group_audited<E>(
        &mut self,
        drafts: &[Matter],
        now: DateTime<Utc>,
        mut check: impl FnMut(&Ledger, usize, &Matter) -> Result<(), E>,
        mut audit: impl FnMut(&Ledger, usize, Seq) -> Option<NewAudit>,
    ) -> Result<(Vec<GroupOutcome<E>>, Vec<AuditEntry>), DbError> {
        self.flush()?;
        for _ in 0..MAX_ATTEMPTS {
            self.catch_up()?;
            let base = self.durable_seq();
            let mut out = Vec::with_capacity(drafts.len());
            let mut audits = Vec::new();
            for (i, d) in drafts.iter().enumerate() {
                if let Err(e) = check(&self.ledger, i, d) {
                    out.push(Err(GroupRefusal::Check(e)));
                    continue;
                }
                let done = self
                    .submit_in_memory(d.clone(), now)
                    .map_err(GroupRefusal::Db);
                if let Ok((seq, _)) = &done {
                    audits.extend(audit(&self.ledger, i, *seq));
                }
                out.push(done);
            }
            match self.write_pending_audited(&audits) {
                Ok((_, audited)) => return Ok((out, audited)),
                Err(DbError::Store(StoreError::HeadMoved { .. })) => {
                    self.conflicts += 1;
                    continue;
                }
                Err(e) => {
                    debug_assert_eq!(self.durable_seq(), base);
                    return Err(e);
                }
            }
        }
        Err(DbError::Contended(MAX_ATTEMPTS))
    }

    /// Applies the matters other servers appended after this one's last
    /// durable matter, in journal order; returns how many. Matters recorded in
    /// batch mode and not yet written are flushed first.
    ///
    /// A matter another server recorded applies here exactly as it did there
    /// (same state, same ids, same rules); if it does not, the journal and this
    /// server disagree and the error says so.
    pub fn catch_up(&mut self) -> Result<u64, DbError> {
        self.flush()?;
        let mut fresh = Vec::new();
        self.store.scan(self.durable_seq(), &mut |e| {
            fresh.push(e);
            Ok(())
        })?;
        let n = fresh.len() as u64;
        for e in fresh {
            if e.seq != self.ledger.next_seq() || e.prev_hash != self.head_hash {
                return Err(DbError::Diverged { seq: e.seq });
            }
            let m = decode(e.seq, &e.payload)?;
            let at = m.recorded_at;
            let (doc, effective) = (m.doc.to_string(), m.effective);
            self.ledger
                .submit(m, at)
                .map_err(|cause| bianzhi_core::ReplayError {
                    seq: e.seq,
                    doc,
                    effective,
                    cause: Box::new(cause),
                })?;
            self.head_hash = e.hash;
        }
        if n > 0 {
            self.since_snapshot += n;
            self.snapshot_if_due();
        }
        Ok(n)
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
        if self.pending.is_empty() {
            // A batch starts from the journal's current head.
            self.catch_up()?;
        }
        let r = self.submit_in_memory(draft, now)?;
        if self.pending.len() >= batch {
            self.flush()?;
        }
        Ok(r)
    }

    /// Writes the pending matters in one transaction, provided no other server
    /// appended since they were checked. On failure (including
    /// [`StoreError::HeadMoved`]: another server got there first) they are
    /// dropped from memory too, so memory never runs ahead of the journal;
    /// [`Db::catch_up`] then brings in the other server's matters.
    pub fn flush(&mut self) -> Result<Seq, DbError> {
        let last = self.write_pending()?;
        Ok(last)
    }

    fn write_pending(&mut self) -> Result<Seq, DbError> {
        self.write_pending_audited(&[]).map(|(seq, _)| seq)
    }

    /// Writes the pending matters, and `audits` in the same transaction.
    fn write_pending_audited(
        &mut self,
        audits: &[NewAudit],
    ) -> Result<(Seq, Vec<AuditEntry>), DbError> {
        if self.pending.is_empty() {
            return Ok((self.durable_seq(), Vec::new()));
        }
        let entries = std::mem::take(&mut self.pending);
        let n = entries.len() as u64;
        let base = self.ledger.next_seq() - 1 - n;
        let written = if audits.is_empty() {
            self.store
                .append_at(base, &entries)
                .map(|stored| (stored, Vec::new()))
        } else {
            self.store.append_at_audited(base, &entries, audits)
        };
        match written {
            Ok((stored, audited)) => {
                let last = stored.last().map(|e| e.seq).unwrap_or(0);
                debug_assert_eq!(last, self.ledger.entries().last().map_or(0, |e| e.seq));
                if let Some(e) = stored.last() {
                    self.head_hash = e.hash;
                }
                self.since_snapshot += n;
                self.snapshot_if_due();
                Ok((last, audited))
            }
            Err(e) => {
                self.ledger.rollback_to(base)?;
                Err(e.into())
            }
        }
    }

    /// Takes a snapshot if one is due. The matters are durable already, so a
    /// failure here is not the caller's: the next due point tries again.
    fn snapshot_if_due(&mut self) {
        if self.snapshot_due() {
            let _ = self.snapshot();
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

    /// How many times [`Db::submit`] lost an append to another server and
    /// validated again (since this ledger was opened).
    pub fn conflicts(&self) -> u64 {
        self.conflicts
    }

    /// Sequence number of the last durable matter.
    pub fn durable_seq(&self) -> Seq {
        (self.ledger.next_seq() - 1) - self.pending.len() as u64
    }

    fn snapshot_due(&self) -> bool {
        let total = self.ledger.next_seq() - 1;
        self.since_snapshot >= SNAPSHOT_EVERY && self.since_snapshot * 4 >= total
    }

    /// Saves a snapshot of the current state (of this server's last durable
    /// matter, whatever others appended since).
    pub fn snapshot(&mut self) -> Result<(), DbError> {
        self.flush_no_snapshot()?;
        let (seq, hash) = (self.durable_seq(), self.head_hash);
        if seq == 0 {
            return Ok(());
        }
        let bytes = crate::pii::seal_snapshot(encode_state(self.ledger.state()))?;
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

/// The bytes a snapshot keeps of a state: a tag with the state's shape
/// ([`bianzhi_core::state::STATE_FORMAT`]), then the postcard encoding.
fn encode_state(st: &State) -> Vec<u8> {
    postcard::to_extend(st, state_tag()).expect("state serialises")
}

/// The state of a snapshot, or `None` when it was written for another shape
/// of the state (or is damaged): the journal is then replayed instead.
fn decode_state(bytes: &[u8]) -> Option<State> {
    let rest = bytes.strip_prefix(state_tag().as_slice())?;
    postcard::from_bytes::<State>(rest).ok()
}

fn state_tag() -> Vec<u8> {
    let mut t = b"BZSTATE".to_vec();
    t.extend_from_slice(&bianzhi_core::state::STATE_FORMAT.to_le_bytes());
    t
}
