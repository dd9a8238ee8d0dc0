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

/// Every API route is documented: the API's routes come only from the
/// features' `routes!` lists (each a handler with its `#[utoipa::path]`), so
/// no file adds an `/api/v1` route by hand, and no feature's `api.rs` adds
/// any route but through `routes!`.
#[test]
fn no_api_route_is_added_outside_the_documented_lists() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("src");
    let mut stack = vec![root.clone()];
    let mut wrong = Vec::new();
    let mut api_files = 0;
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                stack.push(p);
                continue;
            }
            if p.extension().is_none_or(|x| x != "rs") {
                continue;
            }
            let text = std::fs::read_to_string(&p).unwrap();
            let is_api = p.file_name().is_some_and(|f| f == "api.rs");
            api_files += usize::from(is_api);
            for call in [".route(", ".route_service(", ".nest(", ".nest_service("] {
                for (i, _) in text.match_indices(call) {
                    let args: String = text[i + call.len()..].chars().take(200).collect();
                    let args = args.trim_start();
                    let documented_fallback = args.contains("openapi::api_not_found")
                        && args
                            .split(')')
                            .next()
                            .is_some_and(|a| a.contains("api_not_found"));
                    if is_api || (args.starts_with("\"/api") && !documented_fallback) {
                        wrong.push(format!(
                            "{}: {call}{}",
                            p.strip_prefix(&root).unwrap().display(),
                            args.lines().next().unwrap_or("")
                        ));
                    }
                }
            }
        }
    }
    assert!(
        api_files >= 9,
        "expected one api.rs per feature, found {api_files}"
    );
    assert!(
        wrong.is_empty(),
        "routes outside the documented lists:\n{}",
        wrong.join("\n")
    );
}

/// …and every documented operation reaches its handler (not the API's
/// "没有这个接口" fallback).
#[tokio::test]
async fn every_documented_operation_is_routed() {
    let fx = crate::fixture::Fx::new();
    let doc: serde_json::Value = serde_json::from_str(&bianzhi_web::openapi_text()).unwrap();
    let mut n = 0;
    for (path, item) in doc["paths"].as_object().unwrap() {
        let uri = path
            .split('/')
            .map(|s| if s.starts_with('{') { "1" } else { s })
            .collect::<Vec<_>>()
            .join("/");
        for method in item.as_object().unwrap().keys() {
            let m = axum::http::Method::from_bytes(method.to_uppercase().as_bytes()).unwrap();
            let (_, _, body) = fx.send(m, &uri, &[], None, None).await;
            let text = String::from_utf8_lossy(&body);
            assert!(
                !text.contains("没有这个接口"),
                "{method} {path} is not routed"
            );
            n += 1;
        }
    }
    assert!(n >= 40, "only {n} operations");
}
