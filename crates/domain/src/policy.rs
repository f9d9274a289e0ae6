//! A partner's syndication policy, set by an admin on its API key: which
//! sections and tags it may receive, whether bodies or excerpts only, and
//! the licence that travels with the content. Every route that serves
//! articles to a partner passes them through `Policy::serve`, so no route
//! can hand out an article the policy does not allow.

use serde::{Deserialize, Serialize};

use crate::article::ArticleView;
use crate::body::escape_html;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::store::TermStore;
use crate::term::TermKind;

#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum ContentScope {
    /// The whole body.
    #[default]
    Full,
    /// Headline, excerpt and metadata; the body is the excerpt.
    Excerpt,
}

/// Sections and tags are slugs; empty means any. An article is allowed
/// when it is in one of the sections (if any are named) and carries one of
/// the tags (if any are named).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Policy {
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sections: Vec<String>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub tags: Vec<String>,
    #[serde(default)]
    pub content: ContentScope,
    /// Usage terms and credit line: ninjs `usageterms`, the feeds' rights.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub licence: Option<String>,
}

/// The longest licence text.
pub const MAX_LICENCE_CHARS: usize = 1000;

impl Policy {
    /// A policy naming only sections and tags that exist.
    pub fn check(self, store: &(impl TermStore + ?Sized)) -> DomainResult<Policy> {
        let mut errors = Vec::new();
        for (field, kind, slugs) in [
            ("policy.sections", TermKind::Section, &self.sections),
            ("policy.tags", TermKind::Tag, &self.tags),
        ] {
            let wanted: Vec<&str> = slugs.iter().map(String::as_str).collect();
            let found = store.terms_by_slugs(kind, &wanted)?;
            for slug in slugs
                .iter()
                .filter(|s| !found.iter().any(|t| &&t.slug == s))
            {
                errors.push(FieldError::new(
                    field,
                    format!("there is no {} {slug:?}", kind.noun()),
                ));
            }
        }
        if self
            .licence
            .as_ref()
            .is_some_and(|l| l.chars().count() > MAX_LICENCE_CHARS)
        {
            errors.push(FieldError::new(
                "policy.licence",
                format!("must be at most {MAX_LICENCE_CHARS} characters"),
            ));
        }
        if errors.is_empty() {
            Ok(self)
        } else {
            Err(DomainError::Invalid(errors))
        }
    }

    pub fn allows(&self, a: &ArticleView) -> bool {
        let in_section = self.sections.is_empty()
            || a.section
                .as_ref()
                .is_some_and(|s| self.sections.contains(&s.slug));
        let tagged = self.tags.is_empty() || a.tags.iter().any(|t| self.tags.contains(&t.slug));
        in_section && tagged
    }

    /// The article as this partner may have it.
    pub fn shape(&self, mut a: ArticleView) -> ArticleView {
        if self.content == ContentScope::Excerpt {
            a.body_html = format!("<p>{}</p>", escape_html(&a.excerpt));
            a.body_text = a.excerpt.clone();
        }
        a
    }

    /// What of `articles` the caller may have: everything without a
    /// policy; with one, the allowed articles, shaped.
    pub fn serve(policy: Option<&Policy>, articles: Vec<ArticleView>) -> Vec<ArticleView> {
        match policy {
            None => articles,
            Some(p) => articles
                .into_iter()
                .filter(|a| p.allows(a))
                .map(|a| p.shape(a))
                .collect(),
        }
    }

    /// One article, or not found when the policy does not allow it: to
    /// the partner it does not exist.
    pub fn serve_one(policy: Option<&Policy>, article: ArticleView) -> DomainResult<ArticleView> {
        match policy {
            None => Ok(article),
            Some(p) if p.allows(&article) => Ok(p.shape(article)),
            Some(_) => Err(DomainError::NotFound(format!("article {:?}", article.slug))),
        }
    }
}
