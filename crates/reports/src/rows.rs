//! What the spreadsheet imports (catalogue, work orders, enforcement
//! catalogue, delegations) share: the bad cell error and its listing, the
//! header row located by column names with synonyms, and the cell readers.

use std::hash::Hash;

use rustc_hash::FxHashMap;

use crate::xlsx::{Raw, Sheet};

/// One bad cell: where and why. Shown as `第 N 行“列名”列：原因`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CellError {
    /// 1-based row number in the file (the header row counts).
    pub row: usize,
    /// The column's header as the file writes it.
    pub column: String,
    /// Why, in Chinese.
    pub reason: String,
}

impl std::fmt::Display for CellError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "第 {} 行“{}”列：{}", self.row, self.column, self.reason)
    }
}

/// How many row messages an error's text lists (all are in the value).
const SHOWN: usize = 200;

/// The errors, one a line, the first [`SHOWN`] of them and how many more.
pub(crate) fn list_errors(errors: &[CellError]) -> String {
    let mut s: Vec<String> = errors.iter().take(SHOWN).map(|e| e.to_string()).collect();
    if errors.len() > SHOWN {
        s.push(format!("……另有 {} 处错误未列出", errors.len() - SHOWN));
    }
    s.join("\n")
}

/// How many rows below the first are searched for the header row (a title
/// line or two above it is common).
const HEADER_SEARCH: usize = 5;

/// A header or value without spaces and line breaks (published headers
/// wrap).
pub(crate) fn squash(s: &str) -> String {
    s.chars().filter(|c| !c.is_whitespace()).collect()
}

/// Fields with the header names each is known by (first the template's).
pub(crate) type Fields<F> = [(F, &'static [&'static str])];

/// Where two fields of which a sheet needs one stand in the missing list.
#[derive(Clone, Copy)]
pub(crate) enum Either {
    First,
    Last,
}

/// What a sheet's header row must hold.
pub(crate) struct Layout<F: 'static> {
    /// The fields read, with their names.
    pub fields: &'static Fields<F>,
    /// The columns a sheet must have.
    pub required: &'static [F],
    /// Two fields of which the sheet must have one (at least), and where
    /// `甲或乙` goes in the missing list.
    pub one_of: Option<(F, F, Either)>,
}

impl<F: Copy + Eq + Hash> Layout<F> {
    /// The template's name of a field.
    pub fn name(&self, f: F) -> &'static str {
        self.fields
            .iter()
            .find(|(x, _)| *x == f)
            .map_or("", |(_, names)| names[0])
    }
}

/// Where each field is in the sheet.
pub(crate) struct Columns<F: 'static> {
    pub at: FxHashMap<F, usize>,
    pub headers: Vec<String>,
    layout: &'static Layout<F>,
}

impl<F: Copy + Eq + Hash> Columns<F> {
    /// The fields' columns by their names (headers without spaces; a column
    /// serves one field); the missing required ones as an error.
    fn find(headers: &[String], layout: &'static Layout<F>) -> Result<Columns<F>, Vec<String>> {
        let norm: Vec<String> = headers.iter().map(|h| squash(h)).collect();
        let mut at = FxHashMap::default();
        for (field, names) in layout.fields {
            if let Some(i) = names
                .iter()
                .find_map(|n| norm.iter().position(|h| h == &squash(n)))
            {
                // A column serves one field (期限至 and 截止日期 …).
                if !at.values().any(|&j| j == i) {
                    at.insert(*field, i);
                }
            }
        }
        let mut missing: Vec<String> = layout
            .required
            .iter()
            .filter(|f| !at.contains_key(f))
            .map(|f| layout.name(*f).to_owned())
            .collect();
        if let Some((a, b, place)) = layout.one_of {
            if !at.contains_key(&a) && !at.contains_key(&b) {
                let both = format!("{}或{}", layout.name(a), layout.name(b));
                match place {
                    Either::First => missing.insert(0, both),
                    Either::Last => missing.push(both),
                }
            }
        }
        if missing.is_empty() {
            Ok(Columns {
                at,
                headers: headers.to_vec(),
                layout,
            })
        } else {
            Err(missing)
        }
    }

    /// Whether the sheet has the field's column.
    pub fn has(&self, f: F) -> bool {
        self.at.contains_key(&f)
    }

    /// The column's header as the file writes it (the template's name when
    /// the file has no such column).
    pub fn header(&self, f: F) -> String {
        self.at
            .get(&f)
            .and_then(|i| self.headers.get(*i))
            .map_or_else(|| self.layout.name(f).to_owned(), |h| squash(h))
    }

    /// The field's cell of a row (`None` when the sheet has no such column).
    pub fn raw<'r>(&self, row: &'r [Raw], f: F) -> Option<Option<&'r Raw>> {
        self.at.get(&f).map(|i| row.get(*i))
    }

    /// A cell of a row: its text, or why it cannot be read. Numbers are
    /// written as [`Raw::text`] does.
    pub fn cell(&self, row: &[Raw], f: F) -> Result<String, String> {
        self.cell_with(row, f, |n| Ok(Raw::Number(n).text()))
    }

    /// [`Columns::cell`] with numbers read by `number`.
    pub fn cell_with(
        &self,
        row: &[Raw],
        f: F,
        number: impl FnOnce(f64) -> Result<String, String>,
    ) -> Result<String, String> {
        match self.raw(row, f) {
            None | Some(None | Some(Raw::Empty)) => Ok(String::new()),
            Some(Some(Raw::Text(s))) => Ok(s.trim().to_owned()),
            Some(Some(Raw::Number(n))) => number(*n),
            Some(Some(Raw::Formula(_))) => Err("单元格是公式，请复制后“粘贴为数值”再导入".into()),
            Some(Some(Raw::Other(s))) => Err(format!("单元格的值“{s}”不是文字或数字")),
        }
    }
}

/// Data rows with their 1-based row numbers in the file.
pub(crate) type DataRows<'a> = &'a [(usize, Vec<Raw>)];

/// The header row (the sheet's first row, or one of the next few when a
/// title sits above it) and the data rows below it; the columns missing
/// from the first row as the error.
pub(crate) fn locate<'a, F: Copy + Eq + Hash>(
    sheet: &'a Sheet,
    layout: &'static Layout<F>,
) -> Result<(Columns<F>, DataRows<'a>), Vec<String>> {
    let first = match Columns::find(&sheet.headers, layout) {
        Ok(c) => return Ok((c, &sheet.rows[..])),
        Err(missing) => missing,
    };
    for (i, (_, row)) in sheet.rows.iter().enumerate().take(HEADER_SEARCH) {
        let headers: Vec<String> = row.iter().map(Raw::text).collect();
        if let Ok(c) = Columns::find(&headers, layout) {
            return Ok((c, &sheet.rows[i + 1..]));
        }
    }
    Err(first)
}

/// All or nothing: the rows when there are some and no error, else the
/// errors as `rows`, else `empty`.
pub(crate) fn all_or_nothing<T, E>(
    errors: Vec<CellError>,
    out: Vec<T>,
    rows: impl FnOnce(Vec<CellError>) -> E,
    empty: E,
) -> Result<Vec<T>, E> {
    if !errors.is_empty() {
        Err(rows(errors))
    } else if out.is_empty() {
        Err(empty)
    } else {
        Ok(out)
    }
}
