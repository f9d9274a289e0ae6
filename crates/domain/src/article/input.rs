//! What an editor sends (`ArticleInput`) and what the store writes
//! (`ArticleWrite`): every field checked, every error reported at once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::{
    to_micros, ArticleStatus, MADE_EXCERPT_CHARS, MAX_BODY_BYTES, MAX_EXCERPT_CHARS, MAX_TERMS,
    MAX_TITLE_CHARS,
};
use crate::body::{self, BodyFormat};
use crate::error::{DomainError, FieldError};
use crate::query::parse_time;
use crate::slug::Slug;
use crate::term::TermName;

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Image {
    pub url: String,
    #[serde(default)]
    pub alt: Option<String>,
    #[serde(default)]
    pub caption: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Source {
    pub name: String,
    #[serde(default)]
    pub url: Option<String>,
}

/// The create body of the REST API and one line of an NDJSON import or
/// export. Everything is optional at this level so that a missing title is a
/// 422 naming the field rather than a parse error.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct ArticleInput {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub title: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub slug: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub subtitle: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub excerpt: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub body_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub published_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub image: Option<Image>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub source: Option<Source>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub canonical_url: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// Import/export only: restores the original dates of a backup.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub created_at: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// The byline's e-mail from an import: kept for the newsroom, never public.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contact_email: Option<String>,
}

/// A validated article, ready for the store.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleWrite {
    pub slug: Slug,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    pub body_source: String,
    pub body_format: BodyFormat,
    pub body_html: String,
    pub body_text: String,
    /// Never `Scheduled`: see [`ArticleStatus`].
    pub status: ArticleStatus,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub canonical_url: Option<String>,
    pub image: Option<Image>,
    pub source: Option<Source>,
    pub language: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub contact_email: Option<String>,
    /// The article's most frequent words, for related news (see `text::term_vector`).
    pub term_vector: String,
    pub section: Option<TermName>,
    pub tags: Vec<TermName>,
    pub authors: Vec<TermName>,
}

impl ArticleWrite {
    /// Key of the newest-first order: the publication time, or the creation
    /// time of an article never published.
    pub fn sort_at(&self) -> DateTime<Utc> {
        self.published_at.unwrap_or(self.created_at)
    }
}

impl ArticleInput {
    /// Checks every field and reports all problems at once. `default_status`
    /// is what an input without a status gets (drafts over REST, published
    /// on import).
    pub fn validate(
        self,
        default_status: ArticleStatus,
        now: DateTime<Utc>,
    ) -> Result<ArticleWrite, DomainError> {
        let mut errors: Vec<FieldError> = Vec::new();
        let mut err = |field: &str, msg: &str| errors.push(FieldError::new(field, msg));

        let title = self
            .title
            .as_deref()
            .map(|t| t.split_whitespace().collect::<Vec<_>>().join(" "))
            .unwrap_or_default();
        if title.is_empty() {
            err("title", "is required");
        } else if title.chars().count() > MAX_TITLE_CHARS {
            err("title", "must be at most 300 characters");
        }

        let slug = match self
            .slug
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            Some(s) => match Slug::parse(s) {
                Ok(slug) => Some(slug),
                Err(m) => {
                    err("slug", &m);
                    None
                }
            },
            None => Slug::from_text(&title).or_else(|| {
                (!title.is_empty())
                    .then(|| Slug::from_text("article"))
                    .flatten()
            }),
        };

        let format = match self.body_format.as_deref() {
            None => BodyFormat::Markdown,
            Some(f) => BodyFormat::parse(f).unwrap_or_else(|| {
                err("body_format", "must be one of markdown, html, text");
                BodyFormat::Markdown
            }),
        };
        let body_source = self.body.unwrap_or_default();
        if body_source.len() > MAX_BODY_BYTES {
            err("body", "must be at most 1 MiB");
        }

        let mut time = |field: &str, v: Option<String>| {
            v.filter(|s| !s.trim().is_empty()).and_then(|s| {
                let t = parse_time(&s).map(to_micros);
                if t.is_none() {
                    err(field, "must be an RFC 3339 date-time");
                }
                t
            })
        };
        let published_at = time("published_at", self.published_at);
        let created_at = time("created_at", self.created_at);
        let updated_at = time("updated_at", self.updated_at);

        let requested = match self.status.as_deref() {
            None => default_status,
            Some(s) => ArticleStatus::parse(s).unwrap_or_else(|| {
                err(
                    "status",
                    "must be one of draft, scheduled, published, archived",
                );
                default_status
            }),
        };
        let published_at = match requested {
            ArticleStatus::Published => Some(published_at.unwrap_or(now)),
            ArticleStatus::Scheduled => {
                if published_at.is_none_or(|t| t <= now) {
                    err(
                        "published_at",
                        "a scheduled article needs a published_at in the future",
                    );
                }
                published_at
            }
            _ => published_at,
        };

        let subtitle = clean_opt(self.subtitle);
        if subtitle
            .as_ref()
            .is_some_and(|s| s.chars().count() > MAX_TITLE_CHARS)
        {
            err("subtitle", "must be at most 300 characters");
        }
        let excerpt = clean_opt(self.excerpt);
        if excerpt
            .as_ref()
            .is_some_and(|s| s.chars().count() > MAX_EXCERPT_CHARS)
        {
            err("excerpt", "must be at most 500 characters");
        }

        let mut terms = |field: &str, names: Vec<String>| -> Vec<TermName> {
            if names.len() > MAX_TERMS {
                err(field, "at most 50 entries");
                return Vec::new();
            }
            let mut out: Vec<TermName> = Vec::new();
            for n in names {
                match TermName::parse(&n) {
                    Ok(t) if out.iter().any(|o| o.slug == t.slug) => {}
                    Ok(t) => out.push(t),
                    Err(m) => err(field, &format!("{n:?} {m}")),
                }
            }
            out
        };
        let tags = terms("tags", self.tags);
        let authors = terms("authors", self.authors);
        let section = match clean_opt(self.section) {
            None => None,
            Some(s) => match TermName::parse(&s) {
                Ok(t) => Some(t),
                Err(m) => {
                    err("section", &m);
                    None
                }
            },
        };

        let language = clean_opt(self.language).unwrap_or_else(|| "en".into());
        if !is_language_tag(&language) {
            err("language", "must be a language tag such as en or pt-BR");
        }
        let canonical_url = clean_opt(self.canonical_url);
        if canonical_url.as_deref().is_some_and(|u| !is_url(u)) {
            err("canonical_url", "must be an http(s) URL");
        }
        let image = self.image.map(|i| Image {
            url: i.url.trim().to_owned(),
            alt: clean_opt(i.alt),
            caption: clean_opt(i.caption),
        });
        if image
            .as_ref()
            .is_some_and(|i| !is_url(&i.url) && !i.url.starts_with('/'))
        {
            err("image.url", "must be an http(s) URL or an absolute path");
        }
        let source = self.source.map(|s| Source {
            name: s.name.trim().to_owned(),
            url: clean_opt(s.url),
        });
        if let Some(s) = &source {
            if s.name.is_empty() {
                err("source.name", "is required when source is given");
            }
            if s.url.as_deref().is_some_and(|u| !is_url(u)) {
                err("source.url", "must be an http(s) URL");
            }
        }
        let contact_email = clean_opt(self.contact_email);

        let (Some(slug), true) = (slug, errors.is_empty()) else {
            return Err(DomainError::Invalid(errors));
        };

        let rendered = body::render(format, &body_source);
        let words = body::word_count(&rendered.text);
        let excerpt =
            excerpt.unwrap_or_else(|| body::excerpt_from(&rendered.text, MADE_EXCERPT_CHARS));
        // An article that arrives already published (an import of old news)
        // was created no later than it was published.
        let created_at =
            created_at.unwrap_or_else(|| published_at.filter(|t| *t < now).unwrap_or(now));
        let term_vector = crate::text::term_vector(&title, &rendered.text);
        Ok(ArticleWrite {
            slug,
            title,
            subtitle,
            excerpt,
            body_source,
            body_format: format,
            body_html: rendered.html,
            body_text: rendered.text,
            status: requested.stored(),
            published_at,
            created_at,
            updated_at: updated_at.unwrap_or(now).max(created_at),
            canonical_url,
            image,
            source,
            language,
            word_count: i32::try_from(words).unwrap_or(i32::MAX),
            reading_time_minutes: i32::try_from(body::reading_time_minutes(words))
                .unwrap_or(i32::MAX),
            contact_email,
            term_vector,
            section,
            tags,
            authors,
        })
    }
}

fn clean_opt(s: Option<String>) -> Option<String> {
    s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

fn is_url(u: &str) -> bool {
    (u.starts_with("https://") || u.starts_with("http://"))
        && u.len() > 8
        && !u.chars().any(|c| c.is_whitespace() || c.is_control())
}

fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let primary = parts.next().unwrap_or_default();
    (2..=3).contains(&primary.len())
        && primary.bytes().all(|b| b.is_ascii_alphabetic())
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn at(s: &str) -> DateTime<Utc> {
        parse_time(s).expect("valid time")
    }

    #[test]
    fn minimal_input_gets_defaults() {
        let input = ArticleInput {
            title: Some("  Floods   close the coast road ".into()),
            body: Some("First paragraph here.\n\nSecond one.".into()),
            ..Default::default()
        };
        let w = input
            .validate(ArticleStatus::Draft, at("2024-01-01T00:00:00Z"))
            .expect("valid");
        assert_eq!(w.title, "Floods close the coast road");
        assert_eq!(w.slug.as_str(), "floods-close-the-coast-road");
        assert_eq!(w.excerpt, "First paragraph here.");
        assert_eq!(w.status, ArticleStatus::Draft);
        assert_eq!(w.published_at, None);
        assert_eq!(w.word_count, 5);
        assert_eq!(w.language, "en");
    }

    #[test]
    fn every_bad_field_is_reported() {
        let input = ArticleInput {
            title: None,
            slug: Some("Bad Slug".into()),
            body_format: Some("docx".into()),
            status: Some("live".into()),
            published_at: Some("soon".into()),
            language: Some("english!".into()),
            canonical_url: Some("ftp://x".into()),
            tags: vec!["ok".into(), "!!!".into()],
            ..Default::default()
        };
        let Err(DomainError::Invalid(errs)) = input.validate(ArticleStatus::Draft, Utc::now())
        else {
            panic!("expected invalid");
        };
        let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        for f in [
            "title",
            "slug",
            "body_format",
            "status",
            "published_at",
            "language",
            "canonical_url",
            "tags",
        ] {
            assert!(fields.contains(&f), "{f} missing from {fields:?}");
        }
    }

    #[test]
    fn scheduled_needs_future_date_and_is_stored_published() {
        let now = at("2024-01-01T00:00:00Z");
        let base = ArticleInput {
            title: Some("T".into()),
            status: Some("scheduled".into()),
            ..Default::default()
        };
        assert!(base.clone().validate(ArticleStatus::Draft, now).is_err());
        let w = ArticleInput {
            published_at: Some("2024-02-01T00:00:00Z".into()),
            ..base
        }
        .validate(ArticleStatus::Draft, now)
        .expect("valid");
        assert_eq!(w.status, ArticleStatus::Published);
        assert_eq!(w.sort_at(), at("2024-02-01T00:00:00Z"));
    }

    #[test]
    fn published_without_date_is_dated_now_and_terms_dedupe() {
        let now = at("2024-05-05T05:05:05Z");
        let w = ArticleInput {
            title: Some("T".into()),
            tags: vec!["Climate".into(), "climate".into(), "Heat Wave".into()],
            ..Default::default()
        }
        .validate(ArticleStatus::Published, now)
        .expect("valid");
        assert_eq!(w.published_at, Some(now));
        let slugs: Vec<_> = w.tags.iter().map(|t| t.slug.as_str()).collect();
        assert_eq!(slugs, ["climate", "heat-wave"]);
    }
}
