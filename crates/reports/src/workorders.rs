//! Import of 12345 work orders as the hotline's system exports them (xlsx,
//! xls, or csv in UTF-8 with or without BOM or in GBK), into the pure core's
//! [`OrderRow`]s, and their export with state and assignee.
//!
//! - Columns are found by name, in any order, with the names hotline systems
//!   use for them (工单号 / 受理编号 for 工单编号, 来电时间 for 受理时间,
//!   所属街道 / 所属镇街 for 所属街镇, 问题描述 for 诉求内容 …). Other columns
//!   are ignored. A title line above the header row is allowed.
//! - 工单编号 (unique within the file), 受理时间 and 诉求内容 are required; so is
//!   the place: 诉求地点 (a 村 or 社区, or a 镇、街道、园区) when given, else
//!   所属街镇. Each name given must be known to the `place` resolver.
//! - 事项编码 and 事项名称 are optional: both blank is an unclassified order
//!   (sent to the district's government as 兜底); each given must be known
//!   to the `item` resolver, and both given must name the same item.
//! - 紧急程度 is optional, 一般 when blank.
//! - All or nothing: every bad cell of every row is reported with its
//!   1-based row number in the file, the column's header as the file writes
//!   it and a Chinese reason; no order is returned unless every row is good.
//!   Blank rows are ignored; a file without orders is refused.

use bianzhi_core::UnitId;
use bianzhi_grassroots::catalogue::ItemId;
use bianzhi_grassroots::territory::PlaceId;
use bianzhi_grassroots::workorder::{OrderRow, Urgency, WorkOrder};
use chrono::{NaiveDate, NaiveDateTime};
use rustc_hash::FxHashMap;

use crate::rows::{self, list_errors, squash, CellError, Columns, Either, Layout};
use crate::table::{Cell, Table};
use crate::xlsx::{self, Limits, Raw, Sheet, SheetError};

/// The template's header row (and the first columns of the export).
pub const COLUMNS: [&str; 8] = [
    "工单编号",
    "受理时间",
    "所属街镇",
    "诉求地点",
    "诉求内容",
    "事项编码",
    "事项名称",
    "紧急程度",
];

/// The export's columns after [`COLUMNS`].
pub const EXPORT_COLUMNS: [&str; 3] = ["办理状态", "承办单位", "退单次数"];

/// The title of the template and the export (their sheet name).
pub const TITLE: &str = "12345工单";

/// The 紧急程度 values, as the template writes them.
pub const URGENCIES: [Urgency; 4] = [
    Urgency::Urgent,
    Urgency::Utility,
    Urgency::General,
    Urgency::Complex,
];

/// The fields read from a sheet, with the header names each is known by
/// (first the template's).
const FIELDS: [(Field, &[&str]); 8] = [
    (
        Field::Number,
        &[
            "工单编号",
            "工单号",
            "工单编码",
            "诉求编号",
            "受理编号",
            "热线工单编号",
            "编号",
        ],
    ),
    (
        Field::Received,
        &[
            "受理时间",
            "来电时间",
            "登记时间",
            "诉求时间",
            "工单创建时间",
            "创建时间",
            "接收时间",
            "受理日期",
        ],
    ),
    (
        Field::Town,
        &[
            "所属街镇",
            "所属镇街",
            "所属镇（街道）",
            "所属乡镇（街道）",
            "所属街道",
            "所属乡镇",
            "所属镇",
            "镇街",
            "街镇",
            "属地",
        ],
    ),
    (
        Field::Spot,
        &[
            "诉求地点",
            "事发地点",
            "所属村（社区）",
            "所属村居",
            "所属社区",
            "所属村",
        ],
    ),
    (
        Field::Text,
        &[
            "诉求内容",
            "来电内容",
            "问题描述",
            "诉求描述",
            "工单内容",
            "反映内容",
            "内容",
        ],
    ),
    (
        Field::ItemCode,
        &["事项编码", "派单事项编码", "事项代码", "权责事项编码"],
    ),
    (
        Field::ItemName,
        &["事项名称", "派单事项", "派单事项名称", "权责事项名称"],
    ),
    (
        Field::Urgency,
        &["紧急程度", "缓急程度", "紧急度", "诉求紧急程度", "办理类型"],
    ),
];

/// The columns a sheet must have (and one of 所属街镇 or 诉求地点).
const REQUIRED: [Field; 3] = [Field::Number, Field::Received, Field::Text];

static LAYOUT: Layout<Field> = Layout {
    fields: &FIELDS,
    required: &REQUIRED,
    one_of: Some((Field::Town, Field::Spot, Either::Last)),
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Number,
    Received,
    Town,
    Spot,
    Text,
    ItemCode,
    ItemName,
    Urgency,
}

/// One bad cell: where and why.
pub type OrderRowError = CellError;

/// Why a work order import was refused; nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum OrderImportError {
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error("表格缺少列：{}（表头应为：{}）", .0.join("、"), COLUMNS.join("、"))]
    MissingColumns(Vec<String>),
    #[error("文件中没有工单（表头下没有数据行）")]
    Empty,
    #[error("共 {} 处错误，未导入任何工单：\n{}", .0.len(), list_errors(.0))]
    Rows(Vec<OrderRowError>),
}

/// The template for download: the header row and one example row (an
/// order the import reads like any other; delete it before importing).
pub fn template() -> Table {
    let mut t = Table::new(TITLE, &COLUMNS);
    t.rows.push(vec![
        Cell::text("2026110300123"),
        Cell::text("2026-11-03 09:15"),
        Cell::text("潘黄街道"),
        Cell::text("新园社区"),
        Cell::text("新园社区东门一餐饮店油烟直排，气味很大，影响居民生活，请相关部门处理。"),
        Cell::text("320903-CF-101"),
        Cell::text("对餐饮服务项目未安装油烟净化设施的处罚"),
        Cell::text("一般"),
    ]);
    t
}

/// A cell of a row: its text, or why it cannot be read.
fn cell(row: &[Raw], cols: &Columns<Field>, f: Field) -> Result<String, String> {
    cols.cell_with(row, f, |n| match f {
        Field::Number if n.abs() >= 1e15 => {
            Err("工单编号存储为数字，可能已丢失末几位，请将该列设为文本后重新导出".into())
        }
        Field::Received => match xlsx::excel_datetime(n) {
            Some(t) => Ok(t.format("%Y-%m-%d %H:%M:%S").to_string()),
            None => Err(format!("“{n}”不是有效的时间")),
        },
        _ => Ok(Raw::Number(n).text()),
    })
}

/// 受理时间: `2026-11-03 09:15`, `2026-11-03 09:15:00`, `2026/11/3 9:15`,
/// `2026-11-03T09:15:00`, `2026年11月3日 9:15`, or a date alone (midnight,
/// as an Excel date-time cell at 00:00 reads).
pub fn parse_received(s: &str) -> Option<NaiveDateTime> {
    let s = s.trim().replace('：', ":");
    let s = s.split_whitespace().collect::<Vec<_>>().join(" ");
    const WITH_TIME: [&str; 8] = [
        "%Y-%m-%d %H:%M:%S",
        "%Y-%m-%d %H:%M",
        "%Y/%m/%d %H:%M:%S",
        "%Y/%m/%d %H:%M",
        "%Y-%m-%dT%H:%M:%S",
        "%Y-%m-%dT%H:%M:%S%.f",
        "%Y年%m月%d日 %H:%M:%S",
        "%Y年%m月%d日 %H:%M",
    ];
    const DATE: [&str; 3] = ["%Y-%m-%d", "%Y/%m/%d", "%Y年%m月%d日"];
    WITH_TIME
        .iter()
        .find_map(|f| NaiveDateTime::parse_from_str(&s, f).ok())
        .or_else(|| {
            DATE.iter()
                .find_map(|f| NaiveDate::parse_from_str(&s, f).ok())
                .map(|d| d.and_time(chrono::NaiveTime::MIN))
        })
}

/// 紧急程度 by its label (普通 is 一般, 突发 and 特急 are 紧急).
pub fn parse_urgency(s: &str) -> Option<Urgency> {
    let s = squash(s);
    if let Some(u) = URGENCIES.into_iter().find(|u| u.label() == s) {
        return Some(u);
    }
    match s.as_str() {
        "普通" => Some(Urgency::General),
        "突发" | "特急" | "紧急类" => Some(Urgency::Urgent),
        "复杂" | "疑难" | "疑难复杂" => Some(Urgency::Complex),
        "水电气暖" | "水电气热类" => Some(Urgency::Utility),
        _ => None,
    }
}

/// Reads a work order sheet into rows, all or nothing. `place` resolves the
/// names in 所属街镇 and 诉求地点 (镇、街道、园区、村、社区), `item` the
/// 事项编码 and 事项名称 of the catalogue. Feed the rows to [`WorkOrder::new`]
/// and route them.
pub fn parse_orders(
    sheet: &Sheet,
    place: &dyn Fn(&str) -> Option<PlaceId>,
    item: &dyn Fn(&str) -> Option<ItemId>,
) -> Result<Vec<OrderRow>, OrderImportError> {
    let (cols, rows) = rows::locate(sheet, &LAYOUT).map_err(OrderImportError::MissingColumns)?;
    let mut errors: Vec<OrderRowError> = Vec::new();
    let mut orders: Vec<OrderRow> = Vec::new();
    // 工单编号 → the row that has it.
    let mut seen: FxHashMap<String, usize> = FxHashMap::default();

    for (n, row) in rows {
        let n = *n;
        let mut err = |f: Field, reason: String| {
            errors.push(OrderRowError {
                row: n,
                column: cols.header(f),
                reason,
            });
        };
        let mut unreadable = false;
        let mut get = |f: Field| match cell(row, &cols, f) {
            Ok(s) => Some(s),
            Err(r) => {
                err(f, r);
                None
            }
        };
        let fields = [
            get(Field::Number),
            get(Field::Received),
            get(Field::Town),
            get(Field::Spot),
            get(Field::Text),
            get(Field::ItemCode),
            get(Field::ItemName),
            get(Field::Urgency),
        ];
        if fields.iter().any(Option::is_none) {
            unreadable = true;
        }
        if fields
            .iter()
            .all(|f| f.as_deref().is_some_and(str::is_empty))
        {
            // A blank row (or one with only columns not read).
            continue;
        }
        let [number, received, town, spot, text, code, name, urgency] =
            fields.map(Option::unwrap_or_default);
        let mut bad = unreadable;
        let mut required = |f: Field, v: &str| {
            if v.is_empty() {
                err(f, "不能为空".into());
                bad = true;
            }
        };
        // Cells that could not be read are not blamed twice.
        let readable = |f: Field| cell(row, &cols, f).is_ok();

        if readable(Field::Number) {
            required(Field::Number, &number);
        }
        if readable(Field::Text) {
            required(Field::Text, &text);
        }
        if !number.is_empty() {
            if let Some(first) = seen.get(&number) {
                err(
                    Field::Number,
                    format!("与第 {first} 行重复（工单编号“{number}”）"),
                );
                bad = true;
            } else {
                seen.insert(number.clone(), n);
            }
        }

        let at = if received.is_empty() {
            if readable(Field::Received) {
                err(Field::Received, "不能为空".into());
            }
            None
        } else {
            let t = parse_received(&received);
            if t.is_none() {
                err(
                    Field::Received,
                    format!("“{received}”不是有效的时间（应如“2026-11-03 09:15”）"),
                );
            }
            t
        };

        // The place: 诉求地点 when given, else 所属街镇; each name given
        // must be known.
        let mut resolve = |f: Field, v: &str| -> Option<PlaceId> {
            if v.is_empty() {
                return None;
            }
            let p = place(v);
            if p.is_none() {
                err(
                    f,
                    format!("“{v}”不是已知的镇、街道、园区、村或社区（应与区划名称一致）"),
                );
                bad = true;
            }
            p
        };
        let town_id = resolve(Field::Town, &town);
        let spot_id = resolve(Field::Spot, &spot);
        let place_id = spot_id.or(town_id);
        if town.is_empty() && spot.is_empty() && readable(Field::Town) && readable(Field::Spot) {
            let f = if cols.has(Field::Spot) && !cols.has(Field::Town) {
                Field::Spot
            } else {
                Field::Town
            };
            err(f, "不能为空".into());
            bad = true;
        }

        // The item: by 事项编码 and by 事项名称, each when given.
        let mut lookup = |f: Field, v: &str, what: &str| -> Option<ItemId> {
            if v.is_empty() {
                return None;
            }
            let i = item(v);
            if i.is_none() {
                err(f, format!("“{v}”不是权责清单中的{what}"));
                bad = true;
            }
            i
        };
        let by_code = lookup(Field::ItemCode, &code, "事项编码");
        let by_name = lookup(Field::ItemName, &name, "事项名称");
        if let (Some(a), Some(b)) = (by_code, by_name) {
            if a != b {
                err(
                    Field::ItemName,
                    format!("“{name}”与事项编码“{code}”不是同一事项"),
                );
                bad = true;
            }
        }
        let item_id = by_code.or(by_name);

        let urgency = if urgency.is_empty() {
            Some(Urgency::General)
        } else {
            let u = parse_urgency(&urgency);
            if u.is_none() {
                let allowed: Vec<&str> = URGENCIES.iter().map(|u| u.label()).collect();
                err(
                    Field::Urgency,
                    format!(
                        "“{urgency}”不是有效的紧急程度（应为{}，空白为一般）",
                        allowed.join("、")
                    ),
                );
            }
            u
        };

        if let (false, Some(received), Some(place), Some(urgency)) = (bad, at, place_id, urgency) {
            orders.push(OrderRow {
                number,
                received,
                place,
                text,
                item: item_id,
                urgency,
            });
        }
    }
    rows::all_or_nothing(
        errors,
        orders,
        OrderImportError::Rows,
        OrderImportError::Empty,
    )
}

/// Reads an uploaded work order file (xlsx, xls or csv; the first sheet)
/// within [`Limits::upload`] and parses it with [`parse_orders`].
pub fn import_orders(
    bytes: &[u8],
    ext: &str,
    place: &dyn Fn(&str) -> Option<PlaceId>,
    item: &dyn Fn(&str) -> Option<ItemId>,
) -> Result<Vec<OrderRow>, OrderImportError> {
    let s = xlsx::read_bytes_with(bytes, ext, None, &Limits::upload())?;
    parse_orders(&s, place, item)
}

/// The names an export writes for an order's place and item, and its
/// assignee.
pub struct Names<'a> {
    /// The place's name (written as 诉求地点).
    pub place: &'a dyn Fn(PlaceId) -> String,
    /// The item's 事项编码 and 事项名称.
    pub item: &'a dyn Fn(ItemId) -> (String, String),
    /// The unit's name (承办单位).
    pub unit: &'a dyn Fn(UnitId) -> String,
}

/// The orders in the template's columns (the place as 诉求地点, 所属街镇
/// blank), then 办理状态, 承办单位 and 退单次数. Imported back, it gives the
/// same rows when `names` writes what the resolvers read.
pub fn export_orders(orders: &[WorkOrder], names: &Names<'_>) -> Table {
    let columns: Vec<&str> = COLUMNS
        .iter()
        .chain(EXPORT_COLUMNS.iter())
        .copied()
        .collect();
    let mut t = Table::new(TITLE, &columns);
    for o in orders {
        let r = &o.row;
        let (code, name) = r.item.map(names.item).unwrap_or_default();
        let text_or_empty = |s: String| {
            if s.is_empty() {
                Cell::Empty
            } else {
                Cell::Text(s)
            }
        };
        t.rows.push(vec![
            Cell::text(&r.number),
            Cell::text(r.received.format("%Y-%m-%d %H:%M:%S").to_string()),
            Cell::Empty,
            Cell::text((names.place)(r.place)),
            Cell::text(&r.text),
            text_or_empty(code),
            text_or_empty(name),
            Cell::text(r.urgency.label()),
            Cell::text(o.state.label()),
            o.assignee
                .map_or(Cell::Empty, |u| Cell::text((names.unit)(u))),
            Cell::Int(o.returns.len() as i64),
        ]);
    }
    t
}
