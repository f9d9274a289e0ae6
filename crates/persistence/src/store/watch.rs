//! How nodes hear of each other's writes. Every write transaction on
//! PostgreSQL sends `NOTIFY newsdesk` (in the transaction, so it arrives
//! at commit and never before the data); each node LISTENs on a connection
//! of its own, forgets its caches and tells the API (`Hear`), which wakes
//! the event pump. On SQLite there is one node: the local call is all.

use super::Store;
use crate::conn::{DbConn, Health};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use newsdesk_domain::events::{purge, Hear, Signal};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, OnceLock, Weak};
use std::time::Duration;

const CHANNEL: &str = "newsdesk";

/// How often the listening connection reads what arrived: a non-blocking
/// read, so this bounds the delay between nodes, not the load.
const POLL: Duration = Duration::from_millis(2);

/// How long the listener waits before connecting again after a failure.
const RETRY: Duration = Duration::from_secs(1);

pub(super) struct Watch {
    hear: Arc<OnceLock<Hear>>,
    postgres: Option<String>,
    listening: AtomicBool,
    /// The LISTEN connection is the first to hear of a server going away,
    /// even when no request is running: it says so here.
    health: Health,
    /// Dropped with the store. The LISTEN thread holds only a weak handle
    /// and ends when it finds it gone, so a store closed in a running
    /// process (a test's) leaves no thread retrying a dropped database.
    alive: Arc<()>,
}

impl Watch {
    pub(super) fn new(postgres: Option<&str>, health: Health) -> Watch {
        Watch {
            hear: Arc::default(),
            postgres: postgres.map(str::to_owned),
            listening: AtomicBool::new(false),
            health,
            alive: Arc::new(()),
        }
    }
}

/// Sends `signal` to every listening node when the transaction commits.
pub(super) fn announce(conn: &mut DbConn, signal: &Signal) -> Result<(), DieselError> {
    if let DbConn::Pg(c) = conn {
        diesel::sql_query("SELECT pg_notify($1, $2)")
            .bind::<diesel::sql_types::Text, _>(CHANNEL)
            .bind::<diesel::sql_types::Text, _>(payload(signal))
            .execute(c)?;
    }
    Ok(())
}

/// Tells every node, at commit, which public responses the transaction
/// changed; nothing when it changed none.
pub(super) fn announce_purge(conn: &mut DbConn, keys: &[String]) -> Result<(), DieselError> {
    if keys.is_empty() {
        return Ok(());
    }
    announce(conn, &Signal::Content(keys.to_vec()))
}

/// What a change to one article's public fields purges: its responses, and
/// lists, which show the same fields.
pub(super) fn article_purge(id: i64) -> Vec<String> {
    vec![purge::article(id), purge::LIST.to_owned()]
}

/// PostgreSQL refuses a payload of 8,000 bytes or more.
const MAX_PAYLOAD: usize = 7_900;

/// `accounts`, or `content` and the keys to purge; `*` when they do not fit.
fn payload(signal: &Signal) -> String {
    match signal {
        Signal::Accounts => "accounts".into(),
        Signal::Content(keys) => {
            let mut out = String::from("content");
            for k in keys {
                out.push(' ');
                out.push_str(k);
            }
            if out.len() > MAX_PAYLOAD {
                out = "content *".into();
            }
            out
        }
    }
}

fn parse(payload: &str) -> Signal {
    let mut words = payload.split_whitespace();
    match words.next() {
        Some("accounts") => Signal::Accounts,
        _ => Signal::Content(words.map(str::to_owned).collect()),
    }
}

impl Store {
    /// Forgets what a write may change and tells the API which public
    /// responses it changed. Called after every write (after, so a reader
    /// cannot refill a cache from the state before it).
    pub(super) fn written(&self, purge: Vec<String>) {
        self.forget();
        if let Some(hear) = self.watch.hear.get() {
            hear(Signal::Content(purge));
        }
    }

    /// `written` with the purge of a transaction that committed, or with none
    /// (caches are still forgotten) when it failed; the failure is returned.
    pub(super) fn settle<T>(
        &self,
        result: Result<(T, Vec<String>), DieselError>,
    ) -> newsdesk_domain::error::DomainResult<T> {
        match result {
            Ok((value, keys)) => {
                self.written(keys);
                Ok(value)
            }
            Err(e) => {
                self.written(Vec::new());
                Err(super::db_err(e))
            }
        }
    }

    fn forget(&self) {
        self.write_caches().forget();
    }

    /// Handles on what a write makes stale (each a shared handle, so
    /// cheap): one list for this node's writes and the other nodes'.
    fn write_caches(&self) -> WriteCaches {
        WriteCaches {
            generation: self.generation.clone(),
            terms: self.terms.clone(),
            summaries: self.summaries.clone(),
            public_counts: self.public_counts.clone(),
            article_count: self.article_count.clone(),
        }
    }

    /// Tells every node an account or key changed.
    pub(crate) fn accounts_changed(&self, conn: &mut DbConn) {
        if let Err(e) = announce(conn, &Signal::Accounts) {
            tracing::warn!(error = %e, "could not tell other nodes of an account change");
        }
    }

    pub(super) fn watch_writes(self: &Store, hear: Hear) {
        if self.watch.hear.set(hear).is_err() {
            return;
        }
        let Some(url) = self.watch.postgres.clone() else {
            return;
        };
        if self.watch.listening.swap(true, Ordering::AcqRel) {
            return;
        }
        let caches = Forget {
            caches: self.write_caches(),
            hear: self.watch.hear.clone(),
            health: self.watch.health.clone(),
            store: Arc::downgrade(&self.watch.alive),
        };
        let spawned = std::thread::Builder::new()
            .name("newsdesk-listen".into())
            .spawn(move || listen(&url, &caches));
        if let Err(e) = spawned {
            tracing::error!(error = %e, "cannot start the LISTEN thread");
        }
    }
}

/// What a write makes stale: the generation and the caches of what
/// writes change.
struct WriteCaches {
    generation: Arc<std::sync::atomic::AtomicU64>,
    terms: moka::sync::Cache<i64, (newsdesk_domain::term::TermKind, newsdesk_domain::term::Term)>,
    summaries: moka::sync::Cache<i64, newsdesk_domain::article::ArticleSummary>,
    public_counts: moka::sync::Cache<(newsdesk_domain::term::TermKind, i64), i64>,
    article_count: moka::sync::Cache<(), i64>,
}

impl WriteCaches {
    fn forget(&self) {
        self.generation.fetch_add(1, Ordering::AcqRel);
        self.terms.invalidate_all();
        self.summaries.invalidate_all();
        self.public_counts.invalidate_all();
        self.article_count.invalidate_all();
    }
}

/// What the listening thread forgets when another node writes.
struct Forget {
    caches: WriteCaches,
    hear: Arc<OnceLock<Hear>>,
    health: Health,
    store: Weak<()>,
}

impl Forget {
    fn store_closed(&self) -> bool {
        self.store.strong_count() == 0
    }

    fn heard(&self, payload: &str) {
        let signal = parse(payload);
        if let Signal::Content(_) = signal {
            self.caches.forget();
        }
        if let Some(hear) = self.hear.get() {
            hear(signal);
        }
    }
}

/// Listens until the store is closed, reconnecting after a failure. A
/// node that was cut off may have missed writes, so reconnecting counts
/// as one.
fn listen(url: &str, forget: &Forget) {
    while !forget.store_closed() {
        match PgConnection::establish(url)
            .and_then(|mut c| {
                diesel::sql_query(format!("LISTEN {CHANNEL}"))
                    .execute(&mut c)
                    .map_err(|e| diesel::ConnectionError::BadConnection(e.to_string()))?;
                Ok(c)
            })
            .map_err(|e| e.to_string())
        {
            Ok(mut conn) => {
                tracing::info!("listening for other nodes' writes");
                forget.heard("content *");
                let Some(error) = poll(&mut conn, forget) else {
                    return;
                };
                forget.health.failed();
                tracing::warn!(error = %error, "lost the LISTEN connection; reconnecting");
            }
            Err(e) => {
                forget.health.failed();
                tracing::warn!(error = %e, "cannot LISTEN; retrying");
            }
        }
        // A second between attempts, but the store's closing is seen
        // sooner: a test's store closes as its database is dropped.
        for _ in 0..20 {
            if forget.store_closed() {
                return;
            }
            std::thread::sleep(RETRY / 20);
        }
    }
}

/// Hears notifications until the connection fails (the error) or the
/// store is closed (`None`).
fn poll(conn: &mut PgConnection, forget: &Forget) -> Option<DieselError> {
    while !forget.store_closed() {
        for n in conn.notifications_iter() {
            match n {
                Ok(n) => forget.heard(&n.payload),
                Err(e) => return Some(e),
            }
        }
        std::thread::sleep(POLL);
    }
    None
}

#[cfg(test)]
mod tests {
    use crate::test_support::TestDb;
    use crate::Store;
    use diesel::prelude::*;
    use std::time::{Duration, Instant};

    #[derive(QueryableByName)]
    struct Listening {
        #[diesel(sql_type = diesel::sql_types::BigInt)]
        n: i64,
    }

    /// How many connections LISTEN on this database, once it is `want`
    /// (or whatever it is after five seconds).
    fn listening(conn: &mut PgConnection, want: i64) -> i64 {
        let deadline = Instant::now() + Duration::from_secs(5);
        loop {
            let n = diesel::sql_query(
                "SELECT count(*) AS n FROM pg_stat_activity \
                 WHERE datname = current_database() AND query LIKE 'LISTEN%'",
            )
            .get_result::<Listening>(conn)
            .expect("pg_stat_activity reads")
            .n;
            if n == want || Instant::now() > deadline {
                return n;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// Named under `postgres::`, which CI's PostgreSQL run selects.
    mod postgres {
        use super::*;

        #[test]
        fn a_closed_store_stops_listening() {
            let Some(db) = TestDb::postgres("a_closed_store_stops_listening") else {
                return;
            };
            let mut admin = PgConnection::establish(&db.url).expect("the test database opens");
            let store = Store::open(&db.url, 1).expect("the store opens");
            store.migrate().expect("migrations run");
            store.watch_writes(std::sync::Arc::new(|_| {}));
            assert_eq!(listening(&mut admin, 1), 1, "the store listens");
            drop(store);
            assert_eq!(
                listening(&mut admin, 0),
                0,
                "the store is closed, but its LISTEN connection is still open"
            );
        }
    }
}
