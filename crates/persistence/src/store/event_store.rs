//! `EventStore`: the outbox's events, the receivers (webhooks and WebSub
//! subscriptions) and their deliveries. A delivery row is written in the
//! event's own transaction (`enqueue_since`), so an event is never lost
//! between the change and the sending; nodes claim due rows until a lease
//! ends, so a node that dies leaves its claims to the others.

use super::syndication_store::{log_change, serialize_writers, Logged};
use super::{db_err, Store, PUBLISHED};
use crate::conn::DbConn;
use crate::models::{naive, utc};
use crate::schema::{article_changes, articles, webhook_deliveries, webhooks};
use chrono::{DateTime, NaiveDateTime, Utc};
use diesel::prelude::*;
use diesel::result::Error as DieselError;
use diesel::sql_types::{BigInt, Nullable, Text, Timestamp};
use newsdesk_domain::error::DomainResult;
use newsdesk_domain::events::hooks::{
    Delivery, DeliveryStatus, Hook, HookKind, NewHook, Next, Settlement,
};
use newsdesk_domain::events::{purge, Event, EventKind};
use newsdesk_domain::store::{ChangeKind, EventStore};

/// Queues a pending delivery of every event after `after_seq` to every
/// live receiver that asked for it. Runs inside the writing transaction.
pub(super) fn enqueue_since(
    conn: &mut DbConn,
    after_seq: i64,
    now: NaiveDateTime,
) -> Result<(), DieselError> {
    // `$1` first: SQLite numbers parameters in the order they appear.
    diesel::sql_query(
        "INSERT INTO webhook_deliveries \
           (webhook_id, event_seq, status, attempts, next_attempt_at, created_at) \
         SELECT w.id, c.seq, 'pending', 0, $1, $1 \
         FROM article_changes c, webhooks w \
         WHERE c.seq > $2 AND c.event IS NOT NULL AND w.enabled \
           AND (w.expires_at IS NULL OR w.expires_at > $1) \
           AND w.events LIKE '%,' || c.event || ',%'",
    )
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(after_seq)
    .execute(conn)?;
    Ok(())
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhooks)]
struct HookRow {
    id: i64,
    kind: String,
    url: String,
    events: String,
    secret: Option<String>,
    topic: Option<String>,
    expires_at: Option<NaiveDateTime>,
    enabled: bool,
    disabled_reason: Option<String>,
    last_success_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

impl From<HookRow> for Hook {
    fn from(r: HookRow) -> Hook {
        Hook {
            id: r.id,
            kind: HookKind::parse(&r.kind).unwrap_or(HookKind::Webhook),
            url: r.url,
            events: r.events.split(',').filter_map(EventKind::parse).collect(),
            secret: r.secret,
            topic: r.topic,
            expires_at: r.expires_at.map(utc),
            enabled: r.enabled,
            disabled_reason: r.disabled_reason,
            last_success_at: r.last_success_at.map(utc),
            created_at: utc(r.created_at),
        }
    }
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = webhook_deliveries)]
struct DeliveryRow {
    id: i64,
    webhook_id: i64,
    event_seq: i64,
    status: String,
    attempts: i32,
    next_attempt_at: NaiveDateTime,
    last_status_code: Option<i32>,
    last_error: Option<String>,
    last_attempt_at: Option<NaiveDateTime>,
    created_at: NaiveDateTime,
}

#[derive(Debug, Queryable, Selectable)]
#[diesel(table_name = article_changes)]
struct EventRow {
    seq: i64,
    article_id: i64,
    slug: String,
    changed_at: NaiveDateTime,
    event: Option<String>,
    comment_id: Option<i64>,
}

impl EventRow {
    fn into_event(self) -> Option<Event> {
        Some(Event {
            seq: self.seq,
            kind: EventKind::parse(self.event.as_deref()?)?,
            article_id: self.article_id,
            slug: self.slug,
            at: utc(self.changed_at),
            comment_id: self.comment_id,
        })
    }
}

fn delivery(row: DeliveryRow, kind: EventKind) -> Delivery {
    let status = DeliveryStatus::parse(&row.status).unwrap_or(DeliveryStatus::Failed);
    Delivery {
        id: row.id,
        event_id: format!("evt_{}", row.event_seq),
        event: kind,
        status,
        attempts: row.attempts,
        next_attempt_at: (status == DeliveryStatus::Pending).then(|| utc(row.next_attempt_at)),
        last_status_code: row.last_status_code,
        last_error: row.last_error,
        last_attempt_at: row.last_attempt_at.map(utc),
        created_at: utc(row.created_at),
        hook_id: row.webhook_id,
        event_seq: row.event_seq,
    }
}

/// Deliveries with their events, read with one join.
fn load_deliveries(
    conn: &mut DbConn,
    query: webhook_deliveries::BoxedQuery<'_, <DbConn as diesel::Connection>::Backend>,
) -> Result<Vec<(Delivery, EventRow)>, DieselError> {
    let rows: Vec<DeliveryRow> = query.select(DeliveryRow::as_select()).load(conn)?;
    let seqs: Vec<i64> = rows.iter().map(|r| r.event_seq).collect();
    let events: Vec<EventRow> = article_changes::table
        .filter(article_changes::seq.eq_any(&seqs))
        .select(EventRow::as_select())
        .load(conn)?;
    Ok(rows
        .into_iter()
        .filter_map(|r| {
            let e = events.iter().find(|e| e.seq == r.event_seq)?;
            let kind = EventKind::parse(e.event.as_deref()?)?;
            let row = EventRow {
                seq: e.seq,
                article_id: e.article_id,
                slug: e.slug.clone(),
                changed_at: e.changed_at,
                event: e.event.clone(),
                comment_id: e.comment_id,
            };
            Some((delivery(r, kind), row))
        })
        .collect())
}

/// Marks claimed rows with a lease and returns their ids. PostgreSQL skips
/// rows another node is claiming this instant; SQLite has one writer.
fn claim_ids(
    conn: &mut DbConn,
    now: NaiveDateTime,
    until: NaiveDateTime,
    limit: u32,
) -> Result<Vec<i64>, DieselError> {
    #[derive(QueryableByName)]
    struct Id {
        #[diesel(sql_type = BigInt)]
        id: i64,
    }
    let lock = match conn {
        DbConn::Pg(_) => "FOR UPDATE SKIP LOCKED",
        DbConn::Sqlite(_) => "",
    };
    let ids: Vec<Id> = diesel::sql_query(format!(
        "UPDATE webhook_deliveries SET claimed_until = $1 WHERE id IN ( \
           SELECT id FROM webhook_deliveries \
           WHERE status = 'pending' AND next_attempt_at <= $2 \
             AND (claimed_until IS NULL OR claimed_until < $2) \
           ORDER BY next_attempt_at LIMIT $3 {lock}) \
         RETURNING id"
    ))
    .bind::<Timestamp, _>(until)
    .bind::<Timestamp, _>(now)
    .bind::<BigInt, _>(i64::from(limit))
    .load(conn)?;
    Ok(ids.into_iter().map(|i| i.id).collect())
}

impl Store {
    /// Writes the `article.published` of scheduled articles that came due.
    /// How many articles came due, and the keys that purges.
    fn fire_due_in(
        conn: &mut DbConn,
        now: NaiveDateTime,
    ) -> Result<(usize, Vec<String>), DieselError> {
        serialize_writers(conn)?;
        let due: Vec<(i64, String, Option<NaiveDateTime>)> = article_changes::table
            .inner_join(articles::table.on(articles::id.eq(article_changes::article_id)))
            .filter(article_changes::due_at.le(now))
            .filter(article_changes::fired.eq(false))
            .filter(articles::status.eq(PUBLISHED))
            // Still scheduled for this time: a later write that moved or
            // cancelled the schedule made this row stale.
            .filter(articles::sort_at.nullable().eq(article_changes::due_at))
            .select((articles::id, articles::slug, article_changes::due_at))
            .distinct()
            .load(conn)?;
        let mut fired = std::collections::HashSet::new();
        let mut keys = Vec::new();
        for (id, slug, due_at) in due {
            if fired.insert(id) {
                for key in super::watch::article_purge(id) {
                    purge::add(&mut keys, key);
                }
                let logged = Logged {
                    kind: ChangeKind::Updated,
                    event: Some(EventKind::ArticlePublished),
                    at: due_at.unwrap_or(now),
                    due_at: None,
                };
                log_change(conn, id, &slug, logged)?;
            }
        }
        diesel::update(
            article_changes::table
                .filter(article_changes::due_at.le(now))
                .filter(article_changes::fired.eq(false)),
        )
        .set(article_changes::fired.eq(true))
        .execute(conn)?;
        super::watch::announce_purge(conn, &keys)?;
        Ok((fired.len(), keys))
    }
}

impl EventStore for Store {
    fn events_after(&self, seq: i64, limit: u32) -> DomainResult<Vec<Event>> {
        let mut conn = self.conn()?;
        let rows: Vec<EventRow> = article_changes::table
            .filter(article_changes::seq.gt(seq))
            .filter(article_changes::event.is_not_null())
            .order(article_changes::seq)
            .limit(i64::from(limit))
            .select(EventRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().filter_map(EventRow::into_event).collect())
    }

    fn fire_due(&self, now: DateTime<Utc>) -> DomainResult<usize> {
        let now = naive(now);
        let mut conn = self.conn()?;
        // The common case, nothing due, costs one indexed read and no lock.
        let any: Option<i64> = article_changes::table
            .filter(article_changes::due_at.le(now))
            .filter(article_changes::fired.eq(false))
            .select(article_changes::seq)
            .first(&mut *conn)
            .optional()
            .map_err(db_err)?;
        if any.is_none() {
            return Ok(0);
        }
        let (fired, keys) = conn
            .transaction(|c| Store::fire_due_in(c, now))
            .map_err(db_err)?;
        if fired > 0 {
            self.written(keys);
        }
        Ok(fired)
    }

    fn next_due_after(&self, now: DateTime<Utc>) -> DomainResult<Option<DateTime<Utc>>> {
        let mut conn = self.conn()?;
        let due: Option<NaiveDateTime> = article_changes::table
            .filter(article_changes::due_at.gt(naive(now)))
            .filter(article_changes::fired.eq(false))
            .select(diesel::dsl::min(article_changes::due_at))
            .first(&mut *conn)
            .map_err(db_err)?;
        Ok(due.map(utc))
    }

    fn add_hook(&self, hook: &NewHook, now: DateTime<Utc>) -> DomainResult<Hook> {
        let events = format!(
            ",{},",
            hook.events
                .iter()
                .map(|e| e.as_str())
                .collect::<Vec<_>>()
                .join(",")
        );
        let mut conn = self.conn()?;
        let row: HookRow = conn
            .transaction::<_, DieselError, _>(|c| {
                if let Some(topic) = &hook.topic {
                    diesel::delete(
                        webhooks::table
                            .filter(webhooks::kind.eq(HookKind::Websub.as_str()))
                            .filter(webhooks::topic.eq(topic))
                            .filter(webhooks::url.eq(&hook.url)),
                    )
                    .execute(c)?;
                }
                diesel::insert_into(webhooks::table)
                    .values((
                        webhooks::kind.eq(hook.kind.as_str()),
                        webhooks::url.eq(&hook.url),
                        webhooks::events.eq(&events),
                        webhooks::secret.eq(&hook.secret),
                        webhooks::topic.eq(&hook.topic),
                        webhooks::expires_at.eq(hook.expires_at.map(naive)),
                        webhooks::enabled.eq(true),
                        webhooks::created_at.eq(naive(now)),
                    ))
                    .get_result::<HookRow>(c)
            })
            .map_err(db_err)?;
        Ok(row.into())
    }

    fn hooks(&self, kind: HookKind) -> DomainResult<Vec<Hook>> {
        let mut conn = self.conn()?;
        let rows: Vec<HookRow> = webhooks::table
            .filter(webhooks::kind.eq(kind.as_str()))
            .order(webhooks::id)
            .select(HookRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?;
        Ok(rows.into_iter().map(Into::into).collect())
    }

    fn hook(&self, id: i64) -> DomainResult<Option<Hook>> {
        let mut conn = self.conn()?;
        let row: Option<HookRow> = webhooks::table
            .find(id)
            .select(HookRow::as_select())
            .first(&mut *conn)
            .optional()
            .map_err(db_err)?;
        Ok(row.map(Into::into))
    }

    fn remove_hook(&self, id: i64) -> DomainResult<bool> {
        let mut conn = self.conn()?;
        let n = conn
            .transaction::<_, DieselError, _>(|c| {
                diesel::delete(
                    webhook_deliveries::table.filter(webhook_deliveries::webhook_id.eq(id)),
                )
                .execute(c)?;
                diesel::delete(webhooks::table.find(id)).execute(c)
            })
            .map_err(db_err)?;
        Ok(n > 0)
    }

    fn remove_websub(&self, topic: &str, callback: &str) -> DomainResult<bool> {
        let id: Option<i64> = {
            let mut conn = self.conn()?;
            webhooks::table
                .filter(webhooks::kind.eq(HookKind::Websub.as_str()))
                .filter(webhooks::topic.eq(topic))
                .filter(webhooks::url.eq(callback))
                .select(webhooks::id)
                .first(&mut *conn)
                .optional()
                .map_err(db_err)?
        };
        match id {
            Some(id) => self.remove_hook(id),
            None => Ok(false),
        }
    }

    fn deliveries(
        &self,
        hook_id: i64,
        limit: u32,
        before: Option<i64>,
    ) -> DomainResult<Vec<Delivery>> {
        let mut conn = self.conn()?;
        let mut query = webhook_deliveries::table
            .filter(webhook_deliveries::webhook_id.eq(hook_id))
            .order(webhook_deliveries::id.desc())
            .limit(i64::from(limit))
            .into_boxed();
        if let Some(before) = before {
            query = query.filter(webhook_deliveries::id.lt(before));
        }
        let rows = load_deliveries(&mut conn, query).map_err(db_err)?;
        Ok(rows.into_iter().map(|(d, _)| d).collect())
    }

    fn claim_deliveries(
        &self,
        now: DateTime<Utc>,
        until: DateTime<Utc>,
        limit: u32,
    ) -> DomainResult<Vec<(Delivery, Hook, Event)>> {
        let mut conn = self.conn()?;
        // Most of the time nothing is due: finding that out takes a read,
        // not the write lock every writer on SQLite would wait for.
        let due: Option<i64> = webhook_deliveries::table
            .filter(webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()))
            .filter(webhook_deliveries::next_attempt_at.le(naive(now)))
            .select(webhook_deliveries::id)
            .first(&mut *conn)
            .optional()
            .map_err(db_err)?;
        if due.is_none() {
            return Ok(Vec::new());
        }
        let ids = conn
            .transaction(|c| claim_ids(c, naive(now), naive(until), limit))
            .map_err(db_err)?;
        if ids.is_empty() {
            return Ok(Vec::new());
        }
        let query = webhook_deliveries::table
            .filter(webhook_deliveries::id.eq_any(ids))
            .into_boxed();
        let rows = load_deliveries(&mut conn, query).map_err(db_err)?;
        let hook_ids: Vec<i64> = rows.iter().map(|(d, _)| d.hook_id).collect();
        let hooks: Vec<Hook> = webhooks::table
            .filter(webhooks::id.eq_any(hook_ids))
            .select(HookRow::as_select())
            .load(&mut *conn)
            .map_err(db_err)?
            .into_iter()
            .map(Hook::from)
            .collect();
        Ok(rows
            .into_iter()
            .filter_map(|(d, e)| {
                let hook = hooks.iter().find(|h| h.id == d.hook_id)?.clone();
                Some((d, hook, e.into_event()?))
            })
            .collect())
    }

    fn settle_delivery(&self, id: i64, s: &Settlement) -> DomainResult<()> {
        let mut conn = self.conn()?;
        conn.transaction::<_, DieselError, _>(|c| settle(c, id, s))
            .map_err(db_err)
    }

    fn redeliver(
        &self,
        hook_id: i64,
        id: i64,
        now: DateTime<Utc>,
    ) -> DomainResult<Option<Delivery>> {
        let mut conn = self.conn()?;
        let n = diesel::update(
            webhook_deliveries::table
                .filter(webhook_deliveries::id.eq(id))
                .filter(webhook_deliveries::webhook_id.eq(hook_id)),
        )
        .set((
            webhook_deliveries::status.eq(DeliveryStatus::Pending.as_str()),
            webhook_deliveries::next_attempt_at.eq(naive(now)),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
        ))
        .execute(&mut *conn)
        .map_err(db_err)?;
        if n == 0 {
            return Ok(None);
        }
        let query = webhook_deliveries::table
            .filter(webhook_deliveries::id.eq(id))
            .into_boxed();
        let mut rows = load_deliveries(&mut conn, query).map_err(db_err)?;
        Ok(rows.pop().map(|(d, _)| d))
    }

    fn expire_leases(&self, now: DateTime<Utc>) -> DomainResult<usize> {
        let mut conn = self.conn()?;
        let ids: Vec<i64> = webhooks::table
            .filter(webhooks::kind.eq(HookKind::Websub.as_str()))
            .filter(webhooks::expires_at.le(naive(now)))
            .select(webhooks::id)
            .load(&mut *conn)
            .map_err(db_err)?;
        drop(conn);
        for id in &ids {
            self.remove_hook(*id)?;
        }
        Ok(ids.len())
    }
}

/// Records an attempt. A final failure disables the hook unless it has
/// succeeded since the failed delivery was made.
fn settle(conn: &mut DbConn, id: i64, s: &Settlement) -> Result<(), DieselError> {
    let at = naive(s.at);
    let (status, next) = match &s.next {
        Next::Delivered => (DeliveryStatus::Delivered, at),
        Next::RetryAt(t) => (DeliveryStatus::Pending, naive(*t)),
        Next::Failed { .. } => (DeliveryStatus::Failed, at),
        Next::Skipped => (DeliveryStatus::Skipped, at),
    };
    let attempted = i32::from(s.next != Next::Skipped);
    diesel::update(webhook_deliveries::table.find(id))
        .set((
            webhook_deliveries::status.eq(status.as_str()),
            webhook_deliveries::attempts.eq(webhook_deliveries::attempts + attempted),
            webhook_deliveries::next_attempt_at.eq(next),
            webhook_deliveries::claimed_until.eq(None::<NaiveDateTime>),
            webhook_deliveries::last_status_code.eq(s.status_code),
            webhook_deliveries::last_error.eq(&s.error),
            webhook_deliveries::last_attempt_at.eq(Some(at)),
        ))
        .execute(conn)?;
    let hook_id: i64 = webhook_deliveries::table
        .find(id)
        .select(webhook_deliveries::webhook_id)
        .first(conn)?;
    match &s.next {
        // A receiver that answers again is back, even one that was
        // disabled: redelivery is how an admin brings it back.
        Next::Delivered => {
            diesel::update(webhooks::table.find(hook_id))
                .set((
                    webhooks::last_success_at.eq(Some(at)),
                    webhooks::enabled.eq(true),
                    webhooks::disabled_reason.eq(None::<String>),
                ))
                .execute(conn)?;
        }
        Next::Failed { reason } => {
            diesel::sql_query(
                "UPDATE webhooks SET enabled = FALSE, disabled_reason = $1 \
                 WHERE id = $2 AND (last_success_at IS NULL OR last_success_at < \
                   (SELECT created_at FROM webhook_deliveries WHERE id = $3))",
            )
            .bind::<Nullable<Text>, _>(Some(reason))
            .bind::<BigInt, _>(hook_id)
            .bind::<BigInt, _>(id)
            .execute(conn)?;
        }
        _ => {}
    }
    Ok(())
}
