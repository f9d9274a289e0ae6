//! Full-text search: ranking, phrases, exclusions, highlighting, paging,
//! the index following writes, and hostile queries.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, published, TestApp};
use newsdesk_domain::article::ArticleInput;

e2e!(
    search_ranks_highlights_and_pages,
    index_follows_edits_and_deletes,
    hostile_queries_never_fail
);

fn slugs(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("list")
        .iter()
        .map(|h| h["article"]["slug"].as_str().expect("slug").to_owned())
        .collect()
}

async fn search_ranks_highlights_and_pages(app: TestApp) {
    app.seed(vec![
        ArticleInput {
            body: Some("Floodwater closed the coast road. Flooding reached the <harbour> & the quay; more floods are feared.".into()),
            body_format: Some("text".into()),
            ..published("Flood closes coast road", 3)
        },
        ArticleInput {
            body: Some("The storm brought a small flood to one street near the coast.".into()),
            ..published("Storm passes", 2)
        },
        ArticleInput {
            body: Some("Council talks about the road budget. Nothing about water at all.".into()),
            ..published("Road budget", 1)
        },
        ArticleInput {
            body: Some("A flood of secret flood plans flood the flood office.".into()),
            status: Some("draft".into()),
            ..published("Secret flood draft", 1)
        },
    ]);
    search_ranks_highlights_and_pages_1(&app).await;
    search_ranks_highlights_and_pages_2(&app).await;
}

async fn search_ranks_highlights_and_pages_1(app: &TestApp) {
    let (status, body) = app.get_json("/api/v1/search?q=flood").await;
    assert_eq!(status, 200);
    assert_eq!(
        slugs(&body),
        ["flood-closes-coast-road", "storm-passes"],
        "best first, drafts never"
    );
    let top = &body["data"][0];
    let highlight = top["highlight"].as_str().expect("highlight");
    assert!(
        highlight.contains("<mark>Floodwater</mark>")
            || highlight.contains("<mark>Flooding</mark>"),
        "{highlight}"
    );
    assert!(
        highlight.contains("&lt;harbour&gt;") && highlight.contains("&amp;"),
        "escaped: {highlight}"
    );
    assert!(!highlight.contains("<harbour>"));
    assert!(
        top["score"].as_f64().expect("score") >= body["data"][1]["score"].as_f64().expect("score")
    );

    let (_, phrase) = app.get_json("/api/v1/search?q=%22coast%20road%22").await;
    assert_eq!(slugs(&phrase), ["flood-closes-coast-road"]);
    let (_, both) = app.get_json("/api/v1/search?q=coast%20road").await;
    assert_eq!(
        slugs(&both),
        ["flood-closes-coast-road"],
        "all words must match"
    );
    let (_, excluded) = app.get_json("/api/v1/search?q=flood%20-storm").await;
    assert_eq!(slugs(&excluded), ["flood-closes-coast-road"]);
}

async fn search_ranks_highlights_and_pages_2(app: &TestApp) {
    let (_, first) = app.get_json("/api/v1/search?q=flood&limit=1").await;
    assert_eq!(first["data"].as_array().map(Vec::len), Some(1));
    let cursor = first["meta"]["next_cursor"].as_str().expect("a next page");
    let (_, second) = app
        .get_json(&format!("/api/v1/search?q=flood&limit=1&cursor={cursor}"))
        .await;
    assert_eq!(slugs(&second), ["storm-passes"]);
    assert_eq!(second["meta"]["next_cursor"], Value::Null);

    let gql = app
        .gql(
            "{ search(query: \"flood\", first: 1) { edges { cursor node { score highlight article { slug } } } pageInfo { hasNextPage endCursor } } }",
            Value::Null,
        )
        .await;
    assert!(gql["errors"].is_null(), "{gql}");
    assert_eq!(
        gql["data"]["search"]["edges"][0]["node"]["article"]["slug"],
        "flood-closes-coast-road"
    );
    let after = gql["data"]["search"]["pageInfo"]["endCursor"]
        .as_str()
        .expect("cursor")
        .to_owned();
    let next = app
        .gql("query($a: String) { search(query: \"flood\", after: $a) { edges { node { article { slug } } } } }", json!({"a": after}))
        .await;
    assert_eq!(
        next["data"]["search"]["edges"][0]["node"]["article"]["slug"],
        "storm-passes"
    );
}

async fn index_follows_edits_and_deletes(app: TestApp) {
    let editor = app.staff("ed@example.org", "editor");
    let created = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(&editor),
            Some(json!({"title": "Zeppelin returns", "body": "An airship called Aurora flew over the bay.", "status": "published"})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let (_, found) = app.get_json("/api/v1/search?q=aurora").await;
    assert_eq!(slugs(&found), ["zeppelin-returns"]);
    let patched = app
        .send(
            "PATCH",
            "/api/v1/articles/zeppelin-returns",
            Some(&editor),
            Some(json!({"body": "A balloon named Borealis drifted past."})),
        )
        .await;
    assert_eq!(patched.status(), 200);
    let (_, old) = app.get_json("/api/v1/search?q=aurora").await;
    assert!(slugs(&old).is_empty(), "the old words left the index");
    let (_, new) = app.get_json("/api/v1/search?q=borealis").await;
    assert_eq!(slugs(&new), ["zeppelin-returns"]);
    let unpublished = app
        .send(
            "PATCH",
            "/api/v1/articles/zeppelin-returns",
            Some(&editor),
            Some(json!({"status": "draft"})),
        )
        .await;
    assert_eq!(unpublished.status(), 200);
    let (_, hidden) = app.get_json("/api/v1/search?q=borealis").await;
    assert!(
        slugs(&hidden).is_empty(),
        "unpublished articles leave public search"
    );
    let preview = app
        .send("GET", "/api/v1/search?q=borealis", Some(&editor), None)
        .await;
    assert_eq!(
        slugs(&preview.json().await.expect("json")),
        ["zeppelin-returns"],
        "staff still find drafts"
    );
    assert_eq!(
        app.send(
            "DELETE",
            "/api/v1/articles/zeppelin-returns",
            Some(&editor),
            None
        )
        .await
        .status(),
        204
    );
    let gone = app
        .send("GET", "/api/v1/search?q=borealis", Some(&editor), None)
        .await;
    assert!(slugs(&gone.json().await.expect("json")).is_empty());
    // Imports are indexed too.
    app.seed(vec![ArticleInput {
        body: Some("Quokkas everywhere.".into()),
        ..published("Island visit", 1)
    }]);
    let (_, imported) = app.get_json("/api/v1/search?q=quokkas").await;
    assert_eq!(slugs(&imported), ["island-visit"]);
}

async fn hostile_queries_never_fail(app: TestApp) {
    app.seed(vec![published("Harbour news", 1)]);
    let long = "storm ".repeat(2000);
    for (q, expected) in [
        ("", 400),
        ("%22", 400),
        ("-%20-%20-", 400),
        ("-harbour", 400),
        ("%21%40%23%24%25", 400),
        // Only stop words: the two engines would disagree, so neither runs.
        ("the", 400),
        ("the%20and%20%22of%20it%22", 400),
        (long.as_str(), 400),
    ] {
        let res = app.get(&format!("/api/v1/search?q={q}")).await;
        assert_problem(res, expected).await;
    }
    // Syntax other engines would read is plain words here, the same on
    // both backends: each query gets exactly one answer.
    for (q, expected) in [
        ("%22harbour", 200),
        ("harbour%22%22%22", 200),
        ("title%3Aharbour", 200),
        ("harbour%20OR%20news", 200),
        ("NEAR(harbour%20news)", 200),
        ("harbour*", 200),
        ("%5E%24%28%29", 400),
        ("harbour%20AND%20NOT", 200),
        ("%27%3B%20DROP%20TABLE%20articles%3B%20--", 200),
        ("%E2%80%9Charbour%E2%80%9D", 200),
    ] {
        let res = app.get(&format!("/api/v1/search?q={q}")).await;
        if expected == 400 {
            assert_problem(res, 400).await;
        } else {
            assert_eq!(res.status().as_u16(), expected, "{q}");
        }
    }
    assert_problem(app.get("/api/v1/search").await, 400).await;
    assert_problem(app.get("/api/v1/search?q=harbour&limit=0").await, 422).await;
    assert_problem(app.get("/api/v1/search?q=harbour&cursor=bogus").await, 400).await;
    let (_, still) = app.get_json("/api/v1/search?q=harbour").await;
    assert_eq!(slugs(&still), ["harbour-news"], "nothing was harmed");
}
