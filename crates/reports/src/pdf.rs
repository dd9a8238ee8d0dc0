//! Official documents as PDF (A4): 入编通知单, 出编通知单, 调动通知单 and
//! 用编核准单, set in the system's Noto CJK font (subset into the file), with
//! the 制表单位, the date, and the verification code as text and QR code.
//!
//! The font is read once from `BIANZHI_FONT` or Debian's `fonts-noto-cjk`
//! (`/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc`); nothing is
//! fetched at run time.

use std::path::PathBuf;
use std::sync::{Arc, OnceLock};

use chrono::NaiveDate;
use krilla::geom::{PathBuilder, Point, Rect};
use krilla::page::PageSettings;
use krilla::paint::{Fill, Stroke};
use krilla::text::{Font, TextDirection};
use krilla::Document;
use thiserror::Error;

/// A document to print.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Notice {
    /// 入编通知单 …
    pub title: String,
    /// 文号 of the matter.
    pub doc: String,
    /// 制表单位, e.g. 盐城市盐都区机构编制委员会办公室.
    pub issuer: String,
    /// 生效日期.
    pub effective: NaiveDate,
    /// 制表日期.
    pub made_on: NaiveDate,
    /// The sentence above the table (兹核准下列人员入编：).
    pub intro: String,
    pub headers: Vec<String>,
    pub rows: Vec<Vec<String>>,
    /// The verification code printed and encoded.
    pub code: String,
    /// Where the code is checked (encoded in the QR code).
    pub verify_url: String,
}

/// Why a document could not be made.
#[derive(Debug, Clone, Error, PartialEq, Eq)]
pub enum PdfError {
    #[error("未找到中文字体（{0}）：请安装 fonts-noto-cjk 或以 BIANZHI_FONT 指定字体文件")]
    NoFont(String),
    #[error("文件生成失败：{0}")]
    Build(String),
}

/// Where the CJK font is looked for, in order.
pub fn font_paths() -> Vec<PathBuf> {
    let mut v = Vec::new();
    if let Some(p) = std::env::var_os("BIANZHI_FONT") {
        v.push(PathBuf::from(p));
    }
    for p in [
        "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc",
        "/usr/share/fonts/opentype/noto/NotoSerifCJK-Regular.ttc",
        "/usr/share/fonts/truetype/wqy/wqy-microhei.ttc",
    ] {
        v.push(PathBuf::from(p));
    }
    v
}

/// The font, read once. In a Noto CJK collection the Simplified Chinese face
/// is the third (index 2).
fn font() -> Result<Font, PdfError> {
    static FONT: OnceLock<Result<Font, PdfError>> = OnceLock::new();
    FONT.get_or_init(|| {
        let paths = font_paths();
        for p in &paths {
            let Ok(bytes) = std::fs::read(p) else {
                continue;
            };
            let data: Arc<Vec<u8>> = Arc::new(bytes);
            let is_noto = p.to_string_lossy().contains("NotoS");
            for index in if is_noto { [2, 0] } else { [0, 0] } {
                if let Some(f) = Font::new(data.clone().into(), index) {
                    return Ok(f);
                }
            }
        }
        Err(PdfError::NoFont(
            paths
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join("、"),
        ))
    })
    .clone()
}

/// A4 in points.
const W: f32 = 595.0;
const H: f32 = 842.0;
const MARGIN: f32 = 56.0;

/// Width of a text set in `size` (CJK full width; Latin, digits and
/// punctuation half).
fn width(text: &str, size: f32) -> f32 {
    text.chars()
        .map(|c| if c.is_ascii() { 0.55 } else { 1.0 })
        .sum::<f32>()
        * size
}

/// The text cut to fit `max` points, with an ellipsis.
fn fit(text: &str, size: f32, max: f32) -> String {
    if width(text, size) <= max {
        return text.to_string();
    }
    let mut out = String::new();
    for c in text.chars() {
        if width(&out, size) + width("…", size) + width(&c.to_string(), size) > max {
            break;
        }
        out.push(c);
    }
    out.push('…');
    out
}

/// Draws `qr` 90 points wide in the page's bottom-right corner.
fn draw_qr(s: &mut krilla::surface::Surface<'_>, qr: &qrcode::QrCode) {
    let modules = qr.width();
    let side = 90.0;
    let cell = side / modules as f32;
    let qx = W - MARGIN - side;
    let qy = H - MARGIN - side;
    let mut pb = PathBuilder::new();
    for (i, c) in qr.to_colors().iter().enumerate() {
        if *c == qrcode::Color::Dark {
            let (x, y) = ((i % modules) as f32, (i / modules) as f32);
            if let Some(r) = Rect::from_xywh(qx + x * cell, qy + y * cell, cell, cell) {
                pb.push_rect(r);
            }
        }
    }
    if let Some(dark) = pb.finish() {
        s.draw_path(&dark);
    }
}

/// Makes the PDF of a notice.
pub fn notice(n: &Notice) -> Result<Vec<u8>, PdfError> {
    let font = font()?;
    let mut document = Document::new();
    let settings = PageSettings::from_wh(W, H).ok_or_else(|| PdfError::Build("页面".into()))?;
    let mut page = document.start_page_with(settings);
    let mut s = page.surface();
    let text = |s: &mut krilla::surface::Surface<'_>, x: f32, y: f32, size: f32, t: &str| {
        s.draw_text(
            Point::from_xy(x, y),
            font.clone(),
            size,
            t,
            false,
            TextDirection::Auto,
        );
    };
    s.set_fill(Some(Fill::default()));
    // Title, centred; the 文号 under it.
    let title_size = 22.0;
    text(
        &mut s,
        (W - width(&n.title, title_size)) / 2.0,
        100.0,
        title_size,
        &n.title,
    );
    let doc = format!("文号：{}", n.doc);
    text(&mut s, (W - width(&doc, 12.0)) / 2.0, 130.0, 12.0, &doc);
    text(&mut s, MARGIN, 175.0, 13.0, &n.intro);
    // The table.
    let cols = n.headers.len().max(1);
    let col_w = (W - 2.0 * MARGIN) / cols as f32;
    let row_h = 24.0;
    let top = 192.0;
    let lines = 1 + n.rows.len();
    for (r, row) in std::iter::once(&n.headers).chain(n.rows.iter()).enumerate() {
        let y = top + r as f32 * row_h + 16.0;
        for (c, cell) in row.iter().enumerate().take(cols) {
            let size = 11.0;
            let t = fit(cell, size, col_w - 8.0);
            text(&mut s, MARGIN + c as f32 * col_w + 4.0, y, size, &t);
        }
    }
    let grid = {
        let mut pb = PathBuilder::new();
        for r in 0..=lines {
            let y = top + r as f32 * row_h;
            pb.move_to(MARGIN, y);
            pb.line_to(W - MARGIN, y);
        }
        for c in 0..=cols {
            let x = MARGIN + c as f32 * col_w;
            pb.move_to(x, top);
            pb.line_to(x, top + lines as f32 * row_h);
        }
        pb.finish()
    };
    if let Some(grid) = grid {
        s.set_fill(None);
        s.set_stroke(Some(Stroke {
            width: 0.6,
            ..Default::default()
        }));
        s.draw_path(&grid);
        s.set_stroke(None);
        s.set_fill(Some(Fill::default()));
    }
    let after = top + lines as f32 * row_h;
    text(
        &mut s,
        MARGIN,
        after + 30.0,
        12.0,
        &format!("生效日期：{}", n.effective),
    );
    // Issuer and date, right-aligned.
    let issuer = format!("制表单位：{}", n.issuer);
    let made = format!("制表日期：{}", n.made_on);
    let right = |t: &str| W - MARGIN - width(t, 12.0);
    text(&mut s, right(&issuer), after + 80.0, 12.0, &issuer);
    text(&mut s, right(&made), after + 100.0, 12.0, &made);
    // Verification: the code in words, and as a QR code.
    let qr =
        qrcode::QrCode::new(n.verify_url.as_bytes()).map_err(|e| PdfError::Build(e.to_string()))?;
    draw_qr(&mut s, &qr);
    text(
        &mut s,
        MARGIN,
        H - MARGIN - 60.0,
        12.0,
        &format!("核验码：{}", n.code),
    );
    text(
        &mut s,
        MARGIN,
        H - MARGIN - 40.0,
        9.0,
        &format!("核验网址：{}", n.verify_url),
    );
    text(
        &mut s,
        MARGIN,
        H - MARGIN - 22.0,
        9.0,
        "扫描二维码或访问核验网址，可核验本文件是否登记在机构编制台账中（不显示个人信息）。",
    );
    s.finish();
    page.finish();
    document
        .finish()
        .map_err(|e| PdfError::Build(format!("{e:?}")))
}

/// A 事业单位法人证书 to print (正本 and 副本, one page each).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LegalPersonCertificate {
    /// 证书编号.
    pub number: String,
    /// 统一社会信用代码.
    pub code: String,
    /// 名称 (with 挂牌 names).
    pub name: String,
    /// 宗旨和业务范围.
    pub purpose: String,
    /// 住所.
    pub domicile: String,
    /// 法定代表人.
    pub legal_rep: String,
    /// 经费来源.
    pub funding: String,
    /// 开办资金, as printed (e.g. `120.00万元`).
    pub capital: String,
    /// 举办单位.
    pub sponsors: String,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// 登记管理机关.
    pub registrar: String,
    /// 发证日期.
    pub issued_on: NaiveDate,
    /// The verification code printed and encoded.
    pub verify_code: String,
    pub verify_url: String,
}

/// `text` broken into lines of at most `max` points.
fn wrap(text: &str, size: f32, max: f32) -> Vec<String> {
    let mut lines = Vec::new();
    let mut cur = String::new();
    for c in text.chars() {
        if c == '\n' {
            lines.push(std::mem::take(&mut cur));
            continue;
        }
        if width(&cur, size) + width(&c.to_string(), size) > max {
            lines.push(std::mem::take(&mut cur));
        }
        cur.push(c);
    }
    if !cur.is_empty() || lines.is_empty() {
        lines.push(cur);
    }
    lines
}

/// Makes the PDF of a 事业单位法人证书: page 1 正本, page 2 副本, each with
/// every 登记事项, the validity, the registrar, the verification code and
/// its QR code.
pub fn legal_person_certificate(c: &LegalPersonCertificate) -> Result<Vec<u8>, PdfError> {
    let font = font()?;
    let mut document = Document::new();
    let qr =
        qrcode::QrCode::new(c.verify_url.as_bytes()).map_err(|e| PdfError::Build(e.to_string()))?;
    for copy in ["正本", "副本"] {
        let settings = PageSettings::from_wh(W, H).ok_or_else(|| PdfError::Build("页面".into()))?;
        let mut page = document.start_page_with(settings);
        let mut s = page.surface();
        let text = |s: &mut krilla::surface::Surface<'_>, x: f32, y: f32, size: f32, t: &str| {
            s.draw_text(
                Point::from_xy(x, y),
                font.clone(),
                size,
                t,
                false,
                TextDirection::Auto,
            );
        };
        s.set_fill(Some(Fill::default()));
        let title = "事业单位法人证书";
        text(&mut s, (W - width(title, 26.0)) / 2.0, 110.0, 26.0, title);
        let sub = format!("（{copy}）");
        text(&mut s, (W - width(&sub, 14.0)) / 2.0, 138.0, 14.0, &sub);
        text(
            &mut s,
            MARGIN,
            175.0,
            11.0,
            &format!("统一社会信用代码：{}", c.code),
        );
        let no = format!("证书编号：{}", c.number);
        text(&mut s, W - MARGIN - width(&no, 11.0), 175.0, 11.0, &no);
        // The 登记事项, label and value, values wrapped.
        let label_w = 110.0;
        let value_w = W - 2.0 * MARGIN - label_w;
        let mut y = 215.0;
        let fields: [(&str, String); 8] = [
            ("名　　称", c.name.clone()),
            ("宗旨和业务范围", c.purpose.clone()),
            ("住　　所", c.domicile.clone()),
            ("法定代表人", c.legal_rep.clone()),
            ("经费来源", c.funding.clone()),
            ("开办资金", c.capital.clone()),
            ("举办单位", c.sponsors.clone()),
            ("有 效 期", format!("自 {} 至 {}", c.valid_from, c.valid_to)),
        ];
        for (label, value) in fields {
            text(&mut s, MARGIN, y, 13.0, label);
            for line in wrap(&value, 13.0, value_w) {
                text(&mut s, MARGIN + label_w, y, 13.0, &line);
                y += 20.0;
            }
            y += 12.0;
        }
        let reg = format!("登记管理机关：{}", c.registrar);
        let date = format!("发证日期：{}", c.issued_on);
        text(&mut s, W - MARGIN - width(&reg, 12.0), y + 30.0, 12.0, &reg);
        text(
            &mut s,
            W - MARGIN - width(&date, 12.0),
            y + 50.0,
            12.0,
            &date,
        );
        draw_qr(&mut s, &qr);
        text(
            &mut s,
            MARGIN,
            H - MARGIN - 60.0,
            12.0,
            &format!("核验码：{}", c.verify_code),
        );
        text(
            &mut s,
            MARGIN,
            H - MARGIN - 40.0,
            9.0,
            &format!("核验网址：{}", c.verify_url),
        );
        text(
            &mut s,
            MARGIN,
            H - MARGIN - 22.0,
            9.0,
            "扫描二维码或访问核验网址，可核验本证书是否为登记管理机关颁发的有效证书。",
        );
        s.finish();
        page.finish();
    }
    document
        .finish()
        .map_err(|e| PdfError::Build(format!("{e:?}")))
}
