//! The deadlines and limits of registration, configurable per province
//! (registration.md §2.2, §4, §5: the national figures are the defaults; the
//! local ones differ and are kept as settings, never hard-coded in a rule).

use serde::{Deserialize, Serialize};

/// Deadlines (in working days unless named `_days_calendar`) and limits.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Policy {
    /// 受理 / 补正告知 within this many working days of receipt (national 3;
    /// 湖北 5). Past it without a decision the application counts as
    /// accepted on the day it was received.
    pub accept_days: u32,
    /// 准予 / 不予 within this many working days of 受理 (30).
    pub decide_days: u32,
    /// 设立登记 applied for within this many working days of the approval
    /// (甘肃 60; `None`: no limit, the national rule sets none).
    pub establish_after_approval_days: Option<u32>,
    /// 变更登记 within this many working days of the event (30).
    pub change_days: u32,
    /// 注销登记 within this many working days of the end of 清算 (15).
    pub deregister_after_liquidation_days: u32,
    /// A ledger 撤销 not followed by 注销 within this many calendar days is a
    /// finding (泰州 acts after a year).
    pub deregister_after_abolition_days_calendar: u32,
    /// Validity of a certificate in years (5 since 2014).
    pub certificate_years: u32,
    /// 换领 window: the last this-many calendar days of validity (30).
    pub renewal_window_days_calendar: u32,
    /// 印鉴备案 within this many working days of the certificate (60).
    pub seal_filing_days: u32,
    /// 年报: filed from 1 Jan to this month/day of the next year (3-31).
    pub annual_report_due: (u32, u32),
    /// 抽查 share of units, in per mille (10 – 30: 1 – 3 %).
    pub spot_check_permille: u32,
    /// Inspectors per checked unit (≥ 2).
    pub inspectors_per_unit: usize,
    /// Largest uploaded file in bytes.
    pub max_file_bytes: usize,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            accept_days: 3,
            decide_days: 30,
            establish_after_approval_days: None,
            change_days: 30,
            deregister_after_liquidation_days: 15,
            deregister_after_abolition_days_calendar: 365,
            certificate_years: 5,
            renewal_window_days_calendar: 30,
            seal_filing_days: 60,
            annual_report_due: (3, 31),
            spot_check_permille: 20,
            inspectors_per_unit: 2,
            max_file_bytes: 10 * 1024 * 1024,
        }
    }
}

impl Policy {
    /// The last day to file the annual report for `year`.
    pub fn annual_report_deadline(&self, year: i32) -> chrono::NaiveDate {
        let (m, d) = self.annual_report_due;
        chrono::NaiveDate::from_ymd_opt(year + 1, m, d)
            .unwrap_or_else(|| chrono::NaiveDate::from_ymd_opt(year + 1, 3, 31).expect("3-31"))
    }
}
