//! Related news, the I/O half: load the article, gather candidates from
//! the store's indexes, rank them with the pure scoring of `related`, and
//! read the winners in full. Scores come rounded from `related::score`,
//! so every transport shows the same figure.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};

use crate::article::{ArticleRecord, ArticleSummary};
use crate::error::DomainResult;
use crate::related::{
    date_of, date_of_record, key_words, order, per_tag_limits, rank, Features, Reason, ReasonKind,
    Related, FEEDBACK_PICK, FROM_SECTION, FROM_TEXT, TEXT_NORM_FLOOR, WEIGHTS,
};
use crate::store::{CandidateSources, ContentStore};
use crate::term::{Term, TermKind};
use crate::text::{parse_vector, term_vector, StemMap, Vocabulary, Weighed};

/// How many first-pass candidates lend their words to the second pass,
/// and how much their mean counts against the article's own words.
const FEEDBACK: usize = 3;
const FEEDBACK_WEIGHT: f64 = 1.0;

/// The article whose relatives are sought, with what ranking needs of
/// it: a saved article, or an editor's unsaved draft (no id, no tags).
pub(super) struct Subject {
    /// 0 for an unsaved draft: no article has it.
    pub(super) id: i64,
    /// Judged on the text given, not on what is stored under `id`.
    draft: bool,
    title: String,
    body: String,
    date: DateTime<Utc>,
    section_id: Option<i64>,
    tags: Vec<Term>,
    authors: Vec<Term>,
    section_name: Option<String>,
    /// Its key words: `(stem, word, weight)`, see [`key_words`].
    keys: Vec<(String, String, f64)>,
    /// A draft's term vector, made once (a saved article's is stored).
    vector: String,
    /// How many articles carry each of its tags, and the archive's size.
    df: HashMap<i64, i64>,
    archive: f64,
}

impl Subject {
    fn load(
        store: &(impl ContentStore + ?Sized),
        vocab: &Vocabulary,
        record: &ArticleRecord,
    ) -> DomainResult<Subject> {
        let date = date_of_record(record);
        let mut subject =
            Subject::of_text(store, vocab, &record.title, &record.body_text, date, false)?;
        subject.id = record.id;
        subject.section_id = record.section_id;
        for (_, kind, term) in store.terms_of_articles(&[record.id])? {
            match kind {
                TermKind::Author => subject.authors.push(term),
                _ => subject.tags.push(term),
            }
        }
        let tag_ids: Vec<i64> = subject.tags.iter().map(|t| t.id).collect();
        subject.df = store.term_frequencies(&tag_ids)?.into_iter().collect();
        subject.section_name = match record.section_id {
            Some(id) => store
                .terms_by_id(TermKind::Section, &[id])?
                .into_iter()
                .next()
                .map(|t| t.name),
            None => None,
        };
        Ok(subject)
    }

    /// A text not (yet) in the archive, dated `now`: only its words can
    /// find relatives.
    pub(super) fn draft(
        store: &(impl ContentStore + ?Sized),
        vocab: &Vocabulary,
        title: &str,
        body: &str,
        now: DateTime<Utc>,
    ) -> DomainResult<Subject> {
        Subject::of_text(store, vocab, title, body, now, true)
    }

    /// What a text alone tells: its key words (wider for a draft, see
    /// [`key_words`]), with no id, tags, authors or section yet.
    fn of_text(
        store: &(impl ContentStore + ?Sized),
        vocab: &Vocabulary,
        title: &str,
        body: &str,
        date: DateTime<Utc>,
        draft: bool,
    ) -> DomainResult<Subject> {
        let archive = store.count_articles()?.max(1) as f64;
        Ok(Subject {
            id: 0,
            draft,
            title: title.to_owned(),
            body: body.to_owned(),
            date,
            section_id: None,
            tags: Vec::new(),
            authors: Vec::new(),
            section_name: None,
            keys: key_words(vocab, title, body, archive, draft),
            vector: if draft {
                term_vector(title, body)
            } else {
                String::new()
            },
            df: HashMap::new(),
            archive,
        })
    }

    /// A draft's term vector (empty for a saved article's subject).
    pub(super) fn vector(&self) -> &str {
        &self.vector
    }

    fn idf(&self, id: i64) -> f64 {
        let df = self.df.get(&id).copied().unwrap_or(0) as f64;
        ((self.archive + 1.0) / (df + 1.0)).ln() + 1.0
    }

    /// A tag's weight: rarity times specificity, so a place or generic tag
    /// spread over many stories and sections brings little.
    pub(super) fn tag_weight(&self, vocab: &Vocabulary, id: i64) -> f64 {
        self.idf(id) * vocab.tags().specificity(id)
    }

    fn sources(&self, now: DateTime<Utc>) -> CandidateSources {
        let tag_ids: Vec<i64> = self.tags.iter().map(|t| t.id).collect();
        CandidateSources {
            tags: per_tag_limits(&tag_ids, |id| self.idf(id)),
            article: self.id,
            key_stems: self.keys.iter().map(|(s, _, _)| s.clone()).collect(),
            from_text: if self.draft { 2 * FROM_TEXT } else { FROM_TEXT },
            section_id: self.section_id,
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
    fn features(
        &self,
        vocab: &Vocabulary,
        r: &ArticleSummary,
        shared: &[i64],
        text: f64,
    ) -> Features {
        let of = |t: &&Term| shared.contains(&t.id);
        let section = self.section_id;
        Features {
            // In the article's own order, so reasons read the same each time.
            shared_tags: self
                .tags
                .iter()
                .filter(of)
                .map(|t| (t.name.clone(), self.tag_weight(vocab, t.id)))
                .collect(),
            tag_weight_total: self.tags.iter().map(|t| self.tag_weight(vocab, t.id)).sum(),
            text,
            same_section: (section.is_some() && r.section_id == section)
                .then(|| self.section_name.clone().unwrap_or_default()),
            shared_authors: self
                .authors
                .iter()
                .filter(of)
                .map(|t| t.name.clone())
                .collect(),
            days_apart: (date_of(r) - self.date).num_seconds() as f64 / 86_400.0,
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
        if c.summary.id == subject.id {
            own_vector = (!subject.draft).then(|| c.summary.term_vector.to_string());
        } else if c.summary.is_public_at(now) {
            out.push((c.summary, c.shared_terms));
        }
    }
    // Newest first, so equal scores rank the newer article first.
    out.sort_by(|a, b| {
        date_of(&b.0)
            .cmp(&date_of(&a.0))
            .then_with(|| b.0.id.cmp(&a.0.id))
    });
    Ok((out, own_vector))
}

/// What the ranking sees of every candidate: weights apply after this.
fn featured(
    subject: &Subject,
    vocab: &Vocabulary,
    own_vector: Option<String>,
    candidates: Candidates,
    feedback: bool,
) -> Vec<(ArticleSummary, Features)> {
    // Rows written before vectors existed, and drafts, get one made here.
    let own_vector = own_vector
        .or_else(|| Some(subject.vector.clone()))
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| term_vector(&subject.title, &subject.body));
    let first = vocab.weigh(&own_vector);
    let weighed: Vec<Weighed<'_>> = candidates
        .iter()
        .map(|(r, _)| vocab.weighed(&r.term_vector))
        .collect();
    let texts = similarities(&first, &weighed);
    let pass = |texts: &[f64]| -> Vec<Features> {
        candidates
            .iter()
            .zip(texts)
            .map(|((r, shared), text)| subject.features(vocab, r, shared, *text))
            .collect()
    };
    // Pseudo-relevance feedback: the words of the closest few candidates
    // join the article's own, so a follow-up that shares few words with
    // it but many with the rest of its story is found too.
    let texts = if !feedback {
        texts
    } else {
        let expanded = expand(vocab, first, pass(&texts), &candidates);
        similarities(&expanded, &weighed)
    };
    let features = pass(&texts);
    candidates
        .into_iter()
        .map(|(r, _)| r)
        .zip(features)
        .collect()
}

/// Cosine of each candidate's text with `target`, relative to the
/// closest candidate's (cosines of short news texts are small in absolute
/// terms), but a weak best match is not inflated to a perfect one.
fn similarities(target: &StemMap<f64>, candidates: &[Weighed<'_>]) -> Vec<f64> {
    let norm = target.values().map(|w| w * w).sum::<f64>().sqrt();
    let raw: Vec<f64> = candidates.iter().map(|c| c.cosine(target, norm)).collect();
    let best = raw.iter().copied().fold(TEXT_NORM_FLOOR, f64::max);
    raw.into_iter().map(|x| x / best).collect()
}

/// The article's weighted words plus `FEEDBACK_WEIGHT` times the mean of
/// the (unit) word vectors of its `FEEDBACK` best first-pass candidates.
fn expand(
    vocab: &Vocabulary,
    own: StemMap<f64>,
    first: Vec<Features>,
    candidates: &Candidates,
) -> StemMap<f64> {
    let norm = own.values().map(|w| w * w).sum::<f64>().sqrt();
    if norm == 0.0 {
        return own;
    }
    let mut out: StemMap<f64> = own.into_iter().map(|(k, v)| (k, v / norm)).collect();
    let picks = order(&first, &FEEDBACK_PICK, FEEDBACK);
    let share = FEEDBACK_WEIGHT / picks.len().max(1) as f64;
    for i in picks {
        for (k, x) in vocab.unit(&candidates[i].0.term_vector) {
            *out.entry(k).or_default() += share * x;
        }
    }
    out
}

/// How many stale term vectors are made again per transaction.
const REFRESH_BATCH: u32 = 500;

/// Term vectors an older recipe made ([`crate::text::VECTOR_RECIPE`]),
/// made again from their articles' text, newest first (the vocabulary's
/// sample is the newest), a batch at a time; returns how many. Run in the
/// background on start: until it is done, an older article is ranked by
/// its old vector, which still compares, only less well.
pub fn refresh_vectors(store: &(impl ContentStore + ?Sized)) -> DomainResult<usize> {
    let recipe = crate::text::VECTOR_RECIPE;
    let mut total = 0;
    loop {
        let stale = store.stale_vectors(recipe, REFRESH_BATCH)?;
        // Nothing to write, so nothing for any node's caches to forget.
        if stale.is_empty() {
            return Ok(total);
        }
        let vectors: Vec<(i64, String)> = stale
            .iter()
            .map(|(id, title, body)| (*id, term_vector(title, body)))
            .collect();
        let replaced = store.replace_vectors(recipe, &vectors)?;
        total += replaced;
        // All of them written meanwhile: the loop must make progress.
        if replaced == 0 {
            return Ok(total);
        }
    }
}

/// Every public candidate of `slug` with its features, before weighting:
/// what the weights are fitted on (see docs/relevance.md).
pub fn related_features(
    store: &(impl ContentStore + ?Sized),
    slug: &str,
    now: DateTime<Utc>,
) -> DomainResult<Vec<(ArticleSummary, Features)>> {
    let record = super::article_for(
        store,
        slug,
        super::Audience::of(crate::query::Visibility::Public { now }),
        now,
    )?;
    let vocab = store.vocabulary()?;
    let subject = Subject::load(store, &vocab, &record)?;
    let (found, own_vector) = candidates(store, &subject, now)?;
    Ok(featured(&subject, &vocab, own_vector, found, true))
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
    let subject = Subject::load(store, &vocab, &record)?;
    ranked_for(store, &vocab, &subject, audience, limit, now)
}

/// Ranks the subject's candidates and reads the winners in full.
fn ranked_for(
    store: &(impl ContentStore + ?Sized),
    vocab: &Vocabulary,
    subject: &Subject,
    audience: super::Audience<'_>,
    limit: usize,
    now: DateTime<Utc>,
) -> DomainResult<Vec<Related>> {
    let (found, own_vector) = candidates(store, subject, now)?;
    let ranked = rank(
        featured(subject, vocab, own_vector, found, true),
        &WEIGHTS,
        limit,
    );
    winners(store, subject, audience, ranked, now)
}

/// A draft's nearest articles twice over, from one read of the
/// candidates: the `nearest` as its own words rank them, and the
/// `related` to link, found with feedback as for any article. Feedback
/// finds a story's follow-ups, but a draft has no tags to anchor its first
/// pass, which one shared title word can win; the words of that other
/// story then pull in more of it. What the draft is about, and so its
/// tags, is read from the first pass (docs/relevance.md).
pub(super) fn nearest_and_related(
    store: &(impl ContentStore + ?Sized),
    vocab: &Vocabulary,
    subject: &Subject,
    audience: super::Audience<'_>,
    (nearest, related): (usize, usize),
    now: DateTime<Utc>,
) -> DomainResult<(Vec<Related>, Vec<Related>)> {
    let (found, own_vector) = candidates(store, subject, now)?;
    let plain = featured(subject, vocab, own_vector.clone(), found.clone(), false);
    let fed = featured(subject, vocab, own_vector, found, true);
    Ok((
        winners(
            store,
            subject,
            audience,
            rank(plain, &WEIGHTS, nearest),
            now,
        )?,
        winners(store, subject, audience, rank(fed, &WEIGHTS, related), now)?,
    ))
}

/// The ranked candidates read in full (only the winners are), with the
/// key words each shares named.
fn winners(
    store: &(impl ContentStore + ?Sized),
    subject: &Subject,
    audience: super::Audience<'_>,
    ranked: Vec<(ArticleSummary, f64, Vec<Reason>)>,
    now: DateTime<Utc>,
) -> DomainResult<Vec<Related>> {
    let top: Vec<i64> = ranked.iter().map(|(r, _, _)| r.id).collect();
    let winners = store.articles_to_show(&top)?;
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
                score,
                reasons,
            })
        })
        .collect())
}
