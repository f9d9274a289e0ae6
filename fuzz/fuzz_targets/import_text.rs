//! The plain-text importer: any file either fails with a message or gives an
//! article whose fields the write path then validates without panicking.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk_domain::import::parse_plain_text;
use newsdesk_domain::ArticleStatus;

fuzz_target!(|text: &str| {
    if let Ok(input) = parse_plain_text(text) {
        let title = input.title.clone().unwrap_or_default();
        assert!(!title.trim().is_empty(), "an article with an empty title");
        assert!(input.body.as_deref().is_some_and(|b| !b.trim().is_empty()));
        if let Ok(article) = input.validate(ArticleStatus::Published, chrono::Utc::now()) {
            let found = newsdesk_fuzz::active_content(&article.body_html);
            assert!(found.is_empty(), "imported body kept {found:?}");
        }
    }
});
