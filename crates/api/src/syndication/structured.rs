//! One article in the formats partners and search engines read: a
//! schema.org `NewsArticle` in JSON-LD, and IPTC ninjs 2.0. Both come from
//! the same reader view as the JSON, so they cannot disagree with it.

use newsdesk_domain::article::ArticleView;
use serde_json::{json, Map, Value};

use super::feeds::content_html;
use crate::state::Publisher;

pub const JSON_LD: &str = "application/ld+json";
pub const NINJS: &str = "application/ninjs+json";
const NINJS_SCHEMA: &str = "https://www.iptc.org/std/ninjs/ninjs-schema_2.0.json";

/// What `GET /articles/{slug}` answers in, by `Accept`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Representation {
    Json,
    JsonLd,
    Ninjs,
}

impl Representation {
    /// The best of what we serve that `accept` allows: JSON when it says
    /// nothing or nothing we recognise, `None` (406) when it rules out
    /// everything we serve.
    pub fn negotiate(accept: Option<&str>) -> Option<Representation> {
        let Some(accept) = accept.filter(|a| !a.trim().is_empty()) else {
            return Some(Representation::Json);
        };
        let mut best: Option<(f32, Representation)> = None;
        let mut understood = false;
        for range in accept.split(',') {
            let mut parts = range.split(';').map(str::trim);
            let media = parts.next().unwrap_or_default().to_ascii_lowercase();
            let q = parts
                .filter_map(|p| p.strip_prefix("q="))
                .filter_map(|q| q.parse::<f32>().ok())
                .next()
                .unwrap_or(1.0);
            let rep = match media.as_str() {
                JSON_LD => Representation::JsonLd,
                NINJS => Representation::Ninjs,
                "application/json" | "application/*" | "*/*" => Representation::Json,
                m if m.contains('/') => {
                    understood = true;
                    continue;
                }
                _ => continue,
            };
            understood = true;
            if q > 0.0 && best.is_none_or(|(b, _)| q > b) {
                best = Some((q, rep));
            }
        }
        match best {
            Some((_, rep)) => Some(rep),
            None if understood => None,
            None => Some(Representation::Json),
        }
    }
}

fn term_url(base: &str, kind: &str, slug: &str) -> String {
    format!("{base}/{kind}/{slug}")
}

/// A schema.org `NewsArticle`.
pub fn json_ld(a: &ArticleView, publisher: &Publisher, base: &str) -> Value {
    let mut org = json!({"@type": "Organization", "name": publisher.name});
    if let Some(logo) = &publisher.logo {
        org["logo"] = json!({"@type": "ImageObject", "url": logo});
    }
    let mut doc = json!({
        "@context": "https://schema.org",
        "@type": "NewsArticle",
        "@id": a.canonical_url,
        "url": a.canonical_url,
        "mainEntityOfPage": {"@type": "WebPage", "@id": a.canonical_url},
        "headline": a.title,
        "description": a.excerpt,
        "articleBody": a.body_text,
        "inLanguage": a.language,
        "wordCount": a.word_count,
        "commentCount": a.comment_count,
        "dateCreated": a.created_at,
        "dateModified": a.updated_at,
        "author": a.authors.iter().map(|t| json!({
            "@type": "Person", "name": t.name, "url": term_url(base, "authors", &t.slug)
        })).collect::<Vec<_>>(),
        "publisher": org,
        "keywords": a.tags.iter().map(|t| t.name.clone()).collect::<Vec<_>>(),
        "correction": a.corrections.iter().map(|c| json!({
            "@type": "CorrectionComment", "text": c.text, "datePublished": c.published_at
        })).collect::<Vec<_>>(),
    });
    let extra = [
        ("alternativeHeadline", a.subtitle.as_ref().map(|s| json!(s))),
        ("datePublished", a.published_at.map(|t| json!(t))),
        ("articleSection", a.section.as_ref().map(|s| json!(s.name))),
        (
            "image",
            a.image
                .as_ref()
                .map(|i| json!({"@type": "ImageObject", "url": i.url, "caption": i.caption})),
        ),
    ];
    if let Value::Object(m) = &mut doc {
        m.extend(
            extra
                .into_iter()
                .filter_map(|(k, v)| Some((k.to_owned(), v?))),
        );
    }
    doc
}

/// IPTC ninjs 2.0. `licence` is the partner's usage terms, if any.
pub fn ninjs(a: &ArticleView, publisher: &Publisher, base: &str, licence: Option<&str>) -> Value {
    let mut headlines = vec![json!({"role": "main", "value": a.title})];
    if let Some(sub) = &a.subtitle {
        headlines.push(json!({"role": "sub", "value": sub}));
    }
    let mut descriptions =
        vec![json!({"role": "summary", "contenttype": "text/plain", "value": a.excerpt})];
    descriptions.extend(a.corrections.iter().map(|c| {
        json!({"role": "correction", "contenttype": "text/plain",
            "value": format!("{}: {}", c.published_at.format("%Y-%m-%d"), c.text)})
    }));
    let mut subjects: Vec<Value> = a
        .tags
        .iter()
        .map(|t| json!({"name": t.name, "rel": "about", "literal": t.slug, "uri": term_url(base, "tags", &t.slug)}))
        .collect();
    subjects.extend(a.section.iter().map(|s| {
        json!({"name": s.name, "rel": "section", "literal": s.slug, "uri": term_url(base, "sections", &s.slug)})
    }));
    let year = a.published_at.unwrap_or(a.created_at).format("%Y");
    let mut m = Map::new();
    for (k, v) in [
        ("uri", json!(a.canonical_url)),
        ("standard", json!({"name": "ninjs", "version": "2.0", "schema": NINJS_SCHEMA})),
        ("type", json!("text")),
        ("representationtype", json!("full")),
        ("firstcreated", json!(a.created_at)),
        ("versioncreated", json!(a.updated_at)),
        ("pubstatus", json!("usable")),
        ("language", json!(a.language)),
        ("slugline", json!(a.slug)),
        ("headlines", json!(headlines)),
        ("descriptions", json!(descriptions)),
        ("bodies", json!([
            {"role": "main", "contenttype": "text/html", "value": content_html(a), "wordcount": a.word_count},
            {"role": "main", "contenttype": "text/plain", "value": a.body_text},
        ])),
        ("by", json!(a.authors.iter().map(|t| t.name.as_str()).collect::<Vec<_>>().join(", "))),
        ("people", json!(a.authors.iter().map(|t| json!({
            "name": t.name, "rel": "author", "literal": t.slug, "uri": term_url(base, "authors", &t.slug)
        })).collect::<Vec<_>>())),
        ("subjects", json!(subjects)),
        ("altids", json!([{"role": "newsdesk", "value": a.id}])),
        ("copyrightholder", json!(publisher.name)),
        ("copyrightnotice", json!(format!("Copyright {year} {}", publisher.name))),
    ] {
        m.insert(k.to_owned(), v);
    }
    if let Some(l) = licence {
        m.insert("usageterms".into(), json!(l));
    }
    if let Some(i) = &a.image {
        let mut picture = json!({
            "name": "featureimage", "uri": i.url, "type": "picture",
            "renditions": [{"name": "original", "href": i.url}],
        });
        if let Some(text) = i.caption.as_ref().or(i.alt.as_ref()) {
            picture["descriptions"] = json!([{"role": "caption", "value": text}]);
        }
        m.insert("associations".into(), json!([picture]));
    }
    Value::Object(m)
}

#[cfg(test)]
mod tests {
    use super::Representation::{self, *};

    #[test]
    fn accept_picks_the_best_we_serve() {
        let n = Representation::negotiate;
        assert_eq!(n(None), Some(Json));
        assert_eq!(n(Some("application/ld+json")), Some(JsonLd));
        assert_eq!(
            n(Some("application/ninjs+json;q=0.9, application/json;q=0.5")),
            Some(Ninjs)
        );
        assert_eq!(
            n(Some("text/html,application/xhtml+xml,*/*;q=0.8")),
            Some(Json)
        );
        assert_eq!(
            n(Some("application/ld+json;q=0, application/json")),
            Some(Json)
        );
        assert_eq!(n(Some("text/html")), None);
        assert_eq!(n(Some("application/xml, image/png")), None);
        assert_eq!(n(Some("nonsense")), Some(Json));
    }
}
