//! Staff accounts: who may change whom, and whether a token still speaks
//! for its account. Password hashing is the API crate's business (argon2);
//! it hands a hasher in.

use std::collections::BTreeMap;

use serde::Deserialize;
use serde_json::Value;

use crate::error::{DomainError, DomainResult, FieldError};
use crate::policy::Policy;
use crate::store::{AccountStore, TermStore, UserChange};
use crate::user::{
    password_error, validate_new_api_key, validate_new_user, ApiKey, Principal, Role, Staff, User,
};

/// Whose account a change is for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Target {
    /// The caller's own (`/users/me`).
    Me,
    Id(i64),
}

/// `PATCH /users/{id}` and `/users/me`: absent fields stay.
#[derive(Debug, Clone, Default, Deserialize, utoipa::ToSchema)]
pub struct UserPatch {
    /// `admin`, `editor` or `author` (admins only).
    #[schema(pattern = "^(admin|editor|author)$")]
    pub role: Option<String>,
    /// A disabled account cannot log in and its tokens are refused (admins only).
    pub disabled: Option<bool>,
    /// A new password; every older token of the account stops working.
    #[schema(min_length = 10, max_length = 1024)]
    pub password: Option<String>,
    #[serde(flatten)]
    #[schema(ignore)]
    pub other: BTreeMap<String, Value>,
}

/// The staff member a verified token speaks for, judged against the
/// account as it is now: it must exist, be enabled, and not have revoked
/// the token's generation. The role is the account's, not the token's.
pub fn current_staff(account: Option<&User>, token_generation: i32) -> DomainResult<Staff> {
    let unauthenticated = |m: &str| Err(DomainError::Unauthenticated(m.into()));
    match account {
        None => unauthenticated("the token's account no longer exists"),
        Some(u) if u.disabled => unauthenticated("the token's account is disabled"),
        Some(u) if u.token_generation != token_generation => {
            unauthenticated("the token was revoked (password changed?): log in again")
        }
        Some(u) => Ok(Staff {
            user_id: u.id,
            role: u.role,
        }),
    }
}

#[tracing::instrument(skip_all, fields(who = ?who))]
pub fn list_users(
    store: &(impl AccountStore + ?Sized),
    who: &Principal,
) -> DomainResult<Vec<User>> {
    who.require(Role::Admin)?;
    store.list_users()
}

/// The signed-in staff member's account; `None` for anyone else.
pub fn viewer(store: &(impl AccountStore + ?Sized), who: &Principal) -> DomainResult<Option<User>> {
    match who {
        Principal::Staff(staff) => store.user_by_id(staff.user_id),
        _ => Ok(None),
    }
}

/// A new staff account (admin).
#[tracing::instrument(skip(store, password, hash))]
pub fn create_user(
    store: &(impl AccountStore + ?Sized),
    who: &Principal,
    email: &str,
    password: &str,
    role: &str,
    hash: &dyn Fn(&str) -> DomainResult<String>,
) -> DomainResult<User> {
    who.require(Role::Admin)?;
    register(store, email, password, role, None, hash)
}

/// A new staff account with no caller to check: the CLI's first admin and
/// the demo's accounts.
pub fn register(
    store: &(impl AccountStore + ?Sized),
    email: &str,
    password: &str,
    role: &str,
    author_id: Option<i64>,
    hash: &dyn Fn(&str) -> DomainResult<String>,
) -> DomainResult<User> {
    let (email, role) = validate_new_user(email, password, role)?;
    store.create_user(email.as_str(), &hash(password)?, role, author_id)
}

/// Every partner key, revoked ones too (admin).
#[tracing::instrument(skip_all, fields(who = ?who))]
pub fn list_api_keys(
    store: &(impl AccountStore + ?Sized),
    who: &Principal,
) -> DomainResult<Vec<ApiKey>> {
    who.require(Role::Admin)?;
    store.list_api_keys()
}

/// Shown once, when created: the key itself is only stored hashed.
pub const API_KEY_PREFIX_CHARS: usize = 12;

/// A new partner key (admin). `key` and `hash` come from the caller's
/// generator; the key is kept only as its hash and its first characters.
/// A policy naming a section or tag that does not exist is refused.
#[tracing::instrument(skip(store, key, hash))]
pub fn create_api_key(
    store: &(impl AccountStore + TermStore + ?Sized),
    who: &Principal,
    new: NewApiKey,
    key: &str,
    hash: &str,
) -> DomainResult<ApiKey> {
    who.require(Role::Admin)?;
    let (name, limit) = validate_new_api_key(&new.name, new.per_minute)?;
    let policy = new.policy.map(|p| p.check(store)).transpose()?;
    let prefix: String = key.chars().take(API_KEY_PREFIX_CHARS).collect();
    store.create_api_key(&name, &prefix, hash, limit, policy.as_ref())
}

/// What an admin asks for in a new partner key.
#[derive(Debug, Clone)]
pub struct NewApiKey {
    pub name: String,
    pub per_minute: i32,
    pub policy: Option<Policy>,
}

/// Revokes a live key (admin); an unknown id or a key already revoked is
/// not found.
#[tracing::instrument(skip(store))]
pub fn revoke_api_key(
    store: &(impl AccountStore + ?Sized),
    who: &Principal,
    id: &str,
) -> DomainResult<()> {
    who.require(Role::Admin)?;
    let not_found = || DomainError::NotFound("live API key".into());
    let id: i64 = id.parse().map_err(|_| not_found())?;
    if store.revoke_api_key(id)? {
        Ok(())
    } else {
        Err(not_found())
    }
}

/// Checks a patch's fields; the password comes back in clear for hashing.
fn parse_patch(patch: UserPatch, staff: Staff) -> DomainResult<(Option<Role>, Option<String>)> {
    let mut errors: Vec<FieldError> = patch
        .other
        .keys()
        .map(|k| FieldError::new(k, "is not a field that can be changed"))
        .collect();
    let role = match patch.role.as_deref().map(Role::parse) {
        Some(None) => {
            errors.push(FieldError::new(
                "role",
                "must be one of admin, editor, author",
            ));
            None
        }
        other => other.flatten(),
    };
    errors.extend(patch.password.as_deref().and_then(password_error));
    if patch.role.is_none() && patch.disabled.is_none() && patch.password.is_none() {
        errors.push(FieldError::new(
            "body",
            "names nothing to change: role, disabled or password",
        ));
    }
    if !errors.is_empty() {
        return Err(DomainError::Invalid(errors));
    }
    if (patch.role.is_some() || patch.disabled.is_some()) && staff.role != Role::Admin {
        return Err(DomainError::Forbidden(
            "only an admin changes roles or disables accounts".into(),
        ));
    }
    Ok((role, patch.password))
}

/// Changes an account: admins any account's role, state and password,
/// every staff member their own password. A new password revokes the
/// account's older tokens. The last enabled admin cannot be demoted or
/// disabled, so the newsroom never locks itself out.
#[tracing::instrument(skip_all, fields(who = ?who, target = ?target))]
pub fn update_user(
    store: &(impl AccountStore + ?Sized),
    who: &Principal,
    target: Target,
    patch: UserPatch,
    hash: &dyn Fn(&str) -> DomainResult<String>,
) -> DomainResult<User> {
    let staff = who.require(Role::Author)?;
    let id = match target {
        Target::Me => staff.user_id,
        Target::Id(id) => {
            who.require(Role::Admin)?;
            id
        }
    };
    let disabled = patch.disabled;
    let (role, password) = parse_patch(patch, staff)?;
    let current = store
        .user_by_id(id)?
        .ok_or_else(|| DomainError::NotFound("user".into()))?;
    let stays_admin =
        role.unwrap_or(current.role) == Role::Admin && !disabled.unwrap_or(current.disabled);
    if is_live_admin(&current) && !stays_admin {
        last_admin_guard(store)?;
    }
    let change = UserChange {
        role,
        disabled,
        password_hash: password.as_deref().map(hash).transpose()?,
        revoke_tokens: password.is_some(),
    };
    store
        .update_user(id, &change)?
        .ok_or_else(|| DomainError::NotFound("user".into()))
}

/// Deletes an account (admin). Its articles keep their bylines.
#[tracing::instrument(skip_all, fields(who = ?who, id))]
pub fn delete_user(
    store: &(impl AccountStore + ?Sized),
    who: &Principal,
    id: i64,
) -> DomainResult<()> {
    who.require(Role::Admin)?;
    let current = store
        .user_by_id(id)?
        .ok_or_else(|| DomainError::NotFound("user".into()))?;
    if is_live_admin(&current) {
        last_admin_guard(store)?;
    }
    if store.delete_user(id)? {
        Ok(())
    } else {
        Err(DomainError::NotFound("user".into()))
    }
}

fn is_live_admin(u: &User) -> bool {
    u.role == Role::Admin && !u.disabled
}

fn last_admin_guard(store: &(impl AccountStore + ?Sized)) -> DomainResult<()> {
    let live = store
        .list_users()?
        .iter()
        .filter(|u| is_live_admin(u))
        .count();
    if live <= 1 {
        return Err(DomainError::Conflict(
            "this is the last enabled admin: make another admin first".into(),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn user(role: Role, disabled: bool, generation: i32) -> User {
        User {
            id: 7,
            email: "a@example.org".into(),
            role,
            author_id: None,
            disabled,
            token_generation: generation,
            created_at: chrono::DateTime::UNIX_EPOCH,
        }
    }

    #[test]
    fn a_token_follows_its_account() {
        let editor = user(Role::Editor, false, 2);
        let staff = current_staff(Some(&editor), 2).expect("current");
        assert_eq!(staff.role, Role::Editor);
        assert!(
            current_staff(Some(&editor), 1).is_err(),
            "an older generation"
        );
        assert!(current_staff(Some(&user(Role::Admin, true, 2)), 2).is_err());
        assert!(matches!(
            current_staff(None, 0),
            Err(DomainError::Unauthenticated(_))
        ));
    }

    #[test]
    fn patches_are_checked_before_anything_changes() {
        let author = Staff {
            user_id: 7,
            role: Role::Author,
        };
        let bad = UserPatch {
            role: Some("boss".into()),
            password: Some("short".into()),
            other: [("email".to_owned(), Value::from("x"))].into(),
            ..Default::default()
        };
        let Err(DomainError::Invalid(errors)) = parse_patch(bad, author) else {
            panic!("expected field errors");
        };
        let fields: Vec<_> = errors.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["email", "role", "password"]);
        assert!(matches!(
            parse_patch(UserPatch::default(), author),
            Err(DomainError::Invalid(_))
        ));
        let promote = UserPatch {
            role: Some("admin".into()),
            ..Default::default()
        };
        assert!(matches!(
            parse_patch(promote, author),
            Err(DomainError::Forbidden(_))
        ));
        let own = UserPatch {
            password: Some("a long new password".into()),
            ..Default::default()
        };
        assert_eq!(
            parse_patch(own, author).expect("own password").1.as_deref(),
            Some("a long new password")
        );
    }
}
