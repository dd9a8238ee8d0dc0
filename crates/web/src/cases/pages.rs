//! Pages of the closed loop (机构编制事项办理, 问题台账, 办理时限设置); the logic
//! is in [`crate::cases`].

use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, OriginalUri, Path, State};
use axum::http::header;
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use bianzhi_casework::{
    stage_deadline, Action, Actor, Assessment, Calendar, Case, Draft, Limits, Problem,
    ProblemAction, ProblemSource, ProblemStatus, Stage,
};
use bianzhi_core::Op;
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::cases::service::*;
use crate::prelude::*;
use std::collections::HashMap;

fn layout(
    app: &App,
    user: &User,
    nav: &'static str,
    title: impl Into<String>,
    path: &str,
) -> Layout {
    Layout::new(
        app,
        user,
        nav,
        title,
        Url {
            path: path.into(),
            params: vec![],
        },
        None,
    )
}

/// Errors a clerk can correct are shown on the page they came from.
fn correctable(e: &WebError) -> bool {
    !matches!(
        e,
        WebError::Internal(_)
            | WebError::Csrf
            | WebError::Forbidden(_)
            | WebError::NotFound(_)
            | WebError::Unauthorized
    )
}

/// Beijing date of an instant.
fn bj_date(at: DateTime<Utc>) -> String {
    bianzhi_core::beijing::date_of(at).to_string()
}

// ---------------------------------------------------------------- list

#[derive(Template)]
#[template(path = "cases/cases.html")]
struct CasesPage {
    l: Layout,
    rows: Vec<CaseRow>,
    page: PageInfo,
    /// Units the user may filter by.
    units: Vec<(u32, String)>,
    stage: String,
    overdue: bool,
    stages: Vec<(&'static str, &'static str)>,
    can_propose: bool,
    can_settings: bool,
}

impl CasesPage {
    fn on(&self, code: &str) -> bool {
        self.stage == code
    }
}

/// A unit and every unit below it (today).
fn subtree_of(app: &App, unit: u32) -> Vec<bianzhi_core::UnitId> {
    let db = app.db();
    bianzhi_core::query::subtree(db.state(), bianzhi_core::UnitId(unit), app.today())
}

/// The filters of the 事项办理 list: 环节, 已逾期, search, unit (with the
/// units below it).
struct CaseFilter {
    stage: Option<Stage>,
    overdue: bool,
    q: Option<String>,
    unit: Option<u32>,
}

fn case_filter(p: &Params) -> Result<CaseFilter, WebError> {
    let stage = match p.get("stage").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            Stage::parse(s)
                .ok_or_else(|| WebError::invalid("bad_parameter", format!("环节“{s}”无效")))?,
        ),
    };
    Ok(CaseFilter {
        stage,
        overdue: p.flag("overdue")?,
        q: p.get("q").map(str::to_string),
        unit: p.u32("unit")?,
    })
}

/// The cases the user may see that the filter selects, newest first.
fn case_list(app: &App, user: &User, f: &CaseFilter) -> Result<Vec<CaseRow>, WebError> {
    let mut rows = app.case_rows(user, f.stage)?;
    if f.overdue {
        rows.retain(|r| r.late > 0);
    }
    if let Some(u) = f.unit {
        let under = subtree_of(app, u);
        rows.retain(|r| r.case.unit.is_some_and(|x| under.contains(&x)));
    }
    if let Some(q) = &f.q {
        rows.retain(|r| {
            r.case.title.contains(q.as_str())
                || r.case.unit_name.contains(q.as_str())
                || r.case.proposer.contains(q.as_str())
        });
    }
    Ok(rows)
}

async fn cases(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let f = case_filter(&p)?;
    let (stage, overdue) = (f.stage, f.overdue);
    let pager = p.pager(50)?;
    let (a2, u2) = (app.clone(), user.clone());
    let rows = blocking(move || case_list(&a2, &u2, &f)).await?;
    let units = crate::ledger::units_in_scope(&app, &user);
    let (rows, page) = pager.slice(rows);
    render(&CasesPage {
        l: Layout::new(
            &app,
            &user,
            "cases",
            "事项办理",
            Url::new(uri.path(), &p),
            None,
        ),
        rows,
        page,
        units,
        stage: stage.map(|s| s.code().to_string()).unwrap_or_default(),
        overdue,
        stages: Stage::ALL.iter().map(|s| (s.code(), s.label())).collect(),
        can_propose: app.case_actor(&user).is_some(),
        can_settings: user.can_review(),
    })
}

// ---------------------------------------------------------------- propose / revise

#[derive(Template)]
#[template(path = "cases/case_new.html")]
struct CaseFormPage {
    l: Layout,
    error: Option<String>,
    action: String,
    editing: bool,
    f: FormValues,
    units: Vec<(u32, String)>,
    /// The operation editor.
    ops: Vec<crate::opform::OpView>,
    menu: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
    unit_names: Vec<(String, String)>,
}

fn case_form(
    app: &App,
    user: &User,
    action: String,
    editing: bool,
    error: Option<String>,
    f: HashMap<String, String>,
) -> CaseFormPage {
    let l = layout(
        app,
        user,
        "cases",
        if editing {
            "修改动议"
        } else {
            "提出动议"
        },
        &action,
    );
    let today = app.today();
    let scope = app.scope(user, today);
    let db = app.db();
    let st = db.state();
    let units = bianzhi_core::query::units_at(st, today)
        .into_iter()
        .filter(|u| {
            scope
                .as_deref()
                .is_none_or(|s| s.binary_search(&u.id).is_ok())
        })
        .map(|u| (u.id.0, u.name.clone()))
        .collect();
    let choices = crate::opform::Choices::of(st, scope.as_deref(), today);
    CaseFormPage {
        l,
        error,
        action,
        editing,
        ops: crate::opform::views(&f, &choices),
        f: FormValues(f),
        units,
        menu: crate::opform::menu(),
        unit_names: choices.units,
    }
}

async fn case_new(State(app): State<AppState>, PageUser(user): PageUser) -> PageResult {
    if app.case_actor(&user).is_none() {
        return Err(WebError::Forbidden(format!("{}无权提出动议", user.name)).into());
    }
    let mut f = HashMap::new();
    f.insert("effective".into(), app.today().to_string());
    f.insert("n".into(), "0".into());
    render(&case_form(&app, &user, "/cases/new".into(), false, None, f))
}

/// The proposed change from the form: the structured operation, or the
/// operations written as JSON (which win when given).
fn draft_from_form(f: &HashMap<String, String>) -> Result<Draft, WebError> {
    let g = |k: &str| f.get(k).map(|s| s.trim().to_string()).unwrap_or_default();
    let effective = parse_date(&g("effective"))?;
    let ops = crate::ledger::parse_ops(crate::opform::ops_of(f)?)?;
    Ok(Draft {
        reason: g("reason"),
        effective,
        ops,
    })
}

/// Adding or removing an operation: the form comes back with what was typed.
fn edit_ops(
    app: &App,
    user: &User,
    action: String,
    editing: bool,
    f: &mut HashMap<String, String>,
) -> Option<PageResult> {
    let what = f.get("action").cloned().unwrap_or_default();
    if what == "add" {
        let code = f.get("add_op").cloned().unwrap_or_default();
        let error = crate::opform::add(f, &code).err().map(|e| e.to_string());
        return Some(render(&case_form(
            app,
            user,
            action,
            editing,
            error,
            f.clone(),
        )));
    }
    if let Some(i) = what.strip_prefix("remove").and_then(|i| i.parse().ok()) {
        crate::opform::remove(f, i);
        return Some(render(&case_form(
            app,
            user,
            action,
            editing,
            None,
            f.clone(),
        )));
    }
    None
}

fn form_map(form: &[(String, String)]) -> HashMap<String, String> {
    form.iter().cloned().collect()
}

fn opt_unit(f: &HashMap<String, String>) -> Option<u32> {
    f.get("unit").and_then(|s| s.trim().parse().ok())
}

async fn case_create(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let mut f = form_map(&form);
    if let Some(r) = edit_ops(&app, &user, "/cases/new".into(), false, &mut f) {
        return r;
    }
    let (a2, u2, f2) = (app.clone(), user.clone(), f.clone());
    let r = blocking(move || {
        let draft = draft_from_form(&f2)?;
        a2.propose_case(
            &u2,
            f2.get("title").map(String::as_str).unwrap_or(""),
            f2.get("reasons").map(String::as_str).unwrap_or(""),
            opt_unit(&f2),
            draft,
        )
    })
    .await;
    match r {
        Ok(id) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e) if correctable(&e) => render(&case_form(
            &app,
            &user,
            "/cases/new".into(),
            false,
            Some(e.to_string()),
            f,
        )),
        Err(e) => Err(e.into()),
    }
}

/// The form's fields for an existing case, its operations in the editor.
fn case_fields(c: &Case, version: i64, st: &bianzhi_core::State) -> HashMap<String, String> {
    let mut f = HashMap::new();
    f.insert("title".into(), c.title.clone());
    f.insert("reasons".into(), c.reasons.clone());
    f.insert("reason".into(), c.draft.reason.clone());
    f.insert("effective".into(), c.draft.effective.to_string());
    if let Some(u) = c.unit {
        f.insert("unit".into(), u.0.to_string());
    }
    f.extend(crate::opform::fields_of(&c.draft.ops, st));
    f.insert("version".into(), version.to_string());
    f
}

async fn case_edit(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    let s = app.load_case(&user, id)?;
    let fields = {
        let db = app.db();
        case_fields(&s.item, s.version, db.state())
    };
    render(&case_form(
        &app,
        &user,
        format!("/cases/{id}/edit"),
        true,
        None,
        fields,
    ))
}

fn version_of(f: &HashMap<String, String>) -> Result<i64, WebError> {
    f.get("version")
        .and_then(|v| v.trim().parse().ok())
        .ok_or_else(|| WebError::invalid("missing_field", "缺少版本号，请刷新页面后重试"))
}

async fn case_revise(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let mut f = form_map(&form);
    if let Some(r) = edit_ops(&app, &user, format!("/cases/{id}/edit"), true, &mut f) {
        return r;
    }
    let (a2, u2, f2) = (app.clone(), user.clone(), f.clone());
    let r = blocking(move || {
        let draft = draft_from_form(&f2)?;
        a2.revise_case(
            &u2,
            id,
            version_of(&f2)?,
            f2.get("title").map(String::as_str).unwrap_or(""),
            f2.get("reasons").map(String::as_str).unwrap_or(""),
            draft,
        )
    })
    .await;
    match r {
        Ok(()) => Ok(Redirect::to(&format!("/cases/{id}")).into_response()),
        Err(e) if correctable(&e) => render(&case_form(
            &app,
            &user,
            format!("/cases/{id}/edit"),
            true,
            Some(e.to_string()),
            f,
        )),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- one case

/// A step of the progress bar.
struct Step {
    label: &'static str,
    state: &'static str,
}

/// The assessment prepared for display.
struct AssessView {
    a: Assessment,
    current: bool,
    dry_ok: bool,
    dry_text: Vec<String>,
}

#[derive(Template)]
#[template(path = "cases/case.html")]
struct CasePage {
    l: Layout,
    c: Case,
    version: i64,
    error: Option<String>,
    steps: Vec<Step>,
    ops: Vec<(String, String)>,
    deadline: Option<NaiveDate>,
    late: bool,
    assess: Option<AssessView>,
    proposer_side: bool,
    office: bool,
    leader: bool,
    can_download: bool,
    ratings: Vec<&'static str>,
    bodies: Vec<&'static str>,
    matter_seq: Option<u64>,
    today: String,
    /// An example 文号 with the office's 机关代字.
    doc_example: String,
}

impl CasePage {
    fn t(&self, at: &DateTime<Utc>) -> String {
        crate::state::fmt_time(*at)
    }
    fn d(&self, at: &DateTime<Utc>) -> String {
        bj_date(*at)
    }
    fn stage_is(&self, code: &str) -> bool {
        self.c.stage.code() == code
    }
    fn can_attach(&self) -> bool {
        self.c.stage.is_open()
            && (self.office || (self.proposer_side && self.c.stage == Stage::Proposal))
    }
}

/// A short Chinese line for an operation of a draft.
fn op_line(st: &bianzhi_core::State, op: &Op) -> String {
    let v = serde_json::to_value(op).unwrap_or_default();
    let s = |k: &str| -> String {
        match v.get(k) {
            Some(serde_json::Value::String(s)) => s.clone(),
            Some(serde_json::Value::Number(n)) => n
                .as_u64()
                .and_then(|n| u32::try_from(n).ok())
                .and_then(|n| st.unit(bianzhi_core::UnitId(n)))
                .map_or_else(|| format!("第 {n} 号单位"), |u| u.name.clone()),
            Some(other) if !other.is_null() => other.to_string(),
            _ => String::new(),
        }
    };
    let n = |k: &str| v.get(k).and_then(|x| x.as_i64()).unwrap_or(0);
    match op {
        Op::IncreaseQuota { .. } | Op::DecreaseQuota { .. } | Op::SetQuota { .. } => format!(
            "{}：{} {}（{}）{} 名",
            op.label(),
            s("unit"),
            s("qtype"),
            s("funding"),
            n("count")
        ),
        Op::TransferQuota { .. } => format!(
            "划转编制：从 {} 划入 {}，{}（{}）{} 名",
            s("from"),
            s("to"),
            s("qtype"),
            s("funding"),
            n("count")
        ),
        Op::SetPosts { kind, .. } => {
            format!(
                "核定领导职数：{} {} {} 名",
                s("unit"),
                kind.label(),
                n("count")
            )
        }
        Op::RenameUnit { name, .. } => format!("更名：{} 更名为 {name}", s("unit")),
        Op::SetRank { rank, .. } => format!("调整规格：{} 调整为 {}", s("unit"), rank.label()),
        Op::AddSecondName { name, .. } => format!("挂牌：{} 加挂“{name}”牌子", s("unit")),
        Op::CreateUnit(nu) => format!(
            "设立：{}（{}，{}）{}",
            nu.name,
            nu.kind.label(),
            nu.rank.label(),
            if nu.parent.is_some() {
                format!("，主管部门 {}", s("parent"))
            } else {
                String::new()
            }
        ),
        _ => format!("{}：{}", op.label(), v),
    }
}

fn case_page(app: &App, user: &User, id: i64, error: Option<String>) -> Result<CasePage, WebError> {
    let s = app.load_case(user, id)?;
    let mut c = s.item;
    crate::cases::service::redact_for(user, &mut c);
    let (settings, _) = app.case_settings()?;
    let actor = app.case_actor(user);
    let scope = app.scope(user, app.today());
    let in_scope =
        |u: bianzhi_core::UnitId| scope.as_deref().is_none_or(|s| s.binary_search(&u).is_ok());
    let proposer_side = actor
        .as_ref()
        .is_some_and(|a| c.is_proposer_side(a, &in_scope));
    let office = actor.as_ref().is_some_and(Actor::is_office);
    let leader = matches!(actor, Some(Actor::OfficeLeader));
    let main = [
        Stage::Proposal,
        Stage::Assessment,
        Stage::Decision,
        Stage::Implementation,
        Stage::FollowUp,
    ];
    let pos = main.iter().position(|s| *s == c.stage);
    let steps = main
        .iter()
        .enumerate()
        .map(|(i, s)| Step {
            label: s.label(),
            state: match (pos, c.stage) {
                (Some(p), _) if i < p => "done",
                (Some(p), _) if i == p => "current",
                (None, Stage::Closed) => "done",
                _ => "todo",
            },
        })
        .collect();
    let deadline = stage_deadline(&c, &settings.limits, &settings.calendar);
    let next = app.db().ledger().next_seq();
    let assess = c.assessment.clone().map(|a| AssessView {
        current: a.is_current(next),
        dry_ok: a.dry_run.is_ok(),
        dry_text: match &a.dry_run {
            Ok(w) => w.clone(),
            Err(e) => vec![e.clone()],
        },
        a,
    });
    let doc_example = settings.doc_example(app.today().year());
    Ok(CasePage {
        doc_example,
        l: layout(
            app,
            user,
            "cases",
            format!("事项 {}", c.title),
            &format!("/cases/{id}"),
        ),
        ops: {
            let db = app.db();
            c.draft
                .ops
                .iter()
                .map(|o| (o.label().to_string(), op_line(db.state(), o)))
                .collect()
        },
        late: deadline.is_some_and(|d| app.today() > d),
        deadline,
        matter_seq: c.implemented.as_ref().map(|i| i.seq),
        can_download: user.can_review() || proposer_side,
        version: s.version,
        error,
        steps,
        assess,
        proposer_side,
        office,
        leader,
        ratings: bianzhi_casework::case::RATINGS.to_vec(),
        bodies: if c.decided_by_upper {
            vec!["上级编委", "上级编委办公室"]
        } else {
            vec!["编委会议", "编办主任办公会", "上级编委"]
        },
        today: app.today().to_string(),
        c,
    })
}

async fn case_show(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    let (a2, u2) = (app.clone(), user.clone());
    let page = blocking(move || case_page(&a2, &u2, id, None)).await?;
    render(&page)
}

/// The action a form posts, with its fields.
fn command(action: &str, f: &[(String, String)]) -> Result<CaseCommand, WebError> {
    let text = |k: &str| field(f, k).to_string();
    Ok(CaseCommand::Plain(Box::new(match action {
        "submit" => Action::Submit,
        "withdraw" => Action::Withdraw,
        "opinion" => Action::Opinion {
            dept: text("dept"),
            text: text("text"),
        },
        "assess" => return Ok(CaseCommand::Assess),
        "send" => Action::SendToDecision,
        "return" => Action::Return {
            comment: text("comment"),
        },
        "decide" => Action::Decide {
            approved: field(f, "approved") == "yes",
            body: text("body"),
            meeting: text("meeting"),
            doc_no: text("doc_no"),
            date: parse_date(field(f, "date"))?,
        },
        "implement" => return Ok(CaseCommand::Implement),
        "evaluate" => Action::Evaluate {
            findings: text("findings"),
            rating: text("rating"),
        },
        _ => return Err(WebError::NotFound("没有这个操作".into())),
    })))
}

async fn case_act(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2) = (app.clone(), user.clone());
    let r = blocking(move || {
        let cmd = command(&action, &form)?;
        let version = version_of(&form_map(&form))?;
        a2.case_act(&u2, id, version, cmd)
    })
    .await;
    after_case_write(&app, &user, id, r).await
}

/// After a write: on to `to`, or the same page again showing an error the
/// clerk can correct (with its status code).
async fn after_write<T, P, F>(
    app: &AppState,
    user: &User,
    to: String,
    r: Result<T, WebError>,
    page: F,
) -> PageResult
where
    P: Template + Send + 'static,
    F: FnOnce(&App, &User, Option<String>) -> Result<P, WebError> + Send + 'static,
{
    match r {
        Ok(_) => Ok(Redirect::to(&to).into_response()),
        Err(e) if correctable(&e) => {
            let status = e.status();
            let (a2, u2) = (app.clone(), user.clone());
            let msg = e.to_string();
            let p = blocking(move || page(&a2, &u2, Some(msg))).await?;
            render_status(status, &p)
        }
        Err(e) => Err(e.into()),
    }
}

async fn after_case_write<T>(
    app: &AppState,
    user: &User,
    id: i64,
    r: Result<T, WebError>,
) -> PageResult {
    after_write(app, user, format!("/cases/{id}"), r, move |a, u, e| {
        case_page(a, u, id, e)
    })
    .await
}

async fn case_upload(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let up = crate::http::upload::read(mp).await?;
    let field = |k: &str| up.fields.get(k).cloned().unwrap_or_default();
    check_csrf(&user, &[("_csrf".to_string(), field("_csrf"))])?;
    let version = field("version");
    let file = up.file;
    let (a2, u2) = (app.clone(), user.clone());
    let r = blocking(move || {
        let (name, data) =
            file.ok_or_else(|| WebError::invalid("missing_field", "请选择要上传的文件"))?;
        let version: i64 = version
            .trim()
            .parse()
            .map_err(|_| WebError::invalid("missing_field", "缺少版本号，请刷新页面后重试"))?;
        let digest = a2.attach_to_case(&u2, id, version, &name, &data)?;
        Ok((name, data.len(), digest))
    })
    .await;
    if let Ok((name, size, digest)) = &r {
        // The digest goes into the hash-chained audit trail at once (and into
        // the journal with the matter at 组织实施).
        app.audit(
            &user.login,
            &ip,
            "上传事项附件",
            &format!("事项 {id}"),
            &format!("{name}（{size} 字节，SM3 {digest}）"),
        );
    }
    after_case_write(&app, &user, id, r).await
}

async fn case_download(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    Path((id, digest)): Path<(i64, String)>,
    PageQuery(p): PageQuery,
) -> Result<Response, PageError> {
    let n = p.u32("n")?.map(|n| n as usize);
    let (a2, u2, d2) = (app.clone(), user.clone(), digest.clone());
    let (name, mime, data) = blocking(move || a2.case_attachment(&u2, id, &d2, n)).await?;
    app.try_audit(
        &user.login,
        &ip,
        "下载事项附件",
        &format!("事项 {id}"),
        &format!("{name}（SM3 {digest}）"),
    )?;
    let disposition = format!(
        "attachment; filename=\"attachment\"; filename*=UTF-8''{}",
        crate::http::page::enc(&name)
    );
    Ok((
        [
            (header::CONTENT_TYPE, mime),
            (header::CONTENT_DISPOSITION, disposition),
            (header::CACHE_CONTROL, "private, no-store".to_string()),
        ],
        data,
    )
        .into_response())
}

// ---------------------------------------------------------------- problems

#[derive(Template)]
#[template(path = "cases/problems.html")]
struct ProblemsPage {
    l: Layout,
    rows: Vec<Problem>,
    page: PageInfo,
    status: String,
    statuses: Vec<(&'static str, &'static str)>,
    sources: Vec<(&'static str, &'static str)>,
    units: Vec<(u32, String)>,
    office: bool,
    error: Option<String>,
    notice: Option<String>,
    today: NaiveDate,
    /// 预警: what is about to become a problem.
    warnings: Vec<bianzhi_casework::warning::EarlyWarning>,
    /// 事业单位登记 findings: overdue clocks, 待注销, seals not collected,
    /// certificates expiring, annual reports late.
    registration: Vec<crate::registration::views::FindingRow>,
}

impl ProblemsPage {
    fn on(&self, code: &str) -> bool {
        self.status == code
    }
    fn overdue(&self, p: &Problem) -> bool {
        p.is_overdue(self.today)
    }
}

/// The problems the user may see that the list's filters select (整改状态,
/// search, unit with the units below it), overdue first; and the status.
fn problem_list(
    app: &App,
    user: &User,
    p: &Params,
) -> Result<(Vec<Problem>, Option<ProblemStatus>), WebError> {
    let status = match p.get("status").filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            ProblemStatus::parse(s)
                .ok_or_else(|| WebError::invalid("bad_parameter", format!("整改状态“{s}”无效")))?,
        ),
    };
    let mut rows = app.problems(user, status)?;
    if let Some(u) = p.u32("unit")? {
        let under = subtree_of(app, u);
        rows.retain(|r| r.unit.is_some_and(|x| under.contains(&x)));
    }
    if let Some(q) = p.get("q") {
        rows.retain(|r| {
            r.description.contains(q) || r.unit_name.contains(q) || r.responsible.contains(q)
        });
    }
    Ok((rows, status))
}

fn problems_page(
    app: &App,
    user: &User,
    p: &Params,
    error: Option<String>,
    notice: Option<String>,
) -> Result<ProblemsPage, WebError> {
    let (rows, status) = problem_list(app, user, p)?;
    let (rows, page) = p.pager(50)?.slice(rows);
    let units = crate::ledger::units_in_scope(app, user);
    let warnings = app.early_warnings(user, app.today())?;
    let registration = crate::registration::views::register_view(app, user, app.today())?.findings;
    Ok(ProblemsPage {
        warnings,
        registration,
        l: Layout::new(
            app,
            user,
            "problems",
            "问题台账",
            Url::new("/problems", p),
            None,
        ),
        rows,
        page,
        status: status.map(|s| s.code().to_string()).unwrap_or_default(),
        statuses: [
            ProblemStatus::Open,
            ProblemStatus::InProgress,
            ProblemStatus::Rectified,
            ProblemStatus::Closed,
        ]
        .iter()
        .map(|s| (s.code(), s.label()))
        .collect(),
        sources: [
            ProblemSource::Inspection,
            ProblemSource::Supervision,
            ProblemSource::Audit,
            ProblemSource::Other,
        ]
        .iter()
        .map(|s| (s.code(), s.label()))
        .collect(),
        units,
        office: user.can_review(),
        error,
        notice,
        today: app.today(),
    })
}

async fn problems(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    let (a2, u2) = (app.clone(), user.clone());
    let notice = p.get("added").map(|n| match p.get("from") {
        Some("reconcile") => format!("名单比对差异已登记到问题台账：新登记 {n} 个"),
        _ => format!("系统检查完成，新登记问题 {n} 个"),
    });
    let page = blocking(move || problems_page(&a2, &u2, &p, None, notice)).await?;
    render(&page)
}

async fn problem_create(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2, f2) = (app.clone(), user.clone(), form.clone());
    let r = blocking(move || {
        let source = ProblemSource::parse(field(&f2, "source"))
            .ok_or_else(|| WebError::invalid("invalid_field", "请选择问题来源"))?;
        a2.register_problem(
            &u2,
            field(&f2, "unit").parse().ok(),
            source,
            field(&f2, "description"),
            parse_date(field(&f2, "found_on"))?,
            parse_date(field(&f2, "deadline"))?,
            field(&f2, "responsible"),
        )
    })
    .await;
    match r {
        Ok(id) => Ok(Redirect::to(&format!("/problems/{id}")).into_response()),
        Err(e) if correctable(&e) => {
            let (a2, u2) = (app.clone(), user.clone());
            let msg = e.to_string();
            let page =
                blocking(move || problems_page(&a2, &u2, &Params::default(), Some(msg), None))
                    .await?;
            render(&page)
        }
        Err(e) => Err(e.into()),
    }
}

async fn problem_scan(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2) = (app.clone(), user.clone());
    let n = blocking(move || a2.scan_problems(&u2)).await?;
    Ok(Redirect::to(&format!("/problems?added={n}")).into_response())
}

#[derive(Template)]
#[template(path = "cases/problem.html")]
struct ProblemPage {
    l: Layout,
    p: Problem,
    version: i64,
    error: Option<String>,
    overdue: bool,
    office: bool,
    leader: bool,
    unit_side: bool,
}

impl ProblemPage {
    fn t(&self, at: &DateTime<Utc>) -> String {
        crate::state::fmt_time(*at)
    }
}

fn problem_page(
    app: &App,
    user: &User,
    id: i64,
    error: Option<String>,
) -> Result<ProblemPage, WebError> {
    let s = app.load_problem(user, id)?;
    let actor = app.case_actor(user);
    Ok(ProblemPage {
        l: layout(
            app,
            user,
            "problems",
            format!("问题 {id}"),
            &format!("/problems/{id}"),
        ),
        overdue: s.item.is_overdue(app.today()),
        office: actor.as_ref().is_some_and(Actor::is_office),
        leader: matches!(actor, Some(Actor::OfficeLeader)),
        unit_side: matches!(actor, Some(Actor::UnitClerk { .. })),
        p: s.item,
        version: s.version,
        error,
    })
}

async fn problem_show(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
) -> PageResult {
    let (a2, u2) = (app.clone(), user.clone());
    let page = blocking(move || problem_page(&a2, &u2, id, None)).await?;
    render(&page)
}

async fn problem_act(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2) = (app.clone(), user.clone());
    let r = blocking(move || {
        let act = match action.as_str() {
            "start" => ProblemAction::Start,
            "report" => ProblemAction::Report {
                text: field(&form, "text").to_string(),
            },
            "close" => ProblemAction::Close,
            "reopen" => ProblemAction::Reopen {
                comment: field(&form, "comment").to_string(),
            },
            _ => return Err(WebError::NotFound("没有这个操作".into())),
        };
        a2.problem_act(&u2, id, version_of(&form_map(&form))?, act)
    })
    .await;
    after_write(&app, &user, format!("/problems/{id}"), r, move |a, u, e| {
        problem_page(a, u, id, e)
    })
    .await
}

// ---------------------------------------------------------------- settings

#[derive(Template)]
#[template(path = "cases/case_settings.html")]
struct SettingsPage {
    l: Layout,
    s: CaseSettings,
    version: String,
    calendar: String,
    unit_limits: String,
    suffixes: String,
    doc_prefix: String,
    hire_with_onboard: bool,
    error: Option<String>,
    saved: bool,
}

fn settings_page(
    app: &App,
    user: &User,
    error: Option<String>,
    saved: bool,
    form: Option<&[(String, String)]>,
) -> Result<SettingsPage, WebError> {
    user.require(user.can_review(), "查看办理时限设置（仅编办）")?;
    let (s, version) = app.case_settings()?;
    let mut page = SettingsPage {
        l: layout(app, user, "cases", "办理设置", "/settings/casework"),
        version: version.map(|v| v.to_string()).unwrap_or_default(),
        calendar: s.calendar.to_text(),
        unit_limits: s
            .assess
            .unit_limits
            .iter()
            .map(|(k, v)| format!("{k} {v}\n"))
            .collect(),
        suffixes: s.assess.name_suffixes.join(" "),
        doc_prefix: s.doc_prefix.clone(),
        hire_with_onboard: s.hire_with_onboard,
        s,
        error,
        saved,
    };
    if let Some(f) = form {
        page.calendar = field(f, "calendar").to_string();
        page.unit_limits = field(f, "unit_limits").to_string();
        page.suffixes = field(f, "suffixes").to_string();
        page.doc_prefix = field(f, "doc_prefix").to_string();
        page.hire_with_onboard = field(f, "hire_with_onboard") == "on";
    }
    Ok(page)
}

async fn settings(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    render(&settings_page(
        &app,
        &user,
        None,
        p.get("saved").is_some(),
        None,
    )?)
}

fn settings_from_form(
    base: &CaseSettings,
    f: &[(String, String)],
) -> Result<CaseSettings, WebError> {
    let days = |k: &str, what: &str| -> Result<u32, WebError> {
        field(f, k)
            .parse::<u32>()
            .ok()
            .filter(|n| (1..=365).contains(n))
            .ok_or_else(|| {
                WebError::invalid("invalid_field", format!("{what}应为 1 到 365 之间的整数"))
            })
    };
    let calendar = Calendar::parse(field(f, "calendar"))
        .map_err(|e| WebError::invalid("invalid_field", e.to_string()))?;
    let mut unit_limits = std::collections::BTreeMap::new();
    for (i, line) in field(f, "unit_limits").lines().enumerate() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let (group, n) = line.rsplit_once(char::is_whitespace).ok_or_else(|| {
            WebError::invalid(
                "invalid_field",
                format!("机构限额第 {} 行应为“类别 数量”，如“党政机构 40”", i + 1),
            )
        })?;
        let n: u32 = n.trim().parse().map_err(|_| {
            WebError::invalid(
                "invalid_field",
                format!("机构限额第 {} 行的数量“{}”不是整数", i + 1, n.trim()),
            )
        })?;
        if bianzhi_casework::assess::group_kinds(group).is_empty() {
            return Err(WebError::invalid(
                "invalid_field",
                format!(
                    "机构限额第 {} 行的类别“{}”无效，可用：党政机构、党政群机关或机构类别名称",
                    i + 1,
                    group.trim()
                ),
            ));
        }
        unit_limits.insert(group.trim().to_string(), n);
    }
    let mut assess = base.assess.clone();
    assess.unit_limits = unit_limits;
    assess.max_second_names = field(f, "max_second_names")
        .parse()
        .map_err(|_| WebError::invalid("invalid_field", "挂牌上限应为整数"))?;
    assess.name_suffixes = field(f, "suffixes")
        .split_whitespace()
        .map(String::from)
        .collect();
    Ok(CaseSettings {
        calendar,
        limits: Limits {
            proposal: days("proposal", "动议时限")?,
            assessment: days("assessment", "论证时限")?,
            decision: days("decision", "审议决定时限")?,
            implementation: days("implementation", "组织实施时限")?,
            follow_up_months: field(f, "follow_up_months")
                .parse::<u32>()
                .ok()
                .filter(|n| (1..=60).contains(n))
                .ok_or_else(|| {
                    WebError::invalid("invalid_field", "跟踪问效期限应为 1 到 60 个月")
                })?,
        },
        assess,
        doc_prefix: {
            let p = field(f, "doc_prefix").to_string();
            check_doc_prefix(&p)?;
            p
        },
        hire_with_onboard: field(f, "hire_with_onboard") == "on",
        // A form without the 预警 fields (an older page) keeps them.
        warnings: bianzhi_casework::warning::WarningSettings {
            days: if field(f, "warn_days").is_empty() {
                base.warnings.days
            } else {
                days("warn_days", "预警提前天数")?
            },
            used_percent: match field(f, "warn_percent") {
                "" => base.warnings.used_percent,
                v => v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (50..=100).contains(n))
                    .ok_or_else(|| {
                        WebError::invalid(
                            "invalid_field",
                            "编制将满的比例应为 50 到 100 之间的整数",
                        )
                    })?,
            },
            plan_month: match field(f, "warn_plan_month") {
                "" => base.warnings.plan_month,
                v => v
                    .parse::<u32>()
                    .ok()
                    .filter(|n| (1..=12).contains(n))
                    .ok_or_else(|| {
                        WebError::invalid("invalid_field", "用编计划预警月份应为 1 到 12")
                    })?,
            },
            above_norm_percent: match field(f, "warn_above_norm") {
                "" => base.warnings.above_norm_percent,
                v => v.parse::<u32>().ok().filter(|n| *n <= 100).ok_or_else(|| {
                    WebError::invalid(
                        "invalid_field",
                        "高于编制标准的比例应为 0 到 100 之间的整数",
                    )
                })?,
            },
        },
    })
}

async fn settings_save(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2, f2) = (app.clone(), user.clone(), form.clone());
    let r = blocking(move || {
        let (base, _) = a2.case_settings()?;
        let s = settings_from_form(&base, &f2)?;
        let version = field(&f2, "version").parse::<i64>().ok();
        a2.save_case_settings(&u2, &s, version)
    })
    .await;
    match r {
        Ok(()) => Ok(Redirect::to("/settings/casework?saved=1").into_response()),
        Err(e) if correctable(&e) => render(&settings_page(
            &app,
            &user,
            Some(e.to_string()),
            false,
            Some(&form),
        )?),
        Err(e) => Err(e.into()),
    }
}

// ---------------------------------------------------------------- exports

/// A list's filters in the office's words, for the audit trail: the search,
/// and the unit only when it is within the user's scope.
fn filter_words(
    app: &App,
    user: &User,
    parts: &mut Vec<String>,
    q: Option<&str>,
    unit: Option<u32>,
) {
    if let Some(q) = q {
        parts.push(format!("查询“{q}”"));
    }
    let scope = app.scope(user, app.today());
    if let Some(u) = unit
        .map(bianzhi_core::UnitId)
        .filter(|u| crate::ledger::in_scope(scope.as_deref(), *u))
    {
        parts.push(format!("{}（含下属单位）", app.db().state().unit_name(u)));
    }
}

/// The 事项办理 list as filtered, as xlsx (the user's scope only, at most
/// `EXPORT_MAX` rows); the export is audited, and refused if the audit
/// trail cannot be written.
async fn cases_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
) -> PageResult {
    use crate::http::table::{text, EXPORT_MAX};
    use bianzhi_core::ident::mask_id_numbers;
    use bianzhi_reports::Cell;
    let f = case_filter(&p)?;
    let (a2, u2) = (app.clone(), user.clone());
    let (rows, f) = blocking(move || case_list(&a2, &u2, &f).map(|r| (r, f))).await?;
    let total = rows.len();
    let mut t = bianzhi_reports::Table::new(
        "机构编制事项办理",
        &[
            "编号",
            "事项名称",
            "类型",
            "涉及单位",
            "动议人",
            "当前环节",
            "本环节开始",
            "环节期限",
            "逾期工作日",
            "报上级审批",
            "动议时间",
        ],
    );
    for r in rows.iter().take(EXPORT_MAX) {
        let c = &r.case;
        t.rows.push(vec![
            Cell::int(c.id),
            text(mask_id_numbers(&c.title)),
            text(c.kind.label()),
            text(&c.unit_name),
            text(&c.proposer),
            text(c.stage.label()),
            text(bj_date(c.stage_since)),
            text(r.deadline.map(|d| d.to_string()).unwrap_or_default()),
            if r.late > 0 {
                Cell::int(r.late)
            } else {
                Cell::Empty
            },
            text(if c.decided_by_upper { "是" } else { "" }),
            text(bj_date(c.created_at)),
        ]);
    }
    let mut what = vec!["事项办理".to_string()];
    if let Some(s) = f.stage {
        what.push(s.label().to_string());
    }
    if f.overdue {
        what.push("已逾期".into());
    }
    filter_words(&app, &user, &mut what, f.q.as_deref(), f.unit);
    app.try_audit(
        &user.login,
        &ip,
        "导出办理事项",
        &what.join(" · "),
        &format!("{} 件（共 {total} 件）", t.rows.len()),
    )?;
    let today = app.today();
    Ok(crate::reports::service::xlsx_response(
        &t,
        &format!("cases-{today}.xlsx"),
        &format!("事项办理_{today}.xlsx"),
    )?)
}

/// The 问题台账 as filtered, as xlsx (the user's scope only, at most
/// `EXPORT_MAX` rows); audited like every export.
async fn problems_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
) -> PageResult {
    use crate::http::table::{text, EXPORT_MAX};
    use bianzhi_core::ident::mask_id_numbers;
    use bianzhi_reports::Cell;
    let (a2, u2, p2) = (app.clone(), user.clone(), p.clone());
    let (rows, status) = blocking(move || problem_list(&a2, &u2, &p2)).await?;
    let today = app.today();
    let total = rows.len();
    let mut t = bianzhi_reports::Table::new(
        "问题台账",
        &[
            "编号",
            "单位",
            "来源",
            "问题",
            "发现日期",
            "整改期限",
            "责任人",
            "状态",
            "逾期",
        ],
    );
    for r in rows.iter().take(EXPORT_MAX) {
        t.rows.push(vec![
            Cell::int(r.id),
            text(&r.unit_name),
            text(r.source.label()),
            text(mask_id_numbers(&r.description)),
            text(r.found_on),
            text(r.deadline),
            text(&r.responsible),
            text(r.status.label()),
            text(if r.is_overdue(today) { "逾期" } else { "" }),
        ]);
    }
    let mut what = vec!["问题台账".to_string()];
    if let Some(s) = status {
        what.push(s.label().to_string());
    }
    filter_words(&app, &user, &mut what, p.get("q"), p.u32("unit")?);
    app.try_audit(
        &user.login,
        &ip,
        "导出问题台账",
        &what.join(" · "),
        &format!("{} 个（共 {total} 个）", t.rows.len()),
    )?;
    Ok(crate::reports::service::xlsx_response(
        &t,
        &format!("problems-{today}.xlsx"),
        &format!("问题台账_{today}.xlsx"),
    )?)
}

/// The 事项办理, 问题台账 and 办理设置 pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/cases", get(cases))
        .route("/cases/xlsx", get(cases_xlsx))
        .route("/cases/new", get(case_new).post(case_create))
        .route("/cases/{id}", get(case_show))
        .route("/cases/{id}/edit", get(case_edit).post(case_revise))
        .route("/cases/{id}/act/{action}", post(case_act))
        .route(
            "/cases/{id}/attachments",
            post(case_upload).layer(DefaultBodyLimit::max(ATTACHMENT_LIMIT + 256 * 1024)),
        )
        .route("/cases/{id}/attachments/{digest}", get(case_download))
        .route("/problems", get(problems).post(problem_create))
        .route("/problems/xlsx", get(problems_xlsx))
        .route("/problems/scan", post(problem_scan))
        .route("/problems/{id}", get(problem_show))
        .route("/problems/{id}/act/{action}", post(problem_act))
        .route("/settings/casework", get(settings).post(settings_save))
}
