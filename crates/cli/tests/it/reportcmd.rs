//! `bianzhi report`, `import` and `reconcile` end to end through the binary.

use super::{fixture, id, run, stderr, stdout};

#[test]
fn report_import_template_export_import_and_reconcile() {
    let f = fixture();
    let p = |n: &str| f.dir.join(n).to_str().unwrap().to_string();
    // Import two people into the school from a csv, as one matter.
    std::fs::write(
        p("people.csv"),
        format!(
            "单位名称,姓名,身份证号,编制类型,经费形式,入编时间,人员身份\n\
             盐都区实验小学,王芳,{},事业编制,全额拨款,2020-09-01,\n\
             盐都区实验小学,李强,{},事业编制,全额拨款,2021-09-01,\n",
            id(1, 1990),
            id(2, 1990)
        ),
    )
    .unwrap();
    let o = run(
        &f.db,
        &[
            "import",
            &p("people.csv"),
            "--doc",
            "盐编〔2024〕5号",
            "--effective",
            "2024-03-01",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("已导入"), "{}", stdout(&o));
    // A third person is beyond the school's 核定 2: refused, nothing written.
    std::fs::write(
        p("more.csv"),
        format!(
            "单位名称,姓名,身份证号,编制类型,经费形式,入编时间,人员身份\n盐都区实验小学,张三,{},事业编制,全额拨款,2020-09-01,\n",
            id(3, 1990)
        ),
    )
    .unwrap();
    let o = run(
        &f.db,
        &[
            "import",
            &p("more.csv"),
            "--doc",
            "盐编〔2024〕6号",
            "--effective",
            "2024-03-02",
        ],
    );
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("第 2 行“编制类型”列：超出核定编制"),
        "{}",
        stderr(&o)
    );
    // Reports as a table and as xlsx.
    let o = run(&f.db, &["report", "roster", "--as-of", "2024-12-31"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).contains("王芳") && stdout(&o).contains("共 2 行"),
        "{}",
        stdout(&o)
    );
    let o = run(&f.db, &["report", "roster", "--as-of", "2024-02-01"]);
    assert!(stdout(&o).contains("共 0 行"), "{}", stdout(&o));
    let o = run(
        &f.db,
        &[
            "report",
            "quotas",
            "--unit",
            "盐都区教育局",
            "--xlsx",
            &p("q.xlsx"),
            "--as-of",
            "2024-12-31",
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(std::path::Path::new(&p("q.xlsx")).exists());
    let o = run(&f.db, &["report", "changes", "--as-of", "2024-12-31"]);
    assert!(!o.status.success() && stderr(&o).contains("--from"));
    let o = run(&f.db, &["report", "nonsense"]);
    assert!(stderr(&o).contains("未知报表"));
    // Template and export write workbooks.
    let o = run(&f.db, &["import", "template", &p("t.xlsx")]);
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(
        &f.db,
        &["import", "export", &p("e.xlsx"), "--as-of", "2024-12-31"],
    );
    assert!(stdout(&o).contains("人员 2 人"), "{}", stdout(&o));
    // 比对: 王芳 paid, 李强 not, a stranger paid.
    std::fs::write(
        p("pay.csv"),
        format!(
            "姓名,身份证号,单位\n王芳,{},盐都区实验小学\n陌生,{},盐都区实验小学\n",
            id(1, 1990),
            id(9, 1990)
        ),
    )
    .unwrap();
    let o = run(
        &f.db,
        &["reconcile", &p("pay.csv"), "--as-of", "2024-12-31"],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let out = stdout(&o);
    assert!(out.contains("名单有、台账无（吃空饷风险）：1"), "{out}");
    assert!(out.contains("台账有、名单无：1"), "{out}");
}

/// Audit §2: hostile spreadsheets given to `import` and `reconcile` are
/// refused with a Chinese message and exit 1 (before: an abort, exit 134).
#[test]
fn import_and_reconcile_refuse_hostile_spreadsheets() {
    use bianzhi_reports::hostile;
    let f = fixture();
    let p = |n: &str| f.dir.join(n).to_str().unwrap().to_string();
    // The sheet is named 人员, so `import` reads it too.
    std::fs::write(p("sparse.xlsx"), hostile::sparse_corners_in("人员")).unwrap();
    std::fs::write(p("bomb.xlsx"), hostile::zip_bomb_in("人员", 256)).unwrap();
    for (file, want) in [
        ("sparse.xlsx", "XFD1048576 有内容，超出上限（最多 256 列"),
        ("bomb.xlsx", "可能是“压缩炸弹”，已拒绝"),
    ] {
        let o = run(
            &f.db,
            &[
                "import",
                &p(file),
                "--doc",
                "盐编〔2024〕9号",
                "--effective",
                "2024-03-01",
            ],
        );
        assert_eq!(o.status.code(), Some(1), "{file}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{file}: {}", stderr(&o));
        let o = run(&f.db, &["reconcile", &p(file), "--as-of", "2024-12-31"]);
        assert_eq!(o.status.code(), Some(1), "{file}: {}", stderr(&o));
        assert!(stderr(&o).contains(want), "{file}: {}", stderr(&o));
        assert!(!stderr(&o).contains("panicked"), "{}", stderr(&o));
    }
}
