//! Search and related news as readers get them: each hit with the reader
//! view of its article. GraphQL resolves its own article fields from the
//! records, so it calls `search::search` and `related::related`, the same
//! rules underneath.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::assemble;
use crate::article::ArticleView;
use crate::error::DomainResult;
use crate::paging::{Page, PageLimit};
use crate::query::Visibility;
use crate::related::{self, Reason};
use crate::search;
use crate::store::ContentStore;

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchResult {
    pub article: ArticleView,
    /// 0..1, higher is better; compare within one query.
    pub score: f64,
    /// Text around the matches, HTML-escaped, matches wrapped in `<mark>`.
    pub highlight: String,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RelatedArticle {
    pub article: ArticleView,
    /// 0..1.
    pub score: f64,
    /// Why it was picked: each reason's share of the score (`recency`: the
    /// factor the others were multiplied by).
    pub reasons: Vec<Reason>,
}

/// A page of search results; `q` absent or blank is a 400.
#[tracing::instrument(skip(store), fields(limit = limit.get()))]
pub fn search_results(
    store: &(impl ContentStore + ?Sized),
    q: Option<&str>,
    limit: PageLimit,
    cursor: Option<&str>,
    visibility: Visibility,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Page<SearchResult>> {
    let page = search::search(store, q, limit, cursor, visibility)?;
    let (records, rest): (Vec<_>, Vec<_>) = page
        .items
        .into_iter()
        .map(|h| (h.record, (h.score, h.highlight)))
        .unzip();
    let views = assemble(store, records, public_url, now)?;
    Ok(Page {
        items: views
            .into_iter()
            .zip(rest)
            .map(|(article, (score, highlight))| SearchResult {
                article,
                score,
                highlight,
            })
            .collect(),
        next_cursor: page.next_cursor,
        limit: page.limit,
    })
}

/// Related articles for `slug`, best first, each with its reasons.
#[tracing::instrument(skip(store))]
pub fn related_articles(
    store: &(impl ContentStore + ?Sized),
    slug: &str,
    visibility: Visibility,
    limit: usize,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Vec<RelatedArticle>> {
    let ranked = related::related(store, slug, visibility, limit, now)?;
    let (records, rest): (Vec<_>, Vec<_>) = ranked
        .into_iter()
        .map(|r| (r.record, (r.score, r.reasons)))
        .unzip();
    let views = assemble(store, records, public_url, now)?;
    Ok(views
        .into_iter()
        .zip(rest)
        .map(|(article, (score, reasons))| RelatedArticle {
            article,
            score,
            reasons,
        })
        .collect())
}
