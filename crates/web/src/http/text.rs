//! Free text from users: every form field and every string in a JSON body
//! passes [`check_field`] before anything else sees it, so the rules are the
//! same whatever the page, the API call or the database behind them: a
//! length limit per field, no control characters (except tab and line
//! breaks) and no characters that reverse the direction of text (U+202E and
//! its kin, which make a name read differently from what is stored). Forms
//! are read strictly: bytes that are not UTF-8 are refused, not replaced.

use crate::http::error::WebError;
use axum::body::Bytes;
use axum::extract::{FromRequest, Request};
use axum::response::{IntoResponse, Response};

/// Longest text of an ordinary field (a name, a 文号, a 事由), in characters.
pub const FIELD_MAX: usize = 2_000;

/// Longest text of a field meant for paragraphs (意见, 情况说明, 整改措施).
pub const LONG_FIELD_MAX: usize = 20_000;

/// Longest text of a field holding a whole document (a matter's operations
/// as JSON, the holiday calendar); the request-body limit bounds it too.
pub const DOCUMENT_MAX: usize = 1_000_000;

/// The limit of a field, by its name (the last key of its path).
pub fn field_max(field: &str) -> usize {
    match field {
        "ops_json" | "ops" | "calendar" | "unit_limits" | "suffixes" => DOCUMENT_MAX,
        "reasons" | "description" | "findings" | "comment" | "meeting" | "text" | "note"
        | "functions" | "rectification" | "measures" | "detail" | "opinion" | "result" => {
            LONG_FIELD_MAX
        }
        _ => FIELD_MAX,
    }
}

/// The Chinese name of a field for messages (the code where none is known).
fn label(field: &str) -> &str {
    match field {
        "name" => "名称或姓名",
        "reason" => "事由",
        "reasons" => "理由",
        "doc" | "doc_no" => "文号",
        "comment" => "意见",
        "title" => "标题",
        "login" => "用户名",
        "display_name" => "姓名",
        "password" => "密码",
        "description" => "情况说明",
        "findings" => "发现的问题",
        "meeting" => "会议情况",
        "ops_json" => "操作（JSON）",
        "calendar" => "节假日",
        "unit_limits" => "机构限额",
        "suffixes" => "命名规则",
        "text" => "整改情况",
        "note" => "备注",
        "functions" => "职能",
        "short_name" => "简称",
        "position" => "职务",
        "education" => "学历",
        "ethnicity" => "民族",
        "political" => "政治面貌",
        "id_number" => "身份证号",
        "person" => "人员",
        "rating" => "评价",
        "body" => "决定机关",
        "identity" => "人员身份",
        "字段名" => "字段名",
        // Never an English code in front of a clerk.
        _ => "所填内容",
    }
}

/// Whether a character is refused in any text: control characters other
/// than tab, line feed and carriage return, and the bidirectional embedding,
/// override and isolate characters (and the direction marks).
pub fn refused_char(c: char) -> bool {
    (c.is_control() && !matches!(c, '\t' | '\n' | '\r'))
        || matches!(
            c,
            '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}' | '\u{200E}' | '\u{200F}' | '\u{061C}'
        )
}

/// Checks one field's text: its length and its characters.
pub fn check_field(field: &str, value: &str) -> Result<(), WebError> {
    if let Some(c) = value.chars().find(|c| refused_char(*c)) {
        return Err(WebError::invalid(
            "bad_text",
            format!(
                "“{}”中含有不允许的字符（U+{:04X}，控制字符或文字方向控制符），请删除后重试",
                label(field),
                c as u32
            ),
        ));
    }
    let max = field_max(field);
    // Cheap bound first: a char is at most 4 bytes.
    if value.len() > max {
        let n = value.chars().count();
        if n > max {
            return Err(WebError::invalid(
                "too_long",
                format!("“{}”过长：{n} 个字符，上限 {max} 个", label(field)),
            ));
        }
    }
    Ok(())
}

/// Checks every string of a JSON value (keys too), each against the limit
/// of the key it stands under.
pub fn check_json(v: &serde_json::Value) -> Result<(), WebError> {
    fn walk(field: &str, v: &serde_json::Value) -> Result<(), WebError> {
        match v {
            serde_json::Value::String(s) => check_field(field, s),
            serde_json::Value::Array(a) => a.iter().try_for_each(|x| walk(field, x)),
            serde_json::Value::Object(o) => o.iter().try_for_each(|(k, x)| {
                check_field("字段名", k)?;
                walk(k, x)
            }),
            _ => Ok(()),
        }
    }
    walk("", v)
}

/// Parses an `application/x-www-form-urlencoded` body strictly: `+` is a
/// space, `%XX` a byte, and the decoded bytes must be UTF-8.
pub fn parse_form(body: &[u8]) -> Result<Vec<(String, String)>, WebError> {
    fn decode(part: &[u8]) -> Result<String, WebError> {
        let mut out = Vec::with_capacity(part.len());
        let mut i = 0;
        while i < part.len() {
            match part[i] {
                b'+' => out.push(b' '),
                b'%' => {
                    let hex = part.get(i + 1..i + 3).and_then(|h| {
                        std::str::from_utf8(h)
                            .ok()
                            .and_then(|h| u8::from_str_radix(h, 16).ok())
                    });
                    match hex {
                        Some(b) => {
                            out.push(b);
                            i += 2;
                        }
                        None => out.push(b'%'),
                    }
                }
                b => out.push(b),
            }
            i += 1;
        }
        String::from_utf8(out).map_err(|_| {
            WebError::invalid(
                "bad_encoding",
                "表单内容不是有效的 UTF-8 编码，请用浏览器重新填写后提交",
            )
        })
    }
    let mut fields = Vec::new();
    for pair in body.split(|b| *b == b'&').filter(|p| !p.is_empty()) {
        let (k, v) = match pair.iter().position(|b| *b == b'=') {
            Some(i) => (&pair[..i], &pair[i + 1..]),
            None => (pair, &[][..]),
        };
        let (k, v) = (decode(k)?, decode(v)?);
        check_field("字段名", &k)?;
        check_field(&k, &v)?;
        fields.push((k, v));
    }
    Ok(fields)
}

/// The fields of a submitted form, read by [`parse_form`] and checked by
/// [`check_field`]. A refusal is shown as the error page.
pub struct Form(pub Vec<(String, String)>);

impl<S: Send + Sync> FromRequest<S> for Form {
    type Rejection = Response;

    async fn from_request(req: Request, state: &S) -> Result<Self, Self::Rejection> {
        let page_error = |e: WebError| crate::http::error::PageError(e).into_response();
        let form_type = req
            .headers()
            .get(axum::http::header::CONTENT_TYPE)
            .and_then(|v| v.to_str().ok())
            .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
        if !form_type {
            return Err(page_error(WebError::invalid(
                "unsupported_media_type",
                "请通过页面上的表单提交",
            )));
        }
        let bytes = Bytes::from_request(req, state).await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                page_error(WebError::TooLarge)
            } else {
                page_error(WebError::invalid("bad_form", "表单内容无法读取，请重试"))
            }
        })?;
        parse_form(&bytes).map(Form).map_err(page_error)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn forms_are_read_strictly() {
        let f = parse_form(b"a=%E7%8E%8B+%E8%8A%B3&b=&c").unwrap();
        assert_eq!(
            f,
            vec![
                ("a".into(), "王 芳".into()),
                ("b".into(), String::new()),
                ("c".into(), String::new())
            ]
        );
        let e = parse_form(b"name=%FF%FE").unwrap_err();
        assert_eq!(e.code(), "bad_encoding");
        let e = parse_form(b"name=a%00b").unwrap_err();
        assert_eq!(e.code(), "bad_text");
        let e = parse_form("name=%E2%80%AEabc".as_bytes()).unwrap_err();
        assert!(e.to_string().contains("U+202E"), "{e}");
        let long = format!("reason={}", "字".repeat(FIELD_MAX + 1));
        assert_eq!(parse_form(long.as_bytes()).unwrap_err().code(), "too_long");
        let ok = format!("reasons={}", "字".repeat(FIELD_MAX + 1));
        assert!(parse_form(ok.as_bytes()).is_ok());
    }

    #[test]
    fn json_strings_are_checked_under_their_keys() {
        let v = serde_json::json!({"ops": [{"details": {"name": "王\u{202E}芳"}}]});
        assert_eq!(check_json(&v).unwrap_err().code(), "bad_text");
        let v = serde_json::json!({"reason": "x".repeat(FIELD_MAX + 1)});
        assert_eq!(check_json(&v).unwrap_err().code(), "too_long");
        assert!(check_json(&serde_json::json!({"reason": "行一\n行二\t"})).is_ok());
    }
}
