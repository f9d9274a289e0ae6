//! REST under `/api/v1`: a module per resource. Handlers parse, call a
//! domain service through `AppState::run`, and shape JSON; no rule lives here.

pub mod accounts;
pub mod articles;
pub mod cache;
pub mod discovery;
pub mod engagement;
pub mod fields;
pub mod syndication;
pub mod terms;
pub mod webhooks;

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

use crate::error::ApiError;
use crate::rest::cache::CacheInfo;
use newsdesk_domain::paging::Page;
use serde::{Deserialize, Serialize};

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(
        web::scope("/api/v1")
            .configure(accounts::routes)
            .configure(discovery::routes)
            .configure(engagement::routes)
            .configure(syndication::routes)
            .configure(articles::routes)
            .configure(terms::routes)
            .configure(webhooks::routes),
    );
}

/// `{"data": {...}}`
#[derive(Serialize)]
pub struct One<T> {
    pub data: T,
}

#[derive(Serialize, utoipa::ToSchema)]
pub struct ListMeta {
    /// Pass as `cursor` to get the next page; null on the last page.
    pub next_cursor: Option<String>,
    pub limit: u32,
}

/// `{"data": [...], "meta": {...}}`
#[derive(Serialize)]
pub struct List<T> {
    pub data: Vec<T>,
    pub meta: ListMeta,
}

/// Paging of every list: `GET /articles`, the term lists and search.
#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PageParams {
    /// 1 to 100, default 20.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
    /// `meta.next_cursor` of the previous page.
    pub cursor: Option<String>,
}

/// A cacheable list response with a `Link: <...>; rel="next"` header when
/// there is a next page; the link repeats the request's query with the new
/// cursor.
pub fn list_response<T: Serialize>(
    req: &HttpRequest,
    base_url: &str,
    page: Page<T>,
    mut info: CacheInfo,
) -> Result<HttpResponse, ApiError> {
    let next = page.next_cursor.map(|c| c.as_str().to_owned());
    let link = next.as_ref().map(|cursor| {
        let mut pairs: Vec<(String, String)> =
            serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
        pairs.retain(|(k, _)| k != "cursor");
        pairs.push(("cursor".into(), cursor.clone()));
        let query = serde_urlencoded::to_string(&pairs).unwrap_or_default();
        format!("<{base_url}{}?{query}>; rel=\"next\"", req.path())
    });
    info.key(newsdesk_domain::events::purge::LIST.into());
    let body = List {
        data: page.items,
        meta: ListMeta {
            next_cursor: next,
            limit: page.limit.get(),
        },
    };
    cache::respond(req, &body, info, |res| {
        if let Some(link) = &link {
            res.insert_header((header::LINK, link.clone()));
        }
    })
}
