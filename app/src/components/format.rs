//! Dates rendered identically on the server and in the browser (no clock or
//! time zone lookups, which would make hydration disagree).

/// `2026-11-22 13:05 UTC` for Unix seconds; "Never" for 0.
pub fn datetime(ts: i64) -> String {
    if ts <= 0 {
        return "Never".into();
    }
    let days = ts.div_euclid(86_400);
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(days);
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02} UTC",
        secs / 3600,
        (secs % 3600) / 60
    )
}

pub fn date(ts: i64) -> String {
    if ts <= 0 {
        return "Never".into();
    }
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2026-11-22` for a day number (days since 1970-01-01), with no
/// "Never" for day 0.
pub fn day(days: i64) -> String {
    let (y, m, d) = civil_from_days(days);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `22 Nov` for a day number.
pub fn short_day(days: i64) -> String {
    const MONTHS: [&str; 12] = [
        "Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec",
    ];
    let (_, m, d) = civil_from_days(days);
    format!("{d} {}", MONTHS[(m as usize).clamp(1, 12) - 1])
}

/// A duration in the largest unit that divides it evenly: "1 hour",
/// "90 minutes", "30 days".
pub fn duration(secs: i64) -> String {
    let (n, unit) = crate::dto::split_lifetime(secs);
    if n == "1" {
        format!("1 {}", unit.trim_end_matches('s'))
    } else {
        format!("{n} {unit}")
    }
}

/// `2026-11-22 13:05:07 UTC`, to the second (an audit event's time).
pub fn datetime_secs(ts: i64) -> String {
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    format!(
        "{y:04}-{m:02}-{d:02} {:02}:{:02}:{:02} UTC",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// `2026-11-22T13:05:07Z`, for `<time datetime>`.
pub fn iso(ts: i64) -> String {
    let secs = ts.rem_euclid(86_400);
    let (y, m, d) = civil_from_days(ts.div_euclid(86_400));
    format!(
        "{y:04}-{m:02}-{d:02}T{:02}:{:02}:{:02}Z",
        secs / 3600,
        (secs % 3600) / 60,
        secs % 60
    )
}

/// How long before `now` `ts` was: "just now", "42 s ago", "5 min ago",
/// "3 h ago", "2 days ago", then the date. Both times come from the
/// server, so the server's page and the hydrated one agree.
pub fn relative(now: i64, ts: i64) -> String {
    let ago = now - ts;
    match ago {
        i64::MIN..=4 => "just now".into(),
        5..=59 => format!("{ago} s ago"),
        60..=3_599 => format!("{} min ago", ago / 60),
        3_600..=86_399 => format!("{} h ago", ago / 3600),
        86_400..=172_799 => "yesterday".into(),
        172_800..=2_591_999 => format!("{} days ago", ago / 86_400),
        _ => date(ts),
    }
}

/// A span of time between two steps: "12 s", "3 min 5 s", "2 h 4 min",
/// "1 d 3 h".
pub fn span(secs: i64) -> String {
    let secs = secs.max(0);
    let two = |a: i64, ua: &str, b: i64, ub: &str| {
        if b == 0 {
            format!("{a} {ua}")
        } else {
            format!("{a} {ua} {b} {ub}")
        }
    };
    match secs {
        0..=59 => format!("{secs} s"),
        60..=3_599 => two(secs / 60, "min", secs % 60, "s"),
        3_600..=86_399 => two(secs / 3600, "h", (secs % 3600) / 60, "min"),
        _ => two(secs / 86_400, "d", (secs % 86_400) / 3600, "h"),
    }
}

/// 1234567 → "1,234,567".
pub fn grouped(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        format!("-{out}")
    } else {
        out
    }
}

/// Howard Hinnant's days-to-civil algorithm.
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    (if m <= 2 { y + 1 } else { y }, m, d)
}

/// Initials for an avatar: "Ada Lovelace" → "AL", "x@y.com" → "X".
pub fn initials(name: &str, email: &str) -> String {
    let src = if name.trim().is_empty() { email } else { name };
    src.split_whitespace()
        .filter_map(|w| w.chars().next())
        .take(2)
        .flat_map(char::to_uppercase)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_dates() {
        assert_eq!(datetime(0), "Never");
        assert_eq!(datetime(1_800_000_000), "2027-01-15 08:00 UTC");
        assert_eq!(date(951_782_400), "2000-02-29");
        assert_eq!(duration(3600), "1 hour");
        assert_eq!(duration(36_000), "10 hours");
        assert_eq!(datetime_secs(1_800_000_007), "2027-01-15 08:00:07 UTC");
        assert_eq!(iso(1_800_000_007), "2027-01-15T08:00:07Z");
    }

    #[test]
    fn formats_spans_and_numbers() {
        let now = 1_800_000_000;
        assert_eq!(relative(now, now), "just now");
        assert_eq!(relative(now, now - 42), "42 s ago");
        assert_eq!(relative(now, now - 300), "5 min ago");
        assert_eq!(relative(now, now - 3 * 3600), "3 h ago");
        assert_eq!(relative(now, now - 90_000), "yesterday");
        assert_eq!(relative(now, now - 5 * 86_400), "5 days ago");
        assert_eq!(relative(now, now - 40 * 86_400), "2026-12-06");
        assert_eq!(span(12), "12 s");
        assert_eq!(span(185), "3 min 5 s");
        assert_eq!(span(180), "3 min");
        assert_eq!(span(7440), "2 h 4 min");
        assert_eq!(span(97_200), "1 d 3 h");
        assert_eq!(grouped(1234), "1,234");
        assert_eq!(grouped(10_000), "10,000");
        assert_eq!(grouped(999), "999");
        assert_eq!(grouped(1_234_567), "1,234,567");
    }

    #[test]
    fn makes_initials() {
        assert_eq!(initials("Ada Lovelace", ""), "AL");
        assert_eq!(initials("", "x@y.com"), "X");
    }
}
