//! The closed loop of institutional matters (机构编制事项办理) on the web:
//! cases (案件) moving 动议 → 论证 → 审议决定 → 组织实施 → 跟踪问效, their
//! pre-assessment (事前评估) computed from the ledger, attachments, the
//! problem ledger (问题台账), and the settings (holiday calendar, time limits,
//! 机构限额).
//!
//! The rules live in `bianzhi-casework` (pure); this module loads and saves
//! cases and problems as versioned JSON records of the [`WorkflowStore`]
//! (`kind = "case" | "problem" | "setting"`), maps web roles to casework
//! actors, applies an approved case to the ledger, and keeps attachments as
//! SM3-addressed blobs (their digests go into the journal with the matter).
//!
//! [`WorkflowStore`]: bianzhi_store::WorkflowStore

use bianzhi_casework::{
    assess, detect, new_findings, overdue_cases, stage_deadline, Action, Actor, AssessConfig,
    Attachment, Calendar, Case, Draft, Limits, Problem, ProblemAction, ProblemSource,
    ProblemStatus, Stage,
};
use bianzhi_core::{Matter, UnitId};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::prelude::*;

/// Record kinds in the workflow store.
pub const CASE: &str = "case";

pub const PROBLEM: &str = "problem";

pub const SETTING: &str = "setting";

/// The id of the one settings record.
const SETTINGS_ID: i64 = 1;

pub use crate::http::upload::ATTACHMENT_LIMIT;
use crate::http::upload::{attachment_too_large, check_content, clean_file_name};

/// Working days a problem found by the system's own checks is given.
pub const SYSTEM_PROBLEM_DAYS: u32 = 20;

/// Settings of the closed loop, kept as one record.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CaseSettings {
    /// 法定节假日 and 调休上班 days.
    #[serde(default)]
    pub calendar: Calendar,
    /// Time limit of each stage.
    #[serde(default)]
    pub limits: Limits,
    /// 机构限额, 挂牌 limit, naming rules.
    #[serde(default)]
    pub assess: AssessConfig,
    /// The office's 机关代字 for its 文号 (e.g. 盐编): forms suggest
    /// `代字〔年〕号` with it. Empty until the office sets it.
    #[serde(default)]
    pub doc_prefix: String,
    /// 入编与报到一并审批: approving an 入编 application records the 报到 in
    /// the same matter (one approval round); otherwise 报到 is a second
    /// application (two steps).
    #[serde(default)]
    pub hire_with_onboard: bool,
    /// 预警: the window and thresholds of the early warnings.
    #[serde(default)]
    pub warnings: bianzhi_casework::warning::WarningSettings,
}

impl CaseSettings {
    /// The 文号 a form suggests this year (`盐编〔2026〕号`), or `None` before
    /// the office has set its 机关代字.
    pub fn suggested_doc(&self, year: i32) -> Option<String> {
        (!self.doc_prefix.is_empty()).then(|| format!("{}〔{year}〕号", self.doc_prefix))
    }

    /// An example 文号 for a form's placeholder.
    pub fn doc_example(&self, year: i32) -> String {
        let prefix = if self.doc_prefix.is_empty() {
            "机关代字"
        } else {
            self.doc_prefix.as_str()
        };
        format!("{prefix}〔{year}〕12号")
    }
}

/// Checks a 机关代字: a few Chinese characters or letters, such that
/// `代字〔年〕N号` reads as a 文号.
pub fn check_doc_prefix(p: &str) -> Result<(), WebError> {
    if p.is_empty() {
        return Ok(());
    }
    let fits = p.chars().count() <= 12
        && bianzhi_core::ident::parse_doc_no(&format!("{p}〔2026〕1号"))
            .is_ok_and(|d| d.agency == p);
    if fits {
        Ok(())
    } else {
        Err(WebError::invalid(
            "invalid_field",
            format!("机关代字“{p}”无效：应为发文机关代字，如“盐编”“盐编办”"),
        ))
    }
}

/// A record with the version it was read at (writes are conditional on it).
#[derive(Debug, Clone)]
pub struct Stored<T> {
    pub item: T,
    pub version: i64,
}

/// The units a user may see (`None`: all), sorted.
struct Scope(Option<Vec<UnitId>>);

impl Scope {
    fn contains(&self, u: UnitId) -> bool {
        self.0.as_ref().is_none_or(|v| v.binary_search(&u).is_ok())
    }

    fn sees_case(&self, c: &Case) -> bool {
        self.0.is_none()
            || c.proposer_unit
                .into_iter()
                .chain(c.unit)
                .any(|u| self.contains(u))
    }

    fn sees_problem(&self, p: &Problem) -> bool {
        self.0.is_none() || p.unit.is_some_and(|u| self.contains(u))
    }
}

/// A case in a list: the case, its stage deadline and whether it is late.
#[derive(Debug, Clone)]
pub struct CaseRow {
    pub case: Case,
    pub deadline: Option<NaiveDate>,
    /// Working days past the deadline (0: not late).
    pub late: i64,
}

/// Counts shown on the dashboard.
#[derive(Debug, Clone, Default)]
pub struct LoopSummary {
    pub open_cases: usize,
    pub overdue_cases: usize,
    pub open_problems: usize,
    pub overdue_problems: usize,
    /// Follow-up evaluations due within 30 days or late.
    pub follow_ups_due: usize,
}

fn decode<T: serde::de::DeserializeOwned>(kind: &str, id: i64, body: &str) -> Result<T, WebError> {
    serde_json::from_str(body)
        .map_err(|e| WebError::Internal(format!("第 {id} 号{kind}记录无法读取：{e}")))
}

fn encode<T: Serialize>(v: &T) -> Result<String, WebError> {
    serde_json::to_string(v).map_err(|e| WebError::Internal(format!("记录无法保存：{e}")))
}

/// A version conflict is the user's to resolve (reload), not an internal error.
fn store_err(e: bianzhi_store::StoreError) -> WebError {
    match e {
        e @ bianzhi_store::StoreError::VersionMoved { .. } => WebError::Conflict(e.to_string()),
        e => e.into(),
    }
}

/// The answer to a form read at an older version of a case.
fn stale_case() -> WebError {
    WebError::Conflict("该事项已被他人更新，请刷新页面后重试（附件未保存）".into())
}

impl App {
    /// The casework actor a user acts as: 编办领导, 编办经办, or a 单位经办
    /// for its unit subtree; `None` for roles that only look.
    pub fn case_actor(&self, user: &User) -> Option<Actor> {
        if user.token {
            None
        } else if user.can_approve() {
            Some(Actor::OfficeLeader)
        } else if user.can_review() {
            Some(Actor::OfficeClerk)
        } else if user.can_apply() {
            user.unit.map(|scope| Actor::UnitClerk { scope })
        } else {
            None
        }
    }

    /// The units the user may act for today, computed once per request
    /// (all units for the office and read-only roles without a scope).
    fn scope_today(&self, user: &User) -> Scope {
        Scope(self.scope(user, self.today()))
    }

    // ------------------------------------------------------------ settings

    /// The settings and the version they were read at (`None`: never saved,
    /// defaults).
    pub fn case_settings(&self) -> Result<(CaseSettings, Option<i64>), WebError> {
        match self.wf().record(SETTING, SETTINGS_ID)? {
            None => Ok((CaseSettings::default(), None)),
            Some(r) => Ok((decode("设置", r.id, &r.body)?, Some(r.version))),
        }
    }

    /// 文号登记: the next 文号 of the office's 机关代字 this year (one more
    /// than the highest recorded), or `None` while no 机关代字 is set.
    pub fn next_doc(&self) -> Result<Option<String>, WebError> {
        let (settings, _) = self.case_settings()?;
        if settings.doc_prefix.is_empty() {
            return Ok(None);
        }
        let year = self.today().year();
        let n = self
            .db()
            .ledger()
            .next_doc_number(&settings.doc_prefix, year.clamp(0, u16::MAX as i32) as u16);
        Ok(Some(format!("{}〔{year}〕{n}号", settings.doc_prefix)))
    }

    /// Saves the settings (编办 roles), conditional on the version read.
    pub fn save_case_settings(
        &self,
        user: &User,
        settings: &CaseSettings,
        version: Option<i64>,
    ) -> Result<(), WebError> {
        user.require(user.can_review(), "修改办理时限和节假日（仅编办）")?;
        let body = encode(settings)?;
        let now = self.now();
        let mut wf = self.wf();
        match version {
            Some(v) => {
                wf.update_record(SETTING, SETTINGS_ID, v, &body, now)
                    .map_err(store_err)?
                    .ok_or_else(|| WebError::NotFound("设置记录不存在".into()))?;
            }
            None => {
                if wf.record(SETTING, SETTINGS_ID)?.is_some() {
                    return Err(WebError::Conflict("设置已被他人修改，请刷新后重试".into()));
                }
                let r = wf.insert_record(SETTING, &body, now)?;
                if r.id != SETTINGS_ID {
                    return Err(WebError::Internal("设置记录编号异常".into()));
                }
            }
        }
        Ok(())
    }

    // ------------------------------------------------------------ cases

    fn load_cases(&self) -> Result<Vec<Stored<Case>>, WebError> {
        let rows = self.wf().records(CASE)?;
        rows.into_iter()
            .map(|r| {
                let mut c: Case = decode("事项", r.id, &r.body)?;
                c.id = r.id;
                Ok(Stored {
                    item: c,
                    version: r.version,
                })
            })
            .collect()
    }

    /// The cases the user may see, newest first, with their deadlines.
    pub fn case_rows(&self, user: &User, stage: Option<Stage>) -> Result<Vec<CaseRow>, WebError> {
        let (settings, _) = self.case_settings()?;
        let day = self.today();
        let scope = self.scope_today(user);
        let mut rows: Vec<CaseRow> = self
            .load_cases()?
            .into_iter()
            .map(|s| s.item)
            .filter(|c| stage.is_none_or(|s| c.stage == s))
            .filter(|c| scope.sees_case(c))
            .map(|c| {
                let deadline = stage_deadline(&c, &settings.limits, &settings.calendar);
                let late = deadline
                    .filter(|d| day > *d)
                    .map_or(0, |d| settings.calendar.working_days_between(d, day).max(1));
                CaseRow {
                    case: c,
                    deadline,
                    late,
                }
            })
            .collect();
        rows.sort_by_key(|r| std::cmp::Reverse(r.case.id));
        Ok(rows)
    }

    /// One case, if the user may see it.
    pub fn load_case(&self, user: &User, id: i64) -> Result<Stored<Case>, WebError> {
        let r = self
            .wf()
            .record(CASE, id)?
            .ok_or_else(|| WebError::NotFound(format!("没有第 {id} 号事项")))?;
        let mut c: Case = decode("事项", id, &r.body)?;
        c.id = id;
        if !self.scope_today(user).sees_case(&c) {
            return Err(WebError::out_of_scope(WebError::NotFound(format!(
                "没有第 {id} 号事项"
            ))));
        }
        Ok(Stored {
            item: c,
            version: r.version,
        })
    }

    fn store_case(&self, c: &Case, version: i64) -> Result<i64, WebError> {
        let body = encode(c)?;
        let r = self
            .wf()
            .update_record(CASE, c.id, version, &body, self.now())
            .map_err(store_err)?
            .ok_or_else(|| WebError::NotFound(format!("没有第 {} 号事项", c.id)))?;
        Ok(r.version)
    }

    /// 预警 as of `date` within the user's units (the office's window and
    /// thresholds).
    pub fn early_warnings(
        &self,
        user: &User,
        date: NaiveDate,
    ) -> Result<Vec<bianzhi_casework::warning::EarlyWarning>, WebError> {
        let s = self.case_settings()?.0.warnings;
        let scope = self.scope(user, date);
        // 核定高于编制标准, from the facts the norms feature keeps (within
        // the user's scope already).
        let above: Vec<_> = self
            .norm_report(user, date)?
            .over
            .iter()
            .filter_map(|r| {
                let calc = r.calc.as_ref()?;
                bianzhi_casework::warning::above_norm(
                    UnitId(r.unit.id),
                    &r.unit.name,
                    i64::from(r.approved),
                    calc.total,
                    &calc.text,
                    &s,
                )
            })
            .collect();
        let db = self.db();
        let mut all = bianzhi_casework::warning::early_warnings(db.ledger(), date, &s);
        drop(db);
        all.extend(above);
        bianzhi_casework::warning::sort(&mut all);
        Ok(all
            .into_iter()
            // A sector's warning concerns the whole jurisdiction: only
            // for users who see all of it.
            .filter(|w| match (&scope, w.unit) {
                (None, _) => true,
                (Some(sc), Some(u)) => sc.contains(&u),
                (Some(_), None) => false,
            })
            .collect())
    }

    /// 动议: opens a case for `unit` (or the jurisdiction) with the proposed
    /// change. A 单位经办 proposes for a unit in its subtree.
    pub fn propose_case(
        &self,
        user: &User,
        title: &str,
        reasons: &str,
        unit: Option<u32>,
        draft: Draft,
    ) -> Result<i64, WebError> {
        let actor = self
            .case_actor(user)
            .ok_or_else(|| WebError::Forbidden(format!("{}无权提出动议", user.name)))?;
        let (unit, unit_name, upper) = self.case_unit(user, unit, &draft)?;
        let proposer_unit = match actor {
            Actor::UnitClerk { scope } => Some(scope),
            _ => None,
        };
        if matches!(actor, Actor::UnitClerk { .. }) && unit.is_none() {
            return Err(WebError::invalid("missing_field", "请选择涉及的单位"));
        }
        let c = Case::propose(
            title,
            reasons,
            draft,
            unit,
            &unit_name,
            &user.name,
            proposer_unit,
            upper,
            self.now(),
        )
        .map_err(|e| WebError::invalid("invalid_case", e.to_string()))?;
        let r = self.wf().insert_record(CASE, &encode(&c)?, self.now())?;
        Ok(r.id)
    }

    /// Checks the unit of a case against the user's scope; its name and
    /// whether the matter is decided by the level above (镇 / 街道).
    fn case_unit(
        &self,
        user: &User,
        unit: Option<u32>,
        draft: &Draft,
    ) -> Result<(Option<UnitId>, String, bool), WebError> {
        let unit = unit.map(UnitId);
        let scope = self.scope_today(user);
        if let Some(u) = unit {
            if !scope.contains(u) {
                return Err(WebError::out_of_scope(WebError::UnknownUnit(format!(
                    "第 {} 号单位",
                    u.0
                ))));
            }
        }
        let db = self.db();
        let st = db.state();
        if scope.0.is_some() {
            // A proposer limited to some units proposes only for them: an
            // operation on a unit outside them (or on none, or on a name that
            // does not resolve) is refused in the same words, so nothing
            // outside can be learnt from the answer.
            let units = draft.units(st);
            for (i, op) in draft.ops.iter().enumerate() {
                let ok = units
                    .as_ref()
                    .is_some_and(|v| !v[i].is_empty() && v[i].iter().all(|u| scope.contains(*u)));
                if !ok {
                    return Err(WebError::out_of_scope(WebError::invalid(
                        "op_out_of_scope",
                        format!(
                            "第 {} 项操作（{}）涉及的单位不存在或不在您经办的单位范围内",
                            i + 1,
                            op.label()
                        ),
                    )));
                }
            }
        }
        let name = match unit {
            Some(u) => st
                .unit(u)
                .map(|x| x.name.clone())
                .ok_or_else(|| WebError::UnknownUnit(format!("第 {} 号单位", u.0)))?,
            None => st.jurisdiction.name.clone(),
        };
        let upper = bianzhi_casework::decided_by_upper(st, &draft.ops, unit);
        Ok((unit, name, upper))
    }

    /// The proposer edits a case in 动议 (after it was returned).
    pub fn revise_case(
        &self,
        user: &User,
        id: i64,
        version: i64,
        title: &str,
        reasons: &str,
        draft: Draft,
    ) -> Result<(), WebError> {
        let actor = self
            .case_actor(user)
            .ok_or_else(|| WebError::Forbidden(format!("{}无权修改动议", user.name)))?;
        let _w = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let Stored { item: mut c, .. } = self.load_case(user, id)?;
        let (_, _, upper) = self.case_unit(user, c.unit.map(|u| u.0), &draft)?;
        let scope = self.scope_today(user);
        let in_scope = |u: UnitId| scope.contains(u);
        c.revise_scoped(
            &actor,
            &user.name,
            title,
            reasons,
            draft,
            self.now(),
            &in_scope,
        )
        .map_err(case_err)?;
        c.decided_by_upper = upper;
        self.store_case(&c, version)?;
        Ok(())
    }

    /// Computes the pre-assessment of a case's draft against the ledger now.
    fn compute_assessment(&self, c: &Case) -> Result<bianzhi_casework::Assessment, WebError> {
        let (settings, _) = self.case_settings()?;
        let open: Vec<String> = self
            .load_problems()?
            .into_iter()
            .map(|s| s.item)
            .filter(|p| p.status.is_open() && c.unit.is_some() && p.unit == c.unit)
            .map(|p| {
                format!(
                    "{}（{}，整改期限 {}）",
                    p.description,
                    p.source.label(),
                    p.deadline
                )
            })
            .collect();
        let mut a = {
            let db = self.db();
            assess(
                db.ledger(),
                &c.draft,
                c.unit,
                self.today(),
                open,
                &settings.assess,
            )
        };
        if let Some(u) = c.unit {
            a.verdict
                .extend(self.norm_check(c, u, settings.warnings.above_norm_percent)?);
        }
        Ok(a)
    }

    /// 编制标准测算 in 事前评估: the unit's normative 编制 (when its facts
    /// are on record) against its 事业编制 核定 now and after the draft, with
    /// the calculation; a line starting 注意： when the draft would leave it
    /// above the norm by more than the office's share.
    fn norm_check(
        &self,
        c: &Case,
        unit: UnitId,
        above_percent: u32,
    ) -> Result<Vec<String>, WebError> {
        let norms = self.norms()?;
        let Some((_, _, rec)) = self.all_facts()?.remove(&unit.0) else {
            return Ok(Vec::new());
        };
        let today = self.today();
        let Some(row) = self.read(today, |ctx| {
            crate::norms::views::unit_row(ctx, unit, &norms, &rec.facts())
        }) else {
            return Ok(Vec::new());
        };
        let Some(calc) = row.calc else {
            return Ok(Vec::new());
        };
        let after = {
            let db = self.db();
            bianzhi_casework::assess::dry_run(db.ledger(), &c.draft, today)
                .ok()
                .map(|(st, _)| {
                    let date = c.draft.effective.max(today);
                    st.unit_accounts(unit)
                        .filter(|a| st.qtype_name(a.key.qtype) == crate::norms::views::QTYPE)
                        .filter_map(|a| bianzhi_core::query::account_at(&st, &a.key, date))
                        .map(|(c, _)| i64::from(c.approved))
                        .sum::<i64>()
                })
        };
        let n = calc.total;
        let mut out = vec![format!(
            "编制标准测算：测算编制 {n} 名，现核定事业编制 {} 名{}。{}",
            row.approved,
            after.map_or_else(String::new, |b| format!("，拟办事项后 {b} 名")),
            calc.text
        )];
        if let Some(b) = after {
            if n > 0 && b * 100 > n * (100 + i64::from(above_percent)) {
                out.push(format!(
                    "注意：拟办事项后核定事业编制 {b} 名，高于编制标准测算 {n} 名（超出 {}%）",
                    (b - n) * 100 / n
                ));
            }
        }
        Ok(out)
    }

    /// Performs an action on a case. 事前评估 is computed here (not taken
    /// from the client) and re-computed before 提交审议 and 审议决定 when the
    /// ledger has changed since; 组织实施 records the matter in the ledger
    /// with the case's attachments, and only then moves the case on.
    pub fn case_act(
        &self,
        user: &User,
        id: i64,
        version: i64,
        action: CaseCommand,
    ) -> Result<(), WebError> {
        let actor = self
            .case_actor(user)
            .ok_or_else(|| WebError::Forbidden(format!("{}无权办理事项", user.name)))?;
        let _w = self.write.lock().unwrap_or_else(|e| e.into_inner());
        if matches!(action, CaseCommand::Implement) {
            // Other servers on the same database: one 组织实施 (or approval)
            // at a time, on the case as it is now, so a matter is never
            // recorded twice.
            let _lease = self.approval_lease()?;
            let fresh = self.load_case(user, id)?;
            if fresh.version != version {
                return Err(WebError::Conflict(
                    "该事项已被他人办理，请刷新页面后重试".into(),
                ));
            }
            return self.implement_case(user, &actor, fresh.item);
        }
        let Stored { item: mut c, .. } = self.load_case(user, id)?;
        let now = self.now();
        let scope = self.scope_today(user);
        let in_scope = |u: UnitId| scope.contains(u);
        let stale = |c: &Case| {
            let next = self.db().ledger().next_seq();
            c.assessment.as_ref().is_none_or(|a| !a.is_current(next))
        };
        let action = match action {
            CaseCommand::Plain(a) => {
                let a = *a;
                let refresh = match &a {
                    Action::SendToDecision => c.assessment.is_some() && stale(&c),
                    Action::Decide { .. } => stale(&c),
                    _ => false,
                };
                if refresh {
                    let fresh = self.compute_assessment(&c)?;
                    c.act_scoped(
                        &actor,
                        &user.name,
                        Action::SetAssessment(fresh),
                        now,
                        &in_scope,
                    )
                    .map_err(case_err)?;
                }
                a
            }
            CaseCommand::Assess => Action::SetAssessment(self.compute_assessment(&c)?),
            CaseCommand::Implement => unreachable!("handled above"),
        };
        c.act_scoped(&actor, &user.name, action, now, &in_scope)
            .map_err(case_err)?;
        self.store_case(&c, version)?;
        Ok(())
    }

    /// 组织实施: records the decided matter in the ledger (文号 of the
    /// decision, the draft's effective date, the attachments by SM3 digest),
    /// then moves the case to 跟踪问效 with its follow-up due date. A
    /// refusal by the ledger changes nothing.
    fn implement_case(&self, user: &User, actor: &Actor, c: Case) -> Result<(), WebError> {
        if c.stage != Stage::Implementation {
            return Err(WebError::Conflict(format!(
                "当前环节为“{}”，不能执行“组织实施”",
                c.stage.label()
            )));
        }
        if !actor.is_office() {
            return Err(WebError::Forbidden(
                "只有编办经办或编办领导可以组织实施".into(),
            ));
        }
        let decision = c
            .decision
            .clone()
            .ok_or_else(|| WebError::Conflict("尚无审议决定".into()))?;
        let doc = bianzhi_core::ident::parse_doc_no(&decision.doc_no)
            .map_err(|e| WebError::invalid("bad_doc_no", e.to_string()))?;
        let (settings, _) = self.case_settings()?;
        let now = self.now();
        let effective = c.draft.effective;
        let m = Matter {
            doc,
            effective,
            recorded_at: now,
            actor: user.name.clone(),
            reason: if c.draft.reason.trim().is_empty() {
                c.title.clone()
            } else {
                c.draft.reason.clone()
            },
            ops: c.draft.ops.clone(),
            warnings: Vec::new(),
            attachments: c.attachment_refs(),
            corrects: None,
            supplements: None,
        };
        // Check the move first on a copy, so a refused transition never
        // leaves a matter in the ledger.
        let id = c.id;
        let mut probe = c;
        probe
            .act(
                actor,
                &user.name,
                Action::Implement {
                    seq: 0,
                    doc_no: decision.doc_no.clone(),
                    effective,
                    follow_up_due: settings.limits.follow_up_due(effective),
                },
                now,
            )
            .map_err(case_err)?;
        let seq = {
            let mut db = self.db();
            let (seq, _) = db.submit(m, now)?;
            seq
        };
        // The matter is in the journal: the case must follow. Someone may
        // have touched it meanwhile (an attachment, an opinion): apply the
        // move to the case as it is now, keeping their change.
        let implement = Action::Implement {
            seq,
            doc_no: decision.doc_no,
            effective,
            follow_up_due: settings.limits.follow_up_due(effective),
        };
        for _ in 0..5 {
            let Stored {
                item: mut cur,
                version,
            } = self.load_case(user, id)?;
            cur.act(actor, &user.name, implement.clone(), now)
                .map_err(case_err)?;
            match self.store_case(&cur, version) {
                Err(WebError::Conflict(_)) => continue,
                r => return r.map(|_| ()),
            }
        }
        Err(WebError::Conflict(format!(
            "事项已登记入台账（第 {seq} 号），但办理记录未能更新，请刷新后重试"
        )))
    }

    /// Stores an uploaded document with a case after checking that its
    /// content is what its name declares.
    pub fn attach_to_case(
        &self,
        user: &User,
        id: i64,
        version: i64,
        name: &str,
        data: &[u8],
    ) -> Result<String, WebError> {
        let actor = self
            .case_actor(user)
            .ok_or_else(|| WebError::Forbidden(format!("{}无权上传附件", user.name)))?;
        let name = clean_file_name(name)?;
        if data.is_empty() {
            return Err(WebError::invalid("empty_file", "附件是空文件"));
        }
        if data.len() > ATTACHMENT_LIMIT {
            return Err(attachment_too_large());
        }
        let mime = check_content(&name, data)?;
        let _w = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let Stored {
            item: mut c,
            version: current,
        } = self.load_case(user, id)?;
        // A stale form is refused before anything is stored.
        if current != version {
            return Err(stale_case());
        }
        let digest = bianzhi_store::blob_digest(data);
        let now = self.now();
        let scope = self.scope_today(user);
        let in_scope = |u: UnitId| scope.contains(u);
        c.act_scoped(
            &actor,
            &user.name,
            Action::Attach(Attachment {
                name: name.clone(),
                mime: mime.to_string(),
                size: data.len() as u64,
                sm3: digest.clone(),
                stage: c.stage,
                by: user.name.clone(),
                at: now,
            }),
            now,
            &in_scope,
        )
        .map_err(case_err)?;
        self.wf().put_blob(mime, data)?;
        self.store_case(&c, version)?;
        Ok(digest)
    }

    /// An attachment's name, type and content (office roles and the
    /// proposer's side): the `n`-th of the case's attachments (from 0) when
    /// it has this digest, else the first that has it (two files with the
    /// same content keep their own names). The caller audits the read.
    pub fn case_attachment(
        &self,
        user: &User,
        id: i64,
        digest: &str,
        n: Option<usize>,
    ) -> Result<(String, String, Vec<u8>), WebError> {
        let c = self.load_case(user, id)?.item;
        let allowed = user.can_review()
            || self.case_actor(user).is_some_and(|a| {
                let scope = self.scope_today(user);
                c.is_proposer_side(&a, &|u| scope.contains(u))
            });
        if !allowed {
            return Err(WebError::Forbidden(format!(
                "{}无权下载该事项的附件",
                user.name
            )));
        }
        let a = n
            .and_then(|n| c.attachments.get(n))
            .filter(|a| a.sm3 == digest)
            .or_else(|| c.attachments.iter().find(|a| a.sm3 == digest))
            .ok_or_else(|| WebError::NotFound("该事项没有这个附件".into()))?;
        let blob = self
            .wf()
            .blob(digest)?
            .ok_or_else(|| WebError::NotFound("附件内容不存在".into()))?;
        Ok((a.name.clone(), a.mime.clone(), blob.data))
    }

    // ------------------------------------------------------------ problems

    fn load_problems(&self) -> Result<Vec<Stored<Problem>>, WebError> {
        let rows = self.wf().records(PROBLEM)?;
        rows.into_iter()
            .map(|r| {
                let mut p: Problem = decode("问题", r.id, &r.body)?;
                p.id = r.id;
                Ok(Stored {
                    item: p,
                    version: r.version,
                })
            })
            .collect()
    }

    /// The problems the user may see, overdue first, then newest.
    pub fn problems(
        &self,
        user: &User,
        status: Option<ProblemStatus>,
    ) -> Result<Vec<Problem>, WebError> {
        let day = self.today();
        let scope = self.scope_today(user);
        let mut v: Vec<Problem> = self
            .load_problems()?
            .into_iter()
            .map(|s| s.item)
            .filter(|p| status.is_none_or(|s| p.status == s))
            .filter(|p| scope.sees_problem(p))
            .collect();
        v.sort_by_key(|p| (!p.is_overdue(day), std::cmp::Reverse(p.id)));
        Ok(v)
    }

    pub fn load_problem(&self, user: &User, id: i64) -> Result<Stored<Problem>, WebError> {
        let r = self
            .wf()
            .record(PROBLEM, id)?
            .ok_or_else(|| WebError::NotFound(format!("没有第 {id} 号问题")))?;
        let mut p: Problem = decode("问题", id, &r.body)?;
        p.id = id;
        if !self.scope_today(user).sees_problem(&p) {
            return Err(WebError::out_of_scope(WebError::NotFound(format!(
                "没有第 {id} 号问题"
            ))));
        }
        Ok(Stored {
            item: p,
            version: r.version,
        })
    }

    /// Registers a problem found by an inspection (编办 roles).
    #[allow(clippy::too_many_arguments)]
    pub fn register_problem(
        &self,
        user: &User,
        unit: Option<u32>,
        source: ProblemSource,
        description: &str,
        found_on: NaiveDate,
        deadline: NaiveDate,
        responsible: &str,
    ) -> Result<i64, WebError> {
        user.require(user.can_review(), "登记问题（仅编办）")?;
        let unit = unit.map(UnitId);
        let unit_name = match unit {
            Some(u) => self
                .db()
                .state()
                .unit(u)
                .map(|x| x.name.clone())
                .ok_or_else(|| WebError::UnknownUnit(format!("第 {} 号单位", u.0)))?,
            None => self.db().state().jurisdiction.name.clone(),
        };
        let p = Problem::new(
            unit,
            &unit_name,
            source,
            description,
            found_on,
            deadline,
            responsible,
            None,
            &user.name,
            self.now(),
        )
        .map_err(|e| WebError::invalid("invalid_problem", e.to_string()))?;
        Ok(self
            .wf()
            .insert_record(PROBLEM, &encode(&p)?, self.now())?
            .id)
    }

    /// 系统检查: runs the ledger's own checks (超编, 超职数, overdue loans and
    /// bridges) and registers each finding that has no open problem yet.
    /// Answers how many were added.
    pub fn scan_problems(&self, user: &User) -> Result<usize, WebError> {
        user.require(user.can_review(), "运行系统检查（仅编办）")?;
        self.register_findings("系统检查", |app| {
            Ok(detect(app.db().ledger(), app.today()))
        })
    }

    /// Registers the differences a reconciliation (比对) found as problems of
    /// source 比对不一致, one per key not yet open.
    pub fn problems_from_reconciliation(
        &self,
        user: &User,
        findings: Vec<bianzhi_casework::Finding>,
    ) -> Result<usize, WebError> {
        user.require(user.can_review(), "登记比对问题（仅编办）")?;
        self.register_findings(&user.name, |_| Ok(findings))
    }

    /// Registers as problems the findings (computed under the locks) that
    /// have no open problem yet, found today with the system's deadline;
    /// answers how many. One registration at a time, across servers too, so
    /// a finding is registered once.
    fn register_findings(
        &self,
        who: &str,
        find: impl FnOnce(&App) -> Result<Vec<bianzhi_casework::Finding>, WebError>,
    ) -> Result<usize, WebError> {
        let _w = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let _lease = self.approval_lease()?;
        let found = find(self)?;
        let existing: Vec<Problem> = self.load_problems()?.into_iter().map(|s| s.item).collect();
        let fresh = new_findings(&existing, found);
        let day = self.today();
        let (settings, _) = self.case_settings()?;
        let deadline = settings.calendar.add_working_days(day, SYSTEM_PROBLEM_DAYS);
        let now = self.now();
        let n = fresh.len();
        let mut wf = self.wf();
        for f in fresh {
            let p = Problem::from_finding(f, day, deadline, "", who, now)
                .map_err(WebError::internal)?;
            wf.insert_record(PROBLEM, &encode(&p)?, now)?;
        }
        Ok(n)
    }

    /// Performs a rectification action on a problem.
    pub fn problem_act(
        &self,
        user: &User,
        id: i64,
        version: i64,
        action: ProblemAction,
    ) -> Result<(), WebError> {
        let actor = self
            .case_actor(user)
            .ok_or_else(|| WebError::Forbidden(format!("{}无权办理整改", user.name)))?;
        let _w = self.write.lock().unwrap_or_else(|e| e.into_inner());
        let Stored { item: mut p, .. } = self.load_problem(user, id)?;
        let scope = self.scope_today(user);
        let in_scope = |u: UnitId| scope.contains(u);
        p.act_scoped(&actor, &user.name, action, self.now(), &in_scope)
            .map_err(|e| match e {
                e @ bianzhi_casework::ProblemError::Forbidden { .. } => {
                    WebError::Forbidden(e.to_string())
                }
                e => WebError::Conflict(e.to_string()),
            })?;
        let body = encode(&p)?;
        self.wf()
            .update_record(PROBLEM, id, version, &body, self.now())
            .map_err(store_err)?;
        Ok(())
    }

    /// Counts for the dashboard (what the user may see).
    pub fn loop_summary(&self, user: &User) -> Result<LoopSummary, WebError> {
        let (settings, _) = self.case_settings()?;
        let day = self.today();
        let scope = self.scope_today(user);
        let cases: Vec<Case> = self
            .load_cases()?
            .into_iter()
            .map(|s| s.item)
            .filter(|c| scope.sees_case(c))
            .collect();
        let overdue = overdue_cases(&cases, &settings.limits, &settings.calendar, day);
        let soon = day + chrono::Duration::days(30);
        let problems = self.problems(user, None)?;
        Ok(LoopSummary {
            open_cases: cases.iter().filter(|c| c.stage.is_open()).count(),
            overdue_cases: overdue.len(),
            open_problems: problems.iter().filter(|p| p.status.is_open()).count(),
            overdue_problems: problems.iter().filter(|p| p.is_overdue(day)).count(),
            follow_ups_due: cases
                .iter()
                .filter(|c| c.stage == Stage::FollowUp)
                .filter(|c| c.follow_up.as_ref().is_some_and(|f| f.due <= soon))
                .count(),
        })
    }
}

/// The differences of a 名单比对 as 问题台账 findings: one per unit and kind
/// of difference (not per person), naming how many people and a few of them
/// (surname only). Differences about the file itself (invalid 身份证号,
/// duplicates) are the other department's to fix and are left out.
pub fn roster_findings(
    st: &bianzhi_core::State,
    file: &str,
    as_of: NaiveDate,
    diffs: &[bianzhi_reports::reconcile::Diff],
) -> Vec<bianzhi_casework::Finding> {
    use bianzhi_reports::reconcile::DiffKind;
    use std::collections::BTreeMap;
    let mut groups: BTreeMap<(String, DiffKind), Vec<String>> = BTreeMap::new();
    for d in diffs {
        if matches!(d.kind, DiffKind::InvalidId | DiffKind::Duplicate) {
            continue;
        }
        let e = d.ledger.as_ref().or(d.other.as_ref());
        let Some(e) = e else { continue };
        let surname: String = e.name.chars().take(1).collect();
        groups
            .entry((e.unit.clone(), d.kind))
            .or_default()
            .push(format!("{surname}某"));
    }
    groups
        .into_iter()
        .map(|((unit, kind), people)| {
            let shown: Vec<&str> = people.iter().take(5).map(String::as_str).collect();
            let more = if people.len() > shown.len() {
                "等"
            } else {
                ""
            };
            bianzhi_casework::Finding {
                key: format!("roster_mismatch:{unit}:{kind:?}"),
                unit: st.unit_by_name.get(&unit).copied(),
                unit_name: unit,
                source: ProblemSource::RosterMismatch,
                description: format!(
                    "名单比对（{file}，统计时点 {as_of}）：{} {} 人（{}{more}）",
                    kind.label(),
                    people.len(),
                    shown.join("、")
                ),
            }
        })
        .collect()
}

/// What a user limited to a unit subtree (单位经办) sees of a case's
/// 事前评估: the figures of the unit, its recent changes and open problems,
/// the dry run, 挂牌 and naming — not the jurisdiction's totals, 机构限额,
/// 周转池 or other units' averages, which stay with the 编办. For display
/// only: never store a redacted case.
pub fn redact_for(user: &User, c: &mut Case) {
    if user.scope.is_none() {
        return;
    }
    if let Some(a) = c.assessment.as_mut() {
        a.totals.clear();
        a.limits.clear();
        a.pool.clear();
        a.similar = None;
        a.verdict = vec!["事前评估已由编办完成，全区总量、机构限额等情况由编办掌握".into()];
    }
}

/// What a page asks to do with a case.
#[derive(Debug, Clone)]
pub enum CaseCommand {
    /// An action whose content comes from the form.
    Plain(Box<Action>),
    /// (Re-)compute the 事前评估 from the ledger.
    Assess,
    /// 组织实施: record the matter in the ledger.
    Implement,
}

fn case_err(e: bianzhi_casework::CaseError) -> WebError {
    use bianzhi_casework::CaseError as E;
    match e {
        e @ E::Forbidden { .. } => WebError::Forbidden(e.to_string()),
        e @ (E::WrongStage { .. } | E::NoAssessment | E::NoOpinion) => {
            WebError::Conflict(e.to_string())
        }
        e => WebError::invalid("invalid_case", e.to_string()),
    }
}
