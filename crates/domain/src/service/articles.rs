//! Article reads, and the bulk paths in and out (import and export).

use chrono::{DateTime, Utc};

use super::{describe, Relations};
use crate::article::{export_input, ArticleInput, ArticleRecord, ArticleStatus, ArticleView};
use crate::error::{DomainError, DomainResult};
use crate::paging::{Cursor, Page};
use crate::policy::Policy;
use crate::query::{ArticleQuery, Visibility};
use crate::store::ContentStore;

/// A page of articles; to a partner, only those its policy allows (the
/// page may then be short: the cursor still moves past the others).
#[tracing::instrument(skip_all, fields(limit = query.limit.get()))]
pub fn list_articles(
    store: &(impl ContentStore + ?Sized),
    query: &ArticleQuery,
    policy: Option<&Policy>,
    now: DateTime<Utc>,
) -> DomainResult<Page<ArticleRecord>> {
    let rows = store.list_articles(query)?;
    let page = Page::from_overfetch(rows, query.limit, |r| Cursor::for_article(r.key()));
    Ok(Page {
        items: super::allowed_records(store, policy, page.items, now)?,
        ..page
    })
}

/// A page of articles as readers get them, with their relations.
#[tracing::instrument(skip_all, fields(limit = query.limit.get()))]
pub fn list_article_views(
    store: &(impl ContentStore + ?Sized),
    query: &ArticleQuery,
    policy: Option<&Policy>,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Page<ArticleView>> {
    let page = list_articles(store, query, policy, now)?;
    let items = Policy::serve(policy, super::assemble(store, page.items, public_url, now)?);
    Ok(Page {
        items,
        next_cursor: page.next_cursor,
        limit: page.limit,
    })
}

/// One article by slug; an article the caller may not see is as absent as a
/// missing one, so drafts do not leak their existence.
#[tracing::instrument(skip(store))]
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

/// One article by slug as this audience may have it: one outside a
/// partner's policy is as absent as a missing one.
pub fn article_for(
    store: &(impl ContentStore + ?Sized),
    slug: &str,
    audience: super::Audience<'_>,
    now: DateTime<Utc>,
) -> DomainResult<ArticleRecord> {
    let record = article(store, slug, audience.visibility)?;
    super::allowed_records(store, audience.policy, vec![record], now)?
        .pop()
        .ok_or_else(|| DomainError::NotFound(format!("article {slug:?}")))
}

/// The reader view of one article, shaped by a partner's policy.
#[tracing::instrument(skip(store, audience, public_url))]
pub fn article_view(
    store: &(impl ContentStore + ?Sized),
    slug: &str,
    audience: super::Audience<'_>,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<ArticleView> {
    let record = article_for(store, slug, audience, now)?;
    let views = super::assemble(store, vec![record], public_url, now)?;
    Policy::serve(audience.policy, views)
        .pop()
        .ok_or_else(|| DomainError::NotFound(format!("article {slug:?}")))
}

/// One article by slug, or `None` when the caller may not have it: for
/// transports where absence is a null rather than an error.
pub fn find_article(
    store: &(impl ContentStore + ?Sized),
    slug: &str,
    audience: super::Audience<'_>,
    now: DateTime<Utc>,
) -> DomainResult<Option<ArticleRecord>> {
    match article_for(store, slug, audience, now) {
        Ok(r) => Ok(Some(r)),
        Err(DomainError::NotFound(_)) => Ok(None),
        Err(e) => Err(e),
    }
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
#[tracing::instrument(skip_all, fields(inputs = inputs.len()))]
pub fn import_batch(
    store: &(impl ContentStore + ?Sized),
    inputs: Vec<(usize, ArticleInput)>,
    default_status: ArticleStatus,
    now: DateTime<Utc>,
) -> ImportReport {
    let mut report = ImportReport::default();
    let mut writes = Vec::with_capacity(inputs.len());
    let mut claims = Vec::new();
    for (pos, mut input) in inputs {
        if let Err(e) = resolve_byline(store, &mut input, &mut claims) {
            report.failed.push((pos, describe(&e)));
            continue;
        }
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
    // Profiles made from an e-mail-only byline keep that e-mail (never
    // served), so the next article from the address finds them.
    for (slug, email) in claims {
        if let Err(e) = store.claim_author_email(&slug, &email) {
            tracing::warn!(error = %describe(&e), slug, "author e-mail not kept");
        }
    }
    report.failed.sort_by_key(|(pos, _)| *pos);
    report
}

/// An article whose byline is an e-mail alone is by the author profile
/// with that e-mail, or by a new profile named from the address.
fn resolve_byline(
    store: &(impl ContentStore + ?Sized),
    input: &mut ArticleInput,
    claims: &mut Vec<(String, String)>,
) -> DomainResult<()> {
    let Some(email) = input
        .contact_email
        .clone()
        .filter(|_| input.authors.is_empty())
    else {
        return Ok(());
    };
    let email = email.trim().to_lowercase();
    if let Some(author) = store.author_by_email(&email)? {
        input.authors = vec![author.slug];
        return Ok(());
    }
    let Some(name) = crate::import::name_from_email(&email) else {
        return Ok(());
    };
    if let Ok(term) = crate::term::TermName::parse(&name) {
        claims.push((term.slug.as_str().to_owned(), email));
    }
    input.authors = vec![name];
    Ok(())
}

/// Every article as an export line, in id order, `batch` at a time.
#[tracing::instrument(skip_all, fields(batch))]
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
            let corrections = rel.corrections.remove(&r.id).unwrap_or_default();
            emit(export_input(r, section, &authors, &tags, &corrections))?;
            total += 1;
        }
    }
}
