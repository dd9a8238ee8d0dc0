//! Applications (网上办理): a unit clerk drafts and submits one for their own
//! unit; the 编办 reviews it, returns it with comments, or approves it. Approval
//! builds the matter (文号 and effective date given by the approver) and records
//! it with `Db::submit`: if the ledger refuses, the application stays 待审核
//! with the refusal shown and nothing changes.

use bianzhi_core::catalog::{LeaveReason, PostKind, StaffIdentity};
use bianzhi_core::ident::{parse_doc_no, parse_id_number};
use bianzhi_core::matter::{AccountRef, CatRef, Op, PersonRef, UnitRef};
use bianzhi_core::model::{PersonDetails, PersonStatus};
use bianzhi_core::state::{resolve_funding, resolve_qtype};
use bianzhi_core::{BodyId, Matter, PersonId, PlanLineId, State, UnitId};
use bianzhi_store::{
    ApplicationEvent, ApplicationFilter, ApplicationRecord, ApplicationStatus, NewApplication,
    Transition, TransitionOutcome,
};
use chrono::{NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::ledger::*;
use crate::prelude::*;

/// Kinds of application a unit clerk can submit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ApplicationKind {
    /// 入编.
    Hire,
    /// 报到 (an approved hire takes up the post).
    Onboard,
    /// 出编.
    Leave,
    /// 调动.
    Transfer,
    /// 任职.
    Appoint,
    /// 免职.
    Remove,
    /// 信息更正 (关键信息更正).
    Correct,
}

impl ApplicationKind {
    pub const ALL: [ApplicationKind; 7] = [
        ApplicationKind::Hire,
        ApplicationKind::Onboard,
        ApplicationKind::Leave,
        ApplicationKind::Transfer,
        ApplicationKind::Appoint,
        ApplicationKind::Remove,
        ApplicationKind::Correct,
    ];
    pub fn code(self) -> &'static str {
        match self {
            ApplicationKind::Hire => "hire",
            ApplicationKind::Onboard => "onboard",
            ApplicationKind::Leave => "leave",
            ApplicationKind::Transfer => "transfer",
            ApplicationKind::Appoint => "appoint",
            ApplicationKind::Remove => "remove",
            ApplicationKind::Correct => "correct",
        }
    }
    pub fn label(self) -> &'static str {
        match self {
            ApplicationKind::Hire => "入编",
            ApplicationKind::Onboard => "报到",
            ApplicationKind::Leave => "出编",
            ApplicationKind::Transfer => "调动",
            ApplicationKind::Appoint => "任职",
            ApplicationKind::Remove => "免职",
            ApplicationKind::Correct => "信息更正",
        }
    }
    pub fn parse(code: &str) -> Option<ApplicationKind> {
        ApplicationKind::ALL
            .into_iter()
            .find(|k| k.code() == code || k.label() == code)
    }
}

/// An application as submitted (JSON body or form). Which fields are needed
/// depends on `kind`:
/// - `hire` 入编: `name`, `id_number`, `qtype`, `funding`, `plan_line`, `identity`
///   (optional: `education`, `political`, `position`, `ethnicity`, `work_start`, `body`);
/// - `onboard` 报到, `leave` 出编 (`leave_reason`): `person`;
/// - `transfer` 调动: `person`, `to_unit`, `qtype`, `funding`, `plan_line`;
/// - `appoint` 任职: `person`, `post_kind`, `title` (optional `body`, `exempt`);
/// - `remove` 免职: `person`, `post_kind` (optional `body`);
/// - `correct` 信息更正: `person` and at least one of `name`, `id_number`, `work_start`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    #[schema(value_type = ApplicationKind)]
    pub kind: Option<ApplicationKind>,
    /// The applying unit (default: the clerk's own unit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitKey>,
    /// 事由.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Proposed effective date, YYYY-MM-DD (default: the day of approval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<NaiveDate>)]
    pub effective: Option<String>,
    /// 姓名 (入编; 信息更正: the corrected name).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// 身份证号 (入编; 信息更正: the corrected number).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub id_number: Option<String>,
    /// 编制类型, by name or code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub qtype: Option<String>,
    /// 经费形式, by name or code.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub funding: Option<String>,
    /// 用编计划 number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan_line: Option<u32>,
    /// 人员身份: 公务员, 参公人员, 事业人员, 工勤人员.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub identity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub ethnicity: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub political: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub education: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub position: Option<String>,
    /// 参加工作时间, YYYY-MM-DD.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(value_type = Option<NaiveDate>)]
    pub work_start: Option<String>,
    /// 内设机构 number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<u32>,
    /// The person concerned: 身份证号 or person number.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub person: Option<String>,
    /// 出编原因: 退休, 调出, 辞职, 辞退, 开除, 死亡, 其他.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub leave_reason: Option<String>,
    /// 调动: the receiving unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub to_unit: Option<UnitKey>,
    /// 职数类别: 单位领导正职, 单位领导副职, 内设机构正职, 内设机构副职, 其他领导职数.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub post_kind: Option<String>,
    /// 职务名称, e.g. 副校长.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    /// The post does not count against 领导职数 (专员 …).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub exempt: Option<bool>,
}

/// An application checked against the ledger: its unit, title and operations.
#[derive(Debug, Clone)]
pub struct Prepared {
    pub kind: ApplicationKind,
    pub unit: UnitId,
    pub title: String,
    pub ops: Vec<Op>,
    pub effective: Option<NaiveDate>,
    pub reason: String,
}

fn need<'a>(v: &'a Option<String>, field: &str, label: &str) -> Result<&'a str, WebError> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| WebError::invalid("missing_field", format!("请填写{label}（{field}）")))
}

fn qtype_funding(
    st: &State,
    input: &ApplicationInput,
) -> Result<(CatRef, CatRef, String), WebError> {
    let q = need(&input.qtype, "qtype", "编制类型")?;
    let f = need(&input.funding, "funding", "经费形式")?;
    let qid = resolve_qtype(st, &CatRef::Name(q.into())).map_err(|_| {
        let names: Vec<&str> = st.quota_types.iter().map(|t| t.name.as_str()).collect();
        WebError::invalid(
            "unknown_quota_type",
            format!("编制类型“{q}”不存在，可选：{}", names.join("、")),
        )
    })?;
    let fid = resolve_funding(st, &CatRef::Name(f.into())).map_err(|_| {
        let names: Vec<&str> = st.funding_forms.iter().map(|t| t.name.as_str()).collect();
        WebError::invalid(
            "unknown_funding",
            format!("经费形式“{f}”不存在，可选：{}", names.join("、")),
        )
    })?;
    Ok((
        CatRef::Id(qid.0),
        CatRef::Id(fid.0 as u16),
        format!(
            "{}({})",
            st.qtype_name(qid),
            st.funding_form(fid)
                .map(|f| f.name.clone())
                .unwrap_or_default()
        ),
    ))
}

fn plan_line(st: &State, input: &ApplicationInput, unit: UnitId) -> Result<PlanLineId, WebError> {
    let n = input
        .plan_line
        .ok_or_else(|| WebError::invalid("missing_field", "请选择用编计划（plan_line）"))?;
    let l = st.plan_line(PlanLineId(n)).ok_or_else(|| {
        WebError::invalid("unknown_plan_line", format!("第 {n} 号用编计划不存在"))
    })?;
    if l.unit != unit {
        return Err(WebError::invalid(
            "unknown_plan_line",
            format!(
                "第 {n} 号用编计划属于 {}，不是 {} 的计划",
                st.unit_name(l.unit),
                st.unit_name(unit)
            ),
        ));
    }
    Ok(l.id)
}

fn opt_date(v: &Option<String>) -> Result<Option<NaiveDate>, WebError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_date(s).map(Some),
    }
}

fn post_kind(s: &str) -> Result<PostKind, WebError> {
    PostKind::parse(s).ok_or_else(|| {
        let names: Vec<&str> = PostKind::ALL.iter().map(|k| k.label()).collect();
        WebError::invalid(
            "bad_post_kind",
            format!("职数类别“{s}”无效，可选：{}", names.join("、")),
        )
    })
}

fn body(st: &State, unit: UnitId, b: Option<u32>) -> Result<Option<BodyId>, WebError> {
    let Some(b) = b else { return Ok(None) };
    let ok = st
        .unit(unit)
        .and_then(|u| u.body(BodyId(b)))
        .is_some_and(|x| !x.abolished);
    if !ok {
        return Err(WebError::invalid(
            "unknown_body",
            format!("{} 没有编号为 {b} 的内设机构", st.unit_name(unit)),
        ));
    }
    Ok(Some(BodyId(b)))
}

/// Checks an application against the ledger and the user's scope, and builds
/// its operations. Rules about numbers (vacancies, plans, posts) are checked
/// by the ledger when the matter is recorded.
pub fn prepare(
    st: &State,
    scope: Option<&[UnitId]>,
    own: Option<UnitId>,
    input: &ApplicationInput,
) -> Result<Prepared, WebError> {
    let kind = input
        .kind
        .ok_or_else(|| WebError::invalid("missing_field", "请选择申请类型（kind）"))?;
    let unit = match &input.unit {
        Some(k) => find_unit_in_scope(st, scope, k)?,
        None => own.ok_or_else(|| WebError::invalid("missing_field", "请选择申请单位（unit）"))?,
    };
    if !in_scope(scope, unit) {
        return Err(WebError::out_of_scope(unit_missing(&UnitKey::Id(unit.0))));
    }
    let effective = opt_date(&input.effective)?;
    let person_in_unit = |field: &Option<String>| -> Result<(PersonId, String), WebError> {
        let s = need(field, "person", "人员（身份证号或人员编号）")?;
        let pid = find_person_in_scope(st, scope, s)?;
        let p = st.person(pid).expect("found");
        if p.placement.unit != unit {
            return Err(WebError::invalid(
                "person_not_in_unit",
                format!(
                    "{} 不在 {}（现在 {}）",
                    p.details.name,
                    st.unit_name(unit),
                    st.unit_name(p.placement.unit)
                ),
            ));
        }
        Ok((pid, p.details.name.clone()))
    };
    let (title, ops) = match kind {
        ApplicationKind::Hire => {
            let name = need(&input.name, "name", "姓名")?.to_string();
            let idn_text = need(&input.id_number, "id_number", "身份证号")?;
            let idn = parse_id_number(idn_text)
                .map_err(|e| WebError::invalid("bad_id_number", e.to_string()))?;
            let identity_text = need(&input.identity, "identity", "人员身份")?;
            let identity = StaffIdentity::parse(identity_text).ok_or_else(|| {
                let names: Vec<&str> = StaffIdentity::ALL.iter().map(|k| k.label()).collect();
                WebError::invalid(
                    "bad_identity",
                    format!("人员身份“{identity_text}”无效，可选：{}", names.join("、")),
                )
            })?;
            let (qtype, funding, acct) = qtype_funding(st, input)?;
            let line = plan_line(st, input, unit)?;
            let details = PersonDetails {
                name: name.clone(),
                id_number: idn,
                ethnicity: input
                    .ethnicity
                    .clone()
                    .filter(|s| !s.trim().is_empty())
                    .unwrap_or_else(|| "汉族".into())
                    .into(),
                political: input.political.clone().unwrap_or_default().into(),
                education: input.education.clone().unwrap_or_default().into(),
                work_start: opt_date(&input.work_start)?,
                identity,
                post_grade: Default::default(),
                position: input.position.clone().unwrap_or_default().into(),
            };
            (
                format!("入编：{name}（{acct}）"),
                vec![Op::Hire {
                    person: None,
                    account: AccountRef {
                        unit: UnitRef::Id(unit),
                        qtype,
                        funding,
                    },
                    body: body(st, unit, input.body)?,
                    plan_line: line,
                    details,
                }],
            )
        }
        ApplicationKind::Onboard => {
            let (pid, name) = person_in_unit(&input.person)?;
            if st
                .person(pid)
                .is_some_and(|p| p.placement.status != PersonStatus::Pending)
            {
                return Err(WebError::invalid(
                    "person_state",
                    format!("{name} 不是已批未报到人员，无需报到"),
                ));
            }
            (
                format!("报到：{name}"),
                vec![Op::Onboard {
                    person: PersonRef::Id(pid),
                }],
            )
        }
        ApplicationKind::Leave => {
            let (pid, name) = person_in_unit(&input.person)?;
            let r = need(&input.leave_reason, "leave_reason", "出编原因")?;
            let reason = LeaveReason::parse(r).ok_or_else(|| {
                let names: Vec<&str> = LeaveReason::ALL.iter().map(|k| k.label()).collect();
                WebError::invalid(
                    "bad_leave_reason",
                    format!("出编原因“{r}”无效，可选：{}", names.join("、")),
                )
            })?;
            (
                format!("出编：{name}（{reason}）"),
                vec![Op::Leave {
                    person: PersonRef::Id(pid),
                    reason,
                }],
            )
        }
        ApplicationKind::Transfer => {
            let (pid, name) = person_in_unit(&input.person)?;
            let to = find_unit(
                st,
                input.to_unit.as_ref().ok_or_else(|| {
                    WebError::invalid("missing_field", "请选择调入单位（to_unit）")
                })?,
            )?;
            if to == unit {
                return Err(WebError::invalid("same_unit", "调入单位与调出单位相同"));
            }
            let (qtype, funding, acct) = qtype_funding(st, input)?;
            let line = plan_line(st, input, to)?;
            (
                format!("调动：{name} 调往 {}（{acct}）", st.unit_name(to)),
                vec![Op::Transfer {
                    person: PersonRef::Id(pid),
                    to: AccountRef {
                        unit: UnitRef::Id(to),
                        qtype,
                        funding,
                    },
                    body: None,
                    plan_line: line,
                }],
            )
        }
        ApplicationKind::Appoint => {
            let (pid, name) = person_in_unit(&input.person)?;
            let kind = post_kind(need(&input.post_kind, "post_kind", "职数类别")?)?;
            let title = need(&input.title, "title", "职务名称")?.to_string();
            (
                format!("任职：{name} 任 {title}"),
                vec![Op::Appoint {
                    person: PersonRef::Id(pid),
                    body: body(st, unit, input.body)?,
                    kind,
                    title,
                    exempt: input.exempt.unwrap_or(false),
                }],
            )
        }
        ApplicationKind::Remove => {
            let (pid, name) = person_in_unit(&input.person)?;
            let kind = post_kind(need(&input.post_kind, "post_kind", "职数类别")?)?;
            (
                format!("免职：{name} 免去{kind}职务"),
                vec![Op::Remove {
                    person: PersonRef::Id(pid),
                    body: body(st, unit, input.body)?,
                    kind,
                }],
            )
        }
        ApplicationKind::Correct => {
            let (pid, name) = person_in_unit(&input.person)?;
            let new_name = input.name.clone().filter(|s| !s.trim().is_empty());
            let new_idn = match input
                .id_number
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty())
            {
                None => None,
                Some(s) => Some(
                    parse_id_number(s)
                        .map_err(|e| WebError::invalid("bad_id_number", e.to_string()))?
                        .into_string(),
                ),
            };
            let work_start = opt_date(&input.work_start)?;
            if new_name.is_none() && new_idn.is_none() && work_start.is_none() {
                return Err(WebError::invalid(
                    "missing_field",
                    "请至少填写一项更正内容（姓名、身份证号或参加工作时间）",
                ));
            }
            (
                format!("信息更正：{name}"),
                vec![Op::CorrectPerson {
                    person: PersonRef::Id(pid),
                    name: new_name,
                    id_number: new_idn,
                    work_start,
                }],
            )
        }
    };
    Ok(Prepared {
        kind,
        unit,
        title,
        ops,
        effective,
        reason: input.reason.clone().unwrap_or_default().trim().to_string(),
    })
}

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

pub fn fmt_time(t: chrono::DateTime<Utc>) -> String {
    let tz = chrono::FixedOffset::east_opt(8 * 3600).expect("offset");
    t.with_timezone(&tz).format("%Y-%m-%d %H:%M").to_string()
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
        user.require(user.can_apply(), "提交申请（仅单位经办可提交本单位的申请）")?;
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
            payload: serde_json::to_string(&stored)
                .map_err(|e| WebError::Internal(e.to_string()))?,
            submitted_by: user.id,
            at: self.now(),
        })?;
        let events = self.wf().events(rec.id)?;
        Ok(self.application_view(&rec, &events))
    }

    fn transition(&self, id: i64, t: Transition) -> Result<ApplicationRecord, WebError> {
        match self.wf().transition(id, &t)? {
            TransitionOutcome::Done(r) => Ok(r),
            TransitionOutcome::NotFound => Err(WebError::NotFound(format!("第 {id} 号申请不存在"))),
            TransitionOutcome::WrongStatus(s) => Err(WebError::Conflict(format!(
                "第 {id} 号申请当前状态为“{}”，不能{}",
                s.label(),
                action_label(&t.action)
            ))),
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
        user.require(user.can_review(), "退回申请")?;
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
            Transition {
                from: vec![ApplicationStatus::Submitted],
                to: Some(ApplicationStatus::Returned),
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
        user.require(user.can_apply(), "撤回申请")?;
        self.load_application(user, id)?;
        let rec = self.transition(
            id,
            Transition {
                from: vec![ApplicationStatus::Submitted, ApplicationStatus::Returned],
                to: Some(ApplicationStatus::Withdrawn),
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
        user.require(user.can_apply(), "重新提交申请")?;
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
        let payload =
            serde_json::to_string(&input).map_err(|e| WebError::Internal(e.to_string()))?;
        let rec = self.transition(
            id,
            Transition {
                from: vec![ApplicationStatus::Returned],
                to: Some(ApplicationStatus::Submitted),
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
        effective: Option<&str>,
        comment: &str,
    ) -> Result<ApplicationView, WebError> {
        user.require(user.can_approve(), "批准申请（须编办领导）")?;
        let _w = self.write.lock().unwrap_or_else(|e| e.into_inner());
        // Other servers on the same database: one approval at a time.
        let _lease = self.approval_lease()?;
        let (rec, _) = self.load_application(user, id)?;
        if rec.status != ApplicationStatus::Submitted {
            return Err(WebError::Conflict(format!(
                "第 {id} 号申请当前状态为“{}”，不能批准",
                rec.status.label()
            )));
        }
        let doc = parse_doc_no(doc).map_err(|e| WebError::invalid("bad_doc_no", e.to_string()))?;
        let input = decode_input(&rec.payload);
        let effective = match effective.map(str::trim).filter(|s| !s.is_empty()) {
            Some(s) => parse_date(s)?,
            None => opt_date(&input.effective)?.unwrap_or_else(|| self.today()),
        };
        let now = self.now();
        let outcome = {
            let mut db = self.db();
            let p = prepare(db.state(), None, None, &input);
            match p {
                Err(e) => Err(e),
                Ok(p) => {
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
                    };
                    db.submit(m, now).map_err(WebError::from)
                }
            }
        };
        match outcome {
            Ok((seq, _)) => {
                let rec = self.transition(
                    id,
                    Transition {
                        from: vec![ApplicationStatus::Submitted],
                        to: Some(ApplicationStatus::Approved),
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
                    Transition {
                        from: vec![ApplicationStatus::Submitted],
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
        pager: Pager,
    ) -> Result<(Vec<ApplicationView>, PageInfo), WebError> {
        let scope = self.scope(user, self.today());
        let filter = ApplicationFilter {
            units: scope.map(|s| s.into_iter().map(|u| u.0).collect()),
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
