//! The WebSub hub (W3C Recommendation): every feed names it with
//! `rel="hub"`, subscribers ask it to push a topic (a feed URL) to their
//! callback, it verifies their intent with a `hub.challenge` GET, and
//! afterwards sends them the feed whenever an event changes it, through
//! the same outbox and deliveries as webhooks.

use std::collections::HashMap;

use actix_web::{post, web, HttpResponse};
use newsdesk_domain::events::hooks::{receiver_url, Hook, HookKind, NewHook};
use newsdesk_domain::events::{Event, EventKind};
use newsdesk_domain::paging::PageLimit;
use newsdesk_domain::service::events::{payloads, Subject};
use newsdesk_domain::service::syndication::{FeedFilter, FEED_DEFAULT};
use rand::RngCore;

use super::deliver::{allowed, websub_signature, Request};
use crate::error::{ApiError, Problem};
use crate::state::AppState;
use crate::syndication::{render_feed, FeedRequest, Format};

/// Leases a subscriber gets when it asks for none, and at most.
pub const LEASE_DEFAULT: i64 = 10 * 86_400;
pub const LEASE_MAX: i64 = 30 * 86_400;
const LEASE_MIN: i64 = 60;
/// WebSub: a secret MUST be less than 200 bytes.
const SECRET_MAX: usize = 199;

/// A topic this hub serves: one of our feeds, narrowed or not.
#[derive(Debug, Clone)]
pub struct Topic {
    pub url: String,
    format: Format,
    narrow: FeedFilter,
}

impl Topic {
    pub fn parse(base: &str, raw: &str) -> Result<Topic, String> {
        let bad = || {
            format!("hub.topic must be one of this server's feeds, {base}/feeds/rss.xml, atom.xml or feed.json")
        };
        let rest = raw.strip_prefix(base).ok_or_else(bad)?;
        let parsed = url::Url::parse(&format!("http://topic{rest}")).map_err(|_| bad())?;
        let file = parsed.path().strip_prefix("/feeds/").ok_or_else(bad)?;
        let format = Format::parse(file).ok_or_else(bad)?;
        let q: HashMap<String, String> = parsed.query_pairs().into_owned().collect();
        let get = |k: &str| q.get(k).filter(|v| !v.is_empty()).cloned();
        Ok(Topic {
            url: raw.to_owned(),
            format,
            narrow: FeedFilter {
                tag: get("tag"),
                section: get("section"),
                author: get("author"),
            },
        })
    }

    /// Whether this topic's feed shows the article.
    fn carries(&self, subject: &Subject) -> bool {
        let Subject::Article(a) = subject else {
            return true;
        };
        let has = |wanted: &Option<String>, terms: &[newsdesk_domain::term::TermRef]| {
            wanted
                .as_ref()
                .is_none_or(|w| terms.iter().any(|t| &t.slug == w))
        };
        has(&self.narrow.tag, &a.tags)
            && has(&self.narrow.section, a.section.as_slice())
            && has(&self.narrow.author, &a.authors)
    }

    async fn render(&self, state: &AppState) -> Result<crate::syndication::Rendered, ApiError> {
        let (base, publisher, now) = (
            state.base_url.clone(),
            state.publisher.name.clone(),
            state.now(),
        );
        let (format, narrow, self_url) = (self.format, self.narrow.clone(), self.url.clone());
        let limit = PageLimit::parse_with(None, FEED_DEFAULT, FEED_DEFAULT)?;
        state
            .run(move |s| {
                let r = FeedRequest {
                    format,
                    narrow,
                    limit,
                    base: &base,
                    publisher: &publisher,
                    self_url,
                };
                render_feed(s, r, None, now)
            })
            .await
    }
}

/// The content distribution request for one event, or `None` when the
/// subscriber's topic does not show the article.
pub async fn content(
    state: &AppState,
    hook: &Hook,
    event: &Event,
) -> Result<Option<Request>, String> {
    let topic = Topic::parse(&state.base_url, hook.topic.as_deref().unwrap_or_default())?;
    let (base, now, one) = (state.base_url.clone(), state.now(), event.clone());
    let subject = state
        .run(move |s| payloads(s, std::slice::from_ref(&one), &base, now))
        .await
        .map_err(|e| e.detail)?
        .pop()
        .map(|(p, _)| p.data);
    if subject.is_some_and(|s| !topic.carries(&s)) {
        return Ok(None);
    }
    let rendered = topic.render(state).await.map_err(|e| e.detail)?;
    let body = rendered.bytes.to_vec();
    let mut headers = websub_signature(hook.secret.as_deref(), &body);
    headers.push((
        "link",
        format!(
            "<{}/websub>; rel=\"hub\", <{}>; rel=\"self\"",
            state.base_url, topic.url
        ),
    ));
    Ok(Some(Request {
        body,
        content_type: rendered.content_type,
        headers,
    }))
}

/// A subscription request, as the form fields WebSub names.
#[derive(Debug, serde::Deserialize, utoipa::ToSchema)]
pub struct HubForm {
    #[serde(rename = "hub.mode")]
    #[schema(
        required = true,
        nullable = false,
        pattern = "^(subscribe|unsubscribe)$"
    )]
    pub mode: Option<String>,
    #[serde(rename = "hub.topic")]
    pub topic: Option<String>,
    #[serde(rename = "hub.callback")]
    #[schema(required = true, nullable = false, pattern = "^https?://")]
    pub callback: Option<String>,
    #[serde(rename = "hub.secret")]
    pub secret: Option<String>,
    #[serde(rename = "hub.lease_seconds")]
    pub lease_seconds: Option<String>,
}

/// What a checked request asks for.
struct Intent {
    subscribe: bool,
    topic: Topic,
    callback: String,
    secret: Option<String>,
    lease: i64,
}

fn check(state: &AppState, form: HubForm) -> Result<Intent, ApiError> {
    let subscribe = match form.mode.as_deref() {
        Some("subscribe") => true,
        Some("unsubscribe") => false,
        _ => {
            return Err(ApiError::bad_request(
                "hub.mode must be subscribe or unsubscribe",
            ))
        }
    };
    let topic = Topic::parse(&state.base_url, form.topic.as_deref().unwrap_or_default())
        .map_err(ApiError::bad_request)?;
    let callback = receiver_url(
        "hub.callback",
        form.callback.as_deref().unwrap_or_default(),
        state.push.settings.allow_private,
    )
    .map_err(|_| ApiError::bad_request("hub.callback must be an http(s) URL this hub may call"))?;
    let secret = form.secret.filter(|s| !s.is_empty());
    if secret.as_ref().is_some_and(|s| s.len() > SECRET_MAX) {
        return Err(ApiError::bad_request(
            "hub.secret must be less than 200 bytes",
        ));
    }
    let lease = match form.lease_seconds.as_deref() {
        None | Some("") => LEASE_DEFAULT,
        Some(s) => s
            .parse::<i64>()
            .map_err(|_| ApiError::bad_request("hub.lease_seconds must be a number of seconds"))?
            .clamp(LEASE_MIN, LEASE_MAX),
    };
    Ok(Intent {
        subscribe,
        topic,
        callback: callback.to_string(),
        secret,
        lease,
    })
}

/// Subscribe or unsubscribe. Answers 202 at once and verifies the intent
/// with the subscriber afterwards, as WebSub asks.
#[utoipa::path(tag = "feeds", path = "/websub",
    request_body(content = HubForm, content_type = "application/x-www-form-urlencoded"),
    responses(
        (status = 202, description = "Accepted: the subscriber's intent is verified next"),
        (status = 400, description = "A mode, topic, callback, secret or lease that is not acceptable", body = Problem, content_type = "application/problem+json"),
    ))]
#[post("/websub")]
pub async fn hub(
    state: web::Data<AppState>,
    form: web::Form<HubForm>,
) -> Result<HttpResponse, ApiError> {
    let intent = check(&state, form.into_inner())?;
    allowed(&intent.callback, state.push.settings.allow_private)
        .await
        .map_err(ApiError::bad_request)?;
    // A topic that names a tag, section or author that does not exist is 404 now.
    intent.topic.render(&state).await?;
    let state = state.get_ref().clone();
    actix_web::rt::spawn(async move { verify(&state, intent).await });
    Ok(HttpResponse::Accepted().finish())
}

/// Asks the subscriber to echo a challenge, then records what it confirmed.
async fn verify(state: &AppState, intent: Intent) {
    let mut bytes = [0u8; 18];
    rand::rng().fill_bytes(&mut bytes);
    let challenge: String = bytes.iter().map(|b| format!("{b:02x}")).collect();
    let mode = if intent.subscribe {
        "subscribe"
    } else {
        "unsubscribe"
    };
    let lease = intent.lease.to_string();
    let mut query = vec![
        ("hub.mode", mode),
        ("hub.topic", intent.topic.url.as_str()),
        ("hub.challenge", challenge.as_str()),
    ];
    if intent.subscribe {
        query.push(("hub.lease_seconds", lease.as_str()));
    }
    let answer = state
        .push
        .client
        .get(&intent.callback)
        .query(&query)
        .send()
        .await;
    let confirmed = match answer {
        Ok(res) if res.status().is_success() => {
            res.text().await.is_ok_and(|t| t.trim() == challenge)
        }
        _ => false,
    };
    if !confirmed {
        tracing::info!(callback = %intent.callback, mode, "WebSub intent not confirmed");
        return;
    }
    let now = state.now();
    let result = if intent.subscribe {
        let hook = NewHook {
            kind: HookKind::Websub,
            url: intent.callback.clone(),
            events: EventKind::ALL
                .into_iter()
                .filter(|k| k.is_public())
                .collect(),
            secret: intent.secret,
            topic: Some(intent.topic.url.clone()),
            expires_at: Some(now + chrono::Duration::seconds(intent.lease)),
        };
        state.run(move |s| s.add_hook(&hook, now).map(|_| ())).await
    } else {
        let (topic, callback) = (intent.topic.url.clone(), intent.callback.clone());
        state
            .run(move |s| s.remove_websub(&topic, &callback).map(|_| ()))
            .await
    };
    match result {
        Ok(()) => tracing::info!(callback = %intent.callback, mode, "WebSub intent verified"),
        Err(e) => tracing::warn!(error = %e.detail, "could not record a WebSub subscription"),
    }
}
