//! Prometheus metrics: requests by route pattern and status, their latency,
//! and the SQL statements the store has run.

use std::sync::Arc;
use std::time::Instant;

use actix_web::body::MessageBody;
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::middleware::Next;
use actix_web::web;
use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

use crate::state::AppState;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The matched route pattern, never the raw path, so slugs do not
    /// explode the number of series.
    pub route: String,
    pub status: u16,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
}

impl Default for Metrics {
    fn default() -> Self {
        let mut registry = Registry::with_prefix("newsdesk");
        let requests = Family::<RequestLabels, Counter>::default();
        let latency = Family::<RequestLabels, Histogram>::new_with_constructor(|| {
            Histogram::new(exponential_buckets(0.0001, 2.5, 12))
        });
        registry.register("http_requests", "HTTP requests answered", requests.clone());
        registry.register(
            "http_request_duration_seconds",
            "Time to answer HTTP requests",
            latency.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
        }
    }
}

impl Metrics {
    pub fn observe(&self, labels: RequestLabels, seconds: f64) {
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(seconds);
    }

    /// The text exposition, with the store's statement count appended.
    pub fn render(&self, sql_statements: u64, backend: &str) -> String {
        let mut out = String::new();
        if encode(&mut out, &self.registry).is_err() {
            out.clear();
        }
        // The registry ends with "# EOF"; the counter below is read from the
        // store at scrape time, so it is written by hand before that line.
        let body = out.trim_end().trim_end_matches("# EOF").to_owned();
        format!(
            "{body}# HELP newsdesk_sql_statements SQL statements run by the store.\n\
             # TYPE newsdesk_sql_statements counter\n\
             newsdesk_sql_statements_total{{backend=\"{backend}\"}} {sql_statements}\n# EOF\n"
        )
    }
}

/// Middleware recording every request.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| Arc::clone(&s.metrics));
    let method = req.method().to_string();
    let res = next.call(req).await?;
    if let Some(m) = metrics {
        // The pattern is known only once the router has run.
        let route = res
            .request()
            .match_pattern()
            .unwrap_or_else(|| "unmatched".into());
        let labels = RequestLabels {
            method,
            route,
            status: res.status().as_u16(),
        };
        let seconds = started.elapsed().as_secs_f64();
        // Inside the request's root span, so the line carries its request_id.
        tracing::info!(
            method = %labels.method,
            route = %labels.route,
            status = labels.status,
            ms = seconds * 1000.0,
            "request finished"
        );
        m.observe(labels, seconds);
    }
    Ok(res)
}
