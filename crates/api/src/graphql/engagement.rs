//! Comments, page views and most-read in GraphQL: `Query.mostRead`, the
//! comment and view mutations, `Article.comments`, and the live
//! `Subscription.mostReadChanged`, over the same services as REST.

use async_graphql::connection::{Connection, Edge};
use async_graphql::{Context, InputObject, Object, Result, SimpleObject, ID};
use chrono::{DateTime, Utc};
use newsdesk_domain::comment::{CommentInput, CommentStatus, CommentView};
use newsdesk_domain::paging::{Cursor, PageLimit};
use newsdesk_domain::service::engagement::{self, MOST_READ_DEFAULT, MOST_READ_MAX};
use newsdesk_domain::views::{MostRead as MostReadView, Window};

use crate::graphql::article::Article;
use crate::graphql::{domain_error, gql_error, page_limit, principal, state};
use crate::state::AppState;

/// A reader's comment. `body` is plain text as written; `bodyHtml` is it
/// escaped, safe to insert.
#[derive(SimpleObject)]
pub struct Comment {
    id: ID,
    parent_id: Option<ID>,
    depth: i32,
    author_name: String,
    body: String,
    body_html: String,
    /// `pending`, `approved`, `rejected` or `spam`.
    status: String,
    created_at: DateTime<Utc>,
}

impl From<CommentView> for Comment {
    fn from(c: CommentView) -> Comment {
        Comment {
            id: ID(c.id),
            parent_id: c.parent_id.map(ID),
            depth: c.depth,
            author_name: c.author_name,
            body: c.body,
            body_html: c.body_html,
            status: c.status.as_str().to_owned(),
            created_at: c.created_at,
        }
    }
}

/// One entry of a most-read list.
#[derive(SimpleObject)]
pub struct MostRead {
    article: Article,
    views: i64,
    /// What a widget can show, e.g. "1,240 views in the last hour".
    reason: String,
}

/// The user agent of the request, for view counting.
pub struct UserAgent(pub String);

/// The caller's address and user agent, as the request carried them.
fn client<'a>(ctx: &Context<'a>) -> (String, &'a str) {
    let ip = ctx
        .data_opt::<crate::auth::ClientAddr>()
        .map_or_else(|| "unknown".to_owned(), |a| a.0.clone());
    let agent = ctx.data_opt::<UserAgent>().map_or("", |u| u.0.as_str());
    (ip, agent)
}

#[derive(InputObject)]
pub struct CommentSubmission {
    author_name: String,
    author_email: Option<String>,
    body: String,
    parent_id: Option<ID>,
    /// Leave empty: forms hide it from people, bots fill it in.
    website: Option<String>,
}

/// An article's approved comments, oldest first, as a connection.
pub(super) async fn comments_of(
    ctx: &Context<'_>,
    slug: String,
    first: Option<i32>,
    after: Option<String>,
) -> Result<Connection<String, Comment>> {
    let state = state(ctx)?;
    let limit = page_limit(first)?;
    let now = state.now();
    let has_previous = after.is_some();
    let page = state
        .run(move |s| engagement::comments(s, &slug, limit, after.as_deref(), now))
        .await
        .map_err(gql_error)?;
    let mut conn = Connection::new(has_previous, page.next_cursor.is_some());
    conn.edges.extend(page.items.into_iter().map(|c| {
        let cursor = Cursor::for_id(c.id.parse().unwrap_or(0))
            .as_str()
            .to_owned();
        Edge::new(cursor, Comment::from(c))
    }));
    Ok(conn)
}

/// Most-read entries as GraphQL types: the cached list, its articles read
/// back by id in one statement.
async fn most_read_entries(state: &AppState, list: &[MostReadView]) -> Result<Vec<MostRead>> {
    let ids: Vec<i64> = list
        .iter()
        .filter_map(|m| m.article.id.parse().ok())
        .collect();
    let records = state
        .run(move |s| s.articles_to_show(&ids))
        .await
        .map_err(gql_error)?;
    let now = state.now();
    Ok(list
        .iter()
        .filter_map(|m| {
            let record = records.iter().find(|r| r.id.to_string() == m.article.id)?;
            Some(MostRead {
                article: Article::new(record.clone(), now),
                views: m.views,
                reason: m.reason.clone(),
            })
        })
        .collect())
}

#[derive(Default)]
pub struct EngagementQuery;

#[Object]
impl EngagementQuery {
    /// The articles read most in `window` (`1h`, `24h` or `7d`), most first.
    /// Computed at most every 10 s.
    async fn most_read(
        &self,
        ctx: &Context<'_>,
        #[graphql(default = "24h")] window: String,
        section: Option<String>,
        first: Option<i32>,
    ) -> Result<Vec<MostRead>> {
        let state = state(ctx)?;
        let window = Window::parse(Some(&window)).map_err(domain_error)?;
        let limit = PageLimit::with_max(first.map(i64::from), MOST_READ_DEFAULT, MOST_READ_MAX)
            .map_err(domain_error)?;
        let ranked = state
            .views
            .most_read(state, window, section, limit)
            .await
            .map_err(gql_error)?;
        most_read_entries(state, &ranked.list).await
    }
}

#[derive(Default)]
pub struct EngagementMutations;

#[Object]
impl EngagementMutations {
    /// Submits a comment; it waits for moderation (`status: pending`).
    async fn submit_comment(
        &self,
        ctx: &Context<'_>,
        slug: String,
        input: CommentSubmission,
    ) -> Result<Comment> {
        let state = state(ctx)?;
        let input = CommentInput {
            author_name: Some(input.author_name),
            author_email: input.author_email,
            body: Some(input.body),
            parent_id: input.parent_id.map(|p| p.0),
            website: input.website,
        };
        let (ip, agent) = client(ctx);
        let view = state
            .views
            .submit_comment(state, slug, input, &ip, agent)
            .await
            .map_err(gql_error)?;
        Ok(view.into())
    }

    /// Approves, rejects or marks a comment as spam (editors).
    async fn moderate_comment(&self, ctx: &Context<'_>, id: ID, status: String) -> Result<Comment> {
        let state = state(ctx)?;
        let who = principal(ctx);
        let status = CommentStatus::parse_field("status", &status).map_err(domain_error)?;
        let now = state.now();
        let done = state
            .run(move |s| engagement::moderate(s, &who, &id, status, now))
            .await
            .map_err(gql_error)?;
        Ok(done.comment.into())
    }

    /// Opens or closes an article to new comments (editors).
    async fn set_comments_closed(
        &self,
        ctx: &Context<'_>,
        slug: String,
        closed: bool,
    ) -> Result<bool> {
        let state = state(ctx)?;
        let who = principal(ctx);
        state
            .run(move |s| engagement::set_comments_closed(s, &who, &slug, closed))
            .await
            .map_err(gql_error)?;
        Ok(closed)
    }

    /// Records one page view; whether it counted (bots and repeats do not).
    async fn record_view(&self, ctx: &Context<'_>, slug: String) -> Result<bool> {
        let state = state(ctx)?;
        let (ip, agent) = client(ctx);
        state
            .views
            .record(state, &slug, &ip, agent)
            .await
            .map_err(gql_error)
    }
}

/// The live most-read list of `window`: now, then each change, at most
/// every 10 s.
pub(super) async fn most_read_changes(
    state: AppState,
    window: Window,
) -> Option<impl futures_util::Stream<Item = Vec<MostRead>>> {
    let rx = state.views.watch(window)?;
    let closing = state.push.closing();
    Some(futures_util::stream::unfold(
        (rx, closing, state, true),
        |(mut rx, mut closing, state, first)| async move {
            if !first {
                tokio::select! {
                    changed = rx.changed() => changed.ok()?,
                    _ = closing.wait_for(|c| *c) => return None,
                }
            }
            let list = rx.borrow_and_update().clone();
            let entries = most_read_entries(&state, &list).await.ok()?;
            Some((entries, (rx, closing, state, false)))
        },
    ))
}
