//! Sends due deliveries: claimed by one node at a time, signed (Standard
//! Webhooks for webhooks, `X-Hub-Signature` for WebSub), and settled in
//! the database so the log shows every attempt and a restart loses none.

use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use newsdesk_domain::events::hooks::{
    is_public, secret_key, sign, sign_websub, Delivery, Hook, HookKind, Next, Settlement,
};
use newsdesk_domain::events::Event;
use newsdesk_domain::service::events::payloads;
use tokio::sync::Semaphore;

use super::{idle, websub};
use crate::state::AppState;

const TICK: Duration = Duration::from_millis(500);
/// Deliveries claimed with one statement.
const BATCH: u32 = 16;
/// Deliveries one node has in flight at most.
const IN_FLIGHT: usize = 64;
/// Read of a receiver's answer, at most: its status is what matters.
const RESPONSE_CAP: usize = 64 * 1024;
/// Of a receiver's answer, this much is kept in the log.
const ERROR_CHARS: usize = 300;

pub async fn run(state: AppState) {
    let push = state.push.clone();
    let mut closing = push.closing();
    // Each delivery is a task of its own, so a receiver that takes its
    // whole timeout holds up nobody else; this bounds how many at once.
    let in_flight = Arc::new(Semaphore::new(IN_FLIGHT));
    while idle(&push.deliver_wake, &mut closing, TICK).await {
        loop {
            let free = u32::try_from(in_flight.available_permits()).unwrap_or(0);
            if free == 0 {
                break;
            }
            let now = state.now();
            let until = now + push.settings.timeout * 3;
            let claimed = match state
                .run(move |s| s.claim_deliveries(now, until, free.min(BATCH)))
                .await
            {
                Ok(c) => c,
                Err(e) => {
                    tracing::warn!(error = %e.detail, "cannot claim deliveries");
                    break;
                }
            };
            if claimed.is_empty() {
                break;
            }
            for (d, hook, event) in claimed {
                let Ok(permit) = in_flight.clone().acquire_owned().await else {
                    return;
                };
                let state = state.clone();
                actix_web::rt::spawn(async move {
                    send_and_settle(&state, d, hook, event).await;
                    // A place is free: look for more due deliveries.
                    drop(permit);
                    state.push.deliver_wake.notify_one();
                });
            }
        }
    }
}

/// What to send a receiver.
pub struct Request {
    pub body: Vec<u8>,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
}

/// What came of one attempt.
struct Attempt {
    code: Option<u16>,
    error: Option<String>,
}

#[tracing::instrument(skip_all, fields(delivery = d.id, hook = hook.id, event = %event.id()))]
async fn send_and_settle(state: &AppState, d: Delivery, hook: Hook, event: Event) {
    let attempt = match request_for(state, &hook, &event).await {
        Ok(Some(request)) => send(state, &hook.url, request).await,
        Ok(None) => {
            count(state, &hook, "skipped");
            let skipped = Settlement {
                at: state.now(),
                status_code: None,
                error: Some("the topic does not carry this article".into()),
                next: Next::Skipped,
            };
            settle(state, d.id, skipped).await;
            return;
        }
        Err(e) => Attempt {
            code: None,
            error: Some(e),
        },
    };
    let at = state.now();
    let ok = attempt.code.is_some_and(|c| (200..300).contains(&c));
    let made = usize::try_from(d.attempts).unwrap_or(0) + 1;
    let next = if ok {
        Next::Delivered
    } else {
        match state.push.settings.retries.delay_after(made) {
            Some(delay) => Next::RetryAt(at + delay),
            None => Next::Failed {
                reason: format!(
                    "delivery {} failed {made} attempts, the last: {}",
                    d.id,
                    describe(&attempt)
                ),
            },
        }
    };
    tracing::info!(ok, code = ?attempt.code, attempts = made, "delivery attempted");
    let outcome = match next {
        Next::Delivered => "delivered",
        Next::RetryAt(_) => "retry",
        _ => "failed",
    };
    count(state, &hook, outcome);
    let settlement = Settlement {
        at,
        status_code: attempt.code.map(i32::from),
        error: attempt.error,
        next,
    };
    settle(state, d.id, settlement).await;
}

fn count(state: &AppState, hook: &Hook, outcome: &'static str) {
    state.metrics.delivery(crate::metrics::DeliveryLabels {
        receiver: hook.kind.as_str(),
        outcome,
    });
}

fn describe(a: &Attempt) -> String {
    match (a.code, &a.error) {
        (Some(c), _) => format!("HTTP {c}"),
        (None, Some(e)) => e.clone(),
        (None, None) => "no answer".into(),
    }
}

async fn settle(state: &AppState, id: i64, s: Settlement) {
    if let Err(e) = state.run(move |store| store.settle_delivery(id, &s)).await {
        // The claim lapses and the delivery is sent again: at least once.
        tracing::warn!(error = %e.detail, delivery = id, "could not record a delivery");
    }
}

/// The request for this receiver, or `None` when it does not want it.
async fn request_for(
    state: &AppState,
    hook: &Hook,
    event: &Event,
) -> Result<Option<Request>, String> {
    match hook.kind {
        HookKind::Webhook => webhook_request(state, hook, event).await.map(Some),
        HookKind::Websub => websub::content(state, hook, event).await,
    }
}

/// A Standard Webhooks request: the event as JSON, signed over
/// `id.timestamp.body` with the hook's key.
async fn webhook_request(state: &AppState, hook: &Hook, event: &Event) -> Result<Request, String> {
    let (base, now, one) = (state.base_url.clone(), state.now(), event.clone());
    let mut bodies = state
        .run(move |s| payloads(s, std::slice::from_ref(&one), &base, now))
        .await
        .map_err(|e| e.detail)?;
    let (payload, _) = bodies.pop().ok_or("the event has no payload")?;
    let body = serde_json::to_vec(&payload).map_err(|e| e.to_string())?;
    let key = secret_key(hook.secret.as_deref().unwrap_or_default()).map_err(|e| e.to_string())?;
    let id = event.id();
    let timestamp = now.timestamp();
    let signature = sign(&key, &id, timestamp, &body);
    Ok(Request {
        body,
        content_type: "application/json",
        headers: vec![
            ("webhook-id", id),
            ("webhook-timestamp", timestamp.to_string()),
            ("webhook-signature", signature),
        ],
    })
}

/// Signs a WebSub body when the subscriber gave a secret.
pub fn websub_signature(secret: Option<&str>, body: &[u8]) -> Vec<(&'static str, String)> {
    secret
        .map(|s| vec![("x-hub-signature", sign_websub(s, body))])
        .unwrap_or_default()
}

/// Sends one request, refusing addresses the configuration does not allow
/// (the check is made again here: a name may resolve elsewhere by now).
async fn send(state: &AppState, url: &str, r: Request) -> Attempt {
    let failed = |e: String| Attempt {
        code: None,
        error: Some(e),
    };
    if let Err(e) = allowed(url, state.push.settings.allow_private).await {
        return failed(e);
    }
    let mut req = state
        .push
        .client
        .post(url)
        .header("content-type", r.content_type)
        .body(r.body);
    for (name, value) in r.headers {
        req = req.header(name, value);
    }
    match req.send().await {
        Ok(res) => {
            let code = res.status().as_u16();
            let text = capped_text(res).await;
            Attempt {
                code: Some(code),
                error: (!(200..300).contains(&code)).then_some(text),
            }
        }
        Err(e) if e.is_timeout() => failed("timed out".into()),
        Err(e) => failed(format!("could not connect: {e}")),
    }
}

/// The start of a response body, reading no more than `RESPONSE_CAP`.
async fn capped_text(mut res: reqwest::Response) -> String {
    let mut body = Vec::new();
    while let Ok(Some(chunk)) = res.chunk().await {
        body.extend_from_slice(&chunk);
        if body.len() >= RESPONSE_CAP {
            break;
        }
    }
    String::from_utf8_lossy(&body)
        .chars()
        .take(ERROR_CHARS)
        .collect()
}

/// Checks every address the URL's host resolves to.
pub async fn allowed(url: &str, allow_private: bool) -> Result<(), String> {
    let parsed = url::Url::parse(url).map_err(|e| e.to_string())?;
    let host = parsed.host_str().ok_or("the URL has no host")?;
    let port = parsed.port_or_known_default().unwrap_or(80);
    let host = host.trim_start_matches('[').trim_end_matches(']');
    let addrs: Vec<IpAddr> = match host.parse::<IpAddr>() {
        Ok(ip) => vec![ip],
        Err(_) => tokio::net::lookup_host((host, port))
            .await
            .map_err(|e| format!("cannot resolve {host}: {e}"))?
            .map(|a| a.ip())
            .collect(),
    };
    if addrs.is_empty() {
        return Err(format!("{host} resolves to no address"));
    }
    match addrs.into_iter().find(|ip| !allow_private && !is_public(*ip)) {
        Some(ip) => Err(format!(
            "{host} is at {ip}, a private or loopback address; set NEWSDESK_WEBHOOK_ALLOW_PRIVATE=true to allow it"
        )),
        None => Ok(()),
    }
}
