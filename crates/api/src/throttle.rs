//! Failed-login counts, per account and per client address, kept in this
//! process (see `login` for the policy they serve).
//!
//! A few failures are free; after that every further failure locks the
//! account (or the address) for twice as long as the last, up to
//! `MAX_LOCK`. Unknown e-mails are counted exactly like known ones, so the
//! throttle never tells whether an account exists. Failures are forgotten
//! after `FORGET_AFTER` of quiet. Behind several nodes an attacker gets
//! each node's allowance, still a handful of guesses an hour.

use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newsdesk_domain::user::Email;

/// Failed logins an account may have before it is locked.
pub const FREE_ACCOUNT_FAILURES: u32 = 5;
/// Failed logins an address may have (over any accounts) before it is locked.
pub const FREE_ADDRESS_FAILURES: u32 = 20;
/// The longest lock.
pub const MAX_LOCK: Duration = Duration::from_secs(15 * 60);
const FORGET_AFTER: Duration = Duration::from_secs(60 * 60);

#[derive(Debug, Default)]
struct Failures {
    count: u32,
    locked_until: Option<Instant>,
}

/// Failed-login counts per account and per address.
pub struct LoginThrottle {
    failures: moka::sync::Cache<String, Arc<Mutex<Failures>>>,
}

impl Default for LoginThrottle {
    fn default() -> Self {
        LoginThrottle {
            failures: moka::sync::Cache::builder()
                .max_capacity(100_000)
                .time_to_idle(FORGET_AFTER)
                .build(),
        }
    }
}

/// The lock after `count` failures when `free` are allowed.
fn lock_for(count: u32, free: u32) -> Option<Duration> {
    let over = count.checked_sub(free).filter(|n| *n > 0)?;
    let secs = 1u64.checked_shl(over - 1).unwrap_or(u64::MAX);
    Some(Duration::from_secs(secs).min(MAX_LOCK))
}

impl LoginThrottle {
    fn entry(&self, key: &str) -> Arc<Mutex<Failures>> {
        self.failures.get_with(key.to_owned(), Default::default)
    }

    /// How long until these keys may try again, if any is locked.
    pub fn locked(&self, keys: &[(String, u32)], now: Instant) -> Option<Duration> {
        keys.iter()
            .filter_map(|(key, _)| self.failures.get(key))
            .filter_map(|f| f.lock().ok().and_then(|f| f.locked_until))
            .filter(|until| *until > now)
            .map(|until| until - now)
            .max()
    }

    /// Counts a failure against every key, locking those past their allowance.
    pub fn failed(&self, keys: &[(String, u32)], now: Instant) {
        for (key, free) in keys {
            let entry = self.entry(key);
            let Ok(mut f) = entry.lock() else { continue };
            f.count = f.count.saturating_add(1);
            if let Some(lock) = lock_for(f.count, *free) {
                f.locked_until = Some(now + lock);
            }
        }
    }

    /// A right password clears the account's count (not the address's).
    pub fn succeeded(&self, account_key: &str) {
        self.failures.invalidate(account_key);
    }
}

/// The throttle's keys; an e-mail that does not parse is counted under
/// its trimmed, lowercased text, like one that does.
pub fn keys(email: &Result<Email, String>, raw: &str, address: &str) -> [(String, u32); 2] {
    let account = match email {
        Ok(e) => e.as_str().to_owned(),
        Err(_) => raw.trim().to_lowercase(),
    };
    [
        (format!("account:{account}"), FREE_ACCOUNT_FAILURES),
        (format!("address:{address}"), FREE_ADDRESS_FAILURES),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn locks_grow_after_the_free_failures_and_stop_at_the_cap() {
        assert_eq!(lock_for(5, 5), None);
        assert_eq!(lock_for(6, 5), Some(Duration::from_secs(1)));
        assert_eq!(lock_for(8, 5), Some(Duration::from_secs(4)));
        assert_eq!(lock_for(200, 5), Some(MAX_LOCK));
    }

    #[test]
    fn an_account_is_locked_with_a_clock_we_control() {
        let t = LoginThrottle::default();
        let raw = "Ed@Example.org ";
        let keys = keys(&Email::parse(raw), raw, "10.0.0.1");
        assert_eq!(keys[0].0, "account:ed@example.org");
        let start = Instant::now();
        for _ in 0..FREE_ACCOUNT_FAILURES {
            assert_eq!(t.locked(&keys, start), None);
            t.failed(&keys, start);
        }
        assert_eq!(t.locked(&keys, start), None);
        t.failed(&keys, start);
        assert_eq!(t.locked(&keys, start), Some(Duration::from_secs(1)));
        assert_eq!(t.locked(&keys, start + Duration::from_secs(1)), None);
        t.failed(&keys, start + Duration::from_secs(1));
        assert_eq!(
            t.locked(&keys, start + Duration::from_secs(1)),
            Some(Duration::from_secs(2))
        );
        t.succeeded(&keys[0].0);
        assert_eq!(t.locked(&keys, start + Duration::from_secs(1)), None);
    }
}
