//! The public query of the register (no sign-in): a registered unit's
//! published 登记事项 and annual reports, and the check of a certificate's
//! verification code. Only what the rules publish: no personal data beyond
//! the 法定代表人's name printed on the certificate.

use askama::Template;
use axum::extract::{Path, State};
use axum::routing::get;
use axum::Router;
use bianzhi_registration::annual::{ReportStatus, Sections};
use bianzhi_registration::certificate;
use chrono::NaiveDate;

use crate::prelude::*;

/// A legal person as published.
pub struct Published {
    pub name: String,
    pub code: String,
    pub domicile: String,
    pub purpose: String,
    pub legal_rep: String,
    pub funding: String,
    pub capital: String,
    pub sponsors: String,
    pub status: String,
    pub valid_from: Option<NaiveDate>,
    pub valid_to: Option<NaiveDate>,
    pub reports: Vec<(i32, NaiveDate, Sections)>,
}

#[derive(Template)]
#[template(path = "registration/public.html")]
struct PublicPage {
    jurisdiction: String,
    q: String,
    hits: Vec<(String, String, String)>,
    one: Option<Published>,
    searched: bool,
    /// 登记公告: the latest 设立, 变更, 注销 and 补领 (old certificate void).
    notices: Vec<(NaiveDate, String, String)>,
}

/// The latest 登记公告 of the register (newest first).
fn notices(app: &App, n: usize) -> Result<Vec<(NaiveDate, String, String)>, WebError> {
    use bianzhi_registration::register::{CertReason, RegisterEvent};
    let (register, _) = app.register()?;
    let today = app.today();
    let persons = register.as_of(today);
    let void = register.voided();
    let mut out: Vec<(NaiveDate, u64, String, String)> = register
        .entries()
        .iter()
        .filter(|e| e.effective <= today && !void.contains(&e.seq))
        .filter_map(|e| {
            let reg = e.event.reg()?;
            let name = persons.get(&reg)?.particulars.full_name();
            let what = match &e.event {
                RegisterEvent::Establish { .. } => "设立登记".to_string(),
                RegisterEvent::Change { changes, .. } => format!(
                    "变更登记（{}）",
                    changes
                        .iter()
                        .map(|c| c.label())
                        .collect::<Vec<_>>()
                        .join("、")
                ),
                RegisterEvent::Deregister { .. } => "注销登记".to_string(),
                RegisterEvent::Certificate {
                    reason: CertReason::Replace,
                    ..
                } => "证书补领，原证书作废".to_string(),
                RegisterEvent::Sanction { step, .. } => step.label().to_string(),
                _ => return None,
            };
            Some((e.effective, e.seq, name, what))
        })
        .collect();
    out.sort_by_key(|(d, s, _, _)| std::cmp::Reverse((*d, *s)));
    out.truncate(n);
    Ok(out
        .into_iter()
        .map(|(d, _, name, what)| (d, name, what))
        .collect())
}

fn jurisdiction(app: &App) -> String {
    app.db().state().jurisdiction.name.clone()
}

fn published(app: &App, code: &str) -> Result<Option<Published>, WebError> {
    let (register, _) = app.register()?;
    let today = app.today();
    let Some(p) = register.as_of(today).into_values().find(|p| p.code == code) else {
        return Ok(None);
    };
    let mut reports: Vec<(i32, NaiveDate, Sections)> = app
        .annual_reports()?
        .into_iter()
        .filter(|(_, _, r)| r.reg == p.reg && r.status == ReportStatus::Published)
        .filter_map(|(_, _, r)| r.published_on.map(|d| (r.year, d, r.sections)))
        .collect();
    reports.sort_by_key(|(y, _, _)| std::cmp::Reverse(*y));
    Ok(Some(Published {
        name: p.particulars.full_name(),
        code: p.code.clone(),
        domicile: p.particulars.domicile.clone(),
        purpose: p.particulars.purpose.clone(),
        legal_rep: p.particulars.legal_rep.clone(),
        funding: p.particulars.funding.label().into(),
        capital: format!("{} 万元", p.particulars.capital),
        sponsors: p.particulars.sponsors.join("、"),
        status: p.status.label().into(),
        valid_from: p.certificate.as_ref().map(|c| c.valid_from),
        valid_to: p.certificate.as_ref().map(|c| c.valid_to),
        reports,
    }))
}

async fn search(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    PageQuery(p): PageQuery,
) -> PageResult {
    let q = p.get("q").unwrap_or("").to_string();
    let searched = !q.is_empty();
    let hits = if searched {
        app.count_lookup(&ip)?;
        let (a2, q2) = (app.clone(), q.clone());
        blocking(move || {
            let (register, _) = a2.register()?;
            let mut hits: Vec<(String, String, String)> = register
                .as_of(a2.today())
                .into_values()
                .filter(|p| p.particulars.full_name().contains(&q2) || p.code == q2.to_uppercase())
                .map(|p| {
                    (
                        p.particulars.full_name(),
                        p.code,
                        p.status.label().to_string(),
                    )
                })
                .collect();
            hits.truncate(50);
            Ok(hits)
        })
        .await?
    } else {
        Vec::new()
    };
    let a2 = app.clone();
    let notices = blocking(move || notices(&a2, 20)).await?;
    render(&PublicPage {
        jurisdiction: jurisdiction(&app),
        q,
        hits,
        one: None,
        searched,
        notices,
    })
}

async fn one(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
) -> PageResult {
    app.count_lookup(&ip)?;
    let (a2, c2) = (app.clone(), code.trim().to_uppercase());
    let found = blocking(move || published(&a2, &c2)).await?;
    let status = if found.is_some() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::NOT_FOUND
    };
    render_status(
        status,
        &PublicPage {
            jurisdiction: jurisdiction(&app),
            q: code,
            hits: Vec::new(),
            searched: found.is_none(),
            one: found,
            notices: Vec::new(),
        },
    )
}

#[derive(Template)]
#[template(path = "registration/verify.html")]
struct VerifyPage {
    jurisdiction: String,
    code: String,
    found: Option<(String, String, String, NaiveDate, NaiveDate, bool)>,
}

/// 证书核验: the legal person whose certificate carries this code, and
/// whether that certificate is still the one in force.
async fn verify(
    State(app): State<AppState>,
    ClientIp(ip): ClientIp,
    Path(code): Path<String>,
) -> PageResult {
    app.count_lookup(&ip)?;
    let wanted = certificate::normalise_code(&code);
    let a2 = app.clone();
    let w2 = wanted.clone();
    let found = blocking(move || {
        let (register, _) = a2.register()?;
        if w2.len() != 16 {
            return Ok(None);
        }
        let today = a2.today();
        let persons = register.as_of(today);
        for e in register.entries() {
            if !e.hash.to_uppercase().starts_with(&w2) {
                continue;
            }
            if let bianzhi_registration::register::RegisterEvent::Certificate {
                reg,
                number,
                valid_from,
                valid_to,
                ..
            } = &e.event
            {
                let Some(p) = persons.get(reg) else { continue };
                let current = p.certificate.as_ref().is_some_and(|c| c.entry == e.seq)
                    && !p.status.ended()
                    && today <= *valid_to;
                return Ok(Some((
                    p.particulars.full_name(),
                    p.code.clone(),
                    number.clone(),
                    *valid_from,
                    *valid_to,
                    current,
                )));
            }
        }
        Ok(None)
    })
    .await?;
    let status = if found.is_some() {
        axum::http::StatusCode::OK
    } else {
        axum::http::StatusCode::NOT_FOUND
    };
    render_status(
        status,
        &VerifyPage {
            jurisdiction: jurisdiction(&app),
            code: certificate::verification_code(&wanted.to_lowercase()),
            found,
        },
    )
}

pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/public/registration", get(search))
        .route("/public/registration/verify/{code}", get(verify))
        .route("/public/registration/{code}", get(one))
}
