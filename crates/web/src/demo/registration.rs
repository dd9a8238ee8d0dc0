//! The demo's 事业单位法人登记: the register, pending and completed 登记申请
//! and two years of annual reports, built by `bianzhi_demo::registration`
//! through the registration crate's own rules and kept as the web keeps them
//! (records of kinds `register`, `reg_application`, `annual_report`).

use bianzhi_store::{Db, WorkflowStore};
use chrono::{DateTime, Utc};

use crate::http::error::WebError;
use crate::registration::service::{
    RegApplication, RegisterBody, ANNUAL_REPORT, REGISTER, REG_APPLICATION,
};

/// Records the demo register as of `now`'s date, unless there is one.
pub(crate) fn seed(
    db: &Db,
    wf: &mut dyn WorkflowStore,
    now: DateTime<Utc>,
) -> Result<Option<String>, WebError> {
    if !wf.records(REGISTER)?.is_empty() {
        return Ok(None);
    }
    let today = bianzhi_core::beijing::date_of(now);
    // Only the demo district's ledger gives a demo register; any other
    // ledger marked as the demo (a test's) simply has none.
    let demo = match bianzhi_demo::registration::build_registration(db.ledger(), today) {
        Ok(d) if !d.register.entries().is_empty() => d,
        Ok(_) => return Ok(None),
        Err(e) => {
            tracing::warn!(error = %e, "示范事业单位法人登记簿未建立");
            return Ok(None);
        }
    };
    let body = serde_json::to_string(&RegisterBody {
        entries: demo.register.entries().to_vec(),
    })
    .map_err(WebError::internal)?;
    wf.insert_record(REGISTER, &body, now)?;
    let n_apps = demo.applications.len();
    for app in demo.applications {
        let mut rec = RegApplication {
            app,
            blobs: Vec::new(),
            warnings: Vec::new(),
            author: "示范数据".into(),
            entries: Vec::new(),
        };
        let body = serde_json::to_string(&rec).map_err(WebError::internal)?;
        let row = wf.insert_record(REG_APPLICATION, &body, now)?;
        rec.app.id = row.id as u64;
        let body = serde_json::to_string(&rec).map_err(WebError::internal)?;
        wf.update_record(REG_APPLICATION, row.id, row.version, &body, now)?;
    }
    let n_reports = demo.reports.len();
    for r in demo.reports {
        let body = serde_json::to_string(&r).map_err(WebError::internal)?;
        wf.insert_record(ANNUAL_REPORT, &body, now)?;
    }
    let persons = demo.register.as_of(today).len();
    Ok(Some(format!(
        "已建立示范事业单位法人登记簿：{persons} 个法人，{} 条登记记录，登记申请 {n_apps} 件，年度报告 {n_reports} 份",
        demo.register.entries().len()
    )))
}
