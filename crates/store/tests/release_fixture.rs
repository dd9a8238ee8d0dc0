//! A database written by an earlier release still opens, verifies and
//! replays to the same state: the journal, snapshot, audit and workflow
//! bytes in `tests/fixtures/release-1/` were written by the program as it was
//! at commit da34744 (see the README there), and `expected.txt` beside them
//! records what that program read back.
//!
//! Its own test binary: it installs the fixture's key for the whole process,
//! which must not meet the key the other store tests install.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use bianzhi_core::Matter;
use bianzhi_store::{
    pii, ApplicationFilter, ApplicationStatus, AuditFilter, Db, HeadFile, JournalStore,
    NewApplication, NewAudit, NewToken, NewUser, SessionRecord, SqliteStore, SqliteWorkflow,
    Transition, VerifyReport, WorkflowStore,
};
use chrono::{DateTime, Utc};
use serde_json::json;

const FIXTURE: &str = "tests/fixtures/release-1";
const DB: &str = "ledger.db";
const SCHOOL: &str = "盐都区实验小学";

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(FIXTURE)
}

/// A fixed instant, so that a regenerated fixture differs only in its keys.
fn at(minute: i64) -> DateTime<Utc> {
    DateTime::from_timestamp(1_717_200_000 + minute * 60, 123_456_000).unwrap()
}

/// A valid 18-digit 身份证号 for 盐都区, distinct for each `n` below 100 000.
fn id(n: u32) -> String {
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

fn matter(mut v: serde_json::Value, minute: i64) -> Matter {
    let o = v.as_object_mut().unwrap();
    o.insert("recorded_at".into(), json!(at(minute)));
    o.insert("actor".into(), json!("编办经办"));
    serde_json::from_value(v).unwrap()
}

fn matters() -> Vec<Matter> {
    let mut out = vec![matter(
        json!({
            "doc": "盐编〔2024〕1号", "effective": "2024-01-02", "reason": "建账",
            "ops": [
                {"op": "create_unit", "name": "盐都区教育局", "kind": "政府工作部门", "rank": "正科级"},
                {"op": "create_unit", "name": SCHOOL, "kind": "事业单位", "rank": "股级", "parent": "盐都区教育局"},
                {"op": "set_quota", "unit": SCHOOL, "qtype": "事业编制", "funding": "全额拨款", "count": 30},
                {"op": "approve_plan_line", "unit": SCHOOL, "year": 2024, "channel": "公开招聘",
                 "qtype": "事业编制", "count": 40}
            ]
        }),
        0,
    )];
    for n in 1..=14u32 {
        out.push(matter(
            json!({
                "doc": format!("盐编〔2024〕{}号", 100 + n), "effective": "2024-03-01",
                "ops": [{"op": "hire", "unit": SCHOOL, "qtype": "事业编制", "funding": "全额拨款",
                         "plan_line": 0,
                         "details": {"name": format!("教师{n}"), "id_number": id(n), "identity": "事业人员"}}]
            }),
            n as i64,
        ));
    }
    out
}

/// What is recorded in `expected.txt` and compared on every run.
fn figures(dir: &Path) -> BTreeMap<String, String> {
    let path = dir.join(DB);
    let mut out = BTreeMap::new();
    let mut put = |k: &str, v: String| {
        out.insert(k.to_string(), v);
    };
    let heads = HeadFile::beside(&path);

    let mut store = SqliteStore::open(&path).unwrap();
    store.set_head_file(Some(heads.clone()));
    let (report, notes) = store.verify_chain().unwrap();
    let VerifyReport::Intact { entries, head } = report else {
        panic!("journal broken: {report:?}");
    };
    put("journal.entries", entries.to_string());
    put("journal.head", hex::encode(head));
    put("journal.signed", notes.signed.to_string());
    put("journal.checkpoint", format!("{:?}", notes.checkpoint));
    put("journal.snapshots", notes.snapshots.to_string());
    let snap = store.latest_snapshot().unwrap().unwrap();
    put("snapshot.seq", snap.seq.to_string());

    let replayed = Db::open_without_snapshot(Box::new(store)).unwrap();
    let db = Db::open(Box::new(SqliteStore::open(&path).unwrap())).unwrap();
    // The release's snapshot holds the state's first shape; since
    // STATE_FORMAT 2 (行业领域 of units, 行业编制总量) it is not read and the
    // whole journal is replayed instead.
    assert_eq!(bianzhi_core::state::STATE_FORMAT, 2);
    assert!(
        !db.load_stats.from_snapshot,
        "a snapshot of another shape is not used"
    );
    assert_eq!(db.load_stats.replayed, entries);
    assert!(
        db.state() == replayed.state(),
        "snapshot and replay disagree"
    );
    let s = db.state();
    let digest = {
        use sm3::{Digest, Sm3};
        // The units as the release encoded them (no 行业领域: none of the
        // release's units has one), so the digest is the release's.
        assert!(s.units.iter().flatten().all(|u| u.sector.is_none()));
        let units: Vec<_> = s
            .units
            .iter()
            .map(|u| {
                u.as_ref().map(|u| {
                    (
                        (
                            u.id,
                            &u.name,
                            &u.short_name,
                            &u.second_names,
                            u.kind,
                            u.rank,
                            u.category,
                            u.funding,
                            &u.credit_code,
                        ),
                        (
                            &u.credit_code_warning,
                            u.parent,
                            &u.bodies,
                            &u.functions,
                            u.status,
                            u.control,
                            u.established,
                            u.abolished_on,
                            u.merged_into,
                        ),
                    )
                })
            })
            .collect();
        let bytes = postcard::to_allocvec(&(
            &units,
            &s.persons,
            &s.accounts,
            &s.posts,
            &s.plan_lines,
            &s.schedule,
            s.last_seq,
            s.matters_applied,
            s.ops_applied,
        ))
        .unwrap();
        hex::encode(Sm3::digest(bytes))
    };
    put("state.digest", digest);
    put(
        "state.persons",
        s.persons.iter().flatten().count().to_string(),
    );
    put("state.matters_applied", s.matters_applied.to_string());

    let mut wf = SqliteWorkflow::open(&path).unwrap();
    wf.set_head_file(Some(heads));
    let (n, notes) = wf.verify_audit_chain().unwrap();
    put("audit.entries", n.to_string());
    put("audit.signed", notes.signed.to_string());
    put("audit.checkpoint", format!("{:?}", notes.checkpoint));
    let (rows, total) = wf
        .audit(&AuditFilter {
            limit: 100,
            ..Default::default()
        })
        .unwrap();
    put("audit.total", total.to_string());
    put("audit.head", hex::encode(rows[0].hash));
    put(
        "audit.targets",
        rows.iter()
            .rev()
            .map(|e| e.target.as_str())
            .collect::<Vec<_>>()
            .join("|"),
    );
    let users = wf.users().unwrap();
    put(
        "users",
        users
            .iter()
            .map(|u| format!("{}:{}:{}:{}", u.id, u.login, u.role, u.active))
            .collect::<Vec<_>>()
            .join("|"),
    );
    let (apps, _) = wf
        .applications(&ApplicationFilter {
            oldest_first: true,
            ..Default::default()
        })
        .unwrap();
    for a in &apps {
        let events = wf.events(a.id).unwrap();
        put(
            &format!("application.{}", a.id),
            format!(
                "{}:{}:{:?}:{:?}:{:?}:{}",
                a.status.code(),
                a.title,
                a.matter_seq,
                a.doc_no,
                a.note,
                events
                    .iter()
                    .map(|e| e.action.as_str())
                    .collect::<Vec<_>>()
                    .join(",")
            ),
        );
        put(&format!("application.{}.payload", a.id), a.payload.clone());
    }
    let tokens = wf.tokens().unwrap();
    put(
        "tokens",
        tokens
            .iter()
            .map(|t| format!("{}:{}:{:?}:{:?}", t.id, t.name, t.units, t.revoked_at))
            .collect::<Vec<_>>()
            .join("|"),
    );
    put(
        "sessions",
        wf.sessions(at(0))
            .unwrap()
            .iter()
            .map(|s| format!("{}:{}", s.id, s.user_id))
            .collect::<Vec<_>>()
            .join("|"),
    );
    for r in wf.records("case").unwrap() {
        put(
            &format!("record.case.{}", r.id),
            format!("v{}:{}", r.version, r.body),
        );
    }
    let blob = wf
        .blob(&bianzhi_store::blob_digest(b"%PDF-1.4 fixture"))
        .unwrap()
        .unwrap();
    put("blob", format!("{}:{}", blob.digest, blob.mime));
    let f = wf.sign_in_failures("acct:jingban").unwrap().unwrap();
    put(
        "sign_in_failure",
        format!("{}:{:?}:{:?}", f.count, f.first, f.locked_until),
    );
    out
}

fn install_fixture_key(dir: &Path) {
    let key = pii::PiiKey::load_or_create(&pii::key_path(&dir.join(DB))).unwrap();
    pii::install(Some(key));
}

fn render(f: &BTreeMap<String, String>) -> String {
    f.iter().map(|(k, v)| format!("{k}={v}\n")).collect()
}

/// The release's database opens with today's code, its journal and audit
/// chains verify (signatures and checkpoint included), its snapshot (of the
/// state's first shape) is left for a full replay, and everything reads back
/// as the release read it.
#[test]
fn release_database_opens_verifies_and_replays_to_the_same_state() {
    let tmp = tempfile::tempdir().unwrap();
    for name in [DB, "ledger.db.key", "ledger.db.head"] {
        std::fs::copy(fixture_dir().join(name), tmp.path().join(name)).unwrap();
    }
    install_fixture_key(tmp.path());
    let expected = std::fs::read_to_string(fixture_dir().join("expected.txt")).unwrap();
    let found = render(&figures(tmp.path()));
    assert_eq!(found, expected);
}

/// Writes the fixture (run once, by hand, with the release's code):
/// `BIANZHI_WRITE_FIXTURE=1 cargo test -p bianzhi-store --test release_fixture -- --ignored`.
#[test]
#[ignore]
fn write_release_fixture() {
    if std::env::var_os("BIANZHI_WRITE_FIXTURE").is_none() {
        return;
    }
    let dir = fixture_dir();
    std::fs::create_dir_all(&dir).unwrap();
    for name in [DB, "ledger.db.key", "ledger.db.head", "expected.txt"] {
        let _ = std::fs::remove_file(dir.join(name));
    }
    let path = dir.join(DB);
    install_fixture_key(&dir);
    let heads = HeadFile::beside(&path);
    {
        let mut store = SqliteStore::open(&path).unwrap();
        store.set_head_file(Some(heads.clone()));
        let mut db = Db::init(Box::new(store), "320903", "盐城市盐都区").unwrap();
        for (i, m) in matters().into_iter().enumerate() {
            let now = m.recorded_at;
            db.submit(m, now).unwrap();
            if i == 9 {
                db.snapshot().unwrap();
            }
        }
    }
    {
        let mut wf = SqliteWorkflow::open(&path).unwrap();
        wf.set_head_file(Some(heads));
        let user = |wf: &mut SqliteWorkflow, login: &str, role: &str, unit| {
            wf.create_user(&NewUser {
                login: login.into(),
                display_name: format!("{login}姓名"),
                role: role.into(),
                unit,
                password_hash: "$argon2id$v=19$m=19456,t=2,p=1$fixture".into(),
            })
            .unwrap()
        };
        let clerk = user(&mut wf, "danwei", "unit_clerk", Some(2));
        let office = user(&mut wf, "jingban", "office_clerk", None);
        let mut gone = user(&mut wf, "lizhi", "office_clerk", None);
        gone.active = false;
        wf.update_user(&gone).unwrap();
        wf.create_session(&SessionRecord {
            id: "a1b2c3".into(),
            user_id: office.id,
            csrf: "csrf-1".into(),
            created_at: at(0),
            expires_at: at(60 * 24 * 365 * 50),
        })
        .unwrap();
        let token = wf
            .create_token(&NewToken {
                name: "市人社局人事系统".into(),
                token_hash: "0f".repeat(32),
                units: vec![1, 2],
                created_by: office.id,
                created_at: at(1),
                expires_at: at(60 * 24 * 365),
            })
            .unwrap();
        wf.create_token(&NewToken {
            name: "财政局".into(),
            token_hash: "1e".repeat(32),
            units: vec![],
            created_by: office.id,
            created_at: at(2),
            expires_at: at(60 * 24 * 365),
        })
        .unwrap();
        wf.revoke_token(token.id, at(3)).unwrap();
        let apply = |wf: &mut SqliteWorkflow, n: u32, minute| {
            wf.create_application(&NewApplication {
                unit: 2,
                kind: "hire".into(),
                title: format!("入编：申请人{n}（事业编制）"),
                payload: json!({"name": format!("申请人{n}"), "id_number": id(100 + n),
                                "phone": "13800000000"})
                .to_string(),
                submitted_by: clerk.id,
                at: at(minute),
            })
            .unwrap()
            .id
        };
        let step = |wf: &mut SqliteWorkflow, id, from, to, action: &str, minute| {
            let t = Transition {
                from: vec![from],
                to: Some(to),
                actor: office.id,
                action: action.into(),
                comment: format!("{action}意见"),
                at: at(minute),
                payload: None,
                matter_seq: (to == ApplicationStatus::Approved).then_some(15),
                doc_no: (to == ApplicationStatus::Approved).then(|| "盐编〔2024〕114号".into()),
                note: Some(format!("{action}备注")),
            };
            wf.transition(id, &t).unwrap();
        };
        use ApplicationStatus::*;
        let a1 = apply(&mut wf, 1, 10);
        step(&mut wf, a1, Submitted, Approved, "approved", 11);
        let a2 = apply(&mut wf, 2, 12);
        step(&mut wf, a2, Submitted, Returned, "returned", 13);
        let a3 = apply(&mut wf, 3, 14);
        step(&mut wf, a3, Submitted, Withdrawn, "withdrawn", 15);
        apply(&mut wf, 4, 16);
        for n in 0..7 {
            wf.append_audit(&NewAudit {
                at: at(20 + n),
                actor: "jingban".into(),
                ip: "10.0.0.7".into(),
                action: ["登录", "查看身份证号", "批准申请"][n as usize % 3].into(),
                target: format!("/applications/{n}"),
                detail: format!("第 {n} 次"),
            })
            .unwrap();
        }
        let case = wf
            .insert_record("case", r#"{"title":"案件一"}"#, at(30))
            .unwrap();
        wf.update_record("case", case.id, 1, r#"{"title":"案件一（改）"}"#, at(31))
            .unwrap();
        wf.insert_record("case", r#"{"title":"案件二"}"#, at(32))
            .unwrap();
        wf.put_blob("application/pdf", b"%PDF-1.4 fixture").unwrap();
        for m in 0..3 {
            wf.count_sign_in_failure(
                "acct:jingban",
                at(40 + m),
                chrono::Duration::minutes(15),
                5,
                chrono::Duration::minutes(15),
            )
            .unwrap();
        }
    }
    let f = figures(&dir);
    std::fs::write(dir.join("expected.txt"), render(&f)).unwrap();
}
