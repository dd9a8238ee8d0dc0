//! xlsx output of report tables and reading of spreadsheets (xlsx, xls, csv).

use std::path::Path;

use rust_xlsxwriter::{Format, FormatAlign, FormatBorder, Workbook, XlsxError};

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
}

/// Writes tables to one workbook, one sheet each: a bold header row that is
/// frozen, column widths from the contents, text cells stored as text (so an
/// 18-digit 身份证号 never becomes a number), and the totals row in bold.
pub fn workbook(tables: &[&Table]) -> Result<Workbook, SheetError> {
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
    for t in tables {
        let ws = wb.add_worksheet();
        ws.set_name(sheet_name(&t.title))?;
        for (c, h) in t.headers.iter().enumerate() {
            ws.write_string_with_format(0, c as u16, h, &head)?;
        }
        ws.set_freeze_panes(1, 0)?;
        let rows = t.rows.iter().map(|r| (r, false));
        let totals = t.totals.iter().map(|r| (r, true));
        for (n, (r, is_total)) in rows.chain(totals).enumerate() {
            let row = n as u32 + 1;
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

fn from_rows(mut rows: Vec<Vec<Raw>>) -> Sheet {
    if rows.is_empty() {
        return Sheet {
            headers: Vec::new(),
            rows: Vec::new(),
        };
    }
    let headers = rows.remove(0).iter().map(Raw::text).collect();
    let rows = rows
        .into_iter()
        .enumerate()
        .filter(|(_, r)| r.iter().any(|c| *c != Raw::Empty && c.text() != ""))
        .map(|(n, r)| (n + 2, r))
        .collect();
    Sheet { headers, rows }
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

/// Reads csv bytes (UTF-8 with or without BOM, or GBK/GB18030).
pub fn read_csv(bytes: &[u8]) -> Result<Sheet, SheetError> {
    let text = decode_csv(bytes)?;
    let mut r = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(text.as_bytes());
    let mut rows = Vec::new();
    for rec in r.records() {
        let rec = rec.map_err(|e| SheetError::Open(format!("CSV 格式错误：{e}")))?;
        rows.push(
            rec.iter()
                .map(|s| {
                    if s.trim().is_empty() {
                        Raw::Empty
                    } else {
                        Raw::Text(s.to_string())
                    }
                })
                .collect(),
        );
    }
    Ok(from_rows(rows))
}

/// Reads a sheet of an xlsx or xls file (`sheet` by name, or the first).
pub fn read_workbook(path: &Path, sheet: Option<&str>) -> Result<Sheet, SheetError> {
    let wb = calamine::open_workbook_auto(path).map_err(|e| SheetError::Open(e.to_string()))?;
    read_sheets(wb, sheet)
}

/// Reads a spreadsheet held in memory (an upload): `ext` is the file name's
/// extension (xlsx, xlsm, xls or csv).
pub fn read_bytes(bytes: &[u8], ext: &str, sheet: Option<&str>) -> Result<Sheet, SheetError> {
    match ext.to_ascii_lowercase().as_str() {
        "csv" => read_csv(bytes),
        "xlsx" | "xlsm" | "xls" => {
            let wb = calamine::open_workbook_auto_from_rs(std::io::Cursor::new(bytes))
                .map_err(|e| SheetError::Open(e.to_string()))?;
            read_sheets(wb, sheet)
        }
        e => Err(SheetError::Extension(e.into())),
    }
}

fn read_sheets<RS: std::io::Read + std::io::Seek>(
    mut wb: calamine::Sheets<RS>,
    sheet: Option<&str>,
) -> Result<Sheet, SheetError> {
    use calamine::{Data, Reader};
    let names = wb.sheet_names().to_vec();
    let name = match sheet {
        Some(s) => names
            .iter()
            .find(|n| n.as_str() == s)
            .cloned()
            .ok_or_else(|| SheetError::NoSheet(s.into()))?,
        None => names
            .first()
            .cloned()
            .ok_or_else(|| SheetError::NoSheet("（任何）".into()))?,
    };
    let range = wb
        .worksheet_range(&name)
        .map_err(|e| SheetError::Open(e.to_string()))?;
    // Formulas by position (relative to the value range's start), so a cell
    // computed by a formula is reported instead of read as data.
    let formulas = wb.worksheet_formula(&name).ok();
    let start = range.start().unwrap_or((0, 0));
    let formula_at = |row: usize, col: usize| -> Option<String> {
        let f = formulas.as_ref()?;
        let (r, c) = (start.0 as usize + row, start.1 as usize + col);
        f.get_value((r as u32, c as u32))
            .filter(|s| !s.is_empty())
            .cloned()
    };
    let rows = range
        .rows()
        .enumerate()
        .map(|(ri, r)| {
            r.iter()
                .enumerate()
                .map(|(ci, c)| match c {
                    _ if formula_at(ri, ci).is_some() => {
                        Raw::Formula(formula_at(ri, ci).unwrap_or_default())
                    }
                    Data::Empty => Raw::Empty,
                    Data::String(s) => Raw::Text(s.clone()),
                    Data::Int(i) => Raw::Number(*i as f64),
                    Data::Float(f) => Raw::Number(*f),
                    Data::Bool(b) => Raw::Text(b.to_string()),
                    Data::DateTime(d) => {
                        // Excel serial day (1900 system): day 0 = 1899-12-30.
                        let base =
                            chrono::NaiveDate::from_ymd_opt(1899, 12, 30).unwrap_or_default();
                        match base.checked_add_signed(chrono::Duration::days(d.as_f64() as i64)) {
                            Some(date) => Raw::Text(date.to_string()),
                            None => Raw::Other(d.to_string()),
                        }
                    }
                    Data::DateTimeIso(s) | Data::DurationIso(s) => Raw::Text(s.clone()),
                    Data::Error(e) => Raw::Other(format!("{e:?}")),
                })
                .collect()
        })
        .collect();
    Ok(from_rows(rows))
}

/// Reads a spreadsheet by its extension: .xlsx/.xlsm/.xls (a sheet by name or
/// the first) or .csv.
pub fn read_any(path: &Path, sheet: Option<&str>) -> Result<Sheet, SheetError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    match ext.as_str() {
        "csv" => {
            let b = std::fs::read(path).map_err(|e| SheetError::Open(e.to_string()))?;
            read_csv(&b)
        }
        "xlsx" | "xlsm" | "xls" => read_workbook(path, sheet),
        e => Err(SheetError::Extension(e.into())),
    }
}
