//! The demo corpus of `serve --demo`: original articles written for
//! newsdesk in the publishers' plain-text layout, each preceded by a line
//! `@@ section=Section_Name hours_ago=N` that says where and when it ran.

use chrono::TimeDelta;
use newsdesk_domain::article::{self, ArticleStatus};
use newsdesk_domain::{import, service, ContentStore};

const CORPUS: &str = include_str!("../demo/articles.txt");

/// The demo articles as create bodies, dated relative to now.
pub fn articles() -> Result<Vec<newsdesk_domain::ArticleInput>, String> {
    let now = article::now();
    let mut out = Vec::new();
    for (i, chunk) in CORPUS.split("\n@@ ").enumerate() {
        let chunk = chunk.trim_start_matches("@@ ");
        if chunk.trim().is_empty() {
            continue;
        }
        let (meta, text) = chunk
            .split_once('\n')
            .ok_or(format!("demo article {i}: no text"))?;
        let mut input =
            import::parse_plain_text(text).map_err(|e| format!("demo article {i}: {e}"))?;
        for pair in meta.split_whitespace() {
            match pair.split_once('=') {
                Some(("section", s)) => input.section = Some(s.replace('_', " ")),
                Some(("hours_ago", h)) => {
                    let hours: i64 = h
                        .parse()
                        .map_err(|_| format!("demo article {i}: bad hours_ago"))?;
                    input.published_at = Some((now - TimeDelta::hours(hours)).to_rfc3339());
                }
                Some(("status", s)) => input.status = Some(s.to_owned()),
                _ => return Err(format!("demo article {i}: unknown meta {pair:?}")),
            }
        }
        out.push(input);
    }
    Ok(out)
}

/// Loads the demo corpus when the database holds no article; returns how
/// many were loaded.
pub fn load_if_empty(store: &(impl ContentStore + ?Sized)) -> Result<usize, String> {
    if store.count_articles().map_err(|e| service::describe(&e))? > 0 {
        return Ok(0);
    }
    let inputs = articles()?.into_iter().enumerate().collect();
    let report = service::import_batch(store, inputs, ArticleStatus::Published, article::now());
    if let Some((i, msg)) = report.failed.first() {
        return Err(format!("demo article {i} was refused: {msg}"));
    }
    Ok(report.saved)
}
