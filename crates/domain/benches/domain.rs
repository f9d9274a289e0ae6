//! Criterion benchmarks of the domain's hot functions: what a write costs
//! (rendering, term vectors) and what a related or search request adds on
//! top of its queries (scoring, highlighting).
//!
//!     cargo bench -p newsdesk-domain

use criterion::{black_box, criterion_group, criterion_main, Criterion};
use newsdesk_domain::body::{self, BodyFormat};
use newsdesk_domain::related::{self, Features, WEIGHTS};
use newsdesk_domain::search::{highlight, SearchQuery};
use newsdesk_domain::text::{cosine, term_vector, Vocabulary};

fn corpus(n: u64) -> Vec<(String, String)> {
    let end = chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default();
    (0..n)
        .map(|i| {
            let a = newsdesk_domain::generate::article(1, i, end);
            (a.title.unwrap_or_default(), a.body.unwrap_or_default())
        })
        .collect()
}

fn benches(c: &mut Criterion) {
    let docs = corpus(200);
    let (title, body) = docs[0].clone();
    let markdown = body.replace(
        "\n\n",
        "\n\n*emphasis* and a [link](https://example.org)\n\n",
    );

    c.bench_function("render 5 KB markdown body", |b| {
        b.iter(|| body::render(BodyFormat::Markdown, black_box(&markdown)))
    });
    c.bench_function("term vector of a 5 KB article", |b| {
        b.iter(|| term_vector(black_box(&title), black_box(&body)))
    });

    let vocab = Vocabulary::from_texts(docs.iter().map(|(_, b)| b.as_str()));
    let vectors: Vec<String> = docs.iter().map(|(t, b)| term_vector(t, b)).collect();
    let target = vocab.weigh(&vectors[0]);
    let norm = target.values().map(|w| w * w).sum::<f64>().sqrt();
    c.bench_function("similarity of 100 candidate vectors", |b| {
        b.iter(|| {
            vectors[1..101]
                .iter()
                .map(|v| vocab.weighed(v).cosine(&target, norm))
                .fold(0.0, f64::max)
        })
    });
    c.bench_function("key terms of a 5 KB article", |b| {
        b.iter(|| vocab.key_terms(black_box(&title), black_box(&body), 20))
    });
    let other = vocab.weigh(&vectors[1]);
    c.bench_function("cosine of two weighted vectors", |b| {
        b.iter(|| cosine(black_box(&target), black_box(&other)))
    });
    let features = Features {
        shared_tags: vec![("A".into(), 3.0), ("B".into(), 1.2)],
        tag_weight_total: 6.0,
        text: 0.4,
        same_section: Some("World".into()),
        shared_authors: vec![],
        days_apart: 3.0,
    };
    c.bench_function("score one related candidate", |b| {
        b.iter(|| related::score(black_box(&features), &WEIGHTS))
    });

    let query =
        SearchQuery::parse("harbour \"city council\" -storm").unwrap_or_else(|_| unreachable!());
    let stems = query.positive_stems();
    c.bench_function("parse a search query", |b| {
        b.iter(|| SearchQuery::parse(black_box("harbour \"city council\" -storm")))
    });
    c.bench_function("highlight a 5 KB body", |b| {
        b.iter(|| highlight(black_box(&body), &stems, 30))
    });
}

criterion_group!(domain, benches);
criterion_main!(domain);
