//! `bianzhi verify` against someone who holds the SQLite file but not the key
//! (audit §3): with the append-only triggers dropped, they delete the newest
//! matters, rewrite a matter and recompute every later SM3 hash, delete,
//! rewrite or forge audit entries, or point a snapshot at another head. Each
//! must make `verify` fail with a message naming what is wrong.
//!
//! The binary runs with the tests' shared key file (`BIANZHI_KEY_FILE`, as a
//! key kept apart from the database); the audit entries are written in this
//! process under the same key and with the ledger's head file, as `serve`
//! writes them.

use std::path::{Path, PathBuf};
use std::process::Output;

use bianzhi_store::{
    audit_hash, entry_hash, AuditEntry, AuditFilter, Db, HeadFile, NewAudit, SqliteStore,
    SqliteWorkflow, WorkflowStore,
};
use chrono::NaiveDate;
use rusqlite::{params, Connection};

pub(crate) fn run(db: &Path, args: &[&str]) -> Output {
    crate::db::bin()
        .env_remove("BIANZHI_HEAD_FILE")
        .arg("--db")
        .arg(db)
        .args(args)
        .output()
        .expect("run bianzhi")
}

fn out(o: &Output) -> String {
    format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    )
}

/// `bianzhi verify` succeeds; its output.
#[track_caller]
fn verify_ok(db: &Path) -> String {
    let o = run(db, &["verify"]);
    assert!(o.status.success(), "{}", out(&o));
    out(&o)
}

/// `bianzhi verify` fails, naming every one of `what`; its output.
#[track_caller]
fn verify_fails(db: &Path, what: &[&str]) -> String {
    let o = run(db, &["verify"]);
    let text = out(&o);
    assert!(!o.status.success(), "verify passed:\n{text}");
    for w in what {
        assert!(text.contains(w), "“{w}” missing:\n{text}");
    }
    text
}

/// A ledger of 13 matters (a setup, then 12 adjustments applied in one file)
/// in a temporary directory.
pub(crate) fn ledger() -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("t.db");
    let o = run(&db, &["init", "--code", "320903", "--name", "盐城市盐都区"]);
    assert!(o.status.success(), "{}", out(&o));
    let mut matters = vec![serde_json::json!({
        "doc": "盐编〔2024〕1号", "effective": "2024-01-02", "reason": "建账",
        "ops": [
            {"op": "create_unit", "name": "盐都区教育局", "kind": "政府工作部门", "rank": "正科级"},
            {"op": "set_quota", "unit": "盐都区教育局", "qtype": "行政编制", "funding": "全额拨款", "count": 10}
        ]
    })];
    for i in 0..12 {
        matters.push(serde_json::json!({
            "doc": format!("盐编〔2024〕{}号", i + 2),
            "effective": format!("2024-02-{:02}", i + 1),
            "ops": [{"op": "increase_quota", "unit": "盐都区教育局", "qtype": "行政编制",
                     "funding": "全额拨款", "count": 1}]
        }));
    }
    let file = dir.path().join("m.json");
    std::fs::write(&file, serde_json::json!({ "matters": matters }).to_string()).unwrap();
    let o = run(&db, &["apply", file.to_str().unwrap()]);
    assert!(o.status.success(), "{}", out(&o));
    let v = verify_ok(&db);
    assert!(v.contains("哈希链完整：共 13 条事项"), "{v}");
    assert!(v.contains("密钥签名：13 条核对无误"), "{v}");
    assert!(v.contains("链头检查点：第 13 条"), "{v}");
    (dir, db)
}

/// A connection with the append-only triggers dropped.
fn unguarded(db: &Path) -> Connection {
    let c = Connection::open(db).unwrap();
    c.execute_batch(
        "DROP TRIGGER IF EXISTS journal_no_update;
         DROP TRIGGER IF EXISTS journal_no_delete;
         DROP TRIGGER IF EXISTS journal_append_in_order;
         DROP TRIGGER IF EXISTS audit_no_update;
         DROP TRIGGER IF EXISTS audit_no_delete;",
    )
    .unwrap();
    c
}

/// §3 (a) and (b): the last matter deleted, then the last ten.
#[test]
fn verify_detects_deleted_newest_matters() {
    let (_dir, db) = ledger();
    unguarded(&db)
        .execute("DELETE FROM journal WHERE seq = 13", [])
        .unwrap();
    verify_fails(
        &db,
        &["校验失败", "第 13 条", "只有 12 条", "末尾的记录被删除"],
    );
    unguarded(&db)
        .execute("DELETE FROM journal WHERE seq > 3", [])
        .unwrap();
    verify_fails(&db, &["只有 3 条", "末尾的记录被删除"]);
}

/// §3 (c): a matter's effective date changed and every later hash
/// recomputed with plain SM3; then also with the signatures removed.
#[test]
fn verify_detects_a_rewritten_history() {
    let (_dir, db) = ledger();
    let c = unguarded(&db);
    type Row = (i64, String, String, i64, String, Vec<u8>);
    let rows: Vec<Row> = c
        .prepare(
            "SELECT seq, doc_no, effective, recorded_at, actor, payload FROM journal ORDER BY seq",
        )
        .unwrap()
        .query_map([], |r| {
            Ok((
                r.get(0)?,
                r.get(1)?,
                r.get(2)?,
                r.get(3)?,
                r.get(4)?,
                r.get(5)?,
            ))
        })
        .unwrap()
        .map(Result::unwrap)
        .collect();
    let mut prev: [u8; 32] = c
        .query_row("SELECT hash FROM journal WHERE seq = 4", [], |r| {
            r.get::<_, Vec<u8>>(0)
        })
        .unwrap()
        .try_into()
        .unwrap();
    for (seq, doc, effective, at, actor, payload) in rows.into_iter().skip(4) {
        let mut effective = NaiveDate::parse_from_str(&effective, "%Y-%m-%d").unwrap();
        if seq == 5 {
            effective = effective.pred_opt().unwrap();
        }
        let at = chrono::DateTime::from_timestamp_micros(at).unwrap();
        let hash = entry_hash(&prev, seq as u64, &doc, effective, at, &actor, &payload);
        c.execute(
            "UPDATE journal SET effective = ?2, prev_hash = ?3, hash = ?4 WHERE seq = ?1",
            params![
                seq,
                effective.format("%Y-%m-%d").to_string(),
                &prev[..],
                &hash[..]
            ],
        )
        .unwrap();
        prev = hash;
    }
    verify_fails(&db, &["校验失败", "第 5 条事项", "密钥签名不符"]);
    c.execute("UPDATE journal SET mac = NULL", []).unwrap();
    verify_fails(&db, &["第 13 条", "链头检查点"]);
}

/// §3: the head hash stored with a snapshot is compared with the chain.
#[test]
fn verify_compares_the_snapshot_head() {
    let (_dir, db) = ledger();
    {
        let mut d = Db::open(Box::new(SqliteStore::open(&db).unwrap())).unwrap();
        d.snapshot().unwrap();
    }
    let v = verify_ok(&db);
    assert!(v.contains("快照：1 个"), "{v}");
    unguarded(&db)
        .execute("UPDATE snapshot SET head_hash = zeroblob(32)", [])
        .unwrap();
    verify_fails(&db, &["第 13 条", "快照", "不符"]);
}

/// A ledger with `n` audit entries written as `serve` writes them: signed,
/// with the head recorded in the ledger's head file.
fn audited(n: u32) -> (tempfile::TempDir, PathBuf, Vec<AuditEntry>) {
    let (dir, db) = ledger();
    let mut wf = SqliteWorkflow::open(&db).unwrap();
    wf.set_head_file(Some(HeadFile::beside(&db)));
    for i in 0..n {
        wf.append_audit(&event(i)).unwrap();
    }
    let v = verify_ok(&db);
    assert!(v.contains(&format!("审计记录哈希链完整：共 {n} 条")), "{v}");
    assert!(v.contains(&format!("链头检查点：第 {n} 条")), "{v}");
    let (mut all, _) = wf
        .audit(&AuditFilter {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    all.reverse();
    (dir, db, all)
}

fn event(i: u32) -> NewAudit {
    NewAudit {
        at: chrono::Utc::now(),
        actor: "lingdao".into(),
        ip: "10.1.2.3".into(),
        action: "查看身份证号".into(),
        target: format!("人员 {i}"),
        detail: String::new(),
    }
}

fn new_audit(e: &AuditEntry) -> NewAudit {
    NewAudit {
        at: e.at,
        actor: e.actor.clone(),
        ip: e.ip.clone(),
        action: e.action.clone(),
        target: e.target.clone(),
        detail: e.detail.clone(),
    }
}

/// §3 (d): the newest audit entries deleted.
#[test]
fn verify_detects_deleted_newest_audit_entries() {
    let (_dir, db, _) = audited(5);
    unguarded(&db)
        .execute("DELETE FROM audit WHERE seq >= 4", [])
        .unwrap();
    verify_fails(
        &db,
        &[
            "审计记录校验失败",
            "第 5 条审计记录",
            "只有 3 条",
            "末尾的记录被删除",
        ],
    );
}

/// §3 (e): an audit entry rewritten and every later hash recomputed.
#[test]
fn verify_detects_a_rewritten_audit_trail() {
    let (_dir, db, all) = audited(5);
    let c = unguarded(&db);
    let mut prev = all[1].hash;
    for e in &all[2..] {
        let mut e = e.clone();
        if e.seq == 3 {
            e.target = "人员 99".into();
        }
        let hash = audit_hash(&prev, e.seq, &new_audit(&e));
        c.execute(
            "UPDATE audit SET target = ?2, hash = ?3 WHERE seq = ?1",
            params![e.seq as i64, e.target, &hash[..]],
        )
        .unwrap();
        prev = hash;
    }
    verify_fails(
        &db,
        &["审计记录校验失败", "第 3 条审计记录", "密钥签名不符"],
    );
}

/// §3 (f): a forged audit entry appended with a correct plain hash.
#[test]
fn verify_detects_a_forged_audit_entry() {
    let (_dir, db, all) = audited(3);
    let last = all.last().unwrap();
    let forged = event(7);
    let at = chrono::DateTime::from_timestamp_micros(forged.at.timestamp_micros()).unwrap();
    let forged = NewAudit { at, ..forged };
    let hash = audit_hash(&last.hash, 4, &forged);
    unguarded(&db)
        .execute(
            "INSERT INTO audit (seq, at, actor, ip, action, target, detail, hash) \
             VALUES (4, ?1, ?2, ?3, ?4, ?5, ?6, ?7)",
            params![
                at.timestamp_micros(),
                forged.actor,
                forged.ip,
                forged.action,
                forged.target,
                forged.detail,
                &hash[..]
            ],
        )
        .unwrap();
    verify_fails(
        &db,
        &["审计记录校验失败", "第 4 条审计记录", "没有密钥签名"],
    );
}
