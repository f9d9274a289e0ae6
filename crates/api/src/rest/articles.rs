//! `/api/v1/articles`: lists and single reads (public, or staff preview with
//! a token), and the editorial writes.

use actix_web::http::header;
use actix_web::{delete, get, patch, post, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use newsdesk_domain::article::{self, ArticleInput, ArticleView};
use newsdesk_domain::events::purge;
use newsdesk_domain::query::{ArticleFilter, ArticleQuery, RawArticleFilter};
use newsdesk_domain::service::Audience;
use newsdesk_domain::term::TermKind;
use newsdesk_domain::{editorial, service, DomainError, PageLimit};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::auth::{Caller, PartnerPolicy};
use crate::error::{ApiError, Problem};
use crate::rest::cache::{self, CacheInfo};
use crate::rest::fields::Fields;
use crate::rest::{list_response, One, PageParams};
use crate::state::AppState;
use crate::syndication::structured::{self, Representation};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list_articles)
        .service(create_article)
        .service(get_article)
        .service(update_article)
        .service(delete_article)
        .service(publish_article)
        .service(list_revisions);
}

/// List articles, newest first: published ones, or every status for staff.
#[utoipa::path(
    tag = "articles",
    params(PageParams, RawArticleFilter, FieldsParam),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "A page of articles, with a `Link` header to the next", body = ArticleList),
        (status = 400, description = "Malformed cursor", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid limit, date or field name", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles")]
pub async fn list_articles(
    req: HttpRequest,
    caller: Caller,
    policy: PartnerPolicy,
    state: web::Data<AppState>,
    page: web::Query<PageParams>,
    filter: web::Query<RawArticleFilter>,
    fields: web::Query<FieldsParam>,
) -> Result<HttpResponse, ApiError> {
    let limit = PageLimit::parse(page.limit.as_deref())?;
    let filter = ArticleFilter::parse(filter.into_inner())?;
    let fields = Fields::parse(fields.fields.as_deref())?;
    let now = state.now();
    let query = ArticleQuery::new(
        filter,
        limit,
        page.cursor.as_deref(),
        caller.0.visibility_at(now),
    )?
    .lean(!fields.wants_body());
    let base = state.base_url.clone();
    let partner = policy.clone();
    let page = state
        .run(move |store| service::list_article_views(store, &query, partner.get(), &base, now))
        .await?;
    let mut info = cache_info(&caller, &policy);
    for a in &page.items {
        describe(a, &mut info);
    }
    if fields.all() {
        return list_response(&req, &state.base_url, page, info);
    }
    let items = page
        .items
        .iter()
        .map(|a| fields.pick(a))
        .collect::<Result<Vec<Value>, ApiError>>()?;
    let page = newsdesk_domain::paging::Page {
        items,
        next_cursor: page.next_cursor,
        limit: page.limit,
    };
    list_response(&req, &state.base_url, page, info)
}

/// `fields`: only these Article fields, comma-separated.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FieldsParam {
    /// Article fields to return, comma-separated (e.g.
    /// `slug,title,excerpt,published_at`); all when absent. A list without
    /// `body_html` and `body_text` does not read the bodies.
    pub fields: Option<String>,
}

/// One article by slug: published, or any status for staff. By `Accept`:
/// JSON (the default), a schema.org `NewsArticle` (`application/ld+json`)
/// or IPTC ninjs 2.0 (`application/ninjs+json`).
#[utoipa::path(
    tag = "articles",
    params(("slug" = String, Path, description = "Article slug"), FieldsParam),
    security((), ("bearer" = [])),
    responses(
        (status = 200, description = "The article; its `ETag` is what `If-Match` takes. `Accept: application/ld+json` gives JSON-LD, `application/ninjs+json` ninjs 2.0 (`fields` applies to JSON only)", body = ArticleOne),
        (status = 422, description = "An unknown field name in `fields`", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "No visible article has this slug", body = Problem, content_type = "application/problem+json"),
        (status = 406, description = "`Accept` allows none of JSON, JSON-LD and ninjs", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}")]
pub async fn get_article(
    req: HttpRequest,
    caller: Caller,
    policy: PartnerPolicy,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    fields: web::Query<FieldsParam>,
) -> Result<HttpResponse, ApiError> {
    let fields = Fields::parse(fields.fields.as_deref())?;
    let accept = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok());
    let rep = Representation::negotiate(accept).ok_or_else(|| {
        ApiError::new(
            actix_web::http::StatusCode::NOT_ACCEPTABLE,
            "this article is served as application/json, application/ld+json or application/ninjs+json",
        )
    })?;
    let slug = slug.into_inner();
    let base = state.base_url.clone();
    let now = state.now();
    let visibility = caller.0.visibility_at(now);
    let partner = policy.clone();
    let view = state
        .run(move |store| {
            let audience = Audience {
                visibility,
                policy: partner.get(),
            };
            service::article_view(store, &slug, audience, &base, now)
        })
        .await?;
    let licence = policy.get().and_then(|p| p.licence.as_deref());
    let mut info = cache_info(&caller, &policy);
    describe(&view, &mut info);
    let vary = |res: &mut actix_web::HttpResponseBuilder| {
        res.append_header((header::VARY, "Accept"));
    };
    let (body, content_type) = match rep {
        Representation::Json if fields.all() => {
            return cache::respond(&req, &One { data: view }, info, vary)
        }
        Representation::Json => {
            let data = fields.pick(&view)?;
            return cache::respond(&req, &One { data }, info, vary);
        }
        Representation::JsonLd => (
            structured::json_ld(&view, &state.publisher, &state.base_url),
            structured::JSON_LD,
        ),
        Representation::Ninjs => (
            structured::ninjs(&view, &state.publisher, &state.base_url, licence),
            structured::NINJS,
        ),
    };
    let bytes = serde_json::to_vec(&body).map_err(ApiError::internal)?;
    let etag = cache::etag_of(&bytes);
    Ok(cache::respond_bytes(
        &req,
        bytes.into(),
        content_type,
        &etag,
        &info,
        vary,
    ))
}

/// Staff previews and partners' own views never go to shared caches.
fn cache_info(caller: &Caller, policy: &PartnerPolicy) -> CacheInfo {
    CacheInfo {
        private: caller.is_staff() || policy.get().is_some(),
        ..CacheInfo::default()
    }
}

/// What a response showing this article depends on.
fn describe(a: &ArticleView, info: &mut CacheInfo) {
    info.last_modified = info.last_modified.max(Some(a.updated_at));
    info.key(purge::article(&a.id));
    for t in &a.tags {
        info.key(purge::term(TermKind::Tag, &t.slug));
    }
    if let Some(s) = &a.section {
        info.key(purge::term(TermKind::Section, &s.slug));
    }
    for au in &a.authors {
        info.key(purge::term(TermKind::Author, &au.slug));
    }
}

/// The article after a write, as staff see it, with its new `ETag`.
fn written(
    req: &HttpRequest,
    view: ArticleView,
    status: actix_web::http::StatusCode,
    base: &str,
) -> Result<HttpResponse, ApiError> {
    let location = format!("{base}/api/v1/articles/{}", view.slug);
    let info = CacheInfo {
        private: true,
        ..CacheInfo::default()
    };
    let mut res = cache::respond(req, &One { data: view }, info, |r| {
        r.insert_header((header::LOCATION, location.clone()));
    })?;
    *res.status_mut() = status;
    Ok(res)
}

/// Create an article (author+). Drafts by default; authors can create only drafts.
#[utoipa::path(
    tag = "articles",
    request_body = ArticleInput,
    security(("bearer" = [])),
    responses(
        (status = 201, description = "Created; `Location` names it", body = ArticleOne),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 403, description = "An author asked to publish", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "The slug is taken", body = Problem, content_type = "application/problem+json"),
        (status = 413, description = "Body over 2 MiB", body = Problem, content_type = "application/problem+json"),
        (status = 415, description = "Not application/json", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields, one `errors[]` entry each", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles")]
pub async fn create_article(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    body: web::Json<ArticleInput>,
) -> Result<HttpResponse, ApiError> {
    let input = body.into_inner();
    let base = state.base_url.clone();
    let now = state.now();
    let view = state
        .run(move |store| {
            let record = editorial::create_article(store, &caller.0, input, now)?;
            editorial::view_of(store, record, &base, now)
        })
        .await?;
    written(
        &req,
        view,
        actix_web::http::StatusCode::CREATED,
        &state.base_url,
    )
}

/// Change an article (JSON merge patch: absent fields stay, `null` clears).
/// Send the `ETag` you read as `If-Match`: a stale one gets 412.
#[utoipa::path(
    tag = "articles",
    params(
        ("slug" = String, Path, description = "Article slug"),
        ("If-Match" = Option<String>, Header, description = "ETag of the version you edited"),
    ),
    request_body(content = Object, description = "Any create-body fields to change"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "The updated article", body = ArticleOne),
        (status = 403, description = "Not allowed for this role", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown slug", body = Problem, content_type = "application/problem+json"),
        (status = 409, description = "New slug taken", body = Problem, content_type = "application/problem+json"),
        (status = 412, description = "If-Match no longer matches", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    )
)]
#[patch("/articles/{slug}")]
pub async fn update_article(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<Value>,
) -> Result<HttpResponse, ApiError> {
    let Value::Object(patch) = body.into_inner() else {
        return Err(ApiError::bad_request("the body must be a JSON object"));
    };
    let if_match = req
        .headers()
        .get(header::IF_MATCH)
        .map(|v| v.to_str().map(str::to_owned))
        .transpose()
        .map_err(|_| ApiError::bad_request("If-Match is not readable"))?;
    let slug = slug.into_inner();
    let base = state.base_url.clone();
    let now = state.now();
    let view = state
        .run(move |store| {
            let check = |_: &newsdesk_domain::ArticleRecord, view: &ArticleView| {
                if_match
                    .as_deref()
                    .is_none_or(|m| cache::if_match_hits(m, &One { data: view.clone() }))
            };
            let record = editorial::update_article(
                store,
                &caller.0,
                &slug,
                patch,
                Some(&check),
                &base,
                now,
            )?;
            editorial::view_of(store, record, &base, now)
        })
        .await?;
    written(&req, view, actix_web::http::StatusCode::OK, &state.base_url)
}

/// Delete an article (editor+).
#[utoipa::path(
    tag = "articles",
    params(("slug" = String, Path, description = "Article slug")),
    security(("bearer" = [])),
    responses(
        (status = 204, description = "Deleted"),
        (status = 403, description = "Authors cannot delete", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown slug", body = Problem, content_type = "application/problem+json"),
    )
)]
#[delete("/articles/{slug}")]
pub async fn delete_article(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    state
        .run(move |store| editorial::delete_article(store, &caller.0, &slug))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Default, Deserialize, utoipa::ToSchema)]
pub struct PublishBody {
    /// When to publish (RFC 3339); in the future means scheduled. Default: now.
    #[schema(format = DateTime)]
    pub published_at: Option<String>,
}

/// Publish now, or schedule with a future `published_at` (editor+).
#[utoipa::path(
    tag = "articles",
    params(("slug" = String, Path, description = "Article slug")),
    request_body(content = PublishBody, description = "Optional"),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Published or scheduled", body = ArticleOne),
        (status = 403, description = "Authors cannot publish", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Bad date", body = Problem, content_type = "application/problem+json"),
    )
)]
#[post("/articles/{slug}/publish")]
pub async fn publish_article(
    req: HttpRequest,
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Bytes,
) -> Result<HttpResponse, ApiError> {
    // Who asks comes before what they sent: an anonymous caller learns
    // nothing about the body's validity.
    editorial::may_publish(&caller.0)?;
    let body: PublishBody = if body.iter().all(u8::is_ascii_whitespace) {
        PublishBody::default()
    } else {
        serde_json::from_slice(&body)
            .map_err(|e| ApiError::bad_request(format!("malformed JSON: {e}")))?
    };
    let at: Option<DateTime<Utc>> = match body.published_at.as_deref() {
        None => None,
        Some(s) => Some(
            newsdesk_domain::query::parse_time(s)
                .map(article::to_micros)
                .ok_or_else(|| {
                    DomainError::invalid("published_at", "must be an RFC 3339 date-time")
                })?,
        ),
    };
    let slug = slug.into_inner();
    let base = state.base_url.clone();
    let now = state.now();
    let view = state
        .run(move |store| {
            let record = editorial::publish_article(store, &caller.0, &slug, at, &base, now)?;
            editorial::view_of(store, record, &base, now)
        })
        .await?;
    written(&req, view, actix_web::http::StatusCode::OK, &state.base_url)
}

/// An earlier version of an article.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct RevisionJson {
    pub version: i32,
    /// When this version was replaced.
    pub replaced_at: DateTime<Utc>,
    /// Id of the user who replaced it.
    pub replaced_by: Option<String>,
    /// The version's fields, as a create body that restores it.
    pub article: ArticleInput,
}

/// Earlier versions, newest first (author+).
#[utoipa::path(
    tag = "articles",
    params(("slug" = String, Path, description = "Article slug")),
    security(("bearer" = [])),
    responses(
        (status = 200, description = "Revisions, newest first", body = RevisionList),
        (status = 401, description = "No or bad token", body = Problem, content_type = "application/problem+json"),
        (status = 404, description = "Unknown slug", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/articles/{slug}/revisions")]
pub async fn list_revisions(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let slug = slug.into_inner();
    let revisions = state
        .run(move |store| editorial::revisions(store, &caller.0, &slug))
        .await?;
    let data: Vec<RevisionJson> = revisions
        .into_iter()
        .map(|r| RevisionJson {
            version: r.version,
            replaced_at: r.replaced_at,
            replaced_by: r.replaced_by.map(|id| id.to_string()),
            article: r.article,
        })
        .collect();
    Ok(HttpResponse::Ok()
        .insert_header((header::CACHE_CONTROL, "private, no-store"))
        .json(serde_json::json!({ "data": data })))
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

#[derive(utoipa::ToSchema)]
pub struct RevisionList {
    pub data: Vec<RevisionJson>,
}
