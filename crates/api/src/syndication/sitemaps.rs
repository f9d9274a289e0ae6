//! Sitemaps (sitemaps.org), the Google News sitemap and robots.txt,
//! written with quick-xml so every value is escaped.

use std::io::Cursor;

use chrono::{DateTime, SecondsFormat, Utc};
use newsdesk_domain::article::{default_canonical_url, ArticleView};
use newsdesk_domain::store::{SitemapBlock, SitemapEntry};
use quick_xml::events::{BytesDecl, BytesEnd, BytesStart, BytesText, Event};
use quick_xml::Writer;

const SITEMAP_NS: &str = "http://www.sitemaps.org/schemas/sitemap/0.9";
const NEWS_NS: &str = "http://www.google.com/schemas/sitemap-news/0.9";

type Xml = Writer<Cursor<Vec<u8>>>;

fn date(t: DateTime<Utc>) -> String {
    t.to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn text(w: &mut Xml, name: &str, value: &str) -> std::io::Result<()> {
    w.write_event(Event::Start(BytesStart::new(name)))?;
    w.write_event(Event::Text(BytesText::new(value)))?;
    w.write_event(Event::End(BytesEnd::new(name)))
}

fn document(
    root: &str,
    namespaces: &[(&str, &str)],
    body: impl FnOnce(&mut Xml) -> std::io::Result<()>,
) -> std::io::Result<Vec<u8>> {
    let mut w = Writer::new(Cursor::new(Vec::new()));
    w.write_event(Event::Decl(BytesDecl::new("1.0", Some("UTF-8"), None)))?;
    let mut start = BytesStart::new(root);
    for attr in namespaces {
        start.push_attribute(*attr);
    }
    w.write_event(Event::Start(start))?;
    body(&mut w)?;
    w.write_event(Event::End(BytesEnd::new(root)))?;
    Ok(w.into_inner().into_inner())
}

/// The index: one `<sitemap>` per block of ids that holds public articles.
pub fn index(base: &str, blocks: &[SitemapBlock]) -> std::io::Result<Vec<u8>> {
    document("sitemapindex", &[("xmlns", SITEMAP_NS)], |w| {
        for b in blocks {
            w.write_event(Event::Start(BytesStart::new("sitemap")))?;
            text(w, "loc", &format!("{base}/sitemaps/{}.xml", b.number))?;
            text(w, "lastmod", &date(b.last_modified))?;
            w.write_event(Event::End(BytesEnd::new("sitemap")))?;
        }
        Ok(())
    })
}

/// One sitemap file: a `<url>` per article, at most 50,000.
pub fn urls(base: &str, entries: &[SitemapEntry]) -> std::io::Result<Vec<u8>> {
    document("urlset", &[("xmlns", SITEMAP_NS)], |w| {
        for e in entries {
            let loc = e
                .canonical_url
                .clone()
                .unwrap_or_else(|| default_canonical_url(base, &e.slug));
            w.write_event(Event::Start(BytesStart::new("url")))?;
            text(w, "loc", &loc)?;
            text(w, "lastmod", &date(e.updated_at))?;
            w.write_event(Event::End(BytesEnd::new("url")))?;
        }
        Ok(())
    })
}

/// Google News: the articles of the last two days, with the publication.
pub fn news(publisher: &str, articles: &[ArticleView]) -> std::io::Result<Vec<u8>> {
    let ns = [("xmlns", SITEMAP_NS), ("xmlns:news", NEWS_NS)];
    document("urlset", &ns, |w| {
        for a in articles {
            w.write_event(Event::Start(BytesStart::new("url")))?;
            text(w, "loc", &a.canonical_url)?;
            w.write_event(Event::Start(BytesStart::new("news:news")))?;
            w.write_event(Event::Start(BytesStart::new("news:publication")))?;
            text(w, "news:name", publisher)?;
            text(w, "news:language", &a.language)?;
            w.write_event(Event::End(BytesEnd::new("news:publication")))?;
            if let Some(t) = a.published_at {
                text(w, "news:publication_date", &date(t))?;
            }
            text(w, "news:title", &a.title)?;
            w.write_event(Event::End(BytesEnd::new("news:news")))?;
            w.write_event(Event::End(BytesEnd::new("url")))?;
        }
        Ok(())
    })
}

pub fn robots(base: &str) -> String {
    format!("User-agent: *\nAllow: /\n\nSitemap: {base}/sitemap.xml\nSitemap: {base}/news-sitemap.xml\n")
}
