//! Partner syndication policies: a partner never receives an article
//! outside its policy, on any route, and gets excerpts only when told so.

use newsdesk_domain::article::ArticleInput;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, published, TestApp};

e2e!(
    a_partner_sees_only_its_policy_on_every_route,
    policies_naming_unknown_terms_are_refused
);

const INSIDE: &str = "ceasefire-talks-resume";
const OUTSIDE: &str = "harbour-ceasefire-on-fishing-quotas";

fn seed(app: &TestApp) {
    app.seed(vec![
        ArticleInput {
            section: Some("World News".into()),
            tags: vec!["Ceasefire".into()],
            body: Some("Envoys met again in Geneva.\n\nThe full report follows.".into()),
            ..published("Ceasefire talks resume", 2)
        },
        ArticleInput {
            section: Some("Home News".into()),
            tags: vec!["Ceasefire".into(), "Harbour".into()],
            body: Some("Fishing crews agreed a ceasefire on quotas.".into()),
            ..published("Harbour ceasefire on fishing quotas", 3)
        },
    ]);
}

async fn partner_key(app: &TestApp, admin: &str, policy: Value) -> reqwest::Response {
    app.send(
        "POST",
        "/api/v1/api-keys",
        Some(admin),
        Some(json!({"name": "Wire partner", "policy": policy})),
    )
    .await
}

async fn get_with(app: &TestApp, key: &str, path: &str, accept: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base))
        .header("x-api-key", key)
        .header("accept", accept)
        .send()
        .await
        .expect("sent")
}

async fn json_with(app: &TestApp, key: &str, path: &str) -> Value {
    let res = get_with(app, key, path, "application/json").await;
    assert_eq!(res.status(), 200, "{path}");
    res.json().await.expect("json")
}

fn slugs(list: &Value, at: &str) -> Vec<String> {
    list["data"]
        .as_array()
        .expect("list")
        .iter()
        .map(|x| {
            x.pointer(at)
                .and_then(Value::as_str)
                .unwrap_or_default()
                .to_owned()
        })
        .collect()
}

async fn a_partner_sees_only_its_policy_on_every_route(app: TestApp) {
    seed(&app);
    let admin = app.staff("admin@example.org", "admin");
    let policy = json!({"sections": ["world-news"], "content": "excerpt", "licence": "Wire use only; credit Newsdesk"});
    let res = partner_key(&app, &admin, policy.clone()).await;
    assert_eq!(res.status(), 201);
    let created: Value = res.json().await.expect("json");
    assert_eq!(created["data"]["policy"], policy);
    let key = created["data"]["key"].as_str().expect("key").to_owned();

    the_rest_api_keeps_to_it(&app, &key).await;
    feeds_and_graphql_keep_to_it(&app, &key).await;
    terms_keep_to_it(&app, &key).await;
    // Without the key, both are public.
    let (_, public) = app.get_json("/api/v1/articles").await;
    assert_eq!(slugs(&public, "/slug").len(), 2);
    let unknown = app.get("/feeds/rss.xml?key=ndk_not_a_key").await;
    assert_problem(unknown, 401).await;
}

/// REST lists, reads in every format, search, related and sync.
async fn the_rest_api_keeps_to_it(app: &TestApp, key: &str) {
    let list = json_with(app, key, "/api/v1/articles").await;
    assert_eq!(slugs(&list, "/slug"), [INSIDE]);
    assert_eq!(list["data"][0]["body_text"], list["data"][0]["excerpt"]);
    assert!(!list.to_string().contains("full report follows"));
    let res = get_with(
        app,
        key,
        &format!("/api/v1/articles/{OUTSIDE}"),
        "application/json",
    )
    .await;
    assert_problem(res, 404).await;
    let res = get_with(
        app,
        key,
        &format!("/api/v1/articles/{OUTSIDE}"),
        "application/ld+json",
    )
    .await;
    assert_problem(res, 404).await;
    let res = get_with(
        app,
        key,
        &format!("/api/v1/articles/{INSIDE}"),
        "application/ninjs+json",
    )
    .await;
    let ninjs: Value = res.json().await.expect("json");
    assert_eq!(ninjs["usageterms"], "Wire use only; credit Newsdesk");
    let search = json_with(app, key, "/api/v1/search?q=ceasefire").await;
    assert_eq!(slugs(&search, "/article/slug"), [INSIDE]);
    let res = get_with(
        app,
        key,
        &format!("/api/v1/articles/{OUTSIDE}/related"),
        "application/json",
    )
    .await;
    assert_problem(res, 404).await;
    let related = json_with(app, key, &format!("/api/v1/articles/{INSIDE}/related")).await;
    assert!(!related.to_string().contains(OUTSIDE));
    let sync = json_with(app, key, "/api/v1/sync").await;
    assert_eq!(slugs(&sync, "/article/slug"), [INSIDE]);
}

/// Feeds (by header and by `?key=`) and GraphQL.
async fn feeds_and_graphql_keep_to_it(app: &TestApp, key: &str) {
    for path in [
        format!("/feeds/rss.xml?key={key}"),
        "/feeds/atom.xml".to_owned(),
    ] {
        let res = get_with(app, key, &path, "*/*").await;
        assert_eq!(res.status(), 200);
        assert!(res.headers()["cache-control"]
            .to_str()
            .unwrap_or_default()
            .contains("private"));
        let text = res.text().await.expect("text");
        assert!(
            !text.contains(key),
            "the key must not show in the feed's links"
        );
        let feed = feed_rs::parser::parse(text.as_bytes()).expect("parses");
        assert_eq!(feed.entries.len(), 1, "{path}");
        assert!(
            feed.rights
                .is_some_and(|r| r.content.contains("Wire use only")),
            "{path}"
        );
    }
    graphql_keeps_to_it(app, key).await;
}

async fn graphql_keeps_to_it(app: &TestApp, key: &str) {
    let gql = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("x-api-key", key)
        .json(&json!({"query": format!(
            "{{ articles {{ edges {{ node {{ slug bodyText excerpt }} }} }} \
               outside: article(slug: \"{OUTSIDE}\") {{ slug }} \
               search(query: \"ceasefire\") {{ edges {{ node {{ article {{ slug }} }} }} }} }}")}))
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("json");
    let edges = &gql["data"]["articles"]["edges"];
    assert_eq!(edges.as_array().map(Vec::len), Some(1), "{gql}");
    assert_eq!(edges[0]["node"]["slug"], INSIDE);
    assert_eq!(edges[0]["node"]["bodyText"], edges[0]["node"]["excerpt"]);
    assert_eq!(gql["data"]["outside"], Value::Null);
    assert_eq!(
        gql["data"]["search"]["edges"].as_array().map(Vec::len),
        Some(1)
    );
}

async fn policies_naming_unknown_terms_are_refused(app: TestApp) {
    seed(&app);
    let admin = app.staff("admin@example.org", "admin");
    let res = partner_key(
        &app,
        &admin,
        json!({"sections": ["world-news", "sport"], "tags": ["nope"]}),
    )
    .await;
    let problem = assert_problem(res, 422).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["policy.sections", "policy.tags"]);
    let res = partner_key(&app, &admin, json!({"content": "summaries"})).await;
    assert_eq!(res.status(), 400, "an unknown content scope does not parse");
    let (_, keys) = {
        let res = app
            .send("GET", "/api/v1/api-keys", Some(&admin), None)
            .await;
        (res.status(), res.json::<Value>().await.expect("json"))
    };
    assert_eq!(
        keys["data"].as_array().map(Vec::len),
        Some(0),
        "nothing was created"
    );
}

/// Term lists, pages and counts see only the partner's articles: a tag
/// found only outside the policy does not exist to it.
async fn terms_keep_to_it(app: &TestApp, key: &str) {
    let tags = json_with(app, key, "/api/v1/tags").await;
    assert_eq!(slugs(&tags, "/slug"), ["ceasefire"]);
    assert_eq!(tags["data"][0]["article_count"], 1);
    let (_, public) = app.get_json("/api/v1/tags").await;
    assert_eq!(slugs(&public, "/slug"), ["ceasefire", "harbour"]);
    assert_eq!(public["data"][0]["article_count"], 2);
    let res = get_with(app, key, "/api/v1/tags/harbour", "application/json").await;
    assert_problem(res, 404).await;
    let sections = json_with(app, key, "/api/v1/sections").await;
    assert_eq!(slugs(&sections, "/slug"), ["world-news"]);
    let gql = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("x-api-key", key)
        .json(&json!({"query": "{ tag(slug: \"ceasefire\") { articleCount } harbour: tag(slug: \"harbour\") { slug } }"}))
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("json");
    assert_eq!(gql["data"]["tag"]["articleCount"], 1, "{gql}");
    assert_eq!(gql["data"]["harbour"], Value::Null);
}
