//! The audit trail: append-only, SM3-chained, signed under the installed key.
//!
//! The chain (what an entry's hash covers, how the next entry is linked, how
//! the trail is verified) is written here once; a backend only reads and
//! writes rows.

use crate::chain::{ChainNotes, Checker, Hash, GENESIS_HASH};
use crate::head::{Chain, HeadFile};
use crate::StoreError;

use super::{audit_text, from_micros, micros, AuditEntry, AuditFilter, NewAudit};

/// The audit trail.
pub trait AuditStore {
    /// Appends to the audit trail (hash-chained); answers the stored entry.
    fn append_audit(&mut self, entry: &NewAudit) -> Result<AuditEntry, StoreError> {
        let mut stored = self.append_audits(std::slice::from_ref(entry))?;
        Ok(stored.pop().expect("one entry appended"))
    }
    /// Appends several entries in order, in one transaction (all or none;
    /// one commit): a server's concurrent requests share the commit.
    fn append_audits(&mut self, entries: &[NewAudit]) -> Result<Vec<AuditEntry>, StoreError>;
    /// Matching audit entries, newest first, and their total count.
    fn audit(&self, filter: &AuditFilter) -> Result<(Vec<AuditEntry>, u64), StoreError>;
    /// Recomputes the audit chain; answers the number of entries checked.
    /// With a key installed also checks the entries' signatures and the
    /// head file's checkpoint (see [`AuditStore::set_head_file`]).
    fn verify_audit(&self) -> Result<u64, StoreError> {
        self.verify_audit_chain().map(|(n, _)| n)
    }
    /// [`AuditStore::verify_audit`], with what was checked beyond the
    /// plain chain.
    fn verify_audit_chain(&self) -> Result<(u64, ChainNotes), StoreError>;
    /// From now on records the audit trail's head in `file` after every
    /// append (while a key is installed), and compares it in
    /// `verify_audit`.
    fn set_head_file(&mut self, file: Option<HeadFile>);
    /// Where the trail's rows are kept (the database file's path, or the
    /// PostgreSQL database and ledger); `None` in memory. A journal store
    /// with the same [`JournalStore::location`](crate::JournalStore::location)
    /// can append audit entries in the journal's own transaction
    /// ([`JournalStore::append_at_audited`](crate::JournalStore::append_at_audited)).
    fn location(&self) -> Option<String> {
        None
    }
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

/// The stored hash of audit entry `seq`.
pub(crate) fn stored_hash(seq: u64, h: Vec<u8>) -> Result<Hash, StoreError> {
    h.try_into()
        .map_err(|_| StoreError::corrupt(format!("审计记录 {seq} 的散列长度不对")))
}

/// An audit entry about to be written after the trail's last entry `last`
/// (`(seq, hash)` as stored; `None`: the trail is empty), with its
/// signature under the installed key.
pub(crate) fn next_audit(
    last: Option<(i64, Vec<u8>)>,
    e: &NewAudit,
) -> Result<(AuditEntry, Option<Hash>), StoreError> {
    let (seq, prev) = match last {
        None => (1u64, GENESIS_HASH),
        Some((s, h)) => (s as u64 + 1, stored_hash(s as u64, h)?),
    };
    // Stored (and hashed) with microsecond precision; NUL replaced.
    let e = NewAudit {
        at: from_micros(micros(e.at)),
        actor: audit_text(&e.actor),
        ip: audit_text(&e.ip),
        action: audit_text(&e.action),
        target: audit_text(&e.target),
        detail: audit_text(&e.detail),
    };
    let hash = audit_hash(&prev, seq, &e);
    let mac = crate::chain::mac(Chain::Audit, seq, &hash);
    let NewAudit {
        at,
        actor,
        ip,
        action,
        target,
        detail,
    } = e;
    Ok((
        AuditEntry {
            seq,
            at,
            actor,
            ip,
            action,
            target,
            detail,
            hash,
        },
        mac,
    ))
}

/// After an append has committed: records the new head in the head file (a
/// checkpoint that cannot be written shows in `verify`, it does not undo the
/// append).
pub(crate) fn appended(heads: Option<&HeadFile>, e: &AuditEntry) {
    if let Some(h) = heads {
        let _ = h.record(Chain::Audit, e.seq, e.hash);
    }
}

/// The check of the audit trail, fed the stored entries in sequence order.
pub(crate) struct AuditVerifier {
    checker: Checker,
    prev: Hash,
    n: u64,
}

fn failed(reason: String) -> StoreError {
    StoreError::corrupt(format!("审计记录校验失败：{reason}"))
}

impl AuditVerifier {
    /// A check comparing the checkpoint in `heads` (if any).
    pub(crate) fn new(heads: Option<&HeadFile>) -> Result<Self, StoreError> {
        Ok(AuditVerifier {
            checker: Checker::new(Chain::Audit, heads).map_err(StoreError::corrupt)?,
            prev: GENESIS_HASH,
            n: 0,
        })
    }

    /// Checks the next stored entry and its signature `mac`: no gap, the hash
    /// of its fields chained to the previous one, then the keyed checks.
    pub(crate) fn entry(&mut self, e: &AuditEntry, mac: Option<&[u8]>) -> Result<(), StoreError> {
        self.n += 1;
        let n = self.n;
        if e.seq != n {
            return Err(StoreError::corrupt(format!(
                "审计记录不连续：应为第 {n} 条，实为第 {} 条（有记录被删除）",
                e.seq
            )));
        }
        let want = audit_hash(
            &self.prev,
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
        self.checker.entry(e.seq, &e.hash, mac).map_err(failed)?;
        self.prev = e.hash;
        Ok(())
    }

    /// Ends the check: the number of entries, and what was checked beyond
    /// the plain chain.
    pub(crate) fn finish(self) -> Result<(u64, ChainNotes), StoreError> {
        let n = self.n;
        let notes = self.checker.finish(n).map_err(|(_, r)| failed(r))?;
        Ok((n, notes))
    }
}

/// `LIMIT` and `OFFSET` of an audit page (at least one row).
pub(crate) fn page(f: &AuditFilter) -> (i64, i64) {
    (
        f.limit.clamp(1, i64::MAX as u64) as i64,
        f.offset.min(i64::MAX as u64) as i64,
    )
}
