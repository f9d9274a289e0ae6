//! Editorial writes over REST: the article life cycle, validation, lost
//! updates, roles and schedules.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, TestApp};

e2e!(
    article_life_cycle,
    bad_writes_are_refused_and_change_nothing,
    stale_if_match_is_412_and_one_concurrent_writer_wins,
    roles_are_enforced,
);

pub(crate) async fn json_of(res: reqwest::Response) -> Value {
    res.json().await.expect("JSON body")
}

async fn article_life_cycle(app: TestApp) {
    let editor = app.staff("ed@example.org", "editor");
    let etag = create_a_draft(&app, &editor).await;
    edit_keeping_revisions(&app, &editor, &etag).await;
    publish_archive_delete(&app, &editor).await;
}

/// Creates a draft and returns the `ETag` of the editor's read of it.
async fn create_a_draft(app: &TestApp, editor: &str) -> String {
    let res = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(editor),
            Some(json!({"title": "Bridge vote delayed", "body": "The *council* delayed the vote.", "tags": ["Council", "Bridge"], "section": "Home News"})),
        )
        .await;
    assert_eq!(res.status(), 201);
    let location = res
        .headers()
        .get("location")
        .and_then(|v| v.to_str().ok())
        .expect("location")
        .to_owned();
    assert_eq!(
        location,
        "https://news.example/api/v1/articles/bridge-vote-delayed"
    );
    assert_eq!(
        res.headers()
            .get("cache-control")
            .and_then(|v| v.to_str().ok()),
        Some("private, no-store")
    );
    let created = json_of(res).await;
    assert_eq!(created["data"]["status"], "draft");
    assert_eq!(
        created["data"]["body_html"],
        "<p>The <em>council</em> delayed the vote.</p>\n"
    );

    assert_problem(app.get("/api/v1/articles/bridge-vote-delayed").await, 404).await;
    let read = app
        .send(
            "GET",
            "/api/v1/articles/bridge-vote-delayed",
            Some(editor),
            None,
        )
        .await;
    assert_eq!(read.status(), 200);
    let etag = read
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();
    etag
}

async fn edit_keeping_revisions(app: &TestApp, editor: &str, etag: &str) {
    let patched = app
        .client
        .patch(format!("{}/api/v1/articles/bridge-vote-delayed", app.base))
        .bearer_auth(editor)
        .header("If-Match", etag)
        .json(&json!({"title": "Bridge vote delayed again", "subtitle": "A second delay", "tags": ["Council"]}))
        .send()
        .await
        .expect("sent");
    assert_eq!(patched.status(), 200);
    let patched = json_of(patched).await;
    assert_eq!(patched["data"]["title"], "Bridge vote delayed again");
    assert_eq!(
        patched["data"]["slug"], "bridge-vote-delayed",
        "the slug stays unless changed"
    );
    assert_eq!(patched["data"]["tags"].as_array().map(Vec::len), Some(1));
    assert_eq!(
        patched["data"]["section"]["slug"], "home-news",
        "absent fields stay"
    );

    // null clears a field.
    let cleared = app
        .send(
            "PATCH",
            "/api/v1/articles/bridge-vote-delayed",
            Some(editor),
            Some(json!({"subtitle": null})),
        )
        .await;
    assert_eq!(json_of(cleared).await["data"]["subtitle"], Value::Null);

    let revisions = json_of(
        app.send(
            "GET",
            "/api/v1/articles/bridge-vote-delayed/revisions",
            Some(editor),
            None,
        )
        .await,
    )
    .await;
    let versions: Vec<_> = revisions["data"]
        .as_array()
        .expect("list")
        .iter()
        .map(|r| r["version"].clone())
        .collect();
    assert_eq!(versions, [json!(2), json!(1)]);
    assert_eq!(
        revisions["data"][1]["article"]["title"],
        "Bridge vote delayed"
    );
    assert_eq!(
        revisions["data"][0]["article"]["subtitle"],
        "A second delay"
    );
    assert_problem(
        app.get("/api/v1/articles/bridge-vote-delayed/revisions")
            .await,
        401,
    )
    .await;
}

async fn publish_archive_delete(app: &TestApp, editor: &str) {
    let published = app
        .send(
            "POST",
            "/api/v1/articles/bridge-vote-delayed/publish",
            Some(editor),
            None,
        )
        .await;
    assert_eq!(published.status(), 200);
    assert_eq!(json_of(published).await["data"]["status"], "published");
    let (status, public) = app.get_json("/api/v1/articles/bridge-vote-delayed").await;
    assert_eq!(status, 200);
    assert_eq!(public["data"]["title"], "Bridge vote delayed again");

    // Unpublish and archive are status changes.
    let unpublished = app
        .send(
            "PATCH",
            "/api/v1/articles/bridge-vote-delayed",
            Some(editor),
            Some(json!({"status": "archived"})),
        )
        .await;
    assert_eq!(json_of(unpublished).await["data"]["status"], "archived");
    assert_problem(app.get("/api/v1/articles/bridge-vote-delayed").await, 404).await;

    let deleted = app
        .send(
            "DELETE",
            "/api/v1/articles/bridge-vote-delayed",
            Some(editor),
            None,
        )
        .await;
    assert_eq!(deleted.status(), 204);
    assert_problem(
        app.send(
            "GET",
            "/api/v1/articles/bridge-vote-delayed",
            Some(editor),
            None,
        )
        .await,
        404,
    )
    .await;
}

async fn count(app: &TestApp, token: &str) -> usize {
    let list = json_of(
        app.send("GET", "/api/v1/articles?limit=100", Some(token), None)
            .await,
    )
    .await;
    list["data"].as_array().map_or(0, Vec::len)
}

async fn bad_writes_are_refused_and_change_nothing(app: TestApp) {
    let editor = app.staff("ed@example.org", "editor");
    bad_writes_are_refused_and_change_nothing_1(&app, &editor).await;
    bad_writes_are_refused_and_change_nothing_2(&app, &editor).await;
    bad_writes_are_refused_and_change_nothing_3(&app, &editor).await;
}

async fn bad_writes_are_refused_and_change_nothing_1(app: &TestApp, editor: &str) {
    let first = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(editor),
            Some(json!({"title": "Same title", "slug": "taken"})),
        )
        .await;
    assert_eq!(first.status(), 201);

    let invalid = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(editor),
            Some(json!({"status": "live", "body_format": "docx", "published_at": "soon", "language": "english!"})),
        )
        .await;
    let problem = assert_problem(invalid, 422).await;
    let fields: Vec<_> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .map(|e| e["field"].as_str().expect("field").to_owned())
        .collect();
    for f in ["title", "status", "body_format", "published_at", "language"] {
        assert!(fields.contains(&f.to_owned()), "{f} missing: {fields:?}");
    }
    let conflict = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(editor),
            Some(json!({"title": "Other", "slug": "taken"})),
        )
        .await;
    assert_problem(conflict, 409).await;
    // A made-up slug that is taken gets a number instead.
    let second = json_of(
        app.send(
            "POST",
            "/api/v1/articles",
            Some(editor),
            Some(json!({"title": "Same title"})),
        )
        .await,
    )
    .await;
    assert_eq!(second["data"]["slug"], "same-title");
    let third = json_of(
        app.send(
            "POST",
            "/api/v1/articles",
            Some(editor),
            Some(json!({"title": "Same title"})),
        )
        .await,
    )
    .await;
    assert_eq!(third["data"]["slug"], "same-title-2");
}

async fn bad_writes_are_refused_and_change_nothing_2(app: &TestApp, editor: &str) {
    let huge = "x".repeat(3 * 1024 * 1024);
    let too_big = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(editor),
            Some(json!({"title": "Big", "body": huge})),
        )
        .await;
    assert_problem(too_big, 413).await;
    let wrong_type = app
        .client
        .post(format!("{}/api/v1/articles", app.base))
        .bearer_auth(editor)
        .header("content-type", "text/plain")
        .body("title=x")
        .send()
        .await
        .expect("sent");
    assert_problem(wrong_type, 415).await;
    let malformed = app
        .client
        .post(format!("{}/api/v1/articles", app.base))
        .bearer_auth(editor)
        .header("content-type", "application/json")
        .body("{\"title\": ")
        .send()
        .await
        .expect("sent");
    assert_problem(malformed, 400).await;
}

async fn bad_writes_are_refused_and_change_nothing_3(app: &TestApp, editor: &str) {
    let unknown = app
        .send(
            "PATCH",
            "/api/v1/articles/taken",
            Some(editor),
            Some(json!({"colour": "red"})),
        )
        .await;
    assert_eq!(
        assert_problem(unknown, 422).await["errors"][0]["field"],
        "colour"
    );
    let slug_clash = app
        .send(
            "PATCH",
            "/api/v1/articles/taken",
            Some(editor),
            Some(json!({"slug": "same-title"})),
        )
        .await;
    assert_problem(slug_clash, 409).await;
    let not_object = app
        .send(
            "PATCH",
            "/api/v1/articles/taken",
            Some(editor),
            Some(json!([1, 2])),
        )
        .await;
    assert_problem(not_object, 400).await;
    let bad_date = app
        .send(
            "POST",
            "/api/v1/articles/taken/publish",
            Some(editor),
            Some(json!({"published_at": "tomorrow"})),
        )
        .await;
    assert_problem(bad_date, 422).await;
    assert_problem(
        app.send(
            "PATCH",
            "/api/v1/articles/missing",
            Some(editor),
            Some(json!({"title": "x"})),
        )
        .await,
        404,
    )
    .await;

    assert_eq!(
        count(app, editor).await,
        3,
        "only the three good creates landed"
    );
    let (_, taken) = app.get_json("/api/v1/articles?limit=100").await;
    assert!(
        taken["data"].as_array().is_some_and(Vec::is_empty),
        "drafts stay private throughout"
    );
    let revisions = json_of(
        app.send(
            "GET",
            "/api/v1/articles/taken/revisions",
            Some(editor),
            None,
        )
        .await,
    )
    .await;
    assert!(
        revisions["data"].as_array().is_some_and(Vec::is_empty),
        "refused patches kept no revision"
    );
}

async fn stale_if_match_is_412_and_one_concurrent_writer_wins(app: TestApp) {
    let editor = app.staff("ed@example.org", "editor");
    app.send(
        "POST",
        "/api/v1/articles",
        Some(&editor),
        Some(json!({"title": "Contested"})),
    )
    .await;
    let read = app
        .send("GET", "/api/v1/articles/contested", Some(&editor), None)
        .await;
    let etag = read
        .headers()
        .get("etag")
        .and_then(|v| v.to_str().ok())
        .expect("etag")
        .to_owned();

    let patch = |title: &'static str| {
        app.client
            .patch(format!("{}/api/v1/articles/contested", app.base))
            .bearer_auth(&editor)
            .header("If-Match", etag.clone())
            .json(&json!({"title": title}))
            .send()
    };
    let (a, b) = futures_util::future::join(patch("Writer A"), patch("Writer B")).await;
    let mut statuses = [
        a.expect("sent").status().as_u16(),
        b.expect("sent").status().as_u16(),
    ];
    statuses.sort_unstable();
    assert_eq!(statuses, [200, 412], "exactly one stale writer wins");

    let stale = patch("Writer C").await.expect("sent");
    assert_problem(stale, 412).await;
    let now = json_of(
        app.send("GET", "/api/v1/articles/contested", Some(&editor), None)
            .await,
    )
    .await;
    let title = now["data"]["title"].as_str().expect("title");
    assert!(title == "Writer A" || title == "Writer B", "{title}");
    let revisions = json_of(
        app.send(
            "GET",
            "/api/v1/articles/contested/revisions",
            Some(&editor),
            None,
        )
        .await,
    )
    .await;
    assert_eq!(revisions["data"].as_array().map(Vec::len), Some(1));
}

async fn roles_are_enforced(app: TestApp) {
    let author = app.staff("au@example.org", "author");
    let other_author = app.staff("other@example.org", "author");
    let editor = app.staff("ed@example.org", "editor");
    let admin = app.staff("admin@example.org", "admin");

    roles_are_enforced_1(&app, &author).await;
    roles_are_enforced_2(&app, &author, &other_author, &editor).await;
    roles_are_enforced_3(&app, &editor, &admin).await;
}

async fn roles_are_enforced_1(app: &TestApp, author: &str) {
    assert_problem(
        app.send(
            "POST",
            "/api/v1/articles",
            None,
            Some(json!({"title": "Anon"})),
        )
        .await,
        401,
    )
    .await;
    let draft = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(author),
            Some(json!({"title": "My draft"})),
        )
        .await;
    assert_eq!(draft.status(), 201);
    let publish_on_create = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(author),
            Some(json!({"title": "Sneaky", "status": "published"})),
        )
        .await;
    assert_problem(publish_on_create, 403).await;

    let own = app
        .send(
            "PATCH",
            "/api/v1/articles/my-draft",
            Some(author),
            Some(json!({"title": "My better draft"})),
        )
        .await;
    assert_eq!(own.status(), 200);
    for (method, path, body) in [
        (
            "PATCH",
            "/api/v1/articles/my-draft",
            Some(json!({"status": "published"})),
        ),
        ("POST", "/api/v1/articles/my-draft/publish", None),
        ("DELETE", "/api/v1/articles/my-draft", None),
        ("POST", "/api/v1/tags", Some(json!({"name": "Mine"}))),
        ("GET", "/api/v1/users", None),
        ("GET", "/api/v1/api-keys", None),
    ] {
        assert_problem(app.send(method, path, Some(author), body).await, 403).await;
    }
}

async fn roles_are_enforced_2(app: &TestApp, author: &str, other_author: &str, editor: &str) {
    let someone_elses = app
        .send(
            "PATCH",
            "/api/v1/articles/my-draft",
            Some(other_author),
            Some(json!({"title": "Hijack"})),
        )
        .await;
    assert_problem(someone_elses, 403).await;

    let published = app
        .send(
            "POST",
            "/api/v1/articles/my-draft/publish",
            Some(editor),
            None,
        )
        .await;
    assert_eq!(published.status(), 200);
    let after_publish = app
        .send(
            "PATCH",
            "/api/v1/articles/my-draft",
            Some(author),
            Some(json!({"title": "Late edit"})),
        )
        .await;
    assert_problem(after_publish, 403).await;
}

async fn roles_are_enforced_3(app: &TestApp, editor: &str, admin: &str) {
    for (method, path) in [("GET", "/api/v1/users"), ("POST", "/api/v1/api-keys")] {
        let body = (method == "POST").then(|| json!({"name": "Partner"}));
        assert_problem(app.send(method, path, Some(editor), body).await, 403).await;
    }
    let users = json_of(app.send("GET", "/api/v1/users", Some(admin), None).await).await;
    assert_eq!(users["data"].as_array().map(Vec::len), Some(4));
    assert!(
        !users.to_string().contains("argon2"),
        "no password hash leaves the server"
    );
    let created = app
        .send("POST", "/api/v1/users", Some(admin), Some(json!({"email": "new@example.org", "password": "long enough password", "role": "editor"})))
        .await;
    assert_eq!(created.status(), 201);
    let dup = app
        .send("POST", "/api/v1/users", Some(admin), Some(json!({"email": "NEW@example.org", "password": "long enough password", "role": "editor"})))
        .await;
    assert_problem(dup, 409).await;
    let weak = app
        .send(
            "POST",
            "/api/v1/users",
            Some(admin),
            Some(json!({"email": "x@example.org", "password": "short", "role": "king"})),
        )
        .await;
    assert_eq!(
        assert_problem(weak, 422).await["errors"]
            .as_array()
            .map(Vec::len),
        Some(2)
    );
    // The editor may still delete the author's published article.
    assert_eq!(
        app.send("DELETE", "/api/v1/articles/my-draft", Some(editor), None)
            .await
            .status(),
        204
    );
}
