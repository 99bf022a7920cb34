//! The key ring: every published key parsed once and held in memory, the
//! JWKS document pre-rendered, and rotation.
//!
//! Instances behind one database pick up each other's rotations on their
//! next refresh (at most `REFRESH_SECS` later). That is safe because a key
//! is published as `next` for a whole rotation period before it signs.

use std::collections::HashMap;
use std::sync::{Arc, RwLock};

use serde::de::DeserializeOwned;
use serde::Serialize;
use serde_json::{json, Value};

use super::jwt::{self, JwtError};
use super::master::MasterKey;
use super::material::{Alg, KeyMaterial};
use crate::error::{CoreError, CoreResult};
use crate::secrets::new_id;
use crate::store::keys::KeyRecord;
use crate::store::{AuditContext, Store};

pub const REFRESH_SECS: i64 = 60;

pub struct LoadedKey {
    pub kid: String,
    pub alg: Alg,
    pub state: String,
    pub jwk: Value,
    pub created_at: i64,
    pub activated_at: i64,
    pub deactivated_at: i64,
    material: KeyMaterial,
}

#[derive(Default)]
struct KeySet {
    by_kid: HashMap<String, Arc<LoadedKey>>,
    current: HashMap<Alg, Arc<LoadedKey>>,
    jwks: String,
    loaded_at: i64,
}

pub struct KeyRing {
    store: Store,
    master: MasterKey,
    set: RwLock<Arc<KeySet>>,
}

/// Shown in Settings → Signing keys.
#[derive(Debug, Clone, Serialize)]
pub struct KeySummary {
    pub kid: String,
    pub alg: String,
    pub state: String,
    pub created_at: i64,
    /// When it started signing (0 if it never has).
    pub activated_at: i64,
    /// When it stopped signing (0 if it has not).
    pub deactivated_at: i64,
    /// When it left the JWKS (0 while published).
    pub retired_at: i64,
}

fn new_record(alg: Alg, state: &str, master: &MasterKey, now: i64) -> CoreResult<KeyRecord> {
    let (material, pkcs8) = KeyMaterial::generate(alg)?;
    let kid = new_id(&alg.as_str().to_lowercase());
    Ok(KeyRecord {
        private_sealed: master.seal(&pkcs8, &kid)?,
        public_jwk: material.public_jwk(&kid).to_string(),
        kid,
        alg: alg.as_str().to_string(),
        state: state.to_string(),
        created_at: now,
        activated_at: if state == "current" { now } else { 0 },
        deactivated_at: 0,
    })
}

impl KeyRing {
    /// Makes sure every algorithm has a current and a next key, then loads.
    pub async fn open(store: Store, master: MasterKey, now: i64) -> CoreResult<KeyRing> {
        let existing = store.published_keys().await?;
        for alg in Alg::ALL {
            for state in ["current", "next"] {
                if !existing
                    .iter()
                    .any(|k| k.alg == alg.as_str() && k.state == state)
                {
                    // false means another instance won the race: fine.
                    store
                        .insert_key(&new_record(alg, state, &master, now)?)
                        .await?;
                }
            }
        }
        let ring = KeyRing {
            store,
            master,
            set: RwLock::new(Arc::new(KeySet::default())),
        };
        ring.refresh(now).await?;
        Ok(ring)
    }

    pub async fn refresh(&self, now: i64) -> CoreResult<()> {
        let records = self.store.published_keys().await?;
        let mut set = KeySet {
            loaded_at: now,
            ..Default::default()
        };
        let mut jwks = Vec::new();
        let previous = self.snapshot();
        for rec in records {
            let Some(alg) = Alg::parse(&rec.alg) else {
                continue;
            };
            // Keys do not change once written: reuse the parsed one.
            let loaded = match previous.by_kid.get(&rec.kid) {
                Some(k) if k.state == rec.state => k.clone(),
                Some(k) => Arc::new(LoadedKey {
                    kid: k.kid.clone(),
                    alg,
                    state: rec.state.clone(),
                    jwk: k.jwk.clone(),
                    created_at: rec.created_at,
                    activated_at: rec.activated_at,
                    deactivated_at: rec.deactivated_at,
                    material: KeyMaterial::from_pkcs8(
                        alg,
                        &self.master.open(&rec.private_sealed, &rec.kid)?,
                    )?,
                }),
                None => Arc::new(LoadedKey {
                    material: KeyMaterial::from_pkcs8(
                        alg,
                        &self.master.open(&rec.private_sealed, &rec.kid)?,
                    )?,
                    jwk: serde_json::from_str(&rec.public_jwk)
                        .map_err(|e| CoreError::Internal(e.to_string()))?,
                    kid: rec.kid.clone(),
                    alg,
                    state: rec.state.clone(),
                    created_at: rec.created_at,
                    activated_at: rec.activated_at,
                    deactivated_at: rec.deactivated_at,
                }),
            };
            if loaded.state == "current" {
                set.current.insert(alg, loaded.clone());
            }
            jwks.push(loaded.jwk.clone());
            set.by_kid.insert(rec.kid, loaded);
        }
        set.jwks = json!({ "keys": jwks }).to_string();
        if let Ok(mut guard) = self.set.write() {
            *guard = Arc::new(set);
        }
        Ok(())
    }

    fn snapshot(&self) -> Arc<KeySet> {
        self.set.read().map(|s| s.clone()).unwrap_or_default()
    }

    /// Refreshes when the cached set is older than `REFRESH_SECS`.
    pub async fn refresh_if_stale(&self, now: i64) -> CoreResult<()> {
        if now - self.snapshot().loaded_at >= REFRESH_SECS {
            self.refresh(now).await?;
        }
        Ok(())
    }

    pub fn jwks_json(&self) -> String {
        self.snapshot().jwks.clone()
    }

    /// Signs with the current key for `alg`.
    pub fn sign<T: Serialize>(&self, alg: Alg, typ: &str, claims: &T) -> CoreResult<String> {
        let set = self.snapshot();
        let key = set
            .current
            .get(&alg)
            .ok_or_else(|| CoreError::Internal(format!("no current {} key", alg.as_str())))?;
        jwt::sign(&key.material, &key.kid, typ, claims)
    }

    /// Verifies a token issued by us: the key is chosen by `kid`, and the
    /// algorithm comes from that key, never from the token.
    pub async fn verify<T: DeserializeOwned>(
        &self,
        token: &str,
        typ: Option<&str>,
        now: i64,
    ) -> Result<T, JwtError> {
        let header = jsonwebtoken::decode_header(token).map_err(|_| JwtError::Malformed)?;
        let kid = header.kid.ok_or(JwtError::UnknownKey)?;
        let mut key = self.snapshot().by_kid.get(&kid).cloned();
        if key.is_none() && now - self.snapshot().loaded_at >= 5 {
            // Possibly rotated in by another instance a moment ago.
            let _ = self.refresh(now).await;
            key = self.snapshot().by_kid.get(&kid).cloned();
        }
        let key = key.ok_or(JwtError::UnknownKey)?;
        jwt::verify(token, &key.jwk, key.alg, typ, now)
    }

    /// Publishes a new next key, promotes the old next to current, keeps the
    /// old current for verification, and retires keys older than the
    /// longest token lifetime. The rotation is audited as `ctx`.
    pub async fn rotate(
        &self,
        ctx: &AuditContext,
        alg: Alg,
        longest_token_lifetime: i64,
        now: i64,
    ) -> CoreResult<()> {
        let next = new_record(alg, "next", &self.master, now)?;
        self.store
            .rotate_keys(ctx, alg.as_str(), &next, now - longest_token_lifetime, now)
            .await?;
        self.refresh(now).await
    }

    pub async fn retire_expired(&self, longest_token_lifetime: i64, now: i64) -> CoreResult<u64> {
        let n = self
            .store
            .retire_expired_keys(now - longest_token_lifetime, now)
            .await?;
        if n > 0 {
            self.refresh(now).await?;
        }
        Ok(n)
    }

    pub fn summaries(&self) -> Vec<KeySummary> {
        let set = self.snapshot();
        let mut out: Vec<KeySummary> = set
            .by_kid
            .values()
            .map(|k| KeySummary {
                kid: k.kid.clone(),
                alg: k.alg.as_str().into(),
                state: k.state.clone(),
                created_at: k.created_at,
                activated_at: k.activated_at,
                deactivated_at: k.deactivated_at,
                retired_at: 0,
            })
            .collect();
        // Per algorithm: the key that signs next, the one signing now, then
        // the ones only verifying (newest first).
        let rank = |s: &str| match s {
            "next" => 0,
            "current" => 1,
            _ => 2,
        };
        out.sort_by(|a, b| {
            (
                a.alg.as_str(),
                rank(&a.state),
                -a.deactivated_at,
                a.kid.as_str(),
            )
                .cmp(&(
                    b.alg.as_str(),
                    rank(&b.state),
                    -b.deactivated_at,
                    b.kid.as_str(),
                ))
        });
        out
    }
}
