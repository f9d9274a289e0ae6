//! Operations endpoints and cross-cutting headers.

use crate::helpers::{published, TestApp};

e2e!(
    health_ready_metrics,
    openapi_and_docs,
    cors_allows_browser_front_ends
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
