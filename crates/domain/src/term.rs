//! Tags, sections and author profiles: three kinds of named term that an
//! article refers to by slug. They share one shape, so one set of types and
//! store calls serves all three.

use serde::Serialize;

use crate::slug::Slug;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum TermKind {
    Tag,
    Section,
    Author,
}

impl TermKind {
    pub fn noun(self) -> &'static str {
        match self {
            TermKind::Tag => "tag",
            TermKind::Section => "section",
            TermKind::Author => "author",
        }
    }
}

/// A stored term.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    pub id: i64,
    pub slug: String,
    pub name: String,
    /// A tag's or section's description; an author's bio.
    pub description: Option<String>,
}

/// How an article shows a term: `{slug, name}`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct TermRef {
    pub slug: String,
    pub name: String,
}

impl From<&Term> for TermRef {
    fn from(t: &Term) -> Self {
        TermRef {
            slug: t.slug.clone(),
            name: t.name.clone(),
        }
    }
}

/// A term with the number of articles the caller may see under it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermView {
    pub term: Term,
    pub article_count: i64,
}

/// A term named in a write: by slug or by name. The store finds it by the
/// slug made from the text and creates it with the text as its name when
/// it is missing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TermName {
    pub slug: Slug,
    pub name: String,
}

impl TermName {
    pub fn parse(text: &str) -> Result<TermName, String> {
        let name = text.split_whitespace().collect::<Vec<_>>().join(" ");
        if name.is_empty() {
            return Err("must not be empty".into());
        }
        if name.chars().count() > 100 {
            return Err("must be at most 100 characters".into());
        }
        let slug = Slug::from_text(&name).ok_or("must contain a letter or digit")?;
        Ok(TermName { slug, name })
    }
}
