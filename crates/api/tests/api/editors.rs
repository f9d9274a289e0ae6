//! Many editors at once: 32 writers doing read-modify-write with
//! `If-Match` on the same and on different articles, on both backends.
//! A stale write must be refused (412), never applied over a newer one.

use serde_json::{json, Value};

use crate::helpers::TestApp;

e2e!(thirty_two_editors_lose_no_update);

const WRITERS: usize = 32;
const ARTICLES: usize = 4;

/// Reads the article; its title and ETag.
async fn read(app: &TestApp, token: &str, slug: &str) -> (String, String) {
    let res = app
        .send(
            "GET",
            &format!("/api/v1/articles/{slug}"),
            Some(token),
            None,
        )
        .await;
    assert_eq!(res.status(), 200, "read {slug}");
    let etag = res
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("an ETag")
        .to_owned();
    let body: Value = res.json().await.expect("json");
    (
        body["data"]["title"].as_str().expect("title").to_owned(),
        etag,
    )
}

/// Adds ` w{writer}` to the article's title, re-reading after every 412,
/// the way a client must; the statuses it met on the way.
async fn append(app: &TestApp, token: &str, slug: &str, writer: usize) -> Vec<u16> {
    let mut seen = Vec::new();
    loop {
        let (title, etag) = read(app, token, slug).await;
        let status = app
            .client
            .patch(format!("{}/api/v1/articles/{slug}", app.base))
            .bearer_auth(token)
            .header("If-Match", etag)
            .json(&json!({"title": format!("{title} w{writer}")}))
            .send()
            .await
            .expect("sent")
            .status()
            .as_u16();
        seen.push(status);
        if status != 412 || seen.len() > 4 * WRITERS {
            return seen;
        }
    }
}

async fn thirty_two_editors_lose_no_update(app: TestApp) {
    let tokens: Vec<String> = (0..4)
        .map(|i| app.staff(&format!("ed{i}@example.org"), "editor"))
        .collect();
    for a in 0..ARTICLES {
        let res = app
            .send(
                "POST",
                "/api/v1/articles",
                Some(&tokens[0]),
                Some(json!({"title": format!("Desk {a}"), "slug": format!("desk-{a}")})),
            )
            .await;
        assert_eq!(res.status(), 201);
    }
    // Half the writers share article 0; the rest spread over the others.
    let target = |w: usize| {
        if w.is_multiple_of(2) {
            0
        } else {
            1 + w % (ARTICLES - 1)
        }
    };
    let runs = (0..WRITERS).map(|w| {
        let (app, token) = (&app, &tokens[w % tokens.len()]);
        async move {
            (
                w,
                append(app, token, &format!("desk-{}", target(w)), w).await,
            )
        }
    });
    let results = futures_util::future::join_all(runs).await;
    let mut refused = 0;
    for (w, statuses) in &results {
        let (last, before) = statuses.split_last().expect("one attempt at least");
        assert_eq!(*last, 200, "writer {w} got through: {statuses:?}");
        assert!(before.iter().all(|s| *s == 412), "only 412s: {statuses:?}");
        refused += before.len();
    }
    for a in 0..ARTICLES {
        let (title, _) = read(&app, &tokens[0], &format!("desk-{a}")).await;
        let mut marks: Vec<usize> = title
            .split(' ')
            .filter_map(|m| m.strip_prefix('w')?.parse().ok())
            .collect();
        marks.sort_unstable();
        let expected: Vec<usize> = (0..WRITERS).filter(|w| target(*w) == a).collect();
        assert_eq!(marks, expected, "every writer's edit of desk-{a} is kept");
    }
    assert!(refused > 0, "the writers did collide");
}
