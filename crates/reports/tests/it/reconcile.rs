use bianzhi_reports::reconcile::{self, DiffKind};
use bianzhi_reports::xlsx;

use crate::common::*;

#[test]
fn planted_differences_of_every_kind() {
    let l = fixture();
    // As of 2024-03-01 the ledger has 张三(1), 李四(2) in 实验小学, 王五(3) in 教育局.
    let ledger = reconcile::ledger_entries(&l, d("2024-03-01"));
    assert_eq!(ledger.len(), 3);
    let id = |n| idn(n).as_str().to_string();
    let csv = format!(
        "姓名,身份证号,单位,编制类型\n\
         张三,{},{SCHOOL},事业编制\n\
         王五,{},{SECOND},行政编制\n\
         钱空,{},{SCHOOL},事业编制\n\
         赵错,123456,{SCHOOL},事业编制\n\
         张三, {} ,{SCHOOL},事业编制\n",
        // 张三's ID with a lower-case x would be the same person; use spaces and full-width digits.
        id(1),
        id(3),
        id(9),
        id(1),
    );
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("pay.csv");
    std::fs::write(&p, csv).unwrap();
    let other = reconcile::read_roster(&p).unwrap();
    let diffs = reconcile::reconcile(&ledger, &other);
    let kinds: Vec<(DiffKind, String)> = diffs
        .iter()
        .map(|d| (d.kind, d.id_number.clone()))
        .collect();
    assert_eq!(
        kinds,
        vec![
            (DiffKind::UnitMismatch, id(3)),
            (DiffKind::NotInLedger, id(9)),
            (DiffKind::InvalidId, "123456".into()),
            (DiffKind::Duplicate, id(1)),
            (DiffKind::NotOnRoster, id(2)),
        ]
    );
    assert_eq!(diffs[1].other.as_ref().unwrap().row, 4);
    // Name and type mismatches; a full-width, spaced ID still matches.
    let fw: String = id(1)
        .chars()
        .map(|c| {
            if c.is_ascii_digit() {
                char::from_u32(c as u32 - '0' as u32 + '０' as u32).unwrap()
            } else {
                c
            }
        })
        .collect();
    let other = vec![
        reconcile::Entry {
            name: "张 三".into(),
            id_number: fw,
            unit: SCHOOL.into(),
            qtype: "事业编制".into(),
            row: 2,
        },
        reconcile::Entry {
            name: "李四".into(),
            id_number: id(2),
            unit: SCHOOL.into(),
            qtype: "工勤编制".into(),
            row: 3,
        },
        reconcile::Entry {
            name: "王五".into(),
            id_number: id(3),
            unit: BUREAU.into(),
            qtype: String::new(),
            row: 4,
        },
    ];
    let diffs = reconcile::reconcile(&ledger, &other);
    let kinds: Vec<DiffKind> = diffs.iter().map(|d| d.kind).collect();
    assert_eq!(kinds, [DiffKind::NameMismatch, DiffKind::TypeMismatch]);
    // As of a later date: 李四 retired, 张三 moved: the payroll of March is stale.
    let later = reconcile::ledger_entries(&l, d("2024-12-31"));
    let diffs = reconcile::reconcile(&later, &other);
    let kinds: Vec<DiffKind> = diffs.iter().map(|d| d.kind).collect();
    assert_eq!(
        kinds,
        [
            DiffKind::UnitMismatch,
            DiffKind::NameMismatch,
            DiffKind::NotInLedger
        ]
    );
    // Written as xlsx with the IDs as text.
    let t = reconcile::table(&diffs);
    let out = dir.path().join("diff.xlsx");
    xlsx::write_table(&t, &out).unwrap();
    let back = xlsx::read_any(&out, None).unwrap();
    assert!(matches!(back.rows[0].1[1], xlsx::Raw::Text(_)));
    assert_eq!(reconcile::summary(&diffs).len(), 3);
}

#[test]
fn a_roster_without_the_needed_columns_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("pay.csv");
    std::fs::write(&p, "姓名,单位\n张三,甲\n").unwrap();
    let e = reconcile::read_roster(&p).unwrap_err().to_string();
    assert!(e.contains("名单缺少列"), "{e}");
}

#[test]
fn synthetic_benchmark_data_has_the_planted_differences() {
    let (ledger, csv, expected) = bianzhi_reports::bench::reconcile_data(5000);
    let other = xlsx::read_csv(csv.as_bytes()).unwrap();
    assert_eq!(other.rows.len(), 5000 - 5 + 5);
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("o.csv");
    std::fs::write(&p, csv).unwrap();
    let other = reconcile::read_roster(&p).unwrap();
    let diffs = reconcile::reconcile(&ledger, &other);
    assert_eq!(diffs.len(), expected);
    assert_eq!(expected, 20);
}

/// A GBK csv as an old Windows system writes it (the file was made with
/// `iconv -f UTF-8 -t GBK`): read as GBK, compared like any other roster.
#[test]
fn a_gbk_csv_from_an_old_windows_system_is_read() {
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/roster-gbk.csv");
    let bytes = std::fs::read(&path).unwrap();
    assert!(
        std::str::from_utf8(&bytes).is_err(),
        "the fixture must be GBK"
    );
    let other = reconcile::read_roster(&path).unwrap();
    let names: Vec<&str> = other.iter().map(|e| e.name.as_str()).collect();
    assert_eq!(names, ["张三", "王五", "赵钱孙"]);
    assert_eq!(other[1].unit, BUREAU);
    assert_eq!(other[1].id_number, idn(3).as_str());
    let l = fixture();
    let diffs = reconcile::reconcile(&reconcile::ledger_entries(&l, d("2024-12-31")), &other);
    let kinds: Vec<_> = diffs
        .iter()
        .map(|x| (x.kind, x.id_number.clone()))
        .collect();
    assert_eq!(
        kinds,
        [(
            reconcile::DiffKind::NotInLedger,
            idn(9).as_str().to_string()
        )]
    );
    // The same bytes as an upload.
    let up = reconcile::read_roster_bytes(&bytes, "CSV", &xlsx::Limits::upload()).unwrap();
    assert_eq!(up, other);
}

#[test]
fn gbk_made_by_encoding_rs_reads_and_bad_bytes_are_refused() {
    let text = "姓名,身份证号,单位\r\n欧阳娜娜,320903199001010037,盐都区第二小学\r\n";
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(text);
    assert!(!unmappable);
    let s = xlsx::read_csv(&gbk).unwrap();
    assert_eq!(s.headers, ["姓名", "身份证号", "单位"]);
    assert_eq!(s.rows[0].1[0].text(), "欧阳娜娜");
    // UTF-8 with a BOM still reads as UTF-8.
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(text.as_bytes());
    assert_eq!(xlsx::read_csv(&bom).unwrap(), s);
    // Neither UTF-8 nor GBK.
    let e = xlsx::read_csv(b"\xff\xff\xfe,\x80\x80\r\n")
        .unwrap_err()
        .to_string();
    assert!(e.contains("编码无法识别"), "{e}");
}

/// 比对 over one unit: the ledger's people of other units are not "missing
/// from the roster", and one of them on the roster is in another unit, not
/// missing from the ledger.
#[test]
fn a_unit_scope_leaves_the_other_units_people_out() {
    let l = fixture();
    let date = d("2024-03-01");
    let school = l.state().unit_by_name[SCHOOL];
    let inside = reconcile::ledger_entries_where(&l, date, |u| u == school);
    let outside = reconcile::ledger_entries_where(&l, date, |u| u != school);
    assert_eq!((inside.len(), outside.len()), (2, 1));
    let id = |n| idn(n).as_str().to_string();
    // 张三 listed; 李四 (the school's) missing; 王五 (教育局's) listed under the school.
    let other = vec![
        reconcile::Entry {
            name: "张三".into(),
            id_number: id(1),
            unit: SCHOOL.into(),
            row: 2,
            ..Default::default()
        },
        reconcile::Entry {
            name: "王五".into(),
            id_number: id(3),
            unit: SCHOOL.into(),
            row: 3,
            ..Default::default()
        },
    ];
    let kinds: Vec<(DiffKind, String)> = reconcile::reconcile_within(&inside, &outside, &other)
        .iter()
        .map(|d| (d.kind, d.id_number.clone()))
        .collect();
    assert_eq!(
        kinds,
        [
            (DiffKind::UnitMismatch, id(3)),
            (DiffKind::NotOnRoster, id(2))
        ]
    );
    // Without the other units: 王五 is simply not in the compared ledger.
    let kinds: Vec<DiffKind> = reconcile::reconcile(&inside, &other[1..])
        .iter()
        .map(|d| d.kind)
        .collect();
    assert_eq!(
        kinds,
        [
            DiffKind::NotInLedger,
            DiffKind::NotOnRoster,
            DiffKind::NotOnRoster
        ]
    );
}

/// The template's header row is what the roster reader looks for, and a
/// filled-in template reads back.
#[test]
fn the_roster_template_reads_back() {
    let bytes = reconcile::template(&["事业编制".into(), "行政编制".into()]).unwrap();
    let sheet = xlsx::read_bytes(&bytes, "xlsx", None).unwrap();
    assert_eq!(sheet.headers, reconcile::ROSTER_HEADERS);
    assert!(sheet.rows.is_empty());
    let empty = reconcile::read_roster_bytes(&bytes, "xlsx", &xlsx::Limits::upload()).unwrap();
    assert!(empty.is_empty());
}
