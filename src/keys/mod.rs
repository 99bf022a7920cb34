//! Signing keys: generation, encryption at rest, JWKS, signing and
//! verification. Parsed keys stay in memory (re-parsing PKCS#8 on every
//! signature costs more than the signature itself).

pub mod jwt;
pub mod master;
pub mod material;
pub mod ring;

pub use jwt::{JwtError, VerifiedJwt};
pub use master::MasterKey;
pub use material::{Alg, KeyMaterial};
pub use ring::KeyRing;
