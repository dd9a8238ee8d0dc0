//! The PostgreSQL backend: its fixture and the tests that only make sense for
//! it (several ledgers in one database, read-only opening, races between
//! connections, schema creation by servers starting together).
//!
//! Runs when `BIANZHI_TEST_PG` holds a server URL whose user may create
//! databases, e.g. `postgres://postgres@127.0.0.1:5432/postgres`; each test
//! gets a fresh database `bianzhi_test_…` and drops it afterwards. Without the
//! variable every test here returns at once (printing that it was skipped).

use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Barrier};

use bianzhi_store::{with_dbname, JournalStore, PgStore, StoreError, VerifyReport};
use postgres::{Client, NoTls};

use crate::fixture::*;

/// The jurisdiction the conformance tests use.
pub const CODE: &str = "320903";

/// The server URL from `BIANZHI_TEST_PG`, if set.
pub fn server_url() -> Option<String> {
    std::env::var("BIANZHI_TEST_PG")
        .ok()
        .filter(|s| !s.trim().is_empty())
}

/// Whether the PostgreSQL tests run; says so on stderr when they do not.
pub fn enabled() -> bool {
    let on = server_url().is_some();
    if !on {
        eprintln!("BIANZHI_TEST_PG 未设置：跳过 PostgreSQL 测试");
    }
    on
}

/// A fresh database on the test server, dropped (with its connections) when
/// this goes out of scope.
pub struct TempDatabase {
    admin_url: String,
    pub name: String,
    pub url: String,
}

impl TempDatabase {
    /// Panics if `BIANZHI_TEST_PG` is unset or the server cannot be reached:
    /// call only when [`enabled`].
    pub fn new() -> Self {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let admin_url = server_url().expect("BIANZHI_TEST_PG");
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .subsec_nanos();
        let name = format!(
            "bianzhi_test_{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let url = PgStore::create_database(&admin_url, &name).unwrap_or_else(|e| {
            panic!(
                "cannot create a database with BIANZHI_TEST_PG={admin_url}: {e}: {:?}",
                std::error::Error::source(&e)
            )
        });
        assert_eq!(url, with_dbname(&admin_url, &name));
        TempDatabase {
            admin_url,
            name,
            url,
        }
    }

    /// A plain connection to the database, as any PostgreSQL tool would open.
    pub fn raw(&self) -> Client {
        Client::connect(&self.url, NoTls).unwrap()
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let _ = PgStore::drop_database(&self.admin_url, &self.name);
    }
}

/// One ledger in a fresh database.
pub struct PgFixture {
    store: Option<PgStore>,
    // Dropped after the store (fields drop in order).
    pub db: TempDatabase,
}

impl PgFixture {
    pub fn new() -> Self {
        install_key();
        let db = TempDatabase::new();
        let store = PgStore::open(&db.url, CODE).unwrap();
        PgFixture {
            store: Some(store),
            db,
        }
    }

    pub fn boxed() -> Box<dyn Fixture> {
        Box::new(Self::new())
    }
}

const DROP_GUARD: &str = "
    DROP TRIGGER IF EXISTS journal_no_update ON journal;
    DROP TRIGGER IF EXISTS journal_no_delete ON journal;
    DROP TRIGGER IF EXISTS journal_no_truncate ON journal;
    DROP TRIGGER IF EXISTS journal_append_in_order ON journal;
";

impl Fixture for PgFixture {
    fn store(&mut self) -> &mut dyn JournalStore {
        self.store.as_mut().unwrap()
    }

    fn reopen(&mut self) {
        self.store = None;
        self.store = Some(PgStore::open(&self.db.url, CODE).unwrap());
    }

    fn open_another(&self) -> Box<dyn JournalStore> {
        Box::new(PgStore::open(&self.db.url, CODE).unwrap())
    }

    fn fail_inserts_of(&mut self, doc_no: &str) {
        let quoted = doc_no.replace('\'', "''");
        self.db
            .raw()
            .batch_execute(&format!(
                "CREATE FUNCTION test_injected_failure() RETURNS trigger LANGUAGE plpgsql AS $$
                 BEGIN
                     IF NEW.doc_no = '{quoted}' THEN RAISE EXCEPTION 'injected failure'; END IF;
                     RETURN NEW;
                 END $$;
                 CREATE TRIGGER test_injected_failure BEFORE INSERT ON journal
                     FOR EACH ROW EXECUTE FUNCTION test_injected_failure();"
            ))
            .unwrap();
    }

    fn allow_all_inserts(&mut self) {
        self.db
            .raw()
            .batch_execute(
                "DROP TRIGGER IF EXISTS test_injected_failure ON journal;
                 DROP FUNCTION IF EXISTS test_injected_failure();",
            )
            .unwrap();
    }

    fn tamper(&mut self, t: &Tamper, drop_guard: bool) -> Result<(), String> {
        let mut c = self.db.raw();
        if drop_guard {
            c.batch_execute(DROP_GUARD).unwrap();
        }
        fn set(
            c: &mut impl postgres::GenericClient,
            column: &str,
            seq: u64,
            value: &(dyn postgres::types::ToSql + Sync),
        ) -> Result<(), postgres::Error> {
            let n = c.execute(
                &format!("UPDATE journal SET {column} = $1 WHERE ledger = $2 AND seq = $3"),
                &[value, &CODE, &(seq as i64)],
            )?;
            assert_eq!(n, 1, "no entry {seq}");
            Ok(())
        }
        let res = match t {
            Tamper::Payload { seq, payload } => set(&mut c, "payload", *seq, payload),
            Tamper::DocNo { seq, doc_no } => set(&mut c, "doc_no", *seq, doc_no),
            Tamper::Effective { seq, text } => set(&mut c, "effective", *seq, text),
            Tamper::Actor { seq, actor } => set(&mut c, "actor", *seq, actor),
            Tamper::RecordedAt { seq, micros } => set(&mut c, "recorded_at", *seq, micros),
            Tamper::PrevHash { seq, hash } => set(&mut c, "prev_hash", *seq, &hash.as_slice()),
            Tamper::Hash { seq, hash } => set(&mut c, "hash", *seq, &hash.as_slice()),
            Tamper::Delete { seq } => c
                .execute(
                    "DELETE FROM journal WHERE ledger = $1 AND seq = $2",
                    &[&CODE, &(*seq as i64)],
                )
                .map(|n| assert_eq!(n, 1)),
            Tamper::DeleteFrom { seq } => c
                .execute(
                    "DELETE FROM journal WHERE ledger = $1 AND seq >= $2",
                    &[&CODE, &(*seq as i64)],
                )
                .map(|n| assert!(n > 0)),
            Tamper::Mac { seq, mac } => set(&mut c, "mac", *seq, mac),
            Tamper::Insert { entry: e } => c
                .execute(
                    "INSERT INTO journal (ledger, seq, doc_no, effective, recorded_at, actor, \
                     payload, prev_hash, hash) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)",
                    &[
                        &CODE,
                        &(e.seq as i64),
                        &e.doc_no,
                        &e.effective.format("%Y-%m-%d").to_string(),
                        &e.recorded_at.timestamp_micros(),
                        &e.actor,
                        &e.payload,
                        &e.prev_hash.as_slice(),
                        &e.hash.as_slice(),
                    ],
                )
                .map(drop),
            Tamper::SnapshotHead { seq, hash } => c
                .execute(
                    "UPDATE snapshot SET head_hash = $1 WHERE ledger = $2 AND seq = $3",
                    &[&hash.as_slice(), &CODE, &(*seq as i64)],
                )
                .map(|n| assert_eq!(n, 1)),
            Tamper::SwapPayloads { a, b } => (|| {
                let mut tx = c.transaction()?;
                let mut get = |seq: u64| -> Result<Vec<u8>, postgres::Error> {
                    Ok(tx
                        .query_one(
                            "SELECT payload FROM journal WHERE ledger = $1 AND seq = $2",
                            &[&CODE, &(seq as i64)],
                        )?
                        .get(0))
                };
                let (pa, pb) = (get(*a)?, get(*b)?);
                set(&mut tx, "payload", *a, &pb)?;
                set(&mut tx, "payload", *b, &pa)?;
                tx.commit()
            })(),
        };
        res.map_err(|e| match e.as_db_error() {
            Some(d) => d.message().to_string(),
            None => e.to_string(),
        })
    }

    fn stored_snapshot_seqs(&mut self) -> Vec<u64> {
        self.db
            .raw()
            .query(
                "SELECT seq FROM snapshot WHERE ledger = $1 ORDER BY seq",
                &[&CODE],
            )
            .unwrap()
            .iter()
            .map(|r| r.get::<_, i64>(0) as u64)
            .collect()
    }
}

/// Runs the body only when PostgreSQL tests are enabled.
macro_rules! pg_test {
    ($(#[$m:meta])* fn $name:ident() $body:block) => {
        $(#[$m])*
        #[test]
        fn $name() {
            if !enabled() {
                return;
            }
            $body
        }
    };
}

fn intact_entries(store: &dyn JournalStore) -> u64 {
    match store.verify().unwrap() {
        VerifyReport::Intact { entries, .. } => entries,
        broken => panic!("{broken:?}"),
    }
}

pg_test! {
    /// Each jurisdiction's journal, head, snapshots and settings are its own.
    fn several_ledgers_in_one_database() {
        let db = TempDatabase::new();
        let mut a = PgStore::open(&db.url, "320902").unwrap();
        let mut b = PgStore::open(&db.url, "320903").unwrap();
        a.set_meta("jurisdiction_name", "盐城市亭湖区").unwrap();
        b.set_meta("jurisdiction_name", "盐城市盐都区").unwrap();
        let sa = a.append(&entries(0, 3)).unwrap();
        let sb = b.append(&entries(10, 15)).unwrap();
        assert_eq!(sb[0].seq, 1, "each ledger numbers from 1");
        assert_eq!(scan_all(&a, 0), sa);
        assert_eq!(scan_all(&b, 0), sb);
        assert_eq!(intact_entries(&a), 3);
        assert_eq!(intact_entries(&b), 5);
        assert_eq!(a.head().unwrap(), Some((3, sa[2].hash)));
        assert_eq!(a.get_meta("jurisdiction_name").unwrap().as_deref(), Some("盐城市亭湖区"));
        assert_eq!(b.get_meta("jurisdiction_name").unwrap().as_deref(), Some("盐城市盐都区"));
        // Appending to one does not move the other's head.
        a.append_at(3, &entries(3, 4)).unwrap();
        b.append_at(5, &entries(15, 16)).unwrap();
        let ledgers = PgStore::list_ledgers(&db.url).unwrap();
        let listed: Vec<_> = ledgers
            .iter()
            .map(|l| (l.code.as_str(), l.name.as_deref(), l.entries))
            .collect();
        assert_eq!(
            listed,
            [("320902", Some("盐城市亭湖区"), 4), ("320903", Some("盐城市盐都区"), 6)]
        );
    }
}

pg_test! {
    fn read_only_and_missing_ledgers() {
        let db = TempDatabase::new();
        assert!(PgStore::list_ledgers(&db.url).unwrap().is_empty(), "no schema yet");
        let mut w = PgStore::open(&db.url, "320903").unwrap();
        w.append(&entries(0, 2)).unwrap();
        let mut r = PgStore::open_read_only(&db.url, "320903").unwrap();
        assert!(r.is_read_only());
        assert_eq!(scan_all(&r, 0), scan_all(&w, 0));
        let err = r.append(&entries(2, 3)).unwrap_err();
        assert!(matches!(err, StoreError::ServerReadOnly(_)), "{err:?}");
        assert_eq!(err.to_string(), "台账以只读方式打开，不能写入");
        assert!(r.set_meta("k", "v").is_err());
        assert_eq!(intact_entries(&w), 2);

        let err = PgStore::open_read_only(&db.url, "320999").unwrap_err();
        assert!(matches!(err, StoreError::NoSuchLedger { .. }), "{err:?}");
        assert_eq!(err.to_string(), "数据库中没有区划 320999 的台账（现有：320903）");
        assert!(PgStore::open_existing(&db.url, "320999").is_err());
        assert!(PgStore::open_existing(&db.url, "320903").is_ok());
        assert!(matches!(
            PgStore::open(&db.url, "32 09").unwrap_err(),
            StoreError::BadJurisdiction(_)
        ));
    }
}

pg_test! {
    fn unreachable_server_is_reported_without_password() {
        let err = PgStore::open(
            "postgres://someone:s3cret@127.0.0.1:1/nowhere?connect_timeout=2",
            "320903",
        )
        .unwrap_err();
        assert!(matches!(err, StoreError::Connect { .. }), "{err:?}");
        let shown = err.to_string();
        assert_eq!(shown, "无法连接数据库服务器 127.0.0.1:1/nowhere");
        assert!(!format!("{err:?}").contains("s3cret"));
    }
}

pg_test! {
    /// Servers starting together on an empty database create the schema once.
    fn concurrent_first_open_creates_the_schema_once() {
        let db = TempDatabase::new();
        let url = Arc::new(db.url.clone());
        let barrier = Arc::new(Barrier::new(4));
        let handles: Vec<_> = (0..4)
            .map(|i| {
                let (url, barrier) = (url.clone(), barrier.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    let code = if i % 2 == 0 { "320902" } else { "320903" };
                    PgStore::open(&url, code).map(|_| ())
                })
            })
            .collect();
        for h in handles {
            h.join().unwrap().unwrap();
        }
        assert_eq!(PgStore::list_ledgers(&db.url).unwrap().len(), 2);
    }
}

pg_test! {
    /// Many connections appending conditionally on the same head: exactly one
    /// wins each round, the journal stays gap-free and intact.
    fn racing_conditional_appends_have_one_winner() {
        let fx = PgFixture::new();
        let threads = 4;
        let rounds = 25;
        let barrier = Arc::new(Barrier::new(threads));
        let handles: Vec<_> = (0..threads)
            .map(|t| {
                let mut store = fx.open_another();
                let barrier = barrier.clone();
                std::thread::spawn(move || {
                    let mut wins = 0;
                    for round in 0..rounds {
                        barrier.wait();
                        let expected = round as u64;
                        match store.append_at(expected, &entries(t * 1000 + round, t * 1000 + round + 1)) {
                            Ok(_) => wins += 1,
                            Err(StoreError::HeadMoved { expected: e, found }) => {
                                assert_eq!((e, found), (expected, expected + 1));
                            }
                            Err(e) => panic!("{e:?}"),
                        }
                        barrier.wait();
                    }
                    wins
                })
            })
            .collect();
        let wins: usize = handles.into_iter().map(|h| h.join().unwrap()).sum();
        assert_eq!(wins, rounds, "exactly one winner per round");
        let store = fx.open_another();
        assert_eq!(intact_entries(&*store), rounds as u64);
    }
}

pg_test! {
    fn truncate_and_out_of_order_inserts_are_refused() {
        let mut fx = PgFixture::new();
        let all = fx.store().append(&entries(0, 4)).unwrap();
        let mut raw = fx.db.raw();
        let err = raw.batch_execute("TRUNCATE journal").unwrap_err();
        assert!(err.as_db_error().unwrap().message().contains("不能清空"), "{err}");
        let e = &all[1];
        for seq in [2i64, 7, 0, -1] {
            let r = raw.execute(
                "INSERT INTO journal VALUES ($1, $2, $3, '2021-01-01', 0, $4, $5, $6, $7)",
                &[&CODE, &seq, &e.doc_no, &e.actor, &e.payload, &e.prev_hash.as_slice(), &e.hash.as_slice()],
            );
            assert!(r.is_err(), "insert of seq {seq} allowed");
        }
        assert_eq!(scan_all(fx.store(), 0), all);
        assert_eq!(intact_entries(fx.store()), 4);
    }
}

pg_test! {
    /// A connection the server closed is replaced on the next call.
    fn reconnects_after_the_server_closes_the_connection() {
        let mut fx = PgFixture::new();
        fx.store().append(&entries(0, 2)).unwrap();
        let mut raw = fx.db.raw();
        raw.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity \
             WHERE datname = current_database() AND pid <> pg_backend_pid()",
            &[],
        )
        .unwrap();
        // The first call may find the connection gone; the next one reconnects.
        let first = fx.store().head();
        if let Err(e) = &first {
            assert!(
                matches!(e, StoreError::ConnectionLost(_) | StoreError::Server(_)),
                "{e:?}"
            );
        }
        assert_eq!(fx.store().head().unwrap().unwrap().0, 2);
        fx.store().append(&entries(2, 3)).unwrap();
        assert_eq!(intact_entries(fx.store()), 3);
    }
}

pg_test! {
    fn errors_do_not_show_sql() {
        let mut fx = PgFixture::new();
        fx.fail_inserts_of("BOOM");
        let mut batch = entries(0, 2);
        batch[1].doc_no = "BOOM".into();
        let err = fx.store().append(&batch).unwrap_err();
        assert_eq!(err.to_string(), "数据库读写失败");
        let source = std::error::Error::source(&err).unwrap();
        let db = source
            .downcast_ref::<postgres::Error>()
            .and_then(|e| e.as_db_error())
            .map(|d| d.message().to_string());
        assert_eq!(db.as_deref(), Some("injected failure"));
    }
}

pg_test! {
    /// Called from inside a multi-threaded tokio runtime (as a careless async
    /// handler would), the store steps aside instead of panicking.
    fn usable_from_a_tokio_worker() {
        let fx = PgFixture::new();
        let mut store = fx.open_another();
        let rt = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(1)
            .enable_all()
            .build()
            .unwrap();
        let n = rt.block_on(async move {
            tokio::spawn(async move {
                store.append(&entries(0, 3)).unwrap();
                scan_all(&*store, 0).len()
            })
            .await
            .unwrap()
        });
        assert_eq!(n, 3);
    }
}

pg_test! {
    /// A snapshot larger than one stored part (64 MiB) comes back whole, and
    /// replacing it removes all its parts.
    fn snapshot_in_several_parts() {
        let mut fx = PgFixture::new();
        let stored = fx.store().append(&entries(0, 3)).unwrap();
        let state: Vec<u8> = (0..(64usize << 20) * 2 + 12_345)
            .map(|i| (i % 251) as u8)
            .collect();
        let snap = bianzhi_store::Snapshot {
            seq: 3,
            head_hash: stored[2].hash,
            state,
        };
        fx.store().save_snapshot(&snap).unwrap();
        assert!(fx.store().latest_snapshot().unwrap() == Some(snap.clone()));
        let parts: i64 = fx
            .db
            .raw()
            .query_one("SELECT count(*) FROM snapshot_part", &[])
            .unwrap()
            .get(0);
        assert_eq!(parts, 3);
        let small = bianzhi_store::Snapshot {
            state: b"small".to_vec(),
            ..snap
        };
        fx.store().save_snapshot(&small).unwrap();
        assert_eq!(fx.store().latest_snapshot().unwrap(), Some(small));
        let parts: i64 = fx
            .db
            .raw()
            .query_one("SELECT count(*) FROM snapshot_part", &[])
            .unwrap()
            .get(0);
        assert_eq!(parts, 1);
    }
}

pg_test! {
    /// The append-in-order trigger reads the ledger's last entry through
    /// the primary key whatever plan its connection cached (a plan made
    /// while the journal was small could otherwise be a sequential scan,
    /// kept as it grows: every appended row reading the whole journal). A
    /// database of schema version 2 is brought to it when opened, and the
    /// check still refuses a row out of order.
    fn append_check_reads_by_the_key_on_new_and_upgraded_databases() {
        let db = TempDatabase::new();
        let config = |c: &mut Client| -> Option<Vec<String>> {
            c.query_one(
                "SELECT proconfig FROM pg_proc WHERE proname = 'journal_append_in_order'",
                &[],
            )
            .unwrap()
            .get(0)
        };
        let version = |c: &mut Client| -> i32 {
            c.query_one("SELECT MAX(version) FROM bianzhi_schema", &[])
                .unwrap()
                .get(0)
        };
        let mut store = PgStore::open(&db.url, CODE).unwrap();
        store.append(&entries(0, 3)).unwrap();
        let mut raw = db.raw();
        assert_eq!(config(&mut raw), Some(vec!["enable_seqscan=off".to_string()]));
        assert_eq!(version(&mut raw), 3);
        // As a database of version 2 was.
        raw.batch_execute(
            "ALTER FUNCTION journal_append_in_order() RESET ALL; \
             ALTER TABLE bianzhi_schema DISABLE TRIGGER ALL; \
             DELETE FROM bianzhi_schema WHERE version = 3;",
        )
        .unwrap();
        assert_eq!(config(&mut raw), None);
        drop(store);
        let mut store = PgStore::open(&db.url, CODE).unwrap();
        assert_eq!(config(&mut raw), Some(vec!["enable_seqscan=off".to_string()]));
        assert_eq!(version(&mut raw), 3);
        store.append_at(3, &entries(3, 5)).unwrap();
        assert_eq!(intact_entries(&store), 5);
        // Out of order: refused by the trigger.
        let err = raw
            .execute(
                "INSERT INTO journal (ledger, seq, doc_no, effective, recorded_at, actor, \
                 payload, prev_hash, hash) VALUES ($1, 9, 'x', '2024-01-01', 0, 'x', '', '', '')",
                &[&CODE],
            )
            .unwrap_err();
        let msg = err.as_db_error().map(|e| e.message().to_string()).unwrap_or_default();
        assert!(msg.contains("按序号依次追加"), "{err:?}");
    }
}
