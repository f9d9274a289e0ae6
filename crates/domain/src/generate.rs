//! A deterministic synthetic corpus for benchmarks: realistic sizes and
//! distributions (3-8 KB bodies, 3-6 tags per article from a pool of 1,000
//! with a long tail, 20 sections, 200 authors, dates over two years), the
//! same articles for the same seed and end date.

use chrono::{DateTime, TimeDelta, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::article::ArticleInput;

pub const TAG_POOL: usize = 1000;
pub const SECTIONS: usize = 20;
pub const AUTHORS: usize = 200;
const SPAN_DAYS: i64 = 730;

const WORDS: &[&str] = &[
    "council",
    "budget",
    "harbour",
    "election",
    "minister",
    "storm",
    "flood",
    "river",
    "school",
    "hospital",
    "court",
    "trial",
    "market",
    "energy",
    "wind",
    "solar",
    "grid",
    "transport",
    "rail",
    "bridge",
    "housing",
    "rent",
    "tenant",
    "festival",
    "museum",
    "theatre",
    "football",
    "league",
    "coach",
    "season",
    "climate",
    "drought",
    "harvest",
    "farm",
    "wheat",
    "export",
    "tariff",
    "trade",
    "union",
    "strike",
    "wage",
    "inflation",
    "bank",
    "interest",
    "mortgage",
    "police",
    "inquiry",
    "report",
    "audit",
    "mayor",
    "governor",
    "senate",
    "vote",
    "ballot",
    "campaign",
    "debate",
    "science",
    "vaccine",
    "research",
    "university",
    "student",
    "teacher",
    "library",
    "park",
    "forest",
    "wildfire",
    "earthquake",
    "volcano",
    "coast",
    "island",
    "ferry",
    "airport",
    "flight",
    "pilot",
    "border",
    "treaty",
    "summit",
    "embassy",
    "refugee",
    "aid",
    "charity",
    "volunteer",
    "community",
    "village",
    "city",
    "district",
    "neighbourhood",
    "street",
    "traffic",
    "cycling",
    "water",
    "pipeline",
    "factory",
    "jobs",
    "startup",
    "software",
    "data",
    "privacy",
    "phone",
    "satellite",
    "rocket",
    "telescope",
    "ocean",
    "fishing",
    "whale",
    "bird",
    "species",
    "garden",
    "recipe",
    "restaurant",
    "chef",
    "wine",
    "coffee",
    "film",
    "album",
    "concert",
    "novel",
    "poet",
    "painter",
    "gallery",
    "architect",
    "tower",
    "stadium",
    "olympic",
    "medal",
    "record",
    "champion",
    "injury",
    "doctor",
    "nurse",
    "clinic",
    "patient",
    "pension",
    "tax",
    "reform",
    "law",
    "judge",
    "appeal",
    "verdict",
    "witness",
    "evidence",
    "protest",
    "march",
    "rally",
    "statement",
    "spokesperson",
];
const CONNECTIVES: &[&str] = &[
    "the",
    "a",
    "of",
    "and",
    "to",
    "in",
    "on",
    "for",
    "with",
    "after",
    "before",
    "as",
    "said",
    "that",
    "from",
    "by",
    "at",
    "over",
    "new",
    "local",
    "officials",
    "residents",
    "on Tuesday",
    "this week",
    "according to",
    "is",
    "was",
    "will",
    "has",
    "had",
];

/// Syllables of the made-up words that give the corpus a long-tailed
/// vocabulary, as real text has: without them every article would contain
/// every word and no search or similarity would be realistic.
const SYLLABLES: &[&str] = &[
    "ka", "lo", "mi", "ren", "tas", "vo", "ber", "dun", "el", "fa", "gor", "hal", "is", "jor",
    "kel", "lum", "mar", "nov", "or", "pel", "quin", "ros", "sil", "tor", "ul", "ven", "wes",
    "xan", "yor", "zed",
];
pub const VOCABULARY: usize = 8000;

/// Made-up word `i` of the long tail: two or three syllables from `i`'s
/// digits in base 30, so word 0 is "kaka", word 31 "lolo", and so on.
pub fn pseudo_word(i: usize) -> String {
    let n = SYLLABLES.len();
    let (a, b, c) = (i % n, (i / n) % n, i / (n * n));
    let mut w = format!("{}{}", SYLLABLES[a], SYLLABLES[b]);
    if c > 0 {
        w.push_str(SYLLABLES[c % n]);
    }
    w
}

fn pick<'a>(rng: &mut StdRng, list: &'a [&'a str]) -> &'a str {
    list[rng.random_range(0..list.len())]
}

fn capitalise(w: &str) -> String {
    let mut c = w.chars();
    c.next()
        .map(|f| f.to_uppercase().chain(c).collect())
        .unwrap_or_default()
}

/// Tag `i` of the pool: two words and a number keep 1,000 names distinct.
pub fn tag_name(i: usize) -> String {
    let a = WORDS[i % WORDS.len()];
    let b = WORDS[(i / WORDS.len() * 7 + i * 3 + 1) % WORDS.len()];
    format!("{} {} {}", capitalise(a), capitalise(b), i)
}

/// Skewed choice: low indexes are common, high ones rare (a long tail).
fn long_tail(rng: &mut StdRng, n: usize) -> usize {
    let u: f64 = rng.random();
    ((u * u * u) * n as f64) as usize % n
}

/// A content word: one in four from the long tail of made-up words (the
/// names, places and jargon of real news), the rest from the common list.
fn content_word(rng: &mut StdRng) -> String {
    if rng.random_ratio(1, 4) {
        pseudo_word(long_tail(rng, VOCABULARY))
    } else {
        pick(rng, WORDS).to_owned()
    }
}

fn sentence(rng: &mut StdRng) -> String {
    let len = rng.random_range(8..20);
    let mut words: Vec<String> = Vec::with_capacity(len);
    for i in 0..len {
        let w = if i % 2 == 0 {
            content_word(rng)
        } else {
            pick(rng, CONNECTIVES).to_owned()
        };
        words.push(if i == 0 { capitalise(&w) } else { w });
    }
    format!("{}.", words.join(" "))
}

/// Article `n` of the corpus for `seed`, dated within two years before `end`.
pub fn article(seed: u64, n: u64, end: DateTime<Utc>) -> ArticleInput {
    let mut rng = StdRng::seed_from_u64(seed ^ n.wrapping_mul(0x9E37_79B9_7F4A_7C15));
    let title_words: Vec<String> = (0..rng.random_range(6..12))
        .map(|_| capitalise(&content_word(&mut rng)))
        .collect();
    let title = format!("{} {}", title_words.join(" "), n);
    let target = rng.random_range(3000..8000);
    let mut body = String::with_capacity(target + 200);
    while body.len() < target {
        let sentences: Vec<String> = (0..rng.random_range(3..6))
            .map(|_| sentence(&mut rng))
            .collect();
        body.push_str(&sentences.join(" "));
        body.push_str("\n\n");
    }
    let mut tags: Vec<String> = Vec::new();
    let want = rng.random_range(3..=6);
    while tags.len() < want {
        let t = tag_name(long_tail(&mut rng, TAG_POOL));
        if !tags.contains(&t) {
            tags.push(t);
        }
    }
    let age = TimeDelta::seconds(rng.random_range(0..SPAN_DAYS * 86_400));
    let published_at = (end - age).to_rfc3339_opts(chrono::SecondsFormat::Secs, true);
    ArticleInput {
        title: Some(title),
        slug: Some(format!("generated-{n}")),
        body: Some(body.trim_end().to_owned()),
        body_format: Some("text".into()),
        section: Some(format!("Section {}", rng.random_range(0..SECTIONS))),
        tags,
        authors: vec![format!("Reporter {}", long_tail(&mut rng, AUTHORS))],
        status: Some("published".into()),
        published_at: Some(published_at.clone()),
        created_at: Some(published_at),
        ..Default::default()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::article::ArticleStatus;
    use crate::query::parse_time;

    #[test]
    fn same_seed_same_article_and_realistic_sizes() {
        let end = parse_time("2026-01-01").expect("date");
        for n in 0..50 {
            let a = article(7, n, end);
            assert_eq!(a, article(7, n, end));
            let len = a.body.as_ref().map_or(0, String::len);
            assert!((3000..8500).contains(&len), "body of {len} bytes");
            assert!((3..=6).contains(&a.tags.len()));
            assert!(a.clone().validate(ArticleStatus::Published, end).is_ok());
        }
        assert_ne!(article(7, 1, end), article(8, 1, end));
    }

    #[test]
    fn pseudo_words_are_distinct() {
        let mut words: Vec<String> = (0..VOCABULARY).map(pseudo_word).collect();
        words.sort();
        words.dedup();
        assert_eq!(words.len(), VOCABULARY);
        assert_eq!(pseudo_word(0), "kaka");
    }

    #[test]
    fn bodies_carry_a_long_tailed_vocabulary() {
        // Search and related-news benchmarks query made-up words: they must
        // be in the text, common ones in many articles, rare ones in few.
        let end = parse_time("2026-01-01").expect("date");
        let bodies: Vec<String> = (0..300)
            .map(|n| article(1, n, end).body.unwrap_or_default())
            .collect();
        let articles_with = |i: usize| {
            let w = format!(" {} ", pseudo_word(i));
            bodies.iter().filter(|b| b.contains(&w)).count()
        };
        let (head, middle, tail) = (articles_with(0), articles_with(300), articles_with(7000));
        assert!(head > 250, "word 0 in {head} of 300 articles");
        assert!((3..150).contains(&middle), "word 300 in {middle} of 300");
        assert!(tail < middle, "word 7000 in {tail}, word 300 in {middle}");
    }

    #[test]
    fn tag_pool_names_are_distinct() {
        let mut names: Vec<String> = (0..TAG_POOL).map(tag_name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), TAG_POOL);
    }
}
