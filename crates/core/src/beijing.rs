//! Beijing time (UTC+8), the one conversion between the instants the system
//! stores (UTC) and the dates and clock times an office reads and types.
//! China keeps no daylight saving time, so the offset is fixed.

use chrono::{DateTime, FixedOffset, NaiveDate, NaiveDateTime, Utc};

/// The UTC+8 offset.
pub fn offset() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("UTC+8 is a valid offset")
}

/// The Beijing date of an instant (an instant at 16:00 UTC or later is the
/// next day in Beijing).
pub fn date_of(t: DateTime<Utc>) -> NaiveDate {
    t.with_timezone(&offset()).date_naive()
}

/// The Beijing wall-clock time of an instant.
pub fn local(t: DateTime<Utc>) -> NaiveDateTime {
    t.with_timezone(&offset()).naive_local()
}

/// The instant of a Beijing wall-clock time.
pub fn instant(local: NaiveDateTime) -> DateTime<Utc> {
    (local - chrono::Duration::hours(8)).and_utc()
}

/// The instant a Beijing day begins (its 00:00).
pub fn day_start(d: NaiveDate) -> DateTime<Utc> {
    instant(d.and_hms_opt(0, 0, 0).expect("midnight"))
}

/// An instant as the office reads it, to the minute: `2026-03-02 09:30`.
pub fn minute_text(t: DateTime<Utc>) -> String {
    local(t).format("%Y-%m-%d %H:%M").to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn conversions_agree() {
        let t = Utc.with_ymd_and_hms(2026, 3, 1, 16, 30, 0).unwrap();
        assert_eq!(date_of(t), NaiveDate::from_ymd_opt(2026, 3, 2).unwrap());
        assert_eq!(minute_text(t), "2026-03-02 00:30");
        assert_eq!(instant(local(t)), t);
        let d = NaiveDate::from_ymd_opt(2026, 3, 2).unwrap();
        assert_eq!(
            day_start(d),
            Utc.with_ymd_and_hms(2026, 3, 1, 16, 0, 0).unwrap()
        );
        assert_eq!(date_of(day_start(d)), d);
        assert_eq!(
            date_of(day_start(d) - chrono::Duration::seconds(1)),
            d.pred_opt().unwrap()
        );
    }
}
