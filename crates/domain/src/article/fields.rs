//! One parser per article field, in the Zero To Production manner: each
//! turns raw text into a value that is valid by construction, or says what
//! is wrong with it. Messages take their limits from the constants, so a
//! limit changes in one place.

use chrono::{DateTime, Utc};

use super::{
    to_micros, ArticleStatus, Correction, Image, Source, MAX_BODY_BYTES, MAX_CORRECTION_CHARS,
    MAX_EXCERPT_CHARS, MAX_TERMS, MAX_TITLE_CHARS,
};
use crate::body::BodyFormat;
use crate::error::FieldError;
use crate::query::parse_time;
use crate::term::TermName;

/// A headline: required, whitespace collapsed, at most `MAX_TITLE_CHARS`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Title(String);

impl Title {
    pub fn parse(raw: Option<&str>) -> Result<Title, String> {
        let t = raw
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        if t.is_empty() {
            return Err("is required".into());
        }
        at_most_chars(t, MAX_TITLE_CHARS).map(Title)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn into_inner(self) -> String {
        self.0
    }
}

/// A standfirst under the headline, as long as a title may be.
pub fn subtitle(raw: String) -> Result<String, String> {
    at_most_chars(raw, MAX_TITLE_CHARS)
}

/// A summary written by the editor, at most `MAX_EXCERPT_CHARS`.
pub fn excerpt(raw: String) -> Result<String, String> {
    at_most_chars(raw, MAX_EXCERPT_CHARS)
}

fn at_most_chars(s: String, max: usize) -> Result<String, String> {
    if s.chars().count() > max {
        return Err(format!("must be at most {max} characters"));
    }
    Ok(s)
}

pub fn body_format(raw: Option<&str>) -> Result<BodyFormat, String> {
    match raw {
        None => Ok(BodyFormat::Markdown),
        Some(f) => BodyFormat::parse(f).ok_or_else(|| "must be one of markdown, html, text".into()),
    }
}

pub fn body(raw: Option<String>) -> Result<String, String> {
    let body = raw.unwrap_or_default();
    if body.len() > MAX_BODY_BYTES {
        return Err(format!("must be at most {} MiB", MAX_BODY_BYTES >> 20));
    }
    Ok(body)
}

/// An RFC 3339 date-time (or a bare date), kept to the microsecond both
/// backends store.
pub fn time(raw: String) -> Result<DateTime<Utc>, String> {
    parse_time(&raw)
        .map(to_micros)
        .ok_or_else(|| "must be an RFC 3339 date-time".into())
}

pub fn status(raw: Option<&str>, default: ArticleStatus) -> Result<ArticleStatus, String> {
    match raw {
        None => Ok(default),
        Some(s) => ArticleStatus::parse(s)
            .ok_or_else(|| "must be one of draft, scheduled, published, archived".into()),
    }
}

/// The publication time a status implies: now for a published article
/// without one, and a time to come for a scheduled one.
pub fn publication(
    status: ArticleStatus,
    at: Option<DateTime<Utc>>,
    now: DateTime<Utc>,
) -> Result<Option<DateTime<Utc>>, String> {
    match status {
        ArticleStatus::Published => Ok(Some(at.unwrap_or(now))),
        ArticleStatus::Scheduled if at.is_none_or(|t| t <= now) => {
            Err("a scheduled article needs a published_at in the future".into())
        }
        _ => Ok(at),
    }
}

/// A BCP 47-shaped language tag such as `en` or `pt-BR`.
pub fn language(raw: String) -> Result<String, String> {
    let mut parts = raw.split('-');
    let primary = parts.next().unwrap_or_default();
    let ok = (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts
            .all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()));
    if !ok {
        return Err("must be a language tag such as en or pt-BR".into());
    }
    Ok(raw)
}

pub fn http_url(raw: String) -> Result<String, String> {
    if !is_url(&raw) {
        return Err("must be an http(s) URL".into());
    }
    Ok(raw)
}

fn is_url(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() > 8
        && !u.chars().any(|c| c.is_whitespace() || c.is_control())
}

/// Tidies text that may be absent: trimmed, and empty means absent.
pub fn clean_opt(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// Collects every field's error so a caller hears about all of them at once.
#[derive(Debug, Default)]
pub struct Checks(pub Vec<FieldError>);

impl Checks {
    pub fn error(&mut self, field: &str, message: impl Into<String>) {
        self.0.push(FieldError::new(field, message));
    }

    /// The value, or `None` with the error noted under `field`.
    pub fn take<T>(&mut self, field: &str, r: Result<T, String>) -> Option<T> {
        r.map_err(|m| self.error(field, m)).ok()
    }

    /// An optional text field: absent or blank is `None`, else parsed.
    pub fn opt<T>(
        &mut self,
        field: &str,
        raw: Option<String>,
        parse: impl FnOnce(String) -> Result<T, String>,
    ) -> Option<T> {
        clean_opt(raw).and_then(|s| self.take(field, parse(s)))
    }

    /// Tag or author names, deduplicated by slug, at most `MAX_TERMS`.
    pub fn terms(&mut self, field: &str, names: Vec<String>) -> Vec<TermName> {
        if names.len() > MAX_TERMS {
            self.error(field, format!("at most {MAX_TERMS} entries"));
            return Vec::new();
        }
        let mut out: Vec<TermName> = Vec::new();
        for n in names {
            match TermName::parse(&n) {
                Ok(t) if out.iter().any(|o| o.slug == t.slug) => {}
                Ok(t) => out.push(t),
                Err(m) => self.error(field, format!("{n:?} {m}")),
            }
        }
        out
    }

    /// Imported corrections: each with its text, at most
    /// `MAX_CORRECTION_CHARS`; none means the article keeps its own.
    pub fn corrections(&mut self, raw: Vec<Correction>) -> Option<Vec<Correction>> {
        if raw.is_empty() {
            return None;
        }
        let mut out = Vec::with_capacity(raw.len());
        for c in raw {
            let text = c.text.trim().to_owned();
            if text.is_empty() || text.chars().count() > MAX_CORRECTION_CHARS {
                self.error(
                    "corrections",
                    format!("each needs a text of 1 to {MAX_CORRECTION_CHARS} characters"),
                );
                continue;
            }
            out.push(Correction {
                text,
                published_at: to_micros(c.published_at),
            });
        }
        Some(out)
    }

    pub fn image(&mut self, raw: Option<Image>) -> Option<Image> {
        let i = raw?;
        let url = i.url.trim().to_owned();
        if !is_url(&url) && !url.starts_with('/') {
            self.error("image.url", "must be an http(s) URL or an absolute path");
        }
        Some(Image {
            url,
            alt: clean_opt(i.alt),
            caption: clean_opt(i.caption),
        })
    }

    pub fn source(&mut self, raw: Option<Source>) -> Option<Source> {
        let s = raw?;
        let name = s.name.trim().to_owned();
        if name.is_empty() {
            self.error("source.name", "is required when source is given");
        }
        let url = self.opt("source.url", s.url, http_url);
        Some(Source { name, url })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limits_come_from_the_constants() {
        let long = "x".repeat(MAX_TITLE_CHARS + 1);
        assert_eq!(
            Title::parse(Some(&long)),
            Err(format!("must be at most {MAX_TITLE_CHARS} characters"))
        );
        assert_eq!(
            Title::parse(Some(" a \n b ")).map(Title::into_inner),
            Ok("a b".into())
        );
        assert_eq!(Title::parse(Some("  ")), Err("is required".into()));
        assert!(excerpt("x".repeat(MAX_EXCERPT_CHARS)).is_ok());
        assert!(excerpt("x".repeat(MAX_EXCERPT_CHARS + 1)).is_err());
        assert_eq!(
            body(Some("x".repeat(MAX_BODY_BYTES + 1))),
            Err("must be at most 1 MiB".into())
        );
    }

    #[test]
    fn languages_and_urls() {
        for ok in ["en", "pt-BR", "zh-Hant-TW"] {
            assert!(language(ok.into()).is_ok(), "{ok}");
        }
        for bad in ["e", "english!", "en-", "12"] {
            assert!(language(bad.into()).is_err(), "{bad}");
        }
        assert!(http_url("https://example.org/a".into()).is_ok());
        for bad in ["ftp://x", "https://", "https://a b.org"] {
            assert!(http_url(bad.into()).is_err(), "{bad}");
        }
    }

    #[test]
    fn a_past_schedule_is_refused_and_publishing_dates_now() {
        let now = parse_time("2024-01-01T00:00:00Z").expect("a date");
        let past = parse_time("2023-01-01T00:00:00Z");
        assert!(publication(ArticleStatus::Scheduled, past, now).is_err());
        assert!(publication(ArticleStatus::Scheduled, None, now).is_err());
        assert_eq!(
            publication(ArticleStatus::Published, None, now),
            Ok(Some(now))
        );
        assert_eq!(publication(ArticleStatus::Draft, past, now), Ok(past));
    }

    #[test]
    fn checks_collect_every_error_and_dedupe_terms() {
        let mut c = Checks::default();
        let names = vec!["Climate".into(), "climate".into(), "!!!".into()];
        let terms = c.terms("tags", names);
        assert_eq!(terms.len(), 1);
        let too_many = vec!["a".to_owned(); MAX_TERMS + 1];
        assert!(c.terms("authors", too_many).is_empty());
        assert_eq!(c.opt("subtitle", Some("   ".into()), subtitle), None);
        let fields: Vec<_> = c.0.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["tags", "authors"]);
    }

    #[test]
    fn imported_corrections_need_text_and_none_keeps_the_articles_own() {
        let at = parse_time("2024-01-01T00:00:00Z").expect("a date");
        let mut c = Checks::default();
        assert_eq!(c.corrections(Vec::new()), None);
        let kept = c.corrections(vec![Correction {
            text: "  Fixed a name. ".into(),
            published_at: at,
        }]);
        assert_eq!(
            kept.map(|v| v[0].text.clone()),
            Some("Fixed a name.".into())
        );
        assert!(c.0.is_empty());
        c.corrections(vec![Correction {
            text: " ".into(),
            published_at: at,
        }]);
        assert_eq!(c.0.len(), 1);
        assert_eq!(c.0[0].field, "corrections");
    }
}
