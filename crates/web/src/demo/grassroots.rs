//! The demo's 三整合: 盐都区's 权责清单, its first delegation batch to the
//! towns, streets and parks with a 收回, the enforcement catalogue with a
//! concentration and 下沉, a month of 吹哨报到 and 12345 orders with 退单
//! and one 职责争议 — built by `bianzhi_demo::grassroots` through the
//! grassroots crate's own rules and kept as the web keeps them. Two more
//! accounts let a visitor act as a park and as a department.

use bianzhi_core::catalog::UnitKind;
use bianzhi_grassroots::WhistleAction;
use bianzhi_store::{Db, NewUser, WorkflowStore};
use chrono::{DateTime, Utc};

use crate::auth::{hash_password, Role};
use crate::grassroots::delegations::USAGE;
use crate::grassroots::service::{CatalogueBody, CATALOGUE, RECORDS};
use crate::hotline::service::{OrderBatch, DISPUTES, ORDER_BATCH};
use crate::http::error::WebError;
use crate::whistles::service::{WhistleRecord, WHISTLE};

/// The demo's accounts for 吹哨报到 (login, password, name, what the unit is).
pub const GRASSROOTS_ACCOUNTS: [(&str, &str, &str, &str); 2] = [
    ("yuanqu", "yuanqu-2024", "孙立新", "园区"),
    ("bumen", "bumen-2024", "钱志刚", "综合行政执法部门"),
];

const DEMO_AUTHOR: &str = "示范数据";

/// Records the demo's 三整合 as of `now`'s date, unless there is a
/// catalogue: answers a line to print and the lines of its accounts.
pub(crate) fn seed(
    db: &Db,
    wf: &mut dyn WorkflowStore,
    now: DateTime<Utc>,
) -> Result<(Vec<String>, Vec<String>), WebError> {
    if !wf.records(CATALOGUE)?.is_empty() {
        return Ok((Vec::new(), Vec::new()));
    }
    let today = bianzhi_core::beijing::date_of(now);
    let demo = match bianzhi_demo::grassroots::build_grassroots(db.ledger(), today) {
        Ok(d) if !d.catalogue.entries().is_empty() => d,
        Ok(_) => return Ok((Vec::new(), Vec::new())),
        Err(e) => {
            tracing::warn!(error = %e, "示范三整合数据未建立");
            return Ok((Vec::new(), Vec::new()));
        }
    };
    let body = serde_json::to_string(&CatalogueBody {
        entries: demo.catalogue.entries().to_vec(),
    })
    .map_err(WebError::internal)?;
    wf.insert_record(CATALOGUE, &body, now)?;
    let body = serde_json::to_string(&demo.records).map_err(WebError::internal)?;
    wf.insert_record(RECORDS, &body, now)?;
    let n_whistles = demo.whistles.len();
    for w in demo.whistles {
        let raised_steps = w
            .history
            .iter()
            .take_while(|e| e.at == w.raised_at && matches!(e.action, WhistleAction::Assign { .. }))
            .count()
            .min(w.assignments.len().max(1));
        let later = w.history.len() - raised_steps;
        let mut rec = WhistleRecord {
            whistle: w,
            raised_by: DEMO_AUTHOR.into(),
            raised_steps,
            steps_by: vec![DEMO_AUTHOR.to_string(); later],
        };
        let body = serde_json::to_string(&rec).map_err(WebError::internal)?;
        let row = wf.insert_record(WHISTLE, &body, now)?;
        rec.whistle.id = bianzhi_grassroots::WhistleId(row.id as u32);
        let body = serde_json::to_string(&rec).map_err(WebError::internal)?;
        wf.update_record(WHISTLE, row.id, row.version, &body, now)?;
    }
    let n_orders = demo.orders.len();
    let imported_at = demo
        .orders
        .iter()
        .map(|o| o.row.received)
        .min()
        .unwrap_or_else(|| bianzhi_core::beijing::local(now));
    let batch = OrderBatch {
        source: "示范数据（12345 平台近一个月工单）".into(),
        imported_by: DEMO_AUTHOR.into(),
        imported_at,
        orders: demo.orders,
        steps: Vec::new(),
    };
    let body = serde_json::to_string(&batch).map_err(WebError::internal)?;
    wf.insert_record(ORDER_BATCH, &body, now)?;
    let body = serde_json::to_string(&demo.disputes).map_err(WebError::internal)?;
    wf.insert_record(DISPUTES, &body, now)?;
    let body = serde_json::to_string(&demo.usage).map_err(WebError::internal)?;
    wf.insert_record(USAGE, &body, now)?;
    let items = demo.catalogue.as_of(today).len();
    let out = vec![format!(
        "示范三整合：权责清单 {items} 项，赋权批次 {}，吹哨 {n_whistles} 件，12345 工单 {n_orders} 件，职责争议 {} 件",
        demo.records.delegations.batches().len(),
        demo.disputes.cases.len()
    )];
    Ok((out, accounts(db, wf)?))
}

/// A park's clerk and an enforcement department's clerk, for 吹哨报到.
fn accounts(db: &Db, wf: &mut dyn WorkflowStore) -> Result<Vec<String>, WebError> {
    let st = db.state();
    let mut active: Vec<&bianzhi_core::model::Unit> = st
        .units
        .iter()
        .flatten()
        .filter(|u| u.is_active())
        .collect();
    active.sort_by_key(|u| u.id);
    let park = active.iter().find(|u| u.kind == UnitKind::ParkCommittee);
    let dept = active
        .iter()
        .find(|u| u.kind == UnitKind::GovDept && u.name.contains("综合行政执法"))
        .or_else(|| {
            active
                .iter()
                .find(|u| u.kind == UnitKind::GovDept && u.name.contains("城市管理"))
        });
    let mut out = Vec::new();
    for ((login, password, name, _), unit) in GRASSROOTS_ACCOUNTS.iter().zip([park, dept]) {
        let Some(unit) = unit else { continue };
        if wf.user_by_login(login)?.is_some() {
            continue;
        }
        wf.create_user(&NewUser {
            login: (*login).into(),
            display_name: (*name).into(),
            role: Role::UnitClerk.code().into(),
            unit: Some(unit.id.0),
            password_hash: hash_password(password)?,
        })?;
        out.push(format!(
            "  {login} / {password} / 单位经办（{name}，经办 {}，吹哨报到）",
            unit.name
        ));
    }
    Ok(out)
}
