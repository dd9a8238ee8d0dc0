//! The catalogue journal: types and codes, as-of, refusals, corrections,
//! the hash chain.

use bianzhi_casework::calendar::Calendar;
use bianzhi_grassroots::{
    Catalogue, CatalogueError, Change, CodeSource, Level, PowerType, TimeLimit,
};
use chrono::NaiveDate;

use crate::common::*;

#[test]
fn power_type_codes_are_mapped_by_name_per_source() {
    use CodeSource::*;
    assert_eq!(
        PowerType::from_source(GovService, "02"),
        Ok(PowerType::Penalty)
    );
    assert_eq!(
        PowerType::from_source(GovService, "03"),
        Ok(PowerType::Coercion)
    );
    assert_eq!(
        PowerType::from_source(GovService, "20"),
        Ok(PowerType::PublicService)
    );
    assert_eq!(
        PowerType::from_source(GovService, "6"),
        Ok(PowerType::Inspection)
    );
    // Same numbers, other meanings in 浙江's qlKind.
    assert_eq!(
        PowerType::from_source(ZhejiangQlKind, "02"),
        Ok(PowerType::Coercion)
    );
    assert_eq!(
        PowerType::from_source(ZhejiangQlKind, "03"),
        Ok(PowerType::Penalty)
    );
    assert_eq!(
        PowerType::from_source(ZhejiangQlKind, "06"),
        Ok(PowerType::Adjudication)
    );
    assert_eq!(
        PowerType::from_source(ZhejiangQlKind, "11"),
        Ok(PowerType::Inspection)
    );
    assert_eq!(
        PowerType::from_source(ZhejiangQlKind, "17"),
        Ok(PowerType::Other)
    );
    // A name always works, full or short.
    for src in [GovService, ZhejiangQlKind] {
        assert_eq!(
            PowerType::from_source(src, "行政处罚"),
            Ok(PowerType::Penalty)
        );
        assert_eq!(
            PowerType::from_source(src, " 许可 "),
            Ok(PowerType::Licensing)
        );
        assert_eq!(
            PowerType::from_source(src, "公共服务"),
            Ok(PowerType::PublicService)
        );
    }
    let err = PowerType::from_source(GovService, "11").unwrap_err();
    assert_eq!(err.to_string(), "政务服务事项编码表中没有职权类型“11”");
    assert!(PowerType::from_source(ZhejiangQlKind, "行政魔法").is_err());
    for t in PowerType::ALL {
        assert_eq!(PowerType::from_name(t.label()), Some(t));
    }
}

#[test]
fn levels_are_one_to_six() {
    for code in 1..=6 {
        assert_eq!(Level::from_code(code).unwrap().code(), code);
    }
    assert_eq!(Level::from_code(5).unwrap().label(), "镇（乡、街道）级");
    assert!(matches!(
        Level::from_code(7),
        Err(CatalogueError::BadLevel { code: 7 })
    ));
    assert!(Level::from_code(0).is_err());
}

#[test]
fn time_limits_count_working_days_with_holidays_and_adjusted_workdays() {
    let cal = Calendar::parse("2026-10-01~2026-10-07 休\n2026-10-10 班\n").unwrap();
    let start = d(2026, 9, 30).and_hms_opt(10, 0, 0).unwrap();
    // 9-30 Wed; holidays 10-01..07; 10-08 Thu is the 1st, 10-09 Fri the 2nd,
    // 10-10 Sat (调休) the 3rd.
    assert_eq!(
        TimeLimit::working_days(3).due(start, &cal),
        d(2026, 10, 10).and_hms_opt(23, 59, 59).unwrap()
    );
    assert_eq!(
        TimeLimit::minutes(30).due(start, &cal),
        d(2026, 9, 30).and_hms_opt(10, 30, 0).unwrap()
    );
    assert_eq!(TimeLimit::working_days(10).label(), "10个工作日");
}

#[test]
fn as_of_follows_effective_dates() {
    let mut c = catalogue();
    assert!(c.as_of(d(2020, 12, 31)).is_empty());
    assert_eq!(c.as_of(d(2021, 1, 1)).len(), 7);
    let mut moved = c.item_at(FOOD_PENALTY, d(2021, 1, 1)).unwrap().clone();
    moved.holder = ENFORCEMENT;
    moved.code = "QL-NEW-1".to_owned();
    c.record(
        "盐都编〔2022〕5号",
        d(2022, 3, 1),
        Change::Amend { item: moved },
    )
    .unwrap();
    c.record(
        "盐都编〔2023〕1号",
        d(2023, 1, 1),
        Change::Cancel {
            item: ECO_PENALTY,
            reason: "法律修改".to_owned(),
        },
    )
    .unwrap();
    assert_eq!(
        c.item_at(FOOD_PENALTY, d(2022, 2, 28)).unwrap().holder,
        MARKET
    );
    let after = c.item_at(FOOD_PENALTY, d(2022, 3, 1)).unwrap();
    assert_eq!(after.holder, ENFORCEMENT);
    assert_eq!(after.code, "QL-NEW-1");
    assert_eq!(
        after.id, FOOD_PENALTY,
        "the id is kept across a code change"
    );
    assert_eq!(
        c.version_at(FOOD_PENALTY, d(2022, 3, 1))
            .unwrap()
            .doc
            .to_string(),
        "盐都编〔2022〕5号"
    );
    assert!(c.as_of(d(2022, 12, 31)).contains_key(&ECO_PENALTY));
    assert!(!c.as_of(d(2023, 1, 1)).contains_key(&ECO_PENALTY));
    assert_eq!(c.as_of(d(2023, 1, 1)).len(), 6);
    // Cancelled items are kept in the journal and their timeline.
    assert_eq!(c.timeline(ECO_PENALTY).len(), 2);
}

#[test]
fn a_backdated_entry_applies_from_its_date() {
    let mut c = catalogue();
    let mut a = c.item_at(BUILD_PENALTY, d(2021, 1, 1)).unwrap().clone();
    a.name = "对违法建设行为的处罚".to_owned();
    c.record(
        "盐都编〔2022〕9号",
        d(2022, 6, 1),
        Change::Amend { item: a.clone() },
    )
    .unwrap();
    // Recorded later, effective earlier.
    a.name = "对未批先建的处罚".to_owned();
    c.record(
        "盐都编〔2022〕2号",
        d(2022, 1, 1),
        Change::Amend { item: a },
    )
    .unwrap();
    let name = |date| c.item_at(BUILD_PENALTY, date).unwrap().name.clone();
    assert_eq!(name(d(2021, 12, 31)), "对违法建设的处罚");
    assert_eq!(name(d(2022, 1, 1)), "对未批先建的处罚");
    assert_eq!(name(d(2022, 6, 1)), "对违法建设行为的处罚");
}

fn assert_refused(c: &mut Catalogue, doc: &str, date: NaiveDate, change: Change) -> CatalogueError {
    let before_entries = c.entries().to_vec();
    let before = (c.as_of(d(2021, 6, 1)), c.as_of(d(2030, 1, 1)));
    let err = c.record(doc, date, change).unwrap_err();
    assert_eq!(
        c.entries(),
        &before_entries[..],
        "a refused entry is not recorded"
    );
    assert_eq!((c.as_of(d(2021, 6, 1)), c.as_of(d(2030, 1, 1))), before);
    c.verify().unwrap();
    err
}

#[test]
fn refusals_change_nothing_and_say_why_in_chinese() {
    let mut c = catalogue();
    let it = c.item_at(FOOD_PENALTY, d(2021, 1, 1)).unwrap().clone();
    // A bad 文号.
    let e = assert_refused(
        &mut c,
        "盐都编2021号",
        d(2022, 1, 1),
        Change::Amend { item: it.clone() },
    );
    assert!(matches!(e, CatalogueError::Doc(_)), "{e}");
    // The id is used.
    let e = assert_refused(
        &mut c,
        DOC_LIST,
        d(2022, 1, 1),
        Change::Add { item: it.clone() },
    );
    assert_eq!(e.to_string(), "事项标识 #1 已被使用，不能重复新增");
    // Unknown item.
    let mut ghost = it.clone();
    ghost.id = bianzhi_grassroots::ItemId(99);
    let e = assert_refused(
        &mut c,
        DOC_LIST,
        d(2022, 1, 1),
        Change::Amend { item: ghost },
    );
    assert_eq!(e.to_string(), "事项 #99 不存在");
    // Amending before the item exists (backdated) breaks the replay.
    let e = assert_refused(
        &mut c,
        DOC_LIST,
        d(2020, 1, 1),
        Change::Amend { item: it.clone() },
    );
    assert!(matches!(e, CatalogueError::UnknownItem { .. }), "{e}");
    // Cancelling a 主项 whose 子项 are in force.
    let e = assert_refused(
        &mut c,
        DOC_LIST,
        d(2022, 1, 1),
        Change::Cancel {
            item: BUILD_PERMIT,
            reason: "合并".to_owned(),
        },
    );
    assert_eq!(
        e.to_string(),
        "主项 #2 下仍有 2 个在用子项，应先取消或调整子项"
    );
    // A 子项 under a 主项 that does not exist.
    let orphan = child(
        bianzhi_grassroots::ItemId(50),
        bianzhi_grassroots::ItemId(49),
        "孤儿",
        HOUSING,
    );
    let e = assert_refused(
        &mut c,
        DOC_LIST,
        d(2022, 1, 1),
        Change::Add { item: orphan },
    );
    assert!(matches!(e, CatalogueError::ParentNotInForce { .. }), "{e}");
    // Empty name.
    let mut unnamed = it.clone();
    unnamed.name = " ".to_owned();
    let e = assert_refused(
        &mut c,
        DOC_LIST,
        d(2022, 1, 1),
        Change::Amend { item: unnamed },
    );
    assert!(matches!(e, CatalogueError::EmptyName { .. }), "{e}");
    // Cancel of a cancelled item.
    let cancel = Change::Cancel {
        item: ECO_PENALTY,
        reason: "取消".to_owned(),
    };
    c.record(DOC_LIST, d(2022, 1, 1), cancel.clone()).unwrap();
    let e = assert_refused(&mut c, DOC_LIST, d(2022, 2, 1), cancel.clone());
    assert_eq!(
        e.to_string(),
        "事项 #7 已于 2022-01-01 取消，不能再次取消或调整"
    );
    // A backdated Amend after the cancellation date in the past is refused too.
    let mut eco = c.item_at(ECO_PENALTY, d(2021, 6, 1)).unwrap().clone();
    eco.name = "改名".to_owned();
    let e = assert_refused(&mut c, DOC_LIST, d(2022, 1, 2), Change::Amend { item: eco });
    assert!(matches!(e, CatalogueError::AlreadyCancelled { .. }), "{e}");
}

#[test]
fn a_main_item_can_be_cancelled_once_its_sub_items_are() {
    let mut c = catalogue();
    for it in [BUILD_PERMIT_A, BUILD_PERMIT_B, BUILD_PERMIT] {
        c.record(
            "盐都编〔2022〕4号",
            d(2022, 1, 1),
            Change::Cancel {
                item: it,
                reason: "取消".to_owned(),
            },
        )
        .unwrap();
    }
    assert!(c.item_at(BUILD_PERMIT, d(2022, 1, 1)).is_none());
    assert!(!c.is_leaf_at(BUILD_PERMIT, d(2021, 12, 31)));
    assert!(c.is_leaf_at(BUILD_PERMIT_A, d(2021, 12, 31)));
}

#[test]
fn corrections_and_voidings_are_new_entries() {
    let mut c = catalogue();
    let mut wrong = item(
        bianzhi_grassroots::ItemId(30),
        "对无证经营的处罚（错）",
        PowerType::Penalty,
        MARKET,
    );
    let add = c
        .record(
            "盐都编〔2022〕7号",
            d(2022, 5, 1),
            Change::Add {
                item: wrong.clone(),
            },
        )
        .unwrap()
        .seq;
    wrong.name = "对无证经营的处罚".to_owned();
    let fix = c
        .record(
            "盐都编〔2022〕8号",
            d(2022, 4, 1),
            Change::Correct {
                of: add,
                change: Box::new(Change::Add { item: wrong }),
            },
        )
        .unwrap()
        .seq;
    let id = bianzhi_grassroots::ItemId(30);
    assert!(c.item_at(id, d(2022, 3, 31)).is_none());
    assert_eq!(
        c.item_at(id, d(2022, 4, 1)).unwrap().name,
        "对无证经营的处罚"
    );
    // The wrong entry stays in the journal.
    assert_eq!(c.entries()[add as usize].effective, d(2022, 5, 1));
    // Correcting the corrected entry again is refused; correct the latest.
    let e = assert_refused(
        &mut c,
        DOC_LIST,
        d(2022, 4, 1),
        Change::Void {
            of: add,
            reason: "x".to_owned(),
        },
    );
    assert_eq!(
        e.to_string(),
        format!("第 {add} 条记录已被更正或作废，应更正最新的记录")
    );
    let e = assert_refused(
        &mut c,
        DOC_LIST,
        d(2022, 4, 1),
        Change::Correct {
            of: fix,
            change: Box::new(Change::Void {
                of: add,
                reason: "x".to_owned(),
            }),
        },
    );
    assert_eq!(e, CatalogueError::NestedCorrection);
    let e = assert_refused(
        &mut c,
        DOC_LIST,
        d(2022, 4, 1),
        Change::Void {
            of: 999,
            reason: "x".to_owned(),
        },
    );
    assert_eq!(e, CatalogueError::UnknownEntry { seq: 999 });
    // Voiding the correction removes the item altogether.
    c.record(
        "盐都编〔2022〕9号",
        d(2022, 4, 1),
        Change::Void {
            of: fix,
            reason: "误录".to_owned(),
        },
    )
    .unwrap();
    assert!(c.item_at(id, d(2022, 6, 1)).is_none());
    // Voiding an Add whose item is amended later is refused (the Amend
    // would have nothing to amend).
    let mut food = c.item_at(FOOD_PENALTY, d(2021, 1, 1)).unwrap().clone();
    food.basis = "《食品安全法》第一百二十四条".to_owned();
    c.record(DOC_LIST, d(2022, 1, 1), Change::Amend { item: food })
        .unwrap();
    let e = assert_refused(
        &mut c,
        DOC_LIST,
        d(2022, 1, 1),
        Change::Void {
            of: 0,
            reason: "x".to_owned(),
        },
    );
    assert!(matches!(e, CatalogueError::UnknownItem { .. }), "{e}");
}

#[test]
fn the_hash_chain_detects_tampering() {
    let mut c = catalogue();
    let mut it = c.item_at(FOOD_PENALTY, d(2021, 1, 1)).unwrap().clone();
    it.holder = ENFORCEMENT;
    c.record(
        "盐都编〔2022〕5号",
        d(2022, 3, 1),
        Change::Amend { item: it },
    )
    .unwrap();
    c.verify().unwrap();
    let entries = c.entries().to_vec();
    assert!(entries.iter().all(|e| e.hash.len() == 64));
    assert_ne!(entries[0].hash, entries[1].hash);
    // Reloaded from its entries (e.g. through JSON) it answers the same.
    let json = serde_json::to_string(&entries).unwrap();
    let back = Catalogue::from_entries(serde_json::from_str(&json).unwrap()).unwrap();
    assert_eq!(back.as_of(d(2022, 3, 1)), c.as_of(d(2022, 3, 1)));
    // Change the holder of the last entry without rehashing.
    let tampered = json.replacen("\"holder\":20", "\"holder\":10", 1);
    assert_ne!(tampered, json);
    let err = Catalogue::from_entries(serde_json::from_str(&tampered).unwrap()).unwrap_err();
    assert_eq!(err, CatalogueError::ChainBroken { seq: 7 });
    assert_eq!(
        err.to_string(),
        "第 7 条记录的哈希与内容不符，清单可能被篡改"
    );
    // Dropping an entry breaks the chain of the next.
    let mut dropped = entries.clone();
    dropped.remove(3);
    assert!(Catalogue::from_entries(dropped).is_err());
    // Editing the effective date of an early entry too.
    let mut moved = entries;
    moved[0].effective = d(2020, 1, 1);
    assert_eq!(
        Catalogue::from_entries(moved).unwrap_err(),
        CatalogueError::ChainBroken { seq: 0 }
    );
}

#[test]
fn a_whole_document_is_recorded_all_or_nothing() {
    let mut c = catalogue();
    let n = c.entries().len();
    let new = item(
        bianzhi_grassroots::ItemId(40),
        "对无照经营的处罚",
        PowerType::Penalty,
        MARKET,
    );
    let bad = Change::Cancel {
        item: bianzhi_grassroots::ItemId(41),
        reason: "取消".to_owned(),
    };
    let e = c
        .record_all(
            "盐都编〔2022〕6号",
            vec![
                (d(2022, 1, 1), Change::Add { item: new.clone() }),
                (d(2022, 1, 1), bad),
            ],
        )
        .unwrap_err();
    assert_eq!(e.to_string(), "第 2 条：事项 #41 不存在");
    assert_eq!(c.entries().len(), n);
    assert!(c.item_at(new.id, d(2022, 1, 1)).is_none());
    // Entries may come in any order of dates: the cancellation is recorded
    // before the addition it follows.
    let seqs = c
        .record_all(
            "盐都编〔2022〕6号",
            vec![
                (
                    d(2022, 6, 1),
                    Change::Cancel {
                        item: new.id,
                        reason: "取消".to_owned(),
                    },
                ),
                (d(2022, 1, 1), Change::Add { item: new.clone() }),
            ],
        )
        .unwrap();
    assert_eq!(seqs, n as u64..n as u64 + 2);
    assert!(c.item_at(new.id, d(2022, 1, 1)).is_some());
    assert!(c.item_at(new.id, d(2022, 6, 1)).is_none());
    c.verify().unwrap();
}

#[test]
fn entries_recorded_after_a_sync_point_include_backdated_ones() {
    let mut c = catalogue();
    let synced = c.entries().last().unwrap().seq;
    assert!(c.recorded_after(Some(synced)).is_empty());
    let mut it = c.item_at(FOOD_PENALTY, d(2021, 1, 1)).unwrap().clone();
    it.holder = ENFORCEMENT;
    // Backdated to before the sync point's dates.
    c.record(
        "盐都编〔2022〕5号",
        d(2021, 1, 2),
        Change::Amend { item: it },
    )
    .unwrap();
    let new = c.recorded_after(Some(synced));
    assert_eq!(new.len(), 1);
    assert_eq!(new[0].effective, d(2021, 1, 2));
    assert_eq!(c.recorded_after(None).len(), c.entries().len());
    assert!(c.recorded_after(Some(999)).is_empty());
}

#[test]
fn a_merge_records_what_the_new_item_supersedes() {
    let mut c = catalogue();
    let doc = "盐都编〔2022〕11号";
    let merged = bianzhi_grassroots::Item {
        supersedes: vec![BUILD_PENALTY, ECO_PENALTY],
        ..item(
            bianzhi_grassroots::ItemId(60),
            "对违法建设及露天焚烧的处罚",
            PowerType::Penalty,
            ENFORCEMENT,
        )
    };
    let bad = bianzhi_grassroots::Item {
        supersedes: vec![bianzhi_grassroots::ItemId(99)],
        ..merged.clone()
    };
    let e = assert_refused(&mut c, doc, d(2022, 1, 1), Change::Add { item: bad });
    assert_eq!(
        e.to_string(),
        "事项 #60 所替代的事项 #99 不存在或就是其自身"
    );
    let cancel = |item| Change::Cancel {
        item,
        reason: "合并".to_owned(),
    };
    c.record_all(
        doc,
        vec![
            (d(2022, 1, 1), Change::Add { item: merged }),
            (d(2022, 1, 1), cancel(BUILD_PENALTY)),
            (d(2022, 1, 1), cancel(ECO_PENALTY)),
        ],
    )
    .unwrap();
    assert_eq!(
        c.successors(BUILD_PENALTY),
        vec![bianzhi_grassroots::ItemId(60)]
    );
    assert_eq!(
        c.successors(ECO_PENALTY),
        vec![bianzhi_grassroots::ItemId(60)]
    );
    assert!(c.successors(FOOD_PENALTY).is_empty());
    let now = c.as_of(d(2022, 1, 1));
    assert!(!now.contains_key(&BUILD_PENALTY) && now.contains_key(&bianzhi_grassroots::ItemId(60)));
}
