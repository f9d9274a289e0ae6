//! URL slugs: lowercase ASCII letters, digits and single hyphens.

use std::fmt;

use serde::{Deserialize, Serialize};

pub const MAX_SLUG_LEN: usize = 120;

#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub struct Slug(String);

impl Slug {
    /// Accepts a slug exactly as given, or says why not.
    pub fn parse(s: &str) -> Result<Slug, String> {
        if s.is_empty() {
            return Err("must not be empty".into());
        }
        if s.len() > MAX_SLUG_LEN {
            return Err(format!("must be at most {MAX_SLUG_LEN} characters"));
        }
        if !s
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
        {
            return Err("may contain only lowercase letters, digits and hyphens".into());
        }
        if s.starts_with('-') || s.ends_with('-') || s.contains("--") {
            return Err("must not start or end with a hyphen or repeat one".into());
        }
        Ok(Slug(s.to_owned()))
    }

    /// Makes a slug from free text (a title, a tag name). Accented Latin
    /// letters fold to their base letter; anything else separates words.
    /// Text with no usable character gives `None`.
    pub fn from_text(text: &str) -> Option<Slug> {
        let mut out = String::with_capacity(text.len());
        let mut pending_dash = false;
        for c in text.chars().flat_map(fold_char) {
            if c.is_ascii_alphanumeric() {
                if pending_dash && !out.is_empty() {
                    out.push('-');
                }
                pending_dash = false;
                out.push(c.to_ascii_lowercase());
                if out.len() >= MAX_SLUG_LEN {
                    break;
                }
            } else if c != '\'' && c != '’' {
                // Apostrophes join ("Sunday's" -> "sundays"); everything else splits.
                pending_dash = true;
            }
        }
        out.truncate(MAX_SLUG_LEN);
        let out = out.trim_end_matches('-');
        if out.is_empty() {
            None
        } else {
            Some(Slug(out.to_owned()))
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The same slug with a numeric suffix, used to make a taken slug unique.
    pub fn with_suffix(&self, n: u32) -> Slug {
        let suffix = format!("-{n}");
        let mut base = self.0.clone();
        base.truncate(MAX_SLUG_LEN - suffix.len());
        let base = base.trim_end_matches('-');
        Slug(format!("{base}{suffix}"))
    }
}

fn fold_char(c: char) -> impl Iterator<Item = char> {
    let folded: &str = match c {
        'à' | 'á' | 'â' | 'ã' | 'ä' | 'å' | 'À' | 'Á' | 'Â' | 'Ã' | 'Ä' | 'Å' => "a",
        'æ' | 'Æ' => "ae",
        'ç' | 'Ç' | 'č' | 'Č' | 'ć' | 'Ć' => "c",
        'è' | 'é' | 'ê' | 'ë' | 'È' | 'É' | 'Ê' | 'Ë' | 'ě' | 'ę' => "e",
        'ì' | 'í' | 'î' | 'ï' | 'Ì' | 'Í' | 'Î' | 'Ï' => "i",
        'ñ' | 'Ñ' | 'ń' => "n",
        'ò' | 'ó' | 'ô' | 'õ' | 'ö' | 'ø' | 'Ò' | 'Ó' | 'Ô' | 'Õ' | 'Ö' | 'Ø' => "o",
        'ù' | 'ú' | 'û' | 'ü' | 'Ù' | 'Ú' | 'Û' | 'Ü' | 'ů' => "u",
        'ý' | 'ÿ' | 'Ý' => "y",
        'ß' => "ss",
        'š' | 'Š' | 'ś' => "s",
        'ž' | 'Ž' | 'ź' | 'ż' => "z",
        'ł' | 'Ł' => "l",
        'ř' | 'Ř' => "r",
        '&' => " and ",
        _ => "",
    };
    let single = if folded.is_empty() { Some(c) } else { None };
    folded.chars().chain(single)
}

impl fmt::Display for Slug {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl TryFrom<String> for Slug {
    type Error = String;
    fn try_from(value: String) -> Result<Self, Self::Error> {
        Slug::parse(&value)
    }
}

impl From<Slug> for String {
    fn from(s: Slug) -> String {
        s.0
    }
}

impl AsRef<str> for Slug {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn from_text_folds_accents_and_collapses_separators() {
        let s = Slug::from_text("  Stéphane Dujarric: U.N. & Crimea's  vote!! ").map(String::from);
        assert_eq!(s.as_deref(), Some("stephane-dujarric-u-n-and-crimeas-vote"));
    }

    #[test]
    fn from_text_of_symbols_only_is_none() {
        assert_eq!(Slug::from_text("!!! ---"), None);
    }

    #[test]
    fn parse_rejects_bad_slugs() {
        for bad in [
            "",
            "Upper",
            "a--b",
            "-a",
            "a-",
            "a b",
            "ü",
            &"a".repeat(121),
        ] {
            assert!(Slug::parse(bad).is_err(), "{bad:?} should be rejected");
        }
        assert!(Slug::parse("home-news-2").is_ok());
    }

    #[test]
    fn made_slugs_always_parse() {
        for text in [
            "Hello, World",
            "É",
            "2024 eclipse — traffic",
            &"word ".repeat(100),
        ] {
            let s = Slug::from_text(text).expect("has letters");
            assert!(Slug::parse(s.as_str()).is_ok(), "{s} from {text:?}");
        }
    }

    #[test]
    fn suffix_keeps_length_limit() {
        let long = Slug::from_text(&"abc ".repeat(60)).expect("letters");
        let s = long.with_suffix(12);
        assert!(s.as_str().ends_with("-12"));
        assert!(Slug::parse(s.as_str()).is_ok());
    }
}
