//! Checks with LibreOffice (headless): our xlsx converted to csv, and a file
//! LibreOffice wrote from csv imported. Skipped, with a message, where
//! `soffice` is absent (CI installs libreoffice-calc).

use std::path::{Path, PathBuf};
use std::process::Command;

use bianzhi_core::ident::parse_doc_no;
use bianzhi_reports::import::{self, ImportError, ImportMeta};
use bianzhi_reports::report::{self, Kind, Params};
use bianzhi_reports::xlsx;
use chrono::{TimeZone, Utc};

use crate::common::*;

fn soffice() -> Option<PathBuf> {
    ["soffice", "libreoffice"].iter().find_map(|n| {
        Command::new(n)
            .arg("--version")
            .output()
            .ok()
            .filter(|o| o.status.success())
            .map(|_| PathBuf::from(n))
    })
}

/// Runs `soffice --headless --convert-to TO [--infilter=…] FILE` into `out`.
fn convert(bin: &Path, file: &Path, to: &str, infilter: Option<&str>, out: &Path) {
    let profile = out.join("profile");
    let mut c = Command::new(bin);
    c.arg(format!(
        "-env:UserInstallation=file://{}",
        profile.display()
    ))
    .arg("--headless")
    .arg("--norestore");
    if let Some(f) = infilter {
        c.arg(format!("--infilter={f}"));
    }
    let o = c
        .arg("--convert-to")
        .arg(to)
        .arg("--outdir")
        .arg(out)
        .arg(file)
        .output()
        .expect("soffice runs");
    assert!(
        o.status.success(),
        "soffice failed: {}",
        String::from_utf8_lossy(&o.stderr)
    );
}

#[test]
fn libreoffice_reads_our_xlsx_with_text_ids_and_totals() {
    let Some(bin) = soffice() else {
        println!("soffice not found: LibreOffice check skipped (apt-get install libreoffice-calc)");
        return;
    };
    let l = fixture();
    let dir = tempfile::tempdir().unwrap();
    let t = report::build(&l, Kind::Roster, &Params::at(d("2024-03-01")));
    let path = dir.path().join("roster.xlsx");
    xlsx::write_table(&t, &path).unwrap();
    // UTF-8 (76), comma, quote, as shown (the 9th token: formatted text).
    convert(
        &bin,
        &path,
        "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false",
        None,
        dir.path(),
    );
    let csv = std::fs::read(dir.path().join("roster.csv")).unwrap();
    let sheet = xlsx::read_csv(&csv).unwrap();
    assert_eq!(sheet.headers, t.headers);
    let ids: Vec<String> = sheet.rows.iter().map(|(_, r)| r[2].text()).collect();
    let want: Vec<String> = t.rows.iter().map(|r| r[2].as_text()).collect();
    assert_eq!(ids, want, "身份证号 must survive as text, not as 3.2E+17");
    let q = report::build(&l, Kind::Quotas, &Params::at(d("2024-12-31")));
    let path = dir.path().join("quotas.xlsx");
    xlsx::write_table(&q, &path).unwrap();
    convert(
        &bin,
        &path,
        "csv:Text - txt - csv (StarCalc):44,34,76",
        None,
        dir.path(),
    );
    let csv = std::fs::read_to_string(dir.path().join("quotas.csv")).unwrap();
    let last = csv.lines().last().unwrap();
    assert!(last.starts_with("合计,,,15,2,"), "{last}");
}

fn meta() -> ImportMeta {
    ImportMeta {
        doc: parse_doc_no("盐编〔2024〕9号").unwrap(),
        effective: d("2024-03-01"),
        recorded_at: Utc.from_utc_datetime(&d("2024-03-01").and_hms_opt(10, 0, 0).unwrap()),
        actor: "导入测试".into(),
        allow_over: false,
    }
}

#[test]
fn import_a_workbook_libreoffice_wrote_from_csv() {
    let Some(bin) = soffice() else {
        println!("soffice not found: LibreOffice check skipped (apt-get install libreoffice-calc)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let csv_path = dir.path().join("人员.csv");
    let text = format!(
        "单位名称,姓名,身份证号,编制类型,经费形式,入编时间,人员身份\n\
         {SECOND},赵六,{},事业编制,全额拨款,2024-01-05,事业人员\n\
         {SCHOOL},孙七,{},事业编制,全额拨款,2023-09-01,\n",
        idn(21).as_str(),
        idn(22).as_str()
    );
    std::fs::write(&csv_path, text).unwrap();
    // Column 3 (身份证号) read as text (format 2): the sheet is named after the file.
    let text_out = dir.path().join("text");
    std::fs::create_dir_all(&text_out).unwrap();
    convert(
        &bin,
        &csv_path,
        "xlsx",
        Some("CSV:44,34,76,1,3/2"),
        &text_out,
    );
    let mut l = fixture();
    let f = import::read_file(&text_out.join("人员.xlsx")).unwrap();
    let n = import::import(&mut l, &f, &meta()).unwrap();
    assert_eq!(n, 2);
    let t = report::build(&l, Kind::Roster, &Params::at(d("2024-03-01")));
    assert_eq!(t.rows.len(), 5);
    // Without the text format LibreOffice stores the 身份证号 as numbers: refused.
    let num_out = dir.path().join("num");
    std::fs::create_dir_all(&num_out).unwrap();
    convert(&bin, &csv_path, "xlsx", Some("CSV:44,34,76,1"), &num_out);
    let mut l = fixture();
    let f = import::read_file(&num_out.join("人员.xlsx")).unwrap();
    let e = import::import(&mut l, &f, &meta()).unwrap_err();
    let ImportError::Rows(errs) = &e else {
        panic!("{e}")
    };
    assert!(
        errs.iter()
            .all(|e| e.column == "身份证号" && e.reason.contains("存储为数字")),
        "{e}"
    );
    assert_eq!(errs.len(), 2);
}

/// xls as LibreOffice writes it (a real compound file: mini stream, shared
/// strings, and for the large one a FAT beyond the header's 109 sectors) reads
/// through the checked compound-file reader and the rebuilt container.
#[test]
fn xls_libreoffice_wrote_reads_through_the_checks() {
    let Some(bin) = soffice() else {
        println!("soffice not found: LibreOffice check skipped (apt-get install libreoffice-calc)");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let l = fixture();
    let t = report::build(&l, Kind::Roster, &Params::at(d("2024-03-01")));
    let path = dir.path().join("roster.xlsx");
    xlsx::write_table(&t, &path).unwrap();
    convert(&bin, &path, "xls:MS Excel 97", None, dir.path());
    let s = xlsx::read_any(&dir.path().join("roster.xls"), None).unwrap();
    assert_eq!(s.headers, t.headers);
    let ids: Vec<String> = s.rows.iter().map(|(_, r)| r[2].text()).collect();
    let want: Vec<String> = t.rows.iter().map(|r| r[2].as_text()).collect();
    assert_eq!(ids, want);
    // 60,000 rows of 8 columns (xls has at most 65,536 rows): a workbook
    // stream of more than 7 MB, whose FAT needs DIFAT sectors.
    let cols = ["姓名", "身份证号", "单位", "甲", "乙", "丙", "丁", "戊"];
    let mut big = bianzhi_reports::Table::new("名单", &cols);
    for i in 0..60_000 {
        let mut r = vec![
            bianzhi_reports::Cell::text(format!("测试{i}")),
            bianzhi_reports::Cell::text(bianzhi_reports::bench::id_number(i)),
            bianzhi_reports::Cell::text(bianzhi_reports::bench::unit_name(i % 100)),
        ];
        for c in 0..5 {
            r.push(bianzhi_reports::Cell::text(format!("备注{c}-{i}")));
        }
        big.rows.push(r);
    }
    let path = dir.path().join("big.xlsx");
    xlsx::write_table(&big, &path).unwrap();
    convert(&bin, &path, "xls:MS Excel 97", None, dir.path());
    let xls = dir.path().join("big.xls");
    let size = std::fs::metadata(&xls).unwrap().len();
    assert!(size > 109 * 128 * 512, "{size}");
    let s = xlsx::read_any(&xls, None).unwrap();
    assert_eq!(s.headers, cols);
    assert_eq!(s.rows.len(), 60_000);
    assert_eq!(s.rows[59_999].0, 60_001);
    assert_eq!(s.rows[59_999].1[0].text(), "测试59999");
    assert_eq!(s.rows[59_999].1[7].text(), "备注4-59999");
}
