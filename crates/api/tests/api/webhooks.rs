//! Webhooks: Standard Webhooks signatures a library verifies, the delivery
//! log, retries, failure and disabling, redelivery, and refusals.

use std::time::Duration;

use newsdesk_e2e::receiver::{Answer, Receiver};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, wait_until, TestApp};

const SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

async fn hook(app: &TestApp, admin: &str, url: &str, events: &[&str]) -> Value {
    let res = app
        .send(
            "POST",
            "/api/v1/webhooks",
            Some(admin),
            Some(json!({"url": url, "events": events, "secret": SECRET})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    res.json::<Value>().await.expect("JSON")["data"].clone()
}

async fn publish(app: &TestApp, token: &str, title: &str) -> String {
    let res = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(token),
            Some(json!({"title": title, "body": format!("{title} in a body."), "body_format": "text", "status": "published", "section": "Home News"})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 201);
    res.json::<Value>().await.expect("JSON")["data"]["slug"]
        .as_str()
        .expect("a slug")
        .to_owned()
}

async fn deliveries(app: &TestApp, admin: &str, hook_id: &str) -> Vec<Value> {
    let res = app
        .send(
            "GET",
            &format!("/api/v1/webhooks/{hook_id}/deliveries"),
            Some(admin),
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    res.json::<Value>().await.expect("JSON")["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
}

/// Verifies a delivery with the Standard Webhooks library, as receivers
/// do, and shows the same library refusing it replayed ten minutes later.
fn verify_like_a_receiver(got: &newsdesk_e2e::receiver::Received) {
    let mut headers = http::HeaderMap::new();
    for name in ["webhook-id", "webhook-timestamp", "webhook-signature"] {
        headers.insert(name, got.header(name).parse().expect("a header value"));
    }
    let verifier = standardwebhooks::Webhook::new(SECRET).expect("the secret parses");
    verifier
        .verify(&got.body, &headers)
        .expect("the signature verifies");
    let old = chrono::Utc::now().timestamp() - 600;
    let replay = verifier
        .sign(got.header("webhook-id"), old, &got.body)
        .expect("signs");
    headers.insert("webhook-timestamp", old.to_string().parse().expect("value"));
    headers.insert("webhook-signature", replay.parse().expect("value"));
    assert!(verifier.verify(&got.body, &headers).is_err());
}

async fn webhooks_are_signed_as_standard_webhooks_and_logged(app: TestApp) {
    let admin = app.staff("admin@example.com", "admin");
    let receiver = Receiver::ok();
    let created = hook(
        &app,
        &admin,
        &receiver.url,
        &["article.published", "article.deleted"],
    )
    .await;
    assert!(created.get("secret").is_some(), "the secret is shown once");
    let listed = app
        .send("GET", "/api/v1/webhooks", Some(&admin), None)
        .await;
    let listed: Value = listed.json().await.expect("JSON");
    assert_eq!(listed["data"][0]["url"], created["url"]);
    assert!(
        listed["data"][0].get("secret").is_none(),
        "never shown again"
    );

    let slug = publish(&app, &admin, "Bridge reopens after repairs").await;
    wait_until(Duration::from_secs(10), "a delivery", || {
        !receiver.received().is_empty()
    })
    .await;
    let got = receiver.received().remove(0);

    verify_like_a_receiver(&got);
    let body = got.json();
    assert_eq!(body["type"], "article.published");
    assert_eq!(body["data"]["slug"], slug);
    assert!(got.header("webhook-id").starts_with("evt_"));
    assert_eq!(got.header("content-type"), "application/json");

    // Events the hook did not ask for are not sent; the log shows the one.
    let id = created["id"].as_str().expect("an id");
    let res = app
        .send(
            "PATCH",
            &format!("/api/v1/articles/{slug}"),
            Some(&admin),
            Some(json!({"title": "Bridge reopens"})),
        )
        .await;
    assert_eq!(res.status().as_u16(), 200);
    let log = deliveries(&app, &admin, id).await;
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["attempts"], 1);
    assert_eq!(log[0]["last_status_code"], 200);
    assert_eq!(log[0]["event_id"], got.header("webhook-id"));
    assert_delivery_counted(&app).await;

    // Deleting it stops the deliveries.
    let res = app
        .send(
            "DELETE",
            &format!("/api/v1/webhooks/{id}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 204);
    let res = app
        .send(
            "DELETE",
            &format!("/api/v1/articles/{slug}"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 204);
    actix_web::rt::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(receiver.received().len(), 1);
}

async fn failing_receivers_are_retried_failed_disabled_and_redelivered(app: TestApp) {
    let admin = app.staff("admin@example.com", "admin");
    let healthy = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let flag = healthy.clone();
    let receiver = Receiver::scripted(move |_, _| {
        Answer::status(if flag.load(std::sync::atomic::Ordering::SeqCst) {
            200
        } else {
            500
        })
    });
    let created = hook(&app, &admin, &receiver.url, &["article.published"]).await;
    let id = created["id"].as_str().expect("an id").to_owned();
    publish(&app, &admin, "Council meets on budget").await;
    // Three attempts (the first and two retries), then failed.
    wait_until(Duration::from_secs(15), "three attempts", || {
        receiver.received().len() >= 3
    })
    .await;
    actix_web::rt::time::sleep(Duration::from_millis(600)).await;
    let got = receiver.received();
    assert_eq!(got.len(), 3, "no fourth attempt");
    assert_eq!(
        got[0].header("webhook-id"),
        got[2].header("webhook-id"),
        "one event id for every attempt"
    );
    let log = deliveries(&app, &admin, &id).await;
    assert_eq!(log[0]["status"], "failed");
    assert_eq!(log[0]["attempts"], 3);
    assert_eq!(log[0]["last_status_code"], 500);

    let res = app
        .send("GET", &format!("/api/v1/webhooks/{id}"), Some(&admin), None)
        .await;
    let hook: Value = res.json().await.expect("JSON");
    assert_eq!(hook["data"]["enabled"], false);
    let reason = hook["data"]["disabled_reason"].as_str().unwrap_or_default();
    assert!(reason.contains("HTTP 500"), "{reason}");
    // A disabled hook gets no new deliveries.
    publish(&app, &admin, "Second story while disabled").await;
    assert_eq!(deliveries(&app, &admin, &id).await.len(), 1);

    // Redelivery sends it again; a success brings the hook back.
    healthy.store(true, std::sync::atomic::Ordering::SeqCst);
    let delivery = log[0]["id"].as_str().expect("an id");
    let res = app
        .send(
            "POST",
            &format!("/api/v1/webhooks/{id}/deliveries/{delivery}/redeliver"),
            Some(&admin),
            None,
        )
        .await;
    assert_eq!(res.status().as_u16(), 202);
    wait_until(Duration::from_secs(10), "the redelivery", || {
        receiver.received().len() >= 4
    })
    .await;
    assert_eq!(receiver.received()[3].answered, 200);
    assert_recovered(&app, &admin, &id).await;
    let res = app
        .send(
            "POST",
            &format!("/api/v1/webhooks/{id}/deliveries/999999/redeliver"),
            Some(&admin),
            None,
        )
        .await;
    assert_problem(res, 404).await;
}

async fn assert_delivery_counted(app: &TestApp) {
    let metrics = app.get("/metrics").await.text().await.expect("text");
    let line = "newsdesk_event_deliveries_total{receiver=\"webhook\",outcome=\"delivered\"} 1";
    assert!(metrics.contains(line), "{metrics}");
}

/// The log says delivered after the fourth attempt, and the hook is enabled.
async fn assert_recovered(app: &TestApp, admin: &str, id: &str) {
    let mut log = deliveries(app, admin, id).await;
    for _ in 0..50 {
        if log[0]["status"] == "delivered" {
            break;
        }
        actix_web::rt::time::sleep(Duration::from_millis(50)).await;
        log = deliveries(app, admin, id).await;
    }
    assert_eq!(log[0]["status"], "delivered");
    assert_eq!(log[0]["attempts"], 4);
    let res = app
        .send("GET", &format!("/api/v1/webhooks/{id}"), Some(admin), None)
        .await;
    let hook: Value = res.json().await.expect("JSON");
    assert_eq!(hook["data"]["enabled"], true);
}

e2e_push!(
    webhooks_are_signed_as_standard_webhooks_and_logged,
    failing_receivers_are_retried_failed_disabled_and_redelivered,
);

/// With the default settings: receivers on private addresses are refused.
mod refusals {
    use super::*;

    async fn bad_webhooks_are_refused_and_change_nothing(app: TestApp) {
        let admin = app.staff("admin@example.com", "admin");
        let editor = app.staff("editor@example.com", "editor");
        let ok = json!({"url": "https://hooks.example.com/in", "events": ["article.published"]});
        let cases = [
            (
                json!({"url": "ftp://hooks.example.com/", "events": ["article.published"]}),
                "url",
            ),
            (
                json!({"url": "http://127.0.0.1:9/in", "events": ["article.published"]}),
                "url",
            ),
            (
                json!({"url": "http://10.0.0.8/in", "events": ["article.published"]}),
                "url",
            ),
            (
                json!({"url": "https://no-such-host.invalid/in", "events": ["article.published"]}),
                "url",
            ),
            (
                json!({"url": "http://localhost/in", "events": ["article.published"]}),
                "url",
            ),
            (
                json!({"url": "https://hooks.example.com/in", "events": ["article.exploded"]}),
                "events",
            ),
            (
                json!({"url": "https://hooks.example.com/in", "events": []}),
                "events",
            ),
            (
                json!({"url": "https://hooks.example.com/in", "events": ["article.published"], "secret": "whsec_c2hvcnQ="}),
                "secret",
            ),
            (
                json!({"url": "https://hooks.example.com/in", "events": ["article.published"], "secret": "hunter2"}),
                "secret",
            ),
        ];
        for (body, field) in cases {
            let res = app
                .send("POST", "/api/v1/webhooks", Some(&admin), Some(body.clone()))
                .await;
            let problem = assert_problem(res, 422).await;
            assert_eq!(problem["errors"][0]["field"], field, "{body}");
        }
        let res = app
            .send("POST", "/api/v1/webhooks", Some(&admin), Some(json!({"url": "https://a.example/", "events": ["article.published"], "colour": "red"})))
            .await;
        assert_problem(res, 400).await;
        let res = app
            .send("POST", "/api/v1/webhooks", Some(&editor), Some(ok.clone()))
            .await;
        assert_problem(res, 403).await;
        let res = app.send("POST", "/api/v1/webhooks", None, Some(ok)).await;
        assert_problem(res, 401).await;
        let res = app
            .send("GET", "/api/v1/webhooks", Some(&admin), None)
            .await;
        let listed: Value = res.json().await.expect("JSON");
        assert_eq!(listed["data"], json!([]), "nothing was created");
        for path in ["/api/v1/webhooks/1", "/api/v1/webhooks/x/deliveries"] {
            assert_problem(app.send("GET", path, Some(&admin), None).await, 404).await;
        }
    }

    e2e!(bad_webhooks_are_refused_and_change_nothing);
}
