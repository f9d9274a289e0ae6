//! The body pipeline: what an editor sends (markdown, HTML or plain text)
//! becomes sanitised `body_html` and readable `body_text` at write time, so the
//! read path never renders or sanitises anything.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum BodyFormat {
    #[default]
    Markdown,
    Html,
    Text,
}

impl BodyFormat {
    pub fn as_str(self) -> &'static str {
        match self {
            BodyFormat::Markdown => "markdown",
            BodyFormat::Html => "html",
            BodyFormat::Text => "text",
        }
    }

    pub fn parse(s: &str) -> Option<BodyFormat> {
        match s {
            "markdown" => Some(BodyFormat::Markdown),
            "html" => Some(BodyFormat::Html),
            "text" => Some(BodyFormat::Text),
            _ => None,
        }
    }
}

/// A body ready to store.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderedBody {
    pub html: String,
    pub text: String,
}

/// Average adult silent reading speed for non-fiction, words per minute.
const WORDS_PER_MINUTE: usize = 230;

pub fn render(format: BodyFormat, source: &str) -> RenderedBody {
    let raw_html = match format {
        BodyFormat::Markdown => {
            let parser = pulldown_cmark::Parser::new_ext(source, pulldown_cmark::Options::all());
            let mut out = String::with_capacity(source.len() * 5 / 4);
            pulldown_cmark::html::push_html(&mut out, parser);
            out
        }
        BodyFormat::Html => source.to_owned(),
        BodyFormat::Text => text_to_html(source),
    };
    let html = sanitize(&raw_html);
    let text = html_to_text(&html);
    RenderedBody { html, text }
}

/// Editors' HTML keeps its structure but loses scripts, handlers and styles;
/// links get `rel="noopener noreferrer"`.
pub fn sanitize(html: &str) -> String {
    ammonia::Builder::default()
        .add_generic_attributes(["id"])
        .clean(html)
        .to_string()
}

fn text_to_html(text: &str) -> String {
    paragraphs(text)
        .map(|p| format!("<p>{}</p>\n", escape_html(&p)))
        .collect()
}

/// Paragraphs of plain text: blocks separated by blank lines, inner line
/// breaks folded into spaces.
pub fn paragraphs(text: &str) -> impl Iterator<Item = String> + '_ {
    text.split("\n\n")
        .flat_map(|block| block.split("\r\n\r\n"))
        .map(|block| block.split_whitespace().collect::<Vec<_>>().join(" "))
        .filter(|p| !p.is_empty())
}

pub fn escape_html(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const BLOCK_TAGS: &[&str] = &[
    "p",
    "div",
    "br",
    "li",
    "h1",
    "h2",
    "h3",
    "h4",
    "h5",
    "h6",
    "blockquote",
    "pre",
    "tr",
    "hr",
    "figure",
    "figcaption",
    "table",
    "ul",
    "ol",
];

/// Plain text of sanitised HTML: block elements become paragraph breaks,
/// entities are decoded. Input is ammonia's output, so it is well formed.
pub fn html_to_text(html: &str) -> String {
    let mut out = String::with_capacity(html.len());
    let mut rest = html;
    while let Some(lt) = rest.find('<') {
        push_decoded(&mut out, &rest[..lt]);
        let Some(gt) = rest[lt..].find('>') else {
            rest = "";
            break;
        };
        let tag = &rest[lt + 1..lt + gt];
        let name: String = tag
            .trim_start_matches('/')
            .chars()
            .take_while(|c| c.is_ascii_alphanumeric())
            .collect::<String>()
            .to_ascii_lowercase();
        if BLOCK_TAGS.contains(&name.as_str()) {
            out.push_str("\n\n");
        }
        rest = &rest[lt + gt + 1..];
    }
    push_decoded(&mut out, rest);
    paragraphs(&out).collect::<Vec<_>>().join("\n\n")
}

fn push_decoded(out: &mut String, s: &str) {
    let mut rest = s;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        let after = &rest[amp + 1..];
        let end = after.find(';').filter(|&e| e <= 10);
        let decoded = end.and_then(|e| decode_entity(&after[..e]).map(|c| (c, e)));
        match decoded {
            Some((c, e)) => {
                out.push(c);
                rest = &after[e + 1..];
            }
            None => {
                out.push('&');
                rest = after;
            }
        }
    }
    out.push_str(rest);
}

fn decode_entity(name: &str) -> Option<char> {
    match name {
        "amp" => Some('&'),
        "lt" => Some('<'),
        "gt" => Some('>'),
        "quot" => Some('"'),
        "apos" => Some('\''),
        "nbsp" => Some(' '),
        _ => {
            let num = name.strip_prefix('#')?;
            let code = match num.strip_prefix(['x', 'X']) {
                Some(hex) => u32::from_str_radix(hex, 16).ok()?,
                None => num.parse().ok()?,
            };
            char::from_u32(code)
        }
    }
}

pub fn word_count(text: &str) -> usize {
    text.split_whitespace().count()
}

pub fn reading_time_minutes(words: usize) -> usize {
    words.div_ceil(WORDS_PER_MINUTE).max(1)
}

/// The excerpt made when an editor gives none: the first paragraph, cut at a
/// word boundary near `max_chars`.
pub fn excerpt_from(text: &str, max_chars: usize) -> String {
    let first = paragraphs(text).next().unwrap_or_default();
    truncate_words(&first, max_chars)
}

pub fn truncate_words(s: &str, max_chars: usize) -> String {
    if s.chars().count() <= max_chars {
        return s.to_owned();
    }
    let mut out = String::new();
    for word in s.split_whitespace() {
        let extra = word.chars().count() + usize::from(!out.is_empty());
        if out.chars().count() + extra > max_chars.saturating_sub(1) {
            break;
        }
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(word);
    }
    if out.is_empty() {
        out = s.chars().take(max_chars.saturating_sub(1)).collect();
    }
    out.push('…');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markdown_is_rendered_and_sanitised() {
        let r = render(
            BodyFormat::Markdown,
            "# Head\n\nSome *text* <script>alert(1)</script> [x](javascript:alert(1))\n\nSecond",
        );
        assert!(r.html.contains("<h1>Head</h1>"));
        assert!(r.html.contains("<em>text</em>"));
        assert!(!r.html.contains("script"));
        assert!(!r.html.contains("javascript:"));
        assert_eq!(
            r.text,
            "Head\n\nSome text [x]\n\nSecond".replace(" [x]", " x")
        );
    }

    #[test]
    fn html_handlers_are_removed() {
        let r = render(
            BodyFormat::Html,
            r#"<p onclick="x()">Fish &amp; chips</p><img src=x onerror=alert(1)>"#,
        );
        assert!(!r.html.contains("onclick"));
        assert!(!r.html.contains("onerror"));
        assert_eq!(r.text, "Fish & chips");
    }

    #[test]
    fn text_becomes_escaped_paragraphs() {
        let r = render(BodyFormat::Text, "a < b\nstill a\n\n\"quoted\" & more");
        assert_eq!(
            r.html,
            "<p>a &lt; b still a</p>\n<p>\"quoted\" &amp; more</p>\n"
        );
        assert_eq!(r.text, "a < b still a\n\n\"quoted\" & more");
    }

    #[test]
    fn rendering_html_output_again_is_stable() {
        let once = render(
            BodyFormat::Markdown,
            "Para *one*\n\n- a\n- b & c\n\n> quote",
        );
        let twice = render(BodyFormat::Html, &once.html);
        assert_eq!(once, twice);
    }

    #[test]
    fn excerpt_cuts_on_word_boundary() {
        let e = excerpt_from("alpha beta gamma delta\n\nsecond paragraph", 12);
        assert_eq!(e, "alpha beta…");
        assert_eq!(excerpt_from("short one\n\nnext", 100), "short one");
    }

    #[test]
    fn reading_time_is_at_least_a_minute() {
        assert_eq!(reading_time_minutes(0), 1);
        assert_eq!(reading_time_minutes(230), 1);
        assert_eq!(reading_time_minutes(231), 2);
        assert_eq!(word_count(" a  b\nc "), 3);
    }
}
