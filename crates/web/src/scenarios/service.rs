//! Scenarios kept in the workflow store (records of kind `scenario`), for
//! the 编办 only; running one never touches the ledger.

use bianzhi_casework::scenario::{run, Outcome};
use bianzhi_core::ident::DocNo;
use bianzhi_core::{Matter, Op};
use chrono::{Datelike, NaiveDate};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::prelude::*;

/// Record kind of scenarios.
pub const SCENARIO: &str = "scenario";

/// At most this many draft matters in one scenario.
pub const MAX_DRAFTS: usize = 200;

/// One draft matter of a scenario, as stored: operations with units and
/// people by name or 身份证号, as a clerk wrote them.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct ScenarioDraft {
    /// 文号; empty: a placeholder (推演〔年〕N号).
    #[serde(default)]
    pub doc: String,
    #[schema(value_type = String, format = Date)]
    pub effective: NaiveDate,
    /// 事由.
    #[serde(default)]
    pub reason: String,
    #[schema(value_type = Vec<Object>)]
    pub ops: Vec<Op>,
}

/// A scenario as stored.
#[derive(Debug, Clone, Serialize, Deserialize, ToSchema)]
pub struct Scenario {
    /// 名称.
    pub name: String,
    /// 说明.
    #[serde(default)]
    pub note: String,
    /// Who made it (name).
    pub author: String,
    pub drafts: Vec<ScenarioDraft>,
    /// The case (动议) it was turned into.
    #[serde(default)]
    pub case_id: Option<i64>,
    /// Deleted scenarios are kept (ids are never given again) but not shown.
    #[serde(default)]
    pub deleted: bool,
}

/// A scenario in the list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScenarioRow {
    pub id: i64,
    pub version: i64,
    pub name: String,
    pub note: String,
    pub author: String,
    pub drafts: usize,
    pub updated_at: String,
    pub case_id: Option<i64>,
}

/// A new scenario, or a draft matter to add (from the API).
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ScenarioInput {
    pub name: String,
    #[serde(default)]
    pub note: String,
    #[serde(default)]
    pub drafts: Vec<DraftInput>,
}

/// A draft matter as a clerk writes it.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct DraftInput {
    /// 文号 (optional).
    #[serde(default)]
    pub doc: String,
    /// 生效日期, YYYY-MM-DD.
    pub effective: String,
    #[serde(default)]
    pub reason: String,
    /// Operations, as for recording a matter (`{"op": "合并机构", …}`).
    #[schema(value_type = Vec<Object>)]
    pub ops: Vec<serde_json::Value>,
}

/// A scenario with what it would do.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ScenarioView {
    pub id: i64,
    pub version: i64,
    pub scenario: Scenario,
    pub outcome: Outcome,
}

fn decode(id: i64, body: &str) -> Result<Scenario, WebError> {
    serde_json::from_str(body)
        .map_err(|e| WebError::Internal(format!("第 {id} 号推演记录无法读取：{e}")))
}

fn encode(s: &Scenario) -> Result<String, WebError> {
    serde_json::to_string(s).map_err(|e| WebError::Internal(format!("记录无法保存：{e}")))
}

fn missing(id: i64) -> WebError {
    WebError::NotFound(format!("第 {id} 号推演不存在"))
}

impl DraftInput {
    /// The draft checked for form (date, operations, 文号 if given).
    pub fn check(self) -> Result<ScenarioDraft, WebError> {
        let effective = crate::http::params::parse_date(&self.effective)?;
        let doc = self.doc.trim().to_string();
        if !doc.is_empty() {
            bianzhi_core::ident::parse_doc_no(&doc)
                .map_err(|e| WebError::invalid("bad_doc_no", e.to_string()))?;
        }
        if self.ops.is_empty() {
            return Err(WebError::invalid(
                "missing_field",
                "推演事项至少要有一项操作",
            ));
        }
        Ok(ScenarioDraft {
            doc,
            effective,
            reason: self.reason.trim().to_string(),
            ops: crate::ledger::parse_ops(self.ops)?,
        })
    }
}

impl ScenarioDraft {
    /// The draft as a matter (the `n`-th of its scenario, from 1).
    fn matter(&self, n: usize, actor: &str, now: chrono::DateTime<chrono::Utc>) -> Matter {
        let doc = bianzhi_core::ident::parse_doc_no(&self.doc).unwrap_or_else(|_| {
            let year = self.effective.year().clamp(1949, 2100) as u16;
            DocNo {
                agency: "推演".into(),
                year,
                number: n as u32,
                raw: format!("推演〔{year}〕{n}号"),
            }
        });
        Matter {
            doc,
            effective: self.effective,
            recorded_at: now,
            actor: actor.to_string(),
            reason: self.reason.clone(),
            ops: self.ops.clone(),
            warnings: Vec::new(),
            attachments: Vec::new(),
            corrects: None,
            supplements: None,
        }
    }
}

fn check_name(name: &str) -> Result<String, WebError> {
    let name = name.trim();
    if name.is_empty() {
        return Err(WebError::invalid("missing_field", "请填写推演名称"));
    }
    if name.chars().count() > 60 {
        return Err(WebError::invalid(
            "invalid_field",
            "推演名称过长（最多 60 个字）",
        ));
    }
    Ok(name.to_string())
}

impl App {
    fn require_scenarios(&self, user: &User) -> Result<(), WebError> {
        user.require(user.can_review(), "沙盘推演（仅编办）")
    }

    /// The scenarios of the 编办, newest first.
    pub fn scenarios(&self, user: &User) -> Result<Vec<ScenarioRow>, WebError> {
        self.require_scenarios(user)?;
        let rows = self.wf().records(SCENARIO)?;
        let mut out = Vec::new();
        for r in rows.into_iter().rev() {
            let s = decode(r.id, &r.body)?;
            if s.deleted {
                continue;
            }
            out.push(ScenarioRow {
                id: r.id,
                version: r.version,
                name: s.name,
                note: s.note,
                author: s.author,
                drafts: s.drafts.len(),
                updated_at: crate::state::fmt_time(r.updated_at),
                case_id: s.case_id,
            });
        }
        Ok(out)
    }

    /// One scenario and its version.
    pub fn scenario(&self, user: &User, id: i64) -> Result<(Scenario, i64), WebError> {
        self.require_scenarios(user)?;
        let r = self.wf().record(SCENARIO, id)?.ok_or_else(|| missing(id))?;
        let s = decode(id, &r.body)?;
        if s.deleted {
            return Err(missing(id));
        }
        Ok((s, r.version))
    }

    /// A new scenario.
    pub fn create_scenario(&self, user: &User, input: ScenarioInput) -> Result<i64, WebError> {
        self.require_scenarios(user)?;
        let name = check_name(&input.name)?;
        if input.drafts.len() > MAX_DRAFTS {
            return Err(WebError::invalid(
                "too_many",
                format!("一个推演最多 {MAX_DRAFTS} 件事项"),
            ));
        }
        let mut drafts = Vec::with_capacity(input.drafts.len());
        for (i, d) in input.drafts.into_iter().enumerate() {
            drafts.push(d.check().map_err(|e| {
                WebError::invalid(e.code(), format!("第 {} 件推演事项：{e}", i + 1))
            })?);
        }
        let s = Scenario {
            name,
            note: input.note.trim().to_string(),
            author: user.name.clone(),
            drafts,
            case_id: None,
            deleted: false,
        };
        Ok(self
            .wf()
            .insert_record(SCENARIO, &encode(&s)?, self.now())?
            .id)
    }

    /// Changes a scenario read at `version` (refused if someone saved it
    /// meanwhile).
    fn change_scenario(
        &self,
        user: &User,
        id: i64,
        version: i64,
        f: impl FnOnce(&mut Scenario) -> Result<(), WebError>,
    ) -> Result<i64, WebError> {
        let (mut s, current) = self.scenario(user, id)?;
        if current != version {
            return Err(stale());
        }
        f(&mut s)?;
        let r = self
            .wf()
            .update_record(SCENARIO, id, version, &encode(&s)?, self.now())
            .map_err(|e| match e {
                bianzhi_store::StoreError::VersionMoved { .. } => stale(),
                e => e.into(),
            })?
            .ok_or_else(|| missing(id))?;
        Ok(r.version)
    }

    /// Adds a draft matter at the end.
    pub fn add_scenario_draft(
        &self,
        user: &User,
        id: i64,
        version: i64,
        draft: DraftInput,
    ) -> Result<i64, WebError> {
        let d = draft.check()?;
        self.change_scenario(user, id, version, |s| {
            if s.drafts.len() >= MAX_DRAFTS {
                return Err(WebError::invalid(
                    "too_many",
                    format!("一个推演最多 {MAX_DRAFTS} 件事项"),
                ));
            }
            s.drafts.push(d);
            Ok(())
        })
    }

    /// Removes the `n`-th draft (from 1).
    pub fn remove_scenario_draft(
        &self,
        user: &User,
        id: i64,
        version: i64,
        n: usize,
    ) -> Result<i64, WebError> {
        self.change_scenario(user, id, version, |s| {
            if n == 0 || n > s.drafts.len() {
                return Err(WebError::NotFound(format!("没有第 {n} 件推演事项")));
            }
            s.drafts.remove(n - 1);
            Ok(())
        })
    }

    /// Deletes a scenario (kept as deleted, never shown again).
    pub fn delete_scenario(&self, user: &User, id: i64, version: i64) -> Result<(), WebError> {
        self.change_scenario(user, id, version, |s| {
            s.deleted = true;
            Ok(())
        })
        .map(|_| ())
    }

    /// What the scenario would do, tried on a copy of the ledger.
    pub fn run_scenario(&self, user: &User, id: i64) -> Result<ScenarioView, WebError> {
        let (scenario, version) = self.scenario(user, id)?;
        let now = self.now();
        let drafts: Vec<Matter> = scenario
            .drafts
            .iter()
            .enumerate()
            .map(|(i, d)| d.matter(i + 1, &user.name, now))
            .collect();
        let cfg = self.case_settings()?.0.assess;
        let outcome = {
            let db = self.db();
            run(db.ledger(), &drafts, now, self.today(), &cfg)
        };
        Ok(ScenarioView {
            id,
            version,
            scenario,
            outcome,
        })
    }

    /// 转为动议: a case in 事项办理 carrying the scenario's operations (in
    /// order, as one proposed matter effective on the latest draft's date);
    /// its 事前评估 dry-runs them. Answers the case's id.
    pub fn scenario_to_case(&self, user: &User, id: i64, version: i64) -> Result<i64, WebError> {
        let (s, current) = self.scenario(user, id)?;
        if current != version {
            return Err(stale());
        }
        if let Some(c) = s.case_id {
            return Err(WebError::Conflict(format!(
                "该推演已转为动议（第 {c} 号办理事项）"
            )));
        }
        let Some(effective) = s.drafts.iter().map(|d| d.effective).max() else {
            return Err(WebError::invalid(
                "missing_field",
                "推演还没有事项，不能转为动议",
            ));
        };
        let draft = bianzhi_casework::Draft {
            reason: if s.note.is_empty() {
                s.name.clone()
            } else {
                s.note.clone()
            },
            effective,
            ops: s.drafts.iter().flat_map(|d| d.ops.clone()).collect(),
        };
        let reasons = format!(
            "由沙盘推演“{}”转来（{} 件推演事项）。{}",
            s.name,
            s.drafts.len(),
            s.note
        );
        let case = self.propose_case(user, &s.name, reasons.trim(), None, draft)?;
        self.change_scenario(user, id, version, |x| {
            x.case_id = Some(case);
            Ok(())
        })?;
        Ok(case)
    }
}

fn stale() -> WebError {
    WebError::Conflict("该推演已被他人修改，请刷新页面后重试".into())
}
