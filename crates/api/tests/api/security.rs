//! The black-box probe's findings, each written as the attack: the test
//! asserts the refusal and, where the attack was about cost, that refusing
//! is cheap. Numbers in comments are the probe's, before the fixes.

use std::time::{Duration, Instant};

use jsonwebtoken::{Algorithm, EncodingKey, Header};
use newsdesk_api::auth::{Claims, AUDIENCE, ISSUER};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, published, TestApp};

e2e!(
    fragment_explosion_is_refused_in_milliseconds,
    login_aliases_are_one_guess_and_guessing_is_throttled,
    graphql_body_over_the_limit_is_413,
    search_aliases_are_refused_before_they_run,
    authors_cannot_create_taxonomy_through_articles,
    contact_email_is_for_editors_only,
    nul_bytes_are_400_everywhere,
    no_database_or_library_text_reaches_clients,
    future_nbf_and_iat_are_refused,
    created_at_is_the_server_clock,
    head_is_answered_for_get_routes,
    or_means_the_same_on_both_backends,
);

e2e_with!(
    newsdesk_api::auth::AuthSettings {
        body_timeout: std::time::Duration::from_secs(1),
        ..newsdesk_api::auth::AuthSettings::for_tests()
    };
    slow_bodies_are_cut_off,
);

const VICTIM: &str = "victim@example.org";

/// `POST /auth/token`, as an attacker guessing passwords sends it.
pub(crate) async fn ask_token(app: &TestApp, email: &str, password: &str) -> reqwest::Response {
    app.send(
        "POST",
        "/api/v1/auth/token",
        None,
        Some(json!({"email": email, "password": password})),
    )
    .await
}

pub(crate) fn code(res: &Value) -> &str {
    res["errors"][0]["extensions"]["code"]
        .as_str()
        .unwrap_or_default()
}

pub(crate) async fn gql_as(app: &TestApp, token: Option<&str>, query: &str, vars: Value) -> Value {
    let mut req = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({"query": query, "variables": vars}));
    if let Some(t) = token {
        req = req.bearer_auth(t);
    }
    req.send().await.expect("sent").json().await.expect("json")
}

/// Finding 1: 24 fragments, each spreading the previous twice, took 9 s.
async fn fragment_explosion_is_refused_in_milliseconds(app: TestApp) {
    let mut q = String::from("fragment L0 on Tag { name }\n");
    for i in 1..=24 {
        q.push_str(&format!(
            "fragment L{i} on Tag {{ ...L{} ...L{} }}\n",
            i - 1,
            i - 1
        ));
    }
    q.push_str("{ tag(slug: \"x\") { ...L24 } }");
    let started = Instant::now();
    let res = app.gql(&q, Value::Null).await;
    assert!(
        started.elapsed() < Duration::from_millis(500),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code(&res), "BAD_USER_INPUT", "{res}");
    assert!(res["data"].is_null(), "{res}");
    // The server is free for others at once.
    assert_eq!(app.get("/healthz").await.status().as_u16(), 200);
}

/// Finding 2: 1,000 aliased logins tried 1,000 passwords in one request.
async fn login_aliases_are_one_guess_and_guessing_is_throttled(app: TestApp) {
    app.staff("victim@example.org", "editor");
    let aliases: String = (0..1000)
        .map(|i| format!("a{i}: login(email: \"victim@example.org\", password: \"guess {i:04} x\") {{ accessToken }} "))
        .collect();
    let res = app
        .gql(&format!("mutation {{ {aliases} }}"), Value::Null)
        .await;
    assert_eq!(code(&res), "BAD_USER_INPUT", "{res}");
    assert!(!res.to_string().contains("accessToken\":\""), "{res}");
    let two = "mutation { a: login(email: \"victim@example.org\", password: \"x1x1x1x1x1\") { accessToken } b: login(email: \"victim@example.org\", password: \"correct horse battery\") { accessToken } }";
    let res = app.gql(two, Value::Null).await;
    assert!(
        res["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("log in"),
        "{res}"
    );

    // One guess a request, and after a few wrong ones the account is locked:
    // on REST and GraphQL alike, even for the right password.
    for i in 0..newsdesk_api::login::FREE_ACCOUNT_FAILURES {
        assert_problem(
            ask_token(&app, VICTIM, &format!("wrong password {i}")).await,
            401,
        )
        .await;
    }
    let login = "mutation($p: String!) { login(email: \"victim@example.org\", password: $p) { accessToken } }";
    let res = gql_as(&app, None, login, json!({"p": "wrong again!!"})).await;
    assert_eq!(code(&res), "UNAUTHENTICATED", "{res}");
    let locked = ask_token(&app, VICTIM, "correct horse battery").await;
    assert!(locked.headers().contains_key("retry-after"));
    assert_problem(locked, 429).await;
    let res = gql_as(&app, None, login, json!({"p": "correct horse battery"})).await;
    assert_eq!(code(&res), "RATE_LIMITED", "{res}");

    // An unknown e-mail is throttled the same way: no account is revealed.
    for i in 0..=newsdesk_api::login::FREE_ACCOUNT_FAILURES {
        let res = ask_token(&app, "nobody@example.org", &format!("guess {i} xxxxx")).await;
        assert_problem(res, 401).await;
    }
    let res = ask_token(&app, "nobody@example.org", "guess again").await;
    assert_problem(res, 429).await;

    // Spreading guesses over many accounts locks the address.
    let mut last = 0;
    for i in 0..=newsdesk_api::login::FREE_ADDRESS_FAILURES {
        let res = ask_token(&app, &format!("user{i}@example.org"), "some guess here").await;
        last = res.status().as_u16();
    }
    assert_eq!(last, 429, "the address is locked after many failures");
}

/// Finding 3: a 500 MB body to /graphql was read whole.
async fn graphql_body_over_the_limit_is_413(app: TestApp) {
    let padding = "x".repeat(newsdesk_api::server::MAX_BODY_BYTES + 1);
    let res = app
        .client
        .post(format!("{}/graphql", app.base))
        .header("content-type", "application/json")
        .body(format!(
            "{{\"query\": \"{{ tags {{ edges {{ cursor }} }} }}\", \"x\": \"{padding}\"}}"
        ))
        .send()
        .await
        .expect("sent");
    assert_problem(res, 413).await;
}

/// Finding 4: 2,400 `search` aliases took 13.7 s.
async fn search_aliases_are_refused_before_they_run(app: TestApp) {
    app.seed(vec![published("Harbour storm floods the quay", 1)]);
    let many: String = (0..2400)
        .map(|i| format!("s{i}: search(query: \"harbour\", first: 1) {{ edges {{ cursor }} }} "))
        .collect();
    let started = Instant::now();
    let res = app.gql(&format!("{{ {many} }}"), Value::Null).await;
    assert!(
        started.elapsed() < Duration::from_secs(1),
        "{:?}",
        started.elapsed()
    );
    assert_eq!(code(&res), "BAD_USER_INPUT", "{res}");
    // Under the alias limit, search's own cost still bounds how many run.
    let twenty: String = (0..20)
        .map(|i| format!("s{i}: search(query: \"harbour\", first: 1) {{ edges {{ cursor }} }} "))
        .collect();
    let res = app.gql(&format!("{{ {twenty} }}"), Value::Null).await;
    assert!(res["data"].is_null(), "{res}");
    assert!(
        res["errors"][0]["message"]
            .as_str()
            .unwrap_or_default()
            .contains("complex"),
        "{res}"
    );
}

/// Finding 5: an author's article created tags, sections and bylines.
async fn authors_cannot_create_taxonomy_through_articles(app: TestApp) {
    let author = app.staff("au@example.org", "author");
    let res = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(&author),
            Some(json!({"title": "Embargoed merger", "tags": ["Secret Merger"], "section": "Deals", "authors": ["New Person"]})),
        )
        .await;
    let problem = assert_problem(res, 422).await;
    let fields: Vec<&str> = problem["errors"]
        .as_array()
        .expect("errors")
        .iter()
        .filter_map(|e| e["field"].as_str())
        .collect();
    assert_eq!(fields, ["section", "tags", "authors"], "{problem}");
    let editor = app.staff("ed@example.org", "editor");
    for path in [
        "/api/v1/tags/secret-merger",
        "/api/v1/sections/deals",
        "/api/v1/authors/new-person",
    ] {
        assert_problem(app.send("GET", path, Some(&editor), None).await, 404).await;
    }
    // An editor may, and the tag of a draft stays out of public lists.
    let res = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(&editor),
            Some(json!({"title": "Embargoed merger", "tags": ["Secret Merger"]})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let (_, tags) = app.get_json("/api/v1/tags?limit=100").await;
    assert!(!tags.to_string().contains("secret-merger"), "{tags}");
    assert_problem(app.get("/api/v1/tags/secret-merger").await, 404).await;
}

/// Finding 6: revisions served the byline e-mail to any author.
async fn contact_email_is_for_editors_only(app: TestApp) {
    let author = app.staff("au@example.org", "author");
    let editor = app.staff("ed@example.org", "editor");
    let res = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(&author),
            Some(json!({"title": "Mine", "contact_email": "me@example.org"})),
        )
        .await;
    assert_problem(res, 403).await;
    let res = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(&editor),
            Some(json!({"title": "Sourced story", "contact_email": "source@example.org"})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    assert!(!res
        .text()
        .await
        .expect("body")
        .contains("source@example.org"));
    let res = app
        .send(
            "PATCH",
            "/api/v1/articles/sourced-story",
            Some(&editor),
            Some(json!({"subtitle": "Now with more"})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let as_author = app
        .send(
            "GET",
            "/api/v1/articles/sourced-story/revisions",
            Some(&author),
            None,
        )
        .await;
    assert_eq!(as_author.status().as_u16(), 200);
    let body = as_author.text().await.expect("body");
    assert!(
        body.contains("Sourced story") && !body.contains("source@example.org"),
        "{body}"
    );
    let as_editor = app
        .send(
            "GET",
            "/api/v1/articles/sourced-story/revisions",
            Some(&editor),
            None,
        )
        .await;
    assert!(as_editor
        .text()
        .await
        .expect("body")
        .contains("source@example.org"));
}

pub(crate) fn user_id(app: &TestApp, email: &str) -> i64 {
    app.state
        .store
        .user_by_email(email)
        .expect("lookup")
        .expect("user")
        .0
        .id
}

/// Finding 8: NUL was a 500 on PostgreSQL and stored on SQLite.
async fn nul_bytes_are_400_everywhere(app: TestApp) {
    let editor = app.staff("ed@example.org", "editor");
    for path in [
        "/api/v1/articles/a%00b",
        "/api/v1/articles?tag=a%00b",
        "/api/v1/search?q=harbour%00",
        "/api/v1/tags/x%00",
    ] {
        assert_problem(app.get(path).await, 400).await;
    }
    let login = ask_token(&app, "a\u{0}@example.org", "whatever it is").await;
    assert_problem(login, 400).await;
    let create = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(&editor),
            Some(json!({"title": "Null\u{0}title"})),
        )
        .await;
    assert_problem(create, 400).await;
    let list = app
        .send("GET", "/api/v1/articles", Some(&editor), None)
        .await;
    assert_eq!(list.json::<Value>().await.expect("json")["data"], json!([]));
    let res = app
        .client
        .post(format!("{}/graphql", app.base))
        .json(&json!({"query": "query($s: String!) { tag(slug: $s) { name } }", "variables": {"s": "a\u{0}"}}))
        .send()
        .await
        .expect("sent");
    assert_problem(res, 400).await;
    let res = app
        .gql(r#"{ tag(slug: "a\u0000") { name } }"#, Value::Null)
        .await;
    assert_eq!(code(&res), "BAD_USER_INPUT", "{res}");
}

/// Finding 9: raw constraint messages in 409s, library text in 401s.
async fn no_database_or_library_text_reaches_clients(app: TestApp) {
    let editor = app.staff("ed@example.org", "editor");
    for title in ["First story", "Second story"] {
        let res = app
            .send(
                "POST",
                "/api/v1/articles",
                Some(&editor),
                Some(json!({"title": title})),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
    }
    for name in ["Harbour", "Port"] {
        let res = app
            .send(
                "POST",
                "/api/v1/tags",
                Some(&editor),
                Some(json!({"name": name})),
            )
            .await;
        assert_eq!(res.status().as_u16(), 201);
    }
    let taken = [
        app.send(
            "PATCH",
            "/api/v1/articles/second-story",
            Some(&editor),
            Some(json!({"slug": "first-story"})),
        )
        .await,
        app.send(
            "PATCH",
            "/api/v1/tags/port",
            Some(&editor),
            Some(json!({"slug": "harbour"})),
        )
        .await,
    ];
    let admin = app.staff("admin@example.org", "admin");
    let email_taken = app
        .send(
            "POST",
            "/api/v1/users",
            Some(&admin),
            Some(json!({"email": "ED@example.org", "password": "long enough pass", "role": "author"})),
        )
        .await;
    let taken = taken
        .into_iter()
        .map(|r| (r, "slug"))
        .chain([(email_taken, "email")]);
    for (res, field) in taken {
        let problem = assert_problem(res, 409).await;
        assert_eq!(problem["errors"][0]["field"], field, "{problem}");
        let body = problem.to_string();
        for leak in [
            "UNIQUE",
            "unique",
            "constraint",
            "duplicate",
            "articles.",
            "terms.",
        ] {
            assert!(!body.contains(leak), "{leak} in {body}");
        }
    }
    let res = app
        .send("GET", "/api/v1/articles", Some("not.a.jwt"), None)
        .await;
    let body = assert_problem(res, 401).await;
    assert_eq!(body["detail"], "invalid or expired token");
}

fn sign(app: &TestApp, claims: &Claims) -> String {
    jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        claims,
        &EncodingKey::from_secret(&app.state.auth.settings.jwt_secret),
    )
    .expect("signed")
}

/// Finding 11: `nbf` in the future and `iat` a year ahead were accepted.
async fn future_nbf_and_iat_are_refused(app: TestApp) {
    app.staff("ed@example.org", "editor");
    let id = user_id(&app, "ed@example.org");
    let now = chrono::Utc::now().timestamp();
    let claims = |iat: i64| Claims {
        sub: id.to_string(),
        role: "editor".into(),
        iat,
        exp: now + 3600,
        iss: ISSUER.into(),
        aud: AUDIENCE.into(),
        gen: 0,
    };
    let good = sign(&app, &claims(now));
    assert_eq!(
        app.send("GET", "/api/v1/articles", Some(&good), None)
            .await
            .status()
            .as_u16(),
        200
    );
    let ahead = sign(&app, &claims(now + 365 * 24 * 3600));
    assert_problem(
        app.send("GET", "/api/v1/articles", Some(&ahead), None)
            .await,
        401,
    )
    .await;
    let mut with_nbf = serde_json::to_value(claims(now)).expect("json");
    with_nbf["nbf"] = json!(now + 3600);
    let not_yet = jsonwebtoken::encode(
        &Header::new(Algorithm::HS256),
        &with_nbf,
        &EncodingKey::from_secret(&app.state.auth.settings.jwt_secret),
    )
    .expect("signed");
    assert_problem(
        app.send("GET", "/api/v1/articles", Some(&not_yet), None)
            .await,
        401,
    )
    .await;
}

/// Finding 12: `published_at` on create became `created_at`.
async fn created_at_is_the_server_clock(app: TestApp) {
    let editor = app.staff("ed@example.org", "editor");
    let res = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(&editor),
            Some(json!({"title": "Backdated", "status": "published", "published_at": "2020-01-01T00:00:00Z"})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let body: Value = res.json().await.expect("json");
    let created = chrono::DateTime::parse_from_rfc3339(
        body["data"]["created_at"].as_str().expect("created_at"),
    )
    .expect("a date");
    let age = chrono::Utc::now().signed_duration_since(created);
    assert!(
        age.num_seconds().abs() < 60,
        "created_at {created} is not now"
    );
    assert!(body["data"]["published_at"]
        .as_str()
        .is_some_and(|p| p.starts_with("2020-01-01")));
}

/// Finding 13: HEAD on any GET route was a 404.
async fn head_is_answered_for_get_routes(app: TestApp) {
    app.seed(vec![published("Heads up", 1)]);
    for path in [
        "/api/v1/articles",
        "/api/v1/articles/heads-up",
        "/api/v1/tags",
        "/healthz",
        "/openapi.json",
    ] {
        let res = app
            .client
            .head(format!("{}{path}", app.base))
            .send()
            .await
            .expect("sent");
        assert_eq!(res.status().as_u16(), 200, "HEAD {path}");
        let length: u64 = res
            .headers()
            .get("content-length")
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.parse().ok())
            .unwrap_or(0);
        assert!(length > 0, "HEAD {path} names the length of the GET body");
        assert!(
            res.bytes().await.expect("body").is_empty(),
            "HEAD {path} has no body"
        );
    }
    let res = app
        .client
        .head(format!("{}/api/v1/articles/nope", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(res.status().as_u16(), 404);
}

/// Finding 14: `OR` was an operator on PostgreSQL and a word on SQLite.
async fn or_means_the_same_on_both_backends(app: TestApp) {
    app.seed(vec![published("Harbour storm floods the quay", 1)]);
    let (status, found) = app.get_json("/api/v1/search?q=harbour").await;
    assert_eq!(
        (status, found["data"].as_array().map(Vec::len)),
        (200, Some(1))
    );
    let (status, none) = app.get_json("/api/v1/search?q=harbour%20OR%20qqqq").await;
    assert_eq!(
        (status, none["data"].as_array().map(Vec::len)),
        (200, Some(0)),
        "{none}"
    );
}

/// Finding 10: one byte every 5 s held a connection for 300 s. Here the
/// body timeout is 1 s and the client sends a byte every 250 ms.
async fn slow_bodies_are_cut_off(app: TestApp) {
    use std::io::{Read, Write};
    let addr = app.base.trim_start_matches("http://").to_owned();
    let client = actix_web::rt::task::spawn_blocking(move || {
        let mut stream = std::net::TcpStream::connect(&addr).expect("connects");
        stream
            .set_read_timeout(Some(Duration::from_secs(5)))
            .expect("timeout set");
        let head = format!(
            "POST /api/v1/auth/token HTTP/1.1\r\nHost: {addr}\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{{"
        );
        stream.write_all(head.as_bytes()).expect("head sent");
        let started = Instant::now();
        for _ in 0..6 {
            std::thread::sleep(Duration::from_millis(250));
            if stream.write_all(b" ").is_err() {
                break;
            }
        }
        let mut answer = vec![0u8; 1024];
        let n = stream.read(&mut answer).expect("answered in time");
        (
            String::from_utf8_lossy(&answer[..n]).into_owned(),
            started.elapsed(),
        )
    });
    let (answer, took) = client.await.expect("client ran");
    assert!(answer.starts_with("HTTP/1.1 408"), "{answer}");
    assert!(took < Duration::from_secs(4), "{took:?}");
}
