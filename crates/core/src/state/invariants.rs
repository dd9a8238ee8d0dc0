//! What holds of every state the ledger can reach, whatever the matters:
//! the figures agree with the records they count, no rule checked when a
//! matter is applied is broken afterwards, and every 编制 slot of the
//! jurisdiction is counted exactly once (conservation).
//!
//! [`State::check_invariants`] checks the whole state (the property tests
//! call it at every date of every history); on commit, debug builds check the
//! units the matter touched ([`State::check_invariants_of`]) and that a matter
//! which neither creates nor cancels 编制 leaves [`State::quota_total`] as it
//! was.

use rustc_hash::FxHashMap;
use thiserror::Error;

use super::tx::Touched;
use super::{State, FILED_QTYPE};
use crate::catalog::QuotaClass;
use crate::ids::{QuotaTypeId, UnitId};
use crate::matter::{Matter, Op};
use crate::model::{AccountKey, BridgeSource, GrantKind, PersonStatus, PostKey};

/// A broken invariant: a bug in the state machine (or a state built by
/// hand), never a clerk's mistake. `rule` names the invariant.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("{rule}: {detail}")]
pub struct InvariantError {
    pub rule: &'static str,
    pub detail: String,
}

/// Every invariant [`State::check_invariants`] checks, by `rule` name.
pub const INVARIANTS: &[&str] = &[
    "account_not_negative",
    "vacancy_or_digesting",
    "actual_counts_people",
    "frozen_counts_people",
    "filed_counts_people",
    "borrowed_counts_loans",
    "bridged_counts_bridges",
    "unreleased_counts_grants",
    "pool_not_negative",
    "pool_lent_counts_loans",
    "pool_bridged_counts_bridges",
    "class_allowed",
    "class_not_mixed",
    "posts_within_approved",
    "post_holders_consistent",
    "staff_cap_kept",
    "abolished_unit_empty",
    "unit_name_index",
    "person_index",
    "person_listed_in_unit",
];

type Check = Result<(), InvariantError>;

fn fail(rule: &'static str, detail: String) -> Check {
    Err(InvariantError { rule, detail })
}

fn ensure(ok: bool, rule: &'static str, detail: impl FnOnce() -> String) -> Check {
    if ok {
        Ok(())
    } else {
        fail(rule, detail())
    }
}

/// The instrument figures counted per account and per 周转池.
#[derive(Default)]
struct Instruments {
    borrowed: FxHashMap<AccountKey, i32>,
    bridged: FxHashMap<AccountKey, i32>,
    unreleased: FxHashMap<AccountKey, i32>,
    pool_lent: FxHashMap<QuotaTypeId, i32>,
    pool_bridged: FxHashMap<QuotaTypeId, i32>,
}

impl State {
    /// Checks every invariant of the whole state. `Ok` for every state that
    /// [`State::apply`] and the date-driven effects can produce.
    pub fn check_invariants(&self) -> Result<(), InvariantError> {
        let units: Vec<UnitId> = self.units.iter().flatten().map(|u| u.id).collect();
        self.check_invariants_of(&units)?;
        self.check_indices()
    }

    /// Checks the invariants of the given units (their accounts, people,
    /// posts, 人员控制总量 and instruments) and of every 周转池: what a matter
    /// touching only those units could have broken.
    pub fn check_invariants_of(&self, units: &[UnitId]) -> Result<(), InvariantError> {
        self.check_scope(units, None)
    }

    /// As [`State::check_invariants_of`], the 领导职数 limited to `posts`
    /// (sorted) when given.
    fn check_scope(&self, units: &[UnitId], posts: Option<&[PostKey]>) -> Check {
        let inst = self.count_instruments();
        self.check_pools(&inst)?;
        for &u in units {
            self.check_unit(u, &inst, posts)?;
        }
        Ok(())
    }

    /// The jurisdiction's total of 编制: 核定, 已核未下达, 周转借入 and 过桥 of every
    /// account plus the 周转池 balances. Only matters that create or cancel
    /// 编制 (核定、核增、核减、核定周转编制、new 承兑) change it.
    pub fn quota_total(&self) -> i64 {
        let accounts: i64 = self
            .accounts
            .values()
            .filter(|a| a.key.qtype != FILED_QTYPE)
            .map(|a| {
                let c = a.counts;
                i64::from(c.approved + c.unreleased + c.borrowed + c.bridged)
            })
            .sum();
        let pools: i64 = self.pools.values().map(|p| i64::from(p.balance)).sum();
        accounts + pools
    }

    /// Debug builds, after a matter is committed: the invariants of what it
    /// touched, and conservation of the total when it creates no 编制.
    pub(in crate::state) fn debug_check_commit(
        &self,
        matter: &Matter,
        touched: &Touched,
        total_before: i64,
    ) {
        // Only the posts the matter changed: a ledger taken over from an old
        // system may hold 超职数 posts that no matter here has made.
        if let Err(e) = self.check_scope(&touched.units, Some(&touched.posts)) {
            panic!("invariant broken by matter {}: {e}", matter.doc);
        }
        if !matter.ops.iter().any(creates_or_cancels_quota) {
            let after = self.quota_total();
            assert_eq!(
                total_before, after,
                "matter {} changed the jurisdiction total without creating or cancelling 编制",
                matter.doc
            );
        }
    }

    fn count_instruments(&self) -> Instruments {
        let mut m = Instruments::default();
        for l in self.loans.iter().flatten() {
            *m.borrowed.entry(l.key).or_default() += l.outstanding();
            *m.pool_lent.entry(l.key.qtype).or_default() += l.outstanding();
        }
        for b in self.bridges.iter().flatten() {
            if b.written_off.is_none() {
                *m.bridged.entry(b.key).or_default() += 1;
                if b.source == BridgeSource::Pool {
                    *m.pool_bridged.entry(b.key.qtype).or_default() += 1;
                }
            }
        }
        for g in self.grants.iter().flatten() {
            if let GrantKind::Phased { .. } = g.kind {
                *m.unreleased.entry(g.key).or_default() += g.outstanding();
            }
        }
        m
    }

    fn check_pools(&self, inst: &Instruments) -> Check {
        let mut qtypes: Vec<QuotaTypeId> = self.pools.keys().copied().collect();
        qtypes.extend(inst.pool_lent.keys().copied());
        qtypes.extend(inst.pool_bridged.keys().copied());
        qtypes.sort_unstable();
        qtypes.dedup();
        for q in qtypes {
            let p = self.pools.get(&q).copied().unwrap_or_default();
            let name = || self.qtype_name(q);
            ensure(
                p.balance >= 0 && p.lent >= 0 && p.bridged >= 0,
                "pool_not_negative",
                || format!("周转池{}：{p:?}", name()),
            )?;
            let lent = inst.pool_lent.get(&q).copied().unwrap_or(0);
            ensure(p.lent == lent, "pool_lent_counts_loans", || {
                format!("周转池{} 借出 {}，借用未还合计 {lent}", name(), p.lent)
            })?;
            let bridged = inst.pool_bridged.get(&q).copied().unwrap_or(0);
            ensure(p.bridged == bridged, "pool_bridged_counts_bridges", || {
                format!(
                    "周转池{} 过桥 {}，未消化的池内过桥 {bridged}",
                    name(),
                    p.bridged
                )
            })?;
        }
        Ok(())
    }

    fn check_unit(&self, id: UnitId, inst: &Instruments, posts: Option<&[PostKey]>) -> Check {
        let Some(u) = self.unit(id) else {
            return Ok(());
        };
        // People placed in the unit, by account and status.
        let mut actual: FxHashMap<AccountKey, i32> = FxHashMap::default();
        let mut frozen: FxHashMap<AccountKey, i32> = FxHashMap::default();
        let mut filed = 0;
        let mut seen = self.unit_people.get(&id).cloned().unwrap_or_default();
        seen.sort_unstable();
        seen.dedup();
        for p in seen.iter().filter_map(|p| self.person(*p)) {
            if p.placement.unit != id {
                continue;
            }
            match p.placement.status {
                PersonStatus::Active => *actual.entry(p.placement.key()).or_default() += 1,
                PersonStatus::Pending => *frozen.entry(p.placement.key()).or_default() += 1,
                PersonStatus::Filed => filed += 1,
                _ => {}
            }
        }
        let mut keys: Vec<AccountKey> = self.unit_accounts(id).map(|a| a.key).collect();
        keys.extend(actual.keys().chain(frozen.keys()).copied());
        for m in [&inst.borrowed, &inst.bridged, &inst.unreleased] {
            keys.extend(
                m.iter()
                    .filter(|(k, n)| k.unit == id && **n != 0)
                    .map(|(k, _)| *k),
            );
        }
        keys.sort_unstable();
        keys.dedup();
        let mut admin: Option<QuotaTypeId> = None;
        let mut inst_class: Option<QuotaTypeId> = None;
        for k in keys {
            let a = self
                .accounts
                .get(&k)
                .copied()
                .unwrap_or(crate::model::QuotaAccount {
                    key: k,
                    counts: Default::default(),
                    digesting: false,
                });
            let c = a.counts;
            let label = || format!("{} {}", u.name, self.account_label(&k));
            ensure(
                [
                    c.approved,
                    c.actual,
                    c.frozen,
                    c.locked,
                    c.borrowed,
                    c.bridged,
                    c.unreleased,
                ]
                .iter()
                .all(|v| *v >= 0),
                "account_not_negative",
                || format!("{}：{c:?}", label()),
            )?;
            ensure(
                c.available() >= 0 || a.digesting,
                "vacancy_or_digesting",
                || format!("{} 可用空编 {} 而未处于超编消化", label(), c.available()),
            )?;
            let n = |m: &FxHashMap<AccountKey, i32>| m.get(&k).copied().unwrap_or(0);
            ensure(c.actual == n(&actual), "actual_counts_people", || {
                format!("{} 实有 {}，在编人员 {}", label(), c.actual, n(&actual))
            })?;
            ensure(c.frozen == n(&frozen), "frozen_counts_people", || {
                format!("{} 冻结 {}，已批未报到 {}", label(), c.frozen, n(&frozen))
            })?;
            ensure(
                c.borrowed == n(&inst.borrowed),
                "borrowed_counts_loans",
                || {
                    format!(
                        "{} 周转借入 {}，借用未还合计 {}",
                        label(),
                        c.borrowed,
                        n(&inst.borrowed)
                    )
                },
            )?;
            ensure(
                c.bridged == n(&inst.bridged),
                "bridged_counts_bridges",
                || {
                    format!(
                        "{} 过桥 {}，未消化过桥 {}",
                        label(),
                        c.bridged,
                        n(&inst.bridged)
                    )
                },
            )?;
            ensure(
                c.unreleased == n(&inst.unreleased),
                "unreleased_counts_grants",
                || {
                    format!(
                        "{} 已核未下达 {}，承兑未下达合计 {}",
                        label(),
                        c.unreleased,
                        n(&inst.unreleased)
                    )
                },
            )?;
            if c.is_zero() || k.qtype == FILED_QTYPE {
                continue;
            }
            let Some(q) = self.quota_type(k.qtype) else {
                return fail("class_allowed", format!("{} 编制类型不存在", label()));
            };
            ensure(u.kind.allows(q.class), "class_allowed", || {
                format!("{} 是{}，不能使用{}", u.name, u.kind.label(), q.name)
            })?;
            match q.class {
                QuotaClass::Administrative => admin = admin.or(Some(q.id)),
                QuotaClass::Institutional => inst_class = inst_class.or(Some(q.id)),
                _ => {}
            }
        }
        if let (Some(a), Some(i)) = (admin, inst_class) {
            return fail(
                "class_not_mixed",
                format!(
                    "{} 同时有{}和{}",
                    u.name,
                    self.qtype_name(a),
                    self.qtype_name(i)
                ),
            );
        }

        // 备案制.
        let s = self.staffing.get(&id).copied().unwrap_or_default();
        ensure(s.filed == filed, "filed_counts_people", || {
            format!("{} 备案人员 {}，登记在册 {filed}", u.name, s.filed)
        })?;
        if let Some(cap) = s.cap {
            let enrolled: i32 = self
                .unit_accounts(id)
                .map(|a| a.counts.actual + a.counts.frozen)
                .sum();
            ensure(enrolled + s.filed <= cap, "staff_cap_kept", || {
                format!(
                    "{} 人员控制总量 {cap}，编制内 {enrolled} 人、备案 {} 人",
                    u.name, s.filed
                )
            })?;
        }

        // 领导职数 and who fills them.
        for p in self
            .unit_posts(id)
            .filter(|p| posts.is_none_or(|keys| keys.binary_search(&p.key).is_ok()))
        {
            let post = || format!("{} {}", u.name, self.post_label(&p.key));
            ensure(
                p.approved >= 0 && p.filled() <= p.approved,
                "posts_within_approved",
                || format!("{} 核定 {}，实配 {}", post(), p.approved, p.filled()),
            )?;
            for h in &p.holders {
                let ok = self.person(*h).is_some_and(|x| {
                    x.placement.unit == id
                        && x.placement.status == PersonStatus::Active
                        && x.posts.iter().any(|ph| ph.key == p.key && ph.counted)
                });
                ensure(ok, "post_holders_consistent", || {
                    format!("{} 的任职人员 #{h} 不在编或未记任职", post())
                })?;
            }
        }
        for p in seen.iter().filter_map(|p| self.person(*p)) {
            if p.placement.unit != id {
                continue;
            }
            for ph in p.posts.iter().filter(|ph| ph.counted) {
                let listed = self
                    .posts
                    .get(&ph.key)
                    .is_some_and(|a| a.holders.contains(&p.id));
                ensure(
                    listed && ph.key.unit == id && p.placement.status == PersonStatus::Active,
                    "post_holders_consistent",
                    || {
                        format!(
                            "{} 任{}未计入职数",
                            p.details.name,
                            self.post_label(&ph.key)
                        )
                    },
                )?;
            }
        }

        if !u.is_active() {
            let held: i32 = self
                .unit_accounts(id)
                .map(|a| {
                    let c = a.counts;
                    c.approved
                        + c.actual
                        + c.frozen
                        + c.locked
                        + c.borrowed
                        + c.bridged
                        + c.unreleased
                })
                .sum();
            let posts: i32 = self
                .unit_posts(id)
                .map(|p| p.approved.max(p.filled()))
                .sum();
            let children = self
                .children(Some(id))
                .into_iter()
                .filter(|c| self.unit(*c).is_some_and(|u| u.is_active()))
                .count();
            ensure(
                held == 0 && s.filed == 0 && posts == 0 && children == 0,
                "abolished_unit_empty",
                || {
                    format!(
                        "{} 已撤销，仍有编制 {held}、备案人员 {}、领导职数 {posts}、下属机构 {children}",
                        u.name, s.filed
                    )
                },
            )?;
        }
        Ok(())
    }

    /// The name and 身份证号 indices, and every placed person listed in the
    /// unit's people (whole-state only).
    fn check_indices(&self) -> Check {
        for (name, id) in &self.unit_by_name {
            let ok = self.unit(*id).is_some_and(|u| {
                u.is_active() && (u.name == *name || u.second_names.iter().any(|s| s == name))
            });
            ensure(ok, "unit_name_index", || {
                format!("名称“{name}”指向机构 #{id}，该机构不在用此名")
            })?;
        }
        for u in self.units.iter().flatten().filter(|u| u.is_active()) {
            ensure(
                self.unit_by_name.get(&u.name) == Some(&u.id),
                "unit_name_index",
                || format!("机构“{}”不在名称索引中", u.name),
            )?;
        }
        for p in self.persons.iter().flatten() {
            ensure(
                self.person_by_id_number.get(p.details.id_number.as_str()) == Some(&p.id),
                "person_index",
                || format!("人员 #{} 不在身份证号索引中", p.id),
            )?;
            let placed = matches!(
                p.placement.status,
                PersonStatus::Active | PersonStatus::Pending | PersonStatus::Filed
            );
            ensure(
                !placed
                    || self
                        .unit_people
                        .get(&p.placement.unit)
                        .is_some_and(|v| v.contains(&p.id)),
                "person_listed_in_unit",
                || format!("人员 #{} 未列入所在机构的人员", p.id),
            )?;
        }
        for (idn, id) in &self.person_by_id_number {
            ensure(
                self.person(*id)
                    .is_some_and(|p| p.details.id_number.as_str() == idn.as_str()),
                "person_index",
                || format!("身份证号索引指向人员 #{id}，其身份证号不符"),
            )?;
        }
        Ok(())
    }
}

/// Whether an operation creates or cancels 编制 (all others only move it:
/// between units, to and from the 周转池, or as 过桥 / 借用 / 承兑 from the pool).
fn creates_or_cancels_quota(op: &Op) -> bool {
    matches!(
        op,
        Op::SetQuota { .. }
            | Op::IncreaseQuota { .. }
            | Op::DecreaseQuota { .. }
            | Op::FundPool { .. }
            | Op::GrantPhased {
                from_pool: false,
                ..
            }
    )
}
