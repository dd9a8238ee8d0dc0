//! JSON bodies: parsed in two steps so that a syntax error (400
//! `malformed_json`) and a wrong field (422 with the field's path) get distinct
//! codes and Chinese messages.

use crate::http::error::ApiError;
use crate::http::error::WebError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use serde::de::DeserializeOwned;

/// Parses a JSON document into `T`.
pub fn parse<T: DeserializeOwned>(bytes: &[u8]) -> Result<T, WebError> {
    convert(syntax(bytes)?)
}

/// Parses a JSON document (syntax only).
fn syntax(bytes: &[u8]) -> Result<serde_json::Value, WebError> {
    serde_json::from_slice(bytes).map_err(|e| {
        if e.is_eof() && bytes.iter().all(|b| b.is_ascii_whitespace()) {
            WebError::MalformedJson("请求体为空".into())
        } else {
            WebError::MalformedJson(format!(
                "第 {} 行第 {} 列附近有语法错误",
                e.line(),
                e.column()
            ))
        }
    })
}

/// Converts a JSON object into `T` (a request body, an operation, an
/// action), naming the offending field in Chinese. Anything but an object is
/// refused: serde would read a struct from an array too (`[null, null]`).
pub fn from_value<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, WebError> {
    if !value.is_object() {
        return Err(WebError::invalid(
            "invalid_field",
            "内容应为 JSON 对象，如 {\"字段\": 值}",
        ));
    }
    convert(value)
}

/// Converts a JSON object into `T`, naming a refused field by its label
/// (`label(path)`, e.g. `details.id_number` → 公民身份号码); `wrap` makes the
/// error of the message (the caller picks code and status).
pub fn from_value_labelled<T: DeserializeOwned>(
    value: serde_json::Value,
    label: impl Fn(&str) -> Option<&'static str>,
    wrap: impl Fn(&'static str, String) -> WebError,
) -> Result<T, WebError> {
    if !value.is_object() {
        return Err(wrap(
            "invalid_field",
            "内容应为 JSON 对象，如 {\"字段\": 值}".into(),
        ));
    }
    crate::http::text::check_json(&value)?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let path = path.trim_start_matches('.');
        let inner = e.inner().to_string();
        let quoted = inner.split('`').nth(1).unwrap_or_default().to_string();
        let join = |key: &str| {
            if path.is_empty() {
                key.to_string()
            } else {
                format!("{path}.{key}")
            }
        };
        if inner.starts_with("missing field") {
            let name = label(&join(&quoted)).map(str::to_string).unwrap_or(quoted);
            return wrap("missing_field", format!("缺少“{name}”"));
        }
        if inner.starts_with("unknown field") {
            return wrap("invalid_field", format!("不认识的字段“{quoted}”"));
        }
        let msg = translate(&inner);
        match label(path) {
            Some(name) => wrap("invalid_field", format!("“{name}”{msg}")),
            None if path.is_empty() => wrap("invalid_field", msg),
            None => wrap("invalid_field", format!("字段“{path}”：{msg}")),
        }
    })
}

/// Converts any JSON value into `T`.
fn convert<T: DeserializeOwned>(value: serde_json::Value) -> Result<T, WebError> {
    crate::http::text::check_json(&value)?;
    serde_path_to_error::deserialize(value).map_err(|e| {
        let path = e.path().to_string();
        let msg = translate(&e.inner().to_string());
        let code = if msg.starts_with("缺少") {
            "missing_field"
        } else {
            "invalid_field"
        };
        let at = if path == "." || path.is_empty() {
            String::new()
        } else {
            format!("字段“{path}”：")
        };
        WebError::invalid(code, format!("{at}{msg}"))
    })
}

/// serde's English messages, in Chinese.
fn translate(m: &str) -> String {
    let quoted = |s: &str| -> Vec<String> {
        s.split('`')
            .skip(1)
            .step_by(2)
            .map(str::to_string)
            .collect()
    };
    if m.starts_with("missing field") {
        let q = quoted(m);
        return format!("缺少字段“{}”", q.first().cloned().unwrap_or_default());
    }
    if m.starts_with("unknown field") {
        let q = quoted(m);
        return format!("不认识的字段“{}”", q.first().cloned().unwrap_or_default());
    }
    if m.starts_with("unknown variant") {
        let q = quoted(m);
        let first = q.first().cloned().unwrap_or_default();
        let rest: Vec<String> = q.into_iter().skip(1).collect();
        return format!("“{first}”不是可用的取值（可用：{}）", rest.join("、"));
    }
    if let Some(rest) = m.strip_prefix("invalid type: ") {
        let (got, want) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!("类型不对：收到{}，应为{}", kind(got), kind(want));
    }
    if let Some(rest) = m.strip_prefix("invalid value: ") {
        let (got, want) = rest.split_once(", expected ").unwrap_or((rest, ""));
        return format!("取值不对：收到{}，应为{}", kind(got), kind(want));
    }
    if m.contains("out of range") || m.contains("too large") {
        return "数值超出范围".into();
    }
    if m.starts_with("data did not match any variant") {
        return "格式不符合要求".into();
    }
    // Messages our own types produce (文号, 身份证号 …) are Chinese already.
    if m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)) {
        return m.to_string();
    }
    "格式不符合要求".into()
}

fn kind(s: &str) -> String {
    let s = s.trim();
    if s.starts_with("string") {
        return format!("字符串{}", s.strip_prefix("string").unwrap_or("").trim());
    }
    if s.starts_with("integer")
        || s.starts_with("i32")
        || s.starts_with("u32")
        || s.starts_with("u16")
        || s.starts_with("i64")
        || s.starts_with("u64")
        || s.starts_with("u8")
    {
        return "整数".into();
    }
    if s.starts_with("floating point") {
        return "小数".into();
    }
    if s.starts_with("boolean") || s == "a boolean" {
        return "true/false".into();
    }
    if s.starts_with("sequence") || s.contains("a sequence") {
        return "数组".into();
    }
    if s.starts_with("map") || s.contains("struct") || s.contains("a map") {
        return "对象".into();
    }
    if s == "null" {
        return "空值".into();
    }
    if s.contains("a string") || s.contains("string") {
        return "字符串".into();
    }
    if s.contains("integer") || s.contains("i32") || s.contains("u32") {
        return "整数".into();
    }
    "规定的格式".into()
}

/// A JSON request body for the API; rejections are [`ApiError`]s.
pub struct ApiJson<T>(pub T);

impl<S, T> FromRequest<S> for ApiJson<T>
where
    S: Send + Sync,
    T: DeserializeOwned,
{
    type Rejection = ApiError;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                ApiError(WebError::TooLarge)
            } else {
                ApiError(WebError::MalformedJson("请求体无法读取".into()))
            }
        })?;
        Ok(ApiJson(from_value(syntax(&bytes)?)?))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(serde::Deserialize, Debug)]
    #[allow(dead_code)]
    struct T {
        count: i32,
        name: String,
    }

    #[test]
    fn messages_are_chinese() {
        let e = parse::<T>(b"{").unwrap_err();
        assert_eq!(e.code(), "malformed_json");
        let e = parse::<T>(br#"{"count":"x","name":"a"}"#).unwrap_err();
        assert_eq!(e.code(), "invalid_field");
        assert!(e.to_string().contains("字段“count”"), "{e}");
        assert!(e.to_string().contains("整数"), "{e}");
        let e = parse::<T>(br#"{"count":1}"#).unwrap_err();
        assert_eq!(e.code(), "missing_field");
        assert!(e.to_string().contains("缺少字段“name”"), "{e}");
        // serde reads a struct from an array; a body must be an object.
        assert!(parse::<T>(br#"[1, "a"]"#).is_ok());
        let e = from_value::<T>(serde_json::json!([1, "a"])).unwrap_err();
        assert_eq!(e.code(), "invalid_field");
    }
}
