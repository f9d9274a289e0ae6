//! The NDJSON importer: any line either fails with a message or gives an
//! article that validation accepts or refuses, never a panic, and a body
//! that is safe to serve.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk_domain::import::parse_ndjson_line;
use newsdesk_domain::ArticleStatus;

fuzz_target!(|line: &str| {
    if let Ok(input) = parse_ndjson_line(line) {
        if let Ok(article) = input.validate(ArticleStatus::Published, chrono::Utc::now()) {
            assert!(!article.title.trim().is_empty());
            let found = newsdesk_fuzz::active_content(&article.body_html);
            assert!(found.is_empty(), "imported body kept {found:?}");
        }
    }
});
