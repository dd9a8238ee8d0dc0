use bianzhi_core::model::{AccountKey, Counts};
use bianzhi_core::{FundingId, PersonId, QuotaTypeId, State, UnitId};
use serde::Serialize;
use utoipa::ToSchema;

use crate::http::error::WebError;
use crate::http::params::Params;
use crate::state::App;
use crate::state::ReadCtx;
use bianzhi_casework::application;
pub use bianzhi_casework::application::{in_scope, UnitKey};

/// A unit by number or name ([`application::find_unit`]).
pub fn find_unit(st: &State, key: &UnitKey) -> Result<UnitId, WebError> {
    Ok(application::find_unit(st, key)?)
}

/// A unit by number or name, answered as missing when outside `scope`.
pub fn find_unit_in_scope(
    st: &State,
    scope: Option<&[UnitId]>,
    key: &UnitKey,
) -> Result<UnitId, WebError> {
    Ok(application::find_unit_in_scope(st, scope, key)?)
}

/// A person by 身份证号 or number ([`application::find_person`]).
pub fn find_person(st: &State, s: &str) -> Result<PersonId, WebError> {
    Ok(application::find_person(st, s)?)
}

/// A person by 身份证号 or number, answered as missing when outside `scope`.
pub fn find_person_in_scope(
    st: &State,
    scope: Option<&[UnitId]>,
    s: &str,
) -> Result<PersonId, WebError> {
    Ok(application::find_person_in_scope(st, scope, s)?)
}

// ---------------------------------------------------------------- figures

/// The numbers of a quota account or a total (DOMAIN §2.2).
#[derive(Debug, Clone, Copy, Default, Serialize, ToSchema)]
pub struct Figures {
    /// 核定.
    pub approved: i32,
    /// 实有.
    pub actual: i32,
    /// 冻结 (已批未入编).
    pub frozen: i32,
    /// 锁定.
    pub locked: i32,
    /// 周转借入.
    pub borrowed: i32,
    /// 过桥.
    pub bridged: i32,
    /// 已核未下达.
    pub unreleased: i32,
    /// 可用空编.
    pub available: i32,
    /// 超编.
    pub over: i32,
}

impl Figures {
    /// The figures of a total: 可用空编 given as summed per account (an
    /// account over quota counts 0 there, and its excess under 超编).
    pub(crate) fn total(c: &Counts, over: i32, available: i32) -> Figures {
        let mut f = Figures::of(c, over);
        f.available = available;
        f
    }

    /// The figures of one account: 可用空编 never below 0 (an excess shows
    /// as 超编).
    pub(crate) fn of(c: &Counts, over: i32) -> Figures {
        Figures {
            approved: c.approved,
            actual: c.actual,
            frozen: c.frozen,
            locked: c.locked,
            borrowed: c.borrowed,
            bridged: c.bridged,
            unreleased: c.unreleased,
            available: c.available().max(0),
            over,
        }
    }
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct UnitLink {
    pub id: u32,
    pub name: String,
}

// ---------------------------------------------------------------- builders

pub(crate) fn funding_name(st: &State, f: FundingId) -> String {
    st.funding_form(f)
        .map(|f| f.name.clone())
        .unwrap_or_default()
}

/// Checks that a unit exists and the user may see it.
pub fn check_unit(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    id: u32,
) -> Result<UnitId, WebError> {
    let u = UnitId(id);
    let missing = || WebError::NotFound(format!("机构编号 {id} 不存在"));
    if ctx.live.unit(u).is_none() {
        return Err(missing());
    }
    if !in_scope(scope, u) {
        return Err(WebError::out_of_scope(missing()));
    }
    Ok(u)
}

pub(crate) fn link(st: &State, u: UnitId) -> UnitLink {
    UnitLink {
        id: u.0,
        name: st.unit_name(u),
    }
}

/// Account key text for links: `qtype-funding`.
pub fn account_param(k: &AccountKey) -> String {
    format!("{}-{}", k.qtype.0, k.funding.0)
}

pub fn parse_qtype(app: &App, p: &Params) -> Result<Option<QuotaTypeId>, WebError> {
    match p.get("qtype") {
        None => Ok(None),
        Some(s) => {
            let db = app.db();
            let st = db.state();
            let id = s
                .parse::<u16>()
                .ok()
                .and_then(|i| st.quota_type(QuotaTypeId(i)).map(|q| q.id))
                .or_else(|| {
                    st.quota_types
                        .iter()
                        .find(|q| q.name == s || q.code == s)
                        .map(|q| q.id)
                });
            id.map(Some).ok_or_else(|| {
                WebError::invalid("unknown_quota_type", format!("编制类型“{s}”不存在"))
            })
        }
    }
}

pub fn parse_funding(app: &App, p: &Params) -> Result<Option<FundingId>, WebError> {
    match p.get("funding") {
        None => Ok(None),
        Some(s) => {
            let db = app.db();
            let st = db.state();
            let id = s
                .parse::<u8>()
                .ok()
                .and_then(|i| st.funding_form(FundingId(i)).map(|q| q.id))
                .or_else(|| {
                    st.funding_forms
                        .iter()
                        .find(|q| q.name == s || q.code == s)
                        .map(|q| q.id)
                });
            id.map(Some)
                .ok_or_else(|| WebError::invalid("unknown_funding", format!("经费形式“{s}”不存在")))
        }
    }
}

/// The operations of a matter as sent in JSON (form, API, case draft): each
/// named by its code or its Chinese name (`"op": "周转池借出"` as well as
/// `"op": "lend"`); a malformed one is refused with 400, naming the operation
/// and the field by their Chinese labels.
pub fn parse_ops(values: Vec<serde_json::Value>) -> Result<Vec<bianzhi_core::Op>, WebError> {
    use bianzhi_core::matter::describe;
    let mut ops = Vec::with_capacity(values.len());
    for (i, v) in values.into_iter().enumerate() {
        let n = i + 1;
        let name = v.get("op").and_then(|o| o.as_str()).map(str::to_string);
        let Some(spec) = name.as_deref().and_then(describe::find) else {
            let message = match name {
                None => format!("第 {n} 项操作：缺少“事项类型”（op）"),
                Some(name) => format!(
                    "第 {n} 项操作：没有“{name}”这种事项类型（可用的事项类型见“登记事项”页面或接口文档）"
                ),
            };
            return Err(WebError::BadOperation {
                code: "unknown_operation",
                message,
            });
        };
        let v = describe::normalise_op_name(v);
        if let Err(e) = describe::check(spec, &v) {
            return Err(WebError::BadOperation {
                code: if e.message == "必须填写" {
                    "missing_field"
                } else {
                    "invalid_field"
                },
                message: format!(
                    "第 {n} 项操作（{}）：“{}”{}",
                    spec.label, e.label, e.message
                ),
            });
        }
        let op = crate::http::json::from_value_labelled(
            v,
            |path| spec.label_of_path(path),
            |code, message| WebError::BadOperation {
                code,
                message: format!("第 {n} 项操作（{}）：{message}", spec.label),
            },
        )?;
        ops.push(op);
    }
    Ok(ops)
}

/// 文号登记: a 文号 another matter already uses is refused (422
/// `doc_in_use`, naming that matter), unless the clerk marks it as the same
/// document covering several matters (`same_doc`).
pub fn check_doc_free(
    ledger: &bianzhi_core::Ledger,
    doc: &bianzhi_core::ident::DocNo,
    same_doc: bool,
) -> Result<(), WebError> {
    if same_doc {
        return Ok(());
    }
    let used = ledger.matters_with_doc(doc);
    let Some(seq) = used.first() else {
        return Ok(());
    };
    let what = ledger
        .matter(*seq)?
        .map(|m| {
            let mut kinds: Vec<&str> = m.ops.iter().map(|o| o.label()).collect();
            kinds.dedup();
            format!("{}，生效日期 {}", kinds.join("、"), m.effective)
        })
        .unwrap_or_default();
    Err(WebError::invalid(
        "doc_in_use",
        format!(
            "文号 {} 已用于第 {seq} 条事项（{what}）；同一文件涉及多件事项的，请勾选“同一文件涉及多件事项”",
            doc.raw
        ),
    ))
}

/// The units a list may be filtered by (today's, in the user's scope): id and name.
pub fn units_in_scope(app: &App, user: &crate::auth::User) -> Vec<(u32, String)> {
    let today = app.today();
    let scope = app.scope(user, today);
    let db = app.db();
    bianzhi_core::query::units_at(db.state(), today)
        .into_iter()
        .filter(|u| in_scope(scope.as_deref(), u.id))
        .map(|u| (u.id.0, u.name.clone()))
        .collect()
}

/// Whether a ledger unit (none: a body outside 编制) is in the user's
/// scope: the unit or one of its ancestors (as last
/// recorded, so a unit abolished since still counts) is one of the roots.
pub fn unit_in_scope(
    app: &crate::state::App,
    user: &crate::auth::User,
    unit: Option<bianzhi_core::UnitId>,
) -> bool {
    let Some(roots) = user.scope.as_ref() else {
        return true;
    };
    let Some(mut u) = unit else {
        return false;
    };
    let db = app.db();
    let st = db.state();
    for _ in 0..64 {
        if roots.contains(&u) {
            return true;
        }
        match st.unit(u).and_then(|x| x.parent) {
            Some(p) => u = p,
            None => return false,
        }
    }
    false
}
