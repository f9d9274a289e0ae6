//! Full-text search queries: what users type (words, "quoted phrases",
//! `-excluded` words), parsed once here and rendered for each backend's
//! engine (SQLite FTS5, PostgreSQL `websearch_to_tsquery`), plus the
//! highlighted snippet shown with each hit.

use crate::body::escape_html;
use crate::error::DomainError;
use crate::text::{is_stop_word, stem, words};

const SNIPPET_WORDS: usize = 30;

pub const MAX_QUERY_CHARS: usize = 500;
const MAX_TERMS: usize = 32;

/// One word or phrase of a query.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueryTerm {
    /// Lowercased words; more than one is a phrase.
    pub words: Vec<String>,
    pub negated: bool,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchQuery {
    pub terms: Vec<QueryTerm>,
}

fn bad(msg: &str) -> DomainError {
    DomainError::BadRequest(msg.into())
}

impl SearchQuery {
    /// Parses user input. A lone quote runs to the end of the query; a query
    /// with nothing to look for, or too long, is a 400.
    pub fn parse(raw: &str) -> Result<SearchQuery, DomainError> {
        if raw.chars().count() > MAX_QUERY_CHARS {
            return Err(DomainError::BadRequest(format!(
                "the query is too long: at most {MAX_QUERY_CHARS} characters"
            )));
        }
        let mut terms = Vec::new();
        let mut rest = raw.trim();
        while !rest.is_empty() {
            let negated = rest.starts_with('-');
            if negated {
                rest = &rest[1..];
            }
            let (chunk, next) = if let Some(after) = rest.strip_prefix('"') {
                match after.find('"') {
                    Some(end) => (&after[..end], &after[end + 1..]),
                    None => (after, ""),
                }
            } else {
                match rest.find(|c: char| c.is_whitespace() || c == '"') {
                    Some(end) => (&rest[..end], &rest[end..]),
                    None => (rest, ""),
                }
            };
            let ws: Vec<String> = words(chunk).map(|(_, _, w)| w).collect();
            if !ws.is_empty() {
                terms.push(QueryTerm { words: ws, negated });
            }
            rest = next.trim_start();
        }
        if terms.len() > MAX_TERMS {
            return Err(DomainError::BadRequest(format!(
                "the query has too many words: at most {MAX_TERMS}"
            )));
        }
        if !terms.iter().any(|t| !t.negated) {
            return Err(bad("the query has no words to look for"));
        }
        // PostgreSQL drops stop words and would match nothing; FTS5 keeps
        // them and would match nearly everything. Neither answers the
        // question, so both say so.
        if !terms
            .iter()
            .any(|t| !t.negated && t.words.iter().any(|w| !is_stop_word(w)))
        {
            return Err(bad(
                "the query has no words to look for, only common ones like \"the\"",
            ));
        }
        // A lone stop word means nothing on either engine, and PostgreSQL's
        // websearch syntax would read `or` as an operator that FTS5 never
        // sees: dropping them makes `a OR b` mean `a b` on both.
        terms.retain(|t| t.words.len() > 1 || t.words.first().is_some_and(|w| !is_stop_word(w)));
        Ok(SearchQuery { terms })
    }

    /// FTS5 MATCH syntax. Every word is quoted, so nothing the user typed
    /// can be read as an FTS5 operator or column filter.
    pub fn fts5(&self) -> String {
        let quote = |t: &QueryTerm| format!("\"{}\"", t.words.join(" ").replace('"', ""));
        let positive: Vec<String> = self
            .terms
            .iter()
            .filter(|t| !t.negated)
            .map(quote)
            .collect();
        let mut out = positive.join(" ");
        for t in self.terms.iter().filter(|t| t.negated) {
            out.push_str(" NOT ");
            out.push_str(&quote(t));
        }
        out
    }

    /// Input for PostgreSQL's `websearch_to_tsquery`, which never fails on syntax.
    pub fn websearch(&self) -> String {
        let render = |t: &QueryTerm| {
            let body = t.words.join(" ");
            let body = if t.words.len() > 1 {
                format!("\"{body}\"")
            } else {
                body
            };
            if t.negated {
                format!("-{body}")
            } else {
                body
            }
        };
        let positive: Vec<String> = self
            .terms
            .iter()
            .filter(|t| !t.negated)
            .map(render)
            .collect();
        let mut parts = vec![positive.join(" ")];
        parts.extend(self.terms.iter().filter(|t| t.negated).map(render));
        parts.join(" ")
    }

    /// Stems of the words a hit should show marked.
    pub fn positive_stems(&self) -> Vec<String> {
        self.terms
            .iter()
            .filter(|t| !t.negated)
            .flat_map(|t| t.words.iter())
            .filter(|w| !is_stop_word(w))
            .map(|w| stem(w))
            .collect()
    }
}

/// A snippet of `text` around the densest run of query words, HTML-escaped,
/// with the words wrapped in `<mark>`. Falls back to the text's opening.
/// The snippet shown with a hit: the body around its matches, or the
/// title when only the title matches.
pub fn snippet(title: &str, body: &str, stems: &[String]) -> String {
    let in_body = highlight(body, stems, SNIPPET_WORDS);
    if in_body.contains("<mark>") || body.is_empty() {
        if in_body.is_empty() {
            return highlight(title, stems, SNIPPET_WORDS);
        }
        return in_body;
    }
    let in_title = highlight(title, stems, SNIPPET_WORDS);
    if in_title.contains("<mark>") {
        in_title
    } else {
        in_body
    }
}

pub fn highlight(text: &str, stems: &[String], max_words: usize) -> String {
    let all: Vec<(usize, usize, String)> = words(text).collect();
    if all.is_empty() {
        return String::new();
    }
    // Stemming every word of a body is the costly part: only words that
    // start like some query stem can stem to it.
    let prefixes: Vec<String> = stems.iter().map(|s| s.chars().take(3).collect()).collect();
    let hits: Vec<bool> = all
        .iter()
        .map(|(_, _, w)| {
            prefixes.iter().any(|p| w.starts_with(p.as_str())) && stems.contains(&stem(w))
        })
        .collect();
    let window = max_words.min(all.len());
    let mut best = (0usize, 0usize);
    let mut count: usize = hits[..window].iter().filter(|h| **h).count();
    best.1 = count;
    for start in 1..=all.len() - window {
        count = count + usize::from(hits[start + window - 1]) - usize::from(hits[start - 1]);
        if count > best.1 {
            best = (start, count);
        }
    }
    // Start a little before the first hit of the window, for context.
    let first_hit = (best.0..best.0 + window)
        .find(|i| hits[*i])
        .unwrap_or(best.0);
    let start = first_hit.saturating_sub(4).min(all.len() - window);
    let end = start + window;
    let from = if start == 0 { 0 } else { all[start].0 };
    let to = if end == all.len() {
        text.len()
    } else {
        all[end - 1].1
    };
    let mut out = String::new();
    if start > 0 {
        out.push('…');
    }
    let mut pos = from;
    for i in start..end {
        let (s, e, _) = &all[i];
        out.push_str(&escape_html(&text[pos..*s]));
        if hits[i] {
            out.push_str("<mark>");
            out.push_str(&escape_html(&text[*s..*e]));
            out.push_str("</mark>");
        } else {
            out.push_str(&escape_html(&text[*s..*e]));
        }
        pos = *e;
    }
    out.push_str(&escape_html(&text[pos..to]));
    if end < all.len() {
        out.push('…');
    }
    out.split_whitespace().collect::<Vec<_>>().join(" ")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_words_phrases_and_exclusions() {
        let q = SearchQuery::parse(r#"flood "coast road" -storm"#).expect("valid");
        assert_eq!(q.terms.len(), 3);
        assert_eq!(q.terms[1].words, ["coast", "road"]);
        assert!(q.terms[2].negated);
        assert_eq!(q.fts5(), r#""flood" "coast road" NOT "storm""#);
        assert_eq!(q.websearch(), r#"flood "coast road" -storm"#);
    }

    #[test]
    fn or_is_a_plain_word_on_both_engines() {
        let q = SearchQuery::parse("harbour OR qqqq").expect("valid");
        assert_eq!(q.fts5(), r#""harbour" "qqqq""#);
        assert_eq!(q.websearch(), "harbour qqqq");
        let phrase = SearchQuery::parse(r#""salt or pepper""#).expect("valid");
        assert_eq!(phrase.websearch(), r#""salt or pepper""#);
    }

    #[test]
    fn hostile_input_is_refused_or_defused() {
        for bad in [
            "",
            "   ",
            "\"",
            "- - -",
            "-storm",
            "\"\"",
            "!!! ???",
            &"word ".repeat(200),
        ] {
            assert!(SearchQuery::parse(bad).is_err(), "{bad:?}");
        }
        let lone = SearchQuery::parse("\"coast road").expect("a lone quote runs to the end");
        assert_eq!(lone.terms[0].words, ["coast", "road"]);
        let ops = SearchQuery::parse("title:x OR NEAR(a b) AND *").expect("operators are words");
        assert!(ops
            .fts5()
            .split('"')
            .all(|p| !p.contains(':') && !p.contains('*') && !p.contains('(')));
    }

    #[test]
    fn stop_words_alone_are_refused() {
        for raw in ["the", "The and of", "\"of the\"", "the -storm"] {
            assert!(
                matches!(SearchQuery::parse(raw), Err(DomainError::BadRequest(_))),
                "{raw}"
            );
        }
        assert!(SearchQuery::parse("the storm").is_ok());
        assert!(SearchQuery::parse("\"eye of the storm\"").is_ok());
    }

    #[test]
    fn highlight_marks_and_escapes() {
        let text = "Intro words here. The <b>flooded</b> road & the coast were closed after floods, officials said.";
        let q = SearchQuery::parse("flood").expect("valid");
        let h = highlight(text, &q.positive_stems(), 8);
        assert!(h.contains("<mark>flooded</mark>"), "{h}");
        assert!(h.contains("&lt;b&gt;") || h.contains("&amp;"), "{h}");
        assert!(!h.contains("<b>"), "{h}");
        assert!(h.starts_with('…') || h.starts_with("Intro"));
        assert_eq!(highlight("", &q.positive_stems(), 8), "");
    }
}
