//! 文号 (document number, GB/T 9704): `代字〔YYYY〕N号`, e.g. `盐编〔2021〕12号`.
//!
//! Real data writes the year brackets in many ways (`[]`, `()`, `（）`,
//! `【】`, `［］`, `「」`), adds `第` before the number, pads the number with
//! zeros, omits `号` or uses full-width digits. [`parse_doc_no`] accepts all
//! of these and keeps the raw text next to the parsed parts.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};
use thiserror::Error;

/// Earliest year accepted in a 文号.
pub const MIN_DOC_YEAR: u16 = 1949;
/// Latest year accepted in a 文号.
pub const MAX_DOC_YEAR: u16 = 2100;

/// Opening brackets accepted around the year.
const OPEN: &[char] = &[
    '〔', '[', '(', '（', '【', '［', '「', '〖', '﹝', '〈', '《',
];
/// Closing brackets accepted around the year (any closer matches any opener).
const CLOSE: &[char] = &[
    '〕', ']', ')', '）', '】', '］', '」', '〗', '﹞', '〉', '》',
];

/// A parsed 文号. `raw` is the input as given (without surrounding
/// whitespace); `Display` writes the normal form `代字〔YYYY〕N号`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(try_from = "DocNoRepr")]
pub struct DocNo {
    /// 机关代字, e.g. `盐编`.
    pub agency: String,
    /// 年份, e.g. 2021.
    pub year: u16,
    /// 发文顺序号, e.g. 12.
    pub number: u32,
    /// The text the 文号 was parsed from.
    pub raw: String,
}

/// Input form of a 文号: the stored structure, or plain text to be parsed.
#[derive(Deserialize)]
#[serde(untagged)]
enum DocNoRepr {
    Text(String),
    Parts {
        agency: String,
        year: u16,
        number: u32,
        raw: String,
    },
}

impl TryFrom<DocNoRepr> for DocNo {
    type Error = DocNoError;
    fn try_from(r: DocNoRepr) -> Result<Self, Self::Error> {
        match r {
            DocNoRepr::Text(s) => parse_doc_no(&s),
            DocNoRepr::Parts {
                agency,
                year,
                number,
                raw,
            } => Ok(DocNo {
                agency,
                year,
                number,
                raw,
            }),
        }
    }
}

/// Why a 文号 could not be parsed. The messages are meant for a clerk.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
pub enum DocNoError {
    #[error("文号为空")]
    Empty,
    #[error("文号“{raw}”缺少机关代字（应写作 盐编〔2021〕12号）")]
    MissingAgency { raw: String },
    #[error("文号“{raw}”缺少用括号标注的四位年份（应写作 盐编〔2021〕12号）")]
    MissingYear { raw: String },
    #[error("文号“{raw}”的年份括号没有闭合")]
    UnclosedBracket { raw: String },
    #[error("文号“{raw}”的年份“{year}”无效：应为 {min}–{max} 之间的四位数字", min = MIN_DOC_YEAR, max = MAX_DOC_YEAR)]
    BadYear { raw: String, year: String },
    #[error("文号“{raw}”缺少发文序号（应写作 盐编〔2021〕12号）")]
    MissingNumber { raw: String },
    #[error("文号“{raw}”的发文序号无效：应为大于 0 的整数")]
    BadNumber { raw: String },
    #[error("文号“{raw}”的序号后有无法识别的内容“{rest}”")]
    TrailingText { raw: String, rest: String },
}

/// Full-width digits and spaces to ASCII; everything else unchanged.
fn normalise(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '０'..='９' => char::from(b'0' + (c as u32 - '０' as u32) as u8),
            '\u{3000}' => ' ',
            _ => c,
        })
        .collect()
}

/// Parses a 文号 leniently.
///
/// Accepts any of the brackets `〔〕 [] () （） 【】 ［］ 「」` around the
/// year, an optional `第` before the number, leading zeros, an optional
/// trailing `号`, full-width digits and surrounding spaces. Rejects text
/// without an agency code, without a bracketed 4-digit year in
/// 1949..=2100, or without a number.
pub fn parse_doc_no(s: &str) -> Result<DocNo, DocNoError> {
    let raw = s.trim().to_owned();
    if raw.is_empty() {
        return Err(DocNoError::Empty);
    }
    let text = normalise(&raw);

    let Some(open) = text.find(OPEN) else {
        return Err(DocNoError::MissingYear { raw });
    };
    let agency = text[..open].trim();
    if agency.is_empty() {
        return Err(DocNoError::MissingAgency { raw });
    }
    let after_open = &text[open..];
    let after_open = &after_open[after_open.chars().next().map_or(0, char::len_utf8)..];
    let Some(close) = after_open.find(CLOSE) else {
        return Err(DocNoError::UnclosedBracket { raw });
    };
    let year_text = after_open[..close].trim();
    let year = if year_text.is_empty() {
        return Err(DocNoError::MissingYear { raw });
    } else if year_text.len() == 4 && year_text.bytes().all(|b| b.is_ascii_digit()) {
        year_text.parse::<u16>().ok()
    } else {
        None
    };
    let Some(year) = year.filter(|y| (MIN_DOC_YEAR..=MAX_DOC_YEAR).contains(y)) else {
        return Err(DocNoError::BadYear {
            year: year_text.to_owned(),
            raw,
        });
    };

    let rest = &after_open[close..];
    let rest = rest[rest.chars().next().map_or(0, char::len_utf8)..].trim_start();
    let rest = rest.strip_prefix('第').unwrap_or(rest).trim_start();
    let digits_end = rest
        .find(|c: char| !c.is_ascii_digit())
        .unwrap_or(rest.len());
    let digits = &rest[..digits_end];
    if digits.is_empty() {
        return Err(DocNoError::MissingNumber { raw });
    }
    let Some(number) = digits.parse::<u32>().ok().filter(|&n| n > 0) else {
        return Err(DocNoError::BadNumber { raw });
    };
    let tail = rest[digits_end..].trim_start();
    let tail = tail.strip_prefix('号').unwrap_or(tail).trim();
    if !tail.is_empty() {
        return Err(DocNoError::TrailingText {
            rest: tail.to_owned(),
            raw,
        });
    }
    Ok(DocNo {
        agency: agency.to_owned(),
        year,
        number,
        raw,
    })
}

impl DocNo {
    /// The normal form `代字〔YYYY〕N号`.
    pub fn normal_form(&self) -> String {
        self.to_string()
    }
}

impl fmt::Display for DocNo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}〔{}〕{}号", self.agency, self.year, self.number)
    }
}

impl FromStr for DocNo {
    type Err = DocNoError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        parse_doc_no(s)
    }
}
