//! The 权责清单 import and export: sheets written with the crate's xlsx
//! writer and read back with its guarded reader.

use bianzhi_core::UnitId;
use bianzhi_grassroots::catalogue::{
    Catalogue, CodeSource, Item, ItemId, Level, PowerType, TimeLimit,
};
use bianzhi_reports::catalogue::{
    self, as_changes, export_catalogue, import_catalogue, parse_catalogue, CatalogueImportError,
    COLUMNS,
};
use bianzhi_reports::xlsx::{self, Limits};
use bianzhi_reports::{Cell, Table};
use chrono::NaiveDate;

const MARKET: UnitId = UnitId(7);
const HEALTH: UnitId = UnitId(9);

fn holders(name: &str) -> Option<UnitId> {
    match name {
        "区市场监督管理局" => Some(MARKET),
        "区卫生健康委员会" => Some(HEALTH),
        _ => None,
    }
}

fn holder_name(u: UnitId) -> String {
    match u {
        MARKET => "区市场监督管理局".into(),
        HEALTH => "区卫生健康委员会".into(),
        _ => format!("单位{u}"),
    }
}

fn date(s: &str) -> NaiveDate {
    s.parse().unwrap()
}

/// A county's sheet: a title line above the header, the columns in their
/// own order and under other names (权力类型, 责任单位, 办结时限).
const HEADERS: [&str; 11] = [
    "序号",
    "责任单位",
    "事项编码",
    "事项名称",
    "子项名称",
    "权力类型",
    "设定依据",
    "责任事项",
    "追责情形",
    "办结时限",
    "行使层级",
];

/// One row in [`HEADERS`]' order: 编码, 名称, 子项, 类型, 依据, 主体, 责任事项,
/// 追责情形, 时限, 层级.
#[allow(clippy::too_many_arguments)]
fn row(
    serial: &str,
    code: &str,
    name: &str,
    sub: &str,
    ptype: &str,
    basis: &str,
    holder: &str,
    duties: &str,
    acc: &str,
    limit: &str,
    level: &str,
) -> Vec<Cell> {
    [
        serial, holder, code, name, sub, ptype, basis, duties, acc, limit, level,
    ]
    .iter()
    .map(|s| {
        if s.is_empty() {
            Cell::Empty
        } else {
            Cell::text(*s)
        }
    })
    .collect()
}

/// The xlsx bytes of `rows` under [`HEADERS`], with a title line and a blank
/// line above the header (so the header is row 3 and data start at row 4).
fn county_xlsx(rows: Vec<Vec<Cell>>) -> Vec<u8> {
    let mut t = Table::new("权责清单", &HEADERS);
    t.rows = rows;
    let heading = ["盐城市盐都区权责清单（2024年版）".to_owned()];
    xlsx::workbook_headed(&[(&t, &heading[..])])
        .unwrap()
        .save_to_buffer()
        .unwrap()
}

const MARKET_NAME: &str = "区市场监督管理局";
const HEALTH_NAME: &str = "区卫生健康委员会";

fn good_rows() -> Vec<Vec<Cell>> {
    vec![
        // Row 4.
        row(
            "1",
            "320903-XK-001",
            "食品经营许可",
            "",
            "行政许可",
            "《中华人民共和国食品安全法》第三十五条",
            MARKET_NAME,
            "1.受理责任：公示许可条件，依法受理或不予受理。2.审查责任：审查申请材料（时限：10个工作日）。3.决定责任：作出准予或不予许可的决定",
            "1、对符合法定条件的申请不予受理的\n2、对不符合法定条件的申请人准予许可的",
            "20个工作日",
            "县级",
        ),
        // Row 5.
        row(
            "2",
            "320903-CF-001",
            "对未取得食品经营许可从事食品经营活动的处罚",
            "",
            "行政处罚",
            "《中华人民共和国食品安全法》第一百二十二条",
            MARKET_NAME,
            "立案责任：发现违法行为，予以审查，决定是否立案",
            "不履行或者无正当理由拖延履行职责的",
            "",
            "区级",
        ),
        // Row 6: a 主项 …
        row(
            "3",
            "320903-JC-001",
            "食品安全监督检查",
            "",
            "行政检查",
            "《中华人民共和国食品安全法》第一百一十条",
            MARKET_NAME,
            "",
            "",
            "",
            "县级",
        ),
        // Row 7: … a 子项 written with merged cells (blank 编码, 名称, 类型,
        // 主体, 依据, 层级: the 主项's) …
        row(
            "3.1",
            "",
            "",
            "食品生产环节监督检查",
            "",
            "",
            "",
            "",
            "",
            "15日",
            "",
        ),
        // Row 8: … and one written out in full.
        row(
            "3.2",
            "320903-JC-001",
            "食品安全监督检查",
            "食品经营环节监督检查",
            "行政检查",
            "《食品生产经营监督检查管理办法》第八条",
            MARKET_NAME,
            "",
            "",
            "15日",
            "4",
        ),
        // Row 9: 行政强制 by its code in the 政务服务 table (03).
        row(
            "4",
            "320903-QZ-001",
            "查封、扣押不符合食品安全标准的食品",
            "",
            "03",
            "《中华人民共和国食品安全法》第一百一十条",
            MARKET_NAME,
            "",
            "",
            "",
            "县级",
        ),
        // Row 10: blank (skipped).
        row("", "", "", "", "", "", "", "", "", "", ""),
        // Row 11.
        row(
            "5",
            "320903-XK-002",
            "医疗机构执业登记",
            "",
            "许可",
            "《医疗机构管理条例》第十五条",
            HEALTH_NAME,
            "",
            "",
            "45日",
            "县级",
        ),
        // Row 12.
        row(
            "6",
            "320903-CF-002",
            "对医疗机构使用非卫生技术人员从事医疗卫生技术工作的处罚",
            "",
            "处罚",
            "《医疗机构管理条例》第四十七条",
            HEALTH_NAME,
            "",
            "",
            "",
            "县级",
        ),
        // Row 13.
        row(
            "7",
            "320903-JL-001",
            "对在突发事件应急处理中作出贡献的人员的表彰奖励",
            "",
            "行政奖励",
            "《突发公共卫生事件应急条例》第九条",
            HEALTH_NAME,
            "",
            "",
            "",
            "4",
        ),
        // Row 14: 公共服务 by its code (20), exercised by towns.
        row(
            "8",
            "320903-GG-001",
            "预防接种证查验",
            "",
            "20",
            "《中华人民共和国疫苗管理法》第四十八条",
            HEALTH_NAME,
            "",
            "",
            "即办",
            "镇（乡、街道）级",
        ),
    ]
}

fn parse(bytes: &[u8]) -> Result<Vec<Item>, CatalogueImportError> {
    import_catalogue(
        bytes,
        "xlsx",
        None,
        &holders,
        CodeSource::GovService,
        ItemId(100),
    )
}

fn good_items() -> Vec<Item> {
    parse(&county_xlsx(good_rows())).unwrap()
}

#[test]
fn a_county_sheet_parses_and_the_catalogue_records_it() {
    let items = good_items();
    assert_eq!(items.len(), 10);
    let ids: Vec<u32> = items.iter().map(|i| i.id.0).collect();
    assert_eq!(ids, (100..110).collect::<Vec<_>>());

    let licence = &items[0];
    assert_eq!(licence.code, "320903-XK-001");
    assert_eq!(licence.power_type, PowerType::Licensing);
    assert_eq!(licence.holder, MARKET);
    assert_eq!(licence.level, Level::County);
    assert_eq!(licence.time_limit, Some(TimeLimit::working_days(20)));
    let stages: Vec<&str> = licence.duties.iter().map(|d| d.stage.as_str()).collect();
    assert_eq!(stages, ["受理责任", "审查责任", "决定责任"]);
    assert_eq!(licence.duties[1].text, "审查申请材料");
    assert_eq!(
        licence.duties[1].time_limit,
        Some(TimeLimit::working_days(10))
    );
    assert_eq!(
        licence.accountability,
        [
            "对符合法定条件的申请不予受理的",
            "对不符合法定条件的申请人准予许可的"
        ]
    );

    // 区级 is 县级; a blank 办理时限 is none.
    assert_eq!(items[1].level, Level::County);
    assert_eq!(items[1].time_limit, None);
    assert_eq!(items[1].duties.len(), 1);
    assert_eq!(items[1].duties[0].stage, "立案责任");

    // The 主项 and its two 子项, which keep its 编码.
    let main = &items[2];
    assert_eq!(main.parent, None);
    let (a, b) = (&items[3], &items[4]);
    assert_eq!(a.parent, Some(main.id));
    assert_eq!(b.parent, Some(main.id));
    assert_eq!(a.name, "食品生产环节监督检查");
    assert_eq!(b.name, "食品经营环节监督检查");
    assert_eq!(a.code, main.code);
    // The merged cells are the 主项's.
    assert_eq!(a.power_type, PowerType::Inspection);
    assert_eq!(a.holder, MARKET);
    assert_eq!(a.basis, main.basis);
    assert_eq!(a.time_limit, Some(TimeLimit::days(15)));
    assert_eq!(b.basis, "《食品生产经营监督检查管理办法》第八条");
    assert_eq!(b.level, Level::County);

    // Codes of the source's table; short names.
    assert_eq!(items[5].power_type, PowerType::Coercion);
    assert_eq!(items[6].power_type, PowerType::Licensing);
    assert_eq!(items[6].holder, HEALTH);
    assert_eq!(items[7].power_type, PowerType::Penalty);
    assert_eq!(items[8].power_type, PowerType::Reward);
    assert_eq!(items[9].power_type, PowerType::PublicService);
    assert_eq!(items[9].level, Level::Town);
    assert_eq!(items[9].time_limit, Some(TimeLimit::working_days(0)));

    let mut cat = Catalogue::new();
    let seqs = cat
        .record_all(
            "盐都政办〔2024〕12号",
            as_changes(items.clone(), date("2024-03-01")),
        )
        .unwrap();
    assert_eq!(seqs, 0..10);
    let in_force = cat.as_of(date("2024-03-01"));
    assert_eq!(in_force.len(), 10);
    assert_eq!(in_force.values().cloned().collect::<Vec<_>>(), items);
    assert_eq!(cat.children_at(main.id, date("2024-03-01")), [a.id, b.id]);
    assert!(cat.as_of(date("2024-02-29")).is_empty());
}

/// The same codes of another source's table mean other types.
#[test]
fn numeric_types_are_read_in_the_sources_table() {
    let bytes = county_xlsx(good_rows());
    let zj = import_catalogue(
        &bytes,
        "xlsx",
        None,
        &holders,
        CodeSource::ZhejiangQlKind,
        ItemId(1),
    );
    // 03 is 行政处罚 there, and 20 is not in the table.
    let CatalogueImportError::Rows(errors) = zj.unwrap_err() else {
        panic!("rows expected");
    };
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        shown,
        ["第 14 行“权力类型”列：“20”不是浙江政务服务网权力类型（qlKind）中的职权类型代码"]
    );
}

#[test]
fn a_sheet_with_bad_rows_is_refused_whole_with_every_row_and_column() {
    let mut rows = good_rows();
    // Row 5: a type nobody has.
    rows[1][5] = Cell::text("行政许诺");
    // Row 9: a department the ledger does not know.
    rows[5][1] = Cell::text("区不存在局");
    // Row 12: a time limit without a unit.
    rows[8][9] = Cell::text("二十天");
    let bytes = county_xlsx(rows);
    let mut cat = Catalogue::new();
    let err = match parse(&bytes) {
        Ok(items) => {
            cat.record_all(
                "盐都政办〔2024〕12号",
                as_changes(items, date("2024-03-01")),
            )
            .unwrap();
            panic!("a bad sheet was imported");
        }
        Err(e) => e,
    };
    let CatalogueImportError::Rows(errors) = &err else {
        panic!("rows expected: {err}");
    };
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        shown,
        [
            "第 5 行“权力类型”列：“行政许诺”不是已知的职权类型",
            "第 9 行“责任单位”列：“区不存在局”不是已知的部门（应与机构名称一致）",
            "第 12 行“办结时限”列：“二十天”不是有效的时限（应如“20个工作日”“15日”“2小时”或“即办”）",
        ]
    );
    assert_eq!((errors[0].row, errors[0].column.as_str()), (5, "权力类型"));
    let text = err.to_string();
    assert!(text.starts_with("共 3 处错误，未导入任何事项："), "{text}");
    assert!(cat.entries().is_empty());
}

#[test]
fn duplicates_orphans_and_blanks_are_named_with_their_rows() {
    let mut rows = good_rows();
    // Row 13 repeats row 11's 编码 as a 主项.
    rows[9][2] = Cell::text("320903-XK-002");
    // Row 8 repeats row 7's 子项.
    rows[4][4] = Cell::text("食品生产环节监督检查");
    // Row 15: a 子项 with no 主项 above it.
    rows.push(row(
        "9",
        "320903-ZZ-009",
        "",
        "某子项",
        "行政确认",
        "",
        HEALTH_NAME,
        "",
        "",
        "",
        "",
    ));
    // Row 16: a 主项 without a name, with a bad 行使层级.
    rows.push(row(
        "10",
        "320903-ZZ-010",
        "",
        "",
        "行政确认",
        "",
        HEALTH_NAME,
        "",
        "",
        "",
        "乡级以上",
    ));
    let CatalogueImportError::Rows(errors) = parse(&county_xlsx(rows)).unwrap_err() else {
        panic!("rows expected");
    };
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        shown,
        [
            "第 8 行“事项编码”列：与第 7 行重复（事项编码“320903-JC-001”、子项名称“食品生产环节监督检查”）",
            "第 13 行“事项编码”列：与第 11 行重复（事项编码“320903-XK-002”）",
            "第 15 行“子项名称”列：子项上方没有事项编码为“320903-ZZ-009”的主项行（主项行的子项名称为空，应在其子项之前）",
            "第 16 行“事项名称”列：不能为空",
            "第 16 行“行使层级”列：“乡级以上”不是有效的行使层级（应为国家级、省级、市级、县级、镇（乡、街道）级、村（社区）级或代码 1–6）",
        ]
    );
}

#[test]
fn a_sheet_without_the_columns_is_refused() {
    let t = Table::new("清单", &["序号", "名称", "部门"]);
    let bytes = xlsx::workbook(&[&t]).unwrap().save_to_buffer().unwrap();
    let err = parse(&bytes).unwrap_err();
    let CatalogueImportError::MissingColumns(missing) = &err else {
        panic!("missing columns expected: {err}");
    };
    assert_eq!(missing, &["事项编码", "事项名称", "职权类型", "实施主体"]);
    assert!(err
        .to_string()
        .starts_with("表格缺少列：事项编码、事项名称、职权类型、实施主体"));
}

#[test]
fn an_export_imports_back_to_the_same_items() {
    let items = good_items();
    let table = export_catalogue(&items, &holder_name);
    assert_eq!(table.headers, COLUMNS);
    assert_eq!(table.rows.len(), 10);
    // The 子项 rows name the 主项 and the 子项.
    assert_eq!(table.rows[3][2], Cell::text("食品安全监督检查"));
    assert_eq!(table.rows[3][3], Cell::Empty);
    assert_eq!(table.rows[3][4], Cell::text("食品生产环节监督检查"));
    assert_eq!(table.rows[0][10], Cell::text("20个工作日"));
    assert_eq!(table.rows[9][10], Cell::text("即办"));
    let bytes = xlsx::workbook(&[&table]).unwrap().save_to_buffer().unwrap();
    let sheet = xlsx::read_bytes_with(&bytes, "xlsx", None, &Limits::upload()).unwrap();
    assert_eq!(sheet.headers, COLUMNS);
    let back = parse_catalogue(&sheet, &holders, CodeSource::GovService, ItemId(100)).unwrap();
    assert_eq!(back, items);
    // And once more: the export of the import is the same table.
    assert_eq!(export_catalogue(&back, &holder_name), table);
}

#[test]
fn the_template_parses_as_an_empty_catalogue() {
    let t = catalogue::template();
    assert_eq!(t.headers, COLUMNS);
    assert_eq!(t.rows.len(), 1);
    let bytes = xlsx::workbook(&[&t]).unwrap().save_to_buffer().unwrap();
    let sheet = xlsx::read_bytes_with(&bytes, "xlsx", None, &Limits::upload()).unwrap();
    assert_eq!(sheet.headers, COLUMNS);
    // The example row is skipped.
    let items = parse_catalogue(&sheet, &holders, CodeSource::GovService, ItemId(1)).unwrap();
    assert!(items.is_empty());
    // Filled in as the example shows, it imports.
    let mut filled = t.clone();
    filled.rows[0][0] = Cell::text("1");
    let bytes = xlsx::workbook(&[&filled])
        .unwrap()
        .save_to_buffer()
        .unwrap();
    let items = parse(&bytes).unwrap();
    assert_eq!(items.len(), 1);
    assert_eq!(items[0].name, "食品经营许可");
    assert_eq!(items[0].duties.len(), 3);
    assert_eq!(
        items[0].duties[1].time_limit,
        Some(TimeLimit::working_days(10))
    );
}

/// A sheet in the template's columns: a 子项 with its own code gives it in
/// 子项编码; a 主项 row may not have one.
fn template_xlsx(rows: &[[&str; 12]]) -> Vec<u8> {
    let mut t = Table::new("权责清单", &COLUMNS);
    for r in rows {
        t.rows.push(
            r.iter()
                .map(|s| {
                    if s.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::text(*s)
                    }
                })
                .collect(),
        );
    }
    xlsx::workbook(&[&t]).unwrap().save_to_buffer().unwrap()
}

#[test]
fn a_sub_item_with_its_own_code_keeps_it_and_exports_back() {
    let m = MARKET_NAME;
    let rows = [
        [
            "1",
            "XK00001000",
            "特种设备使用登记",
            "",
            "",
            "行政许可",
            "《特种设备安全法》第三十三条",
            m,
            "",
            "",
            "15个工作日",
            "县级",
        ],
        [
            "1.1",
            "XK00001000",
            "",
            "XK00001001",
            "锅炉使用登记",
            "",
            "",
            "",
            "",
            "",
            "",
            "",
        ],
        [
            "1.2",
            "XK00001000",
            "",
            "",
            "电梯使用登记",
            "",
            "",
            "",
            "",
            "",
            "5个工作日",
            "",
        ],
    ];
    let items = parse(&template_xlsx(&rows)).unwrap();
    assert_eq!(items.len(), 3);
    assert_eq!(items[1].code, "XK00001001");
    assert_eq!(items[1].parent, Some(items[0].id));
    assert_eq!(items[1].time_limit, None);
    assert_eq!(items[2].code, "XK00001000");
    assert_eq!(items[2].time_limit, Some(TimeLimit::working_days(5)));

    let table = export_catalogue(&items, &holder_name);
    assert_eq!(table.rows[1][1], Cell::text("XK00001000"));
    assert_eq!(table.rows[1][3], Cell::text("XK00001001"));
    assert_eq!(table.rows[2][3], Cell::Empty);
    let bytes = xlsx::workbook(&[&table]).unwrap().save_to_buffer().unwrap();
    assert_eq!(parse(&bytes).unwrap(), items);

    let mut bad = rows;
    bad[0][3] = "XK00001009";
    let CatalogueImportError::Rows(errors) = parse(&template_xlsx(&bad)).unwrap_err() else {
        panic!("rows expected");
    };
    let shown: Vec<String> = errors.iter().map(|e| e.to_string()).collect();
    assert_eq!(
        shown,
        ["第 2 行“子项编码”列：主项行（子项名称为空）不应填写子项编码“XK00001009”"]
    );
}

/// A csv upload, with other sources' column names and other ways of writing
/// the 时限 and the 层级.
#[test]
fn a_csv_with_other_column_names_imports() {
    let csv = "事项名称,职权类别,实施机关,权力编码,法定办结时限,层级,备注\n\
        对占道经营的处罚,行政处罚,区市场监督管理局,CF-1,2小时,镇级,\n\
        应急处置,行政强制,区市场监督管理局,QZ-1,30分钟,5,\n\
        ,,,,,,只有备注的行\n\
        投诉举报处理,公共服务,区卫生健康委员会,GG-1,10天内,村（社区）级,\n\
        执业注册,许可,区卫生健康委员会,XK-1,5个自然日,市级,\n";
    let items = import_catalogue(
        csv.as_bytes(),
        "csv",
        None,
        &holders,
        CodeSource::GovService,
        ItemId(1),
    )
    .unwrap();
    let got: Vec<(&str, PowerType, Option<TimeLimit>, Level)> = items
        .iter()
        .map(|i| (i.code.as_str(), i.power_type, i.time_limit, i.level))
        .collect();
    assert_eq!(
        got,
        [
            (
                "CF-1",
                PowerType::Penalty,
                Some(TimeLimit::hours(2)),
                Level::Town
            ),
            (
                "QZ-1",
                PowerType::Coercion,
                Some(TimeLimit::minutes(30)),
                Level::Town
            ),
            (
                "GG-1",
                PowerType::PublicService,
                Some(TimeLimit::days(10)),
                Level::Village
            ),
            (
                "XK-1",
                PowerType::Licensing,
                Some(TimeLimit::days(5)),
                Level::City
            ),
        ]
    );
    // Errors name the file's own headers and the csv's row numbers.
    let bad = csv.replace("执业注册,许可", "执业注册,许可证");
    let CatalogueImportError::Rows(errors) = import_catalogue(
        bad.as_bytes(),
        "csv",
        None,
        &holders,
        CodeSource::GovService,
        ItemId(1),
    )
    .unwrap_err() else {
        panic!("rows expected");
    };
    assert_eq!(
        errors.iter().map(|e| e.to_string()).collect::<Vec<_>>(),
        ["第 6 行“职权类别”列：“许可证”不是已知的职权类型"]
    );
}
