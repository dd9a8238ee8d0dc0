//! A journal (JSON, as the store keeps matters) and a snapshot (postcard, as
//! the store keeps states) written by the release before the state machine
//! became a module (commit da34744): today's code reads the journal and
//! replays it to the same state as recording it today. The snapshot pins the
//! state's first shape (`STATE_FORMAT` 1); the state has changed shape since,
//! which the store's snapshot tag handles by replaying.
//!
//! The files were written by `write_golden_files` (ignored) run against that
//! release; `golden_ledger` uses only what it already had.

use std::path::PathBuf;

use bianzhi_core::catalog::{ControlMode, LeaveReason, PostKind, QuotaClass, Rank, UnitKind};
use bianzhi_core::model::Tranche;
use bianzhi_core::*;

use crate::common::*;

const HOSP: &str = "盐都区人民医院";
const TOWN: &str = "盐都区大纵湖镇";
const LIB: &str = "盐都区图书馆";

/// Every operation at least once, and the date-driven effects: one matter
/// per date; candidates a rule refuses are left out.
pub fn golden_ledger() -> Ledger {
    let mut l = fixture();
    let setup = vec![
        create(HOSP, UnitKind::Institution, None),
        set_quota(HOSP, "事业编制", 3),
        plan(HOSP, 2024, 3),
        Op::SetStaffCap {
            unit: unit(HOSP),
            count: Some(6),
        },
        Op::RegisterFiled {
            person: None,
            unit: unit(HOSP),
            details: person("护士甲", 30),
        },
        create(TOWN, UnitKind::Town, None),
        set_quota(TOWN, "行政编制", 1),
        register(TOWN, "行政编制", "镇干部", 6),
        Op::FundPool {
            qtype: cat("事业编制"),
            count: 6,
        },
        Op::FundPool {
            qtype: cat("行政编制"),
            count: 3,
        },
        Op::AddBody {
            unit: unit(BUREAU),
            body: None,
            name: "办公室".into(),
        },
        Op::SetPosts {
            unit: unit(BUREAU),
            body: None,
            kind: PostKind::UnitChief,
            count: 1,
        },
        register(BUREAU, "行政编制", "张伟", 5),
        hire(SCHOOL, 0, "王芳", 1),
        hire(SCHOOL, 0, "李强", 2),
        Op::AddSecondName {
            unit: unit(SCHOOL),
            name: "盐都区少年宫".into(),
        },
    ];
    submit(&mut l, matter("盐编〔2024〕2号", "2024-01-10", setup)).unwrap();
    let candidates: Vec<Op> = vec![
        Op::Onboard { person: pref(1) },
        Op::Appoint {
            person: pref(5),
            body: None,
            kind: PostKind::UnitChief,
            title: "局长".into(),
            exempt: false,
        },
        Op::DefineQuotaType {
            code: "ZX".into(),
            name: "专项编制".into(),
            class: QuotaClass::Other,
        },
        Op::CreateUnit(NewUnit {
            id: None,
            name: LIB.into(),
            short_name: None,
            kind: UnitKind::Institution,
            rank: Rank::FullSection,
            category: None,
            funding: Some(cat("全额拨款")),
            credit_code: Some(credit_code(1)),
            parent: Some(unit(BUREAU)),
            functions: "图书借阅".into(),
            sector: None,
        }),
        set_quota(LIB, "事业编制", 2),
        Op::SetRank {
            unit: unit(HOSP),
            rank: Rank::DeputyDivision,
        },
        Op::UpdateUnit {
            unit: unit(HOSP),
            category: Some(catalog::InstitutionCategory::PublicWelfare2),
            funding: Some(cat("全额拨款")),
            credit_code: Some(credit_code(2)),
            functions: Some("医疗".into()),
        },
        Op::AddSecondName {
            unit: unit(HOSP),
            name: "盐都区急救中心".into(),
        },
        Op::RemoveSecondName {
            unit: unit(SCHOOL),
            name: "盐都区少年宫".into(),
        },
        Op::AddBody {
            unit: unit(BUREAU),
            body: None,
            name: "人事科".into(),
        },
        Op::RemoveBody {
            unit: unit(BUREAU),
            body: BodyId(1),
        },
        Op::MoveUnit {
            unit: unit(HOSP),
            parent: Some(unit(BUREAU)),
        },
        Op::SetControlMode {
            unit: unit(LIB),
            mode: ControlMode::WarnOnly,
        },
        set_quota(SCHOOL, "事业编制", 6),
        Op::IncreaseQuota {
            account: ed(SCHOOL),
            count: 1,
        },
        Op::DecreaseQuota {
            account: ed(SCHOOL),
            count: 1,
            allow_over: false,
        },
        Op::TransferQuota {
            from: unit(SCHOOL),
            to: unit(HOSP),
            qtype: cat("事业编制"),
            funding: cat("全额拨款"),
            count: 1,
        },
        Op::LockQuota {
            account: ed(SCHOOL),
            count: 1,
            purpose: "公开招聘".into(),
        },
        Op::UnlockQuota {
            account: ed(SCHOOL),
            count: 1,
        },
        Op::SetPosts {
            unit: unit(BUREAU),
            body: None,
            kind: PostKind::UnitDeputy,
            count: 2,
        },
        plan(SCHOOL, 2024, 2),
        hire(SCHOOL, 0, "赵六", 10),
        register(SCHOOL, "事业编制", "钱七", 11),
        Op::Onboard { person: pref(2) },
        Op::WithdrawHire { person: pref(10) },
        Op::Appoint {
            person: pref(5),
            body: None,
            kind: PostKind::UnitDeputy,
            title: "副局长".into(),
            exempt: false,
        },
        Op::Remove {
            person: pref(5),
            body: None,
            kind: PostKind::UnitDeputy,
        },
        Op::CorrectPerson {
            person: pref(11),
            name: Some("钱七七".into()),
            id_number: None,
            work_start: Some(d("2013-09-01")),
        },
        Op::Lend {
            loan: None,
            account: ed(SCHOOL),
            count: 2,
            due: Some(d("2024-09-01")),
            on_attrition: false,
        },
        Op::ReturnLoan {
            loan: LoanId(0),
            count: Some(1),
        },
        Op::GrantPhased {
            grant: None,
            account: ed(HOSP),
            tranches: vec![
                Tranche {
                    date: d("2024-05-01"),
                    count: 1,
                },
                Tranche {
                    date: d("2024-10-01"),
                    count: 1,
                },
            ],
            from_pool: true,
        },
        Op::GrantDynamic {
            grant: None,
            account: ed(SCHOOL),
            count: 1,
            include_transfer_out: true,
        },
        Op::Reclaim {
            account: ed(LIB),
            count: 1,
            allow_over: false,
        },
        Op::BridgeTransfer {
            bridge: None,
            person: pref(5),
            to: ad(TOWN),
            body: None,
            from_pool: false,
            deadline: d("2025-06-30"),
        },
        Op::Leave {
            person: pref(6),
            reason: LeaveReason::Retire,
        },
        Op::RegisterFiled {
            person: None,
            unit: unit(HOSP),
            details: person("护士乙", 31),
        },
        Op::DirectedEnrol {
            person: pref(30),
            account: ed(HOSP),
            body: None,
        },
        Op::Transfer {
            person: pref(11),
            to: ed(HOSP),
            body: None,
            plan_line: PlanLineId(1),
        },
        Op::Leave {
            person: pref(1),
            reason: LeaveReason::Retire,
        },
        Op::SetStaffCap {
            unit: unit(HOSP),
            count: Some(8),
        },
        Op::ReclaimUnitQuotas { unit: unit(LIB) },
        Op::AbolishUnit {
            unit: unit(LIB),
            remap: None,
        },
        Op::RenameUnit {
            unit: unit(HOSP),
            name: "盐都区第一人民医院".into(),
            short_name: Some("区一院".into()),
        },
        Op::MergeUnit {
            unit: unit(TOWN),
            into: unit(BUREAU),
        },
    ];
    let mut date = d("2024-02-01");
    for (i, op) in candidates.into_iter().enumerate() {
        let doc = format!("盐编〔2024〕{}号", i + 10);
        let m = matter(&doc, &date.to_string(), vec![op]);
        let _ = submit(&mut l, m);
        date += chrono::Duration::days(7);
    }
    l
}

fn dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures")
}

fn journal_json(l: &Ledger) -> Vec<u8> {
    let journal = l.decoded_journal().unwrap();
    let matters: Vec<(Seq, &Matter)> = journal.iter().map(|(s, m)| (*s, m)).collect();
    serde_json::to_vec_pretty(&matters).unwrap()
}

#[test]
#[ignore = "writes the golden files; run against the release they pin"]
fn write_golden_files() {
    let l = golden_ledger();
    std::fs::create_dir_all(dir()).unwrap();
    std::fs::write(dir().join("golden-journal.json"), journal_json(&l)).unwrap();
    std::fs::write(
        dir().join("golden-state.postcard"),
        postcard::to_allocvec(l.state()).unwrap(),
    )
    .unwrap();
}

#[test]
fn a_journal_and_snapshot_written_before_replay_to_the_same_bytes() {
    let journal: Vec<(Seq, Matter)> =
        serde_json::from_slice(&std::fs::read(dir().join("golden-journal.json")).unwrap()).unwrap();
    let snapshot = std::fs::read(dir().join("golden-state.postcard")).unwrap();
    assert!(journal.len() > 40, "{} matters", journal.len());
    // Every operation is in the journal.
    let mut labels: Vec<&str> = journal
        .iter()
        .flat_map(|(_, m)| m.ops.iter().map(|o| o.label()))
        .collect();
    labels.sort_unstable();
    labels.dedup();
    assert_eq!(labels.len(), 41, "{labels:?}");

    let replayed =
        Ledger::from_journal(State::new("320903", "盐城市盐都区"), journal.clone()).unwrap();
    // The snapshot was written for the state's first shape; since then the
    // state holds the 行业领域 of units and 行业编制总量 (STATE_FORMAT 2). The
    // store tags snapshots with their shape and replays the journal for one of
    // another shape; read raw, that snapshot is not today's state.
    assert_eq!(bianzhi_core::state::STATE_FORMAT, 2);
    assert_ne!(
        postcard::from_bytes::<State>(&snapshot).ok().as_ref(),
        Some(replayed.state())
    );
    let stored: State =
        postcard::from_bytes(&postcard::to_allocvec(replayed.state()).unwrap()).unwrap();
    assert_eq!(replayed.state(), &stored);
    // The journal, written again, is the same bytes.
    assert_eq!(
        journal_json(&replayed),
        std::fs::read(dir().join("golden-journal.json")).unwrap()
    );
    // And today's recording gives the same journal and state.
    let today = golden_ledger();
    assert_eq!(journal_json(&today), journal_json(&replayed));
    assert_eq!(today.state(), &stored);
    stored.check_invariants().unwrap();
}
