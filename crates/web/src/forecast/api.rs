use axum::extract::State;
use axum::Json;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::forecast::views::*;
use crate::prelude::*;

/// 自然减员预测: retirements per year under the 2025 retirement-age rules and
/// what becomes of each vacancy (可自由使用, or owed to 过桥, 动态编制, 周转编制;
/// 超编消化), per unit × 编制类型, and the 周转池 at each year's end.
#[utoipa::path(get, path = "/api/v1/forecast", tag = "自然减员预测",
    params(("unit" = Option<String>, Query, description = "单位编号或全称（含下属单位）；不填为可见的全部单位"),
        ("years" = Option<u32>, Query, minimum = 1, maximum = 10, description = "预测年数，1–10，默认 5"),
        ("as_of" = Option<String>, Query, description = "预测起点，YYYY-MM-DD")),
    responses((status = 200, body = ForecastView), (status = 400, body = ErrorBody), (status = 422, body = ErrorBody, description = "单位不存在或预测年数不在 1–10 之间")))]
async fn forecast(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<ForecastView>> {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let (unit, years) = params(&app, scope.as_deref(), &p)?;
    Ok(Json(app.read(date, |ctx| {
        forecast_view(ctx, scope.as_deref(), unit, years)
    })?))
}

/// The API routes of 自然减员预测.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(forecast))
}
