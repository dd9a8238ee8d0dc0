//! The journal kept by a [`crate::Ledger`]: per entry what every walk of the
//! journal needs (序号, 文号, dates, what it corrects or supplements), and the
//! matter itself either decoded (recorded or caught up by this process) or as
//! the bytes the store holds, decoded when needed by the store's decoder
//! (unsealing personal data is the store's business; the core does no I/O).
//! A ledger opened from a snapshot thus decodes only the matters after it,
//! and memory holds the stored bytes instead of every matter decoded.

use std::borrow::Cow;
use std::sync::Arc;

use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;

use crate::ident::DocNo;
use crate::ids::Seq;
use crate::matter::{Correction, Matter};

/// Decodes a stored matter: its 序号 and the payload bytes the store keeps.
/// Supplied by the store (it knows the payload format and unseals personal
/// data); the error is a reason in words.
pub type Decoder = Arc<dyn Fn(Seq, &[u8]) -> Result<Matter, String> + Send + Sync>;

/// A journal entry whose matter cannot be decoded (a damaged payload, a
/// missing key for sealed personal data); names the entry.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("第 {seq} 条事项无法解读：{detail}")]
pub struct JournalError {
    pub seq: Seq,
    pub detail: String,
}

/// The fields of a matter's JSON that the journal keeps without decoding the
/// rest (the operations are skipped, not built). Same names and defaults as
/// [`Matter`]; `head_of_matter_json_equals_its_fields` tests that.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct MatterHead {
    pub doc: DocNo,
    pub effective: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    #[serde(default)]
    pub corrects: Option<Correction>,
    #[serde(default)]
    pub supplements: Option<Seq>,
}

impl MatterHead {
    pub fn of(m: &Matter) -> MatterHead {
        MatterHead {
            doc: m.doc.clone(),
            effective: m.effective,
            recorded_at: m.recorded_at,
            corrects: m.corrects,
            supplements: m.supplements,
        }
    }

    /// The head of a matter stored as JSON (other fields are skipped).
    pub fn from_json(json: &[u8]) -> Result<MatterHead, String> {
        serde_json::from_slice(json).map_err(|e| e.to_string())
    }
}

/// One entry of the journal: what is known of it without decoding its
/// matter, and the matter (decoded, or stored bytes).
#[derive(Clone)]
pub struct Entry {
    pub seq: Seq,
    /// 文号.
    pub doc: DocNo,
    /// 生效日期.
    pub effective: NaiveDate,
    /// 登记时间.
    pub recorded_at: DateTime<Utc>,
    /// 更正 / 撤销: the matter it corrects.
    pub corrects: Option<Correction>,
    /// 补充附件: the matter it files documents with.
    pub supplements: Option<Seq>,
    pub(crate) body: Body,
}

#[derive(Clone)]
pub(crate) enum Body {
    /// Recorded or caught up by this process (or given decoded): kept decoded.
    Decoded(Arc<Matter>),
    /// Loaded from the store: decoded when needed. `ahead` is the matter
    /// decoded ahead of a load's replay; the ledger drops it once loaded.
    Stored {
        payload: Arc<[u8]>,
        ahead: Option<Arc<Matter>>,
    },
}

impl std::fmt::Debug for Entry {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Entry")
            .field("seq", &self.seq)
            .field("doc", &self.doc.to_string())
            .field("effective", &self.effective)
            .field("decoded", &self.is_decoded())
            .finish_non_exhaustive()
    }
}

impl Entry {
    /// An entry holding its matter decoded.
    pub fn decoded(seq: Seq, m: Matter) -> Entry {
        Entry::with_head(seq, MatterHead::of(&m), Body::Decoded(Arc::new(m)))
    }

    /// An entry loaded from the store: its head and the stored payload, to be
    /// decoded by the ledger's [`Decoder`] when needed.
    pub fn stored(seq: Seq, head: MatterHead, payload: impl Into<Arc<[u8]>>) -> Entry {
        Entry::with_head(
            seq,
            head,
            Body::Stored {
                payload: payload.into(),
                ahead: None,
            },
        )
    }

    /// An entry loaded from the store whose matter was decoded ahead (for
    /// the replay of a load; the ledger keeps only the payload afterwards).
    pub fn stored_decoded(seq: Seq, m: Matter, payload: impl Into<Arc<[u8]>>) -> Entry {
        Entry::with_head(
            seq,
            MatterHead::of(&m),
            Body::Stored {
                payload: payload.into(),
                ahead: Some(Arc::new(m)),
            },
        )
    }

    fn with_head(seq: Seq, h: MatterHead, body: Body) -> Entry {
        Entry {
            seq,
            doc: h.doc,
            effective: h.effective,
            recorded_at: h.recorded_at,
            corrects: h.corrects,
            supplements: h.supplements,
            body,
        }
    }

    /// Whether the matter is held decoded.
    pub fn is_decoded(&self) -> bool {
        match &self.body {
            Body::Decoded(_) => true,
            Body::Stored { ahead, .. } => ahead.is_some(),
        }
    }

    /// Drops a matter decoded ahead of a load (the payload stays).
    pub(crate) fn forget_ahead(&mut self) {
        if let Body::Stored { ahead, .. } = &mut self.body {
            *ahead = None;
        }
    }

    /// The matter, decoded with `decoder` if it is only stored.
    pub(crate) fn matter<'a>(
        &'a self,
        decoder: Option<&Decoder>,
    ) -> Result<Cow<'a, Matter>, JournalError> {
        match &self.body {
            Body::Decoded(m) | Body::Stored { ahead: Some(m), .. } => Ok(Cow::Borrowed(m)),
            Body::Stored { payload, .. } => {
                let d = decoder.ok_or_else(|| JournalError {
                    seq: self.seq,
                    detail: "台账未提供解读已存事项的方法".into(),
                })?;
                let m = d(self.seq, payload).map_err(|detail| JournalError {
                    seq: self.seq,
                    detail,
                })?;
                // The stored bytes and the head read from them must agree.
                if m.effective != self.effective
                    || m.corrects != self.corrects
                    || m.supplements != self.supplements
                {
                    return Err(JournalError {
                        seq: self.seq,
                        detail: "事项内容与其登记的生效日期或更正关系不一致".into(),
                    });
                }
                Ok(Cow::Owned(m))
            }
        }
    }
}
