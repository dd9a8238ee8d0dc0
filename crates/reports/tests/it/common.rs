//! A small fixture ledger: 盐都区教育局 with two schools, people registered,
//! one retiring, one transferring, quota changes and an 超编.

use bianzhi_core::catalog::{LeaveReason, PlanChannel, Rank, StaffIdentity, UnitKind};
use bianzhi_core::ident::{make_id_number, parse_doc_no, IdNumber, Sex};
use bianzhi_core::model::PersonDetails;
use bianzhi_core::*;
use chrono::{NaiveDate, TimeZone, Utc};

pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

pub fn matter(doc: &str, effective: &str, ops: Vec<Op>) -> Matter {
    Matter {
        doc: parse_doc_no(doc).unwrap(),
        effective: d(effective),
        recorded_at: Utc.from_utc_datetime(&d(effective).and_hms_opt(9, 0, 0).unwrap()),
        actor: "测试经办".into(),
        reason: "测试".into(),
        ops,
        warnings: Vec::new(),
        attachments: Vec::new(),
    }
}

pub fn acct(u: &str, qtype: &str) -> AccountRef {
    AccountRef {
        unit: UnitRef::Name(u.into()),
        qtype: CatRef::Name(qtype.into()),
        funding: CatRef::Name("全额拨款".into()),
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
        parent: parent.map(|p| UnitRef::Name(p.into())),
        functions: String::new(),
    })
}

pub fn set_quota(u: &str, qtype: &str, count: i32, allow_over: bool) -> Op {
    Op::SetQuota {
        account: acct(u, qtype),
        count,
        allow_over,
    }
}

pub fn plan(u: &str) -> Op {
    Op::ApprovePlanLine {
        line: None,
        unit: UnitRef::Name(u.into()),
        year: 2024,
        channel: PlanChannel::OpenRecruitment,
        qtype: CatRef::Name("事业编制".into()),
        count: 5,
    }
}

pub fn register(u: &str, qtype: &str, name: &str, n: u16) -> Op {
    Op::RegisterExisting {
        person: None,
        account: acct(u, qtype),
        body: None,
        enrolled_on: d("2015-09-01"),
        details: person(name, n),
        allow_over: false,
    }
}

pub fn pref(n: u16) -> PersonRef {
    PersonRef::IdNumber(idn(n).as_str().into())
}

pub const BUREAU: &str = "盐都区教育局";
pub const SCHOOL: &str = "盐都区实验小学";
pub const SECOND: &str = "盐都区第二小学";

pub fn submit(l: &mut Ledger, m: Matter) {
    let at = m.recorded_at;
    l.submit(m, at).expect("matter");
}

/// 1号 2024-01-02: units, 行政编制 10 / 事业编制 3 / 事业编制 2, plan lines 0 and 1.
/// 2号 2024-02-01: 张三(1), 李四(2) registered in 实验小学, 王五(3) in 教育局.
/// 3号 2024-06-01: 李四 retires; 实验小学 核定 3 → 5.
/// 4号 2024-07-01: 张三 transfers to 第二小学.
/// 5号 2024-09-01: 第二小学 核定 2 → 0 (超编 1, 消化).
pub fn fixture() -> Ledger {
    let mut l = Ledger::new("320903", "盐城市盐都区");
    submit(
        &mut l,
        matter(
            "盐编〔2024〕1号",
            "2024-01-02",
            vec![
                create(BUREAU, UnitKind::GovDept, None),
                set_quota(BUREAU, "行政编制", 10, false),
                create(SCHOOL, UnitKind::Institution, Some(BUREAU)),
                set_quota(SCHOOL, "事业编制", 3, false),
                create(SECOND, UnitKind::Institution, Some(BUREAU)),
                set_quota(SECOND, "事业编制", 2, false),
                plan(SCHOOL),
                plan(SECOND),
            ],
        ),
    );
    submit(
        &mut l,
        matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![
                register(SCHOOL, "事业编制", "张三", 1),
                register(SCHOOL, "事业编制", "李四", 2),
                register(BUREAU, "行政编制", "王五", 3),
            ],
        ),
    );
    submit(
        &mut l,
        matter(
            "盐编〔2024〕3号",
            "2024-06-01",
            vec![
                Op::Leave {
                    person: pref(2),
                    reason: LeaveReason::Retire,
                },
                set_quota(SCHOOL, "事业编制", 5, false),
            ],
        ),
    );
    submit(
        &mut l,
        matter(
            "盐编〔2024〕4号",
            "2024-07-01",
            vec![Op::Transfer {
                person: pref(1),
                to: acct(SECOND, "事业编制"),
                body: None,
                plan_line: PlanLineId(1),
            }],
        ),
    );
    submit(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-09-01",
            vec![set_quota(SECOND, "事业编制", 0, true)],
        ),
    );
    l
}

pub fn uid(l: &Ledger, name: &str) -> UnitId {
    *l.state().unit_by_name.get(name).expect("unit")
}
