//! REST articles: lists, filters, paging, single reads, visibility, errors.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, published, TestApp};
use newsdesk_domain::article::ArticleInput;

e2e!(
    list_is_newest_first_with_relations,
    pagination_visits_every_article_once,
    filters_narrow_the_list,
    text_query_narrows_the_list,
    single_article_and_unknown_slug,
    drafts_and_scheduled_never_public,
    bad_query_values_are_problems,
    reads_are_cacheable_and_revalidate,
    scheduled_article_goes_public_by_itself,
);

fn slugs(body: &Value) -> Vec<String> {
    body["data"]
        .as_array()
        .expect("data is a list")
        .iter()
        .map(|a| a["slug"].as_str().expect("slug").to_owned())
        .collect()
}

async fn list_is_newest_first_with_relations(app: TestApp) {
    app.seed(vec![
        ArticleInput {
            tags: vec!["Storm".into(), "Harbour".into()],
            authors: vec!["Lena Marsh".into()],
            section: Some("Home News".into()),
            contact_email: Some("secret@example.org".into()),
            ..published("Older story", 5)
        },
        published("Newer story", 1),
    ]);
    let res = app.get("/api/v1/articles").await;
    assert_eq!(res.status(), 200);
    assert!(res.headers().get("link").is_none(), "no next page, no Link");
    let text = res.text().await.expect("body");
    assert!(
        !text.contains("secret@example.org"),
        "contact e-mail leaked"
    );
    let body: Value = serde_json::from_str(&text).expect("json");
    assert_eq!(slugs(&body), ["newer-story", "older-story"]);
    assert_eq!(body["meta"]["limit"], 20);
    assert_eq!(body["meta"]["next_cursor"], Value::Null);
    let older = &body["data"][1];
    assert_eq!(older["tags"][0]["slug"], "storm");
    assert_eq!(older["tags"][1]["name"], "Harbour");
    assert_eq!(older["authors"][0]["name"], "Lena Marsh");
    assert_eq!(older["section"]["slug"], "home-news");
    assert_eq!(older["status"], "published");
    assert_eq!(
        older["canonical_url"],
        "https://news.example/articles/older-story"
    );
    assert!(older["id"].is_string());
    assert!(older["published_at"].as_str().expect("date").ends_with('Z'));
    assert_eq!(older["excerpt"], "Older story opens the story.");
    assert_eq!(older["word_count"], 9);
    assert_eq!(older["reading_time_minutes"], 1);
    assert_eq!(older["corrections"], Value::Array(vec![]));
    assert_eq!(
        older["body_html"],
        "<p>Older story opens the story.</p>\n<p>A second paragraph follows.</p>\n"
    );
}

async fn pagination_visits_every_article_once(app: TestApp) {
    // Three per hour, so equal timestamps must be split by the id tie-break.
    let inputs = (0..47)
        .map(|i| published(&format!("Story number {i}"), 100 - i / 3))
        .collect();
    app.seed(inputs);
    let mut seen: Vec<String> = Vec::new();
    let mut next = Some(format!(
        "{}/api/v1/articles?limit=10&exclude=nothing",
        app.base
    ));
    let mut pages = 0;
    while let Some(url) = next.take() {
        let res = app.client.get(&url).send().await.expect("sent");
        assert_eq!(res.status(), 200);
        let link = res
            .headers()
            .get("link")
            .map(|l| l.to_str().expect("ascii").to_owned());
        let body: Value = res.json().await.expect("json");
        pages += 1;
        seen.extend(slugs(&body));
        match (link, body["meta"]["next_cursor"].as_str()) {
            (Some(link), Some(cursor)) => {
                assert!(link.ends_with("rel=\"next\""), "{link}");
                assert!(link.contains(cursor));
                assert!(
                    link.contains("exclude=nothing"),
                    "Link keeps the filters: {link}"
                );
                // Follow the Link header as a client would, on our own host.
                let target = link
                    .trim_start_matches('<')
                    .split('>')
                    .next()
                    .expect("link target")
                    .replace("https://news.example", &app.base);
                next = Some(target);
            }
            (None, None) => {}
            other => panic!("Link header and next_cursor disagree: {other:?}"),
        }
    }
    assert_eq!(pages, 5);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!((seen.len(), unique.len()), (47, 47));
}

async fn filters_narrow_the_list(app: TestApp) {
    app.seed(vec![
        ArticleInput {
            tags: vec!["Rail".into()],
            section: Some("Business".into()),
            authors: vec!["Owen Adeyemi".into()],
            ..published("Rail strike", 30)
        },
        ArticleInput {
            tags: vec!["Rail".into()],
            ..published("Rail talks", 20)
        },
        ArticleInput {
            section: Some("Business".into()),
            ..published("Rates", 10)
        },
    ]);
    let cases = [
        ("tag=rail", vec!["rail-talks", "rail-strike"]),
        ("section=business", vec!["rates", "rail-strike"]),
        ("author=owen-adeyemi", vec!["rail-strike"]),
        ("tag=rail&section=business", vec!["rail-strike"]),
        ("section=business&exclude=rates", vec!["rail-strike"]),
        ("tag=unknown", vec![]),
    ];
    for (query, expected) in cases {
        let (status, body) = app.get_json(&format!("/api/v1/articles?{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(slugs(&body), expected, "{query}");
    }
    let after = (chrono::Utc::now() - chrono::TimeDelta::hours(25)).format("%Y-%m-%dT%H:%M:%SZ");
    let before = (chrono::Utc::now() - chrono::TimeDelta::hours(15)).format("%Y-%m-%dT%H:%M:%SZ");
    let (_, body) = app
        .get_json(&format!(
            "/api/v1/articles?published_after={after}&published_before={before}"
        ))
        .await;
    assert_eq!(slugs(&body), ["rail-talks"]);
}

async fn text_query_narrows_the_list(app: TestApp) {
    app.seed(vec![
        ArticleInput {
            tags: vec!["Weather".into()],
            ..published("Harbour storm floods quay", 30)
        },
        published("Storm warning for the coast", 20),
        ArticleInput {
            status: Some("draft".into()),
            ..published("Storm draft", 15)
        },
        published("Harbour festival", 10),
        published("Budget vote", 5),
    ]);
    let cases = [
        // Newest first, not by relevance; drafts stay hidden.
        (
            "q=storm",
            vec!["storm-warning-for-the-coast", "harbour-storm-floods-quay"],
        ),
        ("q=harbour%20storm", vec!["harbour-storm-floods-quay"]),
        ("q=harbour%20-storm", vec!["harbour-festival"]),
        (
            "q=%22storm%20warning%22",
            vec!["storm-warning-for-the-coast"],
        ),
        ("q=storm&tag=weather", vec!["harbour-storm-floods-quay"]),
        ("q=zeppelin", vec![]),
        // Blank is no filter at all.
        (
            "q=%20",
            vec![
                "budget-vote",
                "harbour-festival",
                "storm-warning-for-the-coast",
                "harbour-storm-floods-quay",
            ],
        ),
    ];
    for (query, expected) in cases {
        let (status, body) = app.get_json(&format!("/api/v1/articles?{query}")).await;
        assert_eq!(status, 200, "{query}");
        assert_eq!(slugs(&body), expected, "{query}");
    }
    // Pages keep the query.
    let (_, first) = app.get_json("/api/v1/articles?q=storm&limit=1").await;
    assert_eq!(slugs(&first), ["storm-warning-for-the-coast"]);
    let cursor = first["meta"]["next_cursor"].as_str().expect("a next page");
    let (_, second) = app
        .get_json(&format!("/api/v1/articles?q=storm&limit=1&cursor={cursor}"))
        .await;
    assert_eq!(slugs(&second), ["harbour-storm-floods-quay"]);
    assert!(second["meta"]["next_cursor"].is_null());
    // Malformed like a search: 400, the same message.
    for bad in ["q=-storm", "q=%22", "q=%2B%2A%2B"] {
        let problem = assert_problem(app.get(&format!("/api/v1/articles?{bad}")).await, 400).await;
        assert!(
            problem["detail"]
                .as_str()
                .expect("detail")
                .contains("no words"),
            "{bad}: {problem}"
        );
    }
    let gql = app
        .gql(
            "{ articles(first: 10, filter: {q: \"harbour\"}) { edges { node { slug } } } }",
            Value::Null,
        )
        .await;
    assert!(gql["errors"].is_null(), "{gql}");
    let found: Vec<&str> = gql["data"]["articles"]["edges"]
        .as_array()
        .expect("edges")
        .iter()
        .map(|e| e["node"]["slug"].as_str().expect("slug"))
        .collect();
    assert_eq!(found, ["harbour-festival", "harbour-storm-floods-quay"]);
}

async fn single_article_and_unknown_slug(app: TestApp) {
    app.seed(vec![published("Museum reopens", 3)]);
    let (status, body) = app.get_json("/api/v1/articles/museum-reopens").await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["title"], "Museum reopens");
    let problem = assert_problem(app.get("/api/v1/articles/no-such-story").await, 404).await;
    assert!(problem["detail"]
        .as_str()
        .expect("detail")
        .contains("no-such-story"));
    assert_problem(app.get("/api/v1/nothing-here").await, 404).await;
}

async fn drafts_and_scheduled_never_public(app: TestApp) {
    app.seed(vec![
        ArticleInput {
            tags: vec!["Secret".into()],
            section: Some("Hidden".into()),
            authors: vec!["Ghost Writer".into()],
            status: Some("draft".into()),
            ..published("Draft story", 2)
        },
        ArticleInput {
            tags: vec!["Secret".into()],
            status: Some("scheduled".into()),
            published_at: Some((chrono::Utc::now() + chrono::TimeDelta::days(2)).to_rfc3339()),
            ..published("Future story", 0)
        },
        ArticleInput {
            tags: vec!["Secret".into()],
            status: Some("archived".into()),
            ..published("Archived story", 50)
        },
        published("Public story", 1),
    ]);
    let (_, list) = app.get_json("/api/v1/articles?limit=100").await;
    assert_eq!(slugs(&list), ["public-story"]);
    for slug in ["draft-story", "future-story", "archived-story"] {
        assert_problem(app.get(&format!("/api/v1/articles/{slug}")).await, 404).await;
    }
    let (_, list) = app.get_json("/api/v1/articles?tag=secret").await;
    assert!(slugs(&list).is_empty());
    // Terms whose only articles are unpublished are hidden: their names
    // alone could leak an embargoed story.
    assert_problem(app.get("/api/v1/tags/secret").await, 404).await;
    assert_problem(app.get("/api/v1/sections/hidden").await, 404).await;
    let (_, tags) = app.get_json("/api/v1/tags?limit=100").await;
    assert!(!tags.to_string().contains("secret"), "{tags}");
    let (_, sections) = app.get_json("/api/v1/sections?limit=100").await;
    assert!(!sections.to_string().contains("hidden"), "{sections}");
    let gql = app
        .gql(
            "{ articles(first: 100) { edges { node { slug } } } tag(slug: \"secret\") { articleCount articles { edges { node { slug } } } } draft: article(slug: \"draft-story\") { slug } }",
            Value::Null,
        )
        .await;
    let body = gql.to_string();
    assert!(gql["errors"].is_null(), "{body}");
    for hidden in ["draft-story", "future-story", "archived-story"] {
        assert!(
            !body.contains(hidden),
            "{hidden} leaked through GraphQL: {body}"
        );
    }
    assert_eq!(gql["data"]["tag"], Value::Null);
    assert_eq!(gql["data"]["draft"], Value::Null);
}

async fn bad_query_values_are_problems(app: TestApp) {
    app.seed(vec![published("Only one", 1)]);
    for q in [
        "limit=0",
        "limit=1000",
        "limit=abc",
        "limit=-5",
        "published_after=yesterday",
        "published_before=2024-02-30",
    ] {
        let body = assert_problem(app.get(&format!("/api/v1/articles?{q}")).await, 422).await;
        let field = q.split('=').next().expect("field");
        assert_eq!(body["errors"][0]["field"], field, "{q}");
    }
    for q in ["cursor=garbage", "cursor=%00%01", "cursor=czpzb21ldGhpbmc"] {
        assert_problem(app.get(&format!("/api/v1/articles?{q}")).await, 400).await;
    }
    assert_problem(app.get("/api/v1/tags?limit=0").await, 422).await;
    assert_problem(app.get("/api/v1/tags?cursor=@@@").await, 400).await;
    // Found by fuzzing: a slug cursor holding a NUL ("s:a\0b") was a 500 on
    // PostgreSQL, which refuses to bind one.
    assert_problem(app.get("/api/v1/tags?cursor=czphAGI").await, 400).await;
    // Nothing changed: the one article is still there.
    let (_, list) = app.get_json("/api/v1/articles").await;
    assert_eq!(slugs(&list), ["only-one"]);
}

async fn reads_are_cacheable_and_revalidate(app: TestApp) {
    app.seed(vec![ArticleInput {
        tags: vec!["Storm".into()],
        section: Some("Home News".into()),
        ..published("Cached story", 2)
    }]);
    reads_are_cacheable_and_revalidate_1(&app).await;
    reads_are_cacheable_and_revalidate_2(&app).await;
}

async fn reads_are_cacheable_and_revalidate_1(app: &TestApp) {
    for path in [
        "/api/v1/articles/cached-story",
        "/api/v1/articles?tag=storm",
        "/api/v1/tags/storm",
    ] {
        let res = app.get(path).await;
        assert_eq!(res.status(), 200, "{path}");
        let h = res.headers().clone();
        let etag = h
            .get("etag")
            .and_then(|v| v.to_str().ok())
            .expect("etag")
            .to_owned();
        let cc = h
            .get("cache-control")
            .and_then(|v| v.to_str().ok())
            .expect("cache-control");
        assert!(cc.contains("stale-while-revalidate"), "{cc}");
        let keys = h
            .get("surrogate-key")
            .and_then(|v| v.to_str().ok())
            .expect("surrogate-key")
            .to_owned();
        assert!(keys.contains("tag:storm"), "{path}: {keys}");
        let again = app
            .client
            .get(format!("{}{path}", app.base))
            .header("If-None-Match", &etag)
            .send()
            .await
            .expect("sent");
        assert_eq!(again.status(), 304, "{path}");
        assert!(again.bytes().await.expect("body").is_empty());
        let stale = app
            .client
            .get(format!("{}{path}", app.base))
            .header("If-None-Match", "\"other\"")
            .send()
            .await
            .expect("sent");
        assert_eq!(stale.status(), 200);
    }
}

async fn reads_are_cacheable_and_revalidate_2(app: &TestApp) {
    let res = app.get("/api/v1/articles/cached-story").await;
    let keys = res
        .headers()
        .get("surrogate-key")
        .and_then(|v| v.to_str().ok())
        .expect("keys")
        .to_owned();
    assert!(
        keys.starts_with("article:") && keys.contains("section:home-news"),
        "{keys}"
    );
    let lm = res
        .headers()
        .get("last-modified")
        .and_then(|v| v.to_str().ok())
        .expect("last-modified")
        .to_owned();
    let since = app
        .client
        .get(format!("{}/api/v1/articles/cached-story", app.base))
        .header("If-Modified-Since", &lm)
        .send()
        .await
        .expect("sent");
    assert_eq!(since.status(), 304);
    let old = app
        .client
        .get(format!("{}/api/v1/articles/cached-story", app.base))
        .header("If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT")
        .send()
        .await
        .expect("sent");
    assert_eq!(old.status(), 200);
    let (_, list) = app.get_json("/api/v1/articles").await;
    assert!(
        list["data"].is_array(),
        "a plain request still gets the body"
    );
}

async fn scheduled_article_goes_public_by_itself(app: TestApp) {
    let editor = app.staff("ed@example.org", "editor");
    app.send(
        "POST",
        "/api/v1/articles",
        Some(&editor),
        Some(json!({"title": "Embargoed results"})),
    )
    .await;
    let at = app.state.now() + chrono::TimeDelta::hours(1);
    let res = app
        .send(
            "POST",
            "/api/v1/articles/embargoed-results/publish",
            Some(&editor),
            Some(json!({"published_at": at.to_rfc3339()})),
        )
        .await;
    assert_eq!(
        res.json::<Value>().await.expect("json")["data"]["status"],
        "scheduled"
    );
    assert_problem(app.get("/api/v1/articles/embargoed-results").await, 404).await;
    let (_, list) = app.get_json("/api/v1/articles").await;
    assert!(list["data"].as_array().is_some_and(Vec::is_empty));
    // The server's clock, not the test, waits out the embargo.
    app.state.clock.advance(chrono::TimeDelta::minutes(61));
    let (status, body) = app.get_json("/api/v1/articles/embargoed-results").await;
    assert_eq!(status, 200);
    assert_eq!(body["data"]["status"], "published");
    let (_, list) = app.get_json("/api/v1/articles").await;
    assert_eq!(list["data"][0]["slug"], "embargoed-results");
}
