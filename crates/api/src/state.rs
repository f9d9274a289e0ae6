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
    /// Finished public responses (see `response_cache`).
    pub responses: Arc<crate::response_cache::ResponseCache>,
    /// Webhooks, WebSub and live clients (see `push`).
    pub push: Arc<crate::push::Push>,
    /// Page views and most-read (see `views`).
    pub views: Arc<crate::views::Views>,
    /// Rate limits shared with other nodes, on a shared database.
    pub cluster: Option<Arc<crate::cluster::SharedLimits>>,
    /// One permit per pooled connection: calls wait here, in order, rather
    /// than as blocked threads racing for a connection (which made the
    /// slowest of them wait hundreds of milliseconds under load).
    db_slots: Arc<tokio::sync::Semaphore>,
    /// A built front end (`serve --site DIR`) served at the root instead of
    /// the landing page.
    pub site: Option<Arc<std::path::PathBuf>>,
}

impl AppState {
    pub fn new(store: impl Storage + 'static, base_url: String, auth: AuthSettings) -> AppState {
        // Only a shared database can have other nodes.
        let shared = store.backend_name() != "sqlite";
        let slots = store.pool_size() as usize;
        AppState {
            db_slots: Arc::new(tokio::sync::Semaphore::new(slots.max(1))),
            cluster: shared.then(Arc::default),
            views: Arc::new(crate::views::Views::new(Default::default())),
            store: Arc::new(store),
            metrics: Arc::new(Metrics::default()),
            auth: Arc::new(Auth::new(auth)),
            clock: Clock::default(),
            publisher: Publisher::from_url(&base_url),
            responses: Arc::new(crate::response_cache::ResponseCache::new(Default::default())),
            push: Arc::new(crate::push::Push::new(Default::default())),
            base_url,
            site: None,
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
        // Never closed, so acquiring cannot fail.
        let _slot = self.db_slots.acquire().await.ok();
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
