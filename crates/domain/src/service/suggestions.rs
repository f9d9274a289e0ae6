//! Suggestions for an editor's draft, saved or not: the published
//! articles to link from it, the existing tags that label its nearest
//! articles, and the section most of them are in. The draft is ranked
//! like any article, on its words alone (it has no tags yet), and every
//! suggestion says which neighbours it comes from.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use super::related_news::{nearest_and_related, Subject};
use super::{Audience, RelatedArticle};
use crate::error::{DomainError, DomainResult};
use crate::related::Related;
use crate::store::{CandidateSources, ContentStore};
use crate::term::{TermKind, TermRef};
use crate::text::{StemMap, Vocabulary};
use crate::user::{Principal, Role};

/// How many nearest articles vote for tags and a section, how many
/// related articles are returned, and how many tags.
const NEIGHBOURS: usize = 20;
const RELATED: usize = 5;
const TAGS: usize = 5;
/// A tag the draft names in its own words counts twice: the neighbours
/// say the story, the draft's words say which of their labels it is about.
/// Set before measuring, not fitted (docs/relevance.md).
const NAMED: f64 = 2.0;
/// How many of a voted tag's newest articles say what the tag is about.
const TAG_SAMPLE: u32 = 10;
/// How many of the best votes are weighed by their articles.
const FIT_TAGS: usize = 12;
/// A draft longer than this is judged on its first this many bytes.
const MAX_TEXT: usize = 100_000;

/// A draft's title and body, as the editor has them.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Draft {
    #[serde(default)]
    pub title: String,
    /// Plain text or HTML; tags are ignored.
    #[serde(default)]
    pub body: String,
    /// The draft's own slug, once saved: it is never suggested to itself.
    #[serde(default)]
    pub slug: Option<String>,
}

/// An existing tag, how strongly the nearest articles suggest it, and
/// which of them carry it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct TagSuggestion {
    pub tag: TermRef,
    /// 0..1: the share of the nearest articles' (squared) relatedness that
    /// carries it, times the root of the tag's specificity, times how like
    /// the tag's own articles the draft reads (cosine), doubled when the
    /// draft names the tag; scaled down so that none exceeds 1.
    pub score: f64,
    /// Slugs of the nearest articles carrying it, closest first.
    pub evidence: Vec<String>,
}

/// What `suggest` finds, before the related articles are shaped for a
/// transport.
pub struct Suggested {
    pub related: Vec<Related>,
    pub tags: Vec<TagSuggestion>,
    pub section: Option<TermRef>,
}

/// As REST serves it.
#[derive(Debug, Serialize, utoipa::ToSchema)]
pub struct Suggestions {
    pub related: Vec<RelatedArticle>,
    pub tags: Vec<TagSuggestion>,
    pub section: Option<TermRef>,
}

/// Suggestions for a draft: authors and up.
pub fn suggest(
    store: &(impl ContentStore + ?Sized),
    principal: &Principal,
    draft: &Draft,
    now: DateTime<Utc>,
) -> DomainResult<Suggested> {
    principal.require(Role::Author)?;
    let title = clip(&draft.title);
    let body = crate::body::html_to_text(clip(&draft.body));
    // The draft's words: whether it has any, and which tags it names.
    let named: HashSet<String> = crate::text::content_stems(&format!("{title} {body}"))
        .map(|(stem, _)| stem)
        .collect();
    if named.is_empty() {
        return Err(DomainError::invalid(
            "body",
            "give a title or a body with some words to go on",
        ));
    }
    let vocab = store.vocabulary()?;
    let mut subject = Subject::draft(store, &vocab, title, &body, now)?;
    if let Some(slug) = &draft.slug {
        subject.id = store.article_by_slug(slug)?.map_or(0, |a| a.id);
    }
    let audience = Audience::of(crate::query::Visibility::Public { now });
    let (nearest, related) = nearest_and_related(
        store,
        &vocab,
        &subject,
        audience,
        (NEIGHBOURS, RELATED),
        now,
    )?;
    let draft_words = Words {
        named,
        vector: vocab.weigh(subject.vector()),
        id: subject.id,
    };
    let tags = tag_votes(store, &vocab, &nearest, &draft_words, now)?;
    let section = section_vote(store, &nearest)?;
    Ok(Suggested {
        related,
        tags,
        section,
    })
}

/// [`suggest`], with the related articles as readers get them.
pub fn suggestions(
    store: &(impl ContentStore + ?Sized),
    principal: &Principal,
    draft: &Draft,
    public_url: &str,
    now: DateTime<Utc>,
) -> DomainResult<Suggestions> {
    let found = suggest(store, principal, draft, now)?;
    let audience = Audience::of(crate::query::Visibility::Public { now });
    Ok(Suggestions {
        related: super::related_views(store, found.related, audience, public_url, now)?,
        tags: found.tags,
        section: found.section,
    })
}

fn clip(text: &str) -> &str {
    let mut end = text.len().min(MAX_TEXT);
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    &text[..end]
}

/// What the draft says: its stems, its weighted words, and its id (0
/// unsaved), which is never evidence for a tag.
struct Words {
    named: HashSet<String>,
    vector: StemMap<f64>,
    id: i64,
}

/// Each tag of the nearest articles, scored by the share of their
/// relatedness it labels, times how specific it is (a tag on every story
/// says nothing about this one), times how like the tag's own articles the
/// draft reads.
fn tag_votes(
    store: &(impl ContentStore + ?Sized),
    vocab: &Vocabulary,
    nearest: &[Related],
    draft: &Words,
    now: DateTime<Utc>,
) -> DomainResult<Vec<TagSuggestion>> {
    let ids: Vec<i64> = nearest.iter().map(|r| r.record.id).collect();
    // Votes go by the square of relatedness: the closest articles speak
    // for the draft far more than the twentieth.
    let total: f64 = nearest.iter().map(|r| r.score * r.score).sum();
    let mut votes: HashMap<i64, (TermRef, f64, Vec<String>)> = HashMap::new();
    let mut tags_of: HashMap<i64, Vec<crate::term::Term>> = HashMap::new();
    for (article, kind, term) in store.terms_of_articles(&ids)? {
        if kind == TermKind::Tag {
            tags_of.entry(article).or_default().push(term);
        }
    }
    for r in nearest {
        for term in tags_of.get(&r.record.id).into_iter().flatten() {
            let e = votes
                .entry(term.id)
                .or_insert_with(|| (TermRef::from(term), 0.0, Vec::new()));
            e.1 += r.score * r.score / total.max(f64::EPSILON);
            e.2.push(r.record.slug.clone());
        }
    }
    let mut out: Vec<(i64, TagSuggestion)> = votes
        .into_iter()
        .map(|(id, (tag, share, evidence))| {
            let boost = if names_it(&draft.named, &tag.name) {
                NAMED
            } else {
                1.0
            };
            let score = share * boost * vocab.tags().specificity(id).sqrt();
            (
                id,
                TagSuggestion {
                    score,
                    tag,
                    evidence,
                },
            )
        })
        .collect();
    // Only the best few votes are worth reading the articles of (ties by
    // slug, so the cut does not follow the map's order).
    out.sort_by(|a, b| {
        b.1.score
            .total_cmp(&a.1.score)
            .then_with(|| a.1.tag.slug.cmp(&b.1.tag.slug))
    });
    out.truncate(FIT_TAGS);
    let ids: Vec<i64> = out.iter().map(|(id, _)| *id).collect();
    let fit = tag_fit(store, vocab, &ids, draft, now)?;
    let mut out: Vec<TagSuggestion> = out
        .into_iter()
        .map(|(id, mut t)| {
            t.score *= fit.get(&id).copied().unwrap_or(0.0);
            t
        })
        .collect();
    // Scores stay in 0..1 and in order: scaled by the best, rounded after.
    let best = out.iter().map(|t| t.score).fold(1.0, f64::max);
    out.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then_with(|| a.tag.slug.cmp(&b.tag.slug))
    });
    for t in &mut out {
        t.score = crate::related::round(t.score / best);
    }
    // A tag none of whose articles shares a word with the draft (or one
    // under a ten-thousandth of the best) is no suggestion, however the
    // neighbours voted.
    out.retain(|t| t.score > 0.0);
    out.truncate(TAGS);
    Ok(out)
}

/// How like each tag's articles the draft reads: the cosine of its words
/// with the mean of the tag's newest `TAG_SAMPLE` published articles'
/// (the draft's own, once saved, left out). A neighbour may carry a tag
/// for a side of its story the draft does not touch ("Water Safety" on a
/// chemical leak, voted for by a tornado in the same town); the tag's
/// other articles show what the tag is about.
fn tag_fit(
    store: &(impl ContentStore + ?Sized),
    vocab: &Vocabulary,
    tags: &[i64],
    draft: &Words,
    now: DateTime<Utc>,
) -> DomainResult<HashMap<i64, f64>> {
    let sources = CandidateSources {
        tags: tags.iter().map(|id| (*id, TAG_SAMPLE)).collect(),
        article: draft.id,
        key_stems: Vec::new(),
        from_text: 0,
        section_id: None,
        from_section: 0,
        now,
        own_terms: tags.to_vec(),
    };
    let mut sums: HashMap<i64, StemMap<f64>> = HashMap::new();
    for c in store.related_candidates(&sources)? {
        if c.summary.id == draft.id || !c.summary.is_public_at(now) {
            continue;
        }
        let words = vocab.unit(&c.summary.term_vector);
        for tag in c.shared_terms {
            let sum = sums.entry(tag).or_default();
            for (stem, x) in &words {
                *sum.entry(stem.clone()).or_default() += x;
            }
        }
    }
    Ok(sums
        .into_iter()
        .map(|(tag, sum)| (tag, crate::text::cosine(&draft.vector, &sum)))
        .collect())
}

/// The draft names the tag: every content word of its name is in the
/// draft's words ("City Council" in "the city council voted").
fn names_it(named: &HashSet<String>, tag: &str) -> bool {
    let mut stems = crate::text::content_stems(tag)
        .map(|(stem, _)| stem)
        .peekable();
    stems.peek().is_some() && stems.all(|s| named.contains(&s))
}

/// The section holding most of the nearest articles' relatedness.
fn section_vote(
    store: &(impl ContentStore + ?Sized),
    nearest: &[Related],
) -> DomainResult<Option<TermRef>> {
    let mut votes: HashMap<i64, f64> = HashMap::new();
    for r in nearest {
        if let Some(id) = r.record.section_id {
            *votes.entry(id).or_default() += r.score;
        }
    }
    let Some((id, _)) = votes
        .into_iter()
        .max_by(|a, b| a.1.total_cmp(&b.1).then_with(|| b.0.cmp(&a.0)))
    else {
        return Ok(None);
    };
    Ok(store
        .terms_by_id(TermKind::Section, &[id])?
        .first()
        .map(TermRef::from))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_draft_names_a_tag_when_it_has_every_word_of_it() {
        let draft: HashSet<String> =
            crate::text::content_stems("The city councils voted to repair the harbour walls")
                .map(|(stem, _)| stem)
                .collect();
        assert!(names_it(&draft, "City Council"));
        assert!(names_it(&draft, "Harbour"));
        assert!(!names_it(&draft, "City Rovers"));
        // A name with no content word names nothing.
        assert!(!names_it(&draft, "The"));
    }
}
