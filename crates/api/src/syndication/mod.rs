//! What partners and crawlers read outside `/api/v1`: RSS, Atom and JSON
//! Feed, the sitemaps, the Google News sitemap and robots.txt. Each is
//! rendered with an `ETag` and the surrogate keys it depends on, so the
//! response cache keeps it until a write changes it.

mod feeds;
mod sitemaps;
pub mod structured;

use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use chrono::{DateTime, Utc};
use newsdesk_domain::error::DomainResult;
use newsdesk_domain::events::purge;
use newsdesk_domain::paging::PageLimit;
use newsdesk_domain::service::syndication::{self, FeedFilter, FEED_DEFAULT, FEED_MAX};
use newsdesk_domain::Storage;
use serde::Deserialize;

use crate::auth::PartnerPolicy;
use crate::error::{ApiError, Problem};
use crate::rest::cache::{self, etag_of, CacheInfo};
use crate::state::AppState;

pub use feeds::content_html;

pub fn routes(cfg: &mut web::ServiceConfig) {
    cfg.service(feed)
        .service(sitemap_index)
        .service(sitemap_file)
        .service(news_sitemap)
        .service(robots);
}

/// A rendered feed or sitemap, with what its response headers say.
#[derive(Clone)]
pub struct Rendered {
    pub bytes: Bytes,
    pub content_type: &'static str,
    etag: String,
    info_keys: Vec<String>,
    last_modified: Option<DateTime<Utc>>,
}

impl Rendered {
    fn new(
        bytes: Vec<u8>,
        content_type: &'static str,
        last_modified: Option<DateTime<Utc>>,
        keys: Vec<String>,
    ) -> Rendered {
        Rendered {
            etag: etag_of(&bytes),
            bytes: bytes.into(),
            content_type,
            info_keys: keys,
            last_modified,
        }
    }
}

/// Renders and serves this request; the response cache keeps it. `private`
/// keeps a partner's own rendering out of shared caches.
async fn serve<F>(
    req: &HttpRequest,
    state: &AppState,
    private: bool,
    render: F,
) -> Result<HttpResponse, ApiError>
where
    F: FnOnce(&dyn Storage) -> DomainResult<Rendered> + Send + 'static,
{
    let rendered = state.run(render).await?;
    let info = CacheInfo {
        last_modified: rendered.last_modified,
        keys: rendered.info_keys.clone(),
        private,
    };
    Ok(cache::respond_bytes(
        req,
        rendered.bytes.clone(),
        rendered.content_type,
        &rendered.etag,
        &info,
        |_| {},
    ))
}

fn xml_error(e: std::io::Error) -> newsdesk_domain::DomainError {
    newsdesk_domain::DomainError::Internal(format!("writing XML: {e}"))
}

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct FeedParams {
    /// Only articles with this tag (slug); an unknown tag is 404.
    pub tag: Option<String>,
    /// Only articles of this section (slug).
    pub section: Option<String>,
    /// Only articles by this author (slug).
    pub author: Option<String>,
    /// 1 to 100, default 50.
    #[param(value_type = Option<u32>, minimum = 1, maximum = 100)]
    pub limit: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Format {
    Rss,
    Atom,
    Json,
}

/// The latest published articles as RSS 2.0 (`rss.xml`), Atom 1.0
/// (`atom.xml`) or JSON Feed 1.1 (`feed.json`).
#[utoipa::path(
    tag = "feeds",
    path = "/feeds/{format}",
    params(("format" = String, Path, description = "`rss.xml`, `atom.xml` or `feed.json`", pattern = r"^(rss\.xml|atom\.xml|feed\.json)$"), FeedParams),
    responses(
        (status = 200, description = "The feed: `application/rss+xml`, `application/atom+xml` or `application/feed+json`", content((String = "application/rss+xml"), (String = "application/atom+xml"), (Object = "application/feed+json"))),
        (status = 304, description = "The client's copy is current"),
        (status = 404, description = "No such feed, or a tag, section or author that does not exist", body = Problem, content_type = "application/problem+json"),
        (status = 422, description = "Invalid limit", body = Problem, content_type = "application/problem+json"),
    )
)]
#[get("/feeds/{format}")]
pub async fn feed(
    req: HttpRequest,
    policy: PartnerPolicy,
    state: web::Data<AppState>,
    format: web::Path<String>,
    params: web::Query<FeedParams>,
) -> Result<HttpResponse, ApiError> {
    let format = Format::parse(&format).ok_or_else(|| {
        ApiError::not_found("no such feed: rss.xml, atom.xml and feed.json exist")
    })?;
    let p = params.into_inner();
    let limit = PageLimit::parse_with(p.limit.as_deref(), FEED_DEFAULT, FEED_MAX)?;
    let (base, publisher, now) = (
        state.base_url.clone(),
        state.publisher.name.clone(),
        state.now(),
    );
    // A partner's key stays out of the links the feed shows.
    let self_url = format!("{base}{}", without_key(&req));
    let narrow = FeedFilter {
        tag: p.tag,
        section: p.section,
        author: p.author,
    };
    let private = policy.get().is_some();
    let links = format!("<{base}/websub>; rel=\"hub\", <{self_url}>; rel=\"self\"");
    let mut res = serve(&req, &state, private, move |store| {
        let feed = FeedRequest {
            format,
            narrow,
            limit,
            base: &base,
            publisher: &publisher,
            self_url,
        };
        render_feed(store, feed, policy.get(), now)
    })
    .await?;
    // WebSub discovery: subscribers look for the hub in the headers first.
    if let Ok(value) = actix_web::http::header::HeaderValue::from_str(&links) {
        res.headers_mut()
            .insert(actix_web::http::header::LINK, value);
    }
    Ok(res)
}

/// Which feed to render, and for whom it names itself.
pub struct FeedRequest<'a> {
    pub format: Format,
    pub narrow: FeedFilter,
    pub limit: PageLimit,
    pub base: &'a str,
    pub publisher: &'a str,
    pub self_url: String,
}

impl Format {
    pub fn parse(file: &str) -> Option<Format> {
        match file {
            "rss.xml" => Some(Format::Rss),
            "atom.xml" => Some(Format::Atom),
            "feed.json" => Some(Format::Json),
            _ => None,
        }
    }
}

/// One feed as served (and as WebSub sends it to subscribers).
pub fn render_feed(
    store: &dyn Storage,
    r: FeedRequest<'_>,
    policy: Option<&newsdesk_domain::policy::Policy>,
    now: DateTime<Utc>,
) -> DomainResult<Rendered> {
    let items = syndication::feed(store, r.narrow, r.limit, policy, r.base, now)?;
    let meta = feeds::FeedMeta::new(&items, r.publisher, r.base, r.self_url);
    let rights = policy.and_then(|p| p.licence.clone());
    let (bytes, content_type) = match r.format {
        Format::Rss => (
            feeds::rss(&items, &meta, rights).into_bytes(),
            "application/rss+xml; charset=utf-8",
        ),
        Format::Atom => (
            feeds::atom(&items, &meta, r.publisher, rights).into_bytes(),
            "application/atom+xml; charset=utf-8",
        ),
        Format::Json => (
            feeds::json_feed(&items, &meta, r.publisher)
                .map_err(|e| newsdesk_domain::DomainError::Internal(e.to_string()))?,
            "application/feed+json; charset=utf-8",
        ),
    };
    let mut keys = vec![purge::LIST.to_owned(), "feeds".to_owned()];
    keys.extend(items.articles.iter().map(|a| purge::article(&a.id)));
    let last = items.articles.iter().map(|a| a.updated_at).max();
    Ok(Rendered::new(bytes, content_type, last, keys))
}

/// The request's path and query without a `key` parameter.
fn without_key(req: &HttpRequest) -> String {
    let pairs: Vec<(String, String)> =
        serde_urlencoded::from_str(req.query_string()).unwrap_or_default();
    let kept: Vec<&(String, String)> = pairs.iter().filter(|(k, _)| k != "key").collect();
    match serde_urlencoded::to_string(&kept) {
        Ok(q) if !q.is_empty() => format!("{}?{q}", req.path()),
        _ => req.path().to_owned(),
    }
}

const XML: &str = "application/xml; charset=utf-8";

/// A sitemap depends on every article: any write may change it.
fn sitemap(bytes: Vec<u8>, last: Option<DateTime<Utc>>) -> Rendered {
    Rendered::new(bytes, XML, last, vec![purge::LIST.into(), "sitemap".into()])
}

/// The sitemap index: a file per 50,000 article ids, with `lastmod`.
#[utoipa::path(tag = "feeds", path = "/sitemap.xml", responses(
    (status = 200, description = "A sitemap index", content_type = "application/xml"),
))]
#[get("/sitemap.xml")]
pub async fn sitemap_index(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (base, now) = (state.base_url.clone(), state.now());
    serve(&req, &state, false, move |store| {
        let blocks = syndication::sitemap_index(store, now)?;
        let bytes = sitemaps::index(&base, &blocks).map_err(xml_error)?;
        let last = blocks.iter().map(|b| b.last_modified).max();
        Ok(sitemap(bytes, last))
    })
    .await
}

/// One file of the sitemap, as the index lists it.
#[utoipa::path(tag = "feeds", path = "/sitemaps/{file}",
    params(("file" = String, Path, description = "`N.xml`, as the index names it")),
    responses(
        (status = 200, description = "Up to 50,000 URLs with lastmod", content_type = "application/xml"),
        (status = 404, description = "No such file", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/sitemaps/{file}")]
pub async fn sitemap_file(
    req: HttpRequest,
    state: web::Data<AppState>,
    file: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let number: i64 = file
        .strip_suffix(".xml")
        .and_then(|n| n.parse().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(|| ApiError::not_found("no such sitemap file"))?;
    let (base, now) = (state.base_url.clone(), state.now());
    serve(&req, &state, false, move |store| {
        let entries = syndication::sitemap_file(store, number, now)?;
        let bytes = sitemaps::urls(&base, &entries).map_err(xml_error)?;
        let last = entries.iter().map(|e| e.updated_at).max();
        Ok(sitemap(bytes, last))
    })
    .await
}

/// The Google News sitemap: articles published in the last 48 hours.
#[utoipa::path(tag = "feeds", path = "/news-sitemap.xml", responses(
    (status = 200, description = "Google News sitemap", content_type = "application/xml"),
))]
#[get("/news-sitemap.xml")]
pub async fn news_sitemap(
    req: HttpRequest,
    state: web::Data<AppState>,
) -> Result<HttpResponse, ApiError> {
    let (base, publisher, now) = (
        state.base_url.clone(),
        state.publisher.name.clone(),
        state.now(),
    );
    serve(&req, &state, false, move |store| {
        let articles = syndication::news(store, &base, now)?;
        let bytes = sitemaps::news(&publisher, &articles).map_err(xml_error)?;
        let last = articles.iter().map(|a| a.updated_at).max();
        let mut keys = vec![purge::LIST.to_owned(), "sitemap".to_owned()];
        keys.extend(articles.iter().map(|a| purge::article(&a.id)));
        Ok(Rendered::new(bytes, XML, last, keys))
    })
    .await
}

#[get("/robots.txt")]
pub async fn robots(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok()
        .content_type("text/plain; charset=utf-8")
        .insert_header((actix_web::http::header::CACHE_CONTROL, cache::CACHE_CONTROL))
        .body(sitemaps::robots(&state.base_url))
}
