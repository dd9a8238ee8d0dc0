//! Working days with an editable holiday calendar: weekends are days off,
//! except 调休上班 days; weekdays are working days, except 法定节假日.

use std::collections::BTreeSet;

use chrono::{Datelike, NaiveDate, Weekday};
use serde::{Deserialize, Serialize};
use thiserror::Error;

/// A working-day calendar. `Default` is empty: Monday to Friday work,
/// Saturday and Sunday off.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Calendar {
    /// Days off (法定节假日). Usually weekdays; weekend days listed here
    /// change nothing.
    #[serde(default)]
    pub holidays: BTreeSet<NaiveDate>,
    /// Weekend days worked (调休上班).
    #[serde(default)]
    pub workdays: BTreeSet<NaiveDate>,
}

/// A line of the text form that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Error)]
#[error("节假日安排第 {line} 行：{reason}")]
pub struct CalendarError {
    /// 1-based line number.
    pub line: usize,
    /// Why, in Chinese.
    pub reason: String,
}

/// Marks accepted for a day off and for a worked weekend day.
const OFF_MARKS: &[&str] = &["休", "假", "休息", "放假", "节假日"];
const WORK_MARKS: &[&str] = &["班", "上班", "调休上班", "补班"];

impl Calendar {
    /// Whether `d` is a working day.
    pub fn is_working_day(&self, d: NaiveDate) -> bool {
        if self.workdays.contains(&d) {
            return true;
        }
        if self.holidays.contains(&d) {
            return false;
        }
        !matches!(d.weekday(), Weekday::Sat | Weekday::Sun)
    }

    /// The `n`-th working day after `start` (`start` itself is not counted);
    /// `start` when `n` is 0.
    pub fn add_working_days(&self, start: NaiveDate, n: u32) -> NaiveDate {
        let mut d = start;
        let mut left = n;
        while left > 0 {
            match d.succ_opt() {
                Some(next) => d = next,
                None => return d,
            }
            if self.is_working_day(d) {
                left -= 1;
            }
        }
        d
    }

    /// The number of working days in (`from`, `to`]; negative (the count in
    /// (`to`, `from`]) when `to` is before `from`.
    pub fn working_days_between(&self, from: NaiveDate, to: NaiveDate) -> i64 {
        if to < from {
            return -self.working_days_between(to, from);
        }
        let mut n = 0;
        let mut d = from;
        while d < to {
            d = match d.succ_opt() {
                Some(x) => x,
                None => break,
            };
            if self.is_working_day(d) {
                n += 1;
            }
        }
        n
    }

    /// Reads the text form: one day per line, `2026-10-01 休` (a day off) or
    /// `2026-10-10 班` (a weekend day worked); a range `2026-10-01~2026-10-07 休`
    /// is accepted too. `#` starts a comment; blank lines are ignored. A date
    /// marked both ways is refused.
    pub fn parse(text: &str) -> Result<Calendar, CalendarError> {
        let mut cal = Calendar::default();
        for (i, raw) in text.lines().enumerate() {
            let line = i + 1;
            let err = |reason: String| CalendarError { line, reason };
            let content = raw.split('#').next().unwrap_or("").trim();
            if content.is_empty() {
                continue;
            }
            let mut parts = content.split_whitespace();
            let date_part = parts.next().unwrap_or("");
            let Some(mark) = parts.next() else {
                return Err(err(format!(
                    "“{content}”缺少标记（应写作 2026-10-01 休 或 2026-10-10 班）"
                )));
            };
            if let Some(extra) = parts.next() {
                return Err(err(format!(
                    "“{extra}”无法识别（每行只写一个日期和一个标记）"
                )));
            }
            let off = if OFF_MARKS.contains(&mark) {
                true
            } else if WORK_MARKS.contains(&mark) {
                false
            } else {
                return Err(err(format!(
                    "标记“{mark}”无法识别：应为“休”（放假）或“班”（调休上班）"
                )));
            };
            let (first, last) = match date_part
                .split_once('~')
                .or_else(|| date_part.split_once("..")) // also 2026-10-01..2026-10-07
                .or_else(|| date_part.split_once('至'))
            {
                Some((a, b)) => (parse_date(a, line)?, parse_date(b, line)?),
                None => {
                    let d = parse_date(date_part, line)?;
                    (d, d)
                }
            };
            if last < first {
                return Err(err(format!("日期范围“{date_part}”的结束日期早于开始日期")));
            }
            if (last - first).num_days() > 366 {
                return Err(err(format!("日期范围“{date_part}”超过一年")));
            }
            let mut d = first;
            loop {
                let (set, other) = if off {
                    (&mut cal.holidays, &cal.workdays)
                } else {
                    (&mut cal.workdays, &cal.holidays)
                };
                if other.contains(&d) {
                    return Err(err(format!(
                        "{d} 已标为“{}”，不能同时标为“{mark}”",
                        if off { "班" } else { "休" }
                    )));
                }
                set.insert(d);
                if d == last {
                    break;
                }
                d = d.succ_opt().expect("inside a checked range");
            }
        }
        Ok(cal)
    }

    /// The text form [`Calendar::parse`] reads: days in date order, one a line.
    pub fn to_text(&self) -> String {
        let mut days: Vec<(NaiveDate, &str)> = self
            .holidays
            .iter()
            .map(|d| (*d, "休"))
            .chain(self.workdays.iter().map(|d| (*d, "班")))
            .collect();
        days.sort();
        let mut out = String::from("# 节假日安排：每行一个日期，“休”为放假，“班”为调休上班\n");
        for (d, m) in days {
            out.push_str(&format!("{} {m}\n", d.format("%Y-%m-%d")));
        }
        out
    }
}

fn parse_date(s: &str, line: usize) -> Result<NaiveDate, CalendarError> {
    let s = s.trim();
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .or_else(|_| NaiveDate::parse_from_str(s, "%Y/%m/%d"))
        .map_err(|_| CalendarError {
            line,
            reason: format!("日期“{s}”无效（应写作 2026-10-01）"),
        })
}
