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

/// All the knobs in one place, fitted on the labelled corpora of
/// `crates/api/tests/fixtures/` (see docs/relevance.md).
///
/// Topic decides: `tags` and `text` mix the two topical signals into a
/// topical score in 0..1. Section, author and recency are context: each
/// adds at most its weight *as a share of the topical score*, so they
/// reorder candidates of similar topic and can never lift an off-topic
/// one over an on-topic one by more than that share.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Weights {
    pub tags: f64,
    pub text: f64,
    pub section: f64,
    pub author: f64,
    pub recency: f64,
    /// Days after which the recency bonus has halved.
    pub half_life_days: f64,
    /// A candidate whose topical score is under this share of the best
    /// candidate's has no meaningful topical overlap and is left out.
    pub gate: f64,
}

/// Fitted on corpora A, B and C together (`relevance_fit`), D, E and F
/// held out; the gate and the bounds on context are policy, not fitted:
/// context may lift a topical score by at most 40 %.
pub const WEIGHTS: Weights = Weights {
    tags: 0.2,
    text: 0.8,
    section: 0.1,
    author: 0.1,
    recency: 0.2,
    half_life_days: 30.0,
    gate: 0.15,
};

/// The weights that pick the few first-pass candidates whose words feed
/// the second pass (pseudo-relevance feedback). Fixed apart from
/// [`WEIGHTS`], so that the features the ranking sees do not move when the
/// weights are fitted again: a fit over those features is then exactly
/// what ships. They lean on tags and context more than `WEIGHTS` do: the
/// words should come from the article's own story, which its tags,
/// section and reporter mark, more than from whatever shares its words
/// (chosen on corpora A, B and C, docs/relevance.md).
pub const FEEDBACK_PICK: Weights = Weights {
    tags: 0.5,
    text: 0.5,
    section: 0.1,
    author: 0.1,
    recency: 0.2,
    half_life_days: 30.0,
    gate: 0.15,
};

/// How many candidates each source may contribute; a tag gives `PER_TAG`
/// when it is the article's rarest, fewer the more common it is.
const PER_TAG: u32 = 20;
const MIN_PER_TAG: u32 = 5;
pub(crate) const FROM_TEXT: u32 = 30;
pub(crate) const FROM_SECTION: u32 = 20;
const KEY_TERMS: usize = 5;
/// Key words must be in at most about one article in twelve (ln 12 =
/// 2.5). In a large archive the match budget below bites long before
/// this; in a small one this decides, and one in twenty left out the
/// words of a five-article story in a corpus of 120 ("metro", "breach").
const MIN_KEY_IDF: f64 = 2.5;
/// A draft's key words may be in up to about a third of the articles.
const MIN_DRAFT_KEY_IDF: f64 = 1.1;
/// Key words must be in at least two articles: the article itself (or,
/// for an unsaved draft, one other) and one more. Lucene's MoreLikeThis
/// has the same floor (`min_doc_freq`), at 5 by default; 5 cost corpus B's
/// tag suggestions 0.11 of precision, its stories being five to seven
/// articles long (docs/relevance.md).
const MIN_KEY_DOCS: f64 = 2.0;
/// How many articles the key words together may be expected to match.
/// The candidates are the newest of the matches, so in a large archive a
/// word in thousands of articles would fill them with its own newest,
/// however little else they share: only the rarer of the distinctive
/// words are used. (Not a cost bound: each word's newest articles are a
/// walk down the `article_words` index, however common the word.)
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
    /// The part of the score this reason brought: the weights of all the
    /// reasons of a pick add up to its score.
    pub weight: f64,
}

/// What is known about one candidate.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Features {
    /// Shared tags with their weight: rarity (IDF) times specificity, so a
    /// tag spread over many stories or sections counts for little.
    pub shared_tags: Vec<(String, f64)>,
    /// The weight summed over the article's own tags (0 when it has none).
    pub tag_weight_total: f64,
    /// 0..1.
    pub text: f64,
    /// `Some(name)` when in the article's section; `None` when not, or when
    /// the article has no section.
    pub same_section: Option<String>,
    pub shared_authors: Vec<String>,
    pub days_apart: f64,
}

impl Features {
    /// The share of the topical score each signal gets: tags and text, or
    /// text alone for an article without tags.
    fn mix(&self, w: &Weights) -> (f64, f64) {
        let tags = if self.tag_weight_total > 0.0 {
            w.tags
        } else {
            0.0
        };
        let total = tags + w.text;
        if total <= 0.0 {
            (0.0, 0.0)
        } else {
            (tags / total, w.text / total)
        }
    }

    /// The topical score, 0..1.
    pub fn topical(&self, w: &Weights) -> f64 {
        let (tags, text) = self.mix(w);
        let shared: f64 = self.shared_tags.iter().map(|(_, x)| x).sum();
        let tag_share = if self.tag_weight_total > 0.0 {
            shared / self.tag_weight_total
        } else {
            0.0
        };
        (tags * tag_share + text * self.text.clamp(0.0, 1.0)).min(1.0)
    }

    /// The score alone, without the reasons: what ranking sorts by.
    pub fn value(&self, w: &Weights) -> f64 {
        self.topical(w) * (1.0 + self.context(w)) / (1.0 + w.section + w.author + w.recency)
    }

    /// The context bonuses: a share of the topical score.
    fn context(&self, w: &Weights) -> f64 {
        let section = if self.same_section.is_some() {
            w.section
        } else {
            0.0
        };
        let author = if self.shared_authors.is_empty() {
            0.0
        } else {
            w.author
        };
        section + author + w.recency * recency(self.days_apart, w)
    }
}

/// The recency bonus for two articles `days_apart`: 1 on the same day,
/// halving every `half_life_days`.
pub fn recency(days_apart: f64, w: &Weights) -> f64 {
    0.5f64.powf(days_apart.abs() / w.half_life_days)
}

/// Scores one candidate: 0..1 and the reasons behind it, whose weights
/// add up to the score. The topical score is multiplied by one plus the
/// context bonuses (section, author, recency), over one plus their sum.
pub fn score(f: &Features, w: &Weights) -> (f64, Vec<Reason>) {
    let topical = f.topical(w);
    let (tag_mix, text_mix) = f.mix(w);
    let bonus = |on: bool, weight: f64| if on { weight } else { 0.0 };
    let section = bonus(f.same_section.is_some(), w.section);
    let author = bonus(!f.shared_authors.is_empty(), w.author);
    let fresh = w.recency * recency(f.days_apart, w);
    let scale = 1.0 / (1.0 + w.section + w.author + w.recency);
    let mut reasons = Vec::new();
    for (name, weight) in &f.shared_tags {
        let part = tag_mix * weight / f.tag_weight_total;
        reasons.push(reason(ReasonKind::SharedTag, name.clone(), part * scale));
    }
    let text = text_mix * f.text.clamp(0.0, 1.0);
    if text > 0.0 {
        reasons.push(reason(ReasonKind::SimilarText, String::new(), text * scale));
    }
    if let (Some(name), true) = (&f.same_section, section > 0.0) {
        reasons.push(reason(
            ReasonKind::SameSection,
            name.clone(),
            topical * section * scale,
        ));
    }
    if author > 0.0 {
        let names = f.shared_authors.join(", ");
        reasons.push(reason(
            ReasonKind::SameAuthor,
            names,
            topical * author * scale,
        ));
    }
    let days = format!("{:.0} days apart", f.days_apart.abs());
    reasons.push(reason(ReasonKind::Recency, days, topical * fresh * scale));
    let score = round((topical * (1.0 + section + author + fresh) * scale).clamp(0.0, 1.0));
    balance(&mut reasons, score);
    (score, reasons)
}

/// Makes the reasons' weights add up to `score` (already rounded)
/// exactly. Each is rounded to four decimals on its own, so their sum
/// could miss the rounded score by a few units in the last place, and a client that checks the sum
/// (ours does) would see the explanation not match. The largest parts
/// absorb the difference, where it matters least, and none goes below 0.
fn balance(reasons: &mut [Reason], score: f64) {
    let units = |x: f64| (x * 10_000.0).round() as i64;
    let mut parts: Vec<i64> = reasons.iter().map(|r| units(r.weight)).collect();
    let mut drift = units(score) - parts.iter().sum::<i64>();
    let mut by_size: Vec<usize> = (0..parts.len()).collect();
    by_size.sort_by_key(|&i| std::cmp::Reverse(parts[i]));
    for i in by_size {
        let moved = if drift < 0 {
            drift.max(-parts[i])
        } else {
            drift
        };
        parts[i] += moved;
        drift -= moved;
        if drift == 0 {
            break;
        }
    }
    for (reason, part) in reasons.iter_mut().zip(parts) {
        reason.weight = part as f64 / 10_000.0;
    }
}

fn reason(kind: ReasonKind, detail: String, weight: f64) -> Reason {
    Reason {
        kind,
        detail,
        weight: round(weight),
    }
}

pub(crate) fn round(x: f64) -> f64 {
    (x * 10_000.0).round() / 10_000.0
}

/// The indexes of the best `limit` candidates, best first; among equal
/// scores the input order stands. Candidates whose topical score is under
/// `w.gate` of the best one's are left out: with same-topic candidates at
/// hand, an article that merely shares a section, a reporter or a date is
/// no relative.
pub fn order(candidates: &[Features], w: &Weights, limit: usize) -> Vec<usize> {
    let topical: Vec<f64> = candidates.iter().map(|f| f.topical(w)).collect();
    let best = topical.iter().copied().fold(0.0, f64::max);
    let mut kept: Vec<(usize, f64)> = candidates
        .iter()
        .enumerate()
        .filter(|(i, _)| topical[*i] > 0.0 && topical[*i] >= w.gate * best)
        .map(|(i, f)| (i, f.value(w)))
        .collect();
    kept.sort_by(|a, b| b.1.total_cmp(&a.1));
    kept.into_iter().take(limit).map(|(i, _)| i).collect()
}

/// [`order`], with each winner's score and reasons.
pub fn rank<T>(
    candidates: Vec<(T, Features)>,
    w: &Weights,
    limit: usize,
) -> Vec<(T, f64, Vec<Reason>)> {
    let (items, features): (Vec<T>, Vec<Features>) = candidates.into_iter().unzip();
    let mut items: Vec<Option<T>> = items.into_iter().map(Some).collect();
    order(&features, w, limit)
        .into_iter()
        .filter_map(|i| {
            let (score, reasons) = score(&features[i], w);
            Some((items[i].take()?, score, reasons))
        })
        .collect()
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
/// most `KEY_MATCH_BUDGET` of the `archive` articles, but not so rare that
/// no other article has them. `(stem, word, weight)`.
///
/// A draft has no tags or section to bring candidates, so its words must
/// do all the finding: with `draft`, twice as many words, down to ones in
/// a third of the articles, still within the budget.
pub fn key_words(
    vocab: &Vocabulary,
    title: &str,
    body: &str,
    archive: f64,
    draft: bool,
) -> Vec<(String, String, f64)> {
    let (n, min_idf) = if draft {
        (2 * KEY_TERMS, MIN_DRAFT_KEY_IDF)
    } else {
        (KEY_TERMS, MIN_KEY_IDF)
    };
    let mut budget = KEY_MATCH_BUDGET;
    vocab
        .key_terms(title, body, 4 * n)
        .into_iter()
        .filter(|(stem, _, _)| vocab.idf(stem) >= min_idf)
        .filter(|(stem, _, _)| {
            let expected = vocab.share(stem) * archive;
            // A word no other article has finds nothing: it would only
            // take the place of one that does.
            let fits = (MIN_KEY_DOCS..=budget).contains(&expected);
            if fits {
                budget -= expected;
            }
            fits
        })
        .take(n)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn features() -> Features {
        Features {
            shared_tags: vec![("Riverton".into(), 4.0)],
            tag_weight_total: 5.0,
            text: 0.5,
            same_section: Some("Home News".into()),
            shared_authors: vec![],
            days_apart: 0.0,
        }
    }

    fn parts(reasons: &[Reason]) -> f64 {
        reasons.iter().map(|r| r.weight).sum()
    }

    #[test]
    fn scores_are_explained_and_bounded() {
        let (s, reasons) = score(&features(), &WEIGHTS);
        assert!((0.0..=1.0).contains(&s));
        assert!(
            (parts(&reasons) - s).abs() < 1e-9,
            "reasons add up to the score"
        );
        assert_eq!(reasons[0].detail, "Riverton");
        assert!(reasons
            .iter()
            .any(|r| r.kind == ReasonKind::Recency && r.weight > 0.0));
        let perfect = Features {
            shared_tags: vec![("A".into(), 5.0)],
            text: 1.0,
            shared_authors: vec!["X".into()],
            ..features()
        };
        assert!((score(&perfect, &WEIGHTS).0 - 1.0).abs() < 1e-9);
    }

    #[test]
    fn reasons_add_up_to_the_score_exactly() {
        // Six parts, each rounded on its own: left alone, some of these
        // sums miss the rounded score in the last place.
        for i in 0..500 {
            let x = f64::from(i) / 500.0;
            let f = Features {
                shared_tags: vec![
                    ("A".into(), 1.0 + x),
                    ("B".into(), 0.37 * x),
                    ("C".into(), 0.123),
                ],
                tag_weight_total: 3.7,
                text: x,
                same_section: Some("S".into()),
                shared_authors: vec!["X".into()],
                days_apart: 3.0 * x,
            };
            let (s, reasons) = score(&f, &WEIGHTS);
            assert!(
                (parts(&reasons) - s).abs() < 1e-9,
                "{} against {s}",
                parts(&reasons)
            );
            assert!(reasons.iter().all(|r| r.weight >= 0.0));
        }
    }

    #[test]
    fn context_cannot_outvote_the_topic() {
        // Same section, same reporter, same day, a generic tag: little topic.
        let neighbour = Features {
            shared_tags: vec![("Ohio".into(), 0.3)],
            tag_weight_total: 5.0,
            text: 0.05,
            same_section: Some("National".into()),
            shared_authors: vec!["Dana Whitfield".into()],
            days_apart: 0.0,
        };
        // The same story a month later, by someone else, in another section.
        let sibling = Features {
            shared_tags: vec![("Millbrook Tornado".into(), 3.0)],
            text: 0.4,
            same_section: None,
            shared_authors: vec![],
            days_apart: 30.0,
            ..neighbour.clone()
        };
        assert!(score(&sibling, &WEIGHTS).0 > score(&neighbour, &WEIGHTS).0);
        let ranked = rank(
            vec![("neighbour", neighbour), ("sibling", sibling)],
            &WEIGHTS,
            5,
        );
        assert_eq!(ranked.len(), 1, "off-topic candidates are gated out");
        assert_eq!(ranked[0].0, "sibling");
        // Alone, a weak candidate is still the best there is.
        let alone = rank(
            vec![(
                "weak",
                Features {
                    text: 0.1,
                    ..Features::default()
                },
            )],
            &WEIGHTS,
            5,
        );
        assert_eq!(alone.len(), 1);
        // No topic at all is never related.
        let none = Features {
            same_section: Some("X".into()),
            ..Features::default()
        };
        assert!(rank(vec![((), none)], &WEIGHTS, 5).is_empty());
    }

    #[test]
    fn key_words_are_rare_and_within_the_match_budget() {
        // Of 60 sampled articles "zorvath" and "quell" are in 2, "lonely"
        // in 1 (the article itself), "market" in every one.
        let mut texts: Vec<String> = (0..60).map(|i| format!("market report {i}")).collect();
        texts[0].push_str(" zorvath lonely quell");
        texts[1].push_str(" zorvath quell");
        let vocab = Vocabulary::from_texts(texts.iter().map(String::as_str));
        let body = "zorvath quell lonely market market market";
        let words = |archive: f64| -> Vec<String> {
            key_words(&vocab, "Zorvath", body, archive, false)
                .into_iter()
                .map(|k| k.1)
                .collect()
        };
        // The sample is the archive: the rare words another article has,
        // never the common one, nor the one no other article has.
        assert_eq!(words(60.0), ["zorvath", "quell"]);
        // Scaled up, "lonely" is expected in 100 articles and "zorvath" in
        // 200, which use up the budget before "quell" (200 more).
        assert_eq!(words(KEY_MATCH_BUDGET * 20.0), ["zorvath", "lonely"]);
        // In a far larger archive even the rarest would match too many.
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
    fn specific_tags_outweigh_generic_ones() {
        let rare = Features {
            shared_tags: vec![("Riverton flood".into(), 6.0)],
            tag_weight_total: 7.0,
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
    fn recency_only_reorders() {
        let near = score(&features(), &WEIGHTS).0;
        let far = Features {
            days_apart: 400.0,
            ..features()
        };
        let far = score(&far, &WEIGHTS).0;
        assert!(far < near);
        assert!(far >= near / (1.0 + WEIGHTS.recency) - 1e-9);
        assert!((recency(-3.0, &WEIGHTS) - recency(3.0, &WEIGHTS)).abs() < 1e-12);
    }

    #[test]
    fn untagged_articles_are_judged_on_text() {
        let untagged = Features {
            shared_tags: vec![],
            tag_weight_total: 0.0,
            text: 1.0,
            same_section: None,
            ..features()
        };
        assert!((untagged.topical(&WEIGHTS) - 1.0).abs() < 1e-9);
    }
}
