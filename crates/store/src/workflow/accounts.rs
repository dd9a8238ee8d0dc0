//! Accounts, sign-in sessions, API tokens and failed sign-ins.

use chrono::{DateTime, Utc};

use super::{texts_ok, FailureCount, NewToken, NewUser, SessionRecord, TokenRecord, UserRecord};
use crate::StoreError;

/// Accounts, sessions, API tokens and the sign-in failure counts.
pub trait AccountStore {
    fn create_user(&mut self, user: &NewUser) -> Result<UserRecord, StoreError>;
    fn user(&self, id: i64) -> Result<Option<UserRecord>, StoreError>;
    fn user_by_login(&self, login: &str) -> Result<Option<UserRecord>, StoreError>;
    fn users(&self) -> Result<Vec<UserRecord>, StoreError>;
    /// Writes the mutable fields of an account (name, roles, unit, hash, active).
    fn update_user(&mut self, user: &UserRecord) -> Result<(), StoreError>;

    fn create_session(&mut self, session: &SessionRecord) -> Result<(), StoreError>;
    /// The session if it exists and has not expired at `now`.
    fn session(&self, id: &str, now: DateTime<Utc>) -> Result<Option<SessionRecord>, StoreError>;
    fn delete_session(&mut self, id: &str) -> Result<(), StoreError>;
    /// Moves a session's expiry (idle timeout: every use pushes it on).
    fn touch_session(&mut self, id: &str, expires_at: DateTime<Utc>) -> Result<(), StoreError>;
    /// Sessions not expired at `now`, oldest first.
    fn sessions(&self, now: DateTime<Utc>) -> Result<Vec<SessionRecord>, StoreError>;
    /// Ends every session of a user (disabled, roles changed, password reset).
    fn delete_user_sessions(&mut self, user_id: i64) -> Result<Vec<String>, StoreError>;

    fn create_token(&mut self, token: &NewToken) -> Result<TokenRecord, StoreError>;
    fn token_by_hash(&self, hash: &str) -> Result<Option<TokenRecord>, StoreError>;
    fn tokens(&self) -> Result<Vec<TokenRecord>, StoreError>;
    /// Revokes a token; false if there is no such token.
    fn revoke_token(&mut self, id: i64, at: DateTime<Utc>) -> Result<bool, StoreError>;

    /// The failed sign-ins counted for `key`.
    fn sign_in_failures(&self, key: &str) -> Result<Option<FailureCount>, StoreError>;

    /// Counts one more failed sign-in for `key` by [`next_failure`], in one
    /// atomic step (servers sharing the database count together).
    fn count_sign_in_failure(
        &mut self,
        key: &str,
        now: DateTime<Utc>,
        window: chrono::Duration,
        max: u32,
        lock: chrono::Duration,
    ) -> Result<FailureCount, StoreError>;

    /// Forgets the failures of `key` (a successful sign-in, a password reset).
    fn clear_sign_in_failures(&mut self, key: &str) -> Result<(), StoreError>;
}

/// The rule of counting one more failure at `now`: a count whose window
/// (from its first failure) has passed, or whose lock has ended, starts
/// again at 1; reaching `max` locks the key for `lock`.
pub fn next_failure(
    prev: Option<FailureCount>,
    now: DateTime<Utc>,
    window: chrono::Duration,
    max: u32,
    lock: chrono::Duration,
) -> FailureCount {
    let fresh = match prev {
        None => true,
        Some(p) => now - p.first > window || p.locked_until.is_some_and(|t| t <= now),
    };
    let (count, first) = match prev {
        Some(p) if !fresh => (p.count.saturating_add(1), p.first),
        _ => (1, now),
    };
    let locked_until = match prev {
        Some(p) if !fresh && p.locked_until.is_some() => p.locked_until,
        _ if count >= max => Some(now + lock),
        _ => None,
    };
    FailureCount {
        count,
        first,
        locked_until,
    }
}

/// The text fields of a new account, checked before it is written.
pub(crate) fn check_new_user(u: &NewUser) -> Result<(), StoreError> {
    texts_ok([("用户名", u.login.as_str())])?;
    check_user_fields(&u.display_name, &u.role, &u.password_hash)
}

/// The text fields an account update writes.
pub(crate) fn check_user_update(u: &UserRecord) -> Result<(), StoreError> {
    check_user_fields(&u.display_name, &u.role, &u.password_hash)
}

fn check_user_fields(name: &str, role: &str, hash: &str) -> Result<(), StoreError> {
    texts_ok([("姓名", name), ("角色", role), ("口令散列", hash)])
}

pub(crate) fn check_session(s: &SessionRecord) -> Result<(), StoreError> {
    texts_ok([("会话标识", s.id.as_str()), ("会话令牌", s.csrf.as_str())])
}

pub(crate) fn check_token(t: &NewToken) -> Result<(), StoreError> {
    texts_ok([
        ("令牌名称", t.name.as_str()),
        ("令牌散列", t.token_hash.as_str()),
    ])
}

/// A token's unit roots as stored: comma-separated (empty: all units).
pub(crate) fn units_text(units: &[u32]) -> String {
    units
        .iter()
        .map(|u| u.to_string())
        .collect::<Vec<_>>()
        .join(",")
}

/// The unit roots of a stored token.
pub(crate) fn parse_units(text: &str) -> Vec<u32> {
    text.split(',').filter_map(|u| u.parse().ok()).collect()
}

/// A stored failure count (a negative count reads as the largest).
pub(crate) fn failure_count(count: i64, first: i64, locked_until: Option<i64>) -> FailureCount {
    FailureCount {
        count: u32::try_from(count).unwrap_or(u32::MAX),
        first: super::from_micros(first),
        locked_until: locked_until.map(super::from_micros),
    }
}
