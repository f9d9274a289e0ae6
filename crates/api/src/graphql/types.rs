//! GraphQL object types. They wrap domain records; relations resolve
//! through the loaders, so lists never query per row.

use async_graphql::connection::{Connection, Edge};
use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use newsdesk_domain::article::{self, ArticleRecord};
use newsdesk_domain::paging::Cursor;
use newsdesk_domain::query::{ArticleFilter, ArticleQuery, RawArticleFilter, Visibility};
use newsdesk_domain::term::{Term, TermKind};
use newsdesk_domain::user::Principal;
use newsdesk_domain::{service, PageLimit};

use crate::graphql::loaders::{ArticleTerms, Sections, TermCounts};
use crate::graphql::terms::{one_term, term_connection};
use crate::graphql::{domain_error, gql_error};
use crate::state::AppState;

pub(crate) fn state<'a>(ctx: &Context<'a>) -> Result<&'a AppState> {
    ctx.data::<AppState>()
}

/// Who is calling; anonymous when the request carried nothing.
pub(crate) fn principal(ctx: &Context<'_>) -> Principal {
    ctx.data_opt::<Principal>().copied().unwrap_or_default()
}

pub(crate) fn page_limit(first: Option<i32>) -> Result<PageLimit> {
    PageLimit::with_max(
        first.map(i64::from),
        newsdesk_domain::paging::DEFAULT_LIMIT,
        newsdesk_domain::paging::MAX_LIMIT,
    )
    .map_err(|e| rename_limit(domain_error(e)))
}

/// The domain names the REST parameter `limit`; GraphQL callers passed `first`.
fn rename_limit(e: async_graphql::Error) -> async_graphql::Error {
    async_graphql::Error {
        message: e.message.replace("limit", "first"),
        ..e
    }
}

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "newsdesk_domain::article::ArticleStatus")]
pub enum ArticleStatus {
    Draft,
    Scheduled,
    Published,
    Archived,
}

#[derive(SimpleObject)]
pub struct Image {
    url: String,
    alt: Option<String>,
    caption: Option<String>,
}

#[derive(SimpleObject)]
pub struct Source {
    name: String,
    url: Option<String>,
}

#[derive(SimpleObject)]
pub struct Correction {
    text: String,
    published_at: DateTime<Utc>,
}

/// Filters of `articles`, as in REST.
#[derive(InputObject, Default)]
pub struct ArticleFilterInput {
    /// Tag slug.
    tag: Option<String>,
    /// Section slug.
    section: Option<String>,
    /// Author slug.
    author: Option<String>,
    /// Slug of an article to leave out.
    exclude: Option<String>,
    published_after: Option<DateTime<Utc>>,
    published_before: Option<DateTime<Utc>>,
    /// Only articles matching this full-text query (the syntax of
    /// `search`), still newest first.
    q: Option<String>,
}

impl From<ArticleFilterInput> for RawArticleFilter {
    fn from(f: ArticleFilterInput) -> Self {
        RawArticleFilter {
            tag: f.tag,
            section: f.section,
            author: f.author,
            exclude: f.exclude,
            published_after: f.published_after.map(|t| t.to_rfc3339()),
            published_before: f.published_before.map(|t| t.to_rfc3339()),
            q: f.q,
        }
    }
}

pub struct Article {
    record: ArticleRecord,
    now: DateTime<Utc>,
}

impl Article {
    pub fn new(record: ArticleRecord, now: DateTime<Utc>) -> Article {
        Article { record, now }
    }
}

#[Object]
impl Article {
    /// Grows by one with every update; pass it as `expectedVersion` to
    /// `updateArticle` to refuse overwriting a newer edit.
    async fn version(&self) -> i32 {
        self.record.version
    }
    /// Opaque identifier.
    async fn id(&self) -> ID {
        ID(self.record.id.to_string())
    }
    async fn slug(&self) -> &str {
        &self.record.slug
    }
    async fn title(&self) -> &str {
        &self.record.title
    }
    async fn subtitle(&self) -> Option<&str> {
        self.record.subtitle.as_deref()
    }
    async fn excerpt(&self) -> &str {
        &self.record.excerpt
    }
    /// Sanitised HTML.
    async fn body_html(&self) -> &str {
        &self.record.body_html
    }
    async fn body_text(&self) -> &str {
        &self.record.body_text
    }
    async fn status(&self) -> ArticleStatus {
        self.record.status_at(self.now).into()
    }
    async fn section(&self, ctx: &Context<'_>) -> Result<Option<Section>> {
        let Some(id) = self.record.section_id else {
            return Ok(None);
        };
        let loader = ctx.data::<DataLoader<Sections, HashMapCache>>()?;
        Ok(loader.load_one(id).await?.map(Section))
    }
    async fn authors(&self, ctx: &Context<'_>) -> Result<Vec<Author>> {
        let loader = ctx.data::<DataLoader<ArticleTerms, HashMapCache>>()?;
        let terms = loader.load_one((TermKind::Author, self.record.id)).await?;
        Ok(terms.unwrap_or_default().into_iter().map(Author).collect())
    }
    async fn tags(&self, ctx: &Context<'_>) -> Result<Vec<Tag>> {
        let loader = ctx.data::<DataLoader<ArticleTerms, HashMapCache>>()?;
        let terms = loader.load_one((TermKind::Tag, self.record.id)).await?;
        Ok(terms.unwrap_or_default().into_iter().map(Tag).collect())
    }
    async fn published_at(&self) -> Option<DateTime<Utc>> {
        self.record.published_at
    }
    async fn created_at(&self) -> DateTime<Utc> {
        self.record.created_at
    }
    async fn updated_at(&self) -> DateTime<Utc> {
        self.record.updated_at
    }
    async fn canonical_url(&self, ctx: &Context<'_>) -> Result<String> {
        Ok(match &self.record.canonical_url {
            Some(u) => u.clone(),
            None => article::default_canonical_url(&state(ctx)?.base_url, &self.record.slug),
        })
    }
    async fn image(&self) -> Option<Image> {
        self.record.image.as_ref().map(|i| Image {
            url: i.url.clone(),
            alt: i.alt.clone(),
            caption: i.caption.clone(),
        })
    }
    async fn source(&self) -> Option<Source> {
        self.record.source.as_ref().map(|s| Source {
            name: s.name.clone(),
            url: s.url.clone(),
        })
    }
    async fn language(&self) -> &str {
        &self.record.language
    }
    async fn word_count(&self) -> i32 {
        self.record.word_count
    }
    async fn reading_time_minutes(&self) -> i32 {
        self.record.reading_time_minutes
    }
    /// Related published articles, best first, with the reasons for each.
    /// Costs a ranking per article: ask for it on one article, not a list.
    #[graphql(
        complexity = "crate::graphql::RELATED_COST + first.unwrap_or(5).clamp(1, 20) as usize * child_complexity"
    )]
    async fn related(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<RelatedArticle>> {
        related_for(ctx, self.record.slug.clone(), first).await
    }

    /// Dated corrections appended by editors, oldest first.
    async fn corrections(&self) -> Vec<Correction> {
        Vec::new()
    }
}

/// A page of articles as a Relay connection.
async fn article_connection(
    ctx: &Context<'_>,
    filter: RawArticleFilter,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, Article>> {
    let state = state(ctx)?;
    let limit = page_limit(first)?;
    let filter = ArticleFilter::parse(filter).map_err(domain_error)?;
    let query = ArticleQuery::new(filter, limit, after.as_deref(), principal(ctx).visibility())
        .map_err(domain_error)?;
    let has_previous = query.after.is_some();
    let page = state
        .run(move |store| service::list_articles(store, &query))
        .await
        .map_err(gql_error)?;
    prefetch_relations(ctx, &page.items).await?;
    let now = article::now();
    let mut conn = Connection::new(has_previous, page.next_cursor.is_some());
    conn.edges.extend(page.items.into_iter().map(|record| {
        let cursor = Cursor::for_article(record.key()).as_str().to_owned();
        Edge::new(cursor, Article { record, now })
    }));
    Ok(conn)
}

/// Loads the relations the query selects on a page's nodes, one statement
/// per relation, and primes the loaders with them. Left to the loaders alone,
/// a large page's keys can straddle two batching windows and cost extra
/// statements; priming makes the count fixed.
async fn prefetch_relations(ctx: &Context<'_>, records: &[ArticleRecord]) -> Result<()> {
    let node = ctx.look_ahead().field("edges").field("node");
    let want_terms = node.field("tags").exists() || node.field("authors").exists();
    let section_ids: Vec<i64> = if node.field("section").exists() {
        let mut ids: Vec<i64> = records.iter().filter_map(|r| r.section_id).collect();
        ids.sort_unstable();
        ids.dedup();
        ids
    } else {
        Vec::new()
    };
    if records.is_empty() || (!want_terms && section_ids.is_empty()) {
        return Ok(());
    }
    let article_ids: Vec<i64> = if want_terms {
        records.iter().map(|r| r.id).collect()
    } else {
        Vec::new()
    };
    let (terms, sections) = state(ctx)?
        .run(move |store| {
            let terms = service::terms_by_article(store, &article_ids)?;
            let sections = if section_ids.is_empty() {
                Vec::new()
            } else {
                store.terms_by_id(TermKind::Section, &section_ids)?
            };
            Ok((terms, sections))
        })
        .await
        .map_err(gql_error)?;
    ctx.data::<DataLoader<ArticleTerms, HashMapCache>>()?
        .feed_many(terms)
        .await;
    ctx.data::<DataLoader<Sections, HashMapCache>>()?
        .feed_many(sections.into_iter().map(|t| (t.id, t)))
        .await;
    Ok(())
}

/// A tag, section or author: one shape, three GraphQL types.
macro_rules! term_object {
    ($ty:ident, $kind:expr, $desc:ident, $filter:ident, $doc:literal) => {
        #[doc = $doc]
        pub struct $ty(pub Term);

        #[Object]
        impl $ty {
            async fn slug(&self) -> &str {
                &self.0.slug
            }
            async fn name(&self) -> &str {
                &self.0.name
            }
            async fn $desc(&self) -> Option<&str> {
                self.0.description.as_deref()
            }
            /// Published articles under it.
            async fn article_count(&self, ctx: &Context<'_>) -> Result<i64> {
                let loader = ctx.data::<DataLoader<TermCounts, HashMapCache>>()?;
                Ok(loader.load_one(($kind, self.0.id)).await?.unwrap_or(0))
            }
            /// Its published articles, newest first.
            #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
            async fn articles(
                &self,
                ctx: &Context<'_>,
                first: Option<i32>,
                after: Option<String>,
            ) -> Result<Connection<String, Article>> {
                let filter = RawArticleFilter {
                    $filter: Some(self.0.slug.clone()),
                    ..Default::default()
                };
                article_connection(ctx, filter, first, after).await
            }
        }
    };
}

term_object!(Tag, TermKind::Tag, description, tag, "A tag.");
term_object!(
    Section,
    TermKind::Section,
    description,
    section,
    "A section of the site, such as home-news."
);
term_object!(
    Author,
    TermKind::Author,
    bio,
    author,
    "An author profile. E-mail addresses are never exposed."
);

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "newsdesk_domain::related::ReasonKind")]
pub enum ReasonKind {
    SharedTag,
    SimilarText,
    SameSection,
    SameAuthor,
    Recency,
}

/// Why an article was picked as related.
#[derive(SimpleObject)]
pub struct RelatedReason {
    kind: ReasonKind,
    detail: String,
    /// The part of the score this reason brought (for RECENCY: the factor
    /// the other parts were multiplied by).
    weight: f64,
}

#[derive(SimpleObject)]
pub struct RelatedArticle {
    article: Article,
    /// 0..1.
    score: f64,
    reasons: Vec<RelatedReason>,
}

async fn related_for(
    ctx: &Context<'_>,
    slug: String,
    first: Option<i32>,
) -> Result<Vec<RelatedArticle>> {
    let state = state(ctx)?;
    let limit = newsdesk_domain::related::parse_limit(first.map(|n| n.to_string()).as_deref())
        .map_err(|e| rename_limit(domain_error(e)))?;
    let visibility = principal(ctx).visibility();
    let now = article::now();
    let ranked = state
        .run(move |store| newsdesk_domain::related::related(store, &slug, visibility, limit, now))
        .await
        .map_err(gql_error)?;
    Ok(ranked
        .into_iter()
        .map(|r| RelatedArticle {
            article: Article {
                record: r.record,
                now,
            },
            score: (r.score * 10_000.0).round() / 10_000.0,
            reasons: r
                .reasons
                .into_iter()
                .map(|x| RelatedReason {
                    kind: x.kind.into(),
                    detail: x.detail,
                    weight: x.weight,
                })
                .collect(),
        })
        .collect())
}

/// A search result.
#[derive(SimpleObject)]
pub struct SearchHit {
    article: Article,
    /// 0..1, higher is better; compare within one query.
    score: f64,
    /// Text around the matches, HTML-escaped, matches wrapped in `<mark>`.
    highlight: String,
}

pub struct QueryRoot;

#[Object]
impl QueryRoot {
    /// The signed-in staff member; null without a token.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<crate::graphql::mutations::Viewer>> {
        let Principal::Staff(staff) = principal(ctx) else {
            return Ok(None);
        };
        let user = state(ctx)?
            .run(move |store| {
                newsdesk_domain::store::AccountStore::user_by_id(store, staff.user_id)
            })
            .await
            .map_err(gql_error)?;
        Ok(user.map(|u| crate::graphql::mutations::Viewer {
            id: ID(u.id.to_string()),
            email: u.email,
            role: u.role.as_str().into(),
        }))
    }

    /// An article by slug (published, or any status for staff); null when
    /// there is none.
    async fn article(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Article>> {
        let state = state(ctx)?;
        let now = article::now();
        let visibility = match principal(ctx) {
            Principal::Staff(_) => Visibility::Staff,
            _ => Visibility::Public { now },
        };
        let found = state
            .run(
                move |store| match service::article(store, &slug, visibility) {
                    Ok(r) => Ok(Some(r)),
                    Err(newsdesk_domain::DomainError::NotFound(_)) => Ok(None),
                    Err(e) => Err(e),
                },
            )
            .await
            .map_err(gql_error)?;
        Ok(found.map(|record| Article { record, now }))
    }

    /// Published articles, newest first. `first` is 1 to 100 (default 20).
    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn articles(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
        filter: Option<ArticleFilterInput>,
    ) -> Result<Connection<String, Article>> {
        article_connection(ctx, filter.unwrap_or_default().into(), first, after).await
    }

    /// Related published articles for a slug, best first, each with its reasons.
    #[graphql(
        complexity = "crate::graphql::RELATED_COST + first.unwrap_or(5).clamp(1, 20) as usize * child_complexity"
    )]
    async fn related_articles(
        &self,
        ctx: &Context<'_>,
        slug: String,
        first: Option<i32>,
    ) -> Result<Vec<RelatedArticle>> {
        related_for(ctx, slug, first).await
    }

    /// Full-text search: words, "quoted phrases", -excluded; best first.
    #[graphql(
        complexity = "crate::graphql::SEARCH_COST + first.unwrap_or(20).clamp(1, 100) as usize * child_complexity"
    )]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, SearchHit>> {
        let state = state(ctx)?;
        let limit = page_limit(first)?;
        let visibility = principal(ctx).visibility();
        let has_previous = after.is_some();
        let start = match after.as_deref().filter(|a| !a.is_empty()) {
            Some(a) => Cursor::parse_offset(a).map_err(domain_error)?,
            None => 0,
        };
        let page = state
            .run(move |store| {
                newsdesk_domain::search::search(store, &query, limit, after.as_deref(), visibility)
            })
            .await
            .map_err(gql_error)?;
        let now = article::now();
        let mut conn = Connection::new(has_previous, page.next_cursor.is_some());
        conn.edges.extend(
            page.items
                .into_iter()
                .zip(start + 1..)
                .map(|(h, position)| {
                    Edge::new(
                        Cursor::for_offset(position).as_str().to_owned(),
                        SearchHit {
                            article: Article {
                                record: h.record,
                                now,
                            },
                            score: h.score,
                            highlight: h.highlight,
                        },
                    )
                }),
        );
        Ok(conn)
    }

    async fn tag(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Tag>> {
        Ok(one_term(ctx, TermKind::Tag, slug).await?.map(Tag))
    }

    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn tags(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Tag>> {
        term_connection(ctx, TermKind::Tag, first, after, Tag).await
    }

    async fn section(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Section>> {
        Ok(one_term(ctx, TermKind::Section, slug).await?.map(Section))
    }

    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn sections(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Section>> {
        term_connection(ctx, TermKind::Section, first, after, Section).await
    }

    async fn author(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Author>> {
        Ok(one_term(ctx, TermKind::Author, slug).await?.map(Author))
    }

    #[graphql(complexity = "first.unwrap_or(20).clamp(1, 100) as usize * child_complexity")]
    async fn authors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Author>> {
        term_connection(ctx, TermKind::Author, first, after, Author).await
    }
}
