//! The one error type every server function returns. It crosses the wire as
//! JSON, so the UI can put field errors next to their fields.

use leptos::server_fn::codec::JsonEncoding;
use leptos::server_fn::error::{FromServerFnError, ServerFnErrorErr};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FieldProblem {
    pub field: String,
    pub message: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, thiserror::Error)]
pub enum AppError {
    #[error("Your session has ended. Sign in again.")]
    Unauthenticated,
    #[error("{0}")]
    Forbidden(String),
    /// The caller lacks this Management API permission (its name).
    #[error("You need the {0} permission for this.")]
    NeedsPermission(String),
    #[error("{0}")]
    NotFound(String),
    #[error("Please correct the highlighted fields.")]
    Invalid(Vec<FieldProblem>),
    #[error("{0}")]
    Denied(String),
    /// Enter the password again: the step-up setting asks for it within
    /// this many minutes before signing in as someone.
    #[error("Enter your password again to continue.")]
    StepUpRequired(i64),
    /// The request could not be decoded (wrong or missing arguments, a
    /// body that is not what the function takes).
    #[error("{0}")]
    BadRequest(String),
    #[error("Something went wrong on our side. Please try again.")]
    Internal,
    #[error("Could not reach the server: {0}")]
    Transport(String),
}

impl AppError {
    /// The message for one field, if the server reported one.
    pub fn field(&self, name: &str) -> Option<String> {
        match self {
            AppError::Invalid(problems) => problems
                .iter()
                .filter(|p| p.field == name)
                .map(|p| p.message.clone())
                .reduce(|a, b| format!("{a} {b}")),
            _ => None,
        }
    }

    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        AppError::Invalid(vec![FieldProblem {
            field: field.into(),
            message: message.into(),
        }])
    }
}

impl FromServerFnError for AppError {
    type Encoder = JsonEncoding;

    fn from_server_fn_error(value: ServerFnErrorErr) -> Self {
        #[cfg(feature = "ssr")]
        {
            let err = from_decoding_error(value);
            if let Some(res) = leptos::prelude::use_context::<leptos_axum::ResponseOptions>() {
                res.set_status(err.status());
            }
            err
        }
        #[cfg(not(feature = "ssr"))]
        AppError::Transport(value.to_string())
    }
}

/// On the server, Leptos reports here what went wrong outside the function
/// itself: arguments that do not decode are the caller's mistake (400, with
/// what serde found wrong in them); anything else is ours (500, logged).
#[cfg(feature = "ssr")]
fn from_decoding_error(value: ServerFnErrorErr) -> AppError {
    use ServerFnErrorErr as E;
    match value {
        // Leptos files body-reading and argument-decoding failures under
        // Deserialization on the server, whatever its message says.
        E::Args(detail) | E::Deserialization(detail) => {
            AppError::BadRequest(format!("The request could not be read: {detail}."))
        }
        E::MissingArg(name) => {
            AppError::BadRequest(format!("The request is missing the argument {name}."))
        }
        other => {
            tracing::error!(error = %other, "server function failed outside its body");
            AppError::Internal
        }
    }
}

#[cfg(feature = "ssr")]
impl From<masquerade::CoreError> for AppError {
    fn from(e: masquerade::CoreError) -> Self {
        use masquerade::CoreError as C;
        match e {
            C::Validation(errs) => AppError::Invalid(
                errs.into_iter()
                    .map(|f| FieldProblem {
                        field: f.field,
                        message: f.message,
                    })
                    .collect(),
            ),
            C::Conflict { field, message } => {
                AppError::Invalid(vec![FieldProblem { field, message }])
            }
            C::NotFound(what) => AppError::NotFound(format!(
                "That {what} does not exist (it may have been deleted)."
            )),
            C::Unauthenticated => AppError::Unauthenticated,
            C::Forbidden(m) => AppError::Forbidden(m),
            C::NeedsPermission(p) => AppError::NeedsPermission(p.as_str().to_string()),
            C::Throttled { retry_after_secs } => AppError::Denied(format!(
                "Too many failed attempts. Try again in {} minute(s).",
                (retry_after_secs + 59) / 60
            )),
            C::Internal(_) => AppError::Internal,
        }
    }
}

#[cfg(feature = "ssr")]
impl AppError {
    pub fn status(&self) -> http::StatusCode {
        use http::StatusCode as S;
        match self {
            AppError::Unauthenticated => S::UNAUTHORIZED,
            AppError::Forbidden(_) | AppError::NeedsPermission(_) => S::FORBIDDEN,
            AppError::NotFound(_) => S::NOT_FOUND,
            AppError::Invalid(_) => S::UNPROCESSABLE_ENTITY,
            AppError::Denied(_) => S::TOO_MANY_REQUESTS,
            AppError::StepUpRequired(_) => S::FORBIDDEN,
            AppError::Internal => S::INTERNAL_SERVER_ERROR,
            AppError::BadRequest(_) | AppError::Transport(_) => S::BAD_REQUEST,
        }
    }
}
