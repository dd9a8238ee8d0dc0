//! The operations, one function each, by family: [`units`] (机构, their
//! settings and 人员控制总量), [`quotas`] (编制、领导职数、用编计划), [`people`]
//! (实名制人员 and 备案人员) and [`instruments`] (周转池、过桥、承兑、动态).
//! Each function checks its rules in the order of the precedence table in
//! `tests/it/precedence.rs`, then makes its changes.

mod instruments;
mod people;
mod quotas;
mod units;

use crate::matter::Op;
use crate::state::tx::{Tx, R};

impl Tx<'_> {
    /// Applies one operation: checks its rules in order and makes its changes.
    pub(super) fn op(&mut self, op: &Op) -> R {
        match op {
            Op::FundPool { qtype, count } => self.fund_pool(qtype, *count),
            Op::Reclaim {
                account,
                count,
                allow_over,
            } => self.reclaim(account, *count, *allow_over),
            Op::ReclaimUnitQuotas { unit } => self.reclaim_unit_quotas(unit),
            Op::Lend {
                loan,
                account,
                count,
                due,
                on_attrition,
            } => self.lend(*loan, account, *count, *due, *on_attrition),
            Op::ReturnLoan { loan, count } => self.return_loan(*loan, *count),
            Op::BridgeTransfer {
                bridge,
                person,
                to,
                body,
                from_pool,
                deadline,
            } => self.bridge_transfer(*bridge, person, to, *body, *from_pool, *deadline),
            Op::GrantPhased {
                grant,
                account,
                tranches,
                from_pool,
            } => self.grant_phased(*grant, account, tranches, *from_pool),
            Op::GrantDynamic {
                grant,
                account,
                count,
                include_transfer_out,
            } => self.grant_dynamic(*grant, account, *count, *include_transfer_out),
            Op::SetStaffCap { unit, count } => self.set_staff_cap(unit, *count),
            Op::SetSector { unit, sector } => self.set_sector(unit, sector),
            Op::SetSectorTotal {
                sector,
                qtype,
                count,
                allow_over,
            } => self.set_sector_total(sector, qtype.as_ref(), *count, *allow_over),
            Op::RegisterFiled {
                person,
                unit,
                details,
            } => self.register_filed(*person, unit, details),
            Op::DirectedEnrol {
                person,
                account,
                body,
            } => self.directed_enrol(person, account, *body),
            Op::DefineQuotaType { code, name, class } => self.define_quota_type(code, name, *class),
            Op::CreateUnit(nu) => self.create_unit(nu),
            Op::RenameUnit {
                unit,
                name,
                short_name,
            } => self.rename_unit(unit, name, short_name.as_deref()),
            Op::SetRank { unit, rank } => self.set_rank(unit, *rank),
            Op::UpdateUnit {
                unit,
                category,
                funding,
                credit_code,
                functions,
            } => self.update_unit(
                unit,
                *category,
                funding.as_ref(),
                credit_code.as_deref(),
                functions.as_deref(),
            ),
            Op::AddSecondName { unit, name } => self.add_second_name(unit, name),
            Op::RemoveSecondName { unit, name } => self.remove_second_name(unit, name),
            Op::AddBody { unit, body, name } => self.add_body(unit, *body, name),
            Op::RemoveBody { unit, body } => self.remove_body(unit, *body),
            Op::MoveUnit { unit, parent } => self.move_unit(unit, parent.as_ref()),
            Op::MergeUnit { unit, into } => self.merge_unit(unit, into),
            Op::AbolishUnit { unit, remap } => self.abolish_unit(unit, remap.as_ref()),
            Op::SetControlMode { unit, mode } => self.set_control_mode(unit, *mode),
            Op::SetQuota {
                account,
                count,
                allow_over,
            } => self.set_quota(account, *count, *allow_over),
            Op::IncreaseQuota { account, count } => self.increase_quota(account, *count),
            Op::DecreaseQuota {
                account,
                count,
                allow_over,
            } => self.decrease_quota(account, *count, *allow_over),
            Op::TransferQuota {
                from,
                to,
                qtype,
                funding,
                count,
            } => self.transfer_quota(from, to, qtype, funding, *count),
            Op::LockQuota { account, count, .. } => self.lock_quota(account, *count),
            Op::UnlockQuota { account, count } => self.unlock_quota(account, *count),
            Op::SetPosts {
                unit,
                body,
                kind,
                count,
            } => self.set_posts(unit, *body, *kind, *count),
            Op::ApprovePlanLine {
                line,
                unit,
                year,
                channel,
                qtype,
                count,
            } => self.approve_plan_line(*line, unit, *year, *channel, qtype, *count),
            Op::Hire {
                person,
                account,
                body,
                plan_line,
                details,
            } => self.hire(*person, account, *body, *plan_line, details),
            Op::RegisterExisting {
                person,
                account,
                body,
                enrolled_on,
                details,
                allow_over,
            } => {
                self.register_existing(*person, account, *body, *enrolled_on, details, *allow_over)
            }
            Op::Onboard { person } => self.onboard(person),
            Op::WithdrawHire { person } => self.withdraw_hire(person),
            Op::Leave { person, reason } => self.leave(person, *reason),
            Op::Transfer {
                person,
                to,
                body,
                plan_line,
            } => self.transfer(person, to, *body, *plan_line),
            Op::Appoint {
                person,
                body,
                kind,
                title,
                exempt,
            } => self.appoint(person, *body, *kind, title, *exempt),
            Op::Remove { person, body, kind } => self.remove_from_post(person, *body, *kind),
            Op::CorrectPerson {
                person,
                name,
                id_number,
                work_start,
            } => self.correct_person(person, name.as_deref(), id_number.as_deref(), *work_start),
        }
    }
}
