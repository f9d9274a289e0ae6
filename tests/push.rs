//! Push across real processes: two `newsdesk` nodes on one PostgreSQL see
//! each other's writes, share webhook deliveries without doubling them,
//! finish the deliveries of a node killed mid-retry, and hold revocations
//! everywhere; SIGTERM closes live streams and keeps undelivered events.

use std::io::Read;
use std::time::{Duration, Instant};

use newsdesk_e2e::receiver::{Answer, Receiver};
use newsdesk_e2e::{Server, TestDb};
use serde_json::{json, Value};

const EMAIL: &str = "admin@example.com";
const PASSWORD: &str = "correct horse battery";

fn env(extra: &[(&'static str, &'static str)]) -> Vec<(&'static str, &'static str)> {
    let mut env = vec![
        (
            "NEWSDESK_JWT_SECRET",
            "one secret shared by every node of the test",
        ),
        ("NEWSDESK_ADMIN_EMAIL", EMAIL),
        ("NEWSDESK_ADMIN_PASSWORD", PASSWORD),
        ("NEWSDESK_WEBHOOK_ALLOW_PRIVATE", "true"),
        ("NEWSDESK_WEBHOOK_TIMEOUT", "1"),
        ("NEWSDESK_WEBHOOK_RETRY_SCHEDULE", "0.2,0.2,0.2,0.2"),
    ];
    env.extend_from_slice(extra);
    env
}

struct Api {
    base: String,
    token: String,
    http: reqwest::blocking::Client,
}

impl Api {
    fn login(server: &Server) -> Api {
        let http = reqwest::blocking::Client::new();
        let res: Value = http
            .post(format!("{}/api/v1/auth/token", server.base))
            .json(&json!({"email": EMAIL, "password": PASSWORD}))
            .send()
            .and_then(|r| r.json())
            .expect("a token");
        Api {
            base: server.base.clone(),
            token: res["access_token"].as_str().expect("a token").to_owned(),
            http,
        }
    }

    fn on(&self, server: &Server) -> Api {
        Api {
            base: server.base.clone(),
            token: self.token.clone(),
            http: self.http.clone(),
        }
    }

    fn call(&self, method: &str, path: &str, body: Option<Value>) -> (u16, Value) {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self
            .http
            .request(method, format!("{}{path}", self.base))
            .bearer_auth(&self.token);
        if let Some(b) = body {
            req = req.json(&b);
        }
        let res = req.send().expect("the node answers");
        let status = res.status().as_u16();
        (status, res.json().unwrap_or(Value::Null))
    }

    fn publish(&self, title: &str) -> Value {
        let (status, body) = self.call(
            "POST",
            "/api/v1/articles",
            Some(json!({"title": title, "body": "A body.", "body_format": "text", "status": "published"})),
        );
        assert_eq!(status, 201, "{body}");
        body["data"].clone()
    }

    fn hook(&self, url: &str) -> String {
        let (status, body) = self.call(
            "POST",
            "/api/v1/webhooks",
            Some(json!({"url": url, "events": ["article.published"]})),
        );
        assert_eq!(status, 201, "{body}");
        body["data"]["id"].as_str().expect("an id").to_owned()
    }
}

fn postgres(test: &str) -> Option<TestDb> {
    TestDb::postgres(test)
}

/// Named `postgres::` so CI's PostgreSQL pass runs them.
mod postgres {
    #[test]
    fn two_nodes_see_each_others_writes_and_revocations_at_once() {
        super::two_nodes_see_each_others_writes_and_revocations_at_once();
    }

    #[test]
    fn two_nodes_deliver_every_event_once_to_a_flaky_receiver() {
        super::two_nodes_deliver_every_event_once_to_a_flaky_receiver();
    }

    #[test]
    fn a_node_killed_mid_delivery_leaves_it_to_another() {
        super::a_node_killed_mid_delivery_leaves_it_to_another();
    }

    #[test]
    fn two_nodes_hold_one_rate_limit() {
        super::two_nodes_hold_one_rate_limit();
    }
}

fn two_nodes_see_each_others_writes_and_revocations_at_once() {
    let Some(db) = postgres("two_nodes_see_each_others_writes") else {
        return;
    };
    let a = Server::start(db, &[], &env(&[]));
    let b = Server::on(&a.url, &[], &env(&[]));
    let on_a = Api::login(&a);
    let on_b = on_a.on(&b);
    let feed = |api: &Api| {
        api.http
            .get(format!("{}/feeds/rss.xml", api.base))
            .send()
            .and_then(|r| r.text())
            .expect("a feed")
    };
    // B renders and caches its feed, then A writes.
    assert!(!feed(&on_b).contains("Tide tables revised"));
    let mut stream = reqwest::blocking::get(format!("{}/api/v1/stream", b.base)).expect("a stream");
    let article = on_a.publish("Tide tables revised");
    let slug = article["slug"].as_str().expect("a slug");
    let (status, read) = on_b.call("GET", &format!("/api/v1/articles/{slug}"), None);
    assert_eq!(
        (status, &read["data"]["title"]),
        (200, &json!("Tide tables revised"))
    );
    // B's response cache holds the public copy of the article and a list.
    let public = |path: &str| {
        reqwest::blocking::get(format!("{}{path}", b.base))
            .and_then(|r| r.text())
            .expect("a public read")
    };
    let one = format!("/api/v1/articles/{slug}");
    assert!(public(&one).contains("Tide tables revised"));
    assert!(public("/api/v1/articles").contains("Tide tables revised"));
    let (status, _) = on_a.call(
        "PATCH",
        &format!("/api/v1/articles/{slug}"),
        Some(json!({"title": "Tide tables corrected"})),
    );
    assert_eq!(status, 200);
    // A's purge reaches B with its NOTIFY: within milliseconds.
    let deadline = Instant::now() + Duration::from_millis(500);
    while !(public(&one).contains("Tide tables corrected")
        && public("/api/v1/articles").contains("Tide tables corrected"))
    {
        assert!(Instant::now() < deadline, "B's cached copy stayed stale");
        std::thread::sleep(Duration::from_millis(5));
    }
    let (_, read) = on_b.call("GET", &format!("/api/v1/articles/{slug}"), None);
    assert_eq!(
        read["data"]["title"], "Tide tables corrected",
        "B never serves the old article"
    );
    // So is B's cached feed.
    let deadline = Instant::now() + Duration::from_millis(500);
    while !feed(&on_b).contains("Tide tables corrected") {
        assert!(Instant::now() < deadline, "B's feed stayed stale");
        std::thread::sleep(Duration::from_millis(5));
    }
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !seen.contains("event: article.updated") {
        let n = stream.read(&mut buf).expect("the stream reads");
        assert!(n > 0, "the stream ended: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(seen.contains("event: article.published"), "{seen}");

    revoked_on_one_node_refused_on_the_other(&on_a, &on_b);
    renamed_on_one_node_named_so_on_the_other(&on_a, &on_b);
}

/// Each node keeps terms in memory: a tag renamed on A is named anew on
/// B's next read, not when B's copy expires.
fn renamed_on_one_node_named_so_on_the_other(on_a: &Api, on_b: &Api) {
    let body = json!({"title": "Harbour wall repaired", "body": "A body.", "body_format": "text",
        "status": "published", "tags": ["Harbour Works"]});
    let (status, created) = on_a.call("POST", "/api/v1/articles", Some(body));
    assert_eq!(status, 201, "{created}");
    let path = format!(
        "/api/v1/articles/{}",
        created["data"]["slug"].as_str().expect("a slug")
    );
    let tag_on_b = || on_b.call("GET", &path, None).1["data"]["tags"][0]["name"].clone();
    assert_eq!(tag_on_b(), json!("Harbour Works"));
    let renamed = json!({"name": "Harbour Repairs"});
    let (status, _) = on_a.call("PATCH", "/api/v1/tags/harbour-works", Some(renamed));
    assert_eq!(status, 200);
    let deadline = Instant::now() + Duration::from_millis(500);
    while tag_on_b() != json!("Harbour Repairs") {
        assert!(Instant::now() < deadline, "B still names the tag as it was");
        std::thread::sleep(Duration::from_millis(5));
    }
}

/// A key revoked on A is refused by B at once, not when B's cache expires.
fn revoked_on_one_node_refused_on_the_other(on_a: &Api, on_b: &Api) {
    let (status, key) = on_a.call("POST", "/api/v1/api-keys", Some(json!({"name": "partner"})));
    assert_eq!(status, 201);
    let secret = key["data"]["key"].as_str().expect("a key").to_owned();
    let with_key = |api: &Api| {
        api.http
            .get(format!("{}/api/v1/articles", api.base))
            .header("x-api-key", &secret)
            .send()
            .expect("answers")
            .status()
            .as_u16()
    };
    assert_eq!(with_key(on_b), 200);
    let id = key["data"]["id"].as_str().expect("an id");
    assert_eq!(
        on_a.call("DELETE", &format!("/api/v1/api-keys/{id}"), None)
            .0,
        204
    );
    let deadline = Instant::now() + Duration::from_millis(500);
    while with_key(on_b) != 401 {
        assert!(Instant::now() < deadline, "B still takes the revoked key");
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn two_nodes_deliver_every_event_once_to_a_flaky_receiver() {
    let Some(db) = postgres("two_nodes_deliver_every_event_once") else {
        return;
    };
    let a = Server::start(db, &[], &env(&[]));
    let b = Server::on(&a.url, &[], &env(&[]));
    let on_a = Api::login(&a);
    let on_b = on_a.on(&b);
    // Every third request fails: those deliveries are retried.
    let receiver = Receiver::scripted(|_, n| Answer::status(if n % 3 == 2 { 503 } else { 204 }));
    on_a.hook(&receiver.url);
    let mut ids = Vec::new();
    for i in 0..20 {
        let api = if i % 2 == 0 { &on_a } else { &on_b };
        ids.push(api.publish(&format!("Story {i} of the evening"))["id"].clone());
    }
    receiver.wait_for(Duration::from_secs(30), |r| {
        let ok: std::collections::HashSet<&str> = r
            .iter()
            .filter(|x| x.answered == 204)
            .map(|x| x.header("webhook-id"))
            .collect();
        ok.len() == 20
    });
    // Time for a doubled delivery, if there were one, to arrive.
    std::thread::sleep(Duration::from_millis(800));
    let all = receiver.received();
    assert!(
        all.iter().any(|r| r.answered == 503),
        "the receiver did fail some"
    );
    for id in &ids {
        let event = all
            .iter()
            .filter(|r| r.json()["data"]["id"] == *id)
            .collect::<Vec<_>>();
        let delivered = event.iter().filter(|r| r.answered == 204).count();
        assert_eq!(
            delivered, 1,
            "event of article {id} delivered {delivered} times"
        );
        // Any other request for it was a retry after a failure, before the success.
        assert!(event.last().is_some_and(|r| r.answered == 204));
    }
}

fn a_node_killed_mid_delivery_leaves_it_to_another() {
    let Some(db) = postgres("a_node_killed_mid_delivery") else {
        return;
    };
    let mut a = Server::start(db, &[], &env(&[]));
    let on_a = Api::login(&a);
    // The first attempt hangs past the timeout; the node is killed meanwhile.
    let receiver = Receiver::scripted(|_, n| Answer {
        status: 200,
        body: String::new(),
        delay: if n == 0 {
            Duration::from_secs(20)
        } else {
            Duration::ZERO
        },
    });
    let hook = on_a.hook(&receiver.url);
    on_a.publish("Power restored downtown");
    receiver.wait_for(Duration::from_secs(10), |r| !r.is_empty());
    a.signal("KILL");
    a.wait(Duration::from_secs(5));
    let db = a.take_db();
    let b = Server::on(&a.url, &[], &env(&[]));
    let got = receiver.wait_for(Duration::from_secs(20), |r| {
        r.iter()
            .any(|x| x.answered == 200 && x.at.elapsed() < Duration::from_secs(20) && r.len() >= 2)
    });
    assert_eq!(got[0].header("webhook-id"), got[1].header("webhook-id"));
    let (_, log) = on_a
        .on(&b)
        .call("GET", &format!("/api/v1/webhooks/{hook}/deliveries"), None);
    let deadline = Instant::now() + Duration::from_secs(5);
    let mut log = log;
    while log["data"][0]["status"] != "delivered" {
        assert!(Instant::now() < deadline, "{log}");
        std::thread::sleep(Duration::from_millis(50));
        log = on_a
            .on(&b)
            .call("GET", &format!("/api/v1/webhooks/{hook}/deliveries"), None)
            .1;
    }
    drop(b);
    drop(db);
}

#[test]
fn sigterm_closes_streams_and_keeps_undelivered_events() {
    let db = TestDb::sqlite();
    // Nothing listens on the receiver's port yet: deliveries keep failing.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .expect("a port")
        .port();
    let slow = [("NEWSDESK_WEBHOOK_RETRY_SCHEDULE", "1,1,1,1,1,1,1,1,1,1")];
    let mut server = Server::start(db, &[], &env(&slow));
    let api = Api::login(&server);
    let hook = api.hook(&format!("http://127.0.0.1:{port}/in"));
    let mut stream =
        reqwest::blocking::get(format!("{}/api/v1/stream", server.base)).expect("a stream");
    api.publish("Storm warning issued");
    let mut seen = String::new();
    let mut buf = [0u8; 4096];
    while !seen.contains("event: article.published") {
        let n = stream.read(&mut buf).expect("the stream reads");
        assert!(n > 0, "the stream ended: {seen}");
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    // The first node must have tried (and failed) before it stops, or the
    // restarted node's first attempt would be the only one.
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let (_, log) = api.call("GET", &format!("/api/v1/webhooks/{hook}/deliveries"), None);
        if log["data"][0]["attempts"].as_i64().unwrap_or(0) >= 1 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "no attempt before SIGTERM: {log}"
        );
        std::thread::sleep(Duration::from_millis(50));
    }
    server.signal("TERM");
    loop {
        let n = stream.read(&mut buf).unwrap_or(0);
        if n == 0 {
            break;
        }
        seen.push_str(&String::from_utf8_lossy(&buf[..n]));
    }
    assert!(
        seen.trim_end().ends_with("event: shutdown\ndata: {}"),
        "a final event: {seen}"
    );
    let status = server
        .wait(Duration::from_secs(20))
        .expect("the server exits");
    assert!(status.success(), "{status}");

    // The delivery is still in the outbox, and a restarted node sends it.
    let listener = std::net::TcpListener::bind(("127.0.0.1", port)).expect("the port is free");
    drop(listener);
    let receiver_url = format!("http://127.0.0.1:{port}");
    let db = server.take_db().expect("the database");
    let receiver = Receiver::on_port(port);
    assert_eq!(receiver.url, receiver_url);
    let restarted = Server::start(db, &[], &env(&slow));
    let got = receiver.wait_for(Duration::from_secs(20), |r| !r.is_empty());
    assert_eq!(got[0].json()["data"]["title"], "Storm warning issued");
    // The receiver can have the body before the node has recorded the
    // attempt's outcome: read the log until it says so.
    let api = Api::login(&restarted);
    let deadline = Instant::now() + Duration::from_secs(10);
    let log = loop {
        let (_, log) = api.call("GET", &format!("/api/v1/webhooks/{hook}/deliveries"), None);
        if log["data"][0]["attempts"].as_i64().unwrap_or(0) >= 2 || Instant::now() > deadline {
            break log;
        }
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(
        log["data"][0]["attempts"].as_i64().unwrap_or(0) >= 2,
        "{log}"
    );
}

fn two_nodes_hold_one_rate_limit() {
    let Some(db) = postgres("two_nodes_hold_one_rate_limit") else {
        return;
    };
    let limited = [("NEWSDESK_RATE_LIMIT", "20")];
    let a = Server::start(db, &[], &env(&limited));
    let b = Server::on(&a.url, &[], &env(&limited));
    // The limit is a minute's: start well inside one.
    let second = || {
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_secs() % 60)
    };
    while second() > 50 {
        std::thread::sleep(Duration::from_millis(200));
    }
    let http = reqwest::blocking::Client::new();
    let get = |server: &Server| {
        http.get(format!("{}/api/v1/tags", server.base))
            .send()
            .expect("answers")
            .status()
            .as_u16()
    };
    let on_a: Vec<u16> = (0..15).map(|_| get(&a)).collect();
    assert!(on_a.iter().all(|s| *s == 200), "{on_a:?}");
    // Both nodes share their counts once a second.
    std::thread::sleep(Duration::from_millis(2500));
    let on_b: Vec<u16> = (0..15).map(|_| get(&b)).collect();
    assert_eq!(on_b.iter().filter(|s| **s == 200).count(), 5, "{on_b:?}");
    assert!(on_b[5..].iter().all(|s| *s == 429), "{on_b:?}");
}

/// Views buffered in memory are written when the node stops on SIGTERM:
/// none is lost across a graceful restart.
#[test]
fn views_survive_a_graceful_restart() {
    let hourly = [("NEWSDESK_VIEW_FLUSH_SECONDS", "3600")];
    let mut server = Server::start(TestDb::sqlite(), &[], &env(&hourly));
    let api = Api::login(&server);
    let slug = api.publish("Museum reopens")["slug"]
        .as_str()
        .expect("a slug")
        .to_owned();
    for i in 0..25 {
        let status = api
            .http
            .post(format!("{}/api/v1/articles/{slug}/views", server.base))
            .header("user-agent", format!("Mozilla/5.0 reader {i}"))
            .send()
            .expect("answers")
            .status()
            .as_u16();
        assert_eq!(status, 202);
    }
    server.signal("TERM");
    let status = server
        .wait(Duration::from_secs(20))
        .expect("the server exits");
    assert!(status.success(), "{status}");
    let restarted = Server::start(server.take_db().expect("the database"), &[], &env(&hourly));
    let query = format!(r#"{{ article(slug: "{slug}") {{ viewCount }} }}"#);
    let res: Value = reqwest::blocking::Client::new()
        .post(format!("{}/graphql", restarted.base))
        .json(&json!({"query": query}))
        .send()
        .and_then(|r| r.json())
        .expect("GraphQL answers");
    assert_eq!(res["data"]["article"]["viewCount"], 25, "{res}");
}
