//! A report table on a page: numeric columns right-aligned, 身份证号 in
//! monospace, negative figures marked (报表, 调控工具 and print pages).

use bianzhi_reports::{Cell, Table};

/// The most rows a list exported as xlsx holds.
pub const EXPORT_MAX: usize = 500_000;

/// A text cell.
pub fn text(s: impl ToString) -> Cell {
    Cell::text(s.to_string())
}

/// One cell as shown.
pub struct CellView {
    pub text: String,
    pub class: &'static str,
}

/// A table ready for a template: numeric columns right-aligned, 身份证号 in
/// monospace, negative figures marked.
pub struct TableView {
    pub headers: Vec<(String, &'static str)>,
    pub rows: Vec<Vec<CellView>>,
    pub totals: Option<Vec<CellView>>,
    pub total_rows: usize,
}

pub fn table_view(t: &Table, rows: &[Vec<Cell>]) -> TableView {
    let numeric: Vec<bool> = (0..t.headers.len())
        .map(|c| {
            t.rows
                .iter()
                .any(|r| matches!(r.get(c), Some(Cell::Int(_))))
                && !t
                    .rows
                    .iter()
                    .any(|r| matches!(r.get(c), Some(Cell::Text(_))))
        })
        .collect();
    let ids: Vec<bool> = t.headers.iter().map(|h| h.contains("身份证号")).collect();
    let cell = |c: usize, x: &Cell| CellView {
        text: x.as_text(),
        class: match x {
            Cell::Int(n) if *n < 0 => "r bad",
            Cell::Int(_) => "r",
            _ if ids.get(c) == Some(&true) => "mono",
            Cell::Text(s) if one_line(s) => "nw",
            _ => "",
        },
    };
    TableView {
        headers: t
            .headers
            .iter()
            .enumerate()
            .map(|(i, h)| (h.clone(), if numeric[i] { "r" } else { "" }))
            .collect(),
        rows: rows
            .iter()
            .map(|r| r.iter().enumerate().map(|(i, x)| cell(i, x)).collect())
            .collect(),
        totals: t
            .totals
            .as_ref()
            .map(|r| r.iter().enumerate().map(|(i, x)| cell(i, x)).collect()),
        total_rows: t.rows.len(),
    }
}

/// A date (`2026-03-01`) or a 文号 (`盐编〔2026〕12号`): kept on one line.
fn one_line(s: &str) -> bool {
    let date = s.len() == 10 && chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d").is_ok();
    date || (s.contains('〔') && s.ends_with('号') && s.chars().count() <= 24)
}
