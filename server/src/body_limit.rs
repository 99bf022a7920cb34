//! Reading a request body within a limit. A body over the limit is still
//! read to its end (and thrown away) up to `DRAIN_LIMIT`: a client that is
//! still sending when the refusal comes would otherwise have its connection
//! reset and never see the 413.

use axum::body::{Body, Bytes};
use http_body_util::BodyExt;

const DRAIN_LIMIT: usize = 8 * 1024 * 1024;

pub enum BodyError {
    TooLarge,
    Unreadable,
}

pub async fn read_within(mut body: Body, limit: usize) -> Result<Bytes, BodyError> {
    if http_body::Body::size_hint(&body).lower() > DRAIN_LIMIT as u64 {
        return Err(BodyError::TooLarge);
    }
    let mut kept = Vec::new();
    let mut seen = 0;
    while let Some(frame) = body.frame().await {
        let frame = frame.map_err(|_| BodyError::Unreadable)?;
        if let Ok(data) = frame.into_data() {
            seen += data.len();
            if seen > DRAIN_LIMIT {
                return Err(BodyError::TooLarge);
            }
            if seen <= limit {
                kept.extend_from_slice(&data);
            }
        }
    }
    if seen > limit {
        Err(BodyError::TooLarge)
    } else {
        Ok(kept.into())
    }
}
