//! Operations endpoints: liveness, readiness, Prometheus metrics.

use actix_web::{get, web, HttpResponse};
use serde_json::json;

use crate::error::ApiError;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(healthz).service(readyz).service(metrics);
}

/// Alive: the process answers. Never touches the database.
#[get("/healthz")]
async fn healthz() -> HttpResponse {
    HttpResponse::Ok().json(json!({"status": "ok"}))
}

/// Ready: the database answers too; 503 otherwise.
#[get("/readyz")]
async fn readyz(state: web::Data<AppState>) -> Result<HttpResponse, ApiError> {
    state.run(|store| store.ping()).await?;
    Ok(HttpResponse::Ok().json(json!({"status": "ready", "database": state.store.backend_name()})))
}

#[get("/metrics")]
async fn metrics(state: web::Data<AppState>) -> HttpResponse {
    let mut body = state.metrics.render(
        state.store.statements(),
        state.store.backend_name(),
        state.push.live_connections(),
    );
    let cache = &state.responses;
    let count = |c: &std::sync::atomic::AtomicU64| c.load(std::sync::atomic::Ordering::Relaxed);
    // Read at scrape time, like the statement count, before the final line.
    let at = body.rfind("# EOF").unwrap_or(body.len());
    body.insert_str(
        at,
        &format!(
            "# HELP newsdesk_response_cache Public reads answered from the response cache, or not.\n\
             # TYPE newsdesk_response_cache counter\n\
             newsdesk_response_cache_total{{outcome=\"hit\"}} {}\n\
             newsdesk_response_cache_total{{outcome=\"miss\"}} {}\n\
             # HELP newsdesk_response_cache_bytes Bytes the response cache holds.\n\
             # TYPE newsdesk_response_cache_bytes gauge\n\
             newsdesk_response_cache_bytes {}\n",
            count(&cache.hits),
            count(&cache.misses),
            cache.bytes()
        ),
    );
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(body)
}
