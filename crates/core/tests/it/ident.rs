//! Identifier rules (DOMAIN.md §8) against the public test vectors in
//! `data/idcheck/test-vectors.csv` and hand-written cases.

use bianzhi_core::ident::divisions::{code_name, is_known_code, is_valid_address_code};
use bianzhi_core::ident::{
    check_char, credit_check_char, make_credit_code, make_id_number, org_check_char,
    parse_credit_code, parse_doc_no, parse_id_number, CreditCode, DocNoError, IdError, IdNumber,
    Sex, UsccError,
};
use chrono::NaiveDate;

const VECTORS: &str = include_str!(concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../../data/idcheck/test-vectors.csv"
));

/// Minimal RFC 4180 line parser: quoted fields may contain commas and
/// doubled quotes.
fn split_csv_line(line: &str) -> Vec<String> {
    let mut fields = Vec::new();
    let mut field = String::new();
    let mut in_quotes = false;
    let mut chars = line.chars().peekable();
    while let Some(c) = chars.next() {
        match (c, in_quotes) {
            ('"', true) if chars.peek() == Some(&'"') => {
                field.push('"');
                chars.next();
            }
            ('"', true) => in_quotes = false,
            ('"', false) if field.is_empty() => in_quotes = true,
            (',', false) => fields.push(std::mem::take(&mut field)),
            _ => field.push(c),
        }
    }
    fields.push(field);
    fields
}

struct Vector {
    kind: String,
    value: String,
    checksum_ok: String,
    expected_valid: String,
    note: String,
}

fn vectors() -> Vec<Vector> {
    let mut lines = VECTORS.lines().filter(|l| !l.trim().is_empty());
    let header = split_csv_line(lines.next().expect("header"));
    assert_eq!(
        header,
        [
            "kind",
            "value",
            "checksum_ok",
            "expected_valid",
            "note",
            "source"
        ]
    );
    lines
        .map(|l| {
            let f = split_csv_line(l);
            assert_eq!(f.len(), 6, "row {l:?} must have 6 fields, got {f:?}");
            Vector {
                kind: f[0].clone(),
                value: f[1].clone(),
                checksum_ok: f[2].clone(),
                expected_valid: f[3].clone(),
                note: f[4].clone(),
            }
        })
        .collect()
}

#[test]
fn csv_parser_handles_quotes() {
    assert_eq!(
        split_csv_line(r#"a,"b, c","d ""e""",f"#),
        ["a", "b, c", "d \"e\"", "f"]
    );
}

#[test]
fn test_vectors_ric() {
    let rows: Vec<Vector> = vectors().into_iter().filter(|v| v.kind == "ric").collect();
    assert!(rows.len() >= 17, "expected at least 17 ric rows");
    let mut seen_15 = false;
    for v in &rows {
        let res = parse_id_number(&v.value);
        match v.expected_valid.as_str() {
            "true" => {
                let id =
                    res.unwrap_or_else(|e| panic!("{} ({}) should be valid: {e}", v.value, v.note));
                assert_eq!(id.as_str().len(), 18);
                if v.value.len() == 15 {
                    seen_15 = true;
                    assert_eq!(id.as_str(), "11010519491231002X");
                } else {
                    assert_eq!(id.as_str(), v.value.to_uppercase());
                }
            }
            "false" => {
                assert!(res.is_err(), "{} ({}) should be rejected", v.value, v.note);
            }
            other => panic!("unexpected expected_valid {other:?} for ric {}", v.value),
        }
    }
    assert!(seen_15, "the 15-digit vector must be present");
}

#[test]
fn test_vectors_uscc() {
    let rows: Vec<Vector> = vectors().into_iter().filter(|v| v.kind == "uscc").collect();
    assert!(rows.len() >= 12, "expected at least 12 uscc rows");
    let mut maybe_rows = 0;
    for v in &rows {
        let res = parse_credit_code(&v.value);
        match v.expected_valid.as_str() {
            "true" => {
                let c =
                    res.unwrap_or_else(|e| panic!("{} ({}) should be valid: {e}", v.value, v.note));
                assert_eq!(c.warning, None, "{} should have no warning", v.value);
                assert_eq!(c.code.as_str(), v.value);
            }
            "false" => match res {
                Err(_) => {}
                Ok(c) => {
                    // Accepted only because the format is fine and the
                    // checksum fails: then it must carry a warning.
                    assert_eq!(
                        v.checksum_ok, "false",
                        "{} accepted although its format is invalid",
                        v.value
                    );
                    let w = c.warning.unwrap_or_else(|| {
                        panic!("{} with a wrong check char accepted silently", v.value)
                    });
                    assert!(w.contains("校验位不符"), "warning {w:?}");
                }
            },
            "?" => {
                maybe_rows += 1;
                let c = res.unwrap_or_else(|e| {
                    panic!("{} should be accepted with a warning: {e}", v.value)
                });
                let w = c
                    .warning
                    .unwrap_or_else(|| panic!("{} needs a warning", v.value));
                assert!(w.contains("GB 32100-2015"), "warning {w:?}");
            }
            other => panic!("unexpected expected_valid {other:?} for uscc {}", v.value),
        }
    }
    assert!(maybe_rows >= 2);
}

// ---------------------------------------------------------------- 身份证

#[test]
fn ric_normalises_and_reads_fields() {
    let id = parse_id_number("  44011320141005001x \n").unwrap();
    assert_eq!(id.as_str(), "44011320141005001X");
    assert_eq!(id.to_string(), "44011320141005001X");
    assert_eq!(id.address_code(), "440113");
    assert_eq!(
        id.birth_date(),
        NaiveDate::from_ymd_opt(2014, 10, 5).unwrap()
    );
    assert_eq!(id.sex(), Sex::Male);

    let gb = parse_id_number("11010519491231002X").unwrap();
    assert_eq!(gb.sex(), Sex::Female);
    assert_eq!(gb.sex().label(), "女");
    assert_eq!(Sex::Male.label(), "男");
    assert_eq!(
        gb.birth_date(),
        NaiveDate::from_ymd_opt(1949, 12, 31).unwrap()
    );

    let old = parse_id_number("110105491231002").unwrap();
    assert_eq!(old, gb);
}

#[test]
fn ric_check_char_known_values() {
    assert_eq!(check_char("11010519491231002"), 'X');
    assert_eq!(check_char("44052418800101001"), '4');
    assert_eq!(check_char("36042619910101007"), '1');
    assert_eq!(check_char("11010120231101217"), '6');
}

#[test]
fn ric_error_messages() {
    assert_eq!(
        parse_id_number("3604261991010100").unwrap_err(),
        IdError::Length { len: 16 }
    );
    assert_eq!(
        parse_id_number("3604261991010100").unwrap_err().to_string(),
        "身份证号长度应为18位（或15位旧号码），实际为 16 位"
    );
    let e = parse_id_number("360426199101010072").unwrap_err();
    assert_eq!(
        e,
        IdError::CheckChar {
            expected: '1',
            actual: '2'
        }
    );
    assert_eq!(e.to_string(), "身份证号校验位错误：应为 1，实际为 2");
    let e = parse_id_number("990426199112010074").unwrap_err();
    assert_eq!(
        e.to_string(),
        "身份证号地址码 990426 不存在于行政区划代码表"
    );
    let e = parse_id_number("360426199113010079").unwrap_err();
    assert!(matches!(e, IdError::BirthDate { .. }), "{e:?}");
    assert!(
        e.to_string().starts_with("身份证号中的出生日期无效："),
        "{e}"
    );
    // 'X' anywhere but the last position is a format error.
    assert!(matches!(
        parse_id_number("36042619910101X071").unwrap_err(),
        IdError::Format { position: 15, .. }
    ));
    assert!(matches!(parse_id_number("").unwrap_err(), IdError::Empty));
}

#[test]
fn ric_birth_year_bounds() {
    // Valid check chars but implausible years.
    let old = format!("{}{}", "11010118491231001", check_char("11010118491231001"));
    assert!(matches!(
        parse_id_number(&old).unwrap_err(),
        IdError::BirthYear { year: 1849 }
    ));
    let late = format!("{}{}", "11010121010101001", check_char("11010121010101001"));
    assert!(matches!(
        parse_id_number(&late).unwrap_err(),
        IdError::BirthYear { year: 2101 }
    ));
    let edge = format!("{}{}", "11010118500101001", check_char("11010118500101001"));
    assert!(parse_id_number(&edge).is_ok());
    // 29 February only in leap years.
    let feb29 = |y: &str| {
        let b = format!("110101{y}0229001");
        format!("{b}{}", check_char(&b))
    };
    assert!(parse_id_number(&feb29("2000")).is_ok());
    assert!(matches!(
        parse_id_number(&feb29("1900")).unwrap_err(),
        IdError::BirthDate { .. }
    ));
}

#[test]
fn ric_address_codes_retired_and_fallbacks() {
    // 440524 潮阳县 was retired in 1993, but is still a valid address code.
    assert!(is_known_code("440524"));
    assert!(parse_id_number("440524188001010014").is_ok());
    // Unknown county under a known prefecture (3209xx): prefecture form.
    assert!(!is_known_code("320999"));
    assert!(is_valid_address_code("320999"));
    let id = make_id_number(
        "320999",
        NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
        1,
        Sex::Male,
    );
    assert!(parse_id_number(id.as_str()).is_ok());
    // Unknown prefecture under a known province: province form.
    assert!(!is_known_code("329901") && !is_known_code("329900"));
    assert!(is_valid_address_code("329901"));
    // Unknown province.
    assert!(!is_valid_address_code("990426"));
    assert!(!is_valid_address_code("000000"));
    let id = make_id_number(
        "990101",
        NaiveDate::from_ymd_opt(1990, 1, 1).unwrap(),
        1,
        Sex::Male,
    );
    assert_eq!(
        parse_id_number(id.as_str()).unwrap_err(),
        IdError::AddressCode {
            code: "990101".into()
        }
    );
    // Malformed codes.
    assert!(!is_known_code("32090"));
    assert!(!is_known_code("32090a"));
    assert!(!is_valid_address_code("3209033"));
}

#[test]
fn division_names() {
    assert_eq!(code_name("320903"), Some("盐都区"));
    assert_eq!(code_name("320900"), Some("盐城市"));
    assert_eq!(code_name("320000"), Some("江苏省"));
    // Same code, renamed: the in-use name wins.
    assert_eq!(code_name("120110"), Some("东丽区"));
    assert_eq!(code_name("990426"), None);
    assert!(bianzhi_core::ident::divisions::known_code_count() > 3000);
}

#[test]
fn ric_mask() {
    let id = parse_id_number("11010519491231002X").unwrap();
    assert_eq!(id.mask(), "1101**********002X");
    let id = make_id_number(
        "320903",
        NaiveDate::from_ymd_opt(1985, 6, 15).unwrap(),
        117,
        Sex::Female,
    );
    let m = id.mask();
    assert_eq!(m.chars().count(), 18);
    assert!(m.starts_with("3209**********"));
    assert_eq!(&m[14..], &id.as_str()[14..]);
}

#[test]
fn make_id_number_round_trips() {
    let birth = NaiveDate::from_ymd_opt(1988, 2, 29).unwrap();
    let m = make_id_number("320903", birth, 0, Sex::Male);
    assert_eq!(m.as_str()[14..17].to_string(), "001");
    let f = make_id_number("320903", birth, 0, Sex::Female);
    assert_eq!(&f.as_str()[14..17], "000");
    let f = make_id_number("320903", birth, 499, Sex::Female);
    assert_eq!(&f.as_str()[14..17], "998");
    let m = make_id_number("320903", birth, 499, Sex::Male);
    assert_eq!(&m.as_str()[14..17], "999");
    for id in [&m, &f] {
        let parsed = parse_id_number(id.as_str()).unwrap();
        assert_eq!(&parsed, id);
        assert_eq!(parsed.birth_date(), birth);
        assert_eq!(parsed.address_code(), "320903");
    }
    assert_eq!(m.sex(), Sex::Male);
    assert_eq!(f.sex(), Sex::Female);
}

#[test]
fn every_generated_id_validates() {
    let addresses = ["320903", "320902", "110101", "440524", "120110", "650100"];
    let mut n = 0u32;
    let mut date = NaiveDate::from_ymd_opt(1901, 1, 1).unwrap();
    let end = NaiveDate::from_ymd_opt(2030, 12, 31).unwrap();
    let mut seq: u16 = 0;
    while date <= end {
        for (i, addr) in addresses.iter().enumerate() {
            let sex = if (n + i as u32) & 1 == 0 {
                Sex::Male
            } else {
                Sex::Female
            };
            let id = make_id_number(addr, date, seq, sex);
            let parsed = parse_id_number(id.as_str())
                .unwrap_or_else(|e| panic!("generated {id} does not validate: {e}"));
            assert_eq!(parsed.sex(), sex, "{id}");
            assert_eq!(parsed.birth_date(), date, "{id}");
            assert_eq!(parsed.address_code(), *addr);
            // Lowercase input of the same number also parses.
            assert_eq!(parse_id_number(&id.as_str().to_lowercase()).unwrap(), id);
            // Changing any single one of the first 17 digits breaks the check
            // character or the date/address, never passes silently with the
            // same check char.
            // (every 97th number; `is_multiple_of` needs a newer toolchain)
            if n % 97 < 1 {
                for pos in 0..17 {
                    let mut bytes = id.as_str().as_bytes().to_vec();
                    bytes[pos] = b'0' + (bytes[pos] - b'0' + 1) % 10;
                    let s = String::from_utf8(bytes).unwrap();
                    assert!(parse_id_number(&s).is_err(), "{s} (from {id}) accepted");
                }
            }
            n += 1;
        }
        seq = (seq + 37) % 500;
        date = date.succ_opt().unwrap() + chrono::Duration::days(12);
    }
    assert!(n > 10_000, "only {n} numbers generated");
}

#[test]
fn id_number_serde_is_a_validated_string() {
    let id = parse_id_number("11010519491231002X").unwrap();
    let json = serde_json::to_string(&id).unwrap();
    assert_eq!(json, "\"11010519491231002X\"");
    let back: IdNumber = serde_json::from_str(&json).unwrap();
    assert_eq!(back, id);
    assert!(serde_json::from_str::<IdNumber>("\"110105194912310021\"").is_err());
    assert_eq!(serde_json::to_string(&Sex::Female).unwrap(), "\"Female\"");
}

// ---------------------------------------------------------------- 信用代码

#[test]
fn uscc_worked_example_and_fields() {
    assert_eq!(credit_check_char("91350100M000100Y4"), Some('3'));
    assert_eq!(credit_check_char("91110000600037341"), Some('L'));
    assert_eq!(credit_check_char("12120000401359081"), Some('6'));
    assert_eq!(credit_check_char("9135010"), None);
    assert_eq!(credit_check_char("91350100M000100I4"), None);
    assert_eq!(org_check_char("M000100Y"), Some('4'));
    assert_eq!(org_check_char("40000988"), Some('0'));
    assert_eq!(org_check_char("M0001TGQ"), Some('X'));

    let c = parse_credit_code(" 121200004013590816 ").unwrap();
    assert_eq!(c.warning, None);
    assert_eq!(c.code.registration_authority(), '1');
    assert_eq!(c.code.kind_code(), '2');
    assert_eq!(c.code.region_code(), "120000");
    assert_eq!(c.code.org_code(), "401359081");
    assert_eq!(c.code.to_string(), "121200004013590816");

    let lower = parse_credit_code("91110000600037341l").unwrap();
    assert_eq!(lower.code.as_str(), "91110000600037341L");
    assert_eq!(lower.warning, None);
}

#[test]
fn uscc_warning_text() {
    let c = parse_credit_code("91350211M0000XUF46").unwrap();
    assert_eq!(
        c.warning.as_deref(),
        Some("统一社会信用代码校验位不符：按 GB 32100-2015 应为 R，实际为 6（部分2016年前赋码的真实代码存在此情况，已记录）")
    );
    // Wrong organisation-code check char (pos 17) with a consistent MOD 31
    // check: still a warning, naming GB 11714.
    let first17 = "91350100M000100Y5";
    let check = credit_check_char(first17).unwrap();
    let c = parse_credit_code(&format!("{first17}{check}")).unwrap();
    let w = c.warning.expect("org code check failure must warn");
    assert!(w.contains("GB 11714"), "{w}");
    assert!(w.contains("应为 4，实际为 5"), "{w}");
    assert!(!w.contains("GB 32100"), "{w}");
}

#[test]
fn uscc_format_errors() {
    assert_eq!(
        parse_credit_code("12345").unwrap_err(),
        UsccError::Length { len: 5 }
    );
    assert_eq!(
        parse_credit_code("12345").unwrap_err().to_string(),
        "统一社会信用代码长度应为18位，实际为 5 位"
    );
    assert_eq!(
        parse_credit_code("9111000060003IOZSV").unwrap_err(),
        UsccError::IllegalChar {
            position: 14,
            found: 'I'
        }
    );
    assert!(parse_credit_code("")
        .unwrap_err()
        .to_string()
        .contains("为空"));
    assert!(parse_credit_code("91110000600037341-").is_err());
}

#[test]
fn make_credit_code_validates() {
    let regions = ["320903", "320900", "320000", "110000"];
    let bodies = [
        "MB123456", "00000000", "YYYYYYYY", "A1B2C3D4", "12345678", "4013590X",
    ];
    for authority in ['1', '5', '9', 'Y'] {
        for kind in ['1', '2', '3', '9'] {
            for region in regions {
                for body in bodies {
                    let code = make_credit_code(authority, kind, region, body);
                    let check = parse_credit_code(code.as_str()).unwrap();
                    assert_eq!(check.warning, None, "{code}");
                    assert_eq!(check.code, code);
                    assert_eq!(code.registration_authority(), authority);
                    assert_eq!(code.kind_code(), kind);
                    assert_eq!(code.region_code(), region);
                    assert_eq!(&code.org_code()[..8], body);
                }
            }
        }
    }
    let code = make_credit_code('1', '2', "320903", "MB123456");
    // Flipping the last char must produce a warning, not a silent accept.
    let last = code.as_str().chars().last().unwrap();
    let other = if last == '0' { '1' } else { '0' };
    let tampered = format!("{}{other}", &code.as_str()[..17]);
    assert!(parse_credit_code(&tampered).unwrap().warning.is_some());
}

#[test]
fn credit_code_serde_checks_format() {
    let code: CreditCode = serde_json::from_str("\"12100000400009880K\"").unwrap();
    assert_eq!(
        serde_json::to_string(&code).unwrap(),
        "\"12100000400009880K\""
    );
    assert!(serde_json::from_str::<CreditCode>("\"12345\"").is_err());
}

// ---------------------------------------------------------------- 文号

#[test]
fn doc_no_variants() {
    let cases = [
        "盐编〔2021〕12号",
        "盐编[2021]12号",
        "盐编（2021）012号",
        "盐编(2021)12号",
        "盐编【2021】第12号",
        "盐编［2021］12号",
        "盐编「2021」12号",
        "盐编〔２０２１〕12",
        "  盐编 〔2021〕 第 0012 号  ",
        "盐编〔2021〕１２号",
    ];
    for c in cases {
        let d = parse_doc_no(c).unwrap_or_else(|e| panic!("{c:?} should parse: {e}"));
        assert_eq!(d.agency, "盐编", "{c:?}");
        assert_eq!(d.year, 2021, "{c:?}");
        assert_eq!(d.number, 12, "{c:?}");
        assert_eq!(d.raw, c.trim(), "{c:?}");
        assert_eq!(d.to_string(), "盐编〔2021〕12号", "{c:?}");
    }
    let d = parse_doc_no("苏编办复〔2019〕105号").unwrap();
    assert_eq!(
        (d.agency.as_str(), d.year, d.number),
        ("苏编办复", 2019, 105)
    );
    let d = parse_doc_no("中编委发[1949]1号").unwrap();
    assert_eq!(d.year, 1949);
}

#[test]
fn doc_no_failures() {
    assert!(matches!(
        parse_doc_no("〔2021〕12号").unwrap_err(),
        DocNoError::MissingAgency { .. }
    ));
    assert!(matches!(
        parse_doc_no("盐编12号").unwrap_err(),
        DocNoError::MissingYear { .. }
    ));
    assert!(matches!(
        parse_doc_no("盐编〔〕12号").unwrap_err(),
        DocNoError::MissingYear { .. }
    ));
    assert!(matches!(
        parse_doc_no("盐编〔21〕12号").unwrap_err(),
        DocNoError::BadYear { .. }
    ));
    assert!(matches!(
        parse_doc_no("盐编〔1948〕12号").unwrap_err(),
        DocNoError::BadYear { .. }
    ));
    assert!(matches!(
        parse_doc_no("盐编〔2101〕12号").unwrap_err(),
        DocNoError::BadYear { .. }
    ));
    assert!(matches!(
        parse_doc_no("盐编〔2021〕号").unwrap_err(),
        DocNoError::MissingNumber { .. }
    ));
    assert!(matches!(
        parse_doc_no("盐编〔2021〕").unwrap_err(),
        DocNoError::MissingNumber { .. }
    ));
    assert!(matches!(
        parse_doc_no("盐编〔2021〕0号").unwrap_err(),
        DocNoError::BadNumber { .. }
    ));
    assert!(matches!(
        parse_doc_no("盐编〔2021〕12号附件").unwrap_err(),
        DocNoError::TrailingText { .. }
    ));
    assert!(matches!(
        parse_doc_no("盐编〔2021 12号").unwrap_err(),
        DocNoError::UnclosedBracket { .. }
    ));
    assert!(matches!(
        parse_doc_no("   ").unwrap_err(),
        DocNoError::Empty
    ));
    let msg = parse_doc_no("盐编12号").unwrap_err().to_string();
    assert!(msg.contains("年份") && msg.contains("盐编12号"), "{msg}");
}

#[test]
fn doc_no_serde_round_trip() {
    let d = parse_doc_no("盐编【2021】第012号").unwrap();
    let json = serde_json::to_string(&d).unwrap();
    let back: bianzhi_core::ident::DocNo = serde_json::from_str(&json).unwrap();
    assert_eq!(back, d);
    assert_eq!(back.raw, "盐编【2021】第012号");
    assert_eq!(back.to_string(), "盐编〔2021〕12号");
}

#[test]
fn id_numbers_are_found_and_masked_in_any_text() {
    use bianzhi_core::ident::{find_id_numbers, mask_id_numbers};
    let a = make_id_number(
        "320903",
        NaiveDate::from_ymd_opt(1990, 5, 1).unwrap(),
        7,
        Sex::Male,
    );
    let b = make_id_number(
        "110105",
        NaiveDate::from_ymd_opt(1949, 12, 31).unwrap(),
        1,
        Sex::Female,
    );
    let text = format!(
        r#"{{"details":{{"id_number":"{a}","name":"王芳"}},"x":"{b}"}} 号码{a}，另{}"#,
        b.as_str().to_lowercase()
    );
    assert_eq!(find_id_numbers(&text).len(), 4);
    let masked = mask_id_numbers(&text);
    assert!(find_id_numbers(&masked).is_empty(), "{masked}");
    assert!(masked.contains(&a.mask()) && masked.contains(&b.mask()));
    assert!(masked.contains("王芳") && masked.contains("号码"));
    // Longer or shorter digit runs and numbers with a wrong check character
    // are left alone, and text without a number is borrowed.
    let wrong = format!("{}0", &a.as_str()[..17]);
    let wrong = if wrong == a.as_str() {
        format!("{}1", &a.as_str()[..17])
    } else {
        wrong
    };
    assert_ne!(a.check_char(), 'X', "the test number ends in a digit");
    for s in [
        format!("9{a}"),
        format!("{a}9"),
        a.as_str()[..17].to_string(),
        wrong,
    ] {
        assert!(find_id_numbers(&s).is_empty(), "{s}");
        assert!(matches!(mask_id_numbers(&s), std::borrow::Cow::Borrowed(_)));
    }
}

/// One masking rule: a parsed number, a number found in text and a raw value
/// (malformed, 15 digits, short) are all masked the same way.
#[test]
fn one_masking_rule_for_id_numbers() {
    use bianzhi_core::ident::{mask_id_numbers, mask_id_value};
    let parsed = make_id_number(
        "320903",
        NaiveDate::from_ymd_opt(1990, 5, 1).unwrap(),
        1,
        Sex::Male,
    );
    let n = parsed.as_str();
    assert_eq!(parse_id_number(n).unwrap(), parsed);
    assert_eq!(parsed.mask(), format!("3209**********{}", &n[14..]));
    assert_eq!(mask_id_value(n), parsed.mask());
    assert_eq!(
        mask_id_numbers(&format!("张三（{n}）")),
        format!("张三（{}）", parsed.mask())
    );
    assert_eq!(mask_id_value("320903900501001"), "3209*******1001");
    assert_eq!(mask_id_value("32090319900501001Z"), "3209**********001Z");
    assert_eq!(mask_id_value("12345678"), "********");
    assert_eq!(mask_id_value(""), "");
    // Characters, not bytes: nothing of a non-ASCII value leaks past the mask.
    assert_eq!(mask_id_value("甲乙丙丁戊己庚辛壬癸"), "甲乙丙丁**庚辛壬癸");
}
