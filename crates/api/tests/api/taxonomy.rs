//! Taxonomy management by editors, and what staff preview sees of it.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, TestApp};
use crate::writes::json_of;

e2e!(taxonomy_is_managed_by_editors, staff_preview_sees_drafts);

async fn taxonomy_is_managed_by_editors(app: TestApp) {
    let editor = app.staff("ed@example.org", "editor");
    taxonomy_is_managed_by_editors_1(&app, &editor).await;
    taxonomy_is_managed_by_editors_2(&app, &editor).await;
    taxonomy_is_managed_by_editors_3(&app, &editor).await;
}

async fn taxonomy_is_managed_by_editors_1(app: &TestApp, editor: &str) {
    let created = app
        .send(
            "POST",
            "/api/v1/tags",
            Some(editor),
            Some(json!({"name": "Climate Change", "description": "Warming and its effects"})),
        )
        .await;
    assert_eq!(created.status(), 201);
    assert_eq!(
        created
            .headers()
            .get("location")
            .and_then(|v| v.to_str().ok()),
        Some("https://news.example/api/v1/tags/climate-change")
    );
    assert_problem(
        app.send(
            "POST",
            "/api/v1/tags",
            Some(editor),
            Some(json!({"name": "Climate change"})),
        )
        .await,
        409,
    )
    .await;
    assert_problem(
        app.send(
            "POST",
            "/api/v1/tags",
            Some(editor),
            Some(json!({"description": "no name"})),
        )
        .await,
        422,
    )
    .await;
    assert_problem(
        app.send(
            "POST",
            "/api/v1/tags",
            Some(editor),
            Some(json!({"name": "X", "slug": "Bad Slug"})),
        )
        .await,
        422,
    )
    .await;

    app.send(
        "POST",
        "/api/v1/articles",
        Some(editor),
        Some(json!({"title": "Heat record", "tags": ["climate-change"], "status": "published"})),
    )
    .await;
}

async fn taxonomy_is_managed_by_editors_2(app: &TestApp, editor: &str) {
    let (_, tag) = app.get_json("/api/v1/tags/climate-change").await;
    assert_eq!(
        tag["data"]["article_count"], 1,
        "an existing tag named by slug was reused"
    );
    assert_eq!(tag["data"]["description"], "Warming and its effects");

    let renamed = app
        .send(
            "PATCH",
            "/api/v1/tags/climate-change",
            Some(editor),
            Some(json!({"name": "Climate", "slug": "climate"})),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let (_, article) = app.get_json("/api/v1/articles/heat-record").await;
    assert_eq!(
        article["data"]["tags"][0],
        json!({"slug": "climate", "name": "Climate"})
    );
    assert_problem(app.get("/api/v1/tags/climate-change").await, 404).await;

    let author = app
        .send(
            "POST",
            "/api/v1/authors",
            Some(editor),
            Some(json!({"name": "Ana Lima", "bio": "Science desk"})),
        )
        .await;
    assert_eq!(json_of(author).await["data"]["bio"], "Science desk");
    let section = app
        .send(
            "POST",
            "/api/v1/sections",
            Some(editor),
            Some(json!({"name": "World"})),
        )
        .await;
    assert_eq!(section.status(), 201);
}

async fn taxonomy_is_managed_by_editors_3(app: &TestApp, editor: &str) {
    // Sections are cached by the store: a rename shows at once.
    app.send(
        "POST",
        "/api/v1/articles",
        Some(editor),
        Some(json!({"title": "Summit", "section": "world", "status": "published"})),
    )
    .await;
    let (_, article) = app.get_json("/api/v1/articles/summit").await;
    assert_eq!(article["data"]["section"]["name"], "World");
    let renamed = app
        .send(
            "PATCH",
            "/api/v1/sections/world",
            Some(editor),
            Some(json!({"name": "World News", "slug": "world"})),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let (_, article) = app.get_json("/api/v1/articles/summit").await;
    assert_eq!(
        article["data"]["section"],
        json!({"slug": "world", "name": "World News"})
    );

    assert_eq!(
        app.send("DELETE", "/api/v1/tags/climate", Some(editor), None)
            .await
            .status(),
        204
    );
    let (_, article) = app.get_json("/api/v1/articles/heat-record").await;
    assert_eq!(article["data"]["tags"], json!([]));
    assert_problem(
        app.send("DELETE", "/api/v1/tags/climate", Some(editor), None)
            .await,
        404,
    )
    .await;
    assert_eq!(
        app.send("DELETE", "/api/v1/sections/world", Some(editor), None)
            .await
            .status(),
        204
    );
    let (_, article) = app.get_json("/api/v1/articles/summit").await;
    assert!(article["data"]["section"].is_null(), "{article}");
}

async fn staff_preview_sees_drafts(app: TestApp) {
    let editor = app.staff("ed@example.org", "editor");
    app.send(
        "POST",
        "/api/v1/articles",
        Some(&editor),
        Some(json!({"title": "Preview me", "tags": ["Secret"]})),
    )
    .await;
    let list = json_of(
        app.send("GET", "/api/v1/articles", Some(&editor), None)
            .await,
    )
    .await;
    assert_eq!(list["data"][0]["slug"], "preview-me");
    let tag = json_of(
        app.send("GET", "/api/v1/tags/secret", Some(&editor), None)
            .await,
    )
    .await;
    assert_eq!(tag["data"]["article_count"], 1);
    assert_problem(app.get("/api/v1/tags/secret").await, 404).await;
    let gql = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&editor)
        .json(&json!({"query": "{ article(slug: \"preview-me\") { status version } articles { edges { node { slug } } } }"}))
        .send()
        .await
        .expect("sent");
    let gql = json_of(gql).await;
    assert_eq!(gql["data"]["article"]["status"], "DRAFT");
    assert_eq!(
        gql["data"]["articles"]["edges"][0]["node"]["slug"],
        "preview-me"
    );
    let anon = app
        .gql("{ article(slug: \"preview-me\") { status } }", Value::Null)
        .await;
    assert_eq!(anon["data"]["article"], Value::Null);
}
