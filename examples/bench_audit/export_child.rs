//! The export alone, in a process of its own (`bench_audit --export URL`),
//! so its peak RSS growth is the export's.

use super::*;

/// Every event as CSV, the way GET /api/v1/audit/export streams it
/// (server/src/audit_export.rs: `export::begin`, then one chunk per batch
/// of `audit_batch`), with the process's RSS before, at peak and after.
pub(crate) async fn export_alone(url: &str) {
    let now = masquerade::unix_now();
    let svc = services(url, now).await;
    let filter = AuditFilter::default();
    // Warm the connections as a running server's are.
    svc.store.audit_batch(&filter, 0, 1).await.expect("warm");
    // 5 resets the peak (VmHWM) to the current RSS on Linux.
    let reset = std::fs::write("/proc/self/clear_refs", "5").is_ok();
    let before = status_kb("VmRSS:");
    let peak = Arc::new(AtomicU64::new(before));
    let stop = Arc::new(AtomicBool::new(false));
    let sampler = {
        let (peak, stop) = (peak.clone(), stop.clone());
        std::thread::spawn(move || {
            while !stop.load(Ordering::Relaxed) {
                peak.fetch_max(status_kb("VmRSS:"), Ordering::Relaxed);
                std::thread::sleep(std::time::Duration::from_millis(2));
            }
        })
    };
    let t = Instant::now();
    let cpu = cpu_s();
    let ctx = AuditContext::system();
    let plan = export::begin(&svc, &principal(), &ctx, &filter, Format::Csv, now)
        .await
        .expect("begin");
    let mut sink = Counting(0);
    let (mut after, mut rows, mut head) = (0, 0u64, true);
    loop {
        let mut chunk = if head {
            plan.format.head()
        } else {
            String::new()
        };
        head = false;
        let events = svc
            .store
            .audit_batch(&filter, after, BATCH)
            .await
            .expect("batch");
        let done = (events.len() as i64) < BATCH;
        if let Some(last) = events.last() {
            after = last.seq;
        }
        for e in &events {
            chunk.push_str(&plan.format.row(e));
        }
        rows += events.len() as u64;
        sink.write_all(chunk.as_bytes()).expect("sink");
        if done {
            break;
        }
    }
    let secs = t.elapsed().as_secs_f64();
    let cpu = cpu_s() - cpu;
    stop.store(true, Ordering::Relaxed);
    let _ = sampler.join();
    let hwm = if reset { status_kb("VmHWM:") } else { 0 };
    let peak_kb = peak.load(Ordering::Relaxed).max(hwm);
    let mb = |kb: u64| (kb as f64 / 1024.0 * 10.0).round() / 10.0;
    println!(
        "{}",
        json!({
            "rows": rows,
            "planned_rows": plan.rows,
            "bytes": sink.0,
            "secs": (secs * 100.0).round() / 100.0,
            "cpu_s": (cpu * 100.0).round() / 100.0,
            "rss_before_mb": mb(before),
            "rss_peak_mb": mb(peak_kb),
            "rss_growth_mb": mb(peak_kb.saturating_sub(before)),
            "hwm_reset": reset,
        })
    );
    svc.store.close().await;
}
