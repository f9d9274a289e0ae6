//! Cursor and sync-token decoding: a client may send back anything. What
//! decodes must be a key we could have issued, because it reaches SQL as a
//! bound value and comes back to the client re-encoded.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk_domain::paging::SlugKey;
use newsdesk_domain::service::sync::SyncToken;
use newsdesk_domain::{Cursor, Slug};

fuzz_target!(|raw: &str| {
    if let Ok(key) = Cursor::parse_article(raw) {
        let again = Cursor::parse_article(Cursor::for_article(key.clone()).as_str());
        assert_eq!(again.ok(), Some(key));
    }
    if let Ok(offset) = Cursor::parse_offset(raw) {
        assert_eq!(
            Cursor::parse_offset(Cursor::for_offset(offset).as_str()).ok(),
            Some(offset)
        );
    }
    if let Ok(id) = Cursor::parse_id(raw) {
        assert!(id >= 0);
        assert_eq!(Cursor::parse_id(Cursor::for_id(id).as_str()).ok(), Some(id));
    }
    if let Ok(SlugKey(slug)) = Cursor::parse_slug(raw) {
        // Slug cursors are issued for stored slugs only; anything else (a
        // NUL, which PostgreSQL refuses to bind) must be refused here.
        assert!(
            Slug::parse(&slug).is_ok(),
            "slug cursor decoded to {slug:?}"
        );
    }
    if let Some(token) = SyncToken::decode(raw) {
        assert_eq!(SyncToken::decode(&token.encode()), Some(token));
    }
});
