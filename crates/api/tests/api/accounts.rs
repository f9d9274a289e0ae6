//! Staff accounts over REST: a token speaks for its account as the account
//! is now, not as it was when the token was issued.

use serde_json::{json, Value};

use crate::helpers::{assert_problem, TestApp};
use crate::security::{ask_token, user_id};

e2e!(tokens_follow_their_account);

async fn create(app: &TestApp, token: &str, title: &str) -> reqwest::Response {
    app.send(
        "POST",
        "/api/v1/articles",
        Some(token),
        Some(json!({"title": title, "authors": ["Kim Lee"]})),
    )
    .await
}

/// Finding 7: demoted, deleted and re-passworded accounts kept their power.
async fn tokens_follow_their_account(app: TestApp) {
    let admin = app.staff("admin@example.org", "admin");
    let editor = app.staff("ed@example.org", "editor");
    let author = app.staff("au@example.org", "author");
    let ed_id = user_id(&app, "ed@example.org");
    let au_id = user_id(&app, "au@example.org");
    assert_eq!(
        create(&app, &editor, "Before demotion")
            .await
            .status()
            .as_u16(),
        201
    );

    tokens_follow_their_account_1(&app, &editor, &author, au_id).await;
    tokens_follow_their_account_2(&app, &admin, &editor, &author, ed_id, au_id).await;
    tokens_follow_their_account_3(&app, &admin, &editor, ed_id).await;
    tokens_follow_their_account_4(&app, &admin).await;
}

async fn tokens_follow_their_account_1(app: &TestApp, editor: &str, author: &str, au_id: i64) {
    // Only admins manage accounts.
    let res = app
        .send(
            "PATCH",
            &format!("/api/v1/users/{au_id}"),
            Some(editor),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_problem(res, 403).await;
    let res = app
        .send(
            "PATCH",
            "/api/v1/users/me",
            Some(author),
            Some(json!({"role": "admin"})),
        )
        .await;
    assert_problem(res, 403).await;
}

async fn tokens_follow_their_account_2(
    app: &TestApp,
    admin: &str,
    editor: &str,
    author: &str,
    ed_id: i64,
    au_id: i64,
) {
    // Demoted: the old token publishes no more.
    let res = app
        .send(
            "PATCH",
            &format!("/api/v1/users/{ed_id}"),
            Some(admin),
            Some(json!({"role": "author"})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let res = app
        .send(
            "POST",
            "/api/v1/articles/before-demotion/publish",
            Some(editor),
            None,
        )
        .await;
    assert_problem(res, 403).await;

    // Disabled: the token is refused, and logging in too.
    let res = app
        .send(
            "PATCH",
            &format!("/api/v1/users/{au_id}"),
            Some(admin),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_problem(
        app.send("GET", "/api/v1/articles", Some(author), None)
            .await,
        401,
    )
    .await;
    let login = ask_token(app, "au@example.org", "correct horse battery").await;
    assert_problem(login, 401).await;
}

async fn tokens_follow_their_account_3(app: &TestApp, admin: &str, editor: &str, ed_id: i64) {
    // A password change revokes older tokens; a new login works.
    let res = app
        .send(
            "PATCH",
            "/api/v1/users/me",
            Some(editor),
            Some(json!({"password": "a brand new password"})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    assert_problem(
        app.send("GET", "/api/v1/articles", Some(editor), None)
            .await,
        401,
    )
    .await;
    let login = ask_token(app, "ed@example.org", "a brand new password").await;
    assert_eq!(login.status().as_u16(), 200);
    let fresh = login.json::<Value>().await.expect("json")["access_token"]
        .as_str()
        .expect("token")
        .to_owned();

    // Deleted: 401, never a 500; the articles keep their bylines.
    let res = app
        .send(
            "DELETE",
            &format!("/api/v1/users/{ed_id}"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 204);
    assert_problem(create(app, &fresh, "After deletion").await, 401).await;
    let article = app
        .send("GET", "/api/v1/articles/before-demotion", Some(admin), None)
        .await;
    let article: Value = article.json().await.expect("json");
    assert_eq!(article["data"]["authors"][0]["name"], "Kim Lee");
}

async fn tokens_follow_their_account_4(app: &TestApp, admin: &str) {
    // The last enabled admin stays.
    let admin_id = user_id(app, "admin@example.org");
    let res = app
        .send(
            "PATCH",
            &format!("/api/v1/users/{admin_id}"),
            Some(admin),
            Some(json!({"disabled": true})),
        )
        .await;
    assert_problem(res, 409).await;
    assert_problem(
        app.send(
            "DELETE",
            &format!("/api/v1/users/{admin_id}"),
            Some(admin),
            None,
        )
        .await,
        409,
    )
    .await;
    assert_problem(
        app.send("DELETE", "/api/v1/users/99999", Some(admin), None)
            .await,
        404,
    )
    .await;
}
