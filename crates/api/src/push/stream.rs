//! `GET /api/v1/stream`: server-sent events of the public events as they
//! happen. The event id is the outbox position, so a client that lost the
//! connection sends `Last-Event-ID` and hears everything it missed, read
//! back from the outbox, before the live events.

use std::sync::Arc;

use actix_web::http::header;
use actix_web::web::Bytes;
use actix_web::{get, web, HttpRequest, HttpResponse};
use futures_util::stream::{unfold, Stream};
use serde::Deserialize;
use tokio::sync::broadcast::error::RecvError;
use tokio::sync::{broadcast, watch};

use super::{LiveEvent, StreamSlot};
use crate::error::{ApiError, Problem};
use crate::state::AppState;

/// Events read back from the outbox per query when a client resumes.
const REPLAY_BATCH: u32 = 500;
/// Tells the browser how long to wait before reconnecting.
const RETRY_MS: u32 = 3000;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct StreamParams {
    /// Only articles of this section (slug).
    pub section: Option<String>,
    /// Only articles with this tag (slug).
    pub tag: Option<String>,
}

/// Server-sent events: `article.published`, `.updated`, `.corrected`,
/// `.unpublished` and `.deleted`, each `data` the event as webhooks get
/// it, each `id` its place in the outbox. A comment line every 15 s keeps
/// idle connections open; a client too slow to keep up is sent
/// `event: overflow` and dropped, and on shutdown every client is sent
/// `event: shutdown`.
#[utoipa::path(tag = "push", path = "/stream", params(StreamParams,
        ("Last-Event-ID" = Option<String>, Header, description = "Resume after this event id")),
    responses(
        (status = 200, description = "An event stream", content_type = "text/event-stream", body = String),
        (status = 400, description = "A Last-Event-ID that is not one of ours", body = Problem, content_type = "application/problem+json"),
        (status = 503, description = "This node serves as many live connections as it may; retry later", body = Problem, content_type = "application/problem+json"),
    ))]
#[get("/stream")]
pub async fn stream(
    req: HttpRequest,
    state: web::Data<AppState>,
    params: web::Query<StreamParams>,
) -> Result<HttpResponse, ApiError> {
    let resume = last_event_id(&req, &state).await?;
    let slot = state.push.admit_or_busy()?;
    // Subscribed before the replay is read, so nothing falls in between.
    let live = state.push.subscribe();
    let p = params.into_inner();
    let filter = Filter {
        section: p.section.filter(|s| !s.is_empty()),
        tag: p.tag.filter(|s| !s.is_empty()),
    };
    let backlog = match resume {
        Some(after) => replay(&state, after).await?,
        None => Vec::new(),
    };
    let client = Client {
        live,
        closing: state.push.closing(),
        heartbeat: state.push.settings.heartbeat,
        filter,
        last: backlog.last().map(|e| e.seq).or(resume).unwrap_or(0),
        backlog: backlog.into_iter().collect(),
        opened: false,
        done: false,
        _slot: slot,
    };
    Ok(HttpResponse::Ok()
        .insert_header((header::CONTENT_TYPE, "text/event-stream"))
        .insert_header((header::CACHE_CONTROL, "no-cache, no-transform"))
        // Proxies such as nginx would otherwise buffer the stream.
        .insert_header(("x-accel-buffering", "no"))
        // Compression would hold events back until a block fills.
        .insert_header((header::CONTENT_ENCODING, "identity"))
        .streaming(events(client)))
}

/// The `Last-Event-ID` a client resumes from: an id this outbox issued.
async fn last_event_id(req: &HttpRequest, state: &AppState) -> Result<Option<i64>, ApiError> {
    let Some(raw) = req.headers().get("last-event-id") else {
        return Ok(None);
    };
    let bad = || {
        ApiError::bad_request(
            "Last-Event-ID must be the id of an event this stream sent; reconnect without it to start from now",
        )
    };
    let seq = raw
        .to_str()
        .ok()
        .and_then(|s| s.trim().parse::<i64>().ok())
        .filter(|n| *n >= 0)
        .ok_or_else(bad)?;
    let known = state
        .run(move |s| Ok(seq == 0 || s.has_change(seq)?))
        .await?;
    if known {
        Ok(Some(seq))
    } else {
        Err(bad())
    }
}

/// The public events after `after`, from the outbox.
async fn replay(state: &AppState, mut after: i64) -> Result<Vec<Arc<LiveEvent>>, ApiError> {
    let mut out = Vec::new();
    loop {
        let batch = super::read_events(state, after, REPLAY_BATCH).await?;
        let full = batch.len() == REPLAY_BATCH as usize;
        for (event, payload) in batch {
            after = event.seq;
            if event.kind.is_public() {
                out.push(Arc::new(LiveEvent::new(event.seq, payload)));
            }
        }
        if !full {
            return Ok(out);
        }
    }
}

struct Filter {
    section: Option<String>,
    tag: Option<String>,
}

struct Client {
    live: broadcast::Receiver<Arc<LiveEvent>>,
    closing: watch::Receiver<bool>,
    heartbeat: std::time::Duration,
    filter: Filter,
    /// The last event sent: a live event at or before it was replayed.
    last: i64,
    backlog: std::collections::VecDeque<Arc<LiveEvent>>,
    opened: bool,
    done: bool,
    _slot: StreamSlot,
}

fn frame(e: &LiveEvent) -> Bytes {
    Bytes::from(format!(
        "id: {}\nevent: {}\ndata: {}\n\n",
        e.seq,
        e.kind.as_str(),
        e.json
    ))
}

impl Client {
    /// The next chunk to send, or `None` when the stream ends.
    async fn next(&mut self) -> Option<Bytes> {
        if self.done {
            return None;
        }
        if !self.opened {
            self.opened = true;
            return Some(Bytes::from(format!("retry: {RETRY_MS}\n: connected\n\n")));
        }
        while let Some(e) = self.backlog.pop_front() {
            if e.matches(self.filter.section.as_deref(), self.filter.tag.as_deref()) {
                return Some(frame(&e));
            }
        }
        loop {
            tokio::select! {
                got = self.live.recv() => match got {
                    Ok(e) if e.seq <= self.last => continue,
                    Ok(e) => {
                        self.last = e.seq;
                        if e.matches(self.filter.section.as_deref(), self.filter.tag.as_deref()) {
                            return Some(frame(&e));
                        }
                    }
                    Err(RecvError::Lagged(_)) => {
                        self.done = true;
                        return Some(Bytes::from(format!(
                            "event: overflow\ndata: {{\"resume_from\": {}}}\n\n",
                            self.last
                        )));
                    }
                    Err(RecvError::Closed) => return None,
                },
                _ = tokio::time::sleep(self.heartbeat) => return Some(Bytes::from_static(b": heartbeat\n\n")),
                _ = self.closing.wait_for(|c| *c) => {
                    self.done = true;
                    return Some(Bytes::from_static(b"event: shutdown\ndata: {}\n\n"));
                }
            }
        }
    }
}

fn events(client: Client) -> impl Stream<Item = Result<Bytes, actix_web::Error>> {
    unfold(client, |mut c| async move {
        c.next().await.map(|chunk| (Ok(chunk), c))
    })
}
