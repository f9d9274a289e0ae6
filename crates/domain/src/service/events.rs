//! Webhooks (admin) and what every receiver is sent: the service REST and
//! GraphQL call, and the payloads the delivery loop and the live stream
//! build from outbox events.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::assemble;
use super::sync::Gone;
use crate::article::{ArticleRecord, ArticleView};
use crate::comment::CommentView;
use crate::error::{DomainError, DomainResult};
use crate::events::hooks::{Delivery, Hook, HookKind, HookRequest, NewHook};
use crate::events::{Event, EventKind};
use crate::paging::PageLimit;
use crate::store::{ContentStore, EventStore};
use crate::user::{Principal, Role};

/// A webhook as admins see it; the secret only when it was just made.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct WebhookView {
    pub id: String,
    pub url: String,
    pub events: Vec<EventKind>,
    pub enabled: bool,
    pub disabled_reason: Option<String>,
    pub last_success_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Shown once, in the response that created the webhook.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub secret: Option<String>,
}

impl WebhookView {
    fn of(hook: Hook, show_secret: bool) -> WebhookView {
        WebhookView {
            id: hook.id.to_string(),
            url: hook.url,
            events: hook.events,
            enabled: hook.enabled,
            disabled_reason: hook.disabled_reason,
            last_success_at: hook.last_success_at,
            created_at: hook.created_at,
            secret: hook.secret.filter(|_| show_secret),
        }
    }
}

/// A new webhook (admin); `request` was checked by `HookRequest::parse`
/// and its host's addresses by the caller.
#[tracing::instrument(skip_all, fields(url = %request.url))]
pub fn create_webhook(
    store: &(impl EventStore + ?Sized),
    who: &Principal,
    request: HookRequest,
    now: DateTime<Utc>,
) -> DomainResult<WebhookView> {
    who.require(Role::Admin)?;
    let hook = store.add_hook(
        &NewHook {
            kind: HookKind::Webhook,
            url: request.url.to_string(),
            events: request.events,
            secret: Some(request.secret),
            topic: None,
            expires_at: None,
        },
        now,
    )?;
    Ok(WebhookView::of(hook, true))
}

pub fn list_webhooks(
    store: &(impl EventStore + ?Sized),
    who: &Principal,
) -> DomainResult<Vec<WebhookView>> {
    who.require(Role::Admin)?;
    Ok(store
        .hooks(HookKind::Webhook)?
        .into_iter()
        .map(|h| WebhookView::of(h, false))
        .collect())
}

/// A webhook by its id as given: anything not ours is not found.
fn webhook(store: &(impl EventStore + ?Sized), id: &str) -> DomainResult<Hook> {
    id.parse::<i64>()
        .ok()
        .map(|id| store.hook(id))
        .transpose()?
        .flatten()
        .filter(|h| h.kind == HookKind::Webhook)
        .ok_or_else(|| DomainError::NotFound("webhook".into()))
}

pub fn get_webhook(
    store: &(impl EventStore + ?Sized),
    who: &Principal,
    id: &str,
) -> DomainResult<WebhookView> {
    who.require(Role::Admin)?;
    Ok(WebhookView::of(webhook(store, id)?, false))
}

/// Removes a webhook and its pending deliveries.
pub fn delete_webhook(
    store: &(impl EventStore + ?Sized),
    who: &Principal,
    id: &str,
) -> DomainResult<()> {
    who.require(Role::Admin)?;
    let hook = webhook(store, id)?;
    store.remove_hook(hook.id)?;
    Ok(())
}

/// The delivery log of a webhook, newest first; `before` pages back.
pub fn deliveries(
    store: &(impl EventStore + ?Sized),
    who: &Principal,
    id: &str,
    limit: PageLimit,
    before: Option<&str>,
) -> DomainResult<Vec<Delivery>> {
    who.require(Role::Admin)?;
    let hook = webhook(store, id)?;
    let before = before
        .map(|b| {
            b.parse::<i64>()
                .map_err(|_| DomainError::BadRequest("`before` is a delivery id".into()))
        })
        .transpose()?;
    store.deliveries(hook.id, limit.get(), before)
}

/// Sends a delivery again, whatever became of it, as soon as a node can.
pub fn redeliver(
    store: &(impl EventStore + ?Sized),
    who: &Principal,
    hook_id: &str,
    delivery_id: &str,
    now: DateTime<Utc>,
) -> DomainResult<Delivery> {
    who.require(Role::Admin)?;
    let hook = webhook(store, hook_id)?;
    delivery_id
        .parse::<i64>()
        .ok()
        .map(|id| store.redeliver(hook.id, id, now))
        .transpose()?
        .flatten()
        .ok_or_else(|| DomainError::NotFound("delivery".into()))
}

/// What an event says about its article: the article as the public sees
/// it now, or only its id and slug once it is not public.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(untagged)]
pub enum Subject {
    Article(Box<ArticleView>),
    Gone(Gone),
    Comment(Box<CommentEvent>),
}

/// A new comment, as staff's receivers get it: pending moderation, so
/// never on the public stream; the e-mail stays out.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CommentEvent {
    #[serde(flatten)]
    pub comment: CommentView,
    pub article: Gone,
}

/// The body of a delivery and of a live event, after the Standard
/// Webhooks payload: `type`, `timestamp` and `data`.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Payload {
    #[serde(rename = "type")]
    pub kind: EventKind,
    pub timestamp: DateTime<Utc>,
    pub data: Subject,
}

/// The payloads of `events`, with one read of the articles they name, and
/// each article's record while it is public.
pub fn payloads(
    store: &(impl ContentStore + ?Sized),
    events: &[Event],
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Vec<(Payload, Option<ArticleRecord>)>> {
    let mut ids: Vec<i64> = events.iter().map(|e| e.article_id).collect();
    ids.sort_unstable();
    ids.dedup();
    let public: Vec<ArticleRecord> = store
        .articles_by_ids(&ids)?
        .into_iter()
        .filter(|r| r.is_public_at(now))
        .collect();
    let views = assemble(store, public.clone(), public_url, now)?;
    let comment_ids: Vec<i64> = events.iter().filter_map(|e| e.comment_id).collect();
    let comments = if comment_ids.is_empty() {
        Vec::new()
    } else {
        store.comments_by_id(&comment_ids)?
    };
    Ok(events
        .iter()
        .map(|e| {
            if let Some(c) = comments.iter().find(|c| Some(c.id) == e.comment_id) {
                let data = Subject::Comment(Box::new(CommentEvent {
                    comment: CommentView::from(c.clone()),
                    article: Gone {
                        id: e.article_id.to_string(),
                        slug: e.slug.clone(),
                    },
                }));
                let payload = Payload {
                    kind: e.kind,
                    timestamp: e.at,
                    data,
                };
                return (payload, None);
            }
            let gone = matches!(
                e.kind,
                EventKind::ArticleDeleted | EventKind::ArticleUnpublished
            );
            let found = views
                .iter()
                .zip(&public)
                .find(|(_, r)| r.id == e.article_id)
                .filter(|_| !gone);
            let (data, record) = match found {
                Some((v, r)) => (Subject::Article(Box::new(v.clone())), Some(r.clone())),
                None => (
                    Subject::Gone(Gone {
                        id: e.article_id.to_string(),
                        slug: e.slug.clone(),
                    }),
                    None,
                ),
            };
            let payload = Payload {
                kind: e.kind,
                timestamp: e.at,
                data,
            };
            (payload, record)
        })
        .collect())
}
