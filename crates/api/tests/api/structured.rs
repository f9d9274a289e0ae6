//! One article as JSON-LD and as IPTC ninjs 2.0, chosen by `Accept`; the
//! ninjs is checked against the official schema with a real validator.

use newsdesk_domain::article::{ArticleInput, Image};
use serde_json::{json, Value};

use crate::helpers::{assert_problem, published, TestApp};

e2e!(
    json_ld_is_a_news_article,
    ninjs_validates_against_the_iptc_schema,
    accept_picks_the_representation,
    graphql_json_ld_is_what_rest_serves,
);

const PATH: &str = "/api/v1/articles/harbour-wall-holds";

fn seed(app: &TestApp) {
    app.seed(vec![ArticleInput {
        tags: vec!["Harbour".into(), "Storms".into()],
        section: Some("Home News".into()),
        authors: vec!["Kim Lee".into()],
        subtitle: Some("Crews worked through the night".into()),
        image: Some(Image {
            url: "https://cdn.example/wall.jpg".into(),
            alt: Some("The harbour wall at dawn".into()),
            caption: None,
        }),
        ..published("Harbour wall holds", 2)
    }]);
}

async fn get_as(app: &TestApp, accept: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{PATH}", app.base))
        .header("accept", accept)
        .send()
        .await
        .expect("sent")
}

async fn correct(app: &TestApp) {
    let editor = app.staff("ed@example.org", "editor");
    let res = app
        .send(
            "POST",
            &format!("{PATH}/corrections"),
            Some(&editor),
            Some(json!({"text": "The wall is 40 metres long."})),
        )
        .await;
    assert_eq!(res.status(), 201);
}

async fn json_ld_is_a_news_article(app: TestApp) {
    seed(&app);
    correct(&app).await;
    let res = get_as(&app, "application/ld+json").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/ld+json");
    let vary = res
        .headers()
        .get_all("vary")
        .iter()
        .filter_map(|v| v.to_str().ok())
        .collect::<Vec<_>>()
        .join(", ");
    assert!(vary.contains("Accept"), "{vary}");
    let doc: Value = res.json().await.expect("json");
    assert_eq!(doc["@context"], "https://schema.org");
    assert_eq!(doc["@type"], "NewsArticle");
    assert_eq!(doc["headline"], "Harbour wall holds");
    assert_eq!(doc["alternativeHeadline"], "Crews worked through the night");
    assert_eq!(doc["author"][0]["@type"], "Person");
    assert_eq!(doc["author"][0]["name"], "Kim Lee");
    assert_eq!(doc["publisher"]["@type"], "Organization");
    assert_eq!(doc["publisher"]["name"], "news.example");
    assert_eq!(doc["articleSection"], "Home News");
    assert_eq!(doc["keywords"], json!(["Harbour", "Storms"]));
    assert_eq!(doc["image"]["url"], "https://cdn.example/wall.jpg");
    assert_eq!(
        doc["mainEntityOfPage"]["@id"],
        "https://news.example/articles/harbour-wall-holds"
    );
    assert!(doc["datePublished"].is_string() && doc["dateModified"].is_string());
    assert_eq!(doc["correction"][0]["@type"], "CorrectionComment");
    assert_eq!(doc["correction"][0]["text"], "The wall is 40 metres long.");
}

/// The official schema; its GeoJSON `$ref` is served by a local stand-in,
/// as the tests run offline.
fn ninjs_validator() -> jsonschema::Validator {
    struct Offline;
    impl jsonschema::Retrieve for Offline {
        fn retrieve(
            &self,
            uri: &jsonschema::Uri<String>,
        ) -> Result<Value, Box<dyn std::error::Error + Send + Sync>> {
            match uri.as_str() {
                "https://geojson.org/schema/GeoJSON.json" => Ok(json!({"type": "object"})),
                other => Err(format!("no network in tests: {other}").into()),
            }
        }
    }
    let path = std::path::Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../../../shared/standards/ninjs-schema_2.0.json");
    let text = std::fs::read_to_string(&path).expect("the IPTC schema is in ../shared/standards");
    let schema: Value = serde_json::from_str(&text).expect("the schema is JSON");
    jsonschema::options()
        .should_validate_formats(true)
        .with_retriever(Offline)
        .build(&schema)
        .expect("the schema compiles")
}

async fn ninjs_validates_against_the_iptc_schema(app: TestApp) {
    seed(&app);
    correct(&app).await;
    let res = get_as(&app, "application/ninjs+json").await;
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/ninjs+json");
    let doc: Value = res.json().await.expect("json");
    let validator = ninjs_validator();
    let errors: Vec<String> = validator.iter_errors(&doc).map(|e| e.to_string()).collect();
    assert!(errors.is_empty(), "ninjs invalid: {errors:?}\n{doc:#}");
    // The validator is not a rubber stamp: a field ninjs lacks is refused.
    let mut broken = doc.clone();
    broken["headline"] = json!("not a ninjs field");
    assert!(!validator.is_valid(&broken));
    assert_eq!(
        doc["uri"],
        "https://news.example/articles/harbour-wall-holds"
    );
    assert_eq!(doc["headlines"][0]["value"], "Harbour wall holds");
    assert_eq!(doc["people"][0]["name"], "Kim Lee");
    assert_eq!(doc["by"], "Kim Lee");
    assert!(doc["descriptions"]
        .as_array()
        .is_some_and(|d| d.iter().any(|x| x["role"] == "correction")));
    assert_eq!(doc["associations"][0]["type"], "picture");
}

async fn accept_picks_the_representation(app: TestApp) {
    seed(&app);
    let browser = get_as(&app, "text/html,application/xhtml+xml,*/*;q=0.8").await;
    assert_eq!(browser.status(), 200);
    assert_eq!(browser.headers()["content-type"], "application/json");
    let body: Value = browser.json().await.expect("json");
    assert_eq!(body["data"]["slug"], "harbour-wall-holds");
    let preferred = get_as(&app, "application/json;q=0.5, application/ninjs+json").await;
    assert_eq!(
        preferred.headers()["content-type"],
        "application/ninjs+json"
    );
    let nothing = get_as(&app, "application/xml").await;
    assert_problem(nothing, 406).await;
    let missing = app
        .client
        .get(format!("{}/api/v1/articles/nope", app.base))
        .header("accept", "application/ld+json")
        .send()
        .await
        .expect("sent");
    assert_problem(missing, 404).await;
}

/// A page gets its JSON-LD in the same GraphQL request as the article:
/// the very document REST serves for `Accept: application/ld+json`.
async fn graphql_json_ld_is_what_rest_serves(app: TestApp) {
    seed(&app);
    correct(&app).await;
    let rest: Value = get_as(&app, "application/ld+json")
        .await
        .json()
        .await
        .expect("json");
    let body = app
        .gql(
            "query($slug: String!) { article(slug: $slug) { jsonLd } }",
            json!({"slug": "harbour-wall-holds"}),
        )
        .await;
    let text = body["data"]["article"]["jsonLd"]
        .as_str()
        .unwrap_or_else(|| panic!("jsonLd is text: {body}"));
    let doc: Value = serde_json::from_str(text).expect("jsonLd is JSON");
    assert_eq!(doc, rest);
    assert_eq!(doc["@type"], "NewsArticle");
    assert_eq!(doc["correction"][0]["text"], "The wall is 40 metres long.");
}
