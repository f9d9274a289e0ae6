//! The search query parser: whatever a reader types either is a 400 or
//! renders to an FTS5 expression that SQLite's own parser accepts (so no
//! input can smuggle an operator or a column filter into MATCH), and to
//! highlighted snippets whose only markup is `<mark>`.
#![no_main]

use std::cell::RefCell;

use diesel::prelude::*;
use diesel::sql_types::{BigInt, Text};
use diesel::sqlite::SqliteConnection;
use libfuzzer_sys::fuzz_target;
use newsdesk_domain::search::{highlight, SearchQuery};

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = BigInt)]
    n: i64,
}

thread_local! {
    static DB: RefCell<SqliteConnection> = RefCell::new({
        let mut db = SqliteConnection::establish(":memory:").expect("in-memory SQLite");
        diesel::sql_query("CREATE VIRTUAL TABLE docs USING fts5(title, body)")
            .execute(&mut db)
            .expect("FTS5 is compiled in");
        diesel::sql_query("INSERT INTO docs VALUES ('harbour bridge', 'the council voted')")
            .execute(&mut db)
            .expect("insert");
        db
    });
}

fuzz_target!(|raw: &str| {
    let Ok(query) = SearchQuery::parse(raw) else {
        return;
    };
    let fts = query.fts5();
    DB.with(|db| {
        let found = diesel::sql_query("SELECT count(*) AS n FROM docs WHERE docs MATCH ?")
            .bind::<Text, _>(&fts)
            .get_result::<Count>(&mut *db.borrow_mut());
        if let Err(e) = found {
            panic!("FTS5 refused {fts:?} (from {raw:?}): {e}");
        }
        assert!(found.is_ok_and(|c| c.n >= 0));
    });
    let _ = query.websearch();
    let marked = highlight(raw, &query.positive_stems(), 30);
    let without_marks = marked.replace("<mark>", "").replace("</mark>", "");
    assert!(
        !without_marks.contains('<') && !without_marks.contains('>'),
        "a snippet carried markup: {marked:?}"
    );
});
