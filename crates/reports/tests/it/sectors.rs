//! 行业领域编制情况 on the demo district: each field's row is its sectors and
//! its own units added up, the top-level rows and 未分类 add up to the 合计,
//! and the 合计 is the jurisdiction's roll-up; the 中小学 row carries the
//! city's total and what is left of it.

use bianzhi_core::{query, Ledger};
use bianzhi_reports::report::{build, Kind, Params};
use bianzhi_reports::table::Cell;

fn int(c: &Cell) -> i64 {
    match c {
        Cell::Int(n) => *n,
        other => panic!("not a number: {other:?}"),
    }
}

#[test]
fn sector_rows_add_up_to_the_jurisdiction() {
    let mut l = Ledger::new("320903", "盐城市盐都区");
    bianzhi_demo::build_demo(&mut l, &mut |_, _| {}).expect("the demo builds");
    let date = l.state().max_effective.unwrap();
    let t = build(&l, Kind::Sectors, &Params::at(date));
    let col = |h: &str| t.col(h).unwrap_or_else(|| panic!("column {h}"));
    let (code, approved, actual, units) = (col("代码"), col("核定"), col("实有"), col("单位数"));
    let code_of = |r: &Vec<Cell>| r[code].as_text();
    let totals = t.totals.clone().expect("合计");
    let r = query::rollup(&l.view_at(date), date, None);
    assert_eq!(int(&totals[approved]), i64::from(r.total.approved));
    assert_eq!(int(&totals[actual]), i64::from(r.total.actual));
    assert_eq!(
        int(&totals[units]) as usize,
        query::units_at(l.state(), date).len()
    );
    // Top-level rows (fields and 未分类) add up to the 合计.
    let top: Vec<&Vec<Cell>> = t.rows.iter().filter(|r| code_of(r).len() <= 2).collect();
    for c in [approved, actual, units] {
        let sum: i64 = top.iter().map(|r| int(&r[c])).sum();
        assert_eq!(sum, int(&totals[c]), "column {}", t.headers[c]);
    }
    // A field is at least the sum of its sectors.
    for f in t.rows.iter().filter(|r| code_of(r).len() == 2) {
        let subs: i64 = t
            .rows
            .iter()
            .filter(|r| code_of(r).len() == 4 && code_of(r).starts_with(&code_of(f)))
            .map(|r| int(&r[approved]))
            .sum();
        assert!(int(&f[approved]) >= subs, "{}", code_of(f));
    }
    let schools = t
        .rows
        .iter()
        .find(|r| code_of(r) == "0101")
        .expect("中小学");
    assert!(schools[col("总量文号")].as_text().contains('〔'));
    let left = int(&schools[col("总量尚余")]);
    assert!(left >= 0, "{left}");
}
