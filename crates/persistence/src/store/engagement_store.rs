//! `EngagementStore`: comments, and page views in buckets.

use super::syndication_store::serialize_writers;
use super::watch::{announce_purge, article_purge};
use super::{db_err, Store, PUBLISHED};
use crate::conn::DbConn;
use crate::models::{naive, utc};
use crate::schema::{article_changes, articles, comments, page_views};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Timestamp};
use newsdesk_domain::comment::{CommentRecord, CommentStatus, NewComment};
use newsdesk_domain::error::DomainResult;
use newsdesk_domain::events::EventKind;
use newsdesk_domain::store::EngagementStore;

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = comments)]
struct CommentRow {
    id: i64,
    article_id: i64,
    parent_id: Option<i64>,
    depth: i32,
    author_name: String,
    author_email: Option<String>,
    body: String,
    status: String,
    created_at: NaiveDateTime,
}

impl From<CommentRow> for CommentRecord {
    fn from(r: CommentRow) -> CommentRecord {
        CommentRecord {
            id: r.id,
            article_id: r.article_id,
            parent_id: r.parent_id,
            depth: r.depth,
            author_name: r.author_name,
            author_email: r.author_email,
            body: r.body,
            status: CommentStatus::parse(&r.status).unwrap_or(CommentStatus::Pending),
            created_at: utc(r.created_at),
        }
    }
}

/// Writes the comment and, unless it is spam, its event with deliveries.
fn insert_comment(
    conn: &mut DbConn,
    c: &NewComment,
    slug: &str,
) -> Result<CommentRow, DieselError> {
    serialize_writers(conn)?;
    let at = naive(c.created_at);
    let id: i64 = diesel::insert_into(comments::table)
        .values((
            comments::article_id.eq(c.article_id),
            comments::parent_id.eq(c.parent_id),
            comments::depth.eq(c.depth),
            comments::author_name.eq(&c.author_name),
            comments::author_email.eq(&c.author_email),
            comments::body.eq(&c.body),
            comments::status.eq(c.status.as_str()),
            comments::client.eq(&c.client),
            comments::created_at.eq(at),
        ))
        .returning(comments::id)
        .get_result(conn)?;
    if c.status != CommentStatus::Spam {
        let seq: i64 = diesel::insert_into(article_changes::table)
            .values((
                article_changes::article_id.eq(c.article_id),
                article_changes::slug.eq(slug),
                article_changes::kind.eq("updated"),
                article_changes::changed_at.eq(at),
                article_changes::event.eq(EventKind::CommentCreated.as_str()),
                article_changes::comment_id.eq(id),
            ))
            .returning(article_changes::seq)
            .get_result(conn)?;
        super::event_store::enqueue_since(conn, seq - 1, at)?;
    }
    comments::table
        .find(id)
        .select(CommentRow::as_select())
        .first(conn)
}

#[derive(QueryableByName)]
struct Ranked {
    #[diesel(sql_type = BigInt)]
    article_id: i64,
    #[diesel(sql_type = BigInt)]
    views: i64,
}

impl Store {
    /// Comments with this status after `after_id`, oldest first: of one
    /// article, or of all.
    fn comments_where(
        &self,
        article_id: Option<i64>,
        status: CommentStatus,
        after_id: i64,
        limit: u32,
    ) -> DomainResult<Vec<CommentRecord>> {
        let mut conn = self.conn()?;
        let mut query = comments::table
            .filter(comments::status.eq(status.as_str()))
            .filter(comments::id.gt(after_id))
            .order(comments::id)
            .limit(i64::from(limit))
            .into_boxed();
        if let Some(article) = article_id {
            query = query.filter(comments::article_id.eq(article));
        }
        let rows: Vec<CommentRow> = query
            .select(CommentRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}

/// Counts an article's approved comments onto the article.
fn recount(conn: &mut DbConn, article_id: i64) -> Result<(), DieselError> {
    let approved: i64 = comments::table
        .filter(comments::article_id.eq(article_id))
        .filter(comments::status.eq(CommentStatus::Approved.as_str()))
        .count()
        .get_result(conn)?;
    diesel::update(articles::table.find(article_id))
        .set(articles::comment_count.eq(approved))
        .execute(conn)?;
    Ok(())
}

impl EngagementStore for Store {
    fn add_comment(&self, c: &NewComment, slug: &str) -> DomainResult<CommentRecord> {
        let mut conn = self.conn()?;
        let row = conn
            .transaction(|t| insert_comment(t, c, slug))
            .map_err(db_err)?;
        Ok(row.into())
    }

    fn comment(&self, id: i64) -> DomainResult<Option<CommentRecord>> {
        Ok(self.comments_by_id(&[id])?.pop())
    }

    fn comments_by_id(&self, ids: &[i64]) -> DomainResult<Vec<CommentRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<CommentRow> = comments::table
            .filter(comments::id.eq_any(ids))
            .select(CommentRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn comments_of(
        &self,
        article_id: i64,
        status: CommentStatus,
        after_id: i64,
        limit: u32,
    ) -> DomainResult<Vec<CommentRecord>> {
        self.comments_where(Some(article_id), status, after_id, limit)
    }

    fn comments_with(
        &self,
        status: CommentStatus,
        after_id: i64,
        limit: u32,
    ) -> DomainResult<Vec<CommentRecord>> {
        self.comments_where(None, status, after_id, limit)
    }

    fn set_comment_status(
        &self,
        id: i64,
        status: CommentStatus,
        by: Option<i64>,
        at: DateTime<Utc>,
    ) -> DomainResult<Option<CommentRecord>> {
        let mut conn = self.conn()?;
        let moderated = conn
            .transaction::<_, DieselError, _>(|c| {
                let n = diesel::update(comments::table.find(id))
                    .set((
                        comments::status.eq(status.as_str()),
                        comments::moderated_by.eq(by),
                        comments::moderated_at.eq(Some(naive(at))),
                    ))
                    .execute(c)?;
                if n == 0 {
                    return Ok(None);
                }
                let row: CommentRow = comments::table
                    .find(id)
                    .select(CommentRow::as_select())
                    .first(c)?;
                recount(c, row.article_id)?;
                announce_purge(c, &article_purge(row.article_id))?;
                Ok(Some(row))
            })
            .map_err(db_err)?;
        drop(conn);
        // What the public sees of the article changed (its comment count).
        self.written(
            moderated
                .as_ref()
                .map_or_else(Vec::new, |r| article_purge(r.article_id)),
        );
        Ok(moderated.map(Into::into))
    }

    fn set_comments_closed(&self, article_id: i64, closed: bool) -> DomainResult<()> {
        let mut conn = self.conn()?;
        diesel::update(articles::table.find(article_id))
            .set(articles::comments_closed.eq(closed))
            .execute(&mut *conn)
            .map_err(db_err)?;
        let keys = article_purge(article_id);
        announce_purge(&mut conn, &keys).map_err(db_err)?;
        drop(conn);
        self.written(keys);
        Ok(())
    }

    fn add_views(&self, counts: &[(i64, i64, i64)]) -> DomainResult<()> {
        if counts.is_empty() {
            return Ok(());
        }
        let mut conn = self.conn()?;
        conn.transaction::<_, DieselError, _>(|c| {
            for (article, minute, views) in counts {
                add_bucket(c, *article, *minute, 1, *views)?;
            }
            Ok(())
        })
        .map_err(db_err)
    }

    fn most_read(
        &self,
        since: i64,
        section: Option<i64>,
        now: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<(i64, i64)>> {
        let section_sql = match section {
            // An id of ours, a number: written into the text.
            Some(id) => format!("AND a.section_id = {id}"),
            None => String::new(),
        };
        let mut conn = self.conn()?;
        let rows: Vec<Ranked> = diesel::sql_query(format!(
            "SELECT v.article_id, CAST(SUM(v.views) AS BIGINT) AS views \
             FROM page_views v JOIN articles a ON a.id = v.article_id \
             WHERE v.bucket >= $1 AND a.status = '{PUBLISHED}' AND a.sort_at <= $2 {section_sql} \
             GROUP BY v.article_id ORDER BY views DESC, v.article_id DESC LIMIT $3"
        ))
        .bind::<BigInt, _>(since)
        .bind::<Timestamp, _>(naive(now))
        .bind::<BigInt, _>(i64::from(limit))
        .load(&mut *conn)
        .map_err(db_err)?;
        Ok(rows.into_iter().map(|r| (r.article_id, r.views)).collect())
    }

    fn view_counts(&self, article_ids: &[i64]) -> DomainResult<Vec<(i64, i64)>> {
        if article_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Ids of ours, numbers: written into the text.
        let list = article_ids
            .iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ");
        let mut conn = self.conn()?;
        let rows: Vec<Ranked> = diesel::sql_query(format!(
            "SELECT article_id, CAST(SUM(views) AS BIGINT) AS views FROM page_views \
             WHERE article_id IN ({list}) GROUP BY article_id"
        ))
        .load(&mut *conn)
        .map_err(db_err)?;
        Ok(rows.into_iter().map(|r| (r.article_id, r.views)).collect())
    }

    fn roll_up_views(&self, hours_before: i64, days_before: i64) -> DomainResult<()> {
        let mut conn = self.conn()?;
        conn.transaction::<_, DieselError, _>(|c| {
            roll_up(c, 1, 60, hours_before)?;
            roll_up(c, 60, 1440, days_before)
        })
        .map_err(db_err)
    }
}

/// Adds `views` to one bucket.
fn add_bucket(
    conn: &mut DbConn,
    article: i64,
    bucket: i64,
    span: i32,
    views: i64,
) -> Result<(), DieselError> {
    // `ON CONFLICT ... DO UPDATE` is the same on both backends.
    diesel::sql_query(
        "INSERT INTO page_views (article_id, bucket, span, views) VALUES ($1, $2, $3, $4) \
         ON CONFLICT (article_id, bucket, span) DO UPDATE SET views = page_views.views + excluded.views",
    )
    .bind::<BigInt, _>(article)
    .bind::<BigInt, _>(bucket)
    .bind::<diesel::sql_types::Integer, _>(span)
    .bind::<BigInt, _>(views)
    .execute(conn)?;
    Ok(())
}

/// Folds buckets of `from` minutes before `before` into buckets of `to`.
fn roll_up(conn: &mut DbConn, from: i32, to: i64, before: i64) -> Result<(), DieselError> {
    #[derive(QueryableByName)]
    struct Sum {
        #[diesel(sql_type = BigInt)]
        article_id: i64,
        #[diesel(sql_type = BigInt)]
        bucket: i64,
        #[diesel(sql_type = BigInt)]
        views: i64,
    }
    let before = before - before.rem_euclid(to);
    let sums: Vec<Sum> = diesel::sql_query(format!(
        "SELECT article_id, bucket - (bucket % {to}) AS bucket, CAST(SUM(views) AS BIGINT) AS views \
         FROM page_views WHERE span = {from} AND bucket < $1 \
         GROUP BY article_id, bucket - (bucket % {to})"
    ))
    .bind::<BigInt, _>(before)
    .load(conn)?;
    for s in &sums {
        add_bucket(
            conn,
            s.article_id,
            s.bucket,
            i32::try_from(to).unwrap_or(i32::MAX),
            s.views,
        )?;
    }
    diesel::delete(
        page_views::table
            .filter(page_views::span.eq(from))
            .filter(page_views::bucket.lt(before)),
    )
    .execute(conn)?;
    Ok(())
}
