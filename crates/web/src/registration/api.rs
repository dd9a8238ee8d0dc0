use std::collections::BTreeMap;

use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bianzhi_registration::application::AppAction;
use bianzhi_registration::RegId;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::prelude::*;
use crate::registration::service::{proposal_from_fields, unit_in_scope};
use crate::registration::views::*;

fn no_admin(user: &User) -> Result<(), WebError> {
    if user.is_admin() {
        Err(auth::no_business_data(user))
    } else {
        Ok(())
    }
}

/// 事业单位法人登记簿: every legal person (within the caller's scope) as of a
/// date, with its 登记状态, 待注销 (abolished in the ledger, not yet
/// deregistered), certificate and outstanding seals, and what is overdue.
#[utoipa::path(get, path = "/api/v1/registration", tag = "事业单位登记管理",
    params(("as_of" = Option<String>, Query, description = "统计时点，YYYY-MM-DD")),
    responses((status = 200, body = RegisterView), (status = 400, body = ErrorBody)))]
async fn register(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<RegisterView>> {
    no_admin(&user)?;
    let date = p.as_of(app.today())?;
    Ok(Json(
        blocking(move || register_view(&app, &user, date)).await?,
    ))
}

/// One legal person: 登记事项 as of a date, certificate and its
/// verification code, seals, sanctions, the register entries, applications
/// and annual reports.
#[utoipa::path(get, path = "/api/v1/registration/{reg}", tag = "事业单位登记管理",
    params(("reg" = u32, Path, minimum = 1, description = "法人编号"),
        ("as_of" = Option<String>, Query, description = "统计时点，YYYY-MM-DD")),
    responses((status = 200, body = PersonView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn person(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(reg): ApiPath<u32>,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<PersonView>> {
    no_admin(&user)?;
    let date = p.as_of(app.today())?;
    Ok(Json(
        blocking(move || person_view(&app, &user, reg, date)).await?,
    ))
}

/// 登记申请: every application the caller may see, with its status and
/// running clock (受理 or 审查决定 deadline in working days).
#[utoipa::path(get, path = "/api/v1/registration/applications", tag = "事业单位登记管理",
    responses((status = 200, body = Vec<AppRow>)))]
async fn applications(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<Vec<AppRow>>> {
    no_admin(&user)?;
    Ok(Json(
        blocking(move || {
            let apps = app
                .reg_applications()?
                .into_iter()
                .filter(|(_, _, a)| user.can_review() || unit_in_scope(&app, &user, a.app.unit))
                .map(|(id, _, a)| (id, a));
            app_rows(&app, apps)
        })
        .await?,
    ))
}

/// 年度报告报送情况 of a year (default: last year): each legal person due to
/// report, its status, filing and publication dates, and whether it is late.
#[utoipa::path(get, path = "/api/v1/registration/annual-reports", tag = "事业单位登记管理",
    params(("year" = Option<u32>, Query, description = "年度，默认上一年度")),
    responses((status = 200, body = Vec<ReportRow>), (status = 400, body = ErrorBody)))]
async fn annual_reports(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<Vec<ReportRow>>> {
    no_admin(&user)?;
    let year = year_param(&p, app.today())?;
    Ok(Json(
        blocking(move || report_status(&app, &user, year)).await?,
    ))
}

/// 申请类别.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegAppKind {
    /// 设立登记.
    Establish,
    /// 变更登记.
    Change,
    /// 注销登记.
    Deregister,
    /// 证书补领.
    Replace,
    /// 证书换领.
    Renew,
}

/// A new 登记申请: its kind, the legal person (except for a 设立) and the
/// same fields, by the same names, as the page's form: 设立 `code`, `mode`
/// (登记/备案), `approval_doc`, `outside` (on), `name`, `second_names`,
/// `domicile`, `purpose`, `legal_rep`, `funding` (财政补助/非财政补助),
/// `capital` (万元), `sponsors` (、-separated); 变更 `new_name`,
/// `new_domicile`, `new_purpose`, `new_legal_rep`, `new_funding`,
/// `new_capital`, `new_sponsors`, `basis_doc`, `event_on`; 注销 `reason`,
/// `basis_doc`, `liquidation_end`; 补领 `reason`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegApplicationInput {
    pub kind: RegAppKind,
    /// 法人编号 (not for a 设立).
    #[serde(default)]
    #[schema(minimum = 1)]
    pub reg: Option<u32>,
    #[serde(default)]
    pub fields: BTreeMap<String, String>,
}

/// The new application's number.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Created {
    pub id: i64,
}

/// An action on a 登记申请.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum RegActionKind {
    /// 提交 (the unit, or the bureau entering one brought to its window).
    Submit,
    /// 补正告知 (the bureau; `reason`: every gap, one per line).
    Supplement,
    /// 受理.
    Accept,
    /// 不予受理 (`reason`).
    NotAccept,
    /// 准予登记 (编办领导): writes the register and the new certificate.
    Approve,
    /// 不予登记 (编办领导, `reason`).
    Refuse,
    /// 办结.
    Complete,
    /// 撤回 (the unit).
    Withdraw,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegActionInput {
    pub action: RegActionKind,
    #[serde(default)]
    pub reason: String,
}

/// Opens a 登记申请 (待提交), checked against the register and the 机构编制
/// ledger (a 设立 must cite the ledger's 设立 matter, its code start with 12
/// and carry the registrar's region code; a new 名称 must follow an 更名
/// matter): a refused one writes nothing. Materials are uploaded on the
/// application's page.
#[utoipa::path(post, path = "/api/v1/registration/applications", tag = "事业单位登记管理",
    request_body = RegApplicationInput,
    responses((status = 201, body = Created), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn open_application(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<RegApplicationInput>,
) -> ApiResult<Response> {
    let kind = match input.kind {
        RegAppKind::Establish => "establish",
        RegAppKind::Change => "change",
        RegAppKind::Deregister => "deregister",
        RegAppKind::Replace => "replace",
        RegAppKind::Renew => "renew",
    };
    let fields: Vec<(String, String)> = input.fields.into_iter().collect();
    let reg = input.reg;
    let id = blocking(move || {
        let p = proposal_from_fields(kind, &fields, app.today())?;
        app.open_reg_application(&user, reg.map(RegId), p)
    })
    .await?;
    Ok(with_note(
        (StatusCode::CREATED, Json(Created { id })).into_response(),
        format!("登记申请第 {id} 号：拟定"),
    ))
}

/// Acts on a 登记申请: 提交, 补正告知, 受理, 不予受理, 准予登记, 不予登记,
/// 办结, 撤回 — each by whom the rules allow, from the status they allow; a
/// refused action changes nothing. Answers the application as listed.
#[utoipa::path(post, path = "/api/v1/registration/applications/{id}/actions", tag = "事业单位登记管理",
    params(("id" = i64, Path, minimum = 1, description = "登记申请编号")),
    request_body = RegActionInput,
    responses((status = 200, body = AppRow), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody),
        (status = 422, body = ErrorBody)))]
async fn act_application(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<RegActionInput>,
) -> ApiResult<Response> {
    let reason = input.reason;
    let action = match input.action {
        RegActionKind::Submit => AppAction::Submit,
        RegActionKind::Supplement => AppAction::RequestSupplement {
            gaps: reason
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect(),
        },
        RegActionKind::Accept => AppAction::Accept,
        RegActionKind::NotAccept => AppAction::NotAccept { reason },
        RegActionKind::Approve => AppAction::Approve,
        RegActionKind::Refuse => AppAction::Refuse { reason },
        RegActionKind::Complete => AppAction::Complete,
        RegActionKind::Withdraw => AppAction::Withdraw,
    };
    let label = action.label();
    let row = blocking(move || {
        let a = app.act_reg_application(&user, id, action)?;
        let mut rows = app_rows(&app, std::iter::once((id, a)))?;
        Ok(rows.remove(0))
    })
    .await?;
    let note = format!(
        "登记申请第 {id} 号（{}，{}）：{label}",
        row.kind, row.applicant
    );
    Ok(with_note(Json(row).into_response(), note))
}

/// The API routes of 事业单位登记管理.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(applications, open_application))
        .routes(routes!(act_application))
        .routes(routes!(annual_reports))
        .routes(routes!(person))
}
