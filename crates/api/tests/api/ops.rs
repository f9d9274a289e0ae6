//! Operations endpoints and cross-cutting headers.

use crate::helpers::{assert_problem, published, TestApp};

e2e!(
    health_ready_metrics,
    openapi_and_docs,
    cors_allows_browser_front_ends,
    wrong_method_is_405_with_allow,
    graphiql_and_docs_load_nothing_from_elsewhere,
);

async fn health_ready_metrics(app: TestApp) {
    app.seed(vec![published("One", 1)]);
    let (status, body) = app.get_json("/healthz").await;
    assert_eq!((status, body["status"].as_str()), (200, Some("ok")));
    let (status, body) = app.get_json("/readyz").await;
    assert_eq!(status, 200);
    assert_eq!(body["database"], app.db.backend.name());
    let res = app.get("/api/v1/articles/one").await;
    let id = res
        .headers()
        .get("x-request-id")
        .expect("request id header");
    assert!(id.len() >= 16);
    let metrics = app.get("/metrics").await.text().await.expect("text");
    assert!(metrics.contains("newsdesk_http_requests_total{method=\"GET\",route=\"/api/v1/articles/{slug}\",status=\"200\"} 1"), "{metrics}");
    assert!(metrics.contains("newsdesk_http_request_duration_seconds_bucket"));
    let sql_line = metrics
        .lines()
        .find(|l| l.starts_with("newsdesk_sql_statements_total"))
        .expect("sql counter");
    let n: u64 = sql_line
        .rsplit(' ')
        .next()
        .and_then(|v| v.parse().ok())
        .expect("a number");
    assert!(n > 0);
    assert!(metrics.trim_end().ends_with("# EOF"));
}

async fn openapi_and_docs(app: TestApp) {
    let (status, doc) = app.get_json("/openapi.json").await;
    assert_eq!(status, 200);
    assert_eq!(doc["openapi"], "3.1.0");
    for path in [
        "/api/v1/articles",
        "/api/v1/articles/{slug}",
        "/api/v1/tags",
        "/api/v1/sections/{slug}",
        "/api/v1/authors",
    ] {
        assert!(
            doc["paths"][path]["get"].is_object(),
            "{path} missing from the spec"
        );
    }
    assert!(doc["components"]["schemas"]["ArticleView"].is_object());
    // Every reference resolves: a client generator would fail on one that does not.
    let text = doc.to_string();
    for r in text.split("\"$ref\":\"#/components/schemas/").skip(1) {
        let name = r.split('"').next().unwrap_or_default();
        assert!(
            doc["components"]["schemas"][name].is_object(),
            "{name} is referenced but not defined"
        );
    }
    for (path, method) in [
        ("/api/v1/articles", "post"),
        ("/api/v1/articles/{slug}", "patch"),
        ("/api/v1/articles/{slug}", "delete"),
        ("/api/v1/articles/{slug}/publish", "post"),
        ("/api/v1/articles/{slug}/revisions", "get"),
        ("/api/v1/auth/token", "post"),
        ("/api/v1/api-keys", "post"),
        ("/api/v1/api-keys/{id}", "delete"),
        ("/api/v1/tags/{slug}", "patch"),
        ("/api/v1/users/{id}", "patch"),
        ("/api/v1/users/{id}", "delete"),
        ("/api/v1/articles/{slug}/corrections", "post"),
        ("/api/v1/sync", "get"),
        ("/feeds/{format}", "get"),
        ("/sitemap.xml", "get"),
        ("/sitemaps/{file}", "get"),
        ("/news-sitemap.xml", "get"),
    ] {
        assert!(
            doc["paths"][path][method].is_object(),
            "{method} {path} missing from the spec"
        );
    }
    let schemes = &doc["components"]["securitySchemes"];
    assert_eq!(schemes["bearer"]["scheme"], "bearer");
    assert_eq!(schemes["api_key"]["name"], "X-Api-Key");
    assert_eq!(
        doc["paths"]["/api/v1/articles"]["post"]["security"][0]["bearer"],
        serde_json::json!([])
    );
    let res = app.get("/docs/").await;
    assert_eq!(res.status(), 200);
    assert!(res.text().await.expect("html").contains("swagger"));
}

async fn cors_allows_browser_front_ends(app: TestApp) {
    let preflight = app
        .client
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/api/v1/articles", app.base),
        )
        .header("Origin", "https://front.example")
        .header("Access-Control-Request-Method", "PATCH")
        .header("Access-Control-Request-Headers", "authorization, if-match")
        .send()
        .await
        .expect("sent");
    assert!(preflight.status().is_success(), "{}", preflight.status());
    let allowed = preflight
        .headers()
        .get("access-control-allow-origin")
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned);
    assert!(
        matches!(allowed.as_deref(), Some("*" | "https://front.example")),
        "{allowed:?}"
    );
    let res = app
        .client
        .get(format!("{}/api/v1/articles", app.base))
        .header("Origin", "https://front.example")
        .send()
        .await
        .expect("sent");
    let exposed = res
        .headers()
        .get("access-control-expose-headers")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_lowercase();
    assert!(
        exposed.contains("etag") && exposed.contains("link"),
        "{exposed}"
    );
}

/// A known path with a method it does not take is 405 with `Allow`, from
/// the same table as the OpenAPI document; an unknown path stays 404.
async fn wrong_method_is_405_with_allow(app: TestApp) {
    let cases = [
        ("TRACE", "/api/v1/articles", "GET, POST, HEAD"),
        (
            "PUT",
            "/api/v1/articles/some-slug",
            "GET, DELETE, PATCH, HEAD",
        ),
        ("PUT", "/api/v1/tags/some-tag", "GET, DELETE, PATCH, HEAD"),
        ("DELETE", "/graphql", "GET, POST, HEAD"),
        ("POST", "/feeds/rss.xml", "GET, HEAD"),
        ("POST", "/readyz", "GET, HEAD"),
    ];
    for (method, path, allow) in cases {
        let res = app
            .client
            .request(
                reqwest::Method::from_bytes(method.as_bytes()).expect("a method"),
                format!("{}{path}", app.base),
            )
            .send()
            .await
            .expect("sent");
        let got = res
            .headers()
            .get("allow")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        assert_eq!(got.as_deref(), Some(allow), "{method} {path}");
        assert_problem(res, 405).await;
    }
    assert_problem(app.get("/api/v1/nothing-here").await, 404).await;
}

/// The `src` and `href` values of a page.
fn references(html: &str) -> Vec<String> {
    ["src=\"", "href=\"", "src='", "href='"]
        .iter()
        .flat_map(|attr| {
            html.split(attr)
                .skip(1)
                .filter_map(|rest| rest.split(['"', '\'']).next().map(str::to_owned))
        })
        .collect()
}

/// The landing page, GraphiQL and the API docs run from the binary alone:
/// every script, style and link they reference is on this server and answers.
async fn graphiql_and_docs_load_nothing_from_elsewhere(app: TestApp) {
    let landing = app.get("/").await;
    assert_eq!(landing.status(), 200, "/ is a page, not a 404");
    let html = landing.text().await.expect("html");
    assert!(html.contains("<title>newsdesk"), "{html}");
    assert!(
        html.contains("--site examples/reader/dist"),
        "names the reader example"
    );
    for feed in ["application/rss+xml", "application/atom+xml"] {
        assert!(
            html.contains(&format!("rel=\"alternate\" type=\"{feed}\"")),
            "feed discovery: {feed}"
        );
    }
    for (page, base) in [("/", "/"), ("/graphql", "/"), ("/docs/", "/docs/")] {
        let res = app.get(page).await;
        assert_eq!(res.status(), 200, "{page}");
        let html = res.text().await.expect("html");
        let refs = references(&html);
        assert!(refs.len() >= 2, "{page} references its assets: {refs:?}");
        for r in refs.into_iter().filter(|r| !r.starts_with("data:")) {
            assert!(!r.contains("//"), "{page} loads {r} from another host");
            let path = if r.starts_with('/') {
                r.clone()
            } else {
                format!("{base}{}", r.trim_start_matches("./"))
            };
            let asset = app.get(&path).await;
            assert_eq!(asset.status(), 200, "{page} needs {path}");
        }
    }
}
