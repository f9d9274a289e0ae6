//! Live updates: the SSE stream with Last-Event-ID resume, the GraphQL
//! subscription over graphql-transport-ws, WebSub, and schedules that come
//! due announced as `article.published`.

use std::time::Duration;

use hmac::{Hmac, Mac};
use newsdesk_e2e::receiver::Receiver;
use serde_json::{json, Value};
use sha2::Sha256;

use crate::helpers::{assert_problem, received, wait_until, TestApp};

/// Reads SSE frames from a response until `want` of them name an event.
async fn frames(res: &mut reqwest::Response, want: usize) -> Vec<(String, String, Value)> {
    let mut text = String::new();
    let mut out = Vec::new();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while out.len() < want {
        assert!(
            std::time::Instant::now() < deadline,
            "only {out:?} in {text}"
        );
        let chunk = actix_web::rt::time::timeout(Duration::from_secs(10), res.chunk())
            .await
            .expect("a chunk in time")
            .expect("the stream reads");
        let Some(chunk) = chunk else { break };
        text.push_str(&String::from_utf8_lossy(&chunk));
        while let Some(end) = text.find("\n\n") {
            let frame: String = text.drain(..end + 2).collect();
            let field = |name: &str| {
                frame
                    .lines()
                    .find_map(|l| l.strip_prefix(&format!("{name}: ")))
                    .map(str::to_owned)
            };
            if let (Some(event), Some(data)) = (field("event"), field("data")) {
                let id = field("id").unwrap_or_default();
                out.push((
                    id,
                    event,
                    serde_json::from_str(&data).unwrap_or(Value::Null),
                ));
            }
        }
    }
    out
}

async fn create(app: &TestApp, token: &str, body: Value) -> Value {
    let res = app
        .send("POST", "/api/v1/articles", Some(token), Some(body))
        .await;
    assert_eq!(res.status().as_u16(), 201);
    res.json::<Value>().await.expect("JSON")["data"].clone()
}

fn story(title: &str, section: &str) -> Value {
    json!({"title": title, "body": "A body.", "body_format": "text", "status": "published", "section": section})
}

async fn the_stream_sends_events_and_resumes_from_last_event_id(app: TestApp) {
    let editor = app.staff("editor@example.com", "editor");
    let mut all = app.get("/api/v1/stream").await;
    assert_eq!(all.status().as_u16(), 200);
    assert_eq!(
        all.headers()
            .get("content-type")
            .and_then(|v| v.to_str().ok()),
        Some("text/event-stream")
    );
    let mut sport = app.get("/api/v1/stream?section=sport").await;
    create(&app, &editor, story("Harbour plan approved", "Home News")).await;
    let b = create(&app, &editor, story("Cup final tonight", "Sport")).await;
    let draft = json!({"title": "Not yet", "body": "Draft.", "status": "draft"});
    create(&app, &editor, draft).await;
    let res = app
        .send(
            "DELETE",
            &format!(
                "/api/v1/articles/{}",
                b["slug"].as_str().unwrap_or_default()
            ),
            Some(&editor),
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 204);

    let got = frames(&mut all, 3).await;
    let kinds: Vec<&str> = got.iter().map(|(_, e, _)| e.as_str()).collect();
    assert_eq!(
        kinds,
        ["article.published", "article.published", "article.deleted"],
        "a draft says nothing"
    );
    assert_eq!(got[0].2["data"]["title"], "Harbour plan approved");
    assert_eq!(got[2].2["data"], json!({"id": b["id"], "slug": b["slug"]}));
    let narrowed = frames(&mut sport, 2).await;
    assert_eq!(narrowed[0].2["data"]["title"], "Cup final tonight");
    assert_eq!(narrowed[1].1, "article.deleted");

    // Resuming after the first event replays the rest from the outbox.
    let first_id = got[0].0.clone();
    let mut resumed = app
        .client
        .get(format!("{}/api/v1/stream", app.base))
        .header("last-event-id", &first_id)
        .send()
        .await
        .expect("sent");
    assert_eq!(resumed.status().as_u16(), 200);
    let replay = frames(&mut resumed, 2).await;
    assert_eq!(replay[0].0, got[1].0);
    assert_eq!(replay[1].0, got[2].0);

    for bad in ["garbage", "-3", "99999999"] {
        let res = app
            .client
            .get(format!("{}/api/v1/stream", app.base))
            .header("last-event-id", bad)
            .send()
            .await
            .expect("sent");
        assert_problem(res, 400).await;
    }
}

async fn scheduled_articles_are_announced_when_due(app: TestApp) {
    let editor = app.staff("editor@example.com", "editor");
    let receiver = Receiver::ok();
    let admin = app.staff("admin@example.com", "admin");
    let res = app
        .send(
            "POST",
            "/api/v1/webhooks",
            Some(&admin),
            Some(json!({"url": receiver.url, "events": ["article.published"]})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    let mut stream = app.get("/api/v1/stream").await;
    let due = chrono::Utc::now() + chrono::Duration::seconds(2);
    let mut body = story("Embargoed report", "Home News");
    body["published_at"] = json!(due.to_rfc3339());
    let created = create(&app, &editor, body).await;
    assert_eq!(created["status"], "scheduled");
    // Rescheduled and then cancelled: neither earlier time is announced.
    let mut other = story("Moved twice", "Home News");
    other["published_at"] = json!(due.to_rfc3339());
    let moved = create(&app, &editor, other).await;
    let path = format!(
        "/api/v1/articles/{}",
        moved["slug"].as_str().unwrap_or_default()
    );
    let res = app
        .send(
            "PATCH",
            &path,
            Some(&editor),
            Some(json!({"status": "draft"})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);

    let got = frames(&mut stream, 1).await;
    assert_eq!(got[0].1, "article.published");
    assert_eq!(got[0].2["data"]["slug"], created["slug"]);
    assert!(chrono::Utc::now() >= due, "not before its time");
    let hooks = received(&receiver, |r| !r.is_empty()).await;
    assert_eq!(hooks[0].json()["data"]["slug"], created["slug"]);
    actix_web::rt::time::sleep(Duration::from_millis(1500)).await;
    assert_eq!(
        receiver.received().len(),
        1,
        "the cancelled one is never announced"
    );
}

async fn hub(app: &TestApp, form: &[(&str, &str)]) -> reqwest::Response {
    app.client
        .post(format!("{}/websub", app.base))
        .form(form)
        .send()
        .await
        .expect("sent")
}

async fn websub_subscriptions(app: &TestApp, n: usize) {
    wait_until(Duration::from_secs(5), "the subscriptions", || {
        app.state
            .store
            .hooks(newsdesk_domain::events::hooks::HookKind::Websub)
            .is_ok_and(|h| h.len() == n)
    })
    .await;
}

/// The feed names its hub in a `Link` header and in the feed itself.
async fn assert_names_the_hub(app: &TestApp, path: &str) {
    let feed = app.get(path).await;
    let link = feed
        .headers()
        .get("link")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert!(
        link.contains("<https://news.example/websub>; rel=\"hub\""),
        "{link}"
    );
    let xml = feed.text().await.expect("text");
    let parsed = feed_rs::parser::parse(xml.as_bytes()).expect("a feed");
    assert!(parsed.links.iter().any(|l| l.rel.as_deref() == Some("hub")));
}

/// A content distribution: the feed, signed with the subscriber's secret.
fn assert_signed_feed(push: &newsdesk_e2e::receiver::Received, secret: &[u8], first: &str) {
    assert_eq!(push.method, "POST");
    assert!(push
        .header("content-type")
        .starts_with("application/atom+xml"));
    let mut mac = <Hmac<Sha256> as Mac>::new_from_slice(secret).expect("a key");
    mac.update(&push.body);
    let expected: String = mac
        .finalize()
        .into_bytes()
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    assert_eq!(push.header("x-hub-signature"), format!("sha256={expected}"));
    let pushed = feed_rs::parser::parse(push.body.as_slice()).expect("the feed");
    assert_eq!(
        pushed.entries[0].title.as_ref().map(|t| t.content.as_str()),
        Some(first)
    );
}

async fn websub_verifies_intent_and_pushes_signed_feeds(app: TestApp) {
    let editor = app.staff("editor@example.com", "editor");
    let subscriber = Receiver::ok();
    let callback = format!("{}/cb", subscriber.url);
    let topic = "https://news.example/feeds/atom.xml?section=sport";
    create(&app, &editor, story("Season opener", "Sport")).await;
    assert_names_the_hub(&app, "/feeds/atom.xml?section=sport").await;

    let form = [
        ("hub.mode", "subscribe"),
        ("hub.topic", topic),
        ("hub.callback", &callback),
        ("hub.secret", "s3cret"),
        ("hub.lease_seconds", "3600"),
    ];
    assert_eq!(hub(&app, &form).await.status().as_u16(), 202);
    let verify = received(&subscriber, |r| !r.is_empty()).await.remove(0);
    assert_eq!(verify.method, "GET");
    assert_eq!(verify.query("hub.mode").as_deref(), Some("subscribe"));
    assert_eq!(verify.query("hub.topic").as_deref(), Some(topic));
    assert_eq!(verify.query("hub.lease_seconds").as_deref(), Some("3600"));
    websub_subscriptions(&app, 1).await;

    create(&app, &editor, story("Not this topic", "Home News")).await;
    create(&app, &editor, story("Late winner", "Sport")).await;
    let got = received(&subscriber, |r| r.len() >= 2).await;
    assert_signed_feed(&got[1], b"s3cret", "Late winner");
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(
        subscriber.received().len(),
        2,
        "the other section's article is not pushed"
    );

    let form = [
        ("hub.mode", "unsubscribe"),
        ("hub.topic", topic),
        ("hub.callback", &callback),
    ];
    assert_eq!(hub(&app, &form).await.status().as_u16(), 202);
    websub_subscriptions(&app, 0).await;
}

async fn websub_refuses_what_it_cannot_serve(app: TestApp) {
    let subscriber = Receiver::ok();
    let callback = format!("{}/cb", subscriber.url);
    let topic = "https://news.example/feeds/atom.xml";
    let bad = [
        (
            "subscribe",
            "https://elsewhere.example/feed",
            callback.as_str(),
            400,
        ),
        ("subscribe", topic, "ftp://x.example/", 400),
        ("watch", topic, callback.as_str(), 400),
        (
            "subscribe",
            "https://news.example/feeds/atom.xml?tag=nope",
            callback.as_str(),
            404,
        ),
    ];
    for (mode, topic, callback, status) in bad {
        let form = [
            ("hub.mode", mode),
            ("hub.topic", topic),
            ("hub.callback", callback),
        ];
        assert_problem(hub(&app, &form).await, status).await;
    }
    let long = "x".repeat(200);
    let form = [
        ("hub.mode", "subscribe"),
        ("hub.topic", topic),
        ("hub.callback", callback.as_str()),
        ("hub.secret", long.as_str()),
    ];
    assert_problem(hub(&app, &form).await, 400).await;
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    assert!(
        subscriber.received().is_empty(),
        "a refused request verifies nothing"
    );
    websub_subscriptions(&app, 0).await;
}

/// A graphql-transport-ws client on its own thread, sending what it hears.
pub(crate) fn subscribe(base: &str, query: &str) -> std::sync::mpsc::Receiver<Value> {
    use tungstenite::client::IntoClientRequest;
    use tungstenite::Message;
    let url = format!("ws://{}/graphql", base.trim_start_matches("http://"));
    let query = query.to_owned();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut req = url.into_client_request().expect("a request");
        req.headers_mut().insert(
            "sec-websocket-protocol",
            "graphql-transport-ws".parse().expect("a value"),
        );
        let (mut ws, _) = tungstenite::connect(req).expect("the socket opens");
        for opening in [
            json!({"type": "connection_init"}),
            json!({"id": "1", "type": "subscribe", "payload": {"query": query}}),
        ] {
            ws.send(Message::text(opening.to_string())).expect("sent");
        }
        while let Ok(msg) = ws.read() {
            if let Ok(text) = msg.into_text() {
                let v: Value = serde_json::from_str(text.as_str()).unwrap_or(Value::Null);
                if tx.send(v).is_err() {
                    return;
                }
            }
        }
    });
    rx
}

pub(crate) async fn next_of(rx: &std::sync::mpsc::Receiver<Value>, kind: &str) -> Value {
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    loop {
        while let Ok(v) = rx.try_recv() {
            if v["type"] == kind {
                return v;
            }
        }
        assert!(std::time::Instant::now() < deadline, "no {kind} message");
        actix_web::rt::time::sleep(Duration::from_millis(20)).await;
    }
}

async fn graphql_subscription_hears_articles_published(app: TestApp) {
    let editor = app.staff("editor@example.com", "editor");
    let rx = subscribe(
        &app.base,
        r#"subscription { articlePublished(section: "sport") { title section { slug } tags { name } } }"#,
    );
    next_of(&rx, "connection_ack").await;
    wait_until(Duration::from_secs(5), "the subscription to start", || {
        app.state.push.live_connections() == 1
    })
    .await;
    // The stream subscribes when the operation starts: give it that moment.
    actix_web::rt::time::sleep(Duration::from_millis(300)).await;
    create(&app, &editor, story("Quiet day at the port", "Home News")).await;
    let mut sport = story("Derby ends level", "Sport");
    sport["tags"] = json!(["Football"]);
    create(&app, &editor, sport).await;
    let next = next_of(&rx, "next").await;
    assert_eq!(
        next["payload"]["data"]["articlePublished"]["title"],
        "Derby ends level"
    );
    assert_eq!(
        next["payload"]["data"]["articlePublished"]["section"]["slug"],
        "sport"
    );
    assert_eq!(
        next["payload"]["data"]["articlePublished"]["tags"][0]["name"],
        "Football"
    );
}

e2e_push!(
    the_stream_sends_events_and_resumes_from_last_event_id,
    scheduled_articles_are_announced_when_due,
    websub_verifies_intent_and_pushes_signed_feeds,
    websub_refuses_what_it_cannot_serve,
    graphql_subscription_hears_articles_published,
);
