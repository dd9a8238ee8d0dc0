//! The delegation batch and usage imports: xlsx written with rust_xlsxwriter,
//! csv in GBK and UTF-8, refusals whole with row, column and reason, the
//! templates read back.

use bianzhi_core::UnitId;
use bianzhi_grassroots::catalogue::ItemId;
use bianzhi_grassroots::delegation::{DelegationEntry, Mode};
use bianzhi_grassroots::evaluation::{Period, UsageRow};
use bianzhi_grassroots::territory::PlaceId;
use bianzhi_reports::delegations::{
    self, import_batch, import_batch_rows, import_usage, DelegationImportError, BATCH_COLUMNS,
    USAGE_COLUMNS,
};
use bianzhi_reports::xlsx;
use chrono::NaiveDate;
use rust_xlsxwriter::{ExcelDateTime, Format, Workbook};

const PANHUANG: PlaceId = PlaceId(1);
const YANLONG: PlaceId = PlaceId(2);
const DAGANG: PlaceId = PlaceId(3);

const CHECK: ItemId = ItemId(101);
const PUNISH: ItemId = ItemId(102);

const HEALTH: UnitId = UnitId(9);
const EDU: UnitId = UnitId(7);

fn place(name: &str) -> Option<PlaceId> {
    match name {
        "潘黄街道" => Some(PANHUANG),
        "盐龙街道" => Some(YANLONG),
        "大冈镇" => Some(DAGANG),
        _ => None,
    }
}

fn item(s: &str) -> Option<ItemId> {
    match s {
        "320903-JC-001" | "医疗机构执业监督检查" => Some(CHECK),
        "320903-CF-001" | "对学校违规招生的处罚" => Some(PUNISH),
        _ => None,
    }
}

fn unit(s: &str) -> Option<UnitId> {
    match s {
        "区卫生健康委员会" => Some(HEALTH),
        "区教育局" => Some(EDU),
        _ => None,
    }
}

fn d(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn batch(bytes: &[u8], ext: &str) -> Result<Vec<DelegationEntry>, DelegationImportError> {
    import_batch(bytes, ext, &item, &unit, &place)
}

fn usage(bytes: &[u8], ext: &str) -> Result<Vec<UsageRow>, DelegationImportError> {
    import_usage(bytes, ext, &item, &place)
}

fn messages(r: Result<impl std::fmt::Debug, DelegationImportError>) -> Vec<String> {
    match r {
        Ok(rows) => panic!("a bad file was imported: {rows:?}"),
        Err(DelegationImportError::Rows(errors)) => errors.iter().map(|e| e.to_string()).collect(),
        Err(e) => panic!("row errors expected: {e}"),
    }
}

const BATCH_CSV: &str = "事项编码,事项名称,原实施部门,承接单位,赋权方式,承接条件,生效日期,期限至\n\
320903-JC-001,,区卫生健康委员会,潘黄街道、盐龙街道,赋权,配备持证执法人员,2025-01-01,\n\
,对学校违规招生的处罚,区教育局,大冈镇；潘黄街道,委托,,2025/1/1,2026-12-31\n\
,,,,,,,\n\
320903-CF-001,对学校违规招生的处罚,区教育局,盐龙街道,交由,,2025年3月1日,\n";

fn batch_entries() -> Vec<DelegationEntry> {
    vec![
        DelegationEntry {
            item: CHECK,
            from: HEALTH,
            to: vec![PANHUANG, YANLONG],
            mode: Mode::Empower,
            conditions: "配备持证执法人员".into(),
            effective: d("2025-01-01"),
            chain_parent: None,
            until: None,
        },
        DelegationEntry {
            item: PUNISH,
            from: EDU,
            to: vec![DAGANG, PANHUANG],
            mode: Mode::Entrust,
            conditions: String::new(),
            effective: d("2025-01-01"),
            chain_parent: None,
            // 期限至 is the last day in force.
            until: Some(d("2027-01-01")),
        },
        DelegationEntry {
            item: PUNISH,
            from: EDU,
            to: vec![YANLONG],
            mode: Mode::Empower,
            conditions: String::new(),
            effective: d("2025-03-01"),
            chain_parent: None,
            until: None,
        },
    ]
}

#[test]
fn a_batch_csv_in_utf8_and_gbk_gives_the_entries_with_their_rows() {
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(BATCH_CSV);
    assert!(!unmappable);
    assert!(std::str::from_utf8(&gbk).is_err(), "really GBK");
    assert_eq!(batch(BATCH_CSV.as_bytes(), "csv").unwrap(), batch_entries());
    assert_eq!(batch(&gbk, "csv").unwrap(), batch_entries());
    let rows = import_batch_rows(&gbk, "csv", &item, &unit, &place).unwrap();
    let numbers: Vec<usize> = rows.iter().map(|(n, _)| *n).collect();
    assert_eq!(numbers, [2, 3, 5], "the blank row 4 is skipped");
}

/// A source's own sheet: a title line, other column names and order, an
/// ignored column, Excel date cells.
#[test]
fn a_batch_xlsx_with_a_title_and_date_cells_is_read() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    ws.write_string(0, 0, "盐都区首批赋予基层管理权限事项清单")
        .unwrap();
    let headers = [
        "序号",
        "赋权事项名称",
        "实施部门",
        "承接主体",
        "下放方式",
        "生效时间",
    ];
    for (c, h) in headers.iter().enumerate() {
        ws.write_string(1, c as u16, *h).unwrap();
    }
    let date = Format::new().set_num_format("yyyy-mm-dd");
    ws.write_number(2, 0, 1.0).unwrap();
    ws.write_string(2, 1, "医疗机构执业监督检查").unwrap();
    ws.write_string(2, 2, "区卫生健康委员会").unwrap();
    ws.write_string(2, 3, "潘黄街道，盐龙街道").unwrap();
    ws.write_string(2, 4, "赋权（交由）").unwrap();
    let dt = ExcelDateTime::from_ymd(2025, 1, 1).unwrap();
    ws.write_datetime_with_format(2, 5, &dt, &date).unwrap();
    let bytes = wb.save_to_buffer().unwrap();
    let mut want = batch_entries()[0].clone();
    want.conditions = String::new();
    assert_eq!(batch(&bytes, "xlsx").unwrap(), [want]);
}

/// [`BATCH_CSV`] with row `n` (1-based, the header is row 1) replaced.
fn batch_with(n: usize, line: &str) -> Vec<u8> {
    let mut lines: Vec<String> = BATCH_CSV.lines().map(str::to_owned).collect();
    lines[n - 1] = line.to_owned();
    lines.join("\n").into_bytes()
}

#[test]
fn an_unknown_item_or_a_mismatched_code_and_name_refuses_the_batch() {
    let bytes = batch_with(
        2,
        "320903-XX-999,,区卫生健康委员会,潘黄街道,赋权,,2025-01-01,",
    );
    assert_eq!(
        messages(batch(&bytes, "csv")),
        ["第 2 行“事项编码”列：“320903-XX-999”不是权责清单中的事项编码"]
    );
    let bytes = batch_with(
        2,
        "320903-JC-001,对学校违规招生的处罚,区卫生健康委员会,潘黄街道,赋权,,2025-01-01,",
    );
    assert_eq!(
        messages(batch(&bytes, "csv")),
        ["第 2 行“事项名称”列：“对学校违规招生的处罚”与事项编码“320903-JC-001”不是同一事项"]
    );
    let bytes = batch_with(2, ",,区卫生健康委员会,潘黄街道,赋权,,2025-01-01,");
    assert_eq!(
        messages(batch(&bytes, "csv")),
        ["第 2 行“事项编码”列：事项编码和事项名称不能都为空"]
    );
}

#[test]
fn an_unknown_department_refuses_the_batch() {
    let bytes = batch_with(2, "320903-JC-001,,区卫健委,潘黄街道,赋权,,2025-01-01,");
    assert_eq!(
        messages(batch(&bytes, "csv")),
        ["第 2 行“原实施部门”列：“区卫健委”不是已登记的单位（应与机构名称一致）"]
    );
}

#[test]
fn an_unknown_repeated_or_missing_place_refuses_the_batch() {
    let bytes = batch_with(
        2,
        "320903-JC-001,,区卫生健康委员会,潘黄街道、城南新区,赋权,,2025-01-01,",
    );
    assert_eq!(
        messages(batch(&bytes, "csv")),
        ["第 2 行“承接单位”列：“城南新区”不是已知的镇、街道或园区（应与区划名称一致）"]
    );
    let bytes = batch_with(
        2,
        "320903-JC-001,,区卫生健康委员会,潘黄街道;潘黄街道,赋权,,2025-01-01,",
    );
    assert_eq!(
        messages(batch(&bytes, "csv")),
        ["第 2 行“承接单位”列：“潘黄街道”重复"]
    );
    let bytes = batch_with(2, "320903-JC-001,,区卫生健康委员会, 、 ,赋权,,2025-01-01,");
    assert_eq!(
        messages(batch(&bytes, "csv")),
        ["第 2 行“承接单位”列：不能为空"]
    );
}

#[test]
fn an_unknown_mode_refuses_the_batch() {
    let bytes = batch_with(
        2,
        "320903-JC-001,,区卫生健康委员会,潘黄街道,授权,,2025-01-01,",
    );
    assert_eq!(
        messages(batch(&bytes, "csv")),
        ["第 2 行“赋权方式”列：“授权”不是有效的赋权方式（应为委托、赋权（交由）或下放）"]
    );
}

#[test]
fn a_bad_or_missing_date_and_a_term_before_the_start_refuse_the_batch() {
    let bytes = batch_with(
        2,
        "320903-JC-001,,区卫生健康委员会,潘黄街道,赋权,,2025-02-30,",
    );
    assert_eq!(
        messages(batch(&bytes, "csv")),
        ["第 2 行“生效日期”列：“2025-02-30”不是有效的日期（应如“2025-01-01”）"]
    );
    let bytes = batch_with(2, "320903-JC-001,,区卫生健康委员会,潘黄街道,赋权,,,");
    assert_eq!(
        messages(batch(&bytes, "csv")),
        ["第 2 行“生效日期”列：不能为空"]
    );
    let bytes = batch_with(
        2,
        "320903-JC-001,,区卫生健康委员会,潘黄街道,委托,,2025-01-01,2024-12-31",
    );
    assert_eq!(
        messages(batch(&bytes, "csv")),
        ["第 2 行“期限至”列：期限至 2024-12-31 早于生效日期 2025-01-01"]
    );
}

#[test]
fn every_bad_cell_of_every_row_is_listed_and_nothing_returned() {
    let mut bytes = batch_with(2, "320903-JC-001,,区卫健委,城南新区,授权,,2025-01-01,");
    bytes.extend_from_slice("\n320903-CF-001,,区教育局,大冈镇,委托,,明年,".as_bytes());
    let err = batch(&bytes, "csv").unwrap_err();
    let DelegationImportError::Rows(errors) = &err else {
        panic!("rows expected: {err}");
    };
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        shown,
        [
            "第 2 行“原实施部门”列：“区卫健委”不是已登记的单位（应与机构名称一致）",
            "第 2 行“承接单位”列：“城南新区”不是已知的镇、街道或园区（应与区划名称一致）",
            "第 2 行“赋权方式”列：“授权”不是有效的赋权方式（应为委托、赋权（交由）或下放）",
            "第 6 行“生效日期”列：“明年”不是有效的日期（应如“2025-01-01”）",
        ]
    );
    assert!(
        err.to_string().starts_with("共 4 处错误，未导入任何一行："),
        "{err}"
    );
}

#[test]
fn a_batch_without_rows_or_columns_is_refused() {
    let header = BATCH_CSV.lines().next().unwrap();
    let e = batch(format!("{header}\n,,,\n").as_bytes(), "csv").unwrap_err();
    assert!(matches!(e, DelegationImportError::Empty), "{e}");
    let e = batch(
        "事项编码,承接单位\n320903-JC-001,潘黄街道\n".as_bytes(),
        "csv",
    )
    .unwrap_err();
    assert!(
        e.to_string()
            .starts_with("表格缺少列：原实施部门、赋权方式、生效日期（"),
        "{e}"
    );
    let e = batch("原实施部门,承接单位,赋权方式,生效日期\n".as_bytes(), "csv").unwrap_err();
    assert!(
        e.to_string()
            .starts_with("表格缺少列：事项编码或事项名称（"),
        "{e}"
    );
}

#[test]
fn the_batch_template_round_trips_through_the_import() {
    let t = delegations::batch_template();
    assert_eq!(t.headers, BATCH_COLUMNS);
    let bytes = xlsx::workbook(&[&t]).unwrap().save_to_buffer().unwrap();
    let want = DelegationEntry {
        conditions: "配备持证执法人员2名以上，完成业务培训".into(),
        ..batch_entries()[0].clone()
    };
    assert_eq!(batch(&bytes, "xlsx").unwrap(), [want]);
}

const USAGE_CSV: &str = "事项编码,事项名称,镇（街道、园区）,起始日期,截止日期,使用次数\n\
320903-JC-001,,潘黄街道,2025-01-01,2025-03-31,12\n\
,对学校违规招生的处罚,大冈镇,2025/1/1,2025/3/31,0\n\
320903-JC-001,医疗机构执业监督检查,盐龙街道,2025-01-01,2025-12-31,3\n";

fn period(a: &str, b: &str) -> Period {
    Period {
        start: d(a),
        end: d(b),
    }
}

fn usage_rows() -> Vec<UsageRow> {
    vec![
        UsageRow {
            item: CHECK,
            town: PANHUANG,
            period: period("2025-01-01", "2025-04-01"),
            count: 12,
        },
        UsageRow {
            item: PUNISH,
            town: DAGANG,
            period: period("2025-01-01", "2025-04-01"),
            count: 0,
        },
        UsageRow {
            item: CHECK,
            town: YANLONG,
            period: period("2025-01-01", "2026-01-01"),
            count: 3,
        },
    ]
}

/// 截止日期 is inclusive: the core's period ends the day after.
#[test]
fn usage_csv_in_utf8_and_gbk_gives_rows_with_end_exclusive_periods() {
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(USAGE_CSV);
    assert!(!unmappable);
    assert_eq!(usage(USAGE_CSV.as_bytes(), "csv").unwrap(), usage_rows());
    assert_eq!(usage(&gbk, "csv").unwrap(), usage_rows());
}

/// [`USAGE_CSV`] with row `n` replaced.
fn usage_with(n: usize, line: &str) -> Vec<u8> {
    let mut lines: Vec<String> = USAGE_CSV.lines().map(str::to_owned).collect();
    lines[n - 1] = line.to_owned();
    lines.join("\n").into_bytes()
}

#[test]
fn a_negative_fractional_or_blank_count_refuses_the_usage() {
    let bytes = usage_with(2, "320903-JC-001,,潘黄街道,2025-01-01,2025-03-31,-1");
    assert_eq!(
        messages(usage(&bytes, "csv")),
        ["第 2 行“使用次数”列：“-1”不是非负整数"]
    );
    let bytes = usage_with(2, "320903-JC-001,,潘黄街道,2025-01-01,2025-03-31,2.5");
    assert_eq!(
        messages(usage(&bytes, "csv")),
        ["第 2 行“使用次数”列：“2.5”不是非负整数"]
    );
    let bytes = usage_with(2, "320903-JC-001,,潘黄街道,2025-01-01,2025-03-31,");
    assert_eq!(
        messages(usage(&bytes, "csv")),
        ["第 2 行“使用次数”列：不能为空"]
    );
}

#[test]
fn a_number_count_cell_is_read_and_a_fraction_refused() {
    let mut wb = Workbook::new();
    let ws = wb.add_worksheet();
    for (c, h) in USAGE_COLUMNS.iter().enumerate() {
        ws.write_string(0, c as u16, *h).unwrap();
    }
    for (r, n) in [(1u32, 7.0), (2, 1.5)] {
        ws.write_string(r, 0, "320903-JC-001").unwrap();
        ws.write_string(
            r,
            2,
            if r == 1 {
                "潘黄街道"
            } else {
                "盐龙街道"
            },
        )
        .unwrap();
        ws.write_string(r, 3, "2025-04-01").unwrap();
        ws.write_string(r, 4, "2025-06-30").unwrap();
        ws.write_number(r, 5, n).unwrap();
    }
    let bytes = wb.save_to_buffer().unwrap();
    assert_eq!(
        messages(usage(&bytes, "xlsx")),
        ["第 3 行“使用次数”列：“1.5”不是非负整数"]
    );
}

#[test]
fn an_end_before_the_start_or_a_bad_date_refuses_the_usage() {
    let bytes = usage_with(2, "320903-JC-001,,潘黄街道,2025-04-01,2025-03-31,1");
    assert_eq!(
        messages(usage(&bytes, "csv")),
        ["第 2 行“截止日期”列：截止日期 2025-03-31 早于起始日期 2025-04-01"]
    );
    let bytes = usage_with(2, "320903-JC-001,,潘黄街道,一季度,2025-03-31,1");
    assert_eq!(
        messages(usage(&bytes, "csv")),
        ["第 2 行“起始日期”列：“一季度”不是有效的日期（应如“2025-01-01”）"]
    );
}

#[test]
fn an_unknown_place_or_item_refuses_the_usage() {
    let bytes = usage_with(2, "320903-JC-001,,城南新区,2025-01-01,2025-03-31,1");
    assert_eq!(
        messages(usage(&bytes, "csv")),
        ["第 2 行“镇（街道、园区）”列：“城南新区”不是已知的镇、街道或园区（应与区划名称一致）"]
    );
    let bytes = usage_with(2, ",路灯维护,潘黄街道,2025-01-01,2025-03-31,1");
    assert_eq!(
        messages(usage(&bytes, "csv")),
        ["第 2 行“事项名称”列：“路灯维护”不是权责清单中的事项名称"]
    );
}

#[test]
fn the_same_item_place_and_period_twice_names_both_rows() {
    let bytes = usage_with(4, "320903-JC-001,,潘黄街道,2025-01-01,2025-03-31,5");
    assert_eq!(
        messages(usage(&bytes, "csv")),
        ["第 4 行“镇（街道、园区）”列：与第 2 行重复（同一事项、镇（街道、园区）和期间）"]
    );
}

#[test]
fn the_usage_template_round_trips_through_the_import() {
    let t = delegations::usage_template();
    assert_eq!(t.headers, USAGE_COLUMNS);
    let bytes = xlsx::workbook(&[&t]).unwrap().save_to_buffer().unwrap();
    assert_eq!(usage(&bytes, "xlsx").unwrap(), [usage_rows()[0]]);
}
