//! Short-lived in-memory copies of what every token request and every Sign
//! in as User link reads: the client (with its secret hash), the API an
//! access token is for, the APIs a client may ask for, and tenant settings.
//!
//! Without them a client_credentials request cost six SQLite queries, each a
//! round trip to a database thread; with them it costs none. Every write
//! through this `Store` that can change an application, an API, or which
//! connections and clients they allow empties the cache once committed, so
//! this instance never serves stale data. Other instances sharing a
//! PostgreSQL database (or another process writing the SQLite file) see a
//! change at most `HOT_TTL` later: a deleted client or a replaced secret
//! stops working everywhere within that time.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

use crate::domain::{Api, Application};
use crate::secrets::{hash_secret, hashes_equal};

/// How long another instance's change may go unnoticed.
pub const HOT_TTL: Duration = Duration::from_secs(1);

/// Unknown ids are never cached, so this only bounds registered clients and
/// APIs; past it the map starts over.
const MAX_ENTRIES: usize = 10_000;

/// An application as client authentication needs it.
#[derive(Debug, Clone)]
pub struct ClientRecord {
    pub app: Application,
    pub(crate) secret_hash: Option<String>,
}

impl ClientRecord {
    /// Checks a presented client secret against the stored hash in constant time.
    pub fn secret_matches(&self, secret: &str) -> bool {
        self.secret_hash
            .as_deref()
            .is_some_and(|h| hashes_equal(h, &hash_secret(secret)))
    }
}

struct Entry<T> {
    at: Instant,
    value: Arc<T>,
}

pub(crate) struct HotMap<T> {
    map: RwLock<HashMap<String, Entry<T>>>,
}

impl<T> Default for HotMap<T> {
    fn default() -> Self {
        HotMap {
            map: RwLock::new(HashMap::new()),
        }
    }
}

#[derive(Default)]
pub(crate) struct HotCache {
    /// Bumped by every invalidation: a value read from the database before
    /// a write committed must not be stored after the cache was emptied.
    generation: AtomicU64,
    pub clients: HotMap<ClientRecord>,
    pub apis: HotMap<Api>,
    /// API identifiers authorizing each client.
    pub audiences: HotMap<Vec<String>>,
    /// Tenant settings by key (`None`: not set).
    pub settings: HotMap<Option<String>>,
    /// What each user holds through their roles, by user id.
    pub holdings: HotMap<crate::authz::Holdings>,
    /// Every role and what it gives (one entry, key "").
    pub roles: HotMap<super::holdings::RoleCatalog>,
}

impl HotCache {
    pub fn generation(&self) -> u64 {
        self.generation.load(Ordering::SeqCst)
    }

    pub fn get<T>(&self, map: &HotMap<T>, key: &str) -> Option<Arc<T>> {
        let guard = map.map.read().ok()?;
        let e = guard.get(key)?;
        (e.at.elapsed() < HOT_TTL).then(|| e.value.clone())
    }

    /// Stores `value`, read from the database after `generation()` returned
    /// `seen`, unless the cache was invalidated in between.
    pub fn put<T>(&self, map: &HotMap<T>, key: &str, value: Arc<T>, seen: u64) {
        let Ok(mut guard) = map.map.write() else {
            return;
        };
        if self.generation.load(Ordering::SeqCst) != seen {
            return;
        }
        if guard.len() >= MAX_ENTRIES && !guard.contains_key(key) {
            guard.clear();
        }
        guard.insert(
            key.to_string(),
            Entry {
                at: Instant::now(),
                value,
            },
        );
    }

    /// Called after a committed write that may change a client or an API.
    pub fn invalidate(&self) {
        self.generation.fetch_add(1, Ordering::SeqCst);
        if let Ok(mut m) = self.clients.map.write() {
            m.clear();
        }
        if let Ok(mut m) = self.apis.map.write() {
            m.clear();
        }
        if let Ok(mut m) = self.audiences.map.write() {
            m.clear();
        }
        if let Ok(mut m) = self.holdings.map.write() {
            m.clear();
        }
        if let Ok(mut m) = self.roles.map.write() {
            m.clear();
        }
        if let Ok(mut m) = self.settings.map.write() {
            m.clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn api() -> Arc<Api> {
        Arc::new(Api {
            id: "api_1".into(),
            identifier: "https://api.example/".into(),
            name: "Example".into(),
            signing_alg: "ES256".into(),
            token_lifetime_secs: 60,
            permissions: vec![],
            builtin: false,
            permissions_in_token: false,
            client_ids: vec![],
            grants: vec![],
        })
    }

    #[test]
    fn a_read_from_before_an_invalidation_is_not_kept() {
        let c = HotCache::default();
        let seen = c.generation();
        c.invalidate();
        c.put(&c.apis, "k", api(), seen);
        assert!(c.get(&c.apis, "k").is_none());
        let seen = c.generation();
        c.put(&c.apis, "k", api(), seen);
        assert!(c.get(&c.apis, "k").is_some());
        c.invalidate();
        assert!(c.get(&c.apis, "k").is_none());
    }
}
