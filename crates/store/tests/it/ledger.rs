//! The durable ledger ([`Db`]) on every backend: recording, refusal, reopening,
//! snapshots, and several servers on one ledger (catch-up, lost races, the
//! last vacancy). Written once against [`Fixture`]; `backend_tests!` runs
//! them for each backend.

use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};
use std::sync::{mpsc, Arc, Barrier};

use bianzhi_core::query::rollup;
use bianzhi_core::Matter;
use bianzhi_store::{
    Db, DbError, Hash, JournalEntry, JournalStore, NewEntry, Snapshot, StoreError, VerifyReport,
};
use chrono::{NaiveDate, Utc};
use serde_json::json;

use crate::fixture::*;

const SCHOOL: &str = "盐都区实验小学";
const FULL: &str = "盐都区实验小学 事业编制(全额拨款) 可用空编 0，不能入编 1 人";

/// A valid 18-digit 身份证号 for 盐都区, distinct for each `n` below 100 000.
pub fn id(n: u32) -> String {
    let body = format!("320903{}0101{:03}", 1960 + n / 500, (n % 500) * 2 + 1);
    let w = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .bytes()
        .zip(w)
        .map(|(b, w)| (b - b'0') as u32 * w)
        .sum();
    format!(
        "{body}{}",
        "10X98765432".as_bytes()[(sum % 11) as usize] as char
    )
}

/// A matter from its JSON form, stamped now by 测试.
pub fn matter(mut v: serde_json::Value) -> Matter {
    let o = v.as_object_mut().unwrap();
    o.entry("recorded_at").or_insert_with(|| json!(Utc::now()));
    o.entry("actor").or_insert_with(|| json!("测试"));
    serde_json::from_value(v).unwrap()
}

/// A school with `quota` 事业编制 and a recruitment plan large enough for
/// every test.
pub fn setup(quota: i32) -> Matter {
    matter(json!({
        "doc": "盐编〔2024〕1号", "effective": "2024-01-02", "reason": "建账",
        "ops": [
            {"op": "create_unit", "name": "盐都区教育局", "kind": "政府工作部门", "rank": "正科级"},
            {"op": "create_unit", "name": SCHOOL, "kind": "事业单位", "rank": "股级", "parent": "盐都区教育局"},
            {"op": "set_quota", "unit": SCHOOL, "qtype": "事业编制", "funding": "全额拨款", "count": quota},
            {"op": "approve_plan_line", "unit": SCHOOL, "year": 2024, "channel": "公开招聘",
             "qtype": "事业编制", "count": 10000}
        ]
    }))
}

/// Hires person `n` into the school.
pub fn hire(n: u32) -> Matter {
    matter(json!({
        "doc": format!("盐编〔2024〕{}号", 100 + n), "effective": "2024-03-01",
        "ops": [{"op": "hire", "unit": SCHOOL, "qtype": "事业编制", "funding": "全额拨款",
                 "plan_line": 0,
                 "details": {"name": format!("测试{n}"), "id_number": id(n), "identity": "事业人员"}}]
    }))
}

/// One more vacancy in the school.
pub fn one_more_slot(round: u32) -> Matter {
    matter(json!({
        "doc": format!("盐编〔2025〕{}号", round + 1), "effective": "2024-03-01",
        "ops": [{"op": "increase_quota", "unit": SCHOOL, "qtype": "事业编制",
                 "funding": "全额拨款", "count": 1}]
    }))
}

fn people(db: &Db) -> usize {
    db.state().persons.iter().flatten().count()
}

fn new_db(fx: &dyn Fixture) -> Db {
    Db::init(fx.open_another(), "320903", "盐城市盐都区").unwrap()
}

#[track_caller]
fn assert_refused_full(r: Result<(u64, Matter), DbError>) {
    match r {
        Err(DbError::Refused(e)) => assert!(e.to_string().contains(FULL), "{e}"),
        other => panic!("expected a refusal, got {other:?}"),
    }
}

#[track_caller]
fn assert_journal(fx: &dyn Fixture, entries: u64) {
    let store = fx.open_another();
    match store.verify().unwrap() {
        VerifyReport::Intact { entries: n, .. } => assert_eq!(n, entries),
        broken => panic!("{broken:?}"),
    }
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

pub fn submit_refuse_and_reopen(make: Make) {
    let fx = make();
    let mut db = new_db(&*fx);
    assert!(Db::is_initialised(db.store()).unwrap());
    assert_eq!(db.submit(setup(2), Utc::now()).unwrap().0, 1);
    assert_eq!(db.submit(hire(1), Utc::now()).unwrap().0, 2);
    assert_eq!(db.submit(hire(2), Utc::now()).unwrap().0, 3);
    assert_refused_full(db.submit(hire(3), Utc::now()));
    assert_eq!(db.durable_seq(), 3);
    assert_eq!(people(&db), 2);
    let before = rollup(db.state(), date("2024-12-31"), None);
    drop(db);

    let db = Db::open(fx.open_another()).unwrap();
    assert_eq!(db.load_stats.matters, 3);
    assert_eq!(people(&db), 2);
    assert_eq!(rollup(db.state(), date("2024-12-31"), None), before);
    assert_eq!(db.state().jurisdiction.name, "盐城市盐都区");
    assert_journal(&*fx, 3);
    // Initialising again as another jurisdiction is refused.
    assert!(matches!(
        Db::init(fx.open_another(), "320902", "盐城市亭湖区"),
        Err(DbError::AlreadyInitialised(_))
    ));
}

pub fn snapshot_then_reopen(make: Make) {
    let fx = make();
    let mut db = new_db(&*fx);
    db.submit(setup(10), Utc::now()).unwrap();
    for n in 1..=5 {
        db.submit(hire(n), Utc::now()).unwrap();
    }
    db.snapshot().unwrap();
    for n in 6..=7 {
        db.submit(hire(n), Utc::now()).unwrap();
    }
    let expected = rollup(db.state(), date("2024-12-31"), None);
    drop(db);

    let db = Db::open(fx.open_another()).unwrap();
    assert!(db.load_stats.from_snapshot, "{:?}", db.load_stats);
    assert_eq!(db.load_stats.replayed, 2);
    assert_eq!(people(&db), 7);
    assert_eq!(rollup(db.state(), date("2024-12-31"), None), expected);
    let full = Db::open_without_snapshot(fx.open_another()).unwrap();
    assert!(!full.load_stats.from_snapshot);
    assert_eq!(rollup(full.state(), date("2024-12-31"), None), expected);
    assert_journal(&*fx, 8);
    // A snapshot written for another shape of the state (here: without the
    // shape tag, as before STATE_FORMAT 2) is not read; the journal is.
    let mut store = fx.open_another();
    let snap = store.latest_snapshot().unwrap().expect("a snapshot");
    let plain = bianzhi_store::pii::unseal_snapshot(&snap.state).expect("the test key");
    assert!(plain.starts_with(b"BZSTATE"));
    let old = bianzhi_store::Snapshot {
        seq: snap.seq,
        head_hash: snap.head_hash,
        state: bianzhi_store::pii::seal_snapshot(plain[b"BZSTATE".len() + 2..].to_vec()).unwrap(),
    };
    store.save_snapshot(&old).unwrap();
    assert_eq!(store.latest_snapshot().unwrap().unwrap().state, old.state);
    let db = Db::open(fx.open_another()).unwrap();
    assert!(!db.load_stats.from_snapshot, "{:?}", db.load_stats);
    assert_eq!(rollup(db.state(), date("2024-12-31"), None), expected);
}

/// 更正 / 撤销 and 补充附件 are journal entries like any other: reopened
/// from the journal or from a snapshot taken before them, the ledger is the
/// same, and the journal verifies.
pub fn corrections_and_filed_documents_survive_reopening(make: Make) {
    let fx = make();
    let mut db = new_db(&*fx);
    db.submit(setup(3), Utc::now()).unwrap();
    let (first, _) = db.submit(hire(1), Utc::now()).unwrap();
    let (second, _) = db.submit(hire(2), Utc::now()).unwrap();
    db.snapshot().unwrap();
    let revoke = matter(json!({
        "doc": "盐编〔2024〕200号", "effective": "2024-05-01", "ops": [],
        "corrects": {"of": first, "kind": "revoke"}
    }));
    db.submit(revoke, Utc::now()).unwrap();
    let filed = matter(json!({
        "doc": "盐编〔2024〕102号", "effective": "2024-05-02", "ops": [],
        "supplements": second,
        "attachments": [{"name": "批复.pdf", "sm3": "ab".repeat(32), "size": 10}]
    }));
    db.submit(filed, Utc::now()).unwrap();
    assert_eq!(people(&db), 1, "the revoked hire is gone");
    let expected = rollup(db.state(), date("2024-12-31"), None);
    drop(db);
    for db in [
        Db::open(fx.open_another()).unwrap(),
        Db::open_without_snapshot(fx.open_another()).unwrap(),
    ] {
        assert_eq!(people(&db), 1);
        assert_eq!(rollup(db.state(), date("2024-12-31"), None), expected);
        assert_eq!(db.ledger().voided_by(first), Some(4));
        assert_eq!(db.ledger().supplements_of(second).unwrap().len(), 1);
        db.verify().unwrap();
    }
}

/// Reopening decodes the journal in chunks on several threads: a journal of
/// several chunks comes back whole and in order, from the journal and from a
/// snapshot in the middle of it.
pub fn reopen_decodes_many_matters_in_order(make: Make) {
    let fx = make();
    let mut db = new_db(&*fx);
    db.submit(setup(2000), Utc::now()).unwrap();
    for n in 1..=700 {
        db.submit_batched(hire(n), Utc::now(), 250).unwrap();
        if n == 400 {
            db.flush().unwrap();
            db.snapshot().unwrap();
        }
    }
    db.flush().unwrap();
    let journal = db.ledger().decoded_journal().unwrap();
    let state = db.state().clone();
    drop(db);
    for db in [
        Db::open_without_snapshot(fx.open_another()).unwrap(),
        Db::open(fx.open_another()).unwrap(),
    ] {
        // The same matters in the same order, from the snapshot or not;
        // none of them is kept decoded (read from the stored bytes).
        assert!(db.ledger().entries().iter().all(|e| !e.is_decoded()));
        assert_eq!(db.ledger().decoded_journal().unwrap(), &journal[..]);
        assert_eq!(db.state(), &state);
        assert_eq!(db.load_stats.matters, 701);
    }
}

/// A stored matter whose payload no longer decodes (its head still reads):
/// a start from a snapshot after it does not need it, and succeeds; reading
/// it, or any replay through it, names it.
pub fn an_undecodable_entry_is_named_when_needed(make: Make) {
    let mut fx = make();
    let mut db = new_db(&*fx);
    db.submit(setup(10), Utc::now()).unwrap();
    for n in 1..=3 {
        db.submit(hire(n), Utc::now()).unwrap();
    }
    db.snapshot().unwrap();
    db.submit(hire(4), Utc::now()).unwrap();
    let state = db.state().clone();
    drop(db);
    let mut payload = None;
    fx.open_another()
        .scan(0, &mut |e| {
            if e.seq == 2 {
                payload = Some(e.payload);
            }
            Ok(())
        })
        .unwrap();
    let mut v: serde_json::Value = serde_json::from_slice(&payload.unwrap()).unwrap();
    v["ops"][0]["op"] = json!("no_such_operation");
    let bad = serde_json::to_vec(&v).unwrap();
    fx.tamper(
        &Tamper::Payload {
            seq: 2,
            payload: bad,
        },
        true,
    )
    .unwrap();
    let db = Db::open(fx.open_another()).unwrap();
    assert!(db.load_stats.from_snapshot, "{:?}", db.load_stats);
    assert_eq!(db.load_stats.replayed, 1);
    assert_eq!(db.state(), &state);
    assert!(db.ledger().matter(3).unwrap().is_some());
    let err = db.ledger().matter(2).unwrap_err();
    assert_eq!(err.seq, 2);
    assert!(
        err.to_string().starts_with("第 2 条事项无法解读："),
        "{err}"
    );
    assert!(err.to_string().contains("no_such_operation"), "{err}");
    let err = db.ledger().as_recorded(Utc::now()).unwrap_err();
    assert!(err.to_string().contains("第 2 条事项无法解读"), "{err}");
    let err = Db::open_without_snapshot(fx.open_another())
        .err()
        .expect("a full replay needs it");
    assert!(err.to_string().contains("第 2 条事项无法解读"), "{err}");
}

pub fn catch_up_between_two_servers(make: Make) {
    let fx = make();
    let mut a = new_db(&*fx);
    a.submit(setup(3), Utc::now()).unwrap();
    let mut b = Db::open(fx.open_another()).unwrap();
    assert_eq!(b.durable_seq(), 1);
    a.submit(hire(1), Utc::now()).unwrap();
    a.submit(hire(2), Utc::now()).unwrap();
    // b serves from its own state until it catches up.
    assert_eq!(people(&b), 0);
    assert_eq!(b.catch_up().unwrap(), 2);
    assert_eq!(people(&b), 2);
    assert_eq!(b.durable_seq(), 3);
    assert_eq!(b.catch_up().unwrap(), 0);
    assert_eq!(
        rollup(b.state(), date("2024-12-31"), None),
        rollup(a.state(), date("2024-12-31"), None)
    );
    // b records on top of a's matters; a, behind, catches up before checking.
    assert_eq!(b.submit(hire(3), Utc::now()).unwrap().0, 4);
    assert_refused_full(a.submit(hire(4), Utc::now()));
    assert_eq!(a.durable_seq(), 4);
    assert_eq!(people(&a), 3);
    // A snapshot taken by a server that caught up is usable by the next one.
    a.snapshot().unwrap();
    let c = Db::open(fx.open_another()).unwrap();
    assert!(c.load_stats.from_snapshot);
    assert_eq!(people(&c), 3);
    assert_journal(&*fx, 4);
}

pub fn stale_server_is_refused_not_overbooked(make: Make) {
    let fx = make();
    let mut a = new_db(&*fx);
    a.submit(setup(1), Utc::now()).unwrap();
    let mut b = Db::open(fx.open_another()).unwrap();
    a.submit(hire(1), Utc::now()).unwrap();
    // b still shows the vacancy, but checks against the journal's head.
    assert_eq!(people(&b), 0);
    assert_refused_full(b.submit(hire(2), Utc::now()));
    assert_eq!(people(&b), 1);
    let c = Db::open(fx.open_another()).unwrap();
    assert_eq!(people(&c), 1);
    assert_journal(&*fx, 2);
}

/// A store whose first `scan` misses the newest entries, as if another
/// server's commit landed between the catch-up and the append.
struct Blinkered {
    inner: Box<dyn JournalStore>,
    /// Entries after `upto` are hidden from the next `hide` scans.
    blinkers: Arc<Blinkers>,
}

#[derive(Default)]
struct Blinkers {
    upto: AtomicU64,
    hide: AtomicU32,
}

impl Blinkers {
    /// Hides the entries after `upto` from the next scan.
    fn once(&self, upto: u64) {
        self.upto.store(upto, Ordering::SeqCst);
        self.hide.store(1, Ordering::SeqCst);
    }
}

impl JournalStore for Blinkered {
    fn append(&mut self, entries: &[NewEntry]) -> Result<Vec<JournalEntry>, StoreError> {
        self.inner.append(entries)
    }
    fn append_at(&mut self, h: u64, e: &[NewEntry]) -> Result<Vec<JournalEntry>, StoreError> {
        self.inner.append_at(h, e)
    }
    fn head(&self) -> Result<Option<(u64, Hash)>, StoreError> {
        self.inner.head()
    }
    fn scan(
        &self,
        after: u64,
        f: &mut dyn FnMut(JournalEntry) -> Result<(), StoreError>,
    ) -> Result<(), StoreError> {
        let b = &self.blinkers;
        if b.hide.load(Ordering::SeqCst) == 0 {
            return self.inner.scan(after, f);
        }
        b.hide.fetch_sub(1, Ordering::SeqCst);
        let upto = b.upto.load(Ordering::SeqCst);
        self.inner.scan(after, &mut |e| {
            if e.seq <= upto {
                f(e)?;
            }
            Ok(())
        })
    }
    fn verify(&self) -> Result<VerifyReport, StoreError> {
        self.inner.verify()
    }
    fn save_snapshot(&mut self, s: &Snapshot) -> Result<(), StoreError> {
        self.inner.save_snapshot(s)
    }
    fn latest_snapshot(&self) -> Result<Option<Snapshot>, StoreError> {
        self.inner.latest_snapshot()
    }
    fn get_meta(&self, key: &str) -> Result<Option<String>, StoreError> {
        self.inner.get_meta(key)
    }
    fn set_meta(&mut self, key: &str, value: &str) -> Result<(), StoreError> {
        self.inner.set_meta(key, value)
    }
}

pub fn lost_race_is_retried_against_the_new_head(make: Make) {
    let fx = make();
    let mut a = new_db(&*fx);
    a.submit(setup(2), Utc::now()).unwrap();
    let blinkers = Arc::new(Blinkers::default());
    let mut b = Db::open(Box::new(Blinkered {
        inner: fx.open_another(),
        blinkers: blinkers.clone(),
    }))
    .unwrap();

    // 1. b validates against a stale head (two vacancies in its view, one in
    //    fact), loses the append, catches up and succeeds on the new head.
    a.submit(hire(1), Utc::now()).unwrap();
    blinkers.once(1);
    let (seq, _) = b.submit(hire(2), Utc::now()).unwrap();
    assert_eq!(seq, 3, "appended after a's matter");
    assert_eq!(people(&b), 2);

    // 2. Now full: a stale b is refused after the retry, with the usual
    //    message, and nothing is written.
    a.submit(one_more_slot(0), Utc::now()).unwrap();
    assert_eq!(b.catch_up().unwrap(), 1, "b sees the new vacancy");
    a.submit(hire(3), Utc::now()).unwrap();
    assert_eq!(b.durable_seq(), 4);
    blinkers.once(4);
    assert_refused_full(b.submit(hire(4), Utc::now()));
    assert_eq!(b.durable_seq(), 5);
    assert_eq!(people(&b), 3);
    let c = Db::open(fx.open_another()).unwrap();
    assert_eq!(people(&c), 3);
    assert_journal(&*fx, 5);
}

pub fn batch_behind_another_server_is_not_written(make: Make) {
    let fx = make();
    let mut a = new_db(&*fx);
    a.submit(setup(5), Utc::now()).unwrap();
    let mut b = Db::open(fx.open_another()).unwrap();
    a.submit_batched(hire(1), Utc::now(), 100).unwrap();
    a.submit_batched(hire(2), Utc::now(), 100).unwrap();
    b.submit(hire(3), Utc::now()).unwrap();
    let err = a.flush().unwrap_err();
    assert!(
        matches!(err, DbError::Store(StoreError::HeadMoved { .. })),
        "{err:?}"
    );
    // Nothing of the batch stays in memory; catching up brings b's matter.
    assert_eq!(a.durable_seq(), 1);
    assert_eq!(people(&a), 0);
    assert_eq!(a.catch_up().unwrap(), 1);
    assert_eq!(people(&a), 1);
    // A new batch starts from the head.
    a.submit_batched(hire(1), Utc::now(), 100).unwrap();
    assert_eq!(a.flush().unwrap(), 3);
    assert_journal(&*fx, 3);
}

/// Two servers (threads, each with its own connection and in-memory ledger)
/// race to fill the one vacancy opened each round: exactly one wins, the
/// other is refused with the usual message, every round.
pub fn racing_servers_fill_the_last_vacancy_once(make: Make) {
    const ROUNDS: u32 = 15;
    let fx = make();
    let mut admin = new_db(&*fx);
    admin.submit(setup(0), Utc::now()).unwrap();
    let barrier = Arc::new(Barrier::new(3));
    let (tx, rx) = mpsc::channel();
    let servers: Vec<_> = (0..2u32)
        .map(|s| {
            let mut db = Db::open(fx.open_another()).unwrap();
            let (barrier, tx) = (barrier.clone(), tx.clone());
            std::thread::spawn(move || {
                for round in 0..ROUNDS {
                    barrier.wait();
                    let r = db.submit(hire(round * 2 + s + 1), Utc::now());
                    let outcome = match r {
                        Ok((seq, _)) => Ok(seq),
                        Err(DbError::Refused(e)) => Err(e.to_string()),
                        Err(e) => panic!("server {s}, round {round}: {e:?}"),
                    };
                    tx.send((round, s, outcome)).unwrap();
                    barrier.wait();
                }
                people(&db)
            })
        })
        .collect();
    for round in 0..ROUNDS {
        admin.submit(one_more_slot(round), Utc::now()).unwrap();
        barrier.wait();
        barrier.wait();
        let results: Vec<_> = rx.try_iter().collect();
        assert_eq!(results.len(), 2);
        assert!(results.iter().all(|(r, _, _)| *r == round));
        let wins = results.iter().filter(|(_, _, o)| o.is_ok()).count();
        assert_eq!(wins, 1, "round {round}: {results:?}");
        let refusal = results
            .iter()
            .find_map(|(_, _, o)| o.as_ref().err())
            .unwrap();
        assert!(refusal.contains(FULL), "round {round}: {refusal}");
    }
    for s in servers {
        // Each server's own state saw its wins and (after catching up before
        // its last refusal) all but possibly the other's last win.
        assert!(s.join().unwrap() >= ROUNDS as usize - 1);
    }
    admin.catch_up().unwrap();
    assert_eq!(people(&admin), ROUNDS as usize);
    assert_journal(&*fx, 1 + 2 * ROUNDS as u64);
    let fresh = Db::open_without_snapshot(fx.open_another()).unwrap();
    assert_eq!(people(&fresh), ROUNDS as usize);
    let row = bianzhi_core::query::quota_table(
        fresh.state(),
        *fresh.state().unit_by_name.get(SCHOOL).unwrap(),
        date("2024-12-31"),
    );
    assert_eq!(row[0].available, 0);
    assert_eq!(row[0].over, 0);
}

/// Group commit: one write for several matters; a draft refused by the
/// caller's check or by a rule changes nothing and gets its own refusal,
/// the others are recorded in order, and the chain holds.
pub fn a_group_commit_records_the_rest_when_one_is_refused(make: Make) {
    let fx = make();
    let mut db = new_db(&*fx);
    db.submit(setup(3), Utc::now()).unwrap();
    let drafts: Vec<Matter> = (1..=5).map(hire).collect();
    let rs = db
        .submit_group(&drafts, Utc::now(), |_, i, _| {
            if i == 1 {
                Err("文号已被使用")
            } else {
                Ok(())
            }
        })
        .unwrap();
    let seqs: Vec<Option<u64>> = rs
        .iter()
        .map(|r| r.as_ref().ok().map(|(s, _)| *s))
        .collect();
    assert_eq!(seqs, vec![Some(2), None, Some(3), Some(4), None]);
    assert!(matches!(
        rs[1],
        Err(bianzhi_store::GroupRefusal::Check("文号已被使用"))
    ));
    match &rs[4] {
        Err(bianzhi_store::GroupRefusal::Db(DbError::Refused(e))) => {
            assert!(e.to_string().contains(FULL), "{e}")
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(people(&db), 3);
    drop(db);
    assert_journal(&*fx, 4);
    let db = Db::open_without_snapshot(fx.open_another()).unwrap();
    assert_eq!(people(&db), 3);
}

/// Two servers commit groups of hires at once for the same 20 vacancies:
/// exactly 20 are recorded, every other hire is refused with the usual
/// message, and the journal verifies.
pub fn racing_servers_commit_groups_for_the_last_vacancies(make: Make) {
    const VACANCIES: i32 = 20;
    let fx = make();
    let mut admin = new_db(&*fx);
    admin.submit(setup(VACANCIES), Utc::now()).unwrap();
    let barrier = Arc::new(Barrier::new(2));
    let servers: Vec<_> = (0..2u32)
        .map(|s| {
            let mut db = Db::open(fx.open_another()).unwrap();
            let barrier = barrier.clone();
            std::thread::spawn(move || {
                barrier.wait();
                let (mut won, mut refused) = (0, 0);
                for round in 0..6u32 {
                    let drafts: Vec<Matter> =
                        (0..4).map(|k| hire(1 + s * 100 + round * 4 + k)).collect();
                    for r in db
                        .submit_group(&drafts, Utc::now(), |_, _, _| Ok::<(), ()>(()))
                        .unwrap()
                    {
                        match r {
                            Ok(_) => won += 1,
                            Err(bianzhi_store::GroupRefusal::Db(DbError::Refused(e))) => {
                                assert!(e.to_string().contains(FULL), "{e}");
                                refused += 1;
                            }
                            Err(e) => panic!("server {s}: {e:?}"),
                        }
                    }
                }
                (won, refused)
            })
        })
        .collect();
    let (mut won, mut refused) = (0, 0);
    for s in servers {
        let (w, r) = s.join().unwrap();
        won += w;
        refused += r;
    }
    assert_eq!(won, VACANCIES);
    assert_eq!(won + refused, 48);
    admin.catch_up().unwrap();
    assert_eq!(people(&admin), VACANCIES as usize);
    assert_journal(&*fx, 1 + VACANCIES as u64);
    let fresh = Db::open_without_snapshot(fx.open_another()).unwrap();
    assert_eq!(people(&fresh), VACANCIES as usize);
}
