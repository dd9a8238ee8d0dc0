//! Databases end to end: `db copy` between SQLite and PostgreSQL, `rollup`
//! over several jurisdictions in one database, and two server processes
//! racing for the last vacancy on one ledger.
//!
//! The PostgreSQL tests run when `BIANZHI_TEST_PG` names a server whose user
//! may create databases (CI sets it); each creates its own database and drops
//! it afterwards.

use std::io::{BufRead, BufReader, Write};
use std::path::Path;
use std::process::{Child, ChildStdin, ChildStdout, Command, Output, Stdio};

use bianzhi_core::Matter;
use bianzhi_store::{Db, PgStore, SqliteStore};
use chrono::Utc;
use serde_json::json;

/// One key file (personal data at rest) for these tests' processes and this
/// one, which reads what the workers write.
pub(crate) fn shared_key() -> std::path::PathBuf {
    static KEY: std::sync::OnceLock<std::path::PathBuf> = std::sync::OnceLock::new();
    KEY.get_or_init(|| {
        let path =
            std::env::temp_dir().join(format!("bianzhi-db-tests-{}.key", std::process::id()));
        let key = bianzhi_store::pii::PiiKey::load_or_create(&path).unwrap();
        bianzhi_store::pii::install(Some(key));
        path
    })
    .clone()
}

pub(crate) fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bianzhi"));
    c.env_remove("BIANZHI_DB")
        .env_remove("BIANZHI_CONFIG")
        .env_remove("BIANZHI_DATABASE")
        .env("BIANZHI_KEY_FILE", shared_key());
    c
}

fn run(args: &[&str]) -> Output {
    bin().args(args).output().expect("run bianzhi")
}

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[track_caller]
pub(crate) fn ok(args: &[&str]) -> String {
    let o = run(args);
    assert!(
        o.status.success(),
        "bianzhi {args:?} failed:\n{}\n{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    text(&o.stdout)
}

pub(crate) fn server() -> Option<String> {
    let url = std::env::var("BIANZHI_TEST_PG")
        .ok()
        .filter(|s| !s.trim().is_empty());
    if url.is_none() {
        eprintln!("BIANZHI_TEST_PG 未设置：跳过 PostgreSQL 测试");
    }
    url
}

/// A fresh PostgreSQL database, dropped at the end.
pub(crate) struct TempDatabase {
    server: String,
    name: String,
    pub(crate) url: String,
}

impl TempDatabase {
    pub(crate) fn new(server: &str) -> Self {
        let name = format!(
            "bianzhi_test_cli_{}_{}",
            std::process::id(),
            Utc::now().timestamp_micros() % 1_000_000_000
        );
        let url = PgStore::create_database(server, &name).unwrap();
        TempDatabase {
            server: server.to_string(),
            name,
            url,
        }
    }
}

impl Drop for TempDatabase {
    fn drop(&mut self) {
        let _ = PgStore::drop_database(&self.server, &self.name);
    }
}

/// Every journal row of a SQLite ledger, as stored.
#[allow(clippy::type_complexity)]
fn journal_rows(path: &Path) -> Vec<(i64, String, String, i64, String, Vec<u8>, Vec<u8>, Vec<u8>)> {
    let c = rusqlite::Connection::open(path).unwrap();
    let mut s = c
        .prepare(
            "SELECT seq, doc_no, effective, recorded_at, actor, payload, prev_hash, hash \
             FROM journal ORDER BY seq",
        )
        .unwrap();
    let rows = s
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
                r.get(6)?,
                r.get(7)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    rows
}

/// The reports a person would look at, as printed.
fn reports(db: &str) -> Vec<String> {
    let mut out = Vec::new();
    for date in ["2021-06-30", "2024-12-31"] {
        out.push(ok(&["--database", db, "summary", "--as-of", date]));
        out.push(ok(&["--database", db, "instruments", "--as-of", date]));
        for unit in ["区教育局", "区人民医院"] {
            out.push(ok(&["--database", db, "unit", unit, "--as-of", date]));
        }
    }
    out.push(ok(&["--database", db, "units", "--all"]));
    out.push(ok(&["--database", db, "history", "区教育局"]));
    out
}

/// The demo district, SQLite → PostgreSQL → SQLite: the same rows, hashes
/// and reports, and a chain that verifies at every step.
#[test]
fn db_copy_round_trip_sqlite_postgres_sqlite() {
    let Some(server) = server() else { return };
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    let a_s = a.to_str().unwrap();
    let b_s = b.to_str().unwrap();
    ok(&["--db", a_s, "demo"]);
    let pg = TempDatabase::new(&server);
    let pg_ledger = format!("{}?ledger=320903", pg.url);

    let out = ok(&[
        "db",
        "copy",
        "--from",
        &format!("sqlite:{a_s}"),
        "--to",
        &pg.url,
    ]);
    assert!(out.contains("哈希链完整"), "{out}");
    assert!(out.contains("链头与源一致"), "{out}");
    assert!(out.contains("报表核对一致"), "{out}");
    let v = ok(&["--database", &pg_ledger, "verify"]);
    assert!(
        v.contains("哈希链完整") && v.contains("重放核对通过"),
        "{v}"
    );

    let out = ok(&[
        "db",
        "copy",
        "--from",
        &pg_ledger,
        "--to",
        &format!("sqlite:{b_s}"),
    ]);
    assert!(out.contains("报表核对一致"), "{out}");
    ok(&["--db", b_s, "verify"]);

    let (ra, rb) = (journal_rows(&a), journal_rows(&b));
    assert!(ra.len() > 1000, "{}", ra.len());
    assert!(ra == rb, "journal rows differ after the round trip");
    let reports_a = reports(a_s);
    assert_eq!(reports_a, reports(b_s));
    assert_eq!(reports_a, reports(&pg_ledger));
    assert!(reports_a[0].contains("盐城市盐都区"), "{}", reports_a[0]);

    // A copy goes only into an empty ledger.
    let o = run(&[
        "db",
        "copy",
        "--from",
        &format!("sqlite:{a_s}"),
        "--to",
        &pg.url,
    ]);
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("只能复制到空台账"),
        "{}",
        text(&o.stderr)
    );
}

/// A source whose chain is broken is not copied, and no target file appears.
#[test]
fn db_copy_refuses_a_broken_source_and_an_existing_target() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    let a_s = a.to_str().unwrap();
    let b_s = b.to_str().unwrap();
    ok(&[
        "--db",
        a_s,
        "init",
        "--code",
        "320903",
        "--name",
        "盐城市盐都区",
    ]);
    let mut db = Db::open(Box::new(SqliteStore::open(&a).unwrap())).unwrap();
    db.submit(setup(2), Utc::now()).unwrap();
    db.submit(hire(1), Utc::now()).unwrap();
    drop(db);

    // Into an existing file: refused.
    std::fs::write(&b, b"").unwrap();
    let o = run(&["db", "copy", "--from", a_s, "--to", b_s]);
    assert!(!o.status.success());
    assert!(text(&o.stderr).contains("已存在"), "{}", text(&o.stderr));
    std::fs::remove_file(&b).unwrap();

    // SQLite to SQLite works, and verifies.
    let out = ok(&["db", "copy", "--from", a_s, "--to", b_s]);
    assert!(out.contains("报表核对一致"), "{out}");
    std::fs::remove_file(&b).unwrap();

    let c = rusqlite::Connection::open(&a).unwrap();
    c.execute_batch(
        "DROP TRIGGER journal_no_update; \
         UPDATE journal SET actor = '篡改者' WHERE seq = 2;",
    )
    .unwrap();
    drop(c);
    let o = run(&["db", "copy", "--from", a_s, "--to", b_s]);
    assert!(!o.status.success());
    let err = text(&o.stderr);
    assert!(err.contains("源台账校验失败，未复制：第 2 条事项"), "{err}");
    assert!(!b.exists());
    assert!(!dir.path().join("b.db.partial").exists());
}

// ---- matters --------------------------------------------------------------

pub(crate) fn id(n: u32) -> String {
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

pub(crate) fn stamped(mut v: serde_json::Value) -> serde_json::Value {
    let o = v.as_object_mut().unwrap();
    o.insert("recorded_at".into(), json!(Utc::now()));
    o.insert("actor".into(), json!("测试"));
    v
}

fn matter(v: serde_json::Value) -> Matter {
    serde_json::from_value(stamped(v)).unwrap()
}

fn setup_json(quota: i32) -> serde_json::Value {
    json!({
        "doc": "盐编〔2024〕1号", "effective": "2024-01-02", "reason": "建账",
        "ops": [
            {"op": "create_unit", "name": "盐都区教育局", "kind": "政府工作部门", "rank": "正科级"},
            {"op": "set_quota", "unit": "盐都区教育局", "qtype": "行政编制", "funding": "全额拨款", "count": 10},
            {"op": "create_unit", "name": "盐都区实验小学", "kind": "事业单位", "rank": "股级", "parent": "盐都区教育局"},
            {"op": "set_quota", "unit": "盐都区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": quota},
            {"op": "approve_plan_line", "unit": "盐都区实验小学", "year": 2024, "channel": "公开招聘",
             "qtype": "事业编制", "count": 10000}
        ]
    })
}

pub(crate) fn setup(quota: i32) -> Matter {
    matter(setup_json(quota))
}

fn hire_json(n: u32) -> serde_json::Value {
    json!({
        "doc": format!("盐编〔2024〕{}号", 100 + n), "effective": "2024-03-01",
        "ops": [{"op": "hire", "unit": "盐都区实验小学", "qtype": "事业编制", "funding": "全额拨款",
                 "plan_line": 0,
                 "details": {"name": format!("测试{n}"), "id_number": id(n), "identity": "事业人员"}}]
    })
}

fn hire(n: u32) -> Matter {
    matter(hire_json(n))
}

pub(crate) fn one_more_slot(round: u32) -> Matter {
    matter(json!({
        "doc": format!("盐编〔2025〕{}号", round + 1), "effective": "2024-03-01",
        "ops": [{"op": "increase_quota", "unit": "盐都区实验小学", "qtype": "事业编制",
                 "funding": "全额拨款", "count": 1}]
    }))
}

// ---- two server processes -------------------------------------------------

/// A `bianzhi db worker` process: loads the ledger once, then records the
/// matters it is sent, one answer line each.
struct Worker {
    child: Child,
    stdin: ChildStdin,
    stdout: BufReader<ChildStdout>,
}

impl Worker {
    fn start(database: &str) -> Worker {
        let mut child = bin()
            .args(["--database", database, "db", "worker"])
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit())
            .spawn()
            .unwrap();
        let stdin = child.stdin.take().unwrap();
        let mut stdout = BufReader::new(child.stdout.take().unwrap());
        let mut line = String::new();
        stdout.read_line(&mut line).unwrap();
        assert!(line.starts_with("ready "), "{line}");
        Worker {
            child,
            stdin,
            stdout,
        }
    }

    fn send(&mut self, line: &str) {
        writeln!(self.stdin, "{line}").unwrap();
        self.stdin.flush().unwrap();
    }

    fn answer(&mut self) -> String {
        let mut line = String::new();
        self.stdout.read_line(&mut line).unwrap();
        line.trim_end().to_string()
    }

    fn stop(mut self) {
        drop(self.stdin);
        assert!(self.child.wait().unwrap().success());
    }
}

/// Two worker processes, each with the ledger loaded, get a hire for the one
/// vacancy opened each round (by a third writer, so both start stale), sent
/// to both at once: exactly one is recorded, the other refused with the usual
/// message — every round; at the end the journal verifies and holds exactly
/// one hire per round.
fn race_for_the_last_vacancy(database: &str, admin: Box<dyn bianzhi_store::JournalStore>) {
    const ROUNDS: u32 = 30;
    shared_key();
    let mut admin = Db::init(admin, "320903", "盐城市盐都区").unwrap();
    admin.submit(setup(0), Utc::now()).unwrap();
    let mut workers = [Worker::start(database), Worker::start(database)];
    for round in 0..ROUNDS {
        admin.submit(one_more_slot(round), Utc::now()).unwrap();
        let lines: Vec<String> = (0..2)
            .map(|w| stamped(hire_json(round * 2 + w + 1)).to_string())
            .collect();
        for (w, line) in workers.iter_mut().zip(&lines) {
            w.send(line);
        }
        let answers: Vec<String> = workers.iter_mut().map(Worker::answer).collect();
        let wins = answers.iter().filter(|a| a.starts_with("ok ")).count();
        assert_eq!(wins, 1, "round {round}: {answers:?}");
        let refused = answers.iter().find(|a| !a.starts_with("ok ")).unwrap();
        assert!(
            refused.starts_with("refused ")
                && refused.contains("盐都区实验小学 事业编制(全额拨款) 可用空编 0，不能入编 1 人"),
            "round {round}: {answers:?}"
        );
    }
    for w in workers {
        w.stop();
    }
    let v = ok(&["--database", database, "verify"]);
    assert!(v.contains(&format!("共 {} 条事项", 1 + 2 * ROUNDS)), "{v}");
    admin.catch_up().unwrap();
    assert_eq!(
        admin.state().persons.iter().flatten().count(),
        ROUNDS as usize
    );
    let out = ok(&[
        "--database",
        database,
        "unit",
        "盐都区实验小学",
        "--as-of",
        "2024-12-31",
    ]);
    assert!(
        out.contains(&format!("实名制花名册（{ROUNDS} 人）")),
        "{out}"
    );
}

#[test]
fn two_processes_race_for_the_last_vacancy_on_postgres() {
    let Some(server) = server() else { return };
    let pg = TempDatabase::new(&server);
    let admin = PgStore::open(&pg.url, "320903").unwrap();
    race_for_the_last_vacancy(&pg.url, Box::new(admin));
}

#[test]
fn two_processes_race_for_the_last_vacancy_on_sqlite() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.db");
    let admin = SqliteStore::open(&path).unwrap();
    race_for_the_last_vacancy(path.to_str().unwrap(), Box::new(admin));
}

/// Two districts in one database; the city reads both and adds them up.
#[test]
fn rollup_of_the_districts_in_one_database() {
    let Some(server) = server() else { return };
    let pg = TempDatabase::new(&server);
    let dir = tempfile::tempdir().unwrap();
    for (code, name, hires) in [("320902", "盐城市亭湖区", 1), ("320903", "盐城市盐都区", 2)]
    {
        ok(&[
            "--database",
            &pg.url,
            "init",
            "--code",
            code,
            "--name",
            name,
        ]);
        let mut matters = vec![stamped(setup_json(5))];
        matters.extend((0..hires).map(|n| stamped(hire_json(n + 1))));
        let file = dir.path().join(format!("{code}.json"));
        std::fs::write(&file, serde_json::to_string(&matters).unwrap()).unwrap();
        let db = format!("{}?ledger={code}", pg.url);
        ok(&["--database", &db, "apply", file.to_str().unwrap()]);
    }
    // Without ledger= a database with two ledgers is ambiguous.
    let o = run(&["--database", &pg.url, "summary"]);
    assert!(!o.status.success());
    assert!(
        text(&o.stderr).contains("有多个台账"),
        "{}",
        text(&o.stderr)
    );

    let listed = ok(&["--database", &pg.url, "db", "ledgers"]);
    assert!(
        listed.contains("320902  盐城市亭湖区  2 条事项"),
        "{listed}"
    );
    assert!(
        listed.contains("320903  盐城市盐都区  3 条事项"),
        "{listed}"
    );

    let out = ok(&[
        "--database",
        &pg.url,
        "rollup",
        "--as-of",
        "2024-12-31",
        "--under",
        "320900",
    ]);
    assert!(out.contains("2 个区划台账汇总"), "{out}");
    let line = |prefix: &str| {
        out.lines()
            .find(|l| l.starts_with(prefix))
            .unwrap_or_else(|| panic!("no line {prefix}: {out}"))
            .split_whitespace()
            .map(str::to_string)
            .collect::<Vec<_>>()
    };
    // 区划代码 名称 事项 机构 核定 实有 冻结（已批未入编） 可用空编 超编
    assert_eq!(line("320902")[2..], ["2", "2", "15", "0", "1", "14", "0"]);
    assert_eq!(line("320903")[2..], ["3", "2", "15", "0", "2", "13", "0"]);
    assert_eq!(line("合计")[1..], ["5", "4", "30", "0", "3", "27", "0"]);
    assert_eq!(line("事业编制")[1..], ["10", "0", "3", "7", "0"]);

    // Another province's prefix selects nothing.
    let o = run(&["--database", &pg.url, "rollup", "--under", "330000"]);
    assert!(!o.status.success());
}

/// Without BIANZHI_KEY_FILE, a SQLite ledger's personal data is sealed under
/// the key file beside it: a copy reads the source with that key and puts the
/// same key beside a SQLite target, so the copy can be searched by 身份证号.
#[test]
fn db_copy_carries_the_key_beside_a_sqlite_ledger() {
    let dir = tempfile::tempdir().unwrap();
    let a = dir.path().join("a.db");
    let b = dir.path().join("b.db");
    let (a_s, b_s) = (a.to_str().unwrap(), b.to_str().unwrap());
    let own_key = |args: &[&str]| {
        let o = bin()
            .env_remove("BIANZHI_KEY_FILE")
            .args(args)
            .output()
            .unwrap();
        assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
        text(&o.stdout)
    };
    own_key(&[
        "--db",
        a_s,
        "init",
        "--code",
        "320903",
        "--name",
        "盐城市盐都区",
    ]);
    let file = dir.path().join("m.json");
    std::fs::write(
        &file,
        serde_json::to_string(&[setup_json(2), hire_json(7)]).unwrap(),
    )
    .unwrap();
    own_key(&["--db", a_s, "apply", file.to_str().unwrap()]);
    assert!(bianzhi_store::pii::key_path(&a).exists());
    let out = own_key(&["db", "copy", "--from", a_s, "--to", b_s]);
    assert!(out.contains("报表核对一致"), "{out}");
    assert!(out.contains("密钥已随台账复制"), "{out}");
    let found = own_key(&["--db", b_s, "person", &id(7)]);
    assert!(found.contains("测试7"), "{found}");
    assert_eq!(
        std::fs::read(bianzhi_store::pii::key_path(&a)).unwrap(),
        std::fs::read(bianzhi_store::pii::key_path(&b)).unwrap()
    );
}
