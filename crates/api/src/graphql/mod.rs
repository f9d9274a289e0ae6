//! GraphQL at `/graphql`: the same services as REST, with DataLoaders so a
//! page of articles loads its tags, authors and sections in one statement
//! per relation, and depth and complexity limits checked before execution.

mod accounts;
mod article;
mod budget;
mod codes;
mod discovery;
pub mod engagement;
mod graphiql;
mod loaders;
mod mutations;
mod persisted;
mod query;
mod subscription;
mod terms;

use actix_web::{web, HttpResponse};
use async_graphql::dataloader::{DataLoader, HashMapCache};
use async_graphql::{Context, ErrorExtensions, MergedObject, Schema};
use async_graphql_actix_web::{GraphQLRequest, GraphQLResponse};

use crate::auth::Caller;
use crate::error::ApiError;
use newsdesk_domain::events::purge;
use newsdesk_domain::paging::{self, PageLimit};
use newsdesk_domain::user::Principal;

use crate::state::AppState;

pub use query::ContentQuery;
pub use subscription::SubscriptionRoot;

// Every read, gathered from the module of its resource.
#[derive(MergedObject, Default)]
pub struct QueryRoot(ContentQuery, engagement::EngagementQuery);

// Every write, gathered from the module of its resource.
#[derive(MergedObject, Default)]
pub struct MutationRoot(
    engagement::EngagementMutations,
    accounts::AccountMutations,
    mutations::ArticleMutations,
    terms::TagMutations,
    terms::SectionMutations,
    terms::AuthorMutations,
);

pub type NewsdeskSchema = Schema<QueryRoot, MutationRoot, SubscriptionRoot>;

/// Deep enough for GraphiQL's introspection query, shallow enough to stop
/// `tag { articles { edges { node { tags { articles ...` recursion.
pub const MAX_DEPTH: usize = 16;
/// Each list field counts its page size times its children, so this bounds
/// the rows a single query can ask for.
pub const MAX_COMPLEXITY: usize = 5_000;

/// The schema without runtime data: enough to export the SDL.
pub fn schema_builder() -> async_graphql::SchemaBuilder<QueryRoot, MutationRoot, SubscriptionRoot> {
    Schema::build(
        QueryRoot::default(),
        MutationRoot::default(),
        SubscriptionRoot::default(),
    )
    .limit_depth(MAX_DEPTH)
    .limit_complexity(MAX_COMPLEXITY)
    .extension(codes::ErrorCodes)
    .extension(budget::Budget)
    .extension(persisted::PersistedQueries::default())
}

/// What the costly fields count toward `MAX_COMPLEXITY`, on top of their
/// children, so that one request cannot ask for many of them through
/// aliases: a full-text search, a related-news ranking (five statements),
/// a password check (argon2, tens of milliseconds by design) and a write.
pub const SEARCH_COST: usize = 250;
pub const RELATED_COST: usize = 100;
pub const LOGIN_COST: usize = 1_000;
pub const WRITE_COST: usize = 100;

/// What a page of `first` costs before `first` is checked: the page size
/// the domain would serve (its default, at most its cap) times each item.
fn sized(first: Option<i32>, default: u32, max: u32, child_complexity: usize) -> usize {
    let n = first.map_or(default, |f| u32::try_from(f).unwrap_or(1).clamp(1, max));
    n as usize * child_complexity
}

pub fn page_cost(first: Option<i32>, child_complexity: usize) -> usize {
    sized(
        first,
        paging::DEFAULT_LIMIT,
        paging::MAX_LIMIT,
        child_complexity,
    )
}

pub fn related_cost(first: Option<i32>, child_complexity: usize) -> usize {
    use newsdesk_domain::related::{DEFAULT_LIMIT, MAX_LIMIT};
    RELATED_COST + sized(first, DEFAULT_LIMIT, MAX_LIMIT, child_complexity)
}

pub fn schema(state: AppState) -> NewsdeskSchema {
    schema_builder().data(state).finish()
}

/// The SDL that `schema.graphql` at the repository root must equal.
pub fn sdl() -> String {
    schema_builder().finish().sdl_with_options(
        async_graphql::SDLExportOptions::new()
            .sorted_fields()
            .sorted_enum_items(),
    )
}

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(graphiql::asset).service(
        web::resource("/graphql")
            .route(web::post().to(execute))
            .route(
                web::get()
                    .guard(actix_web::guard::Header("upgrade", "websocket"))
                    .to(subscription::websocket),
            )
            .route(
                web::get()
                    .guard(actix_web::guard::fn_guard(|ctx| {
                        ctx.head().uri.query().is_some_and(|q| {
                            q.split('&')
                                .any(|p| p.starts_with("query=") || p.starts_with("extensions="))
                        })
                    }))
                    .to(execute_get),
            )
            .route(web::get().to(graphiql))
            .default_service(web::to(crate::methods::fallback)),
    );
}

async fn execute(
    schema: web::Data<NewsdeskSchema>,
    state: web::Data<AppState>,
    caller: Caller,
    policy: crate::auth::PartnerPolicy,
    http: actix_web::HttpRequest,
    req: GraphQLRequest,
) -> Result<GraphQLResponse, ApiError> {
    let request = has_query(req.into_inner())?;
    let request = with_context(request, &state, caller, policy, &http);
    Ok(schema.execute(request).await.into())
}

/// A query over GET (`?query=` or a persisted query's `?extensions=`):
/// what CDNs and the response cache keep. Mutations are refused; an answer
/// without errors that reads no volatile field is public and cacheable.
async fn execute_get(
    schema: web::Data<NewsdeskSchema>,
    state: web::Data<AppState>,
    caller: Caller,
    policy: crate::auth::PartnerPolicy,
    http: actix_web::HttpRequest,
) -> Result<HttpResponse, ApiError> {
    let request = async_graphql::http::parse_query_string(http.query_string())
        .map_err(|e| ApiError::bad_request(format!("malformed GraphQL GET request: {e}")))?;
    let request = has_query(request)?;
    let hints = std::sync::Arc::new(persisted::CacheHints::default());
    let partner = policy.get().is_some();
    let request = with_context(request, &state, caller, policy, &http).data(hints.clone());
    let response = schema.execute(request).await;
    let bytes = serde_json::to_vec(&response).map_err(ApiError::internal)?;
    let volatile = hints.volatile.load(std::sync::atomic::Ordering::Relaxed);
    if !response.is_ok() || volatile || caller.is_staff() {
        return Ok(HttpResponse::Ok()
            .insert_header((actix_web::http::header::CACHE_CONTROL, "no-store"))
            .content_type("application/json")
            .body(bytes));
    }
    let info = crate::rest::cache::CacheInfo {
        last_modified: None,
        // Every write that changes anything public purges `list`.
        keys: vec![purge::LIST.to_owned(), "graphql".to_owned()],
        private: partner,
    };
    let etag = crate::rest::cache::etag_of(&bytes);
    Ok(crate::rest::cache::respond_bytes(
        &http,
        bytes.into(),
        "application/json",
        &etag,
        &info,
        |_| {},
    ))
}

/// GraphQL over HTTP: a request without a query is malformed (400), like a
/// body that is not JSON at all. A persisted query's hash stands for its text.
fn has_query(request: async_graphql::Request) -> Result<async_graphql::Request, ApiError> {
    if request.query.trim().is_empty() && !request.extensions.contains_key("persistedQuery") {
        return Err(ApiError::bad_request("the GraphQL request has no query"));
    }
    Ok(request)
}

/// The request's caller, client and per-request loaders.
fn with_context(
    request: async_graphql::Request,
    state: &AppState,
    caller: Caller,
    policy: crate::auth::PartnerPolicy,
    http: &actix_web::HttpRequest,
) -> async_graphql::Request {
    let state = state.clone();
    // Loaders are per request: their cache must not outlive one query.
    let address = crate::rest::accounts::client_addr(http);
    request
        .data(caller.0)
        .data(policy.clone())
        .data(crate::auth::ClientAddr(address))
        .data(engagement::UserAgent(
            http.headers()
                .get(actix_web::http::header::USER_AGENT)
                .and_then(|v| v.to_str().ok())
                .unwrap_or_default()
                .to_owned(),
        ))
        .data(cached(loaders::ViewCounts(state.clone())))
        .data(cached(loaders::ArticleTerms(state.clone())))
        .data(cached(loaders::Sections(state.clone())))
        .data(cached(loaders::Corrections(state.clone())))
        .data(cached(loaders::TermCounts(state, caller.0, policy)))
}

/// A loader with a per-request cache (async-graphql's default has none), so
/// values primed with `feed_many` are served without another query.
pub(crate) fn cached<T: Send + Sync + 'static>(loader: T) -> DataLoader<T, HashMapCache> {
    DataLoader::with_cache(loader, actix_web::rt::spawn, HashMapCache::default())
}

async fn graphiql() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .body(graphiql::page())
}

/// API errors as GraphQL errors with `extensions.code`.
pub fn gql_error(e: ApiError) -> async_graphql::Error {
    let code = match e.status.as_u16() {
        400 | 422 => "BAD_USER_INPUT",
        401 => "UNAUTHENTICATED",
        403 => "FORBIDDEN",
        404 => "NOT_FOUND",
        409 => "CONFLICT",
        412 => "PRECONDITION_FAILED",
        429 => "RATE_LIMITED",
        503 => "SERVICE_UNAVAILABLE",
        _ => "INTERNAL_SERVER_ERROR",
    };
    let fields = e.errors.clone();
    let message = match &fields {
        Some(errs) => errs
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        None => e.detail.clone(),
    };
    async_graphql::Error::new(message).extend_with(|_, ext| {
        ext.set("code", code);
        if let Some(errs) = &fields {
            let list: Vec<async_graphql::Value> = errs
                .iter()
                .map(|f| {
                    let mut m = async_graphql::indexmap::IndexMap::new();
                    m.insert(
                        async_graphql::Name::new("field"),
                        async_graphql::Value::from(f.field.clone()),
                    );
                    m.insert(
                        async_graphql::Name::new("message"),
                        async_graphql::Value::from(f.message.clone()),
                    );
                    async_graphql::Value::Object(m)
                })
                .collect();
            ext.set("errors", list);
        }
    })
}

/// Domain errors as GraphQL errors.
pub fn domain_error(e: newsdesk_domain::DomainError) -> async_graphql::Error {
    gql_error(ApiError::from(e))
}

pub(crate) fn state<'a>(ctx: &Context<'a>) -> async_graphql::Result<&'a AppState> {
    ctx.data::<AppState>()
}

/// Who is calling; anonymous when the request carried nothing.
pub(crate) fn principal(ctx: &Context<'_>) -> Principal {
    ctx.data_opt::<Principal>().copied().unwrap_or_default()
}

/// A partner's syndication policy, if the caller has one.
pub(crate) fn policy<'a>(ctx: &Context<'a>) -> Option<&'a newsdesk_domain::policy::Policy> {
    ctx.data_opt::<crate::auth::PartnerPolicy>()
        .and_then(|p| p.get())
}

/// The caller's policy, owned, to go along to the blocking pool.
pub(crate) fn owned_policy(ctx: &Context<'_>) -> Option<newsdesk_domain::policy::Policy> {
    policy(ctx).cloned()
}

/// What the caller may see, judged at the server's time.
pub(crate) fn visibility(ctx: &Context<'_>) -> async_graphql::Result<newsdesk_domain::Visibility> {
    Ok(principal(ctx).visibility_at(state(ctx)?.now()))
}

pub(crate) fn page_limit(first: Option<i32>) -> async_graphql::Result<PageLimit> {
    PageLimit::with_max(
        first.map(i64::from),
        paging::DEFAULT_LIMIT,
        paging::MAX_LIMIT,
    )
    .map_err(|e| rename_limit(domain_error(e)))
}

/// The domain names the REST parameter `limit`; GraphQL callers passed `first`.
pub(crate) fn rename_limit(e: async_graphql::Error) -> async_graphql::Error {
    async_graphql::Error {
        message: e.message.replace("limit", "first"),
        ..e
    }
}
