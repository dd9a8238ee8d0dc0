//! Rules shared by several operations: taking a slot, using a 用编计划 line,
//! lowering 核定, the class rule, enrolling a person, vacancies taken by
//! instruments, and moving a unit's contents into another.

use chrono::{Datelike, NaiveDate};

use crate::catalog::{ControlMode, UnitStatus};
use crate::ident::parse_credit_code;
use crate::ids::{BodyId, BridgeId, GrantId, LoanId, PersonId, PlanLineId, QuotaTypeId, UnitId};
use crate::model::{
    AccountKey, BridgeSource, Counts, GrantKind, Person, PersonStatus, Placement, PostKey,
};
use crate::state::tx::{Tx, R};
use crate::violation::{InputError, Violation};

impl Tx<'_> {
    /// Returns `n` slots of a loan to the pool (no checks).
    pub(in crate::state) fn return_loan_slots(&mut self, loan: LoanId, n: i32) {
        let key = {
            let l = self.loan_mut(loan).expect("exists");
            l.returned += n;
            l.key
        };
        self.account_mut(key).counts.borrowed -= n;
        let p = self.pool_mut(key.qtype);
        p.lent -= n;
        p.balance += n;
    }

    /// A slot freed in `key` (a departure). The vacancy first writes off a 过桥
    /// slot, else reclaims a 动态 slot, else returns a due or attrition-bound loan.
    /// Only a real vacancy (可用空编 ≥ 1 after the departure) is used.
    pub(in crate::state) fn on_vacancy(
        &mut self,
        key: AccountKey,
        natural: bool,
        transfer_out: bool,
    ) {
        if self.counts(&key).available() < 1 {
            return;
        }
        let eff = self.effective;
        if natural {
            let bridge = self
                .st
                .bridges
                .iter()
                .flatten()
                .find(|b| b.key == key && b.written_off.is_none())
                .map(|b| (b.id, b.source));
            if let Some((id, source)) = bridge {
                let doc = self
                    .st
                    .bridge(id)
                    .map(|b| b.doc.clone())
                    .unwrap_or_default();
                let to = match source {
                    BridgeSource::Sender(k) => self.st.unit_name(k.unit),
                    BridgeSource::Pool => "周转池".into(),
                };
                self.auto_event(
                    eff,
                    key.unit,
                    "过桥消化",
                    format!("自然减员出现空编，消化过桥编制 1 名，归还{to}"),
                    doc,
                    -1,
                );
                self.bridge_mut(id).expect("exists").written_off = Some(eff);
                self.account_mut(key).counts.bridged -= 1;
                match source {
                    BridgeSource::Sender(k) => self.account_mut(k).counts.approved += 1,
                    BridgeSource::Pool => {
                        let p = self.pool_mut(key.qtype);
                        p.bridged -= 1;
                        p.balance += 1;
                    }
                }
                return;
            }
        }
        // 退一收一 takes back a slot of 核定; once 核定 has been cut to 0
        // (below what the grant still owes) there is none to take back, and
        // the departure is not refused for it.
        let has_approved = self.counts(&key).approved >= 1;
        let dynamic = self
            .st
            .grants
            .iter()
            .flatten()
            .find(|g| {
                has_approved
                    && g.key == key
                    && g.outstanding() > 0
                    && matches!(g.kind, GrantKind::Dynamic { include_transfer_out, .. }
                        if natural || (transfer_out && include_transfer_out))
            })
            .map(|g| g.id);
        if let Some(id) = dynamic {
            let doc = self.st.grant(id).map(|g| g.doc.clone()).unwrap_or_default();
            self.auto_event(
                eff,
                key.unit,
                "动态收回",
                "退一收一：收回动态编制 1 名，纳入周转池".into(),
                doc,
                -1,
            );
            if let GrantKind::Dynamic { reclaimed, .. } =
                &mut self.grant_mut(id).expect("exists").kind
            {
                *reclaimed += 1;
            }
            self.account_mut(key).counts.approved -= 1;
            self.pool_mut(key.qtype).balance += 1;
            return;
        }
        if natural {
            let loan = self
                .st
                .loans
                .iter()
                .flatten()
                .find(|l| l.key == key && l.outstanding() > 0 && (l.on_attrition || l.overdue(eff)))
                .map(|l| l.id);
            if let Some(id) = loan {
                let doc = self.st.loan(id).map(|l| l.doc.clone()).unwrap_or_default();
                self.auto_event(
                    eff,
                    key.unit,
                    "减员收回",
                    "自然减员，收回周转编制 1 名".into(),
                    doc,
                    -1,
                );
                self.return_loan_slots(id, 1);
            }
        }
    }

    /// Seats a person in an account as 在编 from this matter's date and 文号
    /// (调动, 过桥调动, 定向入编): the placement, the unit's people and 实有.
    pub(in crate::state) fn seat(
        &mut self,
        id: PersonId,
        key: AccountKey,
        body: Option<BodyId>,
    ) -> R {
        let eff = self.effective;
        let doc = self.doc.clone();
        let p = self.person_mut(id)?;
        p.placement = Placement {
            unit: key.unit,
            body,
            qtype: key.qtype,
            funding: key.funding,
            status: PersonStatus::Active,
        };
        p.enrolled_on = eff;
        p.enrol_doc = doc;
        self.place_in_unit(key.unit, id);
        self.account_mut(key).counts.actual += 1;
        Ok(())
    }

    pub(in crate::state) fn pool_short(&self, q: QuotaTypeId, requested: i32) -> R {
        let balance = self.st.pools.get(&q).map_or(0, |p| p.balance);
        if balance < requested {
            return Err(Violation::PoolShort {
                qtype: self.st.qtype_name(q),
                balance,
                requested,
            });
        }
        Ok(())
    }

    // ---------- rules shared by several operations ----------

    /// The gate for taking a slot (入编, 调入, 登记): 可用空编 ≥ 1, not 超编消化.
    /// In 仅预警 mode a shortfall becomes a recorded warning and the account enters
    /// 超编消化.
    pub(in crate::state) fn take_slot(
        &mut self,
        key: AccountKey,
        action: &'static str,
        allow_over: bool,
    ) -> R {
        let acct = self.st.accounts.get(&key).copied();
        let counts = acct.map(|a| a.counts).unwrap_or_default();
        let digesting = acct.is_some_and(|a| a.digesting);
        if counts.available() >= 1 && !digesting {
            return Ok(());
        }
        let (unit, account) = self.label(&key);
        let v = if digesting {
            Violation::Digesting {
                unit,
                account,
                over: counts.over().max(-counts.available()),
            }
        } else {
            Violation::NoVacancy {
                unit,
                account,
                available: counts.available(),
                requested: 1,
                action,
            }
        };
        let warn_only = self.st.unit(key.unit).expect("resolved").control == ControlMode::WarnOnly;
        if allow_over || warn_only {
            if warn_only {
                self.warnings
                    .push(format!("{v}（该单位为仅预警模式，已记录）"));
            } else {
                self.warnings.push(format!("{v}（按超编消化登记）"));
            }
            self.account_mut(key).digesting = true;
            Ok(())
        } else {
            Err(v)
        }
    }

    /// 用编计划 check and consumption.
    pub(in crate::state) fn use_plan(&mut self, line: PlanLineId, key: AccountKey) -> R {
        let year = self.effective.year();
        let Some(pl) = self.st.plan_line(line) else {
            return Err(Violation::UnknownPlanLine(line.0));
        };
        let problem = if pl.unit != key.unit {
            Some(format!("该计划属于{}", self.st.unit_name(pl.unit)))
        } else if pl.qtype != key.qtype {
            Some(format!("该计划为{}", self.st.qtype_name(pl.qtype)))
        } else if pl.year != year {
            Some(format!("该计划为 {} 年度计划，已失效或未到期", pl.year))
        } else if pl.remaining() < 1 {
            Some(format!("计划 {} 名已用完", pl.approved))
        } else {
            None
        };
        if let Some(detail) = problem {
            let v = Violation::PlanUnusable {
                unit: self.st.unit_name(key.unit),
                year,
                qtype: self.st.qtype_name(key.qtype),
                line: line.0,
                detail,
            };
            if self.st.unit(key.unit).expect("resolved").control == ControlMode::WarnOnly {
                self.warnings
                    .push(format!("{v}（该单位为仅预警模式，已记录）"));
                if self.st.plan_line(line).is_some_and(|p| p.remaining() >= 1) {
                    self.plan_mut(line)?.used += 1;
                }
                return Ok(());
            }
            return Err(v);
        }
        self.plan_mut(line)?.used += 1;
        Ok(())
    }

    pub(in crate::state) fn positive(count: i32) -> R {
        if count <= 0 {
            return Err(InputError::CountNotPositive(count).into());
        }
        Ok(())
    }

    /// Lowers 核定 by `count`, refusing to go below what is used unless the
    /// account explicitly enters 超编消化.
    pub(in crate::state) fn lower_approved(
        &mut self,
        key: AccountKey,
        count: i32,
        allow_over: bool,
    ) -> R {
        let c = self.counts(&key);
        let after = c.approved - count;
        if after < 0 {
            let (unit, account) = self.label(&key);
            return Err(Violation::Negative {
                unit,
                account,
                field: "核定",
                value: after,
            });
        }
        let used = c.actual + c.frozen + c.locked - c.borrowed - c.bridged;
        if after < used {
            if !allow_over {
                let (unit, account) = self.label(&key);
                return Err(Violation::BelowUsage {
                    unit,
                    account,
                    approved_after: after,
                    used,
                });
            }
            self.account_mut(key).digesting = true;
        }
        self.account_mut(key).counts.approved = after;
        Ok(())
    }

    /// Removes every post the person holds (on leaving or moving).
    pub(in crate::state) fn vacate_posts(&mut self, id: PersonId) -> R {
        let holdings = self
            .st
            .person(id)
            .map(|p| p.posts.clone())
            .unwrap_or_default();
        if holdings.is_empty() {
            return Ok(());
        }
        for h in &holdings {
            if h.counted {
                self.post_mut(h.key).holders.retain(|p| *p != id);
            }
        }
        self.person_mut(id)?.posts.clear();
        Ok(())
    }

    /// Moves every person, quota account and post of `from` into `to` (合并 / 撤销 with remap).
    pub(in crate::state) fn remap_unit(&mut self, from: UnitId, to: UnitId) -> R {
        if from == to {
            return Err(Violation::MergeIntoSelf {
                unit: self.st.unit_name(from),
            });
        }
        let keys: Vec<AccountKey> = self.st.unit_accounts(from).map(|a| a.key).collect();
        for k in keys {
            let src = *self.account_mut(k);
            let tk = AccountKey { unit: to, ..k };
            let t = self.account_mut(tk);
            t.counts.add(&src.counts);
            t.digesting |= src.digesting;
            self.account_mut(k).counts = Counts::default();
            self.account_mut(k).digesting = false;
        }
        let rekey = |k: &mut AccountKey| {
            if k.unit == from {
                k.unit = to;
            }
        };
        let loans: Vec<LoanId> = self
            .st
            .loans
            .iter()
            .flatten()
            .filter(|l| l.key.unit == from)
            .map(|l| l.id)
            .collect();
        for id in loans {
            rekey(&mut self.loan_mut(id)?.key);
        }
        let grants: Vec<GrantId> = self
            .st
            .grants
            .iter()
            .flatten()
            .filter(|g| g.key.unit == from)
            .map(|g| g.id)
            .collect();
        for id in grants {
            rekey(&mut self.grant_mut(id)?.key);
        }
        let bridges: Vec<BridgeId> = self
            .st
            .bridges
            .iter()
            .flatten()
            .filter(|b| {
                b.key.unit == from || matches!(b.source, BridgeSource::Sender(k) if k.unit == from)
            })
            .map(|b| b.id)
            .collect();
        for id in bridges {
            let b = self.bridge_mut(id)?;
            rekey(&mut b.key);
            if let BridgeSource::Sender(k) = &mut b.source {
                rekey(k);
            }
        }
        let filed: Vec<PersonId> = self
            .st
            .unit_people
            .get(&from)
            .into_iter()
            .flatten()
            .copied()
            .filter(|p| {
                self.st.person(*p).is_some_and(|p| {
                    p.placement.unit == from && p.placement.status == PersonStatus::Filed
                })
            })
            .collect();
        for pid in filed {
            self.person_mut(pid)?.placement.unit = to;
            self.place_in_unit(to, pid);
            self.staffing_mut(from).filed -= 1;
            self.staffing_mut(to).filed += 1;
        }
        for pid in self.st.roster(from) {
            self.vacate_posts(pid)?;
            let p = self.person_mut(pid)?;
            p.placement.unit = to;
            p.placement.body = None;
            self.place_in_unit(to, pid);
        }
        let post_keys: Vec<PostKey> = self.st.unit_posts(from).map(|p| p.key).collect();
        for k in post_keys {
            self.post_mut(k).approved = 0;
        }
        for child in self.st.children(Some(from)) {
            if self.st.unit(child).is_some_and(|u| u.is_active()) {
                self.unit_mut(child)?.parent = Some(to);
            }
        }
        Ok(())
    }

    pub(in crate::state) fn abolish(&mut self, id: UnitId, merged_into: Option<UnitId>) -> R {
        let eff = self.effective;
        let (name, seconds) = {
            let u = self.unit_mut(id)?;
            u.status = UnitStatus::Abolished;
            u.abolished_on = Some(eff);
            u.merged_into = merged_into;
            (u.name.clone(), u.second_names.clone())
        };
        self.set_unit_name(&name, None);
        for s in seconds {
            if self.st.unit_by_name.get(&s) == Some(&id) {
                self.set_unit_name(&s, None);
            }
        }
        Ok(())
    }

    pub(in crate::state) fn check_credit_code(
        &mut self,
        unit: UnitId,
        code: &str,
    ) -> R<(String, Option<String>)> {
        let c = parse_credit_code(code).map_err(InputError::from)?;
        if let Some(w) = &c.warning {
            let name = self
                .st
                .unit(unit)
                .map(|u| u.name.clone())
                .unwrap_or_default();
            self.warnings.push(format!("{name}：{w}"));
        }
        if let Some(other) = self.st.units.iter().flatten().find(|u| {
            u.id != unit && u.is_active() && u.credit_code.as_deref() == Some(c.code.as_str())
        }) {
            return Err(Violation::DuplicateCreditCode {
                code: c.code.to_string(),
                unit: other.name.clone(),
            });
        }
        Ok((c.code.to_string(), c.warning))
    }

    pub(in crate::state) fn check_class(&self, unit: UnitId, qtype: QuotaTypeId) -> R {
        let u = self.st.unit(unit).expect("resolved");
        let q = self
            .st
            .quota_type(qtype)
            .ok_or_else(|| Violation::UnknownQuotaType(format!("#{qtype}")))?;
        if !u.kind.allows(q.class) {
            return Err(Violation::ClassForbidden {
                unit: u.name.clone(),
                kind: u.kind.label().into(),
                qtype: q.name.clone(),
            });
        }
        Ok(())
    }

    /// Creates or re-enrols a person (a person who left and comes back keeps id and history).
    pub(in crate::state) fn enrol(
        &mut self,
        person: Option<PersonId>,
        key: AccountKey,
        body: Option<BodyId>,
        details: &crate::model::PersonDetails,
        status: PersonStatus,
        enrolled_on: NaiveDate,
    ) -> R<PersonId> {
        let idn = details.id_number.as_str();
        if details.name.trim().is_empty() {
            return Err(InputError::EmptyName { what: "姓名" }.into());
        }
        let existing = self.st.person_by_id_number.get(idn).copied();
        if let Some(e) = existing {
            let p = self.st.person(e).expect("indexed");
            if p.placement.is_enrolled() {
                return Err(Violation::AlreadyEnrolled {
                    id: p.details.id_number.mask(),
                    unit: self.st.unit_name(p.placement.unit),
                });
            }
            if p.placement.status == PersonStatus::Filed {
                return Err(Violation::AlreadyFiled {
                    id: p.details.id_number.mask(),
                    unit: self.st.unit_name(p.placement.unit),
                });
            }
            if person.is_some_and(|id| id != e) {
                return Err(InputError::PersonIdMismatch(person.expect("checked").0).into());
            }
        }
        let id = existing
            .or(person)
            .unwrap_or_else(|| self.st.next_person_id());
        if existing.is_none() && self.st.person(id).is_some() {
            return Err(InputError::IdTaken {
                what: "人员",
                id: id.0,
            }
            .into());
        }
        let placement = Placement {
            unit: key.unit,
            body,
            qtype: key.qtype,
            funding: key.funding,
            status,
        };
        self.put_person(Person {
            id,
            details: details.clone(),
            placement,
            enrolled_on,
            enrol_doc: self.doc.clone(),
            posts: Vec::new(),
        });
        self.index_person(idn, id);
        self.place_in_unit(key.unit, id);
        Ok(id)
    }
}
