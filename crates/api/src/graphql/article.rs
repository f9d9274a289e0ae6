//! The GraphQL `Article`: it wraps a domain record, and its relations
//! resolve through the loaders, so a page never queries per row.

use async_graphql::connection::{Connection, Edge};
use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::{Context, Enum, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use newsdesk_domain::article::{self, ArticleRecord};
use newsdesk_domain::paging::Cursor;
use newsdesk_domain::query::{ArticleFilter, ArticleQuery, RawArticleFilter};
use newsdesk_domain::service;
use newsdesk_domain::term::TermKind;

use crate::graphql::discovery::{related_for, RelatedArticle};
use crate::graphql::loaders::{ArticleTerms, Corrections, Sections};
use crate::graphql::terms::{Author, Section, Tag};
use crate::graphql::{
    domain_error, gql_error, owned_policy, page_limit, policy, state, visibility,
};
use newsdesk_domain::body::escape_html;
use newsdesk_domain::policy::ContentScope;

/// A partner whose policy gives excerpts only gets no body.
fn excerpt_only(ctx: &Context<'_>) -> bool {
    policy(ctx).is_some_and(|p| p.content == ContentScope::Excerpt)
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
    async fn body_html(&self, ctx: &Context<'_>) -> String {
        if excerpt_only(ctx) {
            return format!("<p>{}</p>", escape_html(&self.record.excerpt));
        }
        self.record.body_html.clone()
    }
    async fn body_text(&self, ctx: &Context<'_>) -> String {
        if excerpt_only(ctx) {
            return self.record.excerpt.clone();
        }
        self.record.body_text.clone()
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
    #[graphql(complexity = "crate::graphql::related_cost(first, child_complexity)")]
    async fn related(&self, ctx: &Context<'_>, first: Option<i32>) -> Result<Vec<RelatedArticle>> {
        related_for(ctx, self.record.slug.clone(), first).await
    }

    /// Approved comments.
    async fn comment_count(&self) -> i64 {
        self.record.comment_count
    }

    /// An editor closed the article to new comments.
    async fn comments_closed(&self) -> bool {
        self.record.comments_closed
    }

    /// This article as a schema.org `NewsArticle` in JSON-LD, as REST serves
    /// it for `Accept: application/ld+json`: the text a page embeds in its
    /// `<script type="application/ld+json">`. Costs a read: ask for it on
    /// one article, not a list.
    #[graphql(complexity = 5)]
    async fn json_ld(&self, ctx: &Context<'_>) -> Result<String> {
        let state = state(ctx)?;
        let visibility = visibility(ctx)?;
        let partner = owned_policy(ctx);
        let (slug, base, now) = (self.record.slug.clone(), state.base_url.clone(), self.now);
        let view = state
            .run(move |store| {
                let audience = service::Audience {
                    visibility,
                    policy: partner.as_ref(),
                };
                service::article_view(store, &slug, audience, &base, now)
            })
            .await
            .map_err(crate::graphql::gql_error)?;
        let doc = crate::syndication::structured::json_ld(&view, &state.publisher, &state.base_url);
        Ok(doc.to_string())
    }

    /// Every counted page view.
    async fn view_count(&self, ctx: &Context<'_>) -> Result<i64> {
        let loader = ctx.data::<DataLoader<crate::graphql::loaders::ViewCounts, HashMapCache>>()?;
        Ok(loader.load_one(self.record.id).await?.unwrap_or(0))
    }

    /// Approved comments, oldest first; thread them by `parentId`.
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn comments(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, crate::graphql::engagement::Comment>> {
        crate::graphql::engagement::comments_of(ctx, self.record.slug.clone(), first, after).await
    }

    /// Dated corrections appended by editors, oldest first.
    async fn corrections(&self, ctx: &Context<'_>) -> Result<Vec<Correction>> {
        let loader = ctx.data::<DataLoader<Corrections, HashMapCache>>()?;
        let found = loader.load_one(self.record.id).await?.unwrap_or_default();
        Ok(found
            .into_iter()
            .map(|c| Correction {
                text: c.text,
                published_at: c.published_at,
            })
            .collect())
    }
}

/// A page of articles as a Relay connection.
pub(super) async fn article_connection(
    ctx: &Context<'_>,
    filter: RawArticleFilter,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, Article>> {
    let state = state(ctx)?;
    let limit = page_limit(first)?;
    let filter = ArticleFilter::parse(filter).map_err(domain_error)?;
    let node = ctx.look_ahead().field("edges").field("node");
    // The bodies are most of a row: read them only when asked for.
    let lean = !(node.field("bodyHtml").exists() || node.field("bodyText").exists());
    let query = ArticleQuery::new(filter, limit, after.as_deref(), visibility(ctx)?)
        .map_err(domain_error)?
        .lean(lean);
    let has_previous = query.after.is_some();
    let partner = owned_policy(ctx);
    let now = state.now();
    let page = state
        .run(move |store| service::list_articles(store, &query, partner.as_ref(), now))
        .await
        .map_err(gql_error)?;
    let records = page.items;
    prefetch_relations(ctx, &records).await?;
    let mut conn = Connection::new(has_previous, page.next_cursor.is_some());
    conn.edges.extend(records.into_iter().map(|record| {
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
            let sections = service::sections_by_id(store, &section_ids)?;
            Ok((terms, sections))
        })
        .await
        .map_err(gql_error)?;
    ctx.data::<DataLoader<ArticleTerms, HashMapCache>>()?
        .feed_many(terms)
        .await;
    ctx.data::<DataLoader<Sections, HashMapCache>>()?
        .feed_many(sections)
        .await;
    Ok(())
}
