//! How specific each tag is, from a sample of recent articles.
//!
//! Article counts alone cannot tell "Millbrook Tornado" from "Ohio": both
//! may label a handful of articles. What differs is what those articles
//! are about. A story tag's articles talk about the same thing; a place,
//! organisation or generic tag's articles span many stories and sections.
//! So a tag's specificity falls with the number of sections it spans and
//! with how little its articles' texts have in common (the mean pairwise
//! cosine of their term vectors, which is high inside one story and near
//! zero across unrelated ones).

use std::collections::{HashMap, HashSet};

use crate::text::{StemMap, Vocabulary};

/// Pairwise text similarity at which a tag counts as half specific.
const COHERENCE_HALF: f64 = 0.04;
/// Fewer sample articles than this tell nothing about a tag's spread.
const MIN_ARTICLES: usize = 3;

/// One sampled article: its section, its tags, its stored term vector.
pub struct Sampled<'a> {
    pub section_id: Option<i64>,
    pub tags: &'a [i64],
    pub term_vector: &'a str,
}

#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TagSpread {
    pub articles: u32,
    pub sections: u32,
    /// Mean pairwise cosine of its articles' term vectors.
    pub coherence: f64,
}

impl TagSpread {
    /// 0..1: 1 for a tag whose articles tell one story in one section.
    pub fn specificity(&self) -> f64 {
        if (self.articles as usize) < MIN_ARTICLES {
            return 1.0;
        }
        let coherence = self.coherence / (self.coherence + COHERENCE_HALF);
        let sections = 1.0 + f64::from(self.sections.max(1)).ln();
        // A tag whose articles are similar gets back what a fully coherent
        // one keeps, so the figure reaches 1 for a perfect story tag.
        (coherence * (1.0 + COHERENCE_HALF) / sections).min(1.0)
    }
}

/// The spread of every tag seen in the sample.
#[derive(Debug, Clone, Default)]
pub struct TagStats {
    spread: HashMap<i64, TagSpread>,
}

impl TagStats {
    pub fn from_sample(vocab: &Vocabulary, sample: &[Sampled<'_>]) -> TagStats {
        let units: Vec<StemMap<f64>> = sample
            .iter()
            .map(|s| unit(vocab.weigh(s.term_vector)))
            .collect();
        let mut by_tag: HashMap<i64, Vec<usize>> = HashMap::new();
        for (i, s) in sample.iter().enumerate() {
            for tag in s.tags {
                by_tag.entry(*tag).or_default().push(i);
            }
        }
        let spread = by_tag
            .into_iter()
            .map(|(tag, members)| {
                let sections: HashSet<Option<i64>> =
                    members.iter().map(|i| sample[*i].section_id).collect();
                let spread = TagSpread {
                    articles: members.len() as u32,
                    sections: sections.len() as u32,
                    coherence: coherence(members.iter().map(|i| &units[*i])),
                };
                (tag, spread)
            })
            .collect();
        TagStats { spread }
    }

    pub fn spread(&self, tag: i64) -> Option<TagSpread> {
        self.spread.get(&tag).copied()
    }

    /// 0..1, and 1 for a tag the sample barely knows.
    pub fn specificity(&self, tag: i64) -> f64 {
        self.spread(tag).map_or(1.0, |s| s.specificity())
    }
}

fn unit(mut v: StemMap<f64>) -> StemMap<f64> {
    let norm = v.values().map(|x| x * x).sum::<f64>().sqrt();
    if norm > 0.0 {
        v.values_mut().for_each(|x| *x /= norm);
    }
    v
}

/// Mean pairwise cosine of unit vectors, from the norm of their sum:
/// |Σv|² = n + Σ_{i≠j} cos(i, j), so no pair is compared twice.
fn coherence<'a>(vectors: impl Iterator<Item = &'a StemMap<f64>>) -> f64 {
    let mut sum: StemMap<f64> = StemMap::default();
    let mut n = 0.0;
    for v in vectors {
        n += 1.0;
        for (k, x) in v {
            *sum.entry(k.clone()).or_default() += x;
        }
    }
    if n < 2.0 {
        return 0.0;
    }
    let squared: f64 = sum.values().map(|x| x * x).sum();
    ((squared - n) / (n * (n - 1.0))).max(0.0)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::text::term_vector;

    #[test]
    fn story_tags_are_more_specific_than_place_tags() {
        let texts = [
            (
                "Tornado hits Millbrook",
                "A tornado flattened homes in Millbrook.",
            ),
            (
                "Millbrook tornado relief",
                "Tornado victims in Millbrook get aid.",
            ),
            (
                "Millbrook rebuilds after tornado",
                "Homes hit by the tornado rebuilt.",
            ),
            ("Fed holds rates", "The central bank held interest rates."),
            (
                "Foxes trade star guard",
                "The basketball team traded its guard.",
            ),
        ];
        let vectors: Vec<String> = texts.iter().map(|(t, b)| term_vector(t, b)).collect();
        let vocab = Vocabulary::from_texts(texts.iter().map(|(t, _)| *t));
        // Tag 1 ("Millbrook Tornado") on the first three; tag 2 ("Ohio")
        // on one tornado article, the rates story and the trade story.
        let tags: [&[i64]; 5] = [&[1, 2], &[1], &[1], &[2], &[2]];
        let sections = [Some(10), Some(10), Some(10), Some(11), Some(12)];
        let sample: Vec<Sampled<'_>> = (0..5)
            .map(|i| Sampled {
                section_id: sections[i],
                tags: tags[i],
                term_vector: &vectors[i],
            })
            .collect();
        let stats = TagStats::from_sample(&vocab, &sample);
        let (story, place) = (stats.specificity(1), stats.specificity(2));
        assert!(story > 0.8, "{story}");
        assert!(place < 0.3, "{place}");
        assert_eq!(stats.spread(2).map(|s| s.sections), Some(3));
        // A tag the sample does not know, or barely, is taken as specific.
        assert_eq!(stats.specificity(99), 1.0);
    }

    #[test]
    fn coherence_is_the_mean_pairwise_cosine() {
        let a = unit(StemMap::from_iter([("x".to_string(), 1.0)]));
        let b = unit(StemMap::from_iter([("y".to_string(), 1.0)]));
        assert!((coherence([&a, &a].into_iter()) - 1.0).abs() < 1e-9);
        assert!(coherence([&a, &b].into_iter()).abs() < 1e-9);
        assert_eq!(coherence([&a].into_iter()), 0.0);
    }
}
