//! Operations on 编制 accounts, 领导职数 and 用编计划.

use chrono::Datelike;

use crate::catalog::{PlanChannel, PostKind, QuotaClass, QuotaTypeDef};
use crate::ids::{BodyId, PlanLineId, QuotaTypeId};
use crate::matter::{AccountRef, CatRef, UnitRef};
use crate::model::{AccountKey, PlanLine, PostKey};
use crate::state::tx::{set_slot, Tx, Undo, R};
use crate::violation::{InputError, Violation};

impl Tx<'_> {
    /// 增设编制类型.
    pub(in crate::state) fn define_quota_type(
        &mut self,
        code: &str,
        name: &str,
        class: QuotaClass,
    ) -> R {
        if self
            .st
            .quota_types
            .iter()
            .any(|q| q.code == *code || q.name == *name)
        {
            return Err(Violation::DuplicateQuotaType(name.to_string()));
        }
        self.log(Undo::QuotaTypes(self.st.quota_types.len()));
        let id = QuotaTypeId(self.st.quota_types.len() as u16);
        self.st.quota_types.push(QuotaTypeDef {
            id,
            code: code.to_string(),
            name: name.to_string(),
            class,
        });
        Ok(())
    }

    /// 核定编制.
    pub(in crate::state) fn set_quota(
        &mut self,
        account: &AccountRef,
        count: i32,
        allow_over: bool,
    ) -> R {
        let key = self.account_key(account)?;
        if count < 0 {
            return Err(InputError::NegativeQuota(count).into());
        }
        let cur = self.counts(&key).approved;
        if count >= cur {
            self.account_mut(key).counts.approved = count;
            Ok(())
        } else {
            self.lower_approved(key, cur - count, allow_over)
        }
    }

    /// 核增编制.
    pub(in crate::state) fn increase_quota(&mut self, account: &AccountRef, count: i32) -> R {
        Self::positive(count)?;
        let key = self.account_key(account)?;
        self.account_mut(key).counts.approved += count;
        Ok(())
    }

    /// 核减编制.
    pub(in crate::state) fn decrease_quota(
        &mut self,
        account: &AccountRef,
        count: i32,
        allow_over: bool,
    ) -> R {
        Self::positive(count)?;
        let key = self.account_key(account)?;
        self.lower_approved(key, count, allow_over)
    }

    /// 划转编制.
    pub(in crate::state) fn transfer_quota(
        &mut self,
        from: &UnitRef,
        to: &UnitRef,
        qtype: &CatRef,
        funding: &CatRef,
        count: i32,
    ) -> R {
        Self::positive(count)?;
        let (q, f) = (self.qtype(qtype)?, self.funding(funding)?);
        let fk = AccountKey {
            unit: self.active_unit(from)?,
            qtype: q,
            funding: f,
        };
        let tk = AccountKey {
            unit: self.active_unit(to)?,
            qtype: q,
            funding: f,
        };
        if fk.unit == tk.unit {
            return Err(Violation::TransferSameUnit {
                unit: self.st.unit_name(fk.unit),
            });
        }
        self.lower_approved(fk, count, false)?;
        self.account_mut(tk).counts.approved += count;
        Ok(())
    }

    /// 锁定编制.
    pub(in crate::state) fn lock_quota(&mut self, account: &AccountRef, count: i32) -> R {
        Self::positive(count)?;
        let key = self.account_key(account)?;
        let c = self.counts(&key);
        if c.available() < count {
            let (unit, account) = self.label(&key);
            return Err(Violation::NoVacancy {
                unit,
                account,
                available: c.available(),
                requested: count,
                action: "锁定",
            });
        }
        self.account_mut(key).counts.locked += count;
        Ok(())
    }

    /// 解锁编制.
    pub(in crate::state) fn unlock_quota(&mut self, account: &AccountRef, count: i32) -> R {
        Self::positive(count)?;
        let key = self.account_key(account)?;
        let c = self.counts(&key);
        if c.locked < count {
            let (unit, account) = self.label(&key);
            return Err(Violation::Negative {
                unit,
                account,
                field: "锁定",
                value: c.locked - count,
            });
        }
        self.account_mut(key).counts.locked -= count;
        Ok(())
    }

    /// 核定领导职数.
    pub(in crate::state) fn set_posts(
        &mut self,
        unit: &UnitRef,
        body: Option<BodyId>,
        kind: PostKind,
        count: i32,
    ) -> R {
        let id = self.active_unit(unit)?;
        self.check_body(id, body)?;
        if count < 0 {
            return Err(InputError::NegativePosts(count).into());
        }
        self.post_mut(PostKey {
            unit: id,
            body,
            kind,
        })
        .approved = count;
        Ok(())
    }

    /// 下达用编计划.
    pub(in crate::state) fn approve_plan_line(
        &mut self,
        line: Option<PlanLineId>,
        unit: &UnitRef,
        year: i32,
        channel: PlanChannel,
        qtype: &CatRef,
        count: i32,
    ) -> R {
        Self::positive(count)?;
        let uid = self.active_unit(unit)?;
        let q = self.qtype(qtype)?;
        self.check_class(uid, q)?;
        let y = self.effective.year();
        if year < y || year > y + 1 {
            return Err(Violation::PlanYearOutOfRange { year, current: y });
        }
        let id = line.unwrap_or_else(|| self.st.next_plan_line_id());
        if self.st.plan_line(id).is_some() {
            return Err(InputError::PlanLineTaken(id.0).into());
        }
        self.log(Undo::Plan(id, None));
        set_slot(
            &mut self.st.plan_lines,
            id.index(),
            Some(PlanLine {
                id,
                unit: uid,
                year,
                channel,
                qtype: q,
                approved: count,
                used: 0,
            }),
        );
        Ok(())
    }
}
