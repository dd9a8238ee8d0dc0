//! The JSON API under `/api/v1`: everything the pages show, and submitting,
//! returning and approving applications. Documented with utoipa; the OpenAPI
//! document is generated from these annotations (`openapi()`).

use std::collections::HashMap;
use std::sync::Arc;

use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{header, HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::{get, post};
use axum::{Json, Router};
use bianzhi_core::catalog::{LeaveReason, PlanChannel, PostKind, StaffIdentity, UnitKind};
use bianzhi_core::{FundingId, QuotaTypeId, UnitId};
use bianzhi_store::ApplicationStatus;
use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{OpenApi, ToSchema};

use crate::apidoc::*;
use crate::app::App;
use crate::apps::{ApplicationInput, ApplicationKind, ApplicationView, EventView, UnitKey};
use crate::auth::{self, Role, User};
use crate::error::{ApiError, ApiResult, ErrorBody, WebError};
use crate::hardening::Peer;
use crate::json::ApiJson;
use crate::security::*;
use crate::views::{self, *};

/// The session id in the request's cookie, if any (ended at a new sign-in).
pub fn old_session(headers: &HeaderMap) -> Option<String> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(auth::session_from_cookie)
        .map(str::to_string)
}

type AppState = Arc<App>;

// ---------------------------------------------------------------- extractors

/// Query-string parameters (our own rejection).
pub struct Q(pub Params);

impl<S: Send + Sync> FromRequestParts<S> for Q {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        let Query(pairs) = Query::<Vec<(String, String)>>::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError(WebError::invalid("bad_parameter", "查询参数格式不对")))?;
        let mut map = HashMap::with_capacity(pairs.len());
        for (k, v) in pairs {
            if map.contains_key(&k) {
                return Err(ApiError(WebError::invalid(
                    "bad_parameter",
                    format!("参数 {k} 重复出现"),
                )));
            }
            map.insert(k, v);
        }
        Ok(Q(Params::strict(map)))
    }
}

/// The signed-in user of an API request: `Authorization: Bearer <token>` or
/// the session cookie (then writes need the `X-CSRF-Token` header).
pub struct ApiUser(pub User);

/// Finds the session of a request; `csrf_ok` is false for a cookie-signed
/// write without a matching `X-CSRF-Token`. Records the login on the
/// request's span ([`crate::trace`]).
pub fn request_user(app: &App, headers: &HeaderMap) -> Result<Option<(User, bool)>, WebError> {
    let user = session_of(app, headers)?;
    if let Some((u, _)) = &user {
        crate::trace::record_user(&u.login);
    }
    Ok(user)
}

/// [`request_user`] without recording the login on the request's span (for
/// the layers, which run before the handler's extractor records it).
pub(crate) fn session_of(app: &App, headers: &HeaderMap) -> Result<Option<(User, bool)>, WebError> {
    if let Some(tok) = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
    {
        return Ok(app.session_user(tok.trim())?.map(|u| (u, true)));
    }
    let Some(id) = headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .find_map(auth::session_from_cookie)
    else {
        return Ok(None);
    };
    // The cookie carries a session, never an API token: a token is for other
    // systems, sent as `Authorization: Bearer`, and is read-only.
    if id.starts_with(auth::TOKEN_PREFIX) {
        return Ok(None);
    }
    Ok(app.session_user(id)?.map(|u| (u, false)))
}

/// The signed-in user of any role (administrators included): for sign-out,
/// `/me` and the administrators' endpoints, which check the role themselves.
pub struct AnyUser(pub User);

fn api_user(parts: &Parts, app: &App) -> Result<User, ApiError> {
    let Some((user, bearer)) = request_user(app, &parts.headers)? else {
        return Err(ApiError(WebError::Unauthorized));
    };
    let safe = matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS);
    if !safe && !bearer {
        let tok = parts
            .headers
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok());
        if tok != Some(user.csrf.as_str()) {
            return Err(ApiError(WebError::Csrf));
        }
    }
    Ok(user)
}

/// The refusal an administrator (三员) gets on business data.
pub fn no_business_data(user: &User) -> WebError {
    WebError::Forbidden(format!(
        "{}（{}）不能查看或办理机构编制业务数据（三员分立）",
        user.name,
        user.role_labels()
    ))
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let user = api_user(parts, app)?;
        if user.is_admin() {
            return Err(ApiError(no_business_data(&user)));
        }
        Ok(ApiUser(user))
    }
}

impl FromRequestParts<AppState> for AnyUser {
    type Rejection = ApiError;
    async fn from_request_parts(
        parts: &mut Parts,
        app: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(AnyUser(api_user(parts, app)?))
    }
}

// ---------------------------------------------------------------- types

/// Sign-in request.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    pub login: String,
    pub password: String,
}

/// The signed-in user.
#[derive(Debug, Serialize, ToSchema)]
pub struct Me {
    pub login: String,
    pub name: String,
    pub role: Role,
    pub role_label: String,
    /// Every role of the account.
    pub roles: Vec<Role>,
    /// For a 单位经办: the unit they act for (with the units below it).
    pub unit_id: Option<u32>,
    pub unit: Option<String>,
}

/// A started session.
#[derive(Debug, Serialize, ToSchema)]
pub struct SessionInfo {
    /// Send as `Authorization: Bearer <token>` (also set as an HttpOnly cookie).
    pub token: String,
    /// For cookie-signed writes: send as `X-CSRF-Token`.
    pub csrf: String,
    pub expires_at: DateTime<Utc>,
    pub user: Me,
}

/// A list of units.
#[derive(Debug, Serialize, ToSchema)]
pub struct UnitList {
    pub as_of: NaiveDate,
    pub items: Vec<UnitRow>,
    pub page: PageInfo,
}

/// A list of people.
#[derive(Debug, Serialize, ToSchema)]
pub struct PersonList {
    pub as_of: NaiveDate,
    pub items: Vec<PersonRow>,
    pub page: PageInfo,
}

/// 台账 lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct LedgerPage {
    pub unit_id: u32,
    pub unit: String,
    pub as_of: NaiveDate,
    pub items: Vec<LedgerLineView>,
    pub page: PageInfo,
}

/// 领导职数情况表.
#[derive(Debug, Serialize, ToSchema)]
pub struct PostTableView {
    pub unit_id: u32,
    pub unit: String,
    pub as_of: NaiveDate,
    pub rows: Vec<PostRowView>,
}

/// Matters.
#[derive(Debug, Serialize, ToSchema)]
pub struct MatterList {
    pub as_of: NaiveDate,
    pub items: Vec<MatterRow>,
    pub page: PageInfo,
}

/// 用编计划 lines.
#[derive(Debug, Serialize, ToSchema)]
pub struct PlanList {
    pub items: Vec<PlanLineView>,
    pub page: PageInfo,
    /// Years that have plan lines.
    pub years: Vec<i32>,
}

/// Applications.
#[derive(Debug, Serialize, ToSchema)]
pub struct ApplicationList {
    pub items: Vec<ApplicationView>,
    pub page: PageInfo,
}

/// A matter recorded directly by the 编办.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MatterInput {
    /// 文号, e.g. 盐编〔2024〕12号.
    pub doc: String,
    /// 生效日期, YYYY-MM-DD.
    #[schema(value_type = NaiveDate)]
    pub effective: String,
    /// 事由.
    #[serde(default)]
    pub reason: String,
    /// Operations (`{"op": "increase_quota", …}`; see `Op` in the core), units by
    /// full name or number, people by 身份证号 or number.
    #[schema(value_type = Vec<Object>)]
    pub ops: Vec<serde_json::Value>,
}

/// 退回.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ReturnInput {
    /// 退回意见.
    pub comment: String,
}

/// 批准.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApproveInput {
    /// 文号 of the approval, e.g. 盐编〔2026〕15号.
    pub doc: String,
    /// 生效日期 (default: the date proposed in the application, else today).
    #[serde(default)]
    #[schema(value_type = Option<NaiveDate>)]
    pub effective: Option<String>,
    #[serde(default)]
    pub comment: Option<String>,
}

/// A catalogue entry.
#[derive(Debug, Serialize, ToSchema)]
pub struct CatalogItem {
    pub id: u16,
    pub code: String,
    pub name: String,
}

/// The lists forms choose from.
#[derive(Debug, Serialize, ToSchema)]
pub struct Catalog {
    /// 编制类型.
    pub quota_types: Vec<CatalogItem>,
    /// 经费形式.
    pub funding_forms: Vec<CatalogItem>,
    pub unit_kinds: Vec<String>,
    pub identities: Vec<String>,
    pub leave_reasons: Vec<String>,
    pub post_kinds: Vec<String>,
    pub plan_channels: Vec<String>,
    pub application_kinds: Vec<ApplicationKind>,
}

// ---------------------------------------------------------------- helpers

fn me(app: &App, u: &User) -> Me {
    Me {
        login: u.login.clone(),
        name: u.name.clone(),
        role: u.role,
        role_label: u.role_labels(),
        roles: u.roles.clone(),
        unit_id: u.unit.map(|x| x.0),
        unit: u.unit.map(|x| app.db().state().unit_name(x)),
    }
}

pub fn parse_qtype(app: &App, p: &Params) -> Result<Option<QuotaTypeId>, WebError> {
    match p.get("qtype") {
        None => Ok(None),
        Some(s) => {
            let db = app.db();
            let st = db.state();
            let id = s
                .parse::<u16>()
                .ok()
                .and_then(|i| st.quota_type(QuotaTypeId(i)).map(|q| q.id))
                .or_else(|| {
                    st.quota_types
                        .iter()
                        .find(|q| q.name == s || q.code == s)
                        .map(|q| q.id)
                });
            id.map(Some).ok_or_else(|| {
                WebError::invalid("unknown_quota_type", format!("编制类型“{s}”不存在"))
            })
        }
    }
}

pub fn parse_funding(app: &App, p: &Params) -> Result<Option<FundingId>, WebError> {
    match p.get("funding") {
        None => Ok(None),
        Some(s) => {
            let db = app.db();
            let st = db.state();
            let id = s
                .parse::<u8>()
                .ok()
                .and_then(|i| st.funding_form(FundingId(i)).map(|q| q.id))
                .or_else(|| {
                    st.funding_forms
                        .iter()
                        .find(|q| q.name == s || q.code == s)
                        .map(|q| q.id)
                });
            id.map(Some)
                .ok_or_else(|| WebError::invalid("unknown_funding", format!("经费形式“{s}”不存在")))
        }
    }
}

pub fn people_filter(
    app: &App,
    scope: Option<&[UnitId]>,
    p: &Params,
) -> Result<PeopleFilter, WebError> {
    let (sort, desc) = p.sort(PEOPLE_SORTS, "id")?;
    let status = p.typed("status")?.unwrap_or("enrolled").to_string();
    if !PERSON_STATUSES.contains(&status.as_str()) {
        return Err(WebError::invalid(
            "bad_parameter",
            format!("人员状态“{status}”无效，可用：enrolled、active、pending、left、filed、all"),
        ));
    }
    let unit = match p.get("unit") {
        None => None,
        Some(s) => {
            let db = app.db();
            Some(crate::apps::find_unit_in_scope(
                db.state(),
                scope,
                &UnitKey::Name(s.to_string()),
            )?)
        }
    };
    Ok(PeopleFilter {
        q: p.get("q").map(str::to_string),
        unit,
        subtree: p.flag("subtree")?,
        qtype: parse_qtype(app, p)?,
        funding: parse_funding(app, p)?,
        status,
        sort,
        desc,
    })
}

pub fn unit_filter(app: &App, p: &Params) -> Result<UnitFilter, WebError> {
    let (sort, desc) = p.sort(UNIT_SORTS, "tree")?;
    let kind = match p.typed("kind")? {
        None => None,
        Some(k) => Some(
            UnitKind::parse(k)
                .ok_or_else(|| WebError::invalid("bad_parameter", format!("机构类别“{k}”无效")))?,
        ),
    };
    Ok(UnitFilter {
        q: p.get("q").map(str::to_string),
        kind,
        over: p.flag("over")?,
        qtype: parse_qtype(app, p)?,
        all: p.flag("all")?,
        sort,
        desc,
    })
}

pub fn matter_filter(
    app: &App,
    scope: Option<&[UnitId]>,
    p: &Params,
) -> Result<MatterFilter, WebError> {
    let (sort, desc) = p.sort(MATTER_SORTS, "effective")?;
    let unit = match p.get("unit") {
        None => None,
        Some(s) => {
            let db = app.db();
            Some(crate::apps::find_unit_in_scope(
                db.state(),
                scope,
                &UnitKey::Name(s.to_string()),
            )?)
        }
    };
    // Newest first unless asked otherwise.
    let desc = if p.typed("dir")?.is_none() {
        true
    } else {
        desc
    };
    Ok(MatterFilter {
        unit,
        kind: p.get("kind").map(str::to_string),
        year: p.i32("year")?,
        q: p.get("q").map(str::to_string),
        sort,
        desc,
    })
}

pub fn plan_filter(
    app: &App,
    scope: Option<&[UnitId]>,
    p: &Params,
) -> Result<PlanFilter, WebError> {
    let (sort, desc) = p.sort(PLAN_SORTS, "year")?;
    let unit = match p.get("unit") {
        None => None,
        Some(s) => {
            let db = app.db();
            Some(crate::apps::find_unit_in_scope(
                db.state(),
                scope,
                &UnitKey::Name(s.to_string()),
            )?)
        }
    };
    Ok(PlanFilter {
        unit,
        year: p.i32("year")?,
        open: p.flag("open")?,
        sort,
        desc,
    })
}

impl App {
    /// Records a matter entered by the 编办 (form or API).
    pub fn record_matter(&self, user: &User, input: MatterInput) -> Result<u64, WebError> {
        user.require(user.can_record(), "直接登记事项（仅编办）")?;
        let doc = bianzhi_core::ident::parse_doc_no(&input.doc)
            .map_err(|e| WebError::invalid("bad_doc_no", e.to_string()))?;
        let effective = views::parse_date(&input.effective)?;
        if input.ops.is_empty() {
            return Err(WebError::invalid(
                "missing_field",
                "事项至少要有一项操作（ops）",
            ));
        }
        let mut ops = Vec::with_capacity(input.ops.len());
        for (i, v) in input.ops.into_iter().enumerate() {
            let op: bianzhi_core::Op = crate::json::from_value(v).map_err(|e| match e {
                WebError::InvalidField { code, message } => WebError::InvalidField {
                    code,
                    message: format!("第 {} 项操作：{message}", i + 1),
                },
                other => other,
            })?;
            ops.push(op);
        }
        let now = self.now();
        let m = bianzhi_core::Matter {
            doc,
            effective,
            recorded_at: now,
            actor: user.name.clone(),
            reason: input.reason.trim().to_string(),
            ops,
            warnings: Vec::new(),
            attachments: Vec::new(),
        };
        let _w = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let (seq, _) = self.db().submit(m, now)?;
        Ok(seq)
    }
}

fn unit_id(app: &App, user: &User, id: u32, date: NaiveDate) -> Result<UnitId, WebError> {
    let scope = app.scope(user, date);
    app.read(date, |ctx| check_unit(ctx, scope.as_deref(), id))
}

fn status_param(p: &Params) -> Result<Option<ApplicationStatus>, WebError> {
    match p.typed("status")? {
        None => Ok(None),
        Some(s) => ApplicationStatus::parse(s).map(Some).ok_or_else(|| {
            WebError::invalid(
                "bad_parameter",
                format!("申请状态“{s}”无效，可用：submitted、returned、approved、withdrawn"),
            )
        }),
    }
}

fn kind_param(p: &Params) -> Result<Option<ApplicationKind>, WebError> {
    match p.typed("kind")? {
        None => Ok(None),
        Some(s) => ApplicationKind::parse(s)
            .map(Some)
            .ok_or_else(|| WebError::invalid("bad_parameter", format!("申请类型“{s}”无效"))),
    }
}

// ---------------------------------------------------------------- handlers

/// Signs in; answers a token (also set as a cookie).
#[utoipa::path(post, path = "/api/v1/session", tag = "登录", request_body = SignIn,
    responses((status = 200, body = SessionInfo), (status = 401, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn sign_in(
    State(app): State<AppState>,
    Peer(ip): Peer,
    headers: HeaderMap,
    ApiJson(body): ApiJson<SignIn>,
) -> ApiResult<Response> {
    let app2 = app.clone();
    let old = old_session(&headers);
    let user = tokio::task::spawn_blocking(move || {
        let u = app2.sign_in(&body.login, &body.password, &ip)?;
        // A new session id at every sign-in: the old one (if any) ends.
        if let Some(old) = old {
            app2.sign_out(&old)?;
        }
        Ok::<_, WebError>(u)
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))??;
    let info = SessionInfo {
        token: user.session.clone(),
        csrf: user.csrf.clone(),
        expires_at: app.session_expiry(),
        user: me(&app, &user),
    };
    Ok((
        [(header::SET_COOKIE, auth::session_cookie(&user.session))],
        Json(info),
    )
        .into_response())
}

/// Signs out.
#[utoipa::path(delete, path = "/api/v1/session", tag = "登录",
    responses((status = 204), (status = 401, body = ErrorBody)))]
async fn sign_out(State(app): State<AppState>, AnyUser(user): AnyUser) -> ApiResult<Response> {
    app.sign_out(&user.session)?;
    Ok((
        StatusCode::NO_CONTENT,
        [(header::SET_COOKIE, auth::clear_cookie())],
    )
        .into_response())
}

/// The signed-in user.
#[utoipa::path(get, path = "/api/v1/me", tag = "登录",
    responses((status = 200, body = Me), (status = 401, body = ErrorBody)))]
async fn get_me(State(app): State<AppState>, AnyUser(user): AnyUser) -> Json<Me> {
    Json(me(&app, &user))
}

/// The lists forms choose from (编制类型, 经费形式, …).
#[utoipa::path(get, path = "/api/v1/catalog", tag = "总览",
    responses((status = 200, body = Catalog), (status = 401, body = ErrorBody)))]
async fn catalog(State(app): State<AppState>, ApiUser(_): ApiUser) -> Json<Catalog> {
    let db = app.db();
    let st = db.state();
    Json(Catalog {
        quota_types: st
            .quota_types
            .iter()
            .map(|q| CatalogItem {
                id: q.id.0,
                code: q.code.clone(),
                name: q.name.clone(),
            })
            .collect(),
        funding_forms: st
            .funding_forms
            .iter()
            .map(|q| CatalogItem {
                id: q.id.0 as u16,
                code: q.code.clone(),
                name: q.name.clone(),
            })
            .collect(),
        unit_kinds: UnitKind::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
        identities: StaffIdentity::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
        leave_reasons: LeaveReason::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
        post_kinds: PostKind::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
        plan_channels: PlanChannel::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
        application_kinds: ApplicationKind::ALL.to_vec(),
    })
}

/// 总览: totals by 编制类型, units over quota, 超职数, recent matters, trend.
#[utoipa::path(get, path = "/api/v1/summary", tag = "总览",
    params(("as_of" = Option<NaiveDate>, Query, description = "统计时点 YYYY-MM-DD，默认今天")),
    responses((status = 200, body = SummaryView), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody)))]
async fn summary(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Q(p): Q,
) -> ApiResult<Json<SummaryView>> {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    Ok(Json(
        app.read(date, |ctx| views::summary(ctx, scope.as_deref())),
    ))
}

/// 机构: units in tree order with totals; filter, sort, page.
#[utoipa::path(get, path = "/api/v1/units", tag = "机构",
    params(("as_of" = Option<NaiveDate>, Query, description = "YYYY-MM-DD"),
        ("q" = Option<String>, Query, description = "名称或拼音首字母"),
        ("kind" = Option<String>, Query, description = "机构类别，如 事业单位"),
        ("over" = Option<bool>, Query, description = "只看超编或超编消化单位"),
        ("qtype" = Option<String>, Query, description = "有此编制类型的单位"),
        ("all" = Option<bool>, Query, description = "含已撤销机构"),
        ("sort" = Option<String>, Query, description = "tree, name, approved, actual, available, over"),
        ("dir" = Option<String>, Query, description = "asc 或 desc"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = UnitList), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn units(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Q(p): Q,
) -> ApiResult<Json<UnitList>> {
    let date = p.as_of(app.today())?;
    let f = unit_filter(&app, &p)?;
    let pager = p.pager(100)?;
    let scope = app.scope(&user, date);
    let rows = app.read(date, |ctx| views::units(ctx, scope.as_deref(), &f));
    let (items, page) = pager.slice(rows);
    Ok(Json(UnitList {
        as_of: date,
        items,
        page,
    }))
}

/// The unit: 基本情况 (三定), 编制情况表, 领导职数情况表.
#[utoipa::path(get, path = "/api/v1/units/{id}", tag = "机构",
    params(("id" = u32, Path, description = "机构编号"), ("as_of" = Option<NaiveDate>, Query)),
    responses((status = 200, body = UnitView), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn unit(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(id): P<u32>,
    Q(p): Q,
) -> ApiResult<Json<UnitView>> {
    let date = p.as_of(app.today())?;
    let u = unit_id(&app, &user, id, date)?;
    let scope = app.scope(&user, date);
    app.read(date, |ctx| views::unit_view(ctx, scope.as_deref(), u))
        .map(Json)
        .ok_or_else(|| {
            ApiError(WebError::NotFound(format!(
                "机构编号 {id} 于 {date} 尚未设立"
            )))
        })
}

/// 编制情况表 of a unit.
#[utoipa::path(get, path = "/api/v1/units/{id}/quota", tag = "机构",
    params(("id" = u32, Path, description = "机构编号"), ("as_of" = Option<NaiveDate>, Query)),
    responses((status = 200, body = QuotaTableView), (status = 404, body = ErrorBody), (status = 400, body = ErrorBody)))]
async fn unit_quota(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(id): P<u32>,
    Q(p): Q,
) -> ApiResult<Json<QuotaTableView>> {
    let date = p.as_of(app.today())?;
    let u = unit_id(&app, &user, id, date)?;
    Ok(Json(app.read(date, |ctx| views::quota_table(ctx, u))))
}

/// 领导职数情况表 of a unit.
#[utoipa::path(get, path = "/api/v1/units/{id}/posts", tag = "机构",
    params(("id" = u32, Path, description = "机构编号"), ("as_of" = Option<NaiveDate>, Query)),
    responses((status = 200, body = PostTableView), (status = 404, body = ErrorBody)))]
async fn unit_posts(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(id): P<u32>,
    Q(p): Q,
) -> ApiResult<Json<PostTableView>> {
    let date = p.as_of(app.today())?;
    let u = unit_id(&app, &user, id, date)?;
    Ok(Json(app.read(date, |ctx| PostTableView {
        unit_id: id,
        unit: ctx.live.unit_name(u),
        as_of: date,
        rows: views::post_rows(ctx.st, u, date),
    })))
}

/// 实名制花名册 of a unit.
#[utoipa::path(get, path = "/api/v1/units/{id}/roster", tag = "机构",
    params(("id" = u32, Path, description = "机构编号"), ("as_of" = Option<NaiveDate>, Query),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = PersonList), (status = 404, body = ErrorBody)))]
async fn unit_roster(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(id): P<u32>,
    Q(p): Q,
) -> ApiResult<Json<PersonList>> {
    let date = p.as_of(app.today())?;
    let pager = p.pager(100)?;
    let u = unit_id(&app, &user, id, date)?;
    let (items, page) = app.read(date, |ctx| views::roster(ctx, u, pager));
    Ok(Json(PersonList {
        as_of: date,
        items,
        page,
    }))
}

/// 机构编制台账 of a unit (every change with its 文号), newest first.
#[utoipa::path(get, path = "/api/v1/units/{id}/history", tag = "机构",
    params(("id" = u32, Path, description = "机构编号"), ("as_of" = Option<NaiveDate>, Query),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = LedgerPage), (status = 404, body = ErrorBody)))]
async fn unit_history(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(id): P<u32>,
    Q(p): Q,
) -> ApiResult<Json<LedgerPage>> {
    let date = p.as_of(app.today())?;
    let pager = p.pager(50)?;
    let u = unit_id(&app, &user, id, date)?;
    let scope = app.scope(&user, date);
    let (items, page) = app.read(date, |ctx| {
        views::unit_history(ctx, scope.as_deref(), u, pager)
    });
    Ok(Json(LedgerPage {
        unit_id: id,
        unit: app.db().state().unit_name(u),
        as_of: date,
        items,
        page,
    }))
}

/// 人员: search by name, pinyin initials or 身份证号; filter by unit, type, status.
#[utoipa::path(get, path = "/api/v1/people", tag = "人员",
    params(("as_of" = Option<NaiveDate>, Query), ("q" = Option<String>, Query, description = "姓名、拼音首字母或身份证号"),
        ("unit" = Option<String>, Query, description = "机构编号或全称"), ("subtree" = Option<bool>, Query, description = "含下属单位"),
        ("qtype" = Option<String>, Query), ("funding" = Option<String>, Query),
        ("status" = Option<String>, Query, description = "enrolled（默认）, active, pending, left, filed, all"),
        ("sort" = Option<String>, Query, description = "id, name, unit, enrolled_on, birth"), ("dir" = Option<String>, Query),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = PersonList), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn people(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Q(p): Q,
) -> ApiResult<Json<PersonList>> {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let f = people_filter(&app, scope.as_deref(), &p)?;
    let pager = p.pager(50)?;
    let (items, page) = app.read(date, |ctx| views::people(ctx, scope.as_deref(), &f, pager));
    Ok(Json(PersonList {
        as_of: date,
        items,
        page,
    }))
}

/// A person with their history (身份证号 masked).
#[utoipa::path(get, path = "/api/v1/people/{id}", tag = "人员",
    params(("id" = u32, Path, description = "人员编号"), ("as_of" = Option<NaiveDate>, Query)),
    responses((status = 200, body = PersonView), (status = 404, body = ErrorBody)))]
async fn person(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(id): P<u32>,
    Q(p): Q,
) -> ApiResult<Json<PersonView>> {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    Ok(Json(app.read(date, |ctx| {
        views::person_view(ctx, scope.as_deref(), id)
    })?))
}

/// 事项: the journal, newest first; filter by unit, 事项类型, year, 文号.
#[utoipa::path(get, path = "/api/v1/matters", tag = "事项",
    params(("as_of" = Option<NaiveDate>, Query), ("unit" = Option<String>, Query), ("kind" = Option<String>, Query, description = "事项类型，如 入编"),
        ("year" = Option<i32>, Query), ("q" = Option<String>, Query, description = "文号或事由"),
        ("sort" = Option<String>, Query, description = "effective, seq, doc"), ("dir" = Option<String>, Query),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = MatterList), (status = 400, body = ErrorBody)))]
async fn matters(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Q(p): Q,
) -> ApiResult<Json<MatterList>> {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let f = matter_filter(&app, scope.as_deref(), &p)?;
    let pager = p.pager(50)?;
    let (items, page) = app.read(date, |ctx| views::matters(ctx, scope.as_deref(), &f, pager));
    Ok(Json(MatterList {
        as_of: date,
        items,
        page,
    }))
}

/// A matter with its operations.
#[utoipa::path(get, path = "/api/v1/matters/{seq}", tag = "事项",
    params(("seq" = u64, Path, description = "事项序号")),
    responses((status = 200, body = MatterView), (status = 404, body = ErrorBody)))]
async fn matter(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(seq): P<u64>,
) -> ApiResult<Json<MatterView>> {
    let date = app.today();
    let scope = app.scope(&user, date);
    Ok(Json(app.read(date, |ctx| {
        views::matter_view(ctx, scope.as_deref(), seq)
    })?))
}

/// Records a matter directly (编办): any list of operations, all or nothing.
#[utoipa::path(post, path = "/api/v1/matters", tag = "事项", request_body = MatterInput,
    responses((status = 201, body = MatterView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "未通过校验（如超编、机构不存在），台账未作任何改动")))]
async fn create_matter(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<MatterInput>,
) -> ApiResult<Response> {
    let app2 = app.clone();
    let u2 = user.clone();
    let seq = tokio::task::spawn_blocking(move || app2.record_matter(&u2, input))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))??;
    let scope = app.scope(&user, app.today());
    let v = app.read(app.today(), |ctx| {
        views::matter_view(ctx, scope.as_deref(), seq)
    })?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// 用编计划 lines and their use.
#[utoipa::path(get, path = "/api/v1/plans", tag = "用编计划",
    params(("unit" = Option<String>, Query), ("year" = Option<i32>, Query), ("open" = Option<bool>, Query, description = "只看有剩余的计划"),
        ("sort" = Option<String>, Query, description = "year, unit, remaining, rate"), ("dir" = Option<String>, Query),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = PlanList)))]
async fn plans(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Q(p): Q,
) -> ApiResult<Json<PlanList>> {
    let date = app.today();
    let scope = app.scope(&user, date);
    let f = plan_filter(&app, scope.as_deref(), &p)?;
    let pager = p.pager(50)?;
    let (items, page, years) = app.read(date, |ctx| views::plans(ctx, scope.as_deref(), &f, pager));
    Ok(Json(PlanList { items, page, years }))
}

/// A 用编计划 line with the matters that approved and used it.
#[utoipa::path(get, path = "/api/v1/plans/{id}", tag = "用编计划",
    params(("id" = u32, Path, description = "计划编号")),
    responses((status = 200, body = PlanLineDetail), (status = 404, body = ErrorBody)))]
async fn plan(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(id): P<u32>,
) -> ApiResult<Json<PlanLineDetail>> {
    let date = app.today();
    let scope = app.scope(&user, date);
    Ok(Json(app.read(date, |ctx| {
        views::plan_detail(ctx, scope.as_deref(), id)
    })?))
}

/// Applications the user may see, newest first.
#[utoipa::path(get, path = "/api/v1/applications", tag = "申请",
    params(("status" = Option<String>, Query, description = "submitted, returned, approved, withdrawn"),
        ("kind" = Option<String>, Query, description = "hire, onboard, leave, transfer, appoint, remove, correct"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = ApplicationList)))]
async fn applications(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Q(p): Q,
) -> ApiResult<Json<ApplicationList>> {
    let pager = p.pager(50)?;
    let (items, page) = app.list_applications(&user, status_param(&p)?, kind_param(&p)?, pager)?;
    Ok(Json(ApplicationList { items, page }))
}

/// Submits an application for the clerk's unit (单位经办).
#[utoipa::path(post, path = "/api/v1/applications", tag = "申请", request_body = ApplicationInput,
    responses((status = 201, body = ApplicationView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn submit(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> ApiResult<Response> {
    let v = tokio::task::spawn_blocking(move || app.submit_application(&user, input))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))??;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// An application with its history.
#[utoipa::path(get, path = "/api/v1/applications/{id}", tag = "申请",
    params(("id" = i64, Path, minimum = 1, description = "申请编号")),
    responses((status = 200, body = ApplicationView), (status = 404, body = ErrorBody), (status = 403, body = ErrorBody)))]
async fn application(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(id): P<i64>,
) -> ApiResult<Json<ApplicationView>> {
    let (rec, events) = app.load_application(&user, id)?;
    Ok(Json(app.application_view(&rec, &events)))
}

/// Returns an application to the unit with comments (编办).
#[utoipa::path(post, path = "/api/v1/applications/{id}/return", tag = "申请", request_body = ReturnInput,
    params(("id" = i64, Path, minimum = 1, description = "申请编号")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn return_app(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(id): P<i64>,
    ApiJson(b): ApiJson<ReturnInput>,
) -> ApiResult<Json<ApplicationView>> {
    let v = tokio::task::spawn_blocking(move || app.return_application(&user, id, &b.comment))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))??;
    Ok(Json(v))
}

/// Approves an application (编办领导): records the matter. If the ledger refuses
/// (e.g. no vacancy), answers 422 with the reason, the application stays
/// 待审核 and nothing changes.
#[utoipa::path(post, path = "/api/v1/applications/{id}/approve", tag = "申请", request_body = ApproveInput,
    params(("id" = i64, Path, minimum = 1, description = "申请编号")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody, description = "台账校验未通过（如超编），台账未作任何改动")))]
async fn approve(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(id): P<i64>,
    ApiJson(b): ApiJson<ApproveInput>,
) -> ApiResult<Json<ApplicationView>> {
    let v = tokio::task::spawn_blocking(move || {
        app.approve_application(
            &user,
            id,
            &b.doc,
            b.effective.as_deref(),
            b.comment.as_deref().unwrap_or(""),
        )
    })
    .await
    .map_err(|e| WebError::Internal(e.to_string()))??;
    Ok(Json(v))
}

/// Withdraws an application (the submitting unit).
#[utoipa::path(post, path = "/api/v1/applications/{id}/withdraw", tag = "申请",
    params(("id" = i64, Path, minimum = 1, description = "申请编号")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn withdraw(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(id): P<i64>,
) -> ApiResult<Json<ApplicationView>> {
    let v = tokio::task::spawn_blocking(move || app.withdraw_application(&user, id))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))??;
    Ok(Json(v))
}

/// Resubmits a returned application, with changes (the submitting unit).
#[utoipa::path(post, path = "/api/v1/applications/{id}/resubmit", tag = "申请", request_body = ApplicationInput,
    params(("id" = i64, Path, minimum = 1, description = "申请编号")),
    responses((status = 200, body = ApplicationView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn resubmit(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    P(id): P<i64>,
    ApiJson(input): ApiJson<ApplicationInput>,
) -> ApiResult<Json<ApplicationView>> {
    let v = tokio::task::spawn_blocking(move || app.resubmit_application(&user, id, input))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))??;
    Ok(Json(v))
}

/// Shows a person's full 身份证号 (编办经办, 编办领导); every reveal is audited.
#[utoipa::path(post, path = "/api/v1/people/{id}/id_number", tag = "人员",
    params(("id" = u32, Path, description = "人员编号")),
    responses((status = 200, body = RevealedId), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reveal(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    Peer(ip): Peer,
    P(id): P<u32>,
) -> ApiResult<Response> {
    let v = tokio::task::spawn_blocking(move || app.reveal_id_number(&user, &ip, id))
        .await
        .map_err(|e| WebError::Internal(e.to_string()))??;
    // The audited reveal: the one answer that carries the full number.
    Ok(crate::hardening::full_id_numbers(Json(v)))
}

fn blocking_err(e: tokio::task::JoinError) -> WebError {
    WebError::Internal(e.to_string())
}

/// Accounts (安全管理员).
#[utoipa::path(get, path = "/api/v1/admin/accounts", tag = "安全管理",
    responses((status = 200, body = Vec<AccountView>), (status = 403, body = ErrorBody)))]
async fn accounts(
    State(app): State<AppState>,
    AnyUser(user): AnyUser,
) -> ApiResult<Json<Vec<AccountView>>> {
    Ok(Json(app.list_accounts(&user)?))
}

/// Creates an account (安全管理员): roles checked for 三员分立, password policy.
#[utoipa::path(post, path = "/api/v1/admin/accounts", tag = "安全管理", request_body = AccountInput,
    responses((status = 201, body = AccountView), (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_account(
    State(app): State<AppState>,
    AnyUser(user): AnyUser,
    ApiJson(a): ApiJson<AccountInput>,
) -> ApiResult<Response> {
    let v = tokio::task::spawn_blocking(move || app.create_account(&user, a))
        .await
        .map_err(blocking_err)??;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// Changes an account's name, roles and scope, or disables it (安全管理员);
/// its sessions end.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}", tag = "安全管理", request_body = AccountUpdate,
    params(("id" = i64, Path, minimum = 1, description = "账户编号")),
    responses((status = 200, body = AccountView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn update_account(
    State(app): State<AppState>,
    AnyUser(user): AnyUser,
    P(id): P<i64>,
    ApiJson(u): ApiJson<AccountUpdate>,
) -> ApiResult<Json<AccountView>> {
    Ok(Json(app.update_account(&user, id, u)?))
}

/// Resets an account's password (安全管理员); its sessions end and a lock is lifted.
#[utoipa::path(post, path = "/api/v1/admin/accounts/{id}/password", tag = "安全管理", request_body = PasswordInput,
    params(("id" = i64, Path, minimum = 1, description = "账户编号")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn reset_password(
    State(app): State<AppState>,
    AnyUser(user): AnyUser,
    P(id): P<i64>,
    ApiJson(b): ApiJson<PasswordInput>,
) -> ApiResult<StatusCode> {
    tokio::task::spawn_blocking(move || app.reset_password(&user, id, &b.password))
        .await
        .map_err(blocking_err)??;
    Ok(StatusCode::NO_CONTENT)
}

/// Active sessions (安全管理员).
#[utoipa::path(get, path = "/api/v1/admin/sessions", tag = "安全管理",
    responses((status = 200, body = Vec<SessionView>), (status = 403, body = ErrorBody)))]
async fn sessions(
    State(app): State<AppState>,
    AnyUser(user): AnyUser,
) -> ApiResult<Json<Vec<SessionView>>> {
    Ok(Json(app.list_sessions(&user)?))
}

/// Forces a session to sign out (安全管理员).
#[utoipa::path(delete, path = "/api/v1/admin/sessions/{handle}", tag = "安全管理",
    params(("handle" = String, Path, description = "会话标识（列表中的 handle）")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn end_session(
    State(app): State<AppState>,
    AnyUser(user): AnyUser,
    P(handle): P<String>,
) -> ApiResult<StatusCode> {
    app.force_sign_out(&user, &handle)?;
    Ok(StatusCode::NO_CONTENT)
}

/// API tokens for other departments (安全管理员).
#[utoipa::path(get, path = "/api/v1/admin/tokens", tag = "安全管理",
    responses((status = 200, body = Vec<TokenView>), (status = 403, body = ErrorBody)))]
async fn tokens(
    State(app): State<AppState>,
    AnyUser(user): AnyUser,
) -> ApiResult<Json<Vec<TokenView>>> {
    Ok(Json(app.list_tokens(&user)?))
}

/// Issues a read-only API token limited to some units, with an expiry
/// (安全管理员). The token is shown once; only its SM3 hash is stored.
#[utoipa::path(post, path = "/api/v1/admin/tokens", tag = "安全管理", request_body = TokenInput,
    responses((status = 201, body = IssuedToken), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn issue_token(
    State(app): State<AppState>,
    AnyUser(user): AnyUser,
    ApiJson(t): ApiJson<TokenInput>,
) -> ApiResult<Response> {
    let v = app.issue_token(&user, t)?;
    Ok((StatusCode::CREATED, Json(v)).into_response())
}

/// Revokes an API token (安全管理员).
#[utoipa::path(delete, path = "/api/v1/admin/tokens/{id}", tag = "安全管理",
    params(("id" = i64, Path, minimum = 1, description = "令牌编号")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn revoke_token(
    State(app): State<AppState>,
    AnyUser(user): AnyUser,
    P(id): P<i64>,
) -> ApiResult<StatusCode> {
    app.revoke_token(&user, id)?;
    Ok(StatusCode::NO_CONTENT)
}

/// Audit entries.
#[derive(Debug, Serialize, ToSchema)]
pub struct AuditList {
    pub items: Vec<AuditView>,
    pub page: PageInfo,
}

/// The audit trail, newest first (安全审计员).
#[utoipa::path(get, path = "/api/v1/audit", tag = "安全审计",
    params(("actor" = Option<String>, Query), ("action" = Option<String>, Query, description = "如 登录、登录失败、查看身份证号、批准申请"),
        ("target" = Option<String>, Query), ("ip" = Option<String>, Query),
        ("from" = Option<NaiveDate>, Query, description = "YYYY-MM-DD"), ("to" = Option<NaiveDate>, Query, description = "YYYY-MM-DD"),
        ("page" = Option<u32>, Query, minimum = 1, maximum = 2147483647, description = "页码，从 1 起"), ("per_page" = Option<u32>, Query, minimum = 1, maximum = 500, description = "每页条数，1–500")),
    responses((status = 200, body = AuditList), (status = 403, body = ErrorBody)))]
async fn audit(
    State(app): State<AppState>,
    AnyUser(user): AnyUser,
    Q(p): Q,
) -> ApiResult<Json<AuditList>> {
    let pager = p.pager(50)?;
    let f = audit_filter(&p, &pager)?;
    let (items, total) = app.search_audit(&user, &f)?;
    let total = total as usize;
    Ok(Json(AuditList {
        items,
        page: PageInfo {
            page: pager.page,
            per_page: pager.per_page,
            total,
            pages: total.div_ceil(pager.per_page),
        },
    }))
}

/// The security configuration (系统管理员).
#[utoipa::path(get, path = "/api/v1/admin/config", tag = "系统管理",
    responses((status = 200, body = ConfigView), (status = 403, body = ErrorBody)))]
async fn config(
    State(app): State<AppState>,
    AnyUser(user): AnyUser,
) -> ApiResult<Json<ConfigView>> {
    Ok(Json(app.config_view(&user)?))
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "总览", responses((status = 200, description = "OpenAPI 3.1 文档")))]
async fn openapi_json() -> Response {
    ([(header::CONTENT_TYPE, "application/json")], openapi_text()).into_response()
}

async fn api_not_found() -> ApiError {
    ApiError(WebError::NotFound("没有这个接口".into()))
}

#[derive(OpenApi)]
#[openapi(
    info(
        title = "bianzhi 机构编制管理系统 API",
        description = "机构、编制、领导职数与实名制人员台账；网上办理（申请、退回、批准）。除登录外均须登录：`Authorization: Bearer <token>`，或会话 Cookie 加 `X-CSRF-Token`。错误统一为 `{ \"code\": \"稳定代码\", \"message\": \"中文说明\" }`。"
    ),
    paths(
        sign_in,
        sign_out,
        get_me,
        catalog,
        summary,
        units,
        unit,
        unit_quota,
        unit_posts,
        unit_roster,
        unit_history,
        people,
        person,
        matters,
        matter,
        create_matter,
        plans,
        plan,
        applications,
        submit,
        application,
        return_app,
        approve,
        withdraw,
        resubmit,
        reveal,
        accounts,
        create_account,
        update_account,
        reset_password,
        sessions,
        end_session,
        tokens,
        issue_token,
        revoke_token,
        audit,
        config,
        crate::reports::api_report,
        crate::case_api::list_cases,
        crate::case_api::propose_case,
        crate::case_api::get_case,
        crate::case_api::act_case,
        crate::case_api::list_problems,
        openapi_json
    ),
    components(schemas(ErrorBody, EventView, UnitKey, Figures)),
    modifiers(&Refinements)
)]
pub struct ApiDoc;

/// The OpenAPI document.
pub fn openapi() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}

/// The OpenAPI document as pretty JSON (what `docs/openapi.json` holds).
pub fn openapi_text() -> String {
    let mut s = openapi().to_pretty_json().expect("the document serialises");
    s.push('\n');
    s
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/session", post(sign_in).delete(sign_out))
        .route("/me", get(get_me))
        .route("/catalog", get(catalog))
        .route("/summary", get(summary))
        .route("/units", get(units))
        .route("/units/{id}", get(unit))
        .route("/units/{id}/quota", get(unit_quota))
        .route("/units/{id}/posts", get(unit_posts))
        .route("/units/{id}/roster", get(unit_roster))
        .route("/units/{id}/history", get(unit_history))
        .route("/people", get(people))
        .route("/people/{id}", get(person))
        .route("/people/{id}/id_number", post(reveal))
        .route("/admin/accounts", get(accounts).post(create_account))
        .route("/admin/accounts/{id}", post(update_account))
        .route("/admin/accounts/{id}/password", post(reset_password))
        .route("/admin/sessions", get(sessions))
        .route(
            "/admin/sessions/{handle}",
            axum::routing::delete(end_session),
        )
        .route("/admin/tokens", get(tokens).post(issue_token))
        .route("/admin/tokens/{id}", axum::routing::delete(revoke_token))
        .route("/admin/config", get(config))
        .route("/audit", get(audit))
        .route("/matters", get(matters).post(create_matter))
        .route("/matters/{seq}", get(matter))
        .route("/plans", get(plans))
        .route("/plans/{id}", get(plan))
        .route("/reports/{kind}", get(crate::reports::api_report))
        .route(
            "/cases",
            get(crate::case_api::list_cases).post(crate::case_api::propose_case),
        )
        .route("/cases/{id}", get(crate::case_api::get_case))
        .route("/cases/{id}/actions", post(crate::case_api::act_case))
        .route("/problems", get(crate::case_api::list_problems))
        .route("/applications", get(applications).post(submit))
        .route("/applications/{id}", get(application))
        .route("/applications/{id}/return", post(return_app))
        .route("/applications/{id}/approve", post(approve))
        .route("/applications/{id}/withdraw", post(withdraw))
        .route("/applications/{id}/resubmit", post(resubmit))
        .route("/openapi.json", get(openapi_json))
        .fallback(api_not_found)
}

/// A path parameter (our own rejection).
pub struct P<T>(pub T);

impl<S: Send + Sync, T: serde::de::DeserializeOwned + Send> FromRequestParts<S> for P<T> {
    type Rejection = ApiError;
    async fn from_request_parts(parts: &mut Parts, state: &S) -> Result<Self, Self::Rejection> {
        Path::<T>::from_request_parts(parts, state)
            .await
            .map(|Path(v)| P(v))
            .map_err(|_| {
                ApiError(WebError::invalid(
                    "bad_parameter",
                    "路径中的编号应为非负整数",
                ))
            })
    }
}
