//! Backup and restore (`newsdesk backup PATH`, `newsdesk restore PATH`).
//!
//! - On SQLite a backup is `VACUUM INTO`: a consistent, compacted copy of
//!   the file made inside one read transaction, so the server goes on
//!   serving (WAL readers and the writer do not wait for it).
//! - On PostgreSQL it is an archive: NDJSON, a header line and then one
//!   line a row, every table of the schema column for column (users with
//!   their password hashes, keys as hashes, revisions, corrections,
//!   comments, webhooks and their deliveries, the change log), read in one
//!   `REPEATABLE READ` transaction so it is one moment's state.
//! - A restore takes either kind into an empty database of either backend
//!   in one transaction: it lands whole or not at all.

mod tables;

use std::fs::File;
use std::io::{BufRead, BufReader, BufWriter, Read, Write};
use std::path::Path;

use diesel::connection::SimpleConnection;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::Text;
use serde::{Deserialize, Serialize};

use crate::conn::DbConn;
use crate::store::Store;
pub use tables::TABLES;

/// The archive format's version.
const FORMAT: u32 = 1;
const SQLITE_MAGIC: &[u8; 16] = b"SQLite format 3\0";

/// The archive's first line.
#[derive(Debug, Serialize, Deserialize)]
struct Header {
    newsdesk_backup: u32,
    /// The last migration applied where it was taken: rows fit only a
    /// database at the same one.
    schema: String,
    source: String,
    taken_at: String,
}

#[derive(Debug, Serialize, Deserialize)]
struct Line {
    table: String,
    row: serde_json::Value,
}

/// What a backup or a restore did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Summary {
    pub kind: &'static str,
    /// Rows by table; empty for a SQLite file copy, which copies pages.
    pub rows: Vec<(&'static str, u64)>,
}

impl Summary {
    pub fn total(&self) -> u64 {
        self.rows.iter().map(|(_, n)| n).sum()
    }
}

#[derive(QueryableByName)]
struct Version {
    #[diesel(sql_type = diesel::sql_types::Nullable<Text>)]
    version: Option<String>,
}

fn schema_version(conn: &mut DbConn) -> Result<String, String> {
    diesel::sql_query("SELECT MAX(version) AS version FROM __diesel_schema_migrations")
        .get_result::<Version>(conn)
        .map_err(|e| format!("cannot read the schema version: {e}"))?
        .version
        .ok_or_else(|| "the database has no migrations applied".into())
}

impl Store {
    /// Writes a backup to `path`, which must not exist: a SQLite file on
    /// SQLite, an archive on PostgreSQL.
    pub fn backup(&self, path: &Path) -> Result<Summary, String> {
        if path.exists() {
            return Err(format!(
                "{} exists: a backup never overwrites a file",
                path.display()
            ));
        }
        let mut conn = self.conn().map_err(|e| e.to_string())?;
        if let DbConn::Sqlite(c) = &mut *conn {
            let target = path.to_str().ok_or("the backup path must be UTF-8")?;
            diesel::sql_query("VACUUM INTO ?")
                .bind::<Text, _>(target)
                .execute(c)
                .map_err(|e| format!("VACUUM INTO {}: {e}", path.display()))?;
            sync(path)?;
            return Ok(Summary {
                kind: "SQLite database file",
                rows: Vec::new(),
            });
        }
        let file = File::options()
            .write(true)
            .create_new(true)
            .open(path)
            .map_err(|e| format!("cannot create {}: {e}", path.display()))?;
        let written = write_archive(&mut conn, BufWriter::new(file)).and_then(|summary| {
            sync(path)?;
            Ok(summary)
        });
        if written.is_err() {
            // Half an archive must not pass for a backup.
            let _ = std::fs::remove_file(path);
        }
        written
    }

    /// Restores the backup at `path` (either kind) into this database,
    /// which must be migrated and empty.
    pub fn restore(&self, path: &Path) -> Result<Summary, String> {
        let mut magic = [0u8; 16];
        let mut file =
            File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
        let is_sqlite = file.read_exact(&mut magic).is_ok() && &magic == SQLITE_MAGIC;
        drop(file);
        let mut conn = self.conn().map_err(|e| e.to_string())?;
        for table in TABLES {
            let n = tables::count(&mut conn, table)?;
            if n > 0 {
                return Err(format!(
                    "restore needs an empty database, and {table} has {n} rows"
                ));
            }
        }
        let schema = schema_version(&mut conn)?;
        let result = conn.transaction::<_, Failed, _>(|target| {
            let mut loader = Loader::new(target);
            if is_sqlite {
                read_sqlite(path, &schema, &mut loader)?;
            } else {
                read_archive(path, &schema, &mut loader)?;
            }
            loader.finish()
        });
        let rows = result.map_err(|Failed(e)| e)?;
        Ok(Summary {
            kind: if is_sqlite {
                "SQLite database file"
            } else {
                "archive"
            },
            rows,
        })
    }
}

/// A backup is on disk, not in the page cache, before it is reported taken.
fn sync(path: &Path) -> Result<(), String> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| format!("cannot sync {}: {e}", path.display()))
}

fn write_archive(conn: &mut DbConn, mut out: impl Write) -> Result<Summary, String> {
    let io = |e: std::io::Error| format!("cannot write the archive: {e}");
    conn.batch_execute("BEGIN ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        .map_err(|e| e.to_string())?;
    let dumped: Result<Vec<(&'static str, u64)>, String> = (|| {
        let header = Header {
            newsdesk_backup: FORMAT,
            schema: schema_version(conn)?,
            source: "postgres".into(),
            taken_at: chrono::Utc::now().to_rfc3339(),
        };
        serde_json::to_writer(&mut out, &header).map_err(|e| e.to_string())?;
        out.write_all(b"\n").map_err(io)?;
        let mut rows = Vec::new();
        for table in TABLES {
            let n = tables::dump(conn, table, &mut |table, row| {
                let line = Line {
                    table: table.to_owned(),
                    row,
                };
                serde_json::to_writer(&mut out, &line).map_err(|e| e.to_string())?;
                out.write_all(b"\n").map_err(io)
            })?;
            rows.push((*table, n));
        }
        out.flush().map_err(io)?;
        Ok(rows)
    })();
    let end = conn.batch_execute(if dumped.is_ok() { "COMMIT" } else { "ROLLBACK" });
    let rows = dumped?;
    end.map_err(|e| e.to_string())?;
    Ok(Summary {
        kind: "archive",
        rows,
    })
}

/// A restore's failure, which rolls its transaction back.
struct Failed(String);

impl From<DieselError> for Failed {
    fn from(e: DieselError) -> Self {
        Failed(format!("database error: {e}"))
    }
}

impl From<String> for Failed {
    fn from(e: String) -> Self {
        Failed(e)
    }
}

fn check_schema(found: &str, want: &str) -> Result<(), String> {
    if found == want {
        return Ok(());
    }
    Err(format!(
        "the backup is of schema {found} and this database of {want}: restore it with the \
         newsdesk version that took it, then upgrade"
    ))
}

fn read_sqlite(path: &Path, schema: &str, loader: &mut Loader<'_>) -> Result<(), Failed> {
    let file = path
        .to_str()
        .ok_or("the backup path must be UTF-8".to_owned())?;
    let mut source = DbConn::Sqlite(
        diesel::sqlite::SqliteConnection::establish(file)
            .map_err(|e| format!("cannot open {}: {e}", path.display()))?,
    );
    // Reading a backup must never change it.
    source
        .batch_execute("PRAGMA query_only = 1; BEGIN")
        .map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    check_schema(&schema_version(&mut source)?, schema)?;
    for table in TABLES {
        tables::dump(&mut source, table, &mut |table, row| {
            loader.push(table, row)
        })?;
    }
    Ok(())
}

fn read_archive(path: &Path, schema: &str, loader: &mut Loader<'_>) -> Result<(), Failed> {
    let file = File::open(path).map_err(|e| format!("cannot open {}: {e}", path.display()))?;
    let mut lines = BufReader::new(file).lines();
    let not_ours = || {
        format!(
            "{} is neither a newsdesk archive nor a SQLite file",
            path.display()
        )
    };
    let first = lines.next().and_then(Result::ok).ok_or_else(not_ours)?;
    let header: Header = serde_json::from_str(&first).map_err(|_| not_ours())?;
    if header.newsdesk_backup != FORMAT {
        return Err(Failed(format!(
            "archive format {} is not {FORMAT}, the one this version reads",
            header.newsdesk_backup
        )));
    }
    check_schema(&header.schema, schema)?;
    for (i, line) in lines.enumerate() {
        let at = i + 2;
        let line = line.map_err(|e| format!("line {at}: {e}"))?;
        if line.trim().is_empty() {
            continue;
        }
        let Line { table, row } =
            serde_json::from_str(&line).map_err(|e| format!("line {at}: {e}"))?;
        let table = TABLES
            .iter()
            .find(|t| **t == table)
            .ok_or_else(|| format!("line {at}: no table {table:?} in this version"))?;
        loader
            .push(table, row)
            .map_err(|e| format!("line {at}: {e}"))?;
    }
    Ok(())
}

/// Inserts rows in batches, table by table, parents first.
struct Loader<'c> {
    conn: &'c mut DbConn,
    table: usize,
    batch: Vec<serde_json::Value>,
    counts: Vec<u64>,
}

impl<'c> Loader<'c> {
    fn new(conn: &'c mut DbConn) -> Self {
        Loader {
            conn,
            table: 0,
            batch: Vec::new(),
            counts: vec![0; TABLES.len()],
        }
    }

    fn push(&mut self, table: &'static str, row: serde_json::Value) -> Result<(), String> {
        let index = TABLES
            .iter()
            .position(|t| *t == table)
            .unwrap_or(usize::MAX);
        if index != self.table {
            if index < self.table || index == usize::MAX {
                return Err(format!(
                    "{table} rows after {}: a backup lists parents first",
                    TABLES[self.table]
                ));
            }
            self.flush()?;
            self.table = index;
        }
        self.batch.push(row);
        self.counts[index] += 1;
        if self.batch.len() >= tables::BATCH {
            self.flush()?;
        }
        Ok(())
    }

    fn flush(&mut self) -> Result<(), String> {
        if self.batch.is_empty() {
            return Ok(());
        }
        let rows = std::mem::take(&mut self.batch);
        tables::load(self.conn, TABLES[self.table], rows)
    }

    /// The last batch, then PostgreSQL's identities moved past the restored
    /// keys; the rows restored by table.
    fn finish(mut self) -> Result<Vec<(&'static str, u64)>, Failed> {
        self.flush()?;
        if matches!(self.conn, DbConn::Pg(_)) {
            for (table, column) in tables::IDENTITIES {
                self.conn.batch_execute(&format!(
                    "SELECT setval(pg_get_serial_sequence('{table}', '{column}'), \
                     COALESCE(MAX({column}), 0) + 1, false) FROM {table}"
                ))?;
            }
        }
        Ok(TABLES.iter().copied().zip(self.counts).collect())
    }
}
