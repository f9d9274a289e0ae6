//! Sparse fieldsets (`?fields=slug,title,excerpt`), Ghost's convention: a
//! list or a single read returns only the named Article fields. A list
//! that names no body field does not read the bodies from the database
//! (`ArticleQuery::lean`), so a lean page costs a fraction of a full one.

use newsdesk_domain::article::ArticleView;
use newsdesk_domain::DomainError;
use serde_json::Value;

use crate::error::ApiError;

/// Every field of the REST Article, in the order it is serialised.
pub const ARTICLE_FIELDS: [&str; 23] = [
    "id",
    "slug",
    "title",
    "subtitle",
    "excerpt",
    "body_html",
    "body_text",
    "status",
    "section",
    "authors",
    "tags",
    "published_at",
    "created_at",
    "updated_at",
    "canonical_url",
    "image",
    "source",
    "language",
    "word_count",
    "reading_time_minutes",
    "corrections",
    "comment_count",
    "comments_closed",
];

/// The fields asked for; `None` for all of them.
#[derive(Debug, Clone, Default)]
pub struct Fields(Option<Vec<&'static str>>);

impl Fields {
    /// A comma-separated list of Article fields; an unknown one is a 422
    /// naming it, an empty list a 422 too.
    pub fn parse(raw: Option<&str>) -> Result<Fields, ApiError> {
        let Some(raw) = raw else {
            return Ok(Fields(None));
        };
        let mut picked = Vec::new();
        for name in raw.split(',').map(str::trim).filter(|n| !n.is_empty()) {
            let Some(known) = ARTICLE_FIELDS.iter().find(|f| **f == name) else {
                return Err(DomainError::invalid(
                    "fields",
                    format!(
                        "unknown field {name:?}; the fields are {}",
                        ARTICLE_FIELDS.join(", ")
                    ),
                )
                .into());
            };
            if !picked.contains(known) {
                picked.push(*known);
            }
        }
        if picked.is_empty() {
            return Err(DomainError::invalid("fields", "name at least one field").into());
        }
        Ok(Fields(Some(picked)))
    }

    pub fn all(&self) -> bool {
        self.0.is_none()
    }

    /// Whether a body field is wanted, so the bodies must be read.
    pub fn wants_body(&self) -> bool {
        self.0
            .as_ref()
            .is_none_or(|f| f.iter().any(|n| matches!(*n, "body_html" | "body_text")))
    }

    /// The article with only the fields asked for.
    pub fn pick(&self, view: &ArticleView) -> Result<Value, ApiError> {
        let mut value = serde_json::to_value(view).map_err(ApiError::internal)?;
        if let (Some(fields), Value::Object(map)) = (&self.0, &mut value) {
            map.retain(|k, _| fields.contains(&k.as_str()));
        }
        Ok(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_list_is_every_field_of_the_article() {
        let schema = serde_json::to_value(<ArticleView as utoipa::PartialSchema>::schema())
            .expect("a schema");
        let mut names: Vec<&str> = schema["properties"]
            .as_object()
            .expect("properties")
            .keys()
            .map(String::as_str)
            .collect();
        names.sort_unstable();
        let mut ours = ARTICLE_FIELDS.to_vec();
        ours.sort_unstable();
        assert_eq!(names, ours);
    }

    #[test]
    fn unknown_and_empty_lists_are_refused() {
        assert!(Fields::parse(Some("slug,nope")).is_err());
        assert!(Fields::parse(Some(" , ")).is_err());
        let f = Fields::parse(Some("slug, title")).expect("known");
        assert!(!f.wants_body());
        assert!(Fields::parse(Some("body_text"))
            .expect("known")
            .wants_body());
        assert!(Fields::parse(None).expect("none").wants_body());
    }
}
