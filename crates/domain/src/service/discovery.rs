//! Search and related news as readers get them. `search` and `related`
//! give records, for GraphQL, which resolves its own article fields;
//! `search_results` and `related_articles` give each hit with the reader
//! view of its article, for REST. The rules underneath are the same.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{assemble, Audience};
use crate::article::{ArticleRecord, ArticleView};
use crate::error::{DomainError, DomainResult};
use crate::paging::{Cursor, Page, PageLimit};
use crate::policy::Policy;
use crate::related::Reason;
use crate::search::{snippet, SearchQuery};
use crate::store::ContentStore;

/// Results past this depth are not served: refine the query instead.
pub const MAX_DEPTH: u32 = 1000;

/// One search result.
#[derive(Debug, Clone)]
pub struct SearchHit {
    pub record: ArticleRecord,
    /// 0..1, higher is better; comparable within one query and backend.
    pub score: f64,
    /// Escaped text around the matches, which are wrapped in `<mark>`.
    pub highlight: String,
    /// Resumes the results right after this hit.
    pub cursor: Cursor,
}

/// Runs a user's query: best first, paged by an opaque cursor. A query
/// that is absent or blank is a 400 whichever transport sent it.
/// A partner gets only the hits its policy allows.
#[tracing::instrument(skip(store, audience), fields(limit = limit.get()))]
pub fn search(
    store: &(impl ContentStore + ?Sized),
    raw: Option<&str>,
    limit: PageLimit,
    cursor: Option<&str>,
    audience: Audience<'_>,
    now: DateTime<Utc>,
) -> DomainResult<Page<SearchHit>> {
    let visibility = audience.visibility;
    let raw = raw.filter(|q| !q.trim().is_empty()).ok_or_else(|| {
        DomainError::BadRequest("a query is required: the words to search for".into())
    })?;
    let query = SearchQuery::parse(raw)?;
    let offset = cursor
        .filter(|c| !c.is_empty())
        .map(Cursor::parse_offset)
        .transpose()?
        .unwrap_or(0);
    if offset >= MAX_DEPTH {
        return Err(DomainError::BadRequest(format!(
            "search pages stop after {MAX_DEPTH} results: refine the query"
        )));
    }
    let want = limit.get().min(MAX_DEPTH - offset);
    let hits = store.search(&query, visibility, offset, want + 1)?;
    let has_more = hits.len() > want as usize && offset + want < MAX_DEPTH;
    let hits: Vec<(i64, f64)> = hits.into_iter().take(want as usize).collect();
    let ids: Vec<i64> = hits.iter().map(|(id, _)| *id).collect();
    let found = store.articles_to_show(&ids)?;
    let mut records: std::collections::HashMap<i64, ArticleRecord> =
        super::allowed_records(store, audience.policy, found, now)?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
    let stems = query.positive_stems();
    let items: Vec<SearchHit> = hits
        .into_iter()
        .zip(offset + 1..)
        .filter_map(|((id, raw_score), position)| {
            let record = records.remove(&id)?;
            let highlight = snippet(&record.title, &record.body_text, &stems);
            Some(SearchHit {
                record,
                score: raw_score.max(0.0) / (1.0 + raw_score.max(0.0)),
                highlight,
                cursor: Cursor::for_offset(position),
            })
        })
        .collect();
    Ok(Page {
        items,
        next_cursor: has_more.then(|| Cursor::for_offset(offset + want)),
        limit,
    })
}

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
    /// Why it was picked: each reason's part of the score; the parts add
    /// up to it.
    pub reasons: Vec<Reason>,
}

/// A page of search results; `q` absent or blank is a 400.
#[tracing::instrument(skip(store, audience), fields(limit = limit.get()))]
pub fn search_results(
    store: &(impl ContentStore + ?Sized),
    q: Option<&str>,
    limit: PageLimit,
    cursor: Option<&str>,
    audience: Audience<'_>,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Page<SearchResult>> {
    let page = search(store, q, limit, cursor, audience, now)?;
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
                article: shaped(audience.policy, article),
                score,
                highlight,
            })
            .collect(),
        next_cursor: page.next_cursor,
        limit: page.limit,
    })
}

fn shaped(policy: Option<&Policy>, a: ArticleView) -> ArticleView {
    match policy {
        Some(p) => p.shape(a),
        None => a,
    }
}

/// Related articles for `slug`, best first, each with its reasons. To a
/// partner, an article outside its policy has no relatives (404), and
/// none of its relatives is outside it.
#[tracing::instrument(skip(store, audience))]
pub fn related_articles(
    store: &(impl ContentStore + ?Sized),
    slug: &str,
    audience: Audience<'_>,
    limit: usize,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Vec<RelatedArticle>> {
    let ranked = super::related(store, slug, audience, limit, now)?;
    related_views(store, ranked, audience, public_url, now)
}

/// Ranked relatives as readers get them, shaped by the partner's policy.
pub fn related_views(
    store: &(impl ContentStore + ?Sized),
    ranked: Vec<crate::related::Related>,
    audience: Audience<'_>,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Vec<RelatedArticle>> {
    let (records, rest): (Vec<_>, Vec<_>) = ranked
        .into_iter()
        .map(|r| (r.record, (r.score, r.reasons)))
        .unzip();
    let views = assemble(store, records, public_url, now)?;
    Ok(views
        .into_iter()
        .zip(rest)
        .map(|(article, (score, reasons))| RelatedArticle {
            article: shaped(audience.policy, article),
            score,
            reasons,
        })
        .collect())
}
