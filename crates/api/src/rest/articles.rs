//! `/api/v1/articles`: the public list and single reads.

use actix_web::{get, web, HttpRequest, HttpResponse};
use newsdesk_domain::article::ArticleView;
use newsdesk_domain::query::{ArticleFilter, ArticleQuery, RawArticleFilter, Visibility};
use newsdesk_domain::{service, PageLimit};
use serde::Deserialize;

use crate::error::{ApiError, Problem};
use crate::rest::cache::{self, CacheInfo};
use crate::rest::{list_response, One};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list_articles).service(get_article);
}

/// Query of `GET /articles`. Values stay strings here so that a bad one is
/// reported by the domain as a 422 naming the field.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListParams {
    /// 1 to 100, default 20.
    pub limit: Option<String>,
    /// `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
    /// Tag slug.
    pub tag: Option<String>,
    /// Section slug.
    pub section: Option<String>,
    /// Author slug.
    pub author: Option<String>,
    /// Slug of an article to leave out (for "more in this section").
    pub exclude: Option<String>,
    /// RFC 3339 date-time or date: only articles published after it.
    pub published_after: Option<String>,
    /// RFC 3339 date-time or date: only articles published before it.
    pub published_before: Option<String>,
}

/// List published articles, newest first.
#[utoipa::path(
    tag = "articles",
    params(ListParams),
    responses(
        (status = 200, description = "A page of articles, with a `Link` header to the next", body = ArticleList),
        (status = 400, description = "Malformed cursor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid limit or date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<ListParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let limit = PageLimit::parse(p.limit.as_deref())?;
    let filter = ArticleFilter::parse(RawArticleFilter {
        tag: p.tag,
        section: p.section,
        author: p.author,
        exclude: p.exclude,
        published_after: p.published_after,
        published_before: p.published_before,
    })?;
    let query = ArticleQuery::new(filter, limit, p.cursor.as_deref(), Visibility::public_now())?;
    let base = state.base_url.clone();
    let page = state
        .run(move |store| {
            let now = newsdesk_domain::article::now();
            let page = service::list_articles(store, &query)?;
            let items = service::assemble(store, page.items, &base, now)?;
            Ok(newsdesk_domain::Page {
                items,
                next_cursor: page.next_cursor,
                limit: page.limit,
            })
        })
        .await?;
    let mut info = CacheInfo::default();
    for a in &page.items {
        describe(a, &mut info);
    }
    list_response(&req, &state.base_url, page, info)
}

/// One published article by slug.
#[utoipa::path(
    tag = "articles",
    params(("slug" = String, Path, description = "Article slug")),
    responses(
        (status = 200, description = "The article", body = ArticleOne),
        (status = 404, description = "No published article has this slug", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}")]
pub async fn get_article(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let base = state.base_url.clone();
    let view = state
        .run(move |store| {
            let now = newsdesk_domain::article::now();
            let record = service::article(store, &slug, Visibility::Public { now })?;
            let mut views = service::assemble(store, vec![record], &base, now)?;
            views
                .pop()
                .ok_or_else(|| newsdesk_domain::DomainError::Internal("assembled nothing".into()))
        })
        .await?;
    let mut info = CacheInfo::default();
    describe(&view, &mut info);
    cache::respond(&req, &One { data: view }, info, |_| {})
}

/// What a response showing this article depends on.
fn describe(a: &ArticleView, info: &mut CacheInfo) {
    info.last_modified = info.last_modified.max(Some(a.updated_at));
    info.key(format!("article:{}", a.id));
    for t in &a.tags {
        info.key(format!("tag:{}", t.slug));
    }
    if let Some(s) = &a.section {
        info.key(format!("section:{}", s.slug));
    }
    for au in &a.authors {
        info.key(format!("author:{}", au.slug));
    }
}

/// OpenAPI shapes of the envelopes.
#[derive(utoipa::ToSchema)]
pub struct ArticleOne {
    pub data: ArticleView,
}

#[derive(utoipa::ToSchema)]
pub struct ArticleList {
    pub data: Vec<ArticleView>,
    pub meta: crate::rest::ListMeta,
}
