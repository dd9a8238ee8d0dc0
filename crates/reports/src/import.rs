//! Import of units, quotas and the roster (how a new office moves in) from a
//! documented template: one workbook with the sheets 机构, 编制 and 人员 (any of
//! them may be left out), or one csv file holding one of them. Everything is
//! checked first; the import becomes ONE matter (`CreateUnit`, `SetQuota`,
//! `RegisterExisting`) only when every row is valid.

use std::path::Path;

use bianzhi_core::catalog::{InstitutionCategory, QuotaClass, Rank, StaffIdentity, UnitKind};
use bianzhi_core::codes;
use bianzhi_core::ident::{parse_id_number, DocNo};
use bianzhi_core::model::PersonDetails;
use bianzhi_core::{query, AccountRef, CatRef, Ledger, Matter, NewUnit, Op, State, UnitRef};
use chrono::{DateTime, NaiveDate, Utc};
use rust_xlsxwriter::{DataValidation, Workbook};
use rustc_hash::{FxHashMap, FxHashSet};

use crate::table::{Cell, Table};
use crate::xlsx::{self, Raw, Sheet, SheetError};

pub const UNIT_SHEET: &str = "机构";
pub const QUOTA_SHEET: &str = "编制";
pub const PEOPLE_SHEET: &str = "人员";
pub const UNIT_COLS: [&str; 7] = [
    "单位名称",
    "上级单位",
    "机构类别",
    "规格",
    "事业单位类别",
    "经费形式",
    "统一社会信用代码",
];
pub const QUOTA_COLS: [&str; 4] = ["单位名称", "编制类型", "经费形式", "核定数"];
pub const PEOPLE_COLS: [&str; 7] = [
    "单位名称",
    "姓名",
    "身份证号",
    "编制类型",
    "经费形式",
    "入编时间",
    "人员身份",
];
/// Optional columns of the 人员 sheet, coded by public standards: 民族
/// (GB 3304), 政治面貌 (GB/T 4762), 学历 (GB/T 4658). The canonical name,
/// a common spelling (`汉`, `党员`, `本科`, `大专`) or the code is accepted and
/// recorded as the canonical name; any other value refuses the file, naming
/// the row and the column. A file without them (or a blank cell) imports as
/// before: 汉族, 政治面貌 and 学历 not known yet.
pub const PEOPLE_CODE_COLS: [&str; 3] = ["民族", "政治面貌", "学历"];
/// The tables of [`PEOPLE_CODE_COLS`], in the same order.
const PEOPLE_CODE_TABLES: [&codes::CodeTable; 3] =
    [&codes::ETHNICITY, &codes::POLITICAL, &codes::EDUCATION];
/// The sheet holding the code tables the template's drop-down lists read.
pub const CODES_SHEET: &str = "代码表";

/// One bad row: where and why (in Chinese).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RowError {
    pub sheet: String,
    /// 1-based row number in the file (the header is row 1).
    pub row: usize,
    pub column: String,
    pub reason: String,
}

impl std::fmt::Display for RowError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} 第 {} 行“{}”列：{}",
            self.sheet, self.row, self.column, self.reason
        )
    }
}

/// Why an import was refused.
#[derive(Debug, thiserror::Error)]
pub enum ImportError {
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error("工作表“{sheet}”缺少列：{}", missing.join("、"))]
    MissingColumns { sheet: String, missing: Vec<String> },
    #[error("文件中没有可导入的工作表（应有“机构”“编制”或“人员”工作表，或 CSV 的表头与模板一致）")]
    NothingToImport,
    #[error("共 {} 处错误，未导入任何数据：\n{}", .0.len(), .0.iter().map(|e| e.to_string()).collect::<Vec<_>>().join("\n"))]
    Rows(Vec<RowError>),
    #[error("台账拒绝登记，未导入任何数据：{0}")]
    Refused(String),
}

/// The sheets of an import file.
#[derive(Debug, Clone, Default)]
pub struct ImportFile {
    pub units: Option<Sheet>,
    pub quotas: Option<Sheet>,
    pub people: Option<Sheet>,
}

fn kind_of(headers: &[String]) -> Option<&'static str> {
    let has = |h: &str| headers.iter().any(|x| x.trim() == h);
    if has("身份证号") {
        Some(PEOPLE_SHEET)
    } else if has("核定数") {
        Some(QUOTA_SHEET)
    } else if has("机构类别") {
        Some(UNIT_SHEET)
    } else {
        None
    }
}

/// Reads an import file: a workbook (xlsx/xls) with the sheets 机构, 编制, 人员,
/// or a csv file whose header says which of them it is.
pub fn read_file(path: &Path) -> Result<ImportFile, ImportError> {
    let ext = path
        .extension()
        .and_then(|e| e.to_str())
        .unwrap_or("")
        .to_ascii_lowercase();
    let mut f = ImportFile::default();
    if ext == "csv" {
        let s = xlsx::read_any(path, None)?;
        match kind_of(&s.headers) {
            Some(UNIT_SHEET) => f.units = Some(s),
            Some(QUOTA_SHEET) => f.quotas = Some(s),
            Some(_) => f.people = Some(s),
            None => return Err(ImportError::NothingToImport),
        }
    } else {
        if !matches!(ext.as_str(), "xlsx" | "xlsm" | "xls") {
            return Err(SheetError::Extension(ext).into());
        }
        // The file is checked once, then the three sheets read.
        let mut s = xlsx::read_workbook_sheets(
            path,
            &[UNIT_SHEET, QUOTA_SHEET, PEOPLE_SHEET],
            &xlsx::Limits::default(),
        )?
        .into_iter();
        f.units = s.next().flatten();
        f.quotas = s.next().flatten();
        f.people = s.next().flatten();
    }
    if f.units.is_none() && f.quotas.is_none() && f.people.is_none() {
        return Err(ImportError::NothingToImport);
    }
    Ok(f)
}

struct Rows<'a> {
    sheet: &'static str,
    /// The required columns, then the optional ones.
    cols: Vec<&'static str>,
    /// Where each of `cols` is in the file (`None`: an optional one left out).
    idx: Vec<Option<usize>>,
    errors: &'a mut Vec<RowError>,
}

impl Rows<'_> {
    fn err(&mut self, row: usize, col: usize, reason: impl Into<String>) {
        self.errors.push(RowError {
            sheet: self.sheet.into(),
            row,
            column: self.cols[col].into(),
            reason: reason.into(),
        });
    }
    /// The cell of a column (empty when the file has no such column).
    fn cell(&self, r: &[Raw], col: usize) -> Raw {
        self.idx[col]
            .and_then(|i| r.get(i))
            .cloned()
            .unwrap_or(Raw::Empty)
    }
    /// The canonical name of a coded cell (blank: `blank`); an unknown value
    /// is reported at its row and column.
    fn code(
        &mut self,
        row: usize,
        r: &[Raw],
        col: usize,
        table: &codes::CodeTable,
        blank: &'static str,
    ) -> &'static str {
        let t = self.text(row, r, col);
        if t.trim().is_empty() {
            return blank;
        }
        table.canonical(&t).unwrap_or_else(|e| {
            self.err(row, col, e.to_string());
            blank
        })
    }
    /// The cell as text; a formula or error value is reported.
    fn text(&mut self, row: usize, r: &[Raw], col: usize) -> String {
        let cell = self.cell(r, col);
        if let Raw::Formula(f) = &cell {
            self.err(row, col, format!("单元格含公式（={f}），应填写数值或文字"));
            return String::new();
        }
        if let Raw::Other(x) = &cell {
            self.err(row, col, format!("单元格内容无效（{x}）"));
            return String::new();
        }
        let t = cell.text();
        if t.starts_with('=') {
            self.err(row, col, "单元格含公式，应填写数值或文字");
            return String::new();
        }
        t
    }
}

fn columns<'a>(
    s: &Sheet,
    sheet: &'static str,
    cols: &[&'static str],
    optional: &[&'static str],
    errors: &'a mut Vec<RowError>,
) -> Result<Rows<'a>, ImportError> {
    let mut idx: Vec<Option<usize>> = s
        .columns(cols)
        .map_err(|missing| ImportError::MissingColumns {
            sheet: sheet.into(),
            missing,
        })?
        .into_iter()
        .map(Some)
        .collect();
    idx.extend(
        optional
            .iter()
            .map(|o| s.headers.iter().position(|h| h.trim() == *o)),
    );
    Ok(Rows {
        sheet,
        cols: cols.iter().chain(optional).copied().collect(),
        idx,
        errors,
    })
}

fn known_qtype(st: &State, s: &str) -> Option<(String, QuotaClass)> {
    st.quota_types
        .iter()
        .find(|q| q.name == s || q.code == s)
        .map(|q| (q.name.clone(), q.class))
}

fn known_funding(st: &State, s: &str) -> Option<String> {
    st.funding_forms
        .iter()
        .find(|f| f.name == s || f.code == s)
        .map(|f| f.name.clone())
}

fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = s.trim();
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y%m%d"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

/// Who is doing the import and under which 文号.
#[derive(Debug, Clone)]
pub struct ImportMeta {
    pub doc: DocNo,
    pub effective: NaiveDate,
    pub recorded_at: DateTime<Utc>,
    pub actor: String,
    /// Accept people beyond 核定 (the account enters 超编消化) instead of
    /// reporting those rows: an office that moves in already over quota.
    pub allow_over: bool,
}

/// Checks every row against the ledger as of the effective date and builds the
/// one matter of the import; every bad row is returned if any.
pub fn plan(l: &Ledger, f: &ImportFile, meta: &ImportMeta) -> Result<Matter, ImportError> {
    let st = l.view_at(meta.effective);
    let date = meta.effective;
    let mut errors = Vec::new();
    let mut ops = Vec::new();
    // Units in the ledger then, and those set up by this file.
    let existing: FxHashSet<String> = query::units_at(&st, date)
        .iter()
        .map(|u| u.name.clone())
        .collect();
    let mut new_units: FxHashMap<String, usize> = FxHashMap::default();
    if let Some(s) = &f.units {
        let mut r = columns(s, UNIT_SHEET, &UNIT_COLS, &[], &mut errors)?;
        for (row, cells) in &s.rows {
            let row = *row;
            let name = r.text(row, cells, 0);
            let parent = r.text(row, cells, 1);
            let kind = r.text(row, cells, 2);
            let rank = r.text(row, cells, 3);
            let cat = r.text(row, cells, 4);
            let funding = r.text(row, cells, 5);
            let credit = r.text(row, cells, 6);
            if name.is_empty() {
                r.err(row, 0, "单位名称不能为空");
                continue;
            }
            if existing.contains(&name) {
                r.err(row, 0, format!("单位“{name}”已在台账中"));
            } else if let Some(first) = new_units.get(&name) {
                r.err(row, 0, format!("单位名称重复（与第 {first} 行相同）"));
            }
            if !parent.is_empty() && !existing.contains(&parent) && !new_units.contains_key(&parent)
            {
                r.err(
                    row,
                    1,
                    format!("上级单位“{parent}”不存在（须已在台账中，或在本表中先于本行列出）"),
                );
            }
            let kind_v = UnitKind::parse(&kind);
            if kind_v.is_none() {
                r.err(row, 2, format!("机构类别“{kind}”无效"));
            }
            let rank_v = if rank.is_empty() {
                Some(Rank::Undefined)
            } else {
                Rank::parse(&rank)
            };
            if rank_v.is_none() {
                r.err(row, 3, format!("规格“{rank}”无效"));
            }
            let cat_v = if cat.is_empty() {
                Some(None)
            } else {
                InstitutionCategory::parse(&cat).map(Some)
            };
            if cat_v.is_none() {
                r.err(row, 4, format!("事业单位类别“{cat}”无效"));
            }
            if !funding.is_empty() && known_funding(&st, &funding).is_none() {
                r.err(row, 5, format!("经费形式“{funding}”无效"));
            }
            new_units.entry(name.clone()).or_insert(row);
            if let (Some(kind), Some(rank), Some(category)) = (kind_v, rank_v, cat_v) {
                ops.push(Op::CreateUnit(NewUnit {
                    id: None,
                    name,
                    short_name: None,
                    kind,
                    rank,
                    category,
                    funding: (!funding.is_empty()).then_some(CatRef::Name(funding)),
                    credit_code: (!credit.is_empty()).then_some(credit),
                    parent: (!parent.is_empty()).then_some(UnitRef::Name(parent)),
                    functions: String::new(),
                    sector: None,
                }));
            }
        }
    }
    let unit_known = |n: &str| existing.contains(n) || new_units.contains_key(n);
    // 核定 per account after the import: the ledger's, replaced by the file's.
    let mut quota: FxHashMap<(String, String, String), i32> = FxHashMap::default();
    if let Some(s) = &f.quotas {
        let mut r = columns(s, QUOTA_SHEET, &QUOTA_COLS, &[], &mut errors)?;
        let mut seen: FxHashMap<(String, String, String), usize> = FxHashMap::default();
        for (row, cells) in &s.rows {
            let row = *row;
            let unit = r.text(row, cells, 0);
            let qt = r.text(row, cells, 1);
            let fu = r.text(row, cells, 2);
            let n = r.text(row, cells, 3);
            if !unit_known(&unit) {
                r.err(row, 0, format!("单位“{unit}”不存在"));
            }
            let q = known_qtype(&st, &qt);
            if q.is_none() {
                r.err(row, 1, format!("编制类型“{qt}”无效"));
            }
            let fname = known_funding(&st, &fu);
            if fname.is_none() {
                r.err(row, 2, format!("经费形式“{fu}”无效"));
            }
            let count = n.parse::<i32>().ok().filter(|c| *c >= 0);
            if count.is_none() {
                r.err(row, 3, format!("核定数“{n}”应为非负整数"));
            }
            if let (Some((qname, _)), Some(fname), Some(count)) = (q, fname, count) {
                let key = (unit.clone(), qname.clone(), fname.clone());
                if let Some(first) = seen.get(&key) {
                    r.err(
                        row,
                        1,
                        format!("编制重复（与第 {first} 行为同一单位、编制类型和经费形式）"),
                    );
                    continue;
                }
                seen.insert(key.clone(), row);
                quota.insert(key, count);
                ops.push(Op::SetQuota {
                    account: AccountRef {
                        unit: UnitRef::Name(unit),
                        qtype: CatRef::Name(qname),
                        funding: CatRef::Name(fname),
                    },
                    count,
                    allow_over: false,
                });
            }
        }
    }
    if let Some(s) = &f.people {
        let mut r = columns(
            s,
            PEOPLE_SHEET,
            &PEOPLE_COLS,
            &PEOPLE_CODE_COLS,
            &mut errors,
        )?;
        let mut seen: FxHashMap<String, usize> = FxHashMap::default();
        let mut used: FxHashMap<(String, String, String), i32> = FxHashMap::default();
        for (row, cells) in &s.rows {
            let row = *row;
            let unit = r.text(row, cells, 0);
            let name = r.text(row, cells, 1);
            let id_cell = r.cell(cells, 2);
            let id_text = r.text(row, cells, 2);
            let qt = r.text(row, cells, 3);
            let fu = r.text(row, cells, 4);
            let on = r.text(row, cells, 5);
            let ident = r.text(row, cells, 6);
            let [ethnicity, political, education] = [0, 1, 2].map(|i| {
                let blank = if i == 0 { "汉族" } else { "" };
                r.code(
                    row,
                    cells,
                    PEOPLE_COLS.len() + i,
                    PEOPLE_CODE_TABLES[i],
                    blank,
                )
            });
            if !unit_known(&unit) {
                r.err(row, 0, format!("单位“{unit}”不存在"));
            }
            if name.is_empty() {
                r.err(row, 1, "姓名不能为空");
            }
            let idn = if let Raw::Number(_) = id_cell {
                r.err(
                    row,
                    2,
                    "身份证号存储为数字（精度已丢失），请将该列设为文本格式后重新填写",
                );
                None
            } else {
                match parse_id_number(&id_text) {
                    Ok(x) => Some(x),
                    Err(e) => {
                        r.err(row, 2, format!("身份证号无效：{e}"));
                        None
                    }
                }
            };
            let mut dup = false;
            if let Some(x) = &idn {
                if let Some(first) = seen.get(x.as_str()) {
                    r.err(row, 2, format!("人员重复（与第 {first} 行身份证号相同）"));
                    dup = true;
                } else if st
                    .person_by_id_number
                    .get(x.as_str())
                    .and_then(|p| query::placement_at(&st, *p, date))
                    .is_some_and(|p| p.is_enrolled())
                {
                    r.err(row, 2, "该人员已在台账中在编");
                    dup = true;
                }
                seen.entry(x.as_str().to_string()).or_insert(row);
            }
            let q = known_qtype(&st, &qt);
            if q.is_none() {
                r.err(row, 3, format!("编制类型“{qt}”无效"));
            }
            let fname = known_funding(&st, &fu);
            if fname.is_none() {
                r.err(row, 4, format!("经费形式“{fu}”无效"));
            }
            let on_v = parse_date(&on);
            if on_v.is_none() {
                r.err(row, 5, format!("入编时间“{on}”格式不对，应为 YYYY-MM-DD"));
            }
            let identity = if ident.is_empty() {
                q.as_ref().map(|(_, c)| match c {
                    QuotaClass::Administrative => StaffIdentity::CivilServant,
                    QuotaClass::Service => StaffIdentity::Worker,
                    _ => StaffIdentity::InstitutionStaff,
                })
            } else {
                StaffIdentity::parse(&ident)
            };
            if identity.is_none() {
                r.err(row, 6, format!("人员身份“{ident}”无效"));
            }
            let (Some((qname, _)), Some(fname), Some(idn), Some(on), Some(identity)) =
                (q, fname, idn, on_v, identity)
            else {
                continue;
            };
            if dup || !unit_known(&unit) {
                continue;
            }
            let key = (unit.clone(), qname.clone(), fname.clone());
            let capacity = match quota.get(&key) {
                Some(c) => Some(*c),
                None => st.unit_by_name.get(&unit).and_then(|u| {
                    st.unit_accounts(*u)
                        .find(|a| {
                            st.qtype_name(a.key.qtype) == qname
                                && st.funding_form(a.key.funding).map(|f| f.name.as_str())
                                    == Some(fname.as_str())
                        })
                        .and_then(|a| query::account_at(&st, &a.key, date))
                        .map(|(c, _)| c.available())
                }),
            }
            .unwrap_or(0);
            let n = used.entry(key).or_default();
            *n += 1;
            if *n > capacity && !meta.allow_over {
                r.err(
                    row,
                    3,
                    format!(
                        "超出核定编制：{unit}{qname}（{fname}）可用 {capacity} 名，本表已列 {n} 人"
                    ),
                );
            }
            ops.push(Op::RegisterExisting {
                person: None,
                account: AccountRef {
                    unit: UnitRef::Name(unit),
                    qtype: CatRef::Name(qname),
                    funding: CatRef::Name(fname),
                },
                body: None,
                enrolled_on: on,
                details: PersonDetails {
                    name,
                    id_number: idn,
                    ethnicity: ethnicity.into(),
                    political: political.into(),
                    education: education.into(),
                    work_start: None,
                    identity,
                    post_grade: Default::default(),
                    position: Default::default(),
                },
                allow_over: meta.allow_over,
            });
        }
    }
    if !errors.is_empty() {
        errors.sort_by(|a, b| (&a.sheet, a.row).cmp(&(&b.sheet, b.row)));
        return Err(ImportError::Rows(errors));
    }
    if ops.is_empty() {
        return Err(ImportError::NothingToImport);
    }
    Ok(Matter {
        doc: meta.doc.clone(),
        effective: meta.effective,
        recorded_at: meta.recorded_at,
        actor: meta.actor.clone(),
        reason: "数据导入（新单位迁入）".into(),
        ops,
        warnings: Vec::new(),
        attachments: Vec::new(),
        corrects: None,
        supplements: None,
    })
}

/// Checks and submits an import into an in-memory ledger: all or nothing.
pub fn import(l: &mut Ledger, f: &ImportFile, meta: &ImportMeta) -> Result<usize, ImportError> {
    let m = plan(l, f, meta)?;
    let n = m.ops.len();
    l.submit(m, meta.recorded_at)
        .map_err(|e| ImportError::Refused(e.to_string()))?;
    Ok(n)
}

/// The three sheets of the template filled from the ledger as of `date`
/// (units parents first, quotas, enrolled people): export for a move.
pub fn export(l: &Ledger, date: NaiveDate) -> [Table; 3] {
    let st = l.view_at(date);
    let mut units = Table::new(UNIT_SHEET, &UNIT_COLS);
    let mut quotas = Table::new(QUOTA_SHEET, &QUOTA_COLS);
    let mut people = Table::new(PEOPLE_SHEET, &people_headers());
    let all = query::units_at(&st, date);
    let depth = |u: &bianzhi_core::model::Unit| {
        let mut d = 0;
        let mut parent = u.parent;
        while let Some(p) = parent.and_then(|p| query::unit_at(&st, p, date)) {
            d += 1;
            parent = p.parent;
            if d > 64 {
                break;
            }
        }
        d
    };
    let mut ordered: Vec<_> = all.iter().map(|u| (depth(u), u.id, *u)).collect();
    ordered.sort_by_key(|(d, id, _)| (*d, *id));
    let s = |x: &str| Cell::text(x);
    for (_, _, u) in &ordered {
        units.rows.push(vec![
            s(&u.name),
            u.parent
                .and_then(|p| query::unit_at(&st, p, date))
                .map(|p| s(&p.name))
                .unwrap_or(Cell::Empty),
            s(u.kind.label()),
            s(u.rank.label()),
            u.category.map(|c| s(c.label())).unwrap_or(Cell::Empty),
            u.funding
                .and_then(|f| st.funding_form(f))
                .map(|f| s(&f.name))
                .unwrap_or(Cell::Empty),
            u.credit_code.as_deref().map(s).unwrap_or(Cell::Empty),
        ]);
    }
    for (_, id, _) in &ordered {
        for r in query::quota_table(&st, *id, date) {
            quotas.rows.push(vec![
                s(&st.unit_name(*id)),
                s(&r.qtype),
                s(&r.funding),
                Cell::int(r.counts.approved),
            ]);
        }
        for (pid, pl) in query::roster_at(&st, *id, date) {
            let Some(p) = st.person(pid) else { continue };
            people.rows.push(vec![
                s(&st.unit_name(*id)),
                s(&p.details.name),
                s(p.details.id_number.as_str()),
                s(&st.qtype_name(pl.qtype)),
                s(&st
                    .funding_form(pl.funding)
                    .map(|f| f.name.clone())
                    .unwrap_or_default()),
                s(&p.enrolled_on.to_string()),
                s(p.details.identity.label()),
                s(&p.details.ethnicity),
                s(&p.details.political),
                s(&p.details.education),
            ]);
        }
    }
    [units, quotas, people]
}

/// The headers of the 人员 sheet as the template and the export write them:
/// the required columns, then the coded ones.
fn people_headers() -> Vec<&'static str> {
    PEOPLE_COLS
        .iter()
        .chain(&PEOPLE_CODE_COLS)
        .copied()
        .collect()
}

/// Writes the template (empty sheets 机构, 编制, 人员 and 说明) with drop-down
/// lists for the codes; `st` gives the ledger's 编制类型 and 经费形式.
pub fn template(st: &State, path: &Path) -> Result<(), SheetError> {
    let t = [
        Table::new(UNIT_SHEET, &UNIT_COLS),
        Table::new(QUOTA_SHEET, &QUOTA_COLS),
        Table::new(PEOPLE_SHEET, &people_headers()),
    ];
    let mut wb = xlsx::workbook(&[&t[0], &t[1], &t[2]])?;
    let labels = |v: Vec<String>| v;
    let kinds = labels(
        UnitKind::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
    );
    let ranks = labels(Rank::ALL.iter().map(|k| k.label().to_string()).collect());
    let cats = labels(
        InstitutionCategory::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
    );
    let qtypes: Vec<String> = st.quota_types.iter().map(|q| q.name.clone()).collect();
    let fundings: Vec<String> = st.funding_forms.iter().map(|f| f.name.clone()).collect();
    let idents = labels(
        StaffIdentity::ALL
            .iter()
            .map(|k| k.label().to_string())
            .collect(),
    );
    let list = |v: &[String]| -> Result<DataValidation, SheetError> {
        Ok(DataValidation::new()
            .allow_list_strings(v)?
            .set_error_title("输入无效")?
            .set_error_message("请从下拉列表中选择")?)
    };
    let text_col = rust_xlsxwriter::Format::new().set_num_format("@");
    let dv = |wb: &mut Workbook, sheet: usize, col: u16, v: &[String]| -> Result<(), SheetError> {
        let ws = wb.worksheet_from_index(sheet)?;
        ws.add_data_validation(1, col, 100_000, col, &list(v)?)?;
        Ok(())
    };
    dv(&mut wb, 0, 2, &kinds)?;
    dv(&mut wb, 0, 3, &ranks)?;
    dv(&mut wb, 0, 4, &cats)?;
    dv(&mut wb, 0, 5, &fundings)?;
    dv(&mut wb, 1, 1, &qtypes)?;
    dv(&mut wb, 1, 2, &fundings)?;
    dv(&mut wb, 2, 3, &qtypes)?;
    dv(&mut wb, 2, 4, &fundings)?;
    dv(&mut wb, 2, 6, &idents)?;
    // 民族, 政治面貌, 学历: lists read from the sheet 代码表 (too long to be
    // written into the validation); a warning only, since the common
    // spellings (本科, 党员 …) are accepted too.
    let codes_sheet = wb.add_worksheet();
    codes_sheet.set_name(CODES_SHEET)?;
    for (c, (head, table)) in PEOPLE_CODE_COLS.iter().zip(PEOPLE_CODE_TABLES).enumerate() {
        let c = c as u16;
        codes_sheet.write_string(0, c, *head)?;
        for (r, name) in table.names().enumerate() {
            codes_sheet.write_string(r as u32 + 1, c, name)?;
        }
        codes_sheet.set_column_width(c, 14)?;
    }
    for (i, table) in PEOPLE_CODE_TABLES.iter().enumerate() {
        let letter = char::from(b'A' + i as u8);
        let last = table.entries.len() + 1;
        let formula = format!("={CODES_SHEET}!${letter}$2:${letter}${last}");
        let v = DataValidation::new()
            .allow_list_formula(rust_xlsxwriter::Formula::new(formula))
            .set_error_style(rust_xlsxwriter::DataValidationErrorStyle::Warning)
            .set_error_title("不在代码表中")?
            .set_error_message(format!(
                "请从下拉列表中选择（{} {}）",
                table.name, table.standard
            ))?;
        let col = (PEOPLE_COLS.len() + i) as u16;
        wb.worksheet_from_index(2)?
            .add_data_validation(1, col, 100_000, col, &v)?;
    }
    // 身份证号, 入编时间 and 统一社会信用代码 columns are text, so Excel keeps all 18 digits.
    wb.worksheet_from_index(2)?
        .set_column_format(2, &text_col)?
        .set_column_format(5, &text_col)?;
    wb.worksheet_from_index(0)?
        .set_column_format(6, &text_col)?;
    let notes = wb.add_worksheet();
    notes.set_name("说明")?;
    let lines = [
        "导入模板说明（bianzhi import）",
        "“机构”表：每行一个单位；上级单位须已在台账中或在本表中先于本行列出；机构类别、规格、事业单位类别、经费形式从下拉列表选择。",
        "“编制”表：每行一个编制账户（单位 + 编制类型 + 经费形式）的核定数（非负整数）。",
        "“人员”表：实名制在编人员；身份证号须为文本格式（18位，末位可为 X）；入编时间为 YYYY-MM-DD；人员身份可空（按编制类型推定）。",
        "“人员”表的民族（GB 3304）、政治面貌（GB/T 4762）、学历（GB/T 4658）按“代码表”工作表填写，也可填常见写法（如 汉、党员、本科、大专）或代码，导入时统一为代码表名称；不在代码表中的整批不导入。三列可空（民族空为汉族，政治面貌、学历空为暂未掌握），也可整列不要。",
        "三张表可只填其中一部分；也可分别另存为 CSV（UTF-8）逐个导入，表头须与模板一致。",
        "整批导入为一个事项（需文号和生效日期）；任一行有误则全部不导入，并列出每个错误的行号、列名和原因。",
    ];
    for (i, l) in lines.iter().enumerate() {
        notes.write_string(i as u32, 0, *l)?;
    }
    notes.set_column_width(0, 120)?;
    wb.save(path)?;
    Ok(())
}
