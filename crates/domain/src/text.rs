//! Words: tokenising, stemming, stop words, and document frequencies.
//! Search highlighting and related-news ranking both read text through
//! these, so "the same word" means the same thing everywhere.

use std::collections::HashMap;
use std::sync::OnceLock;

use rust_stemmers::{Algorithm, Stemmer};

/// Common English words that say nothing about what a story is about.
const STOP_WORDS: &[&str] = &[
    "a", "about", "above", "after", "again", "against", "all", "also", "am", "an", "and", "any",
    "are", "as", "at", "be", "because", "been", "before", "being", "below", "between", "both",
    "but", "by", "can", "could", "did", "do", "does", "doing", "down", "during", "each", "few",
    "for", "from", "further", "had", "has", "have", "having", "he", "her", "here", "hers", "him",
    "his", "how", "i", "if", "in", "into", "is", "it", "its", "just", "last", "more", "most", "mr",
    "mrs", "ms", "my", "new", "no", "nor", "not", "now", "of", "off", "on", "once", "one", "only",
    "or", "other", "our", "out", "over", "own", "said", "same", "says", "she", "should", "since",
    "so", "some", "such", "than", "that", "the", "their", "them", "then", "there", "these", "they",
    "this", "those", "through", "to", "too", "two", "under", "until", "up", "very", "was", "we",
    "week", "were", "what", "when", "where", "which", "while", "who", "whom", "why", "will",
    "with", "would", "year", "years", "you", "your",
];

fn stemmer() -> &'static Stemmer {
    static STEMMER: OnceLock<Stemmer> = OnceLock::new();
    STEMMER.get_or_init(|| Stemmer::create(Algorithm::English))
}

pub fn is_stop_word(word: &str) -> bool {
    // A set, not a binary search: every word of every text read for
    // related news is checked.
    static SET: OnceLock<std::collections::HashSet<&str, foldhash::fast::RandomState>> =
        OnceLock::new();
    SET.get_or_init(|| STOP_WORDS.iter().copied().collect())
        .contains(word)
}

/// The byte spans of a text's words (runs of letters and digits).
fn word_spans(text: &str) -> impl Iterator<Item = (usize, usize)> + '_ {
    let mut chars = text.char_indices();
    std::iter::from_fn(move || {
        let start = chars.by_ref().find(|(_, c)| c.is_alphanumeric())?.0;
        let end = chars
            .by_ref()
            .find(|(_, c)| !c.is_alphanumeric())
            .map_or(text.len(), |(i, _)| i);
        Some((start, end))
    })
}

/// Lowercased words of a text, with their byte spans in it.
pub fn words(text: &str) -> impl Iterator<Item = (usize, usize, String)> + '_ {
    word_spans(text).map(|(s, e)| (s, e, text[s..e].to_lowercase()))
}

/// `word` lowercased into `out`, as `str::to_lowercase` does it (which
/// allocates, and this runs for every word of a body).
fn lowercase_into(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.extend(word.chars().map(|c| c.to_ascii_lowercase()));
    } else {
        out.push_str(&word.to_lowercase());
    }
}

pub fn stem(word: &str) -> String {
    stemmer().stem(word).into_owned()
}

/// Whether a (lowercased) word is worth indexing: no stop words, no bare
/// numbers, nothing shorter than three letters.
fn is_content_word(w: &str) -> bool {
    w.chars().count() > 2 && !is_stop_word(w) && !w.chars().all(|c| c.is_numeric())
}

/// Stems of the words worth indexing: no stop words, no bare numbers.
pub fn content_stems(text: &str) -> impl Iterator<Item = (String, String)> + '_ {
    words(text)
        .filter(|(_, _, w)| is_content_word(w))
        .map(|(_, _, w)| (stem(&w), w))
}

/// The content stems of weighted texts, each with the first word that
/// gave it and the weighted count of all that did. Each distinct word is
/// checked and stemmed once: stemming was most of the cost, and a body
/// says most of its words more than once.
fn weighted_stems(texts: [(f64, &str); 2]) -> StemMap<(String, f64)> {
    let mut seen: StemMap<usize> = StemMap::default();
    let mut distinct: Vec<(String, f64)> = Vec::new();
    let mut w = String::new();
    for (weight, text) in texts {
        for (start, end) in word_spans(text) {
            lowercase_into(&text[start..end], &mut w);
            match seen.get(w.as_str()) {
                Some(&i) => distinct[i].1 += weight,
                None => {
                    seen.insert(w.clone(), distinct.len());
                    distinct.push((w.clone(), weight));
                }
            }
        }
    }
    // In order of first use, so a stem keeps the first word that gave it.
    let mut out: StemMap<(String, f64)> = StemMap::default();
    for (w, n) in distinct.into_iter().filter(|(w, _)| is_content_word(w)) {
        out.entry(stem(&w)).or_insert_with(|| (w, 0.0)).1 += n;
    }
    out
}

/// How many stems an article's term vector keeps. 40 kept about half the
/// distinct words of a 200-word wire story (corpus E), the rest cut in
/// alphabetical order, and cost related news 0.03 of nDCG@5 there; 80
/// keeps nearly all of them (docs/relevance.md).
pub const VECTOR_TERMS: usize = 80;

/// How term vectors are made. Bumped whenever [`term_vector`] changes, so
/// that vectors stored by an older recipe are made again (`refresh_vectors`
/// in the service, on start): 1 counted title words three times; 2 counts
/// every word once, and only keeps title words first; 3 keeps 80 stems,
/// not 40.
pub const VECTOR_RECIPE: i32 = 3;

/// An article's most frequent content words, computed once at write time:
/// `stem|surface|count` entries separated by spaces. Title words are kept
/// first (as if counted three times) when a long text has more than
/// [`VECTOR_TERMS`] stems, but counted once: counted three times they
/// outweighed the body in the cosine and cost related news 0.01-0.02 of
/// nDCG@5 on every corpus (docs/relevance.md). Related news compares these
/// instead of re-reading bodies.
pub fn term_vector(title: &str, body: &str) -> String {
    let in_title = weighted_stems([(1.0, title), (0.0, "")]);
    // Weights are whole numbers, so the counts are exact.
    let mut terms: Vec<(String, String, u32, u32)> = weighted_stems([(1.0, title), (1.0, body)])
        .into_iter()
        .map(|(s, (w, n))| {
            let keep = n + 2.0 * in_title.get(&s).map_or(0.0, |t| t.1);
            (s, w, n as u32, keep as u32)
        })
        .collect();
    terms.sort_by(|a, b| b.3.cmp(&a.3).then_with(|| a.0.cmp(&b.0)));
    terms.truncate(VECTOR_TERMS);
    terms
        .iter()
        .map(|(s, w, n, _)| format!("{s}|{w}|{n}"))
        .collect::<Vec<_>>()
        .join(" ")
}

/// The entries of a term vector: `(stem, surface, count)`.
pub fn parse_vector(v: &str) -> Vec<(&str, &str, u32)> {
    vector_entries(v).collect()
}

fn vector_entries(v: &str) -> impl Iterator<Item = (&str, &str, u32)> {
    // Scanned as bytes (`|` is ASCII, never part of a longer character):
    // related news parses some 200 vectors a request, and `split('|')` was
    // most of that.
    v.split_ascii_whitespace().filter_map(|e| {
        let bar = |from: usize| e.as_bytes()[from..].iter().position(|&c| c == b'|');
        let i = bar(0)?;
        let j = i + 1 + bar(i + 1)?;
        Some((&e[..i], &e[i + 1..j], e[j + 1..].parse().ok()?))
    })
}

/// Maps keyed by stem. Related news looks up some 16,000 stems a request;
/// a fast hasher halves that cost, and stems are not attacker-chosen keys
/// of a long-lived map (the vocabulary is built from the newsroom's own
/// articles).
pub type StemMap<V> = HashMap<String, V, foldhash::fast::RandomState>;

/// Term-frequency factor of a count: sublinear, so a word said ten times
/// does not weigh ten times as much.
fn tf(count: u32) -> f64 {
    1.0 + f64::from(count.max(1)).ln()
}

/// A term vector's TF-IDF weights and their norm. Related news compares
/// every candidate with the article twice (before and after feedback):
/// parsing the stored text and looking up each stem's IDF once, not each
/// time, took a tenth of a request's CPU.
pub struct Weighed<'a> {
    terms: Vec<(&'a str, f64)>,
    norm: f64,
}

impl Weighed<'_> {
    /// Cosine with already weighted `target`, whose norm is `target_norm`
    /// (the same figure as [`cosine`] of the two weighted vectors).
    pub fn cosine(&self, target: &StemMap<f64>, target_norm: f64) -> f64 {
        if self.norm == 0.0 || target_norm == 0.0 {
            return 0.0;
        }
        let dot: f64 = self
            .terms
            .iter()
            .filter_map(|(stem, w)| target.get(*stem).map(|t| w * t))
            .sum();
        (dot / (self.norm * target_norm)).clamp(0.0, 1.0)
    }
}

/// Inverse document frequencies of stems, from how many documents of a
/// sample contain each.
#[derive(Debug, Default, Clone)]
pub struct Vocabulary {
    idf: StemMap<f64>,
    /// The IDF of a stem the sample never saw.
    unseen: f64,
    docs: u32,
    tags: crate::topics::TagStats,
}

impl Vocabulary {
    pub fn from_texts<'a>(texts: impl IntoIterator<Item = &'a str>) -> Vocabulary {
        let mut df: StemMap<u32> = StemMap::default();
        let mut docs = 0u32;
        for text in texts {
            docs += 1;
            let mut seen: Vec<String> = content_stems(text).map(|(s, _)| s).collect();
            seen.sort_unstable();
            seen.dedup();
            for s in seen {
                *df.entry(s).or_default() += 1;
            }
        }
        // A stem the sample never saw counts as rare, one in nearly every
        // document counts for almost nothing.
        let idf_of = |df: u32| (f64::from(docs + 1) / (f64::from(df) + 0.5)).ln().max(0.0);
        Vocabulary {
            idf: df.into_iter().map(|(s, n)| (s, idf_of(n))).collect(),
            unseen: idf_of(0),
            docs,
            tags: Default::default(),
        }
    }

    /// With the spread of the sample's tags (see [`crate::topics`]).
    pub fn with_tags(mut self, sample: &[crate::topics::Sampled<'_>]) -> Vocabulary {
        self.tags = crate::topics::TagStats::from_sample(&self, sample);
        self
    }

    pub fn tags(&self) -> &crate::topics::TagStats {
        &self.tags
    }

    /// Inverse document frequency, computed once per stem when the
    /// vocabulary is built.
    pub fn idf(&self, stem: &str) -> f64 {
        self.idf.get(stem).copied().unwrap_or(self.unseen)
    }

    /// The share of documents containing the stem, as the sample estimates
    /// it (IDF inverted; a stem the sample never saw counts as in none).
    pub fn share(&self, stem: &str) -> f64 {
        let docs = f64::from(self.docs.max(1));
        ((f64::from(self.docs + 1) / self.idf(stem).exp() - 0.5) / docs).clamp(0.0, 1.0)
    }

    /// TF-IDF weights of a term vector, keyed by stem.
    pub fn weigh(&self, vector: &str) -> StemMap<f64> {
        vector_entries(vector)
            .map(|(s, _, n)| (s.to_owned(), tf(n) * self.idf(s)))
            .collect()
    }

    /// A term vector's TF-IDF weights scaled to length 1 (empty when it has
    /// no words), so that articles of any length add up as equals.
    pub fn unit(&self, vector: &str) -> StemMap<f64> {
        let mut v = self.weigh(vector);
        let norm = v.values().map(|x| x * x).sum::<f64>().sqrt();
        if norm == 0.0 {
            return StemMap::default();
        }
        v.values_mut().for_each(|x| *x /= norm);
        v
    }

    /// A stored term vector's TF-IDF weights, worked out once for a
    /// vector compared with several targets.
    pub fn weighed<'a>(&self, vector: &'a str) -> Weighed<'a> {
        let terms: Vec<(&str, f64)> = vector_entries(vector)
            .map(|(stem, _, n)| (stem, tf(n) * self.idf(stem)))
            .collect();
        let norm = terms.iter().map(|(_, w)| w * w).sum::<f64>().sqrt();
        Weighed { terms, norm }
    }

    /// The `n` most distinctive words of a text by TF-IDF (title words
    /// count three times): `(stem, a surface form, weight)`, best first.
    pub fn key_terms(&self, title: &str, body: &str, n: usize) -> Vec<(String, String, f64)> {
        let mut terms: Vec<(String, String, f64)> = weighted_stems([(3.0, title), (1.0, body)])
            .into_iter()
            .map(|(s, (w, f))| {
                let idf = self.idf(&s);
                (s, w, (1.0 + f.ln()) * idf)
            })
            .collect();
        terms.sort_by(|a, b| b.2.total_cmp(&a.2).then_with(|| a.0.cmp(&b.0)));
        terms.truncate(n);
        terms
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stop_words_are_listed_in_order_and_found() {
        let mut sorted = STOP_WORDS.to_vec();
        sorted.sort_unstable();
        assert_eq!(sorted, STOP_WORDS);
        assert!(is_stop_word("the") && !is_stop_word("flood"));
    }

    #[test]
    fn stems_counted_per_distinct_word_as_per_occurrence() {
        // What `weighted_stems` replaced: every occurrence stemmed.
        let per_occurrence = |title: &str, body: &str| {
            let mut tf: HashMap<String, (String, f64)> = HashMap::new();
            for (weight, text) in [(3.0, title), (1.0, body)] {
                for (s, w) in content_stems(text) {
                    tf.entry(s).or_insert((w, 0.0)).1 += weight;
                }
            }
            tf
        };
        let end = chrono::DateTime::from_timestamp(1_780_000_000, 0).unwrap_or_default();
        let mut texts: Vec<(String, String)> = (0..20)
            .map(|i| {
                let a = crate::generate::article(3, i, end);
                (a.title.unwrap_or_default(), a.body.unwrap_or_default())
            })
            .collect();
        texts.push((
            "Floods: FLOODING in Riverton".into(),
            "Flooded ΟΔΟΣ streets, Café owners; the 2024 floods flood 12 cafés.".into(),
        ));
        for (title, body) in &texts {
            let fast: HashMap<String, (String, f64)> = weighted_stems([(3.0, title), (1.0, body)])
                .into_iter()
                .collect();
            assert_eq!(fast, per_occurrence(title, body), "{title}");
        }
    }

    #[test]
    fn title_words_are_kept_first_but_counted_once() {
        // More body words, twice each, than a vector keeps.
        let body: Vec<String> = (0..VECTOR_TERMS + 10)
            .map(|i| format!("word{i} word{i}"))
            .collect();
        let vector = term_vector("Zebra crossing", &body.join(" "));
        let parsed = parse_vector(&vector);
        assert_eq!(parsed.len(), VECTOR_TERMS);
        assert!(parsed.contains(&("zebra", "zebra", 1)), "{vector}");
        assert!(parsed.contains(&("cross", "crossing", 1)), "{vector}");
        // Said in the title and twice in the body: counted three times.
        let vector = term_vector("Zebra", "zebra zebras");
        assert_eq!(parse_vector(&vector), vec![("zebra", "zebra", 3)]);
    }

    #[test]
    fn vectors_parse_back_to_what_was_counted() {
        let title = "Café owners in Ζάκυνθος";
        let body = "Café owners said the café owners' association met; cafés met twice.";
        let counted = weighted_stems([(1.0, title), (1.0, body)]);
        let vector = term_vector(title, body);
        let parsed = parse_vector(&vector);
        assert_eq!(parsed.len(), counted.len());
        for (stem, word, n) in parsed {
            assert_eq!(counted[stem], (word.to_owned(), f64::from(n)), "{stem}");
        }
        // Broken entries are skipped, not misread.
        assert_eq!(parse_vector("a|b|x c|d e f|g|2"), [("f", "g", 2)]);
    }

    #[test]
    fn words_keep_spans_and_fold_case() {
        let text = "Floods hit Riverton; café reopens.";
        let w: Vec<_> = words(text).collect();
        assert_eq!(w[0], (0, 6, "floods".into()));
        assert_eq!(&text[w[3].0..w[3].1], "café");
        assert_eq!(stem("floods"), stem("flooding"));
    }

    #[test]
    fn rare_words_are_key_terms() {
        let docs = [
            "the council met on the budget",
            "the council and the mayor",
            "river flood in riverton",
            "council vote",
        ];
        let v = Vocabulary::from_texts(docs);
        let keys = v.key_terms("Riverton flood", "the council said the river flood rose", 2);
        let stems: Vec<_> = keys.iter().map(|k| k.0.as_str()).collect();
        assert!(stems.contains(&"riverton"), "{keys:?}");
        assert!(!stems.contains(&"council"), "{keys:?}");
        assert!(v.idf("unseen") > v.idf("council"));
        // Three of four documents say "council", one says "riverton".
        assert!((v.share(&stem("council")) - 0.75).abs() < 1e-9);
        assert!((v.share("riverton") - 0.25).abs() < 1e-9);
        assert_eq!(v.share("unseen"), 0.0);
    }
}

/// Cosine similarity of two weighted vectors.
pub fn cosine(a: &StemMap<f64>, b: &StemMap<f64>) -> f64 {
    let (small, large) = if a.len() <= b.len() { (a, b) } else { (b, a) };
    let dot: f64 = small
        .iter()
        .filter_map(|(k, x)| large.get(k).map(|y| x * y))
        .sum();
    let na = a.values().map(|x| x * x).sum::<f64>().sqrt();
    let nb = b.values().map(|x| x * x).sum::<f64>().sqrt();
    if na == 0.0 || nb == 0.0 {
        0.0
    } else {
        (dot / (na * nb)).clamp(0.0, 1.0)
    }
}

#[cfg(test)]
mod vector_tests {
    use super::*;

    #[test]
    fn vectors_round_trip_and_compare() {
        let a = term_vector(
            "Riverton flood",
            "The river flooded Riverton homes. Flood crews came.",
        );
        let parsed = parse_vector(&a);
        assert_eq!(parsed[0].0, stem("flood"));
        assert!(parsed
            .iter()
            .all(|(s, w, n)| !s.is_empty() && !w.is_empty() && *n > 0));
        let b = term_vector("Flood in Riverton", "Crews worked as the river flooded.");
        let c = term_vector("Budget vote", "The council voted on the library budget.");
        let v = Vocabulary::from_texts(["riverton flood", "budget vote council", "library"]);
        assert!(cosine(&v.weigh(&a), &v.weigh(&b)) > 0.5);
        assert!(cosine(&v.weigh(&a), &v.weigh(&c)) < 0.05);
        assert!((cosine(&v.weigh(&a), &v.weigh(&a)) - 1.0).abs() < 1e-9);
        assert!(parse_vector("").is_empty());
        // A unit vector keeps the direction and has length 1.
        let unit = v.unit(&a);
        let length: f64 = unit.values().map(|x| x * x).sum::<f64>().sqrt();
        assert!((length - 1.0).abs() < 1e-9);
        // Weighed once, a vector compares as its weighted map does.
        let target = v.weigh(&b);
        let norm = target.values().map(|x| x * x).sum::<f64>().sqrt();
        for x in [&a, &b, &c, ""] {
            let once = v.weighed(x).cosine(&target, norm);
            assert!((once - cosine(&v.weigh(x), &target)).abs() < 1e-12);
        }
        assert!(v.weighed(&a).cosine(&target, norm) > 0.5);
        assert!((cosine(&unit, &v.weigh(&a)) - 1.0).abs() < 1e-9);
        assert!(v.unit("").is_empty());
    }
}
