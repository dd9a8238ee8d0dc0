//! Import of the enforcement catalogue (综合行政执法事项目录): one row per
//! item of the 权责清单 taken into 综合执法, with its original department
//! (原实施部门), its domain (执法领域), its basis (实施依据) and whether it
//! includes 行政强制措施. The export writes the same columns.
//!
//! - Columns are found by name, in any order, with the names sources use
//!   for them (权力编码 for 事项编码, 原执法部门 / 原实施主体 for 原实施部门,
//!   领域 for 执法领域, 法定依据 for 实施依据, 是否含行政强制 for
//!   含行政强制措施 …). Other columns are ignored; a title line above the
//!   header row is allowed.
//! - The item is named by 事项编码 or 事项名称 (at least one column and, in
//!   each row, at least one cell); each given must be known to the `item`
//!   resolver, both given must name the same item, and an item appears once.
//! - 原实施部门 (known to the `unit` resolver), 执法领域 (a
//!   [`Domain`] label) and 实施依据 are required; 含行政强制措施 is 是 or 否
//!   (blank is 否).
//! - The item must be one the enforcement catalogue may hold (行政处罚,
//!   行政强制 or 行政检查) and not already in it.
//! - All or nothing: every bad cell of every row is reported as
//!   `第 N 行“列名”列：原因` (N the 1-based row in the file, the column as the
//!   file writes it); no line is returned unless every row is good. Blank
//!   rows and the template's example row (事项编码 starting with 示例) are
//!   skipped; a file without lines is refused.

use bianzhi_core::UnitId;
use bianzhi_grassroots::catalogue::{Catalogue, ItemId};
use bianzhi_grassroots::{Domain, Enforcement, EnforcementError, EnforcementItem};
use rustc_hash::FxHashMap;

use crate::rows::{self, list_errors, squash, CellError, Either, Layout};
use crate::table::{Cell, Table};
use crate::xlsx::{self, Limits, Sheet, SheetError};

/// The template's header row (and the export's).
pub const COLUMNS: [&str; 6] = [
    "事项编码",
    "事项名称",
    "原实施部门",
    "执法领域",
    "实施依据",
    "含行政强制措施",
];

/// The title of the template and the export (their sheet name).
pub const TITLE: &str = "综合行政执法事项目录";

/// A row whose 事项编码 starts with this is an example and is skipped.
pub const EXAMPLE_MARK: &str = "示例";

/// The 执法领域 values, as the template writes them.
pub const DOMAINS: [Domain; 8] = [
    Domain::UrbanManagement,
    Domain::MarketRegulation,
    Domain::Environment,
    Domain::CultureMarket,
    Domain::Transport,
    Domain::EmergencyManagement,
    Domain::Agriculture,
    Domain::Other,
];

/// The fields read from a sheet, with the header names each is known by
/// (first the template's).
const FIELDS: [(Field, &[&str]); 6] = [
    (
        Field::Code,
        &[
            "事项编码",
            "权力编码",
            "事项代码",
            "基本编码",
            "权责事项编码",
            "编码",
        ],
    ),
    (
        Field::Name,
        &["事项名称", "权力名称", "权责事项名称", "执法事项名称"],
    ),
    (
        Field::Original,
        &[
            "原实施部门",
            "原执法部门",
            "原实施主体",
            "原行使部门",
            "原部门",
            "划转部门",
        ],
    ),
    (Field::Domain, &["执法领域", "领域", "所属领域", "执法类别"]),
    (
        Field::Basis,
        &["实施依据", "法定依据", "设定依据", "执法依据", "依据"],
    ),
    (
        Field::Coercion,
        &[
            "含行政强制措施",
            "是否含行政强制措施",
            "含行政强制",
            "是否含行政强制",
            "行政强制措施",
        ],
    ),
];

/// The columns a sheet must have (and one of 事项编码 or 事项名称).
const REQUIRED: [Field; 3] = [Field::Original, Field::Domain, Field::Basis];

static LAYOUT: Layout<Field> = Layout {
    fields: &FIELDS,
    required: &REQUIRED,
    one_of: Some((Field::Code, Field::Name, Either::First)),
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Code,
    Name,
    Original,
    Domain,
    Basis,
    Coercion,
}

/// One bad cell: where and why.
pub type EnforcementRowError = CellError;

/// Why an enforcement catalogue import was refused; nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum EnforcementImportError {
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error("表格缺少列：{}（表头应为：{}）", .0.join("、"), COLUMNS.join("、"))]
    MissingColumns(Vec<String>),
    #[error("文件中没有执法事项（表头下没有数据行）")]
    Empty,
    #[error("共 {} 处错误，未导入任何执法事项：\n{}", .0.len(), list_errors(.0))]
    Rows(Vec<EnforcementRowError>),
}

/// The template for download: the header row and one example row (its
/// 事项编码 starts with 示例, which the import skips).
pub fn template() -> Table {
    let mut t = Table::new(TITLE, &COLUMNS);
    t.rows.push(vec![
        Cell::text(format!("{EXAMPLE_MARK}（导入时忽略此行）320903-CF-101")),
        Cell::text("对餐饮服务项目未安装油烟净化设施的处罚"),
        Cell::text("区生态环境局"),
        Cell::text(Domain::Environment.label()),
        Cell::text("《中华人民共和国大气污染防治法》第一百一十八条"),
        Cell::text("否"),
    ]);
    t
}

/// 执法领域 by its label (with or without 领域; 城管 is 城市管理).
pub fn parse_domain(s: &str) -> Option<Domain> {
    let s = squash(s);
    let s = s.strip_suffix("领域").unwrap_or(&s);
    if let Some(d) = DOMAINS.into_iter().find(|d| d.label() == s) {
        return Some(d);
    }
    match s {
        "城管" | "城市管理综合执法" => Some(Domain::UrbanManagement),
        "环境保护" | "环保" => Some(Domain::Environment),
        "交通" => Some(Domain::Transport),
        "农业农村" => Some(Domain::Agriculture),
        _ => None,
    }
}

/// 含行政强制措施: 是 or 否 (blank is 否).
fn parse_yes_no(s: &str) -> Option<bool> {
    match squash(s).as_str() {
        "是" | "含" | "有" => Some(true),
        "" | "否" | "不含" | "无" => Some(false),
        _ => None,
    }
}

/// What the import reads the sheet against.
pub struct Resolvers<'a> {
    /// An item of the 权责清单 by its 事项编码 or its 事项名称.
    pub item: &'a dyn Fn(&str) -> Option<ItemId>,
    /// A unit of the ledger by its name.
    pub unit: &'a dyn Fn(&str) -> Option<UnitId>,
    /// The 权责清单 (each item's 职权类型 is checked).
    pub catalogue: &'a Catalogue,
    /// The enforcement catalogue the lines are added to (its items may not
    /// be imported again).
    pub into: &'a Enforcement,
}

/// Reads an enforcement catalogue sheet into lines, all or nothing. Add
/// them with [`Enforcement::catalogue_item`] (they are checked against
/// `r.catalogue` and `r.into` here already).
pub fn parse_enforcement(
    sheet: &Sheet,
    r: &Resolvers<'_>,
) -> Result<Vec<EnforcementItem>, EnforcementImportError> {
    let (cols, rows) =
        rows::locate(sheet, &LAYOUT).map_err(EnforcementImportError::MissingColumns)?;
    let mut errors: Vec<EnforcementRowError> = Vec::new();
    let mut lines: Vec<EnforcementItem> = Vec::new();
    // The enforcement catalogue with the good lines so far.
    let mut acc = r.into.clone();
    // item → the row that has it.
    let mut seen: FxHashMap<ItemId, usize> = FxHashMap::default();

    for (n, row) in rows {
        let n = *n;
        let mut bad = false;
        let mut err = |f: Field, reason: String| {
            errors.push(EnforcementRowError {
                row: n,
                column: cols.header(f),
                reason,
            });
        };
        let all = [
            Field::Code,
            Field::Name,
            Field::Original,
            Field::Domain,
            Field::Basis,
            Field::Coercion,
        ];
        let got: Vec<Result<String, String>> = all.iter().map(|f| cols.cell(row, *f)).collect();
        if got.iter().all(|g| g.as_deref().is_ok_and(str::is_empty)) {
            continue;
        }
        if got[0].as_deref().is_ok_and(|c| c.starts_with(EXAMPLE_MARK)) {
            continue;
        }
        let mut v: Vec<String> = Vec::new();
        let mut readable = [true; 6];
        for (k, g) in got.into_iter().enumerate() {
            match g {
                Ok(s) => v.push(s),
                Err(reason) => {
                    err(all[k], reason);
                    readable[k] = false;
                    bad = true;
                    v.push(String::new());
                }
            }
        }
        let [code, name, original, domain, basis, coercion]: [String; 6] =
            v.try_into().expect("six fields");

        // The item: by 事项编码 and by 事项名称, each when given.
        let mut lookup = |f: Field, s: &str, what: &str| -> Option<ItemId> {
            if s.is_empty() {
                return None;
            }
            let i = (r.item)(s);
            if i.is_none() {
                err(f, format!("“{s}”不是权责清单中的{what}"));
                bad = true;
            }
            i
        };
        let by_code = lookup(Field::Code, &code, "事项编码");
        let by_name = lookup(Field::Name, &name, "事项名称");
        if let (Some(a), Some(b)) = (by_code, by_name) {
            if a != b {
                err(
                    Field::Name,
                    format!("“{name}”与事项编码“{code}”不是同一事项"),
                );
                bad = true;
            }
        }
        let item_field = if cols.has(Field::Code) && !code.is_empty() {
            Field::Code
        } else if cols.has(Field::Name) && !name.is_empty() {
            Field::Name
        } else if cols.has(Field::Code) {
            Field::Code
        } else {
            Field::Name
        };
        if code.is_empty() && name.is_empty() && readable[0] && readable[1] {
            err(item_field, "事项编码和事项名称不能都为空".into());
            bad = true;
        }
        let item = by_code.or(by_name);
        if let Some(i) = item {
            if let Some(first) = seen.get(&i) {
                err(item_field, format!("与第 {first} 行是同一事项"));
                bad = true;
            } else {
                seen.insert(i, n);
            }
        }

        let unit = if original.is_empty() {
            if readable[2] {
                err(Field::Original, "不能为空".into());
            }
            None
        } else {
            let u = (r.unit)(&original);
            if u.is_none() {
                err(
                    Field::Original,
                    format!("“{original}”不是机构编制台账中的单位（应与单位名称一致）"),
                );
            }
            u
        };
        let domain = if domain.is_empty() {
            if readable[3] {
                err(Field::Domain, "不能为空".into());
            }
            None
        } else {
            let d = parse_domain(&domain);
            if d.is_none() {
                let allowed: Vec<&str> = DOMAINS.iter().map(|d| d.label()).collect();
                err(
                    Field::Domain,
                    format!("“{domain}”不是执法领域（应为{}）", allowed.join("、")),
                );
            }
            d
        };
        if basis.is_empty() && readable[4] {
            err(Field::Basis, "不能为空".into());
            bad = true;
        }
        let with_coercion = parse_yes_no(&coercion);
        if with_coercion.is_none() {
            err(
                Field::Coercion,
                format!("“{coercion}”应为“是”或“否”（空白为否）"),
            );
        }

        if let (false, Some(item), Some(original), Some(domain), Some(coercion)) =
            (bad, item, unit, domain, with_coercion)
        {
            let line = EnforcementItem {
                item,
                original,
                basis,
                domain,
                includes_coercion: coercion,
            };
            match acc.catalogue_item(r.catalogue, line.clone()) {
                Ok(()) => lines.push(line),
                Err(e) => {
                    let shown = if code.is_empty() { &name } else { &code };
                    let reason = match e {
                        EnforcementError::NotEnforcement { power_type, .. } => format!(
                            "“{shown}”是{power_type}，综合执法目录只收行政处罚、行政强制和行政检查事项"
                        ),
                        EnforcementError::DuplicateItem { .. } => {
                            format!("“{shown}”已在综合执法目录中")
                        }
                        e => e.to_string(),
                    };
                    err(item_field, reason);
                }
            }
        }
    }
    rows::all_or_nothing(
        errors,
        lines,
        EnforcementImportError::Rows,
        EnforcementImportError::Empty,
    )
}

/// Reads an uploaded enforcement catalogue (xlsx, xls or csv; the first
/// sheet) within [`Limits::upload`] and parses it with
/// [`parse_enforcement`].
pub fn import_enforcement(
    bytes: &[u8],
    ext: &str,
    r: &Resolvers<'_>,
) -> Result<Vec<EnforcementItem>, EnforcementImportError> {
    let s = xlsx::read_bytes_with(bytes, ext, None, &Limits::upload())?;
    parse_enforcement(&s, r)
}

/// The lines in the template's columns; `item` writes an item's 事项编码
/// and 事项名称, `unit` a unit's name. Imported back (into an empty
/// enforcement catalogue), it gives the same lines when the resolvers read
/// what these write.
pub fn export_enforcement<'a>(
    lines: impl IntoIterator<Item = &'a EnforcementItem>,
    item: &dyn Fn(ItemId) -> (String, String),
    unit: &dyn Fn(UnitId) -> String,
) -> Table {
    let mut t = Table::new(TITLE, &COLUMNS);
    for l in lines {
        let (code, name) = item(l.item);
        t.rows.push(vec![
            Cell::text(code),
            Cell::text(name),
            Cell::text(unit(l.original)),
            Cell::text(l.domain.label()),
            Cell::text(&l.basis),
            Cell::text(if l.includes_coercion { "是" } else { "否" }),
        ]);
    }
    t
}
