//! Impersonation events per day, stacked by outcome: an SVG drawn on the
//! server (no charting library), described in its label, with the numbers
//! as a table for whoever prefers them.

use leptos::prelude::*;

use crate::components::format::{day as date_of, grouped, short_day};
use crate::components::ui::H2;
use crate::dto::{AuditChart, ChartDay};

/// Stacked bottom-up in this order; the 600 shades keep 3:1 against white.
const SERIES: [(&str, &str); 3] = [
    ("Success", "#059669"),
    ("Denied", "#dc2626"),
    ("Failure", "#d97706"),
];

fn values(d: &ChartDay) -> [i64; 3] {
    [d.success, d.denied, d.failure]
}

/// The top of the scale: `max` rounded up to 1, 2 or 5 times a power of ten.
fn nice(max: i64) -> i64 {
    if max <= 5 {
        return max.max(1);
    }
    let mut m = 1;
    while m * 10 < max {
        m *= 10;
    }
    [1, 2, 5, 10]
        .into_iter()
        .map(|f| f * m)
        .find(|v| *v >= max)
        .unwrap_or(10 * m)
}

/// Every day of the range, with its counts (zero when none).
fn every_day(chart: &AuditChart) -> Vec<ChartDay> {
    let n = (chart.last_day - chart.first_day + 1).clamp(1, 400);
    let mut days: Vec<ChartDay> = (0..n)
        .map(|i| ChartDay {
            day: chart.first_day + i,
            ..Default::default()
        })
        .collect();
    for d in &chart.days {
        let i = d.day - chart.first_day;
        if (0..n).contains(&i) {
            days[i as usize] = d.clone();
        }
    }
    days
}

/// What the chart shows, in one sentence: its label for screen readers.
fn summary(chart: &AuditChart, days: &[ChartDay]) -> String {
    let sums = days.iter().fold([0i64; 3], |mut acc, d| {
        for (a, v) in acc.iter_mut().zip(values(d)) {
            *a += v;
        }
        acc
    });
    let total: i64 = sums.iter().sum();
    let span = format!(
        "from {} to {}",
        date_of(chart.first_day),
        date_of(chart.last_day)
    );
    if total == 0 {
        return format!("{} per day {span}: none.", chart.counts);
    }
    let busiest = days
        .iter()
        .max_by_key(|d| (d.total(), -d.day))
        .map(|d| {
            format!(
                " The busiest day was {} with {}.",
                date_of(d.day),
                grouped(d.total())
            )
        })
        .unwrap_or_default();
    format!(
        "{} per day {span}: {} in all, {} success, {} denied, {} failure.{busiest}",
        chart.counts,
        grouped(total),
        grouped(sums[0]),
        grouped(sums[1]),
        grouped(sums[2]),
    )
}

#[component]
pub fn AuditChartView(chart: AuditChart) -> impl IntoView {
    let days = every_day(&chart);
    let label = summary(&chart, &days);
    let sums = days.iter().fold([0i64; 3], |mut acc, d| {
        for (a, v) in acc.iter_mut().zip(values(d)) {
            *a += v;
        }
        acc
    });
    let empty = sums.iter().sum::<i64>() == 0;
    let top = nice(days.iter().map(ChartDay::total).max().unwrap_or(0));
    let n = days.len() as i64;
    let width = n * 10;
    // Thin gaps between many bars, wider ones between a few.
    let (gap, bar) = if n > 60 { (1.0, 8.0) } else { (2.0, 6.0) };
    let bars = days
        .iter()
        .enumerate()
        .flat_map(|(i, d)| {
            let mut y = 100.0;
            let tip = format!(
                "{}: {} success, {} denied, {} failure",
                date_of(d.day),
                d.success,
                d.denied,
                d.failure
            );
            values(d)
                .into_iter()
                .zip(SERIES)
                .filter(|(v, _)| *v > 0)
                .map(|(v, (_, color))| {
                    let h = v as f64 * 100.0 / top as f64;
                    y -= h;
                    let x = i as f64 * 10.0 + gap;
                    view! {
                        <rect x=format!("{x:.1}") y=format!("{y:.3}") width=format!("{bar:.1}") height=format!("{h:.3}") fill=color>
                            <title>{tip.clone()}</title>
                        </rect>
                    }
                })
                .collect::<Vec<_>>()
        })
        .collect_view();
    let mid = (n >= 5).then(|| short_day(days[days.len() / 2].day));
    let (first, last) = (short_day(chart.first_day), short_day(chart.last_day));
    let with_events: Vec<ChartDay> = days.iter().filter(|d| d.total() > 0).cloned().collect();
    view! {
        <section aria-labelledby="audit-chart-title" class="mt-6 rounded-lg bg-white p-4 shadow-sm ring-1 ring-slate-200" data-testid="audit-chart">
            <div class="flex flex-wrap items-baseline justify-between gap-x-4 gap-y-1">
                <h2 id="audit-chart-title" class=H2>{format!("{} per day", chart.counts)}</h2>
                <p class="text-xs text-slate-500">{format!("UTC days, {}", chart.range)}</p>
            </div>
            <ul role="list" class="mt-2 flex flex-wrap gap-x-4 gap-y-1 text-xs text-slate-700">
                {SERIES.into_iter().zip(sums).map(|((name, color), sum)| view! {
                    <li class="flex items-center gap-1.5">
                        <svg aria-hidden="true" viewBox="0 0 10 10" class="h-2.5 w-2.5"><rect width="10" height="10" rx="2" fill=color /></svg>
                        {name}<span class="tabular-nums text-slate-500">{grouped(sum)}</span>
                    </li>
                }).collect_view()}
            </ul>
            <div class="mt-3 flex gap-2">
                <div aria-hidden="true" class="flex h-36 w-8 shrink-0 flex-col justify-between text-right text-xs tabular-nums leading-none text-slate-500">
                    <span>{grouped(top)}</span>
                    <span>{(top % 2 == 0).then(|| grouped(top / 2))}</span>
                    <span>"0"</span>
                </div>
                <div class="relative h-36 min-w-0 flex-1 border-b border-l border-slate-300">
                    <svg
                        role="img"
                        aria-label=label
                        viewBox=format!("0 0 {width} 100")
                        preserveAspectRatio="none"
                        class="absolute inset-0 h-full w-full"
                    >
                        <line x1="0" x2=width.to_string() y1="0.5" y2="0.5" stroke="#e2e8f0" stroke-dasharray="4 4" vector-effect="non-scaling-stroke" />
                        <line x1="0" x2=width.to_string() y1="50" y2="50" stroke="#e2e8f0" stroke-dasharray="4 4" vector-effect="non-scaling-stroke" />
                        {bars}
                    </svg>
                    {empty.then(|| view! {
                        <p class="absolute inset-0 grid place-items-center text-sm text-slate-500">{format!("No {} in this range.", chart.counts.to_lowercase())}</p>
                    })}
                </div>
            </div>
            <div aria-hidden="true" class="ml-10 mt-1 flex justify-between text-xs text-slate-500">
                <span>{first}</span>
                {mid.map(|m| view! { <span>{m}</span> })}
                <span>{last}</span>
            </div>
            <details class="mt-3 text-sm">
                <summary class="cursor-pointer font-medium text-indigo-700 hover:text-indigo-900">"Show as table"</summary>
                {if with_events.is_empty() {
                    view! { <p class="mt-2 text-slate-600">"No day in this range has any."</p> }.into_any()
                } else {
                    view! {
                        <div class="mt-2 max-h-72 overflow-auto rounded-md ring-1 ring-slate-200">
                            <table class="min-w-full divide-y divide-slate-200 text-sm">
                                <caption class="sr-only">{format!("{} per day", chart.counts)}</caption>
                                <thead class="bg-slate-50 text-left text-xs font-semibold uppercase tracking-wide text-slate-500">
                                    <tr>
                                        <th scope="col" class="px-3 py-2">"Day (UTC)"</th>
                                        <th scope="col" class="px-3 py-2 text-right">"Success"</th>
                                        <th scope="col" class="px-3 py-2 text-right">"Denied"</th>
                                        <th scope="col" class="px-3 py-2 text-right">"Failure"</th>
                                        <th scope="col" class="px-3 py-2 text-right">"Total"</th>
                                    </tr>
                                </thead>
                                <tbody class="divide-y divide-slate-100 tabular-nums">
                                    {with_events.into_iter().map(|d| view! {
                                        <tr>
                                            <th scope="row" class="px-3 py-1.5 text-left font-normal text-slate-900">{date_of(d.day)}</th>
                                            <td class="px-3 py-1.5 text-right">{grouped(d.success)}</td>
                                            <td class="px-3 py-1.5 text-right">{grouped(d.denied)}</td>
                                            <td class="px-3 py-1.5 text-right">{grouped(d.failure)}</td>
                                            <td class="px-3 py-1.5 text-right font-medium">{grouped(d.total())}</td>
                                        </tr>
                                    }).collect_view()}
                                </tbody>
                            </table>
                            <p class="bg-slate-50 px-3 py-1.5 text-xs text-slate-500">"Days without any are left out."</p>
                        </div>
                    }.into_any()
                }}
            </details>
        </section>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn scales_and_days() {
        assert_eq!(nice(0), 1);
        assert_eq!(nice(3), 3);
        assert_eq!(nice(6), 10);
        assert_eq!(nice(12), 20);
        assert_eq!(nice(51), 100);
        assert_eq!(short_day(0), "1 Jan");
        let chart = AuditChart {
            first_day: 10,
            last_day: 12,
            days: vec![ChartDay {
                day: 11,
                success: 2,
                denied: 1,
                failure: 0,
            }],
            range: "x".into(),
            counts: "Impersonation events".into(),
        };
        let days = every_day(&chart);
        assert_eq!(days.len(), 3);
        assert_eq!(days[1].total(), 3);
        let s = summary(&chart, &days);
        assert!(
            s.contains("3 in all, 2 success, 1 denied, 0 failure"),
            "{s}"
        );
    }
}
