//! `/api/v1/tags`, `/sections`, `/authors`: one pair of handlers serves all
//! three kinds, since they share a shape.

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};
use newsdesk_domain::editorial::{self, TermInput};
use newsdesk_domain::term::{TermKind, TermView};
use newsdesk_domain::{service, PageLimit};
use serde::Serialize;

use crate::auth::{Caller, PartnerPolicy};
use crate::error::{ApiError, Problem};
use crate::rest::cache::{self, CacheInfo};
use crate::rest::{list_response, One, PageParams};
use crate::state::AppState;
use newsdesk_domain::events::purge;

pub fn routes(cfg: &mut web::ServiceConfig) {
    for (path, kind) in [
        ("/tags", TermKind::Tag),
        ("/sections", TermKind::Section),
        ("/authors", TermKind::Author),
    ] {
        cfg.service(
            web::resource(path)
                .app_data(web::Data::new(kind))
                .route(web::get().to(list_terms))
                .route(web::post().to(create_term))
                .default_service(web::to(crate::methods::fallback)),
        )
        .service(
            web::resource(format!("{path}/{{slug}}"))
                .app_data(web::Data::new(kind))
                .route(web::get().to(get_term))
                .route(web::patch().to(update_term))
                .route(web::delete().to(delete_term))
                .default_service(web::to(crate::methods::fallback)),
        );
    }
}

/// A tag, section or author profile as readers see it. Authors call their
/// description `bio`; no e-mail address is ever part of it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct TermJson {
    pub slug: String,
    pub name: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub description: Option<Option<String>>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bio: Option<Option<String>>,
    /// Published articles under it.
    pub article_count: i64,
}

impl TermJson {
    fn new(kind: TermKind, v: TermView) -> Self {
        let (description, bio) = match kind {
            TermKind::Author => (None, Some(v.term.description)),
            _ => (Some(v.term.description), None),
        };
        TermJson {
            slug: v.term.slug,
            name: v.term.name,
            description,
            bio,
            article_count: v.article_count,
        }
    }
}

async fn list_terms(
    req: HttpRequest,
    caller: Caller,
    policy: PartnerPolicy,
    state: web::Data<AppState>,
    kind: web::Data<TermKind>,
    params: web::Query<PageParams>,
) -> Result<HttpResponse, ApiError> {
    let visibility = caller.0.visibility_at(state.now());
    let kind = **kind;
    let limit = PageLimit::parse(params.limit.as_deref())?;
    let cursor = params.cursor.clone();
    let private = caller.is_staff() || policy.get().is_some();
    let page = state
        .run(move |store| {
            service::list_terms(
                store,
                kind,
                limit,
                cursor.as_deref(),
                visibility,
                policy.get(),
            )
        })
        .await?;
    let mut info = CacheInfo {
        private,
        ..CacheInfo::default()
    };
    for v in &page.items {
        info.key(purge::term(kind, &v.term.slug));
    }
    list_response(
        &req,
        &state.base_url,
        page.map(|v| TermJson::new(kind, v)),
        info,
    )
}

async fn get_term(
    req: HttpRequest,
    caller: Caller,
    policy: PartnerPolicy,
    state: web::Data<AppState>,
    kind: web::Data<TermKind>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let kind = **kind;
    let slug = slug.into_inner();
    let visibility = caller.0.visibility_at(state.now());
    let private = caller.is_staff() || policy.get().is_some();
    let view = state
        .run(move |store| service::term(store, kind, &slug, visibility, policy.get()))
        .await?;
    let info = CacheInfo {
        last_modified: None,
        // Its article count changes with any article's publication.
        keys: vec![purge::term(kind, &view.term.slug), purge::LIST.to_owned()],
        private,
    };
    cache::respond(
        &req,
        &One {
            data: TermJson::new(kind, view),
        },
        info,
        |_| {},
    )
}

fn term_json(kind: TermKind, term: newsdesk_domain::Term, article_count: i64) -> TermJson {
    TermJson::new(
        kind,
        TermView {
            term,
            article_count,
        },
    )
}

async fn create_term(
    caller: Caller,
    state: web::Data<AppState>,
    kind: web::Data<TermKind>,
    body: web::Json<TermInput>,
) -> Result<HttpResponse, ApiError> {
    let kind = **kind;
    let input = body.into_inner();
    let term = state
        .run(move |store| editorial::create_term(store, &caller.0, kind, input))
        .await?;
    let location = format!("{}/api/v1/{}s/{}", state.base_url, kind.noun(), term.slug);
    Ok(HttpResponse::Created()
        .insert_header((header::LOCATION, location))
        .json(One {
            data: term_json(kind, term, 0),
        }))
}

async fn update_term(
    caller: Caller,
    state: web::Data<AppState>,
    kind: web::Data<TermKind>,
    slug: web::Path<String>,
    body: web::Json<TermInput>,
) -> Result<HttpResponse, ApiError> {
    let kind = **kind;
    let input = body.into_inner();
    let slug = slug.into_inner();
    let visibility = caller.0.visibility_at(state.now());
    let view = state
        .run(move |store| {
            let term = editorial::update_term(store, &caller.0, kind, &slug, input)?;
            service::term(store, kind, &term.slug, visibility, None)
        })
        .await?;
    Ok(HttpResponse::Ok().json(One {
        data: TermJson::new(kind, view),
    }))
}

async fn delete_term(
    caller: Caller,
    state: web::Data<AppState>,
    kind: web::Data<TermKind>,
    slug: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let kind = **kind;
    let slug = slug.into_inner();
    state
        .run(move |store| editorial::delete_term(store, &caller.0, kind, &slug))
        .await?;
    Ok(HttpResponse::NoContent().finish())
}

// The three kinds share handlers; the OpenAPI document still lists each path.
macro_rules! term_paths {
    ($($list:ident, $one:ident, $create:ident, $update:ident, $delete:ident, $path:literal, $tag:literal);* $(;)?) => {$(
        #[utoipa::path(get, path = $path, tag = $tag, params(PageParams),
            responses(
                (status = 200, description = "A page, ordered by slug, with `article_count`", body = TermList),
                (status = 400, description = "Malformed cursor", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid limit", body = Problem, content_type = "application/problem+json"),
            ))]
        #[allow(dead_code)]
        pub fn $list() {}

        #[utoipa::path(get, path = concat!($path, "/{slug}"), tag = $tag,
            params(("slug" = String, Path, description = "Slug")),
            responses(
                (status = 200, description = "One, with `article_count`", body = TermOne),
                (status = 404, description = "Unknown slug", body = Problem, content_type = "application/problem+json"),
            ))]
        #[allow(dead_code)]
        pub fn $one() {}

        #[utoipa::path(post, path = $path, tag = $tag, request_body = TermInput, security(("bearer" = [])),
            responses(
                (status = 201, description = "Created (editor+)", body = TermOne),
                (status = 403, description = "Needs the editor role", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "Slug taken", body = Problem, content_type = "application/problem+json"),
                (status = 422, description = "Invalid fields", body = Problem, content_type = "application/problem+json"),
            ))]
        #[allow(dead_code)]
        pub fn $create() {}

        #[utoipa::path(patch, path = concat!($path, "/{slug}"), tag = $tag, request_body = TermInput, security(("bearer" = [])),
            params(("slug" = String, Path, description = "Slug")),
            responses(
                (status = 200, description = "Updated (editor+)", body = TermOne),
                (status = 404, description = "Unknown slug", body = Problem, content_type = "application/problem+json"),
                (status = 409, description = "New slug taken", body = Problem, content_type = "application/problem+json"),
            ))]
        #[allow(dead_code)]
        pub fn $update() {}

        #[utoipa::path(delete, path = concat!($path, "/{slug}"), tag = $tag, security(("bearer" = [])),
            params(("slug" = String, Path, description = "Slug")),
            responses(
                (status = 204, description = "Deleted (editor+); articles keep their other terms"),
                (status = 404, description = "Unknown slug", body = Problem, content_type = "application/problem+json"),
            ))]
        #[allow(dead_code)]
        pub fn $delete() {}
    )*};
}

term_paths!(
    list_tags, get_tag, create_tag, update_tag, delete_tag, "/tags", "tags";
    list_sections, get_section, create_section, update_section, delete_section, "/sections", "sections";
    list_authors, get_author, create_author, update_author, delete_author, "/authors", "authors";
);

#[derive(utoipa::ToSchema)]
pub struct TermOne {
    pub data: TermJson,
}

#[derive(utoipa::ToSchema)]
pub struct TermList {
    pub data: Vec<TermJson>,
    pub meta: crate::rest::ListMeta,
}
