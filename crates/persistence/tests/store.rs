//! The store on real databases: every test runs on SQLite and, when
//! NEWSDESK_TEST_POSTGRES_URL is set, on PostgreSQL.

use chrono::{DateTime, TimeDelta, Utc};
use newsdesk_domain::article::{now, ArticleInput, ArticleRecord, ArticleStatus};
use newsdesk_domain::paging::PageLimit;
use newsdesk_domain::query::{ArticleFilter, ArticleQuery, Visibility};
use newsdesk_domain::service;
use newsdesk_domain::store::{ArticleStore, CandidateSources, DiscoveryStore, TermStore};
use newsdesk_domain::term::TermKind;
use newsdesk_domain::text::stem;
use newsdesk_domain::DomainError;
use newsdesk_persistence::test_support::TestDb;
use newsdesk_persistence::Store;

macro_rules! on_both_backends {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[test] fn $name() { let db = newsdesk_persistence::test_support::TestDb::sqlite(); super::$name(&super::open(&db)); })*
        }
        mod postgres {
            $(#[test] fn $name() {
                if let Some(db) = newsdesk_persistence::test_support::TestDb::postgres(stringify!($name)) {
                    super::$name(&super::open(&db));
                }
            })*
        }
    };
}

on_both_backends!(
    saves_and_reads_back_with_relations,
    resave_by_slug_updates_in_place,
    public_visibility_hides_drafts_and_scheduled,
    keyset_pages_visit_every_article_once,
    filters_by_tag_section_author_and_dates,
    term_counts_follow_visibility,
    duplicate_slug_in_one_batch_updates_the_first,
    related_candidates_come_from_each_source_with_true_shared_terms,
    key_word_candidates_follow_edits_and_deletes,
    what_the_store_keeps_in_memory_follows_writes,
);

fn open(db: &TestDb) -> Store {
    let store = Store::open(&db.url, 4).expect("database opens");
    assert!(store.migrate().expect("migrations run") > 0);
    assert_eq!(store.migrate().expect("second run is a no-op"), 0);
    store
}

fn input(title: &str, published_at: DateTime<Utc>) -> ArticleInput {
    ArticleInput {
        title: Some(title.into()),
        body: Some(format!("{title} body.\n\nMore text.")),
        status: Some("published".into()),
        published_at: Some(published_at.to_rfc3339()),
        ..Default::default()
    }
}

fn save(store: &Store, inputs: Vec<ArticleInput>) {
    let writes: Vec<_> = inputs
        .into_iter()
        .map(|i| {
            i.validate(ArticleStatus::Draft, now())
                .expect("valid input")
        })
        .collect();
    store.save_articles(&writes).expect("saved");
}

fn public() -> Visibility {
    Visibility::public_now()
}

fn list(store: &Store, filter: ArticleFilter, vis: Visibility) -> Vec<String> {
    let q =
        ArticleQuery::new(filter, PageLimit::new(100).expect("limit"), None, vis).expect("query");
    service::list_articles(store, &q, None, now())
        .expect("listed")
        .items
        .into_iter()
        .map(|r| r.slug)
        .collect()
}

fn saves_and_reads_back_with_relations(store: &Store) {
    let t = now() - TimeDelta::hours(1);
    save(
        store,
        vec![ArticleInput {
            section: Some("Home News".into()),
            tags: vec!["Ukraine".into(), "Diplomacy".into()],
            authors: vec!["Ana Lima".into()],
            subtitle: Some("Sub".into()),
            image: Some(newsdesk_domain::article::Image {
                url: "https://img.example/1.jpg".into(),
                alt: Some("alt".into()),
                caption: None,
            }),
            contact_email: Some("ana@example.org".into()),
            ..input("Talks in London", t)
        }],
    );
    let r = service::article(store, "talks-in-london", public()).expect("found");
    // What views read: everything but the source, which no view shows.
    let shown = store.articles_to_show(&[r.id]).expect("read by id");
    assert_eq!(shown[0].body_source, "");
    assert_eq!(
        ArticleRecord {
            body_source: r.body_source.clone(),
            ..shown[0].clone()
        },
        r
    );
    assert_eq!(r.published_at, Some(t));
    assert_eq!(r.subtitle.as_deref(), Some("Sub"));
    assert_eq!(r.image.as_ref().and_then(|i| i.alt.as_deref()), Some("alt"));
    let views = service::assemble(store, vec![r], "http://x", now()).expect("assembled");
    let v = &views[0];
    assert_eq!(
        v.section.as_ref().map(|s| s.slug.as_str()),
        Some("home-news")
    );
    let tags: Vec<_> = v.tags.iter().map(|t| t.name.as_str()).collect();
    assert_eq!(tags, ["Ukraine", "Diplomacy"]);
    assert_eq!(v.authors[0].slug, "ana-lima");
    assert_eq!(v.canonical_url, "http://x/articles/talks-in-london");
    assert!(!serde_json::to_string(v)
        .expect("json")
        .contains("ana@example.org"));
}

fn resave_by_slug_updates_in_place(store: &Store) {
    let t = now() - TimeDelta::hours(2);
    save(
        store,
        vec![ArticleInput {
            tags: vec!["A".into(), "B".into()],
            ..input("Same", t)
        }],
    );
    let first = store.article_by_slug("same").expect("ok").expect("exists");
    save(
        store,
        vec![ArticleInput {
            tags: vec!["C".into()],
            body: Some("Changed.".into()),
            ..input("Same", t)
        }],
    );
    let second = store.article_by_slug("same").expect("ok").expect("exists");
    assert_eq!(first.id, second.id);
    assert_eq!(first.created_at, second.created_at);
    assert_eq!(second.body_text, "Changed.");
    assert_eq!(store.count_articles().expect("count"), 1);
    let tags: Vec<_> = store
        .terms_of_articles(&[second.id])
        .expect("tags")
        .into_iter()
        .filter(|(_, kind, _)| *kind == TermKind::Tag)
        .map(|(_, _, t)| t.slug)
        .collect();
    assert_eq!(tags, ["c"]);
}

fn public_visibility_hides_drafts_and_scheduled(store: &Store) {
    let past = now() - TimeDelta::hours(1);
    let future = now() + TimeDelta::days(1);
    save(
        store,
        vec![
            input("Live", past),
            ArticleInput {
                status: Some("draft".into()),
                ..input("Draft", past)
            },
            ArticleInput {
                status: Some("scheduled".into()),
                ..input("Later", future)
            },
            ArticleInput {
                status: Some("archived".into()),
                ..input("Old", past)
            },
        ],
    );
    assert_eq!(list(store, ArticleFilter::default(), public()), ["live"]);
    let mut staff = list(store, ArticleFilter::default(), Visibility::Staff);
    staff.sort();
    assert_eq!(staff, ["draft", "later", "live", "old"]);
    for hidden in ["draft", "later", "old"] {
        assert!(matches!(
            service::article(store, hidden, public()),
            Err(DomainError::NotFound(_))
        ));
        assert!(service::article(store, hidden, Visibility::Staff).is_ok());
    }
    // The scheduled article is public once its time has come, with nothing run.
    let after = Visibility::Public {
        now: future + TimeDelta::seconds(1),
    };
    assert_eq!(
        list(store, ArticleFilter::default(), after),
        ["later", "live"]
    );
}

fn keyset_pages_visit_every_article_once(store: &Store) {
    let base = now() - TimeDelta::days(1);
    // Several articles share a timestamp so the id tie-break is exercised.
    let inputs = (0..23)
        .map(|i| input(&format!("Story {i}"), base + TimeDelta::minutes(i / 3)))
        .collect();
    save(store, inputs);
    let mut seen = Vec::new();
    let mut cursor: Option<String> = None;
    let mut pages = 0;
    loop {
        let q = ArticleQuery::new(
            ArticleFilter::default(),
            PageLimit::new(5).expect("limit"),
            cursor.as_deref(),
            public(),
        )
        .expect("query");
        let page = service::list_articles(store, &q, None, now()).expect("page");
        pages += 1;
        let keys: Vec<_> = page.items.iter().map(|r| (r.sort_at, r.id)).collect();
        assert!(
            keys.windows(2).all(|w| w[0] > w[1]),
            "newest first within a page"
        );
        seen.extend(page.items.into_iter().map(|r| r.slug));
        match page.next_cursor {
            Some(c) => cursor = Some(c.as_str().to_owned()),
            None => break,
        }
    }
    assert_eq!(pages, 5);
    let mut unique = seen.clone();
    unique.sort();
    unique.dedup();
    assert_eq!(seen.len(), 23);
    assert_eq!(unique.len(), 23);
}

fn filters_by_tag_section_author_and_dates(store: &Store) {
    let t0 = now() - TimeDelta::days(10);
    save(
        store,
        vec![
            ArticleInput {
                tags: vec!["Weather".into()],
                section: Some("Home News".into()),
                authors: vec!["Kim".into()],
                ..input("Storm", t0)
            },
            ArticleInput {
                tags: vec!["Weather".into(), "Sport".into()],
                ..input("Rain delay", t0 + TimeDelta::days(2))
            },
            ArticleInput {
                section: Some("home-news".into()),
                ..input("Council", t0 + TimeDelta::days(4))
            },
        ],
    );
    let f = |tag: Option<&str>, section: Option<&str>, author: Option<&str>| ArticleFilter {
        tag: tag.map(Into::into),
        section: section.map(Into::into),
        author: author.map(Into::into),
        ..Default::default()
    };
    assert_eq!(
        list(store, f(Some("weather"), None, None), public()),
        ["rain-delay", "storm"]
    );
    assert_eq!(
        list(store, f(None, Some("home-news"), None), public()),
        ["council", "storm"]
    );
    assert_eq!(list(store, f(None, None, Some("kim")), public()), ["storm"]);
    assert_eq!(
        list(store, f(Some("weather"), Some("home-news"), None), public()),
        ["storm"]
    );
    assert!(list(store, f(Some("no-such-tag"), None, None), public()).is_empty());
    let dates = ArticleFilter {
        published_after: Some(t0 + TimeDelta::days(1)),
        published_before: Some(t0 + TimeDelta::days(3)),
        ..Default::default()
    };
    assert_eq!(list(store, dates, public()), ["rain-delay"]);
    let excl = ArticleFilter {
        exclude: Some("council".into()),
        ..Default::default()
    };
    assert_eq!(list(store, excl, public()), ["rain-delay", "storm"]);
}

fn term_counts_follow_visibility(store: &Store) {
    let past = now() - TimeDelta::hours(1);
    save(
        store,
        vec![
            ArticleInput {
                tags: vec!["Budget".into()],
                section: Some("Politics".into()),
                ..input("One", past)
            },
            ArticleInput {
                tags: vec!["Budget".into()],
                section: Some("Politics".into()),
                status: Some("draft".into()),
                ..input("Two", past)
            },
        ],
    );
    let tag = service::term(store, TermKind::Tag, "budget", public(), None).expect("tag");
    assert_eq!(tag.article_count, 1);
    assert_eq!(
        service::term(store, TermKind::Tag, "budget", Visibility::Staff, None)
            .expect("tag")
            .article_count,
        2
    );
    let sections = service::list_terms(
        store,
        TermKind::Section,
        PageLimit::default(),
        None,
        public(),
        None,
    )
    .expect("list");
    assert_eq!(sections.items.len(), 1);
    assert_eq!(sections.items[0].article_count, 1);
    assert!(matches!(
        service::term(store, TermKind::Tag, "nope", public(), None),
        Err(DomainError::NotFound(_))
    ));
}

fn duplicate_slug_in_one_batch_updates_the_first(store: &Store) {
    // Two different titles, one explicit slug, in one batch.
    let past = now() - TimeDelta::hours(1);
    save(
        store,
        vec![
            ArticleInput {
                slug: Some("dup".into()),
                ..input("First", past)
            },
            ArticleInput {
                slug: Some("dup".into()),
                ..input("Second", past)
            },
        ],
    );
    // An import re-saving a slug updates that article, as a re-import
    // does: one row, at its second version, the first kept as a revision.
    let r = store.article_by_slug("dup").expect("ok").expect("exists");
    assert_eq!(r.title, "Second");
    assert_eq!(r.version, 2);
    assert_eq!(store.count_articles().expect("count"), 1);
    let revisions = store.revisions(r.id).expect("revisions");
    assert_eq!(revisions.len(), 1);
    assert!(
        revisions[0].snapshot.contains("\"First\""),
        "{}",
        revisions[0].snapshot
    );
}

fn related_candidates_come_from_each_source_with_true_shared_terms(store: &Store) {
    seed_related_corpus(store);
    let (floods, weather) = (
        term_id(store, TermKind::Tag, "floods"),
        term_id(store, TermKind::Tag, "weather"),
    );
    let author = term_id(store, TermKind::Author, "ana-lima");
    let article = article_id(store, "harbour-flood-in-quenby");
    let sources = CandidateSources {
        // One article from the common tag: the newest of the two.
        tags: vec![(floods, 5), (weather, 1)],
        article,
        key_stems: vec![stem("quenby")],
        from_text: 10,
        section_id: Some(term_id(store, TermKind::Section, "home")),
        from_section: 10,
        now: now(),
        own_terms: vec![floods, weather, author],
    };
    let candidates = store.related_candidates(&sources).expect("candidates");
    let vector = candidates
        .iter()
        .find(|c| c.summary.id == article)
        .map(|c| c.summary.term_vector.to_string())
        .unwrap_or_default();
    let mut found: Vec<(String, Vec<i64>)> = candidates
        .into_iter()
        .map(|c| {
            let slug = store
                .articles_by_ids(&[c.summary.id])
                .expect("read")
                .pop()
                .expect("exists")
                .slug;
            let mut shared = c.shared_terms;
            shared.sort_unstable();
            (slug, shared)
        })
        .collect();
    found.sort();
    let mut own = vec![floods, weather, author];
    own.sort_unstable();
    let newest_weather =
        if article_id(store, "older-sunny-spell") > article_id(store, "sunny-spell") {
            "older-sunny-spell"
        } else {
            "sunny-spell"
        };
    let mut expected = vec![
        ("flood-defences".to_string(), vec![floods]),
        // The article itself comes along, for its stored term vector.
        ("harbour-flood-in-quenby".to_string(), own),
        ("home-budget".to_string(), vec![]),
        ("quenby-mayor-resigns".to_string(), vec![]),
        (newest_weather.to_string(), vec![weather]),
    ];
    expected.sort();
    assert_eq!(found, expected);
    // The article's own stored vector came with it.
    assert!(vector.contains("|quenby|"), "{vector}");
}

/// The key-word source reads the word index the database keeps from the
/// term vectors: it must follow every rewrite and delete, skip drafts, and
/// give the newest of the matches.
fn key_word_candidates_follow_edits_and_deletes(store: &Store) {
    seed_related_corpus(store);
    let found = |words: &[&str], from_text: u32| -> Vec<String> {
        let sources = CandidateSources {
            tags: Vec::new(),
            // An unsaved draft: nothing comes along but the matches.
            article: 0,
            key_stems: words.iter().map(|w| stem(w)).collect(),
            from_text,
            section_id: None,
            from_section: 0,
            now: now(),
            own_terms: Vec::new(),
        };
        let ids: Vec<i64> = store
            .related_candidates(&sources)
            .expect("candidates")
            .into_iter()
            .map(|c| c.summary.id)
            .collect();
        let mut slugs: Vec<String> = store
            .articles_by_ids(&ids)
            .expect("read")
            .into_iter()
            .map(|a| a.slug)
            .collect();
        slugs.sort();
        slugs
    };
    // The draft "Quenby draft" is not a candidate.
    assert_eq!(
        found(&["quenby"], 10),
        ["harbour-flood-in-quenby", "quenby-mayor-resigns"]
    );
    // Either word finds; the newest `from_text` of all the matches are kept.
    let newest = [
        "harbour-flood-in-quenby",
        "quenby-mayor-resigns",
        "sunny-spell",
        "older-sunny-spell",
    ]
    .into_iter()
    .max_by_key(|slug| article_id(store, slug))
    .expect("four");
    assert_eq!(found(&["quenby", "sunny"], 1), [newest]);
    assert_eq!(found(&["quenby", "sunny"], 10).len(), 4);
    let t = now() - TimeDelta::hours(3);
    save(
        store,
        vec![ArticleInput {
            slug: Some("quenby-mayor-resigns".into()),
            body: Some("The mayor of Lowfield resigns.".into()),
            ..input("Mayor resigns", t)
        }],
    );
    assert_eq!(found(&["quenby"], 10), ["harbour-flood-in-quenby"]);
    assert_eq!(found(&["lowfield"], 10), ["quenby-mayor-resigns"]);
    store
        .delete_article(article_id(store, "harbour-flood-in-quenby"))
        .expect("deleted");
    assert!(found(&["quenby"], 10).is_empty());
}

/// Terms and candidate summaries are kept in memory between reads: a
/// rename, a rewrite and an unpublish each show on the next read.
fn what_the_store_keeps_in_memory_follows_writes(store: &Store) {
    seed_related_corpus(store);
    let flood = article_id(store, "harbour-flood-in-quenby");
    let tag_names = || -> Vec<String> {
        let terms = store.terms_of_articles(&[flood]).expect("terms");
        terms.into_iter().map(|(_, _, t)| t.name).collect()
    };
    assert_eq!(tag_names(), ["Floods", "Ana Lima", "Weather"]);
    let weather = term_id(store, TermKind::Tag, "weather");
    let renamed = newsdesk_domain::store::TermWrite {
        slug: newsdesk_domain::slug::Slug::parse("weather").expect("slug"),
        name: "Weather and Climate".into(),
        description: None,
    };
    store
        .update_term(TermKind::Tag, weather, &renamed)
        .expect("renamed");
    assert_eq!(tag_names(), ["Floods", "Ana Lima", "Weather and Climate"]);
    let spell = article_id(store, "sunny-spell");
    let summary = || {
        let sources = CandidateSources {
            tags: vec![(weather, 10)],
            article: 0,
            key_stems: Vec::new(),
            from_text: 0,
            section_id: None,
            from_section: 0,
            now: now(),
            own_terms: vec![weather],
        };
        let found = store.related_candidates(&sources).expect("candidates");
        let c = found.into_iter().find(|c| c.summary.id == spell);
        c.expect("a candidate").summary
    };
    assert!(summary().term_vector.contains("sunni|"), "{:?}", summary());
    let t = now() - TimeDelta::hours(3);
    let rewrite = |status: &str| ArticleInput {
        slug: Some("sunny-spell".into()),
        tags: vec!["Weather".into()],
        status: Some(status.into()),
        ..input("Cold snap", t)
    };
    save(store, vec![rewrite("published")]);
    let after = summary();
    assert!(after.term_vector.contains("cold|") && !after.term_vector.contains("sunni|"));
    save(store, vec![rewrite("draft")]);
    assert_eq!(summary().status, ArticleStatus::Draft);
}

/// An article with two tags and an author, and candidates sharing each.
fn seed_related_corpus(store: &Store) {
    let t = now() - TimeDelta::hours(3);
    let tagged = |title: &str, tags: &[&str], section: &str| ArticleInput {
        tags: tags.iter().map(|t| t.to_string()).collect(),
        section: Some(section.into()),
        ..input(title, t)
    };
    save(
        store,
        vec![
            ArticleInput {
                authors: vec!["Ana Lima".into()],
                ..tagged("Harbour flood in Quenby", &["Floods", "Weather"], "Home")
            },
            tagged("Flood defences", &["Floods"], "World"),
            tagged("Sunny spell", &["Weather"], "World"),
            tagged("Older sunny spell", &["Weather"], "World"),
            tagged("Quenby mayor resigns", &[], "Politics"),
            tagged("Home budget", &[], "Home"),
            tagged("Unrelated match report", &["Sport"], "Sport"),
            ArticleInput {
                status: Some("draft".into()),
                ..tagged("Quenby draft", &[], "Politics")
            },
        ],
    );
}

fn article_id(store: &Store, slug: &str) -> i64 {
    store
        .article_by_slug(slug)
        .expect("read")
        .expect("exists")
        .id
}

fn term_id(store: &Store, kind: TermKind, slug: &str) -> i64 {
    store
        .term_by_slug(kind, slug)
        .expect("read")
        .expect("exists")
        .id
}
