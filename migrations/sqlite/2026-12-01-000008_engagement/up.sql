-- Readers' comments, moderated. The body is stored as the reader wrote it
-- (plain text) and escaped when served. `client` is a hash of the address
-- and user agent, for moderators to see a flood come from one place.
CREATE TABLE comments (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    parent_id BIGINT REFERENCES comments (id) ON DELETE CASCADE,
    depth INTEGER NOT NULL,
    author_name TEXT NOT NULL,
    author_email TEXT,
    body TEXT NOT NULL,
    status TEXT NOT NULL CHECK (status IN ('pending', 'approved', 'rejected', 'spam')),
    client TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    moderated_at TIMESTAMP,
    moderated_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX comments_article ON comments (article_id, status, id);
CREATE INDEX comments_status ON comments (status, id);

-- An editor's flag: no new comments on this article; and its approved
-- comments, counted when a comment is moderated so reads never count.
ALTER TABLE articles ADD COLUMN comments_closed BOOLEAN NOT NULL DEFAULT FALSE;
ALTER TABLE articles ADD COLUMN comment_count BIGINT NOT NULL DEFAULT 0;

-- The outbox names the comment of a comment.created event.
ALTER TABLE article_changes ADD COLUMN comment_id BIGINT;

-- Page views in buckets: `bucket` is the bucket's start in minutes since
-- the Unix epoch, `span` its length in minutes (1, 60 or 1440). Minute
-- buckets become hourly after 48 hours and hourly ones daily after 30 days.
CREATE TABLE page_views (
    article_id BIGINT NOT NULL,
    bucket BIGINT NOT NULL,
    span INTEGER NOT NULL,
    views BIGINT NOT NULL,
    PRIMARY KEY (article_id, bucket, span)
);
CREATE INDEX page_views_recent ON page_views (bucket, article_id, views);
