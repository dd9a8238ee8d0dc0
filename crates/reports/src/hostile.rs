//! Hostile spreadsheets, built in memory, for the tests of the reading
//! limits ([`crate::xlsx::Limits`]) here, in the command line and on the web:
//! each is small on disk and, read naively, would take gigabytes.

use std::io::Write;

use zip::write::SimpleFileOptions;

const CONTENT_TYPES: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" ContentType="application/xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/><Override PartName="/xl/worksheets/sheet1.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/></Types>"#;
const RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>"#;
const WORKBOOK: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="SHEET" sheetId="1" r:id="rId1"/></sheets></workbook>"#;
const WORKBOOK_RELS: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/></Relationships>"#;
const SHEET_HEAD: &str = r#"<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">"#;

/// An xlsx of one sheet `name` whose worksheet part is `head` then `body`
/// repeated `times` times then `tail` (streamed into the deflater, so a
/// gigabyte sheet costs no memory to build).
pub fn xlsx_repeated(name: &str, head: &str, body: &str, times: u64, tail: &str) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(std::io::Cursor::new(Vec::new()));
    let small = SimpleFileOptions::default().compression_method(zip::CompressionMethod::Deflated);
    let big = small.compression_level(Some(9)).large_file(true);
    let mut put = |name: &str, text: &str| {
        z.start_file(name, small).ok();
        z.write_all(text.as_bytes()).ok();
    };
    put("[Content_Types].xml", CONTENT_TYPES);
    put("_rels/.rels", RELS);
    put("xl/workbook.xml", &WORKBOOK.replace("SHEET", name));
    put("xl/_rels/workbook.xml.rels", WORKBOOK_RELS);
    z.start_file("xl/worksheets/sheet1.xml", big).ok();
    z.write_all(SHEET_HEAD.as_bytes()).ok();
    z.write_all(head.as_bytes()).ok();
    if !body.is_empty() {
        let per = ((1 << 20) / body.len()).max(1);
        let chunk = body.repeat(per);
        let mut left = times;
        while left >= per as u64 {
            z.write_all(chunk.as_bytes()).ok();
            left -= per as u64;
        }
        for _ in 0..left {
            z.write_all(body.as_bytes()).ok();
        }
    }
    z.write_all(tail.as_bytes()).ok();
    z.write_all(b"</worksheet>").ok();
    z.finish().map(|c| c.into_inner()).unwrap_or_default()
}

/// An xlsx of one sheet 名单 with this worksheet XML (after `<worksheet>`).
pub fn xlsx(sheet: &str) -> Vec<u8> {
    xlsx_repeated("名单", sheet, "", 0, "")
}

fn text_cell(r: &str, s: &str) -> String {
    format!(r#"<c r="{r}" t="inlineStr"><is><t>{s}</t></is></c>"#)
}

/// Finding 1: one cell at A1 and one at XFD1048576 (1,657 bytes in the
/// audit). A reader that allocates the bounding box asks for 16,384 ×
/// 1,048,576 cells (512 GiB) and the process aborts.
pub fn sparse_corners() -> Vec<u8> {
    sparse_corners_in("名单")
}

/// [`sparse_corners`] in a sheet named `sheet` (人员 for `bianzhi import`).
pub fn sparse_corners_in(sheet: &str) -> Vec<u8> {
    xlsx_repeated(
        sheet,
        &format!(
            r#"<dimension ref="A1:XFD1048576"/><sheetData><row r="1">{}</row><row r="1048576">{}</row></sheetData>"#,
            text_cell("A1", "姓名"),
            text_cell("XFD1048576", "x")
        ),
        "",
        0,
        "",
    )
}

/// A roster (姓名, 身份证号, 单位) with these rows, declaring the whole sheet
/// `A1:XFD1048576` as its dimension.
pub fn declared_huge(rows: &[[&str; 3]]) -> Vec<u8> {
    let mut s = String::from(r#"<dimension ref="A1:XFD1048576"/><sheetData>"#);
    let head = [["姓名", "身份证号", "单位"]];
    for (i, r) in head.iter().chain(rows).enumerate() {
        let n = i + 1;
        s.push_str(&format!(r#"<row r="{n}">"#));
        for (c, v) in r.iter().enumerate() {
            s.push_str(&text_cell(&format!("{}{n}", ["A", "B", "C"][c]), v));
        }
        s.push_str("</row>");
    }
    s.push_str("</sheetData>");
    xlsx(&s)
}

/// Finding 2: a zip bomb, a sheet of `mib` MiB of one repeated row that
/// deflates about 340 to 1 (1 GiB in about 3 MB). The rows carry no
/// number, so each is the next row: read naively, every repetition is a cell
/// kept in memory (16 million for 1 GiB).
pub fn zip_bomb(mib: u64) -> Vec<u8> {
    zip_bomb_in("名单", mib)
}

/// [`zip_bomb`] in a sheet named `sheet`.
pub fn zip_bomb_in(sheet: &str, mib: u64) -> Vec<u8> {
    let row = r#"<row><c t="inlineStr"><is><t>测试</t></is></c></row>"#;
    let head = format!(r#"<sheetData><row r="1">{}</row>"#, text_cell("A1", "姓名"));
    xlsx_repeated(
        sheet,
        &head,
        row,
        (mib << 20) / row.len() as u64,
        "</sheetData>",
    )
}

/// A zip whose entries' declared uncompressed sizes are rewritten to
/// `size` (a lying header: the data inflates to more).
pub fn lying_size(mut zip: Vec<u8>, size: u32) -> Vec<u8> {
    let le = size.to_le_bytes();
    let mut i = 0;
    while i + 30 <= zip.len() {
        match &zip[i..i + 4] {
            // Local file header: uncompressed size at 22.
            b"PK\x03\x04" => zip[i + 22..i + 26].copy_from_slice(&le),
            // Central directory header: uncompressed size at 24.
            b"PK\x01\x02" if i + 28 <= zip.len() => zip[i + 24..i + 28].copy_from_slice(&le),
            _ => {}
        }
        i += 1;
    }
    zip
}

/// Shared formulas whose index (`si`) is four billion: calamine's formula
/// reader fills a vector up to it.
pub fn shared_formula_index() -> Vec<u8> {
    xlsx(&format!(
        r#"<sheetData><row r="1">{}<c r="B1"><f t="shared" si="4000000000" ref="B1:B3">A1</f><v>0</v></c></row></sheetData>"#,
        text_cell("A1", "姓名")
    ))
}

// ---------------------------------------------------------------- xls

fn record(out: &mut Vec<u8>, typ: u16, data: &[u8]) {
    out.extend_from_slice(&typ.to_le_bytes());
    out.extend_from_slice(&(data.len() as u16).to_le_bytes());
    out.extend_from_slice(data);
}

fn bof(out: &mut Vec<u8>, dt: u16) {
    let mut d = vec![0u8; 16];
    d[0..2].copy_from_slice(&0x0600u16.to_le_bytes());
    d[2..4].copy_from_slice(&dt.to_le_bytes());
    record(out, 0x0809, &d);
}

/// A cell of an xls sheet: text (a BIFF8 Label) or a number.
#[derive(Debug, Clone)]
pub enum XlsCell {
    Text(String),
    Number(f64),
}

/// A BIFF8 workbook stream of one sheet 名单 with these cells (row, column),
/// and the DIMENSIONS record `dims` (rwMic, rwMac, colMic, colMac) if given.
pub fn biff8(cells: &[(u16, u16, XlsCell)], dims: Option<(u32, u32, u16, u16)>) -> Vec<u8> {
    let mut g = Vec::new();
    bof(&mut g, 0x0005);
    // CODEPAGE: UTF-16.
    record(&mut g, 0x0042, &1200u16.to_le_bytes());
    let name: Vec<u16> = "名单".encode_utf16().collect();
    let mut bs = vec![0u8; 6];
    bs.push(name.len() as u8);
    bs.push(1); // UTF-16
    for u in &name {
        bs.extend_from_slice(&u.to_le_bytes());
    }
    let bs_at = g.len() + 4;
    record(&mut g, 0x0085, &bs);
    record(&mut g, 0x000A, &[]);
    let pos = g.len() as u32;
    g[bs_at..bs_at + 4].copy_from_slice(&pos.to_le_bytes());
    bof(&mut g, 0x0010);
    if let Some((r0, r1, c0, c1)) = dims {
        let mut d = Vec::new();
        d.extend_from_slice(&r0.to_le_bytes());
        d.extend_from_slice(&r1.to_le_bytes());
        d.extend_from_slice(&c0.to_le_bytes());
        d.extend_from_slice(&c1.to_le_bytes());
        d.extend_from_slice(&[0, 0]);
        record(&mut g, 0x0200, &d);
    }
    for (r, c, v) in cells {
        let mut d = Vec::new();
        d.extend_from_slice(&r.to_le_bytes());
        d.extend_from_slice(&c.to_le_bytes());
        d.extend_from_slice(&0u16.to_le_bytes());
        match v {
            XlsCell::Number(f) => {
                d.extend_from_slice(&f.to_le_bytes());
                record(&mut g, 0x0203, &d);
            }
            XlsCell::Text(s) => {
                let u: Vec<u16> = s.encode_utf16().collect();
                d.extend_from_slice(&(u.len() as u16).to_le_bytes());
                d.push(1);
                for x in u {
                    d.extend_from_slice(&x.to_le_bytes());
                }
                record(&mut g, 0x0204, &d);
            }
        }
    }
    record(&mut g, 0x000A, &[]);
    g
}

/// An xls file holding this workbook stream.
pub fn xls(stream: &[u8]) -> Vec<u8> {
    crate::cfb::build(stream)
}
