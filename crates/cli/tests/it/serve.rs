//! Several `bianzhi serve` processes on one ledger (PostgreSQL, and one
//! SQLite file for comparison), driven over HTTP on loopback: concurrent approvals racing for the last vacancy (exactly
//! one wins, every round), accounts, sessions and applications shared between
//! the servers, and (ignored; run by hand) the catch-up latency between them.
//!
//! The PostgreSQL tests run when `BIANZHI_TEST_PG` names a server whose user
//! may create databases (each makes its own database and drops it).

use std::net::TcpStream;
use std::process::{Child, Stdio};
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use bianzhi_store::{
    Db, JournalStore, PgStore, PgWorkflow, SqliteStore, SqliteWorkflow, WorkflowStore,
};
use chrono::Utc;
use serde_json::{json, Value};

use crate::db::{bin, id, ok, one_more_slot, server, setup, shared_key, TempDatabase};

const CODE: &str = "320903";
const PASSWORD: &str = "Test-pass-2024";

/// A `bianzhi serve` process on a free loopback port; killed when dropped.
struct Server {
    child: Child,
    port: u16,
}

impl Server {
    fn start(database: &str, catch_up_ms: Option<u64>) -> Server {
        Server::start_with(&["--database", database], catch_up_ms)
    }

    /// A server whose database comes from a config file (`database = "…"`).
    fn start_with_config(config: &std::path::Path) -> Server {
        Server::start_with(&["--config", config.to_str().unwrap()], None)
    }

    fn start_with(args: &[&str], catch_up_ms: Option<u64>) -> Server {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut cmd = bin();
        cmd.args(args)
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        if let Some(ms) = catch_up_ms {
            cmd.env("BIANZHI_CATCH_UP_MS", ms.to_string());
        }
        let mut server = Server {
            child: cmd.spawn().expect("start bianzhi serve"),
            port,
        };
        server.wait_listening();
        server
    }

    /// Waits until the server listens (it may first build the demo).
    fn wait_listening(&mut self) {
        let deadline = Instant::now() + Duration::from_secs(300);
        while TcpStream::connect(("127.0.0.1", self.port)).is_err() {
            if let Some(status) = self.child.try_wait().unwrap() {
                panic!("bianzhi serve ended before listening: {status}");
            }
            assert!(Instant::now() < deadline, "bianzhi serve did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
    }

    fn get(&self, path: &str, token: &str) -> (u16, Value) {
        http(self.port, "GET", path, Some(token), None)
    }

    fn post(&self, path: &str, token: &str, body: Value) -> (u16, Value) {
        http(self.port, "POST", path, Some(token), Some(&body))
    }

    fn sign_in(&self, login: &str) -> String {
        self.sign_in_with(login, PASSWORD)
    }

    fn sign_in_with(&self, login: &str, password: &str) -> String {
        let (s, v) = http(
            self.port,
            "POST",
            "/api/v1/session",
            None,
            Some(&json!({"login": login, "password": password})),
        );
        assert_eq!(s, 200, "{v}");
        v["token"].as_str().unwrap().to_string()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// One HTTP/1.1 request (`Connection: close`); answers the status and the
/// JSON body (`Null` if the body is not JSON). Panics without an answer
/// (the crash test, `crash::request`, tells the kinds of no answer apart).
fn http(
    port: u16,
    method: &str,
    path: &str,
    token: Option<&str>,
    body: Option<&Value>,
) -> (u16, Value) {
    crate::crash::request(port, method, path, token, body)
        .unwrap_or_else(|e| panic!("{method} {path}: no answer: {e:?}"))
}

/// Where the servers' ledger lives.
#[derive(Debug, Clone, Copy)]
enum Backend {
    Postgres,
    /// One SQLite file shared by the server processes of one machine.
    Sqlite,
}

/// What keeps a test's database alive (dropped at the end).
#[allow(dead_code)]
enum Keep {
    Pg(TempDatabase),
    Dir(tempfile::TempDir),
}

/// A fresh ledger of [`CODE`]: 盐都区实验小学 with no 事业编制 (each round opens
/// one), a 2024 公开招聘 plan, and the accounts of a unit clerk (`danwei`, for
/// 盐都区教育局's subtree), the 编办's leader (`lingdao`) and clerk (`jingban`).
/// Answers what keeps the database, the address servers open it with, the
/// test's own `Db` on the ledger (a third writer) and the school's id; `None`
/// (test skipped) for PostgreSQL without `BIANZHI_TEST_PG`.
fn ledger(backend: Backend) -> Option<(Keep, String, Db, u32)> {
    shared_key();
    let (keep, database, store, mut wf): (_, _, Box<dyn JournalStore>, Box<dyn WorkflowStore>) =
        match backend {
            Backend::Postgres => {
                let pg = TempDatabase::new(&server()?);
                let store = PgStore::open(&pg.url, CODE).unwrap();
                let wf = PgWorkflow::open(&pg.url, CODE).unwrap();
                let database = format!("{}?ledger={CODE}", pg.url);
                (Keep::Pg(pg), database, Box::new(store), Box::new(wf))
            }
            Backend::Sqlite => {
                let dir = tempfile::tempdir().unwrap();
                let path = dir.path().join("ledger.db");
                let store = SqliteStore::open(&path).unwrap();
                let wf = SqliteWorkflow::open(&path).unwrap();
                let database = path.to_str().unwrap().to_string();
                (Keep::Dir(dir), database, Box::new(store), Box::new(wf))
            }
        };
    let mut admin = Db::init(store, CODE, "盐城市盐都区").unwrap();
    admin.submit(setup(0), Utc::now()).unwrap();
    let unit = |name: &str| admin.state().unit_by_name[name].0;
    let (bureau, school) = (unit("盐都区教育局"), unit("盐都区实验小学"));
    let hash = bianzhi_web::auth::hash_password(PASSWORD).unwrap();
    for (login, role, unit) in [
        ("danwei", "unit_clerk", Some(bureau)),
        ("lingdao", "office_leader", None),
        ("jingban", "office_clerk", None),
    ] {
        wf.create_user(&bianzhi_store::NewUser {
            login: login.into(),
            display_name: format!("测试{login}"),
            role: role.into(),
            unit,
            password_hash: hash.clone(),
        })
        .unwrap();
    }
    Some((keep, database, admin, school))
}

fn hire_application(school: u32, plan: u64, n: u32) -> Value {
    json!({"kind": "hire", "unit": school, "name": format!("测试{n}"), "id_number": id(n),
           "qtype": "事业编制", "funding": "全额拨款", "plan_line": plan, "identity": "事业人员",
           "effective": "2024-03-01", "reason": "公开招聘"})
}

/// Two `serve` processes on one ledger (the second started from a
/// `bianzhi.toml` naming the database). Each round a third writer opens one
/// vacancy (both servers are then behind), the unit clerk submits application
/// A on server 1 and B on server 2, and the leader approves A on server 1 and
/// B on server 2 at the same moment: exactly one approval succeeds, the other
/// is refused (422 no_vacancy, 可用空编 0) and that application stays 待审核
/// with the reason; the journal gains exactly one matter. At the end the
/// chains (journal and audit) verify, both servers list the same approved
/// applications and show the same roster, and a sign-out on one server ends
/// the session on the other.
fn race_for_the_last_vacancy(backend: Backend) {
    const ROUNDS: u32 = 50;
    let Some((_keep, database, mut admin, school)) = ledger(backend) else {
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let config = dir.path().join("bianzhi.toml");
    std::fs::write(&config, format!("database = \"{database}\"\n")).unwrap();
    let servers = Arc::new([
        Server::start(&database, None),
        // The second one reads its database from bianzhi.toml.
        Server::start_with_config(&config),
    ]);
    // One sign-in, on server 1, serves on server 2 too (shared sessions).
    let clerk = servers[0].sign_in("danwei");
    let leader = servers[0].sign_in("lingdao");
    let (s, plans) = servers[1].get("/api/v1/plans", &clerk);
    assert_eq!(s, 200, "{plans}");
    let plan = plans["items"][0]["id"].as_u64().unwrap();
    let started = Instant::now();
    for round in 0..ROUNDS {
        admin.submit(one_more_slot(round), Utc::now()).unwrap();
        let apps: Vec<i64> = (0..2)
            .map(|k| {
                let (s, a) = servers[k].post(
                    "/api/v1/applications",
                    &clerk,
                    hire_application(school, plan, round * 2 + k as u32 + 1),
                );
                assert_eq!(s, 201, "round {round}: {a}");
                a["id"].as_i64().unwrap()
            })
            .collect();
        let barrier = Arc::new(Barrier::new(2));
        let answers: Vec<(u16, Value)> = (0..2)
            .map(|k| {
                let (servers, barrier, leader) = (servers.clone(), barrier.clone(), leader.clone());
                let app = apps[k];
                std::thread::spawn(move || {
                    barrier.wait();
                    servers[k].post(
                        &format!("/api/v1/applications/{app}/approve"),
                        &leader,
                        json!({"doc": format!("盐编〔2024〕{}号", 100 + app),
                               "effective": "2024-03-01"}),
                    )
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        let winners: Vec<usize> = (0..2).filter(|&k| answers[k].0 == 200).collect();
        assert_eq!(winners.len(), 1, "round {round}: {answers:?}");
        let loser = 1 - winners[0];
        let (status, refusal) = &answers[loser];
        assert_eq!(*status, 422, "round {round}: {answers:?}");
        assert_eq!(refusal["code"], "no_vacancy", "round {round}: {refusal}");
        let msg = refusal["message"].as_str().unwrap();
        assert!(
            msg.contains("盐都区实验小学") && msg.contains("可用空编 0"),
            "round {round}: {msg}"
        );
        assert_eq!(answers[winners[0]].1["status"], "approved");
        // Exactly one new matter: the winner's hire.
        assert_eq!(admin.catch_up().unwrap(), 1, "round {round}");
        // The refused application stays pending with the reason, as either
        // server shows it.
        let (_, a) =
            servers[winners[0]].get(&format!("/api/v1/applications/{}", apps[loser]), &clerk);
        assert_eq!(a["status"], "submitted", "{a}");
        assert!(a["note"].as_str().unwrap().contains("可用空编 0"), "{a}");
    }
    eprintln!(
        "{backend:?}: {ROUNDS} rounds in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    assert_eq!(
        admin.state().persons.iter().flatten().count(),
        ROUNDS as usize
    );
    // Both servers: the same applications approved, the same roster (after
    // at most one catch-up period).
    std::thread::sleep(Duration::from_millis(1500));
    for s in servers.iter() {
        let (_, list) = s.get("/api/v1/applications?status=approved", &leader);
        assert_eq!(list["page"]["total"], ROUNDS, "{list}");
        let (_, list) = s.get("/api/v1/applications?status=submitted", &leader);
        assert_eq!(list["page"]["total"], ROUNDS, "{list}");
        let (st, roster) = s.get(
            &format!("/api/v1/units/{school}/roster?as_of=2024-12-31"),
            &leader,
        );
        assert_eq!(st, 200, "{roster}");
        let text = roster.to_string();
        assert_eq!(
            (1..=ROUNDS * 2)
                .filter(|n| text.contains(&format!("\"测试{n}\"")))
                .count(),
            ROUNDS as usize,
            "{roster}"
        );
    }
    // Signing out on server 2 ends the session on server 1 too (within a
    // catch-up period).
    assert_eq!(
        http(
            servers[1].port,
            "DELETE",
            "/api/v1/session",
            Some(&clerk),
            None
        )
        .0,
        204
    );
    let signed_out = Instant::now();
    while servers[0].get("/api/v1/me", &clerk).0 != 401 {
        assert!(
            signed_out.elapsed() < Duration::from_secs(5),
            "session still valid on server 1"
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    drop(servers);
    let v = ok(&["--database", &database, "verify"]);
    assert!(v.contains(&format!("共 {} 条事项", 1 + 2 * ROUNDS)), "{v}");
    assert!(v.contains("审计记录哈希链完整"), "{v}");
}

#[test]
fn two_servers_race_for_the_last_vacancy_on_postgres() {
    race_for_the_last_vacancy(Backend::Postgres);
}

/// The same with two servers on one SQLite file (one machine).
#[test]
fn two_servers_race_for_the_last_vacancy_on_sqlite() {
    race_for_the_last_vacancy(Backend::Sqlite);
}

/// The same application approved on two servers at the same moment, with
/// vacancies to spare: it is recorded once (one 200, the other 409 已批准),
/// never twice — 20 rounds.
fn one_application_approved_on_two_servers(backend: Backend) {
    const ROUNDS: u32 = 20;
    let Some((_keep, database, mut admin, school)) = ledger(backend) else {
        return;
    };
    let servers = Arc::new([
        Server::start(&database, None),
        Server::start(&database, None),
    ]);
    let clerk = servers[0].sign_in("danwei");
    let leader = servers[1].sign_in("lingdao");
    let (_, plans) = servers[0].get("/api/v1/plans", &clerk);
    let plan = plans["items"][0]["id"].as_u64().unwrap();
    for round in 0..ROUNDS {
        // Two vacancies: a second recording of the same hire would fit.
        admin.submit(one_more_slot(2 * round), Utc::now()).unwrap();
        admin
            .submit(one_more_slot(2 * round + 1), Utc::now())
            .unwrap();
        let (s, a) = servers[0].post(
            "/api/v1/applications",
            &clerk,
            hire_application(school, plan, round + 1),
        );
        assert_eq!(s, 201, "{a}");
        let app = a["id"].as_i64().unwrap();
        let barrier = Arc::new(Barrier::new(2));
        let answers: Vec<(u16, Value)> = (0..2)
            .map(|k| {
                let (servers, barrier, leader) = (servers.clone(), barrier.clone(), leader.clone());
                std::thread::spawn(move || {
                    barrier.wait();
                    servers[k].post(
                        &format!("/api/v1/applications/{app}/approve"),
                        &leader,
                        json!({"doc": format!("盐编〔2024〕{}号", 300 + round * 2 + k as u32),
                               "effective": "2024-03-01"}),
                    )
                })
            })
            .collect::<Vec<_>>()
            .into_iter()
            .map(|h| h.join().unwrap())
            .collect();
        let statuses: Vec<u16> = answers.iter().map(|a| a.0).collect();
        assert!(
            statuses == [200, 409] || statuses == [409, 200],
            "round {round}: {answers:?}"
        );
        let refused = &answers[statuses.iter().position(|&s| s == 409).unwrap()].1;
        assert!(
            refused["message"].as_str().unwrap().contains("已批准"),
            "round {round}: {refused}"
        );
        assert_eq!(admin.catch_up().unwrap(), 1, "round {round}: one matter");
    }
    assert_eq!(
        admin.state().persons.iter().flatten().count(),
        ROUNDS as usize
    );
}

#[test]
fn one_application_approved_on_two_servers_on_postgres() {
    one_application_approved_on_two_servers(Backend::Postgres);
}

#[test]
fn one_application_approved_on_two_servers_on_sqlite() {
    one_application_approved_on_two_servers(Backend::Sqlite);
}

/// The time from a matter recorded on server 1 (its HTTP answer) until
/// server 2's read shows it, with the default catch-up period and a short
/// one. Prints the figures for docs/SCALING.md; run by hand:
/// `BIANZHI_TEST_PG=… cargo test --release -p bianzhi --test it -- --ignored --nocapture catch_up_latency`
#[test]
#[ignore]
fn catch_up_latency_between_two_servers() {
    const SAMPLES: usize = 100;
    for (backend, period) in [
        // A poll once a minute: what is seen comes from LISTEN/NOTIFY.
        (Backend::Postgres, 60_000u64),
        (Backend::Postgres, 1000),
        (Backend::Postgres, 100),
        (Backend::Sqlite, 1000),
        (Backend::Sqlite, 100),
    ] {
        let Some((_keep, database, _admin, _school)) = ledger(backend) else {
            return;
        };
        let a = Server::start(&database, Some(period));
        let b = Server::start(&database, Some(period));
        let clerk = a.sign_in("jingban");
        let (mut write, mut visible) = (Vec::new(), Vec::new());
        for n in 0..SAMPLES {
            // Spread over the server's period (golden-ratio steps), not in
            // step with it: waiting for the last sample ended right after a
            // catch-up on server 2.
            let phase = (n as f64 * 0.618_034).fract() * period.min(1000) as f64;
            std::thread::sleep(Duration::from_micros((phase * 1e3) as u64));
            let t0 = Instant::now();
            let (s, m) = a.post(
                "/api/v1/matters",
                &clerk,
                json!({"doc": format!("盐编〔2025〕{}号", n + 1), "effective": "2024-06-01",
                       "ops": [{"op": "increase_quota", "unit": "盐都区实验小学", "qtype": "事业编制",
                                "funding": "全额拨款", "count": 1}]}),
            );
            assert_eq!(s, 201, "{m}");
            let seq = m["seq"].as_u64().unwrap();
            let t1 = Instant::now();
            loop {
                let (s, _) = b.get(&format!("/api/v1/matters/{seq}"), &clerk);
                if s == 200 {
                    break;
                }
                assert_eq!(s, 404);
                assert!(t1.elapsed() < Duration::from_secs(10), "never visible");
                std::thread::sleep(Duration::from_millis(2));
            }
            write.push((t1 - t0).as_secs_f64() * 1e3);
            visible.push(t1.elapsed().as_secs_f64() * 1e3);
        }
        let stats = |v: &mut Vec<f64>| {
            v.sort_by(f64::total_cmp);
            let q = |p: f64| v[((v.len() - 1) as f64 * p).round() as usize];
            format!(
                "median {:.1} / p90 {:.1} / p99 {:.1} / max {:.1} ms",
                q(0.5),
                q(0.9),
                q(0.99),
                q(1.0)
            )
        };
        println!(
            "{backend:?}, catch-up every {period} ms: write on server 1 (HTTP, durable) {}; \
             visible on server 2 after {}",
            stats(&mut write),
            stats(&mut visible)
        );
    }
}

/// What an office does first — `init` its ledger under its real code, then
/// `serve` to get its first account, then import — never turns its ledger
/// into the demo: no invented matters are written into it and none of the
/// published demo accounts is created, even with a unit named as the demo's.
#[test]
fn a_ledger_made_with_init_is_never_given_the_demo() {
    use bianzhi_store::{Db, SqliteStore, SqliteWorkflow, WorkflowStore};
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("real.db");
    let database = db.to_str().unwrap().to_string();
    let o = bin()
        .args([
            "--db",
            &database,
            "init",
            "--code",
            CODE,
            "--name",
            "盐城市盐都区",
        ])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    // A port already taken: `serve` prepares the ledger, then cannot listen
    // and ends.
    let taken = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = taken.local_addr().unwrap().to_string();
    let out = bin()
        .args(["--db", &database, "serve", "--addr", &addr])
        .env("BIANZHI_ADMIN_PASSWORD", PASSWORD)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let said = String::from_utf8_lossy(&out.stdout);
    assert!(said.contains("安全管理员"), "{said}");
    let ledger = Db::open(Box::new(SqliteStore::open(&db).unwrap())).unwrap();
    assert_eq!(ledger.load_stats.matters, 0, "no demo matters were written");
    assert!(!ledger.is_demo().unwrap());
    let users = SqliteWorkflow::open(&db).unwrap().users().unwrap();
    let logins: Vec<&str> = users.iter().map(|u| u.login.as_str()).collect();
    assert_eq!(logins, ["anquan"]);
    // `bianzhi demo` refuses to write the demo into it.
    let o = bin().args(["--db", &database, "demo"]).output().unwrap();
    assert!(!o.status.success());
    assert!(String::from_utf8_lossy(&o.stderr).contains("正式台账"));
    // A brand-new database is built as the demo and marked so.
    let demo_db = dir.path().join("demo.db");
    let o = bin()
        .args(["--db", demo_db.to_str().unwrap(), "demo"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    let demo = Db::open(Box::new(SqliteStore::open(&demo_db).unwrap())).unwrap();
    assert!(demo.is_demo().unwrap());
    assert!(demo.load_stats.matters > 1000);
}

/// Two servers started at the same moment on a database that does not hold
/// the ledger yet: one builds the demo, the other waits for it and then
/// serves the same ledger (before, one of them failed on the half-built
/// ledger).
fn two_servers_started_together(backend: Backend) {
    let dir = tempfile::tempdir().unwrap();
    let (database, _pg) = match backend {
        Backend::Sqlite => (
            dir.path().join("new.db").to_str().unwrap().to_string(),
            None,
        ),
        Backend::Postgres => {
            let Some(url) = server() else { return };
            let pg = TempDatabase::new(&url);
            (format!("{}?ledger={CODE}", pg.url), Some(pg))
        }
    };
    let spawn = || {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let child = bin()
            .args(["--database", &database])
            .args(["serve", "--addr", &format!("127.0.0.1:{port}")])
            .env("BIANZHI_ADMIN_PASSWORD", PASSWORD)
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start bianzhi serve");
        Server { child, port }
    };
    let mut servers = [spawn(), spawn()];
    for s in &mut servers {
        s.wait_listening();
    }
    let mut heads = Vec::new();
    for s in &servers {
        let token = s.sign_in_with("jingban", "jingban-2024");
        let (status, v) = s.get("/api/v1/summary", &token);
        assert_eq!(status, 200, "{v}");
        heads.push(v.to_string());
    }
    assert_eq!(heads[0], heads[1], "both serve the same ledger");
    // The demo was built once: every matter's 文号 once in the journal.
    let store: Box<dyn JournalStore> = match backend {
        Backend::Sqlite => Box::new(SqliteStore::open(std::path::Path::new(&database)).unwrap()),
        Backend::Postgres => Box::new(PgStore::open(&_pg.as_ref().unwrap().url, CODE).unwrap()),
    };
    let db = Db::open(store).unwrap();
    assert!(db.is_demo().unwrap());
    assert!(db.load_stats.matters > 1000);
    let mut docs = std::collections::HashSet::new();
    for (_, m) in db.ledger().decoded_journal().unwrap() {
        assert!(
            docs.insert((m.doc.to_string(), m.effective, m.reason.clone())),
            "{} twice",
            m.doc
        );
    }
}

#[test]
fn two_servers_started_together_on_postgres() {
    two_servers_started_together(Backend::Postgres);
}

#[test]
fn two_servers_started_together_on_sqlite() {
    two_servers_started_together(Backend::Sqlite);
}

/// On PostgreSQL a server hears of another's writes and sign-outs at once
/// (`LISTEN/NOTIFY`), not at its next poll: with the poll set to a minute, a
/// matter recorded on server 1 is readable on server 2, and a session ended
/// on server 2 is refused on server 1, within seconds.
#[test]
fn servers_hear_of_each_others_changes_at_once_on_postgres() {
    let Some((_keep, database, _admin, _school)) = ledger(Backend::Postgres) else {
        return;
    };
    let a = Server::start(&database, Some(60_000));
    let b = Server::start(&database, Some(60_000));
    let clerk = a.sign_in("jingban");
    for n in 0..5 {
        let (s, m) = a.post(
            "/api/v1/matters",
            &clerk,
            json!({"doc": format!("盐编〔2025〕{}号", n + 1), "effective": "2024-06-01",
                   "ops": [{"op": "increase_quota", "unit": "盐都区实验小学", "qtype": "事业编制",
                            "funding": "全额拨款", "count": 1}]}),
        );
        assert_eq!(s, 201, "{m}");
        let seq = m["seq"].as_u64().unwrap();
        let t = Instant::now();
        while b.get(&format!("/api/v1/matters/{seq}"), &clerk).0 != 200 {
            assert!(
                t.elapsed() < Duration::from_secs(5),
                "matter {seq} not visible on server 2 after 5 s"
            );
            std::thread::sleep(Duration::from_millis(5));
        }
    }
    // Signed out on server 2: refused on server 1 without waiting a minute.
    let (s, _) = http(b.port, "DELETE", "/api/v1/session", Some(&clerk), None);
    assert_eq!(s, 204, "sign-out");
    let t = Instant::now();
    while a.get("/api/v1/me", &clerk).0 != 401 {
        assert!(
            t.elapsed() < Duration::from_secs(5),
            "session still valid on server 1 after 5 s"
        );
        std::thread::sleep(Duration::from_millis(5));
    }
}
