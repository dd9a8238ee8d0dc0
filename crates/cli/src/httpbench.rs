//! HTTP write benchmark: the web application served in this process on
//! loopback, and clients recording matters through `POST /api/v1/matters`
//! the way other systems do (a Bearer session token, one keep-alive HTTP/1.1
//! connection per client). Each matter is answered only once it is durable
//! and audited, so a row measures the whole path: HTTP, the session check,
//! the JSON, the group commit, the audit trail and the answer.
//!
//! With `--pg` the same run also measures the plain-SQL application of
//! `bench-write` ([`writebench::plain_sql`]) and gives each row as a ratio
//! to it with 16 clients.
//!
//! Every row gets a ledger of its own (a SQLite file in a temporary
//! directory, or a PostgreSQL database made for it and dropped after) and a
//! server of its own; the clients run for a warm-up, then for a fixed time,
//! and only answers completed within that time are counted.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Write};
use std::net::{SocketAddr, TcpStream};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use anyhow::{anyhow, bail, Context, Result};
use bianzhi_store::NewUser;
use bianzhi_web::auth::Role;
use bianzhi_web::App;
use clap::Args;
use serde_json::json;

use crate::show::Table;
use crate::writebench::{self, Backend, Run};

#[derive(Args)]
pub struct BenchHttpArgs {
    /// 同时登记的客户端数（可多次给出，如 --clients 1 --clients 16）
    #[arg(long, default_values_t = vec![1, 16, 64])]
    pub clients: Vec<usize>,
    /// 每行计时的秒数（预热之后）
    #[arg(long, default_value_t = 5.0)]
    pub seconds: f64,
    /// 每行计时前预热的秒数（不计入结果）
    #[arg(long, default_value_t = 1.0)]
    pub warmup: f64,
    /// 另在 PostgreSQL 上测，并测普通 SQL 应用作基线（服务器地址，如
    /// postgres://postgres@127.0.0.1:5432/postgres；每行新建一个临时数据库，测完删除）
    #[arg(long)]
    pub pg: Option<String>,
    /// 普通 SQL 基线每轮的事务数
    #[arg(long, default_value_t = 3000)]
    pub baseline_matters: usize,
    /// 以 JSON 输出结果（代替表格）
    #[arg(long)]
    pub json: bool,
}

/// The account the clients record as (a 编办经办, who may record matters).
const LOGIN: &str = "bench-http";
const PASSWORD: &str = "bench-http-password-1";

/// The figures of one row.
struct Row {
    backend: &'static str,
    label: &'static str,
    clients: usize,
    /// Matters answered 2xx within the timed window.
    recorded: usize,
    per_sec: f64,
    p50: Duration,
    p99: Duration,
    /// Answers other than 2xx, by status (warm-up included).
    statuses: BTreeMap<u16, usize>,
    /// Requests that got no answer (connection refused, reset, closed early).
    io_errors: usize,
    /// The first answer other than 2xx, or the first transport error.
    sample: Option<String>,
    /// Matters in the ledger after the row (the setup matter not counted).
    journal: usize,
}

impl Row {
    fn errors(&self) -> usize {
        self.statuses.values().sum::<usize>() + self.io_errors
    }
}

pub fn bench(args: BenchHttpArgs) -> Result<std::process::ExitCode> {
    if args.clients.is_empty() || args.clients.contains(&0) {
        bail!("--clients 须为正整数");
    }
    if !(args.seconds > 0.0 && args.warmup >= 0.0) {
        bail!("--seconds 须大于 0，--warmup 不能为负");
    }
    let seconds = Duration::from_secs_f64(args.seconds);
    let warmup = Duration::from_secs_f64(args.warmup);

    // The plain-SQL baseline, in a database of its own.
    let mut baseline: Vec<(usize, Run)> = Vec::new();
    if let Some(server) = &args.pg {
        let b = Backend::new(Some(server), 1000)?;
        if let Backend::Postgres { url, .. } = &b {
            for c in [4, 16] {
                eprintln!(
                    "普通 SQL 基线：{c} 个客户端，{} 件……",
                    args.baseline_matters
                );
                baseline.push((c, writebench::plain_sql(url, c, args.baseline_matters)?));
            }
        }
    }
    let plain16 = baseline
        .iter()
        .find(|(c, _)| *c == 16)
        .map(|(_, r)| r.per_sec);

    let mut rows = Vec::new();
    let mut backends: Vec<(&'static str, &'static str, Option<&str>)> =
        vec![("sqlite", "SQLite 文件", None)];
    if let Some(server) = &args.pg {
        backends.push(("postgres", "PostgreSQL", Some(server.as_str())));
    }
    for (backend, label, pg) in backends {
        for &clients in &args.clients {
            eprintln!(
                "{label}：{clients} 个客户端，预热 {:.1} 秒，计时 {:.1} 秒……",
                args.warmup, args.seconds
            );
            rows.push(http_row(backend, label, pg, clients, warmup, seconds)?);
        }
    }

    if args.json {
        print_json(&args, &baseline, plain16, &rows);
    } else {
        print_table(&args, &baseline, plain16, &rows);
    }
    let errors: usize = rows.iter().map(Row::errors).sum();
    if errors > 0 {
        eprintln!("有 {errors} 个请求未得到 2xx 应答，结果不可作数（详见上文）");
        return Ok(std::process::ExitCode::FAILURE);
    }
    Ok(std::process::ExitCode::SUCCESS)
}

/// One row: a fresh ledger and server, `clients` clients for the warm-up
/// and the timed window.
fn http_row(
    backend: &'static str,
    label: &'static str,
    pg: Option<&str>,
    clients: usize,
    warmup: Duration,
    seconds: Duration,
) -> Result<Row> {
    // Declared first, dropped last: the server and the ledger close their
    // connections before the database is dropped.
    let store = Backend::new(pg, 1000 + clients)?;
    let db = store.db(2)?;
    let mut wf = store.workflow(2)?;
    wf.create_user(&NewUser {
        login: LOGIN.into(),
        display_name: "压力测试".into(),
        role: Role::OfficeClerk.code().into(),
        unit: None,
        password_hash: bianzhi_web::auth::hash_password(PASSWORD).map_err(|e| anyhow!("{e}"))?,
    })?;
    let app = App::new(db, wf);
    let user = app
        .sign_in(LOGIN, PASSWORD, "127.0.0.1")
        .map_err(|e| anyhow!("无法登录压力测试账户：{e}"))?;
    let server = Server::start(app.clone())?;
    let load = load(server.addr, &user.session, clients, warmup, seconds);
    drop(server);
    // Sequence numbers start at 1 and the setup matter is the first.
    let journal = (app.db().ledger().next_seq() as usize).saturating_sub(2);
    drop(app);

    let mut lat = load.latencies;
    lat.sort_unstable();
    let at = |q: f64| {
        if lat.is_empty() {
            Duration::ZERO
        } else {
            lat[((lat.len() as f64 - 1.0) * q).round() as usize]
        }
    };
    Ok(Row {
        backend,
        label,
        clients,
        recorded: lat.len(),
        per_sec: lat.len() as f64 / seconds.as_secs_f64(),
        p50: at(0.50),
        p99: at(0.99),
        statuses: load.statuses,
        io_errors: load.io_errors,
        sample: load.sample,
        journal,
    })
}

/// The web application on 127.0.0.1 (a port of the system's choosing),
/// served as `bianzhi serve` serves plain HTTP: the same router, the client
/// address from the connection, the catch-up poll every second. Stopped
/// when dropped.
struct Server {
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    rt: Option<tokio::runtime::Runtime>,
}

impl Server {
    fn start(app: Arc<App>) -> Result<Server> {
        let rt = tokio::runtime::Builder::new_multi_thread()
            .enable_all()
            .build()
            .context("无法启动服务线程")?;
        let listener = rt
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .context("无法在 127.0.0.1 上监听")?;
        let addr = listener.local_addr()?;
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        rt.spawn(async move {
            let poller = tokio::spawn(catch_up_loop(app.clone()));
            let served = axum::serve(
                listener,
                bianzhi_web::router(app).into_make_service_with_connect_info::<SocketAddr>(),
            )
            .with_graceful_shutdown(async {
                let _ = stopped.await;
            })
            .await;
            poller.abort();
            if let Err(e) = served {
                eprintln!("网上服务出错：{e}");
            }
        });
        Ok(Server {
            addr,
            stop: Some(stop),
            rt: Some(rt),
        })
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        if let Some(rt) = self.rt.take() {
            rt.shutdown_timeout(Duration::from_secs(5));
        }
    }
}

/// What `bianzhi_web::serve` runs beside the server: [`App::catch_up`]
/// every [`bianzhi_web::CATCH_UP_EVERY`], off the async workers.
async fn catch_up_loop(app: Arc<App>) {
    let mut tick = tokio::time::interval(bianzhi_web::CATCH_UP_EVERY);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    loop {
        tick.tick().await;
        let a = app.clone();
        let _ = tokio::task::spawn_blocking(move || {
            a.flush_denials();
            a.catch_up()
        })
        .await;
    }
}

/// What the clients of one row saw in the timed window.
#[derive(Default)]
struct Load {
    latencies: Vec<Duration>,
    statuses: BTreeMap<u16, usize>,
    io_errors: usize,
    sample: Option<String>,
}

/// `clients` threads, each with its own connection, post matters as fast
/// as they are answered: for `warmup`, then for `seconds`. A matter counts
/// in the window it is answered in (the last one of each client, answered
/// after the end, does not); an answer other than 2xx or a failed request
/// counts whenever it happens, warm-up included.
fn load(
    addr: SocketAddr,
    token: &str,
    clients: usize,
    warmup: Duration,
    seconds: Duration,
) -> Load {
    let next = AtomicUsize::new(0);
    // All connected, then the clock starts, then all go.
    let ready = Barrier::new(clients + 1);
    let go = Barrier::new(clients + 1);
    let head = format!(
        "POST /api/v1/matters HTTP/1.1\r\nHost: {addr}\r\nAuthorization: Bearer {token}\r\n\
         Content-Type: application/json\r\nAccept: application/json\r\n"
    );
    let start = std::sync::OnceLock::<Instant>::new();
    let mut total = Load::default();
    std::thread::scope(|s| {
        let workers: Vec<_> = (0..clients)
            .map(|_| {
                let (next, ready, go, head, start) = (&next, &ready, &go, &head, &start);
                s.spawn(move || {
                    let mut client = Client::new(addr, head);
                    // Connect before the clock starts.
                    let _ = client.connection();
                    ready.wait();
                    go.wait();
                    let t0 = *start.get().expect("start set before the barrier");
                    let (from, until) = (t0 + warmup, t0 + warmup + seconds);
                    let mut mine = Load::default();
                    loop {
                        let sent = Instant::now();
                        if sent >= until {
                            break;
                        }
                        let n = next.fetch_add(1, Ordering::Relaxed);
                        let body = serde_json::to_vec(&writebench::one_op(n)).expect("json");
                        let answer = client.post(&body);
                        let done = Instant::now();
                        let counts = done >= from && done < until;
                        match answer {
                            Ok(a) if (200..300).contains(&a.status) => {
                                if counts {
                                    mine.latencies.push(done - sent);
                                }
                            }
                            Ok(a) => {
                                *mine.statuses.entry(a.status).or_default() += 1;
                                mine.sample.get_or_insert_with(|| {
                                    let text = String::from_utf8_lossy(&a.body);
                                    format!(
                                        "{} {}",
                                        a.status,
                                        text.chars().take(200).collect::<String>()
                                    )
                                });
                            }
                            Err(e) => {
                                mine.io_errors += 1;
                                mine.sample.get_or_insert_with(|| format!("连接错误：{e}"));
                                // Do not spin on a server that is gone.
                                std::thread::sleep(Duration::from_millis(10));
                            }
                        }
                    }
                    mine
                })
            })
            .collect();
        ready.wait();
        start.set(Instant::now()).expect("set once");
        go.wait();
        for w in workers {
            let mine = w.join().expect("client thread");
            total.latencies.extend(mine.latencies);
            for (k, v) in mine.statuses {
                *total.statuses.entry(k).or_default() += v;
            }
            total.io_errors += mine.io_errors;
            if total.sample.is_none() {
                total.sample = mine.sample;
            }
        }
    });
    total
}

/// An HTTP/1.1 client on one keep-alive connection (opened again when the
/// server closes it or it fails).
struct Client<'a> {
    addr: SocketAddr,
    /// The request line and the headers but `Content-Length`.
    head: &'a str,
    conn: Option<BufReader<TcpStream>>,
}

/// A response: status and body.
struct Answer {
    status: u16,
    body: Vec<u8>,
}

impl<'a> Client<'a> {
    fn new(addr: SocketAddr, head: &'a str) -> Client<'a> {
        Client {
            addr,
            head,
            conn: None,
        }
    }

    fn connection(&mut self) -> std::io::Result<&mut BufReader<TcpStream>> {
        if self.conn.is_none() {
            let s = TcpStream::connect(self.addr)?;
            s.set_nodelay(true)?;
            s.set_read_timeout(Some(Duration::from_secs(60)))?;
            self.conn = Some(BufReader::new(s));
        }
        Ok(self.conn.as_mut().expect("connected above"))
    }

    fn post(&mut self, body: &[u8]) -> std::io::Result<Answer> {
        let mut req = Vec::with_capacity(self.head.len() + 32 + body.len());
        req.extend_from_slice(self.head.as_bytes());
        req.extend_from_slice(format!("Content-Length: {}\r\n\r\n", body.len()).as_bytes());
        req.extend_from_slice(body);
        let answer = self.connection().and_then(|c| {
            c.get_mut().write_all(&req)?;
            read_response(c)
        });
        match answer {
            Ok((a, keep)) => {
                if !keep {
                    self.conn = None;
                }
                Ok(a)
            }
            Err(e) => {
                self.conn = None;
                Err(e)
            }
        }
    }
}

fn bad(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_string())
}

/// One line without its CRLF; an error at the end of the stream.
fn line(r: &mut impl BufRead, buf: &mut Vec<u8>) -> std::io::Result<()> {
    buf.clear();
    if r.read_until(b'\n', buf)? == 0 {
        return Err(std::io::ErrorKind::UnexpectedEof.into());
    }
    while matches!(buf.last(), Some(b'\n' | b'\r')) {
        buf.pop();
    }
    Ok(())
}

/// Reads one response (skipping interim 1xx ones): the answer, and whether
/// the connection may be used again.
fn read_response(r: &mut impl BufRead) -> std::io::Result<(Answer, bool)> {
    let mut buf = Vec::new();
    loop {
        line(r, &mut buf)?;
        let text = std::str::from_utf8(&buf).map_err(|_| bad("status line"))?;
        let mut parts = text.splitn(3, ' ');
        let version = parts.next().unwrap_or("");
        let status: u16 = parts
            .next()
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| bad("status line"))?;
        let mut keep = version == "HTTP/1.1";
        let mut length = None;
        let mut chunked = false;
        loop {
            line(r, &mut buf)?;
            if buf.is_empty() {
                break;
            }
            let text = std::str::from_utf8(&buf).map_err(|_| bad("header"))?;
            let Some((name, value)) = text.split_once(':') else {
                return Err(bad("header"));
            };
            let value = value.trim().to_ascii_lowercase();
            match name.trim().to_ascii_lowercase().as_str() {
                "content-length" => {
                    length = Some(value.parse::<usize>().map_err(|_| bad("content-length"))?)
                }
                "transfer-encoding" => chunked = value.contains("chunked"),
                "connection" if value.contains("close") => keep = false,
                "connection" if value.contains("keep-alive") => keep = true,
                _ => {}
            }
        }
        if (100..200).contains(&status) {
            continue;
        }
        let mut body = Vec::new();
        if status == 204 || status == 304 {
        } else if chunked {
            loop {
                line(r, &mut buf)?;
                let size = std::str::from_utf8(&buf).map_err(|_| bad("chunk"))?;
                let size = size.split(';').next().unwrap_or("").trim();
                let size = usize::from_str_radix(size, 16).map_err(|_| bad("chunk size"))?;
                if size == 0 {
                    // Trailers, up to the empty line.
                    loop {
                        line(r, &mut buf)?;
                        if buf.is_empty() {
                            break;
                        }
                    }
                    break;
                }
                let at = body.len();
                body.resize(at + size, 0);
                r.read_exact(&mut body[at..])?;
                line(r, &mut buf)?;
                if !buf.is_empty() {
                    return Err(bad("chunk end"));
                }
            }
        } else if let Some(n) = length {
            body.resize(n, 0);
            r.read_exact(&mut body)?;
        } else {
            r.read_to_end(&mut body)?;
            keep = false;
        }
        return Ok((Answer { status, body }, keep));
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

fn ratio(per_sec: f64, plain16: Option<f64>) -> String {
    plain16.map_or("—".into(), |p| format!("{:.2}", per_sec / p))
}

fn print_table(
    args: &BenchHttpArgs,
    baseline: &[(usize, Run)],
    plain16: Option<f64>,
    rows: &[Row],
) {
    println!(
        "事项登记 HTTP 基准：进程内起 bianzhi 网上服务（127.0.0.1 回环），各客户端一个保持连接的 HTTP/1.1 连接，\
         以 Bearer 会话令牌逐件 POST /api/v1/matters（单项事项：核增编制 1 名），事项落盘并记审计后才应答"
    );
    println!(
        "每行一个新台账、一个新服务；预热 {:.1} 秒后计时 {:.1} 秒，只计 2xx 应答；p50 / p99 为单件往返时间",
        args.warmup, args.seconds
    );
    match plain16 {
        Some(p) => println!(
            "倍数：对 PostgreSQL 上普通 SQL 应用（每件一个事务：锁定编制行、核对空编、插入人员、更新实有；\
             进程内直连，无 HTTP）16 个客户端的 {p:.0} 件/秒；SQLite 各行也对这一 PostgreSQL 基线"
        ),
        None => println!("倍数：未给 --pg，无普通 SQL 基线，记为 —"),
    }
    println!();
    let mut t = Table::new(&[
        "后端",
        "客户端",
        "事项/秒",
        "p50 (ms)",
        "p99 (ms)",
        "非 2xx（含预热）",
        "倍数",
    ])
    .right(&[1, 2, 3, 4, 5, 6]);
    for (c, r) in baseline {
        t.row(vec![
            "普通 SQL（PostgreSQL）".into(),
            c.to_string(),
            format!("{:.0}", r.per_sec),
            format!("{:.2}", ms(r.p50)),
            format!("{:.2}", ms(r.p99)),
            "—".into(),
            ratio(r.per_sec, plain16),
        ]);
    }
    for r in rows {
        t.row(vec![
            format!("bianzhi HTTP（{}）", r.label),
            r.clients.to_string(),
            format!("{:.0}", r.per_sec),
            format!("{:.2}", ms(r.p50)),
            format!("{:.2}", ms(r.p99)),
            r.errors().to_string(),
            ratio(r.per_sec, plain16),
        ]);
    }
    t.print();
    for r in rows.iter().filter(|r| r.errors() > 0) {
        let statuses: Vec<String> = r
            .statuses
            .iter()
            .map(|(s, n)| format!("{s} × {n}"))
            .chain((r.io_errors > 0).then(|| format!("无应答 × {}", r.io_errors)))
            .collect();
        println!(
            "\n{}，{} 个客户端：{}；例：{}",
            r.label,
            r.clients,
            statuses.join("，"),
            r.sample.as_deref().unwrap_or("")
        );
    }
}

fn print_json(args: &BenchHttpArgs, baseline: &[(usize, Run)], plain16: Option<f64>, rows: &[Row]) {
    let doc = json!({
        "seconds": args.seconds,
        "warmup": args.warmup,
        "baseline": baseline.iter().map(|(c, r)| json!({
            "backend": "postgres-plain-sql",
            "clients": c,
            "per_sec": r.per_sec,
            "p50_ms": ms(r.p50),
            "p99_ms": ms(r.p99),
            "ratio": plain16.map(|p| r.per_sec / p),
        })).collect::<Vec<_>>(),
        "rows": rows.iter().map(|r| json!({
            "backend": r.backend,
            "clients": r.clients,
            "recorded": r.recorded,
            "per_sec": r.per_sec,
            "p50_ms": ms(r.p50),
            "p99_ms": ms(r.p99),
            "errors": r.errors(),
            "statuses": r.statuses.iter().map(|(s, n)| (s.to_string(), json!(n))).collect::<serde_json::Map<_, _>>(),
            "io_errors": r.io_errors,
            "sample_error": r.sample,
            "journal_matters": r.journal,
            "ratio": plain16.map(|p| r.per_sec / p),
        })).collect::<Vec<_>>(),
    });
    println!("{}", serde_json::to_string_pretty(&doc).expect("json"));
}
