//! Accounts and roles: argon2id password hashes and the password policy,
//! random session ids in an HttpOnly cookie, a CSRF token per session, API
//! tokens for other departments, and the roles — three administrators kept
//! apart (三员分立) and four business roles.

pub mod request;

use crate::http::error::WebError;
use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use bianzhi_core::UnitId;
use bianzhi_store::UserRecord;
use serde::Serialize;
use utoipa::ToSchema;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "bz_session";

/// How long a session lasts at most, however busy.
pub const SESSION_HOURS: i64 = 12;

/// Prefix of API tokens (so they are told from session ids).
pub const TOKEN_PREFIX: &str = "bzt_";

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 编办经办: reviews and returns applications, records matters directly.
    OfficeClerk,
    /// 编办领导: everything the 编办经办 does, and approves applications.
    OfficeLeader,
    /// 单位经办: submits applications for one unit and the units under it.
    UnitClerk,
    /// 只读: looks only.
    ReadOnly,
    /// 系统管理员: configuration; no business data.
    SysAdmin,
    /// 安全管理员: accounts, roles, scopes, sessions, API tokens; no business data.
    SecAdmin,
    /// 安全审计员: reads the audit trail only.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 7] = [
        Role::OfficeClerk,
        Role::OfficeLeader,
        Role::UnitClerk,
        Role::ReadOnly,
        Role::SysAdmin,
        Role::SecAdmin,
        Role::Auditor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::OfficeClerk => "office_clerk",
            Role::OfficeLeader => "office_leader",
            Role::UnitClerk => "unit_clerk",
            Role::ReadOnly => "read_only",
            Role::SysAdmin => "sys_admin",
            Role::SecAdmin => "security_admin",
            Role::Auditor => "auditor",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::OfficeClerk => "编办经办",
            Role::OfficeLeader => "编办领导",
            Role::UnitClerk => "单位经办",
            Role::ReadOnly => "只读",
            Role::SysAdmin => "系统管理员",
            Role::SecAdmin => "安全管理员",
            Role::Auditor => "安全审计员",
        }
    }

    /// By code or by Chinese label.
    pub fn parse(code: &str) -> Option<Role> {
        let code = code.trim();
        Role::ALL
            .into_iter()
            .find(|r| r.code() == code || r.label() == code)
    }

    /// One of the three administrators (三员).
    pub fn is_admin(self) -> bool {
        matches!(self, Role::SysAdmin | Role::SecAdmin | Role::Auditor)
    }

    /// 编办 staff.
    pub fn is_office(self) -> bool {
        matches!(self, Role::OfficeClerk | Role::OfficeLeader)
    }
}

/// The signed-in user as the handlers see it.
#[derive(Debug, Clone)]
pub struct User {
    pub id: i64,
    pub login: String,
    pub name: String,
    /// The first of `roles` (for display).
    pub role: Role,
    pub roles: Vec<Role>,
    /// The root of the unit subtree the account is limited to (a 单位经办
    /// always has one; any business role may).
    pub unit: Option<UnitId>,
    /// Roots of the unit subtrees the user may see (`None`: all units).
    pub scope: Option<Vec<UnitId>>,
    pub csrf: String,
    pub session: String,
    /// Signed in with an API token (read-only).
    pub token: bool,
}

/// Parses a stored role list (`office_clerk,read_only`).
pub fn parse_roles(s: &str) -> Option<Vec<Role>> {
    let roles: Option<Vec<Role>> = s
        .split(',')
        .filter(|r| !r.trim().is_empty())
        .map(Role::parse)
        .collect();
    roles.filter(|r| !r.is_empty())
}

/// The stored form of a role list.
pub fn roles_text(roles: &[Role]) -> String {
    roles.iter().map(|r| r.code()).collect::<Vec<_>>().join(",")
}

/// Checks a role assignment: 三员分立 (an administrator role is the account's
/// only role), and a 单位经办 needs a unit.
pub fn check_roles(roles: &[Role], unit: Option<UnitId>) -> Result<(), WebError> {
    if roles.is_empty() {
        return Err(WebError::invalid("bad_roles", "至少要分配一个角色"));
    }
    let admins = roles.iter().filter(|r| r.is_admin()).count();
    if admins > 1 || (admins == 1 && roles.len() > 1) {
        return Err(WebError::invalid(
            "separation_of_duties",
            "三员分立：系统管理员、安全管理员、安全审计员须由不同账户担任，不得兼任，也不得兼任业务角色",
        ));
    }
    if roles.contains(&Role::UnitClerk) && unit.is_none() {
        return Err(WebError::invalid(
            "missing_unit",
            "单位经办须指定所属单位（其本单位及下属单位）",
        ));
    }
    Ok(())
}

/// The password policy: at least 8 characters, at least three of upper-case
/// letters, lower-case letters, digits and symbols, not containing the login.
pub fn check_password(password: &str, login: &str) -> Result<(), WebError> {
    let n = password.chars().count();
    if n < 8 {
        return Err(WebError::invalid("weak_password", "密码至少 8 位"));
    }
    if n > 128 {
        return Err(WebError::invalid("weak_password", "密码不能超过 128 位"));
    }
    let classes = [
        password.chars().any(|c| c.is_ascii_uppercase()),
        password.chars().any(|c| c.is_ascii_lowercase()),
        password.chars().any(|c| c.is_ascii_digit()),
        password.chars().any(|c| !c.is_ascii_alphanumeric()),
    ]
    .iter()
    .filter(|x| **x)
    .count();
    if classes < 3 {
        return Err(WebError::invalid(
            "weak_password",
            "密码须包含大写字母、小写字母、数字、符号中的至少三类",
        ));
    }
    let login = login.trim().to_lowercase();
    if !login.is_empty() && password.to_lowercase().contains(&login) {
        return Err(WebError::invalid("weak_password", "密码不得包含用户名"));
    }
    Ok(())
}

impl User {
    pub fn from_record(r: &UserRecord, session: &str, csrf: &str) -> Option<User> {
        let roles = parse_roles(&r.role)?;
        if !r.active || check_roles(&roles, r.unit.map(UnitId)).is_err() {
            return None;
        }
        let unit = if roles[0].is_admin() {
            None
        } else {
            r.unit.map(UnitId)
        };
        Some(User {
            id: r.id,
            login: r.login.clone(),
            name: r.display_name.clone(),
            role: roles[0],
            roles,
            unit,
            scope: unit.map(|u| vec![u]),
            csrf: csrf.to_string(),
            session: session.to_string(),
            token: false,
        })
    }

    pub fn has(&self, role: Role) -> bool {
        self.roles.contains(&role)
    }
    /// Labels of all roles, e.g. `编办经办、只读`.
    pub fn role_labels(&self) -> String {
        self.roles
            .iter()
            .map(|r| r.label())
            .collect::<Vec<_>>()
            .join("、")
    }
    /// Holds one of the three administrator roles (no business data).
    pub fn is_admin(&self) -> bool {
        self.roles.iter().any(|r| r.is_admin())
    }
    pub fn can_approve(&self) -> bool {
        !self.token && self.has(Role::OfficeLeader)
    }
    pub fn can_review(&self) -> bool {
        !self.token && self.roles.iter().any(|r| r.is_office())
    }
    pub fn can_record(&self) -> bool {
        self.can_review()
    }
    pub fn can_apply(&self) -> bool {
        !self.token && self.has(Role::UnitClerk)
    }
    /// May reveal an unmasked 身份证号 (each reveal is audited).
    pub fn can_reveal(&self) -> bool {
        self.can_review()
    }
    pub fn can_manage_accounts(&self) -> bool {
        self.has(Role::SecAdmin)
    }
    pub fn can_audit(&self) -> bool {
        self.has(Role::Auditor)
    }
    pub fn can_configure(&self) -> bool {
        self.has(Role::SysAdmin)
    }

    pub fn require(&self, ok: bool, what: &str) -> Result<(), WebError> {
        if ok {
            Ok(())
        } else {
            Err(WebError::Forbidden(format!(
                "{}（{}）无权{what}",
                self.name,
                self.role_labels()
            )))
        }
    }
}

/// Hashes a password with argon2id (default parameters, random salt).
pub fn hash_password(password: &str) -> Result<String, WebError> {
    Argon2::default()
        .hash_password(password.as_bytes())
        .map(|h| h.to_string())
        .map_err(|e| WebError::Internal(format!("密码散列失败：{e}")))
}

/// Checks a password against a stored PHC string.
pub fn verify_password(password: &str, phc: &str) -> bool {
    match PasswordHash::new(phc) {
        Ok(h) => Argon2::default()
            .verify_password(password.as_bytes(), &h)
            .is_ok(),
        Err(_) => false,
    }
}

/// `n` random bytes from the operating system, as hex.
pub fn random_hex(n: usize) -> Result<String, WebError> {
    let mut buf = vec![0u8; n];
    getrandom::fill(&mut buf).map_err(|e| WebError::Internal(format!("随机数生成失败：{e}")))?;
    Ok(hex::encode(buf))
}

/// The session id in a `Cookie` header, if any.
pub fn session_from_cookie(header: &str) -> Option<&str> {
    cookie_value(header, SESSION_COOKIE)
}

/// The value of the cookie `name` in a `Cookie` header (`None` if absent or empty).
pub fn cookie_value<'a>(header: &'a str, name: &str) -> Option<&'a str> {
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == name && !v.is_empty()).then_some(v)
    })
}

/// `Set-Cookie` value that starts a session (a browser-session cookie; the
/// server ends the session after the idle timeout).
pub fn session_cookie(id: &str) -> String {
    format!("{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax")
}

/// SM3 of a secret, hex (API tokens are stored only as this; session ids are
/// shown to the 安全管理员 only as a prefix of this).
pub fn sm3_hex(secret: &str) -> String {
    use sm3::{Digest, Sm3};
    hex::encode(Sm3::digest(secret.as_bytes()))
}

/// `Set-Cookie` value that ends a session.
pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
}

/// A `Set-Cookie` value with `Secure` (sent back over HTTPS only). Every
/// cookie of an answer over HTTPS goes through this, in one place — the
/// security headers layer (`crate::http::hardening::security_headers`) — rather than at
/// each handler that signs in or out.
pub fn secure_cookie(set_cookie: &str) -> String {
    let has = set_cookie
        .split(';')
        .skip(1)
        .any(|a| a.trim().eq_ignore_ascii_case("secure"));
    if has {
        set_cookie.to_string()
    } else {
        format!("{set_cookie}; Secure")
    }
}

/// The refusal an administrator (三员) gets on business data.
pub fn no_business_data(user: &User) -> WebError {
    WebError::Forbidden(format!(
        "{}（{}）不能查看或办理机构编制业务数据（三员分立）",
        user.name,
        user.role_labels()
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn passwords_hash_and_verify() {
        let h = hash_password("盐都-2024").unwrap();
        assert!(h.starts_with("$argon2id$"));
        assert!(verify_password("盐都-2024", &h));
        assert!(!verify_password("盐都-2025", &h));
        assert!(!verify_password("x", "not a hash"));
    }

    #[test]
    fn password_policy_and_separation_of_duties() {
        assert!(check_password("Abc-1234", "zs").is_ok());
        for (pw, msg) in [
            ("Ab-1", "至少 8 位"),
            ("abcdefgh1", "至少三类"),
            ("zhangsan-2024", "不得包含用户名"),
        ] {
            let e = check_password(pw, "zhangsan").unwrap_err().to_string();
            assert!(e.contains(msg), "{pw}: {e}");
        }
        assert!(check_roles(&[Role::OfficeClerk, Role::ReadOnly], None).is_ok());
        let e = check_roles(&[Role::SecAdmin, Role::Auditor], None).unwrap_err();
        assert!(e.to_string().contains("三员分立"), "{e}");
        assert!(check_roles(&[Role::SecAdmin, Role::OfficeLeader], None).is_err());
        assert!(check_roles(&[Role::UnitClerk], None).is_err());
    }

    #[test]
    fn cookie_parsing() {
        assert_eq!(session_from_cookie("a=1; bz_session=abc; b=2"), Some("abc"));
        assert_eq!(session_from_cookie("bz_session="), None);
        assert_eq!(random_hex(16).unwrap().len(), 32);
        assert_eq!(
            secure_cookie(&session_cookie("abc")),
            "bz_session=abc; Path=/; HttpOnly; SameSite=Lax; Secure"
        );
        assert_eq!(
            secure_cookie(&secure_cookie(&clear_cookie())),
            secure_cookie(&clear_cookie())
        );
    }
}
