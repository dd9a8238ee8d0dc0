use axum::extract::State;
use axum::Json;
use chrono::NaiveDate;
use serde::Serialize;
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

/// The API routes of 三整合.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(catalogue))
}
