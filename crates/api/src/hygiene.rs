//! Input hygiene, once for every route before any handler runs, so REST,
//! GraphQL and whatever lands later share one set of limits:
//!
//! - a request body is read whole here, up to `MAX_BODY_BYTES` (413 above)
//!   and within the body timeout (408), so a client trickling one byte at
//!   a time cannot hold a connection and a worker's memory for minutes;
//! - a NUL byte anywhere in the path, the query or the body is a 400:
//!   PostgreSQL cannot store one in text and answers with an encoding error,
//!   SQLite stores it silently, and neither is what the client meant;
//! - `HEAD` is answered for every `GET` route: the request is routed as a
//!   `GET` and actix's HTTP/1 codec, which saw the original method, sends
//!   the headers (with the body's length) and no body.

use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::CONTENT_LENGTH;
use actix_web::http::{ConnectionType, Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{Bytes, BytesMut};
use actix_web::{HttpMessage, ResponseError};
use futures_util::StreamExt;

use crate::auth::DEFAULT_BODY_TIMEOUT;
use crate::error::ApiError;
use crate::state::AppState;

/// How long a client may take to send a whole request body, by default.
/// The largest request body any route reads.
pub const MAX_BODY_BYTES: usize = 2 * 1024 * 1024;

pub async fn guard(
    mut req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if has_encoded_nul(req.uri().path()) || req.uri().query().is_some_and(has_encoded_nul) {
        let e = ApiError::bad_request("the URL contains a NUL byte (%00)");
        return Ok(refuse(req, e, false));
    }
    if req.method() == Method::HEAD {
        req.head_mut().method = Method::GET;
    }
    if carries_body(req.method()) {
        let timeout = req
            .app_data::<actix_web::web::Data<AppState>>()
            .map_or(DEFAULT_BODY_TIMEOUT, |s| s.auth.settings.body_timeout);
        match read_body(&mut req, timeout).await {
            Ok(body) => req.set_payload(body.into()),
            // The rest of the body is unread: the connection cannot be reused.
            Err(e) => return Ok(refuse(req, e, true)),
        }
    }
    Ok(next.call(req).await?.map_into_left_body())
}

fn refuse<B>(req: ServiceRequest, e: ApiError, close: bool) -> ServiceResponse<EitherBody<B>> {
    let mut res = e.error_response();
    if close {
        res.head_mut().set_connection_type(ConnectionType::Close);
    }
    req.into_response(res).map_into_right_body()
}

fn carries_body(m: &Method) -> bool {
    !matches!(*m, Method::GET | Method::HEAD | Method::OPTIONS)
}

/// The whole body, or why not. Checked against the declared length first,
/// so an honest client with a huge body is refused before it sends it.
async fn read_body(req: &mut ServiceRequest, timeout: Duration) -> Result<Bytes, ApiError> {
    let declared = req
        .headers()
        .get(CONTENT_LENGTH)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse::<u64>().ok());
    if declared.is_some_and(|n| n > MAX_BODY_BYTES as u64) {
        return Err(too_large());
    }
    let mut payload = req.take_payload();
    let read = async move {
        let mut buf = BytesMut::new();
        while let Some(chunk) = payload.next().await {
            let chunk =
                chunk.map_err(|_| ApiError::bad_request("the request body could not be read"))?;
            if buf.len() + chunk.len() > MAX_BODY_BYTES {
                return Err(too_large());
            }
            buf.extend_from_slice(&chunk);
        }
        Ok(buf.freeze())
    };
    let body = actix_web::rt::time::timeout(timeout, read)
        .await
        .map_err(|_| {
            ApiError::new(
                StatusCode::REQUEST_TIMEOUT,
                format!(
                    "the request body did not arrive within {} s",
                    timeout.as_secs_f32()
                ),
            )
        })??;
    if has_nul(&body) {
        return Err(ApiError::bad_request(
            "the request body contains a NUL character",
        ));
    }
    Ok(body)
}

fn too_large() -> ApiError {
    ApiError::new(
        StatusCode::PAYLOAD_TOO_LARGE,
        format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
    )
}

fn has_encoded_nul(s: &str) -> bool {
    s.contains("%00")
}

/// A raw NUL byte, or JSON's `\u0000` escape: one whose backslash is not
/// itself escaped (preceded by an even number of backslashes).
pub fn has_nul(body: &[u8]) -> bool {
    if body.contains(&0) {
        return true;
    }
    const ESCAPE: &[u8] = b"\\u0000";
    body.windows(ESCAPE.len())
        .enumerate()
        .filter(|(_, w)| *w == ESCAPE)
        .any(|(i, _)| {
            let before = body[..i].iter().rev().take_while(|b| **b == b'\\').count();
            before % 2 == 0
        })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nul_is_found_raw_and_escaped_but_not_in_an_escaped_backslash() {
        assert!(has_nul(b"{\"a\":\"x\0y\"}"));
        assert!(has_nul(br#"{"title":"a\u0000b"}"#));
        assert!(has_nul(br#"{"title":"a\\\u0000b"}"#));
        assert!(!has_nul(br#"{"title":"a\\u0000b"}"#));
        assert!(!has_nul(br#"{"title":"a\u0001b"}"#));
        assert!(has_encoded_nul("/api/v1/articles/a%00b"));
        assert!(!has_encoded_nul("/api/v1/articles/a%200"));
    }
}
