use crate::http::error::WebError;
use chrono::NaiveDate;
use serde::Serialize;
use std::collections::HashMap;
use utoipa::ToSchema;

// ---------------------------------------------------------------- parameters

/// Query-string parameters, parsed by hand so that every bad value gets a
/// clear Chinese message and a stable code.
///
/// Pages read them leniently (a form sends its empty fields, a checkbox
/// `on`); the API reads them strictly, as its OpenAPI document types them: a
/// date, integer, boolean or one-of-a-list parameter that is present must be
/// exactly such a value (not empty, no spaces around it, booleans `true` or
/// `false`, `page` ≥ 1, `per_page` 1–500), and a parameter may not be repeated.
#[derive(Debug, Clone, Default)]
pub struct Params {
    pub map: HashMap<String, String>,
    pub strict: bool,
}

/// The largest page the API serves (`per_page`).
pub const MAX_PER_PAGE: usize = 500;

impl Params {
    /// Parameters of a page (lenient).
    pub fn new(map: HashMap<String, String>) -> Params {
        Params { map, strict: false }
    }
    /// Parameters of an API request (strict).
    pub fn strict(map: HashMap<String, String>) -> Params {
        Params { map, strict: true }
    }
    /// A free-text parameter, trimmed; absent if empty.
    pub fn get(&self, k: &str) -> Option<&str> {
        self.map.get(k).map(|s| s.trim()).filter(|s| !s.is_empty())
    }
    /// A typed parameter (date, number, boolean, one of a list) as sent.
    /// Leniently as [`Params::get`]; strictly an empty or padded value is
    /// refused (422 `bad_parameter`).
    pub fn typed(&self, k: &str) -> Result<Option<&str>, WebError> {
        if !self.strict {
            return Ok(self.get(k));
        }
        match self.map.get(k) {
            None => Ok(None),
            Some(v) if v.is_empty() || v.trim() != v => Err(WebError::invalid(
                "bad_parameter",
                format!("参数 {k} 不能为空，也不能带空格，收到“{v}”"),
            )),
            Some(v) => Ok(Some(v)),
        }
    }
    /// A date parameter, `YYYY-MM-DD` (400 `bad_date` otherwise).
    pub fn date(&self, k: &str) -> Result<Option<NaiveDate>, WebError> {
        match self.map.get(k) {
            Some(v) if self.strict && (v.is_empty() || v.trim() != v) => {
                Err(WebError::BadDate(v.clone()))
            }
            _ => self.get(k).map(parse_date).transpose(),
        }
    }
    /// `as_of` (default `today`, the application's: `App::today`).
    pub fn as_of(&self, today: NaiveDate) -> Result<NaiveDate, WebError> {
        Ok(self.date("as_of")?.unwrap_or(today))
    }
    pub fn u32(&self, k: &str) -> Result<Option<u32>, WebError> {
        match self.typed(k)? {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                WebError::invalid("bad_parameter", format!("参数 {k} 应为非负整数，收到“{s}”"))
            }),
        }
    }
    pub fn i32(&self, k: &str) -> Result<Option<i32>, WebError> {
        match self.typed(k)? {
            None => Ok(None),
            Some(s) => s.parse().map(Some).map_err(|_| {
                WebError::invalid("bad_parameter", format!("参数 {k} 应为整数，收到“{s}”"))
            }),
        }
    }
    /// A whole number in `min..=max`: leniently clamped into it, strictly
    /// refused outside it.
    fn bounded(&self, k: &str, min: u32, max: u32) -> Result<Option<u32>, WebError> {
        match self.u32(k)? {
            Some(n) if self.strict && !(min..=max).contains(&n) => Err(WebError::invalid(
                "bad_parameter",
                format!("参数 {k} 应在 {min} 到 {max} 之间，收到“{n}”"),
            )),
            n => Ok(n.map(|n| n.clamp(min, max))),
        }
    }
    /// A yes/no parameter: strictly `true` or `false`; leniently also `1`,
    /// `on`, `yes` (a checkbox), anything else being no.
    pub fn flag(&self, k: &str) -> Result<bool, WebError> {
        match self.typed(k)? {
            None => Ok(false),
            Some("true") => Ok(true),
            Some("false") => Ok(false),
            Some(v) if self.strict => Err(WebError::invalid(
                "bad_parameter",
                format!("参数 {k} 应为 true 或 false，收到“{v}”"),
            )),
            Some(v) => Ok(matches!(v, "1" | "on" | "yes")),
        }
    }
    pub fn pager(&self, default_per_page: usize) -> Result<Pager, WebError> {
        let page = self.bounded("page", 1, i32::MAX as u32)?.unwrap_or(1) as usize;
        let per_page = self
            .bounded("per_page", 1, MAX_PER_PAGE as u32)?
            .map(|n| n as usize)
            .unwrap_or(default_per_page);
        Ok(Pager { page, per_page })
    }
    /// Sort key and whether descending (`dir=desc`).
    pub fn sort(&self, allowed: &[&str], default: &str) -> Result<(String, bool), WebError> {
        let key = self.typed("sort")?.unwrap_or(default);
        if !allowed.contains(&key) {
            return Err(WebError::invalid(
                "bad_parameter",
                format!("不能按“{key}”排序，可用：{}", allowed.join("、")),
            ));
        }
        let desc = match self.typed("dir")? {
            None | Some("asc") => false,
            Some("desc") => true,
            Some(d) => {
                return Err(WebError::invalid(
                    "bad_parameter",
                    format!("排序方向应为 asc 或 desc，收到“{d}”"),
                ))
            }
        };
        Ok((key.to_string(), desc))
    }
}

/// Parses `YYYY-MM-DD` (four-digit year, two-digit month and day).
pub fn parse_date(s: &str) -> Result<NaiveDate, WebError> {
    bianzhi_casework::application::parse_date(s).map_err(|_| WebError::BadDate(s.to_string()))
}

/// Page number and size.
#[derive(Debug, Clone, Copy)]
pub struct Pager {
    pub page: usize,
    pub per_page: usize,
}

impl Pager {
    pub fn slice<T>(&self, v: Vec<T>) -> (Vec<T>, PageInfo) {
        let total = v.len();
        let items = v
            .into_iter()
            .skip((self.page - 1) * self.per_page)
            .take(self.per_page)
            .collect();
        (
            items,
            PageInfo {
                page: self.page,
                per_page: self.per_page,
                total,
                pages: total.div_ceil(self.per_page).max(1),
            },
        )
    }
}

/// Where a list page stands.
#[derive(Debug, Clone, Copy, Serialize, ToSchema)]
pub struct PageInfo {
    pub page: usize,
    pub per_page: usize,
    /// Matching items in all pages.
    pub total: usize,
    pub pages: usize,
}
