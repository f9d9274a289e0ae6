//! Comments (submitted by anyone, moderated by editors, shown approved)
//! and most-read lists: the service REST and GraphQL both call.

use chrono::{DateTime, Utc};
use serde::Serialize;

use super::{assemble, find_article, Audience};
use crate::article::ArticleRecord;
use crate::comment::{
    CommentInput, CommentRecord, CommentStatus, CommentView, NewComment, MAX_DEPTH,
};
use crate::error::{DomainError, DomainResult, FieldError};
use crate::paging::{Cursor, Page, PageLimit};
use crate::query::Visibility;
use crate::store::ContentStore;
use crate::term::TermKind;
use crate::user::{Principal, Role};
use crate::views::{MostRead, Window};

/// The article readers may comment on and read comments of: public only.
pub fn public_article(
    store: &(impl ContentStore + ?Sized),
    slug: &str,
    now: DateTime<Utc>,
) -> DomainResult<ArticleRecord> {
    find_article(store, slug, Audience::of(Visibility::Public { now }), now)?
        .ok_or_else(|| DomainError::NotFound(format!("article {slug}")))
}

/// Takes a reader's comment: pending, or spam when it looks like it.
/// `client` identifies the sender to moderators (a hash, not an address).
pub fn submit_comment(
    store: &(impl ContentStore + ?Sized),
    slug: &str,
    input: CommentInput,
    client: &str,
    now: DateTime<Utc>,
) -> DomainResult<CommentView> {
    let article = public_article(store, slug, now)?;
    let checked = input.check()?;
    if article.comments_closed {
        return Err(DomainError::Forbidden(
            "comments on this article are closed".into(),
        ));
    }
    let depth = match checked.parent_id {
        None => 0,
        Some(id) => {
            let parent = store
                .comment(id)?
                .filter(|p| p.article_id == article.id && p.status == CommentStatus::Approved)
                .ok_or_else(|| {
                    DomainError::Invalid(vec![FieldError::new(
                        "parent_id",
                        "no approved comment of this article has that id",
                    )])
                })?;
            if parent.depth + 1 > MAX_DEPTH {
                return Err(DomainError::Invalid(vec![FieldError::new(
                    "parent_id",
                    format!("replies nest {MAX_DEPTH} deep at most"),
                )]));
            }
            parent.depth + 1
        }
    };
    let new = NewComment {
        article_id: article.id,
        parent_id: checked.parent_id,
        depth,
        author_name: checked.author_name,
        author_email: checked.author_email,
        body: checked.body,
        status: if checked.spam {
            CommentStatus::Spam
        } else {
            CommentStatus::Pending
        },
        client: client.to_owned(),
        created_at: now,
    };
    let stored = store.add_comment(&new, &article.slug)?;
    // A spam trap must not tell the sender it sprang.
    let mut view = CommentView::from(stored);
    view.status = CommentStatus::Pending;
    Ok(view)
}

fn after(cursor: Option<&str>) -> DomainResult<i64> {
    cursor
        .filter(|c| !c.trim().is_empty())
        .map(Cursor::parse_id)
        .transpose()
        .map(|a| a.unwrap_or(0))
}

/// An article's approved comments, oldest first, each with its `parent_id`
/// so a front end can thread them.
pub fn comments(
    store: &(impl ContentStore + ?Sized),
    slug: &str,
    limit: PageLimit,
    cursor: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<Page<CommentView>> {
    let article = public_article(store, slug, now)?;
    let rows = store.comments_of(
        article.id,
        CommentStatus::Approved,
        after(cursor)?,
        limit.get() + 1,
    )?;
    Ok(Page::from_overfetch(rows, limit, |c| Cursor::for_id(c.id)).map(CommentView::from))
}

/// A comment as moderators see it: with the e-mail and the article.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ModeratedComment {
    #[serde(flatten)]
    pub comment: CommentView,
    pub author_email: Option<String>,
    pub article_id: String,
}

impl From<CommentRecord> for ModeratedComment {
    fn from(c: CommentRecord) -> ModeratedComment {
        ModeratedComment {
            author_email: c.author_email.clone(),
            article_id: c.article_id.to_string(),
            comment: c.into(),
        }
    }
}

/// The moderation queue (editors): comments with this status, oldest first.
pub fn moderation_queue(
    store: &(impl ContentStore + ?Sized),
    who: &Principal,
    status: CommentStatus,
    limit: PageLimit,
    cursor: Option<&str>,
) -> DomainResult<Page<ModeratedComment>> {
    who.require(Role::Editor)?;
    let rows = store.comments_with(status, after(cursor)?, limit.get() + 1)?;
    Ok(Page::from_overfetch(rows, limit, |c| Cursor::for_id(c.id)).map(ModeratedComment::from))
}

/// Approves, rejects or marks as spam (editors).
pub fn moderate(
    store: &(impl ContentStore + ?Sized),
    who: &Principal,
    id: &str,
    status: CommentStatus,
    now: DateTime<Utc>,
) -> DomainResult<ModeratedComment> {
    let staff = who.require(Role::Editor)?;
    if status == CommentStatus::Pending {
        return Err(DomainError::Invalid(vec![FieldError::new(
            "status",
            "one of approved, rejected, spam",
        )]));
    }
    id.parse::<i64>()
        .ok()
        .map(|id| store.set_comment_status(id, status, Some(staff.user_id), now))
        .transpose()?
        .flatten()
        .map(ModeratedComment::from)
        .ok_or_else(|| DomainError::NotFound("comment".into()))
}

/// Opens or closes an article to new comments (editors).
pub fn set_comments_closed(
    store: &(impl ContentStore + ?Sized),
    who: &Principal,
    slug: &str,
    closed: bool,
) -> DomainResult<()> {
    who.require(Role::Editor)?;
    let article = store
        .article_by_slug(slug)?
        .ok_or_else(|| DomainError::NotFound(format!("article {slug}")))?;
    store.set_comments_closed(article.id, closed)
}

pub const MOST_READ_DEFAULT: u32 = 10;
pub const MOST_READ_MAX: u32 = 50;

/// The public articles read most in `window`, most first, each with its
/// views and the sentence a widget shows.
pub fn most_read(
    store: &(impl ContentStore + ?Sized),
    window: Window,
    section: Option<&str>,
    limit: PageLimit,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Vec<MostRead>> {
    let section_id = match section.filter(|s| !s.trim().is_empty()) {
        Some(slug) => Some(
            store
                .term_by_slug(TermKind::Section, slug.trim())?
                .ok_or_else(|| DomainError::NotFound(format!("section {slug}")))?
                .id,
        ),
        None => None,
    };
    let since = crate::views::minute_of(now) - window.minutes() + 1;
    let ranked = store.most_read(since, section_id, now, limit.get())?;
    let ids: Vec<i64> = ranked.iter().map(|(id, _)| *id).collect();
    let records: Vec<ArticleRecord> = store
        .articles_to_show(&ids)?
        .into_iter()
        .filter(|r| r.is_public_at(now))
        .collect();
    let mut views = assemble(store, records, public_url, now)?;
    Ok(ranked
        .into_iter()
        .filter_map(|(id, n)| {
            let at = views.iter().position(|v| v.id == id.to_string())?;
            Some(MostRead {
                article: views.swap_remove(at),
                views: n,
                reason: window.reason(n),
            })
        })
        .collect())
}
