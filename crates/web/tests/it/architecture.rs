//! The shape of `crates/web/src`, checked: the import graph between its
//! modules (one per file) has no cycle, the shared layers (`http`, `auth`,
//! `state`, `ledger`, the session lookup) never import a feature, and a
//! feature never imports another feature's handlers (`pages`, `api`) — it
//! goes through that feature's `views` or `service`.
//!
//! `cargo test -p bianzhi-web --test it architecture -- --nocapture` prints
//! the graph, module by module.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// The features, each a folder with its pages, API, views and service.
const FEATURES: &[&str] = &[
    "overview",
    "units",
    "people",
    "plans",
    "instruments",
    "scenarios",
    "forecast",
    "norms",
    "matters",
    "applications",
    "cases",
    "reports",
    "statistics",
    "admin",
    "session",
    "demo",
];

/// Modules every feature may use, which use no feature.
const SHARED: &[&str] = &["http", "auth", "state", "ledger", "opform", "prelude"];

/// A feature's modules that answer requests: no other feature imports them.
const HANDLERS: &[&str] = &["pages", "api", "reconcile"];

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

/// Module path of a source file: `http/error.rs` → `http::error`,
/// `state/mod.rs` → `state`, `lib.rs` → `` (the crate root).
fn module_of(rel: &Path) -> String {
    let mut parts: Vec<String> = rel
        .components()
        .map(|c| c.as_os_str().to_string_lossy().into_owned())
        .collect();
    let last = parts.pop().unwrap_or_default();
    let stem = last.trim_end_matches(".rs");
    if stem != "mod" && stem != "lib" {
        parts.push(stem.to_string());
    }
    parts.join("::")
}

fn files(dir: &Path, out: &mut Vec<PathBuf>) {
    for e in std::fs::read_dir(dir).unwrap() {
        let p = e.unwrap().path();
        if p.is_dir() {
            files(&p, out);
        } else if p.extension().is_some_and(|x| x == "rs") {
            out.push(p);
        }
    }
}

/// The code of a file without comments and string literals (paths named in
/// docs or messages are not imports).
fn code_only(text: &str) -> String {
    let b = text.as_bytes();
    let mut out = String::with_capacity(text.len());
    let mut i = 0;
    while i < b.len() {
        if b[i..].starts_with(b"//") {
            while i < b.len() && b[i] != b'\n' {
                i += 1;
            }
        } else if b[i] == b'"' {
            i += 1;
            while i < b.len() && b[i] != b'"' {
                i += if b[i] == b'\\' { 2 } else { 1 };
            }
            i += 1;
            out.push_str("\"\"");
        } else {
            let ch = text[i..].chars().next().unwrap();
            out.push(ch);
            i += ch.len_utf8();
        }
    }
    out
}

/// The graph: module → modules it names (`crate::…`, `super::…`, and the
/// modules behind `crate::prelude`).
fn graph() -> BTreeMap<String, BTreeSet<String>> {
    let root = src();
    let mut all = Vec::new();
    files(&root, &mut all);
    let modules: BTreeSet<String> = all
        .iter()
        .map(|p| module_of(p.strip_prefix(&root).unwrap()))
        .collect();
    // The longest module that is a prefix of `path` (`a::b::Item` → `a::b`).
    let resolve = |path: &str| -> Option<String> {
        let segs: Vec<&str> = path.split("::").collect();
        (1..=segs.len())
            .rev()
            .map(|n| segs[..n].join("::"))
            .find(|m| modules.contains(m))
    };
    let mut g: BTreeMap<String, BTreeSet<String>> = BTreeMap::new();
    for p in &all {
        let rel = p.strip_prefix(&root).unwrap();
        let me = module_of(rel);
        if me.is_empty() {
            continue; // the crate root declares every module and composes routes
        }
        let text = code_only(&std::fs::read_to_string(p).unwrap());
        let mut deps = BTreeSet::new();
        let is_mod_rs = rel.file_name().is_some_and(|f| f == "mod.rs");
        let parent = if is_mod_rs {
            me.clone()
        } else {
            me.rsplit_once("::")
                .map(|(a, _)| a.to_string())
                .unwrap_or_default()
        };
        let mut push = |full: String| {
            // `crate::units::views::{a, b}` names `units::views`; a bare
            // `crate::units::{views, api}` names both.
            if let Some(m) = resolve(&full) {
                if m != me {
                    deps.insert(m);
                }
            }
        };
        for (prefix, base) in [("crate::", String::new()), ("super::", parent.clone())] {
            let mut rest = text.as_str();
            while let Some(i) = rest.find(prefix) {
                let before = rest[..i].chars().last();
                rest = &rest[i + prefix.len()..];
                if before.is_some_and(|c| c.is_alphanumeric() || c == '_') {
                    continue;
                }
                let path: String = rest
                    .chars()
                    .take_while(|c| c.is_alphanumeric() || *c == '_' || *c == ':')
                    .collect();
                let path = path.trim_end_matches(':');
                let full = if base.is_empty() {
                    path.to_string()
                } else if prefix == "super::" {
                    let up = base.rsplit_once("::").map(|(a, _)| a).unwrap_or("");
                    if up.is_empty() {
                        path.to_string()
                    } else {
                        format!("{up}::{path}")
                    }
                } else {
                    format!("{base}::{path}")
                };
                // `use crate::a::{b, c::D}`: each name in the braces.
                let after = &rest[path.len()..];
                if let Some(braced) = after.strip_prefix("::{") {
                    let inner: String = braced.chars().take_while(|c| *c != '}').collect();
                    for name in inner.split(',') {
                        let name = name.trim().split("::").next().unwrap_or("").trim();
                        if !name.is_empty() && name != "self" && name != "*" {
                            push(format!("{full}::{name}"));
                        }
                    }
                }
                push(full);
            }
        }
        g.insert(me, deps);
    }
    // `crate::prelude::*` stands for the modules it re-exports.
    if let Some(pre) = g.get("prelude").cloned() {
        for (m, deps) in g.iter_mut() {
            if deps.remove("prelude") {
                deps.extend(pre.iter().filter(|d| *d != m).cloned());
            }
        }
    }
    g.remove("prelude");
    g
}

fn top(m: &str) -> &str {
    m.split("::").next().unwrap_or(m)
}

/// A cycle through `start`, if there is one.
fn find_cycle(g: &BTreeMap<String, BTreeSet<String>>) -> Option<Vec<String>> {
    #[derive(Clone, Copy, PartialEq)]
    enum Mark {
        New,
        Open,
        Done,
    }
    fn visit(
        n: &str,
        g: &BTreeMap<String, BTreeSet<String>>,
        mark: &mut BTreeMap<String, Mark>,
        stack: &mut Vec<String>,
    ) -> Option<Vec<String>> {
        mark.insert(n.to_string(), Mark::Open);
        stack.push(n.to_string());
        for d in g.get(n).into_iter().flatten() {
            match mark.get(d.as_str()).copied().unwrap_or(Mark::New) {
                Mark::Open => {
                    let at = stack.iter().position(|s| s == d).unwrap();
                    let mut c = stack[at..].to_vec();
                    c.push(d.clone());
                    return Some(c);
                }
                Mark::New => {
                    if let Some(c) = visit(d, g, mark, stack) {
                        return Some(c);
                    }
                }
                Mark::Done => {}
            }
        }
        stack.pop();
        mark.insert(n.to_string(), Mark::Done);
        None
    }
    let mut mark = BTreeMap::new();
    for n in g.keys() {
        if mark.get(n.as_str()).copied().unwrap_or(Mark::New) == Mark::New {
            if let Some(c) = visit(n, g, &mut mark, &mut Vec::new()) {
                return Some(c);
            }
        }
    }
    None
}

#[test]
fn the_module_graph_has_no_cycle() {
    let g = graph();
    assert!(g.len() > 30, "expected the feature layout, found {g:?}");
    for (m, deps) in &g {
        println!(
            "{m} → {}",
            deps.iter().cloned().collect::<Vec<_>>().join(", ")
        );
    }
    if let Some(c) = find_cycle(&g) {
        panic!("import cycle: {}", c.join(" → "));
    }
}

#[test]
fn shared_layers_use_no_feature_and_features_use_no_other_features_handlers() {
    let g = graph();
    let mut wrong = Vec::new();
    for (m, deps) in &g {
        for d in deps {
            let (from, to) = (top(m), top(d));
            let d_leaf = d.rsplit("::").next().unwrap_or(d);
            if SHARED.contains(&from) && FEATURES.contains(&to) {
                wrong.push(format!("{m} (shared) uses the feature module {d}"));
            }
            if FEATURES.contains(&from)
                && FEATURES.contains(&to)
                && from != to
                && HANDLERS.contains(&d_leaf)
            {
                wrong.push(format!("{m} uses another feature's handlers {d}"));
            }
        }
    }
    assert!(wrong.is_empty(), "{}", wrong.join("\n"));
}

/// A check that the check can fail: a made-up cycle is found.
#[test]
fn a_cycle_is_found() {
    let mut g = BTreeMap::new();
    g.insert("a".to_string(), BTreeSet::from(["b".to_string()]));
    g.insert("b".to_string(), BTreeSet::from(["c".to_string()]));
    g.insert("c".to_string(), BTreeSet::from(["a".to_string()]));
    assert_eq!(
        find_cycle(&g),
        Some(vec!["a".into(), "b".into(), "c".into(), "a".into()])
    );
}
