//! End-to-end tests of the `bianzhi` binary: apply, queries, verify (tamper),
//! and a crash (SIGKILL) in the middle of recording.

use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

fn bin() -> Command {
    let mut c = Command::new(env!("CARGO_BIN_EXE_bianzhi"));
    c.env_remove("BIANZHI_DB").env_remove("BIANZHI_CONFIG");
    c
}

fn run(db: &Path, args: &[&str]) -> Output {
    bin()
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run bianzhi")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

struct Fixture {
    _dir: tempfile::TempDir,
    db: PathBuf,
    dir: PathBuf,
}

fn id(n: u32, birth_year: u32) -> String {
    // A valid 18-digit number for 盐都区 (320903), male sequence.
    let body = format!("320903{birth_year}0101{:03}", (n % 500) * 2 + 1);
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

/// A district with one bureau and one school, set up through `apply`.
fn fixture() -> Fixture {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let o = run(&db, &["init", "--code", "320903", "--name", "盐城市盐都区"]);
    assert!(o.status.success(), "{}", stderr(&o));
    let path = dir.path().to_path_buf();
    let f = Fixture {
        _dir: dir,
        db,
        dir: path,
    };
    let setup = serde_json::json!({ "matters": [{
        "doc": "盐编[2024]1号",
        "effective": "2024-01-02",
        "reason": "建账",
        "ops": [
            {"op": "create_unit", "name": "盐都区教育局", "kind": "政府工作部门", "rank": "正科级"},
            {"op": "set_quota", "unit": "盐都区教育局", "qtype": "行政编制", "funding": "全额拨款", "count": 10},
            {"op": "create_unit", "name": "盐都区实验小学", "kind": "事业单位", "rank": "股级", "parent": "盐都区教育局"},
            {"op": "set_quota", "unit": "盐都区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 2},
            {"op": "approve_plan_line", "unit": "盐都区实验小学", "year": 2024, "channel": "公开招聘", "qtype": "事业编制", "count": 5}
        ]
    }]});
    f.apply_json("setup.json", &setup, true);
    f
}

impl Fixture {
    fn apply_json(&self, name: &str, v: &serde_json::Value, ok: bool) -> Output {
        let p = self.dir.join(name);
        std::fs::write(&p, serde_json::to_string_pretty(v).unwrap()).unwrap();
        let o = run(&self.db, &["apply", p.to_str().unwrap()]);
        assert_eq!(o.status.success(), ok, "{}\n{}", stdout(&o), stderr(&o));
        o
    }
}

fn hire(doc: &str, date: &str, name: &str, n: u32) -> serde_json::Value {
    serde_json::json!({
        "doc": doc, "effective": date,
        "ops": [{"op": "hire", "unit": "盐都区实验小学", "qtype": "事业编制", "funding": "全额拨款",
                 "plan_line": 0,
                 "details": {"name": name, "id_number": id(n, 1995), "identity": "事业人员"}}]
    })
}

#[test]
fn apply_query_and_refuse_beyond_quota() {
    let f = fixture();
    f.apply_json(
        "h.json",
        &serde_json::json!([
            hire("盐编〔2024〕2号", "2024-03-01", "王芳", 1),
            hire("盐编〔2024〕3号", "2024-03-02", "李强", 2)
        ]),
        true,
    );
    // A file whose second matter breaks the quota writes nothing at all.
    let o = f.apply_json(
        "bad.json",
        &serde_json::json!([
            {"doc": "盐编〔2024〕4号", "effective": "2024-04-01",
             "ops": [{"op": "increase_quota", "unit": "盐都区教育局", "qtype": "行政编制", "funding": "全额拨款", "count": 1}]},
            hire("盐编〔2024〕5号", "2024-04-02", "张伟", 3)
        ]),
        false,
    );
    let err = stderr(&o);
    assert!(
        err.contains("盐都区实验小学 事业编制(全额拨款) 可用空编 0，不能入编 1 人"),
        "{err}"
    );
    let o = run(&f.db, &["history", "盐都区教育局"]);
    assert!(
        !stdout(&o).contains("盐编〔2024〕4号"),
        "nothing of the bad file was written"
    );

    let o = run(&f.db, &["unit", "盐都区实验小学", "--as-of", "2024-03-01"]);
    let out = stdout(&o);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(out.contains("实名制花名册（1 人）"), "{out}");
    assert!(
        out.contains("3209**********"),
        "ID numbers are masked: {out}"
    );
    let o = run(&f.db, &["unit", "盐都区实验小学", "--as-of", "2024-02-01"]);
    assert!(stdout(&o).contains("实名制花名册（0 人）"));
    let o = run(&f.db, &["unit", "盐都区实验小学", "--as-of", "2024-13-01"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("格式不对"), "{}", stderr(&o));

    let o = run(&f.db, &["person", "wf"]);
    assert!(stdout(&o).contains("王芳"), "{}", stdout(&o));
    let o = run(&f.db, &["person", &id(2, 1995)]);
    assert!(stdout(&o).contains("李强"));
    let o = run(&f.db, &["history", "盐都区实验小学"]);
    let out = stdout(&o);
    assert!(
        out.contains("盐编〔2024〕1号") && out.contains("王芳 入编"),
        "{out}"
    );
    let o = run(&f.db, &["verify"]);
    assert!(o.status.success(), "{}", stdout(&o));
}

#[test]
fn verify_names_a_tampered_matter() {
    let f = fixture();
    f.apply_json(
        "h.json",
        &hire("盐编〔2024〕2号", "2024-03-01", "王芳", 1),
        true,
    );
    f.apply_json(
        "h2.json",
        &hire("盐编〔2024〕3号", "2024-03-02", "李强", 2),
        true,
    );
    {
        let c = rusqlite::Connection::open(&f.db).unwrap();
        c.execute_batch("DROP TRIGGER journal_no_update;").unwrap();
        // Change one character of the stored matter: 王芳 → 王方.
        let payload: Vec<u8> = c
            .query_row("SELECT payload FROM journal WHERE seq = 2", [], |r| {
                r.get(0)
            })
            .unwrap();
        let text = String::from_utf8(payload).unwrap().replace("王芳", "王方");
        c.execute(
            "UPDATE journal SET payload = ?1 WHERE seq = 2",
            [text.as_bytes()],
        )
        .unwrap();
    }
    let o = run(&f.db, &["verify"]);
    assert!(!o.status.success());
    let out = stdout(&o);
    assert!(out.contains("第 2 条事项（盐编〔2024〕2号）"), "{out}");
}

#[test]
fn verify_checks_the_audit_trail() {
    use bianzhi_store::{NewAudit, SqliteWorkflow, WorkflowStore};
    // The entries are written in this process, signed under the key the
    // binary is given (the tests' shared key; see chain.rs).
    let (_dir, db) = chain::ledger();
    let f = Fixture {
        _dir: tempfile::tempdir().unwrap(),
        dir: PathBuf::new(),
        db,
    };
    let run = |db: &Path, args: &[&str]| chain::run(db, args);
    {
        let mut wf = SqliteWorkflow::open(&f.db).unwrap();
        for action in ["登录", "查看身份证号"] {
            wf.append_audit(&NewAudit {
                at: chrono::Utc::now(),
                actor: "lingdao".into(),
                ip: "10.1.2.3".into(),
                action: action.into(),
                target: "人员 1".into(),
                detail: String::new(),
            })
            .unwrap();
        }
    }
    let o = run(&f.db, &["verify"]);
    assert!(o.status.success(), "{}", stdout(&o));
    assert!(
        stdout(&o).contains("审计记录哈希链完整：共 2 条"),
        "{}",
        stdout(&o)
    );
    {
        let c = rusqlite::Connection::open(&f.db).unwrap();
        c.execute_batch(
            "DROP TRIGGER audit_no_update; UPDATE audit SET actor = 'someone' WHERE seq = 2;",
        )
        .unwrap();
    }
    let o = run(&f.db, &["verify"]);
    assert!(!o.status.success());
    let out = stdout(&o);
    assert!(
        out.contains("审计记录校验失败") && out.contains("第 2 条"),
        "{out}"
    );
}

#[test]
fn a_killed_process_loses_no_acknowledged_matter_and_leaves_no_partial_one() {
    let f = fixture();
    // Many small matters recorded one by one, each acknowledged when durable.
    let matters: Vec<serde_json::Value> = (0..4000)
        .map(|i| {
            serde_json::json!({
                "doc": format!("盐编〔2024〕{}号", i + 10),
                "effective": "2024-05-01",
                "ops": [
                    {"op": "increase_quota", "unit": "盐都区教育局", "qtype": "行政编制", "funding": "全额拨款", "count": 1},
                    {"op": "increase_quota", "unit": "盐都区实验小学", "qtype": "事业编制", "funding": "全额拨款", "count": 1}
                ]
            })
        })
        .collect();
    let p = f.dir.join("many.json");
    std::fs::write(&p, serde_json::to_string(&matters).unwrap()).unwrap();
    let mut child = bin()
        .arg("--db")
        .arg(&f.db)
        .args(["apply", "--each", p.to_str().unwrap()])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut acked = 0u64;
    let mut lines = BufReader::new(child.stdout.take().unwrap()).lines();
    while let Some(Ok(line)) = lines.next() {
        if let Some(rest) = line.strip_prefix("已登记 第 ") {
            acked = rest.split(' ').next().unwrap().parse().unwrap();
        }
        if acked >= 300 {
            break;
        }
    }
    child.kill().unwrap(); // SIGKILL
    child.wait().unwrap();
    assert!(acked >= 300, "the child acknowledged {acked} matters");

    let o = run(&f.db, &["verify"]);
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    let out = stdout(&o);
    let n: u64 = out
        .split("共 ")
        .nth(1)
        .and_then(|s| s.split(' ').next())
        .and_then(|s| s.parse().ok())
        .unwrap_or_else(|| panic!("{out}"));
    assert!(
        n >= acked,
        "journal has {n} matters, {acked} were acknowledged"
    );
    // Every matter is whole: both quotas rose by the same number of matters.
    let o = run(&f.db, &["unit", "盐都区教育局", "--as-of", "2024-05-01"]);
    let expected = format!("{}", 10 + (n - 1));
    assert!(stdout(&o).contains(&expected), "{}", stdout(&o));
    let o = run(&f.db, &["unit", "盐都区实验小学", "--as-of", "2024-05-01"]);
    let expected = format!("{}", 2 + (n - 1));
    assert!(stdout(&o).contains(&expected), "{}", stdout(&o));
}

#[test]
fn database_path_from_env_and_config_file() {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("env.db");
    let o = bin()
        .env("BIANZHI_DB", &db)
        .args(["init", "--code", "320903", "--name", "盐城市盐都区"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(db.exists());
    let cfg = dir.path().join("bianzhi.toml");
    std::fs::write(&cfg, "database = \"cfg.db\"\n").unwrap();
    let o = bin()
        .arg("--config")
        .arg(&cfg)
        .args(["init", "--code", "320903", "--name", "盐城市盐都区"])
        .output()
        .unwrap();
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(dir.path().join("cfg.db").exists());
    // A missing database gives a clear message, not a new empty file.
    let o = run(&dir.path().join("none.db"), &["summary"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("bianzhi demo"), "{}", stderr(&o));
}

mod chain;
mod crash;
mod db;
mod httpbench;
mod reportcmd;
mod serve;
mod tls;

#[test]
fn personal_data_is_sealed_at_rest_and_still_searchable() {
    let f = fixture();
    f.apply_json(
        "h.json",
        &hire("盐编〔2024〕2号", "2024-03-01", "王芳", 1),
        true,
    );
    let idn = id(1, 1995);
    // The key file sits beside the database, readable by the owner only.
    let key = bianzhi_store::pii::key_path(&f.db);
    assert!(key.exists());
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&key).unwrap().permissions().mode();
        assert_eq!(mode & 0o777, 0o600, "{mode:o}");
    }
    // A snapshot too, then look at every byte on disk (database, WAL).
    {
        let c = rusqlite::Connection::open(&f.db).unwrap();
        c.execute_batch("PRAGMA wal_checkpoint(TRUNCATE);").unwrap();
    }
    let mut bytes = Vec::new();
    for ext in ["", "-wal", "-shm"] {
        let mut p = f.db.as_os_str().to_owned();
        p.push(ext);
        if let Ok(b) = std::fs::read(&p) {
            bytes.extend(b);
        }
    }
    let hay = String::from_utf8_lossy(&bytes);
    assert!(hay.contains("王芳"), "the file is readable at all");
    assert!(
        !hay.contains(&idn),
        "身份证号 {idn} in plaintext in the database file"
    );
    assert!(hay.contains("sm4gcm:"));
    // Search by 身份证号 still works, and verify replays the sealed journal.
    let o = run(&f.db, &["person", &idn]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("王芳"), "{}", stdout(&o));
    let o = run(&f.db, &["verify"]);
    assert!(o.status.success(), "{}", stdout(&o));
    // Without the key the ledger cannot be read.
    std::fs::rename(&key, f.dir.join("elsewhere.key")).unwrap();
    let o = bin()
        .arg("--db")
        .arg(&f.db)
        .args(["person", &idn])
        .env("BIANZHI_KEY_FILE", f.dir.join("wrong.key"))
        .output()
        .unwrap();
    assert!(!o.status.success());
}
