//! The operation editor of every page that builds a matter: one fieldset per
//! operation, drawn from the operation's description
//! ([`bianzhi_core::matter::describe`]), so a new operation gets its form by
//! getting its description. Shared: imports no feature.
//!
//! Form fields: `n` (how many operations), `op0`, `op1` … (each one's code),
//! `o0.unit`, `o0.count` … (each one's fields by key), and `action`: `add`
//! (with `add_op`), `remove3`, `preview` or `record`.

use std::collections::HashMap;

use bianzhi_core::matter::describe::{self, Choice, CodeList, Family, FieldKind, OpSpec};
use bianzhi_core::{State, UnitId};
use chrono::NaiveDate;

use crate::http::error::WebError;

/// The most operations one matter may hold in the form.
pub const MAX_OPS: usize = 50;

/// What the pickers offer, read once per page from the ledger.
pub struct Choices {
    /// Units in scope: full name and pinyin initials (for search as you type).
    pub units: Vec<(String, String)>,
    pub qtypes: Vec<String>,
    pub fundings: Vec<String>,
    /// Open plan lines: number and a label with unit, year, channel, type and balance.
    pub plan_lines: Vec<(String, String)>,
    /// Outstanding 周转池 loans: number and a label with unit, count, due date, status.
    pub loans: Vec<(String, String)>,
    /// 内设机构 of the units in scope: number and `第 N 号 · 单位 · 名称`.
    pub bodies: Vec<(String, String)>,
}

impl Choices {
    /// The pickers' contents as of `date`, limited to `scope` (None = all).
    pub fn of(st: &State, scope: Option<&[UnitId]>, date: NaiveDate) -> Choices {
        let visible = |u: UnitId| scope.is_none_or(|s| s.contains(&u));
        let units = bianzhi_core::query::units_at(st, date)
            .into_iter()
            .filter(|u| visible(u.id))
            .map(|u| {
                (
                    u.name.clone(),
                    bianzhi_core::query::pinyin_initials(&u.name),
                )
            })
            .collect();
        let plan_lines = st
            .plan_lines
            .iter()
            .flatten()
            .filter(|p| visible(p.unit) && p.remaining() > 0)
            .map(|p| {
                (
                    p.id.0.to_string(),
                    format!(
                        "第 {} 号 · {} · {} 年{} · {} · 余 {}",
                        p.id.0,
                        st.unit_name(p.unit),
                        p.year,
                        p.channel.label(),
                        st.qtype_name(p.qtype),
                        p.remaining()
                    ),
                )
            })
            .collect();
        let loans = st
            .loans
            .iter()
            .flatten()
            .filter(|l| visible(l.key.unit) && l.outstanding() > 0)
            .map(|l| {
                let status = if l.overdue(date) {
                    "到期未还"
                } else {
                    "在借"
                };
                let due = l
                    .due
                    .map(|d| format!("到期 {d}"))
                    .unwrap_or_else(|| "无期限".into());
                (
                    l.id.0.to_string(),
                    format!(
                        "第 {} 号 · {} · {} 未还 {} · {} · {}",
                        l.id.0,
                        st.unit_name(l.key.unit),
                        st.account_label(&l.key),
                        l.outstanding(),
                        due,
                        status
                    ),
                )
            })
            .collect();
        let bodies = bianzhi_core::query::units_at(st, date)
            .into_iter()
            .filter(|u| visible(u.id))
            .flat_map(|u| {
                u.bodies.iter().filter(|b| !b.abolished).map(move |b| {
                    (
                        b.id.0.to_string(),
                        format!("第 {} 号 · {} · {}", b.id.0, u.name, b.name),
                    )
                })
            })
            .collect();
        Choices {
            bodies,
            units,
            qtypes: st.quota_types.iter().map(|q| q.name.clone()).collect(),
            fundings: st.funding_forms.iter().map(|q| q.name.clone()).collect(),
            plan_lines,
            loans,
        }
    }
}

/// One field as drawn.
pub struct FieldView {
    /// The form name (`o0.count`) and the element id (`o0-count`).
    pub name: String,
    pub id: String,
    pub label: &'static str,
    pub help: &'static str,
    pub required: bool,
    /// `input`, `select`, `check` or `area`.
    pub widget: &'static str,
    /// For `input`: text, number, date.
    pub input_type: &'static str,
    /// For `input`: the datalist offered (`units`), or empty.
    pub list: &'static str,
    pub placeholder: &'static str,
    /// What the field picks, for the page's script (`unit`, `person`,
    /// `plan`, `qtype` …); empty for plain fields.
    pub pick: &'static str,
    /// For `select`: value and label.
    pub options: Vec<(String, String)>,
    pub value: String,
}

impl FieldView {
    pub fn checked(&self) -> bool {
        matches!(self.value.as_str(), "on" | "true" | "1" | "是")
    }
}

/// One operation as drawn.
pub struct OpView {
    pub index: usize,
    pub code: &'static str,
    pub label: &'static str,
    pub help: &'static str,
    pub fields: Vec<FieldView>,
}

/// The 新建事项 menu: families and their operations (code, Chinese name).
pub fn menu() -> Vec<(&'static str, Vec<(&'static str, &'static str)>)> {
    Family::ALL
        .iter()
        .map(|fam| {
            (
                fam.label(),
                describe::OPS
                    .iter()
                    .filter(|s| s.family == *fam)
                    .map(|s| (s.code, s.label))
                    .collect(),
            )
        })
        .collect()
}

/// The operations the form holds, in order.
pub fn posted(f: &HashMap<String, String>) -> Vec<&'static OpSpec> {
    let n: usize = f
        .get("n")
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0)
        .min(MAX_OPS);
    (0..n)
        .filter_map(|i| f.get(&format!("op{i}")).and_then(|c| describe::find(c)))
        .collect()
}

/// Writes the operation list back into the form values (after an add or a
/// removal, so that field names stay `o0…o{n-1}`).
fn store(
    f: &mut HashMap<String, String>,
    specs: &[(&'static OpSpec, HashMap<&'static str, String>)],
) {
    f.retain(|k, _| !(k.starts_with('o') && k[1..].starts_with(|c: char| c.is_ascii_digit())));
    f.insert("n".into(), specs.len().to_string());
    for (i, (spec, values)) in specs.iter().enumerate() {
        f.insert(format!("op{i}"), spec.code.into());
        for (k, v) in values {
            f.insert(format!("o{i}.{k}"), v.clone());
        }
    }
}

fn values_of(
    f: &HashMap<String, String>,
    i: usize,
    spec: &OpSpec,
) -> HashMap<&'static str, String> {
    spec.entered()
        .filter_map(|fd| {
            f.get(&format!("o{i}.{}", fd.key))
                .map(|v| (fd.key, v.clone()))
        })
        .collect()
}

/// Adds an operation (by code or Chinese name) at the end.
pub fn add(f: &mut HashMap<String, String>, code: &str) -> Result<(), WebError> {
    let spec = describe::find(code).ok_or_else(|| WebError::BadOperation {
        code: "unknown_operation",
        message: "请先选择要添加的事项类型".into(),
    })?;
    let mut list: Vec<_> = posted(f)
        .into_iter()
        .enumerate()
        .map(|(i, s)| (s, values_of(f, i, s)))
        .collect();
    if list.len() >= MAX_OPS {
        return Err(WebError::BadOperation {
            code: "invalid_field",
            message: format!("一件事项最多 {MAX_OPS} 项操作"),
        });
    }
    list.push((spec, HashMap::new()));
    store(f, &list);
    Ok(())
}

/// Removes operation `i`.
pub fn remove(f: &mut HashMap<String, String>, i: usize) {
    let mut list: Vec<_> = posted(f)
        .into_iter()
        .enumerate()
        .map(|(j, s)| (s, values_of(f, j, s)))
        .collect();
    if i < list.len() {
        list.remove(i);
    }
    store(f, &list);
}

/// The operations a form sends: those written in the advanced JSON box
/// (`ops_json`, an object or an array of them) when it is filled in, else
/// the editor's.
pub fn ops_of(f: &HashMap<String, String>) -> Result<Vec<serde_json::Value>, WebError> {
    let json = f.get("ops_json").map(|s| s.trim()).unwrap_or("");
    if json.is_empty() {
        return build(f);
    }
    match crate::http::json::parse::<serde_json::Value>(json.as_bytes())? {
        serde_json::Value::Array(v) => Ok(v),
        o @ serde_json::Value::Object(_) => Ok(vec![o]),
        _ => Err(WebError::invalid(
            "invalid_field",
            "操作 JSON 应为对象或对象数组",
        )),
    }
}

/// The JSON of every operation in the form; a field filled in wrongly is
/// refused with its operation's and its own Chinese label.
pub fn build(f: &HashMap<String, String>) -> Result<Vec<serde_json::Value>, WebError> {
    let specs = posted(f);
    if specs.is_empty() {
        return Err(WebError::BadOperation {
            code: "missing_field",
            message: "请至少添加一项操作".into(),
        });
    }
    specs
        .iter()
        .enumerate()
        .map(|(i, spec)| {
            describe::build(spec, |k| f.get(&format!("o{i}.{k}")).cloned()).map_err(|e| {
                WebError::BadOperation {
                    code: if e.message == "必须填写" {
                        "missing_field"
                    } else {
                        "invalid_field"
                    },
                    message: format!(
                        "第 {} 项操作（{}）：“{}”{}",
                        i + 1,
                        spec.label,
                        e.label,
                        e.message
                    ),
                }
            })
        })
        .collect()
}

/// The form values of operations already written (a draft being edited):
/// units and catalogue entries by name, choices by label, flags ticked,
/// tranches one per line.
pub fn fields_of(ops: &[bianzhi_core::Op], st: &State) -> HashMap<String, String> {
    use serde_json::Value;
    let mut f = HashMap::new();
    f.insert("n".into(), ops.len().min(MAX_OPS).to_string());
    for (i, op) in ops.iter().take(MAX_OPS).enumerate() {
        let spec = op.spec();
        f.insert(format!("op{i}"), spec.code.into());
        let v = serde_json::to_value(op).unwrap_or_default();
        for fd in spec.entered() {
            let mut at = Some(&v);
            for part in fd.key.split('.') {
                at = at.and_then(|x| x.get(part));
            }
            let Some(x) = at.filter(|x| !x.is_null()) else {
                continue;
            };
            let text = match (fd.kind, x) {
                (FieldKind::Unit, Value::Number(n)) => n
                    .as_u64()
                    .map(|n| st.unit_name(UnitId(n as u32)))
                    .unwrap_or_default(),
                (FieldKind::QuotaType, Value::Number(n)) => n
                    .as_u64()
                    .map(|n| st.qtype_name(bianzhi_core::QuotaTypeId(n as u16)))
                    .unwrap_or_default(),
                (FieldKind::Funding, Value::Number(n)) => n
                    .as_u64()
                    .and_then(|n| st.funding_form(bianzhi_core::FundingId(n as u8)))
                    .map(|x| x.name.clone())
                    .unwrap_or_default(),
                (FieldKind::Choice(c), Value::String(s)) => c
                    .options()
                    .into_iter()
                    .find(|(v, _)| v == s)
                    .map(|(_, l)| l.to_string())
                    .unwrap_or_else(|| s.clone()),
                (FieldKind::Flag, Value::Bool(b)) => {
                    if *b {
                        "on".into()
                    } else {
                        continue;
                    }
                }
                (FieldKind::Tranches, Value::Array(a)) => a
                    .iter()
                    .map(|t| {
                        format!(
                            "{} {}",
                            t.get("date").and_then(Value::as_str).unwrap_or_default(),
                            t.get("count").and_then(Value::as_i64).unwrap_or_default()
                        )
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
                (_, Value::String(s)) => s.clone(),
                (_, other) => other.to_string(),
            };
            f.insert(format!("o{i}.{}", fd.key), text);
        }
    }
    f
}

fn choice_options(c: Choice, required: bool) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    if !required {
        v.push((String::new(), "（不填）".into()));
    }
    v.extend(
        c.options()
            .into_iter()
            .map(|(_, l)| (l.to_string(), l.to_string())),
    );
    v
}

/// The canonical names of a code table; a value typed before that is not
/// one of them (an alias, or text from a draft) is kept as the first choice
/// so that the form shows what was sent; the ledger records its canonical
/// name or refuses it.
fn code_options(c: CodeList, required: bool, value: &str) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    if !required {
        v.push((String::new(), "（不填）".into()));
    }
    let value = value.trim();
    if !value.is_empty() && !c.names().any(|n| n == value) {
        v.push((value.to_string(), value.to_string()));
    }
    v.extend(c.names().map(|n| (n.to_string(), n.to_string())));
    v
}

fn named(list: &[String], required: bool) -> Vec<(String, String)> {
    let mut v: Vec<(String, String)> = Vec::new();
    if !required {
        v.push((String::new(), "（不填）".into()));
    }
    v.extend(list.iter().map(|s| (s.clone(), s.clone())));
    v
}

/// The operations of the form, drawn with the values typed so far.
pub fn views(f: &HashMap<String, String>, choices: &Choices) -> Vec<OpView> {
    posted(f)
        .into_iter()
        .enumerate()
        .map(|(i, spec)| OpView {
            index: i,
            code: spec.code,
            label: spec.label,
            help: spec.help,
            fields: spec
                .entered()
                .map(|fd| {
                    let name = format!("o{i}.{}", fd.key);
                    let value = f.get(&name).cloned().unwrap_or_default();
                    let mut v = FieldView {
                        id: name.replace('.', "-"),
                        name,
                        label: fd.label,
                        help: fd.help,
                        required: fd.required,
                        widget: "input",
                        input_type: "text",
                        list: "",
                        placeholder: "",
                        pick: "",
                        options: Vec::new(),
                        value,
                    };
                    match fd.kind {
                        FieldKind::Unit => {
                            v.pick = "unit";
                            v.list = "units";
                            v.placeholder = "输入单位名称或拼音首字母";
                        }
                        FieldKind::QuotaType => {
                            v.pick = "qtype";
                            v.widget = "select";
                            v.options = named(&choices.qtypes, fd.required);
                        }
                        FieldKind::Funding => {
                            v.widget = "select";
                            v.options = named(&choices.fundings, fd.required);
                        }
                        FieldKind::Count | FieldKind::Year => {
                            v.input_type = "number";
                        }
                        FieldKind::Body => {
                            v.pick = "body";
                            v.widget = "select";
                            let none = if fd.required {
                                "请选择内设机构"
                            } else {
                                "（单位本级）"
                            };
                            v.options = std::iter::once((String::new(), none.into()))
                                .chain(choices.bodies.iter().cloned())
                                .collect();
                        }
                        FieldKind::Date => v.input_type = "date",
                        FieldKind::Person => {
                            v.pick = "person";
                            v.placeholder = "输入姓名或身份证号查找";
                        }
                        FieldKind::IdNumber => v.placeholder = "18 位公民身份号码",
                        FieldKind::PlanLine => {
                            v.pick = "plan";
                            v.widget = "select";
                            v.options = std::iter::once((String::new(), "请选择用编计划".into()))
                                .chain(choices.plan_lines.iter().cloned())
                                .collect();
                        }
                        FieldKind::Loan => {
                            v.widget = "select";
                            v.options = std::iter::once((String::new(), "请选择借用".into()))
                                .chain(choices.loans.iter().cloned())
                                .collect();
                        }
                        FieldKind::Text => {}
                        FieldKind::LongText | FieldKind::Tranches => v.widget = "area",
                        FieldKind::Flag => v.widget = "check",
                        FieldKind::Choice(c) => {
                            v.widget = "select";
                            v.options = choice_options(c, fd.required);
                        }
                        FieldKind::Code(c) => {
                            v.widget = "select";
                            v.options = code_options(c, fd.required, &v.value);
                        }
                        FieldKind::Assigned => {}
                    }
                    v
                })
                .collect(),
        })
        .collect()
}
