//! The time the services are asked about. A server reads the system clock;
//! a test moves its own server's clock forward instead of sleeping, so a
//! scheduled article comes due at once and other tests are unaffected.

use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;

use chrono::{DateTime, TimeDelta, Utc};

use crate::article::to_micros;

#[derive(Debug, Clone, Default)]
pub struct Clock {
    ahead_micros: Arc<AtomicI64>,
}

impl Clock {
    /// Now, to the microsecond both backends store.
    pub fn now(&self) -> DateTime<Utc> {
        let ahead = TimeDelta::microseconds(self.ahead_micros.load(Ordering::Relaxed));
        to_micros(Utc::now() + ahead)
    }

    /// Moves this clock (and every copy of it) forward.
    pub fn advance(&self, by: TimeDelta) {
        let micros = by.num_microseconds().unwrap_or(i64::MAX);
        self.ahead_micros.fetch_add(micros, Ordering::Relaxed);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn advancing_moves_every_copy() {
        let clock = Clock::default();
        let copy = clock.clone();
        let before = copy.now();
        clock.advance(TimeDelta::days(1));
        let after = copy.now();
        assert!(after - before >= TimeDelta::days(1));
        assert!(after - before < TimeDelta::days(1) + TimeDelta::minutes(1));
    }
}
