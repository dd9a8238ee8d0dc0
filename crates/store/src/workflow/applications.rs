//! Applications (申请) and their event log; the status-transition decision.

use super::{
    text_ok, texts_ok, ApplicationEvent, ApplicationFilter, ApplicationRecord, ApplicationStatus,
    NewApplication, Transition, TransitionOutcome,
};
use crate::StoreError;

/// Applications and their events.
pub trait ApplicationStore {
    /// Stores a new application (status 待审核) and its `submitted` event.
    fn create_application(&mut self, app: &NewApplication)
        -> Result<ApplicationRecord, StoreError>;
    fn application(&self, id: i64) -> Result<Option<ApplicationRecord>, StoreError>;
    /// Matching applications and the total count without paging.
    fn applications(
        &self,
        filter: &ApplicationFilter,
    ) -> Result<(Vec<ApplicationRecord>, u64), StoreError>;
    fn events(&self, application: i64) -> Result<Vec<ApplicationEvent>, StoreError>;
    /// Changes an application if it is in one of `t.from`, logging the event.
    fn transition(&mut self, id: i64, t: &Transition) -> Result<TransitionOutcome, StoreError>;
    /// Number of applications per status among `units` (`None`: all).
    fn status_counts(
        &self,
        units: Option<&[u32]>,
    ) -> Result<Vec<(ApplicationStatus, u64)>, StoreError>;
}

/// A new application as stored: its text checked, its payload sealed.
pub(crate) fn new_application(a: &NewApplication) -> Result<String, StoreError> {
    texts_ok([
        ("申请类别", a.kind.as_str()),
        ("申请标题", a.title.as_str()),
        ("申请内容", a.payload.as_str()),
    ])?;
    seal_text(&a.payload)
}

/// The text a transition writes, checked before anything is read.
pub(crate) fn check_transition(t: &Transition) -> Result<(), StoreError> {
    if let Some((title, payload)) = &t.payload {
        text_ok("申请标题", title)?;
        text_ok("申请内容", payload)?;
    }
    for s in [&t.doc_no, &t.note].into_iter().flatten() {
        text_ok("申请备注", s)?;
    }
    texts_ok([
        ("处理意见", t.comment.as_str()),
        ("处理动作", t.action.as_str()),
    ])
}

/// What a transition writes over the application's row.
#[derive(Debug)]
pub(crate) struct Change {
    pub status: ApplicationStatus,
    pub title: String,
    /// Sealed.
    pub payload: String,
}

/// Whether transition `t` applies to the application as it is now (`cur`,
/// read under the backend's write lock), and if so what it writes;
/// otherwise the outcome to answer, with nothing written.
pub(crate) fn decide(
    cur: Option<ApplicationRecord>,
    t: &Transition,
) -> Result<Result<Change, TransitionOutcome>, StoreError> {
    let Some(cur) = cur else {
        return Ok(Err(TransitionOutcome::NotFound));
    };
    if !t.from.contains(&cur.status) {
        return Ok(Err(TransitionOutcome::WrongStatus(cur.status)));
    }
    let (title, payload) = t.payload.clone().unwrap_or((cur.title, cur.payload));
    Ok(Ok(Change {
        status: t.to.unwrap_or(cur.status),
        title,
        payload: seal_text(&payload)?,
    }))
}

/// The filter's kind, if a stored application can have it (`Err`: none can,
/// see [`super::findable`]).
pub(crate) fn kind_filter(f: &ApplicationFilter) -> Result<Option<&str>, ()> {
    match f.kind.as_deref() {
        Some(k) if !super::findable(k) => Err(()),
        k => Ok(k),
    }
}

/// An application's JSON with its personal fields sealed (see `pii`).
fn seal_text(payload: &str) -> Result<String, StoreError> {
    let b = crate::pii::seal_payload(payload.as_bytes().to_vec())?;
    String::from_utf8(b).map_err(|_| StoreError::corrupt("申请内容不是 UTF-8"))
}

/// A stored payload opened.
pub(crate) fn unseal_text(p: String) -> Result<String, StoreError> {
    match crate::pii::unseal_payload(p.as_bytes())? {
        std::borrow::Cow::Borrowed(_) => Ok(p),
        std::borrow::Cow::Owned(b) => {
            String::from_utf8(b).map_err(|_| StoreError::corrupt("申请内容不是 UTF-8"))
        }
    }
}

/// A stored status code.
pub(crate) fn stored_status(code: &str) -> Result<ApplicationStatus, StoreError> {
    ApplicationStatus::parse(code)
        .ok_or_else(|| StoreError::corrupt(format!("申请状态“{code}”无法识别")))
}
