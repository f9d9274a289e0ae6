//! Suggestions for editors, over REST and GraphQL, and their quality: on
//! the six labelled corpora every article's tags are hidden (its text is sent
//! as a draft under its own slug, so it is never its own neighbour), and
//! the top three suggested tags are compared with the ones it really has,
//! and the related articles to link are judged as /related's are.

use std::collections::HashSet;

use serde_json::{json, Value};

use crate::helpers::{assert_problem, TestApp};
use crate::relevance::{
    corpus_of, ndcg_at_5, Doc, CORPUS_A, CORPUS_B, CORPUS_C, CORPUS_D, CORPUS_E, CORPUS_F,
};

e2e!(
    suggestions_need_an_author_and_some_words,
    suggested_tags_are_right_on_corpus_a,
    suggested_tags_are_right_on_corpus_b,
    suggested_tags_are_right_on_corpus_c,
    suggested_tags_are_right_on_corpus_d,
    suggested_tags_are_right_on_corpus_e,
    suggested_tags_are_right_on_corpus_f
);

async fn suggestions_need_an_author_and_some_words(app: TestApp) {
    let (docs, inputs) = corpus_of(CORPUS_A);
    app.seed(inputs);
    let draft = json!({"title": "River Tamble floods Riverton again", "body": "The mill bridge flood gauges rose."});
    let res = app
        .send("POST", "/api/v1/suggestions", None, Some(draft.clone()))
        .await;
    assert_problem(res, 401).await;
    let author = app.staff("writer@example.com", "author");
    // Shapes serde refuses are 400, as on every route; no words is 422.
    for (bad, status) in [
        (json!({"title": "", "body": "   "}), 422),
        (json!({"title": "the and of"}), 422),
        (json!({"title": "Flood", "tags": ["x"]}), 400),
        (json!({"title": 5}), 400),
    ] {
        let res = app
            .send(
                "POST",
                "/api/v1/suggestions",
                Some(&author),
                Some(bad.clone()),
            )
            .await;
        assert_problem(res, status).await;
    }
    let res = app
        .send("POST", "/api/v1/suggestions", Some(&author), Some(draft))
        .await;
    assert_eq!(res.status(), 200);
    assert!(res.headers()["cache-control"]
        .to_str()
        .unwrap_or("")
        .contains("no-store"));
    let body: Value = res.json().await.expect("json");
    let data = &body["data"];
    let related = data["related"].as_array().expect("related");
    assert!(!related.is_empty() && related.len() <= 5);
    let story = |slug: &str| {
        docs.iter()
            .find(|d| d.slug == slug)
            .map(|d| d.story.clone())
    };
    assert_eq!(
        story(related[0]["article"]["slug"].as_str().expect("slug")).as_deref(),
        Some("riverton-flood")
    );
    for r in related {
        let parts: f64 = r["reasons"]
            .as_array()
            .expect("reasons")
            .iter()
            .map(|x| x["weight"].as_f64().unwrap_or(0.0))
            .sum();
        assert!((parts - r["score"].as_f64().expect("score")).abs() < 0.01);
    }
    let tags = data["tags"].as_array().expect("tags");
    assert_eq!(tags[0]["tag"]["slug"], "riverton-floods", "{tags:?}");
    for t in tags {
        for slug in t["evidence"].as_array().expect("evidence") {
            let d = docs
                .iter()
                .find(|d| Some(d.slug.as_str()) == slug.as_str())
                .expect("evidence is an article");
            let name = t["tag"]["name"].as_str().expect("name").to_lowercase();
            assert!(d.tags.contains(&name), "{} does not carry {name}", d.slug);
        }
    }
    assert_eq!(data["section"]["slug"], "home-news");
    same_over_graphql(&app, &author, related[0]["article"]["slug"].clone()).await;
}

/// GraphQL gives the same suggestions, to authors only.
async fn same_over_graphql(app: &TestApp, author: &str, first_related: Value) {
    let q = "query($i: DraftInput!) { suggest(input: $i) { related { article { slug } score } tags { tag { slug } score evidence } section { slug } } }";
    let vars = json!({"i": {"title": "River Tamble floods Riverton again", "body": "The mill bridge flood gauges rose."}});
    let anon = app.gql(q, vars.clone()).await;
    assert_eq!(
        anon["errors"][0]["extensions"]["code"], "UNAUTHENTICATED",
        "{anon}"
    );
    let res = app
        .send(
            "POST",
            "/graphql",
            Some(author),
            Some(json!({"query": q, "variables": vars})),
        )
        .await;
    let gql: Value = res.json().await.expect("json");
    assert!(gql["errors"].is_null(), "{gql}");
    assert_eq!(
        gql["data"]["suggest"]["tags"][0]["tag"]["slug"],
        "riverton-floods"
    );
    assert_eq!(
        gql["data"]["suggest"]["related"][0]["article"]["slug"],
        first_related
    );
}

// The target is 0.7; these are the floors reached so far
// (docs/relevance.md), kept so that nothing slips back.
async fn suggested_tags_are_right_on_corpus_a(app: TestApp) {
    tag_precision(app, CORPUS_A, "A", (0.68, 0.99)).await
}

async fn suggested_tags_are_right_on_corpus_b(app: TestApp) {
    tag_precision(app, CORPUS_B, "B", (0.69, 0.76)).await
}

// No suggestion step was chosen on C or D: the floors are the figures
// they measured (docs/relevance.md).
async fn suggested_tags_are_right_on_corpus_c(app: TestApp) {
    tag_precision(app, CORPUS_C, "C", (0.6, 0.71)).await
}

async fn suggested_tags_are_right_on_corpus_d(app: TestApp) {
    tag_precision(app, CORPUS_D, "D", (0.71, 0.89)).await
}

// Longer texts: E, on which how they are read was chosen, and F, never
// used to choose anything; both well under the target (docs/relevance.md).
async fn suggested_tags_are_right_on_corpus_e(app: TestApp) {
    tag_precision(app, CORPUS_E, "E", (0.56, 0.94)).await
}

async fn suggested_tags_are_right_on_corpus_f(app: TestApp) {
    tag_precision(app, CORPUS_F, "F", (0.52, 0.91)).await
}

/// Mean precision@3 of the suggested tags against each article's own,
/// out of the tags it has when it has fewer than three, and mean nDCG@5
/// of the related articles suggested to link, each with its floor.
async fn tag_precision(app: TestApp, corpus: &str, name: &str, (floor, linked_floor): (f64, f64)) {
    let (docs, inputs) = corpus_of(corpus);
    app.seed(inputs);
    let author = app.staff("writer@example.com", "author");
    let (mut precision, mut strict, mut linked) = (0.0, 0.0, 0.0);
    for d in &docs {
        let (title, body) = d.text.split_once('\n').expect("title and body");
        let draft = json!({"title": title, "body": body, "slug": d.slug});
        let res = app
            .send("POST", "/api/v1/suggestions", Some(&author), Some(draft))
            .await;
        assert_eq!(res.status(), 200);
        let body: Value = res.json().await.expect("json");
        let data = &body["data"];
        let related: Vec<&Doc> = data["related"]
            .as_array()
            .expect("related")
            .iter()
            .map(|r| {
                let slug = r["article"]["slug"].as_str().expect("slug");
                docs.iter()
                    .find(|x| x.slug == slug)
                    .expect("a corpus article")
            })
            .collect();
        assert!(related.iter().all(|r| r.slug != d.slug));
        linked += ndcg_at_5(d, &related, &docs);
        // Every suggested tag has something for it.
        assert!(data["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .all(|t| t["score"].as_f64().expect("score") > 0.0));
        let top: HashSet<String> = data["tags"]
            .as_array()
            .expect("tags")
            .iter()
            .take(3)
            .map(|t| t["tag"]["name"].as_str().expect("name").to_lowercase())
            .collect();
        let hits = top.intersection(&d.tags).count() as f64;
        // RELEVANCE_DEBUG=1 prints every article whose tags were missed.
        if std::env::var_os("RELEVANCE_DEBUG").is_some() && hits < d.tags.len().min(3) as f64 {
            let got: Vec<_> = data["tags"]
                .as_array()
                .expect("tags")
                .iter()
                .map(|t| &t["tag"]["name"])
                .collect();
            println!("{}: has {:?}, got {got:?}", d.slug, d.tags);
        }
        precision += hits / d.tags.len().clamp(1, 3) as f64;
        strict += hits / 3.0;
    }
    let n = docs.len() as f64;
    let (precision, strict, linked) = (precision / n, strict / n, linked / n);
    println!("tag suggestions on corpus {name} ({}): precision@3 {precision:.3} (out of min(3, tags)), {strict:.3} (out of 3); related nDCG@5 {linked:.3}", app.db.backend.name());
    assert!(
        precision >= floor,
        "tag precision@3 on {name} is {precision:.3}"
    );
    // The related articles to link, judged like /related's.
    assert!(
        linked >= linked_floor,
        "a draft's related nDCG@5 on {name} is {linked:.3}"
    );
}
