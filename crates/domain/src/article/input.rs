//! What an editor sends (`ArticleInput`) and what the store writes
//! (`ArticleWrite`): every field checked, every error reported at once.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::fields::{self, clean_opt, Checks, Title};
use super::{ArticleStatus, MADE_EXCERPT_CHARS};
use crate::body::{self, BodyFormat};
use crate::error::DomainError;
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
    /// Required on create.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 300,
        pattern = r"\S"
    )]
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
    #[schema(pattern = "^(markdown|html|text)$")]
    pub body_format: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub section: Option<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub authors: Vec<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(pattern = "^(draft|scheduled|published|archived)$")]
    pub status: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(format = DateTime)]
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
    /// Import/export only: the dated corrections, so a backup restores
    /// them. Over REST they are appended one at a time, dated by the server.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub corrections: Vec<super::Correction>,
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
    /// Replaces the article's corrections when set (import only).
    pub corrections: Option<Vec<super::Correction>>,
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
        let mut c = Checks::default();
        for field in self.fields_with_nul() {
            c.error(&field, "must not contain a NUL character");
        }
        let title = c.take("title", Title::parse(self.title.as_deref()));
        let slug = match clean_opt(self.slug) {
            Some(s) => c.take("slug", Slug::parse(&s)),
            // A title of symbols alone still needs a slug of some kind.
            None => title
                .as_ref()
                .and_then(|t| Slug::from_text(t.as_str()).or_else(|| Slug::from_text("article"))),
        };
        let body_format = c.take(
            "body_format",
            fields::body_format(self.body_format.as_deref()),
        );
        let body_source = c.take("body", fields::body(self.body));
        let published_at = c.opt("published_at", self.published_at, fields::time);
        let created_at = c.opt("created_at", self.created_at, fields::time);
        let updated_at = c.opt("updated_at", self.updated_at, fields::time);
        let status = c
            .take(
                "status",
                fields::status(self.status.as_deref(), default_status),
            )
            .unwrap_or(default_status);
        let published_at = c
            .take(
                "published_at",
                fields::publication(status, published_at, now),
            )
            .flatten();
        let parsed = Parsed {
            subtitle: c.opt("subtitle", self.subtitle, fields::subtitle),
            excerpt: c.opt("excerpt", self.excerpt, fields::excerpt),
            tags: c.terms("tags", self.tags),
            authors: c.terms("authors", self.authors),
            section: c.opt("section", self.section, |s| TermName::parse(&s)),
            language: c.opt("language", self.language, fields::language),
            canonical_url: c.opt("canonical_url", self.canonical_url, fields::http_url),
            image: c.image(self.image),
            source: c.source(self.source),
            contact_email: clean_opt(self.contact_email),
            corrections: c.corrections(self.corrections),
            status,
            published_at,
            created_at,
            updated_at,
        };
        match (title, slug, body_format, body_source) {
            (Some(title), Some(slug), Some(format), Some(body)) if c.0.is_empty() => {
                Ok(parsed.finish(title, slug, format, body, now))
            }
            _ => Err(DomainError::Invalid(c.0)),
        }
    }

    /// The fields holding a NUL anywhere (nested ones by their top-level
    /// name). PostgreSQL refuses NUL in text and SQLite would keep it, so it
    /// is refused here for every way in: REST and GraphQL turn it away
    /// before, an import or a sync does not.
    fn fields_with_nul(&self) -> Vec<String> {
        fn has_nul(v: &serde_json::Value) -> bool {
            match v {
                serde_json::Value::String(s) => s.contains('\0'),
                serde_json::Value::Array(a) => a.iter().any(has_nul),
                serde_json::Value::Object(o) => {
                    o.iter().any(|(k, v)| k.contains('\0') || has_nul(v))
                }
                _ => false,
            }
        }
        match serde_json::to_value(self) {
            Ok(serde_json::Value::Object(fields)) => fields
                .into_iter()
                .filter(|(_, v)| has_nul(v))
                .map(|(k, _)| k)
                .collect(),
            _ => Vec::new(),
        }
    }
}

/// The fields that passed, before the body is rendered.
struct Parsed {
    subtitle: Option<String>,
    excerpt: Option<String>,
    tags: Vec<TermName>,
    authors: Vec<TermName>,
    section: Option<TermName>,
    language: Option<String>,
    canonical_url: Option<String>,
    image: Option<Image>,
    source: Option<Source>,
    contact_email: Option<String>,
    corrections: Option<Vec<super::Correction>>,
    status: ArticleStatus,
    published_at: Option<DateTime<Utc>>,
    created_at: Option<DateTime<Utc>>,
    updated_at: Option<DateTime<Utc>>,
}

impl Parsed {
    fn finish(
        self,
        title: Title,
        slug: Slug,
        format: BodyFormat,
        body_source: String,
        now: DateTime<Utc>,
    ) -> ArticleWrite {
        let rendered = body::render(format, &body_source);
        let words = body::word_count(&rendered.text);
        let excerpt = self
            .excerpt
            .unwrap_or_else(|| body::excerpt_from(&rendered.text, MADE_EXCERPT_CHARS));
        // An article that arrives already published (an import of old news)
        // was created no later than it was published.
        let created_at = self
            .created_at
            .unwrap_or_else(|| self.published_at.filter(|t| *t < now).unwrap_or(now));
        let term_vector = crate::text::term_vector(title.as_str(), &rendered.text);
        ArticleWrite {
            slug,
            title: title.into_inner(),
            subtitle: self.subtitle,
            excerpt,
            body_source,
            body_format: format,
            body_html: rendered.html,
            body_text: rendered.text,
            status: self.status.stored(),
            published_at: self.published_at,
            created_at,
            updated_at: self.updated_at.unwrap_or(now).max(created_at),
            canonical_url: self.canonical_url,
            image: self.image,
            source: self.source,
            language: self.language.unwrap_or_else(|| "en".into()),
            word_count: i32::try_from(words).unwrap_or(i32::MAX),
            reading_time_minutes: i32::try_from(body::reading_time_minutes(words))
                .unwrap_or(i32::MAX),
            contact_email: self.contact_email,
            corrections: self.corrections,
            term_vector,
            section: self.section,
            tags: self.tags,
            authors: self.authors,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::query::parse_time;

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
    fn a_nul_anywhere_is_refused_by_field() {
        let input = ArticleInput {
            title: Some("Fine".into()),
            body: Some("a\0b".into()),
            tags: vec!["ok".into(), "t\0".into()],
            image: Some(Image {
                url: "https://example.org/a.jpg".into(),
                alt: Some("\0".into()),
                caption: None,
            }),
            ..Default::default()
        };
        let Err(DomainError::Invalid(errs)) = input.validate(ArticleStatus::Draft, Utc::now())
        else {
            panic!("expected invalid");
        };
        let mut fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
        fields.sort_unstable();
        fields.dedup();
        assert_eq!(fields, ["body", "image", "tags"]);
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
