//! `ArticleStore`: article lists, reads and writes (through `write`).

use super::syndication_store::{log_change, serialize_writers, Logged};
use super::watch::{announce_purge, article_purge};
use super::{db_err, Store, PUBLISHED};
use crate::conn::Backend;
use crate::models::{
    kind_str, naive, utc, ArticleRow, CorrectionRow, LeanArticleRow, NewCorrection, RevisionRow,
};
use crate::schema::{article_corrections, article_revisions, article_terms, articles, terms};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Bool, Text};
use newsdesk_domain::article::{ArticleRecord, ArticleWrite, Correction};
use newsdesk_domain::error::{DomainError, DomainResult};
use newsdesk_domain::events::EventKind;
use newsdesk_domain::query::{ArticleQuery, Visibility};
use newsdesk_domain::store::{ArticleStore, ChangeKind, RevisionRecord};
use newsdesk_domain::term::TermKind;

use super::write::Target;
use crate::conn::DbConn;

type Articles<'a> = articles::BoxedQuery<'a, <DbConn as diesel::Connection>::Backend>;

/// A page of the filtered articles, newest first, with one row more than
/// the page to tell whether there is a next; without bodies when lean.
fn load_page(
    conn: &mut DbConn,
    query: Articles<'_>,
    q: &ArticleQuery,
) -> DomainResult<Vec<ArticleRecord>> {
    let query = query
        .order((articles::sort_at.desc(), articles::id.desc()))
        .limit(i64::from(q.limit.get()) + 1);
    let rows: Vec<ArticleRow> = if q.lean {
        query
            .select(LeanArticleRow::as_select())
            .load::<LeanArticleRow>(conn)
            .map_err(db_err)?
            .into_iter()
            .map(Into::into)
            .collect()
    } else {
        query
            .select(ArticleRow::as_select())
            .load(conn)
            .map_err(db_err)?
    };
    Ok(rows.into_iter().map(Into::into).collect())
}

impl ArticleStore for Store {
    fn list_articles(&self, q: &ArticleQuery) -> DomainResult<Vec<ArticleRecord>> {
        let mut conn = self.conn()?;
        let mut query = articles::table.into_boxed();
        if let Visibility::Public { now } = q.visibility {
            query = query
                .filter(articles::status.eq(PUBLISHED))
                .filter(articles::sort_at.le(naive(now)));
        }
        let f = &q.filter;
        for (kind, slug) in [(TermKind::Tag, &f.tag), (TermKind::Author, &f.author)] {
            if let Some(slug) = slug {
                query = query.filter(
                    articles::id.eq_any(
                        article_terms::table
                            .inner_join(terms::table)
                            .filter(terms::kind.eq(kind_str(kind)))
                            .filter(terms::slug.eq(slug.clone()))
                            .select(article_terms::article_id),
                    ),
                );
            }
        }
        if let Some(section) = &f.section {
            query = query.filter(
                articles::section_id.eq_any(
                    terms::table
                        .filter(terms::kind.eq(kind_str(TermKind::Section)))
                        .filter(terms::slug.eq(section.clone()))
                        .select(terms::id.nullable()),
                ),
            );
        }
        if let Some(exclude) = &f.exclude {
            query = query.filter(articles::slug.ne(exclude.clone()));
        }
        // `sort_at` is `published_at` whenever that is set, so the same bound
        // on it is equivalent and lets the newest-first index stop early
        // (the News sitemap asks for two days out of years).
        if let Some(t) = f.published_after {
            query = query
                .filter(articles::published_at.gt(naive(t)))
                .filter(articles::sort_at.gt(naive(t)));
        }
        if let Some(t) = f.published_before {
            query = query
                .filter(articles::published_at.lt(naive(t)))
                .filter(articles::sort_at.lt(naive(t)));
        }
        if let Some(words) = &f.q {
            // The full-text index narrows; the list keeps its own order.
            query = query.filter(match self.backend {
                Backend::Sqlite => diesel::dsl::sql::<Bool>(
                    "articles.id IN (SELECT rowid FROM articles_fts WHERE articles_fts MATCH ",
                )
                .bind::<Text, _>(words.fts5())
                .sql(")"),
                Backend::Postgres => diesel::dsl::sql::<Bool>(
                    "articles.search_vector @@ websearch_to_tsquery('english', ",
                )
                .bind::<Text, _>(words.websearch())
                .sql(")"),
            });
        }
        if let Some(k) = q.after {
            let at = naive(k.sort_at);
            query = query.filter(
                articles::sort_at
                    .lt(at)
                    .or(articles::sort_at.eq(at).and(articles::id.lt(k.id))),
            );
        }
        load_page(&mut conn, query, q)
    }

    fn article_by_slug(&self, slug: &str) -> DomainResult<Option<ArticleRecord>> {
        let mut conn = self.conn()?;
        articles::table
            .filter(articles::slug.eq(slug))
            .select(ArticleRow::as_select())
            .first(&mut *conn)
            .optional()
            .map(|r| r.map(Into::into))
            .map_err(db_err)
    }

    fn articles_by_ids(&self, ids: &[i64]) -> DomainResult<Vec<ArticleRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        let rows: Vec<ArticleRow> = articles::table
            .filter(articles::id.eq_any(ids))
            .select(ArticleRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn articles_to_show(&self, ids: &[i64]) -> DomainResult<Vec<ArticleRecord>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        // The source is as long as the text, and on PostgreSQL each body is
        // a TOAST read: a fifth of related news' read of its winners.
        let rows: Vec<(LeanArticleRow, String, String)> = articles::table
            .filter(articles::id.eq_any(ids))
            .select((
                LeanArticleRow::as_select(),
                articles::body_html,
                articles::body_text,
            ))
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|(lean, body_html, body_text)| {
                ArticleRecord::from(ArticleRow {
                    body_html,
                    body_text,
                    ..lean.into()
                })
            })
            .collect())
    }

    fn articles_after_id(&self, after_id: i64, limit: u32) -> DomainResult<Vec<ArticleRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<ArticleRow> = articles::table
            .filter(articles::id.gt(after_id))
            .order(articles::id)
            .limit(i64::from(limit))
            .select(ArticleRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn count_articles(&self) -> DomainResult<i64> {
        if let Some(n) = self.article_count.get(&()) {
            return Ok(n);
        }
        let mut conn = self.conn()?;
        let n: i64 = articles::table
            .count()
            .get_result(&mut *conn)
            .map_err(db_err)?;
        self.article_count.insert((), n);
        Ok(n)
    }

    fn save_articles(&self, writes: &[ArticleWrite]) -> DomainResult<Vec<ArticleRecord>> {
        let targets: Vec<(&ArticleWrite, Target)> =
            writes.iter().map(|w| (w, Target::Upsert)).collect();
        self.write(&targets)
    }

    fn create_article(
        &self,
        write: &ArticleWrite,
        created_by: Option<i64>,
    ) -> DomainResult<ArticleRecord> {
        self.one(write, Target::Insert { created_by })
    }

    fn update_article(
        &self,
        id: i64,
        expected_version: i32,
        write: &ArticleWrite,
        by: Option<i64>,
    ) -> DomainResult<ArticleRecord> {
        self.one(
            write,
            Target::Update {
                id,
                expected_version,
                by,
            },
        )
    }

    fn delete_article(&self, id: i64) -> DomainResult<()> {
        let mut conn = self.conn()?;
        let now = naive(newsdesk_domain::article::now());
        let deleted = conn.transaction::<_, DieselError, _>(|c| {
            serialize_writers(c)?;
            let (slug, status, sort_at): (String, String, chrono::NaiveDateTime) = articles::table
                .find(id)
                .select((articles::slug, articles::status, articles::sort_at))
                .first(c)?;
            let was_public = status == super::PUBLISHED && sort_at <= now;
            let logged = Logged {
                kind: ChangeKind::Deleted,
                event: was_public.then_some(EventKind::ArticleDeleted),
                at: now,
                due_at: None,
            };
            log_change(c, id, &slug, logged)?;
            let keys = if was_public {
                article_purge(id)
            } else {
                Vec::new()
            };
            announce_purge(c, &keys)?;
            diesel::delete(articles::table.find(id)).execute(c)?;
            Ok(((), keys))
        });
        self.settle(deleted)
    }

    fn add_correction(
        &self,
        id: i64,
        correction: &Correction,
        by: Option<i64>,
    ) -> DomainResult<ArticleRecord> {
        let mut conn = self.conn()?;
        let at = naive(correction.published_at);
        let row = conn.transaction::<_, DieselError, _>(|c| {
            serialize_writers(c)?;
            diesel::insert_into(article_corrections::table)
                .values(NewCorrection {
                    article_id: id,
                    text: &correction.text,
                    published_at: at,
                    created_by: by,
                })
                .execute(c)?;
            diesel::update(articles::table.find(id))
                .set((
                    articles::updated_at.eq(at),
                    articles::version.eq(articles::version + 1),
                    articles::correction_count.eq(articles::correction_count + 1),
                ))
                .execute(c)?;
            let row: ArticleRow = articles::table
                .find(id)
                .select(ArticleRow::as_select())
                .first(c)?;
            let public = row.status == super::PUBLISHED && row.sort_at <= at;
            let logged = Logged {
                kind: ChangeKind::Corrected,
                event: public.then_some(EventKind::ArticleCorrected),
                at,
                due_at: None,
            };
            log_change(c, id, &row.slug, logged)?;
            let keys = if public {
                article_purge(id)
            } else {
                Vec::new()
            };
            announce_purge(c, &keys)?;
            Ok((row, keys))
        });
        self.settle(row).map(Into::into)
    }

    fn corrections_of(&self, article_ids: &[i64]) -> DomainResult<Vec<(i64, Correction)>> {
        if article_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        let rows: Vec<CorrectionRow> = article_corrections::table
            .filter(article_corrections::article_id.eq_any(article_ids))
            .order((article_corrections::article_id, article_corrections::id))
            .select(CorrectionRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .map(|r| {
                let c = Correction {
                    text: r.text,
                    published_at: utc(r.published_at),
                };
                (r.article_id, c)
            })
            .collect())
    }

    fn revisions(&self, article_id: i64) -> DomainResult<Vec<RevisionRecord>> {
        let mut conn = self.conn()?;
        let rows: Vec<RevisionRow> = article_revisions::table
            .filter(article_revisions::article_id.eq(article_id))
            .order(article_revisions::version.desc())
            .select(RevisionRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn ping(&self) -> DomainResult<()> {
        let mut conn = self.conn()?;
        diesel::sql_query("SELECT 1")
            .execute(&mut *conn)
            .map(|_| ())
            .map_err(|e| DomainError::Unavailable(e.to_string()))
    }
}
