//! Pages of the three administrators: accounts, sessions and API tokens
//! (安全管理员), the audit trail (安全审计员), the configuration (系统管理员).

use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::routing::{get, post};
use axum::Router;
use bianzhi_core::UnitId;

use crate::admin::service::*;
use crate::prelude::*;

type F = Form;

fn layout(app: &App, u: &User, nav: &'static str, title: &str, path: &str) -> Layout {
    Layout::new(app, u, nav, title, Url::new(path, &Params::default()), None)
}

#[derive(Template)]
#[template(path = "admin/accounts.html")]
struct AccountsPage {
    l: Layout,
    rows: Vec<AccountView>,
    roles: Vec<(&'static str, &'static str)>,
    message: Option<String>,
    error: Option<String>,
}

fn accounts_page(
    app: &App,
    u: &User,
    message: Option<String>,
    error: Option<String>,
) -> PageResult {
    let rows = app.list_accounts(u)?;
    render(&AccountsPage {
        l: layout(app, u, "accounts", "账户管理", "/admin/accounts"),
        rows,
        roles: Role::ALL.iter().map(|r| (r.code(), r.label())).collect(),
        message,
        error,
    })
}

async fn accounts(State(app): State<AppState>, PageAnyUser(u): PageAnyUser) -> PageResult {
    accounts_page(&app, &u, None, None)
}

fn roles_of(form: &[(String, String)]) -> Vec<String> {
    form.iter()
        .filter(|(k, _)| k == "role")
        .map(|(_, v)| v.clone())
        .collect()
}

fn unit_of(app: &App, form: &[(String, String)]) -> Result<Option<u32>, WebError> {
    let s = field(form, "unit");
    if s.is_empty() {
        return Ok(None);
    }
    if let Ok(n) = s.parse::<u32>() {
        return Ok(Some(n));
    }
    let db = app.db();
    db.state()
        .unit_by_name
        .get(s)
        .map(|u: &UnitId| Some(u.0))
        .ok_or_else(|| WebError::UnknownUnit(format!("机构“{s}”不存在")))
}

/// Runs an account change and shows the list with its outcome.
fn outcome(app: &App, u: &User, r: Result<String, WebError>) -> PageResult {
    match r {
        Ok(m) => accounts_page(app, u, Some(m), None),
        Err(e @ (WebError::Csrf | WebError::Forbidden(_) | WebError::Internal(_))) => Err(e.into()),
        Err(e) => accounts_page(app, u, None, Some(e.to_string())),
    }
}

async fn account_create(
    State(app): State<AppState>,
    PageAnyUser(u): PageAnyUser,
    Form(form): F,
) -> PageResult {
    check_csrf(&u, &form)?;
    let app2 = app.clone();
    let u2 = u.clone();
    let r = blocking(move || {
        let a = AccountInput {
            login: field(&form, "login").into(),
            name: field(&form, "name").into(),
            roles: roles_of(&form),
            unit: unit_of(&app2, &form)?,
            password: field(&form, "password").into(),
        };
        app2.create_account(&u2, a)
            .map(|v| format!("已创建账户 {}（{}）", v.login, v.role_labels))
    })
    .await;
    outcome(&app, &u, r)
}

async fn account_update(
    State(app): State<AppState>,
    PageAnyUser(u): PageAnyUser,
    Path(id): Path<i64>,
    Form(form): F,
) -> PageResult {
    check_csrf(&u, &form)?;
    let r = (|| {
        let upd = AccountUpdate {
            name: None,
            roles: Some(roles_of(&form)),
            unit: unit_of(&app, &form)?,
            active: Some(field(&form, "active") == "1"),
        };
        app.update_account(&u, id, upd)
            .map(|v| format!("已修改账户 {}（该账户须重新登录）", v.login))
    })();
    outcome(&app, &u, r)
}

async fn account_password(
    State(app): State<AppState>,
    PageAnyUser(u): PageAnyUser,
    Path(id): Path<i64>,
    Form(form): F,
) -> PageResult {
    check_csrf(&u, &form)?;
    let app2 = app.clone();
    let u2 = u.clone();
    let pw = field(&form, "password").to_string();
    let r = blocking(move || {
        app2.reset_password(&u2, id, &pw)
            .map(|_| "已重置密码（该账户须重新登录）".to_string())
    })
    .await;
    outcome(&app, &u, r)
}

#[derive(Template)]
#[template(path = "admin/sessions.html")]
struct SessionsPage {
    l: Layout,
    rows: Vec<SessionView>,
    message: Option<String>,
}

async fn sessions(State(app): State<AppState>, PageAnyUser(u): PageAnyUser) -> PageResult {
    let rows = app.list_sessions(&u)?;
    render(&SessionsPage {
        l: layout(&app, &u, "sessions", "在线会话", "/admin/sessions"),
        rows,
        message: None,
    })
}

async fn session_end(
    State(app): State<AppState>,
    PageAnyUser(u): PageAnyUser,
    Path(handle): Path<String>,
    Form(form): F,
) -> PageResult {
    check_csrf(&u, &form)?;
    app.force_sign_out(&u, &handle)?;
    let rows = app.list_sessions(&u)?;
    render(&SessionsPage {
        l: layout(&app, &u, "sessions", "在线会话", "/admin/sessions"),
        rows,
        message: Some("已强制下线".into()),
    })
}

#[derive(Template)]
#[template(path = "admin/tokens.html")]
struct TokensPage {
    l: Layout,
    rows: Vec<TokenView>,
    issued: Option<String>,
    error: Option<String>,
}

fn tokens_page(app: &App, u: &User, issued: Option<String>, error: Option<String>) -> PageResult {
    let rows = app.list_tokens(u)?;
    render(&TokensPage {
        l: layout(app, u, "tokens", "接口令牌", "/admin/tokens"),
        rows,
        issued,
        error,
    })
}

async fn tokens(State(app): State<AppState>, PageAnyUser(u): PageAnyUser) -> PageResult {
    tokens_page(&app, &u, None, None)
}

async fn token_issue(
    State(app): State<AppState>,
    PageAnyUser(u): PageAnyUser,
    Form(form): F,
) -> PageResult {
    check_csrf(&u, &form)?;
    let r = (|| {
        let mut units = Vec::new();
        for part in field(&form, "units").split(['，', ',', '、']) {
            let part = part.trim();
            if part.is_empty() {
                continue;
            }
            let one = [("unit".to_string(), part.to_string())];
            units.extend(unit_of(&app, &one)?);
        }
        let days = match field(&form, "days") {
            "" => None,
            d => Some(
                d.parse::<i64>()
                    .map_err(|_| WebError::invalid("bad_parameter", "有效期应为天数"))?,
            ),
        };
        app.issue_token(
            &u,
            TokenInput {
                name: field(&form, "name").into(),
                units,
                days,
            },
        )
    })();
    match r {
        Ok(t) => tokens_page(&app, &u, Some(t.token), None),
        Err(e @ (WebError::Csrf | WebError::Forbidden(_) | WebError::Internal(_))) => Err(e.into()),
        Err(e) => tokens_page(&app, &u, None, Some(e.to_string())),
    }
}

async fn token_revoke(
    State(app): State<AppState>,
    PageAnyUser(u): PageAnyUser,
    Path(id): Path<i64>,
    Form(form): F,
) -> PageResult {
    check_csrf(&u, &form)?;
    app.revoke_token(&u, id)?;
    tokens_page(&app, &u, None, None)
}

#[derive(Template)]
#[template(path = "admin/audit.html")]
struct AuditPage {
    l: Layout,
    rows: Vec<AuditView>,
    page: PageInfo,
    q: Params,
}

impl AuditPage {
    fn v(&self, k: &str) -> String {
        self.q.get(k).unwrap_or("").to_string()
    }
}

async fn audit(
    State(app): State<AppState>,
    PageAnyUser(u): PageAnyUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let pager = p.pager(100)?;
    let f = audit_filter(&p, &pager)?;
    let (rows, total) = app.search_audit(&u, &f)?;
    let total = total as usize;
    render(&AuditPage {
        l: Layout::new(
            &app,
            &u,
            "audit",
            "审计记录",
            Url::new(uri.path(), &p),
            None,
        ),
        rows,
        page: PageInfo {
            page: pager.page,
            per_page: pager.per_page,
            total,
            pages: total.div_ceil(pager.per_page),
        },
        q: p,
    })
}

/// The audit trail of a search as xlsx (安全审计员), at most
/// [`AUDIT_EXPORT_MAX`] entries, newest first; the export is itself audited.
async fn audit_xlsx(
    State(app): State<AppState>,
    PageAnyUser(u): PageAnyUser,
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
) -> PageResult {
    let pager = Pager {
        page: 1,
        per_page: AUDIT_EXPORT_MAX,
    };
    let f = audit_filter(&p, &pager)?;
    let (rows, total) = app.search_audit(&u, &f)?;
    let mut t = bianzhi_reports::Table::new(
        "审计记录",
        &[
            "序号",
            "时间（北京时间）",
            "操作人",
            "姓名",
            "地址",
            "操作",
            "对象",
            "说明",
        ],
    );
    for e in &rows {
        t.rows.push(
            [
                e.seq.to_string(),
                e.time.clone(),
                e.actor.clone(),
                e.actor_name.clone(),
                e.ip.clone(),
                e.action.clone(),
                e.target.clone(),
                e.detail.clone(),
            ]
            .into_iter()
            .map(bianzhi_reports::Cell::text)
            .collect(),
        );
    }
    app.audit(
        &u.login,
        &ip,
        "导出审计记录",
        "/audit/xlsx",
        &format!("{} 条（共 {total} 条）", rows.len()),
    );
    let today = app.today();
    Ok(crate::reports::service::xlsx_response(
        &t,
        &format!("audit-{today}.xlsx"),
        &format!("审计记录_{today}.xlsx"),
    )?)
}

/// The most audit entries one export holds.
const AUDIT_EXPORT_MAX: usize = 100_000;

#[derive(Template)]
#[template(path = "admin/config.html")]
struct ConfigPage {
    l: Layout,
    c: ConfigView,
}

async fn config(State(app): State<AppState>, PageAnyUser(u): PageAnyUser) -> PageResult {
    let c = app.config_view(&u)?;
    render(&ConfigPage {
        l: layout(&app, &u, "config", "系统配置", "/admin/config"),
        c,
    })
}

/// The 三员 pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin/accounts", get(accounts).post(account_create))
        .route("/admin/accounts/{id}", post(account_update))
        .route("/admin/accounts/{id}/password", post(account_password))
        .route("/admin/sessions", get(sessions))
        .route("/admin/sessions/{handle}/end", post(session_end))
        .route("/admin/tokens", get(tokens).post(token_issue))
        .route("/admin/tokens/{id}/revoke", post(token_revoke))
        .route("/audit", get(audit))
        .route("/audit/xlsx", get(audit_xlsx))
        .route("/admin/config", get(config))
}
