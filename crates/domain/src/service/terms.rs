//! Tags, sections and author profiles as readers see them: counts of
//! visible articles only (and to a partner, of those its policy allows),
//! and no term whose articles are all unpublished.

use std::collections::HashMap;

use crate::error::{DomainError, DomainResult};
use crate::paging::{Cursor, Page, PageLimit};
use crate::policy::Policy;
use crate::query::Visibility;
use crate::store::{ArticleScope, ContentStore, TermStore};
use crate::term::{Term, TermKind, TermView};

/// A policy as the store filters by it. A policy naming sections (or tags)
/// none of which exist any more allows nothing, not everything.
pub fn scope_of(
    store: &(impl TermStore + ?Sized),
    policy: Option<&Policy>,
) -> DomainResult<Option<ArticleScope>> {
    let Some(policy) = policy else {
        return Ok(None);
    };
    let ids = |kind, slugs: &Vec<String>| -> DomainResult<Vec<i64>> {
        if slugs.is_empty() {
            return Ok(Vec::new());
        }
        let wanted: Vec<&str> = slugs.iter().map(String::as_str).collect();
        let found: Vec<i64> = store
            .terms_by_slugs(kind, &wanted)?
            .iter()
            .map(|t| t.id)
            .collect();
        Ok(if found.is_empty() { vec![-1] } else { found })
    };
    Ok(Some(ArticleScope {
        sections: ids(TermKind::Section, &policy.sections)?,
        tags: ids(TermKind::Tag, &policy.tags)?,
    }))
}

#[tracing::instrument(skip(store))]
pub fn list_terms(
    store: &(impl ContentStore + ?Sized),
    kind: TermKind,
    limit: PageLimit,
    cursor: Option<&str>,
    visibility: Visibility,
    policy: Option<&Policy>,
) -> DomainResult<Page<TermView>> {
    let scope = scope_of(store, policy)?;
    let scope = scope.as_ref();
    let after = cursor
        .filter(|c| !c.is_empty())
        .map(Cursor::parse_slug)
        .transpose()?;
    let rows = store.list_terms(kind, after.as_ref(), limit.get(), visibility, scope)?;
    let page = Page::from_overfetch(rows, limit, |t| Cursor::for_slug(&t.slug));
    let ids: Vec<i64> = page.items.iter().map(|t| t.id).collect();
    let counts: HashMap<i64, i64> = if ids.is_empty() {
        HashMap::new()
    } else {
        store
            .count_articles_by_term(kind, &ids, visibility, scope)?
            .into_iter()
            .collect()
    };
    Ok(page.map(|term| TermView {
        article_count: counts.get(&term.id).copied().unwrap_or(0),
        term,
    }))
}

#[tracing::instrument(skip(store))]
pub fn term(
    store: &(impl ContentStore + ?Sized),
    kind: TermKind,
    slug: &str,
    visibility: Visibility,
    policy: Option<&Policy>,
) -> DomainResult<TermView> {
    let scope = scope_of(store, policy)?;
    let term = store
        .term_by_slug(kind, slug)?
        .ok_or_else(|| DomainError::NotFound(format!("{} {slug:?}", kind.noun())))?;
    let count = |v, scope| -> DomainResult<i64> {
        Ok(store
            .count_articles_by_term(kind, &[term.id], v, scope)?
            .first()
            .map_or(0, |(_, n)| *n))
    };
    let article_count = count(visibility, scope.as_ref())?;
    // A term whose only articles are unpublished is hidden from the
    // public, as `list_terms` hides it: its name alone can leak an embargo.
    if article_count == 0
        && matches!(visibility, Visibility::Public { .. })
        && count(Visibility::Staff, None)? > 0
    {
        return Err(DomainError::NotFound(format!("{} {slug:?}", kind.noun())));
    }
    Ok(TermView {
        term,
        article_count,
    })
}

/// Sections by id, for a GraphQL loader or a page's relations.
pub fn sections_by_id(
    store: &(impl ContentStore + ?Sized),
    ids: &[i64],
) -> DomainResult<HashMap<i64, Term>> {
    if ids.is_empty() {
        return Ok(HashMap::new());
    }
    Ok(store
        .terms_by_id(TermKind::Section, ids)?
        .into_iter()
        .map(|t| (t.id, t))
        .collect())
}

/// Article counts of terms of any kinds, as `visibility` sees them, with
/// an entry (maybe 0) for every key: one statement per kind asked for.
pub fn term_counts(
    store: &(impl ContentStore + ?Sized),
    keys: &[(TermKind, i64)],
    visibility: Visibility,
    policy: Option<&Policy>,
) -> DomainResult<HashMap<(TermKind, i64), i64>> {
    let scope = scope_of(store, policy)?;
    let mut out: HashMap<(TermKind, i64), i64> = keys.iter().map(|k| (*k, 0)).collect();
    for kind in [TermKind::Tag, TermKind::Section, TermKind::Author] {
        let ids: Vec<i64> = keys
            .iter()
            .filter(|(k, _)| *k == kind)
            .map(|(_, id)| *id)
            .collect();
        if ids.is_empty() {
            continue;
        }
        for (id, n) in store.count_articles_by_term(kind, &ids, visibility, scope.as_ref())? {
            out.insert((kind, id), n);
        }
    }
    Ok(out)
}
