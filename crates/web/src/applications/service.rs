//! Applications (网上办理): a unit clerk drafts and submits one for their own
//! unit; the 编办 reviews it, returns it with comments, or approves it. Approval
//! builds the matter (文号 and effective date given by the approver) and records
//! it with `Db::submit`: if the ledger refuses, the application stays 待审核
//! with the refusal shown and nothing changes.

use bianzhi_core::ident::{parse_doc_no, parse_id_number};

use bianzhi_core::{Matter, UnitId};
use bianzhi_store::{
    ApplicationEvent, ApplicationFilter, ApplicationRecord, ApplicationStatus, NewApplication,
    Transition, TransitionOutcome,
};

use serde::Serialize;
use utoipa::ToSchema;

use crate::ledger::*;
use crate::prelude::*;
use crate::state::fmt_time;
pub use bianzhi_casework::application::{
    opt_date, prepare, ApplicationAction, ApplicationActor, ApplicationInput, ApplicationKind,
    Prepared,
};

/// An application as shown to users.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ApplicationView {
    pub id: i64,
    pub kind: ApplicationKind,
    pub kind_label: String,
    pub unit_id: u32,
    pub unit: String,
    pub title: String,
    /// `submitted` 待审核, `returned` 已退回, `approved` 已批准, `withdrawn` 已撤回.
    pub status: String,
    pub status_label: String,
    pub submitted_by: String,
    pub submitted_at: String,
    pub updated_at: String,
    /// Sequence number of the approving matter in the journal.
    pub matter_seq: Option<u64>,
    /// 文号 of the approving matter.
    pub doc_no: Option<String>,
    /// Last 退回意见 or refusal.
    pub note: Option<String>,
    pub input: ApplicationInput,
    pub events: Vec<EventView>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct EventView {
    pub at: String,
    pub actor: String,
    /// submitted, returned, resubmitted, withdrawn, refused, approved.
    pub action: String,
    pub action_label: String,
    pub comment: String,
}

/// Whether the user's role may take `action` ([`ApplicationAction::actor`]).
fn may(user: &User, action: ApplicationAction) -> Result<(), WebError> {
    let ok = match action.actor() {
        ApplicationActor::Unit => user.can_apply(),
        ApplicationActor::Reviewer => user.can_review(),
        ApplicationActor::Approver => user.can_approve(),
    };
    user.require(ok, action.what())
}

/// The refusal of an action the application's status does not allow.
fn wrong_status(id: i64, e: bianzhi_casework::application::ApplicationError) -> WebError {
    WebError::Conflict(format!("第 {id} 号{e}"))
}

fn action_label(a: &str) -> &'static str {
    match a {
        "submitted" => "提交",
        "returned" => "退回",
        "resubmitted" => "重新提交",
        "withdrawn" => "撤回",
        "refused" => "审批未通过（台账校验）",
        "approved" => "批准并登记",
        _ => "其他",
    }
}

impl App {
    /// The input of an application as submitted (身份证号 in full): for
    /// checks run on the server only, never shown.
    pub(crate) fn submitted_input(
        &self,
        user: &User,
        id: i64,
    ) -> Result<ApplicationInput, WebError> {
        let (rec, _) = self.load_application(user, id)?;
        Ok(decode_input(&rec.payload))
    }
}

/// What an action on an application did, in the office's words, for the
/// audit trail: `批准申请 #4（入编，区实验小学），盐编〔2026〕3号，登记第 12 条事项`.
pub fn audit_note(verb: &str, v: &ApplicationView) -> String {
    let mut s = format!("{verb}申请 #{}（{}，{}）", v.id, v.kind_label, v.unit);
    if let (Some(doc), Some(seq)) = (&v.doc_no, v.matter_seq) {
        s.push_str(&format!("，{doc}，登记第 {seq} 条事项"));
    }
    if !v.title.is_empty() && verb == "提交" {
        s.push_str(&format!("：{}", v.title));
    }
    s
}

/// Stored payload: the input as submitted.
fn decode_input(payload: &str) -> ApplicationInput {
    serde_json::from_str(payload).unwrap_or_default()
}

/// A 身份证号 as shown: masked when it is one (a 15-digit old number too).
fn mask_id_text(s: &str) -> String {
    match parse_id_number(s) {
        Ok(n) => n.mask(),
        Err(_) => bianzhi_core::ident::mask_id_numbers(s).into_owned(),
    }
}

/// The input of an application as shown to anyone: 身份证号 masked.
fn masked_input(mut input: ApplicationInput) -> ApplicationInput {
    input.id_number = input.id_number.as_deref().map(mask_id_text);
    input.person = input.person.as_deref().map(mask_id_text);
    input
}

/// A resubmitted field that still reads as the masked stored value keeps
/// the stored value (the form and the API show 身份证号 masked).
fn keep_masked(new: &mut Option<String>, stored: &Option<String>) {
    if let (Some(n), Some(old)) = (new.as_deref(), stored.as_deref()) {
        if n.trim() == mask_id_text(old) {
            *new = Some(old.to_string());
        }
    }
}

impl App {
    fn user_name(&self, id: i64) -> String {
        self.wf()
            .user(id)
            .ok()
            .flatten()
            .map(|u| u.display_name)
            .unwrap_or_else(|| format!("用户#{id}"))
    }

    pub fn application_view(
        &self,
        rec: &ApplicationRecord,
        events: &[ApplicationEvent],
    ) -> ApplicationView {
        let mut input = decode_input(&rec.payload);
        let kind = input
            .kind
            .or_else(|| ApplicationKind::parse(&rec.kind))
            .unwrap_or(ApplicationKind::Hire);
        let unit = {
            let db = self.db();
            let st = db.state();
            // The person named by 身份证号 is shown by 人员编号.
            if let Some(pid) = input
                .person
                .as_deref()
                .and_then(|s| find_person(st, s).ok())
            {
                input.person = Some(pid.0.to_string());
            }
            st.unit_name(UnitId(rec.unit))
        };
        let input = masked_input(input);
        ApplicationView {
            id: rec.id,
            kind,
            kind_label: kind.label().into(),
            unit_id: rec.unit,
            unit,
            title: rec.title.clone(),
            status: rec.status.code().into(),
            status_label: rec.status.label().into(),
            submitted_by: self.user_name(rec.submitted_by),
            submitted_at: fmt_time(rec.submitted_at),
            updated_at: fmt_time(rec.updated_at),
            matter_seq: rec.matter_seq,
            doc_no: rec.doc_no.clone(),
            note: rec.note.clone(),
            input,
            events: events
                .iter()
                .map(|e| EventView {
                    at: fmt_time(e.at),
                    actor: self.user_name(e.actor),
                    action: e.action.clone(),
                    action_label: action_label(&e.action).into(),
                    comment: e.comment.clone(),
                })
                .collect(),
        }
    }

    /// An application the user may see.
    pub fn load_application(
        &self,
        user: &User,
        id: i64,
    ) -> Result<(ApplicationRecord, Vec<ApplicationEvent>), WebError> {
        let wf = self.wf();
        let rec = wf
            .application(id)?
            .ok_or_else(|| WebError::NotFound(format!("第 {id} 号申请不存在")))?;
        let events = wf.events(id)?;
        drop(wf);
        let scope = self.scope(user, self.today());
        if !in_scope(scope.as_deref(), UnitId(rec.unit)) {
            return Err(WebError::out_of_scope(WebError::NotFound(format!(
                "第 {id} 号申请不存在"
            ))));
        }
        Ok((rec, events))
    }

    /// Submits a new application (单位经办 only).
    pub fn submit_application(
        &self,
        user: &User,
        input: ApplicationInput,
    ) -> Result<ApplicationView, WebError> {
        may(user, ApplicationAction::Submit)?;
        let scope = self.scope(user, self.today());
        let p = {
            let db = self.db();
            prepare(db.state(), scope.as_deref(), user.unit, &input)?
        };
        let mut stored = input.clone();
        stored.kind = Some(p.kind);
        stored.unit = Some(UnitKey::Id(p.unit.0));
        let rec = self.wf().create_application(&NewApplication {
            unit: p.unit.0,
            kind: p.kind.code().into(),
            title: p.title.clone(),
            payload: serde_json::to_string(&stored).map_err(WebError::internal)?,
            submitted_by: user.id,
            at: self.now(),
        })?;
        let events = self.wf().events(rec.id)?;
        Ok(self.application_view(&rec, &events))
    }

    /// Moves an application as `action` does (`t` carries its statuses and the
    /// event); a status that no longer allows it is refused in its words.
    fn transition(
        &self,
        id: i64,
        action: ApplicationAction,
        t: Transition,
    ) -> Result<ApplicationRecord, WebError> {
        match self.wf().transition(id, &t)? {
            TransitionOutcome::Done(r) => Ok(r),
            TransitionOutcome::NotFound => Err(WebError::NotFound(format!("第 {id} 号申请不存在"))),
            TransitionOutcome::WrongStatus(status) => Err(wrong_status(
                id,
                bianzhi_casework::application::ApplicationError::WrongStatus { action, status },
            )),
        }
    }

    fn view_of(&self, rec: ApplicationRecord) -> Result<ApplicationView, WebError> {
        let events = self.wf().events(rec.id)?;
        Ok(self.application_view(&rec, &events))
    }

    /// 退回 with a comment (编办).
    pub fn return_application(
        &self,
        user: &User,
        id: i64,
        comment: &str,
    ) -> Result<ApplicationView, WebError> {
        may(user, ApplicationAction::Return)?;
        let comment = comment.trim();
        if comment.is_empty() {
            return Err(WebError::invalid(
                "missing_field",
                "请填写退回意见（comment）",
            ));
        }
        self.load_application(user, id)?;
        let rec = self.transition(
            id,
            ApplicationAction::Return,
            Transition {
                from: ApplicationAction::Return.from().to_vec(),
                to: Some(ApplicationAction::Return.to()),
                actor: user.id,
                action: "returned".into(),
                comment: comment.into(),
                at: self.now(),
                payload: None,
                matter_seq: None,
                doc_no: None,
                note: Some(format!("退回意见：{comment}")),
            },
        )?;
        self.view_of(rec)
    }

    /// 撤回 by the unit.
    pub fn withdraw_application(&self, user: &User, id: i64) -> Result<ApplicationView, WebError> {
        may(user, ApplicationAction::Withdraw)?;
        self.load_application(user, id)?;
        let rec = self.transition(
            id,
            ApplicationAction::Withdraw,
            Transition {
                from: ApplicationAction::Withdraw.from().to_vec(),
                to: Some(ApplicationAction::Withdraw.to()),
                actor: user.id,
                action: "withdrawn".into(),
                comment: String::new(),
                at: self.now(),
                payload: None,
                matter_seq: None,
                doc_no: None,
                note: None,
            },
        )?;
        self.view_of(rec)
    }

    /// 重新提交 a returned application, possibly changed.
    pub fn resubmit_application(
        &self,
        user: &User,
        id: i64,
        input: ApplicationInput,
    ) -> Result<ApplicationView, WebError> {
        may(user, ApplicationAction::Resubmit)?;
        let (rec, _) = self.load_application(user, id)?;
        let scope = self.scope(user, self.today());
        let mut input = input;
        let stored = decode_input(&rec.payload);
        keep_masked(&mut input.id_number, &stored.id_number);
        keep_masked(&mut input.person, &stored.person);
        if input.kind.is_none() {
            input.kind = ApplicationKind::parse(&rec.kind);
        }
        if input.unit.is_none() {
            input.unit = Some(UnitKey::Id(rec.unit));
        }
        let p = {
            let db = self.db();
            prepare(db.state(), scope.as_deref(), user.unit, &input)?
        };
        if p.unit.0 != rec.unit {
            return Err(WebError::invalid("bad_unit", "重新提交时不能更换申请单位"));
        }
        input.kind = Some(p.kind);
        input.unit = Some(UnitKey::Id(p.unit.0));
        let payload = serde_json::to_string(&input).map_err(WebError::internal)?;
        let rec = self.transition(
            id,
            ApplicationAction::Resubmit,
            Transition {
                from: ApplicationAction::Resubmit.from().to_vec(),
                to: Some(ApplicationAction::Resubmit.to()),
                actor: user.id,
                action: "resubmitted".into(),
                comment: String::new(),
                at: self.now(),
                payload: Some((p.title, payload)),
                matter_seq: None,
                doc_no: None,
                note: Some(String::new()),
            },
        )?;
        self.view_of(rec)
    }

    /// 批准 (编办领导): records the matter; a refusal leaves the application
    /// 待审核 with the reason and changes nothing in the ledger.
    pub fn approve_application(
        &self,
        user: &User,
        id: i64,
        doc: &str,
        same_doc: bool,
        effective: Option<&str>,
        comment: &str,
    ) -> Result<ApplicationView, WebError> {
        may(user, ApplicationAction::Approve)?;
        let _w = self.write.lock().unwrap_or_else(|e| e.into_inner());
        // Other servers on the same database: one approval at a time.
        let _lease = self.approval_lease()?;
        let (rec, _) = self.load_application(user, id)?;
        ApplicationAction::Approve
            .check(rec.status)
            .map_err(|e| wrong_status(id, e))?;
        let doc = parse_doc_no(doc).map_err(|e| WebError::invalid("bad_doc_no", e.to_string()))?;
        crate::ledger::check_doc_free(self.db().ledger(), &doc, same_doc)?;
        let input = decode_input(&rec.payload);
        let effective = match effective.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => parse_date(s)?,
            None => opt_date(&input.effective)?.unwrap_or_else(|| self.today()),
        };
        let now = self.now();
        // Read before the ledger is locked.
        let together = self.case_settings()?.0.hire_with_onboard;
        let outcome = {
            let mut db = self.db();
            let p = prepare(db.state(), None, None, &input);
            match p {
                Err(e) => Err(WebError::from(e)),
                Ok(mut p) => {
                    // 入编与报到一并审批: one approval round records both.
                    if p.kind == bianzhi_casework::application::ApplicationKind::Hire && together {
                        let hired: Vec<String> = p
                            .ops
                            .iter()
                            .filter_map(|op| match op {
                                bianzhi_core::Op::Hire { details, .. } => {
                                    Some(details.id_number.as_str().to_string())
                                }
                                _ => None,
                            })
                            .collect();
                        for id in hired {
                            p.ops.push(bianzhi_core::Op::Onboard {
                                person: bianzhi_core::PersonRef::IdNumber(id),
                            });
                        }
                    }
                    let reason = if p.reason.is_empty() {
                        p.title.clone()
                    } else {
                        p.reason.clone()
                    };
                    let m = Matter {
                        doc: doc.clone(),
                        effective,
                        recorded_at: now,
                        actor: user.name.clone(),
                        reason,
                        ops: p.ops,
                        warnings: Vec::new(),
                        attachments: Vec::new(),
                        corrects: None,
                        supplements: None,
                    };
                    db.submit(m, now).map_err(WebError::from)
                }
            }
        };
        match outcome {
            Ok((seq, _)) => {
                let rec = self.transition(
                    id,
                    ApplicationAction::Approve,
                    Transition {
                        from: ApplicationAction::Approve.from().to_vec(),
                        to: Some(ApplicationAction::Approve.to()),
                        actor: user.id,
                        action: "approved".into(),
                        comment: comment.trim().to_string(),
                        at: self.now(),
                        payload: None,
                        matter_seq: Some(seq),
                        doc_no: Some(doc.to_string()),
                        note: Some(String::new()),
                    },
                )?;
                self.view_of(rec)
            }
            Err(
                e @ (WebError::Refused(_)
                | WebError::InvalidField { .. }
                | WebError::UnknownPerson(_)
                | WebError::UnknownUnit(_)),
            ) => {
                let msg = e.to_string();
                self.transition(
                    id,
                    ApplicationAction::Approve,
                    Transition {
                        from: ApplicationAction::Approve.from().to_vec(),
                        to: None,
                        actor: user.id,
                        action: "refused".into(),
                        comment: msg.clone(),
                        at: self.now(),
                        payload: None,
                        matter_seq: None,
                        doc_no: None,
                        note: Some(msg),
                    },
                )?;
                Err(e)
            }
            Err(e) => Err(e),
        }
    }

    /// Applications the user may see.
    pub fn list_applications(
        &self,
        user: &User,
        status: Option<ApplicationStatus>,
        kind: Option<ApplicationKind>,
        unit: Option<u32>,
        pager: Pager,
    ) -> Result<(Vec<ApplicationView>, PageInfo), WebError> {
        let today = self.today();
        let scope = self.scope(user, today);
        // A unit chosen: it and the units below it, within the scope.
        let units: Option<Vec<u32>> = match unit {
            None => scope.map(|s| s.into_iter().map(|u| u.0).collect()),
            Some(u) => {
                let db = self.db();
                let under = bianzhi_core::query::subtree(db.state(), UnitId(u), today);
                Some(
                    under
                        .into_iter()
                        .filter(|x| crate::ledger::in_scope(scope.as_deref(), *x))
                        .map(|x| x.0)
                        .collect(),
                )
            }
        };
        let filter = ApplicationFilter {
            units,
            status,
            kind: kind.map(|k| k.code().to_string()),
            submitted_by: None,
            oldest_first: false,
            offset: ((pager.page - 1) * pager.per_page) as u64,
            limit: pager.per_page as u64,
        };
        let (recs, total) = self.wf().applications(&filter)?;
        let items = recs.iter().map(|r| self.application_view(r, &[])).collect();
        Ok((
            items,
            PageInfo {
                page: pager.page,
                per_page: pager.per_page,
                total: total as usize,
                pages: (total as usize).div_ceil(pager.per_page).max(1),
            },
        ))
    }
}
