//! Push benchmarks against the release binary (see docs/benchmarks.md):
//!
//! 1. publish → first webhook attempt, on one node (SQLite and PostgreSQL);
//! 2. publish on node A → SSE event on a client of node B (PostgreSQL);
//! 3. 1,000 SSE clients on one node: the memory they cost, and the time
//!    until the last of them has an event.
//!
//! `cargo run --release -p newsdesk-e2e --example push_bench [ROUNDS]`,
//! with `NEWSDESK_TEST_POSTGRES_URL` set for the PostgreSQL parts.

use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpStream;
use std::sync::mpsc;
use std::time::{Duration, Instant};

use newsdesk_e2e::receiver::Receiver;
use newsdesk_e2e::{Server, TestDb};
use serde_json::json;

const EMAIL: &str = "admin@example.com";
const PASSWORD: &str = "correct horse battery";
const ENV: [(&str, &str); 4] = [
    (
        "NEWSDESK_JWT_SECRET",
        "one secret shared by every node of the benchmark",
    ),
    ("NEWSDESK_ADMIN_EMAIL", EMAIL),
    ("NEWSDESK_ADMIN_PASSWORD", PASSWORD),
    ("NEWSDESK_WEBHOOK_ALLOW_PRIVATE", "true"),
];

fn publish(http: &reqwest::blocking::Client, base: &str, token: &str, i: usize) {
    let res = http
        .post(format!("{base}/api/v1/articles"))
        .bearer_auth(token)
        .json(&json!({"title": format!("Benchmark story {i}"), "body": "A body.", "body_format": "text", "status": "published"}))
        .send()
        .expect("published");
    assert_eq!(res.status().as_u16(), 201);
}

fn percentiles(mut ms: Vec<f64>) -> String {
    ms.sort_by(f64::total_cmp);
    let at = |p: f64| ms[((ms.len() as f64 - 1.0) * p).round() as usize];
    format!(
        "p50 {:.1} ms, p95 {:.1} ms, max {:.1} ms over {}",
        at(0.5),
        at(0.95),
        at(1.0),
        ms.len()
    )
}

/// Publish → first webhook attempt, timed from before the publish request.
fn webhook_latency(db: TestDb, rounds: usize) -> String {
    let server = Server::start(db, &[], &ENV);
    let http = reqwest::blocking::Client::new();
    let token = newsdesk_e2e::login(&server.base, EMAIL, PASSWORD);
    let receiver = Receiver::ok();
    let res = http
        .post(format!("{}/api/v1/webhooks", server.base))
        .bearer_auth(&token)
        .json(&json!({"url": receiver.url, "events": ["article.published"]}))
        .send()
        .expect("a hook");
    assert_eq!(res.status().as_u16(), 201);
    let mut ms = Vec::new();
    for i in 0..rounds {
        let start = Instant::now();
        publish(&http, &server.base, &token, i);
        let got = receiver.wait_for(Duration::from_secs(10), |r| r.len() > i);
        ms.push(got[i].at.duration_since(start).as_secs_f64() * 1000.0);
    }
    percentiles(ms)
}

/// An SSE client on its own thread, sending the arrival time of each event.
fn sse_client(base: &str) -> mpsc::Receiver<Instant> {
    let addr = base.trim_start_matches("http://").to_owned();
    let mut stream = TcpStream::connect(&addr).expect("connects");
    write!(
        stream,
        "GET /api/v1/stream HTTP/1.1\r\nHost: {addr}\r\n\r\n"
    )
    .expect("sent");
    let (tx, rx) = mpsc::channel();
    std::thread::spawn(move || {
        let mut lines = BufReader::new(stream);
        let mut line = String::new();
        while lines.read_line(&mut line).is_ok_and(|n| n > 0) {
            if line.starts_with("event: article.published") && tx.send(Instant::now()).is_err() {
                return;
            }
            line.clear();
        }
    });
    rx
}

/// Publish on A → the event on B's stream, on one PostgreSQL.
fn cross_node_latency(db: TestDb, rounds: usize) -> String {
    let a = Server::start(db, &[], &ENV);
    let b = Server::on(&a.url, &[], &ENV);
    let http = reqwest::blocking::Client::new();
    let token = newsdesk_e2e::login(&a.base, EMAIL, PASSWORD);
    let events = sse_client(&b.base);
    std::thread::sleep(Duration::from_millis(300));
    let mut ms = Vec::new();
    for i in 0..rounds {
        let start = Instant::now();
        publish(&http, &a.base, &token, i);
        let at = events
            .recv_timeout(Duration::from_secs(10))
            .expect("an event");
        ms.push(at.duration_since(start).as_secs_f64() * 1000.0);
    }
    drop(b);
    percentiles(ms)
}

fn rss_kib(pid: u32) -> u64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .ok()
        .and_then(|s| {
            s.lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0)
}

/// 1,000 SSE clients on one node: memory, and the fan-out of one event.
fn many_clients(clients: usize) -> String {
    let server = Server::start(TestDb::sqlite(), &[], &ENV);
    let http = reqwest::blocking::Client::new();
    let token = newsdesk_e2e::login(&server.base, EMAIL, PASSWORD);
    publish(&http, &server.base, &token, 0);
    let before = rss_kib(server.pid());
    let addr = server.base.trim_start_matches("http://").to_owned();
    let mut streams: Vec<TcpStream> = (0..clients)
        .map(|_| {
            let mut s = TcpStream::connect(&addr).expect("connects");
            write!(s, "GET /api/v1/stream HTTP/1.1\r\nHost: {addr}\r\n\r\n").expect("sent");
            s
        })
        .collect();
    let mut buf = [0u8; 4096];
    for s in &mut streams {
        s.set_read_timeout(Some(Duration::from_secs(10)))
            .expect("timeout");
        let n = s.read(&mut buf).expect("the stream opens");
        assert!(String::from_utf8_lossy(&buf[..n]).starts_with("HTTP/1.1 200"));
    }
    std::thread::sleep(Duration::from_millis(500));
    let after = rss_kib(server.pid());
    let start = Instant::now();
    publish(&http, &server.base, &token, 1);
    for s in &mut streams {
        let mut seen = String::new();
        while !seen.contains("event: article.published") {
            let n = s.read(&mut buf).expect("the event arrives");
            seen.push_str(&String::from_utf8_lossy(&buf[..n]));
        }
    }
    let fan_out = start.elapsed();
    format!(
        "{clients} clients: RSS {} MiB before, {} MiB with them, {:.1} KiB each; publish → all {clients} have the event: {:.0} ms",
        before / 1024,
        after / 1024,
        (after.saturating_sub(before)) as f64 / clients as f64,
        fan_out.as_secs_f64() * 1000.0
    )
}

fn main() {
    let rounds: usize = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(100);
    println!(
        "webhook, SQLite: {}",
        webhook_latency(TestDb::sqlite(), rounds)
    );
    if let Some(db) = TestDb::postgres("push_bench_webhook") {
        println!("webhook, PostgreSQL: {}", webhook_latency(db, rounds));
    }
    if let Some(db) = TestDb::postgres("push_bench_cross_node") {
        println!(
            "SSE on node B after publish on node A: {}",
            cross_node_latency(db, rounds)
        );
    }
    println!("SSE: {}", many_clients(1000));
}
