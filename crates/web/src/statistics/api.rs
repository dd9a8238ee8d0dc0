use axum::extract::State;
use axum::Json;
use bianzhi_reports::statistics::Statistics;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::prelude::*;
use crate::reports::service::on_ledger;
use crate::statistics::views::*;

/// 统计年报（上报格式）as the JSON document the level above adds up: the
/// jurisdiction, the 统计时点, the format version and the four tables (机构,
/// 编制, 实有人员, 领导职数) as typed rows with their totals, which equal the
/// 台账's. Only for 编办 users who see the whole jurisdiction; every read is
/// audited.
#[utoipa::path(get, path = "/api/v1/statistics", tag = "报表",
    params(("as_of" = Option<NaiveDate>, Query, description = "统计时点，YYYY-MM-DD，默认上一年 12 月 31 日")),
    responses((status = 200, body = Statistics), (status = 400, body = ErrorBody),
        (status = 403, body = ErrorBody, description = "仅限查看全区的编办用户"),
        (status = 422, body = ErrorBody)))]
async fn api_statistics(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ClientIp(ip): ClientIp,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<Statistics>> {
    check_reader(&user)?;
    let date = as_of(&app, &p)?;
    let s = on_ledger(&app, &user, move |app, _| Ok(statistics_at(app, date))).await?;
    audit(&app, &user, &ip, "JSON 数据", &s)?;
    Ok(Json(s))
}

/// The API routes of 统计年报（上报格式）.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new().routes(routes!(api_statistics))
}
