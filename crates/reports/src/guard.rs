//! Checks on a spreadsheet's container before calamine reads it, so a small
//! hostile file cannot make the reader allocate without bound (a zip bomb, a
//! lying uncompressed size, shared formulas spanning the whole sheet).
//!
//! - xlsx (zip): number of entries, each entry's declared and *actual*
//!   uncompressed size (inflated here under a `take` limit, so a lying header
//!   is caught), the total, the compression ratio, and in every XML part the
//!   shared formulas (calamine keeps a map the size of a shared formula's
//!   range, and a vector as long as its index).
//! - xls (OLE compound file): see [`crate::cfb`].

use std::io::{BufReader, Read, Seek};

use quick_xml::events::Event;

use crate::xlsx::{Limits, SheetError};

/// An entry larger than this is checked for its compression ratio (small
/// entries, such as an empty sheet, compress far better than data does).
const RATIO_FLOOR: u64 = 1024 * 1024;

/// Largest total number of cells covered by shared formulas' ranges in one
/// file (calamine keeps one map entry per row or column of each range).
const SHARED_SPAN: u64 = 4 * 1_048_576;

/// What the check found.
#[derive(Debug, Default)]
pub(crate) struct ZipReport {
    /// Whether any part has a formula (`<f>`): only then are formulas read.
    pub formulas: bool,
}

fn mb(n: u64) -> u64 {
    n.div_ceil(1024 * 1024)
}

fn corrupt(what: &str) -> SheetError {
    SheetError::Open(format!("xlsx 文件已损坏（{what}）"))
}

/// Checks the zip container of an xlsx file; `r` is left anywhere.
pub(crate) fn check_zip<R: Read + Seek>(r: R, lim: &Limits) -> Result<ZipReport, SheetError> {
    let mut zip = zip::ZipArchive::new(r).map_err(|_| corrupt("不是有效的 zip 压缩包"))?;
    if zip.len() > lim.zip_entries {
        return Err(SheetError::TooLarge(format!(
            "文件内含 {} 个部件，超出上限（{} 个）",
            zip.len(),
            lim.zip_entries
        )));
    }
    // Declared sizes first: refuses a bomb without inflating anything.
    let mut declared = 0u64;
    for i in 0..zip.len() {
        let f = zip
            .by_index_raw(i)
            .map_err(|_| corrupt("压缩包目录无法读取"))?;
        check_ratio(f.size(), f.compressed_size(), lim)?;
        declared = declared.saturating_add(f.size());
        if declared > lim.unzipped_bytes {
            return Err(SheetError::Unzipped(mb(lim.unzipped_bytes)));
        }
    }
    // Then the real sizes: the headers may lie, so every entry is inflated
    // here under a limit; XML parts are scanned on the way.
    let mut report = ZipReport::default();
    let mut total = 0u64;
    for i in 0..zip.len() {
        let f = zip.by_index(i).map_err(|e| match e {
            zip::result::ZipError::UnsupportedArchive(_) => SheetError::Open(
                "文件已加密或使用了不支持的压缩方式，请另存为普通 xlsx 后再试".into(),
            ),
            _ => corrupt("压缩包内容无法读取"),
        })?;
        let (size, packed) = (f.size(), f.compressed_size());
        let left = lim.unzipped_bytes - total;
        let mut counted = Counted {
            inner: f.take(left.min(size).saturating_add(1)),
            n: 0,
        };
        // Every part is scanned, whatever its name: a workbook may point its
        // sheet at any part.
        let scanned = scan_xml(&mut counted, lim, &mut report);
        let drained = std::io::copy(&mut counted, &mut std::io::sink());
        let n = counted.n;
        if n > size {
            // More data than the header says: a lying size.
            if total + n > lim.unzipped_bytes {
                return Err(SheetError::Unzipped(mb(lim.unzipped_bytes)));
            }
            return Err(corrupt("部件的实际大小与声明不符"));
        }
        scanned?;
        drained.map_err(|_| corrupt("压缩数据无法解压"))?;
        check_ratio(n, packed, lim)?;
        total += n;
    }
    Ok(report)
}

fn check_ratio(size: u64, packed: u64, lim: &Limits) -> Result<(), SheetError> {
    if size > RATIO_FLOOR && size / packed.max(1) > lim.ratio {
        return Err(SheetError::Ratio {
            ratio: size / packed.max(1),
            limit: lim.ratio,
        });
    }
    Ok(())
}

/// A reader that counts what passes through.
struct Counted<R> {
    inner: R,
    n: u64,
}

impl<R: Read> Read for Counted<R> {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let k = self.inner.read(buf)?;
        self.n += k as u64;
        Ok(k)
    }
}

/// Scans one XML part for formulas, so that calamine's formula reader is
/// only given shared formulas of bounded size. The scan stops quietly where
/// the part stops being XML (an image): calamine, reading the part with the
/// same parser and settings, stops there too, so what it can see was checked.
/// (A worksheet's declared `<dimension>` is not trusted for anything: cells
/// are read one by one.)
fn scan_xml<R: Read>(r: &mut R, lim: &Limits, report: &mut ZipReport) -> Result<(), SheetError> {
    let mut xml = quick_xml::Reader::from_reader(BufReader::new(r));
    // As calamine reads it.
    let config = xml.config_mut();
    config.check_end_names = false;
    config.check_comments = false;
    let mut buf = Vec::new();
    let mut masters = 0u64;
    let mut span = 0u64;
    loop {
        buf.clear();
        let Ok(ev) = xml.read_event_into(&mut buf) else {
            return Ok(());
        };
        let e = match &ev {
            Event::Start(e) | Event::Empty(e) => e,
            Event::Eof => break,
            _ => continue,
        };
        if e.local_name().as_ref() != b"f" {
            continue;
        }
        report.formulas = true;
        // Mirrors calamine: `t="shared"` with `si` and `ref` is a
        // master; calamine fills its vector up to `si` and maps every
        // row (or column) of `ref`.
        if attr(e, b"t").as_deref() != Some("shared") {
            continue;
        }
        let Some(reference) = attr(e, b"ref") else {
            continue;
        };
        let si: u64 = attr(e, b"si")
            .and_then(|s| s.parse().ok())
            .ok_or_else(|| corrupt("共享公式编号无效"))?;
        if si > masters + 1024 {
            return Err(corrupt("共享公式编号无效"));
        }
        masters += 1;
        let ((r0, c0), (r1, c1)) =
            parse_range(&reference).ok_or_else(|| corrupt("共享公式范围无效"))?;
        if r1 < r0 || c1 < c0 {
            return Err(corrupt("共享公式范围无效"));
        }
        span += if r0 != r1 {
            (r1 - r0 + 1) as u64
        } else {
            (c1 - c0 + 1) as u64
        };
        if span > SHARED_SPAN.min(lim.cells) {
            return Err(SheetError::TooLarge(format!(
                "共享公式覆盖的单元格超过 {} 个",
                SHARED_SPAN.min(lim.cells)
            )));
        }
    }
    Ok(())
}

fn attr(e: &quick_xml::events::BytesStart<'_>, key: &[u8]) -> Option<String> {
    e.attributes()
        .flatten()
        .find(|a| a.key.as_ref() == key)
        .and_then(|a| String::from_utf8(a.value.into_owned()).ok())
}

/// Excel's largest sheet: 1,048,576 rows × 16,384 columns (A … XFD).
pub const MAX_ROWS: u32 = 1_048_576;
pub const MAX_COLS: u32 = 16_384;

/// `B3` → (2, 1), 0-based; `None` outside Excel's sheet.
pub fn parse_cell(s: &str) -> Option<(u32, u32)> {
    let s = s.trim().replace('$', "");
    let split = s.find(|c: char| c.is_ascii_digit())?;
    let (letters, digits) = s.split_at(split);
    if letters.is_empty() || letters.len() > 3 || digits.len() > 7 {
        return None;
    }
    let mut col = 0u32;
    for c in letters.chars() {
        if !c.is_ascii_alphabetic() {
            return None;
        }
        col = col * 26 + (c.to_ascii_uppercase() as u32 - 'A' as u32 + 1);
    }
    let row: u32 = digits.parse().ok()?;
    if row == 0 || row > MAX_ROWS || col > MAX_COLS {
        return None;
    }
    Some((row - 1, col - 1))
}

/// `A1:C9` (or one cell) → ((row, col), (row, col)), 0-based.
pub fn parse_range(s: &str) -> Option<((u32, u32), (u32, u32))> {
    match s.split_once(':') {
        Some((a, b)) => Some((parse_cell(a)?, parse_cell(b)?)),
        None => {
            let a = parse_cell(s)?;
            Some((a, a))
        }
    }
}

/// Column letters of a 0-based column: 0 → A, 16383 → XFD.
pub fn col_name(mut c: u32) -> String {
    let mut s = Vec::new();
    loop {
        s.push(b'A' + (c % 26) as u8);
        if c < 26 {
            break;
        }
        c = c / 26 - 1;
    }
    s.reverse();
    String::from_utf8(s).unwrap_or_default()
}

/// A cell's name: (0, 0) → A1.
pub fn cell_name(row: u32, col: u32) -> String {
    format!("{}{}", col_name(col), row as u64 + 1)
}
