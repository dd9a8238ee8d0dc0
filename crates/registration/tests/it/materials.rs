//! Uploaded files: type by content, size, SM3; the checklist per kind.

use bianzhi_registration::application::AppKind;
use bianzhi_registration::material::{check_file, checklist, FileType, MaterialKind};
use bianzhi_registration::Change;

#[test]
fn a_pdf_is_accepted_with_its_digest() {
    let m = check_file(
        MaterialKind::ApplicationForm,
        "申请书.pdf",
        b"%PDF-1.4\nabc",
        1024,
    )
    .unwrap();
    assert_eq!(m.content_type, FileType::Pdf);
    assert_eq!(m.sm3.len(), 64);
    let png = check_file(MaterialKind::Other, "a.png", b"\x89PNG\r\n\x1a\n0000", 1024).unwrap();
    assert_eq!(png.content_type, FileType::Png);
}

#[test]
fn a_file_of_the_wrong_type_is_refused_whatever_its_name() {
    let e = check_file(
        MaterialKind::ApplicationForm,
        "申请书.pdf",
        b"MZ\x90\x00 not a pdf",
        1024,
    )
    .unwrap_err();
    assert_eq!(e.code(), "file_type");
    assert!(e.to_string().contains("不是 PDF"));
    let e = check_file(
        MaterialKind::ApplicationForm,
        "申请书.docx",
        b"PK\x03\x04 a word file",
        1024,
    )
    .unwrap_err();
    assert_eq!(e.code(), "file_type");
}

#[test]
fn a_file_too_large_or_empty_is_refused() {
    let big = {
        let mut v = b"%PDF-1.4\n".to_vec();
        v.resize(2 * 1024 * 1024 + 1, b'x');
        v
    };
    let e = check_file(
        MaterialKind::ApplicationForm,
        "大.pdf",
        &big,
        2 * 1024 * 1024,
    )
    .unwrap_err();
    assert_eq!(e.code(), "file_too_large");
    assert!(e.to_string().contains("2 MB"));
    let e = check_file(MaterialKind::ApplicationForm, "空.pdf", b"", 1024).unwrap_err();
    assert_eq!(e.code(), "empty_file");
}

#[test]
fn the_checklist_follows_the_kind_and_the_changed_items() {
    let dereg = checklist(AppKind::Deregister, &[]);
    assert!(dereg.contains(&MaterialKind::LiquidationReport));
    assert!(dereg.contains(&MaterialKind::Certificate));
    let name = checklist(
        AppKind::Change,
        &[
            Change::Name { name: "x".into() },
            Change::Domicile {
                domicile: "y".into(),
            },
        ],
    );
    assert!(name.contains(&MaterialKind::Approval));
    assert!(name.contains(&MaterialKind::DomicileProof));
    assert!(!name.contains(&MaterialKind::LegalRepDocs));
    let est = checklist(AppKind::Establish, &[]);
    assert!(est.contains(&MaterialKind::Charter));
    assert!(est.contains(&MaterialKind::CapitalConfirmation));
}
