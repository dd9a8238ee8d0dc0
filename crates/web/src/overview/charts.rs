//! Charts drawn on the server as SVG (no script, works offline and in print).

use std::fmt::Write;

use crate::overview::views::*;

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// A tidy axis maximum (1, 2, 5 × 10^n) at or above `v`.
fn nice_max(v: i32) -> i32 {
    let v = v.max(1) as f64;
    let mag = 10f64.powf(v.log10().floor());
    for m in [1.0, 2.0, 2.5, 5.0, 10.0] {
        if m * mag >= v {
            return (m * mag).round() as i32;
        }
    }
    (10.0 * mag) as i32
}

/// Horizontal bars: 核定 and 实有 per 编制类型.
pub fn quota_bars(rows: &[TypeTotals]) -> String {
    let label_w = 110.0;
    let width = 560.0;
    let bar_h = 12.0;
    let group_h = 40.0;
    let top = 28.0;
    let height = top + group_h * rows.len() as f64 + 24.0;
    let max = nice_max(
        rows.iter()
            .map(|r| r.figures.approved.max(r.figures.actual))
            .max()
            .unwrap_or(1),
    );
    let plot_w = width - label_w - 70.0;
    let x = |v: i32| label_w + plot_w * (v as f64) / (max as f64);
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="各编制类型核定与实有" xmlns="http://www.w3.org/2000/svg">"#
    );
    let _ = write!(
        s,
        r##"<rect x="{label_w}" y="6" width="10" height="10" class="c-approved"/><text x="{}" y="15" class="legend">核定</text><rect x="{}" y="6" width="10" height="10" class="c-actual"/><text x="{}" y="15" class="legend">实有</text>"##,
        label_w + 14.0,
        label_w + 60.0,
        label_w + 74.0
    );
    for i in 0..=4 {
        let v = max * i / 4;
        let xx = x(v);
        let _ = write!(
            s,
            r#"<line x1="{xx:.1}" y1="{top}" x2="{xx:.1}" y2="{:.1}" class="grid"/><text x="{xx:.1}" y="{:.1}" class="tick" text-anchor="middle">{v}</text>"#,
            height - 20.0,
            height - 6.0
        );
    }
    for (i, r) in rows.iter().enumerate() {
        let y = top + group_h * i as f64 + 6.0;
        let f = &r.figures;
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="label" text-anchor="end">{}</text>"#,
            label_w - 8.0,
            y + bar_h + 4.0,
            esc(&r.qtype)
        );
        let _ = write!(
            s,
            r#"<rect x="{label_w}" y="{y:.1}" width="{:.1}" height="{bar_h}" class="c-approved"><title>{} 核定 {}</title></rect>"#,
            x(f.approved) - label_w,
            esc(&r.qtype),
            f.approved
        );
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="value">{}</text>"#,
            x(f.approved) + 4.0,
            y + bar_h - 2.0,
            f.approved
        );
        let y2 = y + bar_h + 2.0;
        let _ = write!(
            s,
            r#"<rect x="{label_w}" y="{y2:.1}" width="{:.1}" height="{bar_h}" class="c-actual"><title>{} 实有 {}</title></rect>"#,
            x(f.actual) - label_w,
            esc(&r.qtype),
            f.actual
        );
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="value">{}</text>"#,
            x(f.actual) + 4.0,
            y2 + bar_h - 2.0,
            f.actual
        );
    }
    s.push_str("</svg>");
    s
}

/// Lines: 核定 and 实有 at each year end.
pub fn trend(points: &[TrendPoint]) -> String {
    let width = 560.0;
    let height = 240.0;
    let (left, right, top, bottom) = (56.0, 16.0, 28.0, 28.0);
    let hi = points
        .iter()
        .map(|p| p.approved.max(p.actual))
        .max()
        .unwrap_or(1);
    let lo_raw = points
        .iter()
        .map(|p| p.approved.min(p.actual))
        .min()
        .unwrap_or(0);
    let max = nice_max(hi);
    // Start the axis near the data so the change is visible.
    let step = (max / 10).max(1);
    let min = ((lo_raw as f64 * 0.9) as i32 / step) * step;
    let n = points.len().max(2) - 1;
    let px = |i: usize| left + (width - left - right) * i as f64 / n as f64;
    let py = |v: i32| {
        top + (height - top - bottom) * (1.0 - (v - min) as f64 / ((max - min).max(1)) as f64)
    };
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg class="chart" viewBox="0 0 {width} {height}" role="img" aria-label="历年年末核定与实有" xmlns="http://www.w3.org/2000/svg">"#
    );
    let _ = write!(
        s,
        r##"<rect x="{left}" y="6" width="10" height="10" class="c-approved"/><text x="{}" y="15" class="legend">核定</text><rect x="{}" y="6" width="10" height="10" class="c-actual"/><text x="{}" y="15" class="legend">实有</text>"##,
        left + 14.0,
        left + 60.0,
        left + 74.0
    );
    for i in 0..=4 {
        let v = min + (max - min) * i / 4;
        let y = py(v);
        let _ = write!(
            s,
            r#"<line x1="{left}" y1="{y:.1}" x2="{:.1}" y2="{y:.1}" class="grid"/><text x="{:.1}" y="{:.1}" class="tick" text-anchor="end">{v}</text>"#,
            width - right,
            left - 6.0,
            y + 4.0
        );
    }
    for (series, class) in [(0, "l-approved"), (1, "l-actual")] {
        let pts: Vec<String> = points
            .iter()
            .enumerate()
            .map(|(i, p)| {
                format!(
                    "{:.1},{:.1}",
                    px(i),
                    py(if series == 0 { p.approved } else { p.actual })
                )
            })
            .collect();
        let _ = write!(
            s,
            r#"<polyline points="{}" class="{class}"/>"#,
            pts.join(" ")
        );
        for (i, p) in points.iter().enumerate() {
            let v = if series == 0 { p.approved } else { p.actual };
            let _ = write!(
                s,
                r#"<circle cx="{:.1}" cy="{:.1}" r="3" class="{class}"><title>{} {} {v}</title></circle>"#,
                px(i),
                py(v),
                p.date,
                if series == 0 { "核定" } else { "实有" }
            );
        }
    }
    for (i, p) in points.iter().enumerate() {
        let _ = write!(
            s,
            r#"<text x="{:.1}" y="{:.1}" class="tick" text-anchor="middle">{}</text>"#,
            px(i),
            height - 8.0,
            p.date.format("%Y")
        );
    }
    s.push_str("</svg>");
    s
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::ledger::Figures;

    #[test]
    fn charts_are_svg_and_escape_text() {
        let rows = vec![TypeTotals {
            qtype_id: 0,
            qtype: "<事业编制>".into(),
            figures: Figures {
                approved: 10,
                actual: 8,
                ..Default::default()
            },
        }];
        let s = quota_bars(&rows);
        assert!(s.starts_with("<svg") && s.ends_with("</svg>"));
        assert!(s.contains("&lt;事业编制&gt;"));
        assert_eq!(nice_max(13040), 20000);
        let d = chrono::NaiveDate::from_ymd_opt(2020, 12, 31).unwrap();
        let t = trend(&[TrendPoint {
            date: d,
            approved: 5,
            actual: 4,
        }]);
        assert!(t.contains("polyline"));
    }
}
