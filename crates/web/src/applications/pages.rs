use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use axum::Router;
use bianzhi_core::catalog::{LeaveReason, PostKind, StaffIdentity};
use bianzhi_core::{PlanLineId, UnitId};
use bianzhi_store::ApplicationStatus;
use chrono::Datelike;
use std::collections::HashMap;

use crate::applications::service::*;
use crate::ledger::*;
use crate::prelude::*;

// ---------------------------------------------------------------- 申请

#[derive(Template)]
#[template(path = "applications/applications.html")]
struct ApplicationsPage {
    l: Layout,
    rows: Vec<ApplicationView>,
    page: PageInfo,
    statuses: Vec<(&'static str, &'static str)>,
    kinds: Vec<(&'static str, &'static str)>,
    units: Vec<(u32, String)>,
}

async fn applications(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let f = list_filter(&p)?;
    let (rows, page) = app.list_applications(&user, f.status, f.kind, f.unit, p.pager(30)?)?;
    let units = crate::ledger::units_in_scope(&app, &user);
    render(&ApplicationsPage {
        l: Layout::new(
            &app,
            &user,
            "applications",
            "申请",
            Url::new(uri.path(), &p),
            None,
        ),
        rows,
        page,
        statuses: ApplicationStatus::ALL
            .iter()
            .map(|s| (s.code(), s.label()))
            .collect(),
        kinds: ApplicationKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        units,
    })
}

/// The list's filters, read once for the page and its export.
struct ListFilter {
    status: Option<ApplicationStatus>,
    kind: Option<ApplicationKind>,
    unit: Option<u32>,
}

fn list_filter(p: &Params) -> Result<ListFilter, WebError> {
    let status = match p.get("status") {
        None => None,
        Some(s) => Some(
            ApplicationStatus::parse(s)
                .ok_or_else(|| WebError::invalid("bad_parameter", format!("申请状态“{s}”无效")))?,
        ),
    };
    Ok(ListFilter {
        status,
        kind: p.get("kind").and_then(ApplicationKind::parse),
        unit: p.u32("unit")?,
    })
}

/// The applications a filter selects, as xlsx (身份证号 masked as on the
/// page, the user's scope only); the export is audited, and refused if the
/// audit trail cannot be written.
async fn applications_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
) -> PageResult {
    use crate::http::table::{text, EXPORT_MAX};
    use bianzhi_core::ident::{mask_id_numbers, mask_id_value};
    let f = list_filter(&p)?;
    let all = Pager {
        page: 1,
        per_page: EXPORT_MAX,
    };
    let (a2, u2) = (app.clone(), user.clone());
    let ((rows, page), f) = blocking(move || {
        a2.list_applications(&u2, f.status, f.kind, f.unit, all)
            .map(|r| (r, f))
    })
    .await?;
    let mut t = bianzhi_reports::Table::new(
        "申请",
        &[
            "编号",
            "类型",
            "单位",
            "内容",
            "姓名",
            "身份证号",
            "状态",
            "文号",
            "意见",
            "提交人",
            "提交时间",
            "更新时间",
        ],
    );
    for a in &rows {
        t.rows.push(vec![
            bianzhi_reports::Cell::int(a.id),
            text(&a.kind_label),
            text(&a.unit),
            text(mask_id_numbers(&a.title)),
            text(a.input.name.clone().unwrap_or_default()),
            text(
                a.input
                    .id_number
                    .as_deref()
                    .map(mask_id_value)
                    .unwrap_or_default(),
            ),
            text(&a.status_label),
            text(a.doc_no.clone().unwrap_or_default()),
            text(mask_id_numbers(a.note.as_deref().unwrap_or_default())),
            text(&a.submitted_by),
            text(&a.submitted_at),
            text(&a.updated_at),
        ]);
    }
    // What was exported, in the office's words.
    let mut what = vec!["申请".to_string()];
    if let Some(s) = f.status {
        what.push(s.label().to_string());
    }
    if let Some(k) = f.kind {
        what.push(k.label().to_string());
    }
    // A unit is named only within the user's scope.
    let scope = app.scope(&user, app.today());
    if let Some(u) = f
        .unit
        .map(UnitId)
        .filter(|u| in_scope(scope.as_deref(), *u))
    {
        what.push(format!("{}（含下属单位）", app.db().state().unit_name(u)));
    }
    app.try_audit(
        &user.login,
        &ip,
        "导出申请",
        &what.join(" · "),
        &format!("{} 件（共 {} 件），身份证号脱敏", rows.len(), page.total),
    )?;
    let today = app.today();
    Ok(crate::reports::service::xlsx_response(
        &t,
        &format!("applications-{today}.xlsx"),
        &format!("申请_{today}.xlsx"),
    )?)
}

#[derive(Template)]
#[template(path = "applications/application.html")]
struct ApplicationPage {
    l: Layout,
    a: ApplicationView,
    error: Option<String>,
    can_approve: bool,
    can_review: bool,
    is_owner: bool,
    suggested_doc: String,
    /// The 文号 in the approval form: what was typed (after a refusal), else
    /// the office's next number.
    doc_value: String,
    same_doc: bool,
    /// Just acted on: show the outcome.
    done: bool,
    /// For the reviewer and approver of a pending application: what approving
    /// it would do to the ledger now.
    check: Option<ApprovalCheck>,
    fields: Vec<(String, String)>,
}

/// What approving an application would do, tried on a copy of the ledger.
struct ApprovalCheck {
    /// The ledger's refusal, or `None` when it would take it.
    refusal: Option<String>,
    /// Accounts touched: unit, 编制, 可用空编 before → after.
    accounts: Vec<(String, String, i32, i32)>,
    /// The plan line used, and what is left of it now.
    plan: Option<(String, i32)>,
}

fn approval_check(app: &App, input: &ApplicationInput) -> ApprovalCheck {
    let db = app.db();
    let st = db.state();
    let plan = input
        .plan_line
        .and_then(|n| st.plan_line(PlanLineId(n)))
        .map(|l| {
            (
                format!(
                    "第 {} 号（{} 年度 {} {}）",
                    l.id.0,
                    l.year,
                    l.channel,
                    st.qtype_name(l.qtype)
                ),
                l.remaining(),
            )
        });
    let p = match bianzhi_casework::application::prepare(st, None, None, input) {
        Err(e) => {
            return ApprovalCheck {
                refusal: Some(e.to_string()),
                accounts: Vec::new(),
                plan,
            }
        }
        Ok(p) => p,
    };
    let today = app.today();
    let effective = p.effective.unwrap_or(today);
    let m = bianzhi_core::Matter {
        doc: bianzhi_casework::assess::placeholder_doc(effective.year()),
        effective,
        recorded_at: app.now(),
        actor: "审批预检".into(),
        reason: p.reason,
        ops: p.ops,
        warnings: Vec::new(),
        attachments: Vec::new(),
        corrects: None,
        supplements: None,
    };
    let pv = bianzhi_casework::preview::preview(db.ledger(), m, app.now());
    ApprovalCheck {
        refusal: pv.refusal.clone(),
        accounts: pv
            .accounts
            .iter()
            .map(|x| {
                (
                    x.unit.clone(),
                    x.account.clone(),
                    x.available.0.max(0),
                    x.available.1.max(0),
                )
            })
            .collect(),
        plan,
    }
}

fn input_fields(i: &ApplicationInput, st: &bianzhi_core::State) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    let mut push = |k: &str, x: Option<String>| {
        if let Some(x) = x.filter(|s| !s.is_empty()) {
            v.push((k.to_string(), x));
        }
    };
    push("姓名", i.name.clone());
    push(
        "身份证号",
        i.id_number.as_deref().map(|s| {
            bianzhi_core::ident::parse_id_number(s)
                .map(|n| n.mask())
                .unwrap_or_else(|_| s.to_string())
        }),
    );
    push(
        "人员",
        i.person
            .as_deref()
            .map(|s| match crate::ledger::find_person(st, s) {
                Ok(pid) => st
                    .person(pid)
                    .map(|p| format!("{}（{}）", p.details.name, p.details.id_number.mask()))
                    .unwrap_or_default(),
                Err(_) => s.to_string(),
            }),
    );
    push("编制类型", i.qtype.clone());
    push("经费形式", i.funding.clone());
    push(
        "用编计划",
        i.plan_line.map(|n| match st.plan_line(PlanLineId(n)) {
            Some(l) => format!(
                "第 {n} 号：{} 年度 {} {} 计划 {} 名，已用 {}",
                l.year,
                l.channel,
                st.qtype_name(l.qtype),
                l.approved,
                l.used
            ),
            None => format!("第 {n} 号"),
        }),
    );
    push("人员身份", i.identity.clone());
    push("民族", i.ethnicity.clone());
    push("学历", i.education.clone());
    push("政治面貌", i.political.clone());
    push("职务职级", i.position.clone());
    push("参加工作时间", i.work_start.clone());
    push("出编原因", i.leave_reason.clone());
    push(
        "调入单位",
        i.to_unit.as_ref().map(|u| match u {
            crate::ledger::UnitKey::Id(id) => st.unit_name(UnitId(*id)),
            crate::ledger::UnitKey::Name(n) => n.clone(),
        }),
    );
    push("职数类别", i.post_kind.clone());
    push("职务名称", i.title.clone());
    push("拟生效日期", i.effective.clone());
    push("事由", i.reason.clone());
    v
}

fn application_page(
    app: &App,
    user: &User,
    id: i64,
    error: Option<String>,
    posted: Option<&[(String, String)]>,
) -> Result<ApplicationPage, WebError> {
    let (rec, events) = app.load_application(user, id)?;
    let a = app.application_view(&rec, &events);
    let fields = input_fields(&a.input, app.db().state());
    let year = app.today().year();
    Ok(ApplicationPage {
        l: Layout::new(
            app,
            user,
            "applications",
            format!("申请 #{id}"),
            Url {
                path: format!("/applications/{id}"),
                params: vec![],
            },
            None,
        ),
        can_approve: user.can_approve() && a.status == "submitted",
        can_review: user.can_review() && a.status == "submitted",
        is_owner: user.can_apply(),
        suggested_doc: {
            let (settings, _) = app.case_settings()?;
            settings
                .suggested_doc(year)
                .unwrap_or_else(|| settings.doc_example(year))
        },
        doc_value: match posted {
            Some(f) => field(f, "doc").to_string(),
            None => app.next_doc()?.unwrap_or_default(),
        },
        same_doc: posted.is_some_and(|f| field(f, "same_doc") == "on"),
        done: false,
        check: None,
        fields,
        a,
        error,
    })
}

async fn application(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let mut page = application_page(&app, &user, id, None, None)?;
    // After an action: say what happened.
    page.done = p.get("done").is_some();
    if page.a.status == "submitted" && (page.can_approve || page.can_review) {
        let input = app.submitted_input(&user, id)?;
        page.check = Some(approval_check(&app, &input));
    }
    render(&page)
}

async fn application_action(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let app2 = app.clone();
    let u2 = user.clone();
    let f2 = form.clone();
    let r = blocking(move || match action.as_str() {
        "approve" => {
            let eff = field(&f2, "effective");
            app2.approve_application(
                &u2,
                id,
                field(&f2, "doc"),
                field(&f2, "same_doc") == "on",
                (!eff.is_empty()).then_some(eff),
                field(&f2, "comment"),
            )
        }
        "return" => app2.return_application(&u2, id, field(&f2, "comment")),
        "withdraw" => app2.withdraw_application(&u2, id),
        _ => Err(WebError::NotFound("没有这个操作".into())),
    })
    .await;
    match r {
        Ok(v) => {
            let verb = match v.status.as_str() {
                "approved" => "批准",
                "returned" => "退回",
                "withdrawn" => "撤回",
                _ => "处理",
            };
            Ok(with_note(
                Redirect::to(&format!("/applications/{id}?done=1")).into_response(),
                crate::applications::service::audit_note(verb, &v),
            ))
        }
        Err(
            e @ (WebError::Internal(_)
            | WebError::Csrf
            | WebError::Forbidden(_)
            | WebError::NotFound(_)),
        ) => Err(e.into()),
        Err(e) => {
            let status = e.status();
            render_status(
                status,
                &application_page(&app, &user, id, Some(e.to_string()), Some(&form))?,
            )
            .map(|r| with_refusal(r, &e))
        }
    }
}

#[derive(Template)]
#[template(path = "applications/application_new.html")]
struct ApplicationNewPage {
    l: Layout,
    kind: String,
    kinds: Vec<(&'static str, &'static str)>,
    error: Option<String>,
    f: FormValues,
    units: Vec<(u32, String)>,
    plan_lines: Vec<(u32, String)>,
    qtypes: Vec<String>,
    fundings: Vec<String>,
    identities: Vec<&'static str>,
    leave_reasons: Vec<&'static str>,
    post_kinds: Vec<&'static str>,
    /// 民族, 政治面貌, 学历: the canonical names of their code tables.
    ethnicities: Vec<&'static str>,
    politicals: Vec<&'static str>,
    educations: Vec<&'static str>,
    all_units: Vec<(u32, String)>,
    action: String,
}

fn new_app_page(
    app: &App,
    user: &User,
    kind: &str,
    action: String,
    error: Option<String>,
    f: HashMap<String, String>,
) -> ApplicationNewPage {
    let date = app.today();
    let scope = app.scope(user, date);
    let l = Layout::new(
        app,
        user,
        "applications",
        "提交申请",
        Url {
            path: "/applications/new".into(),
            params: vec![],
        },
        None,
    );
    let db = app.db();
    let st = db.state();
    let units: Vec<(u32, String)> = bianzhi_core::query::units_at(st, date)
        .into_iter()
        .filter(|u| in_scope(scope.as_deref(), u.id))
        .map(|u| (u.id.0, u.name.clone()))
        .collect();
    let plan_lines = st
        .plan_lines
        .iter()
        .flatten()
        .filter(|l| l.year == date.year() && l.remaining() > 0)
        .map(|l| {
            (
                l.id.0,
                format!(
                    "第 {} 号｜{}｜{} 年度{}｜{}｜剩余 {} 名",
                    l.id,
                    st.unit_name(l.unit),
                    l.year,
                    l.channel,
                    st.qtype_name(l.qtype),
                    l.remaining()
                ),
            )
        })
        .filter(|(_, _)| true)
        .collect::<Vec<_>>();
    let all_units = bianzhi_core::query::units_at(st, date)
        .into_iter()
        .map(|u| (u.id.0, u.name.clone()))
        .collect();
    ApplicationNewPage {
        l,
        kind: kind.to_string(),
        kinds: ApplicationKind::ALL
            .iter()
            .map(|k| (k.code(), k.label()))
            .collect(),
        error,
        f: FormValues(f),
        units,
        plan_lines,
        qtypes: st.quota_types.iter().map(|q| q.name.clone()).collect(),
        fundings: st.funding_forms.iter().map(|q| q.name.clone()).collect(),
        identities: StaffIdentity::ALL.iter().map(|k| k.label()).collect(),
        leave_reasons: LeaveReason::ALL.iter().map(|k| k.label()).collect(),
        post_kinds: PostKind::ALL.iter().map(|k| k.label()).collect(),
        ethnicities: bianzhi_core::codes::ETHNICITY.names().collect(),
        politicals: bianzhi_core::codes::POLITICAL.names().collect(),
        educations: bianzhi_core::codes::EDUCATION.names().collect(),
        all_units,
        action,
    }
}

async fn application_new(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    user.require(user.can_apply(), "提交申请（仅单位经办可提交本单位的申请）")?;
    let kind = p
        .get("kind")
        .and_then(ApplicationKind::parse)
        .unwrap_or(ApplicationKind::Hire);
    let mut f: HashMap<String, String> = HashMap::new();
    if let Some(u) = p.get("unit") {
        f.insert("unit".into(), u.into());
    } else if let Some(u) = user.unit {
        f.insert("unit".into(), u.0.to_string());
    }
    if let Some(x) = p.get("person") {
        f.insert("person".into(), x.into());
    }
    f.insert("identity".into(), "事业人员".into());
    f.insert("qtype".into(), "事业编制".into());
    f.insert("funding".into(), "全额拨款".into());
    render(&new_app_page(
        &app,
        &user,
        kind.code(),
        "/applications/new".into(),
        None,
        f,
    ))
}

/// A form's fields as an [`ApplicationInput`].
fn form_input(form: &[(String, String)]) -> Result<ApplicationInput, WebError> {
    let mut o = serde_json::Map::new();
    for (k, v) in form {
        let v = v.trim();
        if k.starts_with('_') || v.is_empty() {
            continue;
        }
        let val: serde_json::Value = match k.as_str() {
            "plan_line" | "body" => v
                .parse::<u32>()
                .map(Into::into)
                .unwrap_or_else(|_| v.into()),
            "unit" | "to_unit" => v
                .parse::<u32>()
                .map(Into::into)
                .unwrap_or_else(|_| v.into()),
            "exempt" => (v == "on" || v == "true" || v == "1").into(),
            _ => v.into(),
        };
        o.insert(k.clone(), val);
    }
    crate::http::json::from_value(serde_json::Value::Object(o))
}

async fn application_submit(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let f: HashMap<String, String> = form.iter().cloned().collect();
    let kind = f.get("kind").cloned().unwrap_or_else(|| "hire".into());
    let app2 = app.clone();
    let u2 = user.clone();
    let r = match form_input(&form) {
        Ok(input) => blocking(move || app2.submit_application(&u2, input)).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(v) => Ok(with_note(
            Redirect::to(&format!("/applications/{}?done=1", v.id)).into_response(),
            crate::applications::service::audit_note("提交", &v),
        )),
        Err(e @ (WebError::Internal(_) | WebError::Csrf)) => Err(e.into()),
        Err(e) => {
            let status = e.status();
            // The form comes back with what its user typed, 身份证号 included.
            render_status(
                status,
                &new_app_page(
                    &app,
                    &user,
                    &kind,
                    "/applications/new".into(),
                    Some(e.to_string()),
                    f,
                ),
            )
            .map(crate::http::hardening::full_id_numbers)
        }
    }
}

async fn application_edit(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    user.require(user.can_apply(), "修改申请")?;
    let (rec, _) = app.load_application(&user, id)?;
    let v = serde_json::to_value(app.application_view(&rec, &[]).input).unwrap_or_default();
    let f: HashMap<String, String> = v
        .as_object()
        .map(|o| {
            o.iter()
                .map(|(k, v)| {
                    (
                        k.clone(),
                        v.as_str()
                            .map(str::to_string)
                            .unwrap_or_else(|| v.to_string()),
                    )
                })
                .collect()
        })
        .unwrap_or_default();
    render(&new_app_page(
        &app,
        &user,
        &rec.kind,
        format!("/applications/{id}/resubmit"),
        None,
        f,
    ))
}

async fn application_resubmit(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let f: HashMap<String, String> = form.iter().cloned().collect();
    let kind = f.get("kind").cloned().unwrap_or_else(|| "hire".into());
    let app2 = app.clone();
    let u2 = user.clone();
    let r = match form_input(&form) {
        Ok(input) => blocking(move || app2.resubmit_application(&u2, id, input)).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(v) => Ok(with_note(
            Redirect::to(&format!("/applications/{id}?done=1")).into_response(),
            crate::applications::service::audit_note("重新提交", &v),
        )),
        Err(e @ (WebError::Internal(_) | WebError::Csrf | WebError::Forbidden(_))) => Err(e.into()),
        Err(e) => render_status(
            e.status(),
            &new_app_page(
                &app,
                &user,
                &kind,
                format!("/applications/{id}/resubmit"),
                Some(e.to_string()),
                f,
            ),
        )
        .map(crate::http::hardening::full_id_numbers),
    }
}

/// The 申请 pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/applications", get(applications))
        .route("/applications/xlsx", get(applications_xlsx))
        .route(
            "/applications/new",
            get(application_new).post(application_submit),
        )
        .route("/applications/{id}", get(application))
        .route("/applications/{id}/edit", get(application_edit))
        .route("/applications/{id}/resubmit", post(application_resubmit))
        .route("/applications/{id}/{action}", post(application_action))
}
