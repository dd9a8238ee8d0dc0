//! 行业领域编制情况: per 行业领域 the units, 核定, 实有, 可用空编 and 超编 as
//! of a date, its share of the jurisdiction's 核定, and the 行业编制总量 set by
//! the level above with what is left of it. A field's row (教育) is the
//! subtotal of the sectors within it (中小学, 幼儿园 …) and of units
//! classified only by the field; units not classified are a row of their own,
//! so the 合计 is the jurisdiction's.

use bianzhi_core::codes::{sector_covers, SECTOR};
use bianzhi_core::{query, Ledger};

use crate::report::{scope, Params};
use crate::table::{Cell, Table};

/// The figures of a group of units as of the report's date.
#[derive(Debug, Default, Clone, Copy)]
struct Sum {
    units: i32,
    approved: i32,
    actual: i32,
    available: i32,
    over: i32,
}

/// 行业领域编制情况 (`bianzhi report sectors`).
pub fn sectors(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let date = p.as_of;
    // Each unit's figures once; a sector's row adds those of its units.
    let units: Vec<(Option<String>, Sum)> = scope(&st, p, date)
        .into_iter()
        .filter_map(|u| query::unit_at(&st, u, date).map(|x| (u, x.sector.clone())))
        .map(|(u, sector)| {
            let mut s = Sum {
                units: 1,
                ..Sum::default()
            };
            for r in query::quota_table(&st, u, date) {
                s.approved += r.counts.approved;
                s.actual += r.counts.actual;
                s.available += r.available.max(0);
                s.over += r.over;
            }
            (sector, s)
        })
        .collect();
    let sum_of = |pick: &dyn Fn(Option<&str>) -> bool| {
        let mut s = Sum::default();
        for (_, u) in units.iter().filter(|(sec, _)| pick(sec.as_deref())) {
            s.units += u.units;
            s.approved += u.approved;
            s.actual += u.actual;
            s.available += u.available;
            s.over += u.over;
        }
        s
    };
    let all = sum_of(&|_| true);
    let totals = query::sector_totals_at(&st, date);
    let mut t = Table::new(
        "行业领域编制情况",
        &[
            "行业领域",
            "代码",
            "单位数",
            "核定",
            "实有",
            "可用空编",
            "超编",
            "占全部核定（%）",
            "行业编制总量",
            "总量文号",
            "计入总量",
            "总量尚余",
        ],
    );
    let pct = |n: i32| {
        if all.approved > 0 {
            Cell::text(format!(
                "{:.1}",
                f64::from(n) * 100.0 / f64::from(all.approved)
            ))
        } else {
            Cell::Empty
        }
    };
    let row = |name: String, code: &str, s: Sum| {
        let total = totals.iter().find(|x| x.sector == code);
        let counted = total.map(|x| query::sector_at(&st, code, x.qtype, date).counted());
        vec![
            Cell::text(name),
            Cell::text(code),
            Cell::int(s.units),
            Cell::int(s.approved),
            Cell::int(s.actual),
            Cell::int(s.available),
            Cell::int(s.over),
            pct(s.approved),
            total.and_then(|x| x.count).map_or(Cell::Empty, |c| {
                let q = st.sector_total_qtype(total.expect("some"));
                Cell::text(format!("{c}（{q}）"))
            }),
            total.map_or(Cell::Empty, |x| Cell::text(&x.doc)),
            counted.map_or(Cell::Empty, Cell::int),
            match (total.and_then(|x| x.count), counted) {
                (Some(c), Some(n)) => Cell::int(c - n),
                _ => Cell::Empty,
            },
        ]
    };
    for c in SECTOR.entries {
        let s = sum_of(&|x| x.is_some_and(|x| sector_covers(c.code, x)));
        let has_total = totals.iter().any(|x| x.sector == c.code);
        if s.units == 0 && !has_total {
            continue;
        }
        let name = if c.code.len() > 2 {
            format!("　{}", c.name)
        } else {
            c.name.to_string()
        };
        t.rows.push(row(name, c.code, s));
    }
    let none = sum_of(&|x| x.is_none());
    if none.units > 0 {
        t.rows.push(row("未分类".into(), "", none));
    }
    t.totals = Some(vec![
        Cell::text("合计"),
        Cell::Empty,
        Cell::int(all.units),
        Cell::int(all.approved),
        Cell::int(all.actual),
        Cell::int(all.available),
        Cell::int(all.over),
        pct(all.approved),
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
        Cell::Empty,
    ]);
    t
}
