//! Mastra's storage domains, one module each. Shared here: timestamps, argument parsing
//! and the small SQL-building pieces every domain uses.

pub mod agents;
pub mod args;
pub mod memory;
pub mod workflows;

use chrono::{DateTime, NaiveDate, SecondsFormat, Utc};

use crate::error::{Result, StoreError};

/// Now, in the one timestamp form the tables hold: `Date.prototype.toISOString()`'s.
pub fn now_iso() -> String {
    to_iso(Utc::now())
}

pub fn to_iso(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Millis, true)
}

/// Parse a caller's timestamp and normalise it to the stored form, so text comparison in
/// SQL is time comparison. Accepts RFC 3339 (what `JSON.stringify(date)` gives) and a bare
/// `YYYY-MM-DD` (UTC midnight, as `new Date('YYYY-MM-DD')` reads it).
pub fn parse_time(field: &str, s: &str) -> Result<String> {
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Ok(to_iso(t.with_timezone(&Utc)));
    }
    if let Ok(d) = NaiveDate::parse_from_str(s, "%Y-%m-%d") {
        return Ok(to_iso(d.and_hms_opt(0, 0, 0).expect("midnight").and_utc()));
    }
    Err(StoreError::invalid(format!("{field} must be a Date or an ISO-8601 string, got {s:?}")))
}

/// The later of now and 1 ms after `previous`, so an update's `updatedAt` always moves
/// forward even when two writes land in the same millisecond.
pub fn now_after(previous: &str) -> String {
    let now = Utc::now();
    match DateTime::parse_from_rfc3339(previous) {
        Ok(p) => {
            let floor = p.with_timezone(&Utc) + chrono::Duration::milliseconds(1);
            to_iso(if now < floor { floor } else { now })
        }
        Err(_) => to_iso(now),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_normalise_to_iso_millis() {
        assert_eq!(parse_time("t", "2024-01-02T03:04:05.678Z").unwrap(), "2024-01-02T03:04:05.678Z");
        assert_eq!(parse_time("t", "2024-01-02T03:04:05Z").unwrap(), "2024-01-02T03:04:05.000Z");
        assert_eq!(parse_time("t", "2024-01-02T05:04:05+02:00").unwrap(), "2024-01-02T03:04:05.000Z");
        assert_eq!(parse_time("t", "2024-01-02").unwrap(), "2024-01-02T00:00:00.000Z");
        assert!(parse_time("t", "yesterday").is_err());
    }

    #[test]
    fn now_after_moves_forward() {
        let future = "2999-01-01T00:00:00.000Z";
        assert_eq!(now_after(future), "2999-01-01T00:00:00.001Z");
        assert!(now_after("2000-01-01T00:00:00.000Z") > "2000-01-01T00:00:00.001Z".to_string());
    }
}
