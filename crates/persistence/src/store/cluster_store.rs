//! `ClusterStore`: rate-limit counts that nodes on one database share.

use super::{db_err, Store};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Text};
use newsdesk_domain::error::DomainResult;
use newsdesk_domain::store::ClusterStore;

#[derive(QueryableByName)]
struct Count {
    #[diesel(sql_type = Text)]
    key: String,
    #[diesel(sql_type = BigInt)]
    total: i64,
}

impl ClusterStore for Store {
    fn share_counts(
        &self,
        node: &str,
        window: i64,
        counts: &[(String, i64)],
    ) -> DomainResult<Vec<(String, i64)>> {
        let mut conn = self.conn()?;
        conn.transaction::<_, DieselError, _>(|c| {
            for (key, count) in counts {
                // `ON CONFLICT ... DO UPDATE` is the same on both backends.
                diesel::sql_query(
                    "INSERT INTO rate_counts (key, window_start, node, count) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (key, window_start, node) DO UPDATE SET count = excluded.count",
                )
                .bind::<Text, _>(key)
                .bind::<BigInt, _>(window)
                .bind::<Text, _>(node)
                .bind::<BigInt, _>(*count)
                .execute(c)?;
            }
            diesel::sql_query("DELETE FROM rate_counts WHERE window_start < $1")
                .bind::<BigInt, _>(window - 60)
                .execute(c)?;
            let others: Vec<Count> = diesel::sql_query(
                "SELECT key, CAST(SUM(count) AS BIGINT) AS total FROM rate_counts \
                 WHERE window_start = $1 AND node <> $2 GROUP BY key",
            )
            .bind::<BigInt, _>(window)
            .bind::<Text, _>(node)
            .load(c)?;
            Ok(others.into_iter().map(|c| (c.key, c.total)).collect())
        })
        .map_err(db_err)
    }
}
