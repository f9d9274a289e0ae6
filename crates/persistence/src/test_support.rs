//! Fresh, migrated databases for tests on both backends: a temporary SQLite
//! file, or a new PostgreSQL database (dropped afterwards) on the server
//! named by `NEWSDESK_TEST_POSTGRES_URL`.

use std::sync::atomic::{AtomicU32, Ordering};

use diesel::pg::PgConnection;
use diesel::{Connection, RunQueryDsl};

use crate::conn::Backend;

pub const POSTGRES_ENV: &str = "NEWSDESK_TEST_POSTGRES_URL";

/// A database that lives as long as this value.
pub struct TestDb {
    pub url: String,
    pub backend: Backend,
    _dir: Option<tempfile::TempDir>,
    pg: Option<(String, String)>,
}

impl TestDb {
    /// A fresh SQLite database in a temporary directory.
    pub fn sqlite() -> TestDb {
        let dir = tempfile::tempdir().expect("a temporary directory can be created");
        let url = format!("sqlite://{}", dir.path().join("test.db").display());
        TestDb {
            url,
            backend: Backend::Sqlite,
            _dir: Some(dir),
            pg: None,
        }
    }

    /// A fresh PostgreSQL database, or `None` (with a note on stderr) when
    /// `NEWSDESK_TEST_POSTGRES_URL` is not set.
    pub fn postgres(test: &str) -> Option<TestDb> {
        let Ok(admin_url) = std::env::var(POSTGRES_ENV) else {
            // Straight to the stream, not through eprintln!, which the test
            // harness captures and hides for passing tests.
            use std::io::Write;
            let _ = writeln!(
                std::io::stderr(),
                "SKIPPED {test} on PostgreSQL: {POSTGRES_ENV} is not set"
            );
            return None;
        };
        static SEQ: AtomicU32 = AtomicU32::new(0);
        let name = format!(
            "newsdesk_test_{}_{}",
            std::process::id(),
            SEQ.fetch_add(1, Ordering::Relaxed)
        );
        let mut admin = PgConnection::establish(&admin_url)
            .expect("NEWSDESK_TEST_POSTGRES_URL must reach a server");
        diesel::sql_query(format!("CREATE DATABASE {name}"))
            .execute(&mut admin)
            .expect("the test user may create databases");
        let base = admin_url
            .rsplit_once('/')
            .map_or(admin_url.as_str(), |(b, _)| b);
        let url = format!("{base}/{name}");
        Some(TestDb {
            url,
            backend: Backend::Postgres,
            _dir: None,
            pg: Some((admin_url, name)),
        })
    }
}

impl Drop for TestDb {
    fn drop(&mut self) {
        if let Some((admin_url, name)) = &self.pg {
            if let Ok(mut admin) = PgConnection::establish(admin_url) {
                let _ = diesel::sql_query(format!("DROP DATABASE IF EXISTS {name} WITH (FORCE)"))
                    .execute(&mut admin);
            }
        }
    }
}
