//! What the registration pages and API show, computed from the register,
//! the applications and the ledger as of a date, within the user's scope.

use bianzhi_registration::annual::ReportStatus;
use bianzhi_registration::certificate;
use bianzhi_registration::register::{LegalPerson, RegisterEvent};
use bianzhi_registration::ties::deregistration_obligations;
use bianzhi_registration::watch::findings;
use bianzhi_registration::{Change, RegId};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::ledger::UnitLink;
use crate::prelude::*;
use crate::registration::service::*;

/// One legal person on the register list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterRow {
    /// 法人编号.
    pub reg: u32,
    /// 名称 (with 挂牌 names).
    pub name: String,
    /// 统一社会信用代码.
    pub code: String,
    /// 法定代表人.
    pub legal_rep: String,
    /// 举办单位.
    pub sponsors: String,
    /// 经费来源.
    pub funding: String,
    /// 开办资金（万元）.
    pub capital: String,
    /// 登记状态: 存续 / 暂扣证章 / 已注销 / 已撤销登记.
    pub status: String,
    /// 机构编制台账已撤销、尚未注销.
    pub pending_deregistration: bool,
    /// 证书有效期至.
    pub valid_to: Option<NaiveDate>,
    /// 证书状态.
    pub certificate: String,
    /// 待收缴印章数.
    pub outstanding_seals: usize,
    /// The ledger's unit.
    pub unit: Option<UnitLink>,
}

/// A finding (overdue or due) of registration.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct FindingRow {
    /// 类别.
    pub kind: String,
    pub reg: Option<u32>,
    pub application: Option<u64>,
    /// 单位.
    pub name: String,
    /// 期限.
    pub due: NaiveDate,
    /// 说明.
    pub detail: String,
}

/// The register as of a date.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct RegisterView {
    pub as_of: NaiveDate,
    pub rows: Vec<RegisterRow>,
    /// 存续 legal persons.
    pub active: usize,
    /// 待注销.
    pub pending_deregistration: usize,
    pub findings: Vec<FindingRow>,
}

fn row(app: &App, p: &LegalPerson, pending: bool, date: NaiveDate) -> RegisterRow {
    let policy = app.registration_policy();
    let unit = p.unit.map(|u| {
        let db = app.db();
        crate::ledger::link(db.state(), u)
    });
    RegisterRow {
        reg: p.reg.0,
        name: p.particulars.full_name(),
        code: p.code.clone(),
        legal_rep: p.particulars.legal_rep.clone(),
        sponsors: p.particulars.sponsors.join("、"),
        funding: p.particulars.funding.label().into(),
        capital: p.particulars.capital.to_string(),
        status: p.status.label().into(),
        pending_deregistration: pending,
        valid_to: p.certificate.as_ref().map(|c| c.valid_to),
        certificate: match &p.certificate {
            _ if p.status.ended() => "已收缴".into(),
            Some(c) => certificate::state(c, date, &policy).label().into(),
            None => "未发证".into(),
        },
        outstanding_seals: p.outstanding_seals().count(),
        unit,
    }
}

/// The register list (within the user's scope) and the findings as of `date`.
pub fn register_view(app: &App, user: &User, date: NaiveDate) -> Result<RegisterView, WebError> {
    let (register, _) = app.register()?;
    let persons = register.as_of(date);
    let facts = app.ledger_facts()?;
    let policy = app.registration_policy();
    let pending: Vec<RegId> = deregistration_obligations(&facts, &persons, &policy, date)
        .into_iter()
        .map(|o| o.reg)
        .collect();
    let visible = |p: &LegalPerson| user.can_review() || unit_in_scope(app, user, p.unit);
    let rows: Vec<RegisterRow> = persons
        .values()
        .filter(|p| visible(p))
        .map(|p| row(app, p, pending.contains(&p.reg), date))
        .collect();
    let apps: Vec<_> = app
        .reg_applications()?
        .into_iter()
        .map(|(_, _, a)| a.app)
        .collect();
    let reports: Vec<_> = app
        .annual_reports()?
        .into_iter()
        .map(|(_, _, r)| r)
        .collect();
    let cal = app.registration_calendar()?;
    let found = findings(&persons, &apps, &reports, &facts, date, &cal, &policy)
        .into_iter()
        .filter(|f| {
            f.reg
                .and_then(|r| persons.get(&r))
                .map_or(user.can_review(), &visible)
        })
        .map(|f| FindingRow {
            kind: f.kind.label().into(),
            reg: f.reg.map(|r| r.0),
            application: f.application,
            name: f.name,
            due: f.due,
            detail: f.detail,
        })
        .collect();
    Ok(RegisterView {
        as_of: date,
        active: rows.iter().filter(|r| r.status == "存续").count(),
        pending_deregistration: rows.iter().filter(|r| r.pending_deregistration).count(),
        rows,
        findings: found,
    })
}

/// An entry of a legal person's history.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct HistoryRow {
    pub seq: u64,
    pub effective: NaiveDate,
    /// 文号或登记决定书编号.
    pub doc: String,
    /// 登记事项.
    pub what: String,
    /// 内容.
    pub detail: String,
    /// 已更正作废.
    pub void: bool,
}

/// A seal as the page shows it.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SealRow {
    pub id: u32,
    pub kind: String,
    pub maker: String,
    pub filed_on: NaiveDate,
    pub status: String,
    pub outstanding: bool,
    pub disposable: bool,
    pub disposed_on: Option<NaiveDate>,
    pub receiver: String,
}

/// An application as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AppRow {
    pub id: i64,
    /// 申请类别.
    pub kind: String,
    /// 申请单位.
    pub applicant: String,
    /// 状态.
    pub status: String,
    pub open: bool,
    /// 收到申请.
    pub received_on: Option<NaiveDate>,
    /// 当前期限.
    pub due: Option<NaiveDate>,
    /// 已超期.
    pub overdue: bool,
    pub reg: Option<u32>,
}

/// A report status as listed.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ReportRow {
    pub reg: u32,
    pub name: String,
    pub year: i32,
    /// 状态 (未报送 when there is none).
    pub status: String,
    pub filed_on: Option<NaiveDate>,
    pub published_on: Option<NaiveDate>,
    /// 逾期.
    pub late: bool,
}

/// A sanction decided.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SanctionRow {
    /// 处罚.
    pub step: String,
    pub on: NaiveDate,
    /// 决定书文号.
    pub doc: String,
    /// 事由.
    pub reason: String,
}

/// One legal person.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PersonView {
    pub row: RegisterRow,
    pub domicile: String,
    pub purpose: String,
    pub mode: String,
    pub approval_doc: String,
    pub established_on: NaiveDate,
    pub ended_on: Option<NaiveDate>,
    pub certificate_number: Option<String>,
    pub valid_from: Option<NaiveDate>,
    /// 证书核验码.
    pub verify_code: Option<String>,
    pub seals: Vec<SealRow>,
    pub sanctions: Vec<SanctionRow>,
    pub history: Vec<HistoryRow>,
    pub applications: Vec<AppRow>,
    pub reports: Vec<ReportRow>,
    /// The ledger's 撤销 document when 待注销.
    pub abolished_by: Option<String>,
}

fn change_text(c: &Change) -> String {
    format!("{}：{}", c.label(), c.value_text())
}

fn event_detail(e: &RegisterEvent) -> String {
    match e {
        RegisterEvent::Establish {
            particulars,
            approval_doc,
            ..
        } => format!("{}，依据 {approval_doc}", particulars.full_name()),
        RegisterEvent::Change { changes, .. } => changes
            .iter()
            .map(change_text)
            .collect::<Vec<_>>()
            .join("；"),
        RegisterEvent::Certificate {
            number,
            valid_from,
            valid_to,
            ..
        } => format!("{number}，有效期 {valid_from} 至 {valid_to}"),
        RegisterEvent::Deregister { reason, .. } => reason.clone(),
        RegisterEvent::FileSeal { kind, maker, .. } => {
            format!("{}，刻制单位 {maker}", kind.label())
        }
        RegisterEvent::DisposeSeal { seal, receiver, .. } => {
            format!("第 {seal} 号印章，接收人 {receiver}")
        }
        RegisterEvent::Sanction { reason, .. } => reason.clone(),
        RegisterEvent::Restore { .. } => String::new(),
        RegisterEvent::Link { .. } => String::new(),
        RegisterEvent::Void { reason, .. } => reason.clone(),
    }
}

/// Application rows, with their running clock.
pub fn app_rows(
    app: &App,
    apps: impl Iterator<Item = (i64, RegApplication)>,
) -> Result<Vec<AppRow>, WebError> {
    let cal = app.registration_calendar()?;
    let policy = app.registration_policy();
    let today = app.today();
    Ok(apps
        .map(|(id, a)| {
            let due = a
                .app
                .accept_due(&cal, &policy)
                .or_else(|| a.app.decide_due(&cal, &policy));
            AppRow {
                id,
                kind: a.app.kind().label().into(),
                applicant: a.app.applicant.clone(),
                status: a.app.status.label().into(),
                open: a.app.status.open(),
                received_on: a.app.received_on,
                due,
                overdue: a.app.overdue(today, &cal, &policy).is_some(),
                reg: a.app.reg.map(|r| r.0),
            }
        })
        .collect())
}

/// One legal person as of `date` (missing, or outside the scope, alike).
pub fn person_view(
    app: &App,
    user: &User,
    reg: u32,
    date: NaiveDate,
) -> Result<PersonView, WebError> {
    let missing = || WebError::NotFound(format!("第 {reg} 号法人不存在"));
    let (register, _) = app.register()?;
    let persons = register.as_of(date);
    let p = persons.get(&RegId(reg)).ok_or_else(missing)?;
    if !user.can_review() && !unit_in_scope(app, user, p.unit) {
        return Err(WebError::out_of_scope(missing()));
    }
    let facts = app.ledger_facts()?;
    let policy = app.registration_policy();
    let ob = deregistration_obligations(&facts, &persons, &policy, date)
        .into_iter()
        .find(|o| o.reg == p.reg);
    let history = register
        .history(p.reg)
        .into_iter()
        .filter(|(e, _)| e.effective <= date)
        .map(|(e, void)| HistoryRow {
            seq: e.seq,
            effective: e.effective,
            doc: e.doc.clone(),
            what: e.event.label(),
            detail: event_detail(&e.event),
            void,
        })
        .collect();
    let apps = app
        .reg_applications()?
        .into_iter()
        .filter(|(_, _, a)| a.app.reg == Some(p.reg))
        .map(|(id, _, a)| (id, a));
    let applications = app_rows(app, apps)?;
    let mut reports: Vec<ReportRow> = app
        .annual_reports()?
        .into_iter()
        .filter(|(_, _, r)| r.reg == p.reg)
        .map(|(_, _, r)| ReportRow {
            reg,
            name: p.particulars.name.clone(),
            year: r.year,
            status: r.status.label().into(),
            filed_on: r.filed_on,
            published_on: r.published_on,
            late: r.late(app.today(), &policy),
        })
        .collect();
    reports.sort_by_key(|r| std::cmp::Reverse(r.year));
    let verify_code = p
        .certificate
        .as_ref()
        .and_then(|c| register.entry(c.entry))
        .map(|e| certificate::verification_code(&e.hash));
    Ok(PersonView {
        row: row(app, p, ob.is_some(), date),
        domicile: p.particulars.domicile.clone(),
        purpose: p.particulars.purpose.clone(),
        mode: p.mode.label().into(),
        approval_doc: p.approval_doc.clone(),
        established_on: p.established_on,
        ended_on: p.ended_on,
        certificate_number: p.certificate.as_ref().map(|c| c.number.clone()),
        valid_from: p.certificate.as_ref().map(|c| c.valid_from),
        verify_code,
        seals: p
            .seals
            .iter()
            .map(|s| SealRow {
                id: s.id,
                kind: s.kind.label().into(),
                maker: s.maker.clone(),
                filed_on: s.filed_on,
                status: s.status.label().into(),
                outstanding: s.status.outstanding(),
                disposable: !matches!(
                    s.status,
                    bianzhi_registration::register::SealStatus::Destroyed
                ),
                disposed_on: s.disposed_on,
                receiver: s.receiver.clone().unwrap_or_default(),
            })
            .collect(),
        sanctions: p
            .sanctions
            .iter()
            .map(|s| SanctionRow {
                step: s.step.label().to_string(),
                on: s.on,
                doc: s.doc.clone(),
                reason: s.reason.clone(),
            })
            .collect(),
        history,
        applications,
        reports,
        abolished_by: ob.map(|o| format!("{}（{}）", o.doc, o.abolished_on)),
    })
}

/// The annual-report status of `year` for every legal person set up before
/// the year ended and not ended before it (within the scope).
pub fn report_status(app: &App, user: &User, year: i32) -> Result<Vec<ReportRow>, WebError> {
    if !(1990..=2100).contains(&year) {
        return Err(WebError::invalid(
            "invalid_field",
            format!("年度应在 1990 至 2100 之间，收到 {year}"),
        ));
    }
    let (register, _) = app.register()?;
    let year_end = NaiveDate::from_ymd_opt(year, 12, 31).expect("31 Dec");
    let policy = app.registration_policy();
    let today = app.today();
    let reports = app.annual_reports()?;
    Ok(register
        .as_of(today)
        .values()
        .filter(|p| p.established_on <= year_end && p.ended_on.is_none_or(|e| e > year_end))
        .filter(|p| user.can_review() || unit_in_scope(app, user, p.unit))
        .map(|p| {
            let r = reports
                .iter()
                .find(|(_, _, r)| r.reg == p.reg && r.year == year)
                .map(|(_, _, r)| r);
            ReportRow {
                reg: p.reg.0,
                name: p.particulars.name.clone(),
                year,
                status: r.map_or("未报送".into(), |r| r.status.label().into()),
                filed_on: r.and_then(|r| r.filed_on),
                published_on: r.and_then(|r| r.published_on),
                late: match r {
                    Some(r) => r.late(today, &policy),
                    None => today > policy.annual_report_deadline(year),
                },
            }
        })
        .collect())
}

/// The registration of a ledger unit for its page: 法人编号, 状态, 待注销.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitRegistration {
    pub reg: u32,
    pub code: String,
    pub status: String,
    pub pending_deregistration: bool,
}

/// The registration of a ledger unit, if it has one.
pub fn unit_registration(
    app: &App,
    unit: u32,
    date: NaiveDate,
) -> Result<Option<UnitRegistration>, WebError> {
    let (register, _) = app.register()?;
    let persons = register.as_of(date);
    let Some(p) = persons
        .values()
        .filter(|p| p.unit == Some(bianzhi_core::UnitId(unit)))
        .max_by_key(|p| (!p.status.ended(), p.established_on))
    else {
        return Ok(None);
    };
    let facts = app.ledger_facts()?;
    let pending = deregistration_obligations(&facts, &persons, &app.registration_policy(), date)
        .iter()
        .any(|o| o.reg == p.reg);
    Ok(Some(UnitRegistration {
        reg: p.reg.0,
        code: p.code.clone(),
        status: p.status.label().into(),
        pending_deregistration: pending,
    }))
}

/// The number of findings (for the 总览), within the scope.
pub fn finding_count(app: &App, user: &User) -> Result<usize, WebError> {
    Ok(register_view(app, user, app.today())?.findings.len())
}

/// The `year` a page or the API asks for, else last complete year.
pub fn year_param(p: &Params, today: NaiveDate) -> Result<i32, WebError> {
    Ok(p.u32("year")?
        .map(|y| y as i32)
        .unwrap_or_else(|| report_year(today)))
}

/// Last complete year (the annual reports being filed or due).
pub fn report_year(today: NaiveDate) -> i32 {
    today.year() - 1
}

/// Whether a report status counts as in (filed or published).
pub fn is_in(s: ReportStatus) -> bool {
    matches!(s, ReportStatus::Submitted | ReportStatus::Published)
}
