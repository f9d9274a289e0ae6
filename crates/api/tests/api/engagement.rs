//! Comments with moderation, page views and most-read, on both backends.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, published, TestApp};

async fn comment(app: &TestApp, slug: &str, body: Value) -> reqwest::Response {
    app.send(
        "POST",
        &format!("/api/v1/articles/{slug}/comments"),
        None,
        Some(body),
    )
    .await
}

async fn submitted(app: &TestApp, slug: &str, body: Value) -> Value {
    let res = comment(app, slug, body).await;
    assert_eq!(res.status().as_u16(), 202);
    let body: Value = res.json().await.expect("JSON");
    assert_eq!(body["data"]["status"], "pending");
    body["data"].clone()
}

async fn queue(app: &TestApp, editor: &str, status: &str) -> Vec<Value> {
    let res = app
        .send(
            "GET",
            &format!("/api/v1/comments?status={status}"),
            Some(editor),
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let body: Value = res.json().await.expect("JSON");
    body["data"].as_array().cloned().unwrap_or_default()
}

async fn moderate(app: &TestApp, editor: &str, id: &Value, status: &str) -> u16 {
    app.send(
        "PATCH",
        &format!("/api/v1/comments/{}", id.as_str().unwrap_or_default()),
        Some(editor),
        Some(json!({"status": status})),
    )
    .await
    .status()
    .as_u16()
}

async fn public_comments(app: &TestApp, slug: &str) -> Vec<Value> {
    let (status, body) = app
        .get_json(&format!("/api/v1/articles/{slug}/comments"))
        .await;
    assert_eq!(status, 200);
    body["data"].as_array().cloned().unwrap_or_default()
}

async fn json_ld(app: &TestApp, slug: &str) -> Value {
    app.client
        .get(format!("{}/api/v1/articles/{slug}", app.base))
        .header("accept", "application/ld+json")
        .send()
        .await
        .expect("sent")
        .json()
        .await
        .expect("JSON-LD")
}

async fn moderation_round_trip(app: TestApp) {
    app.seed(vec![published("Harbour wall repaired", 2)]);
    let slug = "harbour-wall-repaired";
    let editor = app.staff("editor@example.com", "editor");
    let first = submitted(
        &app,
        slug,
        json!({"author_name": "Ana", "author_email": "ana@example.com", "body": "<script>alert(1)</script>\nAbout time."}),
    )
    .await;
    assert!(
        public_comments(&app, slug).await.is_empty(),
        "pending is not public"
    );
    let pending = queue(&app, &editor, "pending").await;
    assert_eq!(pending[0]["author_email"], "ana@example.com");
    assert_eq!(moderate(&app, &editor, &first["id"], "approved").await, 200);

    let shown = public_comments(&app, slug).await;
    assert_eq!(shown.len(), 1);
    assert!(shown[0].get("author_email").is_none(), "{}", shown[0]);
    assert_eq!(shown[0]["body"], "<script>alert(1)</script>\nAbout time.");
    let html = shown[0]["body_html"].as_str().unwrap_or_default();
    assert!(
        !html.contains("<script") && html.contains("&lt;script&gt;"),
        "{html}"
    );
    let (_, article) = app.get_json(&format!("/api/v1/articles/{slug}")).await;
    assert_eq!(article["data"]["comment_count"], 1);
    assert_eq!(json_ld(&app, slug).await["commentCount"], 1);

    // A reply threads under its parent; a rejected one never shows.
    let reply = submitted(
        &app,
        slug,
        json!({"author_name": "Ben", "body": "Agreed.", "parent_id": first["id"]}),
    )
    .await;
    let rejected = submitted(&app, slug, json!({"author_name": "Cy", "body": "Rude."})).await;
    assert_eq!(moderate(&app, &editor, &reply["id"], "approved").await, 200);
    assert_eq!(
        moderate(&app, &editor, &rejected["id"], "rejected").await,
        200
    );
    let shown = public_comments(&app, slug).await;
    assert_eq!(shown.len(), 2);
    assert_eq!(shown[1]["parent_id"], first["id"]);
    assert_eq!(shown[1]["depth"], 1);

    // Link-heavy and honeypot comments go to spam, though the sender hears "pending".
    submitted(&app, slug, json!({"author_name": "Dee", "body": "https://a.example https://b.example https://c.example"})).await;
    submitted(
        &app,
        slug,
        json!({"author_name": "Eve", "body": "Hello", "website": "http://x.example"}),
    )
    .await;
    assert_eq!(queue(&app, &editor, "spam").await.len(), 2);
    assert!(queue(&app, &editor, "pending").await.is_empty());

    // Closed by an editor: refused.
    let res = app
        .send(
            "PATCH",
            &format!("/api/v1/articles/{slug}/comments"),
            Some(&editor),
            Some(json!({"closed": true})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 204);
    let (_, article) = app.get_json(&format!("/api/v1/articles/{slug}")).await;
    assert_eq!(article["data"]["comments_closed"], true);
    assert_problem(
        comment(&app, slug, json!({"author_name": "Fay", "body": "Late"})).await,
        403,
    )
    .await;
}

async fn bad_comments_are_refused_and_change_nothing(app: TestApp) {
    app.seed(vec![
        published("Ferry strike ends", 2),
        published("Other story", 3),
    ]);
    let slug = "ferry-strike-ends";
    let editor = app.staff("editor@example.com", "editor");
    let author = app.staff("author@example.com", "author");
    let other = submitted(
        &app,
        "other-story",
        json!({"author_name": "Ana", "body": "Elsewhere."}),
    )
    .await;
    assert_eq!(moderate(&app, &editor, &other["id"], "approved").await, 200);
    let cases = [
        (json!({"author_name": "", "body": "x"}), 422),
        (json!({"author_name": "Ana", "body": ""}), 422),
        (json!({"author_name": "Ana", "body": "x".repeat(5001)}), 422),
        (
            json!({"author_name": "Ana", "body": "x", "author_email": "nope"}),
            422,
        ),
        (
            json!({"author_name": "Ana", "body": "x", "parent_id": other["id"]}),
            422,
        ),
        (
            json!({"author_name": "Ana", "body": "x", "parent_id": "999999"}),
            422,
        ),
        (
            json!({"author_name": "Ana", "body": "x", "colour": "red"}),
            400,
        ),
    ];
    for (body, status) in cases {
        assert_problem(comment(&app, slug, body.clone()).await, status).await;
    }
    assert_problem(
        comment(
            &app,
            "no-such-story",
            json!({"author_name": "A", "body": "x"}),
        )
        .await,
        404,
    )
    .await;
    assert_eq!(
        queue(&app, &editor, "pending").await.len(),
        0,
        "nothing was stored"
    );
    let id = other["id"].clone();
    assert_eq!(moderate(&app, &author, &id, "spam").await, 403);
    assert_eq!(moderate(&app, &editor, &id, "pending").await, 422);
    assert_eq!(
        moderate(&app, &editor, &json!("12345"), "approved").await,
        404
    );
    let res = app
        .send("GET", "/api/v1/comments?status=maybe", Some(&editor), None)
        .await;
    assert_problem(res, 422).await;
    assert_problem(app.send("GET", "/api/v1/comments", None, None).await, 401).await;
    let (status, _) = app
        .get_json(&format!("/api/v1/articles/{slug}/comments?cursor=zzz"))
        .await;
    assert_eq!(status, 400);
}

async fn comments_are_rate_limited_per_client(app: TestApp) {
    app.seed(vec![published("Busy thread", 1)]);
    for i in 0..10 {
        submitted(
            &app,
            "busy-thread",
            json!({"author_name": "Ana", "body": format!("Comment {i}")}),
        )
        .await;
    }
    let res = comment(
        &app,
        "busy-thread",
        json!({"author_name": "Ana", "body": "One too many"}),
    )
    .await;
    assert!(res.headers().get("retry-after").is_some());
    assert_problem(res, 429).await;
}

async fn comments_in_graphql(app: TestApp) {
    app.seed(vec![published("Library reopens", 1)]);
    let editor = app.staff("editor@example.com", "editor");
    let res = app
        .gql(
            r#"mutation { submitComment(slug: "library-reopens", input: {authorName: "Ana", body: "<b>Great</b>"}) { id status bodyHtml } }"#,
            json!({}),
        )
        .await;
    assert_eq!(res["data"]["submitComment"]["status"], "pending", "{res}");
    assert_eq!(
        res["data"]["submitComment"]["bodyHtml"],
        "<p>&lt;b&gt;Great&lt;/b&gt;</p>"
    );
    let id = res["data"]["submitComment"]["id"].clone();
    let denied = app
        .gql(
            "mutation($id: ID!) { moderateComment(id: $id, status: \"approved\") { status } }",
            json!({"id": id}),
        )
        .await;
    assert_eq!(
        denied["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{denied}"
    );
    let res = app
        .client
        .post(format!("{}/graphql", app.base))
        .bearer_auth(&editor)
        .json(&json!({"query": "mutation($id: ID!) { moderateComment(id: $id, status: \"approved\") { status } }", "variables": {"id": id}}))
        .send()
        .await
        .expect("sent")
        .json::<Value>()
        .await
        .expect("JSON");
    assert_eq!(
        res["data"]["moderateComment"]["status"], "approved",
        "{res}"
    );
    let read = app
        .gql(r#"{ article(slug: "library-reopens") { commentCount comments(first: 5) { edges { node { authorName body } } } } }"#, json!({}))
        .await;
    assert_eq!(read["data"]["article"]["commentCount"], 1, "{read}");
    assert_eq!(
        read["data"]["article"]["comments"]["edges"][0]["node"]["body"],
        "<b>Great</b>"
    );
}

e2e!(
    moderation_round_trip,
    bad_comments_are_refused_and_change_nothing,
    comments_are_rate_limited_per_client,
    comments_in_graphql,
    replies_nest_five_deep,
);

async fn replies_nest_five_deep(app: TestApp) {
    app.seed(vec![published("Long thread", 1)]);
    let editor = app.staff("editor@example.com", "editor");
    let mut parent: Option<Value> = None;
    for depth in 0..=5 {
        let mut body = json!({"author_name": "Ana", "body": format!("Level {depth}")});
        if let Some(p) = &parent {
            body["parent_id"] = p.clone();
        }
        let c = submitted(&app, "long-thread", body).await;
        assert_eq!(moderate(&app, &editor, &c["id"], "approved").await, 200);
        parent = Some(c["id"].clone());
    }
    let too_deep = json!({"author_name": "Ana", "body": "Level 6", "parent_id": parent});
    let problem = assert_problem(comment(&app, "long-thread", too_deep).await, 422).await;
    assert_eq!(problem["errors"][0]["field"], "parent_id");
    let depths: Vec<i64> = public_comments(&app, "long-thread")
        .await
        .iter()
        .map(|c| c["depth"].as_i64().unwrap_or(-1))
        .collect();
    assert_eq!(depths, [0, 1, 2, 3, 4, 5]);
}

/// `comment.created` goes through the outbox to webhooks, never to the
/// public stream; spam says nothing.
async fn new_comments_reach_webhooks_not_the_public(app: TestApp) {
    app.seed(vec![published("Town hall vote", 1)]);
    let admin = app.staff("admin@example.com", "admin");
    let receiver = newsdesk_e2e::receiver::Receiver::ok();
    let res = app
        .send(
            "POST",
            "/api/v1/webhooks",
            Some(&admin),
            Some(json!({"url": receiver.url, "events": ["comment.created"]})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    submitted(&app, "town-hall-vote", json!({"author_name": "Spammer", "body": "http://a.example http://b.example http://c.example"})).await;
    let c = submitted(
        &app,
        "town-hall-vote",
        json!({"author_name": "Ana", "author_email": "ana@example.com", "body": "Count me in."}),
    )
    .await;
    let got = crate::helpers::received(&receiver, |r| !r.is_empty()).await;
    let body = got[0].json();
    assert_eq!(body["type"], "comment.created");
    assert_eq!(body["data"]["id"], c["id"]);
    assert_eq!(body["data"]["article"]["slug"], "town-hall-vote");
    assert!(body["data"].get("author_email").is_none(), "{body}");
    actix_web::rt::time::sleep(std::time::Duration::from_millis(600)).await;
    assert_eq!(receiver.received().len(), 1, "spam is no event");
    let mut stream = app
        .client
        .get(format!("{}/api/v1/stream", app.base))
        .header("last-event-id", "0")
        .send()
        .await
        .expect("a stream");
    let chunk = actix_web::rt::time::timeout(std::time::Duration::from_secs(2), async {
        let mut text = String::new();
        while let Ok(Some(c)) = stream.chunk().await {
            text.push_str(&String::from_utf8_lossy(&c));
            if text.contains("article.published") {
                break;
            }
        }
        text
    })
    .await
    .unwrap_or_default();
    assert!(chunk.contains("article.published"), "{chunk}");
    assert!(!chunk.contains("comment.created"), "{chunk}");
}

mod push {
    use super::*;
    e2e_push!(new_comments_reach_webhooks_not_the_public);
}
