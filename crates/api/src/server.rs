//! The HTTP server: one `App` with REST, GraphQL, docs and operations, used
//! by `newsdesk serve` and by the end-to-end tests alike.

use std::net::TcpListener;

use actix_web::body::MessageBody;
use actix_web::dev::{Server, ServiceRequest, ServiceResponse};
use actix_web::error::{JsonPayloadError, PathError, QueryPayloadError};
use actix_web::http::header::{HeaderName, HeaderValue};
use actix_web::http::StatusCode;
use actix_web::middleware::{self, Next};
use actix_web::{web, App, HttpMessage, HttpRequest, HttpServer};
use tracing_actix_web::{RequestId, TracingLogger};
use utoipa_swagger_ui::SwaggerUi;

use crate::error::ApiError;
use crate::state::AppState;
use crate::{graphql, hygiene, openapi, ops, rest};

/// Largest request body accepted (413 above it).
pub use crate::hygiene::MAX_BODY_BYTES;

/// CORS for browser front ends: `*` or a comma-separated list of origins.
fn cors(origins: &str) -> actix_cors::Cors {
    let base = actix_cors::Cors::default()
        .allowed_methods(["GET", "HEAD", "POST", "PATCH", "DELETE", "OPTIONS"])
        .allowed_headers([
            "authorization",
            "content-type",
            "if-match",
            "if-none-match",
            "x-api-key",
        ])
        .expose_headers([
            "etag",
            "link",
            "location",
            "retry-after",
            "x-request-id",
            "ratelimit-limit",
            "ratelimit-remaining",
            "ratelimit-reset",
        ])
        .max_age(3600);
    if origins.trim() == "*" {
        return base.allow_any_origin();
    }
    origins
        .split(',')
        .map(str::trim)
        .filter(|o| !o.is_empty())
        .fold(base, |cors, origin| cors.allowed_origin(origin))
}

pub fn build(
    listener: TcpListener,
    state: AppState,
    cors_origins: &str,
) -> std::io::Result<Server> {
    let cors_origins = cors_origins.to_owned();
    crate::push::start(&state);
    let push = state.push.clone();
    let schema = web::Data::new(graphql::schema(state.clone()));
    let data = web::Data::new(state);
    let doc = web::Data::new(openapi::document());
    let server = HttpServer::new(move || {
        App::new()
            .app_data(data.clone())
            .app_data(schema.clone())
            .app_data(web::QueryConfig::default().error_handler(query_error))
            .app_data(web::PathConfig::default().error_handler(path_error))
            .app_data(
                web::JsonConfig::default()
                    .limit(MAX_BODY_BYTES)
                    .error_handler(json_error),
            )
            .app_data(web::PayloadConfig::default().limit(MAX_BODY_BYTES))
            .app_data(web::FormConfig::default().error_handler(form_error))
            .configure(ops::routes)
            .configure(rest::routes)
            .configure(graphql::routes)
            .configure(crate::syndication::routes)
            .service(crate::push::websub::hub)
            .service(crate::landing::landing)
            .app_data(doc.clone())
            .route("/openapi.json", web::get().to(openapi_json))
            .service(
                SwaggerUi::new("/docs/{_:.*}")
                    .config(utoipa_swagger_ui::Config::new(["/openapi.json"])),
            )
            .service(web::redirect("/docs", "/docs/"))
            .default_service(web::to(crate::landing::fallback))
            .wrap(middleware::from_fn(crate::response_cache::layer))
            .wrap(middleware::from_fn(hygiene::guard))
            .wrap(middleware::from_fn(crate::middleware::authenticate))
            .wrap(cors(&cors_origins))
            .wrap(middleware::from_fn(crate::middleware::record))
            .wrap(middleware::from_fn(request_id_header))
            .wrap(middleware::Compress::default())
            .wrap(TracingLogger::<crate::telemetry::RootSpan>::new())
    })
    .listen(listener)?
    // Requests in flight may finish for up to this long after SIGTERM.
    .shutdown_timeout(15)
    .disable_signals()
    .run();
    let handle = server.handle();
    actix_web::rt::spawn(async move {
        if shutdown_signal().await {
            // Live streams end with a final event first: actix would wait
            // for them as for any request in flight.
            tracing::info!("shutting down: closing live streams, finishing requests in flight");
            push.close();
            handle.stop(true).await;
        }
    });
    Ok(server)
}

/// SIGTERM or Ctrl-C; `false` if neither can be listened for.
async fn shutdown_signal() -> bool {
    let Ok(mut term) = tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate())
    else {
        return false;
    };
    tokio::select! {
        _ = term.recv() => true,
        r = tokio::signal::ctrl_c() => r.is_ok(),
    }
}

async fn openapi_json(doc: web::Data<serde_json::Value>) -> actix_web::HttpResponse {
    actix_web::HttpResponse::Ok().json(doc.get_ref())
}

fn query_error(e: QueryPayloadError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(format!("malformed query string: {e}")).into()
}

fn path_error(e: PathError, _: &HttpRequest) -> actix_web::Error {
    ApiError::bad_request(format!("malformed path: {e}")).into()
}

/// A form (WebSub's) that cannot be read, as problem+json like every error.
fn form_error(e: actix_web::error::UrlencodedError, _: &HttpRequest) -> actix_web::Error {
    use actix_web::error::UrlencodedError;
    let (status, detail) = match &e {
        UrlencodedError::ContentType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the body as Content-Type: application/x-www-form-urlencoded".to_owned(),
        ),
        UrlencodedError::Overflow { .. } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            "the form is too large".to_owned(),
        ),
        other => (
            StatusCode::BAD_REQUEST,
            format!("the form could not be read: {other}"),
        ),
    };
    ApiError::new(status, detail).into()
}

/// serde's words describe the client's own input and stay; actix's wrapping
/// of them does not.
fn json_error(e: JsonPayloadError, _: &HttpRequest) -> actix_web::Error {
    let (status, detail) = match &e {
        JsonPayloadError::Overflow { .. } | JsonPayloadError::OverflowKnownLength { .. } => (
            StatusCode::PAYLOAD_TOO_LARGE,
            format!("the request body is larger than {MAX_BODY_BYTES} bytes"),
        ),
        JsonPayloadError::ContentType => (
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "send the body as Content-Type: application/json".into(),
        ),
        JsonPayloadError::Deserialize(e) => (
            StatusCode::BAD_REQUEST,
            format!("the body is not the JSON this route takes: {e}"),
        ),
        _ => (
            StatusCode::BAD_REQUEST,
            "the request body could not be read".into(),
        ),
    };
    ApiError::new(status, detail).into()
}

/// Echoes the request id that every log line of this request carries, so a
/// client can quote it in a bug report.
async fn request_id_header(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let id = req.extensions().get::<RequestId>().map(|id| id.to_string());
    let mut res = next.call(req).await?;
    if let Some(value) = id.and_then(|id| HeaderValue::from_str(&id).ok()) {
        res.headers_mut()
            .insert(HeaderName::from_static("x-request-id"), value);
    }
    Ok(res)
}
