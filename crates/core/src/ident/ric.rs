//! 公民身份号码 (citizen identity number, GB 11643-1999).
//!
//! 18 characters: 6-digit address code (GB/T 2260), 8-digit birth date
//! (YYYYMMDD), 3-digit sequence (odd = male, even = female) and a check
//! character (ISO 7064 MOD 11-2, `0`–`9` or `X`). Old 15-digit numbers
//! (GB 11643-1989: 6 address + YYMMDD + 3 sequence, all born in 19xx) are
//! upgraded by inserting `19` and computing the check character.

use std::fmt;
use std::str::FromStr;

use chrono::{Datelike, NaiveDate};
use compact_str::CompactString;
use serde::{Deserialize, Serialize};
use thiserror::Error;

use super::divisions;

/// Weights of positions 1–17.
const WEIGHTS: [u32; 17] = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
/// Check character by weighted sum mod 11.
const CHECK_CHARS: &[u8; 11] = b"10X98765432";
/// Earliest birth year accepted (a clock-free plausibility bound).
pub const MIN_BIRTH_YEAR: i32 = 1850;
/// Latest birth year accepted (a clock-free plausibility bound).
pub const MAX_BIRTH_YEAR: i32 = 2100;

/// A validated 公民身份号码, always in the normalised 18-character form
/// with an uppercase `X`. Serialises as a plain string; deserialising
/// validates it again.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "CompactString", into = "CompactString")]
pub struct IdNumber(CompactString);

/// Sex as encoded by the parity of the 17th digit.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Sex {
    Male,
    Female,
}

impl Sex {
    /// "男" or "女".
    pub fn label(self) -> &'static str {
        match self {
            Sex::Male => "男",
            Sex::Female => "女",
        }
    }
}

impl fmt::Display for Sex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}

/// Why a 公民身份号码 was rejected. The messages are meant for a clerk.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum IdError {
    #[error("身份证号为空")]
    Empty,
    #[error("身份证号长度应为18位（或15位旧号码），实际为 {len} 位")]
    Length { len: usize },
    #[error("身份证号第 {position} 位“{found}”无效：前17位应为数字，第18位应为数字或 X")]
    Format { position: usize, found: char },
    #[error("身份证号校验位错误：应为 {expected}，实际为 {actual}")]
    CheckChar { expected: char, actual: char },
    #[error("身份证号中的出生日期无效：{text} 不是有效的日期")]
    BirthDate { text: String },
    #[error("身份证号中的出生日期无效：出生年份 {year} 不在 {min}–{max} 之间", min = MIN_BIRTH_YEAR, max = MAX_BIRTH_YEAR)]
    BirthYear { year: i32 },
    #[error("身份证号地址码 {code} 不存在于行政区划代码表")]
    AddressCode { code: String },
}

/// Computes the check character of the first 17 digits.
///
/// # Panics
/// If `first17` is not exactly 17 ASCII digits.
pub fn check_char(first17: &str) -> char {
    assert!(
        first17.len() == 17 && first17.bytes().all(|b| b.is_ascii_digit()),
        "check_char needs exactly 17 ASCII digits, got {first17:?}"
    );
    let sum: u32 = first17
        .bytes()
        .zip(WEIGHTS)
        .map(|(b, w)| u32::from(b - b'0') * w)
        .sum();
    char::from(CHECK_CHARS[(sum % 11) as usize])
}

/// Maps full-width digits and X to ASCII and lowercase x to X.
fn normalise_char(c: char) -> char {
    match c {
        '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
        'x' | 'Ｘ' | 'ｘ' => 'X',
        _ => c,
    }
}

/// Parses and validates a 公民身份号码.
///
/// Leading/trailing whitespace is ignored, a lowercase `x` (and full-width
/// digits) are accepted, and a 15-digit old number is upgraded to 18 digits.
/// Checked: format, check character, birth date (a real date with a year in
/// 1850–2100) and the address code (known to GB/T 2260 in any year, directly
/// or through its prefecture or province).
pub fn parse_id_number(s: &str) -> Result<IdNumber, IdError> {
    let chars: Vec<char> = s.trim().chars().map(normalise_char).collect();
    let full: String = match chars.len() {
        0 => return Err(IdError::Empty),
        18 => {
            for (i, &c) in chars.iter().enumerate() {
                let ok = c.is_ascii_digit() || (i == 17 && c == 'X');
                if !ok {
                    return Err(IdError::Format {
                        position: i + 1,
                        found: c,
                    });
                }
            }
            let full: String = chars.iter().collect();
            let expected = check_char(&full[..17]);
            if chars[17] != expected {
                return Err(IdError::CheckChar {
                    expected,
                    actual: chars[17],
                });
            }
            full
        }
        15 => {
            if let Some((i, &c)) = chars.iter().enumerate().find(|(_, c)| !c.is_ascii_digit()) {
                return Err(IdError::Format {
                    position: i + 1,
                    found: c,
                });
            }
            let old: String = chars.iter().collect();
            let mut full = format!("{}19{}", &old[..6], &old[6..]);
            let check = check_char(&full);
            full.push(check);
            full
        }
        len => return Err(IdError::Length { len }),
    };

    let text = &full[6..14];
    // All ASCII digits here, so the slices and parses cannot fail.
    let year: i32 = text[..4].parse().unwrap_or(0);
    let month: u32 = text[4..6].parse().unwrap_or(0);
    let day: u32 = text[6..].parse().unwrap_or(0);
    if NaiveDate::from_ymd_opt(year, month, day).is_none() {
        return Err(IdError::BirthDate {
            text: format!("{}年{}月{}日", &text[..4], &text[4..6], &text[6..]),
        });
    }
    if !(MIN_BIRTH_YEAR..=MAX_BIRTH_YEAR).contains(&year) {
        return Err(IdError::BirthYear { year });
    }

    let address = &full[..6];
    if !divisions::is_valid_address_code(address) {
        return Err(IdError::AddressCode {
            code: address.to_owned(),
        });
    }
    Ok(IdNumber(full.into()))
}

/// Byte ranges of every valid 18-character 公民身份号码 written out in
/// `text`: a run of exactly 17 ASCII digits followed by a digit or `X`/`x`
/// (not part of a longer run of digits) that passes [`parse_id_number`].
/// Used to mask numbers in anything shown to a user, whatever its shape.
pub fn find_id_numbers(text: &str) -> Vec<std::ops::Range<usize>> {
    let b = text.as_bytes();
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        let start = i;
        while i < b.len() && b[i].is_ascii_digit() {
            i += 1;
        }
        let mut end = i;
        if end - start == 17 && end < b.len() && matches!(b[end], b'X' | b'x') {
            end += 1;
        }
        if end - start == 18 && parse_id_number(&text[start..end]).is_ok() {
            out.push(start..end);
        }
        i = end;
    }
    out
}

/// A value meant as a 公民身份号码, masked as the office shows it: the first
/// four and last four characters kept, every other one a `*` (a malformed or
/// 15-digit number too); eight characters or fewer are all hidden. The one
/// masking rule: [`IdNumber::mask`] and [`mask_id_numbers`] agree with it.
pub fn mask_id_value(s: &str) -> String {
    let chars: Vec<char> = s.chars().collect();
    if chars.len() <= 8 {
        return "*".repeat(chars.len());
    }
    let mut out: String = chars[..4].iter().collect();
    out.push_str(&"*".repeat(chars.len() - 8));
    out.extend(&chars[chars.len() - 4..]);
    out
}

/// `text` with every 公民身份号码 in it masked as [`IdNumber::mask`] does
/// (positions 5–14 hidden); borrowed when there is none.
pub fn mask_id_numbers(text: &str) -> std::borrow::Cow<'_, str> {
    let found = find_id_numbers(text);
    if found.is_empty() {
        return std::borrow::Cow::Borrowed(text);
    }
    let mut s = String::with_capacity(text.len());
    let mut last = 0;
    for r in found {
        s.push_str(&text[last..r.start]);
        s.push_str(&mask_id_value(&text[r.start..r.end]));
        last = r.end;
    }
    s.push_str(&text[last..]);
    std::borrow::Cow::Owned(s)
}

/// Builds a valid 公民身份号码 for tests and demo data.
///
/// `seq` (0..=499) picks the 3-digit sequence `seq * 2 + 1` for a man and
/// `seq * 2` for a woman, so the parity always matches `sex`. The address
/// code is not looked up: pass a known code if the result must parse.
///
/// # Panics
/// If `address` is not 6 ASCII digits, `seq > 499`, or the birth year is
/// not in 1000..=9999.
pub fn make_id_number(address: &str, birth: NaiveDate, seq: u16, sex: Sex) -> IdNumber {
    assert!(
        address.len() == 6 && address.bytes().all(|b| b.is_ascii_digit()),
        "address code must be 6 ASCII digits, got {address:?}"
    );
    assert!(seq <= 499, "sequence must be in 0..=499, got {seq}");
    assert!(
        (1000..=9999).contains(&birth.year()),
        "birth year must have 4 digits"
    );
    let seq3 = seq * 2 + u16::from(sex == Sex::Male);
    let first17 = format!("{address}{}{seq3:03}", birth.format("%Y%m%d"));
    let check = check_char(&first17);
    IdNumber(compact_str::format_compact!("{first17}{check}"))
}

impl IdNumber {
    /// The normalised 18-character number.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The 6-digit address code (positions 1–6).
    pub fn address_code(&self) -> &str {
        &self.0[..6]
    }

    /// The birth date (positions 7–14).
    pub fn birth_date(&self) -> NaiveDate {
        NaiveDate::parse_from_str(&self.0[6..14], "%Y%m%d")
            .expect("IdNumber invariant: birth date was validated")
    }

    /// The 3-digit sequence code (positions 15–17).
    pub fn sequence(&self) -> &str {
        &self.0[14..17]
    }

    /// Sex: odd 17th digit = male, even = female.
    pub fn sex(&self) -> Sex {
        if (self.0.as_bytes()[16] - b'0') % 2 == 1 {
            Sex::Male
        } else {
            Sex::Female
        }
    }

    /// The check character (position 18).
    pub fn check_char(&self) -> char {
        char::from(self.0.as_bytes()[17])
    }

    /// The number for display with positions 5–14 hidden, e.g.
    /// `3209**********1234`.
    pub fn mask(&self) -> String {
        mask_id_value(&self.0)
    }

    /// The number as an owned string.
    pub fn into_string(self) -> String {
        self.0.into_string()
    }
}

impl fmt::Display for IdNumber {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for IdNumber {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

impl FromStr for IdNumber {
    type Err = IdError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_id_number(s)
    }
}

impl TryFrom<String> for IdNumber {
    type Error = IdError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        parse_id_number(&s)
    }
}

impl TryFrom<CompactString> for IdNumber {
    type Error = IdError;
    fn try_from(s: CompactString) -> Result<Self, Self::Error> {
        parse_id_number(&s)
    }
}

impl From<IdNumber> for String {
    fn from(id: IdNumber) -> String {
        id.0.into_string()
    }
}

impl From<IdNumber> for CompactString {
    fn from(id: IdNumber) -> CompactString {
        id.0
    }
}
