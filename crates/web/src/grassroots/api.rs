use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::prelude::*;

/// An item of the 权责清单 as of a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogueItem {
    /// 事项编号 (stable across code changes).
    pub id: u32,
    /// 编码, as the source gives it.
    pub code: String,
    /// 主项 of a 子项.
    pub parent: Option<u32>,
    /// 事项名称.
    pub name: String,
    /// 职权类型.
    pub power_type: String,
    /// 设定依据.
    pub basis: String,
    /// 实施主体 (机构编号).
    pub holder: u32,
    /// 实施主体.
    pub holder_name: String,
    /// 办理时限.
    pub time_limit: Option<String>,
    /// 行使层级.
    pub level: String,
}

/// The catalogue as of a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct CatalogueView {
    pub as_of: NaiveDate,
    pub items: Vec<CatalogueItem>,
}

/// The items of the 权责清单 in force on a date, for other systems'
/// dispatch catalogues (12345 派单目录, 执法平台).
pub fn catalogue_view(app: &App, date: NaiveDate) -> Result<CatalogueView, WebError> {
    let items = app.catalogue_items(date)?;
    let db = app.db();
    let st = db.state();
    Ok(CatalogueView {
        as_of: date,
        items: items
            .into_iter()
            .map(|i| CatalogueItem {
                id: i.id.0,
                code: i.code,
                parent: i.parent.map(|p| p.0),
                name: i.name,
                power_type: i.power_type.label().into(),
                basis: i.basis,
                holder: i.holder.0,
                holder_name: st.unit_name(i.holder),
                time_limit: i.time_limit.map(|t| t.label()),
                level: i.level.label().into(),
            })
            .collect(),
    })
}

/// 权责清单: every item in force on a date with its 职权类型, 实施主体, 设定依据,
/// 办理时限 and 行使层级.
#[utoipa::path(get, path = "/api/v1/grassroots/catalogue", tag = "三整合",
    params(("as_of" = Option<String>, Query, description = "统计时点，YYYY-MM-DD")),
    responses((status = 200, body = CatalogueView), (status = 400, body = ErrorBody)))]
async fn catalogue(
    State(app): State<AppState>,
    ApiUser(_user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<CatalogueView>> {
    let date = p.as_of(app.today())?;
    Ok(Json(blocking(move || catalogue_view(&app, date)).await?))
}

/// A place of the territory (区, 镇, 街道, 园区, 村, 社区).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PlaceView {
    pub id: u32,
    pub code: String,
    pub name: String,
    /// 区 / 镇 / 街道 / 园区 / 村 / 社区.
    pub kind: String,
    pub parent: Option<u32>,
    /// The governing body (机构编号).
    pub governing: Option<u32>,
}

/// The places `responsible` and delegations address.
#[utoipa::path(get, path = "/api/v1/grassroots/places", tag = "三整合",
    responses((status = 200, body = Vec<PlaceView>)))]
async fn places(
    State(app): State<AppState>,
    ApiUser(_user): ApiUser,
) -> ApiResult<Json<Vec<PlaceView>>> {
    let v = blocking(move || {
        let (d, _) = app.grassroots()?;
        Ok(d.territory
            .places()
            .map(|p| PlaceView {
                id: p.id.0,
                code: p.code.clone(),
                name: p.name.clone(),
                kind: p.kind.label().into(),
                parent: p.parent.map(|x| x.0),
                governing: p.governing.map(|u| u.0),
            })
            .collect())
    })
    .await?;
    Ok(Json(v))
}

/// 赋权方式.
#[derive(Debug, Clone, Copy, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ModeInput {
    /// 委托: the town acts in the department's name; the department is liable.
    Entrust,
    /// 赋权（交由）: the town acts in its own name and is liable.
    Empower,
    /// 下放.
    Devolve,
}

/// One item delegated in a batch.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DelegationInput {
    /// 事项编号 (a leaf item).
    #[schema(minimum = 1)]
    pub item: u32,
    /// The delegating department (机构编号).
    pub from: u32,
    /// The receiving places (地点编号).
    pub to: Vec<u32>,
    pub mode: ModeInput,
    /// 承接条件.
    #[serde(default)]
    pub conditions: String,
    /// 生效日期, YYYY-MM-DD.
    pub effective: NaiveDate,
}

/// A delegation batch decided by a document.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct BatchInput {
    /// 文号.
    pub doc: String,
    /// 决定日期, YYYY-MM-DD.
    pub decided: NaiveDate,
    /// e.g. 首批.
    #[serde(default)]
    pub label: String,
    pub entries: Vec<DelegationInput>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BatchCreated {
    pub id: u32,
}

/// Records a delegation batch (赋权 / 委托 / 下放 to towns, streets or parks),
/// all or nothing, checked against the catalogue (leaf items held by the
/// delegating department on the date), the territory and concentrations.
#[utoipa::path(post, path = "/api/v1/grassroots/delegations", tag = "三整合", request_body = BatchInput,
    responses((status = 201, body = BatchCreated), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn decide(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(b): ApiJson<BatchInput>,
) -> ApiResult<axum::response::Response> {
    use axum::response::IntoResponse;
    use bianzhi_grassroots::{DelegationEntry, Mode, PlaceId};
    let doc = b.doc.clone();
    let n = b.entries.len();
    let batch = bianzhi_grassroots::delegation::BatchDecision {
        doc: b.doc,
        decided: b.decided,
        label: b.label,
        entries: b
            .entries
            .into_iter()
            .map(|e| DelegationEntry {
                item: bianzhi_grassroots::ItemId(e.item),
                from: bianzhi_core::UnitId(e.from),
                to: e.to.into_iter().map(PlaceId).collect(),
                mode: match e.mode {
                    ModeInput::Entrust => Mode::Entrust,
                    ModeInput::Empower => Mode::Empower,
                    ModeInput::Devolve => Mode::Devolve,
                },
                conditions: e.conditions,
                effective: e.effective,
                chain_parent: None,
                until: None,
            })
            .collect(),
    };
    let id = blocking(move || app.decide_delegation(&user, batch)).await?;
    Ok(with_note(
        (axum::http::StatusCode::CREATED, Json(BatchCreated { id })).into_response(),
        format!("登记赋权批次：{doc}，{n} 项"),
    ))
}

/// A body as answered.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct BodyRef {
    pub id: u32,
    pub name: String,
}

/// Who holds an item at a place on a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ResponsibleView {
    /// 主办.
    pub lead: BodyRef,
    /// The body bearing the legal effect (the department under 委托).
    pub liable: BodyRef,
    /// 配合.
    pub support: Vec<BodyRef>,
    /// 委托 / 赋权 / 下放, when delegated.
    pub mode: Option<String>,
    /// 依据文件.
    pub basis: String,
}

/// `responsible(item, place, date)`: 主办 and 配合 bodies, the mode and the
/// basis document — the join of the catalogue, concentrations, active
/// delegations and the territory (村/社区 → 镇/街道/园区 → 区).
#[utoipa::path(get, path = "/api/v1/grassroots/responsible", tag = "三整合",
    params(("item" = u32, Query, description = "事项编号"),
        ("place" = u32, Query, description = "地点编号"),
        ("as_of" = Option<String>, Query, description = "日期，YYYY-MM-DD")),
    responses((status = 200, body = ResponsibleView), (status = 400, body = ErrorBody), (status = 404, body = ErrorBody), (status = 422, body = ErrorBody)))]
async fn responsible(
    State(app): State<AppState>,
    ApiUser(_user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<ResponsibleView>> {
    let date = p.as_of(app.today())?;
    let item = p
        .u32("item")?
        .ok_or_else(|| WebError::invalid("missing_field", "请给出事项编号 item"))?;
    let place = p
        .u32("place")?
        .ok_or_else(|| WebError::invalid("missing_field", "请给出地点编号 place"))?;
    let v = blocking(move || {
        let (d, maps) = app.grassroots_indexed()?;
        let r = d
            .index_with(&maps)
            .responsible(
                bianzhi_grassroots::ItemId(item),
                bianzhi_grassroots::PlaceId(place),
                date,
            )
            .map_err(|e| WebError::NotFound(e.to_string()))?;
        let db = app.db();
        let st = db.state();
        let body = |u: bianzhi_core::UnitId| BodyRef {
            id: u.0,
            name: st.unit_name(u),
        };
        Ok(ResponsibleView {
            lead: body(r.lead),
            liable: body(r.liable),
            support: r.support.iter().map(|u| body(*u)).collect(),
            mode: r.mode.map(|m| m.label().to_string()),
            basis: r.basis.to_string(),
        })
    })
    .await?;
    Ok(Json(v))
}

/// One change of who holds what, for other systems' dispatch catalogues.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ChangeView {
    /// 生效日期.
    pub date: NaiveDate,
    /// 事项新增 / 事项调整 / 事项取消 / 赋权生效 / 赋权到期 / 收回 /
    /// 相对集中 / 相对集中终止.
    pub kind: String,
    /// 事项编号.
    pub item: u32,
    /// 事项编码 and 名称 (as of the change, or last in force).
    pub code: String,
    pub name: String,
    /// The places concerned (地点编号), for delegations.
    pub places: Vec<u32>,
    /// 依据文件.
    pub doc: String,
}

/// The change feed: every change with an effective date after `since` —
/// items added, amended or cancelled, delegations started, expired or
/// withdrawn, concentrations started or ended — by date, so that a 12345
/// or enforcement dispatch catalogue can follow the 编办's record.
#[utoipa::path(get, path = "/api/v1/grassroots/changes", tag = "三整合",
    params(("since" = String, Query, description = "此日期之后生效的变化，YYYY-MM-DD")),
    responses((status = 200, body = Vec<ChangeView>), (status = 400, body = ErrorBody)))]
async fn changes(
    State(app): State<AppState>,
    ApiUser(_user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<Vec<ChangeView>>> {
    let since = p
        .date("since")?
        .ok_or_else(|| WebError::invalid("missing_field", "请给出起始日期 since（YYYY-MM-DD）"))?;
    let v = blocking(move || {
        let (d, _) = app.grassroots()?;
        let index = d.index();
        Ok(index
            .changes_since(since)
            .into_iter()
            .map(|c| {
                let item = d.catalogue.item_at(c.item, c.date).or_else(|| {
                    d.catalogue
                        .timeline(c.item)
                        .iter()
                        .rev()
                        .find_map(|v| v.item.as_ref())
                });
                ChangeView {
                    date: c.date,
                    kind: c.kind.label().to_string(),
                    item: c.item.0,
                    code: item.map(|i| i.code.clone()).unwrap_or_default(),
                    name: item.map(|i| i.name.clone()).unwrap_or_default(),
                    places: c.places.iter().map(|p| p.0).collect(),
                    doc: c.doc.to_string(),
                }
            })
            .collect())
    })
    .await?;
    Ok(Json(v))
}

/// The API routes of 三整合.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(catalogue))
        .routes(routes!(places))
        .routes(routes!(decide))
        .routes(routes!(responsible))
        .routes(routes!(changes))
}
