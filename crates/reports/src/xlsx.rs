//! xlsx output of report tables and reading of spreadsheets (xlsx, xls, csv).

use std::collections::BTreeMap;
use std::io::{Read, Seek, SeekFrom};
use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

use crate::guard;
use crate::table::{Cell, Table};

/// Errors of reading or writing a spreadsheet, in Chinese.
#[derive(Debug, thiserror::Error)]
pub enum SheetError {
    #[error("写入 xlsx 失败：{0}")]
    Write(#[from] XlsxError),
    #[error("无法读取文件（不是有效的 xlsx/xls/csv 文件，或文件已损坏）：{0}")]
    Open(String),
    #[error("文件中没有工作表“{0}”")]
    NoSheet(String),
    #[error("不支持的文件类型“{0}”（应为 xlsx、xls 或 csv）")]
    Extension(String),
    /// The file itself is larger than [`Limits::file_bytes`].
    #[error("文件过大（{size} MB，上限 {limit} MB），已拒绝，请分批处理")]
    FileTooLarge { size: u64, limit: u64 },
    /// The xlsx inflates to more than [`Limits::unzipped_bytes`] (in MB).
    #[error("文件解压后超过 {0} MB，已拒绝（可能是“压缩炸弹”，或表格过大，请分批处理）")]
    Unzipped(u64),
    #[error("文件的压缩比异常（{ratio} 倍，上限 {limit} 倍），可能是“压缩炸弹”，已拒绝")]
    Ratio { ratio: u64, limit: u64 },
    /// Too many cells or columns, or too much text.
    #[error("表格过大：{0}")]
    TooLarge(String),
}

/// Bounds on what one spreadsheet may hold, checked before or while reading
/// and never after allocating, so a small hostile file (a zip bomb, one cell
/// at A1 and one at XFD1048576) is refused with a message instead of
/// exhausting memory. Memory while reading follows the cells present, not
/// the sheet's bounding box or declared dimension: about `cells` × 32 bytes
/// plus `text_bytes` at most.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Largest file (xlsx, xls or csv), in bytes.
    pub file_bytes: u64,
    /// Largest total uncompressed size of an xlsx's parts, in bytes.
    pub unzipped_bytes: u64,
    /// Largest compression ratio of an xlsx part (parts above 1 MiB).
    pub ratio: u64,
    /// Most parts in an xlsx.
    pub zip_entries: usize,
    /// Columns read (A, B, …): a cell with contents beyond them is refused.
    pub columns: u32,
    /// Most cells of a sheet, counted per row from column A to the row's
    /// last cell with contents.
    pub cells: u64,
    /// Most text (bytes of UTF-8) in a sheet's cells.
    pub text_bytes: u64,
}

impl Default for Limits {
    /// For files given on the command line (`bianzhi import`, `bianzhi
    /// reconcile`): a 1,048,576-row roster of 16 columns still reads.
    fn default() -> Limits {
        Limits {
            file_bytes: 512 * MIB,
            unzipped_bytes: 2048 * MIB,
            ratio: 100,
            zip_entries: 10_000,
            columns: 256,
            cells: 16 * 1_048_576,
            text_bytes: 1024 * MIB,
        }
    }
}

impl Limits {
    /// For an upload to the web server, where users share the memory (the
    /// upload itself is at most 20 MiB).
    pub fn upload() -> Limits {
        Limits {
            file_bytes: 32 * MIB,
            unzipped_bytes: 512 * MIB,
            cells: 8 * 1_048_576,
            text_bytes: 256 * MIB,
            ..Limits::default()
        }
    }
}

const MIB: u64 = 1024 * 1024;

/// Writes tables to one workbook, one sheet each: a bold header row that is
/// frozen, column widths from the contents, text cells stored as text (so an
/// 18-digit 身份证号 never becomes a number), and the totals row in bold.
pub fn workbook(tables: &[&Table]) -> Result<Workbook, SheetError> {
    let sheets: Vec<(&Table, &[String])> = tables.iter().map(|t| (*t, &[][..])).collect();
    workbook_headed(&sheets)
}

/// [`workbook`] with lines above each sheet's table (its title, 统计时点,
/// 制表单位 …): the first in bold, then a blank row, then the table, whose
/// header row is frozen below them.
pub fn workbook_headed(sheets: &[(&Table, &[String])]) -> Result<Workbook, SheetError> {
    let mut wb = Workbook::new();
    let head = Format::new()
        .set_bold()
        .set_align(FormatAlign::Center)
        .set_border(FormatBorder::Thin)
        .set_background_color("#DDEBF7");
    let text = Format::new()
        .set_num_format("@")
        .set_border(FormatBorder::Thin);
    let num = Format::new().set_border(FormatBorder::Thin);
    let total_text = text.clone().set_bold();
    let total_num = num.clone().set_bold();
    let title = Format::new().set_bold().set_font_size(14);
    let line = Format::new().set_num_format("@");
    for (t, heading) in sheets {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.title))?;
        for (n, h) in heading.iter().enumerate() {
            let f = if n == 0 { &title } else { &line };
            ws.write_string_with_format(n as u32, 0, h, f)?;
        }
        // The table starts below the heading and one blank row.
        let top = if heading.is_empty() {
            0
        } else {
            heading.len() as u32 + 1
        };
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(top, c as u16, h, &head)?;
        }
        ws.set_freeze_panes(top + 1, 0)?;
        let rows = t.rows.iter().map(|r| (r, false));
        let totals = t.totals.iter().map(|r| (r, true));
        for (n, (r, is_total)) in rows.chain(totals).enumerate() {
            let row = top + n as u32 + 1;
            for (c, cell) in r.iter().enumerate() {
                let (tf, nf) = if is_total {
                    (&total_text, &total_num)
                } else {
                    (&text, &num)
                };
                match cell {
                    Cell::Text(s) => ws.write_string_with_format(row, c as u16, s, tf)?,
                    Cell::Int(v) => ws.write_number_with_format(row, c as u16, *v as f64, nf)?,
                    Cell::Empty => ws.write_blank(row, c as u16, tf)?,
                };
            }
        }
        for (c, w) in t.widths().iter().enumerate() {
            ws.set_column_width(c as u16, (*w as f64 + 2.0).min(60.0))?;
        }
    }
    Ok(wb)
}

/// Writes one table to an xlsx file.
pub fn write_table(t: &Table, path: &Path) -> Result<(), SheetError> {
    workbook(&[t])?.save(path)?;
    Ok(())
}

/// A valid sheet name (≤ 31 characters, none of `[]:*?/\`).
pub fn sheet_name(title: &str) -> String {
    let s: String = title
        .chars()
        .filter(|c| !"[]:*?/\\".contains(*c))
        .take(31)
        .collect();
    if s.is_empty() {
        "Sheet1".into()
    } else {
        s
    }
}

/// A cell as read from a spreadsheet.
#[derive(Debug, Clone, PartialEq)]
pub enum Raw {
    Empty,
    Text(String),
    /// A number cell (an 身份证号 stored this way has lost its precision).
    Number(f64),
    /// A formula's error value or anything else that is not plain data.
    Other(String),
    /// A cell holding a formula (its text, without the leading `=`).
    Formula(String),
}

impl Raw {
    /// The cell as text; numbers that are whole print without a decimal point.
    pub fn text(&self) -> String {
        match self {
            Raw::Empty => String::new(),
            Raw::Text(s) => s.trim().to_string(),
            Raw::Number(f) if f.fract() == 0.0 && f.abs() < 1e15 => format!("{}", *f as i64),
            Raw::Number(f) => f.to_string(),
            Raw::Other(s) => s.clone(),
            Raw::Formula(f) => format!("={f}"),
        }
    }
}

/// A sheet read from a file: a header row and data rows.
#[derive(Debug, Clone, PartialEq)]
pub struct Sheet {
    pub headers: Vec<String>,
    /// Data rows, each with its 1-based row number in the file.
    pub rows: Vec<(usize, Vec<Raw>)>,
}

impl Sheet {
    /// Column index of each wanted header; the missing ones as an error.
    pub fn columns(&self, wanted: &[&str]) -> Result<Vec<usize>, Vec<String>> {
        let mut out = Vec::new();
        let mut missing = Vec::new();
        for w in wanted {
            match self.headers.iter().position(|h| h.trim() == *w) {
                Some(i) => out.push(i),
                None => missing.push(w.to_string()),
            }
        }
        if missing.is_empty() {
            Ok(out)
        } else {
            Err(missing)
        }
    }
}

/// Whether a cell holds nothing (an empty cell or an empty text).
fn blank(c: &Raw) -> bool {
    match c {
        Raw::Empty => true,
        Raw::Text(s) => s.is_empty(),
        _ => false,
    }
}

/// A sheet being read: the rows that have cells with contents, by 0-based
/// row number, each from column A to its last cell with contents. Bounded
/// by [`Limits`] as cells arrive, so memory follows the cells present and
/// never the sheet's bounding box.
struct Grid<'a> {
    lim: &'a Limits,
    /// The sheet, for messages: 工作表“人员”.
    what: String,
    rows: BTreeMap<u32, Vec<Raw>>,
    cells: u64,
    text: u64,
}

impl<'a> Grid<'a> {
    fn new(lim: &'a Limits, what: String) -> Grid<'a> {
        Grid {
            lim,
            what,
            rows: BTreeMap::new(),
            cells: 0,
            text: 0,
        }
    }

    fn put(&mut self, row: u32, col: u32, v: Raw) -> Result<(), SheetError> {
        if blank(&v) {
            return Ok(());
        }
        let lim = self.lim;
        if col >= lim.columns {
            return Err(SheetError::TooLarge(format!(
                "{}的单元格 {} 有内容，超出上限（最多 {} 列，即 A 至 {} 列）",
                self.what,
                guard::cell_name(row, col),
                lim.columns,
                guard::col_name(lim.columns.saturating_sub(1))
            )));
        }
        if let Raw::Text(s) | Raw::Other(s) | Raw::Formula(s) = &v {
            self.text += s.len() as u64;
            if self.text > lim.text_bytes {
                return Err(SheetError::TooLarge(format!(
                    "{}的文字超过 {} MB，请分批处理",
                    self.what,
                    lim.text_bytes / MIB
                )));
            }
        }
        let r = self.rows.entry(row).or_default();
        let col = col as usize;
        if r.len() <= col {
            self.cells += (col + 1 - r.len()) as u64;
            if self.cells > lim.cells {
                return Err(SheetError::TooLarge(format!(
                    "{}的单元格超过 {} 万个（按每行从 A 列到最后一个有内容的单元格计），请分批处理",
                    self.what,
                    lim.cells / 10_000
                )));
            }
            r.resize(col + 1, Raw::Empty);
        }
        r[col] = v;
        Ok(())
    }

    /// The first row with contents is the header; columns before the first
    /// one with contents anywhere are dropped; rows keep their number in the
    /// file (1-based).
    fn finish(self) -> Sheet {
        let first = self
            .rows
            .values()
            .filter_map(|r| r.iter().position(|c| !blank(c)))
            .min()
            .unwrap_or(0);
        let mut rows = self.rows.into_iter();
        let Some((_, head)) = rows.next() else {
            return Sheet {
                headers: Vec::new(),
                rows: Vec::new(),
            };
        };
        let headers = head.iter().skip(first).map(Raw::text).collect();
        let rows = rows
            .map(|(n, mut r)| {
                r.drain(..first.min(r.len()));
                (n as usize + 1, r)
            })
            .filter(|(_, r)| r.iter().any(|c| *c != Raw::Empty && c.text() != ""))
            .collect();
        Sheet { headers, rows }
    }
}

/// Decodes csv bytes: UTF-8 (an optional BOM is dropped), or else GBK /
/// GB18030, which old Windows systems (and Excel's “CSV” on a Chinese
/// Windows) write. Bytes that are neither are refused.
pub fn decode_csv(bytes: &[u8]) -> Result<std::borrow::Cow<'_, str>, SheetError> {
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Ok(s) = std::str::from_utf8(bytes) {
        return Ok(std::borrow::Cow::Borrowed(s));
    }
    encoding_rs::GB18030
        .decode_without_bom_handling_and_without_replacement(bytes)
        .ok_or_else(|| SheetError::Open("CSV 文件编码无法识别（应为 UTF-8 或 GBK/GB18030）".into()))
}

fn check_size(size: u64, lim: &Limits) -> Result<(), SheetError> {
    if size > lim.file_bytes {
        return Err(SheetError::FileTooLarge {
            size: size.div_ceil(MIB),
            limit: lim.file_bytes / MIB,
        });
    }
    Ok(())
}

/// Reads csv bytes (UTF-8 with or without BOM, or GBK/GB18030).
pub fn read_csv(bytes: &[u8]) -> Result<Sheet, SheetError> {
    read_csv_with(bytes, &Limits::default())
}

/// Reads csv bytes within `lim` (file size, columns, cells, text).
pub fn read_csv_with(bytes: &[u8], lim: &Limits) -> Result<Sheet, SheetError> {
    check_size(bytes.len() as u64, lim)?;
    let text = decode_csv(bytes)?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut g = Grid::new(lim, "CSV 文件".into());
    let mut rec = csv::StringRecord::new();
    let mut n = 0u32;
    loop {
        match r.read_record(&mut rec) {
            Ok(true) => {}
            Ok(false) => break,
            Err(e) => {
                let at = e
                    .position()
                    .map(|p| format!("第 {} 行", p.line()))
                    .unwrap_or_default();
                return Err(SheetError::Open(format!("CSV 格式错误{at}")));
            }
        }
        for (c, s) in rec.iter().enumerate() {
            if !s.trim().is_empty() {
                let c = u32::try_from(c).unwrap_or(u32::MAX);
                g.put(n, c, Raw::Text(s.to_string()))?;
            }
        }
        n = n.saturating_add(1);
    }
    Ok(g.finish())
}

/// What a file's first bytes say it is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Magic {
    /// A zip archive: xlsx or xlsm.
    Zip,
    /// An OLE compound file: xls (or an encrypted xlsx).
    Ole,
    Other,
}

fn magic(head: &[u8]) -> Magic {
    if head.starts_with(b"PK\x03\x04") {
        Magic::Zip
    } else if head.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]) {
        Magic::Ole
    } else {
        Magic::Other
    }
}

fn not_a_workbook() -> SheetError {
    SheetError::Open("不是 xlsx 或 xls 文件".into())
}

/// Runs a calamine read, turning a panic on a malformed file into an error.
fn guarded<T>(f: impl FnOnce() -> Result<T, SheetError>) -> Result<T, SheetError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(f))
        .unwrap_or_else(|_| Err(SheetError::Open("文件内容异常，无法解析".into())))
}

fn xlsx_err(e: calamine::XlsxError) -> SheetError {
    match e {
        calamine::XlsxError::Password => SheetError::Open("文件设有密码，请取消密码后再试".into()),
        _ => SheetError::Open("工作簿内容无法解析".into()),
    }
}

fn xls_err(e: calamine::XlsError) -> SheetError {
    match e {
        calamine::XlsError::Password => SheetError::Open("文件设有密码，请取消密码后再试".into()),
        _ => SheetError::Open("xls 工作簿内容无法解析".into()),
    }
}

/// The sheets wanted (`None`: the first), each `None` if the workbook has no
/// sheet of that name.
fn pick(names: &[String], wanted: &[Option<&str>]) -> Vec<Option<(usize, String)>> {
    wanted
        .iter()
        .map(|w| match w {
            Some(s) => names
                .iter()
                .position(|n| n == s)
                .map(|i| (i, names[i].clone())),
            None => names.first().map(|n| (0, n.clone())),
        })
        .collect()
}

fn sheet_label(i: usize, name: &str) -> String {
    format!("第 {} 个工作表“{name}”", i + 1)
}

fn raw_of(c: calamine::DataRef<'_>) -> Raw {
    use calamine::DataRef as D;
    match c {
        D::Empty => Raw::Empty,
        D::String(s) => Raw::Text(s),
        D::SharedString(s) => Raw::Text(s.to_string()),
        D::Int(i) => Raw::Number(i as f64),
        D::Float(f) => Raw::Number(f),
        D::Bool(b) => Raw::Text(b.to_string()),
        D::DateTime(d) => date_of(d),
        D::DateTimeIso(s) | D::DurationIso(s) => Raw::Text(s),
        D::Error(e) => Raw::Other(format!("{e:?}")),
    }
}

fn raw_of_data(c: &calamine::Data) -> Raw {
    use calamine::Data as D;
    match c {
        D::Empty => Raw::Empty,
        D::String(s) => Raw::Text(s.clone()),
        D::Int(i) => Raw::Number(*i as f64),
        D::Float(f) => Raw::Number(*f),
        D::Bool(b) => Raw::Text(b.to_string()),
        D::DateTime(d) => date_of(*d),
        D::DateTimeIso(s) | D::DurationIso(s) => Raw::Text(s.clone()),
        D::Error(e) => Raw::Other(format!("{e:?}")),
    }
}

/// A date cell as text: `2026-11-03`, or `2026-11-03 09:15:00` when it
/// holds a time of day too.
fn date_of(d: calamine::ExcelDateTime) -> Raw {
    match excel_datetime(d.as_f64()) {
        Some(t) if t.time() == chrono::NaiveTime::MIN => Raw::Text(t.date().to_string()),
        Some(t) => Raw::Text(t.format("%Y-%m-%d %H:%M:%S").to_string()),
        None => Raw::Other(d.to_string()),
    }
}

/// An Excel serial date-time (1900 system: day 0 = 1899-12-30, the time of
/// day the fraction), to the nearest second; `None` outside 1900–9999.
pub fn excel_datetime(serial: f64) -> Option<chrono::NaiveDateTime> {
    if !serial.is_finite() || !(1.0..2_958_466.0).contains(&serial) {
        return None;
    }
    let base = chrono::NaiveDate::from_ymd_opt(1899, 12, 30)?.and_time(chrono::NaiveTime::MIN);
    let secs = (serial * 86_400.0).round() as i64;
    base.checked_add_signed(chrono::Duration::seconds(secs))
}

/// Reads sheets of an xlsx: the zip is checked first ([`guard::check_zip`]),
/// then cells are streamed one by one (calamine's `worksheet_cells_reader`,
/// never `worksheet_range`, which allocates the bounding box).
fn xlsx_sheets<R: Read + Seek>(
    mut r: R,
    wanted: &[Option<&str>],
    lim: &Limits,
) -> Result<Vec<Option<Sheet>>, SheetError> {
    let report = guard::check_zip(&mut r, lim)?;
    r.seek(SeekFrom::Start(0))
        .map_err(|_| SheetError::Open("文件无法读取".into()))?;
    guarded(|| {
        let mut wb: calamine::Xlsx<R> = calamine::Reader::new(r).map_err(xlsx_err)?;
        let names = calamine::Reader::sheet_names(&wb);
        let mut out = Vec::new();
        for w in pick(&names, wanted) {
            let Some((i, name)) = w else {
                out.push(None);
                continue;
            };
            let mut g = Grid::new(lim, sheet_label(i, &name));
            let mut cells = match wb.worksheet_cells_reader(&name) {
                Ok(c) => c,
                // A chart sheet: no cells.
                Err(calamine::XlsxError::NotAWorksheet(_)) => {
                    out.push(Some(g.finish()));
                    continue;
                }
                Err(e) => return Err(xlsx_err(e)),
            };
            while let Some(c) = cells.next_cell().map_err(xlsx_err)? {
                let (row, col) = c.get_position();
                g.put(row, col, raw_of(c.get_value().clone()))?;
            }
            drop(cells);
            if report.formulas {
                // Safe now: the check bounded shared formulas' ranges and indexes.
                let mut cells = wb.worksheet_cells_reader(&name).map_err(xlsx_err)?;
                while let Some(c) = cells.next_formula().map_err(xlsx_err)? {
                    if !c.get_value().is_empty() {
                        let (row, col) = c.get_position();
                        g.put(row, col, Raw::Formula(c.get_value().clone()))?;
                    }
                }
            }
            out.push(Some(g.finish()));
        }
        Ok(out)
    })
}

/// Reads sheets of an xls: the compound file is checked and rebuilt first
/// ([`crate::cfb::clean_xls`]), so calamine only reads a container whose
/// layout is known and a workbook whose sheets' extent is bounded.
fn xls_sheets(
    bytes: &[u8],
    wanted: &[Option<&str>],
    lim: &Limits,
) -> Result<Vec<Option<Sheet>>, SheetError> {
    let clean = crate::cfb::clean_xls(bytes, lim)?;
    guarded(|| {
        let mut wb: calamine::Xls<_> =
            calamine::Reader::new(std::io::Cursor::new(clean)).map_err(xls_err)?;
        let names = calamine::Reader::sheet_names(&wb);
        let mut out = Vec::new();
        for w in pick(&names, wanted) {
            let Some((i, name)) = w else {
                out.push(None);
                continue;
            };
            let mut g = Grid::new(lim, sheet_label(i, &name));
            let range = calamine::Reader::worksheet_range(&mut wb, &name).map_err(xls_err)?;
            let (r0, c0) = range.start().unwrap_or((0, 0));
            for (r, c, v) in range.used_cells() {
                g.put(r0 + r as u32, c0 + c as u32, raw_of_data(v))?;
            }
            drop(range);
            let f = calamine::Reader::worksheet_formula(&mut wb, &name).map_err(xls_err)?;
            let (r0, c0) = f.start().unwrap_or((0, 0));
            for (r, c, v) in f.used_cells() {
                if !v.is_empty() {
                    g.put(r0 + r as u32, c0 + c as u32, Raw::Formula(v.clone()))?;
                }
            }
            out.push(Some(g.finish()));
        }
        Ok(out)
    })
}

/// Reads sheets of a workbook held in memory, by its content (zip: xlsx,
/// OLE: xls).
fn book_bytes(
    bytes: &[u8],
    wanted: &[Option<&str>],
    lim: &Limits,
) -> Result<Vec<Option<Sheet>>, SheetError> {
    check_size(bytes.len() as u64, lim)?;
    match magic(bytes) {
        Magic::Zip => xlsx_sheets(std::io::Cursor::new(bytes), wanted, lim),
        Magic::Ole => xls_sheets(bytes, wanted, lim),
        Magic::Other => Err(not_a_workbook()),
    }
}

fn book_file(
    path: &Path,
    wanted: &[Option<&str>],
    lim: &Limits,
) -> Result<Vec<Option<Sheet>>, SheetError> {
    let unreadable = |_| SheetError::Open("文件无法打开".into());
    let mut f = std::fs::File::open(path).map_err(unreadable)?;
    let size = f.metadata().map_err(unreadable)?.len();
    check_size(size, lim)?;
    let mut head = [0u8; 8];
    let n = f.read(&mut head).map_err(unreadable)?;
    match magic(&head[..n]) {
        Magic::Zip => {
            f.seek(SeekFrom::Start(0)).map_err(unreadable)?;
            xlsx_sheets(std::io::BufReader::new(f), wanted, lim)
        }
        Magic::Ole => {
            let bytes = std::fs::read(path).map_err(unreadable)?;
            book_bytes(&bytes, wanted, lim)
        }
        Magic::Other => Err(not_a_workbook()),
    }
}

fn one(mut v: Vec<Option<Sheet>>, sheet: Option<&str>) -> Result<Sheet, SheetError> {
    v.pop()
        .flatten()
        .ok_or_else(|| SheetError::NoSheet(sheet.unwrap_or("（任何）").into()))
}

/// Reads a sheet of an xlsx or xls file (`sheet` by name, or the first).
pub fn read_workbook(path: &Path, sheet: Option<&str>) -> Result<Sheet, SheetError> {
    one(book_file(path, &[sheet], &Limits::default())?, sheet)
}

/// Reads several sheets of an xlsx or xls file at once (the file is checked
/// once): each `None` if the workbook has no such sheet.
pub fn read_workbook_sheets(
    path: &Path,
    sheets: &[&str],
    lim: &Limits,
) -> Result<Vec<Option<Sheet>>, SheetError> {
    let wanted: Vec<Option<&str>> = sheets.iter().map(|s| Some(*s)).collect();
    book_file(path, &wanted, lim)
}

/// Reads a spreadsheet held in memory (an upload): `ext` is the file name's
/// extension (xlsx, xlsm, xls or csv).
pub fn read_bytes(bytes: &[u8], ext: &str, sheet: Option<&str>) -> Result<Sheet, SheetError> {
    read_bytes_with(bytes, ext, sheet, &Limits::default())
}

/// [`read_bytes`] within `lim`.
pub fn read_bytes_with(
    bytes: &[u8],
    ext: &str,
    sheet: Option<&str>,
    lim: &Limits,
) -> Result<Sheet, SheetError> {
    match ext.to_ascii_lowercase().as_str() {
        "csv" => read_csv_with(bytes, lim),
        "xlsx" | "xlsm" | "xls" => one(book_bytes(bytes, &[sheet], lim)?, sheet),
        e => Err(SheetError::Extension(e.into())),
    }
}

/// Reads a spreadsheet by its extension: .xlsx/.xlsm/.xls (a sheet by name or
/// the first) or .csv.
pub fn read_any(path: &Path, sheet: Option<&str>) -> Result<Sheet, SheetError> {
    read_any_with(path, sheet, &Limits::default())
}

/// [`read_any`] within `lim`.
pub fn read_any_with(path: &Path, sheet: Option<&str>, lim: &Limits) -> Result<Sheet, SheetError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" => {
            let size = std::fs::metadata(path)
                .map_err(|_| SheetError::Open("文件无法打开".into()))?
                .len();
            check_size(size, lim)?;
            let b = std::fs::read(path).map_err(|_| SheetError::Open("文件无法打开".into()))?;
            read_csv_with(&b, lim)
        }
        "xlsx" | "xlsm" | "xls" => one(book_file(path, &[sheet], lim)?, sheet),
        e => Err(SheetError::Extension(e.into())),
    }
}
