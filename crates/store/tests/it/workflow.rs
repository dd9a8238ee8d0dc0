//! Behaviour every [`WorkflowStore`] backend must have, written once and run
//! on SQLite (a file) and on PostgreSQL (a fresh database, when
//! `BIANZHI_TEST_PG` is set): accounts, sessions, tokens, the hash-chained
//! audit trail, applications and their conditional transitions, versioned
//! records and blobs — and what several servers writing at once must not
//! break (one winner per transition, a linear audit chain, one winner per
//! record version).

use std::sync::{Arc, Barrier};

use bianzhi_store::{
    audit_hash, blob_digest, ApplicationFilter, ApplicationStatus, AuditEntry, AuditFilter,
    HeadFile, JournalStore, NewApplication, NewAudit, NewToken, NewUser, PgStore, PgWorkflow,
    SessionRecord, SqliteStore, SqliteWorkflow, StoreError, Transition, TransitionOutcome,
    UserRecord, WorkflowStore,
};
use chrono::{DateTime, Utc};

use crate::fixture::install_key;
use crate::postgres::{TempDatabase, CODE};

/// What a test needs beyond the trait: more handles on the same storage (as
/// another server process would open) and raw access for tampering.
pub trait WfFixture: Send + Sync {
    /// A new handle (its own connection) on the same workflow tables.
    fn open(&self) -> Box<dyn WorkflowStore>;
    /// The ledger's journal in the same database.
    fn journal(&self) -> Box<dyn JournalStore>;
    /// From now on every insert into the audit table fails (a trigger), as
    /// a full disk or a lost connection would fail it.
    fn refuse_audit_inserts(&self);
    /// Tries to change an audit row through SQL, as any database tool could.
    fn try_edit_audit(&self, seq: u64) -> Result<(), String>;
    /// Tries to delete an audit row through SQL.
    fn try_delete_audit(&self, seq: u64) -> Result<(), String>;
    /// Drops the guards, then changes the detail of an audit row.
    fn edit_audit_behind_guard(&self, seq: u64, detail: &str);
    /// Drops the guards, then deletes the audit rows with `from <= seq <= to`.
    fn delete_audit_behind_guard(&self, from: u64, to: u64);
    /// Drops the guards, then writes the fields and hash of `e` over the
    /// stored row `e.seq` (its signature stays as it is).
    fn rewrite_audit_behind_guard(&self, e: &AuditEntry);
    /// Inserts `e` as a row, with signature `mac`.
    fn insert_audit(&self, e: &AuditEntry, mac: Option<&[u8]>);
    /// Tries to change a blob's bytes through SQL.
    fn try_edit_blob(&self, digest: &str) -> Result<(), String>;
    /// The stored (raw) payload text of an application.
    fn raw_payload(&self, id: i64) -> String;
}

macro_rules! workflow_tests {
    ($backend:ident, $make:path, $enabled:path; $($name:ident),* $(,)?) => {
        mod $backend {
            $(
                #[test]
                fn $name() {
                    if $enabled() {
                        let f = $make();
                        crate::workflow::$name(&*f)
                    }
                }
            )*
        }
    };
}

macro_rules! all_workflow_tests {
    ($backend:ident, $make:path, $enabled:path) => {
        workflow_tests!(
            $backend, $make, $enabled;
            users_sessions_and_applications_round_trip,
            reopening_keeps_everything,
            audit_trail_is_append_only_chained_and_tamper_evident,
            tokens_sessions_and_user_updates,
            records_are_versioned_and_blobs_content_addressed,
            records_and_blobs_can_be_deleted,
            application_payloads_are_sealed_at_rest,
            concurrent_transitions_have_one_winner,
            concurrent_audit_appends_stay_one_chain,
            grouped_audit_appends_chain_in_order,
            matters_and_their_audit_entries_commit_together,
            audited_appends_and_audit_appends_race_without_deadlock,
            concurrent_record_updates_have_one_winner,
            sign_in_failures_count_lock_and_clear,
            concurrent_sign_in_failures_all_count,
            audit_tail_deletion_is_detected,
            audit_rewrite_with_recomputed_hashes_is_detected,
            forged_audit_append_is_detected,
            text_with_nul_is_treated_alike,
        );
    };
}

pub fn always() -> bool {
    true
}

all_workflow_tests!(
    sqlite_file,
    crate::workflow::SqliteWf::boxed,
    crate::workflow::always
);
all_workflow_tests!(
    postgres_db,
    crate::workflow::PgWf::boxed,
    crate::postgres::enabled
);

// ---- fixtures ---------------------------------------------------------------

pub struct SqliteWf {
    _dir: tempfile::TempDir,
    path: std::path::PathBuf,
}

impl SqliteWf {
    pub fn boxed() -> Box<dyn WfFixture> {
        install_key();
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("wf.db");
        Box::new(SqliteWf { _dir: dir, path })
    }

    fn raw(&self) -> rusqlite::Connection {
        rusqlite::Connection::open(&self.path).unwrap()
    }
}

impl WfFixture for SqliteWf {
    fn open(&self) -> Box<dyn WorkflowStore> {
        Box::new(SqliteWorkflow::open(&self.path).unwrap())
    }
    fn journal(&self) -> Box<dyn JournalStore> {
        Box::new(SqliteStore::open(&self.path).unwrap())
    }
    fn refuse_audit_inserts(&self) {
        self.raw()
            .execute_batch(
                "CREATE TRIGGER audit_refused BEFORE INSERT ON audit \
                 BEGIN SELECT RAISE(ABORT, 'refused by the test'); END;",
            )
            .unwrap();
    }
    fn try_edit_audit(&self, seq: u64) -> Result<(), String> {
        self.raw()
            .execute("UPDATE audit SET actor = 'x' WHERE seq = ?1", [seq as i64])
            .map(drop)
            .map_err(|e| e.to_string())
    }
    fn try_delete_audit(&self, seq: u64) -> Result<(), String> {
        self.raw()
            .execute("DELETE FROM audit WHERE seq = ?1", [seq as i64])
            .map(drop)
            .map_err(|e| e.to_string())
    }
    fn edit_audit_behind_guard(&self, seq: u64, detail: &str) {
        let raw = self.raw();
        raw.execute_batch("DROP TRIGGER IF EXISTS audit_no_update;")
            .unwrap();
        raw.execute(
            "UPDATE audit SET detail = ?2 WHERE seq = ?1",
            rusqlite::params![seq as i64, detail],
        )
        .unwrap();
    }
    fn delete_audit_behind_guard(&self, from: u64, to: u64) {
        let raw = self.raw();
        raw.execute_batch("DROP TRIGGER IF EXISTS audit_no_delete;")
            .unwrap();
        raw.execute(
            "DELETE FROM audit WHERE seq BETWEEN ?1 AND ?2",
            [from as i64, to.min(i64::MAX as u64) as i64],
        )
        .unwrap();
    }
    fn rewrite_audit_behind_guard(&self, e: &AuditEntry) {
        let raw = self.raw();
        raw.execute_batch("DROP TRIGGER IF EXISTS audit_no_update;")
            .unwrap();
        let n = raw
            .execute(
                "UPDATE audit SET at = ?2, actor = ?3, ip = ?4, action = ?5, target = ?6, \
                 detail = ?7, hash = ?8 WHERE seq = ?1",
                rusqlite::params![
                    e.seq as i64,
                    e.at.timestamp_micros(),
                    e.actor,
                    e.ip,
                    e.action,
                    e.target,
                    e.detail,
                    &e.hash[..]
                ],
            )
            .unwrap();
        assert_eq!(n, 1);
    }
    fn insert_audit(&self, e: &AuditEntry, mac: Option<&[u8]>) {
        self.raw()
            .execute(
                "INSERT INTO audit (seq, at, actor, ip, action, target, detail, hash, mac) \
                 VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
                rusqlite::params![
                    e.seq as i64,
                    e.at.timestamp_micros(),
                    e.actor,
                    e.ip,
                    e.action,
                    e.target,
                    e.detail,
                    &e.hash[..],
                    mac
                ],
            )
            .unwrap();
    }
    fn try_edit_blob(&self, digest: &str) -> Result<(), String> {
        self.raw()
            .execute("UPDATE blob SET data = x'00' WHERE digest = ?1", [digest])
            .map(drop)
            .map_err(|e| e.to_string())
    }
    fn raw_payload(&self, id: i64) -> String {
        self.raw()
            .query_row("SELECT payload FROM application WHERE id = ?1", [id], |r| {
                r.get(0)
            })
            .unwrap()
    }
}

pub struct PgWf {
    db: TempDatabase,
}

impl PgWf {
    pub fn boxed() -> Box<dyn WfFixture> {
        install_key();
        Box::new(PgWf {
            db: TempDatabase::new(),
        })
    }
}

impl WfFixture for PgWf {
    fn open(&self) -> Box<dyn WorkflowStore> {
        Box::new(PgWorkflow::open(&self.db.url, CODE).unwrap())
    }
    fn journal(&self) -> Box<dyn JournalStore> {
        Box::new(PgStore::open(&self.db.url, CODE).unwrap())
    }
    fn refuse_audit_inserts(&self) {
        self.db
            .raw()
            .batch_execute(
                "CREATE FUNCTION audit_refused() RETURNS trigger LANGUAGE plpgsql AS $$ \
                 BEGIN RAISE EXCEPTION 'refused by the test'; END $$; \
                 CREATE TRIGGER audit_refused BEFORE INSERT ON wf_audit \
                 FOR EACH ROW EXECUTE FUNCTION audit_refused();",
            )
            .unwrap();
    }
    fn try_edit_audit(&self, seq: u64) -> Result<(), String> {
        self.db
            .raw()
            .execute(
                "UPDATE wf_audit SET actor = 'x' WHERE seq = $1",
                &[&(seq as i64)],
            )
            .map(drop)
            .map_err(|e| e.to_string())
    }
    fn try_delete_audit(&self, seq: u64) -> Result<(), String> {
        self.db
            .raw()
            .execute("DELETE FROM wf_audit WHERE seq = $1", &[&(seq as i64)])
            .map(drop)
            .map_err(|e| e.to_string())
    }
    fn edit_audit_behind_guard(&self, seq: u64, detail: &str) {
        let mut raw = self.db.raw();
        raw.batch_execute("DROP TRIGGER IF EXISTS wf_audit_no_update ON wf_audit;")
            .unwrap();
        raw.execute(
            "UPDATE wf_audit SET detail = $2 WHERE seq = $1",
            &[&(seq as i64), &detail],
        )
        .unwrap();
    }
    fn delete_audit_behind_guard(&self, from: u64, to: u64) {
        let mut raw = self.db.raw();
        raw.batch_execute("DROP TRIGGER IF EXISTS wf_audit_no_delete ON wf_audit;")
            .unwrap();
        raw.execute(
            "DELETE FROM wf_audit WHERE seq BETWEEN $1 AND $2",
            &[&(from as i64), &(to.min(i64::MAX as u64) as i64)],
        )
        .unwrap();
    }
    fn rewrite_audit_behind_guard(&self, e: &AuditEntry) {
        let mut raw = self.db.raw();
        raw.batch_execute("DROP TRIGGER IF EXISTS wf_audit_no_update ON wf_audit;")
            .unwrap();
        let n = raw
            .execute(
                "UPDATE wf_audit SET at = $3, actor = $4, ip = $5, action = $6, target = $7, \
                 detail = $8, hash = $9 WHERE ledger = $1 AND seq = $2",
                &[
                    &CODE,
                    &(e.seq as i64),
                    &e.at.timestamp_micros(),
                    &e.actor,
                    &e.ip,
                    &e.action,
                    &e.target,
                    &e.detail,
                    &&e.hash[..],
                ],
            )
            .unwrap();
        assert_eq!(n, 1);
    }
    fn insert_audit(&self, e: &AuditEntry, mac: Option<&[u8]>) {
        self.db
            .raw()
            .execute(
                "INSERT INTO wf_audit \
                 (ledger, seq, at, actor, ip, action, target, detail, hash, mac) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
                &[
                    &CODE,
                    &(e.seq as i64),
                    &e.at.timestamp_micros(),
                    &e.actor,
                    &e.ip,
                    &e.action,
                    &e.target,
                    &e.detail,
                    &&e.hash[..],
                    &mac,
                ],
            )
            .unwrap();
    }
    fn try_edit_blob(&self, digest: &str) -> Result<(), String> {
        self.db
            .raw()
            .execute(
                "UPDATE wf_blob SET data = '\\x00' WHERE digest = $1",
                &[&digest],
            )
            .map(drop)
            .map_err(|e| e.to_string())
    }
    fn raw_payload(&self, id: i64) -> String {
        self.db
            .raw()
            .query_one("SELECT payload FROM wf_application WHERE id = $1", &[&id])
            .unwrap()
            .get(0)
    }
}

// ---- helpers ------------------------------------------------------------------

/// `t` as stored (microseconds).
fn stored(t: DateTime<Utc>) -> DateTime<Utc> {
    DateTime::from_timestamp_micros(t.timestamp_micros()).unwrap()
}

fn user(wf: &mut dyn WorkflowStore, login: &str) -> UserRecord {
    wf.create_user(&NewUser {
        login: login.into(),
        display_name: "张三".into(),
        role: "unit_clerk".into(),
        unit: Some(7),
        password_hash: "$argon2id$x".into(),
    })
    .unwrap()
}

fn application(wf: &mut dyn WorkflowStore, by: i64, payload: &str) -> i64 {
    wf.create_application(&NewApplication {
        unit: 7,
        kind: "hire".into(),
        title: "入编：王芳".into(),
        payload: payload.into(),
        submitted_by: by,
        at: Utc::now(),
    })
    .unwrap()
    .id
}

fn approve(actor: i64) -> Transition {
    Transition {
        from: vec![ApplicationStatus::Submitted],
        to: Some(ApplicationStatus::Approved),
        actor,
        action: "approved".into(),
        comment: String::new(),
        at: Utc::now(),
        payload: None,
        matter_seq: Some(1),
        doc_no: Some("盐编〔2024〕1号".into()),
        note: Some(String::new()),
    }
}

fn audit_event(n: u32) -> NewAudit {
    NewAudit {
        at: Utc::now(),
        actor: "shenji".into(),
        ip: "10.0.0.1".into(),
        action: "登录".into(),
        target: format!("会话 {n}"),
        detail: String::new(),
    }
}

/// Every stored audit entry, oldest first.
fn all_audit(wf: &dyn WorkflowStore) -> Vec<AuditEntry> {
    let (mut rows, _) = wf
        .audit(&AuditFilter {
            limit: 1_000,
            ..Default::default()
        })
        .unwrap();
    rows.reverse();
    rows
}

/// An audit trail of 6 signed entries whose head is kept in a head file.
fn signed_audit(f: &dyn WfFixture) -> (Box<dyn WorkflowStore>, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let mut wf = f.open();
    wf.set_head_file(Some(HeadFile::new(dir.path().join("ledger.head"))));
    for n in 0..6 {
        wf.append_audit(&audit_event(n)).unwrap();
    }
    let (n, notes) = wf.verify_audit_chain().unwrap();
    assert_eq!((n, notes.signed, notes.checkpoint), (6, 6, Some(6)));
    (wf, dir)
}

#[track_caller]
fn assert_audit_broken(wf: &dyn WorkflowStore, what: &str) -> String {
    let e = wf.verify_audit().unwrap_err().to_string();
    assert!(e.contains(what), "{e}");
    e
}

// ---- the tests ----------------------------------------------------------------

/// §3 (d): the newest audit entries deleted behind the triggers.
pub fn audit_tail_deletion_is_detected(f: &dyn WfFixture) {
    let (wf, _dir) = signed_audit(f);
    f.delete_audit_behind_guard(6, 6);
    let e = assert_audit_broken(&*wf, "末尾的记录被删除");
    assert!(e.contains("第 6 条") && e.contains("只有 5 条"), "{e}");
    f.delete_audit_behind_guard(3, 5);
    let e = assert_audit_broken(&*wf, "末尾的记录被删除");
    assert!(e.contains("只有 2 条"), "{e}");
}

/// §3 (e): an audit entry rewritten and every later hash recomputed.
pub fn audit_rewrite_with_recomputed_hashes_is_detected(f: &dyn WfFixture) {
    let (wf, _dir) = signed_audit(f);
    let all = all_audit(&*wf);
    let mut prev = all[1].hash;
    for (i, e) in all.iter().enumerate().skip(2) {
        let mut e = e.clone();
        if i == 2 {
            e.actor = "anquan".into();
            e.detail = "改写".into();
        }
        e.hash = audit_hash(
            &prev,
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
        f.rewrite_audit_behind_guard(&e);
        prev = e.hash;
    }
    let e = assert_audit_broken(&*wf, "密钥签名不符");
    assert!(e.contains("第 3 条审计记录"), "{e}");
}

/// §3 (f): a forged audit entry appended with a correct plain hash, without
/// a signature or with a made-up one.
pub fn forged_audit_append_is_detected(f: &dyn WfFixture) {
    let (wf, _dir) = signed_audit(f);
    let last = all_audit(&*wf).pop().unwrap();
    let mut forged = AuditEntry {
        seq: 7,
        at: stored(Utc::now()),
        actor: "shenji".into(),
        ip: "10.0.0.9".into(),
        action: "登录".into(),
        target: "会话 7".into(),
        detail: String::new(),
        hash: [0; 32],
    };
    forged.hash = audit_hash(
        &last.hash,
        7,
        &NewAudit {
            at: forged.at,
            actor: forged.actor.clone(),
            ip: forged.ip.clone(),
            action: forged.action.clone(),
            target: forged.target.clone(),
            detail: forged.detail.clone(),
        },
    );
    f.insert_audit(&forged, None);
    let e = assert_audit_broken(&*wf, "没有密钥签名");
    assert!(e.contains("第 7 条审计记录"), "{e}");
    f.delete_audit_behind_guard(7, 7);
    f.insert_audit(&forged, Some(&[9; 32]));
    assert_audit_broken(&*wf, "密钥签名不符");
}

pub fn users_sessions_and_applications_round_trip(f: &dyn WfFixture) {
    let mut wf = f.open();
    let wf = &mut *wf;
    let u = user(wf, "zs");
    assert_eq!(u.id, 1, "ids start at 1 in each ledger");
    assert_eq!(wf.user_by_login("zs").unwrap().unwrap(), u);
    assert_eq!(wf.user(u.id).unwrap().unwrap(), u);
    assert!(wf.user_by_login("nobody").unwrap().is_none());
    assert!(wf
        .create_user(&NewUser {
            login: "zs".into(),
            display_name: "重复".into(),
            role: "x".into(),
            unit: None,
            password_hash: "h".into()
        })
        .is_err());
    assert_eq!(wf.users().unwrap().len(), 1);
    let now = Utc::now();
    let s = SessionRecord {
        id: "abc".into(),
        user_id: u.id,
        csrf: "t".into(),
        created_at: stored(now),
        expires_at: stored(now + chrono::Duration::hours(1)),
    };
    wf.create_session(&s).unwrap();
    assert_eq!(wf.session("abc", now).unwrap(), Some(s));
    assert_eq!(
        wf.session("abc", now + chrono::Duration::hours(2)).unwrap(),
        None
    );
    wf.delete_session("abc").unwrap();
    assert_eq!(wf.session("abc", now).unwrap(), None);

    let a = wf
        .create_application(&NewApplication {
            unit: 7,
            kind: "hire".into(),
            title: "入编：王芳".into(),
            payload: "{}".into(),
            submitted_by: u.id,
            at: now,
        })
        .unwrap();
    assert_eq!(a.status, ApplicationStatus::Submitted);
    assert_eq!((a.unit, a.submitted_at), (7, stored(now)));
    assert_eq!(wf.application(a.id).unwrap().unwrap(), a);
    let t = Transition {
        from: vec![ApplicationStatus::Submitted],
        to: Some(ApplicationStatus::Returned),
        actor: u.id,
        action: "returned".into(),
        comment: "请补充学历".into(),
        at: now,
        payload: None,
        matter_seq: None,
        doc_no: None,
        note: Some("请补充学历".into()),
    };
    let TransitionOutcome::Done(r) = wf.transition(a.id, &t).unwrap() else {
        panic!()
    };
    assert_eq!(r.status, ApplicationStatus::Returned);
    assert_eq!(r.note.as_deref(), Some("请补充学历"));
    assert_eq!(
        wf.transition(a.id, &t).unwrap(),
        TransitionOutcome::WrongStatus(ApplicationStatus::Returned)
    );
    assert_eq!(wf.transition(999, &t).unwrap(), TransitionOutcome::NotFound);
    // Resubmission with a new payload; then approval keeps the payload and
    // records the matter.
    let TransitionOutcome::Done(r) = wf
        .transition(
            a.id,
            &Transition {
                from: vec![ApplicationStatus::Returned],
                to: Some(ApplicationStatus::Submitted),
                action: "resubmitted".into(),
                comment: String::new(),
                payload: Some(("入编：王芳（改）".into(), r#"{"x":1}"#.into())),
                note: None,
                ..t.clone()
            },
        )
        .unwrap()
    else {
        panic!()
    };
    assert_eq!(
        (r.title.as_str(), r.payload.as_str()),
        ("入编：王芳（改）", r#"{"x":1}"#)
    );
    assert_eq!(r.note.as_deref(), Some("请补充学历"), "note unchanged");
    let TransitionOutcome::Done(r) = wf.transition(a.id, &approve(u.id)).unwrap() else {
        panic!()
    };
    assert_eq!(r.status, ApplicationStatus::Approved);
    assert_eq!(r.matter_seq, Some(1));
    assert_eq!(r.doc_no.as_deref(), Some("盐编〔2024〕1号"));
    assert_eq!(r.payload, r#"{"x":1}"#);
    let ev = wf.events(a.id).unwrap();
    assert_eq!(
        ev.iter().map(|e| e.action.as_str()).collect::<Vec<_>>(),
        ["submitted", "returned", "resubmitted", "approved"]
    );
    assert_eq!(ev[1].comment, "请补充学历");

    // Filters, paging, counts.
    let b = application(wf, u.id, "{}");
    let (list, total) = wf
        .applications(&ApplicationFilter {
            units: Some(vec![7]),
            status: Some(ApplicationStatus::Approved),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((list.len(), total), (1, 1));
    let (list, _) = wf
        .applications(&ApplicationFilter {
            units: Some(vec![8]),
            ..Default::default()
        })
        .unwrap();
    assert!(list.is_empty());
    let (list, total) = wf
        .applications(&ApplicationFilter {
            units: Some(vec![]),
            ..Default::default()
        })
        .unwrap();
    assert_eq!((list.len(), total), (0, 0));
    let (list, total) = wf
        .applications(&ApplicationFilter {
            limit: 1,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((list[0].id, total), (b, 2), "newest first");
    let (list, _) = wf
        .applications(&ApplicationFilter {
            oldest_first: true,
            offset: 1,
            kind: Some("hire".into()),
            submitted_by: Some(u.id),
            ..Default::default()
        })
        .unwrap();
    assert_eq!(list.iter().map(|a| a.id).collect::<Vec<_>>(), vec![b]);
    let mut counts = wf.status_counts(None).unwrap();
    counts.sort_by_key(|(s, _)| s.code());
    assert_eq!(
        counts,
        vec![
            (ApplicationStatus::Approved, 1),
            (ApplicationStatus::Submitted, 1)
        ]
    );
    assert!(wf.status_counts(Some(&[8])).unwrap().is_empty());
    assert!(wf.status_counts(Some(&[])).unwrap().is_empty());
}

pub fn reopening_keeps_everything(f: &dyn WfFixture) {
    {
        let mut wf = f.open();
        let u = user(&mut *wf, "a");
        application(&mut *wf, u.id, "{}");
        wf.append_audit(&audit_event(1)).unwrap();
    }
    let wf = f.open();
    assert_eq!(wf.users().unwrap().len(), 1);
    assert_eq!(wf.applications(&Default::default()).unwrap().1, 1);
    assert_eq!(wf.verify_audit().unwrap(), 1);
}

pub fn audit_trail_is_append_only_chained_and_tamper_evident(f: &dyn WfFixture) {
    let mut wf = f.open();
    let mut last = None;
    for n in 0..3 {
        last = Some(wf.append_audit(&audit_event(n)).unwrap());
    }
    let last = last.unwrap();
    assert_eq!(last.seq, 3);
    assert_eq!(wf.verify_audit().unwrap(), 3);
    let (rows, total) = wf
        .audit(&AuditFilter {
            target: Some("会话 1".into()),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!((rows.len(), total), (1, 1));
    assert_eq!(rows[0].seq, 2);
    let (rows, total) = wf
        .audit(&AuditFilter {
            actor: Some("SHENJI".into()),
            limit: 2,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(total, 3, "substring match ignores ASCII case");
    assert_eq!(rows.iter().map(|e| e.seq).collect::<Vec<_>>(), vec![3, 2]);
    assert_eq!(rows[0], last, "the stored entry is what append answered");
    let (_, total) = wf
        .audit(&AuditFilter {
            from: Some(Utc::now() + chrono::Duration::hours(1)),
            limit: 10,
            ..Default::default()
        })
        .unwrap();
    assert_eq!(total, 0);
    // The guards refuse changes through SQL.
    assert!(f.try_edit_audit(2).is_err());
    assert!(f.try_delete_audit(3).is_err());
    assert_eq!(wf.verify_audit().unwrap(), 3);
    // Someone who drops the guards is still caught by the chain.
    f.edit_audit_behind_guard(2, "改过");
    let e = wf.verify_audit().unwrap_err().to_string();
    assert!(e.contains("第 2 条"), "{e}");
    f.delete_audit_behind_guard(2, u64::MAX);
    assert_eq!(wf.verify_audit().unwrap(), 1);
    assert_eq!(wf.append_audit(&audit_event(9)).unwrap().seq, 2);
    assert_eq!(wf.verify_audit().unwrap(), 2);
    f.delete_audit_behind_guard(1, 1);
    assert!(
        wf.verify_audit().is_err(),
        "a deleted first entry is caught"
    );
}

pub fn tokens_sessions_and_user_updates(f: &dyn WfFixture) {
    let mut wf = f.open();
    let mut u = user(&mut *wf, "zs");
    u.role = "office_clerk,read_only".into();
    u.active = false;
    u.unit = None;
    u.display_name = "张三丰".into();
    wf.update_user(&u).unwrap();
    assert_eq!(wf.user(u.id).unwrap().unwrap(), u);
    let now = stored(Utc::now());
    for id in ["a", "b"] {
        wf.create_session(&SessionRecord {
            id: id.into(),
            user_id: u.id,
            csrf: "c".into(),
            created_at: now,
            expires_at: now + chrono::Duration::minutes(30),
        })
        .unwrap();
    }
    assert_eq!(wf.sessions(now).unwrap().len(), 2);
    wf.touch_session("a", now).unwrap();
    assert_eq!(wf.sessions(now).unwrap().len(), 1);
    let mut ended = wf.delete_user_sessions(u.id).unwrap();
    ended.sort();
    assert_eq!(ended, vec!["a".to_string(), "b".to_string()]);
    assert!(wf
        .sessions(now - chrono::Duration::hours(1))
        .unwrap()
        .is_empty());
    let t = wf
        .create_token(&NewToken {
            name: "人社".into(),
            token_hash: "h1".into(),
            units: vec![3, 5],
            created_by: u.id,
            created_at: now,
            expires_at: now + chrono::Duration::days(1),
        })
        .unwrap();
    assert_eq!((t.id, t.created_at, t.revoked_at), (1, now, None));
    assert_eq!(wf.token_by_hash("h1").unwrap().unwrap(), t);
    assert!(wf.token_by_hash("h2").unwrap().is_none());
    assert!(wf.revoke_token(t.id, now).unwrap());
    assert!(!wf.revoke_token(999, now).unwrap());
    let later = now + chrono::Duration::hours(1);
    assert!(wf.revoke_token(t.id, later).unwrap());
    assert_eq!(
        wf.token_by_hash("h1").unwrap().unwrap().revoked_at,
        Some(now),
        "the first revocation time stays"
    );
    assert_eq!(wf.tokens().unwrap().len(), 1);
}

pub fn records_are_versioned_and_blobs_content_addressed(f: &dyn WfFixture) {
    let mut wf = f.open();
    let t = stored(Utc::now());
    let a = wf.insert_record("case", r#"{"n":1}"#, t).unwrap();
    let b = wf.insert_record("case", r#"{"n":2}"#, t).unwrap();
    let p = wf.insert_record("problem", "{}", t).unwrap();
    assert_eq!((a.id, b.id, p.id), (1, 2, 1));
    assert_eq!((a.version, a.created_at, a.updated_at), (1, t, t));
    let t2 = t + chrono::Duration::minutes(1);
    let a2 = wf
        .update_record("case", 1, 1, r#"{"n":10}"#, t2)
        .unwrap()
        .unwrap();
    assert_eq!((a2.version, a2.body.as_str()), (2, r#"{"n":10}"#));
    assert_eq!((a2.created_at, a2.updated_at), (t, t2));
    // A writer that read version 1 loses and writes nothing.
    let err = wf
        .update_record("case", 1, 1, r#"{"n":11}"#, t)
        .unwrap_err();
    assert!(
        matches!(
            err,
            StoreError::VersionMoved {
                expected: 1,
                found: 2
            }
        ),
        "{err:?}"
    );
    assert_eq!(wf.record("case", 1).unwrap().unwrap(), a2);
    assert!(wf.record("case", 9).unwrap().is_none());
    assert!(wf.update_record("case", 9, 1, "{}", t).unwrap().is_none());
    let all: Vec<i64> = wf.records("case").unwrap().iter().map(|r| r.id).collect();
    assert_eq!(all, vec![1, 2]);
    assert!(wf.records("none").unwrap().is_empty());
    // The heads say which version each record is at, without the bodies.
    assert_eq!(wf.record_heads("case").unwrap(), vec![(1, 2), (2, 1)]);
    assert!(wf.record_heads("none").unwrap().is_empty());

    let d = wf.put_blob("application/pdf", b"%PDF-1.4 x").unwrap();
    assert_eq!(d, blob_digest(b"%PDF-1.4 x"));
    assert_eq!(d.len(), 64);
    assert_eq!(wf.put_blob("application/pdf", b"%PDF-1.4 x").unwrap(), d);
    let got = wf.blob(&d).unwrap().unwrap();
    assert_eq!(
        (got.mime.as_str(), got.data.as_slice()),
        ("application/pdf", &b"%PDF-1.4 x"[..])
    );
    assert!(wf.blob(&blob_digest(b"other")).unwrap().is_none());
    assert!(f.try_edit_blob(&d).is_err(), "blobs cannot be changed");
    assert_eq!(wf.blob(&d).unwrap().unwrap().data, b"%PDF-1.4 x");
}

/// Records and blobs kept a while (比对 results) are deleted when they
/// expire: gone for every handle on the same storage, the others untouched.
pub fn records_and_blobs_can_be_deleted(f: &dyn WfFixture) {
    let mut wf = f.open();
    let other = f.open();
    let t = stored(Utc::now());
    let a = wf.insert_record("reconcile", r#"{"n":1}"#, t).unwrap();
    let b = wf.insert_record("reconcile", r#"{"n":2}"#, t).unwrap();
    let c = wf.insert_record("case", r#"{"n":3}"#, t).unwrap();
    assert_eq!((a.id, b.id, c.id), (1, 2, 1));
    assert!(wf.delete_record("reconcile", 1).unwrap());
    assert!(!wf.delete_record("reconcile", 1).unwrap(), "already gone");
    assert!(!wf.delete_record("reconcile", 9).unwrap());
    assert!(!wf.delete_record("reconcile\0", 2).unwrap());
    assert!(other.record("reconcile", 1).unwrap().is_none());
    let left: Vec<i64> = other
        .records("reconcile")
        .unwrap()
        .iter()
        .map(|r| r.id)
        .collect();
    assert_eq!(left, vec![2]);
    assert_eq!(
        other.record("case", 1).unwrap().unwrap(),
        c,
        "same id, other kind"
    );
    // An update of a deleted record finds nothing.
    assert!(wf
        .update_record("reconcile", 1, 1, "{}", t)
        .unwrap()
        .is_none());

    let keep = wf.put_blob("application/pdf", b"%PDF-1.4 keep").unwrap();
    let gone = wf.put_blob("application/octet-stream", b"result").unwrap();
    assert!(wf.delete_blob(&gone).unwrap());
    assert!(!wf.delete_blob(&gone).unwrap(), "already gone");
    assert!(!wf.delete_blob("a\0b").unwrap());
    assert!(other.blob(&gone).unwrap().is_none());
    assert_eq!(other.blob(&keep).unwrap().unwrap().data, b"%PDF-1.4 keep");
    // The same content may be stored again afterwards.
    assert_eq!(
        wf.put_blob("application/octet-stream", b"result").unwrap(),
        gone
    );
    assert_eq!(other.blob(&gone).unwrap().unwrap().data, b"result");
}

pub fn application_payloads_are_sealed_at_rest(f: &dyn WfFixture) {
    install_key();
    let mut wf = f.open();
    let u = user(&mut *wf, "zs");
    let plain = r#"{"name":"王芳","id_number":"11010519491231002X","phone":"13800000000"}"#;
    let id = application(&mut *wf, u.id, plain);
    let raw = f.raw_payload(id);
    assert!(!raw.contains("11010519491231002X"), "{raw}");
    assert!(!raw.contains("13800000000"), "{raw}");
    assert!(raw.contains("王芳"), "names are not sealed");
    let got = wf.application(id).unwrap().unwrap();
    let v: serde_json::Value = serde_json::from_str(&got.payload).unwrap();
    assert_eq!(v["id_number"], "11010519491231002X");
    // A transition that keeps the payload keeps it sealed.
    wf.transition(id, &approve(u.id)).unwrap();
    assert!(!f.raw_payload(id).contains("11010519491231002X"));
    let v: serde_json::Value =
        serde_json::from_str(&wf.application(id).unwrap().unwrap().payload).unwrap();
    assert_eq!(v["phone"], "13800000000");
}

/// Runs `f(i, handle)` on `n` threads at once, each with its own handle.
fn at_once<R: Send + 'static>(
    fx: &dyn WfFixture,
    n: usize,
    f: impl Fn(usize, &mut dyn WorkflowStore) -> R + Send + Sync + 'static,
) -> Vec<R> {
    let barrier = Arc::new(Barrier::new(n));
    let f = Arc::new(f);
    let handles: Vec<_> = (0..n)
        .map(|i| {
            let mut wf = fx.open();
            let (barrier, f) = (barrier.clone(), f.clone());
            std::thread::spawn(move || {
                barrier.wait();
                f(i, &mut *wf)
            })
        })
        .collect();
    handles.into_iter().map(|h| h.join().unwrap()).collect()
}

pub fn concurrent_transitions_have_one_winner(f: &dyn WfFixture) {
    let mut wf = f.open();
    let u = user(&mut *wf, "lingdao");
    for _round in 0..5 {
        let id = application(&mut *wf, u.id, "{}");
        let actor = u.id;
        let outcomes = at_once(f, 4, move |_, wf| {
            wf.transition(id, &approve(actor)).unwrap()
        });
        let done = outcomes
            .iter()
            .filter(|o| matches!(o, TransitionOutcome::Done(_)))
            .count();
        assert_eq!(done, 1, "{outcomes:?}");
        assert!(outcomes.iter().all(|o| matches!(
            o,
            TransitionOutcome::Done(_)
                | TransitionOutcome::WrongStatus(ApplicationStatus::Approved)
        )));
        let approvals = wf
            .events(id)
            .unwrap()
            .iter()
            .filter(|e| e.action == "approved")
            .count();
        assert_eq!(approvals, 1);
    }
}

pub fn concurrent_audit_appends_stay_one_chain(f: &dyn WfFixture) {
    let seqs = at_once(f, 4, |i, wf| {
        (0..15)
            .map(|n| {
                wf.append_audit(&audit_event(i as u32 * 100 + n))
                    .unwrap()
                    .seq
            })
            .collect::<Vec<_>>()
    });
    let mut all: Vec<u64> = seqs.into_iter().flatten().collect();
    all.sort();
    assert_eq!(all, (1..=60).collect::<Vec<_>>());
    assert_eq!(f.open().verify_audit().unwrap(), 60);
}

/// A journal and an audit trail in one database say so (the same
/// location), and matters appended with audit entries commit together: both
/// chains go on from where the other writers left them, and when the audit
/// entries cannot be written the matters are not written either.
pub fn matters_and_their_audit_entries_commit_together(f: &dyn WfFixture) {
    let mut wf = f.open();
    let mut journal = f.journal();
    assert!(wf.location().is_some());
    assert_eq!(journal.location(), wf.location());
    wf.append_audit(&audit_event(0)).unwrap();

    let (stored, audited) = journal
        .append_at_audited(
            0,
            &[crate::fixture::entry(1), crate::fixture::entry(2)],
            &[audit_event(1), audit_event(2)],
        )
        .unwrap();
    assert_eq!(stored.iter().map(|e| e.seq).collect::<Vec<_>>(), [1, 2]);
    assert_eq!(audited.iter().map(|e| e.seq).collect::<Vec<_>>(), [2, 3]);
    assert_eq!(audited[1].target, audit_event(2).target);
    // The trail's own appends go on after them, in one chain.
    assert_eq!(wf.append_audit(&audit_event(3)).unwrap().seq, 4);
    assert_eq!(wf.verify_audit().unwrap(), 4);
    assert!(matches!(
        journal.verify().unwrap(),
        bianzhi_store::VerifyReport::Intact { entries: 2, .. }
    ));

    // The audit insert fails: the matter is not written either.
    f.refuse_audit_inserts();
    assert!(journal
        .append_at_audited(2, &[crate::fixture::entry(3)], &[audit_event(4)])
        .is_err());
    assert_eq!(journal.head().unwrap().map(|(s, _)| s), Some(2));
    let (_, total) = wf.audit(&AuditFilter::default()).unwrap();
    assert_eq!(total, 4);
    // Without audit entries the journal is written as before.
    assert_eq!(
        journal.append_at(2, &[crate::fixture::entry(3)]).unwrap()[0].seq,
        3
    );
}

/// Matters with their audit entries and audit entries alone, written at
/// once by different connections (two servers), all succeed — neither waits
/// for the other for ever — and make one chain each.
pub fn audited_appends_and_audit_appends_race_without_deadlock(f: &dyn WfFixture) {
    const ROUNDS: usize = 40;
    let mut journal = f.journal();
    let mut wf = f.open();
    let barrier = Barrier::new(2);
    std::thread::scope(|s| {
        let b = &barrier;
        let writer = s.spawn(move || {
            b.wait();
            for i in 0..ROUNDS {
                journal
                    .append_at_audited(
                        i as u64,
                        &[crate::fixture::entry(i)],
                        &[audit_event(i as u32)],
                    )
                    .unwrap_or_else(|e| panic!("matter {i}: {e}"));
            }
            journal
        });
        let auditor = s.spawn(move || {
            b.wait();
            for i in 0..ROUNDS {
                wf.append_audit(&audit_event(1000 + i as u32))
                    .unwrap_or_else(|e| panic!("audit {i}: {e}"));
            }
            wf
        });
        let journal = writer.join().unwrap();
        let wf = auditor.join().unwrap();
        assert_eq!(journal.head().unwrap().map(|(s, _)| s), Some(ROUNDS as u64));
        assert_eq!(wf.verify_audit().unwrap(), 2 * ROUNDS as u64);
    });
}

/// Several entries appended in one transaction (the web's group commit of
/// the trail) take consecutive sequence numbers in the order given, chain
/// like single appends, interleave with them, and an empty group writes
/// nothing; concurrent groups still make one chain.
pub fn grouped_audit_appends_chain_in_order(f: &dyn WfFixture) {
    let mut wf = f.open();
    assert!(wf.append_audits(&[]).unwrap().is_empty());
    wf.append_audit(&audit_event(0)).unwrap();
    let group: Vec<_> = (1..=5).map(audit_event).collect();
    let stored = wf.append_audits(&group).unwrap();
    assert_eq!(
        stored.iter().map(|e| e.seq).collect::<Vec<_>>(),
        [2, 3, 4, 5, 6]
    );
    for (e, want) in stored.iter().zip(&group) {
        assert_eq!(e.target, want.target);
    }
    assert_eq!(wf.append_audit(&audit_event(6)).unwrap().seq, 7);
    assert_eq!(wf.verify_audit().unwrap(), 7);
    let seqs = at_once(f, 4, |i, wf| {
        (0..5)
            .flat_map(|n| {
                let group: Vec<_> = (0..3)
                    .map(|k| audit_event(1000 + i as u32 * 100 + n * 10 + k))
                    .collect();
                let stored = wf.append_audits(&group).unwrap();
                let seqs: Vec<u64> = stored.iter().map(|e| e.seq).collect();
                // A group's entries are consecutive.
                assert_eq!(seqs[2] - seqs[0], 2);
                seqs
            })
            .collect::<Vec<_>>()
    });
    let mut all: Vec<u64> = seqs.into_iter().flatten().collect();
    all.sort();
    assert_eq!(all, (8..=67).collect::<Vec<_>>());
    assert_eq!(f.open().verify_audit().unwrap(), 67);
}

pub fn concurrent_record_updates_have_one_winner(f: &dyn WfFixture) {
    let mut wf = f.open();
    for round in 0..5i64 {
        let r = wf.insert_record("case", "{}", Utc::now()).unwrap();
        let id = r.id;
        let results = at_once(f, 3, move |i, wf| {
            wf.update_record("case", id, 1, &format!(r#"{{"by":{i}}}"#), Utc::now())
        });
        let won = results.iter().filter(|r| matches!(r, Ok(Some(_)))).count();
        assert_eq!(won, 1, "round {round}: {results:?}");
        assert!(results.iter().all(|r| matches!(
            r,
            Ok(Some(_))
                | Err(StoreError::VersionMoved {
                    expected: 1,
                    found: 2
                })
        )));
        assert_eq!(wf.record("case", id).unwrap().unwrap().version, 2);
    }
}

/// Failed sign-ins: counted per key, a lock at the maximum, a new window
/// after it, kept for another handle (another server, a restart), cleared.
pub fn sign_in_failures_count_lock_and_clear(f: &dyn WfFixture) {
    let mut wf = f.open();
    // Stored to the microsecond.
    let t0 = DateTime::from_timestamp_micros(Utc::now().timestamp_micros()).unwrap();
    let window = chrono::Duration::minutes(15);
    let m = chrono::Duration::minutes;
    assert_eq!(wf.sign_in_failures("acct:zs").unwrap(), None);
    for n in 1..=4u32 {
        let c = wf
            .count_sign_in_failure("acct:zs", t0 + m(n as i64), window, 5, window)
            .unwrap();
        assert_eq!((c.count, c.locked_until), (n, None));
    }
    let c = wf
        .count_sign_in_failure("acct:zs", t0 + m(5), window, 5, window)
        .unwrap();
    assert_eq!(c.count, 5);
    let until = c.locked_until.expect("locked at 5");
    assert_eq!(until.timestamp_micros(), (t0 + m(20)).timestamp_micros());
    // Another handle sees the lock; other keys are apart.
    let other = f.open();
    let seen = other.sign_in_failures("acct:zs").unwrap().unwrap();
    assert_eq!((seen.count, seen.locked_until), (5, Some(until)));
    assert_eq!(other.sign_in_failures("ip:10.0.0.1").unwrap(), None);
    // After the lock ends a failure starts a new count.
    let c = wf
        .count_sign_in_failure("acct:zs", t0 + m(21), window, 5, window)
        .unwrap();
    assert_eq!((c.count, c.locked_until), (1, None));
    // A window that has passed starts again too.
    let c = wf
        .count_sign_in_failure("acct:zs", t0 + m(40), window, 5, window)
        .unwrap();
    assert_eq!(c.count, 1);
    wf.clear_sign_in_failures("acct:zs").unwrap();
    assert_eq!(other.sign_in_failures("acct:zs").unwrap(), None);
}

/// Servers counting failures of one key at once lose none.
pub fn concurrent_sign_in_failures_all_count(f: &dyn WfFixture) {
    let now = Utc::now();
    let w = chrono::Duration::minutes(15);
    let results = at_once(f, 4, move |_, wf| {
        (0..5)
            .map(|_| wf.count_sign_in_failure("ip:10.9.9.9", now, w, 100, w))
            .collect::<Result<Vec<_>, _>>()
    });
    assert!(results.iter().all(|r| r.is_ok()), "{results:?}");
    let wf = f.open();
    assert_eq!(
        wf.sign_in_failures("ip:10.9.9.9").unwrap().unwrap().count,
        20
    );
}

// ---- PostgreSQL only (and the text policy, run on both above) -----------------

/// Two jurisdictions in one database: neither sees the other's accounts,
/// sessions, tokens, applications, audit trail, records or blobs, and each
/// numbers its own from 1.
#[test]
fn pg_ledgers_in_one_database_are_apart() {
    if !crate::postgres::enabled() {
        return;
    }
    let db = TempDatabase::new();
    let mut a = PgWorkflow::open(&db.url, "320903").unwrap();
    let mut b = PgWorkflow::open(&db.url, "320902").unwrap();
    let ua = user(&mut a, "zs");
    let ub = user(&mut b, "zs");
    assert_eq!((ua.id, ub.id), (1, 1));
    let now = Utc::now();
    a.create_session(&SessionRecord {
        id: "s1".into(),
        user_id: ua.id,
        csrf: "c".into(),
        created_at: now,
        expires_at: now + chrono::Duration::minutes(30),
    })
    .unwrap();
    assert!(a.session("s1", now).unwrap().is_some());
    assert!(b.session("s1", now).unwrap().is_none());
    let app = application(&mut a, ua.id, "{}");
    assert!(b.application(app).unwrap().is_none());
    assert_eq!(b.applications(&Default::default()).unwrap().1, 0);
    assert_eq!(
        b.transition(app, &approve(ub.id)).unwrap(),
        TransitionOutcome::NotFound
    );
    a.append_audit(&audit_event(1)).unwrap();
    a.append_audit(&audit_event(2)).unwrap();
    assert_eq!(b.append_audit(&audit_event(3)).unwrap().seq, 1);
    assert_eq!(
        (a.verify_audit().unwrap(), b.verify_audit().unwrap()),
        (2, 1)
    );
    a.create_token(&NewToken {
        name: "人社".into(),
        token_hash: "h".into(),
        units: vec![],
        created_by: ua.id,
        created_at: now,
        expires_at: now + chrono::Duration::days(1),
    })
    .unwrap();
    assert!(b.token_by_hash("h").unwrap().is_none());
    a.insert_record("case", "{}", now).unwrap();
    assert!(b.records("case").unwrap().is_empty());
    let d = a.put_blob("text/plain", b"x").unwrap();
    assert!(b.blob(&d).unwrap().is_none());
    // The journal's ledger rows exist for both (the workflow opened them).
    let ledgers = bianzhi_store::PgStore::list_ledgers(&db.url).unwrap();
    assert_eq!(
        ledgers.iter().map(|l| l.code.as_str()).collect::<Vec<_>>(),
        vec!["320902", "320903"]
    );
}

/// The text policy, the same on both backends (PostgreSQL text cannot hold
/// NUL at all): stored text with NUL is refused with a message, not a server
/// error; NUL in audit fields and sign-in failure keys (they come from
/// requests) is replaced, not lost; a lookup by a key with NUL finds nothing.
fn text_with_nul_is_treated_alike(f: &dyn WfFixture) {
    let mut wf = f.open();
    let e = wf
        .create_user(&NewUser {
            login: "a\0b".into(),
            display_name: "x".into(),
            role: "r".into(),
            unit: None,
            password_hash: "h".into(),
        })
        .unwrap_err();
    assert!(matches!(e, StoreError::InvalidEntry(_)), "{e:?}");
    assert!(wf.user_by_login("a\0b").unwrap().is_none());
    let u = user(&mut *wf, "nul");
    let e = wf
        .create_application(&NewApplication {
            unit: 1,
            kind: "hire".into(),
            title: "入编\0".into(),
            payload: "{}".into(),
            submitted_by: u.id,
            at: Utc::now(),
        })
        .unwrap_err();
    assert!(matches!(e, StoreError::InvalidEntry(_)), "{e:?}");
    let e = wf
        .insert_record("case", "{\"x\":\"\0\"}", Utc::now())
        .unwrap_err();
    assert!(matches!(e, StoreError::InvalidEntry(_)), "{e:?}");
    assert!(wf.records("case").unwrap().is_empty());
    let mut ev = audit_event(1);
    ev.target = "/api/v1/x\0y".into();
    let stored = wf.append_audit(&ev).unwrap();
    assert_eq!(stored.target, "/api/v1/x\u{FFFD}y");
    assert_eq!(all_audit(&*wf)[0].target, "/api/v1/x\u{FFFD}y");
    assert_eq!(wf.verify_audit().unwrap(), 1);
    // A filter is a plain substring: NUL, wildcards and the escape
    // character in it are dropped, on both backends.
    for target in ["x\u{FFFD}y", "X\u{FFFD}Y", "x\0\u{FFFD}y", "%x\u{FFFD}_y\\"] {
        let (rows, total) = wf
            .audit(&AuditFilter {
                target: Some(target.into()),
                limit: 10,
                ..Default::default()
            })
            .unwrap();
        assert_eq!((rows.len(), total), (1, 1), "{target:?}");
    }

    // Other stored text with NUL is refused, whatever writes it.
    let app = application(&mut *wf, u.id, "{}");
    let mut t = approve(u.id);
    t.comment = "同意\0".into();
    let e = wf.transition(app, &t).unwrap_err();
    assert!(matches!(e, StoreError::InvalidEntry(_)), "{e:?}");
    assert_eq!(
        wf.application(app).unwrap().unwrap().status,
        ApplicationStatus::Submitted,
        "nothing written"
    );
    let mut t = approve(u.id);
    t.payload = Some(("入编".into(), "{\"a\":\"\0\"}".into()));
    assert!(wf.transition(app, &t).is_err());
    let mut renamed = u.clone();
    renamed.display_name = "张\0三".into();
    assert!(wf.update_user(&renamed).is_err());
    let now = Utc::now();
    let session = |id: &str| SessionRecord {
        id: id.into(),
        user_id: u.id,
        csrf: "c".into(),
        created_at: now,
        expires_at: now + chrono::Duration::minutes(30),
    };
    assert!(wf.create_session(&session("s\0")).is_err());
    let token = |name: &str, hash: &str| NewToken {
        name: name.into(),
        token_hash: hash.into(),
        units: vec![],
        created_by: u.id,
        created_at: now,
        expires_at: now + chrono::Duration::days(1),
    };
    assert!(wf.create_token(&token("人社\0", "h")).is_err());
    assert!(wf.create_token(&token("人社", "h\0")).is_err());
    assert!(wf.put_blob("text/plain\0", b"x").is_err());
    let rec = wf.insert_record("case", "{}", now).unwrap();
    assert!(wf
        .update_record("case", rec.id, rec.version, "{\"x\":\"\0\"}", now)
        .is_err());

    // A lookup by a key with NUL finds nothing (nothing stored has one),
    // and what changes by such a key changes nothing.
    wf.create_session(&session("s1")).unwrap();
    assert!(wf.session("s1\0", now).unwrap().is_none());
    wf.touch_session("s1\0", now).unwrap();
    wf.delete_session("s1\0").unwrap();
    assert!(wf.session("s1", now).unwrap().is_some());
    wf.create_token(&token("人社", "h")).unwrap();
    assert!(wf.token_by_hash("h\0").unwrap().is_none());
    assert!(wf.record("case\0", rec.id).unwrap().is_none());
    assert!(wf.records("case\0").unwrap().is_empty());
    assert_eq!(
        wf.update_record("case\0", rec.id, rec.version, "{}", now)
            .unwrap(),
        None
    );
    assert!(!wf.delete_record("case\0", rec.id).unwrap());
    let d = wf.put_blob("text/plain", b"x").unwrap();
    let nul = format!("{d}\0");
    assert!(wf.blob(&nul).unwrap().is_none());
    assert!(!wf.delete_blob(&nul).unwrap());
    assert!(wf.blob(&d).unwrap().is_some());
    let by_kind = |kind: &str| ApplicationFilter {
        kind: Some(kind.into()),
        ..Default::default()
    };
    assert_eq!(wf.applications(&by_kind("hire")).unwrap().1, 1);
    assert_eq!(wf.applications(&by_kind("hi\0re")).unwrap().1, 0);

    // A sign-in failure key comes from a request: NUL is replaced, and
    // counting, reading and clearing by it mean the same count.
    let count = |wf: &mut dyn WorkflowStore, key: &str| {
        let m = chrono::Duration::minutes(15);
        wf.count_sign_in_failure(key, now, m, 5, m).unwrap().count
    };
    assert_eq!(count(&mut *wf, "acct:a\0b"), 1);
    assert_eq!(count(&mut *wf, "acct:a\0b"), 2);
    assert_eq!(wf.sign_in_failures("acct:a\0b").unwrap().unwrap().count, 2);
    assert_eq!(
        wf.sign_in_failures("acct:a\u{FFFD}b")
            .unwrap()
            .unwrap()
            .count,
        2
    );
    wf.clear_sign_in_failures("acct:a\0b").unwrap();
    assert!(wf.sign_in_failures("acct:a\0b").unwrap().is_none());
}
