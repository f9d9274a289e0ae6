//! Configuration: one struct from flags and environment (clap with `env`).

use clap::{Args, ValueEnum};

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

/// A secret read from the environment: never printed, not even by `Debug`.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret(String);

impl Secret {
    pub fn expose(&self) -> &str {
        &self.0
    }
}

impl std::fmt::Debug for Secret {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Secret(***)")
    }
}

impl std::str::FromStr for Secret {
    type Err = std::convert::Infallible;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Ok(Secret(s.to_owned()))
    }
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

    /// `production` makes NEWSDESK_JWT_SECRET mandatory.
    #[arg(
        long = "env",
        env = "NEWSDESK_ENV",
        default_value = "development",
        global = true
    )]
    pub environment: String,

    /// HS256 key for staff tokens; random per start (with a warning) when unset.
    #[arg(
        long,
        env = "NEWSDESK_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<Secret>,

    /// Lifetime of staff tokens, in seconds.
    #[arg(
        long,
        env = "NEWSDESK_TOKEN_TTL",
        default_value_t = 3600,
        global = true
    )]
    pub token_ttl: u64,

    /// Created as admin on start when no user exists (with NEWSDESK_ADMIN_PASSWORD).
    #[arg(long, env = "NEWSDESK_ADMIN_EMAIL", global = true)]
    pub admin_email: Option<String>,

    #[arg(
        long,
        env = "NEWSDESK_ADMIN_PASSWORD",
        hide_env_values = true,
        global = true
    )]
    pub admin_password: Option<Secret>,

    /// The publisher named in JSON-LD, ninjs, feeds and the News sitemap;
    /// the host of the public URL when unset.
    #[arg(long, env = "NEWSDESK_PUBLISHER_NAME", global = true)]
    pub publisher_name: Option<String>,

    /// URL of the publisher's logo, for JSON-LD.
    #[arg(long, env = "NEWSDESK_PUBLISHER_LOGO", global = true)]
    pub publisher_logo: Option<String>,

    /// Requests a minute per client address for anonymous callers (0: no limit).
    #[arg(
        long,
        env = "NEWSDESK_RATE_LIMIT",
        default_value_t = 1200,
        global = true
    )]
    pub rate_limit: u32,

    /// Requests a minute for a new partner API key unless it names its own.
    #[arg(
        long,
        env = "NEWSDESK_API_KEY_RATE_LIMIT",
        default_value_t = 6000,
        global = true
    )]
    pub api_key_rate_limit: u32,

    /// Origins allowed by CORS: `*` or a comma-separated list.
    #[arg(
        long,
        env = "NEWSDESK_CORS_ORIGINS",
        default_value = "*",
        global = true
    )]
    pub cors_origins: String,

    /// Take the client address from X-Forwarded-For (behind a trusted proxy).
    #[arg(
        long,
        env = "NEWSDESK_TRUST_PROXY",
        default_value_t = false,
        global = true
    )]
    pub trust_proxy: bool,

    /// Seconds a client may take to send a request body (408 after).
    #[arg(
        long,
        env = "NEWSDESK_BODY_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub body_timeout: u64,

    /// Let webhooks and WebSub callbacks target loopback and private addresses.
    #[arg(
        long,
        env = "NEWSDESK_WEBHOOK_ALLOW_PRIVATE",
        default_value_t = false,
        global = true
    )]
    pub webhook_allow_private: bool,

    /// Seconds a webhook or WebSub receiver has to answer one delivery.
    #[arg(
        long,
        env = "NEWSDESK_WEBHOOK_TIMEOUT",
        default_value_t = 10,
        global = true
    )]
    pub webhook_timeout: u64,

    /// Seconds between delivery attempts, comma-separated (default: the
    /// Standard Webhooks schedule 5,300,1800,7200,18000,36000,36000).
    #[arg(long, env = "NEWSDESK_WEBHOOK_RETRY_SCHEDULE", global = true)]
    pub webhook_retry_schedule: Option<String>,

    /// Live connections (SSE and GraphQL subscriptions) one node serves.
    #[arg(
        long,
        env = "NEWSDESK_STREAM_MAX_CLIENTS",
        default_value_t = 10_000,
        global = true
    )]
    pub stream_max_clients: usize,

    /// Seconds between writes of buffered page views.
    #[arg(
        long,
        env = "NEWSDESK_VIEW_FLUSH_SECONDS",
        default_value_t = 2,
        global = true
    )]
    pub view_flush_seconds: u64,

    /// Comments one client (address) may send an hour (0: no limit).
    #[arg(
        long,
        env = "NEWSDESK_COMMENT_RATE_LIMIT",
        default_value_t = 10,
        global = true
    )]
    pub comment_rate_limit: u32,

    /// Seconds between heartbeats on an idle live connection.
    #[arg(
        long,
        env = "NEWSDESK_STREAM_HEARTBEAT",
        default_value_t = 15,
        global = true
    )]
    pub stream_heartbeat: u64,

    /// MiB of finished public responses kept in memory (0: no response cache).
    #[arg(
        long,
        env = "NEWSDESK_RESPONSE_CACHE_MB",
        default_value_t = 32,
        global = true
    )]
    pub response_cache_mb: u64,

    /// Seconds a cached response lives when no write purges it first.
    #[arg(
        long,
        env = "NEWSDESK_RESPONSE_CACHE_TTL",
        default_value_t = 300,
        global = true
    )]
    pub response_cache_ttl: u64,
}

impl Config {
    pub fn is_production(&self) -> bool {
        self.environment.eq_ignore_ascii_case("production")
    }

    /// What push may do: receivers, retries and live connections.
    pub fn push_settings(&self) -> Result<crate::push::PushSettings, String> {
        let retries = match &self.webhook_retry_schedule {
            Some(text) => newsdesk_domain::events::schedule::RetrySchedule::parse(text)
                .map_err(|e| format!("NEWSDESK_WEBHOOK_RETRY_SCHEDULE: {e}"))?,
            None => Default::default(),
        };
        Ok(crate::push::PushSettings {
            allow_private: self.webhook_allow_private,
            timeout: std::time::Duration::from_secs(self.webhook_timeout.max(1)),
            retries,
            max_streams: self.stream_max_clients,
            heartbeat: std::time::Duration::from_secs(self.stream_heartbeat.max(1)),
        })
    }

    pub fn cache_settings(&self) -> crate::response_cache::CacheSettings {
        crate::response_cache::CacheSettings {
            max_bytes: self.response_cache_mb.saturating_mul(1024 * 1024),
            ttl: std::time::Duration::from_secs(self.response_cache_ttl.max(1)),
        }
    }

    pub fn view_settings(&self) -> crate::views::ViewSettings {
        crate::views::ViewSettings {
            flush_every: std::time::Duration::from_secs(self.view_flush_seconds.max(1)),
            comments_per_hour: self.comment_rate_limit,
            most_read_every: crate::views::MOST_READ_TTL,
        }
    }

    /// The public URL without a trailing slash, ready to have paths appended.
    pub fn base_url(&self) -> String {
        self.public_url.trim_end_matches('/').to_owned()
    }
}
