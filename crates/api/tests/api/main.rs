//! End-to-end tests: each starts the real server on a free port with a
//! fresh database and talks HTTP. One binary, so the crate links once.

#[macro_use]
mod helpers;

mod accounts;
mod analytics;
mod articles;
mod auth;
mod cli;
mod editors;
mod engagement;
mod feeds;
mod fields;
mod graphql;
mod live;
mod ops;
mod policy;
mod relevance;
mod relevance_fit;
mod response_cache;
mod schema;
mod search;
mod security;
mod site;
mod spans;
mod stream_limits;
mod structured;
mod suggestions;
mod sync;
mod taxonomy;
mod terms;
mod webhooks;
mod writes;
