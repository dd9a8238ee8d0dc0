use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::prelude::*;
use crate::scenarios::service::*;

/// The 编办's scenarios.
#[derive(Debug, Serialize, ToSchema)]
pub struct ScenarioList {
    pub items: Vec<ScenarioRow>,
}

/// A draft matter added to a scenario read at `version`.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AddDraft {
    pub version: i64,
    pub draft: DraftInput,
}

/// The scenario read at `version` (to delete it or turn it into a case).
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct VersionInput {
    pub version: i64,
}

/// The case a scenario became.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseCreated {
    pub case_id: i64,
}

/// 沙盘推演: the scenarios of the 编办 (newest first).
#[utoipa::path(get, path = "/api/v1/scenarios", tag = "沙盘推演",
    responses((status = 200, body = ScenarioList), (status = 403, body = ErrorBody)))]
async fn scenarios(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
) -> ApiResult<Json<ScenarioList>> {
    let items = blocking(move || app.scenarios(&user)).await?;
    Ok(Json(ScenarioList { items }))
}

/// A new scenario of draft matters; answered with what it would do (tried
/// on a copy of the ledger — nothing is recorded).
#[utoipa::path(post, path = "/api/v1/scenarios", tag = "沙盘推演", request_body = ScenarioInput,
    responses((status = 201, body = ScenarioView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn create_scenario(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<ScenarioInput>,
) -> ApiResult<Response> {
    let name = input.name.clone();
    let v = blocking(move || {
        let id = app.create_scenario(&user, input)?;
        app.run_scenario(&user, id)
    })
    .await?;
    let note = format!("新建沙盘推演第 {} 号：{name}", v.id);
    Ok(with_note(
        (StatusCode::CREATED, Json(v)).into_response(),
        note,
    ))
}

/// A scenario and what it would do: every draft's result (refusals named),
/// every change before → after, each touched unit and the jurisdiction.
#[utoipa::path(get, path = "/api/v1/scenarios/{id}", tag = "沙盘推演",
    params(("id" = i64, Path, minimum = 1, description = "推演编号")),
    responses((status = 200, body = ScenarioView), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn scenario(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<ScenarioView>> {
    Ok(Json(blocking(move || app.run_scenario(&user, id)).await?))
}

/// Adds a draft matter to a scenario.
#[utoipa::path(post, path = "/api/v1/scenarios/{id}/drafts", tag = "沙盘推演", request_body = AddDraft,
    params(("id" = i64, Path, minimum = 1, description = "推演编号")),
    responses((status = 200, body = ScenarioView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody, description = "推演已被他人修改"), (status = 422, body = ErrorBody)))]
async fn add_draft(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<AddDraft>,
) -> ApiResult<Json<ScenarioView>> {
    Ok(Json(
        blocking(move || {
            app.add_scenario_draft(&user, id, b.version, b.draft)?;
            app.run_scenario(&user, id)
        })
        .await?,
    ))
}

/// Deletes a scenario.
#[utoipa::path(delete, path = "/api/v1/scenarios/{id}", tag = "沙盘推演", request_body = VersionInput,
    params(("id" = i64, Path, minimum = 1, description = "推演编号")),
    responses((status = 204), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody)))]
async fn delete_scenario(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<VersionInput>,
) -> ApiResult<Response> {
    blocking(move || app.delete_scenario(&user, id, b.version)).await?;
    Ok(with_note(
        StatusCode::NO_CONTENT.into_response(),
        format!("删除沙盘推演第 {id} 号"),
    ))
}

/// 转为动议: a case in 事项办理 carrying the scenario's operations.
#[utoipa::path(post, path = "/api/v1/scenarios/{id}/case", tag = "沙盘推演", request_body = VersionInput,
    params(("id" = i64, Path, minimum = 1, description = "推演编号")),
    responses((status = 201, body = CaseCreated), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn to_case(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(b): ApiJson<VersionInput>,
) -> ApiResult<Response> {
    let case_id = blocking(move || app.scenario_to_case(&user, id, b.version)).await?;
    Ok(with_note(
        (StatusCode::CREATED, Json(CaseCreated { case_id })).into_response(),
        format!("沙盘推演第 {id} 号转为动议（办理事项第 {case_id} 号）"),
    ))
}

/// The API routes of 沙盘推演.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(scenarios, create_scenario))
        .routes(routes!(scenario, delete_scenario))
        .routes(routes!(add_draft))
        .routes(routes!(to_case))
}
