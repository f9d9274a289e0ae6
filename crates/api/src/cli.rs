//! The `newsdesk` command line: serve, migrate, import, export, generate.

use std::io::{BufWriter, Write};
use std::net::TcpListener;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::Instant;

use clap::{Parser, Subcommand, ValueEnum};
use newsdesk_domain::article::{self, ArticleInput, ArticleStatus};
use newsdesk_domain::{generate, import, service, ContentStore};
use newsdesk_persistence::Store;

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
    /// Add a deterministic synthetic corpus, for benchmarks.
    Generate {
        #[arg(long)]
        articles: u64,
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
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
        Command::Serve { bind, demo } => serve(&config, &bind, demo).map(|()| ExitCode::SUCCESS),
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
        Command::Generate { articles, seed } => {
            generate_corpus(&open_store(&config)?, articles, seed)?;
            Ok(ExitCode::SUCCESS)
        }
    }
}

fn serve(config: &Config, bind: &str, with_demo: bool) -> Result<(), String> {
    let store = open_store(config)?;
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
    let state = AppState::new(store, config.base_url());
    actix_web::rt::System::new()
        .block_on(async move { server::build(listener, state)?.await })
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
