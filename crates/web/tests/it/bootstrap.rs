//! The first start of a ledger: one 安全管理员 with a one-time password, and
//! the demo accounts only on a ledger recorded as the demo.

/// The demo accounts go only to a ledger recorded as the demo, never to one
/// that merely looks like it (code 320903 and a unit named 区教育局).
#[test]
fn demo_accounts_only_on_a_ledger_recorded_as_the_demo() {
    use bianzhi_store::{Db, SqliteStore, SqliteWorkflow, WorkflowStore};
    // A ledger of code 320903 with a unit named as the demo clerk's.
    let with_bureau = |mut db: Db| {
        let m: bianzhi_core::Matter = serde_json::from_value(serde_json::json!({
            "doc": "盐编〔2024〕1号", "effective": "2024-01-01", "recorded_at": chrono::Utc::now(),
            "actor": "导入", "reason": "导入",
            "ops": [{"op": "create_unit", "name": "区教育局", "kind": "政府工作部门", "rank": "正科级"}]
        }))
        .unwrap();
        db.submit(m, chrono::Utc::now()).unwrap();
        db
    };
    let store = || Box::new(SqliteStore::open_in_memory().unwrap());
    let mut db = with_bureau(Db::init(store(), "320903", "盐城市盐都区").unwrap());
    let mut wf = SqliteWorkflow::open_in_memory().unwrap();
    std::env::remove_var(bianzhi_web::bootstrap::ADMIN_PASSWORD_ENV);
    bianzhi_web::prepare(&mut db, &mut wf, chrono::Utc::now()).unwrap();
    let logins: Vec<String> = wf.users().unwrap().into_iter().map(|u| u.login).collect();
    assert_eq!(logins, ["anquan"], "one 安全管理员, no demo account");
    // The same ledger recorded as the demo gets them.
    let mut demo = with_bureau(Db::init_demo(store(), "320903", "盐城市盐都区").unwrap());
    let mut wf = SqliteWorkflow::open_in_memory().unwrap();
    bianzhi_web::prepare(&mut demo, &mut wf, chrono::Utc::now()).unwrap();
    assert!(wf.users().unwrap().iter().any(|u| u.login == "jingban"));
    // A ledger made by `init` cannot be turned into the demo afterwards.
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("real.db");
    drop(
        Db::init(
            Box::new(SqliteStore::open(&path).unwrap()),
            "320903",
            "盐城市盐都区",
        )
        .unwrap(),
    );
    let again = Db::init_demo(
        Box::new(SqliteStore::open(&path).unwrap()),
        "320903",
        "盐城市盐都区",
    );
    assert!(again.is_err());
}

#[test]
fn first_start_creates_one_security_admin_with_a_one_time_password() {
    use bianzhi_store::{Db, SqliteStore, SqliteWorkflow, WorkflowStore};
    let mut db = Db::init(
        Box::new(SqliteStore::open_in_memory().unwrap()),
        "320902",
        "盐城市亭湖区",
    )
    .unwrap();
    let mut wf = SqliteWorkflow::open_in_memory().unwrap();
    std::env::remove_var(bianzhi_web::bootstrap::ADMIN_PASSWORD_ENV);
    let lines = bianzhi_web::prepare(&mut db, &mut wf, chrono::Utc::now()).unwrap();
    let line = lines.join("\n");
    assert!(
        line.contains("anquan") && line.contains("一次性密码"),
        "{line}"
    );
    let pw = line
        .split("一次性密码 ")
        .nth(1)
        .unwrap()
        .split('（')
        .next()
        .unwrap()
        .trim()
        .to_string();
    let users = wf.users().unwrap();
    assert_eq!(users.len(), 1);
    assert_eq!(users[0].role, "security_admin");
    assert!(bianzhi_web::auth::verify_password(
        &pw,
        &users[0].password_hash
    ));
    bianzhi_web::auth::check_password(&pw, "anquan").unwrap();
    assert!(
        bianzhi_web::prepare(&mut db, &mut wf, chrono::Utc::now())
            .unwrap()
            .is_empty(),
        "printed once only"
    );
}
