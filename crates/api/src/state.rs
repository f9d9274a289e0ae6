//! What every handler shares, and the one way to reach the database from
//! async code: `AppState::run`, which moves the synchronous diesel call onto
//! actix's blocking pool with the caller's tracing span.

use std::sync::Arc;

use actix_web::web;
use chrono::{DateTime, Utc};
use newsdesk_domain::clock::Clock;
use newsdesk_domain::error::DomainResult;
use newsdesk_domain::store::Storage;

use crate::auth::{Auth, AuthSettings};
use crate::error::ApiError;
use crate::metrics::Metrics;

/// Who publishes: named in JSON-LD, ninjs, feeds and the News sitemap.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Publisher {
    pub name: String,
    pub logo: Option<String>,
}

impl Publisher {
    /// The host of the public URL, with no logo.
    pub fn from_url(base_url: &str) -> Publisher {
        let host = base_url
            .split_once("://")
            .map_or(base_url, |(_, rest)| rest)
            .split(['/', ':'])
            .next()
            .unwrap_or(base_url);
        Publisher {
            name: host.to_owned(),
            logo: None,
        }
    }
}

#[derive(Clone)]
pub struct AppState {
    /// Every store, behind the domain's traits; start-up wiring picks the
    /// implementation.
    pub store: Arc<dyn Storage>,
    /// Public base URL without a trailing slash.
    pub base_url: String,
    pub metrics: Arc<Metrics>,
    pub auth: Arc<Auth>,
    /// The time every read and write of this server is judged at.
    pub clock: Clock,
    pub publisher: Publisher,
    /// Feeds and sitemaps as last rendered (see `syndication::Rendered`).
    pub rendered: Arc<crate::syndication::RenderCache>,
}

impl AppState {
    pub fn new(store: impl Storage + 'static, base_url: String, auth: AuthSettings) -> AppState {
        AppState {
            store: Arc::new(store),
            metrics: Arc::new(Metrics::default()),
            auth: Arc::new(Auth::new(auth)),
            clock: Clock::default(),
            publisher: Publisher::from_url(&base_url),
            rendered: Arc::default(),
            base_url,
        }
    }

    pub fn now(&self) -> DateTime<Utc> {
        self.clock.now()
    }

    /// Runs `f` against the store on a blocking thread.
    pub async fn run<T, F>(&self, f: F) -> Result<T, ApiError>
    where
        F: FnOnce(&dyn Storage) -> DomainResult<T> + Send + 'static,
        T: Send + 'static,
    {
        let store = self.store.clone();
        // The request's span and the subscriber recording it go along, so
        // the service's own spans nest under the request on the other thread.
        let span = tracing::Span::current();
        let dispatch = tracing::dispatcher::get_default(Clone::clone);
        web::block(move || {
            tracing::dispatcher::with_default(&dispatch, || span.in_scope(|| f(store.as_ref())))
        })
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::from)
    }
}

#[cfg(test)]
mod tests {
    use std::fmt::Debug;
    use std::sync::{Arc, Mutex};

    use newsdesk_domain::query::Visibility;
    use newsdesk_domain::service;
    use newsdesk_domain::term::TermKind;
    use newsdesk_persistence::test_support::TestDb;
    use newsdesk_persistence::Store;
    use tracing::field::Field;
    use tracing::span::{Attributes, Id};
    use tracing_subscriber::layer::{Context, SubscriberExt};
    use tracing_subscriber::registry::LookupSpan;
    use tracing_subscriber::Layer;

    use super::*;

    /// A new span: its name, its parent's name and its fields.
    type Seen = (String, Option<String>, String);

    #[derive(Clone, Default)]
    struct Spans(Arc<Mutex<Vec<Seen>>>);

    impl<S: tracing::Subscriber + for<'a> LookupSpan<'a>> Layer<S> for Spans {
        fn on_new_span(&self, attrs: &Attributes<'_>, id: &Id, ctx: Context<'_, S>) {
            let parent = ctx
                .span(id)
                .and_then(|s| s.parent())
                .map(|p| p.name().to_owned());
            let mut fields = String::new();
            attrs.record(&mut |f: &Field, v: &dyn Debug| {
                fields.push_str(&format!("{}={v:?} ", f.name()));
            });
            if let Ok(mut all) = self.0.lock() {
                all.push((attrs.metadata().name().to_owned(), parent, fields));
            }
        }
    }

    #[test]
    fn service_spans_nest_under_the_request_across_the_blocking_pool() {
        let db = TestDb::sqlite();
        let store = Store::open(&db.url, 2).expect("opens");
        store.migrate().expect("migrates");
        let state = AppState::new(store, "http://x".into(), AuthSettings::for_tests());
        let spans = Spans::default();
        let subscriber = tracing_subscriber::registry().with(spans.clone());
        tracing::subscriber::with_default(subscriber, || {
            actix_web::rt::System::new().block_on(async {
                let request = tracing::info_span!("request");
                let found = tracing::Instrument::instrument(
                    state.run(|store| {
                        service::term(store, TermKind::Tag, "nope", Visibility::Staff, None)
                    }),
                    request,
                )
                .await;
                assert_eq!(found.err().map(|e| e.status.as_u16()), Some(404));
            });
        });
        let spans = spans.0.lock().expect("spans").clone();
        let (_, parent, fields) = spans
            .iter()
            .find(|(name, _, _)| name == "term")
            .unwrap_or_else(|| panic!("no span for the service call in {spans:?}"));
        assert_eq!(parent.as_deref(), Some("request"));
        assert!(
            fields.contains("kind=Tag") && fields.contains("slug=\"nope\""),
            "{fields}"
        );
    }
}
