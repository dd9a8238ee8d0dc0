//! Hostile spreadsheets (audit §2): each is small on disk and, read naively,
//! takes gigabytes or aborts the process. The dangerous reads run in a child
//! process (this test binary, `child_read`) with its address space capped,
//! so that before the fix they fail here (the child aborts or runs out of
//! memory) instead of taking the whole test binary down.

use std::path::{Path, PathBuf};
use std::process::Command;

use bianzhi_reports::hostile::{self, XlsCell};
use bianzhi_reports::reconcile;
use bianzhi_reports::xlsx::{self, Limits, Raw};

/// Address space of the child reading a hostile file: far below what the
/// naive reads need (512 GiB, 128 GiB, 1 GiB of cells), far above what the
/// checked reads need.
const CHILD_CAP_MIB: u64 = 768;

fn write(dir: &Path, name: &str, bytes: &[u8]) -> PathBuf {
    let p = dir.join(name);
    std::fs::write(&p, bytes).unwrap();
    p
}

/// Reads `file` (as a roster, like `bianzhi reconcile`) in a child process
/// capped at [`CHILD_CAP_MIB`]: what it printed, and whether it exited well.
fn read_in_child(file: &Path) -> (bool, String) {
    let exe = std::env::current_exe().unwrap();
    let o = Command::new("sh")
        .arg("-c")
        .arg(format!(
            "ulimit -v {}; exec \"$0\" \"$@\"",
            CHILD_CAP_MIB * 1024
        ))
        .arg(&exe)
        .args([
            "hostile::child_read",
            "--exact",
            "--ignored",
            "--nocapture",
            "--test-threads=1",
        ])
        .env("BIANZHI_HOSTILE_FILE", file)
        .output()
        .unwrap();
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&o.stdout),
        String::from_utf8_lossy(&o.stderr)
    );
    (o.status.success(), text)
}

#[test]
#[ignore = "run by the other tests in a child process"]
fn child_read() {
    let Ok(f) = std::env::var("BIANZHI_HOSTILE_FILE") else {
        return;
    };
    match reconcile::read_roster(Path::new(&f)) {
        Ok(r) => println!("READ {} rows", r.len()),
        Err(e) => println!("REFUSED {e}"),
    }
}

/// The child refused the file with a message containing each of `want`.
fn refused(file: &Path, want: &[&str]) {
    let (ok, out) = read_in_child(file);
    assert!(ok, "the child reading {} died:\n{out}", file.display());
    assert!(out.contains("REFUSED"), "{out}");
    for w in want {
        assert!(out.contains(w), "{w:?} not in:\n{out}");
    }
}

#[test]
fn sparse_a1_and_xfd1048576_is_refused_not_an_abort() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = hostile::sparse_corners();
    assert!(bytes.len() < 4096, "{}", bytes.len());
    let f = write(dir.path(), "sparse.xlsx", &bytes);
    refused(
        &f,
        &[
            "表格过大",
            "第 1 个工作表“名单”",
            "XFD1048576",
            "超出上限（最多 256 列",
        ],
    );
    // In process too, now that it is safe, with the exact message.
    let e = xlsx::read_any(&f, None).unwrap_err().to_string();
    assert_eq!(
        e,
        "表格过大：第 1 个工作表“名单”的单元格 XFD1048576 有内容，超出上限（最多 256 列，即 A 至 IV 列）"
    );
}

#[test]
fn zip_bomb_is_refused_before_inflating() {
    let dir = tempfile::tempdir().unwrap();
    let bytes = hostile::zip_bomb(1024);
    assert!(bytes.len() < 4 << 20, "{}", bytes.len());
    let f = write(dir.path(), "bomb.xlsx", &bytes);
    refused(&f, &["压缩比异常", "压缩炸弹", "上限 100 倍"]);
    // Within the ratio but beyond the total: refused by size.
    let lim = Limits {
        ratio: 10_000,
        unzipped_bytes: 256 << 20,
        ..Limits::default()
    };
    let e = xlsx::read_any_with(&f, None, &lim).unwrap_err().to_string();
    assert!(e.contains("文件解压后超过 256 MB，已拒绝"), "{e}");
    // A header that lies about the size (declares 1000 bytes): caught while
    // inflating, after 1000 bytes, not after a gigabyte.
    let lying = write(dir.path(), "lying.xlsx", &hostile::lying_size(bytes, 1000));
    let e = xlsx::read_any(&lying, None).unwrap_err().to_string();
    assert!(e.contains("实际大小与声明不符"), "{e}");
}

#[test]
fn a_bomb_within_the_ratio_is_read_cell_by_cell_and_bounded() {
    // 64 MiB of repeated rows at ratio 1000, allowed here: read, memory
    // bounded by the cell limit, refused when that is reached.
    let bytes = hostile::zip_bomb(64);
    let lim = Limits {
        ratio: 10_000,
        cells: 100_000,
        ..Limits::default()
    };
    let e = xlsx::read_bytes_with(&bytes, "xlsx", None, &lim)
        .unwrap_err()
        .to_string();
    assert!(e.contains("表格过大") && e.contains("超过 10 万个"), "{e}");
}

#[test]
fn shared_formula_with_a_huge_index_is_refused() {
    let dir = tempfile::tempdir().unwrap();
    let f = write(dir.path(), "si.xlsx", &hostile::shared_formula_index());
    refused(&f, &["共享公式编号无效"]);
}

#[test]
fn huge_declared_dimension_with_few_cells_reads() {
    // The declared dimension is not trusted for anything: the cells are.
    let dir = tempfile::tempdir().unwrap();
    let bytes = hostile::declared_huge(&[
        ["王芳", "320903199001010011", "盐都区实验小学"],
        ["李强", "320903199001010038", "盐都区实验小学"],
    ]);
    let f = write(dir.path(), "dim.xlsx", &bytes);
    let (ok, out) = read_in_child(&f);
    assert!(ok && out.contains("READ 2 rows"), "{out}");
    let r = reconcile::read_roster(&f).unwrap();
    assert_eq!(r.len(), 2);
    assert_eq!((r[1].name.as_str(), r[1].row), ("李强", 3));
}

#[test]
fn legitimate_large_roster_still_reads() {
    // 100,000 rows written by rust_xlsxwriter, read within the upload limits.
    let mut t = bianzhi_reports::Table::new("名单", &["姓名", "身份证号", "单位", "编制类型"]);
    for i in 0..100_000 {
        t.rows.push(vec![
            bianzhi_reports::Cell::text(format!("测试{i}")),
            bianzhi_reports::Cell::text(bianzhi_reports::bench::id_number(i)),
            bianzhi_reports::Cell::text(bianzhi_reports::bench::unit_name(i % 100)),
            bianzhi_reports::Cell::text("事业编制"),
        ]);
    }
    let dir = tempfile::tempdir().unwrap();
    let f = dir.path().join("big.xlsx");
    xlsx::write_table(&t, &f).unwrap();
    let bytes = std::fs::read(&f).unwrap();
    let r = reconcile::read_roster_bytes(&bytes, "xlsx", &Limits::upload()).unwrap();
    assert_eq!(r.len(), 100_000);
    assert_eq!(r[99_999].row, 100_001);
    assert_eq!(r[99_999].name, "测试99999");
}

#[test]
fn cells_are_placed_by_position_and_bounded() {
    // A sheet starting at B3: headers from column B, rows keep their number.
    let cell = |r: &str, s: &str| format!(r#"<c r="{r}" t="inlineStr"><is><t>{s}</t></is></c>"#);
    let sheet = format!(
        r#"<sheetData><row r="3">{}{}</row><row r="5">{}<c r="C5"><v>7</v></c></row></sheetData>"#,
        cell("B3", "姓名"),
        cell("C3", "数"),
        cell("B5", "王芳"),
    );
    let s = xlsx::read_bytes(&hostile::xlsx(&sheet), "xlsx", None).unwrap();
    assert_eq!(s.headers, ["姓名", "数"]);
    assert_eq!(
        s.rows,
        [(5, vec![Raw::Text("王芳".into()), Raw::Number(7.0)])]
    );
    // Cells are counted per row from column A: 2 rows × 3 = 6 here.
    let lim = Limits {
        cells: 5,
        ..Limits::default()
    };
    let e = xlsx::read_bytes_with(&hostile::xlsx(&sheet), "xlsx", None, &lim).unwrap_err();
    assert!(e.to_string().starts_with("表格过大："), "{e}");
}

#[test]
fn csv_is_bounded_in_columns_cells_and_size() {
    let mut wide = String::from("姓名");
    wide.push_str(&",".repeat(299));
    wide.push_str("x\n");
    let e = xlsx::read_csv(wide.as_bytes()).unwrap_err().to_string();
    assert_eq!(
        e,
        "表格过大：CSV 文件的单元格 KN1 有内容，超出上限（最多 256 列，即 A 至 IV 列）"
    );
    // Empty fields beyond the limit are not counted.
    let mut trailing = String::from("姓名,身份证号");
    trailing.push_str(&",".repeat(10_000));
    trailing.push('\n');
    assert_eq!(
        xlsx::read_csv(trailing.as_bytes()).unwrap().headers.len(),
        2
    );
    let lim = Limits {
        cells: 10,
        ..Limits::default()
    };
    let rows = "a,b,c\n".repeat(4);
    let e = xlsx::read_csv_with(rows.as_bytes(), &lim).unwrap_err();
    assert!(e.to_string().contains("表格过大"), "{e}");
    let lim = Limits {
        file_bytes: 10,
        ..Limits::default()
    };
    let e = xlsx::read_csv_with(rows.as_bytes(), &lim).unwrap_err();
    assert_eq!(
        e.to_string(),
        "文件过大（1 MB，上限 0 MB），已拒绝，请分批处理"
    );
}

fn roster_xls() -> Vec<u8> {
    let t = |s: &str| XlsCell::Text(s.into());
    hostile::xls(&hostile::biff8(
        &[
            (0, 0, t("姓名")),
            (0, 1, t("身份证号")),
            (0, 2, t("单位")),
            (0, 3, t("编制")),
            (1, 0, t("王芳")),
            (1, 1, t("320903199001010011")),
            (1, 2, t("盐都区实验小学")),
            (1, 3, XlsCell::Number(3.0)),
        ],
        Some((0, 2, 0, 4)),
    ))
}

#[test]
fn xls_reads_through_the_checked_container() {
    let s = xlsx::read_bytes(&roster_xls(), "xls", None).unwrap();
    assert_eq!(s.headers, ["姓名", "身份证号", "单位", "编制"]);
    assert_eq!(s.rows[0].0, 2);
    assert_eq!(s.rows[0].1[1], Raw::Text("320903199001010011".into()));
    assert_eq!(s.rows[0].1[3], Raw::Number(3.0));
    // A stream above 4096 bytes (regular sectors, not the mini stream).
    let cells: Vec<_> = (0..400u16)
        .map(|r| (r, 0, XlsCell::Text(format!("名字{r}"))))
        .collect();
    let s = xlsx::read_bytes(&hostile::xls(&hostile::biff8(&cells, None)), "xls", None).unwrap();
    assert_eq!(s.rows.len(), 399);
    // A file named .xlsx that is an xls (and the other way round) reads by content.
    assert!(xlsx::read_bytes(&roster_xls(), "xlsx", None).is_ok());
}

#[test]
fn xls_sparse_cells_are_refused_not_an_abort() {
    // A1 and a cell at row 65536, column 65536: calamine's dense range would
    // be 2^32 cells (128 GiB).
    let dir = tempfile::tempdir().unwrap();
    let x = hostile::xls(&hostile::biff8(
        &[
            (0, 0, XlsCell::Text("姓名".into())),
            (65535, 65535, XlsCell::Number(1.0)),
        ],
        None,
    ));
    let f = write(dir.path(), "sparse.xls", &x);
    refused(&f, &["表格过大", "第 1 个工作表", "A1:CRXP65536"]);
}

#[test]
fn xls_huge_declared_dimensions_are_refused_not_an_abort() {
    // DIMENSIONS of 4 billion rows × 256 columns: calamine reserves that.
    let dir = tempfile::tempdir().unwrap();
    let x = hostile::xls(&hostile::biff8(
        &[(0, 0, XlsCell::Text("姓名".into()))],
        Some((0, u32::MAX, 0, 256)),
    ));
    let f = write(dir.path(), "dims.xls", &x);
    refused(&f, &["表格过大", "声明的范围为 4294967295 行 × 256 列"]);
}

#[test]
fn xls_container_with_a_wild_sector_number_is_refused_not_an_abort() {
    // The first FAT sector said to be sector 2^31: calamine would grow its
    // buffer to a terabyte to read it.
    let dir = tempfile::tempdir().unwrap();
    let mut x = roster_xls();
    x[76..80].copy_from_slice(&0x7FFF_FFFFu32.to_le_bytes());
    let f = write(dir.path(), "wild.xls", &x);
    refused(&f, &["复合文档结构无效"]);
    // And a FAT chain that loops.
    let mut x = roster_xls();
    let fat_at = 512 * (1 + u32::from_le_bytes(x[76..80].try_into().unwrap()) as usize);
    x[fat_at..fat_at + 4].copy_from_slice(&0u32.to_le_bytes());
    let f = write(dir.path(), "loop.xls", &x);
    refused(&f, &["复合文档结构无效"]);
}

#[test]
fn shared_formulas_filled_down_are_still_reported_as_formulas() {
    // As Excel writes a formula filled down B2:B4: a master and two children.
    let t = |r: &str, s: &str| format!(r#"<c r="{r}" t="inlineStr"><is><t>{s}</t></is></c>"#);
    let sheet = format!(
        r#"<sheetData><row r="1">{}{}</row><row r="2">{}<c r="B2"><f t="shared" ref="B2:B4" si="0">A2&amp;"x"</f><v>ax</v></c></row><row r="3">{}<c r="B3"><f t="shared" si="0"/><v>bx</v></c></row><row r="4">{}<c r="B4"><f t="shared" si="0"/><v>cx</v></c></row></sheetData>"#,
        t("A1", "姓名"),
        t("B1", "单位"),
        t("A2", "a"),
        t("A3", "b"),
        t("A4", "c"),
    );
    let s = xlsx::read_bytes(&hostile::xlsx(&sheet), "xlsx", None).unwrap();
    let b: Vec<String> = s.rows.iter().map(|(_, r)| r[1].text()).collect();
    assert_eq!(b, ["=A2&\"x\"", "=A3&\"x\"", "=A4&\"x\""]);
    // A shared formula over more cells than the limit is refused.
    let wide = sheet.replace(r#"ref="B2:B4""#, r#"ref="B2:B1048576""#);
    let lim = Limits {
        cells: 1_000_000,
        ..Limits::default()
    };
    let e = xlsx::read_bytes_with(&hostile::xlsx(&wide), "xlsx", None, &lim).unwrap_err();
    assert!(
        e.to_string()
            .contains("共享公式覆盖的单元格超过 1000000 个"),
        "{e}"
    );
}
