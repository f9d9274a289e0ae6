//! Who is told about events: admin webhooks (Standard Webhooks) and WebSub
//! subscribers. Both are receivers of the same deliveries; they differ in
//! what they are sent and how it is signed.

use std::net::IpAddr;

use base64::engine::general_purpose::STANDARD;
use base64::Engine;
use chrono::{DateTime, Utc};
use hmac::{Hmac, Mac};
use rand::RngCore;
use serde::Serialize;
use sha2::Sha256;

use super::EventKind;
use crate::error::{DomainError, DomainResult, FieldError};

const SECRET_PREFIX: &str = "whsec_";
/// Standard Webhooks asks for keys of 24 to 64 bytes.
pub const SECRET_MIN_BYTES: usize = 24;
pub const SECRET_MAX_BYTES: usize = 64;
pub const URL_MAX_CHARS: usize = 2048;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum HookKind {
    Webhook,
    Websub,
}

impl HookKind {
    pub fn as_str(self) -> &'static str {
        match self {
            HookKind::Webhook => "webhook",
            HookKind::Websub => "websub",
        }
    }

    pub fn parse(s: &str) -> Option<HookKind> {
        [HookKind::Webhook, HookKind::Websub]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// A receiver as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Hook {
    pub id: i64,
    pub kind: HookKind,
    pub url: String,
    pub events: Vec<EventKind>,
    /// A webhook's `whsec_` secret, or a WebSub subscriber's `hub.secret`.
    pub secret: Option<String>,
    /// The feed a WebSub subscriber follows.
    pub topic: Option<String>,
    /// When a WebSub lease ends.
    pub expires_at: Option<DateTime<Utc>>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
}

/// A receiver to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewHook {
    pub kind: HookKind,
    pub url: String,
    pub events: Vec<EventKind>,
    pub secret: Option<String>,
    pub topic: Option<String>,
    pub expires_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum DeliveryStatus {
    Pending,
    Delivered,
    Failed,
    /// Not sent, and never will be: the hook's topic does not carry it.
    Skipped,
}

impl DeliveryStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Pending => "pending",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Skipped => "skipped",
        }
    }

    pub fn parse(s: &str) -> Option<DeliveryStatus> {
        use DeliveryStatus::*;
        [Pending, Delivered, Failed, Skipped]
            .into_iter()
            .find(|k| k.as_str() == s)
    }
}

/// One event for one receiver, and how sending it went.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct Delivery {
    #[schema(value_type = String)]
    #[serde(serialize_with = "crate::events::hooks::as_text")]
    pub id: i64,
    /// The `webhook-id` receivers deduplicate by.
    pub event_id: String,
    pub event: EventKind,
    pub status: DeliveryStatus,
    pub attempts: i32,
    pub next_attempt_at: Option<DateTime<Utc>>,
    pub last_status_code: Option<i32>,
    pub last_error: Option<String>,
    pub last_attempt_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    #[serde(skip)]
    pub hook_id: i64,
    #[serde(skip)]
    pub event_seq: i64,
}

pub fn as_text<S: serde::Serializer>(id: &i64, s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&id.to_string())
}

/// How an attempt went, and what happens next.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Settlement {
    pub at: DateTime<Utc>,
    pub status_code: Option<i32>,
    pub error: Option<String>,
    pub next: Next,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Next {
    Delivered,
    RetryAt(DateTime<Utc>),
    /// Out of retries. The hook is disabled with `reason` unless it has
    /// succeeded since this delivery began.
    Failed {
        reason: String,
    },
    Skipped,
}

/// A webhook as an admin asks for it, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HookRequest {
    pub url: url::Url,
    pub events: Vec<EventKind>,
    pub secret: String,
}

impl HookRequest {
    /// Checks what can be checked without the network: the URL's form
    /// and scheme (and its address when it is written as one), the event
    /// names and the secret. The host's addresses are checked by the
    /// caller, which may resolve it.
    pub fn parse(
        url: &str,
        events: &[String],
        secret: Option<&str>,
        allow_private: bool,
    ) -> DomainResult<HookRequest> {
        let url = receiver_url("url", url, allow_private)?;
        let events = parse_events(events)?;
        let secret = match secret.map(str::trim) {
            Some(s) => {
                secret_key(s)?;
                s.to_owned()
            }
            None => generate_secret(),
        };
        Ok(HookRequest {
            url,
            events,
            secret,
        })
    }
}

fn invalid(field: &str, message: impl Into<String>) -> DomainError {
    DomainError::Invalid(vec![FieldError::new(field, message)])
}

fn parse_events(names: &[String]) -> DomainResult<Vec<EventKind>> {
    if names.is_empty() {
        return Err(invalid(
            "events",
            "name at least one event: article.published, article.updated, article.corrected, article.unpublished, article.deleted or comment.created",
        ));
    }
    let mut kinds = Vec::new();
    for name in names {
        let kind = EventKind::parse(name.trim())
            .ok_or_else(|| invalid("events", format!("unknown event {name:?}")))?;
        if !kinds.contains(&kind) {
            kinds.push(kind);
        }
    }
    Ok(kinds)
}

/// An http(s) URL with a host, not on a private address unless allowed.
pub fn receiver_url(field: &str, raw: &str, allow_private: bool) -> DomainResult<url::Url> {
    let raw = raw.trim();
    if raw.chars().count() > URL_MAX_CHARS {
        return Err(invalid(
            field,
            format!("at most {URL_MAX_CHARS} characters"),
        ));
    }
    let url = url::Url::parse(raw).map_err(|e| invalid(field, format!("not a URL: {e}")))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid(
            field,
            "only http and https URLs can receive events",
        ));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(field, "put no credentials in the URL"));
    }
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(d)) if d.eq_ignore_ascii_case("localhost") => {
            Some(IpAddr::V4(std::net::Ipv4Addr::LOCALHOST))
        }
        Some(url::Host::Domain(_)) => None,
        None => return Err(invalid(field, "the URL has no host")),
    };
    if let Some(ip) = literal {
        check_address(field, ip, allow_private)?;
    }
    Ok(url)
}

/// Refuses an address a server should not be made to call: loopback,
/// private, link-local (cloud metadata), unspecified, multicast.
pub fn check_address(field: &str, ip: IpAddr, allow_private: bool) -> DomainResult<()> {
    if allow_private || is_public(ip) {
        return Ok(());
    }
    Err(invalid(
        field,
        format!(
            "{ip} is a private or loopback address; set NEWSDESK_WEBHOOK_ALLOW_PRIVATE=true to allow it"
        ),
    ))
}

/// Whether an address is on the public internet.
pub fn is_public(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            let [a, b, ..] = v4.octets();
            !(v4.is_loopback()
                || v4.is_private()
                || v4.is_link_local()
                || v4.is_unspecified()
                || v4.is_broadcast()
                || v4.is_multicast()
                || v4.is_documentation()
                || a == 0
                || (a == 100 && (64..128).contains(&b)))
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_public(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            !(v6.is_loopback()
                || v6.is_unspecified()
                || v6.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80)
        }
    }
}

/// A new `whsec_` secret of 32 random bytes.
pub fn generate_secret() -> String {
    let mut key = [0u8; 32];
    rand::rng().fill_bytes(&mut key);
    format!("{SECRET_PREFIX}{}", STANDARD.encode(key))
}

/// The key inside a `whsec_` secret.
pub fn secret_key(secret: &str) -> DomainResult<Vec<u8>> {
    let encoded = secret.strip_prefix(SECRET_PREFIX).ok_or_else(|| {
        invalid(
            "secret",
            "a secret is whsec_ followed by base64; leave it out to have one generated",
        )
    })?;
    let key = STANDARD
        .decode(encoded)
        .map_err(|_| invalid("secret", "the part after whsec_ is not base64"))?;
    if !(SECRET_MIN_BYTES..=SECRET_MAX_BYTES).contains(&key.len()) {
        return Err(invalid(
            "secret",
            format!("the key must be {SECRET_MIN_BYTES} to {SECRET_MAX_BYTES} bytes"),
        ));
    }
    Ok(key)
}

/// `webhook-signature` as Standard Webhooks defines it.
pub fn sign(key: &[u8], id: &str, timestamp: i64, body: &[u8]) -> String {
    let mut mac = hmac_of(key);
    mac.update(format!("{id}.{timestamp}.").as_bytes());
    mac.update(body);
    format!("v1,{}", STANDARD.encode(mac.finalize().into_bytes()))
}

/// `X-Hub-Signature` as WebSub defines it, with SHA-256.
pub fn sign_websub(secret: &str, body: &[u8]) -> String {
    let mut mac = hmac_of(secret.as_bytes());
    mac.update(body);
    format!("sha256={}", hex_of(&mac.finalize().into_bytes()))
}

fn hmac_of(key: &[u8]) -> Hmac<Sha256> {
    // HMAC takes keys of any length; this cannot fail.
    <Hmac<Sha256> as Mac>::new_from_slice(key).unwrap_or_else(|_| unreachable!())
}

fn hex_of(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_are_refused_for_what_they_are() {
        for bad in [
            "ftp://example.com/x",
            "not a url",
            "http://user:pw@example.com/",
            "http://127.0.0.1:9/",
            "http://localhost/",
            "http://10.1.2.3/",
            "http://169.254.169.254/latest/meta-data",
            "http://[::1]/",
            "http://[fd00::1]/",
            "http://[::ffff:127.0.0.1]/",
        ] {
            assert!(receiver_url("url", bad, false).is_err(), "{bad}");
        }
        assert!(receiver_url("url", "https://hooks.example.com/in", false).is_ok());
        assert!(receiver_url("url", "http://127.0.0.1:9/", true).is_ok());
    }

    #[test]
    fn secrets_are_whsec_with_a_key_of_the_right_size() {
        let s = generate_secret();
        assert_eq!(secret_key(&s).map(|k| k.len()).ok(), Some(32));
        assert!(secret_key("whsec_c2hvcnQ=").is_err());
        assert!(secret_key("plain").is_err());
        assert!(secret_key("whsec_!!!").is_err());
    }

    #[test]
    fn the_signature_matches_the_standard_webhooks_example() {
        // The example of the Standard Webhooks specification.
        let key = secret_key("whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw").expect("key");
        let body = br#"{"test": 2432232314}"#;
        assert_eq!(
            sign(&key, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn events_must_be_known() {
        assert!(HookRequest::parse("https://a.example/", &[], None, false).is_err());
        assert!(HookRequest::parse(
            "https://a.example/",
            &["article.exploded".into()],
            None,
            false
        )
        .is_err());
        let ok = HookRequest::parse(
            "https://a.example/",
            &["article.published".into(), "article.published".into()],
            None,
            false,
        )
        .expect("valid");
        assert_eq!(ok.events, vec![EventKind::ArticlePublished]);
    }
}
