//! The article write transaction: creating, replacing and upserting
//! articles with their terms and revisions, retried when SQLite's write
//! lock is lost.

use super::syndication_store::{log_change, serialize_writers, Logged};
use super::watch::announce_purge;
use super::{db_err, is_busy, Store, WRITE_ATTEMPTS};
use crate::conn::DbConn;
use crate::models::{
    kind_str, naive, utc, ArticleChanges, ArticleRow, NewArticleTerm, NewCorrection, NewRevision,
    NewTerm, TermRow,
};
use crate::schema::{
    article_corrections, article_revisions, article_terms, article_vectors, articles, terms,
};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use newsdesk_domain::article::{export_input, ArticleRecord, ArticleStatus, ArticleWrite};
use newsdesk_domain::error::{DomainError, DomainResult};
use newsdesk_domain::events::{purge, EventKind};
use newsdesk_domain::store::ChangeKind;
use newsdesk_domain::term::{Term, TermKind, TermName, TermRef};
use std::collections::HashMap;
use std::time::Duration;

/// Finds or creates terms by slug within a transaction, remembering what it
/// has seen so a batch import asks for each tag once.
pub(super) struct TermCache<'c> {
    conn: &'c mut DbConn,
    ids: HashMap<(TermKind, String), i64>,
    now: chrono::NaiveDateTime,
    /// The surrogate keys of the public responses this transaction changes.
    purge: Vec<String>,
}

impl TermCache<'_> {
    pub(super) fn ensure(&mut self, kind: TermKind, t: &TermName) -> Result<i64, DieselError> {
        let key = (kind, t.slug.as_str().to_owned());
        if let Some(id) = self.ids.get(&key) {
            return Ok(*id);
        }
        let found: Option<i64> = terms::table
            .filter(terms::kind.eq(kind_str(kind)))
            .filter(terms::slug.eq(t.slug.as_str()))
            .select(terms::id)
            .first(self.conn)
            .optional()?;
        let id = match found {
            Some(id) => id,
            None => diesel::insert_into(terms::table)
                .values(NewTerm {
                    kind: kind_str(kind),
                    slug: t.slug.as_str(),
                    name: &t.name,
                    created_at: self.now,
                    updated_at: self.now,
                })
                .returning(terms::id)
                .get_result(self.conn)
                .inspect(|_| purge::add(&mut self.purge, purge::LIST.into()))?,
        };
        self.ids.insert(key, id);
        Ok(id)
    }
}

/// How an article write meets existing rows.
#[derive(Clone, Copy)]
pub(super) enum Target {
    /// Import: replace the article with this slug if there is one.
    Upsert,
    /// Create: a taken slug fails with a unique violation.
    Insert { created_by: Option<i64> },
    /// Update article `id`, only if it is still at `expected_version`.
    Update {
        id: i64,
        expected_version: i32,
        by: Option<i64>,
    },
}

/// Errors inside a write transaction: the database's, or a lost race.
pub(super) enum TxError {
    Db(DieselError),
    Stale,
}

impl From<DieselError> for TxError {
    fn from(e: DieselError) -> Self {
        TxError::Db(e)
    }
}

impl From<TxError> for DomainError {
    fn from(e: TxError) -> Self {
        match e {
            TxError::Db(e) => db_err(e),
            TxError::Stale => DomainError::PreconditionFailed(
                "the article changed while you were editing it: fetch it again and reapply your change".into(),
            ),
        }
    }
}

/// The article as it stands, as the create body that restores it.
pub(super) fn snapshot(conn: &mut DbConn, id: i64) -> Result<(i32, String), DieselError> {
    let row: ArticleRow = articles::table
        .find(id)
        .select(ArticleRow::as_select())
        .first(conn)?;
    let terms: Vec<(String, TermRow)> = article_terms::table
        .inner_join(terms::table)
        .filter(article_terms::article_id.eq(id))
        .order(article_terms::position)
        .select((terms::kind, TermRow::as_select()))
        .load(conn)?;
    let section: Option<TermRow> = match row.section_id {
        Some(sid) => terms::table
            .find(sid)
            .select(TermRow::as_select())
            .first(conn)
            .optional()?,
        None => None,
    };
    let (mut tags, mut authors) = (Vec::new(), Vec::new());
    for (kind, t) in terms {
        let t = TermRef::from(&Term::from(t));
        if kind == kind_str(TermKind::Author) {
            authors.push(t);
        } else {
            tags.push(t);
        }
    }
    let section = section.map(|t| TermRef::from(&Term::from(t)));
    let record = ArticleRecord::from(row);
    let input = export_input(&record, section.as_ref(), &authors, &tags, &[]);
    let json =
        serde_json::to_string(&input).map_err(|e| DieselError::SerializationError(Box::new(e)))?;
    Ok((record.version, json))
}

/// The section, tags and authors of a write, created where missing: the
/// section's id and each `(term id, position)` link.
type Links = (Option<i64>, Vec<(i64, i32)>);

fn ensure_terms(cache: &mut TermCache<'_>, w: &ArticleWrite) -> Result<Links, TxError> {
    let section_id = w
        .section
        .as_ref()
        .map(|s| cache.ensure(TermKind::Section, s))
        .transpose()?;
    let mut links = Vec::with_capacity(w.tags.len() + w.authors.len());
    for (kind, names) in [(TermKind::Tag, &w.tags), (TermKind::Author, &w.authors)] {
        for (pos, name) in names.iter().enumerate() {
            let term_id = cache.ensure(kind, name)?;
            links.push((term_id, i32::try_from(pos).unwrap_or(i32::MAX)));
        }
    }
    Ok((section_id, links))
}

/// The row an update or upsert changes: `(id, expected version, by)`;
/// `None` inserts.
fn existing_row(
    conn: &mut DbConn,
    w: &ArticleWrite,
    target: Target,
) -> Result<Option<(i64, i32, Option<i64>)>, TxError> {
    Ok(match target {
        Target::Insert { .. } => None,
        Target::Update {
            id,
            expected_version,
            by,
        } => Some((id, expected_version, by)),
        Target::Upsert => articles::table
            .filter(articles::slug.eq(w.slug.as_str()))
            .select((articles::id, articles::version))
            .first::<(i64, i32)>(conn)
            .optional()?
            .map(|(id, version)| (id, version, None)),
    })
}

/// Updates the row, keeping the creation date and bumping the version only
/// if nobody else bumped it first; the replaced state becomes a revision.
fn update_row(
    conn: &mut DbConn,
    w: &ArticleWrite,
    section_id: Option<i64>,
    (id, expected_version, by): (i64, i32, Option<i64>),
    now: chrono::NaiveDateTime,
) -> Result<(), TxError> {
    let created_at: chrono::NaiveDateTime = articles::table
        .find(id)
        .select(articles::created_at)
        .first(conn)
        .optional()?
        .ok_or(TxError::Stale)?;
    let (version, json) = snapshot(conn, id)?;
    let changes = ArticleChanges::new(w, section_id, utc(created_at));
    let updated = diesel::update(
        articles::table
            .filter(articles::id.eq(id))
            .filter(articles::version.eq(expected_version)),
    )
    .set((&changes, articles::version.eq(expected_version + 1)))
    .execute(conn)?;
    if updated == 0 {
        return Err(TxError::Stale);
    }
    diesel::insert_into(article_revisions::table)
        .values(NewRevision {
            article_id: id,
            version,
            snapshot: json,
            created_at: now,
            created_by: by,
        })
        .execute(conn)?;
    diesel::delete(article_terms::table.filter(article_terms::article_id.eq(id))).execute(conn)?;
    Ok(())
}

fn insert_row(
    conn: &mut DbConn,
    w: &ArticleWrite,
    section_id: Option<i64>,
    created_by: Option<i64>,
) -> Result<i64, TxError> {
    let changes = ArticleChanges::new(w, section_id, w.created_at);
    Ok(diesel::insert_into(articles::table)
        .values((
            changes,
            articles::created_at.eq(naive(w.created_at)),
            articles::created_by.eq(created_by),
        ))
        .returning(articles::id)
        .get_result(conn)?)
}

/// An import's corrections replace the article's, so a restore is exact.
fn replace_corrections(
    conn: &mut DbConn,
    id: i64,
    corrections: &[newsdesk_domain::article::Correction],
) -> Result<(), TxError> {
    diesel::delete(article_corrections::table.filter(article_corrections::article_id.eq(id)))
        .execute(conn)?;
    for c in corrections {
        diesel::insert_into(article_corrections::table)
            .values(NewCorrection {
                article_id: id,
                text: &c.text,
                published_at: naive(c.published_at),
                created_by: None,
            })
            .execute(conn)?;
    }
    let count = i32::try_from(corrections.len()).unwrap_or(i32::MAX);
    diesel::update(articles::table.find(id))
        .set(articles::correction_count.eq(count))
        .execute(conn)?;
    Ok(())
}

/// The article's term vector and its links to tags and authors, replaced.
fn write_links(
    conn: &mut DbConn,
    id: i64,
    w: &ArticleWrite,
    links: Vec<(i64, i32)>,
) -> Result<(), TxError> {
    diesel::delete(article_vectors::table.filter(article_vectors::article_id.eq(id)))
        .execute(conn)?;
    diesel::insert_into(article_vectors::table)
        .values((
            article_vectors::article_id.eq(id),
            article_vectors::term_vector.eq(&w.term_vector),
            article_vectors::recipe.eq(newsdesk_domain::text::VECTOR_RECIPE),
        ))
        .execute(conn)?;
    if links.is_empty() {
        return Ok(());
    }
    let rows: Vec<NewArticleTerm> = links
        .into_iter()
        .map(|(term_id, position)| NewArticleTerm {
            article_id: id,
            term_id,
            position,
        })
        .collect();
    // Multi-row inserts are one of the things the connection enum cannot
    // express (SQLite's batch insert is its own query type), hence the arms.
    let insert = diesel::insert_into(article_terms::table).values(&rows);
    match conn {
        DbConn::Sqlite(c) => insert.execute(c)?,
        DbConn::Pg(c) => insert.execute(c)?,
    };
    Ok(())
}

/// Whether the article is public as of `now`, read before a write changes it.
fn is_public(conn: &mut DbConn, id: i64, now: chrono::NaiveDateTime) -> Result<bool, TxError> {
    let row: Option<(String, chrono::NaiveDateTime)> = articles::table
        .find(id)
        .select((articles::status, articles::sort_at))
        .first(conn)
        .optional()?;
    Ok(row.is_some_and(|(status, sort_at)| status == super::PUBLISHED && sort_at <= now))
}

pub(super) fn save_one(
    cache: &mut TermCache<'_>,
    w: &ArticleWrite,
    target: Target,
) -> Result<i64, TxError> {
    let (section_id, links) = ensure_terms(cache, w)?;
    let now = cache.now;
    let conn = &mut *cache.conn;
    let (id, kind, was_public) = match existing_row(conn, w, target)? {
        Some(row) => {
            let was_public = is_public(conn, row.0, now)?;
            update_row(conn, w, section_id, row, now)?;
            (row.0, ChangeKind::Updated, was_public)
        }
        None => {
            let created_by = match target {
                Target::Insert { created_by } => created_by,
                _ => None,
            };
            (
                insert_row(conn, w, section_id, created_by)?,
                ChangeKind::Created,
                false,
            )
        }
    };
    write_links(conn, id, w, links)?;
    if let Some(corrections) = &w.corrections {
        replace_corrections(conn, id, corrections)?;
    }
    // A scheduled article goes public with no write: sync watches `due_at`,
    // and its `article.published` is written when it comes due.
    let due_at = match (w.status, w.published_at) {
        (ArticleStatus::Published, Some(t)) if naive(t) > now => Some(naive(t)),
        _ => None,
    };
    let is_public = w.status == ArticleStatus::Published && due_at.is_none();
    let logged = Logged {
        kind,
        event: EventKind::of_write(was_public, is_public),
        at: now,
        due_at,
    };
    if logged.event.is_some() {
        purge::add(&mut cache.purge, purge::article(id));
        purge::add(&mut cache.purge, purge::LIST.into());
    }
    log_change(conn, id, w.slug.as_str(), logged)?;
    Ok(id)
}

impl Store {
    /// Writes articles in one transaction and reads them back.
    pub(super) fn write(
        &self,
        writes: &[(&ArticleWrite, Target)],
    ) -> DomainResult<Vec<ArticleRecord>> {
        let mut conn = self.conn()?;
        let now = naive(newsdesk_domain::article::now());
        let mut attempt = 1;
        let ids = loop {
            let result = conn.transaction::<_, TxError, _>(|c| {
                serialize_writers(c)?;
                let mut cache = TermCache {
                    conn: c,
                    ids: HashMap::new(),
                    now,
                    purge: Vec::new(),
                };
                let ids = writes
                    .iter()
                    .map(|(w, target)| save_one(&mut cache, w, *target))
                    .collect::<Result<Vec<i64>, _>>()?;
                announce_purge(cache.conn, &cache.purge)?;
                Ok((ids, cache.purge))
            });
            match result {
                // The whole transaction rolled back: run it again. A stale
                // update then fails its version check and gets 412.
                Err(TxError::Db(ref e)) if is_busy(e) && attempt < WRITE_ATTEMPTS => {
                    attempt += 1;
                    std::thread::sleep(Duration::from_millis(5 * u64::from(attempt)));
                }
                Ok((ids, purge)) => {
                    self.written(purge);
                    break ids;
                }
                Err(e) => {
                    self.written(Vec::new());
                    return Err(DomainError::from(e));
                }
            }
        };
        let rows: Vec<ArticleRow> = articles::table
            .filter(articles::id.eq_any(&ids))
            .select(ArticleRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        let mut by_id: HashMap<i64, ArticleRecord> =
            rows.into_iter().map(|r| (r.id, r.into())).collect();
        Ok(ids.iter().filter_map(|id| by_id.remove(id)).collect())
    }

    pub(super) fn one(&self, write: &ArticleWrite, target: Target) -> DomainResult<ArticleRecord> {
        self.write(&[(write, target)])?
            .pop()
            .ok_or_else(|| DomainError::Internal("write returned nothing".into()))
    }
}
