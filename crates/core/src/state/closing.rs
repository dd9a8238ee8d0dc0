//! The rules checked once all operations of a matter are done (a matter may
//! pass through a broken state between its operations, e.g. 核减 then 调出),
//! and the 超编消化 reset.

use crate::catalog::QuotaClass;
use crate::ids::{QuotaTypeId, UnitId};
use crate::model::AccountKey;
use crate::state::tx::{Tx, R};
use crate::violation::Violation;

impl Tx<'_> {
    /// Rules checked once all operations of the matter are done, in this
    /// order: no negative figure and 可用空编 < 0 only in 超编消化 (per account),
    /// then per unit 人员控制总量, the class rules and emptiness of an
    /// abolished unit, then 领导职数. Changes nothing; returns the accounts
    /// whose 超编消化 is over (可用空编 ≥ 0 again), for [`Tx::settle_digesting`].
    pub(in crate::state) fn final_checks(&self) -> R<Vec<AccountKey>> {
        let mut settled = Vec::new();
        let mut keys = self.t_accounts.clone();
        keys.sort_unstable();
        keys.dedup();
        let mut units: Vec<UnitId> = keys.iter().map(|k| k.unit).collect();
        for k in &keys {
            let Some(a) = self.st.accounts.get(k).copied() else {
                continue;
            };
            let c = a.counts;
            for (field, v) in [
                ("核定", c.approved),
                ("实有", c.actual),
                ("冻结", c.frozen),
                ("锁定", c.locked),
                ("周转借入", c.borrowed),
                ("过桥编制", c.bridged),
                ("已核未下达", c.unreleased),
            ] {
                if v < 0 {
                    let (unit, account) = self.label(k);
                    return Err(Violation::Negative {
                        unit,
                        account,
                        field,
                        value: v,
                    });
                }
            }
            if a.digesting && c.available() >= 0 {
                settled.push(*k);
            }
            if c.available() < 0 && !a.digesting {
                let (unit, account) = self.label(k);
                return Err(Violation::Negative {
                    unit,
                    account,
                    field: "可用空编",
                    value: c.available(),
                });
            }
        }
        units.extend(self.t_units.iter().copied());
        units.extend(self.t_staffing.iter().copied());
        units.sort_unstable();
        units.dedup();
        for u in units {
            self.check_unit_accounts(u)?;
        }
        self.check_sector_totals()?;
        let mut posts = self.t_posts.clone();
        posts.sort_unstable();
        posts.dedup();
        for k in posts {
            if let Some(p) = self.st.posts.get(&k) {
                if p.approved < 0 {
                    return Err(Violation::Internal("领导职数不能为负数"));
                }
                if p.filled() > p.approved {
                    return Err(Violation::PostsExceeded {
                        unit: self.st.unit_name(k.unit),
                        post: self.st.post_label(&k),
                        approved: p.approved,
                        filled: p.filled(),
                    });
                }
            }
        }
        Ok(settled)
    }

    /// Ends 超编消化 for the accounts the matter brought back to a vacancy
    /// (as found by [`Tx::final_checks`]). Run once the matter passed them.
    pub(in crate::state) fn settle_digesting(&mut self, settled: &[AccountKey]) {
        for k in settled {
            self.account_mut(*k).digesting = false;
        }
    }

    /// Class rules over a unit's accounts, 人员控制总量, and emptiness of
    /// abolished units.
    pub(in crate::state) fn check_unit_accounts(&self, id: UnitId) -> R {
        let Some(u) = self.st.unit(id) else {
            return Ok(());
        };
        if let Some(s) = self.st.staffing.get(&id) {
            if s.filed < 0 {
                return Err(Violation::Internal("备案人员数不能为负数"));
            }
            if let Some(cap) = s.cap {
                let enrolled: i32 = self
                    .st
                    .unit_accounts(id)
                    .map(|a| a.counts.actual + a.counts.frozen)
                    .sum();
                if enrolled + s.filed > cap {
                    return Err(Violation::StaffCapExceeded {
                        unit: u.name.clone(),
                        cap,
                        enrolled,
                        filed: s.filed,
                    });
                }
            }
        }
        let mut admin: Option<QuotaTypeId> = None;
        let mut inst: Option<QuotaTypeId> = None;
        for a in self.st.unit_accounts(id) {
            if a.counts.is_zero() {
                continue;
            }
            let q = self.st.quota_type(a.key.qtype).expect("catalogued");
            if !u.kind.allows(q.class) {
                return Err(Violation::ClassForbidden {
                    unit: u.name.clone(),
                    kind: u.kind.label().into(),
                    qtype: q.name.clone(),
                });
            }
            match q.class {
                QuotaClass::Administrative => admin = admin.or(Some(q.id)),
                QuotaClass::Institutional => inst = inst.or(Some(q.id)),
                _ => {}
            }
        }
        if let (Some(a), Some(i)) = (admin, inst) {
            return Err(Violation::ClassMixed {
                unit: u.name.clone(),
                existing: self.st.qtype_name(a),
                qtype: self.st.qtype_name(i),
            });
        }
        if !u.is_active() {
            let mut what = Vec::new();
            let held: i32 = self
                .st
                .unit_accounts(id)
                .map(|a| {
                    a.counts.approved + a.counts.borrowed + a.counts.bridged + a.counts.unreleased
                })
                .sum();
            if held > 0 {
                what.push(format!("核定编制 {held} 名"));
            }
            let people = self.st.roster(id).len();
            if people > 0 {
                what.push(format!("在编人员 {people} 人"));
            }
            let filed = self.st.staffing.get(&id).map_or(0, |s| s.filed);
            if filed > 0 {
                what.push(format!("备案人员 {filed} 人"));
            }
            let posts: i32 = self
                .st
                .unit_posts(id)
                .map(|p| p.approved.max(p.filled()))
                .sum();
            if posts > 0 {
                what.push(format!("领导职数 {posts} 名"));
            }
            let children = self
                .st
                .children(Some(id))
                .into_iter()
                .filter(|c| self.st.unit(*c).is_some_and(|u| u.is_active()))
                .count();
            if children > 0 {
                what.push(format!("下属机构 {children} 个"));
            }
            if !what.is_empty() {
                return Err(Violation::UnitNotEmpty {
                    unit: u.name.clone(),
                    what: what.join("、"),
                });
            }
        }
        Ok(())
    }
}
