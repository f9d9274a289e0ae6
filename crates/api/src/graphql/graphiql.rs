//! GraphiQL, served from the binary: the page and the scripts it runs
//! (GraphiQL 3.8.3, React 18.3.1, vendored under `crates/api/assets/`,
//! MIT). async-graphql's own page loads them from a CDN, which a newsroom
//! behind a firewall, or a strict content security policy, would block.

use actix_web::{get, http::header, web, HttpResponse};

use crate::error::ApiError;

/// In the path, so a new version is a new URL and the old can be cached
/// for good.
pub const VERSION: &str = "3.8.3";

const ASSETS: &[(&str, &str, &[u8])] = &[
    (
        "graphiql.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.js"),
    ),
    (
        "graphiql.min.css",
        "text/css; charset=utf-8",
        include_bytes!("../../assets/graphiql/graphiql.min.css"),
    ),
    (
        "react.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react.production.min.js"),
    ),
    (
        "react-dom.production.min.js",
        "text/javascript; charset=utf-8",
        include_bytes!("../../assets/graphiql/react-dom.production.min.js"),
    ),
];

/// The page: every script and style from this server.
pub fn page() -> String {
    let url = |file: &str| format!("/graphiql/{VERSION}/{file}");
    format!(
        r#"<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>newsdesk GraphiQL</title>
<link rel="stylesheet" href="{css}">
<style>body {{ margin: 0; height: 100vh; }} #graphiql {{ height: 100vh; }}</style>
</head>
<body>
<div id="graphiql">Loading GraphiQL…</div>
<script src="{react}"></script>
<script src="{react_dom}"></script>
<script src="{graphiql}"></script>
<script>
  const fetcher = GraphiQL.createFetcher({{ url: "/graphql" }});
  ReactDOM.createRoot(document.getElementById("graphiql"))
    .render(React.createElement(GraphiQL, {{ fetcher, defaultEditorToolsVisibility: true }}));
</script>
</body>
</html>
"#,
        css = url("graphiql.min.css"),
        react = url("react.production.min.js"),
        react_dom = url("react-dom.production.min.js"),
        graphiql = url("graphiql.min.js"),
    )
}

#[get("/graphiql/{version}/{file}")]
pub async fn asset(path: web::Path<(String, String)>) -> Result<HttpResponse, ApiError> {
    let (version, file) = path.into_inner();
    let found = ASSETS.iter().find(|(name, _, _)| *name == file);
    match found {
        Some((_, content_type, bytes)) if version == VERSION => Ok(HttpResponse::Ok()
            .content_type(*content_type)
            .insert_header((header::CACHE_CONTROL, "public, max-age=31536000, immutable"))
            .body(*bytes)),
        _ => Err(ApiError::not_found(format!(
            "no GraphiQL asset {version}/{file}"
        ))),
    }
}
