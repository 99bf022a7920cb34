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
    /// How many proxies in front of this server append to X-Forwarded-For
    /// (0: the header is ignored and the socket peer is the client).
    pub trusted_proxy_hops: usize,
    /// The only directory file log streams write to (a stream names a file
    /// in it, never a path), so that a setting cannot make the server write
    /// over its own database or keys. None: file streams are off.
    pub audit_stream_dir: Option<std::path::PathBuf>,
}

impl RuntimeConfig {
    pub fn new(public_url: &str) -> Self {
        let public_url = public_url.trim_end_matches('/').to_string();
        RuntimeConfig {
            secure_cookies: public_url.starts_with("https://"),
            public_url,
            sessions: SessionPolicy::default(),
            throttle: ThrottlePolicy::default(),
            trusted_proxy_hops: 0,
            audit_stream_dir: None,
        }
    }
}

pub struct Services {
    pub store: Store,
    pub config: RuntimeConfig,
    pub keys: KeyRing,
}
