//! The 12345 work order import: xlsx written with rust_xlsxwriter, csv in
//! GBK and in UTF-8 with a BOM, refusals whole with row, column and reason,
//! the template and the export read back.

use bianzhi_core::UnitId;
use bianzhi_grassroots::catalogue::ItemId;
use bianzhi_grassroots::territory::PlaceId;
use bianzhi_grassroots::workorder::{OrderRow, Urgency, WorkOrder};
use bianzhi_reports::workorders::{
    self, export_orders, import_orders, Names, OrderImportError, COLUMNS,
};
use bianzhi_reports::xlsx;
use chrono::NaiveDateTime;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const PANHUANG: PlaceId = PlaceId(1);
const YANLONG: PlaceId = PlaceId(2);
const DAGANG: PlaceId = PlaceId(3);
const XINYUAN: PlaceId = PlaceId(11);

const FUMES: ItemId = ItemId(101);
const FOOD: ItemId = ItemId(102);

fn place(name: &str) -> Option<PlaceId> {
    match name {
        "潘黄街道" => Some(PANHUANG),
        "盐龙街道" => Some(YANLONG),
        "大冈镇" => Some(DAGANG),
        "新园社区" => Some(XINYUAN),
        _ => None,
    }
}

fn place_name(p: PlaceId) -> String {
    match p {
        PANHUANG => "潘黄街道",
        YANLONG => "盐龙街道",
        DAGANG => "大冈镇",
        XINYUAN => "新园社区",
        _ => "?",
    }
    .into()
}

fn item(s: &str) -> Option<ItemId> {
    match s {
        "320903-CF-101" | "对餐饮服务项目未安装油烟净化设施的处罚" => {
            Some(FUMES)
        }
        "320903-JC-001" | "食品安全监督检查" => Some(FOOD),
        _ => None,
    }
}

fn item_names(i: ItemId) -> (String, String) {
    match i {
        FUMES => (
            "320903-CF-101".into(),
            "对餐饮服务项目未安装油烟净化设施的处罚".into(),
        ),
        _ => ("320903-JC-001".into(), "食品安全监督检查".into()),
    }
}

fn at(s: &str) -> NaiveDateTime {
    NaiveDateTime::parse_from_str(s, "%Y-%m-%d %H:%M:%S").unwrap()
}

fn order(
    number: &str,
    received: &str,
    place: PlaceId,
    text: &str,
    item: Option<ItemId>,
    urgency: Urgency,
) -> OrderRow {
    OrderRow {
        number: number.into(),
        received: at(received),
        place,
        text: text.into(),
        item,
        urgency,
    }
}

fn import(bytes: &[u8], ext: &str) -> Result<Vec<OrderRow>, OrderImportError> {
    import_orders(bytes, ext, &place, &item)
}

/// The row messages of a refused import.
fn refused(bytes: &[u8], ext: &str) -> Vec<String> {
    match import(bytes, ext) {
        Ok(rows) => panic!("a bad file was imported: {rows:?}"),
        Err(OrderImportError::Rows(errors)) => errors.iter().map(|e| e.to_string()).collect(),
        Err(e) => panic!("row errors expected: {e}"),
    }
}

/// A hotline's own export: a title line, its own column names and order,
/// a column the import ignores, a number stored as a number, Excel
/// date-time cells (formatted, and a bare serial), blank formatted rows
/// at the end.
#[test]
fn a_hotline_xlsx_is_read_back_exactly() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "盐都区12345热线工单导出（2026年11月）")
        .unwrap();
    let headers = [
        "工单号",
        "诉求人",
        "来电时间",
        "所属街道",
        "诉求地点",
        "问题描述",
        "事项编码",
        "事项名称",
        "紧急程度",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    let when = Format::new().set_num_format("yyyy-mm-dd hh:mm:ss");
    // Row 3: text time, a 社区 under its 街道, item by code.
    ws.write_string(2, 0, "2026110300123").unwrap();
    ws.write_string(2, 1, "张先生").unwrap();
    ws.write_string(2, 2, "2026-11-03 09:15").unwrap();
    ws.write_string(2, 3, "潘黄街道").unwrap();
    ws.write_string(2, 4, "新园社区").unwrap();
    ws.write_string(2, 5, "东门餐饮店油烟直排").unwrap();
    ws.write_string(2, 6, "320903-CF-101").unwrap();
    ws.write_string(2, 8, "紧急").unwrap();
    // Row 4: the number as a number, a date-time cell, the 街道 alone, no
    // item, no urgency (一般).
    ws.write_number(3, 0, 2026110300124.0).unwrap();
    let dt = ExcelDateTime::from_ymd(2026, 11, 3)
        .unwrap()
        .and_hms(14, 30, 5)
        .unwrap();
    ws.write_datetime_with_format(3, 2, &dt, &when).unwrap();
    ws.write_string(3, 3, "盐龙街道").unwrap();
    ws.write_string(3, 5, "路灯不亮").unwrap();
    // Row 5: 2026/11/3 9:15, a 镇, item by name, 水电气热.
    ws.write_string(4, 0, "2026110300125").unwrap();
    ws.write_string(4, 2, "2026/11/3 9:15").unwrap();
    ws.write_string(4, 3, "大冈镇").unwrap();
    ws.write_string(4, 5, "小区停水").unwrap();
    ws.write_string(4, 7, "食品安全监督检查").unwrap();
    ws.write_string(4, 8, "水电气热").unwrap();
    // Row 6: a bare serial number (2026-11-04 08:30, no date format), both item cells, 复杂疑难.
    ws.write_string(5, 0, "2026110300126").unwrap();
    ws.write_number(5, 2, 46330.354166666664).unwrap();
    ws.write_string(5, 3, "潘黄街道").unwrap();
    ws.write_string(5, 5, "商户与物业纠纷").unwrap();
    ws.write_string(5, 6, "320903-JC-001").unwrap();
    ws.write_string(5, 7, "食品安全监督检查").unwrap();
    ws.write_string(5, 8, "复杂疑难").unwrap();
    // Rows 7–9: blank but formatted, as exports leave them.
    for r in 6..9 {
        for c in 0..9 {
            ws.write_blank(r, c, &when).unwrap();
        }
    }
    let bytes = wb.save_to_buffer().unwrap();

    let rows = import(&bytes, "xlsx").unwrap();
    assert_eq!(
        rows,
        [
            order(
                "2026110300123",
                "2026-11-03 09:15:00",
                XINYUAN,
                "东门餐饮店油烟直排",
                Some(FUMES),
                Urgency::Urgent,
            ),
            order(
                "2026110300124",
                "2026-11-03 14:30:05",
                YANLONG,
                "路灯不亮",
                None,
                Urgency::General,
            ),
            order(
                "2026110300125",
                "2026-11-03 09:15:00",
                DAGANG,
                "小区停水",
                Some(FOOD),
                Urgency::Utility,
            ),
            order(
                "2026110300126",
                "2026-11-04 08:30:00",
                PANHUANG,
                "商户与物业纠纷",
                Some(FOOD),
                Urgency::Complex,
            ),
        ]
    );
}

const CSV: &str = "工单编号,受理时间,所属街镇,诉求地点,诉求内容,事项编码,事项名称,紧急程度\n\
2026110300123,2026-11-03 09:15,潘黄街道,新园社区,东门餐饮店油烟直排，请处理,320903-CF-101,,紧急\n\
2026110300124,2026-11-03 14:30:05,盐龙街道,,路灯不亮,,,\n\
2026110300125,2026/11/3 9:15,大冈镇,,\"小区停水，\n已两天\",,食品安全监督检查,水电气热\n\
,,,,,,,\n";

fn csv_rows() -> Vec<OrderRow> {
    vec![
        order(
            "2026110300123",
            "2026-11-03 09:15:00",
            XINYUAN,
            "东门餐饮店油烟直排，请处理",
            Some(FUMES),
            Urgency::Urgent,
        ),
        order(
            "2026110300124",
            "2026-11-03 14:30:05",
            YANLONG,
            "路灯不亮",
            None,
            Urgency::General,
        ),
        order(
            "2026110300125",
            "2026-11-03 09:15:00",
            DAGANG,
            "小区停水，\n已两天",
            Some(FOOD),
            Urgency::Utility,
        ),
    ]
}

#[test]
fn gbk_and_utf8_with_bom_csv_give_the_same_rows() {
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(CSV);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "really GBK");
    let mut bom = b"\xEF\xBB\xBF".to_vec();
    bom.extend_from_slice(CSV.as_bytes());

    let from_gbk = import(&gbk, "csv").unwrap();
    let from_bom = import(&bom, "CSV").unwrap();
    let plain = import(CSV.as_bytes(), "csv").unwrap();
    assert_eq!(from_gbk, csv_rows());
    assert_eq!(from_bom, from_gbk);
    assert_eq!(plain, from_gbk);
}

/// [`CSV`] with row `n` (1-based, the header is row 1) replaced.
fn with_row(n: usize, line: &str) -> Vec<u8> {
    let mut lines: Vec<String> = CSV.lines().map(str::to_owned).collect();
    // Row 4 spans two lines (a line break inside quotes).
    lines[3] = format!("{}\n{}", lines[3], lines[4]);
    lines.remove(4);
    lines[n - 1] = line.to_owned();
    lines.join("\n").into_bytes()
}

#[test]
fn a_bad_time_refuses_the_file() {
    let bytes = with_row(3, "2026110300124,2026-13-01,盐龙街道,,路灯不亮,,,");
    assert_eq!(
        refused(&bytes, "csv"),
        ["第 3 行“受理时间”列：“2026-13-01”不是有效的时间（应如“2026-11-03 09:15”）"]
    );
    let bytes = with_row(3, "2026110300124,,盐龙街道,,路灯不亮,,,");
    assert_eq!(refused(&bytes, "csv"), ["第 3 行“受理时间”列：不能为空"]);
}

#[test]
fn an_unknown_place_refuses_the_file() {
    let bytes = with_row(
        3,
        "2026110300124,2026-11-03 14:30,盐龙街道,幸福村,路灯不亮,,,",
    );
    assert_eq!(
        refused(&bytes, "csv"),
        ["第 3 行“诉求地点”列：“幸福村”不是已知的镇、街道、园区、村或社区（应与区划名称一致）"]
    );
    let bytes = with_row(3, "2026110300124,2026-11-03 14:30,,,路灯不亮,,,");
    assert_eq!(refused(&bytes, "csv"), ["第 3 行“所属街镇”列：不能为空"]);
}

#[test]
fn an_unknown_item_refuses_the_file() {
    let bytes = with_row(
        3,
        "2026110300124,2026-11-03 14:30,盐龙街道,,路灯不亮,320903-XX-999,,",
    );
    assert_eq!(
        refused(&bytes, "csv"),
        ["第 3 行“事项编码”列：“320903-XX-999”不是权责清单中的事项编码"]
    );
    let bytes = with_row(
        3,
        "2026110300124,2026-11-03 14:30,盐龙街道,,路灯不亮,,路灯维护,",
    );
    assert_eq!(
        refused(&bytes, "csv"),
        ["第 3 行“事项名称”列：“路灯维护”不是权责清单中的事项名称"]
    );
    // Code and name of two different items.
    let bytes = with_row(
        3,
        "2026110300124,2026-11-03 14:30,盐龙街道,,路灯不亮,320903-CF-101,食品安全监督检查,",
    );
    assert_eq!(
        refused(&bytes, "csv"),
        ["第 3 行“事项名称”列：“食品安全监督检查”与事项编码“320903-CF-101”不是同一事项"]
    );
}

#[test]
fn an_unknown_urgency_refuses_the_file() {
    let bytes = with_row(
        3,
        "2026110300124,2026-11-03 14:30,盐龙街道,,路灯不亮,,,很急",
    );
    assert_eq!(
        refused(&bytes, "csv"),
        ["第 3 行“紧急程度”列：“很急”不是有效的紧急程度（应为紧急、水电气热、一般、复杂疑难，空白为一般）"]
    );
}

#[test]
fn a_duplicate_number_names_both_rows() {
    let bytes = with_row(4, "2026110300123,2026-11-03 15:00,大冈镇,,小区停水,,,");
    assert_eq!(
        refused(&bytes, "csv"),
        ["第 4 行“工单编号”列：与第 2 行重复（工单编号“2026110300123”）"]
    );
}

#[test]
fn empty_content_refuses_the_file() {
    let bytes = with_row(3, "2026110300124,2026-11-03 14:30,盐龙街道,,  ,,,");
    assert_eq!(refused(&bytes, "csv"), ["第 3 行“诉求内容”列：不能为空"]);
}

#[test]
fn every_bad_cell_of_every_row_is_listed() {
    let mut bytes = with_row(2, ",2026-11-03 25:00,潘黄街道,,东门餐饮店油烟直排,,,紧急");
    // Row 5 is blank (skipped); row 6 follows.
    bytes.extend_from_slice("\n2026110300126,2026-11-04 08:00,城南新区,,,,,一般".as_bytes());
    let err = import(&bytes, "csv").unwrap_err();
    let OrderImportError::Rows(errors) = &err else {
        panic!("rows expected: {err}");
    };
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        shown,
        [
            "第 2 行“工单编号”列：不能为空",
            "第 2 行“受理时间”列：“2026-11-03 25:00”不是有效的时间（应如“2026-11-03 09:15”）",
            "第 6 行“诉求内容”列：不能为空",
            "第 6 行“所属街镇”列：“城南新区”不是已知的镇、街道、园区、村或社区（应与区划名称一致）",
        ]
    );
    assert_eq!((errors[1].row, errors[1].column.as_str()), (2, "受理时间"));
    assert!(
        err.to_string().starts_with("共 4 处错误，未导入任何工单："),
        "{err}"
    );
}

#[test]
fn a_file_without_orders_or_columns_is_refused() {
    let header = CSV.lines().next().unwrap();
    let e = import(format!("{header}\n,,,,\n\n").as_bytes(), "csv").unwrap_err();
    assert!(matches!(e, OrderImportError::Empty), "{e}");
    assert_eq!(e.to_string(), "文件中没有工单（表头下没有数据行）");
    let e = import("工单编号,诉求内容\n1,漏水\n".as_bytes(), "csv").unwrap_err();
    assert!(matches!(e, OrderImportError::MissingColumns(_)), "{e}");
    assert!(
        e.to_string()
            .starts_with("表格缺少列：受理时间、所属街镇或诉求地点（"),
        "{e}"
    );
    let e = import(b"x", "txt").unwrap_err();
    assert!(matches!(e, OrderImportError::Sheet(_)), "{e}");
}

#[test]
fn the_template_round_trips_through_the_import() {
    let t = workorders::template();
    assert_eq!(t.headers, COLUMNS);
    let bytes = xlsx::workbook(&[&t]).unwrap().save_to_buffer().unwrap();
    let rows = import(&bytes, "xlsx").unwrap();
    assert_eq!(
        rows,
        [order(
            "2026110300123",
            "2026-11-03 09:15:00",
            XINYUAN,
            "新园社区东门一餐饮店油烟直排，气味很大，影响居民生活，请相关部门处理。",
            Some(FUMES),
            Urgency::General,
        )]
    );
}

#[test]
fn the_export_imports_back_to_the_same_rows() {
    let rows = csv_rows();
    let mut orders: Vec<WorkOrder> = rows.iter().cloned().map(WorkOrder::new).collect();
    orders[0].assignee = Some(UnitId(7));
    let unit = |u: UnitId| format!("单位{u}");
    let names = Names {
        place: &place_name,
        item: &item_names,
        unit: &unit,
    };
    let t = export_orders(&orders, &names);
    assert_eq!(t.rows.len(), 3);
    let bytes = xlsx::workbook(&[&t]).unwrap().save_to_buffer().unwrap();
    assert_eq!(import(&bytes, "xlsx").unwrap(), rows);
}

/// A 工单编号 too long for a number cell has lost digits: refused, as is a
/// formula.
#[test]
fn a_long_number_stored_as_a_number_and_a_formula_are_refused() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in COLUMNS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    ws.write_number(1, 0, 2026110300000001234.0).unwrap();
    ws.write_string(1, 1, "2026-11-03 09:15").unwrap();
    ws.write_string(1, 2, "潘黄街道").unwrap();
    ws.write_string(1, 4, "路灯不亮").unwrap();
    ws.write_string(2, 0, "2026110300124").unwrap();
    ws.write_string(2, 1, "2026-11-03 09:20").unwrap();
    ws.write_string(2, 2, "潘黄街道").unwrap();
    ws.write_formula(2, 4, "=\"路灯\"&\"不亮\"").unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    assert_eq!(
        refused(&bytes, "xlsx"),
        [
            "第 2 行“工单编号”列：工单编号存储为数字，可能已丢失末几位，请将该列设为文本后重新导出",
            "第 3 行“诉求内容”列：单元格是公式，请复制后“粘贴为数值”再导入",
        ]
    );
}
