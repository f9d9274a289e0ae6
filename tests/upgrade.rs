//! A database written by an older release, opened by this one: term
//! vectors an older recipe made are made again when the server starts, on
//! both backends, without overwriting one a write has made meanwhile.

use std::time::{Duration, Instant};

use diesel::sql_types::{BigInt, Text};
use diesel::{Connection, QueryableByName, RunQueryDsl};
use newsdesk_domain::store::DiscoveryStore;
use newsdesk_domain::text::{term_vector, VECTOR_RECIPE};
use newsdesk_e2e::{http, Server, TestDb};
use newsdesk_persistence::{Backend, DbConn, Store};

const ENV: &[(&str, &str)] = &[
    (
        "NEWSDESK_JWT_SECRET",
        "the secret of the upgrade tests, long enough",
    ),
    ("NEWSDESK_RATE_LIMIT", "0"),
];

mod sqlite {
    #[test]
    fn stale_term_vectors_are_made_again_on_start() {
        super::stale_term_vectors_are_made_again(newsdesk_e2e::TestDb::sqlite());
    }
}

mod postgres {
    #[test]
    fn stale_term_vectors_are_made_again_on_start() {
        if let Some(db) = newsdesk_e2e::TestDb::postgres("stale_term_vectors_are_made_again") {
            super::stale_term_vectors_are_made_again(db);
        }
    }
}

#[derive(QueryableByName)]
struct Row {
    #[diesel(sql_type = BigInt)]
    id: i64,
    #[diesel(sql_type = Text)]
    title: String,
    #[diesel(sql_type = Text)]
    body_text: String,
    #[diesel(sql_type = Text)]
    term_vector: String,
    #[diesel(sql_type = BigInt)]
    recipe: i64,
    #[diesel(sql_type = BigInt)]
    old_words: i64,
}

const ROWS: &str = "SELECT a.id, a.title, a.body_text, v.term_vector, \
     CAST(v.recipe AS BIGINT) AS recipe, \
     (SELECT COUNT(*) FROM article_words w WHERE w.article_id = a.id AND w.stem = 'oldword') \
     AS old_words \
     FROM articles a JOIN article_vectors v ON v.article_id = a.id ORDER BY a.id";

/// A connection of its own to the test database, of either backend.
fn connect(db: &TestDb) -> DbConn {
    match db.backend {
        Backend::Sqlite => DbConn::Sqlite(
            diesel::SqliteConnection::establish(db.url.trim_start_matches("sqlite://"))
                .expect("the SQLite file opens"),
        ),
        Backend::Postgres => {
            DbConn::Pg(diesel::PgConnection::establish(&db.url).expect("PostgreSQL answers"))
        }
    }
}

fn read_rows(db: &TestDb) -> Vec<Row> {
    diesel::sql_query(ROWS)
        .load(&mut connect(db))
        .expect("the query runs")
}

fn execute(db: &TestDb, sql: &str) -> usize {
    diesel::sql_query(sql)
        .execute(&mut connect(db))
        .expect("the statement runs")
}

/// The store lists stale vectors newest first and will not overwrite a
/// vector a write has made since; the rows are left as they were.
fn store_finds_them_and_keeps_current_ones(db: &TestDb, rows: &[Row]) {
    let store = Store::open(&db.url, 1).expect("the store opens");
    let stale = store
        .stale_vectors(VECTOR_RECIPE, 3)
        .expect("stale vectors");
    let newest: Vec<i64> = rows.iter().rev().take(3).map(|r| r.id).collect();
    assert_eq!(stale.iter().map(|s| s.0).collect::<Vec<_>>(), newest);
    let first = &rows[0];
    let fresh = term_vector(&first.title, &first.body_text);
    execute(
        db,
        &format!(
            "UPDATE article_vectors SET recipe = {VECTOR_RECIPE}, term_vector = '{fresh}' \
             WHERE article_id = {}",
            first.id
        ),
    );
    let replaced = store
        .replace_vectors(VECTOR_RECIPE, &[(first.id, "other|other|1".into())])
        .expect("replace");
    assert_eq!(replaced, 0, "a current vector was overwritten");
    execute(
        db,
        &format!(
            "UPDATE article_vectors SET recipe = 1 WHERE article_id = {}",
            first.id
        ),
    );
}

fn stale_term_vectors_are_made_again(db: TestDb) {
    // The demo corpus, written by this release, then made to look as an
    // older release left it: recipe 1, a vector of another recipe.
    drop(Server::on(&db.url, &["--demo"], ENV));
    let n = execute(
        &db,
        "UPDATE article_vectors SET recipe = 1, term_vector = 'oldword|oldword|3'",
    );
    assert!(n >= 20, "the demo corpus has articles ({n})");
    let rows = read_rows(&db);
    // The UPDATE trigger keeps article_words in step with the vectors.
    assert!(rows.iter().all(|r| r.old_words == 1 && r.recipe == 1));

    store_finds_them_and_keeps_current_ones(&db, &rows);

    // Started again, the server makes every vector again, in the
    // background, with the words index in step.
    let server = Server::on(&db.url, &[], ENV);
    let deadline = Instant::now() + Duration::from_secs(60);
    let rows = loop {
        let rows = read_rows(&db);
        if rows.iter().all(|r| r.recipe == i64::from(VECTOR_RECIPE)) {
            break rows;
        }
        assert!(Instant::now() < deadline, "vectors are still stale");
        std::thread::sleep(Duration::from_millis(200));
    };
    assert_eq!(rows.len(), n);
    for r in &rows {
        assert_eq!(
            r.term_vector,
            term_vector(&r.title, &r.body_text),
            "{}",
            r.id
        );
        assert_eq!(
            r.old_words, 0,
            "article_words still has the old vector's words"
        );
    }
    // And related news ranks by them.
    let slug: String = http()
        .get(format!("{}/api/v1/articles?limit=1", server.base))
        .send()
        .and_then(|r| r.json::<serde_json::Value>())
        .map(|v| v["data"][0]["slug"].as_str().unwrap_or_default().to_owned())
        .expect("an article list");
    let related: serde_json::Value = http()
        .get(format!("{}/api/v1/articles/{slug}/related", server.base))
        .send()
        .and_then(|r| r.json())
        .expect("related news");
    let reasons = related["data"][0]["reasons"].to_string();
    assert!(reasons.contains("similar_text"), "{related}");
}
