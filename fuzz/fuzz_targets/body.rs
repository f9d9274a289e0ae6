//! The body pipeline (markdown, HTML, plain text to stored HTML): whatever an
//! editor sends, what is stored holds nothing a browser would run.
#![no_main]

use libfuzzer_sys::fuzz_target;
use newsdesk_domain::body::{render, BodyFormat};

fuzz_target!(|data: &[u8]| {
    let Some((&which, rest)) = data.split_first() else {
        return;
    };
    let Ok(source) = std::str::from_utf8(rest) else {
        return;
    };
    let format = match which % 3 {
        0 => BodyFormat::Markdown,
        1 => BodyFormat::Html,
        _ => BodyFormat::Text,
    };
    let body = render(format, source);
    let found = newsdesk_fuzz::active_content(&body.html);
    assert!(
        found.is_empty(),
        "{format:?} body kept {found:?} in {:?}",
        body.html
    );
});
