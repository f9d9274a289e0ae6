-- The change log is also the event outbox: `event` names what a change
-- means to readers (article.published, .updated, .corrected, .unpublished,
-- .deleted), NULL when it means nothing to them (a draft saved). A
-- scheduled article's `article.published` is a row of its own, written
-- when its time comes; `fired` marks the schedules already told.
ALTER TABLE article_changes ADD COLUMN event TEXT;
ALTER TABLE article_changes ADD COLUMN fired BOOLEAN NOT NULL DEFAULT FALSE;
CREATE INDEX article_changes_unfired ON article_changes (due_at) WHERE due_at IS NOT NULL AND fired = FALSE;

-- Who is told about events: admin webhooks and WebSub subscriptions,
-- delivered by one mechanism. `events` is a comma-wrapped list
-- (",article.published,") so SQL can match an event by LIKE on both
-- backends. The secret signs deliveries, so it is kept as given.
CREATE TABLE webhooks (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    kind TEXT NOT NULL CHECK (kind IN ('webhook', 'websub')),
    url TEXT NOT NULL,
    events TEXT NOT NULL,
    secret TEXT,
    topic TEXT,
    expires_at TIMESTAMP,
    enabled BOOLEAN NOT NULL DEFAULT TRUE,
    disabled_reason TEXT,
    last_success_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX webhooks_websub ON webhooks (topic, url) WHERE kind = 'websub';

-- One row per event and receiver, written in the event's transaction.
-- A node claims due rows until `claimed_until`; a node that dies leaves
-- its claims to expire and another node takes them.
CREATE TABLE webhook_deliveries (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    webhook_id BIGINT NOT NULL REFERENCES webhooks (id) ON DELETE CASCADE,
    event_seq BIGINT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'delivered', 'failed', 'skipped')),
    attempts INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TIMESTAMP NOT NULL,
    claimed_until TIMESTAMP,
    last_status_code INTEGER,
    last_error TEXT,
    last_attempt_at TIMESTAMP,
    created_at TIMESTAMP NOT NULL
);
CREATE INDEX webhook_deliveries_due ON webhook_deliveries (next_attempt_at) WHERE status = 'pending';
CREATE INDEX webhook_deliveries_hook ON webhook_deliveries (webhook_id, id);

-- Requests each node admitted per rate-limit key in a minute window, so
-- that nodes sharing one database hold one limit between them.
CREATE TABLE rate_counts (
    key TEXT NOT NULL,
    window_start BIGINT NOT NULL,
    node TEXT NOT NULL,
    count BIGINT NOT NULL,
    PRIMARY KEY (key, window_start, node)
);
