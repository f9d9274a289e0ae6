//! The API's one error type, rendered as `application/problem+json`
//! (RFC 9457). Each domain error class maps to one status here and nowhere
//! else; details of internal failures are logged, never sent.

use actix_web::http::header::ContentType;
use actix_web::http::StatusCode;
use actix_web::{HttpResponse, ResponseError};
use newsdesk_domain::{DomainError, FieldError};
use serde::Serialize;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Problem {
    /// A URI naming the problem class.
    #[serde(rename = "type")]
    pub kind: String,
    pub title: String,
    pub status: u16,
    pub detail: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub errors: Option<Vec<FieldError>>,
}

#[derive(Debug, Clone)]
pub struct ApiError {
    pub status: StatusCode,
    pub detail: String,
    pub errors: Option<Vec<FieldError>>,
    /// Seconds for a `Retry-After` header.
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(status: StatusCode, detail: impl Into<String>) -> Self {
        Self {
            status,
            detail: detail.into(),
            errors: None,
            retry_after: None,
        }
    }

    pub fn bad_request(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::BAD_REQUEST, detail)
    }

    pub fn not_found(detail: impl Into<String>) -> Self {
        Self::new(StatusCode::NOT_FOUND, detail)
    }

    pub fn internal(detail: impl std::fmt::Display) -> Self {
        tracing::error!(error = %detail, "internal error");
        Self::new(
            StatusCode::INTERNAL_SERVER_ERROR,
            "the server failed to answer; the failure is logged",
        )
    }

    pub fn problem(&self) -> Problem {
        let title = self.status.canonical_reason().unwrap_or("Error").to_owned();
        let slug = title.to_ascii_lowercase().replace(' ', "-");
        Problem {
            kind: format!("https://newsdesk.dev/problems/{slug}"),
            title,
            status: self.status.as_u16(),
            detail: self.detail.clone(),
            errors: self.errors.clone(),
        }
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}: {}", self.status, self.detail)
    }
}

impl ResponseError for ApiError {
    fn status_code(&self) -> StatusCode {
        self.status
    }

    fn error_response(&self) -> HttpResponse {
        let body = serde_json::to_string(&self.problem()).unwrap_or_default();
        let mut res = HttpResponse::build(self.status);
        res.insert_header(ContentType(problem_json()));
        if let Some(secs) = self.retry_after {
            res.insert_header((actix_web::http::header::RETRY_AFTER, secs));
        }
        res.body(body)
    }
}

pub fn problem_json() -> mime::Mime {
    "application/problem+json"
        .parse()
        .unwrap_or(mime::APPLICATION_JSON)
}

impl From<DomainError> for ApiError {
    fn from(e: DomainError) -> Self {
        match e {
            DomainError::NotFound(what) => ApiError::not_found(format!("{what} not found")),
            DomainError::Invalid(errors) => ApiError {
                status: StatusCode::UNPROCESSABLE_ENTITY,
                detail: "some fields have invalid values".into(),
                errors: Some(errors),
                retry_after: None,
            },
            DomainError::BadRequest(d) => ApiError::bad_request(d),
            DomainError::Conflict(d) => ApiError::new(StatusCode::CONFLICT, d),
            DomainError::Taken(f) => ApiError {
                status: StatusCode::CONFLICT,
                detail: format!("{}: {}", f.field, f.message),
                errors: Some(vec![f]),
                retry_after: None,
            },
            DomainError::Unauthenticated(d) => ApiError::new(StatusCode::UNAUTHORIZED, d),
            DomainError::Forbidden(d) => ApiError::new(StatusCode::FORBIDDEN, d),
            DomainError::PreconditionFailed(d) => ApiError::new(StatusCode::PRECONDITION_FAILED, d),
            DomainError::Unavailable(d) => {
                tracing::warn!(error = %d, "database unavailable");
                ApiError::new(
                    StatusCode::SERVICE_UNAVAILABLE,
                    "the database is unavailable; try again shortly",
                )
            }
            DomainError::Internal(d) => ApiError::internal(d),
        }
    }
}
