//! Query specifications for article lists. Transports hand in raw strings;
//! parsing them here gives REST and GraphQL the same rules and errors.

use chrono::{DateTime, Utc};
use serde::Deserialize;

use crate::error::{DomainError, FieldError};
use crate::paging::{ArticleKey, Cursor, PageLimit};
use crate::search::SearchQuery;

/// Who is reading decides what is visible.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Visibility {
    /// Anyone: only published articles whose time has come.
    Public { now: DateTime<Utc> },
    /// Staff preview: drafts and scheduled articles too.
    Staff,
}

impl Visibility {
    pub fn public_now() -> Visibility {
        Visibility::Public { now: Utc::now() }
    }
}

/// Filters as they arrive from a query string or GraphQL input. Values
/// stay strings here so that a bad one is reported by `ArticleFilter::parse`
/// as a 422 naming the field.
#[derive(Debug, Clone, Default, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RawArticleFilter {
    /// Tag slug.
    pub tag: Option<String>,
    /// Section slug.
    pub section: Option<String>,
    /// Author slug.
    pub author: Option<String>,
    /// Slug of an article to leave out (for "more in this section").
    pub exclude: Option<String>,
    /// RFC 3339 date-time or date: only articles published after it.
    #[param(format = DateTime)]
    pub published_after: Option<String>,
    /// RFC 3339 date-time or date: only articles published before it.
    #[param(format = DateTime)]
    pub published_before: Option<String>,
    /// Only articles matching this full-text query (words, `"phrases"`,
    /// `-exclusions`, as in `/search`), still newest first.
    pub q: Option<String>,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ArticleFilter {
    pub tag: Option<String>,
    pub section: Option<String>,
    pub author: Option<String>,
    pub exclude: Option<String>,
    pub published_after: Option<DateTime<Utc>>,
    pub published_before: Option<DateTime<Utc>>,
    pub q: Option<SearchQuery>,
}

impl ArticleFilter {
    pub fn parse(raw: RawArticleFilter) -> Result<ArticleFilter, DomainError> {
        let mut errors = Vec::new();
        let mut date = |field: &str, v: Option<String>| match v {
            None => None,
            Some(s) => match parse_time(&s) {
                Some(t) => Some(t),
                None => {
                    errors.push(FieldError::new(
                        field,
                        "must be an RFC 3339 date-time (2024-03-14T09:00:00Z) or a date (2024-03-14)",
                    ));
                    None
                }
            },
        };
        let published_after = date("published_after", raw.published_after);
        let published_before = date("published_before", raw.published_before);
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        let clean = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        // Malformed like a search query: 400 with the same message.
        let q = clean(raw.q).map(|q| SearchQuery::parse(&q)).transpose()?;
        Ok(ArticleFilter {
            tag: clean(raw.tag),
            section: clean(raw.section),
            author: clean(raw.author),
            exclude: clean(raw.exclude),
            published_after,
            published_before,
            q,
        })
    }
}

/// RFC 3339 date-time, or a bare date taken as midnight UTC.
pub fn parse_time(s: &str) -> Option<DateTime<Utc>> {
    let s = s.trim();
    if let Ok(t) = DateTime::parse_from_rfc3339(s) {
        return Some(t.with_timezone(&Utc));
    }
    chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .ok()
        .and_then(|d| d.and_hms_opt(0, 0, 0))
        .map(|t| t.and_utc())
}

/// Everything the store needs to fetch one page of articles.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ArticleQuery {
    pub filter: ArticleFilter,
    pub limit: PageLimit,
    pub after: Option<ArticleKey>,
    pub visibility: Visibility,
    /// The caller reads no body: records come with `body_source`,
    /// `body_html` and `body_text` empty, and the store does not read them.
    pub lean: bool,
}

impl ArticleQuery {
    pub fn new(
        filter: ArticleFilter,
        limit: PageLimit,
        cursor: Option<&str>,
        visibility: Visibility,
    ) -> Result<ArticleQuery, DomainError> {
        let after = cursor
            .filter(|c| !c.is_empty())
            .map(Cursor::parse_article)
            .transpose()?;
        Ok(ArticleQuery {
            filter,
            limit,
            after,
            visibility,
            lean: false,
        })
    }

    /// The same query, reading no bodies.
    pub fn lean(self, lean: bool) -> ArticleQuery {
        ArticleQuery { lean, ..self }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bad_dates_are_field_errors() {
        let raw = RawArticleFilter {
            published_after: Some("yesterday".into()),
            published_before: Some("2024-13-01".into()),
            ..Default::default()
        };
        match ArticleFilter::parse(raw) {
            Err(DomainError::Invalid(errs)) => {
                let fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["published_after", "published_before"]);
            }
            other => panic!("expected invalid, got {other:?}"),
        }
    }

    #[test]
    fn dates_and_blank_filters() {
        let raw = RawArticleFilter {
            tag: Some("  ".into()),
            published_after: Some("2024-03-14".into()),
            published_before: Some("2024-03-15T10:00:00+02:00".into()),
            ..Default::default()
        };
        let f = ArticleFilter::parse(raw).expect("valid");
        assert_eq!(f.tag, None);
        assert_eq!(
            f.published_after.map(|t| t.to_rfc3339()),
            Some("2024-03-14T00:00:00+00:00".into())
        );
        assert_eq!(
            f.published_before.map(|t| t.to_rfc3339()),
            Some("2024-03-15T08:00:00+00:00".into())
        );
    }
}
