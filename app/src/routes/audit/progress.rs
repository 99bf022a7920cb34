//! What the export's and the check's progress bars show: a labelled bar,
//! rows counted as bytes arrive, and the progress in words.

use leptos::prelude::*;

use crate::components::format::{grouped, span};

/// Counts finished rows in a stream of bytes: lines, less the header for
/// CSV, where a line break inside a quoted field (RFC 4180) is no row's end.
#[derive(Debug, Clone, Default)]
#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
pub struct RowCounter {
    csv: bool,
    quoted: bool,
    lines: u64,
}

#[cfg_attr(not(feature = "hydrate"), allow(dead_code))]
impl RowCounter {
    pub fn new(csv: bool) -> Self {
        RowCounter {
            csv,
            ..Default::default()
        }
    }

    /// Takes the next bytes (`"` and `\n` are never part of a multi-byte
    /// UTF-8 character, so chunks may split anywhere).
    pub fn feed(&mut self, bytes: &[u8]) {
        for &b in bytes {
            match b {
                b'"' if self.csv => self.quoted = !self.quoted,
                b'\n' if !self.quoted => self.lines += 1,
                _ => {}
            }
        }
    }

    pub fn rows(&self) -> u64 {
        if self.csv {
            self.lines.saturating_sub(1)
        } else {
            self.lines
        }
    }
}

/// "123,456 of 400,000 rows · about 12 s left".
pub fn progress_text(rows: u64, total: Option<u64>, elapsed_ms: f64) -> String {
    let n = |v: u64| grouped(i64::try_from(v).unwrap_or(i64::MAX));
    let Some(total) = total else {
        return format!("{} rows", n(rows));
    };
    let done = format!("{} of {} rows", n(rows), n(total));
    if rows >= total {
        return format!("{done} · finishing");
    }
    // Too early to say at what pace it goes.
    if rows == 0 || elapsed_ms < 500.0 {
        return format!("{done} · estimating the time left");
    }
    let left_s = (total - rows) as f64 * (elapsed_ms / rows as f64) / 1000.0;
    format!(
        "{done} · about {} left",
        span(left_s.ceil().max(1.0) as i64)
    )
}

/// A labelled bar (`role="progressbar"`) of `now` out of `max`; `text` is
/// read out as its value. It stays in place while its values change (a
/// bar rebuilt on every update would take clicks away from what is near
/// it). The fill is an SVG rectangle, so no inline style is needed.
#[component]
pub fn ProgressBar(
    labelled_by: &'static str,
    #[prop(into)] now: Signal<u64>,
    #[prop(into)] max: Signal<u64>,
    #[prop(into)] text: Signal<String>,
) -> impl IntoView {
    let width = move || {
        let (now, max) = (now.get(), max.get());
        let pct = if max == 0 {
            0.0
        } else {
            (now as f64 * 100.0 / max as f64).clamp(0.0, 100.0)
        };
        format!("{pct:.2}")
    };
    view! {
        <div
            role="progressbar"
            aria-labelledby=labelled_by
            aria-valuemin="0"
            aria-valuemax=move || max.get().to_string()
            aria-valuenow=move || now.get().to_string()
            aria-valuetext=move || text.get()
            class="mt-3 h-2.5 w-full overflow-hidden rounded-full bg-slate-200"
        >
            <svg aria-hidden="true" viewBox="0 0 100 1" preserveAspectRatio="none" class="block h-full w-full">
                <rect width=width height="1" class="fill-indigo-600" />
            </svg>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rows_are_counted_across_chunks_and_quoted_line_breaks() {
        let mut c = RowCounter::new(true);
        c.feed(b"seq,id\r\n1,\"a\r\nb\"\r");
        assert_eq!(c.rows(), 0, "the header, and a row not yet ended");
        c.feed(b"\n2,\"say \"\"hi\"\"\"\r\n");
        assert_eq!(c.rows(), 2);
        let mut j = RowCounter::new(false);
        j.feed(b"{\"a\":\"x\\ny\"}\n{\"b\"");
        assert_eq!(j.rows(), 1);
        j.feed(b":1}\n");
        assert_eq!(j.rows(), 2);
    }

    #[test]
    fn progress_in_words() {
        assert_eq!(
            progress_text(123_456, Some(400_000), 5_000.0),
            "123,456 of 400,000 rows · about 12 s left"
        );
        assert_eq!(
            progress_text(0, Some(400_000), 0.0),
            "0 of 400,000 rows · estimating the time left"
        );
        assert_eq!(progress_text(10, None, 10.0), "10 rows");
        assert_eq!(
            progress_text(1_000, Some(200_000), 2_000.0),
            "1,000 of 200,000 rows · about 6 min 38 s left"
        );
    }
}
