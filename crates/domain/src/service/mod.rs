//! The services REST handlers and GraphQL resolvers call, one module per
//! resource, so a rule (visibility, paging, rounding, access) is written
//! once. Writes to articles and terms are in `editorial`.

pub mod accounts;
mod articles;
mod discovery;
pub mod engagement;
pub mod events;
mod related_news;
mod suggestions;
pub mod sync;
pub mod syndication;
mod terms;

pub use articles::*;
pub use discovery::*;
pub use related_news::*;
pub use suggestions::*;
pub use terms::*;

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::article::{ArticleRecord, ArticleView, Correction};
use crate::error::{DomainError, DomainResult};
use crate::store::ContentStore;
use crate::term::{Term, TermKind, TermRef};

/// The tags, authors and section of a set of articles, loaded with one
/// statement per relation.
#[derive(Debug, Default)]
pub struct Relations {
    pub sections: HashMap<i64, TermRef>,
    pub tags: HashMap<i64, Vec<TermRef>>,
    pub authors: HashMap<i64, Vec<TermRef>>,
    pub corrections: HashMap<i64, Vec<Correction>>,
}

impl Relations {
    pub fn load(
        store: &(impl ContentStore + ?Sized),
        records: &[ArticleRecord],
    ) -> DomainResult<Relations> {
        if records.is_empty() {
            return Ok(Relations::default());
        }
        let ids: Vec<i64> = records.iter().map(|r| r.id).collect();
        let mut section_ids: Vec<i64> = records.iter().filter_map(|r| r.section_id).collect();
        section_ids.sort_unstable();
        section_ids.dedup();
        let sections = if section_ids.is_empty() {
            HashMap::new()
        } else {
            store
                .terms_by_id(TermKind::Section, &section_ids)?
                .iter()
                .map(|t| (t.id, TermRef::from(t)))
                .collect()
        };
        let mut tags: HashMap<i64, Vec<TermRef>> = HashMap::new();
        let mut authors: HashMap<i64, Vec<TermRef>> = HashMap::new();
        for (article_id, kind, term) in store.terms_of_articles(&ids)? {
            let map = if kind == TermKind::Author {
                &mut authors
            } else {
                &mut tags
            };
            map.entry(article_id)
                .or_default()
                .push(TermRef::from(&term));
        }
        let mut corrections: HashMap<i64, Vec<Correction>> = HashMap::new();
        // Most articles have none: then there is nothing to ask for.
        let corrected: Vec<i64> = records
            .iter()
            .filter(|r| r.correction_count > 0)
            .map(|r| r.id)
            .collect();
        for (article_id, c) in store.corrections_of(&corrected)? {
            corrections.entry(article_id).or_default().push(c);
        }
        Ok(Relations {
            sections,
            tags,
            authors,
            corrections,
        })
    }

    pub fn view(&mut self, r: ArticleRecord, public_url: &str, now: DateTime<Utc>) -> ArticleView {
        let section = r.section_id.and_then(|id| self.sections.get(&id).cloned());
        let tags = self.tags.remove(&r.id).unwrap_or_default();
        let authors = self.authors.remove(&r.id).unwrap_or_default();
        let corrections = self.corrections.remove(&r.id).unwrap_or_default();
        let mut view = ArticleView::new(r, section, authors, tags, public_url, now);
        view.corrections = corrections;
        view
    }
}

/// Tags and authors of these articles keyed by `(kind, article_id)`, with an
/// entry (maybe empty) for every article and both kinds: one statement.
pub fn terms_by_article(
    store: &(impl ContentStore + ?Sized),
    article_ids: &[i64],
) -> DomainResult<HashMap<(TermKind, i64), Vec<Term>>> {
    let mut out: HashMap<(TermKind, i64), Vec<Term>> = article_ids
        .iter()
        .flat_map(|id| {
            [
                ((TermKind::Tag, *id), Vec::new()),
                ((TermKind::Author, *id), Vec::new()),
            ]
        })
        .collect();
    if article_ids.is_empty() {
        return Ok(out);
    }
    for (article_id, kind, term) in store.terms_of_articles(article_ids)? {
        out.entry((kind, article_id)).or_default().push(term);
    }
    Ok(out)
}

/// Corrections of these articles keyed by article id, oldest first, with
/// an entry (maybe empty) for every article: one statement.
pub fn corrections_by_article(
    store: &(impl ContentStore + ?Sized),
    article_ids: &[i64],
) -> DomainResult<HashMap<i64, Vec<Correction>>> {
    let mut out: HashMap<i64, Vec<Correction>> =
        article_ids.iter().map(|id| (*id, Vec::new())).collect();
    for (id, c) in store.corrections_of(article_ids)? {
        out.entry(id).or_default().push(c);
    }
    Ok(out)
}

/// Who is asking: what they may see by role, and a partner's policy.
#[derive(Debug, Clone, Copy)]
pub struct Audience<'a> {
    pub visibility: crate::query::Visibility,
    pub policy: Option<&'a crate::policy::Policy>,
}

impl Audience<'_> {
    /// Staff and the public alike, with no policy.
    pub fn of(visibility: crate::query::Visibility) -> Audience<'static> {
        Audience {
            visibility,
            policy: None,
        }
    }
}

/// The records a partner's policy allows, in their order; all of them
/// without a policy. Every read that hands articles to a partner passes
/// through here, REST and GraphQL alike.
pub fn allowed_records(
    store: &(impl ContentStore + ?Sized),
    policy: Option<&crate::policy::Policy>,
    records: Vec<ArticleRecord>,
    now: DateTime<Utc>,
) -> DomainResult<Vec<ArticleRecord>> {
    let Some(policy) = policy else {
        return Ok(records);
    };
    // What a policy looks at (section and tags) does not depend on URLs.
    let views = assemble(store, records.clone(), "", now)?;
    let allowed: std::collections::HashSet<String> = views
        .iter()
        .filter(|v| policy.allows(v))
        .map(|v| v.id.clone())
        .collect();
    Ok(records
        .into_iter()
        .filter(|r| allowed.contains(&r.id.to_string()))
        .collect())
}

/// Turns records into reader views with their relations.
pub fn assemble(
    store: &(impl ContentStore + ?Sized),
    records: Vec<ArticleRecord>,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Vec<ArticleView>> {
    let mut rel = Relations::load(store, &records)?;
    Ok(records
        .into_iter()
        .map(|r| rel.view(r, public_url, now))
        .collect())
}

/// A one-line account of an error for a CLI or a log.
pub fn describe(e: &DomainError) -> String {
    match e {
        DomainError::Invalid(errs) => errs
            .iter()
            .map(|f| format!("{}: {}", f.field, f.message))
            .collect::<Vec<_>>()
            .join("; "),
        DomainError::Unavailable(d) | DomainError::Internal(d) => format!("{e}: {d}"),
        other => other.to_string(),
    }
}
