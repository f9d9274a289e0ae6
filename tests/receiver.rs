//! A webhook or WebSub receiver for tests: a plain HTTP/1.1 server on a
//! free loopback port that records every request and answers as the test
//! scripts it (status and body, or a delay that outlasts a timeout).

use std::collections::HashMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request as received, and the status it was answered with.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    /// Path and query.
    pub target: String,
    /// Header names in lower case.
    pub headers: HashMap<String, String>,
    pub body: Vec<u8>,
    pub answered: u16,
    pub at: Instant,
}

impl Received {
    pub fn header(&self, name: &str) -> &str {
        self.headers.get(name).map_or("", String::as_str)
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap_or(serde_json::Value::Null)
    }

    /// A query parameter of the target, decoded.
    pub fn query(&self, name: &str) -> Option<String> {
        let query = self.target.split_once('?')?.1;
        url::form_urlencoded::parse(query.as_bytes())
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    }
}

/// What to answer: a status and a body, after an optional pause.
pub struct Answer {
    pub status: u16,
    pub body: String,
    pub delay: Duration,
}

impl Answer {
    pub fn status(status: u16) -> Answer {
        Answer {
            status,
            body: String::new(),
            delay: Duration::ZERO,
        }
    }
}

type Script = dyn Fn(&Received, usize) -> Answer + Send + Sync;

pub struct Receiver {
    pub url: String,
    seen: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    /// Answers every request with 200.
    pub fn ok() -> Receiver {
        Receiver::scripted(|_, _| Answer::status(200))
    }

    /// Answers with `script(request, how many came before it)`. WebSub
    /// verification GETs are answered with their challenge unless the
    /// script says otherwise by answering a GET with a status other than 200.
    pub fn scripted(
        script: impl Fn(&Received, usize) -> Answer + Send + Sync + 'static,
    ) -> Receiver {
        Receiver::listen(0, script)
    }

    /// Answers 200 on a given port (one a test kept free).
    pub fn on_port(port: u16) -> Receiver {
        Receiver::listen(port, |_, _| Answer::status(200))
    }

    fn listen(
        port: u16,
        script: impl Fn(&Received, usize) -> Answer + Send + Sync + 'static,
    ) -> Receiver {
        let listener = TcpListener::bind(("127.0.0.1", port)).expect("a free port");
        let url = format!("http://{}", listener.local_addr().expect("bound"));
        let seen: Arc<Mutex<Vec<Received>>> = Arc::default();
        let script: Arc<Script> = Arc::new(script);
        let shared = seen.clone();
        std::thread::spawn(move || {
            for stream in listener.incoming().flatten() {
                let (seen, script) = (shared.clone(), script.clone());
                std::thread::spawn(move || serve(stream, &seen, script.as_ref()));
            }
        });
        Receiver { url, seen }
    }

    pub fn received(&self) -> Vec<Received> {
        self.seen.lock().map(|v| v.clone()).unwrap_or_default()
    }

    /// Waits until `done(received so far)` holds, for at most `within`.
    pub fn wait_for(&self, within: Duration, done: impl Fn(&[Received]) -> bool) -> Vec<Received> {
        let deadline = Instant::now() + within;
        loop {
            let got = self.received();
            if done(&got) {
                return got;
            }
            assert!(
                Instant::now() < deadline,
                "the receiver waited {within:?}; it got {} requests: {:?}",
                got.len(),
                got.iter()
                    .map(|r| (&r.method, &r.target, r.answered))
                    .collect::<Vec<_>>()
            );
            std::thread::sleep(Duration::from_millis(20));
        }
    }
}

fn serve(stream: TcpStream, seen: &Mutex<Vec<Received>>, script: &Script) {
    let mut reader = BufReader::new(match stream.try_clone() {
        Ok(s) => s,
        Err(_) => return,
    });
    let mut stream = stream;
    let mut line = String::new();
    if reader.read_line(&mut line).is_err() {
        return;
    }
    let mut parts = line.split_whitespace();
    let method = parts.next().unwrap_or_default().to_owned();
    let target = parts.next().unwrap_or_default().to_owned();
    let mut headers = HashMap::new();
    loop {
        let mut h = String::new();
        if reader.read_line(&mut h).is_err() || h.trim().is_empty() {
            break;
        }
        if let Some((k, v)) = h.split_once(':') {
            headers.insert(k.trim().to_ascii_lowercase(), v.trim().to_owned());
        }
    }
    let length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    let mut body = vec![0u8; length];
    if reader.read_exact(&mut body).is_err() {
        return;
    }
    let mut got = Received {
        method,
        target,
        headers,
        body,
        answered: 0,
        at: Instant::now(),
    };
    let before = seen.lock().map(|v| v.len()).unwrap_or(0);
    let mut answer = script(&got, before);
    if got.method == "GET" && answer.status == 200 && answer.body.is_empty() {
        answer.body = got.query("hub.challenge").unwrap_or_default();
    }
    got.answered = answer.status;
    if let Ok(mut v) = seen.lock() {
        v.push(got);
    }
    std::thread::sleep(answer.delay);
    let _ = write!(
        stream,
        "HTTP/1.1 {} X\r\ncontent-length: {}\r\nconnection: close\r\n\r\n{}",
        answer.status,
        answer.body.len(),
        answer.body
    );
}
