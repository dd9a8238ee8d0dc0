use std::collections::BTreeMap;

use axum::extract::State;
use axum::response::{IntoResponse, Response};
use axum::Json;
use bianzhi_core::norms::Measure;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::norms::service::*;
use crate::norms::views::*;
use crate::prelude::*;

/// The norms, the defaults and the office's own.
#[derive(Debug, Serialize, ToSchema)]
pub struct NormList {
    pub items: Vec<NormView>,
}

/// A unit's facts as of a date.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FactsInput {
    /// 统计时点, YYYY-MM-DD.
    pub as_of: String,
    /// Counts by measure (`primary` 小学在校生, `junior` 初中在校生, `senior`
    /// 高中在校生, `children` 在园幼儿, `beds` 床位, `population` 服务人口; the
    /// Chinese names are accepted too).
    #[schema(value_type = Object)]
    pub counts: BTreeMap<String, u64>,
    /// 数据来源.
    #[serde(default)]
    pub source: String,
}

/// 编制标准测算 as of a date: every unit of a sector with norms the reader
/// may see — its facts, the normative 编制 term by term (each term rounded
/// half-up to 0.1, the sum half-up to a whole person), 核定 and 实有 of its
/// 事业编制, the difference — with the sums per sector, the units above and
/// below their norm, and the norms used with their basis.
#[utoipa::path(get, path = "/api/v1/norms", tag = "编制标准测算",
    params(("as_of" = Option<String>, Query, description = "统计时点，YYYY-MM-DD，默认今天")),
    responses((status = 200, body = NormReport), (status = 400, body = ErrorBody)))]
async fn norms_report(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<NormReport>> {
    let date = p.as_of(app.today())?;
    Ok(Json(blocking(move || app.norm_report(&user, date)).await?))
}

/// The norms: the defaults (as recalled from the documents cited) and the
/// office's own, each marked in force or not at the date.
#[utoipa::path(get, path = "/api/v1/norms/standards", tag = "编制标准测算",
    params(("as_of" = Option<String>, Query, description = "日期，YYYY-MM-DD，默认今天")),
    responses((status = 200, body = NormList), (status = 400, body = ErrorBody)))]
async fn standards(
    State(app): State<AppState>,
    ApiUser(_user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<NormList>> {
    let date = p.as_of(app.today())?;
    let items = blocking(move || {
        let norms = app.norms()?;
        let own = app.norm_records()?;
        Ok(norm_views(&norms, &own, date))
    })
    .await?;
    Ok(Json(NormList { items }))
}

/// A unit's facts (every report, newest first) and its normative 编制 at the date.
#[utoipa::path(get, path = "/api/v1/norms/units/{id}", tag = "编制标准测算",
    params(("id" = u32, Path, minimum = 1, description = "机构编号"),
        ("as_of" = Option<String>, Query, description = "测算日期，YYYY-MM-DD，默认今天")),
    responses((status = 200, body = UnitFactsView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody)))]
async fn unit_facts(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<u32>,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<UnitFactsView>> {
    let date = p.as_of(app.today())?;
    Ok(Json(
        blocking(move || app.norm_unit(&user, id, date)).await?,
    ))
}

/// Records a unit's facts as of a date (replacing those of the same date);
/// the 编办 only. Answered with the unit's facts and normative 编制 today.
#[utoipa::path(put, path = "/api/v1/norms/units/{id}", tag = "编制标准测算", request_body = FactsInput,
    params(("id" = u32, Path, minimum = 1, description = "机构编号")),
    responses((status = 200, body = UnitFactsView), (status = 400, body = ErrorBody), (status = 403, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn put_unit_facts(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<u32>,
    ApiJson(b): ApiJson<FactsInput>,
) -> ApiResult<Response> {
    let mut counts: Vec<(Measure, String)> = Vec::new();
    for (k, v) in &b.counts {
        let m = Measure::parse(k).ok_or_else(|| {
            WebError::invalid(
                "invalid_field",
                format!("没有“{k}”这项基础数据（可填 primary、junior、senior、children、beds、population）"),
            )
        })?;
        counts.push((m, v.to_string()));
    }
    let refs: Vec<(Measure, &str)> = counts.iter().map(|(m, v)| (*m, v.as_str())).collect();
    let f = check_facts(&b.as_of, &refs, &b.source)?;
    let note_words = facts_words(&f);
    let as_of = f.as_of;
    let v = blocking(move || {
        app.put_facts(&user, vec![(id, f)])?;
        app.norm_unit(&user, id, app.today())
    })
    .await?;
    let note = format!(
        "填报单位基础数据：{}（统计时点 {as_of}：{note_words}）",
        v.unit.name
    );
    Ok(with_note(Json(v).into_response(), note))
}

/// The API routes of 编制标准测算.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(norms_report))
        .routes(routes!(standards))
        .routes(routes!(unit_facts, put_unit_facts))
}
