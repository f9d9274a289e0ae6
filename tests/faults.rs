//! Faults survived by the real binary: PostgreSQL going away under load
//! and coming back, every connection terminated as a restart does, a full
//! disk under SQLite, and SIGTERM during a burst of writes. What must
//! hold: 503s that come fast, never a 500, recovery without a restart,
//! and no acknowledged write lost.

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use newsdesk_e2e::cluster::Cluster;
use newsdesk_e2e::proxy::Proxy;
use newsdesk_e2e::{http, login, Server, TestDb};
use serde_json::{json, Value};

const EMAIL: &str = "admin@example.com";
const PASSWORD: &str = "correct horse battery";
const ENV: &[(&str, &str)] = &[
    (
        "NEWSDESK_JWT_SECRET",
        "the secret of the fault tests, long enough",
    ),
    ("NEWSDESK_ADMIN_EMAIL", EMAIL),
    ("NEWSDESK_ADMIN_PASSWORD", PASSWORD),
    ("NEWSDESK_RATE_LIMIT", "0"),
];

/// One request's outcome: when it was sent, its status (0 when no answer
/// came at all), how long it took, and the slug of an article it created.
#[derive(Clone, Debug)]
struct Outcome {
    sent: Instant,
    status: u16,
    took: Duration,
    created: Option<String>,
}

fn token(base: &str) -> String {
    login(base, EMAIL, PASSWORD)
}

fn status(base: &str, path: &str) -> u16 {
    http()
        .get(format!("{base}{path}"))
        .send()
        .map_or(0, |r| r.status().as_u16())
}

/// Writers and staff readers (staff reads skip the response cache, so
/// each one reaches the database) until `stop`; every outcome.
fn load(base: &str, token: &str, threads: usize, stop: &Arc<AtomicBool>) -> Vec<Outcome> {
    let log: Arc<Mutex<Vec<Outcome>>> = Arc::default();
    let workers: Vec<_> = (0..threads)
        .map(|t| {
            let (base, token, stop, log) =
                (base.to_owned(), token.to_owned(), stop.clone(), log.clone());
            std::thread::spawn(move || {
                let client = http();
                let mut n = 0u64;
                while !stop.load(Ordering::SeqCst) {
                    n += 1;
                    let sent = Instant::now();
                    let (status, created) = if n.is_multiple_of(2) {
                        let res = client
                            .post(format!("{base}/api/v1/articles"))
                            .bearer_auth(&token)
                            .json(&json!({"title": format!("Load {t} {n}")}))
                            .send();
                        match res {
                            Ok(r) if r.status() == 201 => {
                                let v: Value = r.json().unwrap_or_default();
                                (201, v["data"]["slug"].as_str().map(str::to_owned))
                            }
                            Ok(r) => (r.status().as_u16(), None),
                            Err(_) => (0, None),
                        }
                    } else {
                        let res = client
                            .get(format!("{base}/api/v1/articles?limit=5"))
                            .bearer_auth(&token)
                            .send();
                        (res.map_or(0, |r| r.status().as_u16()), None)
                    };
                    let took = sent.elapsed();
                    log.lock().expect("lock").push(Outcome {
                        sent,
                        status,
                        took,
                        created,
                    });
                    std::thread::sleep(Duration::from_millis(5));
                }
            })
        })
        .collect();
    for w in workers {
        w.join().expect("a load thread");
    }
    let out = log.lock().expect("lock").clone();
    out
}

/// Every article the load says it created is there.
fn assert_kept(base: &str, token: &str, outcomes: &[Outcome]) -> usize {
    let client = http();
    let created: Vec<&String> = outcomes.iter().filter_map(|o| o.created.as_ref()).collect();
    for slug in &created {
        let res = client
            .get(format!("{base}/api/v1/articles/{slug}"))
            .bearer_auth(token)
            .send()
            .expect("an answer");
        assert_eq!(res.status(), 200, "acknowledged write {slug} is kept");
    }
    created.len()
}

fn wait_for(base: &str, path: &str, want: u16, within: Duration) -> Option<Duration> {
    let start = Instant::now();
    while start.elapsed() < within {
        if status(base, path) == want {
            return Some(start.elapsed());
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    None
}

mod postgres {
    #[test]
    fn outage_answers_503_fast_and_recovers_without_a_500() {
        super::outage_answers_503_fast_and_recovers_without_a_500();
    }

    #[test]
    fn restart_answers_503_fast_and_recovers_without_a_500() {
        super::restart_answers_503_fast_and_recovers_without_a_500();
    }

    #[test]
    fn terminated_connections_cost_no_request() {
        super::terminated_connections_cost_no_request();
    }

    #[test]
    fn sigterm_during_writes_keeps_every_acknowledged_one() {
        if let Some(db) = TestDb::postgres("sigterm_during_writes") {
            super::sigterm_during_writes_keeps_every_acknowledged_one(db);
        }
    }

    use super::TestDb;
}

#[test]
fn sigterm_during_writes_keeps_every_acknowledged_one_sqlite() {
    sigterm_during_writes_keeps_every_acknowledged_one(TestDb::sqlite());
}

fn outage_answers_503_fast_and_recovers_without_a_500() {
    let Some(db) = TestDb::postgres("outage") else {
        return;
    };
    let direct = url::Url::parse(&db.url).expect("a URL");
    let proxy = Proxy::to(&format!(
        "{}:{}",
        direct.host_str().expect("a host"),
        direct.port().unwrap_or(5432)
    ));
    let mut via = direct.clone();
    via.set_port(Some(proxy.port)).expect("a port");
    let server = Server::on(via.as_str(), &[], ENV);
    outage("proxy stopped", &server, || proxy.stop(), || proxy.start());
}

/// PostgreSQL itself stopped (`pg_ctl stop -m fast`) and started again, on
/// a cluster of the test's own.
fn restart_answers_503_fast_and_recovers_without_a_500() {
    if TestDb::postgres("restart").is_none() {
        return;
    }
    let cluster = Cluster::start().expect("PostgreSQL's programs, where its suites run");
    let server = Server::on(&cluster.url(), &[], ENV);
    outage(
        "PostgreSQL restarted",
        &server,
        || cluster.stop(),
        || cluster.resume(),
    );
}

/// Load on `server` while `down` takes its database away for 3 s and `up`
/// brings it back: 503s that come fast, recovery without a restart, never
/// a 500, and every acknowledged write kept.
fn outage(what: &str, server: &Server, down: impl FnOnce(), up: impl FnOnce()) {
    let (base, token) = (server.base.clone(), token(&server.base));

    let stop = Arc::new(AtomicBool::new(false));
    let loader = {
        let (base, token, stop) = (base.clone(), token.clone(), stop.clone());
        std::thread::spawn(move || load(&base, &token, 4, &stop))
    };
    std::thread::sleep(Duration::from_secs(1));
    let went = Instant::now();
    down();
    let noticed = wait_for(&base, "/readyz", 503, Duration::from_secs(5))
        .expect("/readyz goes 503 during the outage");
    std::thread::sleep(Duration::from_secs(3).saturating_sub(went.elapsed()));
    let back = Instant::now();
    up();
    let recovered = wait_for(&base, "/readyz", 200, Duration::from_secs(30))
        .expect("the service recovers without a restart");
    std::thread::sleep(Duration::from_secs(2));
    stop.store(true, Ordering::SeqCst);
    let outcomes = loader.join().expect("the load");

    let refused: Vec<&Outcome> = outcomes.iter().filter(|o| o.status == 503).collect();
    let slowest = refused.iter().map(|o| o.took).max().unwrap_or_default();
    println!(
        "{what}: /readyz 503 after {noticed:?}; {} requests, {} answered 503 (slowest {slowest:?}); \
         ready again {recovered:?} after the database returned",
        outcomes.len(),
        refused.len()
    );
    assert!(
        noticed < Duration::from_secs(2),
        "/readyz noticed in {noticed:?}"
    );
    for o in &outcomes {
        assert!(
            matches!(o.status, 200 | 201 | 503),
            "only successes and 503s: {o:?}"
        );
    }
    assert!(!refused.is_empty(), "the outage was seen");
    assert!(
        slowest < Duration::from_secs(1),
        "503s come fast: {slowest:?}"
    );
    let settled = back + recovered + Duration::from_millis(500);
    for o in outcomes.iter().filter(|o| o.sent > settled) {
        assert!(
            matches!(o.status, 200 | 201),
            "after recovery every request succeeds: {o:?}"
        );
    }
    assert!(
        outcomes.iter().any(|o| o.sent > settled),
        "load ran after the recovery"
    );
    assert_kept(&base, &token, &outcomes);
}

fn terminated_connections_cost_no_request() {
    let Some(db) = TestDb::postgres("terminated") else {
        return;
    };
    let server = Server::on(&db.url, &[], ENV);
    let (base, token) = (server.base.clone(), token(&server.base));
    let name = db
        .url
        .rsplit('/')
        .next()
        .expect("a database name")
        .to_owned();
    let admin = std::env::var(newsdesk_persistence::test_support::POSTGRES_ENV).expect("the URL");
    // What a restart does to every connection of the pool (57P01), while
    // the server is idle: nothing has failed yet when requests come.
    let killed = std::process::Command::new("psql")
        .arg(&admin)
        .args([
            "-Atqc",
            &format!(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity \
             WHERE datname = '{name}' AND pid <> pg_backend_pid()"
            ),
        ])
        .output()
        .expect("psql runs");
    let count: u32 = String::from_utf8_lossy(&killed.stdout)
        .trim()
        .parse()
        .expect("a count");
    assert!(
        count > 1,
        "the pool's connections were terminated ({count})"
    );
    std::thread::sleep(Duration::from_millis(500));
    let stop = Arc::new(AtomicBool::new(false));
    let timer = {
        let stop = stop.clone();
        std::thread::spawn(move || {
            std::thread::sleep(Duration::from_secs(2));
            stop.store(true, Ordering::SeqCst);
        })
    };
    let outcomes = load(&base, &token, 4, &stop);
    timer.join().expect("timer");
    let failed: Vec<&Outcome> = outcomes
        .iter()
        .filter(|o| !matches!(o.status, 200 | 201))
        .collect();
    assert!(
        failed.is_empty(),
        "{} of {} failed: {failed:?}",
        failed.len(),
        outcomes.len()
    );
    assert!(outcomes.len() > 20, "the load ran");
}

fn sigterm_during_writes_keeps_every_acknowledged_one(db: TestDb) {
    let mut server = Server::start(db, &[], ENV);
    let (base, token) = (server.base.clone(), token(&server.base));
    let stop = Arc::new(AtomicBool::new(false));
    let loader = {
        let (base, token, stop) = (base.clone(), token.clone(), stop.clone());
        std::thread::spawn(move || load(&base, &token, 6, &stop))
    };
    std::thread::sleep(Duration::from_millis(1500));
    let termed = Instant::now();
    server.signal("TERM");
    let exit = server
        .wait(Duration::from_secs(20))
        .expect("exits within the grace period");
    let took = termed.elapsed();
    stop.store(true, Ordering::SeqCst);
    let outcomes = loader.join().expect("the load");
    assert!(exit.success(), "a clean exit: {exit:?}");

    let db = server.take_db().expect("the database");
    let again = Server::start(db, &[], ENV);
    let token = self::token(&again.base);
    let acknowledged = assert_kept(&again.base, &token, &outcomes);
    let found = drafts(&again.base, &token);
    println!("SIGTERM: exit after {took:?}; {acknowledged} writes acknowledged, {found} found");
    assert!(
        acknowledged > 5,
        "writes were acknowledged before the signal"
    );
    assert_eq!(
        found, acknowledged,
        "a write is there if and only if it was acknowledged"
    );
}

/// How many drafts the database holds, read page by page.
fn drafts(base: &str, token: &str) -> usize {
    let client = http();
    let (mut n, mut cursor) = (0, String::new());
    loop {
        let page: Value = client
            .get(format!("{base}/api/v1/articles?limit=100{cursor}"))
            .bearer_auth(token)
            .send()
            .and_then(|r| r.json())
            .expect("a page");
        n += page["data"].as_array().map_or(0, Vec::len);
        match page["meta"]["next_cursor"].as_str() {
            Some(c) => cursor = format!("&cursor={c}"),
            None => return n,
        }
    }
}

/// SQLite on a full disk: writes answer 503 and change nothing, reads go
/// on, and once there is room again writes succeed; the file stays sound.
#[test]
fn sqlite_full_disk_answers_503_and_keeps_the_file_sound() {
    let db = TestDb::sqlite();
    let path = db.url.trim_start_matches("sqlite://").to_owned();
    let size = |p: &str| std::fs::metadata(p).map_or(0, |m| m.len());
    {
        // Created, migrated and closed cleanly, so no write-ahead log is left.
        let mut first = Server::on(&db.url, &[], ENV);
        first.signal("TERM");
        first.wait(Duration::from_secs(20)).expect("exits");
    }
    let room = (size(&path) + size(&format!("{path}-wal"))) / 1024 + 256;
    let server = Server::with_file_limit(&db.url, ENV, room);
    let (base, token) = (server.base.clone(), token(&server.base));
    let client = http();
    let body = "Words to fill the disk. ".repeat(2_000);
    let mut outcomes = Vec::new();
    for n in 0..60 {
        let res = client
            .post(format!("{base}/api/v1/articles"))
            .bearer_auth(&token)
            .json(&json!({"title": format!("Filler {n}"), "body": body}))
            .send()
            .expect("an answer");
        let status = res.status().as_u16();
        let v: Value = res.json().unwrap_or_default();
        outcomes.push(Outcome {
            sent: Instant::now(),
            status,
            took: Duration::ZERO,
            created: v["data"]["slug"]
                .as_str()
                .filter(|_| status == 201)
                .map(str::to_owned),
        });
        if status != 201 {
            break;
        }
    }
    let last = outcomes.last().expect("a write").clone();
    assert_eq!(
        last.status, 503,
        "a full disk is 503, not 500: {outcomes:?}"
    );
    let listed = client
        .get(format!("{base}/api/v1/articles?limit=100"))
        .bearer_auth(&token)
        .send()
        .expect("an answer");
    assert_eq!(listed.status(), 200, "reads go on");
    let kept = assert_kept(&base, &token, &outcomes);
    assert_eq!(
        drafts(&base, &token),
        kept,
        "the refused write left nothing"
    );

    let lifted = std::process::Command::new("prlimit")
        .args(["--pid", &server.pid().to_string(), "--fsize=unlimited:"])
        .status()
        .expect("prlimit runs");
    assert!(lifted.success(), "the limit is lifted");
    let res = client
        .post(format!("{base}/api/v1/articles"))
        .bearer_auth(&token)
        .json(&json!({"title": "Room again", "body": body}))
        .send()
        .expect("an answer");
    assert_eq!(res.status(), 201, "writes resume once there is room");
    drop(server);
    assert_eq!(integrity(&path), "ok");
}

/// What SQLite's `PRAGMA integrity_check` says of the file.
fn integrity(path: &str) -> String {
    use diesel::{Connection, RunQueryDsl};
    #[derive(diesel::QueryableByName)]
    struct Check {
        #[diesel(sql_type = diesel::sql_types::Text)]
        integrity_check: String,
    }
    let mut conn = diesel::SqliteConnection::establish(path).expect("opens");
    let checks: Vec<Check> = diesel::sql_query("PRAGMA integrity_check")
        .load(&mut conn)
        .expect("checked");
    checks
        .into_iter()
        .map(|c| c.integrity_check)
        .collect::<Vec<_>>()
        .join("; ")
}
