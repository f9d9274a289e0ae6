//! Which methods each known path takes, for `405 Method Not Allowed` with
//! `Allow` (RFC 9110 §15.5.6). Each handler is an actix service guarded by
//! its method, so a known path asked with another method falls through to
//! the default service, which on its own would say 404. This table is read
//! from the OpenAPI document, plus the few routes it does not describe, so
//! what the server answers and what the document says cannot drift apart.

use std::sync::OnceLock;

use actix_web::{http::header, HttpRequest, HttpResponse, ResponseError};

use crate::error::ApiError;

/// Routes outside the OpenAPI document.
const UNDOCUMENTED: &[(&str, &[&str])] = &[
    ("/", &["GET"]),
    ("/graphql", &["GET", "POST"]),
    ("/graphiql/{version}/{file}", &["GET"]),
    ("/healthz", &["GET"]),
    ("/readyz", &["GET"]),
    ("/metrics", &["GET"]),
    ("/robots.txt", &["GET"]),
    ("/openapi.json", &["GET"]),
    ("/docs", &["GET"]),
    ("/docs/{file}", &["GET"]),
];

const METHODS: &[&str] = &[
    "get", "put", "post", "delete", "options", "head", "patch", "trace",
];

/// `(path template split at '/', the methods it takes)`.
type Table = Vec<(Vec<String>, Vec<String>)>;

fn table() -> &'static Table {
    static TABLE: OnceLock<Table> = OnceLock::new();
    TABLE.get_or_init(|| {
        let doc = crate::openapi::document();
        let mut out: Table = Vec::new();
        if let Some(paths) = doc["paths"].as_object() {
            for (path, item) in paths {
                let methods = METHODS
                    .iter()
                    .filter(|m| item.get(**m).is_some())
                    .map(|m| m.to_ascii_uppercase())
                    .collect();
                out.push((split(path), methods));
            }
        }
        for (path, methods) in UNDOCUMENTED {
            out.push((
                split(path),
                methods.iter().map(|m| (*m).to_owned()).collect(),
            ));
        }
        out
    })
}

fn split(path: &str) -> Vec<String> {
    path.trim_end_matches('/')
        .split('/')
        .map(str::to_owned)
        .collect()
}

fn matches(template: &[String], path: &[&str]) -> bool {
    template.len() == path.len()
        && template.iter().zip(path).all(|(t, p)| {
            if t.starts_with('{') && t.ends_with('}') {
                !p.is_empty()
            } else {
                t == p
            }
        })
}

/// The `Allow` value for `path`, if it is a known one; `HEAD` goes with
/// every `GET`.
pub fn allowed(path: &str) -> Option<String> {
    let trimmed = path.trim_end_matches('/');
    let parts: Vec<&str> = trimmed.split('/').collect();
    let (_, methods) = table().iter().find(|(t, _)| matches(t, &parts))?;
    let mut allow = methods.clone();
    if allow.iter().any(|m| m == "GET") && !allow.iter().any(|m| m == "HEAD") {
        allow.push("HEAD".into());
    }
    Some(allow.join(", "))
}

/// What no route answered: 405 with `Allow` for a known path, else 404.
pub async fn fallback(req: HttpRequest) -> HttpResponse {
    match allowed(req.path()) {
        Some(allow) => {
            let mut res = ApiError::new(
                actix_web::http::StatusCode::METHOD_NOT_ALLOWED,
                format!("{} takes {allow}, not {}", req.path(), req.method()),
            )
            .error_response();
            if let Ok(value) = header::HeaderValue::from_str(&allow) {
                res.headers_mut().insert(header::ALLOW, value);
            }
            res
        }
        None => ApiError::not_found(format!("no route for {} {}", req.method(), req.path()))
            .error_response(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_paths_list_their_methods() {
        let articles = allowed("/api/v1/articles").expect("known");
        assert!(articles.contains("GET") && articles.contains("POST") && articles.contains("HEAD"));
        assert!(!articles.contains("DELETE"));
        let one = allowed("/api/v1/articles/some-slug").expect("known");
        assert!(one.contains("PATCH") && one.contains("DELETE"));
        assert_eq!(allowed("/graphql").as_deref(), Some("GET, POST, HEAD"));
        assert_eq!(allowed("/api/v1/nothing-here"), None);
        assert_eq!(allowed("/api/v1/articles/a/b/c/d"), None);
    }
}
