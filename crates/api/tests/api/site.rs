//! `serve --site DIR`: a built front end at the root, its page paths
//! answered with its index.html, and the API's own answers unchanged.

use std::path::{Path, PathBuf};
use std::process::Command;

use crate::helpers::{assert_problem, TestApp, TestDb};
use newsdesk_api::auth::AuthSettings;

/// A built site as Vite lays it out: index.html and content-named assets.
fn built_site() -> tempfile::TempDir {
    let dir = tempfile::tempdir().expect("a temporary directory");
    std::fs::write(
        dir.path().join("index.html"),
        "<!doctype html><title>reader</title><script type=module src=/assets/app-1a2b.js></script>",
    )
    .expect("index written");
    std::fs::create_dir(dir.path().join("assets")).expect("assets");
    std::fs::write(
        dir.path().join("assets/app-1a2b.js"),
        "console.log('reader')",
    )
    .expect("js");
    std::fs::write(dir.path().join("robots-reader.txt"), "plain").expect("txt");
    dir
}

fn spawn_site(dir: &Path) -> TestApp {
    let site = PathBuf::from(dir);
    TestApp::spawn_configured(
        TestDb::sqlite(),
        AuthSettings::for_tests(),
        Default::default(),
        move |state| state.site = Some(std::sync::Arc::new(site)),
    )
}

async fn get_html(app: &TestApp, path: &str) -> reqwest::Response {
    app.client
        .get(format!("{}{path}", app.base))
        .header("accept", "text/html,application/xhtml+xml")
        .send()
        .await
        .expect("sent")
}

#[actix_web::test]
async fn the_site_is_served_at_the_root_and_its_page_paths() {
    let dir = built_site();
    let app = spawn_site(dir.path());
    for path in ["/", "/articles/some-story", "/tags/harbour", "/search"] {
        let res = get_html(&app, path).await;
        assert_eq!(res.status(), 200, "{path}");
        assert_eq!(res.headers()["cache-control"], "no-cache", "{path}");
        let body = res.text().await.expect("text");
        assert!(body.contains("<title>reader</title>"), "{path}: {body}");
    }
    let js = app.get("/assets/app-1a2b.js").await;
    assert_eq!(js.status(), 200);
    assert!(js.headers()["content-type"]
        .to_str()
        .expect("ascii")
        .contains("javascript"));
    assert!(js.headers()["cache-control"]
        .to_str()
        .expect("ascii")
        .contains("immutable"));
    assert!(js.headers().contains_key("etag"));
    assert_eq!(app.get("/robots-reader.txt").await.status(), 200);
}

#[actix_web::test]
async fn the_api_keeps_its_answers_and_nothing_leaves_the_site() {
    let dir = built_site();
    let app = spawn_site(dir.path());
    // A missing file, an unknown API path and a non-HTML request are 404s.
    for path in [
        "/assets/gone.js",
        "/api/v1/nothing-here",
        "/articles/x.json",
    ] {
        let res = get_html(&app, path).await;
        assert_problem(res, 404).await;
    }
    assert_problem(app.get("/some/page").await, 404).await;
    // Outside the directory: never served, however it is spelled.
    let secret = dir.path().parent().expect("parent").join("outside.txt");
    std::fs::write(&secret, "secret").expect("written");
    for path in [
        "/../outside.txt",
        "/%2e%2e/outside.txt",
        "/assets/..%2foutside.txt",
        "/.hidden",
    ] {
        let res = get_html(&app, path).await;
        let body = res.text().await.expect("text");
        assert!(!body.contains("secret"), "{path}");
    }
    let _ = std::fs::remove_file(secret);
    // The API's routes still answer, with their own types.
    let (status, body) = app.get_json("/api/v1/articles").await;
    assert_eq!(status, 200, "{body}");
    let post = app
        .client
        .post(format!("{}/", app.base))
        .send()
        .await
        .expect("sent");
    assert_eq!(post.status(), 405);
    assert_eq!(post.headers()["allow"], "GET, HEAD");
}

#[test]
fn serve_refuses_a_site_without_index_html() {
    let empty = tempfile::tempdir().expect("a temporary directory");
    let out = Command::new(env!("CARGO_BIN_EXE_newsdesk"))
        .args(["serve", "--bind", "127.0.0.1:0", "--site"])
        .arg(empty.path())
        .env("NEWSDESK_DATABASE_URL", "sqlite://:memory:")
        .env("RUST_LOG", "warn")
        .output()
        .expect("runs");
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("no index.html"), "{stderr}");
}
