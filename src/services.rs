//! What a request handler needs from the core, bundled once at start-up.

use crate::keys::KeyRing;
use crate::store::sessions::SessionPolicy;
use crate::store::{Store, ThrottlePolicy};

#[derive(Debug, Clone)]
pub struct RuntimeConfig {
    /// The externally visible base URL, without a trailing slash.
    pub public_url: String,
    /// Set the Secure attribute on cookies (true when public_url is https).
    pub secure_cookies: bool,
    pub sessions: SessionPolicy,
    pub throttle: ThrottlePolicy,
    /// Take the client IP from X-Forwarded-For (only behind a trusted proxy).
    pub trust_proxy_headers: bool,
}

impl RuntimeConfig {
    pub fn new(public_url: &str) -> Self {
        let public_url = public_url.trim_end_matches('/').to_string();
        RuntimeConfig {
            secure_cookies: public_url.starts_with("https://"),
            public_url,
            sessions: SessionPolicy::default(),
            throttle: ThrottlePolicy::default(),
            trust_proxy_headers: false,
        }
    }
}

pub struct Services {
    pub store: Store,
    pub config: RuntimeConfig,
    pub keys: KeyRing,
}
