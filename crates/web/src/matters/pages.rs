use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use chrono::Datelike;
use std::collections::HashMap;

use crate::matters::service::*;
use crate::matters::views::*;
use crate::prelude::*;

// ---------------------------------------------------------------- 事项

#[derive(Template)]
#[template(path = "matters/matters.html")]
struct MattersPage {
    l: Layout,
    rows: Vec<MatterRow>,
    page: PageInfo,
    kinds: Vec<&'static str>,
    unit_name: Option<String>,
}

const MATTER_KINDS: [&str; 20] = [
    "设立",
    "更名",
    "撤销",
    "合并",
    "划转",
    "核定编制",
    "核增编制",
    "核减编制",
    "划转编制",
    "锁定编制",
    "核定领导职数",
    "下达用编计划",
    "入编",
    "报到",
    "出编",
    "调动",
    "任职",
    "免职",
    "关键信息更正",
    "存量人员登记",
];

async fn matters(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let f = crate::matters::views::matter_filter(&app, scope.as_deref(), &p)?;
    let pager = p.pager(50)?;
    let (rows, page) = app.read(date, |ctx| {
        crate::matters::views::matters(ctx, scope.as_deref(), &f, pager)
    });
    let unit_name = f.unit.map(|u| app.db().state().unit_name(u));
    render(&MattersPage {
        l: Layout::new(
            &app,
            &user,
            "matters",
            "事项",
            Url::new(uri.path(), &p),
            Some(date),
        ),
        rows,
        page,
        kinds: MATTER_KINDS.to_vec(),
        unit_name,
    })
}

#[derive(Template)]
#[template(path = "matters/matter.html")]
struct MatterPage {
    l: Layout,
    m: MatterView,
    json: String,
}

async fn matter(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    Path(seq): Path<u64>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let scope = app.scope(&user, app.today());
    let m = app.read(app.today(), |ctx| {
        crate::matters::views::matter_view(ctx, scope.as_deref(), seq)
    })?;
    let json = serde_json::to_string_pretty(&m.ops_json).unwrap_or_default();
    render(&MatterPage {
        l: Layout::new(
            &app,
            &user,
            "matters",
            format!("事项 {}", m.row.doc),
            Url::new(uri.path(), &p),
            None,
        ),
        m,
        json,
    })
}

#[derive(Template)]
#[template(path = "matters/matter_new.html")]
struct MatterNewPage {
    l: Layout,
    error: Option<String>,
    f: FormValues,
    units: Vec<(u32, String)>,
    qtypes: Vec<String>,
    fundings: Vec<String>,
    channels: Vec<&'static str>,
    /// An example 文号 with the office's 机关代字.
    doc_example: String,
}

fn matter_form_page(
    app: &App,
    user: &User,
    uri: &str,
    error: Option<String>,
    f: HashMap<String, String>,
) -> MatterNewPage {
    let l = Layout::new(
        app,
        user,
        "matters",
        "登记事项",
        Url {
            path: uri.into(),
            params: vec![],
        },
        None,
    );
    let doc_example = app
        .case_settings()
        .map(|(s, _)| s.doc_example(app.today().year()))
        .unwrap_or_default();
    let db = app.db();
    let st = db.state();
    let units = bianzhi_core::query::units_at(st, app.today())
        .into_iter()
        .map(|u| (u.id.0, u.name.clone()))
        .collect();
    MatterNewPage {
        l,
        error,
        f: FormValues(f),
        units,
        qtypes: st.quota_types.iter().map(|q| q.name.clone()).collect(),
        fundings: st.funding_forms.iter().map(|q| q.name.clone()).collect(),
        channels: bianzhi_core::catalog::PlanChannel::ALL
            .iter()
            .map(|c| c.label())
            .collect(),
        doc_example,
    }
}

async fn matter_new(State(app): State<AppState>, PageUser(user): PageUser) -> PageResult {
    user.require(user.can_record(), "直接登记事项（仅编办）")?;
    let mut f = HashMap::new();
    f.insert("effective".into(), app.today().to_string());
    f.insert("year".into(), app.today().year().to_string());
    render(&matter_form_page(&app, &user, "/matters/new", None, f))
}

/// The operation described by the structured part of the form.
fn op_from_form(f: &HashMap<String, String>) -> Result<serde_json::Value, WebError> {
    let g = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let unit = g("unit");
    if unit.is_empty() {
        return Err(WebError::invalid("missing_field", "请选择机构"));
    }
    let unit_v: serde_json::Value = unit
        .parse::<u32>()
        .map(Into::into)
        .unwrap_or_else(|_| unit.clone().into());
    let count: i32 = g("count").parse().map_err(|_| {
        WebError::invalid(
            "invalid_field",
            format!("数量应为整数，收到“{}”", g("count")),
        )
    })?;
    let op = g("op");
    let v = match op.as_str() {
        "increase_quota" | "decrease_quota" | "set_quota" | "lock_quota" | "unlock_quota" => {
            serde_json::json!({
                "op": op, "unit": unit_v, "qtype": g("qtype"), "funding": g("funding"), "count": count
            })
        }
        "approve_plan_line" => {
            let year: i32 = g("year")
                .parse()
                .map_err(|_| WebError::invalid("invalid_field", "年度应为四位数字"))?;
            serde_json::json!({
                "op": op, "unit": unit_v, "year": year, "channel": g("channel"), "qtype": g("qtype"), "count": count
            })
        }
        _ => return Err(WebError::invalid("invalid_field", "请选择操作类型")),
    };
    Ok(v)
}

async fn matter_create(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    user.require(user.can_record(), "直接登记事项（仅编办）")?;
    let f: HashMap<String, String> = form.iter().cloned().collect();
    let built = (|| -> Result<MatterInput, WebError> {
        let json = f.get("ops_json").map(|s| s.trim()).unwrap_or("");
        let ops: Vec<serde_json::Value> = if json.is_empty() {
            vec![op_from_form(&f)?]
        } else {
            match crate::http::json::parse::<serde_json::Value>(json.as_bytes())? {
                serde_json::Value::Array(v) => v,
                o @ serde_json::Value::Object(_) => vec![o],
                _ => {
                    return Err(WebError::invalid(
                        "invalid_field",
                        "操作 JSON 应为对象或对象数组",
                    ))
                }
            }
        };
        Ok(MatterInput {
            doc: f.get("doc").cloned().unwrap_or_default(),
            effective: f.get("effective").cloned().unwrap_or_default(),
            reason: f.get("reason").cloned().unwrap_or_default(),
            ops,
        })
    })();
    let app2 = app.clone();
    let u2 = user.clone();
    let r = match built {
        Ok(input) => blocking(move || app2.record_matter(&u2, input)).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(seq) => Ok(Redirect::to(&format!("/matters/{seq}")).into_response()),
        Err(e @ (WebError::Internal(_) | WebError::Csrf | WebError::Forbidden(_))) => Err(e.into()),
        Err(e) => {
            let status = e.status();
            // The form comes back with what the clerk typed, 身份证号 included.
            render_status(
                status,
                &matter_form_page(&app, &user, "/matters/new", Some(e.to_string()), f),
            )
            .map(crate::http::hardening::full_id_numbers)
        }
    }
}

/// The 事项 pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/matters", get(matters))
        .route("/matters/new", get(matter_new).post(matter_create))
        .route("/matters/{seq}", get(matter))
}
