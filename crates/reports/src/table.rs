//! The report table model.

use unicode_width_free::width;

/// One cell. Text cells stay text in xlsx (身份证号, codes, dates).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Cell {
    Text(String),
    Int(i64),
    Empty,
}

impl Cell {
    pub fn text(s: impl Into<String>) -> Cell {
        Cell::Text(s.into())
    }
    pub fn int(n: impl Into<i64>) -> Cell {
        Cell::Int(n.into())
    }
    pub fn as_text(&self) -> String {
        match self {
            Cell::Text(s) => s.clone(),
            Cell::Int(n) => n.to_string(),
            Cell::Empty => String::new(),
        }
    }
}

/// A report: title, headers, rows and an optional totals row (合计).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Table {
    pub title: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<Cell>>,
    pub totals: Option<Vec<Cell>>,
}

impl Table {
    pub fn new(title: &str, headers: &[&str]) -> Table {
        Table {
            title: title.into(),
            headers: headers.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            totals: None,
        }
    }

    /// Adds a totals row: the first column reads 合计, every numeric column is
    /// summed, other columns are left empty.
    pub fn with_totals(mut self) -> Table {
        let n = self.headers.len();
        let mut t = vec![Cell::Empty; n];
        if n > 0 {
            t[0] = Cell::text("合计");
        }
        for (c, cell) in t.iter_mut().enumerate().skip(1) {
            let nums: Vec<i64> = self
                .rows
                .iter()
                .filter_map(|r| match r.get(c) {
                    Some(Cell::Int(v)) => Some(*v),
                    _ => None,
                })
                .collect();
            if !nums.is_empty()
                && self
                    .rows
                    .iter()
                    .all(|r| !matches!(r.get(c), Some(Cell::Text(_))))
            {
                *cell = Cell::Int(nums.iter().sum());
            }
        }
        self.totals = Some(t);
        self
    }

    /// Index of a column by header.
    pub fn col(&self, header: &str) -> Option<usize> {
        self.headers.iter().position(|h| h == header)
    }

    /// Display width of each column (CJK characters count two).
    pub fn widths(&self) -> Vec<usize> {
        let mut w: Vec<usize> = self.headers.iter().map(|h| width(h)).collect();
        for r in self.rows.iter().chain(self.totals.iter()) {
            for (i, c) in r.iter().enumerate() {
                if i < w.len() {
                    w[i] = w[i].max(width(&c.as_text()));
                }
            }
        }
        w
    }

    /// Plain-text rendering for the terminal.
    pub fn render(&self) -> String {
        let w = self.widths();
        let mut out = format!("{}\n", self.title);
        let line = |cells: Vec<String>, out: &mut String| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                let pad = w[i].saturating_sub(width(c));
                s.push_str(c);
                s.push_str(&" ".repeat(pad + 2));
            }
            out.push_str(s.trim_end());
            out.push('\n');
        };
        line(self.headers.clone(), &mut out);
        line(w.iter().map(|n| "-".repeat(*n)).collect(), &mut out);
        for r in self.rows.iter().chain(self.totals.iter()) {
            line(r.iter().map(Cell::as_text).collect(), &mut out);
        }
        out
    }
}

mod unicode_width_free {
    /// Terminal width: wide (CJK, full-width) characters count two.
    pub fn width(s: &str) -> usize {
        s.chars()
            .map(|c| {
                let u = c as u32;
                if (0x1100..=0x115F).contains(&u)
                    || (0x2E80..=0xA4CF).contains(&u)
                    || (0xAC00..=0xD7A3).contains(&u)
                    || (0xF900..=0xFAFF).contains(&u)
                    || (0xFE30..=0xFE4F).contains(&u)
                    || (0xFF00..=0xFF60).contains(&u)
                    || (0xFFE0..=0xFFE6).contains(&u)
                    || (0x20000..=0x3FFFD).contains(&u)
                {
                    2
                } else {
                    1
                }
            })
            .sum()
    }
}
