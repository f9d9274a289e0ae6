//! `newsdesk backup` and `newsdesk restore` on the real binary: a backup
//! taken while the server takes writes, restored into an empty database of
//! the other backend, answers every public read exactly as the original,
//! and keeps what is not public (password hashes, key hashes, revisions,
//! comments awaiting moderation, webhooks).

use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

use newsdesk_e2e::{binary, http, login, Server, TestDb};
use serde_json::{json, Value};

const EMAIL: &str = "admin@example.com";
const PASSWORD: &str = "correct horse battery";
const ENV: &[(&str, &str)] = &[
    (
        "NEWSDESK_JWT_SECRET",
        "the secret of the backup tests, long enough",
    ),
    ("NEWSDESK_ADMIN_EMAIL", EMAIL),
    ("NEWSDESK_ADMIN_PASSWORD", PASSWORD),
    ("NEWSDESK_RATE_LIMIT", "0"),
    ("NEWSDESK_WEBHOOK_ALLOW_PRIVATE", "true"),
];

mod postgres {
    #[test]
    fn sqlite_to_postgres_and_back_answers_identically() {
        super::sqlite_to_postgres_and_back_answers_identically();
    }
}

fn token(base: &str) -> String {
    login(base, EMAIL, PASSWORD)
}

fn send(req: reqwest::blocking::RequestBuilder, want: u16) -> Value {
    let res = req.send().expect("an answer");
    let status = res.status().as_u16();
    let body = res.text().unwrap_or_default();
    assert_eq!(status, want, "{body}");
    serde_json::from_str(&body).unwrap_or(Value::Null)
}

/// Content of every kind a backup must keep, through the API.
fn fill(base: &str) -> String {
    let t = token(base);
    let c = http();
    let slug = "backup-harbour-bridge";
    send(
        c.post(format!("{base}/api/v1/articles"))
            .bearer_auth(&t)
            .json(&json!({
                "title": "Backup harbour bridge", "slug": slug, "status": "published",
                "body": "The *council* voted on the harbour bridge.", "tags": ["Bridges"],
                "section": "Home News", "authors": ["Ada Quill"]
            })),
        201,
    );
    let etag = c
        .get(format!("{base}/api/v1/articles/{slug}"))
        .bearer_auth(&t)
        .send()
        .expect("the article")
        .headers()["etag"]
        .to_str()
        .expect("an ETag")
        .to_owned();
    send(
        c.patch(format!("{base}/api/v1/articles/{slug}"))
            .bearer_auth(&t)
            .header("if-match", etag)
            .json(&json!({"subtitle": "A second revision"})),
        200,
    );
    send(
        c.post(format!("{base}/api/v1/articles/{slug}/corrections"))
            .bearer_auth(&t)
            .json(&json!({"text": "An earlier version misnamed the river."})),
        201,
    );
    for (name, approve) in [("Reader One", true), ("Reader Two", false)] {
        let comment = send(
            c.post(format!("{base}/api/v1/articles/{slug}/comments"))
                .json(
                    &json!({"author_name": name, "author_email": "r@example.org", "body": "Good."}),
                ),
            202,
        );
        if approve {
            let id = comment["data"]["id"].as_str().expect("a comment id");
            send(
                c.patch(format!("{base}/api/v1/comments/{id}"))
                    .bearer_auth(&t)
                    .json(&json!({"status": "approved"})),
                200,
            );
        }
    }
    send(c.post(format!("{base}/api/v1/articles/{slug}/views")), 202);
    send(
        c.post(format!("{base}/api/v1/webhooks"))
            .bearer_auth(&t)
            .json(&json!({
                "url": "http://127.0.0.1:9/hook", "events": ["article.published"]
            })),
        201,
    );
    let key = send(
        c.post(format!("{base}/api/v1/api-keys"))
            .bearer_auth(&t)
            .json(&json!({"name": "partner"})),
        201,
    );
    key["data"]["key"]
        .as_str()
        .expect("the key, shown once")
        .to_owned()
}

/// Every public read worth comparing, and what staff see of the rest.
fn snapshot(base: &str, key: &str) -> Vec<(String, Value)> {
    let c = http();
    let t = token(base);
    let get = |path: &str, auth: Option<&str>| -> Value {
        let mut req = c.get(format!("{base}{path}"));
        if let Some(t) = auth {
            req = req.bearer_auth(t);
        }
        send(req, 200)
    };
    let mut out = Vec::new();
    let list = get("/api/v1/articles?limit=100", None);
    for a in list["data"].as_array().expect("articles") {
        let slug = a["slug"].as_str().expect("a slug");
        for path in [
            format!("/api/v1/articles/{slug}"),
            format!("/api/v1/articles/{slug}/comments"),
        ] {
            out.push((path.clone(), get(&path, None)));
        }
        let path = format!("/api/v1/articles/{slug}/revisions");
        out.push((path.clone(), get(&path, Some(&t))));
    }
    out.push(("articles".into(), list));
    for path in [
        "/api/v1/tags?limit=100",
        "/api/v1/sections?limit=100",
        "/api/v1/authors?limit=100",
        "/api/v1/analytics/most-read?window=7d",
        "/feeds/feed.json",
    ] {
        out.push((path.into(), get(path, None)));
    }
    for path in [
        "/api/v1/comments?status=pending",
        "/api/v1/webhooks",
        "/api/v1/api-keys",
        "/api/v1/users",
    ] {
        out.push((path.into(), get(path, Some(&t))));
    }
    // The key restored is the key: its hash came along.
    let res = c
        .get(format!("{base}/api/v1/sync"))
        .header("x-api-key", key)
        .send()
        .expect("sync");
    assert_eq!(res.status(), 200, "the partner key works");
    out
}

fn cli(url: &str, args: &[&str]) -> Output {
    let out = Command::new(binary())
        .args(args)
        .env("NEWSDESK_DATABASE_URL", url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs");
    assert!(
        out.status.success(),
        "newsdesk {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    out
}

/// The key-word index of related news, which a backup does not hold: the
/// database derives it from the term vectors as they are restored. (The
/// related lists themselves also hang on a vocabulary each server caches
/// when it first needs it, so they may differ by a rounding.)
fn word_index(url: &str) -> Vec<String> {
    use diesel::{Connection, RunQueryDsl};
    // Of published articles: the writer's drafts went on after the backup.
    let sql = "SELECT w.stem || ' ' || CAST(w.article_id AS TEXT) AS v FROM article_words w \
               JOIN articles a ON a.id = w.article_id WHERE a.status = 'published'";
    let rows: Vec<One> = match url.strip_prefix("sqlite://") {
        Some(path) => diesel::sql_query(sql)
            .load(&mut diesel::SqliteConnection::establish(path).expect("the database")),
        None => diesel::sql_query(sql)
            .load(&mut diesel::PgConnection::establish(url).expect("the database")),
    }
    .expect("the key-word index");
    assert!(!rows.is_empty(), "published articles have key words");
    // Sorted here: the two engines collate text differently.
    let mut words: Vec<String> = rows.into_iter().map(|r| r.v).collect();
    words.sort();
    words
}

fn assert_same(want: &[(String, Value)], got: &[(String, Value)]) {
    assert_eq!(want.len(), got.len());
    for ((path, a), (_, b)) in want.iter().zip(got) {
        assert_eq!(a, b, "{path} differs after the restore");
    }
}

/// Writes articles until `stop`, so a backup is taken under load.
fn writer(base: String, stop: Arc<AtomicBool>) -> std::thread::JoinHandle<usize> {
    std::thread::spawn(move || {
        let t = token(&base);
        let mut n = 0;
        while !stop.load(Ordering::Relaxed) {
            let res = http()
                .post(format!("{base}/api/v1/articles"))
                .bearer_auth(&t)
                .json(&json!({"title": format!("Draft under backup {n}"), "body": "Words."}))
                .send();
            n += usize::from(res.is_ok_and(|r| r.status() == 201));
        }
        n
    })
}

/// A SQLite backup taken while writes go on; the source server (still
/// running, its writes stopped), the key it issued and the backup file.
fn online_sqlite_backup(dir: &Path) -> (Server, String, PathBuf) {
    let source = TestDb::sqlite();
    let url = source.url.clone();
    let server = Server::start(source, &["--demo"], ENV);
    let key = fill(&server.base);
    let stop = Arc::new(AtomicBool::new(false));
    let writes = writer(server.base.clone(), stop.clone());
    std::thread::sleep(Duration::from_millis(300));
    let file = dir.join("online.db");
    cli(&url, &["backup", file.to_str().expect("UTF-8")]);
    stop.store(true, Ordering::Relaxed);
    assert!(writes.join().expect("the writer") > 0, "writes went on");
    let again = Command::new(binary())
        .args(["backup", file.to_str().expect("UTF-8")])
        .env("NEWSDESK_DATABASE_URL", &url)
        .output()
        .expect("runs");
    assert!(!again.status.success(), "a backup never overwrites a file");
    (server, key, file)
}

// The writer's articles are drafts, which no public read shows, so the
// source as it is now and the backup must answer alike.
#[test]
fn sqlite_backup_taken_while_serving_restores_identically() {
    let dir = tempfile::tempdir().expect("a directory");
    let (source, key, file) = online_sqlite_backup(dir.path());
    let want = snapshot(&source.base, &key);
    let target = TestDb::sqlite();
    cli(&target.url, &["restore", file.to_str().expect("UTF-8")]);
    let refused = Command::new(binary())
        .args(["restore", file.to_str().expect("UTF-8")])
        .env("NEWSDESK_DATABASE_URL", &target.url)
        .output()
        .expect("runs");
    assert!(
        !refused.status.success(),
        "a restore needs an empty database"
    );
    let restored = Server::start(target, &[], ENV);
    assert_same(&want, &snapshot(&restored.base, &key));
    assert_eq!(word_index(&restored.url), word_index(&source.url));
}

fn sqlite_to_postgres_and_back_answers_identically() {
    let Some(pg) = TestDb::postgres("backup") else {
        return;
    };
    let dir = tempfile::tempdir().expect("a directory");
    let (source, key, file) = online_sqlite_backup(dir.path());
    let want = snapshot(&source.base, &key);
    let words = word_index(&source.url);
    drop(source);

    cli(&pg.url, &["restore", file.to_str().expect("UTF-8")]);
    let on_pg = Server::start(pg, &[], ENV);
    assert_same(&want, &snapshot(&on_pg.base, &key));
    assert_eq!(word_index(&on_pg.url), words);
    // New rows continue after the restored ones (identities moved on).
    let t = token(&on_pg.base);
    send(
        http()
            .post(format!("{}/api/v1/articles", on_pg.base))
            .bearer_auth(&t)
            .json(&json!({"title": "After the restore", "body": "Words.", "status": "published"})),
        201,
    );
    let want = snapshot(&on_pg.base, &key);

    let archive = dir.path().join("pg.ndjson");
    cli(&on_pg.url, &["backup", archive.to_str().expect("UTF-8")]);
    let back = TestDb::sqlite();
    cli(&back.url, &["restore", archive.to_str().expect("UTF-8")]);
    let again = Server::start(back, &[], ENV);
    assert_same(&want, &snapshot(&again.base, &key));
    assert_eq!(word_index(&again.url), word_index(&on_pg.url));
}

#[derive(diesel::QueryableByName)]
struct One {
    #[diesel(sql_type = diesel::sql_types::Text)]
    v: String,
}

/// Runs `newsdesk restore file` on `url`; its stderr, having failed.
fn failed_restore(url: &str, file: &Path) -> String {
    let out = Command::new(binary())
        .args(["restore", file.to_str().expect("UTF-8")])
        .env("NEWSDESK_DATABASE_URL", url)
        .output()
        .expect("runs");
    assert!(!out.status.success(), "the restore was refused");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn a_bad_archive_is_refused_and_changes_nothing() {
    use diesel::{Connection, RunQueryDsl};
    let target = TestDb::sqlite();
    cli(&target.url, &["migrate"]);
    let path = target.url.trim_start_matches("sqlite://").to_owned();
    let mut db = diesel::SqliteConnection::establish(&path).expect("the database");
    let query = |sql: &str, db: &mut diesel::SqliteConnection| {
        diesel::sql_query(sql)
            .get_result::<One>(db)
            .expect("a value")
            .v
    };
    let schema = query(
        "SELECT MAX(version) AS v FROM __diesel_schema_migrations",
        &mut db,
    );
    let header = |schema: &str| json!({"newsdesk_backup": 1, "schema": schema, "source": "postgres", "taken_at": "now"});
    let term = json!({"table": "terms", "row": {
        "id": 1, "kind": "tag", "slug": "bridges", "name": "Bridges", "description": null,
        "email": null, "created_at": "2026-11-02T10:00:00", "updated_at": "2026-11-02T10:00:00"
    }});
    let dir = tempfile::tempdir().expect("a directory");
    let write = |name: &str, lines: &[String]| {
        let file = dir.path().join(name);
        std::fs::write(&file, lines.join("\n")).expect("written");
        file
    };

    let truncated = write(
        "truncated.ndjson",
        &[
            header(&schema).to_string(),
            term.to_string(),
            "{\"table\": \"terms\", \"row\"".into(),
        ],
    );
    let err = failed_restore(&target.url, &truncated);
    assert!(err.contains("line 3"), "the bad line is named: {err}");
    let other_schema = write(
        "old.ndjson",
        &[header("20200101000000").to_string(), term.to_string()],
    );
    assert!(failed_restore(&target.url, &other_schema).contains("schema"));
    let unknown = write(
        "unknown.ndjson",
        &[
            header(&schema).to_string(),
            json!({"table": "secrets", "row": {}}).to_string(),
        ],
    );
    assert!(failed_restore(&target.url, &unknown).contains("secrets"));
    let garbage = write("garbage.bin", &["not a backup at all".into()]);
    assert!(failed_restore(&target.url, &garbage).contains("neither"));
    // The good row of the truncated archive went with the rest.
    assert_eq!(
        query("SELECT CAST(COUNT(*) AS TEXT) AS v FROM terms", &mut db),
        "0"
    );
    let good = write(
        "good.ndjson",
        &[header(&schema).to_string(), term.to_string()],
    );
    cli(&target.url, &["restore", good.to_str().expect("UTF-8")]);
    assert_eq!(query("SELECT slug AS v FROM terms", &mut db), "bridges");
}
