//! Logging in, for REST (`POST /auth/token`) and GraphQL (`login`) alike:
//! a password check throttled per account and per client address
//! (`throttle`). While locked, attempts are refused with 429 before any
//! password is checked, so a guess made then says nothing.

use std::time::{Duration, Instant};

use actix_web::http::StatusCode;
use actix_web::web;
use newsdesk_domain::user::Email;

use crate::error::ApiError;
use crate::state::AppState;
use crate::throttle::keys;

pub use crate::throttle::{FREE_ACCOUNT_FAILURES, FREE_ADDRESS_FAILURES, MAX_LOCK};

fn locked_error(wait: Duration) -> ApiError {
    let secs = wait.as_secs() + u64::from(wait.subsec_nanos() > 0);
    let mut e = ApiError::new(
        StatusCode::TOO_MANY_REQUESTS,
        format!("too many failed logins; try again in {secs} s"),
    );
    e.retry_after = Some(secs.max(1));
    e
}

/// Logs in from `address`: the same 401 for an unknown e-mail and a wrong
/// password, 429 while the account or the address is locked.
pub async fn login(
    state: &AppState,
    email: String,
    password: String,
    address: &str,
) -> Result<(String, u64), ApiError> {
    let parsed = Email::parse(&email);
    let keys = keys(&parsed, &email, address);
    let throttle = &state.auth.logins;
    if let Some(wait) = throttle.locked(&keys, Instant::now()) {
        return Err(locked_error(wait));
    }
    let found = match parsed {
        Ok(email) => {
            state
                .run(move |store| store.user_by_email(email.as_str()))
                .await?
        }
        Err(_) => None,
    };
    let auth = state.auth.clone();
    let (user, hash) = found.map_or((None, None), |(u, h)| (Some(u), Some(h)));
    let ok = web::block(move || auth.check_password(&password, hash.as_deref()))
        .await
        .map_err(ApiError::internal)?;
    match (ok, user) {
        (true, Some(user)) => {
            throttle.succeeded(&keys[0].0);
            if user.disabled {
                return Err(ApiError::new(
                    StatusCode::UNAUTHORIZED,
                    "this account is disabled",
                ));
            }
            state.auth.issue(&user)
        }
        _ => {
            throttle.failed(&keys, Instant::now());
            Err(ApiError::new(
                StatusCode::UNAUTHORIZED,
                "invalid e-mail or password",
            ))
        }
    }
}
