//! What feeds and sitemaps are made of: the latest public articles a feed
//! narrows to, the articles of the last two days for Google News, and the
//! sitemap's blocks and entries. The transports only write the formats.

use chrono::{DateTime, TimeDelta, Utc};

use super::list_article_views;
use crate::article::ArticleView;
use crate::error::{DomainError, DomainResult};
use crate::paging::PageLimit;
use crate::policy::Policy;
use crate::query::{ArticleFilter, ArticleQuery, RawArticleFilter, Visibility};
use crate::store::{ContentStore, SitemapBlock, SitemapEntry, SyndicationStore};
use crate::term::{Term, TermKind};

/// Feeds list 50 articles unless asked for up to 100.
pub const FEED_DEFAULT: u32 = 50;
pub const FEED_MAX: u32 = 100;
/// A sitemap file holds at most this many URLs (sitemaps.org).
pub const SITEMAP_URLS: i64 = 50_000;
/// Google News reads the articles of the last two days, at most 1,000.
pub const NEWS_WINDOW: TimeDelta = TimeDelta::hours(48);
pub const NEWS_MAX: usize = 1_000;

/// The tag, section and author slugs a feed is narrowed by.
#[derive(Debug, Clone, Default)]
pub struct FeedFilter {
    pub tag: Option<String>,
    pub section: Option<String>,
    pub author: Option<String>,
}

/// A feed: what it is narrowed to, and its articles, newest first.
#[derive(Debug, Clone)]
pub struct Feed {
    /// The tag, section and author the feed is narrowed to, as named.
    pub narrowed: Vec<(TermKind, Term)>,
    pub articles: Vec<ArticleView>,
}

/// The latest public articles, narrowed by tag, section and author slugs.
/// A slug that names nothing is a 404: an empty feed would look healthy
/// to a partner who mistyped it.
/// A partner's `policy` keeps what it allows, shaped.
#[tracing::instrument(skip(store, public_url, policy))]
pub fn feed(
    store: &(impl ContentStore + ?Sized),
    narrow: FeedFilter,
    limit: PageLimit,
    policy: Option<&Policy>,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Feed> {
    // `?tag=` with nothing after it narrows nothing, as a form would send it.
    let given = |v: Option<String>| v.filter(|s| !s.trim().is_empty());
    let (tag, section, author) = (
        given(narrow.tag),
        given(narrow.section),
        given(narrow.author),
    );
    let mut narrowed = Vec::new();
    for (kind, slug) in [
        (TermKind::Tag, &tag),
        (TermKind::Section, &section),
        (TermKind::Author, &author),
    ] {
        if let Some(slug) = slug {
            let term = store
                .term_by_slug(kind, slug)?
                .ok_or_else(|| DomainError::NotFound(format!("{} {slug:?}", kind.noun())))?;
            narrowed.push((kind, term));
        }
    }
    let filter = ArticleFilter::parse(RawArticleFilter {
        tag,
        section,
        author,
        ..Default::default()
    })?;
    let query = ArticleQuery::new(filter, limit, None, Visibility::Public { now })?;
    let articles = list_article_views(store, &query, policy, public_url, now)?.items;
    Ok(Feed { narrowed, articles })
}

/// The articles published in the last two days, newest first, for the
/// Google News sitemap.
#[tracing::instrument(skip_all)]
pub fn news(
    store: &(impl ContentStore + ?Sized),
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Vec<ArticleView>> {
    let since = (now - NEWS_WINDOW).to_rfc3339();
    let mut out = Vec::new();
    let mut cursor: Option<String> = None;
    while out.len() < NEWS_MAX {
        let filter = ArticleFilter::parse(RawArticleFilter {
            published_after: Some(since.clone()),
            ..Default::default()
        })?;
        let limit = PageLimit::new(100).unwrap_or_default();
        let query =
            ArticleQuery::new(filter, limit, cursor.as_deref(), Visibility::Public { now })?;
        let page = list_article_views(store, &query, None, public_url, now)?;
        out.extend(page.items);
        match page.next_cursor {
            Some(c) => cursor = Some(c.as_str().to_owned()),
            None => break,
        }
    }
    out.truncate(NEWS_MAX);
    Ok(out)
}

/// The sitemap files the index lists: blocks of ids holding public articles.
pub fn sitemap_index(
    store: &(impl SyndicationStore + ?Sized),
    now: DateTime<Utc>,
) -> DomainResult<Vec<SitemapBlock>> {
    store.sitemap_blocks(SITEMAP_URLS, now)
}

/// The entries of sitemap file `number`; one the index would not list is
/// a 404.
pub fn sitemap_file(
    store: &(impl SyndicationStore + ?Sized),
    number: i64,
    now: DateTime<Utc>,
) -> DomainResult<Vec<SitemapEntry>> {
    let missing = || DomainError::NotFound(format!("sitemap {number}"));
    let first = number.checked_mul(SITEMAP_URLS).ok_or_else(missing)?;
    let entries = store.sitemap_entries(first, first.saturating_add(SITEMAP_URLS), now)?;
    if entries.is_empty() {
        return Err(missing());
    }
    Ok(entries)
}
