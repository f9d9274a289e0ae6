//! The storage the domain needs, implemented by newsdesk-persistence.
//!
//! Calls are synchronous (diesel is); the API runs them off the async
//! workers. Every call that takes a list of ids answers with one statement,
//! whatever the length of the list, so pages cost a constant number of
//! queries.

use crate::comment::{CommentRecord, CommentStatus, NewComment};
use crate::events::hooks::{Delivery, Hook, HookKind, NewHook, Settlement};
use crate::events::Event;
use chrono::{DateTime, Utc};

use crate::article::{ArticleRecord, ArticleSummary, ArticleWrite, Correction};
use crate::error::DomainResult;
use crate::paging::SlugKey;
use crate::query::{ArticleQuery, Visibility};
use crate::search::SearchQuery;
use crate::slug::Slug;
use crate::term::{Term, TermKind};
use crate::text::Vocabulary;
use crate::user::{ApiKey, Role, User};

/// Articles: lists, single reads, writes and revisions.
pub trait ArticleStore: Send + Sync {
    /// Up to `limit + 1` articles matching the query, newest first
    /// (`sort_at` then `id`, both descending), strictly after its cursor.
    fn list_articles(&self, query: &ArticleQuery) -> DomainResult<Vec<ArticleRecord>>;

    /// The article with this slug, whatever its status.
    fn article_by_slug(&self, slug: &str) -> DomainResult<Option<ArticleRecord>>;

    /// These articles, whatever their status, in no particular order.
    fn articles_by_ids(&self, ids: &[i64]) -> DomainResult<Vec<ArticleRecord>>;

    /// As `articles_by_ids`, with `body_source` empty and not read: for
    /// reads that show articles (related news, search, most read), as no
    /// view shows the source. Never for what writes or exports an article.
    fn articles_to_show(&self, ids: &[i64]) -> DomainResult<Vec<ArticleRecord>>;

    /// Every article in id order, for export, whatever its status.
    fn articles_after_id(&self, after_id: i64, limit: u32) -> DomainResult<Vec<ArticleRecord>>;

    fn count_articles(&self) -> DomainResult<i64>;

    /// Creates or, when the slug exists, replaces each article, creating
    /// missing tags, authors and sections, all in one transaction.
    fn save_articles(&self, writes: &[ArticleWrite]) -> DomainResult<Vec<ArticleRecord>>;

    /// Inserts a new article; a taken slug is a `Conflict`.
    fn create_article(
        &self,
        write: &ArticleWrite,
        created_by: Option<i64>,
    ) -> DomainResult<ArticleRecord>;

    /// Replaces article `id` if it is still at `expected_version` (else
    /// `PreconditionFailed`), keeping the previous version as a revision.
    fn update_article(
        &self,
        id: i64,
        expected_version: i32,
        write: &ArticleWrite,
        by: Option<i64>,
    ) -> DomainResult<ArticleRecord>;

    fn delete_article(&self, id: i64) -> DomainResult<()>;

    /// Earlier versions of an article, newest first.
    fn revisions(&self, article_id: i64) -> DomainResult<Vec<RevisionRecord>>;

    /// Appends a dated correction to article `id`, bumping its `updated_at`
    /// and version, and logs the change, in one transaction.
    fn add_correction(
        &self,
        id: i64,
        correction: &Correction,
        by: Option<i64>,
    ) -> DomainResult<ArticleRecord>;

    /// `(article_id, correction)` of these articles, oldest first, with one
    /// statement.
    fn corrections_of(&self, article_ids: &[i64]) -> DomainResult<Vec<(i64, Correction)>>;

    /// Cheap round trip proving the database answers.
    fn ping(&self) -> DomainResult<()>;
}

/// Tags, sections and author profiles, and what they count.
pub trait TermStore: Send + Sync {
    /// Tags and authors of these articles, as `(article_id, kind, term)` in
    /// each article's own order, with one statement. Sections are not a
    /// many-to-many relation: use [`ContentStore::terms_by_id`].
    fn terms_of_articles(&self, article_ids: &[i64]) -> DomainResult<Vec<(i64, TermKind, Term)>>;

    fn terms_by_id(&self, kind: TermKind, ids: &[i64]) -> DomainResult<Vec<Term>>;

    /// Up to `limit + 1` terms ordered by slug, strictly after `after`.
    /// Under a public visibility, terms that have articles but none visible
    /// are left out (an unused term stays listed).
    fn list_terms(
        &self,
        kind: TermKind,
        after: Option<&SlugKey>,
        limit: u32,
        visibility: Visibility,
        scope: Option<&ArticleScope>,
    ) -> DomainResult<Vec<Term>>;

    fn term_by_slug(&self, kind: TermKind, slug: &str) -> DomainResult<Option<Term>>;

    /// Those of these slugs that exist, as terms, with one statement.
    fn terms_by_slugs(&self, kind: TermKind, slugs: &[&str]) -> DomainResult<Vec<Term>>;

    /// `(term_id, number of visible articles)` for these terms; terms with no
    /// article may be absent.
    fn count_articles_by_term(
        &self,
        kind: TermKind,
        term_ids: &[i64],
        visibility: Visibility,
        scope: Option<&ArticleScope>,
    ) -> DomainResult<Vec<(i64, i64)>>;

    /// A taken slug is a `Conflict`.
    fn create_term(&self, kind: TermKind, term: &TermWrite) -> DomainResult<Term>;

    fn update_term(&self, kind: TermKind, id: i64, term: &TermWrite) -> DomainResult<Term>;

    fn delete_term(&self, kind: TermKind, id: i64) -> DomainResult<()>;

    /// The author profile with this (private) e-mail, if any.
    fn author_by_email(&self, email: &str) -> DomainResult<Option<Term>>;

    /// Gives the author profile `slug` this private e-mail, unless it has one.
    fn claim_author_email(&self, slug: &str, email: &str) -> DomainResult<()>;
}

/// Full-text search and what related news is ranked from.
pub trait DiscoveryStore: Send + Sync {
    /// Visible articles matching a full-text query, best first, as
    /// `(id, score)` with the engine's own score (higher is better).
    fn search(
        &self,
        query: &SearchQuery,
        visibility: Visibility,
        offset: u32,
        limit: u32,
    ) -> DomainResult<Vec<(i64, f64)>>;

    /// Every candidate of related news in one call, with what ranking needs
    /// of it: the newest articles of each tag, the newest published matches
    /// of the key words, the newest published articles of the section, each
    /// once, in as few round trips as the backend allows. The article itself
    /// (`sources.article`) comes along too, for its stored term vector.
    fn related_candidates(&self, sources: &CandidateSources) -> DomainResult<Vec<Candidate>>;

    /// `(term_id, articles carrying it)` over every status: document frequencies.
    fn term_frequencies(&self, term_ids: &[i64]) -> DomainResult<Vec<(i64, i64)>>;

    /// Word statistics of a sample of recent published articles.
    fn vocabulary(&self) -> DomainResult<std::sync::Arc<Vocabulary>>;

    /// Up to `limit` articles whose term vector an older recipe than
    /// `recipe` made, newest first, as `(id, title, body_text)`.
    fn stale_vectors(&self, recipe: i32, limit: u32) -> DomainResult<Vec<(i64, String, String)>>;

    /// Stores term vectors made by `recipe`, each only where the stored
    /// one is still older (a write meanwhile made a current one); returns
    /// how many were replaced.
    fn replace_vectors(&self, recipe: i32, vectors: &[(i64, String)]) -> DomainResult<usize>;
}

/// What partners are served from: the change log sync reads, and the
/// public articles in id order for a first sync and for sitemaps.
pub trait SyndicationStore: Send + Sync {
    /// Up to `limit` changes after `after_seq`, in the order they committed.
    fn changes_after(&self, after_seq: i64, limit: u32) -> DomainResult<Vec<Change>>;

    /// The newest change's `seq`, 0 while the log is empty.
    fn last_seq(&self) -> DomainResult<i64>;

    /// Whether the log holds a change with this `seq`.
    fn has_change(&self, seq: i64) -> DomainResult<bool>;

    /// The changes that scheduled an article to go public within
    /// `(after, until]`: a schedule coming due writes nothing by itself.
    fn came_due(&self, after: DateTime<Utc>, until: DateTime<Utc>) -> DomainResult<Vec<Change>>;

    /// Up to `limit` articles public at `now`, in id order after `after_id`.
    fn public_after_id(
        &self,
        after_id: i64,
        limit: u32,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<ArticleRecord>>;

    /// What a sitemap lists of the public articles with ids in
    /// `(after_id, up_to_id]`, in id order: no bodies.
    fn sitemap_entries(
        &self,
        after_id: i64,
        up_to_id: i64,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<SitemapEntry>>;

    /// The non-empty blocks of `block` consecutive ids, with how many public
    /// articles each holds and when the newest of them changed: one
    /// grouped statement, no rows read out.
    fn sitemap_blocks(&self, block: i64, now: DateTime<Utc>) -> DomainResult<Vec<SitemapBlock>>;
}

/// What changed in an article, as the change log records it. Whether a
/// change unpublished the article is read from the article at sync time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ChangeKind {
    Created,
    Updated,
    Corrected,
    Deleted,
}

impl ChangeKind {
    pub fn as_str(self) -> &'static str {
        match self {
            ChangeKind::Created => "created",
            ChangeKind::Updated => "updated",
            ChangeKind::Corrected => "corrected",
            ChangeKind::Deleted => "deleted",
        }
    }

    pub fn parse(s: &str) -> Option<ChangeKind> {
        [
            ChangeKind::Created,
            ChangeKind::Updated,
            ChangeKind::Corrected,
            ChangeKind::Deleted,
        ]
        .into_iter()
        .find(|k| k.as_str() == s)
    }
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Change {
    /// Grows with every change, in commit order.
    pub seq: i64,
    pub article_id: i64,
    /// The slug when the change was made: a deleted article keeps it here.
    pub slug: String,
    pub kind: ChangeKind,
    pub changed_at: DateTime<Utc>,
    /// When the change scheduled the article to go public, if it did.
    pub due_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SitemapBlock {
    /// Ids `(number * block, (number + 1) * block]`.
    pub number: i64,
    pub articles: i64,
    pub last_modified: DateTime<Utc>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SitemapEntry {
    pub id: i64,
    pub slug: String,
    pub canonical_url: Option<String>,
    pub updated_at: DateTime<Utc>,
}

/// Everything about content: the three stores together, for services that
/// need more than one of them.
pub trait ContentStore: ArticleStore + TermStore + DiscoveryStore + EngagementStore {}

impl<T: ArticleStore + TermStore + DiscoveryStore + EngagementStore + ?Sized> ContentStore for T {}

/// The articles a partner's policy allows, as term ids: in one of
/// `sections` (when any are named) and carrying one of `tags` (when any).
/// Under a scope, term lists and counts see only those articles.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleScope {
    pub sections: Vec<i64>,
    pub tags: Vec<i64>,
}

/// A tag, section or author profile to write.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermWrite {
    pub slug: Slug,
    pub name: String,
    pub description: Option<String>,
}

/// An earlier version of an article: the create body that restores it.
#[derive(Debug, Clone, PartialEq)]
pub struct RevisionRecord {
    pub version: i32,
    /// When this version was replaced.
    pub created_at: DateTime<Utc>,
    /// Who replaced it.
    pub created_by: Option<i64>,
    /// JSON of the `ArticleInput` of this version.
    pub snapshot: String,
}

/// Staff accounts and partner keys.
pub trait AccountStore: Send + Sync {
    /// A taken e-mail is a `Conflict`.
    fn create_user(
        &self,
        email: &str,
        password_hash: &str,
        role: Role,
        author_id: Option<i64>,
    ) -> DomainResult<User>;
    /// The user and their password hash.
    fn user_by_email(&self, email: &str) -> DomainResult<Option<(User, String)>>;
    fn user_by_id(&self, id: i64) -> DomainResult<Option<User>>;
    fn list_users(&self) -> DomainResult<Vec<User>>;
    fn count_users(&self) -> DomainResult<i64>;
    /// Applies the change; `None` when there is no such user.
    fn update_user(&self, id: i64, change: &UserChange) -> DomainResult<Option<User>>;
    /// False when there was no such user. Articles and revisions keep their
    /// bylines; only the link to the account goes.
    fn delete_user(&self, id: i64) -> DomainResult<bool>;
    fn create_api_key(
        &self,
        name: &str,
        prefix: &str,
        key_hash: &str,
        rate_limit_per_minute: i32,
        policy: Option<&crate::policy::Policy>,
    ) -> DomainResult<ApiKey>;
    fn api_key_by_hash(&self, key_hash: &str) -> DomainResult<Option<ApiKey>>;
    fn list_api_keys(&self) -> DomainResult<Vec<ApiKey>>;
    /// False when there was no such live key.
    fn revoke_api_key(&self, id: i64) -> DomainResult<bool>;
}

/// A change to a staff account; `None` fields stay as they are.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct UserChange {
    pub role: Option<Role>,
    pub disabled: Option<bool>,
    pub password_hash: Option<String>,
    /// Refuse every token issued before this change.
    pub revoke_tokens: bool,
}

/// What the API holds: every store, behind one trait object, plus the two
/// numbers operations report. Only start-up wiring names the implementation.
pub trait Storage:
    ArticleStore
    + TermStore
    + DiscoveryStore
    + AccountStore
    + SyndicationStore
    + EventStore
    + ClusterStore
    + EngagementStore
{
    /// `sqlite` or `postgresql`.
    fn backend_name(&self) -> &'static str;
    /// Connections the store may hold at once.
    fn pool_size(&self) -> u32;
    /// SQL statements run so far.
    fn statements(&self) -> u64;
    /// Grows with every write through this node: anything rendered at an
    /// older generation may be stale.
    fn generation(&self) -> u64;
    /// Calls `hear` after every write made through this store and, on a
    /// shared database, every write another node announces.
    fn watch(&self, hear: crate::events::Hear);
}

/// Comments and page views.
pub trait EngagementStore {
    /// Stores a comment and, unless it is spam, its `comment.created` event,
    /// in one transaction.
    fn add_comment(&self, comment: &NewComment, slug: &str) -> DomainResult<CommentRecord>;
    fn comment(&self, id: i64) -> DomainResult<Option<CommentRecord>>;
    fn comments_by_id(&self, ids: &[i64]) -> DomainResult<Vec<CommentRecord>>;
    /// An article's comments with this status, oldest first, after `after_id`.
    fn comments_of(
        &self,
        article_id: i64,
        status: CommentStatus,
        after_id: i64,
        limit: u32,
    ) -> DomainResult<Vec<CommentRecord>>;
    /// Every article's comments with this status, oldest first (moderation).
    fn comments_with(
        &self,
        status: CommentStatus,
        after_id: i64,
        limit: u32,
    ) -> DomainResult<Vec<CommentRecord>>;
    fn set_comment_status(
        &self,
        id: i64,
        status: CommentStatus,
        by: Option<i64>,
        at: DateTime<Utc>,
    ) -> DomainResult<Option<CommentRecord>>;
    fn set_comments_closed(&self, article_id: i64, closed: bool) -> DomainResult<()>;
    /// Adds views to minute buckets: `(article, minute, views)`, one batch.
    fn add_views(&self, counts: &[(i64, i64, i64)]) -> DomainResult<()>;
    /// The public articles read most since the minute `since`, with their
    /// views, most first; only `section` when given.
    fn most_read(
        &self,
        since: i64,
        section: Option<i64>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<(i64, i64)>>;
    /// Every view of each article.
    fn view_counts(&self, article_ids: &[i64]) -> DomainResult<Vec<(i64, i64)>>;
    /// Rolls minute buckets before `hours_before` into hours, and hours
    /// before `days_before` into days (both in minutes, aligned).
    fn roll_up_views(&self, hours_before: i64, days_before: i64) -> DomainResult<()>;
}

/// What nodes sharing one database tell each other beyond writes.
pub trait ClusterStore {
    /// Records how many requests this `node` admitted per rate-limit key in
    /// the minute window starting at `window` (Unix seconds), and returns
    /// how many every other node admitted per key in that window.
    fn share_counts(
        &self,
        node: &str,
        window: i64,
        counts: &[(String, i64)],
    ) -> DomainResult<Vec<(String, i64)>>;
}

/// The event outbox and its receivers (see `crate::events`).
pub trait EventStore {
    /// Events after `seq`, in order.
    fn events_after(&self, seq: i64, limit: u32) -> DomainResult<Vec<Event>>;
    /// Writes the `article.published` of every scheduled article whose time
    /// has come and that is still scheduled for that time; returns how many.
    fn fire_due(&self, now: DateTime<Utc>) -> DomainResult<usize>;
    /// The earliest time after `now` at which a scheduled article may come
    /// due: what a cache of lists must not outlive. May be early (a schedule
    /// since moved), never late.
    fn next_due_after(&self, now: DateTime<Utc>) -> DomainResult<Option<DateTime<Utc>>>;
    /// Stores a receiver. A WebSub subscription replaces the one with the
    /// same topic and callback.
    fn add_hook(&self, hook: &NewHook, now: DateTime<Utc>) -> DomainResult<Hook>;
    fn hooks(&self, kind: HookKind) -> DomainResult<Vec<Hook>>;
    fn hook(&self, id: i64) -> DomainResult<Option<Hook>>;
    fn remove_hook(&self, id: i64) -> DomainResult<bool>;
    fn remove_websub(&self, topic: &str, callback: &str) -> DomainResult<bool>;
    /// Newest first, before delivery `before` when given.
    fn deliveries(
        &self,
        hook_id: i64,
        limit: u32,
        before: Option<i64>,
    ) -> DomainResult<Vec<Delivery>>;
    /// Takes up to `limit` due deliveries for this node until `until`;
    /// another node's claim is never taken before it expires.
    fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<(Delivery, Hook, Event)>>;
    fn settle_delivery(&self, id: i64, settlement: &Settlement) -> DomainResult<()>;
    /// Makes a delivery pending again, due now.
    fn redeliver(
        &self,
        hook_id: i64,
        id: i64,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Delivery>>;
    /// Forgets WebSub subscriptions whose lease has ended.
    fn expire_leases(&self, now: DateTime<Utc>) -> DomainResult<usize>;
}

/// Where related-news candidates come from (see `ContentStore::related_candidates`).
#[derive(Debug, Clone)]
pub struct CandidateSources {
    /// Each tag with how many of its newest articles to take.
    pub tags: Vec<(i64, u32)>,
    /// The article the candidates are for.
    pub article: i64,
    /// Stems of the article's key words (`related::key_words`): the newest
    /// `from_text` published articles whose term vectors hold any of them.
    pub key_stems: Vec<String>,
    pub from_text: u32,
    pub section_id: Option<i64>,
    pub from_section: u32,
    pub now: DateTime<Utc>,
    /// The article's own tags and authors: each candidate says which it carries.
    pub own_terms: Vec<i64>,
}

/// A related-news candidate: its summary and which of the article's own
/// tags and authors (`CandidateSources::own_terms`) it carries.
#[derive(Debug, Clone)]
pub struct Candidate {
    pub summary: ArticleSummary,
    pub shared_terms: Vec<i64>,
}
