//! The application state shared by every request: the durable ledger behind a
//! mutex (held only to compute view models, never while rendering or talking
//! to the client), the workflow store, sessions, and small caches.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use bianzhi_core::query::view_at;
use bianzhi_core::{Ledger, Matter, Seq, State, UnitId};
use bianzhi_store::{Db, SessionRecord, WorkflowStore};
use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

use crate::auth::{self, User};
use crate::error::WebError;
use crate::index::JournalIndex;

/// Shared state of the web application.
pub struct App {
    db: Mutex<Db>,
    wf: Mutex<Box<dyn WorkflowStore>>,
    /// Serialises whole write sequences (check application → record matter →
    /// update application) so two approvals cannot interleave.
    pub(crate) write: Mutex<()>,
    sessions: RwLock<HashMap<String, User>>,
    views: Mutex<Vec<(NaiveDate, Seq, Arc<State>)>>,
    index: Mutex<Option<Arc<JournalIndex>>>,
}

/// What a read sees: the state as of the date asked, the live state and
/// journal, and the journal index.
pub struct ReadCtx<'a> {
    /// The state to query at `date` (always through `view_at`).
    pub st: &'a State,
    /// The current state (for names and ids).
    pub live: &'a State,
    pub ledger: &'a Ledger,
    pub index: &'a JournalIndex,
    pub date: NaiveDate,
}

impl ReadCtx<'_> {
    /// The journal entry at an index of `ledger.journal()`.
    pub fn entry(&self, i: u32) -> &(Seq, Matter) {
        &self.ledger.journal()[i as usize]
    }
}

/// Today in Beijing time (the 编办's calendar).
pub fn today() -> NaiveDate {
    let tz = FixedOffset::east_opt(8 * 3600).expect("valid offset");
    Utc::now().with_timezone(&tz).date_naive()
}

fn poisoned<T>(r: std::sync::LockResult<T>) -> T {
    // A panic while holding a lock leaves data consistent here (the ledger
    // rolls back refused matters itself), so keep serving.
    r.unwrap_or_else(|e| e.into_inner())
}

impl App {
    pub fn new(db: Db, wf: Box<dyn WorkflowStore>) -> Arc<App> {
        Arc::new(App {
            db: Mutex::new(db),
            wf: Mutex::new(wf),
            write: Mutex::new(()),
            sessions: RwLock::new(HashMap::new()),
            views: Mutex::new(Vec::new()),
            index: Mutex::new(None),
        })
    }

    pub fn db(&self) -> MutexGuard<'_, Db> {
        poisoned(self.db.lock())
    }

    pub fn wf(&self) -> MutexGuard<'_, Box<dyn WorkflowStore>> {
        poisoned(self.wf.lock())
    }

    /// Runs `f` on the ledger as of `date`.
    pub fn read<R>(&self, date: NaiveDate, f: impl FnOnce(&ReadCtx<'_>) -> R) -> R {
        let db = self.db();
        let ledger = db.ledger();
        let live = ledger.state();
        let seq = ledger.next_seq();
        let index = self.index_for(ledger);
        let needs_view = matches!(view_at(live, date), std::borrow::Cow::Owned(_));
        if !needs_view {
            return f(&ReadCtx {
                st: live,
                live,
                ledger,
                index: &index,
                date,
            });
        }
        let view = self.view_for(live, date, seq);
        f(&ReadCtx {
            st: &view,
            live,
            ledger,
            index: &index,
            date,
        })
    }

    /// A cached copy of the state advanced to `date` (only when scheduled
    /// effects fall due by then; see `query::view_at`).
    fn view_for(&self, live: &State, date: NaiveDate, seq: Seq) -> Arc<State> {
        let mut views = poisoned(self.views.lock());
        views.retain(|(_, s, _)| *s == seq);
        if let Some((_, _, v)) = views.iter().find(|(d, _, _)| *d == date) {
            return v.clone();
        }
        let v = Arc::new(view_at(live, date).into_owned());
        if views.len() >= 8 {
            views.remove(0);
        }
        views.push((date, seq, v.clone()));
        v
    }

    fn index_for(&self, ledger: &Ledger) -> Arc<JournalIndex> {
        let mut idx = poisoned(self.index.lock());
        match &*idx {
            Some(i) if i.len == ledger.journal().len() => i.clone(),
            _ => {
                let i = Arc::new(JournalIndex::build(ledger));
                *idx = Some(i.clone());
                i
            }
        }
    }

    /// Signs a user in: checks the password, starts a session.
    pub fn sign_in(&self, login: &str, password: &str) -> Result<User, WebError> {
        let rec = self.wf().user_by_login(login.trim())?;
        let Some(rec) = rec.filter(|r| r.active) else {
            // Same work as a real check, so timing does not tell which logins exist.
            let _ = auth::verify_password(password, DUMMY_HASH);
            return Err(WebError::BadCredentials);
        };
        if !auth::verify_password(password, &rec.password_hash) {
            return Err(WebError::BadCredentials);
        }
        let id = auth::random_hex(32)?;
        let csrf = auth::random_hex(16)?;
        let now = Utc::now();
        self.wf().create_session(&SessionRecord {
            id: id.clone(),
            user_id: rec.id,
            csrf: csrf.clone(),
            created_at: now,
            expires_at: now + chrono::Duration::hours(auth::SESSION_HOURS),
        })?;
        let user = User::from_record(&rec, &id, &csrf)
            .ok_or_else(|| WebError::Forbidden("该账户角色无效，请联系管理员".into()))?;
        poisoned(self.sessions.write()).insert(id, user.clone());
        Ok(user)
    }

    /// The user of a session id, if the session is valid.
    pub fn session_user(&self, id: &str) -> Result<Option<User>, WebError> {
        if let Some(u) = poisoned(self.sessions.read()).get(id) {
            return Ok(Some(u.clone()));
        }
        let wf = self.wf();
        let Some(s) = wf.session(id, Utc::now())? else {
            return Ok(None);
        };
        let Some(rec) = wf.user(s.user_id)? else {
            return Ok(None);
        };
        drop(wf);
        let Some(u) = User::from_record(&rec, &s.id, &s.csrf) else {
            return Ok(None);
        };
        poisoned(self.sessions.write()).insert(id.to_string(), u.clone());
        Ok(Some(u))
    }

    pub fn sign_out(&self, id: &str) -> Result<(), WebError> {
        poisoned(self.sessions.write()).remove(id);
        self.wf().delete_session(id)?;
        Ok(())
    }

    /// The units a user may see as of `date` (`None`: all of them).
    pub fn scope(&self, user: &User, date: NaiveDate) -> Option<Vec<UnitId>> {
        let root = match user.role {
            crate::auth::Role::UnitClerk => user.unit?,
            _ => return None,
        };
        let db = self.db();
        let st = db.state();
        // The subtree as it stands today, plus as of `date`, so that a clerk
        // still sees a unit that moved away from or into their tree.
        let mut units = bianzhi_core::query::subtree(st, root, today());
        units.extend(bianzhi_core::query::subtree(st, root, date));
        units.sort_unstable();
        units.dedup();
        Some(units)
    }

    /// When the session expires (for the API's sign-in answer).
    pub fn session_expiry(&self) -> DateTime<Utc> {
        Utc::now() + chrono::Duration::hours(auth::SESSION_HOURS)
    }
}

/// An argon2id hash of a random string, checked when the login is unknown.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$0M5zvM9c2tGq6UtpTJgw2c0PZkm3Rr5b8yTAmOwB0tI";
