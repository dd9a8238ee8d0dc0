//! The 调控工具 (instrument) tables as of a date: the 周转池 by 编制类型, its
//! loans with their status, 过桥编制, 承兑 grants with their tranches, 动态编制
//! with what is still to be reclaimed, and 备案制 units. The same tables
//! drive the web pages, xlsx and print.

use bianzhi_core::model::{BridgeSource, GrantKind};
use bianzhi_core::{query, Ledger};

use crate::report::{in_scope, Params};
use crate::table::{Cell, Table};

fn s(x: impl ToString) -> Cell {
    Cell::text(x.to_string())
}

fn i(x: i32) -> Cell {
    Cell::int(x)
}

/// The status of a loan as a clerk reads it.
pub fn loan_status(l: &bianzhi_core::model::Loan, date: chrono::NaiveDate) -> &'static str {
    if l.outstanding() <= 0 {
        "已还"
    } else if l.overdue(date) {
        "到期未还"
    } else if l.on_attrition {
        "减员归还"
    } else {
        "在借"
    }
}

/// 周转池: by 编制类型, 池内可用, 借出未还 (of which 单列 区属镇用), 过桥借出.
/// The pool is the jurisdiction's: the table is empty for a report limited to
/// a unit.
pub fn pool(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let mut t = Table::new(
        "周转池",
        &[
            "编制类型",
            "池内可用",
            "借出未还",
            "其中单列（区属镇用）",
            "过桥借出",
            "合计",
        ],
    );
    if p.unit.is_some() {
        return t;
    }
    let loans = query::loans_at(&st, p.as_of, false);
    for (q, acc) in query::pools_at(&st, p.as_of) {
        let town: i32 = loans
            .iter()
            .filter(|x| x.key.qtype == q && x.town_use)
            .map(|x| x.outstanding())
            .sum();
        t.rows.push(vec![
            s(st.qtype_name(q)),
            i(acc.balance),
            i(acc.lent),
            i(town),
            i(acc.bridged),
            i(acc.balance + acc.lent + acc.bridged),
        ]);
    }
    t.with_totals()
}

/// 周转池借用: every loan to a unit in scope up to the date, with its status.
pub fn loans(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let set = in_scope(&st, p, p.as_of);
    let mut t = Table::new(
        "周转池借用",
        &[
            "借用编号",
            "单位",
            "编制",
            "文号",
            "借出日期",
            "归还期限",
            "借出数",
            "已还",
            "未还",
            "状态",
        ],
    );
    // Outstanding loans first (newest first), then the returned ones.
    let mut list = query::loans_at(&st, p.as_of, true);
    list.sort_by_key(|x| (x.outstanding() <= 0, std::cmp::Reverse(x.id)));
    for x in list {
        if !set.contains(&x.key.unit) {
            continue;
        }
        t.rows.push(vec![
            s(x.id.0),
            s(st.unit_name(x.key.unit)),
            s(st.account_label(&x.key)),
            s(&x.doc),
            s(x.start),
            x.due.map(s).unwrap_or(Cell::text("无期限")),
            i(x.count),
            i(x.returned),
            i(x.outstanding()),
            s(loan_status(&x, p.as_of)),
        ]);
    }
    t.with_totals()
}

/// 过桥编制: every bridge into a unit in scope, open ones first.
pub fn bridges(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let set = in_scope(&st, p, p.as_of);
    let mut t = Table::new(
        "过桥编制",
        &[
            "过桥编号",
            "调入单位",
            "编制",
            "人员",
            "来源",
            "文号",
            "调入日期",
            "消化期限",
            "状态",
        ],
    );
    let mut list = query::bridges_at(&st, p.as_of, true);
    list.sort_by_key(|b| (b.written_off.is_some(), b.id));
    for b in list {
        if !set.contains(&b.key.unit) {
            continue;
        }
        let person = st
            .person(b.person)
            .map(|x| x.details.name.to_string())
            .unwrap_or_default();
        let source = match b.source {
            BridgeSource::Pool => "周转池".to_string(),
            // A sender outside the units the report covers is not named.
            BridgeSource::Sender(k) if set.contains(&k.unit) => {
                format!("{}（人编同调）", st.unit_name(k.unit))
            }
            BridgeSource::Sender(_) => "其他单位（人编同调）".to_string(),
        };
        let status = match b.written_off {
            Some(d) => format!("{d} 已核销"),
            None if b.overdue(p.as_of) => "超期未消化".into(),
            None => "待出现空编时核销".into(),
        };
        t.rows.push(vec![
            s(b.id.0),
            s(st.unit_name(b.key.unit)),
            s(st.account_label(&b.key)),
            s(person),
            s(source),
            s(&b.doc),
            s(b.start),
            s(b.deadline),
            s(status),
        ]);
    }
    t
}

/// 承兑编制: every grant with its tranches, 已下达 and 待下达.
pub fn phased(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let set = in_scope(&st, p, p.as_of);
    let mut t = Table::new(
        "承兑编制",
        &[
            "承兑编号",
            "单位",
            "编制",
            "文号",
            "核准日期",
            "核准数",
            "已下达",
            "待下达",
            "分批下达",
            "来源",
        ],
    );
    for g in query::grants_at(&st, p.as_of, true) {
        let GrantKind::Phased { tranches, released } = &g.kind else {
            continue;
        };
        if !set.contains(&g.key.unit) {
            continue;
        }
        let plan: Vec<String> = tranches
            .iter()
            .map(|x| {
                let done = if x.date <= p.as_of {
                    "已下达"
                } else {
                    "待下达"
                };
                format!("{} {} 个（{done}）", x.date, x.count)
            })
            .collect();
        t.rows.push(vec![
            s(g.id.0),
            s(st.unit_name(g.key.unit)),
            s(st.account_label(&g.key)),
            s(&g.doc),
            s(g.start),
            i(g.count),
            i(*released),
            i(g.count - released),
            s(plan.join("；")),
            s(if g.from_pool { "周转池" } else { "新核" }),
        ]);
    }
    t.with_totals()
}

/// 动态编制: every grant with what is still to be reclaimed (退一收一).
pub fn dynamic(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let set = in_scope(&st, p, p.as_of);
    let mut t = Table::new(
        "动态编制",
        &[
            "编号",
            "单位",
            "编制",
            "文号",
            "下达日期",
            "下达数",
            "已收回",
            "待收回",
            "调出是否收回",
        ],
    );
    for g in query::grants_at(&st, p.as_of, true) {
        let GrantKind::Dynamic {
            reclaimed,
            include_transfer_out,
        } = &g.kind
        else {
            continue;
        };
        if !set.contains(&g.key.unit) {
            continue;
        }
        t.rows.push(vec![
            s(g.id.0),
            s(st.unit_name(g.key.unit)),
            s(st.account_label(&g.key)),
            s(&g.doc),
            s(g.start),
            i(g.count),
            i(*reclaimed),
            i(g.count - reclaimed),
            s(if *include_transfer_out { "是" } else { "否" }),
        ]);
    }
    t.with_totals()
}

/// 备案制: units with a 人员控制总量, the people it covers (编制内 实有 and
/// 冻结, and 备案人员) and what is left.
pub fn filed(l: &Ledger, p: &Params) -> Table {
    let st = l.view_at(p.as_of);
    let mut t = Table::new(
        "备案制",
        &["单位", "人员控制总量", "编制内人员", "备案人员", "剩余"],
    );
    for u in crate::report::scope(&st, p, p.as_of) {
        let Some(x) = query::staffing_at(&st, u, p.as_of) else {
            continue;
        };
        if x.cap.is_none() && x.filed == 0 {
            continue;
        }
        // As the ledger counts it against the cap: 实有 + 冻结 of every account.
        let enrolled: i32 = query::quota_table(&st, u, p.as_of)
            .iter()
            .map(|r| r.counts.actual + r.counts.frozen)
            .sum();
        t.rows.push(vec![
            s(st.unit_name(u)),
            x.cap.map(i).unwrap_or(Cell::text("未核定")),
            i(enrolled),
            i(x.filed),
            x.cap
                .map(|c| i(c - enrolled - x.filed))
                .unwrap_or(Cell::Empty),
        ]);
    }
    t.with_totals()
}
