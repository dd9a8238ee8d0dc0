//! The description of every operation (事项类型) against the operation
//! itself: a description that names a field the operation does not have,
//! misses one it has, calls an optional field required or the reverse, or
//! sits at the wrong place in the table fails here.

use std::collections::BTreeSet;

use bianzhi_core::matter::describe::{build, find, normalise_op_name, FieldKind, OpSpec, OPS};
use bianzhi_core::Op;
use serde_json::Value;

use crate::common::idn;

/// A value a clerk might type for a field of this kind.
fn sample(kind: FieldKind) -> String {
    match kind {
        FieldKind::Unit => "盐都区教育局".into(),
        FieldKind::QuotaType => "事业编制".into(),
        FieldKind::Funding => "全额拨款".into(),
        FieldKind::Count => "2".into(),
        FieldKind::Year => "2026".into(),
        FieldKind::Date => "2026-09-01".into(),
        FieldKind::Person => "320903199001010014".into(),
        FieldKind::IdNumber => idn(1).as_str().into(),
        FieldKind::PlanLine | FieldKind::Loan | FieldKind::Body => "3".into(),
        FieldKind::Text => "测试名称".into(),
        FieldKind::LongText => "第一行\n第二行".into(),
        FieldKind::Flag => "是".into(),
        FieldKind::Choice(c) => c.options()[0].1.into(),
        FieldKind::Code(c) => c.names().next().unwrap_or_default().into(),
        FieldKind::Tranches => "2026-09-01 2\n2027-09-01 3".into(),
        FieldKind::Assigned => String::new(),
    }
}

/// The JSON a form filled with `keys` would send.
fn example(spec: &OpSpec, keys: &BTreeSet<&str>) -> Value {
    build(spec, |k| {
        keys.contains(k)
            .then(|| spec.field(k).map(|f| sample(f.kind)))
            .flatten()
    })
    .unwrap_or_else(|e| panic!("{}: {e}", spec.code))
}

fn all_keys(spec: &OpSpec) -> BTreeSet<&'static str> {
    spec.entered().map(|f| f.key).collect()
}

fn required_keys(spec: &OpSpec) -> BTreeSet<&'static str> {
    spec.entered()
        .filter(|f| f.required)
        .map(|f| f.key)
        .collect()
}

/// The dotted keys of every leaf of a JSON object (lists are leaves).
fn leaves(v: &Value, prefix: &str, out: &mut BTreeSet<String>) {
    if let Value::Object(m) = v {
        for (k, v) in m {
            let key = if prefix.is_empty() {
                k.clone()
            } else {
                format!("{prefix}.{k}")
            };
            match v {
                Value::Object(_) => leaves(v, &key, out),
                _ => {
                    out.insert(key);
                }
            }
        }
    }
}

#[test]
fn every_operation_is_described_once_in_variant_order() {
    assert_eq!(OPS.len(), 43);
    let codes: BTreeSet<_> = OPS.iter().map(|s| s.code).collect();
    let labels: BTreeSet<_> = OPS.iter().map(|s| s.label).collect();
    assert_eq!(codes.len(), OPS.len(), "a code is used twice");
    assert_eq!(labels.len(), OPS.len(), "a 事项类型 name is used twice");
    for spec in OPS.iter() {
        assert!(!spec.help.is_empty(), "{}: no help", spec.code);
        let keys: BTreeSet<_> = spec.fields.iter().map(|f| f.key).collect();
        assert_eq!(
            keys.len(),
            spec.fields.len(),
            "{}: a field twice",
            spec.code
        );
        for f in spec.fields {
            assert!(!f.label.is_empty(), "{}.{}: no label", spec.code, f.key);
            assert!(
                f.label
                    .chars()
                    .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
                "{}.{}: the label is not Chinese",
                spec.code,
                f.key
            );
        }
    }
}

#[test]
fn a_full_form_and_a_minimal_form_give_the_operation_described() {
    for spec in OPS.iter() {
        for keys in [all_keys(spec), required_keys(spec)] {
            let v = example(spec, &keys);
            let op: Op = serde_json::from_value(v.clone())
                .unwrap_or_else(|e| panic!("{}: {e} in {v}", spec.code));
            assert_eq!(op.code(), spec.code, "{v}");
            assert_eq!(op.label(), spec.label);
        }
    }
}

#[test]
fn every_required_field_is_required_by_the_operation() {
    for spec in OPS.iter() {
        let required = required_keys(spec);
        for key in &required {
            let mut keys = required.clone();
            keys.remove(key);
            let mut v = example(spec, &required);
            // Remove the field from the JSON (a form would refuse it earlier).
            let mut parts: Vec<&str> = key.split('.').collect();
            let last = parts.pop().unwrap();
            let mut at = &mut v;
            for p in parts {
                at = at.get_mut(p).unwrap();
            }
            at.as_object_mut().unwrap().remove(last);
            assert!(
                serde_json::from_value::<Op>(v.clone()).is_err(),
                "{}: {key} is described as required, but the operation accepts {v}",
                spec.code
            );
        }
    }
}

#[test]
fn every_field_of_the_operation_is_described() {
    for spec in OPS.iter() {
        let v = example(spec, &all_keys(spec));
        let op: Op = serde_json::from_value(v).unwrap();
        let back = serde_json::to_value(&op).unwrap();
        let mut keys = BTreeSet::new();
        leaves(&back, "", &mut keys);
        keys.remove("op");
        for k in keys {
            // An optional nested object left out serialises as null.
            assert!(
                spec.field(&k).is_some()
                    || spec
                        .fields
                        .iter()
                        .any(|f| f.key.starts_with(&format!("{k}."))),
                "{}: the operation has a field “{k}” its description does not name",
                spec.code
            );
        }
    }
}

#[test]
fn operations_are_named_by_code_or_chinese_name() {
    for spec in OPS.iter() {
        assert_eq!(find(spec.code).map(|s| s.code), Some(spec.code));
        assert_eq!(find(spec.label).map(|s| s.code), Some(spec.code));
        let mut v = example(spec, &required_keys(spec));
        v["op"] = Value::String(spec.label.into());
        let op: Op = serde_json::from_value(normalise_op_name(v)).unwrap();
        assert_eq!(op.code(), spec.code);
    }
    assert_eq!(find("周转池借出").unwrap().code, "lend");
    assert!(find("借钱").is_none());
    let unknown = normalise_op_name(serde_json::json!({"op": "借钱"}));
    assert_eq!(unknown["op"], "借钱");
}

#[test]
fn a_form_names_the_field_it_refuses() {
    let lend = find("lend").unwrap();
    let form = |pairs: &[(&str, &str)]| {
        let pairs: Vec<(String, String)> = pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        build(lend, move |k| {
            pairs
                .iter()
                .find(|(key, _)| key == k)
                .map(|(_, v)| v.clone())
        })
    };
    let e = form(&[
        ("unit", "盐都区教育局"),
        ("qtype", "事业编制"),
        ("funding", "全额拨款"),
    ])
    .unwrap_err();
    assert_eq!((e.label, e.message.as_str()), ("借出数", "必须填写"));
    let e = form(&[
        ("unit", "盐都区教育局"),
        ("qtype", "事业编制"),
        ("funding", "全额拨款"),
        ("count", "两个"),
    ])
    .unwrap_err();
    assert_eq!(e.label, "借出数");
    assert!(e.message.contains("整数"), "{e}");
    let e = form(&[
        ("unit", "1"),
        ("qtype", "事业编制"),
        ("funding", "全额拨款"),
        ("count", "2"),
        ("on_attrition", "也许"),
    ])
    .unwrap_err();
    assert_eq!(e.label, "减员归还");
    let ok = form(&[
        ("unit", "1"),
        ("qtype", "事业编制"),
        ("funding", "全额拨款"),
        ("count", "2"),
        ("due", "2027-01-01"),
        ("on_attrition", "on"),
    ])
    .unwrap();
    assert_eq!(ok["unit"], 1, "a unit number is sent as a number");
    assert_eq!(ok["on_attrition"], true);

    let phased = find("承兑编制").unwrap();
    let e = build(phased, |k| match k {
        "unit" => Some("1".into()),
        "qtype" => Some("事业编制".into()),
        "funding" => Some("全额拨款".into()),
        "tranches" => Some("2026-09-01 2\n2027-09-01".into()),
        _ => None,
    })
    .unwrap_err();
    assert_eq!(e.label, "分批下达");
    assert!(e.message.contains("第 2 行"), "{e}");

    let leave = find("出编").unwrap();
    let e = build(leave, |k| match k {
        "person" => Some("1".into()),
        "reason" => Some("跳槽".into()),
        _ => None,
    })
    .unwrap_err();
    assert!(e.message.contains("退休"), "the choices are listed: {e}");
    let v = build(leave, |k| match k {
        "person" => Some("1".into()),
        "reason" => Some("退休".into()),
        _ => None,
    })
    .unwrap();
    assert_eq!(v["reason"], "Retire");
}

#[test]
fn a_refused_path_is_named_by_its_label() {
    let hire = find("入编").unwrap();
    assert_eq!(
        hire.label_of_path("details.id_number"),
        Some("公民身份号码")
    );
    assert_eq!(hire.label_of_path(".plan_line"), Some("用编计划"));
    let phased = find("grant_phased").unwrap();
    assert_eq!(phased.label_of_path("tranches[1].count"), Some("分批下达"));
    assert_eq!(
        find("abolish_unit").unwrap().label_of_path("remap.to"),
        Some("承接单位")
    );
    assert_eq!(hire.label_of_path("nonsense"), None);
}

#[test]
fn the_description_checks_what_a_client_sends() {
    use bianzhi_core::matter::describe::check;
    for spec in OPS.iter() {
        for keys in [all_keys(spec), required_keys(spec)] {
            let v = example(spec, &keys);
            check(spec, &v).unwrap_or_else(|e| panic!("{}: {e} in {v}", spec.code));
        }
        for f in spec.entered() {
            let mut v = example(spec, &all_keys(spec));
            let mut parts: Vec<&str> = f.key.split('.').collect();
            let last = parts.pop().unwrap();
            let mut at = &mut v;
            for p in parts {
                at = at.get_mut(p).unwrap();
            }
            // A value of the wrong kind for every field but free text.
            let wrong = match f.kind {
                FieldKind::Text | FieldKind::LongText => continue,
                FieldKind::Count
                | FieldKind::Year
                | FieldKind::PlanLine
                | FieldKind::Loan
                | FieldKind::Body => Value::String("两个".into()),
                _ => Value::from(-1.5),
            };
            at[last] = wrong;
            let e = check(spec, &v).expect_err(f.key);
            assert_eq!(e.label, f.label);
        }
    }
}
