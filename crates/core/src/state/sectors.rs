//! 行业领域 and 行业编制总量: the sector of a unit, the totals the level above
//! sets for a sector (e.g. 中小学教职工编制总量), and the closing rule that no
//! matter adds 编制 to a sector beyond its total.
//!
//! What counts against a total is 核定 plus 已核未下达 (a 承兑 grant is approved
//! once, in full, so its later tranches are inside the total from the start).
//! The rule refuses a matter only when it adds to a sector that is then over
//! its total: a matter that lowers an over-full sector, or leaves it as it
//! was, stands (as 超编消化 does for one account).

use crate::codes::{sector_covers, sector_name, SECTOR};
use crate::ids::UnitId;
use crate::matter::{CatRef, UnitRef};
use crate::model::{Counts, SectorTotal};
use crate::state::tx::{Tx, R};
use crate::state::State;
use crate::violation::{InputError, Violation};

/// What counts against a 行业编制总量 in an account: 核定 + 已核未下达.
fn counted(c: &Counts) -> i32 {
    c.approved + c.unreleased
}

impl State {
    /// The 编制 of a sector that counts against `total` (核定 + 已核未下达 of
    /// every unit of the sector, in the total's 编制类型 or all).
    pub fn sector_counted(&self, total: &SectorTotal) -> i32 {
        self.units
            .iter()
            .flatten()
            .filter(|u| {
                u.sector
                    .as_deref()
                    .is_some_and(|s| sector_covers(&total.sector, s))
            })
            .flat_map(|u| self.unit_accounts(u.id))
            .filter(|a| total.qtype.is_none_or(|q| q == a.key.qtype))
            .map(|a| counted(&a.counts))
            .sum()
    }

    /// The label of a total's 编制类型 (`编制` for all types), as in
    /// 中小学事业编制总量.
    pub fn sector_total_qtype(&self, total: &SectorTotal) -> String {
        total
            .qtype
            .map_or_else(|| "编制".to_string(), |q| self.qtype_name(q))
    }
}

pub(in crate::state) fn sector_code(sector: &str) -> R<&'static str> {
    SECTOR
        .lookup(sector)
        .map(|c| c.code)
        .ok_or_else(|| InputError::from(SECTOR.canonical(sector).unwrap_err()).into())
}

impl Tx<'_> {
    /// 调整行业领域.
    pub(in crate::state) fn set_sector(&mut self, unit: &UnitRef, sector: &str) -> R {
        let id = self.active_unit(unit)?;
        let code = sector_code(sector)?;
        self.unit_mut(id)?.sector = Some(code.to_string());
        Ok(())
    }

    /// 核定行业编制总量 (or lift it, without a count).
    pub(in crate::state) fn set_sector_total(
        &mut self,
        sector: &str,
        qtype: Option<&CatRef>,
        count: Option<i32>,
        allow_over: bool,
    ) -> R {
        let code = sector_code(sector)?;
        let qtype = qtype.map(|q| self.qtype(q)).transpose()?;
        if let Some(c) = count.filter(|c| *c < 0) {
            return Err(InputError::NegativeQuota(c).into());
        }
        let t = SectorTotal {
            sector: code.to_string(),
            qtype,
            count,
            doc: self.doc.to_string(),
            since: self.effective,
        };
        if let Some(total) = count {
            let approved = self.st.sector_counted(&t);
            if approved > total && !allow_over {
                return Err(Violation::SectorTotalBelowApproved {
                    sector: sector_name(code),
                    qtype: self.st.sector_total_qtype(&t),
                    total,
                    approved,
                });
            }
        }
        self.put_sector_total(t);
        Ok(())
    }

    /// The closing rule of 行业编制总量: for every total, what the matter
    /// added to its sector (the change of 核定 + 已核未下达 over the accounts
    /// it touched, and over every account of a unit that entered or left the
    /// sector), and if it added any, the sector must be within the total.
    /// The state before the matter is read from the histories, which hold
    /// every record as of the last matter applied.
    pub(in crate::state) fn check_sector_totals(&self) -> R {
        let st = &*self.st;
        if st.sector_totals.iter().all(|t| t.count.is_none()) {
            return Ok(());
        }
        let mut units: Vec<UnitId> = self.t_accounts.iter().map(|k| k.unit).collect();
        units.extend(self.t_units.iter().copied());
        units.sort_unstable();
        units.dedup();
        for t in &st.sector_totals {
            let Some(total) = t.count else { continue };
            let covers = |s: Option<&str>| s.is_some_and(|s| sector_covers(&t.sector, s));
            let mut added = 0;
            for &u in &units {
                let now = covers(st.unit(u).and_then(|x| x.sector.as_deref()));
                let was = covers(
                    st.history
                        .units
                        .get(u.index())
                        .and_then(|h| h.last())
                        .and_then(|(_, x)| x.sector.as_deref()),
                );
                if !now && !was {
                    continue;
                }
                for a in st.unit_accounts(u) {
                    if t.qtype.is_some_and(|q| q != a.key.qtype) {
                        continue;
                    }
                    let after = if now { counted(&a.counts) } else { 0 };
                    let before = if was {
                        st.history
                            .accounts
                            .get(&a.key)
                            .and_then(|h| h.last())
                            .map_or(0, |(_, (c, _))| counted(c))
                    } else {
                        0
                    };
                    added += after - before;
                }
            }
            if added > 0 {
                let approved = st.sector_counted(t);
                if approved > total {
                    return Err(Violation::SectorTotalExceeded {
                        sector: sector_name(&t.sector),
                        qtype: st.sector_total_qtype(t),
                        total,
                        doc: t.doc.clone(),
                        approved,
                        added,
                    });
                }
            }
        }
        Ok(())
    }
}
