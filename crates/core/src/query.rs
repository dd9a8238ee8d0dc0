//! As-of queries over the state's histories: 编制情况表, 领导职数情况表, rosters,
//! the unit tree, roll-ups, and person search.

use std::collections::BTreeMap;

use chrono::NaiveDate;
use pinyin::ToPinyin;
use serde::Serialize;

use crate::ids::{PersonId, QuotaTypeId, UnitId};
use crate::model::{AccountKey, Counts, Placement, PostKey, Unit};
use crate::state::{value_at, State};

/// One row of a 编制情况表.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct QuotaRow {
    pub key: AccountKey,
    /// 编制类型.
    pub qtype: String,
    /// 经费形式.
    pub funding: String,
    pub counts: Counts,
    /// 可用空编.
    pub available: i32,
    /// 超编.
    pub over: i32,
    /// 超编消化.
    pub digesting: bool,
}

/// One row of a 领导职数情况表.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PostRow {
    pub key: PostKey,
    pub label: String,
    /// 核定.
    pub approved: i32,
    /// 实配.
    pub filled: i32,
    /// 空缺 (negative = 超职数).
    pub vacant: i32,
}

/// The unit as it stood at `date` (None if not yet set up then).
pub fn unit_at(st: &State, id: UnitId, date: NaiveDate) -> Option<&Unit> {
    st.history
        .units
        .get(id.index())
        .and_then(|h| value_at(h, date))
}

/// Where a person stood at `date`.
pub fn placement_at(st: &State, id: PersonId, date: NaiveDate) -> Option<Placement> {
    st.history
        .placements
        .get(id.index())
        .and_then(|h| value_at(h, date))
        .copied()
}

/// The quota account's numbers at `date`.
pub fn account_at(st: &State, key: &AccountKey, date: NaiveDate) -> Option<(Counts, bool)> {
    st.history
        .accounts
        .get(key)
        .and_then(|h| value_at(h, date))
        .copied()
}

/// 编制情况表 of a unit as of `date`: one row per account with any number.
pub fn quota_table(st: &State, unit: UnitId, date: NaiveDate) -> Vec<QuotaRow> {
    st.unit_accounts(unit)
        .filter_map(|a| {
            let (counts, digesting) = account_at(st, &a.key, date)?;
            if counts.is_zero() {
                return None;
            }
            Some(QuotaRow {
                key: a.key,
                qtype: st.qtype_name(a.key.qtype),
                funding: st
                    .funding_form(a.key.funding)
                    .map(|f| f.name.clone())
                    .unwrap_or_default(),
                available: counts.available(),
                over: counts.over(),
                counts,
                digesting,
            })
        })
        .collect()
}

/// 领导职数情况表 of a unit as of `date`.
pub fn post_table(st: &State, unit: UnitId, date: NaiveDate) -> Vec<PostRow> {
    st.unit_posts(unit)
        .filter_map(|p| {
            let (approved, filled) = *value_at(st.history.posts.get(&p.key)?, date)?;
            if approved == 0 && filled == 0 {
                return None;
            }
            Some(PostRow {
                key: p.key,
                label: st.post_label(&p.key),
                approved,
                filled,
                vacant: approved - filled,
            })
        })
        .collect()
}

/// 实名制花名册 of a unit as of `date`: people enrolled (在编 or 已批未报到) then.
pub fn roster_at(st: &State, unit: UnitId, date: NaiveDate) -> Vec<(PersonId, Placement)> {
    let Some(ids) = st.unit_people.get(&unit) else {
        return Vec::new();
    };
    let mut ids = ids.clone();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter_map(|p| {
            let pl = placement_at(st, p, date)?;
            (pl.unit == unit && pl.is_enrolled()).then_some((p, pl))
        })
        .collect()
}

/// Every unit that existed (set up, not yet abolished) at `date`.
pub fn units_at(st: &State, date: NaiveDate) -> Vec<&Unit> {
    (0..st.units.len() as u32)
        .filter_map(|i| unit_at(st, UnitId(i), date))
        .filter(|u| u.is_active())
        .collect()
}

/// A unit and every unit below it, as the tree stood at `date`.
pub fn subtree(st: &State, root: UnitId, date: NaiveDate) -> Vec<UnitId> {
    let units = units_at(st, date);
    let mut children: BTreeMap<UnitId, Vec<UnitId>> = BTreeMap::new();
    for u in &units {
        if let Some(p) = u.parent {
            children.entry(p).or_default().push(u.id);
        }
    }
    let mut out = vec![root];
    let mut i = 0;
    while i < out.len() {
        if let Some(c) = children.get(&out[i]) {
            out.extend(c.iter().copied());
        }
        i += 1;
    }
    out
}

/// Totals of a set of accounts by 编制类型.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct Rollup {
    pub by_type: BTreeMap<QuotaTypeId, Counts>,
    /// Sum of 超编 over accounts (an over-quota account does not offset another's vacancy).
    pub over_by_type: BTreeMap<QuotaTypeId, i32>,
    pub total: Counts,
    pub over: i32,
    /// 可用空编 summed per account (an account over quota counts 0, never
    /// less): what a total of 可用空编 means, unlike `total.available()`.
    pub available: i32,
    pub available_by_type: BTreeMap<QuotaTypeId, i32>,
    /// Accounts in 超编消化.
    pub digesting_accounts: usize,
    pub accounts: usize,
}

/// Roll-up of the whole jurisdiction (or of `units` only) as of `date`.
pub fn rollup(st: &State, date: NaiveDate, units: Option<&[UnitId]>) -> Rollup {
    let mut r = Rollup::default();
    let mut add = |key: &AccountKey, c: Counts, digesting: bool| {
        r.by_type.entry(key.qtype).or_default().add(&c);
        *r.over_by_type.entry(key.qtype).or_default() += c.over();
        r.total.add(&c);
        r.over += c.over();
        r.available += c.available().max(0);
        *r.available_by_type.entry(key.qtype).or_default() += c.available().max(0);
        r.digesting_accounts += digesting as usize;
        r.accounts += 1;
    };
    match units {
        None => {
            for (key, h) in &st.history.accounts {
                if let Some((c, d)) = value_at(h, date) {
                    if !c.is_zero() {
                        add(key, *c, *d);
                    }
                }
            }
        }
        Some(us) => {
            for u in us {
                for a in st.unit_accounts(*u) {
                    if let Some((c, d)) = account_at(st, &a.key, date) {
                        if !c.is_zero() {
                            add(&a.key, c, d);
                        }
                    }
                }
            }
        }
    }
    r
}

/// Pinyin initials of a name, e.g. 王小明 → "wxm".
pub fn pinyin_initials(name: &str) -> String {
    name.chars()
        .map(|c| match c.to_pinyin() {
            Some(p) => p.first_letter().to_string(),
            None => c.to_lowercase().to_string(),
        })
        .collect()
}

/// Finds people by 身份证号 (full, 15 or 18 digits), name (substring) or pinyin
/// initials; people currently enrolled first.
pub fn search_people(st: &State, query: &str, limit: usize) -> Vec<PersonId> {
    let q = query.trim();
    if q.is_empty() {
        return Vec::new();
    }
    if let Ok(idn) = crate::ident::parse_id_number(q) {
        return st
            .person_by_id_number
            .get(idn.as_str())
            .copied()
            .into_iter()
            .collect();
    }
    let ascii = q.chars().all(|c| c.is_ascii_alphabetic());
    let ql = q.to_lowercase();
    let mut hits: Vec<(bool, PersonId)> = st
        .persons
        .iter()
        .flatten()
        .filter(|p| {
            if ascii {
                pinyin_initials(&p.details.name).starts_with(&ql)
            } else {
                p.details.name.contains(q)
            }
        })
        .map(|p| (!p.placement.is_enrolled(), p.id))
        .collect();
    hits.sort_unstable();
    hits.into_iter().take(limit).map(|(_, id)| id).collect()
}

/// One line of a 机构编制台账: what an operation did to a unit.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct LedgerLine {
    /// 事项类型.
    pub kind: &'static str,
    /// 摘要.
    pub summary: String,
    /// 变动数 (signed change of 核定 or of people, where it applies).
    pub count: i32,
}

/// The units an operation touches (resolved, id-based operations), judged
/// against the state as of the matter's date.
pub fn op_units(st: &State, op: &crate::matter::Op, date: NaiveDate) -> Vec<UnitId> {
    use crate::matter::{Op, PersonRef, UnitRef};
    let u = |r: &UnitRef| match r {
        UnitRef::Id(id) => Some(*id),
        UnitRef::Name(n) => st.unit_by_name.get(n).copied(),
    };
    let person_units = |r: &PersonRef| -> Vec<UnitId> {
        let PersonRef::Id(id) = r else {
            return Vec::new();
        };
        let mut v: Vec<UnitId> = [date.pred_opt().unwrap_or(date), date]
            .iter()
            .filter_map(|d| placement_at(st, *id, *d).map(|p| p.unit))
            .collect();
        v.dedup();
        v
    };
    let v: Vec<Option<UnitId>> = match op {
        Op::DefineQuotaType { .. } => vec![],
        Op::CreateUnit(nu) => vec![nu.id, nu.parent.as_ref().and_then(u)],
        Op::RenameUnit { unit, .. }
        | Op::SetRank { unit, .. }
        | Op::UpdateUnit { unit, .. }
        | Op::AddSecondName { unit, .. }
        | Op::RemoveSecondName { unit, .. }
        | Op::AddBody { unit, .. }
        | Op::RemoveBody { unit, .. }
        | Op::SetControlMode { unit, .. }
        | Op::SetPosts { unit, .. }
        | Op::ApprovePlanLine { unit, .. } => vec![u(unit)],
        Op::MoveUnit { unit, parent } => vec![u(unit), parent.as_ref().and_then(u)],
        Op::MergeUnit { unit, into } => vec![u(unit), u(into)],
        Op::AbolishUnit { unit, remap } => vec![u(unit), remap.as_ref().and_then(|r| u(&r.to))],
        Op::SetQuota { account, .. }
        | Op::IncreaseQuota { account, .. }
        | Op::DecreaseQuota { account, .. }
        | Op::LockQuota { account, .. }
        | Op::UnlockQuota { account, .. }
        | Op::Hire { account, .. }
        | Op::RegisterExisting { account, .. } => vec![u(&account.unit)],
        Op::TransferQuota { from, to, .. } => vec![u(from), u(to)],
        Op::Transfer { person, to, .. } => {
            let mut v: Vec<Option<UnitId>> = person_units(person).into_iter().map(Some).collect();
            v.push(u(&to.unit));
            v
        }
        Op::Onboard { person }
        | Op::WithdrawHire { person }
        | Op::Leave { person, .. }
        | Op::Appoint { person, .. }
        | Op::Remove { person, .. }
        | Op::CorrectPerson { person, .. } => person_units(person).into_iter().map(Some).collect(),
        Op::FundPool { .. } => vec![],
        Op::Reclaim { account, .. }
        | Op::Lend { account, .. }
        | Op::GrantPhased { account, .. }
        | Op::GrantDynamic { account, .. } => vec![u(&account.unit)],
        Op::ReclaimUnitQuotas { unit }
        | Op::SetStaffCap { unit, .. }
        | Op::SetSector { unit, .. }
        | Op::RegisterFiled { unit, .. } => vec![u(unit)],
        Op::SetSectorTotal { .. } => vec![],
        Op::ReturnLoan { loan, .. } => vec![st.loan(*loan).map(|l| l.key.unit)],
        Op::BridgeTransfer { person, to, .. } => {
            let mut v: Vec<Option<UnitId>> = person_units(person).into_iter().map(Some).collect();
            v.push(u(&to.unit));
            v
        }
        Op::DirectedEnrol {
            person, account, ..
        } => {
            let mut v: Vec<Option<UnitId>> = person_units(person).into_iter().map(Some).collect();
            v.push(u(&account.unit));
            v
        }
    };
    let mut out: Vec<UnitId> = v.into_iter().flatten().collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// Describes an operation for the 台账 of `unit`.
pub fn describe_op(st: &State, op: &crate::matter::Op, unit: UnitId) -> LedgerLine {
    use crate::matter::{AccountRef, CatRef, Op, PersonRef, UnitRef};
    let uname = |r: &UnitRef| match r {
        UnitRef::Id(id) => st.unit_name(*id),
        UnitRef::Name(n) => n.clone(),
    };
    let uid = |r: &UnitRef| match r {
        UnitRef::Id(id) => Some(*id),
        UnitRef::Name(n) => st.unit_by_name.get(n).copied(),
    };
    let cat = |q: &CatRef, funding: bool| -> String {
        let r = if funding {
            crate::state::resolve_funding(st, q).map(|f| {
                st.funding_form(f)
                    .map(|f| f.name.clone())
                    .unwrap_or_default()
            })
        } else {
            crate::state::resolve_qtype(st, q).map(|t| st.qtype_name(t))
        };
        r.unwrap_or_else(|_| "?".into())
    };
    let acct = |a: &AccountRef| format!("{}({})", cat(&a.qtype, false), cat(&a.funding, true));
    let pname = |r: &PersonRef| match r {
        PersonRef::Id(id) => st
            .person(*id)
            .map(|p| p.details.name.clone())
            .unwrap_or_else(|| format!("人员#{id}")),
        PersonRef::IdNumber(s) => s.clone(),
    };
    let (summary, count) = match op {
        Op::DefineQuotaType { name, .. } => (format!("增设编制类型 {name}"), 0),
        Op::CreateUnit(nu) => {
            if nu.id == Some(unit) {
                (format!("设立 {}（{}，{}）", nu.name, nu.kind, nu.rank), 0)
            } else {
                (format!("设立下属机构 {}", nu.name), 0)
            }
        }
        Op::RenameUnit { name, .. } => (format!("更名为 {name}"), 0),
        Op::SetRank { rank, .. } => (format!("规格调整为 {rank}"), 0),
        Op::UpdateUnit { .. } => ("变更登记事项".into(), 0),
        Op::AddSecondName { name, .. } => (format!("加挂 {name} 牌子"), 0),
        Op::RemoveSecondName { name, .. } => (format!("摘除 {name} 牌子"), 0),
        Op::AddBody { name, .. } => (format!("设立内设机构 {name}"), 0),
        Op::RemoveBody { body, .. } => (format!("撤销内设机构 #{body}"), 0),
        Op::MoveUnit { parent, .. } => (
            format!(
                "划转至 {}",
                parent.as_ref().map(uname).unwrap_or_else(|| "区直".into())
            ),
            0,
        ),
        Op::MergeUnit { unit: from, into } => {
            if uid(from) == Some(unit) {
                (format!("并入 {}", uname(into)), 0)
            } else {
                (format!("{} 并入本单位", uname(from)), 0)
            }
        }
        Op::AbolishUnit { unit: u, remap } => match remap {
            Some(_) if uid(u) != Some(unit) => {
                (format!("承接撤销单位 {} 的人员和编制", uname(u)), 0)
            }
            Some(r) => (format!("撤销，人员和编制转入 {}", uname(&r.to)), 0),
            None => ("撤销".into(), 0),
        },
        Op::SetControlMode { mode, .. } => (format!("控编模式设为 {mode}"), 0),
        Op::SetQuota { account, count, .. } => (format!("核定 {} {} 名", acct(account), count), 0),
        Op::IncreaseQuota { account, count } => {
            (format!("核增 {} {} 名", acct(account), count), *count)
        }
        Op::DecreaseQuota { account, count, .. } => {
            (format!("核减 {} {} 名", acct(account), count), -count)
        }
        Op::TransferQuota {
            from,
            to,
            qtype,
            funding,
            count,
        } => {
            let a = format!("{}({})", cat(qtype, false), cat(funding, true));
            if uid(from) == Some(unit) {
                (format!("划出 {a} {count} 名至 {}", uname(to)), -count)
            } else {
                (format!("自 {} 划入 {a} {count} 名", uname(from)), *count)
            }
        }
        Op::LockQuota { account, count, .. } => (format!("锁定 {} {} 名", acct(account), count), 0),
        Op::UnlockQuota { account, count } => (format!("解锁 {} {} 名", acct(account), count), 0),
        Op::SetPosts {
            unit: u,
            body,
            kind,
            count,
        } => {
            let label = match uid(u) {
                Some(id) => st.post_label(&crate::model::PostKey {
                    unit: id,
                    body: *body,
                    kind: *kind,
                }),
                None => kind.label().to_string(),
            };
            (format!("核定{label} {count} 名"), 0)
        }
        Op::ApprovePlanLine {
            year,
            channel,
            qtype,
            count,
            ..
        } => (
            format!(
                "下达 {year} 年度{channel}用编计划 {} {count} 名",
                cat(qtype, false)
            ),
            0,
        ),
        Op::Hire {
            account, details, ..
        } => (
            format!("{} 入编（{}），待报到", details.name, acct(account)),
            1,
        ),
        Op::RegisterExisting {
            account, details, ..
        } => (format!("{} 存量登记（{}）", details.name, acct(account)), 1),
        Op::Onboard { person } => (format!("{} 报到", pname(person)), 0),
        Op::WithdrawHire { person } => (format!("{} 撤回入编", pname(person)), -1),
        Op::Leave { person, reason } => (format!("{} 出编（{reason}）", pname(person)), -1),
        Op::Transfer { person, to, .. } => {
            if uid(&to.unit) == Some(unit) {
                (format!("{} 调入（{}）", pname(person), acct(to)), 1)
            } else {
                (format!("{} 调往 {}", pname(person), uname(&to.unit)), -1)
            }
        }
        Op::Appoint { person, title, .. } => (format!("{} 任 {title}", pname(person)), 0),
        Op::Remove { person, kind, .. } => (format!("{} 免去{kind}职务", pname(person)), 0),
        Op::CorrectPerson { person, .. } => (format!("{} 关键信息更正", pname(person)), 0),
        Op::FundPool { qtype, count } => (format!("周转池核定{} {count} 名", cat(qtype, false)), 0),
        Op::Reclaim { account, count, .. } => (
            format!("核减收回 {} {count} 名，纳入周转池", acct(account)),
            -count,
        ),
        Op::ReclaimUnitQuotas { .. } => ("收回全部核定编制，纳入周转池".into(), 0),
        Op::Lend {
            account,
            count,
            due,
            on_attrition,
            ..
        } => (
            format!(
                "周转池借入 {} {count} 名{}{}",
                acct(account),
                due.map(|d| format!("，{d} 到期")).unwrap_or_default(),
                if *on_attrition { "，减员即还" } else { "" }
            ),
            *count,
        ),
        Op::ReturnLoan { loan, count } => (
            format!(
                "归还周转编制（借用 #{loan}）{}",
                count.map(|c| format!(" {c} 名")).unwrap_or_default()
            ),
            -count.unwrap_or(0),
        ),
        Op::BridgeTransfer {
            person,
            to,
            from_pool,
            deadline,
            ..
        } => {
            let src = if *from_pool { "周转池" } else { "原单位" };
            if uid(&to.unit) == Some(unit) {
                (
                    format!(
                        "{} 过桥调入（{}，过桥编制来自{src}，{deadline} 前消化）",
                        pname(person),
                        acct(to)
                    ),
                    1,
                )
            } else {
                (
                    format!("{} 带编调往 {}（过桥）", pname(person), uname(&to.unit)),
                    -1,
                )
            }
        }
        Op::GrantPhased {
            account,
            tranches,
            from_pool,
            ..
        } => {
            let total: i32 = tranches.iter().map(|t| t.count).sum();
            let plan: Vec<String> = tranches
                .iter()
                .map(|t| format!("{} 下达 {}", t.date, t.count))
                .collect();
            (
                format!(
                    "承兑编制 {} {total} 名（{}）{}",
                    acct(account),
                    plan.join("，"),
                    if *from_pool {
                        "，由周转池调剂"
                    } else {
                        ""
                    }
                ),
                total,
            )
        }
        Op::GrantDynamic { account, count, .. } => (
            format!("动态编制 {} {count} 名（退一收一）", acct(account)),
            *count,
        ),
        Op::SetStaffCap { count, .. } => (
            match count {
                Some(c) => format!("核定人员控制总量 {c} 名"),
                None => "取消人员控制总量".into(),
            },
            0,
        ),
        Op::RegisterFiled { details, .. } => (format!("{} 备案登记", details.name), 0),
        Op::SetSector { sector, .. } => (
            format!("行业领域调整为 {}", crate::codes::sector_name(sector)),
            0,
        ),
        Op::SetSectorTotal {
            sector,
            qtype,
            count,
            ..
        } => (
            format!(
                "{}{}总量{}",
                crate::codes::sector_name(sector),
                qtype
                    .as_ref()
                    .map_or_else(|| "编制".to_string(), |q| cat(q, false)),
                match count {
                    Some(c) => format!("核定为 {c} 名"),
                    None => "取消".into(),
                }
            ),
            0,
        ),
        Op::DirectedEnrol {
            person, account, ..
        } => (
            format!("{} 定向入编（{}）", pname(person), acct(account)),
            1,
        ),
    };
    LedgerLine {
        kind: op.label(),
        summary,
        count,
    }
}

/// The state to query at `date`: the state itself, or — when `date` lies beyond
/// the latest matter and scheduled effects (承兑 tranches, loans falling due)
/// are due by then — a copy advanced to `date`. Deterministic: the same ledger
/// gives the same answer for any date, whenever it is asked.
pub fn view_at(st: &State, date: NaiveDate) -> std::borrow::Cow<'_, State> {
    match st.schedule.keys().next() {
        Some((d, _)) if *d <= date => {
            let mut s = st.clone();
            s.advance_clock(date);
            std::borrow::Cow::Owned(s)
        }
        _ => std::borrow::Cow::Borrowed(st),
    }
}

/// 周转池 figures by 编制类型 as of `date`.
pub fn pools_at(st: &State, date: NaiveDate) -> Vec<(QuotaTypeId, crate::model::PoolAccount)> {
    let mut v: Vec<_> = st
        .history
        .pools
        .iter()
        .filter_map(|(q, h)| value_at(h, date).map(|p| (*q, *p)))
        .collect();
    v.sort_by_key(|(q, _)| *q);
    v
}

/// Loans as they stood at `date` (outstanding only unless `all`).
pub fn loans_at(st: &State, date: NaiveDate, all: bool) -> Vec<crate::model::Loan> {
    st.history
        .loans
        .iter()
        .filter_map(|h| value_at(h, date).cloned())
        .filter(|l| all || l.outstanding() > 0)
        .collect()
}

/// 过桥编制 as they stood at `date` (not yet written off unless `all`).
pub fn bridges_at(st: &State, date: NaiveDate, all: bool) -> Vec<crate::model::Bridge> {
    st.history
        .bridges
        .iter()
        .filter_map(|h| value_at(h, date).cloned())
        .filter(|b| all || b.written_off.is_none())
        .collect()
}

/// 承兑 and 动态 grants as they stood at `date` (outstanding only unless `all`).
pub fn grants_at(st: &State, date: NaiveDate, all: bool) -> Vec<crate::model::Grant> {
    st.history
        .grants
        .iter()
        .filter_map(|h| value_at(h, date).cloned())
        .filter(|g| all || g.outstanding() > 0)
        .collect()
}

/// 备案制 figures of a unit as of `date`.
pub fn staffing_at(st: &State, unit: UnitId, date: NaiveDate) -> Option<crate::model::Staffing> {
    st.history
        .staffing
        .get(&unit)
        .and_then(|h| value_at(h, date))
        .copied()
}

/// 备案人员 of a unit as of `date`.
pub fn filed_at(st: &State, unit: UnitId, date: NaiveDate) -> Vec<PersonId> {
    let Some(ids) = st.unit_people.get(&unit) else {
        return Vec::new();
    };
    let mut ids = ids.clone();
    ids.sort_unstable();
    ids.dedup();
    ids.into_iter()
        .filter(|p| {
            placement_at(st, *p, date)
                .is_some_and(|pl| pl.unit == unit && pl.status == crate::model::PersonStatus::Filed)
        })
        .collect()
}

/// The jurisdiction's total of 核定 held in units and pools as of `date`:
/// Σ(核定 + 已核未下达 + 周转借入 + 过桥) over accounts + 周转池余额.
/// Conserved by every instrument operation.
pub fn jurisdiction_total(st: &State, date: NaiveDate) -> i32 {
    let r = rollup(st, date, None);
    let pools: i32 = pools_at(st, date).iter().map(|(_, p)| p.balance).sum();
    r.total.approved + r.total.unreleased + r.total.borrowed + r.total.bridged + pools
}

/// 行业编制总量 in force at `date` (lifted ones left out), in the order first set.
pub fn sector_totals_at(st: &State, date: NaiveDate) -> Vec<crate::model::SectorTotal> {
    st.history
        .sector_totals
        .iter()
        .filter_map(|h| value_at(h, date).cloned())
        .filter(|t| t.count.is_some())
        .collect()
}

/// A sector's figures as of `date`: the units of the sector (a field's code
/// takes in every sector within it) and the sum of their accounts, in one
/// 编制类型 or all. `counted` (核定 + 已核未下达) is what a 行业编制总量 limits.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SectorFigures {
    pub units: Vec<UnitId>,
    pub counts: Counts,
}

impl SectorFigures {
    /// 核定 + 已核未下达: what counts against a 行业编制总量.
    pub fn counted(&self) -> i32 {
        self.counts.approved + self.counts.unreleased
    }
}

/// The figures of sector `code` as of `date` (see [`SectorFigures`]).
pub fn sector_at(
    st: &State,
    code: &str,
    qtype: Option<QuotaTypeId>,
    date: NaiveDate,
) -> SectorFigures {
    let mut f = SectorFigures::default();
    for u in units_at(st, date) {
        if !u
            .sector
            .as_deref()
            .is_some_and(|s| crate::codes::sector_covers(code, s))
        {
            continue;
        }
        f.units.push(u.id);
        for a in st.unit_accounts(u.id) {
            if qtype.is_some_and(|q| q != a.key.qtype) {
                continue;
            }
            if let Some((c, _)) = account_at(st, &a.key, date) {
                f.counts.add(&c);
            }
        }
    }
    f
}
