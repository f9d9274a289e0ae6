//! `DiscoveryStore`: full-text search and related-news candidates, where
//! the two engines differ most (FTS5 and tsvector), so the per-backend arms
//! are here.

use super::{db_err, far_future, Store, PUBLISHED, VOCABULARY_SAMPLE};
use crate::conn::{Backend, DbConn};
use crate::models::{kind_str, naive, utc};
use crate::schema::{article_terms, article_vectors, articles, terms};
use chrono::{DateTime, Utc};
use diesel::dsl::count_star;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{Array, BigInt, Bool, Double, Nullable, Text, Timestamp};
use newsdesk_domain::article::{ArticleStatus, ArticleSummary};
use newsdesk_domain::error::{DomainError, DomainResult};
use newsdesk_domain::query::Visibility;
use newsdesk_domain::search::SearchQuery;
use newsdesk_domain::store::{Candidate, CandidateSources, DiscoveryStore};
use newsdesk_domain::term::TermKind;
use newsdesk_domain::text::Vocabulary;
use newsdesk_domain::topics::Sampled;
use std::collections::HashMap;
use std::sync::Arc;

impl Store {
    /// The newest `limit` published articles whose term vectors hold any of
    /// these stems (SQLite; PostgreSQL gathers candidates in one statement,
    /// see `related_candidates`).
    pub(super) fn sqlite_recent_with_words(
        &self,
        stems: &[String],
        limit: u32,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<i64>> {
        let mut conn = self.conn()?;
        let mut ids = Vec::new();
        for stem in stems {
            // Walks the (stem, article_id) key backwards and stops after
            // `limit`, however common the word: the newest of the union
            // are among the newest of each.
            let hits: Vec<IdRow> = diesel::sql_query(
                "SELECT w.article_id AS id FROM article_words w \
                 JOIN articles a ON a.id = w.article_id \
                 WHERE w.stem = ? AND a.status = 'published' AND a.published_at <= ? \
                 ORDER BY w.article_id DESC LIMIT ?",
            )
            .bind::<Text, _>(stem)
            .bind::<Timestamp, _>(naive(now))
            .bind::<BigInt, _>(i64::from(limit))
            .load(&mut *conn)
            .map_err(db_err)?;
            ids.extend(hits.into_iter().map(|h| h.id));
        }
        ids.sort_unstable_by(|a, b| b.cmp(a));
        ids.dedup();
        ids.truncate(limit as usize);
        Ok(ids)
    }

    /// For each `(term, n)`, the newest `n` articles carrying the term (by id).
    pub(super) fn sqlite_recent_with_terms(
        &self,
        terms: &[(i64, u32)],
        exclude: i64,
    ) -> DomainResult<Vec<i64>> {
        let mut conn = self.conn()?;
        // PostgreSQL answers every tag in one round trip with a lateral join;
        // SQLite is in-process, so one small query per tag costs nothing.
        let mut out = Vec::new();
        for (term_id, n) in terms {
            // Walks the (term_id, article_id) index backwards: cheap even
            // for a tag on half the corpus.
            let rows: Vec<i64> = article_terms::table
                .filter(article_terms::term_id.eq(term_id))
                .filter(article_terms::article_id.ne(exclude))
                .order(article_terms::article_id.desc())
                .limit(i64::from(*n))
                .select(article_terms::article_id)
                .load(&mut *conn)
                .map_err(db_err)?;
            out.extend(rows);
        }
        Ok(out)
    }

    /// Candidates without bodies: what ranking needs.
    fn read_summaries(&self, ids: &[i64]) -> DomainResult<Vec<ArticleSummary>> {
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        let rows: Vec<SummaryRow> = articles::table
            .left_join(article_vectors::table)
            .filter(articles::id.eq_any(ids))
            .select((
                articles::id,
                articles::status,
                articles::section_id,
                articles::published_at,
                articles::created_at,
                article_vectors::term_vector.nullable(),
            ))
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    /// Which of these articles carry which of these terms: `(article_id, term_id)`.
    pub(super) fn sqlite_shared_terms(
        &self,
        article_ids: &[i64],
        term_ids: &[i64],
    ) -> DomainResult<Vec<(i64, i64)>> {
        if article_ids.is_empty() || term_ids.is_empty() {
            return Ok(Vec::new());
        }
        let mut conn = self.conn()?;
        // Filtered on article ids only, which walks the primary key: with a
        // filter on term ids too, SQLite may start from a popular tag's
        // index entries instead and read thousands of rows.
        let rows: Vec<(i64, i64)> = article_terms::table
            .filter(article_terms::article_id.eq_any(article_ids))
            .select((article_terms::article_id, article_terms::term_id))
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows
            .into_iter()
            .filter(|(_, t)| term_ids.contains(t))
            .collect())
    }

    /// The newest published articles of a section.
    pub(super) fn sqlite_recent_in_section(
        &self,
        section_id: i64,
        exclude: i64,
        limit: u32,
        now: DateTime<Utc>,
    ) -> DomainResult<Vec<i64>> {
        let mut conn = self.conn()?;
        articles::table
            .filter(articles::section_id.eq(section_id))
            .filter(articles::id.ne(exclude))
            .filter(articles::status.eq(PUBLISHED))
            .filter(articles::sort_at.le(naive(now)))
            .order((articles::sort_at.desc(), articles::id.desc()))
            .limit(i64::from(limit))
            .select(articles::id)
            .load(&mut *conn)
            .map_err(db_err)
    }

    /// SQLite's candidates: in-process, so the separate small queries cost
    /// nothing. `(id, the subject's terms it shares)`.
    fn sqlite_candidate_ids(
        &self,
        sources: &CandidateSources,
    ) -> DomainResult<Vec<(i64, Vec<i64>)>> {
        let mut ids = self.sqlite_recent_with_terms(&sources.tags, sources.article)?;
        ids.extend(self.sqlite_recent_with_words(
            &sources.key_stems,
            sources.from_text,
            sources.now,
        )?);
        if let Some(section) = sources.section_id {
            ids.extend(self.sqlite_recent_in_section(
                section,
                sources.article,
                sources.from_section,
                sources.now,
            )?);
        }
        ids.push(sources.article);
        ids.sort_unstable();
        ids.dedup();
        let mut shared: HashMap<i64, Vec<i64>> = HashMap::new();
        for (article_id, term_id) in self.sqlite_shared_terms(&ids, &sources.own_terms)? {
            shared.entry(article_id).or_default().push(term_id);
        }
        Ok(ids
            .into_iter()
            .map(|id| (id, shared.remove(&id).unwrap_or_default()))
            .collect())
    }

    /// PostgreSQL's candidates: one call of the function
    /// `related_candidates` (migrations/postgres/*_candidate_ids), planned
    /// once per connection.
    fn pg_candidate_ids(&self, sources: &CandidateSources) -> DomainResult<Vec<(i64, Vec<i64>)>> {
        let (tag_ids, per_tag): (Vec<i64>, Vec<i64>) = sources
            .tags
            .iter()
            .map(|(id, n)| (*id, i64::from(*n)))
            .unzip();
        let mut conn = self.conn()?;
        let DbConn::Pg(c) = &mut *conn else {
            return Err(DomainError::Internal("not a PostgreSQL connection".into()));
        };
        let rows: Vec<CandidateRow> = diesel::sql_query(
            "SELECT * FROM related_candidates($1, $2, $3, $4, $5, $6, $7, $8, $9)",
        )
        .bind::<Array<BigInt>, _>(&tag_ids)
        .bind::<BigInt, _>(sources.article)
        .bind::<Array<BigInt>, _>(&per_tag)
        .bind::<Array<Text>, _>(&sources.key_stems)
        .bind::<Timestamp, _>(naive(sources.now))
        .bind::<BigInt, _>(i64::from(sources.from_text))
        .bind::<Nullable<BigInt>, _>(sources.section_id)
        .bind::<BigInt, _>(i64::from(sources.from_section))
        .bind::<Array<BigInt>, _>(&sources.own_terms)
        .load(c)
        .map_err(db_err)?;
        Ok(rows.into_iter().map(|r| (r.id, r.shared_terms)).collect())
    }

    /// What ranking reads of these articles, from memory where it has it:
    /// the candidates of one request are mostly the newest articles of a
    /// few tags and sections, which the next request asks for again. Any
    /// write forgets them all (`written`), on every node (`watch`);
    /// whether an article is public yet is judged from `published_at` at
    /// use, so a scheduled article needs no write to appear.
    fn summaries(&self, ids: &[i64]) -> DomainResult<HashMap<i64, ArticleSummary>> {
        let (mut out, missing) = super::recall(&self.summaries, ids);
        for summary in self.read_summaries(&missing)? {
            self.summaries.insert(summary.id, summary.clone());
            out.insert(summary.id, summary);
        }
        Ok(out)
    }
}

#[derive(QueryableByName)]
pub(super) struct Hit {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Double)]
    score: f64,
}

#[derive(QueryableByName)]
pub(super) struct IdRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
}

/// What ranking reads of a candidate (`read_summaries`).
#[derive(Queryable)]
pub(super) struct SummaryRow {
    id: i64,
    status: String,
    section_id: Option<i64>,
    published_at: Option<chrono::NaiveDateTime>,
    created_at: chrono::NaiveDateTime,
    term_vector: Option<String>,
}

impl From<SummaryRow> for ArticleSummary {
    fn from(r: SummaryRow) -> ArticleSummary {
        ArticleSummary {
            id: r.id,
            status: ArticleStatus::parse(&r.status).unwrap_or(ArticleStatus::Draft),
            section_id: r.section_id,
            published_at: r.published_at.map(utc),
            created_at: utc(r.created_at),
            term_vector: r.term_vector.unwrap_or_default().into(),
        }
    }
}

#[derive(QueryableByName)]
pub(super) struct CandidateRow {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Array<BigInt>)]
    shared_terms: Vec<i64>,
}

impl Store {
    /// Word statistics and tag spreads of the newest published articles.
    fn build_vocabulary(&self) -> DomainResult<Vocabulary> {
        let mut conn = self.conn()?;
        let rows: Vec<(i64, Option<i64>, String, String)> = articles::table
            .filter(articles::status.eq(PUBLISHED))
            .order((articles::sort_at.desc(), articles::id.desc()))
            .limit(VOCABULARY_SAMPLE)
            .select((
                articles::id,
                articles::section_id,
                articles::title,
                articles::body_text,
            ))
            .load(&mut *conn)
            .map_err(db_err)?;
        let ids: Vec<i64> = rows.iter().map(|r| r.0).collect();
        let vectors: HashMap<i64, String> = article_vectors::table
            .filter(article_vectors::article_id.eq_any(&ids))
            .select((article_vectors::article_id, article_vectors::term_vector))
            .load(&mut *conn)
            .map_err(db_err)?
            .into_iter()
            .collect();
        let mut tags: HashMap<i64, Vec<i64>> = HashMap::new();
        let links: Vec<(i64, i64)> = article_terms::table
            .inner_join(terms::table)
            .filter(article_terms::article_id.eq_any(&ids))
            .filter(terms::kind.eq(kind_str(TermKind::Tag)))
            .select((article_terms::article_id, article_terms::term_id))
            .load(&mut *conn)
            .map_err(db_err)?;
        drop(conn);
        for (article, tag) in links {
            tags.entry(article).or_default().push(tag);
        }
        let texts: Vec<String> = rows.iter().map(|r| format!("{}\n{}", r.2, r.3)).collect();
        let vocab = Vocabulary::from_texts(texts.iter().map(String::as_str));
        let none = Vec::new();
        let sample: Vec<Sampled<'_>> = rows
            .iter()
            .map(|(id, section_id, _, _)| Sampled {
                section_id: *section_id,
                tags: tags.get(id).unwrap_or(&none),
                term_vector: vectors.get(id).map_or("", String::as_str),
            })
            .collect();
        Ok(vocab.with_tags(&sample))
    }
}

impl DiscoveryStore for Store {
    fn search(
        &self,
        query: &SearchQuery,
        visibility: Visibility,
        offset: u32,
        limit: u32,
    ) -> DomainResult<Vec<(i64, f64)>> {
        let (staff, until) = match visibility {
            Visibility::Public { now } => (false, naive(now)),
            Visibility::Staff => (true, far_future()),
        };
        let mut conn = self.conn()?;
        // Full-text search is where the two engines differ: FTS5 with BM25
        // (negated, so higher is better) and tsvector with ts_rank_cd.
        let hits: Vec<Hit> = match &mut *conn {
            DbConn::Sqlite(c) => diesel::sql_query(
                "SELECT a.id AS id, -bm25(articles_fts, 10.0, 4.0, 2.0, 1.0) AS score \
                 FROM articles_fts JOIN articles a ON a.id = articles_fts.rowid \
                 WHERE articles_fts MATCH ? AND (? OR a.status = 'published') AND a.sort_at <= ? \
                 ORDER BY score DESC, a.id DESC LIMIT ? OFFSET ?",
            )
            .bind::<Text, _>(query.fts5())
            .bind::<Bool, _>(staff)
            .bind::<Timestamp, _>(until)
            .bind::<BigInt, _>(i64::from(limit))
            .bind::<BigInt, _>(i64::from(offset))
            .load(c),
            DbConn::Pg(c) => diesel::sql_query(
                "SELECT a.id AS id, ts_rank_cd(a.search_vector, q, 32)::float8 AS score \
                 FROM articles a, websearch_to_tsquery('english', $1) q \
                 WHERE a.search_vector @@ q AND ($2 OR a.status = 'published') AND a.sort_at <= $3 \
                 ORDER BY score DESC, a.id DESC LIMIT $4 OFFSET $5",
            )
            .bind::<Text, _>(query.websearch())
            .bind::<Bool, _>(staff)
            .bind::<Timestamp, _>(until)
            .bind::<BigInt, _>(i64::from(limit))
            .bind::<BigInt, _>(i64::from(offset))
            .load(c),
        }
        .map_err(db_err)?;
        Ok(hits.into_iter().map(|h| (h.id, h.score)).collect())
    }

    fn related_candidates(&self, sources: &CandidateSources) -> DomainResult<Vec<Candidate>> {
        let found = match self.backend {
            Backend::Sqlite => self.sqlite_candidate_ids(sources)?,
            Backend::Postgres => self.pg_candidate_ids(sources)?,
        };
        let ids: Vec<i64> = found.iter().map(|(id, _)| *id).collect();
        let mut summaries = self.summaries(&ids)?;
        // An id with no summary is an article deleted meanwhile, or a
        // draft's 0.
        Ok(found
            .into_iter()
            .filter_map(|(id, shared_terms)| {
                summaries.remove(&id).map(|summary| Candidate {
                    summary,
                    shared_terms,
                })
            })
            .collect())
    }

    fn term_frequencies(&self, term_ids: &[i64]) -> DomainResult<Vec<(i64, i64)>> {
        let missing: Vec<i64> = term_ids
            .iter()
            .copied()
            .filter(|id| !self.term_df.contains_key(id))
            .collect();
        if !missing.is_empty() {
            let mut conn = self.conn()?;
            let rows: Vec<(i64, i64)> = article_terms::table
                .filter(article_terms::term_id.eq_any(&missing))
                .group_by(article_terms::term_id)
                .select((article_terms::term_id, count_star()))
                .load(&mut *conn)
                .map_err(db_err)?;
            let found: HashMap<i64, i64> = rows.into_iter().collect();
            for id in missing {
                self.term_df
                    .insert(id, found.get(&id).copied().unwrap_or(0));
            }
        }
        Ok(term_ids
            .iter()
            .filter_map(|id| self.term_df.get(id).map(|n| (*id, n)))
            .collect())
    }

    fn stale_vectors(&self, recipe: i32, limit: u32) -> DomainResult<Vec<(i64, String, String)>> {
        let mut conn = self.conn()?;
        // Through the (recipe, article_id) index: a start with nothing
        // stale costs one index probe, not a scan of the articles.
        let ids: Vec<i64> = article_vectors::table
            .filter(article_vectors::recipe.lt(recipe))
            .order(article_vectors::article_id.desc())
            .limit(i64::from(limit))
            .select(article_vectors::article_id)
            .load(&mut *conn)
            .map_err(db_err)?;
        articles::table
            .filter(articles::id.eq_any(&ids))
            .order(articles::id.desc())
            .select((articles::id, articles::title, articles::body_text))
            .load(&mut *conn)
            .map_err(db_err)
    }

    fn replace_vectors(&self, recipe: i32, vectors: &[(i64, String)]) -> DomainResult<usize> {
        let mut conn = self.conn()?;
        let replaced = conn.transaction::<_, DieselError, _>(|c| {
            let mut n = 0;
            for (id, vector) in vectors {
                // An UPDATE, so the article_words triggers re-derive the
                // article's words in the same transaction.
                n += diesel::update(
                    article_vectors::table
                        .filter(article_vectors::article_id.eq(id))
                        .filter(article_vectors::recipe.lt(recipe)),
                )
                .set((
                    article_vectors::term_vector.eq(vector),
                    article_vectors::recipe.eq(recipe),
                ))
                .execute(c)?;
            }
            Ok((n, Vec::new()))
        });
        // Cached summaries hold the old vectors, here and on other nodes.
        self.settle(replaced)
    }

    fn vocabulary(&self) -> DomainResult<Arc<Vocabulary>> {
        // One build at a time: concurrent requests wait for it rather than
        // each reading the sample.
        self.vocabulary
            .try_get_with((), || self.build_vocabulary().map(Arc::new))
            .map_err(|e| match e.as_ref() {
                DomainError::Unavailable(d) => DomainError::Unavailable(d.clone()),
                other => DomainError::Internal(other.to_string()),
            })
    }
}
