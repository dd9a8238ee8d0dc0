//! Person fields are `CompactString`s (inline short strings) but read and
//! write exactly as the `String`s they were: journals (JSON) and snapshots
//! (postcard) written before decode the same, and new ones are byte-identical.

use std::collections::BTreeMap;

use bianzhi_core::model::{Person, PersonDetails};
use bianzhi_core::{Matter, Op, PersonId};
use serde::{Deserialize, Serialize};

use crate::common::*;

/// `PersonDetails` as it was declared with `String` fields.
#[derive(Debug, Serialize, Deserialize, PartialEq)]
struct OldDetails {
    name: String,
    id_number: String,
    #[serde(default = "han")]
    ethnicity: String,
    #[serde(default)]
    political: String,
    #[serde(default)]
    education: String,
    #[serde(default)]
    work_start: Option<chrono::NaiveDate>,
    identity: bianzhi_core::catalog::StaffIdentity,
    #[serde(default)]
    post_grade: String,
    #[serde(default)]
    position: String,
}

fn han() -> String {
    "汉族".into()
}

fn old(d: &PersonDetails) -> OldDetails {
    OldDetails {
        name: d.name.clone(),
        id_number: d.id_number.as_str().into(),
        ethnicity: d.ethnicity.to_string(),
        political: d.political.to_string(),
        education: d.education.to_string(),
        work_start: d.work_start,
        identity: d.identity,
        post_grade: d.post_grade.to_string(),
        // Longer than the 24 bytes kept inline.
        position: d.position.to_string(),
    }
}

fn sample() -> PersonDetails {
    let mut p = person("欧阳明月", 7);
    p.post_grade = "专业技术岗位十级".into();
    p.position = "党组成员、副局长（正科级）兼办公室主任".into();
    p
}

#[test]
fn person_details_read_and_write_as_strings() {
    let new = sample();
    let was = old(&new);
    // JSON (the journal).
    let json_old = serde_json::to_vec(&was).unwrap();
    assert_eq!(serde_json::to_vec(&new).unwrap(), json_old);
    assert_eq!(
        serde_json::from_slice::<PersonDetails>(&json_old).unwrap(),
        new
    );
    // Fields left out of old journals take their defaults.
    let sparse = format!(
        r#"{{"name":"王五","id_number":"{}","identity":"InstitutionStaff"}}"#,
        new.id_number
    );
    let d: PersonDetails = serde_json::from_str(&sparse).unwrap();
    assert_eq!(d.ethnicity, "汉族");
    assert!(d.political.is_empty() && d.position.is_empty());
    // An invalid 身份证号 is still refused on decoding.
    let bad = String::from_utf8(json_old.clone())
        .unwrap()
        .replace(new.id_number.as_str(), "123456789012345678");
    assert!(serde_json::from_str::<PersonDetails>(&bad).is_err());
    // postcard (the snapshot).
    let pc_old = postcard::to_stdvec(&was).unwrap();
    assert_eq!(postcard::to_stdvec(&new).unwrap(), pc_old);
    assert_eq!(postcard::from_bytes::<PersonDetails>(&pc_old).unwrap(), new);
}

#[test]
fn a_matter_and_a_person_round_trip_unchanged() {
    let mut l = fixture();
    let m: Matter = matter(
        "盐编〔2024〕2号",
        "2024-02-01",
        vec![Op::Hire {
            person: None,
            account: acct(SCHOOL, "事业编制"),
            body: None,
            plan_line: bianzhi_core::PlanLineId(0),
            details: sample(),
        }],
    );
    submit(&mut l, m).unwrap();
    let (_, stored) = l.decoded_journal().unwrap().pop().unwrap();
    let json = serde_json::to_string(&stored).unwrap();
    let back: Matter = serde_json::from_str(&json).unwrap();
    assert_eq!(back, stored);
    assert_eq!(serde_json::to_string(&back).unwrap(), json);
    // The recorded person and the index by 身份证号 in a snapshot.
    let p: &Person = l.state().person(PersonId(0)).unwrap();
    assert_eq!(p.enrol_doc, "盐编〔2024〕2号");
    let bytes = postcard::to_stdvec(l.state()).unwrap();
    let st: bianzhi_core::State = postcard::from_bytes(&bytes).unwrap();
    assert_eq!(&st, l.state());
    // The index map writes as a map of strings.
    let idx: BTreeMap<String, PersonId> = st
        .person_by_id_number
        .iter()
        .map(|(k, v)| (k.to_string(), *v))
        .collect();
    let compact: BTreeMap<compact_str::CompactString, PersonId> = st
        .person_by_id_number
        .iter()
        .map(|(k, v)| (k.clone(), *v))
        .collect();
    assert_eq!(
        postcard::to_stdvec(&idx).unwrap(),
        postcard::to_stdvec(&compact).unwrap()
    );
}
