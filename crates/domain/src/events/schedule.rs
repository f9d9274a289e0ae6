//! When a failed delivery is tried again: the Standard Webhooks schedule,
//! with jitter so receivers coming back are not hit by every retry at once.

use std::time::Duration;

use rand::Rng;

/// Delays after the first attempt: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
/// 10 h, about 27.6 h in all.
pub const STANDARD: [u64; 7] = [5, 300, 1_800, 7_200, 18_000, 36_000, 36_000];

/// Up to this share of a delay is added or taken away at random.
const JITTER: f64 = 0.2;

#[derive(Debug, Clone, PartialEq)]
pub struct RetrySchedule {
    delays: Vec<Duration>,
}

impl Default for RetrySchedule {
    fn default() -> Self {
        RetrySchedule {
            delays: STANDARD.iter().map(|s| Duration::from_secs(*s)).collect(),
        }
    }
}

impl RetrySchedule {
    /// A schedule from comma-separated seconds (fractions allowed), e.g.
    /// `"0.2,0.5"` for tests.
    pub fn parse(text: &str) -> Result<RetrySchedule, String> {
        let delays = text
            .split(',')
            .map(|s| {
                s.trim()
                    .parse::<f64>()
                    .ok()
                    .filter(|d| d.is_finite() && *d >= 0.0 && *d <= 7.0 * 86_400.0)
                    .map(Duration::from_secs_f64)
                    .ok_or_else(|| format!("{s:?} is not a number of seconds"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        Ok(RetrySchedule { delays })
    }

    /// Attempts in all, the first included.
    pub fn attempts(&self) -> usize {
        self.delays.len() + 1
    }

    /// How long to wait after `attempts_made` attempts failed, or `None`
    /// when that was the last.
    pub fn delay_after(&self, attempts_made: usize) -> Option<Duration> {
        let base = self.delays.get(attempts_made.checked_sub(1)?)?;
        let factor = 1.0 + rand::rng().random_range(-JITTER..=JITTER);
        Some(base.mul_f64(factor))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_standard_schedule_with_jitter_then_no_more() {
        let s = RetrySchedule::default();
        assert_eq!(s.attempts(), 8);
        let first = s.delay_after(1).expect("a retry");
        assert!(first >= Duration::from_secs(4) && first <= Duration::from_secs(6));
        let last = s.delay_after(7).expect("a retry");
        assert!(last >= Duration::from_secs(28_800) && last <= Duration::from_secs(43_200));
        assert_eq!(s.delay_after(8), None);
        assert_eq!(s.delay_after(0), None);
    }

    #[test]
    fn schedules_parse_from_seconds() {
        let s = RetrySchedule::parse("0.2, 1").expect("valid");
        assert_eq!(s.attempts(), 3);
        assert!(RetrySchedule::parse("soon").is_err());
        assert!(RetrySchedule::parse("-1").is_err());
    }
}
