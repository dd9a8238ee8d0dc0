//! Text output for a clerk: the district summary, the unit tree, a unit's
//! tables and roster, people, and a unit's 台账.

use std::collections::BTreeMap;

use anyhow::{bail, Result};
use bianzhi_core::catalog::UnitKind;
use bianzhi_core::query::{self, QuotaRow};
use bianzhi_core::{Ledger, PersonId, State, UnitId};
use chrono::NaiveDate;
use unicode_width::UnicodeWidthStr;

/// A plain text table whose columns line up with Chinese text.
pub struct Table {
    head: Vec<String>,
    rows: Vec<Vec<String>>,
    /// Columns aligned right (numbers).
    right: Vec<bool>,
}

impl Table {
    pub fn new(head: &[&str]) -> Table {
        Table {
            head: head.iter().map(|s| s.to_string()).collect(),
            rows: Vec::new(),
            right: vec![false; head.len()],
        }
    }
    pub fn right(mut self, cols: &[usize]) -> Table {
        for c in cols {
            self.right[*c] = true;
        }
        self
    }
    pub fn row(&mut self, cells: Vec<String>) {
        self.rows.push(cells);
    }
    pub fn print(&self) {
        let mut w: Vec<usize> = self.head.iter().map(|h| h.width()).collect();
        for r in &self.rows {
            for (i, c) in r.iter().enumerate() {
                w[i] = w[i].max(c.width());
            }
        }
        let line = |cells: &[String]| {
            let mut s = String::new();
            for (i, c) in cells.iter().enumerate() {
                let pad = " ".repeat(w[i] - c.width());
                if self.right[i] {
                    s.push_str(&pad);
                    s.push_str(c);
                } else {
                    s.push_str(c);
                    s.push_str(&pad);
                }
                s.push_str("  ");
            }
            println!("{}", s.trim_end());
        };
        line(&self.head);
        println!("{}", "-".repeat(w.iter().sum::<usize>() + 2 * w.len()));
        for r in &self.rows {
            line(r);
        }
    }
}

/// Finds a unit by id, full name, short name or second name (also abolished ones).
pub fn find_unit(st: &State, q: &str) -> Result<UnitId> {
    let q = q.trim();
    if let Ok(n) = q.parse::<u32>() {
        if st.unit(UnitId(n)).is_some() {
            return Ok(UnitId(n));
        }
    }
    if let Some(id) = st.unit_by_name.get(q) {
        return Ok(*id);
    }
    let exact: Vec<UnitId> = st
        .units
        .iter()
        .flatten()
        .filter(|u| u.name == q || u.short_name.as_deref() == Some(q))
        .map(|u| u.id)
        .collect();
    if let [one] = exact[..] {
        return Ok(one);
    }
    let partial: Vec<&bianzhi_core::model::Unit> = st
        .units
        .iter()
        .flatten()
        .filter(|u| u.name.contains(q))
        .collect();
    match partial.len() {
        0 => bail!("找不到机构“{q}”"),
        1 => Ok(partial[0].id),
        n => {
            let names: Vec<String> = partial
                .iter()
                .take(10)
                .map(|u| format!("{}（{}）", u.name, u.id))
                .collect();
            bail!(
                "“{q}”对应 {n} 个机构，请写全称或编号：{}{}",
                names.join("、"),
                if n > 10 { " …" } else { "" }
            )
        }
    }
}

fn counts_cells(r: &QuotaRow) -> Vec<String> {
    let c = &r.counts;
    vec![
        r.qtype.clone(),
        r.funding.clone(),
        c.approved.to_string(),
        c.actual.to_string(),
        c.frozen.to_string(),
        c.locked.to_string(),
        c.borrowed.to_string(),
        c.bridged.to_string(),
        c.unreleased.to_string(),
        r.available.to_string(),
        r.over.to_string(),
        if r.digesting { "超编消化" } else { "" }.to_string(),
    ]
}

const QUOTA_HEAD: [&str; 12] = [
    "编制类型",
    "经费形式",
    "核定",
    "实有",
    "冻结",
    "锁定",
    "周转借入",
    "过桥",
    "已核未下达",
    "可用空编",
    "超编",
    "状态",
];

/// 全区概况.
pub fn summary(st: &State, date: NaiveDate) {
    println!(
        "{}（{}）机构编制概况  统计时点：{}\n",
        st.jurisdiction.name, st.jurisdiction.code, date
    );
    let units = query::units_at(st, date);
    let mut by_kind: BTreeMap<UnitKind, usize> = BTreeMap::new();
    for u in &units {
        *by_kind.entry(u.kind).or_default() += 1;
    }
    let kinds: Vec<String> = by_kind.iter().map(|(k, n)| format!("{k} {n}")).collect();
    println!("机构 {} 个：{}", units.len(), kinds.join("，"));
    let r = query::rollup(st, date, None);
    let mut t = Table::new(&[
        "编制类型",
        "核定",
        "实有",
        "冻结",
        "锁定",
        "可用空编",
        "超编",
    ])
    .right(&[1, 2, 3, 4, 5, 6]);
    for (q, c) in &r.by_type {
        t.row(vec![
            st.qtype_name(*q),
            c.approved.to_string(),
            c.actual.to_string(),
            c.frozen.to_string(),
            c.locked.to_string(),
            c.available().to_string(),
            r.over_by_type.get(q).copied().unwrap_or(0).to_string(),
        ]);
    }
    t.row(vec![
        "合计".into(),
        r.total.approved.to_string(),
        r.total.actual.to_string(),
        r.total.frozen.to_string(),
        r.total.locked.to_string(),
        r.total.available().to_string(),
        r.over.to_string(),
    ]);
    println!();
    t.print();
    let over_units: Vec<String> = units
        .iter()
        .filter(|u| {
            query::quota_table(st, u.id, date)
                .iter()
                .any(|r| r.over > 0 || r.digesting)
        })
        .map(|u| u.name.clone())
        .collect();
    let post_violations: Vec<String> = units
        .iter()
        .flat_map(|u| {
            query::post_table(st, u.id, date)
                .into_iter()
                .filter(|p| p.vacant < 0)
                .map(move |p| format!("{} {}", u.name, p.label))
        })
        .collect();
    let people: usize = units
        .iter()
        .map(|u| query::roster_at(st, u.id, date).len())
        .sum();
    println!("\n在编及已批未报到人员 {people} 人");
    println!(
        "超编（含超编消化）单位 {} 个{}",
        over_units.len(),
        if over_units.is_empty() {
            String::new()
        } else {
            format!("：{}", over_units.join("、"))
        }
    );
    println!(
        "超职数配备 {} 处{}",
        post_violations.len(),
        if post_violations.is_empty() {
            String::new()
        } else {
            format!("：{}", post_violations.join("、"))
        }
    );
    println!(
        "台账事项 {} 条（最后生效日期 {}）",
        st.matters_applied,
        st.max_effective.map(|d| d.to_string()).unwrap_or_default()
    );
}

/// 机构树.
pub fn units(st: &State, date: NaiveDate, all: bool) {
    let list: Vec<&bianzhi_core::model::Unit> = if all {
        st.units.iter().flatten().collect()
    } else {
        query::units_at(st, date)
    };
    let mut children: BTreeMap<Option<UnitId>, Vec<&bianzhi_core::model::Unit>> = BTreeMap::new();
    for u in &list {
        children.entry(u.parent).or_default().push(u);
    }
    fn walk(
        st: &State,
        date: NaiveDate,
        children: &BTreeMap<Option<UnitId>, Vec<&bianzhi_core::model::Unit>>,
        parent: Option<UnitId>,
        depth: usize,
    ) {
        for u in children.get(&parent).into_iter().flatten() {
            let r = query::rollup(st, date, Some(&[u.id]));
            let status = if u.is_active() { "" } else { "（已撤销）" };
            println!(
                "{}{} [{}] {} {}  核定 {} 实有 {}{}",
                "  ".repeat(depth),
                u.name,
                u.id,
                u.kind,
                u.rank,
                r.total.approved,
                r.total.actual,
                status
            );
            walk(st, date, children, Some(u.id), depth + 1);
        }
    }
    walk(st, date, &children, None, 0);
}

/// 编制情况表 + 领导职数情况表 + 花名册 of one unit.
pub fn unit(st: &State, id: UnitId, date: NaiveDate) {
    let Some(u) = query::unit_at(st, id, date) else {
        let now = st.unit(id).expect("found");
        println!(
            "{} 于 {} 尚未设立（设立日期 {}）",
            now.name, date, now.established
        );
        return;
    };
    println!("{}  统计时点：{}", u.name, date);
    println!(
        "机构类别：{}  规格：{}{}  状态：{}",
        u.kind,
        u.rank,
        u.category
            .map(|c| format!("  事业单位类别：{c}"))
            .unwrap_or_default(),
        u.status
    );
    if let Some(p) = u.parent {
        println!("主管部门：{}", st.unit_name(p));
    }
    if !u.second_names.is_empty() {
        println!("加挂牌子：{}", u.second_names.join("、"));
    }
    if let Some(c) = &u.credit_code {
        println!(
            "统一社会信用代码：{c}{}",
            u.credit_code_warning
                .as_ref()
                .map(|w| format!("（{w}）"))
                .unwrap_or_default()
        );
    }
    if !u.bodies.is_empty() {
        let b: Vec<&str> = u
            .bodies
            .iter()
            .filter(|b| !b.abolished)
            .map(|b| b.name.as_str())
            .collect();
        println!("内设机构：{}", b.join("、"));
    }
    println!("\n编制情况表");
    let mut t = Table::new(&QUOTA_HEAD).right(&[2, 3, 4, 5, 6, 7, 8, 9, 10]);
    for r in query::quota_table(st, id, date) {
        t.row(counts_cells(&r));
    }
    t.print();
    println!("\n领导职数情况表");
    let mut t = Table::new(&["职数类别", "核定", "实配", "空缺"]).right(&[1, 2, 3]);
    for p in query::post_table(st, id, date) {
        t.row(vec![
            p.label,
            p.approved.to_string(),
            p.filled.to_string(),
            p.vacant.to_string(),
        ]);
    }
    t.print();
    if let Some(sf) = query::staffing_at(st, id, date) {
        if let Some(cap) = sf.cap {
            println!("\n备案制：人员控制总量 {cap} 名，备案人员 {} 人", sf.filed);
        }
    }
    let roster = query::roster_at(st, id, date);
    println!("\n实名制花名册（{} 人）", roster.len());
    let mut t = Table::new(&[
        "姓名",
        "性别",
        "出生日期",
        "身份证号",
        "编制类型",
        "人员身份",
        "状态",
        "领导职务",
    ]);
    for (pid, pl) in roster {
        let p = st.person(pid).expect("person");
        let posts: Vec<&str> = p.posts.iter().map(|h| h.title.as_str()).collect();
        t.row(vec![
            p.details.name.clone(),
            p.details.sex().label().into(),
            p.details.birth().to_string(),
            p.details.id_number.mask(),
            st.account_label(&pl.key()),
            p.details.identity.label().into(),
            pl.status.label().into(),
            posts.join("、"),
        ]);
    }
    t.print();
}

/// Person search results.
pub fn people(st: &State, q: &str, reveal: bool) {
    let hits = query::search_people(st, q, 50);
    if hits.is_empty() {
        println!("没有找到与“{q}”相符的人员");
        return;
    }
    let mut t = Table::new(&[
        "编号",
        "姓名",
        "身份证号",
        "单位",
        "编制类型",
        "状态",
        "入编时间",
        "入编文号",
    ]);
    for id in &hits {
        let p = st.person(*id).expect("person");
        t.row(vec![
            id.to_string(),
            p.details.name.clone(),
            if reveal {
                p.details.id_number.as_str().to_string()
            } else {
                p.details.id_number.mask()
            },
            st.unit_name(p.placement.unit),
            st.account_label(&p.placement.key()),
            p.placement.status.label().into(),
            p.enrolled_on.to_string(),
            p.enrol_doc.to_string(),
        ]);
    }
    t.print();
    if hits.len() == 1 {
        person_history(st, hits[0]);
    }
}

fn person_history(st: &State, id: PersonId) {
    let Some(h) = st.history.placements.get(id.index()) else {
        return;
    };
    println!("\n人员变动记录");
    let mut last = None;
    for (d, pl) in h {
        // Only real changes of unit, account or status.
        if last == Some(*pl) {
            continue;
        }
        last = Some(*pl);
        println!(
            "  {d}  {}  {}  {}",
            st.unit_name(pl.unit),
            st.account_label(&pl.key()),
            match pl.status {
                bianzhi_core::model::PersonStatus::Left(r) => format!("出编（{r}）"),
                s => s.label().to_string(),
            }
        );
    }
}

/// 机构编制台账 of a unit.
pub fn history(ledger: &Ledger, id: UnitId) {
    let st = ledger.state();
    println!("{} 机构编制台账", st.unit_name(id));
    let mut t = Table::new(&["生效日期", "文号", "类型", "摘要", "变动数"]).right(&[4]);
    let signed = |c: i32| {
        if c == 0 {
            String::new()
        } else {
            format!("{c:+}")
        }
    };
    // Matters in effective order, with the ledger's own changes (过桥消化,
    // 动态收回, 到期收回, 承兑下达) on their dates.
    let mut rows: Vec<(NaiveDate, u64, Vec<String>)> = Vec::new();
    for e in ledger.entries() {
        let m = match ledger.decode(e) {
            Ok(m) => m,
            Err(err) => {
                // Named in the 台账 rather than left out without a word.
                rows.push((
                    e.effective,
                    e.seq,
                    vec![
                        e.effective.to_string(),
                        e.doc.to_string(),
                        "无法解读".into(),
                        err.to_string(),
                        String::new(),
                    ],
                ));
                continue;
            }
        };
        let seq = &e.seq;
        for op in &m.ops {
            if query::op_units(st, op, m.effective).contains(&id) {
                let line = query::describe_op(st, op, id);
                rows.push((
                    m.effective,
                    *seq,
                    vec![
                        m.effective.to_string(),
                        m.doc.to_string(),
                        line.kind.into(),
                        line.summary,
                        signed(line.count),
                    ],
                ));
            }
        }
    }
    for e in st.auto_events.iter().filter(|e| e.unit == id) {
        rows.push((
            e.date,
            u64::MAX,
            vec![
                e.date.to_string(),
                format!("{}（自动）", e.doc),
                e.kind.clone(),
                e.summary.clone(),
                signed(e.count),
            ],
        ));
    }
    rows.sort_by_key(|(d, s, _)| (*d, *s));
    let n = rows.len();
    for (_, _, r) in rows {
        t.row(r);
    }
    t.print();
    println!("共 {n} 条");
}

/// 周转池, loans, bridges, 承兑 and 动态 grants as of a date.
pub fn instruments(st: &State, date: NaiveDate) {
    println!(
        "{} 编制调控工具  统计时点：{}\n",
        st.jurisdiction.name, date
    );
    println!("周转池");
    let mut t = Table::new(&["编制类型", "池内可用", "借出未还", "过桥借出"]).right(&[1, 2, 3]);
    for (q, p) in query::pools_at(st, date) {
        t.row(vec![
            st.qtype_name(q),
            p.balance.to_string(),
            p.lent.to_string(),
            p.bridged.to_string(),
        ]);
    }
    t.print();
    let loans = query::loans_at(st, date, false);
    for (title, town) in [
        ("周转编制借用（区属镇用，单列）", true),
        ("周转编制借用（区直）", false),
    ] {
        if !loans.iter().any(|l| l.town_use == town) {
            println!("\n{title}：无");
            continue;
        }
        println!("\n{title}");
        let mut t = Table::new(&[
            "单位",
            "编制类型",
            "借用",
            "未还",
            "文号",
            "起始",
            "到期",
            "减员即还",
            "状态",
        ])
        .right(&[2, 3]);
        for l in loans.iter().filter(|l| l.town_use == town) {
            t.row(vec![
                st.unit_name(l.key.unit),
                st.account_label(&l.key),
                l.count.to_string(),
                l.outstanding().to_string(),
                l.doc.clone(),
                l.start.to_string(),
                l.due.map(|d| d.to_string()).unwrap_or_default(),
                if l.on_attrition { "是" } else { "" }.into(),
                if l.overdue(date) { "逾期" } else { "" }.into(),
            ]);
        }
        t.print();
    }
    println!("\n过桥编制（未消化）");
    let mut t = Table::new(&[
        "调入单位",
        "编制类型",
        "人员",
        "来源",
        "文号",
        "起始",
        "消化期限",
        "状态",
    ]);
    for b in query::bridges_at(st, date, false) {
        t.row(vec![
            st.unit_name(b.key.unit),
            st.account_label(&b.key),
            st.person(b.person)
                .map(|p| p.details.name.clone())
                .unwrap_or_default(),
            match b.source {
                bianzhi_core::model::BridgeSource::Sender(k) => st.unit_name(k.unit),
                bianzhi_core::model::BridgeSource::Pool => "周转池".into(),
            },
            b.doc.clone(),
            b.start.to_string(),
            b.deadline.to_string(),
            if b.overdue(date) { "逾期" } else { "" }.into(),
        ]);
    }
    t.print();
    println!("\n承兑编制与动态编制（未完成）");
    let mut t = Table::new(&[
        "单位",
        "编制类型",
        "类别",
        "批准",
        "未下达/未收回",
        "文号",
        "说明",
    ])
    .right(&[3, 4]);
    for g in query::grants_at(st, date, false) {
        let (kind, note) = match &g.kind {
            bianzhi_core::model::GrantKind::Phased { tranches, .. } => (
                "承兑",
                tranches
                    .iter()
                    .map(|t| format!("{} {}", t.date, t.count))
                    .collect::<Vec<_>>()
                    .join("，"),
            ),
            bianzhi_core::model::GrantKind::Dynamic {
                include_transfer_out,
                ..
            } => (
                "动态（退一收一）",
                if *include_transfer_out {
                    "调出也收回".to_string()
                } else {
                    String::new()
                },
            ),
        };
        t.row(vec![
            st.unit_name(g.key.unit),
            st.account_label(&g.key),
            kind.into(),
            g.count.to_string(),
            g.outstanding().to_string(),
            g.doc.clone(),
            note,
        ]);
    }
    t.print();
}
