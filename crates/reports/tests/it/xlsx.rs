use bianzhi_reports::report::{self, Kind, Params};
use bianzhi_reports::xlsx;
use calamine::{open_workbook, Data, Reader, Xlsx};

use crate::common::*;

#[test]
fn roster_xlsx_keeps_id_numbers_as_text() {
    let l = fixture();
    let t = report::build(&l, Kind::Roster, &Params::at(d("2024-03-01")));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("roster.xlsx");
    xlsx::write_table(&t, &path).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    assert_eq!(wb.sheet_names(), ["实名制花名册"]);
    let r = wb.worksheet_range("实名制花名册").unwrap();
    let rows: Vec<_> = r.rows().collect();
    assert_eq!(rows[0][0], Data::String("单位".into()));
    assert_eq!(rows[0][2], Data::String("身份证号".into()));
    assert_eq!(rows.len(), 4);
    for row in &rows[1..] {
        match &row[2] {
            Data::String(s) => assert_eq!(s.len(), 18),
            x => panic!("身份证号 not a text cell: {x:?}"),
        }
    }
    // Read back through our own reader: identical text.
    let sheet = xlsx::read_any(&path, None).unwrap();
    assert_eq!(sheet.headers, t.headers);
    let back: Vec<Vec<String>> = sheet
        .rows
        .iter()
        .map(|(_, r)| r.iter().map(|c| c.text()).collect())
        .collect();
    let orig: Vec<Vec<String>> = t
        .rows
        .iter()
        .map(|r| r.iter().map(|c| c.as_text()).collect())
        .collect();
    assert_eq!(back, orig);
}

#[test]
fn quota_xlsx_has_numbers_and_a_totals_row_and_frozen_header() {
    let l = fixture();
    let t = report::build(&l, Kind::Quotas, &Params::at(d("2024-12-31")));
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("quotas.xlsx");
    xlsx::write_table(&t, &path).unwrap();
    let mut wb: Xlsx<_> = open_workbook(&path).unwrap();
    let r = wb.worksheet_range("编制情况表").unwrap();
    let rows: Vec<_> = r.rows().collect();
    let last = rows.last().unwrap();
    assert_eq!(last[0], Data::String("合计".into()));
    let c = t.col("核定").unwrap();
    assert_eq!(last[c], Data::Float(15.0));
    assert!(matches!(rows[1][c], Data::Float(_)));
    // Frozen header row and column widths in the sheet XML.
    let f = std::fs::File::open(&path).unwrap();
    let xml = sheet_xml(f);
    assert!(
        xml.contains(r#"state="frozen""#) && xml.contains(r#"ySplit="1""#),
        "{xml}"
    );
    assert!(xml.contains("<cols>"));
}

fn sheet_xml(f: std::fs::File) -> String {
    // The xlsx is a zip; calamine re-exports none of it, so look for the
    // stored sheet part with a tiny reader of the central directory via the
    // `zip` crate that rust_xlsxwriter and calamine both use.
    let mut z = zip::ZipArchive::new(f).unwrap();
    let mut s = String::new();
    use std::io::Read;
    z.by_name("xl/worksheets/sheet1.xml")
        .unwrap()
        .read_to_string(&mut s)
        .unwrap();
    s
}

#[test]
fn unreadable_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.xlsx");
    std::fs::write(&bad, b"PK\x03\x04 this is not really a zip").unwrap();
    let e = xlsx::read_any(&bad, None).unwrap_err().to_string();
    assert!(e.contains("无法读取文件"), "{e}");
    let rnd = dir.path().join("random.xls");
    let bytes: Vec<u8> = (0..1_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 13) as u8)
        .collect();
    std::fs::write(&rnd, bytes).unwrap();
    assert!(xlsx::read_any(&rnd, None)
        .unwrap_err()
        .to_string()
        .contains("无法读取文件"));
    let txt = dir.path().join("a.txt");
    std::fs::write(&txt, "x").unwrap();
    assert!(xlsx::read_any(&txt, None)
        .unwrap_err()
        .to_string()
        .contains("不支持的文件类型"));
    let l = fixture();
    let t = report::build(&l, Kind::Roster, &Params::at(d("2024-03-01")));
    let ok = dir.path().join("ok.xlsx");
    xlsx::write_table(&t, &ok).unwrap();
    let e = xlsx::read_any(&ok, Some("花名册")).unwrap_err().to_string();
    assert!(e.contains("没有工作表“花名册”"), "{e}");
}

/// A date cell reads as its date, a date-time cell with its time of day.
#[test]
fn date_cells_read_as_dates_and_date_times_keep_the_time() {
    use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "日期").unwrap();
    let day = Format::new().set_num_format("yyyy-mm-dd");
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm");
    let d = ExcelDateTime::from_ymd(2024, 2, 29).unwrap();
    ws.write_datetime_with_format(1, 0, &d, &day).unwrap();
    let t = ExcelDateTime::from_ymd(2026, 11, 3)
        .unwrap()
        .and_hms(9, 15, 0)
        .unwrap();
    ws.write_datetime_with_format(2, 0, &t, &when).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let sheet = xlsx::read_bytes(&bytes, "xlsx", None).unwrap();
    let cells: Vec<String> = sheet.rows.iter().map(|(_, r)| r[0].text()).collect();
    assert_eq!(cells, ["2024-02-29", "2026-11-03 09:15:00"]);
    assert_eq!(
        xlsx::excel_datetime(46329.385416666664).map(|t| t.to_string()),
        Some("2026-11-03 09:15:00".to_owned())
    );
    assert_eq!(xlsx::excel_datetime(0.5), None);
}
