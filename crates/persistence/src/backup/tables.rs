//! The rows a backup holds: every table of `schema.rs`, column for column,
//! in an order where each row's parents come first. One macro writes the
//! row type, the paged dump and the batched load of each, so a column added
//! to the schema and not here fails to compile (`Selectable` checks it).

use diesel::dsl::max;
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use serde::{Deserialize, Serialize};

use crate::conn::DbConn;
use crate::schema;

type Ts = chrono::NaiveDateTime;

/// Rows are read in windows of this many key values, so a backup of a
/// large archive never holds a whole table in memory.
const WINDOW: i64 = 1000;
/// Rows inserted a statement (well under SQLite's 32,766 bound variables).
pub(super) const BATCH: usize = 200;

/// A row read from or bound for one table.
pub(super) type Sink<'a> = dyn FnMut(&'static str, serde_json::Value) -> Result<(), String> + 'a;

macro_rules! backup_tables {
    ($( $table:ident => $Row:ident, window $key:ident, order ($($pk:ident),+) {
        $($col:ident: $ty:ty),+ $(,)?
    } )+) => {
        $(
            #[derive(Debug, Queryable, Selectable, Insertable, Serialize, Deserialize)]
            #[diesel(table_name = schema::$table, treat_none_as_default_value = false)]
            #[serde(deny_unknown_fields)]
            pub(super) struct $Row { $(pub $col: $ty),+ }
        )+

        /// Every table a backup holds, parents before children.
        pub const TABLES: &[&str] = &[$(stringify!($table)),+];

        /// Sends every row of `table` to `sink`; how many.
        pub(super) fn dump(conn: &mut DbConn, table: &str, sink: &mut Sink<'_>) -> Result<u64, String> {
            match table {
                $(stringify!($table) => {
                    use schema::$table::dsl as t;
                    let mut n = 0;
                    let mut low = i64::MIN;
                    loop {
                        // The window ends at the WINDOW-th key after `low` (or
                        // the last), so rows sharing a key never straddle two.
                        let high: Option<i64> = t::$table
                            .select(t::$key)
                            .filter(t::$key.gt(low))
                            .order_by(t::$key)
                            .offset(WINDOW - 1)
                            .first(conn)
                            .optional()
                            .map_err(sql)?;
                        let high = match high {
                            Some(h) => h,
                            None => t::$table
                                .select(max(t::$key))
                                .first::<Option<i64>>(conn)
                                .map_err(sql)?
                                .unwrap_or(i64::MIN),
                        };
                        if high <= low {
                            break;
                        }
                        let rows: Vec<$Row> = t::$table
                            .filter(t::$key.gt(low).and(t::$key.le(high)))
                            .order_by(($(t::$pk),+))
                            .select($Row::as_select())
                            .load(conn)
                            .map_err(sql)?;
                        for row in rows {
                            let value = serde_json::to_value(&row).map_err(|e| e.to_string())?;
                            sink(stringify!($table), value)?;
                            n += 1;
                        }
                        low = high;
                    }
                    Ok(n)
                })+
                other => Err(format!("no table {other:?} in a backup")),
            }
        }

        /// Inserts rows of `table` given as JSON objects.
        pub(super) fn load(
            conn: &mut DbConn,
            table: &str,
            rows: Vec<serde_json::Value>,
        ) -> Result<(), String> {
            match table {
                $(stringify!($table) => {
                    let rows = rows
                        .into_iter()
                        .map(serde_json::from_value::<$Row>)
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|e| format!("a {} row does not fit: {e}", stringify!($table)))?;
                    // The multi-backend type has no batch insert: each arm has its own.
                    match conn {
                        DbConn::Sqlite(c) => diesel::insert_into(schema::$table::table)
                            .values(&rows)
                            .execute(c),
                        DbConn::Pg(c) => diesel::insert_into(schema::$table::table)
                            .values(&rows)
                            .execute(c),
                    }
                    .map_err(sql)?;
                    Ok(())
                })+
                other => Err(format!("the backup names a table this version lacks: {other:?}")),
            }
        }

        /// Rows in `table`.
        pub(super) fn count(conn: &mut DbConn, table: &str) -> Result<i64, String> {
            match table {
                $(stringify!($table) => schema::$table::table.count().get_result(conn).map_err(sql),)+
                other => Err(format!("no table {other:?}")),
            }
        }
    };
}

fn sql(e: DieselError) -> String {
    format!("database error: {e}")
}

backup_tables! {
    terms => TermRow, window id, order (id) {
        id: i64, kind: String, slug: String, name: String, description: Option<String>,
        email: Option<String>, created_at: Ts, updated_at: Ts,
    }
    users => UserRow, window id, order (id) {
        id: i64, email: String, password_hash: String, role: String, author_id: Option<i64>,
        created_at: Ts, disabled: bool, token_generation: i32,
    }
    articles => ArticleRow, window id, order (id) {
        id: i64, slug: String, title: String, subtitle: Option<String>, excerpt: String,
        body_source: String, body_format: String, body_html: String, body_text: String,
        status: String, section_id: Option<i64>, published_at: Option<Ts>, sort_at: Ts,
        created_at: Ts, updated_at: Ts, canonical_url: Option<String>,
        image_url: Option<String>, image_alt: Option<String>, image_caption: Option<String>,
        source_name: Option<String>, source_url: Option<String>, language: String,
        word_count: i32, reading_time_minutes: i32, contact_email: Option<String>,
        version: i32, created_by: Option<i64>, comments_closed: bool, comment_count: i64,
        correction_count: i32,
    }
    article_terms => ArticleTermRow, window article_id, order (article_id, term_id) {
        article_id: i64, term_id: i64, position: i32,
    }
    article_vectors => ArticleVectorRow, window article_id, order (article_id) {
        article_id: i64, term_vector: String, recipe: i32,
    }
    article_revisions => RevisionRow, window id, order (id) {
        id: i64, article_id: i64, version: i32, snapshot: String, created_at: Ts,
        created_by: Option<i64>,
    }
    article_corrections => CorrectionRow, window id, order (id) {
        id: i64, article_id: i64, text: String, published_at: Ts, created_by: Option<i64>,
    }
    api_keys => ApiKeyRow, window id, order (id) {
        id: i64, name: String, prefix: String, key_hash: String, rate_limit_per_minute: i32,
        created_at: Ts, revoked_at: Option<Ts>, policy: Option<String>,
    }
    comments => CommentRow, window id, order (id) {
        id: i64, article_id: i64, parent_id: Option<i64>, depth: i32, author_name: String,
        author_email: Option<String>, body: String, status: String, client: String,
        created_at: Ts, moderated_at: Option<Ts>, moderated_by: Option<i64>,
    }
    article_changes => ChangeRow, window seq, order (seq) {
        seq: i64, article_id: i64, slug: String, kind: String, changed_at: Ts,
        due_at: Option<Ts>, event: Option<String>, fired: bool, comment_id: Option<i64>,
    }
    page_views => PageViewRow, window article_id, order (article_id, bucket, span) {
        article_id: i64, bucket: i64, span: i32, views: i64,
    }
    webhooks => WebhookRow, window id, order (id) {
        id: i64, kind: String, url: String, events: String, secret: Option<String>,
        topic: Option<String>, expires_at: Option<Ts>, enabled: bool,
        disabled_reason: Option<String>, last_success_at: Option<Ts>, created_at: Ts,
    }
    webhook_deliveries => DeliveryRow, window id, order (id) {
        id: i64, webhook_id: i64, event_seq: i64, status: String, attempts: i32,
        next_attempt_at: Ts, claimed_until: Option<Ts>, last_status_code: Option<i32>,
        last_error: Option<String>, last_attempt_at: Option<Ts>, created_at: Ts,
    }
}

/// Tables whose key the database hands out: PostgreSQL's identity must
/// continue after the restored rows.
pub(super) const IDENTITIES: &[(&str, &str)] = &[
    ("terms", "id"),
    ("users", "id"),
    ("articles", "id"),
    ("article_revisions", "id"),
    ("article_corrections", "id"),
    ("api_keys", "id"),
    ("comments", "id"),
    ("article_changes", "seq"),
    ("webhooks", "id"),
    ("webhook_deliveries", "id"),
];
