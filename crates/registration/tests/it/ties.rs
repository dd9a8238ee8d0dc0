//! The tie to the 机构编制 ledger, on a real ledger built through matters.

use bianzhi_core::catalog::UnitKind;
use bianzhi_core::matter::{CatRef, Op};
use bianzhi_core::Ledger;
use bianzhi_registration::application::Proposal;
use bianzhi_registration::register::RegisterEvent;
use bianzhi_registration::ties::{
    check_change, check_establish, deregistration_obligations, LedgerFacts,
};
use bianzhi_registration::{Change, FundingSource, Policy, RegId, RegMode, Register};
use bianzhi_testkit::{create, credit_code, d, matter, submit, uid, unit, BUREAU, SCHOOL, SECOND};

use crate::common::*;

/// 教育局 (2020), 实验小学 under it on 盐编〔2024〕1号 with 全额拨款, 第二小学 on
/// 盐编〔2024〕2号 with 自收自支.
fn ledger() -> Ledger {
    let mut l = Ledger::new("320903", "盐都区");
    submit(
        &mut l,
        matter(
            "盐编〔2020〕1号",
            "2020-01-01",
            vec![create(BUREAU, UnitKind::GovDept, None)],
        ),
    )
    .unwrap();
    let mut school = create(SCHOOL, UnitKind::Institution, Some(BUREAU));
    if let Op::CreateUnit(n) = &mut school {
        n.funding = Some(CatRef::Name("全额拨款".into()));
    }
    submit(
        &mut l,
        matter("盐编〔2024〕1号", "2024-03-01", vec![school]),
    )
    .unwrap();
    let mut second = create(SECOND, UnitKind::Institution, Some(BUREAU));
    if let Op::CreateUnit(n) = &mut second {
        n.funding = Some(CatRef::Name("自收自支".into()));
    }
    submit(
        &mut l,
        matter("盐编〔2024〕2号", "2024-03-01", vec![second]),
    )
    .unwrap();
    l
}

fn proposal(name: &str, doc: &str) -> Proposal {
    Proposal::Establish {
        code: credit_code(1),
        mode: RegMode::Registered,
        particulars: particulars(name),
        approval_doc: doc.into(),
        outside_establishment: false,
    }
}

#[test]
fn an_establishment_cites_the_ledgers_matter_and_its_name() {
    let l = ledger();
    let facts = LedgerFacts::from_ledger(&l).unwrap();
    let (unit, warnings) = check_establish(
        &facts,
        l.state(),
        &proposal(SCHOOL, "盐编〔2024〕1号"),
        d("2024-03-10"),
    )
    .unwrap();
    assert_eq!(unit, Some(uid(&l, SCHOOL)));
    assert!(warnings.is_empty(), "{warnings:?}");
    // The 文号 may be typed with other brackets.
    assert!(check_establish(
        &facts,
        l.state(),
        &proposal(SCHOOL, "盐编[2024]1号"),
        d("2024-03-10")
    )
    .is_ok());
}

#[test]
fn an_establishment_without_a_ledger_matter_is_refused_naming_the_rule() {
    let l = ledger();
    let facts = LedgerFacts::from_ledger(&l).unwrap();
    let e = check_establish(
        &facts,
        l.state(),
        &proposal(SCHOOL, "盐编〔2024〕9号"),
        d("2024-03-10"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "no_establish_matter");
    assert!(e
        .to_string()
        .contains("设立登记须引用机构编制台账中的设立事项"));
    // A unit outside 编制 needs none, with a warning kept.
    let outside = Proposal::Establish {
        code: credit_code(1),
        mode: RegMode::Registered,
        particulars: particulars("盐都区国资服务中心"),
        approval_doc: "盐国资〔2024〕3号".into(),
        outside_establishment: true,
    };
    let (unit, warnings) = check_establish(&facts, l.state(), &outside, d("2024-03-10")).unwrap();
    assert_eq!(unit, None);
    assert_eq!(warnings.len(), 1);
}

#[test]
fn a_government_department_is_not_registered_as_an_institution() {
    let l = ledger();
    let facts = LedgerFacts::from_ledger(&l).unwrap();
    let e = check_establish(
        &facts,
        l.state(),
        &proposal(BUREAU, "盐编〔2020〕1号"),
        d("2024-03-10"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "not_institution");
}

#[test]
fn the_registered_name_must_be_the_approved_name() {
    let l = ledger();
    let facts = LedgerFacts::from_ledger(&l).unwrap();
    let e = check_establish(
        &facts,
        l.state(),
        &proposal("盐都区实验学校", "盐编〔2024〕1号"),
        d("2024-03-10"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "name_mismatch");
    assert!(e.to_string().contains(SCHOOL));
}

#[test]
fn funding_and_sponsor_that_disagree_with_the_ledger_are_warnings() {
    let l = ledger();
    let facts = LedgerFacts::from_ledger(&l).unwrap();
    // 第二小学 is 自收自支 in the ledger: 财政补助 disagrees.
    let mut p = particulars(SECOND);
    p.funding = FundingSource::Fiscal;
    p.sponsors = vec!["盐都区人民政府".into()];
    let prop = Proposal::Establish {
        code: credit_code(2),
        mode: RegMode::Registered,
        particulars: p,
        approval_doc: "盐编〔2024〕2号".into(),
        outside_establishment: false,
    };
    let (_, w) = check_establish(&facts, l.state(), &prop, d("2024-03-10")).unwrap();
    let rules: Vec<_> = w.iter().map(|w| w.rule.as_str()).collect();
    assert_eq!(
        rules,
        vec!["经费来源与经费形式一致", "举办单位与主管部门一致"]
    );
}

fn registered(l: &Ledger) -> Register {
    let mut r = Register::new(REGISTRAR);
    r.append(draft(
        "盐编〔2024〕1号",
        "2024-03-10",
        RegisterEvent::Establish {
            reg: RegId(1),
            code: credit_code(1),
            mode: RegMode::Registered,
            particulars: particulars(SCHOOL),
            approval_doc: "盐编〔2024〕1号".into(),
            unit: Some(uid(l, SCHOOL)),
        },
    ))
    .unwrap();
    r
}

#[test]
fn a_new_name_follows_a_rename_matter() {
    let mut l = ledger();
    let r = registered(&l);
    let person = r.person(RegId(1), d("2025-01-01")).unwrap();
    let rename = vec![Change::Name {
        name: "盐都区实验学校".into(),
    }];
    let facts = LedgerFacts::from_ledger(&l).unwrap();
    let e = check_change(&facts, l.state(), &person, &rename, d("2025-01-01")).unwrap_err();
    assert_eq!(e.code(), "no_rename_matter");
    submit(
        &mut l,
        matter(
            "盐编〔2024〕30号",
            "2024-12-01",
            vec![Op::RenameUnit {
                unit: unit(SCHOOL),
                name: "盐都区实验学校".into(),
                short_name: None,
            }],
        ),
    )
    .unwrap();
    let facts = LedgerFacts::from_ledger(&l).unwrap();
    assert!(check_change(&facts, l.state(), &person, &rename, d("2025-01-01")).is_ok());
    // Not before the rename took effect.
    assert!(check_change(&facts, l.state(), &person, &rename, d("2024-11-30")).is_err());
}

#[test]
fn an_abolition_in_the_ledger_opens_a_deregistration_until_it_is_done() {
    let mut l = ledger();
    let mut r = registered(&l);
    let school = uid(&l, SCHOOL);
    submit(
        &mut l,
        matter(
            "盐编〔2025〕8号",
            "2025-03-01",
            vec![Op::AbolishUnit {
                unit: unit(SCHOOL),
                remap: None,
            }],
        ),
    )
    .unwrap();
    let facts = LedgerFacts::from_ledger(&l).unwrap();
    assert_eq!(
        facts.abolished_by("盐编〔2025〕8号"),
        vec![(school, d("2025-03-01"))]
    );
    let policy = Policy::default();
    assert!(deregistration_obligations(
        &facts,
        &r.as_of(d("2025-02-28")),
        &policy,
        d("2025-02-28")
    )
    .is_empty());
    let ob =
        deregistration_obligations(&facts, &r.as_of(d("2025-03-02")), &policy, d("2025-03-02"));
    assert_eq!(ob.len(), 1);
    assert_eq!(ob[0].doc, "盐编〔2025〕8号");
    assert_eq!(ob[0].due, d("2026-03-01"));
    // A 变更 of an abolished unit is refused: only 注销 is left.
    let person = r.person(RegId(1), d("2025-03-02")).unwrap();
    let e = check_change(
        &facts,
        l.state(),
        &person,
        &[Change::Domicile {
            domicile: "x".into(),
        }],
        d("2025-03-02"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "unit_abolished");
    r.append(draft(
        "盐事登〔2025〕2号",
        "2025-04-01",
        RegisterEvent::Deregister {
            reg: RegId(1),
            reason: "机构撤销".into(),
        },
    ))
    .unwrap();
    assert!(deregistration_obligations(
        &facts,
        &r.as_of(d("2025-04-01")),
        &policy,
        d("2025-04-01")
    )
    .is_empty());
}

#[test]
fn a_voided_matter_is_not_a_basis() {
    let mut l = ledger();
    let seq = l.matters_with_doc(&bianzhi_core::ident::parse_doc_no("盐编〔2024〕1号").unwrap())[0];
    let mut void = matter("盐编〔2024〕40号", "2024-03-20", vec![]);
    void.corrects = Some(bianzhi_core::matter::Correction {
        of: seq,
        kind: bianzhi_core::matter::CorrectionKind::Revoke,
        root: 0,
    });
    submit(&mut l, void).unwrap();
    let facts = LedgerFacts::from_ledger(&l).unwrap();
    let e = check_establish(
        &facts,
        l.state(),
        &proposal(SCHOOL, "盐编〔2024〕1号"),
        d("2024-03-25"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "no_establish_matter");
}

#[test]
fn a_document_that_set_up_several_units_ties_each_by_its_name() {
    let mut l = Ledger::new("320903", "盐都区");
    submit(
        &mut l,
        matter(
            "盐编〔2020〕1号",
            "2020-01-01",
            vec![create(BUREAU, UnitKind::GovDept, None)],
        ),
    )
    .unwrap();
    submit(
        &mut l,
        matter(
            "盐编〔2024〕5号",
            "2024-03-01",
            vec![
                create(SCHOOL, UnitKind::Institution, Some(BUREAU)),
                create(SECOND, UnitKind::Institution, Some(BUREAU)),
            ],
        ),
    )
    .unwrap();
    let facts = LedgerFacts::from_ledger(&l).unwrap();
    let (unit, _) = check_establish(
        &facts,
        l.state(),
        &proposal(SECOND, "盐编〔2024〕5号"),
        d("2024-03-10"),
    )
    .unwrap();
    assert_eq!(unit, Some(uid(&l, SECOND)));
    let e = check_establish(
        &facts,
        l.state(),
        &proposal("盐都区第九小学", "盐编〔2024〕5号"),
        d("2024-03-10"),
    )
    .unwrap_err();
    assert_eq!(e.code(), "name_mismatch");
}
