//! The 综合行政执法事项目录 import: the export read back, the template,
//! and one refusal per bad-cell rule, each naming row, column and reason.

use bianzhi_core::UnitId;
use bianzhi_grassroots::catalogue::{Catalogue, CodeSource, ItemId};
use bianzhi_grassroots::{Domain, Enforcement, EnforcementItem};
use bianzhi_reports::catalogue::{as_changes, parse_catalogue};
use bianzhi_reports::enforcement::{
    export_enforcement, import_enforcement, template, EnforcementImportError, Resolvers, COLUMNS,
};
use bianzhi_reports::{xlsx, Cell, Table};

const MARKET: UnitId = UnitId(7);
const ECOLOGY: UnitId = UnitId(8);

fn unit(name: &str) -> Option<UnitId> {
    match name {
        "区市场监督管理局" => Some(MARKET),
        "区生态环境局" => Some(ECOLOGY),
        _ => None,
    }
}

fn unit_name(u: UnitId) -> String {
    match u {
        MARKET => "区市场监督管理局".into(),
        _ => "区生态环境局".into(),
    }
}

fn bytes(t: &Table) -> Vec<u8> {
    xlsx::workbook(&[t]).unwrap().save_to_buffer().unwrap()
}

/// A 权责清单 of four items: a 许可 (101), a 处罚 (102), a 强制 (103) and a
/// 检查 (104).
fn catalogue() -> Catalogue {
    let cols = ["事项编码", "事项名称", "职权类型", "设定依据", "实施主体"];
    let mut t = Table::new("权责清单", &cols);
    for r in [
        [
            "320903-XK-001",
            "食品经营许可",
            "行政许可",
            "《食品安全法》第三十五条",
            "区市场监督管理局",
        ],
        [
            "320903-CF-001",
            "对未取得食品经营许可从事食品经营活动的处罚",
            "行政处罚",
            "《食品安全法》第一百二十二条",
            "区市场监督管理局",
        ],
        [
            "320903-QZ-001",
            "查封扣押不符合食品安全标准的食品",
            "行政强制",
            "《食品安全法》第一百一十条",
            "区市场监督管理局",
        ],
        [
            "320903-JC-002",
            "对排污单位的现场检查",
            "行政检查",
            "《环境保护法》第二十四条",
            "区生态环境局",
        ],
    ] {
        t.rows.push(r.iter().map(|c| Cell::text(*c)).collect());
    }
    let sheet = xlsx::read_bytes(&bytes(&t), "xlsx", None).unwrap();
    let items = parse_catalogue(&sheet, &unit, CodeSource::GovService, ItemId(101)).unwrap();
    let mut c = Catalogue::new();
    c.record_all(
        "盐政办〔2021〕15号",
        as_changes(items, "2021-07-01".parse().unwrap()),
    )
    .unwrap();
    c
}

fn item_names(c: &Catalogue, i: ItemId) -> (String, String) {
    let x = c.item_at(i, "2022-01-01".parse().unwrap()).unwrap();
    (x.code.clone(), x.name.clone())
}

fn import(
    c: &Catalogue,
    into: &Enforcement,
    rows: &[[&str; 6]],
) -> Result<Vec<EnforcementItem>, EnforcementImportError> {
    let mut t = Table::new("综合行政执法事项目录", &COLUMNS);
    for r in rows {
        t.rows.push(
            r.iter()
                .map(|c| {
                    if c.is_empty() {
                        Cell::Empty
                    } else {
                        Cell::text(*c)
                    }
                })
                .collect(),
        );
    }
    import_with(c, into, &bytes(&t))
}

fn import_with(
    c: &Catalogue,
    into: &Enforcement,
    data: &[u8],
) -> Result<Vec<EnforcementItem>, EnforcementImportError> {
    let date = "2022-01-01".parse().unwrap();
    let item = |s: &str| {
        let items = c.as_of(date);
        items
            .values()
            .find(|i| i.code == s)
            .or_else(|| items.values().find(|i| i.name == s))
            .map(|i| i.id)
    };
    import_enforcement(
        data,
        "xlsx",
        &Resolvers {
            item: &item,
            unit: &unit,
            catalogue: c,
            into,
        },
    )
}

const PENALTY: [&str; 6] = [
    "320903-CF-001",
    "",
    "区市场监督管理局",
    "市场监管",
    "《食品安全法》第一百二十二条",
    "否",
];
const COERCION: [&str; 6] = [
    "",
    "查封扣押不符合食品安全标准的食品",
    "区市场监督管理局",
    "市场监管",
    "《食品安全法》第一百一十条",
    "是",
];
const CHECK: [&str; 6] = [
    "320903-JC-002",
    "对排污单位的现场检查",
    "区生态环境局",
    "生态环境",
    "《环境保护法》第二十四条",
    "",
];

/// The messages of a refused import.
fn refused(rows: &[[&str; 6]]) -> Vec<String> {
    match import(&catalogue(), &Enforcement::new(), rows) {
        Ok(l) => panic!("a bad file was imported: {l:?}"),
        Err(EnforcementImportError::Rows(e)) => e.iter().map(|e| e.to_string()).collect(),
        Err(e) => panic!("row errors expected: {e}"),
    }
}

#[test]
fn an_export_imports_back_to_the_same_lines() {
    let c = catalogue();
    let lines = import(&c, &Enforcement::new(), &[PENALTY, COERCION, CHECK]).unwrap();
    assert_eq!(
        lines,
        vec![
            EnforcementItem {
                item: ItemId(102),
                original: MARKET,
                basis: "《食品安全法》第一百二十二条".into(),
                domain: Domain::MarketRegulation,
                includes_coercion: false,
            },
            EnforcementItem {
                item: ItemId(103),
                original: MARKET,
                basis: "《食品安全法》第一百一十条".into(),
                domain: Domain::MarketRegulation,
                includes_coercion: true,
            },
            EnforcementItem {
                item: ItemId(104),
                original: ECOLOGY,
                basis: "《环境保护法》第二十四条".into(),
                domain: Domain::Environment,
                includes_coercion: false,
            },
        ]
    );
    let t = export_enforcement(&lines, &|i| item_names(&c, i), &unit_name);
    assert_eq!(
        import_with(&c, &Enforcement::new(), &bytes(&t)).unwrap(),
        lines
    );
    // Into a catalogue holding them already, the same file is refused whole.
    let mut e = Enforcement::new();
    e.catalogue_item(&c, lines[0].clone()).unwrap();
    match import_with(&c, &e, &bytes(&t)) {
        Err(EnforcementImportError::Rows(r)) => {
            assert_eq!(r.len(), 1);
            assert_eq!(
                r[0].to_string(),
                "第 2 行“事项编码”列：“320903-CF-001”已在综合执法目录中"
            );
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_template_has_the_columns_and_its_example_is_skipped() {
    let t = template();
    assert_eq!(t.headers, COLUMNS.map(String::from).to_vec());
    assert!(matches!(
        import_with(&catalogue(), &Enforcement::new(), &bytes(&t)),
        Err(EnforcementImportError::Empty)
    ));
}

#[test]
fn other_column_names_and_a_title_line_are_read() {
    let mut t = Table::new(
        "目录",
        &[
            "序号",
            "权力名称",
            "原执法部门",
            "领域",
            "法定依据",
            "是否含行政强制",
        ],
    );
    t.rows.push(
        [
            "1",
            "对排污单位的现场检查",
            "区生态环境局",
            "生态环境领域",
            "《环境保护法》",
            "否",
        ]
        .iter()
        .map(|c| Cell::text(*c))
        .collect(),
    );
    let heading = ["盐都区综合行政执法事项目录".to_owned()];
    let data = xlsx::workbook_headed(&[(&t, &heading[..])])
        .unwrap()
        .save_to_buffer()
        .unwrap();
    let lines = import_with(&catalogue(), &Enforcement::new(), &data).unwrap();
    assert_eq!(lines[0].item, ItemId(104));
    assert_eq!(lines[0].domain, Domain::Environment);
}

#[test]
fn a_sheet_without_the_required_columns_is_refused() {
    let t = Table::new("目录", &["事项编码", "实施依据"]);
    let e = import_with(&catalogue(), &Enforcement::new(), &bytes(&t)).unwrap_err();
    assert!(
        matches!(&e, EnforcementImportError::MissingColumns(m) if m == &["原实施部门", "执法领域"]),
        "{e}"
    );
}

#[test]
fn an_unknown_item_code_is_named() {
    let mut r = PENALTY;
    r[0] = "320903-CF-999";
    assert_eq!(
        refused(&[CHECK, r]),
        ["第 3 行“事项编码”列：“320903-CF-999”不是权责清单中的事项编码"]
    );
}

#[test]
fn an_unknown_item_name_is_named() {
    let mut r = COERCION;
    r[1] = "查封扣押";
    assert_eq!(
        refused(&[r]),
        ["第 2 行“事项名称”列：“查封扣押”不是权责清单中的事项名称"]
    );
}

#[test]
fn code_and_name_of_different_items_are_refused() {
    let mut r = CHECK;
    r[1] = "查封扣押不符合食品安全标准的食品";
    assert_eq!(
        refused(&[r]),
        ["第 2 行“事项名称”列：“查封扣押不符合食品安全标准的食品”与事项编码“320903-JC-002”不是同一事项"]
    );
}

#[test]
fn a_row_without_item_is_refused() {
    let mut r = CHECK;
    r[0] = "";
    r[1] = "";
    assert_eq!(
        refused(&[r]),
        ["第 2 行“事项编码”列：事项编码和事项名称不能都为空"]
    );
}

#[test]
fn an_item_twice_in_the_file_is_refused() {
    let mut again = PENALTY;
    again[1] = "对未取得食品经营许可从事食品经营活动的处罚";
    assert_eq!(
        refused(&[PENALTY, CHECK, again]),
        ["第 4 行“事项编码”列：与第 2 行是同一事项"]
    );
}

#[test]
fn a_licence_item_is_refused() {
    let mut r = PENALTY;
    r[0] = "320903-XK-001";
    assert_eq!(
        refused(&[r]),
        ["第 2 行“事项编码”列：“320903-XK-001”是行政许可，综合执法目录只收行政处罚、行政强制和行政检查事项"]
    );
}

#[test]
fn an_unknown_or_blank_department_is_named() {
    let mut a = PENALTY;
    a[2] = "区不存在局";
    let mut b = CHECK;
    b[2] = "";
    assert_eq!(
        refused(&[a, b]),
        [
            "第 2 行“原实施部门”列：“区不存在局”不是机构编制台账中的单位（应与单位名称一致）",
            "第 3 行“原实施部门”列：不能为空",
        ]
    );
}

#[test]
fn an_unknown_or_blank_domain_is_named() {
    let mut a = PENALTY;
    a[3] = "食品卫生";
    let mut b = CHECK;
    b[3] = "";
    let e = refused(&[a, b]);
    assert_eq!(e.len(), 2);
    assert!(
        e[0].starts_with("第 2 行“执法领域”列：“食品卫生”不是执法领域（应为城市管理、市场监管"),
        "{e:?}"
    );
    assert_eq!(e[1], "第 3 行“执法领域”列：不能为空");
}

#[test]
fn a_blank_basis_is_refused() {
    let mut r = COERCION;
    r[4] = "";
    assert_eq!(refused(&[r]), ["第 2 行“实施依据”列：不能为空"]);
}

#[test]
fn coercion_other_than_yes_or_no_is_refused() {
    let mut r = COERCION;
    r[5] = "部分";
    assert_eq!(
        refused(&[r]),
        ["第 2 行“含行政强制措施”列：“部分”应为“是”或“否”（空白为否）"]
    );
}

#[test]
fn every_bad_row_is_named_and_nothing_is_returned() {
    let mut a = PENALTY;
    a[3] = "食品卫生";
    let mut b = CHECK;
    b[5] = "可能";
    let e = refused(&[a, COERCION, b]);
    assert_eq!(e.len(), 2, "{e:?}");
    assert!(
        e[0].starts_with("第 2 行") && e[1].starts_with("第 4 行"),
        "{e:?}"
    );
}
