//! The injectable clock: everything time-driven (tokens, due dates, deadlines) asks it.
//!
//! Production uses the system clock; tests use [`ManualClock`] and move time instead of
//! sleeping. Times are UTC; Nepal time (UTC+05:45, no DST) is derived for days and schedules.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};

/// Reads a time bound as people give one: an RFC 3339 time, or a Nepal calendar date
/// (`YYYY-MM-DD`), which means the day's start, or with `end` the next day's start (so the
/// whole day is included). `None` when it is neither.
pub fn parse_bound(raw: &str, end: bool) -> Option<DateTime<Utc>> {
    if let Ok(t) = DateTime::parse_from_rfc3339(raw) {
        return Some(t.with_timezone(&Utc));
    }
    let day = NaiveDate::parse_from_str(raw, "%Y-%m-%d").ok()?;
    let day = if end {
        day.succ_opt().unwrap_or(day)
    } else {
        day
    };
    let start = day
        .and_hms_opt(0, 0, 0)
        .unwrap_or_default()
        .and_local_timezone(nepal_offset())
        .single()?;
    Some(start.with_timezone(&Utc))
}

pub trait Clock: Send + Sync + 'static {
    fn now(&self) -> DateTime<Utc>;
}

/// The real time.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> DateTime<Utc> {
        Utc::now()
    }
}

/// A clock that only moves when told to.
#[derive(Debug, Clone)]
pub struct ManualClock {
    now: Arc<Mutex<DateTime<Utc>>>,
}

impl ManualClock {
    pub fn new(start: DateTime<Utc>) -> Self {
        Self {
            now: Arc::new(Mutex::new(start)),
        }
    }

    pub fn advance(&self, by: chrono::Duration) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        *now += by;
    }

    pub fn set(&self, to: DateTime<Utc>) {
        *self.now.lock().unwrap_or_else(|p| p.into_inner()) = to;
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap_or_else(|p| p.into_inner())
    }
}

/// Nepal Standard Time, UTC+05:45.
pub fn nepal_offset() -> FixedOffset {
    FixedOffset::east_opt(5 * 3600 + 45 * 60).expect("+05:45 is a valid offset")
}

/// The calendar date in Kathmandu at instant `at`.
pub fn nepal_date(at: DateTime<Utc>) -> NaiveDate {
    at.with_timezone(&nepal_offset()).date_naive()
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn the_nepal_date_turns_at_18_15_utc() {
        let before = Utc.with_ymd_and_hms(2026, 11, 25, 18, 14, 59).unwrap();
        let after = Utc.with_ymd_and_hms(2026, 11, 25, 18, 15, 0).unwrap();
        assert_eq!(nepal_date(before).to_string(), "2026-11-25");
        assert_eq!(nepal_date(after).to_string(), "2026-11-26");
    }

    #[test]
    fn a_manual_clock_moves_only_when_told() {
        let start = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        let clock = ManualClock::new(start);
        assert_eq!(clock.now(), start);
        clock.advance(chrono::Duration::minutes(31));
        assert_eq!(clock.now(), start + chrono::Duration::minutes(31));
    }
}
