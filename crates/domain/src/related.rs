//! Related news: "More on this story" ranked here, explained, and fast.
//!
//! Candidates come from storage through indexes only: recent articles
//! sharing each of the article's tags, the best full-text matches for its
//! most distinctive words, and recent articles of its section. Each
//! candidate is then scored by a pure function of a few features:
//!
//! - shared tags, each weighted by its rarity (IDF), as a share of the
//!   article's own tag weight, so a tag on half the corpus barely counts;
//! - text similarity: TF-IDF cosine of the two articles' term vectors (their
//!   most frequent words, kept with each article at write time), weighted by
//!   document frequencies sampled from recent articles;
//! - same section, and a shared author;
//!
//! combined with the weights below and multiplied by a recency decay on the
//! distance between the two publication dates. Every result says why it was
//! picked, with the share of the score each reason brought.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::article::ArticleRecord;
use crate::error::DomainResult;
use crate::query::Visibility;
use crate::search::SearchQuery;
use crate::service;
use crate::store::ContentStore;
use crate::term::{Term, TermKind};
use crate::text::{content_stems, cosine, term_vector};

/// All the knobs in one place. Chosen on the labelled corpus of
/// `crates/api/tests/fixtures/relevance.ndjson` (see docs/relevance.md).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub tags: f64,
    pub text: f64,
    pub section: f64,
    pub author: f64,
    /// Days after which the recency factor has lost half of what it can lose.
    pub half_life_days: f64,
    /// The recency factor never drops below this: old background stays eligible.
    pub recency_floor: f64,
}

pub const WEIGHTS: Weights = Weights {
    tags: 0.35,
    text: 0.50,
    section: 0.05,
    author: 0.10,
    half_life_days: 14.0,
    recency_floor: 0.6,
};

/// How many candidates each source may contribute.
const PER_TAG: u32 = 40;
const FROM_TEXT: u32 = 40;
const FROM_SECTION: u32 = 20;
const KEY_TERMS: usize = 10;
/// The cosine at or above which a candidate counts as fully similar text.
const TEXT_NORM_FLOOR: f64 = 0.35;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum ReasonKind {
    SharedTag,
    SimilarText,
    SameSection,
    SameAuthor,
    Recency,
}

#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct Reason {
    pub kind: ReasonKind,
    pub detail: String,
    /// The part of the score this reason brought; for `recency`, the factor
    /// the other parts were multiplied by.
    pub weight: f64,
}

/// What is known about one candidate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// Shared tags with their IDF.
    pub shared_tags: Vec<(String, f64)>,
    /// IDF summed over the article's own tags (0 when it has none).
    pub tag_idf_total: f64,
    /// 0..1.
    pub text: f64,
    /// `Some(name)` when in the article's section; `None` when not, or when
    /// the article has no section.
    pub same_section: Option<String>,
    pub has_section: bool,
    pub shared_authors: Vec<String>,
    pub has_authors: bool,
    pub days_apart: f64,
}

/// The recency factor for two articles `days_apart`.
pub fn recency(days_apart: f64, w: &Weights) -> f64 {
    let decay = 0.5f64.powf(days_apart.abs() / w.half_life_days);
    w.recency_floor + (1.0 - w.recency_floor) * decay
}

/// Scores one candidate: 0..1 and the reasons behind it. Signals the
/// article itself lacks (no tags, no section, no author) drop out of the
/// weighting instead of capping every score.
pub fn score(f: &Features, w: &Weights) -> (f64, Vec<Reason>) {
    let has_tags = f.tag_idf_total > 0.0;
    let total = w.text
        + if has_tags { w.tags } else { 0.0 }
        + if f.has_section { w.section } else { 0.0 }
        + if f.has_authors { w.author } else { 0.0 };
    let rec = recency(f.days_apart, w);
    let scale = rec / total;
    let mut reasons = Vec::new();
    let mut sum = 0.0;
    if has_tags {
        for (name, idf) in &f.shared_tags {
            let part = w.tags * (idf / f.tag_idf_total) * scale;
            sum += part;
            reasons.push(Reason {
                kind: ReasonKind::SharedTag,
                detail: name.clone(),
                weight: round(part),
            });
        }
    }
    if f.text > 0.0 {
        let part = w.text * f.text.min(1.0) * scale;
        sum += part;
        reasons.push(Reason {
            kind: ReasonKind::SimilarText,
            detail: String::new(),
            weight: round(part),
        });
    }
    if let Some(section) = &f.same_section {
        let part = w.section * scale;
        sum += part;
        reasons.push(Reason {
            kind: ReasonKind::SameSection,
            detail: section.clone(),
            weight: round(part),
        });
    }
    if f.has_authors && !f.shared_authors.is_empty() {
        let part = w.author * scale;
        sum += part;
        reasons.push(Reason {
            kind: ReasonKind::SameAuthor,
            detail: f.shared_authors.join(", "),
            weight: round(part),
        });
    }
    reasons.push(Reason {
        kind: ReasonKind::Recency,
        detail: format!("{:.0} days apart", f.days_apart.abs()),
        weight: round(rec),
    });
    (sum.clamp(0.0, 1.0), reasons)
}

fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// One related article.
#[derive(Debug, Clone)]
pub struct Related {
    pub record: ArticleRecord,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

/// An article's term vector; rows written before vectors existed get one
/// made on the spot.
fn vector_of(r: &ArticleRecord) -> std::borrow::Cow<'_, str> {
    if r.term_vector.is_empty() {
        std::borrow::Cow::Owned(term_vector(&r.title, &r.body_text))
    } else {
        std::borrow::Cow::Borrowed(&r.term_vector)
    }
}

fn date_of(r: &ArticleRecord) -> DateTime<Utc> {
    r.published_at.unwrap_or(r.created_at)
}

/// Related articles for `slug`: published ones only, never the article itself.
pub fn related(
    store: &impl ContentStore,
    slug: &str,
    visibility: Visibility,
    limit: usize,
    now: DateTime<Utc>,
) -> DomainResult<Vec<Related>> {
    let target = service::article(store, slug, visibility)?;
    let public = Visibility::Public { now };
    let vocab = store.vocabulary()?;
    let target_vector = vector_of(&target);
    let keys = vocab.key_terms_of(&target_vector, KEY_TERMS);
    let target_weights = vocab.weigh(&target_vector);

    let mut target_tags: Vec<Term> = Vec::new();
    let mut target_authors: Vec<i64> = Vec::new();
    for (_, kind, term) in store.terms_of_articles(&[target.id])? {
        match kind {
            TermKind::Author => target_authors.push(term.id),
            _ => target_tags.push(term),
        }
    }
    let tag_ids: Vec<i64> = target_tags.iter().map(|t| t.id).collect();
    let n = store.count_articles()?.max(1) as f64;
    let df: HashMap<i64, i64> = store.term_frequencies(&tag_ids)?.into_iter().collect();
    let idf = |id: i64| ((n + 1.0) / (df.get(&id).copied().unwrap_or(0) as f64 + 1.0)).ln() + 1.0;
    let tag_idf_total: f64 = tag_ids.iter().map(|id| idf(*id)).sum();

    let mut candidates: HashSet<i64> = HashSet::new();
    for (article_id, _) in store.recent_with_terms(&tag_ids, target.id, PER_TAG)? {
        candidates.insert(article_id);
    }
    if let Some(q) = SearchQuery::any_of(keys.iter().map(|(_, w, _)| w.clone())) {
        for (id, _) in store.search(&q, public, 0, FROM_TEXT + 1)? {
            candidates.insert(id);
        }
    }
    if let Some(section) = target.section_id {
        candidates.extend(store.recent_in_section(section, target.id, FROM_SECTION, now)?);
    }
    candidates.remove(&target.id);

    let ids: Vec<i64> = candidates.into_iter().collect();
    let records: Vec<ArticleRecord> = store
        .articles_by_ids(&ids)?
        .into_iter()
        .filter(|r| r.is_public_at(now) && r.id != target.id)
        .collect();
    let record_ids: Vec<i64> = records.iter().map(|r| r.id).collect();
    let mut terms_of: HashMap<i64, Vec<(TermKind, Term)>> = HashMap::new();
    for (article_id, kind, term) in store.terms_of_articles(&record_ids)? {
        terms_of.entry(article_id).or_default().push((kind, term));
    }
    let section_name = match target.section_id {
        Some(id) => store
            .terms_by_id(TermKind::Section, &[id])?
            .into_iter()
            .next()
            .map(|t| t.name),
        None => None,
    };

    // Text similarity counts relative to the closest candidate (cosines of
    // short news texts are small in absolute terms), but a weak best match
    // is not inflated to a perfect one.
    let text_norm = records
        .iter()
        .map(|r| cosine(&target_weights, &vocab.weigh(&vector_of(r))))
        .fold(TEXT_NORM_FLOOR, f64::max);
    let target_date = date_of(&target);
    let mut ranked: Vec<Related> = records
        .into_iter()
        .map(|r| {
            let terms = terms_of.remove(&r.id).unwrap_or_default();
            let shared_tags = terms
                .iter()
                .filter(|(k, t)| *k == TermKind::Tag && tag_ids.contains(&t.id))
                .map(|(_, t)| (t.name.clone(), idf(t.id)))
                .collect();
            let shared_authors = terms
                .iter()
                .filter(|(k, t)| *k == TermKind::Author && target_authors.contains(&t.id))
                .map(|(_, t)| t.name.clone())
                .collect();
            let features = Features {
                shared_tags,
                tag_idf_total,
                text: cosine(&target_weights, &vocab.weigh(&vector_of(&r))) / text_norm,
                same_section: (target.section_id.is_some() && r.section_id == target.section_id)
                    .then(|| section_name.clone().unwrap_or_default()),
                has_section: target.section_id.is_some(),
                shared_authors,
                has_authors: !target_authors.is_empty(),
                days_apart: (date_of(&r) - target_date).num_seconds() as f64 / 86_400.0,
            };
            let (score, reasons) = score(&features, &WEIGHTS);
            Related {
                record: r,
                score,
                reasons,
            }
        })
        .filter(|r| r.score > 0.0 && r.reasons.iter().any(|x| x.kind != ReasonKind::Recency))
        .collect();
    ranked.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| date_of(&b.record).cmp(&date_of(&a.record)))
            .then_with(|| b.record.id.cmp(&a.record.id))
    });
    ranked.truncate(limit);
    // Name the key words each text match really contains.
    for r in &mut ranked {
        if let Some(reason) = r
            .reasons
            .iter_mut()
            .find(|x| x.kind == ReasonKind::SimilarText)
        {
            let stems: std::collections::HashSet<String> = content_stems(&r.record.title)
                .chain(content_stems(&r.record.body_text))
                .map(|(s, _)| s)
                .collect();
            let shared: Vec<&str> = keys
                .iter()
                .filter(|(s, _, _)| stems.contains(s))
                .map(|(_, w, _)| w.as_str())
                .take(5)
                .collect();
            reason.detail = if shared.is_empty() {
                "similar wording".into()
            } else {
                format!("shares key words: {}", shared.join(", "))
            };
        }
    }
    Ok(ranked)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features() -> Features {
        Features {
            shared_tags: vec![("Riverton".into(), 4.0)],
            tag_idf_total: 5.0,
            text: 0.5,
            same_section: Some("Home News".into()),
            has_section: true,
            shared_authors: vec![],
            has_authors: true,
            days_apart: 0.0,
        }
    }

    #[test]
    fn scores_are_explained_and_bounded() {
        let (s, reasons) = score(&features(), &WEIGHTS);
        assert!((0.0..=1.0).contains(&s));
        let parts: f64 = reasons
            .iter()
            .filter(|r| r.kind != ReasonKind::Recency)
            .map(|r| r.weight)
            .sum();
        assert!(
            (parts - s).abs() < 1e-3,
            "reasons add up to the score: {parts} vs {s}"
        );
        assert_eq!(reasons[0].detail, "Riverton");
        assert!(reasons
            .iter()
            .any(|r| r.kind == ReasonKind::Recency && (r.weight - 1.0).abs() < 1e-9));
        let perfect = Features {
            shared_tags: vec![("A".into(), 5.0)],
            text: 1.0,
            shared_authors: vec!["X".into()],
            ..features()
        };
        assert!((score(&perfect, &WEIGHTS).0 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn rare_tags_outweigh_generic_ones() {
        let rare = Features {
            shared_tags: vec![("Riverton flood".into(), 6.0)],
            tag_idf_total: 7.0,
            text: 0.0,
            ..features()
        };
        let generic = Features {
            shared_tags: vec![("News".into(), 1.0)],
            ..rare.clone()
        };
        assert!(score(&rare, &WEIGHTS).0 > 3.0 * score(&generic, &WEIGHTS).0);
    }

    #[test]
    fn older_news_decays_to_the_floor() {
        let near = score(&features(), &WEIGHTS).0;
        let far = score(
            &Features {
                days_apart: 400.0,
                ..features()
            },
            &WEIGHTS,
        )
        .0;
        assert!(far < near);
        assert!(far >= near * WEIGHTS.recency_floor - 1e-9);
        assert!((recency(-3.0, &WEIGHTS) - recency(3.0, &WEIGHTS)).abs() < 1e-12);
    }

    #[test]
    fn missing_signals_drop_out() {
        let untagged = Features {
            shared_tags: vec![],
            tag_idf_total: 0.0,
            text: 1.0,
            same_section: None,
            has_section: false,
            has_authors: false,
            ..features()
        };
        assert!((score(&untagged, &WEIGHTS).0 - 1.0).abs() < 1e-9);
    }
}
