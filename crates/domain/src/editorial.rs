//! Editorial writes: articles, revisions, tags, sections and author
//! profiles. Every write checks who is calling here, so REST and GraphQL
//! enforce the same rules:
//!
//! - authors create drafts, and edit only their own drafts (created by them
//!   or bylined to their author profile); they never publish or delete;
//! - editors publish, unpublish, archive, delete and manage taxonomy;
//! - admins can do everything editors can (and manage accounts and keys).

use chrono::{DateTime, Utc};
use serde_json::{Map, Value};

use crate::article::{self, export_input, ArticleInput, ArticleRecord, ArticleStatus, ArticleView};
use crate::body;
use crate::error::{DomainError, DomainResult, FieldError};
use crate::query::Visibility;
use crate::service::{self, Relations};
use crate::slug::Slug;
use crate::store::{AccountStore, ContentStore, RevisionRecord, TermWrite};
use crate::term::{Term, TermKind, TermName};
use crate::user::{Principal, Role, Staff};

/// Fields a PATCH may change (a JSON merge patch over the article).
const PATCHABLE: &[&str] = &[
    "title",
    "slug",
    "subtitle",
    "excerpt",
    "body",
    "body_format",
    "section",
    "tags",
    "authors",
    "status",
    "published_at",
    "image",
    "source",
    "canonical_url",
    "language",
];

/// The longest description (or bio) of a tag, section or author.
pub const MAX_DESCRIPTION_CHARS: usize = 5000;

pub use crate::article::MAX_CORRECTION_CHARS;

/// How many numbered slugs to try when a made-up slug is taken.
const SLUG_ATTEMPTS: u32 = 50;

fn owns(
    store: &(impl ContentStore + AccountStore + ?Sized),
    staff: Staff,
    record: &ArticleRecord,
) -> DomainResult<bool> {
    if record.created_by == Some(staff.user_id) {
        return Ok(true);
    }
    let Some(profile) = store.user_by_id(staff.user_id)?.and_then(|u| u.author_id) else {
        return Ok(false);
    };
    let authors = store.terms_of_articles(&[record.id])?;
    Ok(authors
        .iter()
        .any(|(_, kind, t)| *kind == TermKind::Author && t.id == profile))
}

fn forbidden(msg: &str) -> DomainError {
    DomainError::Forbidden(msg.into())
}

/// Creates an article; drafts by default. A slug made from the title gets
/// a number when taken; an explicit slug that is taken is a 409.
#[tracing::instrument(skip_all, fields(who = ?who))]
pub fn create_article(
    store: &(impl ContentStore + AccountStore + ?Sized),
    who: &Principal,
    mut input: ArticleInput,
    now: DateTime<Utc>,
) -> DomainResult<ArticleRecord> {
    let staff = who.require(Role::Author)?;
    if staff.role < Role::Editor && input.contact_email.is_some() {
        return Err(forbidden("contact_email is set by editors"));
    }
    // Creation time is the server's: `created_at` and `updated_at` are
    // import-only, and `published_at` must not stand in for them.
    input.created_at = Some(now.to_rfc3339());
    input.updated_at = None;
    // Corrections are appended one at a time, dated by the server.
    input.corrections.clear();
    let explicit_slug = input.slug.as_deref().is_some_and(|s| !s.trim().is_empty());
    if staff.role == Role::Author && input.authors.is_empty() {
        if let Some(profile) = own_profile(store, staff)? {
            input.authors = vec![profile.name];
        }
    }
    let mut write = input.validate(ArticleStatus::Draft, now)?;
    if staff.role == Role::Author && write.status != ArticleStatus::Draft {
        return Err(forbidden("authors create drafts; an editor publishes them"));
    }
    existing_terms_only(store, staff, &write)?;
    let base = write.slug.clone();
    let mut attempt = 1;
    loop {
        match store.create_article(&write, Some(staff.user_id)) {
            Err(DomainError::Taken(_)) if !explicit_slug && attempt < SLUG_ATTEMPTS => {
                attempt += 1;
                write.slug = base.with_suffix(attempt);
            }
            Err(DomainError::Taken(_)) => return Err(slug_taken("article", &write.slug)),
            other => return other,
        }
    }
}

fn own_profile(
    store: &(impl ContentStore + AccountStore + ?Sized),
    staff: Staff,
) -> DomainResult<Option<Term>> {
    let Some(id) = store.user_by_id(staff.user_id)?.and_then(|u| u.author_id) else {
        return Ok(None);
    };
    Ok(store
        .terms_by_id(TermKind::Author, &[id])?
        .into_iter()
        .next())
}

/// The reader view of a record, as GET returns it.
pub fn view_of(
    store: &(impl ContentStore + ?Sized),
    record: ArticleRecord,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<ArticleView> {
    service::assemble(store, vec![record], public_url, now)?
        .pop()
        .ok_or_else(|| DomainError::Internal("assembled nothing".into()))
}

/// What a conditional write checks: the caller's idea of the current
/// version (from `If-Match`), judged against the current view.
pub type Precondition<'a> = Option<&'a dyn Fn(&ArticleRecord, &ArticleView) -> bool>;

/// Applies a JSON merge patch (RFC 7396) to an article: absent fields stay,
/// `null` clears. Keeps a revision; `precondition` guards lost updates.
#[tracing::instrument(skip_all, fields(who = ?who, slug = %slug))]
pub fn update_article(
    store: &(impl ContentStore + AccountStore + ?Sized),
    who: &Principal,
    slug: &str,
    patch: Map<String, Value>,
    precondition: Precondition<'_>,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<ArticleRecord> {
    let staff = who.require(Role::Author)?;
    patchable(&patch)?;
    let current = service::article(store, slug, Visibility::Staff)?;
    if let Some(check) = precondition {
        let view = view_of(store, current.clone(), public_url, now)?;
        if !check(&current, &view) {
            return Err(DomainError::PreconditionFailed(
                "the article changed since you read it: fetch it again and reapply your change"
                    .into(),
            ));
        }
    }
    let mut rel = Relations::load(store, std::slice::from_ref(&current))?;
    let section = current.section_id.and_then(|id| rel.sections.remove(&id));
    let tags = rel.tags.remove(&current.id).unwrap_or_default();
    let authors = rel.authors.remove(&current.id).unwrap_or_default();
    // Corrections stay as they are: they change only by being appended.
    let base = export_input(&current, section.as_ref(), &authors, &tags, &[]);
    let write = merge_patch(&current, base, patch)?.validate(ArticleStatus::Draft, now)?;
    if staff.role == Role::Author {
        existing_terms_only(store, staff, &write)?;
        if !owns(store, staff, &current)? {
            return Err(forbidden("authors edit only their own articles"));
        }
        let new_status = write.status.seen_at(write.published_at, now);
        authors_keep_drafts(current.status_at(now), new_status)?;
    }
    store.update_article(current.id, current.version, &write, Some(staff.user_id))
}

/// A PATCH names only fields that can be changed.
fn patchable(patch: &Map<String, Value>) -> DomainResult<()> {
    let unknown: Vec<FieldError> = patch
        .keys()
        .filter(|k| !PATCHABLE.contains(&k.as_str()))
        .map(|k| FieldError::new(k, "is not a field that can be changed"))
        .collect();
    if unknown.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(unknown))
    }
}

/// The article as it would be after a JSON merge patch: absent fields
/// stay, `null` clears, and an excerpt that was made from the body follows
/// a new body (an editor's own excerpt stays).
fn merge_patch(
    current: &ArticleRecord,
    base: ArticleInput,
    patch: Map<String, Value>,
) -> DomainResult<ArticleInput> {
    let mut merged =
        serde_json::to_value(&base).map_err(|e| DomainError::Internal(e.to_string()))?;
    let body_changes = patch.contains_key("body") || patch.contains_key("body_format");
    let excerpt_was_made =
        current.excerpt == body::excerpt_from(&current.body_text, article::MADE_EXCERPT_CHARS);
    if let Value::Object(m) = &mut merged {
        if body_changes && excerpt_was_made && !patch.contains_key("excerpt") {
            m.remove("excerpt");
        }
        m.remove("updated_at");
        for (k, v) in patch {
            if v.is_null() {
                m.remove(&k);
            } else {
                m.insert(k, v);
            }
        }
    }
    serde_json::from_value(merged).map_err(|e| {
        DomainError::Invalid(vec![FieldError::new(
            "body",
            format!("does not fit the article: {e}"),
        )])
    })
}

/// Authors work on drafts: they neither change a published, scheduled or
/// archived article nor make a draft anything else.
fn authors_keep_drafts(before: ArticleStatus, after: ArticleStatus) -> DomainResult<()> {
    if before != ArticleStatus::Draft || after != ArticleStatus::Draft {
        return Err(forbidden(
            "authors edit drafts only; publishing is for editors",
        ));
    }
    Ok(())
}

/// Below editor, an article may name only tags, sections and author
/// profiles that exist: new ones are public at once, so creating them is an
/// editor's decision, not a side effect of an author's draft.
fn existing_terms_only(
    store: &(impl ContentStore + ?Sized),
    staff: Staff,
    w: &article::ArticleWrite,
) -> DomainResult<()> {
    if staff.role >= Role::Editor {
        return Ok(());
    }
    let named = [
        (
            "section",
            TermKind::Section,
            w.section.iter().collect::<Vec<_>>(),
        ),
        ("tags", TermKind::Tag, w.tags.iter().collect()),
        ("authors", TermKind::Author, w.authors.iter().collect()),
    ];
    let mut errors = Vec::new();
    for (field, kind, terms) in named {
        let slugs: Vec<&str> = terms.iter().map(|t| t.slug.as_str()).collect();
        let found: Vec<String> = store
            .terms_by_slugs(kind, &slugs)?
            .into_iter()
            .map(|t| t.slug)
            .collect();
        for term in terms
            .iter()
            .filter(|t| !found.iter().any(|f| f == t.slug.as_str()))
        {
            errors.push(FieldError::new(
                field,
                format!(
                    "there is no {} {:?}: only an editor creates new ones",
                    kind.noun(),
                    term.name
                ),
            ));
        }
    }
    if errors.is_empty() {
        Ok(())
    } else {
        Err(DomainError::Invalid(errors))
    }
}

/// Who may publish or schedule: editors and admins. REST asks it before
/// reading the body, so an anonymous caller learns nothing of the body.
pub fn may_publish(who: &Principal) -> DomainResult<()> {
    who.require(Role::Editor).map(|_| ())
}

/// Publishes now, or at `published_at` (in the future: scheduled).
#[tracing::instrument(skip_all, fields(who = ?who, slug = %slug))]
pub fn publish_article(
    store: &(impl ContentStore + AccountStore + ?Sized),
    who: &Principal,
    slug: &str,
    published_at: Option<DateTime<Utc>>,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<ArticleRecord> {
    may_publish(who)?;
    let mut patch = Map::new();
    patch.insert("status".into(), Value::from("published"));
    let at = published_at.unwrap_or(now);
    patch.insert("published_at".into(), Value::from(at.to_rfc3339()));
    update_article(store, who, slug, patch, None, public_url, now)
}

#[tracing::instrument(skip_all, fields(who = ?who, slug = %slug))]
pub fn delete_article(
    store: &(impl ContentStore + AccountStore + ?Sized),
    who: &Principal,
    slug: &str,
) -> DomainResult<ArticleRecord> {
    who.require(Role::Editor)?;
    let current = service::article(store, slug, Visibility::Staff)?;
    store.delete_article(current.id)?;
    Ok(current)
}

/// Appends a dated correction (editor+): public from now on, in every
/// format, and a change partners' sync and feeds pick up.
#[tracing::instrument(skip_all, fields(who = ?who, slug = %slug))]
pub fn add_correction(
    store: &(impl ContentStore + ?Sized),
    who: &Principal,
    slug: &str,
    text: Option<&str>,
    now: DateTime<Utc>,
) -> DomainResult<ArticleRecord> {
    let staff = who.require(Role::Editor)?;
    let text = text.map(str::trim).unwrap_or_default();
    if text.is_empty() {
        return Err(DomainError::invalid("text", "is required"));
    }
    if text.chars().count() > MAX_CORRECTION_CHARS {
        return Err(DomainError::invalid(
            "text",
            format!("must be at most {MAX_CORRECTION_CHARS} characters"),
        ));
    }
    let current = service::article(store, slug, Visibility::Staff)?;
    let correction = article::Correction {
        text: text.to_owned(),
        published_at: now,
    };
    store.add_correction(current.id, &correction, Some(staff.user_id))
}

/// An earlier version of an article, as the create body that restores it.
#[derive(Debug, Clone)]
pub struct Revision {
    pub version: i32,
    /// When this version was replaced, and by whom.
    pub replaced_at: DateTime<Utc>,
    pub replaced_by: Option<i64>,
    pub article: ArticleInput,
}

/// Earlier versions, newest first (author+). The byline's e-mail in them
/// is for editors only, as everywhere else.
#[tracing::instrument(skip_all, fields(who = ?who, slug = %slug))]
pub fn revisions(
    store: &(impl ContentStore + AccountStore + ?Sized),
    who: &Principal,
    slug: &str,
) -> DomainResult<Vec<Revision>> {
    let staff = who.require(Role::Author)?;
    let current = service::article(store, slug, Visibility::Staff)?;
    store
        .revisions(current.id)?
        .into_iter()
        .map(|r| revision(r, staff))
        .collect()
}

fn revision(r: RevisionRecord, staff: Staff) -> DomainResult<Revision> {
    let mut article: ArticleInput = serde_json::from_str(&r.snapshot).map_err(|e| {
        DomainError::Internal(format!("revision {} does not decode: {e}", r.version))
    })?;
    if staff.role < Role::Editor {
        article.contact_email = None;
    }
    Ok(Revision {
        version: r.version,
        replaced_at: r.created_at,
        replaced_by: r.created_by,
        article,
    })
}

/// A term as sent by an editor: `name` required on create.
#[derive(Debug, Clone, Default, serde::Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct TermInput {
    /// Required on create; at least one letter or digit.
    #[schema(
        required = true,
        nullable = false,
        min_length = 1,
        max_length = 100,
        pattern = r"[^\W_]"
    )]
    pub name: Option<String>,
    pub slug: Option<String>,
    /// A tag's or section's description.
    pub description: Option<String>,
    /// An author's bio (the same field under the name authors use).
    pub bio: Option<String>,
}

fn term_write(input: TermInput, current: Option<&Term>) -> DomainResult<TermWrite> {
    let mut errors = Vec::new();
    let name_text = input
        .name
        .or_else(|| current.map(|c| c.name.clone()))
        .unwrap_or_default();
    let name = match TermName::parse(&name_text) {
        Ok(n) => Some(n),
        Err(m) => {
            errors.push(FieldError::new(
                "name",
                if name_text.trim().is_empty() {
                    "is required".into()
                } else {
                    m
                },
            ));
            None
        }
    };
    let slug = match input
        .slug
        .as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
    {
        Some(s) => Slug::parse(s)
            .map_err(|m| errors.push(FieldError::new("slug", m)))
            .ok(),
        None => current
            .and_then(|c| Slug::parse(&c.slug).ok())
            .or_else(|| name.as_ref().map(|n| n.slug.clone())),
    };
    let description = match input.description.or(input.bio) {
        Some(d) => Some(d.trim().to_owned()).filter(|d| !d.is_empty()),
        None => current.and_then(|c| c.description.clone()),
    };
    if description
        .as_ref()
        .is_some_and(|d| d.chars().count() > MAX_DESCRIPTION_CHARS)
    {
        errors.push(FieldError::new(
            "description",
            format!("must be at most {MAX_DESCRIPTION_CHARS} characters"),
        ));
    }
    match (name, slug, errors.is_empty()) {
        (Some(name), Some(slug), true) => Ok(TermWrite {
            slug,
            name: name.name,
            description,
        }),
        _ => Err(DomainError::Invalid(errors)),
    }
}

/// A taken slug, named with the value the caller asked for.
fn slug_taken(noun: &str, slug: &Slug) -> DomainError {
    DomainError::Taken(FieldError::new(
        "slug",
        format!("the {noun} slug {:?} is taken", slug.as_str()),
    ))
}

#[tracing::instrument(skip_all, fields(who = ?who, kind = ?kind))]
pub fn create_term(
    store: &(impl ContentStore + ?Sized),
    who: &Principal,
    kind: TermKind,
    input: TermInput,
) -> DomainResult<Term> {
    who.require(Role::Editor)?;
    let write = term_write(input, None)?;
    store.create_term(kind, &write).map_err(|e| match e {
        DomainError::Taken(_) => slug_taken(kind.noun(), &write.slug),
        e => e,
    })
}

#[tracing::instrument(skip_all, fields(who = ?who, kind = ?kind, slug = %slug))]
pub fn update_term(
    store: &(impl ContentStore + ?Sized),
    who: &Principal,
    kind: TermKind,
    slug: &str,
    input: TermInput,
) -> DomainResult<Term> {
    who.require(Role::Editor)?;
    let current = store
        .term_by_slug(kind, slug)?
        .ok_or_else(|| DomainError::NotFound(format!("{} {slug:?}", kind.noun())))?;
    let write = term_write(input, Some(&current))?;
    store.update_term(kind, current.id, &write)
}

#[tracing::instrument(skip_all, fields(who = ?who, kind = ?kind, slug = %slug))]
pub fn delete_term(
    store: &(impl ContentStore + ?Sized),
    who: &Principal,
    kind: TermKind,
    slug: &str,
) -> DomainResult<()> {
    who.require(Role::Editor)?;
    let current = store
        .term_by_slug(kind, slug)?
        .ok_or_else(|| DomainError::NotFound(format!("{} {slug:?}", kind.noun())))?;
    store.delete_term(kind, current.id)
}

#[cfg(test)]
mod tests;
