//! Rate limits that hold across nodes sharing one PostgreSQL. Each node
//! keeps its own limiter (GCRA, smooth) and also counts what it admits per
//! key in the current minute. Once a second it writes its counts and reads
//! the other nodes' (`ClusterStore::share_counts`); a request is refused
//! when this node's count plus the others' reaches the limit. So the
//! cluster admits at most the limit a minute per key, give or take what
//! other nodes admitted in the last second. On SQLite there is one node
//! and this is off.

use std::collections::{HashMap, HashSet};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use rand::RngCore;

use crate::state::AppState;

const WINDOW: i64 = 60;
const SHARE_EVERY: Duration = Duration::from_secs(1);

#[derive(Default)]
struct Window {
    start: i64,
    mine: HashMap<String, i64>,
    changed: HashSet<String>,
    others: HashMap<String, i64>,
}

pub struct SharedLimits {
    node: String,
    window: Mutex<Window>,
}

impl Default for SharedLimits {
    fn default() -> Self {
        let mut id = [0u8; 8];
        rand::rng().fill_bytes(&mut id);
        SharedLimits {
            node: id.iter().map(|b| format!("{b:02x}")).collect(),
            window: Mutex::default(),
        }
    }
}

fn window_of(now: i64) -> i64 {
    now - now.rem_euclid(WINDOW)
}

impl Window {
    /// Starts the window `start` if it is newer than this one.
    fn roll(&mut self, start: i64) {
        if start > self.start {
            *self = Window {
                start,
                ..Default::default()
            };
        }
    }
}

impl SharedLimits {
    /// Counts one request of `key` at `now` (Unix seconds), or refuses it
    /// with the seconds until the window ends when the cluster has
    /// admitted `limit` this minute.
    pub fn admit(&self, key: &str, limit: u32, now: i64) -> Result<(), u64> {
        let Ok(mut w) = self.window.lock() else {
            return Ok(());
        };
        let start = window_of(now);
        w.roll(start);
        let mine = w.mine.get(key).copied().unwrap_or(0);
        let others = w.others.get(key).copied().unwrap_or(0);
        if mine + others >= i64::from(limit) {
            return Err(u64::try_from(start + WINDOW - now).unwrap_or(1).max(1));
        }
        w.mine.insert(key.to_owned(), mine + 1);
        w.changed.insert(key.to_owned());
        Ok(())
    }

    /// This node's counts that changed since the last call.
    fn changed(&self, now: i64) -> (i64, Vec<(String, i64)>) {
        let Ok(mut w) = self.window.lock() else {
            return (window_of(now), Vec::new());
        };
        w.roll(window_of(now));
        let keys: Vec<String> = w.changed.drain().collect();
        let counts = keys
            .into_iter()
            .filter_map(|k| Some((k.clone(), *w.mine.get(&k)?)))
            .collect();
        (w.start, counts)
    }

    fn learn(&self, window: i64, others: Vec<(String, i64)>) {
        if let Ok(mut w) = self.window.lock() {
            w.roll(window);
            if w.start == window {
                w.others = others.into_iter().collect();
            }
        }
    }
}

/// Shares this node's counts once a second until the server closes.
pub async fn run(state: AppState, shared: Arc<SharedLimits>) {
    let mut closing = state.push.closing();
    loop {
        tokio::select! {
            _ = tokio::time::sleep(SHARE_EVERY) => {}
            _ = closing.wait_for(|c| *c) => return,
        }
        let (window, counts) = shared.changed(state.now().timestamp());
        let node = shared.node.clone();
        match state
            .run(move |s| s.share_counts(&node, window, &counts))
            .await
        {
            Ok(others) => shared.learn(window, others),
            Err(e) => tracing::warn!(error = %e.detail, "could not share rate-limit counts"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_limit_counts_other_nodes_and_resets_each_minute() {
        let shared = SharedLimits::default();
        let t = window_of(1_800_000_042);
        // What other nodes admitted counts before this node admits any.
        shared.learn(t, vec![("ip:a".into(), 1)]);
        assert_eq!(shared.admit("ip:a", 3, t), Ok(()));
        assert_eq!(shared.admit("ip:a", 3, t + 1), Ok(()));
        assert_eq!(shared.admit("ip:a", 3, t + 2), Err(58));
        assert_eq!(shared.admit("ip:b", 3, t + 2), Ok(()));
        let (window, counts) = shared.changed(t + 3);
        assert_eq!(window, t);
        assert!(counts.contains(&("ip:a".into(), 2)));
        shared.learn(t - 60, vec![("ip:b".into(), 9)]);
        assert_eq!(
            shared.admit("ip:b", 3, t + 4),
            Ok(()),
            "a past window is ignored"
        );
        assert_eq!(shared.admit("ip:a", 3, t + 60), Ok(()), "a new minute");
    }
}
