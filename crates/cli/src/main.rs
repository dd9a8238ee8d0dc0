//! `bianzhi`: the command line of the establishment ledger.

mod bench;
mod config;
mod dbcmd;
mod httpbench;
mod reportcmd;
mod scenariobench;
mod show;
mod transport;
mod writebench;

use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::{bail, Context, Result};
use bianzhi_core::query::view_at;
use bianzhi_core::Matter;
use bianzhi_store::{Db, JournalStore, VerifyReport};
use chrono::{NaiveDate, Utc};
use clap::{Parser, Subcommand};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

/// bianzhi 机构编制管理系统：机构、编制、领导职数与实名制人员台账。
#[derive(Parser)]
#[command(name = "bianzhi", version, about, long_about = None)]
struct Cli {
    /// 数据库文件（也可用环境变量 BIANZHI_DB 或配置文件 bianzhi.toml 的 database 指定）
    #[arg(long, global = true, env = "BIANZHI_DB")]
    db: Option<PathBuf>,
    /// 数据库（优先于 --db）：SQLite 文件（sqlite:路径）或 PostgreSQL 地址
    /// postgres://用户@主机:端口/库名?ledger=区划代码（库中只有一本台账时可省略 ledger）
    #[arg(long, global = true, env = "BIANZHI_DATABASE")]
    database: Option<String>,
    /// 配置文件（默认为当前目录下的 bianzhi.toml，如存在）
    #[arg(long, global = true, env = "BIANZHI_CONFIG")]
    config: Option<PathBuf>,
    #[command(subcommand)]
    command: Command,
}

#[derive(Subcommand)]
enum Command {
    /// 生成示范台账：盐城市盐都区（320903），约 40 个区直部门、250 个事业单位、1.2 万人，
    /// 全部通过事项登记，然后打印全区概况
    Demo {
        /// 删除已有数据库后重新生成
        #[arg(long)]
        fresh: bool,
    },
    /// 启动网上办理服务（浏览器访问页面，/api/v1 为 JSON 接口）；数据库为空时先生成示范台账
    Serve(transport::ServeArgs),
    /// 为一个区划建立空台账
    Init {
        /// 区划代码（GB/T 2260），如 320903
        #[arg(long)]
        code: String,
        /// 区划名称，如 盐城市盐都区
        #[arg(long)]
        name: String,
    },
    /// 从 JSON 或 TOML 文件登记事项（整个文件全部成功或全部不写入）
    Apply {
        file: PathBuf,
        /// 只检查，不写入
        #[arg(long)]
        dry_run: bool,
        /// 逐条登记：每条事项通过即写入并回执，遇到未通过的事项即停止（之前的保留）
        #[arg(long, conflicts_with = "dry_run")]
        each: bool,
    },
    /// 全区概况
    Summary {
        /// 统计时点（YYYY-MM-DD，默认今天）
        #[arg(long)]
        as_of: Option<String>,
    },
    /// 机构列表（树形）
    Units {
        #[arg(long)]
        as_of: Option<String>,
        /// 含已撤销机构
        #[arg(long)]
        all: bool,
    },
    /// 单位编制情况表、领导职数情况表和实名制花名册
    Unit {
        /// 机构名称（全称、简称或牌子）或编号
        unit: String,
        #[arg(long)]
        as_of: Option<String>,
    },
    /// 按姓名、拼音首字母或身份证号查找人员
    Person {
        query: String,
        /// 显示完整身份证号
        #[arg(long)]
        reveal: bool,
    },
    /// 机构编制台账：单位的全部变动及文号
    History { unit: String },
    /// 编制调控工具：周转池、借用、过桥、承兑、动态编制
    Instruments {
        #[arg(long)]
        as_of: Option<String>,
    },
    /// 校验台账流水的哈希链，并重放核对
    Verify,
    /// 性能基准：省级规模台账的登记、重放与查询
    Bench(bench::BenchArgs),
    /// 数据库操作：复制台账（SQLite ⇄ PostgreSQL）、列出台账、多服务器基准
    Db(dbcmd::DbArgs),
    /// 上级汇总：只读载入 PostgreSQL 库中各区划的台账，逐个列出并合计；
    /// 或用 --from 汇总下级报来的统计年报数据文件
    Rollup(dbcmd::RollupArgs),
    /// 报表（台账、编制情况、领导职数、花名册、人员变动、统计年报等），打印或写入 xlsx；
    /// statistics 为统计年报上报格式，可 --json 导出
    Report(reportcmd::ReportArgs),
    /// 导入机构、编制和实名制人员（新单位迁入；一次导入为一个事项，全部成功或全部不导入）
    Import(reportcmd::ImportArgs),
    /// 比对：外部名单（组织、人社、财政统发工资）与台账在编人员
    Reconcile(reportcmd::ReconcileArgs),
    /// 导入基准：合成 CSV（默认 100 万人）导入空台账
    BenchImport(reportcmd::BenchImportArgs),
    /// 比对基准：两份合成名单（默认各 100 万人）
    BenchReconcile(reportcmd::BenchReconcileArgs),
    /// 沙盘推演基准：演示区和合成省级台账上推演若干件事项
    BenchScenario(scenariobench::BenchScenarioArgs),
    /// 事项登记（写入）基准：多个客户端同时登记事项，组提交与逐件写入对比
    BenchWrite(writebench::BenchWriteArgs),
    /// 事项登记 HTTP 基准：进程内起网上服务，多个客户端经本机回环 POST /api/v1/matters；
    /// 给 --pg 时另测 PostgreSQL 和普通 SQL 基线
    BenchHttp(httpbench::BenchHttpArgs),
}

fn main() -> ExitCode {
    // Behave like other command-line tools when the reader of a pipe goes away
    // (`bianzhi history X | head`): end quietly instead of panicking.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any thread starts.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(e) => {
            eprintln!("错误：{e:#}");
            ExitCode::FAILURE
        }
    }
}

fn parse_date(s: Option<&str>) -> Result<NaiveDate> {
    match s {
        None => Ok(Utc::now().date_naive()),
        Some(s) => NaiveDate::parse_from_str(s.trim(), "%Y-%m-%d")
            .with_context(|| format!("日期“{s}”格式不对，应为 YYYY-MM-DD，如 2021-12-31")),
    }
}

fn open_store(path: &std::path::Path) -> Result<Box<dyn JournalStore>> {
    dbcmd::open_any(&path.to_string_lossy())
}

fn open_db(path: &std::path::Path) -> Result<Db> {
    if !dbcmd::is_url(path) && !path.exists() {
        bail!(
            "数据库 {} 不存在：请先运行 bianzhi demo 生成示范台账，或 bianzhi init 建立空台账",
            path.display()
        );
    }
    Ok(Db::open(open_store(path)?)?)
}

/// A progress bar on a terminal, nothing otherwise.
pub fn progress(len: u64, msg: &str) -> ProgressBar {
    let pb = ProgressBar::new(len);
    if std::io::stderr().is_terminal() {
        pb.set_style(
            ProgressStyle::with_template("{msg} [{bar:40}] {pos}/{len} ({eta})")
                .expect("template")
                .progress_chars("=> "),
        );
        pb.set_message(msg.to_string());
    } else {
        pb.set_draw_target(ProgressDrawTarget::hidden());
    }
    pb
}

/// The key that seals 身份证号 and phone numbers at rest: `BIANZHI_KEY_FILE`, or
/// `<database>.key` beside a SQLite file (created with 0600 on first use, when
/// the database exists or the command creates it).
fn install_pii_key(db_path: &std::path::Path, creates: bool) -> Result<()> {
    let path = match std::env::var_os("BIANZHI_KEY_FILE") {
        Some(p) => PathBuf::from(p),
        None if dbcmd::is_url(db_path) => return Ok(()),
        None => bianzhi_store::pii::key_path(db_path),
    };
    let dir_ok = path
        .parent()
        .is_none_or(|d| d.as_os_str().is_empty() || d.exists());
    if dir_ok && (path.exists() || db_path.exists() || creates) {
        let key = bianzhi_store::pii::PiiKey::load_or_create(&path)
            .with_context(|| format!("无法读取或建立密钥文件 {}", path.display()))?;
        bianzhi_store::pii::install(Some(key));
    }
    Ok(())
}

fn run(cli: Cli) -> Result<ExitCode> {
    let cfg = config::Config::load(cli.config.as_deref())?;
    let db_path = dbcmd::normalise(
        cli.database
            .clone()
            .map(PathBuf::from)
            .or_else(|| cli.db.clone())
            .unwrap_or_else(|| cfg.database.clone()),
    );
    // `serve`'s certificate and addresses are checked before anything is
    // created (a refusal leaves no key file or demo database behind).
    let serving = match &cli.command {
        Command::Serve(args) => Some(args.resolve(&cfg)?),
        _ => None,
    };
    install_pii_key(
        &db_path,
        matches!(
            cli.command,
            Command::Init { .. } | Command::Demo { .. } | Command::Serve(_)
        ),
    )?;
    match cli.command {
        Command::Demo { fresh } => demo(&db_path, fresh).map(|_| ExitCode::SUCCESS),
        Command::Serve(_) => serve(&db_path, serving.expect("resolved above")),
        Command::Init { code, name } => {
            let store = dbcmd::open_any_for(&db_path.to_string_lossy(), code.trim())?;
            let db = Db::init(store, code.trim(), name.trim())?;
            println!(
                "已在 {} 建立 {}（{}）的台账，现有事项 {} 条",
                db_path.display(),
                db.state().jurisdiction.name,
                db.state().jurisdiction.code,
                db.load_stats.matters
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Apply {
            file,
            dry_run,
            each,
        } => {
            if each {
                apply_each(&db_path, &file)
            } else {
                apply(&db_path, &file, dry_run)
            }
        }
        Command::Summary { as_of } => {
            let db = open_db(&db_path)?;
            let date = parse_date(as_of.as_deref())?;
            show::summary(&view_at(db.state(), date), date);
            Ok(ExitCode::SUCCESS)
        }
        Command::Units { as_of, all } => {
            let db = open_db(&db_path)?;
            let date = parse_date(as_of.as_deref())?;
            show::units(&view_at(db.state(), date), date, all);
            Ok(ExitCode::SUCCESS)
        }
        Command::Unit { unit, as_of } => {
            let db = open_db(&db_path)?;
            let date = parse_date(as_of.as_deref())?;
            let id = show::find_unit(db.state(), &unit)?;
            show::unit(&view_at(db.state(), date), id, date);
            Ok(ExitCode::SUCCESS)
        }
        Command::Instruments { as_of } => {
            let db = open_db(&db_path)?;
            let date = parse_date(as_of.as_deref())?;
            show::instruments(&view_at(db.state(), date), date);
            Ok(ExitCode::SUCCESS)
        }
        Command::Person { query, reveal } => {
            let db = open_db(&db_path)?;
            show::people(db.state(), &query, reveal);
            Ok(ExitCode::SUCCESS)
        }
        Command::History { unit } => {
            let db = open_db(&db_path)?;
            let id = show::find_unit(db.state(), &unit)?;
            show::history(db.ledger(), id);
            Ok(ExitCode::SUCCESS)
        }
        Command::Verify => verify(&db_path),
        Command::Bench(args) => bench::run(args),
        Command::Db(args) => dbcmd::db(&db_path, args),
        Command::Rollup(args) => dbcmd::rollup(&db_path, args),
        Command::Report(args) => reportcmd::report(&db_path, args),
        Command::Import(args) => reportcmd::import_cmd(&db_path, args),
        Command::Reconcile(args) => reportcmd::reconcile_cmd(&db_path, args),
        Command::BenchImport(args) => reportcmd::bench_import(args),
        Command::BenchReconcile(args) => reportcmd::bench_reconcile(args),
        Command::BenchScenario(args) => scenariobench::run(args),
        Command::BenchWrite(args) => writebench::bench(args).map(|_| ExitCode::SUCCESS),
        Command::BenchHttp(args) => httpbench::bench(args),
    }
}

/// The server's logs (one line per request, errors, certificate reloads)
/// on stderr, filtered by `RUST_LOG`; by default `info` for the bianzhi
/// crates (targets `bianzhi`, `bianzhi_web`, … all start with `bianzhi`)
/// and `warn` for the libraries under them.
fn init_logs() {
    use std::io::IsTerminal;
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("warn,bianzhi=info"));
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::stderr().is_terminal())
        .try_init();
}

/// `bianzhi serve`: the web application on the ledger at `path` (the demo
/// district is built first when the database is new or empty). `path` is a
/// SQLite file or a PostgreSQL ledger (`postgres://…?ledger=320903`); on
/// PostgreSQL the accounts, sessions, applications and audit trail are in
/// the same database, keyed by the ledger, so several `serve` processes on
/// one ledger share them and stay consistent (see `App::catch_up`).
fn serve(path: &std::path::Path, serving: transport::Serving) -> Result<ExitCode> {
    init_logs();
    let addr = serving.addr;
    let target = dbcmd::Target::parse(&path.to_string_lossy());
    // Servers started at the same moment on a new database: one sets it up
    // (builds the demo, prepares the accounts), the others wait here, then
    // open what it built.
    let setup = SetupLock::take(&target)?;
    let existing = if ledger_exists(&target)? {
        let store = open_store(path)?;
        if Db::is_initialised(&*store)? {
            Some(Db::open(store)?)
        } else {
            None
        }
    } else {
        None
    };
    // The demo is built only into a new database, or to finish a demo ledger
    // whose building was cut short; never into a ledger made by `init`.
    let mut db = match existing {
        Some(db) if db.load_stats.matters > 0 || !db.is_demo()? => db,
        _ => demo(path, false)?,
    };
    let mut wf: Box<dyn bianzhi_store::WorkflowStore> = match &target {
        dbcmd::Target::Sqlite(p) => Box::new(
            bianzhi_store::SqliteWorkflow::open(p)
                .with_context(|| format!("无法打开数据库 {}", p.display()))?,
        ),
        dbcmd::Target::Postgres { url, .. } => Box::new(
            bianzhi_store::PgWorkflow::open(url, &db.state().jurisdiction.code)
                .with_context(|| format!("无法打开 {}", target.describe()))?,
        ),
    };
    let heads = dbcmd::head_file(&target, &db.state().jurisdiction.code);
    wf.set_head_file(heads.clone());
    print_heads(db.store(), heads.as_ref());
    if matches!(target, dbcmd::Target::Postgres { .. })
        && std::env::var_os("BIANZHI_KEY_FILE").is_none()
    {
        println!(
            "注意：未设置 BIANZHI_KEY_FILE，身份证号和电话号码将以明文保存在 PostgreSQL 中；\
             同一台账的各服务器应使用同一个密钥文件"
        );
    }
    for line in bianzhi_web::prepare(&mut db, &mut *wf, chrono::Utc::now())? {
        println!("{line}");
    }
    drop(setup);
    let mut security = bianzhi_web::state::SecurityConfig {
        trusted_proxies: serving.trusted_proxies,
        ..Default::default()
    };
    if let Some(m) = std::env::var("BIANZHI_SESSION_IDLE_MINUTES")
        .ok()
        .and_then(|v| v.parse::<i64>().ok())
        .filter(|m| *m > 0)
    {
        security.idle_timeout = chrono::Duration::minutes(m);
    }
    // How often to catch up with matters other servers recorded (ms).
    let catch_up = std::env::var("BIANZHI_CATCH_UP_MS")
        .ok()
        .and_then(|v| v.parse::<u64>().ok())
        .filter(|m| *m > 0)
        .map_or(
            bianzhi_web::CATCH_UP_EVERY,
            std::time::Duration::from_millis,
        );
    let app = bianzhi_web::App::with_config(db, wf, security);
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动服务线程")?;
    let scheme = if serving.tls.is_some() {
        "https"
    } else {
        "http"
    };
    println!("\n网上办理服务已启动：{scheme}://{addr}/ （按 Ctrl-C 停止）");
    rt.block_on(bianzhi_web::serve_tls(app, addr, catch_up, serving.tls))
        .with_context(|| format!("无法在 {addr} 上提供服务（端口可能已被占用）"))?;
    Ok(ExitCode::SUCCESS)
}

/// Held while `serve` sets up its database (see [`serve`]): on PostgreSQL
/// an advisory lock per ledger, on SQLite an exclusive lock on a file beside
/// the database (`<file>.lock`). Released when dropped or when the process
/// dies.
enum SetupLock {
    Postgres(#[allow(dead_code)] Box<bianzhi_store::SetupLock>),
    File(#[allow(dead_code)] std::fs::File),
}

impl SetupLock {
    fn take(target: &dbcmd::Target) -> Result<SetupLock> {
        Ok(match target {
            dbcmd::Target::Postgres { url, ledger } => SetupLock::Postgres(Box::new(
                bianzhi_store::PgStore::setup_lock(url, ledger.as_deref().unwrap_or("320903"))
                    .with_context(|| format!("无法连接 {}", target.describe()))?,
            )),
            dbcmd::Target::Sqlite(p) => {
                let mut name = p.as_os_str().to_owned();
                name.push(".lock");
                let file = std::fs::OpenOptions::new()
                    .create(true)
                    .truncate(false)
                    .write(true)
                    .open(PathBuf::from(&name))
                    .with_context(|| format!("无法建立 {}", PathBuf::from(&name).display()))?;
                file.lock()
                    .with_context(|| format!("无法锁定 {}", p.display()))?;
                SetupLock::File(file)
            }
        })
    }
}

/// Whether the ledger `serve` was pointed at exists already: the SQLite file,
/// or in PostgreSQL the ledger named by `ledger=` (or any, when the address
/// names none and the database holds one or more: `open_store` then picks
/// the only one or asks which).
fn ledger_exists(target: &dbcmd::Target) -> Result<bool> {
    Ok(match target {
        dbcmd::Target::Sqlite(p) => p.exists(),
        dbcmd::Target::Postgres { url, ledger } => {
            let present = bianzhi_store::PgStore::list_ledgers(url)
                .with_context(|| format!("无法读取 {}", target.describe()))?;
            match ledger {
                Some(code) => present.iter().any(|l| &l.code == code),
                None => !present.is_empty(),
            }
        }
    })
}

/// Builds the demo district (or opens the existing ledger) and prints its
/// summary; returns the ledger.
fn demo(path: &std::path::Path, fresh: bool) -> Result<Db> {
    if fresh && dbcmd::is_url(path) {
        bail!("PostgreSQL 中的台账只能追加，不能删除重建（--fresh 只用于 SQLite 文件）");
    }
    if fresh && path.exists() {
        // The old ledger's checkpoint goes with it.
        if let Some(h) = dbcmd::head_file(&dbcmd::Target::Sqlite(path.to_path_buf()), "") {
            let _ = std::fs::remove_file(h.path());
        }
        for suffix in ["", "-wal", "-shm"] {
            let mut p = path.as_os_str().to_owned();
            p.push(suffix);
            let _ = std::fs::remove_file(PathBuf::from(p));
        }
    }
    let store = dbcmd::open_any_for(&path.to_string_lossy(), "320903")?;
    let mut db = if Db::is_initialised(&*store)? {
        let db = Db::open(store)?;
        if db.load_stats.matters > 0 {
            println!(
                "数据库 {} 已有台账（{} 条事项），直接显示概况；如需重新生成请加 --fresh。\n",
                path.display(),
                db.load_stats.matters
            );
            let today = Utc::now().date_naive();
            show::summary(&view_at(db.state(), today), today);
            return Ok(db);
        }
        if !db.is_demo()? {
            bail!(
                "数据库 {} 已建立为 {} 的正式台账（bianzhi init），不能写入示范数据；示范台账请用另一个数据库文件",
                path.display(),
                db.state().jurisdiction.name
            );
        }
        db
    } else {
        Db::init_demo(store, "320903", "盐城市盐都区")?
    };
    let started = std::time::Instant::now();
    let pb = progress(0, "生成示范台账");
    let summary = {
        let mut sink = db.batch_sink(500);
        let s = bianzhi_demo::build_demo(&mut sink, &mut |done, total| {
            pb.set_length(total as u64);
            pb.set_position(done as u64);
        })
        .map_err(|e| anyhow::anyhow!("生成示范台账失败：{e}"))?;
        sink.flush()?;
        s
    };
    db.snapshot()?;
    pb.finish_and_clear();
    println!(
        "已生成示范台账 {}：登记事项 {} 条（{} 至 {}），用时 {:.1} 秒\n",
        path.display(),
        summary.matters,
        summary.date_range.0,
        summary.date_range.1,
        started.elapsed().as_secs_f64(),
    );
    let today = Utc::now().date_naive();
    show::summary(&view_at(db.state(), today), today);
    Ok(db)
}

/// Matters in a file: one matter, a list, or `{ matters = [...] }`.
fn read_matters(file: &std::path::Path) -> Result<Vec<Matter>> {
    let text = std::fs::read_to_string(file)
        .with_context(|| format!("无法读取文件 {}", file.display()))?;
    #[derive(serde::Deserialize)]
    #[serde(untagged)]
    enum Doc {
        Many { matters: Vec<serde_json::Value> },
        List(Vec<serde_json::Value>),
        One(serde_json::Value),
    }
    let is_toml = file
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("toml"));
    let doc: Doc = if is_toml {
        let v: toml::Value =
            toml::from_str(&text).with_context(|| format!("{} 不是有效的 TOML", file.display()))?;
        serde_json::from_value(serde_json::to_value(v)?)?
    } else {
        serde_json::from_str(&text)
            .with_context(|| format!("{} 不是有效的 JSON", file.display()))?
    };
    let values = match doc {
        Doc::Many { matters } => matters,
        Doc::List(v) => v,
        Doc::One(v) => vec![v],
    };
    values
        .into_iter()
        .enumerate()
        .map(|(i, mut v)| {
            // recorded_at is stamped by the ledger; accept files without it.
            if let Some(o) = v.as_object_mut() {
                o.entry("recorded_at")
                    .or_insert_with(|| serde_json::json!(Utc::now()));
                o.entry("actor")
                    .or_insert_with(|| serde_json::json!("命令行"));
            }
            serde_json::from_value(v).with_context(|| format!("第 {} 个事项格式不对", i + 1))
        })
        .collect()
}

fn apply(path: &std::path::Path, file: &std::path::Path, dry_run: bool) -> Result<ExitCode> {
    let matters = read_matters(file)?;
    let mut db = open_db(path)?;
    let start_seq = db.durable_seq();
    let mut lines = Vec::new();
    for (i, m) in matters.into_iter().enumerate() {
        let doc = m.doc.to_string();
        match db.submit_batched(m, Utc::now(), usize::MAX) {
            Ok((seq, stored)) => {
                lines.push(format!("第 {seq} 条  {doc}  {} 项操作", stored.ops.len()));
                for w in &stored.warnings {
                    lines.push(format!("    提示：{w}"));
                }
            }
            Err(e) => {
                db.discard_pending()?;
                eprintln!("第 {} 个事项（{doc}）未通过：{e}", i + 1);
                eprintln!("整个文件未写入任何事项。");
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    if dry_run {
        db.discard_pending()?;
        println!("检查通过（未写入）：");
    } else {
        let last = db.flush()?;
        println!(
            "已登记事项 {} 条（第 {}–{} 条）：",
            last - start_seq,
            start_seq + 1,
            last
        );
    }
    for l in lines {
        println!("  {l}");
    }
    Ok(ExitCode::SUCCESS)
}

/// Records matters one by one, each durable before its receipt is printed.
fn apply_each(path: &std::path::Path, file: &std::path::Path) -> Result<ExitCode> {
    use std::io::Write;
    let matters = read_matters(file)?;
    let mut db = open_db(path)?;
    let out = std::io::stdout();
    for (i, m) in matters.into_iter().enumerate() {
        let doc = m.doc.to_string();
        match db.submit(m, Utc::now()) {
            Ok((seq, stored)) => {
                let mut o = out.lock();
                writeln!(o, "已登记 第 {seq} 条  {doc}")?;
                for w in &stored.warnings {
                    writeln!(o, "    提示：{w}")?;
                }
                o.flush()?;
            }
            Err(e) => {
                eprintln!(
                    "第 {} 个事项（{doc}）未通过：{e}；此前的事项已登记。",
                    i + 1
                );
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn verify(path: &std::path::Path) -> Result<ExitCode> {
    if !dbcmd::is_url(path) && !path.exists() {
        bail!("数据库 {} 不存在", path.display());
    }
    let target = dbcmd::Target::parse(&path.to_string_lossy());
    let store = open_store(path)?;
    let code = store.get_meta("jurisdiction_code")?;
    let heads = dbcmd::head_file(&target, code.as_deref().unwrap_or(""));
    if !bianzhi_store::pii::is_installed() {
        println!(
            "注意：未载入密钥（PostgreSQL 须设置 BIANZHI_KEY_FILE）：只能核对 SM3 哈希链，\
             发现不了重算哈希后的改写、伪造的追加和末尾记录的删除"
        );
    }
    let (report, notes) = store.verify_chain()?;
    match report {
        VerifyReport::Intact { entries, head } => {
            println!("哈希链完整：共 {entries} 条事项，链头 {}", hex(&head));
            print_notes(&notes, "事项");
            if notes.snapshots > 0 {
                println!("  快照：{} 个，记录的链头哈希与台账一致", notes.snapshots);
            }
        }
        VerifyReport::Broken {
            seq,
            doc_no,
            reason,
        } => {
            if doc_no.is_empty() {
                println!("校验失败：{reason}");
            } else {
                println!("校验失败：第 {seq} 条事项（{doc_no}）：{reason}");
            }
            return Ok(ExitCode::FAILURE);
        }
    }
    // The audit trail (beside the journal: the same SQLite file, or the
    // ledger's rows in the same PostgreSQL database).
    {
        let mut wf: Box<dyn bianzhi_store::WorkflowStore> = match &target {
            dbcmd::Target::Sqlite(p) => Box::new(bianzhi_store::SqliteWorkflow::open(p)?),
            dbcmd::Target::Postgres { url, .. } => {
                let code = code.clone().context("台账尚未建立（未设置区划）")?;
                Box::new(bianzhi_store::PgWorkflow::open(url, &code)?)
            }
        };
        wf.set_head_file(heads);
        match wf.verify_audit_chain() {
            Ok((n, notes)) => {
                println!("审计记录哈希链完整：共 {n} 条");
                print_notes(&notes, "审计记录");
            }
            Err(e) => {
                println!("审计记录校验失败：{e}");
                return Ok(ExitCode::FAILURE);
            }
        }
    }
    // Replay every matter from the journal, ignoring snapshots.
    let db = Db::open_without_snapshot(store)?;
    println!(
        "重放核对通过：{} 条事项，{} 个机构，{} 人",
        db.load_stats.matters,
        db.state().units.iter().flatten().count(),
        db.state().persons.iter().flatten().count()
    );
    Ok(ExitCode::SUCCESS)
}

/// The signature and checkpoint lines of `bianzhi verify`.
fn print_notes(notes: &bianzhi_store::ChainNotes, noun: &str) {
    if notes.signed > 0 {
        println!("  密钥签名：{} 条核对无误", notes.signed);
    }
    if notes.unsigned > 0 {
        println!(
            "  注意：最早的 {} 条{noun}没有密钥签名（启用密钥之前写入），只受 SM3 哈希链保护",
            notes.unsigned
        );
    }
    if notes.unchecked > 0 {
        println!(
            "  注意：{} 条{noun}的密钥签名未核对（未载入密钥）",
            notes.unchecked
        );
    }
    match (notes.checkpoint, &notes.checkpoint_note) {
        (Some(seq), _) => println!("  链头检查点：第 {seq} 条，与记录一致"),
        (None, Some(note)) => println!("  注意：{note}"),
        (None, None) => {}
    }
}

/// Logs the heads at start-up (a record outside the database of how far the
/// ledger reached, for comparing later).
fn print_heads(store: &dyn JournalStore, heads: Option<&bianzhi_store::HeadFile>) {
    if let Ok(Some((seq, hash))) = store.head() {
        println!("台账链头：第 {seq} 条，{}", hex(&hash));
    }
    match heads {
        Some(h) if bianzhi_store::pii::is_installed() => {
            println!("链头检查点文件：{}", h.path().display())
        }
        _ => println!(
            "注意：没有链头检查点（PostgreSQL 须设置 BIANZHI_KEY_FILE），发现不了末尾记录被删除"
        ),
    }
}

fn hex(h: &[u8]) -> String {
    h.iter().map(|b| format!("{b:02x}")).collect()
}
