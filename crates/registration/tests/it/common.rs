//! Builders shared by the registration tests.

use bianzhi_casework::calendar::Calendar;
use bianzhi_registration::register::{Draft, RegisterEvent};
use bianzhi_registration::{Capital, FundingSource, Particulars, RegId, RegMode, Register};
use bianzhi_testkit::{at, credit_code, d};

pub const REGISTRAR: &str = "320903";

pub fn particulars(name: &str) -> Particulars {
    Particulars {
        name: name.into(),
        second_names: vec![],
        domicile: "盐城市盐都区开放大道1号".into(),
        purpose: "开展义务教育，促进基础教育发展".into(),
        legal_rep: "王明".into(),
        funding: FundingSource::Fiscal,
        capital: Capital(12_000),
        sponsors: vec!["盐都区教育局".into()],
    }
}

pub fn draft(doc: &str, on: &str, event: RegisterEvent) -> Draft {
    Draft {
        doc: doc.into(),
        effective: d(on),
        recorded_at: at(on),
        actor: "登记经办".into(),
        event,
    }
}

pub fn establish(reg: u32, name: &str, code_n: u32) -> RegisterEvent {
    RegisterEvent::Establish {
        reg: RegId(reg),
        code: credit_code(code_n),
        mode: RegMode::Registered,
        particulars: particulars(name),
        approval_doc: "盐编〔2024〕1号".into(),
        unit: None,
    }
}

/// A register with one legal person (reg 1, 盐都区第一小学) set up on
/// 2024-03-01 with a certificate from the same day.
pub fn one_person() -> Register {
    let mut r = Register::new(REGISTRAR);
    r.append(draft(
        "盐编〔2024〕1号",
        "2024-03-01",
        establish(1, "盐都区第一小学", 1),
    ))
    .unwrap();
    r.append(draft(
        "盐事登〔2024〕1号",
        "2024-03-01",
        RegisterEvent::Certificate {
            reg: RegId(1),
            number: "事证第320903000001号".into(),
            valid_from: d("2024-03-01"),
            valid_to: d("2029-02-28"),
            reason: bianzhi_registration::register::CertReason::Establish,
        },
    ))
    .unwrap();
    r
}

/// National Day 2026 as a test calendar: 1–7 Oct off, Saturday 10 Oct worked (调休).
pub fn national_day_2026() -> Calendar {
    let mut c = Calendar::default();
    for day in 1..=7 {
        c.holidays.insert(d(&format!("2026-10-0{day}")));
    }
    c.workdays.insert(d("2026-10-10"));
    c
}
