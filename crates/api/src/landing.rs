//! `GET /`: a small page, embedded in the binary, that tells someone who
//! opens the server in a browser where the API, its documentation, GraphQL
//! and the feeds are. Without it the root was a bare 404.
//!
//! With `serve --site DIR` the root serves a built front end instead (the
//! reader example's `dist/`): its files, and its `index.html` for any page
//! path no route answers, so that a reader can open `/articles/SLUG` from a
//! link or a reload. Routes of the API keep their own answers.

use std::path::Path;

use actix_files::NamedFile;
use actix_web::http::{header, Method};
use actix_web::{get, web, HttpRequest, HttpResponse, ResponseError};

use crate::state::AppState;

const PAGE: &str = include_str!("../assets/landing/index.html");

#[get("/")]
pub async fn landing(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Some(dir) = &state.site {
        return site_index(&req, dir);
    }
    HttpResponse::Ok()
        .content_type("text/html; charset=utf-8")
        .insert_header((header::CACHE_CONTROL, "public, max-age=300"))
        .body(PAGE)
}

/// What no route answered: a file of the site, the site's page for a page
/// path, else 404 or 405 as without a site.
pub async fn fallback(req: HttpRequest, state: web::Data<AppState>) -> HttpResponse {
    if let Some(dir) = state.site.as_deref() {
        if matches!(*req.method(), Method::GET | Method::HEAD) {
            if let Some(file) = site_path(req.path()).map(|rel| dir.join(rel)) {
                if file.is_file() {
                    return serve(&req, &file);
                }
            }
            if is_page(&req) {
                return site_index(&req, dir);
            }
        }
    }
    crate::methods::fallback(req).await
}

/// Checks that `DIR` holds a built site before the server starts.
pub fn check_site(dir: &Path) -> Result<(), String> {
    if dir.join("index.html").is_file() {
        Ok(())
    } else {
        Err(format!(
            "--site {}: no index.html there; build the site first (npm run build in examples/reader)",
            dir.display()
        ))
    }
}

/// The request path as a path under the site, when it cannot leave it:
/// only the characters a built site's file names use, no dot-segments.
fn site_path(path: &str) -> Option<&str> {
    let rel = path.trim_start_matches('/');
    let safe = !rel.is_empty()
        && rel.split('/').all(|seg| {
            !seg.is_empty()
                && !seg.starts_with('.')
                && seg
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b"-_.".contains(&b))
        });
    safe.then_some(rel)
}

/// A browser asking for a page (HTML, no file extension) that is not one of
/// the API's own paths, as history-API front ends expect.
fn is_page(req: &HttpRequest) -> bool {
    let path = req.path();
    let wants_html = req
        .headers()
        .get(header::ACCEPT)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|v| v.contains("text/html"));
    let last = path.rsplit('/').next().unwrap_or_default();
    wants_html
        && !last.contains('.')
        && !path.starts_with("/api/")
        && crate::methods::allowed(path).is_none()
}

fn site_index(req: &HttpRequest, dir: &Path) -> HttpResponse {
    serve(req, &dir.join("index.html"))
}

/// A file with its type, `ETag` and `Last-Modified`. Vite names the files
/// under `assets/` by their content, so those never change; the rest is
/// revalidated every time.
fn serve(req: &HttpRequest, file: &Path) -> HttpResponse {
    let Ok(named) = NamedFile::open(file) else {
        return crate::error::ApiError::not_found("no such file on this site").error_response();
    };
    let immutable = file
        .parent()
        .and_then(Path::file_name)
        .is_some_and(|d| d == "assets");
    let mut res = named.into_response(req);
    let policy = if immutable {
        "public, max-age=31536000, immutable"
    } else {
        "no-cache"
    };
    res.headers_mut().insert(
        header::CACHE_CONTROL,
        header::HeaderValue::from_static(policy),
    );
    res
}
