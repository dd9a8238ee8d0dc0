use bianzhi_core::ident::parse_doc_no;
use bianzhi_core::Ledger;
use bianzhi_reports::import::{self, ImportError, ImportFile, ImportMeta};
use bianzhi_reports::report::{self, Kind, Params};
use bianzhi_reports::xlsx::{self, read_csv};
use chrono::{TimeZone, Utc};

use crate::common::*;

fn meta(doc: &str, date: &str) -> ImportMeta {
    ImportMeta {
        doc: parse_doc_no(doc).unwrap(),
        effective: d(date),
        recorded_at: Utc.from_utc_datetime(&d(date).and_hms_opt(10, 0, 0).unwrap()),
        actor: "导入测试".into(),
        allow_over: false,
    }
}

#[test]
fn round_trip_export_import_gives_identical_reports() {
    let l = fixture();
    let date = d("2024-03-01");
    let [u, q, p] = import::export(&l, date);
    assert_eq!(u.rows.len(), 3);
    assert_eq!(q.rows.len(), 3);
    assert_eq!(p.rows.len(), 3);
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("move.xlsx");
    xlsx::workbook(&[&u, &q, &p]).unwrap().save(&path).unwrap();
    let f = import::read_file(&path).unwrap();
    let mut fresh = Ledger::new("320903", "盐城市盐都区");
    let n = import::import(&mut fresh, &f, &meta("盐编〔2024〕9号", "2024-03-01")).unwrap();
    assert_eq!(n, 9);
    assert_eq!(fresh.journal_len(), 1, "one matter per import");
    for kind in [
        Kind::Roster,
        Kind::Quotas,
        Kind::Posts,
        Kind::Annual,
        Kind::Warnings,
    ] {
        let a = report::build(&l, kind, &Params::at(date));
        let b = report::build(&fresh, kind, &Params::at(date));
        assert_eq!(a, b, "{kind:?}");
    }
}

fn people_csv(rows: &[&str]) -> ImportFile {
    let mut s = String::from("单位名称,姓名,身份证号,编制类型,经费形式,入编时间,人员身份\n");
    for r in rows {
        s.push_str(r);
        s.push('\n');
    }
    ImportFile {
        people: Some(read_csv(s.as_bytes()).unwrap()),
        ..Default::default()
    }
}

#[test]
fn every_bad_row_is_reported_and_nothing_is_written() {
    let mut l = fixture();
    let before = l.journal_len();
    let good = idn(11);
    let rows = [
        format!(
            "{SECOND},赵六,{},事业编制,全额拨款,2024-01-05,事业人员",
            good.as_str()
        ), // row 2 ok
        format!("{SECOND},钱七,320903199001010000,事业编制,全额拨款,2024-01-05,"), // 3 bad check digit
        format!(
            "不存在的单位,孙八,{},事业编制,全额拨款,2024-01-05,",
            idn(12).as_str()
        ), // 4 unknown unit
        format!(
            "{SECOND},赵六二,{},事业编制,全额拨款,2024-01-05,",
            good.as_str()
        ), // 5 duplicate
        format!(
            "{SECOND},周九,{},事业编制,全额拨款,2024-01-05,",
            idn(13).as_str()
        ), // 6 ok (2nd of 2)
        format!(
            "{SECOND},吴十,{},事业编制,全额拨款,2024-01-05,",
            idn(14).as_str()
        ), // 7 beyond quota
        format!(
            "{SCHOOL},郑一,{},事业编制,全额拨款,2024-13-45,",
            idn(15).as_str()
        ), // 8 bad date
        format!(
            "{SCHOOL},=1+1,{},事业编制,全额拨款,2024-01-05,",
            idn(16).as_str()
        ), // 9 formula
        format!(
            "{SCHOOL},王二,{},事业编制,全额拨款,2024-01-05,",
            idn(1).as_str()
        ), // 10 already in
    ];
    let rows: Vec<&str> = rows.iter().map(|s| s.as_str()).collect();
    let f = people_csv(&rows);
    let e = import::import(&mut l, &f, &meta("盐编〔2024〕9号", "2024-03-01")).unwrap_err();
    let ImportError::Rows(errs) = &e else {
        panic!("{e}")
    };
    let at = |row: usize| -> Vec<(String, String)> {
        errs.iter()
            .filter(|e| e.row == row)
            .map(|e| (e.column.clone(), e.reason.clone()))
            .collect()
    };
    assert!(at(2).is_empty() && at(6).is_empty(), "{e}");
    assert!(
        at(3)[0].0 == "身份证号" && at(3)[0].1.contains("校验位"),
        "{e}"
    );
    assert!(
        at(4)[0].0 == "单位名称" && at(4)[0].1.contains("不存在"),
        "{e}"
    );
    assert!(at(5)[0].1.contains("人员重复（与第 2 行"), "{e}");
    assert!(at(7)[0].1.contains("超出核定编制"), "{e}");
    assert!(at(8)[0].0 == "入编时间", "{e}");
    assert!(at(9)[0].1.contains("公式"), "{e}");
    assert!(at(10)[0].1.contains("已在台账中在编"), "{e}");
    assert!(e.to_string().contains("人员 第 3 行“身份证号”列"));
    assert_eq!(l.journal_len(), before, "nothing written");
}

#[test]
fn an_id_number_stored_as_a_number_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("num.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("人员").unwrap();
    for (c, h) in import::PEOPLE_COLS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, SECOND).unwrap();
    ws.write_string(1, 1, "赵六").unwrap();
    ws.write_number(1, 2, 320903199001010011.0).unwrap();
    ws.write_string(1, 3, "事业编制").unwrap();
    ws.write_string(1, 4, "全额拨款").unwrap();
    ws.write_string(1, 5, "2024-01-05").unwrap();
    wb.save(&path).unwrap();
    let mut l = fixture();
    let f = import::read_file(&path).unwrap();
    let e = import::import(&mut l, &f, &meta("盐编〔2024〕9号", "2024-03-01")).unwrap_err();
    assert!(e.to_string().contains("身份证号存储为数字"), "{e}");
}

#[test]
fn a_ledger_refusal_is_reported_and_nothing_changes() {
    let mut l = fixture();
    let before = l.state().clone();
    // 事业编制 in a 党政机关 passes the row checks but the ledger refuses it.
    let q = "单位名称,编制类型,经费形式,核定数\n盐都区教育局,事业编制,全额拨款,3\n";
    let f = ImportFile {
        quotas: Some(read_csv(q.as_bytes()).unwrap()),
        ..Default::default()
    };
    let e = import::import(&mut l, &f, &meta("盐编〔2024〕9号", "2024-12-31")).unwrap_err();
    assert!(matches!(e, ImportError::Refused(_)), "{e}");
    assert_eq!(l.state(), &before);
}

#[test]
fn bad_files_give_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    // Missing columns.
    let p = dir.path().join("people.csv");
    std::fs::write(&p, "单位名称,姓名,身份证号\n甲,乙,丙\n").unwrap();
    let f = import::read_file(&p).unwrap();
    let e = import::plan(&fixture(), &f, &meta("盐编〔2024〕9号", "2024-03-01")).unwrap_err();
    assert!(
        e.to_string()
            .contains("缺少列：编制类型、经费形式、入编时间、人员身份"),
        "{e}"
    );
    // A workbook without the template's sheets.
    let p = dir.path().join("other.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    wb.add_worksheet().write_string(0, 0, "x").unwrap();
    wb.save(&p).unwrap();
    assert!(matches!(
        import::read_file(&p),
        Err(ImportError::NothingToImport)
    ));
    // A corrupted zip and random bytes.
    let p = dir.path().join("broken.xlsx");
    let mut bytes = std::fs::read(dir.path().join("other.xlsx")).unwrap();
    bytes.truncate(bytes.len() / 2);
    std::fs::write(&p, bytes).unwrap();
    assert!(import::read_file(&p)
        .unwrap_err()
        .to_string()
        .contains("无法读取文件"));
    let p = dir.path().join("random.xlsx");
    let rnd: Vec<u8> = (0..10_000_000u32)
        .map(|i| (i.wrapping_mul(2654435761) >> 11) as u8)
        .collect();
    std::fs::write(&p, rnd).unwrap();
    assert!(import::read_file(&p)
        .unwrap_err()
        .to_string()
        .contains("无法读取文件"));
}

#[test]
fn template_has_the_sheets_and_drop_down_lists() {
    let dir = tempfile::tempdir().unwrap();
    let p = dir.path().join("template.xlsx");
    import::template(fixture().state(), &p).unwrap();
    use calamine::Reader;
    let wb: calamine::Xlsx<_> = calamine::open_workbook(&p).unwrap();
    assert_eq!(wb.sheet_names(), ["机构", "编制", "人员", "代码表", "说明"]);
    let mut z = zip::ZipArchive::new(std::fs::File::open(&p).unwrap()).unwrap();
    let mut s = String::new();
    std::io::Read::read_to_string(&mut z.by_name("xl/worksheets/sheet3.xml").unwrap(), &mut s)
        .unwrap();
    assert!(
        s.contains("<dataValidation") && s.contains("事业编制") && s.contains("全额拨款"),
        "{s}"
    );
    // 民族, 政治面貌, 学历 choose from the sheet 代码表, with a warning only.
    for (col, range) in [
        ("H2:H100001", "代码表!$A$2:$A$59"),
        ("I2:I100001", "代码表!$B$2:$B$14"),
        ("J2:J100001", "代码表!$C$2:$C$12"),
    ] {
        assert!(
            s.contains(&format!("sqref=\"{col}\"")) && s.contains(range),
            "{col}: {s}"
        );
    }
    assert!(s.contains("errorStyle=\"warning\""), "{s}");
    // The empty template imports nothing.
    assert!(matches!(
        import::read_file(&p).map(|f| import::plan(
            &fixture(),
            &f,
            &meta("盐编〔2024〕9号", "2024-03-01")
        )),
        Ok(Err(ImportError::NothingToImport))
    ));
}

#[test]
fn synthetic_import_of_many_rows() {
    let (u, q, p) = bianzhi_reports::bench::import_csv(10, 2000);
    let f = ImportFile {
        units: Some(read_csv(u.as_bytes()).unwrap()),
        quotas: Some(read_csv(q.as_bytes()).unwrap()),
        people: Some(read_csv(p.as_bytes()).unwrap()),
    };
    let mut l = Ledger::new("320903", "盐城市盐都区");
    let n = import::import(&mut l, &f, &meta("盐编〔2024〕9号", "2024-03-01")).unwrap();
    assert_eq!(n, 2020);
    let t = report::build(&l, Kind::Quotas, &Params::at(d("2024-03-01")));
    let c = t.col("实有").unwrap();
    assert_eq!(t.totals.unwrap()[c], bianzhi_reports::Cell::Int(2000));
}

#[test]
fn a_formula_in_a_text_cell_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("formula.xlsx");
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("人员").unwrap();
    for (c, h) in import::PEOPLE_COLS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_string(1, 0, SECOND).unwrap();
    ws.write_formula(1, 1, "=CONCATENATE(\"赵\",\"六\")")
        .unwrap();
    ws.write_string(1, 2, idn(11).as_str()).unwrap();
    ws.write_string(1, 3, "事业编制").unwrap();
    ws.write_string(1, 4, "全额拨款").unwrap();
    ws.write_string(1, 5, "2024-01-05").unwrap();
    wb.save(&path).unwrap();
    let mut l = fixture();
    let before = l.journal_len();
    let f = import::read_file(&path).unwrap();
    let e = import::import(&mut l, &f, &meta("盐编〔2024〕9号", "2024-03-01")).unwrap_err();
    let ImportError::Rows(errs) = &e else {
        panic!("{e}")
    };
    assert!(errs.iter().all(|e| e.row == 2 && e.column == "姓名"), "{e}");
    assert!(errs[0].reason.contains("单元格含公式"), "{e}");
    assert_eq!(l.journal_len(), before);
}

/// A roster of 盐都区实验小学 (5 vacancies at the end of 2024) in xlsx with
/// the coded columns 民族, 政治面貌 and 学历 (in an order of the file's own,
/// after the required ones).
fn coded_people_xlsx(path: &std::path::Path, rows: &[[&str; 3]]) {
    let mut wb = rust_xlsxwriter::Workbook::new();
    let ws = wb.add_worksheet();
    ws.set_name("人员").unwrap();
    let headers: Vec<&str> = import::PEOPLE_COLS
        .iter()
        .copied()
        .chain(["学历", "民族", "政治面貌"])
        .collect();
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (i, [education, ethnicity, political]) in rows.iter().enumerate() {
        let r = i as u32 + 1;
        ws.write_string(r, 0, SCHOOL).unwrap();
        ws.write_string(r, 1, format!("人员{r}")).unwrap();
        ws.write_string(r, 2, idn(20 + i as u16).as_str()).unwrap();
        ws.write_string(r, 3, "事业编制").unwrap();
        ws.write_string(r, 4, "全额拨款").unwrap();
        ws.write_string(r, 5, "2024-01-05").unwrap();
        ws.write_string(r, 7, *education).unwrap();
        ws.write_string(r, 8, *ethnicity).unwrap();
        ws.write_string(r, 9, *political).unwrap();
    }
    wb.save(path).unwrap();
}

#[test]
fn coded_columns_are_read_as_canonical_names() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("coded.xlsx");
    coded_people_xlsx(
        &path,
        &[["大专", "汉", "中国共产党党员"], ["本科", " 回族 ", ""]],
    );
    let mut l = fixture();
    let f = import::read_file(&path).unwrap();
    let n = import::import(&mut l, &f, &meta("盐编〔2024〕9号", "2024-12-31")).unwrap();
    assert_eq!(n, 2);
    let st = l.state();
    let coded = |k: u16| {
        let p = st.person(st.person_by_id_number[idn(k).as_str()]).unwrap();
        (
            p.details.ethnicity.to_string(),
            p.details.political.to_string(),
            p.details.education.to_string(),
        )
    };
    let s = |a: &str, b: &str, c: &str| (a.to_string(), b.to_string(), c.to_string());
    assert_eq!(coded(20), s("汉族", "中共党员", "大学专科"));
    assert_eq!(coded(21), s("回族", "", "大学本科"));
    // The export writes them back as the template's columns.
    let [_, _, people] = import::export(&l, d("2024-12-31"));
    assert_eq!(&people.headers[7..], ["民族", "政治面貌", "学历"]);
}

#[test]
fn an_unknown_code_refuses_the_file_naming_row_and_column() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("unknown.xlsx");
    coded_people_xlsx(
        &path,
        &[["大学本科", "汉族", "群众"], ["博士后", "火星族", "党员"]],
    );
    let mut l = fixture();
    let before = l.state().clone();
    let journal = l.journal_len();
    let f = import::read_file(&path).unwrap();
    let e = import::import(&mut l, &f, &meta("盐编〔2024〕9号", "2024-12-31")).unwrap_err();
    let ImportError::Rows(errs) = &e else {
        panic!("{e}")
    };
    let got: Vec<(usize, &str)> = errs.iter().map(|e| (e.row, e.column.as_str())).collect();
    assert_eq!(got, [(3, "民族"), (3, "学历")], "{e}");
    let text = e.to_string();
    assert!(
        text.contains("人员 第 3 行“学历”列：学历“博士后”不在代码表（GB/T 4658-2006）中"),
        "{text}"
    );
    assert!(
        text.contains("人员 第 3 行“民族”列：民族“火星族”不在代码表（GB 3304-1991）中"),
        "{text}"
    );
    assert!(text.contains("未导入任何数据"), "{text}");
    // All or nothing: the good row 2 is not imported either.
    assert_eq!(l.state(), &before);
    assert_eq!(l.journal_len(), journal);
}
