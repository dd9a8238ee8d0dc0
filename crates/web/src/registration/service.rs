//! The register and the registration workflow kept in the workflow store
//! (record kinds below, on SQLite and PostgreSQL through `RecordStore`):
//!
//! * `register`: one record holding the register's hash-chained entries;
//!   every append is a compare-and-set on its version, so two servers (or
//!   two clerks) never fork the chain, and a refused entry writes nothing;
//! * `reg_application`: a 登记申请 with its materials (the files are blobs
//!   under their SM3) and the warnings of the ties to the ledger;
//! * `annual_report`: one per legal person and year;
//! * `spot_check`: a drawn 抽查 with its seed and results.
//!
//! Every change is audited in the office's words by the handler (`with_note`).

use std::sync::Arc;

use bianzhi_casework::calendar::Calendar;
use bianzhi_core::UnitId;
use bianzhi_registration::annual::{AnnualReport, ReportAction, ReportActor};
use bianzhi_registration::application::{Actor, AppAction, Application, Proposal};
use bianzhi_registration::material::{check_file, MaterialKind};
use bianzhi_registration::register::{
    CertReason, Draft, RegisterEntry, RegisterEvent, SealAction, SealKind,
};
use bianzhi_registration::sanction::SanctionStep;
use bianzhi_registration::spotcheck::{self, Outcome, SpotCheck};
use bianzhi_registration::ties::{self, LedgerFacts, TieWarning};
use bianzhi_registration::{
    certificate, Capital, Change, FundingSource, LegalPerson, Particulars, Policy, RegId, RegMode,
    Register,
};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::prelude::*;

/// Record kind of the register (one record).
pub const REGISTER: &str = "register";
/// Record kind of a 登记申请.
pub const REG_APPLICATION: &str = "reg_application";
/// Record kind of a 年度报告.
pub const ANNUAL_REPORT: &str = "annual_report";
/// Record kind of a 抽查.
pub const SPOT_CHECK: &str = "spot_check";
/// Record kind of the province's deadlines and limits (one record).
pub const POLICY: &str = "registration_policy";

/// The stored body of the register record.
#[derive(Debug, Clone, Default, Serialize, Deserialize)]
pub struct RegisterBody {
    pub entries: Vec<RegisterEntry>,
}

/// A stored 登记申请.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct RegApplication {
    pub app: Application,
    /// The SM3 digests of the materials' files (same order as `app.materials`).
    #[serde(default)]
    pub blobs: Vec<String>,
    /// Soft ties to the ledger that did not hold when it was filed.
    #[serde(default)]
    pub warnings: Vec<TieWarning>,
    /// Who filed it.
    pub author: String,
    /// The register entries its approval wrote.
    #[serde(default)]
    pub entries: Vec<u64>,
}

/// A stored 抽查 with its results.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct SpotCheckRecord {
    pub check: SpotCheck,
    pub drawn_on: NaiveDate,
    pub drawn_by: String,
    /// Results by 法人 number.
    #[serde(default)]
    pub results: Vec<(RegId, Outcome, NaiveDate)>,
}

fn decode<T: for<'de> Deserialize<'de>>(what: &str, id: i64, body: &str) -> Result<T, WebError> {
    serde_json::from_str(body)
        .map_err(|e| WebError::Internal(format!("第 {id} 号{what}记录无法读取：{e}")))
}

fn encode<T: Serialize>(v: &T) -> Result<String, WebError> {
    serde_json::to_string(v).map_err(|e| WebError::Internal(format!("记录无法保存：{e}")))
}

fn refused(code: &'static str, e: impl std::fmt::Display) -> WebError {
    WebError::invalid(code, e.to_string())
}

pub use crate::ledger::unit_in_scope;

/// Whether the user acts for the 举办单位 of `unit` (a unit clerk whose
/// scope holds the unit's parent).
pub fn acts_for_sponsor(app: &App, user: &User, unit: Option<UnitId>) -> bool {
    if !user.can_apply() {
        return false;
    }
    let parent = unit.and_then(|u| app.db().state().unit(u).and_then(|x| x.parent));
    parent.is_some() && unit_in_scope(app, user, parent)
}

impl App {
    /// The registrar's 行政区划代码 (the ledger's jurisdiction).
    pub fn registrar(&self) -> String {
        self.db().state().jurisdiction.code.clone()
    }

    /// The deadlines and limits: the office's own (set for its province),
    /// else the national defaults.
    pub fn registration_policy(&self) -> Policy {
        self.wf()
            .records(POLICY)
            .ok()
            .and_then(|rows| rows.into_iter().next())
            .and_then(|r| serde_json::from_str(&r.body).ok())
            .unwrap_or_default()
    }

    /// Sets the deadlines and limits (the office's), each checked for range.
    pub fn set_registration_policy(&self, user: &User, p: Policy) -> Result<(), WebError> {
        user.require(user.can_approve(), "设置登记时限（仅编办领导）")?;
        let check = |ok: bool, what: &str| {
            if ok {
                Ok(())
            } else {
                Err(WebError::invalid(
                    "invalid_field",
                    format!("{what}超出合理范围"),
                ))
            }
        };
        check(
            (1..=30).contains(&p.accept_days),
            "受理期限（1–30 个工作日）",
        )?;
        check(
            (1..=90).contains(&p.decide_days),
            "审查决定期限（1–90 个工作日）",
        )?;
        check(
            (1..=90).contains(&p.change_days),
            "变更申请期限（1–90 个工作日）",
        )?;
        check(
            (1..=90).contains(&p.deregister_after_liquidation_days),
            "注销申请期限（1–90 个工作日）",
        )?;
        check(
            p.establish_after_approval_days
                .is_none_or(|d| (1..=365).contains(&d)),
            "设立申请期限（1–365 个工作日）",
        )?;
        check(
            (30..=1825).contains(&p.deregister_after_abolition_days_calendar),
            "撤销后应注销期限（30–1825 日）",
        )?;
        check(
            (1..=10).contains(&p.certificate_years),
            "证书有效期（1–10 年）",
        )?;
        check(
            (1..=180).contains(&p.renewal_window_days_calendar),
            "换领期（1–180 日）",
        )?;
        check(
            (1..=180).contains(&p.seal_filing_days),
            "印鉴备案期限（1–180 个工作日）",
        )?;
        check(
            chrono::NaiveDate::from_ymd_opt(2025, p.annual_report_due.0, p.annual_report_due.1)
                .is_some()
                && p.annual_report_due.0 <= 6,
            "年报截止日期（次年 1–6 月）",
        )?;
        check(
            (1..=100).contains(&p.spot_check_permille),
            "抽查比例（1‰–100‰）",
        )?;
        check(
            (2..=5).contains(&p.inspectors_per_unit),
            "每单位检查人员（2–5 人）",
        )?;
        check(
            (1024 * 1024..=crate::http::upload::ATTACHMENT_LIMIT).contains(&p.max_file_bytes),
            "材料文件大小上限",
        )?;
        let body = encode(&p)?;
        let mut wf = self.wf();
        match wf.records(POLICY)?.into_iter().next() {
            Some(r) => {
                if wf
                    .update_record(POLICY, r.id, r.version, &body, self.now())?
                    .is_none()
                {
                    return Err(WebError::Conflict(
                        "登记时限已被他人修改，请刷新后再试".into(),
                    ));
                }
            }
            None => {
                wf.insert_record(POLICY, &body, self.now())?;
            }
        }
        Ok(())
    }

    /// The working-day calendar (the 事项办理 settings' holidays and 调休).
    pub fn registration_calendar(&self) -> Result<Calendar, WebError> {
        Ok(self.case_settings()?.0.calendar)
    }

    /// The register and the version of its record (`None`: none yet).
    pub fn register(&self) -> Result<(Register, Option<(i64, i64)>), WebError> {
        let registrar = self.registrar();
        let rows = self.wf().records(REGISTER)?;
        let Some(r) = rows.first() else {
            return Ok((Register::new(&registrar), None));
        };
        let body: RegisterBody = decode("登记簿", r.id, &r.body)?;
        let reg = Register::from_entries(&registrar, body.entries).map_err(|seq| {
            WebError::Internal(format!(
                "登记簿第 {seq} 条记录的校验值不符，登记簿可能被改动"
            ))
        })?;
        Ok((reg, Some((r.id, r.version))))
    }

    /// Appends entries to the register, all or none: each is checked against
    /// the whole register; the record is replaced only if nobody wrote in
    /// between (else read again and retried). Answers the entries' 序号.
    pub fn append_register(&self, drafts: Vec<Draft>) -> Result<Vec<u64>, WebError> {
        for _ in 0..5 {
            let (mut reg, at) = self.register()?;
            let mut seqs = Vec::new();
            for d in drafts.iter().cloned() {
                seqs.push(
                    reg.append(d)
                        .map_err(|e| WebError::invalid(e.code(), e.to_string()))?,
                );
            }
            let body = encode(&RegisterBody {
                entries: reg.entries().to_vec(),
            })?;
            let mut wf = self.wf();
            match at {
                None => {
                    if wf.records(REGISTER)?.is_empty() {
                        wf.insert_record(REGISTER, &body, self.now())?;
                        return Ok(seqs);
                    }
                }
                Some((id, version)) => {
                    if wf
                        .update_record(REGISTER, id, version, &body, self.now())?
                        .is_some()
                    {
                        return Ok(seqs);
                    }
                }
            }
        }
        Err(WebError::Conflict(
            "登记簿正被他人同时修改，请稍后重试".into(),
        ))
    }

    /// The ledger's acts that bear on registration (设立, 更名, 撤销, 合并).
    /// Read from the journal once per change of the ledger (every page of
    /// the register, the 总览 and the unit pages use them).
    pub fn ledger_facts(&self) -> Result<Arc<LedgerFacts>, WebError> {
        let db = self.db();
        let ledger = db.ledger();
        let key = (ledger.journal_len(), ledger.next_seq());
        let mut cache = self.ledger_facts_cache();
        if let Some((k, f)) = cache.as_ref() {
            if *k == key {
                return Ok(f.clone());
            }
        }
        let f = Arc::new(LedgerFacts::from_ledger(ledger).map_err(WebError::internal)?);
        *cache = Some((key, f.clone()));
        Ok(f)
    }

    // ------------------------------------------------------------ applications

    /// Every 登记申请, by id.
    pub fn reg_applications(&self) -> Result<Vec<(i64, i64, RegApplication)>, WebError> {
        self.wf()
            .records(REG_APPLICATION)?
            .into_iter()
            .map(|r| Ok((r.id, r.version, decode("登记申请", r.id, &r.body)?)))
            .collect()
    }

    /// One 登记申请 the user may see (its version too).
    pub fn reg_application(&self, user: &User, id: i64) -> Result<(i64, RegApplication), WebError> {
        let missing = || WebError::NotFound(format!("登记申请第 {id} 号不存在"));
        let r = self.wf().record(REG_APPLICATION, id)?.ok_or_else(missing)?;
        let a: RegApplication = decode("登记申请", r.id, &r.body)?;
        if !user.can_review() && !unit_in_scope(self, user, a.app.unit) {
            return Err(WebError::out_of_scope(missing()));
        }
        Ok((r.version, a))
    }

    fn save_application(&self, id: i64, version: i64, a: &RegApplication) -> Result<(), WebError> {
        match self
            .wf()
            .update_record(REG_APPLICATION, id, version, &encode(a)?, self.now())?
        {
            Some(_) => Ok(()),
            None => Err(WebError::Conflict(
                "该申请已被他人处理，请刷新后再试".into(),
            )),
        }
    }

    /// Opens a 登记申请 (待提交) after checking it against the register and
    /// the ledger: a refused one writes nothing. The unit clerk applies for
    /// the units in their scope; the office may open one for any unit.
    pub fn open_reg_application(
        &self,
        user: &User,
        reg: Option<RegId>,
        proposal: Proposal,
    ) -> Result<i64, WebError> {
        user.require(user.can_apply() || user.can_review(), "提出登记申请")?;
        let today = self.today();
        let (register, _) = self.register()?;
        let facts = self.ledger_facts()?;
        let mut warnings = Vec::new();
        let (unit, applicant) = match (&proposal, reg) {
            (
                Proposal::Establish {
                    code, particulars, ..
                },
                None,
            ) => {
                bianzhi_registration::register::check_code(code, &register.registrar)
                    .map_err(|e| refused(e.code(), e))?;
                let (unit, w) = {
                    let db = self.db();
                    ties::check_establish(&facts, db.state(), &proposal, today)
                        .map_err(|e| refused(e.code(), e))?
                };
                if let Some(u) = unit {
                    if register
                        .as_of(today)
                        .values()
                        .any(|p| p.unit == Some(u) && !p.status.ended())
                    {
                        return Err(WebError::invalid(
                            "already_registered",
                            "该单位已办理事业单位法人登记，不能重复设立登记",
                        ));
                    }
                }
                warnings = w;
                (unit, particulars.name.clone())
            }
            (Proposal::Establish { .. }, Some(_)) => {
                return Err(WebError::invalid("bad_kind", "设立登记不针对已登记的法人"))
            }
            (_, None) => {
                return Err(WebError::invalid(
                    "missing_field",
                    "请选择已登记的事业单位法人",
                ))
            }
            (p, Some(reg)) => {
                let person = register
                    .person(reg, today)
                    .ok_or_else(|| WebError::NotFound(format!("第 {} 号法人不存在", reg.0)))?;
                if person.status.ended() {
                    return Err(WebError::invalid(
                        "legal_person_ended",
                        format!(
                            "{}已{}，不能再申请登记",
                            person.particulars.name,
                            person.status.label()
                        ),
                    ));
                }
                if let Proposal::Change { changes, .. } = p {
                    if changes.is_empty() {
                        return Err(WebError::invalid("no_change", "请至少填写一项变更事项"));
                    }
                    let db = self.db();
                    warnings = ties::check_change(&facts, db.state(), &person, changes, today)
                        .map_err(|e| refused(e.code(), e))?;
                }
                if let Proposal::Renew = p {
                    let ok = person.certificate.as_ref().is_some_and(|c| {
                        certificate::renewable(c, today, &self.registration_policy())
                    });
                    if !ok {
                        return Err(WebError::invalid(
                            "not_renewable",
                            "证书换领应在有效期届满前 30 日内申请",
                        ));
                    }
                }
                (person.unit, person.particulars.name.clone())
            }
        };
        if !user.can_review() && !unit_in_scope(self, user, unit) {
            return Err(WebError::Forbidden(format!(
                "{}（{}）无权为本单位以外的单位提出登记申请",
                user.name,
                user.role_labels()
            )));
        }
        let open_same = self.reg_applications()?.into_iter().any(|(_, _, a)| {
            a.app.status.open()
                && a.app.kind() == proposal.kind()
                && ((reg.is_some() && a.app.reg == reg)
                    || (reg.is_none() && unit.is_some() && a.app.unit == unit))
        });
        if open_same {
            return Err(WebError::invalid(
                "open_application",
                format!("该单位已有一件未办结的{}申请", proposal.kind().label()),
            ));
        }
        let rec = RegApplication {
            app: Application::new(0, reg, unit, &applicant, proposal),
            blobs: Vec::new(),
            warnings,
            author: user.name.clone(),
            entries: Vec::new(),
        };
        let mut wf = self.wf();
        let row = wf.insert_record(REG_APPLICATION, &encode(&rec)?, self.now())?;
        // The application's number is its record's.
        let mut rec = rec;
        rec.app.id = row.id as u64;
        wf.update_record(
            REG_APPLICATION,
            row.id,
            row.version,
            &encode(&rec)?,
            self.now(),
        )?;
        Ok(row.id)
    }

    /// Files a material with an application (checked by content, size; kept
    /// as a blob under its SM3).
    pub fn attach_reg_material(
        &self,
        user: &User,
        id: i64,
        kind: MaterialKind,
        file_name: &str,
        bytes: &[u8],
    ) -> Result<RegApplication, WebError> {
        let (version, mut a) = self.reg_application(user, id)?;
        user.require(
            user.can_review() || unit_in_scope(self, user, a.app.unit),
            "为该申请上传材料",
        )?;
        let m = check_file(
            kind,
            file_name,
            bytes,
            self.registration_policy().max_file_bytes,
        )
        .map_err(|e| refused(e.code(), e))?;
        let mut next = a.clone();
        next.app
            .attach(m.clone())
            .map_err(|e| refused(e.code(), e))?;
        let digest = self.wf().put_blob(m.content_type.mime(), bytes)?;
        next.blobs.push(digest);
        self.save_application(id, version, &next)?;
        a = next;
        Ok(a)
    }

    /// An action on an application. Approval (准予) writes the register
    /// entries and the new certificate in the same step; if the register
    /// refuses them, nothing changes.
    pub fn act_reg_application(
        &self,
        user: &User,
        id: i64,
        action: AppAction,
    ) -> Result<RegApplication, WebError> {
        let (version, a) = self.reg_application(user, id)?;
        let actor = if user.can_review() {
            Actor::Office
        } else if user.can_apply() && unit_in_scope(self, user, a.app.unit) {
            Actor::Unit
        } else {
            return Err(WebError::Forbidden(format!(
                "{}（{}）无权办理该登记申请",
                user.name,
                user.role_labels()
            )));
        };
        if matches!(action, AppAction::Approve | AppAction::Refuse { .. }) {
            user.require(user.can_approve(), "核准登记申请（仅编办领导）")?;
        }
        let today = self.today();
        let cal = self.registration_calendar()?;
        let policy = self.registration_policy();
        let mut next = a.clone();
        next.app
            .act(actor, action.clone(), today, "", &cal, &policy)
            .map_err(|e| refused(e.code(), e))?;
        if action == AppAction::Approve {
            let drafts = self.approval_drafts(user, &next.app, today)?;
            // Written first: if the register refuses, the application stays as it was.
            next.entries = self.append_register(drafts)?;
        }
        self.save_application(id, version, &next)?;
        Ok(next)
    }

    /// The register entries an approval writes: the act itself and the
    /// certificate (正本 and 副本).
    fn approval_drafts(
        &self,
        user: &User,
        app: &Application,
        today: NaiveDate,
    ) -> Result<Vec<Draft>, WebError> {
        let (register, _) = self.register()?;
        let policy = self.registration_policy();
        let prefix = self.case_settings()?.0.doc_prefix;
        let doc = format!(
            "{}登〔{}〕{}号",
            if prefix.is_empty() {
                "事"
            } else {
                prefix.as_str()
            },
            today.year(),
            app.id
        );
        let draft = |event| Draft {
            doc: doc.clone(),
            effective: today,
            recorded_at: self.now(),
            actor: user.name.clone(),
            event,
        };
        let facts = self.ledger_facts()?;
        let person = app.reg.and_then(|r| register.person(r, today));
        let cert_of = |p: &LegalPerson| p.certificate.clone();
        let mut out = Vec::new();
        match &app.proposal {
            Proposal::Establish {
                code,
                mode,
                particulars,
                approval_doc,
                ..
            } => {
                let (unit, _) = {
                    let db = self.db();
                    ties::check_establish(&facts, db.state(), &app.proposal, today)
                        .map_err(|e| refused(e.code(), e))?
                };
                let reg = register.next_reg();
                out.push(draft(RegisterEvent::Establish {
                    reg,
                    code: code.clone(),
                    mode: *mode,
                    particulars: particulars.clone(),
                    approval_doc: approval_doc.clone(),
                    unit,
                }));
                let (from, to) = certificate::validity(today, &policy);
                out.push(draft(RegisterEvent::Certificate {
                    reg,
                    number: certificate::number(&register.registrar, reg),
                    valid_from: from,
                    valid_to: to,
                    reason: CertReason::Establish,
                }));
            }
            Proposal::Change { changes, .. } => {
                let p = person.ok_or_else(|| WebError::NotFound("法人不存在".into()))?;
                {
                    let db = self.db();
                    ties::check_change(&facts, db.state(), &p, changes, today)
                        .map_err(|e| refused(e.code(), e))?;
                }
                out.push(draft(RegisterEvent::Change {
                    reg: p.reg,
                    changes: changes.clone(),
                }));
                let (from, to) = match cert_of(&p) {
                    Some(c) => (today, c.valid_to.max(today)),
                    None => certificate::validity(today, &policy),
                };
                out.push(draft(RegisterEvent::Certificate {
                    reg: p.reg,
                    number: certificate::number(&register.registrar, p.reg),
                    valid_from: from,
                    valid_to: to,
                    reason: CertReason::Change,
                }));
            }
            Proposal::Deregister { reason, .. } => {
                let p = person.ok_or_else(|| WebError::NotFound("法人不存在".into()))?;
                out.push(draft(RegisterEvent::Deregister {
                    reg: p.reg,
                    reason: reason.clone(),
                }));
            }
            Proposal::Replace { .. } | Proposal::Renew => {
                let p = person.ok_or_else(|| WebError::NotFound("法人不存在".into()))?;
                let renew = matches!(app.proposal, Proposal::Renew);
                let (from, to) = match cert_of(&p) {
                    Some(c) if !renew => (today, c.valid_to),
                    Some(c) => {
                        certificate::validity(c.valid_to.succ_opt().unwrap_or(c.valid_to), &policy)
                    }
                    None => certificate::validity(today, &policy),
                };
                out.push(draft(RegisterEvent::Certificate {
                    reg: p.reg,
                    number: certificate::number(&register.registrar, p.reg),
                    valid_from: from.min(today.max(from)),
                    valid_to: to,
                    reason: if renew {
                        CertReason::Renew
                    } else {
                        CertReason::Replace
                    },
                }));
            }
        }
        Ok(out)
    }

    /// Opens the 注销 applications of every registered unit a document
    /// abolished (a reform like the 2021 town restructuring), skipping those
    /// already deregistered or with one open. Answers the new applications.
    pub fn bulk_deregistration(&self, user: &User, doc: &str) -> Result<Vec<i64>, WebError> {
        user.require(user.can_review(), "批量发起注销登记（仅编办）")?;
        let facts = self.ledger_facts()?;
        let units = facts.abolished_by(doc);
        if units.is_empty() {
            return Err(WebError::invalid(
                "no_abolition",
                format!("机构编制台账中文号“{}”下没有撤销或合并的单位", doc.trim()),
            ));
        }
        let (register, _) = self.register()?;
        let persons = register.as_of(self.today());
        let mut opened = Vec::new();
        for (unit, _) in units {
            let Some(p) = persons
                .values()
                .find(|p| p.unit == Some(unit) && !p.status.ended())
            else {
                continue;
            };
            let proposal = Proposal::Deregister {
                reason: "机构撤销".into(),
                basis_doc: ties::normal_doc(doc),
                liquidation_end: None,
            };
            match self.open_reg_application(user, Some(p.reg), proposal) {
                Ok(id) => opened.push(id),
                Err(WebError::InvalidField {
                    code: "open_application",
                    ..
                }) => {}
                Err(e) => return Err(e),
            }
        }
        Ok(opened)
    }

    // ------------------------------------------------------------ seals and sanctions

    /// Records a seal act (刻制备案, 收回, 封存, 销毁) — the office's.
    fn seal_act(&self, user: &User, event: RegisterEvent, doc: &str) -> Result<u64, WebError> {
        user.require(user.can_review(), "办理印章备案或收缴（仅编办）")?;
        if doc.trim().is_empty() {
            return Err(WebError::invalid(
                "missing_field",
                "请填写凭证编号（收缴凭证或备案编号）",
            ));
        }
        let seqs = self.append_register(vec![Draft {
            doc: doc.trim().to_string(),
            effective: self.today(),
            recorded_at: self.now(),
            actor: user.name.clone(),
            event,
        }])?;
        Ok(seqs[0])
    }

    /// Files a new seal of `kind`.
    pub fn file_seal(
        &self,
        user: &User,
        reg: RegId,
        kind: SealKind,
        maker: &str,
        doc: &str,
    ) -> Result<u64, WebError> {
        if maker.trim().is_empty() {
            return Err(WebError::invalid("missing_field", "请填写刻制单位"));
        }
        let (register, _) = self.register()?;
        let seal = register.next_seal(reg);
        self.seal_act(
            user,
            RegisterEvent::FileSeal {
                reg,
                seal,
                kind,
                maker: maker.trim().to_string(),
            },
            doc,
        )
    }

    /// 收回 / 封存 / 销毁 of a seal.
    pub fn dispose_seal(
        &self,
        user: &User,
        reg: RegId,
        seal: u32,
        action: SealAction,
        receiver: &str,
        doc: &str,
    ) -> Result<u64, WebError> {
        if receiver.trim().is_empty() {
            return Err(WebError::invalid("missing_field", "请填写接收人"));
        }
        self.seal_act(
            user,
            RegisterEvent::DisposeSeal {
                reg,
                seal,
                action,
                receiver: receiver.trim().to_string(),
            },
            doc,
        )
    }

    /// 发还证章 after a 暂扣 once the unit has put things right (编办领导).
    pub fn restore(&self, user: &User, reg: RegId, doc: &str) -> Result<u64, WebError> {
        user.require(user.can_approve(), "发还证章（仅编办领导）")?;
        if doc.trim().is_empty() {
            return Err(WebError::invalid("missing_field", "请填写决定书文号"));
        }
        let seqs = self.append_register(vec![Draft {
            doc: doc.trim().to_string(),
            effective: self.today(),
            recorded_at: self.now(),
            actor: user.name.clone(),
            event: RegisterEvent::Restore { reg },
        }])?;
        Ok(seqs[0])
    }

    /// A sanction decided (the office's).
    pub fn record_sanction(
        &self,
        user: &User,
        reg: RegId,
        step: SanctionStep,
        reason: &str,
        doc: &str,
    ) -> Result<u64, WebError> {
        user.require(user.can_approve(), "作出登记管理处罚决定（仅编办领导）")?;
        if reason.trim().is_empty() || doc.trim().is_empty() {
            return Err(WebError::invalid("missing_field", "请填写决定书文号和事由"));
        }
        let seqs = self.append_register(vec![Draft {
            doc: doc.trim().to_string(),
            effective: self.today(),
            recorded_at: self.now(),
            actor: user.name.clone(),
            event: RegisterEvent::Sanction {
                reg,
                step,
                reason: reason.trim().to_string(),
            },
        }])?;
        Ok(seqs[0])
    }

    // ------------------------------------------------------------ annual reports

    /// Every annual report (id, version, report).
    pub fn annual_reports(&self) -> Result<Vec<(i64, i64, AnnualReport)>, WebError> {
        self.wf()
            .records(ANNUAL_REPORT)?
            .into_iter()
            .map(|r| Ok((r.id, r.version, decode("年度报告", r.id, &r.body)?)))
            .collect()
    }

    /// Acts on the report of `reg` for `year` (created at its first save).
    pub fn act_annual_report(
        &self,
        user: &User,
        reg: RegId,
        year: i32,
        action: ReportAction,
    ) -> Result<AnnualReport, WebError> {
        let today = self.today();
        let (register, _) = self.register()?;
        let person = register
            .person(reg, today)
            .ok_or_else(|| WebError::NotFound(format!("第 {} 号法人不存在", reg.0)))?;
        let actor = match &action {
            ReportAction::Save { .. } | ReportAction::Submit => {
                user.require(
                    user.can_apply() && unit_in_scope(self, user, person.unit),
                    "填报该单位的年度报告",
                )?;
                ReportActor::Unit
            }
            ReportAction::SponsorApprove | ReportAction::SponsorReturn { .. } => {
                user.require(
                    acts_for_sponsor(self, user, person.unit),
                    "以举办单位身份审查该年度报告",
                )?;
                ReportActor::Sponsor
            }
            ReportAction::Return { .. } | ReportAction::Publish => {
                user.require(user.can_review(), "审查年度报告（仅编办）")?;
                ReportActor::Office
            }
        };
        let existing = self
            .annual_reports()?
            .into_iter()
            .find(|(_, _, r)| r.reg == reg && r.year == year);
        let mut report = existing
            .as_ref()
            .map(|(_, _, r)| r.clone())
            .unwrap_or_else(|| AnnualReport::new(reg, year));
        report
            .act(actor, action, today)
            .map_err(|e| refused(e.code(), e))?;
        let body = encode(&report)?;
        let mut wf = self.wf();
        match existing {
            Some((id, version, _)) => {
                if wf
                    .update_record(ANNUAL_REPORT, id, version, &body, self.now())?
                    .is_none()
                {
                    return Err(WebError::Conflict(
                        "该年度报告已被他人修改，请刷新后再试".into(),
                    ));
                }
            }
            None => {
                wf.insert_record(ANNUAL_REPORT, &body, self.now())?;
            }
        }
        Ok(report)
    }

    // ------------------------------------------------------------ spot checks

    /// Every spot check drawn.
    pub fn spot_checks(&self) -> Result<Vec<(i64, SpotCheckRecord)>, WebError> {
        self.wf()
            .records(SPOT_CHECK)?
            .into_iter()
            .map(|r| Ok((r.id, decode("抽查", r.id, &r.body)?)))
            .collect()
    }

    /// Draws this year's spot check with `seed` among the active legal
    /// persons not yet checked this year, and records it with its seed.
    pub fn draw_spot_check(
        &self,
        user: &User,
        seed: u64,
        inspectors: &[String],
    ) -> Result<i64, WebError> {
        user.require(user.can_review(), "组织双随机抽查（仅编办）")?;
        let today = self.today();
        let year = today.year();
        let (register, _) = self.register()?;
        let checked: Vec<RegId> = self
            .spot_checks()?
            .into_iter()
            .filter(|(_, r)| r.check.year == year)
            .flat_map(|(_, r)| r.check.draws.into_iter().map(|(u, _)| u))
            .collect();
        let eligible: Vec<RegId> = register
            .as_of(today)
            .values()
            .filter(|p| !p.status.ended() && !checked.contains(&p.reg))
            .map(|p| p.reg)
            .collect();
        let policy = self.registration_policy();
        let check = spotcheck::draw(
            year,
            seed,
            &eligible,
            inspectors,
            policy.spot_check_permille,
            policy.inspectors_per_unit,
        )
        .map_err(|e| refused("spot_check", e))?;
        let rec = SpotCheckRecord {
            check,
            drawn_on: today,
            drawn_by: user.name.clone(),
            results: Vec::new(),
        };
        Ok(self
            .wf()
            .insert_record(SPOT_CHECK, &encode(&rec)?, self.now())?
            .id)
    }

    /// Records the result of checking one drawn unit.
    pub fn spot_check_result(
        &self,
        user: &User,
        id: i64,
        reg: RegId,
        outcome: Outcome,
    ) -> Result<(), WebError> {
        user.require(user.can_review(), "登记抽查结果（仅编办）")?;
        let row = self
            .wf()
            .record(SPOT_CHECK, id)?
            .ok_or_else(|| WebError::NotFound(format!("抽查第 {id} 号不存在")))?;
        let mut rec: SpotCheckRecord = decode("抽查", id, &row.body)?;
        if !rec.check.draws.iter().any(|(u, _)| *u == reg) {
            return Err(WebError::invalid("not_drawn", "该单位不在本次抽查名单中"));
        }
        rec.results.retain(|(u, _, _)| *u != reg);
        rec.results.push((reg, outcome, self.today()));
        if self
            .wf()
            .update_record(SPOT_CHECK, id, row.version, &encode(&rec)?, self.now())?
            .is_none()
        {
            return Err(WebError::Conflict(
                "该抽查已被他人修改，请刷新后再试".into(),
            ));
        }
        Ok(())
    }
}

/// The proposal a form describes.
pub fn proposal_from_fields(
    kind: &str,
    f: &[(String, String)],
    today: NaiveDate,
) -> Result<Proposal, WebError> {
    Ok(match kind {
        "establish" => Proposal::Establish {
            code: field(f, "code").to_uppercase(),
            mode: if field(f, "mode") == "备案" {
                RegMode::Filed
            } else {
                RegMode::Registered
            },
            particulars: Particulars {
                name: field(f, "name").into(),
                second_names: list(field(f, "second_names")),
                domicile: field(f, "domicile").into(),
                purpose: field(f, "purpose").into(),
                legal_rep: field(f, "legal_rep").into(),
                funding: funding(field(f, "funding"))?,
                capital: capital(field(f, "capital"))?,
                sponsors: list(field(f, "sponsors")),
            },
            approval_doc: field(f, "approval_doc").into(),
            outside_establishment: field(f, "outside") == "on",
        },
        "change" => {
            let mut changes = Vec::new();
            let v = |k| field(f, k);
            if !v("new_name").is_empty() {
                changes.push(Change::Name {
                    name: v("new_name").into(),
                });
            }
            if !v("new_domicile").is_empty() {
                changes.push(Change::Domicile {
                    domicile: v("new_domicile").into(),
                });
            }
            if !v("new_purpose").is_empty() {
                changes.push(Change::Purpose {
                    purpose: v("new_purpose").into(),
                });
            }
            if !v("new_legal_rep").is_empty() {
                changes.push(Change::LegalRep {
                    legal_rep: v("new_legal_rep").into(),
                });
            }
            if !v("new_funding").is_empty() {
                changes.push(Change::Funding {
                    funding: funding(v("new_funding"))?,
                });
            }
            if !v("new_capital").is_empty() {
                changes.push(Change::Capital {
                    capital: capital(v("new_capital"))?,
                });
            }
            if !v("new_sponsors").is_empty() {
                changes.push(Change::Sponsors {
                    sponsors: list(v("new_sponsors")),
                });
            }
            let event_on = if v("event_on").is_empty() {
                today
            } else {
                parse_date_field(v("event_on"), "变更发生日期")?
            };
            Proposal::Change {
                changes,
                event_on,
                basis_doc: v("basis_doc").into(),
            }
        }
        "deregister" => Proposal::Deregister {
            reason: field(f, "reason").into(),
            basis_doc: field(f, "basis_doc").into(),
            liquidation_end: match field(f, "liquidation_end") {
                "" => None,
                d => Some(parse_date_field(d, "清算结束日期")?),
            },
        },
        "replace" => Proposal::Replace {
            reason: field(f, "reason").into(),
        },
        "renew" => Proposal::Renew,
        _ => return Err(WebError::invalid("bad_kind", "没有这种登记申请")),
    })
}

pub(crate) fn parse_date_field(v: &str, label: &str) -> Result<NaiveDate, WebError> {
    crate::http::params::parse_date(v)
        .map_err(|_| WebError::invalid("bad_date", format!("{label}应为 YYYY-MM-DD 格式的日期")))
}

pub(crate) fn list(v: &str) -> Vec<String> {
    v.split(['、', ',', '，', ';', '；'])
        .map(|s| s.trim().to_string())
        .filter(|s| !s.is_empty())
        .collect()
}

pub(crate) fn capital(v: &str) -> Result<Capital, WebError> {
    Capital::parse(v).ok_or_else(|| {
        WebError::invalid(
            "invalid_field",
            format!("开办资金应为以万元计、最多两位小数的金额，收到“{v}”"),
        )
    })
}

pub(crate) fn funding(v: &str) -> Result<FundingSource, WebError> {
    FundingSource::parse(v)
        .ok_or_else(|| WebError::invalid("invalid_field", "请选择经费来源（财政补助或非财政补助）"))
}
