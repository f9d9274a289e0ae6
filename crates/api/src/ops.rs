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
    let body = state.metrics.render(
        state.store.statements(),
        state.store.backend_name(),
        state.push.live_connections(),
    );
    HttpResponse::Ok()
        .content_type("application/openmetrics-text; version=1.0.0; charset=utf-8")
        .body(body)
}
