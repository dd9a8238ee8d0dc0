//! 比对: another department's roster (组织部 / 人社局 / 财政统发工资名单:
//! 姓名, 身份证号, 单位, 编制类型) against the ledger's 实名制花名册 as of a date.
//! One hash map keyed by the normalised 身份证号: linear time.

use std::path::Path;

use bianzhi_core::ident::parse_id_number;
use bianzhi_core::{query, Ledger, UnitId};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use crate::table::{Cell, Table};
use crate::xlsx::{self, SheetError};

/// A person on a roster (the ledger's or the other department's).
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct Entry {
    pub name: String,
    pub id_number: String,
    pub unit: String,
    /// 编制类型 (may be empty on the other roster: then not compared).
    pub qtype: String,
    /// Row number in the other department's file (0 for the ledger).
    pub row: usize,
}

/// What differs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum DiffKind {
    /// On the other roster (e.g. paid) but not enrolled in the ledger: 吃空饷 risk.
    NotInLedger,
    /// Enrolled in the ledger but not on the other roster.
    NotOnRoster,
    UnitMismatch,
    TypeMismatch,
    NameMismatch,
    /// The other roster's 身份证号 is invalid.
    InvalidId,
    /// The same person twice on the other roster.
    Duplicate,
}

impl DiffKind {
    pub fn label(self) -> &'static str {
        match self {
            DiffKind::NotInLedger => "名单有、台账无（吃空饷风险）",
            DiffKind::NotOnRoster => "台账有、名单无",
            DiffKind::UnitMismatch => "单位不一致",
            DiffKind::TypeMismatch => "编制类型不一致",
            DiffKind::NameMismatch => "姓名不一致",
            DiffKind::InvalidId => "身份证号无效",
            DiffKind::Duplicate => "名单内重复",
        }
    }
}

/// One difference.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Diff {
    pub kind: DiffKind,
    pub id_number: String,
    /// The ledger's entry, if the person is enrolled there.
    pub ledger: Option<Entry>,
    /// The other roster's entry, if the person is on it.
    pub other: Option<Entry>,
}

/// 身份证号 in one form: trimmed, inner spaces and full-width digits folded,
/// a final x upper-cased, a valid 15-digit number upgraded to 18 digits.
pub fn normalise_id(s: &str) -> String {
    let folded: String = s
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            'x' | 'ｘ' | 'Ｘ' => 'X',
            c => c,
        })
        .collect();
    match parse_id_number(&folded) {
        Ok(x) => x.into_string(),
        Err(_) => folded,
    }
}

/// The header row of a roster: what [`read_roster`] looks for (姓名,
/// 身份证号 and 单位 required, 编制类型 optional), and what [`template`] writes.
pub const ROSTER_HEADERS: [&str; 4] = ["姓名", "身份证号", "单位", "编制类型"];

/// The ledger's 实名制花名册 of the whole jurisdiction as of `date`.
pub fn ledger_entries(l: &Ledger, date: NaiveDate) -> Vec<Entry> {
    ledger_entries_where(l, date, |_| true)
}

/// The ledger's 实名制花名册 as of `date` of the units `keep` accepts.
pub fn ledger_entries_where(
    l: &Ledger,
    date: NaiveDate,
    keep: impl Fn(UnitId) -> bool,
) -> Vec<Entry> {
    let st = l.view_at(date);
    let mut out = Vec::new();
    for u in query::units_at(&st, date)
        .into_iter()
        .filter(|u| keep(u.id))
    {
        for (pid, pl) in query::roster_at(&st, u.id, date) {
            if let Some(p) = st.person(pid) {
                out.push(Entry {
                    name: p.details.name.clone(),
                    id_number: p.details.id_number.as_str().to_string(),
                    unit: u.name.clone(),
                    qtype: st.qtype_name(pl.qtype),
                    row: 0,
                });
            }
        }
    }
    out
}

/// Compares the two rosters. Differences come in the other roster's order,
/// then the ledger's people missing from it.
pub fn reconcile(ledger: &[Entry], other: &[Entry]) -> Vec<Diff> {
    reconcile_within(ledger, &[], other)
}

/// Compares the other roster with the ledger's people of the units compared
/// (`ledger`); `outside` are the ledger's people of other units the reader
/// may see. Only people of `ledger` missing from the roster are reported as
/// 台账有、名单无; a person on the roster found only in `outside` is enrolled
/// in another unit (单位不一致), not missing from the ledger.
pub fn reconcile_within(ledger: &[Entry], outside: &[Entry], other: &[Entry]) -> Vec<Diff> {
    let elsewhere: FxHashMap<&str, &Entry> =
        outside.iter().map(|e| (e.id_number.as_str(), e)).collect();
    let mut by_id: FxHashMap<&str, (usize, bool)> = FxHashMap::default();
    by_id.reserve(ledger.len());
    for (i, e) in ledger.iter().enumerate() {
        by_id.insert(e.id_number.as_str(), (i, false));
    }
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();
    seen.reserve(other.len());
    let mut out = Vec::new();
    for o in other {
        let id = normalise_id(&o.id_number);
        let diff = |kind, ledger: Option<&Entry>| Diff {
            kind,
            id_number: id.clone(),
            ledger: ledger.cloned(),
            other: Some(o.clone()),
        };
        if parse_id_number(&id).is_err() {
            out.push(diff(DiffKind::InvalidId, None));
            continue;
        }
        if seen.insert(id.clone(), o.row).is_some() {
            out.push(diff(DiffKind::Duplicate, None));
            continue;
        }
        let Some((i, hit)) = by_id.get_mut(id.as_str()) else {
            match elsewhere.get(id.as_str()) {
                Some(e) => out.push(diff(DiffKind::UnitMismatch, Some(e))),
                None => out.push(diff(DiffKind::NotInLedger, None)),
            }
            continue;
        };
        *hit = true;
        let l = &ledger[*i];
        if l.unit.trim() != o.unit.trim() {
            out.push(diff(DiffKind::UnitMismatch, Some(l)));
        }
        if !o.qtype.trim().is_empty() && l.qtype != o.qtype.trim() {
            out.push(diff(DiffKind::TypeMismatch, Some(l)));
        }
        if l.name.trim() != o.name.trim() {
            out.push(diff(DiffKind::NameMismatch, Some(l)));
        }
    }
    for e in ledger {
        if by_id.get(e.id_number.as_str()).is_some_and(|(_, hit)| !hit) {
            out.push(Diff {
                kind: DiffKind::NotOnRoster,
                id_number: e.id_number.clone(),
                ledger: Some(e.clone()),
                other: None,
            });
        }
    }
    out
}

/// Reads the other department's roster: columns 姓名, 身份证号, 单位 (or
/// 单位名称), and optionally 编制类型; xlsx, xls (first sheet) or csv.
pub fn read_roster(path: &Path) -> Result<Vec<Entry>, SheetError> {
    roster_of(&xlsx::read_any(path, None)?)
}

/// Reads the other department's roster from an upload held in memory (`ext`:
/// the file name's extension, xlsx, xls or csv), within `lim` (for the web:
/// [`xlsx::Limits::upload`]).
pub fn read_roster_bytes(
    bytes: &[u8],
    ext: &str,
    lim: &xlsx::Limits,
) -> Result<Vec<Entry>, SheetError> {
    roster_of(&xlsx::read_bytes_with(bytes, ext, None, lim)?)
}

/// The roster template as xlsx bytes: a sheet 名单 with the header row
/// [`ROSTER_HEADERS`], 身份证号 as a text column (Excel keeps all 18
/// characters), 编制类型 from a drop-down of `qtypes`, and a sheet 说明.
pub fn template(qtypes: &[String]) -> Result<Vec<u8>, SheetError> {
    let t = Table::new("名单", &ROSTER_HEADERS);
    let mut wb = xlsx::workbook(&[&t])?;
    let text = rust_xlsxwriter::Format::new().set_num_format("@");
    let ws = wb.worksheet_from_index(0)?;
    ws.set_column_format(1, &text)?;
    ws.set_column_width(0, 12)?;
    ws.set_column_width(1, 22)?;
    ws.set_column_width(2, 30)?;
    ws.set_column_width(3, 14)?;
    if !qtypes.is_empty() {
        let dv = rust_xlsxwriter::DataValidation::new()
            .allow_list_strings(qtypes)?
            .set_error_title("输入无效")?
            .set_error_message("请从下拉列表中选择编制类型，或留空")?;
        ws.add_data_validation(1, 3, 1_000_000, 3, &dv)?;
    }
    let notes = wb.add_worksheet();
    notes.set_name("说明")?;
    let lines = [
        "名单比对模板说明",
        "在“名单”表中每行填写一人：姓名、身份证号（18 位，末位可为 X）、单位（与机构编制台账中的单位名称一致）、编制类型（可空，填写则一并比对）。",
        "第一行表头请勿修改；也可另存为 CSV（UTF-8 或 GBK 编码）上传。",
        "比对时可选择单位（或单位及下属单位）作为比对范围，名单中只需列出该范围内的人员。",
    ];
    for (i, l) in lines.iter().enumerate() {
        notes.write_string(i as u32, 0, *l)?;
    }
    notes.set_column_width(0, 110)?;
    Ok(wb.save_to_buffer()?)
}

fn roster_of(s: &xlsx::Sheet) -> Result<Vec<Entry>, SheetError> {
    let find = |names: &[&str]| s.headers.iter().position(|h| names.contains(&h.trim()));
    let (Some(name), Some(id), Some(unit)) = (
        find(&["姓名"]),
        find(&["身份证号", "公民身份号码", "身份证号码"]),
        find(&["单位", "单位名称", "工作单位"]),
    ) else {
        return Err(SheetError::Open(
            "名单缺少列：应有“姓名”“身份证号”“单位”（“编制类型”可选）".into(),
        ));
    };
    let qtype = find(&["编制类型"]);
    let cell = |r: &[xlsx::Raw], i: usize| r.get(i).map(|c| c.text()).unwrap_or_default();
    Ok(s.rows
        .iter()
        .map(|(row, r)| Entry {
            name: cell(r, name),
            id_number: cell(r, id),
            unit: cell(r, unit),
            qtype: qtype.map(|q| cell(r, q)).unwrap_or_default(),
            row: *row,
        })
        .collect())
}

/// The differences as a report table.
pub fn table(diffs: &[Diff]) -> Table {
    let mut t = Table::new(
        "比对结果",
        &[
            "差异类别",
            "身份证号",
            "名单行号",
            "名单姓名",
            "名单单位",
            "名单编制类型",
            "台账姓名",
            "台账单位",
            "台账编制类型",
        ],
    );
    let s = |x: &str| Cell::text(x);
    for d in diffs {
        let o = d.other.clone().unwrap_or_default();
        let l = d.ledger.clone().unwrap_or_default();
        t.rows.push(vec![
            s(d.kind.label()),
            s(&d.id_number),
            if d.other.is_some() {
                Cell::int(o.row as i64)
            } else {
                Cell::Empty
            },
            s(&o.name),
            s(&o.unit),
            s(&o.qtype),
            s(&l.name),
            s(&l.unit),
            s(&l.qtype),
        ]);
    }
    t
}

/// Counts by kind, for a summary line.
pub fn summary(diffs: &[Diff]) -> Vec<(DiffKind, usize)> {
    let mut m: std::collections::BTreeMap<DiffKind, usize> = Default::default();
    for d in diffs {
        *m.entry(d.kind).or_default() += 1;
    }
    m.into_iter().collect()
}
