//! `TermStore`: tags, sections and author profiles, and their article counts.

use super::syndication_store::serialize_writers;
use super::{db_err, visible, Store};
use crate::conn::DbConn;
use crate::models::{kind_str, naive, parse_kind, NewTerm, TermRow};
use crate::schema::{article_changes, article_terms, articles, terms};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Bool, Timestamp};
use newsdesk_domain::error::DomainResult;
use newsdesk_domain::events::purge;
use newsdesk_domain::paging::SlugKey;
use newsdesk_domain::query::Visibility;
use newsdesk_domain::store::{ArticleScope, TermStore, TermWrite};
use newsdesk_domain::term::{Term, TermKind};
use std::collections::HashMap;

impl Store {
    /// Counts visible articles per term with one grouped statement.
    pub(super) fn count_uncached(
        &self,
        kind: TermKind,
        term_ids: &[i64],
        visibility: Visibility,
        scope: Option<&ArticleScope>,
    ) -> DomainResult<Vec<(i64, i64)>> {
        let mut conn = self.conn()?;
        let (statuses, until) = visible(visibility);
        let in_scope = diesel::dsl::sql::<Bool>(&scope_sql(scope, "articles"));
        match kind {
            TermKind::Section => {
                let rows: Vec<(Option<i64>, i64)> = articles::table
                    .filter(articles::section_id.eq_any(term_ids))
                    .filter(articles::status.eq_any(statuses))
                    .filter(articles::sort_at.le(until))
                    .filter(in_scope)
                    .group_by(articles::section_id)
                    .select((articles::section_id, count_star()))
                    .load(&mut *conn)
                    .map_err(db_err)?;
                Ok(rows
                    .into_iter()
                    .filter_map(|(id, n)| id.map(|id| (id, n)))
                    .collect())
            }
            TermKind::Tag | TermKind::Author => article_terms::table
                .inner_join(articles::table)
                .filter(article_terms::term_id.eq_any(term_ids))
                .filter(articles::status.eq_any(statuses))
                .filter(articles::sort_at.le(until))
                .filter(in_scope)
                .group_by(article_terms::term_id)
                .select((article_terms::term_id, count_star()))
                .load(&mut *conn)
                .map_err(db_err),
        }
    }

    pub(super) fn term(&self, kind: TermKind, id: i64) -> DomainResult<Term> {
        let mut conn = self.conn()?;
        terms::table
            .filter(terms::id.eq(id))
            .filter(terms::kind.eq(kind_str(kind)))
            .select(TermRow::as_select())
            .first(&mut *conn)
            .map(Term::from)
            .map_err(db_err)
    }

    /// Terms by id, of any kind, from memory where it has them. Terms are
    /// few and named on every article view; any write forgets them all
    /// (`written`), on every node (`watch`), and the short life bounds how
    /// long a node that missed the news serves a renamed term.
    fn cached_terms(&self, ids: &[i64]) -> DomainResult<HashMap<i64, (TermKind, Term)>> {
        let (mut out, missing) = super::recall(&self.terms, ids);
        if missing.is_empty() {
            return Ok(out);
        }
        let rows: Vec<(String, TermRow)> = {
            let mut conn = self.conn()?;
            terms::table
                .filter(terms::id.eq_any(&missing))
                .select((terms::kind, TermRow::as_select()))
                .load(&mut *conn)
                .map_err(db_err)?
        };
        for (kind, row) in rows {
            let Some(kind) = parse_kind(&kind) else {
                continue;
            };
            let term = Term::from(row);
            self.terms.insert(term.id, (kind, term.clone()));
            out.insert(term.id, (kind, term));
        }
        Ok(out)
    }
}

impl TermStore for Store {
    fn terms_of_articles(&self, article_ids: &[i64]) -> DomainResult<Vec<(i64, TermKind, Term)>> {
        if article_ids.is_empty() {
            return Ok(Vec::new());
        }
        // Only the links are read here: joined to `terms`, PostgreSQL hashed
        // the whole table for the few rows of one page of articles. The
        // terms themselves come from memory (`cached_terms`).
        let links: Vec<(i64, i64)> = {
            let mut conn = self.conn()?;
            article_terms::table
                .filter(article_terms::article_id.eq_any(article_ids))
                .order((article_terms::article_id, article_terms::position))
                .select((article_terms::article_id, article_terms::term_id))
                .load(&mut *conn)
                .map_err(db_err)?
        };
        let ids: Vec<i64> = links.iter().map(|(_, t)| *t).collect();
        let known = self.cached_terms(&ids)?;
        Ok(links
            .into_iter()
            .filter_map(|(a, t)| known.get(&t).map(|(k, term)| (a, *k, term.clone())))
            .collect())
    }

    fn terms_by_id(&self, kind: TermKind, ids: &[i64]) -> DomainResult<Vec<Term>> {
        let known = self.cached_terms(ids)?;
        let mut seen = std::collections::HashSet::new();
        Ok(ids
            .iter()
            .filter(|id| seen.insert(**id))
            .filter_map(|id| known.get(id))
            .filter(|(k, _)| *k == kind)
            .map(|(_, t)| t.clone())
            .collect())
    }

    fn list_terms(
        &self,
        kind: TermKind,
        after: Option<&SlugKey>,
        limit: u32,
        visibility: Visibility,
        scope: Option<&ArticleScope>,
    ) -> DomainResult<Vec<Term>> {
        let mut conn = self.conn()?;
        let mut query = terms::table
            .filter(terms::kind.eq(kind_str(kind)))
            .select(TermRow::as_select())
            .into_boxed();
        if let Some(SlugKey(slug)) = after {
            query = query.filter(terms::slug.gt(slug.clone()));
        }
        if let Visibility::Public { now } = visibility {
            // Correlated subqueries that diesel's DSL cannot join to the
            // outer table; the SQL is the same on both backends.
            let (any, shown) = match kind {
                TermKind::Section => (
                    "SELECT 1 FROM articles a WHERE a.section_id = terms.id",
                    "SELECT 1 FROM articles a WHERE a.section_id = terms.id \
                     AND a.status = 'published' AND a.sort_at <= ",
                ),
                TermKind::Tag | TermKind::Author => (
                    "SELECT 1 FROM article_terms x WHERE x.term_id = terms.id",
                    "SELECT 1 FROM article_terms x JOIN articles a ON a.id = x.article_id \
                     WHERE x.term_id = terms.id AND a.status = 'published' AND a.sort_at <= ",
                ),
            };
            let in_scope = scope_sql(scope, "a");
            query = query.filter(
                diesel::dsl::sql::<Bool>(&format!("(NOT EXISTS ({any}) OR EXISTS ({shown}"))
                    .bind::<Timestamp, _>(naive(now))
                    .sql(&format!(" AND {in_scope}))")),
            );
        }
        let rows: Vec<TermRow> = query
            .order(terms::slug)
            .limit(i64::from(limit) + 1)
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn term_by_slug(&self, kind: TermKind, slug: &str) -> DomainResult<Option<Term>> {
        let mut conn = self.conn()?;
        terms::table
            .filter(terms::kind.eq(kind_str(kind)))
            .filter(terms::slug.eq(slug))
            .select(TermRow::as_select())
            .first(&mut *conn)
            .optional()
            .map(|t| t.map(Into::into))
            .map_err(db_err)
    }

    fn terms_by_slugs(&self, kind: TermKind, slugs: &[&str]) -> DomainResult<Vec<Term>> {
        if slugs.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        let rows: Vec<TermRow> = terms::table
            .filter(terms::kind.eq(kind_str(kind)))
            .filter(terms::slug.eq_any(slugs))
            .select(TermRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn count_articles_by_term(
        &self,
        kind: TermKind,
        term_ids: &[i64],
        visibility: Visibility,
        scope: Option<&ArticleScope>,
    ) -> DomainResult<Vec<(i64, i64)>> {
        // The cache holds the public's counts; a partner's are its own.
        if !matches!(visibility, Visibility::Public { .. }) || scope.is_some() {
            return self.count_uncached(kind, term_ids, visibility, scope);
        }
        let missing: Vec<i64> = term_ids
            .iter()
            .copied()
            .filter(|id| !self.public_counts.contains_key(&(kind, *id)))
            .collect();
        if !missing.is_empty() {
            let mut found: HashMap<i64, i64> = self
                .count_uncached(kind, &missing, visibility, None)?
                .into_iter()
                .collect();
            for id in missing {
                self.public_counts
                    .insert((kind, id), found.remove(&id).unwrap_or(0));
            }
        }
        Ok(term_ids
            .iter()
            .filter_map(|id| self.public_counts.get(&(kind, *id)).map(|n| (*id, n)))
            .collect())
    }

    fn create_term(&self, kind: TermKind, term: &TermWrite) -> DomainResult<Term> {
        let id: i64 = {
            let mut conn = self.conn()?;
            let now = naive(newsdesk_domain::article::now());
            let id: i64 = diesel::insert_into(terms::table)
                .values((
                    NewTerm {
                        kind: kind_str(kind),
                        slug: term.slug.as_str(),
                        name: &term.name,
                        created_at: now,
                        updated_at: now,
                    },
                    terms::description.eq(term.description.as_deref()),
                ))
                .returning(terms::id)
                .get_result(&mut *conn)
                .map_err(db_err)?;
            let keys = [purge::LIST.to_owned()];
            super::watch::announce_purge(&mut conn, &keys).map_err(db_err)?;
            id
        };
        // Term lists show it now.
        self.written(vec![purge::LIST.into()]);
        self.term(kind, id)
    }

    fn update_term(&self, kind: TermKind, id: i64, term: &TermWrite) -> DomainResult<Term> {
        let keys = {
            let mut conn = self.conn()?;
            let now = naive(newsdesk_domain::article::now());
            conn.transaction::<_, DieselError, _>(|c| {
                serialize_writers(c)?;
                let keys = purge_term(c, kind, id)?;
                diesel::update(
                    terms::table
                        .filter(terms::id.eq(id))
                        .filter(terms::kind.eq(kind_str(kind))),
                )
                .set((
                    terms::slug.eq(term.slug.as_str()),
                    terms::name.eq(&term.name),
                    terms::description.eq(term.description.as_deref()),
                    terms::updated_at.eq(now),
                ))
                .execute(c)?;
                log_articles_of(c, kind, id, now)?;
                Ok(keys)
            })
            .map_err(db_err)?
        };
        self.written(keys);
        self.term(kind, id)
    }

    fn delete_term(&self, kind: TermKind, id: i64) -> DomainResult<()> {
        let mut conn = self.conn()?;
        let now = naive(newsdesk_domain::article::now());
        let deleted = conn.transaction::<_, DieselError, _>(|c| {
            serialize_writers(c)?;
            let keys = purge_term(c, kind, id)?;
            // Logged first: afterwards the links that find the articles are gone.
            log_articles_of(c, kind, id, now)?;
            diesel::delete(
                terms::table
                    .filter(terms::id.eq(id))
                    .filter(terms::kind.eq(kind_str(kind))),
            )
            .execute(c)?;
            Ok(((), keys))
        });
        self.settle(deleted)
    }

    fn author_by_email(&self, email: &str) -> DomainResult<Option<Term>> {
        let mut conn = self.conn()?;
        terms::table
            .filter(terms::kind.eq(kind_str(TermKind::Author)))
            .filter(terms::email.eq(email))
            .order(terms::id)
            .select(TermRow::as_select())
            .first(&mut *conn)
            .optional()
            .map(|t| t.map(Into::into))
            .map_err(db_err)
    }

    fn claim_author_email(&self, slug: &str, email: &str) -> DomainResult<()> {
        let mut conn = self.conn()?;
        diesel::update(
            terms::table
                .filter(terms::kind.eq(kind_str(TermKind::Author)))
                .filter(terms::slug.eq(slug))
                .filter(terms::email.is_null()),
        )
        .set(terms::email.eq(email))
        .execute(&mut *conn)
        .map_err(db_err)?;
        Ok(())
    }
}

/// Every article that shows term `id` changes with it (its name, its slug,
/// or its removal): one change row each, so sync tells partners.
/// What a change to a term changes in public: everything naming it (its
/// articles, its own page) under its slug before the change, and lists.
/// Told to other nodes at commit.
fn purge_term(conn: &mut DbConn, kind: TermKind, id: i64) -> Result<Vec<String>, DieselError> {
    let slug: Option<String> = terms::table
        .find(id)
        .select(terms::slug)
        .first(conn)
        .optional()?;
    let mut keys = vec![purge::LIST.to_owned()];
    keys.extend(slug.map(|s| purge::term(kind, &s)));
    super::watch::announce_purge(conn, &keys)?;
    Ok(keys)
}

fn log_articles_of(
    conn: &mut DbConn,
    kind: TermKind,
    id: i64,
    now: chrono::NaiveDateTime,
) -> Result<(), DieselError> {
    let articles_of = match kind {
        TermKind::Section => "SELECT id FROM articles WHERE section_id = $2",
        _ => "SELECT article_id FROM article_terms WHERE term_id = $2",
    };
    let before: Option<i64> = article_changes::table
        .select(diesel::dsl::max(article_changes::seq))
        .first(conn)?;
    // SQLite numbers `$N` parameters in the order they first appear, so
    // they appear here in the order they are bound. Only articles the
    // public sees are an `article.updated` to anyone.
    diesel::sql_query(format!(
        "INSERT INTO article_changes (article_id, slug, kind, changed_at, event) \
         SELECT id, slug, 'updated', $1, \
                CASE WHEN status = 'published' AND sort_at <= $1 THEN 'article.updated' END \
         FROM articles WHERE id IN ({articles_of})"
    ))
    .bind::<diesel::sql_types::Timestamp, _>(now)
    .bind::<diesel::sql_types::BigInt, _>(id)
    .execute(conn)?;
    super::event_store::enqueue_since(conn, before.unwrap_or(0), now)?;
    Ok(())
}

/// A scope as SQL over the articles aliased `table`: ids only, which are
/// numbers of ours, so they are written into the text.
fn scope_sql(scope: Option<&ArticleScope>, table: &str) -> String {
    let list = |ids: &[i64]| {
        ids.iter()
            .map(i64::to_string)
            .collect::<Vec<_>>()
            .join(", ")
    };
    let mut parts = vec!["1 = 1".to_owned()];
    if let Some(s) = scope {
        if !s.sections.is_empty() {
            parts.push(format!("{table}.section_id IN ({})", list(&s.sections)));
        }
        if !s.tags.is_empty() {
            parts.push(format!(
                "{table}.id IN (SELECT article_id FROM article_terms WHERE term_id IN ({}))",
                list(&s.tags)
            ));
        }
    }
    format!("({})", parts.join(" AND "))
}
