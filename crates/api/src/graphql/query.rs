//! The GraphQL `Query` root: each field parses its arguments, calls one
//! service and maps the result.

use async_graphql::connection::Connection;
use async_graphql::{Context, Object, Result};
use newsdesk_domain::service::{self, Audience};
use newsdesk_domain::term::TermKind;

use crate::graphql::accounts::{viewer, Viewer};
use crate::graphql::article::{article_connection, Article, ArticleFilterInput};
use crate::graphql::discovery::{
    related_for, search_connection, suggest_for, DraftInput, RelatedArticle, SearchHit, Suggestions,
};
use crate::graphql::terms::{one_term, term_connection, Author, Section, Tag};
use crate::graphql::{gql_error, owned_policy, state, visibility};

#[derive(Default)]
pub struct ContentQuery;

#[Object]
impl ContentQuery {
    /// The signed-in staff member; null without a token.
    async fn viewer(&self, ctx: &Context<'_>) -> Result<Option<Viewer>> {
        viewer(ctx).await
    }

    /// An article by slug (published, or any status for staff); null when
    /// there is none.
    async fn article(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Article>> {
        let visibility = visibility(ctx)?;
        let partner = owned_policy(ctx);
        let now = state(ctx)?.now();
        let found = state(ctx)?
            .run(move |store| {
                let audience = Audience {
                    visibility,
                    policy: partner.as_ref(),
                };
                service::find_article(store, &slug, audience, now)
            })
            .await
            .map_err(gql_error)?;
        Ok(found.map(|record| Article::new(record, now)))
    }

    /// Published articles, newest first. `first` is 1 to 100 (default 20).
    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
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
    #[graphql(complexity = "crate::graphql::related_cost(first, child_complexity)")]
    async fn related_articles(
        &self,
        ctx: &Context<'_>,
        slug: String,
        first: Option<i32>,
    ) -> Result<Vec<RelatedArticle>> {
        related_for(ctx, slug, first).await
    }

    /// Suggestions for an editor's draft (authors and up): published
    /// articles to link from it, existing tags and a section.
    #[graphql(complexity = "crate::graphql::RELATED_COST * 2 + child_complexity")]
    async fn suggest(&self, ctx: &Context<'_>, input: DraftInput) -> Result<Suggestions> {
        suggest_for(ctx, input).await
    }

    /// Full-text search: words, "quoted phrases", -excluded; best first.
    #[graphql(
        complexity = "crate::graphql::SEARCH_COST + crate::graphql::page_cost(first, child_complexity)"
    )]
    async fn search(
        &self,
        ctx: &Context<'_>,
        query: String,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, SearchHit>> {
        search_connection(ctx, query, first, after).await
    }

    async fn tag(&self, ctx: &Context<'_>, slug: String) -> Result<Option<Tag>> {
        Ok(one_term(ctx, TermKind::Tag, slug).await?.map(Tag))
    }

    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
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

    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
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

    #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
    async fn authors(
        &self,
        ctx: &Context<'_>,
        first: Option<i32>,
        after: Option<String>,
    ) -> Result<Connection<String, Author>> {
        term_connection(ctx, TermKind::Author, first, after, Author).await
    }
}
