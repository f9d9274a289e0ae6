//! HTTP caching of public reads: a strong `ETag` from the bytes sent,
//! `Last-Modified` from the newest `updated_at`, `Cache-Control` with
//! `stale-while-revalidate`, and `Surrogate-Key` naming what the response
//! depends on (`article:ID tag:SLUG section:SLUG list`) so a CDN can purge
//! exactly what a write changed. `If-None-Match` / `If-Modified-Since`
//! answer 304 without a body.

use std::hash::{Hash, Hasher};

use actix_web::http::header::{self, HttpDate};
use actix_web::http::StatusCode;
use actix_web::{HttpRequest, HttpResponse, HttpResponseBuilder};
use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::error::ApiError;

/// Browsers and CDNs may reuse a response this long, then serve it stale
/// while they revalidate in the background.
pub const CACHE_CONTROL: &str = "public, max-age=60, stale-while-revalidate=300";

#[derive(Debug, Default)]
pub struct CacheInfo {
    pub last_modified: Option<DateTime<Utc>>,
    pub keys: Vec<String>,
    /// A staff preview: never stored by shared caches.
    pub private: bool,
}

impl CacheInfo {
    pub fn key(&mut self, key: String) {
        newsdesk_domain::events::purge::add(&mut self.keys, key);
    }
}

/// The entity tag of a representation: a hash of its bytes.
pub fn etag_of(bytes: &[u8]) -> String {
    let mut h = std::collections::hash_map::DefaultHasher::new();
    bytes.hash(&mut h);
    format!("\"{:016x}{:08x}\"", h.finish(), bytes.len())
}

fn if_none_match_hits(req: &HttpRequest, etag: &str) -> bool {
    req.headers()
        .get(header::IF_NONE_MATCH)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| tag_listed(v, etag))
}

/// Whether an `If-None-Match` value names this entity tag (or is `*`).
pub fn etag_matches(if_none_match: &header::HeaderValue, etag: &header::HeaderValue) -> bool {
    match (if_none_match.to_str(), etag.to_str()) {
        (Ok(v), Ok(etag)) => tag_listed(v, etag),
        _ => false,
    }
}

fn tag_listed(list: &str, etag: &str) -> bool {
    list.split(',')
        .map(|t| t.trim().trim_start_matches("W/"))
        .any(|t| t == etag || t == "*")
}

fn not_modified_since(req: &HttpRequest, last_modified: Option<DateTime<Utc>>) -> bool {
    let (Some(lm), Some(since)) = (
        last_modified,
        req.headers()
            .get(header::IF_MODIFIED_SINCE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| DateTime::parse_from_rfc2822(v).ok()),
    ) else {
        return false;
    };
    lm.timestamp() <= since.timestamp()
}

/// A cacheable JSON response, or 304 when the client's copy is current.
/// `extra` adds headers (such as `Link`) to both.
pub fn respond<T: Serialize>(
    req: &HttpRequest,
    body: &T,
    info: CacheInfo,
    extra: impl Fn(&mut HttpResponseBuilder),
) -> Result<HttpResponse, ApiError> {
    let bytes = serde_json::to_vec(body).map_err(ApiError::internal)?;
    let etag = etag_of(&bytes);
    Ok(respond_bytes(
        req,
        bytes.into(),
        "application/json",
        &etag,
        &info,
        extra,
    ))
}

/// A cacheable response of any type, whose entity tag is already known
/// (a rendered feed keeps its own), or 304 when the client's copy is current.
pub fn respond_bytes(
    req: &HttpRequest,
    bytes: actix_web::web::Bytes,
    content_type: &str,
    etag: &str,
    info: &CacheInfo,
    extra: impl Fn(&mut HttpResponseBuilder),
) -> HttpResponse {
    // If-None-Match wins over If-Modified-Since when both are sent (RFC 9110).
    let fresh = if req.headers().contains_key(header::IF_NONE_MATCH) {
        if_none_match_hits(req, etag)
    } else {
        not_modified_since(req, info.last_modified)
    };
    let mut res = HttpResponse::build(if fresh {
        StatusCode::NOT_MODIFIED
    } else {
        StatusCode::OK
    });
    res.insert_header((header::ETAG, etag.to_owned()));
    if info.private {
        res.insert_header((header::CACHE_CONTROL, "private, no-store"));
    } else {
        res.insert_header((header::CACHE_CONTROL, CACHE_CONTROL))
            .insert_header(("Surrogate-Key", info.keys.join(" ")));
    }
    if let Some(lm) = info.last_modified {
        let t = std::time::SystemTime::UNIX_EPOCH
            + std::time::Duration::from_secs(lm.timestamp().max(0) as u64);
        res.insert_header((header::LAST_MODIFIED, HttpDate::from(t)));
    }
    extra(&mut res);
    if fresh {
        return res.finish();
    }
    let mut res = res.content_type(content_type).body(bytes);
    // For the response cache to index (the header is for shared caches, and
    // a partner's private answer does not send it).
    res.extensions_mut()
        .insert(crate::response_cache::SurrogateKeys(info.keys.clone()));
    res
}

/// Whether an `If-Match` value names this representation (or is `*`).
pub fn if_match_hits(if_match: &str, body: &impl Serialize) -> bool {
    let Ok(bytes) = serde_json::to_vec(body) else {
        return false;
    };
    tag_listed(if_match, &etag_of(&bytes))
}
