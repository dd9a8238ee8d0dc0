use askama::Template;
use axum::extract::{OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect};
use axum::routing::get;
use axum::Router;
use chrono::Datelike;
use std::collections::HashMap;

use crate::matters::documents::{self, DocKind};
use crate::matters::service::*;
use crate::matters::views::*;
use crate::opform::{Choices, OpView};
use crate::prelude::*;
use bianzhi_casework::preview::Preview;
use bianzhi_core::CorrectionKind;

// ---------------------------------------------------------------- 事项

#[derive(Template)]
#[template(path = "matters/matters.html")]
struct MattersPage {
    l: Layout,
    rows: Vec<MatterRow>,
    page: PageInfo,
    /// 事项类型 by family, for the filter.
    kinds: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
    unit_name: Option<String>,
}

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
        kinds: crate::opform::menu(),
        unit_name,
    })
}

#[derive(Template)]
#[template(path = "matters/matter.html")]
struct MatterPage {
    l: Layout,
    m: MatterView,
    json: String,
    /// Documents of the matter: kind code and title.
    documents: Vec<(&'static str, &'static str)>,
    /// 更正 / 撤销 may be recorded against it: it stands and is no 撤销.
    correctable: bool,
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
    let documents = {
        let db = app.db();
        db.ledger()
            .matter(seq)
            .map_err(WebError::from)?
            .map(|x| documents::kinds_of(&x))
            .unwrap_or_default()
            .into_iter()
            .map(|k| (k.code(), k.title()))
            .collect()
    };
    let correctable = m.row.voided_by.is_none()
        && m.row
            .corrects
            .as_ref()
            .is_none_or(|c| c.kind != CorrectionKind::Revoke.label());
    render(&MatterPage {
        correctable,
        documents,
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
    ops: Vec<OpView>,
    menu: Vec<(&'static str, Vec<(&'static str, &'static str)>)>,
    unit_names: Vec<(String, String)>,
    preview: Option<Preview>,
    /// An example 文号 with the office's 机关代字.
    doc_example: String,
    /// 更正 / 撤销: the matter corrected and how (`amend` or `revoke`).
    corrects: Option<(MatterLink, &'static str)>,
}

fn matter_form_page(
    app: &App,
    user: &User,
    error: Option<String>,
    preview: Option<Preview>,
    f: HashMap<String, String>,
) -> MatterNewPage {
    let l = Layout::new(
        app,
        user,
        "matters",
        "登记事项",
        Url {
            path: "/matters/new".into(),
            params: vec![],
        },
        None,
    );
    let doc_example = app
        .case_settings()
        .map(|(s, _)| s.doc_example(app.today().year()))
        .unwrap_or_default();
    let today = app.today();
    let scope = app.scope(user, today);
    let choices = {
        let db = app.db();
        Choices::of(db.state(), scope.as_deref(), today)
    };
    let corrects = f
        .get("corrects")
        .and_then(|s| s.parse::<u64>().ok())
        .zip(
            f.get("correction")
                .and_then(|k| CorrectionKindInput::parse(k)),
        )
        .map(|(seq, kind)| {
            let db = app.db();
            let doc = db
                .ledger()
                .entry(seq)
                .map(|m| m.doc.to_string())
                .unwrap_or_default();
            let (code, label) = match kind {
                CorrectionKindInput::Amend => ("amend", "更正"),
                CorrectionKindInput::Revoke => ("revoke", "撤销"),
            };
            (
                MatterLink {
                    seq,
                    doc,
                    kind: label.to_string(),
                },
                code,
            )
        });
    MatterNewPage {
        corrects,
        l,
        error,
        ops: crate::opform::views(&f, &choices),
        f: FormValues(f),
        menu: crate::opform::menu(),
        unit_names: choices.units,
        preview,
        doc_example,
    }
}

async fn matter_new(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    user.require(user.can_record(), "直接登记事项（仅编办）")?;
    let mut f = HashMap::new();
    f.insert("effective".into(), app.today().to_string());
    f.insert("n".into(), "0".into());
    // 文号登记: the office's next number, to be checked against the 批复.
    if let Some(doc) = app.next_doc()? {
        f.insert("doc".into(), doc);
    }
    if let Some(of) = p.get("corrects") {
        let kind = p
            .get("kind")
            .and_then(CorrectionKindInput::parse)
            .ok_or_else(|| WebError::invalid("bad_param", "请选择更正或撤销"))?;
        let of: u64 = of
            .parse()
            .map_err(|_| WebError::invalid("bad_param", "事项序号应为数字"))?;
        let db = app.db();
        let l = db.ledger();
        let m = l
            .matter(of)
            .map_err(WebError::from)?
            .ok_or_else(|| WebError::NotFound(format!("第 {of} 号事项不存在")))?;
        if let Some(by) = l.voided_by(of) {
            return Err(WebError::invalid(
                "already_corrected",
                format!("第 {of} 条事项已被第 {by} 条事项更正或撤销"),
            )
            .into());
        }
        f.insert("corrects".into(), of.to_string());
        match kind {
            CorrectionKindInput::Amend => {
                f.insert("correction".into(), "amend".into());
                f.insert("effective".into(), m.effective.to_string());
                f.insert("reason".into(), format!("更正{}：", m.doc.raw));
                // The form starts from the matter's own operations.
                f.extend(crate::opform::fields_of(&m.ops, db.state()));
            }
            CorrectionKindInput::Revoke => {
                f.insert("correction".into(), "revoke".into());
                f.insert("reason".into(), format!("撤销{}：", m.doc.raw));
            }
        }
    }
    if let Some(op) = p.get("op") {
        crate::opform::add(&mut f, op)?;
        // Fields of the first operation given in the link (`o0.loan=3`).
        for (k, v) in p.map.iter() {
            if k.starts_with("o0.") {
                f.insert(k.clone(), v.clone());
            }
        }
    }
    render(&matter_form_page(&app, &user, None, None, f))
}

/// The matter the form describes: the structured operations, or the
/// advanced JSON box when it is filled in.
fn input_of(f: &HashMap<String, String>) -> Result<MatterInput, WebError> {
    // A 撤销 has no operations.
    let revoking = f.get("correction").is_some_and(|k| k == "revoke");
    let ops = if revoking {
        Vec::new()
    } else {
        crate::opform::ops_of(f)?
    };
    Ok(MatterInput {
        doc: f.get("doc").cloned().unwrap_or_default(),
        effective: f.get("effective").cloned().unwrap_or_default(),
        reason: f.get("reason").cloned().unwrap_or_default(),
        same_doc: f.get("same_doc").is_some_and(|v| v == "on"),
        corrects: match (f.get("corrects"), f.get("correction")) {
            (Some(of), Some(kind)) if !of.is_empty() => Some(CorrectionInput {
                of: of
                    .parse()
                    .map_err(|_| WebError::invalid("bad_param", "事项序号应为数字"))?,
                kind: CorrectionKindInput::parse(kind)
                    .ok_or_else(|| WebError::invalid("bad_param", "请选择更正或撤销"))?,
            }),
            _ => None,
        },
        ops,
    })
}

async fn matter_create(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    audit: Option<axum::Extension<AuditCtx>>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    user.require(user.can_record(), "直接登记事项（仅编办）")?;
    let mut f: HashMap<String, String> = form.iter().cloned().collect();
    let action = f.get("action").cloned().unwrap_or_else(|| "record".into());
    // Editing the list of operations: the form comes back with what was typed.
    if action == "add" {
        let code = f.get("add_op").cloned().unwrap_or_default();
        let error = crate::opform::add(&mut f, &code)
            .err()
            .map(|e| e.to_string());
        return render(&matter_form_page(&app, &user, error, None, f))
            .map(crate::http::hardening::full_id_numbers);
    }
    if let Some(i) = action.strip_prefix("remove").and_then(|i| i.parse().ok()) {
        crate::opform::remove(&mut f, i);
        return render(&matter_form_page(&app, &user, None, None, f))
            .map(crate::http::hardening::full_id_numbers);
    }
    let built = input_of(&f);
    let app2 = app.clone();
    let u2 = user.clone();
    let r = match (built, action.as_str()) {
        (Ok(input), "preview") => match blocking(move || app2.preview_matter(&u2, input)).await {
            Ok(p) => {
                return render(&matter_form_page(&app, &user, None, Some(p), f))
                    .map(crate::http::hardening::full_id_numbers)
            }
            Err(e) => Err(e),
        },
        (Ok(input), _) => {
            blocking(move || {
                app2.record_matter_audited(&u2, input, audit.as_ref().map(|a| &a.0), false)
                    .map(|(r, _)| (r.seq, r.audited))
            })
            .await
        }
        (Err(e), _) => Err(e),
    };
    match r {
        Ok((seq, true)) => Ok(crate::http::error::audited(
            Redirect::to(&format!("/matters/{seq}?recorded=1")).into_response(),
        )),
        Ok((seq, false)) => Ok(with_note(
            Redirect::to(&format!("/matters/{seq}?recorded=1")).into_response(),
            app.matter_note(seq),
        )),
        Err(e @ (WebError::Internal(_) | WebError::Csrf | WebError::Forbidden(_))) => Err(e.into()),
        Err(e) => {
            let status = e.status();
            // The form comes back with what the clerk typed, 身份证号 included.
            render_status(
                status,
                &matter_form_page(&app, &user, Some(e.to_string()), None, f),
            )
            .map(crate::http::hardening::full_id_numbers)
            .map(|r| with_refusal(r, &e))
        }
    }
}

/// The matters a search finds, as xlsx.
async fn matters_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    use crate::http::table::{text, EXPORT_MAX};
    let date = p.as_of(app.today())?;
    let scope = app.scope(&user, date);
    let f = crate::matters::views::matter_filter(&app, scope.as_deref(), &p)?;
    let all = Pager {
        page: 1,
        per_page: EXPORT_MAX,
    };
    let (rows, _) = app.read(date, |ctx| {
        crate::matters::views::matters(ctx, scope.as_deref(), &f, all)
    });
    let mut t = bianzhi_reports::Table::new(
        "机构编制事项",
        &[
            "生效日期",
            "文号",
            "事项类型",
            "操作项数",
            "事由",
            "涉及机构",
            "登记序号",
            "经办人",
            "登记时间",
        ],
    );
    for r in &rows {
        t.rows.push(vec![
            text(r.effective),
            text(&r.doc),
            text(r.kinds.join("、")),
            bianzhi_reports::Cell::int(r.ops as i64),
            text(&r.reason),
            text(
                r.units
                    .iter()
                    .map(|u| u.name.as_str())
                    .collect::<Vec<_>>()
                    .join("、"),
            ),
            bianzhi_reports::Cell::int(r.seq as i64),
            text(&r.actor),
            text(&r.recorded_at),
        ]);
    }
    Ok(crate::reports::service::xlsx_response(
        &t,
        &format!("matters-{date}.xlsx"),
        &format!("事项_{date}.xlsx"),
    )?)
}

/// A document of a matter as PDF (入编通知单 …): the rows the user may see,
/// the office as 制表单位, the verification code and where it is checked.
/// The download is audited.
async fn matter_document(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    Path((seq, kind)): Path<(u64, String)>,
    headers: axum::http::HeaderMap,
    req_tls: Option<axum::Extension<crate::http::client::ServedOverTls>>,
) -> PageResult {
    let kind = kind
        .strip_suffix(".pdf")
        .and_then(DocKind::parse)
        .ok_or_else(|| WebError::NotFound("没有这种文件".into()))?;
    let today = app.today();
    let scope = app.scope(&user, today);
    // Scope: answered as missing when the matter is not the user's.
    app.read(today, |ctx| {
        crate::matters::views::matter_view(ctx, scope.as_deref(), seq)
    })?;
    let host = headers
        .get(axum::http::header::HOST)
        .and_then(|h| h.to_str().ok())
        .unwrap_or("127.0.0.1");
    let scheme = if req_tls.is_some() { "https" } else { "http" };
    let notice = {
        let db = app.db();
        let st = db.state();
        let Some(m) = db.ledger().matter(seq).map_err(WebError::from)? else {
            return Err(WebError::NotFound(format!("第 {seq} 号事项不存在")).into());
        };
        let m = &*m;
        if !documents::kinds_of(m).contains(&kind) {
            return Err(WebError::NotFound(format!("该事项没有{}", kind.title())).into());
        }
        let code = documents::code(kind, seq, m);
        bianzhi_reports::pdf::Notice {
            title: kind.title().into(),
            doc: m.doc.raw.clone(),
            issuer: format!("{}机构编制委员会办公室", st.jurisdiction.name),
            effective: m.effective,
            made_on: today,
            intro: kind.intro().into(),
            headers: kind.headers(),
            rows: documents::rows(st, m, kind, scope.as_deref()),
            verify_url: format!("{scheme}://{host}/verify/{code}"),
            code,
        }
    };
    let bytes = blocking(move || {
        bianzhi_reports::pdf::notice(&notice)
            .map(|b| (b, notice))
            .map_err(|e| match e {
                e @ bianzhi_reports::pdf::PdfError::NoFont(_) => {
                    WebError::invalid("no_font", e.to_string())
                }
                e => WebError::internal(e),
            })
    })
    .await?;
    let (bytes, notice) = bytes;
    app.audit(
        &user.login,
        &ip,
        "下载通知单",
        &format!("第 {seq} 条事项"),
        &format!(
            "{}，{}，核验码 {}，{} 行",
            notice.title,
            notice.doc,
            notice.code,
            notice.rows.len()
        ),
    );
    let ascii = format!("{}-{seq}.pdf", kind.code());
    let name = format!("{}_{}.pdf", notice.title, notice.doc);
    Ok((
        axum::http::StatusCode::OK,
        [
            (
                axum::http::header::CONTENT_TYPE,
                "application/pdf".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                crate::reports::service::attachment(&ascii, &name),
            ),
        ],
        bytes,
    )
        .into_response())
}

#[derive(Template)]
#[template(path = "matters/verify.html")]
struct VerifyPage {
    jurisdiction: String,
    code: String,
    /// 文件, 文号, 生效日期 and whether the matter stands, when the code
    /// verifies.
    found: Option<documents::Verified>,
}

/// 文件核验 (public, no sign-in): whether a document with this code is in the
/// ledger — its kind, 文号 and date, and that the matter stands; never
/// personal data.
async fn verify(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
) -> PageResult {
    app.count_lookup(&ip)?;
    let (jurisdiction, found) = {
        let db = app.db();
        (
            db.state().jurisdiction.name.clone(),
            documents::verify(db.ledger(), &code),
        )
    };
    let status = if found.is_some() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::NOT_FOUND
    };
    render_status(
        status,
        &VerifyPage {
            jurisdiction,
            code: code.chars().take(40).collect(),
            found,
        },
    )
}

/// 补充附件: the office files a document (the 批复 scan …) with a recorded
/// matter; the upload and its digest are audited.
async fn matter_upload(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    Path(seq): Path<u64>,
    mp: axum::extract::Multipart,
) -> PageResult {
    let up = crate::http::upload::read(mp).await?;
    let csrf = up.fields.get("_csrf").cloned().unwrap_or_default();
    check_csrf(&user, &[("_csrf".to_string(), csrf)])?;
    let (name, data) = up
        .file
        .ok_or_else(|| WebError::invalid("missing_field", "请选择要上传的文件"))?;
    let (a2, u2) = (app.clone(), user.clone());
    let size = data.len();
    let shown = name.clone();
    let (entry, digest) = blocking(move || a2.attach_to_matter(&u2, seq, &name, &data)).await?;
    app.audit(
        &user.login,
        &ip,
        "补充事项附件",
        &format!("第 {seq} 条事项"),
        &format!("{shown}（{size} 字节，SM3 {digest}，登记为第 {entry} 条）"),
    );
    Ok(Redirect::to(&format!("/matters/{seq}?attached=1#attachments")).into_response())
}

/// A document filed with a matter; the download is audited.
async fn matter_download(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    Path((seq, digest)): Path<(u64, String)>,
) -> PageResult {
    let (a2, u2, d2) = (app.clone(), user.clone(), digest.clone());
    let (name, mime, data) = blocking(move || a2.matter_attachment(&u2, seq, &d2)).await?;
    app.try_audit(
        &user.login,
        &ip,
        "下载事项附件",
        &format!("第 {seq} 条事项"),
        &format!("{name}（SM3 {digest}）"),
    )?;
    Ok((
        [
            (axum::http::header::CONTENT_TYPE, mime),
            (
                axum::http::header::CONTENT_DISPOSITION,
                crate::reports::service::attachment("attachment", &name),
            ),
            (
                axum::http::header::CACHE_CONTROL,
                "private, no-store".to_string(),
            ),
        ],
        data,
    )
        .into_response())
}

/// The 事项 pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route(
            "/matters/{seq}/attachments",
            axum::routing::post(matter_upload).layer(axum::extract::DefaultBodyLimit::max(
                crate::http::upload::ATTACHMENT_LIMIT + 256 * 1024,
            )),
        )
        .route("/matters/{seq}/attachments/{digest}", get(matter_download))
        .route("/matters", get(matters))
        .route("/matters/xlsx", get(matters_xlsx))
        .route("/matters/new", get(matter_new).post(matter_create))
        .route("/matters/{seq}", get(matter))
        .route("/matters/{seq}/documents/{kind}", get(matter_document))
        .route("/verify/{code}", get(verify))
}
