//! The demo (示范) on a ledger marked as the demo by the command that made it
//! (`bianzhi demo`, or `serve` on a file it creates itself): one account per
//! role, this year's 用编计划 for the demo clerk's units so applications can
//! be tried at once, and demo cases. Never applied to a ledger for its
//! contents: only the recorded mark counts.

pub(crate) mod cases;
mod facts;
mod grassroots;
mod registration;

use bianzhi_core::catalog::PlanChannel;
use bianzhi_core::ident::parse_doc_no;
use bianzhi_core::matter::{CatRef, Op, UnitRef};
use bianzhi_core::{query, Matter, UnitId};
use bianzhi_store::{Db, NewUser, WorkflowStore};
use chrono::{DateTime, Datelike, NaiveDate, Utc};

use crate::auth::hash_password;
use crate::cases::service::{CaseSettings, SETTING};
use crate::prelude::*;

/// The demo district's code.
pub const DEMO_CODE: &str = "320903";

/// The demo office's 机关代字.
pub const DEMO_DOC_PREFIX: &str = "盐编";

/// The unit the demo 单位经办 acts for (with the schools under it).
pub const DEMO_CLERK_UNIT: &str = "区教育局";

/// One demo account (also listed in the README).
pub struct DemoAccount {
    pub login: &'static str,
    pub password: &'static str,
    pub name: &'static str,
    pub role: Role,
}

pub const DEMO_ACCOUNTS: [DemoAccount; 7] = [
    DemoAccount {
        login: "jingban",
        password: "jingban-2024",
        name: "李敏",
        role: Role::OfficeClerk,
    },
    DemoAccount {
        login: "lingdao",
        password: "lingdao-2024",
        name: "王建国",
        role: Role::OfficeLeader,
    },
    DemoAccount {
        login: "danwei",
        password: "danwei-2024",
        name: "陈晓燕",
        role: Role::UnitClerk,
    },
    DemoAccount {
        login: "chakan",
        password: "chakan-2024",
        name: "赵静",
        role: Role::ReadOnly,
    },
    DemoAccount {
        login: "xitong",
        password: "xitong-2024",
        name: "周海",
        role: Role::SysAdmin,
    },
    DemoAccount {
        login: "anquan",
        password: "anquan-2024",
        name: "吴磊",
        role: Role::SecAdmin,
    },
    DemoAccount {
        login: "shenji",
        password: "shenji-2024",
        name: "郑丽",
        role: Role::Auditor,
    },
];

/// Gives a ledger marked as the demo its accounts (one per role, passwords
/// as published in the README), this year's 用编计划, the demo cases and the
/// 基础数据 of its schools and health units for 编制标准测算.
/// Called by [`crate::bootstrap::prepare`] only when the ledger is marked as
/// the demo (`Db::is_demo`) and has no account yet; returns lines to print.
/// `now` is the serving clock: the plans' year and the casework dates follow it.
pub fn seed(
    db: &mut Db,
    wf: &mut dyn WorkflowStore,
    now: DateTime<Utc>,
) -> Result<Vec<String>, WebError> {
    let mut out = Vec::new();
    let Some(unit) = db.state().unit_by_name.get(DEMO_CLERK_UNIT).copied() else {
        return Ok(out);
    };
    if let Some(line) = current_year_plans(db, now)? {
        out.push(line);
    }
    for a in &DEMO_ACCOUNTS {
        wf.create_user(&NewUser {
            login: a.login.into(),
            display_name: a.name.into(),
            role: a.role.code().into(),
            unit: (a.role == Role::UnitClerk).then_some(unit.0),
            password_hash: hash_password(a.password)?,
        })?;
    }
    // The demo office's 机关代字, as its 文号 are written (盐编〔2026〕1号).
    if wf.record(SETTING, 1)?.is_none() {
        let settings = CaseSettings {
            doc_prefix: DEMO_DOC_PREFIX.into(),
            ..Default::default()
        };
        let body = serde_json::to_string(&settings).map_err(WebError::internal)?;
        wf.insert_record(SETTING, &body, now)?;
    }
    out.extend(cases::seed(db, wf, unit, now)?);
    out.extend(facts::seed(db, wf, now)?);
    out.extend(registration::seed(db, wf, now)?);
    let (lines, grassroots_accounts) = grassroots::seed(db, wf, now)?;
    out.extend(lines);
    out.push("示范账户（用户名 / 密码 / 角色）：".into());
    for a in &DEMO_ACCOUNTS {
        let scope = if a.role == Role::UnitClerk {
            format!("，经办 {DEMO_CLERK_UNIT} 及下属单位")
        } else {
            String::new()
        };
        out.push(format!(
            "  {} / {} / {}（{}{scope}）",
            a.login,
            a.password,
            a.role.label(),
            a.name
        ));
    }
    out.extend(grassroots_accounts);
    Ok(out)
}

/// Approves this year's 公开招聘 plan lines (事业编制) for the units under the
/// demo clerk's unit that have vacancies, unless the year already has plans.
fn current_year_plans(db: &mut Db, now: DateTime<Utc>) -> Result<Option<String>, WebError> {
    let today = bianzhi_core::beijing::date_of(now);
    let st = db.state();
    let year = today.year();
    if st.plan_lines.iter().flatten().any(|l| l.year == year) {
        return Ok(None);
    }
    let Some(root) = st.unit_by_name.get(DEMO_CLERK_UNIT).copied() else {
        return Ok(None);
    };
    let jan1 = NaiveDate::from_ymd_opt(year, 1, 1).expect("valid");
    let effective = st
        .max_effective
        .map_or(jan1, |m| m.max(jan1))
        .min(today.max(jan1));
    let sy = CatRef::Name("事业编制".into());
    let mut ops = Vec::new();
    let mut units: Vec<UnitId> = query::subtree(st, root, effective);
    units.sort_unstable();
    for u in units {
        let avail: i32 = query::quota_table(st, u, effective)
            .iter()
            .filter(|r| r.qtype == "事业编制")
            .map(|r| r.available)
            .sum();
        if avail > 0 {
            ops.push(Op::ApprovePlanLine {
                line: None,
                unit: UnitRef::Id(u),
                year,
                channel: PlanChannel::OpenRecruitment,
                qtype: sy.clone(),
                count: avail.min(3),
            });
        }
    }
    if ops.is_empty() {
        return Ok(None);
    }
    let n = ops.len();
    let doc =
        parse_doc_no(&format!("{DEMO_DOC_PREFIX}〔{year}〕1号")).map_err(WebError::internal)?;
    let m = Matter {
        doc,
        effective,
        recorded_at: now,
        actor: "示范数据".into(),
        reason: format!("下达 {year} 年度教育系统公开招聘用编计划"),
        ops,
        warnings: Vec::new(),
        attachments: Vec::new(),
        corrects: None,
        supplements: None,
    };
    db.submit(m, now)?;
    Ok(Some(format!(
        "已下达 {year} 年度教育系统公开招聘用编计划 {n} 条（{DEMO_DOC_PREFIX}〔{year}〕1号），供示范申请使用"
    )))
}
