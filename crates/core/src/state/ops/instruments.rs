//! 周转池, 过桥, 承兑 and 动态 instruments.

use chrono::NaiveDate;

use crate::ids::{BodyId, BridgeId, GrantId, LoanId};
use crate::matter::{AccountRef, CatRef, PersonRef, UnitRef};
use crate::model::{
    AccountKey, Bridge, BridgeSource, Grant, GrantKind, Loan, PersonStatus, Tranche,
};
use crate::state::tx::{Tx, R};
use crate::state::Effect;
use crate::violation::Violation;

impl Tx<'_> {
    /// 核定周转编制.
    pub(in crate::state) fn fund_pool(&mut self, qtype: &CatRef, count: i32) -> R {
        Self::positive(count)?;
        let q = self.qtype(qtype)?;
        self.pool_mut(q).balance += count;
        Ok(())
    }

    /// 核减收回.
    pub(in crate::state) fn reclaim(
        &mut self,
        account: &AccountRef,
        count: i32,
        allow_over: bool,
    ) -> R {
        Self::positive(count)?;
        let key = self.account_key(account)?;
        self.lower_approved(key, count, allow_over)?;
        self.pool_mut(key.qtype).balance += count;
        Ok(())
    }

    /// 收回撤并单位编制.
    pub(in crate::state) fn reclaim_unit_quotas(&mut self, unit: &UnitRef) -> R {
        let id = self.active_unit(unit)?;
        let accts: Vec<(AccountKey, i32)> = self
            .st
            .unit_accounts(id)
            .filter(|a| a.counts.approved > 0)
            .map(|a| (a.key, a.counts.approved))
            .collect();
        for (k, n) in accts {
            self.lower_approved(k, n, false)?;
            self.pool_mut(k.qtype).balance += n;
        }
        Ok(())
    }

    /// 周转池借出.
    pub(in crate::state) fn lend(
        &mut self,
        loan: Option<LoanId>,
        account: &AccountRef,
        count: i32,
        due: Option<NaiveDate>,
        on_attrition: bool,
    ) -> R {
        Self::positive(count)?;
        let key = self.account_key(account)?;
        self.check_class(key.unit, key.qtype)?;
        if let Some(due) = due.filter(|d| *d <= self.effective) {
            return Err(Violation::LoanDueTooEarly {
                due,
                effective: self.effective,
            });
        }
        if due.is_none() && !on_attrition {
            return Err(Violation::LoanWithoutTerm);
        }
        self.pool_short(key.qtype, count)?;
        let p = self.pool_mut(key.qtype);
        p.balance -= count;
        p.lent += count;
        self.account_mut(key).counts.borrowed += count;
        // 区属镇用: the unit is a 镇 / 街道 or sits under one.
        let mut town_use = false;
        let mut cur = Some(key.unit);
        while let Some(u) = cur.and_then(|c| self.st.unit(c)) {
            if matches!(
                u.kind,
                crate::catalog::UnitKind::Town | crate::catalog::UnitKind::Subdistrict
            ) {
                town_use = true;
                break;
            }
            cur = u.parent;
        }
        let id = loan.ok_or(Violation::Internal("借用未编号"))?;
        self.put_loan(Loan {
            id,
            key,
            count,
            returned: 0,
            doc: self.doc.to_string(),
            start: self.effective,
            due,
            on_attrition,
            town_use,
        })?;
        if let Some(d) = due {
            self.schedule(d, Effect::LoanDue { loan: id });
        }
        Ok(())
    }

    /// 归还周转编制.
    pub(in crate::state) fn return_loan(&mut self, loan: LoanId, count: Option<i32>) -> R {
        let l = self
            .st
            .loan(loan)
            .cloned()
            .ok_or(Violation::UnknownLoan(loan.0))?;
        let n = count.unwrap_or(l.outstanding());
        if n < 1 || n > l.outstanding() {
            return Err(Violation::ReturnExceedsLoan {
                loan: loan.0,
                doc: l.doc.clone(),
                outstanding: l.outstanding(),
                requested: n,
            });
        }
        let c = self.counts(&l.key);
        if c.available() < n {
            let (unit, account) = self.label(&l.key);
            return Err(Violation::NoVacancy {
                unit,
                account,
                available: c.available(),
                requested: n,
                action: "归还周转编制",
            });
        }
        self.return_loan_slots(loan, n);
        Ok(())
    }

    /// 过桥调动.
    pub(in crate::state) fn bridge_transfer(
        &mut self,
        bridge: Option<BridgeId>,
        person: &PersonRef,
        to: &AccountRef,
        body: Option<BodyId>,
        from_pool: bool,
        deadline: NaiveDate,
    ) -> R {
        let id = self.person_id(person)?;
        let pl = self.st.person(id).expect("resolved").placement;
        if pl.status != PersonStatus::Active {
            return Err(self.person_state_err(id, "过桥调动"));
        }
        let key = self.account_key(to)?;
        self.check_body(key.unit, body)?;
        self.check_class(key.unit, key.qtype)?;
        if key.unit == pl.unit {
            return Err(Violation::BridgeSameUnit {
                unit: self.st.unit_name(key.unit),
            });
        }
        let free = self.counts(&key).available();
        if free >= 1 {
            let (unit, account) = self.label(&key);
            return Err(Violation::BridgeNotNeeded {
                unit,
                account,
                available: free,
            });
        }
        if deadline <= self.effective {
            return Err(Violation::BridgeDeadlineTooEarly {
                deadline,
                effective: self.effective,
            });
        }
        self.vacate_posts(id)?;
        let from = pl.key();
        self.account_mut(from).counts.actual -= 1;
        let source = if from_pool {
            self.pool_short(key.qtype, 1)?;
            let p = self.pool_mut(key.qtype);
            p.balance -= 1;
            p.bridged += 1;
            self.on_vacancy(from, false, true);
            BridgeSource::Pool
        } else {
            if from.qtype != key.qtype {
                return Err(Violation::BridgeTypeMismatch {
                    from: self.st.qtype_name(from.qtype),
                    to: self.st.qtype_name(key.qtype),
                });
            }
            self.lower_approved(from, 1, false)?;
            BridgeSource::Sender(from)
        };
        let bid = bridge.ok_or(Violation::Internal("过桥编制未编号"))?;
        self.put_bridge(Bridge {
            id: bid,
            key,
            person: id,
            source,
            doc: self.doc.to_string(),
            start: self.effective,
            deadline,
            written_off: None,
        })?;
        self.seat(id, key, body)?;
        self.account_mut(key).counts.bridged += 1;
        Ok(())
    }

    /// 承兑编制.
    pub(in crate::state) fn grant_phased(
        &mut self,
        grant: Option<GrantId>,
        account: &AccountRef,
        tranches: &[Tranche],
        from_pool: bool,
    ) -> R {
        let key = self.account_key(account)?;
        self.check_class(key.unit, key.qtype)?;
        if tranches.is_empty() {
            return Err(Violation::TranchesMissing);
        }
        if let Some(t) = tranches.iter().find(|t| t.count <= 0) {
            return Err(Violation::TrancheNotPositive { count: t.count });
        }
        if tranches.windows(2).any(|w| w[0].date >= w[1].date) {
            return Err(Violation::TranchesNotIncreasing);
        }
        let total: i32 = tranches.iter().map(|t| t.count).sum();
        if from_pool {
            self.pool_short(key.qtype, total)?;
            self.pool_mut(key.qtype).balance -= total;
        }
        let id = grant.ok_or(Violation::Internal("批复未编号"))?;
        let eff = self.effective;
        let now: i32 = tranches
            .iter()
            .filter(|t| t.date <= eff)
            .map(|t| t.count)
            .sum();
        self.put_grant(Grant {
            id,
            key,
            count: total,
            doc: self.doc.to_string(),
            start: eff,
            from_pool,
            kind: GrantKind::Phased {
                tranches: tranches.to_vec(),
                released: now,
            },
        })?;
        let a = self.account_mut(key);
        a.counts.approved += now;
        a.counts.unreleased += total - now;
        for t in tranches.iter().filter(|t| t.date > eff) {
            self.schedule(
                t.date,
                Effect::Release {
                    grant: id,
                    count: t.count,
                },
            );
        }
        Ok(())
    }

    /// 动态编制.
    pub(in crate::state) fn grant_dynamic(
        &mut self,
        grant: Option<GrantId>,
        account: &AccountRef,
        count: i32,
        include_transfer_out: bool,
    ) -> R {
        Self::positive(count)?;
        let key = self.account_key(account)?;
        self.check_class(key.unit, key.qtype)?;
        self.pool_short(key.qtype, count)?;
        self.pool_mut(key.qtype).balance -= count;
        self.account_mut(key).counts.approved += count;
        let id = grant.ok_or(Violation::Internal("批复未编号"))?;
        self.put_grant(Grant {
            id,
            key,
            count,
            doc: self.doc.to_string(),
            start: self.effective,
            from_pool: true,
            kind: GrantKind::Dynamic {
                reclaimed: 0,
                include_transfer_out,
            },
        })
    }
}
