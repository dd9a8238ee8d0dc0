//! 申请 (网上办理): the rules of an application, pure — its kinds, its
//! statuses and their labels, which actor may take which action from which
//! status ([`ApplicationAction::check`]), and [`prepare`], which checks an
//! application against the ledger and the applicant's scope and builds its
//! operations. Numbers (vacancies, plans, posts) are the ledger's to check
//! when the approved matter is recorded. The web layer maps forms and JSON to
//! these and keeps the records.

use bianzhi_core::catalog::{LeaveReason, PostKind, StaffIdentity};
use bianzhi_core::codes;
use bianzhi_core::ident::parse_id_number;
use bianzhi_core::matter::{AccountRef, CatRef, Op, PersonRef, UnitRef};
use bianzhi_core::model::{PersonDetails, PersonStatus};
use bianzhi_core::state::{resolve_funding, resolve_qtype};
use bianzhi_core::{BodyId, PersonId, PlanLineId, State, UnitId};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Why an application, or an action on one, is refused. The message is the
/// Chinese a clerk reads; `code()` is stable for the API.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum ApplicationError {
    /// A field missing or not valid (`code` names which rule).
    #[error("{message}")]
    Invalid { code: &'static str, message: String },
    /// A date not written YYYY-MM-DD.
    #[error("日期“{0}”格式不对，应为 YYYY-MM-DD，如 2021-12-31")]
    BadDate(String),
    #[error("{0}")]
    UnknownUnit(String),
    #[error("{0}")]
    UnknownPerson(String),
    /// Outside the applicant's units: answered exactly as the error inside
    /// (nothing is told of what the user may not see).
    #[error("{0}")]
    OutOfScope(Box<ApplicationError>),
    /// The action cannot be taken from the application's status.
    #[error("申请当前状态为“{}”，不能{}", .status.label(), .action.label())]
    WrongStatus {
        action: ApplicationAction,
        status: ApplicationStatus,
    },
}

impl ApplicationError {
    /// A stable code for the API.
    pub fn code(&self) -> &'static str {
        match self {
            ApplicationError::Invalid { code, .. } => code,
            ApplicationError::BadDate(_) => "bad_date",
            ApplicationError::UnknownUnit(_) => "unknown_unit",
            ApplicationError::UnknownPerson(_) => "unknown_person",
            ApplicationError::OutOfScope(inner) => inner.code(),
            ApplicationError::WrongStatus { .. } => "invalid_state",
        }
    }
}

fn invalid(code: &'static str, message: impl Into<String>) -> ApplicationError {
    ApplicationError::Invalid {
        code,
        message: message.into(),
    }
}

fn out_of_scope(inner: ApplicationError) -> ApplicationError {
    ApplicationError::OutOfScope(Box::new(inner))
}

/// Whether a unit is within a scope (`None`: every unit; otherwise a sorted
/// list of the units one may see).
pub fn in_scope(scope: Option<&[UnitId]>, u: UnitId) -> bool {
    scope.is_none_or(|s| s.binary_search(&u).is_ok() || s.contains(&u))
}

/// A date written YYYY-MM-DD (exactly; no other form).
pub fn parse_date(s: &str) -> Result<NaiveDate, ApplicationError> {
    let t = s.trim();
    let ok = t.len() == 10
        && t.bytes().enumerate().all(|(i, b)| {
            if i == 4 || i == 7 {
                b == b'-'
            } else {
                b.is_ascii_digit()
            }
        });
    match NaiveDate::parse_from_str(t, "%Y-%m-%d") {
        Ok(d) if ok => Ok(d),
        _ => Err(ApplicationError::BadDate(s.to_string())),
    }
}

/// Status of an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ApplicationStatus {
    /// 待审核: submitted (or resubmitted), waiting for the 编办.
    Submitted,
    /// 已退回: returned to the unit with comments.
    Returned,
    /// 已批准: approved and recorded in the journal.
    Approved,
    /// 已撤回: withdrawn by the unit.
    Withdrawn,
}

impl ApplicationStatus {
    pub const ALL: [ApplicationStatus; 4] = [
        ApplicationStatus::Submitted,
        ApplicationStatus::Returned,
        ApplicationStatus::Approved,
        ApplicationStatus::Withdrawn,
    ];

    /// Stable code stored in the database and used by the API.
    pub fn code(self) -> &'static str {
        match self {
            ApplicationStatus::Submitted => "submitted",
            ApplicationStatus::Returned => "returned",
            ApplicationStatus::Approved => "approved",
            ApplicationStatus::Withdrawn => "withdrawn",
        }
    }

    /// What a clerk reads.
    pub fn label(self) -> &'static str {
        match self {
            ApplicationStatus::Submitted => "待审核",
            ApplicationStatus::Returned => "已退回",
            ApplicationStatus::Approved => "已批准",
            ApplicationStatus::Withdrawn => "已撤回",
        }
    }

    pub fn parse(code: &str) -> Option<ApplicationStatus> {
        ApplicationStatus::ALL
            .into_iter()
            .find(|s| s.code() == code)
    }
}

/// Who acts on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationActor {
    /// 单位经办: submits for their unit, withdraws, resubmits.
    Unit,
    /// 编办经办 (or 编办领导): reviews, returns with comments.
    Reviewer,
    /// 编办领导: approves (the matter is recorded).
    Approver,
}

/// What can be done to an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ApplicationAction {
    Submit,
    Return,
    Approve,
    Withdraw,
    Resubmit,
}

impl ApplicationAction {
    pub const ALL: [ApplicationAction; 5] = [
        ApplicationAction::Submit,
        ApplicationAction::Return,
        ApplicationAction::Approve,
        ApplicationAction::Withdraw,
        ApplicationAction::Resubmit,
    ];

    /// The verb a clerk reads (申请当前状态为“已批准”，不能撤回).
    pub fn label(self) -> &'static str {
        match self {
            ApplicationAction::Submit => "提交",
            ApplicationAction::Return => "退回",
            ApplicationAction::Approve => "批准",
            ApplicationAction::Withdraw => "撤回",
            ApplicationAction::Resubmit => "重新提交",
        }
    }

    /// What a refusal for lack of the role names (须…).
    pub fn what(self) -> &'static str {
        match self {
            ApplicationAction::Submit => "提交申请（仅单位经办可提交本单位的申请）",
            ApplicationAction::Return => "退回申请",
            ApplicationAction::Approve => "批准申请（须编办领导）",
            ApplicationAction::Withdraw => "撤回申请",
            ApplicationAction::Resubmit => "重新提交申请",
        }
    }

    /// Who may take it.
    pub fn actor(self) -> ApplicationActor {
        match self {
            ApplicationAction::Submit
            | ApplicationAction::Withdraw
            | ApplicationAction::Resubmit => ApplicationActor::Unit,
            ApplicationAction::Return => ApplicationActor::Reviewer,
            ApplicationAction::Approve => ApplicationActor::Approver,
        }
    }

    /// The statuses it may be taken from (none: it starts an application).
    pub fn from(self) -> &'static [ApplicationStatus] {
        use ApplicationStatus::*;
        match self {
            ApplicationAction::Submit => &[],
            ApplicationAction::Return | ApplicationAction::Approve => &[Submitted],
            ApplicationAction::Withdraw => &[Submitted, Returned],
            ApplicationAction::Resubmit => &[Returned],
        }
    }

    /// The status it leaves the application in.
    pub fn to(self) -> ApplicationStatus {
        match self {
            ApplicationAction::Submit | ApplicationAction::Resubmit => ApplicationStatus::Submitted,
            ApplicationAction::Return => ApplicationStatus::Returned,
            ApplicationAction::Approve => ApplicationStatus::Approved,
            ApplicationAction::Withdraw => ApplicationStatus::Withdrawn,
        }
    }

    /// The status after taking this action from `status`, or why not.
    pub fn check(self, status: ApplicationStatus) -> Result<ApplicationStatus, ApplicationError> {
        if self.from().contains(&status) {
            Ok(self.to())
        } else {
            Err(ApplicationError::WrongStatus {
                action: self,
                status,
            })
        }
    }
}

/// A unit: its number or full name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(untagged)]
pub enum UnitKey {
    Id(u32),
    Name(String),
}

/// The answer to a unit that does not exist (or is abolished).
fn unit_missing(key: &UnitKey) -> ApplicationError {
    match key {
        UnitKey::Id(id) => ApplicationError::UnknownUnit(format!("机构编号 {id} 不存在或已撤销")),
        UnitKey::Name(n) => match n.trim().parse::<u32>() {
            Ok(id) => unit_missing(&UnitKey::Id(id)),
            Err(_) => ApplicationError::UnknownUnit(format!("机构“{}”不存在", n.trim())),
        },
    }
}

/// A unit named by a user limited to `scope`: one outside it is answered
/// exactly as one that does not exist (and audited as 越权访问).
pub fn find_unit_in_scope(
    st: &State,
    scope: Option<&[UnitId]>,
    key: &UnitKey,
) -> Result<UnitId, ApplicationError> {
    let u = find_unit(st, key)?;
    if in_scope(scope, u) {
        Ok(u)
    } else {
        Err(out_of_scope(unit_missing(key)))
    }
}

pub fn find_unit(st: &State, key: &UnitKey) -> Result<UnitId, ApplicationError> {
    match key {
        UnitKey::Id(id) => st
            .unit(UnitId(*id))
            .filter(|u| u.is_active())
            .map(|u| u.id)
            .ok_or_else(|| unit_missing(key)),
        UnitKey::Name(n) => {
            let n = n.trim();
            if let Ok(id) = n.parse::<u32>() {
                return find_unit(st, &UnitKey::Id(id));
            }
            st.unit_by_name
                .get(n)
                .copied()
                .or_else(|| {
                    let v: Vec<UnitId> = st
                        .units
                        .iter()
                        .flatten()
                        .filter(|u| u.is_active() && u.short_name.as_deref() == Some(n))
                        .map(|u| u.id)
                        .collect();
                    (v.len() == 1).then(|| v[0])
                })
                .ok_or_else(|| unit_missing(key))
        }
    }
}

/// The answer to a person that is not in the ledger, named by `s` (a
/// 身份证号 or a 人员编号).
fn person_missing(s: &str) -> ApplicationError {
    let s = s.trim();
    if let Ok(idn) = parse_id_number(s) {
        return ApplicationError::UnknownPerson(format!(
            "身份证号 {} 的人员不在台账中",
            idn.mask()
        ));
    }
    match s.parse::<u32>() {
        Ok(n) if n < 100_000_000 => ApplicationError::UnknownPerson(format!("人员编号 {n} 不存在")),
        _ => ApplicationError::UnknownPerson(format!("“{s}”既不是有效的身份证号，也不是人员编号")),
    }
}

pub fn find_person(st: &State, s: &str) -> Result<PersonId, ApplicationError> {
    let s = s.trim();
    if let Ok(idn) = parse_id_number(s) {
        return st
            .person_by_id_number
            .get(idn.as_str())
            .copied()
            .ok_or_else(|| person_missing(s));
    }
    if let Ok(n) = s.parse::<u32>() {
        if n < 100_000_000 {
            return st
                .person(PersonId(n))
                .map(|p| p.id)
                .ok_or_else(|| person_missing(s));
        }
    }
    Err(person_missing(s))
}

/// A person named by a user limited to `scope`: one whose unit is outside
/// it is answered exactly as one not in the ledger (and audited as 越权访问),
/// so neither the name nor the unit of anyone outside can be learnt.
pub fn find_person_in_scope(
    st: &State,
    scope: Option<&[UnitId]>,
    s: &str,
) -> Result<PersonId, ApplicationError> {
    let pid = find_person(st, s)?;
    match st.person(pid) {
        Some(p) if in_scope(scope, p.placement.unit) => Ok(pid),
        _ => Err(out_of_scope(person_missing(s))),
    }
}

/// Kinds of application a unit clerk can submit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(deny_unknown_fields)]
pub struct ApplicationInput {
    #[cfg_attr(feature = "openapi", schema(value_type = ApplicationKind))]
    pub kind: Option<ApplicationKind>,
    /// The applying unit (default: the clerk's own unit).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub unit: Option<UnitKey>,
    /// 事由.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Proposed effective date, YYYY-MM-DD (default: the day of approval).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>))]
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
    #[cfg_attr(feature = "openapi", schema(value_type = Option<NaiveDate>))]
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

fn need<'a>(v: &'a Option<String>, field: &str, label: &str) -> Result<&'a str, ApplicationError> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .ok_or_else(|| invalid("missing_field", format!("请填写{label}（{field}）")))
}

fn qtype_funding(
    st: &State,
    input: &ApplicationInput,
) -> Result<(CatRef, CatRef, String), ApplicationError> {
    let q = need(&input.qtype, "qtype", "编制类型")?;
    let f = need(&input.funding, "funding", "经费形式")?;
    let qid = resolve_qtype(st, &CatRef::Name(q.into())).map_err(|_| {
        let names: Vec<&str> = st.quota_types.iter().map(|t| t.name.as_str()).collect();
        invalid(
            "unknown_quota_type",
            format!("编制类型“{q}”不存在，可选：{}", names.join("、")),
        )
    })?;
    let fid = resolve_funding(st, &CatRef::Name(f.into())).map_err(|_| {
        let names: Vec<&str> = st.funding_forms.iter().map(|t| t.name.as_str()).collect();
        invalid(
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

fn plan_line(
    st: &State,
    input: &ApplicationInput,
    unit: UnitId,
) -> Result<PlanLineId, ApplicationError> {
    let n = input
        .plan_line
        .ok_or_else(|| invalid("missing_field", "请选择用编计划（plan_line）"))?;
    let l = st
        .plan_line(PlanLineId(n))
        .ok_or_else(|| invalid("unknown_plan_line", format!("第 {n} 号用编计划不存在")))?;
    if l.unit != unit {
        return Err(invalid(
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

/// An optional date field (empty: none).
pub fn opt_date(v: &Option<String>) -> Result<Option<NaiveDate>, ApplicationError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => parse_date(s).map(Some),
    }
}

/// The canonical name of an optional coded field (blank: `blank`); a value
/// no entry of the table names is refused now rather than at approval.
fn coded(
    v: &Option<String>,
    table: &codes::CodeTable,
    blank: &'static str,
) -> Result<&'static str, ApplicationError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(blank),
        Some(s) => table
            .canonical(s)
            .map_err(|e| invalid("unknown_code", e.to_string())),
    }
}

fn post_kind(s: &str) -> Result<PostKind, ApplicationError> {
    PostKind::parse(s).ok_or_else(|| {
        let names: Vec<&str> = PostKind::ALL.iter().map(|k| k.label()).collect();
        invalid(
            "bad_post_kind",
            format!("职数类别“{s}”无效，可选：{}", names.join("、")),
        )
    })
}

fn body(st: &State, unit: UnitId, b: Option<u32>) -> Result<Option<BodyId>, ApplicationError> {
    let Some(b) = b else { return Ok(None) };
    let ok = st
        .unit(unit)
        .and_then(|u| u.body(BodyId(b)))
        .is_some_and(|x| !x.abolished);
    if !ok {
        return Err(invalid(
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
) -> Result<Prepared, ApplicationError> {
    let kind = input
        .kind
        .ok_or_else(|| invalid("missing_field", "请选择申请类型（kind）"))?;
    let unit = match &input.unit {
        Some(k) => find_unit_in_scope(st, scope, k)?,
        None => own.ok_or_else(|| invalid("missing_field", "请选择申请单位（unit）"))?,
    };
    if !in_scope(scope, unit) {
        return Err(out_of_scope(unit_missing(&UnitKey::Id(unit.0))));
    }
    let effective = opt_date(&input.effective)?;
    let person_in_unit = |field: &Option<String>| -> Result<(PersonId, String), ApplicationError> {
        let s = need(field, "person", "人员（身份证号或人员编号）")?;
        let pid = find_person_in_scope(st, scope, s)?;
        let p = st.person(pid).expect("found");
        if p.placement.unit != unit {
            return Err(invalid(
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
            let idn =
                parse_id_number(idn_text).map_err(|e| invalid("bad_id_number", e.to_string()))?;
            let identity_text = need(&input.identity, "identity", "人员身份")?;
            let identity = StaffIdentity::parse(identity_text).ok_or_else(|| {
                let names: Vec<&str> = StaffIdentity::ALL.iter().map(|k| k.label()).collect();
                invalid(
                    "bad_identity",
                    format!("人员身份“{identity_text}”无效，可选：{}", names.join("、")),
                )
            })?;
            let (qtype, funding, acct) = qtype_funding(st, input)?;
            let line = plan_line(st, input, unit)?;
            let details = PersonDetails {
                name: name.clone(),
                id_number: idn,
                ethnicity: coded(&input.ethnicity, &codes::ETHNICITY, "汉族")?.into(),
                political: coded(&input.political, &codes::POLITICAL, "")?.into(),
                education: coded(&input.education, &codes::EDUCATION, "")?.into(),
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
                return Err(invalid(
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
                invalid(
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
                input
                    .to_unit
                    .as_ref()
                    .ok_or_else(|| invalid("missing_field", "请选择调入单位（to_unit）"))?,
            )?;
            if to == unit {
                return Err(invalid("same_unit", "调入单位与调出单位相同"));
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
                        .map_err(|e| invalid("bad_id_number", e.to_string()))?
                        .into_string(),
                ),
            };
            let work_start = opt_date(&input.work_start)?;
            if new_name.is_none() && new_idn.is_none() && work_start.is_none() {
                return Err(invalid(
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
