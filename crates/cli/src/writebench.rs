//! Write-path benchmark: matters recorded by several writers at once, the
//! way 编办 clerks and other systems record them, on a SQLite file or (with
//! `--pg`) in a PostgreSQL database made for the run and dropped after.
//! Printed beside the baseline of the same run: the same writers each
//! recording its matter in a transaction of its own behind one lock (the
//! write path before group commit). Both are durable (one fsync per
//! transaction) and answer each matter only once it is written.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::Result;
use bianzhi_core::Matter;
use bianzhi_store::{Db, SqliteStore, SqliteWorkflow};
use bianzhi_web::matters::service::MatterInput;
use bianzhi_web::App;
use chrono::Utc;
use clap::Args;
use serde_json::json;

#[derive(Args)]
pub struct BenchWriteArgs {
    /// 同时登记的客户端数（可多次给出，如 --writers 1 --writers 16）
    #[arg(long, default_values_t = vec![1, 16, 64])]
    pub writers: Vec<usize>,
    /// 每轮登记的事项数
    #[arg(long, default_value_t = 2000)]
    pub matters: usize,
    /// 改在 PostgreSQL 上测（服务器地址，如 postgres://postgres@127.0.0.1:5432/postgres；
    /// 每轮新建一个临时数据库，测完删除）
    #[arg(long)]
    pub pg: Option<String>,
}

/// Where a round's two ledgers (baseline and group commit) are kept.
pub(crate) enum Backend {
    Sqlite(TempDir),
    Postgres {
        server: String,
        name: String,
        url: String,
    },
}

impl Backend {
    pub(crate) fn new(pg: Option<&str>, w: usize) -> Result<Backend> {
        Ok(match pg {
            None => Backend::Sqlite(TempDir::new(w)?),
            Some(server) => {
                let name = format!("bianzhi_bench_write_{}_{w}", std::process::id());
                bianzhi_store::PgStore::drop_database(server, &name)?;
                let url = bianzhi_store::PgStore::create_database(server, &name)?;
                Backend::Postgres {
                    server: server.to_string(),
                    name,
                    url,
                }
            }
        })
    }

    /// A ledger (`which` 1 or 2) with the setup matter recorded.
    pub(crate) fn db(&self, which: u8) -> Result<Db> {
        let store: Box<dyn bianzhi_store::JournalStore> = match self {
            Backend::Sqlite(d) => {
                Box::new(SqliteStore::open(&d.path().join(format!("{which}.db")))?)
            }
            Backend::Postgres { url, .. } => {
                Box::new(bianzhi_store::PgStore::open(url, &format!("99000{which}"))?)
            }
        };
        let mut db = Db::init(store, &format!("99000{which}"), "压力测试")?;
        db.submit(setup(), Utc::now())?;
        Ok(db)
    }

    pub(crate) fn workflow(&self, which: u8) -> Result<Box<dyn bianzhi_store::WorkflowStore>> {
        Ok(match self {
            Backend::Sqlite(d) => {
                Box::new(SqliteWorkflow::open(&d.path().join(format!("{which}.db")))?)
            }
            Backend::Postgres { url, .. } => Box::new(bianzhi_store::PgWorkflow::open(
                url,
                &format!("99000{which}"),
            )?),
        })
    }
}

impl Drop for Backend {
    fn drop(&mut self) {
        if let Backend::Postgres { server, name, .. } = self {
            let _ = bianzhi_store::PgStore::drop_database(server, name);
        }
    }
}

const UNIT: &str = "压力测试中心";

fn setup() -> Matter {
    serde_json::from_value(json!({
        "doc": "测编〔2026〕1号", "effective": "2026-01-01", "recorded_at": Utc::now(),
        "actor": "压力测试", "reason": "建账",
        "ops": [
            {"op": "create_unit", "name": UNIT, "kind": "事业单位", "rank": "股级"},
            {"op": "set_quota", "unit": UNIT, "qtype": "事业编制", "funding": "全额拨款", "count": 1}
        ]
    }))
    .expect("setup matter")
}

pub(crate) fn one_op(n: usize) -> serde_json::Value {
    json!({"doc": format!("测编〔2026〕{}号", n + 2), "effective": "2026-01-02",
           "ops": [{"op": "increase_quota", "unit": UNIT, "qtype": "事业编制",
                    "funding": "全额拨款", "count": 1}]})
}

pub(crate) struct Run {
    pub(crate) per_sec: f64,
    pub(crate) p50: Duration,
    pub(crate) p99: Duration,
}

/// `writers` threads record `n` matters between them with `record`; the
/// rate and the latency of each matter.
fn run(writers: usize, n: usize, record: impl Fn(usize) + Sync) -> Run {
    let next = std::sync::atomic::AtomicUsize::new(0);
    let lat = Mutex::new(Vec::with_capacity(n));
    let t0 = Instant::now();
    std::thread::scope(|s| {
        for _ in 0..writers {
            s.spawn(|| loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= n {
                    break;
                }
                let t = Instant::now();
                record(i);
                lat.lock().unwrap().push(t.elapsed());
            });
        }
    });
    let took = t0.elapsed();
    let mut lat = lat.into_inner().unwrap();
    lat.sort_unstable();
    let at = |q: f64| lat[((lat.len() as f64 - 1.0) * q).round() as usize];
    Run {
        per_sec: n as f64 / took.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
    }
}

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1000.0)
}

/// The plain-SQL application the write path is compared with (the kind of
/// system a 编办 might write by hand): per matter one transaction that locks
/// the unit's quota row, checks the vacancy, inserts the person and counts
/// them, committed durably. `clients` connections, `n` transactions, over
/// 100 units with room for all.
pub(crate) fn plain_sql(url: &str, clients: usize, n: usize) -> Result<Run> {
    let mut c = postgres::Client::connect(url, postgres::NoTls)?;
    c.batch_execute(
        "DROP TABLE IF EXISTS baseline_person, baseline_quota;
         CREATE TABLE baseline_quota (unit int PRIMARY KEY, approved int NOT NULL, actual int NOT NULL);
         CREATE TABLE baseline_person (id bigserial PRIMARY KEY, unit int NOT NULL REFERENCES baseline_quota,
                                       name text NOT NULL, id_number text NOT NULL);
         INSERT INTO baseline_quota SELECT u, 1000000, 0 FROM generate_series(0, 99) u;",
    )?;
    let clients: Vec<Mutex<postgres::Client>> = (0..clients)
        .map(|_| postgres::Client::connect(url, postgres::NoTls).map(Mutex::new))
        .collect::<Result<_, _>>()?;
    let slot = std::sync::atomic::AtomicUsize::new(0);
    thread_local!(static MINE: std::cell::Cell<Option<usize>> = const { std::cell::Cell::new(None) });
    let r = run(clients.len(), n, |i| {
        let k = MINE.with(|m| {
            m.get().unwrap_or_else(|| {
                let k = slot.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                m.set(Some(k));
                k
            })
        });
        let mut c = clients[k % clients.len()].lock().unwrap();
        let mut tx = c.transaction().expect("begin");
        let unit = (i % 100) as i32;
        let row = tx
            .query_one(
                "SELECT approved, actual FROM baseline_quota WHERE unit = $1 FOR UPDATE",
                &[&unit],
            )
            .expect("quota row");
        let (approved, actual): (i32, i32) = (row.get(0), row.get(1));
        if actual < approved {
            tx.execute(
                "INSERT INTO baseline_person (unit, name, id_number) VALUES ($1, $2, $3)",
                &[&unit, &format!("测试{i}"), &format!("{:018}", i)],
            )
            .expect("person");
            tx.execute(
                "UPDATE baseline_quota SET actual = actual + 1 WHERE unit = $1",
                &[&unit],
            )
            .expect("count");
        }
        tx.commit().expect("commit");
    });
    let mut c = postgres::Client::connect(url, postgres::NoTls)?;
    c.batch_execute("DROP TABLE baseline_person, baseline_quota")?;
    Ok(r)
}

pub fn bench(args: BenchWriteArgs) -> Result<()> {
    let user = bianzhi_web::auth::User {
        id: 0,
        login: "bench".into(),
        name: "压力测试".into(),
        role: bianzhi_web::auth::Role::OfficeClerk,
        roles: vec![bianzhi_web::auth::Role::OfficeClerk],
        unit: None,
        scope: None,
        csrf: String::new(),
        session: String::new(),
        token: false,
    };
    println!(
        "事项登记（写入）基准：{}，每轮 {} 件单项事项（核增编制 1 名），每件落盘后才应答",
        if args.pg.is_some() {
            "PostgreSQL"
        } else {
            "SQLite 文件"
        },
        args.matters
    );
    println!("基线：各客户端逐件在各自的事务中登记（组提交之前的写入方式）\n");
    let mut plain16 = None;
    if let Some(server) = &args.pg {
        let b = Backend::new(Some(server), 0)?;
        if let Backend::Postgres { url, .. } = &b {
            for c in [4, 16] {
                let r = plain_sql(url, c, args.matters)?;
                if c == 16 {
                    plain16 = Some(r.per_sec);
                }
                println!(
                    "普通 SQL 应用（锁定编制行、核对空编、插入人员、更新实有，每件一个事务）{c:>3} 个客户端：{:>8.0} 件/秒（p50 {}，p99 {}）",
                    r.per_sec,
                    ms(r.p50),
                    ms(r.p99)
                );
            }
            println!();
        }
    }
    for &w in &args.writers {
        let backend = Backend::new(args.pg.as_deref(), w)?;
        // Baseline: one transaction (and fsync) per matter behind one lock.
        let db = Mutex::new(backend.db(1)?);
        let base = run(w, args.matters, |i| {
            let m: Matter = serde_json::from_value({
                let mut v = one_op(i);
                v["recorded_at"] = json!(Utc::now());
                v["actor"] = json!("压力测试");
                v
            })
            .expect("matter");
            db.lock().unwrap().submit(m, Utc::now()).expect("recorded");
        });
        // Group commit through the application, as the API records.
        let app = App::new(backend.db(2)?, backend.workflow(2)?);
        let app: Arc<App> = app;
        let group = run(w, args.matters, |i| {
            let input: MatterInput = serde_json::from_value(one_op(i)).expect("input");
            app.record_matter(&user, input).expect("recorded");
        });
        println!(
            "{w:>3} 个客户端：组提交 {:>8.0} 件/秒（p50 {}，p99 {}）；基线 {:>8.0} 件/秒（p50 {}，p99 {}）；倍数 {:.2}",
            group.per_sec,
            ms(group.p50),
            ms(group.p99),
            base.per_sec,
            ms(base.p50),
            ms(base.p99),
            group.per_sec / base.per_sec
        );
        if let Some(p) = plain16 {
            println!(
                "      组提交对普通 SQL 应用（16 个客户端）的倍数：{:.2}",
                group.per_sec / p
            );
        }
    }
    Ok(())
}

/// A directory of its own under the system's temporary directory, removed
/// when dropped.
pub(crate) struct TempDir(std::path::PathBuf);

impl TempDir {
    fn new(w: usize) -> Result<TempDir> {
        let p =
            std::env::temp_dir().join(format!("bianzhi-bench-write-{}-{w}", std::process::id()));
        std::fs::create_dir_all(&p)?;
        Ok(TempDir(p))
    }
    fn path(&self) -> &std::path::Path {
        &self.0
    }
}

impl Drop for TempDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}
