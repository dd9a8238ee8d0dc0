use askama::Template;
use axum::extract::{DefaultBodyLimit, Multipart, OriginalUri, Path, State};
use axum::response::{IntoResponse, Redirect, Response};
use axum::routing::{get, post};
use axum::Router;
use std::collections::HashMap;

use bianzhi_core::codes::SECTOR;
use bianzhi_core::norms::{Measure, Milli, Norm};
use bianzhi_reports::{xlsx, Cell, Table};
use chrono::NaiveDate;

use crate::norms::service::*;
use crate::norms::views::*;
use crate::prelude::*;

/// Largest facts file accepted.
const IMPORT_LIMIT: usize = 4 * 1024 * 1024;

fn layout(
    app: &App,
    user: &User,
    title: impl Into<String>,
    path: &str,
    p: &Params,
    date: Option<NaiveDate>,
) -> Layout {
    Layout::new(app, user, "reports", title, Url::new(path, p), date)
}

// ---------------------------------------------------------------- report

#[derive(Template)]
#[template(path = "norms/report.html")]
struct ReportPage {
    l: Layout,
    v: NormReport,
    can_edit: bool,
    error: Option<String>,
}

async fn report_page(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    OriginalUri(uri): OriginalUri,
    PageQuery(p): PageQuery,
) -> PageResult {
    let date = p.as_of(app.today())?;
    let (a2, u2) = (app.clone(), user.clone());
    let v = blocking(move || a2.norm_report(&u2, date)).await?;
    render(&ReportPage {
        l: layout(&app, &user, "编制标准测算", uri.path(), &p, Some(date)),
        can_edit: user.can_review(),
        v,
        error: None,
    })
}

fn opt_int(v: Option<u64>) -> Cell {
    v.map_or(Cell::Empty, |n| Cell::int(n as i64))
}

/// The report as xlsx: the units, the sums per sector, the norms used.
async fn report_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
) -> Result<Response, PageError> {
    let date = p.as_of(app.today())?;
    let (a2, u2) = (app.clone(), user.clone());
    let v = blocking(move || a2.norm_report(&u2, date)).await?;
    let mut headers = vec!["单位", "行业领域", "统计时点"];
    headers.extend(Measure::ALL.iter().map(|m| m.label()));
    headers.extend([
        "测算过程",
        "测算编制",
        "核定（事业编制）",
        "实有",
        "核定−测算",
        "状况",
        "数据来源",
    ]);
    let mut t = Table::new(&format!("编制标准测算（{date}）"), &headers);
    for r in &v.rows {
        let mut row = vec![
            Cell::text(&r.unit.name),
            Cell::text(&r.sector_name),
            r.calc
                .as_ref()
                .map_or(Cell::Empty, |c| Cell::text(c.facts_as_of.to_string())),
        ];
        row.extend(
            Measure::ALL
                .iter()
                .map(|m| opt_int(r.counts.get(m.code()).copied())),
        );
        row.extend([
            r.calc.as_ref().map_or(Cell::Empty, |c| {
                Cell::text(
                    c.terms
                        .iter()
                        .map(|t| format!("{} {}", t.measure_label, t.arithmetic))
                        .collect::<Vec<_>>()
                        .join("；")
                        + &format!("；合计 {}", c.sum),
                )
            }),
            r.calc.as_ref().map_or(Cell::Empty, |c| Cell::int(c.total)),
            Cell::int(r.approved),
            Cell::int(r.actual),
            r.diff.map_or(Cell::Empty, Cell::int),
            Cell::text(&r.status),
            Cell::text(r.source.clone().unwrap_or_default()),
        ]);
        t.rows.push(row);
    }
    let mut s = Table::new(
        "分行业汇总",
        &[
            "行业领域",
            "单位数",
            "已填报",
            "测算编制",
            "核定（事业编制）",
            "实有",
            "核定−测算",
        ],
    );
    for x in &v.sectors {
        s.rows.push(vec![
            Cell::text(&x.sector_name),
            Cell::int(x.units as i64),
            Cell::int(x.reported as i64),
            Cell::int(x.normative),
            Cell::int(x.approved),
            Cell::int(x.actual),
            Cell::int(x.diff),
        ]);
    }
    let s = s.with_totals();
    let mut n = Table::new(
        "编制标准",
        &[
            "行业领域",
            "计算依据",
            "比例",
            "文件",
            "文号",
            "起用日期",
            "说明",
        ],
    );
    for x in &v.norms {
        n.rows.push(vec![
            Cell::text(&x.sector_name),
            Cell::text(&x.measure_label),
            Cell::text(&x.ratio),
            Cell::text(&x.basis),
            Cell::text(&x.doc_no),
            Cell::text(x.effective.to_string()),
            Cell::text(format!("{}；{}", x.origin, x.note)),
        ]);
    }
    app.try_audit(
        &user.login,
        &ip,
        "导出编制标准测算",
        "编制标准测算",
        &format!("统计时点 {date}，{} 个单位", v.rows.len()),
    )?;
    let bytes = xlsx::workbook(&[&t, &s, &n])
        .map_err(WebError::internal)?
        .save_to_buffer()
        .map_err(WebError::internal)?;
    Ok(crate::reports::service::xlsx_bytes_response(
        bytes,
        &format!("norms-{date}.xlsx"),
        &format!("编制标准测算_{date}.xlsx"),
    ))
}

/// The template of facts: one row per unit of a sector with norms.
async fn template_xlsx(
    State(app): State<AppState>,
    PageUser(user): PageUser,
) -> Result<Response, PageError> {
    let date = app.today();
    let (a2, u2) = (app.clone(), user.clone());
    let v = blocking(move || a2.norm_report(&u2, date)).await?;
    let mut t = Table::new(IMPORT_SHEET_NAME, &IMPORT_COLS);
    for r in &v.rows {
        let mut row = vec![Cell::text(&r.unit.name), Cell::text(&r.sector_name)];
        row.extend((2..IMPORT_COLS.len()).map(|_| Cell::Empty));
        t.rows.push(row);
    }
    Ok(crate::reports::service::xlsx_response(
        &t,
        "norms-facts-template.xlsx",
        "单位基础数据导入模板.xlsx",
    )?)
}

/// The sheet name of the template.
const IMPORT_SHEET_NAME: &str = "基础数据";

async fn import(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    mp: Multipart,
) -> PageResult {
    let date = app.today();
    let fail = |e: WebError| {
        let (app, user) = (app.clone(), user.clone());
        async move {
            let (a2, u2) = (app.clone(), user.clone());
            let v = blocking(move || a2.norm_report(&u2, date)).await?;
            let status = e.status();
            let resp = render_status(
                status,
                &ReportPage {
                    l: layout(
                        &app,
                        &user,
                        "编制标准测算",
                        "/norms",
                        &Params::default(),
                        Some(date),
                    ),
                    can_edit: user.can_review(),
                    v,
                    error: Some(e.to_string()),
                },
            )?;
            Ok::<Response, PageError>(with_refusal(resp, &e))
        }
    };
    let up = match crate::http::upload::read(mp).await {
        Ok(u) => u,
        Err(e) if e.code() == "too_large" => {
            return fail(WebError::invalid(
                "too_large",
                format!("文件过大（上限 {} MB）", IMPORT_LIMIT / 1024 / 1024),
            ))
            .await
        }
        Err(e) => return fail(e).await,
    };
    if up.fields.get("_csrf") != Some(&user.csrf) {
        return Err(WebError::Csrf.into());
    }
    if let Err(e) = user.require(user.can_review(), "导入单位基础数据（仅编办）") {
        return Err(e.into());
    }
    let Some((name, bytes)) = up.file.filter(|(_, b)| !b.is_empty()) else {
        return fail(WebError::invalid(
            "missing_field",
            "请选择填好的基础数据文件（xlsx、xls 或 csv）",
        ))
        .await;
    };
    if bytes.len() > IMPORT_LIMIT {
        return fail(WebError::invalid(
            "too_large",
            format!("文件过大（上限 {} MB）", IMPORT_LIMIT / 1024 / 1024),
        ))
        .await;
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "csv") {
        return fail(WebError::invalid(
            "bad_file_type",
            format!("不支持的文件“{name}”：应为 xlsx、xls 或 csv 文件"),
        ))
        .await;
    }
    // At most a few spreadsheets are parsed at a time, on the blocking pool
    // and within the upload limits (the reports crate's guards).
    let permit = match tokio::time::timeout(
        crate::reports::service::PARSE_WAIT,
        crate::reports::service::PARSES.acquire(),
    )
    .await
    {
        Ok(Ok(p)) => p,
        _ => return fail(WebError::invalid("busy", "服务器繁忙，请稍后再导入")).await,
    };
    let (a2, u2) = (app.clone(), user.clone());
    let r = blocking(move || {
        let _permit = permit;
        let sheet = std::panic::catch_unwind(|| {
            xlsx::read_bytes_with(&bytes, &ext, None, &xlsx::Limits::upload())
        })
        .map_err(|_| WebError::invalid("bad_file", "文件内容异常，无法解析"))?
        .map_err(|e| WebError::invalid("bad_file", e.to_string()))?;
        let facts = a2.facts_from_sheet(&u2, &sheet)?;
        let n = facts.len();
        let units: std::collections::BTreeSet<u32> = facts.iter().map(|(u, _)| *u).collect();
        a2.put_facts(&u2, facts)?;
        Ok((n, units.len()))
    })
    .await;
    match r {
        Ok((rows, units)) => Ok(with_note(
            Redirect::to(&format!("/norms?imported={rows}")).into_response(),
            format!("导入单位基础数据：{name}，{units} 个单位 {rows} 条"),
        )),
        Err(e @ (WebError::Internal(_) | WebError::Forbidden(_))) => Err(e.into()),
        Err(e) => fail(e).await,
    }
}

// ---------------------------------------------------------------- a unit

#[derive(Template)]
#[template(path = "norms/unit.html")]
struct UnitPage {
    l: Layout,
    v: UnitFactsView,
    can_edit: bool,
    error: Option<String>,
    f: FormValues,
    /// The measures the form asks for (the unit's sector's first).
    measures: Vec<(&'static str, &'static str, &'static str)>,
}

fn unit_page(
    app: &App,
    user: &User,
    id: u32,
    p: &Params,
    error: Option<String>,
    f: HashMap<String, String>,
) -> Result<UnitPage, WebError> {
    let date = p.as_of(app.today())?;
    let v = app.norm_unit(user, id, date)?;
    let wanted: Vec<Measure> = v
        .norms
        .iter()
        .filter_map(|n| Measure::parse(&n.measure))
        .collect();
    let measures = if wanted.is_empty() {
        Measure::ALL.to_vec()
    } else {
        wanted
    }
    .into_iter()
    .map(|m| (m.code(), m.label(), m.unit_word()))
    .collect();
    let mut f = f;
    if f.is_empty() {
        f.insert("as_of".into(), app.today().to_string());
        // The latest report's counts, to be corrected rather than retyped.
        if let Some(h) = v.history.first() {
            for (k, n) in &h.counts {
                f.insert(k.clone(), n.to_string());
            }
            f.insert("source".into(), h.source.clone());
        }
    }
    Ok(UnitPage {
        l: layout(
            app,
            user,
            format!("{} · 基础数据与编制标准测算", v.unit.name),
            &format!("/norms/units/{id}"),
            p,
            Some(date),
        ),
        can_edit: user.can_review(),
        v,
        error,
        f: FormValues(f),
        measures,
    })
}

async fn unit_get(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<u32>,
    PageQuery(p): PageQuery,
) -> PageResult {
    let (a2, u2) = (app.clone(), user.clone());
    let page = blocking(move || unit_page(&a2, &u2, id, &p, None, HashMap::new())).await?;
    render(&page)
}

async fn unit_post(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<u32>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let counts: Vec<(Measure, &str)> = Measure::ALL
        .iter()
        .map(|m| (*m, field(&form, m.code())))
        .collect();
    let checked = check_facts(field(&form, "as_of"), &counts, field(&form, "source"));
    let (a2, u2) = (app.clone(), user.clone());
    let r = match checked {
        Ok(f) => {
            let words = facts_words(&f);
            let as_of = f.as_of;
            blocking(move || {
                a2.put_facts(&u2, vec![(id, f.clone())])?;
                let name = a2.read(a2.today(), |ctx| {
                    ctx.live.unit_name(bianzhi_core::UnitId(id))
                });
                Ok((name, as_of, words))
            })
            .await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok((name, as_of, words)) => Ok(with_note(
            Redirect::to(&format!("/norms/units/{id}?saved=1")).into_response(),
            format!("填报单位基础数据：{name}（统计时点 {as_of}：{words}）"),
        )),
        Err(e @ (WebError::Internal(_) | WebError::Forbidden(_) | WebError::NotFound(_))) => {
            Err(e.into())
        }
        Err(WebError::OutOfScope(e)) => Err(WebError::OutOfScope(e).into()),
        Err(e) => {
            let f: HashMap<String, String> = form.iter().cloned().collect();
            let (a2, u2) = (app.clone(), user.clone());
            let msg = e.to_string();
            let page =
                blocking(move || unit_page(&a2, &u2, id, &Params::default(), Some(msg), f)).await?;
            render_status(e.status(), &page).map(|r| with_refusal(r, &e))
        }
    }
}

async fn propose(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<u32>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let date = match field(&form, "as_of") {
        "" => app.today(),
        s => crate::http::params::parse_date(s)?,
    };
    let (case, n, name) = blocking(move || app.propose_norm_increase(&user, id, date)).await?;
    Ok(with_note(
        Redirect::to(&format!("/cases/{case}")).into_response(),
        format!("按编制标准测算拟核增：{name} {QTYPE} {n} 名（办理事项第 {case} 号）"),
    ))
}

// ---------------------------------------------------------------- norms

#[derive(Template)]
#[template(path = "norms/standards.html")]
struct StandardsPage {
    l: Layout,
    norms: Vec<NormView>,
    can_edit: bool,
    error: Option<String>,
    f: FormValues,
    sectors: Vec<(&'static str, &'static str)>,
    measures: Vec<(&'static str, &'static str)>,
}

fn standards_page(
    app: &App,
    user: &User,
    p: &Params,
    error: Option<String>,
    f: HashMap<String, String>,
) -> Result<StandardsPage, WebError> {
    let date = p.as_of(app.today())?;
    let norms = app.norms()?;
    let own = app.norm_records()?;
    let mut f = f;
    f.entry("effective".into())
        .or_insert_with(|| app.today().to_string());
    f.entry("staff".into()).or_insert_with(|| "1".into());
    Ok(StandardsPage {
        l: layout(app, user, "编制标准", "/norms/standards", p, Some(date)),
        norms: norm_views(&norms, &own, date),
        can_edit: user.can_review(),
        error,
        f: FormValues(f),
        sectors: SECTOR.entries.iter().map(|c| (c.code, c.name)).collect(),
        measures: Measure::ALL.iter().map(|m| (m.code(), m.label())).collect(),
    })
}

async fn standards(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    PageQuery(p): PageQuery,
) -> PageResult {
    let (a2, u2) = (app.clone(), user.clone());
    let page = blocking(move || standards_page(&a2, &u2, &p, None, HashMap::new())).await?;
    render(&page)
}

/// A norm from the form, checked.
fn norm_of(form: &[(String, String)]) -> Result<Norm, WebError> {
    let bad = |e: bianzhi_core::norms::BadNumber| WebError::invalid("invalid_field", e.to_string());
    let measure = Measure::parse(field(form, "measure"))
        .ok_or_else(|| WebError::invalid("missing_field", "请选择计算依据（在校生、床位等）"))?;
    let effective = crate::http::params::parse_date(field(form, "effective"))
        .map_err(|_| WebError::invalid("bad_date", "请填写起用日期（YYYY-MM-DD）"))?;
    let staff: Milli = field(form, "staff").parse().map_err(bad)?;
    let per: Milli = field(form, "per").parse().map_err(bad)?;
    let basis = field(form, "basis");
    if basis.chars().count() > 200 || field(form, "doc_no").chars().count() > 60 {
        return Err(WebError::invalid("invalid_field", "依据或文号过长"));
    }
    Ok(Norm {
        sector: field(form, "sector").to_string(),
        measure,
        staff,
        per,
        basis: basis.to_string(),
        doc_no: field(form, "doc_no").to_string(),
        effective,
        note: field(form, "note").to_string(),
    })
}

async fn standards_add(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let (a2, u2) = (app.clone(), user.clone());
    let r = match norm_of(&form) {
        Ok(n) => {
            let n2 = n.clone();
            blocking(move || a2.add_norm(&u2, n2).map(|id| (id, n))).await
        }
        Err(e) => Err(e),
    };
    match r {
        Ok((id, n)) => Ok(with_note(
            Redirect::to("/norms/standards?saved=1").into_response(),
            format!(
                "设定编制标准第 {id} 号：{} {}，依据{}，自 {} 起",
                bianzhi_core::codes::sector_name(&n.sector),
                n.ratio_text(),
                n.citation(),
                n.effective
            ),
        )),
        Err(e @ (WebError::Internal(_) | WebError::Forbidden(_))) => Err(e.into()),
        Err(e) => {
            let f: HashMap<String, String> = form.iter().cloned().collect();
            let (a2, u2) = (app.clone(), user.clone());
            let msg = e.to_string();
            let page = blocking(move || standards_page(&a2, &u2, &Params::default(), Some(msg), f))
                .await?;
            render_status(e.status(), &page).map(|r| with_refusal(r, &e))
        }
    }
}

async fn standards_retire(
    State(app): State<AppState>,
    PageUser(user): PageUser,
    Path(id): Path<i64>,
    Form(form): Form,
) -> PageResult {
    check_csrf(&user, &form)?;
    let n = blocking(move || app.retire_norm(&user, id)).await?;
    Ok(with_note(
        Redirect::to("/norms/standards?retired=1").into_response(),
        format!(
            "停用编制标准第 {id} 号：{} {}（{}）",
            bianzhi_core::codes::sector_name(&n.sector),
            n.ratio_text(),
            n.citation()
        ),
    ))
}

/// The 编制标准测算 pages.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/norms", get(report_page))
        .route("/norms/xlsx", get(report_xlsx))
        .route("/norms/template.xlsx", get(template_xlsx))
        .route(
            "/norms/import",
            post(import).layer(DefaultBodyLimit::max(IMPORT_LIMIT + 64 * 1024)),
        )
        .route("/norms/units/{id}", get(unit_get).post(unit_post))
        .route("/norms/units/{id}/propose", post(propose))
        .route("/norms/standards", get(standards).post(standards_add))
        .route("/norms/standards/{id}/retire", post(standards_retire))
}
