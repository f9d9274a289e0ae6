//! Tags, sections and author profiles over GraphQL: one shape and one set
//! of reads and writes for the three kinds, as REST serves them with one
//! set of handlers.

use async_graphql::connection::{Connection, Edge};
use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::{Context, InputObject, Object, Result};
use newsdesk_domain::editorial::{self, TermInput};
use newsdesk_domain::paging::Cursor;
use newsdesk_domain::query::RawArticleFilter;
use newsdesk_domain::service;
use newsdesk_domain::term::{Term, TermKind};

use crate::graphql::article::{article_connection, Article};
use crate::graphql::loaders::TermCounts;
use crate::graphql::{gql_error, page_limit, policy, principal, state, visibility};

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
            #[graphql(complexity = "crate::graphql::page_cost(first, child_complexity)")]
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

pub(super) async fn term_connection<T: async_graphql::OutputType>(
    ctx: &Context<'_>,
    kind: TermKind,
    first: Option<i32>,
    after: Option<String>,
    wrap: fn(Term) -> T,
) -> Result<Connection<String, T>> {
    let state = state(ctx)?;
    let limit = page_limit(first)?;
    let has_previous = after.is_some();
    let visibility = visibility(ctx)?;
    let partner = policy(ctx).cloned();
    let page = state
        .run(move |store| {
            service::list_terms(
                store,
                kind,
                limit,
                after.as_deref(),
                visibility,
                partner.as_ref(),
            )
        })
        .await
        .map_err(gql_error)?;
    let mut conn = Connection::new(has_previous, page.next_cursor.is_some());
    conn.edges.extend(page.items.into_iter().map(|v| {
        let cursor = Cursor::for_slug(&v.term.slug).as_str().to_owned();
        Edge::new(cursor, wrap(v.term))
    }));
    Ok(conn)
}

pub(super) async fn one_term(
    ctx: &Context<'_>,
    kind: TermKind,
    slug: String,
) -> Result<Option<Term>> {
    let state = state(ctx)?;
    let visibility = visibility(ctx)?;
    let partner = policy(ctx).cloned();
    match state
        .run(move |store| service::term(store, kind, &slug, visibility, partner.as_ref()))
        .await
    {
        Ok(view) => Ok(Some(view.term)),
        Err(e) if e.status == actix_web::http::StatusCode::NOT_FOUND => Ok(None),
        Err(e) => Err(gql_error(e)),
    }
}

/// A tag, section or author profile to write. Authors' `description` is their bio.
#[derive(InputObject, Default)]
pub struct TermInputGql {
    name: Option<String>,
    slug: Option<String>,
    description: Option<String>,
}

impl From<TermInputGql> for TermInput {
    fn from(t: TermInputGql) -> Self {
        TermInput {
            name: t.name,
            slug: t.slug,
            description: t.description,
            bio: None,
        }
    }
}

/// Creates a term, or changes the one at `slug`.
async fn write_term(
    ctx: &Context<'_>,
    kind: TermKind,
    slug: Option<String>,
    input: TermInputGql,
) -> Result<Term> {
    let who = principal(ctx);
    let input = TermInput::from(input);
    state(ctx)?
        .run(move |store| match slug {
            None => editorial::create_term(store, &who, kind, input),
            Some(slug) => editorial::update_term(store, &who, kind, &slug, input),
        })
        .await
        .map_err(gql_error)
}

async fn delete_term(ctx: &Context<'_>, kind: TermKind, slug: String) -> Result<bool> {
    let who = principal(ctx);
    state(ctx)?
        .run(move |store| editorial::delete_term(store, &who, kind, &slug))
        .await
        .map_err(gql_error)?;
    Ok(true)
}

/// The create, update and delete mutations of one kind (editor+).
macro_rules! term_mutations {
    ($name:ident, $ty:ident, $kind:expr, $create:ident, $update:ident, $delete:ident) => {
        #[derive(Default)]
        pub struct $name;

        #[Object]
        impl $name {
            #[graphql(complexity = "crate::graphql::WRITE_COST + child_complexity")]
            async fn $create(&self, ctx: &Context<'_>, input: TermInputGql) -> Result<$ty> {
                write_term(ctx, $kind, None, input).await.map($ty)
            }
            #[graphql(complexity = "crate::graphql::WRITE_COST + child_complexity")]
            async fn $update(
                &self,
                ctx: &Context<'_>,
                slug: String,
                input: TermInputGql,
            ) -> Result<$ty> {
                write_term(ctx, $kind, Some(slug), input).await.map($ty)
            }
            #[graphql(complexity = "crate::graphql::WRITE_COST + child_complexity")]
            async fn $delete(&self, ctx: &Context<'_>, slug: String) -> Result<bool> {
                delete_term(ctx, $kind, slug).await
            }
        }
    };
}

term_mutations!(
    TagMutations,
    Tag,
    TermKind::Tag,
    create_tag,
    update_tag,
    delete_tag
);
term_mutations!(
    SectionMutations,
    Section,
    TermKind::Section,
    create_section,
    update_section,
    delete_section
);
term_mutations!(
    AuthorMutations,
    Author,
    TermKind::Author,
    create_author,
    update_author,
    delete_author
);
