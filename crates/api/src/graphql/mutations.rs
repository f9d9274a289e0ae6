//! GraphQL mutations: the REST writes, through the same editorial services.

use async_graphql::{Context, Enum, InputObject, MaybeUndefined, Object, Result};
use chrono::{DateTime, Utc};
use newsdesk_domain::article::{self, ArticleInput, Image, Source};
use newsdesk_domain::editorial;
use newsdesk_domain::user::Principal;
use serde_json::{Map, Value};

use crate::graphql::article::{Article, ArticleStatus};
use crate::graphql::{gql_error, principal, state};

#[derive(Enum, Copy, Clone, Eq, PartialEq)]
#[graphql(remote = "newsdesk_domain::body::BodyFormat")]
pub enum BodyFormat {
    Markdown,
    Html,
    Text,
}

/// The domain's names, so GraphQL and REST inputs read the same.
fn format_str(f: BodyFormat) -> &'static str {
    newsdesk_domain::body::BodyFormat::from(f).as_str()
}

fn status_str(s: ArticleStatus) -> &'static str {
    newsdesk_domain::ArticleStatus::from(s).as_str()
}

#[derive(InputObject, Clone)]
pub struct ImageInput {
    url: String,
    alt: Option<String>,
    caption: Option<String>,
}

#[derive(InputObject, Clone)]
pub struct SourceInput {
    name: String,
    url: Option<String>,
}

/// The REST create body in camelCase.
#[derive(InputObject)]
pub struct CreateArticleInput {
    title: String,
    slug: Option<String>,
    subtitle: Option<String>,
    excerpt: Option<String>,
    body: Option<String>,
    body_format: Option<BodyFormat>,
    /// Section slug or name; created when missing if the caller is an
    /// editor or admin (authors name existing ones only).
    section: Option<String>,
    /// Tag names or slugs; missing tags are created for editors and admins.
    tags: Option<Vec<String>>,
    /// Author names or slugs; missing profiles are created for editors and admins.
    authors: Option<Vec<String>>,
    status: Option<ArticleStatus>,
    published_at: Option<DateTime<Utc>>,
    image: Option<ImageInput>,
    source: Option<SourceInput>,
    canonical_url: Option<String>,
    language: Option<String>,
}

impl From<CreateArticleInput> for ArticleInput {
    fn from(i: CreateArticleInput) -> Self {
        ArticleInput {
            title: Some(i.title),
            slug: i.slug,
            subtitle: i.subtitle,
            excerpt: i.excerpt,
            body: i.body,
            body_format: i.body_format.map(|f| format_str(f).into()),
            section: i.section,
            tags: i.tags.unwrap_or_default(),
            authors: i.authors.unwrap_or_default(),
            status: i.status.map(|s| status_str(s).into()),
            published_at: i.published_at.map(|t| t.to_rfc3339()),
            image: i.image.map(|i| Image {
                url: i.url,
                alt: i.alt,
                caption: i.caption,
            }),
            source: i.source.map(|s| Source {
                name: s.name,
                url: s.url,
            }),
            canonical_url: i.canonical_url,
            language: i.language,
            ..Default::default()
        }
    }
}

/// Fields to change: omitted ones stay, `null` clears.
#[derive(InputObject, Default)]
pub struct UpdateArticleInput {
    title: MaybeUndefined<String>,
    slug: MaybeUndefined<String>,
    subtitle: MaybeUndefined<String>,
    excerpt: MaybeUndefined<String>,
    body: MaybeUndefined<String>,
    body_format: MaybeUndefined<BodyFormat>,
    section: MaybeUndefined<String>,
    tags: MaybeUndefined<Vec<String>>,
    authors: MaybeUndefined<Vec<String>>,
    status: MaybeUndefined<ArticleStatus>,
    published_at: MaybeUndefined<DateTime<Utc>>,
    image: MaybeUndefined<ImageInput>,
    source: MaybeUndefined<SourceInput>,
    canonical_url: MaybeUndefined<String>,
    language: MaybeUndefined<String>,
}

fn put(m: &mut Map<String, Value>, key: &str, v: MaybeUndefined<Value>) {
    match v {
        MaybeUndefined::Undefined => {}
        MaybeUndefined::Null => {
            m.insert(key.into(), Value::Null);
        }
        MaybeUndefined::Value(v) => {
            m.insert(key.into(), v);
        }
    }
}

impl UpdateArticleInput {
    /// The same JSON merge patch a REST PATCH sends.
    fn into_patch(self) -> Map<String, Value> {
        let mut m = Map::new();
        let s = |v: MaybeUndefined<String>| v.map_value(Value::from);
        put(&mut m, "title", s(self.title));
        put(&mut m, "slug", s(self.slug));
        put(&mut m, "subtitle", s(self.subtitle));
        put(&mut m, "excerpt", s(self.excerpt));
        put(&mut m, "body", s(self.body));
        put(
            &mut m,
            "body_format",
            self.body_format.map_value(|f| Value::from(format_str(f))),
        );
        put(&mut m, "section", s(self.section));
        put(&mut m, "tags", self.tags.map_value(Value::from));
        put(&mut m, "authors", self.authors.map_value(Value::from));
        put(
            &mut m,
            "status",
            self.status.map_value(|st| Value::from(status_str(st))),
        );
        put(
            &mut m,
            "published_at",
            self.published_at.map_value(|t| Value::from(t.to_rfc3339())),
        );
        put(
            &mut m,
            "image",
            self.image.map_value(
                |i| serde_json::json!({"url": i.url, "alt": i.alt, "caption": i.caption}),
            ),
        );
        put(
            &mut m,
            "source",
            self.source
                .map_value(|x| serde_json::json!({"name": x.name, "url": x.url})),
        );
        put(&mut m, "canonical_url", s(self.canonical_url));
        put(&mut m, "language", s(self.language));
        m
    }
}

async fn write_article(
    ctx: &Context<'_>,
    f: impl FnOnce(
            &dyn newsdesk_domain::Storage,
            &Principal,
            &str,
            DateTime<Utc>,
        ) -> newsdesk_domain::error::DomainResult<newsdesk_domain::ArticleRecord>
        + Send
        + 'static,
) -> Result<Article> {
    let state = state(ctx)?;
    let who = principal(ctx);
    let base = state.base_url.clone();
    let now = state.now();
    let record = state
        .run(move |store| f(store, &who, &base, now))
        .await
        .map_err(gql_error)?;
    Ok(Article::new(record, now))
}

#[derive(Default)]
pub struct ArticleMutations;

#[Object]
impl ArticleMutations {
    /// Create an article (author+); drafts by default.
    #[graphql(complexity = "crate::graphql::WRITE_COST + child_complexity")]
    async fn create_article(
        &self,
        ctx: &Context<'_>,
        input: CreateArticleInput,
    ) -> Result<Article> {
        let input = ArticleInput::from(input);
        write_article(ctx, move |store, who, _, now| {
            editorial::create_article(store, who, input, now)
        })
        .await
    }

    /// Change an article. With `expectedVersion`, a stale version fails with
    /// PRECONDITION_FAILED instead of overwriting someone else's edit.
    #[graphql(complexity = "crate::graphql::WRITE_COST + child_complexity")]
    async fn update_article(
        &self,
        ctx: &Context<'_>,
        slug: String,
        input: UpdateArticleInput,
        expected_version: Option<i32>,
    ) -> Result<Article> {
        let patch = input.into_patch();
        write_article(ctx, move |store, who, base, now| {
            let check = |r: &newsdesk_domain::ArticleRecord, _: &newsdesk_domain::ArticleView| {
                expected_version.is_none_or(|v| v == r.version)
            };
            editorial::update_article(store, who, &slug, patch, Some(&check), base, now)
        })
        .await
    }

    /// Publish now, or schedule with a future `publishedAt` (editor+).
    #[graphql(complexity = "crate::graphql::WRITE_COST + child_complexity")]
    async fn publish_article(
        &self,
        ctx: &Context<'_>,
        slug: String,
        published_at: Option<DateTime<Utc>>,
    ) -> Result<Article> {
        let at = published_at.map(article::to_micros);
        write_article(ctx, move |store, who, base, now| {
            editorial::publish_article(store, who, &slug, at, base, now)
        })
        .await
    }

    /// Append a dated correction (editor+): public at once, and a change for
    /// sync and feeds.
    #[graphql(complexity = "crate::graphql::WRITE_COST + child_complexity")]
    async fn add_correction(
        &self,
        ctx: &Context<'_>,
        slug: String,
        text: String,
    ) -> Result<Article> {
        write_article(ctx, move |store, who, _, now| {
            editorial::add_correction(store, who, &slug, Some(&text), now)
        })
        .await
    }

    /// Delete an article (editor+).
    #[graphql(complexity = "crate::graphql::WRITE_COST + child_complexity")]
    async fn delete_article(&self, ctx: &Context<'_>, slug: String) -> Result<bool> {
        let who = principal(ctx);
        state(ctx)?
            .run(move |store| editorial::delete_article(store, &who, &slug))
            .await
            .map_err(gql_error)?;
        Ok(true)
    }
}
