//! `docs/openapi.json` must be exactly what the code generates.

#[test]
fn committed_openapi_matches_the_code() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/../../docs/openapi.json");
    let generated = bianzhi_web::openapi_text();
    if std::env::var_os("BIANZHI_WRITE_OPENAPI").is_some() {
        std::fs::write(path, &generated).unwrap();
    }
    let committed = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        committed == generated,
        "docs/openapi.json 与代码生成的不一致：请运行 BIANZHI_WRITE_OPENAPI=1 cargo test -p bianzhi-web openapi 更新后提交"
    );
    let v: serde_json::Value = serde_json::from_str(&generated).unwrap();
    for p in [
        "/api/v1/units/{id}/quota",
        "/api/v1/applications/{id}/approve",
        "/api/v1/matters",
    ] {
        assert!(v["paths"].get(p).is_some(), "missing {p}");
    }
}
