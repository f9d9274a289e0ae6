//! RSS 2.0, Atom 1.0 and JSON Feed 1.1 of one feed, written with the
//! `rss` and `atom_syndication` crates and serde.

use atom_syndication as atom;
use chrono::{DateTime, Utc};
use newsdesk_domain::article::ArticleView;
use newsdesk_domain::body::escape_html;
use newsdesk_domain::service::syndication::Feed;
use newsdesk_domain::term::TermKind;
use serde::Serialize;

/// What every format says of the feed itself.
pub struct FeedMeta<'a> {
    pub title: String,
    pub description: String,
    /// The site's home, or the tag, section or author page it narrows to.
    pub home: String,
    /// The URL this format is served at, with its query.
    pub self_url: String,
    /// The WebSub hub that pushes this feed's updates.
    pub hub: String,
    pub language: &'a str,
}

impl FeedMeta<'_> {
    pub fn new<'a>(feed: &Feed, publisher: &str, base: &str, self_url: String) -> FeedMeta<'a> {
        let named: Vec<String> = feed.narrowed.iter().map(|(_, t)| t.name.clone()).collect();
        let home = match feed.narrowed.as_slice() {
            [(kind, t)] => format!("{base}/{}s/{}", kind_path(*kind), t.slug),
            _ => base.to_owned(),
        };
        let title = if named.is_empty() {
            publisher.to_owned()
        } else {
            format!("{publisher}: {}", named.join(", "))
        };
        FeedMeta {
            description: format!("The latest articles of {title}"),
            title,
            home,
            self_url,
            hub: format!("{base}/websub"),
            language: "en",
        }
    }

    fn updated(&self, feed: &Feed) -> DateTime<Utc> {
        feed.articles
            .iter()
            .map(|a| a.updated_at)
            .max()
            .unwrap_or(DateTime::UNIX_EPOCH)
    }
}

fn kind_path(kind: TermKind) -> &'static str {
    match kind {
        TermKind::Tag => "tag",
        TermKind::Section => "section",
        TermKind::Author => "author",
    }
}

/// The body as feed readers show it: the sanitised HTML, then the
/// corrections, dated, so a corrected story says so wherever it travels.
pub fn content_html(a: &ArticleView) -> String {
    let mut html = a.body_html.clone();
    for c in &a.corrections {
        html.push_str(&format!(
            "<p><strong>Correction, {}:</strong> {}</p>",
            c.published_at.format("%Y-%m-%d"),
            escape_html(&c.text)
        ));
    }
    html
}

pub fn rss(feed: &Feed, meta: &FeedMeta, rights: Option<String>) -> String {
    let items: Vec<rss::Item> = feed.articles.iter().map(rss_item).collect();
    let mut self_link = rss::extension::atom::Link::default();
    self_link.set_href(meta.self_url.clone());
    self_link.set_rel("self");
    self_link.set_mime_type(Some("application/rss+xml".to_owned()));
    let mut hub_link = rss::extension::atom::Link::default();
    hub_link.set_href(meta.hub.clone());
    hub_link.set_rel("hub");
    let mut atom_ext = rss::extension::atom::AtomExtension::default();
    atom_ext.set_links(vec![self_link, hub_link]);
    let mut channel = rss::Channel::default();
    channel.set_title(meta.title.clone());
    channel.set_link(meta.home.clone());
    channel.set_description(meta.description.clone());
    channel.set_language(Some(meta.language.to_owned()));
    channel.set_last_build_date(Some(meta.updated(feed).to_rfc2822()));
    channel.set_atom_ext(Some(atom_ext));
    channel.set_copyright(rights);
    channel.set_items(items);
    channel.to_string()
}

fn rss_item(a: &ArticleView) -> rss::Item {
    let mut guid = rss::Guid::default();
    guid.set_value(a.canonical_url.clone());
    guid.set_permalink(true);
    let categories = a
        .section
        .iter()
        .chain(&a.tags)
        .map(|t| {
            let mut c = rss::Category::default();
            c.set_name(t.name.clone());
            c
        })
        .collect::<Vec<_>>();
    let mut dc = rss::extension::dublincore::DublinCoreExtension::default();
    dc.set_creators(a.authors.iter().map(|t| t.name.clone()).collect::<Vec<_>>());
    let mut item = rss::Item::default();
    item.set_title(Some(a.title.clone()));
    item.set_link(Some(a.canonical_url.clone()));
    item.set_guid(Some(guid));
    item.set_pub_date(a.published_at.map(|t| t.to_rfc2822()));
    item.set_description(Some(a.excerpt.clone()));
    item.set_content(Some(content_html(a)));
    item.set_categories(categories);
    item.set_dublin_core_ext(Some(dc));
    item
}

fn atom_link(href: &str, rel: &str, mime: Option<&str>) -> atom::Link {
    let mut l = atom::Link::default();
    l.set_href(href);
    l.set_rel(rel);
    l.set_mime_type(mime.map(str::to_owned));
    l
}

pub fn atom(feed: &Feed, meta: &FeedMeta, publisher: &str, rights: Option<String>) -> String {
    let mut author = atom::Person::default();
    author.set_name(publisher);
    let mut out = atom::Feed::default();
    out.set_title(atom::Text::plain(meta.title.clone()));
    out.set_id(meta.self_url.clone());
    out.set_updated(meta.updated(feed).fixed_offset());
    out.set_authors(vec![author]);
    out.set_lang(Some(meta.language.to_owned()));
    out.set_rights(rights.map(atom::Text::plain));
    out.set_links(vec![
        atom_link(&meta.self_url, "self", Some("application/atom+xml")),
        atom_link(&meta.home, "alternate", Some("text/html")),
        atom_link(&meta.hub, "hub", None),
    ]);
    out.set_entries(feed.articles.iter().map(atom_entry).collect::<Vec<_>>());
    out.to_string()
}

fn atom_entry(a: &ArticleView) -> atom::Entry {
    let authors = a
        .authors
        .iter()
        .map(|t| {
            let mut p = atom::Person::default();
            p.set_name(t.name.clone());
            p
        })
        .collect::<Vec<_>>();
    let categories = a
        .section
        .iter()
        .chain(&a.tags)
        .map(|t| {
            let mut c = atom::Category::default();
            c.set_term(t.slug.clone());
            c.set_label(Some(t.name.clone()));
            c
        })
        .collect::<Vec<_>>();
    let mut content = atom::Content::default();
    content.set_content_type(Some("html".to_owned()));
    content.set_value(Some(content_html(a)));
    let mut e = atom::Entry::default();
    e.set_title(atom::Text::plain(a.title.clone()));
    e.set_id(a.canonical_url.clone());
    e.set_updated(a.updated_at.fixed_offset());
    e.set_published(a.published_at.map(|t| t.fixed_offset()));
    e.set_links(vec![atom_link(
        &a.canonical_url,
        "alternate",
        Some("text/html"),
    )]);
    e.set_authors(authors);
    e.set_categories(categories);
    e.set_summary(Some(atom::Text::plain(a.excerpt.clone())));
    e.set_content(Some(content));
    e
}

/// JSON Feed 1.1 (<https://jsonfeed.org/version/1.1>).
#[derive(Serialize)]
struct JsonFeed<'a> {
    version: &'static str,
    title: &'a str,
    home_page_url: &'a str,
    feed_url: &'a str,
    description: &'a str,
    language: &'a str,
    hubs: Vec<JsonHub<'a>>,
    authors: Vec<JsonAuthor>,
    items: Vec<JsonItem<'a>>,
}

#[derive(Serialize)]
struct JsonHub<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    url: &'a str,
}

#[derive(Serialize)]
struct JsonAuthor {
    name: String,
}

#[derive(Serialize)]
struct JsonItem<'a> {
    id: &'a str,
    url: &'a str,
    title: &'a str,
    content_html: String,
    summary: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    image: Option<&'a str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    date_published: Option<String>,
    date_modified: String,
    authors: Vec<JsonAuthor>,
    tags: Vec<&'a str>,
    language: &'a str,
}

pub fn json_feed(feed: &Feed, meta: &FeedMeta, publisher: &str) -> serde_json::Result<Vec<u8>> {
    let items = feed
        .articles
        .iter()
        .map(|a| JsonItem {
            id: &a.canonical_url,
            url: &a.canonical_url,
            title: &a.title,
            content_html: content_html(a),
            summary: &a.excerpt,
            image: a.image.as_ref().map(|i| i.url.as_str()),
            date_published: a.published_at.map(|t| t.to_rfc3339()),
            date_modified: a.updated_at.to_rfc3339(),
            authors: a
                .authors
                .iter()
                .map(|t| JsonAuthor {
                    name: t.name.clone(),
                })
                .collect(),
            tags: a.tags.iter().map(|t| t.name.as_str()).collect(),
            language: &a.language,
        })
        .collect();
    serde_json::to_vec(&JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &meta.title,
        home_page_url: &meta.home,
        feed_url: &meta.self_url,
        description: &meta.description,
        language: meta.language,
        hubs: vec![JsonHub {
            kind: "WebSub",
            url: &meta.hub,
        }],
        authors: vec![JsonAuthor {
            name: publisher.to_owned(),
        }],
        items,
    })
}
