//! `Store`: the pool, migrations, and the `ContentStore` implementation.

use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};

use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::r2d2::{Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sql_types::{Array, BigInt, Bool, Double, Nullable, Text, Timestamp};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use newsdesk_domain::article::{
    export_input, ArticleRecord, ArticleStatus, ArticleSummary, ArticleWrite,
};
use newsdesk_domain::error::{DomainError, DomainResult};
use newsdesk_domain::paging::SlugKey;
use newsdesk_domain::query::{ArticleQuery, Visibility};
use newsdesk_domain::search::SearchQuery;
use newsdesk_domain::store::{
    Candidate, CandidateSources, ContentStore, RevisionRecord, TermWrite,
};
use newsdesk_domain::term::{Term, TermKind, TermName, TermRef};
use newsdesk_domain::text::Vocabulary;

use crate::conn::{Backend, DbConn, DbManager, DbUrl, StatementCounter};
use crate::models::{
    kind_str, naive, parse_kind, utc, ArticleChanges, ArticleRow, NewArticleTerm, NewRevision,
    NewTerm, RevisionRow, TermRow,
};
use crate::schema::{article_revisions, article_terms, article_vectors, articles, terms};

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

const PUBLISHED: &str = "published";

pub struct Store {
    pool: Pool<DbManager>,
    backend: Backend,
    statements: StatementCounter,
    /// Sections by id, cleared on writes; the short life bounds how long
    /// another node serves a renamed section under its old name.
    sections: moka::sync::Cache<i64, Term>,
    /// Published-article counts per term. Counting joins every article of a
    /// popular tag, so counts are kept briefly; any write clears them, and
    /// the short life bounds how late a scheduled article shows in a count.
    public_counts: moka::sync::Cache<(TermKind, i64), i64>,
    /// Articles per term over every status (IDF of tags). Not cleared on
    /// writes, like the vocabulary: IDF moves slowly, and a newsroom saving
    /// every few seconds would otherwise recount its popular tags all day.
    term_df: moka::sync::Cache<i64, i64>,
    /// The number of articles, cleared on writes.
    article_count: moka::sync::Cache<(), i64>,
    /// Word statistics for related news. Rebuilt at most every few minutes:
    /// IDF moves slowly, and rebuilding reads thousands of bodies.
    vocabulary: moka::sync::Cache<(), Arc<Vocabulary>>,
}

/// How many recent articles the vocabulary is estimated from.
const VOCABULARY_SAMPLE: i64 = 1000;
const VOCABULARY_TTL: Duration = Duration::from_secs(600);

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
            sections: moka::sync::Cache::builder()
                .max_capacity(10_000)
                .time_to_live(COUNT_TTL)
                .build(),
            public_counts: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(COUNT_TTL)
                .build(),
            term_df: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_live(VOCABULARY_TTL)
                .build(),
            article_count: moka::sync::Cache::builder()
                .time_to_live(Duration::from_secs(60))
                .build(),
            vocabulary: moka::sync::Cache::builder()
                .time_to_live(VOCABULARY_TTL)
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
            // PostgreSQL's autovacuum keeps statistics; a full ANALYZE on
            // every start would only delay it.
            (Backend::Postgres, false) => return Ok(()),
            // After a bulk import the visibility map is empty, so index-only
            // scans (tag lists, related candidates) visit every heap row
            // until autovacuum gets round to the table: vacuum now.
            (Backend::Postgres, true) => "VACUUM (ANALYZE)",
            (Backend::Sqlite, true) => "ANALYZE",
        };
        diesel::sql_query(sql)
            .execute(&mut *conn)
            .map(|_| ())
            .map_err(db_err)
    }

    /// The newest published articles matching a full-text query, unranked,
    /// so FTS5 can stop after `limit` matches (SQLite; PostgreSQL gathers
    /// candidates in one statement, see `related_candidates`).
    fn sqlite_recent_matching(
        &self,
        query: &SearchQuery,
        limit: u32,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<i64>> {
        let mut conn = self.conn()?;
        let hits: Vec<IdRow> = diesel::sql_query(
            "SELECT a.id AS id FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid \
             WHERE articles_fts MATCH ? AND a.status = 'published' AND a.sort_at <= ? \
             ORDER BY articles_fts.rowid DESC LIMIT ?",
        )
        .bind::<Text, _>(query.fts5())
        .bind::<Timestamp, _>(naive(now))
        .bind::<BigInt, _>(i64::from(limit))
        .load(&mut *conn)
        .map_err(db_err)?;
        Ok(hits.into_iter().map(|h| h.id).collect())
    }

    /// For each `(term, n)`, the newest `n` articles carrying the term (by id).
    fn sqlite_recent_with_terms(
        &self,
        terms: &[(i64, u32)],
        exclude: i64,
    ) -> DomainResult<Vec<i64>> {
        let mut conn = self.conn()?;
        // PostgreSQL answers every tag in one round trip with a lateral join;
        // SQLite is in-process, so one small query per tag costs nothing.
        let mut out = Vec::new();
        for (term_id, n) in terms {
            // Walks the (term_id, article_id) index backwards: cheap even
            // for a tag on half the corpus.
            let rows: Vec<i64> = article_terms::table
                .filter(article_terms::term_id.eq(term_id))
                .filter(article_terms::article_id.ne(exclude))
                .order(article_terms::article_id.desc())
                .limit(i64::from(*n))
                .select(article_terms::article_id)
                .load(&mut *conn)
                .map_err(db_err)?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Candidates without bodies: what ranking needs (SQLite; PostgreSQL
    /// reads them inside `related_candidates`).
    fn sqlite_summaries(&self, ids: &[i64]) -> DomainResult<Vec<ArticleSummary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        let rows: Vec<SummaryRow> = articles::table
            .left_join(article_vectors::table)
            .filter(articles::id.eq_any(ids))
            .select((
                articles::id,
                articles::status,
                articles::section_id,
                articles::published_at,
                articles::created_at,
                article_vectors::term_vector.nullable(),
            ))
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Which of these articles carry which of these terms: `(article_id, term_id)`.
    fn sqlite_shared_terms(
        &self,
        article_ids: &[i64],
        term_ids: &[i64],
    ) -> DomainResult<Vec<(i64, i64)>> {
        if article_ids.is_empty() || term_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        // Filtered on article ids only, which walks the primary key: with a
        // filter on term ids too, SQLite may start from a popular tag's
        // index entries instead and read thousands of rows.
        let rows: Vec<(i64, i64)> = article_terms::table
            .filter(article_terms::article_id.eq_any(article_ids))
            .select((article_terms::article_id, article_terms::term_id))
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .filter(|(_, t)| term_ids.contains(t))
            .collect())
    }

    /// The newest published articles of a section.
    fn sqlite_recent_in_section(
        &self,
        section_id: i64,
        exclude: i64,
        limit: u32,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<i64>> {
        let mut conn = self.conn()?;
        articles::table
            .filter(articles::section_id.eq(section_id))
            .filter(articles::id.ne(exclude))
            .filter(articles::status.eq(PUBLISHED))
            .filter(articles::sort_at.le(naive(now)))
            .order((articles::sort_at.desc(), articles::id.desc()))
            .limit(i64::from(limit))
            .select(articles::id)
            .load(&mut *conn)
            .map_err(db_err)
    }

    pub(crate) fn conn(&self) -> DomainResult<PooledConnection<DbManager>> {
        self.pool
            .get()
            .map_err(|e| DomainError::Unavailable(e.to_string()))
    }
}

pub(crate) fn db_err(e: DieselError) -> DomainError {
    match e {
        DieselError::NotFound => DomainError::NotFound("record".into()),
        // The database's own words name tables and constraints: log them,
        // and tell the client only which value is taken.
        DieselError::DatabaseError(DatabaseErrorKind::UniqueViolation, info) => {
            tracing::debug!(error = info.message(), "unique violation");
            let said = format!(
                "{} {}",
                info.message(),
                info.constraint_name().unwrap_or("")
            );
            DomainError::Conflict(conflict_detail(&said).into())
        }
        DieselError::DatabaseError(DatabaseErrorKind::ClosedConnection, info) => {
            DomainError::Unavailable(info.message().to_owned())
        }
        ref other if is_busy(other) => DomainError::Unavailable(other.to_string()),
        other => DomainError::Internal(other.to_string()),
    }
}

/// What a unique violation is about, from the constraint or column it names
/// (PostgreSQL: `articles_slug_key`; SQLite: `articles.slug`).
fn conflict_detail(said: &str) -> &'static str {
    if said.contains("slug") {
        "the slug is taken"
    } else if said.contains("email") {
        "a user with this e-mail exists"
    } else {
        "it conflicts with an existing record"
    }
}

/// SQLite's "database is locked": another writer holds the lock. A
/// deferred transaction that read first and then wants to write gets it at
/// once, without waiting out the busy timeout.
fn is_busy(e: &DieselError) -> bool {
    matches!(e, DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
        if info.message().contains("database is locked") || info.message().contains("database is busy"))
}

/// Attempts at a write transaction that lost SQLite's write lock.
const WRITE_ATTEMPTS: u32 = 5;

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

#[derive(QueryableByName)]
struct Hit {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Double)]
    score: f64,
}

#[derive(QueryableByName)]
struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// What ranking reads of a candidate, from a query of either kind.
#[derive(Queryable, QueryableByName)]
struct SummaryRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    status: String,
    #[diesel(sql_type = Nullable<BigInt>)]
    section_id: Option<i64>,
    #[diesel(sql_type = Nullable<Timestamp>)]
    published_at: Option<chrono::NaiveDateTime>,
    #[diesel(sql_type = Timestamp)]
    created_at: chrono::NaiveDateTime,
    #[diesel(sql_type = Nullable<Text>)]
    term_vector: Option<String>,
}

impl From<SummaryRow> for ArticleSummary {
    fn from(r: SummaryRow) -> ArticleSummary {
        ArticleSummary {
            id: r.id,
            status: ArticleStatus::parse(&r.status).unwrap_or(ArticleStatus::Draft),
            section_id: r.section_id,
            published_at: r.published_at.map(utc),
            created_at: utc(r.created_at),
            term_vector: r.term_vector.unwrap_or_default(),
        }
    }
}

#[derive(QueryableByName)]
struct CandidateRow {
    #[diesel(embed)]
    summary: SummaryRow,
    #[diesel(sql_type = Array<BigInt>)]
    shared_terms: Vec<i64>,
}

impl From<CandidateRow> for Candidate {
    fn from(r: CandidateRow) -> Candidate {
        Candidate {
            summary: r.summary.into(),
            shared_terms: r.shared_terms,
        }
    }
}

/// How an article write meets existing rows.
#[derive(Clone, Copy)]
enum Target {
    /// Import: replace the article with this slug if there is one.
    Upsert,
    /// Create: a taken slug fails with a unique violation.
    Insert { created_by: Option<i64> },
    /// Update article `id`, only if it is still at `expected_version`.
    Update {
        id: i64,
        expected_version: i32,
        by: Option<i64>,
    },
}

/// Errors inside a write transaction: the database's, or a lost race.
enum TxError {
    Db(DieselError),
    Stale,
}

impl From<DieselError> for TxError {
    fn from(e: DieselError) -> Self {
        TxError::Db(e)
    }
}

impl From<TxError> for DomainError {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Db(e) => db_err(e),
            TxError::Stale => DomainError::PreconditionFailed(
                "the article changed while you were editing it: fetch it again and reapply your change".into(),
            ),
        }
    }
}

/// The article as it stands, as the create body that restores it.
fn snapshot(conn: &mut DbConn, id: i64) -> Result<(i32, String), DieselError> {
    let row: ArticleRow = articles::table
        .find(id)
        .select(ArticleRow::as_select())
        .first(conn)?;
    let terms: Vec<(String, TermRow)> = article_terms::table
        .inner_join(terms::table)
        .filter(article_terms::article_id.eq(id))
        .order(article_terms::position)
        .select((terms::kind, TermRow::as_select()))
        .load(conn)?;
    let section: Option<TermRow> = match row.section_id {
        Some(sid) => terms::table
            .find(sid)
            .select(TermRow::as_select())
            .first(conn)
            .optional()?,
        None => None,
    };
    let (mut tags, mut authors) = (Vec::new(), Vec::new());
    for (kind, t) in terms {
        let t = TermRef::from(&Term::from(t));
        if kind == kind_str(TermKind::Author) {
            authors.push(t);
        } else {
            tags.push(t);
        }
    }
    let section = section.map(|t| TermRef::from(&Term::from(t)));
    let record = ArticleRecord::from(row);
    let input = export_input(&record, section.as_ref(), &authors, &tags);
    let json =
        serde_json::to_string(&input).map_err(|e| DieselError::SerializationError(Box::new(e)))?;
    Ok((record.version, json))
}

fn save_one(cache: &mut TermCache<'_>, w: &ArticleWrite, target: Target) -> Result<i64, TxError> {
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
    let now = cache.now;
    let conn = &mut *cache.conn;
    // Resolve the target into "insert" or "update id at version by".
    let update = match target {
        Target::Insert { .. } => None,
        Target::Update {
            id,
            expected_version,
            by,
        } => Some((id, expected_version, by)),
        Target::Upsert => articles::table
            .filter(articles::slug.eq(w.slug.as_str()))
            .select((articles::id, articles::version))
            .first::<(i64, i32)>(conn)
            .optional()?
            .map(|(id, version)| (id, version, None)),
    };
    let id = match update {
        Some((id, expected_version, by)) => {
            let created_at: chrono::NaiveDateTime = articles::table
                .find(id)
                .select(articles::created_at)
                .first(conn)
                .optional()?
                .ok_or(TxError::Stale)?;
            let (version, json) = snapshot(conn, id)?;
            // An update keeps the creation date and bumps the version, but
            // only if nobody else bumped it first.
            let changes = ArticleChanges::new(w, section_id, utc(created_at));
            let updated = diesel::update(
                articles::table
                    .filter(articles::id.eq(id))
                    .filter(articles::version.eq(expected_version)),
            )
            .set((&changes, articles::version.eq(expected_version + 1)))
            .execute(conn)?;
            if updated == 0 {
                return Err(TxError::Stale);
            }
            diesel::insert_into(article_revisions::table)
                .values(NewRevision {
                    article_id: id,
                    version,
                    snapshot: json,
                    created_at: now,
                    created_by: by,
                })
                .execute(conn)?;
            diesel::delete(article_terms::table.filter(article_terms::article_id.eq(id)))
                .execute(conn)?;
            id
        }
        None => {
            let created_by = match target {
                Target::Insert { created_by } => created_by,
                _ => None,
            };
            let changes = ArticleChanges::new(w, section_id, w.created_at);
            diesel::insert_into(articles::table)
                .values((
                    changes,
                    articles::created_at.eq(naive(w.created_at)),
                    articles::created_by.eq(created_by),
                ))
                .returning(articles::id)
                .get_result(conn)?
        }
    };
    diesel::delete(article_vectors::table.filter(article_vectors::article_id.eq(id)))
        .execute(conn)?;
    diesel::insert_into(article_vectors::table)
        .values((
            article_vectors::article_id.eq(id),
            article_vectors::term_vector.eq(&w.term_vector),
        ))
        .execute(conn)?;
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

impl Store {
    /// Forgets the counts a write may change.
    /// Called after every write (after, so a reader cannot refill a cache
    /// from the state before it).
    fn written(&self) {
        self.sections.invalidate_all();
        self.public_counts.invalidate_all();
        self.article_count.invalidate_all();
    }

    /// Writes articles in one transaction and reads them back.
    fn write(&self, writes: &[(&ArticleWrite, Target)]) -> DomainResult<Vec<ArticleRecord>> {
        let mut conn = self.conn()?;
        let now = naive(newsdesk_domain::article::now());
        let mut attempt = 1;
        let ids = loop {
            let result = conn.transaction::<_, TxError, _>(|c| {
                let mut cache = TermCache {
                    conn: c,
                    ids: HashMap::new(),
                    now,
                };
                writes
                    .iter()
                    .map(|(w, target)| save_one(&mut cache, w, *target))
                    .collect::<Result<Vec<i64>, _>>()
            });
            match result {
                // The whole transaction rolled back: run it again. A stale
                // update then fails its version check and gets 412.
                Err(TxError::Db(ref e)) if is_busy(e) && attempt < WRITE_ATTEMPTS => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(5 * u64::from(attempt)));
                }
                other => {
                    self.written();
                    break other.map_err(DomainError::from)?;
                }
            }
        };
        let rows: Vec<ArticleRow> = articles::table
            .filter(articles::id.eq_any(&ids))
            .select(ArticleRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        let mut by_id: HashMap<i64, ArticleRecord> =
            rows.into_iter().map(|r| (r.id, r.into())).collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    fn one(&self, write: &ArticleWrite, target: Target) -> DomainResult<ArticleRecord> {
        self.write(&[(write, target)])?
            .pop()
            .ok_or_else(|| DomainError::Internal("write returned nothing".into()))
    }

    fn term(&self, kind: TermKind, id: i64) -> DomainResult<Term> {
        let mut conn = self.conn()?;
        terms::table
            .filter(terms::id.eq(id))
            .filter(terms::kind.eq(kind_str(kind)))
            .select(TermRow::as_select())
            .first(&mut *conn)
            .map(Term::from)
            .map_err(db_err)
    }
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
        if let Some(words) = &f.q {
            // The full-text index narrows; the list keeps its own order.
            query = query.filter(match self.backend {
                Backend::Sqlite => diesel::dsl::sql::<Bool>(
                    "articles.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ",
                )
                .bind::<Text, _>(words.fts5())
                .sql(")"),
                Backend::Postgres => diesel::dsl::sql::<Bool>(
                    "articles.search_vector @@ websearch_to_tsquery('english', ",
                )
                .bind::<Text, _>(words.websearch())
                .sql(")"),
            });
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
        // Sections are few and named on every article view: kept in memory.
        let (mut out, missing): (Vec<Term>, Vec<i64>) = if kind == TermKind::Section {
            let mut out = Vec::with_capacity(ids.len());
            let mut missing = Vec::new();
            for id in ids {
                match self.sections.get(id) {
                    Some(t) => out.push(t),
                    None => missing.push(*id),
                }
            }
            (out, missing)
        } else {
            (Vec::new(), ids.to_vec())
        };
        if missing.is_empty() {
            return Ok(out);
        }
        let mut conn = self.conn()?;
        let rows: Vec<TermRow> = terms::table
            .filter(terms::id.eq_any(&missing))
            .filter(terms::kind.eq(kind_str(kind)))
            .select(TermRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        for term in rows.into_iter().map(Term::from) {
            if kind == TermKind::Section {
                self.sections.insert(term.id, term.clone());
            }
            out.push(term);
        }
        Ok(out)
    }

    fn list_terms(
        &self,
        kind: TermKind,
        after: Option<&SlugKey>,
        limit: u32,
        visibility: Visibility,
    ) -> DomainResult<Vec<Term>> {
        let mut conn = self.conn()?;
        let mut query = terms::table
            .filter(terms::kind.eq(kind_str(kind)))
            .select(TermRow::as_select())
            .into_boxed();
        if let Some(SlugKey(slug)) = after {
            query = query.filter(terms::slug.gt(slug.clone()));
        }
        if let Visibility::Public { now } = visibility {
            // Correlated subqueries that diesel's DSL cannot join to the
            // outer table; the SQL is the same on both backends.
            let (any, shown) = match kind {
                TermKind::Section => (
                    "SELECT 1 FROM articles a WHERE a.section_id = terms.id",
                    "SELECT 1 FROM articles a WHERE a.section_id = terms.id \
                     AND a.status = 'published' AND a.sort_at <= ",
                ),
                TermKind::Tag | TermKind::Author => (
                    "SELECT 1 FROM article_terms x WHERE x.term_id = terms.id",
                    "SELECT 1 FROM article_terms x JOIN articles a ON a.id = x.article_id \
                     WHERE x.term_id = terms.id AND a.status = 'published' AND a.sort_at <= ",
                ),
            };
            query = query.filter(
                diesel::dsl::sql::<Bool>(&format!("(NOT EXISTS ({any}) OR EXISTS ({shown}"))
                    .bind::<Timestamp, _>(naive(now))
                    .sql("))"),
            );
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
        let targets: Vec<(&ArticleWrite, Target)> =
            writes.iter().map(|w| (w, Target::Upsert)).collect();
        self.write(&targets)
    }

    fn create_article(
        &self,
        write: &ArticleWrite,
        created_by: Option<i64>,
    ) -> DomainResult<ArticleRecord> {
        self.one(write, Target::Insert { created_by })
    }

    fn update_article(
        &self,
        id: i64,
        expected_version: i32,
        write: &ArticleWrite,
        by: Option<i64>,
    ) -> DomainResult<ArticleRecord> {
        self.one(
            write,
            Target::Update {
                id,
                expected_version,
                by,
            },
        )
    }

    fn delete_article(&self, id: i64) -> DomainResult<()> {
        let mut conn = self.conn()?;
        let deleted = diesel::delete(articles::table.find(id)).execute(&mut *conn);
        self.written();
        deleted.map_err(db_err)?;
        Ok(())
    }

    fn revisions(&self, article_id: i64) -> DomainResult<Vec<RevisionRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<RevisionRow> = article_revisions::table
            .filter(article_revisions::article_id.eq(article_id))
            .order(article_revisions::version.desc())
            .select(RevisionRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn create_term(&self, kind: TermKind, term: &TermWrite) -> DomainResult<Term> {
        let id: i64 = {
            let mut conn = self.conn()?;
            let now = naive(newsdesk_domain::article::now());
            diesel::insert_into(terms::table)
                .values((
                    NewTerm {
                        kind: kind_str(kind),
                        slug: term.slug.as_str(),
                        name: &term.name,
                        created_at: now,
                        updated_at: now,
                    },
                    terms::description.eq(term.description.as_deref()),
                ))
                .returning(terms::id)
                .get_result(&mut *conn)
                .map_err(db_err)?
        };
        self.term(kind, id)
    }

    fn update_term(&self, kind: TermKind, id: i64, term: &TermWrite) -> DomainResult<Term> {
        {
            let mut conn = self.conn()?;
            diesel::update(
                terms::table
                    .filter(terms::id.eq(id))
                    .filter(terms::kind.eq(kind_str(kind))),
            )
            .set((
                terms::slug.eq(term.slug.as_str()),
                terms::name.eq(&term.name),
                terms::description.eq(term.description.as_deref()),
                terms::updated_at.eq(naive(newsdesk_domain::article::now())),
            ))
            .execute(&mut *conn)
            .map_err(db_err)?;
        }
        self.written();
        self.term(kind, id)
    }

    fn delete_term(&self, kind: TermKind, id: i64) -> DomainResult<()> {
        let mut conn = self.conn()?;
        let deleted = diesel::delete(
            terms::table
                .filter(terms::id.eq(id))
                .filter(terms::kind.eq(kind_str(kind))),
        )
        .execute(&mut *conn);
        self.written();
        deleted.map_err(db_err)?;
        Ok(())
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
        if let Some(n) = self.article_count.get(&()) {
            return Ok(n);
        }
        let mut conn = self.conn()?;
        let n: i64 = articles::table
            .count()
            .get_result(&mut *conn)
            .map_err(db_err)?;
        self.article_count.insert((), n);
        Ok(n)
    }

    fn search(
        &self,
        query: &SearchQuery,
        visibility: Visibility,
        offset: u32,
        limit: u32,
    ) -> DomainResult<Vec<(i64, f64)>> {
        let (staff, until) = match visibility {
            Visibility::Public { now } => (false, naive(now)),
            Visibility::Staff => (true, far_future()),
        };
        let mut conn = self.conn()?;
        // Full-text search is where the two engines differ: FTS5 with BM25
        // (negated, so higher is better) and tsvector with ts_rank_cd.
        let hits: Vec<Hit> = match &mut *conn {
            DbConn::Sqlite(c) => diesel::sql_query(
                "SELECT a.id AS id, -bm25(articles_fts, 10.0, 4.0, 2.0, 1.0) AS score \
                 FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid \
                 WHERE articles_fts MATCH ? AND (? OR a.status = 'published') AND a.sort_at <= ? \
                 ORDER BY score DESC, a.id DESC LIMIT ? OFFSET ?",
            )
            .bind::<Text, _>(query.fts5())
            .bind::<Bool, _>(staff)
            .bind::<Timestamp, _>(until)
            .bind::<BigInt, _>(i64::from(limit))
            .bind::<BigInt, _>(i64::from(offset))
            .load(c),
            DbConn::Pg(c) => diesel::sql_query(
                "SELECT a.id AS id, ts_rank_cd(a.search_vector, q, 32)::float8 AS score \
                 FROM articles a, websearch_to_tsquery('english', $1) q \
                 WHERE a.search_vector @@ q AND ($2 OR a.status = 'published') AND a.sort_at <= $3 \
                 ORDER BY score DESC, a.id DESC LIMIT $4 OFFSET $5",
            )
            .bind::<Text, _>(query.websearch())
            .bind::<Bool, _>(staff)
            .bind::<Timestamp, _>(until)
            .bind::<BigInt, _>(i64::from(limit))
            .bind::<BigInt, _>(i64::from(offset))
            .load(c),
        }
        .map_err(db_err)?;
        Ok(hits.into_iter().map(|h| (h.id, h.score)).collect())
    }

    fn articles_by_ids(&self, ids: &[i64]) -> DomainResult<Vec<ArticleRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        let rows: Vec<ArticleRow> = articles::table
            .filter(articles::id.eq_any(ids))
            .select(ArticleRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn related_candidates(&self, sources: &CandidateSources) -> DomainResult<Vec<Candidate>> {
        let mut conn = self.conn()?;
        let DbConn::Pg(c) = &mut *conn else {
            drop(conn);
            // SQLite is in-process: the separate small queries cost nothing.
            let mut ids = self.sqlite_recent_with_terms(&sources.tags, sources.article)?;
            if let Some(q) = &sources.text {
                ids.extend(self.sqlite_recent_matching(q, sources.from_text, sources.now)?);
            }
            if let Some(section) = sources.section_id {
                ids.extend(self.sqlite_recent_in_section(
                    section,
                    sources.article,
                    sources.from_section,
                    sources.now,
                )?);
            }
            ids.push(sources.article);
            ids.sort_unstable();
            ids.dedup();
            let mut shared: HashMap<i64, Vec<i64>> = HashMap::new();
            for (article_id, term_id) in self.sqlite_shared_terms(&ids, &sources.own_terms)? {
                shared.entry(article_id).or_default().push(term_id);
            }
            return Ok(self
                .sqlite_summaries(&ids)?
                .into_iter()
                .map(|summary| Candidate {
                    shared_terms: shared.remove(&summary.id).unwrap_or_default(),
                    summary,
                })
                .collect());
        };
        // PostgreSQL: one call of the function `related_candidates`
        // (migrations/postgres/*_related), planned once per connection.
        let (tag_ids, per_tag): (Vec<i64>, Vec<i64>) = sources
            .tags
            .iter()
            .map(|(id, n)| (*id, i64::from(*n)))
            .unzip();
        let rows: Vec<CandidateRow> = diesel::sql_query(
            "SELECT * FROM related_candidates($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind::<Array<BigInt>, _>(&tag_ids)
        .bind::<BigInt, _>(sources.article)
        .bind::<Array<BigInt>, _>(&per_tag)
        .bind::<Text, _>(
            sources
                .text
                .as_ref()
                .map(|q| q.websearch())
                .unwrap_or_default(),
        )
        .bind::<Timestamp, _>(naive(sources.now))
        .bind::<BigInt, _>(i64::from(sources.from_text))
        .bind::<Nullable<BigInt>, _>(sources.section_id)
        .bind::<BigInt, _>(i64::from(sources.from_section))
        .bind::<Array<BigInt>, _>(&sources.own_terms)
        .load(c)
        .map_err(db_err)?;
        Ok(rows.into_iter().map(Candidate::from).collect())
    }

    fn term_frequencies(&self, term_ids: &[i64]) -> DomainResult<Vec<(i64, i64)>> {
        let missing: Vec<i64> = term_ids
            .iter()
            .copied()
            .filter(|id| !self.term_df.contains_key(id))
            .collect();
        if !missing.is_empty() {
            let mut conn = self.conn()?;
            let rows: Vec<(i64, i64)> = article_terms::table
                .filter(article_terms::term_id.eq_any(&missing))
                .group_by(article_terms::term_id)
                .select((article_terms::term_id, count_star()))
                .load(&mut *conn)
                .map_err(db_err)?;
            let found: HashMap<i64, i64> = rows.into_iter().collect();
            for id in missing {
                self.term_df
                    .insert(id, found.get(&id).copied().unwrap_or(0));
            }
        }
        Ok(term_ids
            .iter()
            .filter_map(|id| self.term_df.get(id).map(|n| (*id, n)))
            .collect())
    }

    fn vocabulary(&self) -> DomainResult<Arc<Vocabulary>> {
        // One build at a time: concurrent requests wait for it rather than
        // each reading the sample.
        self.vocabulary
            .try_get_with((), || {
                let mut conn = self.conn()?;
                let rows: Vec<(String, String)> = articles::table
                    .filter(articles::status.eq(PUBLISHED))
                    .order((articles::sort_at.desc(), articles::id.desc()))
                    .limit(VOCABULARY_SAMPLE)
                    .select((articles::title, articles::body_text))
                    .load(&mut *conn)
                    .map_err(db_err)?;
                let texts: Vec<String> =
                    rows.into_iter().map(|(t, b)| format!("{t}\n{b}")).collect();
                Ok::<_, DomainError>(Arc::new(Vocabulary::from_texts(
                    texts.iter().map(String::as_str),
                )))
            })
            .map_err(|e| match e.as_ref() {
                DomainError::Unavailable(d) => DomainError::Unavailable(d.clone()),
                other => DomainError::Internal(other.to_string()),
            })
    }

    fn ping(&self) -> DomainResult<()> {
        let mut conn = self.conn()?;
        diesel::sql_query("SELECT 1")
            .execute(&mut *conn)
            .map(|_| ())
            .map_err(|e| DomainError::Unavailable(e.to_string()))
    }
}
