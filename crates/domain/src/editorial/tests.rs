//! The editorial rules that need no store: what a PATCH may name, how it
//! merges, what authors may do, how terms and revisions are read.

use serde_json::json;

use super::*;
use crate::query::parse_time;

fn at(s: &str) -> DateTime<Utc> {
    parse_time(s).expect("a date")
}

/// A stored article as the store would give it back after `input`.
fn record(input: ArticleInput) -> ArticleRecord {
    let now = at("2024-03-01T00:00:00Z");
    let w = input.validate(ArticleStatus::Draft, now).expect("valid");
    ArticleRecord {
        id: 7,
        slug: w.slug.as_str().to_owned(),
        title: w.title,
        subtitle: w.subtitle,
        excerpt: w.excerpt,
        body_source: w.body_source,
        body_format: w.body_format,
        body_html: w.body_html,
        body_text: w.body_text,
        status: w.status,
        section_id: None,
        published_at: w.published_at,
        sort_at: w.published_at.unwrap_or(w.created_at),
        created_at: w.created_at,
        updated_at: w.updated_at,
        canonical_url: w.canonical_url,
        image: w.image,
        source: w.source,
        language: w.language,
        word_count: w.word_count,
        reading_time_minutes: w.reading_time_minutes,
        contact_email: w.contact_email,
        version: 1,
        created_by: Some(3),
        comment_count: 0,
        correction_count: 0,
        comments_closed: false,
    }
}

fn patch(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => panic!("a patch is an object"),
    }
}

fn merged(current: &ArticleRecord, p: Value) -> DomainResult<ArticleInput> {
    merge_patch(
        current,
        export_input(current, None, &[], &[], &[]),
        patch(p),
    )
}

#[test]
fn a_patch_names_only_changeable_fields() {
    assert!(patchable(&patch(json!({"title": "T", "tags": []}))).is_ok());
    let Err(DomainError::Invalid(errs)) = patchable(&patch(json!({"version": 9, "id": 1}))) else {
        panic!("unknown fields are refused");
    };
    let mut fields: Vec<_> = errs.iter().map(|e| e.field.as_str()).collect();
    fields.sort_unstable();
    assert_eq!(fields, ["id", "version"]);
}

#[test]
fn merge_keeps_absent_fields_and_null_clears() {
    let current = record(ArticleInput {
        title: Some("Harbour reopens".into()),
        subtitle: Some("After the storm".into()),
        body: Some("Boats returned at dawn.".into()),
        ..Default::default()
    });
    let out = merged(
        &current,
        json!({"subtitle": null, "title": "Harbour reopens early"}),
    )
    .expect("merges");
    assert_eq!(out.title.as_deref(), Some("Harbour reopens early"));
    assert_eq!(out.subtitle, None);
    assert_eq!(out.body.as_deref(), Some("Boats returned at dawn."));
    assert_eq!(out.slug.as_deref(), Some("harbour-reopens"));
    assert_eq!(out.updated_at, None, "a new update time is the store's");
}

#[test]
fn a_made_excerpt_follows_the_body_and_an_editors_own_stays() {
    let made = record(ArticleInput {
        title: Some("T".into()),
        body: Some("Old first paragraph.".into()),
        ..Default::default()
    });
    let out = merged(&made, json!({"body": "New first paragraph."})).expect("merges");
    assert_eq!(out.excerpt, None, "made again from the new body");

    let own = record(ArticleInput {
        title: Some("T".into()),
        excerpt: Some("An editor's summary.".into()),
        body: Some("Old first paragraph.".into()),
        ..Default::default()
    });
    let out = merged(&own, json!({"body": "New first paragraph."})).expect("merges");
    assert_eq!(out.excerpt.as_deref(), Some("An editor's summary."));
}

#[test]
fn a_patch_of_the_wrong_shape_is_a_422_on_the_body() {
    let current = record(ArticleInput {
        title: Some("T".into()),
        ..Default::default()
    });
    let Err(DomainError::Invalid(errs)) = merged(&current, json!({"tags": "not a list"})) else {
        panic!("refused");
    };
    assert_eq!(errs[0].field, "body");
}

#[test]
fn authors_keep_to_drafts() {
    use ArticleStatus::*;
    assert!(authors_keep_drafts(Draft, Draft).is_ok());
    for (before, after) in [
        (Draft, Published),
        (Draft, Scheduled),
        (Published, Draft),
        (Archived, Draft),
    ] {
        assert!(
            matches!(
                authors_keep_drafts(before, after),
                Err(DomainError::Forbidden(_))
            ),
            "{before:?} -> {after:?}"
        );
    }
}

#[test]
fn terms_need_a_name_and_keep_what_an_update_omits() {
    let Err(DomainError::Invalid(errs)) = term_write(TermInput::default(), None) else {
        panic!("a name is required");
    };
    assert_eq!(errs[0].field, "name");
    let w = term_write(
        TermInput {
            name: Some("Heat Wave".into()),
            bio: Some("  ".into()),
            ..Default::default()
        },
        None,
    )
    .expect("valid");
    assert_eq!((w.slug.as_str(), w.description), ("heat-wave", None));

    let current = Term {
        id: 1,
        slug: "heat".into(),
        name: "Heat".into(),
        description: Some("Hot days.".into()),
    };
    let w = term_write(
        TermInput {
            name: Some("Heat Wave".into()),
            ..Default::default()
        },
        Some(&current),
    )
    .expect("valid");
    assert_eq!(w.slug.as_str(), "heat", "a rename keeps the slug");
    assert_eq!(w.description.as_deref(), Some("Hot days."));

    let long = "x".repeat(MAX_DESCRIPTION_CHARS + 1);
    let Err(DomainError::Invalid(errs)) = term_write(
        TermInput {
            name: Some("Heat".into()),
            description: Some(long),
            ..Default::default()
        },
        None,
    ) else {
        panic!("too long");
    };
    assert_eq!(errs[0].field, "description");
}

#[test]
fn revisions_hide_the_byline_email_below_editor() {
    let snapshot = serde_json::to_string(&ArticleInput {
        title: Some("T".into()),
        contact_email: Some("reporter@example.org".into()),
        ..Default::default()
    })
    .expect("json");
    let rev = |role| {
        let r = RevisionRecord {
            version: 1,
            created_at: at("2024-01-01T00:00:00Z"),
            created_by: Some(2),
            snapshot: snapshot.clone(),
        };
        revision(r, Staff { user_id: 2, role }).expect("decodes")
    };
    assert_eq!(rev(Role::Author).article.contact_email, None);
    assert_eq!(
        rev(Role::Editor).article.contact_email.as_deref(),
        Some("reporter@example.org")
    );
    let broken = RevisionRecord {
        version: 4,
        created_at: at("2024-01-01T00:00:00Z"),
        created_by: None,
        snapshot: "{not json".into(),
    };
    let Err(DomainError::Internal(detail)) = revision(
        broken,
        Staff {
            user_id: 1,
            role: Role::Editor,
        },
    ) else {
        panic!("a broken revision is an error, not an empty article");
    };
    assert!(detail.contains("revision 4"));
}
