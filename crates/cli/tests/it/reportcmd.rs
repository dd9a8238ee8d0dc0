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

/// 统计年报（上报格式）: two districts export their JSON, the city adds them up
/// with `rollup --from`; a file of another 统计时点 or format version is
/// refused in Chinese.
#[test]
fn statistics_json_of_two_ledgers_add_up_in_the_city_rollup() {
    let a = fixture();
    let b = {
        let dir = tempfile::tempdir().unwrap();
        let db = dir.path().join("b.db");
        let o = run(&db, &["init", "--code", "320902", "--name", "盐城市亭湖区"]);
        assert!(o.status.success(), "{}", stderr(&o));
        let path = dir.path().to_path_buf();
        super::Fixture {
            _dir: dir,
            db,
            dir: path,
        }
    };
    b.apply_json(
        "setup.json",
        &serde_json::json!({ "matters": [{
            "doc": "亭编〔2024〕1号", "effective": "2024-01-02", "reason": "建账",
            "ops": [
                {"op": "create_unit", "name": "亭湖区教育局", "kind": "政府工作部门", "rank": "正科级"},
                {"op": "set_quota", "unit": "亭湖区教育局", "qtype": "行政编制", "funding": "全额拨款", "count": 7},
                {"op": "register_existing", "unit": "亭湖区教育局", "qtype": "行政编制", "funding": "全额拨款",
                 "enrolled_on": "2015-01-01",
                 "details": {"name": "赵敏", "id_number": id(7, 1980), "identity": "公务员",
                             "education": "硕士", "political": "中共党员"}}
            ]
        }]}),
        true,
    );
    a.apply_json(
        "h.json",
        &super::hire("盐编〔2024〕2号", "2024-03-01", "王芳", 1),
        true,
    );
    let out = |f: &super::Fixture, n: &str| f.dir.join(n).to_str().unwrap().to_string();
    let (ja, jb) = (out(&a, "a.json"), out(&b, "b.json"));
    for (f, j) in [(&a, &ja), (&b, &jb)] {
        let o = run(
            &f.db,
            &["report", "statistics", "--as-of", "2024-12-31", "--json", j],
        );
        assert!(o.status.success(), "{}", stderr(&o));
        assert!(stdout(&o).contains("已写入统计年报数据"), "{}", stdout(&o));
    }
    // The tables on the terminal.
    let o = run(&a.db, &["report", "statistics", "--as-of", "2024-12-31"]);
    assert!(o.status.success(), "{}", stderr(&o));
    for t in [
        "表1 机构情况",
        "表2 编制情况",
        "表3 实有人员情况",
        "表4 领导职数情况",
    ] {
        assert!(stdout(&o).contains(t), "{t}: {}", stdout(&o));
    }
    // The city adds them up (no database is read).
    let sum = out(&a, "city.json");
    let o = run(
        &a.dir.join("none.db"),
        &[
            "rollup",
            "--from",
            &ja,
            &jb,
            "--code",
            "320900",
            "--name",
            "盐城市",
            "--json",
            &sum,
        ],
    );
    assert!(o.status.success(), "{}\n{}", stdout(&o), stderr(&o));
    assert!(
        stdout(&o).contains("汇总 2 个区划") && stdout(&o).contains("盐城市亭湖区（320902）"),
        "{}",
        stdout(&o)
    );
    let v: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&sum).unwrap()).unwrap();
    let one = |p: &str| -> serde_json::Value {
        serde_json::from_str(&std::fs::read_to_string(p).unwrap()).unwrap()
    };
    let (va, vb) = (one(&ja), one(&jb));
    assert_eq!(v["jurisdiction"]["name"], "盐城市");
    assert_eq!(v["as_of"], "2024-12-31");
    // 盐都区: 行政编制 10 + 事业编制 2, 王芳 hired (已批未报到: 冻结, not
    // 实有); 亭湖区: 行政编制 7, 赵敏 registered (实有).
    let n = |v: &serde_json::Value, p: &str| v.pointer(p).and_then(|x| x.as_i64()).unwrap();
    assert_eq!(n(&va, "/totals/quotas/approved"), 12);
    assert_eq!(n(&vb, "/totals/quotas/approved"), 7);
    assert_eq!(n(&v, "/totals/quotas/approved"), 19);
    assert_eq!(n(&v, "/totals/quotas/frozen"), 1);
    assert_eq!(n(&v, "/totals/quotas/actual"), 1);
    assert_eq!(n(&v, "/totals/people/total"), 1);
    assert_eq!(n(&v, "/totals/people/sex/male"), 1);
    assert_eq!(n(&v, "/totals/people/education/postgraduate"), 1);
    assert_eq!(n(&v, "/totals/people/political/cpc"), 1);
    assert_eq!(n(&v, "/totals/units/full_section"), 2);
    let xz = v["quotas"]
        .as_array()
        .unwrap()
        .iter()
        .find(|r| r["qtype"] == "行政编制")
        .unwrap();
    assert_eq!(
        n(xz, "/figures/approved"),
        17,
        "行政编制 10 + 7, row by row"
    );
    // Another 统计时点 is refused, and so is another format version.
    let o = run(
        &b.db,
        &[
            "report",
            "statistics",
            "--as-of",
            "2024-06-30",
            "--json",
            &jb,
        ],
    );
    assert!(o.status.success(), "{}", stderr(&o));
    let o = run(&a.dir.join("none.db"), &["rollup", "--from", &ja, &jb]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("统计时点不一致"), "{}", stderr(&o));
    let mut old = va.clone();
    old["version"] = 0.into();
    std::fs::write(&jb, old.to_string()).unwrap();
    let o = run(&a.dir.join("none.db"), &["rollup", "--from", &ja, &jb]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("格式版本为 0"), "{}", stderr(&o));
}
