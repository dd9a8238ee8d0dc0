//! Uploaded documents (a case's attachments, a matter's 批复): the size
//! limit, file names without directories, and the check that the content is
//! the type its name declares (PDF, OFD, images, Office and WPS files). One
//! reader of an upload form (`read`) for every feature.

use std::collections::HashMap;

use axum::extract::Multipart;

use crate::http::error::WebError;

/// The most bytes one attachment may have.
pub const ATTACHMENT_LIMIT: usize = 10 * 1024 * 1024;

/// An upload form: its text fields and the one file (name as sent, content).
#[derive(Debug, Default)]
pub struct Upload {
    pub fields: HashMap<String, String>,
    pub file: Option<(String, Vec<u8>)>,
}

/// Reads an upload form (multipart): text fields and the field `file`.
/// A body over the route's limit is answered as [`attachment_too_large`].
pub async fn read(mut mp: Multipart) -> Result<Upload, WebError> {
    let mut up = Upload::default();
    loop {
        let next = mp.next_field().await.map_err(|e| {
            if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
                attachment_too_large()
            } else {
                WebError::invalid("bad_upload", "上传内容不完整，请重试")
            }
        })?;
        let Some(fld) = next else { break };
        let name = fld.name().unwrap_or("").to_string();
        if name == "file" {
            let fname = fld.file_name().unwrap_or("").to_string();
            let data = fld.bytes().await.map_err(|_| attachment_too_large())?;
            up.file = Some((fname, data.to_vec()));
        } else {
            up.fields.insert(name, fld.text().await.unwrap_or_default());
        }
    }
    Ok(up)
}

/// An attachment over [`ATTACHMENT_LIMIT`] (the general 1 MiB request
/// limit's message would mislead here).
pub fn attachment_too_large() -> WebError {
    WebError::invalid(
        "too_large",
        format!(
            "附件超过 {} MB，未保存；请压缩或拆分后上传",
            ATTACHMENT_LIMIT / 1024 / 1024
        ),
    )
}

/// A file name without directories or control characters.
pub fn clean_file_name(name: &str) -> Result<String, WebError> {
    let base = name.rsplit(['/', '\\']).next().unwrap_or("").trim();
    let clean: String = base.chars().filter(|c| !c.is_control()).collect();
    if clean.is_empty() || clean == "." || clean == ".." {
        return Err(WebError::invalid("bad_file_name", "附件缺少文件名"));
    }
    if clean.chars().count() > 120 {
        return Err(WebError::invalid(
            "bad_file_name",
            "附件文件名过长（最多 120 个字）",
        ));
    }
    Ok(clean)
}

/// The kinds of document accepted, by extension: (extension, MIME type,
/// Chinese name, content check).
const TYPES: &[(&str, &str, &str, Sniff)] = &[
    ("pdf", "application/pdf", "PDF", Sniff::Pdf),
    ("png", "image/png", "PNG 图片", Sniff::Png),
    ("jpg", "image/jpeg", "JPEG 图片", Sniff::Jpeg),
    ("jpeg", "image/jpeg", "JPEG 图片", Sniff::Jpeg),
    ("gif", "image/gif", "GIF 图片", Sniff::Gif),
    ("tif", "image/tiff", "TIFF 图片", Sniff::Tiff),
    ("tiff", "image/tiff", "TIFF 图片", Sniff::Tiff),
    (
        "ofd",
        "application/ofd",
        "OFD 版式文件",
        Sniff::Zip("OFD.xml"),
    ),
    (
        "docx",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "Word 文档",
        Sniff::Zip("word/"),
    ),
    (
        "xlsx",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
        "Excel 工作簿",
        Sniff::Zip("xl/"),
    ),
    (
        "pptx",
        "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        "PowerPoint 演示文稿",
        Sniff::Zip("ppt/"),
    ),
    ("doc", "application/msword", "Word 97-2003 文档", Sniff::Ole),
    (
        "xls",
        "application/vnd.ms-excel",
        "Excel 97-2003 工作簿",
        Sniff::Ole,
    ),
    (
        "ppt",
        "application/vnd.ms-powerpoint",
        "PowerPoint 97-2003 演示文稿",
        Sniff::Ole,
    ),
    (
        "wps",
        "application/vnd.ms-works",
        "WPS 文字文档",
        Sniff::Ole,
    ),
    ("et", "application/vnd.ms-excel", "WPS 表格", Sniff::Ole),
];

#[derive(Debug, Clone, Copy)]
enum Sniff {
    Pdf,
    Png,
    Jpeg,
    Gif,
    Tiff,
    /// A zip archive holding an entry whose name starts with this.
    Zip(&'static str),
    /// An OLE compound file (Office 97-2003, WPS).
    Ole,
}

impl Sniff {
    fn matches(self, d: &[u8]) -> bool {
        match self {
            Sniff::Pdf => {
                // "%PDF-" within the first KiB (some writers put junk first).
                d[..d.len().min(1024)].windows(5).any(|w| w == b"%PDF-")
            }
            Sniff::Png => d.starts_with(b"\x89PNG\r\n\x1a\n"),
            Sniff::Jpeg => d.starts_with(&[0xFF, 0xD8, 0xFF]),
            Sniff::Gif => d.starts_with(b"GIF87a") || d.starts_with(b"GIF89a"),
            Sniff::Tiff => d.starts_with(b"II*\0") || d.starts_with(b"MM\0*"),
            Sniff::Ole => d.starts_with(&[0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1]),
            Sniff::Zip(entry) => d.starts_with(b"PK\x03\x04") && zip_has_entry(d, entry),
        }
    }
}

/// Whether a zip archive's central directory names an entry starting with
/// `prefix` (reads the directory records; no decompression).
fn zip_has_entry(d: &[u8], prefix: &str) -> bool {
    const CEN: &[u8] = b"PK\x01\x02";
    let mut i = 0;
    while let Some(off) = d[i..].windows(4).position(|w| w == CEN) {
        let p = i + off;
        if p + 46 > d.len() {
            return false;
        }
        let n = u16::from_le_bytes([d[p + 28], d[p + 29]]) as usize;
        if p + 46 + n <= d.len() && d[p + 46..p + 46 + n].starts_with(prefix.as_bytes()) {
            return true;
        }
        i = p + 4;
    }
    false
}

/// Checks that the content is the type the file name declares; answers the
/// MIME type stored with it.
pub fn check_content(name: &str, data: &[u8]) -> Result<&'static str, WebError> {
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    let Some((_, mime, label, sniff)) = TYPES.iter().find(|(e, ..)| *e == ext) else {
        return Err(WebError::invalid(
            "bad_file_type",
            format!(
                "不支持的附件类型“{}”，可上传 PDF、OFD、图片（PNG、JPEG、GIF、TIFF）、Word、Excel、PowerPoint 或 WPS 文件",
                if ext.is_empty() { "无扩展名" } else { &ext }
            ),
        ));
    };
    if sniff.matches(data) {
        Ok(mime)
    } else {
        Err(WebError::invalid(
            "content_mismatch",
            format!("附件“{name}”的内容不是{label}，与文件类型不符，未保存"),
        ))
    }
}

/// Largest spreadsheet an import accepts (a route's body limit adds room
/// for the form around it).
pub const SHEET_LIMIT: usize = 8 * 1024 * 1024;

/// The spreadsheet of an import form: its name, content and extension
/// (`xlsx`, `xlsm`, `xls` or `csv`); `what` names it in the refusals.
pub fn spreadsheet(
    file: Option<(String, Vec<u8>)>,
    what: &str,
) -> Result<(String, Vec<u8>, String), WebError> {
    let Some((name, bytes)) = file.filter(|(_, b)| !b.is_empty()) else {
        return Err(WebError::invalid(
            "missing_field",
            format!("请选择{what}文件（xlsx、xls 或 csv）"),
        ));
    };
    if bytes.len() > SHEET_LIMIT {
        return Err(WebError::invalid(
            "too_large",
            format!("文件过大（上限 {} MB）", SHEET_LIMIT / 1024 / 1024),
        ));
    }
    let ext = name
        .rsplit_once('.')
        .map(|(_, e)| e.to_ascii_lowercase())
        .unwrap_or_default();
    if !matches!(ext.as_str(), "xlsx" | "xlsm" | "xls" | "csv") {
        return Err(WebError::invalid(
            "bad_file_type",
            format!("不支持的文件“{name}”：应为 xlsx、xls 或 csv 文件"),
        ));
    }
    Ok((name, bytes, ext))
}

/// Runs a spreadsheet's import, a file too malformed for its reader
/// answered as a refusal rather than a crash.
pub fn guarded<T>(import: impl FnOnce() -> Result<T, WebError>) -> Result<T, WebError> {
    std::panic::catch_unwind(std::panic::AssertUnwindSafe(import))
        .map_err(|_| WebError::invalid("bad_file", "文件内容异常，无法解析"))?
}

/// The page again with a refusal on it, answered with the refusal's status
/// and recorded as refused (for a form whose handler is async: uploads).
pub async fn page_again(
    e: WebError,
    page: impl FnOnce(String) -> crate::http::error::PageResult + Send + 'static,
) -> crate::http::error::PageResult {
    use crate::http::error::{with_refusal, PageError};
    let status = e.status();
    let msg = e.to_string();
    let resp = match tokio::task::spawn_blocking(move || page(msg)).await {
        Ok(r) => r?,
        Err(j) => return Err(PageError(WebError::Internal(format!("后台任务中断：{j}")))),
    };
    let (mut parts, body) = resp.into_parts();
    parts.status = status;
    Ok(with_refusal(
        axum::response::Response::from_parts(parts, body),
        &e,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn content_must_match_the_declared_type() {
        assert_eq!(
            check_content("a.pdf", b"%PDF-1.7\n...").unwrap(),
            "application/pdf"
        );
        assert_eq!(
            check_content("纪要.PNG", b"\x89PNG\r\n\x1a\n....").unwrap(),
            "image/png"
        );
        let e = check_content("a.pdf", b"\x89PNG\r\n\x1a\n....").unwrap_err();
        assert!(e.to_string().contains("不是PDF"), "{e}");
        assert!(check_content("a.exe", b"MZ").is_err());
        assert!(check_content("noext", b"%PDF-").is_err());
        // An xlsx renamed to .docx is refused: the archive has no word/ part.
        let mut zip = b"PK\x03\x04".to_vec();
        zip.extend_from_slice(&[0; 26]);
        let mut cen = b"PK\x01\x02".to_vec();
        cen.extend_from_slice(&[0; 24]);
        let name = b"xl/workbook.xml";
        cen.extend_from_slice(&(name.len() as u16).to_le_bytes());
        cen.extend_from_slice(&[0; 16]);
        cen.extend_from_slice(name);
        zip.extend_from_slice(&cen);
        assert!(check_content("a.xlsx", &zip).is_ok());
        assert!(check_content("a.docx", &zip).is_err());
    }

    #[test]
    fn file_names_lose_directories() {
        assert_eq!(clean_file_name("C:\\x\\纪要.pdf").unwrap(), "纪要.pdf");
        assert_eq!(clean_file_name("../../etc/passwd").unwrap(), "passwd");
        assert!(clean_file_name("..").is_err());
        assert!(clean_file_name("").is_err());
    }
}
