//! Articles: what an editor sends (`ArticleInput`), what the store writes
//! (`ArticleWrite`), what it keeps (`ArticleRecord`) and what readers get
//! (`ArticleView`).

use chrono::{DateTime, DurationRound, TimeDelta, Utc};
use serde::{Deserialize, Serialize};

use crate::body::BodyFormat;
use crate::term::TermRef;

pub mod fields;
mod input;
pub use input::{ArticleInput, ArticleWrite, Image, Source};

pub const MAX_TITLE_CHARS: usize = 300;
pub const MAX_EXCERPT_CHARS: usize = 500;
pub const MADE_EXCERPT_CHARS: usize = 280;
pub const MAX_BODY_BYTES: usize = 1024 * 1024;
pub const MAX_TERMS: usize = 50;
/// The longest correction.
pub const MAX_CORRECTION_CHARS: usize = 2000;

/// Status as readers see it. `Scheduled` is not stored: it is a published
/// article whose `published_at` is still ahead, so it goes public by itself
/// when its time comes, with no job to run.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ArticleStatus {
    Draft,
    Scheduled,
    Published,
    Archived,
}

impl ArticleStatus {
    /// What a stored status looks like to a reader at `now`: a published
    /// article dated ahead is still scheduled.
    pub fn seen_at(self, published_at: Option<DateTime<Utc>>, now: DateTime<Utc>) -> ArticleStatus {
        match (self, published_at) {
            (ArticleStatus::Published, Some(t)) if t > now => ArticleStatus::Scheduled,
            (s, _) => s,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ArticleStatus::Draft => "draft",
            ArticleStatus::Scheduled => "scheduled",
            ArticleStatus::Published => "published",
            ArticleStatus::Archived => "archived",
        }
    }

    pub fn parse(s: &str) -> Option<ArticleStatus> {
        match s {
            "draft" => Some(ArticleStatus::Draft),
            "scheduled" => Some(ArticleStatus::Scheduled),
            "published" => Some(ArticleStatus::Published),
            "archived" => Some(ArticleStatus::Archived),
            _ => None,
        }
    }

    /// What the store keeps for this status (never `Scheduled`).
    pub fn stored(self) -> ArticleStatus {
        match self {
            ArticleStatus::Scheduled => ArticleStatus::Published,
            s => s,
        }
    }
}

/// Times are kept to the microsecond, the precision both databases store.
pub fn to_micros(t: DateTime<Utc>) -> DateTime<Utc> {
    t.duration_trunc(TimeDelta::microseconds(1)).unwrap_or(t)
}

pub fn now() -> DateTime<Utc> {
    to_micros(Utc::now())
}

/// An article as stored.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleRecord {
    pub id: i64,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    pub body_source: String,
    pub body_format: BodyFormat,
    pub body_html: String,
    pub body_text: String,
    /// Stored status: never `Scheduled`.
    pub status: ArticleStatus,
    pub section_id: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    pub sort_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub canonical_url: Option<String>,
    pub image: Option<Image>,
    pub source: Option<Source>,
    pub language: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub contact_email: Option<String>,
    /// Grows by one with every update.
    pub version: i32,
    /// The staff user who created it, if any.
    pub created_by: Option<i64>,
    /// Approved comments, counted when one is moderated.
    pub comment_count: i64,
    /// An editor closed the article to new comments.
    pub comments_closed: bool,
    /// Corrections, counted when they are written, so that a read of an
    /// article without any does not ask for them.
    pub correction_count: i32,
}

impl ArticleRecord {
    /// The status a reader sees at `now`.
    pub fn status_at(&self, now: DateTime<Utc>) -> ArticleStatus {
        self.status.seen_at(self.published_at, now)
    }

    pub fn is_public_at(&self, now: DateTime<Utc>) -> bool {
        self.status_at(now) == ArticleStatus::Published
    }

    /// The key a cursor after this article carries.
    pub fn key(&self) -> crate::paging::ArticleKey {
        crate::paging::ArticleKey {
            sort_at: self.sort_at,
            id: self.id,
        }
    }
}

/// The few columns related news needs of each candidate: no bodies.
#[derive(Debug, Clone, PartialEq)]
pub struct ArticleSummary {
    pub id: i64,
    /// Stored status: never `Scheduled`.
    pub status: ArticleStatus,
    pub section_id: Option<i64>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    /// Shared, not copied: the store keeps summaries in memory, and
    /// related news reads some 200 of them a request.
    pub term_vector: std::sync::Arc<str>,
}

impl ArticleSummary {
    pub fn is_public_at(&self, now: DateTime<Utc>) -> bool {
        self.status == ArticleStatus::Published && self.published_at.is_some_and(|t| t <= now)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize, utoipa::ToSchema)]
pub struct Correction {
    pub text: String,
    pub published_at: DateTime<Utc>,
}

/// An article as readers get it, with its relations. Authors' e-mail
/// addresses are not part of it, so they cannot leak through any transport.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct ArticleView {
    pub id: String,
    pub slug: String,
    pub title: String,
    pub subtitle: Option<String>,
    pub excerpt: String,
    pub body_html: String,
    pub body_text: String,
    pub status: ArticleStatus,
    pub section: Option<TermRef>,
    pub authors: Vec<TermRef>,
    pub tags: Vec<TermRef>,
    pub published_at: Option<DateTime<Utc>>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
    pub canonical_url: String,
    pub image: Option<Image>,
    pub source: Option<Source>,
    pub language: String,
    pub word_count: i32,
    pub reading_time_minutes: i32,
    pub corrections: Vec<Correction>,
    /// Approved comments.
    pub comment_count: i64,
    /// An editor closed the article to new comments.
    pub comments_closed: bool,
}

/// Where an article lives on the public site when it names no canonical URL.
pub fn default_canonical_url(public_url: &str, slug: &str) -> String {
    format!("{}/articles/{slug}", public_url.trim_end_matches('/'))
}

impl ArticleView {
    pub fn new(
        r: ArticleRecord,
        section: Option<TermRef>,
        authors: Vec<TermRef>,
        tags: Vec<TermRef>,
        public_url: &str,
        now: DateTime<Utc>,
    ) -> ArticleView {
        let status = r.status_at(now);
        let canonical_url = r
            .canonical_url
            .unwrap_or_else(|| default_canonical_url(public_url, &r.slug));
        ArticleView {
            id: r.id.to_string(),
            slug: r.slug,
            title: r.title,
            subtitle: r.subtitle,
            excerpt: r.excerpt,
            body_html: r.body_html,
            body_text: r.body_text,
            status,
            section,
            authors,
            tags,
            published_at: r.published_at,
            created_at: r.created_at,
            updated_at: r.updated_at,
            canonical_url,
            image: r.image,
            source: r.source,
            language: r.language,
            word_count: r.word_count,
            reading_time_minutes: r.reading_time_minutes,
            corrections: Vec::new(),
            comment_count: r.comment_count,
            comments_closed: r.comments_closed,
        }
    }
}

/// An export line: the create body that re-creates the article exactly.
pub fn export_input(
    r: &ArticleRecord,
    section: Option<&TermRef>,
    authors: &[TermRef],
    tags: &[TermRef],
    corrections: &[Correction],
) -> ArticleInput {
    let rfc = |t: DateTime<Utc>| t.to_rfc3339_opts(chrono::SecondsFormat::AutoSi, true);
    ArticleInput {
        title: Some(r.title.clone()),
        slug: Some(r.slug.clone()),
        subtitle: r.subtitle.clone(),
        excerpt: Some(r.excerpt.clone()),
        body: Some(r.body_source.clone()),
        body_format: Some(r.body_format.as_str().into()),
        section: section.map(|s| s.name.clone()),
        tags: tags.iter().map(|t| t.name.clone()).collect(),
        authors: authors.iter().map(|a| a.name.clone()).collect(),
        status: Some(r.status.as_str().into()),
        published_at: r.published_at.map(rfc),
        image: r.image.clone(),
        source: r.source.clone(),
        canonical_url: r.canonical_url.clone(),
        language: Some(r.language.clone()),
        created_at: Some(rfc(r.created_at)),
        updated_at: Some(rfc(r.updated_at)),
        contact_email: r.contact_email.clone(),
        corrections: corrections.to_vec(),
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
    fn status_at_derives_scheduled() {
        let mut r = ArticleRecord {
            id: 1,
            slug: "t".into(),
            title: "T".into(),
            subtitle: None,
            excerpt: String::new(),
            body_source: String::new(),
            body_format: BodyFormat::Text,
            body_html: String::new(),
            body_text: String::new(),
            status: ArticleStatus::Published,
            section_id: None,
            published_at: Some(at("2024-02-01T00:00:00Z")),
            sort_at: at("2024-02-01T00:00:00Z"),
            created_at: at("2024-01-01T00:00:00Z"),
            updated_at: at("2024-01-01T00:00:00Z"),
            canonical_url: None,
            image: None,
            source: None,
            language: "en".into(),
            word_count: 0,
            reading_time_minutes: 1,
            contact_email: None,
            version: 1,
            created_by: None,
            comment_count: 0,
            comments_closed: false,
            correction_count: 0,
        };
        assert_eq!(
            r.status_at(at("2024-01-15T00:00:00Z")),
            ArticleStatus::Scheduled
        );
        assert!(r.is_public_at(at("2024-02-01T00:00:00Z")));
        r.status = ArticleStatus::Draft;
        assert!(!r.is_public_at(at("2030-01-01T00:00:00Z")));
    }
}
