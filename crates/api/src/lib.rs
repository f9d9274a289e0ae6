//! newsdesk-api: the HTTP server (REST, GraphQL, docs, operations) and the
//! `newsdesk` command line. Handlers translate between transports and the
//! domain services; rules live in newsdesk-domain, SQL in
//! newsdesk-persistence.

pub mod auth;
pub mod cli;
pub mod cluster;
pub mod config;
pub mod demo;
pub mod error;
pub mod graphql;
pub mod hygiene;
pub mod landing;
pub mod login;
pub mod methods;
pub mod metrics;
pub mod middleware;
pub mod openapi;
pub mod ops;
pub mod push;
pub mod response_cache;
pub mod rest;
pub mod server;
pub mod state;
pub mod syndication;
pub mod telemetry;
pub mod throttle;
pub mod views;

pub use state::AppState;
