//! Readers' comments: what a submission must be, and how one is shown.
//! Bodies are plain text, kept as written and escaped when served.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, DomainResult, FieldError};

pub const BODY_MAX_CHARS: usize = 5_000;
pub const NAME_MAX_CHARS: usize = 100;
pub const EMAIL_MAX_CHARS: usize = 254;
/// Replies to replies, five deep at most.
pub const MAX_DEPTH: i32 = 5;
/// More links than this and a comment goes straight to spam.
pub const MAX_LINKS: usize = 2;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CommentStatus {
    Pending,
    Approved,
    Rejected,
    Spam,
}

impl CommentStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            CommentStatus::Pending => "pending",
            CommentStatus::Approved => "approved",
            CommentStatus::Rejected => "rejected",
            CommentStatus::Spam => "spam",
        }
    }

    pub fn parse(s: &str) -> Option<CommentStatus> {
        use CommentStatus::*;
        [Pending, Approved, Rejected, Spam]
            .into_iter()
            .find(|k| k.as_str() == s)
    }

    /// A status from a caller, or 422 naming `field`.
    pub fn parse_field(field: &str, s: &str) -> DomainResult<CommentStatus> {
        Self::parse(s.trim()).ok_or_else(|| {
            DomainError::Invalid(vec![FieldError::new(
                field,
                "one of pending, approved, rejected, spam",
            )])
        })
    }
}

/// A comment as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CommentRecord {
    pub id: i64,
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author_name: String,
    pub author_email: Option<String>,
    pub body: String,
    pub status: CommentStatus,
    pub created_at: DateTime<Utc>,
}

/// A comment to store, checked.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NewComment {
    pub article_id: i64,
    pub parent_id: Option<i64>,
    pub depth: i32,
    pub author_name: String,
    pub author_email: Option<String>,
    pub body: String,
    pub status: CommentStatus,
    pub client: String,
    pub created_at: DateTime<Utc>,
}

/// What a reader sends.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CommentInput {
    pub author_name: Option<String>,
    /// Never shown to anyone but editors.
    pub author_email: Option<String>,
    /// Plain text; markup is shown as written, never run.
    pub body: Option<String>,
    /// The comment this one answers (`id` of an approved comment of the same article).
    pub parent_id: Option<String>,
    /// Leave empty. Forms hide it from people; bots fill it in.
    pub website: Option<String>,
}

/// A submission's checked fields, and whether it looks like spam.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct CheckedComment {
    pub author_name: String,
    pub author_email: Option<String>,
    pub body: String,
    pub parent_id: Option<i64>,
    pub spam: bool,
}

impl CommentInput {
    pub fn check(self) -> DomainResult<CheckedComment> {
        let mut errors = Vec::new();
        let name = self.author_name.unwrap_or_default().trim().to_owned();
        if name.is_empty() || name.chars().count() > NAME_MAX_CHARS {
            errors.push(FieldError::new(
                "author_name",
                format!("1 to {NAME_MAX_CHARS} characters"),
            ));
        }
        let email = self
            .author_email
            .map(|e| e.trim().to_owned())
            .filter(|e| !e.is_empty());
        if email.as_ref().is_some_and(|e| !plausible_email(e)) {
            errors.push(FieldError::new("author_email", "not an e-mail address"));
        }
        let body = self.body.unwrap_or_default();
        let chars = body.trim().chars().count();
        if chars == 0 || body.chars().count() > BODY_MAX_CHARS {
            errors.push(FieldError::new(
                "body",
                format!("1 to {BODY_MAX_CHARS} characters"),
            ));
        }
        let parent_id = match self.parent_id.as_deref().map(str::trim) {
            None | Some("") => None,
            Some(p) => match p.parse::<i64>() {
                Ok(id) if id > 0 => Some(id),
                _ => {
                    errors.push(FieldError::new("parent_id", "not a comment id"));
                    None
                }
            },
        };
        if !errors.is_empty() {
            return Err(DomainError::Invalid(errors));
        }
        let honeypot = self.website.is_some_and(|w| !w.trim().is_empty());
        Ok(CheckedComment {
            spam: honeypot || links_in(&body) > MAX_LINKS,
            author_name: name,
            author_email: email,
            body,
            parent_id,
        })
    }
}

fn plausible_email(e: &str) -> bool {
    e.chars().count() <= EMAIL_MAX_CHARS
        && e.split_once('@')
            .is_some_and(|(local, domain)| !local.is_empty() && domain.contains('.'))
        && !e.chars().any(char::is_whitespace)
}

/// How many links a text holds: URLs with a scheme, and bare `www.` hosts.
pub fn links_in(text: &str) -> usize {
    let lower = text.to_ascii_lowercase();
    lower.matches("http://").count()
        + lower.matches("https://").count()
        + lower
            .split(|c: char| c.is_whitespace() || c == '(' || c == '<')
            .filter(|w| w.starts_with("www."))
            .count()
}

/// A comment as readers see it: no e-mail, the body escaped.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct CommentView {
    pub id: String,
    pub parent_id: Option<String>,
    pub depth: i32,
    pub author_name: String,
    /// As written: plain text.
    pub body: String,
    /// The body as HTML: escaped, paragraphs and line breaks kept, no markup of the reader's.
    pub body_html: String,
    pub status: CommentStatus,
    pub created_at: DateTime<Utc>,
}

impl From<CommentRecord> for CommentView {
    fn from(c: CommentRecord) -> CommentView {
        CommentView {
            id: c.id.to_string(),
            parent_id: c.parent_id.map(|p| p.to_string()),
            depth: c.depth,
            author_name: c.author_name,
            body_html: text_html(&c.body),
            body: c.body,
            status: c.status,
            created_at: c.created_at,
        }
    }
}

/// Plain text as HTML: every character escaped, blank lines as paragraphs.
pub fn text_html(text: &str) -> String {
    text.replace("\r\n", "\n")
        .split("\n\n")
        .map(str::trim)
        .filter(|p| !p.is_empty())
        .map(|p| {
            format!(
                "<p>{}</p>",
                crate::body::escape_html(p).replace('\n', "<br>")
            )
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn input(body: &str) -> CommentInput {
        CommentInput {
            author_name: Some("Ana".into()),
            body: Some(body.into()),
            ..Default::default()
        }
    }

    #[test]
    fn markup_is_escaped_never_live() {
        let html = text_html("<script>alert(1)</script>\n<img src=x onerror=alert(2)>\n\nbye");
        assert!(!html.contains("<script"));
        assert!(!html.contains("<img"));
        assert!(html.contains("&lt;script&gt;"));
        assert!(html.ends_with("<p>bye</p>"));
    }

    #[test]
    fn links_honeypots_and_limits() {
        assert!(!input("See https://a.example").check().expect("ok").spam);
        let many = "https://a.example http://b.example www.c.example";
        assert!(input(many).check().expect("ok").spam);
        let mut bot = input("hello");
        bot.website = Some("http://spam.example".into());
        assert!(bot.check().expect("ok").spam);
        assert!(input("").check().is_err());
        assert!(input(&"x".repeat(BODY_MAX_CHARS + 1)).check().is_err());
        let mut bad = input("fine");
        bad.author_email = Some("not-an-address".into());
        bad.parent_id = Some("x".into());
        let Err(DomainError::Invalid(errors)) = bad.check() else {
            panic!("refused");
        };
        let fields: Vec<&str> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["author_email", "parent_id"]);
    }
}
