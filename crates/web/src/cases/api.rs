//! `/api/v1/cases` and `/api/v1/problems`: the closed loop (事项办理) and the
//! 问题台账 for other systems — read with any account or read-only token in
//! its unit scope; actions with the same roles and checks as the pages.

use axum::extract::State;
use axum::Json;
use bianzhi_casework::{Action, Case, Problem, ProblemStatus, Stage};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::cases::service::*;
use crate::prelude::*;

/// A case in a list.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseSummary {
    pub id: i64,
    /// 事项名称.
    pub title: String,
    /// 事项类型 (设立机构, 编制调整, …).
    pub kind: String,
    /// 涉及单位 (number; absent: the jurisdiction).
    pub unit: Option<u32>,
    pub unit_name: String,
    /// 动议人.
    pub proposer: String,
    /// proposal / assessment / decision / implementation / follow_up / closed / rejected / withdrawn.
    pub stage: String,
    /// 动议 / 论证 / 审议决定 / 组织实施 / 跟踪问效 / 已办结 / 不予通过 / 已撤回.
    pub stage_label: String,
    /// 本环节办理期限.
    pub deadline: Option<NaiveDate>,
    /// Working days past the deadline (0: not late).
    pub working_days_late: i64,
    /// 镇 / 街道: decided by the level above.
    pub decided_by_upper: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CaseList {
    pub items: Vec<CaseSummary>,
}

/// A case with everything recorded about it, and the version to send with
/// an action.
#[derive(Debug, Serialize, ToSchema)]
pub struct CaseDetail {
    pub version: i64,
    /// The case: draft (operations as in `/matters`), 事前评估, opinions,
    /// decision, implementation, follow-up, attachments (name, SM3), history.
    #[schema(value_type = Object)]
    pub case: Case,
}

/// An action on a case.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CaseActionInput {
    /// The version read (`CaseDetail.version`); a case changed since is refused (409).
    pub version: i64,
    /// `{"action": "submit"}`, `withdraw`, `{"action": "opinion", "dept": …, "text": …}`,
    /// `assess` (事前评估 computed by the server), `send_to_decision`,
    /// `{"action": "return", "comment": …}`, `{"action": "decide", "approved": true,
    /// "body": "编委会议", "meeting": …, "doc_no": …, "date": "YYYY-MM-DD"}`,
    /// `implement` (records the matter), `{"action": "evaluate", "findings": …, "rating": "好"}`.
    #[schema(value_type = Object)]
    pub action: serde_json::Value,
}

/// 动议: a proposed institutional matter.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ProposeInput {
    /// 事项名称.
    pub title: String,
    /// 动议理由.
    pub reasons: String,
    /// 涉及单位 (number); a 单位经办 must name one in its scope.
    #[serde(default)]
    pub unit: Option<u32>,
    /// 拟生效日期, YYYY-MM-DD.
    #[schema(value_type = NaiveDate)]
    pub effective: String,
    /// 事由 written into the 台账 with the matter.
    #[serde(default)]
    pub reason: String,
    /// Operations as in `/matters` (`{"op": "increase_quota", …}`): institutional
    /// operations only (人员 operations go through `/applications`).
    #[schema(value_type = Vec<Object>)]
    pub ops: Vec<serde_json::Value>,
}

/// A problem of the 问题台账.
#[derive(Debug, Serialize, ToSchema)]
pub struct ProblemList {
    /// Each: unit, source, description, found_on, deadline, responsible,
    /// status, history.
    #[schema(value_type = Vec<Object>)]
    pub items: Vec<Problem>,
    /// How many of them are past their deadline and not rectified.
    pub overdue: usize,
}

/// The case as `user` may see it (see [`crate::cases::service::redact_for`]).
fn detail(user: &crate::auth::User, s: crate::cases::service::Stored<Case>) -> CaseDetail {
    let mut case = s.item;
    crate::cases::service::redact_for(user, &mut case);
    CaseDetail {
        version: s.version,
        case,
    }
}

/// 事项办理: the cases the caller may see, newest first.
#[utoipa::path(get, path = "/api/v1/cases", tag = "事项办理",
    params(
        ("stage" = Option<String>, Query, description = "环节：proposal、assessment、decision、implementation、follow_up、closed、rejected、withdrawn"),
        ("overdue" = Option<bool>, Query, description = "只列已逾期的")),
    responses((status = 200, body = CaseList), (status = 401, body = ErrorBody)))]
pub async fn list_cases(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<CaseList>> {
    let stage = match p.typed("stage")? {
        None => None,
        Some(s) => Some(
            Stage::parse(s)
                .ok_or_else(|| WebError::invalid("bad_parameter", format!("环节“{s}”无效")))?,
        ),
    };
    let overdue = p.flag("overdue")?;
    let rows = blocking(move || app.case_rows(&user, stage)).await?;
    Ok(Json(CaseList {
        items: rows
            .into_iter()
            .filter(|r| !overdue || r.late > 0)
            .map(|r| CaseSummary {
                id: r.case.id,
                title: r.case.title,
                kind: r.case.kind.label().into(),
                unit: r.case.unit.map(|u| u.0),
                unit_name: r.case.unit_name,
                proposer: r.case.proposer,
                stage: r.case.stage.code().into(),
                stage_label: r.case.stage.label().into(),
                deadline: r.deadline,
                working_days_late: r.late,
                decided_by_upper: r.case.decided_by_upper,
            })
            .collect(),
    }))
}

/// 动议: opens a case (编办 roles, or a 单位经办 for a unit in its scope).
#[utoipa::path(post, path = "/api/v1/cases", tag = "事项办理",
    request_body = ProposeInput,
    responses((status = 200, body = CaseDetail), (status = 400, body = ErrorBody), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn propose_case(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiJson(input): ApiJson<ProposeInput>,
) -> ApiResult<Json<CaseDetail>> {
    let viewer = user.clone();
    let s = blocking(move || {
        let ops = crate::ledger::parse_ops(input.ops)?;
        let draft = bianzhi_casework::Draft {
            reason: input.reason,
            effective: crate::http::params::parse_date(&input.effective)?,
            ops,
        };
        let id = app.propose_case(&user, &input.title, &input.reasons, input.unit, draft)?;
        app.load_case(&user, id)
    })
    .await?;
    Ok(Json(detail(&viewer, s)))
}

/// One case.
#[utoipa::path(get, path = "/api/v1/cases/{id}", tag = "事项办理",
    params(("id" = i64, Path, minimum = 1, description = "事项编号")),
    responses((status = 200, body = CaseDetail), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody)))]
pub async fn get_case(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
) -> ApiResult<Json<CaseDetail>> {
    let viewer = user.clone();
    let s = blocking(move || app.load_case(&user, id)).await?;
    Ok(Json(detail(&viewer, s)))
}

/// The command an API action asks for. 事前评估 is always computed by the
/// server, and attachments come through the page's upload (multipart).
fn command(v: serde_json::Value) -> Result<CaseCommand, WebError> {
    let name = match &v {
        serde_json::Value::String(s) => s.clone(),
        serde_json::Value::Object(o) => o
            .get("action")
            .and_then(|a| a.as_str())
            .unwrap_or_default()
            .to_string(),
        _ => String::new(),
    };
    let tagged = match v {
        serde_json::Value::String(s) => serde_json::json!({ "action": s }),
        other => other,
    };
    match name.as_str() {
        "assess" => Ok(CaseCommand::Assess),
        "implement" => Ok(CaseCommand::Implement),
        "set_assessment" | "attach" => Err(WebError::invalid(
            "invalid_action",
            "事前评估由系统计算（action 为 assess），附件请在事项页面上传",
        )),
        "" => Err(WebError::invalid(
            "missing_field",
            "缺少 action，如 {\"action\": \"submit\"}",
        )),
        _ => {
            let a: Action = crate::http::json::from_value(tagged)?;
            Ok(CaseCommand::Plain(Box::new(a)))
        }
    }
}

/// Performs an action on a case (the roles of the pages: 单位经办 for its
/// own proposals, 编办经办 for 论证 / 组织实施 / 跟踪问效, 编办领导 for 审议决定).
#[utoipa::path(post, path = "/api/v1/cases/{id}/actions", tag = "事项办理",
    params(("id" = i64, Path, minimum = 1, description = "事项编号")),
    request_body = CaseActionInput,
    responses((status = 200, body = CaseDetail), (status = 401, body = ErrorBody),
        (status = 403, body = ErrorBody), (status = 404, body = ErrorBody),
        (status = 409, body = ErrorBody), (status = 422, body = ErrorBody)))]
pub async fn act_case(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiPath(id): ApiPath<i64>,
    ApiJson(input): ApiJson<CaseActionInput>,
) -> ApiResult<Json<CaseDetail>> {
    let viewer = user.clone();
    let s = blocking(move || {
        app.case_act(&user, id, input.version, command(input.action)?)?;
        app.load_case(&user, id)
    })
    .await?;
    Ok(Json(detail(&viewer, s)))
}

/// 问题台账: the problems the caller may see, overdue first.
#[utoipa::path(get, path = "/api/v1/problems", tag = "事项办理",
    params(("status" = Option<String>, Query, description = "整改状态：open、in_progress、rectified、closed")),
    responses((status = 200, body = ProblemList), (status = 401, body = ErrorBody)))]
pub async fn list_problems(
    State(app): State<AppState>,
    ApiUser(user): ApiUser,
    ApiQuery(p): ApiQuery,
) -> ApiResult<Json<ProblemList>> {
    let status = match p.typed("status")? {
        None => None,
        Some(s) => Some(
            ProblemStatus::parse(s)
                .ok_or_else(|| WebError::invalid("bad_parameter", format!("整改状态“{s}”无效")))?,
        ),
    };
    let (items, day) = blocking(move || Ok((app.problems(&user, status)?, app.today()))).await?;
    Ok(Json(ProblemList {
        overdue: items.iter().filter(|p| p.is_overdue(day)).count(),
        items,
    }))
}

/// The API routes of 事项办理 and the 问题台账.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(list_cases, propose_case))
        .routes(routes!(get_case))
        .routes(routes!(act_case))
        .routes(routes!(list_problems))
}
