//! Related news: "More on this story" ranked here, explained, and fast.
//!
//! Candidates come from storage through indexes only: recent articles
//! sharing each of the article's tags, the newest full-text matches of its
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

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::article::{ArticleRecord, ArticleSummary};
use crate::error::DomainError;
use crate::paging::PageLimit;
use crate::text::Vocabulary;

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

/// How many candidates each source may contribute; a tag gives `PER_TAG`
/// when it is the article's rarest, fewer the more common it is.
const PER_TAG: u32 = 20;
const MIN_PER_TAG: u32 = 5;
pub(crate) const FROM_TEXT: u32 = 30;
pub(crate) const FROM_SECTION: u32 = 20;
const KEY_TERMS: usize = 5;
/// Key words must be in at most about one article in twenty (ln 20 = 3).
const MIN_KEY_IDF: f64 = 3.0;
/// How many articles the key words together may be expected to match.
/// Every match is read to find the newest (a GIN index has no order), so
/// in a large archive only the rarer of the distinctive words are used.
const KEY_MATCH_BUDGET: f64 = 300.0;
/// The cosine at or above which a candidate counts as fully similar text.
pub(crate) const TEXT_NORM_FLOOR: f64 = 0.35;

pub const DEFAULT_LIMIT: u32 = 5;
pub const MAX_LIMIT: u32 = 20;

/// How many related articles to return: 1 to 20, default 5.
pub fn parse_limit(raw: Option<&str>) -> Result<usize, DomainError> {
    PageLimit::parse_with(raw, DEFAULT_LIMIT, MAX_LIMIT).map(|l| l.get() as usize)
}

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

pub(crate) fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// One related article.
#[derive(Debug, Clone)]
pub struct Related {
    pub record: ArticleRecord,
    pub score: f64,
    pub reasons: Vec<Reason>,
}

pub(crate) fn date_of(r: &ArticleSummary) -> DateTime<Utc> {
    r.published_at.unwrap_or(r.created_at)
}

pub(crate) fn date_of_record(r: &ArticleRecord) -> DateTime<Utc> {
    r.published_at.unwrap_or(r.created_at)
}

/// How many of each tag's newest articles to consider, in proportion to the
/// tag's IDF against the article's rarest tag: the newest articles of a tag
/// on a tenth of the archive are an arbitrary sample of it, and a candidate
/// that matters also shares a rarer tag or the article's words, which bring
/// it in anyway.
pub fn per_tag_limits(tag_ids: &[i64], idf: impl Fn(i64) -> f64) -> Vec<(i64, u32)> {
    let rarest = tag_ids.iter().map(|id| idf(*id)).fold(0.0, f64::max);
    tag_ids
        .iter()
        .map(|id| {
            let share = if rarest > 0.0 { idf(*id) / rarest } else { 1.0 };
            let n = (f64::from(PER_TAG) * share).round() as u32;
            (*id, n.clamp(MIN_PER_TAG, PER_TAG))
        })
        .collect()
}

/// The article's key words for finding candidates by text: its most
/// distinctive words (TF-IDF over the whole text), only rare ones (a common
/// word would match half the archive), and together expected to match at
/// most `KEY_MATCH_BUDGET` of the `archive` articles. `(stem, word, weight)`.
pub fn key_words(
    vocab: &Vocabulary,
    title: &str,
    body: &str,
    archive: f64,
) -> Vec<(String, String, f64)> {
    let mut budget = KEY_MATCH_BUDGET;
    vocab
        .key_terms(title, body, 4 * KEY_TERMS)
        .into_iter()
        .filter(|(stem, _, _)| vocab.idf(stem) >= MIN_KEY_IDF)
        .filter(|(stem, _, _)| {
            let expected = vocab.share(stem) * archive;
            let fits = expected <= budget;
            if fits {
                budget -= expected;
            }
            fits
        })
        .take(KEY_TERMS)
        .collect()
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
    fn key_words_are_rare_and_within_the_match_budget() {
        // "zorvath" is in 1 of 60 sampled articles, "quell" in 2,
        // "market" in every one.
        let mut texts: Vec<String> = (0..60).map(|i| format!("market report {i}")).collect();
        texts[0].push_str(" zorvath");
        texts[1].push_str(" quell");
        texts[2].push_str(" quell");
        let vocab = Vocabulary::from_texts(texts.iter().map(String::as_str));
        let body = "zorvath quell market market market";
        let words = |archive: f64| -> Vec<String> {
            key_words(&vocab, "Zorvath", body, archive)
                .into_iter()
                .map(|k| k.1)
                .collect()
        };
        // A small archive: both rare words, never the common one.
        assert_eq!(words(100.0), ["zorvath", "quell"]);
        // Here "zorvath" is expected to match 2/3 of the budget, "quell" 4/3.
        assert_eq!(words(KEY_MATCH_BUDGET * 40.0), ["zorvath"]);
        // In a far larger archive even the rarest would match too many to read.
        assert!(words(KEY_MATCH_BUDGET * 100.0).is_empty());
    }

    #[test]
    fn common_tags_bring_fewer_candidates() {
        // IDF 6 for the rare tag, 2 for the common one, 0 for one on every article.
        let idf = |id: i64| match id {
            1 => 6.0,
            2 => 2.0,
            _ => 0.0,
        };
        let third = (f64::from(PER_TAG) / 3.0).round() as u32;
        assert!(MIN_PER_TAG < third && third < PER_TAG);
        assert_eq!(
            per_tag_limits(&[1, 2, 3], idf),
            vec![(1, PER_TAG), (2, third), (3, MIN_PER_TAG)]
        );
        assert_eq!(per_tag_limits(&[3], idf), vec![(3, PER_TAG)]);
        assert!(per_tag_limits(&[], idf).is_empty());
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
