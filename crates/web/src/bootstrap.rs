//! Getting a database ready to serve: the first 安全管理员 of a ledger that
//! has no account yet (password from [`ADMIN_PASSWORD_ENV`], or a random one
//! shown once), or the demo's accounts on a ledger marked as the demo.

use bianzhi_store::{Db, NewUser, WorkflowStore};
use chrono::{DateTime, Utc};

use crate::auth::{check_password, hash_password, random_hex, Role};
use crate::http::error::WebError;

/// Environment variable with the first 安全管理员's password (otherwise a
/// random one is printed once).
pub const ADMIN_PASSWORD_ENV: &str = "BIANZHI_ADMIN_PASSWORD";

/// The first 安全管理员's user name.
pub const FIRST_ADMIN_LOGIN: &str = "anquan";

/// Prepares a database for serving; returns lines to print. Does nothing
/// once the database has an account. A ledger created as the demo (recorded
/// by the command that made it, never guessed from its code or its units)
/// gets the published demo accounts and demo data ([`crate::demo::seed`]);
/// any other gets one 安全管理员 ([`first_admin`]). `now` is the serving clock
/// (`App::now`, or the system clock before there is an `App`).
pub fn prepare(
    db: &mut Db,
    wf: &mut dyn WorkflowStore,
    now: DateTime<Utc>,
) -> Result<Vec<String>, WebError> {
    if !wf.users()?.is_empty() {
        return Ok(Vec::new());
    }
    if db.is_demo()? {
        let lines = crate::demo::seed(db, wf, now)?;
        if !lines.is_empty() {
            return Ok(lines);
        }
    }
    first_admin(wf)
}

/// Creates the one 安全管理员 a new ledger starts with; the lines say how to
/// sign in.
pub fn first_admin(wf: &mut dyn WorkflowStore) -> Result<Vec<String>, WebError> {
    let (password, given) = match std::env::var(ADMIN_PASSWORD_ENV) {
        Ok(p) if !p.is_empty() => {
            check_password(&p, FIRST_ADMIN_LOGIN)?;
            (p, true)
        }
        _ => (format!("Bz-{}", random_hex(8)?), false),
    };
    wf.create_user(&NewUser {
        login: FIRST_ADMIN_LOGIN.into(),
        display_name: "安全管理员".into(),
        role: Role::SecAdmin.code().into(),
        unit: None,
        password_hash: hash_password(&password)?,
    })?;
    Ok(vec![if given {
        format!(
            "已建立安全管理员账户：用户名 {FIRST_ADMIN_LOGIN}，密码取自环境变量 {ADMIN_PASSWORD_ENV}"
        )
    } else {
        format!(
            "已建立安全管理员账户：用户名 {FIRST_ADMIN_LOGIN}，一次性密码 {password}（只显示这一次，请妥善保存；登录后为其他人员建立账户）"
        )
    }])
}
