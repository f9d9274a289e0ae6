//! Tokens, forged credentials, partner keys and rate limits, over REST and
//! GraphQL.

use std::time::Duration;

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use newsdesk_api::auth::{Claims, AUDIENCE, ISSUER};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, TestApp};
use crate::security::{code, gql_as};

e2e!(
    login_issues_tokens_and_refuses_alike,
    forged_tokens_are_401,
    api_keys_are_shown_once_and_revocable,
    graphql_writes_need_roles,
);

e2e_with!(
    newsdesk_api::auth::AuthSettings { anonymous_per_minute: 5, ..newsdesk_api::auth::AuthSettings::for_tests() };
    rate_limits_answer_429_with_headers,
);

async fn login_issues_tokens_and_refuses_alike(app: TestApp) {
    app.staff("ed@example.org", "editor");
    let ok = app
        .send(
            "POST",
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "ED@example.org", "password": "correct horse battery"})),
        )
        .await;
    assert_eq!(ok.status(), 200);
    let body: Value = ok.json().await.expect("json");
    assert_eq!(body["token_type"], "Bearer");
    assert_eq!(body["expires_in"], 3600);
    let token = body["access_token"].as_str().expect("token");
    let me = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(token),
            Some(json!({"title": "With a fresh token"})),
        )
        .await;
    assert_eq!(me.status(), 201);

    let wrong = app
        .send(
            "POST",
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "ed@example.org", "password": "wrong password!"})),
        )
        .await;
    let unknown = app
        .send(
            "POST",
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "nobody@example.org", "password": "wrong password!"})),
        )
        .await;
    let (wrong, unknown) = (
        assert_problem(wrong, 401).await,
        assert_problem(unknown, 401).await,
    );
    assert_eq!(
        wrong["detail"], unknown["detail"],
        "an unknown e-mail is not told apart"
    );
    let missing = app
        .send(
            "POST",
            "/api/v1/auth/token",
            None,
            Some(json!({"email": "ed@example.org"})),
        )
        .await;
    assert_eq!(
        assert_problem(missing, 422).await["errors"][0]["field"],
        "password"
    );
}

fn claims(sub: &str, role: &str, exp_offset: i64, aud: &str) -> Claims {
    let now = chrono::Utc::now().timestamp();
    Claims {
        sub: sub.into(),
        role: role.into(),
        iat: now,
        exp: now + exp_offset,
        iss: ISSUER.into(),
        aud: aud.into(),
        gen: 0,
    }
}

fn sign(claims: &Claims, key: &[u8]) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(key),
    )
    .expect("signed")
}

async fn forged_tokens_are_401(app: TestApp) {
    let real = app.staff("author@example.org", "author");
    let parts: Vec<&str> = real.split('.').collect();
    let payload: Value =
        serde_json::from_slice(&URL_SAFE_NO_PAD.decode(parts[1]).expect("base64")).expect("json");
    let sub = payload["sub"].as_str().expect("sub").to_owned();

    let none_header = URL_SAFE_NO_PAD.encode(br#"{"alg":"none","typ":"JWT"}"#);
    let admin_payload = URL_SAFE_NO_PAD
        .encode(serde_json::to_vec(&claims(&sub, "admin", 600, AUDIENCE)).expect("json"));
    let alg_none = format!("{none_header}.{admin_payload}.");
    let tampered = format!("{}.{admin_payload}.{}", parts[0], parts[2]);
    let wrong_key = sign(
        &claims(&sub, "admin", 600, AUDIENCE),
        b"some other key that is long enough!!",
    );
    let secret = &app.state.auth.settings.jwt_secret;
    let expired = sign(&claims(&sub, "admin", -120, AUDIENCE), secret);
    let wrong_audience = sign(&claims(&sub, "admin", 600, "someone-else"), secret);
    let hs512 = jsonwebtoken::encode(
        &Header::new(Algorithm::HS512),
        &claims(&sub, "admin", 600, AUDIENCE),
        &EncodingKey::from_secret(secret),
    )
    .expect("signed");

    for (name, token) in [
        ("alg none", alg_none.as_str()),
        ("tampered payload", tampered.as_str()),
        ("wrong key", wrong_key.as_str()),
        ("expired", expired.as_str()),
        ("wrong audience", wrong_audience.as_str()),
        ("other algorithm", hs512.as_str()),
        ("garbage", "not.a.token"),
    ] {
        let write = app
            .send(
                "POST",
                "/api/v1/tags",
                Some(token),
                Some(json!({"name": "Escalated"})),
            )
            .await;
        assert_eq!(write.status(), 401, "{name} was accepted for a write");
        assert!(write.headers().contains_key("www-authenticate"));
        let read = app.send("GET", "/api/v1/articles", Some(token), None).await;
        assert_eq!(read.status(), 401, "{name} was accepted for a read");
    }
    let basic = app
        .client
        .get(format!("{}/api/v1/articles", app.base))
        .header("Authorization", "Basic dXNlcjpwYXNz")
        .send()
        .await
        .expect("sent");
    assert_problem(basic, 401).await;
    // The genuine author token still works, and still cannot do admin things.
    assert_problem(
        app.send(
            "POST",
            "/api/v1/tags",
            Some(&real),
            Some(json!({"name": "X"})),
        )
        .await,
        403,
    )
    .await;
    let (_, tags) = app.get_json("/api/v1/tags").await;
    assert!(
        tags["data"].as_array().is_some_and(Vec::is_empty),
        "no forged write landed"
    );
}

async fn api_keys_are_shown_once_and_revocable(app: TestApp) {
    let admin = app.staff("admin@example.org", "admin");
    let (key, id) = create_a_partner_key(&app, &admin).await;
    the_key_has_its_own_limit(&app, &key).await;
    revoked_and_invalid_keys(&app, &admin, &key, &id).await;
}

/// Reads the articles as the partner holding `k`.
async fn with_key(app: &TestApp, k: &str) -> reqwest::Result<reqwest::Response> {
    app.client
        .get(format!("{}/api/v1/articles", app.base))
        .header("X-Api-Key", k)
        .send()
        .await
}

/// A key limited to 3 requests a minute: the key and its id.
async fn create_a_partner_key(app: &TestApp, admin: &str) -> (String, String) {
    let created = app
        .send(
            "POST",
            "/api/v1/api-keys",
            Some(admin),
            Some(json!({"name": "Partner site", "rate_limit_per_minute": 3})),
        )
        .await;
    assert_eq!(created.status(), 201);
    let created: Value = created.json().await.expect("json");
    let key = created["data"]["key"]
        .as_str()
        .expect("key shown at creation")
        .to_owned();
    let id = created["data"]["id"].as_str().expect("id").to_owned();
    assert!(key.starts_with("ndk_"));
    let list = app
        .send("GET", "/api/v1/api-keys", Some(admin), None)
        .await
        .text()
        .await
        .expect("text");
    assert!(
        list.contains("Partner site") && !list.contains(&key),
        "keys are never listed"
    );
    (key, id)
}

async fn the_key_has_its_own_limit(app: &TestApp, key: &str) {
    let first = with_key(app, key).await.expect("sent");
    assert_eq!(first.status(), 200);
    assert_eq!(
        first
            .headers()
            .get("ratelimit-limit")
            .and_then(|v| v.to_str().ok()),
        Some("3")
    );
    assert_eq!(
        first
            .headers()
            .get("ratelimit-remaining")
            .and_then(|v| v.to_str().ok()),
        Some("2")
    );
    with_key(app, key).await.expect("sent");
    with_key(app, key).await.expect("sent");
    let limited = with_key(app, key).await.expect("sent");
    assert_eq!(limited.status(), 429, "the key's own limit applies");
    assert!(limited.headers().contains_key("retry-after"));
}

async fn revoked_and_invalid_keys(app: &TestApp, admin: &str, key: &str, id: &str) {
    assert_problem(with_key(app, "ndk_unknown").await.expect("sent"), 401).await;
    assert_problem(
        app.send("DELETE", "/api/v1/api-keys/999999", Some(admin), None)
            .await,
        404,
    )
    .await;
    assert_eq!(
        app.send(
            "DELETE",
            &format!("/api/v1/api-keys/{id}"),
            Some(admin),
            None
        )
        .await
        .status(),
        204
    );
    let revoked = with_key(app, key).await.expect("sent");
    assert_problem(revoked, 401).await;
    assert_problem(
        app.send(
            "POST",
            "/api/v1/api-keys",
            Some(admin),
            Some(json!({"name": ""})),
        )
        .await,
        422,
    )
    .await;
}

async fn rate_limits_answer_429_with_headers(app: TestApp) {
    let editor = app.staff("ed@example.org", "editor");
    let mut last = None;
    for i in 0..5 {
        let res = app.get("/api/v1/articles").await;
        assert_eq!(res.status(), 200, "request {i}");
        assert_eq!(
            res.headers()
                .get("ratelimit-limit")
                .and_then(|v| v.to_str().ok()),
            Some("5")
        );
        last = res
            .headers()
            .get("ratelimit-remaining")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
    }
    assert_eq!(last.as_deref(), Some("0"));
    let limited = app.get("/api/v1/articles").await;
    let retry: u64 = limited
        .headers()
        .get("retry-after")
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.parse().ok())
        .expect("Retry-After");
    assert!((1..=60).contains(&retry), "{retry}");
    assert!(limited.headers().contains_key("ratelimit-reset"));
    assert_problem(limited, 429).await;
    // Probes and staff are not limited.
    assert_eq!(app.get("/healthz").await.status(), 200);
    assert_eq!(
        app.send("GET", "/api/v1/articles", Some(&editor), None)
            .await
            .status(),
        200
    );
    let _ = Duration::from_secs(0);
}

async fn graphql_writes_need_roles(app: TestApp) {
    app.staff("au@example.org", "author");
    let editor = app.staff("ed@example.org", "editor");
    // Authors attach existing tags only.
    let rail = app
        .send(
            "POST",
            "/api/v1/tags",
            Some(&editor),
            Some(json!({"name": "Rail"})),
        )
        .await;
    assert_eq!(rail.status().as_u16(), 201);
    let author = log_in_over_graphql(&app).await;
    articles_by_role(&app, &author, &editor).await;
    taxonomy_and_viewer(&app, &editor).await;
}

/// The author's token, from the `login` mutation.
async fn log_in_over_graphql(app: &TestApp) -> String {
    let login = gql_as(app, None, "mutation { login(email: \"au@example.org\", password: \"correct horse battery\") { accessToken tokenType expiresIn } }", Value::Null).await;
    let author = login["data"]["login"]["accessToken"]
        .as_str()
        .expect("token")
        .to_owned();
    let bad_login = gql_as(app, None, "mutation { login(email: \"au@example.org\", password: \"nope nope nope\") { accessToken } }", Value::Null).await;
    assert_eq!(code(&bad_login), "UNAUTHENTICATED");
    author
}

async fn articles_by_role(app: &TestApp, author: &str, editor: &str) {
    let create = "mutation($title: String!) { createArticle(input: { title: $title, tags: [\"Rail\"] }) { slug status version tags { slug } } }";
    assert_eq!(
        code(&gql_as(app, None, create, json!({"title": "Anon"})).await),
        "UNAUTHENTICATED"
    );
    let created = gql_as(
        app,
        Some(author),
        create,
        json!({"title": "Rail strike draft"}),
    )
    .await;
    assert_eq!(
        created["data"]["createArticle"]["status"], "DRAFT",
        "{created}"
    );
    assert_eq!(created["data"]["createArticle"]["version"], 1);
    let publish = "mutation { publishArticle(slug: \"rail-strike-draft\") { status } }";
    assert_eq!(
        code(&gql_as(app, Some(author), publish, Value::Null).await),
        "FORBIDDEN"
    );

    let update = "mutation($v: Int) { updateArticle(slug: \"rail-strike-draft\", input: { title: \"Rail strike called\", subtitle: null }, expectedVersion: $v) { title version } }";
    let updated = gql_as(app, Some(editor), update, json!({"v": 1})).await;
    assert_eq!(updated["data"]["updateArticle"]["version"], 2, "{updated}");
    assert_eq!(
        code(&gql_as(app, Some(editor), update, json!({"v": 1})).await),
        "PRECONDITION_FAILED"
    );
    let published = gql_as(app, Some(editor), publish, Value::Null).await;
    assert_eq!(published["data"]["publishArticle"]["status"], "PUBLISHED");
}

async fn taxonomy_and_viewer(app: &TestApp, editor: &str) {
    let tag = gql_as(
        app,
        Some(editor),
        "mutation { createTag(input: { name: \"Strikes\" }) { slug } }",
        Value::Null,
    )
    .await;
    assert_eq!(tag["data"]["createTag"]["slug"], "strikes");
    let dup = gql_as(
        app,
        Some(editor),
        "mutation { createTag(input: { name: \"Strikes\" }) { slug } }",
        Value::Null,
    )
    .await;
    assert_eq!(code(&dup), "CONFLICT");
    let bad = gql_as(
        app,
        Some(editor),
        "mutation { createArticle(input: { title: \"\" }) { slug } }",
        Value::Null,
    )
    .await;
    assert_eq!(code(&bad), "BAD_USER_INPUT");
    let viewer = gql_as(app, Some(editor), "{ viewer { email role } }", Value::Null).await;
    assert_eq!(
        viewer["data"]["viewer"],
        json!({"email": "ed@example.org", "role": "editor"})
    );
    assert_eq!(
        gql_as(app, None, "{ viewer { email } }", Value::Null).await["data"]["viewer"],
        Value::Null
    );
    let deleted = gql_as(
        app,
        Some(editor),
        "mutation { deleteArticle(slug: \"rail-strike-called\") }",
        Value::Null,
    )
    .await;
    assert!(
        deleted["errors"].is_array(),
        "the slug stayed rail-strike-draft: {deleted}"
    );
}
