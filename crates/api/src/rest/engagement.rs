//! Comments, page views and most-read over REST. The services are
//! `newsdesk_domain::service::engagement` and `crate::views`.

use actix_web::http::header::{HeaderValue, USER_AGENT};
use actix_web::{get, patch, post, web, HttpRequest, HttpResponse};
use newsdesk_domain::comment::{CommentInput, CommentStatus, CommentView};
use newsdesk_domain::paging::PageLimit;
use newsdesk_domain::service::engagement::{
    self, ModeratedComment, MOST_READ_DEFAULT, MOST_READ_MAX,
};
use newsdesk_domain::views::{MostRead, Window};
use serde::Deserialize;

use crate::auth::Caller;
use crate::error::{ApiError, Problem};
use crate::rest::accounts::client_addr;
use crate::rest::{List, ListMeta, One, PageParams};
use crate::state::AppState;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(list_comments)
        .service(submit_comment)
        .service(close_comments)
        .service(moderation_queue)
        .service(moderate_comment)
        .service(record_view)
        .service(most_read);
}

fn user_agent(req: &HttpRequest) -> &str {
    req.headers()
        .get(USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
}

fn page_json<T: serde::Serialize>(page: newsdesk_domain::paging::Page<T>) -> HttpResponse {
    HttpResponse::Ok().json(List {
        data: page.items,
        meta: ListMeta {
            next_cursor: page.next_cursor.map(|c| c.as_str().to_owned()),
            limit: page.limit.get(),
        },
    })
}

#[derive(utoipa::ToSchema)]
pub struct CommentList {
    pub data: Vec<CommentView>,
    pub meta: ListMeta,
}

#[derive(utoipa::ToSchema)]
pub struct ModeratedList {
    pub data: Vec<ModeratedComment>,
    pub meta: ListMeta,
}

#[derive(utoipa::ToSchema)]
pub struct CommentOne {
    pub data: CommentView,
}

/// An article's approved comments, oldest first; thread them by `parent_id`.
#[utoipa::path(tag = "comments", path = "/articles/{slug}/comments", params(("slug" = String, Path), PageParams), responses(
    (status = 200, description = "Approved comments", body = CommentList),
    (status = 400, description = "A cursor that is not ours", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such public article", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid limit", body = Problem, content_type = "application/problem+json"),
))]
#[get("/articles/{slug}/comments")]
pub async fn list_comments(
    state: web::Data<AppState>,
    slug: web::Path<String>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let limit = PageLimit::parse(p.limit.as_deref())?;
    let now = state.now();
    let page = state
        .run(move |s| engagement::comments(s, &slug, limit, p.cursor.as_deref(), now))
        .await?;
    Ok(page_json(page))
}

/// Submit a comment (anyone). It waits for moderation: `202`, `status:
/// pending`. Bodies are plain text. A client may send a few an hour (429
/// after); link-heavy comments and ones that fill in `website` go to spam.
#[utoipa::path(tag = "comments", path = "/articles/{slug}/comments", params(("slug" = String, Path)), request_body = CommentInput, responses(
    (status = 202, description = "Accepted, awaiting moderation", body = CommentOne),
    (status = 400, description = "Malformed JSON or an unknown field", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Comments on this article are closed", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such public article", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
    (status = 429, description = "Too many comments from this client", body = Problem, content_type = "application/problem+json"),
))]
#[post("/articles/{slug}/comments")]
pub async fn submit_comment(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<CommentInput>,
) -> Result<HttpResponse, ApiError> {
    let view = state
        .views
        .submit_comment(
            &state,
            slug.into_inner(),
            body.into_inner(),
            &client_addr(&req),
            user_agent(&req),
        )
        .await?;
    Ok(HttpResponse::Accepted().json(One { data: view }))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentsSetting {
    /// `true` stops new comments on the article.
    pub closed: bool,
}

/// Open or close an article to new comments (editors).
#[utoipa::path(tag = "comments", path = "/articles/{slug}/comments", params(("slug" = String, Path)), request_body = CommentsSetting, security(("bearer" = [])), responses(
    (status = 204, description = "Set"),
    (status = 403, description = "Needs the editor role", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such article", body = Problem, content_type = "application/problem+json"),
))]
#[patch("/articles/{slug}/comments")]
pub async fn close_comments(
    caller: Caller,
    state: web::Data<AppState>,
    slug: web::Path<String>,
    body: web::Json<CommentsSetting>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let closed = body.closed;
    state
        .run(move |s| engagement::set_comments_closed(s, &who, &slug, closed))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct QueueParams {
    /// `pending` (default), `approved`, `rejected` or `spam`.
    #[param(pattern = "^(pending|approved|rejected|spam)$")]
    pub status: Option<String>,
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    pub cursor: Option<String>,
}

/// The moderation queue (editors), oldest first, with e-mail addresses.
#[utoipa::path(tag = "comments", path = "/comments", params(QueueParams), security(("bearer" = [])), responses(
    (status = 200, description = "Comments", body = ModeratedList),
    (status = 401, description = "No credentials", body = Problem, content_type = "application/problem+json"),
    (status = 403, description = "Needs the editor role", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown status or invalid limit", body = Problem, content_type = "application/problem+json"),
))]
#[get("/comments")]
pub async fn moderation_queue(
    caller: Caller,
    state: web::Data<AppState>,
    params: web::Query<QueueParams>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let p = params.into_inner();
    let status = CommentStatus::parse_field("status", p.status.as_deref().unwrap_or("pending"))?;
    let limit = PageLimit::parse(p.limit.as_deref())?;
    let page = state
        .run(move |s| engagement::moderation_queue(s, &who, status, limit, p.cursor.as_deref()))
        .await?;
    Ok(page_json(page))
}

#[derive(Debug, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Moderation {
    /// `approved`, `rejected` or `spam`.
    #[schema(pattern = "^(approved|rejected|spam)$")]
    pub status: String,
}

/// Approve, reject or mark as spam (editors). Only approved comments are public.
#[utoipa::path(tag = "comments", path = "/comments/{id}", params(("id" = String, Path)), request_body = Moderation, security(("bearer" = [])), responses(
    (status = 200, description = "Moderated", body = ModeratedComment),
    (status = 403, description = "Needs the editor role", body = Problem, content_type = "application/problem+json"),
    (status = 404, description = "No such comment", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown status", body = Problem, content_type = "application/problem+json"),
))]
#[patch("/comments/{id}")]
pub async fn moderate_comment(
    caller: Caller,
    state: web::Data<AppState>,
    id: web::Path<String>,
    body: web::Json<Moderation>,
) -> Result<HttpResponse, ApiError> {
    let who = caller.0;
    let status = CommentStatus::parse_field("status", &body.status)?;
    let now = state.now();
    let done = state
        .run(move |s| engagement::moderate(s, &who, &id, status, now))
        .await?;
    Ok(HttpResponse::Ok().json(One { data: done }))
}

/// Record one page view (anyone): `202`, no body. Bots, empty user agents
/// and the same client again within 30 minutes are not counted; the answer
/// is the same, so it tells them nothing.
#[utoipa::path(tag = "analytics", path = "/articles/{slug}/views", params(("slug" = String, Path)), responses(
    (status = 202, description = "Recorded (or knowingly not counted)"),
    (status = 404, description = "No such public article", body = Problem, content_type = "application/problem+json"),
))]
#[post("/articles/{slug}/views")]
pub async fn record_view(
    req: HttpRequest,
    state: web::Data<AppState>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    state
        .views
        .record(&state, &slug, &client_addr(&req), user_agent(&req))
        .await?;
    Ok(HttpResponse::Accepted().finish())
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct MostReadParams {
    /// `1h`, `24h` (default) or `7d`.
    #[param(pattern = "^(1h|24h|7d)?$")]
    pub window: Option<String>,
    /// Only this section (slug).
    pub section: Option<String>,
    /// 1 to 50, default 10.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 50)]
    pub limit: Option<String>,
}

#[derive(utoipa::ToSchema)]
pub struct MostReadList {
    pub data: Vec<MostRead>,
}

/// The articles read most, most first, each with its views and a reason a
/// widget can show. Computed at most every 10 s.
#[utoipa::path(tag = "analytics", path = "/analytics/most-read", params(MostReadParams), responses(
    (status = 200, description = "Most read", body = MostReadList),
    (status = 404, description = "No such section", body = Problem, content_type = "application/problem+json"),
    (status = 422, description = "Unknown window or invalid limit", body = Problem, content_type = "application/problem+json"),
))]
#[get("/analytics/most-read")]
pub async fn most_read(
    state: web::Data<AppState>,
    params: web::Query<MostReadParams>,
) -> Result<HttpResponse, ApiError> {
    let p = params.into_inner();
    let window = Window::parse(p.window.as_deref())?;
    let limit = PageLimit::parse_with(p.limit.as_deref(), MOST_READ_DEFAULT, MOST_READ_MAX)?;
    let section = p.section.filter(|s| !s.trim().is_empty());
    let ranked = state
        .views
        .most_read(&state, window, section, limit)
        .await?;
    Ok(HttpResponse::Ok()
        .content_type("application/json")
        .insert_header((
            actix_web::http::header::CACHE_CONTROL,
            HeaderValue::from_static("public, max-age=10"),
        ))
        .body(ranked.json.clone()))
}
