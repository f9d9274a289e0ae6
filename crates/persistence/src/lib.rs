//! newsdesk-persistence: the domain's `ContentStore` on diesel, for SQLite
//! (the embedded default) and PostgreSQL from one code path.
//!
//! Queries go through one `MultiConnection` enum; the few things the enum
//! cannot express live in explicit per-backend arms. Every method takes a
//! pooled connection and is synchronous: callers on an async runtime must
//! run it on a blocking thread.

mod accounts;
mod backup;
mod conn;
mod models;
mod schema;
mod store;
pub mod test_support;

pub use backup::{Summary as BackupSummary, TABLES as BACKUP_TABLES};
pub use conn::{Backend, DbConn, DbUrl, StatementCounter};
pub use store::Store;
