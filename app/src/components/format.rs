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
    }

    #[test]
    fn makes_initials() {
        assert_eq!(initials("Ada Lovelace", ""), "AL");
        assert_eq!(initials("", "x@y.com"), "X");
    }
}
