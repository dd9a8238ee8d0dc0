//! 事业单位法人证书: number, validity (5 years since 2014), the 换领 window and
//! the verification code derived from the register entry that issued it.

use chrono::{Days, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::policy::Policy;
use crate::register::{CertRecord, RegId};

/// The certificate number: 事证第 + registrar's code + the 法人 number.
pub fn number(registrar: &str, reg: RegId) -> String {
    format!("事证第{registrar}{:06}号", reg.0)
}

/// Validity from `from`: `certificate_years` years, the last day included.
pub fn validity(from: NaiveDate, policy: &Policy) -> (NaiveDate, NaiveDate) {
    let end = from
        .checked_add_months(Months::new(policy.certificate_years * 12))
        .and_then(|d| d.checked_sub_days(Days::new(1)))
        .unwrap_or(from);
    (from, end)
}

/// The code printed on the certificate and typed into the public check
/// page: the first 16 hex digits of the issuing entry's SM3 hash, in groups.
pub fn verification_code(entry_hash: &str) -> String {
    let h: String = entry_hash
        .chars()
        .take(16)
        .collect::<String>()
        .to_uppercase();
    h.as_bytes()
        .chunks(4)
        .map(|c| std::str::from_utf8(c).expect("hex is ASCII"))
        .collect::<Vec<_>>()
        .join("-")
}

/// Normalises a code as typed (spaces, dashes, case).
pub fn normalise_code(typed: &str) -> String {
    typed
        .chars()
        .filter(|c| c.is_ascii_hexdigit())
        .collect::<String>()
        .to_uppercase()
}

/// Where a certificate stands on a date.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum CertState {
    /// 有效.
    Valid,
    /// 临期: inside the 换领 window.
    Expiring,
    /// 已过期: void; the unit must apply again as a 设立.
    Expired,
}

impl CertState {
    pub fn label(self) -> &'static str {
        match self {
            CertState::Valid => "有效",
            CertState::Expiring => "临期（可申请换领）",
            CertState::Expired => "已过期（自动废止）",
        }
    }
}

/// The state of `cert` on `today`.
pub fn state(cert: &CertRecord, today: NaiveDate, policy: &Policy) -> CertState {
    if today > cert.valid_to {
        return CertState::Expired;
    }
    let window_opens = cert
        .valid_to
        .checked_sub_days(Days::new(policy.renewal_window_days_calendar as u64))
        .unwrap_or(cert.valid_to);
    if today > window_opens {
        CertState::Expiring
    } else {
        CertState::Valid
    }
}

/// Whether a 换领 may be applied for on `today` (inside the window, not expired).
pub fn renewable(cert: &CertRecord, today: NaiveDate, policy: &Policy) -> bool {
    state(cert, today, policy) == CertState::Expiring
}
