//! Fixtures shared by the core tests: a small district with a bureau and a school.

use bianzhi_core::catalog::{PlanChannel, Rank, StaffIdentity, UnitKind};
use bianzhi_core::ident::{make_id_number, parse_doc_no, IdNumber, Sex};
use bianzhi_core::model::PersonDetails;
use bianzhi_core::*;
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn at(s: &str) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d(s).and_hms_opt(9, 0, 0).unwrap())
}

pub fn matter(doc: &str, effective: &str, ops: Vec<Op>) -> Matter {
    Matter {
        doc: parse_doc_no(doc).unwrap(),
        effective: d(effective),
        recorded_at: at(effective),
        actor: "测试经办".into(),
        reason: "测试".into(),
        ops,
        warnings: Vec::new(),
        attachments: Vec::new(),
    }
}

pub fn unit(name: &str) -> UnitRef {
    UnitRef::Name(name.into())
}

pub fn cat(name: &str) -> CatRef {
    CatRef::Name(name.into())
}

pub fn acct(unit_name: &str, qtype: &str, funding: &str) -> AccountRef {
    AccountRef {
        unit: unit(unit_name),
        qtype: cat(qtype),
        funding: cat(funding),
    }
}

pub fn idn(n: u16) -> IdNumber {
    make_id_number("320903", d("1990-01-01"), n, Sex::Male)
}

pub fn person(name: &str, n: u16) -> PersonDetails {
    PersonDetails {
        name: name.into(),
        id_number: idn(n),
        ethnicity: "汉族".into(),
        political: "群众".into(),
        education: "大学本科".into(),
        work_start: Some(d("2012-08-01")),
        identity: StaffIdentity::InstitutionStaff,
        post_grade: Default::default(),
        position: Default::default(),
    }
}

pub fn pref(n: u16) -> PersonRef {
    PersonRef::IdNumber(idn(n).as_str().into())
}

pub fn create(name: &str, kind: UnitKind, parent: Option<&str>) -> Op {
    Op::CreateUnit(NewUnit {
        id: None,
        name: name.into(),
        short_name: None,
        kind,
        rank: Rank::FullSection,
        category: None,
        funding: None,
        credit_code: None,
        parent: parent.map(unit),
        functions: String::new(),
    })
}

pub fn set_quota(u: &str, qtype: &str, count: i32) -> Op {
    Op::SetQuota {
        account: acct(u, qtype, "全额拨款"),
        count,
        allow_over: false,
    }
}

pub fn plan(u: &str, year: i32, count: i32) -> Op {
    Op::ApprovePlanLine {
        line: None,
        unit: unit(u),
        year,
        channel: PlanChannel::OpenRecruitment,
        qtype: cat("事业编制"),
        count,
    }
}

pub fn hire(u: &str, line: u32, name: &str, n: u16) -> Op {
    Op::Hire {
        person: None,
        account: acct(u, "事业编制", "全额拨款"),
        body: None,
        plan_line: PlanLineId(line),
        details: person(name, n),
    }
}

pub const BUREAU: &str = "盐都区教育局";
pub const SCHOOL: &str = "盐都区实验小学";

/// A ledger with 盐都区教育局 (行政编制 10) and 盐都区实验小学 (事业编制 3, one
/// 2024 公开招聘 plan line of 5, numbered 0).
pub fn fixture() -> Ledger {
    let mut l = Ledger::new("320903", "盐城市盐都区");
    let m = matter(
        "盐编〔2024〕1号",
        "2024-01-02",
        vec![
            create(BUREAU, UnitKind::GovDept, None),
            set_quota(BUREAU, "行政编制", 10),
            create(SCHOOL, UnitKind::Institution, Some(BUREAU)),
            set_quota(SCHOOL, "事业编制", 3),
            plan(SCHOOL, 2024, 5),
        ],
    );
    submit(&mut l, m).expect("fixture");
    l
}

pub fn submit(l: &mut Ledger, m: Matter) -> Result<Seq, MatterError> {
    let at = m.recorded_at;
    l.submit(m, at).map(|(s, _)| s)
}

pub fn uid(l: &Ledger, name: &str) -> UnitId {
    *l.state().unit_by_name.get(name).expect("unit")
}

/// 编制情况表 row of the unit's account of `qtype` as of `date`.
pub fn row(l: &Ledger, name: &str, qtype: &str, date: &str) -> query::QuotaRow {
    query::quota_table(l.state(), uid(l, name), d(date))
        .into_iter()
        .find(|r| r.qtype == qtype)
        .expect("row")
}
