//! Follows the outbox on this node: writes the `article.published` of
//! schedules that came due, and hands every new event to live clients.

use std::sync::atomic::Ordering;
use std::sync::Arc;
use std::time::Duration;

use super::{idle, LiveEvent};
use crate::state::AppState;

const TICK: Duration = Duration::from_secs(1);
const BATCH: u32 = 200;

pub async fn run(state: AppState) {
    let push = state.push.clone();
    let mut closing = push.closing();
    // Live clients hear of what happens from now on; older events are
    // theirs to ask for with Last-Event-ID.
    match state.run(|s| s.last_seq()).await {
        Ok(seq) => push.seen.store(seq, Ordering::Release),
        Err(e) => tracing::warn!(error = %e.detail, "cannot read the outbox position"),
    }
    let mut ticks: u64 = 0;
    while idle(&push.pump_wake, &mut closing, TICK).await {
        ticks += 1;
        let now = state.now();
        if let Err(e) = state.run(move |s| s.fire_due(now)).await {
            tracing::warn!(error = %e.detail, "could not publish what came due");
        }
        if ticks.is_multiple_of(60) {
            if let Err(e) = state.run(move |s| s.expire_leases(now)).await {
                tracing::warn!(error = %e.detail, "could not expire WebSub leases");
            }
        }
        if let Err(e) = forward(&state).await {
            tracing::warn!(error = %e.detail, "could not read the outbox");
        }
    }
}

/// Hands every event after the last one seen to the live clients.
async fn forward(state: &AppState) -> Result<(), crate::error::ApiError> {
    loop {
        let after = state.push.seen.load(Ordering::Acquire);
        let batch = super::read_events(state, after, BATCH).await?;
        let Some(last) = batch.last().map(|(e, _)| e.seq) else {
            return Ok(());
        };
        for (event, payload) in batch {
            if event.kind.is_public() {
                // No receiver is not an error: nobody is listening.
                let _ = state
                    .push
                    .live
                    .send(Arc::new(LiveEvent::new(event.seq, payload)));
            }
        }
        state.push.seen.store(last, Ordering::Release);
    }
}
