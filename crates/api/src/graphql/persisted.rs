//! Cacheable GraphQL: automatic persisted queries (Apollo's APQ protocol)
//! and queries over GET, which the response cache and CDNs keep like any
//! REST read.
//!
//! async-graphql ships an APQ extension, but it hands the executor a parsed
//! document, which skips the parse step and with it `budget::Budget`, the
//! check that refuses fragment bombs. This one stores the query's text
//! instead, so a persisted query is parsed and measured like any other.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use async_graphql::extensions::{
    Extension, ExtensionContext, ExtensionFactory, NextPrepareRequest, NextResolve, ResolveInfo,
};
use async_graphql::{Request, ServerError, ServerResult, Value};
use sha2::{Digest, Sha256};

/// Query texts by their SHA-256, as Apollo clients register them.
#[derive(Clone)]
pub struct PersistedQueries(moka::sync::Cache<String, Arc<str>>);

/// How many distinct persisted queries a node keeps.
const MAX_QUERIES: u64 = 10_000;
/// The longest query text kept.
const MAX_QUERY_BYTES: usize = 32 * 1024;

impl Default for PersistedQueries {
    fn default() -> Self {
        PersistedQueries(moka::sync::Cache::new(MAX_QUERIES))
    }
}

impl ExtensionFactory for PersistedQueries {
    fn create(&self) -> Arc<dyn Extension> {
        Arc::new(self.clone())
    }
}

fn refuse(message: &str, code: &str) -> ServerError {
    super::codes::coded(message, code)
}

#[async_graphql::async_trait::async_trait]
impl Extension for PersistedQueries {
    async fn prepare_request(
        &self,
        ctx: &ExtensionContext<'_>,
        mut request: Request,
        next: NextPrepareRequest<'_>,
    ) -> ServerResult<Request> {
        if let Some(value) = request.extensions.remove("persistedQuery") {
            let hash = persisted_hash(value)?;
            if request.query.trim().is_empty() {
                match self.0.get(&hash) {
                    Some(text) => request.query = text.to_string(),
                    // The message is what Apollo clients look for before
                    // sending the query along with its hash.
                    None => {
                        return Err(refuse(
                            "PersistedQueryNotFound",
                            "PERSISTED_QUERY_NOT_FOUND",
                        ))
                    }
                }
            } else {
                let actual = hex::encode(Sha256::digest(request.query.as_bytes()));
                if actual != hash {
                    return Err(refuse(
                        "provided sha does not match query",
                        "BAD_USER_INPUT",
                    ));
                }
                if request.query.len() <= MAX_QUERY_BYTES {
                    self.0.insert(hash, request.query.as_str().into());
                }
            }
        }
        next.run(ctx, request).await
    }

    async fn resolve(
        &self,
        ctx: &ExtensionContext<'_>,
        info: ResolveInfo<'_>,
        next: NextResolve<'_>,
    ) -> ServerResult<Option<Value>> {
        if let Some(hints) = ctx.data_opt::<Arc<CacheHints>>() {
            if info.parent_type == MUTATION {
                return Err(refuse(
                    "mutations are sent with POST, not GET",
                    "BAD_USER_INPUT",
                ));
            }
            if VOLATILE.contains(&info.name) {
                hints.volatile.store(true, Ordering::Relaxed);
            }
        }
        next.run(ctx, info).await
    }
}

/// The name of the schema's mutation type (`graphql::MutationRoot`).
const MUTATION: &str = "MutationRoot";

/// Fields whose value changes with no write to purge it, or that only
/// staff may read: a response that asks for one is not cached.
const VOLATILE: [&str; 4] = ["viewCount", "mostRead", "viewer", "suggest"];

/// Present on GET requests: what the response cache must know of the
/// answer.
#[derive(Default)]
pub struct CacheHints {
    pub volatile: AtomicBool,
}

#[derive(serde::Deserialize)]
struct Persisted {
    version: i32,
    #[serde(rename = "sha256Hash")]
    sha256_hash: String,
}

fn persisted_hash(value: Value) -> ServerResult<String> {
    let p: Persisted = async_graphql::from_value(value).map_err(|_| {
        refuse(
            "extensions.persistedQuery must be {\"version\": 1, \"sha256Hash\": \"…\"}",
            "BAD_USER_INPUT",
        )
    })?;
    if p.version != 1 {
        return Err(refuse(
            "only version 1 of persisted queries is supported",
            "BAD_USER_INPUT",
        ));
    }
    let hash = p.sha256_hash.to_ascii_lowercase();
    if hash.len() != 64 || !hash.bytes().all(|b| b.is_ascii_hexdigit()) {
        return Err(refuse(
            "sha256Hash must be 64 hexadecimal digits",
            "BAD_USER_INPUT",
        ));
    }
    Ok(hash)
}
