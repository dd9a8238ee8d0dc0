use bianzhi_core::{query, Seq, State, UnitId};
use chrono::{Datelike, NaiveDate};
use serde::Serialize;
use utoipa::ToSchema;

use crate::ledger::*;
use crate::prelude::*;

pub const MATTER_SORTS: &[&str] = &["effective", "seq", "doc"];

/// One line of a 台账: what a matter did (to a unit or a person).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct LedgerLineView {
    pub seq: u64,
    pub effective: NaiveDate,
    /// 文号.
    pub doc: String,
    /// 事项类型.
    pub kind: String,
    /// 摘要.
    pub summary: String,
    /// 变动数.
    pub count: i32,
}

/// A matter in a list.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatterRow {
    pub seq: u64,
    pub doc: String,
    pub effective: NaiveDate,
    pub recorded_at: String,
    /// 经办人.
    pub actor: String,
    /// 事由.
    pub reason: String,
    /// 事项类型 of its operations (distinct).
    pub kinds: Vec<String>,
    pub ops: usize,
    /// Units touched (first few).
    pub units: Vec<UnitLink>,
    /// 状态: 有效, or 已撤销 / 已更正 (voided by a later matter).
    pub status: String,
    /// 更正 / 撤销: the earlier matter this one corrects.
    pub corrects: Option<MatterLink>,
    /// The later matter that voided this one.
    pub voided_by: Option<MatterLink>,
    /// 补充附件: the matter this entry files documents with.
    pub supplements: Option<MatterLink>,
}

/// A link to another matter: 序号, 文号 and what it is to this one
/// (撤销 / 更正).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatterLink {
    pub seq: u64,
    pub doc: String,
    /// 撤销 or 更正.
    pub kind: String,
}

/// A matter with its operations.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatterView {
    #[serde(flatten)]
    pub row: MatterRow,
    pub lines: Vec<MatterLine>,
    /// Operations of the matter on other units, not shown to a user limited
    /// to some units.
    pub hidden_ops: usize,
    pub warnings: Vec<String>,
    /// The stored operations as JSON (身份证号 masked; for a user limited to
    /// some units, only the operations wholly within them).
    #[schema(value_type = Vec<Object>)]
    pub ops_json: Vec<serde_json::Value>,
    /// Documents filed with the matter, at recording or later (补充附件);
    /// only for a user who may see the whole matter.
    pub attachments: Vec<AttachmentView>,
}

/// A document filed with a matter: name, size, SM3 digest, and when.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct AttachmentView {
    pub name: String,
    pub size: u64,
    /// SM3 of the content (lower-case hex), as in the journal.
    pub sm3: String,
    /// The journal entry that filed it (the matter itself or a 补充附件).
    pub entry: u64,
    pub recorded_at: String,
    /// 经办人.
    pub by: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MatterLine {
    pub kind: String,
    pub summary: String,
    pub units: Vec<UnitLink>,
}

pub(crate) fn line_view(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    i: u32,
    k: u16,
    unit: Option<UnitId>,
) -> LedgerLineView {
    let e = ctx.entry(i);
    let m = match ctx.matter_at(i) {
        Ok(m) => m,
        Err(err) => return undecodable_line(e, &err),
    };
    let op = &m.ops[k as usize];
    let (kind, summary, count) = match unit {
        Some(u) => {
            let l = query::describe_op(ctx.live, op, u);
            (l.kind.to_string(), l.summary, l.count)
        }
        None => {
            let units = query::op_units(ctx.live, op, m.effective);
            let u = units.first().copied().unwrap_or(UnitId(0));
            let l = query::describe_op(ctx.live, op, u);
            let unit_name = units
                .first()
                .map(|u| format!("{}：", ctx.live.unit_name(*u)))
                .unwrap_or_default();
            (
                l.kind.to_string(),
                format!("{unit_name}{}", l.summary),
                l.count,
            )
        }
    };
    // A user limited to some units reads other units as 其他单位.
    let summary = match scope {
        None => summary,
        Some(_) => {
            let others: Vec<UnitId> = query::op_units(ctx.live, op, m.effective)
                .into_iter()
                .filter(|u| !in_scope(scope, *u))
                .collect();
            withhold_names(ctx.live, &summary, &others)
        }
    };
    LedgerLineView {
        seq: e.seq,
        effective: m.effective,
        doc: m.doc.to_string(),
        kind,
        summary,
        count,
    }
}

/// What is shown of a journal entry whose matter cannot be decoded: its head
/// and the error, naming it.
const UNDECODABLE: &str = "无法解读";

fn undecodable_line(e: &bianzhi_core::Entry, err: &bianzhi_core::JournalError) -> LedgerLineView {
    LedgerLineView {
        seq: e.seq,
        effective: e.effective,
        doc: e.doc.to_string(),
        kind: UNDECODABLE.to_string(),
        summary: err.to_string(),
        count: 0,
    }
}

fn undecodable_row(e: &bianzhi_core::Entry, err: &bianzhi_core::JournalError) -> MatterRow {
    MatterRow {
        seq: e.seq,
        doc: e.doc.to_string(),
        effective: e.effective,
        recorded_at: crate::state::fmt_time(e.recorded_at),
        actor: String::new(),
        reason: err.to_string(),
        kinds: vec![UNDECODABLE.to_string()],
        ops: 0,
        units: Vec::new(),
        status: UNDECODABLE.to_string(),
        corrects: None,
        voided_by: None,
        supplements: None,
    }
}

/// The part of a matter a user may see. A user limited to some units
/// (单位经办, a scoped token) sees the operations that touch its units, with
/// the names of other units replaced; the 事由 and warnings only when the
/// whole matter is within its units.
struct MatterPart {
    /// Operations shown, with the units each touches.
    ops: Vec<(usize, Vec<UnitId>)>,
    /// Whether every operation touches only the user's units.
    whole: bool,
    /// A 撤销 (no operations) is visible to whoever may see the matter it
    /// revokes.
    revokes_visible: bool,
}

impl MatterPart {
    pub(crate) fn of(
        ctx: &ReadCtx<'_>,
        m: &bianzhi_core::Matter,
        scope: Option<&[UnitId]>,
    ) -> MatterPart {
        let mut ops = Vec::with_capacity(m.ops.len());
        let mut whole = true;
        for (i, op) in m.ops.iter().enumerate() {
            let us = query::op_units(ctx.live, op, m.effective);
            let inside = us.iter().filter(|u| in_scope(scope, **u)).count();
            if inside < us.len() {
                whole = false;
            }
            if inside > 0 || (scope.is_none() && us.is_empty()) {
                ops.push((i, us));
            } else if us.is_empty() {
                // An operation on no unit (e.g. a catalogue entry) is shown
                // to the office only.
                whole = false;
            }
        }
        let mut revokes_visible = false;
        if m.ops.is_empty() {
            let linked = m.corrects.map(|c| c.of).or(m.supplements);
            // A target that cannot be decoded leaves the entry hidden from
            // a user limited to some units.
            if let Some(Ok(Some(t))) = linked.map(|of| ctx.ledger.matter(of)) {
                let target = MatterPart::of(ctx, &t, scope);
                revokes_visible = target.visible();
                whole = target.whole;
            }
        }
        MatterPart {
            ops,
            whole,
            revokes_visible,
        }
    }

    fn visible(&self) -> bool {
        !self.ops.is_empty() || self.revokes_visible
    }

    /// Units of the shown operations within the scope.
    fn units(&self, scope: Option<&[UnitId]>) -> Vec<UnitId> {
        let mut v: Vec<UnitId> = self
            .ops
            .iter()
            .flat_map(|(_, us)| us.iter().copied())
            .filter(|u| in_scope(scope, *u))
            .collect();
        v.sort_unstable();
        v.dedup();
        v
    }
}

/// What a user limited to some units reads instead of a 事由 that may name others.
const REASON_WITHHELD: &str = "（该事项还涉及其他单位，事由不予显示）";

fn matter_row(
    ctx: &ReadCtx<'_>,
    seq: Seq,
    m: &bianzhi_core::Matter,
    part: &MatterPart,
    scope: Option<&[UnitId]>,
) -> MatterRow {
    let mut kinds: Vec<String> = Vec::new();
    for (i, _) in &part.ops {
        let l = m.ops[*i].label().to_string();
        if !kinds.contains(&l) {
            kinds.push(l);
        }
    }
    let link_to = |seq: Seq, kind: bianzhi_core::CorrectionKind| MatterLink {
        seq,
        doc: ctx
            .ledger
            .entry(seq)
            .map(|x| x.doc.to_string())
            .unwrap_or_default(),
        kind: kind.label().to_string(),
    };
    let voided_by = ctx.ledger.voided_by(seq).and_then(|by| {
        let kind = ctx.ledger.entry(by)?.corrects?.kind;
        Some(link_to(by, kind))
    });
    if let Some(c) = m.corrects {
        kinds.insert(0, c.kind.label().to_string());
    }
    if m.supplements.is_some() {
        kinds.insert(0, "补充附件".to_string());
    }
    MatterRow {
        status: match &voided_by {
            None => "有效".to_string(),
            Some(l) => format!("已{}", l.kind),
        },
        corrects: m.corrects.map(|c| link_to(c.of, c.kind)),
        supplements: m.supplements.map(|of| MatterLink {
            seq: of,
            doc: ctx
                .ledger
                .entry(of)
                .map(|x| x.doc.to_string())
                .unwrap_or_default(),
            kind: "补充附件".to_string(),
        }),
        voided_by,
        seq,
        doc: m.doc.to_string(),
        effective: m.effective,
        recorded_at: crate::state::fmt_time(m.recorded_at),
        actor: m.actor.clone(),
        reason: if part.whole {
            m.reason.clone()
        } else {
            REASON_WITHHELD.to_string()
        },
        kinds,
        ops: part.ops.len(),
        units: part
            .units(scope)
            .iter()
            .take(5)
            .map(|u| link(ctx.live, *u))
            .collect(),
    }
}

/// `text` with the names of `others` (units outside the user's scope)
/// replaced by 其他单位, longest names first.
fn withhold_names(st: &State, text: &str, others: &[UnitId]) -> String {
    let mut names: Vec<String> = others
        .iter()
        .flat_map(|u| {
            let mut v = vec![st.unit_name(*u)];
            if let Some(un) = st.unit(*u) {
                v.extend(un.short_name.iter().map(|s| s.to_string()));
            }
            v
        })
        .filter(|n| !n.is_empty())
        .collect();
    names.sort_by_key(|n| std::cmp::Reverse(n.chars().count()));
    let mut out = text.to_string();
    for n in names {
        out = out.replace(&n, "其他单位");
    }
    out
}

/// An operation as JSON with every 身份证号 in it masked.
fn masked_op_json(op: &bianzhi_core::matter::Op) -> serde_json::Value {
    fn mask(v: &mut serde_json::Value) {
        match v {
            serde_json::Value::String(s) => {
                if let std::borrow::Cow::Owned(m) = bianzhi_core::ident::mask_id_numbers(s) {
                    *s = m;
                }
            }
            serde_json::Value::Array(a) => a.iter_mut().for_each(mask),
            serde_json::Value::Object(o) => o.values_mut().for_each(mask),
            _ => {}
        }
    }
    let mut v = serde_json::to_value(op).unwrap_or_default();
    mask(&mut v);
    v
}

/// Filters of the matters list.
#[derive(Debug, Clone, Default)]
pub struct MatterFilter {
    pub unit: Option<UnitId>,
    /// 事项类型 label, e.g. 入编.
    pub kind: Option<String>,
    pub year: Option<i32>,
    /// Text in the 文号 or 事由.
    pub q: Option<String>,
    pub sort: String,
    pub desc: bool,
}

/// 事项 (the journal), effective on or before the date.
pub fn matters(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    f: &MatterFilter,
    pager: Pager,
) -> (Vec<MatterRow>, PageInfo) {
    let journal = ctx.ledger.entries();
    let candidates: Vec<u32> = match f.unit {
        Some(u) => {
            let mut v: Vec<u32> = ctx
                .index
                .by_unit
                .get(&u)
                .map(|v| v.iter().map(|(i, _)| *i).collect())
                .unwrap_or_default();
            v.dedup();
            v
        }
        None => ctx.index.order.clone(),
    };
    let q = f.q.as_deref().map(str::trim).filter(|s| !s.is_empty());
    let mut hits: Vec<u32> = candidates
        .into_iter()
        .filter(|i| {
            // The entry's head and the index's text: nothing is decoded.
            let (e, t) = (&journal[*i as usize], &ctx.index.text[*i as usize]);
            e.effective <= ctx.date
                && f.year.is_none_or(|y| e.effective.year() == y)
                && f.kind.as_deref().is_none_or(|k| t.kinds.contains(&k))
                && q.is_none_or(|q| {
                    e.doc.to_string().contains(q) || e.doc.raw.contains(q) || t.reason.contains(q)
                })
        })
        .collect();
    if scope.is_some() {
        hits.retain(|i| {
            let e = &journal[*i as usize];
            // What cannot be decoded cannot be placed within the scope.
            let Ok(m) = ctx.ledger.decode(e) else {
                return false;
            };
            let part = MatterPart::of(ctx, &m, scope);
            // A 事由 withheld from the user is not searched either.
            part.visible()
                && (part.whole
                    || q.is_none_or(|q| m.doc.to_string().contains(q) || m.doc.raw.contains(q)))
        });
    }
    // Index order is (effective, seq); the default list shows the newest first.
    match f.sort.as_str() {
        "seq" => hits.sort_by_key(|i| journal[*i as usize].seq),
        "doc" => hits.sort_by(|a, b| {
            let (ma, mb) = (&journal[*a as usize], &journal[*b as usize]);
            (ma.doc.agency.as_str(), ma.doc.year, ma.doc.number).cmp(&(
                mb.doc.agency.as_str(),
                mb.doc.year,
                mb.doc.number,
            ))
        }),
        _ => {}
    }
    if f.desc {
        hits.reverse();
    }
    let (page, info) = pager.slice(hits);
    let rows = page
        .into_iter()
        .map(|i| {
            let e = &journal[i as usize];
            match ctx.ledger.decode(e) {
                Ok(m) => matter_row(ctx, e.seq, &m, &MatterPart::of(ctx, &m, scope), scope),
                Err(err) => undecodable_row(e, &err),
            }
        })
        .collect();
    (rows, info)
}

pub fn matter_view(
    ctx: &ReadCtx<'_>,
    scope: Option<&[UnitId]>,
    seq: u64,
) -> Result<MatterView, WebError> {
    let missing = || WebError::NotFound(format!("第 {seq} 号事项不存在"));
    let Some(m) = ctx.ledger.matter(seq)? else {
        return Err(missing());
    };
    let (s, m) = (&seq, &*m);
    let part = MatterPart::of(ctx, m, scope);
    if !part.visible() {
        return Err(WebError::out_of_scope(missing()));
    }
    let lines = part
        .ops
        .iter()
        .map(|(i, us)| {
            let op = &m.ops[*i];
            let l = query::describe_op(ctx.live, op, us.first().copied().unwrap_or(UnitId(0)));
            let others: Vec<UnitId> = us
                .iter()
                .copied()
                .filter(|u| !in_scope(scope, *u))
                .collect();
            MatterLine {
                kind: l.kind.to_string(),
                summary: if others.is_empty() {
                    l.summary
                } else {
                    withhold_names(ctx.live, &l.summary, &others)
                },
                units: us
                    .iter()
                    .filter(|u| in_scope(scope, **u))
                    .map(|u| link(ctx.live, *u))
                    .collect(),
            }
        })
        .collect();
    let attachments = if part.whole {
        let later = ctx.ledger.supplements_of(*s)?;
        std::iter::once((*s, m))
            .chain(later.iter().map(|(e, x)| (*e, &**x)))
            .flat_map(|(entry, x)| {
                x.attachments.iter().map(move |a| AttachmentView {
                    name: a.name.clone(),
                    size: a.size,
                    sm3: a.sm3.clone(),
                    entry,
                    recorded_at: crate::state::fmt_time(x.recorded_at),
                    by: x.actor.clone(),
                })
            })
            .collect()
    } else {
        Vec::new()
    };
    Ok(MatterView {
        attachments,
        row: matter_row(ctx, *s, m, &part, scope),
        lines,
        hidden_ops: m.ops.len() - part.ops.len(),
        warnings: if part.whole {
            m.warnings.clone()
        } else {
            Vec::new()
        },
        // The raw operations: those wholly within the user's units, 身份证号 masked.
        ops_json: part
            .ops
            .iter()
            .filter(|(_, us)| us.iter().all(|u| in_scope(scope, *u)))
            .map(|(i, _)| masked_op_json(&m.ops[*i]))
            .collect(),
    })
}

pub fn matter_filter(
    app: &App,
    scope: Option<&[UnitId]>,
    p: &Params,
) -> Result<MatterFilter, WebError> {
    let (sort, desc) = p.sort(MATTER_SORTS, "effective")?;
    let unit = match p.get("unit") {
        None => None,
        Some(s) => {
            let db = app.db();
            Some(crate::ledger::find_unit_in_scope(
                db.state(),
                scope,
                &UnitKey::Name(s.to_string()),
            )?)
        }
    };
    // Newest first unless asked otherwise.
    let desc = if p.typed("dir")?.is_none() {
        true
    } else {
        desc
    };
    Ok(MatterFilter {
        unit,
        kind: p.get("kind").map(str::to_string),
        year: p.i32("year")?,
        q: p.get("q").map(str::to_string),
        sort,
        desc,
    })
}
