//! Feeds and sitemaps, read by real consumers: feed-rs parses every feed,
//! quick-xml every sitemap.

use chrono::{TimeDelta, Utc};
use newsdesk_domain::article::ArticleInput;
use quick_xml::events::Event;
use serde_json::json;

use crate::helpers::{assert_problem, published, TestApp};

e2e!(
    feeds_parse_and_hold_only_public_articles,
    feeds_narrow_and_refuse_unknown_terms,
    feeds_revalidate_and_follow_writes,
    sitemaps_list_public_articles_and_news_the_last_two_days,
);

fn seed(app: &TestApp) {
    app.seed(vec![
        ArticleInput {
            tags: vec!["Harbour".into()],
            section: Some("Home News".into()),
            authors: vec!["Kim Lee".into()],
            body: Some("The <b>harbour</b> wall held.\n\nSecond paragraph.".into()),
            ..published("Harbour wall holds", 2)
        },
        ArticleInput {
            tags: vec!["Rail".into()],
            ..published("Rail strike called off", 60)
        },
        ArticleInput {
            status: Some("draft".into()),
            ..published("A draft never syndicated", 1)
        },
        ArticleInput {
            status: Some("scheduled".into()),
            published_at: Some((Utc::now() + TimeDelta::hours(5)).to_rfc3339()),
            ..published("Embargoed until tonight", 0)
        },
    ]);
}

async fn parsed(app: &TestApp, path: &str) -> feed_rs::model::Feed {
    let res = app.get(path).await;
    assert_eq!(res.status(), 200, "{path}");
    let bytes = res.bytes().await.expect("body");
    feed_rs::parser::parse(&bytes[..]).unwrap_or_else(|e| panic!("{path} does not parse: {e}"))
}

fn titles(feed: &feed_rs::model::Feed) -> Vec<String> {
    feed.entries
        .iter()
        .map(|e| {
            e.title
                .as_ref()
                .map(|t| t.content.clone())
                .unwrap_or_default()
        })
        .collect()
}

async fn feeds_parse_and_hold_only_public_articles(app: TestApp) {
    seed(&app);
    let editor = app.staff("ed@example.org", "editor");
    let res = app
        .send(
            "POST",
            "/api/v1/articles/harbour-wall-holds/corrections",
            Some(&editor),
            Some(json!({"text": "The wall is 40 metres long, not 400."})),
        )
        .await;
    assert_eq!(res.status(), 201);
    for path in ["/feeds/rss.xml", "/feeds/atom.xml", "/feeds/feed.json"] {
        let feed = parsed(&app, path).await;
        assert_eq!(
            titles(&feed),
            ["Harbour wall holds", "Rail strike called off"],
            "{path}"
        );
        let first = &feed.entries[0];
        let link = &first.links[0].href;
        assert_eq!(
            link, "https://news.example/articles/harbour-wall-holds",
            "{path}"
        );
        let body = first
            .content
            .as_ref()
            .and_then(|c| c.body.clone())
            .expect("content");
        assert!(body.contains("<b>harbour</b>"), "{path}: {body}");
        assert!(
            body.contains("40 metres long"),
            "{path}: the correction is in the content"
        );
        assert!(
            first.authors.iter().any(|p| p.name == "Kim Lee"),
            "{path}: {:?}",
            first.authors
        );
        assert!(
            first
                .categories
                .iter()
                .any(|c| c.term == "Harbour" || c.label.as_deref() == Some("Harbour")),
            "{path}: {:?}",
            first.categories
        );
        if path != "/feeds/rss.xml" {
            let corrected = first.updated.expect("updated");
            assert!(corrected > first.published.expect("published"), "{path}");
        }
    }
    let rss = app.get("/feeds/rss.xml").await.text().await.expect("text");
    // A guid is a permalink unless it says otherwise (RSS 2.0).
    assert!(!rss.contains("isPermaLink=\"false\""));
    let feed = feed_rs::parser::parse(rss.as_bytes()).expect("parses");
    assert_eq!(
        feed.entries[0].id,
        "https://news.example/articles/harbour-wall-holds"
    );
    assert!(rss.contains("<atom:link href=\"https://news.example/feeds/rss.xml\" rel=\"self\""));
}

async fn feeds_narrow_and_refuse_unknown_terms(app: TestApp) {
    seed(&app);
    let feed = parsed(&app, "/feeds/atom.xml?tag=rail").await;
    assert_eq!(titles(&feed), ["Rail strike called off"]);
    let feed = parsed(&app, "/feeds/rss.xml?section=home-news&author=kim-lee").await;
    assert_eq!(titles(&feed), ["Harbour wall holds"]);
    let feed = parsed(&app, "/feeds/rss.xml?tag=&section=").await;
    assert_eq!(feed.entries.len(), 2, "empty parameters narrow nothing");
    let feed = parsed(&app, "/feeds/feed.json?limit=1").await;
    assert_eq!(feed.entries.len(), 1);
    assert_problem(app.get("/feeds/rss.xml?tag=no-such-tag").await, 404).await;
    assert_problem(app.get("/feeds/atom.xml?author=nobody").await, 404).await;
    assert_problem(app.get("/feeds/rss.xml?limit=101").await, 422).await;
    assert_problem(app.get("/feeds/podcast.xml").await, 404).await;
}

async fn feeds_revalidate_and_follow_writes(app: TestApp) {
    seed(&app);
    let res = app.get("/feeds/rss.xml").await;
    let etag = res.headers()["etag"].to_str().expect("etag").to_owned();
    let keys = res.headers()["surrogate-key"]
        .to_str()
        .expect("keys")
        .to_owned();
    assert!(
        keys.contains("feeds") && keys.contains("article:"),
        "{keys}"
    );
    let again = app
        .client
        .get(format!("{}/feeds/rss.xml", app.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(again.status(), 304);
    let editor = app.staff("ed@example.org", "editor");
    let res = app
        .send(
            "PATCH",
            "/api/v1/articles/rail-strike-called-off",
            Some(&editor),
            Some(json!({"status": "draft"})),
        )
        .await;
    assert_eq!(res.status(), 200);
    let after = app
        .client
        .get(format!("{}/feeds/rss.xml", app.base))
        .header("if-none-match", &etag)
        .send()
        .await
        .expect("sent");
    assert_eq!(
        after.status(),
        200,
        "a write makes the old copy stale at once"
    );
    let bytes = after.bytes().await.expect("body");
    let feed = feed_rs::parser::parse(&bytes[..]).expect("parses");
    assert_eq!(titles(&feed), ["Harbour wall holds"]);
}

/// The text of every element named `name`, read with a real XML parser.
fn texts(xml: &str, name: &str) -> Vec<String> {
    let mut reader = quick_xml::Reader::from_str(xml);
    let (mut out, mut inside) = (Vec::new(), false);
    loop {
        match reader.read_event().expect("well-formed XML") {
            Event::Start(e) => inside = e.name().as_ref() == name.as_bytes(),
            Event::Text(t) if inside => out.push(t.unescape().expect("text").into_owned()),
            Event::End(_) => inside = false,
            Event::Eof => return out,
            _ => {}
        }
    }
}

async fn sitemaps_list_public_articles_and_news_the_last_two_days(app: TestApp) {
    seed(&app);
    let index = app.get("/sitemap.xml").await.text().await.expect("text");
    let files = texts(&index, "loc");
    assert_eq!(files, ["https://news.example/sitemaps/0.xml"]);
    let file = app.get("/sitemaps/0.xml").await.text().await.expect("text");
    let mut urls = texts(&file, "loc");
    urls.sort();
    assert_eq!(
        urls,
        [
            "https://news.example/articles/harbour-wall-holds",
            "https://news.example/articles/rail-strike-called-off"
        ]
    );
    assert_eq!(texts(&file, "lastmod").len(), 2);
    assert_problem(app.get("/sitemaps/7.xml").await, 404).await;
    assert_problem(app.get("/sitemaps/x.xml").await, 404).await;
    let news = app
        .get("/news-sitemap.xml")
        .await
        .text()
        .await
        .expect("text");
    assert_eq!(texts(&news, "news:title"), ["Harbour wall holds"]);
    assert_eq!(texts(&news, "news:name"), ["news.example"]);
    assert_eq!(texts(&news, "news:language"), ["en"]);
    let robots = app.get("/robots.txt").await.text().await.expect("text");
    assert!(robots.contains("Sitemap: https://news.example/sitemap.xml"));
    assert!(robots.contains("Sitemap: https://news.example/news-sitemap.xml"));
}
