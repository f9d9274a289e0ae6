-- Staff accounts. E-mails are stored lowercased; roles are ordered
-- admin > editor > author. An author may be linked to an author profile.
CREATE TABLE users (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    email TEXT NOT NULL UNIQUE,
    password_hash TEXT NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('admin', 'editor', 'author')),
    author_id BIGINT REFERENCES terms (id) ON DELETE SET NULL,
    created_at TIMESTAMP NOT NULL
);

-- `version` grows by one with every update: PATCH with a stale If-Match
-- loses the race on `WHERE version = ?` and gets 412.
ALTER TABLE articles ADD COLUMN version INTEGER NOT NULL DEFAULT 1;
ALTER TABLE articles ADD COLUMN created_by BIGINT REFERENCES users (id) ON DELETE SET NULL;

-- Earlier versions of an article, as the JSON create body that restores them.
CREATE TABLE article_revisions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    article_id BIGINT NOT NULL REFERENCES articles (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    snapshot TEXT NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by BIGINT REFERENCES users (id) ON DELETE SET NULL
);
CREATE INDEX article_revisions_article ON article_revisions (article_id, version DESC);

-- Partner keys, stored as SHA-256 of the key; the key itself is shown once.
CREATE TABLE api_keys (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    key_hash TEXT NOT NULL UNIQUE,
    rate_limit_per_minute INTEGER NOT NULL,
    created_at TIMESTAMP NOT NULL,
    revoked_at TIMESTAMP
);
