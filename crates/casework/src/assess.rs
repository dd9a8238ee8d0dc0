//! 事前评估: the pre-assessment of a proposed change, computed from the ledger
//! (DOMAIN §4): quota and post usage of the unit and of similar units, its
//! recent changes, open problems, a dry run of the change, the jurisdiction's
//! totals before and after, unit limits (机构限额), 挂牌 count, naming rules and
//! the 周转池. Every number is read from the ledger's own queries.

use std::collections::{BTreeMap, BTreeSet};

use bianzhi_core::catalog::UnitKind;
use bianzhi_core::ident::DocNo;
use bianzhi_core::ledger::Ledger;
use bianzhi_core::model::Unit;
use bianzhi_core::{query, Matter, Op, QuotaTypeId, State, UnitId};
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::{Deserialize, Serialize};

use crate::case::{is_institutional, unit_of, Draft};

/// Settings of the pre-assessment.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AssessConfig {
    /// 机构限额: group → the most units of that group the jurisdiction may
    /// have. A group is "党政机构" (党委机构 + 政府工作部门), "党政群机关"
    /// (every 党政机关 kind and 群团), or the label of one unit kind
    /// ("事业单位", "党委机构", "政府工作部门", "镇", "街道" …).
    #[serde(default)]
    pub unit_limits: BTreeMap<String, u32>,
    /// The most 挂牌 (second names) one unit may carry.
    pub max_second_names: u32,
    /// Allowed endings of a unit's name.
    pub name_suffixes: Vec<String>,
}

impl Default for AssessConfig {
    /// 党政机构 40 (a 县级 limit), 挂牌 3, the usual name endings.
    fn default() -> Self {
        AssessConfig {
            unit_limits: [("党政机构".to_string(), 40)].into_iter().collect(),
            max_second_names: 3,
            name_suffixes: [
                "局",
                "委",
                "委员会",
                "办",
                "办公室",
                "部",
                "院",
                "医院",
                "中心",
                "站",
                "所",
                "队",
                "馆",
                "校",
                "学校",
                "中学",
                "小学",
                "幼儿园",
                "园",
                "会",
                "社",
                "台",
                "场",
                "处",
                "室",
                "科",
                "股",
                "团",
                "署",
                "镇",
                "街道",
                "管委会",
                "管理委员会",
            ]
            .into_iter()
            .map(String::from)
            .collect(),
        }
    }
}

/// The unit kinds a limit group counts.
pub fn group_kinds(group: &str) -> Vec<UnitKind> {
    match group.trim() {
        "党政机构" => vec![UnitKind::PartyOrgan, UnitKind::GovDept],
        "党政群机关" => UnitKind::ALL
            .iter()
            .copied()
            .filter(|k| k.is_party_or_government() || *k == UnitKind::MassOrg)
            .filter(|k| !matches!(k, UnitKind::Town | UnitKind::Subdistrict))
            .collect(),
        other => UnitKind::parse(other).into_iter().collect(),
    }
}

/// One quota account of the unit (a row of its 编制情况表).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QuotaUse {
    /// 编制类型.
    pub qtype: String,
    /// 经费形式.
    pub funding: String,
    /// 核定.
    pub approved: i32,
    /// 实有.
    pub actual: i32,
    /// 冻结.
    pub frozen: i32,
    /// 锁定.
    pub locked: i32,
    /// 周转借入.
    pub borrowed: i32,
    /// 可用空编.
    pub vacant: i32,
    /// 超编.
    pub over: i32,
}

/// One leadership-post account of the unit (a row of its 领导职数情况表).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PostUse {
    /// 职数类别 (with the internal body's name).
    pub kind: String,
    /// 核定.
    pub approved: i32,
    /// 实配.
    pub actual: i32,
    /// 空缺 (negative = 超职数).
    pub vacant: i32,
}

/// The unit's current figures.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct UnitUsage {
    pub id: UnitId,
    pub name: String,
    /// 机构类别.
    pub kind: String,
    /// 规格.
    pub rank: String,
    pub second_names: Vec<String>,
    pub quotas: Vec<QuotaUse>,
    pub posts: Vec<PostUse>,
    /// Σ 核定, Σ 实有, Σ 超编 over the unit's accounts.
    pub approved: i32,
    pub actual: i32,
    pub over: i32,
}

/// Units of the same kind in the jurisdiction (the unit itself excluded).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SimilarUnits {
    /// 机构类别.
    pub kind: String,
    pub count: usize,
    /// Average Σ 核定 per unit.
    pub avg_approved: f64,
    /// Average Σ 实有 per unit.
    pub avg_actual: f64,
}

/// A recent institutional matter touching the unit (from its 台账; person
/// operations such as 入编 and 出编 are left out).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RecentChange {
    pub seq: u64,
    /// 生效日期.
    pub date: NaiveDate,
    pub doc_no: String,
    /// 事项类型 (the operations' names).
    pub label: String,
    /// 摘要 (as in the 台账).
    pub summary: String,
}

/// The jurisdiction's total of one 编制类型 before and after the change:
/// Σ(核定 + 已核未下达 + 周转借入 + 过桥) + 周转池余额, as
/// [`query::jurisdiction_total`] counts it for all types.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TotalCheck {
    pub qtype: String,
    pub before: i32,
    /// `None` when the dry run was refused.
    pub after: Option<i32>,
}

impl TotalCheck {
    /// Whether the change keeps the total (stays inside the jurisdiction's total).
    pub fn ok(&self) -> bool {
        self.after.is_none_or(|a| a <= self.before)
    }
}

/// 机构限额 of one group before and after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct LimitCheck {
    pub group: String,
    pub before: usize,
    pub after: usize,
    pub limit: u32,
    /// `after` ≤ `limit`.
    pub ok: bool,
}

/// 挂牌 count of a unit before and after the change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct SecondNameCheck {
    pub unit: String,
    pub before: usize,
    pub after: usize,
    pub max: u32,
    pub ok: bool,
}

/// A new name (设立, 更名, 挂牌) against the naming rules.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct NameCheck {
    pub name: String,
    /// 设立 / 更名 / 挂牌.
    pub what: String,
    pub ok: bool,
    /// What is wrong, in Chinese (empty when ok).
    pub problems: Vec<String>,
}

/// 周转池 of one 编制类型.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PoolUse {
    pub qtype: String,
    /// 池内可用.
    pub balance: i32,
    /// 借出未还.
    pub lent: i32,
    /// 过桥借出.
    pub bridged: i32,
    /// Loans past their due date with slots outstanding, and those slots.
    pub overdue_loans: usize,
    pub overdue_slots: i32,
    /// 池内可用 after the change (`None` when the dry run was refused).
    pub balance_after: Option<i32>,
}

/// The pre-assessment report, stored with the case.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Assessment {
    /// `ledger.next_seq()` when computed: the report is current while no
    /// matter has been recorded since.
    pub next_seq: u64,
    /// The date the unit's figures are read at.
    pub as_of: NaiveDate,
    /// The date totals, limits and 挂牌 are compared at: the later of `as_of`
    /// and the draft's effective date.
    pub compared_on: NaiveDate,
    pub unit: Option<UnitUsage>,
    pub similar: Option<SimilarUnits>,
    pub recent: Vec<RecentChange>,
    pub open_problems: Vec<String>,
    /// The change tried on a copy of the ledger: the warnings it would carry,
    /// or the Chinese refusal.
    pub dry_run: Result<Vec<String>, String>,
    pub totals: Vec<TotalCheck>,
    pub limits: Vec<LimitCheck>,
    pub second_names: Option<SecondNameCheck>,
    pub naming: Vec<NameCheck>,
    pub pool: Vec<PoolUse>,
    /// Short Chinese lines: what passes, what needs attention (the latter start
    /// with "注意：").
    pub verdict: Vec<String>,
}

impl Assessment {
    /// Still valid for a ledger whose next sequence number is `next_seq`.
    pub fn is_current(&self, next_seq: u64) -> bool {
        self.next_seq == next_seq
    }

    /// Whether any verdict line needs attention.
    pub fn needs_attention(&self) -> bool {
        self.verdict.iter().any(|v| v.starts_with(ATTENTION))
    }
}

const ATTENTION: &str = "注意：";
/// How many recent matters are listed.
const RECENT: usize = 10;

/// The placeholder 文号 of a dry run.
pub fn placeholder_doc(year: i32) -> DocNo {
    let year = year.clamp(1949, 2100) as u16;
    DocNo {
        agency: "事前评估".into(),
        year,
        number: 1,
        raw: format!("事前评估〔{year}〕1号"),
    }
}

/// Tries the draft on a copy of the ledger; the real ledger is never touched.
/// Returns the state after the change, or the refusal.
pub fn dry_run(
    ledger: &Ledger,
    draft: &Draft,
    today: NaiveDate,
) -> Result<(State, Vec<String>), String> {
    let recorded_at: DateTime<Utc> = today.and_hms_opt(0, 0, 0).expect("midnight").and_utc();
    let matter = Matter {
        doc: placeholder_doc(draft.effective.year()),
        effective: draft.effective,
        recorded_at,
        actor: "事前评估".into(),
        reason: draft.reason.clone(),
        ops: draft.ops.clone(),
        warnings: Vec::new(),
        attachments: Vec::new(),
        corrects: None,
        supplements: None,
    };
    crate::preview::try_matter(ledger, matter, recorded_at).map_err(|e| e.to_string())
}

/// Per-type jurisdiction totals as of `date` (Σ over types =
/// [`query::jurisdiction_total`]).
pub fn type_totals(st: &State, date: NaiveDate) -> BTreeMap<QuotaTypeId, i32> {
    let r = query::rollup(st, date, None);
    let mut out: BTreeMap<QuotaTypeId, i32> = r
        .by_type
        .iter()
        .map(|(q, c)| (*q, c.approved + c.unreleased + c.borrowed + c.bridged))
        .collect();
    for (q, p) in query::pools_at(st, date) {
        *out.entry(q).or_default() += p.balance;
    }
    out
}

fn unit_usage(st: &State, u: &Unit, date: NaiveDate) -> UnitUsage {
    let quotas: Vec<QuotaUse> = query::quota_table(st, u.id, date)
        .into_iter()
        .map(|r| QuotaUse {
            qtype: r.qtype,
            funding: r.funding,
            approved: r.counts.approved,
            actual: r.counts.actual,
            frozen: r.counts.frozen,
            locked: r.counts.locked,
            borrowed: r.counts.borrowed,
            vacant: r.available,
            over: r.over,
        })
        .collect();
    let posts = query::post_table(st, u.id, date)
        .into_iter()
        .map(|r| PostUse {
            kind: r.label,
            approved: r.approved,
            actual: r.filled,
            vacant: r.vacant,
        })
        .collect();
    UnitUsage {
        id: u.id,
        name: u.name.clone(),
        kind: u.kind.label().to_string(),
        rank: u.rank.label().to_string(),
        second_names: u.second_names.clone(),
        approved: quotas.iter().map(|q| q.approved).sum(),
        actual: quotas.iter().map(|q| q.actual).sum(),
        over: quotas.iter().map(|q| q.over).sum(),
        quotas,
        posts,
    }
}

fn similar_units(
    st: &State,
    kind: UnitKind,
    except: Option<UnitId>,
    date: NaiveDate,
) -> SimilarUnits {
    let others: Vec<&Unit> = query::units_at(st, date)
        .into_iter()
        .filter(|u| u.kind == kind && Some(u.id) != except)
        .collect();
    let (mut approved, mut actual) = (0i64, 0i64);
    for u in &others {
        for r in query::quota_table(st, u.id, date) {
            approved += r.counts.approved as i64;
            actual += r.counts.actual as i64;
        }
    }
    let n = others.len();
    let avg = |x: i64| if n == 0 { 0.0 } else { x as f64 / n as f64 };
    SimilarUnits {
        kind: kind.label().to_string(),
        count: n,
        avg_approved: avg(approved),
        avg_actual: avg(actual),
    }
}

fn recent_changes(ledger: &Ledger, st: &State, unit: UnitId) -> Vec<RecentChange> {
    // Newest first, decoding only until enough changes of the unit are found.
    let mut order: Vec<&bianzhi_core::Entry> = ledger
        .entries()
        .iter()
        .filter(|e| ledger.stands(e.seq))
        .collect();
    order.sort_by(|a, b| b.effective.cmp(&a.effective).then(b.seq.cmp(&a.seq)));
    let mut v: Vec<RecentChange> = Vec::new();
    for e in order {
        if v.len() >= RECENT {
            break;
        }
        let m = match ledger.decode(e) {
            Ok(m) => m,
            Err(err) => {
                // Named where it is needed, not skipped.
                v.push(RecentChange {
                    seq: e.seq,
                    date: e.effective,
                    doc_no: e.doc.to_string(),
                    label: "无法解读".to_string(),
                    summary: err.to_string(),
                });
                continue;
            }
        };
        let ops: Vec<&Op> = m
            .ops
            .iter()
            .filter(|op| is_institutional(op))
            .filter(|op| query::op_units(st, op, m.effective).contains(&unit))
            .collect();
        if ops.is_empty() {
            continue;
        }
        let mut labels: Vec<&str> = Vec::new();
        for op in &ops {
            if !labels.contains(&op.label()) {
                labels.push(op.label());
            }
        }
        let summary: Vec<String> = ops
            .iter()
            .map(|op| query::describe_op(st, op, unit).summary)
            .collect();
        v.push(RecentChange {
            seq: e.seq,
            date: m.effective,
            doc_no: m.doc.to_string(),
            label: labels.join("、"),
            summary: summary.join("；"),
        });
    }
    v
}

/// Units of `kinds` active at `date`.
pub(crate) fn count_units(st: &State, kinds: &[UnitKind], date: NaiveDate) -> usize {
    query::units_at(st, date)
        .into_iter()
        .filter(|u| kinds.contains(&u.kind))
        .count()
}

/// Change in the number of units of `kinds` the draft makes, counted from its
/// operations (used when the dry run was refused).
fn unit_delta(st: &State, draft: &Draft, kinds: &[UnitKind]) -> i64 {
    let kind_of =
        |r: &bianzhi_core::UnitRef| unit_of(st, r).and_then(|id| st.unit(id)).map(|u| u.kind);
    draft
        .ops
        .iter()
        .map(|op| match op {
            Op::CreateUnit(nu) if kinds.contains(&nu.kind) => 1,
            Op::AbolishUnit { unit, .. } | Op::MergeUnit { unit, .. }
                if kind_of(unit).is_some_and(|k| kinds.contains(&k)) =>
            {
                -1
            }
            _ => 0,
        })
        .sum()
}

fn second_name_check(
    st: &State,
    after: Option<&State>,
    draft: &Draft,
    cfg: &AssessConfig,
    date: NaiveDate,
) -> Option<SecondNameCheck> {
    let target = draft.ops.iter().find_map(|op| match op {
        Op::AddSecondName { unit, .. } | Op::RemoveSecondName { unit, .. } => unit_of(st, unit),
        _ => None,
    })?;
    let names = |s: &State| query::unit_at(s, target, date).map(|u| u.second_names.len());
    let before = names(st).unwrap_or(0);
    let after = match after.and_then(names) {
        Some(n) => n,
        None => {
            let delta: i64 = draft
                .ops
                .iter()
                .map(|op| match op {
                    Op::AddSecondName { unit, .. } if unit_of(st, unit) == Some(target) => 1,
                    Op::RemoveSecondName { unit, .. } if unit_of(st, unit) == Some(target) => -1,
                    _ => 0,
                })
                .sum();
            (before as i64 + delta).max(0) as usize
        }
    };
    Some(SecondNameCheck {
        unit: st.unit_name(target),
        before,
        after,
        max: cfg.max_second_names,
        ok: after as u32 <= cfg.max_second_names,
    })
}

/// Checks a new name against the naming rules: an allowed ending, no
/// spaces, 2–40 characters, not already a unit's name or 挂牌.
pub fn check_name(st: &State, name: &str, what: &str, cfg: &AssessConfig) -> NameCheck {
    let mut problems = Vec::new();
    let n = name.chars().count();
    if !(2..=40).contains(&n) {
        problems.push(format!("名称应为 2 至 40 个字（现为 {n} 个字）"));
    }
    if name.chars().any(char::is_whitespace) {
        problems.push("名称中不应有空格".to_string());
    }
    if !cfg.name_suffixes.iter().any(|s| name.ends_with(s.as_str())) {
        problems.push(format!(
            "名称应以规范的机构称谓结尾（{}）",
            cfg.name_suffixes.join("、")
        ));
    }
    let taken_by =
        st.units.iter().flatten().find(|u| {
            u.is_active() && (u.name == name || u.second_names.iter().any(|s| s == name))
        });
    if let Some(u) = taken_by {
        if u.name == name {
            problems.push(format!("已有同名机构“{name}”"));
        } else {
            problems.push(format!("“{name}”已是 {} 的牌子", u.name));
        }
    }
    NameCheck {
        name: name.to_string(),
        what: what.to_string(),
        ok: problems.is_empty(),
        problems,
    }
}

/// Computes the pre-assessment of `draft` for `unit` against the ledger as of
/// `today`. Never changes the ledger (the dry run works on a copy).
pub fn assess(
    ledger: &Ledger,
    draft: &Draft,
    unit: Option<UnitId>,
    today: NaiveDate,
    open_problems: Vec<String>,
    cfg: &AssessConfig,
) -> Assessment {
    let now_view = ledger.view_at(today);
    let st: &State = &now_view;
    let compared_on = today.max(draft.effective);
    let before_view = ledger.view_at(compared_on);
    let before: &State = &before_view;

    // The unit and similar units.
    let the_unit = unit.and_then(|u| query::unit_at(st, u, today));
    let usage = the_unit.map(|u| unit_usage(st, u, today));
    let new_kind = draft.ops.iter().find_map(|op| match op {
        Op::CreateUnit(nu) => Some(nu.kind),
        _ => None,
    });
    let similar = the_unit
        .map(|u| u.kind)
        .or(new_kind)
        .map(|k| similar_units(st, k, unit, today));
    let recent = unit
        .map(|u| recent_changes(ledger, st, u))
        .unwrap_or_default();

    // The dry run.
    let run = dry_run(ledger, draft, today);
    let after_state: Option<std::borrow::Cow<'_, State>> = match &run {
        Ok((s, _)) => Some(query::view_at(s, compared_on)),
        Err(_) => None,
    };
    let after = after_state.as_deref();
    let dry = run.as_ref().map(|(_, w)| w.clone()).map_err(Clone::clone);

    // Totals per 编制类型.
    let tb = type_totals(before, compared_on);
    let ta = after.map(|s| type_totals(s, compared_on));
    let mut types: BTreeSet<QuotaTypeId> = tb.keys().copied().collect();
    if let Some(ta) = &ta {
        types.extend(ta.keys().copied());
    }
    let name_of = |q: QuotaTypeId| match after {
        Some(a) => a.qtype_name(q),
        None => before.qtype_name(q),
    };
    let totals: Vec<TotalCheck> = types
        .into_iter()
        .map(|q| TotalCheck {
            qtype: name_of(q),
            before: tb.get(&q).copied().unwrap_or(0),
            after: ta.as_ref().map(|t| t.get(&q).copied().unwrap_or(0)),
        })
        .collect();

    // 机构限额.
    let limits: Vec<LimitCheck> = cfg
        .unit_limits
        .iter()
        .map(|(group, limit)| {
            let kinds = group_kinds(group);
            let b = count_units(before, &kinds, compared_on);
            let a = match after {
                Some(s) => count_units(s, &kinds, compared_on),
                None => (b as i64 + unit_delta(before, draft, &kinds)).max(0) as usize,
            };
            LimitCheck {
                group: group.clone(),
                before: b,
                after: a,
                limit: *limit,
                ok: a as u64 <= *limit as u64,
            }
        })
        .collect();

    let second_names = second_name_check(before, after, draft, cfg, compared_on);

    // Naming.
    let naming: Vec<NameCheck> = draft
        .ops
        .iter()
        .filter_map(|op| match op {
            Op::CreateUnit(nu) => Some(check_name(before, &nu.name, "设立", cfg)),
            Op::RenameUnit { name, .. } => Some(check_name(before, name, "更名", cfg)),
            Op::AddSecondName { name, .. } => Some(check_name(before, name, "挂牌", cfg)),
            _ => None,
        })
        .collect();

    // 周转池.
    let overdue: Vec<_> = query::loans_at(st, today, false)
        .into_iter()
        .filter(|l| l.overdue(today))
        .collect();
    let pools_before = query::pools_at(before, compared_on);
    let pools_after: BTreeMap<QuotaTypeId, i32> = after
        .map(|s| {
            query::pools_at(s, compared_on)
                .into_iter()
                .map(|(q, p)| (q, p.balance))
                .collect()
        })
        .unwrap_or_default();
    let mut pool_types: BTreeSet<QuotaTypeId> = pools_before.iter().map(|(q, _)| *q).collect();
    pool_types.extend(pools_after.keys().copied());
    let pool: Vec<PoolUse> = pool_types
        .into_iter()
        .map(|q| {
            let p = pools_before
                .iter()
                .find(|(x, _)| *x == q)
                .map(|(_, p)| *p)
                .unwrap_or_default();
            let od: Vec<_> = overdue.iter().filter(|l| l.key.qtype == q).collect();
            PoolUse {
                qtype: name_of(q),
                balance: p.balance,
                lent: p.lent,
                bridged: p.bridged,
                overdue_loans: od.len(),
                overdue_slots: od.iter().map(|l| l.outstanding()).sum(),
                balance_after: after.map(|_| pools_after.get(&q).copied().unwrap_or(0)),
            }
        })
        .collect();

    let mut a = Assessment {
        next_seq: ledger.next_seq(),
        as_of: today,
        compared_on,
        unit: usage,
        similar,
        recent,
        open_problems,
        dry_run: dry,
        totals,
        limits,
        second_names,
        naming,
        pool,
        verdict: Vec::new(),
    };
    a.verdict = verdict(&a);
    a
}

/// The short conclusions of an assessment.
fn verdict(a: &Assessment) -> Vec<String> {
    let mut v = Vec::new();
    let mut warn = |s: String| v.push(format!("{ATTENTION}{s}"));
    let mut good: Vec<String> = Vec::new();
    match &a.dry_run {
        Ok(w) if w.is_empty() => good.push("按现有台账试算，拟变更可以办理".into()),
        Ok(w) => warn(format!(
            "按现有台账试算可以办理，但有预警：{}",
            w.join("；")
        )),
        Err(e) => warn(format!("按现有台账试算不能办理：{e}")),
    }
    if let Some(u) = &a.unit {
        if u.over > 0 {
            warn(format!("{} 现超编 {} 名", u.name, u.over));
        }
        let over_posts: Vec<String> = u
            .posts
            .iter()
            .filter(|p| p.vacant < 0)
            .map(|p| format!("{}超配 {} 名", p.kind, -p.vacant))
            .collect();
        if !over_posts.is_empty() {
            warn(format!("{} 超职数配备：{}", u.name, over_posts.join("，")));
        }
    }
    if !a.open_problems.is_empty() {
        warn(format!(
            "问题台账中有 {} 个问题尚未销号",
            a.open_problems.len()
        ));
    }
    let grown: Vec<String> = a
        .totals
        .iter()
        .filter(|t| !t.ok())
        .map(|t| {
            format!(
                "{}由 {} 名增至 {} 名",
                t.qtype,
                t.before,
                t.after.unwrap_or(0)
            )
        })
        .collect();
    if grown.is_empty() {
        if a.dry_run.is_ok() {
            good.push("全区编制总量不增加（在总量内调剂）".into());
        }
    } else {
        warn(format!(
            "全区编制总量增加：{}，须在上级核定的总量内解决",
            grown.join("，")
        ));
    }
    for l in &a.limits {
        if l.ok {
            good.push(format!(
                "{} {} 个，未超过限额 {} 个",
                l.group, l.after, l.limit
            ));
        } else {
            warn(format!(
                "{} 将为 {} 个，超过机构限额 {} 个",
                l.group, l.after, l.limit
            ));
        }
    }
    if let Some(s) = &a.second_names {
        if s.ok {
            good.push(format!(
                "{} 挂牌 {} 块，未超过 {} 块",
                s.unit, s.after, s.max
            ));
        } else {
            warn(format!(
                "{} 挂牌将达 {} 块，超过 {} 块",
                s.unit, s.after, s.max
            ));
        }
    }
    for n in &a.naming {
        if n.ok {
            good.push(format!("名称“{}”符合命名规范", n.name));
        } else {
            warn(format!("名称“{}”：{}", n.name, n.problems.join("；")));
        }
    }
    for p in &a.pool {
        if p.overdue_loans > 0 {
            warn(format!(
                "周转池{}有 {} 笔借用逾期未还，共 {} 名",
                p.qtype, p.overdue_loans, p.overdue_slots
            ));
        }
    }
    v.extend(good);
    v
}
