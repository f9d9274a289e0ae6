//! Staff accounts, roles, partner keys, and who is calling (`Principal`).
//! Password hashing and tokens are the API crate's business; the rules of
//! who may do what live here.

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};

use crate::error::{DomainError, FieldError};
use crate::query::Visibility;

/// Staff roles, weakest first: `Admin > Editor > Author`.
#[derive(
    Debug,
    Clone,
    Copy,
    PartialEq,
    Eq,
    PartialOrd,
    Ord,
    Hash,
    Serialize,
    Deserialize,
    utoipa::ToSchema,
)]
#[serde(rename_all = "lowercase")]
pub enum Role {
    Author,
    Editor,
    Admin,
}

impl Role {
    pub fn as_str(self) -> &'static str {
        match self {
            Role::Author => "author",
            Role::Editor => "editor",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        match s {
            "author" => Some(Role::Author),
            "editor" => Some(Role::Editor),
            "admin" => Some(Role::Admin),
            _ => None,
        }
    }
}

/// A staff account as the rest of the system sees it (never its hash).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct User {
    pub id: i64,
    pub email: String,
    pub role: Role,
    /// The author profile this user writes as, if any.
    #[serde(skip)]
    pub author_id: Option<i64>,
    /// A disabled account cannot log in, and its tokens are refused.
    pub disabled: bool,
    /// Bumped by a password change or a revocation: a token carries the
    /// generation it was issued in and is refused once that is old.
    #[serde(skip)]
    pub token_generation: i32,
    pub created_at: DateTime<Utc>,
}

/// An e-mail address, trimmed and lowercased.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Email(String);

impl Email {
    pub fn parse(s: &str) -> Result<Email, String> {
        let s = s.trim().to_lowercase();
        let valid = s.len() <= 254
            && !s.chars().any(|c| c.is_whitespace() || c.is_control())
            && s.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.contains('@')
            });
        if valid {
            Ok(Email(s))
        } else {
            Err("must be an e-mail address".into())
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

pub const MIN_PASSWORD: usize = 10;
pub const MAX_PASSWORD: usize = 1024;

/// What is wrong with a new password, if anything.
pub fn password_error(password: &str) -> Option<FieldError> {
    (!(MIN_PASSWORD..=MAX_PASSWORD).contains(&password.chars().count())).then(|| {
        FieldError::new(
            "password",
            format!("must be {MIN_PASSWORD} to {MAX_PASSWORD} characters"),
        )
    })
}

/// Checks a new account's fields; the caller hashes the password.
pub fn validate_new_user(
    email: &str,
    password: &str,
    role: &str,
) -> Result<(Email, Role), DomainError> {
    let mut errors = Vec::new();
    let email = Email::parse(email)
        .map_err(|m| errors.push(FieldError::new("email", m)))
        .ok();
    errors.extend(password_error(password));
    let role = Role::parse(role);
    if role.is_none() {
        errors.push(FieldError::new(
            "role",
            "must be one of admin, editor, author",
        ));
    }
    match (email, role, errors.is_empty()) {
        (Some(e), Some(r), true) => Ok((e, r)),
        _ => Err(DomainError::Invalid(errors)),
    }
}

/// Checks a new partner key's fields: `(trimmed name, requests a minute)`.
pub fn validate_new_api_key(name: &str, per_minute: i32) -> Result<(String, i32), DomainError> {
    let name = name.trim();
    let mut errors = Vec::new();
    if name.is_empty() || name.chars().count() > 100 {
        errors.push(FieldError::new("name", "must be 1 to 100 characters"));
    }
    if !(1..=1_000_000).contains(&per_minute) {
        errors.push(FieldError::new(
            "rate_limit_per_minute",
            "must be between 1 and 1000000",
        ));
    }
    if errors.is_empty() {
        Ok((name.to_owned(), per_minute))
    } else {
        Err(DomainError::Invalid(errors))
    }
}

/// A partner API key as stored (its hash, never the key).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct ApiKey {
    pub id: i64,
    pub name: String,
    /// The first characters of the key, to recognise it in a list.
    pub prefix: String,
    pub rate_limit_per_minute: i32,
    pub created_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    /// What the partner may receive; everything public without one.
    pub policy: Option<crate::policy::Policy>,
}

/// A staff member acting through a token.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Staff {
    pub user_id: i64,
    pub role: Role,
}

/// Who is calling.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Principal {
    #[default]
    Anonymous,
    /// A partner with an API key: a reader with its own rate limit.
    Partner {
        key_id: i64,
    },
    Staff(Staff),
}

impl Principal {
    /// Staff preview drafts and scheduled articles; everyone else sees
    /// what is published.
    pub fn visibility_at(&self, now: DateTime<Utc>) -> Visibility {
        match self {
            Principal::Staff(_) => Visibility::Staff,
            _ => Visibility::Public { now },
        }
    }

    /// The staff member behind the call, if the role is at least `min`:
    /// 401 without a token, 403 with one that ranks too low.
    pub fn require(&self, min: Role) -> Result<Staff, DomainError> {
        match self {
            Principal::Staff(s) if s.role >= min => Ok(*s),
            Principal::Staff(_) => Err(DomainError::Forbidden(format!(
                "this needs the {} role",
                min.as_str()
            ))),
            _ => Err(DomainError::Unauthenticated(
                "this needs a staff token: POST /api/v1/auth/token".into(),
            )),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn api_key_fields_are_checked_together() {
        assert_eq!(
            validate_new_api_key("  Partner  ", 60).expect("valid"),
            ("Partner".to_owned(), 60)
        );
        match validate_new_api_key(" ", 0) {
            Err(DomainError::Invalid(errors)) => {
                let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
                assert_eq!(fields, ["name", "rate_limit_per_minute"]);
            }
            other => panic!("expected field errors, got {other:?}"),
        }
        assert!(validate_new_api_key(&"x".repeat(101), 1).is_err());
        assert!(validate_new_api_key("ok", 1_000_001).is_err());
    }

    #[test]
    fn roles_are_ordered() {
        assert!(Role::Admin > Role::Editor && Role::Editor > Role::Author);
        let editor = Principal::Staff(Staff {
            user_id: 1,
            role: Role::Editor,
        });
        assert!(editor.require(Role::Author).is_ok());
        assert!(matches!(
            editor.require(Role::Admin),
            Err(DomainError::Forbidden(_))
        ));
        assert!(matches!(
            Principal::Anonymous.require(Role::Author),
            Err(DomainError::Unauthenticated(_))
        ));
        assert!(matches!(
            Principal::Partner { key_id: 1 }.require(Role::Author),
            Err(DomainError::Unauthenticated(_))
        ));
    }

    #[test]
    fn new_users_are_validated() {
        let (email, role) =
            validate_new_user(" Ed@Example.ORG ", "long enough pw", "editor").expect("valid");
        assert_eq!((email.as_str(), role), ("ed@example.org", Role::Editor));
        let Err(DomainError::Invalid(errs)) = validate_new_user("nope", "short", "boss") else {
            panic!("expected invalid");
        };
        assert_eq!(errs.len(), 3);
        for bad in ["a@b", "@x.org", "a b@x.org", "a@@x.org"] {
            assert!(Email::parse(bad).is_err(), "{bad}");
        }
    }
}
