//! 登记管理 pages: the register, a legal person (certificate, seals,
//! sanctions, history), 登记申请 with their materials and actions, annual
//! reports, bulk 注销 and 抽查.

use askama::Template;
use axum::extract::{Multipart, OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;

use bianzhi_registration::annual::{ReportAction, ReportStatus, Sections};
use bianzhi_registration::application::{AppAction, AppKind, AppStatus, Proposal};
use bianzhi_registration::material::{checklist, MaterialKind};
use bianzhi_registration::register::{SealAction, SealKind};
use bianzhi_registration::sanction::SanctionStep;
use bianzhi_registration::spotcheck::Outcome;
use bianzhi_registration::{Capital, FundingSource, RegId};
use bianzhi_reports::{Cell, Table};
use chrono::NaiveDate;

use crate::prelude::*;
use crate::registration::service::*;
use crate::registration::views::*;

fn layout(
    app: &App,
    user: &User,
    title: impl Into<String>,
    path: &str,
    p: &Params,
    date: Option<NaiveDate>,
) -> Layout {
    Layout::new(app, user, "registration", title, Url::new(path, p), date)
}

// ---------------------------------------------------------------- the register

#[derive(Template)]
#[template(path = "registration/register.html")]
struct RegisterPage {
    l: Layout,
    v: RegisterView,
    q: String,
    rows: Vec<RegisterRow>,
}

async fn register_page(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    if user.is_admin() {
        return Err(auth::no_business_data(&user).into());
    }
    let date = p.as_of(app.today())?;
    let (a2, u2) = (app.clone(), user.clone());
    let v = blocking(move || register_view(&a2, &u2, date)).await?;
    let q = p.get("q").unwrap_or("").to_string();
    let only = p.get("only").unwrap_or("");
    let rows = v
        .rows
        .iter()
        .filter(|r| q.is_empty() || r.name.contains(&q) || r.code.contains(&q))
        .filter(|r| match only {
            "pending" => r.pending_deregistration,
            "seals" => r.outstanding_seals > 0,
            "active" => r.status == "存续",
            _ => true,
        })
        .cloned()
        .collect();
    render(&RegisterPage {
        l: layout(&app, &user, "事业单位登记管理", uri.path(), &p, Some(date)),
        v,
        q,
        rows,
    })
}

async fn register_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
) -> Result<Response, PageError> {
    if user.is_admin() {
        return Err(auth::no_business_data(&user).into());
    }
    let date = p.as_of(app.today())?;
    let (a2, u2) = (app.clone(), user.clone());
    let v = blocking(move || register_view(&a2, &u2, date)).await?;
    let mut t = Table::new(
        &format!("事业单位法人登记簿（{date}）"),
        &[
            "法人编号",
            "名称",
            "统一社会信用代码",
            "法定代表人",
            "举办单位",
            "经费来源",
            "开办资金（万元）",
            "登记状态",
            "待注销",
            "证书有效期至",
            "证书状态",
            "待收缴印章",
            "机构编制台账机构",
        ],
    );
    for r in &v.rows {
        t.rows.push(vec![
            Cell::int(r.reg as i64),
            Cell::text(&r.name),
            Cell::text(&r.code),
            Cell::text(&r.legal_rep),
            Cell::text(&r.sponsors),
            Cell::text(&r.funding),
            Cell::text(&r.capital),
            Cell::text(&r.status),
            Cell::text(if r.pending_deregistration { "是" } else { "" }),
            Cell::text(r.valid_to.map(|d| d.to_string()).unwrap_or_default()),
            Cell::text(&r.certificate),
            Cell::int(r.outstanding_seals as i64),
            Cell::text(r.unit.as_ref().map(|u| u.name.clone()).unwrap_or_default()),
        ]);
    }
    app.try_audit(
        &user.login,
        &ip,
        "导出登记簿",
        "事业单位法人登记簿",
        &format!("统计时点 {date}，{} 个法人", v.rows.len()),
    )?;
    Ok(crate::reports::service::xlsx_response(
        &t,
        &format!("register-{date}.xlsx"),
        &format!("事业单位法人登记簿_{date}.xlsx"),
    )?)
}

// ---------------------------------------------------------------- a legal person

#[derive(Template)]
#[template(path = "registration/person.html")]
struct PersonPage {
    l: Layout,
    v: PersonView,
    can_apply: bool,
    can_approve: bool,
    error: Option<String>,
    done: Option<String>,
    seal_kinds: Vec<&'static str>,
    steps: Vec<(&'static str, &'static str)>,
    suggested_step: String,
}

fn person_page(app: &App, user: &User, reg: u32, p: &Params, error: Option<String>) -> PageResult {
    let date = p.as_of(app.today())?;
    let v = person_view(app, user, reg, date)?;
    // The ladder's next step from the sanctions the page shows.
    let earlier: Vec<_> = v
        .sanctions
        .iter()
        .filter_map(|r| {
            let step = SanctionStep::ALL
                .into_iter()
                .find(|s| s.label() == r.step)?;
            Some(bianzhi_registration::register::SanctionRecord {
                step,
                on: r.on,
                doc: r.doc.clone(),
                reason: r.reason.clone(),
            })
        })
        .collect();
    let suggested_step = bianzhi_registration::sanction::next_step(
        &earlier,
        bianzhi_registration::sanction::Severity::Minor,
    )
    .label()
    .to_string();
    render(&PersonPage {
        l: layout(
            app,
            user,
            v.row.name.clone(),
            &format!("/registration/legal/{reg}"),
            p,
            Some(date),
        ),
        can_apply: user.can_apply() && v.row.status != "已注销" && v.row.status != "已撤销登记",
        can_approve: user.can_approve(),
        done: p.get("done").map(str::to_string),
        error,
        seal_kinds: SealKind::ALL.iter().map(|k| k.label()).collect(),
        steps: SanctionStep::ALL
            .iter()
            .map(|s| (step_code(*s), s.label()))
            .collect(),
        suggested_step,
        v,
    })
}

fn step_code(s: SanctionStep) -> &'static str {
    match s {
        SanctionStep::Warning => "warning",
        SanctionStep::Suspend => "suspend",
        SanctionStep::Revoke => "revoke",
    }
}

async fn person(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(reg): Path<u32>,
    PageQuery(p): PageQuery,
) -> PageResult {
    person_page(&app, &user, reg, &p, None)
}

/// 刻制备案, 收回 / 封存 / 销毁, and sanctions.
async fn person_action(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((reg, action)): Path<(u32, String)>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2, f2) = (app.clone(), user.clone(), form.clone());
    let r = blocking(move || {
        let doc = field(&f2, "doc");
        match action.as_str() {
            "seal" => {
                let kind = SealKind::parse(field(&f2, "kind"))
                    .ok_or_else(|| WebError::invalid("missing_field", "请选择印章种类"))?;
                a2.file_seal(&u2, RegId(reg), kind, field(&f2, "maker"), doc)
                    .map(|_| format!("印章刻制备案：{}", kind.label()))
            }
            "collect" | "seal_up" | "destroy" => {
                let act = match action.as_str() {
                    "collect" => SealAction::Collect,
                    "seal_up" => SealAction::SealUp,
                    _ => SealAction::Destroy,
                };
                let seal: u32 = field(&f2, "seal")
                    .parse()
                    .map_err(|_| WebError::invalid("missing_field", "请选择印章"))?;
                a2.dispose_seal(&u2, RegId(reg), seal, act, field(&f2, "receiver"), doc)
                    .map(|_| format!("印章{}：第 {seal} 号", act.label()))
            }
            "sanction" => {
                let step = SanctionStep::ALL
                    .into_iter()
                    .find(|s| step_code(*s) == field(&f2, "step"))
                    .ok_or_else(|| WebError::invalid("missing_field", "请选择处罚种类"))?;
                a2.record_sanction(&u2, RegId(reg), step, field(&f2, "reason"), doc)
                    .map(|_| step.label().to_string())
            }
            "restore" => a2
                .restore(&u2, RegId(reg), doc)
                .map(|_| "发还证章".to_string()),
            _ => Err(WebError::NotFound("没有这个操作".into())),
        }
    })
    .await;
    match r {
        Ok(note) => Ok(with_note(
            Redirect::to(&format!("/registration/legal/{reg}?done={}", enc(&note))).into_response(),
            format!("第 {reg} 号法人：{note}"),
        )),
        Err(e) => refusal_or(e, |msg| {
            person_page(&app, &user, reg, &Params::default(), Some(msg))
        }),
    }
}

async fn certificate_pdf(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    Path(reg): Path<u32>,
    headers: axum::http::HeaderMap,
) -> Result<Response, PageError> {
    let today = app.today();
    let v = person_view(&app, &user, reg, today)?;
    let (Some(number), Some(from), Some(to), Some(code)) = (
        v.certificate_number.clone(),
        v.valid_from,
        v.row.valid_to,
        v.verify_code.clone(),
    ) else {
        return Err(WebError::NotFound("该法人尚未领取法人证书".into()).into());
    };
    if v.ended_on.is_some() {
        return Err(WebError::NotFound(format!("该法人已{}，证书已收缴", v.row.status)).into());
    }
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let jurisdiction = app.db().state().jurisdiction.name.clone();
    let cert = bianzhi_reports::pdf::LegalPersonCertificate {
        number,
        code: v.row.code.clone(),
        name: v.row.name.clone(),
        purpose: v.purpose.clone(),
        domicile: v.domicile.clone(),
        legal_rep: v.row.legal_rep.clone(),
        funding: v.row.funding.clone(),
        capital: format!("{}万元", v.row.capital),
        sponsors: v.row.sponsors.clone(),
        valid_from: from,
        valid_to: to,
        registrar: format!("{jurisdiction}事业单位登记管理局"),
        issued_on: from,
        verify_url: format!(
            "http://{host}/public/registration/verify/{}",
            bianzhi_registration::certificate::normalise_code(&code)
        ),
        verify_code: code,
    };
    let bytes = blocking(move || {
        bianzhi_reports::pdf::legal_person_certificate(&cert)
            .map(|b| (b, cert))
            .map_err(|e| match e {
                e @ bianzhi_reports::pdf::PdfError::NoFont(_) => {
                    WebError::invalid("no_font", e.to_string())
                }
                e => WebError::internal(e),
            })
    })
    .await?;
    let (bytes, cert) = bytes;
    app.audit(
        &user.login,
        &ip,
        "下载法人证书",
        &format!("第 {reg} 号法人"),
        &format!(
            "{}，{}，核验码 {}",
            cert.name, cert.number, cert.verify_code
        ),
    );
    Ok((
        axum::http::StatusCode::OK,
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                crate::reports::service::attachment(
                    &format!("certificate-{reg}.pdf"),
                    &format!("事业单位法人证书_{}.pdf", cert.name),
                ),
            ),
        ],
        bytes,
    )
        .into_response())
}

// ---------------------------------------------------------------- applications

#[derive(Template)]
#[template(path = "registration/applications.html")]
struct ApplicationsPage {
    l: Layout,
    rows: Vec<AppRow>,
    show_all: bool,
}

async fn applications(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    if user.is_admin() {
        return Err(auth::no_business_data(&user).into());
    }
    let show_all = p.get("all").is_some();
    let (a2, u2) = (app.clone(), user.clone());
    let rows = blocking(move || {
        let apps = a2
            .reg_applications()?
            .into_iter()
            .filter(|(_, _, a)| u2.can_review() || unit_in_scope(&a2, &u2, a.app.unit))
            .filter(|(_, _, a)| show_all || a.app.status.open())
            .map(|(id, _, a)| (id, a));
        let mut rows = app_rows(&a2, apps)?;
        rows.sort_by_key(|r| std::cmp::Reverse(r.id));
        Ok(rows)
    })
    .await?;
    render(&ApplicationsPage {
        l: layout(&app, &user, "登记申请", uri.path(), &p, None),
        rows,
        show_all,
    })
}

#[derive(Template)]
#[template(path = "registration/application_new.html")]
struct NewPage {
    l: Layout,
    kind: String,
    kind_label: String,
    reg: Option<u32>,
    current: Option<PersonView>,
    error: Option<String>,
    f: FormValues,
    fundings: Vec<&'static str>,
}

fn kind_code(k: AppKind) -> &'static str {
    match k {
        AppKind::Establish => "establish",
        AppKind::Change => "change",
        AppKind::Deregister => "deregister",
        AppKind::Replace => "replace",
        AppKind::Renew => "renew",
    }
}

fn new_page(
    app: &App,
    user: &User,
    kind: &str,
    reg: Option<u32>,
    error: Option<String>,
    f: FormValues,
) -> PageResult {
    let k = AppKind::ALL
        .into_iter()
        .find(|k| kind_code(*k) == kind)
        .unwrap_or(AppKind::Change);
    let current = match reg {
        Some(r) => Some(person_view(app, user, r, app.today())?),
        None => None,
    };
    render(&NewPage {
        l: layout(
            app,
            user,
            format!("{}申请", k.label()),
            "/registration/applications/new",
            &Params::default(),
            None,
        ),
        kind: kind_code(k).into(),
        kind_label: k.label().into(),
        reg,
        current,
        error,
        f,
        fundings: FundingSource::ALL.iter().map(|f| f.label()).collect(),
    })
}

async fn application_new(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    user.require(user.can_apply() || user.can_review(), "提出登记申请")?;
    let reg = p.u32("reg")?;
    new_page(
        &app,
        &user,
        p.get("kind").unwrap_or("change"),
        reg,
        None,
        FormValues::default(),
    )
}

async fn application_create(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let kind = field(&form, "kind").to_string();
    let reg = field(&form, "reg").parse::<u32>().ok();
    let (a2, u2, f2, k2) = (app.clone(), user.clone(), form.clone(), kind.clone());
    let r = blocking(move || {
        let p = proposal_from_fields(&k2, &f2, a2.today())?;
        a2.open_reg_application(&u2, reg.map(RegId), p)
    })
    .await;
    match r {
        Ok(id) => Ok(with_note(
            Redirect::to(&format!("/registration/applications/{id}?done=opened")).into_response(),
            format!("登记申请第 {id} 号：拟定"),
        )),
        Err(e) => {
            let f = FormValues(form.iter().cloned().collect());
            refusal_or(e, |msg| new_page(&app, &user, &kind, reg, Some(msg), f))
        }
    }
}

#[derive(Template)]
#[template(path = "registration/application.html")]
struct ApplicationPage {
    l: Layout,
    id: i64,
    a: RegApplication,
    kind_label: String,
    status: String,
    fields: Vec<(String, String)>,
    materials: Vec<(usize, String, String, String, usize, String)>,
    missing: Vec<String>,
    checklist: Vec<(String, String)>,
    due: Option<(String, NaiveDate, bool)>,
    /// The filing deadline it missed (变更 30 working days after the event, …).
    filed_late: Option<NaiveDate>,
    is_unit: bool,
    can_review: bool,
    can_approve: bool,
    editable: bool,
    error: Option<String>,
    done: Option<String>,
    history: Vec<(NaiveDate, String, String, String)>,
}

fn material_code(k: MaterialKind) -> String {
    format!("{k:?}")
}

fn application_page(
    app: &App,
    user: &User,
    id: i64,
    error: Option<String>,
    done: Option<String>,
) -> PageResult {
    let (_, a) = app.reg_application(user, id)?;
    let cal = app.registration_calendar()?;
    let policy = app.registration_policy();
    let today = app.today();
    let mut fields: Vec<(String, String)> = Vec::new();
    match &a.app.proposal {
        Proposal::Establish {
            code,
            mode,
            particulars: p,
            approval_doc,
            outside_establishment,
        } => {
            fields.push(("登记方式".into(), mode.label().into()));
            fields.push(("统一社会信用代码".into(), code.clone()));
            fields.push(("名称".into(), p.full_name()));
            fields.push(("住所".into(), p.domicile.clone()));
            fields.push(("宗旨和业务范围".into(), p.purpose.clone()));
            fields.push(("法定代表人".into(), p.legal_rep.clone()));
            fields.push(("经费来源".into(), p.funding.label().into()));
            fields.push(("开办资金".into(), format!("{} 万元", p.capital)));
            fields.push(("举办单位".into(), p.sponsors.join("、")));
            fields.push(("批准文件".into(), approval_doc.clone()));
            if *outside_establishment {
                fields.push(("编制".into(), "不占编制（国有资产举办）".into()));
            }
        }
        Proposal::Change {
            changes,
            event_on,
            basis_doc,
        } => {
            for c in changes {
                fields.push((format!("变更{}", c.label()), c.value_text()));
            }
            fields.push(("变更发生日期".into(), event_on.to_string()));
            fields.push(("变更依据".into(), basis_doc.clone()));
        }
        Proposal::Deregister {
            reason,
            basis_doc,
            liquidation_end,
        } => {
            fields.push(("注销原因".into(), reason.clone()));
            fields.push(("撤销或解散文件".into(), basis_doc.clone()));
            if let Some(d) = liquidation_end {
                fields.push(("清算结束日期".into(), d.to_string()));
            }
        }
        Proposal::Replace { reason } => fields.push(("补领原因".into(), reason.clone())),
        Proposal::Renew => {}
    }
    let due = a
        .app
        .accept_due(&cal, &policy)
        .map(|d| ("受理期限".to_string(), d, today > d))
        .or_else(|| {
            a.app
                .decide_due(&cal, &policy)
                .map(|d| ("审查决定期限".to_string(), d, today > d))
        });
    let approved_on = match &a.app.proposal {
        Proposal::Establish { approval_doc, .. } => app
            .ledger_facts()?
            .by_doc(approval_doc)
            .map(|x| x.effective)
            .next(),
        _ => None,
    };
    let filed_late = a.app.filed_late(&cal, &policy, approved_on);
    let is_unit = user.can_apply() && unit_in_scope(app, user, a.app.unit);
    // The bureau may enter materials brought to its window (窗口代录).
    let editable = (is_unit || user.can_review())
        && matches!(a.app.status, AppStatus::Draft | AppStatus::Supplement);
    let list = checklist(a.app.kind(), a.app.proposal.changes());
    render(&ApplicationPage {
        l: layout(
            app,
            user,
            format!("登记申请第 {id} 号"),
            &format!("/registration/applications/{id}"),
            &Params::default(),
            None,
        ),
        id,
        kind_label: a.app.kind().label().into(),
        status: a.app.status.label().into(),
        fields,
        materials: a
            .app
            .materials
            .iter()
            .enumerate()
            .map(|(i, m)| {
                (
                    i,
                    m.kind.label().to_string(),
                    m.file_name.clone(),
                    m.content_type.label().to_string(),
                    m.size,
                    m.sm3.clone(),
                )
            })
            .collect(),
        missing: a
            .app
            .missing()
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
        checklist: list
            .iter()
            .map(|k| (material_code(*k), k.label().to_string()))
            .collect(),
        due,
        filed_late,
        is_unit,
        can_review: user.can_review(),
        can_approve: user.can_approve(),
        editable,
        error,
        done,
        history: a
            .app
            .history
            .iter()
            .map(|s| {
                (
                    s.on,
                    match s.actor {
                        bianzhi_registration::Actor::Unit => "申请单位".to_string(),
                        bianzhi_registration::Actor::Office => "登记管理机关".to_string(),
                    },
                    s.action.clone(),
                    s.note.clone(),
                )
            })
            .collect(),
        a,
    })
}

async fn application(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let done = p.get("done").map(|d| match d {
        "opened" => "申请已拟定，请上传材料后提交。".to_string(),
        "uploaded" => "材料已上传。".to_string(),
        other => format!("已{other}。"),
    });
    application_page(&app, &user, id, None, done)
}

async fn application_upload(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    mp: Multipart,
) -> PageResult {
    let up = match crate::http::upload::read(mp).await {
        Ok(u) => u,
        Err(e) => return refusal_or(e, |msg| application_page(&app, &user, id, Some(msg), None)),
    };
    if up.fields.get("_csrf") != Some(&user.csrf) {
        return Err(WebError::Csrf.into());
    }
    let kind = up.fields.get("kind").and_then(|k| MaterialKind::parse(k));
    let (a2, u2) = (app.clone(), user.clone());
    let r = blocking(move || {
        let kind = kind.ok_or_else(|| WebError::invalid("missing_field", "请选择材料名称"))?;
        let Some((name, bytes)) = up.file.filter(|(_, b)| !b.is_empty()) else {
            return Err(WebError::invalid("missing_field", "请选择要上传的文件"));
        };
        let name = crate::http::upload::clean_file_name(&name)?;
        a2.attach_reg_material(&u2, id, kind, &name, &bytes)
            .map(|_| (kind, name))
    })
    .await;
    match r {
        Ok((kind, name)) => Ok(with_note(
            Redirect::to(&format!("/registration/applications/{id}?done=uploaded")).into_response(),
            format!("登记申请第 {id} 号：上传材料 {}（{name}）", kind.label()),
        )),
        Err(e) => refusal_or(e, |msg| application_page(&app, &user, id, Some(msg), None)),
    }
}

async fn material_download(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    Path((id, n)): Path<(i64, usize)>,
) -> Result<Response, PageError> {
    let (_, a) = app.reg_application(&user, id)?;
    let (Some(m), Some(digest)) = (a.app.materials.get(n), a.blobs.get(n)) else {
        return Err(WebError::NotFound("材料不存在".into()).into());
    };
    let blob = app
        .wf()
        .blob(digest)?
        .ok_or_else(|| WebError::NotFound("材料文件不存在".into()))?;
    app.audit(
        &user.login,
        &ip,
        "查看登记申请材料",
        &format!("登记申请第 {id} 号"),
        &format!("{}（{}）", m.kind.label(), m.file_name),
    );
    Ok((
        axum::http::StatusCode::OK,
        [
            (
                axum::http::header::CONTENT_TYPE,
                m.content_type.mime().to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                crate::reports::service::attachment(&format!("material-{id}-{n}"), &m.file_name),
            ),
        ],
        blob.data,
    )
        .into_response())
}

async fn application_action(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((id, action)): Path<(i64, String)>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let reason = field(&form, "reason").to_string();
    let act = match action.as_str() {
        "submit" => AppAction::Submit,
        "supplement" => AppAction::RequestSupplement {
            gaps: reason
                .lines()
                .map(|l| l.trim().to_string())
                .filter(|l| !l.is_empty())
                .collect(),
        },
        "accept" => AppAction::Accept,
        "not_accept" => AppAction::NotAccept { reason },
        "approve" => AppAction::Approve,
        "refuse" => AppAction::Refuse { reason },
        "complete" => AppAction::Complete,
        "withdraw" => AppAction::Withdraw,
        _ => return Err(WebError::NotFound("没有这个操作".into()).into()),
    };
    let label = act.label();
    let (a2, u2) = (app.clone(), user.clone());
    let r = blocking(move || a2.act_reg_application(&u2, id, act)).await;
    match r {
        Ok(a) => Ok(with_note(
            Redirect::to(&format!(
                "/registration/applications/{id}?done={}",
                enc(label)
            ))
            .into_response(),
            format!(
                "登记申请第 {id} 号（{}，{}）：{label}",
                a.app.kind().label(),
                a.app.applicant
            ),
        )),
        Err(e) => refusal_or(e, |msg| application_page(&app, &user, id, Some(msg), None)),
    }
}

// ---------------------------------------------------------------- annual reports

#[derive(Template)]
#[template(path = "registration/annual.html")]
struct AnnualPage {
    l: Layout,
    year: i32,
    rows: Vec<ReportRow>,
    published: usize,
    late: usize,
}

async fn annual(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    if user.is_admin() {
        return Err(auth::no_business_data(&user).into());
    }
    let year = year_param(&p, app.today())?;
    let (a2, u2) = (app.clone(), user.clone());
    let rows = blocking(move || report_status(&a2, &u2, year)).await?;
    render(&AnnualPage {
        l: layout(
            &app,
            &user,
            format!("{year} 年度报告"),
            uri.path(),
            &p,
            None,
        ),
        year,
        published: rows
            .iter()
            .filter(|r| r.status == ReportStatus::Published.label())
            .count(),
        late: rows
            .iter()
            .filter(|r| r.late && r.published_on.is_none() && r.filed_on.is_none())
            .count(),
        rows,
    })
}

async fn annual_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
) -> Result<Response, PageError> {
    if user.is_admin() {
        return Err(auth::no_business_data(&user).into());
    }
    let year = year_param(&p, app.today())?;
    let (a2, u2) = (app.clone(), user.clone());
    let rows = blocking(move || report_status(&a2, &u2, year)).await?;
    let mut t = Table::new(
        &format!("{year} 年度报告报送情况"),
        &["法人编号", "单位", "状态", "报送日期", "公示日期", "逾期"],
    );
    for r in &rows {
        t.rows.push(vec![
            Cell::int(r.reg as i64),
            Cell::text(&r.name),
            Cell::text(&r.status),
            Cell::text(r.filed_on.map(|d| d.to_string()).unwrap_or_default()),
            Cell::text(r.published_on.map(|d| d.to_string()).unwrap_or_default()),
            Cell::text(if r.late { "逾期" } else { "" }),
        ]);
    }
    app.try_audit(
        &user.login,
        &ip,
        "导出年度报告报送情况",
        "年度报告",
        &format!("{year} 年度，{} 个单位", rows.len()),
    )?;
    Ok(crate::reports::service::xlsx_response(
        &t,
        &format!("annual-reports-{year}.xlsx"),
        &format!("年度报告报送情况_{year}.xlsx"),
    )?)
}

#[derive(Template)]
#[template(path = "registration/report.html")]
struct ReportPage {
    l: Layout,
    reg: u32,
    name: String,
    year: i32,
    status: String,
    s: Sections,
    staff_hint: Option<usize>,
    editable: bool,
    can_submit: bool,
    sponsor: bool,
    office: bool,
    error: Option<String>,
    done: bool,
    history: Vec<(NaiveDate, String, String)>,
}

fn report_page_checked(year: i32) -> Result<(), WebError> {
    if (1990..=2100).contains(&year) {
        Ok(())
    } else {
        Err(WebError::NotFound(format!("没有 {year} 年度的年度报告")))
    }
}

fn report_page(
    app: &App,
    user: &User,
    reg: u32,
    year: i32,
    error: Option<String>,
    done: bool,
    typed: Option<Sections>,
) -> PageResult {
    report_page_checked(year)?;
    let today = app.today();
    let v = person_view(app, user, reg, today)?;
    let report = app
        .annual_reports()?
        .into_iter()
        .find(|(_, _, r)| r.reg.0 == reg && r.year == year)
        .map(|(_, _, r)| r);
    let status = report
        .as_ref()
        .map(|r| r.status)
        .unwrap_or(ReportStatus::Draft);
    let unit = v.row.unit.as_ref().map(|u| bianzhi_core::UnitId(u.id));
    let is_unit = user.can_apply() && unit_in_scope(app, user, unit);
    let editable = is_unit && matches!(status, ReportStatus::Draft | ReportStatus::Returned);
    let staff_hint = unit.map(|u| {
        let db = app.db();
        bianzhi_registration::ties::staff_on_establishment(db.state(), u, year)
    });
    render(&ReportPage {
        l: layout(
            app,
            user,
            format!("{} {year} 年度报告", v.row.name),
            &format!("/registration/annual/{reg}/{year}"),
            &Params::default(),
            None,
        ),
        reg,
        name: v.row.name.clone(),
        year,
        status: report
            .as_ref()
            .map_or("未报送".into(), |r| r.status.label().to_string()),
        s: typed.unwrap_or_else(|| {
            report
                .as_ref()
                .map(|r| r.sections.clone())
                .unwrap_or_default()
        }),
        staff_hint,
        editable,
        can_submit: editable && report.is_some(),
        sponsor: status == ReportStatus::SponsorReview && acts_for_sponsor(app, user, unit),
        office: status == ReportStatus::Submitted && user.can_review(),
        error,
        done,
        history: report
            .map(|r| {
                r.history
                    .iter()
                    .map(|h| (h.on, h.action.clone(), h.note.clone()))
                    .collect()
            })
            .unwrap_or_default(),
    })
}

async fn report(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((reg, year)): Path<(u32, i32)>,
    PageQuery(p): PageQuery,
) -> PageResult {
    report_page(&app, &user, reg, year, None, p.get("done").is_some(), None)
}

fn sections_from_form(f: &[(String, String)]) -> Result<Sections, WebError> {
    let money = |k: &str, label: &str| -> Result<Option<Capital>, WebError> {
        match field(f, k) {
            "" => Ok(None),
            v => Capital::parse(v).map(Some).ok_or_else(|| {
                WebError::invalid(
                    "invalid_field",
                    format!("{label}应为以万元计、最多两位小数的金额，收到“{v}”"),
                )
            }),
        }
    };
    Ok(Sections {
        activities: field(f, "activities").into(),
        net_assets_begin: money("net_assets_begin", "净资产年初数")?,
        net_assets_end: money("net_assets_end", "净资产年末数")?,
        staff: match field(f, "staff") {
            "" => None,
            v => Some(v.parse().map_err(|_| {
                WebError::invalid("invalid_field", format!("从业人数应为整数，收到“{v}”"))
            })?),
        },
        changes: field(f, "changes").into(),
        licences: field(f, "licences").into(),
        rewards: field(f, "rewards").into(),
        litigation: field(f, "litigation").into(),
        complaints: field(f, "complaints").into(),
        donations: field(f, "donations").into(),
    })
}

async fn report_action(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((reg, year, action)): Path<(u32, i32, String)>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let typed = sections_from_form(&form).ok();
    let reason = field(&form, "reason").to_string();
    let act = match action.as_str() {
        "save" => sections_from_form(&form).map(|sections| ReportAction::Save { sections }),
        "submit" => Ok(ReportAction::Submit),
        "sponsor_approve" => Ok(ReportAction::SponsorApprove),
        "sponsor_return" => Ok(ReportAction::SponsorReturn { reason }),
        "return" => Ok(ReportAction::Return { reason }),
        "publish" => Ok(ReportAction::Publish),
        _ => return Err(WebError::NotFound("没有这个操作".into()).into()),
    };
    let (a2, u2) = (app.clone(), user.clone());
    let r = match act {
        Ok(act) => {
            let label = act.label();
            blocking(move || {
                a2.act_annual_report(&u2, RegId(reg), year, act)
                    .map(|_| label)
            })
            .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok(label) => Ok(with_note(
            Redirect::to(&format!("/registration/annual/{reg}/{year}?done=1")).into_response(),
            format!("第 {reg} 号法人 {year} 年度报告：{label}"),
        )),
        Err(e) => refusal_or(e, |msg| {
            report_page(&app, &user, reg, year, Some(msg), false, typed)
        }),
    }
}

// ---------------------------------------------------------------- bulk 注销, 抽查

/// A drawn spot check with, per unit, its number, name and result.
type SpotCheckRows = (i64, SpotCheckRecord, Vec<(u32, String, String)>);

#[derive(Template)]
#[template(path = "registration/bulk.html")]
struct BulkPage {
    l: Layout,
    docs: Vec<(String, NaiveDate, usize)>,
    opened: Vec<i64>,
    error: Option<String>,
    checks: Vec<SpotCheckRows>,
    policy: bianzhi_registration::Policy,
    can_approve: bool,
}

fn bulk_page(app: &App, user: &User, opened: Vec<i64>, error: Option<String>) -> PageResult {
    user.require(user.can_review(), "批量注销与抽查（仅编办）")?;
    let facts = app.ledger_facts()?;
    let mut docs: Vec<(String, NaiveDate, usize)> = Vec::new();
    for a in &facts.acts {
        if matches!(
            a.event,
            bianzhi_registration::ties::LedgerEvent::Abolished { .. }
                | bianzhi_registration::ties::LedgerEvent::Merged { .. }
        ) {
            match docs.iter_mut().find(|(d, _, _)| *d == a.doc) {
                Some(x) => x.2 += 1,
                None => docs.push((a.doc.clone(), a.effective, 1)),
            }
        }
    }
    docs.sort_by_key(|(_, d, _)| std::cmp::Reverse(*d));
    let (register, _) = app.register()?;
    let persons = register.as_of(app.today());
    let checks = app
        .spot_checks()?
        .into_iter()
        .map(|(id, r)| {
            let rows = r
                .check
                .draws
                .iter()
                .map(|(u, insp)| {
                    let name = persons
                        .get(u)
                        .map(|p| p.particulars.name.clone())
                        .unwrap_or_default();
                    let result = r
                        .results
                        .iter()
                        .find(|(x, _, _)| x == u)
                        .map(|(_, o, _)| o.label().to_string())
                        .unwrap_or_else(|| format!("待检查（{}）", insp.join("、")));
                    (u.0, name, result)
                })
                .collect();
            (id, r, rows)
        })
        .collect();
    render(&BulkPage {
        l: layout(
            app,
            user,
            "批量注销与双随机抽查",
            "/registration/bulk",
            &Params::default(),
            None,
        ),
        docs,
        opened,
        error,
        checks,
        policy: app.registration_policy(),
        can_approve: user.can_approve(),
    })
}

async fn bulk(State(app): State<AppState>, PageUser(user): PageUser) -> PageResult {
    bulk_page(&app, &user, Vec::new(), None)
}

async fn bulk_open(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let doc = field(&form, "doc").to_string();
    let (a2, u2, d2) = (app.clone(), user.clone(), doc.clone());
    match blocking(move || a2.bulk_deregistration(&u2, &d2)).await {
        Ok(ids) => {
            let n = ids.len();
            let resp = bulk_page(&app, &user, ids, None)?;
            Ok(with_note(
                resp,
                format!("依据 {doc} 批量发起注销登记 {n} 件"),
            ))
        }
        Err(e) => refusal_or(e, |msg| bulk_page(&app, &user, Vec::new(), Some(msg))),
    }
}

async fn spot_draw(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let seed: Result<u64, _> = field(&form, "seed").parse();
    let inspectors = list(field(&form, "inspectors"));
    let (a2, u2) = (app.clone(), user.clone());
    let r = match seed {
        Ok(seed) => {
            blocking(move || {
                a2.draw_spot_check(&u2, seed, &inspectors)
                    .map(|id| (id, seed))
            })
            .await
        }
        Err(_) => Err(WebError::invalid(
            "invalid_field",
            "随机种子应为非负整数（公开摇号的号码）",
        )),
    };
    match r {
        Ok((id, seed)) => Ok(with_note(
            Redirect::to("/registration/bulk#spot").into_response(),
            format!("双随机抽查第 {id} 号：以种子 {seed} 抽取"),
        )),
        Err(e) => refusal_or(e, |msg| bulk_page(&app, &user, Vec::new(), Some(msg))),
    }
}

async fn spot_result(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path((id, reg)): Path<(i64, u32)>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let issues = field(&form, "issues").to_string();
    let outcome = match field(&form, "outcome") {
        "consistent" => Outcome::Consistent,
        "rectified" => Outcome::Rectified { issues },
        _ => Outcome::Inconsistent { issues },
    };
    let label = outcome.label();
    let (a2, u2) = (app.clone(), user.clone());
    match blocking(move || a2.spot_check_result(&u2, id, RegId(reg), outcome)).await {
        Ok(()) => Ok(with_note(
            Redirect::to("/registration/bulk#spot").into_response(),
            format!("双随机抽查第 {id} 号，第 {reg} 号法人：{label}"),
        )),
        Err(e) => refusal_or(e, |msg| bulk_page(&app, &user, Vec::new(), Some(msg))),
    }
}

fn policy_from_form(f: &[(String, String)]) -> Result<bianzhi_registration::Policy, WebError> {
    let n = |k: &str, label: &str| -> Result<u32, WebError> {
        field(f, k)
            .parse()
            .map_err(|_| WebError::invalid("invalid_field", format!("{label}应为整数")))
    };
    let due = field(f, "annual_report_due");
    let (m, d) = due
        .split_once('-')
        .and_then(|(m, d)| Some((m.parse().ok()?, d.parse().ok()?)))
        .ok_or_else(|| WebError::invalid("invalid_field", "年报截止日期应写作 月-日，如 3-31"))?;
    Ok(bianzhi_registration::Policy {
        accept_days: n("accept_days", "受理期限")?,
        decide_days: n("decide_days", "审查决定期限")?,
        establish_after_approval_days: match field(f, "establish_after_approval_days") {
            "" | "0" => None,
            _ => Some(n("establish_after_approval_days", "设立申请期限")?),
        },
        change_days: n("change_days", "变更申请期限")?,
        deregister_after_liquidation_days: n("deregister_after_liquidation_days", "注销申请期限")?,
        deregister_after_abolition_days_calendar: n(
            "deregister_after_abolition_days_calendar",
            "撤销后应注销期限",
        )?,
        certificate_years: n("certificate_years", "证书有效期")?,
        renewal_window_days_calendar: n("renewal_window_days_calendar", "换领期")?,
        seal_filing_days: n("seal_filing_days", "印鉴备案期限")?,
        annual_report_due: (m, d),
        spot_check_permille: n("spot_check_permille", "抽查比例")?,
        inspectors_per_unit: n("inspectors_per_unit", "每单位检查人员")? as usize,
        max_file_bytes: n("max_file_mb", "材料文件大小上限")? as usize * 1024 * 1024,
    })
}

async fn policy_save(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2) = (app.clone(), user.clone());
    let r = match policy_from_form(&form) {
        Ok(p) => blocking(move || a2.set_registration_policy(&u2, p)).await,
        Err(e) => Err(e),
    };
    match r {
        Ok(()) => Ok(with_note(
            Redirect::to("/registration/bulk#policy").into_response(),
            "设置事业单位登记时限",
        )),
        Err(e) => refusal_or(e, |msg| bulk_page(&app, &user, Vec::new(), Some(msg))),
    }
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/registration", get(register_page))
        .route("/registration/xlsx", get(register_xlsx))
        .route("/registration/legal/{reg}", get(person))
        .route(
            "/registration/legal/{reg}/certificate.pdf",
            get(certificate_pdf),
        )
        .route("/registration/legal/{reg}/{action}", post(person_action))
        .route("/registration/applications", get(applications))
        .route(
            "/registration/applications/new",
            get(application_new).post(application_create),
        )
        .route("/registration/applications/{id}", get(application))
        .route(
            "/registration/applications/{id}/materials",
            post(application_upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::http::upload::ATTACHMENT_LIMIT + 256 * 1024,
            )),
        )
        .route(
            "/registration/applications/{id}/materials/{n}",
            get(material_download),
        )
        .route(
            "/registration/applications/{id}/{action}",
            post(application_action),
        )
        .route("/registration/annual", get(annual))
        .route("/registration/annual/xlsx", get(annual_xlsx))
        .route("/registration/annual/{reg}/{year}", get(report))
        .route(
            "/registration/annual/{reg}/{year}/{action}",
            post(report_action),
        )
        .route("/registration/bulk", get(bulk).post(bulk_open))
        .route("/registration/spotchecks", post(spot_draw))
        .route("/registration/policy", post(policy_save))
        .route("/registration/spotchecks/{id}/{reg}", post(spot_result))
}
