//! `bianzhi bench-http`, run tiny: SQLite only, a second per row. Every
//! matter is answered 2xx and each row records some.

use crate::db::bin;

fn text(b: &[u8]) -> String {
    String::from_utf8_lossy(b).into_owned()
}

#[test]
fn bench_http_prints_rows_of_recorded_matters_and_no_errors() {
    let o = bin()
        .args([
            "bench-http",
            "--clients",
            "1",
            "--clients",
            "4",
            "--seconds",
            "1",
            "--warmup",
            "0.2",
        ])
        .output()
        .expect("run bianzhi");
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", text(&o.stderr));
    assert!(out.contains("未给 --pg，无普通 SQL 基线"), "{out}");
    // 后端 … 客户端 事项/秒 p50 p99 非 2xx 倍数: the last six cells of a row.
    let rows: Vec<Vec<&str>> = out
        .lines()
        .filter(|l| l.starts_with("bianzhi HTTP（SQLite 文件）"))
        .map(|l| {
            let cells: Vec<&str> = l.split_whitespace().collect();
            cells[cells.len() - 6..].to_vec()
        })
        .collect();
    assert_eq!(rows.len(), 2, "{out}");
    for (row, clients) in rows.iter().zip(["1", "4"]) {
        assert_eq!(row[0], clients, "{out}");
        let per_sec: f64 = row[1].parse().unwrap();
        assert!(per_sec > 0.0, "{out}");
        assert_eq!(row[4], "0", "errors: {out}");
        assert_eq!(row[5], "—", "{out}");
    }
}

#[test]
fn bench_http_json_has_the_same_figures() {
    let o = bin()
        .args([
            "bench-http",
            "--clients",
            "2",
            "--seconds",
            "0.5",
            "--warmup",
            "0.1",
            "--json",
        ])
        .output()
        .expect("run bianzhi");
    let out = text(&o.stdout);
    assert!(o.status.success(), "{out}\n{}", text(&o.stderr));
    let v: serde_json::Value = serde_json::from_str(&out).expect("JSON");
    assert_eq!(v["baseline"], serde_json::json!([]), "{v}");
    let rows = v["rows"].as_array().unwrap();
    assert_eq!(rows.len(), 1, "{v}");
    let r = &rows[0];
    assert_eq!(r["backend"], "sqlite");
    assert_eq!(r["clients"], 2);
    assert_eq!(r["errors"], 0, "{v}");
    assert!(r["per_sec"].as_f64().unwrap() > 0.0, "{v}");
    // Warm-up matters are in the journal but not in the count.
    let recorded = r["recorded"].as_u64().unwrap();
    assert!(
        recorded > 0 && r["journal_matters"].as_u64().unwrap() >= recorded,
        "{v}"
    );
    assert!(r["ratio"].is_null());
}
