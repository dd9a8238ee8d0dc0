//! Synthetic data for the import and reconciliation benchmarks
//! (`bianzhi bench-import`, `bianzhi bench-reconcile`).

use std::fmt::Write as _;

use bianzhi_core::ident::{make_id_number, Sex};
use chrono::NaiveDate;

/// The `i`-th synthetic 身份证号 (unique for i < 7.3 million).
pub fn id_number(i: usize) -> String {
    let base = NaiveDate::from_ymd_opt(1960, 1, 1).unwrap_or_default();
    let day = (i / 500) as i64;
    let seq = (i % 500) as u16;
    let birth = base + chrono::Duration::days(day);
    let sex = if i.is_multiple_of(3) {
        Sex::Female
    } else {
        Sex::Male
    };
    make_id_number("320903", birth, seq, sex).into_string()
}

/// Unit name number `u`.
pub fn unit_name(u: usize) -> String {
    format!("测试事业单位{u:05}")
}

/// The import template as csv texts: `units` institutions (机构), one 事业编制
/// account each with room for its share of `people` (编制), and `people`
/// enrolled people (人员).
pub fn import_csv(units: usize, people: usize) -> (String, String, String) {
    let per = people.div_ceil(units.max(1));
    let mut u =
        String::from("单位名称,上级单位,机构类别,规格,事业单位类别,经费形式,统一社会信用代码\n");
    let mut q = String::from("单位名称,编制类型,经费形式,核定数\n");
    for i in 0..units {
        let _ = writeln!(u, "{},,事业单位,正科级,公益一类,全额拨款,", unit_name(i));
        let _ = writeln!(q, "{},事业编制,全额拨款,{}", unit_name(i), per);
    }
    let mut p = String::with_capacity(people * 80);
    p.push_str("单位名称,姓名,身份证号,编制类型,经费形式,入编时间,人员身份\n");
    for i in 0..people {
        let _ = writeln!(
            p,
            "{},测试{},{},事业编制,全额拨款,2010-09-01,事业人员",
            unit_name(i % units.max(1)),
            i,
            id_number(i)
        );
    }
    (u, q, p)
}

/// Two rosters of `n` people for 比对 with planted differences: every 1000th
/// person is missing from the other roster, every 1000th (offset 1) has
/// another unit, every 1000th (offset 2) another name, and `n / 1000` people
/// on the other roster are unknown to the ledger. Returns (ledger entries,
/// other roster as csv, expected number of differences).
pub fn reconcile_data(n: usize) -> (Vec<crate::reconcile::Entry>, String, usize) {
    let mut ledger = Vec::with_capacity(n);
    let mut csv = String::with_capacity(n * 70);
    csv.push_str("姓名,身份证号,单位,编制类型\n");
    let mut expected = 0;
    for i in 0..n {
        let id = id_number(i);
        let unit = unit_name(i % 1000);
        let name = format!("测试{i}");
        ledger.push(crate::reconcile::Entry {
            name: name.clone(),
            id_number: id.clone(),
            unit: unit.clone(),
            qtype: "事业编制".into(),
            row: 0,
        });
        match i % 1000 {
            0 => expected += 1,
            1 => {
                let _ = writeln!(csv, "{name},{id},{},事业编制", unit_name(i % 1000 + 1));
                expected += 1;
            }
            2 => {
                let _ = writeln!(csv, "改{name},{id},{unit},事业编制");
                expected += 1;
            }
            _ => {
                let _ = writeln!(csv, "{name},{id},{unit},事业编制");
            }
        }
    }
    for j in 0..n / 1000 {
        let _ = writeln!(csv, "外{j},{},{},事业编制", id_number(n + j), unit_name(0));
        expected += 1;
    }
    (ledger, csv, expected)
}
