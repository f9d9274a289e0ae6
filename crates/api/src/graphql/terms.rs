//! Tags, sections and author profiles as GraphQL reads: the same service
//! calls as REST's `/tags`, `/sections` and `/authors`.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, Result};
use newsdesk_domain::paging::Cursor;
use newsdesk_domain::service;
use newsdesk_domain::term::{Term, TermKind};

use crate::graphql::gql_error;
use crate::graphql::types::{page_limit, principal, state};

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
    let visibility = principal(ctx).visibility();
    let page = state
        .run(move |store| service::list_terms(store, kind, limit, after.as_deref(), visibility))
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
    let visibility = principal(ctx).visibility();
    match state
        .run(move |store| service::term(store, kind, &slug, visibility))
        .await
    {
        Ok(view) => Ok(Some(view.term)),
        Err(e) if e.status == actix_web::http::StatusCode::NOT_FOUND => Ok(None),
        Err(e) => Err(gql_error(e)),
    }
}
