//! Test builders shared by the integration tests of `bianzhi-core`,
//! `bianzhi-casework` and `bianzhi-reports` (a dev-dependency only; never a
//! dependency of a library or binary).
//!
//! Everything builds the values a test of the 盐都区 (320903) ledger needs by
//! name: dates, matters, operations, 身份证号 and people. The defaults are
//! those of the core tests (whose golden journal fixes them byte for byte):
//! matters recorded at 09:00 UTC on their effective date by 测试经办, people
//! born 1990-01-01, male, 事业人员, at work since 2012-08-01, 存量人员 enrolled
//! on 2015-01-01, accounts 全额拨款. Where a test needs something else there is
//! an explicit variant ([`acct_funded`], [`idn_born`], [`set_quota_over`],
//! [`register_over`]).
//!
//! Each crate's `tests/it/common.rs` re-exports this crate (`pub use
//! bianzhi_testkit::*;`) next to its own fixture ledgers.

use bianzhi_core::catalog::{PlanChannel, PostKind, Rank, StaffIdentity, UnitKind};
use bianzhi_core::ident::{make_credit_code, make_id_number, parse_doc_no, IdNumber, Sex};
use bianzhi_core::model::PersonDetails;
use bianzhi_core::{
    AccountRef, CatRef, Ledger, Matter, MatterError, NewUnit, Op, PersonRef, PlanLineId, Seq,
    UnitId, UnitRef,
};
use chrono::{DateTime, NaiveDate, TimeZone, Utc};

/// 盐都区教育局, a 政府工作部门 in every fixture.
pub const BUREAU: &str = "盐都区教育局";
/// 盐都区实验小学, a 事业单位 under [`BUREAU`].
pub const SCHOOL: &str = "盐都区实验小学";
/// 盐都区第二小学, a second 事业单位 under [`BUREAU`].
pub const SECOND: &str = "盐都区第二小学";

/// The date written `YYYY-MM-DD`.
///
/// # Panics
/// If `s` is not such a date.
pub fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

/// 09:00 UTC (17:00 in Beijing, the same day) on the date `s`.
pub fn at(s: &str) -> DateTime<Utc> {
    Utc.from_utc_datetime(&d(s).and_hms_opt(9, 0, 0).unwrap())
}

/// A matter under 文号 `doc`, effective on `effective` and recorded then
/// ([`at`]) by 测试经办, with reason 测试 and no warnings or attachments.
///
/// # Panics
/// If `doc` is not a valid 文号.
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
        corrects: None,
        supplements: None,
    }
}

/// Records `m` at its own `recorded_at`; the sequence number it got.
pub fn submit(l: &mut Ledger, m: Matter) -> Result<Seq, MatterError> {
    let at = m.recorded_at;
    l.submit(m, at).map(|(s, _)| s)
}

/// The id of the unit named `name` today.
///
/// # Panics
/// If there is no such unit.
pub fn uid(l: &Ledger, name: &str) -> UnitId {
    *l.state().unit_by_name.get(name).expect("unit")
}

/// A unit by name.
pub fn unit(name: &str) -> UnitRef {
    UnitRef::Name(name.into())
}

/// A catalogue entry (编制类型, 经费形式) by name.
pub fn cat(name: &str) -> CatRef {
    CatRef::Name(name.into())
}

/// The unit's account of `qtype` (编制类型), 全额拨款.
pub fn acct(unit_name: &str, qtype: &str) -> AccountRef {
    acct_funded(unit_name, qtype, "全额拨款")
}

/// The unit's account of `qtype` (编制类型) and `funding` (经费形式).
pub fn acct_funded(unit_name: &str, qtype: &str, funding: &str) -> AccountRef {
    AccountRef {
        unit: unit(unit_name),
        qtype: cat(qtype),
        funding: cat(funding),
    }
}

/// The 事业编制 account of `u` ([`acct`]).
pub fn ed(u: &str) -> AccountRef {
    acct(u, "事业编制")
}

/// The 行政编制 account of `u` ([`acct`]).
pub fn ad(u: &str) -> AccountRef {
    acct(u, "行政编制")
}

/// The `n`-th valid 身份证号 of a man of 盐都区 born 1990-01-01 (distinct for
/// each `n` in 0..=499).
pub fn idn(n: u16) -> IdNumber {
    idn_born("1990-01-01", n, Sex::Male)
}

/// The `n`-th valid 身份证号 of 盐都区 for someone born on `birth` of `sex`.
pub fn idn_born(birth: &str, n: u16, sex: Sex) -> IdNumber {
    make_id_number("320903", d(birth), n, sex)
}

/// A person by 身份证号 ([`idn`]).
pub fn pref(n: u16) -> PersonRef {
    PersonRef::IdNumber(idn(n).as_str().into())
}

/// The details of person `n` ([`idn`]) named `name`: 汉族, 群众, 大学本科,
/// at work since 2012-08-01, 事业人员.
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

/// A valid 统一社会信用代码 of 盐都区 registered by 机构编制 for a 事业单位
/// (`12320903…`), distinct for each `n` below 10⁸.
pub fn credit_code(n: u32) -> String {
    make_credit_code('1', '2', "320903", &format!("{n:08}"))
        .as_str()
        .to_string()
}

/// 设立: a 正科级 unit of `kind`, under `parent` if any, with no other detail.
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
        sector: None,
    })
}

/// 核定编制: sets the unit's `qtype` account ([`acct`]) to `count`; refused if
/// it would leave the account 超编.
pub fn set_quota(u: &str, qtype: &str, count: i32) -> Op {
    Op::SetQuota {
        account: acct(u, qtype),
        count,
        allow_over: false,
    }
}

/// [`set_quota`] that may leave the account 超编 (超编消化).
pub fn set_quota_over(u: &str, qtype: &str, count: i32) -> Op {
    Op::SetQuota {
        account: acct(u, qtype),
        count,
        allow_over: true,
    }
}

/// 核增编制: `count` more in the unit's `qtype` account ([`acct`]).
pub fn increase(u: &str, qtype: &str, count: i32) -> Op {
    Op::IncreaseQuota {
        account: acct(u, qtype),
        count,
    }
}

/// 用编计划: a 公开招聘 line of `count` 事业编制 for the unit in `year`.
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

/// 入编 on plan line `line`: person `n` ([`person`]) named `name` into the
/// unit's 事业编制 ([`acct`]).
pub fn hire(u: &str, line: u32, name: &str, n: u16) -> Op {
    Op::Hire {
        person: None,
        account: acct(u, "事业编制"),
        body: None,
        plan_line: PlanLineId(line),
        details: person(name, n),
    }
}

/// 存量人员登记: person `n` ([`person`]) named `name`, enrolled on 2015-01-01 in
/// the unit's `qtype` account ([`acct`]); refused beyond 核定.
pub fn register(u: &str, qtype: &str, name: &str, n: u16) -> Op {
    registered(u, qtype, name, n, false)
}

/// [`register`] beyond 核定 (the account goes 超编, 超编消化).
pub fn register_over(u: &str, qtype: &str, name: &str, n: u16) -> Op {
    registered(u, qtype, name, n, true)
}

fn registered(u: &str, qtype: &str, name: &str, n: u16, allow_over: bool) -> Op {
    Op::RegisterExisting {
        person: None,
        account: acct(u, qtype),
        body: None,
        enrolled_on: d("2015-01-01"),
        details: person(name, n),
        allow_over,
    }
}

/// 核定领导职数: `count` posts of `kind` in the unit itself (no 内设机构).
pub fn set_posts(u: &str, kind: PostKind, count: i32) -> Op {
    Op::SetPosts {
        unit: unit(u),
        body: None,
        kind,
        count,
    }
}

/// 任职: person `n` ([`pref`]) to a post of `kind` titled `title` in their
/// unit itself, counted against 领导职数.
pub fn appoint(n: u16, kind: PostKind, title: &str) -> Op {
    Op::Appoint {
        person: pref(n),
        body: None,
        kind,
        title: title.into(),
        exempt: false,
    }
}
