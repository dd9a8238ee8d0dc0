//! The API against its own document: schemathesis (a schema-based fuzzer,
//! `pip install schemathesis`) runs against the real server, in-process on
//! 127.0.0.1, once with no credentials and once with each role's token, each
//! on a fresh fixture. It must find no server error, no answer outside the
//! document (status, content type, body schema, headers) and no input that
//! violates the document yet is accepted.
//!
//! Bounded: a fixed seed and a fixed number of examples per operation.
//! Skipped with a message where `schemathesis` is not installed, except under
//! CI (`CI` set), where its absence fails the test.

use std::net::SocketAddr;
use std::path::Path;
use std::process::Command;
use std::time::Instant;

use axum::http::{Method, StatusCode};
use serde_json::json;

use crate::fixture::{Fx, PW};

/// The version `.ci/run` installs.
const PINNED: &str = "4.32.5";

/// Examples per operation and run.
const MAX_EXAMPLES: &str = "25";

/// Fixed, so that a failure is reproduced by running the test again.
const SEED: &str = "20240601";

/// The checks: every answer must be one the document describes.
const CHECKS: &str = "not_a_server_error,status_code_conformance,content_type_conformance,\
response_headers_conformance,response_schema_conformance,negative_data_rejection,ignored_auth";

/// The command that runs schemathesis (`schemathesis`, or the module of a
/// Python whose scripts are not on `PATH`) and its version.
fn schemathesis() -> Option<(Vec<String>, String)> {
    let candidates: [&[&str]; 2] = [&["schemathesis"], &["python3", "-m", "schemathesis.cli"]];
    candidates.iter().find_map(|argv| {
        let out = Command::new(argv[0])
            .args(&argv[1..])
            .arg("--version")
            .output()
            .ok()?;
        let version = String::from_utf8_lossy(&out.stdout).trim().to_string();
        (out.status.success() && version.contains("version"))
            .then(|| (argv.iter().map(|s| s.to_string()).collect(), version))
    })
}

/// Serves a fresh fixture on 127.0.0.1 (a port of its own); answers it and
/// the server's address.
async fn serve() -> (Fx, SocketAddr) {
    let fx = Fx::new();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let router = fx.router.clone();
    tokio::spawn(async move {
        axum::serve(
            listener,
            router.into_make_service_with_connect_info::<SocketAddr>(),
        )
        .await
        .unwrap();
    });
    (fx, addr)
}

/// One schemathesis run; answers whether it passed, and its output.
fn run(argv: &[String], addr: SocketAddr, token: Option<&str>, extra: &[&str]) -> (bool, String) {
    // Its cache and reports go to a directory of its own, not the crate's.
    let dir = tempfile::tempdir().unwrap();
    let mut cmd = Command::new(&argv[0]);
    cmd.current_dir(dir.path())
        .args(&argv[1..])
        .arg("run")
        .arg(format!("http://{addr}/api/v1/openapi.json"))
        .args(["--checks", CHECKS])
        .args(["--max-examples", MAX_EXAMPLES])
        .args(["--seed", SEED])
        // One worker: hypothesis on Python 3.11 can fail to parse its own
        // source (`SystemError: AST constructor recursion depth mismatch`)
        // when two threads draw at once.
        .args(["--workers", "1"])
        .args(["--request-timeout", "20"])
        .args(["--generation-database", "none"])
        .args(["--no-color", "--output-truncate", "false"])
        // Ends the run's own session: everything after it would be 401.
        .args(["--exclude-operation-id", "sign_out"])
        .args(extra)
        .env_remove("SCHEMATHESIS_HOOKS")
        .env_remove("HTTP_PROXY")
        .env_remove("http_proxy")
        .env("NO_PROXY", "127.0.0.1");
    if let Some(t) = token {
        cmd.args(["--header", &format!("Authorization: Bearer {t}")]);
    }
    let out = cmd.output().expect("schemathesis runs");
    let text = format!(
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    (out.status.success(), text)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn schema_fuzz_every_role() {
    let Some((argv, version)) = schemathesis() else {
        let msg = format!(
            "schema fuzz: schemathesis is not installed (pip install 'schemathesis=={PINNED}')"
        );
        assert!(std::env::var_os("CI").is_none(), "{msg}: CI must run it");
        eprintln!("{msg}: skipped");
        return;
    };
    if !version.contains(PINNED) {
        eprintln!("schema fuzz: {version} (CI pins {PINNED})");
    }
    // (run, account, extra options). 安全管理员's changes of accounts and
    // sessions run apart: disabling or resetting their own account, or
    // ending their own session (listed by `GET /admin/sessions`), ends the
    // run's session and would leave the operations after it untested.
    let account_ops = ["update_account", "reset_password", "end_session"];
    let runs: Vec<(&str, Option<&'static str>, Vec<&str>)> = vec![
        ("anonymous", None, vec![]),
        ("jb", Some("jb"), vec![]),
        ("ld", Some("ld"), vec![]),
        ("dw", Some("dw"), vec![]),
        ("ck", Some("ck"), vec![]),
        ("sa", Some("sa"), vec![]),
        (
            "sec",
            Some("sec"),
            account_ops
                .iter()
                .flat_map(|id| ["--exclude-operation-id", *id])
                .collect(),
        ),
        (
            "sec-accounts",
            Some("sec"),
            account_ops
                .iter()
                .flat_map(|id| ["--include-operation-id", *id])
                .collect(),
        ),
        ("aud", Some("aud"), vec![]),
        // A read-only API token (`bzt_…`) of another department, limited to
        // 区教育局.
        ("token", None, vec![]),
    ];
    let only = std::env::var("BIANZHI_FUZZ_ROLE").ok();
    let started = Instant::now();
    let mut failed = Vec::new();
    let runs: Vec<_> = runs
        .into_iter()
        .filter(|(name, _, _)| only.as_deref().is_none_or(|o| o == *name))
        .collect();
    // Two runs at a time, each on its own server and fixture: schemathesis
    // is one Python process drawing examples on one core, so two keep both
    // cores of a CI machine busy.
    for pair in runs.chunks(2) {
        let mut running = Vec::new();
        for (name, login, extra) in pair {
            let (fx, addr) = serve().await;
            let sign_in = |l: &'static str| {
                let fx = &fx;
                async move {
                    let (s, v) = fx.try_login(l, PW, "127.0.0.1").await;
                    assert!(s.is_success(), "{l} signs in: {s} {v}");
                    v["token"].as_str().unwrap().to_string()
                }
            };
            let token = match (*name, *login) {
                (_, Some(l)) => Some(sign_in(l).await),
                ("token", None) => {
                    let sec = sign_in("sec").await;
                    let body =
                        json!({"name": "市人社局人事管理系统", "units": [fx.unit("区教育局")]});
                    let (s, v) = fx
                        .raw(
                            Method::POST,
                            "/api/v1/admin/tokens",
                            Some(&sec),
                            Some(serde_json::to_vec(&body).unwrap()),
                        )
                        .await;
                    assert_eq!(s, StatusCode::CREATED, "{v}");
                    Some(v["token"].as_str().unwrap().to_string())
                }
                _ => None,
            };
            let argv = argv.clone();
            let extra: Vec<String> = extra.iter().map(|x| x.to_string()).collect();
            let name = *name;
            running.push((
                name,
                fx,
                tokio::task::spawn_blocking(move || {
                    let t0 = Instant::now();
                    let extra: Vec<&str> = extra.iter().map(String::as_str).collect();
                    let (ok, text) = run(&argv, addr, token.as_deref(), &extra);
                    (ok, text, t0.elapsed())
                }),
            ));
        }
        for (name, _fx, h) in running {
            let (ok, text, took) = h.await.unwrap();
            // The whole report, passed or not, for a look at what was covered.
            let out = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/schema-fuzz");
            std::fs::create_dir_all(&out).unwrap();
            std::fs::write(out.join(format!("{name}.txt")), &text).unwrap();
            let cases = text
                .lines()
                .find(|l| {
                    l.trim_start().starts_with(|c: char| c.is_ascii_digit())
                        && l.contains(" generated,")
                })
                .unwrap_or("")
                .trim()
                .to_string();
            eprintln!(
                "schema fuzz as {name}: {} in {took:.0?} ({cases}; target/schema-fuzz/{name}.txt)",
                if ok { "passed" } else { "FAILED" },
            );
            if !ok {
                eprintln!("{text}");
                failed.push(name);
            }
        }
    }
    eprintln!("schema fuzz: {version}, {:.0?} in all", started.elapsed());
    assert!(failed.is_empty(), "schema fuzz failed as: {failed:?}");
}
