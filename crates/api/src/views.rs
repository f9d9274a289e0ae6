//! Page views and most-read on this node. A view costs a hash lookup and
//! a map update: views are counted in memory per article and minute and
//! written in one batch every `flush_every`, so ingest never costs a write
//! per view. Bots (the `isbot` list) and empty user agents are not
//! counted, and neither is the same client (address and user agent) on
//! the same article again within 30 minutes. Most-read lists are computed
//! at most every 10 s and shared by every request and live subscriber.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::num::NonZeroU32;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use governor::{Quota, RateLimiter};
use newsdesk_domain::comment::{CommentInput, CommentView};
use newsdesk_domain::paging::PageLimit;
use newsdesk_domain::service::engagement::{self, MOST_READ_DEFAULT, MOST_READ_MAX};
use newsdesk_domain::views::{
    minute_of, MostRead, Window, DAYS_AFTER_MINUTES, HOURS_AFTER_MINUTES,
};
use tokio::sync::watch;

use crate::error::ApiError;
use crate::state::AppState;

/// A repeat view within this long counts once.
const REPEAT: Duration = Duration::from_secs(30 * 60);
/// Most-read lists are this fresh at worst, by default.
pub const MOST_READ_TTL: Duration = Duration::from_secs(10);
const ROLL_UP_EVERY: u64 = 600;

#[derive(Debug, Clone)]
pub struct ViewSettings {
    /// How often buffered views are written.
    pub flush_every: Duration,
    /// Comments one client may send an hour (0: no limit).
    pub comments_per_hour: u32,
    /// How long a most-read list is served before it is computed again,
    /// and how often live subscribers may hear of a change.
    pub most_read_every: Duration,
}

impl Default for ViewSettings {
    fn default() -> Self {
        ViewSettings {
            flush_every: Duration::from_secs(2),
            comments_per_hour: 10,
            most_read_every: MOST_READ_TTL,
        }
    }
}

type CommentLimiter = RateLimiter<
    String,
    governor::state::keyed::HashMapStateStore<String>,
    governor::clock::DefaultClock,
>;

type ListKey = (Window, String, u32);

/// A most-read list as computed, its REST body, and when.
#[derive(Debug)]
pub struct Ranked {
    pub list: Vec<MostRead>,
    /// `{"data": [...]}`, serialised once for every caller.
    pub json: actix_web::web::Bytes,
    at: std::time::Instant,
}

pub struct Views {
    pub settings: ViewSettings,
    buffer: Mutex<HashMap<(i64, i64), i64>>,
    seen: moka::sync::Cache<u64, ()>,
    /// Public article ids by slug (`None`: not public), cleared on writes.
    public: moka::sync::Cache<String, Option<i64>>,
    bots: isbot::Bots,
    hasher: RandomState,
    comments: Option<CommentLimiter>,
    /// Served as they are; one older than `most_read_every` is computed
    /// again in the background while callers keep getting it.
    lists: moka::sync::Cache<ListKey, Arc<Ranked>>,
    refreshing: Mutex<std::collections::HashSet<ListKey>>,
    live: HashMap<Window, watch::Sender<Arc<Vec<MostRead>>>>,
}

impl Views {
    pub fn new(settings: ViewSettings) -> Views {
        let comments = NonZeroU32::new(settings.comments_per_hour)
            .map(|n| RateLimiter::hashmap(Quota::per_hour(n)));
        Views {
            buffer: Mutex::default(),
            seen: moka::sync::Cache::builder()
                .max_capacity(1_000_000)
                .time_to_live(REPEAT)
                .build(),
            public: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(Duration::from_secs(60))
                .build(),
            bots: isbot::Bots::default(),
            hasher: RandomState::new(),
            comments,
            lists: moka::sync::Cache::builder()
                .max_capacity(1_000)
                .time_to_idle(Duration::from_secs(600))
                .build(),
            refreshing: Mutex::default(),
            live: Window::ALL
                .into_iter()
                .map(|w| (w, watch::channel(Arc::new(Vec::new())).0))
                .collect(),
            settings,
        }
    }

    /// An article was written: which slugs are public may have changed.
    pub fn forget_articles(&self) {
        self.public.invalidate_all();
    }

    /// Takes a reader's comment for REST and GraphQL alike: 429 past this
    /// client's hourly allowance, then the domain's checks. Moderators see
    /// the client as a salted hash of its address and user agent.
    pub async fn submit_comment(
        &self,
        state: &AppState,
        slug: String,
        input: CommentInput,
        ip: &str,
        user_agent: &str,
    ) -> Result<CommentView, ApiError> {
        if let Some(limiter) = &self.comments {
            if let Err(not_until) = limiter.check_key(&ip.to_owned()) {
                let clock = governor::clock::DefaultClock::default();
                let retry = not_until
                    .wait_time_from(governor::clock::Clock::now(&clock))
                    .as_secs()
                    .max(1);
                let mut e = ApiError::new(
                    actix_web::http::StatusCode::TOO_MANY_REQUESTS,
                    format!("too many comments from this client; retry in {retry} s"),
                );
                e.retry_after = Some(retry);
                return Err(e);
            }
        }
        let client = format!("{:016x}", self.hasher.hash_one((ip, user_agent)));
        let now = state.now();
        let view = state
            .run(move |s| engagement::submit_comment(s, &slug, input, &client, now))
            .await?;
        // A comment.created event may be waiting for its webhooks.
        state.push.wake();
        Ok(view)
    }

    /// Counts one view of `slug`; 404 when it is not public. Returns
    /// whether it counted (a bot or a repeat does not).
    pub async fn record(
        &self,
        state: &AppState,
        slug: &str,
        ip: &str,
        user_agent: &str,
    ) -> Result<bool, ApiError> {
        let id = match self.public.get(slug) {
            Some(id) => id,
            None => {
                let (owned, now) = (slug.to_owned(), state.now());
                let found = state
                    .run(move |s| match engagement::public_article(s, &owned, now) {
                        Ok(r) => Ok(Some(r.id)),
                        Err(newsdesk_domain::DomainError::NotFound(_)) => Ok(None),
                        Err(e) => Err(e),
                    })
                    .await?;
                self.public.insert(slug.to_owned(), found);
                found
            }
        };
        let id = id.ok_or_else(|| ApiError::not_found(format!("article {slug}")))?;
        let agent = user_agent.trim();
        if agent.is_empty() || self.bots.is_bot(agent) {
            return Ok(false);
        }
        let key = self.hasher.hash_one((ip, agent, id));
        if self.seen.contains_key(&key) {
            return Ok(false);
        }
        self.seen.insert(key, ());
        let minute = minute_of(state.now());
        if let Ok(mut buffer) = self.buffer.lock() {
            *buffer.entry((id, minute)).or_insert(0) += 1;
        }
        Ok(true)
    }

    /// Writes what is buffered in one batch; keeps it on failure.
    pub async fn flush(&self, state: &AppState) {
        let taken: Vec<(i64, i64, i64)> = match self.buffer.lock() {
            Ok(mut b) => b.drain().map(|((a, m), n)| (a, m, n)).collect(),
            Err(_) => return,
        };
        if taken.is_empty() {
            return;
        }
        let batch = taken.clone();
        if let Err(e) = state.run(move |s| s.add_views(&batch)).await {
            tracing::warn!(error = %e.detail, "could not write page views; keeping them");
            if let Ok(mut b) = self.buffer.lock() {
                for (a, m, n) in taken {
                    *b.entry((a, m)).or_insert(0) += n;
                }
            }
        }
    }

    /// The most-read list, computed at most every `most_read_every`. Only
    /// the first caller of a list waits for it; later ones get the last
    /// list while a newer one is computed.
    pub async fn most_read(
        &self,
        state: &AppState,
        window: Window,
        section: Option<String>,
        limit: PageLimit,
    ) -> Result<Arc<Ranked>, ApiError> {
        let key = (window, section.unwrap_or_default(), limit.get());
        if let Some(ranked) = self.lists.get(&key) {
            let stale = ranked.at.elapsed() >= self.settings.most_read_every;
            if stale
                && self
                    .refreshing
                    .lock()
                    .is_ok_and(|mut r| r.insert(key.clone()))
            {
                let state = state.clone();
                actix_web::rt::spawn(async move {
                    let views = state.views.clone();
                    if let Err(e) = views.compute(&state, key.clone()).await {
                        tracing::warn!(error = %e.detail, "could not compute most-read");
                    }
                    let done = views.refreshing.lock().map(|mut r| r.remove(&key));
                    drop(done);
                });
            }
            return Ok(ranked);
        }
        self.compute(state, key).await
    }

    async fn compute(&self, state: &AppState, key: ListKey) -> Result<Arc<Ranked>, ApiError> {
        let (window, section, limit) = key.clone();
        let limit =
            PageLimit::new(i64::from(limit)).ok_or_else(|| ApiError::bad_request("limit"))?;
        let (base, now) = (state.base_url.clone(), state.now());
        let list = state
            .run(move |s| {
                let section = Some(section.as_str()).filter(|s| !s.is_empty());
                engagement::most_read(s, window, section, limit, &base, now)
            })
            .await?;
        let json = serde_json::to_vec(&serde_json::json!({ "data": list }))
            .map_err(ApiError::internal)?
            .into();
        let ranked = Arc::new(Ranked {
            list,
            json,
            at: std::time::Instant::now(),
        });
        self.lists.insert(key, ranked.clone());
        Ok(ranked)
    }

    /// The live top list of `window`: the current one, then each change.
    pub fn watch(&self, window: Window) -> Option<watch::Receiver<Arc<Vec<MostRead>>>> {
        self.live.get(&window).map(watch::Sender::subscribe)
    }

    async fn refresh_live(&self, state: &AppState) {
        let limit = PageLimit::parse_with(None, MOST_READ_DEFAULT, MOST_READ_MAX);
        let Ok(limit) = limit else { return };
        for (window, tx) in &self.live {
            // Computed here rather than read from the shared lists: this task
            // is what keeps the default lists fresh.
            let key = (*window, String::new(), limit.get());
            match self.compute(state, key).await {
                Ok(ranked) => {
                    tx.send_if_modified(|current| {
                        let changed = current.as_ref() != &ranked.list;
                        if changed {
                            *current = Arc::new(ranked.list.clone());
                        }
                        changed
                    });
                }
                Err(e) => tracing::warn!(error = %e.detail, "could not compute most-read"),
            }
        }
    }
}

/// Flushes views every `flush_every`, refreshes the live most-read lists
/// every 10 s and rolls old buckets up every 10 minutes; flushes once
/// more when the server closes.
pub async fn run(state: AppState) {
    let views = state.views.clone();
    let mut closing = state.push.closing();
    let every = views.settings.most_read_every;
    let mut last_live: Option<std::time::Instant> = None;
    let mut last_roll = std::time::Instant::now();
    loop {
        let open = tokio::select! {
            _ = tokio::time::sleep(views.settings.flush_every) => true,
            _ = closing.wait_for(|c| *c) => false,
        };
        views.flush(&state).await;
        if !open {
            return;
        }
        if last_live.is_none_or(|t| t.elapsed() >= every) {
            last_live = Some(std::time::Instant::now());
            views.refresh_live(&state).await;
        }
        if last_roll.elapsed().as_secs() >= ROLL_UP_EVERY {
            last_roll = std::time::Instant::now();
            let now = minute_of(state.now());
            let (hours, days) = (now - HOURS_AFTER_MINUTES, now - DAYS_AFTER_MINUTES);
            if let Err(e) = state.run(move |s| s.roll_up_views(hours, days)).await {
                tracing::warn!(error = %e.detail, "could not roll up page views");
            }
        }
    }
}
