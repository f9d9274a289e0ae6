//! Page views and most-read: bots, empty user agents and repeats not
//! counted, minute buckets written in batches, windows read with a clock
//! the test moves, roll-ups, and the GraphQL side.

use chrono::TimeDelta;
use serde_json::{json, Value};

use crate::helpers::{assert_problem, published, TestApp};

async fn view(app: &TestApp, slug: &str, agent: &str) -> u16 {
    app.client
        .post(format!("{}/api/v1/articles/{slug}/views", app.base))
        .header("user-agent", agent)
        .send()
        .await
        .expect("sent")
        .status()
        .as_u16()
}

async fn most_read(app: &TestApp, query: &str) -> Vec<(String, i64, String)> {
    let (status, body) = app
        .get_json(&format!("/api/v1/analytics/most-read?{query}"))
        .await;
    assert_eq!(status, 200, "{body}");
    body["data"]
        .as_array()
        .cloned()
        .unwrap_or_default()
        .iter()
        .map(|e| {
            (
                e["article"]["slug"].as_str().unwrap_or_default().to_owned(),
                e["views"].as_i64().unwrap_or(-1),
                e["reason"].as_str().unwrap_or_default().to_owned(),
            )
        })
        .collect()
}

/// Waits until the list of `query` is `want` (slug, views): lists are
/// served while a newer one is computed, so a change shows a moment later.
async fn most_read_becomes(
    app: &TestApp,
    query: &str,
    want: &[(&str, i64)],
) -> Vec<(String, i64, String)> {
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(5);
    loop {
        let got = most_read(app, query).await;
        let pairs: Vec<(&str, i64)> = got.iter().map(|(s, n, _)| (s.as_str(), *n)).collect();
        if pairs == want {
            return got;
        }
        assert!(
            std::time::Instant::now() < deadline,
            "{query}: {got:?}, not {want:?}"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(50)).await;
    }
}

/// GraphQL reads the same counts.
async fn assert_graphql_counts(app: &TestApp) {
    let res = app
        .gql(
            r#"{ mostRead(window: "24h", first: 2) { views reason article { slug viewCount } } }"#,
            json!({}),
        )
        .await;
    assert_eq!(
        res["data"]["mostRead"][0]["article"]["slug"], "cup-final-tonight",
        "{res}"
    );
    assert_eq!(res["data"]["mostRead"][0]["article"]["viewCount"], 6);
    assert_eq!(
        res["data"]["mostRead"][1]["reason"],
        "3 views in the last 24 hours"
    );
}

async fn flush(app: &TestApp) {
    app.state.views.flush(&app.state).await;
}

async fn views_count_people_once_and_most_read_follows_the_clock(app: TestApp) {
    let mut sport = published("Cup final tonight", 5);
    sport.section = Some("Sport".into());
    let mut draft = published("Embargoed plan", 5);
    draft.status = Some("draft".into());
    app.seed(vec![published("Harbour plan", 5), sport, draft]);
    let draft_view = view(&app, "embargoed-plan", "Mozilla/5.0 (X11) one").await;
    assert_eq!(draft_view, 404, "an unpublished article takes no views");
    for agent in [
        "Mozilla/5.0 (X11) one",
        "Mozilla/5.0 (X11) two",
        "Mozilla/5.0 (X11) three",
    ] {
        assert_eq!(view(&app, "harbour-plan", agent).await, 202);
    }
    // A repeat, bots and an empty user agent: accepted, not counted.
    for agent in [
        "Mozilla/5.0 (X11) one",
        "Googlebot/2.1 (+http://www.google.com/bot.html)",
        "curl/8.0",
        "",
    ] {
        assert_eq!(view(&app, "harbour-plan", agent).await, 202);
    }
    assert_eq!(
        view(&app, "cup-final-tonight", "Mozilla/5.0 (Mac) four").await,
        202
    );
    // Unknown and unpublished slugs are refused, and nothing is buffered.
    assert_problem(
        app.client
            .post(format!("{}/api/v1/articles/nope/views", app.base))
            .header("user-agent", "Mozilla/5.0")
            .send()
            .await
            .expect("sent"),
        404,
    )
    .await;
    flush(&app).await;
    let hour = most_read_becomes(
        &app,
        "window=1h",
        &[("harbour-plan", 3), ("cup-final-tonight", 1)],
    )
    .await;
    assert_eq!(hour[0].2, "3 views in the last hour");
    assert_eq!(hour[1].2, "1 view in the last hour");

    // Two hours on, only new views are in the last hour; 24 h holds both.
    app.state.clock.advance(TimeDelta::hours(2));
    for i in 0..5 {
        let agent = format!("Mozilla/5.0 later {i}");
        assert_eq!(view(&app, "cup-final-tonight", &agent).await, 202);
    }
    flush(&app).await;
    most_read_becomes(&app, "window=1h", &[("cup-final-tonight", 5)]).await;
    most_read_becomes(
        &app,
        "window=24h",
        &[("cup-final-tonight", 6), ("harbour-plan", 3)],
    )
    .await;
    most_read_becomes(&app, "window=7d&section=sport", &[("cup-final-tonight", 6)]).await;
    assert_eq!(most_read(&app, "window=7d&limit=1").await.len(), 1);

    for bad in ["window=2h", "limit=0", "limit=51"] {
        let (status, _) = app
            .get_json(&format!("/api/v1/analytics/most-read?{bad}"))
            .await;
        assert_eq!(status, 422, "{bad}");
    }
    let (status, _) = app
        .get_json("/api/v1/analytics/most-read?section=nowhere")
        .await;
    assert_eq!(status, 404);

    assert_graphql_counts(&app).await;
}

async fn record_view_in_graphql(app: TestApp) {
    app.seed(vec![published("Bridge opens", 1)]);
    let record = |agent: &'static str| {
        let app = &app;
        async move {
            app.client
                .post(format!("{}/graphql", app.base))
                .header("user-agent", agent)
                .json(&json!({"query": r#"mutation { recordView(slug: "bridge-opens") }"#}))
                .send()
                .await
                .expect("sent")
                .json::<Value>()
                .await
                .expect("JSON")
        }
    };
    assert_eq!(
        record("Mozilla/5.0 reader").await["data"]["recordView"],
        true
    );
    assert_eq!(
        record("Mozilla/5.0 reader").await["data"]["recordView"],
        false,
        "a repeat"
    );
    assert_eq!(
        record("bingbot/2.0").await["data"]["recordView"],
        false,
        "a bot"
    );
    flush(&app).await;
    let res = app
        .gql(
            r#"{ article(slug: "bridge-opens") { viewCount } }"#,
            json!({}),
        )
        .await;
    assert_eq!(res["data"]["article"]["viewCount"], 1, "{res}");
    let bad = app
        .gql(r#"mutation { recordView(slug: "nope") }"#, json!({}))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "NOT_FOUND");
    let bad = app
        .gql(r#"{ mostRead(window: "2h") { views } }"#, json!({}))
        .await;
    assert_eq!(bad["errors"][0]["extensions"]["code"], "BAD_USER_INPUT");
}

/// Old minute buckets roll into hours, old hours into days; totals stay.
async fn old_buckets_roll_up(app: TestApp) {
    app.seed(vec![published("Old news", 24 * 40)]);
    let id: i64 = app.get_json("/api/v1/articles/old-news").await.1["data"]["id"]
        .as_str()
        .and_then(|s| s.parse().ok())
        .expect("an id");
    let now = newsdesk_domain::views::minute_of(app.state.now());
    let store = app.state.store.clone();
    let days_ago = |d: i64| now - d * 24 * 60;
    let rows = [
        (id, days_ago(3), 2),
        (id, days_ago(3) + 1, 3),
        (id, days_ago(35), 4),
        (id, days_ago(35) + 7, 1),
    ];
    store.add_views(&rows).expect("added");
    let before = store.view_counts(&[id]).expect("counted");
    store
        .roll_up_views(
            now - newsdesk_domain::views::HOURS_AFTER_MINUTES,
            now - newsdesk_domain::views::DAYS_AFTER_MINUTES,
        )
        .expect("rolled");
    assert_eq!(
        store.view_counts(&[id]).expect("counted"),
        before,
        "{before:?}"
    );
    assert_eq!(before, [(id, 10)]);
    // Rolled twice changes nothing more.
    store
        .roll_up_views(
            now - newsdesk_domain::views::HOURS_AFTER_MINUTES,
            now - newsdesk_domain::views::DAYS_AFTER_MINUTES,
        )
        .expect("rolled");
    assert_eq!(store.view_counts(&[id]).expect("counted"), before);
    let week = store
        .most_read(now - 7 * 24 * 60, None, app.state.now(), 10)
        .expect("read");
    assert_eq!(
        week,
        [(id, 5)],
        "the 3-day-old views, now in an hour bucket"
    );
}

/// `mostReadChanged` sends the list now, then again when it changes.
async fn most_read_changes_are_pushed(app: TestApp) {
    app.seed(vec![published("Rail timetable", 1)]);
    let rx = crate::live::subscribe(
        &app.base,
        r#"subscription { mostReadChanged(window: "1h") { views reason article { slug } } }"#,
    );
    let first = crate::live::next_of(&rx, "next").await;
    assert_eq!(
        first["payload"]["data"]["mostReadChanged"],
        json!([]),
        "{first}"
    );
    assert_eq!(
        view(&app, "rail-timetable", "Mozilla/5.0 reader").await,
        202
    );
    let next = crate::live::next_of(&rx, "next").await;
    let list = &next["payload"]["data"]["mostReadChanged"];
    assert_eq!(list[0]["article"]["slug"], "rail-timetable", "{next}");
    assert_eq!(list[0]["views"], 1);
    assert_eq!(list[0]["reason"], "1 view in the last hour");
}

e2e!(
    most_read_changes_are_pushed,
    views_count_people_once_and_most_read_follows_the_clock,
    record_view_in_graphql,
    old_buckets_roll_up,
);
