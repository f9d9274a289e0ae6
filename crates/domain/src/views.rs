//! Page views and most-read: the windows a list is read over, the minute
//! buckets views are counted in, and the sentence a widget shows.

use chrono::{DateTime, Utc};
use serde::Serialize;

use crate::article::ArticleView;
use crate::error::{DomainError, DomainResult, FieldError};

/// A minute bucket: minutes since the Unix epoch.
pub fn minute_of(t: DateTime<Utc>) -> i64 {
    t.timestamp().div_euclid(60)
}

/// Minute buckets older than this are rolled into hours, hours older than
/// `DAYS_AFTER` into days.
pub const HOURS_AFTER_MINUTES: i64 = 48 * 60;
pub const DAYS_AFTER_MINUTES: i64 = 30 * 24 * 60;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, utoipa::ToSchema)]
pub enum Window {
    #[serde(rename = "1h")]
    Hour,
    #[serde(rename = "24h")]
    Day,
    #[serde(rename = "7d")]
    Week,
}

impl Window {
    pub const ALL: [Window; 3] = [Window::Hour, Window::Day, Window::Week];

    pub fn as_str(self) -> &'static str {
        match self {
            Window::Hour => "1h",
            Window::Day => "24h",
            Window::Week => "7d",
        }
    }

    /// `1h`, `24h` or `7d` (the default when absent), or 422.
    pub fn parse(raw: Option<&str>) -> DomainResult<Window> {
        match raw.map(str::trim) {
            None | Some("") => Ok(Window::Day),
            Some(s) => Self::ALL
                .into_iter()
                .find(|w| w.as_str() == s)
                .ok_or_else(|| {
                    DomainError::Invalid(vec![FieldError::new("window", "one of 1h, 24h, 7d")])
                }),
        }
    }

    pub fn minutes(self) -> i64 {
        match self {
            Window::Hour => 60,
            Window::Day => 24 * 60,
            Window::Week => 7 * 24 * 60,
        }
    }

    fn phrase(self) -> &'static str {
        match self {
            Window::Hour => "in the last hour",
            Window::Day => "in the last 24 hours",
            Window::Week => "in the last 7 days",
        }
    }

    /// What a most-read widget can print: "1,240 views in the last hour".
    pub fn reason(self, views: i64) -> String {
        let noun = if views == 1 { "view" } else { "views" };
        format!("{} {noun} {}", thousands(views), self.phrase())
    }
}

fn thousands(n: i64) -> String {
    let digits = n.unsigned_abs().to_string();
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    if n < 0 {
        out.insert(0, '-');
    }
    out
}

/// One entry of a most-read list.
#[derive(Debug, Clone, PartialEq, Serialize, utoipa::ToSchema)]
pub struct MostRead {
    pub article: ArticleView,
    pub views: i64,
    pub reason: String,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reasons_read_well() {
        assert_eq!(Window::Hour.reason(1240), "1,240 views in the last hour");
        assert_eq!(Window::Week.reason(1), "1 view in the last 7 days");
        assert_eq!(
            Window::Day.reason(1_000_000),
            "1,000,000 views in the last 24 hours"
        );
        assert_eq!(Window::Day.reason(999), "999 views in the last 24 hours");
    }

    #[test]
    fn windows_parse() {
        assert_eq!(Window::parse(None).ok(), Some(Window::Day));
        assert_eq!(Window::parse(Some("1h")).ok(), Some(Window::Hour));
        assert!(Window::parse(Some("2h")).is_err());
        assert_eq!(minute_of(DateTime::from_timestamp(125, 0).expect("t")), 2);
    }
}
