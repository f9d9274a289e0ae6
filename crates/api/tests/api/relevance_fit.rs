//! Related news, measured on what it was not fitted on.
//!
//! Each corpus is loaded into a real database and every article's
//! candidates are read with their features, as `/related` sees them.
//! The weights are then fitted (a grid search for the best mean nDCG@5)
//! on one corpus and scored on the other, both ways, and by
//! leave-one-story-out cross-validation inside each corpus: fitted on
//! every other story, scored on the story left out. The assertions are on
//! those held-out figures; the in-sample ones are only printed.
//! `cargo test -p newsdesk-api --test api relevance_fit -- --nocapture`
//! prints the table of docs/relevance.md.

use std::collections::HashMap;

use newsdesk_domain::article;
use newsdesk_domain::related::{order, Features, Weights, WEIGHTS};
use newsdesk_domain::service;

use crate::helpers::{TestApp, TestDb};
use crate::relevance::{by_shared_tags, by_tfidf, corpus_of, ndcg_at_5, Doc, CORPUS_A, CORPUS_B};

/// A corpus with every article's candidates: `(index of the candidate in
/// docs, its features)`.
struct Judged {
    docs: Vec<Doc>,
    candidates: Vec<(Vec<usize>, Vec<Features>)>,
}

impl Judged {
    fn load(raw: &str) -> Judged {
        let (docs, inputs) = corpus_of(raw);
        let app = TestApp::spawn(TestDb::sqlite());
        app.seed(inputs);
        let store = app.state.store.as_ref();
        let mut by_id = HashMap::new();
        for (i, d) in docs.iter().enumerate() {
            let record = store
                .article_by_slug(&d.slug)
                .expect("read")
                .expect("seeded");
            by_id.insert(record.id, i);
        }
        let now = article::now();
        let candidates = docs
            .iter()
            .map(|d| {
                service::related_features(store, &d.slug, now)
                    .expect("features")
                    .into_iter()
                    .map(|(summary, f)| (by_id[&summary.id], f))
                    .unzip()
            })
            .collect();
        Judged { docs, candidates }
    }

    /// Mean nDCG@5 over the articles `queries` with weights `w`.
    fn ndcg(&self, queries: &[usize], w: &Weights) -> f64 {
        let total: f64 = queries
            .iter()
            .map(|&q| {
                let (ids, features) = &self.candidates[q];
                let ranked: Vec<&Doc> = order(features, w, 5)
                    .into_iter()
                    .map(|i| &self.docs[ids[i]])
                    .collect();
                ndcg_at_5(&self.docs[q], &ranked, &self.docs)
            })
            .sum();
        total / queries.len() as f64
    }

    /// Why an article scores badly: its picks and its missed siblings.
    fn explain(&self, w: &Weights) {
        for q in self.all() {
            let (ids, features) = &self.candidates[q];
            let picks = order(features, w, 5);
            let ranked: Vec<&Doc> = picks.iter().map(|&i| &self.docs[ids[i]]).collect();
            let score = ndcg_at_5(&self.docs[q], &ranked, &self.docs);
            if score >= 0.9 {
                continue;
            }
            println!("{} {score:.3}", self.docs[q].slug);
            for (i, f) in features.iter().enumerate() {
                let d = &self.docs[ids[i]];
                let sibling = d.story == self.docs[q].story;
                if sibling || picks.contains(&i) {
                    let shared: f64 = f.shared_tags.iter().map(|t| t.1).sum();
                    println!(
                        "   {} {} {:.3} tags {:.2}/{:.2} text {:.2} sec {} auth {} {}",
                        if picks.contains(&i) { "PICK" } else { "    " },
                        if sibling { "SIB" } else { "   " },
                        f.value(w),
                        shared,
                        f.tag_weight_total,
                        f.text,
                        f.same_section.is_some(),
                        !f.shared_authors.is_empty(),
                        d.slug
                    );
                }
            }
        }
    }

    fn all(&self) -> Vec<usize> {
        (0..self.docs.len()).collect()
    }

    /// Mean nDCG@5 of a baseline ranking over every article.
    fn baseline<'a>(&'a self, rank: impl Fn(&Doc, &'a [Doc]) -> Vec<&'a Doc>) -> f64 {
        let total: f64 = self
            .docs
            .iter()
            .map(|d| ndcg_at_5(d, &rank(d, &self.docs), &self.docs))
            .sum();
        total / self.docs.len() as f64
    }

    /// Leave-one-story-out: each story scored with weights fitted on the
    /// others, averaged over every article.
    fn cross_validated(&self) -> f64 {
        let mut stories: Vec<&str> = self.docs.iter().map(|d| d.story.as_str()).collect();
        stories.sort_unstable();
        stories.dedup();
        let mut total = 0.0;
        for story in stories {
            let (out, train): (Vec<usize>, Vec<usize>) = self
                .all()
                .into_iter()
                .partition(|&i| self.docs[i].story == story);
            let w = fit(self, &train);
            total += self.ndcg(&out, &w) * out.len() as f64;
        }
        total / self.docs.len() as f64
    }
}

/// Every weighting the fit tries: the topical mix, the three context
/// bonuses, the recency half-life and the topical gate.
fn grid() -> Vec<Weights> {
    let mut out = Vec::new();
    for tags in [0.1, 0.2, 0.3, 0.4, 0.5] {
        for section in [0.0, 0.05, 0.1] {
            for author in [0.0, 0.05, 0.1] {
                for recency in [0.0, 0.1, 0.2] {
                    for half_life_days in [7.0, 30.0] {
                        for gate in [0.15, 0.3] {
                            out.push(Weights {
                                tags,
                                text: 1.0 - tags,
                                section,
                                author,
                                recency,
                                half_life_days,
                                gate,
                            });
                        }
                    }
                }
            }
        }
    }
    out
}

/// The weights with the best mean nDCG@5 on `queries` (the first of the
/// grid on ties, so the fit is deterministic).
fn fit(corpus: &Judged, queries: &[usize]) -> Weights {
    best_of(|w| corpus.ndcg(queries, w))
}

/// The weights of the grid that maximise `score`.
fn best_of(score: impl Fn(&Weights) -> f64) -> Weights {
    let mut best = (f64::MIN, WEIGHTS);
    for w in grid() {
        let score = score(&w);
        if score > best.0 + 1e-12 {
            best = (score, w);
        }
    }
    best.1
}

#[actix_web::test]
async fn related_news_holds_up_on_the_corpus_it_was_not_fitted_on() {
    let a = Judged::load(CORPUS_A);
    let b = Judged::load(CORPUS_B);
    if std::env::var_os("RELEVANCE_DEBUG").is_some() {
        b.explain(&WEIGHTS);
    }
    let (fit_a, fit_b) = (fit(&a, &a.all()), fit(&b, &b.all()));
    let a_on_b = b.ndcg(&b.all(), &fit_a);
    let b_on_a = a.ndcg(&a.all(), &fit_b);
    let (loso_a, loso_b) = (a.cross_validated(), b.cross_validated());
    let (tfidf_a, tfidf_b) = (a.baseline(by_tfidf), b.baseline(by_tfidf));
    let (tags_a, tags_b) = (a.baseline(by_shared_tags), b.baseline(by_shared_tags));
    println!("fitted on A: {fit_a:?}\nfitted on B: {fit_b:?}");
    println!("| ranking | corpus A | corpus B |\n| --- | ---: | ---: |");
    println!("| fitted on the other corpus (held out) | {b_on_a:.3} | {a_on_b:.3} |");
    println!("| leave-one-story-out (held out) | {loso_a:.3} | {loso_b:.3} |");
    let (in_a, in_b) = (a.ndcg(&a.all(), &fit_a), b.ndcg(&b.all(), &fit_b));
    println!("| fitted on the same corpus (in sample) | {in_a:.3} | {in_b:.3} |");
    let (ours_a, ours_b) = (a.ndcg(&a.all(), &WEIGHTS), b.ndcg(&b.all(), &WEIGHTS));
    println!("| shipped `WEIGHTS` (fitted on both) | {ours_a:.3} | {ours_b:.3} |");
    println!("| TF-IDF cosine | {tfidf_a:.3} | {tfidf_b:.3} |");
    println!("| shared-tag count | {tags_a:.3} | {tags_b:.3} |");
    // The target is 0.95 on both; B does not reach it yet
    // (docs/relevance.md says why). These floors are the held-out figures
    // reached, so nothing slips back.
    for (name, held, loso, tfidf, floor) in [
        ("A", b_on_a, loso_a, tfidf_a, 0.95),
        ("B", a_on_b, loso_b, tfidf_b, 0.85),
    ] {
        assert!(held >= floor, "held-out nDCG@5 on {name} is {held:.3}");
        assert!(
            held > tfidf,
            "held-out {held:.3} on {name} is under TF-IDF {tfidf:.3}"
        );
        assert!(
            loso > tfidf,
            "leave-one-story-out {loso:.3} on {name} is under TF-IDF"
        );
    }
}
