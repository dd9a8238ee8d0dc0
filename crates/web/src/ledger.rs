use bianzhi_core::ident::parse_id_number;
use bianzhi_core::model::{AccountKey, Counts};
use bianzhi_core::{FundingId, PersonId, QuotaTypeId, State, UnitId};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

use crate::prelude::*;

/// A unit: its number or full name.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(untagged)]
pub enum UnitKey {
    Id(u32),
    Name(String),
}

/// The answer to a unit that does not exist (or is abolished).
pub(crate) fn unit_missing(key: &UnitKey) -> WebError {
    match key {
        UnitKey::Id(id) => WebError::UnknownUnit(format!("机构编号 {id} 不存在或已撤销")),
        UnitKey::Name(n) => match n.trim().parse::<u32>() {
            Ok(id) => unit_missing(&UnitKey::Id(id)),
            Err(_) => WebError::UnknownUnit(format!("机构“{}”不存在", n.trim())),
        },
    }
}

/// A unit named by a user limited to `scope`: one outside it is answered
/// exactly as one that does not exist (and audited as 越权访问).
pub fn find_unit_in_scope(
    st: &State,
    scope: Option<&[UnitId]>,
    key: &UnitKey,
) -> Result<UnitId, WebError> {
    let u = find_unit(st, key)?;
    if in_scope(scope, u) {
        Ok(u)
    } else {
        Err(WebError::out_of_scope(unit_missing(key)))
    }
}

pub fn find_unit(st: &State, key: &UnitKey) -> Result<UnitId, WebError> {
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
fn person_missing(s: &str) -> WebError {
    let s = s.trim();
    if let Ok(idn) = parse_id_number(s) {
        return WebError::UnknownPerson(format!("身份证号 {} 的人员不在台账中", idn.mask()));
    }
    match s.parse::<u32>() {
        Ok(n) if n < 100_000_000 => WebError::UnknownPerson(format!("人员编号 {n} 不存在")),
        _ => WebError::UnknownPerson(format!("“{s}”既不是有效的身份证号，也不是人员编号")),
    }
}

pub fn find_person(st: &State, s: &str) -> Result<PersonId, WebError> {
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
) -> Result<PersonId, WebError> {
    let pid = find_person(st, s)?;
    match st.person(pid) {
        Some(p) if in_scope(scope, p.placement.unit) => Ok(pid),
        _ => Err(WebError::out_of_scope(person_missing(s))),
    }
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
    pub(crate) fn of(c: &Counts, over: i32) -> Figures {
        Figures {
            approved: c.approved,
            actual: c.actual,
            frozen: c.frozen,
            locked: c.locked,
            borrowed: c.borrowed,
            bridged: c.bridged,
            unreleased: c.unreleased,
            available: c.available(),
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

pub fn in_scope(scope: Option<&[UnitId]>, u: UnitId) -> bool {
    scope.is_none_or(|s| s.binary_search(&u).is_ok() || s.contains(&u))
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
