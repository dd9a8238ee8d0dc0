//! Minimal sign-in: users with argon2id password hashes, random session ids in
//! an HttpOnly cookie, a CSRF token per session, and four roles.

use argon2::password_hash::phc::PasswordHash;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use argon2::Argon2;
use bianzhi_core::UnitId;
use bianzhi_store::UserRecord;
use serde::Serialize;
use utoipa::ToSchema;

use crate::error::WebError;

/// Name of the session cookie.
pub const SESSION_COOKIE: &str = "bz_session";
/// How long a session lasts.
pub const SESSION_HOURS: i64 = 12;

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
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::OfficeClerk,
        Role::OfficeLeader,
        Role::UnitClerk,
        Role::ReadOnly,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::OfficeClerk => "office_clerk",
            Role::OfficeLeader => "office_leader",
            Role::UnitClerk => "unit_clerk",
            Role::ReadOnly => "read_only",
        }
    }

    pub fn label(self) -> &'static str {
        match self {
            Role::OfficeClerk => "编办经办",
            Role::OfficeLeader => "编办领导",
            Role::UnitClerk => "单位经办",
            Role::ReadOnly => "只读",
        }
    }

    pub fn parse(code: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.code() == code)
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
    pub role: Role,
    /// For a 单位经办: the root of the unit subtree they act for.
    pub unit: Option<UnitId>,
    pub csrf: String,
    pub session: String,
}

impl User {
    pub fn from_record(r: &UserRecord, session: &str, csrf: &str) -> Option<User> {
        let role = Role::parse(&r.role)?;
        if !r.active {
            return None;
        }
        Some(User {
            id: r.id,
            login: r.login.clone(),
            name: r.display_name.clone(),
            role,
            unit: r.unit.map(UnitId),
            csrf: csrf.to_string(),
            session: session.to_string(),
        })
    }

    pub fn can_approve(&self) -> bool {
        self.role == Role::OfficeLeader
    }
    pub fn can_review(&self) -> bool {
        self.role.is_office()
    }
    pub fn can_record(&self) -> bool {
        self.role.is_office()
    }
    pub fn can_apply(&self) -> bool {
        self.role == Role::UnitClerk
    }

    pub fn require(&self, ok: bool, what: &str) -> Result<(), WebError> {
        if ok {
            Ok(())
        } else {
            Err(WebError::Forbidden(format!(
                "{}（{}）无权{what}",
                self.name,
                self.role.label()
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
    header.split(';').find_map(|kv| {
        let (k, v) = kv.trim().split_once('=')?;
        (k == SESSION_COOKIE && !v.is_empty()).then_some(v)
    })
}

/// `Set-Cookie` value that starts a session.
pub fn session_cookie(id: &str) -> String {
    format!(
        "{SESSION_COOKIE}={id}; Path=/; HttpOnly; SameSite=Lax; Max-Age={}",
        SESSION_HOURS * 3600
    )
}

/// `Set-Cookie` value that ends a session.
pub fn clear_cookie() -> String {
    format!("{SESSION_COOKIE}=; Path=/; HttpOnly; SameSite=Lax; Max-Age=0")
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
    fn cookie_parsing() {
        assert_eq!(session_from_cookie("a=1; bz_session=abc; b=2"), Some("abc"));
        assert_eq!(session_from_cookie("bz_session="), None);
        assert_eq!(random_hex(16).unwrap().len(), 32);
    }
}
