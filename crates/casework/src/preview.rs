//! 预览: a matter tried on a copy of the ledger before it is recorded. The
//! real ledger is never touched; the clerk sees, for every account, post and
//! 周转池 the matter touches, the figures before → after, or the ledger's own
//! refusal.

use chrono::{DateTime, Utc};
use serde::Serialize;

use bianzhi_core::model::Counts;
use bianzhi_core::{Ledger, Matter, State};

/// One quota account the matter changes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AccountChange {
    pub unit: String,
    /// 编制类型(经费形式).
    pub account: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub before: Counts,
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub after: Counts,
    /// 可用空编 before and after.
    pub available: (i32, i32),
}

/// One leadership-post account the matter changes: (核定, 实配) before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PostChange {
    pub unit: String,
    pub post: String,
    pub before: (i32, i32),
    pub after: (i32, i32),
}

/// The 周转池 of a type: (池内可用, 借出未还, 过桥借出) before and after.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct PoolChange {
    pub qtype: String,
    pub before: (i32, i32, i32),
    pub after: (i32, i32, i32),
}

/// What recording the matter would do.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Preview {
    pub accounts: Vec<AccountChange>,
    pub posts: Vec<PostChange>,
    pub pools: Vec<PoolChange>,
    /// Units set up, renamed or abolished, and people added or leaving, in words.
    pub units: Vec<String>,
    pub people: Vec<String>,
    /// Warnings the matter would carry (e.g. 仅预警 beyond quota).
    pub warnings: Vec<String>,
    /// The refusal, in Chinese, when the ledger would not take the matter.
    pub refusal: Option<String>,
    /// The machine code of the refusal (`beyond_quota` …).
    pub code: Option<String>,
}

impl Preview {
    /// Whether the ledger would take the matter.
    pub fn accepted(&self) -> bool {
        self.refusal.is_none()
    }
}

/// Applies the matter to a copy of the ledger: the state after, and the
/// warnings, or the refusal. A backdated matter is replayed with everything
/// after it, as recording would.
pub fn try_matter(
    ledger: &Ledger,
    matter: Matter,
    recorded_at: DateTime<Utc>,
) -> Result<(State, Vec<String>), bianzhi_core::MatterError> {
    let st = ledger.state();
    if st.max_effective.is_some_and(|m| matter.effective < m) {
        let mut copy = ledger.clone();
        let (_, m) = copy.submit(matter, recorded_at)?;
        let w = m.warnings.clone();
        Ok((copy.state().clone(), w))
    } else {
        let mut copy = st.clone();
        let mut m = matter;
        copy.resolve(&mut m)?;
        let w = copy.apply(ledger.next_seq(), &m)?;
        Ok((copy, w))
    }
}

/// The preview of a matter against the ledger.
pub fn preview(ledger: &Ledger, matter: Matter, recorded_at: DateTime<Utc>) -> Preview {
    let before = ledger.state();
    match try_matter(ledger, matter, recorded_at) {
        Err(e) => Preview {
            accounts: Vec::new(),
            posts: Vec::new(),
            pools: Vec::new(),
            units: Vec::new(),
            people: Vec::new(),
            warnings: Vec::new(),
            refusal: Some(e.to_string()),
            code: Some(e.code().to_string()),
        },
        Ok((after, warnings)) => {
            let mut p = diff(before, &after);
            p.warnings = warnings;
            p
        }
    }
}

/// The differences between two states, in the ledger's order.
pub(crate) fn diff(before: &State, after: &State) -> Preview {
    let zero = Counts::default();
    let mut accounts = Vec::new();
    let keys: std::collections::BTreeSet<_> = before
        .accounts
        .keys()
        .chain(after.accounts.keys())
        .copied()
        .collect();
    for k in keys {
        let b = before.accounts.get(&k).map(|a| a.counts).unwrap_or(zero);
        let a = after.accounts.get(&k).map(|a| a.counts).unwrap_or(zero);
        if a != b {
            accounts.push(AccountChange {
                unit: after.unit_name(k.unit),
                account: after.account_label(&k),
                before: b,
                after: a,
                available: (b.available(), a.available()),
            });
        }
    }
    let mut posts = Vec::new();
    let keys: std::collections::BTreeSet<_> = before
        .posts
        .keys()
        .chain(after.posts.keys())
        .copied()
        .collect();
    for k in keys {
        let f = |s: &State| {
            s.posts
                .get(&k)
                .map(|p| (p.approved, p.holders.len() as i32))
                .unwrap_or((0, 0))
        };
        let (b, a) = (f(before), f(after));
        if a != b {
            posts.push(PostChange {
                unit: after.unit_name(k.unit),
                post: after.post_label(&k),
                before: b,
                after: a,
            });
        }
    }
    let mut pools = Vec::new();
    let keys: std::collections::BTreeSet<_> = before
        .pools
        .keys()
        .chain(after.pools.keys())
        .copied()
        .collect();
    for q in keys {
        let f = |s: &State| {
            s.pools
                .get(&q)
                .map(|p| (p.balance, p.lent, p.bridged))
                .unwrap_or((0, 0, 0))
        };
        let (b, a) = (f(before), f(after));
        if a != b {
            pools.push(PoolChange {
                qtype: after.qtype_name(q),
                before: b,
                after: a,
            });
        }
    }
    let mut units = Vec::new();
    for (i, u) in after.units.iter().enumerate() {
        let Some(u) = u else { continue };
        match before.units.get(i).and_then(|x| x.as_ref()) {
            None => units.push(format!("设立 {}", u.name)),
            Some(old) => {
                if old.name != u.name {
                    units.push(format!("{} 更名为 {}", old.name, u.name));
                }
                if old.status != u.status {
                    units.push(format!("{} {}", u.name, u.status.label()));
                }
                if old.parent != u.parent {
                    let parent = u
                        .parent
                        .map(|p| after.unit_name(p))
                        .unwrap_or_else(|| "本级".into());
                    units.push(format!("{} 划归 {parent}", u.name));
                }
                if old.second_names != u.second_names {
                    units.push(format!("{} 的牌子：{}", u.name, u.second_names.join("、")));
                }
            }
        }
    }
    let mut people = Vec::new();
    for (i, p) in after.persons.iter().enumerate() {
        let Some(p) = p else { continue };
        let unit = after.unit_name(p.placement.unit);
        match before.persons.get(i).and_then(|x| x.as_ref()) {
            None => people.push(format!(
                "{}（{}）{} {}",
                p.details.name,
                p.details.id_number.mask(),
                unit,
                p.placement.status.label()
            )),
            Some(old) => {
                if old.placement.status != p.placement.status
                    || old.placement.unit != p.placement.unit
                {
                    people.push(format!(
                        "{}（{}）{} {} → {} {}",
                        p.details.name,
                        p.details.id_number.mask(),
                        after.unit_name(old.placement.unit),
                        old.placement.status.label(),
                        unit,
                        p.placement.status.label()
                    ));
                }
            }
        }
    }
    Preview {
        accounts,
        posts,
        pools,
        units,
        people,
        warnings: Vec::new(),
        refusal: None,
        code: None,
    }
}
