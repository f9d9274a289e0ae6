//! The response cache: a repeated public read is answered from memory, and every kind
//! of write is seen on the very next read, on both backends.

use std::io::Read;

use serde_json::{json, Value};

use crate::helpers::{assert_problem, TestApp};

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app
        .send("POST", "/api/v1/articles", Some(token), Some(body))
        .await;
    assert_eq!(res.status(), 201);
    res.json::<Value>().await.expect("json")["data"].clone()
}

fn story(title: &str) -> Value {
    json!({"title": title, "body": "A body of text.", "body_format": "text",
           "status": "published", "section": "Home News", "tags": ["Harbour"]})
}

async fn titles(app: &TestApp, path: &str) -> Vec<String> {
    let (status, list) = app.get_json(path).await;
    assert_eq!(status, 200, "{path}");
    list["data"]
        .as_array()
        .expect("a list")
        .iter()
        .map(|a| a["title"].as_str().unwrap_or_default().to_owned())
        .collect()
}

async fn title(app: &TestApp, slug: &str) -> String {
    let (status, one) = app.get_json(&format!("/api/v1/articles/{slug}")).await;
    assert_eq!(status, 200, "{slug}");
    one["data"]["title"].as_str().unwrap_or_default().to_owned()
}

async fn patch(app: &TestApp, token: &str, path: &str, body: Value) {
    let res = app.send("PATCH", path, Some(token), Some(body)).await;
    assert_eq!(res.status(), 200, "{path}");
}

async fn repeated_reads_are_served_from_memory(app: TestApp) {
    let editor = app.staff("ed@example.com", "editor");
    create(&app, &editor, story("Quay wall repaired")).await;
    for path in [
        "/api/v1/articles/quay-wall-repaired",
        "/api/v1/articles?limit=5",
        "/feeds/rss.xml",
        "/api/v1/tags/harbour",
    ] {
        let first = app.get(path).await;
        assert_eq!(first.status(), 200, "{path}");
        assert_eq!(first.headers()["x-cache"], "miss", "{path}");
        let etag = first.headers()["etag"].clone();
        let bytes = first.bytes().await.expect("a body");
        let again = app.get(path).await;
        assert_eq!(again.headers()["x-cache"], "hit", "{path}");
        assert_eq!(again.headers()["etag"], etag, "{path}");
        assert_eq!(again.bytes().await.expect("a body"), bytes, "{path}");
        // A client's current copy: 304 from the cache.
        let res = app
            .client
            .get(format!("{}{path}", app.base))
            .header("if-none-match", etag.clone())
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status(), 304, "{path}");
    }
    // Hits are counted, under the route they would have taken.
    let metrics = app.get("/metrics").await.text().await.expect("text");
    let route = r#"route="/api/v1/articles/{slug}""#;
    assert!(
        metrics.contains(&format!("{route},status=\"200\"}} 2")),
        "{metrics}"
    );
    assert!(
        metrics.contains(&format!("{route},status=\"304\"}} 1")),
        "{metrics}"
    );
    let hits: u64 = metrics
        .lines()
        .find_map(|l| l.strip_prefix(r#"newsdesk_response_cache_total{outcome="hit"} "#))
        .and_then(|v| v.trim().parse().ok())
        .expect("a hit counter");
    assert!(hits >= 8, "{hits}");
    // Query parameters in another order are the same request.
    let res = app.get("/api/v1/articles?limit=5&tag=harbour").await;
    assert_eq!(res.headers()["x-cache"], "miss");
    let res = app.get("/api/v1/articles?tag=harbour&limit=5").await;
    assert_eq!(res.headers()["x-cache"], "hit");
}

async fn gzip_variant_is_the_same_bytes(app: TestApp) {
    let editor = app.staff("ed@example.com", "editor");
    let mut body = story("Long harbour report");
    body["body"] = json!("The harbour report runs long. ".repeat(200));
    create(&app, &editor, body).await;
    let path = "/api/v1/articles/long-harbour-report";
    let plain = app.get(path).await.bytes().await.expect("a body");
    let res = app
        .client
        .get(format!("{}{path}", app.base))
        .header("accept-encoding", "gzip")
        .send()
        .await
        .expect("sent");
    assert_eq!(res.headers()["content-encoding"], "gzip");
    let etag = res.headers()["etag"].to_str().expect("ascii").to_owned();
    let packed = res.bytes().await.expect("a body");
    assert!(packed.len() < plain.len() / 2);
    let mut unpacked = Vec::new();
    flate2::read::GzDecoder::new(&packed[..])
        .read_to_end(&mut unpacked)
        .expect("gzip");
    assert_eq!(unpacked, plain.to_vec());
    assert!(etag.ends_with("-gzip\""), "{etag}");
}

async fn every_write_is_seen_on_the_next_read(app: TestApp) {
    let editor = app.staff("ed@example.com", "editor");
    create(&app, &editor, story("Ferry timetable")).await;
    let list = "/api/v1/articles?tag=harbour";
    assert_eq!(titles(&app, list).await, ["Ferry timetable"]);
    assert_eq!(title(&app, "ferry-timetable").await, "Ferry timetable");

    // An edit.
    patch(
        &app,
        &editor,
        "/api/v1/articles/ferry-timetable",
        json!({"title": "Ferry times"}),
    )
    .await;
    assert_eq!(title(&app, "ferry-timetable").await, "Ferry times");
    assert_eq!(titles(&app, list).await, ["Ferry times"]);

    // A correction.
    let res = app
        .send(
            "POST",
            "/api/v1/articles/ferry-timetable/corrections",
            Some(&editor),
            Some(json!({"text": "The first sailing is at six."})),
        )
        .await;
    assert!(res.status().is_success());
    let (_, one) = app.get_json("/api/v1/articles/ferry-timetable").await;
    assert_eq!(
        one["data"]["corrections"][0]["text"],
        "The first sailing is at six."
    );

    // A term renamed: the article, its tag page and lists by either slug.
    patch(
        &app,
        &editor,
        "/api/v1/tags/harbour",
        json!({"name": "Port", "slug": "port"}),
    )
    .await;
    let (_, one) = app.get_json("/api/v1/articles/ferry-timetable").await;
    assert_eq!(one["data"]["tags"][0]["slug"], "port");
    assert_eq!(
        titles(&app, "/api/v1/articles?tag=port").await,
        ["Ferry times"]
    );
}

async fn publication_and_deletion_are_seen_on_the_next_read(app: TestApp) {
    let editor = app.staff("ed@example.com", "editor");
    let mut first = story("Ferry times");
    first["tags"] = json!(["Port"]);
    create(&app, &editor, first).await;
    assert_eq!(
        titles(&app, "/api/v1/articles?tag=port").await,
        ["Ferry times"]
    );
    // A draft published, then unpublished.
    let mut draft = story("Lighthouse relit");
    draft["status"] = json!("draft");
    draft["tags"] = json!(["Port"]);
    create(&app, &editor, draft).await;
    let port = "/api/v1/articles?tag=port";
    assert_eq!(titles(&app, port).await, ["Ferry times"]);
    let res = app
        .send(
            "POST",
            "/api/v1/articles/lighthouse-relit/publish",
            Some(&editor),
            Some(json!({})),
        )
        .await;
    assert!(res.status().is_success());
    assert_eq!(
        titles(&app, port).await,
        ["Lighthouse relit", "Ferry times"]
    );
    assert_eq!(title(&app, "lighthouse-relit").await, "Lighthouse relit");
    patch(
        &app,
        &editor,
        "/api/v1/articles/lighthouse-relit",
        json!({"status": "draft"}),
    )
    .await;
    assert_eq!(titles(&app, port).await, ["Ferry times"]);
    assert_problem(app.get("/api/v1/articles/lighthouse-relit").await, 404).await;

    // A delete.
    let res = app
        .send(
            "DELETE",
            "/api/v1/articles/ferry-times",
            Some(&editor),
            None,
        )
        .await;
    assert_eq!(res.status(), 204);
    assert_problem(app.get("/api/v1/articles/ferry-times").await, 404).await;
    assert!(titles(&app, port).await.is_empty());
    let rss = app
        .get("/feeds/rss.xml")
        .await
        .text()
        .await
        .expect("a feed");
    assert!(!rss.contains("Ferry times"), "{rss}");
}

async fn moderation_is_seen_on_the_next_read(app: TestApp) {
    let editor = app.staff("ed@example.com", "editor");
    create(&app, &editor, story("Harbour fees")).await;
    let (_, one) = app.get_json("/api/v1/articles/harbour-fees").await;
    assert_eq!(one["data"]["comment_count"], 0);
    let res = app
        .send(
            "POST",
            "/api/v1/articles/harbour-fees/comments",
            None,
            Some(json!({"author_name": "Ann", "body": "Too high."})),
        )
        .await;
    assert_eq!(res.status(), 202);
    let id = res.json::<Value>().await.expect("json")["data"]["id"].clone();
    let id = id.as_str().expect("an id").to_owned();
    patch(
        &app,
        &editor,
        &format!("/api/v1/comments/{id}"),
        json!({"status": "approved"}),
    )
    .await;
    let (_, one) = app.get_json("/api/v1/articles/harbour-fees").await;
    assert_eq!(one["data"]["comment_count"], 1);
    let (_, list) = app.get_json("/api/v1/articles").await;
    assert_eq!(list["data"][0]["comment_count"], 1);
}

async fn a_scheduled_article_shows_when_due(app: TestApp) {
    let editor = app.staff("ed@example.com", "editor");
    create(&app, &editor, story("Regatta announced")).await;
    let mut later = story("Regatta results");
    later["published_at"] =
        json!((chrono::Utc::now() + chrono::TimeDelta::seconds(2)).to_rfc3339());
    let made = create(&app, &editor, later).await;
    assert_eq!(made["status"], "scheduled");
    // Cached while the article is still in the future.
    assert_eq!(
        titles(&app, "/api/v1/articles").await,
        ["Regatta announced"]
    );
    assert_eq!(
        titles(&app, "/api/v1/articles").await,
        ["Regatta announced"]
    );
    let due = chrono::Utc::now() + chrono::TimeDelta::milliseconds(2_100);
    while chrono::Utc::now() < due {
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(
        titles(&app, "/api/v1/articles").await,
        ["Regatta results", "Regatta announced"],
        "the first read after the time shows it"
    );
}

async fn partners_and_staff_are_kept_apart(app: TestApp) {
    let admin = app.staff("admin@example.com", "admin");
    let editor = app.staff("ed@example.com", "editor");
    create(&app, &editor, story("Harbour dredged")).await;
    let mut other = story("Council budget");
    other["section"] = json!("Politics");
    other["tags"] = json!(["Budget"]);
    create(&app, &editor, other).await;
    let mut draft = story("Secret draft");
    draft["status"] = json!("draft");
    create(&app, &editor, draft).await;

    assert_eq!(titles(&app, "/api/v1/articles").await.len(), 2);
    let res = app
        .send(
            "POST",
            "/api/v1/api-keys",
            Some(&admin),
            Some(json!({"name": "Wire", "policy": {"sections": ["politics"]}})),
        )
        .await;
    let key = res.json::<Value>().await.expect("json")["data"]["key"]
        .as_str()
        .expect("a key")
        .to_owned();
    let partner: Value = app
        .client
        .get(format!("{}/api/v1/articles", app.base))
        .header("x-api-key", &key)
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("json");
    assert_eq!(partner["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(partner["data"][0]["title"], "Council budget");
    // Staff see the draft, and the public still does not.
    let staff: Value = app
        .send("GET", "/api/v1/articles", Some(&editor), None)
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(staff["data"].as_array().map(Vec::len), Some(3));
    assert_eq!(titles(&app, "/api/v1/articles").await.len(), 2);
}

async fn concurrent_misses_are_computed_once(app: TestApp) {
    let editor = app.staff("ed@example.com", "editor");
    create(&app, &editor, story("Tug crews strike")).await;
    let reads = (0..16).map(|_| app.get("/feeds/rss.xml?limit=6"));
    let mut misses = 0;
    for res in futures_util::future::join_all(reads).await {
        assert_eq!(res.status(), 200);
        misses += usize::from(res.headers()["x-cache"] == "miss");
    }
    assert_eq!(misses, 1, "16 clients, one rendering");
}

async fn gql_get(app: &TestApp, params: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .get(format!("{}/graphql", app.base))
        .query(params)
        .send()
        .await
        .expect("sent")
}

async fn persisted_graphql_is_cached_like_rest(app: TestApp) {
    use sha2::Digest;
    let editor = app.staff("ed@example.com", "editor");
    create(&app, &editor, story("Pier reopened")).await;
    let query = "{ articles(first: 5) { edges { node { title } } } }";
    let hash = hex::encode(sha2::Sha256::digest(query.as_bytes()));
    let ext = json!({"persistedQuery": {"version": 1, "sha256Hash": hash}}).to_string();
    let unknown: Value = gql_get(&app, &[("extensions", &ext)])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(unknown["errors"][0]["message"], "PersistedQueryNotFound");
    let wrong = json!({"persistedQuery": {"version": 1, "sha256Hash": "0".repeat(64)}}).to_string();
    let res: Value = gql_get(&app, &[("query", query), ("extensions", &wrong)])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(res["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");

    let registered: Value = gql_get(&app, &[("query", query), ("extensions", &ext)])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        registered["data"]["articles"]["edges"][0]["node"]["title"],
        "Pier reopened"
    );
    let res = gql_get(&app, &[("extensions", &ext)]).await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["cache-control"]
        .to_str()
        .expect("ascii")
        .starts_with("public"));
    assert!(res.headers()["surrogate-key"]
        .to_str()
        .expect("ascii")
        .contains("list"));
    let etag = res.headers()["etag"].clone();
    let again = gql_get(&app, &[("extensions", &ext)]).await;
    assert_eq!(again.headers()["etag"], etag);
    assert_eq!(again.headers()["x-cache"], "hit");

    patch(
        &app,
        &editor,
        "/api/v1/articles/pier-reopened",
        json!({"title": "Pier reopened early"}),
    )
    .await;
    let fresh: Value = gql_get(&app, &[("extensions", &ext)])
        .await
        .json()
        .await
        .expect("json");
    assert_eq!(
        fresh["data"]["articles"]["edges"][0]["node"]["title"],
        "Pier reopened early"
    );
}

async fn graphql_gets_never_write_nor_cache_volatile_fields(app: TestApp) {
    let editor = app.staff("ed@example.com", "editor");
    let mut body = story("Pier reopened");
    body["title"] = json!("Pier reopened early");
    body["slug"] = json!("pier-reopened");
    create(&app, &editor, body).await;
    // GET never writes, and view counts move without a write to purge them.
    let res: Value = gql_get(
        &app,
        &[(
            "query",
            "mutation { deleteArticle(slug: \"pier-reopened\") }",
        )],
    )
    .await
    .json()
    .await
    .expect("json");
    assert_eq!(res["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
    assert_eq!(title(&app, "pier-reopened").await, "Pier reopened early");
    let res = gql_get(
        &app,
        &[("query", "{ articles { edges { node { viewCount } } } }")],
    )
    .await;
    assert_eq!(res.headers()["cache-control"], "no-store");
}

e2e!(
    concurrent_misses_are_computed_once,
    persisted_graphql_is_cached_like_rest,
    graphql_gets_never_write_nor_cache_volatile_fields,
    repeated_reads_are_served_from_memory,
    gzip_variant_is_the_same_bytes,
    every_write_is_seen_on_the_next_read,
    publication_and_deletion_are_seen_on_the_next_read,
    moderation_is_seen_on_the_next_read,
    a_scheduled_article_shows_when_due,
    partners_and_staff_are_kept_apart,
);
