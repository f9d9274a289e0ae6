//! What bounds a live stream: the limit on connections, the heartbeat of
//! an idle one, dropping a client that stops reading, and WebSub leases.

use std::io::{Read, Write};
use std::time::Duration;

use newsdesk_api::auth::AuthSettings;
use newsdesk_api::push::PushSettings;
use newsdesk_domain::events::hooks::{HookKind, NewHook};
use newsdesk_domain::events::EventKind;

use crate::helpers::{assert_problem, published, TestApp, TestDb};

fn spawn(db: TestDb) -> TestApp {
    let push = PushSettings {
        allow_private: true,
        max_streams: 2,
        heartbeat: Duration::from_millis(300),
        ..Default::default()
    };
    TestApp::spawn_full(db, AuthSettings::for_tests(), push)
}

async fn streams_are_bounded_and_kept_alive(app: TestApp) {
    let mut first = app.get("/api/v1/stream").await;
    let _second = app.get("/api/v1/stream").await;
    let third = app.get("/api/v1/stream").await;
    let problem = assert_problem(third, 503).await;
    let metrics = app.get("/metrics").await.text().await.expect("text");
    assert!(metrics.contains("newsdesk_live_connections 2"), "{metrics}");
    assert!(problem["detail"]
        .as_str()
        .unwrap_or_default()
        .contains("live connections"));
    // An idle stream hears a heartbeat.
    let mut text = String::new();
    while !text.contains(": heartbeat") {
        let chunk = actix_web::rt::time::timeout(Duration::from_secs(5), first.chunk())
            .await
            .expect("a heartbeat in time")
            .expect("reads")
            .expect("open");
        text.push_str(&String::from_utf8_lossy(&chunk));
    }
    drop(first);
    // A closed stream gives its place back.
    let mut reopened = None;
    for _ in 0..50 {
        let res = app.get("/api/v1/stream").await;
        if res.status().as_u16() == 200 {
            reopened = Some(res);
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(reopened.is_some(), "the place was not given back");
}

/// A client that stops reading is dropped with `event: overflow` once it
/// is more than a channel's worth behind; the server does not queue for it.
async fn a_client_that_stops_reading_is_dropped(app: TestApp) {
    let addr = app.base.trim_start_matches("http://").to_owned();
    let mut slow = std::net::TcpStream::connect(&addr).expect("connects");
    write!(slow, "GET /api/v1/stream HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("sent");
    actix_web::rt::time::sleep(Duration::from_millis(200)).await;
    // Far more than the socket buffers hold: each event carries its article.
    let body = "A long paragraph of the report. ".repeat(300);
    let inputs = (0..1500)
        .map(|i| {
            let mut a = published(&format!("Flood bulletin {i}"), 1);
            a.body = Some(body.clone());
            a
        })
        .collect();
    app.seed(inputs);
    // The client reads nothing until every event has been handed out.
    let last = app.state.store.last_seq().expect("the log");
    crate::helpers::wait_until(Duration::from_secs(60), "the pump", || {
        app.state.push.position() >= last
    })
    .await;
    slow.set_read_timeout(Some(Duration::from_secs(5)))
        .expect("timeout");
    let read = actix_web::rt::task::spawn_blocking(move || {
        let mut seen = Vec::new();
        let mut buf = [0u8; 65536];
        while let Ok(n) = slow.read(&mut buf) {
            if n == 0 {
                break;
            }
            seen.extend_from_slice(&buf[..n]);
            let tail = &seen[seen.len().saturating_sub(n + 64)..];
            if String::from_utf8_lossy(tail).contains("event: overflow") {
                break;
            }
        }
        seen
    })
    .await
    .expect("read");
    let text = String::from_utf8_lossy(&read);
    assert!(
        text.contains("event: overflow"),
        "{} bytes, no overflow",
        read.len()
    );
    assert!(text.matches("event: article.published").count() < 1500);
}

async fn websub_leases_end(app: TestApp) {
    let now = chrono::Utc::now();
    let hook = NewHook {
        kind: HookKind::Websub,
        url: "http://127.0.0.1:9/cb".into(),
        events: vec![EventKind::ArticlePublished],
        secret: None,
        topic: Some("https://news.example/feeds/rss.xml".into()),
        expires_at: Some(now - chrono::Duration::seconds(1)),
    };
    let store = app.state.store.clone();
    let added = store.add_hook(&hook, now).expect("stored");
    app.seed(vec![published("After the lease", 0)]);
    assert!(
        store
            .deliveries(added.id, 10, None)
            .expect("log")
            .is_empty(),
        "an ended lease gets nothing"
    );
    assert_eq!(store.expire_leases(now).expect("expired"), 1);
    assert!(store.hooks(HookKind::Websub).expect("hooks").is_empty());
}

mod sqlite {
    #[actix_web::test]
    async fn streams_are_bounded_and_kept_alive() {
        super::streams_are_bounded_and_kept_alive(super::spawn(super::TestDb::sqlite())).await
    }

    #[actix_web::test]
    async fn a_client_that_stops_reading_is_dropped() {
        super::a_client_that_stops_reading_is_dropped(super::spawn(super::TestDb::sqlite())).await
    }

    #[actix_web::test]
    async fn websub_leases_end() {
        super::websub_leases_end(super::spawn(super::TestDb::sqlite())).await
    }
}

mod postgres {
    #[actix_web::test]
    async fn streams_are_bounded_and_kept_alive() {
        if let Some(db) = super::TestDb::postgres("streams_are_bounded_and_kept_alive") {
            super::streams_are_bounded_and_kept_alive(super::spawn(db)).await
        }
    }

    #[actix_web::test]
    async fn websub_leases_end() {
        if let Some(db) = super::TestDb::postgres("websub_leases_end") {
            super::websub_leases_end(super::spawn(db)).await
        }
    }
}
