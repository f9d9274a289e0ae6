//! The one error type of the domain. Each variant says which class of failure
//! it is; the API crate maps the class to an HTTP status or GraphQL code, so
//! the mapping lives in exactly one place there.

use serde::Serialize;

/// One invalid field of a request, reported back to the caller.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
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
pub enum DomainError {
    /// The thing asked for does not exist (or is not visible to the caller).
    #[error("{0} not found")]
    NotFound(String),
    /// The request was understood but its values are not acceptable (422).
    #[error("invalid input")]
    Invalid(Vec<FieldError>),
    /// The request is malformed (400), e.g. a cursor that was not ours.
    #[error("{0}")]
    BadRequest(String),
    /// No or bad credentials (401).
    #[error("{0}")]
    Unauthenticated(String),
    /// Credentials are fine but not enough for this (403).
    #[error("{0}")]
    Forbidden(String),
    /// The caller's copy is stale: `If-Match` no longer matches (412).
    #[error("{0}")]
    PreconditionFailed(String),
    /// The write breaks a rule about existing data, e.g. demoting the last
    /// admin (409).
    #[error("{0}")]
    Conflict(String),
    /// A value that must be unique is taken, e.g. a slug (409 naming the field).
    #[error("{}: {}", .0.field, .0.message)]
    Taken(FieldError),
    /// The database cannot be reached (503).
    #[error("storage unavailable")]
    Unavailable(String),
    /// Anything else; its detail is logged, never shown to a client.
    #[error("internal error")]
    Internal(String),
}

impl DomainError {
    pub fn invalid(field: &str, message: impl Into<String>) -> Self {
        DomainError::Invalid(vec![FieldError::new(field, message)])
    }
}

pub type DomainResult<T> = Result<T, DomainError>;
