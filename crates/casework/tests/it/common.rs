//! Fixtures: a small district built through matters (as the core tests do),
//! cases and actors. The builders (dates, matters, operations, people) are
//! `bianzhi-testkit`'s.

use bianzhi_casework::{Action, Actor, Attachment, Case, Draft, Stage};
use bianzhi_core::catalog::{PostKind, UnitKind};
use bianzhi_core::*;

pub use bianzhi_testkit::*;

pub const HEALTH: &str = "盐都区卫生健康委员会";
pub const TOWN: &str = "盐都区龙冈镇";

/// 盐都区: 教育局 (政府工作部门, 行政编制 10, posts 1 正 2 副, 挂牌 区语言文字
/// 工作委员会办公室), 卫健委 (政府工作部门, 行政编制 8), 实验小学 (事业单位
/// under the bureau, 事业编制 3), 第二小学 (事业编制 6), 龙冈镇 (镇, 行政编制
/// 20), 周转池 事业编制 5; all on 2024-01-02 (盐编〔2024〕1号).
pub fn district() -> Ledger {
    let mut l = Ledger::new("320903", "盐城市盐都区");
    submit(
        &mut l,
        matter(
            "盐编〔2024〕1号",
            "2024-01-02",
            vec![
                create(BUREAU, UnitKind::GovDept, None),
                set_quota(BUREAU, "行政编制", 10),
                set_posts(BUREAU, PostKind::UnitChief, 1),
                set_posts(BUREAU, PostKind::UnitDeputy, 2),
                Op::AddSecondName {
                    unit: unit(BUREAU),
                    name: "盐都区语言文字工作委员会办公室".into(),
                },
                create(HEALTH, UnitKind::GovDept, None),
                set_quota(HEALTH, "行政编制", 8),
                create(SCHOOL, UnitKind::Institution, Some(BUREAU)),
                set_quota(SCHOOL, "事业编制", 3),
                create(SECOND, UnitKind::Institution, Some(BUREAU)),
                set_quota(SECOND, "事业编制", 6),
                create(TOWN, UnitKind::Town, None),
                set_quota(TOWN, "行政编制", 20),
                Op::FundPool {
                    qtype: cat("事业编制"),
                    count: 5,
                },
            ],
        ),
    )
    .expect("district");
    l
}

pub fn draft(effective: &str, ops: Vec<Op>) -> Draft {
    Draft {
        reason: "学位紧张，增加教师编制".into(),
        effective: d(effective),
        ops,
    }
}

/// A case proposed by the bureau's clerk: 核增 实验小学 事业编制 2.
pub fn bureau_case(l: &Ledger) -> Case {
    let school = uid(l, SCHOOL);
    Case::propose(
        "实验小学核增事业编制",
        "新校区启用，学位增加 300 个",
        draft("2024-09-01", vec![increase(SCHOOL, "事业编制", 2)]),
        Some(school),
        SCHOOL,
        "教育局张经办",
        Some(uid(l, BUREAU)),
        false,
        at("2024-06-03"),
    )
    .expect("proposed")
}

pub fn clerk(l: &Ledger) -> Actor {
    Actor::UnitClerk {
        scope: uid(l, BUREAU),
    }
}

pub const OFFICE: Actor = Actor::OfficeClerk;
pub const LEADER: Actor = Actor::OfficeLeader;

pub fn attachment(name: &str) -> Attachment {
    Attachment {
        name: name.into(),
        mime: "application/pdf".into(),
        size: 1024,
        sm3: "ab".repeat(32),
        stage: Stage::Proposal,
        by: String::new(),
        at: at("2024-06-03"),
    }
}

pub fn decide(approved: bool, body: &str) -> Action {
    Action::Decide {
        approved,
        body: body.into(),
        meeting: "2024 年第 3 次编委会议同意".into(),
        doc_no: "盐编〔2024〕21号".into(),
        date: d("2024-06-20"),
    }
}

/// The district with people: 教育局 11 on 行政编制 10 (the 11th registered
/// beyond quota: 超编 1, 超编消化), two of them 副局长; 实验小学 borrows 2
/// 事业编制 from the 周转池 until 2024-09-01 and fills all 5 slots (so the
/// loan falls overdue); 第二小学 1. All on 2024-02-01 (盐编〔2024〕2号).
pub fn staffed() -> Ledger {
    let mut l = district();
    let mut ops: Vec<Op> = (1..=10)
        .map(|i| register(BUREAU, "行政编制", &format!("局员{i}"), i))
        .collect();
    ops.push(register_over(BUREAU, "行政编制", "局员11", 11));
    ops.push(appoint(1, PostKind::UnitDeputy, "副局长"));
    ops.push(appoint(2, PostKind::UnitDeputy, "副局长"));
    ops.push(Op::Lend {
        loan: None,
        account: acct(SCHOOL, "事业编制"),
        count: 2,
        due: Some(d("2024-09-01")),
        on_attrition: false,
    });
    ops.extend((21..=25).map(|i| register(SCHOOL, "事业编制", &format!("教师{i}"), i)));
    ops.push(register(SECOND, "事业编制", "教师31", 31));
    submit(&mut l, matter("盐编〔2024〕2号", "2024-02-01", ops)).expect("staffed");
    l
}

/// [`staffed`] taken over from an old system in which the bureau's 副职 were
/// cut from 2 to 1 on 2024-03-01 while both deputies stayed (the ledger itself
/// never records such a matter, so the snapshot is edited).
pub fn over_posts() -> Ledger {
    let l = staffed();
    let mut st = l.state().clone();
    let key = bianzhi_core::model::PostKey {
        unit: uid(&l, BUREAU),
        body: None,
        kind: PostKind::UnitDeputy,
    };
    st.posts.get_mut(&key).expect("deputy posts").approved = 1;
    st.history
        .posts
        .get_mut(&key)
        .expect("deputy history")
        .push((d("2024-03-01"), (1, 2)));
    Ledger::from_snapshot(st, l.decoded_journal().unwrap()).expect("snapshot")
}
