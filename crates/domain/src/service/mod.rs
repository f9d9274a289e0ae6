//! The read and write services. REST handlers and GraphQL resolvers call
//! these and nothing else, so a rule (visibility, paging, validation) is
//! written once.

use std::collections::HashMap;

use chrono::{DateTime, Utc};

use crate::article::{export_input, ArticleInput, ArticleRecord, ArticleStatus, ArticleView};
use crate::error::{DomainError, DomainResult};
use crate::paging::{Cursor, Page, PageLimit};
use crate::query::{ArticleQuery, Visibility};
use crate::store::ContentStore;
use crate::term::{Term, TermKind, TermRef, TermView};

/// The tags, authors and section of a set of articles, loaded with one
/// statement per relation.
#[derive(Debug, Default)]
pub struct Relations {
    pub sections: HashMap<i64, TermRef>,
    pub tags: HashMap<i64, Vec<TermRef>>,
    pub authors: HashMap<i64, Vec<TermRef>>,
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
        Ok(Relations {
            sections,
            tags,
            authors,
        })
    }

    pub fn view(&mut self, r: ArticleRecord, public_url: &str, now: DateTime<Utc>) -> ArticleView {
        let section = r.section_id.and_then(|id| self.sections.get(&id).cloned());
        let tags = self.tags.remove(&r.id).unwrap_or_default();
        let authors = self.authors.remove(&r.id).unwrap_or_default();
        ArticleView::new(r, section, authors, tags, public_url, now)
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

pub fn list_articles(
    store: &(impl ContentStore + ?Sized),
    query: &ArticleQuery,
) -> DomainResult<Page<ArticleRecord>> {
    let rows = store.list_articles(query)?;
    Ok(Page::from_overfetch(rows, query.limit, |r| {
        Cursor::for_article(r.key())
    }))
}

/// One article by slug; an article the caller may not see is as absent as a
/// missing one, so drafts do not leak their existence.
pub fn article(
    store: &(impl ContentStore + ?Sized),
    slug: &str,
    visibility: Visibility,
) -> DomainResult<ArticleRecord> {
    let found = store.article_by_slug(slug)?;
    match (found, visibility) {
        (Some(r), Visibility::Staff) => Ok(r),
        (Some(r), Visibility::Public { now }) if r.is_public_at(now) => Ok(r),
        _ => Err(DomainError::NotFound(format!("article {slug:?}"))),
    }
}

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

/// Outcome of importing a batch of inputs: what was saved and, by position
/// in the batch, what was refused and why.
#[derive(Debug, Default)]
pub struct ImportReport {
    pub saved: usize,
    pub failed: Vec<(usize, String)>,
}

/// Validates and saves a batch in one transaction. When the store refuses
/// the batch, each article is retried alone so one bad row cannot sink the
/// others.
pub fn import_batch(
    store: &(impl ContentStore + ?Sized),
    inputs: Vec<(usize, ArticleInput)>,
    default_status: ArticleStatus,
    now: DateTime<Utc>,
) -> ImportReport {
    let mut report = ImportReport::default();
    let mut writes = Vec::with_capacity(inputs.len());
    for (pos, input) in inputs {
        match input.validate(default_status, now) {
            Ok(w) => writes.push((pos, w)),
            Err(e) => report.failed.push((pos, describe(&e))),
        }
    }
    let all: Vec<_> = writes.iter().map(|(_, w)| w.clone()).collect();
    match store.save_articles(&all) {
        Ok(saved) => report.saved += saved.len(),
        Err(_) => {
            for (pos, w) in writes {
                match store.save_articles(std::slice::from_ref(&w)) {
                    Ok(_) => report.saved += 1,
                    Err(e) => report.failed.push((pos, describe(&e))),
                }
            }
        }
    }
    report.failed.sort_by_key(|(pos, _)| *pos);
    report
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

/// Every article as an export line, in id order, `batch` at a time.
pub fn export_all(
    store: &(impl ContentStore + ?Sized),
    batch: u32,
    mut emit: impl FnMut(ArticleInput) -> DomainResult<()>,
) -> DomainResult<usize> {
    let mut after = 0;
    let mut total = 0;
    loop {
        let records = store.articles_after_id(after, batch)?;
        let Some(last) = records.last() else {
            return Ok(total);
        };
        after = last.id;
        let mut rel = Relations::load(store, &records)?;
        for r in &records {
            let section = r.section_id.and_then(|id| rel.sections.get(&id));
            let tags = rel.tags.remove(&r.id).unwrap_or_default();
            let authors = rel.authors.remove(&r.id).unwrap_or_default();
            emit(export_input(r, section, &authors, &tags))?;
            total += 1;
        }
    }
}
