use axum::extract::State;
use axum::response::Response;
use axum::Json;

use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::people::service::*;
use crate::people::views::*;
use crate::prelude::*;

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
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<PersonList>> {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let f = people_filter(&app, scope.as_deref(), &p)?;
    let pager = p.pager(50)?;
    let (items, page) = app.read(date, |ctx| {
        crate::people::views::people(ctx, scope.as_deref(), &f, pager)
    });
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
    ApiPath(id): ApiPath<u32>,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<PersonView>> {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    Ok(Json(app.read(date, |ctx| {
        crate::people::views::person_view(ctx, scope.as_deref(), id)
    })?))
}

/// Shows a person's full 身份证号 (编办经办, 编办领导); every reveal is audited.
#[utoipa::path(post, path = "/api/v1/people/{id}/id_number", tag = "人员",
    params(("id" = u32, Path, description = "人员编号")),
    responses((status = 200, body = RevealedId), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn reveal(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ClientIp(ip): ClientIp,
    ApiPath(id): ApiPath<u32>,
) -> ApiResult<Response> {
    let v = blocking(move || app.reveal_id_number(&user, &ip, id)).await?;
    // The audited reveal: the one answer that carries the full number.
    Ok(crate::http::hardening::full_id_numbers(Json(v)))
}

/// The API routes of 人员.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(people))
        .routes(routes!(person))
        .routes(routes!(reveal))
}
