//! The middleware every request passes, outermost last in `server.rs`:
//! who is calling and within what rate (`authenticate`), and what it cost
//! (`record`). Input hygiene is `hygiene::guard`. They live apart from the
//! state they read (`Auth`, `Metrics`), so `state` depends on those and
//! nothing here depends back.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Instant;

use actix_web::body::{EitherBody, MessageBody};
use actix_web::dev::{ServiceRequest, ServiceResponse};
use actix_web::http::header::{
    HeaderName, HeaderValue, AUTHORIZATION, RETRY_AFTER, WWW_AUTHENTICATE,
};
use actix_web::http::StatusCode;
use actix_web::middleware::Next;
use actix_web::{web, HttpMessage, ResponseError};
use governor::clock::{Clock, DefaultClock};
use newsdesk_domain::accounts::current_staff;
use newsdesk_domain::user::{ApiKey, Principal};

use crate::auth::{self, Auth, ClientAddr, Credentials, Limiter};
use crate::error::ApiError;
use crate::metrics::RequestLabels;
use crate::response_cache::RouteLabel;
use crate::state::AppState;

/// The rate-limit state to report in headers.
struct RateState {
    limit: u32,
    remaining: u32,
    reset_secs: u64,
}

fn client_ip(req: &ServiceRequest, trust_proxy: bool) -> String {
    let info = req.connection_info();
    let addr = if trust_proxy {
        info.realip_remote_addr()
    } else {
        info.peer_addr()
    };
    addr.map(|a| {
        a.parse::<std::net::SocketAddr>()
            .map(|s| s.ip().to_string())
            .unwrap_or_else(|_| a.to_owned())
    })
    .and_then(|a| {
        a.parse::<IpAddr>()
            .ok()
            .map(|ip| ip.to_string())
            .or(Some(a))
    })
    .unwrap_or_else(|| "unknown".into())
}

/// Paths that never authenticate nor count against a limit: probes and scrapes.
fn exempt(path: &str) -> bool {
    matches!(path, "/healthz" | "/readyz" | "/metrics")
}

/// The limiter that counts this caller's requests, its key and its rate;
/// `None` when staff, or when the rate is 0 (off).
fn limit_for(
    auth: &Auth,
    principal: Principal,
    req: &ServiceRequest,
    ip: &str,
) -> Option<(Arc<Limiter>, String, u32)> {
    let (key, per_minute) = match principal {
        Principal::Staff(_) => return None,
        Principal::Partner { key_id } => {
            let per_minute = req
                .extensions()
                .get::<ApiKey>()
                .map_or(auth.settings.api_key_per_minute, |k| {
                    u32::try_from(k.rate_limit_per_minute).unwrap_or(0)
                });
            (format!("key:{key_id}"), per_minute)
        }
        Principal::Anonymous => (format!("ip:{ip}"), auth.settings.anonymous_per_minute),
    };
    auth.limiter(key.clone(), per_minute)
        .map(|l| (l, key, per_minute))
}

pub async fn authenticate(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<EitherBody<impl MessageBody>>, actix_web::Error> {
    if exempt(req.path()) {
        return Ok(next.call(req).await?.map_into_left_body());
    }
    let Some(state) = req.app_data::<web::Data<AppState>>().cloned() else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let auth = state.auth.clone();
    let ip = client_ip(&req, auth.settings.trust_proxy);
    req.extensions_mut().insert(ClientAddr(ip.clone()));

    let principal = match resolve(&req, &state).await {
        Ok(p) => p,
        Err(e) => {
            let mut res = e.error_response();
            res.headers_mut()
                .insert(WWW_AUTHENTICATE, HeaderValue::from_static("Bearer"));
            return Ok(req.into_response(res).map_into_right_body());
        }
    };
    let limit = limit_for(&auth, principal, &req, &ip);
    req.extensions_mut().insert(principal);

    let Some((limiter, key, per_minute)) = limit else {
        return Ok(next.call(req).await?.map_into_left_body());
    };
    let seconds_per_token = 60.0 / f64::from(per_minute.max(1));
    let checked = limiter.check().map_err(|not_until| {
        let wait = not_until.wait_time_from(DefaultClock::default().now());
        wait.as_secs() + u64::from(wait.subsec_nanos() > 0)
    });
    // Past this node's own limit, the cluster's: what other nodes admitted.
    let checked = match (checked, &state.cluster) {
        (Ok(snapshot), Some(shared)) => shared
            .admit(&key, per_minute, state.now().timestamp())
            .map(|()| snapshot),
        (other, _) => other,
    };
    match checked {
        Ok(snapshot) => {
            let remaining = snapshot.remaining_burst_capacity();
            let state = RateState {
                limit: per_minute,
                remaining,
                // Time until the bucket is full again.
                reset_secs: (f64::from(per_minute - remaining.min(per_minute)) * seconds_per_token)
                    .ceil() as u64,
            };
            let mut res = next.call(req).await?;
            rate_headers(res.headers_mut(), &state);
            Ok(res.map_into_left_body())
        }
        Err(retry) => {
            let state = RateState {
                limit: per_minute,
                remaining: 0,
                reset_secs: retry,
            };
            let err = ApiError::new(
                StatusCode::TOO_MANY_REQUESTS,
                format!("rate limit of {per_minute} requests a minute reached; retry in {retry} s"),
            );
            let mut res = err.error_response();
            rate_headers(res.headers_mut(), &state);
            res.headers_mut()
                .insert(RETRY_AFTER, HeaderValue::from(retry.max(1)));
            Ok(req.into_response(res).map_into_right_body())
        }
    }
}

fn rate_headers(headers: &mut actix_web::http::header::HeaderMap, s: &RateState) {
    for (name, value) in [
        ("ratelimit-limit", u64::from(s.limit)),
        ("ratelimit-remaining", u64::from(s.remaining)),
        ("ratelimit-reset", s.reset_secs),
    ] {
        headers.insert(HeaderName::from_static(name), HeaderValue::from(value));
    }
}

/// Feed readers cannot send headers: a feed takes its key as `?key=`.
fn feed_key(req: &ServiceRequest) -> Option<String> {
    if !req.path().starts_with("/feeds/") {
        return None;
    }
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(req.query_string()).ok()?;
    pairs.into_iter().find(|(k, _)| k == "key").map(|(_, v)| v)
}

/// Who is calling: a bearer token, an API key, or nobody.
async fn resolve(req: &ServiceRequest, state: &AppState) -> Result<Principal, ApiError> {
    let presented = auth::credentials(
        req.headers().get(AUTHORIZATION),
        req.headers().get("x-api-key"),
        feed_key(req),
    )?;
    let key = match presented {
        Credentials::Anonymous => return Ok(Principal::Anonymous),
        Credentials::Key(key) => key,
        Credentials::Bearer(token) => {
            let (user_id, generation) = state.auth.verify(&token)?;
            let account = match state.auth.cached_account(user_id) {
                Some(account) => account,
                None => {
                    let account = state.run(move |store| store.user_by_id(user_id)).await?;
                    state.auth.remember_account(user_id, account.clone());
                    account
                }
            };
            return Ok(Principal::Staff(current_staff(
                account.as_ref(),
                generation,
            )?));
        }
    };
    let hash = auth::hash_api_key(&key);
    let cached = state.auth.cached_key(&hash);
    let found = match cached {
        Some(found) => found,
        None => {
            let h = hash.clone();
            let found = state.run(move |store| store.api_key_by_hash(&h)).await?;
            state.auth.remember_key(hash, found.clone());
            found
        }
    };
    match found {
        Some(k) if k.revoked_at.is_none() => {
            let id = k.id;
            req.extensions_mut().insert(k);
            Ok(Principal::Partner { key_id: id })
        }
        Some(_) => Err(auth::unauthorized("this API key was revoked")),
        None => Err(auth::unauthorized("unknown API key")),
    }
}

/// One request in this many (a power of two) that went well is logged; every failure and
/// every slow one is. Metrics count them all.
const LOG_ONE_IN: u64 = 64;
/// A request slower than this is always logged.
const SLOW: f64 = 0.25;

/// Middleware recording every request.
pub async fn record(
    req: ServiceRequest,
    next: Next<impl MessageBody>,
) -> Result<ServiceResponse<impl MessageBody>, actix_web::Error> {
    static SEEN: std::sync::atomic::AtomicU64 = std::sync::atomic::AtomicU64::new(0);
    let started = Instant::now();
    let metrics = req
        .app_data::<web::Data<AppState>>()
        .map(|s| Arc::clone(&s.metrics));
    let method = req.method().to_string();
    let res = next.call(req).await?;
    if let Some(m) = metrics {
        // A response from the cache never met the router: it says its route.
        let route = match res.response().extensions().get::<RouteLabel>() {
            Some(r) => r.0.to_string(),
            None => res
                .request()
                .match_pattern()
                .unwrap_or_else(|| "unmatched".into()),
        };
        let labels = RequestLabels {
            method,
            route,
            status: res.status().as_u16(),
        };
        let seconds = started.elapsed().as_secs_f64();
        let n = SEEN.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        if labels.status >= 400 || seconds >= SLOW || n & (LOG_ONE_IN - 1) == 0 {
            // Inside the request's root span, so the line carries its request_id.
            tracing::info!(
                method = %labels.method,
                route = %labels.route,
                status = labels.status,
                ms = seconds * 1000.0,
                sampled = labels.status < 400 && seconds < SLOW,
                "request finished"
            );
        }
        m.observe(labels, seconds);
    }
    Ok(res)
}
