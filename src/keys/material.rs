//! In-memory key pairs for ES256, RS256 and EdDSA, and their public JWKs.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{
    EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair, ECDSA_P256_SHA256_FIXED_SIGNING,
    RSA_PKCS1_SHA256,
};
use base64::{engine::general_purpose::URL_SAFE_NO_PAD, Engine};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::{CoreError, CoreResult};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Alg {
    ES256,
    RS256,
    EdDSA,
}

impl Alg {
    pub const ALL: [Alg; 3] = [Alg::ES256, Alg::RS256, Alg::EdDSA];

    pub fn as_str(self) -> &'static str {
        match self {
            Alg::ES256 => "ES256",
            Alg::RS256 => "RS256",
            Alg::EdDSA => "EdDSA",
        }
    }

    pub fn parse(s: &str) -> Option<Alg> {
        Alg::ALL.into_iter().find(|a| a.as_str() == s)
    }

    pub fn jsonwebtoken(self) -> jsonwebtoken::Algorithm {
        match self {
            Alg::ES256 => jsonwebtoken::Algorithm::ES256,
            Alg::RS256 => jsonwebtoken::Algorithm::RS256,
            Alg::EdDSA => jsonwebtoken::Algorithm::EdDSA,
        }
    }
}

pub enum KeyMaterial {
    Es256(EcdsaKeyPair),
    Rs256(RsaKeyPair),
    EdDsa(Ed25519KeyPair),
}

fn crypto_err(what: &str) -> CoreError {
    CoreError::Internal(format!("key operation failed: {what}"))
}

impl KeyMaterial {
    /// Generates a key pair and returns it with its PKCS#8 encoding.
    pub fn generate(alg: Alg) -> CoreResult<(KeyMaterial, Vec<u8>)> {
        let rng = SystemRandom::new();
        let pkcs8 = match alg {
            Alg::ES256 => EcdsaKeyPair::generate_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, &rng)
                .map_err(|_| crypto_err("generate ES256"))?
                .as_ref()
                .to_vec(),
            Alg::EdDSA => Ed25519KeyPair::generate_pkcs8(&rng)
                .map_err(|_| crypto_err("generate EdDSA"))?
                .as_ref()
                .to_vec(),
            Alg::RS256 => RsaKeyPair::generate(KeySize::Rsa2048)
                .map_err(|_| crypto_err("generate RS256"))?
                .as_der()
                .map_err(|_| crypto_err("encode RS256"))?
                .as_ref()
                .to_vec(),
        };
        Ok((KeyMaterial::from_pkcs8(alg, &pkcs8)?, pkcs8))
    }

    pub fn from_pkcs8(alg: Alg, pkcs8: &[u8]) -> CoreResult<KeyMaterial> {
        Ok(match alg {
            Alg::ES256 => KeyMaterial::Es256(
                EcdsaKeyPair::from_pkcs8(&ECDSA_P256_SHA256_FIXED_SIGNING, pkcs8)
                    .map_err(|_| crypto_err("load ES256"))?,
            ),
            Alg::RS256 => KeyMaterial::Rs256(
                RsaKeyPair::from_pkcs8(pkcs8).map_err(|_| crypto_err("load RS256"))?,
            ),
            Alg::EdDSA => KeyMaterial::EdDsa(
                Ed25519KeyPair::from_pkcs8(pkcs8).map_err(|_| crypto_err("load EdDSA"))?,
            ),
        })
    }

    pub fn alg(&self) -> Alg {
        match self {
            KeyMaterial::Es256(_) => Alg::ES256,
            KeyMaterial::Rs256(_) => Alg::RS256,
            KeyMaterial::EdDsa(_) => Alg::EdDSA,
        }
    }

    pub fn sign(&self, message: &[u8]) -> CoreResult<Vec<u8>> {
        let rng = SystemRandom::new();
        match self {
            KeyMaterial::Es256(k) => Ok(k
                .sign(&rng, message)
                .map_err(|_| crypto_err("sign"))?
                .as_ref()
                .to_vec()),
            KeyMaterial::EdDsa(k) => Ok(k.sign(message).as_ref().to_vec()),
            KeyMaterial::Rs256(k) => {
                let mut sig = vec![0u8; k.public_modulus_len()];
                k.sign(&RSA_PKCS1_SHA256, &rng, message, &mut sig)
                    .map_err(|_| crypto_err("sign"))?;
                Ok(sig)
            }
        }
    }

    /// The public JWK (RFC 7517), with `kid`, `use` and `alg` set.
    pub fn public_jwk(&self, kid: &str) -> Value {
        let b64 = |b: &[u8]| URL_SAFE_NO_PAD.encode(b);
        match self {
            KeyMaterial::Es256(k) => {
                // Uncompressed SEC1 point: 0x04 || X (32) || Y (32).
                let point = k.public_key().as_ref();
                json!({"kty": "EC", "crv": "P-256", "x": b64(&point[1..33]), "y": b64(&point[33..65]),
                       "kid": kid, "use": "sig", "alg": "ES256"})
            }
            KeyMaterial::EdDsa(k) => {
                json!({"kty": "OKP", "crv": "Ed25519", "x": b64(k.public_key().as_ref()),
                       "kid": kid, "use": "sig", "alg": "EdDSA"})
            }
            KeyMaterial::Rs256(k) => {
                let public = k.public_key();
                json!({"kty": "RSA", "n": b64(public.modulus().big_endian_without_leading_zero()),
                       "e": b64(public.exponent().big_endian_without_leading_zero()),
                       "kid": kid, "use": "sig", "alg": "RS256"})
            }
        }
    }
}
