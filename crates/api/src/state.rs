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
}

impl AppState {
    pub fn new(store: impl Storage + 'static, base_url: String, auth: AuthSettings) -> AppState {
        AppState {
            store: Arc::new(store),
            base_url,
            metrics: Arc::new(Metrics::default()),
            auth: Arc::new(Auth::new(auth)),
            clock: Clock::default(),
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
        let span = tracing::Span::current();
        web::block(move || span.in_scope(|| f(store.as_ref())))
            .await
            .map_err(ApiError::internal)?
            .map_err(ApiError::from)
    }
}
