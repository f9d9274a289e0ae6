//! Discovery: full-text search and explainable related news.

use actix_web::{get, post, web, HttpRequest, HttpResponse};
use newsdesk_domain::events::purge;
use newsdesk_domain::related;
use newsdesk_domain::service::{self, Audience, RelatedArticle, SearchResult};
use newsdesk_domain::PageLimit;
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, PartnerPolicy};
use crate::error::{ApiError, Problem};
use crate::rest::cache::{self, CacheInfo};
use crate::rest::{list_response, PageParams};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(search_articles)
        .service(related_articles)
        .service(suggest);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words (all must match), "quoted phrases", and `-word` to exclude.
    /// A query with nothing to look for (no word in any script, or only
    /// common words like "the") is a 400: no pattern can say which.
    #[param(required = true)]
    pub q: Option<String>,
}

/// Full-text search over published articles, best first.
#[utoipa::path(
    tag = "discovery",
    path = "/search",
    params(SearchParams, PageParams),
    responses(
        (status = 200, description = "Hits, best first, with a `Link` header to the next page", body = SearchList),
        (status = 400, description = "No words to search for, a query over 500 characters, or a bad cursor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/search")]
pub async fn search_articles(
    req: HttpRequest,
    caller: Caller,
    policy: PartnerPolicy,
    state: web::Data<AppState>,
    params: web::Query<SearchParams>,
    page: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let (p, page) = (params.into_inner(), page.into_inner());
    let limit = PageLimit::parse(page.limit.as_deref())?;
    let now = state.now();
    let visibility = caller.0.visibility_at(now);
    let base = state.base_url.clone();
    let partner = policy.clone();
    let page = state
        .run(move |store| {
            let audience = Audience {
                visibility,
                policy: partner.get(),
            };
            service::search_results(
                store,
                p.q.as_deref(),
                limit,
                page.cursor.as_deref(),
                audience,
                &base,
                now,
            )
        })
        .await?;
    let mut info = CacheInfo {
        private: caller.is_staff() || policy.get().is_some(),
        ..CacheInfo::default()
    };
    for h in &page.items {
        info.key(purge::article(&h.article.id));
    }
    list_response(&req, &state.base_url, page, info)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelatedParams {
    /// 1 to 20, default 5.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 20)]
    pub limit: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RelatedList {
    pub data: Vec<RelatedArticle>,
}

#[derive(utoipa::ToSchema)]
pub struct SearchList {
    pub data: Vec<SearchResult>,
    pub meta: crate::rest::ListMeta,
}

/// Related published articles, best first, each with its reasons.
#[utoipa::path(
    tag = "discovery",
    path = "/articles/{slug}/related",
    params(("slug" = String, Path, description = "Article slug"), RelatedParams),
    responses(
        (status = 200, description = "Related articles", body = RelatedList),
        (status = 404, description = "No visible article has this slug", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}/related")]
pub async fn related_articles(
    req: HttpRequest,
    caller: Caller,
    policy: PartnerPolicy,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    params: web::Query<RelatedParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = related::parse_limit(params.limit.as_deref())?;
    let slug = slug.into_inner();
    let now = state.now();
    let visibility = caller.0.visibility_at(now);
    let base = state.base_url.clone();
    let partner = policy.clone();
    let data = state
        .run(move |store| {
            let audience = Audience {
                visibility,
                policy: partner.get(),
            };
            service::related_articles(store, &slug, audience, limit, &base, now)
        })
        .await?;
    let mut info = CacheInfo {
        private: caller.is_staff() || policy.get().is_some(),
        ..CacheInfo::default()
    };
    info.key(purge::LIST.into());
    for r in &data {
        info.key(purge::article(&r.article.id));
    }
    cache::respond(&req, &RelatedList { data }, info, |_| {})
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SuggestionsOne {
    pub data: service::Suggestions,
}

/// Suggestions for a draft, saved or not: published articles to link from
/// it (with reasons, as `/related`), existing tags that label its nearest
/// articles (each with the articles it comes from) and a section.
#[utoipa::path(
    tag = "discovery",
    path = "/suggestions",
    request_body = service::Draft,
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Suggestions, never cached", body = SuggestionsOne),
        (status = 400, description = "Not the JSON this route takes (an unknown field, a wrong type)", body = Problem, content_type = "application/problem+json"),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Not staff", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "No words in title or body", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/suggestions")]
pub async fn suggest(
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<service::Draft>,
) -> Result<HttpResponse, ApiError> {
    let draft = body.into_inner();
    let base = state.base_url.clone();
    let now = state.now();
    let data = state
        .run(move |store| service::suggestions(store, &caller.0, &draft, &base, now))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((actix_web::http::header::CACHE_CONTROL, "private, no-store"))
        .json(SuggestionsOne { data }))
}
