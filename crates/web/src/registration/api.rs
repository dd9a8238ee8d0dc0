use axum::extract::State;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::prelude::*;
use crate::registration::service::unit_in_scope;
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
    params(("reg" = u32, Path, description = "法人编号"),
        ("as_of" = Option<String>, Query, description = "统计时点，YYYY-MM-DD")),
    responses((status = 200, body = PersonView), (status = 404, body = ErrorBody)))]
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
    let year = p
        .u32("year")?
        .map(|y| y as i32)
        .unwrap_or_else(|| report_year(app.today()));
    Ok(Json(
        blocking(move || report_status(&app, &user, year)).await?,
    ))
}

/// The API routes of 事业单位登记管理.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(register))
        .routes(routes!(applications))
        .routes(routes!(annual_reports))
        .routes(routes!(person))
}
