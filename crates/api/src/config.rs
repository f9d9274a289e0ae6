//! Configuration: one struct from flags and environment (clap with `env`).

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// Settings every command shares.
#[derive(Debug, Clone, Args)]
pub struct Config {
    /// `sqlite://PATH` (embedded, default) or `postgres://...`.
    #[arg(
        long,
        env = "NEWSDESK_DATABASE_URL",
        default_value = "sqlite://newsdesk.db",
        global = true
    )]
    pub database_url: String,

    /// Base for links in feeds, sitemaps and canonical URLs.
    #[arg(
        long,
        env = "NEWSDESK_PUBLIC_URL",
        default_value = "http://localhost:8080",
        global = true
    )]
    pub public_url: String,

    /// `pretty` for people, `json` for log collectors.
    #[arg(
        long,
        env = "NEWSDESK_LOG_FORMAT",
        value_enum,
        default_value = "pretty",
        global = true
    )]
    pub log_format: LogFormat,

    /// Database connections in the pool.
    #[arg(
        long,
        env = "NEWSDESK_DB_POOL_SIZE",
        default_value_t = 8,
        global = true
    )]
    pub pool_size: u32,
}

impl Config {
    /// The public URL without a trailing slash, ready to have paths appended.
    pub fn base_url(&self) -> String {
        self.public_url.trim_end_matches('/').to_owned()
    }
}
