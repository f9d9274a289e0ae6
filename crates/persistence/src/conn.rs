//! One connection type over both backends and an r2d2 manager that picks
//! the backend from the URL scheme (the derive's own `establish` would try
//! each backend in turn, and SQLite accepts any string as a file name).

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use diesel::connection::{Instrumentation, InstrumentationEvent, SimpleConnection};
use diesel::pg::PgConnection;
use diesel::r2d2::{Error as R2d2Error, ManageConnection, R2D2Connection};
use diesel::result::{DatabaseErrorKind, Error as DieselError};
use diesel::sqlite::SqliteConnection;
use diesel::Connection;

#[derive(diesel::MultiConnection)]
pub enum DbConn {
    Sqlite(SqliteConnection),
    Pg(PgConnection),
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

impl Backend {
    pub fn name(self) -> &'static str {
        match self {
            Backend::Sqlite => "sqlite",
            Backend::Postgres => "postgres",
        }
    }
}

/// A database URL, checked: `sqlite://PATH` (or a bare path) or `postgres://...`.
#[derive(Clone, PartialEq, Eq)]
pub struct DbUrl {
    pub backend: Backend,
    /// What the driver gets: a file path for SQLite, the URL for PostgreSQL.
    target: String,
}

impl std::fmt::Debug for DbUrl {
    // PostgreSQL URLs may carry a password: never print them.
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "DbUrl({})", self.redacted())
    }
}

impl DbUrl {
    pub fn parse(url: &str) -> Result<DbUrl, String> {
        let url = url.trim();
        if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            return Ok(DbUrl {
                backend: Backend::Postgres,
                target: url.to_owned(),
            });
        }
        let path = url
            .strip_prefix("sqlite://")
            .or_else(|| url.strip_prefix("sqlite:"))
            .unwrap_or(url);
        if path.is_empty() || path.contains("://") {
            return Err(format!(
                "unsupported database URL {url:?}: use sqlite://PATH or postgres://..."
            ));
        }
        Ok(DbUrl {
            backend: Backend::Sqlite,
            target: path.to_owned(),
        })
    }

    /// The PostgreSQL URL, for a connection of its own (LISTEN).
    pub fn postgres_target(&self) -> Option<&str> {
        (self.backend == Backend::Postgres).then_some(self.target.as_str())
    }

    pub fn redacted(&self) -> String {
        match self.backend {
            Backend::Sqlite => format!("sqlite://{}", self.target),
            Backend::Postgres => match (self.target.find("://"), self.target.rfind('@')) {
                (Some(s), Some(at)) if at > s => {
                    format!("{}***{}", &self.target[..s + 3], &self.target[at..])
                }
                _ => self.target.clone(),
            },
        }
    }
}

/// Counts SQL statements, for `/metrics` and for tests that prove a page
/// costs a constant number of queries.
#[derive(Clone, Default)]
pub struct StatementCounter(Arc<AtomicU64>);

impl StatementCounter {
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// How long after the database last failed connections stay suspect.
const SUSPECT_FOR: Duration = Duration::from_secs(30);

/// When the database last failed: a connection lost, or none to be had.
/// While that is recent, every connection is tested before use, so one that
/// died with the server is dropped instead of failing a request (after a
/// PostgreSQL restart every idle connection in the pool is dead, and
/// nothing else would notice until each had failed a request).
#[derive(Clone)]
pub struct Health {
    start: Instant,
    /// Milliseconds since `start` until which connections are suspect.
    suspect_until: Arc<AtomicU64>,
}

impl Default for Health {
    fn default() -> Self {
        Health {
            start: Instant::now(),
            suspect_until: Arc::default(),
        }
    }
}

impl Health {
    pub fn failed(&self) {
        let until = (self.start.elapsed() + SUSPECT_FOR).as_millis() as u64;
        self.suspect_until.fetch_max(until, Ordering::Relaxed);
    }

    pub fn suspect(&self) -> bool {
        (self.start.elapsed().as_millis() as u64) < self.suspect_until.load(Ordering::Relaxed)
    }
}

/// Whether an error means the connection itself is gone (the server shut
/// down, restarted or cannot be reached), not that the statement failed.
pub fn is_connection_lost(e: &DieselError) -> bool {
    match e {
        DieselError::DatabaseError(
            DatabaseErrorKind::ClosedConnection | DatabaseErrorKind::UnableToSendCommand,
            _,
        ) => true,
        DieselError::DatabaseError(_, info) => {
            let said = info.message();
            // 57P01-57P03: the server is shutting down or not accepting
            // connections; libpq's own words for a socket that went away.
            [
                "terminating connection",
                "server closed the connection",
                "no connection to the server",
                "could not receive data",
                "could not send data",
                "the database system is",
            ]
            .iter()
            .any(|m| said.contains(m))
        }
        _ => false,
    }
}

/// Counts statements and notices a connection that was lost, so the pool
/// drops it (`has_broken`) instead of handing it to the next request.
struct Instrument {
    counter: StatementCounter,
    health: Health,
    lost: bool,
    /// Set while the pool tests the connection: that `SELECT 1` is not a
    /// statement any request ran, and the counts tests assert leave it out.
    quiet: bool,
}

impl Instrumentation for Instrument {
    fn on_connection_event(&mut self, event: InstrumentationEvent<'_>) {
        match event {
            InstrumentationEvent::StartQuery { .. } if !self.quiet => {
                self.counter.0.fetch_add(1, Ordering::Relaxed);
            }
            InstrumentationEvent::FinishQuery { error: Some(e), .. } if is_connection_lost(e) => {
                self.lost = true;
                self.health.failed();
            }
            _ => {}
        }
    }
}

pub struct DbManager {
    url: DbUrl,
    counter: StatementCounter,
    health: Health,
}

impl DbManager {
    pub fn new(url: DbUrl, counter: StatementCounter, health: Health) -> Self {
        Self {
            url,
            counter,
            health,
        }
    }
}

impl ManageConnection for DbManager {
    type Connection = DbConn;
    type Error = R2d2Error;

    fn connect(&self) -> Result<DbConn, R2d2Error> {
        let mut conn = match self.url.backend {
            Backend::Sqlite => {
                let mut c = SqliteConnection::establish(&self.url.target)
                    .map_err(R2d2Error::ConnectionError)?;
                // WAL lets readers run beside the one writer; the busy timeout
                // makes a second writer wait instead of failing at once.
                // Reads dominate: memory-map the file (no read syscalls, one
                // copy in the OS page cache shared by every connection). Pages
                // read through the map skip SQLite's own cache, so each
                // connection keeps a small one (2 MB) for what it writes and
                // sorts: 16 MB per connection held 90 MB of anonymous memory
                // at 100k articles.
                // The busy timeout first: the pool opens its connections at
                // once, and on a new file switching to WAL takes a lock the
                // others must wait for rather than fail on.
                c.batch_execute(
                    "PRAGMA busy_timeout = 5000; PRAGMA journal_mode = WAL; \
                     PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; \
                     PRAGMA mmap_size = 1073741824; PRAGMA cache_size = -2000;",
                )
                .map_err(R2d2Error::QueryError)?;
                DbConn::Sqlite(c)
            }
            Backend::Postgres => DbConn::Pg(
                PgConnection::establish(&self.url.target).map_err(R2d2Error::ConnectionError)?,
            ),
        };
        conn.set_instrumentation(Instrument {
            counter: self.counter.clone(),
            health: self.health.clone(),
            lost: false,
            quiet: false,
        });
        Ok(conn)
    }

    fn is_valid(&self, conn: &mut DbConn) -> Result<(), R2d2Error> {
        conn.batch_execute("SELECT 1")
            .map_err(R2d2Error::QueryError)
    }

    fn has_broken(&self, conn: &mut DbConn) -> bool {
        let lost = conn
            .instrumentation()
            .downcast_ref::<Instrument>()
            .is_some_and(|i| i.lost);
        // The derived enum does not forward `is_broken`, hence the arms.
        lost || match conn {
            DbConn::Sqlite(c) => c.is_broken(),
            DbConn::Pg(c) => c.is_broken(),
        }
    }
}

/// Whether the connection answers, by a `SELECT 1` left out of the
/// statement count.
pub fn answers(conn: &mut DbConn) -> bool {
    let quiet = |conn: &mut DbConn, on: bool| {
        if let Some(i) = conn.instrumentation().downcast_mut::<Instrument>() {
            i.quiet = on;
        }
    };
    quiet(conn, true);
    let ok = conn.batch_execute("SELECT 1").is_ok();
    quiet(conn, false);
    ok
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_pick_backend() {
        assert_eq!(
            DbUrl::parse("sqlite://newsdesk.db").map(|u| u.target),
            Ok("newsdesk.db".into())
        );
        assert_eq!(
            DbUrl::parse("/tmp/x.db").map(|u| u.backend),
            Ok(Backend::Sqlite)
        );
        let pg = DbUrl::parse("postgres://u:secret@localhost/db").expect("valid");
        assert_eq!(pg.backend, Backend::Postgres);
        assert!(!pg.redacted().contains("secret"));
        assert!(!format!("{pg:?}").contains("secret"));
        assert!(DbUrl::parse("mysql://x").is_err());
        assert!(DbUrl::parse("").is_err());
    }
}
