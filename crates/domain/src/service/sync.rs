//! Delta sync for partners who mirror the content, after Contentful's:
//! the first call (no token) pages through everything public now; each
//! page's `next_token` resumes, and once the first pass is done it follows
//! the change log, plus the scheduled articles that have come due (they go
//! public with no write). Each item is the article as it is when the page
//! is read, or a tombstone when it is no longer public (unpublished,
//! deleted, or outside the partner's policy), so a mirror that applies the
//! items in order ends equal to the public API.

use std::collections::{HashMap, HashSet};

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};
use serde::Serialize;

use super::assemble;
use crate::article::{ArticleRecord, ArticleView};
use crate::error::{DomainError, DomainResult};
use crate::paging::PageLimit;
use crate::policy::Policy;
use crate::store::{Change, ContentStore, SyndicationStore};

/// Where a partner's sync stands: the last change of the log it has seen
/// (`seq`), and the time up to which it has seen schedules come due.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SyncToken {
    /// Paging through everything public as of `as_of`; `seq` is where the
    /// log stood then, so nothing changed meanwhile is missed.
    Initial {
        seq: i64,
        as_of: DateTime<Utc>,
        after_id: i64,
    },
    /// Following the log after `seq`.
    Delta { seq: i64, as_of: DateTime<Utc> },
}

impl SyncToken {
    pub fn encode(self) -> String {
        let text = match self {
            SyncToken::Initial {
                seq,
                as_of,
                after_id,
            } => format!("i:{seq}:{}:{after_id}", as_of.timestamp_micros()),
            SyncToken::Delta { seq, as_of } => format!("d:{seq}:{}", as_of.timestamp_micros()),
        };
        URL_SAFE_NO_PAD.encode(text)
    }

    /// The token's parts, or `None` when it is not one of ours.
    pub fn decode(raw: &str) -> Option<SyncToken> {
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim().as_bytes()).ok()?;
        let text = String::from_utf8(bytes).ok()?;
        let parts: Vec<&str> = text.split(':').collect();
        let number = |s: &str| s.parse::<i64>().ok().filter(|n| *n >= 0);
        let time = |s: &str| DateTime::from_timestamp_micros(number(s)?);
        match parts.as_slice() {
            ["i", seq, as_of, after_id] => Some(SyncToken::Initial {
                seq: number(seq)?,
                as_of: time(as_of)?,
                after_id: number(after_id)?,
            }),
            ["d", seq, as_of] => Some(SyncToken::Delta {
                seq: number(seq)?,
                as_of: time(as_of)?,
            }),
            _ => None,
        }
    }

    /// A token we issued: well formed, naming a change the log holds, and
    /// a time that has come.
    pub fn parse(
        raw: &str,
        store: &(impl SyndicationStore + ?Sized),
        now: DateTime<Utc>,
    ) -> DomainResult<SyncToken> {
        let bad = || {
            DomainError::BadRequest(
                "the sync token is not one of ours: pass back a next_token, or start over without one"
                    .into(),
            )
        };
        let token = Self::decode(raw).ok_or_else(bad)?;
        let (seq, as_of) = match token {
            SyncToken::Initial { seq, as_of, .. } | SyncToken::Delta { seq, as_of } => (seq, as_of),
        };
        if as_of > now || (seq > 0 && !store.has_change(seq)?) {
            return Err(bad());
        }
        Ok(token)
    }
}

/// What a mirror is gone from: only the id and the slug.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Gone {
    pub id: String,
    pub slug: String,
}

/// One entry of a sync page.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum SyncItem {
    /// Create or replace this article.
    Article {
        changed_at: DateTime<Utc>,
        article: Box<ArticleView>,
    },
    /// Remove this article.
    Tombstone {
        changed_at: DateTime<Utc>,
        article: Gone,
    },
}

#[derive(Debug, Clone, PartialEq)]
pub struct SyncPage {
    pub items: Vec<SyncItem>,
    pub next_token: String,
    /// Calling again with `next_token` now would return more.
    pub has_more: bool,
}

/// One sync page. An article outside a partner's `policy` is a tombstone
/// to it, and the ones inside come as the policy shapes them.
#[tracing::instrument(skip_all, fields(limit = limit.get()))]
pub fn sync(
    store: &(impl ContentStore + SyndicationStore + ?Sized),
    token: Option<&str>,
    limit: PageLimit,
    policy: Option<&Policy>,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<SyncPage> {
    let token = match token.filter(|t| !t.trim().is_empty()) {
        Some(raw) => SyncToken::parse(raw, store, now)?,
        None => SyncToken::Initial {
            seq: store.last_seq()?,
            as_of: now,
            after_id: 0,
        },
    };
    let page = Paging {
        limit,
        policy,
        public_url,
        now,
    };
    match token {
        SyncToken::Initial {
            seq,
            as_of,
            after_id,
        } => page.first_pass(store, seq, as_of, after_id),
        SyncToken::Delta { seq, as_of } => page.changes(store, seq, as_of),
    }
}

struct Paging<'a> {
    limit: PageLimit,
    policy: Option<&'a Policy>,
    public_url: &'a str,
    now: DateTime<Utc>,
}

impl Paging<'_> {
    fn first_pass(
        &self,
        store: &(impl ContentStore + SyndicationStore + ?Sized),
        seq: i64,
        as_of: DateTime<Utc>,
        after_id: i64,
    ) -> DomainResult<SyncPage> {
        let records = store.public_after_id(after_id, self.limit.get(), as_of)?;
        let last_id = records.last().map(|r| r.id);
        let full = records.len() == self.limit.get() as usize;
        let views = assemble(store, records, self.public_url, self.now)?;
        let items = Policy::serve(self.policy, views)
            .into_iter()
            .map(|v| SyncItem::Article {
                changed_at: v.updated_at,
                article: Box::new(v),
            })
            .collect();
        let (next, has_more) = match (full, last_id) {
            (true, Some(id)) => (
                SyncToken::Initial {
                    seq,
                    as_of,
                    after_id: id,
                },
                true,
            ),
            _ => {
                let pending = !store.changes_after(seq, 1)?.is_empty()
                    || !store.came_due(as_of, self.now)?.is_empty();
                (SyncToken::Delta { seq, as_of }, pending)
            }
        };
        Ok(SyncPage {
            items,
            next_token: next.encode(),
            has_more,
        })
    }

    fn changes(
        &self,
        store: &(impl ContentStore + SyndicationStore + ?Sized),
        seq: i64,
        as_of: DateTime<Utc>,
    ) -> DomainResult<SyncPage> {
        let mut log = store.changes_after(seq, self.limit.get())?;
        let full = log.len() == self.limit.get() as usize;
        let next_seq = log.last().map_or(seq, |c| c.seq);
        // Schedules that came due join the last page of the log, told as of
        // their time; until then the token keeps its time.
        let next_as_of = if full {
            as_of
        } else {
            log.extend(
                store
                    .came_due(as_of, self.now)?
                    .into_iter()
                    .map(|c| Change {
                        changed_at: c.due_at.unwrap_or(c.changed_at),
                        ..c
                    }),
            );
            self.now
        };
        Ok(SyncPage {
            items: self.items(store, &log)?,
            next_token: SyncToken::Delta {
                seq: next_seq,
                as_of: next_as_of,
            }
            .encode(),
            has_more: full,
        })
    }

    /// Each changed article once, at its last change on the page, as it is
    /// now: an earlier item would say the same.
    fn items(
        &self,
        store: &(impl ContentStore + SyndicationStore + ?Sized),
        log: &[Change],
    ) -> DomainResult<Vec<SyncItem>> {
        let ids: Vec<i64> = log
            .iter()
            .map(|c| c.article_id)
            .collect::<HashSet<_>>()
            .into_iter()
            .collect();
        let public: Vec<ArticleRecord> = store
            .articles_by_ids(&ids)?
            .into_iter()
            .filter(|r| r.is_public_at(self.now))
            .collect();
        let views = assemble(store, public, self.public_url, self.now)?;
        let mut views: HashMap<String, ArticleView> = Policy::serve(self.policy, views)
            .into_iter()
            .map(|v| (v.id.clone(), v))
            .collect();
        let last_of: HashMap<i64, usize> = log
            .iter()
            .enumerate()
            .map(|(i, c)| (c.article_id, i))
            .collect();
        Ok(log
            .iter()
            .enumerate()
            .filter(|(i, c)| last_of.get(&c.article_id) == Some(i))
            .map(|(_, c)| match views.remove(&c.article_id.to_string()) {
                Some(v) => SyncItem::Article {
                    changed_at: c.changed_at,
                    article: Box::new(v),
                },
                None => SyncItem::Tombstone {
                    changed_at: c.changed_at,
                    article: Gone {
                        id: c.article_id.to_string(),
                        slug: c.slug.clone(),
                    },
                },
            })
            .collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_round_trip_and_others_are_refused() {
        let as_of = DateTime::from_timestamp_micros(1_700_000_000_123_456).expect("time");
        for t in [
            SyncToken::Initial {
                seq: 42,
                as_of,
                after_id: 9,
            },
            SyncToken::Initial {
                seq: 0,
                as_of,
                after_id: 0,
            },
            SyncToken::Delta { seq: 7, as_of },
        ] {
            assert_eq!(SyncToken::decode(&t.encode()), Some(t));
        }
        let forged = [
            String::new(),
            "zzz!".into(),
            URL_SAFE_NO_PAD.encode("d:1:x"),
            URL_SAFE_NO_PAD.encode("d:-1:0"),
            URL_SAFE_NO_PAD.encode("i:0:0:-1"),
            URL_SAFE_NO_PAD.encode("x:1:1"),
        ];
        for bad in forged {
            assert_eq!(SyncToken::decode(&bad), None, "{bad}");
        }
    }
}
