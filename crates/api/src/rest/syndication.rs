//! What partners integrate with over REST: corrections as data, and delta
//! sync (`GET /sync`), after Contentful's sync API.

use actix_web::http::header;
use actix_web::{get, post, web, HttpResponse};
use chrono::{DateTime, Utc};
use newsdesk_domain::editorial;
use newsdesk_domain::paging::PageLimit;
use newsdesk_domain::service::sync::{self, SyncItem};
use serde::{Deserialize, Serialize};

use crate::auth::{Caller, PartnerPolicy};
use crate::error::{ApiError, Problem};
use crate::rest::articles::ArticleOne;
use crate::rest::One;
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(add_correction).service(sync_articles);
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CorrectionBody {
    /// What was wrong and what is right, as readers will see it.
    #[schema(required = true, nullable = false, min_length = 1, pattern = r"\S")]
    pub text: Option<String>,
}

/// Append a dated correction (editor+). It shows in the article's
/// `corrections` in every format, bumps `updated_at`, and is a change for
/// sync and feeds.
#[utoipa::path(
    tag = "articles",
    path = "/articles/{slug}/corrections",
    params(("slug" = String, Path, description = "Article slug")),
    request_body = CorrectionBody,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "The corrected article", body = ArticleOne),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "Needs the editor role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Missing or over-long text", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles/{slug}/corrections")]
pub async fn add_correction(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<CorrectionBody>,
) -> Result<HttpResponse, ApiError> {
    let (slug, body) = (slug.into_inner(), body.into_inner());
    let base = state.base_url.clone();
    let now = state.now();
    let view = state
        .run(move |store| {
            let r = editorial::add_correction(store, &caller.0, &slug, body.text.as_deref(), now)?;
            editorial::view_of(store, r, &base, now)
        })
        .await?;
    Ok(HttpResponse::Created().json(One { data: view }))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SyncParams {
    /// `meta.next_token` of the previous page; none to start from scratch.
    pub token: Option<String>,
    /// 1 to 100, default 100.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SyncMeta {
    /// Keep it, and pass it as `token` next time.
    pub next_token: String,
    /// Whether calling again now would return more.
    pub has_more: bool,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct SyncList {
    pub data: Vec<SyncItem>,
    pub meta: SyncMeta,
}

/// Delta sync for partners mirroring the content. Without a token, every
/// public article, paged; then every change since the token, in order:
/// `article` items to create or replace, `tombstone` items (id and slug)
/// to remove.
#[utoipa::path(
    tag = "syndication",
    path = "/sync",
    params(SyncParams),
    responses(
        (status = 200, description = "A page of changes", body = SyncList),
        (status = 400, description = "A token that is not one of ours", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/sync")]
pub async fn sync_articles(
    policy: PartnerPolicy,
    state: web::Data<AppState>,
    params: web::Query<SyncParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let limit = PageLimit::parse_with(p.limit.as_deref(), 100, 100)?;
    let base = state.base_url.clone();
    let now: DateTime<Utc> = state.now();
    let page = state
        .run(move |store| sync::sync(store, p.token.as_deref(), limit, policy.get(), &base, now))
        .await?;
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .json(SyncList {
            data: page.items,
            meta: SyncMeta {
                next_token: page.next_token,
                has_more: page.has_more,
            },
        }))
}
