//! The ledger: the journal of matters (in recording order) and the state they
//! produce when applied in effective-date order. Bitemporal: any figure can be
//! asked as of an effective date, and as recorded at a moment.

mod journal;

use chrono::{DateTime, NaiveDate, Utc};

use std::borrow::Cow;
use std::collections::HashMap;

pub use journal::{Decoder, Entry, JournalError, MatterHead};

use crate::ident::DocNo;
use crate::ids::Seq;
use crate::matter::{Correction, CorrectionKind, Matter};
use crate::state::State;
use crate::violation::MatterError;

/// A stored matter that no longer applies on replay (the journal and the rules
/// disagree); names the matter.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("重放第 {seq} 条事项（{doc}，生效 {effective}）失败：{cause}")]
pub struct ReplayError {
    pub seq: Seq,
    pub doc: String,
    pub effective: chrono::NaiveDate,
    pub cause: Box<MatterError>,
}

/// A matter to replay: what orders it, and where its matter is.
struct Item<'a> {
    seq: Seq,
    effective: NaiveDate,
    corrects: Option<Correction>,
    doc: &'a DocNo,
    src: Src<'a>,
}

enum Src<'a> {
    Matter(&'a Matter),
    Entry(&'a Entry),
}

impl<'a> Item<'a> {
    fn of_matter(seq: Seq, m: &'a Matter) -> Item<'a> {
        Item {
            seq,
            effective: m.effective,
            corrects: m.corrects,
            doc: &m.doc,
            src: Src::Matter(m),
        }
    }

    fn of_entry(e: &'a Entry) -> Item<'a> {
        Item {
            seq: e.seq,
            effective: e.effective,
            corrects: e.corrects,
            doc: &e.doc,
            src: Src::Entry(e),
        }
    }

    fn key(&self) -> (NaiveDate, Seq, Seq) {
        order_key_of(self.seq, self.effective, self.corrects)
    }

    /// The matter, if it is held decoded (no decoding).
    fn peek(&self) -> Option<&'a Matter> {
        match self.src {
            Src::Matter(m) => Some(m),
            Src::Entry(e) => match &e.body {
                journal::Body::Decoded(m) | journal::Body::Stored { ahead: Some(m), .. } => Some(m),
                journal::Body::Stored { .. } => None,
            },
        }
    }

    fn matter(&self, decoder: Option<&Decoder>) -> Result<Cow<'a, Matter>, JournalError> {
        match self.src {
            Src::Matter(m) => Ok(Cow::Borrowed(m)),
            Src::Entry(e) => e.matter(decoder),
        }
    }

    fn error(&self, cause: MatterError) -> ReplayError {
        ReplayError {
            seq: self.seq,
            doc: self.doc.to_string(),
            effective: self.effective,
            cause: Box::new(cause),
        }
    }
}

/// Replays matters (in any order) into a fresh state, applying them in
/// effective-date order (see [`order_key`]). Matters voided by a 更正 or 撤销
/// among them are left out; a 撤销 itself applies nothing. Every rule is
/// checked as when the matters were recorded; the undo log is skipped (the
/// fresh state is dropped on the first matter that no longer applies).
pub fn replay<'a>(
    base: &State,
    matters: impl IntoIterator<Item = (Seq, &'a Matter)>,
) -> Result<State, ReplayError> {
    let items = matters
        .into_iter()
        .map(|(s, m)| Item::of_matter(s, m))
        .collect();
    replay_items(base, items, None)
}

/// [`replay`] of journal entries and matters, decoding stored entries in
/// order as they are reached (a matter that cannot be decoded is named).
fn replay_items(
    base: &State,
    mut v: Vec<Item<'_>>,
    decoder: Option<&Decoder>,
) -> Result<State, ReplayError> {
    let void = voided(v.iter().map(|i| (i.seq, i.corrects)));
    if !void.is_empty() {
        v.retain(|i| !void.contains_key(&i.seq));
    }
    v.sort_by_key(Item::key);
    let mut st = empty_like(base);
    st.reserve_people(
        v.iter()
            .filter_map(Item::peek)
            .map(Matter::people_added)
            .sum(),
    );
    for item in v {
        let m = item
            .matter(decoder)
            .map_err(|e| item.error(MatterError::Journal(e)))?;
        apply_replayed(&mut st, item.seq, &m).map_err(|cause| item.error(cause))?;
    }
    Ok(st)
}

/// Applies a matter during a replay; a 撤销 or a 补充附件 only counts as seen.
fn apply_replayed(st: &mut State, seq: Seq, m: &Matter) -> Result<Vec<String>, MatterError> {
    if is_revocation(m.corrects) || m.supplements.is_some() {
        st.last_seq = st.last_seq.max(seq);
        return Ok(Vec::new());
    }
    st.apply_unlogged(seq, m)
}

fn is_revocation(c: Option<Correction>) -> bool {
    c.is_some_and(|c| c.kind == CorrectionKind::Revoke)
}

/// The order matters are applied in: effective date, then 序号, except that
/// an amendment (更正) takes the place of the first matter of its chain.
pub fn order_key(seq: Seq, m: &Matter) -> (chrono::NaiveDate, Seq, Seq) {
    order_key_of(seq, m.effective, m.corrects)
}

fn order_key_of(
    seq: Seq,
    effective: NaiveDate,
    corrects: Option<Correction>,
) -> (NaiveDate, Seq, Seq) {
    let place = match corrects {
        Some(c) if c.kind == CorrectionKind::Amend && c.root > 0 => c.root,
        _ => seq,
    };
    (effective, place, seq)
}

/// The matters voided by a 更正 or 撤销 among these: voided → voided by.
/// A voided matter stays void (only a standing matter can be corrected, and
/// a 撤销 cannot be), so every correction voids its target for good.
fn voided(matters: impl Iterator<Item = (Seq, Option<Correction>)>) -> HashMap<Seq, Seq> {
    matters.filter_map(|(s, c)| c.map(|c| (c.of, s))).collect()
}

/// A fresh state for the same jurisdiction.
pub fn empty_like(st: &State) -> State {
    State::new(&st.jurisdiction.code, &st.jurisdiction.name)
}

/// The journal plus the state, kept in memory. Journal entries loaded from
/// a store are kept as stored bytes and decoded when needed (see
/// [`journal`]); matters recorded here stay decoded.
pub struct Ledger {
    state: State,
    journal: Vec<Entry>,
    /// Decodes stored entries (none when every entry is decoded).
    decoder: Option<Decoder>,
    /// 更正 / 撤销: voided matter → the matter that voided it.
    voided: HashMap<Seq, Seq>,
    /// The state advanced to a date beyond the latest matter (see
    /// [`Ledger::view_at`]); dropped whenever a matter is recorded.
    view_cache: std::sync::Mutex<Option<(chrono::NaiveDate, std::sync::Arc<State>)>>,
}

impl std::fmt::Debug for Ledger {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Ledger")
            .field("state", &self.state)
            .field("journal", &self.journal)
            .field("voided", &self.voided)
            .finish_non_exhaustive()
    }
}

impl Clone for Ledger {
    fn clone(&self) -> Self {
        Ledger {
            state: self.state.clone(),
            journal: self.journal.clone(),
            decoder: self.decoder.clone(),
            voided: self.voided.clone(),
            view_cache: Default::default(),
        }
    }
}

/// The state to query at a date: the live state, or a cached copy advanced
/// past scheduled effects (see [`crate::query::view_at`]).
pub enum View<'a> {
    Live(&'a State),
    Advanced(std::sync::Arc<State>),
}

impl std::ops::Deref for View<'_> {
    type Target = State;
    fn deref(&self) -> &State {
        match self {
            View::Live(s) => s,
            View::Advanced(s) => s,
        }
    }
}

fn decoded(journal: Vec<(Seq, Matter)>) -> Vec<Entry> {
    journal
        .into_iter()
        .map(|(s, m)| Entry::decoded(s, m))
        .collect()
}

impl Ledger {
    pub fn new(code: &str, name: &str) -> Ledger {
        Ledger {
            state: State::new(code, name),
            journal: Vec::new(),
            decoder: None,
            voided: HashMap::new(),
            view_cache: Default::default(),
        }
    }

    /// Rebuilds a ledger from a stored journal (matters in recording order).
    pub fn from_journal(base: State, journal: Vec<(Seq, Matter)>) -> Result<Ledger, ReplayError> {
        Ledger::from_entries(base, None, decoded(journal), None)
    }

    /// Continues from a snapshot state plus the matters recorded after it.
    /// Falls back to a full replay when a later matter is backdated before the
    /// snapshot's latest effective date, or corrects an earlier matter.
    pub fn from_snapshot(
        snapshot: State,
        journal: Vec<(Seq, Matter)>,
    ) -> Result<Ledger, ReplayError> {
        let base = empty_like(&snapshot);
        Ledger::from_entries(base, Some(snapshot), decoded(journal), None)
    }

    /// Rebuilds a ledger from the entries of a store (in recording order),
    /// continuing from `snapshot` when there is one (as
    /// [`Ledger::from_snapshot`]), else replaying all of them onto `base`.
    /// Only the entries replayed are decoded (those decoded ahead are used
    /// and then forgotten); `decoder` decodes the others when needed.
    pub fn from_entries(
        base: State,
        snapshot: Option<State>,
        mut journal: Vec<Entry>,
        decoder: Option<Decoder>,
    ) -> Result<Ledger, ReplayError> {
        let d = decoder.as_ref();
        let state = match snapshot {
            Some(snapshot) => {
                let after: Vec<&Entry> = journal
                    .iter()
                    .filter(|e| e.seq > snapshot.last_seq)
                    .collect();
                let in_order = after.iter().all(|e| e.corrects.is_none())
                    && after
                        .iter()
                        .all(|e| snapshot.max_effective.is_none_or(|max| e.effective >= max))
                    && after.windows(2).all(|w| w[0].effective <= w[1].effective);
                if in_order {
                    // `state` is dropped on error, so no undo log is needed.
                    let mut state = snapshot;
                    for e in after {
                        let item = Item::of_entry(e);
                        let m = item
                            .matter(d)
                            .map_err(|x| item.error(MatterError::Journal(x)))?;
                        apply_replayed(&mut state, e.seq, &m).map_err(|cause| item.error(cause))?;
                    }
                    state
                } else {
                    replay_items(&snapshot, journal.iter().map(Item::of_entry).collect(), d)?
                }
            }
            None => replay_items(&base, journal.iter().map(Item::of_entry).collect(), d)?,
        };
        journal.iter_mut().for_each(Entry::forget_ahead);
        Ok(Ledger {
            state,
            voided: voided(journal.iter().map(|e| (e.seq, e.corrects))),
            journal,
            decoder,
            view_cache: Default::default(),
        })
    }

    pub fn state(&self) -> &State {
        &self.state
    }

    /// The state to query as of `date`. When scheduled effects (承兑 tranches,
    /// loans falling due) lie between the latest matter and `date`, a copy
    /// advanced to `date` is computed once and cached until the next matter.
    pub fn view_at(&self, date: chrono::NaiveDate) -> View<'_> {
        let pending = self
            .state
            .schedule
            .keys()
            .next()
            .is_some_and(|(d, _)| *d <= date);
        if !pending {
            return View::Live(&self.state);
        }
        let mut cache = self.view_cache.lock().unwrap_or_else(|e| e.into_inner());
        // The cached copy serves every date whose pending effects are the same.
        let first_after = |d: chrono::NaiveDate| {
            self.state
                .schedule
                .keys()
                .find(|(x, _)| *x > d)
                .map(|(x, _)| *x)
        };
        if let Some((d, st)) = cache.as_ref() {
            let same_effects = self
                .state
                .schedule
                .keys()
                .all(|(x, _)| (*x <= *d) == (*x <= date));
            if same_effects && first_after(*d) == first_after(date) {
                return View::Advanced(st.clone());
            }
        }
        let mut st = self.state.clone();
        st.advance_clock(date);
        let st = std::sync::Arc::new(st);
        *cache = Some((date, st.clone()));
        View::Advanced(st)
    }

    /// Number of journal entries.
    pub fn journal_len(&self) -> usize {
        self.journal.len()
    }

    /// The journal in recording order, without decoding any matter: 序号,
    /// 文号, dates and what each entry corrects or supplements. Decode an
    /// entry's matter with [`Ledger::decode`].
    pub fn entries(&self) -> &[Entry] {
        &self.journal
    }

    /// The entry with this 序号.
    pub fn entry(&self, seq: Seq) -> Option<&Entry> {
        self.journal
            .binary_search_by_key(&seq, |e| e.seq)
            .ok()
            .map(|i| &self.journal[i])
    }

    /// The matter of an entry of this ledger, decoded if it is only stored
    /// (then owned by the caller and dropped with it).
    pub fn decode<'a>(&'a self, e: &'a Entry) -> Result<Cow<'a, Matter>, JournalError> {
        e.matter(self.decoder.as_ref())
    }

    /// The recorded matter with this 序号 (`None`: no such entry).
    pub fn matter(&self, seq: Seq) -> Result<Option<Cow<'_, Matter>>, JournalError> {
        self.entry(seq).map(|e| self.decode(e)).transpose()
    }

    /// The journal's matters in recording order, each decoded as it is
    /// reached.
    pub fn matters(
        &self,
    ) -> impl DoubleEndedIterator<Item = Result<(Seq, Cow<'_, Matter>), JournalError>>
           + ExactSizeIterator
           + '_ {
        self.journal
            .iter()
            .map(move |e| self.decode(e).map(|m| (e.seq, m)))
    }

    /// Every matter of the journal decoded, in recording order (for tests and
    /// tools; this holds the whole journal decoded at once).
    pub fn decoded_journal(&self) -> Result<Vec<(Seq, Matter)>, JournalError> {
        self.matters()
            .map(|r| r.map(|(s, m)| (s, m.into_owned())))
            .collect()
    }

    /// 更正 / 撤销: the matter that voided this one, if any.
    pub fn voided_by(&self, seq: Seq) -> Option<Seq> {
        self.voided.get(&seq).copied()
    }

    /// Whether a matter still stands: recorded and not voided by a 更正 or
    /// 撤销 (a 撤销 itself stands as the record of the revocation).
    pub fn stands(&self, seq: Seq) -> bool {
        self.entry(seq).is_some() && !self.voided.contains_key(&seq)
    }

    pub fn next_seq(&self) -> Seq {
        self.journal.last().map_or(1, |e| e.seq + 1)
    }

    /// 文号登记: the matters recorded under this 文号 (the same 机关代字, year
    /// and number, however it was written).
    pub fn matters_with_doc(&self, doc: &crate::ident::DocNo) -> Vec<Seq> {
        self.journal
            .iter()
            .filter(|e| {
                e.doc.number == doc.number && e.doc.year == doc.year && e.doc.agency == doc.agency
            })
            .map(|e| e.seq)
            .collect()
    }

    /// 文号登记: the next 发文顺序号 of a 机关代字 in a year (one more than the
    /// highest recorded; 1 in a year with none).
    pub fn next_doc_number(&self, agency: &str, year: u16) -> u32 {
        self.journal
            .iter()
            .filter(|e| e.doc.year == year && e.doc.agency == agency)
            .map(|e| e.doc.number)
            .max()
            .map_or(1, |n| n.saturating_add(1))
    }

    /// The matter just pushed (recorded here, so decoded).
    fn pushed(&self) -> (Seq, &Matter) {
        let e = self.journal.last().expect("pushed");
        match &e.body {
            journal::Body::Decoded(m) => (e.seq, m),
            journal::Body::Stored { .. } => unreachable!("a recorded matter is kept decoded"),
        }
    }

    /// Records a draft matter: resolves it, stamps the recorded time, checks every
    /// rule and applies it. A backdated matter (effective before the latest one)
    /// is accepted only if every later matter still holds; otherwise it is refused
    /// naming the first date and rule that would break. A 更正 or 撤销 voids the
    /// matter it corrects and is accepted on the same condition. On refusal
    /// nothing changes.
    pub fn submit(
        &mut self,
        mut matter: Matter,
        recorded_at: DateTime<Utc>,
    ) -> Result<(Seq, &Matter), MatterError> {
        if let Some(of) = matter.supplements {
            return self.supplement(of, matter, recorded_at);
        }
        if let Some(c) = matter.corrects.as_mut() {
            c.root = self.check_correction(c.of, c.kind, &matter.ops)?;
        }
        self.state.resolve(&mut matter)?;
        matter.recorded_at = recorded_at;
        let seq = self.next_seq();
        let backdated = matter.corrects.is_some()
            || self
                .state
                .max_effective
                .is_some_and(|max| matter.effective < max);
        if backdated {
            let st = self.replay_with(seq, &matter)?;
            matter.warnings = st.1;
            self.state = st.0;
        } else {
            matter.warnings = self.state.apply(seq, &matter)?;
        }
        if let Some(c) = matter.corrects {
            self.voided.insert(c.of, seq);
        }
        self.journal.push(Entry::decoded(seq, matter));
        *self.view_cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
        Ok(self.pushed())
    }

    /// 补充附件: documents filed with matter `of` after it was recorded. No
    /// figure changes; the entry joins the journal.
    fn supplement(
        &mut self,
        of: Seq,
        mut matter: Matter,
        recorded_at: DateTime<Utc>,
    ) -> Result<(Seq, &Matter), MatterError> {
        if self.entry(of).is_none() {
            return Err(MatterError::NoSuchMatter(of));
        }
        if !matter.ops.is_empty() || matter.corrects.is_some() {
            return Err(MatterError::SupplementWithOps);
        }
        if matter.attachments.is_empty() {
            return Err(MatterError::Empty);
        }
        matter.recorded_at = recorded_at;
        matter.warnings.clear();
        let seq = self.next_seq();
        self.state.last_seq = self.state.last_seq.max(seq);
        self.journal.push(Entry::decoded(seq, matter));
        Ok(self.pushed())
    }

    /// The documents filed later with matter `of` (补充附件): each entry's
    /// 序号 and its matter.
    pub fn supplements_of(&self, of: Seq) -> Result<Vec<(Seq, Cow<'_, Matter>)>, JournalError> {
        self.journal
            .iter()
            .filter(|e| e.supplements == Some(of))
            .map(|e| self.decode(e).map(|m| (e.seq, m)))
            .collect()
    }

    /// Checks that matter `of` may be corrected this way; returns the first
    /// matter of its chain (itself, or what the amendment it is continues).
    fn check_correction(
        &self,
        of: Seq,
        kind: CorrectionKind,
        ops: &[crate::matter::Op],
    ) -> Result<Seq, MatterError> {
        let target = self.entry(of).ok_or(MatterError::NoSuchMatter(of))?;
        if let Some(by) = self.voided_by(of) {
            return Err(MatterError::AlreadyCorrected { of, by });
        }
        if is_revocation(target.corrects) {
            return Err(MatterError::RevocationIsFinal(of));
        }
        if target.supplements.is_some() {
            return Err(MatterError::NotCorrectable(of));
        }
        match kind {
            CorrectionKind::Revoke if !ops.is_empty() => {
                return Err(MatterError::RevocationWithOps)
            }
            CorrectionKind::Amend if ops.is_empty() => return Err(MatterError::Empty),
            _ => {}
        }
        Ok(match target.corrects {
            Some(c) if c.kind == CorrectionKind::Amend && c.root > 0 => c.root,
            _ => of,
        })
    }

    /// Full replay with `new` inserted at its effective date (and, for a
    /// correction, the matter it corrects left out); stored matters are
    /// decoded in order as they are reached.
    fn replay_with(&self, seq: Seq, new: &Matter) -> Result<(State, Vec<String>), MatterError> {
        let dropped = new.corrects.map(|c| c.of);
        let mut order: Vec<Item<'_>> = self
            .journal
            .iter()
            .filter(|e| !self.voided.contains_key(&e.seq) && Some(e.seq) != dropped)
            .map(Item::of_entry)
            .collect();
        order.push(Item::of_matter(seq, new));
        order.sort_by_key(Item::key);
        let mut st = empty_like(&self.state);
        let mut warnings = Vec::new();
        // `st` is dropped on any refusal, so no undo log is needed.
        for item in order {
            let m = item.matter(self.decoder.as_ref())?;
            match apply_replayed(&mut st, item.seq, &m) {
                Ok(w) => {
                    if item.seq == seq {
                        warnings = w;
                    }
                }
                Err(e) if item.seq == seq => return Err(e),
                Err(e) => {
                    let cause = Box::new(e);
                    return Err(match new.corrects {
                        Some(c) => MatterError::Corrected {
                            kind: c.kind.label(),
                            of: c.of,
                            broken_on: m.effective,
                            doc: m.doc.to_string(),
                            cause,
                        },
                        None => MatterError::Backdated {
                            effective: new.effective,
                            broken_on: m.effective,
                            doc: m.doc.to_string(),
                            cause,
                        },
                    });
                }
            }
        }
        Ok((st, warnings))
    }

    /// Drops the last recorded matter (used when the durable write of a matter
    /// that was applied in memory fails) by replaying the rest.
    pub fn rollback_to(&mut self, last_seq: Seq) -> Result<(), ReplayError> {
        *self.view_cache.lock().unwrap_or_else(|e| e.into_inner()) = None;
        self.journal.retain(|e| e.seq <= last_seq);
        self.voided.retain(|_, by| *by <= last_seq);
        self.state = replay_items(
            &self.state,
            self.journal.iter().map(Item::of_entry).collect(),
            self.decoder.as_ref(),
        )?;
        Ok(())
    }

    /// What the ledger knew at `at` (登记时间): only matters recorded by then.
    pub fn as_recorded(&self, at: DateTime<Utc>) -> Result<State, ReplayError> {
        replay_items(
            &self.state,
            self.journal
                .iter()
                .filter(|e| e.recorded_at <= at)
                .map(Item::of_entry)
                .collect(),
            self.decoder.as_ref(),
        )
    }
}

/// Why recording a matter failed.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The matter breaks a rule; nothing was recorded.
    #[error(transparent)]
    Refused(#[from] MatterError),
    /// The durable write failed; nothing was recorded.
    #[error("事项保存失败：{0}")]
    Store(String),
}

/// Something matters can be recorded into: the in-memory [`Ledger`], or a
/// ledger backed by a durable journal. Generators (the demo district, synthetic
/// province-scale ledgers) write through this.
pub trait MatterSink {
    /// The current state (for looking up ids allocated by earlier matters).
    fn state(&self) -> &State;
    /// Records a draft matter with its own `recorded_at`; returns the stored
    /// (resolved, id-based) matter.
    fn record(&mut self, draft: Matter) -> Result<Matter, RecordError>;
}

impl MatterSink for Ledger {
    fn state(&self) -> &State {
        &self.state
    }
    fn record(&mut self, draft: Matter) -> Result<Matter, RecordError> {
        let at = draft.recorded_at;
        Ok(self.submit(draft, at)?.1.clone())
    }
}
