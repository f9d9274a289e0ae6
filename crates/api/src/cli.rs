//! The `newsdesk` command line: serve, migrate, import, export, generate.

use std::io::{BufWriter, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use newsdesk_domain::article::{self, ArticleInput, ArticleStatus};
use newsdesk_domain::store::{AccountStore, ArticleStore, TermStore, TermWrite};
use newsdesk_domain::term::TermKind;
use newsdesk_domain::{generate, import, service};
use newsdesk_persistence::{BackupSummary, Store};

use crate::auth::{self, AuthSettings};
use crate::config::Config;
use crate::state::AppState;
use crate::{demo, server};

/// Articles saved per transaction by import and generate.
const BATCH: usize = 500;

#[derive(Debug, Parser)]
#[command(name = "newsdesk", version, about = "Headless news content API")]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum ImportStatus {
    Draft,
    Published,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Run the HTTP server (migrates first).
    Serve {
        /// Listen address.
        #[arg(long, env = "NEWSDESK_BIND", default_value = "127.0.0.1:8080")]
        bind: String,
        /// Load the demo corpus into an empty database.
        #[arg(long)]
        demo: bool,
        /// Serve a built front end from DIR at the root (e.g.
        /// examples/reader/dist) instead of the landing page.
        #[arg(long, value_name = "DIR")]
        site: Option<PathBuf>,
    },
    /// Apply pending database migrations.
    Migrate,
    /// Import NDJSON files (one create body a line) or plain-text articles.
    Import {
        /// Status of articles that name none.
        #[arg(long, value_enum, default_value = "published")]
        status: ImportStatus,
        #[arg(required = true)]
        files: Vec<PathBuf>,
    },
    /// Write every article as NDJSON to standard output.
    Export,
    /// Back up the database to PATH, while the server runs: on SQLite a copy
    /// of the database file (VACUUM INTO), on PostgreSQL a lossless archive.
    Backup { path: PathBuf },
    /// Restore a backup of either kind into this (empty) database, of
    /// either backend.
    Restore { path: PathBuf },
    /// Manage staff accounts.
    User {
        #[command(subcommand)]
        command: UserCommand,
    },
    /// Add a deterministic synthetic corpus, for benchmarks.
    Generate {
        #[arg(long)]
        articles: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Create a user; the password is read from standard input.
    Add {
        #[arg(long)]
        email: String,
        #[arg(long, value_parser = ["admin", "editor", "author"])]
        role: String,
        /// Author profile (name or slug) this user writes as; created when missing.
        #[arg(long)]
        author: Option<String>,
    },
}

/// What a backup or restore did, on standard error.
fn report(done: &str, summary: &BackupSummary, path: &std::path::Path) {
    eprintln!("{done} {} ({})", path.display(), summary.kind);
    for (table, n) in summary.rows.iter().filter(|(_, n)| *n > 0) {
        eprintln!("  {table}: {n} rows");
    }
}

pub fn open_store(config: &Config) -> Result<Store, String> {
    let store = Store::open(&config.database_url, config.pool_size)?;
    let applied = store.migrate()?;
    if applied > 0 {
        tracing::info!(applied, "migrations applied");
    }
    Ok(store)
}

pub fn run(cli: Cli) -> Result<ExitCode, String> {
    let config = cli.config;
    match cli.command {
        Command::Serve { bind, demo, site } => {
            serve(&config, &bind, demo, site).map(|()| ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let store = Store::open(&config.database_url, 1)?;
            let n = store.migrate()?;
            println!("{n} migrations applied");
            Ok(ExitCode::SUCCESS)
        }
        Command::Import { status, files } => {
            let status = match status {
                ImportStatus::Draft => ArticleStatus::Draft,
                ImportStatus::Published => ArticleStatus::Published,
            };
            import_files(&open_store(&config)?, status, &files)
        }
        Command::Export => {
            let store = open_store(&config)?;
            let stdout = std::io::stdout();
            let mut out = BufWriter::new(stdout.lock());
            let n = service::export_all(&store, 500, |line| {
                serde_json::to_writer(&mut out, &line)
                    .map_err(std::io::Error::from)
                    .and_then(|()| out.write_all(b"\n"))
                    .map_err(|e| {
                        newsdesk_domain::DomainError::Internal(format!("cannot write: {e}"))
                    })
            })
            .map_err(|e| service::describe(&e))?;
            out.flush().map_err(|e| e.to_string())?;
            eprintln!("exported {n} articles");
            Ok(ExitCode::SUCCESS)
        }
        Command::Backup { path } => {
            let summary = Store::open(&config.database_url, 1)?.backup(&path)?;
            report("backed up", &summary, &path);
            Ok(ExitCode::SUCCESS)
        }
        Command::Restore { path } => {
            let summary = open_store(&config)?.restore(&path)?;
            report("restored", &summary, &path);
            Ok(ExitCode::SUCCESS)
        }
        Command::User {
            command:
                UserCommand::Add {
                    email,
                    role,
                    author,
                },
        } => {
            let mut password = String::new();
            std::io::stdin()
                .read_line(&mut password)
                .map_err(|e| format!("cannot read the password from standard input: {e}"))?;
            let password = password.trim_end_matches(['\r', '\n']);
            let store = open_store(&config)?;
            let author_id = match author {
                Some(name) => Some(author_profile(&store, &name)?),
                None => None,
            };
            let user = auth::create_user(&store, &email, password, &role, author_id)
                .map_err(|e| service::describe(&e))?;
            println!(
                "created {} {} (id {})",
                user.role.as_str(),
                user.email,
                user.id
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Generate { articles, seed } => {
            generate_corpus(&open_store(&config)?, articles, seed)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// The id of the author profile named `name`, created when missing.
fn author_profile(store: &Store, name: &str) -> Result<i64, String> {
    let term = newsdesk_domain::term::TermName::parse(name).map_err(|e| format!("author: {e}"))?;
    if let Some(t) = store
        .term_by_slug(TermKind::Author, term.slug.as_str())
        .map_err(|e| service::describe(&e))?
    {
        return Ok(t.id);
    }
    let write = TermWrite {
        slug: term.slug,
        name: term.name,
        description: None,
    };
    store
        .create_term(TermKind::Author, &write)
        .map(|t| t.id)
        .map_err(|e| service::describe(&e))
}

/// Auth settings from the configuration; production needs a real secret.
pub fn auth_settings(config: &Config) -> Result<AuthSettings, String> {
    let jwt_secret = match &config.jwt_secret {
        Some(s) if s.expose().len() >= 32 => s.expose().as_bytes().to_vec(),
        Some(_) => return Err("NEWSDESK_JWT_SECRET must be at least 32 characters".into()),
        None if config.is_production() => {
            return Err("NEWSDESK_JWT_SECRET is required when NEWSDESK_ENV=production".into())
        }
        None => {
            tracing::warn!("NEWSDESK_JWT_SECRET is not set: using a random key, so tokens end with this process");
            AuthSettings::random_secret()
        }
    };
    Ok(AuthSettings {
        jwt_secret,
        token_ttl: std::time::Duration::from_secs(config.token_ttl.max(1)),
        anonymous_per_minute: config.rate_limit,
        api_key_per_minute: config.api_key_rate_limit,
        trust_proxy: config.trust_proxy,
        body_timeout: std::time::Duration::from_secs(config.body_timeout.max(1)),
    })
}

/// Creates the admin named by NEWSDESK_ADMIN_EMAIL when no user exists.
fn bootstrap_admin(config: &Config, store: &Store) -> Result<(), String> {
    let (Some(email), Some(password)) = (&config.admin_email, &config.admin_password) else {
        return Ok(());
    };
    if store.count_users().map_err(|e| service::describe(&e))? > 0 {
        return Ok(());
    }
    let user = auth::create_user(store, email, password.expose(), "admin", None).map_err(|e| {
        format!(
            "cannot create the admin from NEWSDESK_ADMIN_EMAIL: {}",
            service::describe(&e)
        )
    })?;
    tracing::info!(email = %user.email, "admin created");
    Ok(())
}

fn serve(
    config: &Config,
    bind: &str,
    with_demo: bool,
    site: Option<PathBuf>,
) -> Result<(), String> {
    if let Some(dir) = &site {
        crate::landing::check_site(dir)?;
    }
    let auth = auth_settings(config)?;
    let store = open_store(config)?;
    bootstrap_admin(config, &store)?;
    if with_demo {
        let loaded = demo::load_if_empty(&store)?;
        if loaded > 0 {
            tracing::info!(articles = loaded, "demo corpus loaded");
        }
    }
    if let Err(e) = store.optimize(false) {
        tracing::warn!(error = %service::describe(&e), "could not refresh planner statistics");
    }
    let listener = TcpListener::bind(bind).map_err(|e| format!("cannot listen on {bind}: {e}"))?;
    let addr = listener.local_addr().map_err(|e| e.to_string())?;
    tracing::info!(
        %addr,
        database = store.backend().name(),
        "newsdesk listening: http://{addr}/api/v1/articles, GraphQL at /graphql, docs at /docs"
    );
    let mut state = AppState::new(store, config.base_url(), auth);
    state.push = std::sync::Arc::new(crate::push::Push::new(config.push_settings()?));
    state.views = std::sync::Arc::new(crate::views::Views::new(config.view_settings()));
    state.responses = std::sync::Arc::new(crate::response_cache::ResponseCache::new(
        config.cache_settings(),
    ));
    if let Some(name) = &config.publisher_name {
        state.publisher.name = name.clone();
    }
    state.publisher.logo = config.publisher_logo.clone();
    state.site = site.map(std::sync::Arc::new);
    // Related news needs word statistics of the newest 1,000 articles; built
    // now, in the background, rather than while the first reader waits.
    // Term vectors an older release made are made again first.
    let warm = state.store.clone();
    std::thread::spawn(move || {
        match service::refresh_vectors(warm.as_ref()) {
            Ok(0) => {}
            Ok(n) => tracing::info!(articles = n, "term vectors made again"),
            Err(e) => {
                tracing::warn!(error = %service::describe(&e), "could not refresh term vectors");
            }
        }
        if let Err(e) = warm.vocabulary() {
            tracing::warn!(error = %service::describe(&e), "could not build the vocabulary");
        }
    });
    let cors = config.cors_origins.clone();
    actix_web::rt::System::new()
        .block_on(async move {
            let views = state.clone();
            server::build(listener, state, &cors)?.await?;
            // Requests in flight have finished: what they counted is written.
            views.views.flush(&views).await;
            Ok::<_, std::io::Error>(())
        })
        .map_err(|e| format!("server failed: {e}"))
}

/// NDJSON by extension, or by content when a file starts with `{`.
fn is_ndjson(path: &std::path::Path, text: &str) -> bool {
    matches!(
        path.extension().and_then(|e| e.to_str()),
        Some("ndjson" | "jsonl" | "json")
    ) || text.trim_start().starts_with('{')
}

fn import_files(
    store: &Store,
    default_status: ArticleStatus,
    files: &[PathBuf],
) -> Result<ExitCode, String> {
    let started = Instant::now();
    let mut saved = 0;
    let mut failed = 0;
    // Saves a batch, reports its refusals by line; returns (saved, failed).
    let flush = |file: &str, batch: &mut Vec<(usize, ArticleInput)>| {
        let report =
            service::import_batch(store, std::mem::take(batch), default_status, article::now());
        for (line, msg) in &report.failed {
            eprintln!("{file}:{line}: {msg}");
        }
        (report.saved, report.failed.len())
    };
    let mut unreadable = 0;
    for path in files {
        let name = path.display().to_string();
        let text = match std::fs::read_to_string(path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("{name}: cannot read: {e}");
                unreadable += 1;
                continue;
            }
        };
        let mut batch = Vec::with_capacity(BATCH);
        if is_ndjson(path, &text) {
            for (i, line) in text.lines().enumerate() {
                if line.trim().is_empty() {
                    continue;
                }
                match import::parse_ndjson_line(line) {
                    Ok(input) => batch.push((i + 1, input)),
                    Err(msg) => {
                        eprintln!("{name}:{}: {msg}", i + 1);
                        failed += 1;
                    }
                }
                if batch.len() >= BATCH {
                    let (s, f) = flush(&name, &mut batch);
                    saved += s;
                    failed += f;
                }
            }
        } else {
            match import::parse_plain_text(&text) {
                Ok(input) => batch.push((1, input)),
                Err(msg) => {
                    eprintln!("{name}: {msg}");
                    failed += 1;
                }
            }
        }
        if !batch.is_empty() {
            let (s, f) = flush(&name, &mut batch);
            saved += s;
            failed += f;
        }
    }
    store.optimize(true).map_err(|e| service::describe(&e))?;
    eprintln!(
        "imported {saved} articles in {:.1}s; {} failed",
        started.elapsed().as_secs_f64(),
        failed + unreadable
    );
    Ok(if failed + unreadable == 0 {
        ExitCode::SUCCESS
    } else {
        ExitCode::FAILURE
    })
}

fn generate_corpus(store: &Store, articles: u64, seed: u64) -> Result<(), String> {
    let started = Instant::now();
    // Dates end at today's midnight (UTC), so a run is repeatable all day.
    let end = article::now()
        .date_naive()
        .and_hms_opt(0, 0, 0)
        .map(|t| t.and_utc())
        .ok_or("cannot compute today's date")?;
    let before = store.count_articles().map_err(|e| service::describe(&e))?;
    let mut n = 0;
    while n < articles {
        let upto = (n + BATCH as u64).min(articles);
        let batch: Vec<(usize, ArticleInput)> = (n..upto)
            .map(|i| (i as usize, generate::article(seed, i, end)))
            .collect();
        let report = service::import_batch(store, batch, ArticleStatus::Published, article::now());
        if let Some((i, msg)) = report.failed.first() {
            return Err(format!("generated article {i} was refused: {msg}"));
        }
        n = upto;
        if n % 10_000 == 0 {
            eprintln!("generated {n} of {articles}");
        }
    }
    store.optimize(true).map_err(|e| service::describe(&e))?;
    let after = store.count_articles().map_err(|e| service::describe(&e))?;
    eprintln!(
        "generated {articles} articles (seed {seed}) in {:.1}s; the database now holds {after} (was {before})",
        started.elapsed().as_secs_f64()
    );
    Ok(())
}
