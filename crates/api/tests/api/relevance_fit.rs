//! Related news, measured on what it was not fitted on.
//!
//! Each corpus is loaded into a real database and every article's
//! candidates are read with their features, as `/related` sees them.
//! The weights are then fitted (a grid search for the best mean nDCG@5)
//! on each corpus and scored on the others, on each corpus with the other
//! two together, and by leave-one-story-out cross-validation inside each
//! corpus: fitted on every other story, scored on the story left out.
//! Corpus C was written after the shipped weights were fitted on A and B,
//! so they are held out on it too. The assertions are on those held-out
//! figures; the in-sample ones are only printed.
//! `cargo test -p newsdesk-api --test api relevance_fit -- --nocapture`
//! prints the table of docs/relevance.md.

use std::collections::HashMap;

use newsdesk_domain::article;
use newsdesk_domain::related::{order, Features, Weights, WEIGHTS};
use newsdesk_domain::service;

use crate::helpers::{TestApp, TestDb};
use crate::relevance::{
    by_shared_tags, by_tfidf, corpus_of, gain, ndcg_at_5, Doc, CORPUS_A, CORPUS_B, CORPUS_C,
};

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

    /// Mean nDCG@5 of the best order of each article's candidates: what
    /// a perfect ranking could reach with the candidates the indexes find.
    fn ceiling(&self) -> f64 {
        let total: f64 = self
            .all()
            .into_iter()
            .map(|q| {
                let target = &self.docs[q];
                let mut found: Vec<&Doc> = self.candidates[q]
                    .0
                    .iter()
                    .map(|&i| &self.docs[i])
                    .collect();
                found.sort_by(|a, b| gain(target, b).total_cmp(&gain(target, a)));
                ndcg_at_5(target, &found, &self.docs)
            })
            .sum();
        total / self.docs.len() as f64
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

/// The weights with the best mean nDCG@5 over every article of `corpora`
/// together.
fn fit_all(corpora: &[&Judged]) -> Weights {
    best_of(|w| {
        let total: f64 = corpora
            .iter()
            .map(|c| c.ndcg(&c.all(), w) * c.docs.len() as f64)
            .sum();
        total / corpora.iter().map(|c| c.docs.len()).sum::<usize>() as f64
    })
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

/// One row of the table: a figure for each corpus.
fn row(name: &str, figures: &[f64]) {
    let cells: Vec<String> = figures.iter().map(|f| format!("{f:.3}")).collect();
    println!("| {name} | {} |", cells.join(" | "));
}

#[actix_web::test]
async fn related_news_holds_up_on_the_corpus_it_was_not_fitted_on() {
    let corpora = [
        Judged::load(CORPUS_A),
        Judged::load(CORPUS_B),
        Judged::load(CORPUS_C),
    ];
    let names = ["A", "B", "C"];
    if std::env::var_os("RELEVANCE_DEBUG").is_some() {
        corpora[1].explain(&WEIGHTS);
    }
    let fitted: Vec<Weights> = corpora.iter().map(|c| fit(c, &c.all())).collect();
    // `on[i][j]`: weights fitted on corpus i, scored on corpus j.
    let on: Vec<Vec<f64>> = fitted
        .iter()
        .map(|w| corpora.iter().map(|c| c.ndcg(&c.all(), w)).collect())
        .collect();
    // Each corpus scored with weights fitted on the other two together.
    let others: Vec<f64> = (0..3)
        .map(|j| {
            let rest: Vec<&Judged> = (0..3).filter(|&i| i != j).map(|i| &corpora[i]).collect();
            corpora[j].ndcg(&corpora[j].all(), &fit_all(&rest))
        })
        .collect();
    let loso: Vec<f64> = corpora.iter().map(Judged::cross_validated).collect();
    let shipped: Vec<f64> = corpora.iter().map(|c| c.ndcg(&c.all(), &WEIGHTS)).collect();
    let tfidf: Vec<f64> = corpora.iter().map(|c| c.baseline(by_tfidf)).collect();
    let tags: Vec<f64> = corpora.iter().map(|c| c.baseline(by_shared_tags)).collect();
    let ceiling: Vec<f64> = corpora.iter().map(Judged::ceiling).collect();
    for (name, w) in names.iter().zip(&fitted) {
        println!("fitted on {name}: {w:?}");
    }
    // How the shipped WEIGHTS are chosen: on A and B, never on C.
    println!(
        "fitted on A and B: {:?}",
        fit_all(&[&corpora[0], &corpora[1]])
    );
    println!("| ranking | corpus A | corpus B | corpus C |\n| --- | ---: | ---: | ---: |");
    for (i, name) in names.iter().enumerate() {
        row(&format!("fitted on {name}"), &on[i]);
    }
    row("fitted on the other two (held out)", &others);
    row("leave-one-story-out (held out)", &loso);
    row("shipped `WEIGHTS` (fitted on A and B)", &shipped);
    row("TF-IDF cosine", &tfidf);
    row("shared-tag count", &tags);
    row("best order of the candidates found (ceiling)", &ceiling);
    // The target is 0.95 held out on every corpus; B and C do not
    // reach it yet (docs/relevance.md says why). These floors are the
    // held-out figures reached, so nothing slips back. C was never fitted
    // on, so the shipped weights are held out on it too.
    let held = [
        ("A fitted on B", on[1][0], tfidf[0], 0.95),
        ("B fitted on A", on[0][1], tfidf[1], 0.86),
        ("C fitted on A", on[0][2], tfidf[2], 0.84),
        ("C fitted on B", on[1][2], tfidf[2], 0.86),
        ("C, shipped", shipped[2], tfidf[2], 0.85),
    ];
    for (name, figure, tfidf, floor) in held {
        assert!(figure >= floor, "held-out nDCG@5 of {name} is {figure:.3}");
        assert!(
            figure > tfidf,
            "held-out {figure:.3} of {name} is under TF-IDF {tfidf:.3}"
        );
    }
    // The candidates hold nearly every sibling: what is lost, the ranking
    // loses.
    for (name, ceiling) in names.iter().zip(&ceiling) {
        assert!(
            *ceiling >= 0.97,
            "candidates of {name} reach only {ceiling:.3}"
        );
    }
    for (name, (loso, tfidf)) in names.iter().zip(loso.iter().zip(&tfidf)) {
        assert!(
            loso > tfidf,
            "leave-one-story-out {loso:.3} on {name} is under TF-IDF"
        );
    }
}
