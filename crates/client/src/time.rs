//! UTC dates for people: the chain counts milliseconds since the Unix epoch; certificates,
//! credentials and reports show and accept RFC 3339 dates.

const MS_PER_DAY: u64 = 86_400_000;

/// `ms` since the Unix epoch as RFC 3339 in UTC, to the second: `2026-12-03T01:38:51Z`.
pub fn rfc3339(ms: u64) -> String {
    let days = ms / MS_PER_DAY;
    let secs = (ms % MS_PER_DAY) / 1_000;
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3_600,
        secs / 60 % 60,
        secs % 60
    )
}

/// Milliseconds since the Unix epoch of `text`: a date `YYYY-MM-DD` (its midnight UTC), an
/// RFC 3339 time in UTC `YYYY-MM-DDTHH:MM:SS[.fff]Z`, or a plain number of milliseconds.
pub fn parse_utc(text: &str) -> Result<u64, String> {
    let bad = || {
        format!(
            "{text:?} is not a time: use YYYY-MM-DD, YYYY-MM-DDTHH:MM:SSZ (UTC) or milliseconds"
        )
    };
    if !text.is_empty() && text.bytes().all(|b| b.is_ascii_digit()) {
        return text.parse().map_err(|_| bad());
    }
    let (date, time) = match text.split_once('T') {
        Some((date, time)) => (date, Some(time.strip_suffix('Z').ok_or_else(bad)?)),
        None => (text, None),
    };
    let number = |s: &str, len: usize| -> Result<u64, String> {
        if s.len() != len || !s.bytes().all(|b| b.is_ascii_digit()) {
            return Err(bad());
        }
        s.parse().map_err(|_| bad())
    };
    let parts: Vec<&str> = date.split('-').collect();
    let [y, m, d] = parts.as_slice() else {
        return Err(bad());
    };
    let (y, m, d) = (number(y, 4)?, number(m, 2)?, number(d, 2)?);
    if y < 1970 || !(1..=12).contains(&m) || d == 0 || d > days_in_month(y, m) {
        return Err(bad());
    }
    let mut ms = days_from_civil(y, m, d) * MS_PER_DAY;
    if let Some(time) = time {
        let (hms, fraction) = match time.split_once('.') {
            Some((hms, f)) => (hms, Some(f)),
            None => (time, None),
        };
        let parts: Vec<&str> = hms.split(':').collect();
        let [h, min, s] = parts.as_slice() else {
            return Err(bad());
        };
        let (h, min, s) = (number(h, 2)?, number(min, 2)?, number(s, 2)?);
        if h > 23 || min > 59 || s > 59 {
            return Err(bad());
        }
        ms += (h * 3_600 + min * 60 + s) * 1_000;
        if let Some(f) = fraction {
            ms += number(f, 3)?;
        }
    }
    Ok(ms)
}

fn is_leap(y: u64) -> bool {
    y.is_multiple_of(4) && (!y.is_multiple_of(100) || y.is_multiple_of(400))
}

fn days_in_month(y: u64, m: u64) -> u64 {
    match m {
        2 if is_leap(y) => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    }
}

/// Days since 1970-01-01 of a date in or after 1970 (the proleptic Gregorian calendar).
fn days_from_civil(y: u64, m: u64, d: u64) -> u64 {
    let days_before_year: u64 = (1970..y).map(|y| if is_leap(y) { 366 } else { 365 }).sum();
    let days_before_month: u64 = (1..m).map(|m| days_in_month(y, m)).sum();
    days_before_year + days_before_month + d - 1
}

/// The date `days` after 1970-01-01.
fn civil_from_days(mut days: u64) -> (u64, u64, u64) {
    // Whole 400-year cycles first (146,097 days each), so that far dates stay cheap.
    let mut y = 1970 + days / 146_097 * 400;
    days %= 146_097;
    loop {
        let len = if is_leap(y) { 366 } else { 365 };
        if days < len {
            break;
        }
        days -= len;
        y += 1;
    }
    let mut m = 1;
    while days >= days_in_month(y, m) {
        days -= days_in_month(y, m);
        m += 1;
    }
    (y, m, days + 1)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_instants_format_and_parse() {
        for (ms, text) in [
            (0, "1970-01-01T00:00:00Z"),
            (951_782_400_000, "2000-02-29T00:00:00Z"),
            (4_102_444_800_000, "2100-01-01T00:00:00Z"),
            (1_796_261_931_000, "2026-12-03T01:38:51Z"),
        ] {
            assert_eq!(rfc3339(ms), text);
            assert_eq!(parse_utc(text), Ok(ms));
        }
        assert_eq!(parse_utc("2100-01-01"), Ok(4_102_444_800_000));
        assert_eq!(parse_utc("2026-12-03T01:38:51.250Z"), Ok(1_796_261_931_250));
        assert_eq!(parse_utc("1234"), Ok(1234));
    }

    #[test]
    fn every_day_round_trips() {
        for days in (0..200_000).step_by(7) {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
    }

    #[test]
    fn nonsense_is_refused() {
        for bad in [
            "",
            "2026-02-30",
            "2025-02-29",
            "2026-13-01",
            "1969-12-31",
            "2026-1-01",
            "2026-12-03T25:00:00Z",
            "2026-12-03T01:38:51",
            "2026-12-03T01:38:51+08:00",
            "tomorrow",
        ] {
            assert!(parse_utc(bad).is_err(), "{bad}");
        }
    }
}
