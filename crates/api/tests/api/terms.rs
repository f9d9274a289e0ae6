//! REST tags, sections and authors.

use serde_json::Value;

use crate::helpers::{assert_problem, published, TestApp};
use newsdesk_domain::article::ArticleInput;

e2e!(terms_list_with_counts_and_pages, authors_never_show_email);

async fn terms_list_with_counts_and_pages(app: TestApp) {
    app.seed(vec![
        ArticleInput {
            tags: vec!["Alpha".into(), "Beta".into()],
            section: Some("World".into()),
            ..published("One", 3)
        },
        ArticleInput {
            tags: vec!["Alpha".into(), "Gamma".into()],
            section: Some("Home News".into()),
            ..published("Two", 2)
        },
    ]);
    let (status, body) = app.get_json("/api/v1/tags?limit=2").await;
    assert_eq!(status, 200);
    let names: Vec<_> = body["data"]
        .as_array()
        .expect("list")
        .iter()
        .map(|t| t["slug"].clone())
        .collect();
    assert_eq!(names, [Value::from("alpha"), Value::from("beta")]);
    assert_eq!(body["data"][0]["article_count"], 2);
    let cursor = body["meta"]["next_cursor"].as_str().expect("a next page");
    let (_, next) = app
        .get_json(&format!("/api/v1/tags?limit=2&cursor={cursor}"))
        .await;
    assert_eq!(next["data"][0]["slug"], "gamma");
    assert_eq!(next["meta"]["next_cursor"], Value::Null);

    let (_, tag) = app.get_json("/api/v1/tags/alpha").await;
    assert_eq!(tag["data"]["name"], "Alpha");
    assert_eq!(tag["data"]["article_count"], 2);
    let (_, sections) = app.get_json("/api/v1/sections").await;
    let slugs: Vec<_> = sections["data"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["slug"].as_str().expect("slug").to_owned())
        .collect();
    assert_eq!(slugs, ["home-news", "world"]);
    let (_, section) = app.get_json("/api/v1/sections/home-news").await;
    assert_eq!(section["data"]["article_count"], 1);
    for path in [
        "/api/v1/tags/nope",
        "/api/v1/sections/nope",
        "/api/v1/authors/nope",
    ] {
        assert_problem(app.get(path).await, 404).await;
    }
}

async fn authors_never_show_email(app: TestApp) {
    app.seed(vec![ArticleInput {
        authors: vec!["Jo Byline".into()],
        contact_email: Some("jo@example.org".into()),
        ..published("Bylined", 1)
    }]);
    for path in [
        "/api/v1/authors",
        "/api/v1/authors/jo-byline",
        "/api/v1/articles/bylined",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        let text = res.text().await.expect("body");
        assert!(text.contains("Jo Byline"), "{path}: {text}");
        assert!(!text.contains("jo@example.org"), "{path} leaked the e-mail");
    }
    let (_, author) = app.get_json("/api/v1/authors/jo-byline").await;
    assert_eq!(author["data"]["article_count"], 1);
    assert!(author["data"].get("bio").is_some());
}
