//! Where a ledger lives, and the commands that work across databases:
//! `db copy`, `db ledgers`, `db bench`, `rollup`.
//!
//! A ledger is named by a SQLite path (`bianzhi.db`, `sqlite:bianzhi.db`) or a
//! PostgreSQL address (`postgres://user@host:port/dbname?ledger=320903`). One
//! PostgreSQL database holds the ledgers of several jurisdictions; `ledger=`
//! picks one by its 区划 code and may be left out when the database holds only
//! one. [`open_any`] is what every command (and `serve`) opens a ledger with.

use std::io::{BufRead, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::{Duration, Instant};

use anyhow::{bail, Context, Result};
use bianzhi_core::query;
use bianzhi_core::{Matter, UnitId};
use bianzhi_store::{
    is_postgres_url, Db, DbError, HeadFile, JournalStore, NewEntry, PgStore, SqliteStore,
    VerifyReport,
};
use chrono::{Datelike, NaiveDate, Utc};
use clap::{Args, Subcommand};

/// A ledger's location.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Target {
    Sqlite(PathBuf),
    Postgres {
        /// The address without our own `ledger=` parameter.
        url: String,
        /// 区划 code from `ledger=` (or `jurisdiction=`).
        ledger: Option<String>,
    },
}

impl Target {
    pub fn parse(s: &str) -> Target {
        let t = s.trim();
        if is_postgres_url(t) {
            let (base, query) = match t.split_once('?') {
                Some((b, q)) => (b, q),
                None => (t, ""),
            };
            let mut ledger = None;
            let mut rest = Vec::new();
            for kv in query.split('&').filter(|kv| !kv.is_empty()) {
                match kv.split_once('=') {
                    Some(("ledger" | "jurisdiction", v)) => ledger = Some(v.to_string()),
                    _ => rest.push(kv),
                }
            }
            let url = if rest.is_empty() {
                base.to_string()
            } else {
                format!("{base}?{}", rest.join("&"))
            };
            return Target::Postgres { url, ledger };
        }
        let path = t
            .strip_prefix("sqlite://")
            .or_else(|| t.strip_prefix("sqlite:"))
            .unwrap_or(t);
        Target::Sqlite(PathBuf::from(path))
    }

    /// For messages: the path, or the address without password and with the
    /// ledger.
    pub fn describe(&self) -> String {
        match self {
            Target::Sqlite(p) => p.display().to_string(),
            Target::Postgres { url, ledger } => {
                let shown = redact(url);
                match ledger {
                    Some(l) => format!("{shown}（台账 {l}）"),
                    None => shown,
                }
            }
        }
    }
}

fn redact(url: &str) -> String {
    match (url.find("://"), url.rfind('@')) {
        (Some(s), Some(at)) if at > s => {
            let user = url[s + 3..at].split(':').next().unwrap_or("");
            format!("{}{user}@{}", &url[..s + 3], &url[at + 1..])
        }
        _ => url.to_string(),
    }
}

/// Whether `path` (as given to `--db` / `--database`) is a PostgreSQL address.
pub fn is_url(path: &Path) -> bool {
    path.to_str().is_some_and(is_postgres_url)
}

/// `sqlite:PATH` → `PATH`; anything else unchanged.
pub fn normalise(path: PathBuf) -> PathBuf {
    match path.to_str().map(Target::parse) {
        Some(Target::Sqlite(p)) => p,
        _ => path,
    }
}

/// The ledger code to use in a PostgreSQL database: the one named, or the
/// only one there is.
fn choose_ledger(url: &str, named: Option<&str>) -> Result<String> {
    if let Some(code) = named {
        return Ok(code.to_string());
    }
    let ledgers =
        PgStore::list_ledgers(url).with_context(|| format!("无法读取 {}", redact(url)))?;
    match ledgers.as_slice() {
        [] => bail!(
            "数据库 {} 中还没有台账：请先运行 bianzhi init 或 bianzhi demo",
            redact(url)
        ),
        [one] => Ok(one.code.clone()),
        many => bail!(
            "数据库 {} 中有多个台账（{}），请在地址后加 ?ledger=区划代码 指定",
            redact(url),
            many.iter()
                .map(|l| format!("{} {}", l.code, l.name.as_deref().unwrap_or("")))
                .collect::<Vec<_>>()
                .join("、")
        ),
    }
}

/// Opens the ledger at `url_or_path`: a SQLite file (created if missing) or
/// an existing ledger in a PostgreSQL database. The store is synchronous: an
/// async server calls it (through [`Db`]) from `spawn_blocking` or a thread of
/// its own.
///
/// The store keeps its head file ([`head_file`]): every append records the
/// signed head there, and `verify` compares it.
pub fn open_any(url_or_path: &str) -> Result<Box<dyn JournalStore>> {
    open_with_heads(&Target::parse(url_or_path), None)
}

/// Like [`open_any`], but creates the PostgreSQL ledger of `code` if the
/// database has none yet (for `init` and `demo`).
pub fn open_any_for(url_or_path: &str, code: &str) -> Result<Box<dyn JournalStore>> {
    open_with_heads(&Target::parse(url_or_path), Some(code))
}

fn open_with_heads(t: &Target, create: Option<&str>) -> Result<Box<dyn JournalStore>> {
    let mut store = open_target(t, create)?;
    let code = match t {
        Target::Sqlite(_) => String::new(),
        Target::Postgres { .. } => store
            .get_meta("jurisdiction_code")?
            .unwrap_or_else(|| create.map(str::to_string).unwrap_or_default()),
    };
    store.set_head_file(head_file(t, &code));
    Ok(store)
}

/// Where the signed checkpoint of a ledger's heads (journal and audit trail)
/// is kept, outside the database: `BIANZHI_HEAD_FILE`; else beside a SQLite
/// file (`<database>.head`, like its default key); else, for PostgreSQL,
/// beside `BIANZHI_KEY_FILE` (`<key file>.<dbname>-<code>.head`). PostgreSQL
/// without a key file has none (nothing would sign it).
pub fn head_file(t: &Target, code: &str) -> Option<HeadFile> {
    if let Some(p) = std::env::var_os("BIANZHI_HEAD_FILE").filter(|p| !p.is_empty()) {
        return Some(HeadFile::new(p));
    }
    match t {
        Target::Sqlite(p) => Some(HeadFile::beside(p)),
        Target::Postgres { url, .. } => {
            let key = std::env::var_os("BIANZHI_KEY_FILE").filter(|p| !p.is_empty())?;
            let path = url.split('?').next().unwrap_or(url);
            let after_host = path.split_once("://").map_or(path, |(_, r)| r);
            let db = after_host
                .split_once('/')
                .map(|(_, d)| d)
                .filter(|d| !d.is_empty())
                .unwrap_or("postgres");
            let safe = |s: &str| -> String {
                s.chars()
                    .map(|c| {
                        if c.is_ascii_alphanumeric() || c == '_' || c == '-' {
                            c
                        } else {
                            '_'
                        }
                    })
                    .collect()
            };
            let mut p = key;
            p.push(format!(".{}-{}.head", safe(db), safe(code)));
            Some(HeadFile::new(p))
        }
    }
}

fn open_target(t: &Target, create: Option<&str>) -> Result<Box<dyn JournalStore>> {
    match t {
        Target::Sqlite(path) => {
            Ok(Box::new(SqliteStore::open(path).with_context(|| {
                format!("无法打开数据库 {}", path.display())
            })?))
        }
        Target::Postgres { url, ledger } => {
            if let (Some(named), Some(code)) = (ledger, create) {
                if named != code {
                    bail!("地址指定的台账 {named} 与区划代码 {code} 不一致");
                }
            }
            let store = match create {
                Some(code) => PgStore::open(url, code),
                None => PgStore::open_existing(url, &choose_ledger(url, ledger.as_deref())?),
            }
            .with_context(|| format!("无法打开 {}", t.describe()))?;
            Ok(Box::new(store))
        }
    }
}

/// Opens a ledger for reading only (copy source, roll-up).
fn open_read_only(t: &Target) -> Result<Box<dyn JournalStore>> {
    match t {
        Target::Sqlite(path) => {
            if !path.exists() {
                bail!("数据库 {} 不存在", path.display());
            }
            open_target(t, None)
        }
        Target::Postgres { url, ledger } => {
            let code = choose_ledger(url, ledger.as_deref())?;
            Ok(Box::new(
                PgStore::open_read_only(url, &code)
                    .with_context(|| format!("无法打开 {}", t.describe()))?,
            ))
        }
    }
}

// ---- bianzhi db … ---------------------------------------------------------

#[derive(Args)]
pub struct DbArgs {
    #[command(subcommand)]
    command: DbCommand,
}

#[derive(Subcommand)]
enum DbCommand {
    /// 复制整本台账（流水连同哈希、设置、最新快照）到另一数据库，复制后校验哈希链并核对报表。
    /// 例：bianzhi db copy --from sqlite:bianzhi.db --to postgres://postgres@127.0.0.1/bianzhi
    Copy {
        /// 源：SQLite 文件（sqlite:路径）或 PostgreSQL 地址（postgres://…?ledger=区划代码）
        #[arg(long)]
        from: String,
        /// 目标：须为空台账（SQLite 文件不存在，或 PostgreSQL 库中尚无该区划的事项）
        #[arg(long)]
        to: String,
    },
    /// 列出 PostgreSQL 数据库中的台账
    Ledgers,
    /// 性能基准：SQLite 与 PostgreSQL 上的逐条持久化登记、批量登记、重放，以及两台服务器之间的追赶延迟
    Bench(BenchArgs),
    /// 规模模拟：在一个 PostgreSQL 库中建立多个合成区县台账，测量存储、只读汇总与内存，
    /// 并按实测的单台账成本推算到省级与全国
    Simulate(SimArgs),
    /// （测试用）服务进程：载入台账后逐行读取 JSON 事项并登记，每条回一行结果
    #[command(hide = true)]
    Worker,
}

pub fn db(database: &Path, args: DbArgs) -> Result<ExitCode> {
    match args.command {
        DbCommand::Copy { from, to } => copy(&Target::parse(&from), &Target::parse(&to)),
        DbCommand::Ledgers => ledgers(database),
        DbCommand::Bench(a) => bench(database, a),
        DbCommand::Simulate(a) => simulate(database, a),
        DbCommand::Worker => worker(database),
    }
}

fn ledgers(database: &Path) -> Result<ExitCode> {
    let Target::Postgres { url, .. } = Target::parse(&database.to_string_lossy()) else {
        bail!("请用 --database postgres://… 指定 PostgreSQL 数据库");
    };
    let list = PgStore::list_ledgers(&url).with_context(|| format!("无法读取 {}", redact(&url)))?;
    if list.is_empty() {
        println!("数据库中还没有台账");
    }
    for l in list {
        println!(
            "{}  {}  {} 条事项",
            l.code,
            l.name.as_deref().unwrap_or("（未初始化）"),
            l.entries
        );
    }
    Ok(ExitCode::SUCCESS)
}

// ---- copy -----------------------------------------------------------------

const META_KEYS: [&str; 2] = ["jurisdiction_code", "jurisdiction_name"];
const COPY_BATCH: usize = 2_000;

fn copy(from: &Target, to: &Target) -> Result<ExitCode> {
    if from == to {
        bail!("源与目标相同");
    }
    let started = Instant::now();
    // Personal data in the payloads is sealed under the source's key: the
    // copy moves the sealed bytes as stored (so the hashes stay), and reading
    // them back for the report check needs that key. Without BIANZHI_KEY_FILE
    // a SQLite source's key is the file beside it.
    let mut source_key = None;
    if std::env::var_os("BIANZHI_KEY_FILE").is_none() {
        if let Target::Sqlite(p) = from {
            let kp = bianzhi_store::pii::key_path(p);
            if kp.exists() {
                let key = bianzhi_store::pii::PiiKey::load_or_create(&kp)
                    .with_context(|| format!("无法读取密钥文件 {}", kp.display()))?;
                bianzhi_store::pii::install(Some(key));
                source_key = Some(kp);
            }
        }
    }
    if let (Some(_), Target::Sqlite(to)) = (&source_key, to) {
        let tk = bianzhi_store::pii::key_path(to);
        if tk.exists() {
            bail!("目标密钥文件 {} 已存在，请指定新文件", tk.display());
        }
    }
    let src = open_read_only(from)?;
    let code = src
        .get_meta("jurisdiction_code")?
        .with_context(|| format!("{} 尚未建立台账", from.describe()))?;
    let name = src.get_meta("jurisdiction_name")?.unwrap_or_default();
    // 1. The source must verify: a copy never launders a broken chain.
    let (total, src_head) = match src.verify()? {
        VerifyReport::Intact { entries, head } => (entries, head),
        VerifyReport::Broken {
            seq,
            doc_no,
            reason,
        } => bail!("源台账校验失败，未复制：第 {seq} 条事项（{doc_no}）：{reason}"),
    };
    println!(
        "源：{}  {name}（{code}），{total} 条事项，哈希链完整",
        from.describe()
    );

    // 2. An empty target. A SQLite target is written to a temporary file and
    //    renamed at the end, so it appears whole or not at all.
    let (to_open, sqlite_final) = match to {
        Target::Sqlite(path) => {
            if path.exists() {
                bail!("目标文件 {} 已存在，请指定新文件", path.display());
            }
            let mut tmp = path.as_os_str().to_owned();
            tmp.push(".partial");
            let tmp = PathBuf::from(tmp);
            remove_sqlite(&tmp);
            (Target::Sqlite(tmp), Some(path.clone()))
        }
        Target::Postgres { url, ledger } => {
            if let Some(l) = ledger {
                if *l != code {
                    bail!("目标地址指定的台账 {l} 与源台账的区划 {code} 不一致");
                }
            }
            (
                Target::Postgres {
                    url: url.clone(),
                    ledger: Some(code.clone()),
                },
                None,
            )
        }
    };
    let result = copy_into(&*src, &to_open, &code, &name, total, src_head);
    match (&result, &sqlite_final, &to_open) {
        (Ok(()), Some(fin), Target::Sqlite(tmp)) => {
            std::fs::rename(tmp, fin)
                .with_context(|| format!("无法将 {} 改名为 {}", tmp.display(), fin.display()))?;
        }
        (Err(_), Some(_), Target::Sqlite(tmp)) => remove_sqlite(tmp),
        _ => {}
    }
    result?;
    let final_target = match (sqlite_final, to_open) {
        (Some(p), _) => Target::Sqlite(p),
        (None, t) => t,
    };
    match (&source_key, &final_target) {
        // A SQLite ledger keeps its key beside it: the copy gets the same key
        // (std::fs::copy keeps the 0600 permissions).
        (Some(kp), Target::Sqlite(p)) => {
            let tk = bianzhi_store::pii::key_path(p);
            std::fs::copy(kp, &tk).with_context(|| format!("无法复制密钥文件到 {}", tk.display()))?;
            println!("个人信息密钥已随台账复制到 {}", tk.display());
        }
        (Some(kp), Target::Postgres { .. }) => println!(
            "注意：身份证号等个人信息仍以 {} 中的密钥加密保存；使用该 PostgreSQL 台账时请设置 BIANZHI_KEY_FILE={}",
            kp.display(),
            kp.display()
        ),
        _ => {}
    }

    // 3. Check the target as it will be used: chain, then reports.
    let dst = open_target(&final_target, None)?;
    match dst.verify()? {
        VerifyReport::Intact { entries, head } if entries == total && head == src_head => {
            println!("目标哈希链完整：{entries} 条事项，链头与源一致");
        }
        other => bail!("目标台账校验失败：{other:?}"),
    }
    let a = Db::open_without_snapshot(src)?;
    let b = Db::open(dst)?;
    let (dates, units) = compare_reports(&a, &b)?;
    println!(
        "报表核对一致：{dates} 个时点 × {units} 个机构（编制情况表、领导职数情况表）及全区汇总{}",
        if b.load_stats.from_snapshot {
            "（目标从复制的快照启动）"
        } else {
            ""
        }
    );
    println!(
        "已复制到 {}，用时 {:.1} 秒",
        final_target.describe(),
        started.elapsed().as_secs_f64()
    );
    Ok(ExitCode::SUCCESS)
}

fn remove_sqlite(path: &Path) {
    for suffix in ["", "-wal", "-shm"] {
        let mut p = path.as_os_str().to_owned();
        p.push(suffix);
        let _ = std::fs::remove_file(PathBuf::from(p));
    }
}

fn copy_into(
    src: &dyn JournalStore,
    to: &Target,
    code: &str,
    name: &str,
    total: u64,
    src_head: bianzhi_store::Hash,
) -> Result<()> {
    let mut dst = open_target(to, Some(code))?;
    if let Some((n, _)) = dst.head()? {
        bail!("目标 {} 已有 {n} 条事项，只能复制到空台账", to.describe());
    }
    if Db::is_initialised(&*dst)? {
        bail!("目标 {} 已建立台账，只能复制到空台账", to.describe());
    }
    let pb = crate::progress(total, "复制台账流水");
    let mut batch: Vec<NewEntry> = Vec::with_capacity(COPY_BATCH);
    let mut hashes = Vec::with_capacity(COPY_BATCH);
    let mut written = 0u64;
    let mut flush = |batch: &mut Vec<NewEntry>,
                     hashes: &mut Vec<(u64, bianzhi_store::Hash)>,
                     dst: &mut Box<dyn JournalStore>|
     -> Result<()> {
        if batch.is_empty() {
            return Ok(());
        }
        let stored = dst.append_at(written, batch)?;
        // The target recomputes each hash from the same fields, seq and
        // predecessor: it must be the hash stored in the source.
        for (e, (seq, h)) in stored.iter().zip(hashes.iter()) {
            if e.seq != *seq || e.hash != *h {
                bail!("第 {seq} 条事项复制后哈希与源不一致");
            }
        }
        written += stored.len() as u64;
        pb.set_position(written);
        batch.clear();
        hashes.clear();
        Ok(())
    };
    let mut failure = None;
    src.scan(0, &mut |e| {
        hashes.push((e.seq, e.hash));
        batch.push(NewEntry {
            doc_no: e.doc_no,
            effective: e.effective,
            recorded_at: e.recorded_at,
            actor: e.actor,
            payload: e.payload,
        });
        if batch.len() >= COPY_BATCH {
            if let Err(err) = flush(&mut batch, &mut hashes, &mut dst) {
                failure = Some(err);
                return Err(bianzhi_store::StoreError::corrupt("复制中止"));
            }
        }
        Ok(())
    })
    .map_err(|e| match failure.take() {
        Some(f) => f,
        None => e.into(),
    })?;
    flush(&mut batch, &mut hashes, &mut dst)?;
    pb.finish_and_clear();
    if dst.head()?.map(|(_, h)| h) != Some(src_head).filter(|_| total > 0) {
        bail!("复制后的链头与源不一致");
    }
    // The latest snapshot, if it still matches the journal.
    if let Some(s) = src.latest_snapshot()? {
        let mut matches = false;
        src.scan(s.seq.saturating_sub(1), &mut |e| {
            if e.seq == s.seq {
                matches = e.hash == s.head_hash;
            }
            Err(bianzhi_store::StoreError::corrupt("够了"))
        })
        .ok();
        if matches {
            dst.save_snapshot(&s)?;
        }
    }
    // Settings last: a target without them is not a ledger yet.
    for key in META_KEYS {
        let value = match key {
            "jurisdiction_code" => Some(code.to_string()),
            "jurisdiction_name" => Some(name.to_string()),
            _ => src.get_meta(key)?,
        };
        if let Some(v) = value {
            dst.set_meta(key, &v)?;
        }
    }
    println!("已写入 {written} 条事项");
    Ok(())
}

/// Dates to compare reports at: the first and last effective dates, points in
/// between, each year end, and today.
fn report_dates(st: &Db) -> Vec<NaiveDate> {
    let dates: Vec<NaiveDate> = st.ledger().entries().iter().map(|e| e.effective).collect();
    let (Some(first), Some(last)) = (dates.iter().min(), dates.iter().max()) else {
        return vec![Utc::now().date_naive()];
    };
    let span = (*last - *first).num_days();
    let mut out: Vec<NaiveDate> = (0..=4)
        .map(|i| *first + chrono::Duration::days(span * i / 4))
        .collect();
    for y in first.year()..=last.year() {
        if let Some(d) = NaiveDate::from_ymd_opt(y, 12, 31) {
            out.push(d);
        }
    }
    out.push(Utc::now().date_naive());
    out.sort();
    out.dedup();
    out
}

/// Compares the reports of two ledgers; returns (dates, units) compared.
fn compare_reports(a: &Db, b: &Db) -> Result<(usize, usize)> {
    let (sa, sb) = (a.state(), b.state());
    if sa.units.len() != sb.units.len() || sa.persons.len() != sb.persons.len() {
        bail!(
            "报表核对不一致：机构 {} / {}，人员 {} / {}",
            sa.units.len(),
            sb.units.len(),
            sa.persons.len(),
            sb.persons.len()
        );
    }
    let dates = report_dates(a);
    for d in &dates {
        let (va, vb) = (a.ledger().view_at(*d), b.ledger().view_at(*d));
        if query::rollup(&va, *d, None) != query::rollup(&vb, *d, None)
            || query::jurisdiction_total(&va, *d) != query::jurisdiction_total(&vb, *d)
        {
            bail!("报表核对不一致：{d} 全区汇总不同");
        }
        for u in 0..sa.units.len() as u32 {
            let u = UnitId(u);
            if query::quota_table(&va, u, *d) != query::quota_table(&vb, u, *d)
                || query::post_table(&va, u, *d) != query::post_table(&vb, u, *d)
            {
                bail!(
                    "报表核对不一致：{d} {} 的编制或职数情况表不同",
                    va.unit_name(u)
                );
            }
        }
    }
    Ok((dates.len(), sa.units.len()))
}

// ---- rollup ---------------------------------------------------------------

#[derive(Args)]
pub struct RollupArgs {
    /// 统计时点（YYYY-MM-DD，默认今天）
    #[arg(long)]
    as_of: Option<String>,
    /// 只汇总某上级区划之下的台账，如 320900（盐城市）或 320000（江苏省）
    #[arg(long)]
    under: Option<String>,
    /// 汇总下级报来的统计年报数据文件（bianzhi report statistics --json 导出），
    /// 逐表逐行相加；格式版本或统计时点不一致的文件拒绝汇总
    #[arg(long, num_args = 1.., value_name = "FILE")]
    from: Vec<PathBuf>,
    /// 汇总单位的区划代码（与 --from 同用）
    #[arg(long, requires = "from")]
    code: Option<String>,
    /// 汇总单位名称，如 盐城市（与 --from 同用）
    #[arg(long, requires = "from")]
    name: Option<String>,
    /// 汇总结果写入 JSON 数据文件（与 --from 同用，可再向上报送）
    #[arg(long, requires = "from")]
    json: Option<PathBuf>,
    /// 汇总结果写入 xlsx（与 --from 同用）
    #[arg(long, requires = "from")]
    xlsx: Option<PathBuf>,
}

/// `bianzhi rollup --from FILE…`: adds up the 统计年报 files the
/// jurisdictions below sent (their format version and 统计时点 must agree).
fn rollup_files(args: RollupArgs) -> Result<ExitCode> {
    use bianzhi_reports::statistics::{self, Jurisdiction, Statistics};
    let mut parts = Vec::new();
    for f in &args.from {
        let text = std::fs::read_to_string(f)
            .with_context(|| format!("无法读取统计年报数据文件 {}", f.display()))?;
        let s = Statistics::from_json(&text)
            .with_context(|| format!("统计年报数据文件 {} 不能汇总", f.display()))?;
        parts.push(s);
    }
    if let Some(d) = args.as_of.as_deref() {
        let date = crate::parse_date(Some(d))?;
        if let Some(p) = parts.iter().find(|p| p.as_of != date) {
            bail!(
                "统计时点不一致：要求 {date}，{}的年报为 {}",
                p.jurisdiction.name,
                p.as_of
            );
        }
    }
    let up = Jurisdiction {
        code: args.code.unwrap_or_default(),
        name: args
            .name
            .unwrap_or_else(|| format!("{} 个区划合计", parts.len())),
    };
    let sum = statistics::sum(&parts, up)?;
    println!(
        "汇总 {} 个区划的统计年报：{}",
        sum.includes.len(),
        sum.includes
            .iter()
            .map(|j| format!("{}（{}）", j.name, j.code))
            .collect::<Vec<_>>()
            .join("、")
    );
    crate::reportcmd::write_statistics(&sum, args.json.as_deref(), args.xlsx.as_deref())
}

/// `bianzhi rollup`: an upper level reads each jurisdiction's ledger in the
/// database (read-only) and adds up their figures.
pub fn rollup(database: &Path, args: RollupArgs) -> Result<ExitCode> {
    if !args.from.is_empty() {
        return rollup_files(args);
    }
    let date = crate::parse_date(args.as_of.as_deref())?;
    let target = Target::parse(&database.to_string_lossy());
    let codes: Vec<String> = match &target {
        Target::Postgres { url, ledger: None } => {
            let prefix = args.under.as_deref().map(|c| {
                let mut p = c.trim();
                while p.len() > 2 && p.ends_with("00") {
                    p = &p[..p.len() - 2];
                }
                p.to_string()
            });
            PgStore::list_ledgers(url)
                .with_context(|| format!("无法读取 {}", redact(url)))?
                .into_iter()
                .filter(|l| l.name.is_some())
                .filter(|l| prefix.as_deref().is_none_or(|p| l.code.starts_with(p)))
                .map(|l| l.code)
                .collect()
        }
        Target::Postgres {
            ledger: Some(l), ..
        } => vec![l.clone()],
        Target::Sqlite(_) => vec![String::new()],
    };
    if codes.is_empty() {
        bail!("{} 中没有可汇总的台账", target.describe());
    }
    let mut rows = Vec::new();
    let mut total = bianzhi_core::model::Counts::default();
    let mut over = 0;
    let mut by_type: std::collections::BTreeMap<String, (bianzhi_core::model::Counts, i32)> =
        Default::default();
    let mut matters = 0u64;
    let mut units = 0usize;
    for code in &codes {
        let t = match &target {
            Target::Postgres { url, .. } => Target::Postgres {
                url: url.clone(),
                ledger: Some(code.clone()),
            },
            t => t.clone(),
        };
        let db =
            Db::open(open_read_only(&t)?).with_context(|| format!("无法载入 {}", t.describe()))?;
        let st = db.ledger().view_at(date);
        let r = query::rollup(&st, date, None);
        let n_units = query::units_at(&st, date).len();
        for (q, c) in &r.by_type {
            let e = by_type.entry(st.qtype_name(*q)).or_default();
            e.0.add(c);
            e.1 += r.over_by_type.get(q).copied().unwrap_or(0);
        }
        total.add(&r.total);
        over += r.over;
        matters += db.load_stats.matters;
        units += n_units;
        rows.push(vec![
            st.jurisdiction.code.clone(),
            st.jurisdiction.name.clone(),
            db.load_stats.matters.to_string(),
            n_units.to_string(),
            r.total.approved.to_string(),
            r.total.actual.to_string(),
            r.total.frozen.to_string(),
            r.total.available().to_string(),
            r.over.to_string(),
        ]);
    }
    println!(
        "{} 个区划台账汇总  统计时点：{date}（各台账只读载入）\n",
        codes.len()
    );
    rows.push(vec![
        "合计".into(),
        String::new(),
        matters.to_string(),
        units.to_string(),
        total.approved.to_string(),
        total.actual.to_string(),
        total.frozen.to_string(),
        total.available().to_string(),
        over.to_string(),
    ]);
    print_table(
        &[
            "区划代码",
            "名称",
            "事项",
            "机构",
            "核定",
            "实有",
            "冻结",
            "可用空编",
            "超编",
        ],
        &rows,
        2,
    );
    println!();
    let rows: Vec<Vec<String>> = by_type
        .iter()
        .map(|(name, (c, o))| {
            vec![
                name.clone(),
                c.approved.to_string(),
                c.actual.to_string(),
                c.frozen.to_string(),
                c.available().to_string(),
                o.to_string(),
            ]
        })
        .collect();
    print_table(
        &["编制类型", "核定", "实有", "冻结", "可用空编", "超编"],
        &rows,
        1,
    );
    Ok(ExitCode::SUCCESS)
}

/// Prints a table; columns from `numeric_from` on are right-aligned.
fn print_table(head: &[&str], rows: &[Vec<String>], numeric_from: usize) {
    use unicode_width::UnicodeWidthStr;
    let mut w: Vec<usize> = head.iter().map(|h| h.width()).collect();
    for r in rows {
        for (i, c) in r.iter().enumerate() {
            w[i] = w[i].max(c.width());
        }
    }
    let line = |cells: Vec<&str>| {
        let s: Vec<String> = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                let pad = " ".repeat(w[i] - c.width());
                if i >= numeric_from {
                    format!("{pad}{c}")
                } else {
                    format!("{c}{pad}")
                }
            })
            .collect();
        println!("{}", s.join("  ").trim_end());
    };
    line(head.to_vec());
    for r in rows {
        line(r.iter().map(String::as_str).collect());
    }
}

// ---- worker (race tests) --------------------------------------------------

/// A long-running "server" for tests: loads the ledger once, then records each
/// JSON matter read from a line of standard input, answering one line:
/// `ok SEQ`, `refused MESSAGE` or `error MESSAGE`. `catch-up` answers
/// `caught-up N`.
fn worker(database: &Path) -> Result<ExitCode> {
    let mut db = Db::open(open_any(&database.to_string_lossy())?)?;
    let stdout = std::io::stdout();
    writeln!(stdout.lock(), "ready {}", db.durable_seq())?;
    for line in std::io::stdin().lock().lines() {
        let line = line?;
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let answer = if line == "catch-up" {
            match db.catch_up() {
                Ok(n) => format!("caught-up {n}"),
                Err(e) => format!("error {e}"),
            }
        } else {
            match serde_json::from_str::<Matter>(line) {
                Err(e) => format!("error 事项格式不对：{e}"),
                Ok(m) => match db.submit(m, Utc::now()) {
                    Ok((seq, _)) => format!("ok {seq}"),
                    Err(DbError::Refused(e)) => format!("refused {e}"),
                    Err(e) => format!("error {e}"),
                },
            }
        };
        let mut o = stdout.lock();
        writeln!(o, "{}", answer.replace('\n', " "))?;
        o.flush()?;
    }
    Ok(ExitCode::SUCCESS)
}

// ---- bench ----------------------------------------------------------------

#[derive(Args, Debug)]
pub struct BenchArgs {
    /// 合成台账的机构数
    #[arg(long, default_value_t = 2_000)]
    units: usize,
    /// 合成台账的人数
    #[arg(long, default_value_t = 100_000)]
    people: usize,
    /// 逐条持久化登记（每条一个事务）的事项数
    #[arg(long, default_value_t = 2_000)]
    single: usize,
    /// 追赶延迟的测量次数
    #[arg(long, default_value_t = 300)]
    rounds: usize,
    /// 多台账并行：同时写入的台账数（每个台账一个写入线程、一个连接）
    #[arg(long, default_value_t = 8)]
    ledgers: usize,
    /// 只测 SQLite（即使给了 PostgreSQL 地址）
    #[arg(long)]
    sqlite_only: bool,
}

fn rate(n: f64, secs: f64) -> String {
    format!("{:.0} /秒", n / secs)
}

fn percentile(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    let i = ((v.len() as f64 - 1.0) * p).round() as usize;
    v[i].as_secs_f64() * 1e3
}

/// A one-operation day-to-day matter (锁定 / 解锁 one slot of an account
/// with a vacancy), resolved by id.
fn small_matter(i: usize, key: &bianzhi_core::model::AccountKey, eff: NaiveDate) -> Result<Matter> {
    let account = bianzhi_core::AccountRef {
        unit: bianzhi_core::UnitRef::Id(key.unit),
        qtype: bianzhi_core::CatRef::Id(key.qtype.0),
        funding: bianzhi_core::CatRef::Id(key.funding.0 as u16),
    };
    let op = if i.is_multiple_of(2) {
        bianzhi_core::Op::LockQuota {
            account,
            count: 1,
            purpose: "基准".into(),
        }
    } else {
        bianzhi_core::Op::UnlockQuota { account, count: 1 }
    };
    Ok(Matter {
        doc: bianzhi_core::ident::parse_doc_no(&format!("苏编〔2030〕{}号", i + 1))?,
        effective: eff,
        recorded_at: Utc::now(),
        actor: "基准".into(),
        reason: String::new(),
        ops: vec![op],
        warnings: Vec::new(),
        attachments: Vec::new(),
        corrects: None,
        supplements: None,
    })
}

/// What one backend measured.
struct Figures {
    bytes_per_entry: f64,
    snapshot_mb: f64,
    parallel: Vec<(usize, f64)>,
    batched: f64,
    single: f64,
    single_p50_ms: f64,
    replay: f64,
    scan: f64,
    snapshot_start_s: f64,
    catch_up_p50_ms: f64,
    catch_up_p99_ms: f64,
    visible_p50_ms: f64,
    contended: f64,
    conflicts: (usize, usize),
}

fn bench(database: &Path, a: BenchArgs) -> Result<ExitCode> {
    let server = match Target::parse(&database.to_string_lossy()) {
        Target::Postgres { url, .. } if !a.sqlite_only => Some(url),
        _ => None,
    };
    println!(
        "基准：合成台账 {} 个机构、{} 人；逐条登记 {} 条；追赶测量 {} 次",
        a.units, a.people, a.single, a.rounds
    );
    let t = Instant::now();
    let matters = bianzhi_demo::synthetic_province(a.units, a.people, 1);
    println!(
        "生成 {} 条事项，用时 {:.1} 秒",
        matters.len(),
        t.elapsed().as_secs_f64()
    );
    let dir = std::env::temp_dir().join(format!("bianzhi-dbbench-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let sqlite = dir.join("bench.db");
    let sqlite_size = || -> Result<(u64, u64)> {
        let mut n = 0;
        for suffix in ["", "-wal"] {
            let mut p = sqlite.as_os_str().to_owned();
            p.push(suffix);
            n += std::fs::metadata(PathBuf::from(p)).map_or(0, |m| m.len());
        }
        Ok((n, u64::MAX))
    };
    let sqlite_figures = bench_backend(
        "SQLite",
        &|| Ok(Box::new(SqliteStore::open(&sqlite)?) as Box<dyn JournalStore>),
        &|code| {
            Ok(
                Box::new(SqliteStore::open(&dir.join(format!("{code}.db")))?)
                    as Box<dyn JournalStore>,
            )
        },
        &sqlite_size,
        &matters,
        &a,
    );
    let _ = std::fs::remove_dir_all(&dir);
    let sqlite_figures = sqlite_figures?;
    let pg_figures = match &server {
        None => None,
        Some(url) => {
            let name = format!("bianzhi_bench_{}", std::process::id());
            let db_url = PgStore::create_database(url, &name)
                .with_context(|| format!("无法在 {} 上建立基准用数据库", redact(url)))?;
            let r = bench_backend(
                "PostgreSQL",
                &|| Ok(Box::new(PgStore::open(&db_url, "320000")?) as Box<dyn JournalStore>),
                &|code| Ok(Box::new(PgStore::open(&db_url, code)?) as Box<dyn JournalStore>),
                &|| Ok(PgStore::open(&db_url, "320000")?.table_sizes()?),
                &matters,
                &a,
            );
            let _ = PgStore::drop_database(url, &name);
            Some(r?)
        }
    };
    println!();
    let mut rows = Vec::new();
    let mut row = |label: &str, f: &dyn Fn(&Figures) -> String| {
        let mut r = vec![label.to_string(), f(&sqlite_figures)];
        if let Some(p) = &pg_figures {
            r.push(f(p));
        }
        rows.push(r);
    };
    row("批量登记（每批 1000，事项/秒）", &|f| {
        format!("{:.0}", f.batched)
    });
    row(
        "逐条持久化登记（每条一个事务，事项/秒）",
        &|f| format!("{:.0}", f.single),
    );
    row("  单条登记耗时中位数（毫秒）", &|f| {
        format!("{:.2}", f.single_p50_ms)
    });
    row(
        "两台服务器同时登记同一台账（事项/秒）",
        &|f| format!("{:.0}", f.contended),
    );
    row("  其中冲突后重试 / 总数", &|f| {
        format!("{} / {}", f.conflicts.0, f.conflicts.1)
    });
    for (i, (n, _)) in sqlite_figures.parallel.iter().enumerate() {
        row(
            &format!("{n} 个台账并行逐条登记（合计事项/秒）"),
            &|f| format!("{:.0}", f.parallel[i].1),
        );
    }
    row("重放（读取+解码+应用，事项/秒）", &|f| {
        format!("{:.0}", f.replay)
    });
    row("  仅读取流水（条/秒）", &|f| {
        format!("{:.0}", f.scan)
    });
    row("从快照启动（秒）", &|f| {
        format!("{:.2}", f.snapshot_start_s)
    });
    let known = |x: f64, digits: usize| {
        if x.is_nan() {
            "—".to_string()
        } else {
            format!("{x:.digits$}")
        }
    };
    row("流水每条事项占用（字节，含索引）", &|f| {
        known(f.bytes_per_entry, 0)
    });
    row("快照（MB，保留 3 份）", &|f| {
        known(f.snapshot_mb, 1)
    });
    row("追赶延迟：catch_up 中位数（毫秒）", &|f| {
        format!("{:.2}", f.catch_up_p50_ms)
    });
    row("  catch_up 99 分位（毫秒）", &|f| {
        format!("{:.2}", f.catch_up_p99_ms)
    });
    row("  A 提交起到 B 可见，中位数（毫秒）", &|f| {
        format!("{:.2}", f.visible_p50_ms)
    });
    let mut head = vec!["", "SQLite"];
    if pg_figures.is_some() {
        head.push("PostgreSQL");
    }
    print_table(&head, &rows, 1);
    Ok(ExitCode::SUCCESS)
}

/// A small ledger for the parallel-ledgers run: one unit with room to lock
/// and unlock.
fn tiny_setup() -> Result<Matter> {
    Ok(serde_json::from_value(serde_json::json!({
        "doc": "基编〔2030〕1号", "effective": "2030-01-02", "recorded_at": Utc::now(),
        "actor": "基准", "reason": "基准",
        "ops": [
            {"op": "create_unit", "name": "基准局", "kind": "政府工作部门", "rank": "正科级"},
            {"op": "set_quota", "unit": "基准局", "qtype": "行政编制", "funding": "全额拨款", "count": 100}
        ]
    }))?)
}

fn tiny_matter(i: usize) -> Result<Matter> {
    let op = if i.is_multiple_of(2) {
        serde_json::json!({"op": "lock_quota", "unit": "基准局", "qtype": "行政编制",
                           "funding": "全额拨款", "count": 1, "purpose": "基准"})
    } else {
        serde_json::json!({"op": "unlock_quota", "unit": "基准局", "qtype": "行政编制",
                           "funding": "全额拨款", "count": 1})
    };
    Ok(serde_json::from_value(serde_json::json!({
        "doc": format!("基编〔2030〕{}号", i + 2), "effective": "2030-01-02",
        "recorded_at": Utc::now(), "actor": "基准", "ops": [op]
    }))?)
}

/// `n` ledgers written at once, one thread and connection each, every matter
/// its own transaction; returns the total rate.
fn parallel_ledgers(
    n: usize,
    per_ledger: usize,
    open_ledger: &(dyn Fn(&str) -> Result<Box<dyn JournalStore>> + Sync),
) -> Result<f64> {
    let mut dbs = Vec::new();
    for i in 0..n {
        let code = format!("39{n:02}{i:02}");
        let mut db = Db::init(open_ledger(&code)?, &code, &format!("基准区{i}"))?;
        if db.durable_seq() == 0 {
            db.submit(tiny_setup()?, Utc::now())?;
        }
        dbs.push(db);
    }
    let barrier = std::sync::Barrier::new(n);
    let t = Instant::now();
    std::thread::scope(|s| -> Result<()> {
        let handles: Vec<_> = dbs
            .iter_mut()
            .map(|db| {
                let barrier = &barrier;
                s.spawn(move || -> Result<()> {
                    barrier.wait();
                    for i in 0..per_ledger {
                        db.submit(tiny_matter(i)?, Utc::now())?;
                    }
                    Ok(())
                })
            })
            .collect();
        for h in handles {
            h.join().expect("thread")?;
        }
        Ok(())
    })?;
    Ok((n * per_ledger) as f64 / t.elapsed().as_secs_f64())
}

fn bench_backend(
    label: &str,
    open: &dyn Fn() -> Result<Box<dyn JournalStore>>,
    open_ledger: &(dyn Fn(&str) -> Result<Box<dyn JournalStore>> + Sync),
    sizes: &dyn Fn() -> Result<(u64, u64)>,
    matters: &[Matter],
    a: &BenchArgs,
) -> Result<Figures> {
    println!("\n== {label}");
    // 1. Batched durable apply of the synthetic ledger.
    let mut db = Db::init(open()?, "320000", "江苏省")?;
    let t = Instant::now();
    for m in matters {
        db.submit_batched(m.clone(), m.recorded_at, 1_000)?;
    }
    db.flush()?;
    let secs = t.elapsed().as_secs_f64();
    let batched = matters.len() as f64 / secs;
    println!(
        "批量登记：{}（{} 条，{:.1} 秒）",
        rate(matters.len() as f64, secs),
        matters.len(),
        secs
    );

    // 2. One matter per transaction, as a server acknowledges each.
    let keys: Vec<bianzhi_core::model::AccountKey> = db
        .state()
        .accounts
        .values()
        .filter(|x| x.counts.available() >= 1 && !x.digesting)
        .map(|x| x.key)
        .take(1_000)
        .collect();
    if keys.is_empty() {
        bail!("合成台账中没有空编账户");
    }
    let eff = db
        .state()
        .max_effective
        .unwrap_or_else(|| Utc::now().date_naive());
    let mut lat = Vec::with_capacity(a.single);
    let t = Instant::now();
    for i in 0..a.single {
        let m = small_matter(i, &keys[(i / 2) % keys.len()], eff)?;
        let t1 = Instant::now();
        db.submit(m, Utc::now())?;
        lat.push(t1.elapsed());
    }
    let secs = t.elapsed().as_secs_f64();
    let single = a.single as f64 / secs;
    let single_p50_ms = percentile(&mut lat, 0.5);
    println!(
        "逐条持久化登记：{}（中位 {:.2} 毫秒/条）",
        rate(a.single as f64, secs),
        single_p50_ms
    );

    // 3. Catch-up between two servers: A records one matter; B catches up.
    let mut b = Db::open(open()?)?;
    let mut catch = Vec::with_capacity(a.rounds);
    let mut visible = Vec::with_capacity(a.rounds);
    let base = a.single + 2;
    for i in 0..a.rounds {
        let m = small_matter(base + i, &keys[(i / 2) % keys.len()], eff)?;
        let t0 = Instant::now();
        db.submit(m, Utc::now())?;
        let t1 = Instant::now();
        let n = b.catch_up()?;
        let done = Instant::now();
        debug_assert_eq!(n, 1);
        catch.push(done - t1);
        visible.push(done - t0);
    }
    let catch_up_p50_ms = percentile(&mut catch, 0.5);
    let catch_up_p99_ms = percentile(&mut catch, 0.99);
    let visible_p50_ms = percentile(&mut visible, 0.5);
    println!(
        "追赶：catch_up 中位 {:.2} 毫秒，99 分位 {:.2} 毫秒；A 提交起到 B 可见中位 {:.2} 毫秒",
        catch_up_p50_ms, catch_up_p99_ms, visible_p50_ms
    );

    // 4. Two servers recording concurrently on one ledger (threads, each with
    //    its own connection): every matter lands once; lost races retry.
    let n_each = (a.single / 2).max(1);
    let start_seq = db.durable_seq();
    drop(b);
    let mut second = Db::open(open()?)?;
    let barrier = std::sync::Arc::new(std::sync::Barrier::new(2));
    let t = Instant::now();
    let keys2 = keys.clone();
    let b2 = barrier.clone();
    let other = std::thread::spawn(move || -> Result<u64> {
        b2.wait();
        for i in 0..n_each {
            // Disjoint accounts from the other thread: no refusals, only races.
            let k = &keys2[keys2.len() / 2 + (i / 2) % (keys2.len() / 2).max(1)];
            second.submit(small_matter(900_000 + i, k, eff)?, Utc::now())?;
        }
        Ok(second.conflicts())
    });
    barrier.wait();
    for i in 0..n_each {
        let k = &keys[(i / 2) % (keys.len() / 2).max(1)];
        db.submit(small_matter(800_000 + i, k, eff)?, Utc::now())?;
    }
    let other_conflicts = other.join().expect("thread")?;
    let secs = t.elapsed().as_secs_f64();
    let contended = (2 * n_each) as f64 / secs;
    db.catch_up()?;
    let landed = (db.durable_seq() - start_seq) as usize;
    if landed != 2 * n_each {
        bail!("两台服务器登记 {} 条，流水中只有 {landed} 条", 2 * n_each);
    }
    let conflicts = ((db.conflicts() + other_conflicts) as usize, 2 * n_each);
    println!(
        "两台服务器同时登记：{}（{} 条全部入账）",
        rate((2 * n_each) as f64, secs),
        2 * n_each
    );
    db.snapshot()?;
    let total = db.durable_seq();
    drop(db);
    // (u64::MAX: the backend cannot tell the snapshots apart from the rest.)
    let (journal_bytes, snapshot_bytes) = sizes()?;
    let (bytes_per_entry, snapshot_mb) = if snapshot_bytes == u64::MAX {
        (f64::NAN, f64::NAN)
    } else {
        (
            journal_bytes as f64 / total as f64,
            snapshot_bytes as f64 / 1e6,
        )
    };

    // 5. Replay and start-up.
    let store = open()?;
    let t = Instant::now();
    let mut n = 0u64;
    store.scan(0, &mut |_| {
        n += 1;
        Ok(())
    })?;
    let scan = n as f64 / t.elapsed().as_secs_f64();
    let t = Instant::now();
    let db = Db::open_without_snapshot(store)?;
    let secs = t.elapsed().as_secs_f64();
    let replay = total as f64 / secs;
    println!(
        "重放：{}（{total} 条，{:.1} 秒）；仅读取 {}",
        rate(total as f64, secs),
        secs,
        rate(scan, 1.0)
    );
    drop(db);
    let t = Instant::now();
    let db = Db::open(open()?)?;
    let snapshot_start_s = t.elapsed().as_secs_f64();
    println!(
        "从快照启动：{snapshot_start_s:.2} 秒（快照{}）",
        if db.load_stats.from_snapshot {
            "已用"
        } else {
            "未用"
        }
    );
    drop(db);

    // 6. Several ledgers written at once (different jurisdictions never wait
    //    for each other).
    let mut parallel = Vec::new();
    for n in [1, a.ledgers.max(2) / 2, a.ledgers.max(2)] {
        if parallel.iter().any(|(m, _)| *m == n) {
            continue;
        }
        let per = (a.single / n).clamp(25, 1_000);
        let r = parallel_ledgers(n, per, open_ledger)?;
        println!("{n} 个台账并行逐条登记：合计 {}", rate(r, 1.0));
        parallel.push((n, r));
    }
    Ok(Figures {
        bytes_per_entry,
        snapshot_mb,
        parallel,
        batched,
        single,
        single_p50_ms,
        replay,
        scan,
        snapshot_start_s,
        catch_up_p50_ms,
        catch_up_p99_ms,
        visible_p50_ms,
        contended,
        conflicts,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn targets() {
        assert_eq!(
            Target::parse("sqlite:a/b.db"),
            Target::Sqlite("a/b.db".into())
        );
        assert_eq!(
            Target::parse("sqlite:///tmp/x.db"),
            Target::Sqlite("/tmp/x.db".into())
        );
        assert_eq!(Target::parse("b.db"), Target::Sqlite("b.db".into()));
        assert_eq!(
            Target::parse("postgres://u@h/db?ledger=320903&sslmode=disable"),
            Target::Postgres {
                url: "postgres://u@h/db?sslmode=disable".into(),
                ledger: Some("320903".into())
            }
        );
        assert_eq!(
            Target::parse("postgresql://u:pw@h/db"),
            Target::Postgres {
                url: "postgresql://u:pw@h/db".into(),
                ledger: None
            }
        );
        assert_eq!(
            Target::parse("postgresql://u:pw@h/db?ledger=1").describe(),
            "postgresql://u@h/db（台账 1）"
        );
        assert!(is_url(Path::new("postgres://h/db")));
        assert_eq!(normalise("sqlite:x.db".into()), PathBuf::from("x.db"));
    }
}

// ---- simulate -------------------------------------------------------------

#[derive(Args, Debug)]
pub struct SimArgs {
    /// 区县台账数
    #[arg(long, default_value_t = 100)]
    districts: usize,
    /// 每个区县的人数
    #[arg(long, default_value_t = 12_000)]
    people: usize,
    /// 每个区县的机构数
    #[arg(long, default_value_t = 300)]
    units: usize,
    /// 保留模拟用的数据库（默认测完删除）
    #[arg(long)]
    keep: bool,
}

/// Resident memory of this process in bytes (Linux), 0 elsewhere.
fn rss() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|kb| kb.parse::<u64>().ok())
        })
        .map_or(0, |kb| kb * 1024)
}

/// Builds `districts` synthetic district ledgers in one fresh database and
/// measures what an upper level pays to read them, then extrapolates.
fn simulate(database: &Path, a: SimArgs) -> Result<ExitCode> {
    let Target::Postgres { url: server, .. } = Target::parse(&database.to_string_lossy()) else {
        bail!("请用 --database postgres://… 指定 PostgreSQL 服务器（将建立临时数据库）");
    };
    let name = format!("bianzhi_sim_{}", std::process::id());
    let url = PgStore::create_database(&server, &name)
        .with_context(|| format!("无法在 {} 上建立模拟用数据库", redact(&server)))?;
    let r = simulate_in(&url, &a);
    if a.keep {
        println!("模拟数据库保留在 {}", redact(&url));
    } else {
        let _ = PgStore::drop_database(&server, &name);
    }
    r
}

fn simulate_in(url: &str, a: &SimArgs) -> Result<ExitCode> {
    println!(
        "规模模拟：{} 个区县台账，每个约 {} 人、{} 个机构，同一 PostgreSQL 库",
        a.districts, a.people, a.units
    );
    let pb = crate::progress(a.districts as u64, "建立区县台账");
    let t = Instant::now();
    let mut matters = 0u64;
    let mut people = 0usize;
    for i in 0..a.districts {
        let code = format!("3209{:02}", i % 100) + &format!("{:02}", i / 100);
        let mut db = Db::init(
            Box::new(PgStore::open(url, &code)?),
            &code,
            &format!("模拟区{i}"),
        )?;
        for m in bianzhi_demo::synthetic_province(a.units, a.people, i as u64 + 1) {
            let at = m.recorded_at;
            db.submit_batched(m, at, 1_000)?;
        }
        db.flush()?;
        db.snapshot()?;
        matters += db.durable_seq();
        people += db.state().persons.iter().flatten().count();
        pb.inc(1);
    }
    pb.finish_and_clear();
    let build = t.elapsed().as_secs_f64();
    let first = PgStore::list_ledgers(url)?
        .into_iter()
        .next()
        .context("没有台账")?;
    let (journal, snapshots) = PgStore::open_existing(url, &first.code)?.table_sizes()?;
    println!(
        "建立：{} 个台账，{matters} 条事项，{people} 条人员记录，用时 {build:.1} 秒（{}）",
        a.districts,
        rate(matters as f64, build)
    );
    println!(
        "存储：流水 {:.1} MB（每条 {:.0} 字节），快照 {:.1} MB（每人 {:.0} 字节，各保留最新 1 份）",
        journal as f64 / 1e6,
        journal as f64 / matters as f64,
        snapshots as f64 / 1e6,
        snapshots as f64 / people as f64
    );

    // Cold roll-up: open every district read-only (snapshot + journal tail),
    // roll up as of a date, drop it; and the memory one loaded district takes.
    let date = Utc::now().date_naive();
    let before = rss();
    let t = Instant::now();
    let mut total = bianzhi_core::model::Counts::default();
    let mut peak_one = 0u64;
    for l in PgStore::list_ledgers(url)? {
        let db = Db::open(Box::new(PgStore::open_read_only(url, &l.code)?))?;
        peak_one = peak_one.max(rss().saturating_sub(before));
        let st = db.ledger().view_at(date);
        total.add(&query::rollup(&st, date, None).total);
    }
    let cold = t.elapsed().as_secs_f64();
    println!(
        "上级冷启动汇总：{} 个台账只读载入并汇总用时 {cold:.1} 秒（每个 {:.0} 毫秒）；核定 {}，实有 {}",
        a.districts,
        cold * 1e3 / a.districts as f64,
        total.approved,
        total.actual
    );

    // Warm roll-up: every district kept loaded (as a roll-up server would):
    // a roll-up, and one round of catch-up polls with nothing new.
    let before = rss();
    let t = Instant::now();
    let mut loaded = Vec::new();
    for l in PgStore::list_ledgers(url)? {
        loaded.push(Db::open(Box::new(PgStore::open_read_only(url, &l.code)?))?);
    }
    let load_all = t.elapsed().as_secs_f64();
    let mem_all = rss().saturating_sub(before);
    let t = Instant::now();
    for db in &loaded {
        let st = db.ledger().view_at(date);
        std::hint::black_box(query::rollup(&st, date, None));
    }
    let warm = t.elapsed().as_secs_f64();
    let t = Instant::now();
    let mut caught = 0;
    for db in &mut loaded {
        caught += db.catch_up()?;
    }
    let poll = t.elapsed().as_secs_f64();
    println!(
        "常驻汇总：全部载入 {load_all:.1} 秒、内存 {:.0} MB（每人约 {:.0} 字节）；汇总一次 {:.1} 毫秒；\
         逐个追赶一轮（轮询，{caught} 条新事项）{:.0} 毫秒",
        mem_all as f64 / 1e6,
        mem_all as f64 / people as f64,
        warm * 1e3,
        poll * 1e3
    );
    drop(loaded);

    // Extrapolation, linear in people (storage, memory, load) and in ledgers
    // (per-ledger overheads), with the per-unit costs just measured.
    let per_person_mem = mem_all as f64 / people as f64;
    let per_person_snap = snapshots as f64 / people as f64;
    let per_matter = journal as f64 / matters as f64;
    let matters_per_person = matters as f64 / people as f64;
    let load_per_person = load_all / people as f64;
    let cold_per_person = cold / people as f64;
    println!("\n按实测单位成本线性推算（合成台账的事项密度：每人 {matters_per_person:.2} 条）：");
    let mut rows = Vec::new();
    for (label, ledgers, persons) in [
        ("本次模拟", a.districts as f64, people as f64),
        ("一个省（约 110 个台账，300 万人）", 110.0, 3.0e6),
        ("全国（约 3200 个台账，6800 万人）", 3200.0, 6.8e7),
    ] {
        rows.push(vec![
            label.to_string(),
            format!("{:.1}", persons * matters_per_person * per_matter / 1e9),
            format!("{:.1}", persons * per_person_snap / 1e9),
            format!("{:.1}", persons * per_person_mem / 1e9),
            format!("{:.0}", persons * load_per_person),
            format!("{:.0}", persons * cold_per_person),
            format!("{ledgers:.0}"),
        ]);
    }
    print_table(
        &[
            "范围",
            "流水 GB",
            "快照 GB（1 份）",
            "全部常驻内存 GB",
            "全部载入 秒",
            "冷汇总 秒（单线程）",
            "台账数",
        ],
        &rows,
        1,
    );
    Ok(ExitCode::SUCCESS)
}
