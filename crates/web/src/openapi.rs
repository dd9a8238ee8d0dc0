//! What the OpenAPI document says beyond the handlers' annotations, so that
//! it is true of every answer (checked by the schema fuzz test):
//!
//! - how to sign in: `securitySchemes` (Bearer token; or the session cookie,
//!   with `X-CSRF-Token` for writes) and the requirement on every operation
//!   but signing in and this document;
//! - the closed lists of query and path values, from the same constants the
//!   handlers check against;
//! - the refusals every operation can give, by what it takes: 401 and 403
//!   when signed in, 404 and 422 with path parameters, 400 with a date
//!   parameter, 400, 413 and 422 with a body, all as [`ErrorBody`].
//!
//! [`ErrorBody`]: crate::error::ErrorBody

use axum::http::header;
use axum::response::{IntoResponse, Response};
use bianzhi_core::catalog::UnitKind;
use bianzhi_core::matter::describe;
use bianzhi_store::ApplicationStatus;

use std::sync::OnceLock;
use utoipa::openapi::path::{Operation, ParameterIn};
use utoipa::openapi::schema::{KnownFormat, ObjectBuilder, SchemaFormat, Type};
use utoipa::openapi::security::{
    ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityRequirement, SecurityScheme,
};
use utoipa::openapi::{ContentBuilder, OpenApi, Ref, RefOr, ResponseBuilder, Schema};
use utoipa::Modify;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::applications::service::*;
use crate::ledger::*;
use crate::matters::views::*;
use crate::people::views::*;
use crate::plans::views::*;
use crate::prelude::*;
use crate::reports::service::*;
use crate::units::views::*;

pub const DIRECTIONS: &[&str] = &["asc", "desc"];

/// Operations anyone may call.
const PUBLIC: &[&str] = &["sign_in", "openapi_json"];

/// Signed in, yet never refused: the user's own account.
const NEVER_FORBIDDEN: &[&str] = &["get_me"];

/// Operations that lock out repeated failures (429).
const RATE_LIMITED: &[&str] = &["sign_in"];

fn owned(v: &[&str]) -> Vec<String> {
    v.iter().map(|s| s.to_string()).collect()
}

/// The closed lists: (path, parameter, values).
pub fn enums() -> Vec<(&'static str, &'static str, Vec<String>)> {
    let codes_and_labels = |pairs: Vec<(&'static str, &'static str)>| -> Vec<String> {
        let mut v: Vec<String> = pairs.iter().map(|(c, _)| c.to_string()).collect();
        v.extend(pairs.iter().map(|(_, l)| l.to_string()));
        v
    };
    vec![
        ("/api/v1/units", "sort", owned(UNIT_SORTS)),
        (
            "/api/v1/units",
            "kind",
            UnitKind::ALL
                .iter()
                .map(|k| k.label().to_string())
                .collect(),
        ),
        ("/api/v1/people", "sort", owned(PEOPLE_SORTS)),
        ("/api/v1/people", "status", owned(PERSON_STATUSES)),
        ("/api/v1/matters", "sort", owned(MATTER_SORTS)),
        ("/api/v1/plans", "sort", owned(PLAN_SORTS)),
        ("/api/v1/units", "dir", owned(DIRECTIONS)),
        ("/api/v1/people", "dir", owned(DIRECTIONS)),
        ("/api/v1/matters", "dir", owned(DIRECTIONS)),
        ("/api/v1/plans", "dir", owned(DIRECTIONS)),
        (
            "/api/v1/applications",
            "status",
            ApplicationStatus::ALL
                .iter()
                .map(|s| s.code().to_string())
                .collect(),
        ),
        (
            "/api/v1/applications",
            "kind",
            codes_and_labels(
                ApplicationKind::ALL
                    .iter()
                    .map(|k| (k.code(), k.label()))
                    .collect(),
            ),
        ),
        (
            "/api/v1/reports/{kind}",
            "kind",
            bianzhi_reports::report::Kind::ALL
                .iter()
                .map(|(c, _)| c.to_string())
                .collect(),
        ),
        ("/api/v1/reports/{kind}", "scope", owned(REPORT_SCOPES)),
        (
            "/api/v1/cases",
            "stage",
            codes_and_labels(
                bianzhi_casework::Stage::ALL
                    .iter()
                    .map(|s| (s.code(), s.label()))
                    .collect(),
            ),
        ),
        (
            "/api/v1/problems",
            "status",
            codes_and_labels(
                bianzhi_casework::ProblemStatus::ALL
                    .iter()
                    .map(|s| (s.code(), s.label()))
                    .collect(),
            ),
        ),
    ]
}

/// What [`refine`] does.
pub struct Refinements;

impl Modify for Refinements {
    fn modify(&self, doc: &mut OpenApi) {
        security(doc);
        refusal_components(doc);
        operation_schemas(doc);
        let enums = enums();
        for (path, item) in doc.paths.paths.iter_mut() {
            for op in [
                &mut item.get,
                &mut item.post,
                &mut item.put,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                closed_lists(path, op, &enums);
                refusals(op);
            }
        }
    }
}

/// The schema of one field of an operation, from its description.
fn field_schema(f: &describe::Field) -> RefOr<Schema> {
    use describe::FieldKind as K;
    use utoipa::openapi::schema::{ArrayBuilder, OneOfBuilder, SchemaType};
    let text = if f.help.is_empty() {
        f.label.to_string()
    } else {
        format!("{}（{}）", f.label, f.help)
    };
    let typed = |t: Type| {
        if f.required {
            SchemaType::new(t)
        } else {
            SchemaType::from_iter([t, Type::Null])
        }
    };
    let number = || {
        ObjectBuilder::new()
            .schema_type(Type::Integer)
            .minimum(Some(0))
    };
    match f.kind {
        K::Unit | K::Person | K::QuotaType | K::Funding => {
            let mut one = OneOfBuilder::new()
                .description(Some(format!(
                    "{text}：{}",
                    match f.kind {
                        K::Unit => "单位全称或编号",
                        K::Person => "公民身份号码或人员编号",
                        _ => "名称、代码或编号",
                    }
                )))
                .item(ObjectBuilder::new().schema_type(Type::String))
                .item(number());
            if !f.required {
                one = one.item(ObjectBuilder::new().schema_type(Type::Null));
            }
            one.into()
        }
        K::Count | K::Year => ObjectBuilder::new()
            .schema_type(typed(Type::Integer))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32)))
            .description(Some(text))
            .into(),
        K::PlanLine | K::Loan | K::Body => ObjectBuilder::new()
            .schema_type(typed(Type::Integer))
            .minimum(Some(0))
            .description(Some(format!("{text}（编号）")))
            .into(),
        K::Flag => ObjectBuilder::new()
            .schema_type(Type::Boolean)
            .description(Some(text))
            .into(),
        K::Date => ObjectBuilder::new()
            .schema_type(typed(Type::String))
            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date)))
            .description(Some(text))
            .into(),
        K::Text | K::LongText | K::IdNumber | K::Assigned => ObjectBuilder::new()
            .schema_type(typed(Type::String))
            .description(Some(text))
            .into(),
        K::Choice(c) => {
            let mut values: Vec<serde_json::Value> = Vec::new();
            for (v, l) in c.options() {
                values.push(v.into());
                values.push(l.into());
            }
            if !f.required {
                values.push(serde_json::Value::Null);
            }
            ObjectBuilder::new()
                .schema_type(typed(Type::String))
                .enum_values(Some(values))
                .description(Some(format!("{text}（中文名称或代码）")))
                .into()
        }
        K::Code(c) => {
            let table = c.table();
            let mut values: Vec<serde_json::Value> = c.names().map(Into::into).collect();
            if !f.required {
                values.push(serde_json::Value::Null);
            }
            ObjectBuilder::new()
                .schema_type(typed(Type::String))
                .enum_values(Some(values))
                .description(Some(format!(
                    "{text}：{}代码表（{}）的名称；也接受常见写法和代码，登记为名称；不在代码表中的拒绝",
                    table.name, table.standard
                )))
                .into()
        }
        K::Tranches => ArrayBuilder::new()
            .items(
                ObjectBuilder::new()
                    .schema_type(Type::Object)
                    .property(
                        "date",
                        ObjectBuilder::new()
                            .schema_type(Type::String)
                            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Date))),
                    )
                    .property(
                        "count",
                        ObjectBuilder::new()
                            .schema_type(Type::Integer)
                            .format(Some(SchemaFormat::KnownFormat(KnownFormat::Int32))),
                    )
                    .required("date")
                    .required("count"),
            )
            .description(Some(text))
            .into(),
    }
}

/// An object of the fields at one level of nesting (`details.` …).
fn fields_object(fields: &[&'static describe::Field], prefix: &str) -> ObjectBuilder {
    let mut o = ObjectBuilder::new().schema_type(Type::Object);
    let mut nested: Vec<&str> = Vec::new();
    for f in fields {
        let Some(key) = f.key.strip_prefix(prefix) else {
            continue;
        };
        match key.split_once('.') {
            None => {
                o = o.property(key, field_schema(f));
                if f.required {
                    o = o.required(key);
                }
            }
            Some((head, _)) => {
                if !nested.contains(&head) {
                    nested.push(head);
                }
            }
        }
    }
    for head in nested {
        let inner = format!("{prefix}{head}.");
        let required = fields
            .iter()
            .any(|f| f.required && f.key.starts_with(&inner));
        o = o.property(head, fields_object(fields, &inner));
        if required {
            o = o.required(head);
        }
    }
    o
}

/// `Operation`: one schema per operation (事项类型), from its description,
/// and every `ops` list of a request body made of them.
fn operation_schemas(doc: &mut OpenApi) {
    use utoipa::openapi::schema::{ArrayBuilder, OneOfBuilder};
    let mut one = OneOfBuilder::new().description(Some(
        "一项操作：\"op\" 为事项类型（中文名称如“周转池借出”，或代码如 lend），其余字段见各类型。",
    ));
    for spec in describe::OPS.iter() {
        let fields: Vec<&'static describe::Field> = spec.entered().collect();
        let o = fields_object(&fields, "")
            .title(Some(spec.label))
            .description(Some(spec.help))
            .property(
                "op",
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some([spec.code, spec.label]))
                    .description(Some("事项类型")),
            )
            .required("op");
        one = one.item(o);
    }
    let components = doc.components.get_or_insert_with(Default::default);
    components.schemas.insert("Operation".into(), one.into());
    for schema in components.schemas.values_mut() {
        if let RefOr::T(Schema::Object(o)) = schema {
            // Request bodies' `ops` lists (not a response's count of operations).
            if matches!(o.properties.get("ops"), Some(RefOr::T(Schema::Array(_)))) {
                o.properties.insert(
                    "ops".into(),
                    ArrayBuilder::new()
                        .items(Ref::from_schema_name("Operation"))
                        .description(Some("操作，全部通过才登记"))
                        .into(),
                );
            }
        }
    }
}

fn security(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    components.add_security_scheme(
        "bearer",
        SecurityScheme::Http(
            HttpBuilder::new()
                .scheme(HttpAuthScheme::Bearer)
                .description(Some(
                    "`POST /api/v1/session` 登录所得的 `token`，或安全管理员签发的只读 API 令牌（`bzt_…`）；\
                     以 `Authorization: Bearer <token>` 发送。API 令牌只能查询。",
                ))
                .build(),
        ),
    );
    components.add_security_scheme(
        "session_cookie",
        SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::with_description(
            crate::auth::SESSION_COOKIE,
            "登录时设置的会话 Cookie（浏览器）。",
        ))),
    );
    components.add_security_scheme(
        "csrf",
        SecurityScheme::ApiKey(ApiKey::Header(ApiKeyValue::with_description(
            "X-CSRF-Token",
            "以会话 Cookie 写入（非 GET）时须同时发送登录应答中的 `csrf`。",
        ))),
    );
    let empty: [&str; 0] = [];
    for item in doc.paths.paths.values_mut() {
        for (write, op) in [
            (false, &mut item.get),
            (true, &mut item.post),
            (true, &mut item.put),
            (true, &mut item.delete),
            (true, &mut item.patch),
        ] {
            let Some(op) = op else { continue };
            let id = op.operation_id.as_deref().unwrap_or("");
            op.security = Some(if PUBLIC.contains(&id) {
                Vec::new()
            } else {
                let cookie = SecurityRequirement::new("session_cookie", empty);
                vec![
                    SecurityRequirement::new("bearer", empty),
                    if write {
                        cookie.add("csrf", empty)
                    } else {
                        cookie
                    },
                ]
            });
        }
    }
}

fn closed_lists(path: &str, op: &mut Operation, enums: &[(&str, &str, Vec<String>)]) {
    for p in op.parameters.iter_mut().flatten() {
        let RefOr::T(p) = p else { continue };
        if let Some((_, _, values)) = enums
            .iter()
            .find(|(ep, name, _)| *ep == path && *name == p.name)
        {
            p.schema = Some(RefOr::T(Schema::Object(
                ObjectBuilder::new()
                    .schema_type(Type::String)
                    .enum_values(Some(values.clone()))
                    .build(),
            )));
        }
    }
}

fn is_date(s: &Option<RefOr<Schema>>) -> bool {
    let date = Some(SchemaFormat::KnownFormat(KnownFormat::Date));
    match s {
        Some(RefOr::T(Schema::Object(o))) => o.format == date,
        // `Option<NaiveDate>`: a one-of date or null.
        Some(RefOr::T(Schema::OneOf(one))) => one.items.iter().any(|i| match i {
            RefOr::T(Schema::Object(o)) => o.format == date,
            _ => false,
        }),
        _ => false,
    }
}

/// The refusals, each a response of the components: (name, description).
const REFUSALS: &[(&str, &str)] = &[
    (
        "bad_request",
        "请求体不是有效的 JSON（`malformed_json`），或日期格式不对（`bad_date`）",
    ),
    ("bad_date", "日期格式不对，应为 YYYY-MM-DD（`bad_date`）"),
    ("unauthorized", "未登录、会话已过期或令牌无效（`unauthorized`）"),
    (
        "forbidden",
        "无权办理（`forbidden`）：角色不符、三员分立、只读令牌写入，或以会话 Cookie 写入而缺少 `X-CSRF-Token`（`csrf`）",
    ),
    ("not_found", "不存在，或不在本账户的单位范围内（`not_found` 等）"),
    ("too_large", "请求体过大（`too_large`）"),
    (
        "unprocessable",
        "参数或请求内容无效（`bad_parameter`、`invalid_field`、`missing_field` 等），或未通过台账校验",
    ),
    ("locked", "连续登录失败，账户或地址暂被锁定（`locked`）"),
];

fn refusal_components(doc: &mut OpenApi) {
    let components = doc.components.get_or_insert_with(Default::default);
    // The codes of the rules a matter can break, from the core's own list.
    if let Some(RefOr::T(Schema::Object(body))) = components.schemas.get_mut("ErrorBody") {
        if let Some(RefOr::T(Schema::Object(code))) = body.properties.get_mut("code") {
            let rules: Vec<&str> = bianzhi_core::MatterError::codes().collect();
            code.description =
                Some(format!(
                "Stable machine-readable code, e.g. `bad_date`, `malformed_json`. A matter the \
                 ledger refuses (422) answers the code of the rule it breaks: {}.",
                rules.iter().map(|c| format!("`{c}`")).collect::<Vec<_>>().join(", ")
            ));
        }
    }
    for (name, description) in REFUSALS {
        components.responses.insert(
            name.to_string(),
            RefOr::T(
                ResponseBuilder::new()
                    .description(*description)
                    .content(
                        "application/json",
                        ContentBuilder::new()
                            .schema(Some(Ref::from_schema_name("ErrorBody")))
                            .build(),
                    )
                    .build(),
            ),
        );
    }
}

/// What an answer without a description of its own says.
fn default_description(status: &str) -> &'static str {
    match status {
        "200" => "成功",
        "201" => "已创建",
        "204" => "已完成（无内容）",
        "409" => "状态冲突：已被他人办理或已变化，请刷新后重试（`invalid_state` 等）",
        _ => "见错误代码（`code`）与说明（`message`）",
    }
}

fn refusals(op: &mut Operation) {
    let id = op.operation_id.clone().unwrap_or_default();
    let params: Vec<_> = op
        .parameters
        .iter()
        .flatten()
        .filter_map(|p| match p {
            RefOr::T(p) => Some(p),
            RefOr::Ref(_) => None,
        })
        .collect();
    let in_path = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Path));
    let in_query = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query));
    let date = params
        .iter()
        .any(|p| matches!(p.parameter_in, ParameterIn::Query) && is_date(&p.schema));
    let body = op.request_body.is_some();
    let signed_in = !PUBLIC.contains(&id.as_str());

    let mut refusals = Vec::new();
    if body {
        refusals.push(("400", "bad_request"));
    } else if date {
        refusals.push(("400", "bad_date"));
    }
    if signed_in {
        refusals.push(("401", "unauthorized"));
        if !NEVER_FORBIDDEN.contains(&id.as_str()) {
            refusals.push(("403", "forbidden"));
        }
    }
    if in_path {
        refusals.push(("404", "not_found"));
    }
    if body {
        refusals.push(("413", "too_large"));
    }
    if in_path || in_query || body {
        refusals.push(("422", "unprocessable"));
    }
    if RATE_LIMITED.contains(&id.as_str()) {
        refusals.push(("429", "locked"));
    }
    for (status, name) in refusals {
        let r = op.responses.responses.entry(status.to_string());
        // An answer the handler describes itself stays.
        let described = matches!(&r, std::collections::btree_map::Entry::Occupied(o)
            if matches!(o.get(), RefOr::T(x) if !x.description.is_empty()));
        if !described {
            op.responses.responses.insert(
                status.to_string(),
                RefOr::Ref(Ref::from_response_name(name)),
            );
        }
    }
    for (status, r) in op.responses.responses.iter_mut() {
        if let RefOr::T(r) = r {
            if r.description.is_empty() {
                r.description = default_description(status).to_string();
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every closed list names a parameter of the document.
    #[test]
    fn every_closed_list_is_a_parameter() {
        let doc = crate::openapi();
        for (path, name, values) in enums() {
            assert!(!values.is_empty());
            let item = doc
                .paths
                .paths
                .get(path)
                .unwrap_or_else(|| panic!("{path}"));
            let found = [&item.get, &item.post]
                .into_iter()
                .flatten()
                .flat_map(|op| op.parameters.iter().flatten())
                .any(|p| match p {
                    RefOr::T(p) => {
                        p.name == name
                            && matches!(&p.schema, Some(RefOr::T(Schema::Object(o))) if o.enum_values.is_some())
                    }
                    RefOr::Ref(_) => false,
                });
            assert!(found, "{path} {name}");
        }
    }
}

/// The document served at `/api/v1/openapi.json`, kept by [`publish`].
static DOCUMENT: OnceLock<String> = OnceLock::new();

/// Keeps the document to serve (the crate root composes the routes and calls
/// this with their document).
pub fn publish(text: String) {
    let _ = DOCUMENT.set(text);
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "总览", responses((status = 200, description = "OpenAPI 3.1 文档")))]
async fn openapi_json() -> Response {
    let text = DOCUMENT.get().cloned().unwrap_or_default();
    ([(header::CONTENT_TYPE, "application/json")], text).into_response()
}

/// Any other path under `/api/v1`.
pub async fn api_not_found() -> ApiError {
    ApiError(WebError::NotFound("没有这个接口".into()))
}

/// What the document says of the API as a whole; each feature's routes add
/// their paths (`utoipa_axum::routes!`), then [`refine`].
#[derive(utoipa::OpenApi)]
#[openapi(
    info(
        title = "bianzhi 机构编制管理系统 API",
        description = "机构、编制、领导职数与实名制人员台账；网上办理（申请、退回、批准）。除登录外均须登录：`Authorization: Bearer <token>`，或会话 Cookie 加 `X-CSRF-Token`。错误统一为 `{ \"code\": \"稳定代码\", \"message\": \"中文说明\" }`。"
    ),
    components(schemas(ErrorBody, EventView, UnitKey, Figures))
)]
pub struct ApiDoc;

/// The document's own route, starting the API's router.
pub fn routes() -> OpenApiRouter<AppState> {
    OpenApiRouter::with_openapi(<ApiDoc as utoipa::OpenApi>::openapi())
        .routes(routes!(openapi_json))
}

/// Adds what the annotations cannot say (see the module's documentation).
pub fn refine(doc: &mut OpenApi) {
    Refinements.modify(doc);
}
