//! Errors the core hands to its callers. Internal detail (SQL text, driver
//! messages) stays in `Internal` and in the logs; the UI and the REST API show
//! only the stable code and the safe message.

use serde::{Deserialize, Serialize};

/// A problem with one named input field, shown next to that field.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldError {
    pub field: String,
    pub message: String,
}

impl FieldError {
    pub fn new(field: impl Into<String>, message: impl Into<String>) -> Self {
        Self {
            field: field.into(),
            message: message.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CoreError {
    #[error("invalid input")]
    Validation(Vec<FieldError>),
    #[error("{0} not found")]
    NotFound(&'static str),
    #[error("{message}")]
    Conflict { field: String, message: String },
    #[error("not signed in")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    /// The principal lacks a Management API permission.
    #[error("This needs the {0} permission.")]
    NeedsPermission(crate::authz::Permission),
    #[error("too many attempts, try again in {retry_after_secs} seconds")]
    Throttled { retry_after_secs: i64 },
    #[error("internal error")]
    Internal(String),
}

impl CoreError {
    pub fn field(field: &str, message: impl Into<String>) -> Self {
        CoreError::Validation(vec![FieldError::new(field, message)])
    }

    /// Stable machine-readable code, used by the REST API and the UI.
    pub fn code(&self) -> &'static str {
        match self {
            CoreError::Validation(_) => "invalid_request",
            CoreError::NotFound(_) => "not_found",
            CoreError::Conflict { .. } => "conflict",
            CoreError::Unauthenticated => "unauthenticated",
            CoreError::Forbidden(_) | CoreError::NeedsPermission(_) => "forbidden",
            CoreError::Throttled { .. } => "too_many_attempts",
            CoreError::Internal(_) => "server_error",
        }
    }
}

impl From<sqlx::Error> for CoreError {
    fn from(e: sqlx::Error) -> Self {
        if let sqlx::Error::RowNotFound = e {
            return CoreError::NotFound("record");
        }
        tracing::error!(error = %e, "database error");
        CoreError::Internal(e.to_string())
    }
}

pub type CoreResult<T> = Result<T, CoreError>;

/// Collects field errors so a form reports every problem at once.
#[derive(Default, Debug)]
pub struct Problems(Vec<FieldError>);

impl Problems {
    pub fn add(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }
    pub fn check(&mut self, ok: bool, field: &str, message: &str) {
        if !ok {
            self.add(field, message);
        }
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn into_result(self) -> CoreResult<()> {
        if self.0.is_empty() {
            Ok(())
        } else {
            Err(CoreError::Validation(self.0))
        }
    }
}
