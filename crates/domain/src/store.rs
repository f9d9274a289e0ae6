//! The storage the domain needs, implemented by newsdesk-persistence.
//!
//! Calls are synchronous (diesel is); the API runs them off the async
//! workers. Every call that takes a list of ids answers with one statement,
//! whatever the length of the list, so pages cost a constant number of
//! queries.

use crate::article::{ArticleRecord, ArticleWrite};
use crate::error::DomainResult;
use crate::paging::SlugKey;
use crate::query::{ArticleQuery, Visibility};
use crate::term::{Term, TermKind};

pub trait ContentStore: Send + Sync {
    /// Up to `limit + 1` articles matching the query, newest first
    /// (`sort_at` then `id`, both descending), strictly after its cursor.
    fn list_articles(&self, query: &ArticleQuery) -> DomainResult<Vec<ArticleRecord>>;

    /// The article with this slug, whatever its status.
    fn article_by_slug(&self, slug: &str) -> DomainResult<Option<ArticleRecord>>;

    /// Tags and authors of these articles, as `(article_id, kind, term)` in
    /// each article's own order, with one statement. Sections are not a
    /// many-to-many relation: use [`ContentStore::terms_by_id`].
    fn terms_of_articles(&self, article_ids: &[i64]) -> DomainResult<Vec<(i64, TermKind, Term)>>;

    fn terms_by_id(&self, kind: TermKind, ids: &[i64]) -> DomainResult<Vec<Term>>;

    /// Up to `limit + 1` terms ordered by slug, strictly after `after`.
    fn list_terms(
        &self,
        kind: TermKind,
        after: Option<&SlugKey>,
        limit: u32,
    ) -> DomainResult<Vec<Term>>;

    fn term_by_slug(&self, kind: TermKind, slug: &str) -> DomainResult<Option<Term>>;

    /// `(term_id, number of visible articles)` for these terms; terms with no
    /// article may be absent.
    fn count_articles_by_term(
        &self,
        kind: TermKind,
        term_ids: &[i64],
        visibility: Visibility,
    ) -> DomainResult<Vec<(i64, i64)>>;

    /// Creates or, when the slug exists, replaces each article, creating
    /// missing tags, authors and sections, all in one transaction.
    fn save_articles(&self, writes: &[ArticleWrite]) -> DomainResult<Vec<ArticleRecord>>;

    /// Every article in id order, for export, whatever its status.
    fn articles_after_id(&self, after_id: i64, limit: u32) -> DomainResult<Vec<ArticleRecord>>;

    fn count_articles(&self) -> DomainResult<i64>;

    /// Cheap round trip proving the database answers.
    fn ping(&self) -> DomainResult<()>;
}
