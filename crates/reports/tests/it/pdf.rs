//! Official documents: the PDF carries what it says, read back by a real
//! PDF text extractor (the CJK text through the embedded font's ToUnicode).

use bianzhi_reports::pdf::{notice, Notice, PdfError};

use crate::common::d;

fn sample() -> Notice {
    Notice {
        title: "入编通知单".into(),
        doc: "盐编〔2026〕12号".into(),
        issuer: "盐城市盐都区机构编制委员会办公室".into(),
        effective: d("2026-03-01"),
        made_on: d("2026-03-02"),
        intro: "兹核准下列人员入编：".into(),
        headers: vec!["姓名".into(), "单位".into(), "编制类型".into()],
        rows: vec![vec![
            "孙悦".into(),
            "盐都区实验小学".into(),
            "事业编制（全额拨款）".into(),
        ]],
        code: "RB-12-7F3A9C21".into(),
        verify_url: "http://127.0.0.1:8080/verify/RB-12-7F3A9C21".into(),
    }
}

#[test]
fn a_notice_reads_back_with_its_doc_number_unit_and_code() {
    let bytes = match notice(&sample()) {
        Ok(b) => b,
        Err(PdfError::NoFont(where_)) if std::env::var_os("CI").is_none() => {
            println!("跳过：未找到中文字体（{where_}）");
            return;
        }
        Err(e) => panic!("{e}"),
    };
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(
        bytes.len() < 400_000,
        "the font is subset: {} bytes",
        bytes.len()
    );
    let text = pdf_extract::extract_text_from_mem(&bytes).unwrap();
    let flat: String = text.split_whitespace().collect();
    for want in [
        "入编通知单",
        "盐编〔2026〕12号",
        "盐都区实验小学",
        "孙悦",
        "RB-12-7F3A9C21",
        "机构编制委员会办公室",
    ] {
        assert!(flat.contains(want), "{want} not in: {text}");
    }
}

/// Writes the sample to `target/screenshots/notice-sample.pdf` for a look.
#[test]
#[ignore = "writes a sample file for a person to look at"]
fn write_sample_notice() {
    let bytes = notice(&sample()).unwrap();
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/screenshots");
    std::fs::create_dir_all(&dir).unwrap();
    std::fs::write(dir.join("notice-sample.pdf"), bytes).unwrap();
}
