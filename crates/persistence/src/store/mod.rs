//! `Store`: the pool, migrations, caches and shared helpers. The stores
//! the domain defines are implemented a file each: articles, terms,
//! discovery (search and related news), syndication (the change log) and,
//! beside this module, accounts; the write transaction lives in `write`.

mod article_store;
mod cluster_store;
mod discovery_store;
mod engagement_store;
mod event_store;
mod syndication_store;
mod term_store;
mod watch;
mod write;

use crate::conn::{
    is_connection_lost, Backend, DbConn, DbManager, DbUrl, Health, StatementCounter,
};
use crate::models::naive;
use diesel::r2d2::{Pool, PooledConnection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel_migrations::{embed_migrations, EmbeddedMigrations, MigrationHarness};
use newsdesk_domain::article::ArticleSummary;
use newsdesk_domain::error::{DomainError, DomainResult, FieldError};
use newsdesk_domain::query::Visibility;
use newsdesk_domain::store::Storage;
use newsdesk_domain::term::{Term, TermKind};
use newsdesk_domain::text::Vocabulary;
use std::sync::Arc;
use std::time::Duration;

const SQLITE_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/sqlite");
const PG_MIGRATIONS: EmbeddedMigrations = embed_migrations!("../../migrations/postgres");

pub(super) const PUBLISHED: &str = "published";

pub struct Store {
    pool: Pool<DbManager>,
    backend: Backend,
    statements: StatementCounter,
    health: Health,
    /// Terms of every kind by id, cleared on writes; the short life bounds
    /// how long another node serves a renamed term under its old name.
    terms: moka::sync::Cache<i64, (TermKind, Term)>,
    /// Published-article counts per term. Counting joins every article of a
    /// popular tag, so counts are kept briefly; any write clears them, and
    /// the short life bounds how late a scheduled article shows in a count.
    public_counts: moka::sync::Cache<(TermKind, i64), i64>,
    /// Articles per term over every status (IDF of tags). Not cleared on
    /// writes, like the vocabulary: IDF moves slowly, and a newsroom saving
    /// every few seconds would otherwise recount its popular tags all day.
    term_df: moka::sync::Cache<i64, i64>,
    /// Related news' candidates as ranking reads them (status, dates and
    /// term vector, no bodies), cleared on writes (`discovery_store`).
    summaries: moka::sync::Cache<i64, ArticleSummary>,
    /// The number of articles, cleared on writes.
    article_count: moka::sync::Cache<(), i64>,
    /// Bumped by every write through this store, and by every write another
    /// node announces: what was rendered from an older generation is stale.
    generation: Arc<std::sync::atomic::AtomicU64>,
    /// Who hears of writes, and how other nodes do (see `watch`).
    watch: watch::Watch,
    /// Word statistics for related news. Rebuilt at most every few minutes:
    /// IDF moves slowly, and rebuilding reads thousands of bodies.
    vocabulary: moka::sync::Cache<(), Arc<Vocabulary>>,
}

/// How many recent articles the vocabulary is estimated from.
pub(super) const VOCABULARY_SAMPLE: i64 = 1000;
const VOCABULARY_TTL: Duration = Duration::from_secs(600);

const COUNT_TTL: Duration = Duration::from_secs(30);
/// How long a request waits for a connection while the database is failing.
const SUSPECT_WAIT: Duration = Duration::from_millis(250);

impl Store {
    /// Opens a pool on `url`. Fails when the database cannot be reached.
    pub fn open(url: &str, pool_size: u32) -> Result<Store, String> {
        let url = DbUrl::parse(url)?;
        let backend = url.backend;
        let redacted = url.redacted();
        let url_for_pool = url.clone();
        let statements = StatementCounter::default();
        let health = Health::default();
        let pool = Pool::builder()
            .max_size(pool_size.max(1))
            // Every connection open from the start: one opened under load
            // costs a PostgreSQL backend's start-up in a request's time.
            .min_idle(Some(pool_size.max(1)))
            // No `SELECT 1` before every checkout: a connection that broke is
            // dropped when it is returned (`has_broken`), and a request that
            // met it fails with 503 rather than costing every request a round trip.
            .test_on_check_out(false)
            .connection_timeout(Duration::from_secs(5))
            .build(DbManager::new(
                url_for_pool,
                statements.clone(),
                health.clone(),
            ))
            .map_err(|e| format!("cannot open database {redacted}: {e}"))?;
        Ok(Store {
            pool,
            backend,
            statements,
            health: health.clone(),
            terms: moka::sync::Cache::builder()
                .max_capacity(100_000)
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
            // About a kilobyte each: at most some 20 MB.
            summaries: moka::sync::Cache::builder()
                .max_capacity(20_000)
                .time_to_live(COUNT_TTL)
                .build(),
            article_count: moka::sync::Cache::builder()
                .time_to_live(Duration::from_secs(60))
                .build(),
            vocabulary: moka::sync::Cache::builder()
                .time_to_live(VOCABULARY_TTL)
                .build(),
            generation: Arc::default(),
            watch: watch::Watch::new(url.postgres_target(), health),
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
        // Each backend has its own SQL (FTS5 vs tsvector), so its own set.
        let applied = match &mut *conn {
            DbConn::Sqlite(c) => c.run_pending_migrations(SQLITE_MIGRATIONS).map(|v| v.len()),
            DbConn::Pg(c) => c.run_pending_migrations(PG_MIGRATIONS).map(|v| v.len()),
        };
        applied.map_err(|e| format!("migration failed: {e}"))
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
            // A bulk import leaves hundreds of megabytes in the write-ahead
            // log, which every later read consults until a checkpoint: the
            // first sitemap after an import took 180-320 ms instead of 40.
            (Backend::Sqlite, true) => "ANALYZE; PRAGMA wal_checkpoint(TRUNCATE)",
        };
        // Two statements on SQLite: `batch_execute`, not a prepared query.
        diesel::connection::SimpleConnection::batch_execute(&mut *conn, sql).map_err(db_err)
    }

    /// A connection from the pool. For a while after the database failed,
    /// each is tested first (a dead one is dropped and the next tried), and
    /// waiting for one gives up quickly: during an outage a request gets
    /// its 503 at once instead of after the pool's full timeout.
    pub(crate) fn conn(&self) -> DomainResult<PooledConnection<DbManager>> {
        // Only a server can go away and come back: a SQLite file has no
        // connection to lose, and a busy pool there is load, not an outage.
        let server = self.backend == Backend::Postgres;
        let unavailable = |e: diesel::r2d2::PoolError| {
            if server {
                self.health.failed();
            }
            DomainError::Unavailable(e.to_string())
        };
        if !server || !self.health.suspect() {
            return self.pool.get().map_err(unavailable);
        }
        for _ in 0..=self.pool.max_size() {
            let mut conn = self.pool.get_timeout(SUSPECT_WAIT).map_err(unavailable)?;
            if crate::conn::answers(&mut conn) {
                return Ok(conn);
            }
            // Marked lost by its instrument: back in the pool, it is dropped.
        }
        Err(DomainError::Unavailable(
            "no database connection answers".into(),
        ))
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
            DomainError::Taken(taken(&said))
        }
        ref lost if is_connection_lost(lost) => DomainError::Unavailable(lost.to_string()),
        ref other if is_busy(other) => DomainError::Unavailable(other.to_string()),
        ref disk if is_disk_trouble(disk) => {
            // Nothing was written (SQLite rolls the transaction back); the
            // operator has to free space or fix permissions.
            tracing::error!(error = %disk, "the database file cannot be written: disk full, read-only or failing");
            DomainError::Unavailable(disk.to_string())
        }
        other => DomainError::Internal(other.to_string()),
    }
}

/// Which field a unique violation is about, from the constraint or column
/// it names (PostgreSQL: `articles_slug_key`; SQLite: `articles.slug`).
fn taken(said: &str) -> FieldError {
    if said.contains("slug") {
        FieldError::new("slug", "is taken")
    } else if said.contains("email") {
        FieldError::new("email", "a user with this e-mail exists")
    } else {
        FieldError::new("body", "conflicts with an existing record")
    }
}

/// SQLite's "database is locked": another writer holds the lock. A
/// deferred transaction that read first and then wants to write gets it at
/// once, without waiting out the busy timeout.
pub(super) fn is_busy(e: &DieselError) -> bool {
    matches!(e, DieselError::DatabaseError(DatabaseErrorKind::Unknown, info)
        if info.message().contains("database is locked") || info.message().contains("database is busy"))
}

/// SQLite's errors for a file it cannot write: the disk (or the file size
/// limit) is full, the file or its directory is read-only, or I/O failed.
fn is_disk_trouble(e: &DieselError) -> bool {
    matches!(e, DieselError::DatabaseError(_, info) if [
        "database or disk is full",
        "attempt to write a readonly database",
        "disk I/O error",
        "unable to open database file",
    ]
    .iter()
    .any(|m| info.message().contains(m)))
}

/// Attempts at a write transaction that lost SQLite's write lock.
pub(super) const WRITE_ATTEMPTS: u32 = 5;

/// Status list and upper time bound that a visibility allows.
pub(super) fn visible(v: Visibility) -> (Vec<&'static str>, chrono::NaiveDateTime) {
    match v {
        Visibility::Public { now } => (vec![PUBLISHED], naive(now)),
        // Not NaiveDateTime::MAX: SQLite compares timestamps as text, and its
        // six-digit year would sort before every real date.
        Visibility::Staff => (vec!["draft", PUBLISHED, "archived"], far_future()),
    }
}

pub(super) fn far_future() -> chrono::NaiveDateTime {
    chrono::NaiveDate::from_ymd_opt(9999, 12, 31)
        .and_then(|d| d.and_hms_opt(23, 59, 59))
        .unwrap_or_default()
}

impl Storage for Store {
    fn backend_name(&self) -> &'static str {
        self.backend.name()
    }

    fn pool_size(&self) -> u32 {
        self.pool.max_size()
    }

    fn statements(&self) -> u64 {
        Store::statements(self)
    }

    fn generation(&self) -> u64 {
        self.generation.load(std::sync::atomic::Ordering::Acquire)
    }

    fn watch(&self, hear: newsdesk_domain::events::Hear) {
        self.watch_writes(hear);
    }
}

/// What `cache` holds of `ids`, and the ids it lacks (each once).
pub(super) fn recall<V>(
    cache: &moka::sync::Cache<i64, V>,
    ids: &[i64],
) -> (std::collections::HashMap<i64, V>, Vec<i64>)
where
    V: Clone + Send + Sync + 'static,
{
    let mut found = std::collections::HashMap::with_capacity(ids.len());
    let mut missing = Vec::new();
    for id in ids {
        match cache.get(id) {
            Some(v) => {
                found.insert(*id, v);
            }
            None => missing.push(*id),
        }
    }
    missing.sort_unstable();
    missing.dedup();
    (found, missing)
}
