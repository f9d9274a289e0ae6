//! Push: everything that reacts to the event outbox on this node.
//!
//! - `pump` follows the outbox and hands each event, as the public sees
//!   it, to the live clients (SSE and GraphQL subscriptions);
//! - `deliver` claims due deliveries and sends them to webhooks and WebSub
//!   subscribers, signed, retried on the Standard Webhooks schedule;
//! - `stream` is the SSE endpoint, `websub` the hub.
//!
//! Both loops wake when a write on this node or, through PostgreSQL
//! `NOTIFY`, on another one says the outbox grew, and tick every second
//! besides, for schedules coming due and retries.

pub mod deliver;
pub mod pump;
pub mod stream;
pub mod websub;

use std::sync::atomic::{AtomicBool, AtomicI64, AtomicUsize, Ordering};
use std::sync::Arc;
use std::time::Duration;

use newsdesk_domain::article::ArticleRecord;
use newsdesk_domain::events::schedule::RetrySchedule;
use newsdesk_domain::events::{Event, EventKind, Signal};
use newsdesk_domain::service::events::Payload;
use tokio::sync::{broadcast, watch, Notify};

use crate::error::ApiError;
use crate::state::AppState;

/// What push may do, from the configuration.
#[derive(Debug, Clone)]
pub struct PushSettings {
    /// Let receivers sit on loopback and private addresses.
    pub allow_private: bool,
    /// For one delivery request; a node's claim on a delivery lasts three.
    pub timeout: Duration,
    pub retries: RetrySchedule,
    /// Live connections (SSE and GraphQL subscriptions) a node serves.
    pub max_streams: usize,
    /// How often an idle live connection hears from the server.
    pub heartbeat: Duration,
}

impl Default for PushSettings {
    fn default() -> Self {
        PushSettings {
            allow_private: false,
            timeout: Duration::from_secs(10),
            retries: RetrySchedule::default(),
            max_streams: 10_000,
            heartbeat: Duration::from_secs(15),
        }
    }
}

/// One event as live clients get it, serialised once for all of them.
#[derive(Debug)]
pub struct LiveEvent {
    pub seq: i64,
    pub kind: EventKind,
    pub payload: Payload,
    pub json: String,
    /// The article's section and tags (slugs), for clients that narrow.
    pub section: Option<String>,
    pub tags: Vec<String>,
    /// The article while it is public, for GraphQL subscribers.
    pub record: Option<ArticleRecord>,
}

impl LiveEvent {
    pub fn new(seq: i64, (payload, record): (Payload, Option<ArticleRecord>)) -> LiveEvent {
        use newsdesk_domain::service::events::Subject;
        let (section, tags) = match &payload.data {
            Subject::Article(a) => (
                a.section.as_ref().map(|s| s.slug.clone()),
                a.tags.iter().map(|t| t.slug.clone()).collect(),
            ),
            Subject::Gone(_) | Subject::Comment(_) => (None, Vec::new()),
        };
        LiveEvent {
            seq,
            kind: payload.kind,
            json: serde_json::to_string(&payload).unwrap_or_default(),
            payload,
            section,
            tags,
            record,
        }
    }

    /// Whether a client narrowed to `section` and `tag` hears it. An article
    /// that is gone names neither, so every client hears it is gone.
    pub fn matches(&self, section: Option<&str>, tag: Option<&str>) -> bool {
        if matches!(
            self.payload.data,
            newsdesk_domain::service::events::Subject::Gone(_)
        ) {
            return true;
        }
        section.is_none_or(|s| self.section.as_deref() == Some(s))
            && tag.is_none_or(|t| self.tags.iter().any(|x| x == t))
    }
}

/// How many events a live client may fall behind before it is dropped.
pub const CLIENT_BUFFER: usize = 256;

pub struct Push {
    pub settings: PushSettings,
    live: broadcast::Sender<Arc<LiveEvent>>,
    pump_wake: Notify,
    deliver_wake: Notify,
    streams: AtomicUsize,
    closing: watch::Sender<bool>,
    started: AtomicBool,
    /// The last outbox event handed to live clients.
    pub(crate) seen: AtomicI64,
    pub(crate) client: reqwest::Client,
}

impl Push {
    pub fn new(settings: PushSettings) -> Push {
        let client = reqwest::Client::builder()
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::none())
            .user_agent(concat!("newsdesk/", env!("CARGO_PKG_VERSION")))
            .build()
            .unwrap_or_else(|e| {
                // Only a TLS back end that cannot start gets here; the
                // default client still sends, without our timeouts.
                tracing::error!(error = %e, "cannot build the delivery client as configured");
                reqwest::Client::new()
            });
        Push {
            settings,
            live: broadcast::channel(CLIENT_BUFFER).0,
            pump_wake: Notify::new(),
            deliver_wake: Notify::new(),
            streams: AtomicUsize::new(0),
            closing: watch::channel(false).0,
            started: AtomicBool::new(false),
            seen: AtomicI64::new(0),
            client,
        }
    }

    /// Something was written: look at the outbox now.
    pub fn wake(&self) {
        self.pump_wake.notify_one();
        self.deliver_wake.notify_one();
    }

    pub fn subscribe(&self) -> broadcast::Receiver<Arc<LiveEvent>> {
        self.live.subscribe()
    }

    /// A place for one more live connection, or `None` when the node is full.
    pub fn admit(self: &Arc<Self>) -> Option<StreamSlot> {
        let max = self.settings.max_streams;
        self.streams
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| {
                (n < max).then_some(n + 1)
            })
            .ok()
            .map(|_| StreamSlot(self.clone()))
    }

    /// The last outbox event handed to live clients.
    pub fn position(&self) -> i64 {
        self.seen.load(Ordering::Acquire)
    }

    /// A place for one more live connection, or 503 with `Retry-After`.
    pub fn admit_or_busy(self: &Arc<Self>) -> Result<StreamSlot, ApiError> {
        self.admit().ok_or_else(|| {
            let mut e = ApiError::new(
                actix_web::http::StatusCode::SERVICE_UNAVAILABLE,
                "this node serves as many live connections as it may; retry later",
            );
            e.retry_after = Some(5);
            e
        })
    }

    pub fn live_connections(&self) -> usize {
        self.streams.load(Ordering::Acquire)
    }

    /// Resolves when the server is shutting down.
    pub fn closing(&self) -> watch::Receiver<bool> {
        self.closing.subscribe()
    }

    /// Tells live connections to say goodbye and the loops to stop.
    pub fn close(&self) {
        self.closing.send_replace(true);
    }
}

/// Held by a live connection; gives its place back when dropped.
pub struct StreamSlot(Arc<Push>);

impl Drop for StreamSlot {
    fn drop(&mut self) {
        self.0.streams.fetch_sub(1, Ordering::AcqRel);
    }
}

/// The events after `after` (at most `limit`), each with its payload and
/// the article's record while it is public: one read for the batch.
pub async fn read_events(
    state: &AppState,
    after: i64,
    limit: u32,
) -> Result<Vec<(Event, (Payload, Option<ArticleRecord>))>, ApiError> {
    let (base, now) = (state.base_url.clone(), state.now());
    state
        .run(move |s| {
            let events = s.events_after(after, limit)?;
            let bodies = newsdesk_domain::service::events::payloads(s, &events, &base, now)?;
            Ok(events.into_iter().zip(bodies).collect())
        })
        .await
}

/// Starts this node's loops (once) and has the store tell it of writes.
pub fn start(state: &AppState) {
    if state.push.started.swap(true, Ordering::AcqRel) {
        return;
    }
    let push = state.push.clone();
    let auth = state.auth.clone();
    let responses = state.responses.clone();
    let views = state.views.clone();
    state.store.watch(Arc::new(move |signal| match signal {
        Signal::Content(purge) => {
            responses.purge(&purge);
            // A write may have scheduled an article.
            responses.wake_due.notify_one();
            views.forget_articles();
            push.wake();
        }
        Signal::Accounts => auth.forget_everyone(),
    }));
    actix_web::rt::spawn(pump::run(state.clone()));
    actix_web::rt::spawn(deliver::run(state.clone()));
    actix_web::rt::spawn(crate::views::run(state.clone()));
    actix_web::rt::spawn(crate::response_cache::watch_due(state.clone()));
    if let Some(shared) = state.cluster.clone() {
        actix_web::rt::spawn(crate::cluster::run(state.clone(), shared));
    }
}

/// Sleeps until woken, the tick passes, or the server closes; `false` then.
async fn idle(wake: &Notify, closing: &mut watch::Receiver<bool>, tick: Duration) -> bool {
    tokio::select! {
        _ = wake.notified() => true,
        _ = tokio::time::sleep(tick) => true,
        _ = closing.wait_for(|c| *c) => false,
    }
}
