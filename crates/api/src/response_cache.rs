//! The response cache: finished public responses, bytes and headers, kept
//! in memory so that a repeated read is a hash lookup and a socket write.
//! It sits in the middleware stack inside authentication and rate limits,
//! so every route that answers with surrogate keys (REST, feeds, sitemaps,
//! GraphQL GETs) is cached by one mechanism.
//!
//! - **Key:** the caller's class (the public, or a partner key whose policy
//!   narrows what it sees), the path with its query parameters sorted, and
//!   the `Accept` header. Staff never read from it nor fill it: they may see
//!   drafts.
//! - **What is stored:** a 200 that carries `SurrogateKeys` (which
//!   `rest::cache::respond_bytes` attaches), with all its headers; a gzip
//!   variant is made once, the first time a client accepts it.
//! - **Purged exactly:** a write names the surrogate keys of what it changed
//!   (`newsdesk_domain::events::purge`); the store tells this node at once
//!   and other nodes through `NOTIFY`. A response computed while a purge ran
//!   is not stored, so a reader cannot put back what a write just purged.
//! - **Scheduled articles:** lists are purged when the earliest scheduled
//!   article comes due, with no write to say so.
//! - **Bounded** by bytes (moka's weigher) and by a time to live that bounds
//!   the responses that depend on the clock alone (the News sitemap's 48 h).

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::sync::atomic::{AtomicI64, AtomicU64, Ordering};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{self, HeaderMap, HeaderName, HeaderValue};
use actix_web::http::{Method, StatusCode};
use actix_web::middleware::Next;
use actix_web::web::{self, Bytes};
use actix_web::{HttpMessage, HttpResponse};
use chrono::{DateTime, Utc};
use newsdesk_domain::user::{ApiKey, Principal};

use crate::state::AppState;

/// The route pattern of a response served from the cache, which never
/// reaches the router: the metrics label it by this.
#[derive(Debug, Clone)]
pub struct RouteLabel(pub Arc<str>);

/// The keys a cacheable response depends on, attached to it as an
/// extension for the cache to index.
#[derive(Debug, Clone)]
pub struct SurrogateKeys(pub Vec<String>);

#[derive(Debug, Clone, Copy)]
pub struct CacheSettings {
    /// Bytes of bodies held; 0 turns the cache off.
    pub max_bytes: u64,
    /// How long an entry lives without a purge.
    pub ttl: Duration,
}

impl Default for CacheSettings {
    fn default() -> Self {
        CacheSettings {
            max_bytes: 32 * 1024 * 1024,
            ttl: Duration::from_secs(300),
        }
    }
}

/// Bodies below this are sent as they are: gzip saves nothing worth a
/// header on them.
const GZIP_MIN_BYTES: usize = 860;

pub struct Entry {
    body: Bytes,
    etag: HeaderValue,
    headers: Vec<(HeaderName, HeaderValue)>,
    last_modified: Option<i64>,
    keys: Vec<String>,
    route: RouteLabel,
    gzip: OnceLock<Option<Gzipped>>,
}

struct Gzipped {
    body: Bytes,
    etag: HeaderValue,
}

type Key = Arc<str>;
type Entries = moka::sync::Cache<Key, Arc<Entry>, foldhash::fast::RandomState>;

pub struct ResponseCache {
    entries: Option<Entries>,
    /// Surrogate key → the cache keys of the entries that name it.
    index: Arc<Mutex<HashMap<String, HashSet<Key>>>>,
    /// Bumped by every purge: a response computed across one is not stored.
    epoch: AtomicU64,
    /// Unix milliseconds at which lists must be purged because a scheduled
    /// article comes due; `i64::MAX` when none is scheduled.
    next_due: AtomicI64,
    /// Only the latest refresh of `next_due` may store its answer.
    refresh_seq: AtomicU64,
    pub hits: AtomicU64,
    pub misses: AtomicU64,
    /// Wakes `watch_due` to look up `next_due` again.
    pub wake_due: tokio::sync::Notify,
    /// Requests being computed: those who miss on the same key meanwhile
    /// wait for the first one (dropping the sender wakes them).
    inflight: Mutex<HashMap<Key, tokio::sync::watch::Sender<()>>>,
}

/// The first request to miss on a key; others wait until it is dropped.
struct Leader<'a> {
    cache: &'a ResponseCache,
    key: Key,
}

impl Drop for Leader<'_> {
    fn drop(&mut self) {
        lock(&self.cache.inflight).remove(&self.key);
    }
}

enum Turn<'a> {
    Lead(Leader<'a>),
    Wait(tokio::sync::watch::Receiver<()>),
}

impl ResponseCache {
    pub fn new(settings: CacheSettings) -> ResponseCache {
        let index: Arc<Mutex<HashMap<String, HashSet<Key>>>> = Arc::default();
        let unindex = index.clone();
        let entries = (settings.max_bytes > 0).then(|| {
            moka::sync::Cache::builder()
                .max_capacity(settings.max_bytes)
                .weigher(|k: &Key, e: &Arc<Entry>| {
                    // Room for a gzip variant too, which is made later.
                    let bytes = k.len() + e.body.len() + e.body.len() / 4 + 512;
                    u32::try_from(bytes).unwrap_or(u32::MAX)
                })
                .time_to_live(settings.ttl)
                .eviction_listener(move |k: Arc<Key>, e: Arc<Entry>, cause| {
                    // A replaced entry's key is still cached; its keys stay.
                    if cause != moka::notification::RemovalCause::Replaced {
                        forget(&unindex, &k, &e.keys);
                    }
                })
                .build_with_hasher(foldhash::fast::RandomState::default())
        });
        ResponseCache {
            entries,
            index,
            epoch: AtomicU64::new(0),
            next_due: AtomicI64::new(i64::MAX),
            refresh_seq: AtomicU64::new(0),
            hits: AtomicU64::new(0),
            misses: AtomicU64::new(0),
            wake_due: tokio::sync::Notify::new(),
            inflight: Mutex::default(),
        }
    }

    pub fn enabled(&self) -> bool {
        self.entries.is_some()
    }

    pub fn epoch(&self) -> u64 {
        self.epoch.load(Ordering::Acquire)
    }

    pub fn get(&self, key: &str) -> Option<Arc<Entry>> {
        let found = self.entries.as_ref()?.get(key);
        let counter = if found.is_some() {
            &self.hits
        } else {
            &self.misses
        };
        counter.fetch_add(1, Ordering::Relaxed);
        found
    }

    /// Leads the computation of `key`, or waits for the request that does.
    fn turn(&self, key: &Key) -> Turn<'_> {
        let mut inflight = lock(&self.inflight);
        if let Some(tx) = inflight.get(key) {
            return Turn::Wait(tx.subscribe());
        }
        inflight.insert(key.clone(), tokio::sync::watch::channel(()).0);
        Turn::Lead(Leader {
            cache: self,
            key: key.clone(),
        })
    }

    /// Stores a response computed since `epoch`, unless a purge ran since.
    pub fn store(&self, key: Key, epoch: u64, entry: Entry) {
        let Some(entries) = &self.entries else {
            return;
        };
        {
            let mut index = lock(&self.index);
            if self.epoch() != epoch {
                return;
            }
            for k in &entry.keys {
                index.entry(k.clone()).or_default().insert(key.clone());
            }
        }
        entries.insert(key.clone(), Arc::new(entry));
        // A purge between indexing and inserting found nothing to remove.
        if self.epoch() != epoch {
            entries.invalidate(&key);
        }
    }

    /// Drops every entry that names one of `keys`; `*` drops everything.
    pub fn purge(&self, keys: &[String]) {
        let Some(entries) = &self.entries else {
            return;
        };
        let doomed: Vec<Key> = {
            let mut index = lock(&self.index);
            self.epoch.fetch_add(1, Ordering::AcqRel);
            if keys.iter().any(|k| k == "*") {
                index.clear();
                drop(index);
                entries.invalidate_all();
                return;
            }
            let mut doomed = HashSet::new();
            for k in keys {
                if let Some(set) = index.remove(k) {
                    doomed.extend(set);
                }
            }
            doomed.into_iter().collect()
        };
        for key in doomed {
            entries.invalidate(&key);
        }
    }

    /// Purges lists when a scheduled article has come due; `true` when it
    /// did, and `next_due` must be looked up again.
    pub fn due(&self, now: DateTime<Utc>) -> bool {
        let next = self.next_due.load(Ordering::Acquire);
        if now.timestamp_millis() < next {
            return false;
        }
        if self
            .next_due
            .compare_exchange(next, i64::MAX, Ordering::AcqRel, Ordering::Acquire)
            .is_err()
        {
            return false;
        }
        self.purge(&[newsdesk_domain::events::purge::LIST.to_owned()]);
        true
    }

    /// Starts a lookup of `next_due`; pass the ticket to `set_next_due`.
    pub fn refresh_ticket(&self) -> u64 {
        self.refresh_seq.fetch_add(1, Ordering::AcqRel) + 1
    }

    pub fn set_next_due(&self, ticket: u64, at: Option<DateTime<Utc>>) {
        if self.refresh_seq.load(Ordering::Acquire) == ticket {
            let ms = at.map_or(i64::MAX, |t| t.timestamp_millis());
            self.next_due.store(ms, Ordering::Release);
        }
    }

    pub fn bytes(&self) -> u64 {
        self.entries.as_ref().map_or(0, |e| e.weighted_size())
    }
}

fn lock<T>(m: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    m.lock().unwrap_or_else(std::sync::PoisonError::into_inner)
}

fn forget(index: &Mutex<HashMap<String, HashSet<Key>>>, key: &Key, keys: &[String]) {
    let mut index = lock(index);
    for k in keys {
        if let Some(set) = index.get_mut(k) {
            set.remove(key);
            if set.is_empty() {
                index.remove(k);
            }
        }
    }
}

impl Entry {
    /// The entry for a 200 response's headers and body.
    pub fn new(
        headers: &HeaderMap,
        body: Bytes,
        keys: Vec<String>,
        route: RouteLabel,
    ) -> Option<Entry> {
        let etag = headers.get(header::ETAG)?.clone();
        let last_modified = headers
            .get(header::LAST_MODIFIED)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
            .map(|t| t.timestamp());
        Some(Entry {
            body,
            etag,
            headers: headers
                .iter()
                .filter(|(n, _)| *n != header::ETAG)
                .map(|(n, v)| (n.clone(), v.clone()))
                .collect(),
            last_modified,
            keys,
            route,
            gzip: OnceLock::new(),
        })
    }

    /// The response for a request with these headers: 304 when the client's
    /// copy is current, gzip when it takes gzip.
    pub fn respond(&self, req: &HeaderMap) -> HttpResponse {
        let gzip = accepts_gzip(req).then(|| self.gzipped()).flatten();
        let etag = gzip.map_or(&self.etag, |g| &g.etag);
        let fresh = match req.get(header::IF_NONE_MATCH) {
            Some(v) => crate::rest::cache::etag_matches(v, etag),
            None => self.last_modified.is_some_and(|lm| {
                req.get(header::IF_MODIFIED_SINCE)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| DateTime::parse_from_rfc2822(v).ok())
                    .is_some_and(|since| lm <= since.timestamp())
            }),
        };
        let mut res = HttpResponse::new(if fresh {
            StatusCode::NOT_MODIFIED
        } else {
            StatusCode::OK
        });
        let headers = res.headers_mut();
        for (n, v) in &self.headers {
            if fresh && *n == header::CONTENT_TYPE {
                continue;
            }
            headers.append(n.clone(), v.clone());
        }
        headers.insert(header::ETAG, etag.clone());
        if gzip.is_some() {
            headers.insert(header::CONTENT_ENCODING, HeaderValue::from_static("gzip"));
            headers.append(header::VARY, HeaderValue::from_static("accept-encoding"));
        }
        res.extensions_mut().insert(self.route.clone());
        res.headers_mut()
            .insert(X_CACHE, HeaderValue::from_static("hit"));
        if fresh {
            return res;
        }
        res.set_body(gzip.map_or(&self.body, |g| &g.body).clone())
            .map_into_boxed_body()
    }

    fn gzipped(&self) -> Option<&Gzipped> {
        self.gzip
            .get_or_init(|| {
                if self.body.len() < GZIP_MIN_BYTES {
                    return None;
                }
                let mut enc =
                    flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::default());
                enc.write_all(&self.body).ok()?;
                let body = enc.finish().ok()?;
                let tag = self.etag.to_str().ok()?.trim_end_matches('"');
                let etag = HeaderValue::from_str(&format!("{tag}-gzip\"")).ok()?;
                Some(Gzipped {
                    body: body.into(),
                    etag,
                })
            })
            .as_ref()
    }
}

/// `hit` when the answer came from this cache, `miss` when it was computed
/// and stored (Varnish's and Fastly's convention).
const X_CACHE: HeaderName = HeaderName::from_static("x-cache");

fn accepts_gzip(req: &HeaderMap) -> bool {
    req.get(header::ACCEPT_ENCODING)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| {
            v.split(',').any(|c| {
                let mut parts = c.split(';');
                let coding = parts.next().unwrap_or("").trim();
                let refused = parts.any(|p| {
                    let p = p.trim();
                    p == "q=0" || p == "q=0.0" || p == "q=0.00" || p == "q=0.000"
                });
                coding.eq_ignore_ascii_case("gzip") && !refused
            })
        })
}

/// The normalised request: the caller's class, the path, the query with its
/// parameters sorted, and the `Accept` header (which picks the
/// representation of an article).
pub fn cache_key(class: &str, path: &str, query: &str, accept: Option<&[u8]>) -> Key {
    let mut key = String::with_capacity(class.len() + path.len() + query.len() + 24);
    key.push_str(class);
    key.push(' ');
    key.push_str(path);
    if !query.is_empty() {
        key.push('?');
        if query.contains('&') {
            let mut pairs: Vec<&str> = query.split('&').filter(|p| !p.is_empty()).collect();
            pairs.sort_unstable();
            for (i, p) in pairs.iter().enumerate() {
                if i > 0 {
                    key.push('&');
                }
                key.push_str(p);
            }
        } else {
            key.push_str(query);
        }
    }
    if let Some(accept) = accept {
        key.push(' ');
        key.push_str(&String::from_utf8_lossy(accept));
    }
    key.into()
}

/// The middleware: answers from the cache, or stores what the route answered.
pub async fn layer(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    let Some(class) = cacheable(&req) else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let cache = &state.responses;
    if cache.due(state.now()) {
        cache.wake_due.notify_one();
    }
    let accept = req.headers().get(header::ACCEPT).map(HeaderValue::as_bytes);
    let key = cache_key(&class, req.path(), req.query_string(), accept);
    if let Some(entry) = cache.get(&key) {
        let res = entry.respond(req.headers());
        return Ok(req.into_response(res).map_into_right_body());
    }
    // Those who miss together wait for one computation: after a purge, a
    // popular page is computed once, not once per waiting client.
    let leader = match cache.turn(&key) {
        Turn::Lead(leader) => Some(leader),
        Turn::Wait(mut rx) => {
            // Woken when the leader is done (or gone): an error either way.
            let _ = rx.changed().await;
            if let Some(entry) = cache.get(&key) {
                let res = entry.respond(req.headers());
                return Ok(req.into_response(res).map_into_right_body());
            }
            None
        }
    };
    let epoch = cache.epoch();
    let res = next.call(req).await?;
    let keys = if res.status() == StatusCode::OK {
        res.response()
            .extensions()
            .get::<SurrogateKeys>()
            .map(|k| k.0.clone())
    } else {
        None
    };
    let Some(keys) = keys else {
        return Ok(res.map_into_left_body());
    };
    let (http_req, res) = res.into_parts();
    let (res, body) = res.into_parts();
    match body.try_into_bytes() {
        Ok(bytes) => {
            let route = RouteLabel(http_req.match_pattern().unwrap_or_default().into());
            if let Some(entry) = Entry::new(res.headers(), bytes.clone(), keys, route) {
                cache.store(key, epoch, entry);
            }
            drop(leader);
            let mut res = res.set_body(bytes).map_into_boxed_body();
            res.headers_mut()
                .insert(X_CACHE, HeaderValue::from_static("miss"));
            Ok(ServiceResponse::new(http_req, res).map_into_right_body())
        }
        Err(body) => Ok(ServiceResponse::new(http_req, res.set_body(body)).map_into_left_body()),
    }
}

/// The caller's class when this request may be answered from the cache:
/// a GET by the public or a partner, not a WebSocket upgrade. A partner
/// whose policy narrows what it sees has a class of its own.
fn cacheable(req: &ServiceRequest) -> Option<String> {
    if req.method() != Method::GET || req.headers().contains_key(header::UPGRADE) {
        return None;
    }
    let ext = req.extensions();
    match ext.get::<Principal>() {
        Some(Principal::Staff(_)) => None,
        Some(Principal::Partner { key_id }) => {
            Some(if ext.get::<ApiKey>().is_some_and(|k| k.policy.is_some()) {
                format!("key:{key_id}")
            } else {
                String::new()
            })
        }
        _ => Some(String::new()),
    }
}

/// Keeps `next_due` current: looked up at start, after every write, and
/// each time lists were purged because an article came due.
pub async fn watch_due(state: AppState) {
    let cache = state.responses.clone();
    loop {
        let ticket = cache.refresh_ticket();
        let now = state.now();
        match state.run(move |s| s.next_due_after(now)).await {
            Ok(at) => cache.set_next_due(ticket, at),
            Err(e) => {
                tracing::warn!(error = %e.detail, "cannot look up the next scheduled article")
            }
        }
        cache.wake_due.notified().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn query_order_does_not_matter_and_accept_does() {
        let a = cache_key("", "/x", "b=2&a=1", None);
        assert_eq!(a, cache_key("", "/x", "a=1&b=2", None));
        assert_ne!(a, cache_key("", "/x", "a=1&b=3", None));
        assert_ne!(a, cache_key("key:1", "/x", "a=1&b=2", None));
        assert_ne!(
            a,
            cache_key("", "/x", "a=1&b=2", Some(b"application/ld+json"))
        );
    }

    #[test]
    fn gzip_refused_with_q_zero() {
        let mut h = HeaderMap::new();
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("gzip;q=0, br"),
        );
        assert!(!accepts_gzip(&h));
        h.insert(
            header::ACCEPT_ENCODING,
            HeaderValue::from_static("br, GZIP"),
        );
        assert!(accepts_gzip(&h));
    }

    fn entry(keys: &[&str]) -> Entry {
        let mut h = HeaderMap::new();
        h.insert(header::ETAG, HeaderValue::from_static("\"1\""));
        let keys = keys.iter().map(|k| k.to_string()).collect();
        Entry::new(&h, Bytes::from_static(b"{}"), keys, RouteLabel("/x".into())).expect("an etag")
    }

    #[test]
    fn a_purge_drops_exactly_the_entries_naming_its_keys() {
        let c = ResponseCache::new(CacheSettings::default());
        let e = c.epoch();
        c.store("a".into(), e, entry(&["article:1", "list"]));
        c.store("b".into(), e, entry(&["article:2"]));
        c.purge(&["article:1".into()]);
        assert!(c.get("a").is_none());
        assert!(c.get("b").is_some());
    }

    #[test]
    fn a_response_computed_across_a_purge_is_not_stored() {
        let c = ResponseCache::new(CacheSettings::default());
        let e = c.epoch();
        c.purge(&["article:9".into()]);
        c.store("a".into(), e, entry(&["article:1"]));
        assert!(c.get("a").is_none());
    }
}
