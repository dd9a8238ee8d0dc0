//! 统一社会信用代码 (unified social credit identifier, GB 32100-2015).
//!
//! 18 characters from `0123456789ABCDEFGHJKLMNPQRTUWXY` (no I, O, S, V, Z):
//! position 1 registration authority (`1` = 机构编制), 2 kind (for authority
//! `1`: `1` 机关, `2` 事业单位, `3` 群团, `9` 其他), 3–8 region code, 9–17 the
//! 组织机构代码 (with its own GB 11714 check character at position 17) and
//! 18 the MOD 31 check character.
//!
//! Some real codes issued before 2016 fail the MOD 31 check. A check failure
//! is therefore not a rejection but a warning with a recorded reason
//! ([`CreditCodeCheck::warning`]); only format errors are rejected.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// The 31 characters of the code, in value order.
pub const CHARSET: &str = "0123456789ABCDEFGHJKLMNPQRTUWXY";
/// Weights 3^i mod 31 of positions 1–17.
const WEIGHTS: [u32; 17] = [
    1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28,
];
/// GB 11714 weights of the 8 body characters of a 组织机构代码.
const ORG_WEIGHTS: [u32; 8] = [3, 7, 9, 10, 5, 8, 4, 2];

/// A 统一社会信用代码 of valid format (normalised to uppercase). It may fail
/// the check characters: see [`parse_credit_code`]. Serialises as a plain
/// string; deserialising checks the format again (not the checksum).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct CreditCode(String);

/// The result of [`parse_credit_code`]: the code and, if a check character
/// does not match, a warning in Chinese to be recorded with it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CreditCodeCheck {
    pub code: CreditCode,
    pub warning: Option<String>,
}

/// Why a 统一社会信用代码 was rejected (format errors only).
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum UsccError {
    #[error("统一社会信用代码为空")]
    Empty,
    #[error("统一社会信用代码长度应为18位，实际为 {len} 位")]
    Length { len: usize },
    #[error(
        "统一社会信用代码第 {position} 位“{found}”不是合法字符（只能是数字或除 I、O、S、V、Z 以外的大写字母）"
    )]
    IllegalChar { position: usize, found: char },
}

/// Value of a character in [`CHARSET`].
fn value(c: char) -> Option<u32> {
    CHARSET.find(c).map(|i| i as u32)
}

/// Computes the MOD 31 check character of the first 17 characters.
/// `None` if `first17` is not 17 characters from [`CHARSET`].
pub fn credit_check_char(first17: &str) -> Option<char> {
    if first17.chars().count() != 17 {
        return None;
    }
    let mut sum = 0u32;
    for (c, w) in first17.chars().zip(WEIGHTS) {
        sum += value(c)? * w;
    }
    let idx = (31 - sum % 31) % 31;
    CHARSET.chars().nth(idx as usize)
}

/// Computes the GB 11714 check character of the 8-character body of a
/// 组织机构代码 (digits 0–9, letters A=10 … Z=35). `None` if `body8` is not
/// 8 ASCII digits or uppercase letters.
pub fn org_check_char(body8: &str) -> Option<char> {
    if body8.len() != 8 {
        return None;
    }
    let mut sum = 0u32;
    for (b, w) in body8.bytes().zip(ORG_WEIGHTS) {
        let v = match b {
            b'0'..=b'9' => u32::from(b - b'0'),
            b'A'..=b'Z' => u32::from(b - b'A') + 10,
            _ => return None,
        };
        sum += v * w;
    }
    Some(match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        n => char::from(b'0' + n as u8),
    })
}

/// Maps full-width ASCII forms to ASCII and lowercase to uppercase.
fn normalise_char(c: char) -> char {
    let c = match c {
        '\u{ff01}'..='\u{ff5e}' => char::from_u32(c as u32 - 0xfee0).unwrap_or(c),
        _ => c,
    };
    c.to_ascii_uppercase()
}

/// Checks the format only and returns the normalised code.
fn parse_format(s: &str) -> Result<CreditCode, UsccError> {
    let code: String = s.trim().chars().map(normalise_char).collect();
    let len = code.chars().count();
    if len == 0 {
        return Err(UsccError::Empty);
    }
    if len != 18 {
        return Err(UsccError::Length { len });
    }
    if let Some((i, c)) = code.chars().enumerate().find(|&(_, c)| value(c).is_none()) {
        return Err(UsccError::IllegalChar {
            position: i + 1,
            found: c,
        });
    }
    Ok(CreditCode(code))
}

/// Parses a 统一社会信用代码.
///
/// Surrounding whitespace is ignored and lowercase (and full-width) letters
/// are accepted. A wrong length or a character outside the charset is an
/// error. A wrong MOD 31 check character, or a wrong GB 11714 check
/// character of the embedded 组织机构代码, is accepted with a warning.
pub fn parse_credit_code(s: &str) -> Result<CreditCodeCheck, UsccError> {
    let code = parse_format(s)?;
    let mut warnings: Vec<String> = Vec::new();
    let actual = code.check_char();
    let expected = credit_check_char(&code.0[..17]).expect("format was validated");
    if actual != expected {
        warnings.push(format!(
            "统一社会信用代码校验位不符：按 GB 32100-2015 应为 {expected}，实际为 {actual}（部分2016年前赋码的真实代码存在此情况，已记录）"
        ));
    }
    let org = code.org_code();
    let org_actual = char::from(org.as_bytes()[8]);
    let org_expected = org_check_char(&org[..8]).expect("format was validated");
    if org_actual != org_expected {
        warnings.push(format!(
            "其中的组织机构代码 {org} 校验位不符：按 GB 11714 应为 {org_expected}，实际为 {org_actual}（已记录）"
        ));
    }
    let warning = if warnings.is_empty() {
        None
    } else {
        Some(warnings.join("；"))
    };
    Ok(CreditCodeCheck { code, warning })
}

/// Builds a 统一社会信用代码 with both check characters computed, for tests
/// and demo data, e.g. `make_credit_code('1', '2', "320903", "MB123456")`.
///
/// # Panics
/// If `region6` is not 6 characters or `org9_body8` not 8 characters from
/// [`CHARSET`], or `authority`/`kind` are not in [`CHARSET`].
pub fn make_credit_code(
    authority: char,
    kind: char,
    region6: &str,
    org9_body8: &str,
) -> CreditCode {
    assert!(
        value(authority).is_some(),
        "illegal authority {authority:?}"
    );
    assert!(value(kind).is_some(), "illegal kind {kind:?}");
    assert!(
        region6.len() == 6 && region6.chars().all(|c| value(c).is_some()),
        "region code must be 6 characters, got {region6:?}"
    );
    let org_check = org_check_char(org9_body8)
        .filter(|_| org9_body8.chars().all(|c| value(c).is_some()))
        .unwrap_or_else(|| {
            panic!("organisation code body must be 8 characters, got {org9_body8:?}")
        });
    let first17 = format!("{authority}{kind}{region6}{org9_body8}{org_check}");
    let check = credit_check_char(&first17).expect("all characters were checked");
    CreditCode(format!("{first17}{check}"))
}

impl CreditCode {
    /// The normalised 18-character code.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// Position 1: registration authority (`1` = 机构编制, `5` = 民政,
    /// `9` = 工商 …).
    pub fn registration_authority(&self) -> char {
        char::from(self.0.as_bytes()[0])
    }

    /// Position 2: kind of organisation within the authority (for
    /// authority `1`: `1` 机关, `2` 事业单位, `3` 群团, `9` 其他).
    pub fn kind_code(&self) -> char {
        char::from(self.0.as_bytes()[1])
    }

    /// Positions 3–8: the region code of the registering authority.
    pub fn region_code(&self) -> &str {
        &self.0[2..8]
    }

    /// Positions 9–17: the embedded 组织机构代码 (with its check character).
    pub fn org_code(&self) -> &str {
        &self.0[8..17]
    }

    /// Position 18: the check character as written.
    pub fn check_char(&self) -> char {
        char::from(self.0.as_bytes()[17])
    }

    /// The code as an owned string.
    pub fn into_string(self) -> String {
        self.0
    }
}

impl fmt::Display for CreditCode {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl AsRef<str> for CreditCode {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

/// Format-only parse (a checksum failure is not an error here); use
/// [`parse_credit_code`] to get the warning.
impl FromStr for CreditCode {
    type Err = UsccError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_format(s)
    }
}

impl TryFrom<String> for CreditCode {
    type Error = UsccError;
    fn try_from(s: String) -> Result<Self, Self::Error> {
        parse_format(&s)
    }
}

impl From<CreditCode> for String {
    fn from(c: CreditCode) -> String {
        c.0
    }
}
