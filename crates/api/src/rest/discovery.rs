//! Discovery: full-text search and explainable related news.

use actix_web::{get, web, HttpRequest, HttpResponse};
use newsdesk_domain::article::{self, ArticleView};
use newsdesk_domain::related::{self, Reason};
use newsdesk_domain::search;
use newsdesk_domain::{service, DomainError, PageLimit};
use serde::{Deserialize, Serialize};

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::rest::cache::{self, CacheInfo};
use crate::rest::list_response;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(search_articles).service(related_articles);
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SearchParams {
    /// Words (all must match), "quoted phrases", and `-word` to exclude.
    pub q: Option<String>,
    /// 1 to 100, default 20.
    pub limit: Option<String>,
    /// `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct SearchHitJson {
    pub article: ArticleView,
    /// 0..1, higher is better; compare within one query.
    pub score: f64,
    /// Text around the matches, HTML-escaped, matches wrapped in `<mark>`.
    pub highlight: String,
}

/// Full-text search over published articles, best first.
#[utoipa::path(
    tag = "discovery",
    path = "/search",
    params(SearchParams),
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
    state: web::Data<AppState>,
    params: web::Query<SearchParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let limit = PageLimit::parse(p.limit.as_deref())?;
    let q = p
        .q
        .filter(|q| !q.trim().is_empty())
        .ok_or_else(|| DomainError::BadRequest("q is required: the words to search for".into()))?;
    let visibility = caller.0.visibility();
    let base = state.base_url.clone();
    let page = state
        .run(move |store| {
            let page = search::search(store, &q, limit, p.cursor.as_deref(), visibility)?;
            let now = article::now();
            let (records, rest): (Vec<_>, Vec<_>) = page
                .items
                .into_iter()
                .map(|h| (h.record, (h.score, h.highlight)))
                .unzip();
            let views = service::assemble(store, records, &base, now)?;
            Ok(newsdesk_domain::Page {
                items: views
                    .into_iter()
                    .zip(rest)
                    .map(|(article, (score, highlight))| SearchHitJson {
                        article,
                        score,
                        highlight,
                    })
                    .collect(),
                next_cursor: page.next_cursor,
                limit: page.limit,
            })
        })
        .await?;
    let mut info = CacheInfo {
        private: caller.is_staff(),
        ..CacheInfo::default()
    };
    for h in &page.items {
        info.key(format!("article:{}", h.article.id));
    }
    list_response(&req, &state.base_url, page, info)
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RelatedParams {
    /// 1 to 20, default 5.
    pub limit: Option<String>,
}

#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RelatedJson {
    pub article: ArticleView,
    /// 0..1.
    pub score: f64,
    /// Why it was picked: each reason's share of the score (`recency`: the
    /// factor the others were multiplied by).
    pub reasons: Vec<Reason>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct RelatedList {
    pub data: Vec<RelatedJson>,
}

#[derive(utoipa::ToSchema)]
pub struct SearchList {
    pub data: Vec<SearchHitJson>,
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
    state: web::Data<AppState>,
    slug: web::Path<String>,
    params: web::Query<RelatedParams>,
) -> Result<HttpResponse, ApiError> {
    let limit = related::parse_limit(params.limit.as_deref())?;
    let slug = slug.into_inner();
    let visibility = caller.0.visibility();
    let base = state.base_url.clone();
    let data = state
        .run(move |store| related_json(store, &slug, visibility, limit, &base))
        .await?;
    let mut info = CacheInfo {
        private: caller.is_staff(),
        ..CacheInfo::default()
    };
    info.key("list".into());
    for r in &data {
        info.key(format!("article:{}", r.article.id));
    }
    cache::respond(&req, &RelatedList { data }, info, |_| {})
}

/// Related articles with their views: shared by REST and GraphQL.
pub fn related_json(
    store: &dyn newsdesk_domain::Storage,
    slug: &str,
    visibility: newsdesk_domain::Visibility,
    limit: usize,
    base: &str,
) -> Result<Vec<RelatedJson>, DomainError> {
    let now = article::now();
    let ranked = related::related(store, slug, visibility, limit, now)?;
    let (records, rest): (Vec<_>, Vec<_>) = ranked
        .into_iter()
        .map(|r| (r.record, (r.score, r.reasons)))
        .unzip();
    let views = service::assemble(store, records, base, now)?;
    Ok(views
        .into_iter()
        .zip(rest)
        .map(|(article, (score, reasons))| RelatedJson {
            article,
            score: (score * 10_000.0).round() / 10_000.0,
            reasons,
        })
        .collect())
}
