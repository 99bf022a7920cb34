//! OAuth 2.0 / OpenID Connect protocol logic. Functions here take the time
//! as a parameter and return errors shaped like the RFCs', so the HTTP layer
//! only translates.

pub mod authorize;
pub mod bearer;
pub mod claims;
pub mod discovery;
pub mod error;
pub mod introspect;
pub mod issue;
pub mod params;
pub mod pkce;

pub use error::{AuthorizeError, OAuthError};
