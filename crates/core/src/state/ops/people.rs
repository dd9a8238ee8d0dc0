//! Operations on people (实名制): 入编、报到、出编、调动、任免、更正, 备案人员.

use chrono::NaiveDate;

use crate::catalog::{LeaveReason, PostKind};
use crate::ident::parse_id_number;
use crate::ids::{BodyId, PersonId, PlanLineId};
use crate::matter::{AccountRef, PersonRef, UnitRef};
use crate::model::{AccountKey, PersonDetails, PersonStatus, PostHolding, PostKey};
use crate::state::tx::{Tx, R};
use crate::state::{FILED_FUNDING, FILED_QTYPE};
use crate::violation::{InputError, Violation};

impl Tx<'_> {
    /// 备案人员登记.
    pub(in crate::state) fn register_filed(
        &mut self,
        person: Option<PersonId>,
        unit: &UnitRef,
        details: &PersonDetails,
    ) -> R {
        let id = self.active_unit(unit)?;
        if self.st.staffing.get(&id).and_then(|s| s.cap).is_none() {
            return Err(Violation::NoStaffCap {
                unit: self.st.unit_name(id),
            });
        }
        let key = AccountKey {
            unit: id,
            qtype: FILED_QTYPE,
            funding: FILED_FUNDING,
        };
        let eff = self.effective;
        self.enrol(person, key, None, details, PersonStatus::Filed, eff)?;
        self.staffing_mut(id).filed += 1;
        Ok(())
    }

    /// 定向入编.
    pub(in crate::state) fn directed_enrol(
        &mut self,
        person: &PersonRef,
        account: &AccountRef,
        body: Option<BodyId>,
    ) -> R {
        let id = self.person_id(person)?;
        let pl = self.st.person(id).expect("resolved").placement;
        if pl.status != PersonStatus::Filed {
            return Err(self.person_state_err(id, "定向入编"));
        }
        let key = self.account_key(account)?;
        if key.unit != pl.unit {
            return Err(Violation::DirectedEnrolOtherUnit {
                from: self.st.unit_name(pl.unit),
                to: self.st.unit_name(key.unit),
            });
        }
        self.check_body(key.unit, body)?;
        self.check_class(key.unit, key.qtype)?;
        self.take_slot(key, "定向入编", false)?;
        self.staffing_mut(key.unit).filed -= 1;
        self.seat(id, key, body)
    }

    /// 入编.
    pub(in crate::state) fn hire(
        &mut self,
        person: Option<PersonId>,
        account: &AccountRef,
        body: Option<BodyId>,
        plan_line: PlanLineId,
        details: &PersonDetails,
    ) -> R {
        let key = self.account_key(account)?;
        self.check_body(key.unit, body)?;
        self.check_class(key.unit, key.qtype)?;
        self.take_slot(key, "入编", false)?;
        self.use_plan(plan_line, key)?;
        let eff = self.effective;
        self.enrol(person, key, body, details, PersonStatus::Pending, eff)?;
        self.account_mut(key).counts.frozen += 1;
        Ok(())
    }

    /// 存量人员登记.
    pub(in crate::state) fn register_existing(
        &mut self,
        person: Option<PersonId>,
        account: &AccountRef,
        body: Option<BodyId>,
        enrolled_on: NaiveDate,
        details: &PersonDetails,
        allow_over: bool,
    ) -> R {
        let key = self.account_key(account)?;
        self.check_body(key.unit, body)?;
        self.check_class(key.unit, key.qtype)?;
        self.take_slot(key, "登记", allow_over)?;
        self.enrol(
            person,
            key,
            body,
            details,
            PersonStatus::Active,
            enrolled_on,
        )?;
        self.account_mut(key).counts.actual += 1;
        Ok(())
    }

    /// 报到.
    pub(in crate::state) fn onboard(&mut self, person: &PersonRef) -> R {
        let id = self.person_id(person)?;
        let pl = self.st.person(id).expect("resolved").placement;
        if pl.status != PersonStatus::Pending {
            return Err(self.person_state_err(id, "报到"));
        }
        let eff = self.effective;
        let p = self.person_mut(id)?;
        p.placement.status = PersonStatus::Active;
        p.enrolled_on = eff;
        let a = self.account_mut(pl.key());
        a.counts.frozen -= 1;
        a.counts.actual += 1;
        Ok(())
    }

    /// 撤回入编.
    pub(in crate::state) fn withdraw_hire(&mut self, person: &PersonRef) -> R {
        let id = self.person_id(person)?;
        let pl = self.st.person(id).expect("resolved").placement;
        if pl.status != PersonStatus::Pending {
            return Err(self.person_state_err(id, "撤回入编"));
        }
        self.person_mut(id)?.placement.status = PersonStatus::Withdrawn;
        self.account_mut(pl.key()).counts.frozen -= 1;
        Ok(())
    }

    /// 出编.
    pub(in crate::state) fn leave(&mut self, person: &PersonRef, reason: LeaveReason) -> R {
        let id = self.person_id(person)?;
        let pl = self.st.person(id).expect("resolved").placement;
        match pl.status {
            PersonStatus::Active => {
                self.vacate_posts(id)?;
                self.person_mut(id)?.placement.status = PersonStatus::Left(reason);
                self.account_mut(pl.key()).counts.actual -= 1;
                self.on_vacancy(
                    pl.key(),
                    reason.is_natural_attrition(),
                    reason == crate::catalog::LeaveReason::TransferOut,
                );
                Ok(())
            }
            PersonStatus::Filed => {
                self.person_mut(id)?.placement.status = PersonStatus::Left(reason);
                self.staffing_mut(pl.unit).filed -= 1;
                Ok(())
            }
            _ => Err(self.person_state_err(id, "出编")),
        }
    }

    /// 调动.
    pub(in crate::state) fn transfer(
        &mut self,
        person: &PersonRef,
        to: &AccountRef,
        body: Option<BodyId>,
        plan_line: PlanLineId,
    ) -> R {
        let id = self.person_id(person)?;
        let pl = self.st.person(id).expect("resolved").placement;
        if pl.status != PersonStatus::Active {
            return Err(self.person_state_err(id, "调动"));
        }
        let key = self.account_key(to)?;
        self.check_body(key.unit, body)?;
        self.check_class(key.unit, key.qtype)?;
        if key == pl.key() {
            // 内部调整: only the internal body changes.
            self.person_mut(id)?.placement.body = body;
            return Ok(());
        }
        self.vacate_posts(id)?;
        self.account_mut(pl.key()).counts.actual -= 1;
        if key.unit != pl.unit {
            self.on_vacancy(pl.key(), false, true);
        }
        self.take_slot(key, "调入", false)?;
        if key.unit != pl.unit {
            self.use_plan(plan_line, key)?;
        }
        self.seat(id, key, body)
    }

    /// 任职.
    pub(in crate::state) fn appoint(
        &mut self,
        person: &PersonRef,
        body: Option<BodyId>,
        kind: PostKind,
        title: &str,
        exempt: bool,
    ) -> R {
        let id = self.person_id(person)?;
        let pl = self.st.person(id).expect("resolved").placement;
        if pl.status != PersonStatus::Active {
            return Err(self.person_state_err(id, "任职"));
        }
        self.check_body(pl.unit, body)?;
        if body.is_none() && matches!(kind, PostKind::BodyChief | PostKind::BodyDeputy) {
            return Err(Violation::BodyPostWithoutBody);
        }
        let key = PostKey {
            unit: pl.unit,
            body,
            kind,
        };
        let counted = !exempt && !title.contains("专员");
        let eff = self.effective;
        self.person_mut(id)?.posts.push(PostHolding {
            key,
            title: title.to_string(),
            counted,
            since: eff,
        });
        if counted {
            let post = self.post_mut(key);
            if !post.holders.contains(&id) {
                post.holders.push(id);
            }
        }
        Ok(())
    }

    /// 免职.
    pub(in crate::state) fn remove_from_post(
        &mut self,
        person: &PersonRef,
        body: Option<BodyId>,
        kind: PostKind,
    ) -> R {
        let id = self.person_id(person)?;
        let p = self.st.person(id).expect("resolved");
        let key = PostKey {
            unit: p.placement.unit,
            body,
            kind,
        };
        if !p.posts.iter().any(|h| h.key == key) {
            return Err(Violation::NotHoldingPost {
                name: p.details.name.clone(),
                unit: self.st.unit_name(key.unit),
                post: self.st.post_label(&key),
            });
        }
        self.person_mut(id)?.posts.retain(|h| h.key != key);
        if self
            .st
            .posts
            .get(&key)
            .is_some_and(|a| a.holders.contains(&id))
        {
            self.post_mut(key).holders.retain(|h| *h != id);
        }
        Ok(())
    }

    /// 关键信息更正.
    pub(in crate::state) fn correct_person(
        &mut self,
        person: &PersonRef,
        name: Option<&str>,
        id_number: Option<&str>,
        work_start: Option<NaiveDate>,
    ) -> R {
        let id = self.person_id(person)?;
        let new_idn = match id_number {
            Some(s) => {
                let idn = parse_id_number(s).map_err(InputError::from)?;
                if let Some(other) = self.st.person_by_id_number.get(idn.as_str()) {
                    if *other != id {
                        return Err(Violation::AlreadyEnrolled {
                            id: idn.mask(),
                            unit: self
                                .st
                                .unit_name(self.st.person(*other).expect("indexed").placement.unit),
                        });
                    }
                }
                Some(idn)
            }
            None => None,
        };
        if let Some(idn) = &new_idn {
            let old = self
                .st
                .person(id)
                .expect("resolved")
                .details
                .id_number
                .clone();
            self.unindex_person(old.as_str());
            self.index_person(idn.as_str(), id);
        }
        let p = self.person_mut(id)?;
        if let Some(n) = name {
            let n = n.trim();
            if n.is_empty() {
                return Err(InputError::EmptyName { what: "姓名" }.into());
            }
            p.details.name = n.to_string();
        }
        if let Some(idn) = new_idn {
            p.details.id_number = idn;
        }
        if work_start.is_some() {
            p.details.work_start = work_start;
        }
        Ok(())
    }
}
