//! Events: what a content change means to the people told about it. The
//! change log is the outbox (one row per change, written in the change's
//! transaction); a row whose `event` is set is an event, and everything
//! that reacts to change (webhooks, WebSub, the SSE stream, GraphQL
//! subscriptions, other nodes' caches) follows that one ordered log.

pub mod hooks;
pub mod schedule;

use chrono::{DateTime, Utc};
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub enum EventKind {
    #[serde(rename = "article.published")]
    ArticlePublished,
    #[serde(rename = "article.updated")]
    ArticleUpdated,
    #[serde(rename = "article.corrected")]
    ArticleCorrected,
    #[serde(rename = "article.unpublished")]
    ArticleUnpublished,
    #[serde(rename = "article.deleted")]
    ArticleDeleted,
    #[serde(rename = "comment.created")]
    CommentCreated,
}

impl EventKind {
    pub const ALL: [EventKind; 6] = [
        EventKind::ArticlePublished,
        EventKind::ArticleUpdated,
        EventKind::ArticleCorrected,
        EventKind::ArticleUnpublished,
        EventKind::ArticleDeleted,
        EventKind::CommentCreated,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            EventKind::ArticlePublished => "article.published",
            EventKind::ArticleUpdated => "article.updated",
            EventKind::ArticleCorrected => "article.corrected",
            EventKind::ArticleUnpublished => "article.unpublished",
            EventKind::ArticleDeleted => "article.deleted",
            EventKind::CommentCreated => "comment.created",
        }
    }

    pub fn parse(s: &str) -> Option<EventKind> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    /// Whether the public stream may carry it: a new comment is pending
    /// moderation, so only staff hear of it.
    pub fn is_public(self) -> bool {
        self != EventKind::CommentCreated
    }

    /// What a write means to readers, from whether the article was public
    /// before it and is public after. A write that schedules the article
    /// says nothing now: its `article.published` is written when it comes due.
    pub fn of_write(was_public: bool, is_public: bool) -> Option<EventKind> {
        match (was_public, is_public) {
            (false, true) => Some(EventKind::ArticlePublished),
            (true, true) => Some(EventKind::ArticleUpdated),
            (true, false) => Some(EventKind::ArticleUnpublished),
            (false, false) => None,
        }
    }
}

/// What a node tells the others it changed, so they forget what they
/// cached: content (articles, terms, comments, the outbox) with the
/// surrogate keys of the public responses it changed (see `purge`), or
/// accounts (users and API keys, whose revocation must hold everywhere at
/// once).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Signal {
    Content(Vec<String>),
    Accounts,
}

/// The surrogate keys public responses name (`Surrogate-Key`), made in one
/// place so what a response names and what a write purges cannot drift.
pub mod purge {
    use crate::term::TermKind;

    /// Every response that lists articles or counts them: lists, search,
    /// related, terms with their counts, feeds, sitemaps, GraphQL. Any
    /// write that can change which articles are public purges it.
    pub const LIST: &str = "list";

    pub fn article(id: impl std::fmt::Display) -> String {
        format!("article:{id}")
    }

    pub fn term(kind: TermKind, slug: &str) -> String {
        format!("{}:{slug}", kind.noun())
    }

    /// Adds `key` once.
    pub fn add(keys: &mut Vec<String>, key: String) {
        if !keys.contains(&key) {
            keys.push(key);
        }
    }
}

/// Told of every write, on this node and, through the database, others.
pub type Hear = std::sync::Arc<dyn Fn(Signal) + Send + Sync>;

/// One event of the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Event {
    /// The change log's sequence number: events are ordered by it, and it
    /// is the SSE event id a client resumes from.
    pub seq: i64,
    pub kind: EventKind,
    pub article_id: i64,
    /// The slug when the event happened: a deleted article keeps it here.
    pub slug: String,
    pub at: DateTime<Utc>,
    /// The comment of a `comment.created`.
    pub comment_id: Option<i64>,
}

impl Event {
    /// The id receivers deduplicate by (`webhook-id`): the same for every
    /// attempt and every receiver of this event.
    pub fn id(&self) -> String {
        format!("evt_{}", self.seq)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for k in EventKind::ALL {
            assert_eq!(EventKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).ok(),
                Some(serde_json::json!(k.as_str()))
            );
        }
        assert_eq!(EventKind::parse("article.exploded"), None);
    }

    #[test]
    fn a_write_means_what_it_did_to_the_public() {
        use EventKind::*;
        assert_eq!(EventKind::of_write(false, true), Some(ArticlePublished));
        assert_eq!(EventKind::of_write(true, true), Some(ArticleUpdated));
        assert_eq!(EventKind::of_write(true, false), Some(ArticleUnpublished));
        assert_eq!(EventKind::of_write(false, false), None);
    }
}
