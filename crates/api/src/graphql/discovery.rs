//! Related news and full-text search over GraphQL: the domain's ranking
//! and paging, mapped to GraphQL types.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Enum, Result, SimpleObject};
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
    Ok(ranked
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
