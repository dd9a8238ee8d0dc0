//! 比对 results kept a while for their owner's session, to page through,
//! download and register as problems without uploading the roster again —
//! in the workflow store, so that every server of one database sees them.
//!
//! A result is two things: a small record of kind [`RESULT`] (JSON: the
//! token in its address, the owner, the file name, the date, the counts and
//! the blob's digest) and a blob with the differences, which may be many
//! (up to [`KEEP_DIFFS`]): postcard, deflated, then sealed whole with
//! SM4-GCM under the personal-data key (`pii::seal_data`; they hold the other
//! department's 身份证号, names and units). The blob begins with the result's
//! random token, so its content — and digest — is its own and deleting it
//! touches nothing else.
//!
//! A result expires [`KEEP`] after its upload (on the application's clock);
//! expired results are deleted (blob, then record) whenever results are
//! kept or read, and one that has expired but is not yet deleted is never
//! answered. Beyond [`KEEP_MAX`] results, or [`KEEP_DIFFS`] differences in
//! all, the oldest are deleted too.

use bianzhi_reports::reconcile::{Diff, DiffKind, Entry};
use bianzhi_store::{pii, RecordRow, WorkflowStore};
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::prelude::*;
use crate::reports::service::*;

/// Record kind of a kept result.
pub const RESULT: &str = "reconcile";

/// How long a result is kept, how many at most, and how many differences
/// in all (older results go first).
pub const KEEP: chrono::Duration = chrono::Duration::minutes(30);

pub const KEEP_MAX: usize = 16;

pub const KEEP_DIFFS: usize = 2_000_000;

/// Type of the blob holding the differences.
const MIME: &str = "application/x-bianzhi-reconcile";

/// What the blob's plain content begins with (then the token, a newline).
const MAGIC: &[u8] = b"BZ-RECONCILE-1\n";

/// A result as the pages use it.
pub struct Stored {
    /// The token in its address.
    pub id: String,
    pub file: String,
    pub as_of: NaiveDate,
    pub diffs: Vec<Diff>,
    pub other_rows: usize,
    pub ledger_rows: usize,
    /// 比对范围 in words (`区教育局（含下属单位）`).
    pub scope: String,
}

/// The record of a kept result (no personal data: the differences are in
/// the sealed blob).
#[derive(Debug, Serialize, Deserialize)]
struct Meta {
    /// Random, in the result's address.
    token: String,
    /// SM3 of the owner's session id, hex (the id itself signs in).
    session: String,
    /// The owner's account.
    user: i64,
    file: String,
    as_of: NaiveDate,
    other_rows: usize,
    ledger_rows: usize,
    /// 比对范围 in words (unit names only).
    #[serde(default)]
    scope: String,
    diffs: usize,
    /// Digest of the blob with the differences.
    blob: String,
}

/// One difference in the blob.
#[derive(Serialize, Deserialize)]
struct Row<'a> {
    kind: u8,
    #[serde(borrow)]
    id_number: &'a str,
    #[serde(borrow)]
    ledger: Option<Person<'a>>,
    #[serde(borrow)]
    other: Option<Person<'a>>,
}

#[derive(Serialize, Deserialize)]
struct Person<'a> {
    name: &'a str,
    id_number: &'a str,
    unit: &'a str,
    qtype: &'a str,
    row: u64,
}

/// The kinds by their code in the blob.
const KINDS: [DiffKind; 7] = [
    DiffKind::NotInLedger,
    DiffKind::NotOnRoster,
    DiffKind::UnitMismatch,
    DiffKind::TypeMismatch,
    DiffKind::NameMismatch,
    DiffKind::InvalidId,
    DiffKind::Duplicate,
];

fn kind_code(k: DiffKind) -> u8 {
    match k {
        DiffKind::NotInLedger => 0,
        DiffKind::NotOnRoster => 1,
        DiffKind::UnitMismatch => 2,
        DiffKind::TypeMismatch => 3,
        DiffKind::NameMismatch => 4,
        DiffKind::InvalidId => 5,
        DiffKind::Duplicate => 6,
    }
}

fn person(e: &Entry) -> Person<'_> {
    Person {
        name: &e.name,
        id_number: &e.id_number,
        unit: &e.unit,
        qtype: &e.qtype,
        row: e.row as u64,
    }
}

fn entry(p: Person<'_>) -> Entry {
    Entry {
        name: p.name.into(),
        id_number: p.id_number.into(),
        unit: p.unit.into(),
        qtype: p.qtype.into(),
        row: p.row as usize,
    }
}

fn broken(what: impl std::fmt::Display) -> WebError {
    WebError::Internal(format!("比对结果无法读取：{what}"))
}

/// The blob's content: magic, token, newline, then the differences
/// (postcard: their count, then each) deflated; sealed whole.
fn encode(token: &str, diffs: &[Diff]) -> Result<Vec<u8>, WebError> {
    use std::io::Write;
    let mut out = MAGIC.to_vec();
    out.extend_from_slice(token.as_bytes());
    out.push(b'\n');
    let mut z = flate2::write::DeflateEncoder::new(out, flate2::Compression::fast());
    let fail = |e: &dyn std::fmt::Display| WebError::Internal(format!("比对结果无法保存：{e}"));
    postcard::to_io(&(diffs.len() as u64), &mut z).map_err(|e| fail(&e))?;
    for d in diffs {
        let row = Row {
            kind: kind_code(d.kind),
            id_number: &d.id_number,
            ledger: d.ledger.as_ref().map(person),
            other: d.other.as_ref().map(person),
        };
        postcard::to_io(&row, &mut z).map_err(|e| fail(&e))?;
    }
    z.flush().map_err(|e| fail(&e))?;
    let plain = z.finish().map_err(|e| fail(&e))?;
    Ok(pii::seal_data(plain)?)
}

/// The differences of the blob of result `token`.
fn decode(token: &str, data: &[u8]) -> Result<Vec<Diff>, WebError> {
    use std::io::Read;
    let plain = pii::unseal_data(data)?;
    let rest = plain
        .strip_prefix(MAGIC)
        .and_then(|r| r.strip_prefix(token.as_bytes()))
        .and_then(|r| r.strip_prefix(b"\n"))
        .ok_or_else(|| broken("内容与记录不符"))?;
    let mut bytes = Vec::new();
    flate2::read::DeflateDecoder::new(rest)
        .read_to_end(&mut bytes)
        .map_err(broken)?;
    let (n, mut rest) = postcard::take_from_bytes::<u64>(&bytes).map_err(broken)?;
    let mut diffs = Vec::with_capacity((n as usize).min(rest.len()));
    for _ in 0..n {
        let (row, r) = postcard::take_from_bytes::<Row<'_>>(rest).map_err(broken)?;
        rest = r;
        let kind = *KINDS
            .get(usize::from(row.kind))
            .ok_or_else(|| broken("差异类别无法识别"))?;
        diffs.push(Diff {
            kind,
            id_number: row.id_number.into(),
            ledger: row.ledger.map(entry),
            other: row.other.map(entry),
        });
    }
    Ok(diffs)
}

fn session_hash(session: &str) -> String {
    bianzhi_store::blob_digest(session.as_bytes())
}

fn expired(r: &RecordRow, now: DateTime<Utc>) -> bool {
    now - r.created_at >= KEEP
}

/// Deletes a result: its blob first, so that what may be left behind by a
/// failure is a record without differences (deleted on the next pass).
fn delete(wf: &mut dyn WorkflowStore, r: &RecordRow, m: Option<&Meta>) -> Result<(), WebError> {
    if let Some(m) = m {
        wf.delete_blob(&m.blob)?;
    }
    wf.delete_record(RESULT, r.id)?;
    Ok(())
}

/// The kept results, expired ones (and unreadable records) deleted, oldest
/// first.
fn live(
    wf: &mut dyn WorkflowStore,
    now: DateTime<Utc>,
) -> Result<Vec<(RecordRow, Meta)>, WebError> {
    let mut out = Vec::new();
    for r in wf.records(RESULT)? {
        match serde_json::from_str::<Meta>(&r.body) {
            Ok(m) if !expired(&r, now) => out.push((r, m)),
            Ok(m) => delete(wf, &r, Some(&m))?,
            Err(_) => delete(wf, &r, None)?,
        }
    }
    out.sort_by_key(|(r, _)| (r.created_at, r.id));
    Ok(out)
}

/// What a 比对 produced, to keep.
pub struct NewResult {
    pub file: String,
    pub as_of: NaiveDate,
    pub diffs: Vec<Diff>,
    pub other_rows: usize,
    pub ledger_rows: usize,
    pub scope: String,
}

impl App {
    /// Keeps a 比对 result for `user`'s session; answers its token (for its
    /// address).
    pub fn keep_reconciliation(&self, user: &User, r: NewResult) -> Result<String, WebError> {
        let token = crate::auth::random_hex(12)?;
        let data = encode(&token, &r.diffs)?;
        let meta = Meta {
            token: token.clone(),
            session: session_hash(&user.session),
            user: user.id,
            file: r.file,
            as_of: r.as_of,
            other_rows: r.other_rows,
            ledger_rows: r.ledger_rows,
            scope: r.scope,
            diffs: r.diffs.len(),
            blob: bianzhi_store::blob_digest(&data),
        };
        let body = serde_json::to_string(&meta).map_err(WebError::internal)?;
        let now = self.now();
        let mut wf = self.wf();
        let mut all = live(&mut **wf, now)?;
        wf.put_blob(MIME, &data)?;
        let row = wf.insert_record(RESULT, &body, now)?;
        all.push((row, meta));
        // The oldest go while there are too many; the new one stays.
        let mut diffs: usize = all.iter().map(|(_, m)| m.diffs).sum();
        let mut gone = 0;
        while all.len() - gone > KEEP_MAX || (all.len() - gone > 1 && diffs > KEEP_DIFFS) {
            let (r, m) = &all[gone];
            delete(&mut **wf, r, Some(m))?;
            diffs -= m.diffs;
            gone += 1;
        }
        Ok(token)
    }

    /// The result `token` of `user`'s session, unless it has expired (or was
    /// deleted, or is another session's): then [`ReportError::ResultGone`].
    pub fn reconciliation(&self, user: &User, token: &str) -> Result<Stored, WebError> {
        let now = self.now();
        let (meta, data) = {
            let mut wf = self.wf();
            let found = live(&mut **wf, now)?.into_iter().find(|(_, m)| {
                m.token == token && m.user == user.id && m.session == session_hash(&user.session)
            });
            let Some((_, meta)) = found else {
                return Err(ReportError::ResultGone.into());
            };
            let Some(blob) = wf.blob(&meta.blob)? else {
                return Err(ReportError::ResultGone.into());
            };
            (meta, blob.data)
        };
        let diffs = decode(&meta.token, &data)?;
        Ok(Stored {
            id: meta.token,
            file: meta.file,
            as_of: meta.as_of,
            diffs,
            other_rows: meta.other_rows,
            ledger_rows: meta.ledger_rows,
            scope: meta.scope,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn differences_read_back_as_written() {
        let e = |name: &str, unit: &str, row| Entry {
            name: name.into(),
            id_number: "320903199005010012".into(),
            unit: unit.into(),
            qtype: "事业编制".into(),
            row,
        };
        let diffs: Vec<Diff> = KINDS
            .iter()
            .enumerate()
            .map(|(i, &kind)| Diff {
                kind,
                id_number: format!("id{i}"),
                ledger: (i % 2 == 0).then(|| e("王小明", "区实验小学", 0)),
                other: (i % 3 != 0).then(|| e("王晓明", "区教育局", i + 2)),
            })
            .collect();
        for (i, k) in KINDS.iter().enumerate() {
            assert_eq!(usize::from(kind_code(*k)), i);
        }
        let data = encode("abc", &diffs).unwrap();
        assert_eq!(decode("abc", &data).unwrap(), diffs);
        assert!(
            decode("abd", &data).is_err(),
            "the blob is the result's own"
        );
        assert_ne!(
            bianzhi_store::blob_digest(&data),
            bianzhi_store::blob_digest(&encode("abd", &diffs).unwrap())
        );
        assert!(decode("x", &encode("x", &[]).unwrap()).unwrap().is_empty());
    }
}
