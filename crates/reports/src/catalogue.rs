//! Import and export of the catalogue of power and duty items (权责清单 /
//! 乡镇履职事项清单) in the shape counties publish: one row per item with the
//! columns 序号, 事项编码, 事项名称, 子项编码, 子项名称, 职权类型, 设定依据, 实施主体,
//! 责任事项, 追责情形, 办理时限, 行使层级.
//!
//! - Columns are found by name, in any order, with the names sources use
//!   for them (权力类型 / 职权类别 for 职权类型, 责任单位 for 实施主体 …).
//!   Other columns are ignored. A title line above the header row is
//!   allowed (the header is looked for in the first rows).
//! - 主项 and 子项: a row whose 子项名称 is blank is a 主项; a row whose
//!   子项名称 is filled is a 子项 of the 主项 row above it with the same
//!   事项编码. The 子项's code is its 子项编码 when given (贵州's and 湖北's
//!   codes carry a 子项 number), else that 事项编码, kept as the source
//!   writes it; its name is the 子项名称 and its [`Item::parent`] is the
//!   主项. A 子项 row may leave 事项编码, 事项名称, 职权类型, 设定依据, 实施主体
//!   and 行使层级 blank (merged cells in published lists): they are the
//!   主项's. A blank 行使层级 of a 主项 is 县级 (the district's own list).
//! - All or nothing: every bad cell of every row is reported with its
//!   1-based row number in the file, the column's header as the file writes
//!   it and a Chinese reason; no item is returned unless every row is good.
//! - [`export_catalogue`] writes the same columns, so an export imports back
//!   to the same items.

use bianzhi_core::UnitId;
use bianzhi_grassroots::catalogue::{
    Change, CodeSource, Duty, Item, ItemId, Level, PowerType, TimeLimit, TimeUnit,
};
use chrono::NaiveDate;
use rustc_hash::FxHashMap;

use crate::rows::{self, list_errors, squash, CellError, Layout};
use crate::table::{Cell, Table};
use crate::xlsx::{self, Limits, Raw, Sheet, SheetError};

/// The template's header row (and the export's).
pub const COLUMNS: [&str; 12] = [
    "序号",
    "事项编码",
    "事项名称",
    "子项编码",
    "子项名称",
    "职权类型",
    "设定依据",
    "实施主体",
    "责任事项",
    "追责情形",
    "办理时限",
    "行使层级",
];

/// The title of the template and the export (their sheet name).
pub const TITLE: &str = "权责清单";

/// A row whose 序号 starts with this is an example and is skipped (the
/// template's example row).
pub const EXAMPLE_MARK: &str = "示例";

/// The fields read from a sheet, with the header names each is known by
/// (first the template's). 序号 is not read.
const FIELDS: [(Field, &[&str]); 11] = [
    (
        Field::Code,
        &[
            "事项编码",
            "编码",
            "权力编码",
            "事项代码",
            "基本编码",
            "权责事项编码",
        ],
    ),
    (
        Field::Name,
        &["事项名称", "主项名称", "权力名称", "权责事项名称", "事项"],
    ),
    (Field::SubCode, &["子项编码", "子项代码"]),
    (Field::Sub, &["子项名称", "子项"]),
    (
        Field::Type,
        &["职权类型", "权力类型", "职权类别", "权力类别", "事项类型"],
    ),
    (Field::Basis, &["设定依据", "实施依据", "法定依据", "依据"]),
    (
        Field::Holder,
        &["实施主体", "责任单位", "实施机关", "责任主体", "实施部门"],
    ),
    (Field::Duties, &["责任事项", "责任事项内容"]),
    (
        Field::Accountability,
        &["追责情形", "追责情形及依据", "问责情形", "追责情形（依据）"],
    ),
    (
        Field::TimeLimit,
        &[
            "办理时限",
            "办结时限",
            "法定办结时限",
            "承诺办结时限",
            "法定时限",
            "承诺时限",
            "时限",
        ],
    ),
    (Field::Level, &["行使层级", "层级", "实施层级", "行权层级"]),
];

/// The columns a sheet must have.
const REQUIRED: [Field; 4] = [Field::Code, Field::Name, Field::Type, Field::Holder];

static LAYOUT: Layout<Field> = Layout {
    fields: &FIELDS,
    required: &REQUIRED,
    one_of: None,
};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
enum Field {
    Code,
    Name,
    SubCode,
    Sub,
    Type,
    Basis,
    Holder,
    Duties,
    Accountability,
    TimeLimit,
    Level,
}

/// One bad cell: where and why.
pub type CatalogueRowError = CellError;

/// Why a catalogue import was refused; nothing was imported.
#[derive(Debug, thiserror::Error)]
pub enum CatalogueImportError {
    #[error(transparent)]
    Sheet(#[from] SheetError),
    #[error("表格缺少列：{}（表头应为：{}）", .0.join("、"), COLUMNS.join("、"))]
    MissingColumns(Vec<String>),
    #[error("共 {} 处错误，未导入任何事项：\n{}", .0.len(), list_errors(.0))]
    Rows(Vec<CatalogueRowError>),
}

/// The template for download: the header row and one example row (marked
/// 示例 in 序号, which the import skips).
pub fn template() -> Table {
    let mut t = Table::new(TITLE, &COLUMNS);
    t.rows.push(vec![
        Cell::text(format!("{EXAMPLE_MARK}（导入时忽略此行）")),
        Cell::text("320903-XK-001"),
        Cell::text("食品经营许可"),
        Cell::Empty,
        Cell::Empty,
        Cell::text("行政许可"),
        Cell::text("《中华人民共和国食品安全法》第三十五条"),
        Cell::text("区市场监督管理局"),
        Cell::text(
            "1. 受理责任：公示办理许可的条件、程序及所需材料，依法受理或不予受理\n\
             2. 审查责任：对申请材料进行审查，必要时现场核查（时限：10个工作日）\n\
             3. 决定责任：作出准予或不予许可的决定",
        ),
        Cell::text("1. 对符合法定条件的申请不予受理的\n2. 对不符合法定条件的申请人准予许可的"),
        Cell::text("20个工作日"),
        Cell::text("县级"),
    ]);
    t
}

/// What a 主项 row gave its 子项.
#[derive(Clone)]
struct Main {
    row: usize,
    id: Option<ItemId>,
    name: String,
    power_type: Option<PowerType>,
    basis: String,
    holder: Option<UnitId>,
    level: Option<Level>,
}

/// Reads a catalogue sheet into items, all or nothing. Items get ids from
/// `next_id` on, in row order; `holders` names the departments (实施主体)
/// known to the ledger; numeric 职权类型 codes are read in `source`'s table.
/// Feed the items to
/// [`Catalogue::record_all`](bianzhi_grassroots::catalogue::Catalogue::record_all)
/// with [`as_changes`].
pub fn parse_catalogue(
    sheet: &Sheet,
    holders: &dyn Fn(&str) -> Option<UnitId>,
    source: CodeSource,
    next_id: ItemId,
) -> Result<Vec<Item>, CatalogueImportError> {
    let (cols, rows) =
        rows::locate(sheet, &LAYOUT).map_err(CatalogueImportError::MissingColumns)?;
    let mut errors: Vec<CatalogueRowError> = Vec::new();
    let mut items: Vec<Item> = Vec::new();
    // (事项编码, 子项名称) → the row that has it.
    let mut seen: FxHashMap<(String, String), usize> = FxHashMap::default();
    // 事项编码 → its 主项 row.
    let mut mains: FxHashMap<String, Main> = FxHashMap::default();
    let mut last_main: Option<String> = None;
    let mut next = next_id.0;

    for (n, row) in rows {
        let n = *n;
        let mut bad = false;
        let mut err = |f: Field, reason: String| {
            errors.push(CatalogueRowError {
                row: n,
                column: cols.header(f),
                reason,
            });
        };
        let mut get = |f: Field| match cols.cell(row, f) {
            Ok(s) => Some(s),
            Err(r) => {
                err(f, r);
                None
            }
        };
        let code = get(Field::Code);
        let name = get(Field::Name);
        let sub_code = get(Field::SubCode);
        let sub = get(Field::Sub);
        let ptype = get(Field::Type);
        let basis = get(Field::Basis);
        let holder = get(Field::Holder);
        let duties = get(Field::Duties);
        let acc = get(Field::Accountability);
        let limit = get(Field::TimeLimit);
        let level = get(Field::Level);
        let fields = [
            &code, &name, &sub_code, &sub, &ptype, &basis, &holder, &duties, &acc, &limit, &level,
        ];
        if fields.iter().any(|f| f.is_none()) {
            bad = true;
        }
        if fields
            .iter()
            .all(|f| f.as_deref().is_some_and(str::is_empty))
        {
            // A blank row (or one with only 序号, or the template's example).
            continue;
        }
        let serial = cols
            .headers
            .iter()
            .position(|h| squash(h) == "序号")
            .and_then(|i| row.get(i))
            .map(Raw::text)
            .unwrap_or_default();
        if serial.starts_with(EXAMPLE_MARK) {
            continue;
        }
        let [code, name, sub_code, sub, ptype, basis, holder, duties, acc, limit, level] =
            fields.map(|f| f.clone().unwrap_or_default());

        // 主项 or 子项, and what a 子项 takes from its 主项.
        let is_sub = !sub.is_empty();
        let code = if code.is_empty() && is_sub {
            last_main.clone().unwrap_or_default()
        } else {
            code
        };
        let main = if is_sub {
            mains.get(&code).cloned()
        } else {
            None
        };
        if code.is_empty() {
            err(Field::Code, "不能为空".into());
            bad = true;
        } else if is_sub && main.is_none() {
            err(
                Field::Sub,
                format!("子项上方没有事项编码为“{code}”的主项行（主项行的子项名称为空，应在其子项之前）"),
            );
            bad = true;
        }
        if !is_sub && !sub_code.is_empty() {
            err(
                Field::SubCode,
                format!("主项行（子项名称为空）不应填写子项编码“{sub_code}”"),
            );
            bad = true;
        }
        if !code.is_empty() {
            let key = (code.clone(), sub.clone());
            if let Some(first) = seen.get(&key) {
                let what = if is_sub {
                    format!("事项编码“{code}”、子项名称“{sub}”")
                } else {
                    format!("事项编码“{code}”")
                };
                err(Field::Code, format!("与第 {first} 行重复（{what}）"));
                bad = true;
            } else {
                seen.insert(key, n);
            }
        }
        let item_name = if is_sub {
            if let Some(m) = &main {
                if !name.is_empty() && name != m.name {
                    err(
                        Field::Name,
                        format!("“{name}”与第 {} 行主项的名称“{}”不一致", m.row, m.name),
                    );
                    bad = true;
                }
            }
            sub.clone()
        } else {
            if name.is_empty() {
                err(Field::Name, "不能为空".into());
                bad = true;
            }
            name.clone()
        };

        // 职权类型.
        let power_type = if ptype.is_empty() {
            match &main {
                Some(m) => m.power_type,
                None => {
                    err(Field::Type, "不能为空".into());
                    None
                }
            }
        } else {
            match PowerType::from_source(source, &ptype) {
                Ok(t) => Some(t),
                Err(_) => {
                    let reason = if ptype.chars().all(|c| c.is_ascii_digit()) {
                        format!("“{ptype}”不是{}中的职权类型代码", source.label())
                    } else {
                        format!("“{ptype}”不是已知的职权类型")
                    };
                    err(Field::Type, reason);
                    None
                }
            }
        };

        // 实施主体.
        let holder_id = if holder.is_empty() {
            match &main {
                Some(m) => m.holder,
                None => {
                    err(Field::Holder, "不能为空".into());
                    None
                }
            }
        } else {
            let h = holders(&holder);
            if h.is_none() {
                err(
                    Field::Holder,
                    format!("“{holder}”不是已知的部门（应与机构名称一致）"),
                );
            }
            h
        };

        let basis = if basis.is_empty() {
            main.as_ref().map(|m| m.basis.clone()).unwrap_or_default()
        } else {
            basis
        };

        // 行使层级: blank is 县级 (the district's own list).
        let level = if level.is_empty() {
            main.as_ref().map_or(Some(Level::County), |m| m.level)
        } else {
            match parse_level(&level) {
                Some(l) => Some(l),
                None => {
                    err(
                        Field::Level,
                        format!("“{level}”不是有效的行使层级（应为国家级、省级、市级、县级、镇（乡、街道）级、村（社区）级或代码 1–6）"),
                    );
                    None
                }
            }
        };

        let time_limit = match parse_time_limit(&limit) {
            Ok(t) => t,
            Err(()) => {
                err(
                    Field::TimeLimit,
                    format!("“{limit}”不是有效的时限（应如“20个工作日”“15日”“2小时”或“即办”）"),
                );
                bad = true;
                None
            }
        };

        let id = ItemId(next);
        match (bad, power_type, holder_id, level) {
            (false, Some(power_type), Some(holder), Some(level)) => {
                items.push(Item {
                    id,
                    code: if sub_code.is_empty() {
                        code.clone()
                    } else {
                        sub_code
                    },
                    parent: main.as_ref().and_then(|m| m.id),
                    name: item_name,
                    power_type,
                    basis: basis.clone(),
                    holder,
                    duties: parse_duties(&duties),
                    accountability: numbered(&acc),
                    time_limit,
                    level,
                    supersedes: Vec::new(),
                });
                next += 1;
                if !is_sub {
                    mains.entry(code.clone()).or_insert(Main {
                        row: n,
                        id: Some(id),
                        name,
                        power_type: Some(power_type),
                        basis,
                        holder: Some(holder),
                        level: Some(level),
                    });
                }
            }
            _ => {
                // A bad 主项 is still the 主项 of the 子项 below it (their
                // blank cells are not blamed for its errors).
                if !is_sub && !code.is_empty() {
                    mains.entry(code.clone()).or_insert(Main {
                        row: n,
                        id: None,
                        name,
                        power_type,
                        basis,
                        holder: holder_id,
                        level,
                    });
                }
            }
        }
        if !is_sub && !code.is_empty() {
            last_main = Some(code);
        }
    }
    if errors.is_empty() {
        Ok(items)
    } else {
        Err(CatalogueImportError::Rows(errors))
    }
}

/// Reads an uploaded catalogue (xlsx, xls or csv; the first sheet, or the one
/// named) within [`Limits::upload`] and parses it with [`parse_catalogue`].
pub fn import_catalogue(
    bytes: &[u8],
    ext: &str,
    sheet: Option<&str>,
    holders: &dyn Fn(&str) -> Option<UnitId>,
    source: CodeSource,
    next_id: ItemId,
) -> Result<Vec<Item>, CatalogueImportError> {
    let s = xlsx::read_bytes_with(bytes, ext, sheet, &Limits::upload())?;
    parse_catalogue(&s, holders, source, next_id)
}

/// The items as the entries of one document, all effective on `effective`,
/// for [`Catalogue::record_all`](bianzhi_grassroots::catalogue::Catalogue::record_all).
pub fn as_changes(items: Vec<Item>, effective: NaiveDate) -> Vec<(NaiveDate, Change)> {
    items
        .into_iter()
        .map(|item| (effective, Change::Add { item }))
        .collect()
}

/// 行使层级 by name (国家级, 省级, 市级, 县级 (区级, 县（市、区）级), 镇（乡、
/// 街道）级, 村（社区）级, with or without 级) or by code 1–6.
fn parse_level(s: &str) -> Option<Level> {
    let s = squash(s);
    if let Ok(code) = s.parse::<u8>() {
        return Level::from_code(code).ok();
    }
    let all = [
        Level::National,
        Level::Provincial,
        Level::City,
        Level::County,
        Level::Town,
        Level::Village,
    ];
    if let Some(l) = all.into_iter().find(|l| l.label() == s) {
        return Some(l);
    }
    let bare = s.strip_suffix('级').unwrap_or(&s);
    let bare = bare.replace(['(', ')'], "").replace(['（', '）'], "");
    Some(match bare.as_str() {
        "国家" | "中央" => Level::National,
        "省" | "省区市" => Level::Provincial,
        "市" | "设区市" | "地市" => Level::City,
        "县" | "区" | "县区" | "县市区" | "县市" | "区县" => Level::County,
        "镇" | "乡" | "乡镇" | "街道" | "镇街" | "镇乡街道" | "乡镇街道" | "镇街道" => {
            Level::Town
        }
        "村" | "社区" | "村社区" | "村居" => Level::Village,
        _ => return None,
    })
}

/// 办理时限: blank (or 无, /) is none; 即办 is 0 working days; otherwise a
/// number and a unit: 工作日, 日 / 天 / 自然日, 小时, 分钟 (个 and a trailing 内
/// allowed).
fn parse_time_limit(s: &str) -> Result<Option<TimeLimit>, ()> {
    let s = squash(s);
    match s.as_str() {
        "" | "无" | "/" | "／" | "-" | "—" => return Ok(None),
        "即办" | "即时办结" | "当场办结" | "即时" => {
            return Ok(Some(TimeLimit::working_days(0)))
        }
        _ => {}
    }
    let digits: String = s.chars().take_while(char::is_ascii_digit).collect();
    let amount: u32 = digits.parse().map_err(|_| ())?;
    let rest = &s[digits.len()..];
    let rest = rest.strip_suffix('内').unwrap_or(rest);
    let rest = rest.strip_prefix('个').unwrap_or(rest);
    let unit = match rest {
        "工作日" => TimeUnit::WorkingDays,
        "日" | "天" | "自然日" => TimeUnit::Days,
        "小时" => TimeUnit::Hours,
        "分钟" => TimeUnit::Minutes,
        _ => return Err(()),
    };
    Ok(Some(TimeLimit { amount, unit }))
}

/// The 办理时限 as written: 即办 for none at all, else `20个工作日`, `15日` ….
fn time_limit_text(t: &TimeLimit) -> String {
    if t.amount == 0 && t.unit == TimeUnit::WorkingDays {
        "即办".into()
    } else {
        t.label()
    }
}

/// Whether `s` starts with a list number (`1.`, `2、`, `3．`, `(4)`, `（5）`).
fn number_len(s: &str) -> Option<usize> {
    let digits = s.chars().take_while(char::is_ascii_digit).count();
    if digits > 0 {
        let sep = s[digits..].chars().next()?;
        return matches!(sep, '.' | '．' | '、' | ')' | '）').then_some(digits + sep.len_utf8());
    }
    let open = s.chars().next()?;
    if matches!(open, '(' | '（') {
        let inner = &s[open.len_utf8()..];
        let d = inner.chars().take_while(char::is_ascii_digit).count();
        let close = inner[d..].chars().next()?;
        if d > 0 && matches!(close, ')' | '）') {
            return Some(open.len_utf8() + d + close.len_utf8());
        }
    }
    None
}

/// A numbered list in a cell (one per line, or run together after 。/；) as
/// its entries without the numbers; a line without a number continues the
/// entry above.
fn numbered(s: &str) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    // Whether the last entry began with a number (a line without one
    // continues it; otherwise each line is an entry).
    let mut last_numbered = false;
    for line in s.lines() {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let mut starts = vec![0];
        let mut prev: Option<char> = None;
        for (i, c) in line.char_indices() {
            if matches!(prev, Some('。' | '；' | ';')) && number_len(&line[i..]).is_some() {
                starts.push(i);
            }
            prev = Some(c);
        }
        starts.push(line.len());
        for w in starts.windows(2) {
            let mut seg = line[w[0]..w[1]].trim();
            if w[1] < line.len() {
                // The 。 or ； before the next number separates the entries.
                seg = seg.trim_end_matches(['。', '；', ';']).trim_end();
            }
            match number_len(seg) {
                Some(k) => {
                    out.push(seg[k..].trim().to_owned());
                    last_numbered = true;
                }
                None => match out.last_mut() {
                    Some(last) if last_numbered => {
                        last.push('\n');
                        last.push_str(seg);
                    }
                    _ => out.push(seg.to_owned()),
                },
            }
        }
    }
    out.retain(|e| !e.is_empty());
    out
}

/// 责任事项: a numbered list of `阶段：内容`, each optionally ending with
/// `（时限：10个工作日）`.
fn parse_duties(s: &str) -> Vec<Duty> {
    numbered(s)
        .into_iter()
        .map(|e| {
            let (stage, text) = match e.find(['：', ':']) {
                Some(i) => {
                    let sep = e[i..].chars().next().map_or(1, char::len_utf8);
                    (e[..i].trim().to_owned(), e[i + sep..].trim().to_owned())
                }
                None => (String::new(), e.clone()),
            };
            let (text, time_limit) = split_limit(&text);
            Duty {
                stage,
                text,
                time_limit,
            }
        })
        .collect()
}

/// `内容（时限：10个工作日）` (a final 。 allowed) → (内容, 10 工作日);
/// otherwise the text as is.
fn split_limit(text: &str) -> (String, Option<TimeLimit>) {
    let bare = text.trim_end_matches(['。', '；', ';']);
    if let Some(body) = bare.strip_suffix('）') {
        if let Some(i) = body.rfind("（时限：") {
            if let Ok(Some(t)) = parse_time_limit(&body[i + "（时限：".len()..]) {
                return (body[..i].trim_end().to_owned(), Some(t));
            }
        }
    }
    (text.to_owned(), None)
}

fn duties_text(duties: &[Duty]) -> String {
    duties
        .iter()
        .enumerate()
        .map(|(i, d)| {
            let mut s = format!("{}. ", i + 1);
            if !d.stage.is_empty() {
                s.push_str(&d.stage);
                s.push('：');
            }
            s.push_str(&d.text);
            if let Some(t) = &d.time_limit {
                s.push_str(&format!("（时限：{}）", time_limit_text(t)));
            }
            s
        })
        .collect::<Vec<_>>()
        .join("\n")
}

fn numbered_text(entries: &[String]) -> String {
    entries
        .iter()
        .enumerate()
        .map(|(i, e)| format!("{}. {e}", i + 1))
        .collect::<Vec<_>>()
        .join("\n")
}

/// The items in the template's columns, each 主项 followed by its 子项 (a
/// 子项 whose 主项 is not among `items` is written as a 主项). Imported back
/// with ids from the first item's, it gives the same items when `items` was
/// in that order with consecutive ids.
pub fn export_catalogue(items: &[Item], holder_name: &dyn Fn(UnitId) -> String) -> Table {
    let mut t = Table::new(TITLE, &COLUMNS);
    let present: FxHashMap<ItemId, &Item> = items.iter().map(|i| (i.id, i)).collect();
    let mut children: FxHashMap<ItemId, Vec<&Item>> = FxHashMap::default();
    for i in items {
        if let Some(p) = i.parent.filter(|p| present.contains_key(p)) {
            children.entry(p).or_default().push(i);
        }
    }
    let text_or_empty = |s: &str| {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::text(s)
        }
    };
    // A 子项 is written under its 主项's 编码 and name, with its own 编码
    // as 子项编码 when it differs.
    let row = |serial: String, main: &Item, sub: Option<&Item>| -> Vec<Cell> {
        let i = sub.unwrap_or(main);
        let sub_code = sub.filter(|s| s.code != main.code).map_or("", |s| &s.code);
        vec![
            Cell::text(serial),
            Cell::text(&main.code),
            Cell::text(&main.name),
            text_or_empty(sub_code),
            text_or_empty(sub.map_or("", |s| &s.name)),
            Cell::text(i.power_type.label()),
            Cell::text(&i.basis),
            Cell::text(holder_name(i.holder)),
            Cell::text(duties_text(&i.duties)),
            Cell::text(numbered_text(&i.accountability)),
            match &i.time_limit {
                Some(l) => Cell::text(time_limit_text(l)),
                None => Cell::Empty,
            },
            Cell::text(i.level.label()),
        ]
    };
    let mains = items
        .iter()
        .filter(|i| i.parent.is_none_or(|p| !present.contains_key(&p)));
    for (n, m) in mains.enumerate() {
        t.rows.push(row((n + 1).to_string(), m, None));
        for (k, c) in children.get(&m.id).into_iter().flatten().enumerate() {
            t.rows.push(row(format!("{}.{}", n + 1, k + 1), m, Some(c)));
        }
    }
    t
}
