//! Tags, sections and author profiles as readers see them: counts of
//! visible articles only, and no term whose articles are all unpublished.

use std::collections::HashMap;

use crate::error::{DomainError, DomainResult};
use crate::paging::{Cursor, Page, PageLimit};
use crate::query::Visibility;
use crate::store::ContentStore;
use crate::term::{Term, TermKind, TermView};

#[tracing::instrument(skip(store))]
pub fn list_terms(
    store: &(impl ContentStore + ?Sized),
    kind: TermKind,
    limit: PageLimit,
    cursor: Option<&str>,
    visibility: Visibility,
) -> DomainResult<Page<TermView>> {
    let after = cursor
        .filter(|c| !c.is_empty())
        .map(Cursor::parse_slug)
        .transpose()?;
    let rows = store.list_terms(kind, after.as_ref(), limit.get(), visibility)?;
    let page = Page::from_overfetch(rows, limit, |t| Cursor::for_slug(&t.slug));
    let ids: Vec<i64> = page.items.iter().map(|t| t.id).collect();
    let counts: HashMap<i64, i64> = if ids.is_empty() {
        HashMap::new()
    } else {
        store
            .count_articles_by_term(kind, &ids, visibility)?
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
) -> DomainResult<TermView> {
    let term = store
        .term_by_slug(kind, slug)?
        .ok_or_else(|| DomainError::NotFound(format!("{} {slug:?}", kind.noun())))?;
    let count = |v| -> DomainResult<i64> {
        Ok(store
            .count_articles_by_term(kind, &[term.id], v)?
            .first()
            .map_or(0, |(_, n)| *n))
    };
    let article_count = count(visibility)?;
    // A term whose only articles are unpublished is hidden from the
    // public, as `list_terms` hides it: its name alone can leak an embargo.
    if article_count == 0
        && matches!(visibility, Visibility::Public { .. })
        && count(Visibility::Staff)? > 0
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
) -> DomainResult<HashMap<(TermKind, i64), i64>> {
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
        for (id, n) in store.count_articles_by_term(kind, &ids, visibility)? {
            out.insert((kind, id), n);
        }
    }
    Ok(out)
}
