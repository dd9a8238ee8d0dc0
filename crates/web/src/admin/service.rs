//! What the three administrators do (三员分立): the 安全管理员 manages
//! accounts, roles, scopes, sessions and API tokens; the 安全审计员 reads the
//! audit trail; the 系统管理员 reads the configuration. None of them sees
//! business data, and no account holds two of these roles.

use bianzhi_core::UnitId;
use bianzhi_store::{AuditFilter, NewToken, NewUser, TokenRecord, UserRecord};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::prelude::*;

/// An account as the 安全管理员 sees it (never the password hash).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AccountView {
    pub id: i64,
    pub login: String,
    pub name: String,
    /// Role codes (office_clerk, office_leader, unit_clerk, read_only, sys_admin, sec_admin, auditor).
    pub roles: Vec<String>,
    pub role_labels: String,
    /// Root of the unit subtree the account is limited to.
    pub unit_id: Option<u32>,
    pub unit: Option<String>,
    pub active: bool,
    /// Locked after repeated failed sign-ins.
    pub locked: bool,
}

/// A new account.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountInput {
    pub login: String,
    pub name: String,
    /// Role codes.
    #[schema(value_type = Vec<crate::auth::Role>)]
    pub roles: Vec<String>,
    #[serde(default)]
    pub unit: Option<u32>,
    /// At least three of upper case, lower case, digits, symbols; not containing the login.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

/// A change of an account; `roles` given replaces roles and unit together.
#[derive(Debug, Clone, Default, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AccountUpdate {
    #[serde(default)]
    pub name: Option<String>,
    /// Role codes.
    #[serde(default)]
    #[schema(value_type = Option<Vec<crate::auth::Role>>)]
    pub roles: Option<Vec<String>>,
    #[serde(default)]
    pub unit: Option<u32>,
    #[serde(default)]
    pub active: Option<bool>,
}

/// A new password.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PasswordInput {
    /// At least three of upper case, lower case, digits, symbols; not containing the login.
    #[schema(min_length = 8, max_length = 128)]
    pub password: String,
}

/// An active session (the id itself is never shown).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SessionView {
    /// Prefix of the SM3 of the session id; used to end it.
    pub handle: String,
    pub login: String,
    pub name: String,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// An API token for another department's system.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    /// Roots of the unit subtrees it may read (empty: all units).
    pub units: Vec<u32>,
    pub unit_names: Vec<String>,
    pub created_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// 有效, 已过期 or 已吊销.
    pub status: String,
}

/// A token just issued: the secret is shown this once only.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct IssuedToken {
    /// Send as `Authorization: Bearer <token>`.
    pub token: String,
    pub info: TokenView,
}

/// A token to issue.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TokenInput {
    /// Whose system uses it, e.g. 市人社局人事管理系统.
    pub name: String,
    /// Unit numbers whose subtrees it may read (empty: all units).
    #[serde(default)]
    pub units: Vec<u32>,
    /// Days until it expires (default from the configuration).
    #[serde(default)]
    pub days: Option<i64>,
}

/// One audit entry.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AuditView {
    pub seq: u64,
    pub at: DateTime<Utc>,
    /// The time in Beijing time, to the second.
    pub time: String,
    pub actor: String,
    /// The actor's name and role as the office knows them (empty for an
    /// unknown login).
    pub actor_name: String,
    pub ip: String,
    pub action: String,
    pub target: String,
    pub detail: String,
    /// SM3 chain hash, hex.
    pub hash: String,
}

/// The security configuration (系统管理员).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ConfigView {
    pub jurisdiction: String,
    pub idle_timeout_minutes: i64,
    pub max_session_hours: i64,
    pub max_failures_per_account: u32,
    pub max_failures_per_address: u32,
    pub lockout_minutes: i64,
    pub token_days: i64,
    pub password_policy: String,
    pub journal_entries: usize,
    pub audit_entries: u64,
}

fn parse_role_list(codes: &[String]) -> Result<Vec<Role>, WebError> {
    let mut roles = Vec::new();
    for c in codes {
        let r = Role::parse(c)
            .ok_or_else(|| WebError::invalid("bad_roles", format!("角色“{c}”不存在")))?;
        if !roles.contains(&r) {
            roles.push(r);
        }
    }
    Ok(roles)
}

impl App {
    fn account_view(&self, r: &UserRecord) -> AccountView {
        let roles = auth::parse_roles(&r.role).unwrap_or_default();
        AccountView {
            id: r.id,
            login: r.login.clone(),
            name: r.display_name.clone(),
            roles: roles.iter().map(|x| x.code().to_string()).collect(),
            role_labels: roles
                .iter()
                .map(|x| x.label())
                .collect::<Vec<_>>()
                .join("、"),
            unit_id: r.unit,
            unit: r.unit.map(|u| self.db().state().unit_name(UnitId(u))),
            active: r.active,
            locked: self.is_locked(&format!("acct:{}", r.login)),
        }
    }

    fn check_unit_exists(&self, unit: Option<u32>) -> Result<(), WebError> {
        match unit {
            Some(u) if self.db().state().unit(UnitId(u)).is_none() => {
                Err(WebError::UnknownUnit(format!("机构编号 {u} 不存在")))
            }
            _ => Ok(()),
        }
    }

    pub fn list_accounts(&self, by: &User) -> Result<Vec<AccountView>, WebError> {
        by.require(by.can_manage_accounts(), "管理账户（仅安全管理员）")?;
        let users = self.wf().users()?;
        Ok(users.iter().map(|u| self.account_view(u)).collect())
    }

    pub fn create_account(&self, by: &User, a: AccountInput) -> Result<AccountView, WebError> {
        by.require(by.can_manage_accounts(), "创建账户（仅安全管理员）")?;
        let login = a.login.trim().to_string();
        if login.is_empty()
            || !login
                .chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-' || c == '.')
        {
            return Err(WebError::invalid(
                "bad_login",
                "用户名只能由字母、数字、下划线、连字符和点组成",
            ));
        }
        if a.name.trim().is_empty() {
            return Err(WebError::invalid("missing_field", "请填写姓名"));
        }
        let roles = parse_role_list(&a.roles)?;
        let unit = a.unit.filter(|_| !roles.iter().any(|r| r.is_admin()));
        auth::check_roles(&roles, unit.map(UnitId))?;
        self.check_unit_exists(unit)?;
        auth::check_password(&a.password, &login)?;
        if self.wf().user_by_login(&login)?.is_some() {
            return Err(WebError::Conflict(format!("用户名“{login}”已被使用")));
        }
        let rec = self.wf().create_user(&NewUser {
            login,
            display_name: a.name.trim().to_string(),
            role: auth::roles_text(&roles),
            unit,
            password_hash: auth::hash_password(&a.password)?,
        })?;
        Ok(self.account_view(&rec))
    }

    fn account(&self, id: i64) -> Result<UserRecord, WebError> {
        self.wf()
            .user(id)?
            .ok_or_else(|| WebError::NotFound(format!("账户 {id} 不存在")))
    }

    pub fn update_account(
        &self,
        by: &User,
        id: i64,
        u: AccountUpdate,
    ) -> Result<AccountView, WebError> {
        by.require(by.can_manage_accounts(), "修改账户（仅安全管理员）")?;
        let mut rec = self.account(id)?;
        let rights = (rec.role.clone(), rec.unit, rec.active);
        if let Some(n) = u.name.as_deref().map(str::trim).filter(|n| !n.is_empty()) {
            rec.display_name = n.to_string();
        }
        if let Some(codes) = &u.roles {
            let roles = parse_role_list(codes)?;
            let unit = u.unit.filter(|_| !roles.iter().any(|r| r.is_admin()));
            auth::check_roles(&roles, unit.map(UnitId))?;
            self.check_unit_exists(unit)?;
            if id == by.id && !roles.contains(&Role::SecAdmin) {
                return Err(WebError::invalid(
                    "self_change",
                    "不能撤销自己的安全管理员角色，请由另一名安全管理员操作",
                ));
            }
            rec.role = auth::roles_text(&roles);
            rec.unit = unit;
        }
        if let Some(active) = u.active {
            if !active && id == by.id {
                return Err(WebError::invalid("self_change", "不能停用自己的账户"));
            }
            rec.active = active;
        }
        self.wf().update_user(&rec)?;
        if (rec.role.clone(), rec.unit, rec.active) != rights {
            // New roles, scope or a disabled account take effect at once: the
            // account signs in again.
            self.end_sessions_of(id)?;
        } else {
            // Nothing that grants or limits rights changed (a new name, or no
            // change at all): the sessions go on, showing the account anew.
            self.refresh_sessions_of(id);
        }
        Ok(self.account_view(&rec))
    }

    pub fn reset_password(&self, by: &User, id: i64, password: &str) -> Result<(), WebError> {
        by.require(by.can_manage_accounts(), "重置密码（仅安全管理员）")?;
        let mut rec = self.account(id)?;
        auth::check_password(password, &rec.login)?;
        rec.password_hash = auth::hash_password(password)?;
        self.wf().update_user(&rec)?;
        self.end_sessions_of(id)?;
        self.unlock(&rec.login)?;
        Ok(())
    }

    pub fn list_sessions(&self, by: &User) -> Result<Vec<SessionView>, WebError> {
        by.require(by.can_manage_accounts(), "查看在线会话（仅安全管理员）")?;
        let now = self.now();
        let wf = self.wf();
        let mut out = Vec::new();
        for s in wf.sessions(now)? {
            let u = wf.user(s.user_id)?;
            out.push(SessionView {
                handle: auth::sm3_hex(&s.id)[..16].to_string(),
                login: u.as_ref().map(|u| u.login.clone()).unwrap_or_default(),
                name: u.map(|u| u.display_name).unwrap_or_default(),
                created_at: s.created_at,
                expires_at: s.expires_at,
            });
        }
        Ok(out)
    }

    pub fn force_sign_out(&self, by: &User, handle: &str) -> Result<(), WebError> {
        by.require(by.can_manage_accounts(), "强制下线（仅安全管理员）")?;
        if self.end_session_by_handle(handle)? {
            Ok(())
        } else {
            Err(WebError::NotFound("该会话不存在或已结束".into()))
        }
    }

    fn token_view(&self, t: &TokenRecord) -> TokenView {
        let now = self.now();
        let st = self.db();
        TokenView {
            id: t.id,
            name: t.name.clone(),
            units: t.units.clone(),
            unit_names: t
                .units
                .iter()
                .map(|u| st.state().unit_name(UnitId(*u)))
                .collect(),
            created_at: t.created_at,
            expires_at: t.expires_at,
            revoked_at: t.revoked_at,
            status: if t.revoked_at.is_some() {
                "已吊销"
            } else if t.expires_at <= now {
                "已过期"
            } else {
                "有效"
            }
            .into(),
        }
    }

    pub fn list_tokens(&self, by: &User) -> Result<Vec<TokenView>, WebError> {
        by.require(by.can_manage_accounts(), "管理接口令牌（仅安全管理员）")?;
        let tokens = self.wf().tokens()?;
        Ok(tokens.iter().map(|t| self.token_view(t)).collect())
    }

    /// Issues a read-only token limited to `units` (their subtrees).
    pub fn issue_token(&self, by: &User, t: TokenInput) -> Result<IssuedToken, WebError> {
        by.require(by.can_manage_accounts(), "签发接口令牌（仅安全管理员）")?;
        if t.name.trim().is_empty() {
            return Err(WebError::invalid(
                "missing_field",
                "请填写令牌用途（使用单位或系统）",
            ));
        }
        for u in &t.units {
            self.check_unit_exists(Some(*u))?;
        }
        let days = t.days.unwrap_or(self.config.token_days);
        if !(1..=3660).contains(&days) {
            return Err(WebError::invalid(
                "bad_parameter",
                "有效期应为 1 至 3660 天",
            ));
        }
        let token = format!("{}{}", auth::TOKEN_PREFIX, auth::random_hex(32)?);
        let now = self.now();
        let rec = self.wf().create_token(&NewToken {
            name: t.name.trim().to_string(),
            token_hash: auth::sm3_hex(&token),
            units: t.units,
            created_by: by.id,
            created_at: now,
            expires_at: now + chrono::Duration::days(days),
        })?;
        Ok(IssuedToken {
            token,
            info: self.token_view(&rec),
        })
    }

    pub fn revoke_token(&self, by: &User, id: i64) -> Result<(), WebError> {
        by.require(by.can_manage_accounts(), "吊销接口令牌（仅安全管理员）")?;
        if self.wf().revoke_token(id, self.now())? {
            Ok(())
        } else {
            Err(WebError::NotFound(format!("令牌 {id} 不存在")))
        }
    }

    /// The read-only user of an API token, if it is valid now.
    pub fn token_user(&self, token: &str) -> Result<Option<User>, WebError> {
        let Some(t) = self.wf().token_by_hash(&auth::sm3_hex(token))? else {
            return Ok(None);
        };
        if t.revoked_at.is_some() || t.expires_at <= self.now() {
            return Ok(None);
        }
        Ok(Some(User {
            id: -t.id,
            login: format!("token:{}", t.id),
            name: t.name.clone(),
            role: Role::ReadOnly,
            roles: vec![Role::ReadOnly],
            unit: None,
            scope: (!t.units.is_empty()).then(|| t.units.iter().map(|u| UnitId(*u)).collect()),
            csrf: String::new(),
            session: String::new(),
            token: true,
        }))
    }

    pub fn search_audit(
        &self,
        by: &User,
        f: &AuditFilter,
    ) -> Result<(Vec<AuditView>, u64), WebError> {
        by.require(by.can_audit(), "查看审计记录（仅安全审计员）")?;
        let (rows, total) = self.wf().audit(f)?;
        // Logins to names: the trail stores the login (stable); the
        // auditor reads who that is.
        let names: std::collections::HashMap<String, String> = self
            .wf()
            .users()?
            .into_iter()
            .map(|u| {
                let roles: Vec<&str> = u
                    .role
                    .split(',')
                    .filter_map(|r| Role::parse(r.trim()))
                    .map(|r| r.label())
                    .collect();
                (
                    u.login,
                    format!("{}（{}）", u.display_name, roles.join("、")),
                )
            })
            .collect();
        Ok((
            rows.into_iter()
                .map(|e| AuditView {
                    seq: e.seq,
                    at: e.at,
                    time: bianzhi_core::beijing::local(e.at)
                        .format("%Y-%m-%d %H:%M:%S")
                        .to_string(),
                    actor_name: names.get(&e.actor).cloned().unwrap_or_default(),
                    actor: e.actor,
                    ip: e.ip,
                    action: e.action,
                    target: e.target,
                    detail: e.detail,
                    hash: hex::encode(e.hash),
                })
                .collect(),
            total,
        ))
    }

    pub fn config_view(&self, by: &User) -> Result<ConfigView, WebError> {
        by.require(by.can_configure(), "查看系统配置（仅系统管理员）")?;
        let c = &self.config;
        let audit_entries = self.wf().audit(&AuditFilter {
            limit: 1,
            ..Default::default()
        })?;
        let db = self.db();
        Ok(ConfigView {
            jurisdiction: db.state().jurisdiction.name.clone(),
            idle_timeout_minutes: c.idle_timeout.num_minutes(),
            max_session_hours: auth::SESSION_HOURS,
            max_failures_per_account: c.max_failures,
            max_failures_per_address: c.max_failures_ip,
            lockout_minutes: c.lockout.num_minutes(),
            token_days: c.token_days,
            password_policy:
                "至少 8 位，含大写字母、小写字母、数字、符号中的至少三类，不得包含用户名".into(),
            journal_entries: db.ledger().journal_len(),
            audit_entries: audit_entries.1,
        })
    }
}

/// The audit search of a query string: actor, action, target, ip, from, to (dates).
pub fn audit_filter(
    p: &crate::http::params::Params,
    pager: &crate::http::params::Pager,
) -> Result<AuditFilter, WebError> {
    let day = |k: &str| -> Result<Option<DateTime<Utc>>, WebError> {
        match p.date(k)? {
            None => Ok(None),
            Some(d) => {
                // Dates are Beijing days.
                Ok(Some(bianzhi_core::beijing::day_start(d)))
            }
        }
    };
    let text = |k: &str| {
        p.get(k)
            .map(str::trim)
            .filter(|v| !v.is_empty())
            .map(String::from)
    };
    Ok(AuditFilter {
        actor: text("actor"),
        action: text("action"),
        target: text("target"),
        ip: text("ip"),
        from: day("from")?,
        to: day("to")?.map(|t| t + chrono::Duration::days(1)),
        offset: ((pager.page - 1) * pager.per_page) as u64,
        limit: pager.per_page as u64,
    })
}
