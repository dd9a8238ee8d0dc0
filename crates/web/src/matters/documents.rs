//! The documents an office hands out for a recorded matter — 入编通知单,
//! 出编通知单, 调动通知单, 用编核准单 — as PDF, each with a verification code
//! derived from the matter's own content: `RB-12-7F3A9C21` is the kind, the
//! matter's number, and the first 8 hex digits of SM3(kind ‖ number ‖
//! SM3(the matter as recorded)). A forged code, or one with a digit
//! changed, does not verify; the public page says only whether the document
//! is in the ledger, its 文号, date and kind — never personal data.

use bianzhi_core::matter::{Op, PersonRef};
use bianzhi_core::{query, Matter, State, UnitId};
use sm3::{Digest, Sm3};

use crate::ledger::in_scope;

/// A kind of document.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum DocKind {
    /// 入编通知单.
    Hire,
    /// 出编通知单.
    Leave,
    /// 调动通知单.
    Transfer,
    /// 用编核准单.
    Plan,
}

impl DocKind {
    pub const ALL: [DocKind; 4] = [
        DocKind::Hire,
        DocKind::Leave,
        DocKind::Transfer,
        DocKind::Plan,
    ];

    /// In URLs (`?kind=hire`).
    pub fn code(self) -> &'static str {
        match self {
            DocKind::Hire => "hire",
            DocKind::Leave => "leave",
            DocKind::Transfer => "transfer",
            DocKind::Plan => "plan",
        }
    }

    /// In verification codes.
    fn tag(self) -> &'static str {
        match self {
            DocKind::Hire => "RB",
            DocKind::Leave => "CB",
            DocKind::Transfer => "DD",
            DocKind::Plan => "YB",
        }
    }

    pub fn title(self) -> &'static str {
        match self {
            DocKind::Hire => "入编通知单",
            DocKind::Leave => "出编通知单",
            DocKind::Transfer => "调动通知单",
            DocKind::Plan => "用编核准单",
        }
    }

    pub fn parse(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.code() == s)
    }

    fn of_tag(s: &str) -> Option<DocKind> {
        DocKind::ALL.into_iter().find(|k| k.tag() == s)
    }

    /// Whether an operation belongs on this document.
    fn covers(self, op: &Op) -> bool {
        matches!(
            (self, op),
            (DocKind::Hire, Op::Hire { .. })
                | (DocKind::Leave, Op::Leave { .. })
                | (
                    DocKind::Transfer,
                    Op::Transfer { .. } | Op::BridgeTransfer { .. }
                )
                | (DocKind::Plan, Op::ApprovePlanLine { .. })
        )
    }

    pub fn intro(self) -> &'static str {
        match self {
            DocKind::Hire => "兹核准下列人员入编：",
            DocKind::Leave => "下列人员出编，其占用的编制予以核销：",
            DocKind::Transfer => "兹核准下列人员调动：",
            DocKind::Plan => "兹核准下列用编计划：",
        }
    }

    pub fn headers(self) -> Vec<String> {
        let h: &[&str] = match self {
            DocKind::Hire => &["姓名", "单位", "编制类型", "用编计划"],
            DocKind::Leave => &["姓名", "单位", "编制类型", "出编原因"],
            DocKind::Transfer => &["姓名", "调出单位", "调入单位", "编制类型"],
            DocKind::Plan => &["单位", "年度", "补充渠道", "编制类型", "计划数"],
        };
        h.iter().map(|s| s.to_string()).collect()
    }
}

/// The kinds of document a matter has.
pub fn kinds_of(m: &Matter) -> Vec<DocKind> {
    DocKind::ALL
        .into_iter()
        .filter(|k| m.ops.iter().any(|op| k.covers(op)))
        .collect()
}

/// The verification code of a document of a matter.
pub fn code(kind: DocKind, seq: u64, m: &Matter) -> String {
    let content = Sm3::digest(serde_json::to_vec(m).unwrap_or_default());
    let mut h = Sm3::new();
    h.update(kind.tag().as_bytes());
    h.update(seq.to_be_bytes());
    h.update(content);
    let check = hex::encode(h.finalize());
    format!("{}-{seq}-{}", kind.tag(), check[..8].to_uppercase())
}

/// What the public page may say of a code: the document's kind, 文号 and
/// 生效日期, or nothing (a code that does not verify).
pub fn verify(ledger: &bianzhi_core::Ledger, code_text: &str) -> Option<Verified> {
    let t = code_text.trim().to_uppercase();
    let mut parts = t.splitn(3, '-');
    let kind = DocKind::of_tag(parts.next()?)?;
    let seq: u64 = parts.next()?.parse().ok()?;
    parts.next()?;
    // A matter that cannot be decoded verifies nothing; the log names it.
    let m = match ledger.matter(seq) {
        Ok(m) => m?,
        Err(e) => {
            tracing::error!("{e}");
            return None;
        }
    };
    let m = &*m;
    (code(kind, seq, m) == t && kinds_of(m).contains(&kind)).then(|| Verified {
        kind,
        doc: m.doc.raw.clone(),
        effective: m.effective,
        voided: ledger
            .voided_by(seq)
            .and_then(|by| ledger.entry(by))
            .and_then(|by| by.corrects)
            .map(|c| c.kind.label()),
    })
}

/// A document found by its verification code: what the public page shows.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Verified {
    pub kind: DocKind,
    /// 文号.
    pub doc: String,
    pub effective: chrono::NaiveDate,
    /// 撤销 or 更正 when the matter no longer stands.
    pub voided: Option<&'static str>,
}

fn person_name(st: &State, r: &PersonRef) -> String {
    match r {
        PersonRef::Id(id) => st
            .person(*id)
            .map(|p| p.details.name.to_string())
            .unwrap_or_default(),
        PersonRef::IdNumber(_) => String::new(),
    }
}

/// The rows of a document: the matter's operations of its kind that touch
/// the user's units.
pub fn rows(st: &State, m: &Matter, kind: DocKind, scope: Option<&[UnitId]>) -> Vec<Vec<String>> {
    let before = m.effective.pred_opt().unwrap_or(m.effective);
    let mut out = Vec::new();
    for op in m.ops.iter().filter(|op| kind.covers(op)) {
        let units = query::op_units(st, op, m.effective);
        if !units.iter().any(|u| in_scope(scope, *u)) {
            continue;
        }
        let row = match op {
            Op::Hire {
                details, plan_line, ..
            } => {
                let pl = st
                    .person_by_id_number
                    .get(details.id_number.as_str())
                    .and_then(|id| query::placement_at(st, *id, m.effective));
                vec![
                    details.name.to_string(),
                    pl.map(|p| st.unit_name(p.unit)).unwrap_or_default(),
                    pl.map(|p| st.account_label(&p.key())).unwrap_or_default(),
                    format!("第 {} 号", plan_line.0),
                ]
            }
            Op::Leave { person, reason } => {
                let pl = match person {
                    PersonRef::Id(id) => query::placement_at(st, *id, before),
                    _ => None,
                };
                vec![
                    person_name(st, person),
                    pl.map(|p| st.unit_name(p.unit)).unwrap_or_default(),
                    pl.map(|p| st.account_label(&p.key())).unwrap_or_default(),
                    reason.label().to_string(),
                ]
            }
            Op::Transfer { person, .. } | Op::BridgeTransfer { person, .. } => {
                let (from, to) = match person {
                    PersonRef::Id(id) => (
                        query::placement_at(st, *id, before),
                        query::placement_at(st, *id, m.effective),
                    ),
                    _ => (None, None),
                };
                // The other side of a transfer outside the user's units is not named.
                let name = |u: UnitId| {
                    if in_scope(scope, u) {
                        st.unit_name(u)
                    } else {
                        "其他单位".to_string()
                    }
                };
                vec![
                    person_name(st, person),
                    from.map(|p| name(p.unit)).unwrap_or_default(),
                    to.map(|p| name(p.unit)).unwrap_or_default(),
                    to.map(|p| st.account_label(&p.key())).unwrap_or_default(),
                ]
            }
            Op::ApprovePlanLine {
                year,
                channel,
                qtype,
                count,
                ..
            } => vec![
                units.first().map(|u| st.unit_name(*u)).unwrap_or_default(),
                year.to_string(),
                channel.label().to_string(),
                match qtype {
                    bianzhi_core::CatRef::Id(q) => st.qtype_name(bianzhi_core::QuotaTypeId(*q)),
                    bianzhi_core::CatRef::Name(n) => n.clone(),
                },
                count.to_string(),
            ],
            _ => continue,
        };
        out.push(row);
    }
    out
}
