//! GB/T 2260 administrative division codes (行政区划代码), county level and
//! above, with their history since 1980.
//!
//! The table is `data/divisions/gbt2260-county-history.csv` (CC0, from
//! `yescallop/areacodes`), embedded at compile time and parsed lazily once.
//! Every code that ever existed is kept, whatever its status (在用/变更/弃用):
//! an identity card issued in 1985 carries the address code in force then,
//! and a retired code is still a valid address code for that card.

use std::sync::OnceLock;

/// The embedded CSV (starts with a UTF-8 BOM).
const CSV: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/divisions/gbt2260-county-history.csv"
));

/// One distinct code of the table.
#[derive(Debug, Clone, Copy)]
struct Entry {
    code: u32,
    name: &'static str,
}

/// Distinct codes, sorted ascending (binary-searchable).
fn table() -> &'static [Entry] {
    static TABLE: OnceLock<Vec<Entry>> = OnceLock::new();
    TABLE.get_or_init(|| parse_table(CSV))
}

/// Parses the CSV into sorted distinct entries. For a code that occurs in
/// several rows (e.g. 120110 东郊区 → 东丽区) the name of the 在用 row wins;
/// without one, the row that came into use last wins.
fn parse_table(csv: &'static str) -> Vec<Entry> {
    let csv = csv.strip_prefix('\u{feff}').unwrap_or(csv);
    // (code, name, in use, first year, row index)
    let mut rows: Vec<(u32, &'static str, bool, u32, usize)> = Vec::with_capacity(7000);
    for (idx, line) in csv.lines().enumerate().skip(1) {
        let line = line.trim_end_matches('\r');
        if line.is_empty() {
            continue;
        }
        // The file has no quoted fields (checked by a test), so a plain split
        // keeps the names as slices of the embedded text.
        let mut fields = line.split(',');
        let code = fields.next().unwrap_or("");
        let name = fields.nth(2).unwrap_or("");
        let _level = fields.next();
        let status = fields.next().unwrap_or("");
        let start: u32 = fields.next().and_then(|s| s.parse().ok()).unwrap_or(0);
        let Some(code) = code_to_u32(code) else {
            continue;
        };
        rows.push((code, name, status == "在用", start, idx));
    }
    rows.sort_by_key(|&(code, _, in_use, start, idx)| (code, in_use, start, idx));
    // After sorting, the preferred row of each code is its last one.
    let mut out: Vec<Entry> = Vec::with_capacity(rows.len());
    for (code, name, ..) in rows {
        match out.last_mut() {
            Some(last) if last.code == code => last.name = name,
            _ => out.push(Entry { code, name }),
        }
    }
    out
}

/// A 6-ASCII-digit code as a number; `None` for anything else.
fn code_to_u32(code: &str) -> Option<u32> {
    if code.len() == 6 && code.bytes().all(|b| b.is_ascii_digit()) {
        code.parse().ok()
    } else {
        None
    }
}

fn lookup(code: &str) -> Option<&'static Entry> {
    let code = code_to_u32(code)?;
    let t = table();
    t.binary_search_by_key(&code, |e| e.code)
        .ok()
        .map(|i| &t[i])
}

/// Whether the 6-digit `code` appears in the GB/T 2260 history table with
/// any status (在用, 变更 or 弃用).
pub fn is_known_code(code: &str) -> bool {
    lookup(code).is_some()
}

/// The name of a code (the current name if the code is still in use,
/// otherwise its last name), e.g. `code_name("320903") == Some("盐都区")`.
pub fn code_name(code: &str) -> Option<&'static str> {
    lookup(code).map(|e| e.name)
}

/// Whether `code` is acceptable as the address code of a 公民身份号码: the
/// code itself is known, or its prefecture form (`XXXX00`) or province form
/// (`XX0000`) is. Anything that is not 6 ASCII digits is rejected.
pub fn is_valid_address_code(code: &str) -> bool {
    if code_to_u32(code).is_none() {
        return false;
    }
    if is_known_code(code) {
        return true;
    }
    let prefecture = format!("{}00", &code[..4]);
    let province = format!("{}0000", &code[..2]);
    is_known_code(&prefecture) || is_known_code(&province)
}

/// Number of distinct codes in the embedded table.
pub fn known_code_count() -> usize {
    table().len()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn embedded_csv_has_no_quotes() {
        assert!(!CSV.contains('"'));
    }

    #[test]
    fn prefers_in_use_name() {
        assert_eq!(code_name("120110"), Some("东丽区"));
        assert_eq!(code_name("440524"), Some("潮阳县"));
        assert_eq!(code_name("110000"), Some("北京市"));
    }
}
