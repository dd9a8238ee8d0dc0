use bianzhi_reports::statistics::{self, Statistics};
use chrono::{Datelike, NaiveDate};

use crate::prelude::*;

/// Only the 编办 (编办经办, 编办领导, 只读) over the whole jurisdiction may
/// read the 统计年报: a user or token limited to units may not.
pub fn check_reader(user: &User) -> Result<(), WebError> {
    let office = user
        .roles
        .iter()
        .any(|r| r.is_office() || *r == Role::ReadOnly);
    user.require(
        office && user.scope.is_none(),
        "统计年报（上报格式）（仅限查看全区的编办用户）",
    )
}

/// The 统计时点 asked for (`as_of`), by default 31 December of last year.
pub fn as_of(app: &App, p: &Params) -> Result<NaiveDate, WebError> {
    Ok(match p.date("as_of")? {
        Some(d) => d,
        None => statistics::year_end(app.today().year() - 1),
    })
}

/// The 统计年报 of the ledger as of `date`.
pub fn statistics_at(app: &App, date: NaiveDate) -> Statistics {
    app.read(date, |ctx| statistics::compute(ctx.ledger, date))
}

/// The audit entry of a read of the 统计年报 (the JSON document or the
/// workbook): refused if the audit trail cannot be written.
pub fn audit(app: &App, user: &User, ip: &str, what: &str, s: &Statistics) -> Result<(), WebError> {
    app.try_audit(
        &user.login,
        ip,
        "导出报表",
        &format!(
            "{} · {}（全区） · 统计时点 {}",
            statistics::TITLE,
            s.jurisdiction.name,
            s.as_of
        ),
        what,
    )
}
