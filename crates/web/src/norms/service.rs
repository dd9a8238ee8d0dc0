//! The office's norms and the units' facts, kept in the workflow store as
//! versioned records (kinds `norms` and `unit_facts`, on SQLite and
//! PostgreSQL through `RecordStore`), and 拟核增: a 核增 drafted from a
//! calculation into a 动议. Writes are the 编办's; every change is audited
//! in the office's words by the handler (`with_note`).

use std::collections::HashMap;

use bianzhi_core::norms::{Facts, Measure, Norm, Norms};
use bianzhi_core::{AccountRef, CatRef, Op, UnitId, UnitRef};
use chrono::NaiveDate;
use serde::{Deserialize, Serialize};

use crate::ledger::*;
use crate::norms::views::*;
use crate::prelude::*;

/// Record kind of the office's own norms (overrides of the defaults).
pub const NORMS: &str = "norms";
/// Record kind of a unit's facts (one record per unit, its dated history).
pub const UNIT_FACTS: &str = "unit_facts";

fn decode<T: for<'de> Deserialize<'de>>(what: &str, id: i64, body: &str) -> Result<T, WebError> {
    serde_json::from_str(body)
        .map_err(|e| WebError::Internal(format!("第 {id} 号{what}记录无法读取：{e}")))
}

fn encode<T: Serialize>(v: &T) -> Result<String, WebError> {
    serde_json::to_string(v).map_err(|e| WebError::Internal(format!("记录无法保存：{e}")))
}

/// Facts as a form or the API gives them, checked.
pub fn check_facts(
    as_of: &str,
    counts: &[(Measure, &str)],
    source: &str,
) -> Result<Facts, WebError> {
    let as_of = crate::http::params::parse_date(as_of.trim())
        .map_err(|_| WebError::invalid("bad_date", "请填写统计时点（YYYY-MM-DD）"))?;
    let mut map = std::collections::BTreeMap::new();
    for (m, v) in counts {
        let v = v.trim();
        if v.is_empty() {
            continue;
        }
        let n: u64 = v
            .parse()
            .ok()
            .filter(|n| *n <= 100_000_000)
            .ok_or_else(|| {
                WebError::invalid(
                    "invalid_field",
                    format!("{}应为不小于 0 的整数，收到“{v}”", m.label()),
                )
            })?;
        map.insert(*m, n);
    }
    if map.is_empty() {
        return Err(WebError::invalid(
            "missing_field",
            "请至少填写一项基础数据（在校生、在园幼儿、床位或服务人口）",
        ));
    }
    let source = source.trim();
    if source.chars().count() > 200 {
        return Err(WebError::invalid(
            "invalid_field",
            "数据来源过长（最多 200 个字）",
        ));
    }
    Ok(Facts {
        as_of,
        counts: map,
        source: source.to_string(),
    })
}

impl App {
    fn require_office(&self, user: &User, what: &str) -> Result<(), WebError> {
        user.require(user.can_review(), what)
    }

    /// The office's norms (ids and records), retired ones included, by id.
    pub fn norm_records(&self) -> Result<Vec<(i64, NormRecord)>, WebError> {
        let rows = self.wf().records(NORMS)?;
        rows.into_iter()
            .map(|r| Ok((r.id, decode("编制标准", r.id, &r.body)?)))
            .collect()
    }

    /// The norms applied: the defaults, then the office's own in the order
    /// set (retired ones left out).
    pub fn norms(&self) -> Result<Norms, WebError> {
        Ok(Norms::with_overrides(
            self.norm_records()?
                .into_iter()
                .filter(|(_, r)| !r.retired)
                .map(|(_, r)| r.norm),
        ))
    }

    /// Sets a norm of the office's own (the 编办 only). Answers its id.
    pub fn add_norm(&self, user: &User, norm: Norm) -> Result<i64, WebError> {
        self.require_office(user, "设定编制标准（仅编办）")?;
        norm.check()
            .map_err(|e| WebError::invalid("invalid_field", e))?;
        let rec = NormRecord {
            norm,
            author: user.name.clone(),
            retired: false,
        };
        Ok(self
            .wf()
            .insert_record(NORMS, &encode(&rec)?, self.now())?
            .id)
    }

    /// 停用 a norm of the office's own (the default it replaced applies again).
    pub fn retire_norm(&self, user: &User, id: i64) -> Result<Norm, WebError> {
        self.require_office(user, "停用编制标准（仅编办）")?;
        let missing = || WebError::NotFound(format!("第 {id} 号编制标准不存在"));
        let r = self.wf().record(NORMS, id)?.ok_or_else(missing)?;
        let mut rec: NormRecord = decode("编制标准", id, &r.body)?;
        if rec.retired {
            return Err(missing());
        }
        rec.retired = true;
        self.wf()
            .update_record(NORMS, id, r.version, &encode(&rec)?, self.now())
            .map_err(|e| match e {
                bianzhi_store::StoreError::VersionMoved { .. } => {
                    WebError::Conflict("该编制标准已被他人修改，请刷新页面后重试".into())
                }
                e => e.into(),
            })?;
        Ok(rec.norm)
    }

    /// Every unit's facts, by unit number (record id and version kept).
    pub fn all_facts(&self) -> Result<HashMap<u32, (i64, i64, UnitFactsRecord)>, WebError> {
        let rows = self.wf().records(UNIT_FACTS)?;
        let mut out = HashMap::new();
        for r in rows {
            let rec: UnitFactsRecord = decode("单位基础数据", r.id, &r.body)?;
            out.insert(rec.unit, (r.id, r.version, rec));
        }
        Ok(out)
    }

    /// Checks that the user may see unit `id` (today or at `date`).
    pub fn norms_unit(&self, user: &User, id: u32, date: NaiveDate) -> Result<UnitId, WebError> {
        let scope = self.scope(user, date);
        self.read(date, |ctx| check_unit(ctx, scope.as_deref(), id))
    }

    /// A unit's facts history, oldest first (within the user's scope).
    pub fn unit_facts(&self, user: &User, id: u32) -> Result<Vec<FactsEntry>, WebError> {
        self.norms_unit(user, id, self.today())?;
        Ok(self
            .all_facts()?
            .remove(&id)
            .map(|(_, _, r)| r.history)
            .unwrap_or_default())
    }

    /// Records the facts of units (the 编办 only): each replaces the same
    /// unit's facts of the same date. Every unit is checked before anything
    /// is written.
    pub fn put_facts(&self, user: &User, facts: Vec<(u32, Facts)>) -> Result<(), WebError> {
        self.require_office(user, "填报单位基础数据（仅编办）")?;
        let today = self.today();
        for (id, f) in &facts {
            self.norms_unit(user, *id, today)?;
            if f.as_of > today {
                return Err(WebError::invalid(
                    "bad_date",
                    format!("统计时点 {} 晚于今天", f.as_of),
                ));
            }
        }
        let now = self.now();
        for attempt in 0..3 {
            let mut existing = self.all_facts()?;
            let mut moved = false;
            for (id, f) in &facts {
                let entry = FactsEntry {
                    facts: f.clone(),
                    by: user.name.clone(),
                    at: now,
                };
                match existing.get_mut(id) {
                    Some((rid, version, rec)) => {
                        rec.history.retain(|e| e.facts.as_of != f.as_of);
                        rec.history.push(entry);
                        rec.history.sort_by_key(|e| e.facts.as_of);
                        match self.wf().update_record(
                            UNIT_FACTS,
                            *rid,
                            *version,
                            &encode(rec)?,
                            now,
                        ) {
                            Ok(Some(r)) => *version = r.version,
                            Ok(None) => return Err(WebError::Internal("记录已不存在".into())),
                            Err(bianzhi_store::StoreError::VersionMoved { .. }) => {
                                moved = true;
                                break;
                            }
                            Err(e) => return Err(e.into()),
                        }
                    }
                    None => {
                        let rec = UnitFactsRecord {
                            unit: *id,
                            history: vec![entry],
                        };
                        let r = self.wf().insert_record(UNIT_FACTS, &encode(&rec)?, now)?;
                        existing.insert(*id, (r.id, r.version, rec));
                    }
                }
            }
            if !moved {
                return Ok(());
            }
            if attempt == 2 {
                break;
            }
        }
        Err(WebError::Conflict(
            "单位基础数据正被他人同时修改，请稍后重试".into(),
        ))
    }

    /// 编制标准测算 as of `date` over the units the user may see.
    pub fn norm_report(&self, user: &User, date: NaiveDate) -> Result<NormReport, WebError> {
        let norms = self.norms()?;
        let own = self.norm_records()?;
        let facts: HashMap<u32, Vec<Facts>> = self
            .all_facts()?
            .into_iter()
            .map(|(u, (_, _, r))| (u, r.facts()))
            .collect();
        let scope = self.scope(user, date);
        Ok(self.read(date, |ctx| {
            report(ctx, scope.as_deref(), &norms, &own, &facts)
        }))
    }

    /// A unit's facts and its normative 编制 as of `date` (within the user's scope).
    pub fn norm_unit(
        &self,
        user: &User,
        id: u32,
        date: NaiveDate,
    ) -> Result<UnitFactsView, WebError> {
        let norms = self.norms()?;
        let own = self.norm_records()?;
        let entries = self.unit_facts(user, id)?;
        let scope = self.scope(user, date);
        self.read(date, |ctx| {
            let uid = check_unit(ctx, scope.as_deref(), id)?;
            Ok(unit_facts_view(ctx, uid, &norms, &own, &entries))
        })
    }

    /// 拟核增: the unit's shortfall against its normative 编制 at `date`,
    /// drafted as a 核增 of its 事业编制 into a 动议 whose reasons carry the
    /// calculation. Answers the case and the number proposed.
    pub fn propose_norm_increase(
        &self,
        user: &User,
        id: u32,
        date: NaiveDate,
    ) -> Result<(i64, i64, String), WebError> {
        self.require_office(user, "按编制标准拟核增（仅编办）")?;
        let norms = self.norms()?;
        let history = self
            .all_facts()?
            .remove(&id)
            .map(|(_, _, r)| r.facts())
            .unwrap_or_default();
        let scope = self.scope(user, date);
        let row = self.read(date, |ctx| -> Result<_, WebError> {
            let uid = check_unit(ctx, scope.as_deref(), id)?;
            Ok(unit_row(ctx, uid, &norms, &history))
        })?;
        let Some(row) = row else {
            return Err(WebError::invalid(
                "no_norm",
                "该单位未设行业领域，或其行业领域没有编制标准",
            ));
        };
        let (Some(calc), Some(diff)) = (&row.calc, row.diff) else {
            return Err(WebError::invalid(
                "no_facts",
                format!("{} 尚未填报 {date} 以前的基础数据，无法测算", row.unit.name),
            ));
        };
        if diff >= 0 {
            return Err(WebError::invalid(
                "not_short",
                format!(
                    "{} 核定{QTYPE} {} 名，不低于测算编制 {} 名，无需核增",
                    row.unit.name, row.approved, calc.total
                ),
            ));
        }
        let shortfall = -diff;
        let funding = row.funding.clone().ok_or_else(|| {
            WebError::invalid(
                "no_funding",
                format!(
                    "{} 没有{QTYPE}账户，也未登记经费形式，请先核定编制",
                    row.unit.name
                ),
            )
        })?;
        let title = format!("{}按编制标准核增{QTYPE} {shortfall} 名", row.unit.name);
        let reasons = format!(
            "{}。现核定{QTYPE} {} 名、实有 {} 名，低于测算编制 {} 名，拟核增 {shortfall} 名。",
            calc.text.trim_end_matches('。'),
            row.approved,
            row.actual,
            calc.total
        );
        let draft = bianzhi_casework::Draft {
            reason: format!("按编制标准测算核增{QTYPE}"),
            effective: self.today().max(date),
            ops: vec![Op::IncreaseQuota {
                account: AccountRef {
                    unit: UnitRef::Id(UnitId(id)),
                    qtype: CatRef::Name(QTYPE.into()),
                    funding: CatRef::Name(funding.clone()),
                },
                count: shortfall as i32,
            }],
        };
        let case = self.propose_case(user, &title, &reasons, Some(id), draft)?;
        Ok((case, shortfall, row.unit.name))
    }
}

/// The columns of the facts template (an import needs 单位名称, 统计时点 and
/// at least one count column; 行业领域 is for the reader and ignored).
pub const IMPORT_COLS: [&str; 10] = [
    "单位名称",
    "行业领域",
    "统计时点",
    "小学在校生",
    "初中在校生",
    "高中在校生",
    "在园幼儿",
    "床位",
    "服务人口",
    "数据来源",
];

/// The name errors of an import are reported under.
const IMPORT_SHEET: &str = "基础数据";

/// A date cell: text `2025-09-01`, `2025/9/1`, `2025.9.1`, `20250901`, or
/// a spreadsheet date (a day number from 1899-12-30).
fn cell_date(c: &bianzhi_reports::xlsx::Raw) -> Result<NaiveDate, String> {
    use bianzhi_reports::xlsx::Raw;
    let bad = |s: &str| format!("“{s}”不是日期（应为 YYYY-MM-DD）");
    match c {
        Raw::Number(f) if f.fract() == 0.0 && *f > 0.0 && *f < 2_958_466.0 => {
            NaiveDate::from_ymd_opt(1899, 12, 30)
                .and_then(|d| d.checked_add_days(chrono::Days::new(*f as u64)))
                .ok_or_else(|| bad(&f.to_string()))
        }
        _ => {
            let s = c.text();
            let t = s.trim();
            if t.is_empty() {
                return Err("未填写统计时点".into());
            }
            if t.len() == 8 && t.bytes().all(|b| b.is_ascii_digit()) {
                return NaiveDate::parse_from_str(t, "%Y%m%d").map_err(|_| bad(t));
            }
            let norm: String = t
                .chars()
                .map(|ch| if ch == '/' || ch == '.' { '-' } else { ch })
                .collect();
            NaiveDate::parse_from_str(&norm, "%Y-%m-%d").map_err(|_| bad(t))
        }
    }
}

/// A count cell: empty (not reported) or a whole number ≥ 0.
fn cell_count(c: &bianzhi_reports::xlsx::Raw) -> Result<Option<u64>, String> {
    use bianzhi_reports::xlsx::Raw;
    match c {
        Raw::Empty => Ok(None),
        Raw::Number(f) if f.fract() == 0.0 && *f >= 0.0 && *f <= 1e8 => Ok(Some(*f as u64)),
        Raw::Number(f) => Err(format!("{f} 不是不小于 0 的整数")),
        Raw::Formula(_) => Err("不接受公式，请粘贴为数值".into()),
        other => {
            let s = other.text();
            let t = s.trim();
            if t.is_empty() {
                return Ok(None);
            }
            t.parse::<u64>()
                .ok()
                .filter(|n| *n <= 100_000_000)
                .map(Some)
                .ok_or_else(|| format!("“{t}”不是不小于 0 的整数"))
        }
    }
}

impl App {
    /// The facts of a filled template, all checked against the ledger and
    /// the user's scope: either every row is good or the answer lists every
    /// bad row and column (nothing is recorded). Rows with no count at all
    /// are skipped.
    pub fn facts_from_sheet(
        &self,
        user: &User,
        sheet: &bianzhi_reports::xlsx::Sheet,
    ) -> Result<Vec<(u32, Facts)>, WebError> {
        use bianzhi_reports::import::{ImportError, RowError};
        let cols = sheet
            .columns(&["单位名称", "统计时点"])
            .map_err(|missing| {
                WebError::invalid(
                    "bad_file",
                    ImportError::MissingColumns {
                        sheet: IMPORT_SHEET.into(),
                        missing,
                    }
                    .to_string(),
                )
            })?;
        let measures: Vec<(Measure, usize)> = Measure::ALL
            .into_iter()
            .filter_map(|m| sheet.columns(&[m.label()]).ok().map(|c| (m, c[0])))
            .collect();
        if measures.is_empty() {
            return Err(WebError::invalid(
                "bad_file",
                "导入文件没有任何基础数据列（小学在校生、初中在校生、高中在校生、在园幼儿、床位、服务人口），请使用模板",
            ));
        }
        let source_col = sheet.columns(&["数据来源"]).ok().map(|c| c[0]);
        let today = self.today();
        let scope = self.scope(user, today);
        let empty = bianzhi_reports::xlsx::Raw::Empty;
        let mut errors = Vec::new();
        let mut out: Vec<(u32, Facts)> = Vec::new();
        let mut seen: HashMap<(u32, NaiveDate), usize> = HashMap::new();
        let db = self.db();
        let st = db.state();
        for (row, cells) in &sheet.rows {
            let cell = |i: usize| cells.get(i).unwrap_or(&empty);
            let mut err = |column: &str, reason: String| {
                errors.push(RowError {
                    sheet: IMPORT_SHEET.into(),
                    row: *row,
                    column: column.into(),
                    reason,
                })
            };
            let mut counts = std::collections::BTreeMap::new();
            let mut bad = false;
            for (m, i) in &measures {
                match cell_count(cell(*i)) {
                    Ok(Some(n)) => {
                        counts.insert(*m, n);
                    }
                    Ok(None) => {}
                    Err(e) => {
                        err(m.label(), e);
                        bad = true;
                    }
                }
            }
            if counts.is_empty() && !bad {
                continue;
            }
            let name = cell(cols[0]).text();
            let unit = if name.trim().is_empty() {
                err("单位名称", "未填写单位名称".into());
                None
            } else {
                match find_unit_in_scope(st, scope.as_deref(), &UnitKey::Name(name.clone())) {
                    Ok(u) => Some(u.0),
                    Err(_) => {
                        err(
                            "单位名称",
                            format!("“{}”不是现有单位（或不在您的范围内）", name.trim()),
                        );
                        None
                    }
                }
            };
            let date = match cell_date(cell(cols[1])) {
                Ok(d) if d > today => {
                    err("统计时点", format!("{d} 晚于今天"));
                    None
                }
                Ok(d) => Some(d),
                Err(e) => {
                    err("统计时点", e);
                    None
                }
            };
            let source = source_col.map(|i| cell(i).text()).unwrap_or_default();
            if source.chars().count() > 200 {
                err("数据来源", "过长（最多 200 个字）".into());
                bad = true;
            }
            if let (Some(u), Some(d), false) = (unit, date, bad) {
                if let Some(first) = seen.insert((u, d), *row) {
                    err(
                        "单位名称",
                        format!("与第 {first} 行是同一单位、同一统计时点"),
                    );
                    continue;
                }
                out.push((
                    u,
                    Facts {
                        as_of: d,
                        counts,
                        source: source.trim().to_string(),
                    },
                ));
            }
        }
        if !errors.is_empty() {
            return Err(WebError::invalid(
                "bad_rows",
                ImportError::Rows(errors).to_string(),
            ));
        }
        if out.is_empty() {
            return Err(WebError::invalid(
                "nothing",
                "导入文件中没有填写任何基础数据",
            ));
        }
        Ok(out)
    }
}
