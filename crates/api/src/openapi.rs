//! The OpenAPI 3.1 document, generated from the handlers' annotations.

use utoipa::OpenApi;

use crate::error::Problem;
use crate::rest::{articles, terms, ListMeta};

#[derive(OpenApi)]
#[openapi(
    paths(
        articles::list_articles,
        articles::get_article,
        terms::list_tags,
        terms::get_tag,
        terms::list_sections,
        terms::get_section,
        terms::list_authors,
        terms::get_author,
    ),
    components(schemas(
        Problem,
        ListMeta,
        articles::ArticleOne,
        articles::ArticleList,
        terms::TermJson,
        terms::TermOne,
        terms::TermList,
        newsdesk_domain::article::ArticleView,
        newsdesk_domain::article::ArticleInput,
    )),
    tags(
        (name = "articles", description = "Published articles; drafts and scheduled ones are never public"),
        (name = "tags", description = "Tags with their published-article counts"),
        (name = "sections", description = "Sections of the site"),
        (name = "authors", description = "Author profiles (no e-mail addresses)"),
    )
)]
struct V1;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "newsdesk",
        description = "Headless news content API. Lists are `{data, meta: {next_cursor, limit}}` with a `Link: rel=\"next\"` header; errors are RFC 9457 problem+json.",
    ),
    nest((path = "/api/v1", api = V1))
)]
pub struct ApiDoc;

pub fn document() -> utoipa::openapi::OpenApi {
    ApiDoc::openapi()
}
