//! The application state shared by every request: the durable ledger behind a
//! mutex (held only to compute view models, never while rendering or talking
//! to the client), the workflow store, sessions, and small caches.

pub(crate) mod batch;
pub mod index;

use self::index::JournalIndex;
use crate::auth;
use crate::auth::User;
use crate::http::error::WebError;
use bianzhi_core::query::view_at;
use bianzhi_core::{Entry, JournalError, Ledger, Matter, Seq, State, UnitId};
use bianzhi_store::{Db, NewAudit, SessionRecord, WorkflowStore};
use chrono::{DateTime, NaiveDate, Utc};
use std::borrow::Cow;
use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

/// What every handler is given: the shared application.
pub type AppState = Arc<App>;

/// Shared state of the web application.
pub struct App {
    db: Mutex<Db>,
    wf: Mutex<Box<dyn WorkflowStore>>,
    /// Serialises whole write sequences (check application → record matter →
    /// update application) so two approvals cannot interleave.
    pub(crate) write: Mutex<()>,
    /// Matters waiting for the next group commit (see
    /// `matters::service::record_matter`): whoever holds `write` next
    /// records them all in one write and answers each.
    pub(crate) group: Mutex<Vec<GroupJob>>,
    /// Woken when a group commit has answered its matters.
    pub(crate) group_done: std::sync::Condvar,
    /// The audit trail is in the journal's database (the same SQLite file,
    /// or the same PostgreSQL database and ledger): a matter's audit entry
    /// is written in the matter's own transaction.
    pub(crate) audit_beside_journal: bool,
    /// Audit entries waiting for the next group commit of the trail
    /// ([`App::try_audit`]).
    audits: batch::Batcher<NewAudit, Result<(), String>>,
    sessions: RwLock<HashMap<String, LiveSession>>,
    pub(crate) config: SecurityConfig,
    /// Added to the system clock (tests move time forward with it).
    clock_offset: Mutex<chrono::Duration>,
    views: Mutex<Vec<(NaiveDate, Seq, Arc<State>)>>,
    index: Mutex<Option<Arc<JournalIndex>>>,
    /// The ledger's acts that bear on registration, keyed by the journal's
    /// length and next 序号 (`registration::service`).
    ledger_facts: Mutex<Option<LedgerFactsCache>>,
    /// The 三整合 district as last read, keyed by the versions of its
    /// records (`grassroots::service`).
    district: Mutex<Option<DistrictCache>>,
    /// The index maps of the cached district (`grassroots::service`).
    district_index: Mutex<Option<DistrictIndexCache>>,
    /// Refused reads not yet written to the audit trail, by (actor, address,
    /// route):
    /// when the current window began and how many were held back.
    denials: Mutex<HashMap<DenialKey, (chrono::DateTime<Utc>, u32)>>,
    /// Public lookups (文件核验) by client address: when the current minute
    /// began and how many were made in it.
    lookups: Mutex<HashMap<String, (chrono::DateTime<Utc>, u32)>>,
}

/// Cached registration facts of the ledger and the journal state they were read at.
pub(crate) type LedgerFactsCache = (
    (usize, bianzhi_core::Seq),
    Arc<bianzhi_registration::ties::LedgerFacts>,
);

/// The key of the cached district: the (id, version) heads of the
/// catalogue's and the records' records, and the journal state when the
/// territory still comes from the ledger.
pub(crate) type DistrictKey = (
    Vec<(i64, i64)>,
    Vec<(i64, i64)>,
    Option<(usize, bianzhi_core::Seq)>,
);

/// The cached district, its key and the (id, version) of its records' record.
pub(crate) type DistrictCache = (
    DistrictKey,
    Arc<bianzhi_grassroots::District>,
    Option<(i64, i64)>,
);

/// A district and the index maps built from it.
pub(crate) type DistrictIndexCache = (
    Arc<bianzhi_grassroots::District>,
    Arc<bianzhi_grassroots::IndexMaps>,
);

/// A matter waiting for a group commit, and where its answer goes.
pub(crate) struct GroupJob {
    pub(crate) matter: bianzhi_core::Matter,
    /// The 文号 may already be used by another matter (同一文件涉及多件事项).
    pub(crate) same_doc: bool,
    /// Who records it, from where: its audit entry is written in the
    /// journal's transaction when the trail is kept beside the journal.
    pub(crate) audit: Option<crate::http::error::AuditCtx>,
    /// Run by the writer right after the write, on the ledger as of this
    /// date with the matter's 序号 (the request reads its answer there and
    /// need not wait for the ledger again).
    pub(crate) after: Option<(NaiveDate, AfterWrite)>,
    pub(crate) answer: Arc<Mutex<Option<Result<Recorded, WebError>>>>,
}

/// What a request reads off the ledger right after its matter was written
/// ([`GroupJob::after`]).
pub(crate) type AfterWrite = Box<dyn FnOnce(&ReadCtx<'_>, u64) + Send>;

/// A matter recorded by group commit.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Recorded {
    pub(crate) seq: u64,
    /// Its audit entry was written with it.
    pub(crate) audited: bool,
}

/// Public lookups (文件核验) one client address may make in a minute: enough
/// for anyone checking documents by hand, far too few to guess a code.
pub const LOOKUPS_PER_MINUTE: u32 = 30;

/// Whose refused reads are counted together: actor, address, route.
type DenialKey = (String, String, String);

/// Refused reads (越权访问) of one actor from one address within this window
/// are audited once, then as one entry with their count.
pub const DENIAL_WINDOW_MINUTES: i64 = 10;

/// Security settings (from the config file; defaults for 等保 level 3).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SecurityConfig {
    /// A session unused this long ends (30 minutes by default).
    pub idle_timeout: chrono::Duration,
    /// Failed sign-ins of one account within `lockout` that lock it.
    pub max_failures: u32,
    /// Failed sign-ins from one address within `lockout` that lock the address.
    pub max_failures_ip: u32,
    /// How long a lock lasts (and the window failures are counted in).
    pub lockout: chrono::Duration,
    /// Lifetime of API tokens unless asked otherwise.
    pub token_days: i64,
    /// Reverse proxies whose `X-Forwarded-For` and `X-Forwarded-Proto` are
    /// believed (see `crate::http::client::client_of`); none by default.
    pub trusted_proxies: Vec<crate::http::client::ProxyNet>,
}

impl Default for SecurityConfig {
    fn default() -> Self {
        SecurityConfig {
            idle_timeout: chrono::Duration::minutes(30),
            max_failures: 5,
            max_failures_ip: 20,
            lockout: chrono::Duration::minutes(15),
            token_days: 365,
            trusted_proxies: Vec::new(),
        }
    }
}

/// A session in memory: the user, when it ends, and the expiry last written.
#[derive(Debug, Clone)]
struct LiveSession {
    user: User,
    created: DateTime<Utc>,
    expires: DateTime<Utc>,
    written: DateTime<Utc>,
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
    /// The journal entry at an index of `ledger.entries()` (its head; the
    /// matter with [`ReadCtx::matter_at`]).
    pub fn entry(&self, i: u32) -> &Entry {
        &self.ledger.entries()[i as usize]
    }

    /// The matter of the journal entry at an index of `ledger.entries()`,
    /// decoded if it is only stored (and dropped with the answer).
    pub fn matter_at(&self, i: u32) -> Result<Cow<'_, Matter>, JournalError> {
        self.ledger.decode(self.entry(i))
    }
}

fn poisoned<T>(r: std::sync::LockResult<T>) -> T {
    // A panic while holding a lock leaves data consistent here (the ledger
    // rolls back refused matters itself), so keep serving.
    r.unwrap_or_else(|e| e.into_inner())
}

impl App {
    pub fn new(db: Db, wf: Box<dyn WorkflowStore>) -> Arc<App> {
        App::with_config(db, wf, SecurityConfig::default())
    }

    pub fn with_config(db: Db, wf: Box<dyn WorkflowStore>, config: SecurityConfig) -> Arc<App> {
        let journal_at = db.store().location();
        let audit_beside_journal = journal_at.is_some() && journal_at == wf.location();
        Arc::new(App {
            audit_beside_journal,
            db: Mutex::new(db),
            wf: Mutex::new(wf),
            write: Mutex::new(()),
            group: Mutex::new(Vec::new()),
            group_done: std::sync::Condvar::new(),
            audits: batch::Batcher::default(),
            sessions: RwLock::new(HashMap::new()),
            config,
            clock_offset: Mutex::new(chrono::Duration::zero()),
            views: Mutex::new(Vec::new()),
            index: Mutex::new(None),
            ledger_facts: Mutex::new(None),
            district: Mutex::new(None),
            district_index: Mutex::new(None),
            denials: Mutex::new(HashMap::new()),
            lookups: Mutex::new(HashMap::new()),
        })
    }

    pub fn db(&self) -> MutexGuard<'_, Db> {
        poisoned(self.db.lock())
    }

    pub(crate) fn ledger_facts_cache(&self) -> MutexGuard<'_, Option<LedgerFactsCache>> {
        poisoned(self.ledger_facts.lock())
    }

    pub(crate) fn district_index_cache(&self) -> MutexGuard<'_, Option<DistrictIndexCache>> {
        poisoned(self.district_index.lock())
    }

    pub(crate) fn district_cache(&self) -> MutexGuard<'_, Option<DistrictCache>> {
        poisoned(self.district.lock())
    }

    pub fn wf(&self) -> MutexGuard<'_, Box<dyn WorkflowStore>> {
        poisoned(self.wf.lock())
    }

    /// Runs `f` on the ledger as of `date`.
    pub fn read<R>(&self, date: NaiveDate, f: impl FnOnce(&ReadCtx<'_>) -> R) -> R {
        let db = self.db();
        self.read_in(&db, date, f)
    }

    /// [`App::read`] on the ledger `db` already locked by the caller.
    pub(crate) fn read_in<R>(
        &self,
        db: &Db,
        date: NaiveDate,
        f: impl FnOnce(&ReadCtx<'_>) -> R,
    ) -> R {
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
        let n = ledger.journal_len();
        if let Some(i) = idx.as_mut() {
            if i.len == n {
                return i.clone();
            }
        }
        if let Some(mut next) = idx.take() {
            // Only the matters recorded since (extended in place, or copied
            // first if a reader still holds the old one).
            if Arc::make_mut(&mut next).extend(ledger) {
                *idx = Some(next.clone());
                return next;
            }
        }
        let i = Arc::new(JournalIndex::build(ledger));
        *idx = Some(i.clone());
        i
    }

    /// The current time (the system clock plus the test offset).
    /// Counts a public lookup from `client`; refused (too many) beyond
    /// [`LOOKUPS_PER_MINUTE`] within a minute.
    pub fn count_lookup(&self, client: &str) -> Result<(), WebError> {
        let now = self.now();
        let mut m = self.lookups.lock().unwrap_or_else(|e| e.into_inner());
        if m.len() > 10_000 {
            m.retain(|_, (start, _)| now - *start < chrono::Duration::minutes(1));
        }
        let e = m.entry(client.to_string()).or_insert((now, 0));
        if now - e.0 >= chrono::Duration::minutes(1) {
            *e = (now, 0);
        }
        e.1 += 1;
        if e.1 > LOOKUPS_PER_MINUTE {
            return Err(WebError::Locked("核验过于频繁，请一分钟后再试".into()));
        }
        Ok(())
    }

    pub fn now(&self) -> DateTime<Utc> {
        Utc::now() + *poisoned(self.clock_offset.lock())
    }

    /// Today in Beijing (UTC+8, the 编办's calendar) on this application's
    /// clock: the one source of "today" in the web crate (default as-of
    /// dates, the 用编计划 year, deadlines, overdue lists), so tests that
    /// move the clock move it too.
    pub fn today(&self) -> NaiveDate {
        bianzhi_core::beijing::date_of(self.now())
    }

    /// Moves this application's clock forward (tests of expiry and lockout).
    pub fn advance_clock(&self, by: chrono::Duration) {
        *poisoned(self.clock_offset.lock()) += by;
    }

    pub fn security_config(&self) -> &SecurityConfig {
        &self.config
    }

    /// Appends to the audit trail; a failure is logged, not shown.
    pub fn audit(&self, actor: &str, ip: &str, action: &str, target: &str, detail: &str) {
        if let Err(e) = self.try_audit(actor, ip, action, target, detail) {
            tracing::error!("audit trail not written: {e}");
        }
    }

    /// Audits a read refused for want of rights or scope (越权访问被拒). The
    /// first refusal of an actor from an address on a route (e.g.
    /// `/api/v1/units/{id}`) is written at once; the ones after it on the
    /// same route within [`DENIAL_WINDOW_MINUTES`] are counted and written
    /// as one entry when the window has passed (by the next refusal or by
    /// [`App::flush_denials`]), so a scan of guessed ids cannot flood the trail.
    pub fn audit_denial(&self, actor: &str, ip: &str, route: &str, target: &str, detail: &str) {
        let now = self.now();
        let window = chrono::Duration::minutes(DENIAL_WINDOW_MINUTES);
        let key = (actor.to_string(), ip.to_string(), route.to_string());
        let held = {
            let mut d = poisoned(self.denials.lock());
            match d.get_mut(&key) {
                Some((start, n)) if now - *start < window => {
                    *n += 1;
                    return;
                }
                Some((start, n)) => {
                    let held = (*start, *n);
                    *start = now;
                    *n = 0;
                    Some(held)
                }
                None => {
                    d.insert(key, (now, 0));
                    None
                }
            }
        };
        if let Some((start, n)) = held {
            self.audit_held_denials(actor, ip, route, start, n);
        }
        self.audit(actor, ip, "越权访问被拒", target, detail);
    }

    fn audit_held_denials(
        &self,
        actor: &str,
        ip: &str,
        route: &str,
        start: chrono::DateTime<Utc>,
        n: u32,
    ) {
        if n > 0 {
            let since = fmt_time(start);
            self.audit(
                actor,
                ip,
                "越权访问被拒",
                route,
                &format!(
                    "自 {since} 起 {DENIAL_WINDOW_MINUTES} 分钟内另有 {n} 次越权访问被拒（合并记录）"
                ),
            );
        }
    }

    /// Writes the held-back refusals of every window that has passed.
    pub fn flush_denials(&self) {
        let now = self.now();
        let window = chrono::Duration::minutes(DENIAL_WINDOW_MINUTES);
        let done: Vec<(DenialKey, (chrono::DateTime<Utc>, u32))> = {
            let mut d = poisoned(self.denials.lock());
            let keys: Vec<_> = d
                .iter()
                .filter(|(_, (start, _))| now - *start >= window)
                .map(|(k, _)| k.clone())
                .collect();
            keys.into_iter()
                .filter_map(|k| d.remove(&k).map(|v| (k, v)))
                .collect()
        };
        for ((actor, ip, route), (start, n)) in done {
            self.audit_held_denials(&actor, &ip, &route, start, n);
        }
    }

    /// Appends to the audit trail, failing if it cannot be written (for
    /// actions that must not happen unaudited, such as revealing 身份证号).
    pub fn try_audit(
        &self,
        actor: &str,
        ip: &str,
        action: &str,
        target: &str,
        detail: &str,
    ) -> Result<(), WebError> {
        let entry = NewAudit {
            at: self.now(),
            actor: actor.into(),
            ip: ip.into(),
            action: action.into(),
            target: target.into(),
            detail: detail.into(),
        };
        // By group commit: the entries of concurrent requests share one
        // transaction; each request goes on only once its entry is written.
        self.audits
            .submit(entry, |entries| match self.wf().append_audits(&entries) {
                Ok(_) => entries.iter().map(|_| Ok(())).collect(),
                Err(e) => {
                    let msg = WebError::from(e).to_string();
                    entries.iter().map(|_| Err(msg.clone())).collect()
                }
            })
            .map_err(WebError::Internal)
    }

    /// Until when `key` (`acct:<login>` or `ip:<address>`) is locked. The
    /// failed sign-ins are kept in the workflow store, so a lock holds across
    /// restarts and across the servers sharing the database.
    fn locked(&self, key: &str, now: DateTime<Utc>) -> Result<Option<DateTime<Utc>>, WebError> {
        Ok(self
            .wf()
            .sign_in_failures(key)?
            .and_then(|f| f.locked_until)
            .filter(|t| *t > now))
    }

    /// Counts a failure; answers true if it locked the key.
    fn fail(&self, key: &str, max: u32, now: DateTime<Utc>) -> Result<bool, WebError> {
        let lock = self.config.lockout;
        let f = self.wf().count_sign_in_failure(key, now, lock, max, lock)?;
        Ok(f.count == max && f.locked_until.is_some())
    }

    /// Signs a user in from `ip`: refuses a locked account or address, checks
    /// the password, starts a new session (a fresh random id: an old session
    /// id is never carried over), and audits the attempt.
    pub fn sign_in(&self, login: &str, password: &str, ip: &str) -> Result<User, WebError> {
        let login = login.trim();
        let now = self.now();
        let acct = format!("acct:{login}");
        let addr = format!("ip:{ip}");
        if let Some(until) = self.locked(&acct, now)?.or(self.locked(&addr, now)?) {
            let mins = ((until - now).num_seconds() + 59) / 60;
            self.audit(login, ip, "登录被拒（已锁定）", login, "");
            return Err(WebError::Locked(format!(
                "登录失败次数过多，已暂时锁定，请 {mins} 分钟后再试"
            )));
        }
        let rec = self.wf().user_by_login(login)?;
        let ok = match &rec {
            Some(r) if r.active => auth::verify_password(password, &r.password_hash),
            _ => {
                // Same work as a real check, so timing does not tell which logins exist.
                let _ = auth::verify_password(password, DUMMY_HASH);
                false
            }
        };
        let Some(rec) = rec.filter(|_| ok) else {
            let a = self.fail(&acct, self.config.max_failures, now)?;
            let b = self.fail(&addr, self.config.max_failures_ip, now)?;
            self.audit(login, ip, "登录失败", login, "用户名或密码不对");
            if a || b {
                self.audit(
                    login,
                    ip,
                    "锁定",
                    if a { login } else { ip },
                    &format!(
                        "连续登录失败，锁定 {} 分钟",
                        self.config.lockout.num_minutes()
                    ),
                );
            }
            return Err(WebError::BadCredentials);
        };
        self.wf().clear_sign_in_failures(&acct)?;
        let id = auth::random_hex(32)?;
        let csrf = auth::random_hex(16)?;
        let expires = self.next_expiry(now, now);
        self.wf().create_session(&SessionRecord {
            id: id.clone(),
            user_id: rec.id,
            csrf: csrf.clone(),
            created_at: now,
            expires_at: expires,
        })?;
        let user = User::from_record(&rec, &id, &csrf)
            .ok_or_else(|| WebError::Forbidden("该账户角色无效，请联系管理员".into()))?;
        poisoned(self.sessions.write()).insert(
            id,
            LiveSession {
                user: user.clone(),
                created: now,
                expires,
                written: expires,
            },
        );
        self.audit(login, ip, "登录", login, &user.role_labels());
        Ok(user)
    }

    fn next_expiry(&self, created: DateTime<Utc>, now: DateTime<Utc>) -> DateTime<Utc> {
        (now + self.config.idle_timeout).min(created + chrono::Duration::hours(auth::SESSION_HOURS))
    }

    /// The user of a session id, if the session is valid; each use moves the
    /// idle timeout on.
    pub fn session_user(&self, id: &str) -> Result<Option<User>, WebError> {
        if id.starts_with(auth::TOKEN_PREFIX) {
            return self.token_user(id);
        }
        let now = self.now();
        let cached = poisoned(self.sessions.read()).get(id).cloned();
        let mut s = match cached {
            Some(s) => s,
            None => {
                let wf = self.wf();
                let Some(s) = wf.session(id, now)? else {
                    return Ok(None);
                };
                let Some(rec) = wf.user(s.user_id)? else {
                    return Ok(None);
                };
                drop(wf);
                let Some(u) = User::from_record(&rec, &s.id, &s.csrf) else {
                    return Ok(None);
                };
                LiveSession {
                    user: u,
                    created: s.created_at,
                    expires: s.expires_at,
                    written: s.expires_at,
                }
            }
        };
        if s.expires <= now {
            poisoned(self.sessions.write()).remove(id);
            self.wf().delete_session(id)?;
            return Ok(None);
        }
        s.expires = self.next_expiry(s.created, now);
        // Write the new expiry only now and then (every tenth of the timeout).
        if s.expires - s.written >= self.config.idle_timeout / 10 {
            self.wf().touch_session(id, s.expires)?;
            s.written = s.expires;
        }
        let user = s.user.clone();
        poisoned(self.sessions.write()).insert(id.to_string(), s);
        Ok(Some(user))
    }

    pub fn sign_out(&self, id: &str) -> Result<(), WebError> {
        poisoned(self.sessions.write()).remove(id);
        self.wf().delete_session(id)?;
        Ok(())
    }

    /// Ends every session of an account (forced sign-out, account changed).
    pub fn end_sessions_of(&self, user_id: i64) -> Result<usize, WebError> {
        let ids = self.wf().delete_user_sessions(user_id)?;
        let mut live = poisoned(self.sessions.write());
        live.retain(|_, s| s.user.id != user_id);
        Ok(ids.len())
    }

    /// Drops the cached sessions of an account (they are read again from the
    /// store on their next use, with the account as it is now).
    pub fn refresh_sessions_of(&self, user_id: i64) {
        poisoned(self.sessions.write()).retain(|_, s| s.user.id != user_id);
    }

    /// Ends the sessions whose id hashes start with `handle`.
    pub fn end_session_by_handle(&self, handle: &str) -> Result<bool, WebError> {
        let now = self.now();
        let all = self.wf().sessions(now)?;
        let Some(s) = all
            .iter()
            .find(|s| handle.len() >= 16 && auth::sm3_hex(&s.id).starts_with(handle))
        else {
            return Ok(false);
        };
        self.sign_out(&s.id)?;
        Ok(true)
    }

    /// Whether a login or address is locked now (for the account list).
    pub fn is_locked(&self, key: &str) -> bool {
        match self.locked(key, self.now()) {
            Ok(l) => l.is_some(),
            Err(e) => {
                tracing::error!("sign-in failures not readable: {e}");
                false
            }
        }
    }

    /// Lifts a lock (the 安全管理员 resetting a password).
    pub fn unlock(&self, login: &str) -> Result<(), WebError> {
        self.wf().clear_sign_in_failures(&format!("acct:{login}"))?;
        Ok(())
    }

    /// The units a user may see as of `date` (`None`: all of them).
    pub fn scope(&self, user: &User, date: NaiveDate) -> Option<Vec<UnitId>> {
        let roots = user.scope.as_ref()?;
        let db = self.db();
        let st = db.state();
        // The subtree as it stands today, plus as of `date`, so that a clerk
        // still sees a unit that moved away from or into their tree.
        let mut units = Vec::new();
        for &root in roots {
            units.extend(bianzhi_core::query::subtree(st, root, self.today()));
            units.extend(bianzhi_core::query::subtree(st, root, date));
        }
        units.sort_unstable();
        units.dedup();
        Some(units)
    }

    /// When a new session ends unless used (for the API's sign-in answer).
    pub fn session_expiry(&self) -> DateTime<Utc> {
        self.now() + self.config.idle_timeout
    }

    /// Brings this server up to date with the database it shares with other
    /// servers (several `serve` processes on one PostgreSQL ledger, or a
    /// `bianzhi apply` beside a SQLite server): applies the matters recorded
    /// elsewhere since this server last looked, and forgets cached sessions
    /// that ended elsewhere (signed out, account disabled or changed).
    /// [`crate::serve`] calls it every second; it costs one indexed query each
    /// when nothing changed. Writes do not depend on it: [`Db::submit`] catches
    /// up before it validates. Answers how many matters were applied.
    pub fn catch_up(&self) -> Result<u64, WebError> {
        let n = self.db().catch_up()?;
        if !poisoned(self.sessions.read()).is_empty() {
            // The stored expiry trails the one in memory by up to a tenth of
            // the idle timeout (see `session_user`): look that far back.
            let since = self.now() - self.config.idle_timeout / 10;
            let live: HashSet<String> = self
                .wf()
                .sessions(since)?
                .into_iter()
                .map(|s| s.id)
                .collect();
            poisoned(self.sessions.write()).retain(|id, _| live.contains(id));
        }
        Ok(n)
    }
}

/// Record kind of the approvals lease: one record (id 1) per ledger, shared
/// by every server on the database (see [`App::approval_lease`]).
const LEASE: &str = "approval_lease";

/// The lease's body when nobody holds it.
const LEASE_FREE: &str = r#"{"holder":"","until":0}"#;

/// A lease not released by then (its server died) may be taken over.
const LEASE_SECONDS: i64 = 60;

/// How long an approval waits for another server's before giving up.
const LEASE_WAIT: std::time::Duration = std::time::Duration::from_secs(10);

/// Held while one approval is checked, recorded and marked, whichever server
/// does it; released when dropped.
pub(crate) struct ApprovalLease<'a> {
    app: &'a App,
    version: i64,
}

impl Drop for ApprovalLease<'_> {
    fn drop(&mut self) {
        // Nothing to do if it was taken over meanwhile (VersionMoved).
        let _ = self
            .app
            .wf()
            .update_record(LEASE, 1, self.version, LEASE_FREE, self.app.now());
    }
}

impl App {
    /// Takes the approvals lease of the ledger. `write` serialises approvals
    /// within this process; the lease does it across the servers sharing the
    /// database, so that an application is seen 待审核, recorded as a matter
    /// and marked 已批准 by one server at a time and never approved twice (the
    /// same for a case's 组织实施). A
    /// versioned record (conditional update on its version) with an expiry,
    /// so a server that died holding it blocks others for at most a minute.
    pub(crate) fn approval_lease(&self) -> Result<ApprovalLease<'_>, WebError> {
        #[derive(serde::Deserialize)]
        struct Body {
            holder: String,
            until: i64,
        }
        let me = auth::random_hex(16)?;
        let deadline = std::time::Instant::now() + LEASE_WAIT;
        loop {
            let now = self.now();
            {
                let mut wf = self.wf();
                let Some(rec) = wf.record(LEASE, 1)? else {
                    // Two servers creating it at once make ids 1 and 2; only
                    // record 1 is the lease.
                    wf.insert_record(LEASE, LEASE_FREE, now)?;
                    continue;
                };
                let free = match serde_json::from_str::<Body>(&rec.body) {
                    Ok(b) => b.holder.is_empty() || b.until <= now.timestamp_micros(),
                    Err(_) => true,
                };
                if free {
                    let until = (now + chrono::Duration::seconds(LEASE_SECONDS)).timestamp_micros();
                    let body = serde_json::json!({ "holder": me, "until": until }).to_string();
                    match wf.update_record(LEASE, 1, rec.version, &body, now) {
                        Ok(Some(r)) => {
                            return Ok(ApprovalLease {
                                app: self,
                                version: r.version,
                            })
                        }
                        Ok(None) | Err(bianzhi_store::StoreError::VersionMoved { .. }) => {}
                        Err(e) => return Err(e.into()),
                    }
                }
            }
            if std::time::Instant::now() >= deadline {
                return Err(WebError::Conflict(
                    "其他服务器正在批准申请，请稍后重试".into(),
                ));
            }
            std::thread::sleep(std::time::Duration::from_millis(10));
        }
    }
}

/// An argon2id hash of a random string, checked when the login is unknown.
const DUMMY_HASH: &str =
    "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$0M5zvM9c2tGq6UtpTJgw2c0PZkm3Rr5b8yTAmOwB0tI";

/// A time as the office reads it: Beijing time (UTC+8), to the minute.
pub fn fmt_time(t: chrono::DateTime<Utc>) -> String {
    bianzhi_core::beijing::minute_text(t)
}
