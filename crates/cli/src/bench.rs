//! `bianzhi bench`: throughput and latency on a generated province-scale ledger.
//! Figures, not pass/fail: the machines are noisy, so each figure is printed
//! beside a baseline measured in the same run where one exists.

use std::time::Instant;

use anyhow::Result;
use bianzhi_core::{query, State, UnitId};
use bianzhi_store::{Db, SqliteStore};
use chrono::{Datelike, Duration, NaiveDate};
use clap::Args;

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// 机构数
    #[arg(long, default_value_t = 50_000)]
    units: usize,
    /// 人数
    #[arg(long, default_value_t = 2_000_000)]
    people: usize,
    /// 持久化登记的批大小
    #[arg(long, default_value_t = 1_000)]
    batch: usize,
    /// 持久化登记测量的事项数上限（0 = 全部）
    #[arg(long, default_value_t = 0)]
    durable_limit: usize,
    /// 随机种子
    #[arg(long, default_value_t = 1)]
    seed: u64,
    /// 日常小事项（每条一项操作）的持久化登记条数
    #[arg(long, default_value_t = 100_000)]
    small: usize,
}

fn rate(n: f64, secs: f64) -> String {
    let r = n / secs;
    if r >= 1e6 {
        format!("{:.2} 百万/秒", r / 1e6)
    } else {
        format!("{:.0} /秒", r)
    }
}

/// A small deterministic PRNG for picking query targets.
struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }
}

pub fn run(a: BenchArgs) -> Result<std::process::ExitCode> {
    println!(
        "基准：合成省级台账 {} 个机构、{} 人（种子 {}）",
        a.units, a.people, a.seed
    );
    let t = Instant::now();
    let matters = bianzhi_demo::synthetic_province(a.units, a.people, a.seed);
    let ops: usize = matters.iter().map(|m| m.ops.len()).sum();
    println!(
        "生成：{} 条事项，{} 项操作（事件），用时 {:.2} 秒",
        matters.len(),
        ops,
        t.elapsed().as_secs_f64()
    );

    // 1. In-memory replay of decoded matters (every rule checked, no undo
    // log, tables sized first: `Ledger::from_journal`), then the same matters applied
    // as live ones (undo-logged, so a refusal changes nothing) into a second
    // state held beside the first (so neither reuses the other's memory).
    let t = Instant::now();
    let st = bianzhi_core::replay(
        &State::new("320000", "江苏省"),
        matters.iter().enumerate().map(|(i, m)| (i as u64 + 1, m)),
    )
    .map_err(|e| anyhow::anyhow!("合成事项未通过：{e}"))?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "内存重放（已解码）：{} 事项，{} 事件，用时 {:.2} 秒",
        rate(matters.len() as f64, secs),
        rate(ops as f64, secs),
        secs
    );
    let t = Instant::now();
    let mut live = State::new("320000", "江苏省");
    for (i, m) in matters.iter().enumerate() {
        live.apply(i as u64 + 1, m)
            .map_err(|e| anyhow::anyhow!("第 {} 条合成事项未通过：{e}", i + 1))?;
    }
    let secs = t.elapsed().as_secs_f64();
    println!(
        "内存逐条登记（已解码，含撤销日志）：{} 事项，{} 事件，用时 {:.2} 秒",
        rate(matters.len() as f64, secs),
        rate(ops as f64, secs),
        secs
    );
    drop(live);
    let people = st.persons.iter().flatten().count();
    let units = st.units.iter().flatten().count();
    println!("  台账规模：{units} 个机构，{people} 人");

    // 2. As-of queries.
    let first = matters.first().map(|m| m.effective).unwrap_or_default();
    let last = st.max_effective.unwrap_or(first);
    let span = last.signed_duration_since(first).num_days().max(1) as u64;
    let mut rng = Rng(a.seed);
    let n = 20_000;
    let picks: Vec<(UnitId, NaiveDate)> = (0..n)
        .map(|_| {
            (
                UnitId(rng.below(st.units.len() as u64) as u32),
                first + Duration::days(rng.below(span) as i64),
            )
        })
        .collect();
    let t = Instant::now();
    let mut sink = 0usize;
    for (u, d) in &picks {
        sink += query::quota_table(&st, *u, *d).len() + query::post_table(&st, *u, *d).len();
    }
    let asof = t.elapsed().as_secs_f64() / n as f64;
    let t = Instant::now();
    for (u, _) in &picks {
        sink += st.unit_accounts(*u).count() + st.unit_posts(*u).count();
    }
    let current = t.elapsed().as_secs_f64() / n as f64;
    println!(
        "单位编制情况表+领导职数情况表（任意时点）：平均 {:.2} 微秒/次（基线：读当前值 {:.2} 微秒/次，{n} 次）",
        asof * 1e6,
        current * 1e6
    );

    // 3. Province roll-up as of a date.
    let dates: Vec<NaiveDate> = (0..5)
        .map(|i| first + Duration::days((span * (i + 1) / 5) as i64))
        .collect();
    let t = Instant::now();
    for d in &dates {
        sink += query::rollup(&st, *d, None).accounts;
    }
    let roll = t.elapsed().as_secs_f64() / dates.len() as f64;
    println!(
        "全省汇总（任意时点，{} 个编制账户）：平均 {:.1} 毫秒/次",
        st.accounts.len(),
        roll * 1e3
    );
    drop(st);

    // 4. Durable apply on SQLite, batched, through the full recording path.
    let dir = std::env::temp_dir().join(format!("bianzhi-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let path = dir.join("bench.db");
    let limit = if a.durable_limit == 0 {
        matters.len()
    } else {
        a.durable_limit.min(matters.len())
    };
    let mut db = Db::init(Box::new(SqliteStore::open(&path)?), "320000", "江苏省")?;
    let t = Instant::now();
    let mut durable_ops = 0usize;
    for m in matters.iter().take(limit) {
        durable_ops += m.ops.len();
        let at = m.recorded_at;
        db.submit_batched(m.clone(), at, a.batch)?;
    }
    db.flush()?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "持久化登记（SQLite，WAL，synchronous=FULL，每批 {}）：{} 事项，{} 事件，用时 {:.2} 秒（{} 条）",
        a.batch,
        rate(limit as f64, secs),
        rate(durable_ops as f64, secs),
        secs,
        limit
    );

    // 4b. Day-to-day matters: one operation each (锁定 / 解锁 on accounts with a
    // vacancy), recorded durably in batches on top of the province ledger.
    let keys: Vec<bianzhi_core::model::AccountKey> = db
        .state()
        .accounts
        .values()
        .filter(|a| a.counts.available() >= 1 && !a.digesting)
        .map(|a| a.key)
        .take(10_000)
        .collect();
    if !keys.is_empty() && a.small > 0 {
        let eff = db.state().max_effective.unwrap_or(first);
        let now = chrono::Utc::now();
        let t = Instant::now();
        for i in 0..a.small {
            let k = keys[(i / 2) % keys.len()];
            let account = bianzhi_core::AccountRef {
                unit: bianzhi_core::UnitRef::Id(k.unit),
                qtype: bianzhi_core::CatRef::Id(k.qtype.0),
                funding: bianzhi_core::CatRef::Id(k.funding.0 as u16),
            };
            let op = if i % 2 == 0 {
                bianzhi_core::Op::LockQuota {
                    account,
                    count: 1,
                    purpose: "基准".into(),
                }
            } else {
                bianzhi_core::Op::UnlockQuota { account, count: 1 }
            };
            let m = bianzhi_core::Matter {
                doc: bianzhi_core::ident::parse_doc_no(&format!("苏编〔2030〕{}号", i + 1))?,
                effective: eff,
                recorded_at: now,
                actor: "基准".into(),
                reason: String::new(),
                ops: vec![op],
                warnings: Vec::new(),
                attachments: Vec::new(),
                corrects: None,
                supplements: None,
            };
            db.submit_batched(m, now, a.batch)?;
        }
        db.flush()?;
        let secs = t.elapsed().as_secs_f64();
        println!(
            "持久化登记日常小事项（每条 1 项操作，每批 {}）：{} 事项，用时 {:.2} 秒（{} 条）",
            a.batch,
            rate(a.small as f64, secs),
            secs,
            a.small
        );
    }
    db.snapshot()?;
    drop(db);

    // 5. Replay from the journal (read + decode + apply), and start from a snapshot.
    let t = Instant::now();
    let db = Db::open_without_snapshot(Box::new(SqliteStore::open(&path)?))?;
    let secs = t.elapsed().as_secs_f64();
    println!(
        "从 SQLite 流水重放（读取+解码+应用）：{} 事项，{} 事件，用时 {:.2} 秒",
        rate(limit as f64, secs),
        rate(durable_ops as f64, secs),
        secs
    );
    drop(db);
    let t = Instant::now();
    let db = Db::open(Box::new(SqliteStore::open(&path)?))?;
    println!(
        "从快照启动（含读取流水）：用时 {:.2} 秒（快照 {}）",
        t.elapsed().as_secs_f64(),
        if db.load_stats.from_snapshot {
            "已用"
        } else {
            "未用"
        }
    );
    drop(db);
    // BIANZHI_BENCH_KEEP=<file>: keep the ledger there (to time a start-up
    // from its snapshot in a process of its own, e.g. `bianzhi --database
    // <file> summary` under `/usr/bin/time -v`).
    if let Some(keep) = std::env::var_os("BIANZHI_BENCH_KEEP") {
        std::fs::rename(&path, &keep)?;
        println!("台账已保留：{}", std::path::Path::new(&keep).display());
    }
    let _ = std::fs::remove_dir_all(&dir);
    // Keep the optimiser from dropping the query loops.
    if sink == usize::MAX || last.year() == 0 {
        println!();
    }
    Ok(std::process::ExitCode::SUCCESS)
}
