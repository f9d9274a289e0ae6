//! Related news, the I/O half: load the article, gather candidates from
//! the store's indexes, rank them with the pure scoring of `related`, and
//! read the winners in full. Scores are rounded here, so every transport
//! shows the same figure.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::article::{ArticleRecord, ArticleSummary};
use crate::error::DomainResult;
use crate::related::{
    date_of, date_of_record, key_words, per_tag_limits, round, score, Features, Reason, ReasonKind,
    Related, FROM_SECTION, FROM_TEXT, TEXT_NORM_FLOOR, WEIGHTS,
};
use crate::search::SearchQuery;
use crate::store::{CandidateSources, ContentStore};
use crate::term::{Term, TermKind};
use crate::text::{parse_vector, term_vector, Vocabulary};

/// The article whose relatives are sought, with what ranking needs of it.
struct Subject {
    record: ArticleRecord,
    tags: Vec<Term>,
    authors: Vec<Term>,
    section_name: Option<String>,
    /// Its key words: `(stem, word, weight)`, see [`key_words`].
    keys: Vec<(String, String, f64)>,
    /// How many articles carry each of its tags, and the archive's size.
    df: HashMap<i64, i64>,
    archive: f64,
}

impl Subject {
    fn load(
        store: &(impl ContentStore + ?Sized),
        vocab: &Vocabulary,
        record: ArticleRecord,
    ) -> DomainResult<Subject> {
        let archive = store.count_articles()?.max(1) as f64;
        let keys = key_words(vocab, &record.title, &record.body_text, archive);
        let mut tags: Vec<Term> = Vec::new();
        let mut authors: Vec<Term> = Vec::new();
        for (_, kind, term) in store.terms_of_articles(&[record.id])? {
            match kind {
                TermKind::Author => authors.push(term),
                _ => tags.push(term),
            }
        }
        let tag_ids: Vec<i64> = tags.iter().map(|t| t.id).collect();
        let df = store.term_frequencies(&tag_ids)?.into_iter().collect();
        let section_name = match record.section_id {
            Some(id) => store
                .terms_by_id(TermKind::Section, &[id])?
                .into_iter()
                .next()
                .map(|t| t.name),
            None => None,
        };
        Ok(Subject {
            record,
            tags,
            authors,
            section_name,
            keys,
            df,
            archive,
        })
    }

    fn idf(&self, id: i64) -> f64 {
        let df = self.df.get(&id).copied().unwrap_or(0) as f64;
        ((self.archive + 1.0) / (df + 1.0)).ln() + 1.0
    }

    fn sources(&self, now: DateTime<Utc>) -> CandidateSources {
        let tag_ids: Vec<i64> = self.tags.iter().map(|t| t.id).collect();
        CandidateSources {
            tags: per_tag_limits(&tag_ids, |id| self.idf(id)),
            article: self.record.id,
            text: SearchQuery::any_of(self.keys.iter().map(|(_, w, _)| w.clone())),
            from_text: FROM_TEXT,
            section_id: self.record.section_id,
            from_section: FROM_SECTION,
            now,
            // Only the links to the article's own tags and authors matter.
            own_terms: self
                .tags
                .iter()
                .chain(&self.authors)
                .map(|t| t.id)
                .collect(),
        }
    }

    /// What the score sees of one candidate.
    fn features(&self, r: &ArticleSummary, shared: &[i64], text: f64) -> Features {
        let of = |t: &&Term| shared.contains(&t.id);
        let section = self.record.section_id;
        Features {
            // In the article's own order, so reasons read the same each time.
            shared_tags: self
                .tags
                .iter()
                .filter(of)
                .map(|t| (t.name.clone(), self.idf(t.id)))
                .collect(),
            tag_idf_total: self.tags.iter().map(|t| self.idf(t.id)).sum(),
            text,
            same_section: (section.is_some() && r.section_id == section)
                .then(|| self.section_name.clone().unwrap_or_default()),
            has_section: section.is_some(),
            shared_authors: self
                .authors
                .iter()
                .filter(of)
                .map(|t| t.name.clone())
                .collect(),
            has_authors: !self.authors.is_empty(),
            days_apart: (date_of(r) - date_of_record(&self.record)).num_seconds() as f64 / 86_400.0,
        }
    }
}

/// A candidate and the ids of the subject's tags and authors it shares.
type Candidates = Vec<(ArticleSummary, Vec<i64>)>;

/// The public candidates, and the subject's own stored term vector.
fn candidates(
    store: &(impl ContentStore + ?Sized),
    subject: &Subject,
    now: DateTime<Utc>,
) -> DomainResult<(Candidates, Option<String>)> {
    let mut own_vector = None;
    let mut out = Vec::new();
    for c in store.related_candidates(&subject.sources(now))? {
        if c.summary.id == subject.record.id {
            own_vector = Some(c.summary.term_vector);
        } else if c.summary.is_public_at(now) {
            out.push((c.summary, c.shared_terms));
        }
    }
    Ok((out, own_vector))
}

/// Scores every candidate, best first, keeping `limit`.
fn rank(
    subject: &Subject,
    vocab: &Vocabulary,
    own_vector: Option<String>,
    candidates: Candidates,
    limit: usize,
) -> Vec<(ArticleSummary, f64, Vec<Reason>)> {
    // Rows written before vectors existed get one made on the spot.
    let own_vector = own_vector
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| term_vector(&subject.record.title, &subject.record.body_text));
    let weights = vocab.weigh(&own_vector);
    let norm = weights.values().map(|w| w * w).sum::<f64>().sqrt();
    let similarities: Vec<f64> = candidates
        .iter()
        .map(|(r, _)| vocab.similarity(&weights, norm, &r.term_vector))
        .collect();
    // Text similarity counts relative to the closest candidate (cosines of
    // short news texts are small in absolute terms), but a weak best match
    // is not inflated to a perfect one.
    let text_norm = similarities.iter().copied().fold(TEXT_NORM_FLOOR, f64::max);
    let mut ranked: Vec<_> = candidates
        .into_iter()
        .zip(similarities)
        .map(|((r, shared), similarity)| {
            let (score, reasons) = score(
                &subject.features(&r, &shared, similarity / text_norm),
                &WEIGHTS,
            );
            (r, score, reasons)
        })
        .filter(|(_, score, reasons)| {
            *score > 0.0 && reasons.iter().any(|x| x.kind != ReasonKind::Recency)
        })
        .collect();
    ranked.sort_by(|a, b| {
        b.1.total_cmp(&a.1)
            .then_with(|| date_of(&b.0).cmp(&date_of(&a.0)))
            .then_with(|| b.0.id.cmp(&a.0.id))
    });
    ranked.truncate(limit);
    ranked
}

/// Names the subject's key words that the candidate's own vector contains.
fn name_key_words(
    keys: &[(String, String, f64)],
    candidate: &ArticleSummary,
    reasons: &mut [Reason],
) {
    let Some(reason) = reasons
        .iter_mut()
        .find(|x| x.kind == ReasonKind::SimilarText)
    else {
        return;
    };
    let stems: HashSet<&str> = parse_vector(&candidate.term_vector)
        .into_iter()
        .map(|(s, _, _)| s)
        .collect();
    let shared: Vec<&str> = keys
        .iter()
        .filter(|(s, _, _)| stems.contains(s.as_str()))
        .map(|(_, w, _)| w.as_str())
        .take(5)
        .collect();
    reason.detail = if shared.is_empty() {
        "similar wording".into()
    } else {
        format!("shares key words: {}", shared.join(", "))
    };
}

/// Related articles for `slug`: published ones only, never the article
/// itself, best first, scores rounded to four places.
#[tracing::instrument(skip(store))]
///
/// To a partner, an article outside its policy has no relatives (it is
/// not found), and no relative is outside it.
pub fn related(
    store: &(impl ContentStore + ?Sized),
    slug: &str,
    audience: super::Audience<'_>,
    limit: usize,
    now: DateTime<Utc>,
) -> DomainResult<Vec<Related>> {
    let record = super::article_for(store, slug, audience, now)?;
    let vocab = store.vocabulary()?;
    let subject = Subject::load(store, &vocab, record)?;
    let (found, own_vector) = candidates(store, &subject, now)?;
    let ranked = rank(&subject, &vocab, own_vector, found, limit);
    // Only the winners are read in full.
    let top: Vec<i64> = ranked.iter().map(|(r, _, _)| r.id).collect();
    let winners = store.articles_by_ids(&top)?;
    let mut records: HashMap<i64, ArticleRecord> =
        super::allowed_records(store, audience.policy, winners, now)?
            .into_iter()
            .map(|r| (r.id, r))
            .collect();
    Ok(ranked
        .into_iter()
        .filter_map(|(summary, score, mut reasons)| {
            let record = records.remove(&summary.id)?;
            name_key_words(&subject.keys, &summary, &mut reasons);
            Some(Related {
                record,
                score: round(score),
                reasons,
            })
        })
        .collect())
}
