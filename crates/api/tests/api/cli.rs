//! The `newsdesk` binary: import (plain text and NDJSON), export, generate.

use std::path::Path;
use std::process::{Command, Output};

use serde_json::Value;

use crate::helpers::{TestApp, TestDb};

e2e!(
    user_add_reads_password_from_stdin,
    serve_bootstraps_admin_and_guards_production,
    demo_corpus_loads_once_into_an_empty_database,
    imports_publisher_layout,
    ndjson_bad_lines_are_reported_rest_imports,
    export_import_export_is_identical,
    generate_is_deterministic,
    email_bylines_resolve_to_one_profile,
);

/// The seed page's byline and furniture, whole: an e-mail-only byline finds
/// the profile that has that e-mail, whatever it is called by now.
async fn email_bylines_resolve_to_one_profile(app: TestApp) {
    let out = newsdesk(&app.db.url, &["import", &fixture("wire-ceasefire.txt")]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let slug = "ceasefire-talks-resume-in-geneva-as-envoys-meet-for-a-third-day";
    let (_, first) = app.get_json(&format!("/api/v1/articles/{slug}")).await;
    assert_eq!(first["data"]["authors"][0]["name"], "R. Castellanos");
    assert_eq!(first["data"]["section"]["name"], "World News");
    let editor = app.staff("ed@example.org", "editor");
    let renamed = app
        .send(
            "PATCH",
            "/api/v1/authors/r-castellanos",
            Some(&editor),
            Some(serde_json::json!({"name": "Rosa Castellanos"})),
        )
        .await;
    assert_eq!(renamed.status(), 200);
    let out = newsdesk(
        &app.db.url,
        &["import", &fixture("wire-ceasefire-follow-up.txt")],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let (_, second) = app
        .get_json("/api/v1/articles/monitoring-mission-agreed-on-the-fourth-day-of-geneva-talks")
        .await;
    assert_eq!(second["data"]["authors"][0]["slug"], "r-castellanos");
    assert_eq!(second["data"]["authors"][0]["name"], "Rosa Castellanos");
    let (_, authors) = app.get_json("/api/v1/authors").await;
    assert_eq!(
        authors["data"].as_array().map(Vec::len),
        Some(1),
        "{authors}"
    );
    assert!(!authors.to_string().to_lowercase().contains("castellanos@"));
}

fn newsdesk(db_url: &str, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .env("NEWSDESK_DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .output()
        .expect("the binary runs")
}

fn newsdesk_stdin(db_url: &str, args: &[&str], stdin: &str) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(args)
        .env("NEWSDESK_DATABASE_URL", db_url)
        .env("RUST_LOG", "warn")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the binary runs");
    child
        .stdin
        .take()
        .expect("stdin")
        .write_all(stdin.as_bytes())
        .expect("password written");
    child.wait_with_output().expect("finished")
}

fn fixture(name: &str) -> String {
    Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("tests/fixtures")
        .join(name)
        .display()
        .to_string()
}

fn another(app: &TestApp) -> Option<TestDb> {
    match app.db.backend {
        newsdesk_persistence::Backend::Sqlite => Some(TestDb::sqlite()),
        newsdesk_persistence::Backend::Postgres => TestDb::postgres("second database"),
    }
}

async fn imports_publisher_layout(app: TestApp) {
    let out = newsdesk(
        &app.db.url,
        &[
            "import",
            &fixture("harbour-bridge.txt"),
            &fixture("orchard-frost.txt"),
            &fixture("empty-story.txt"),
        ],
    );
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        !out.status.success(),
        "one file is empty, so the import reports failure"
    );
    assert!(stderr.contains("empty-story.txt"), "{stderr}");
    assert!(stderr.contains("imported 2 articles"), "{stderr}");

    let (status, body) = app.get_json("/api/v1/articles/harbour-bridge-approved-after-decade-of-delays-and-two-public-inquiries").await;
    assert_eq!(status, 200, "{body}");
    let a = &body["data"];
    assert_eq!(a["authors"][0]["name"], "Maria Okafor");
    let tags: Vec<_> = a["tags"]
        .as_array()
        .expect("tags")
        .iter()
        .map(|t| t["name"].as_str().expect("name"))
        .collect();
    assert_eq!(
        tags,
        ["Local Government", "Harbour", "Infrastructure", "Transport"]
    );
    let text = a["body_text"].as_str().expect("text");
    assert!(text.starts_with("Councillors voted seven to two"));
    assert!(text.ends_with("still unfinished."));
    assert_eq!(text.split("\n\n").count(), 4);
    let whole = body.to_string();
    for furniture in [
        "Join the Discussion",
        "Ferry Timetable",
        "Real Time Analytics",
        "m.okafor@",
        "More Home News",
    ] {
        assert!(
            !whole.contains(furniture),
            "{furniture} ended up in the article"
        );
    }
    assert_eq!(a["status"], "published");

    let (_, frost) = app.get_json("/api/v1/articles?tag=apples").await;
    let f = &frost["data"][0];
    assert_eq!(
        f["title"],
        "Late Frost Threatens Apple Harvest in the Valley Orchards"
    );
    // An e-mail-only byline is by a profile named from the address, and
    // "More Home News" names the section; the e-mail stays private.
    assert_eq!(f["authors"][0]["name"], "Newsroom");
    assert_eq!(f["section"]["slug"], "home-news");
    assert!(!frost.to_string().contains("newsroom@"));

    // Re-importing the same slug updates rather than duplicates.
    let again = newsdesk(
        &app.db.url,
        &["import", "--status", "draft", &fixture("orchard-frost.txt")],
    );
    assert!(
        again.status.success(),
        "{}",
        String::from_utf8_lossy(&again.stderr)
    );
    let (_, list) = app.get_json("/api/v1/articles?limit=100").await;
    assert_eq!(
        list["data"].as_array().map(Vec::len),
        Some(1),
        "the frost story became a draft: {list}"
    );
}

async fn ndjson_bad_lines_are_reported_rest_imports(app: TestApp) {
    let dir = tempfile::tempdir().expect("tempdir");
    let path = dir.path().join("batch.ndjson");
    let lines = [
        r#"{"title": "First good line", "body": "Text *one*.", "tags": ["One"]}"#,
        r#"{"title": "Broken JSON"#,
        r#"{"title": "", "body": "no title"}"#,
        "",
        r#"{"title": "Second good line", "body_format": "html", "body": "<p>Two<script>x()</script></p>", "status": "draft"}"#,
        r#"{"title": "Bad status", "status": "live"}"#,
        r#"{"title": "Third good line", "published_at": "2024-03-14T09:00:00Z", "section": "Archive"}"#,
        // PostgreSQL refused NUL as an internal error; SQLite stored it.
        r#"{"title": "Nul in body", "body": "a\u0000b", "tags": ["t\u0000"]}"#,
    ];
    std::fs::write(&path, lines.join("\n")).expect("written");
    let file = path.display().to_string();
    let out = newsdesk(&app.db.url, &["import", &file]);
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!out.status.success());
    for line in [2, 3, 6, 8] {
        assert!(
            stderr.contains(&format!("{file}:{line}:")),
            "line {line} not reported: {stderr}"
        );
    }
    assert!(stderr.contains("title: is required"), "{stderr}");
    assert!(
        stderr.contains("body: must not contain a NUL character"),
        "{stderr}"
    );
    assert!(!stderr.contains("internal error"), "{stderr}");
    assert!(stderr.contains("imported 3 articles"), "{stderr}");
    let (_, list) = app.get_json("/api/v1/articles").await;
    let slugs: Vec<_> = list["data"]
        .as_array()
        .expect("list")
        .iter()
        .map(|a| a["slug"].as_str().expect("slug").to_owned())
        .collect();
    assert_eq!(
        slugs,
        ["first-good-line", "third-good-line"],
        "the draft stays private"
    );
    assert_eq!(list["data"][0]["body_html"], "<p>Text <em>one</em>.</p>\n");
    assert_eq!(list["data"][1]["published_at"], "2024-03-14T09:00:00Z");
}

async fn export_import_export_is_identical(app: TestApp) {
    let Some(second) = another(&app) else { return };
    let seed = newsdesk(
        &app.db.url,
        &["generate", "--articles", "40", "--seed", "9"],
    );
    assert!(
        seed.status.success(),
        "{}",
        String::from_utf8_lossy(&seed.stderr)
    );
    let imported = newsdesk(
        &app.db.url,
        &[
            "import",
            "--status",
            "draft",
            &fixture("harbour-bridge.txt"),
        ],
    );
    assert!(imported.status.success());
    let editor = app.staff("ed@example.org", "editor");
    let corrected = app
        .send(
            "POST",
            "/api/v1/articles/harbour-bridge-approved-after-decade-of-delays-and-two-public-inquiries/corrections",
            Some(&editor),
            Some(serde_json::json!({"text": "The inquiries were in 2019 and 2022."})),
        )
        .await;
    assert_eq!(corrected.status(), 201);
    let first = newsdesk(&app.db.url, &["export"]);
    assert!(first.status.success());
    let lines = String::from_utf8(first.stdout.clone()).expect("utf-8");
    assert_eq!(lines.lines().count(), 41);
    let line: Value = serde_json::from_str(lines.lines().last().expect("a line")).expect("json");
    assert_eq!(line["status"], "draft");
    assert!(line["created_at"].is_string() && line["tags"].is_array());
    assert_eq!(
        line["corrections"][0]["text"], "The inquiries were in 2019 and 2022.",
        "a backup keeps corrections"
    );

    let dir = tempfile::tempdir().expect("tempdir");
    let backup = dir.path().join("backup.ndjson");
    std::fs::write(&backup, &first.stdout).expect("written");
    let restored = newsdesk(&second.url, &["import", &backup.display().to_string()]);
    assert!(
        restored.status.success(),
        "{}",
        String::from_utf8_lossy(&restored.stderr)
    );
    let again = newsdesk(&second.url, &["export"]);
    assert_eq!(
        String::from_utf8_lossy(&again.stdout),
        lines,
        "export of the restore differs"
    );
}

async fn generate_is_deterministic(app: TestApp) {
    let Some(second) = another(&app) else { return };
    for db in [&app.db.url, &second.url] {
        let out = newsdesk(db, &["generate", "--articles", "30", "--seed", "3"]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
    }
    let a = newsdesk(&app.db.url, &["export"]).stdout;
    let b = newsdesk(&second.url, &["export"]).stdout;
    assert!(!a.is_empty());
    // Creation times are "now" at import; compare everything else.
    let strip = |bytes: &[u8]| -> Vec<Value> {
        String::from_utf8_lossy(bytes)
            .lines()
            .map(|l| {
                let mut v: Value = serde_json::from_str(l).expect("json");
                v.as_object_mut().map(|o| o.remove("updated_at"));
                v
            })
            .collect()
    };
    let (a, b) = (strip(&a), strip(&b));
    assert_eq!(a, b);
    let sizes: Vec<usize> = a
        .iter()
        .map(|v| v["body"].as_str().map_or(0, str::len))
        .collect();
    assert!(sizes.iter().all(|s| (3000..8500).contains(s)), "{sizes:?}");
    let (_, tags) = app.get_json("/api/v1/tags?limit=100").await;
    assert!(tags["data"].as_array().map_or(0, Vec::len) > 20);
}

async fn demo_corpus_loads_once_into_an_empty_database(app: TestApp) {
    let loaded = newsdesk_api::demo::load_if_empty(app.state.store.as_ref()).expect("demo loads");
    assert_eq!(loaded, 40);
    assert_eq!(
        newsdesk_api::demo::load_if_empty(app.state.store.as_ref()).expect("second call"),
        0
    );
    let (_, list) = app.get_json("/api/v1/articles?limit=100").await;
    let items = list["data"].as_array().expect("list");
    assert_eq!(items.len(), 39, "the one demo draft stays private");
    assert!(items
        .iter()
        .all(|a| a["authors"].as_array().is_some_and(|a| !a.is_empty())));
    assert!(
        !list.to_string().contains("@newsdesk.example"),
        "byline e-mails leaked"
    );
    let (_, sections) = app.get_json("/api/v1/sections").await;
    let names: Vec<_> = sections["data"]
        .as_array()
        .expect("list")
        .iter()
        .map(|s| s["name"].as_str().expect("name").to_owned())
        .collect();
    assert!(names.contains(&"Home News".to_owned()), "{names:?}");
    let (_, home) = app
        .get_json("/api/v1/articles?section=home-news&limit=100")
        .await;
    assert!(home["data"].as_array().map_or(0, Vec::len) >= 10);
}

async fn user_add_reads_password_from_stdin(app: TestApp) {
    let out = newsdesk_stdin(
        &app.db.url,
        &[
            "user",
            "add",
            "--email",
            "Desk@Example.org",
            "--role",
            "author",
            "--author",
            "Desk Writer",
        ],
        "a long stdin password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("created author desk@example.org"));
    let login = app
        .send("POST", "/api/v1/auth/token", None, Some(serde_json::json!({"email": "desk@example.org", "password": "a long stdin password"})))
        .await;
    assert_eq!(login.status(), 200);
    let token = login.json::<Value>().await.expect("json")["access_token"]
        .as_str()
        .expect("token")
        .to_owned();
    // The linked profile bylines the author's drafts, which makes them the author's own.
    let created = app
        .send(
            "POST",
            "/api/v1/articles",
            Some(&token),
            Some(serde_json::json!({"title": "Desk notes"})),
        )
        .await;
    let created: Value = created.json().await.expect("json");
    assert_eq!(created["data"]["authors"][0]["name"], "Desk Writer");

    let again = newsdesk_stdin(
        &app.db.url,
        &[
            "user",
            "add",
            "--email",
            "desk@example.org",
            "--role",
            "author",
        ],
        "another long password\n",
    );
    assert!(!again.status.success(), "a duplicate e-mail is refused");
    let weak = newsdesk_stdin(
        &app.db.url,
        &["user", "add", "--email", "x@example.org", "--role", "admin"],
        "short\n",
    );
    assert!(!weak.status.success());
    assert!(String::from_utf8_lossy(&weak.stderr).contains("password"));
}

async fn serve_bootstraps_admin_and_guards_production(app: TestApp) {
    let refused = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["serve", "--bind", "127.0.0.1:0"])
        .env("NEWSDESK_DATABASE_URL", &app.db.url)
        .env("NEWSDESK_ENV", "production")
        .env_remove("NEWSDESK_JWT_SECRET")
        .output()
        .expect("runs");
    assert!(!refused.status.success());
    assert!(String::from_utf8_lossy(&refused.stderr).contains("NEWSDESK_JWT_SECRET is required"));

    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .expect("port")
        .local_addr()
        .expect("addr")
        .port();
    let mut server = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["serve", "--bind", &format!("127.0.0.1:{port}")])
        .env("NEWSDESK_DATABASE_URL", &app.db.url)
        .env("NEWSDESK_ADMIN_EMAIL", "boss@example.org")
        .env("NEWSDESK_ADMIN_PASSWORD", "bootstrap password")
        .env("NEWSDESK_JWT_SECRET", "0123456789abcdef0123456789abcdef")
        .env("RUST_LOG", "warn")
        .spawn()
        .expect("serves");
    let base = format!("http://127.0.0.1:{port}");
    let mut ready = false;
    for _ in 0..100 {
        if app
            .client
            .get(format!("{base}/readyz"))
            .send()
            .await
            .is_ok_and(|r| r.status() == 200)
        {
            ready = true;
            break;
        }
        actix_web::rt::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    let login = app
        .client
        .post(format!("{base}/api/v1/auth/token"))
        .json(&serde_json::json!({"email": "boss@example.org", "password": "bootstrap password"}))
        .send()
        .await;
    let _ = server.kill();
    let _ = server.wait();
    assert!(ready, "the server came up");
    assert_eq!(login.expect("sent").status(), 200);
}
