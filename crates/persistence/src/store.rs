//! `Store`: the pool, migrations, and the `ContentStore` implementation.

use std::collections::HashMap;
use std::time::Duration;

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::r2d2::{Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use newsdesk_domain::article::{ArticleRecord, ArticleWrite};
use newsdesk_domain::error::{DomainError, DomainResult};
use newsdesk_domain::paging::SlugKey;
use newsdesk_domain::query::{ArticleQuery, Visibility};
use newsdesk_domain::store::ContentStore;
use newsdesk_domain::term::{Term, TermKind, TermName};

use crate::conn::{Backend, DbConn, DbManager, DbUrl, StatementCounter};
use crate::models::{
    kind_str, naive, parse_kind, utc, ArticleChanges, ArticleRow, NewArticleTerm, NewTerm, TermRow,
};
use crate::schema::{article_terms, articles, terms};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

const PUBLISHED: &str = "published";

pub struct Store {
    pool: Pool<DbManager>,
    backend: Backend,
    statements: StatementCounter,
    /// Published-article counts per term. Counting joins every article of a
    /// popular tag, so counts are kept briefly; any write clears them, and
    /// the short life bounds how late a scheduled article shows in a count.
    public_counts: moka::sync::Cache<(TermKind, i64), i64>,
}

const COUNT_TTL: Duration = Duration::from_secs(30);

impl Store {
    /// Opens a pool on `url`. Fails when the database cannot be reached.
    pub fn open(url: &str, pool_size: u32) -> Result<Store, String> {
        let url = DbUrl::parse(url)?;
        let backend = url.backend;
        let redacted = url.redacted();
        let statements = StatementCounter::default();
        let pool = Pool::builder()
            .max_size(pool_size.max(1))
            .min_idle(Some(1))
            // No `SELECT 1` before every checkout: a connection that broke is
            // dropped when it is returned (`has_broken`), and a request that
            // met it fails with 503 rather than costing every request a round trip.
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(5))
            .build(DbManager::new(url, statements.clone()))
            .map_err(|e| format!("cannot open database {redacted}: {e}"))?;
        Ok(Store {
            pool,
            backend,
            statements,
            public_counts: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(COUNT_TTL)
                .build(),
        })
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// SQL statements run so far through this store.
    pub fn statements(&self) -> u64 {
        self.statements.get()
    }

    /// Applies pending migrations; returns how many ran.
    pub fn migrate(&self) -> Result<usize, String> {
        let mut conn = self.conn().map_err(|e| e.to_string())?;
        let applied = match &mut *conn {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
            DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
        };
        applied.map_err(|e| format!("migration failed: {e}"))
    }

    /// Counts visible articles per term with one grouped statement.
    fn count_uncached(
        &self,
        kind: TermKind,
        term_ids: &[i64],
        visibility: Visibility,
    ) -> DomainResult<Vec<(i64, i64)>> {
        let mut conn = self.conn()?;
        let (statuses, until) = visible(visibility);
        match kind {
            TermKind::Section => {
                let rows: Vec<(Option<i64>, i64)> = articles::table
                    .filter(articles::section_id.eq_any(term_ids))
                    .filter(articles::status.eq_any(statuses))
                    .filter(articles::sort_at.le(until))
                    .group_by(articles::section_id)
                    .select((articles::section_id, count_star()))
                    .load(&mut *conn)
                    .map_err(db_err)?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(id, n)| id.map(|id| (id, n)))
                    .collect())
            }
            TermKind::Tag | TermKind::Author => article_terms::table
                .inner_join(articles::table)
                .filter(article_terms::term_id.eq_any(term_ids))
                .filter(articles::status.eq_any(statuses))
                .filter(articles::sort_at.le(until))
                .group_by(article_terms::term_id)
                .select((article_terms::term_id, count_star()))
                .load(&mut *conn)
                .map_err(db_err),
        }
    }

    /// Refreshes the planner's statistics. Without them SQLite prefers the
    /// status index for tag and section counts and scans every article; run
    /// after bulk imports (`full`) and, cheaply, on start.
    pub fn optimize(&self, full: bool) -> DomainResult<()> {
        let mut conn = self.conn()?;
        let sql = match (self.backend, full) {
            (Backend::Sqlite, false) => "PRAGMA optimize=0x10002",
            _ => "ANALYZE",
        };
        diesel::sql_query(sql)
            .execute(&mut *conn)
            .map(|_| ())
            .map_err(db_err)
    }

    fn conn(&self) -> DomainResult<PooledConnection<DbManager>> {
        self.pool
            .get()
            .map_err(|e| DomainError::Unavailable(e.to_string()))
    }
}

fn db_err(e: DieselError) -> DomainError {
    match e {
        DieselError::NotFound => DomainError::NotFound("record".into()),
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            DomainError::Conflict(format!("already exists: {}", info.message()))
        }
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
            DomainError::Unavailable(info.message().to_owned())
        }
        other => DomainError::Internal(other.to_string()),
    }
}

/// Status list and upper time bound that a visibility allows.
fn visible(v: Visibility) -> (Vec<&'static str>, chrono::NaiveDateTime) {
    match v {
        Visibility::Public { now } => (vec![PUBLISHED], naive(now)),
        // Not NaiveDateTime::MAX: SQLite compares timestamps as text, and its
        // six-digit year would sort before every real date.
        Visibility::Staff => (vec!["draft", PUBLISHED, "archived"], far_future()),
    }
}

fn far_future() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .unwrap_or_default()
}

/// Finds or creates terms by slug within a transaction, remembering what it
/// has seen so a batch import asks for each tag once.
struct TermCache<'c> {
    conn: &'c mut DbConn,
    ids: HashMap<(TermKind, String), i64>,
    now: chrono::NaiveDateTime,
}

impl TermCache<'_> {
    fn ensure(&mut self, kind: TermKind, t: &TermName) -> Result<i64, DieselError> {
        let key = (kind, t.slug.as_str().to_owned());
        if let Some(id) = self.ids.get(&key) {
            return Ok(*id);
        }
        let found: Option<i64> = terms::table
            .filter(terms::kind.eq(kind_str(kind)))
            .filter(terms::slug.eq(t.slug.as_str()))
            .select(terms::id)
            .first(self.conn)
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => diesel::insert_into(terms::table)
                .values(NewTerm {
                    kind: kind_str(kind),
                    slug: t.slug.as_str(),
                    name: &t.name,
                    created_at: self.now,
                    updated_at: self.now,
                })
                .returning(terms::id)
                .get_result(self.conn)?,
        };
        self.ids.insert(key, id);
        Ok(id)
    }
}

fn save_one(cache: &mut TermCache<'_>, w: &ArticleWrite) -> Result<i64, DieselError> {
    let section_id = w
        .section
        .as_ref()
        .map(|s| cache.ensure(TermKind::Section, s))
        .transpose()?;
    let mut links = Vec::with_capacity(w.tags.len() + w.authors.len());
    for (kind, names) in [(TermKind::Tag, &w.tags), (TermKind::Author, &w.authors)] {
        for (pos, name) in names.iter().enumerate() {
            let term_id = cache.ensure(kind, name)?;
            links.push((term_id, i32::try_from(pos).unwrap_or(i32::MAX)));
        }
    }
    let conn = &mut *cache.conn;
    let existing: Option<(i64, chrono::NaiveDateTime)> = articles::table
        .filter(articles::slug.eq(w.slug.as_str()))
        .select((articles::id, articles::created_at))
        .first(conn)
        .optional()?;
    let id = match existing {
        Some((id, created_at)) => {
            // Re-saving a slug replaces the article but keeps its creation date.
            let changes = ArticleChanges::new(w, section_id, utc(created_at));
            diesel::update(articles::table.find(id))
                .set(&changes)
                .execute(conn)?;
            diesel::delete(article_terms::table.filter(article_terms::article_id.eq(id)))
                .execute(conn)?;
            id
        }
        None => {
            let changes = ArticleChanges::new(w, section_id, w.created_at);
            diesel::insert_into(articles::table)
                .values((changes, articles::created_at.eq(naive(w.created_at))))
                .returning(articles::id)
                .get_result(conn)?
        }
    };
    if !links.is_empty() {
        let rows: Vec<NewArticleTerm> = links
            .into_iter()
            .map(|(term_id, position)| NewArticleTerm {
                article_id: id,
                term_id,
                position,
            })
            .collect();
        // Multi-row inserts are one of the things the connection enum cannot
        // express (SQLite's batch insert is its own query type), hence the arms.
        let insert = diesel::insert_into(article_terms::table).values(&rows);
        match conn {
            DbConn::Sqlite(c) => insert.execute(c)?,
            DbConn::Pg(c) => insert.execute(c)?,
        };
    }
    Ok(id)
}

impl ContentStore for Store {
    fn list_articles(&self, q: &ArticleQuery) -> DomainResult<Vec<ArticleRecord>> {
        let mut conn = self.conn()?;
        let mut query = articles::table.select(ArticleRow::as_select()).into_boxed();
        if let Visibility::Public { now } = q.visibility {
            query = query
                .filter(articles::status.eq(PUBLISHED))
                .filter(articles::sort_at.le(naive(now)));
        }
        let f = &q.filter;
        for (kind, slug) in [(TermKind::Tag, &f.tag), (TermKind::Author, &f.author)] {
            if let Some(slug) = slug {
                query = query.filter(
                    articles::id.eq_any(
                        article_terms::table
                            .inner_join(terms::table)
                            .filter(terms::kind.eq(kind_str(kind)))
                            .filter(terms::slug.eq(slug.clone()))
                            .select(article_terms::article_id),
                    ),
                );
            }
        }
        if let Some(section) = &f.section {
            query = query.filter(
                articles::section_id.eq_any(
                    terms::table
                        .filter(terms::kind.eq(kind_str(TermKind::Section)))
                        .filter(terms::slug.eq(section.clone()))
                        .select(terms::id.nullable()),
                ),
            );
        }
        if let Some(exclude) = &f.exclude {
            query = query.filter(articles::slug.ne(exclude.clone()));
        }
        if let Some(t) = f.published_after {
            query = query.filter(articles::published_at.gt(naive(t)));
        }
        if let Some(t) = f.published_before {
            query = query.filter(articles::published_at.lt(naive(t)));
        }
        if let Some(k) = q.after {
            let at = naive(k.sort_at);
            query = query.filter(
                articles::sort_at
                    .lt(at)
                    .or(articles::sort_at.eq(at).and(articles::id.lt(k.id))),
            );
        }
        let rows: Vec<ArticleRow> = query
            .order((articles::sort_at.desc(), articles::id.desc()))
            .limit(i64::from(q.limit.get()) + 1)
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn article_by_slug(&self, slug: &str) -> DomainResult<Option<ArticleRecord>> {
        let mut conn = self.conn()?;
        articles::table
            .filter(articles::slug.eq(slug))
            .select(ArticleRow::as_select())
            .first(&mut *conn)
            .optional()
            .map(|r| r.map(Into::into))
            .map_err(db_err)
    }

    fn terms_of_articles(&self, article_ids: &[i64]) -> DomainResult<Vec<(i64, TermKind, Term)>> {
        let mut conn = self.conn()?;
        // No filter on `terms.kind`: with one, SQLite's planner starts from
        // the (kind, slug) index and probes every tag; without, it walks
        // article_terms' primary key for just these articles.
        let rows: Vec<(i64, String, TermRow)> = article_terms::table
            .inner_join(terms::table)
            .filter(article_terms::article_id.eq_any(article_ids))
            .order((article_terms::article_id, article_terms::position))
            .select((article_terms::article_id, terms::kind, TermRow::as_select()))
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .filter_map(|(a, kind, t)| parse_kind(&kind).map(|k| (a, k, t.into())))
            .collect())
    }

    fn terms_by_id(&self, kind: TermKind, ids: &[i64]) -> DomainResult<Vec<Term>> {
        let mut conn = self.conn()?;
        let rows: Vec<TermRow> = terms::table
            .filter(terms::id.eq_any(ids))
            .filter(terms::kind.eq(kind_str(kind)))
            .select(TermRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn list_terms(
        &self,
        kind: TermKind,
        after: Option<&SlugKey>,
        limit: u32,
    ) -> DomainResult<Vec<Term>> {
        let mut conn = self.conn()?;
        let mut query = terms::table
            .filter(terms::kind.eq(kind_str(kind)))
            .select(TermRow::as_select())
            .into_boxed();
        if let Some(SlugKey(slug)) = after {
            query = query.filter(terms::slug.gt(slug.clone()));
        }
        let rows: Vec<TermRow> = query
            .order(terms::slug)
            .limit(i64::from(limit) + 1)
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn term_by_slug(&self, kind: TermKind, slug: &str) -> DomainResult<Option<Term>> {
        let mut conn = self.conn()?;
        terms::table
            .filter(terms::kind.eq(kind_str(kind)))
            .filter(terms::slug.eq(slug))
            .select(TermRow::as_select())
            .first(&mut *conn)
            .optional()
            .map(|t| t.map(Into::into))
            .map_err(db_err)
    }

    fn count_articles_by_term(
        &self,
        kind: TermKind,
        term_ids: &[i64],
        visibility: Visibility,
    ) -> DomainResult<Vec<(i64, i64)>> {
        if !matches!(visibility, Visibility::Public { .. }) {
            return self.count_uncached(kind, term_ids, visibility);
        }
        let missing: Vec<i64> = term_ids
            .iter()
            .copied()
            .filter(|id| !self.public_counts.contains_key(&(kind, *id)))
            .collect();
        if !missing.is_empty() {
            let mut found: HashMap<i64, i64> = self
                .count_uncached(kind, &missing, visibility)?
                .into_iter()
                .collect();
            for id in missing {
                self.public_counts
                    .insert((kind, id), found.remove(&id).unwrap_or(0));
            }
        }
        Ok(term_ids
            .iter()
            .filter_map(|id| self.public_counts.get(&(kind, *id)).map(|n| (*id, n)))
            .collect())
    }

    fn save_articles(&self, writes: &[ArticleWrite]) -> DomainResult<Vec<ArticleRecord>> {
        let mut conn = self.conn()?;
        self.public_counts.invalidate_all();
        let now = naive(newsdesk_domain::article::now());
        let ids = conn
            .transaction(|c| {
                let mut cache = TermCache {
                    conn: c,
                    ids: HashMap::new(),
                    now,
                };
                writes
                    .iter()
                    .map(|w| save_one(&mut cache, w))
                    .collect::<Result<Vec<i64>, _>>()
            })
            .map_err(db_err)?;
        let rows: Vec<ArticleRow> = articles::table
            .filter(articles::id.eq_any(&ids))
            .select(ArticleRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        let mut by_id: HashMap<i64, ArticleRecord> =
            rows.into_iter().map(|r| (r.id, r.into())).collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    fn articles_after_id(&self, after_id: i64, limit: u32) -> DomainResult<Vec<ArticleRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<ArticleRow> = articles::table
            .filter(articles::id.gt(after_id))
            .order(articles::id)
            .limit(i64::from(limit))
            .select(ArticleRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn count_articles(&self) -> DomainResult<i64> {
        let mut conn = self.conn()?;
        articles::table
            .count()
            .get_result(&mut *conn)
            .map_err(db_err)
    }

    fn ping(&self) -> DomainResult<()> {
        let mut conn = self.conn()?;
        diesel::sql_query("SELECT 1")
            .execute(&mut *conn)
            .map(|_| ())
            .map_err(|e| DomainError::Unavailable(e.to_string()))
    }
}
