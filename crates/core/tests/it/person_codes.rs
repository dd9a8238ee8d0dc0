//! A person's 民族, 政治面貌 and 学历 are kept as the canonical names of their
//! code tables: an alias is recorded as the name, an unknown value is refused
//! at record time, and journals written before (free text) still replay.

use bianzhi_core::model::PersonDetails;
use bianzhi_core::{InputError, Ledger, Matter, Op, State, Violation};

use crate::common::*;

fn details_of(op: &Op) -> &PersonDetails {
    match op {
        Op::Hire { details, .. }
        | Op::RegisterExisting { details, .. }
        | Op::RegisterFiled { details, .. } => details,
        other => panic!("no details in {}", other.label()),
    }
}

fn details_mut(op: &mut Op) -> &mut PersonDetails {
    match op {
        Op::Hire { details, .. }
        | Op::RegisterExisting { details, .. }
        | Op::RegisterFiled { details, .. } => details,
        other => panic!("no details in {}", other.label()),
    }
}

/// `op` with the three coded fields set as a clerk typed them.
fn typed(mut op: Op, ethnicity: &str, political: &str, education: &str) -> Op {
    let d = details_mut(&mut op);
    d.ethnicity = ethnicity.into();
    d.political = political.into();
    d.education = education.into();
    op
}

fn coded(d: &PersonDetails) -> (&str, &str, &str) {
    (&d.ethnicity, &d.political, &d.education)
}

fn stored(l: &Ledger, n: u16) -> PersonDetails {
    let st = l.state();
    let id = st.person_by_id_number[idn(n).as_str()];
    st.person(id).expect("person").details.clone()
}

#[test]
fn aliases_are_recorded_as_canonical_names() {
    let mut l = fixture();
    let m = matter(
        "盐编〔2024〕2号",
        "2024-02-01",
        vec![
            typed(hire(SCHOOL, 0, "张一", 1), "汉", "中国共产党党员", "大专"),
            typed(
                register(BUREAU, "行政编制", "李二", 2),
                " 回 ",
                "团员",
                "本科",
            ),
            // Codes are accepted as well: 03 回族, 13 群众, 14 硕士研究生.
            typed(register(BUREAU, "行政编制", "王三", 3), "03", "13", "14"),
        ],
    );
    submit(&mut l, m).expect("aliases are accepted");
    let (_, recorded) = l.decoded_journal().unwrap().pop().expect("recorded");
    let got: Vec<_> = recorded.ops.iter().map(details_of).map(coded).collect();
    assert_eq!(
        got,
        [
            ("汉族", "中共党员", "大学专科"),
            ("回族", "共青团员", "大学本科"),
            ("回族", "群众", "硕士研究生"),
        ]
    );
    assert_eq!(coded(&stored(&l, 1)), ("汉族", "中共党员", "大学专科"));
    assert_eq!(coded(&stored(&l, 2)), ("回族", "共青团员", "大学本科"));
    // The journal's JSON carries the names, so a replay reads them back.
    let replayed = Ledger::from_journal(
        State::new("320903", "盐城市盐都区"),
        l.decoded_journal().unwrap(),
    )
    .expect("replays");
    assert_eq!(replayed.state(), l.state());
}

#[test]
fn blanks_are_han_and_not_known_yet() {
    let mut l = fixture();
    let m = matter(
        "盐编〔2024〕2号",
        "2024-02-01",
        vec![typed(hire(SCHOOL, 0, "张一", 1), " ", "", "")],
    );
    submit(&mut l, m).expect("blanks are accepted");
    assert_eq!(coded(&stored(&l, 1)), ("汉族", "", ""));
}

#[test]
fn an_unknown_value_is_refused_and_changes_nothing() {
    for (op, table, value) in [
        (
            typed(hire(SCHOOL, 0, "张一", 1), "火星族", "群众", "大学本科"),
            "民族",
            "火星族",
        ),
        (
            typed(
                register(BUREAU, "行政编制", "李二", 2),
                "汉族",
                "积极分子",
                "大学本科",
            ),
            "政治面貌",
            "积极分子",
        ),
        (
            typed(
                register(BUREAU, "行政编制", "李二", 2),
                "汉族",
                "群众",
                "博士后",
            ),
            "学历",
            "博士后",
        ),
    ] {
        let mut l = fixture();
        // The bad operation comes second: nothing of the first is kept either.
        let m = matter(
            "盐编〔2024〕2号",
            "2024-02-01",
            vec![register(BUREAU, "行政编制", "赵五", 5), op],
        );
        let e = refused(&mut l, m);
        assert_eq!(e.code(), "unknown_code", "{e}");
        assert!(
            matches!(
                e.violation(),
                Some(Violation::Input(InputError::UnknownCode(u))) if u.table == table && u.value == value
            ),
            "{e:?}"
        );
        let msg = e.to_string();
        assert!(msg.starts_with("第 2 项操作"), "{msg}");
        assert!(
            msg.contains(&format!("{table}“{value}”不在代码表")),
            "{msg}"
        );
        assert!(!l.state().person_by_id_number.contains_key(idn(5).as_str()));
    }
}

/// A journal written before the code tables, with free text in the three
/// fields (`本科`, `党员`, even a value no table knows), still replays and
/// keeps the text as recorded; a later backdated matter (a full replay with
/// the old matter in it) is still accepted.
#[test]
fn an_old_journal_with_free_text_still_replays() {
    let mut l = fixture();
    let m = matter(
        "盐编〔2024〕2号",
        "2024-03-01",
        vec![register(BUREAU, "行政编制", "李二", 2)],
    );
    submit(&mut l, m).expect("register");
    let mut journal = l.decoded_journal().unwrap();
    let (_, old) = journal.last_mut().expect("recorded");
    *details_mut(&mut old.ops[0]) = PersonDetails {
        ethnicity: "汉".into(),
        political: "党员".into(),
        education: "函授本科".into(),
        ..details_of(&old.ops[0]).clone()
    };
    // As an old journal stores it: JSON written before the tables.
    let json = serde_json::to_string(&journal).expect("json");
    let journal: Vec<(u64, Matter)> = serde_json::from_str(&json).expect("reads");
    let mut old = Ledger::from_journal(State::new("320903", "盐城市盐都区"), journal)
        .expect("an old journal replays");
    assert_eq!(coded(&stored(&old, 2)), ("汉", "党员", "函授本科"));
    let backdated = matter(
        "盐编〔2024〕3号",
        "2024-02-01",
        vec![register(BUREAU, "行政编制", "王三", 3)],
    );
    submit(&mut old, backdated).expect("a backdated matter replays the old one");
    assert_eq!(coded(&stored(&old, 2)), ("汉", "党员", "函授本科"));
    assert_eq!(coded(&stored(&old, 3)), ("汉族", "群众", "大学本科"));
}

/// The operation's description drives the form and the API: the three
/// fields are code-table fields, a form's alias becomes the name, and an
/// unknown value is refused naming the field.
#[test]
fn the_description_offers_the_tables_and_checks_values() {
    use bianzhi_core::matter::describe::{build, check, find, CodeList, FieldKind};
    let spec = find("hire").expect("入编");
    for (key, list) in [
        ("details.ethnicity", CodeList::Ethnicity),
        ("details.political", CodeList::Political),
        ("details.education", CodeList::Education),
    ] {
        let f = spec.field(key).expect(key);
        assert_eq!(f.kind, FieldKind::Code(list));
        assert!(!f.required, "{key} may be left out");
    }
    assert_eq!(
        CodeList::Education.names().take(3).collect::<Vec<_>>(),
        ["博士研究生", "硕士研究生", "大学本科"]
    );
    let form = |education: &'static str| {
        move |k: &str| match k {
            "unit" => Some(SCHOOL.to_string()),
            "qtype" => Some("事业编制".into()),
            "funding" => Some("全额拨款".into()),
            "plan_line" => Some("0".into()),
            "details.name" => Some("张一".into()),
            "details.id_number" => Some(idn(1).as_str().into()),
            "details.identity" => Some("事业人员".into()),
            "details.education" => Some(education.into()),
            _ => None,
        }
    };
    let v = build(spec, form("本科")).expect("an alias is accepted");
    assert_eq!(v["details"]["education"], "大学本科");
    let e = build(spec, form("博士后")).expect_err("unknown");
    assert_eq!(e.key, "details.education");
    assert_eq!(
        e.to_string(),
        "学历：不在代码表（GB/T 4658-2006）中，收到“博士后”"
    );
    // What a client sends: an alias passes (the ledger records the name), a
    // blank is "not known yet", an unknown value is refused.
    let mut v = build(spec, form("")).expect("blank");
    for (value, ok) in [("大专", true), ("", true), ("函授", false)] {
        v["details"]["education"] = value.into();
        assert_eq!(check(spec, &v).is_ok(), ok, "{value}");
    }
    v["details"]["education"] = 3.into();
    assert!(check(spec, &v).is_err());
}
