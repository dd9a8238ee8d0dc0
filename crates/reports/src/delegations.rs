//! Import of a delegation batch (赋权批次, "首批赋予基层XX项管理权限") and of
//! the use counts of delegated items (赋权后评估, "接得住、管得好") from
//! spreadsheets (xlsx, xls, or csv in UTF-8 with or without BOM or in GBK),
//! into the pure core's [`DelegationEntry`]s and [`UsageRow`]s.
//!
//! - Columns are found by name, in any order, with the names sources use for
//!   them (下放方式 for 赋权方式, 承接主体 for 承接单位 …). Other columns are
//!   ignored. A title line above the header row is allowed.
//! - The item is named by 事项编码 or 事项名称 (at least one of the columns;
//!   both given must name the same item), known to the `item` resolver.
//! - Batch: 原实施部门 is a unit known to the `unit` resolver; 承接单位 is one
//!   or several 镇、街道、园区 separated by 、 ， , ; or ；; 赋权方式 is 委托,
//!   赋权 (交由 is 赋权) or 下放; 承接条件 is optional; 生效日期 is required;
//!   期限至 is optional and is the **last day** the delegation is in force
//!   (the core's `until` is the day after). The entries never continue
//!   another hop (`chain_parent` is `None`).
//! - Usage: 镇（街道、园区）is one place; 起始日期 and 截止日期 are both
//!   **inclusive** (a quarter is 2025-01-01 to 2025-03-31, as reports write
//!   it); the core's [`Period`] ends the day after 截止日期. 使用次数 is a
//!   non-negative integer (blank is refused, not read as 0). The same item,
//!   place and period twice in one file is refused.
//! - All or nothing: every bad cell of every row is reported with its
//!   1-based row number in the file, the column's header as the file writes
//!   it and a Chinese reason (`第 N 行“列名”列：原因`); nothing is returned
//!   unless every row is good. Blank rows are ignored; a file without rows
//!   is refused.

use bianzhi_core::UnitId;
use bianzhi_grassroots::catalogue::ItemId;
use bianzhi_grassroots::delegation::{DelegationEntry, Mode};
use bianzhi_grassroots::evaluation::{Period, UsageRow};
use bianzhi_grassroots::territory::PlaceId;
use chrono::{Days, NaiveDate};
use rustc_hash::FxHashMap;

use crate::rows::{self, list_errors, squash, CellError, Columns, DataRows, Either, Layout};
use crate::table::{Cell, Table};
use crate::xlsx::{self, Limits, Raw, Sheet, SheetError};

/// The batch template's header row.
pub const BATCH_COLUMNS: [&str; 8] = [
    "事项编码",
    "事项名称",
    "原实施部门",
    "承接单位",
    "赋权方式",
    "承接条件",
    "生效日期",
    "期限至",
];

/// The usage template's header row.
pub const USAGE_COLUMNS: [&str; 6] = [
    "事项编码",
    "事项名称",
    "镇（街道、园区）",
    "起始日期",
    "截止日期",
    "使用次数",
];

/// The batch template's title (its sheet name).
pub const BATCH_TITLE: &str = "赋权事项";

/// The usage template's title (its sheet name).
pub const USAGE_TITLE: &str = "赋权事项使用情况";

/// The 赋权方式 values, as the template writes them.
pub const MODES: [(&str, Mode); 3] = [
    ("委托", Mode::Entrust),
    ("赋权", Mode::Empower),
    ("下放", Mode::Devolve),
];

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    ItemCode,
    ItemName,
    From,
    To,
    Mode,
    Conditions,
    Effective,
    Until,
    Town,
    Start,
    End,
    Count,
}

const ITEM_CODE: (Field, &[&str]) = (
    Field::ItemCode,
    &[
        "事项编码",
        "权责事项编码",
        "事项代码",
        "基本编码",
        "权力编码",
        "编码",
    ],
);
const ITEM_NAME: (Field, &[&str]) = (
    Field::ItemName,
    &[
        "事项名称",
        "权责事项名称",
        "权力名称",
        "赋权事项名称",
        "赋权事项",
        "事项",
    ],
);

/// The batch sheet's fields with the header names each is known by (first
/// the template's).
const BATCH_FIELDS: [(Field, &[&str]); 8] = [
    ITEM_CODE,
    ITEM_NAME,
    (
        Field::From,
        &[
            "原实施部门",
            "原实施主体",
            "实施部门",
            "实施主体",
            "赋权部门",
            "委托部门",
            "下放部门",
            "原行使部门",
        ],
    ),
    (
        Field::To,
        &[
            "承接单位",
            "承接主体",
            "承接镇（街道、园区）",
            "承接镇街",
            "承接地点",
            "赋权对象",
            "受托单位",
        ],
    ),
    (
        Field::Mode,
        &["赋权方式", "下放方式", "赋权形式", "方式", "下放形式"],
    ),
    (Field::Conditions, &["承接条件", "承接要求", "备注"]),
    (
        Field::Effective,
        &["生效日期", "生效时间", "实施日期", "起始日期"],
    ),
    (
        Field::Until,
        &["期限至", "截止日期", "委托期限至", "期限", "终止日期"],
    ),
];

/// The usage sheet's fields.
const USAGE_FIELDS: [(Field, &[&str]); 6] = [
    ITEM_CODE,
    ITEM_NAME,
    (
        Field::Town,
        &[
            "镇（街道、园区）",
            "镇(街道、园区)",
            "镇街",
            "所属镇街",
            "所属街镇",
            "承接单位",
            "乡镇（街道）",
            "镇（街道）",
            "镇",
        ],
    ),
    (
        Field::Start,
        &["起始日期", "开始日期", "统计起始日期", "起始时间"],
    ),
    (
        Field::End,
        &["截止日期", "结束日期", "统计截止日期", "截止时间"],
    ),
    (
        Field::Count,
        &["使用次数", "行权次数", "办件量", "办件数", "案件数", "次数"],
    ),
];

const BATCH_REQUIRED: [Field; 4] = [Field::From, Field::To, Field::Mode, Field::Effective];
const USAGE_REQUIRED: [Field; 4] = [Field::Town, Field::Start, Field::End, Field::Count];

static BATCH: Layout<Field> = Layout {
    fields: &BATCH_FIELDS,
    required: &BATCH_REQUIRED,
    one_of: Some((Field::ItemCode, Field::ItemName, Either::First)),
};

static USAGE: Layout<Field> = Layout {
    fields: &USAGE_FIELDS,
    required: &USAGE_REQUIRED,
    one_of: Some((Field::ItemCode, Field::ItemName, Either::First)),
};

/// One bad cell: where and why.
pub type DelegationRowError = CellError;

/// Why a batch or usage import was refused; nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum DelegationImportError {
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error("表格缺少列：{}（表头应为：{}）", .missing.join("、"), .expected)]
    MissingColumns {
        missing: Vec<String>,
        expected: String,
    },
    #[error("文件中没有数据（表头下没有数据行）")]
    Empty,
    #[error("共 {} 处错误，未导入任何一行：\n{}", .0.len(), list_errors(.0))]
    Rows(Vec<DelegationRowError>),
}

/// The batch template: the header row and one example row (a row the
/// import reads like any other; replace it before importing).
pub fn batch_template() -> Table {
    let mut t = Table::new(BATCH_TITLE, &BATCH_COLUMNS);
    t.rows.push(vec![
        Cell::text("320903-JC-001"),
        Cell::text("医疗机构执业监督检查"),
        Cell::text("区卫生健康委员会"),
        Cell::text("潘黄街道、盐龙街道"),
        Cell::text("赋权"),
        Cell::text("配备持证执法人员2名以上，完成业务培训"),
        Cell::text("2025-01-01"),
        Cell::Empty,
    ]);
    t
}

/// The usage template: the header row and one example row.
pub fn usage_template() -> Table {
    let mut t = Table::new(USAGE_TITLE, &USAGE_COLUMNS);
    t.rows.push(vec![
        Cell::text("320903-JC-001"),
        Cell::text("医疗机构执业监督检查"),
        Cell::text("潘黄街道"),
        Cell::text("2025-01-01"),
        Cell::text("2025-03-31"),
        Cell::Int(12),
    ]);
    t
}

fn is_date_field(f: Field) -> bool {
    matches!(
        f,
        Field::Effective | Field::Until | Field::Start | Field::End
    )
}

/// A cell of a row: its text, or why it cannot be read. Excel date cells
/// (and bare serial numbers in date columns) read as `YYYY-MM-DD`.
fn cell(row: &[Raw], cols: &Columns<Field>, f: Field) -> Result<String, String> {
    cols.cell_with(row, f, |n| {
        if is_date_field(f) {
            match xlsx::excel_datetime(n) {
                Some(t) => Ok(t.date().to_string()),
                None => Err(format!("“{n}”不是有效的日期")),
            }
        } else {
            Ok(Raw::Number(n).text())
        }
    })
}

/// A date: `2025-01-01`, `2025/1/1`, `2025.1.1`, `2025年1月1日`, or a
/// date-time at midnight as exports write date cells.
pub fn parse_date(s: &str) -> Option<NaiveDate> {
    let s = squash(s);
    let s = s
        .strip_suffix("00:00:00")
        .or_else(|| s.strip_suffix("00:00"))
        .unwrap_or(&s);
    ["%Y-%m-%d", "%Y/%m/%d", "%Y.%m.%d", "%Y年%m月%d日"]
        .iter()
        .find_map(|f| NaiveDate::parse_from_str(s, f).ok())
}

/// 赋权方式 by its label: 委托; 赋权, 交由 or 赋权（交由）; 下放.
pub fn parse_mode(s: &str) -> Option<Mode> {
    let s = squash(s).replace(['(', ')'], "").replace(['（', '）'], "");
    match s.as_str() {
        "委托" | "行政委托" => Some(Mode::Entrust),
        "赋权" | "交由" | "赋权交由" | "交由赋权" => Some(Mode::Empower),
        "下放" => Some(Mode::Devolve),
        _ => None,
    }
}

/// The header row and the data rows below it.
fn locate<'a>(
    sheet: &'a Sheet,
    layout: &'static Layout<Field>,
    expected: &[&str],
) -> Result<(Columns<Field>, DataRows<'a>), DelegationImportError> {
    rows::locate(sheet, layout).map_err(|missing| DelegationImportError::MissingColumns {
        missing,
        expected: expected.join("、"),
    })
}

/// One row's cells read, and the errors found so far.
struct RowReader<'a> {
    n: usize,
    row: &'a [Raw],
    cols: &'a Columns<Field>,
    errors: Vec<DelegationRowError>,
}

impl RowReader<'_> {
    fn err(&mut self, f: Field, reason: impl Into<String>) {
        self.errors.push(DelegationRowError {
            row: self.n,
            column: self.cols.header(f),
            reason: reason.into(),
        });
    }

    /// The cell's text (`None`: unreadable, already reported).
    fn get(&mut self, f: Field) -> Option<String> {
        match cell(self.row, self.cols, f) {
            Ok(s) => Some(s),
            Err(r) => {
                self.err(f, r);
                None
            }
        }
    }

    /// A required text (blank is reported; unreadable is not blamed twice).
    fn required(&mut self, f: Field, v: &Option<String>) -> bool {
        match v {
            Some(s) if s.is_empty() => {
                self.err(f, "不能为空");
                false
            }
            Some(_) => true,
            None => false,
        }
    }

    fn date(&mut self, f: Field, v: &Option<String>, required: bool) -> Option<NaiveDate> {
        let s = v.as_deref()?;
        if s.is_empty() {
            if required {
                self.err(f, "不能为空");
            }
            return None;
        }
        let d = parse_date(s);
        if d.is_none() {
            self.err(f, format!("“{s}”不是有效的日期（应如“2025-01-01”）"));
        }
        d
    }

    /// The item by 事项编码 and by 事项名称, each when given.
    fn item(
        &mut self,
        code: &Option<String>,
        name: &Option<String>,
        item: &dyn Fn(&str) -> Option<ItemId>,
    ) -> Option<ItemId> {
        let (Some(code), Some(name)) = (code, name) else {
            return None;
        };
        if code.is_empty() && name.is_empty() {
            let f = if self.cols.has(Field::ItemCode) {
                Field::ItemCode
            } else {
                Field::ItemName
            };
            self.err(f, "事项编码和事项名称不能都为空");
            return None;
        }
        let mut lookup = |f: Field, v: &str, what: &str| -> Result<Option<ItemId>, ()> {
            if v.is_empty() {
                return Ok(None);
            }
            match item(v) {
                Some(i) => Ok(Some(i)),
                None => {
                    self.err(f, format!("“{v}”不是权责清单中的{what}"));
                    Err(())
                }
            }
        };
        let by_code = lookup(Field::ItemCode, code, "事项编码");
        let by_name = lookup(Field::ItemName, name, "事项名称");
        match (by_code, by_name) {
            (Ok(Some(a)), Ok(Some(b))) if a != b => {
                self.err(
                    Field::ItemName,
                    format!("“{name}”与事项编码“{code}”不是同一事项"),
                );
                None
            }
            (Ok(a), Ok(b)) => a.or(b),
            _ => None,
        }
    }
}

/// Whether every cell read is blank.
fn all_blank(fields: &[&Option<String>]) -> bool {
    fields
        .iter()
        .all(|f| f.as_deref().is_some_and(str::is_empty))
}

/// Reads a batch sheet into entries with their row numbers in the file, all
/// or nothing. `item` resolves 事项编码 and 事项名称, `unit` the 原实施部门,
/// `place` each 承接单位 (镇、街道、园区).
pub fn parse_batch(
    sheet: &Sheet,
    item: &dyn Fn(&str) -> Option<ItemId>,
    unit: &dyn Fn(&str) -> Option<UnitId>,
    place: &dyn Fn(&str) -> Option<PlaceId>,
) -> Result<Vec<(usize, DelegationEntry)>, DelegationImportError> {
    let (cols, rows) = locate(sheet, &BATCH, &BATCH_COLUMNS)?;
    let mut errors: Vec<DelegationRowError> = Vec::new();
    let mut out = Vec::new();
    for (n, row) in rows {
        let mut r = RowReader {
            n: *n,
            row,
            cols: &cols,
            errors: Vec::new(),
        };
        let code = r.get(Field::ItemCode);
        let name = r.get(Field::ItemName);
        let from = r.get(Field::From);
        let to = r.get(Field::To);
        let mode = r.get(Field::Mode);
        let conditions = r.get(Field::Conditions);
        let effective = r.get(Field::Effective);
        let until = r.get(Field::Until);
        if all_blank(&[
            &code,
            &name,
            &from,
            &to,
            &mode,
            &conditions,
            &effective,
            &until,
        ]) {
            continue;
        }
        let item_id = r.item(&code, &name, item);
        let from_id = if r.required(Field::From, &from) {
            let v = from.as_deref().unwrap_or_default();
            let u = unit(v);
            if u.is_none() {
                r.err(
                    Field::From,
                    format!("“{v}”不是已登记的单位（应与机构名称一致）"),
                );
            }
            u
        } else {
            None
        };
        let mut places: Option<Vec<PlaceId>> = None;
        if r.required(Field::To, &to) {
            let v = to.as_deref().unwrap_or_default();
            let mut got = Vec::new();
            let mut names: Vec<&str> = Vec::new();
            let mut ok = true;
            for p in v
                .split(['、', '，', ',', ';', '；'])
                .map(str::trim)
                .filter(|p| !p.is_empty())
            {
                if names.contains(&p) {
                    r.err(Field::To, format!("“{p}”重复"));
                    ok = false;
                    continue;
                }
                names.push(p);
                match place(p) {
                    Some(id) => got.push(id),
                    None => {
                        r.err(
                            Field::To,
                            format!("“{p}”不是已知的镇、街道或园区（应与区划名称一致）"),
                        );
                        ok = false;
                    }
                }
            }
            if got.is_empty() && ok {
                r.err(Field::To, "不能为空");
            } else if ok {
                places = Some(got);
            }
        }
        let mode_v = if r.required(Field::Mode, &mode) {
            let v = mode.as_deref().unwrap_or_default();
            let m = parse_mode(v);
            if m.is_none() {
                r.err(
                    Field::Mode,
                    format!("“{v}”不是有效的赋权方式（应为委托、赋权（交由）或下放）"),
                );
            }
            m
        } else {
            None
        };
        let eff = r.date(Field::Effective, &effective, true);
        let last = r.date(Field::Until, &until, false);
        if let (Some(e), Some(l)) = (eff, last) {
            if l < e {
                r.err(Field::Until, format!("期限至 {l} 早于生效日期 {e}"));
            }
        }
        let clean = r.errors.is_empty();
        errors.append(&mut r.errors);
        if let (true, Some(item), Some(from), Some(to), Some(mode), Some(effective)) =
            (clean, item_id, from_id, places, mode_v, eff)
        {
            out.push((
                *n,
                DelegationEntry {
                    item,
                    from,
                    to,
                    mode,
                    conditions: conditions.unwrap_or_default(),
                    effective,
                    chain_parent: None,
                    until: last.and_then(|l| l.checked_add_days(Days::new(1))),
                },
            ));
        }
    }
    rows::all_or_nothing(
        errors,
        out,
        DelegationImportError::Rows,
        DelegationImportError::Empty,
    )
}

/// Reads an uploaded batch file (xlsx, xls or csv; the first sheet) within
/// [`Limits::upload`] with [`parse_batch`]; the entries with their row
/// numbers in the file (to name rows the core refuses).
pub fn import_batch_rows(
    bytes: &[u8],
    ext: &str,
    item: &dyn Fn(&str) -> Option<ItemId>,
    unit: &dyn Fn(&str) -> Option<UnitId>,
    place: &dyn Fn(&str) -> Option<PlaceId>,
) -> Result<Vec<(usize, DelegationEntry)>, DelegationImportError> {
    let s = xlsx::read_bytes_with(bytes, ext, None, &Limits::upload())?;
    parse_batch(&s, item, unit, place)
}

/// Reads an uploaded batch file into entries, all or nothing; feed them to
/// a [`BatchDecision`](bianzhi_grassroots::delegation::BatchDecision).
pub fn import_batch(
    bytes: &[u8],
    ext: &str,
    item: &dyn Fn(&str) -> Option<ItemId>,
    unit: &dyn Fn(&str) -> Option<UnitId>,
    place: &dyn Fn(&str) -> Option<PlaceId>,
) -> Result<Vec<DelegationEntry>, DelegationImportError> {
    Ok(import_batch_rows(bytes, ext, item, unit, place)?
        .into_iter()
        .map(|(_, e)| e)
        .collect())
}

/// 使用次数: a non-negative whole number.
fn parse_count(row: &[Raw], cols: &Columns<Field>) -> Result<Option<u32>, String> {
    let Some(raw) = cols.raw(row, Field::Count) else {
        return Ok(None);
    };
    match raw {
        Some(Raw::Number(n)) => {
            if n.fract() == 0.0 && *n >= 0.0 && *n <= f64::from(u32::MAX) {
                Ok(Some(*n as u32))
            } else {
                Err(format!("“{n}”不是非负整数"))
            }
        }
        _ => {
            let s = cell(row, cols, Field::Count)?;
            if s.is_empty() {
                return Ok(None);
            }
            squash(&s)
                .parse::<u32>()
                .map(Some)
                .map_err(|_| format!("“{s}”不是非负整数"))
        }
    }
}

/// Reads a usage sheet into rows, all or nothing. `item` resolves 事项编码
/// and 事项名称, `place` the 镇（街道、园区）.
pub fn parse_usage(
    sheet: &Sheet,
    item: &dyn Fn(&str) -> Option<ItemId>,
    place: &dyn Fn(&str) -> Option<PlaceId>,
) -> Result<Vec<UsageRow>, DelegationImportError> {
    let (cols, rows) = locate(sheet, &USAGE, &USAGE_COLUMNS)?;
    let mut errors: Vec<DelegationRowError> = Vec::new();
    let mut out = Vec::new();
    // (item, place, period) → the row that has it.
    let mut seen: FxHashMap<(ItemId, PlaceId, Period), usize> = FxHashMap::default();
    for (n, row) in rows {
        let mut r = RowReader {
            n: *n,
            row,
            cols: &cols,
            errors: Vec::new(),
        };
        let code = r.get(Field::ItemCode);
        let name = r.get(Field::ItemName);
        let town = r.get(Field::Town);
        let start = r.get(Field::Start);
        let end = r.get(Field::End);
        let count = r.get(Field::Count);
        if all_blank(&[&code, &name, &town, &start, &end, &count]) {
            continue;
        }
        let item_id = r.item(&code, &name, item);
        let town_id = if r.required(Field::Town, &town) {
            let v = town.as_deref().unwrap_or_default();
            let p = place(v);
            if p.is_none() {
                r.err(
                    Field::Town,
                    format!("“{v}”不是已知的镇、街道或园区（应与区划名称一致）"),
                );
            }
            p
        } else {
            None
        };
        let s = r.date(Field::Start, &start, true);
        let e = r.date(Field::End, &end, true);
        let period = match (s, e) {
            (Some(s), Some(e)) if e < s => {
                r.err(Field::End, format!("截止日期 {e} 早于起始日期 {s}"));
                None
            }
            (Some(start), Some(e)) => e
                .checked_add_days(Days::new(1))
                .map(|end| Period { start, end }),
            _ => None,
        };
        let n_count = match (&count, parse_count(row, &cols)) {
            (None, _) => None,
            (Some(_), Ok(Some(c))) => Some(c),
            (Some(_), Ok(None)) => {
                r.err(Field::Count, "不能为空");
                None
            }
            (Some(_), Err(why)) => {
                r.err(Field::Count, why);
                None
            }
        };
        if let (Some(i), Some(t), Some(p)) = (item_id, town_id, period) {
            if let Some(first) = seen.get(&(i, t, p)) {
                r.err(
                    Field::Town,
                    format!("与第 {first} 行重复（同一事项、镇（街道、园区）和期间）"),
                );
            } else {
                seen.insert((i, t, p), *n);
            }
        }
        let clean = r.errors.is_empty();
        errors.append(&mut r.errors);
        if let (true, Some(item), Some(town), Some(period), Some(count)) =
            (clean, item_id, town_id, period, n_count)
        {
            out.push(UsageRow {
                item,
                town,
                period,
                count,
            });
        }
    }
    rows::all_or_nothing(
        errors,
        out,
        DelegationImportError::Rows,
        DelegationImportError::Empty,
    )
}

/// Reads an uploaded usage file (xlsx, xls or csv; the first sheet) within
/// [`Limits::upload`] with [`parse_usage`].
pub fn import_usage(
    bytes: &[u8],
    ext: &str,
    item: &dyn Fn(&str) -> Option<ItemId>,
    place: &dyn Fn(&str) -> Option<PlaceId>,
) -> Result<Vec<UsageRow>, DelegationImportError> {
    let s = xlsx::read_bytes_with(bytes, ext, None, &Limits::upload())?;
    parse_usage(&s, item, place)
}
