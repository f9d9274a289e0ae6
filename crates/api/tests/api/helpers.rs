//! `TestApp`: the real server on port 0 over a fresh SQLite file or a fresh
//! PostgreSQL database, plus small HTTP helpers.

use std::net::TcpListener;

use actix_web::dev::ServerHandle;
use chrono::{DateTime, TimeDelta, Utc};
use newsdesk_api::auth::AuthSettings;
use newsdesk_api::{server, AppState};
use newsdesk_domain::article::{self, ArticleInput, ArticleStatus};
use newsdesk_domain::service;
/// Like `e2e!`, with custom auth settings for the server.
macro_rules! e2e_with {
    ($settings:expr; $($name:ident),* $(,)?) => {
        mod with_settings {
            mod sqlite {
                $(#[actix_web::test]
                async fn $name() {
                    super::super::$name($crate::helpers::TestApp::spawn_with($crate::helpers::TestDb::sqlite(), $settings)).await
                })*
            }
            mod postgres {
                $(#[actix_web::test]
                async fn $name() {
                    if let Some(db) = $crate::helpers::TestDb::postgres(stringify!($name)) {
                        super::super::$name($crate::helpers::TestApp::spawn_with(db, $settings)).await
                    }
                })*
            }
        }
    };
}

pub use newsdesk_persistence::test_support::TestDb;
use newsdesk_persistence::Store;
use serde_json::Value;

/// Generates `sqlite::NAME` and `postgres::NAME` tests from `async fn NAME(app: TestApp)`.
/// Like `e2e!`, with receivers on loopback allowed and quick retries.
macro_rules! e2e_push {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[actix_web::test]
            async fn $name() {
                super::$name($crate::helpers::TestApp::spawn_push($crate::helpers::TestDb::sqlite())).await
            })*
        }
        mod postgres {
            $(#[actix_web::test]
            async fn $name() {
                if let Some(db) = $crate::helpers::TestDb::postgres(stringify!($name)) {
                    super::$name($crate::helpers::TestApp::spawn_push(db)).await
                }
            })*
        }
    };
}

macro_rules! e2e {
    ($($name:ident),* $(,)?) => {
        mod sqlite {
            $(#[actix_web::test]
            async fn $name() {
                super::$name($crate::helpers::TestApp::spawn($crate::helpers::TestDb::sqlite())).await
            })*
        }
        mod postgres {
            $(#[actix_web::test]
            async fn $name() {
                if let Some(db) = $crate::helpers::TestDb::postgres(stringify!($name)) {
                    super::$name($crate::helpers::TestApp::spawn(db)).await
                }
            })*
        }
    };
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub db: TestDb,
    handle: ServerHandle,
}

impl TestApp {
    pub fn spawn(db: TestDb) -> TestApp {
        Self::spawn_with(db, AuthSettings::for_tests())
    }

    pub fn spawn_with(db: TestDb, auth: AuthSettings) -> TestApp {
        Self::spawn_full(db, auth, Default::default())
    }

    /// With push settings for receivers on loopback and quick retries.
    pub fn spawn_push(db: TestDb) -> TestApp {
        let push = newsdesk_api::push::PushSettings {
            allow_private: true,
            timeout: std::time::Duration::from_secs(2),
            retries: newsdesk_domain::events::schedule::RetrySchedule::parse("0.2,0.2")
                .expect("a schedule"),
            ..Default::default()
        };
        Self::spawn_full(db, AuthSettings::for_tests(), push)
    }

    pub fn spawn_full(
        db: TestDb,
        auth: AuthSettings,
        push: newsdesk_api::push::PushSettings,
    ) -> TestApp {
        Self::spawn_configured(db, auth, push, |_| {})
    }

    /// As `spawn_full`, with a last change to the state (a site, say).
    pub fn spawn_configured(
        db: TestDb,
        auth: AuthSettings,
        push: newsdesk_api::push::PushSettings,
        configure: impl FnOnce(&mut AppState),
    ) -> TestApp {
        let store = Store::open(&db.url, 4).expect("test database opens");
        store.migrate().expect("migrations run");
        let listener = TcpListener::bind("127.0.0.1:0").expect("a free port");
        let base = format!("http://{}", listener.local_addr().expect("bound"));
        let mut state = AppState::new(store, "https://news.example".into(), auth);
        state.push = std::sync::Arc::new(newsdesk_api::push::Push::new(push));
        // Views written and most-read lists computed at once, not every few seconds.
        state.views = std::sync::Arc::new(newsdesk_api::views::Views::new(
            newsdesk_api::views::ViewSettings {
                flush_every: std::time::Duration::from_millis(100),
                most_read_every: std::time::Duration::from_millis(1),
                ..Default::default()
            },
        ));
        configure(&mut state);
        let server = server::build(listener, state.clone(), "*").expect("server builds");
        let handle = server.handle();
        actix_web::rt::spawn(server);
        TestApp {
            base,
            client: reqwest::Client::new(),
            state,
            db,
            handle,
        }
    }

    /// Saves articles straight through the domain service, as import does.
    pub fn seed(&self, inputs: Vec<ArticleInput>) {
        let report = service::import_batch(
            self.state.store.as_ref(),
            inputs.into_iter().enumerate().collect(),
            ArticleStatus::Published,
            article::now(),
        );
        assert!(
            report.failed.is_empty(),
            "seed refused: {:?}",
            report.failed
        );
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client
            .get(format!("{}{path}", self.base))
            .send()
            .await
            .expect("request sent")
    }

    pub async fn get_json(&self, path: &str) -> (u16, Value) {
        let res = self.get(path).await;
        let status = res.status().as_u16();
        (status, res.json().await.unwrap_or(Value::Null))
    }

    pub async fn gql(&self, query: &str, variables: Value) -> Value {
        self.client
            .post(format!("{}/graphql", self.base))
            .json(&serde_json::json!({"query": query, "variables": variables}))
            .send()
            .await
            .expect("request sent")
            .json()
            .await
            .expect("GraphQL answers JSON")
    }

    /// A new staff account with this role and a token for it.
    pub fn staff(&self, email: &str, role: &str) -> String {
        let user = newsdesk_api::auth::create_user(
            self.state.store.as_ref(),
            email,
            "correct horse battery",
            role,
            None,
        )
        .expect("user created");
        self.state.auth.issue(&user).expect("token issued").0
    }

    /// A request with an optional bearer token and JSON body.
    pub async fn send(
        &self,
        method: &str,
        path: &str,
        token: Option<&str>,
        body: Option<Value>,
    ) -> reqwest::Response {
        let method = reqwest::Method::from_bytes(method.as_bytes()).expect("a method");
        let mut req = self.client.request(method, format!("{}{path}", self.base));
        if let Some(t) = token {
            req = req.bearer_auth(t);
        }
        if let Some(b) = body {
            req = req.json(&b);
        }
        req.send().await.expect("request sent")
    }

    /// SQL statements the server's store has run so far.
    pub fn statements(&self) -> u64 {
        self.state.store.statements()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        // Stop accepting; the runtime ends with the test.
        let handle = self.handle.clone();
        actix_web::rt::spawn(async move { handle.stop(false).await });
    }
}

/// A published article input dated `hours_ago`.
pub fn published(title: &str, hours_ago: i64) -> ArticleInput {
    ArticleInput {
        title: Some(title.into()),
        body: Some(format!(
            "{title} opens the story.\n\nA second paragraph follows."
        )),
        status: Some("published".into()),
        published_at: Some(ago(hours_ago).to_rfc3339()),
        ..Default::default()
    }
}

pub fn ago(hours: i64) -> DateTime<Utc> {
    article::now() - TimeDelta::hours(hours)
}

/// Asserts an RFC 9457 problem with this status.
pub async fn assert_problem(res: reqwest::Response, status: u16) -> Value {
    assert_eq!(res.status().as_u16(), status, "status of {}", res.url());
    let ctype = res
        .headers()
        .get("content-type")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    assert_eq!(ctype, "application/problem+json");
    let body: Value = res.json().await.expect("problem is JSON");
    assert_eq!(body["status"], status);
    assert!(body["title"].is_string() && body["detail"].is_string() && body["type"].is_string());
    body
}

/// Waits, without blocking the server's tasks on this thread, until
/// `done()` holds; fails after `within`.
pub async fn wait_until(within: std::time::Duration, what: &str, mut done: impl FnMut() -> bool) {
    let deadline = std::time::Instant::now() + within;
    while !done() {
        assert!(
            std::time::Instant::now() < deadline,
            "waited {within:?} for {what}"
        );
        actix_web::rt::time::sleep(std::time::Duration::from_millis(20)).await;
    }
}

/// What a test receiver got once `done` holds, waiting without blocking
/// the server's tasks on this thread.
pub async fn received(
    receiver: &newsdesk_e2e::receiver::Receiver,
    done: impl Fn(&[newsdesk_e2e::receiver::Received]) -> bool,
) -> Vec<newsdesk_e2e::receiver::Received> {
    wait_until(std::time::Duration::from_secs(10), "the receiver", || {
        done(&receiver.received())
    })
    .await;
    receiver.received()
}
