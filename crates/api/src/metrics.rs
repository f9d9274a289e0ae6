//! Prometheus metrics: requests by route pattern and status, their latency,
//! and the SQL statements the store has run.

use prometheus_client::encoding::text::encode;
use prometheus_client::encoding::EncodeLabelSet;
use prometheus_client::metrics::counter::Counter;
use prometheus_client::metrics::family::Family;
use prometheus_client::metrics::gauge::Gauge;
use prometheus_client::metrics::histogram::{exponential_buckets, Histogram};
use prometheus_client::registry::Registry;

#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct RequestLabels {
    pub method: String,
    /// The matched route pattern, never the raw path, so slugs do not
    /// explode the number of series.
    pub route: String,
    pub status: u16,
}

/// A delivery attempt: to a webhook or a WebSub subscriber, and how it went.
#[derive(Clone, Debug, Hash, PartialEq, Eq, EncodeLabelSet)]
pub struct DeliveryLabels {
    pub receiver: &'static str,
    /// `delivered`, `retry`, `failed` or `skipped`.
    pub outcome: &'static str,
}

pub struct Metrics {
    registry: Registry,
    requests: Family<RequestLabels, Counter>,
    latency: Family<RequestLabels, Histogram>,
    deliveries: Family<DeliveryLabels, Counter>,
    live: Gauge,
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
        let deliveries = Family::<DeliveryLabels, Counter>::default();
        registry.register(
            "event_deliveries",
            "Attempts to deliver events to webhooks and WebSub subscribers",
            deliveries.clone(),
        );
        let live = Gauge::default();
        registry.register(
            "live_connections",
            "Open SSE streams and GraphQL subscription sockets",
            live.clone(),
        );
        Metrics {
            registry,
            requests,
            latency,
            deliveries,
            live,
        }
    }
}

impl Metrics {
    pub fn observe(&self, labels: RequestLabels, seconds: f64) {
        self.requests.get_or_create(&labels).inc();
        self.latency.get_or_create(&labels).observe(seconds);
    }

    pub fn delivery(&self, labels: DeliveryLabels) {
        self.deliveries.get_or_create(&labels).inc();
    }

    /// The text exposition, with the store's statement count appended and
    /// the live connections as they are now.
    pub fn render(&self, sql_statements: u64, backend: &str, live: usize) -> String {
        self.live.set(i64::try_from(live).unwrap_or(i64::MAX));
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
