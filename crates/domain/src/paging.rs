//! Page sizes and opaque keyset cursors. A cursor names the last item of a
//! page; the next page starts strictly after it, so pages never overlap or
//! skip rows when articles are added meanwhile (unlike OFFSET).

use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use base64::Engine;
use chrono::{DateTime, Utc};

use crate::error::DomainError;

pub const DEFAULT_LIMIT: u32 = 20;
pub const MAX_LIMIT: u32 = 100;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PageLimit(u32);

impl PageLimit {
    /// `None` gives the default; anything outside 1..=100 or not a number is refused.
    pub fn parse(raw: Option<&str>) -> Result<PageLimit, DomainError> {
        match raw {
            None => Ok(PageLimit(DEFAULT_LIMIT)),
            Some(s) => s
                .trim()
                .parse::<i64>()
                .map_err(|_| DomainError::invalid("limit", "must be a whole number"))
                .and_then(|n| PageLimit::new(n).ok_or_else(limit_range_error)),
        }
    }

    /// Like `parse`, with a default and a cap of the caller's own (feeds
    /// default to 50, sync to 100).
    pub fn parse_with(raw: Option<&str>, default: u32, max: u32) -> Result<PageLimit, DomainError> {
        let n = raw
            .map(|s| {
                s.trim()
                    .parse::<i64>()
                    .map_err(|_| DomainError::invalid("limit", "must be a whole number"))
            })
            .transpose()?;
        PageLimit::with_max(n, default, max)
    }

    pub fn new(n: i64) -> Option<PageLimit> {
        (1..=i64::from(MAX_LIMIT))
            .contains(&n)
            .then_some(PageLimit(n as u32))
    }

    pub fn with_max(raw: Option<i64>, default: u32, max: u32) -> Result<PageLimit, DomainError> {
        match raw {
            None => Ok(PageLimit(default)),
            Some(n) if (1..=i64::from(max)).contains(&n) => Ok(PageLimit(n as u32)),
            Some(_) => Err(DomainError::invalid(
                "limit",
                format!("must be between 1 and {max}"),
            )),
        }
    }

    pub fn get(self) -> u32 {
        self.0
    }
}

fn limit_range_error() -> DomainError {
    DomainError::invalid("limit", format!("must be between 1 and {MAX_LIMIT}"))
}

impl Default for PageLimit {
    fn default() -> Self {
        PageLimit(DEFAULT_LIMIT)
    }
}

/// Position after an article in a newest-first list.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ArticleKey {
    pub sort_at: DateTime<Utc>,
    pub id: i64,
}

/// Position after a term in a slug-ordered list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SlugKey(pub String);

/// An opaque cursor: the transport sees a URL-safe string, the domain a key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cursor(String);

impl Cursor {
    pub fn as_str(&self) -> &str {
        &self.0
    }

    pub fn for_article(key: ArticleKey) -> Cursor {
        let micros = key.sort_at.timestamp_micros();
        Cursor(URL_SAFE_NO_PAD.encode(format!("a:{micros}:{}", key.id)))
    }

    pub fn for_slug(slug: &str) -> Cursor {
        Cursor(URL_SAFE_NO_PAD.encode(format!("s:{slug}")))
    }

    fn decode(raw: &str) -> Option<String> {
        let bytes = URL_SAFE_NO_PAD.decode(raw.trim().as_bytes()).ok()?;
        String::from_utf8(bytes).ok()
    }

    pub fn parse_article(raw: &str) -> Result<ArticleKey, DomainError> {
        Self::decode(raw)
            .and_then(|s| {
                let rest = s.strip_prefix("a:")?;
                let (micros, id) = rest.split_once(':')?;
                let sort_at = DateTime::from_timestamp_micros(micros.parse().ok()?)?;
                Some(ArticleKey {
                    sort_at,
                    id: id.parse().ok()?,
                })
            })
            .ok_or_else(malformed)
    }

    /// Position in a ranked result list (search results have no stable key).
    pub fn for_offset(offset: u32) -> Cursor {
        Cursor(URL_SAFE_NO_PAD.encode(format!("o:{offset}")))
    }

    pub fn parse_offset(raw: &str) -> Result<u32, DomainError> {
        Self::decode(raw)
            .and_then(|s| s.strip_prefix("o:").and_then(|n| n.parse().ok()))
            .ok_or_else(malformed)
    }

    /// After a row with this id (comments).
    pub fn for_id(id: i64) -> Cursor {
        Cursor(URL_SAFE_NO_PAD.encode(format!("i:{id}")))
    }

    pub fn parse_id(raw: &str) -> Result<i64, DomainError> {
        Self::decode(raw)
            .and_then(|s| s.strip_prefix("i:").and_then(|n| n.parse().ok()))
            .filter(|n: &i64| *n >= 0)
            .ok_or_else(malformed)
    }

    /// Only a slug could have been issued: anything else (a NUL, which
    /// PostgreSQL refuses to bind, was a 500; found by `fuzz/cursors`) is
    /// malformed.
    pub fn parse_slug(raw: &str) -> Result<SlugKey, DomainError> {
        Self::decode(raw)
            .and_then(|s| s.strip_prefix("s:").map(str::to_owned))
            .filter(|s| crate::slug::Slug::parse(s).is_ok())
            .map(SlugKey)
            .ok_or_else(malformed)
    }
}

fn malformed() -> DomainError {
    DomainError::BadRequest(
        "cursor is malformed: pass back the next_cursor of a previous page".into(),
    )
}

/// One page of results and where the next one starts.
#[derive(Debug, Clone)]
pub struct Page<T> {
    pub items: Vec<T>,
    pub next_cursor: Option<Cursor>,
    pub limit: PageLimit,
}

impl<T> Page<T> {
    /// Builds a page from up to `limit + 1` rows: the extra row only proves
    /// there is a next page.
    pub fn from_overfetch(
        mut rows: Vec<T>,
        limit: PageLimit,
        key: impl Fn(&T) -> Cursor,
    ) -> Page<T> {
        let has_more = rows.len() > limit.get() as usize;
        rows.truncate(limit.get() as usize);
        let next_cursor = if has_more { rows.last().map(key) } else { None };
        Page {
            items: rows,
            next_cursor,
            limit,
        }
    }

    pub fn map<U>(self, f: impl FnMut(T) -> U) -> Page<U> {
        Page {
            items: self.items.into_iter().map(f).collect(),
            next_cursor: self.next_cursor,
            limit: self.limit,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_slug_cursor_holds_a_slug() {
        let issued = Cursor::for_slug("local-government");
        assert_eq!(
            Cursor::parse_slug(issued.as_str()).ok(),
            Some(SlugKey("local-government".into()))
        );
        // Fuzzing regressions: "s:a\0b" and "s:local-'overnment".
        for forged in ["czphAGI", "czpsb2NhbC0nb3Zlcm5tZW50"] {
            assert!(Cursor::parse_slug(forged).is_err(), "{forged}");
        }
    }

    #[test]
    fn limit_bounds() {
        assert_eq!(PageLimit::parse(None).map(PageLimit::get).ok(), Some(20));
        assert_eq!(
            PageLimit::parse(Some("100")).map(PageLimit::get).ok(),
            Some(100)
        );
        for bad in ["0", "101", "1000", "abc", "-1", "", "1.5"] {
            assert!(
                matches!(PageLimit::parse(Some(bad)), Err(DomainError::Invalid(_))),
                "{bad}"
            );
        }
    }

    #[test]
    fn article_cursor_round_trips() {
        let key = ArticleKey {
            sort_at: DateTime::from_timestamp_micros(1_700_000_000_123_456).expect("valid"),
            id: 42,
        };
        let c = Cursor::for_article(key);
        assert_eq!(Cursor::parse_article(c.as_str()).ok(), Some(key));
    }

    #[test]
    fn foreign_cursors_are_bad_requests() {
        let slug_cursor = Cursor::for_slug("politics");
        for bad in ["", "!!!", "bm9wZQ", slug_cursor.as_str()] {
            assert!(
                matches!(Cursor::parse_article(bad), Err(DomainError::BadRequest(_))),
                "{bad}"
            );
        }
        assert_eq!(
            Cursor::parse_slug(slug_cursor.as_str()).ok(),
            Some(SlugKey("politics".into()))
        );
    }

    #[test]
    fn overfetch_sets_next_cursor_only_when_more() {
        let limit = PageLimit::new(2).expect("in range");
        let page = Page::from_overfetch(vec!["a", "b", "c"], limit, |s| Cursor::for_slug(s));
        assert_eq!(page.items, vec!["a", "b"]);
        assert_eq!(page.next_cursor, Some(Cursor::for_slug("b")));
        let last = Page::from_overfetch(vec!["a", "b"], limit, |s| Cursor::for_slug(s));
        assert_eq!(last.next_cursor, None);
    }
}
