//! Related news and full-text search over GraphQL: the domain's ranking
//! and paging, mapped to GraphQL types.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, InputObject, Result, SimpleObject};
use newsdesk_domain::service::Audience;
use newsdesk_domain::{related, service};

use crate::graphql::article::Article;
use crate::graphql::{
    domain_error, gql_error, owned_policy, page_limit, rename_limit, state, visibility,
};

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
    /// The part of the score this reason brought; the parts add up to it.
    weight: f64,
}

#[derive(SimpleObject)]
pub struct RelatedArticle {
    article: Article,
    /// 0..1.
    score: f64,
    reasons: Vec<RelatedReason>,
}

pub(super) async fn related_for(
    ctx: &Context<'_>,
    slug: String,
    first: Option<i32>,
) -> Result<Vec<RelatedArticle>> {
    let state = state(ctx)?;
    let limit = related::parse_limit(first.map(|n| n.to_string()).as_deref())
        .map_err(|e| rename_limit(domain_error(e)))?;
    let visibility = visibility(ctx)?;
    let partner = owned_policy(ctx);
    let now = state.now();
    let ranked = state
        .run(move |store| {
            let audience = Audience {
                visibility,
                policy: partner.as_ref(),
            };
            service::related(store, &slug, audience, limit, now)
        })
        .await
        .map_err(gql_error)?;
    Ok(related_objects(ranked, now))
}

fn related_objects(
    ranked: Vec<related::Related>,
    now: chrono::DateTime<chrono::Utc>,
) -> Vec<RelatedArticle> {
    ranked
        .into_iter()
        .map(|r| RelatedArticle {
            article: Article::new(r.record, now),
            score: r.score,
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
        .collect()
}

/// A draft's title and body, saved or not.
#[derive(InputObject)]
pub struct DraftInput {
    #[graphql(default)]
    title: String,
    /// Plain text or HTML.
    #[graphql(default)]
    body: String,
    /// The draft's own slug, once saved: it is never suggested to itself.
    slug: Option<String>,
}

/// A tag or section by slug and name.
#[derive(SimpleObject)]
pub struct TermRef {
    slug: String,
    name: String,
}

impl From<newsdesk_domain::term::TermRef> for TermRef {
    fn from(t: newsdesk_domain::term::TermRef) -> Self {
        TermRef {
            slug: t.slug,
            name: t.name,
        }
    }
}

/// An existing tag the draft's nearest articles carry.
#[derive(SimpleObject)]
pub struct TagSuggestion {
    tag: TermRef,
    /// 0..1: the share of the nearest articles' relatedness that carries it,
    /// weighed by how specific the tag is and how like its own articles the
    /// draft reads.
    score: f64,
    /// Slugs of the nearest articles carrying it, closest first.
    evidence: Vec<String>,
}

/// Suggestions for a draft: articles to link, tags, a section.
#[derive(SimpleObject)]
pub struct Suggestions {
    related: Vec<RelatedArticle>,
    tags: Vec<TagSuggestion>,
    section: Option<TermRef>,
}

pub(super) async fn suggest_for(ctx: &Context<'_>, input: DraftInput) -> Result<Suggestions> {
    let state = state(ctx)?;
    let principal = crate::graphql::principal(ctx);
    let now = state.now();
    let draft = service::Draft {
        title: input.title,
        body: input.body,
        slug: input.slug,
    };
    let found = state
        .run(move |store| service::suggest(store, &principal, &draft, now))
        .await
        .map_err(gql_error)?;
    Ok(Suggestions {
        related: related_objects(found.related, now),
        tags: found
            .tags
            .into_iter()
            .map(|t| TagSuggestion {
                tag: t.tag.into(),
                score: t.score,
                evidence: t.evidence,
            })
            .collect(),
        section: found.section.map(Into::into),
    })
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

/// Search results as a Relay connection; each edge's cursor resumes the
/// results right after it.
pub(super) async fn search_connection(
    ctx: &Context<'_>,
    query: String,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, SearchHit>> {
    let state = state(ctx)?;
    let limit = page_limit(first)?;
    let visibility = visibility(ctx)?;
    let partner = owned_policy(ctx);
    let has_previous = after.is_some();
    let now = state.now();
    let page = state
        .run(move |store| {
            let audience = Audience {
                visibility,
                policy: partner.as_ref(),
            };
            service::search(store, Some(&query), limit, after.as_deref(), audience, now)
        })
        .await
        .map_err(gql_error)?;
    let mut conn = Connection::new(has_previous, page.next_cursor.is_some());
    conn.edges.extend(page.items.into_iter().map(|h| {
        Edge::new(
            h.cursor.as_str().to_owned(),
            SearchHit {
                article: Article::new(h.record, now),
                score: h.score,
                highlight: h.highlight,
            },
        )
    }));
    Ok(conn)
}
