//! `SyndicationStore`: the change log partners sync from, and the public
//! articles in id order (a first sync, sitemaps). Also the two helpers
//! every article write calls inside its transaction to keep the log.

use super::{db_err, Store, PUBLISHED};
use crate::conn::DbConn;
use crate::models::{naive, utc, ArticleRow, ChangeRow, NewChange};
use crate::schema::{article_changes, articles};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use newsdesk_domain::article::ArticleRecord;
use newsdesk_domain::error::DomainResult;
use newsdesk_domain::events::EventKind;
use newsdesk_domain::store::{Change, ChangeKind, SitemapBlock, SitemapEntry, SyndicationStore};

/// Makes the writers that log changes take turns until they commit, so the
/// log's order is the order its rows become visible and a partner's token
/// can never be passed by a row committed later. SQLite already has one
/// writer at a time; PostgreSQL takes a transaction-scoped advisory lock.
pub(super) fn serialize_writers(conn: &mut DbConn) -> Result<(), DieselError> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("SELECT pg_advisory_xact_lock(7305001)").execute(c)?;
    }
    super::watch::announce(conn, &newsdesk_domain::events::Signal::Content(Vec::new()))
}

/// What a change row says beyond its article: when, what it means to
/// readers (its event), and when the change makes a scheduled article
/// public, if it does.
pub(super) struct Logged {
    pub(super) kind: ChangeKind,
    pub(super) event: Option<EventKind>,
    pub(super) at: chrono::NaiveDateTime,
    pub(super) due_at: Option<chrono::NaiveDateTime>,
}

/// Writes the change row and, when it is an event, a pending delivery for
/// every receiver that asked for it: both in the caller's transaction.
pub(super) fn log_change(
    conn: &mut DbConn,
    article_id: i64,
    slug: &str,
    change: Logged,
) -> Result<(), DieselError> {
    let seq: i64 = diesel::insert_into(article_changes::table)
        .values(NewChange {
            article_id,
            slug,
            kind: change.kind.as_str(),
            changed_at: change.at,
            due_at: change.due_at,
            event: change.event.map(EventKind::as_str),
        })
        .returning(article_changes::seq)
        .get_result(conn)?;
    if change.event.is_some() {
        super::event_store::enqueue_since(conn, seq - 1, change.at)?;
    }
    Ok(())
}

impl Store {
    /// Where sitemaps read from: on SQLite, the covering index by name, as
    /// its planner does not always pick it; PostgreSQL's does.
    fn sitemap_source(&self) -> &'static str {
        match self.backend {
            crate::conn::Backend::Sqlite => "articles INDEXED BY articles_sitemap",
            crate::conn::Backend::Postgres => "articles",
        }
    }
}

impl SyndicationStore for Store {
    fn changes_after(&self, after_seq: i64, limit: u32) -> DomainResult<Vec<Change>> {
        let mut conn = self.conn()?;
        let rows: Vec<ChangeRow> = article_changes::table
            .filter(article_changes::seq.gt(after_seq))
            .order(article_changes::seq)
            .limit(i64::from(limit))
            .select(ChangeRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .filter_map(ChangeRow::into_change)
            .collect())
    }

    fn last_seq(&self) -> DomainResult<i64> {
        let mut conn = self.conn()?;
        let seq: Option<i64> = article_changes::table
            .select(diesel::dsl::max(article_changes::seq))
            .first(&mut *conn)
            .map_err(db_err)?;
        Ok(seq.unwrap_or(0))
    }

    fn has_change(&self, seq: i64) -> DomainResult<bool> {
        let mut conn = self.conn()?;
        let n: i64 = article_changes::table
            .filter(article_changes::seq.eq(seq))
            .count()
            .get_result(&mut *conn)
            .map_err(db_err)?;
        Ok(n > 0)
    }

    fn came_due(
        &self,
        after: chrono::DateTime<chrono::Utc>,
        until: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<Vec<Change>> {
        let mut conn = self.conn()?;
        let rows: Vec<ChangeRow> = article_changes::table
            .filter(article_changes::due_at.gt(naive(after)))
            .filter(article_changes::due_at.le(naive(until)))
            .order(article_changes::seq)
            .select(ChangeRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .filter_map(ChangeRow::into_change)
            .collect())
    }

    fn public_after_id(
        &self,
        after_id: i64,
        limit: u32,
        now: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<Vec<ArticleRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<ArticleRow> = articles::table
            .filter(articles::id.gt(after_id))
            .filter(articles::status.eq(PUBLISHED))
            .filter(articles::sort_at.le(naive(now)))
            .order(articles::id)
            .limit(i64::from(limit))
            .select(ArticleRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn sitemap_entries(
        &self,
        after_id: i64,
        up_to_id: i64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<Vec<SitemapEntry>> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            id: i64,
            #[diesel(sql_type = diesel::sql_types::Text)]
            slug: String,
            #[diesel(sql_type = diesel::sql_types::Nullable<diesel::sql_types::Text>)]
            canonical_url: Option<String>,
            #[diesel(sql_type = diesel::sql_types::Timestamp)]
            updated_at: chrono::NaiveDateTime,
        }
        let mut conn = self.conn()?;
        // With fresh statistics SQLite may walk the rowid range instead,
        // reading 50,000 wide rows: 170-360 ms for what the index holds in 40.
        let rows: Vec<Row> = diesel::sql_query(format!(
            "SELECT id, slug, canonical_url, updated_at FROM {} \
             WHERE status = 'published' AND id > $1 AND id <= $2 AND sort_at <= $3 ORDER BY id",
            self.sitemap_source()
        ))
        .bind::<diesel::sql_types::BigInt, _>(after_id)
        .bind::<diesel::sql_types::BigInt, _>(up_to_id)
        .bind::<diesel::sql_types::Timestamp, _>(naive(now))
        .load(&mut *conn)
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| SitemapEntry {
                id: r.id,
                slug: r.slug,
                canonical_url: r.canonical_url,
                updated_at: utc(r.updated_at),
            })
            .collect())
    }

    fn sitemap_blocks(
        &self,
        block: i64,
        now: chrono::DateTime<chrono::Utc>,
    ) -> DomainResult<Vec<SitemapBlock>> {
        #[derive(QueryableByName)]
        struct Row {
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            number: i64,
            #[diesel(sql_type = diesel::sql_types::BigInt)]
            articles: i64,
            #[diesel(sql_type = diesel::sql_types::Timestamp)]
            last_modified: chrono::NaiveDateTime,
        }
        let mut conn = self.conn()?;
        // Grouping by an expression is beyond the query builder. SQLite's
        // planner prefers the newest-first index, which leaves it reading
        // every wide row for `updated_at`.
        let from = self.sitemap_source();
        let rows: Vec<Row> = diesel::sql_query(format!(
            "SELECT (id - 1) / $1 AS number, COUNT(*) AS articles, MAX(updated_at) AS last_modified \
             FROM {from} WHERE status = 'published' AND sort_at <= $2 \
             GROUP BY (id - 1) / $1 ORDER BY number"
        ))
        .bind::<diesel::sql_types::BigInt, _>(block)
        .bind::<diesel::sql_types::Timestamp, _>(naive(now))
        .load(&mut *conn)
        .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| SitemapBlock {
                number: r.number,
                articles: r.articles,
                last_modified: utc(r.last_modified),
            })
            .collect())
    }
}
