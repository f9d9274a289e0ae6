//! Parsers for what publishers send: NDJSON lines (the REST create body) and
//! plain-text articles in the publishers' layout:
//!
//! ```text
//! Title on the first non-empty line
//!
//! By Jane Doe (jane@example.com)      <- or "By (jane@example.com)"
//!
//! Paragraphs separated by blank lines...
//!
//! Tags
//! First Tag, Second Tag
//! Join the Discussion                  <- page furniture from here on: dropped
//! ```

use crate::article::ArticleInput;

/// Lines that start page furniture even when a file has no `Tags` line.
fn is_furniture(line: &str) -> bool {
    let l = line.trim();
    l == "Join the Discussion"
        || l.starts_with("Real Time Analytics")
        || (l.starts_with("More ") && l.ends_with(" News") && l.split_whitespace().count() <= 5)
}

/// What a byline line says: `By NAME (EMAIL)`, `By (EMAIL)` or `By NAME`.
fn parse_byline(line: &str) -> Option<(Option<String>, Option<String>)> {
    let rest = line.trim().strip_prefix("By ")?.trim();
    let (name, email) = match rest.rfind('(') {
        Some(open) if rest.ends_with(')') => {
            let email = rest[open + 1..rest.len() - 1].trim();
            let looks_like_email = email.contains('@') && !email.contains(char::is_whitespace);
            if !looks_like_email {
                return None;
            }
            (rest[..open].trim(), Some(email.to_owned()))
        }
        _ => (rest, None),
    };
    // A sentence that happens to begin with "By " is not a byline.
    if name.split_whitespace().count() > 6 || name.ends_with('.') {
        return None;
    }
    let name = (!name.is_empty()).then(|| name.to_owned());
    Some((name, email))
}

/// The section a `More NAME News` furniture line names: "More Home News"
/// is the page of section "Home News".
fn furniture_section(line: &str) -> Option<String> {
    let l = line.trim();
    let name = l.strip_prefix("More ")?.strip_suffix(" News")?.trim();
    (!name.is_empty() && name.split_whitespace().count() <= 3).then(|| format!("{name} News"))
}

/// A display name for an e-mail-only byline, from the address's local
/// part: `j.feldschreiber@...` is "J. Feldschreiber".
pub fn name_from_email(email: &str) -> Option<String> {
    let local = email.split('@').next()?;
    let words: Vec<String> = local
        .split(['.', '_', '-', '+'])
        .filter(|w| !w.is_empty() && w.chars().all(char::is_alphabetic))
        .map(|w| {
            let mut chars = w.chars();
            let first: String = chars
                .next()
                .into_iter()
                .flat_map(char::to_uppercase)
                .collect();
            let rest: String = chars.flat_map(char::to_lowercase).collect();
            if rest.is_empty() {
                format!("{first}.")
            } else {
                format!("{first}{rest}")
            }
        })
        .collect();
    (!words.is_empty()).then(|| words.join(" "))
}

/// Parses one plain-text article. The body keeps the paragraphs, the byline
/// name becomes the author, its e-mail stays private (`contact_email`); a
/// `More NAME News` line of the furniture gives the section.
pub fn parse_plain_text(text: &str) -> Result<ArticleInput, String> {
    let mut lines = text.lines().peekable();
    let title = loop {
        match lines.next() {
            None => return Err("no title: the file is empty".into()),
            Some(l) if l.trim().is_empty() => continue,
            Some(l) => break l.trim().to_owned(),
        }
    };
    let mut input = ArticleInput {
        title: Some(title),
        body_format: Some("text".into()),
        ..Default::default()
    };
    let mut body: Vec<&str> = Vec::new();
    let mut seen_byline = false;
    while let Some(line) = lines.next() {
        let trimmed = line.trim();
        if trimmed == "Tags" {
            let tag_line = lines
                .by_ref()
                .find(|l| !l.trim().is_empty())
                .unwrap_or_default();
            input.tags = tag_line
                .split(',')
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .map(str::to_owned)
                .collect();
            input.section = lines.find_map(furniture_section);
            break;
        }
        if is_furniture(trimmed) {
            input.section = std::iter::once(line)
                .chain(lines)
                .find_map(furniture_section);
            break;
        }
        if !seen_byline && body.iter().all(|l| l.trim().is_empty()) {
            if let Some((name, email)) = parse_byline(trimmed) {
                seen_byline = true;
                input.authors = name.into_iter().collect();
                input.contact_email = email;
                continue;
            }
        }
        body.push(line);
    }
    let body = body.join("\n").trim().to_owned();
    if body.is_empty() {
        return Err("no body: expected paragraphs after the title".into());
    }
    input.body = Some(body);
    Ok(input)
}

/// Parses one NDJSON line.
pub fn parse_ndjson_line(line: &str) -> Result<ArticleInput, String> {
    serde_json::from_str(line).map_err(|e| format!("not a JSON article: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = "\n\
City Council Approves New Harbour Bridge After Long Debate\n\
\n\
By Maria Okafor (m.okafor@example.org)\n\
\n\
The council voted seven to two on Tuesday night to fund the bridge.\n\
\n\
Residents of the east bank, who have waited a decade, cheered\n\
from the public gallery.\n\
\n\
Tags\n\
Local Government, Infrastructure , Harbour\n\
Join the Discussion\n\
More Home News\n\
Some Other Story Headline\n\
\n\
Real Time Analytics";

    #[test]
    fn plain_text_layout() {
        let a = parse_plain_text(SAMPLE).expect("parses");
        assert_eq!(
            a.title.as_deref(),
            Some("City Council Approves New Harbour Bridge After Long Debate")
        );
        assert_eq!(a.authors, ["Maria Okafor"]);
        assert_eq!(a.contact_email.as_deref(), Some("m.okafor@example.org"));
        assert_eq!(a.tags, ["Local Government", "Infrastructure", "Harbour"]);
        let body = a.body.expect("body");
        assert!(body.starts_with("The council voted"));
        assert!(body.ends_with("public gallery."));
        assert!(!body.contains("Other Story"));
        assert!(!body.contains("m.okafor"));
    }

    #[test]
    fn email_only_byline_keeps_the_email_for_the_import_to_resolve() {
        let a = parse_plain_text("Title\n\nBy (desk@example.org)\n\nBody text.\n").expect("parses");
        assert!(a.authors.is_empty());
        assert_eq!(a.contact_email.as_deref(), Some("desk@example.org"));
        assert_eq!(a.body.as_deref(), Some("Body text."));
    }

    #[test]
    fn names_come_from_the_local_part() {
        assert_eq!(
            name_from_email("j.feldschreiber@lawyers.example").as_deref(),
            Some("J. Feldschreiber")
        );
        assert_eq!(
            name_from_email("maria_okafor@x.org").as_deref(),
            Some("Maria Okafor")
        );
        assert_eq!(
            name_from_email("desk+news@x.org").as_deref(),
            Some("Desk News")
        );
        assert_eq!(name_from_email("1234@x.org"), None);
    }

    #[test]
    fn more_name_news_gives_the_section() {
        let a = parse_plain_text(SAMPLE).expect("parses");
        assert_eq!(a.section.as_deref(), Some("Home News"));
        let b = parse_plain_text("T\n\nBody.\n\nJoin the Discussion\nMore World News\nX")
            .expect("parses");
        assert_eq!(b.section.as_deref(), Some("World News"));
        let c = parse_plain_text("T\n\nBody.\n").expect("parses");
        assert_eq!(c.section, None);
    }

    #[test]
    fn furniture_without_tags_is_dropped_and_by_sentences_stay() {
        let a = parse_plain_text("T\n\nBy the end of the week, all roads had reopened after the storm.\n\nJoin the Discussion\nMore Home News\nX")
            .expect("parses");
        assert!(a.authors.is_empty());
        assert_eq!(
            a.body.as_deref(),
            Some("By the end of the week, all roads had reopened after the storm.")
        );
    }

    #[test]
    fn empty_and_title_only_are_errors() {
        assert!(parse_plain_text("  \n\n").is_err());
        assert!(parse_plain_text("Just a title\n\nTags\nA, B").is_err());
    }

    #[test]
    fn ndjson_errors_are_readable() {
        assert!(parse_ndjson_line("{\"title\": \"x\"}").is_ok());
        let e = parse_ndjson_line("{\"title\": ").expect_err("truncated");
        assert!(e.contains("not a JSON article"));
        assert!(parse_ndjson_line("{\"tags\": \"not a list\"}").is_err());
    }
}
