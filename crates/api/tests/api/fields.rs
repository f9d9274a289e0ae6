//! Sparse fieldsets (`?fields=`) on lists and single reads, and lean lists
//! that do not read bodies.

use newsdesk_domain::paging::PageLimit;
use newsdesk_domain::query::{ArticleFilter, ArticleQuery, Visibility};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, published, TestApp};

fn keys(v: &Value) -> Vec<String> {
    let mut k: Vec<String> = v.as_object().expect("an object").keys().cloned().collect();
    k.sort();
    k
}

async fn only_the_named_fields_are_sent(app: TestApp) {
    app.seed(vec![
        published("Tram line extended", 2),
        published("Bridge closed", 1),
    ]);
    let (status, full) = app.get_json("/api/v1/articles").await;
    assert_eq!(status, 200);
    let (status, lean) = app
        .get_json("/api/v1/articles?fields=slug,title,excerpt,published_at")
        .await;
    assert_eq!(status, 200);
    let items = lean["data"].as_array().expect("a list");
    assert_eq!(items.len(), 2);
    for (item, whole) in items.iter().zip(full["data"].as_array().expect("a list")) {
        assert_eq!(keys(item), ["excerpt", "published_at", "slug", "title"]);
        assert_eq!(item["title"], whole["title"]);
        assert_eq!(item["excerpt"], whole["excerpt"]);
    }
    assert_eq!(lean["meta"]["limit"], 20);
    let (_, one) = app
        .get_json("/api/v1/articles/bridge-closed?fields=title,body_text,tags")
        .await;
    assert_eq!(keys(&one["data"]), ["body_text", "tags", "title"]);
    assert!(one["data"]["body_text"]
        .as_str()
        .is_some_and(|b| b.contains("Bridge closed")));

    let res = app.get("/api/v1/articles?fields=slug,password").await;
    let problem = assert_problem(res, 422).await;
    assert_eq!(problem["errors"][0]["field"], "fields");
    assert!(problem["errors"][0]["message"]
        .as_str()
        .is_some_and(|m| m.contains("password")));
    assert_problem(app.get("/api/v1/articles/bridge-closed?fields=").await, 422).await;
}

async fn lean_lists_read_no_bodies(app: TestApp) {
    app.seed(vec![published("Harbour dues", 1)]);
    let query = |lean: bool| {
        ArticleQuery::new(
            ArticleFilter::default(),
            PageLimit::parse(None).expect("a limit"),
            None,
            Visibility::Public {
                now: chrono::Utc::now(),
            },
        )
        .expect("a query")
        .lean(lean)
    };
    let full = app
        .state
        .store
        .list_articles(&query(false))
        .expect("a list");
    let lean = app.state.store.list_articles(&query(true)).expect("a list");
    assert!(!full[0].body_html.is_empty() && !full[0].body_text.is_empty());
    assert_eq!(
        (lean[0].body_html.as_str(), lean[0].body_text.as_str()),
        ("", "")
    );
    assert_eq!(lean[0].title, full[0].title);
    assert_eq!(lean[0].word_count, full[0].word_count);
    // GraphQL asks for bodies only when the query selects them.
    let res = app
        .gql(
            "{ articles { edges { node { title bodyText } } } }",
            json!({}),
        )
        .await;
    let body = &res["data"]["articles"]["edges"][0]["node"]["bodyText"];
    assert!(
        body.as_str().is_some_and(|b| b.contains("Harbour dues")),
        "{res}"
    );
}

e2e!(only_the_named_fields_are_sent, lean_lists_read_no_bodies);
