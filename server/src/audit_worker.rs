//! The audit log's background work on every instance: signed checkpoints
//! (every 30 s it asks whether one is due), retention (hourly), and the log
//! streams (every 2 s): lease a due stream, deliver the next batch after its
//! cursor, move the cursor or record the failure. Nothing here is on the
//! path of a request, so a slow or dead receiver never slows a write.

use std::sync::Arc;
use std::time::Duration;

use masquerade::audit::streams::{self, Stream};
use masquerade::Services;

/// How long a lease lasts: longer than one delivery may take.
const LEASE_SECS: i64 = 60;
const TICK: Duration = Duration::from_secs(2);

pub fn spawn(svc: Arc<Services>) {
    tokio::spawn(async move {
        let http = masquerade::audit::delivery::client();
        let mut tick: u64 = 0;
        loop {
            tokio::time::sleep(TICK).await;
            let now = masquerade::unix_now();
            if tick.is_multiple_of(15) {
                if let Err(e) = masquerade::audit::checkpoint::make_if_due(&svc, now).await {
                    tracing::warn!(error = %e, "audit checkpoint failed");
                }
            }
            let settings = match streams::load(&svc).await {
                Ok(s) => s,
                Err(e) => {
                    tracing::warn!(error = %e, "reading the audit settings failed");
                    continue;
                }
            };
            if tick.is_multiple_of(1800) && settings.retention_days > 0 {
                match masquerade::audit::checkpoint::apply_retention(
                    &svc,
                    settings.retention_days,
                    now,
                )
                .await
                {
                    Ok(n) if n > 0 => tracing::info!(removed = n, "audit retention"),
                    Ok(_) => {}
                    Err(e) => tracing::warn!(error = %e, "audit retention failed"),
                }
            }
            for stream in settings.streams.iter().filter(|s| s.enabled) {
                if let Err(e) = deliver_next(&svc, &http, stream, now).await {
                    tracing::warn!(error = %e, stream = %stream.id, "audit stream round failed");
                }
            }
            tick = tick.wrapping_add(1);
        }
    });
}

async fn deliver_next(
    svc: &Services,
    http: &reqwest::Client,
    stream: &Stream,
    now: i64,
) -> masquerade::CoreResult<()> {
    svc.store.ensure_stream(&stream.id).await?;
    let Some(state) = svc.store.lease_stream(&stream.id, LEASE_SECS, now).await? else {
        return Ok(());
    };
    let (records, upto) = streams::next_batch(svc, &state).await?;
    if records.is_empty() {
        return svc.store.stream_delivered(&stream.id, upto, now).await;
    }
    match masquerade::audit::delivery::send(svc, http, stream, &records, now).await {
        Ok(()) => svc.store.stream_delivered(&stream.id, upto, now).await,
        Err(error) => {
            let (next, since, paused) = streams::after_failure(&state, stream, now);
            if paused {
                tracing::warn!(stream = %stream.id, %error, "audit stream paused");
            }
            svc.store
                .stream_failed(&stream.id, &error, next, since, paused)
                .await
        }
    }
}
