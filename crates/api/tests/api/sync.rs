//! Corrections and delta sync: a partner's mirror, built only from sync
//! pages while the newsroom works, ends equal to the public API.

use std::collections::BTreeMap;

use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, published, TestApp};

e2e!(
    corrections_are_public_dated_and_editors_only,
    a_mirror_built_from_sync_equals_the_public_api,
    sync_tokens_that_are_not_ours_are_400,
);

async fn corrections_are_public_dated_and_editors_only(app: TestApp) {
    app.seed(vec![published("Harbour reopens", 2)]);
    let editor = app.staff("ed@example.org", "editor");
    let author = app.staff("au@example.org", "author");
    let path = "/api/v1/articles/harbour-reopens/corrections";
    let (_, before) = app.get_json("/api/v1/articles/harbour-reopens").await;
    let body = json!({"text": "An earlier version gave the wrong date."});
    assert_problem(app.send("POST", path, None, Some(body.clone())).await, 401).await;
    assert_problem(
        app.send("POST", path, Some(&author), Some(body.clone()))
            .await,
        403,
    )
    .await;
    assert_problem(
        app.send("POST", path, Some(&editor), Some(json!({"text": "  "})))
            .await,
        422,
    )
    .await;
    assert_problem(
        app.send(
            "POST",
            "/api/v1/articles/nope/corrections",
            Some(&editor),
            Some(body.clone()),
        )
        .await,
        404,
    )
    .await;
    let res = app.send("POST", path, Some(&editor), Some(body)).await;
    assert_eq!(res.status(), 201);
    let (_, after) = app.get_json("/api/v1/articles/harbour-reopens").await;
    let corrections = after["data"]["corrections"].as_array().expect("a list");
    assert_eq!(corrections.len(), 1, "{after}");
    assert_eq!(
        corrections[0]["text"],
        "An earlier version gave the wrong date."
    );
    assert!(after["data"]["updated_at"].as_str() > before["data"]["updated_at"].as_str());
    assert_eq!(corrections[0]["published_at"], after["data"]["updated_at"]);
    let gql = app
        .gql(
            "{ article(slug: \"harbour-reopens\") { corrections { text } } }",
            Value::Null,
        )
        .await;
    assert_eq!(
        gql["data"]["article"]["corrections"][0]["text"],
        "An earlier version gave the wrong date."
    );
}

/// Applies sync pages until there is no more, from `token` on.
async fn sync_into(
    app: &TestApp,
    mirror: &mut BTreeMap<String, Value>,
    token: &mut Option<String>,
) {
    loop {
        let path = match token {
            Some(t) => format!("/api/v1/sync?limit=7&token={t}"),
            None => "/api/v1/sync?limit=7".to_owned(),
        };
        let (status, page) = app.get_json(&path).await;
        assert_eq!(status, 200, "{page}");
        for item in page["data"].as_array().expect("items") {
            let id = item["article"]["id"].as_str().expect("id").to_owned();
            match item["type"].as_str() {
                Some("article") => mirror.insert(id, item["article"].clone()),
                Some("tombstone") => mirror.remove(&id),
                other => panic!("unknown item type {other:?}"),
            };
        }
        *token = page["meta"]["next_token"].as_str().map(str::to_owned);
        if page["meta"]["has_more"] != json!(true) {
            return;
        }
    }
}

/// Every public article, through the public list, keyed by id.
async fn public_view(app: &TestApp) -> BTreeMap<String, Value> {
    let mut out = BTreeMap::new();
    let mut cursor = String::new();
    loop {
        let (_, page) = app
            .get_json(&format!("/api/v1/articles?limit=100&cursor={cursor}"))
            .await;
        for a in page["data"].as_array().expect("list") {
            out.insert(a["id"].as_str().expect("id").to_owned(), a.clone());
        }
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => cursor = c.to_owned(),
            None => return out,
        }
    }
}

/// One random newsroom action on the articles `slugs` names.
async fn act(app: &TestApp, editor: &str, rng: &mut StdRng, slugs: &mut Vec<String>, step: usize) {
    let pick =
        |rng: &mut StdRng, slugs: &Vec<String>| slugs[rng.random_range(0..slugs.len())].clone();
    let roll = if slugs.is_empty() {
        0
    } else {
        rng.random_range(0..7)
    };
    let (method, path, body) = match roll {
        0 | 1 => {
            let status = if rng.random_bool(0.7) {
                "published"
            } else {
                "draft"
            };
            let title = format!("Story number {step}");
            let body = json!({"title": title, "body": "First paragraph.", "status": status, "tags": ["Harbour"]});
            ("POST", "/api/v1/articles".to_owned(), Some(body))
        }
        2 => {
            let s = pick(rng, slugs);
            let body = json!({"body": format!("Edited at step {step}.")});
            ("PATCH", format!("/api/v1/articles/{s}"), Some(body))
        }
        3 => {
            let s = pick(rng, slugs);
            let body = json!({"text": format!("Corrected at step {step}.")});
            (
                "POST",
                format!("/api/v1/articles/{s}/corrections"),
                Some(body),
            )
        }
        4 => {
            let s = pick(rng, slugs);
            (
                "PATCH",
                format!("/api/v1/articles/{s}"),
                Some(json!({"status": "draft"})),
            )
        }
        5 => {
            let s = pick(rng, slugs);
            ("POST", format!("/api/v1/articles/{s}/publish"), None)
        }
        _ => {
            let s = pick(rng, slugs);
            slugs.retain(|x| *x != s);
            ("DELETE", format!("/api/v1/articles/{s}"), None)
        }
    };
    let res = app.send(method, &path, Some(editor), body).await;
    let status = res.status().as_u16();
    assert!(
        matches!(status, 200 | 201 | 204),
        "{method} {path}: {status}"
    );
    if method == "POST" && path == "/api/v1/articles" {
        let created: Value = res.json().await.expect("json");
        slugs.push(created["data"]["slug"].as_str().expect("slug").to_owned());
    }
}

async fn a_mirror_built_from_sync_equals_the_public_api(app: TestApp) {
    app.seed(
        (0..12)
            .map(|i| published(&format!("Seed {i}"), i + 1))
            .collect(),
    );
    let editor = app.staff("ed@example.org", "editor");
    let mut slugs: Vec<String> = (0..12).map(|i| format!("seed-{i}")).collect();
    let mut mirror = BTreeMap::new();
    let mut token = None;
    sync_into(&app, &mut mirror, &mut token).await;
    assert_eq!(mirror.len(), 12);
    let mut rng = StdRng::seed_from_u64(20261201);
    for step in 0..200 {
        act(&app, &editor, &mut rng, &mut slugs, step).await;
        if rng.random_range(0..10) == 0 {
            sync_into(&app, &mut mirror, &mut token).await;
        }
    }
    // Renaming a tag changes every article that shows it.
    let res = app
        .send(
            "PATCH",
            "/api/v1/tags/harbour",
            Some(&editor),
            Some(json!({"name": "Harbour Works"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    // A schedule that comes due writes nothing; sync still tells of it.
    let res = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(&editor),
            Some(json!({"title": "Embargoed", "status": "scheduled",
                "published_at": (app.state.now() + chrono::TimeDelta::hours(1)).to_rfc3339()})),
        )
        .await;
    assert_eq!(res.status(), 201);
    sync_into(&app, &mut mirror, &mut token).await;
    assert!(!mirror.values().any(|a| a["slug"] == "embargoed"));
    app.state.clock.advance(chrono::TimeDelta::hours(2));
    sync_into(&app, &mut mirror, &mut token).await;
    let public = public_view(&app).await;
    assert!(public.values().any(|a| a["slug"] == "embargoed"));
    assert!(public
        .values()
        .any(|a| a["tags"][0]["name"] == "Harbour Works"));
    assert_eq!(mirror.len(), public.len());
    assert_eq!(mirror, public, "the mirror differs from the public API");
}

async fn sync_tokens_that_are_not_ours_are_400(app: TestApp) {
    app.seed(vec![published("One", 1)]);
    let (_, first) = app.get_json("/api/v1/sync").await;
    assert_eq!(first["data"].as_array().map(Vec::len), Some(1));
    assert_eq!(first["meta"]["has_more"], false);
    use base64::Engine;
    let b64 = |s: &str| base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s);
    for bad in [
        "garbage".to_owned(),
        b64("d:999999:0"),
        b64("d:0:99999999999999999"),
        b64("x:1"),
    ] {
        let res = app.get(&format!("/api/v1/sync?token={bad}")).await;
        let problem = assert_problem(res, 400).await;
        assert!(problem["detail"]
            .as_str()
            .is_some_and(|d| d.contains("sync token")));
    }
    assert_problem(app.get("/api/v1/sync?limit=0").await, 422).await;
}
